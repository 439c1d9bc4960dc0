//! The yearly renegotiation chain: the ask by hand, compounding, negotiated values between last
//! year's and the ask on the step grid, the relationship's steps and caps, walk-aways, errors.

use kasim_core::Contract;
use kasim_core::money::Rate;
use kasim_core::multiyear::{Relationship, Renegotiation, Step as ResourceStep};
use kasim_core::terms::{TermKind, get};
use kasim_negotiate::renegotiate::{Ask, Levels, Move, Signing, ask, chain, reanchor, step_resources};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    let (t, pct) = match s.strip_suffix('%') {
        Some(t) => (t, true),
        None => (s, false),
    };
    let v: Decimal = t.parse().unwrap();
    if pct { v / Decimal::ONE_HUNDRED } else { v }
}

fn rules(growth: &str, step: &str, days: i64, negotiate: bool) -> Renegotiation {
    Renegotiation {
        fee_growth: Rate(d(growth)),
        rate_step: Rate(d(step)),
        payment_days_step: days,
        negotiate,
        supplier_strategy: "boulware".into(),
        buyer_strategy: "boulware".into(),
    }
}

const FEES: &str = r#"
[payment]
days = 60

[[fees]]
id = "entry"
kind = "lump_sum"
event = "entry"
amount = "50000"
periods = [1]

[[fees]]
id = "festival"
kind = "lump_sum"
event = "festival"
amount = "100.03"
per = "store"
periods = [1]

[[fees]]
id = "listing"
kind = "listing"
amount = "2000"

[[fees]]
id = "dm"
kind = "dm_fee"
price = "1500"
contracted = 4

[[fees]]
id = "promoters"
kind = "promoter_fee"
promoters = 2
monthly_fee = "2500"

[[fees]]
id = "unconditional"
kind = "unconditional_rebate"
rate = "2%"

[[fees]]
id = "tiered"
kind = "tiered_rebate"
tiers = [ { threshold = "0", rate = "1%" }, { threshold = "1000000", rate = "1.5%" } ]

[[fees]]
id = "target"
kind = "target_rebate"
basis = "value"
target = "1000000"
amount = "10000"

[[fees]]
id = "service"
kind = "service_fee"
rate = "1%"

[[fees]]
id = "floor"
kind = "guaranteed_minimum"
floor = "30000"
covers = ["unconditional"]
"#;

fn small() -> Contract {
    kasim_core::demo::contract(FEES).unwrap()
}

fn handbook() -> Contract {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/handbook-2026.toml");
    kasim_core::load(path).unwrap()
}

fn term(c: &Contract, p: &str) -> Decimal {
    get(c, p).unwrap()
}

#[test]
fn the_ask_by_hand() {
    let c = small();
    let (a, moved) = ask(&c, &rules("8%", "0.5%", 15, false)).unwrap();
    // Fees × 1.08 to the cent; rebate rates + 0.5%; payment days + 15.
    for (p, v) in [
        ("fees.entry.amount", "54000"),
        ("fees.festival.amount", "108.03"), // 108.0324
        ("fees.listing.amount", "2160"),
        ("fees.dm.price", "1620"),
        ("fees.promoters.monthly_fee", "2700"),
        ("fees.target.amount", "10800"),
        ("fees.floor.floor", "32400"),
        ("fees.unconditional.rate", "2.5%"),
        ("fees.tiered.tiers[0].rate", "1.5%"),
        ("fees.tiered.tiers[1].rate", "2%"),
        ("payment.days", "75"),
    ] {
        assert_eq!(term(&a, p), d(v), "{p}");
    }
    // Not asked: the service fee's rate, thresholds, counts, an unset target-rebate rate.
    for p in ["fees.service.rate", "fees.tiered.tiers[1].threshold", "fees.dm.contracted", "fees.promoters.promoters"] {
        assert_eq!(term(&a, p), term(&c, p), "{p}");
    }
    let kasim_core::fees::Rule::TargetRebate(t) = &a.fees.iter().find(|f| f.id == "target").unwrap().rule else {
        panic!()
    };
    assert!(t.rate.is_none(), "an unset rate stays unset");
    let paths: Vec<&str> = moved.iter().map(|t| t.path.as_str()).collect();
    assert_eq!(paths.len(), 11, "{paths:?}");
    assert!(
        moved
            .iter()
            .any(|t| t.path == "payment.days" && t.ask == Some(Ask::Days) && t.last == d("60") && t.asked == d("75"))
    );
    // Rounding half away from zero: 100.03 × 1.5 = 150.045 → 150.05 (not banker's 150.04).
    let (a, _) = ask(&c, &rules("50%", "0", 0, false)).unwrap();
    assert_eq!(term(&a, "fees.festival.amount"), d("150.05"));
    // Rates are held within 0–100%, days at least 0, a fee at least 0.
    let (a, _) = ask(&c, &rules("-100%", "-5%", -90, false)).unwrap();
    assert_eq!(term(&a, "fees.unconditional.rate"), Decimal::ZERO);
    assert_eq!(term(&a, "payment.days"), Decimal::ZERO);
    assert_eq!(term(&a, "fees.entry.amount"), Decimal::ZERO);
}

#[test]
fn a_chain_without_negotiation_compounds_the_ask() {
    let c = small();
    let r = rules("8%", "0.5%", 15, false);
    let years = chain(&c, 3, &r, None).unwrap();
    assert_eq!(years.len(), 3);
    assert_eq!(years[0].record.signing, Signing::AsWritten);
    let (a2, _) = ask(&c, &r).unwrap();
    let (a3, _) = ask(&a2, &r).unwrap();
    for p in kasim_core::terms::list(&c) {
        assert_eq!(get(&years[1].contract, &p).unwrap(), get(&a2, &p).unwrap(), "{p}");
        assert_eq!(get(&years[2].contract, &p).unwrap(), get(&a3, &p).unwrap(), "{p}");
    }
    assert_eq!(term(&years[2].contract, "fees.entry.amount"), d("58320"));
    assert_eq!(term(&years[2].contract, "payment.days"), d("90"));
    for (y, a) in years.iter().skip(1).zip([&a2, &a3]) {
        let rec = &y.record;
        assert_eq!(rec.signing, Signing::Asked);
        assert!(!rec.negotiated && rec.rounds.is_none() && rec.ending.is_none());
        let fees = kasim_core::evaluate(a).unwrap().pnl.fees_total;
        assert_eq!(rec.fees_agreed, fees);
        assert_eq!(rec.fees_asked, fees);
        assert_eq!(rec.fees_anchor, rec.fees_last, "the same plan, no new listings: the anchor is last year's fees");
        let target = (rec.fees_last * d("1.08")).round_dp(2);
        assert_eq!(rec.fee_target, Some(target));
        assert_eq!(rec.satisfaction, Some((fees / target).round_dp(6)));
        assert!(rec.terms.iter().all(|t| t.agreed == t.asked));
    }
    assert_eq!(years[2].record.fees_last, years[1].record.fees_agreed);
    // Same inputs, same chain.
    let again = chain(&c, 3, &r, None).unwrap();
    assert_eq!(
        again.iter().map(|y| &y.record).collect::<Vec<_>>(),
        years.iter().map(|y| &y.record).collect::<Vec<_>>()
    );
}

#[test]
fn reanchored_issues_run_from_last_year_to_the_ask() {
    // 50,000 → 54,000 with a 10,000 step: one interval, both ends on the grid.
    assert_eq!(reanchor(d("50000"), d("54000"), d("10000"), TermKind::Money), (d("50000"), d("54000"), d("4000")));
    // 25,000 over a 10,000 step: three intervals of 8,333.33… are not whole cents, four are.
    assert_eq!(reanchor(d("0"), d("25000"), d("10000"), TermKind::Money), (d("0"), d("25000"), d("6250")));
    // Lower first; 25 days over a 15-day step: 2, 3 or 4 intervals are not whole days → one.
    assert_eq!(reanchor(d("90"), d("65"), d("15"), TermKind::Count), (d("65"), d("90"), d("25")));
    assert_eq!(reanchor(d("60"), d("90"), d("15"), TermKind::Count), (d("60"), d("90"), d("15")));
    assert_eq!(reanchor(d("0.02"), d("0.025"), d("0.005"), TermKind::Rate), (d("0.02"), d("0.025"), d("0.005")));
    // A range of more intervals than any grid: the step as is (the set-up refuses the grid).
    assert_eq!(reanchor(d("0"), d("1000000000"), d("0.01"), TermKind::Money).2, d("0.01"));
    assert_eq!(reanchor(d("0"), d("1000000000000"), Decimal::new(1, 28), TermKind::Money).2, Decimal::new(1, 28));
    // 100.01 over a 10 step: 11 intervals and up to 22 do not cut 10,001 cents (73 × 137) …
    // nor do 10 down to 1 but 1: one interval.
    assert_eq!(reanchor(d("0"), d("100.01"), d("10"), TermKind::Money).2, d("100.01"));
    // Equal values: the one value.
    let (lo, hi, _) = reanchor(d("7"), d("7"), d("1"), TermKind::Count);
    assert_eq!((lo, hi), (d("7"), d("7")));
}

#[test]
fn negotiated_values_lie_between_last_year_and_the_ask_on_the_grid() {
    let mut c = handbook();
    c.negotiation.as_mut().unwrap().supplier.scenarios = 16;
    let r = rules("8%", "0.5%", 0, true);
    let years = chain(&c, 3, &r, None).unwrap();
    for y in &years[1..] {
        let rec = &y.record;
        assert!(rec.negotiated && rec.ending.is_some() && rec.rounds.is_some());
        assert!(matches!(rec.signing, Signing::Agreed | Signing::WalkedAway), "{:?}", rec.signing);
        let neg = y.contract.negotiation.as_ref().unwrap();
        assert_eq!(neg.buyer.fee_target.0, rec.fee_target.unwrap());
        assert_eq!(neg.buyer.last_year_fees.unwrap().0, rec.fees_anchor);
        for issue in &neg.issues {
            let t = rec.terms.iter().find(|t| t.path == issue.path).expect("every issue recorded");
            let (lo, hi) = (t.last.min(t.asked), t.last.max(t.asked));
            if t.last != t.asked {
                assert_eq!((issue.min.0, issue.max.0), (lo, hi), "{}", issue.path);
                assert!(lo <= t.agreed && t.agreed <= hi, "{}: {} not in {lo}..{hi}", issue.path, t.agreed);
            }
            let k = (t.agreed - issue.min.0) / issue.step.0;
            assert!(k.fract().is_zero() && t.agreed <= issue.max.0, "{} off the grid: {}", issue.path, t.agreed);
        }
        // Terms the negotiation does not cover are signed as asked.
        for t in rec.terms.iter().filter(|t| !neg.issues.iter().any(|i| i.path == t.path)) {
            let expect = if rec.signing == Signing::Agreed { t.asked } else { t.last };
            assert_eq!(t.agreed, expect, "{}", t.path);
        }
    }
    // The engine moved at least one issue in year 2 (the handbook's issues are all asked).
    let y2 = &years[1].record;
    assert!(y2.terms.iter().any(|t| t.path == "fees.entry.amount" && t.last == d("50000") && t.asked == d("54000")));
    // Deterministic.
    let again = chain(&c, 3, &r, None).unwrap();
    assert_eq!(
        again.iter().map(|y| &y.record).collect::<Vec<_>>(),
        years.iter().map(|y| &y.record).collect::<Vec<_>>()
    );
}

#[test]
fn a_walk_away_keeps_last_years_terms_and_steps_the_relationship_down() {
    let mut c = handbook();
    let n = c.negotiation.as_mut().unwrap();
    n.supplier.scenarios = 8;
    // No offer beats a BATNA of 100 million: the supplier walks away.
    n.supplier.batna = kasim_core::money::Money(d("100000000"));
    let rel = Relationship { withdraw_below: Rate(d("0")), reward_at: Rate(d("0")), step: ResourceStep::default() };
    let years = chain(&c, 2, &rules("8%", "0.5%", 0, true), Some(&rel)).unwrap();
    let rec = &years[1].record;
    assert_eq!(rec.signing, Signing::WalkedAway);
    assert_eq!(rec.ending, Some(kasim_negotiate::Ending::SupplierNothingAcceptable));
    for t in &rec.terms {
        assert_eq!(t.agreed, t.last, "{}", t.path);
    }
    assert_eq!(rec.fees_agreed, rec.fees_anchor);
    // Satisfaction ≥ reward_at would reward; the walk-away steps down instead.
    assert_eq!(rec.relationship, Move::Down);
    // The handbook has no [resources]: the step down adds the section from its defaults.
    assert!(rec.resources_before.is_none());
    let after = rec.resources_after.as_ref().unwrap();
    assert_eq!((after.promotion_priority.0, after.facings.0, after.payment_priority_days), (d("90%"), d("90%"), 0));
    assert_eq!(years[1].contract.resources.as_ref(), Some(after));
}

#[test]
fn the_relationship_steps_by_satisfaction_within_caps() {
    let c = small();
    let step = ResourceStep::default();
    let r = rules("8%", "0.5%", 15, false);
    let sat = chain(&c, 2, &r, None).unwrap()[1].record.satisfaction.unwrap();
    let moved = |withdraw: Decimal, reward: Decimal| {
        let rel = Relationship { withdraw_below: Rate(withdraw), reward_at: Rate(reward), step: step.clone() };
        chain(&c, 2, &r, Some(&rel)).unwrap()[1].record.relationship
    };
    assert_eq!(moved(sat + d("0.01"), d("2")), Move::Down);
    assert_eq!(moved(sat, sat), Move::Up, "at reward_at: up; at withdraw_below: not down");
    assert_eq!(moved(sat - d("0.01"), sat + d("0.01")), Move::Hold);
    assert_eq!(chain(&c, 2, &r, None).unwrap()[1].record.relationship, Move::Hold);

    let l = Levels { payment_priority_days: 10, green_channel: true, promotion_priority: d("95%"), facings: d("145%") };
    let up = step_resources(l, Move::Up, &step, true, 20);
    assert_eq!(
        up,
        Levels { payment_priority_days: 20, green_channel: true, promotion_priority: d("1"), facings: d("1.5") }
    );
    let down = step_resources(l, Move::Down, &step, true, 60);
    assert_eq!(
        down,
        Levels { payment_priority_days: 0, green_channel: false, promotion_priority: d("85%"), facings: d("135%") }
    );
    // The green channel comes back on a step up only when year 1 had it.
    assert!(step_resources(down, Move::Up, &step, true, 60).green_channel);
    assert!(!step_resources(down, Move::Up, &step, false, 60).green_channel);
    // Floors: promotion priority at 0, facings at 50%.
    let low = Levels { payment_priority_days: 0, green_channel: false, promotion_priority: d("5%"), facings: d("55%") };
    let low = step_resources(low, Move::Down, &step, false, 60);
    assert_eq!((low.promotion_priority, low.facings), (d("0"), d("0.5")));
    assert_eq!(step_resources(l, Move::Hold, &step, true, 60), l);
}

#[test]
fn errors_are_typed_and_located() {
    let c = small();
    let e = chain(&c, 0, &rules("8%", "0", 0, false), None).unwrap_err();
    assert!(matches!(e, kasim_negotiate::Error::OutOfRange { name: "multi_year.years", .. }), "{e}");
    let e = chain(&c, 2, &rules("-101%", "0", 0, false), None).unwrap_err();
    assert!(matches!(e, kasim_negotiate::Error::OutOfRange { name: "multi_year.renegotiation.fee_growth", .. }));
    let mut h = handbook();
    h.negotiation.as_mut().unwrap().supplier.scenarios = 4;
    let mut r = rules("8%", "0", 0, true);
    r.supplier_strategy = "boulwre".into();
    let e = chain(&h, 2, &r, None).unwrap_err();
    assert_eq!(e.suggestion(), Some("boulware"), "{e}");
    // A strategy that needs a setting the contract lacks.
    let mut r = rules("8%", "0", 0, true);
    r.supplier_strategy = "flagship-first".into();
    let e = chain(&h, 2, &r, None).unwrap_err();
    assert!(matches!(e, kasim_negotiate::Error::StrategyNeedsSetting { .. }), "{e}");
    // The buyer's side playing the supplier's strategy.
    let mut r = rules("8%", "0", 0, true);
    r.buyer_strategy = "flagship-first".into();
    assert!(matches!(chain(&h, 2, &r, None).unwrap_err(), kasim_negotiate::Error::WrongSide { .. }));
    // The anchoring buyer has its anchor: last year's planned fees, set every year.
    let mut r = rules("8%", "0.5%", 0, true);
    r.buyer_strategy = "anchoring".into();
    let years = chain(&h, 3, &r, None).unwrap();
    assert!(years[1..].iter().all(|y| y.record.ending.is_some()));
    // A floor grown above its cap is the contract's problem, located at the cap in the file.
    let dir = std::env::temp_dir().join(format!("kasim-renegotiate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("capped.toml");
    let text = kasim_core::demo::Demo::default()
        .toml(&FEES.replace("floor = \"30000\"", "floor = \"30000\"\ncap = \"31000\""));
    std::fs::write(&file, text).unwrap();
    let capped = kasim_core::load(&file).unwrap();
    let e = chain(&capped, 2, &rules("8%", "0", 0, false), None).unwrap_err();
    let msg = format!("{e}");
    assert!(e.core().is_some(), "{msg}");
    assert!(
        msg.contains("capped.toml:") && msg.contains(": fees[9].cap: cap 31000 is below the floor 32400.00"),
        "{msg}"
    );
    // An amount grown beyond the largest one the engine takes is refused, naming the term.
    let mut big = small();
    kasim_core::terms::set(&mut big, "fees.entry.amount", kasim_core::money::MAX_MONEY).unwrap();
    let e = ask(&big, &rules("8%", "0", 0, false)).unwrap_err();
    assert!(
        matches!(&e, kasim_negotiate::Error::OutOfRange { value, .. } if value.contains("fees.entry.amount")),
        "{e}"
    );
    // Without a [negotiation] section, negotiate = true signs the ask.
    let y = chain(&c, 2, &rules("8%", "0.5%", 15, true), None).unwrap();
    assert_eq!(y[1].record.signing, Signing::Asked);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
#[ignore]
fn show_handbook_chain() {
    let file = std::env::var("CHAIN_FILE").unwrap_or_else(|_| "handbook-2026.toml".into());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios").join(file);
    let c = kasim_core::load(path).unwrap();
    let mut years = Vec::new();
    for _ in 0..5 {
        let t = std::time::Instant::now();
        years = chain(&c, 3, &rules("8%", "0.5%", 0, true), None).unwrap();
        eprintln!("3-year chain: {:?}", t.elapsed());
    }
    for y in &years {
        eprintln!("{:#?}", y.record);
    }
}

#[test]
fn every_rule_kind_is_asked_or_not_asked() {
    use kasim_negotiate::renegotiate::{ASKED, NOT_ASKED};
    for tag in kasim_core::fees::RuleTag::ALL {
        let asked = ASKED.iter().any(|(t, ..)| t == tag);
        assert!(asked != NOT_ASKED.contains(tag), "{tag:?} must be in exactly one of ASKED and NOT_ASKED");
    }
    // Every asked field is a term of its rule kind.
    for (tag, field, _) in ASKED {
        let f = field.strip_prefix("tiers[*].").unwrap_or(field);
        assert!(field.starts_with("tiers[") || tag.terms().contains(&f), "{tag:?}.{field}");
    }
}

#[test]
fn a_multi_year_section_without_renegotiation_repeats_year_one() {
    let c = small();
    let mut spec = kasim_core::multiyear::MultiYear {
        years: 3,
        discount_rate: Rate(Decimal::ZERO),
        demand_growth: Rate(Decimal::ZERO),
        slots: None,
        delisting: None,
        renegotiation: None,
        relationship: Some(Relationship::default()),
    };
    let years = kasim_negotiate::renegotiate::multi_year(&c, &spec).unwrap();
    assert_eq!(years.len(), 3);
    for (i, y) in years.iter().enumerate() {
        assert_eq!(y.record.year, i + 1);
        assert_eq!(y.record.signing, if i == 0 { Signing::AsWritten } else { Signing::Unchanged });
        assert_eq!(y.record.relationship, Move::Hold);
        assert_eq!(y.contract.fees, c.fees);
    }
    spec.renegotiation = Some(rules("8%", "0.5%", 15, false));
    let years = kasim_negotiate::renegotiate::multi_year(&c, &spec).unwrap();
    let direct = chain(&c, 3, spec.renegotiation.as_ref().unwrap(), spec.relationship.as_ref()).unwrap();
    assert_eq!(
        years.iter().map(|y| &y.record).collect::<Vec<_>>(),
        direct.iter().map(|y| &y.record).collect::<Vec<_>>()
    );
}

#[test]
fn the_relationship_moves_the_contracts_resources() {
    let c = kasim_core::demo::contract(&format!(
        "{FEES}\n[resources]\ngreen_channel = true\npromotion_priority = \"95%\"\nfacings = \"145%\"\npayment_priority_days = 10\nshelf_position = \"eye_level\"\n"
    ))
    .unwrap();
    let r = rules("8%", "0.5%", 15, false);
    let sat = chain(&c, 2, &r, None).unwrap()[1].record.satisfaction.unwrap();
    let rel = |withdraw: Decimal, reward: Decimal| Relationship {
        withdraw_below: Rate(withdraw),
        reward_at: Rate(reward),
        step: ResourceStep::default(),
    };
    // A reward: capped at 100% and 150%; payment priority + 15 days.
    let up = chain(&c, 2, &r, Some(&rel(d("0"), sat))).unwrap();
    let res = up[1].contract.resources.as_ref().unwrap();
    assert_eq!(up[1].record.relationship, Move::Up);
    assert_eq!((res.promotion_priority.0, res.facings.0, res.payment_priority_days), (d("1"), d("1.5"), 25));
    assert!(res.green_channel);
    assert_eq!(res.shelf_position, kasim_core::resources::ShelfPosition::EyeLevel, "the rest carries over");
    assert_eq!(up[1].record.resources_before, c.resources);
    assert_eq!(up[1].record.resources_after.as_ref(), Some(res));
    // Three years of withdrawal: 95% → 85% → 75%, 145% → 135% → 125%, 10 → 0 → 0 days, the
    // green channel withdrawn; each year starts from the last one's.
    let down = chain(&c, 3, &r, Some(&rel(d("10"), d("10")))).unwrap();
    let levels = |y: &kasim_negotiate::renegotiate::Year| {
        let x = y.contract.resources.as_ref().unwrap();
        (x.promotion_priority.0, x.facings.0, x.payment_priority_days, x.green_channel)
    };
    assert_eq!(levels(&down[1]), (d("0.85"), d("1.35"), 0, false));
    assert_eq!(levels(&down[2]), (d("0.75"), d("1.25"), 0, false));
    assert_eq!(down[2].record.resources_before, down[1].contract.resources);
    // Validation accepts every stepped contract.
    for y in down.iter().chain(&up) {
        kasim_core::evaluate(&y.contract).unwrap();
    }
}

#[test]
fn each_year_starts_from_last_years_contract_on_this_years_plan() {
    // Every SKU a new listing in year 1: it pays the listing fee then, never again.
    let demo = kasim_core::demo::Demo { skus: 2, new_listings: true, ..Default::default() };
    let c = demo.build(FEES).unwrap();
    let mut spec = kasim_core::multiyear::MultiYear {
        years: 3,
        discount_rate: Rate(Decimal::ZERO),
        demand_growth: Rate(d("10%")),
        slots: None,
        delisting: None,
        renegotiation: Some(rules("8%", "0", 0, false)),
        relationship: None,
    };
    let years = kasim_negotiate::renegotiate::multi_year(&c, &spec).unwrap();
    let units = |y: &kasim_negotiate::renegotiate::Year| y.contract.plan.lines[0].units_per_period;
    assert_eq!(units(&years[0]), Some(10_000));
    assert_eq!(units(&years[1]), Some(11_000));
    assert_eq!(units(&years[2]), Some(12_100));
    assert!(years[1..].iter().all(|y| y.contract.skus.iter().all(|t| !t.new_listing)));
    let listing = |y: &kasim_negotiate::renegotiate::Year| {
        let s = kasim_core::evaluate(&y.contract).unwrap();
        s.ledger.iter().filter(|l| l.rule == "listing").map(|l| l.amount).sum::<Decimal>()
    };
    assert_eq!(listing(&years[0]), d("4000"), "2 SKUs × 2,000");
    assert_eq!(listing(&years[1]), Decimal::ZERO);
    // The buyer's target is on its anchor: last year's terms on this year's plan (grown 10%,
    // without last year's listing fees), not on last year's planned fees.
    let r = &years[1].record;
    assert_eq!(r.fees_last, years[0].record.fees_agreed);
    let rollover = kasim_core::multiyear::next_year(&years[0].contract, d("1.1"));
    assert_eq!(r.fees_anchor, kasim_core::evaluate(&rollover).unwrap().pnl.fees_total);
    assert_ne!(r.fees_anchor, r.fees_last);
    assert_eq!(r.fee_target, Some((r.fees_anchor * d("1.08")).round_dp(2)));
    assert_eq!(r.fees_agreed, kasim_core::evaluate(&years[1].contract).unwrap().pnl.fees_total);
    // Without renegotiation: the same terms on the grown plan, as the multi-year run's own chain.
    spec.renegotiation = None;
    let same = kasim_negotiate::renegotiate::multi_year(&c, &spec).unwrap();
    for (y, prev) in same[1..].iter().zip(&same) {
        assert_eq!(y.contract, kasim_core::multiyear::next_year(&prev.contract, d("1.1")));
        assert_eq!(y.record.signing, Signing::Unchanged);
        assert_eq!(y.record.fees_last, prev.record.fees_agreed);
    }
}

#[test]
fn the_portfolio_chain_feeds_the_multi_year_run() {
    use kasim_montecarlo::multiyear::{chain_records, grown_chain};
    use kasim_negotiate::renegotiate::portfolio_chain;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/portfolio/ka-3-years.toml");
    let p = kasim_core::portfolio::load_portfolio(&path).unwrap();
    let mut spec = p.multi_year.clone().unwrap();
    let (chain, records) = portfolio_chain(&p, &spec).unwrap();
    let members = p.members.len();
    assert_eq!((chain.len(), records.len()), (3, 3 * members));
    for (m, c) in p.members.iter().zip(&chain[0]) {
        assert_eq!(&m.contract, c, "year 1 is the file");
    }
    for (i, r) in records.iter().enumerate() {
        assert_eq!((r.year as usize, r.id.as_str()), (i / members + 1, p.members[i % members].id.as_str()));
        assert_eq!(r.planned_fees, kasim_core::evaluate(&chain[i / members][i % members]).unwrap().pnl.fees_total);
        if r.year == 1 {
            assert_eq!(r.ending, "as written");
        } else {
            assert!(r.buyer_target.is_some() && r.satisfaction.is_some());
            assert!(!r.terms.is_empty(), "the ask moved terms at {}", r.id);
            let negotiated = p.members[i % members].contract.negotiation.is_some();
            assert_eq!(r.rounds.is_some(), negotiated);
            for t in &r.terms {
                assert_eq!(kasim_core::terms::get(&chain[i / members][i % members], &t.path).unwrap(), t.agreed);
            }
        }
    }
    // Without renegotiation: exactly the multi-year run's own chain and records.
    spec.renegotiation = None;
    let (chain, records) = portfolio_chain(&p, &spec).unwrap();
    assert_eq!(chain, grown_chain(&p, &spec));
    let theirs = chain_records(&p, &chain).unwrap();
    for (a, b) in records.iter().zip(&theirs) {
        assert_eq!((a.year, &a.id, a.planned_fees, &a.ending), (b.year, &b.id, b.planned_fees, &b.ending));
    }
}

#[test]
fn a_portfolio_of_negotiated_contracts_records_rounds_and_resources() {
    use kasim_negotiate::renegotiate::portfolio_chain;
    let scen = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios").canonicalize().unwrap();
    let dir = std::env::temp_dir().join(format!("kasim-renegotiate-portfolio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("negotiated.toml");
    let text = format!(
        r#"name = "two negotiated chains"

[[contracts]]
file = "{0}/handbook-2026.toml"
id = "handbook"

[[contracts]]
file = "{0}/negotiation-seed-case.toml"
id = "seed"

[multi_year]
years = 3

[multi_year.renegotiation]
fee_growth = "8%"
rate_step = "0.5%"

[multi_year.relationship]
withdraw_below = "96%"
reward_at = "100%"
"#,
        scen.display()
    );
    std::fs::write(&file, text).unwrap();
    let p = kasim_core::portfolio::load_portfolio(&file).unwrap();
    let spec = p.multi_year.clone().unwrap();
    let (chain, records) = portfolio_chain(&p, &spec).unwrap();
    assert_eq!((chain.len(), records.len()), (3, 6));
    let direct = kasim_negotiate::renegotiate::multi_year(&p.members[0].contract, &spec).unwrap();
    for r in &records[2..] {
        assert!(r.rounds.is_some(), "{}: negotiated", r.id);
        assert!(r.ending == "agreed" || r.ending.starts_with("no deal ("), "{}", r.ending);
        // Every recorded term moved, and the agreed value is the year contract's.
        let c = &chain[r.year as usize - 1][usize::from(r.id == "seed")];
        for t in &r.terms {
            assert!(t.last != t.asked || t.last != t.agreed);
            assert_eq!(kasim_core::terms::get(c, &t.path).unwrap(), t.agreed, "{}", t.path);
        }
        // The handbook's buyer ends below 96% of its target (95.2%, see the docs): the
        // relationship steps down and the resources shown are the stepped ones.
        if r.id == "handbook" {
            let y = &direct[r.year as usize - 1].record;
            assert_eq!(y.relationship, Move::Down, "satisfaction {:?}", y.satisfaction);
            let facings = r.resources.iter().find(|(k, _)| k == "resources.facings").unwrap().1;
            assert_eq!(facings, if r.year == 2 { d("0.9") } else { d("0.8") });
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
