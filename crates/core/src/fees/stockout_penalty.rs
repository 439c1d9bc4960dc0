//! Stockout / fill-rate penalty (缺货罚款), after Walmart's OTIF fine.
//!
//! **Formula.** Fill rate = delivered ÷ ordered (1 when nothing was ordered). With
//! `measure = "sku_period"` (default) each SKU-period is tested; with `"period"` the period's
//! in-scope SKUs are pooled. A test fails when fill < threshold (`inclusive = false`, default)
//! or fill ≤ threshold (`inclusive = true`). The comparison is exact (delivered vs threshold ×
//! ordered, no rounding of the fill rate). For the failing cells, per period:
//! * `rate` given: `rate × Σ short units × unit value`, short = ordered − delivered, valued at
//!   the supplier's unit `cost`, the `invoice` price (Walmart's "3% of COGS" is the retailer's
//!   cost, i.e. our invoice price), or the `shelf` price in effect;
//! * `per_incident` given: `failing tests × amount`.
//!
//! `scope`: `all` periods (default), `promotion_periods` (the calendar's 档期), or
//! `promoted_items` (only SKU-periods on promotion).
//!
//! **Worked example.** Threshold 95%, 3% of short value at cost: ordered 10,000, delivered
//! 9,000 (90%) at cost 6.00 → 3% × 1,000 × 6.00 = 180.00 a month.
//!
//! ```
//! let c = kasim_core::demo::contract_with_plan(r#"fill_rate = "90%""#, r#"
//! [[fees]]
//! id = "otif"
//! kind = "stockout_penalty"
//! threshold = "95%"
//! rate = "3%"
//! valuation = "cost"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "180.00");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::api::{Cx, shelf_in_effect};
use crate::fees::book::{Out, Sink, dec};
use crate::fees::formula::Formula;
use crate::fees::{FeeKind, SkuSelection};
use crate::money::{Money, Rate};

/// A penalty for deliveries short of a fill-rate threshold. Give exactly one of `rate` and
/// `per_incident`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StockoutPenalty {
    /// The fill-rate threshold, e.g. "95%".
    pub threshold: Rate,
    /// When true a fill rate equal to the threshold is also penalised (default false).
    #[serde(default)]
    pub inclusive: bool,
    /// `all` (default), `promotion_periods` or `promoted_items`.
    #[serde(default)]
    pub scope: PenaltyScope,
    /// `sku_period` (default) or `period`.
    #[serde(default)]
    pub measure: PenaltyMeasure,
    /// Fine as a rate of the short units' value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    /// How short units are valued for `rate`: `invoice` (default), `cost` or `shelf`.
    #[serde(default)]
    pub valuation: ShortValuation,
    /// A fixed fine per failing test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_incident: Option<Money>,
    /// Restrict to these SKU codes (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: SkuSelection,
}

/// Which periods or cells a penalty watches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyScope {
    /// Every period.
    #[default]
    All,
    /// Only periods in a named promotion period (档期).
    PromotionPeriods,
    /// Only SKU-periods on promotion.
    PromotedItems,
}

/// The unit a fill rate is tested on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyMeasure {
    /// Each SKU in each period.
    #[default]
    SkuPeriod,
    /// All in-scope SKUs of a period together.
    Period,
}

/// How short units are valued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShortValuation {
    /// Invoice price (the retailer's cost of goods).
    #[default]
    Invoice,
    /// The supplier's unit cost.
    Cost,
    /// The shelf price in effect (lost sales value).
    Shelf,
}

impl StockoutPenalty {
    /// Exact integer test of delivered ÷ ordered against the threshold: with the threshold
    /// written as m ÷ 10^s, compare delivered × 10^s with m × ordered (no rounding).
    /// The threshold as an exact fraction `mantissa / 10^scale`, read once per settlement.
    fn threshold_parts(&self) -> (i128, i128) {
        let t = self.threshold.0;
        (t.mantissa(), 10i128.pow(t.scale().min(20)))
    }

    /// True when `delivered / ordered` is below the threshold (or at it, when inclusive),
    /// compared exactly in integers.
    #[inline]
    fn fails(&self, (mantissa, scale): (i128, i128), ordered: u64, delivered: u64) -> bool {
        if ordered == 0 {
            return false;
        }
        let got = delivered as i128 * scale;
        let need = mantissa * ordered as i128;
        if self.inclusive { got <= need } else { got < need }
    }

}

impl Clause for StockoutPenalty {
    const TERMS: &'static [&'static str] = &["rate", "threshold", "per_incident"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        FeeKind::StockoutPenalty
    }

    fn skus(&self) -> &[String] {
        &self.skus
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.fraction("threshold", self.threshold);
        match (self.rate, self.per_incident) {
            (Some(x), None) => ck.fraction("rate", x),
            (None, Some(a)) => ck.non_negative("per_incident", a),
            _ => ck.err("", "give exactly one of `rate` and `per_incident`"),
        }
        ck.selection("skus", &self.skus);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "threshold" => Some(TermSlot::Rate(&mut self.threshold)),
            "rate" => Some(TermSlot::OptRate(&mut self.rate)),
            "per_incident" => Some(TermSlot::OptMoney(&mut self.per_incident)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let r = cx.rule;
        let threshold = self.threshold_parts();
        // A fully delivered SKU fails only a threshold above 100% (or at it, inclusive); below
        // that, periods without any short delivery cannot fail and are skipped.
        let full_fails = self.fails(threshold, 1, 1);
        for p in r.from..=r.to {
            if !full_fails && !cx.period(p).short {
                continue;
            }
            if self.scope == PenaltyScope::PromotionPeriods && !cx.in_promotion_period(p) {
                continue;
            }
            let (mut incidents, mut short_value, mut ord, mut del) = (0u32, 0i128, 0u64, 0u64);
            for (s, (c, k)) in cx.cells(p).iter().zip(cx.skus()).enumerate() {
                if !r.includes(s) || (self.scope == PenaltyScope::PromotedItems && !c.promoted()) {
                    continue;
                }
                let short = c.ordered.saturating_sub(c.delivered) as i128;
                let unit = match self.valuation {
                    ShortValuation::Invoice => k.invoice_micro,
                    ShortValuation::Cost => k.cost_micro,
                    ShortValuation::Shelf => shelf_in_effect(c, k),
                };
                match self.measure {
                    PenaltyMeasure::SkuPeriod => {
                        if self.fails(threshold, c.ordered.into(), c.delivered.into()) {
                            incidents += 1;
                            short_value += short * unit as i128;
                        }
                    }
                    PenaltyMeasure::Period => {
                        ord += u64::from(c.ordered);
                        del += u64::from(c.delivered);
                        short_value += short * unit as i128;
                    }
                }
            }
            if self.measure == PenaltyMeasure::Period {
                if self.fails(threshold, ord, del) {
                    incidents = 1;
                } else {
                    short_value = 0;
                }
            }
            if incidents == 0 {
                continue;
            }
            match (self.rate, self.per_incident) {
                (Some(rate), _) => {
                    let base = dec(short_value)?;
                    let f = Formula::Percent { base, rate: rate.0 };
                    out.emit_product(p, kind, f, short_value, 6, rate.0, false)?;
                }
                (None, Some(fine)) => {
                    let count = Decimal::from(incidents);
                    let f = Formula::Count { count, what: "incidents", unit: fine.0, times: None };
                    out.emit_product(p, kind, f, incidents.into(), 0, fine.0, false)?;
                }
                (None, None) => {}
            }
        }
        Ok(())
    }
}
