//! Table-driven tests of every rule, and of the rule data itself.

use std::collections::BTreeSet;
use std::path::Path;

use super::*;
use crate::contract::SupplierSource;
use crate::demo::Demo;

/// The demo contract (one SKU `A`, not a new listing; 100 stores; 60-day terms) with
/// `jurisdiction` (TOML value, or none), the supplier's `sme` (or none) and extra TOML.
fn contract(jurisdiction: Option<&str>, sme: Option<bool>, new_listing: bool, extra: &str) -> Contract {
    let mut text = Demo { new_listings: new_listing, ..Demo::default() }.toml(extra);
    if let Some(s) = sme {
        text = text.replacen("cost_of_capital = \"0\"\n", &format!("cost_of_capital = \"6%\"\nsme = {s}\n"), 1);
    }
    if let Some(j) = jurisdiction {
        text = format!("jurisdiction = {j}\n{text}");
    }
    crate::load::load_str(&text, Path::new("c.toml"), None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const ANNIVERSARY: &str = "[[fees]]\nid = \"anniv\"\nkind = \"lump_sum\"\nevent = \"anniversary\"\namount = \"500\"\nper = \"store\"\nperiods = [9]\n";
const FESTIVAL: &str = "[[fees]]\nid = \"fest\"\nkind = \"lump_sum\"\nevent = \"festival\"\namount = \"300\"\nper = \"store\"\nperiods = [1, 9]\n";
const OPENING: &str = "[[retailer.store_openings]]\nperiod = 4\ncount = 2\n\n[[fees]]\nid = \"open\"\nkind = \"store_opening\"\namount = \"15000\"\n";
const RENEWAL: &str = "[[fees]]\nid = \"renew\"\nkind = \"lump_sum\"\nevent = \"renewal\"\namount = \"80000\"\n";
const OTHER: &str = "[[fees]]\nid = \"misc\"\nkind = \"lump_sum\"\nevent = \"other\"\namount = \"1000\"\n";
const ENTRY: &str = "[[fees]]\nid = \"entry\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"200000\"\n";
const SERVICE: &str = "[[fees]]\nid = \"info\"\nkind = \"service_fee\"\nrate = \"1%\"\n";
const LISTING: &str = "[[fees]]\nid = \"listing\"\nkind = \"listing\"\namount = \"1500\"\n";
const LISTING_A: &str = "[[fees]]\nid = \"listing\"\nkind = \"listing\"\namount = \"1500\"\nskus = [\"A\"]\n";
const RETRO: &str =
    "[[fees]]\nid = \"rebate\"\nkind = \"unconditional_rebate\"\nrate = \"2%\"\nfrom_period = 7\nretroactive = true\n";
const FROM_JULY: &str = "[[fees]]\nid = \"rebate\"\nkind = \"unconditional_rebate\"\nrate = \"2%\"\nfrom_period = 7\n";
const DISPLAY: &str = "[[fees]]\nid = \"endcap\"\nkind = \"display_fee\"\nslot = \"end_cap\"\nprice = \"100\"\n";
const WASTAGE: &str = "[[fees]]\nid = \"damages\"\nkind = \"returns_allowance\"\nrate = \"1%\"\n";
const DAYS_90: &str = "[payment]\ndays = 90\n";
const DAYS_45: &str = "[payment]\ndays = 45\n";
const DAYS_30: &str = "[payment]\ndays = 30\n";

use Severity::{Prohibited as P, Restricted as R, Review as V};

/// (case, jurisdiction, sme, SKU `A` a new listing, extra TOML, expected (rule, key path,
/// severity) in order).
type Case = (
    &'static str,
    Option<&'static str>,
    Option<bool>,
    bool,
    &'static str,
    &'static [(&'static str, &'static str, Severity)],
);

const CASES: &[Case] = &[
    // China.
    (
        "cn anniversary",
        Some("\"cn\""),
        None,
        false,
        ANNIVERSARY,
        &[("cn-2006-fee-unrelated-to-sales", "fees[0]", R), ("cn-2012-anniversary-fee", "fees[0]", P)],
    ),
    (
        "cn festival",
        Some("\"cn\""),
        None,
        false,
        FESTIVAL,
        &[("cn-2006-fee-unrelated-to-sales", "fees[0]", R), ("cn-2012-festival-fee", "fees[0]", P)],
    ),
    (
        "cn store opening",
        Some("\"cn\""),
        None,
        false,
        OPENING,
        &[("cn-2006-fee-unrelated-to-sales", "fees[0]", R), ("cn-2012-store-opening-fee", "fees[0]", P)],
    ),
    ("cn renewal", Some("\"cn\""), None, false, RENEWAL, &[("cn-2006-fee-unrelated-to-sales", "fees[0]", R)]),
    ("cn other lump sum", Some("\"cn\""), None, false, OTHER, &[("cn-2006-fee-unrelated-to-sales", "fees[0]", R)]),
    ("cn entry", Some("\"cn\""), None, false, ENTRY, &[("cn-2012-new-supplier-fee", "fees[0]", V)]),
    ("cn service fee", Some("\"cn\""), None, false, SERVICE, &[("cn-2006-service-fee", "fees[0]", V)]),
    ("cn listing of new items", Some("\"cn\""), None, true, LISTING, &[("cn-2012-new-item-fee", "fees[0]", V)]),
    (
        "cn listing naming an existing item",
        Some("\"cn\""),
        None,
        false,
        LISTING_A,
        &[("cn-2012-listing-fee-existing-items", "fees[0].skus", P), ("cn-2012-new-item-fee", "fees[0]", V)],
    ),
    ("cn listing naming a new item", Some("\"cn\""), None, true, LISTING_A, &[("cn-2012-new-item-fee", "fees[0]", V)]),
    (
        "cn rule reaching back",
        Some("\"cn\""),
        None,
        false,
        RETRO,
        &[("cn-2006-not-agreed-in-advance", "fees[0].retroactive", R)],
    ),
    ("cn rule from July, not reaching back", Some("\"cn\""), None, false, FROM_JULY, &[]),
    ("cn 90 days, SME not said", Some("\"cn\""), None, false, DAYS_90, &[("cn-2020-sme-60-days", "payment.days", V)]),
    ("cn 90 days, SME", Some("\"cn\""), Some(true), false, DAYS_90, &[("cn-2020-sme-60-days", "payment.days", R)]),
    ("cn 90 days, not an SME", Some("\"cn\""), Some(false), false, DAYS_90, &[]),
    ("cn 60 days, SME", Some("\"cn\""), Some(true), false, "", &[]),
    ("cn wastage (no Chinese rule)", Some("\"cn\""), None, false, WASTAGE, &[]),
    // United Kingdom.
    ("uk display fee", Some("\"uk\""), None, false, DISPLAY, &[("uk-gscop-shelf-positioning", "fees[0]", R)]),
    ("uk wastage", Some("\"uk\""), None, false, WASTAGE, &[("uk-gscop-wastage", "fees[0]", R)]),
    (
        "uk listing naming an existing item",
        Some("\"uk\""),
        None,
        false,
        LISTING_A,
        &[("uk-gscop-listing-fees", "fees[0].skus", P)],
    ),
    ("uk listing of new items", Some("\"uk\""), None, true, LISTING, &[]),
    (
        "uk rule reaching back",
        Some("\"uk\""),
        None,
        false,
        RETRO,
        &[("uk-gscop-retrospective-variation", "fees[0].retroactive", P)],
    ),
    (
        "uk anniversary, 90 days",
        Some("\"uk\""),
        None,
        false,
        "[payment]\ndays = 90\n[[fees]]\nid = \"a\"\nkind = \"lump_sum\"\nevent = \"anniversary\"\namount = \"1\"\n",
        &[],
    ),
    // European Union.
    ("eu 90 days", Some("\"eu\""), None, false, DAYS_90, &[("eu-2019-633-payment-60-days", "payment.days", P)]),
    (
        "eu 45 days",
        Some("\"eu\""),
        None,
        false,
        DAYS_45,
        &[("eu-2019-633-payment-30-days-perishable", "payment.days", V)],
    ),
    ("eu 30 days", Some("\"eu\""), None, false, DAYS_30, &[]),
    // (The default terms, 60 days, are over the 30 days for perishable products.)
    (
        "eu wastage",
        Some("\"eu\""),
        None,
        false,
        WASTAGE,
        &[("eu-2019-633-payment-30-days-perishable", "payment.days", V), ("eu-2019-633-wastage", "fees[0]", R)],
    ),
    (
        "eu listing, 30 days",
        Some("\"eu\""),
        None,
        true,
        "[payment]\ndays = 30\n[[fees]]\nid = \"listing\"\nkind = \"listing\"\namount = \"1500\"\n",
        &[("eu-2019-633-listing-fees", "fees[0]", R)],
    ),
    // Jurisdictions off, or several.
    ("no jurisdiction", None, Some(true), false, ANNIVERSARY, &[]),
    ("empty list", Some("[]"), Some(true), false, DAYS_90, &[]),
    (
        "cn and uk",
        Some("[\"uk\", \"cn\"]"),
        None,
        false,
        "[[fees]]\nid = \"endcap\"\nkind = \"display_fee\"\nprice = \"100\"\n[[fees]]\nid = \"anniv\"\nkind = \"lump_sum\"\nevent = \"anniversary\"\namount = \"1\"\n",
        &[
            ("cn-2006-fee-unrelated-to-sales", "fees[1]", R),
            ("cn-2012-anniversary-fee", "fees[1]", P),
            ("uk-gscop-shelf-positioning", "fees[0]", R),
        ],
    ),
];

#[test]
fn every_rule_on_its_clause() {
    let mut failures = Vec::new();
    for (name, j, sme, new, extra, expected) in CASES {
        let c = contract(*j, *sme, *new, extra);
        let got: Vec<(String, String, Severity)> =
            check(&c).into_iter().map(|f| (f.rule, f.clause.key_path, f.severity)).collect();
        let want: Vec<(String, String, Severity)> =
            expected.iter().map(|(r, k, s)| (r.to_string(), k.to_string(), *s)).collect();
        if got != want {
            failures.push(format!("{name}:\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every modelled rule is exercised by a case above.
#[test]
fn every_modelled_rule_has_a_case() {
    let mut seen = BTreeSet::new();
    for (.., expected) in CASES {
        seen.extend(expected.iter().map(|(r, ..)| *r));
    }
    for file in instruments() {
        for r in &file.rules {
            if !matches!(r.matcher, Matcher::NotModelled { .. }) {
                assert!(seen.contains(r.id.as_str()), "no case flags {}", r.id);
            }
        }
    }
}

/// A flag carries the citation, the clause's location, the amount at stake and a why-text
/// naming the clause and its amount.
#[test]
fn a_flag_cites_locates_and_explains() {
    let c = contract(Some("\"cn\""), None, false, ANNIVERSARY);
    let flags = check(&c);
    let f = flags.iter().find(|f| f.rule == "cn-2012-anniversary-fee").unwrap();
    assert_eq!(f.jurisdiction, Jurisdiction::Cn);
    assert_eq!(f.instrument.id, "cn-2012-fee-cleanup");
    assert_eq!(f.instrument.url.as_deref(), Some("http://m.tiyanwang.cn/html/web/latestnews/zhengcefagui/66546.html"));
    assert_eq!(f.clause.fee.as_deref(), Some("anniv"));
    assert_eq!(f.clause.kind, Some(FeeKind::AnniversaryFee));
    assert_eq!(f.amount, Some(Decimal::new(5_000_000, 2))); // 500 × 100 stores
    let text = Demo::default().toml(ANNIVERSARY);
    let line = text.lines().position(|l| l == "[[fees]]").unwrap() + 2; // +1 for the jurisdiction line
    assert_eq!(f.clause.location, Some(Location { file: "c.toml".into(), line, column: 1 }));
    assert_eq!(
        f.why,
        "Anniversary fee `anniv` (CNY 50,000.00 in the plan) is a store-anniversary fee (店庆费), named among the \
         fees the clean-up stops."
    );
    assert_eq!(f.why_zh, "店庆费「anniv」（计划金额 CNY 50,000.00）是店庆费，属于清理整顿点名的违规收费。");
    // JSON: amounts are decimal strings, codes are snake_case.
    let j = serde_json::to_value(f).unwrap();
    assert_eq!(j["amount"], "50000.00");
    assert_eq!(j["severity"], "prohibited");
    assert_eq!(j["jurisdiction"], "cn");
    assert_eq!(j["clause"]["kind"], "anniversary_fee");
}

/// Payment terms: the days over the limit in the why-text, their financing cost at stake.
#[test]
fn payment_terms_flag_the_days_over_the_limit() {
    let c = contract(Some("\"cn\""), Some(true), false, DAYS_90);
    let f = &check(&c)[0];
    let s = crate::evaluate(&c).unwrap();
    let expected = c.rounding.round(s.pnl.financing_cost * Decimal::from(30) / Decimal::from(90));
    assert!(expected > Decimal::ZERO);
    assert_eq!(f.amount, Some(expected));
    assert!(
        f.why.starts_with(
            "Payment terms of 90 days exceed the 60 days within which a large buyer pays an SME, by 30 days."
        ),
        "{}",
        f.why
    );
    assert!(f.why_zh.starts_with("账期 90 天，超过大型企业向中小企业付款的60日期限30天。"), "{}", f.why_zh);
    // Not said: the same flag, for review, saying what to set.
    let c = contract(Some("\"cn\""), None, false, DAYS_90);
    let f = &check(&c)[0];
    assert_eq!(f.severity, Severity::Review);
    assert!(f.why.contains("`sme = true`"));
    // A contract built in code (no file) has no location.
    let mut c = c;
    c.source = crate::source::Source::default();
    assert_eq!(check(&c)[0].clause.location, None);
}

/// `sme` in the supplier; setting it in code works the same as in the file.
#[test]
fn sme_set_in_code() {
    let mut c = contract(Some("\"cn\""), None, false, DAYS_90);
    if let SupplierSource::Inline(s) = &mut c.supplier {
        s.sme = Some(false);
    }
    assert!(check(&c).is_empty());
}

#[test]
fn jurisdiction_values() {
    let bad = Demo::default().toml("");
    for (value, ok) in [("\"cn\"", true), ("[\"eu\", \"eu\"]", true), ("\"fr\"", false), ("3", false)] {
        let text = format!("jurisdiction = {value}\n{bad}");
        let r = crate::load::load_str(&text, Path::new("c.toml"), None);
        assert_eq!(r.is_ok(), ok, "{value}: {:?}", r.err().map(|e| e.to_string()));
        if let Ok(c) = r {
            assert_eq!(c.jurisdiction.len(), 1); // duplicates collapse
        }
    }
    // The schema shows the key.
    let schema = serde_json::to_string(&crate::contract_schema()).unwrap();
    assert!(schema.contains("\"jurisdiction\"") && schema.contains("\"sme\""));
}

// ---- The rule data ----------------------------------------------------------------------

const PLACEHOLDERS: [&str; 4] = ["days", "limit", "excess", "skus"];

fn placeholders(t: &str) -> Vec<&str> {
    t.split('{').skip(1).map(|s| s.split('}').next().unwrap_or("")).collect()
}

#[test]
fn rule_files_are_valid() {
    let mut ids = BTreeSet::new();
    for ((name, _), file) in FILES.iter().zip(instruments()) {
        let inst = &file.instrument;
        assert_eq!(format!("{}.toml", inst.id), *name);
        assert!(!file.rules.is_empty(), "{name}");
        for u in inst.url.iter().chain(&inst.see_also) {
            assert!(u.starts_with("http://") || u.starts_with("https://"), "{name}: {u}");
        }
        for t in [&inst.title_zh, &inst.title_en, &inst.year, &inst.issuer, &inst.issuer_zh] {
            assert!(!t.trim().is_empty(), "{name}");
        }
        for r in &file.rules {
            assert!(ids.insert(r.id.clone()), "rule id {} used twice", r.id);
            // Rule ids start with the instrument's jurisdiction and year (`cn-2006-…`).
            let prefix: Vec<&str> = inst.id.splitn(3, '-').take(2).collect();
            assert!(r.id.starts_with(&format!("{}-", prefix.join("-"))), "{} is not prefixed like {}", r.id, inst.id);
            for t in [&r.section, &r.section_zh, &r.summary, &r.summary_zh] {
                assert!(!t.trim().is_empty(), "{}", r.id);
            }
            // The project's reference gives no article numbers: none is invented.
            assert_eq!(r.article, None, "{}", r.id);
            let allowed: &[&str] = match &r.matcher {
                Matcher::NotModelled { reason } => {
                    assert!(!reason.trim().is_empty() && r.why.is_empty(), "{}", r.id);
                    continue;
                }
                Matcher::Fee { kinds, only } => {
                    assert!(!kinds.is_empty() || only.is_some(), "{} matches every fee", r.id);
                    assert!(kinds.iter().all(|k| k.is_fee()), "{}", r.id);
                    if *only == Some(FeeCondition::NamesExistingItems) {
                        assert_eq!(kinds, &[FeeKind::ListingFee], "{}", r.id);
                        &["skus"]
                    } else {
                        &[]
                    }
                }
                Matcher::PaymentDays { over, at_most, .. } => {
                    assert!(at_most.is_none_or(|m| m > *over), "{}", r.id);
                    &["days", "limit", "excess"]
                }
            };
            assert!(!r.why.trim().is_empty() && !r.why_zh.trim().is_empty(), "{}", r.id);
            for t in [&r.why, &r.why_zh] {
                for p in placeholders(t) {
                    assert!(PLACEHOLDERS.contains(&p) && allowed.contains(&p), "{}: placeholder {{{p}}}", r.id);
                }
            }
        }
    }
    assert_eq!(instruments().len(), FILES.len());
}

/// Unknown keys, matchers, conditions and fee kinds in rule data are errors.
#[test]
fn unknown_matcher_keys_are_errors() {
    let (_, text) = FILES[1];
    let good = "match = { when = \"fee\", kinds = [\"festival_fee\"] }";
    assert!(text.contains(good));
    assert!(parse(text).is_ok());
    for bad in [
        "match = { when = \"fee\", kinds = [\"festival_fee\"], tied_to_sales = false }",
        "match = { when = \"fees\", kinds = [\"festival_fee\"] }",
        "match = { when = \"fee\", kinds = [\"festival\"] }",
        "match = { when = \"fee\", kinds = [\"festival_fee\"], only = \"not_tied_to_sales\" }",
        "match = { when = \"payment_days\", over = 60, sme = true, perishable = true }",
    ] {
        assert!(parse(&text.replace(good, bad)).is_err(), "{bad}");
    }
    assert!(parse(&text.replace("severity = \"prohibited\"", "severity = \"banned\"")).is_err());
    assert!(parse(&text.replace("[instrument]\n", "[instrument]\nchapter = \"x\"\n")).is_err());
}

/// docs/compliance.md lists every rule.
#[test]
fn every_rule_is_documented() {
    let doc = include_str!("../../../../docs/compliance.md");
    for file in instruments() {
        assert!(doc.contains(&file.instrument.id), "docs/compliance.md lacks {}", file.instrument.id);
        for r in &file.rules {
            assert!(doc.contains(&format!("`{}`", r.id)), "docs/compliance.md lacks `{}`", r.id);
        }
    }
}
