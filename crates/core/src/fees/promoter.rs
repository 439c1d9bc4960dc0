//! Promoter fee (促销员管理费): per promoter per month.
//!
//! **Formula.** In the last period of each charged month: `promoters × monthly fee`. In a
//! weekly calendar a month's fee falls in the last week of that month (week w belongs to month
//! ⌊(w−1)·12/52⌋+1), so weekly and monthly calendars book the same annual amount.
//!
//! **Worked example.** 4 promoters at 3,000 a month for 12 months → 12,000.00 a month,
//! 144,000.00 a year.
//!
//! ```
//! let c = kasim_core::demo::contract(r#"
//! [[fees]]
//! id = "promoters"
//! kind = "promoter_fee"
//! promoters = 4
//! monthly_fee = "3000"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "12000.00");
//! assert_eq!(s.pnl.fees_total.to_string(), "144000.00");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::FeeKind;
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink, mul};
use crate::fees::formula::Formula;
use crate::money::Money;

/// A monthly fee per promoter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoterFee {
    /// Number of promoters.
    pub promoters: u32,
    /// Fee per promoter per month.
    pub monthly_fee: Money,
    /// Months charged (1–12; default all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<u16>,
}

impl Clause for PromoterFee {
    const TERMS: &'static [&'static str] = &["monthly_fee", "promoters"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        FeeKind::PromoterFee
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.non_negative("monthly_fee", self.monthly_fee);
        if self.promoters > 100_000 {
            ck.err("promoters", format!("{} promoters is too many", self.promoters));
        }
        ck.months("months", &self.months);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "promoters" => Some(TermSlot::Count(&mut self.promoters)),
            "monthly_fee" => Some(TermSlot::Money(&mut self.monthly_fee)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let count = Decimal::from(self.promoters);
        let exact = mul(count, self.monthly_fee.0)?;
        for p in cx.rule.from..=cx.rule.to {
            if !cx.month_end(p) {
                continue;
            }
            if !self.months.is_empty() && !self.months.contains(&cx.month_of(p)) {
                continue;
            }
            let f = Formula::Count { count, what: "promoters", unit: self.monthly_fee.0, times: None };
            out.emit(p, kind, f, exact, false);
        }
        Ok(())
    }
}
