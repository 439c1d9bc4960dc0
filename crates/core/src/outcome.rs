//! What actually happened in a contract year: integer units per period and SKU, promotions,
//! price matches and store openings. [`Outcome::from_plan`] builds the outcome the supplier's
//! own sales plan expects; the Monte Carlo crate samples outcomes instead.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, OutcomeError, OverflowError, Overflowed};
use crate::money::Rounding;

/// Largest unit count accepted in one cell (one billion): keeps every product exact and finite.
pub const MAX_UNITS: u32 = 1_000_000_000;
/// Largest promotional price or price gap accepted in an outcome, in millionths (10,000,000).
pub const MAX_PRICE_MICRO: i64 = 10_000_000 * MICRO;
/// Most store openings accepted in one period.
pub(crate) const MAX_OPENINGS: u32 = 1_000_000;
/// Money in hot loops is held in millionths of the currency unit.
pub(crate) const MICRO: i64 = 1_000_000;

/// One SKU in one period. Unit counts are `u32` (at most [`MAX_UNITS`]), which keeps a cell at
/// 40 bytes: a 52-week × 10-SKU outcome then fits the 32 KiB first-level cache with room to
/// spare, and the sampler and settlement stream it twice per scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// Units the retailer ordered.
    pub ordered: u32,
    /// Units delivered (invoiced).
    pub delivered: u32,
    /// Units sold to shoppers.
    pub sold: u32,
    /// Units returned to the supplier (credited at invoice price).
    pub returned: u32,
    /// Promotion slots used by this SKU in this period (bit `SlotKind as u8`).
    pub slots: u8,
    /// Promotional shelf price in millionths, 0 when the regular shelf price applies.
    pub promo_price_micro: i64,
    /// Price-match gap per unit in millionths, 0 when the retailer matched no price.
    pub match_gap_micro: i64,
}

impl Cell {
    /// True when the SKU is promoted in any slot this period.
    pub fn promoted(&self) -> bool {
        self.slots != 0
    }
    /// True when the SKU uses the given slot this period.
    pub fn has_slot(&self, slot: SlotKind) -> bool {
        self.slots & (1 << slot.index()) != 0
    }
}

/// The outcome of a contract year, period-major (`cells[period * skus + sku]`, 0-based).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    periods: usize,
    skus: usize,
    /// Cells, period-major.
    pub cells: Vec<Cell>,
    /// New stores opened in each period.
    pub store_openings: Vec<u32>,
    /// The retailer's performance of its give-get obligations in each period (档期执行,
    /// 陈列到位): empty when the retailer performed in full every period (the default, and
    /// what every outcome without give-get conditions carries); otherwise one entry per period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performance: Vec<Performance>,
}

/// Share of stores with the display in place, in millionths (1,000,000 = every store).
pub const FULL_COMPLIANCE_PPM: u32 = 1_000_000;

/// What the retailer delivered in one period of what give-get conditions pay for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Performance {
    /// The retailer ran the period's planned flyer (DM 档期执行).
    pub flyer_ran: bool,
    /// Share of stores (or facings) with the contracted display in place (陈列到位), in
    /// millionths: 1,000,000 = in full, 0 = not in place.
    pub display_ppm: u32,
}

impl Default for Performance {
    fn default() -> Performance {
        Performance::FULL
    }
}

impl Performance {
    /// Performed in full: the flyer ran and every display was in place.
    pub const FULL: Performance = Performance { flyer_ran: true, display_ppm: FULL_COMPLIANCE_PPM };
}

/// Converts an exact amount to millionths, if it has at most 6 decimals and fits.
pub(crate) fn to_micro(d: Decimal) -> Option<i64> {
    if d.scale() > 6 {
        return None;
    }
    let m = d.mantissa().checked_mul(10i128.pow(6 - d.scale()))?;
    i64::try_from(m).ok()
}

pub(crate) fn from_micro(v: i128) -> Result<Decimal, Error> {
    Decimal::try_from_i128_with_scale(v, 6).map_err(|_| Error::overflow_value(v, 6))
}

impl Outcome {
    /// An all-zero outcome for `periods` × `skus`.
    pub fn new(periods: usize, skus: usize) -> Outcome {
        Outcome {
            periods,
            skus,
            cells: vec![Cell::default(); periods * skus],
            store_openings: vec![0; periods],
            performance: Vec::new(),
        }
    }

    /// The retailer's performance in 0-based period `p` ([`Performance::FULL`] when the
    /// outcome states none).
    #[inline]
    pub fn performance(&self, p: usize) -> Performance {
        self.performance.get(p).copied().unwrap_or(Performance::FULL)
    }

    /// Number of periods.
    pub fn periods(&self) -> usize {
        self.periods
    }
    /// Number of SKUs.
    pub fn skus(&self) -> usize {
        self.skus
    }
    /// The cell of a 0-based period and SKU index.
    pub fn cell(&self, period: usize, sku: usize) -> &Cell {
        &self.cells[period * self.skus + sku]
    }
    /// The mutable cell of a 0-based period and SKU index.
    pub fn cell_mut(&mut self, period: usize, sku: usize) -> &mut Cell {
        &mut self.cells[period * self.skus + sku]
    }
    /// The cells of one 0-based period.
    pub fn period_cells(&self, period: usize) -> &[Cell] {
        &self.cells[period * self.skus..(period + 1) * self.skus]
    }

    /// Checks the outcome against the contract's shape and the input bounds.
    ///
    /// # Errors
    ///
    /// [`Error::Outcome`] naming the shape mismatch or the first cell out
    /// of bounds.
    pub fn check(&self, periods: usize, skus: usize) -> Result<(), Error> {
        self.bounds(periods, skus).map(|_| ())
    }

    /// [`Outcome::check`], returning the largest unit count (any field) and
    /// the largest promotional price in the outcome, which settlement uses to pick exact 64-bit
    /// arithmetic when it cannot overflow.
    pub(crate) fn bounds(&self, periods: usize, skus: usize) -> Result<(u32, i64), Error> {
        self.check_shape(periods, skus)?;
        self.check_values(skus)
    }

    /// Checks that the outcome has the contract's shape.
    pub(crate) fn check_shape(&self, periods: usize, skus: usize) -> Result<(), Error> {
        if self.periods != periods || self.skus != skus || self.cells.len() != periods * skus {
            return Err(Error::Outcome(OutcomeError::Shape {
                periods: self.periods,
                skus: self.skus,
                expected_periods: periods,
                expected_skus: skus,
            }));
        }
        if self.store_openings.len() != periods {
            return Err(Error::Outcome(OutcomeError::StoreOpenings { entries: self.store_openings.len(), periods }));
        }
        if !self.performance.is_empty() && self.performance.len() != periods {
            return Err(Error::Outcome(OutcomeError::Performance { entries: self.performance.len(), periods }));
        }
        if let Some(p) = self.performance.iter().position(|x| x.display_ppm > FULL_COMPLIANCE_PPM) {
            let ppm = self.performance[p].display_ppm;
            return Err(Error::Outcome(OutcomeError::Compliance { period: p + 1, ppm }));
        }
        Ok(())
    }

    /// Checks every value against its bound; returns the largest unit count and promotional
    /// price.
    fn check_values(&self, skus: usize) -> Result<(u32, i64), Error> {
        // One pass of max/min folds (vectorisable); a failure is located in a second pass.
        let limit = MAX_PRICE_MICRO;
        let bad = |c: &Cell| {
            c.ordered.max(c.delivered).max(c.sold).max(c.returned) > MAX_UNITS
                || !(0..=limit).contains(&c.promo_price_micro)
                || !(0..=limit).contains(&c.match_gap_micro)
        };
        let (mut units, mut price, mut low, mut gap) = (0u32, 0i64, 0i64, 0i64);
        for c in &self.cells {
            units = units.max(c.ordered.max(c.delivered).max(c.sold).max(c.returned));
            price = price.max(c.promo_price_micro);
            gap = gap.max(c.match_gap_micro);
            low = low.min(c.promo_price_micro.min(c.match_gap_micro));
        }
        let any_bad = units > MAX_UNITS || price > limit || gap > limit || low < 0;
        if any_bad {
            for (i, c) in self.cells.iter().enumerate() {
                if bad(c) {
                    let (p, s) = (i / skus + 1, i % skus);
                    return Err(Error::Outcome(OutcomeError::Cell {
                        period: p,
                        sku: s,
                        ordered: c.ordered,
                        delivered: c.delivered,
                        sold: c.sold,
                        returned: c.returned,
                        promo_price_micro: c.promo_price_micro,
                        match_gap_micro: c.match_gap_micro,
                        max_units: MAX_UNITS,
                    }));
                }
            }
        }
        if let Some((p, &n)) = self.store_openings.iter().enumerate().find(|(_, n)| **n > MAX_OPENINGS) {
            return Err(Error::Outcome(OutcomeError::TooManyOpenings { period: p + 1, openings: n }));
        }
        Ok((units, price))
    }
}

/// The kind of promotion slot a promotion uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    /// DM flyer / poster (DM/海报).
    Dm,
    /// End-cap / gondola end (端架).
    EndCap,
    /// TG (promotional gondola head).
    Tg,
    /// Floor stack (堆头).
    FloorStack,
}

impl SlotKind {
    /// All slot kinds.
    pub const ALL: [SlotKind; 4] = [SlotKind::Dm, SlotKind::EndCap, SlotKind::Tg, SlotKind::FloorStack];
    /// English and Chinese names.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            SlotKind::Dm => ("DM flyer", "DM/海报"),
            SlotKind::EndCap => ("end-cap", "端架"),
            SlotKind::Tg => ("TG", "TG"),
            SlotKind::FloorStack => ("floor stack", "堆头"),
        }
    }
    /// A dense index 0..4.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Rounds a non-negative exact quantity half-up to whole units, bounded.
pub(crate) fn round_units(d: Decimal) -> Result<u32, Error> {
    let r = Rounding { decimals: 0, ..Rounding::default() }.round(d.max(Decimal::ZERO));
    let v: u64 = r.try_into().map_err(|_| Error::Overflow(OverflowError::new(Overflowed::PlannedUnits)))?;
    if v > u64::from(MAX_UNITS) {
        return Err(Error::Outcome(OutcomeError::PlannedUnits { units: v, max_units: MAX_UNITS }));
    }
    Ok(v as u32)
}
