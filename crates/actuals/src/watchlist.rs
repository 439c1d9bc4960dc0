//! The tier watchlist: for every tiered, target and growth rebate and every floor (保底), where
//! the year to date stands and how likely each tier is by year end — the "close to the next
//! tier" view of rebate tools.
//!
//! * **YTD base:** net purchases (delivered − returned) of the rule's SKUs over the closed
//!   periods of its window, at invoice price (value basis) or in units (quantity basis).
//! * **Thresholds:** the tiers' thresholds; for a growth rebate the base that reaches each
//!   growth tier (prior year × (1 + g) for percentage growth, prior year + g for absolute).
//! * **Still needed:** threshold − YTD base (0 once reached), in the rule's basis; the other
//!   measure at the plan's mix (the plan's invoice value per unit over the rule's SKUs in the
//!   open periods).
//! * **P(reach):** the share of scenarios whose settlement reached the tier (the tier state the
//!   settlement records; for a target rebate, that it paid).
//! * **Expected payout:** the mean of what the rule booked over the scenarios. For a floor:
//!   P(it binds) and the expected top-up; its YTD base is what the fees it covers booked in
//!   the closed periods.

use kasim_core::Compiled;
use kasim_core::fees::{Basis, GrowthMeasure, Rule};
use kasim_core::settle::LedgerLine;
use kasim_core::settle::capture::{FLOOR, tier_of};
use kasim_montecarlo::ClauseResults;
use rust_decimal::Decimal;

use crate::track::mean_cents;
use crate::ytd::YearToDate;

/// One threshold of a watched rule.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct WatchTier {
    /// 1-based tier.
    pub tier: usize,
    /// The base to reach (value or units, as the rule's basis).
    pub threshold: Decimal,
    /// Still needed from the open periods (0 when reached).
    pub still_needed: Decimal,
    /// The same in the other measure at the plan's mix (units for a value basis, value for a
    /// quantity basis), when the plan has sales of the rule's SKUs in the open periods.
    pub still_needed_other: Option<Decimal>,
    /// Share of scenarios reaching it by year end.
    pub p_reach: f64,
}

/// A watched rule.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Watch {
    /// Rule id.
    pub rule: String,
    /// English label.
    pub label: String,
    /// Chinese label.
    pub label_zh: String,
    /// `value`, `quantity` or `floor`.
    pub basis: &'static str,
    /// The YTD base (value or units); for a floor, what its covered fees booked so far.
    pub ytd_base: Decimal,
    /// The thresholds (none for a floor).
    pub tiers: Vec<WatchTier>,
    /// Mean payout over the scenarios.
    pub expected_payout: Decimal,
    /// For a floor: the floor amount.
    pub floor: Option<Decimal>,
    /// For a floor: P(it binds).
    pub p_binds: Option<f64>,
}

/// The watchlist of `compiled`'s contract (see the [module docs](self)).
pub fn watchlist(compiled: &Compiled<'_>, ytd: &YearToDate, lines: &[LedgerLine], r: &ClauseResults) -> Vec<Watch> {
    let contract = compiled.contract;
    let closed = ytd.closed.periods;
    let periods = compiled.periods();
    let plan = compiled.plan_outcome();
    let runs = r.len().max(1) as f64;
    let mut out = Vec::new();
    for (i, f) in contract.fees.iter().enumerate() {
        let (basis, thresholds, target): (Basis, Vec<Decimal>, bool) = match &f.rule {
            Rule::TieredRebate(t) => (t.basis, t.tiers.iter().map(|t| t.threshold.get()).collect(), false),
            Rule::TargetRebate(t) => (t.basis, vec![t.target.get()], true),
            Rule::GrowthRebate(g) => {
                let prior = g.prior_year.get();
                let th = g
                    .tiers
                    .iter()
                    .map(|t| match g.measure {
                        GrowthMeasure::Percent => prior * (Decimal::ONE + t.threshold.get()),
                        GrowthMeasure::Absolute => prior + t.threshold.get(),
                    })
                    .collect();
                (g.basis, th, false)
            }
            Rule::GuaranteedMinimum(m) => {
                let covered: Decimal = lines.iter().filter(|l| m.covers.contains(&l.rule)).map(|l| l.amount).sum();
                let binds = (0..r.len()).filter(|&k| r.state(k, i) & FLOOR != 0).count();
                out.push(Watch {
                    rule: f.id.clone(),
                    label: f.label().to_string(),
                    label_zh: f.label_zh().to_string(),
                    basis: "floor",
                    ytd_base: covered,
                    tiers: Vec::new(),
                    expected_payout: mean_cents(&r.column(i)),
                    floor: Some(m.floor.get()),
                    p_binds: Some(binds as f64 / runs),
                });
                continue;
            }
            _ => continue,
        };
        let skus = f.rule.skus();
        let from = usize::from(f.from_period.unwrap_or(1)).max(1) - 1;
        let to = usize::from(f.to_period.unwrap_or(periods as u16)).min(periods);
        let mut ytd_value = Decimal::ZERO;
        let mut ytd_units = Decimal::ZERO;
        let mut plan_value = Decimal::ZERO;
        let mut plan_units = Decimal::ZERO;
        for (s, k) in compiled.skus.iter().enumerate() {
            if !skus.is_empty() && !skus.contains(&k.id) {
                continue;
            }
            for p in from..to {
                if p < closed {
                    let c = ytd.outcome.cell(p, s);
                    let net = Decimal::from(i64::from(c.delivered) - i64::from(c.returned));
                    ytd_units += net;
                    ytd_value += net * k.invoice;
                } else {
                    let c = plan.cell(p, s);
                    let net = Decimal::from(i64::from(c.delivered) - i64::from(c.returned));
                    plan_units += net;
                    plan_value += net * k.invoice;
                }
            }
        }
        let (base, per_unit) = match basis {
            Basis::Value => (ytd_value, (!plan_units.is_zero()).then(|| plan_value / plan_units)),
            Basis::Quantity => (ytd_units, (!plan_units.is_zero()).then(|| plan_value / plan_units)),
        };
        let tiers = thresholds
            .iter()
            .enumerate()
            .map(|(t, &th)| {
                let need = (th - base).max(Decimal::ZERO);
                let other = per_unit.filter(|u| !u.is_zero()).map(|u| match basis {
                    Basis::Value => (need / u).ceil(),
                    Basis::Quantity => (need * u).round_dp(2),
                });
                let reached =
                    (0..r.len())
                        .filter(|&k| {
                            if target { r.cents_of(k, i) != 0 } else { tier_of(r.state(k, i)).is_some_and(|x| x > t) }
                        })
                        .count();
                WatchTier {
                    tier: t + 1,
                    threshold: th,
                    still_needed: need,
                    still_needed_other: other,
                    p_reach: reached as f64 / runs,
                }
            })
            .collect();
        out.push(Watch {
            rule: f.id.clone(),
            label: f.label().to_string(),
            label_zh: f.label_zh().to_string(),
            basis: match basis {
                Basis::Value => "value",
                Basis::Quantity => "quantity",
            },
            ytd_base: base,
            tiers,
            expected_payout: mean_cents(&r.column(i)),
            floor: None,
            p_binds: None,
        });
    }
    out
}
