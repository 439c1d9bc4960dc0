//! Properties that must hold for every outcome and every parameter choice.

use std::path::Path;

use kasim_core::contract::SlotKind;
use kasim_core::demo::Demo;
use kasim_core::fees::TieredRebate;
use kasim_core::{Compiled, Contract, Outcome};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// A contract with every rule kind, 3 SKUs, one of which is restricted in some rules.
pub const EVERY_RULE: &str = r#"
[payment]
days = 75
cost_of_capital = "7%"
early_payment = { discount = "1%", days = 15 }

[calendar]
promotion_periods = [ { name = "Spring 春节档", periods = [1, 2] }, { name = "Mid-autumn 中秋档", periods = [9] } ]

[[fees]]
id = "entry"
kind = "lump_sum"
event = "entry"
amount = "150000"

[[fees]]
id = "festival"
kind = "lump_sum"
event = "festival"
amount = "300"
per = "store"
periods = [1, 9]

[[fees]]
id = "openings"
kind = "store_opening"
amount = "8000"

[[fees]]
id = "listing"
kind = "listing"
amount = "1500"
per = "store"

[[fees]]
id = "unconditional"
kind = "unconditional_rebate"
rate = "3.5%"

[[fees]]
id = "service"
kind = "service_fee"
rate = "1%"
base = "sell_out"
settle = "annual"

[[fees]]
id = "dc"
kind = "logistics_fee"
rate = "2%"
base = "gross_purchases"

[[fees]]
id = "damages"
kind = "returns_allowance"
rate = "0.5%"

[[fees]]
id = "tiered"
kind = "tiered_rebate"
settle = "periodic"
cap = "90000"
tiers = [ { threshold = "500000", rate = "1%" }, { threshold = "2000000", rate = "2%" }, { threshold = "3000000", rate = "3%" } ]

[[fees]]
id = "graduated"
kind = "tiered_rebate"
method = "graduated"
skus = ["A", "B"]
tiers = [ { threshold = "0", rate = "0.5%" }, { threshold = "1000000", rate = "1%" } ]

[[fees]]
id = "growth"
kind = "growth_rebate"
prior_year = "2500000"
apply_to = "increment"
tiers = [ { threshold = "0.0001", rate = "2%" }, { threshold = "10%", rate = "4%" } ]

[[fees]]
id = "target"
kind = "target_rebate"
target = "3000000"
rate = "0.5%"

[[fees]]
id = "floor"
kind = "guaranteed_minimum"
floor = "200000"
covers = ["unconditional", "tiered", "service"]

[[fees]]
id = "monthly-floor"
kind = "guaranteed_minimum"
per = "period"
floor = "1000"
cap = "60000"
covers = ["dc"]

[[fees]]
id = "dm"
kind = "dm_fee"
price = "2000"
contracted = 6

[[fees]]
id = "endcap"
kind = "display_fee"
slot = "end_cap"
price = "50"
per = "slot_store"
contracted = 2

[[fees]]
id = "promoters"
kind = "promoter_fee"
promoters = 3
monthly_fee = "2800"

[[fees]]
id = "otif"
kind = "stockout_penalty"
threshold = "95%"
rate = "3%"
valuation = "cost"
scope = "promoted_items"

[[fees]]
id = "short-incidents"
kind = "stockout_penalty"
threshold = "90%"
inclusive = true
per_incident = "500"
measure = "period"
scope = "promotion_periods"

[[fees]]
id = "margin"
kind = "margin_guarantee"
target = "31%"

[[fees]]
id = "promo-margin"
kind = "margin_guarantee"
mode = "promotion"
target = "25%"
skus = ["C"]

[[fees]]
id = "price-match"
kind = "price_match"
share = "80%"
"#;

fn every_rule() -> Contract {
    Demo { skus: 3, new_listings: true, ..Demo::default() }.build(EVERY_RULE).expect("every-rule contract loads")
}

prop_compose! {
    fn cell()(ordered in 0u32..20_000, fill in 0u32..=100, ret in 0u32..=10, slots in 0u8..16,
              cut in prop::option::weighted(0.2, 1i64..8_000_000), gap in prop::option::weighted(0.1, 1i64..2_000_000))
              -> (u32, u32, u32, u8, i64, i64) {
        let delivered = ordered * fill / 100;
        let returned = delivered * ret / 100;
        (ordered, delivered, returned, slots, cut.unwrap_or(0), gap.unwrap_or(0))
    }
}

fn outcome(cells: &[(u32, u32, u32, u8, i64, i64)], openings: &[u32]) -> Outcome {
    let mut o = Outcome::new(12, 3);
    for (c, &(ordered, delivered, returned, slots, cut, gap)) in o.cells.iter_mut().zip(cells) {
        c.ordered = ordered;
        c.delivered = delivered;
        c.returned = returned;
        c.sold = delivered - returned;
        c.slots = slots;
        c.promo_price_micro = if slots != 0 { cut } else { 0 };
        c.match_gap_micro = gap;
    }
    o.store_openings.copy_from_slice(openings);
    o
}

proptest! {
    #![proptest_config(ProptestConfig { cases: super::cases(200), ..ProptestConfig::default() })]

    /// Ledger lines sum exactly to the P&L; every line is whole cents; the totals-only path
    /// gives the same totals; floors and caps hold.
    #[test]
    fn ledger_adds_up_and_floors_hold(cells in prop::collection::vec(cell(), 36), openings in prop::collection::vec(0u32..3, 12)) {
        let c = every_rule();
        let m = Compiled::new(&c).unwrap();
        let o = outcome(&cells, &openings);
        let s = m.settle(&o).unwrap();
        let fees: Decimal = s.ledger.iter().filter(|l| l.kind.is_fee()).map(|l| l.amount).sum();
        let fin: Decimal = s.ledger.iter().filter(|l| !l.kind.is_fee()).map(|l| l.amount).sum();
        prop_assert_eq!(fees, s.pnl.fees_total);
        prop_assert_eq!(fin, s.pnl.financing_cost);
        for k in &s.pnl.fees_by_kind {
            let by: Decimal = s.ledger.iter().filter(|l| l.kind == k.kind).map(|l| l.amount).sum();
            prop_assert_eq!(by, k.amount);
        }
        for l in &s.ledger {
            prop_assert_eq!(l.amount.scale(), 2, "{:?}", l);
            prop_assert_eq!(l.amount, l.amount.round_dp(2));
        }
        let p = &s.pnl;
        prop_assert_eq!(p.net_contribution, p.net_invoiced_sales - p.fees_total - p.cost_of_goods - p.financing_cost);
        prop_assert_eq!(m.totals(&o).unwrap(), s.totals.clone());

        // The per-rule capture: each rule's slot is its ledger lines' sum, the payment terms'
        // fees and financing have theirs, the totals are the same, and a floor is flagged
        // exactly when it tops up.
        let mut cap = kasim_core::settle::RuleCapture::new(&c);
        let t = m.settle_rules(&o, &mut cap, &mut kasim_core::settle::Scratch::default()).unwrap();
        prop_assert_eq!(&t, &s.totals);
        let dec = |u: i128| Decimal::from_i128_with_scale(u, 2);
        for (i, f) in c.fees.iter().enumerate() {
            let lines: Decimal = s.ledger.iter().filter(|l| l.rule == f.id).map(|l| l.amount).sum();
            prop_assert_eq!(dec(cap.amounts[i]), lines, "{}", f.id);
            if f.tag() == "guaranteed_minimum" {
                let tops_up = s.ledger.iter().any(|l| l.rule == f.id && l.amount > Decimal::ZERO);
                prop_assert_eq!(cap.states[i] & kasim_core::settle::capture::FLOOR != 0, tops_up, "{}", f.id);
            }
        }
        let rules: Vec<&str> = c.fees.iter().map(|f| f.id.as_str()).collect();
        let terms: Decimal =
            s.ledger.iter().filter(|l| l.kind.is_fee() && !rules.contains(&l.rule.as_str())).map(|l| l.amount).sum();
        prop_assert_eq!(dec(cap.amounts[cap.payment_slot()]), terms);
        prop_assert_eq!(dec(cap.amounts[cap.financing_slot()]), s.pnl.financing_cost);

        // Annual floor over unconditional + tiered + service.
        let covered: Decimal = s.ledger.iter().filter(|l| ["unconditional", "tiered", "service", "floor"].contains(&l.rule.as_str())).map(|l| l.amount).sum();
        prop_assert!(covered >= Decimal::from(200_000));
        // Monthly floor and cap over the DC fee.
        for period in 1..=12u16 {
            let x: Decimal = s.ledger.iter().filter(|l| l.period == period && (l.rule == "dc" || l.rule == "monthly-floor")).map(|l| l.amount).sum();
            prop_assert!(x >= Decimal::from(1000) && x <= Decimal::from(60_000), "period {} total {}", period, x);
        }
        // The tiered rebate's periodic settlements sum to the capped annual amount.
        let tiered: Decimal = s.ledger.iter().filter(|l| l.rule == "tiered").map(|l| l.amount).sum();
        prop_assert!(tiered <= Decimal::from(90_000));
    }

    /// Graduated rebates are continuous and non-decreasing in the base.
    #[test]
    fn graduated_is_continuous_and_non_decreasing(
        steps in prop::collection::vec((1u64..1_000_000, 0u32..=2000), 1..6),
        a in 0u64..10_000_000, b in 0u64..10_000_000,
    ) {
        let mut threshold = 0u64;
        let mut tiers = String::from("method = \"graduated\"\ntiers = [");
        for (i, (step, bp)) in steps.iter().enumerate() {
            if i > 0 { threshold += step; }
            tiers.push_str(&format!("{{ threshold = \"{threshold}\", rate = \"{}\" }},", Decimal::new(*bp as i64, 4)));
        }
        tiers.push(']');
        let r: TieredRebate = toml::from_str(&tiers).unwrap();
        let f = |x: Decimal| r.amount(x, Decimal::ZERO).unwrap().0;
        let (lo, hi) = (Decimal::new(a.min(b) as i64, 2), Decimal::new(a.max(b) as i64, 2));
        prop_assert!(f(lo) <= f(hi));
        // Continuity at every threshold: the jump across one cent is at most max rate × 0.01.
        for t in r.tiers.iter().map(|t| t.threshold.0).filter(|t| *t > Decimal::ZERO) {
            let eps = Decimal::new(1, 2);
            prop_assert!(f(t) - f(t - eps) <= eps * Decimal::new(2000, 4));
        }
    }

    /// Contracts survive a TOML round trip unchanged.
    #[test]
    fn toml_round_trip(rate in 1u32..5000, amount in 0u64..10_000_000, days in 0u32..180) {
        let extra = format!(
            "[payment]\ndays = {days}\n\n[[fees]]\nid = \"a\"\nkind = \"unconditional_rebate\"\nrate = \"{}\"\n\n[[fees]]\nid = \"b\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"{}\"\n\n{}",
            Decimal::new(rate as i64, 5), Decimal::new(amount as i64, 2), EVERY_RULE.replace("[payment]\ndays = 75\n", "[payment_unused]\n").split("[payment_unused]").next().unwrap_or("")
        );
        let c = Demo::default().build(&extra).unwrap();
        let text = c.to_toml().unwrap();
        let back = kasim_core::load_str(&text, Path::new("round-trip.toml"), None).unwrap();
        prop_assert_eq!(back, c);
    }
}

#[test]
fn every_rule_contract_round_trips_and_books_every_kind() {
    let c = every_rule();
    let back = kasim_core::load_str(&c.to_toml().unwrap(), Path::new("rt.toml"), None).unwrap();
    assert_eq!(back, c);
    let m = Compiled::new(&c).unwrap();
    let mut o = m.plan_outcome().clone();
    // Make every kind fire: promotions, price cuts, matches, shortfalls, openings.
    for p in 0..12 {
        for s in 0..3 {
            let cell = o.cell_mut(p, s);
            if (p + s) % 4 == 0 {
                cell.slots = 1 << SlotKind::Dm.index() | 1 << SlotKind::EndCap.index();
                cell.promo_price_micro = 9_000_000;
                cell.delivered = cell.ordered * 85 / 100;
                cell.sold = cell.delivered;
            }
            if p == 5 {
                cell.match_gap_micro = 400_000;
            }
        }
    }
    o.store_openings[3] = 2;
    let s = m.settle(&o).unwrap();
    let kinds: std::collections::BTreeSet<_> = s.ledger.iter().map(|l| l.kind).collect();
    assert!(kinds.len() >= 20, "{kinds:?}");
}
