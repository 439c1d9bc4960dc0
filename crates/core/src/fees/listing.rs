//! Listing fee per new SKU (条码费 / 新品进场费), chain-wide or per store.
//!
//! **Formula.** In each listing period: `new SKUs listed that period × amount`, times the
//! stores trading in that period when `per = "store"`. Only SKUs with `new_listing = true`
//! (optionally restricted by `skus`) are charged. With `[proration]`, each SKU pays the share
//! of the year in force from its listing period (monthly 6/12 for a July listing).
//!
//! **Worked example.** 2 new SKUs at 1,500 per SKU per store, 100 stores → 300,000.00.
//!
//! ```
//! let c = kasim_core::demo::contract_with_new_skus(r#"
//! [[fees]]
//! id = "listing"
//! kind = "listing"
//! amount = "1500"
//! per = "store"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "300000.00");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink};
use crate::fees::formula::{Formula, Times};
use crate::fees::{FeeKind, SkuSelection};
use crate::money::Money;

/// A listing fee per new SKU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingFee {
    /// Amount per SKU (per store when `per = "store"`).
    pub amount: Money,
    /// `chain` (default: once per SKU) or `store` (per SKU per store).
    #[serde(default)]
    pub per: ListingPer,
    /// Restrict to these SKU codes (default: every new listing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: SkuSelection,
}

/// Chain-wide or per-store listing fee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingPer {
    /// Once per SKU for the whole chain.
    #[default]
    Chain,
    /// Per SKU per store trading in the listing period.
    Store,
}

impl Clause for ListingFee {
    const TERMS: &'static [&'static str] = &["amount"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        FeeKind::ListingFee
    }

    fn skus(&self) -> &[String] {
        &self.skus
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.non_negative("amount", self.amount);
        ck.selection("skus", &self.skus);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "amount" => Some(TermSlot::Money(&mut self.amount)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        // New listings per period, in one pass over the SKUs (listing periods are 1–52).
        let mut listed = [0u32; 53];
        for s in 0..cx.skus().len() {
            let Some(lp) = cx.new_listing(s).map(usize::from) else { continue };
            if cx.rule.includes(s) && (1..=cx.periods().min(53)).contains(&lp) {
                listed[lp - 1] += 1;
            }
        }
        let mut charged = false;
        for (p, &n) in listed.iter().enumerate().take(cx.periods()) {
            if n == 0 || !cx.rule.active(p) {
                continue;
            }
            charged = true;
            let count = Decimal::from(n);
            let stores = match self.per {
                ListingPer::Chain => None,
                ListingPer::Store => Some(cx.stores(p)),
            };
            let times = i128::from(stores.unwrap_or(1));
            // A SKU listed mid-year pays its share of the year when the contract prorates.
            if let Some(share) = cx.share(p) {
                let unit = self.amount.0;
                let f = Formula::Prorated { count, what: "new SKUs", unit, times: stores.map(Times::stores), share };
                let whole = crate::fees::book::mul(Decimal::from(i128::from(n) * times), unit)?;
                out.emit(p, kind, f, crate::fees::lump_sum::prorated(whole, share)?, true);
                continue;
            }
            let f = Formula::Count { count, what: "new SKUs", unit: self.amount.0, times: stores.map(Times::stores) };
            out.emit_product(p, kind, f, i128::from(n) * times, 0, self.amount.0, true)?;
        }
        // A fixed charge is always booked: with no new listing, a 0.00 line says why.
        if !charged && let Some(p) = (0..cx.periods()).find(|&p| cx.rule.active(p)) {
            let reason = "no new SKU listed in the rule's periods";
            out.emit(p, kind, Formula::Nothing { reason }, Decimal::ZERO, true);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// With no new listing the fee does not vanish: a 0.00 line says why, and
    /// `validate::warnings` says the rule can never charge.
    #[test]
    fn no_new_listing_books_a_zero_line_and_warns() {
        let c = crate::demo::contract("[[fees]]\nid = \"listing\"\nkind = \"listing\"\namount = \"1500\"\n").unwrap();
        let s = crate::evaluate(&c).unwrap();
        assert_eq!(s.ledger.len(), 1);
        let l = &s.ledger[0];
        assert_eq!((l.period, l.amount.to_string()), (1, "0.00".to_string()));
        assert_eq!(l.formula, "nothing due: no new SKU listed in the rule's periods = 0.00");
        assert_eq!(s.pnl.fees_total.to_string(), "0.00");
        let w = crate::validate::warnings(&c);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].0, "fees[0]");
        assert!(w[0].1.contains("never charge"));
        // With new listings: no warning, no zero line.
        let c = crate::demo::contract_with_new_skus("[[fees]]\nid = \"listing\"\nkind = \"listing\"\namount = \"1500\"\n")
            .unwrap();
        assert!(crate::validate::warnings(&c).is_empty());
        let s = crate::evaluate(&c).unwrap();
        assert_eq!(s.ledger.len(), 1);
        assert_eq!(s.ledger[0].amount.to_string(), "3000.00");
    }
}

#[cfg(test)]
mod proration_tests {
    /// Two SKUs listed in July at 1,500 each: monthly proration 6/12 → 1,500.00 (not 3,000).
    #[test]
    fn a_sku_listed_mid_year_pays_its_share() {
        let src = crate::demo::Demo { skus: 2, new_listings: true, ..crate::demo::Demo::default() }
            .toml("[proration]\nconvention = \"monthly\"\n[[fees]]\nid = \"listing\"\nkind = \"listing\"\namount = \"1500\"\n")
            .replace("new_listing = true\n", "new_listing = true\nlisting_period = 7\n");
        let c = crate::load_str(&src, std::path::Path::new("c.toml"), None).unwrap();
        let s = crate::evaluate(&c).unwrap();
        assert_eq!(s.ledger.len(), 1);
        assert_eq!((s.ledger[0].period, s.ledger[0].amount.to_string()), (7, "1500.00".to_string()));
        assert_eq!(s.ledger[0].formula, "2 new SKUs × 1,500.00 × 6/12 months in force = 1,500.00");
    }
}
