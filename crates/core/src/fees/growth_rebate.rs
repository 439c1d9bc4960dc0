//! Growth rebate (增长返利) against the prior year.
//!
//! **Formula.** Once, in the window's last period. With current base `CY` (net purchase value,
//! or net units with `basis = "quantity"`) and prior-year base `PY`:
//! growth `g = (CY − PY) ÷ PY` (`measure = "percent"`, default) or `g = CY − PY`
//! (`measure = "absolute"`). The tier is the highest threshold ≤ g (inclusive lower bounds;
//! to pay any growth at all, use a threshold just above zero, e.g. "0.0001"). The rebate is
//! `rate × CY` (`apply_to = "whole"`, default) or `rate × max(0, CY − PY)`
//! (`apply_to = "increment"`); quantity bases pay `per_unit` tiers on units. No tier reached →
//! 0. Optional `cap`.
//!
//! With no prior year (`PY = 0`): `no_baseline = "skip"` (default) pays nothing;
//! `"zero_baseline"` treats growth as unbounded (the top tier) and the increment as `CY`.
//!
//! **Worked example** (W-8): PY 1,000,000, CY 1,150,000, growth 15%; tiers ≥5% → 1%,
//! ≥10% → 2%. Whole: 2% × 1,150,000 = 23,000.00. Increment: 2% × 150,000 = 3,000.00.
//!
//! ```
//! let whole = kasim_core::demo::contract_with_units(&[115000], r#"
//! [[fees]]
//! id = "growth"
//! kind = "growth_rebate"
//! prior_year = "1000000"
//! tiers = [ { threshold = "0.05", rate = "1%" }, { threshold = "0.10", rate = "2%" } ]
//! "#).unwrap();
//! assert_eq!(kasim_core::evaluate(&whole).unwrap().pnl.fees_total.to_string(), "23000.00");
//! let inc = kasim_core::demo::contract_with_units(&[115000], r#"
//! [[fees]]
//! id = "growth"
//! kind = "growth_rebate"
//! prior_year = "1000000"
//! apply_to = "increment"
//! tiers = [ { threshold = "0.05", rate = "1%" }, { threshold = "0.10", rate = "2%" } ]
//! "#).unwrap();
//! assert_eq!(kasim_core::evaluate(&inc).unwrap().pnl.fees_total.to_string(), "3000.00");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::tiers;
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink, dec, mul};
use crate::fees::formula::Formula;
use crate::fees::tiered_rebate::Basis;
use crate::fees::tiers::{Tier, TierValue, from_scale};
use crate::fees::{FeeKind, SkuSelection};
use crate::money::Money;

/// A rebate on growth over the prior year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrowthRebate {
    /// `value` (default) or `quantity`.
    #[serde(default)]
    pub basis: Basis,
    /// The prior year's base (same window, same SKUs).
    pub prior_year: Money,
    /// `percent` (default) or `absolute`.
    #[serde(default)]
    pub measure: GrowthMeasure,
    /// `whole` (default) or `increment`.
    #[serde(default)]
    pub apply_to: GrowthApplyTo,
    /// Tiers on growth, with increasing thresholds.
    pub tiers: Vec<Tier>,
    /// Optional cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Money>,
    /// What to do without a prior year: `skip` (default) or `zero_baseline`.
    #[serde(default)]
    pub no_baseline: NoBaseline,
    /// Restrict to these SKU codes (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: SkuSelection,
}

/// How growth is measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrowthMeasure {
    /// (CY − PY) ÷ PY.
    #[default]
    Percent,
    /// CY − PY.
    Absolute,
}

/// What the growth tier's rate applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrowthApplyTo {
    /// The whole current-year base.
    #[default]
    Whole,
    /// Only the increment over the prior year.
    Increment,
}

/// Treatment of a missing prior year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoBaseline {
    /// Pay nothing.
    #[default]
    Skip,
    /// Treat the prior year as zero: top tier, increment = current year.
    ZeroBaseline,
}

impl GrowthRebate {
    /// The rebate for a current and prior base, with the tier value and the applied base.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the rebate leaves the range of a `Decimal`.
    pub fn amount(&self, current: Decimal) -> Result<(Decimal, Decimal, Decimal), Error> {
        let prior = self.prior_year.0;
        let cur = current.max(Decimal::ZERO);
        let tier = if prior.is_zero() {
            match self.no_baseline {
                NoBaseline::Skip => None,
                NoBaseline::ZeroBaseline => self.tiers.last(),
            }
        } else {
            let g = match self.measure {
                GrowthMeasure::Percent => (cur - prior).checked_div(prior).unwrap_or(Decimal::ZERO),
                GrowthMeasure::Absolute => cur - prior,
            };
            from_scale(&self.tiers, g)
        };
        let applied = match self.apply_to {
            GrowthApplyTo::Whole => cur,
            GrowthApplyTo::Increment => (cur - prior).max(Decimal::ZERO),
        };
        let rate = match tier.map(|t| t.value) {
            Some(TierValue::Rate(r)) => r.0,
            Some(TierValue::PerUnit(u)) => u.0,
            _ => Decimal::ZERO,
        };
        let amount = mul(applied, rate)?;
        Ok((self.cap.map_or(amount, |c| amount.min(c.0)), rate, applied))
    }

}

impl Clause for GrowthRebate {
    const TERMS: &'static [&'static str] = &["cap", "prior_year"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        FeeKind::GrowthRebate
    }

    fn skus(&self) -> &[String] {
        &self.skus
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.non_negative("prior_year", self.prior_year);
        if let Some(c) = self.cap {
            ck.non_negative("cap", c);
        }
        tiers::check(ck, "tiers", &self.tiers, true);
        for (j, t) in self.tiers.iter().enumerate() {
            let bad = match (self.basis, t.value) {
                (Basis::Value, TierValue::PerUnit(_)) => Some("a value basis pays `rate` tiers"),
                (Basis::Quantity, TierValue::Rate(_)) => Some("a quantity basis pays `per_unit` tiers"),
                _ => None,
            };
            if let Some(m) = bad {
                ck.err_at(|| format!("tiers[{j}]"), m);
            }
        }
        ck.selection("skus", &self.skus);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "cap" => Some(TermSlot::OptMoney(&mut self.cap)),
            "prior_year" => Some(TermSlot::Money(&mut self.prior_year)),
            _ => None,
        }
    }

    fn tiers(&mut self) -> Option<&mut Vec<Tier>> {
        Some(&mut self.tiers)
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let r = cx.rule;
        let (v, u) = cx.window_base();
        let current = match self.basis {
            Basis::Value => dec(v)?,
            Basis::Quantity => Decimal::from(u),
        };
        let (amount, rate, applied) = self.amount(current)?;
        let cap = self.cap.map(|c| c.0).filter(|&c| amount == c);
        let units = self.basis == Basis::Quantity;
        let f = Formula::Growth { prior: self.prior_year.0, current, rate, applied, units, cap };
        out.emit(r.to, kind, f, amount, true);
        Ok(())
    }
}
