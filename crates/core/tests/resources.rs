//! Relationship resources (`[resources]`): validation located at the key, payment priority
//! settled exactly, resource levels as term paths.

use std::path::Path;

use kasim_core::demo::Demo;
use kasim_core::{Error, load_str};
use rust_decimal::Decimal;

fn problems(src: &str) -> Vec<kasim_core::Problem> {
    match load_str(src, Path::new("c.toml"), None) {
        Err(Error::Invalid(p)) => p.problems,
        Err(other) => panic!("expected located problems, got {other}"),
        Ok(_) => panic!("expected the contract to be rejected"),
    }
}

fn line_of(src: &str, needle: &str) -> usize {
    src[..src.find(needle).expect("needle")].matches('\n').count() + 1
}

/// Every out-of-range value is reported at once, each at its own line and key.
#[test]
fn bad_values_are_located_at_their_keys() {
    let src = Demo::default().toml(
        "[resources]\npayment_priority_days = 4000\npromotion_priority = \"120%\"\nfacings = \"0%\"\n\
         promoters = 2000000\n\n[resources.effects]\nfacings_elasticity = \"1.5\"\n\
         price_protection = { dist = \"uniform\", min = \"50%\", max = \"120%\" }\n\
         eye_level_lift = { dist = \"normal\", mean = \"15%\", sd = \"5%\" }\n",
    );
    let ps = problems(&src);
    let got: Vec<(&str, usize)> = ps.iter().map(|p| (p.key_path.as_str(), p.line)).collect();
    assert_eq!(
        got,
        [
            ("resources.payment_priority_days", line_of(&src, "payment_priority_days = ")),
            ("resources.promotion_priority", line_of(&src, "promotion_priority = ")),
            ("resources.facings", line_of(&src, "facings = \"0%\"")),
            ("resources.promoters", line_of(&src, "promoters = ")),
            ("resources.effects.facings_elasticity", line_of(&src, "facings_elasticity = ")),
            ("resources.effects.eye_level_lift", line_of(&src, "eye_level_lift = ")),
            ("resources.effects.price_protection", line_of(&src, "price_protection = {")),
        ],
        "{ps:#?}"
    );
    assert!(ps[1].message.contains("between 0% and 100%"), "{}", ps[1].message);
    assert!(ps[2].message.contains("at most 500%"), "{}", ps[2].message);
    assert!(ps[6].message.contains("can be drawn as 1.2"), "{}", ps[6].message);
    assert!(ps[5].message.contains("bounded distribution"), "{}", ps[5].message);
}

/// Serde's refusals are located too: negative days, an unknown position with a "did you
/// mean", an unknown key.
#[test]
fn shape_errors_are_located_with_a_hint() {
    let src = Demo::default().toml("[resources]\nshelf_position = \"eye-level\"\n");
    let ps = problems(&src);
    assert_eq!(ps[0].key_path, "resources.shelf_position");
    assert_eq!(ps[0].line, line_of(&src, "shelf_position"));
    assert!(ps[0].message.contains("did you mean `eye_level`?"), "{}", ps[0].message);

    let src = Demo::default().toml("[resources]\npayment_priority_days = -5\n");
    let ps = problems(&src);
    assert_eq!((ps[0].key_path.as_str(), ps[0].line), ("resources.payment_priority_days", line_of(&src, "-5")));

    let src = Demo::default().toml("[resources.effects]\nfacing_elasticity = \"0.2\"\n");
    let ps = problems(&src);
    assert_eq!(ps[0].key_path, "resources.effects.facing_elasticity");
    assert!(ps[0].message.contains("did you mean `facings_elasticity`?"), "{}", ps[0].message);

    let src = Demo::default()
        .toml("[[uncertainty.terms]]\npath = \"resources.facings\"\ndist = \"uniform\"\nmin = \"1\"\nmax = \"1.2\"\n");
    let ps = problems(&src);
    assert_eq!(ps[0].key_path, "uncertainty.terms[0].path");
    assert!(ps[0].message.contains("[resources.effects]"), "{}", ps[0].message);
}

/// Payment priority: financing runs on the effective days. Demo: 10,000 units × 10.00 =
/// 100,000.00 a month; 6% cost of capital, 60 days − 15 days of priority = 45 days:
/// 100,000 × 6% × 45 ÷ 365 = 739.726… → 739.73 a month (each ledger line rounded), × 12.
#[test]
fn payment_priority_shortens_the_financed_days() {
    let base = "[payment]\ncost_of_capital = \"6%\"\n";
    let plain = kasim_core::evaluate(&kasim_core::demo::contract(base).unwrap()).unwrap();
    let c = kasim_core::demo::contract(&format!("{base}\n[resources]\npayment_priority_days = 15\n")).unwrap();
    let s = kasim_core::evaluate(&c).unwrap();
    let month = Decimal::from(100_000) * Decimal::new(6, 2) * Decimal::from(45) / Decimal::from(365);
    assert_eq!(month.round_dp(2), Decimal::new(73973, 2));
    assert_eq!(s.pnl.financing_cost, month.round_dp(2) * Decimal::from(12), "{:?}", s.pnl);
    let month60 = Decimal::from(100_000) * Decimal::new(6, 2) * Decimal::from(60) / Decimal::from(365);
    assert_eq!(plain.pnl.financing_cost, month60.round_dp(2) * Decimal::from(12));
    // More priority days than the terms: nothing financed.
    let c = kasim_core::demo::contract(&format!("{base}\n[resources]\npayment_priority_days = 90\n")).unwrap();
    assert_eq!(kasim_core::evaluate(&c).unwrap().pnl.financing_cost, Decimal::ZERO);
}

/// The resource levels are term paths: negotiation issues and the renegotiation can step
/// them; the settlement follows a stepped payment priority.
#[test]
fn resource_levels_are_terms() {
    let mut c = kasim_core::demo::contract("[payment]\ncost_of_capital = \"6%\"\n").unwrap();
    let before = kasim_core::evaluate(&c).unwrap().pnl.financing_cost;
    kasim_core::terms::set(&mut c, "resources.payment_priority_days", Decimal::from(30)).unwrap();
    let after = kasim_core::evaluate(&c).unwrap().pnl.financing_cost;
    assert_eq!(after * Decimal::TWO, before);
    assert_eq!(kasim_core::terms::get(&c, "resources.payment_priority_days").unwrap(), Decimal::from(30));
    assert_eq!(kasim_core::terms::kind(&c, "resources.facings").unwrap(), kasim_core::terms::TermKind::Rate);
    assert_eq!(kasim_core::terms::kind(&c, "resources.promoters").unwrap(), kasim_core::terms::TermKind::Count);
}

/// `kasim schema` describes the section: the shelf positions, an effect as a number or a
/// distribution.
#[test]
fn the_schema_describes_resources() {
    let s = kasim_core::contract_schema();
    assert!(s["anyOf"][0]["properties"]["resources"].is_object());
    let defs = &s["$defs"];
    let positions = serde_json::to_string(&defs["ShelfPosition"]).unwrap();
    for p in ["eye_level", "standard", "bottom"] {
        assert!(positions.contains(p), "{positions}");
    }
    let effect = serde_json::to_string(&defs["Effect"]).unwrap();
    assert!(effect.contains("#/$defs/Num") && effect.contains("#/$defs/Dist"), "{effect}");
    assert_eq!(defs["Effects"]["additionalProperties"], false);
}
