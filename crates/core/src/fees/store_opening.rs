//! Store-opening fee (新店开业费): a fixed amount per new store, charged in the period the
//! store opens.
//!
//! **Formula.** Per period: `new stores opened × amount`.
//!
//! **Worked example.** 3 stores open in period 4 at 20,000 each → 60,000.00 in period 4.
//!
//! ```
//! let c = kasim_core::demo::contract(r#"
//! [[retailer.store_openings]]
//! period = 4
//! count = 3
//!
//! [[fees]]
//! id = "new-stores"
//! kind = "store_opening"
//! amount = "20000"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "60000.00");
//! assert_eq!(s.ledger[0].period, 4);
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

/// A fee per newly opened store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreOpeningFee {
    /// Amount per new store.
    pub amount: Money,
}

impl Clause for StoreOpeningFee {
    const TERMS: &'static [&'static str] = &["amount"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        FeeKind::StoreOpeningFee
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.non_negative("amount", self.amount);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "amount" => Some(TermSlot::Money(&mut self.amount)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        for p in 0..cx.periods() {
            let n = cx.store_openings(p);
            if n == 0 || !cx.rule.active(p) {
                continue;
            }
            let count = Decimal::from(n);
            let f = Formula::Count { count, what: "new stores", unit: self.amount.0, times: None };
            out.emit(p, kind, f, mul(count, self.amount.0)?, false);
        }
        Ok(())
    }
}
