//! Margin guarantee: margin compensation at year end (补毛利) and promotion margin funding
//! (保毛利).
//!
//! **Annual (`mode = "annual"`, default).** Over the window and the rule's SKUs, with retail
//! sales `R = Σ sold × shelf price in effect` (promotional and price-matched prices included;
//! supplier funding booked under other rules is not netted into the margin, so a contract
//! with both a price-match and an annual margin clause can charge twice for the same gap —
//! a point to negotiate) and the retailer's cost `C = Σ sold × invoice`,
//! the realised front margin is `M = R − C`; the supplier pays the shortfall against the target
//! margin rate `m*`: `max(0, m* × R − M)`, once, in the window's last period.
//!
//! **Promotion (`mode = "promotion"`).** When the retailer cuts the shelf price for a
//! promotion and wants to keep its margin, the supplier funds, per promoted SKU-period with a
//! promotional price `pp`: `max(0, invoice − pp × (1 − m*)) × units sold` — the rebate that
//! makes `(pp − net cost) ÷ pp = m*` (the guaranteed-profit-margin chargeback of Mantrala et
//! al. 2005). Booked per period.
//!
//! **Worked example (promotion).** Invoice 10.00, shelf 14.29, a 30% cut → promo price 10.00;
//! target margin 25%: funding per unit = 10.00 − 10.00 × 0.75 = 2.50; 10,000 units sold in
//! period 6 → 25,000.00.
//!
//! ```
//! let c = kasim_core::demo::contract(r#"
//! [[plan.promotions]]
//! skus = ["A"]
//! periods = [6]
//! slot = "end_cap"
//! price_cut = "30%"
//!
//! [[fees]]
//! id = "keep-margin"
//! kind = "margin_guarantee"
//! mode = "promotion"
//! target = "25%"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "25000.00");
//! ```
//!
//! **Worked example (annual).** Shelf 14.29 on invoice 10.00: front margin 30.02%; a 32%
//! target over sales of 1,714,800 (120,000 units) → 0.32 × 1,714,800 − 514,800 = 33,936.00.
//!
//! ```
//! let c = kasim_core::demo::contract(r#"
//! [[fees]]
//! id = "margin"
//! kind = "margin_guarantee"
//! target = "32%"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "33936.00");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::api::{Cx, shelf_in_effect};
use crate::fees::book::{Out, Sink, dec, mul};
use crate::fees::formula::Formula;
use crate::fees::{FeeKind, SkuSelection};
use crate::money::Rate;

/// The retailer's target front margin, guaranteed by the supplier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarginGuarantee {
    /// Target front margin on the shelf price, e.g. "30%".
    pub target: Rate,
    /// `annual` (default: 补毛利) or `promotion` (保毛利).
    #[serde(default)]
    pub mode: MarginMode,
    /// Restrict to these SKU codes (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: SkuSelection,
}

/// Which margin guarantee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarginMode {
    /// Year-end shortfall of the realised front margin.
    #[default]
    Annual,
    /// Funding of promotional price cuts.
    Promotion,
}

impl Clause for MarginGuarantee {
    const TERMS: &'static [&'static str] = &["target"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        match self.mode {
            MarginMode::Annual => FeeKind::MarginCompensation,
            MarginMode::Promotion => FeeKind::PromotionMarginFunding,
        }
    }

    fn skus(&self) -> &[String] {
        &self.skus
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        if self.target.0 < Decimal::ZERO || self.target.0 >= Decimal::ONE {
            ck.err("target", format!("target margin must be at least 0% and below 100%, but is {}", self.target));
        }
        ck.selection("skus", &self.skus);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "target" => Some(TermSlot::Rate(&mut self.target)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let r = cx.rule;
        let target = self.target.0;
        match self.mode {
            MarginMode::Annual => {
                let (mut sales, mut cost) = (0i128, 0i128);
                for p in r.base_from..=r.to {
                    for (s, (c, k)) in cx.cells(p).iter().zip(cx.skus()).enumerate() {
                        if !r.includes(s) {
                            continue;
                        }
                        let shelf = shelf_in_effect(c, k);
                        sales += c.sold as i128 * shelf as i128;
                        cost += c.sold as i128 * k.invoice_micro as i128;
                    }
                }
                let (sales, margin) = (dec(sales)?, dec(sales - cost)?);
                let shortfall = (mul(target, sales)? - margin).max(Decimal::ZERO);
                out.emit(r.to, kind, Formula::MarginShortfall { sales, margin, target }, shortfall, true);
            }
            MarginMode::Promotion => {
                let keep = Decimal::ONE - target;
                for p in r.from..=r.to {
                    let (mut funding, mut units) = (Decimal::ZERO, 0u64);
                    for (s, (c, k)) in cx.cells(p).iter().zip(cx.skus()).enumerate() {
                        if !r.includes(s) || c.promo_price_micro == 0 || c.sold == 0 {
                            continue;
                        }
                        let promo = Decimal::new(c.promo_price_micro, 6);
                        let per_unit = (k.invoice - mul(promo, keep)?).max(Decimal::ZERO);
                        if per_unit > Decimal::ZERO {
                            funding += mul(per_unit, Decimal::from(c.sold))?;
                            units += u64::from(c.sold);
                        }
                    }
                    out.emit(p, kind, Formula::PromoFunding { units: Decimal::from(units), target }, funding, false);
                }
            }
        }
        Ok(())
    }
}
