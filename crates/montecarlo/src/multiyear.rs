//! The multi-year run (docs/multi-year.md): a portfolio's contracts over `years` contract
//! years, scenario by scenario, with state carried from one year to the next.
//!
//! The contract chain — year 1 is the portfolio's file, year y + 1 is derived from year y
//! (renegotiated, `kasim_negotiate::renegotiate::chain`; or [`grown_chain`]: the same terms on
//! the grown plan) — is computed **before** the Monte Carlo, on expectations, so every
//! scenario sees the same contract per retailer and year. Per scenario k, years y = 1..Y:
//!
//! 1. **Streams** are those of the portfolio run seeded [`year_seed`]`(seed, y)`: year 1 is
//!    the seed itself (a one-year run is `kasim portfolio` draw for draw), every later year
//!    mixes the year into the seed, so into every stream key.
//! 2. **Shared drivers** per year, as the portfolio run draws them.
//! 3. **Each chain** samples its year-y contract with its carried state: per SKU a demand
//!    multiplier (the item's persistent strength), a first selling period (a replacement new
//!    listing sells from the listing delay on) and the slots withheld (档期 lost).
//! 4. **Slots** (pressure 9): the SKU's planned slots are taken in period order; a slot is
//!    withheld while the SKU owes lost slots (each withheld slot pays one off); a granted slot
//!    whose promoted SKU-period sells fewer than `min_units` (as sampled at that chain,
//!    before the DC's allocation) makes the SKU owe `lost_slots` slots — carried into the next
//!    year when the year ends first. A withheld slot does not run: no uplift, no dip after it,
//!    no promotion price, no slot fee; the cascade does not see it. The slots owed when the
//!    year starts are withheld in the first sampling pass; a slot a miss withholds inside the
//!    year re-samples that SKU alone (a one-SKU model of the contract, whose draws for the SKU
//!    are the whole contract's), or the whole chain when its contract has correlated drivers.
//! 5. DC capacity and the lowest-market-price cascade couple the chains as in the portfolio run
//!    ([`PortfolioModel::couple`]), then every chain settles its year's contract exactly; a
//!    year with replacement listings settles a copy of the contract where those SKUs are
//!    `new_listing` (listed in period 1, selling from the listing delay on): the contract's
//!    own listing rule books their fees.
//! 6. **Delisting** (淘汰制, pressure 11) at year end: a SKU line whose velocity — units sold ÷
//!    Σ stores trading over its selling periods — is below `min_velocity` is delisted. With
//!    `new_listings = "replace"` a new item takes its plan line next year with a fresh
//!    persistent strength (lognormal, mean 1, CV `item_strength_cv`, drawn from the next year's
//!    streams keyed by the chain, the SKU line and the item's generation); with `none` the line
//!    sells nothing for the rest of the run.
//!
//! Rows and counts are stored per scenario in index order and the cascade sums are integers,
//! so results are identical at any thread count and any split into scenario ranges.

use kasim_core::multiyear::{MultiYear, NewListings};
use kasim_core::portfolio::Portfolio;
use kasim_core::settle::Scratch;
use kasim_core::{Compiled, Contract, Outcome};
use rand_distr::StandardNormal;
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::Error;
use crate::dist::f;
use crate::portfolio::{PortfolioModel, PortfolioResults, salt_of};
use crate::runner::{Row, RunConfig, row_of};
use crate::sampler::{Adjust, Model, Shared, Workspace};
use crate::stats::{Better, Summary};
use crate::streams::{ScenarioKey, sku_key, splitmix};

/// Scenarios per unit of parallel work.
const CHUNK: u64 = 64;

/// The seed of year `year` (1-based) of a multi-year run seeded `seed`: the seed itself in
/// year 1, else the seed mixed with the year (so every stream of every later year differs).
pub fn year_seed(seed: u64, year: u32) -> u64 {
    if year <= 1 { seed } else { splitmix(seed ^ splitmix(0x4D55_4C54_4959_4541 ^ u64::from(year))) }
}

/// Where a persistent item strength is drawn: the chain's salt, the SKU line's key and the
/// item's generation (0: the contract's own item, 1: its first replacement, …).
fn strength_address(salt: u64, sku: u64, generation: u32) -> u64 {
    splitmix(splitmix(0x5354_5245_4E47_5448 ^ salt) ^ sku ^ u64::from(generation).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Periods a new listing waits before it sells, from the contract's resources (新品绿色通道).
fn listing_delay(contract: &Contract) -> usize {
    contract.listing_delay()
}

/// The year contracts of [`grown_chain`] and the runner: per year (1..=Y), per member.
pub type Chain = Vec<Vec<Contract>>;

/// The chain without renegotiation: year 1 is each member's contract, year y + 1 is year y's
/// terms on the plan grown by `demand_growth` ([`kasim_core::multiyear::next_year`]).
pub fn grown_chain(portfolio: &Portfolio, spec: &MultiYear) -> Chain {
    let g = Decimal::ONE + spec.demand_growth.0;
    let mut years: Chain = vec![portfolio.members.iter().map(|m| m.contract.clone()).collect()];
    for _ in 1..spec.years {
        let last =
            years.last().map_or_else(Vec::new, |y| y.iter().map(|c| kasim_core::multiyear::next_year(c, g)).collect());
        years.push(last);
    }
    years
}

/// One term of a year's contract in the chain: last year's value, the buyer's ask, the
/// agreement.
#[derive(Clone, Debug, Serialize)]
pub struct TermLine {
    /// The term's path (`fees.rebate.rate`, `payment.days`, …).
    pub path: String,
    /// Last year's value.
    pub last: Decimal,
    /// What the buyer asked.
    pub asked: Decimal,
    /// What was agreed.
    pub agreed: Decimal,
}

/// One retailer's contract in one year of the chain (filled from the renegotiation's
/// records, or from [`grown_chain`]'s).
#[derive(Clone, Debug, Serialize)]
pub struct ContractYear {
    /// The year (1-based).
    pub year: u32,
    /// The contract's id in the portfolio.
    pub id: String,
    /// Fees planned by this year's contract on its own plan (`kasim evaluate`).
    pub planned_fees: Decimal,
    /// The buyer's fee target for this year (last year's planned fees × (1 + fee_growth)).
    pub buyer_target: Option<Decimal>,
    /// The terms that changed.
    pub terms: Vec<TermLine>,
    /// How the year was agreed (`file`, `signed as asked`, `agreed`, `no deal`, …).
    pub ending: String,
    /// Negotiation rounds, when negotiated.
    pub rounds: Option<u32>,
    /// The buyer's satisfaction (agreed fees ÷ target), when negotiated.
    pub satisfaction: Option<f64>,
    /// The relationship's resources in effect this year (path, value).
    pub resources: Vec<(String, Decimal)>,
}

/// The chain records of a chain computed without renegotiation: each year's planned fees.
///
/// # Errors
///
/// [`Error::Core`] when a year's contract does not evaluate.
pub fn chain_records(portfolio: &Portfolio, chain: &Chain) -> Result<Vec<ContractYear>, Error> {
    let mut out = Vec::new();
    for (y, year) in chain.iter().enumerate() {
        for (m, c) in portfolio.members.iter().zip(year) {
            let s = kasim_core::evaluate(c)?;
            out.push(ContractYear {
                year: y as u32 + 1,
                id: m.id.clone(),
                planned_fees: s.pnl.fees_total,
                buyer_target: None,
                terms: Vec::new(),
                ending: if y == 0 { "as written".into() } else { "same terms, plan grown".into() },
                rounds: None,
                satisfaction: None,
                resources: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// Samples `root` into the workspace with the chain's state as sampler adjustments.
fn sample(model: &Model<'_>, root: &ScenarioKey, ws: &mut Workspace, shared: &Shared, adjust: &Adjust) {
    model.sample_adjusted(root, ws, shared, adjust);
}

/// One SKU of a contract alone, for sampling only: the same retailer, calendar, plan (that
/// SKU's line, promotions and price matches) and `[uncertainty]` (without drawn terms), no fee
/// rules. Its model draws that SKU's cells exactly as the whole contract's does: every stream a
/// SKU's cells read is keyed by the SKU's code (and the chain's salt) or is scenario-level.
/// `None` when the contract has correlated drivers (whose draws are joint across SKUs).
fn one_sku(contract: &Contract, s: usize) -> Option<Contract> {
    let mut c = contract.clone();
    if c.uncertainty.as_ref().is_some_and(|u| !u.correlations.is_empty()) {
        return None;
    }
    let code = c.skus.get(s)?.sku.clone();
    c.skus.retain(|t| t.sku == code);
    c.plan.lines.retain(|l| l.sku == code);
    c.plan.price_matches.retain(|m| m.sku == code);
    for pr in &mut c.plan.promotions {
        pr.skus.retain(|k| *k == code);
    }
    c.plan.promotions.retain(|pr| !pr.skus.is_empty());
    c.fees.clear();
    c.negotiation = None;
    if let Some(u) = c.uncertainty.as_mut() {
        u.terms.clear();
    }
    Some(c)
}

/// Per year, chain and SKU, the index of its one-SKU model in a [`Subs`]' list.
type SubIndex = Vec<Vec<Vec<Option<usize>>>>;

/// The one-SKU models a run re-samples a SKU with when a miss inside the year withholds one of
/// its later slots (instead of re-sampling the whole chain).
struct Subs<'m> {
    models: Vec<Model<'m>>,
    at: SubIndex,
}

/// What the multi-year state did in one year at one chain in one scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Planned slots withheld this year.
    pub slots_lost: u32,
    /// SKU lines delisted at this year's end.
    pub delisted: u32,
    /// Replacement new listings listed this year.
    pub listed: u32,
}

/// The carried state of one chain in one scenario.
#[derive(Clone, Debug)]
struct ChainState {
    owed: Vec<u32>,
    strength: Vec<f64>,
    generation: Vec<u32>,
    dead: Vec<bool>,
    listed: Vec<bool>,
}

/// What [`MultiYearModel::scenario_detail`] keeps of one year of one scenario.
struct YearTrace {
    /// Each chain's state entering the year.
    state: Vec<ChainState>,
    /// The shared drivers.
    shared: Shared,
    /// Each chain's outcome as sampled (before DC capacity and the cascade).
    sampled: Vec<Outcome>,
    /// Each chain's outcome after them (the one settled).
    outcomes: Vec<Outcome>,
    /// Each chain's row.
    rows: Vec<Row>,
}

/// A multi-year run prepared for sampling: per year a [`PortfolioModel`] of that year's
/// contracts, and what the state needs (planned slots, listing delays, stores).
pub struct MultiYearModel<'c> {
    /// The `[multi_year]` section.
    pub spec: MultiYear,
    /// Contract ids, in file order.
    pub ids: Vec<String>,
    years: Vec<PortfolioModel<'c>>,
    /// [year][chain][sku]: the planned promoted periods.
    slots: Vec<Vec<Vec<Vec<usize>>>>,
    /// [year][chain]: the listing delay in periods.
    delay: Vec<Vec<usize>>,
    salts: Vec<u64>,
    sku_keys: Vec<Vec<u64>>,
    periods: usize,
    strength_sigma: f64,
    resample_skus: bool,
}

impl<'c> MultiYearModel<'c> {
    /// Prepares a portfolio with `[multi_year]` whose year contracts are compiled in
    /// `compiled` (per year 1..=Y, one per member in order).
    ///
    /// # Errors
    ///
    /// [`Error::MultiYearChain`] when the years do not line up with the spec or with year 1
    /// (chains, SKUs); any error of [`PortfolioModel::new`].
    pub fn new(portfolio: &Portfolio, spec: &MultiYear, compiled: &'c [Vec<Compiled<'c>>]) -> Result<Self, Error> {
        let ids: Vec<String> = portfolio.members.iter().map(|m| m.id.clone()).collect();
        let first = ids.first().cloned().unwrap_or_default();
        if compiled.len() != spec.years as usize {
            return Err(Error::MultiYearChain {
                contract: first,
                year: compiled.len() as u32,
                reason: format!("is the last of {} years: the run has {}", compiled.len(), spec.years),
            });
        }
        let base = &compiled[0];
        for (y, year) in compiled.iter().enumerate() {
            if year.len() != ids.len() {
                return Err(Error::MultiYearChain {
                    contract: first,
                    year: y as u32 + 1,
                    reason: format!("list has {} contracts, the portfolio {}", year.len(), ids.len()),
                });
            }
            for ((c, b), id) in year.iter().zip(base).zip(&ids) {
                let same = c.skus.len() == b.skus.len() && c.skus.iter().zip(b.skus.iter()).all(|(x, y)| x.id == y.id);
                if !same {
                    return Err(Error::MultiYearChain {
                        contract: id.clone(),
                        year: y as u32 + 1,
                        reason: "does not carry year 1's SKUs in year 1's order".into(),
                    });
                }
            }
        }
        let years = compiled.iter().map(|y| PortfolioModel::new(portfolio, y)).collect::<Result<Vec<_>, _>>()?;
        let periods = base.first().map_or(0, |c| c.periods());
        let slots = compiled
            .iter()
            .map(|y| {
                y.iter()
                    .map(|c| {
                        let plan = c.plan_outcome();
                        let n = c.skus.len();
                        (0..n).map(|s| (0..periods).filter(|&p| plan.cells[p * n + s].promoted()).collect()).collect()
                    })
                    .collect()
            })
            .collect();
        let delay = compiled.iter().map(|y| y.iter().map(|c| listing_delay(c.contract)).collect()).collect();
        let salts: Vec<u64> = ids.iter().map(|id| salt_of(id)).collect();
        let sku_keys = base.iter().map(|c| c.skus.iter().map(|k| sku_key(&k.id)).collect()).collect();
        let cv = spec.delisting.as_ref().map_or(0.0, |d| f(d.item_strength_cv.0));
        Ok(MultiYearModel {
            spec: spec.clone(),
            ids,
            years,
            slots,
            delay,
            salts,
            sku_keys,
            periods,
            strength_sigma: (1.0 + cv * cv).ln().sqrt(),
            resample_skus: true,
        })
    }

    /// This model re-sampling a whole chain, not only the SKUs concerned, when a miss inside a
    /// year withholds a later slot: the same results, slower (a check of the one-SKU path).
    pub fn resampling_whole_chains(mut self) -> Self {
        self.resample_skus = false;
        self
    }

    /// The year models (year 1 first).
    pub fn years(&self) -> &[PortfolioModel<'c>] {
        &self.years
    }

    /// A persistent strength draw (mean 1) of SKU line `s` at `chain`, generation `g`, from
    /// the streams of `root`.
    fn strength(&self, root: &ScenarioKey, chain: usize, s: usize, g: u32) -> f64 {
        if self.strength_sigma == 0.0 {
            return 1.0;
        }
        let z: f64 = rand::RngExt::sample(
            &mut root.stream_at(strength_address(self.salts[chain], self.sku_keys[chain][s], g)),
            StandardNormal,
        );
        let sg = self.strength_sigma;
        (sg * z - sg * sg / 2.0).exp()
    }

    /// Workspaces for one worker: per year, one per chain.
    pub fn workspaces(&self) -> Vec<Vec<Workspace>> {
        self.years.iter().map(PortfolioModel::workspaces).collect()
    }

    fn empty(&self, start: u64) -> MultiYearResults {
        let chains = self.ids.len();
        MultiYearResults {
            start,
            years: self
                .years
                .iter()
                .map(|m| PortfolioResults { start, rows: vec![Vec::new(); chains], sums: m.zero_sums() })
                .collect(),
            counts: vec![vec![Vec::new(); chains]; self.years.len()],
        }
    }

    /// Runs scenario `index` across all years, appending its rows and counts to `out`.
    #[allow(clippy::needless_range_loop)] // SKU lines index several parallel state vectors
    #[allow(clippy::too_many_arguments)] // the run's buffers, and the replay's trace
    fn scenario(
        &self,
        seed: u64,
        index: u64,
        ws: &mut [Vec<Workspace>],
        (subs, sub_ws): (&Subs<'_>, &mut [Workspace]),
        scratch: &mut Scratch,
        out: &mut MultiYearResults,
        mut trace: Option<&mut Vec<YearTrace>>,
    ) -> Result<(), Error> {
        let chains = self.ids.len();
        let wrap = |e: Error| Error::Scenario { index, source: Box::new(e) };
        let root1 = ScenarioKey::new(seed, index);
        let mut state: Vec<ChainState> = (0..chains)
            .map(|c| {
                let n = self.sku_keys[c].len();
                ChainState {
                    owed: vec![0; n],
                    strength: (0..n).map(|s| self.strength(&root1, c, s, 0)).collect(),
                    generation: vec![0; n],
                    dead: vec![false; n],
                    listed: vec![false; n],
                }
            })
            .collect();
        let periods = self.periods;
        for (yi, pm) in self.years.iter().enumerate() {
            let year = yi as u32 + 1;
            let ys = year_seed(seed, year);
            let root = ScenarioKey::new(ys, index);
            let shared = pm.shared(&root);
            let wsy = &mut ws[yi];
            let mut counts = vec![Counts::default(); chains];
            let entering = trace.is_some().then(|| state.clone());
            for (c, model) in pm.models().iter().enumerate() {
                let st = &mut state[c];
                let n = st.owed.len();
                let delay = self.delay[yi][c];
                let first_period: Vec<usize> = (0..n)
                    .map(|s| {
                        if st.dead[s] {
                            periods
                        } else if st.listed[s] {
                            delay
                        } else {
                            0
                        }
                    })
                    .collect();
                let mut adjust = Adjust { demand: st.strength.clone(), first_period, withheld: Vec::new() };
                let Some(rule) = &self.spec.slots else {
                    sample(model, &root, &mut wsy[c], &shared, &adjust);
                    counts[c].listed = st.listed.iter().filter(|&&x| x).count() as u32;
                    continue;
                };
                // The slots owed when the year starts are withheld whatever sells: the first
                // pass samples with them, and only a miss inside the year (which withholds a
                // later slot) needs a second pass. A granted slot's units do not depend on
                // which other slots are withheld, so the first pass's are the ones that count.
                let runnable = |s: usize, p: usize| p >= adjust.first_period[s];
                let mut carried = vec![false; periods * n];
                let mut any_carried = false;
                for s in 0..n {
                    let mut owed = st.owed[s];
                    for &p in self.slots[yi][c][s].iter().filter(|&&p| runnable(s, p)) {
                        if owed == 0 {
                            break;
                        }
                        owed -= 1;
                        carried[p * n + s] = true;
                        any_carried = true;
                    }
                }
                if any_carried {
                    adjust.withheld = carried.clone();
                }
                sample(model, &root, &mut wsy[c], &shared, &adjust);
                let mut withheld = carried;
                let mut grew = vec![false; n];
                let o = wsy[c].outcome();
                for s in 0..n {
                    for &p in self.slots[yi][c][s].iter().filter(|&&p| adjust.first_period[s] <= p) {
                        if st.owed[s] > 0 {
                            st.owed[s] -= 1;
                            grew[s] |= !withheld[p * n + s];
                            withheld[p * n + s] = true;
                            counts[c].slots_lost += 1;
                        } else if o.cells[p * n + s].promoted() && i64::from(o.cells[p * n + s].sold) < rule.min_units {
                            // A slot the retailer did not grant anyway (档期优先, [resources])
                            // did not run: it neither misses nor pays off.
                            st.owed[s] = rule.lost_slots;
                        }
                    }
                }
                let resample: Vec<usize> = (0..n).filter(|&s| grew[s]).collect();
                let one_by_one = resample.iter().all(|&s| subs.at[yi][c][s].is_some());
                if !resample.is_empty() && one_by_one {
                    // Only the SKUs with a newly withheld slot change: each is sampled alone
                    // (its cells are drawn exactly as in the whole chain) and put in place.
                    for &s in &resample {
                        let Some(i) = subs.at[yi][c][s] else { continue };
                        let one = Adjust {
                            demand: vec![adjust.demand[s]],
                            first_period: vec![adjust.first_period[s]],
                            withheld: (0..periods).map(|p| withheld[p * n + s]).collect(),
                        };
                        subs.models[i].sample_adjusted(&root, &mut sub_ws[i], &shared, &one);
                        let (from, to) = (sub_ws[i].outcome(), wsy[c].outcome_mut());
                        for p in 0..periods {
                            to.cells[p * n + s] = from.cells[p];
                        }
                    }
                } else if !resample.is_empty() {
                    adjust.withheld = withheld;
                    sample(model, &root, &mut wsy[c], &shared, &adjust);
                }
                counts[c].listed = st.listed.iter().filter(|&&x| x).count() as u32;
            }
            let part = &mut out.years[yi];
            let sampled: Option<Vec<Outcome>> =
                trace.is_some().then(|| wsy.iter().map(|w| w.outcome().clone()).collect());
            pm.couple(&root, wsy, &mut part.sums);
            for (c, model) in pm.models().iter().enumerate() {
                let st = &state[c];
                let row = if st.listed.iter().any(|&x| x) {
                    self.settle_listed(model, ys, index, st, wsy[c].outcome(), scratch).map_err(wrap)?
                } else {
                    model.settle_workspace(&root, &mut wsy[c]).map_err(wrap)?
                };
                part.rows[c].push(row);
            }
            if let (Some(tr), Some(entering), Some(sampled)) = (trace.as_deref_mut(), entering, sampled) {
                let rows = part.rows.iter().map(|r| r.last().cloned().unwrap_or_default()).collect();
                tr.push(YearTrace {
                    state: entering,
                    shared: shared.clone(),
                    sampled,
                    outcomes: wsy.iter().map(|w| w.outcome().clone()).collect(),
                    rows,
                });
            }
            // Year end: delisting, replacements for next year.
            let next_root = (yi + 1 < self.years.len()).then(|| ScenarioKey::new(year_seed(seed, year + 1), index));
            for (c, model) in pm.models().iter().enumerate() {
                let st = &mut state[c];
                let listed_now = std::mem::replace(&mut st.listed, vec![false; st.owed.len()]);
                let Some(rule) = &self.spec.delisting else { continue };
                let bar = f(rule.min_velocity.0);
                let o = wsy[c].outcome();
                let n = st.owed.len();
                let stores = stores_per_period(model.compiled, o);
                let delay = self.delay[yi][c];
                for s in 0..n {
                    if st.dead[s] {
                        continue;
                    }
                    // Selling periods: from the listing delay for an item listed this year.
                    let from = if listed_now[s] { delay } else { 0 };
                    let (mut sold, mut store_periods) = (0u64, 0u64);
                    for (p, &trading) in stores.iter().enumerate().take(periods).skip(from) {
                        sold += u64::from(o.cells[p * n + s].sold);
                        store_periods += u64::from(trading);
                    }
                    if store_periods == 0 {
                        continue;
                    }
                    if (sold as f64) / (store_periods as f64) < bar {
                        counts[c].delisted += 1;
                        match rule.new_listings {
                            NewListings::Replace => {
                                st.generation[s] += 1;
                                st.owed[s] = 0;
                                if let Some(r) = &next_root {
                                    st.strength[s] = self.strength(r, c, s, st.generation[s]);
                                    st.listed[s] = true;
                                }
                            }
                            NewListings::None => st.dead[s] = true,
                        }
                    }
                }
            }
            for (c, k) in counts.into_iter().enumerate() {
                out.counts[yi][c].push(k);
            }
        }
        Ok(())
    }

    /// Settles a chain's year with replacement listings: the year's contract (with the
    /// scenario's drawn terms, when it draws any) with those SKUs new listings in period 1
    /// ([`Compiled::with_new_listings`]).
    fn settle_listed(
        &self,
        model: &Model<'_>,
        seed: u64,
        index: u64,
        st: &ChainState,
        outcome: &Outcome,
        scratch: &mut Scratch,
    ) -> Result<Row, Error> {
        match model.contract_for(seed, index)? {
            Some(c) => {
                let drawn = model.compiled.variant(&c)?;
                row_of(drawn.with_new_listings(&st.listed, 1).totals_with(outcome, scratch)?)
            }
            None => row_of(model.compiled.with_new_listings(&st.listed, 1).totals_with(outcome, scratch)?),
        }
    }

    /// Runs scenarios `start..end` of a run seeded `cfg.seed` (all threads of `cfg.threads`).
    ///
    /// # Errors
    ///
    /// [`Error::BadRange`] when `start > end`; [`Error::ThreadPool`]; a scenario's error.
    pub fn run_range(&self, cfg: &RunConfig, start: u64, end: u64) -> Result<MultiYearResults, Error> {
        if start > end {
            return Err(Error::BadRange { start, end, runs: cfg.runs });
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.threads)
            .build()
            .map_err(|source| Error::ThreadPool { threads: cfg.threads, source })?;
        // The one-SKU models of every SKU with planned slots (built once per call; a chain
        // whose contract cannot be split is re-sampled whole).
        let mut contracts: Vec<Contract> = Vec::new();
        let mut keys: Vec<(usize, usize, usize)> = Vec::new();
        if self.resample_skus && self.spec.slots.is_some() {
            for (yi, pm) in self.years.iter().enumerate() {
                for (c, m) in pm.models().iter().enumerate() {
                    for (s, planned) in self.slots[yi][c].iter().enumerate() {
                        if let Some(x) = (!planned.is_empty()).then(|| one_sku(m.compiled.contract, s)).flatten() {
                            contracts.push(x);
                            keys.push((yi, c, s));
                        }
                    }
                }
            }
        }
        let compiled: Vec<Option<Compiled<'_>>> = contracts.iter().map(|c| Compiled::new(c).ok()).collect();
        let mut subs = Subs {
            models: Vec::new(),
            at: self.slots.iter().map(|y| y.iter().map(|c| vec![None; c.len()]).collect()).collect(),
        };
        for (&(yi, c, s), comp) in keys.iter().zip(&compiled) {
            if let Some(m) = comp.as_ref().and_then(|x| Model::new(x).ok()) {
                subs.at[yi][c][s] = Some(subs.models.len());
                subs.models.push(m.salted(self.salts[c]));
            }
        }
        let subs = &subs;
        let chunks = (end - start).div_ceil(CHUNK);
        let parts: Vec<Result<MultiYearResults, Error>> = pool.install(|| {
            (0..chunks)
                .into_par_iter()
                .map(|c| {
                    let (a, b) = (start + c * CHUNK, (start + (c + 1) * CHUNK).min(end));
                    let mut ws = self.workspaces();
                    let mut sub_ws: Vec<Workspace> = subs.models.iter().map(Model::workspace).collect();
                    let mut scratch = Scratch::default();
                    let mut part = self.empty(a);
                    for k in a..b {
                        self.scenario(cfg.seed, k, &mut ws, (subs, &mut sub_ws), &mut scratch, &mut part, None)?;
                    }
                    Ok(part)
                })
                .collect()
        });
        let mut out = self.empty(start);
        for p in parts {
            out.append(p?);
        }
        Ok(out)
    }

    /// Runs `cfg.runs` scenarios.
    ///
    /// # Errors
    ///
    /// As [`MultiYearModel::run_range`].
    pub fn run(&self, cfg: &RunConfig) -> Result<MultiYearResults, Error> {
        self.run_range(cfg, 0, cfg.runs)
    }
}

/// Stores trading per period of an outcome: the contract's stores at the start plus the
/// openings so far.
fn stores_per_period(c: &Compiled<'_>, o: &Outcome) -> Vec<u32> {
    let mut stores = c.stores_at_start();
    o.store_openings
        .iter()
        .map(|&x| {
            stores = stores.saturating_add(x);
            stores
        })
        .collect()
}

/// A multi-year run (or a range of one): per year the portfolio results, per year, chain and
/// scenario what the state did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultiYearResults {
    /// First scenario index.
    pub start: u64,
    /// Per year (year 1 first), the chains' rows and cascade sums.
    pub years: Vec<PortfolioResults>,
    /// Per year, per chain, one [`Counts`] per scenario in index order.
    pub counts: Vec<Vec<Vec<Counts>>>,
}

const MULTI_YEAR_MAGIC: &[u8; 4] = b"KSM1";

impl MultiYearResults {
    /// Scenarios held.
    pub fn len(&self) -> usize {
        self.years.first().map_or(0, PortfolioResults::len)
    }

    /// True without scenarios.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the results of the scenarios right after these (a later range).
    pub fn append(&mut self, next: MultiYearResults) {
        for (a, b) in self.years.iter_mut().zip(next.years) {
            a.append(b);
        }
        for (a, b) in self.counts.iter_mut().zip(next.counts) {
            for (x, y) in a.iter_mut().zip(b) {
                x.extend(y);
            }
        }
    }

    /// The channel's discounted net contribution per scenario, cents: Σ over years and chains
    /// of net contribution × `discount[y]`, each scenario's sum rounded half away from zero to
    /// the cent once (exact: the factors are held to 12 decimals).
    pub fn discounted(&self, discount: &[Decimal], chain: Option<usize>) -> Vec<i64> {
        let scale = Decimal::from(1_000_000_000_000i64);
        let d12: Vec<i128> =
            discount.iter().map(|d| (d * scale).round().try_into().unwrap_or(1_000_000_000_000i128)).collect();
        (0..self.len())
            .map(|k| {
                let mut sum = 0i128;
                for (y, r) in self.years.iter().enumerate() {
                    let net: i128 = match chain {
                        Some(c) => i128::from(r.rows[c][k].net_contribution),
                        None => r.rows.iter().map(|x| i128::from(x[k].net_contribution)).sum(),
                    };
                    sum += net * d12.get(y).copied().unwrap_or(1_000_000_000_000);
                }
                let half = 500_000_000_000i128;
                let q = if sum >= 0 { (sum + half) / 1_000_000_000_000 } else { (sum - half) / 1_000_000_000_000 };
                i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
            })
            .collect()
    }

    /// These results as bytes (a Ray task's range): `KSM1`, the years (u32), per year its
    /// [`PortfolioResults::encode`]d bytes (length u64 first), then per year, chain and
    /// scenario the three counts (u32 each), all little-endian.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(MULTI_YEAR_MAGIC);
        b.extend_from_slice(&(self.years.len() as u32).to_le_bytes());
        for y in &self.years {
            let e = y.encode();
            b.extend_from_slice(&(e.len() as u64).to_le_bytes());
            b.extend_from_slice(&e);
        }
        for y in &self.counts {
            for c in y {
                for k in c {
                    for v in [k.slots_lost, k.delisted, k.listed] {
                        b.extend_from_slice(&v.to_le_bytes());
                    }
                }
            }
        }
        b
    }

    /// Decodes [`MultiYearResults::encode`]'s bytes.
    ///
    /// # Errors
    ///
    /// [`Error::ShardBytes`] when the bytes are not encoded multi-year results.
    pub fn decode(bytes: &[u8]) -> Result<MultiYearResults, Error> {
        let bad = |reason: &str| Error::ShardBytes { reason: format!("multi-year results: {reason}") };
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], Error> {
            let s = bytes
                .get(at..at.checked_add(n).ok_or_else(|| bad("too long"))?)
                .ok_or_else(|| bad("the bytes end early"))?;
            at += n;
            Ok(s)
        };
        if take(4)? != MULTI_YEAR_MAGIC {
            return Err(bad("no KSM1 header"));
        }
        let half = |s: &[u8]| u32::from_le_bytes(s.try_into().unwrap_or([0; 4]));
        let word = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or([0; 8]));
        let n = half(take(4)?) as usize;
        if n > kasim_core::multiyear::MAX_YEARS as usize {
            return Err(bad("too many years"));
        }
        let mut years = Vec::with_capacity(n);
        for _ in 0..n {
            let len = usize::try_from(word(take(8)?)).map_err(|_| bad("a year too long"))?;
            years.push(PortfolioResults::decode(take(len)?)?);
        }
        let start = years.first().map_or(0, |y| y.start);
        let runs = years.first().map_or(0, PortfolioResults::len);
        let chains = years.first().map_or(0, |y| y.rows.len());
        if years.iter().any(|y| y.start != start || y.len() != runs || y.rows.len() != chains) {
            return Err(bad("the years do not cover the same scenarios"));
        }
        let mut counts = vec![vec![Vec::with_capacity(runs); chains]; n];
        for y in &mut counts {
            for c in y.iter_mut() {
                for _ in 0..runs {
                    let (a, b, d) = (half(take(4)?), half(take(4)?), half(take(4)?));
                    c.push(Counts { slots_lost: a, delisted: b, listed: d });
                }
            }
        }
        if at != bytes.len() {
            return Err(bad("the length does not match the header"));
        }
        Ok(MultiYearResults { start, years, counts })
    }

    /// Merges scenario ranges (in any order) into one run: they must cover `0..runs` without
    /// gaps or overlaps.
    ///
    /// # Errors
    ///
    /// [`Error::ShardGap`], [`Error::ShardOverlap`], [`Error::ShardContracts`].
    pub fn merge(mut parts: Vec<MultiYearResults>) -> Result<MultiYearResults, Error> {
        parts.sort_by_key(|p| p.start);
        let mut it = parts.into_iter();
        let Some(mut out) = it.next() else { return Ok(MultiYearResults::default()) };
        if out.start != 0 {
            return Err(Error::ShardGap { from: 0, to: out.start });
        }
        for p in it {
            let covered = out.len() as u64;
            if p.start > covered {
                return Err(Error::ShardGap { from: covered, to: p.start });
            }
            if p.start < covered {
                return Err(Error::ShardOverlap { start: p.start, covered });
            }
            let chains = |r: &MultiYearResults| r.years.first().map_or(0, |y| y.rows.len());
            if p.years.len() != out.years.len() || chains(&p) != chains(&out) {
                return Err(Error::ShardContracts { start: p.start, expected: chains(&out), found: chains(&p) });
            }
            out.append(p);
        }
        Ok(out)
    }
}

/// One retailer (or the whole channel) in one year.
#[derive(Clone, Debug, Serialize)]
pub struct YearLine {
    /// The year (1-based).
    pub year: u32,
    /// The contract's id; `None` for the channel's total.
    pub id: Option<String>,
    /// The retailer (the portfolio's name for the channel).
    pub retailer: String,
    /// Mean net contribution (净贡献).
    pub mean_net_contribution: Decimal,
    /// Its 5th percentile.
    pub p5: Decimal,
    /// Its 95th percentile.
    pub p95: Decimal,
    /// Mean fees (trade spend).
    pub mean_fees: Decimal,
    /// Mean planned slots withheld (档期 lost).
    pub slots_lost: f64,
    /// Mean SKU lines delisted at year end (淘汰).
    pub delisted: f64,
    /// Mean replacement new listings (新品进场).
    pub new_listings: f64,
}

/// The cumulative discounted contribution (NPV, 净现值) of the channel or one retailer.
#[derive(Clone, Debug, Serialize)]
pub struct CumulativeLine {
    /// The contract's id; `None` for the channel.
    pub id: Option<String>,
    /// The retailer (the portfolio's name for the channel).
    pub retailer: String,
    /// Σ over years of net contribution ÷ (1 + r)^(y − 1): mean, percentiles, VaR/CVaR 95%,
    /// P(loss).
    pub npv: Summary,
}

/// `kasim portfolio FILE` with `[multi_year]`: the KA channel over several contract years.
#[derive(Clone, Debug, Serialize)]
pub struct MultiYearReport {
    /// The portfolio's name.
    pub name: String,
    /// The portfolio file.
    pub file: String,
    /// Scenarios.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// The `[multi_year]` section as given (defaults filled).
    pub spec: MultiYear,
    /// Per year, the discount factor 1 ÷ (1 + r)^(y − 1).
    pub discount: Vec<Decimal>,
    /// Per year: the channel's line first, then each retailer's.
    pub years: Vec<YearLine>,
    /// The contract chain: per year, per retailer, what was asked and agreed.
    pub chain: Vec<ContractYear>,
    /// The cumulative discounted contribution: the channel first, then each retailer.
    pub cumulative: Vec<CumulativeLine>,
}

/// `sum` cents ÷ `n`, rounded half away from zero to the cent.
fn mean_cents(sum: i128, n: usize) -> Decimal {
    let d = Decimal::try_from_i128_with_scale(sum, 2).unwrap_or_default();
    let mut m = (d / Decimal::from(n.max(1) as u64))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    m.rescale(2);
    m
}

fn pct(s: &Summary, q: u32) -> Decimal {
    s.percentiles.iter().find(|(p, _)| *p == q).map_or(Decimal::ZERO, |(_, v)| *v)
}

impl MultiYearReport {
    /// The report of a multi-year run; `chain` is the contract chain's records.
    pub fn new(
        portfolio: &Portfolio,
        model: &MultiYearModel<'_>,
        results: &MultiYearResults,
        cfg: &RunConfig,
        chain: Vec<ContractYear>,
    ) -> MultiYearReport {
        let n = results.len();
        let spec = &model.spec;
        let discount: Vec<Decimal> = (1..=spec.years).map(|y| spec.discount(y)).collect();
        let mean_of = |v: &[Counts], g: fn(&Counts) -> u32| -> f64 {
            v.iter().map(|c| f64::from(g(c))).sum::<f64>() / n.max(1) as f64
        };
        let mut years = Vec::new();
        for (yi, r) in results.years.iter().enumerate() {
            let year = yi as u32 + 1;
            let counts = &results.counts[yi];
            let line = |id: Option<String>, retailer: String, nc: Vec<i64>, fees: i128, k: Vec<Counts>| {
                let s = Summary::of_cents(&nc);
                YearLine {
                    year,
                    id,
                    retailer,
                    mean_net_contribution: s.mean,
                    p5: pct(&s, 5),
                    p95: pct(&s, 95),
                    mean_fees: mean_cents(fees, n),
                    slots_lost: mean_of(&k, |c| c.slots_lost),
                    delisted: mean_of(&k, |c| c.delisted),
                    new_listings: mean_of(&k, |c| c.listed),
                }
            };
            let total_fees: i128 = r.rows.iter().flatten().map(|x| i128::from(x.fees_total)).sum();
            let total_counts: Vec<Counts> = (0..n)
                .map(|k| {
                    counts.iter().fold(Counts::default(), |a, c| Counts {
                        slots_lost: a.slots_lost + c[k].slots_lost,
                        delisted: a.delisted + c[k].delisted,
                        listed: a.listed + c[k].listed,
                    })
                })
                .collect();
            years.push(line(None, portfolio.name.clone(), r.total_net(), total_fees, total_counts));
            for (c, m) in portfolio.members.iter().enumerate() {
                let nc: Vec<i64> = r.rows[c].iter().map(|x| x.net_contribution).collect();
                let fees: i128 = r.rows[c].iter().map(|x| i128::from(x.fees_total)).sum();
                years.push(line(Some(m.id.clone()), m.retailer.clone(), nc, fees, counts[c].clone()));
            }
        }
        let npv = |chain: Option<usize>| {
            let mut v = results.discounted(&discount, chain);
            v.sort_unstable();
            Summary::of_sorted_cents_toward(&v, Better::Higher, true)
        };
        let mut cumulative = vec![CumulativeLine { id: None, retailer: portfolio.name.clone(), npv: npv(None) }];
        for (c, m) in portfolio.members.iter().enumerate() {
            cumulative.push(CumulativeLine { id: Some(m.id.clone()), retailer: m.retailer.clone(), npv: npv(Some(c)) });
        }
        MultiYearReport {
            name: portfolio.name.clone(),
            file: portfolio.file.display().to_string(),
            runs: n as u64,
            seed: cfg.seed,
            spec: spec.clone(),
            discount,
            years,
            chain,
            cumulative,
        }
    }
}

/// One SKU line's carried state entering a year of a multi-year scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CarriedSku {
    /// The SKU line (year 1's code; a replacement takes its plan line).
    pub sku: String,
    /// Planned slots (档期) still withheld from it when the year starts.
    pub slots_owed: u32,
    /// The item's persistent demand strength (mean 1 over items).
    pub strength: f64,
    /// The item's generation: 0 the contract's own item, 1 its first replacement, ….
    pub generation: u32,
    /// A replacement new listing this year (新品进场: it pays the listing rule).
    pub new_listing: bool,
    /// Delisted without replacement (it sells nothing).
    pub delisted: bool,
    /// The first period it sells (1-based; `periods + 1` when it does not sell).
    pub first_period: usize,
}

/// One chain in one year of a replayed multi-year scenario.
#[derive(Clone, Debug)]
pub struct ChainYearDetail {
    /// The contract's id in the portfolio.
    pub id: String,
    /// The state it carries into the year, per SKU line.
    pub carried: Vec<CarriedSku>,
    /// What the state did this year (slots withheld, delisted at year end, listed).
    pub counts: Counts,
    /// The year's settlement with the full ledger (after DC capacity and the cascade), of the
    /// year's contract (with replacement listings as new listings, and the scenario's drawn
    /// terms, when it draws any).
    pub settlement: kasim_core::Settlement,
    /// The year's row, exactly as the multi-year run keeps it.
    pub row: Row,
}

/// One year of a replayed multi-year scenario ([`MultiYearModel::scenario_detail`]).
#[derive(Clone, Debug)]
pub struct YearDetail {
    /// The year (1-based).
    pub year: u32,
    /// The year's seed ([`year_seed`]).
    pub seed: u64,
    /// Periods of the shared calendar.
    pub periods: usize,
    /// The brand-level demand factor per period (None without `[drivers.brand_demand]`).
    pub brand_demand: Option<Vec<f64>>,
    /// Per period, whether the shared price war is on (None without `[drivers.price_war]`).
    pub war_on: Option<Vec<bool>>,
    /// The shared price war's depth per period (None when each chain's own depth applies).
    pub war_depth: Option<Vec<f64>>,
    /// Per period, the DC's capacity (None without `[drivers.dc_capacity]`).
    pub capacity: Option<Vec<crate::portfolio::CapacityPeriod>>,
    /// Per chain, in file order.
    pub chains: Vec<ChainYearDetail>,
}

/// Units delivered per period over `outcomes`.
fn delivered(outcomes: &[Outcome], periods: usize) -> Vec<u64> {
    (0..periods)
        .map(|p| {
            outcomes
                .iter()
                .map(|o| {
                    let n = o.skus();
                    o.cells[p * n..(p + 1) * n].iter().map(|c| u64::from(c.delivered)).sum::<u64>()
                })
                .sum()
        })
        .collect()
}

impl MultiYearModel<'_> {
    /// Replays scenario `index` of a multi-year run seeded `seed`, year by year: the state
    /// each chain carries into the year, the shared drivers, the DC's capacity and each
    /// chain's settled ledger. The rows are the run's rows for scenario `index` (the scenario
    /// is computed exactly as the run computes it, re-sampling a whole chain where the run
    /// re-samples one SKU: the same cells), and each settlement is of the same outcome, so its
    /// totals equal the row's.
    ///
    /// # Errors
    ///
    /// As [`MultiYearModel::run`]; a settlement's error.
    pub fn scenario_detail(&self, seed: u64, index: u64) -> Result<Vec<YearDetail>, Error> {
        let subs = Subs {
            models: Vec::new(),
            at: self.slots.iter().map(|y| y.iter().map(|c| vec![None; c.len()]).collect()).collect(),
        };
        let mut ws = self.workspaces();
        let mut scratch = Scratch::default();
        let mut out = self.empty(index);
        let mut trace = Vec::new();
        self.scenario(seed, index, &mut ws, (&subs, &mut []), &mut scratch, &mut out, Some(&mut trace))?;
        let periods = self.periods;
        let mut years = Vec::with_capacity(trace.len());
        for (yi, (tr, pm)) in trace.into_iter().zip(&self.years).enumerate() {
            let year = yi as u32 + 1;
            let ys = year_seed(seed, year);
            let capacity = pm.capacity().map(|cap| {
                let (want, got) = (delivered(&tr.sampled, periods), delivered(&tr.outcomes, periods));
                (0..periods)
                    .map(|p| crate::portfolio::CapacityPeriod {
                        period: p + 1,
                        demanded: want[p],
                        capacity: cap,
                        shipped: got[p],
                        fill: if want[p] == 0 { 1.0 } else { got[p] as f64 / want[p] as f64 },
                    })
                    .collect()
            });
            let mut chains = Vec::with_capacity(self.ids.len());
            for (c, model) in pm.models().iter().enumerate() {
                let st = &tr.state[c];
                let o = &tr.outcomes[c];
                let drawn = model.contract_for(ys, index)?;
                let variant = match &drawn {
                    Some(x) => Some(model.compiled.variant(x)?),
                    None => None,
                };
                let base = variant.as_ref().unwrap_or(model.compiled);
                let settlement = if st.listed.iter().any(|&x| x) {
                    base.with_new_listings(&st.listed, 1).settle(o)?
                } else {
                    base.settle(o)?
                };
                let delay = self.delay[yi][c];
                let carried = (0..st.owed.len())
                    .map(|s| CarriedSku {
                        sku: model.compiled.skus[s].id.clone(),
                        slots_owed: st.owed[s],
                        strength: st.strength[s],
                        generation: st.generation[s],
                        new_listing: st.listed[s],
                        delisted: st.dead[s],
                        first_period: if st.dead[s] {
                            periods + 1
                        } else if st.listed[s] {
                            delay + 1
                        } else {
                            1
                        },
                    })
                    .collect();
                chains.push(ChainYearDetail {
                    id: self.ids[c].clone(),
                    carried,
                    counts: out.counts[yi][c].first().copied().unwrap_or_default(),
                    settlement,
                    row: tr.rows[c],
                });
            }
            years.push(YearDetail {
                year,
                seed: ys,
                periods,
                brand_demand: pm.has_brand().then(|| tr.shared.demand[..periods].to_vec()),
                war_on: tr.shared.war_on.map(|w| w[..periods].to_vec()),
                war_depth: tr.shared.war_depth.map(|d| d[..periods].to_vec()),
                capacity,
                chains,
            });
        }
        Ok(years)
    }
}
