//! Compliance flags of a bundled scenario: the hypermarket contract under each jurisdiction.

use std::path::PathBuf;

use kasim_core::compliance::{Jurisdiction, Severity, check};

fn hypermarket() -> kasim_core::Contract {
    let f = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/hypermarket.toml");
    kasim_core::load(&f).unwrap()
}

/// (rule, key path, line:column in hypermarket.toml, severity, amount at stake).
fn summary(c: &kasim_core::Contract) -> Vec<(String, String, String, Severity, String)> {
    check(c)
        .into_iter()
        .map(|f| {
            let at = f.clause.location.as_ref().map(|l| {
                assert!(l.file.ends_with("hypermarket.toml"), "{}", l.file);
                format!("{}:{}", l.line, l.column)
            });
            let amount = f.amount.map(|a| a.to_string());
            (f.rule, f.clause.key_path, at.unwrap_or_default(), f.severity, amount.unwrap_or_default())
        })
        .collect()
}

fn expect(rows: &[(&str, &str, &str, Severity, &str)]) -> Vec<(String, String, String, Severity, String)> {
    rows.iter().map(|(r, k, at, s, a)| (r.to_string(), k.to_string(), at.to_string(), *s, a.to_string())).collect()
}

#[test]
fn hypermarket_under_chinese_rules() {
    use Severity::{Prohibited as P, Restricted as R, Review as V};
    let mut c = hypermarket();
    assert!(c.jurisdiction.is_empty());
    assert!(check(&c).is_empty(), "no jurisdiction declared, no flags");
    c.jurisdiction = vec![Jurisdiction::Cn];
    // Entry fee fees[0] (line 265), listing fees[1] (275), anniversary fees[2] (283), festival
    // fees[3] (293), store openings fees[4] (303), information service fees[6] (318); 90-day
    // terms at line 70. The listing fee charges 2 new SKUs × 360 stores × 1,500.
    let want = expect(&[
        ("cn-2006-fee-unrelated-to-sales", "fees[2]", "283:1", R, "295200.00"),
        ("cn-2006-fee-unrelated-to-sales", "fees[3]", "293:1", R, "363500.00"),
        ("cn-2006-fee-unrelated-to-sales", "fees[4]", "303:1", R, "135000.00"),
        ("cn-2006-service-fee", "fees[6]", "318:1", V, "177609.48"),
        ("cn-2012-new-item-fee", "fees[1]", "275:1", V, "1080000.00"),
        ("cn-2012-new-supplier-fee", "fees[0]", "265:1", V, "300000.00"),
        ("cn-2012-anniversary-fee", "fees[2]", "283:1", P, "295200.00"),
        ("cn-2012-festival-fee", "fees[3]", "293:1", P, "363500.00"),
        ("cn-2012-store-opening-fee", "fees[4]", "303:1", P, "135000.00"),
        ("cn-2020-sme-60-days", "payment.days", "70:8", V, "94887.26"),
    ]);
    assert_eq!(summary(&c), want);
    // The amounts are the plan's ledger totals per fee.
    let s = kasim_core::evaluate(&c).unwrap();
    let total = |id: &str| s.ledger.iter().filter(|l| l.rule == id).map(|l| l.amount).sum::<rust_decimal::Decimal>();
    assert_eq!(total("anniversary").to_string(), "295200.00");
    assert_eq!(total("listing").to_string(), "1080000.00");
    // The supplier declared an SME: the payment flag is a restriction, not a point to review.
    if let kasim_core::contract::SupplierSource::Inline(s) = &mut c.supplier {
        s.sme = Some(true);
    }
    let f = check(&c).pop().unwrap();
    assert_eq!((f.rule.as_str(), f.severity), ("cn-2020-sme-60-days", R));
    assert_eq!(
        f.why,
        "Payment terms of 90 days exceed the 60 days within which a large buyer pays an SME, by 30 days. Financing \
         those 30 days costs CNY 94,887.26 in the plan."
    );
}

#[test]
fn hypermarket_under_uk_and_eu_rules() {
    let mut c = hypermarket();
    c.jurisdiction = vec![Jurisdiction::Uk, Jurisdiction::Eu];
    // The floor-stack fee fees[11] (line 370) buys display positions; 90-day terms; the
    // listing fee.
    let want = expect(&[
        ("uk-gscop-shelf-positioning", "fees[11]", "370:1", Severity::Restricted, "636250.00"),
        ("eu-2019-633-payment-60-days", "payment.days", "70:8", Severity::Prohibited, "94887.26"),
        ("eu-2019-633-listing-fees", "fees[1]", "275:1", Severity::Restricted, "1080000.00"),
    ]);
    assert_eq!(summary(&c), want);
    // The order of the declaration does not change the flags (instrument-file order).
    c.jurisdiction = vec![Jurisdiction::Eu, Jurisdiction::Uk];
    assert_eq!(summary(&c), want);
}

/// `jurisdiction` and `sme` written in the files (not set in code): the contract declares
/// the jurisdiction, the supplier file says it is an SME, and the payment flag is located in
/// the contract file it was read from.
#[test]
fn jurisdiction_and_sme_read_from_the_files() {
    let scenarios = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let dir = std::env::temp_dir().join(format!("kasim-compliance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let supplier = std::fs::read_to_string(scenarios.join("supplier.toml")).unwrap();
    let supplier = supplier.replacen("cost_of_capital = ", "sme = true\ncost_of_capital = ", 1);
    std::fs::write(dir.join("supplier.toml"), supplier).unwrap();
    let contract = std::fs::read_to_string(scenarios.join("hypermarket.toml")).unwrap();
    let contract = format!("jurisdiction = [\"cn\"]\n{contract}");
    let path = dir.join("hypermarket.toml");
    std::fs::write(&path, contract).unwrap();
    let c = kasim_core::load(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(c.jurisdiction, [Jurisdiction::Cn]);
    assert_eq!(c.supplier().unwrap().sme, Some(true));
    let f = check(&c).pop().unwrap();
    assert_eq!((f.rule.as_str(), f.severity), ("cn-2020-sme-60-days", Severity::Restricted));
    let at = f.clause.location.unwrap();
    assert_eq!((at.file, at.line, at.column), (path.display().to_string(), 71, 8)); // one line added on top
    // Written back to TOML, both keys survive.
    let again = kasim_core::load_str(&c.to_toml().unwrap(), std::path::Path::new("again.toml"), None).unwrap();
    assert_eq!((&again.jurisdiction[..], again.supplier().unwrap().sme), (&[Jurisdiction::Cn][..], Some(true)));
}
