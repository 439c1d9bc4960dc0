//! Lump sums: entry fee (进场费), renewal fee (合同续签费), anniversary (店庆费), festival
//! (节庆费) and other one-off fees.
//!
//! **Formula.** In each listed period (or the first period of each listed month): `amount`, or `amount × stores trading in that period`
//! when `per = "store"`.
//!
//! **Worked example.** Entry fee 200,000 per contract in period 1 → one line of 200,000.00.
//! An anniversary fee of 500 per store in period 9, with 100 stores → 50,000.00.
//!
//! ```
//! let c = kasim_core::demo::contract(r#"
//! [[fees]]
//! id = "anniversary"
//! kind = "lump_sum"
//! event = "anniversary"
//! amount = "500"
//! per = "store"
//! periods = [9]
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "50000.00");
//! assert_eq!(s.ledger[0].period, 9);
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::FeeKind;
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink};
use crate::fees::formula::{Formula, Times};
use crate::money::Money;

/// A lump-sum fee charged in given periods.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LumpSum {
    /// What the fee is for (sets the fee kind): `entry`, `renewal`, `anniversary`,
    /// `festival` or `other`.
    pub event: LumpEvent,
    /// The amount (per contract, or per store).
    pub amount: Money,
    /// `contract` (default) or `store` (× stores trading in the period charged).
    #[serde(default)]
    pub per: LumpPer,
    /// Periods it is charged in (1-based): one charge per listed period. Default: period 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<u16>,
    /// Or: calendar months it is charged in (1–12), booked in the first period of each month —
    /// the same contract reads the same in a monthly or a weekly calendar.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<u16>,
}

/// The event a lump sum pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LumpEvent {
    /// Entry fee (进场费), the first year.
    Entry,
    /// Contract renewal fee (合同续签费), later years.
    Renewal,
    /// Store anniversary fee (店庆费).
    Anniversary,
    /// Festival fee (节庆费).
    Festival,
    /// Any other one-off fee.
    Other,
}

impl LumpEvent {
    /// The fee kind booked.
    pub fn fee_kind(self) -> FeeKind {
        match self {
            LumpEvent::Entry => FeeKind::EntryFee,
            LumpEvent::Renewal => FeeKind::RenewalFee,
            LumpEvent::Anniversary => FeeKind::AnniversaryFee,
            LumpEvent::Festival => FeeKind::FestivalFee,
            LumpEvent::Other => FeeKind::OtherLumpSum,
        }
    }
}

/// Whether a lump sum is per contract or per store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LumpPer {
    /// Once per charge.
    #[default]
    Contract,
    /// Per store trading in the period charged.
    Store,
}

impl Clause for LumpSum {
    const TERMS: &'static [&'static str] = &["amount"];

    fn kind(&self, _: RuleTag) -> FeeKind {
        self.event.fee_kind()
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.non_negative("amount", self.amount);
        if !self.periods.is_empty() && !self.months.is_empty() {
            ck.err("", "give `periods` or `months`, not both");
        }
        ck.periods_in_year("periods", &self.periods);
        ck.months("months", &self.months);
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "amount" => Some(TermSlot::Money(&mut self.amount)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let first_of_month = |m: u16| (0..cx.periods()).find(|&p| cx.month_of(p) == m);
        let charged: Vec<usize> = if !self.months.is_empty() {
            self.months.iter().filter_map(|&m| first_of_month(m)).collect()
        } else if !self.periods.is_empty() {
            self.periods.iter().map(|&p| p as usize - 1).collect()
        } else {
            vec![0]
        };
        if !charged.iter().any(|&p| cx.rule.active(p))
            && let Some(p) = (0..cx.periods()).find(|&p| cx.rule.active(p))
        {
            // Always booked: a lump sum whose periods all fall outside its window says so.
            let reason = "the periods charged are outside the rule's window";
            out.emit(p, kind, Formula::Nothing { reason }, Decimal::ZERO, true);
        }
        for p in charged {
            if !cx.rule.active(p) {
                continue;
            }
            match self.per {
                LumpPer::Contract => {
                    let amount = self.amount.0;
                    out.emit_product(p, kind, Formula::Fixed { amount }, 1, 0, amount, true)?;
                }
                LumpPer::Store => {
                    let stores = cx.stores(p);
                    let f = Formula::Count {
                        count: Decimal::ONE,
                        what: "charge",
                        unit: self.amount.0,
                        times: Some(Times::stores(stores)),
                    };
                    out.emit_product(p, kind, f, i128::from(stores), 0, self.amount.0, true)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// A lump sum whose only (default) period lies before its window can never charge:
    /// validation refuses it at `from_period`, naming the default period.
    #[test]
    fn a_lump_sum_outside_its_window_is_refused() {
        let e = crate::demo::contract(
            "[[fees]]\nid = \"e\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"1000\"\nfrom_period = 4\n",
        )
        .unwrap_err();
        let p = &e.problems()[0];
        assert_eq!(p.key_path, "fees[0].from_period", "{e}");
        assert!(p.message.contains("period 1 (the default") && p.message.contains("never charge"), "{e}");
        let e = crate::demo::contract(
            "[[fees]]\nid = \"e\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"1000\"\nto_period = 3\nperiods = [5, 6]\n",
        )
        .unwrap_err();
        assert_eq!(e.problems()[0].key_path, "fees[0].periods", "{e}");
        // One period inside the window is enough.
        let c = crate::demo::contract(
            "[[fees]]\nid = \"e\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"1000\"\nfrom_period = 4\nperiods = [2, 4]\n",
        )
        .unwrap();
        let s = crate::evaluate(&c).unwrap();
        assert_eq!(s.ledger.len(), 1);
        assert_eq!((s.ledger[0].period, s.ledger[0].amount.to_string()), (4, "1000.00".to_string()));
    }

    /// Charged by month, outside the window: a 0.00 line says why (fixed charges are always
    /// booked).
    #[test]
    fn nothing_charged_books_a_zero_line_with_its_reason() {
        let c = crate::demo::contract(
            "[[fees]]\nid = \"f\"\nkind = \"lump_sum\"\nevent = \"festival\"\namount = \"1000\"\nmonths = [2]\nfrom_period = 6\n",
        )
        .unwrap();
        let s = crate::evaluate(&c).unwrap();
        assert_eq!(s.ledger.len(), 1);
        let l = &s.ledger[0];
        assert_eq!((l.period, l.amount.to_string()), (6, "0.00".to_string()));
        assert_eq!(l.formula, "nothing due: the periods charged are outside the rule's window = 0.00");
    }
}
