//! Strategy comparison: every supplier strategy against every buyer strategy over many
//! negotiations whose buyer parameters are uncertain (fee target, signing deadline, BATNA),
//! drawn per run from seeded streams — the same draws for every pair (common random numbers),
//! in parallel, identical at any thread count.

use std::ops::Range;

use kasim_montecarlo::streams::{Factor, sku_key, stream};
use rand::RngExt;
use rayon::prelude::*;
use serde::Serialize;

use crate::contract::{Setup, play_against, scores, strategy_for};
use crate::{Error, Side, StrategyKind};

/// How the buyer's parameters vary between runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TournamentConfig {
    /// Negotiations per pair of strategies.
    pub runs: u64,
    /// Seed of the buyer-parameter draws.
    pub seed: u64,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// The fee target is scaled by a uniform draw in [1 − spread, 1 + spread].
    pub fee_target_spread: f64,
    /// The buyer's deadline is a uniform draw in this range of its horizon.
    pub deadline_range: (f64, f64),
    /// The buyer's BATNA moves by a uniform draw in [−spread, +spread].
    pub batna_spread: f64,
    /// Each KPI weight is scaled by a uniform draw in [1 − spread, 1 + spread].
    pub weight_spread: f64,
}

impl Default for TournamentConfig {
    fn default() -> Self {
        TournamentConfig {
            runs: 100,
            seed: 1,
            threads: 0,
            fee_target_spread: 0.2,
            deadline_range: (0.5, 1.0),
            batna_spread: 0.05,
            weight_spread: 0.25,
        }
    }
}

/// One pair's results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairResult {
    /// The supplier's strategy.
    pub supplier: StrategyKind,
    /// The buyer's strategy.
    pub buyer: StrategyKind,
    /// Share of runs that reached agreement.
    pub agreement_rate: f64,
    /// Mean realised supplier value (agreement after delay, or BATNA).
    pub supplier_mean: f64,
    /// Standard deviation of the supplier value.
    pub supplier_sd: f64,
    /// 10th, 50th and 90th percentiles of the supplier value (type 7).
    pub supplier_p10_p50_p90: [f64; 3],
    /// Mean realised buyer utility.
    pub buyer_mean: f64,
    /// Mean round of agreement (1-based), over agreements.
    pub mean_round: f64,
}

/// The strategies compared by default on a set-up: per side, every strategy of the catalogue
/// the side can play and the set-up configures (anchoring needs last year's fees,
/// flagship-first its playbook), except those [`StrategyKind::in_tournament`] leaves out.
/// Returns (supplier strategies, buyer strategies).
pub fn field(setup: &Setup) -> (Vec<StrategyKind>, Vec<StrategyKind>) {
    let side = |side: Side| -> Vec<StrategyKind> {
        StrategyKind::for_side(side).filter(|k| k.in_tournament() && strategy_for(*k, side, setup).is_ok()).collect()
    };
    (side(Side::Supplier), side(Side::Buyer))
}

/// Most negotiations per pair a tournament plays.
pub const MAX_RUNS: u64 = 100_000;

/// Most offers a tournament plays: runs × pairs of strategies × the round limit (each
/// negotiation makes at most one offer a round).
pub const MAX_TOURNAMENT_OFFERS: u64 = 100_000_000;

/// What one negotiation of a tournament run ended with, for one pair of strategies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunOutcome {
    /// Whether the sides agreed.
    pub agreed: bool,
    /// The supplier's realised value (the agreement after delay, or its BATNA).
    pub supplier_value: f64,
    /// The buyer's realised utility.
    pub buyer_utility: f64,
    /// The round of agreement, 1-based (0 without agreement).
    pub round: usize,
}

/// The outcomes of tournament runs `start..start + outcomes.len()`: per run, one
/// [`RunOutcome`] per pair of strategies (supplier-major, as [`tournament`]'s pairs).
#[derive(Clone, Debug, PartialEq)]
pub struct RunOutcomes {
    /// The first run.
    pub start: u64,
    /// Pairs of strategies per run.
    pub pairs: usize,
    /// Per run, per pair.
    pub outcomes: Vec<Vec<RunOutcome>>,
}

/// The magic number opening encoded tournament runs ([`encode_runs`]).
pub const RUNS_MAGIC: [u8; 4] = *b"KTR1";

/// Encodes tournament runs: little-endian, 24 bytes of header — magic `KTR1`, `u64` first run,
/// `u64` runs, `u32` 3 × pairs (numbers per run) — then per run, per pair, 3 × 8 bytes: the
/// supplier value and the buyer utility as `f64` (bit for bit) and `u64` round × 2 + agreed.
pub fn encode_runs(runs: &RunOutcomes) -> Vec<u8> {
    let words: Vec<u64> = runs
        .outcomes
        .iter()
        .flat_map(|r| r.iter().take(runs.pairs))
        .flat_map(|o| {
            [o.supplier_value.to_bits(), o.buyer_utility.to_bits(), (o.round as u64) << 1 | u64::from(o.agreed)]
        })
        .collect();
    let width = u32::try_from(3 * runs.pairs).unwrap_or(u32::MAX);
    crate::parts::encode(RUNS_MAGIC, runs.start, runs.outcomes.len() as u64, width, &words)
}

/// Decodes [`encode_runs`]'s bytes.
///
/// # Errors
///
/// [`Error::Bytes`] when the bytes are not encoded tournament runs (wrong magic, a width that
/// is not a multiple of 3, a length that does not match the header, more runs than
/// [`MAX_RUNS`]).
pub fn decode_runs(bytes: &[u8]) -> Result<RunOutcomes, Error> {
    let what = "tournament runs";
    let (start, count, width, words) = crate::parts::decode(what, RUNS_MAGIC, None, bytes)?;
    if width % 3 != 0 {
        return Err(Error::Bytes { what, reason: format!("{width} numbers per run is not 3 per pair") });
    }
    if start.saturating_add(count) > MAX_RUNS {
        return Err(Error::Bytes {
            what,
            reason: format!("runs {start}..{} are beyond {MAX_RUNS}", start.saturating_add(count)),
        });
    }
    let pairs = width as usize / 3;
    let outcome = |w: &[u64]| RunOutcome {
        agreed: w[2] & 1 == 1,
        supplier_value: f64::from_bits(w[0]),
        buyer_utility: f64::from_bits(w[1]),
        round: usize::try_from(w[2] >> 1).unwrap_or(usize::MAX),
    };
    let outcomes = if pairs == 0 {
        vec![Vec::new(); count as usize]
    } else {
        words.chunks_exact(width as usize).map(|run| run.chunks_exact(3).map(outcome).collect()).collect()
    };
    Ok(RunOutcomes { start, pairs, outcomes })
}

/// Merges pieces of tournament runs, in any order, into the runs `0..total`.
///
/// # Errors
///
/// [`Error::Parts`] when the pieces leave runs out, cover one twice, or differ in their
/// number of pairs.
pub fn merge_runs(parts: Vec<RunOutcomes>) -> Result<RunOutcomes, Error> {
    let pairs = parts.first().map_or(0, |p| p.pairs);
    if let Some(p) = parts.iter().find(|p| p.pairs != pairs) {
        return Err(Error::Parts {
            what: "tournament runs",
            reason: format!("differ: the one starting at run {} has {} pairs, the first {pairs}", p.start, p.pairs),
        });
    }
    let outcomes = crate::parts::tile("tournament runs", parts.into_iter().map(|p| (p.start, p.outcomes)).collect())?;
    Ok(RunOutcomes { start: 0, pairs, outcomes })
}

pub(crate) fn check(
    setup: &Setup,
    suppliers: &[StrategyKind],
    buyers: &[StrategyKind],
    cfg: &TournamentConfig,
) -> Result<(), Error> {
    if cfg.runs == 0 || cfg.runs > MAX_RUNS {
        return Err(Error::OutOfRange { name: "runs", value: cfg.runs.to_string(), range: "between 1 and 100,000" });
    }
    let pairs = (suppliers.len() as u64).saturating_mul(buyers.len() as u64);
    let rounds = (setup.config.rounds as u64).max(1);
    let per_run = pairs.saturating_mul(rounds);
    if cfg.runs.saturating_mul(per_run) > MAX_TOURNAMENT_OFFERS {
        return Err(Error::TournamentTooLarge {
            runs: cfg.runs,
            pairs,
            rounds,
            limit: MAX_TOURNAMENT_OFFERS,
            max_runs: MAX_TOURNAMENT_OFFERS / per_run.max(1),
        });
    }
    for s in suppliers {
        strategy_for(*s, Side::Supplier, setup)?;
    }
    for b in buyers {
        strategy_for(*b, Side::Buyer, setup)?;
    }
    Ok(())
}

/// Runs the tournament of `suppliers` × `buyers` strategies.
///
/// # Errors
///
/// [`Error::OutOfRange`] when `cfg.runs` is 0 or above [`MAX_RUNS`];
/// [`Error::TournamentTooLarge`] when runs × pairs × rounds is above
/// [`MAX_TOURNAMENT_OFFERS`]; as
/// [`strategy_for`] when a strategy is not for its side or lacks a setting;
/// [`Error::Threads`] when the worker threads cannot be started.
pub fn tournament(
    setup: &Setup,
    suppliers: &[StrategyKind],
    buyers: &[StrategyKind],
    cfg: &TournamentConfig,
) -> Result<Vec<PairResult>, Error> {
    let runs = tournament_runs(setup, suppliers, buyers, cfg, 0..cfg.runs)?;
    Ok(pairs_from_runs(suppliers, buyers, cfg, &runs))
}

/// Plays runs `range` of the tournament of `cfg.runs` runs (a unit of work: run k's buyer is
/// drawn from (seed, k) alone, so any split gives the same outcomes, at any thread count).
///
/// # Errors
///
/// [`Error::OutOfRange`] when the range is not within `0..cfg.runs`; as [`tournament`].
pub fn tournament_runs(
    setup: &Setup,
    suppliers: &[StrategyKind],
    buyers: &[StrategyKind],
    cfg: &TournamentConfig,
    range: Range<u64>,
) -> Result<RunOutcomes, Error> {
    check(setup, suppliers, buyers, cfg)?;
    if range.start > range.end || range.end > cfg.runs {
        return Err(Error::OutOfRange {
            name: "run range",
            value: format!("{}..{} of {}", range.start, range.end, cfg.runs),
            range: "within 0..runs",
        });
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(cfg.threads).build().map_err(Error::Threads)?;
    let horizon = setup.config.buyer.deadline.map_or(setup.config.rounds, |d| d.min(setup.config.rounds)) as f64;
    let key = sku_key("negotiation.buyer");
    let start = range.start;
    // Per run: one outcome per pair, in pair order.
    let outcomes: Vec<Vec<RunOutcome>> = pool.install(|| {
        range
            .into_par_iter()
            .map(|k| {
                let mut rng = stream(cfg.seed, Factor::Negotiation, key, k);
                let (a, b, c): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
                let mut params = setup.buyer_params;
                params.targets[0] *= 1.0 - cfg.fee_target_spread + 2.0 * cfg.fee_target_spread * a;
                for w in params.weights.iter_mut() {
                    let u: f64 = rng.random();
                    *w *= 1.0 - cfg.weight_spread + 2.0 * cfg.weight_spread * u;
                }
                let buyer = scores(setup.buyer_kpis.iter().map(|x| params.utility(x)).collect());
                let mut config = setup.config;
                let (lo, hi) = cfg.deadline_range;
                config.buyer.deadline = Some(((lo + (hi - lo) * b) * horizon).round() as usize);
                config.buyer.reservation += cfg.batna_spread * (2.0 * c - 1.0);
                let mut out = Vec::with_capacity(suppliers.len() * buyers.len());
                for s in suppliers {
                    for bn in buyers {
                        // Checked before the runs: every pair plays.
                        let Ok(t) = play_against(setup, &params, &buyer, &config, *s, *bn) else {
                            continue;
                        };
                        let round = t.agreement.as_ref().map_or(0, |x| x.round + 1);
                        out.push(RunOutcome {
                            agreed: t.agreement.is_some(),
                            supplier_value: t.u_supplier,
                            buyer_utility: t.u_buyer,
                            round,
                        });
                    }
                }
                out
            })
            .collect()
    });
    Ok(RunOutcomes { start, pairs: suppliers.len() * buyers.len(), outcomes })
}

/// The pairs' results from every run's outcomes (`runs`: runs `0..cfg.runs`, e.g. merged by
/// [`merge_runs`]), supplier-major in the order of `suppliers` × `buyers`.
pub fn pairs_from_runs(
    suppliers: &[StrategyKind],
    buyers: &[StrategyKind],
    cfg: &TournamentConfig,
    runs: &RunOutcomes,
) -> Vec<PairResult> {
    let n = cfg.runs.max(1) as f64;
    let mut results = Vec::new();
    for (p, (s, b)) in suppliers.iter().flat_map(|s| buyers.iter().map(move |b| (s, b))).enumerate() {
        let xs: Vec<RunOutcome> = runs.outcomes.iter().filter_map(|r| r.get(p).copied()).collect();
        let agreed = xs.iter().filter(|x| x.agreed).count();
        let mean = xs.iter().map(|x| x.supplier_value).sum::<f64>() / n;
        let var = xs.iter().map(|x| (x.supplier_value - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        let mut values: Vec<f64> = xs.iter().map(|x| x.supplier_value).collect();
        values.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let h = (values.len().max(1) - 1) as f64 * p;
            let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
            values.get(lo).map_or(0.0, |a| a + (h - lo as f64) * (values.get(hi).unwrap_or(a) - a))
        };
        results.push(PairResult {
            supplier: *s,
            buyer: *b,
            agreement_rate: agreed as f64 / n,
            supplier_mean: mean,
            supplier_sd: var.sqrt(),
            supplier_p10_p50_p90: [q(0.1), q(0.5), q(0.9)],
            buyer_mean: xs.iter().map(|x| x.buyer_utility).sum::<f64>() / n,
            mean_round: if agreed == 0 {
                0.0
            } else {
                xs.iter().filter(|x| x.agreed).map(|x| x.round as f64).sum::<f64>() / agreed as f64
            },
        });
    }
    results
}
