//! Payment terms (账期): the financing cost of waiting for payment, and the early-payment
//! (cash) discount.
//!
//! **Formula.** Per period, on the net invoiced amount `N` (delivered − returned, at invoice):
//! `financing = N × k × D ÷ B`, with the annual cost of capital `k`, days of credit `D` and the
//! day-count basis `B` (365 or 360). When an early-payment discount `d` is taken, the supplier
//! books `d × N` as a fee (现金折扣) and financing runs for the early-payment days instead.
//! Financing is a cost in the P&L, not a fee: it does not count in the fee ratio. With
//! `financing = "annual"` one line in the last period finances the year's net invoiced amount
//! (`N_year × k × D ÷ B`), as a yearly model does.
//!
//! **Worked example.** 1,200,000 a year at 6%, 60 days, basis 365: per month
//! 100,000 × 6% × 60/365 = 986.30; for the year 11,835.60 (the line-rounded sum).
//!
//! ```
//! let c = kasim_core::demo::contract(r#"
//! [payment]
//! days = 60
//! cost_of_capital = "6%"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! assert_eq!(s.ledger[0].amount.to_string(), "986.30");
//! assert_eq!(s.pnl.financing_cost.to_string(), "11835.60");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, OverflowError, Overflowed};
use crate::fees::FeeKind;
use crate::fees::api::PeriodAgg;
use crate::fees::book::{Out, Sink, dec, mul};
use crate::fees::formula::Formula;
use crate::money::Rate;

/// Day-count basis for financing cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DayBasis {
    /// Actual/365 (the default).
    #[default]
    #[serde(rename = "365")]
    Days365,
    /// Actual/360.
    #[serde(rename = "360")]
    Days360,
}

impl DayBasis {
    /// Days in the basis year.
    pub fn days(self) -> u32 {
        match self {
            DayBasis::Days365 => 365,
            DayBasis::Days360 => 360,
        }
    }
}

/// Payment terms (账期): how long the retailer takes to pay, and what that costs the supplier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentTerms {
    /// Days from delivery to payment (default 60).
    #[serde(default = "default_days")]
    pub days: u32,
    /// Day-count basis: "365" (default) or "360".
    #[serde(default)]
    pub basis: DayBasis,
    /// Overrides the supplier's cost of capital for this contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_of_capital: Option<Rate>,
    /// An early-payment (cash) discount, e.g. 1% for payment in 10 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_payment: Option<EarlyPayment>,
    /// Financing cost booked per `period` (default) or once on the `annual` net invoiced
    /// amount (in the last period).
    #[serde(default, skip_serializing_if = "is_default")]
    pub financing: FinancingPer,
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// How the financing cost is booked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinancingPer {
    /// One line per period on that period's net invoiced amount.
    #[default]
    Period,
    /// One line in the last period on the year's net invoiced amount.
    Annual,
}

fn default_days() -> u32 {
    60
}

impl Default for PaymentTerms {
    fn default() -> Self {
        PaymentTerms {
            days: 60,
            basis: DayBasis::Days365,
            cost_of_capital: None,
            early_payment: None,
            financing: FinancingPer::Period,
        }
    }
}

/// An early-payment discount ("1/10 net 60").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EarlyPayment {
    /// Discount off the net invoiced amount when paid early (e.g. "1%").
    pub discount: Rate,
    /// Days within which the early payment is made.
    pub days: u32,
    /// Whether the retailer takes the discount (default true). When taken, the discount is a
    /// fee line and financing runs for `days` instead of the standard term.
    #[serde(default = "yes")]
    pub taken: bool,
}

fn yes() -> bool {
    true
}

/// Books the early-payment discount and the financing cost of `terms` on the period
/// aggregates, with the annual cost of capital `coc`.
pub(crate) fn settle<S: Sink>(
    terms: &PaymentTerms,
    agg: &[PeriodAgg],
    coc: Decimal,
    out: &mut Out<'_, S>,
) -> Result<(), Error> {
    let basis = terms.basis.days();
    let early = terms.early_payment.filter(|e| e.taken);
    let days = early.map_or(terms.days, |e| e.days);
    // Discount lines first, then financing lines, each with its own running total (rounding
    // point `rule` rounds each kind's annual total once).
    if let Some(e) = early {
        out.begin(None);
        for (p, a) in agg.iter().enumerate() {
            let net = dec(a.delivered_value - a.returned_value)?;
            if !net.is_zero() {
                let f = Formula::Percent { base: net, rate: e.discount.0 };
                out.emit(p, FeeKind::EarlyPaymentDiscount, f, mul(net, e.discount.0)?, false);
            }
        }
    }
    if coc.is_zero() || days == 0 {
        return Ok(());
    }
    out.begin(None);
    let financing = |net: Decimal| -> Result<Decimal, Error> {
        mul(mul(net, coc)?, Decimal::from(days))?
            .checked_div(Decimal::from(basis))
            .ok_or_else(|| Error::Overflow(OverflowError::new(Overflowed::FinancingCost)))
    };
    if terms.financing == FinancingPer::Annual {
        let total: i128 = agg.iter().map(|a| a.delivered_value - a.returned_value).sum();
        let net = dec(total)?;
        let f = Formula::Financing { base: net, rate: coc, days, basis };
        out.emit(agg.len() - 1, FeeKind::Financing, f, financing(net)?, false);
        return Ok(());
    }
    for (p, a) in agg.iter().enumerate() {
        let net = dec(a.delivered_value - a.returned_value)?;
        if net.is_zero() {
            continue;
        }
        let f = Formula::Financing { base: net, rate: coc, days, basis };
        out.emit(p, FeeKind::Financing, f, financing(net)?, false);
    }
    Ok(())
}
