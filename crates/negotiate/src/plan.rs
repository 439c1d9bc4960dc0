//! The negotiation part of the brief (谈判方案): the counter-offer to a buyer's draft with each
//! move valued, the give-get list (what the supplier can concede cheaply against what it asks),
//! and the negotiation plan — the tournament's best supplier strategy against the likely buyer
//! types, the deadlines, and what stalling costs per week.
//!
//! Every figure comes from the set-up's scores ([`Setup`]): the supplier's risk-adjusted
//! contribution (currency, estimated over the common scenarios in floating point) and the
//! buyer's KPI utility (0–1) of every combination of the negotiable terms. Nothing here
//! settles a contract again; [`NegotiationPlan::counter_contract`] gives the counter-offer as a
//! contract, so a caller can simulate it on the same scenarios as the base and the draft.
//!
//! ```no_run
//! use kasim_negotiate::contract::setup;
//! use kasim_negotiate::plan::{NegotiationPlan, PlanOptions};
//! let draft = kasim_core::load("scenarios/negotiation-seed-case.toml").unwrap();
//! let s = setup(&draft).unwrap();
//! let plan = NegotiationPlan::new(&draft, &s, &PlanOptions::default()).unwrap();
//! let counter = plan.counter_contract(&draft).unwrap(); // simulate it next to the draft
//! for t in &plan.trades {
//!     println!("concede {} → {} against {} → {}", t.give.change.term, t.give.change.to, t.get.change.term, t.get.change.to);
//! }
//! ```

use kasim_core::{Contract, terms};
use kasim_montecarlo::report::TermUnit;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::contract::Setup;
use crate::report::{AdviceReport, TournamentReport, term_unit};
use crate::tournament::TournamentConfig;
use crate::{Error, StrategyKind};

/// Buyer-utility differences at or below this are noise (utilities are sums of floating-point
/// KPI scores): a move must raise the buyer's utility by more to count as a give, and an ask must
/// lower it by more to need one.
pub const UTILITY_TOLERANCE: f64 = 1e-9;

/// How the plan is built.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PlanOptions {
    /// The buyer utility the counter-offer leaves above the buyer's reservation value (its
    /// estimated acceptance margin is at least this), 0–1. Default 0.05.
    pub margin: f64,
    /// The tournament behind the strategy advice, or `None` to leave the strategy out. Default:
    /// [`PlanOptions::TOURNAMENT_RUNS`] runs of the default buyer uncertainty, seed 1.
    pub tournament: Option<TournamentConfig>,
    /// Rounds (offers) per week of the calendar. kasim's negotiation model counts rounds, one
    /// offer each, and `negotiation.*.delay_cost` is per round; the calendar is the user's. The
    /// default, 1, is the bundled seed case's (four meetings a month from January, its delay cost
    /// "a week without a contract").
    pub rounds_per_week: f64,
}

impl PlanOptions {
    /// Negotiations per pair of strategies in the default tournament: half the `--tournament`
    /// default, so the plan stays well under half a second (on the seed case, 72 pairs of
    /// strategies: about 0.09 s in release on two cores, after a 0.2–0.35 s set-up; 100 runs
    /// take about 0.18 s) and ranks the seed case's supplier strategies as 100 runs do.
    pub const TOURNAMENT_RUNS: u64 = 50;
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            margin: 0.05,
            tournament: Some(TournamentConfig { runs: Self::TOURNAMENT_RUNS, ..TournamentConfig::default() }),
            rounds_per_week: 1.0,
        }
    }
}

/// The negotiation part of the brief for one draft.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NegotiationPlan {
    /// The contract's name.
    pub contract: String,
    /// The contract's currency (every supplier value below is in it).
    pub currency: String,
    /// The options the plan was built with.
    pub options: PlanOptions,
    /// The counter-offer (还价方案): the terms, each move valued alone and within the offer,
    /// the buyer's estimated acceptance margin, and the draft's values.
    pub counter: AdviceReport,
    /// What the supplier can concede from the counter-offer (让步): every move of one term from
    /// its counter-offer value to another value of its range that raises the buyer's utility,
    /// cheapest per unit of buyer utility first ([`sort_key`]: rounded to a currency unit), then
    /// in issue order and the smaller move first.
    pub gives: Vec<Give>,
    /// What the counter-offer asks (索取): one per term the counter-offer moves from the draft,
    /// in issue order.
    pub gets: Vec<Get>,
    /// Trades (交换): per ask the buyer minds, the cheapest give that makes up the buyer's loss
    /// and costs the supplier less than the ask gains it.
    pub trades: Vec<Trade>,
    /// The strategy advice from the tournament, when one was run.
    pub strategy: Option<StrategyPlan>,
    /// The deadlines of the protocol.
    pub deadlines: Deadlines,
    /// What stalling costs.
    pub stalling: StallCost,
}

/// A change of one term.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TermChange {
    /// The term path.
    pub term: String,
    /// What kind of value it holds (money, rate, count).
    pub unit: TermUnit,
    /// Its value before (normalised: no trailing zeros).
    pub from: Decimal,
    /// Its value after (normalised).
    pub to: Decimal,
    /// Grid steps from `from` to `to`, signed (positive: up); `None` when `from` is not on the
    /// issue's grid (a draft value between steps).
    pub steps: Option<i64>,
}

/// A concession: one term moved from the counter-offer, everything else as in the counter-offer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Give {
    /// The move.
    pub change: TermChange,
    /// What it costs the supplier: the counter-offer's value minus that of the counter-offer with
    /// this move (currency, ≥ 0, since the counter-offer is the best the buyer accepts).
    pub supplier_cost: f64,
    /// What it adds to the buyer's utility (0–1, > 0).
    pub buyer_gain: f64,
    /// `supplier_cost ÷ buyer_gain`: currency per unit of buyer utility (divide by 100 for the
    /// cost of 0.01).
    pub cost_per_utility: f64,
    /// The grid index of the counter-offer with this move.
    pub outcome: usize,
}

/// An ask of the counter-offer: one term moved from the draft.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Get {
    /// The move, from the draft's value to the counter-offer's.
    pub change: TermChange,
    /// What this move alone gains the supplier over the draft (currency); `None` when the draft
    /// is not on the grid.
    pub supplier_gain_alone: Option<f64>,
    /// What it adds within the counter-offer: the counter-offer's value minus that of the
    /// counter-offer with this term put back to the draft; `None` when that is not on the grid.
    pub supplier_gain: Option<f64>,
    /// What it costs the buyer within the counter-offer: its utility of the counter-offer with
    /// this term put back minus its utility of the counter-offer (≤ 0 when the buyer's KPIs do
    /// not see the term, e.g. payment days); `None` as for `supplier_gain`.
    pub buyer_cost: Option<f64>,
    /// Whether the move pays off only together with others ([`crate::contract::TermMove`]).
    pub pays_off_together: bool,
}

/// A trade: concede `give` rather than drop `get` when the buyer pushes back on it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trade {
    /// The concession.
    pub give: Give,
    /// The ask it buys.
    pub get: Get,
    /// What the trade leaves the supplier over dropping the ask: the ask's gain minus the give's
    /// cost (the counter-offer with the give, minus the counter-offer without the ask; > 0).
    pub supplier_net: f64,
    /// What it leaves the buyer over dropping the ask: the give's gain minus the ask's cost
    /// (≥ 0).
    pub buyer_net: f64,
}

/// The strategy advice of the plan's tournament.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrategyPlan {
    /// The tournament as [`TournamentReport::new`] plays it.
    pub tournament: TournamentReport,
    /// The supplier strategy with the best mean value over the buyer strategies.
    pub best: StrategyOutcome,
    /// The one with the worst.
    pub worst: StrategyOutcome,
    /// Per buyer strategy (the likely buyer types, in catalogue order), the supplier strategy
    /// that does best against it.
    pub best_responses: Vec<BestResponse>,
}

/// A supplier strategy's results over every buyer strategy of the tournament.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrategyOutcome {
    /// The supplier strategy.
    pub strategy: StrategyKind,
    /// Mean over the buyer strategies of the supplier's mean realised value (currency).
    pub supplier_mean: f64,
    /// Mean over the buyer strategies of the share of runs that reached agreement.
    pub agreement_rate: f64,
}

/// The supplier's best strategy against one buyer strategy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BestResponse {
    /// The buyer strategy.
    pub buyer: StrategyKind,
    /// The supplier strategy with the best mean realised value against it (ties: catalogue
    /// order).
    pub supplier: StrategyKind,
    /// That mean (currency).
    pub supplier_mean: f64,
    /// Its agreement rate.
    pub agreement_rate: f64,
}

/// The protocol's deadlines, in rounds counted from 1 (round 1 is the opening offer) and in
/// weeks at [`PlanOptions::rounds_per_week`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Deadlines {
    /// The round limit (`negotiation.rounds`, after `last_offer_by`).
    pub round_limit: usize,
    /// The last round the buyer negotiates (`negotiation.buyer.deadline` + 1, at most the round
    /// limit); `None` without a buyer deadline.
    pub buyer_last_round: Option<usize>,
    /// `buyer_last_round ÷ rounds_per_week`.
    pub buyer_weeks: Option<f64>,
    /// The last round the supplier negotiates; `None` without a supplier deadline.
    pub supplier_last_round: Option<usize>,
    /// `supplier_last_round ÷ rounds_per_week`.
    pub supplier_weeks: Option<f64>,
}

/// What stalling costs, from the protocol's time parameters: an agreement worth `u` in round `r`
/// (0-based) is realised as `u·dʳ − delay_cost·r` (`d` the discount factor, 1 in a contract's
/// set-up, which has no discount key), so each round of delay costs `u·dʳ·(1 − d) + delay_cost`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StallCost {
    /// Rounds per week (the calendar).
    pub rounds_per_week: f64,
    /// What one more round without an agreement costs the supplier, on the counter-offer, from
    /// the first round: `supplier_value × (1 − d) + negotiation.supplier.delay_cost` (currency;
    /// the delay cost exactly, as `d` = 1).
    pub supplier_per_round: f64,
    /// `supplier_per_round × rounds_per_week`.
    pub supplier_per_week: f64,
    /// The same for the buyer, in its utility: `buyer_utility × (1 − d) +
    /// negotiation.buyer.delay_cost`.
    pub buyer_per_round: f64,
    /// `buyer_per_round × rounds_per_week`.
    pub buyer_per_week: f64,
    /// Weeks of stalling the counter-offer's gain over the draft pays for: the gain ÷
    /// `supplier_per_week`. Holding out for the counter-offer beats signing the draft now only
    /// if it is signed sooner. `None` when the draft is not on the grid or stalling costs the
    /// supplier nothing.
    pub break_even_weeks: Option<f64>,
    /// Weeks the counter-offer stays acceptable to the buyer: its acceptance margin ÷
    /// `buyer_per_week` (the protocol lets no side accept below its reservation value after the
    /// delay so far). `None` when stalling costs the buyer nothing.
    pub buyer_acceptance_weeks: Option<f64>,
    /// What stalling past a deadline costs the supplier: the counter-offer's value minus its
    /// reservation value (the negotiation ends without a contract).
    pub breakdown_cost: f64,
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The values of each issue, from min to max by step, as [`crate::contract::setup`] builds them.
fn issue_values(contract: &Contract) -> Result<Vec<Vec<Decimal>>, Error> {
    let n = contract.negotiation.as_ref().ok_or(Error::NoNegotiation)?;
    n.issues
        .iter()
        .map(|i| {
            if i.step.0 <= Decimal::ZERO || i.max.0 < i.min.0 {
                return Err(Error::EmptyIssue {
                    issue: i.path.clone(),
                    min: f(i.min.0),
                    max: f(i.max.0),
                    step: f(i.step.0),
                });
            }
            let count = ((i.max.0 - i.min.0) / i.step.0).floor().to_usize().unwrap_or(0);
            Ok((0..=count).map(|k| i.min.0 + i.step.0 * Decimal::from(k)).collect())
        })
        .collect()
}

/// The grid index of exact term values: the grid's arithmetic lookup, checked against the exact
/// values (a linear search when floating point disagrees).
fn index_of(setup: &Setup, values: &[Decimal]) -> Option<usize> {
    let guess: Vec<f64> = values.iter().map(|v| f(*v)).collect();
    let i = setup.grid.nearest(&guess);
    if setup.values.get(i).is_some_and(|v| v == values) {
        return Some(i);
    }
    setup.values.iter().position(|v| v == values)
}

fn steps(values: &[Decimal], from: Decimal, to: Decimal) -> Option<i64> {
    let a = values.iter().position(|v| *v == from)?;
    let b = values.iter().position(|v| *v == to)?;
    Some(i64::try_from(b).ok()? - i64::try_from(a).ok()?)
}

/// The order of gives: the cost per unit of buyer utility rounded to a currency unit.
pub fn sort_key(cost_per_utility: f64) -> f64 {
    cost_per_utility.round()
}

fn per_week(x: f64, rounds_per_week: f64) -> f64 {
    x * rounds_per_week
}

impl NegotiationPlan {
    /// Builds the plan for `draft` (the contract the set-up was built from).
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] when the margin is not in 0–1 or `rounds_per_week` is not positive
    /// and finite; [`Error::NoNegotiation`] when the draft has no `[negotiation]` section; as
    /// [`crate::contract::advise`] (no combination leaves the buyer the margin) and as
    /// [`TournamentReport::new`].
    pub fn new(draft: &Contract, setup: &Setup, options: &PlanOptions) -> Result<NegotiationPlan, Error> {
        let rpw = options.rounds_per_week;
        if !(rpw.is_finite() && rpw > 0.0) {
            return Err(Error::OutOfRange {
                name: "rounds_per_week",
                value: rpw.to_string(),
                range: "a positive number",
            });
        }
        let counter = AdviceReport::new(draft, setup, options.margin)?;
        let per_issue = issue_values(draft)?;
        let a = &counter.advice;
        let best = a.outcome;
        let (us, ub) = (&setup.supplier.u, &setup.buyer.u);
        let here = &setup.values[best];

        let mut gives = Vec::new();
        for (j, values) in per_issue.iter().enumerate() {
            let path = &setup.paths[j];
            let unit = term_unit(draft, path);
            for v in values.iter().filter(|v| **v != here[j]) {
                let mut point = here.clone();
                point[j] = *v;
                let Some(i) = index_of(setup, &point) else { continue };
                let buyer_gain = ub[i] - ub[best];
                if buyer_gain <= UTILITY_TOLERANCE {
                    continue;
                }
                let supplier_cost = us[best] - us[i];
                gives.push(Give {
                    change: TermChange {
                        term: path.clone(),
                        unit,
                        from: here[j].normalize(),
                        to: v.normalize(),
                        steps: steps(values, here[j], *v),
                    },
                    supplier_cost,
                    buyer_gain,
                    cost_per_utility: supplier_cost / buyer_gain,
                    outcome: i,
                });
            }
        }
        // Cheapest per buyer utility first (to the currency unit, so floating-point noise does not
        // reorder moves of one term at the same rate); then issue order, the smaller move.
        let term_index = |t: &str| setup.paths.iter().position(|p| p == t).unwrap_or(usize::MAX);
        gives.sort_by(|x, y| {
            sort_key(x.cost_per_utility)
                .total_cmp(&sort_key(y.cost_per_utility))
                .then(term_index(&x.change.term).cmp(&term_index(&y.change.term)))
                .then(x.change.steps.map(i64::abs).cmp(&y.change.steps.map(i64::abs)))
        });

        let gets: Vec<Get> = a
            .per_term
            .iter()
            .enumerate()
            .filter(|(_, m)| m.draft != m.counter_offer)
            .map(|(j, m)| {
                let mut back = here.clone();
                back[j] = m.draft;
                let back = index_of(setup, &back);
                Get {
                    change: TermChange {
                        term: m.term.clone(),
                        unit: m.unit,
                        from: m.draft,
                        to: m.counter_offer,
                        steps: steps(&per_issue[j], m.draft, m.counter_offer),
                    },
                    supplier_gain_alone: m.supplier_gain,
                    supplier_gain: m.marginal_gain,
                    buyer_cost: back.map(|b| ub[b] - ub[best]),
                    pays_off_together: m.pays_off_together,
                }
            })
            .collect();

        let trades = gets
            .iter()
            .filter_map(|get| {
                let (gain, cost) = (get.supplier_gain?, get.buyer_cost?);
                if cost <= UTILITY_TOLERANCE {
                    return None;
                }
                // Gives are sorted by cost per utility, not by cost: the cheapest that covers.
                let give = gives
                    .iter()
                    .filter(|g| g.change.term != get.change.term && g.buyer_gain >= cost - UTILITY_TOLERANCE)
                    .filter(|g| g.supplier_cost < gain)
                    .min_by(|x, y| x.supplier_cost.total_cmp(&y.supplier_cost))?;
                Some(Trade {
                    give: give.clone(),
                    get: get.clone(),
                    supplier_net: gain - give.supplier_cost,
                    buyer_net: give.buyer_gain - cost,
                })
            })
            .collect();

        let strategy = match &options.tournament {
            Some(cfg) => strategy_plan(draft, setup, cfg)?,
            None => None,
        };

        let cfg = &setup.config;
        let last = |d: Option<usize>| d.map(|d| d.saturating_add(1).min(cfg.rounds));
        let (buyer_last_round, supplier_last_round) = (last(cfg.buyer.deadline), last(cfg.supplier.deadline));
        let deadlines = Deadlines {
            round_limit: cfg.rounds,
            buyer_last_round,
            buyer_weeks: buyer_last_round.map(|r| r as f64 / rpw),
            supplier_last_round,
            supplier_weeks: supplier_last_round.map(|r| r as f64 / rpw),
        };

        let supplier_per_round = a.supplier_value * (1.0 - cfg.supplier.discount) + cfg.supplier.delay_cost;
        let buyer_per_round = a.buyer_utility * (1.0 - cfg.buyer.discount) + cfg.buyer.delay_cost;
        let (supplier_per_week, buyer_per_week) = (per_week(supplier_per_round, rpw), per_week(buyer_per_round, rpw));
        let stalling = StallCost {
            rounds_per_week: rpw,
            supplier_per_round,
            supplier_per_week,
            buyer_per_round,
            buyer_per_week,
            break_even_weeks: counter.supplier_gain.filter(|_| supplier_per_week > 0.0).map(|g| g / supplier_per_week),
            buyer_acceptance_weeks: (buyer_per_week > 0.0).then(|| a.acceptance_margin / buyer_per_week),
            breakdown_cost: a.supplier_value - cfg.supplier.reservation,
        };

        Ok(NegotiationPlan {
            contract: draft.name.clone(),
            currency: draft.currency.clone(),
            options: *options,
            counter,
            gives,
            gets,
            trades,
            strategy,
            deadlines,
            stalling,
        })
    }

    /// The draft with the counter-offer's terms set: the contract to simulate next to the base
    /// and the draft.
    ///
    /// # Errors
    ///
    /// [`Error::Term`] when a term of the counter-offer is not a term of `draft` (a contract
    /// other than the plan's) or its value does not fit it.
    pub fn counter_contract(&self, draft: &Contract) -> Result<Contract, Error> {
        let mut c = draft.clone();
        for m in &self.counter.advice.per_term {
            terms::set(&mut c, &m.term, m.counter_offer).map_err(|e| Error::term(&m.term, e))?;
        }
        Ok(c)
    }
}

fn strategy_plan(draft: &Contract, setup: &Setup, cfg: &TournamentConfig) -> Result<Option<StrategyPlan>, Error> {
    let tournament = TournamentReport::new(draft, setup, cfg)?;
    let outcome = |s: StrategyKind| {
        let pairs: Vec<_> = tournament.pairs.iter().filter(|p| p.supplier == s).collect();
        let n = pairs.len().max(1) as f64;
        StrategyOutcome {
            strategy: s,
            supplier_mean: pairs.iter().map(|p| p.supplier_mean).sum::<f64>() / n,
            agreement_rate: pairs.iter().map(|p| p.agreement_rate).sum::<f64>() / n,
        }
    };
    // The default field always has strategies on both sides; an empty one gives no advice.
    let Some((best, worst)) = tournament.best_and_worst() else { return Ok(None) };
    let (best, worst) = (outcome(best.strategy), outcome(worst.strategy));
    let mut buyers: Vec<StrategyKind> = tournament.pairs.iter().map(|p| p.buyer).collect();
    buyers.sort_unstable();
    buyers.dedup();
    let best_responses = buyers
        .into_iter()
        .filter_map(|b| {
            // First of the maxima, in the pairs' (catalogue) order.
            let p = tournament
                .pairs
                .iter()
                .filter(|p| p.buyer == b)
                .reduce(|x, y| if y.supplier_mean > x.supplier_mean { y } else { x })?;
            Some(BestResponse {
                buyer: b,
                supplier: p.supplier,
                supplier_mean: p.supplier_mean,
                agreement_rate: p.agreement_rate,
            })
        })
        .collect();
    Ok(Some(StrategyPlan { tournament, best, worst, best_responses }))
}
