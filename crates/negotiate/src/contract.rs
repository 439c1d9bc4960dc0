//! A contract's negotiation: the grid of its negotiable terms, the supplier's risk-adjusted
//! contribution and the buyer's KPI utility for every combination, and the protocol set-up,
//! all read from the contract's `[negotiation]`.
//!
//! Every offer is a whole contract (the terms set on a copy) settled by the core engine: the
//! supplier's utility over common scenarios sampled once from the contract's `[uncertainty]`
//! (so every offer sees the same years), the buyer's on the plan. Scores are computed once per
//! grid point; negotiations then only look them up.

use kasim_core::negotiation::{Opener, RiskMeasure};
use kasim_core::{Compiled, Contract, Outcome, terms};
use kasim_montecarlo::Model;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::ops::Range;

use crate::strategy::{Anchoring, DelistingThreat, RelativeTitForTat, Strategy, TimeDependent, TitForTat, View};
use crate::{Config, Error, Grid, Issue, MAX_OUTCOMES, Party, Scores, Side, StrategyKind, Transcript};

/// Everything needed to negotiate one contract.
pub struct Setup {
    /// The negotiable terms' grid.
    pub grid: Grid,
    /// The exact term values of every grid point (paths in `paths`).
    pub values: Vec<Vec<Decimal>>,
    /// The term paths, in issue order.
    pub paths: Vec<String>,
    /// The supplier's utility (risk-adjusted contribution, currency) of every grid point.
    pub supplier: Scores,
    /// The buyer's utility (weighted KPI score, 0–1) of every grid point.
    pub buyer: Scores,
    /// The protocol.
    pub config: Config,
    /// The buyer's raw KPIs of every grid point: fees, fee ratio, front margin %, retail sales.
    pub buyer_kpis: Vec<[f64; 5]>,
    /// The buyer's KPI weights and targets as written.
    pub buyer_params: BuyerParams,
    /// The anchoring buyer's fee income floor: last year's fees × (1 + growth), when given.
    pub anchor_fees: Option<f64>,
    /// The flagship-first playbook, when configured.
    pub flagship: Option<Flagship>,
}

/// The flagship-first playbook of a set-up ([`negotiate_flagship`]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Flagship {
    /// Rounds the pilot in the flagship store takes.
    pub pilot_rounds: usize,
    /// The lift of the buyer's department-sales KPI the pilot proves (0.15 = 15%).
    pub demand_lift: f64,
    /// What the pilot adds to the supplier's BATNA, in currency: the batna lift × the plan's
    /// net invoiced sales less cost of goods (other chains list the range).
    pub batna_gain: f64,
}

/// The buyer's KPI weights and targets, in `f64`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct BuyerParams {
    /// Weights of fee income, fee ratio, front margin, sales, promotion slots.
    pub weights: [f64; 5],
    /// Targets of fee income, fee ratio, front margin, sales, slots (0 = no target).
    pub targets: [f64; 5],
}

impl BuyerParams {
    /// The buyer's utility of raw KPIs: Σ wₖ·min(1, actualₖ ÷ targetₖ) ÷ Σ wₖ.
    pub fn utility(&self, kpis: &[f64; 5]) -> f64 {
        let wsum: f64 = self.weights.iter().sum::<f64>().max(f64::EPSILON);
        let mut u = 0.0;
        for ((w, t), actual) in self.weights.iter().zip(&self.targets).zip(kpis) {
            if *w > 0.0 {
                u += w * if *t > 0.0 { (actual / t).clamp(0.0, 1.0) } else { 1.0 };
            }
        }
        u / wsum
    }
}

/// Scores from utilities (best first).
pub fn scores(u: Vec<f64>) -> Scores {
    let mut order: Vec<usize> = (0..u.len()).collect();
    order.sort_by(|&a, &b| u[b].total_cmp(&u[a]).then(a.cmp(&b)));
    Scores { u, order }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The contract with the given values of the terms at `setup_paths` (one grid point's offer).
///
/// # Errors
///
/// [`Error::Term`] when a path is not a term of the contract or the value does not fit it.
pub fn offer(contract: &Contract, setup_paths: &[String], values: &[Decimal]) -> Result<Contract, Error> {
    let mut c = contract.clone();
    for (p, v) in setup_paths.iter().zip(values) {
        terms::set(&mut c, p, *v).map_err(|e| Error::term(p, e))?;
    }
    Ok(c)
}

/// The supplier's and the buyer's view of one offer (grid point): what [`setup`] computes per
/// point, the expensive part of a negotiation (the supplier's over every common scenario).
/// Each point is independent of the others, so any split of the grid ([`score_offers`] over
/// ranges) gives the same values, bit for bit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OfferScore {
    /// The supplier's utility: risk-adjusted contribution over the common scenarios (currency).
    pub supplier: f64,
    /// The buyer's raw KPIs on the plan: fees, fee ratio, front margin %, retail sales,
    /// promotion slots.
    pub buyer_kpis: [f64; 5],
}

/// The offer space of a contract: its `[negotiation]`, the exact values of each issue, and
/// the number of grid points.
struct Space<'a> {
    n: &'a kasim_core::negotiation::Negotiation,
    per_issue: Vec<Vec<Decimal>>,
    size: usize,
}

fn space(contract: &Contract) -> Result<Space<'_>, Error> {
    let n = contract.negotiation.as_ref().ok_or(Error::NoNegotiation)?;
    // Exact values per issue, and the grid in the same nested order. Validation has checked
    // the ranges of a loaded contract; one changed since is checked here, before dividing.
    let mut size: usize = 1;
    let mut per_issue: Vec<Vec<Decimal>> = Vec::with_capacity(n.issues.len());
    for i in &n.issues {
        if i.step.0 <= Decimal::ZERO || i.max.0 < i.min.0 {
            return Err(Error::EmptyIssue {
                issue: i.path.clone(),
                min: f(i.min.0),
                max: f(i.max.0),
                step: f(i.step.0),
            });
        }
        let count = ((i.max.0 - i.min.0) / i.step.0).floor().to_usize().unwrap_or(usize::MAX);
        size = size.saturating_mul(count.saturating_add(1));
        if size > MAX_OUTCOMES {
            return Err(Error::TooManyOffers { offers: size, limit: MAX_OUTCOMES });
        }
        per_issue.push((0..=count).map(|k| i.min.0 + i.step.0 * Decimal::from(k)).collect());
    }
    let scenarios = if contract.uncertainty.is_some() { u64::from(n.supplier.scenarios) } else { 1 };
    let limit = kasim_core::negotiation::MAX_OFFER_SCENARIOS;
    if (size as u64).saturating_mul(scenarios) > limit {
        return Err(Error::TooMuchWork { offers: size, scenarios, limit });
    }
    Ok(Space { n, per_issue, size })
}

impl Space<'_> {
    /// The term values of grid point `i`: the first issue varies slowest, the last fastest
    /// (the order of [`Grid::points`]).
    fn point(&self, mut i: usize) -> Vec<Decimal> {
        let mut out = vec![Decimal::ZERO; self.per_issue.len()];
        for (slot, vs) in out.iter_mut().zip(&self.per_issue).rev() {
            *slot = vs[i % vs.len()];
            i /= vs.len();
        }
        out
    }
}

/// The number of offers (grid points) of a contract's negotiation: the length of
/// [`setup`]'s grid, and the range [`score_offers`] splits.
///
/// # Errors
///
/// As [`setup`] before it settles anything: [`Error::NoNegotiation`], [`Error::EmptyIssue`],
/// [`Error::TooManyOffers`], [`Error::TooMuchWork`].
pub fn offer_count(contract: &Contract) -> Result<usize, Error> {
    Ok(space(contract)?.size)
}

/// Scores the offers `range` of the grid (indices of [`offer_count`]'s grid, in its order):
/// the expensive part of [`setup`], as a unit of work. The common scenarios are sampled from
/// the contract as written, the same for every range.
///
/// # Errors
///
/// [`Error::OutOfRange`] when the range is not within `0..offer_count`; otherwise as
/// [`setup`].
pub fn score_offers(contract: &Contract, range: Range<usize>) -> Result<Vec<OfferScore>, Error> {
    let sp = space(contract)?;
    if range.start > range.end || range.end > sp.size {
        return Err(Error::OutOfRange {
            name: "offer range",
            value: format!("{}..{} of {}", range.start, range.end, sp.size),
            range: "within 0..offer_count",
        });
    }
    let n = sp.n;
    let paths: Vec<String> = n.issues.iter().map(|i| i.path.clone()).collect();
    // Common scenarios, sampled once from the contract as written (its relationship
    // resources' effects included).
    let base = Compiled::new(contract)?;
    let sample = |m: &Compiled<'_>| -> Result<Vec<Outcome>, Error> {
        let model = Model::new(m)?;
        Ok((0..u64::from(n.supplier.scenarios)).map(|k| model.sample(n.supplier.seed, k)).collect())
    };
    let outcomes: Vec<Outcome> = if contract.uncertainty.is_some() || contract.resources.is_some() {
        sample(&base)?
    } else {
        vec![base.plan_outcome().clone()]
    };
    // A negotiated resource level other than the payment priority (a settlement term) acts
    // on the sampled outcomes: each offer samples its own, on the same scenario keys.
    let resampled = paths.iter().any(|p| p.starts_with("resources.") && p != "resources.payment_priority_days");
    let lambda = n.supplier.lambda.map_or(0.5, |l| f(l.0));
    let mut out = Vec::with_capacity(range.len());
    for i in range {
        let point = sp.point(i);
        let c = offer(contract, &paths, &point)?;
        let m = base.variant(&c)?;
        let own = if resampled { Some(sample(&m)?) } else { None };
        // Supplier: risk-adjusted contribution over the common scenarios.
        let mut scratch = kasim_core::settle::Scratch::default();
        let mut xs: Vec<f64> = own
            .as_ref()
            .unwrap_or(&outcomes)
            .iter()
            .map(|o| m.totals_with(o, &mut scratch).map(|t| f(t.net_contribution())))
            .collect::<Result<_, _>>()?;
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let supplier = match n.supplier.utility {
            RiskMeasure::Mean => mean,
            RiskMeasure::MeanMinusSd => {
                let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len().max(2) - 1) as f64;
                mean - lambda * var.sqrt()
            }
            RiskMeasure::Cvar => {
                xs.sort_by(f64::total_cmp);
                let tail = xs.len().div_ceil(20).max(1);
                xs[..tail].iter().sum::<f64>() / tail as f64
            }
        };
        // Buyer: raw KPIs on the plan; scored against the targets (capped at 1 when met).
        let s = m.settle(m.plan_outcome())?;
        let buyer_kpis = [
            f(s.pnl.fees_total),
            s.pnl.effective_fee_ratio.map_or(0.0, f),
            s.retailer_view.front_margin_pct.map_or(0.0, f),
            f(s.retailer_view.retail_sales),
            slots_bought(&c, &m),
        ];
        out.push(OfferScore { supplier, buyer_kpis });
    }
    Ok(out)
}

/// The magic number opening encoded offer scores ([`encode_scores`]).
pub const SCORES_MAGIC: [u8; 4] = *b"KOS1";

/// Encodes the scores of offers `start..start + scores.len()` (a piece of [`score_offers`]):
/// little-endian, 24 bytes of header — magic `KOS1`, `u64` start, `u64` count, `u32` 6 (numbers
/// per offer) — then per offer 6 `f64`s: the supplier's utility and the buyer's five KPIs, bit
/// for bit.
pub fn encode_scores(start: usize, scores: &[OfferScore]) -> Vec<u8> {
    let words: Vec<u64> =
        scores.iter().flat_map(|s| std::iter::once(s.supplier).chain(s.buyer_kpis).map(f64::to_bits)).collect();
    crate::parts::encode(SCORES_MAGIC, start as u64, scores.len() as u64, 6, &words)
}

/// Decodes [`encode_scores`]'s bytes into `(start, scores)`.
///
/// # Errors
///
/// [`Error::Bytes`] when the bytes are not encoded offer scores (wrong magic or width, a length
/// that does not match the header, a start beyond the grid's range).
pub fn decode_scores(bytes: &[u8]) -> Result<(usize, Vec<OfferScore>), Error> {
    let (start, _, _, words) = crate::parts::decode("offer scores", SCORES_MAGIC, Some(6), bytes)?;
    let start = usize::try_from(start)
        .ok()
        .filter(|s| *s <= MAX_OUTCOMES)
        .ok_or(Error::Bytes { what: "offer scores", reason: format!("start {start} is beyond any grid") })?;
    let scores = words
        .chunks_exact(6)
        .map(|w| OfferScore {
            supplier: f64::from_bits(w[0]),
            buyer_kpis: [w[1], w[2], w[3], w[4], w[5]].map(f64::from_bits),
        })
        .collect();
    Ok((start, scores))
}

/// Merges pieces of offer scores — `(start, scores)`, in any order — into the scores of the
/// offers `0..total` in grid order, for [`setup_from_scores`].
///
/// # Errors
///
/// [`Error::Parts`] when the pieces leave offers out or cover one twice.
pub fn merge_scores(parts: Vec<(usize, Vec<OfferScore>)>) -> Result<Vec<OfferScore>, Error> {
    let parts = parts.into_iter().map(|(s, v)| (s as u64, v)).collect();
    crate::parts::tile("offer scores", parts)
}

/// Builds the negotiation of a contract with a `[negotiation]` section: settles every
/// combination of the negotiable terms once, so negotiations only look scores up.
/// `setup(c)` is [`setup_from_scores`]`(c, `[`score_offers`]`(c, 0..`[`offer_count`]`(c)?)?)`.
///
/// # Errors
///
/// [`Error::NoNegotiation`] without a `[negotiation]` section; [`Error::EmptyIssue`] or
/// [`Error::TooManyOffers`] when the issues (changed after validation) give no or too many
/// combinations; [`Error::TooMuchWork`] when offers × scenarios is above
/// [`kasim_core::negotiation::MAX_OFFER_SCENARIOS`]; [`Error::Term`] when an issue's path is not a term of the contract;
/// [`Error::Core`] or [`Error::Simulation`] when an offer cannot be settled or the common
/// scenarios cannot be sampled.
pub fn setup(contract: &Contract) -> Result<Setup, Error> {
    let n = offer_count(contract)?;
    setup_from_scores(contract, score_offers(contract, 0..n)?)
}

/// The negotiation set-up from every offer's scores computed elsewhere (`offers[i]` of grid
/// point `i`, e.g. [`score_offers`] over ranges on several machines, merged by
/// [`merge_scores`]): equal to [`setup`] when they are what it computes.
///
/// # Errors
///
/// [`Error::ScoreCount`] when `offers` does not hold one score per offer; as [`setup`] for the
/// contract's negotiation and plan.
pub fn setup_from_scores(contract: &Contract, offers: Vec<OfferScore>) -> Result<Setup, Error> {
    let sp = space(contract)?;
    if offers.len() != sp.size {
        return Err(Error::ScoreCount { expected: sp.size, found: offers.len() });
    }
    let n = sp.n;
    let values: Vec<Vec<Decimal>> = (0..sp.size).map(|i| sp.point(i)).collect();
    let grid = Grid {
        issues: n.issues.iter().map(|i| Issue::new(&i.path, f(i.min.0), f(i.max.0), f(i.step.0))).collect(),
        points: values.iter().map(|p| p.iter().map(|v| f(*v)).collect()).collect(),
    };
    let paths: Vec<String> = n.issues.iter().map(|i| i.path.clone()).collect();
    let base = Compiled::new(contract)?;
    let base_plan_totals = base.totals(base.plan_outcome())?;
    let b = &n.buyer;
    let w = &b.weights;
    let buyer_params = BuyerParams {
        weights: [f(w.fee_income.0), f(w.fee_ratio.0), f(w.front_margin.0), f(w.sales.0), f(w.slots.0)],
        targets: [
            f(b.fee_target.0),
            b.fee_ratio_target.map_or(0.0, |t| f(t.0)),
            b.front_margin_target.map_or(0.0, |t| f(t.0)),
            b.sales_target.map_or(0.0, |t| f(t.0)),
            b.slots_target.map_or(0.0, f64::from),
        ],
    };
    let us: Vec<f64> = offers.iter().map(|s| s.supplier).collect();
    let buyer_kpis: Vec<[f64; 5]> = offers.iter().map(|s| s.buyer_kpis).collect();
    let ub: Vec<f64> = buyer_kpis.iter().map(|k| buyer_params.utility(k)).collect();
    // Round r is offered by the opener when r is even; the last round is rounds − 1.
    let mut rounds = n.rounds as usize;
    if let Some(last) = n.last_offer_by
        && rounds > 1
        && (rounds - 1).is_multiple_of(2) != (last == n.opens)
    {
        rounds -= 1;
    }
    let config = Config {
        rounds,
        opens: match n.opens {
            Opener::Buyer => Side::Buyer,
            Opener::Supplier => Side::Supplier,
        },
        supplier: Party {
            reservation: f(n.supplier.batna.0)
                + n.supplier.batna_recovered_share.map_or(0.0, |share| {
                    let t = &base_plan_totals;
                    f(share.0) * f(t.gross_invoiced - t.returns - t.cost_of_goods)
                }),
            deadline: n.supplier.deadline.map(|d| d as usize),
            delay_cost: f(n.supplier.delay_cost.0),
            discount: 1.0,
        },
        buyer: Party {
            reservation: (f(b.batna.0) - f(b.missed_signing_penalty.0)).max(0.0),
            deadline: b.deadline.map(|d| d as usize),
            delay_cost: f(b.delay_cost.0),
            discount: 1.0,
        },
    };
    let anchor_fees = b.last_year_fees.map(|l| f(l.0) * (1.0 + b.anchor_growth.map_or(0.1, |g| f(g.0))));
    let plan_margin = f(base_plan_totals.gross_invoiced - base_plan_totals.returns - base_plan_totals.cost_of_goods);
    let flagship = n.supplier.flagship.as_ref().map(|fl| Flagship {
        pilot_rounds: fl.pilot_rounds as usize,
        demand_lift: f(fl.demand_lift.0),
        batna_gain: f(fl.batna_lift.0) * plan_margin,
    });
    Ok(Setup {
        grid,
        values,
        paths,
        supplier: scores(us),
        buyer: scores(ub),
        config,
        buyer_kpis,
        buyer_params,
        anchor_fees,
        flagship,
    })
}

/// Promotion slots the supplier buys in the plan: per DM or display fee rule, the contracted
/// minimum or the slots its plan uses, whichever is larger.
fn slots_bought(c: &Contract, m: &Compiled<'_>) -> f64 {
    use kasim_core::contract::SlotKind;
    use kasim_core::fees::Rule;
    let plan = m.plan_outcome();
    let used = |kind: SlotKind| plan.cells.iter().filter(|cell| cell.has_slot(kind)).count() as f64;
    c.fees
        .iter()
        .map(|f| match &f.rule {
            Rule::DmFee(r) => f64::from(r.contracted).max(used(SlotKind::Dm)),
            Rule::DisplayFee(r) => f64::from(r.contracted).max(used(r.slot.unwrap_or(SlotKind::EndCap))),
            _ => 0.0,
        })
        .sum()
}

/// Accepts any offer at or above its reservation value and opens at its best outcome — the
/// seed's "strong-firm" method (强企强势法): a cash-rich brand signs what the buyer asks.
#[derive(Clone, Debug, Default)]
pub struct StrongFirm;

impl Strategy for StrongFirm {
    fn name(&self) -> String {
        "strong-firm".into()
    }
    fn propose(&mut self, view: &View<'_>) -> usize {
        view.me.order[0]
    }
    fn accept(&mut self, view: &View<'_>, offer: usize) -> bool {
        view.me.u[offer] >= view.reservation
    }
}

/// The strategy of a kind for a side of this set-up: [`StrategyKind::Anchoring`] needs
/// `negotiation.buyer.last_year_fees` (its floor is last year's fees × (1 + growth)),
/// [`StrategyKind::FlagshipFirst`] needs `[negotiation.supplier.flagship]` and is the chain
/// tactic (Boulware) that [`negotiate_flagship`] plays after the pilot.
///
/// # Errors
///
/// [`Error::WrongSide`] when the side cannot play it; [`Error::StrategyNeedsSetting`] when the
/// contract lacks the setting it needs.
pub fn strategy_for(kind: StrategyKind, side: Side, setup: &Setup) -> Result<Box<dyn Strategy>, Error> {
    if !kind.plays(side) {
        return Err(Error::WrongSide { strategy: kind, side });
    }
    Ok(match kind {
        StrategyKind::Boulware => Box::new(TimeDependent::boulware()),
        StrategyKind::Linear => Box::new(TimeDependent::linear()),
        StrategyKind::Conceder => Box::new(TimeDependent::conceder()),
        StrategyKind::Hardliner => Box::new(TimeDependent::hardliner()),
        StrategyKind::Stall => Box::new(TimeDependent { e: 0.1, k: 0.0 }),
        StrategyKind::TitForTat => Box::new(TitForTat::default()),
        StrategyKind::RelativeTitForTat => Box::new(RelativeTitForTat::default()),
        StrategyKind::StrongFirm => Box::new(StrongFirm),
        StrategyKind::DelistingThreat => Box::new(DelistingThreat::default()),
        StrategyKind::Anchoring => {
            let floor = setup.anchor_fees.ok_or(Error::StrategyNeedsSetting {
                strategy: kind,
                setting: "negotiation.buyer.last_year_fees (and optionally anchor_growth)",
            })?;
            let allowed = setup.buyer_kpis.iter().map(|k| k[0] >= floor - 1e-6).collect();
            Box::new(Anchoring { allowed, inner: TimeDependent::boulware(), release: 0.9 })
        }
        StrategyKind::FlagshipFirst => {
            flagship(setup)?;
            Box::new(TimeDependent::boulware())
        }
    })
}

fn flagship(setup: &Setup) -> Result<Flagship, Error> {
    setup.flagship.ok_or(Error::StrategyNeedsSetting {
        strategy: StrategyKind::FlagshipFirst,
        setting: "[negotiation.supplier.flagship]",
    })
}

impl Setup {
    /// The supplier's reservation value when it plays `supplier`: flagship-first adds the
    /// BATNA the pilot proves (other chains list the range), every other strategy walks away
    /// to the BATNA as written.
    pub fn supplier_reservation(&self, supplier: StrategyKind) -> f64 {
        let gain = match (supplier, self.flagship) {
            (StrategyKind::FlagshipFirst, Some(fl)) => fl.batna_gain,
            _ => 0.0,
        };
        self.config.supplier.reservation + gain
    }
}

/// Negotiates the set-up's contract: the supplier playing `supplier`, the buyer `buyer`, with
/// the protocol and the buyer's KPIs as written (flagship-first through
/// [`negotiate_flagship`]).
///
/// # Errors
///
/// As [`strategy_for`], for either strategy.
pub fn play(setup: &Setup, supplier: StrategyKind, buyer: StrategyKind) -> Result<Transcript, Error> {
    play_against(setup, &setup.buyer_params, &setup.buyer, &setup.config, supplier, buyer)
}

/// [`play`] against a buyer whose KPI weights and targets (`buyer_params`, scoring the grid as
/// `buyer_scores`) and protocol (`config`) differ from the set-up's — one tournament run.
pub(crate) fn play_against(
    setup: &Setup,
    buyer_params: &BuyerParams,
    buyer_scores: &Scores,
    config: &Config,
    supplier: StrategyKind,
    buyer: StrategyKind,
) -> Result<Transcript, Error> {
    let mut s = strategy_for(supplier, Side::Supplier, setup)?;
    let mut b = strategy_for(buyer, Side::Buyer, setup)?;
    if supplier == StrategyKind::FlagshipFirst {
        negotiate_flagship(setup, buyer_params, config, s.as_mut(), b.as_mut())
    } else {
        Ok(crate::negotiate(&setup.grid, [&setup.supplier, buyer_scores], [s.as_mut(), b.as_mut()], config))
    }
}

/// A recommended counter-offer.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Advice {
    /// Grid index of the recommended terms.
    pub outcome: usize,
    /// The supplier's risk-adjusted contribution of the recommendation.
    pub supplier_value: f64,
    /// The buyer's estimated utility of it.
    pub buyer_utility: f64,
    /// The buyer's estimated acceptance margin: its utility minus its reservation value.
    pub acceptance_margin: f64,
    /// The grid index of the contract as drafted (the terms as written), when on the grid.
    pub draft: Option<usize>,
    /// Per term, in issue order: the drafted and recommended values, what moving this term
    /// alone is worth to the supplier, what it adds within the counter-offer, and whether it
    /// pays off only together with other moves (and with which).
    pub per_term: Vec<TermMove>,
}

/// One term of a counter-offer.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TermMove {
    /// The term path.
    pub term: String,
    /// What kind of value it holds (money, rate, count).
    pub unit: kasim_montecarlo::report::TermUnit,
    /// Its value in the contract as drafted (normalised: no trailing zeros).
    pub draft: Decimal,
    /// Its recommended value (normalised).
    pub counter_offer: Decimal,
    /// The supplier value gained by moving this term alone from the draft to the
    /// recommendation; `None` when the draft is not on the grid.
    pub supplier_gain: Option<f64>,
    /// The supplier value this move adds within the counter-offer: the counter-offer's value
    /// minus that of the counter-offer with this one term put back to the draft (marginal,
    /// given the other moves); `None` when that contract is not on the grid.
    pub marginal_gain: Option<f64>,
    /// True when the move pays off only together with others: it is worth more than
    /// [`INTERACTION_TOLERANCE`] in the counter-offer and either nothing alone or less than half
    /// of its marginal value (e.g. a sales-fee rate cut masked by a guaranteed minimum that still
    /// binds).
    pub pays_off_together: bool,
    /// For a move that pays off together: the other terms whose move makes it pay — those whose
    /// pair value (both moved from the draft) exceeds the sum of the two moves alone by more
    /// than [`INTERACTION_TOLERANCE`], in issue order.
    pub partners: Vec<String>,
}

/// Currency below which a difference between move values is noise (a unit of the contract's
/// currency), for flagging moves that pay off only together.
pub const INTERACTION_TOLERANCE: f64 = 1.0;

/// Counter-offer search: the terms that maximise the supplier's risk-adjusted contribution while
/// the buyer's estimated utility stays at or above its reservation value plus `margin`.
///
/// # Errors
///
/// [`Error::NoAcceptableOffer`] when no combination leaves the buyer that much;
/// [`Error::Term`] when a negotiable term cannot be read from the contract.
pub fn advise(contract: &Contract, setup: &Setup, margin: f64) -> Result<Advice, Error> {
    let floor = setup.config.buyer.reservation + margin;
    let best = setup
        .supplier
        .order
        .iter()
        .copied()
        .find(|&i| setup.buyer.u[i] >= floor)
        .ok_or(Error::NoAcceptableOffer { floor })?;
    let drafted: Vec<Decimal> =
        setup.paths.iter().map(|p| terms::get(contract, p).map_err(|e| Error::term(p, e))).collect::<Result<_, _>>()?;
    let draft = setup.values.iter().position(|v| *v == drafted);
    let index_of = |values: &[Decimal]| setup.values.iter().position(|v| v == values);
    let u = |i: usize| setup.supplier.u[i];
    // The draft with the terms `moved` set to the counter-offer's values, when on the grid.
    let from_draft = |moved: &[usize]| -> Option<f64> {
        let mut v = drafted.clone();
        for &j in moved {
            v[j] = setup.values[best][j];
        }
        index_of(&v).map(u)
    };
    let draft_value = draft.map(u);
    let alone: Vec<Option<f64>> = (0..setup.paths.len()).map(|j| Some(from_draft(&[j])? - draft_value?)).collect();
    let per_term = setup
        .paths
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let mut back = setup.values[best].clone();
            back[j] = drafted[j];
            let marginal_gain = index_of(&back).map(|b| u(best) - u(b));
            let pays_off_together = match (alone[j], marginal_gain) {
                (Some(a), Some(m)) => {
                    m > INTERACTION_TOLERANCE && (a <= INTERACTION_TOLERANCE || m - a > a.max(INTERACTION_TOLERANCE))
                }
                _ => false,
            };
            let partners = if pays_off_together {
                (0..setup.paths.len())
                    .filter(|&k| k != j)
                    .filter(|&k| match (from_draft(&[j, k]), draft_value, alone[j], alone[k]) {
                        (Some(pair), Some(d), Some(a), Some(b)) => pair - d > a + b + INTERACTION_TOLERANCE,
                        _ => false,
                    })
                    .map(|k| setup.paths[k].clone())
                    .collect()
            } else {
                Vec::new()
            };
            TermMove {
                term: p.clone(),
                unit: crate::report::term_unit(contract, p),
                draft: drafted[j].normalize(),
                counter_offer: setup.values[best][j].normalize(),
                supplier_gain: alone[j],
                marginal_gain,
                pays_off_together,
                partners,
            }
        })
        .collect();
    Ok(Advice {
        outcome: best,
        supplier_value: setup.supplier.u[best],
        buyer_utility: setup.buyer.u[best],
        acceptance_margin: setup.buyer.u[best] - setup.config.buyer.reservation,
        draft,
        per_term,
    })
}

/// Negotiates with the flagship-first playbook (单一展示加压法): the pilot in the flagship
/// store takes `pilot_rounds` (signed on the buyer's terms, so no chain-wide concession is made),
/// its proven sell-through lifts the buyer's department-sales KPI by the demand lift and the
/// supplier's BATNA by the BATNA gain, and the chain contract is then negotiated from that
/// position with the supplier's `base` tactic in the rounds left. Round numbers in the
/// transcript count from the start of the pilot; the delay cost runs from the start.
///
/// # Errors
///
/// [`Error::StrategyNeedsSetting`] when the contract has no `[negotiation.supplier.flagship]`.
pub fn negotiate_flagship(
    setup: &Setup,
    buyer_params: &BuyerParams,
    config: &Config,
    base: &mut dyn Strategy,
    buyer: &mut dyn Strategy,
) -> Result<Transcript, Error> {
    let Flagship { pilot_rounds: pilot, demand_lift: lift, batna_gain } = flagship(setup)?;
    // The buyer now expects the range to sell: its sales KPI is scored on lifted sales.
    let lifted: Vec<f64> = setup
        .buyer_kpis
        .iter()
        .map(|k| {
            let mut k = *k;
            k[3] *= 1.0 + lift;
            buyer_params.utility(&k)
        })
        .collect();
    let buyer_scores = scores(lifted);
    let mut cfg = *config;
    cfg.rounds = config.rounds.saturating_sub(pilot);
    cfg.supplier.reservation += batna_gain;
    cfg.supplier.deadline = config.supplier.deadline.map(|d| d.saturating_sub(pilot));
    cfg.buyer.deadline = config.buyer.deadline.map(|d| d.saturating_sub(pilot));
    // The pilot's delay is charged by the protocol, so no side accepts below its reservation
    // value after it.
    let mut t =
        crate::protocol::negotiate_after(&setup.grid, [&setup.supplier, &buyer_scores], [base, buyer], &cfg, pilot);
    // Shift to the calendar of the whole negotiation.
    for st in &mut t.steps {
        st.round += pilot;
    }
    if let Some(a) = &mut t.agreement {
        a.round += pilot;
    }
    Ok(t)
}
