//! Scale (tier) arithmetic shared by tiered and growth rebates.
//!
//! Three semantics, as SAP and rebate tools define them:
//!
//! * **from-scale, retroactive** (SAP scale type A, "back to dollar one"): the tier is the last
//!   one whose threshold is ≤ the base (thresholds are inclusive lower bounds); its rate applies
//!   to the whole base. Below the first threshold nothing is paid.
//! * **to-scale, retroactive** (SAP type B): the tier is the first one whose threshold is ≥ the
//!   base (inclusive upper bounds); above the last threshold **nothing** is paid.
//! * **graduated** (SAP type D, marginal, like tax brackets): thresholds are lower bounds of
//!   bands `[tᵢ, tᵢ₊₁)`; each slice of the base is paid at its own band's rate; the last band is
//!   open-ended. Continuous and, with non-negative rates, non-decreasing in the base.
//!
//! ```
//! use kasim_core::fees::tiers::{Tier, TierValue, from_scale, to_scale, graduated};
//! use rust_decimal::Decimal;
//! let d = |s: &str| s.parse::<Decimal>().unwrap();
//! let t = |th: &str, v: &str| Tier { threshold: d(th).into(), value: TierValue::PerUnit(d(v).into()) };
//! // SAP Note 930537 (W-1): to-scale, 140 PC falls in "≤ 1000" → 20.00/PC → 2,800.00
//! let to = [t("5","10"), t("20","12"), t("100","15"), t("1000","20"), t("999999999","30")];
//! assert_eq!(to_scale(&to, d("140")).map(|t| t.value.amount()), Some(d("20")));
//! // sapcodes graduated (W-2c): 25 units → 10×10 + 10×11 + 5×12 = 270
//! let gr = [t("0","10"), t("10","11"), t("20","12"), t("30","13")];
//! assert_eq!(graduated(&gr, d("25")).unwrap(), d("270"));
//! // from-scale (W-2a): qty 35 → tier "from 30" → 13/unit
//! let from = [t("1","10"), t("10","11"), t("20","12"), t("30","13"), t("40","14"), t("50","15")];
//! assert_eq!(from_scale(&from, d("35")).map(|t| t.value.amount()), Some(d("13")));
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::clause::Check;
use crate::money::{Money, Rate};

/// One level of a scale. Give exactly one of `rate` and `per_unit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(from = "TierDef", into = "TierDef")]
pub struct Tier {
    /// The level's threshold on the scale base: money for a value basis, units for a quantity
    /// basis, a growth rate for a growth rebate (e.g. "0.05").
    pub threshold: Money,
    /// What the level pays.
    pub value: TierValue,
}

/// A tier as written in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierDef {
    /// The threshold: money, units, or a growth rate (`"5%"` or `"0.05"`).
    #[serde(deserialize_with = "threshold")]
    #[schemars(with = "crate::money::Rate")]
    pub threshold: Money,
    /// A rate of the money base, e.g. `rate = "2%"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    /// An amount per unit, e.g. `per_unit = "0.50"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit: Option<Money>,
}

/// Thresholds are amounts or counts, or growth rates written as percentages.
fn threshold<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = Money;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a threshold: a decimal string (\"500000\", \"5%\") or an integer")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
            if v.trim().ends_with('%') {
                crate::money::parse_rate(v).map(Money).map_err(E::custom)
            } else {
                v.parse().map_err(E::custom)
            }
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
            Err(E::custom(format!("float {v} is not accepted: write the threshold as a string, e.g. \"{v}\"")))
        }
    }
    d.deserialize_any(V)
}

impl From<TierDef> for Tier {
    fn from(d: TierDef) -> Tier {
        // Validation reports a tier with both or neither; settle a tier with neither as 0%.
        let value = match (d.rate, d.per_unit) {
            (Some(r), _) => TierValue::Rate(r),
            (None, Some(u)) => TierValue::PerUnit(u),
            (None, None) => TierValue::Missing,
        };
        let value = if d.rate.is_some() && d.per_unit.is_some() { TierValue::Ambiguous } else { value };
        Tier { threshold: d.threshold, value }
    }
}

impl From<Tier> for TierDef {
    fn from(t: Tier) -> TierDef {
        let (rate, per_unit) = match t.value {
            TierValue::Rate(r) => (Some(r), None),
            TierValue::PerUnit(u) => (None, Some(u)),
            TierValue::Missing | TierValue::Ambiguous => (None, None),
        };
        TierDef { threshold: t.threshold, rate, per_unit }
    }
}

/// What a tier pays: a rate of the value base, or an amount per unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TierValue {
    /// A rate of the money base, e.g. `rate = "2%"`.
    Rate(Rate),
    /// An amount per unit, e.g. `per_unit = "0.50"`.
    PerUnit(Money),
    /// Neither given (a validation error; pays nothing).
    Missing,
    /// Both given (a validation error; pays nothing).
    Ambiguous,
}

impl TierValue {
    /// The rate or per-unit amount as a number.
    pub fn amount(self) -> Decimal {
        match self {
            TierValue::Rate(r) => r.0,
            TierValue::PerUnit(m) => m.0,
            TierValue::Missing | TierValue::Ambiguous => Decimal::ZERO,
        }
    }
}

/// The tier reached on a from-scale (inclusive lower bounds), if any.
pub fn from_scale(tiers: &[Tier], base: Decimal) -> Option<&Tier> {
    tiers.iter().rev().find(|t| base >= t.threshold.0)
}

/// The tier reached on a to-scale (inclusive upper bounds); `None` above the last level.
pub fn to_scale(tiers: &[Tier], base: Decimal) -> Option<&Tier> {
    tiers.iter().find(|t| base <= t.threshold.0)
}

/// The graduated amount: Σ valueᵢ × |[tᵢ, tᵢ₊₁) ∩ [0, base]|.
///
/// The base is in the same unit as the thresholds; each band pays its `rate` or `per_unit`
/// times the slice of the base inside it.
///
/// # Errors
///
/// [`Error::Overflow`] when a band's amount leaves the range of a `Decimal`.
pub fn graduated(tiers: &[Tier], base: Decimal) -> Result<Decimal, Error> {
    let mut total = Decimal::ZERO;
    for (i, t) in tiers.iter().enumerate() {
        let lo = t.threshold.0;
        if base <= lo {
            break;
        }
        let hi = tiers.get(i + 1).map_or(base, |n| n.threshold.0.min(base));
        let slice = hi - lo;
        total += crate::fees::book::mul(slice, t.value.amount())?;
    }
    Ok(total)
}

/// The bands of a graduated scale a base reaches: (slice of the base in the band, the band's
/// rate or amount per unit, true when per unit).
pub fn graduated_bands(tiers: &[Tier], base: Decimal) -> Vec<(Decimal, Decimal, bool)> {
    let mut out = Vec::new();
    for (i, t) in tiers.iter().enumerate() {
        let lo = t.threshold.0;
        if base <= lo {
            break;
        }
        let hi = tiers.get(i + 1).map_or(base, |n| n.threshold.0.min(base));
        out.push((hi - lo, t.value.amount(), matches!(t.value, TierValue::PerUnit(_))));
    }
    out
}

/// Checks a scale written at `field` (`"tiers"`): at least one tier, each paying one way, all
/// the same way, with strictly increasing thresholds; rates between 0% and 100% when
/// `rates_are_fractions`.
pub(crate) fn check(ck: &mut Check<'_>, field: &str, tiers: &[Tier], rates_are_fractions: bool) {
    if tiers.is_empty() {
        ck.err(field, "needs at least one tier");
        return;
    }
    for (i, t) in tiers.iter().enumerate() {
        let tp = || format!("{field}[{i}]");
        match t.value {
            TierValue::Missing => ck.err_at(tp, "give either `rate` or `per_unit`"),
            TierValue::Ambiguous => ck.err_at(tp, "give only one of `rate` and `per_unit`, not both"),
            TierValue::Rate(r) if rates_are_fractions => {
                if let Some(m) = crate::fees::clause::not_fraction(r) {
                    ck.err_at(|| format!("{field}[{i}].rate"), m);
                }
            }
            TierValue::Rate(_) => {}
            TierValue::PerUnit(u) => {
                if let Some(m) = crate::fees::clause::negative(u) {
                    ck.err_at(|| format!("{field}[{i}].per_unit"), m);
                }
            }
        }
        if i > 0 {
            let prev = tiers[i - 1].threshold.0;
            if t.threshold.0 <= prev {
                ck.err_at(
                    || format!("{field}[{i}].threshold"),
                    format!(
                        "tier thresholds must strictly increase, but tier {} starts at {} which is not above tier {} ({prev})",
                        i + 1,
                        t.threshold.0,
                        i
                    ),
                );
            }
            if std::mem::discriminant(&t.value) != std::mem::discriminant(&tiers[i - 1].value) {
                ck.err_at(tp, "all tiers must pay the same way (all `rate` or all `per_unit`)");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn rate(th: &str, r: &str) -> Tier {
        Tier { threshold: Money(d(th)), value: TierValue::Rate(Rate(d(r))) }
    }

    #[test]
    fn phocas_graduated_w5() {
        let tiers = [rate("0", "0.05"), rate("10000", "0.10")];
        for (base, want) in [("6000", "300"), ("8000", "400"), ("20000", "1500"), ("10000", "500"), ("0", "0")] {
            assert_eq!(graduated(&tiers, d(base)).unwrap(), d(want), "{base}");
        }
        let per_unit = |th: &str, v: &str| Tier { threshold: Money(d(th)), value: TierValue::PerUnit(Money(d(v))) };
        let units = [per_unit("0", "1"), per_unit("100", "2")];
        for (base, want) in [("20", "20"), ("80", "80"), ("120", "140")] {
            assert_eq!(graduated(&units, d(base)).unwrap(), d(want));
        }
    }

    #[test]
    fn oca_section_total_w4() {
        let tiers = [rate("0", "0.10"), rate("100.01", "0.20"), rate("300.01", "0.30")];
        let t = from_scale(&tiers, d("3800")).unwrap();
        assert_eq!(t.value.amount() * d("3800"), d("1140.00"));
        assert_eq!(from_scale(&tiers, d("1000")).unwrap().value.amount() * d("1000"), d("300.00"));
    }

    #[test]
    fn to_scale_pays_nothing_above_last_level_w2b() {
        let tiers: Vec<Tier> = [("10", "10"), ("20", "11"), ("30", "12"), ("40", "13"), ("50", "14")]
            .iter()
            .map(|(a, b)| Tier { threshold: Money(d(a)), value: TierValue::PerUnit(Money(d(b))) })
            .collect();
        assert!(to_scale(&tiers, d("51")).is_none());
        assert_eq!(to_scale(&tiers, d("50")).unwrap().value.amount(), d("14"));
        assert_eq!(to_scale(&tiers, d("10")).unwrap().value.amount(), d("10"), "upper bound inclusive");
        assert_eq!(to_scale(&tiers, d("10.5")).unwrap().value.amount(), d("11"));
    }

    #[test]
    fn from_scale_boundaries_are_inclusive() {
        let tiers = [rate("10500000", "0.02"), rate("11000000", "0.04")];
        assert!(from_scale(&tiers, d("10499999.99")).is_none());
        assert_eq!(from_scale(&tiers, d("10500000")).unwrap().value.amount(), d("0.02"));
        assert_eq!(from_scale(&tiers, d("11000000")).unwrap().value.amount(), d("0.04"));
    }
}
