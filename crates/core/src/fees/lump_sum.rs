//! Lump sums: entry fee (进场费), renewal fee (合同续签费), anniversary (店庆费), festival
//! (节庆费) and other one-off fees.
//!
//! **Formula.** In each listed period (or the first period of each listed month): `amount`, or `amount × stores trading in that period`
//! when `per = "store"`. With `[proration]`, entry and renewal fees (annual) are
//! `amount × share of the year in force` — from the contract's `start_period`, and per store
//! from each later store opening (see docs/contract-format.md).
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

impl LumpSum {
    /// Books an annual fee charged in period `p` prorated for the share of the year in force:
    /// from the contract's start (per contract, and the stores trading at the start), or from
    /// each later store opening (per store). False when nothing is partial (full charge).
    fn prorate<S: Sink>(&self, cx: &Cx<'_>, p: usize, kind: FeeKind, out: &mut Out<'_, S>) -> Result<bool, Error> {
        let unit = self.amount.0;
        let start = cx.contract_start();
        match self.per {
            LumpPer::Contract => {
                let Some(share) = cx.share(start) else { return Ok(false) };
                let f = Formula::Prorated { count: Decimal::ONE, what: "annual fee", unit, times: None, share };
                out.emit(p, kind, f, prorated(unit, share)?, true);
            }
            LumpPer::Store => {
                // Cohorts: stores trading at the start, then each period's openings up to p.
                let opened: Vec<(usize, u32)> =
                    (0..=p).map(|q| (q, cx.store_openings(q))).filter(|&(_, n)| n > 0).collect();
                let initial = cx.stores(p) - opened.iter().map(|&(_, n)| n).sum::<u32>();
                let cohorts = std::iter::once((start, initial)).chain(opened.iter().map(|&(q, n)| (q.max(start), n)));
                let cohorts: Vec<(usize, u32)> = cohorts.filter(|&(_, n)| n > 0).collect();
                if cohorts.iter().all(|&(q, _)| cx.share(q).is_none()) {
                    return Ok(false);
                }
                for (q, n) in cohorts {
                    let times = Some(Times::stores(n));
                    let whole = crate::fees::book::mul(Decimal::from(n), unit)?;
                    match cx.share(q) {
                        Some(share) => {
                            let f = Formula::Prorated { count: Decimal::ONE, what: "annual fee", unit, times, share };
                            out.emit(p, kind, f, prorated(whole, share)?, true);
                        }
                        None => {
                            let f = Formula::Count { count: Decimal::ONE, what: "charge", unit, times };
                            out.emit(p, kind, f, whole, true);
                        }
                    }
                }
            }
        }
        Ok(true)
    }
}

/// `amount × num ÷ den` (exact to 28 digits; the booker rounds the line).
pub(crate) fn prorated(amount: Decimal, share: crate::fees::api::Share) -> Result<Decimal, Error> {
    let x = crate::fees::book::mul(amount, Decimal::from(share.num))?;
    x.checked_div(Decimal::from(share.den)).ok_or_else(|| Error::overflow_product(amount, Decimal::from(share.num)))
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
        // Entry and renewal fees are annual: prorated for a partial year when the contract says so.
        let annual = matches!(self.event, LumpEvent::Entry | LumpEvent::Renewal);
        for p in charged {
            if !cx.rule.active(p) {
                continue;
            }
            if annual && self.prorate(cx, p, kind, out)? {
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

#[cfg(test)]
mod proration_tests {
    /// An annual entry fee of 12,000 for a contract in force from April: monthly 9/12 →
    /// 9,000.00; daily 275/365 → 9,041.10 (1 April to 31 December is 275 days); actual days in
    /// a leap year 275/366 → 9,016.39. Without `[proration]` the full 12,000.00.
    #[test]
    fn annual_fees_are_prorated_for_a_partial_year() {
        let fee = "[[fees]]\nid = \"entry\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"12000\"\nperiods = [4]\n";
        let run = |proration: &str, year: &str| {
            let src = crate::demo::Demo::default().toml(&format!("{proration}\n{fee}")).replace("year = 2027", year);
            let c = crate::load_str(&src, std::path::Path::new("c.toml"), None).unwrap();
            let s = crate::evaluate(&c).unwrap();
            (s.ledger[0].amount.to_string(), s.ledger[0].formula.clone())
        };
        assert_eq!(run("", "year = 2027").0, "12000.00");
        let monthly = run("[proration]\nconvention = \"monthly\"\nstart_period = 4\n", "year = 2027");
        assert_eq!(monthly, ("9000.00".into(), "1 annual fee × 12,000.00 × 9/12 months in force = 9,000.00".into()));
        let daily = run("[proration]\nconvention = \"daily\"\nstart_period = 4\n", "year = 2027");
        assert_eq!(daily.0, "9041.10", "{daily:?}");
        assert!(daily.1.contains("275/365 days in force"), "{daily:?}");
        let leap = run("[proration]\nconvention = \"daily\"\nyear_days = \"actual\"\nstart_period = 4\n", "year = 2028");
        assert_eq!(leap.0, "9016.39", "{leap:?}");
        assert!(leap.1.contains("275/366 days in force"), "{leap:?}");
        // A festival fee is an event, not an annual fee: never prorated.
        let src = crate::demo::Demo::default().toml(
            "[proration]\nconvention = \"monthly\"\nstart_period = 4\n[[fees]]\nid = \"f\"\nkind = \"lump_sum\"\nevent = \"festival\"\namount = \"12000\"\nperiods = [4]\n",
        );
        let c = crate::load_str(&src, std::path::Path::new("c.toml"), None).unwrap();
        assert_eq!(crate::evaluate(&c).unwrap().ledger[0].amount.to_string(), "12000.00");
    }

    /// Per store: the stores trading at the start pay from the start, a store opened in
    /// October pays 3/12; the lines add up to the fee.
    #[test]
    fn stores_opened_mid_year_pay_their_share() {
        let src = crate::demo::Demo::default()
            .toml(
                "[proration]\nconvention = \"monthly\"\n\
                 [[fees]]\nid = \"renewal\"\nkind = \"lump_sum\"\nevent = \"renewal\"\namount = \"1200\"\nper = \"store\"\nperiods = [12]\n",
            )
            .replace("stores = 100\n", "stores = 100\nstore_openings = [{ period = 10, count = 2 }]\n");
        let c = crate::load_str(&src, std::path::Path::new("c.toml"), None).unwrap();
        let s = crate::evaluate(&c).unwrap();
        let lines: Vec<(String, String)> = s.ledger.iter().map(|l| (l.amount.to_string(), l.formula.clone())).collect();
        assert_eq!(
            lines,
            [
                ("120000.00".to_string(), "1 charge × 1,200.00 × 100 stores = 120,000.00".to_string()),
                ("600.00".to_string(), "1 annual fee × 1,200.00 × 2 stores × 3/12 months in force = 600.00".to_string()),
            ]
        );
        assert_eq!(s.pnl.fees_total.to_string(), "120600.00");
    }
}
