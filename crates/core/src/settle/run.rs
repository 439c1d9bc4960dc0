//! Running the rules: one settlement of one outcome.
//!
//! Aggregate the outcome, run every rule in order (guaranteed minimums last, so they read what
//! the rules they cover booked), book the payment terms, and turn the booker's integer totals
//! into the [`Totals`] the P&L is built from.

use rust_decimal::Decimal;

use super::{Compiled, Scratch, Settlement, Totals};
use crate::error::Error;
use crate::fees::FeeKind;
use crate::fees::api::Cx;
use crate::fees::book::{DECIMAL_MAX_MANTISSA, LedgerSink, Out, Sink, mul, round_scaled};
use crate::outcome::{Outcome, from_micro};

use super::aggregate::YearAgg;

impl Compiled<'_> {
    /// Settles an outcome, sending every booked line to `sink`, and returns the totals.
    ///
    /// # Errors
    ///
    /// [`Error::Outcome`] when the outcome does not fit the contract or is out of bounds;
    /// [`Error::Overflow`] (naming the rule and period when known) when an amount leaves the range
    /// of exact arithmetic.
    pub fn settle_into<S: Sink>(&self, o: &Outcome, sink: &mut S) -> Result<Totals, Error> {
        self.settle_with(o, sink, &mut Scratch::default())
    }

    /// [`Compiled::settle_into`] with reusable working memory.
    ///
    /// # Errors
    ///
    /// As [`Compiled::settle_into`].
    pub fn settle_with<S: Sink>(&self, o: &Outcome, sink: &mut S, scratch: &mut Scratch) -> Result<Totals, Error> {
        let c = self.contract;
        let year = self.aggregate(o, scratch)?;
        let agg = &scratch.agg[..];
        scratch.net_to.clear();
        scratch.net_to.push((0, 0));
        let (mut v, mut u) = (0i128, 0i64);
        for a in agg {
            v += a.delivered_value - a.returned_value;
            u += a.delivered - a.returned;
            scratch.net_to.push((v, u));
        }
        let net_to = &scratch.net_to[..];
        scratch.booked.clear();
        scratch.booked.resize(self.rules.covered_count * self.plan.periods, 0);
        let mut out = Out::new(sink, c.rounding, &mut scratch.booked, &self.rules.booked_slots, self.plan.periods);
        for &i in &self.rules.order {
            let rule = &c.fees[i];
            let cx = Cx {
                rule: &self.rules.headers[i],
                skus: &self.skus,
                outcome: o,
                agg,
                net_to,
                promo_period: &self.plan.promo_period,
                months: &self.plan.months,
                shares: &self.plan.shares,
                contract_start: self.plan.contract_start,
            };
            out.begin(Some(i));
            let kind = rule.kind();
            match &rule.condition {
                None => rule.rule.settle(&cx, kind, &mut out),
                Some(cond) => crate::fees::condition::settle_whole(cond, &cx, kind, &mut out, |out| {
                    rule.rule.settle(&cx, kind, out)
                }),
            }
            .map_err(|e| e.in_rule(&rule.id))?;
        }
        out.begin(None);
        match c.resources.as_ref().map_or(0, |r| r.payment_priority_days) {
            0 => crate::fees::payment_terms::settle(&c.payment, agg, self.coc, &mut out)?,
            // Payment priority (付款优先): the retailer pays that many days earlier, so the
            // financing runs on the effective days (an early payment at most as many).
            priority => {
                let mut terms = c.payment.clone();
                terms.days = terms.days.saturating_sub(priority);
                if let Some(e) = terms.early_payment.as_mut() {
                    e.days = e.days.min(terms.days);
                }
                crate::fees::payment_terms::settle(&terms, agg, self.coc, &mut out)?
            }
        }

        let mut by_kind = [Decimal::ZERO; FeeKind::COUNT];
        for (d, &micro) in by_kind.iter_mut().zip(&out.kinds) {
            *d = out.decimal(micro);
        }
        let mut t = Totals {
            by_kind,
            gross_invoiced: Decimal::ZERO,
            returns: Decimal::ZERO,
            cost_of_goods: Decimal::ZERO,
            retail_sales: Decimal::ZERO,
            retailer_cost_of_sales: Decimal::ZERO,
            units_delivered: 0,
            units_returned: 0,
            units_sold: year.units_sold,
        };
        let (mut gi, mut rv) = (0i128, 0i128);
        let YearAgg { cost_value: cv, returned_cost: rc, retail_value: rs, retailer_cogs: rcogs, .. } = year;
        for a in agg {
            gi += a.delivered_value;
            rv += a.returned_value;
            t.units_delivered += a.delivered;
            t.units_returned += a.returned;
        }
        let r = &c.rounding;
        // Rounded in integers: the same as rounding the exact `Decimal`, which has 6 decimals.
        let money = |micro: i128| -> Result<Decimal, Error> {
            if micro.unsigned_abs() > DECIMAL_MAX_MANTISSA {
                return Err(Error::overflow_value(micro, 6));
            }
            let v = if r.decimals >= 6 { micro } else { round_scaled(micro, 6, r.decimals, r.mode) };
            Ok(Decimal::from_i128_with_scale(v, r.decimals.min(6)))
        };
        t.gross_invoiced = money(gi)?;
        t.returns = money(rv)?;
        t.cost_of_goods =
            if rc == 0 { money(cv)? } else { r.round(from_micro(cv)? - mul(from_micro(rc)?, self.plan.recovery)?) };
        t.retail_sales = money(rs)?;
        t.retailer_cost_of_sales = money(rcogs)?;
        Ok(t)
    }

    /// Settles an outcome keeping totals only.
    ///
    /// # Errors
    ///
    /// As [`Compiled::settle_into`].
    pub fn totals(&self, o: &Outcome) -> Result<Totals, Error> {
        self.settle_into(o, &mut ())
    }

    /// Settles an outcome keeping totals only, with reusable working memory (the Monte Carlo
    /// path: no allocation per outcome).
    ///
    /// # Errors
    ///
    /// As [`Compiled::settle_into`].
    pub fn totals_with(&self, o: &Outcome, scratch: &mut Scratch) -> Result<Totals, Error> {
        self.settle_with(o, &mut (), scratch)
    }

    /// Settles an outcome with the full ledger, P&L and retailer view.
    ///
    /// # Errors
    ///
    /// As [`Compiled::settle_into`].
    pub fn settle(&self, o: &Outcome) -> Result<Settlement, Error> {
        let mut sink = LedgerSink::default();
        let totals = self.settle_into(o, &mut sink)?;
        Ok(Settlement::build(self, sink.lines, totals))
    }
}
