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

use crate::contract::FinancingPer;
use crate::error::Error;
use crate::fees::FeeKind;
use crate::settle::{Compiled, Formula, Out, PeriodAgg, Sink, dec, mul};

pub(crate) fn settle<S: Sink>(
    m: &Compiled<'_>,
    agg: &[PeriodAgg],
    coc: Decimal,
    out: &mut Out<'_, S>,
) -> Result<(), Error> {
    let terms = &m.contract.payment;
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
            .ok_or_else(|| Error::Overflow("financing cost".into()))
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
