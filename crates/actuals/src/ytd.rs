//! The year to date: the closed periods of `kasim track`, laid on the contract's outcome from
//! the actuals exactly.
//!
//! * **Which year.** The contract's `year` when it gives one, else the year of the last
//!   period with actuals. Rows of other years are not used (counted in the notes).
//! * **Closed periods.** Periods 1 … `as_of` (default: the last period of that year with an
//!   actual row; `as_of` may not be later than that). A closed SKU-period without a row (a
//!   delisted SKU, a week without sales) counts as no sales (noted).
//! * **Cells, exactly.** Units sold, ordered, delivered and returned are the exported numbers
//!   summed over the period's rows ([`crate::history::ExactCell`], never scaled for coverage);
//!   a fractional unit count is an error naming the SKU and period. Without a delivered
//!   column, delivered = sold + returned; without an ordered column, ordered = delivered.
//!   Promoted periods take the exported slot (else the plan's slots of that cell) and the
//!   exported promotional price (else the plan's). Price-match gaps and store openings of
//!   closed periods are the plan's.

use kasim_core::Compiled;
use kasim_core::outcome::{Cell, MAX_UNITS, Outcome};
use kasim_montecarlo::conditioned::Closed;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::error::Error;
use crate::history::SalesHistory;

/// The closed periods built from the actuals, and what was noticed on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct YearToDate {
    /// The contract year the actuals are for.
    pub year: i32,
    /// The closed periods (a full outcome's first periods).
    pub closed: Closed,
    /// The outcome of the closed periods followed by the plan's (what the exact YTD
    /// settlement settles).
    pub outcome: Outcome,
    /// Notes: SKUs of the actuals not in the contract, closed cells without a row, rows of
    /// other years, partial periods.
    pub notes: Vec<String>,
}

/// `at` names where the value comes from: the actuals file(s), the SKU and the period.
fn whole(d: Decimal, what: &str, at: &dyn Fn() -> String) -> Result<u32, Error> {
    if d.fract() != Decimal::ZERO || d.is_sign_negative() {
        return Err(Error::Track(format!(
            "{}: {what} is {d}, not a whole number of units (the closed periods settle exact units)",
            at()
        )));
    }
    d.to_u32()
        .filter(|&u| u <= MAX_UNITS)
        .ok_or_else(|| Error::Track(format!("{}: {what} is {d}, more than {MAX_UNITS} units", at())))
}

fn micro(d: Decimal) -> Option<i64> {
    (d * Decimal::from(1_000_000)).round().to_i64()
}

/// The closed periods of `compiled`'s contract from `history` (see the [module docs](self)).
///
/// # Errors
///
/// [`Error::Track`] when `as_of` is after the contract's last period or after the last period
/// with actuals, a closed unit count is fractional or too large, or no period is closed.
pub fn year_to_date(
    compiled: &Compiled<'_>,
    history: &SalesHistory,
    as_of: Option<usize>,
) -> Result<YearToDate, Error> {
    let contract = compiled.contract;
    let periods = compiled.periods();
    let plan = compiled.plan_outcome();
    let mut notes = Vec::new();
    let year = match contract.year {
        Some(y) => y,
        None => history.periods.iter().map(|p| p.year).max().unwrap_or(0),
    };
    let others = history.periods.iter().filter(|p| p.year != year).count();
    if others > 0 {
        notes.push(format!("{others} period(s) of the actuals are not in {year}: not used"));
    }
    let last = history
        .periods
        .iter()
        .enumerate()
        .filter(|(i, p)| p.year == year && history.skus.iter().any(|s| s.cells[*i].is_some()))
        .map(|(_, p)| usize::from(p.period))
        .max()
        .unwrap_or(0);
    let closed = as_of.unwrap_or(last);
    if closed > periods {
        return Err(Error::Track(format!("--as-of {closed} is after the contract's last period ({periods})")));
    }
    if closed > last {
        return Err(Error::Track(format!(
            "--as-of {closed}: the actuals of {year} end at period {last}; a period closes only with actuals"
        )));
    }
    if as_of.is_none() && closed == 0 {
        let files: Vec<&str> = history.summary.files.iter().map(|f| f.file.as_str()).collect();
        let (first, last) = (history.summary.first_date, history.summary.last_date);
        return Err(Error::Track(format!(
            "{}: the actuals ({first} to {last}) have no period of {year}, the contract's year: nothing is closed",
            files.join(", ")
        )));
    }
    if closed < last {
        notes.push(format!("actuals after period {closed} (up to {last}) are not used (--as-of {closed})"));
    }
    for h in &history.skus {
        if compiled.sku_index(&h.sku).is_none() {
            notes.push(format!("SKU {} is in the actuals but not in the contract: not used", h.sku));
        }
    }
    let mut outcome = plan.clone();
    let (mut missing, mut partial) = (0usize, 0usize);
    for (s, k) in compiled.skus.iter().enumerate() {
        let series = history.sku(&k.id);
        for p in 0..closed {
            let at = history.periods.iter().position(|q| q.year == year && usize::from(q.period) == p + 1);
            let cell = at.and_then(|i| series.and_then(|x| x.cells[i].as_ref()));
            let plan_cell = *plan.cell(p, s);
            let c = outcome.cell_mut(p, s);
            *c = Cell { match_gap_micro: plan_cell.match_gap_micro, ..Cell::default() };
            let Some(h) = cell else {
                missing += 1;
                continue;
            };
            if h.partial {
                partial += 1;
            }
            let e = &h.exact;
            let place = || {
                let files: Vec<&str> = history.summary.files.iter().map(|f| f.file.as_str()).collect();
                let label =
                    at.map_or_else(String::new, |i| format!(" ({})", history.periods[i].label(history.calendar)));
                format!("{}: SKU {}, period {}{label}", files.join(", "), k.id, p + 1)
            };
            let sold = whole(e.units, "units sold", &place)?;
            let returned = match e.returns {
                Some(r) => whole(r, "units returned", &place)?,
                None => 0,
            };
            let delivered = match e.delivered {
                Some(d) => whole(d, "units delivered", &place)?,
                None => sold.saturating_add(returned).min(MAX_UNITS),
            };
            let ordered = match e.ordered {
                Some(o) => whole(o, "units ordered", &place)?,
                None => delivered,
            };
            c.sold = sold;
            c.returned = returned;
            c.delivered = delivered;
            c.ordered = ordered;
            if h.promoted {
                c.slots = match h.slot {
                    Some(slot) => 1 << slot.index(),
                    None => plan_cell.slots,
                };
                c.promo_price_micro = e.promo_price.and_then(micro).unwrap_or(plan_cell.promo_price_micro);
            }
        }
    }
    if missing > 0 {
        notes.push(format!("{missing} closed SKU-period(s) have no actuals: counted as no sales"));
    }
    if partial > 0 {
        notes.push(format!(
            "{partial} closed SKU-period(s) are partly covered: their exported units are used as they are"
        ));
    }
    let closed = Closed::from_outcome(&outcome, closed);
    Ok(YearToDate { year, closed, outcome, notes })
}
