//! The negotiation reports of `kasim-negotiate` as documents: `kasim negotiate` (the
//! transcript, the agreement against the Nash and Kalai–Smorodinsky points, what the supplier
//! left on the table), `kasim advise` (the counter-offer term by term) and `kasim negotiate
//! --tournament` (every pair of strategies, and the supplier strategies ranked).
//!
//! Supplier values are risk-adjusted contributions in currency estimated over simulated years
//! in floating point: [`Value::Estimate`] (whole units). The buyer's utility — the weighted
//! share of its KPI targets met, 0–1 — and distances to the Pareto frontier are
//! [`Value::Score`]s (three decimals). Each report's main table is its CSV.

use kasim_negotiate::report::{AdviceReport, NegotiationReport, TournamentReport};
use kasim_negotiate::{Side, StrategyKind};

use crate::Report;
use crate::document::{Column, Document, KeyValues, Table, Text, Value};

fn side(s: Side) -> Value {
    match s {
        Side::Supplier => Value::label("supplier", Text::both("supplier", "供应商")),
        Side::Buyer => Value::label("buyer", Text::both("buyer", "采购")),
    }
}

fn side_en(s: Side) -> &'static str {
    match s {
        Side::Supplier => "supplier",
        Side::Buyer => "buyer",
    }
}

/// A utility of the side: currency for the supplier, a 0–1 share for the buyer.
fn utility(s: Side, x: f64) -> Value {
    match s {
        Side::Supplier => Value::Estimate(x),
        Side::Buyer => Value::Score(x),
    }
}

fn count(n: usize) -> Value {
    Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

fn term_columns(terms: &[String]) -> impl Iterator<Item = Column> + '_ {
    terms.iter().map(|t| Column::number(t.clone(), t.clone()))
}

impl Report for NegotiationReport {
    fn schema(&self) -> &'static str {
        "kasim.negotiate/2"
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(Text::both(
            format!(
                "{} — negotiation: supplier {} vs buyer {}",
                self.contract, self.supplier_strategy, self.buyer_strategy
            ),
            "谈判模拟",
        ));
        doc.subtitle.push(Text::en(format!(
            "{} rounds, the {} opens; {} term combinations",
            self.rounds,
            side_en(self.opens),
            self.combinations
        )));

        let mut columns = vec![
            Column::number("round", Text::both("Round", "轮次")),
            Column::text("side", Text::both("Offer by", "出价方")),
        ];
        columns.extend(term_columns(&self.terms));
        columns.extend([
            Column::number("supplier_value", Text::both("Supplier value", "供应商价值")),
            Column::number("buyer_utility", Text::both("Buyer utility", "采购效用")),
            Column::number("concession", Text::both("Concession", "让步")),
            Column::text("accepted", ""),
        ]);
        let mut transcript = Table::new("transcript", columns);
        for o in &self.transcript {
            let mut row = vec![count(o.round), side(o.side)];
            row.extend(o.terms.iter().zip(&self.units).map(|(v, u)| term_value(*u, *v)));
            row.extend([
                Value::Estimate(o.supplier_value),
                Value::Score(o.buyer_utility),
                utility(o.side, o.concession),
                if o.accepted { Value::label("accepted", Text::both("accepted", "接受")) } else { Value::Empty },
            ]);
            transcript.row(row);
        }
        doc.blocks.push(transcript.into());

        let mut columns = vec![Column::text("point", "")];
        columns.extend(term_columns(&self.terms));
        columns.extend([
            Column::number("supplier_value", Text::both("Supplier value", "供应商价值")),
            Column::number("buyer_utility", Text::both("Buyer utility", "采购效用")),
        ]);
        let mut points = Table::new("points", columns);
        let units = &self.units;
        let mut point = |key: &str, label: Text, terms: &[rust_decimal::Decimal], supplier: f64, buyer: f64| {
            let mut row = vec![Value::label(key, label)];
            row.extend(terms.iter().zip(units).map(|(v, u)| term_value(*u, *v)));
            row.extend([Value::Estimate(supplier), Value::Score(buyer)]);
            points.row(row);
        };
        if let Some(a) = &self.agreement {
            point(
                "agreement",
                Text::both("Agreement (before the cost of delay)", "成交"),
                &a.terms,
                a.supplier_value,
                a.buyer_utility,
            );
        }
        if let Some(p) = &self.nash {
            point("nash", Text::both("Nash point", "纳什解"), &p.terms, p.supplier_value, p.buyer_utility);
        }
        if let Some(p) = &self.kalai_smorodinsky {
            point(
                "kalai_smorodinsky",
                Text::both("Kalai–Smorodinsky point", "K-S 解"),
                &p.terms,
                p.supplier_value,
                p.buyer_utility,
            );
        }
        if !points.rows.is_empty() {
            doc.blocks.push(points.into());
        }

        let mut outcome = KeyValues::new("outcome");
        outcome.pair("ended_by", Text::both("Ended by", "结束原因"), Value::text(self.ended_by.as_str()));
        if let Some(a) = &self.agreement {
            outcome.pair("agreement_round", Text::both("Agreement in round", "成交轮次"), count(a.round));
            outcome.pair("accepted_by", Text::both("Accepted by", "接受方"), side(a.accepted_by));
        }
        let (s_label, b_label) = if self.agreement.is_some() {
            (
                Text::both("Supplier value after delay", "供应商实得"),
                Text::both("Buyer utility after delay", "采购实得效用"),
            )
        } else {
            (
                Text::both("Supplier value (its BATNA)", "供应商实得"),
                Text::both("Buyer utility (its BATNA)", "采购实得效用"),
            )
        };
        outcome.pair("supplier_utility", s_label, Value::Estimate(self.supplier_utility));
        outcome.pair(
            "supplier_reservation",
            Text::both("Supplier BATNA", "供应商底线"),
            Value::Estimate(self.supplier_reservation),
        );
        outcome.pair("buyer_utility", b_label, Value::Score(self.buyer_utility));
        outcome.pair("buyer_reservation", Text::both("Buyer BATNA", "采购底线"), Value::Score(self.buyer_reservation));
        if let Some(a) = &self.agreement {
            outcome.pair(
                "distance_to_pareto",
                Text::both("Distance to the Pareto frontier", "距帕累托前沿"),
                Value::Score(a.distance_to_pareto),
            );
            outcome.pair(
                "supplier_left_on_the_table",
                Text::both("Left on the table by the supplier", "供应商少得"),
                Value::Estimate(a.supplier_left_on_the_table),
            );
        }
        doc.blocks.push(outcome.into());

        doc.notes.push(Text::en(
            "Supplier value: the risk-adjusted contribution over the common scenarios (currency); buyer utility: \
             the weighted share of its KPI targets met. Left on the table: how much more the Pareto frontier \
             offered the supplier at the same buyer utility.",
        ));
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("transcript")
    }
}

impl Report for AdviceReport {
    fn schema(&self) -> &'static str {
        "kasim.advise/2"
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(Text::both(format!("{} — recommended counter-offer", self.contract), "还价建议"));
        let (moves, summary) =
            advice_blocks(self, ("counter_offer", "summary"), Text::both("Margin asked (--margin)", "要求余量"));
        doc.blocks.push(moves.into());
        doc.blocks.push(summary.into());
        doc.notes.push(Text::en(
            "Supplier value: the risk-adjusted contribution (currency); buyer utility: the weighted share of its KPI \
             targets met. A margin near 0 means the buyer is indifferent between this and its alternative.",
        ));
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("counter_offer")
    }
}

impl Report for TournamentReport {
    fn schema(&self) -> &'static str {
        "kasim.tournament/1"
    }

    fn document(&self) -> Document {
        let cfg = &self.config;
        let mut doc = Document::new(Text::both(format!("{} — strategy tournament", self.contract), "策略对抗"));
        doc.subtitle.push(Text::en(format!(
            "{} negotiations per pair; buyer fee target ±{:.0}%, deadline {:.0}–{:.0}% of its horizon, BATNA ±{:.2}, KPI weights ±{:.0}% (seed {})",
            cfg.runs,
            cfg.fee_target_spread * 100.0,
            cfg.deadline_range.0 * 100.0,
            cfg.deadline_range.1 * 100.0,
            cfg.batna_spread,
            cfg.weight_spread * 100.0,
            cfg.seed
        )));
        let name = |k: StrategyKind| Value::text(k.name());
        let mut pairs = Table::new(
            "pairs",
            vec![
                Column::text("supplier", Text::both("Supplier", "供应商")),
                Column::text("buyer", Text::both("Buyer", "采购")),
                Column::number("agreement_rate", Text::both("Agreement", "成交率")),
                Column::number("supplier_mean", Text::both("Supplier value (mean)", "供应商均值")),
                Column::number("supplier_sd", "SD"),
                Column::number("supplier_p10", "P10"),
                Column::number("supplier_p50", "P50").detail(),
                Column::number("supplier_p90", "P90"),
                Column::number("buyer_mean", Text::both("Buyer utility", "采购效用")),
                Column::number("mean_round", Text::both("Mean round", "平均轮次")),
            ],
        );
        for p in &self.pairs {
            let [p10, p50, p90] = p.supplier_p10_p50_p90;
            pairs.row(vec![
                name(p.supplier),
                name(p.buyer),
                Value::Probability(p.agreement_rate),
                Value::Estimate(p.supplier_mean),
                Value::Estimate(p.supplier_sd),
                Value::Estimate(p10),
                Value::Estimate(p50),
                Value::Estimate(p90),
                Value::Score(p.buyer_mean),
                if p.agreement_rate > 0.0 { Value::Fixed(p.mean_round, 1) } else { Value::Missing },
            ]);
        }
        doc.blocks.push(pairs.into());
        let mut ranking = Table::new(
            "ranking",
            vec![
                Column::text("strategy", Text::both("Supplier strategy", "供应商策略")),
                Column::number("supplier_mean", Text::both("Mean value over the buyer strategies", "对各采购策略均值")),
            ],
        )
        .titled(Text::both("Supplier strategies, best first", "供应商策略排名"));
        for r in &self.ranking {
            ranking.row(vec![name(r.strategy), Value::Estimate(r.supplier_mean)]);
        }
        doc.blocks.push(ranking.into());
        doc.notes.push(Text::en(
            "Supplier value: realised — the agreement after the cost of delay, or the BATNA; buyer utility: the weighted \
             share of its KPI targets met. Mean round counts from 1, over agreements.",
        ));
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("pairs")
    }
}

/// A counter-offer as a table — per term the drafted and recommended value, the move's worth
/// alone and within the offer, the moves it pays off only with — and its summary (supplier
/// value and buyer utility of draft and counter-offer, the acceptance margin), under the table
/// ids `ids`: `kasim advise` and the brief's negotiation plan show the same advice.
pub(crate) fn advice_blocks(r: &AdviceReport, ids: (&str, &str), margin: Text) -> (Table, KeyValues) {
    let a = &r.advice;
    let mut moves = Table::new(
        ids.0,
        vec![
            Column::text("term", Text::both("Term", "条款")),
            Column::number("draft", Text::both("Draft", "草案")),
            Column::number("counter_offer", Text::both("Counter-offer", "还价")),
            Column::number("supplier_gain", Text::both("Alone", "单项")),
            Column::number("marginal_gain", Text::both("In offer", "还价中")),
            Column::text("pays_off_with", Text::both("Only with", "需配合")),
        ],
    );
    for m in &a.per_term {
        moves.row(vec![
            Value::text(&m.term),
            term_value(m.unit, m.draft),
            term_value(m.unit, m.counter_offer),
            m.supplier_gain.map_or(Value::Missing, Value::Estimate),
            m.marginal_gain.map_or(Value::Missing, Value::Estimate),
            if !m.pays_off_together {
                Value::Missing
            } else if m.partners.is_empty() {
                Value::label("the_other_moves", Text::both("the other moves", "其他调整"))
            } else {
                Value::text(m.partners.join(", "))
            },
        ]);
    }
    let mut summary = KeyValues::new(ids.1);
    if let Some(d) = r.draft_supplier_value {
        summary.pair("draft_supplier_value", Text::both("Supplier value of the draft", "草案价值"), Value::Estimate(d));
    }
    summary.pair(
        "supplier_value",
        Text::both("Supplier value of the counter-offer", "还价价值"),
        Value::Estimate(a.supplier_value),
    );
    if let Some(g) = r.supplier_gain {
        summary.pair("supplier_gain", Text::both("Gain over the draft", "较草案增加"), Value::Estimate(g));
    }
    if let Some(u) = r.draft_buyer_utility {
        summary.pair("draft_buyer_utility", Text::both("Buyer utility of the draft", "草案采购效用"), Value::Score(u));
    }
    summary.pair(
        "buyer_utility",
        Text::both("Buyer utility of the counter-offer", "还价采购效用"),
        Value::Score(a.buyer_utility),
    );
    summary.pair("buyer_reservation", Text::both("Buyer BATNA", "采购底线"), Value::Score(r.buyer_reservation));
    summary.pair(
        "acceptance_margin",
        Text::both("Estimated acceptance margin", "预计接受余量"),
        Value::Score(a.acceptance_margin),
    );
    summary.pair("margin", margin, Value::Score(r.margin));
    (moves, summary)
}

/// A negotiable term's value as its unit reads: money with separators, a rate as a percentage,
/// a count as written.
pub(crate) fn term_value(unit: kasim_montecarlo::report::TermUnit, v: rust_decimal::Decimal) -> Value {
    use kasim_montecarlo::report::TermUnit;
    match unit {
        TermUnit::Money => Value::Money(v),
        TermUnit::Rate => Value::Rate(v),
        TermUnit::Count => Value::Decimal(v),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use kasim_core::Contract;
    use kasim_negotiate::StrategyKind::{Anchoring, Boulware, Conceder, FlagshipFirst, Hardliner, Stall};
    use kasim_negotiate::contract::{Setup, setup};
    use kasim_negotiate::tournament::TournamentConfig;
    use kasim_negotiate::{AdviceReport, NegotiationReport, TournamentReport};

    use crate::emit::{Format, emit};
    use crate::testing::assert_consistent;

    fn seed_case() -> &'static (Contract, Setup) {
        static CASE: OnceLock<(Contract, Setup)> = OnceLock::new();
        CASE.get_or_init(|| {
            let path =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
            let mut c = kasim_core::load(path).unwrap();
            // Fewer common scenarios than the file's 64: the test is of the rendering.
            c.negotiation.as_mut().unwrap().supplier.scenarios = 8;
            let s = setup(&c).unwrap();
            (c, s)
        })
    }

    #[test]
    fn negotiations_are_consistent_in_every_format() {
        let (c, s) = seed_case();
        for (supplier, buyer) in
            [(Stall, Boulware), (Hardliner, Hardliner), (FlagshipFirst, Boulware), (Conceder, Anchoring)]
        {
            let r = NegotiationReport::new(c, s, supplier, buyer).unwrap();
            assert_consistent(&r);
            let text = emit(&r, Format::Table).unwrap();
            assert!(text.contains(&format!("supplier {supplier} vs buyer {buyer}")), "{text}");
            let csv = emit(&r, Format::Csv).unwrap();
            assert_eq!(csv.lines().count(), r.transcript.len() + 1, "{csv}");
        }
    }

    #[test]
    fn advice_and_tournament_are_consistent() {
        let (c, s) = seed_case();
        let a = AdviceReport::new(c, s, 0.35).unwrap();
        assert_consistent(&a);
        assert!(
            emit(&a, Format::Csv)
                .unwrap()
                .starts_with("\u{feff}term,draft,counter_offer,supplier_gain,marginal_gain,pays_off_with\n")
        );
        let t = TournamentReport::new(c, s, &TournamentConfig { runs: 4, ..TournamentConfig::default() }).unwrap();
        assert_consistent(&t);
        assert_eq!(emit(&t, Format::Csv).unwrap().lines().count(), t.pairs.len() + 1);
    }
}
