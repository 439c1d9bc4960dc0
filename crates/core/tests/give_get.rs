//! Give-get conditions (有条件费用): worked by hand, met, failed and partial; ledger lines; a
//! contract without conditions unchanged; validation errors located.

use std::path::Path;

use kasim_core::demo::Demo;
use kasim_core::{Error, load_str};

fn ledger(demo: &Demo, fees: &str) -> Vec<(u16, String, String)> {
    let c = demo.build(fees).unwrap_or_else(|e| panic!("{e}"));
    let s = kasim_core::evaluate(&c).unwrap();
    s.ledger.iter().map(|l| (l.period, l.amount.to_string(), l.formula.clone())).collect()
}

fn two_skus(plan: &str) -> Demo {
    Demo { skus: 2, plan: plan.to_string(), ..Demo::default() }
}

const DM: &str = r#"
[[plan.promotions]]
skus = ["A", "B"]
periods = [3]
slot = "dm"

[[plan.promotions]]
skus = ["A"]
periods = [9]
slot = "dm"
"#;

#[test]
fn flyer_ran_met_failed_and_the_contracted_minimum() {
    let fee = "[[fees]]\nid = \"dm\"\nkind = \"dm_fee\"\nprice = \"2000\"\ncontracted = 5\ncondition = { kind = \"flyer_ran\" }\n";
    // Met: the plan says nothing, so every flyer ran: 2 × 2,000, 1 × 2,000, (5 − 3) × 2,000.
    let met = ledger(&two_skus(""), &format!("{DM}{fee}"));
    let amounts: Vec<&str> = met.iter().map(|l| l.1.as_str()).collect();
    assert_eq!(amounts, ["4000.00", "2000.00", "4000.00"]);
    // Failed in period 9: a 0.00 line naming the condition, and the slot counts as used (no
    // shortfall charged for the retailer's failure): (5 − 3) × 2,000 still.
    let perf = format!("[plan.performance]\nflyers_missed = [9]\n{DM}{fee}");
    let failed = ledger(&two_skus(""), &perf);
    assert_eq!(failed[0], (3, "4000.00".into(), "2 DM items × 2,000.00 = 4,000.00".into()));
    assert_eq!(failed[1].0, 9);
    assert_eq!(failed[1].1, "0.00");
    assert!(failed[1].2.contains("flyer did not run (档期未执行)"), "{}", failed[1].2);
    assert_eq!(failed[2].1, "4000.00");
    // Without the condition, the missed flyer is charged as usual.
    let plain = "[[fees]]\nid = \"dm\"\nkind = \"dm_fee\"\nprice = \"2000\"\ncontracted = 5\n";
    let uncond = ledger(&two_skus(""), &format!("[plan.performance]\nflyers_missed = [9]\n{DM}{plain}"));
    assert_eq!(uncond, met);
}

#[test]
fn facings_delivered_all_or_nothing_and_pro_rata() {
    let promo = "[[plan.promotions]]\nskus = [\"A\"]\nperiods = [2, 5]\nslot = \"end_cap\"\n";
    let fee = |cond: &str| {
        format!(
            "{promo}[[fees]]\nid = \"endcap\"\nkind = \"display_fee\"\nprice = \"3000\"\nper = \"slot_store\"\ncondition = {cond}\n"
        )
    };
    let perf = "[plan.performance]\ndisplay_compliance = \"87.5%\"\ndisplays_missed = [5]\n";
    // Pro rata: 1 slot × 3,000 × 100 stores × 87.5% = 262,500.00 in period 2; 0.00 in period 5.
    let l = ledger(&Demo::default(), &format!("{perf}{}", fee("{ kind = \"facings_delivered\", pro_rata = true }")));
    assert_eq!(l.len(), 2);
    assert_eq!(l[0].1, "262500.00");
    assert_eq!(l[0].2, "1 display slots × 3,000.00 × 100 stores × 87.5% delivered = 262,500.00");
    assert_eq!((l[1].0, l[1].1.as_str()), (5, "0.00"));
    assert!(l[1].2.contains("display not in place (陈列未到位)"));
    // All or nothing at 80%: 87.5% ≥ 80% pays in full.
    let l =
        ledger(&Demo::default(), &format!("{perf}{}", fee("{ kind = \"facings_delivered\", min_share = \"80%\" }")));
    assert_eq!((l[0].1.as_str(), l[1].1.as_str()), ("300000.00", "0.00"));
    // All or nothing at the default 100%: 87.5% pays nothing.
    let l = ledger(&Demo::default(), &format!("{perf}{}", fee("{ kind = \"facings_delivered\" }")));
    assert_eq!((l[0].1.as_str(), l[1].1.as_str()), ("0.00", "0.00"));
    // Full compliance (the default plan): as without a condition.
    let l = ledger(&Demo::default(), &fee("{ kind = \"facings_delivered\", pro_rata = true }"));
    let amounts: Vec<&str> = l.iter().map(|l| l.1.as_str()).collect();
    assert_eq!(amounts, ["300000.00", "300000.00"]);
}

#[test]
fn sell_through_gates_the_whole_rebate() {
    let fee = |t: &str| {
        format!(
            "[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"2%\"\nsettle = \"annual\"\ncondition = {{ kind = \"sell_through\", threshold = \"{t}\" }}\n"
        )
    };
    let demo = Demo { plan: "returns_rate = \"25%\"".into(), ..Demo::default() };
    let c = demo.build(&fee("50%")).unwrap();
    let o = kasim_core::Compiled::new(&c).unwrap().plan_outcome().clone();
    let (sold, delivered): (u64, u64) =
        o.cells.iter().fold((0, 0), |(s, d), c| (s + u64::from(c.sold), d + u64::from(c.delivered)));
    assert!(delivered > 0 && sold < delivered, "sold {sold} delivered {delivered}");
    let ratio = sold as f64 / delivered as f64;
    // Met at 50%: the rebate as without the condition.
    let met = ledger(&demo, &fee("50%"));
    let plain =
        ledger(&demo, "[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"2%\"\nsettle = \"annual\"\n");
    assert_eq!(met, plain);
    // Failed just above the ratio: one 0.00 line in the last period naming both shares.
    assert!((ratio - 0.75).abs() < 1e-9, "{ratio}");
    let above = "90%";
    let failed = ledger(&demo, &fee(above));
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].0, failed[0].1.as_str()), (12, "0.00"));
    assert!(failed[0].2.starts_with("condition not met: sell-through "), "{}", failed[0].2);
    assert_eq!(failed[0].2, "condition not met: sell-through 75% below 90% (动销率未达标) = 0.00");
    // Exactly at the threshold is met.
    let exact = rust_decimal::Decimal::from(sold) / rust_decimal::Decimal::from(delivered);
    let at = ledger(&demo, &fee(&exact.to_string()));
    assert_eq!(at, plain);
}

#[test]
fn a_contract_without_conditions_ignores_the_performance() {
    let fees = "[[fees]]\nid = \"dm\"\nkind = \"dm_fee\"\nprice = \"2000\"\n\n[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"2%\"\n";
    let base = ledger(&two_skus(""), &format!("{DM}{fees}"));
    let perf = format!("[plan.performance]\nflyers_missed = [3, 9]\ndisplay_compliance = \"10%\"\n{DM}{fees}");
    assert_eq!(ledger(&two_skus(""), &perf), base);
}

fn problems(src: &str) -> Vec<kasim_core::Problem> {
    match load_str(src, Path::new("c.toml"), None) {
        Err(Error::Invalid(p)) => p.problems,
        Err(other) => panic!("expected located problems, got {other}"),
        Ok(_) => panic!("expected the contract to be rejected"),
    }
}

fn line_number(src: &str, needle: &str) -> usize {
    let off = src.find(needle).expect("needle");
    src[..off].matches('\n').count() + 1
}

#[test]
fn bad_conditions_are_located() {
    // A threshold of 120%.
    let src = Demo::default().toml(
        "[[fees]]\nid = \"r\"\nkind = \"tiered_rebate\"\nbasis = \"value\"\ntiers = [{ threshold = \"0\", rate = \"1%\" }]\n\n[fees.condition]\nkind = \"sell_through\"\nthreshold = \"120%\"\n",
    );
    let ps = problems(&src);
    assert_eq!(ps[0].key_path, "fees[0].condition.threshold", "{ps:?}");
    assert_eq!(ps[0].line, line_number(&src, "threshold = \"120%\""));
    assert!(ps[0].message.contains("between 0% and 100%"), "{}", ps[0].message);
    // A condition on a rule kind it cannot apply to.
    let src = Demo::default().toml(
        "[[fees]]\nid = \"e\"\nkind = \"promoter_fee\"\nmonthly_fee = \"1000\"\npromoters = 1\n\n[fees.condition]\nkind = \"flyer_ran\"\n",
    );
    let ps = problems(&src);
    assert_eq!(ps[0].key_path, "fees[0].condition.kind", "{ps:?}");
    assert_eq!(ps[0].line, line_number(&src, "kind = \"flyer_ran\""));
    assert!(ps[0].message.contains("applies to dm_fee, not to a `promoter_fee` rule"), "{}", ps[0].message);
    // An unknown kind.
    let src = Demo::default().toml(
        "[[fees]]\nid = \"dm\"\nkind = \"dm_fee\"\nprice = \"1\"\n\n[fees.condition]\nkind = \"flyer_printed\"\n",
    );
    let ps = problems(&src);
    assert!(ps[0].message.contains("flyer_printed"), "{ps:?}");
    assert!(ps[0].line >= line_number(&src, "[fees.condition]"), "{ps:?}");
    // A plan period outside the year.
    let src = Demo::default().toml("[plan.performance]\nflyers_missed = [13]\n");
    let ps = problems(&src);
    assert_eq!(ps[0].key_path, "plan.performance.flyers_missed[0]", "{ps:?}");
}
