//! The holdout backtest: calibrate on the first part of the history, forecast the rest, and
//! compare.
//!
//! The first ⌈2/3⌉ of the periods are fitted ([`crate::calibrate::calibrate`] on
//! [`SalesHistory::head`]); the following periods, at most one contract year, are forecast:
//! for each SKU-period with data, the fitted baseline grown by the trend to that period, times
//! its month's factor, the calibrated uplift at the period's observed promotion (slot and price
//! cut) and the dip after one (per-store SKUs: times the period's store count).
//!
//! * **MAPE of units**: the mean over SKU-periods with units > 0 of |forecast − actual| ÷
//!   actual; and of the chain total per period (all SKUs summed).
//! * **Coverage of the P10–P90 interval**: the calibrated model is put into a copy of the
//!   contract — each SKU's forecast baseline as a `units` line on the contract periods the
//!   holdout covers, the observed promotions with their calibrated uplifts, the calibrated
//!   demand CV and dip — and simulated by kasim-montecarlo (`runs` scenarios, seed `seed`);
//!   the share of SKU-periods whose actual units fall inside the simulated demand's P10–P90 is
//!   the coverage, 80% when the model's spread is right.

use kasim_core::Contract;
use kasim_core::contract::{PlanLine, PlannedPromotion};
use kasim_core::money::{Num, Rate};
use kasim_core::outcome::SlotKind;
use kasim_core::uncertainty::{Dist, Uncertainty};
use rust_decimal::Decimal;

use crate::calibrate::{Calibration, calibrate, quantile};
use crate::error::Error;
use crate::history::{HistoryCell, SalesHistory};

/// The backtest's result.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Backtest {
    /// Periods fitted.
    pub fit_periods: usize,
    /// Periods forecast.
    pub holdout_periods: usize,
    /// First period forecast (`2025-W27`).
    pub first_holdout: String,
    /// Last period forecast.
    pub last_holdout: String,
    /// SKU-periods compared.
    pub cells: usize,
    /// Mean absolute percentage error of units per SKU-period.
    pub mape_units: f64,
    /// MAPE of the total over SKUs per period.
    pub mape_total: f64,
    /// Σ forecast ÷ Σ actual − 1.
    pub bias: f64,
    /// Share of SKU-periods inside the simulated P10–P90 (None without SKUs in the contract).
    pub coverage_p10_p90: Option<f64>,
    /// SKU-periods simulated.
    pub simulated_cells: usize,
    /// Scenarios simulated.
    pub runs: u64,
    /// Seed.
    pub seed: u64,
}

fn cut(c: &HistoryCell) -> Option<f64> {
    let shelf = c.shelf_price?;
    let paid = c.promo_price.or_else(|| c.average_price())?;
    (shelf > 0.0).then(|| 1.0 - paid / shelf)
}

fn dec(x: f64, dp: u32) -> Decimal {
    let scale = 10f64.powi(dp as i32);
    Decimal::new((x * scale).round().clamp(-9e15, 9e15) as i64, dp)
}

/// Runs the backtest (see the module). `None` when the history has fewer than 9 periods or
/// the fitting part cannot be calibrated.
///
/// # Errors
///
/// [`Error::Core`] or [`Error::Simulation`] when the backtest contract cannot be simulated.
pub fn backtest(history: &SalesHistory, contract: &Contract, runs: u64, seed: u64) -> Result<Option<Backtest>, Error> {
    let n = history.periods.len();
    if n < 9 {
        return Ok(None);
    }
    let fit_n = (2 * n).div_ceil(3);
    let per_year = history.calendar.periods();
    let hold = (n - fit_n).min(per_year);
    let Ok(cal) = calibrate(&history.head(fit_n)) else {
        return Ok(None);
    };
    let calendar = history.calendar;
    // Forecasts and actuals.
    struct Cmp {
        sku: String,
        j: usize,
        base: f64,
        uplift: f64,
        slot: Option<SlotKind>,
        promoted: bool,
        actual: f64,
    }
    let mut cmp = Vec::new();
    for s in &history.skus {
        let Some(est) = cal.sku(&s.sku) else { continue };
        for j in 0..hold {
            let i = fit_n + j;
            let Some(c) = &s.cells[i] else { continue };
            let month = calendar.month_of(history.periods[i].period);
            let mut base = cal.expected(est, (j + 1) as f64, month);
            if est.per_store {
                base *= c.stores.or(est.last_stores).unwrap_or(1.0);
            }
            let after = i > 0 && !c.promoted && s.cells[i - 1].as_ref().is_some_and(|p| p.promoted);
            if after {
                base *= 1.0 - cal.dip();
            }
            let uplift = if c.promoted { cal.uplift(&s.sku, c.slot, cut(c)).unwrap_or(1.0) } else { 1.0 };
            cmp.push(Cmp { sku: s.sku.clone(), j, base, uplift, slot: c.slot, promoted: c.promoted, actual: c.units });
        }
    }
    if cmp.is_empty() {
        return Ok(None);
    }
    let (mut ape, mut napes) = (0.0, 0usize);
    let mut totals = vec![(0.0, 0.0); hold];
    for c in &cmp {
        let f = c.base * c.uplift;
        if c.actual > 0.0 {
            ape += (f - c.actual).abs() / c.actual;
            napes += 1;
        }
        totals[c.j].0 += f;
        totals[c.j].1 += c.actual;
    }
    let tot: Vec<f64> = totals.iter().filter(|t| t.1 > 0.0).map(|(f, a)| (f - a).abs() / a).collect();
    let (sum_f, sum_a) = totals.iter().fold((0.0, 0.0), |acc, t| (acc.0 + t.0, acc.1 + t.1));
    let coverage = simulate_coverage(
        contract,
        history,
        &cal,
        fit_n,
        &cmp.iter().map(|c| (c.sku.as_str(), c.j, c.base, c.uplift, c.slot, c.promoted, c.actual)).collect::<Vec<_>>(),
        runs,
        seed,
    )?;
    Ok(Some(Backtest {
        fit_periods: fit_n,
        holdout_periods: hold,
        first_holdout: history.periods[fit_n].label(calendar),
        last_holdout: history.periods[fit_n + hold - 1].label(calendar),
        cells: cmp.len(),
        mape_units: if napes > 0 { ape / napes as f64 } else { 0.0 },
        mape_total: if tot.is_empty() { 0.0 } else { tot.iter().sum::<f64>() / tot.len() as f64 },
        bias: if sum_a > 0.0 { sum_f / sum_a - 1.0 } else { 0.0 },
        coverage_p10_p90: coverage.map(|c| c.0),
        simulated_cells: coverage.map_or(0, |c| c.1),
        runs,
        seed,
    }))
}

type CmpRow<'a> = (&'a str, usize, f64, f64, Option<SlotKind>, bool, f64);

/// The coverage of the simulated P10–P90 and the number of cells simulated.
fn simulate_coverage(
    contract: &Contract,
    history: &SalesHistory,
    cal: &Calibration,
    fit_n: usize,
    cmp: &[CmpRow<'_>],
    runs: u64,
    seed: u64,
) -> Result<Option<(f64, usize)>, Error> {
    let periods = contract.calendar.granularity.periods();
    if contract.calendar.granularity != history.calendar || runs == 0 {
        return Ok(None);
    }
    let mut c = contract.clone();
    let index: std::collections::HashMap<&str, usize> =
        c.skus.iter().enumerate().map(|(i, s)| (s.sku.as_str(), i)).collect();
    let mut lines: Vec<Option<Vec<u64>>> = vec![None; c.skus.len()];
    let mut promotions = Vec::new();
    let mut cells = Vec::new();
    for &(sku, j, base, uplift, slot, promoted, actual) in cmp {
        let Some(&s) = index.get(sku) else { continue };
        let p = usize::from(history.periods[fit_n + j].period) - 1;
        lines[s].get_or_insert_with(|| vec![0; periods])[p] = base.round().clamp(0.0, 1e9) as u64;
        if promoted {
            promotions.push(PlannedPromotion {
                skus: vec![sku.to_string()],
                periods: vec![p as u16 + 1],
                promotion_period: None,
                slot: slot.unwrap_or(SlotKind::Dm),
                uplift: Rate(dec(uplift.clamp(0.0, 50.0), 4)),
                price_cut: None,
            });
        }
        cells.push((s, p, actual));
    }
    if cells.is_empty() {
        return Ok(None);
    }
    c.plan.lines = c
        .skus
        .iter()
        .zip(lines)
        .map(|(s, l)| PlanLine {
            sku: s.sku.clone(),
            units_per_period: None,
            units: Some(l.unwrap_or_else(|| vec![0; periods])),
            units_per_store: None,
        })
        .collect();
    c.plan.seasonality = Vec::new();
    c.plan.promotions = promotions;
    c.plan.price_matches = Vec::new();
    c.uncertainty = Some(Uncertainty {
        demand_cv: Some(Rate(dec(cal.demand_cv.clamp(0.0001, 10.0), 6))),
        // The dip is already in the forecast baseline; the model would apply it again.
        post_promo_dip: Some(Dist::Fixed { value: Num(Decimal::ZERO) }),
        ..Uncertainty::default()
    });
    let compiled = kasim_core::Compiled::new(&c)?;
    let model = kasim_montecarlo::Model::new(&compiled)?;
    // Draws as whole units (u32: 500 runs × 26,000 cells is 52 MB).
    let mut draws = vec![Vec::with_capacity(runs as usize); cells.len()];
    let mut out = model.outcome_buffer();
    for k in 0..runs {
        model.sample_into(seed, k, &mut out);
        for (d, &(s, p, _)) in draws.iter_mut().zip(&cells) {
            d.push(out.cell(p, s).ordered);
        }
    }
    let mut inside = 0;
    let mut sorted = Vec::with_capacity(runs as usize);
    for (d, &(_, _, actual)) in draws.iter_mut().zip(&cells) {
        d.sort_unstable();
        sorted.clear();
        sorted.extend(d.iter().map(|&x| f64::from(x)));
        if actual >= quantile(&sorted, 0.1) && actual <= quantile(&sorted, 0.9) {
            inside += 1;
        }
        *d = Vec::new();
    }
    Ok(Some((inside as f64 / cells.len() as f64, cells.len())))
}
