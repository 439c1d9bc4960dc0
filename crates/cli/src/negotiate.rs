//! `kasim negotiate`: thin glue over kasim-negotiate.

use std::path::Path;

use kasim_core::money::format_money;
use kasim_negotiate::contract::{setup, strategy_for};
use kasim_negotiate::metrics::distance_to_frontier;
use kasim_negotiate::{Side, frontier, kalai_smorodinsky, nash, negotiate as run};
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

pub(crate) fn negotiate(file: &Path, supplier: &str, buyer: &str, format: Format) -> Outcome {
    let result = (|| -> Result<String, Failure> {
        let contract = kasim_core::load(file).map_err(Failure::Core)?;
        let msg = |e: kasim_negotiate::Error| Failure::Message(e.to_string());
        let setup = setup(&contract).map_err(msg)?;
        let (mut s_strategy, mut b_strategy) =
            (strategy_for(supplier, &setup).map_err(msg)?, strategy_for(buyer, &setup).map_err(msg)?);
        let (g, us, ub, cfg) = (&setup.grid, &setup.supplier, &setup.buyer, &setup.config);
        let t = if supplier == "flagship-first" {
            kasim_negotiate::contract::negotiate_flagship(
                &setup,
                &setup.buyer_params,
                cfg,
                s_strategy.as_mut(),
                b_strategy.as_mut(),
            )
            .map_err(msg)?
        } else {
            run(g, [us, ub], [s_strategy.as_mut(), b_strategy.as_mut()], cfg)
        };
        let f = frontier(us, ub);
        let (mut rs, rb) = (cfg.supplier.reservation, cfg.buyer.reservation);
        if supplier == "flagship-first" {
            rs += setup.flagship.map_or(0.0, |f| f.2);
        }
        let nash_point = nash(us, ub, rs, rb);
        let ks_point = kalai_smorodinsky(us, ub, rs, rb);
        let terms = |i: usize| -> Vec<String> { setup.values[i].iter().map(|v| v.normalize().to_string()).collect() };
        match format {
            Format::Json => {
                #[derive(Serialize)]
                struct Doc<'a> {
                    format: &'static str,
                    contract: &'a str,
                    supplier_strategy: &'a str,
                    buyer_strategy: &'a str,
                    terms: &'a [String],
                    transcript: Vec<StepJson>,
                    ended_by: &'a str,
                    agreement: Option<Vec<String>>,
                    agreement_round: Option<usize>,
                    supplier_utility: f64,
                    buyer_utility: f64,
                    nash: Option<Vec<String>>,
                    kalai_smorodinsky: Option<Vec<String>>,
                    distance_to_pareto: Option<f64>,
                    supplier_left_on_the_table: Option<f64>,
                }
                let doc = Doc {
                    format: "kasim.negotiate/1",
                    contract: &contract.name,
                    supplier_strategy: supplier,
                    buyer_strategy: buyer,
                    terms: &setup.paths,
                    transcript: t
                        .steps
                        .iter()
                        .map(|st| StepJson {
                            round: st.round + 1,
                            side: st.side,
                            terms: terms(st.outcome),
                            supplier_value: st.u_supplier,
                            buyer_utility: st.u_buyer,
                            concession: st.concession,
                            accepted: st.accepted,
                        })
                        .collect(),
                    ended_by: &t.ended_by,
                    agreement: t.agreement.as_ref().map(|a| terms(a.outcome)),
                    agreement_round: t.agreement.as_ref().map(|a| a.round),
                    supplier_utility: t.u_supplier,
                    buyer_utility: t.u_buyer,
                    nash: nash_point.map(terms),
                    kalai_smorodinsky: ks_point.map(terms),
                    distance_to_pareto: t
                        .agreement
                        .as_ref()
                        .map(|a| distance_to_frontier(us, ub, &f, us.u[a.outcome], ub.u[a.outcome])),
                    supplier_left_on_the_table: t.agreement.as_ref().map(|a| supplier_gap(us, ub, &f, a.outcome)),
                };
                serde_json::to_string_pretty(&doc).map(|s| s + "\n").map_err(|e| Failure::Message(e.to_string()))
            }
            Format::Table | Format::Csv => {
                let mut out = format!(
                    "{} — negotiation: supplier {} vs buyer {}, {} rounds, {} opens; {} term combinations\n\n",
                    contract.name,
                    s_strategy.name(),
                    b_strategy.name(),
                    cfg.rounds,
                    side(cfg.opens),
                    g.points.len()
                );
                let mut align = vec![Align::Right, Align::Left];
                align.extend(std::iter::repeat_n(Align::Right, setup.paths.len() + 3));
                align.push(Align::Left);
                let mut tb = Table::new(align);
                let mut head = vec!["Round".to_string(), "Offer by".to_string()];
                head.extend(setup.paths.iter().cloned());
                head.extend([
                    "Supplier value".to_string(),
                    "Buyer utility".to_string(),
                    "Concession".to_string(),
                    String::new(),
                ]);
                tb.row(head);
                tb.rule();
                for st in &t.steps {
                    let mut r = vec![(st.round + 1).to_string(), side(st.side).to_string()];
                    r.extend(terms(st.outcome));
                    let concession =
                        if st.side == Side::Supplier { money(st.concession) } else { format!("{:.3}", st.concession) };
                    r.extend([
                        money(st.u_supplier),
                        format!("{:.3}", st.u_buyer),
                        concession,
                        if st.accepted { "accepted".into() } else { String::new() },
                    ]);
                    tb.row(r);
                }
                out.push_str(&tb.render());
                out.push('\n');
                match &t.agreement {
                    Some(a) => {
                        out.push_str(&format!(
                            "Agreement in round {} (accepted by the {}): {}\n",
                            a.round + 1,
                            side(a.accepted_by),
                            setup
                                .paths
                                .iter()
                                .zip(terms(a.outcome))
                                .map(|(p, v)| format!("{p} = {v}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                        out.push_str(&format!(
                            "Supplier: risk-adjusted contribution {} after delay (BATNA {}); buyer utility {:.3} (BATNA {:.3})\n",
                            money(a.u_supplier),
                            money(rs),
                            a.u_buyer,
                            rb
                        ));
                        out.push_str(&format!(
                            "Distance to the Pareto frontier {:.3}; the supplier left {} on the table (the best frontier deal at the same buyer utility)\n",
                            distance_to_frontier(us, ub, &f, us.u[a.outcome], ub.u[a.outcome]),
                            money(supplier_gap(us, ub, &f, a.outcome))
                        ));
                    }
                    None => out.push_str(&format!(
                        "No agreement ({}): the supplier falls back to its BATNA ({}), the buyer to its ({:.3})\n",
                        t.ended_by,
                        money(rs),
                        rb
                    )),
                }
                for (label, point) in [("Nash point", nash_point), ("Kalai–Smorodinsky point", ks_point)] {
                    if let Some(i) = point {
                        out.push_str(&format!(
                            "{label}: {} (supplier {}, buyer {:.3})\n",
                            setup
                                .paths
                                .iter()
                                .zip(terms(i))
                                .map(|(p, v)| format!("{p} = {v}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            money(us.u[i]),
                            ub.u[i]
                        ));
                    }
                }
                Ok(out)
            }
        }
    })();
    done(result)
}

/// One offer in `negotiate` JSON.
#[derive(Serialize)]
struct StepJson {
    round: usize,
    side: Side,
    terms: Vec<String>,
    supplier_value: f64,
    buyer_utility: f64,
    concession: f64,
    accepted: bool,
}

/// How much more the supplier could have had on the frontier without lowering the buyer's
/// utility (money, ≥ 0).
fn supplier_gap(
    us: &kasim_negotiate::Scores,
    ub: &kasim_negotiate::Scores,
    f: &kasim_negotiate::Frontier,
    i: usize,
) -> f64 {
    f.outcomes.iter().filter(|&&j| ub.u[j] >= ub.u[i]).map(|&j| us.u[j] - us.u[i]).fold(0.0, f64::max)
}

pub(crate) fn advise(file: &Path, margin: &str, format: Format) -> Outcome {
    let result = (|| -> Result<String, Failure> {
        let margin: f64 = margin
            .parse::<kasim_core::money::Rate>()
            .map_err(|e| Failure::Message(format!("--margin: {e}")))
            .map(|r| r.0.to_string().parse().unwrap_or(0.0))?;
        if !(0.0..=1.0).contains(&margin) {
            return Err(Failure::Message(format!("--margin {margin} must be between 0 and 1")));
        }
        let contract = kasim_core::load(file).map_err(Failure::Core)?;
        let msg = |e: kasim_negotiate::Error| Failure::Message(e.to_string());
        let setup = setup(&contract).map_err(msg)?;
        let a = kasim_negotiate::contract::advise(&contract, &setup, margin).map_err(msg)?;
        match format {
            Format::Json => {
                #[derive(Serialize)]
                struct Doc<'a> {
                    format: &'static str,
                    contract: &'a str,
                    terms: Vec<(String, String)>,
                    advice: &'a kasim_negotiate::contract::Advice,
                    draft_supplier_value: Option<f64>,
                    draft_buyer_utility: Option<f64>,
                    buyer_reservation: f64,
                }
                let doc = Doc {
                    format: "kasim.advise/1",
                    contract: &contract.name,
                    terms: setup
                        .paths
                        .iter()
                        .cloned()
                        .zip(setup.values[a.outcome].iter().map(|v| v.normalize().to_string()))
                        .collect(),
                    advice: &a,
                    draft_supplier_value: a.draft.map(|d| setup.supplier.u[d]),
                    draft_buyer_utility: a.draft.map(|d| setup.buyer.u[d]),
                    buyer_reservation: setup.config.buyer.reservation,
                };
                serde_json::to_string_pretty(&doc).map(|s| s + "\n").map_err(|e| Failure::Message(e.to_string()))
            }
            Format::Table | Format::Csv => {
                let mut out = format!("{} — recommended counter-offer 还价建议\n\n", contract.name);
                let mut tb = Table::new(vec![Align::Left, Align::Right, Align::Right, Align::Right]);
                tb.row(["Term", "Draft", "Counter-offer", "Supplier value of this move"]);
                tb.rule();
                for (p, d, r, gain) in &a.per_term {
                    let g = if gain.is_nan() {
                        "–".to_string()
                    } else {
                        format!("{:+}", money(*gain)).replace("+-", "-")
                    };
                    tb.row([p.clone(), d.normalize().to_string(), r.normalize().to_string(), g]);
                }
                out.push_str(&tb.render());
                if let Some(d) = a.draft {
                    out.push_str(&format!(
                        "\nSupplier risk-adjusted contribution: draft {} → counter-offer {} ({})\n",
                        money(setup.supplier.u[d]),
                        money(a.supplier_value),
                        money(a.supplier_value - setup.supplier.u[d])
                    ));
                    out.push_str(&format!(
                        "Buyer's estimated utility: draft {:.3} → counter-offer {:.3}\n",
                        setup.buyer.u[d], a.buyer_utility
                    ));
                } else {
                    out.push_str(&format!(
                        "\nSupplier risk-adjusted contribution of the counter-offer: {}\n",
                        money(a.supplier_value)
                    ));
                }
                out.push_str(&format!(
                    "The buyer's reservation value is {:.3}: estimated acceptance margin {:.3}. A margin near 0 means the buyer is indifferent between this and its alternative.\n",
                    setup.config.buyer.reservation, a.acceptance_margin
                ));
                Ok(out)
            }
        }
    })();
    done(result)
}

pub(crate) fn tournament(file: &Path, runs: u64, seed: u64, threads: usize, format: Format) -> Outcome {
    use kasim_negotiate::tournament::{STRATEGIES, TournamentConfig, tournament as play};
    let result = (|| -> Result<String, Failure> {
        if runs == 0 || runs > 100_000 {
            return Err(Failure::Message(format!("--runs {runs} must be between 1 and 100,000")));
        }
        let contract = kasim_core::load(file).map_err(Failure::Core)?;
        let msg = |e: kasim_negotiate::Error| Failure::Message(e.to_string());
        let setup = setup(&contract).map_err(msg)?;
        let cfg = TournamentConfig { runs, seed, threads, ..TournamentConfig::default() };
        let mut buyers: Vec<&str> = STRATEGIES.to_vec();
        buyers.push("delisting-threat");
        if setup.anchor_fees.is_some() {
            buyers.push("anchoring");
        }
        let mut suppliers: Vec<&str> = STRATEGIES.to_vec();
        if setup.flagship.is_some() {
            suppliers.push("flagship-first");
        }
        let results = play(&setup, &suppliers, &buyers, &cfg).map_err(msg)?;
        match format {
            Format::Json => {
                #[derive(Serialize)]
                struct Doc<'a> {
                    format: &'static str,
                    contract: &'a str,
                    config: &'a TournamentConfig,
                    pairs: &'a [kasim_negotiate::tournament::PairResult],
                }
                let doc = Doc { format: "kasim.tournament/1", contract: &contract.name, config: &cfg, pairs: &results };
                serde_json::to_string_pretty(&doc).map(|s| s + "\n").map_err(|e| Failure::Message(e.to_string()))
            }
            Format::Table | Format::Csv => {
                let mut out = format!(
                    "{} — strategy tournament: {} negotiations per pair; buyer fee target ±{:.0}%, deadline {:.0}–{:.0}% of its horizon, BATNA ±{:.2}, KPI weights ±{:.0}% (seed {})\n\n",
                    contract.name,
                    runs,
                    cfg.fee_target_spread * 100.0,
                    cfg.deadline_range.0 * 100.0,
                    cfg.deadline_range.1 * 100.0,
                    cfg.batna_spread,
                    cfg.weight_spread * 100.0,
                    seed
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
                for r in &results {
                    tb.row([
                        r.supplier.clone(),
                        r.buyer.clone(),
                        format!("{:.0}%", r.agreement_rate * 100.0),
                        money(r.supplier_mean),
                        money(r.supplier_sd),
                        money(r.supplier_p10_p50_p90[0]),
                        money(r.supplier_p10_p50_p90[2]),
                        format!("{:.3}", r.buyer_mean),
                        if r.agreement_rate > 0.0 { format!("{:.1}", r.mean_round) } else { "–".into() },
                    ]);
                }
                out.push_str(&tb.render());
                // The supplier strategy with the best mean value across the buyer strategies.
                let mut by_supplier: Vec<(&str, f64)> = suppliers
                    .iter()
                    .filter(|s| results.iter().any(|r| r.supplier == **s))
                    .map(|s| {
                        let v: Vec<f64> =
                            results.iter().filter(|r| r.supplier == *s).map(|r| r.supplier_mean).collect();
                        (*s, v.iter().sum::<f64>() / v.len().max(1) as f64)
                    })
                    .collect();
                by_supplier.sort_by(|a, b| b.1.total_cmp(&a.1));
                out.push_str(&format!(
                    "\nBest supplier strategy on average over the buyer strategies: {} ({}); worst: {} ({})\n",
                    by_supplier[0].0,
                    money(by_supplier[0].1),
                    by_supplier[by_supplier.len() - 1].0,
                    money(by_supplier[by_supplier.len() - 1].1)
                ));
                Ok(out)
            }
        }
    })();
    done(result)
}
