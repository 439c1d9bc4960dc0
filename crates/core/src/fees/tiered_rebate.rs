//! Tiered rebate (年度返佣 / 有条件返利) on purchase value or quantity.
//!
//! **Semantics** (see [`crate::fees::tiers`]):
//! * `method = "retroactive"` (default), `scale = "from"` (default): the tier whose threshold
//!   is the highest one ≤ the base pays its rate on the **whole** base ("back to dollar one",
//!   SAP scale type A). `scale = "to"`: thresholds are inclusive upper bounds and a base above
//!   the last level pays **nothing** (SAP type B).
//! * `method = "graduated"`: each slice of the base pays its own band's rate (SAP type D).
//!   Value basis pays `rate` tiers; quantity basis pays `per_unit` tiers.
//! * Retroactive tiers pay `rate × value` or `per_unit × units`, whichever the tier gives, on
//!   either basis.
//! * `cap`: the rebate is `min(cap, amount)`.
//! * The base is net purchases (delivered − returned) of the rule's SKUs over the rule's
//!   window; a negative annual base is clamped at zero (no negative rebate on a year).
//!
//! **Settlement.** `settle = "annual"` (default): one line in the window's last period.
//! `settle = "periodic"`: partial settlements: in each period the amount due on the
//! cumulative base to date, less what was already settled; the last period is the final
//! true-up (`final = annual amount − already settled`, negative if the tier reached fell).
//! `settle = "period"`: the scale applies to each period's own base independently.
//!
//! **Worked example** (S/4HANA condition contract, W-3): from 5,000 → 2%, from 20,000 → 4%;
//! purchases 3,000 / 4,000 / 20,000 in three consecutive months (October–December in the
//! source; periods 1–3 here) settled periodically → 0, 140.00,
//! then the true-up 4% × 27,000 − 140 = 940.00.
//!
//! ```
//! let c = kasim_core::demo::contract_with_units(&[300, 400, 2000], r#"
//! [[fees]]
//! id = "tiered"
//! kind = "tiered_rebate"
//! settle = "periodic"
//! to_period = 3
//! tiers = [ { threshold = "5000", rate = "2%" }, { threshold = "20000", rate = "4%" } ]
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! let lines: Vec<String> = s.ledger.iter().map(|l| l.amount.to_string()).collect();
//! assert_eq!(lines, ["140.00", "940.00"]); // October's zero is not booked
//! assert_eq!(s.pnl.fees_total.to_string(), "1080.00");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink, dec, mul};
use crate::fees::formula::Formula;
use crate::fees::tiers::{self, Tier, TierValue};
use crate::fees::{FeeKind, Settle, SkuSelection};
use crate::money::Money;

/// A tiered (scale) rebate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TieredRebate {
    /// Scale basis: `value` (net purchase value, default) or `quantity` (net units).
    #[serde(default)]
    pub basis: Basis,
    /// `retroactive` (default) or `graduated`.
    #[serde(default)]
    pub method: TierMethod,
    /// For retroactive scales: `from` (thresholds are lower bounds, default) or `to`
    /// (thresholds are upper bounds; nothing above the last).
    #[serde(default)]
    pub scale: ScaleDirection,
    /// The levels, with strictly increasing thresholds.
    pub tiers: Vec<Tier>,
    /// Optional cap on the rebate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Money>,
    /// `annual` (default), `periodic` (partial settlements with a final true-up) or `period`.
    #[serde(default = "annual")]
    pub settle: Settle,
    /// Restrict to these SKU codes (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: SkuSelection,
}

fn annual() -> Settle {
    Settle::Annual
}

/// The scale base of a rebate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Net purchase value at invoice price.
    #[default]
    Value,
    /// Net units purchased.
    Quantity,
}

/// Retroactive or graduated tiers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TierMethod {
    /// The tier reached applies to the whole base.
    #[default]
    Retroactive,
    /// Each band's rate applies to the slice of the base inside it.
    Graduated,
}

/// Direction of a retroactive scale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScaleDirection {
    /// From-scale: thresholds are inclusive lower bounds (SAP type A).
    #[default]
    From,
    /// To-scale: thresholds are inclusive upper bounds; above the last, no rebate (SAP type B).
    To,
}

impl TieredRebate {
    /// The rebate on a (value, units) base, capped; also returns the rate or per-unit amount of
    /// the tier reached (retroactive scales).
    ///
    /// ```
    /// use kasim_core::fees::{TieredRebate, Tier};
    /// use rust_decimal::Decimal;
    /// let r: TieredRebate = toml::from_str(r#"
    /// method = "graduated"
    /// tiers = [ { threshold = "0", rate = "5%" }, { threshold = "10000", rate = "10%" } ]
    /// "#).unwrap();
    /// // Phocas W-5: 20,000 → 5% × 10,000 + 10% × 10,000 = 1,500
    /// let (amount, _) = r.amount(Decimal::from(20000), Decimal::ZERO).unwrap();
    /// assert_eq!(amount, Decimal::from(1500));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the rebate leaves the range of a `Decimal`.
    pub fn amount(&self, value: Decimal, units: Decimal) -> Result<(Decimal, Option<Decimal>), Error> {
        let value = value.max(Decimal::ZERO);
        let units = units.max(Decimal::ZERO);
        let scale_base = match self.basis {
            Basis::Value => value,
            Basis::Quantity => units,
        };
        let (amount, rate) = match self.method {
            TierMethod::Graduated => (tiers::graduated(&self.tiers, scale_base)?, None),
            TierMethod::Retroactive => {
                let t = match self.scale {
                    ScaleDirection::From => tiers::from_scale(&self.tiers, scale_base),
                    ScaleDirection::To => tiers::to_scale(&self.tiers, scale_base),
                };
                match t.map(|t| t.value) {
                    Some(TierValue::Rate(r)) => (mul(value, r.0)?, Some(r.0)),
                    Some(TierValue::PerUnit(u)) => (mul(units, u.0)?, Some(u.0)),
                    _ => (Decimal::ZERO, None),
                }
            }
        };
        Ok((self.cap.map_or(amount, |c| amount.min(c.0)), rate))
    }

    fn scale_base(&self, value: Decimal, units: Decimal) -> Decimal {
        match self.basis {
            Basis::Value => value,
            Basis::Quantity => units,
        }
    }

    /// How a (non-cumulative) amount was computed: the tier reached and what it pays, a
    /// graduated scale, or no tier reached (0% of the base).
    /// A cap shows when the amount equals it (the amount is min(uncapped, cap)).
    fn formula(&self, value: Decimal, units: Decimal, rate: Option<Decimal>, amount: Decimal) -> Formula {
        let cap = self.cap.map(|c| c.0).filter(|&c| amount == c);
        match (self.method, rate, cap) {
            (TierMethod::Graduated, _, cap) => Formula::Graduated { base: self.scale_base(value, units), cap },
            (TierMethod::Retroactive, Some(rate), Some(cap)) => {
                let per_unit = !self.pays_rate(rate);
                Formula::Capped { base: if per_unit { units } else { value }, rate, per_unit, cap }
            }
            (TierMethod::Retroactive, Some(rate), None) if self.pays_rate(rate) => Formula::Percent { base: value, rate },
            (TierMethod::Retroactive, Some(rate), None) => Formula::PerUnit { units, unit: rate },
            (TierMethod::Retroactive, None, _) => Formula::Percent { base: value, rate: Decimal::ZERO },
        }
    }

    fn pays_rate(&self, rate: Decimal) -> bool {
        self.tiers.iter().any(|t| matches!(t.value, TierValue::Rate(r) if r.0 == rate))
    }
}

impl Clause for TieredRebate {
    const TERMS: &'static [&'static str] = &["cap"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        FeeKind::TieredRebate
    }

    fn skus(&self) -> &[String] {
        &self.skus
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        tiers::check(ck, "tiers", &self.tiers, true);
        if let Some(c) = self.cap {
            ck.non_negative("cap", c);
        }
        for t in &self.tiers {
            ck.non_negative("tiers", t.threshold);
        }
        if self.method == TierMethod::Graduated {
            let ok = self.tiers.iter().all(|t| {
                matches!(
                    (self.basis, t.value),
                    (Basis::Value, TierValue::Rate(_))
                        | (Basis::Quantity, TierValue::PerUnit(_))
                        | (_, TierValue::Missing | TierValue::Ambiguous)
                )
            });
            if !ok {
                ck.err("tiers", "graduated tiers pay `rate` on a value basis and `per_unit` on a quantity basis");
            }
            if self.scale == ScaleDirection::To {
                ck.err("scale", "`scale = \"to\"` applies to retroactive tiers only");
            }
        }
        ck.selection("skus", &self.skus);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "cap" => Some(TermSlot::OptMoney(&mut self.cap)),
            _ => None,
        }
    }

    fn tiers(&mut self) -> Option<&mut Vec<Tier>> {
        Some(&mut self.tiers)
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let r = cx.rule;
        match self.settle {
            Settle::Annual => {
                let (v, u) = cx.window_base();
                let (value, units) = (dec(v)?, Decimal::from(u));
                let (amount, rate) = self.amount(value, units)?;
                out.emit(r.to, kind, self.formula(value, units, rate, amount), amount, true);
            }
            Settle::Period => {
                for p in r.from..=r.to {
                    let (value, units) = (dec(cx.net_value(p))?, Decimal::from(cx.net_units(p)));
                    let (amount, rate) = self.amount(value, units)?;
                    out.emit(p, kind, self.formula(value, units, rate, amount), amount, false);
                }
            }
            Settle::Periodic => {
                let (mut v, mut u) = (0i128, 0i64);
                for p in r.base_from..r.from {
                    v += cx.net_value(p);
                    u += cx.net_units(p);
                }
                let mut settled = Decimal::ZERO;
                for p in r.from..=r.to {
                    v += cx.net_value(p);
                    u += cx.net_units(p);
                    let (value, units) = (dec(v)?, Decimal::from(u));
                    let (to_date, rate) = self.amount(value, units)?;
                    let f = Formula::TrueUp {
                        base: self.scale_base(value, units),
                        rate,
                        to_date,
                        settled,
                        units: self.basis == Basis::Quantity,
                        cap: self.cap.map(|c| c.0).filter(|&c| to_date == c),
                    };
                    settled += out.emit(p, kind, f, to_date - settled, p == r.to);
                }
            }
        }
        Ok(())
    }
}
