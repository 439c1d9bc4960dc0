//! Aggregation: one pass over an outcome's cells per settlement.
//!
//! Everything a rule reads per period (values at invoice, units, slots, stores, price-match and
//! short-delivery flags) and the year values the P&L reads are summed here once, in integers,
//! with the outcome's bounds checked in the same pass. Rules then read sums, not cells, except
//! for rules restricted to some SKUs or reading per-cell prices.

use super::{Compiled, Scratch};
use crate::error::Error;
use crate::fees::api::{PeriodAgg, shelf_in_effect};
use crate::outcome::Outcome;

/// One SKU's units over the year.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SkuUnits {
    pub(crate) delivered: u64,
    pub(crate) returned: u64,
    pub(crate) sold: u64,
}

/// Year totals in millionths: values that only the P&L reads are linear in units at a fixed
/// price per SKU, so they are computed from each SKU's year units (a few multiplications per
/// SKU instead of one per cell), plus corrections for cells sold at another price.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct YearAgg {
    pub units_sold: i64,
    pub cost_value: i128,
    pub returned_cost: i128,
    pub retail_value: i128,
    pub retailer_cogs: i128,
}

/// Upper bounds an aggregation pass saw: bitwise ORs of the values (an OR is at least the
/// largest value, and is cheaper to keep than maxima in the hottest loop).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seen {
    /// OR of every unit count.
    units: u32,
    /// OR of every promotional price and price gap, as bits (a negative value sets bit 63).
    prices: u64,
    openings: u32,
}

impl Seen {
    /// True when the ORs prove every value in bounds: units below 2²⁹ (< `MAX_UNITS`) and
    /// prices below 2⁴³ micro (< `MAX_PRICE_MICRO`). Otherwise the exact check decides.
    fn surely_within_bounds(&self) -> bool {
        const _: () = assert!(1 << 29 <= crate::outcome::MAX_UNITS && 1 << 43 <= crate::outcome::MAX_PRICE_MICRO);
        self.units < 1 << 29 && self.prices < 1 << 43 && self.openings <= crate::outcome::MAX_OPENINGS
    }
}

/// An accumulator for units × price in millionths.
pub(crate) trait Acc: Copy {
    const ZERO: Self;
    fn add_mul(self, units: u32, price_micro: i64) -> Self;
    fn wide(self) -> i128;
}

impl Acc for i64 {
    const ZERO: i64 = 0;
    #[inline(always)]
    fn add_mul(self, units: u32, price_micro: i64) -> i64 {
        // Wrapping: the 64-bit pass runs before the bounds are known and is kept only when
        // they prove it exact.
        self.wrapping_add((units as i64).wrapping_mul(price_micro))
    }
    #[inline(always)]
    fn wide(self) -> i128 {
        self as i128
    }
}

impl Acc for i128 {
    const ZERO: i128 = 0;
    #[inline(always)]
    fn add_mul(self, units: u32, price_micro: i64) -> i128 {
        self + units as i128 * price_micro as i128
    }
    #[inline(always)]
    fn wide(self) -> i128 {
        self
    }
}

impl Compiled<'_> {
    /// Sums every period and checks the outcome's bounds in the same pass over the cells.
    ///
    /// The first pass accumulates in `i64`; it is kept when every period sum provably fits (the
    /// largest price × the largest unit count × SKUs ≤ `i64::MAX`, the common case), else the
    /// sums are recomputed in `i128`. Both give identical results; `i64` avoids 128-bit carry
    /// chains in the hottest loop.
    pub(crate) fn aggregate(&self, o: &Outcome, scratch: &mut Scratch) -> Result<YearAgg, Error> {
        o.check_shape(self.plan.periods, self.skus.len())?;
        let (agg, skus) = (&mut scratch.agg, &mut scratch.skus);
        let (seen, mut correction) = self.aggregate_with::<i64>(o, agg, skus);
        let (units, price) = if seen.surely_within_bounds() {
            (seen.units, seen.prices as i64)
        } else {
            // The exact check: an error names the offending cell.
            o.bounds(self.plan.periods, self.skus.len())?
        };
        let price = self.plan.max_price_micro.max(price) as i128;
        let bound = price * (units as i128) * (self.skus.len().max(1) as i128);
        if bound > i64::MAX as i128 {
            correction = self.aggregate_with::<i128>(o, agg, skus).1;
        }
        let mut year = YearAgg { retail_value: correction, ..YearAgg::default() };
        for (u, k) in skus.iter().zip(self.skus.iter()) {
            year.units_sold = year.units_sold.wrapping_add(u.sold as i64);
            let (d, r, s) = (u.delivered as i128, u.returned as i128, u.sold as i128);
            year.cost_value += d * k.cost_micro as i128;
            year.returned_cost += r * k.cost_micro as i128;
            year.retailer_cogs += s * k.invoice_micro as i128;
            year.retail_value += s * k.shelf_micro as i128;
        }
        Ok(year)
    }

    /// Period sums accumulated in `A` (see [`Compiled::aggregate`]), each SKU's year units, and
    /// bounds of the values seen, for the bounds check. Also returns the retail-value
    /// correction (millionths) of the cells sold at another price than the regular shelf price.
    ///
    /// The first pass accumulates in `i64`; it is kept when every period sum provably fits (the
    /// largest price × the largest unit count × SKUs ≤ `i64::MAX`, the common case), else the
    /// sums are recomputed in `i128`. Both give identical results; `i64` avoids 128-bit carry
    /// chains in the hottest loop.
    #[inline(always)]
    pub(crate) fn aggregate_with<A: Acc>(
        &self,
        o: &Outcome,
        agg: &mut Vec<PeriodAgg>,
        skus: &mut Vec<SkuUnits>,
    ) -> (Seen, i128) {
        agg.clear();
        agg.resize(self.plan.periods, PeriodAgg::default());
        skus.clear();
        skus.resize(self.skus.len(), SkuUnits::default());
        let mut seen = Seen::default();
        let mut correction = 0i128;
        let mut stores = self.plan.stores_start;
        for (p, a) in agg.iter_mut().enumerate() {
            let opened = o.store_openings[p];
            seen.openings = seen.openings.max(opened);
            stores = stores.saturating_add(opened);
            a.stores = stores;
            // One pass over the period's cells; values of cells at another price than the
            // regular shelf price (promotions, price matches) go to a correction.
            let cells = o.period_cells(p);
            let (mut dv, mut delivered, mut returned) = (A::ZERO, 0i64, 0i64);
            let (mut units, mut short, mut prices, mut corr) = (0u32, false, 0u64, A::ZERO);
            let mut slots = [0u32; 4];
            for ((c, k), u) in cells.iter().zip(self.skus.iter()).zip(skus.iter_mut()) {
                units |= c.ordered | c.delivered | c.sold | c.returned;
                short |= c.delivered < c.ordered;
                dv = dv.add_mul(c.delivered, k.invoice_micro);
                delivered = delivered.wrapping_add(i64::from(c.delivered));
                returned = returned.wrapping_add(i64::from(c.returned));
                u.delivered += u64::from(c.delivered);
                u.sold += u64::from(c.sold);
                let odd = c.promo_price_micro as u64 | c.match_gap_micro as u64;
                if odd != 0 {
                    prices |= odd;
                    corr = corr.add_mul(c.sold, shelf_in_effect(c, k)).add_mul(c.sold, -k.shelf_micro);
                    a.price_matched |= c.match_gap_micro != 0;
                }
                if c.slots != 0 {
                    for (i, n) in slots.iter_mut().enumerate() {
                        *n += u32::from(c.slots >> i) & 1;
                    }
                }
            }
            a.slots = slots;
            // Returns are rare: their values get a second pass only when there are some.
            if returned != 0 {
                let mut rv = A::ZERO;
                for ((c, k), u) in cells.iter().zip(self.skus.iter()).zip(skus.iter_mut()) {
                    rv = rv.add_mul(c.returned, k.invoice_micro);
                    u.returned += u64::from(c.returned);
                }
                a.returned_value = rv.wide();
            }
            correction += corr.wide();
            seen.units |= units;
            seen.prices |= prices;
            a.delivered_value = dv.wide();
            a.delivered = delivered;
            a.returned = returned;
            a.short = short;
        }
        (seen, correction)
    }
}
