//! Scenario-index ranges as units of work, and their exact merge.
//!
//! Scenario k's draws are addressed by (seed, k, factor, SKU) ([`crate::streams`]), so a run
//! over `[start, end)` gives exactly the rows `start..end` of the full run, whatever the split
//! and wherever it runs. A sharded run is therefore:
//!
//! 1. each shard — (contract text, base directory, runs, seed, start, end) — calls
//!    [`run_range`] and ships its rows as [`encode`]d bytes;
//! 2. the driver [`decode`]s them and [`merge`]s them into the rows in index order;
//! 3. [`Simulation::new`](crate::report::Simulation::new) or
//!    [`Comparison::new`](crate::report::Comparison::new) on the merged rows gives the report
//!    of the single-machine run, byte for byte in JSON: the statistics are computed from the
//!    merged rows, never combined from per-shard statistics.
//!
//! **Early stop (`RunConfig::tolerance`)** is refused for a range ([`Error::RangeWithTolerance`]):
//! where a tolerance stops a run depends on every scenario before the stop, which a shard
//! does not see. Run sharded simulations with a fixed number of runs.
//!
//! # The shard encoding
//!
//! Little-endian throughout, 24 bytes of header then the columns:
//!
//! | bytes | content |
//! |---|---|
//! | 0–3 | magic `KSR1` |
//! | 4–11 | `u64` index of the shard's first scenario (`start`) |
//! | 12–15 | `u32` number of contracts `m` |
//! | 16–23 | `u64` rows per contract `n` (= `end − start`) |
//! | 24… | per contract, per output in [`COLUMNS`] order, `n` × `i64` |
//!
//! so a shard takes `24 + 48 · n · m` bytes, and each column can be read in place (e.g.
//! `numpy.frombuffer(b, "<i8", n, offset)`). [`COLUMNS`] lists the outputs in that order.

use std::ops::Range;

use crate::Error;
use crate::runner::{BYTES_PER_SCENARIO, Results, Row, RunConfig, run_batches};
use crate::sampler::Model;

/// The magic number opening an encoded shard.
pub const MAGIC: [u8; 4] = *b"KSR1";

/// Bytes of an encoded shard's header.
pub const HEADER_BYTES: usize = 24;

/// The outputs of a row, in the order of an encoded shard's columns.
pub const COLUMNS: [&str; 6] =
    ["net_contribution", "fees_total", "net_invoiced", "fee_ratio", "retailer_margin", "net_net_price"];

/// The six values of a row in [`COLUMNS`] order.
fn values(r: &Row) -> [i64; 6] {
    [r.net_contribution, r.fees_total, r.net_invoiced, r.fee_ratio, r.retailer_margin, r.net_net_price]
}

/// Runs every model over scenarios `range.start..range.end` only: `result[i].rows[j]` is row
/// `range.start + j` of contract `i` of the full [`run`](crate::run) with the same `cfg`
/// (same seed), at any thread count.
///
/// `cfg.runs` is the size of the whole run the range belongs to; `cfg.max_memory` bounds the
/// range's rows.
///
/// # Errors
///
/// [`Error::BadRange`] when the range is not within `0..cfg.runs`;
/// [`Error::RangeWithTolerance`] when `cfg.tolerance` is set (see the module's note); and the
/// errors of [`run`](crate::run).
pub fn run_range(models: &[Model<'_>], cfg: &RunConfig, range: Range<u64>) -> Result<Vec<Results>, Error> {
    run_range_with_progress(models, cfg, range, &mut |_, _| {})
}

/// [`run_range`], calling `progress(done, total)` (scenarios of the range) after each batch
/// of [`BATCH`](crate::runner::BATCH) scenarios.
///
/// # Errors
///
/// As [`run_range`].
pub fn run_range_with_progress(
    models: &[Model<'_>],
    cfg: &RunConfig,
    range: Range<u64>,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Vec<Results>, Error> {
    if range.start > range.end || range.end > cfg.runs {
        return Err(Error::BadRange { start: range.start, end: range.end, runs: cfg.runs });
    }
    if cfg.tolerance.is_some() {
        return Err(Error::RangeWithTolerance);
    }
    run_batches(models, cfg, range, progress)
}

/// Merges shards — `(start, results)` pairs, in any order — into the rows of one run in index
/// order, so the reports built on them equal the single-machine run's.
///
/// The shards must tile `0..total` exactly: the first starts at 0, each next one where the
/// previous ended, and every shard has the same number of contracts, each with as many rows.
///
/// # Errors
///
/// [`Error::ShardGap`] or [`Error::ShardOverlap`] when the shards do not tile the range,
/// [`Error::ShardContracts`] when a shard has a different number of contracts than the first,
/// [`Error::ShardRows`] when a shard's contracts have different row counts, and
/// [`Error::OutOfMemory`] when the merged rows cannot be reserved.
pub fn merge(mut shards: Vec<(u64, Vec<Results>)>) -> Result<Vec<Results>, Error> {
    // An empty shard first among those at its start, so it may sit anywhere.
    shards.sort_by_key(|(start, r)| (*start, r.first().map_or(0, |r| r.rows.len())));
    let contracts = shards.first().map_or(0, |(_, r)| r.len());
    let mut total = 0u64;
    for (start, results) in &shards {
        if results.len() != contracts {
            return Err(Error::ShardContracts { start: *start, expected: contracts, found: results.len() });
        }
        let rows = results.first().map_or(0, |r| r.rows.len()) as u64;
        if let Some((i, r)) = results.iter().enumerate().find(|(_, r)| r.rows.len() as u64 != rows) {
            return Err(Error::ShardRows { start: *start, contract: i, rows: r.rows.len() as u64, expected: rows });
        }
        match start.cmp(&total) {
            std::cmp::Ordering::Greater => return Err(Error::ShardGap { from: total, to: *start }),
            std::cmp::Ordering::Less => return Err(Error::ShardOverlap { start: *start, covered: total }),
            std::cmp::Ordering::Equal => {}
        }
        total += rows;
    }
    let need = u128::from(total) * u128::from(BYTES_PER_SCENARIO) * contracts as u128;
    let mut out = Vec::with_capacity(contracts);
    for _ in 0..contracts {
        let mut rows = Vec::new();
        rows.try_reserve_exact(usize::try_from(total).unwrap_or(usize::MAX)).map_err(|source| Error::OutOfMemory {
            runs: total,
            contracts,
            bytes: need,
            source,
        })?;
        out.push(Results { rows });
    }
    for (_, results) in shards {
        for (o, r) in out.iter_mut().zip(results) {
            o.rows.extend_from_slice(&r.rows);
        }
    }
    Ok(out)
}

/// Encodes a shard's rows (the results of [`run_range`] from `start`) as bytes: see the
/// module's table. Contracts whose row counts differ are encoded with the first one's count
/// taken from each (use [`merge`]'s checks before when unsure); in practice every contract of
/// a run has the same rows.
pub fn encode(start: u64, results: &[Results]) -> Vec<u8> {
    let n = results.first().map_or(0, |r| r.rows.len());
    let mut b = Vec::with_capacity(HEADER_BYTES + 48 * n * results.len());
    b.extend_from_slice(&MAGIC);
    b.extend_from_slice(&start.to_le_bytes());
    b.extend_from_slice(&(results.len() as u32).to_le_bytes());
    b.extend_from_slice(&(n as u64).to_le_bytes());
    for r in results {
        for c in 0..COLUMNS.len() {
            for row in r.rows.iter().take(n) {
                b.extend_from_slice(&values(row)[c].to_le_bytes());
            }
        }
    }
    b
}

/// Decodes [`encode`]'s bytes into `(start, results)`.
///
/// # Errors
///
/// [`Error::ShardBytes`] when the bytes are not an encoded shard (wrong magic, or a length
/// that does not match the header).
pub fn decode(bytes: &[u8]) -> Result<(u64, Vec<Results>), Error> {
    let bad = |reason: String| Error::ShardBytes { reason };
    if bytes.len() < HEADER_BYTES || bytes[..4] != MAGIC {
        return Err(bad(format!("{} bytes without the KSR1 header", bytes.len())));
    }
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
    let start = u64_at(4);
    let m = u32::from_le_bytes(bytes[12..16].try_into().unwrap_or([0; 4])) as u128;
    let n = u128::from(u64_at(16));
    let expected = HEADER_BYTES as u128 + 48 * n * m;
    if bytes.len() as u128 != expected {
        return Err(bad(format!(
            "{} bytes, but the header says {m} contracts × {n} rows ({expected} bytes)",
            bytes.len()
        )));
    }
    let (m, n) = (m as usize, n as usize);
    let col = |contract: usize, c: usize, j: usize| {
        let at = HEADER_BYTES + 8 * ((contract * COLUMNS.len() + c) * n + j);
        i64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]))
    };
    let results = (0..m)
        .map(|i| Results {
            rows: (0..n)
                .map(|j| Row {
                    net_contribution: col(i, 0, j),
                    fees_total: col(i, 1, j),
                    net_invoiced: col(i, 2, j),
                    fee_ratio: col(i, 3, j),
                    retailer_margin: col(i, 4, j),
                    net_net_price: col(i, 5, j),
                })
                .collect(),
        })
        .collect();
    Ok((start, results))
}
