//! Every report type through the consistency check: each table cell of its document appears
//! with the same value in its JSON, on the bundled scenarios.

use kasim_core::{Compiled, Contract};
use kasim_montecarlo::analysis::Stat;
use kasim_montecarlo::report::{Comparison, GoalSeekReport, Sensitivity, Simulation};
use kasim_montecarlo::{Model, RunConfig};
use kasim_report::testing::assert_consistent;
use kasim_report::{EvaluateReport, Evaluation, ExplainReport, Format, ReplayReport, emit};
use rust_decimal::Decimal;

fn scenario(name: &str) -> (String, Contract) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios").join(name);
    (format!("scenarios/{name}"), kasim_core::load(&path).unwrap())
}

fn evaluation(name: &str) -> Evaluation {
    let (file, c) = scenario(name);
    let m = Compiled::new(&c).unwrap();
    Evaluation::new(file, &c, m.settle(m.plan_outcome()).unwrap())
}

fn cfg(runs: u64) -> RunConfig {
    RunConfig { runs, seed: 3, ..RunConfig::default() }
}

#[test]
fn evaluate_explain_and_replay_are_consistent() {
    let names = ["hypermarket.toml", "warehouse-club.toml", "seed-clause.toml", "supermarket.toml"];
    let report = EvaluateReport { contracts: names.iter().map(|n| evaluation(n)).collect() };
    assert_consistent(&report);
    for n in names {
        assert_consistent(&ExplainReport::new(evaluation(n)));
    }
    let (file, c) = scenario("supermarket.toml");
    let m = Compiled::new(&c).unwrap();
    let settlement = Model::new(&m).unwrap().settlement(1, 3).unwrap();
    let replay =
        ReplayReport { scenario: 3, seed: 1, explain: ExplainReport::new(Evaluation::new(file, &c, settlement)) };
    assert_consistent(&replay);
    assert!(emit(&replay, Format::Json).unwrap().contains("\"format\": \"kasim.replay/1\""));
}

#[test]
fn simulation_reports_are_consistent() {
    let (file, c) = scenario("hypermarket.toml");
    let run300 = cfg(300);
    let r = kasim_montecarlo::report::simulate(std::slice::from_ref(&c), &run300, &mut |_, _| {}).unwrap();
    assert_consistent(&Simulation::new(&file, &c, &run300, &r[0], Some(Decimal::from(-500_000))));
    assert_consistent(&Simulation::new(&file, &c, &run300, &r[0], None));

    let (f1, a) = scenario("supermarket.toml");
    let (f2, b) = scenario("pharmacy.toml");
    let (f3, d) = scenario("ecommerce.toml");
    let contracts = [a, b, d];
    let r = kasim_montecarlo::report::simulate(&contracts, &run300, &mut |_, _| {}).unwrap();
    let cmp = Comparison::new(&[f1, f2, f3], &contracts, &run300, &r);
    assert_eq!(cmp.differences.len(), 3);
    assert_consistent(&cmp);
    // Every ranking row has a value under each header (the ninth value once lacked one).
    let doc = kasim_report::Report::document(&cmp);
    let ranking = doc.table("ranking").unwrap();
    assert!(ranking.rows.iter().all(|r| r.len() == ranking.columns.len()));
    assert!(emit(&cmp, Format::Csv).unwrap_err().is_no_csv());

    let s = Sensitivity::run(&contracts[0], &cfg(100), Stat::Mean).unwrap();
    assert_consistent(&s);
    let g = GoalSeekReport::run(
        &contracts[0],
        "fees.renewal.amount",
        Stat::Percentile(10),
        Decimal::ZERO,
        (None, Some(Decimal::from(2_000_000))),
        &cfg(100),
    )
    .unwrap();
    assert_consistent(&g);
}

#[test]
fn typed_errors_carry_their_fields() {
    let (_, c) = scenario("supermarket.toml");
    let e = GoalSeekReport::run(
        &c,
        "fees.renewal.amount",
        Stat::Mean,
        Decimal::from(-1_000_000_000),
        (None, None),
        &cfg(50),
    )
    .unwrap_err();
    assert!(e.is_unreachable_goal(), "{e}");
    assert!(!e.to_string().contains("uncertainty error"), "{e}");
    let e =
        GoalSeekReport::run(&c, "fees.renewal.rate", Stat::Mean, Decimal::ZERO, (None, None), &cfg(50)).unwrap_err();
    assert!(matches!(&e, kasim_montecarlo::Error::Term { path, .. } if path == "fees.renewal.rate"), "{e}");
    let e = GoalSeekReport::run(
        &c,
        "fees.renewal.amount",
        Stat::Mean,
        Decimal::ZERO,
        (Some(Decimal::TEN), Some(Decimal::ONE)),
        &cfg(50),
    )
    .unwrap_err();
    assert!(matches!(e, kasim_montecarlo::Error::EmptyRange { .. }), "{e}");
    assert!(matches!("median".parse::<Stat>(), Err(kasim_montecarlo::Error::BadStatistic { .. })));
    let (_, seed) = scenario("seed-clause.toml");
    assert!(matches!(
        Sensitivity::run(&seed, &cfg(50), Stat::Mean),
        Err(kasim_montecarlo::Error::NoUncertainty { .. })
    ));
}

/// The negotiation plan (`kasim.plan/1`) on the seed case and on the seed case negotiated over
/// DM slots (where concessions pay for asks): every table cell is in the JSON, and the
/// document carries the three sections with the figures of the value.
#[test]
fn negotiation_plan_is_consistent() {
    use kasim_negotiate::plan::{NegotiationPlan, PlanOptions};
    use kasim_negotiate::tournament::TournamentConfig;
    use kasim_report::plan::{PlanReport, blocks};
    use kasim_report::{Block, Report};

    let (_, mut seed) = scenario("negotiation-seed-case.toml");
    seed.negotiation.as_mut().unwrap().supplier.scenarios = 4;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "path = \"payment.days\"             # 账期: last year 45; draft 60\nmin = \"45\"\nmax = \"60\"\nstep = \"15\"",
            "path = \"fees.dm.contracted\"\nmin = \"12\"\nmax = \"24\"\nstep = \"2\"",
        )
        .replace(
            "weights = { fee_income = \"50%\", fee_ratio = \"10%\", front_margin = \"20%\", sales = \"20%\" }",
            "weights = { fee_income = \"40%\", fee_ratio = \"10%\", front_margin = \"20%\", sales = \"10%\", slots = \"20%\" }\nslots_target = 40",
        );
    let mut slots = kasim_core::load_str(&text, &path, path.parent()).unwrap();
    slots.negotiation.as_mut().unwrap().supplier.scenarios = 4;
    let options = PlanOptions {
        tournament: Some(TournamentConfig { runs: 4, ..TournamentConfig::default() }),
        ..PlanOptions::default()
    };
    for (c, trades) in [(&seed, false), (&slots, true)] {
        let s = kasim_negotiate::contract::setup(c).unwrap();
        let plan = NegotiationPlan::new(c, &s, &options).unwrap();
        assert_eq!(!plan.trades.is_empty(), trades);
        let report = PlanReport(plan.clone());
        assert_consistent(&report);
        let json = emit(&report, Format::Json).unwrap();
        assert!(json.contains("\"format\": \"kasim.plan/1\""), "{json}");
        let doc = report.document();
        let ids: Vec<&str> = doc.tables().map(|t| t.id.as_str()).collect();
        let mut expected = vec!["plan_counter_offer", "plan_counter_summary", "plan_gets", "plan_gives"];
        if trades {
            expected.push("plan_trades");
        }
        expected.extend(["plan_strategy_summary", "plan_best_responses", "plan_time"]);
        assert_eq!(ids, expected);
        assert_eq!(doc.table("plan_gives").unwrap().rows.len(), plan.gives.len());
        assert_eq!(doc.table("plan_gets").unwrap().rows.len(), plan.gets.len());
        let sections: Vec<String> = blocks(&plan, "CNY")
            .iter()
            .map(|b| match b {
                Block::Section(s) => s.title.render(kasim_report::Lang::Both),
                _ => String::new(),
            })
            .collect();
        assert_eq!(
            sections,
            ["Counter-offer 还价方案", "Concessions and trades 让步与交换", "Negotiation plan 谈判策略"]
        );
        let table = emit(&report, Format::Table).unwrap();
        assert!(table.contains("Each week without a contract costs you CNY 8,000"), "{table}");
        let best = plan.strategy.as_ref().unwrap().best.strategy.name();
        assert!(table.contains(best), "{table}");
        if trades {
            // The renewal-fee cut bought with more DM slots, in words and amounts.
            assert!(
                table.contains(
                    "Concede fees.dm.contracted 12 → 22 (costs you CNY 15,000, buyer +0.059) against \
                     fees.renewal.amount 160,000 → 80,000 (gains CNY 80,000, buyer −0.050): CNY 65,000 better"
                ),
                "{table}"
            );
        } else {
            assert!(table.contains("Free ask: payment.days 60 → 45"), "{table}");
        }
    }
}
