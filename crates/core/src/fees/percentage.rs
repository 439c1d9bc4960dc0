//! Percentage fees on purchases or sales: unconditional rebate (无条件返利), service / contract
//! fee (服务费/合同费), logistics / DC fee (配送费) and returns & damages allowance (损耗补贴).
//!
//! **Formula.** `fee = rate × base`, where the base is, over the rule's SKUs:
//! * `net_purchases` (default): Σ (delivered − returned) × invoice price — returns reduce the
//!   base, as credit notes do in SAP;
//! * `gross_purchases`: Σ delivered × invoice price;
//! * `sell_out`: Σ sold × shelf price in effect (the retailer's sales).
//!
//! Settled every period on that period's base (default), or once (`settle = "annual"`) in the
//! window's last period on the whole window's base. A period whose returns exceed its
//! deliveries has a negative base and books a credit (claw-back) rather than being clamped.
//!
//! **Worked example** (Carrefour China's reported 3.5% unconditional discount, deducted
//! monthly): net purchases 100,000.00 a month → 3,500.00 each month, 42,000.00 a year.
//!
//! ```
//! let c = kasim_core::demo::contract(r#"
//! [[fees]]
//! id = "unconditional"
//! kind = "unconditional_rebate"
//! rate = "3.5%"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger.iter().filter(|l| l.rule == "unconditional").count(), 12);
//! assert_eq!(s.ledger[0].amount.to_string(), "3500.00");
//! assert_eq!(s.pnl.fees_total.to_string(), "42000.00");
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink, dec};
use crate::fees::formula::Formula;
use crate::fees::{FeeKind, Settle, SkuSelection};
use crate::money::Rate;

/// A fee that is a percentage of purchases or sales.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PercentFee {
    /// The rate, e.g. "3.5%".
    pub rate: Rate,
    /// The base: `net_purchases` (default), `gross_purchases` or `sell_out`.
    #[serde(default)]
    pub base: PercentBase,
    /// `period` (default) or `annual`.
    #[serde(default)]
    pub settle: Settle,
    /// Restrict to these SKU codes (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: SkuSelection,
}

/// The base of a percentage fee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PercentBase {
    /// Purchases net of returns, at invoice price.
    #[default]
    NetPurchases,
    /// Purchases before returns, at invoice price.
    GrossPurchases,
    /// The retailer's sales: units sold × shelf price in effect.
    SellOut,
}

impl PercentFee {
    pub(crate) fn base_micro(&self, cx: &Cx<'_>, p: usize) -> i128 {
        match self.base {
            PercentBase::NetPurchases => cx.net_value(p),
            PercentBase::GrossPurchases => cx.gross_value(p),
            PercentBase::SellOut => cx.retail_value(p),
        }
    }

}

impl Clause for PercentFee {
    const TERMS: &'static [&'static str] = &["rate"];

    fn kind(&self, tag: RuleTag) -> FeeKind {
        match tag {
            RuleTag::ServiceFee => FeeKind::ServiceFee,
            RuleTag::LogisticsFee => FeeKind::LogisticsFee,
            RuleTag::ReturnsAllowance => FeeKind::ReturnsAllowance,
            _ => FeeKind::UnconditionalRebate,
        }
    }

    fn skus(&self) -> &[String] {
        &self.skus
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.fraction("rate", self.rate);
        if self.settle == Settle::Periodic {
            ck.err(
                "settle",
                "a percentage fee is settled `period` (every period) or `annual`; `periodic` true-ups apply to tiered rebates",
            );
        }
        ck.selection("skus", &self.skus);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "rate" => Some(TermSlot::Rate(&mut self.rate)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let r = cx.rule;
        match self.settle {
            Settle::Period | Settle::Periodic => {
                for p in r.from..=r.to {
                    let micro = self.base_micro(cx, p);
                    let base = dec(micro)?;
                    let f = Formula::Percent { base, rate: self.rate.0 };
                    out.emit_product(p, kind, f, micro, 6, self.rate.0, false)?;
                }
            }
            Settle::Annual => {
                let v = match self.base {
                    PercentBase::NetPurchases => cx.window_base().0,
                    _ => (r.base_from..=r.to).map(|p| self.base_micro(cx, p)).sum(),
                };
                let base = dec(v)?;
                let f = Formula::Percent { base, rate: self.rate.0 };
                out.emit_product(r.to, kind, f, v, 6, self.rate.0, true)?;
            }
        }
        Ok(())
    }
}
