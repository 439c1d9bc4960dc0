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

/// The brief of the hypermarket contract against its draft with most fees doubled: every
/// table cell (the scenarios' included) is in the JSON, the CSV is the clause table, and the
/// entry fee's doubling shows as its exact change.
#[test]
fn brief_is_consistent() {
    use kasim_negotiate::brief::{BriefReport, Input};
    let (file, base) = scenario("hypermarket.toml");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/fixtures/hypermarket-draft.toml");
    let draft = kasim_core::load(&path).unwrap();
    let inputs = [Input { file: &file, contract: &base }, Input { file: "hypermarket-draft.toml", contract: &draft }];
    let b = BriefReport::new(&inputs, &cfg(200)).unwrap();
    assert_consistent(&b);
    assert_eq!(b.clause("entry").unwrap().change_plan, Decimal::from(300_000));
    let csv = emit(&b, Format::Csv).unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("1,"), "{csv}");
    let table = emit(&b, Format::Table).unwrap();
    std::fs::write(std::env::temp_dir().join("brief-table.txt"), &table).unwrap();
    assert!(table.contains("300,000.00"), "{table}");
    // The scenarios are files only: not in the terminal.
    assert!(!table.contains("GlobalMart 2027 draft fees"), "{table}");
}
