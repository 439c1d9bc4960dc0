//! Portfolios across retailers: salted streams, shared drivers, DC capacity, the cascade, the
//! CVaR allocation, thread independence and located errors of portfolio files.

use std::path::{Path, PathBuf};

use kasim_core::Compiled;
use kasim_core::demo::Demo;
use kasim_core::portfolio::{Portfolio, load_portfolio};
use kasim_montecarlo::portfolio::{PortfolioModel, PortfolioReport, PortfolioResults, Sums};
use kasim_montecarlo::sampler::Shared;
use kasim_montecarlo::streams::ScenarioKey;
use kasim_montecarlo::{Model, RunConfig, run};
use rust_decimal::Decimal;

/// A fresh directory for one test's files.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kasim-portfolio-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &Path, file: &str, text: &str) -> PathBuf {
    let p = d.join(file);
    std::fs::write(&p, text).unwrap();
    p
}

/// A portfolio file of `contracts` (file names) with `extra` TOML after them.
fn portfolio_text(contracts: &[&str], extra: &str) -> String {
    let mut s = String::from("name = \"Test channel\"\n");
    for c in contracts {
        s.push_str(&format!("\n[[contracts]]\nfile = \"{c}\"\n"));
    }
    s.push('\n');
    s.push_str(extra);
    s
}

/// Loads, compiles and runs a portfolio; the closure gets the model and results.
fn with_run<T>(p: &Portfolio, cfg: &RunConfig, f: impl FnOnce(&PortfolioModel<'_>, &PortfolioResults) -> T) -> T {
    let compiled: Vec<Compiled<'_>> = p.members.iter().map(|m| Compiled::new(&m.contract).unwrap()).collect();
    let model = PortfolioModel::new(p, &compiled).unwrap();
    let results = model.run(cfg).unwrap();
    f(&model, &results)
}

fn corr(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Units delivered of SKU 0 in period `p` at each chain, over `runs` scenarios, through the
/// model's own scenario path.
fn delivered(p: &Portfolio, runs: u64, period: usize) -> Vec<Vec<f64>> {
    let compiled: Vec<Compiled<'_>> = p.members.iter().map(|m| Compiled::new(&m.contract).unwrap()).collect();
    let model = PortfolioModel::new(p, &compiled).unwrap();
    let mut ws = model.workspaces();
    let mut sums = Sums::default();
    let mut sums_ok = model.run_range(&RunConfig { runs: 0, ..Default::default() }, 0, 0).unwrap().sums;
    std::mem::swap(&mut sums, &mut sums_ok);
    let mut out = vec![Vec::new(); p.members.len()];
    for k in 0..runs {
        model.scenario(3, k, &mut ws, &mut sums).unwrap();
        for (i, w) in ws.iter().enumerate() {
            let o = w.outcome();
            out[i].push(f64::from(o.cells[period * o.skus()].delivered));
        }
    }
    out
}

const NOISY: &str = "[uncertainty]\ndemand_cv = \"20%\"\n";

/// Same SKU code at two chains: with the salt, their idiosyncratic demand is independent
/// (correlation near 0), not identical as the SKU key alone would make it.
#[test]
fn same_sku_at_two_chains_is_decorrelated() {
    let d = dir("salt");
    let text = Demo::default().toml(NOISY);
    write(&d, "a.toml", &text);
    write(&d, "b.toml", &text);
    let p = load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml", "b.toml"], ""))).unwrap();
    let units = delivered(&p, 3000, 0);
    assert_ne!(units[0], units[1]);
    let r = corr(&units[0], &units[1]);
    assert!(r.abs() < 0.06, "correlation {r}");
}

/// A contract alone simulates exactly as before: the shared path without drivers and salt 0
/// gives the runner's rows, scenario by scenario.
#[test]
fn single_contract_is_unchanged() {
    let c = Demo::default().build(NOISY).unwrap();
    let compiled = Compiled::new(&c).unwrap();
    let model = Model::new(&compiled).unwrap();
    let cfg = RunConfig { runs: 200, seed: 9, threads: 1, ..Default::default() };
    let rows = run(std::slice::from_ref(&model), &cfg).unwrap().remove(0).rows;
    let salted = Model::new(&compiled).unwrap().salted(0);
    let mut ws = salted.workspace();
    for (k, row) in rows.iter().enumerate() {
        let root = ScenarioKey::new(9, k as u64);
        salted.sample_shared(&root, &mut ws, &Shared::default());
        assert_eq!(salted.settle_workspace(&root, &mut ws).unwrap(), *row, "scenario {k}");
        assert_eq!(ws.outcome(), &model.sample(9, k as u64));
    }
}

/// A brand factor with CV c_b (one draw per scenario) and per-cell lognormal noise with CV c
/// give two chains' demand the correlation c_b² ÷ ((1 + c_b²)(1 + c²) − 1).
#[test]
fn brand_factor_gives_the_stated_correlation() {
    let d = dir("brand");
    let text = Demo { units: Some(vec![1_000_000; 12]), ..Default::default() }.toml(NOISY);
    write(&d, "a.toml", &text);
    write(&d, "b.toml", &text);
    let extra = "[drivers.brand_demand]\ncv = \"30%\"\n";
    let p = load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml", "b.toml"], extra))).unwrap();
    let units = delivered(&p, 6000, 3);
    let (cb2, c2) = (0.09f64, 0.04f64);
    let expected = cb2 / ((1.0 + cb2) * (1.0 + c2) - 1.0);
    let r = corr(&units[0], &units[1]);
    assert!((r - expected).abs() < 0.03, "correlation {r}, expected {expected:.4}");
    // Mean 1: the brand factor does not move expected demand.
    let mean = units[0].iter().sum::<f64>() / units[0].len() as f64;
    assert!((mean / 1_000_000.0 - 1.0).abs() < 0.02, "mean {mean}");
}

/// Two deterministic chains: A promotes SKU A in period 2 at 20% off (14.29 → 11.43, uplift
/// 1.5: 15,000 units); B sells 10,000 units at 14.29 and its lowest-price clause funds 50%.
const CHAIN_A: &str = r#"
[[plan.promotions]]
skus = ["A"]
periods = [2]
slot = "dm"
uplift = "1.5"
price_cut = "20%"
"#;
const CHAIN_B: &str = r#"
[[fees]]
id = "lowest-price"
kind = "price_match"
share = "50%"
"#;

fn two_chains(name: &str, extra: &str) -> Portfolio {
    let d = dir(name);
    write(&d, "a.toml", &Demo::default().toml(CHAIN_A));
    write(&d, "b.toml", &Demo::default().toml(CHAIN_B));
    load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml", "b.toml"], extra))).unwrap()
}

/// The cascade by hand: gap 14.29 − 11.43 = 2.86 on B's 10,000 units at 50% = 14,300.00 a
/// year, booked by B's own price-match rule; A's own price investment is 15,000 × 2.86.
#[test]
fn cascade_cost_matches_the_hand_computation() {
    let p = two_chains("cascade", "");
    let cfg = RunConfig { runs: 20, seed: 1, threads: 1, ..Default::default() };
    with_run(&p, &cfg, |model, results| {
        let report = PortfolioReport::new(&p, model, results, &cfg);
        assert_eq!(report.cascade.len(), 1);
        let c = &report.cascade[0];
        assert_eq!((c.chain.as_str(), c.sku.as_str(), c.period), ("a", "A", 2));
        assert_eq!(c.promo_price, Decimal::new(1143, 2));
        assert_eq!(c.cascade_cost, Decimal::new(1_430_000, 2));
        assert_eq!(c.own_cost, Decimal::new(4_290_000, 2));
        assert_eq!(c.p_claim, 1.0);
        // B's settlement books exactly the claim: its fees are the price-match funding alone.
        assert!(results.rows[1].iter().all(|r| r.fees_total == 1_430_000));
        assert_eq!(report.retailers[1].cascade_paid, Decimal::new(1_430_000, 2));
        // Without the portfolio, B books nothing.
        let alone = kasim_core::evaluate(&p.members[1].contract).unwrap();
        assert!(alone.pnl.fees_total.is_zero());
    });
    // A claim probability of 0 files nothing.
    let p = two_chains("cascade-none", "[cascade]\nclaim_probability = \"0%\"\n");
    with_run(&p, &cfg, |model, results| {
        let report = PortfolioReport::new(&p, model, results, &cfg);
        assert!(report.cascade.is_empty());
        assert!(results.rows[1].iter().all(|r| r.fees_total == 0));
    });
}

/// A price-match rule in force only from period 3 (`from_period`): the claim on A's period-2
/// promotion is not funded, so B books nothing and the promotion costs nothing at B; in force
/// through period 2 (`to_period = 2`) the claim is the hand-computed 14,300.00.
#[test]
fn cascade_cost_follows_the_price_match_rules_periods() {
    let cfg = RunConfig { runs: 10, seed: 1, threads: 1, ..Default::default() };
    for (window, paid) in
        [("from_period = 3", 0), ("to_period = 2", 1_430_000), ("from_period = 2\nto_period = 2", 1_430_000)]
    {
        let d = dir(&format!("cascade-window-{paid}-{}", window.len()));
        write(&d, "a.toml", &Demo::default().toml(CHAIN_A));
        write(&d, "b.toml", &Demo::default().toml(&format!("{CHAIN_B}{window}\n")));
        let p = load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml", "b.toml"], ""))).unwrap();
        with_run(&p, &cfg, |model, results| {
            let report = PortfolioReport::new(&p, model, results, &cfg);
            assert!(results.rows[1].iter().all(|r| r.fees_total == paid), "{window}");
            let cascade: Decimal = report.cascade.iter().map(|c| c.cascade_cost).sum();
            assert_eq!(cascade, Decimal::new(paid, 2), "{window}");
            assert_eq!(report.retailers[1].cascade_paid, Decimal::new(paid, 2), "{window}");
        });
    }
}

/// DC capacity 20,000 a month: only period 2 binds (15,000 + 10,000 wanted), and every fill
/// falls by 20,000 ÷ 25,000: A ships 12,000, B 8,000 — and B's claim is on 8,000 units.
#[test]
fn dc_capacity_lowers_fill_pro_rata() {
    let p = two_chains("dc", "[drivers.dc_capacity]\nunits_per_period = 20000\n");
    let period1 = delivered(&p, 1, 1);
    assert_eq!((period1[0][0], period1[1][0]), (12_000.0, 8_000.0));
    let period0 = delivered(&p, 1, 0);
    assert_eq!((period0[0][0], period0[1][0]), (10_000.0, 10_000.0));
    let cfg = RunConfig { runs: 5, seed: 1, threads: 1, ..Default::default() };
    with_run(&p, &cfg, |model, results| {
        let report = PortfolioReport::new(&p, model, results, &cfg);
        // 2.86 × 8,000 × 50%.
        assert_eq!(report.cascade[0].cascade_cost, Decimal::new(1_144_000, 2));
        assert!(results.rows[1].iter().all(|r| r.fees_total == 1_144_000));
    });
}

/// The allocation identity: the retailers' tail sums add up to the portfolio's exactly, and
/// the diversification benefit is portfolio CVaR − Σ stand-alone CVaRs ≥ 0; results are
/// identical at any thread count.
#[test]
fn allocation_identity_and_thread_independence() {
    let d = dir("alloc");
    write(&d, "a.toml", &Demo::default().toml(&format!("{CHAIN_A}\n{NOISY}")));
    write(&d, "b.toml", &Demo { skus: 2, ..Default::default() }.toml(&format!("{CHAIN_B}\n{NOISY}")));
    write(&d, "c.toml", &Demo::default().toml(NOISY));
    let extra = "[drivers.brand_demand]\ncv = \"10%\"\nperiod_correlation = \"50%\"\n\n[drivers.price_war]\nprobability = \"10%\"\ndepth = { dist = \"uniform\", min = \"2%\", max = \"8%\" }\n\n[drivers.dc_capacity]\nunits_per_period = 40000\n\n[cascade]\nclaim_probability = \"60%\"\n";
    let p = load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml", "b.toml", "c.toml"], extra))).unwrap();
    let one = RunConfig { runs: 700, seed: 4, threads: 1, ..Default::default() };
    let three = RunConfig { threads: 3, ..one };
    let (r1, j1) = with_run(&p, &one, |m, r| {
        let rep = PortfolioReport::new(&p, m, r, &one);
        (r.clone(), serde_json::to_string(&rep).unwrap())
    });
    let (r3, j3) = with_run(&p, &three, |m, r| {
        let rep = PortfolioReport::new(&p, m, r, &three);
        (r.clone(), serde_json::to_string(&rep).unwrap())
    });
    assert_eq!(r1, r3);
    assert_eq!(j1, j3);
    with_run(&p, &one, |m, r| {
        let rep = PortfolioReport::new(&p, m, r, &one);
        assert!(rep.tail.holds);
        assert_eq!(rep.tail.scenarios, 35);
        let parts: Decimal = rep.retailers.iter().map(|x| x.tail_sum).sum();
        assert_eq!(parts, rep.tail.sum);
        assert_eq!(rep.tail.cvar95, rep.net_contribution.cvar95);
        assert!(rep.diversification.benefit >= Decimal::ZERO);
        assert_eq!(rep.diversification.benefit, rep.tail.cvar95 - rep.diversification.standalone_sum);
        // Means add up to the total's (each to the cent, so within a cent per retailer).
        let means: Decimal = rep.retailers.iter().map(|x| x.net_contribution.mean).sum();
        assert!((means - rep.net_contribution.mean).abs() <= Decimal::new(3, 2));
        // Sharded: two ranges appended give the whole run.
        let mut a = m.run_range(&one, 0, 300).unwrap();
        a.append(m.run_range(&one, 300, 700).unwrap());
        assert_eq!(&a, r);
        // As bytes (a Ray task's result), merged in any order.
        let parts = [(400, 700), (0, 150), (150, 400)]
            .map(|(x, y)| PortfolioResults::decode(&m.run_range(&one, x, y).unwrap().encode()).unwrap());
        assert_eq!(&PortfolioResults::merge(parts.to_vec()).unwrap(), r);
        let gap = [parts[0].clone(), parts[1].clone()];
        assert!(matches!(
            PortfolioResults::merge(gap.to_vec()),
            Err(kasim_montecarlo::Error::ShardGap { from: 150, to: 400 })
        ));
        let bytes = r.encode();
        assert!(PortfolioResults::decode(&bytes[..bytes.len() - 1]).is_err());
    });
}

/// Hostile portfolio files are refused with the problem located in the portfolio file (or,
/// for a contract's own error, in the contract's files).
#[test]
fn hostile_portfolio_files_are_located() {
    let d = dir("hostile");
    write(&d, "a.toml", &Demo::default().toml(""));
    // A missing contract file: at its `file` key, line 7.
    let p = write(&d, "missing.toml", &portfolio_text(&["a.toml", "nowhere.toml"], ""));
    let e = load_portfolio(&p).unwrap_err();
    let pr = &e.problems()[0];
    assert_eq!((pr.key_path.as_str(), pr.line), ("contracts[1].file", 7), "{pr}");
    assert!(pr.message.contains("nowhere.toml"), "{pr}");
    // A bad driver: a probability above 100%.
    let p = write(&d, "war.toml", &portfolio_text(&["a.toml"], "[drivers.price_war]\nprobability = \"150%\"\n"));
    let e = load_portfolio(&p).unwrap_err();
    let pr = &e.problems()[0];
    assert_eq!(pr.key_path, "drivers.price_war.probability", "{pr}");
    assert_eq!(pr.line, 7, "{pr}");
    // An unbounded shared depth, a zero DC, a duplicate id, an unknown driver.
    for (extra, key) in [
        (
            "[drivers.price_war]\nprobability = \"5%\"\ndepth = { dist = \"normal\", mean = \"0.1\", sd = \"0.05\" }\n",
            "drivers.price_war.depth",
        ),
        ("[drivers.dc_capacity]\nunits_per_period = 0\n", "drivers.dc_capacity.units_per_period"),
        ("[[contracts]]\nfile = \"a.toml\"\n", "contracts[1].id"),
        ("[multi_year]\nyears = 11\n", "multi_year.years"),
    ] {
        let p = write(&d, "bad.toml", &portfolio_text(&["a.toml"], extra));
        let e = load_portfolio(&p).unwrap_err();
        assert_eq!(e.problems()[0].key_path, key, "{extra}: {e}");
    }
    let p = write(&d, "unknown.toml", &portfolio_text(&["a.toml"], "[drivers.weather]\ncv = \"5%\"\n"));
    let e = load_portfolio(&p).unwrap_err();
    assert!(e.to_string().contains("weather"), "{e}");
    // A cycle through extends: located in the contract files, at `extends`.
    write(&d, "x.toml", "extends = \"y.toml\"\n");
    write(&d, "y.toml", "extends = \"x.toml\"\n");
    let p = write(&d, "cycle.toml", &portfolio_text(&["a.toml", "x.toml"], ""));
    let e = load_portfolio(&p).unwrap_err();
    let pr = &e.problems()[0];
    assert_eq!(pr.key_path, "extends", "{pr}");
    assert!(pr.file.ends_with("x.toml") || pr.file.ends_with("y.toml"), "{pr}");
    // Different calendars are refused when the portfolio is loaded, at the contract's `file`
    // (the model refuses them too, for a portfolio built by hand).
    write(
        &d,
        "w.toml",
        &Demo::default().toml("").replace("[plan]\n", "[calendar]\ngranularity = \"weekly\"\n\n[plan]\n"),
    );
    let e = load_portfolio(write(&d, "cal.toml", &portfolio_text(&["a.toml", "w.toml"], ""))).unwrap_err();
    let pr = &e.problems()[0];
    assert_eq!(pr.key_path, "contracts[1].file", "{pr}");
    assert!(pr.message.contains("52 periods") && pr.message.contains("share one calendar"), "{pr}");
}

/// The bundled KA-channel portfolio loads, runs, and its allocation holds.
#[test]
fn bundled_portfolio_runs() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/portfolio/ka-channel.toml");
    let p = load_portfolio(&f).unwrap();
    assert_eq!(p.members.len(), 4);
    let cfg = RunConfig { runs: 200, seed: 1, threads: 2, ..Default::default() };
    with_run(&p, &cfg, |m, r| {
        let rep = PortfolioReport::new(&p, m, r, &cfg);
        assert!(rep.tail.holds);
        assert!(!rep.cascade.is_empty());
        assert!(rep.cascade.iter().any(|c| c.cascade_cost > Decimal::ZERO));
    });
}

/// A cent amount as a decimal.
fn cents_of(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// Replaying a scenario (`kasim replay PORTFOLIO --scenario K`): every chain's settled ledger
/// totals equal that scenario's row of the run, the DC's capacity binds as by hand, and the
/// cascade's claim is the hand computation (2.86 × 8,000 × 50%), attributed to A's promotion.
#[test]
fn a_replayed_scenario_equals_its_row_of_the_run() {
    let p = two_chains("replay", "[drivers.dc_capacity]\nunits_per_period = 20000\n");
    let cfg = RunConfig { runs: 6, seed: 4, threads: 1, ..Default::default() };
    with_run(&p, &cfg, |model, results| {
        for k in 0..cfg.runs {
            let d = model.scenario_detail(cfg.seed, k).unwrap();
            assert_eq!((d.scenario, d.seed, d.periods), (k, 4, 12));
            for (i, c) in d.chains.iter().enumerate() {
                let row = results.rows[i][k as usize];
                assert_eq!(c.row, row, "scenario {k} chain {i}");
                assert_eq!(c.settlement.pnl.net_contribution, cents_of(row.net_contribution), "scenario {k}");
                assert_eq!(c.settlement.pnl.fees_total, cents_of(row.fees_total), "scenario {k}");
            }
            let cap = d.capacity.as_ref().unwrap();
            assert_eq!((cap[1].demanded, cap[1].shipped, cap[1].capacity), (25_000, 20_000, 20_000));
            assert_eq!(cap[1].fill, 0.8);
            assert_eq!((cap[0].demanded, cap[0].shipped), (20_000, 20_000));
            assert_eq!(d.claims.len(), 1);
            let c = &d.claims[0];
            assert_eq!((c.promoting_chain.as_str(), c.matching_chain.as_str(), c.sku.as_str()), ("a", "b", "A"));
            assert_eq!((c.period, c.units), (2, 8_000));
            assert_eq!((c.promo_price, c.price_in_effect), (Decimal::new(1143, 2), Decimal::new(1429, 2)));
            assert_eq!((c.gap_before, c.gap_after), (Decimal::ZERO, Decimal::new(286, 2)));
            assert_eq!(c.cost, Decimal::new(1_144_000, 2));
            let pr: Vec<_> = d.promotions.iter().filter(|x| x.cascade_cost > Decimal::ZERO).collect();
            assert_eq!(pr.len(), 1);
            assert_eq!(pr[0].cascade_cost, c.cost);
            // A sells 12,000 of its 15,000 promoted units: 12,000 × 2.86.
            assert_eq!(pr[0].own_cost, Decimal::new(3_432_000, 2));
            assert!(d.brand_demand.is_none() && d.war_on.is_none());
        }
    });
}

/// The bundled portfolio: a replayed scenario's chains equal the run's rows, its shared
/// drivers are those the run drew, and the claims' costs add up to what the chains paid.
#[test]
fn bundled_portfolio_replays_exactly() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/portfolio/ka-channel.toml");
    let p = load_portfolio(&f).unwrap();
    let cfg = RunConfig { runs: 40, seed: 1, threads: 2, ..Default::default() };
    with_run(&p, &cfg, |model, results| {
        let mut any_claim = false;
        for k in [0u64, 7, 39] {
            let d = model.scenario_detail(1, k).unwrap();
            let brand = d.brand_demand.as_ref().unwrap();
            assert_eq!(brand.len(), 12);
            assert_eq!(brand[..], model.shared(&ScenarioKey::new(1, k)).demand[..12]);
            assert_eq!(d.war_on.as_ref().map(Vec::len), Some(12));
            for (i, c) in d.chains.iter().enumerate() {
                assert_eq!(c.row, results.rows[i][k as usize], "scenario {k} chain {i}");
                assert_eq!(c.settlement.pnl.net_contribution, cents_of(c.row.net_contribution));
            }
            let claimed: Decimal = d.claims.iter().map(|c| c.cost).sum();
            let by_promotion: Decimal = d.promotions.iter().map(|c| c.cascade_cost).sum();
            assert!(
                (claimed - by_promotion).abs() <= Decimal::new(d.claims.len() as i64, 2),
                "{claimed} {by_promotion}"
            );
            any_claim |= !d.claims.is_empty();
        }
        assert!(any_claim);
    });
}

/// Price protection (价格体系保护) at chain B blocks the cascade's claims against it: with
/// probability 100% B pays nothing; at 50% about half the scenarios pay the hand-computed
/// 14,300.00. A promotion whose slot chain A's promotion priority does not grant claims
/// nothing.
#[test]
fn price_protection_blocks_cascade_claims_against_the_chain() {
    let d = dir("protected");
    write(&d, "a.toml", &Demo::default().toml(CHAIN_A));
    let protected = |p: &str| {
        format!("{CHAIN_B}\n[resources]\nprice_protection = true\n\n[resources.effects]\nprice_protection = \"{p}\"\n")
    };
    let cfg = RunConfig { runs: 400, seed: 1, threads: 2, ..Default::default() };
    write(&d, "b.toml", &Demo::default().toml(&protected("100%")));
    let p = load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml", "b.toml"], ""))).unwrap();
    with_run(&p, &cfg, |_, results| assert!(results.rows[1].iter().all(|r| r.fees_total == 0)));
    write(&d, "b.toml", &Demo::default().toml(&protected("50%")));
    let p = load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml", "b.toml"], ""))).unwrap();
    with_run(&p, &cfg, |_, results| {
        let paid = results.rows[1].iter().filter(|r| r.fees_total == 1_430_000).count();
        assert!(results.rows[1].iter().all(|r| r.fees_total == 0 || r.fees_total == 1_430_000));
        assert!((160..=240).contains(&paid), "{paid} of 400 scenarios paid");
    });
    // A's slot never granted: no promotion, no claim.
    write(&d, "a.toml", &Demo::default().toml(&format!("{CHAIN_A}\n[resources]\npromotion_priority = \"0%\"\n")));
    write(&d, "b.toml", &Demo::default().toml(CHAIN_B));
    let p = load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml", "b.toml"], ""))).unwrap();
    with_run(&p, &cfg, |_, results| assert!(results.rows[1].iter().all(|r| r.fees_total == 0)));
}
