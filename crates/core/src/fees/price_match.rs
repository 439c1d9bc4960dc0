//! Price-match funding (最低价补差): when the retailer matches a rival's lower shelf price, the
//! supplier credits the price gap on the units sold in the match window.
//!
//! **Formula.** Per period: `share × Σ gap × units sold` over SKU-periods with a price match,
//! where gap = shelf price in effect − matched price (or the gap given directly). No published
//! computation exists for 最低价 clauses (reference §8); this is the price-protection credit of
//! EDI allowance code 92 applied to units sold, not stock on hand. The matched price is then
//! the shelf price in effect everywhere else: in sell-out bases, retail sales, the retailer's
//! front margin and the annual margin guarantee.
//!
//! **Worked example.** Shelf 14.29 matched down to 13.79 (gap 0.50) in period 5; 10,000 units
//! sold; the supplier funds 100% → 5,000.00.
//!
//! ```
//! let c = kasim_core::demo::contract(r#"
//! [[plan.price_matches]]
//! sku = "A"
//! periods = [5]
//! matched_price = "13.79"
//!
//! [[fees]]
//! id = "price-match"
//! kind = "price_match"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "5000.00");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::FeeKind;
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink};
use crate::fees::formula::Formula;
use crate::money::Rate;

/// Funding of price matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceMatch {
    /// Share of the gap the supplier funds (default 100%).
    #[serde(default = "full")]
    pub share: Rate,
}

fn full() -> Rate {
    Rate::ONE
}

impl Clause for PriceMatch {
    const TERMS: &'static [&'static str] = &["share"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        FeeKind::PriceMatchFunding
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.fraction("share", self.share);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "share" => Some(TermSlot::Rate(&mut self.share)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        for p in cx.rule.from..=cx.rule.to {
            if !cx.period(p).price_matched {
                continue;
            }
            let (mut v, mut units) = (0i128, 0u64);
            for c in cx.cells(p) {
                if c.match_gap_micro > 0 {
                    v += c.match_gap_micro as i128 * c.sold as i128;
                    units += u64::from(c.sold);
                }
            }
            if v == 0 {
                continue;
            }
            let f = Formula::PriceMatch { units: Decimal::from(units), share: self.share.0 };
            out.emit_product(p, kind, f, v, 6, self.share.0, false)?;
        }
        Ok(())
    }
}
