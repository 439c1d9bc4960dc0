//! Every bundled scenario loads, settles, and reconciles.

use std::path::PathBuf;

use rust_decimal::Decimal;

fn scenario_files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("scenarios/ exists") {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "toml")
                && !kasim_core::load::is_supplier_file(&p)
                && !kasim_core::portfolio::is_portfolio_file(&p)
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_scenario_settles_and_reconciles() {
    let files = scenario_files();
    assert!(files.len() >= 6, "expected the bundled scenarios, found {files:?}");
    for f in files {
        let c = kasim_core::load(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let s = kasim_core::evaluate(&c).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let fees: Decimal = s.ledger.iter().filter(|l| l.kind.is_fee()).map(|l| l.amount).sum();
        assert_eq!(fees, s.pnl.fees_total, "{}", f.display());
        assert!(s.pnl.net_invoiced_sales > Decimal::ZERO, "{}", f.display());
        // The plan's own outcome through the totals path gives the same totals.
        let m = kasim_core::Compiled::new(&c).unwrap();
        assert_eq!(m.totals(m.plan_outcome()).unwrap(), s.totals, "{}", f.display());
    }
}

#[test]
fn supplier_files_validate() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    for f in [root.join("supplier.toml"), root.join("bench/ref-supplier.toml")] {
        assert!(kasim_core::load::is_supplier_file(&f));
        kasim_core::load::load_supplier(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
}

#[test]
fn retailer_scenarios_have_plausible_trade_spend() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    for name in ["hypermarket", "supermarket", "warehouse-club", "ecommerce", "pharmacy"] {
        let f = root.join(format!("{name}.toml"));
        let c = kasim_core::load(&f).unwrap_or_else(|e| panic!("{name}: {e}"));
        let s = kasim_core::evaluate(&c).unwrap();
        let ratio = s.pnl.effective_fee_ratio.unwrap();
        assert!(
            ratio >= Decimal::new(10, 2) && ratio <= Decimal::new(50, 2),
            "{name}: fee ratio {ratio} outside the 10–50% band of reference/fee-rules.md §5"
        );
    }
}

#[test]
fn seed_clause_is_fifteen_percent_with_a_binding_floor() {
    let f = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/seed-clause.toml");
    let c = kasim_core::load(&f).unwrap();
    let s = kasim_core::evaluate(&c).unwrap();
    assert_eq!(s.pnl.fees_total, Decimal::from(1_500_000), "the floor binds below 10,000,000 of sales");
    assert!(s.pnl.net_invoiced_sales < Decimal::from(10_000_000));
}
