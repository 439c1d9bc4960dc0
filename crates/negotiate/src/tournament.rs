//! Strategy comparison: every supplier strategy against every buyer strategy over many
//! negotiations whose buyer parameters are uncertain (fee target, signing deadline, BATNA),
//! drawn per run from seeded streams — the same draws for every pair (common random numbers),
//! in parallel, identical at any thread count.

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
    let pool = rayon::ThreadPoolBuilder::new().num_threads(cfg.threads).build().map_err(Error::Threads)?;
    let horizon = setup.config.buyer.deadline.map_or(setup.config.rounds, |d| d.min(setup.config.rounds)) as f64;
    let key = sku_key("negotiation.buyer");
    // Per run: one (agreed, supplier value, buyer utility, round) per pair, in pair order.
    let runs: Vec<Vec<(bool, f64, f64, usize)>> = pool.install(|| {
        (0..cfg.runs)
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
                        out.push((t.agreement.is_some(), t.u_supplier, t.u_buyer, round));
                    }
                }
                out
            })
            .collect()
    });
    let n = cfg.runs.max(1) as f64;
    let mut results = Vec::new();
    for (p, (s, b)) in suppliers.iter().flat_map(|s| buyers.iter().map(move |b| (s, b))).enumerate() {
        let xs: Vec<(bool, f64, f64, usize)> = runs.iter().map(|r| r[p]).collect();
        let agreed = xs.iter().filter(|x| x.0).count();
        let mean = xs.iter().map(|x| x.1).sum::<f64>() / n;
        let var = xs.iter().map(|x| (x.1 - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        let mut values: Vec<f64> = xs.iter().map(|x| x.1).collect();
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
            buyer_mean: xs.iter().map(|x| x.2).sum::<f64>() / n,
            mean_round: if agreed == 0 {
                0.0
            } else {
                xs.iter().filter(|x| x.0).map(|x| x.3 as f64).sum::<f64>() / agreed as f64
            },
        });
    }
    Ok(results)
}
