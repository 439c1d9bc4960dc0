//! Single-target, all-or-nothing rebate (目标返利).
//!
//! **Formula.** Once, in the window's last period: if the base (net purchase value, or net
//! units with `basis = "quantity"`) is **≥ target**, pay `amount`, or `rate × net purchase
//! value`; otherwise 0.
//!
//! **Worked example** (Pricefx, W-6): target 100,000, amount 1,000: purchases 110,000 →
//! 1,000.00; 90,000 → 0.00.
//!
//! ```
//! let rule = r#"
//! [[fees]]
//! id = "target"
//! kind = "target_rebate"
//! target = "100000"
//! amount = "1000"
//! "#;
//! let hit = kasim_core::demo::contract_with_units(&[11000], rule).unwrap();
//! assert_eq!(kasim_core::evaluate(&hit).unwrap().pnl.fees_total.to_string(), "1000.00");
//! let miss = kasim_core::demo::contract_with_units(&[9000], rule).unwrap();
//! assert_eq!(kasim_core::evaluate(&miss).unwrap().pnl.fees_total.to_string(), "0.00");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink, dec, mul};
use crate::fees::formula::Formula;
use crate::fees::tiered_rebate::Basis;
use crate::fees::{FeeKind, SkuSelection};
use crate::money::{Money, Rate};

/// An all-or-nothing rebate on reaching a target. Give exactly one of `amount` and `rate`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetRebate {
    /// `value` (default) or `quantity`.
    #[serde(default)]
    pub basis: Basis,
    /// The target (inclusive).
    pub target: Money,
    /// A fixed amount paid when the target is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// A rate of the whole net purchase value paid when the target is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    /// Restrict to these SKU codes (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: SkuSelection,
}

impl Clause for TargetRebate {
    const TERMS: &'static [&'static str] = &["amount", "rate", "target"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        FeeKind::TargetRebate
    }

    fn skus(&self) -> &[String] {
        &self.skus
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.non_negative("target", self.target);
        match (self.amount, self.rate) {
            (Some(a), None) => ck.non_negative("amount", a),
            (None, Some(x)) => ck.fraction("rate", x),
            _ => ck.err("", "give exactly one of `amount` and `rate`"),
        }
        ck.selection("skus", &self.skus);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "amount" => Some(TermSlot::OptMoney(&mut self.amount)),
            "rate" => Some(TermSlot::OptRate(&mut self.rate)),
            "target" => Some(TermSlot::Money(&mut self.target)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let r = cx.rule;
        let (v, u) = cx.window_base();
        let value = dec(v)?;
        let base = match self.basis {
            Basis::Value => value,
            Basis::Quantity => Decimal::from(u),
        };
        let hit = base >= self.target.0;
        let missed = Formula::MissedTarget { base, target: self.target.0, units: self.basis == Basis::Quantity };
        let (f, amount) = match (self.amount, self.rate) {
            _ if !hit => (missed, Decimal::ZERO),
            (Some(a), _) => {
                let amt = if hit { a.0 } else { Decimal::ZERO };
                (Formula::Fixed { amount: amt }, amt)
            }
            (None, Some(rate)) => {
                let amt = if hit { mul(value, rate.0)? } else { Decimal::ZERO };
                (Formula::Percent { base: value, rate: if hit { rate.0 } else { Decimal::ZERO } }, amt)
            }
            (None, None) => (Formula::Fixed { amount: Decimal::ZERO }, Decimal::ZERO),
        };
        out.emit(r.to, kind, f, amount, true);
        Ok(())
    }
}
