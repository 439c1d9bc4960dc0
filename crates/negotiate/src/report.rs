//! The results of the `negotiate`, `advise` and `tournament` commands as typed, serialisable
//! values with every figure computed: the transcript, the supplier's gap to the Pareto
//! frontier (money left on the table), the Nash and Kalai–Smorodinsky points, the flagship
//! playbook's raised BATNA, the counter-offer's per-term values, and the tournament's
//! ranking of supplier strategies. Emitters (text, JSON) only render them, so they cannot
//! disagree.
//!
//! Rounds are 1-based everywhere in these reports (round 1 is the opening offer), as people
//! count meetings; the protocol's [`crate::Step::round`] and [`crate::Agreement::round`] are
//! 0-based.

use kasim_core::Contract;
use kasim_montecarlo::report::TermUnit;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::contract::{Advice, Setup, advise, play};
use crate::metrics::distance_to_frontier;
use crate::tournament::{PairResult, RunOutcomes, TournamentConfig, field, pairs_from_runs, tournament};
use crate::{Ending, Error, Frontier, Scores, Side, StrategyKind, frontier, kalai_smorodinsky, nash};

/// One negotiation of a contract, with where it landed against what was possible.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NegotiationReport {
    /// The contract's name.
    pub contract: String,
    /// The supplier's strategy.
    pub supplier_strategy: StrategyKind,
    /// The buyer's strategy.
    pub buyer_strategy: StrategyKind,
    /// The round limit of the protocol (after `last_offer_by`).
    pub rounds: usize,
    /// Who made the first offer.
    pub opens: Side,
    /// Combinations of the negotiable terms (grid points).
    pub combinations: usize,
    /// The negotiable terms' paths, in the order of every `terms` list below.
    pub terms: Vec<String>,
    /// What kind of value each term holds (money, rate, count), in the same order, so every
    /// rendering shows a rate as a percentage and money with separators.
    pub units: Vec<TermUnit>,
    /// Every offer in order.
    pub transcript: Vec<Offer>,
    /// Why it ended.
    pub ended_by: Ending,
    /// The agreement, if any.
    pub agreement: Option<Deal>,
    /// The supplier's realised value: the agreement's risk-adjusted contribution after the cost
    /// of delay, or its reservation value on breakdown.
    pub supplier_utility: f64,
    /// The buyer's realised utility (after delay, or its reservation value).
    pub buyer_utility: f64,
    /// The supplier's reservation value (BATNA), raised by the pilot's proof under
    /// flagship-first.
    pub supplier_reservation: f64,
    /// The buyer's reservation value.
    pub buyer_reservation: f64,
    /// The Nash bargaining point, when an outcome is rational for both.
    pub nash: Option<Point>,
    /// The Kalai–Smorodinsky point, when an outcome is rational for both.
    pub kalai_smorodinsky: Option<Point>,
}

/// One offer of a negotiation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Offer {
    /// Round, 1-based.
    pub round: usize,
    /// Who offered.
    pub side: Side,
    /// The offered value of each term (normalised: no trailing zeros).
    pub terms: Vec<Decimal>,
    /// The supplier's risk-adjusted contribution of the offer (currency).
    pub supplier_value: f64,
    /// The buyer's utility of the offer (0–1).
    pub buyer_utility: f64,
    /// What the offering side gave up in its own utility since its previous offer: currency
    /// for the supplier, 0–1 utility for the buyer.
    pub concession: f64,
    /// Whether the other side accepted it.
    pub accepted: bool,
}

/// An agreement, measured against the Pareto frontier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deal {
    /// Round of acceptance, 1-based.
    pub round: usize,
    /// Who accepted.
    pub accepted_by: Side,
    /// The agreed value of each term.
    pub terms: Vec<Decimal>,
    /// The supplier's risk-adjusted contribution of the agreed terms, before the cost of delay.
    pub supplier_value: f64,
    /// The buyer's utility of the agreed terms, before the cost of delay.
    pub buyer_utility: f64,
    /// Euclidean distance of that utility pair to the nearest frontier point (currency and
    /// 0–1 mixed: compare like with like).
    pub distance_to_pareto: f64,
    /// How much more contribution the frontier offered the supplier at no loss of the buyer's
    /// utility (currency, ≥ 0).
    pub supplier_left_on_the_table: f64,
}

/// A combination of terms with both sides' utilities.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    /// The value of each term.
    pub terms: Vec<Decimal>,
    /// The supplier's risk-adjusted contribution (currency).
    pub supplier_value: f64,
    /// The buyer's utility (0–1).
    pub buyer_utility: f64,
}

fn terms_of(setup: &Setup, i: usize) -> Vec<Decimal> {
    setup.values[i].iter().map(|v| v.normalize()).collect()
}

fn point(setup: &Setup, i: usize) -> Point {
    Point { terms: terms_of(setup, i), supplier_value: setup.supplier.u[i], buyer_utility: setup.buyer.u[i] }
}

/// How much more the supplier could have had on the frontier without lowering the buyer's
/// utility of outcome `i` (currency, ≥ 0).
pub fn supplier_gap(us: &Scores, ub: &Scores, f: &Frontier, i: usize) -> f64 {
    f.outcomes.iter().filter(|&&j| ub.u[j] >= ub.u[i]).map(|&j| us.u[j] - us.u[i]).fold(0.0, f64::max)
}

impl NegotiationReport {
    /// Negotiates the set-up's contract between the two strategies and measures the result.
    /// The frontier, the Nash and Kalai–Smorodinsky points and the agreement's distances use
    /// the set-up's scores (for flagship-first, the buyer's before the pilot's lift) and the
    /// supplier's reservation value of its strategy ([`Setup::supplier_reservation`]).
    ///
    /// # Errors
    ///
    /// As [`crate::contract::strategy_for`], for either strategy.
    pub fn new(
        contract: &Contract,
        setup: &Setup,
        supplier: StrategyKind,
        buyer: StrategyKind,
    ) -> Result<NegotiationReport, Error> {
        let t = play(setup, supplier, buyer)?;
        let (us, ub) = (&setup.supplier, &setup.buyer);
        let f = frontier(us, ub);
        let (rs, rb) = (setup.supplier_reservation(supplier), setup.config.buyer.reservation);
        Ok(NegotiationReport {
            contract: contract.name.clone(),
            supplier_strategy: supplier,
            buyer_strategy: buyer,
            rounds: setup.config.rounds,
            opens: setup.config.opens,
            combinations: setup.grid.points.len(),
            terms: setup.paths.clone(),
            units: term_units(contract, &setup.paths),
            transcript: t
                .steps
                .iter()
                .map(|st| Offer {
                    round: st.round + 1,
                    side: st.side,
                    terms: terms_of(setup, st.outcome),
                    supplier_value: st.u_supplier,
                    buyer_utility: st.u_buyer,
                    concession: st.concession,
                    accepted: st.accepted,
                })
                .collect(),
            ended_by: t.ended_by,
            agreement: t.agreement.as_ref().map(|a| {
                let i = a.outcome;
                Deal {
                    round: a.round + 1,
                    accepted_by: a.accepted_by,
                    terms: terms_of(setup, i),
                    supplier_value: us.u[i],
                    buyer_utility: ub.u[i],
                    distance_to_pareto: distance_to_frontier(us, ub, &f, us.u[i], ub.u[i]),
                    supplier_left_on_the_table: supplier_gap(us, ub, &f, i),
                }
            }),
            supplier_utility: t.u_supplier,
            buyer_utility: t.u_buyer,
            supplier_reservation: rs,
            buyer_reservation: rb,
            nash: nash(us, ub, rs, rb).map(|i| point(setup, i)),
            kalai_smorodinsky: kalai_smorodinsky(us, ub, rs, rb).map(|i| point(setup, i)),
        })
    }
}

/// The recommended counter-offer to a drafted contract.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdviceReport {
    /// The contract's name.
    pub contract: String,
    /// The extra buyer utility asked for above its reservation value.
    pub margin: f64,
    /// The buyer's reservation value.
    pub buyer_reservation: f64,
    /// The counter-offer, with each term's move.
    pub advice: Advice,
    /// The supplier's risk-adjusted contribution of the draft, when the draft is on the grid.
    pub draft_supplier_value: Option<f64>,
    /// The buyer's utility of the draft, when the draft is on the grid.
    pub draft_buyer_utility: Option<f64>,
    /// What the counter-offer gains the supplier over the draft, when the draft is on the grid.
    pub supplier_gain: Option<f64>,
}

impl AdviceReport {
    /// Searches the counter-offer ([`advise`]) that leaves the buyer `margin` above its
    /// reservation value.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] when `margin` is not in 0–1; as [`advise`].
    pub fn new(contract: &Contract, setup: &Setup, margin: f64) -> Result<AdviceReport, Error> {
        if !(0.0..=1.0).contains(&margin) {
            return Err(Error::OutOfRange { name: "margin", value: margin.to_string(), range: "between 0 and 1" });
        }
        let a = advise(contract, setup, margin)?;
        let draft_supplier_value = a.draft.map(|d| setup.supplier.u[d]);
        Ok(AdviceReport {
            contract: contract.name.clone(),
            margin,
            buyer_reservation: setup.config.buyer.reservation,
            draft_supplier_value,
            draft_buyer_utility: a.draft.map(|d| setup.buyer.u[d]),
            supplier_gain: draft_supplier_value.map(|d| a.supplier_value - d),
            advice: a,
        })
    }
}

/// Every supplier strategy against every buyer strategy over uncertain buyers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TournamentReport {
    /// The contract's name.
    pub contract: String,
    /// How the buyers varied, the runs and the seed.
    pub config: TournamentConfig,
    /// Per pair, supplier-major in catalogue order.
    pub pairs: Vec<PairResult>,
    /// Per supplier strategy, its mean value over the buyer strategies, best first (ties in
    /// catalogue order).
    pub ranking: Vec<StrategyMean>,
}

/// A supplier strategy's mean value over the buyer strategies of a tournament.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrategyMean {
    /// The supplier strategy.
    pub strategy: StrategyKind,
    /// The mean over its pairs of the supplier's mean realised value (currency).
    pub supplier_mean: f64,
}

impl TournamentReport {
    /// Plays the tournament of the set-up's default field ([`field`]).
    ///
    /// # Errors
    ///
    /// As [`tournament`].
    pub fn new(contract: &Contract, setup: &Setup, cfg: &TournamentConfig) -> Result<TournamentReport, Error> {
        let (suppliers, buyers) = field(setup);
        let pairs = tournament(setup, &suppliers, &buyers, cfg)?;
        Ok(TournamentReport::from_pairs(contract, &suppliers, cfg, pairs))
    }

    /// The report of the set-up's default field ([`field`]) from its runs played elsewhere
    /// ([`crate::tournament::tournament_runs`] over ranges, merged by
    /// [`crate::tournament::merge_runs`]): equal to [`TournamentReport::new`] when they are
    /// the runs it plays.
    ///
    /// # Errors
    ///
    /// [`Error::Parts`] when `runs` are not the runs `0..cfg.runs` of the field's pairs; as
    /// [`tournament`] for the configuration.
    pub fn from_runs(
        contract: &Contract,
        setup: &Setup,
        cfg: &TournamentConfig,
        runs: &RunOutcomes,
    ) -> Result<TournamentReport, Error> {
        let (suppliers, buyers) = field(setup);
        let what = "tournament runs";
        let pairs = suppliers.len() * buyers.len();
        if runs.start != 0 || runs.outcomes.len() as u64 != cfg.runs {
            return Err(Error::Parts {
                what,
                reason: format!(
                    "cover runs {}..{}, not 0..{}",
                    runs.start,
                    runs.start + runs.outcomes.len() as u64,
                    cfg.runs
                ),
            });
        }
        if runs.pairs != pairs || runs.outcomes.iter().any(|r| r.len() != pairs) {
            return Err(Error::Parts {
                what,
                reason: format!("have {} pairs of strategies, the field has {pairs}", runs.pairs),
            });
        }
        // The configuration is checked as a tournament checks it (runs, size, strategies).
        crate::tournament::check(setup, &suppliers, &buyers, cfg)?;
        let results = pairs_from_runs(&suppliers, &buyers, cfg, runs);
        Ok(TournamentReport::from_pairs(contract, &suppliers, cfg, results))
    }

    /// The report from the pairs' results of a tournament of `suppliers` (ranked by their mean
    /// over their pairs).
    pub fn from_pairs(
        contract: &Contract,
        suppliers: &[StrategyKind],
        cfg: &TournamentConfig,
        pairs: Vec<PairResult>,
    ) -> TournamentReport {
        let mut ranking: Vec<StrategyMean> = suppliers
            .iter()
            .filter_map(|s| {
                let v: Vec<f64> = pairs.iter().filter(|r| r.supplier == *s).map(|r| r.supplier_mean).collect();
                (!v.is_empty())
                    .then(|| StrategyMean { strategy: *s, supplier_mean: v.iter().sum::<f64>() / v.len() as f64 })
            })
            .collect();
        ranking.sort_by(|a, b| b.supplier_mean.total_cmp(&a.supplier_mean));
        TournamentReport { contract: contract.name.clone(), config: *cfg, pairs, ranking }
    }

    /// The supplier strategy with the best mean value, and the one with the worst.
    pub fn best_and_worst(&self) -> Option<(&StrategyMean, &StrategyMean)> {
        Some((self.ranking.first()?, self.ranking.last()?))
    }
}

/// The unit of each term path (money when the contract cannot say, which never happens for a
/// validated negotiation: its issues' paths are checked when it is loaded).
pub fn term_units(contract: &Contract, paths: &[String]) -> Vec<TermUnit> {
    paths.iter().map(|p| term_unit(contract, p)).collect()
}

/// The unit of one term path.
pub fn term_unit(contract: &Contract, path: &str) -> TermUnit {
    match kasim_core::terms::kind(contract, path) {
        Ok(kasim_core::terms::TermKind::Rate) => TermUnit::Rate,
        Ok(kasim_core::terms::TermKind::Count) => TermUnit::Count,
        _ => TermUnit::Money,
    }
}
