//! The runner: scenarios in fixed batches over a rayon pool, results stored per scenario in
//! index order, so the output is byte-identical at any thread count and any scenario can be
//! replayed by its index.

use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::Error;
use crate::sampler::Model;

/// Scenarios per parallel batch: large enough to amortise rayon's ~13 µs per call.
pub const BATCH: u64 = 4096;

/// Bytes stored per scenario per contract (six `i64` outputs).
pub const BYTES_PER_SCENARIO: u64 = std::mem::size_of::<Row>() as u64;

/// How to run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunConfig {
    /// Number of scenarios (contract-years).
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Refuse runs whose stored results would exceed this many bytes.
    pub max_memory: u64,
    /// Stop early once the standard error of the first contract's mean net contribution is
    /// at most this (currency units). Checked only at batch boundaries (every [`BATCH`]
    /// scenarios), so where a run stops depends on the seed alone, never on timing.
    pub tolerance: Option<f64>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig { runs: 10_000, seed: 1, threads: 0, max_memory: 2 << 30, tolerance: None }
    }
}

/// The outputs kept per scenario, in cents (money) or hundredths of a percent (ratios).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Net contribution, cents.
    pub net_contribution: i64,
    /// Fees total, cents.
    pub fees_total: i64,
    /// Net invoiced sales, cents.
    pub net_invoiced: i64,
    /// Effective fee ratio, hundredths of a percent (2536 = 25.36%).
    pub fee_ratio: i64,
    /// Retailer's total margin (front + back), cents.
    pub retailer_margin: i64,
    /// Net-net price per net unit (net revenue ÷ (delivered − returned)), cents.
    pub net_net_price: i64,
}

/// One contract's results: one row per scenario, in scenario order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Results {
    /// Rows by scenario index.
    pub rows: Vec<Row>,
}

fn cents(d: Decimal) -> i64 {
    (d * Decimal::ONE_HUNDRED).round().to_i64().unwrap_or(i64::MAX)
}

/// The row of one settlement's totals.
pub fn row_of(t: kasim_core::settle::Totals) -> Result<Row, Error> {
    let fees = t.fees_total();
    let net = t.gross_invoiced - t.returns;
    let ratio = if net.is_zero() { Decimal::ZERO } else { fees / net };
    Ok(Row {
        net_contribution: cents(t.net_contribution()),
        fees_total: cents(fees),
        net_invoiced: cents(net),
        fee_ratio: (ratio * Decimal::from(10_000)).round().to_i64().unwrap_or(0),
        retailer_margin: cents(t.retail_sales - t.retailer_cost_of_sales + fees),
        net_net_price: {
            let units = t.units_delivered - t.units_returned;
            if units == 0 { 0 } else { cents((net - fees) / Decimal::from(units)) }
        },
    })
}

/// Runs every model over the same scenarios (common random numbers): scenario k of every
/// contract is sampled from the same streams.
pub fn run(models: &[Model<'_>], cfg: &RunConfig) -> Result<Vec<Results>, Error> {
    run_with_progress(models, cfg, &mut |_, _| {})
}

/// [`run`], calling `progress(done, total)` after each batch (for a progress bar; the library
/// itself never prints).
pub fn run_with_progress(
    models: &[Model<'_>],
    cfg: &RunConfig,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Vec<Results>, Error> {
    let need = cfg.runs.saturating_mul(BYTES_PER_SCENARIO).saturating_mul(models.len().max(1) as u64);
    if need > cfg.max_memory {
        return Err(Error::TooLarge { runs: cfg.runs, contracts: models.len(), bytes: need, limit: cfg.max_memory });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Model(format!("cannot start {} worker threads: {e}", cfg.threads)))?;
    let mut out: Vec<Results> =
        models.iter().map(|_| Results { rows: Vec::with_capacity(cfg.runs as usize) }).collect();
    let (mut sum, mut sum_sq) = (0i128, 0f64);
    pool.install(|| -> Result<(), Error> {
        let mut start = 0;
        while start < cfg.runs {
            let end = (start + BATCH).min(cfg.runs);
            let batch: Vec<Vec<Row>> = (start..end)
                .into_par_iter()
                .map_init(
                    || models.iter().map(Model::outcome_buffer).collect::<Vec<_>>(),
                    |bufs, k| {
                        models
                            .iter()
                            .zip(bufs.iter_mut())
                            .map(|(m, buf)| {
                                m.row(cfg.seed, k, buf).map_err(|e| Error::Scenario { index: k, source: Box::new(e) })
                            })
                            .collect::<Result<Vec<Row>, Error>>()
                    },
                )
                .collect::<Result<_, _>>()?;
            for rows in batch {
                if let Some(first) = rows.first() {
                    sum += i128::from(first.net_contribution);
                    sum_sq += (first.net_contribution as f64) * (first.net_contribution as f64);
                }
                for (r, row) in out.iter_mut().zip(rows) {
                    r.rows.push(row);
                }
            }
            start = end;
            progress(start, cfg.runs);
            if let Some(tol) = cfg.tolerance {
                let n = start as f64;
                let mean = sum as f64 / n;
                let var = ((sum_sq - n * mean * mean) / (n - 1.0).max(1.0)).max(0.0);
                // Cents to currency units.
                if start >= BATCH && (var / n).sqrt() / 100.0 <= tol {
                    break;
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}
