//! The negotiation part of the brief as document blocks (`kasim_negotiate::plan`): the
//! counter-offer (还价方案), the concessions and trades (让步与交换) and the negotiation plan
//! (谈判策略: the tournament's strategy advice, the deadlines, what stalling costs per week).
//!
//! [`blocks`] builds the three sections for a larger report (the brief); [`PlanReport`] is the
//! plan on its own, schema `kasim.plan/1`, so its tables are checked against its JSON. Supplier
//! values are risk-adjusted contributions estimated over simulated years in floating point
//! ([`Value::Estimate`], whole currency units); buyer utilities are 0–1 ([`Value::Score`]);
//! term values read in their unit (money, a rate as a percentage, a count).

use kasim_core::money::{format_money, format_percent};
use kasim_montecarlo::report::TermUnit;
use kasim_negotiate::plan::{Get, Give, NegotiationPlan, TermChange, Trade};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::Report;
use crate::document::{Block, Column, Document, KeyValues, Section, Table, Text, Value};
use crate::negotiate::term_value;

/// The plan on its own, as a report (`kasim.plan/1`): its JSON is the plan value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct PlanReport(pub NegotiationPlan);

impl Report for PlanReport {
    fn schema(&self) -> &'static str {
        "kasim.plan/1"
    }

    fn document(&self) -> Document {
        let p = &self.0;
        let mut doc = Document::new(Text::both(format!("{} — negotiation plan", p.contract), "谈判方案"));
        doc.blocks = blocks(p, &p.currency);
        doc
    }
}

/// A term's value as it reads in a sentence: money whole with separators (cents when it has
/// them), a rate as a percentage, a count as written.
fn term_text(unit: TermUnit, v: Decimal) -> String {
    match unit {
        TermUnit::Money => format_money(v, if v.fract().is_zero() { 0 } else { 2 }),
        TermUnit::Rate => format_percent(v),
        TermUnit::Count => v.normalize().to_string(),
    }
}

/// An estimated amount in a sentence: `CNY 15,000`.
fn amount(currency: &str, x: f64) -> String {
    let whole = Decimal::from_f64_retain(x.round()).unwrap_or_default();
    format!("{currency} {}", format_money(whole, 0))
}

fn change_text(c: &TermChange) -> String {
    format!("{} {} → {}", c.term, term_text(c.unit, c.from), term_text(c.unit, c.to))
}

fn steps(c: &TermChange) -> Value {
    c.steps.map_or(Value::Missing, Value::Count)
}

fn estimate(x: Option<f64>) -> Value {
    x.map_or(Value::Missing, Value::Estimate)
}

fn count(n: usize) -> Value {
    Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The plan's three sections: the counter-offer (还价方案), concessions and trades (让步与
/// 交换), and the negotiation plan (谈判策略). Table ids start with `plan_`, so they do not clash
/// with the tables of the report they are part of. `currency` names amounts in sentences.
pub fn blocks(plan: &NegotiationPlan, currency: &str) -> Vec<Block> {
    vec![
        Section::new("plan_counter", Text::both("Counter-offer", "还价方案"), counter(plan)).into(),
        Section::new("plan_give_get", Text::both("Concessions and trades", "让步与交换"), give_get(plan, currency))
            .into(),
        Section::new("plan_strategy", Text::both("Negotiation plan", "谈判策略"), strategy(plan, currency)).into(),
    ]
}

fn counter(plan: &NegotiationPlan) -> Vec<Block> {
    let (moves, summary) = crate::negotiate::advice_blocks(
        &plan.counter,
        ("plan_counter_offer", "plan_counter_summary"),
        Text::both("Margin asked", "要求余量"),
    );
    vec![
        moves.into(),
        summary.into(),
        Block::Paragraph(Text::both(
            "Alone: the draft with only this term moved; in offer: what the move adds given the others. The \
             acceptance margin is the buyer's estimated utility of the counter-offer above its alternative.",
            "单项：仅调整该条款的价值；还价中：在其他调整基础上该项的增量。接受余量：采购对还价的预计效用高于其底线的部分。",
        )),
    ]
}

fn give_columns() -> Vec<Column> {
    vec![
        Column::text("term", Text::both("Term", "条款")),
        Column::number("from", Text::both("From", "由")),
        Column::number("to", Text::both("To", "改为")),
        Column::number("steps", Text::both("Steps", "档数")),
    ]
}

fn give_row(g: &Give) -> Vec<Value> {
    let c = &g.change;
    vec![
        Value::text(&c.term),
        term_value(c.unit, c.from),
        term_value(c.unit, c.to),
        steps(c),
        Value::Estimate(g.supplier_cost),
        Value::Score(g.buyer_gain),
        Value::Estimate(g.cost_per_utility),
    ]
}

fn get_row(g: &Get) -> Vec<Value> {
    let c = &g.change;
    vec![
        Value::text(&c.term),
        term_value(c.unit, c.from),
        term_value(c.unit, c.to),
        steps(c),
        estimate(g.supplier_gain),
        estimate(g.supplier_gain_alone),
        g.buyer_cost.map_or(Value::Missing, Value::Score),
        if g.pays_off_together {
            Value::label("together", Text::both("only together", "需配合"))
        } else {
            Value::Empty
        },
    ]
}

fn trade_sentence(t: &Trade, currency: &str) -> Text {
    let (give, get) = (&t.give, &t.get);
    let (gain, loss) = (get.supplier_gain.unwrap_or(0.0), get.buyer_cost.unwrap_or(0.0));
    Text::both(
        format!(
            "Concede {} (costs you {}, buyer +{:.3}) against {} (gains {}, buyer −{:.3}): {} better than dropping the ask.",
            change_text(&give.change),
            amount(currency, give.supplier_cost),
            give.buyer_gain,
            change_text(&get.change),
            amount(currency, gain),
            loss,
            amount(currency, t.supplier_net),
        ),
        format!(
            "让步 {}（成本 {}，采购 +{:.3}）换取 {}（增益 {}，采购 −{:.3}）：比放弃该项多得 {}。",
            change_text(&give.change),
            amount(currency, give.supplier_cost),
            give.buyer_gain,
            change_text(&get.change),
            amount(currency, gain),
            loss,
            amount(currency, t.supplier_net),
        ),
    )
}

fn give_get(plan: &NegotiationPlan, currency: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut columns = give_columns();
    columns.extend([
        Column::number("supplier_cost", Text::both("Cost to you", "成本")),
        Column::number("buyer_gain", Text::both("Buyer +", "采购增益")),
        Column::number("cost_per_utility", Text::both("Cost per buyer utility", "单位效用成本")),
    ]);
    let mut gives = Table::new("plan_gives", columns)
        .titled(Text::both("What you can concede, cheapest per buyer utility first", "可让步项（按单位效用成本）"));
    for g in &plan.gives {
        gives.row(give_row(g));
    }
    let mut columns = give_columns();
    columns.extend([
        Column::number("supplier_gain", Text::both("Gain in offer", "还价中增益")),
        Column::number("supplier_gain_alone", Text::both("Gain alone", "单项增益")),
        Column::number("buyer_cost", Text::both("Buyer −", "采购损失")),
        Column::text("pays_off_together", Text::both("Pays off", "是否需配合")),
    ]);
    let mut gets = Table::new("plan_gets", columns).titled(Text::both("What the counter-offer asks", "还价索取项"));
    for g in &plan.gets {
        gets.row(get_row(g));
    }
    let mut trades = Table::new(
        "plan_trades",
        vec![
            Column::text("give", Text::both("Concede", "让步")),
            Column::number("give_to", Text::both("To", "改为")),
            Column::number("give_cost", Text::both("Cost to you", "成本")),
            Column::number("give_buyer_gain", Text::both("Buyer +", "采购增益")),
            Column::text("get", Text::both("Against", "换取")),
            Column::number("get_to", Text::both("To", "改为")),
            Column::number("get_gain", Text::both("Gain", "增益")),
            Column::number("get_buyer_cost", Text::both("Buyer −", "采购损失")),
            Column::number("supplier_net", Text::both("Net to you", "净得")),
        ],
    )
    .titled(Text::both("Trades: concede this rather than drop that ask", "交换：以让步保住索取"));
    for t in &plan.trades {
        trades.row(vec![
            Value::text(&t.give.change.term),
            term_value(t.give.change.unit, t.give.change.to),
            Value::Estimate(t.give.supplier_cost),
            Value::Score(t.give.buyer_gain),
            Value::text(&t.get.change.term),
            term_value(t.get.change.unit, t.get.change.to),
            estimate(t.get.supplier_gain),
            t.get.buyer_cost.map_or(Value::Missing, Value::Score),
            Value::Estimate(t.supplier_net),
        ]);
    }
    out.push(gets.into());
    out.push(gives.into());
    if plan.trades.is_empty() {
        out.push(Block::Paragraph(Text::both(
            "No single concession makes up the buyer's loss on an ask for less than the ask gains you: the terms \
             moved are close to transfers (a unit of fees is worth about as much to the buyer as it costs you). \
             Concede from the top of the list above when the buyer pushes back.",
            "没有单项让步能以低于索取增益的成本弥补采购的损失：这些条款近似等额转移。采购施压时，按上表从上往下让步。",
        )));
    } else {
        out.push(trades.into());
        out.push(Block::Paragraph(Text::both(
            "Each trade is an alternative for when the buyer pushes back on that ask, not a sum.",
            "每项交换针对采购对该项索取的反对，各项互为替代，不可累加。",
        )));
        for t in &plan.trades {
            out.push(Block::Paragraph(trade_sentence(t, currency)));
        }
    }
    for g in plan.gets.iter().filter(|g| g.buyer_cost.is_some_and(|c| c <= kasim_negotiate::plan::UTILITY_TOLERANCE)) {
        let gain = amount(currency, g.supplier_gain.unwrap_or(0.0));
        out.push(Block::Paragraph(Text::both(
            format!("Free ask: {} gains you {gain} and costs the buyer nothing on its KPIs.", change_text(&g.change)),
            format!("无代价索取：{} 为你增加 {gain}，不影响采购的考核指标。", change_text(&g.change)),
        )));
    }
    out
}

fn strategy(plan: &NegotiationPlan, currency: &str) -> Vec<Block> {
    let mut out = Vec::new();
    if let Some(st) = &plan.strategy {
        let mut kv = KeyValues::new("plan_strategy_summary");
        kv.pair("best", Text::both("Best supplier strategy", "最优策略"), Value::text(st.best.strategy.name()));
        kv.pair("best_mean", Text::both("  its mean value", "平均价值"), Value::Estimate(st.best.supplier_mean));
        kv.pair(
            "best_agreement_rate",
            Text::both("  its agreement rate", "成交率"),
            Value::Probability(st.best.agreement_rate),
        );
        kv.pair("worst", Text::both("Worst supplier strategy", "最差策略"), Value::text(st.worst.strategy.name()));
        kv.pair("worst_mean", Text::both("  its mean value", "平均价值"), Value::Estimate(st.worst.supplier_mean));
        kv.pair(
            "worst_agreement_rate",
            Text::both("  its agreement rate", "成交率"),
            Value::Probability(st.worst.agreement_rate),
        );
        let runs = i64::try_from(st.tournament.config.runs).unwrap_or(i64::MAX);
        kv.pair("runs", Text::both("Negotiations per pair of strategies", "每组对局次数"), Value::Count(runs));
        out.push(kv.into());
        let mut responses = Table::new(
            "plan_best_responses",
            vec![
                Column::text("buyer", Text::both("If the buyer plays", "采购策略")),
                Column::text("supplier", Text::both("play", "应对策略")),
                Column::number("supplier_mean", Text::both("Mean value", "平均价值")),
                Column::number("agreement_rate", Text::both("Agreement", "成交率")),
            ],
        )
        .titled(Text::both("Best response to each buyer type", "针对各类采购的最优应对"));
        for b in &st.best_responses {
            responses.row(vec![
                Value::text(b.buyer.name()),
                Value::text(b.supplier.name()),
                Value::Estimate(b.supplier_mean),
                Value::Probability(b.agreement_rate),
            ]);
        }
        out.push(responses.into());
    }
    let (d, s) = (&plan.deadlines, &plan.stalling);
    let mut time = KeyValues::new("plan_time");
    time.pair("round_limit", Text::both("Round limit", "谈判轮数上限"), count(d.round_limit));
    if let (Some(r), Some(w)) = (d.buyer_last_round, d.buyer_weeks) {
        time.pair("buyer_last_round", Text::both("Buyer's last round (deadline)", "采购截止轮次"), count(r));
        time.pair("buyer_weeks", Text::both("  in weeks", "周数"), Value::Fixed(w, 1));
    }
    if let (Some(r), Some(w)) = (d.supplier_last_round, d.supplier_weeks) {
        time.pair("supplier_last_round", Text::both("Your last round (deadline)", "供应商截止轮次"), count(r));
        time.pair("supplier_weeks", Text::both("  in weeks", "周数"), Value::Fixed(w, 1));
    }
    time.pair("rounds_per_week", Text::both("Rounds per week", "每周轮数"), Value::Fixed(s.rounds_per_week, 2));
    time.pair(
        "supplier_per_week",
        Text::both("Stalling costs you, per week", "拖延成本（每周）"),
        Value::Estimate(s.supplier_per_week),
    );
    time.pair(
        "buyer_per_week",
        Text::both("Stalling costs the buyer, per week (utility)", "采购拖延成本（每周效用）"),
        Value::Score(s.buyer_per_week),
    );
    if let Some(w) = s.break_even_weeks {
        time.pair(
            "break_even_weeks",
            Text::both("Weeks the counter-offer's gain pays for", "还价增益可抵拖延周数"),
            Value::Fixed(w, 1),
        );
    }
    if let Some(w) = s.buyer_acceptance_weeks {
        time.pair(
            "buyer_acceptance_weeks",
            Text::both("Weeks the counter-offer stays acceptable to the buyer", "还价对采购保持可接受的周数"),
            Value::Fixed(w, 1),
        );
    }
    time.pair(
        "breakdown_cost",
        Text::both("Cost of no agreement (counter-offer − your BATNA)", "谈判破裂损失"),
        Value::Estimate(s.breakdown_cost),
    );
    out.push(time.into());
    let week = amount(currency, s.supplier_per_week);
    let mut en = format!(
        "Each week without a contract costs you {week} (negotiation.supplier.delay_cost per round × rounds per week)"
    );
    let mut zh = format!("每拖延一周损失 {week}（每轮拖延成本 × 每周轮数）");
    if let Some(w) = s.break_even_weeks {
        let w = format_money(Decimal::from_f64_retain(w).unwrap_or_default(), 1);
        en.push_str(&format!(
            "; holding out for the counter-offer beats signing the draft now only if it is signed within {w} weeks"
        ));
        zh.push_str(&format!("；坚持还价只有在 {w} 周内签约才优于立即签署草案"));
    }
    if let Some(r) = d.buyer_last_round {
        en.push_str(&format!("; the buyer negotiates until round {r}"));
        zh.push_str(&format!("；采购最晚谈到第 {r} 轮"));
    }
    en.push('.');
    zh.push('。');
    out.push(Block::Paragraph(Text::both(en, zh)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_read_terms_in_their_units() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(term_text(TermUnit::Money, d("160000")), "160,000");
        assert_eq!(term_text(TermUnit::Money, d("1500.50")), "1,500.50");
        assert_eq!(term_text(TermUnit::Rate, d("0.025")), "2.5%");
        assert_eq!(term_text(TermUnit::Count, d("22")), "22");
        assert_eq!(amount("CNY", 15_000.4), "CNY 15,000");
        assert_eq!(amount("CNY", -8302.6), "CNY -8,303");
    }
}
