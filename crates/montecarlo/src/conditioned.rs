//! Conditioned runs: the year in progress (`kasim track`).
//!
//! The first [`Closed::periods`] periods of the year have happened: their cells are the
//! actuals ([`Closed::cells`]), the same in every scenario, and no rule reopens them. The rest
//! of the year is sampled by the contract's (or a calibrated) [`Model`], conditioned on what
//! happened:
//!
//! * **Run-rate.** Per SKU, the ratio of actual to planned units sold over the closed periods,
//!   shrunk towards 1 (the plan) when few periods are closed ([`run_rate_factor`]):
//!
//!   ```text
//!   factor = (n × A/P + κ) / (n + κ)        A = actual units sold, P = planned, n = closed periods
//!   κ = periods ÷ 6.5                       (8 weeks of a weekly year, about 2 months of a monthly one)
//!   ```
//!
//!   With 8 of 52 weeks closed the observed ratio counts half; with 44 closed, 85%. An SKU
//!   with no planned units in the closed periods keeps the plan (factor 1). The factor
//!   multiplies the expected demand of the open periods ([`Model::scale_baseline`]).
//! * **Draws.** Scenario k's draws are addressed by (seed, k) exactly as in an unconditioned
//!   run; the closed periods' draws are made and not used, so the open periods' draws are
//!   those `kasim simulate` makes (with 0 closed periods and no conditioning the run *is*
//!   `kasim simulate`'s, scenario by scenario).
//!
//! Annual rules (tiered, target and growth rebates, the floor 保底) see the actual year to
//! date plus the simulated rest, because each scenario settles the whole year.

use kasim_core::outcome::Cell;
use kasim_core::settle::RuleCapture;
use kasim_core::{Compiled, Outcome};
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::clauses::ClauseResults;
use crate::runner::{BATCH, RunConfig};
use crate::sampler::Model;
use crate::{Error, OverflowValue};

/// The closed periods of a year in progress: the actuals, period-major like an [`Outcome`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    /// Closed periods, from period 1 (0 = nothing has happened yet).
    pub periods: usize,
    /// SKUs (the contract's, in its order).
    pub skus: usize,
    /// `periods × skus` cells, period-major (`cells[p * skus + s]`).
    pub cells: Vec<Cell>,
    /// Store openings of each closed period.
    pub store_openings: Vec<u32>,
}

impl Closed {
    /// The closed periods of `outcome`: its first `periods` periods.
    pub fn from_outcome(outcome: &Outcome, periods: usize) -> Closed {
        let periods = periods.min(outcome.periods());
        let skus = outcome.skus();
        Closed {
            periods,
            skus,
            cells: outcome.cells[..periods * skus].to_vec(),
            store_openings: outcome.store_openings[..periods].to_vec(),
        }
    }

    /// Puts the closed periods in place in `out` (an outcome of the contract's shape).
    pub fn apply(&self, out: &mut Outcome) {
        let n = self.periods * self.skus;
        if out.cells.len() >= n && out.store_openings.len() >= self.periods {
            out.cells[..n].copy_from_slice(&self.cells);
            out.store_openings[..self.periods].copy_from_slice(&self.store_openings);
        }
    }
}

/// How one SKU's open periods were conditioned on its year to date.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Conditioning {
    /// SKU code.
    pub sku: String,
    /// Actual units sold in the closed periods.
    pub actual_units: i64,
    /// Planned units sold in the closed periods (the plan's outcome).
    pub plan_units: i64,
    /// The factor applied to the open periods' expected demand.
    pub factor: f64,
}

/// The prior weight κ, in periods, of the plan in [`run_rate_factor`]: `periods ÷ 6.5`.
pub fn prior_periods(periods_per_year: usize) -> f64 {
    periods_per_year as f64 / 6.5
}

/// The run-rate factor `(n × A/P + κ) / (n + κ)` (see the [module docs](self)); 1 when
/// nothing is planned or nothing is closed.
pub fn run_rate_factor(actual: i64, plan: i64, closed: usize, kappa: f64) -> f64 {
    if plan <= 0 || closed == 0 {
        return 1.0;
    }
    let n = closed as f64;
    (n * actual as f64 / plan as f64 + kappa) / (n + kappa)
}

/// Conditions `model` on `closed`: scales each SKU's open periods by its run-rate factor.
/// Returns what was applied, per SKU.
pub fn condition(model: &mut Model<'_>, closed: &Closed) -> Vec<Conditioning> {
    let compiled = model.compiled;
    let plan = compiled.plan_outcome();
    let kappa = prior_periods(compiled.periods());
    let mut out = Vec::with_capacity(closed.skus);
    for s in 0..closed.skus.min(plan.skus()) {
        let actual: i64 = (0..closed.periods).map(|p| i64::from(closed.cells[p * closed.skus + s].sold)).sum();
        let planned: i64 = (0..closed.periods).map(|p| i64::from(plan.cell(p, s).sold)).sum();
        let factor = run_rate_factor(actual, planned, closed.periods, kappa);
        model.scale_baseline(s, closed.periods, factor);
        out.push(Conditioning { sku: compiled.skus[s].id.clone(), actual_units: actual, plan_units: planned, factor });
    }
    out
}

/// The results of a conditioned run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrackRun {
    /// Per scenario what every rule booked (exact cents), with the rows.
    pub clauses: ClauseResults,
    /// Per period, the gross invoiced sales (delivered × invoice price) summed over the
    /// scenarios, in millionths (the expected base of the accrual schedule, × runs).
    pub period_invoiced: Vec<i128>,
}

/// The invoice price of every SKU in millionths.
fn invoice_micro(compiled: &Compiled<'_>) -> Vec<i128> {
    compiled.skus.iter().map(|k| (k.invoice * Decimal::from(1_000_000)).round().to_i128().unwrap_or(0)).collect()
}

/// One scenario.
struct Scenario {
    row: crate::Row,
    cents: Vec<i64>,
    states: Vec<u8>,
    cogs: i64,
    invoiced: Vec<i128>,
}

/// Runs `model` with the closed periods in place in every scenario (see the [module
/// docs](self)); `cfg.tolerance` is ignored. Byte-identical at any thread count.
///
/// # Errors
///
/// [`Error::TooLarge`] when the results would exceed `cfg.max_memory`; [`Error::ThreadPool`];
/// [`Error::Scenario`] when a scenario cannot settle.
pub fn run_track(model: &Model<'_>, closed: &Closed, cfg: &RunConfig) -> Result<TrackRun, Error> {
    let c = model.compiled.contract;
    let n = c.fees.len();
    let periods = model.compiled.periods();
    let per = crate::clauses::bytes_per_scenario(n) + 16 * periods as u64;
    let need = u128::from(cfg.runs) * u128::from(per);
    if need > u128::from(cfg.max_memory) {
        return Err(Error::TooLarge { runs: cfg.runs, contracts: 1, bytes: need, limit: cfg.max_memory });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|source| Error::ThreadPool { threads: cfg.threads, source })?;
    let prices = invoice_micro(model.compiled);
    let mut r = ClauseResults { ids: c.fees.iter().map(|f| f.id.clone()).collect(), ..Default::default() };
    let mut period_invoiced = vec![0i128; periods];
    pool.install(|| -> Result<(), Error> {
        let mut start = 0;
        while start < cfg.runs {
            let end = (start + BATCH).min(cfg.runs);
            let batch: Vec<Scenario> = (0..(end - start) as usize)
                .into_par_iter()
                .with_min_len(64)
                .map_init(
                    || (model.workspace(), RuleCapture::new(c)),
                    |(ws, cap), j| {
                        let k = start + j as u64;
                        let mut invoiced = vec![0i128; periods];
                        let mut edit = |o: &mut Outcome| {
                            closed.apply(o);
                            for (p, v) in invoiced.iter_mut().enumerate() {
                                let cells = o.period_cells(p);
                                *v = cells.iter().zip(&prices).map(|(x, &pr)| i128::from(x.delivered) * pr).sum();
                            }
                        };
                        let scenario = (|| {
                            let (row, t) = model.row_rules_edited(cfg.seed, k, ws, cap, &mut edit)?;
                            let d = cap.decimals();
                            let cents = cap
                                .amounts
                                .iter()
                                .map(|&u| crate::clauses::to_cents(u, d, "clause amount"))
                                .collect::<Result<Vec<_>, _>>()?;
                            let cogs = t
                                .cost_of_goods
                                .checked_mul(Decimal::ONE_HUNDRED)
                                .and_then(|c| c.round().to_i64())
                                .ok_or(Error::Overflow {
                                    output: "cost_of_goods",
                                    value: OverflowValue::Exact(t.cost_of_goods),
                                })?;
                            Ok::<_, Error>((row, cents, cap.states.clone(), cogs))
                        })();
                        scenario
                            .map(|(row, cents, states, cogs)| Scenario { row, cents, states, cogs, invoiced })
                            .map_err(|e| Error::Scenario { index: k, source: Box::new(e) })
                    },
                )
                .collect::<Result<Vec<_>, Error>>()?;
            for s in batch {
                r.rows.push(s.row);
                r.cents.extend_from_slice(&s.cents);
                r.states.extend_from_slice(&s.states);
                r.cost_of_goods.push(s.cogs);
                for (a, b) in period_invoiced.iter_mut().zip(&s.invoiced) {
                    *a += b;
                }
            }
            start = end;
        }
        Ok(())
    })?;
    Ok(TrackRun { clauses: r, period_invoiced })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The factor is a weighted mean of the observed ratio (weight n) and 1 (weight κ).
    #[test]
    fn run_rate_shrinks_towards_the_plan() {
        let k = prior_periods(52);
        assert!((k - 8.0).abs() < 1e-12);
        assert_eq!(run_rate_factor(120, 100, 0, k), 1.0);
        assert_eq!(run_rate_factor(120, 0, 10, k), 1.0);
        assert!((run_rate_factor(120, 100, 8, k) - 1.1).abs() < 1e-12);
        assert!((run_rate_factor(50, 100, 52, k) - (52.0 * 0.5 + 8.0) / 60.0).abs() < 1e-12);
    }
}
