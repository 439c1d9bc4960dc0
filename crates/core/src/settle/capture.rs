//! Per-rule capture: what each fee rule (clause) booked in one settlement, and whether it
//! bound, for analyses clause by clause (`kasim brief`).
//!
//! [`RuleCapture`] is a [`Sink`] that keeps no lines: the booker hands it every booked amount
//! with the rule it belongs to ([`Sink::rule_booked`]), and it adds the amount to that rule's
//! slot, in units of the last booked decimal (cents by default). The totals-only path (`()`)
//! and the ledger are unchanged: the hook is compiled away for sinks that do not ask for it.
//!
//! **Binding state** ([`RuleCapture::states`], one byte per rule), read from the formulas the
//! rule booked, at no cost to the rules themselves:
//! * [`FLOOR`]: a guaranteed minimum (保底) booked a positive top-up — the floor bound, and the
//!   covered rate-based fees were topped up to it;
//! * [`CAP`]: a cap limited the amount (a capped tiered or growth rebate; a guaranteed
//!   minimum's cap refunding an excess);
//! * the tier reached (bits 2–7, read with [`tier_of`]): for rules with a scale (tiered and
//!   growth rebates), the 1-based tier of the rule's last line, found from the rate or
//!   per-unit amount the line applied (retroactive scales: the highest tier paying that
//!   amount) or from the base (graduated scales: the number of thresholds at or below it);
//!   0 when no tier was reached or the rule has no scale.
//!
//! Whether a conditional rule *fired* (a stockout penalty, a margin guarantee's shortfall, a
//! target or growth rebate paying) is its amount being non-zero; the state does not repeat it.

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::contract::Contract;
use crate::fees::FeeKind;
use crate::fees::book::Sink;
use crate::fees::formula::Formula;

use super::{Compiled, Scratch, Totals};
use crate::error::Error;
use crate::outcome::Outcome;

/// State bit: a guaranteed minimum's floor bound (it booked a positive top-up).
pub const FLOOR: u8 = 1;
/// State bit: a cap limited the rule's amount.
pub const CAP: u8 = 2;

/// The 1-based tier a rule reached, from its state byte (`None`: no tier reached, or no scale).
pub fn tier_of(state: u8) -> Option<usize> {
    let t = usize::from(state >> 2);
    (t > 0).then_some(t)
}

/// A rule's scale, as the capture reads it.
#[derive(Clone, Debug, Default)]
struct Scale {
    /// Rate or per-unit amount of each tier, in order.
    amounts: Vec<Decimal>,
    /// Threshold of each tier, in order.
    thresholds: Vec<Decimal>,
}

/// What every rule booked in one settlement (see the [module docs](self)).
///
/// Slots: one per fee rule in `contract.fees` order, then one for the fees the payment terms
/// book (early-payment discounts), then one for financing. The fee slots add up exactly to the
/// settlement's fees total; the last slot equals its financing.
#[derive(Clone, Debug)]
pub struct RuleCapture {
    /// Booked amount per slot, in units of the last booked decimal (`10^−decimals`).
    pub amounts: Vec<i128>,
    /// Binding state per fee rule ([`FLOOR`], [`CAP`], tier via [`tier_of`]).
    pub states: Vec<u8>,
    scales: Arc<[Scale]>,
    decimals: u32,
}

impl RuleCapture {
    /// A capture for `contract`'s rules (build once per worker; [`Compiled::settle_rules`]
    /// clears it before each settlement).
    pub fn new(contract: &Contract) -> RuleCapture {
        let scales: Vec<Scale> = contract
            .fees
            .iter()
            .map(|f| {
                let mut rule = f.rule.clone();
                rule.tiers()
                    .map(|t| Scale {
                        amounts: t.iter().map(|t| t.value.amount()).collect(),
                        thresholds: t.iter().map(|t| t.threshold.0).collect(),
                    })
                    .unwrap_or_default()
            })
            .collect();
        let n = scales.len();
        RuleCapture {
            amounts: vec![0; n + 2],
            states: vec![0; n],
            scales: scales.into(),
            decimals: contract.rounding.decimals,
        }
    }

    /// Number of fee rules.
    pub fn rules(&self) -> usize {
        self.states.len()
    }

    /// Decimals of the amounts (the contract's rounding decimals).
    pub fn decimals(&self) -> u32 {
        self.decimals
    }

    /// Slot of the fees booked by the payment terms (early-payment discounts).
    pub fn payment_slot(&self) -> usize {
        self.rules()
    }

    /// Slot of financing.
    pub fn financing_slot(&self) -> usize {
        self.rules() + 1
    }

    /// Clears every slot and state.
    pub fn clear(&mut self) {
        self.amounts.iter_mut().for_each(|a| *a = 0);
        self.states.iter_mut().for_each(|s| *s = 0);
    }

    /// The 1-based tier of rule `i`'s scale a line's formula shows, if any.
    fn tier(&self, i: usize, f: &Formula) -> Option<u8> {
        let s = &self.scales[i];
        if s.amounts.is_empty() {
            return None;
        }
        let by_rate = |r: Decimal| s.amounts.iter().rposition(|&a| a == r).map_or(0, |t| t + 1);
        let by_base = |b: Decimal| s.thresholds.iter().filter(|&&t| t <= b).count();
        let t = match *f {
            Formula::Percent { rate, .. } | Formula::Capped { rate, .. } | Formula::Growth { rate, .. } => {
                by_rate(rate)
            }
            Formula::PerUnit { unit, .. } => by_rate(unit),
            Formula::TrueUp { rate: Some(r), .. } => by_rate(r),
            Formula::TrueUp { rate: None, base, .. } | Formula::Graduated { base, .. } => by_base(base),
            Formula::MissedTarget { .. } => 0,
            _ => return None,
        };
        Some(t.min(63) as u8)
    }
}

impl Sink for RuleCapture {
    const KEEPS_LINES: bool = false;
    const KEEPS_RULES: bool = true;

    #[inline]
    fn record(&mut self, _: &crate::fees::book::Line) {}

    #[inline]
    fn rule_booked(&mut self, rule: Option<usize>, kind: FeeKind, units: i128, formula: Option<&Formula>) {
        let slot = match rule {
            _ if kind == FeeKind::Financing => self.financing_slot(),
            None => self.payment_slot(),
            Some(i) => i,
        };
        self.amounts[slot] += units;
        let (Some(i), Some(f)) = (rule, formula) else { return };
        let mut state = self.states[i];
        match *f {
            Formula::Floor { .. } if units > 0 => state |= FLOOR,
            Formula::Floor { .. } if units < 0 => state |= CAP,
            Formula::Capped { .. }
            | Formula::Graduated { cap: Some(_), .. }
            | Formula::TrueUp { cap: Some(_), .. }
            | Formula::Growth { cap: Some(_), .. } => state |= CAP,
            _ => {}
        }
        if let Some(t) = self.tier(i, f) {
            state = (state & 3) | (t << 2);
        }
        self.states[i] = state;
    }
}

impl Compiled<'_> {
    /// Settles an outcome keeping totals and what each rule booked (no ledger lines): the
    /// capture is cleared first, then filled (see [`RuleCapture`]).
    ///
    /// # Errors
    ///
    /// As [`Compiled::settle_into`].
    pub fn settle_rules(&self, o: &Outcome, capture: &mut RuleCapture, scratch: &mut Scratch) -> Result<Totals, Error> {
        capture.clear();
        self.settle_with(o, capture, scratch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Per-rule amounts add up to the fees total and financing, and equal the ledger's lines
    /// per rule; a binding floor and the tier reached are flagged.
    #[test]
    fn capture_adds_up_and_flags_binding() {
        let c = crate::demo::contract_with_units(
            &[600000],
            r#"
[[fees]]
id = "entry"
kind = "lump_sum"
event = "entry"
amount = "1000"

[[fees]]
id = "sales-fee"
kind = "service_fee"
rate = "15%"

[[fees]]
id = "floor"
kind = "guaranteed_minimum"
floor = "1500000"
covers = ["sales-fee"]
per = "annual"

[[fees]]
id = "tiered"
kind = "tiered_rebate"
tiers = [ { threshold = "0", rate = "1%" }, { threshold = "5000", rate = "2%" }, { threshold = "999999999999", rate = "4%" } ]
"#,
        )
        .unwrap();
        let m = Compiled::new(&c).unwrap();
        let mut cap = RuleCapture::new(&c);
        let t = m.settle_rules(m.plan_outcome(), &mut cap, &mut Scratch::default()).unwrap();
        let s = m.settle(m.plan_outcome()).unwrap();
        let dec = |u: i128| Decimal::from_i128_with_scale(u, cap.decimals());
        let fees: Decimal = cap.amounts[..=cap.payment_slot()].iter().map(|&u| dec(u)).sum();
        assert_eq!(fees, t.fees_total());
        assert_eq!(dec(cap.amounts[cap.financing_slot()]), t.financing());
        for (i, f) in c.fees.iter().enumerate() {
            let ledger: Decimal = s.ledger.iter().filter(|l| l.rule == f.id).map(|l| l.amount).sum();
            assert_eq!(dec(cap.amounts[i]), ledger, "{}", f.id);
        }
        assert_eq!(dec(cap.amounts[2]).to_string(), "600000.00");
        assert_eq!(cap.states[2] & FLOOR, FLOOR);
        assert_eq!(cap.states[1], 0);
        assert_eq!(tier_of(cap.states[3]), Some(2));
        assert_eq!(tier_of(cap.states[0]), None);
        // Totals equal the totals-only path's.
        assert_eq!(t, m.totals(m.plan_outcome()).unwrap());
    }
}
