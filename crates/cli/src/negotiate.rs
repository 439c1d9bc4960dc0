//! `kasim negotiate`, `kasim negotiate --tournament` and `kasim advise`: load, build the
//! negotiation, ask kasim-negotiate for the report value, render it. Every figure is computed
//! by the library (`kasim_negotiate::report`); this file only formats.

use std::path::Path;

use kasim_core::money::format_money;
use kasim_negotiate::contract::setup;
use kasim_negotiate::tournament::TournamentConfig;
use kasim_negotiate::{AdviceReport, NegotiationReport, Side, StrategyKind, TournamentReport};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::args::Format;
use crate::table::{Align, Table};
use crate::{Failure, Outcome, done};

fn money(x: f64) -> String {
    format_money(Decimal::from_f64_retain(x).unwrap_or_default(), 0)
}

fn side(s: Side) -> &'static str {
    match s {
        Side::Supplier => "supplier 供应商",
        Side::Buyer => "buyer 采购",
    }
}

/// A negotiation error as the CLI reports it: the core engine's with its locations.
fn failure(e: kasim_negotiate::Error) -> Failure {
    match e {
        kasim_negotiate::Error::Core(c) => Failure::Core(c),
        kasim_negotiate::Error::Simulation(m) => Failure::from(m),
        other => Failure::Message(other.to_string()),
    }
}

/// The report as JSON, its schema first.
fn json<R: Serialize>(format: &'static str, report: &R) -> Result<String, Failure> {
    #[derive(Serialize)]
    struct Doc<'a, R> {
        format: &'static str,
        #[serde(flatten)]
        report: &'a R,
    }
    serde_json::to_string_pretty(&Doc { format, report }).map(|s| s + "\n").map_err(|e| Failure::Message(e.to_string()))
}

fn assignments(paths: &[String], values: &[Decimal]) -> String {
    paths.iter().zip(values).map(|(p, v)| format!("{p} = {v}")).collect::<Vec<_>>().join(", ")
}

pub(crate) fn negotiate(file: &Path, supplier: StrategyKind, buyer: StrategyKind, format: Format) -> Outcome {
    let result = (|| -> Result<String, Failure> {
        let contract = kasim_core::load(file).map_err(Failure::Core)?;
        let setup = setup(&contract).map_err(failure)?;
        let r = NegotiationReport::new(&contract, &setup, supplier, buyer).map_err(failure)?;
        match format {
            Format::Json => json("kasim.negotiate/2", &r),
            Format::Table | Format::Csv => Ok(negotiation_text(&r)),
        }
    })();
    done(result)
}

fn negotiation_text(r: &NegotiationReport) -> String {
    let mut out = format!(
        "{} — negotiation: supplier {} vs buyer {}, {} rounds, {} opens; {} term combinations\n\n",
        r.contract,
        r.supplier_strategy,
        r.buyer_strategy,
        r.rounds,
        side(r.opens),
        r.combinations
    );
    let mut align = vec![Align::Right, Align::Left];
    align.extend(std::iter::repeat_n(Align::Right, r.terms.len() + 3));
    align.push(Align::Left);
    let mut tb = Table::new(align);
    let mut head = vec!["Round".to_string(), "Offer by".to_string()];
    head.extend(r.terms.iter().cloned());
    head.extend(["Supplier value".to_string(), "Buyer utility".to_string(), "Concession".to_string(), String::new()]);
    tb.row(head);
    tb.rule();
    for st in &r.transcript {
        let mut row = vec![st.round.to_string(), side(st.side).to_string()];
        row.extend(st.terms.iter().map(Decimal::to_string));
        let concession = if st.side == Side::Supplier { money(st.concession) } else { format!("{:.3}", st.concession) };
        row.extend([
            money(st.supplier_value),
            format!("{:.3}", st.buyer_utility),
            concession,
            if st.accepted { "accepted".into() } else { String::new() },
        ]);
        tb.row(row);
    }
    out.push_str(&tb.render());
    out.push('\n');
    match &r.agreement {
        Some(a) => {
            out.push_str(&format!(
                "Agreement in round {} (accepted by the {}): {}\n",
                a.round,
                side(a.accepted_by),
                assignments(&r.terms, &a.terms)
            ));
            out.push_str(&format!(
                "Supplier: risk-adjusted contribution {} after delay (BATNA {}); buyer utility {:.3} (BATNA {:.3})\n",
                money(r.supplier_utility),
                money(r.supplier_reservation),
                r.buyer_utility,
                r.buyer_reservation
            ));
            out.push_str(&format!(
                "Distance to the Pareto frontier {:.3}; the supplier left {} on the table (the best frontier deal at the same buyer utility)\n",
                a.distance_to_pareto,
                money(a.supplier_left_on_the_table)
            ));
        }
        None => out.push_str(&format!(
            "No agreement ({}): the supplier falls back to its BATNA ({}), the buyer to its ({:.3})\n",
            r.ended_by,
            money(r.supplier_reservation),
            r.buyer_reservation
        )),
    }
    for (label, point) in [("Nash point", &r.nash), ("Kalai–Smorodinsky point", &r.kalai_smorodinsky)] {
        if let Some(p) = point {
            out.push_str(&format!(
                "{label}: {} (supplier {}, buyer {:.3})\n",
                assignments(&r.terms, &p.terms),
                money(p.supplier_value),
                p.buyer_utility
            ));
        }
    }
    out
}

pub(crate) fn advise(file: &Path, margin: f64, format: Format) -> Outcome {
    let result = (|| -> Result<String, Failure> {
        let contract = kasim_core::load(file).map_err(Failure::Core)?;
        let setup = setup(&contract).map_err(failure)?;
        let r = AdviceReport::new(&contract, &setup, margin).map_err(failure)?;
        match format {
            Format::Json => json("kasim.advise/2", &r),
            Format::Table | Format::Csv => Ok(advice_text(&r)),
        }
    })();
    done(result)
}

fn advice_text(r: &AdviceReport) -> String {
    let a = &r.advice;
    let mut out = format!("{} — recommended counter-offer 还价建议\n\n", r.contract);
    let mut tb = Table::new(vec![Align::Left, Align::Right, Align::Right, Align::Right]);
    tb.row(["Term", "Draft", "Counter-offer", "Supplier value of this move"]);
    tb.rule();
    for m in &a.per_term {
        let g = m.supplier_gain.map_or_else(|| "–".to_string(), |g| format!("{:+}", money(g)).replace("+-", "-"));
        tb.row([m.term.clone(), m.draft.to_string(), m.counter_offer.to_string(), g]);
    }
    out.push_str(&tb.render());
    match (r.draft_supplier_value, r.draft_buyer_utility, r.supplier_gain) {
        (Some(draft), Some(draft_buyer), Some(gain)) => {
            out.push_str(&format!(
                "\nSupplier risk-adjusted contribution: draft {} → counter-offer {} ({})\n",
                money(draft),
                money(a.supplier_value),
                money(gain)
            ));
            out.push_str(&format!(
                "Buyer's estimated utility: draft {draft_buyer:.3} → counter-offer {:.3}\n",
                a.buyer_utility
            ));
        }
        _ => out.push_str(&format!(
            "\nSupplier risk-adjusted contribution of the counter-offer: {}\n",
            money(a.supplier_value)
        )),
    }
    out.push_str(&format!(
        "The buyer's reservation value is {:.3}: estimated acceptance margin {:.3}. A margin near 0 means the buyer is indifferent between this and its alternative.\n",
        r.buyer_reservation, a.acceptance_margin
    ));
    out
}

pub(crate) fn tournament(file: &Path, runs: u64, seed: u64, threads: usize, format: Format) -> Outcome {
    let result = (|| -> Result<String, Failure> {
        let contract = kasim_core::load(file).map_err(Failure::Core)?;
        let setup = setup(&contract).map_err(failure)?;
        let cfg = TournamentConfig { runs, seed, threads, ..TournamentConfig::default() };
        let r = TournamentReport::new(&contract, &setup, &cfg).map_err(failure)?;
        match format {
            Format::Json => json("kasim.tournament/1", &r),
            Format::Table | Format::Csv => Ok(tournament_text(&r)),
        }
    })();
    done(result)
}

fn tournament_text(r: &TournamentReport) -> String {
    let cfg = &r.config;
    let mut out = format!(
        "{} — strategy tournament: {} negotiations per pair; buyer fee target ±{:.0}%, deadline {:.0}–{:.0}% of its horizon, BATNA ±{:.2}, KPI weights ±{:.0}% (seed {})\n\n",
        r.contract,
        cfg.runs,
        cfg.fee_target_spread * 100.0,
        cfg.deadline_range.0 * 100.0,
        cfg.deadline_range.1 * 100.0,
        cfg.batna_spread,
        cfg.weight_spread * 100.0,
        cfg.seed
    );
    let mut tb = Table::new(vec![
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
    ]);
    tb.row([
        "Supplier",
        "Buyer",
        "Agreement",
        "Supplier value (mean)",
        "SD",
        "P10",
        "P90",
        "Buyer utility",
        "Mean round",
    ]);
    tb.rule();
    for p in &r.pairs {
        tb.row([
            p.supplier.to_string(),
            p.buyer.to_string(),
            format!("{:.0}%", p.agreement_rate * 100.0),
            money(p.supplier_mean),
            money(p.supplier_sd),
            money(p.supplier_p10_p50_p90[0]),
            money(p.supplier_p10_p50_p90[2]),
            format!("{:.3}", p.buyer_mean),
            if p.agreement_rate > 0.0 { format!("{:.1}", p.mean_round) } else { "–".into() },
        ]);
    }
    out.push_str(&tb.render());
    if let Some((best, worst)) = r.best_and_worst() {
        out.push_str(&format!(
            "\nBest supplier strategy on average over the buyer strategies: {} ({}); worst: {} ({})\n",
            best.strategy,
            money(best.supplier_mean),
            worst.strategy,
            money(worst.supplier_mean)
        ));
    }
    out
}
