//! The runner: scenarios in fixed batches over a rayon pool, results stored per scenario in
//! index order, so the output is byte-identical at any thread count and any scenario can be
//! replayed by its index.

use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::sampler::Model;
use crate::{Error, OverflowValue};

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

/// The row of one settlement's totals.
///
/// # Errors
///
/// [`Error::Overflow`] naming the output when one does not fit a row (beyond ±2⁶³ cents, or
/// beyond `Decimal` while computing it): the simulation refuses rather than clamp, so what it
/// reports always agrees with `evaluate`.
pub fn row_of(t: kasim_core::settle::Totals) -> Result<Row, Error> {
    // Amounts with at most 2 decimals (the default rounding) are exact integers of cents:
    // the row is then computed in integers, with the same results as the `Decimal` path.
    match row_in_cents(&t) {
        Some(row) => Ok(row),
        None => row_in_decimal(&t),
    }
}

/// An amount as whole cents (half to even), or [`Error::Overflow`] naming `output`.
fn cents(output: &'static str, d: Decimal, per: u32) -> Result<i64, Error> {
    d.checked_mul(Decimal::from(per)).and_then(|c| c.round().to_i64()).ok_or_else(|| Error::Overflow {
        output,
        value: if per == 100 { OverflowValue::Exact(d) } else { exact(d.checked_mul(Decimal::ONE_HUNDRED)) },
    })
}

fn exact(d: Option<Decimal>) -> OverflowValue {
    d.map_or(OverflowValue::BeyondDecimal, OverflowValue::Exact)
}

fn beyond(output: &'static str) -> Error {
    Error::Overflow { output, value: OverflowValue::BeyondDecimal }
}

/// [`row_of`] in `Decimal` arithmetic (any number of decimals), checked.
fn row_in_decimal(t: &kasim_core::settle::Totals) -> Result<Row, Error> {
    use kasim_core::fees::FeeKind;
    // `Totals::fees_total` and `net_contribution`, checked.
    let fees = FeeKind::ALL
        .iter()
        .filter(|k| k.is_fee())
        .try_fold(Decimal::ZERO, |acc, k| acc.checked_add(t.by_kind[k.index()]))
        .ok_or_else(|| beyond("fees_total"))?;
    let net = t.gross_invoiced.checked_sub(t.returns).ok_or_else(|| beyond("net_invoiced"))?;
    let contribution = net
        .checked_sub(fees)
        .and_then(|x| x.checked_sub(t.cost_of_goods))
        .and_then(|x| x.checked_sub(t.financing()))
        .ok_or_else(|| beyond("net_contribution"))?;
    let fee_ratio = if net.is_zero() {
        0
    } else {
        // Hundredths of a percent.
        cents("fee_ratio", fees.checked_div(net).ok_or_else(|| beyond("fee_ratio"))?, 10_000)?
    };
    let margin = t
        .retail_sales
        .checked_sub(t.retailer_cost_of_sales)
        .and_then(|m| m.checked_add(fees))
        .ok_or_else(|| beyond("retailer_margin"))?;
    let units = t.units_delivered - t.units_returned;
    let net_net_price = if units == 0 {
        0
    } else {
        let v = net.checked_sub(fees).and_then(|x| x.checked_div(Decimal::from(units)));
        cents("net_net_price", v.ok_or_else(|| beyond("net_net_price"))?, 100)?
    };
    Ok(Row {
        net_contribution: cents("net_contribution", contribution, 100)?,
        fees_total: cents("fees_total", fees, 100)?,
        net_invoiced: cents("net_invoiced", net, 100)?,
        fee_ratio,
        retailer_margin: cents("retailer_margin", margin, 100)?,
        net_net_price,
    })
}

/// The exact number of cents of an amount with at most two decimals.
fn exact_cents(d: Decimal) -> Option<i128> {
    let scale = d.scale();
    (scale <= 2).then(|| d.mantissa() * 10i128.pow(2 - scale))
}

/// `num ÷ den` rounded half to even, like `Decimal::round` (`den` ≠ 0).
fn div_half_even(num: i128, den: i128) -> i128 {
    let (q, r) = (num / den, num % den);
    if r == 0 {
        return q;
    }
    let away = if (num < 0) != (den < 0) { q - 1 } else { q + 1 };
    match (2 * r.unsigned_abs()).cmp(&den.unsigned_abs()) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => away,
        std::cmp::Ordering::Equal if q % 2 == 0 => q,
        std::cmp::Ordering::Equal => away,
    }
}

/// [`row_of`] in integer cents, when every amount has at most two decimals and every output
/// fits.
fn row_in_cents(t: &kasim_core::settle::Totals) -> Option<Row> {
    use kasim_core::fees::FeeKind;
    let mut fees = 0i128;
    for k in FeeKind::ALL.iter().filter(|k| k.is_fee()) {
        fees += exact_cents(t.by_kind[k.index()])?;
    }
    let net = exact_cents(t.gross_invoiced)? - exact_cents(t.returns)?;
    let contribution = net - fees - exact_cents(t.cost_of_goods)? - exact_cents(t.financing())?;
    let margin = exact_cents(t.retail_sales)? - exact_cents(t.retailer_cost_of_sales)? + fees;
    let ratio = if net == 0 { 0 } else { div_half_even(fees * 10_000, net) };
    let units = i128::from(t.units_delivered) - i128::from(t.units_returned);
    let net_net = if units == 0 { 0 } else { div_half_even(net - fees, units) };
    Some(Row {
        net_contribution: contribution.try_into().ok()?,
        fees_total: fees.try_into().ok()?,
        net_invoiced: net.try_into().ok()?,
        fee_ratio: ratio.try_into().ok()?,
        retailer_margin: margin.try_into().ok()?,
        net_net_price: net_net.try_into().ok()?,
    })
}

/// Runs every model over the same scenarios (common random numbers): scenario k of every
/// contract is sampled from the same streams.
///
/// # Errors
///
/// [`Error::TooLarge`] when the results would exceed `cfg.max_memory`;
/// [`Error::OutOfMemory`] when the system refuses the memory for them even so;
/// [`Error::ThreadPool`] when the worker threads cannot start; [`Error::Scenario`] (with the
/// scenario index) when a scenario's drawn terms make the contract invalid, its settlement
/// fails, or an output does not fit a row ([`Error::Overflow`]).
pub fn run(models: &[Model<'_>], cfg: &RunConfig) -> Result<Vec<Results>, Error> {
    run_with_progress(models, cfg, &mut |_, _| {})
}

/// [`run`], calling `progress(done, total)` after each batch (for a progress bar; the library
/// itself never prints).
///
/// # Errors
///
/// As [`run`].
pub fn run_with_progress(
    models: &[Model<'_>],
    cfg: &RunConfig,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Vec<Results>, Error> {
    run_batches(models, cfg, 0..cfg.runs, progress)
}

/// Runs scenarios `range` in batches of [`BATCH`] (from `range.start`), calling
/// `progress(done, total)` with the scenarios of the range after each batch; the tolerance
/// is applied as for a full run (callers of a partial range refuse it first).
pub(crate) fn run_batches(
    models: &[Model<'_>],
    cfg: &RunConfig,
    range: std::ops::Range<u64>,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Vec<Results>, Error> {
    let runs = range.end - range.start;
    // In u128: runs × 48 × contracts always fits, so the figure in the message is exact.
    let need = u128::from(runs) * u128::from(BYTES_PER_SCENARIO) * models.len().max(1) as u128;
    if need > u128::from(cfg.max_memory) {
        return Err(Error::TooLarge { runs, contracts: models.len(), bytes: need, limit: cfg.max_memory });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|source| Error::ThreadPool { threads: cfg.threads, source })?;
    // Reserved fallibly: under a process or cgroup limit the allocator may refuse what the
    // budget allowed, and that must be an error, not an abort.
    let mut out: Vec<Results> = Vec::new();
    for _ in models {
        let mut rows = Vec::new();
        rows.try_reserve_exact(usize::try_from(runs).unwrap_or(usize::MAX)).map_err(|source| Error::OutOfMemory {
            runs,
            contracts: models.len(),
            bytes: need,
            source,
        })?;
        out.push(Results { rows });
    }
    let (mut sum, mut sum_sq) = (0i128, 0f64);
    pool.install(|| -> Result<(), Error> {
        let m = models.len();
        // One row per (scenario, contract) of the batch, scenario-major; reused across batches,
        // so a scenario allocates nothing.
        let mut batch = vec![Row::default(); BATCH as usize * m];
        let mut start = range.start;
        while start < range.end {
            let end = (start + BATCH).min(range.end);
            let rows = &mut batch[..(end - start) as usize * m];
            if m > 0 {
                // One workspace per model per worker piece (outcome buffer, settlement scratch,
                // and the copy of the contract drawn terms are set in): a scenario allocates
                // nothing and clones nothing.
                rows.par_chunks_mut(m).with_min_len(256).enumerate().try_for_each_init(
                    || models.iter().map(Model::workspace).collect::<Vec<_>>(),
                    |workspaces, (j, chunk)| {
                        let k = start + j as u64;
                        for ((model, ws), slot) in models.iter().zip(workspaces.iter_mut()).zip(chunk) {
                            *slot = model
                                .row(cfg.seed, k, ws)
                                .map_err(|e| Error::Scenario { index: k, source: Box::new(e) })?;
                        }
                        Ok::<(), Error>(())
                    },
                )?;
            }
            for scenario in rows.chunks(m.max(1)) {
                if let Some(first) = scenario.first() {
                    sum += i128::from(first.net_contribution);
                    sum_sq += (first.net_contribution as f64) * (first.net_contribution as f64);
                }
                for (r, row) in out.iter_mut().zip(scenario) {
                    r.rows.push(*row);
                }
            }
            start = end;
            progress(start - range.start, runs);
            if let Some(tol) = cfg.tolerance {
                let n = (start - range.start) as f64;
                let mean = sum as f64 / n;
                let var = ((sum_sq - n * mean * mean) / (n - 1.0).max(1.0)).max(0.0);
                // Cents to currency units.
                if start - range.start >= BATCH && (var / n).sqrt() / 100.0 <= tol {
                    break;
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer row equals the `Decimal` row, on sampled scenarios and on hand-made ties.
    #[test]
    fn rows_in_cents_equal_rows_in_decimal() {
        let c = kasim_core::demo::contract("[uncertainty]\ndemand_cv = \"40%\"\n[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"3.7%\"\n").unwrap();
        let m = kasim_core::Compiled::new(&c).unwrap();
        let model = Model::new(&m).unwrap();
        let mut buf = model.outcome_buffer();
        for k in 0..300 {
            model.sample_into(9, k, &mut buf);
            let t = m.totals(&buf).unwrap();
            assert_eq!(row_in_cents(&t), Some(row_in_decimal(&t).unwrap()), "scenario {k}");
        }
        // Ties round half to even in both: 0.125 → 0.12, 0.135 → 0.14 (net-net price).
        let mut t = m.totals(m.plan_outcome()).unwrap();
        for (net_cents, units) in [(25, 2), (27, 2), (-25, 2), (1, 8)] {
            t.gross_invoiced = Decimal::new(net_cents, 2);
            t.returns = Decimal::ZERO;
            t.by_kind = [Decimal::ZERO; kasim_core::fees::FeeKind::COUNT];
            t.units_delivered = units;
            t.units_returned = 0;
            assert_eq!(row_in_cents(&t), Some(row_in_decimal(&t).unwrap()), "{net_cents} / {units}");
        }
    }
}
