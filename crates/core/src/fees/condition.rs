//! Give-get conditions (有条件费用): a fee the retailer earns only by performing. Any rule may
//! carry one `condition` table; the rule stays one unit (its own formula, window and SKUs), and
//! the condition decides what of it is due.
//!
//! | `kind` | Chinese | On | What is conditioned |
//! |---|---|---|---|
//! | `flyer_ran` | 档期执行 | `dm_fee` | each period's DM slots: charged only when the flyer ran |
//! | `facings_delivered` | 陈列到位 | `display_fee` | each period's display slots: in full when the display was in place in at least `min_share` of stores (default 100%), or, with `pro_rata = true`, × the share in place |
//! | `sell_through` | 动销率 | rebates (`tiered_rebate`, `target_rebate`, `growth_rebate`, `unconditional_rebate`) | the whole rule: due only when units sold ÷ units delivered over the rule's base window is at or above `threshold` |
//!
//! **What the retailer delivered** is part of the outcome ([`Performance`], one per period):
//! the plan states it under `[plan.performance]` (default: performed in full), the Monte Carlo
//! draws it from `uncertainty.flyer_run_rate` and `uncertainty.display_compliance`.
//!
//! **Rounding.** A pro-rata display line is `slots × price × share`, with the share exact in
//! millionths, rounded once at the contract's rounding point like any other line.
//!
//! **When a condition fails** the ledger shows a 0.00 line naming it — `condition not met:
//! flyer did not run (档期未执行)` for a period, or `condition not met: sell-through 62.50%
//! below 80% (动销率未达标)` for a rebate — so the user sees the clause did not pay. A DM slot of a
//! flyer that did not run counts as used against a contracted minimum (the supplier booked it;
//! the retailer failed to run it), so no shortfall is charged for it.
//!
//! **Worked example (flyer_ran).** DM fee 2,000 per item; 2 items in the period-3 flyer and 1
//! in period 9; the period-9 flyer did not run → 4,000.00 in period 3 and a 0.00 line in
//! period 9.
//!
//! ```
//! let c = kasim_core::demo::contract_with_skus(2, r#"
//! [plan.performance]
//! flyers_missed = [9]
//!
//! [[plan.promotions]]
//! skus = ["A", "B"]
//! periods = [3]
//! slot = "dm"
//!
//! [[plan.promotions]]
//! skus = ["A"]
//! periods = [9]
//! slot = "dm"
//!
//! [[fees]]
//! id = "dm"
//! kind = "dm_fee"
//! price = "2000"
//! condition = { kind = "flyer_ran" }
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! let amounts: Vec<String> = s.ledger.iter().map(|l| l.amount.to_string()).collect();
//! assert_eq!(amounts, ["4000.00", "0.00"]);
//! assert!(s.ledger[1].formula.contains("flyer did not run"));
//! ```
//!
//! **Worked example (facings_delivered, pro rata).** End-cap 3,000 per period in period 2;
//! the display was in place in 87.5% of stores → 3,000 × 87.5% = 2,625.00.
//!
//! ```
//! let c = kasim_core::demo::contract_with_skus(1, r#"
//! [plan.performance]
//! display_compliance = "87.5%"
//!
//! [[plan.promotions]]
//! skus = ["A"]
//! periods = [2]
//! slot = "end_cap"
//!
//! [[fees]]
//! id = "endcap"
//! kind = "display_fee"
//! price = "3000"
//! condition = { kind = "facings_delivered", pro_rata = true }
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "2625.00");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink};
use crate::fees::formula::Formula;
use crate::fees::{Check, FeeKind, RuleTag};
use crate::money::Rate;
use crate::outcome::{FULL_COMPLIANCE_PPM, Performance};

/// The retailer's expected performance of its give-get obligations (有条件费用的履约): what
/// the `condition` of a fee rule checks. Default: performed in full.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPerformance {
    /// Periods (1-based) whose planned flyer the retailer did not run (档期未执行).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flyers_missed: Vec<u16>,
    /// Share of stores (or facings) with the contracted display in place every period
    /// (陈列到位率), default 100%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_compliance: Option<Rate>,
    /// Periods (1-based) in which no display was in place at all (compliance 0%).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub displays_missed: Vec<u16>,
}

/// A give-get condition on a fee rule (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// DM fee only for the periods whose flyer the retailer ran (档期执行).
    FlyerRan,
    /// Display fee only for the periods the display was in place (陈列到位).
    FacingsDelivered {
        /// Charge the share of stores with the display in place (default false: all or
        /// nothing at `min_share`).
        #[serde(default)]
        pro_rata: bool,
        /// Without `pro_rata`: the share of stores that must have the display in place for
        /// the period's fee to be due (default 100%).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_share: Option<Rate>,
    },
    /// The rule is due only when the retailer's sell-through (units sold ÷ units delivered
    /// over the rule's base window) is at or above `threshold` (动销率).
    SellThrough {
        /// The sell-through required, e.g. "80%".
        threshold: Rate,
    },
}

impl Condition {
    /// The `kind` tag as written in files.
    pub fn code(&self) -> &'static str {
        match self {
            Condition::FlyerRan => "flyer_ran",
            Condition::FacingsDelivered { .. } => "facings_delivered",
            Condition::SellThrough { .. } => "sell_through",
        }
    }

    /// English and Chinese names.
    pub fn names(&self) -> (&'static str, &'static str) {
        match self {
            Condition::FlyerRan => ("flyer ran", "档期执行"),
            Condition::FacingsDelivered { .. } => ("display in place", "陈列到位"),
            Condition::SellThrough { .. } => ("sell-through", "动销率"),
        }
    }

    /// The rule kinds this condition can be put on.
    pub fn applies_to(&self) -> &'static [RuleTag] {
        match self {
            Condition::FlyerRan => &[RuleTag::DmFee],
            Condition::FacingsDelivered { .. } => &[RuleTag::DisplayFee],
            Condition::SellThrough { .. } => {
                &[RuleTag::TieredRebate, RuleTag::TargetRebate, RuleTag::GrowthRebate, RuleTag::UnconditionalRebate]
            }
        }
    }

    /// Checks the condition against the rule it is on (`tag`).
    pub fn check(&self, tag: RuleTag, ck: &mut Check<'_>) {
        if !self.applies_to().contains(&tag) {
            let on: Vec<&str> = self.applies_to().iter().map(|t| t.code()).collect();
            ck.err(
                "condition.kind",
                format!("a `{}` condition applies to {}, not to a `{}` rule", self.code(), on.join(", "), tag.code()),
            );
        }
        match *self {
            Condition::FacingsDelivered { min_share: Some(r), .. } => ck.fraction("condition.min_share", r),
            Condition::SellThrough { threshold } => ck.fraction("condition.threshold", threshold),
            _ => {}
        }
    }

    /// The share (millionths) of period `p`'s slot fee that is due: 0 when the condition
    /// failed, [`FULL_COMPLIANCE_PPM`] when met in full, between for a pro-rata display.
    #[inline]
    pub fn slot_share(&self, perf: Performance) -> u32 {
        match *self {
            Condition::FlyerRan => {
                if perf.flyer_ran {
                    FULL_COMPLIANCE_PPM
                } else {
                    0
                }
            }
            Condition::FacingsDelivered { pro_rata: true, .. } => perf.display_ppm,
            Condition::FacingsDelivered { pro_rata: false, min_share } => {
                let min = min_share.map_or(FULL_COMPLIANCE_PPM, |r| ppm_ceil(r.0));
                if perf.display_ppm >= min { FULL_COMPLIANCE_PPM } else { 0 }
            }
            Condition::SellThrough { .. } => FULL_COMPLIANCE_PPM,
        }
    }

    /// Why a period's slot fee was not due (for the 0.00 line).
    pub fn failed_reason(&self) -> &'static str {
        match self {
            Condition::FlyerRan => "condition not met: flyer did not run (档期未执行)",
            Condition::FacingsDelivered { .. } => "condition not met: display not in place (陈列未到位)",
            Condition::SellThrough { .. } => "condition not met: sell-through below threshold (动销率未达标)",
        }
    }
}

/// A share as millionths, rounded up (a threshold of 33.33335% needs 333,334 ppm).
fn ppm_ceil(r: Decimal) -> u32 {
    let x = (r * Decimal::from(FULL_COMPLIANCE_PPM)).ceil();
    u32::try_from(x.mantissa() / 10i128.pow(x.scale())).unwrap_or(FULL_COMPLIANCE_PPM).min(FULL_COMPLIANCE_PPM)
}

/// A share (0–100%) as millionths, rounded half-up to the millionth.
pub fn ppm(r: Decimal) -> u32 {
    let x = (r.clamp(Decimal::ZERO, Decimal::ONE) * Decimal::from(FULL_COMPLIANCE_PPM)).round();
    u32::try_from(x.mantissa() / 10i128.pow(x.scale())).unwrap_or(FULL_COMPLIANCE_PPM)
}

/// The per-period performance the plan states (empty when it states full performance).
pub fn planned_performance(perf: &PlanPerformance, periods: usize) -> Vec<Performance> {
    let display = perf.display_compliance.map_or(FULL_COMPLIANCE_PPM, |r| ppm(r.0));
    let mut v = vec![Performance { flyer_ran: true, display_ppm: display }; periods];
    for &p in &perf.flyers_missed {
        if let Some(x) = v.get_mut((p as usize).wrapping_sub(1)) {
            x.flyer_ran = false;
        }
    }
    for &p in &perf.displays_missed {
        if let Some(x) = v.get_mut((p as usize).wrapping_sub(1)) {
            x.display_ppm = 0;
        }
    }
    if v.iter().all(|x| *x == Performance::FULL) {
        v.clear();
    }
    v
}

/// Units sold and units delivered of the rule's SKUs over its base window.
pub fn sell_through(cx: &Cx<'_>) -> (i64, i64) {
    let r = cx.rule;
    let (mut sold, mut delivered) = (0i64, 0i64);
    for p in r.base_from..=r.to {
        for (s, c) in cx.cells(p).iter().enumerate() {
            if r.includes(s) {
                sold += i64::from(c.sold);
                delivered += i64::from(c.delivered);
            }
        }
    }
    (sold, delivered)
}

/// Settles a rule under a `sell_through` condition: the rule as usual when met, otherwise one
/// 0.00 line at the window's last period naming the sell-through reached and required. Other
/// kinds apply per period inside the rule (`settle` runs as is).
///
/// # Errors
///
/// What `settle` returns.
pub fn settle_whole<S: Sink>(
    cond: &Condition,
    cx: &Cx<'_>,
    kind: FeeKind,
    out: &mut Out<'_, S>,
    settle: impl FnOnce(&mut Out<'_, S>) -> Result<(), Error>,
) -> Result<(), Error> {
    let Condition::SellThrough { threshold } = *cond else { return settle(out) };
    let (sold, delivered) = sell_through(cx);
    // sold ÷ delivered ≥ threshold ⇔ sold ≥ threshold × delivered (exact; nothing delivered
    // is no sell-through to speak of: not met unless the threshold is 0).
    let met = Decimal::from(sold) >= threshold.0 * Decimal::from(delivered) && (delivered > 0 || threshold.0.is_zero());
    if met {
        return settle(out);
    }
    let measured = if delivered > 0 { Decimal::from(sold) / Decimal::from(delivered) } else { Decimal::ZERO };
    let f = Formula::Unmet { what: "sell-through", measured, required: threshold.0, zh: "动销率未达标" };
    out.emit(cx.rule.to, kind, f, Decimal::ZERO, true);
    Ok(())
}
