//! A portfolio across retailers: the supplier's contracts with every chain (KA channel)
//! simulated together, scenario by scenario, on shared drivers (docs/portfolio.md).
//!
//! Per scenario k:
//!
//! 1. **Shared drivers** from portfolio-level streams (seed, k, factor, key 0): the brand-level
//!    demand factor ([`Factor::BrandDemand`]) per period, lognormal with mean 1,
//!    `exp(σ·z_p − σ²/2)`, `z_p = √r·z₀ + √(1−r)·e_p`; the shared price war
//!    ([`Factor::SharedWar`]): per period one uniform (occurrence) then one depth draw.
//! 2. **Each chain** samples its own contract with its own `[uncertainty]`, from streams whose
//!    keys are salted by the contract's id ([`Model::salted`]): the same SKU code at two chains
//!    draws independent idiosyncratic demand, while the shared drivers move both.
//! 3. **DC capacity** ([`allocate`]): in a period where the chains' delivered units exceed the
//!    DC's capacity, every cell's delivered units are scaled by capacity ÷ total (largest
//!    remainder to whole units; ties to the earlier chain, then the earlier SKU), so every
//!    cell's fill rate falls by the same factor; returns keep their rate, sold = delivered −
//!    returned.
//! 4. **The lowest-market-price cascade** (最低价): each promoted cell with a promotion price
//!    at chain A gives, at every other chain B whose contract has a `price_match` rule and
//!    carries the same SKU code, a claim with the portfolio's claim probability ([`Factor::Claims`],
//!    keyed by B's salted SKU key and the period) of the gap between B's shelf price in effect
//!    and A's promotion price. B's cell is matched down to the lowest rival price (its
//!    `match_gap` becomes the larger of its own and the claimed gap), and B's contract settles
//!    the price-match funding by its own rule. The cascade cost of A's promotion is the
//!    increase of B's gap × B's units sold × the rule's share (the promotion with the lowest
//!    price takes the claim; ties to the earlier chain).
//! 5. Every chain settles exactly (`kasim-core`), and its row is kept.
//!
//! Rows are stored per scenario in index order and the cascade sums are integers, so results
//! are identical at any thread count and any split into scenario ranges.

use kasim_core::portfolio::Portfolio;
use kasim_core::{Compiled, Outcome};
use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::Error;
use crate::dist::{Sampler, f};
use crate::runner::{Row, RunConfig};
use crate::sampler::{MAX_PERIODS, Model, Shared, Workspace};
use crate::stats::{Better, Summary};
use crate::streams::{Factor, ScenarioKey, address, sku_key, splitmix};

/// Scenarios per unit of parallel work.
const CHUNK: u64 = 128;

/// The salt of a contract in a portfolio: from its id, so reordering the file keeps each
/// retailer's draws; never 0 (0 is a contract simulated alone).
pub fn salt_of(id: &str) -> u64 {
    splitmix(sku_key(id) ^ 0x5EED_CA5C_ADE0_0001).max(1)
}

/// One promotion (DM, end cap, …) of the portfolio: a promoted cell with a promotion price.
#[derive(Clone, Debug)]
struct Promotion {
    chain: usize,
    sku: usize,
    period: usize,
    price_micro: i64,
}

/// A portfolio prepared for sampling: one [`Model`] per contract, salted, and the shared
/// drivers.
pub struct PortfolioModel<'c> {
    /// Contract ids, in file order.
    pub ids: Vec<String>,
    models: Vec<Model<'c>>,
    periods: usize,
    brand: Option<(f64, f64)>,
    war: Option<(f64, Option<Sampler>, bool)>,
    capacity: Option<u64>,
    claim_probability: f64,
    /// Per chain, the share its `price_match` rule funds, in millionths (None: no rule).
    share_ppm: Vec<Option<i128>>,
    /// Per chain, the periods its `price_match` rule is in force (0-based, inclusive).
    match_window: Vec<(usize, usize)>,
    promotions: Vec<Promotion>,
    /// Per promotion, the (chain, SKU index there) of every other chain with a rule and the SKU.
    targets: Vec<Vec<(usize, usize)>>,
    /// Per chain and SKU, its salted SKU key (claims' stream key).
    claim_keys: Vec<Vec<u64>>,
}

impl<'c> PortfolioModel<'c> {
    /// Prepares a loaded portfolio whose contracts are compiled in `compiled` (one per member,
    /// in order).
    ///
    /// # Errors
    ///
    /// [`Error::PortfolioPeriods`] when the contracts have different calendars;
    /// [`Error::BadDistribution`] for a shared depth that cannot be sampled; any error of
    /// [`Model::new`].
    pub fn new(portfolio: &Portfolio, compiled: &'c [Compiled<'c>]) -> Result<PortfolioModel<'c>, Error> {
        let ids: Vec<String> = portfolio.members.iter().map(|m| m.id.clone()).collect();
        let mut models = Vec::with_capacity(compiled.len());
        for (c, id) in compiled.iter().zip(&ids) {
            models.push(Model::new(c)?.salted(salt_of(id)));
        }
        let periods = compiled.first().map_or(0, |c| c.periods());
        for (c, m) in compiled.iter().zip(&portfolio.members) {
            if c.periods() != periods || periods >= MAX_PERIODS {
                return Err(Error::PortfolioPeriods {
                    contract: m.id.clone(),
                    periods: c.periods(),
                    expected: periods,
                });
            }
        }
        let d = &portfolio.drivers;
        let brand = d.brand_demand.as_ref().map(|b| {
            let cv = f(b.cv.0);
            ((1.0 + cv * cv).ln().sqrt(), f(b.period_correlation.0).clamp(0.0, 1.0))
        });
        let war = match &d.price_war {
            Some(w) => Some((
                f(w.probability.0),
                w.depth.as_ref().map(|x| Sampler::new(x, "drivers.price_war.depth")).transpose()?,
                w.promoted_only,
            )),
            None => None,
        };
        let share_ppm: Vec<Option<i128>> = compiled
            .iter()
            .map(|c| {
                c.contract.fees.iter().find(|r| r.tag() == "price_match").map(|r| {
                    let share =
                        kasim_core::terms::get(c.contract, &format!("fees.{}.share", r.id)).unwrap_or(Decimal::ONE);
                    (share * Decimal::from(1_000_000)).round().try_into().unwrap_or(1_000_000i128)
                })
            })
            .collect();
        // The periods (0-based, inclusive) in which each chain's price-match rule is in force
        // (`from_period`/`to_period`): a claim outside them changes the shelf price but the
        // supplier funds nothing, so it costs the promotion nothing.
        let match_window: Vec<(usize, usize)> = compiled
            .iter()
            .map(|c| {
                c.contract.fees.iter().find(|r| r.tag() == "price_match").map_or((0, 0), |r| {
                    let from = usize::from(r.from_period.unwrap_or(1).max(1)) - 1;
                    let to = r.to_period.map_or(periods.saturating_sub(1), |t| usize::from(t.max(1)) - 1);
                    (from, to)
                })
            })
            .collect();
        let mut promotions = Vec::new();
        for (a, c) in compiled.iter().enumerate() {
            let plan = c.plan_outcome();
            let n = c.skus.len();
            for p in 0..periods {
                for s in 0..n {
                    let cell = plan.cells[p * n + s];
                    if cell.promoted() && cell.promo_price_micro > 0 {
                        promotions.push(Promotion { chain: a, sku: s, period: p, price_micro: cell.promo_price_micro });
                    }
                }
            }
        }
        let targets = promotions
            .iter()
            .map(|pr| {
                let code = &compiled[pr.chain].skus[pr.sku].id;
                (0..compiled.len())
                    .filter(|&b| b != pr.chain && share_ppm[b].is_some())
                    .filter_map(|b| compiled[b].skus.iter().position(|k| &k.id == code).map(|s| (b, s)))
                    .collect()
            })
            .collect();
        let claim_keys = compiled
            .iter()
            .zip(&ids)
            .map(|(c, id)| c.skus.iter().map(|k| sku_key(&k.id) ^ salt_of(id)).collect())
            .collect();
        Ok(PortfolioModel {
            ids,
            models,
            periods,
            brand,
            war,
            capacity: d.dc_capacity.as_ref().map(|c| c.units_per_period),
            claim_probability: f(portfolio.cascade.claim_probability.0),
            share_ppm,
            match_window,
            promotions,
            targets,
            claim_keys,
        })
    }

    /// The chains' models, in file order.
    pub fn models(&self) -> &[Model<'c>] {
        &self.models
    }

    /// The share chain `b`'s price-match rule funds in period `p`, in millionths: 0 without a
    /// rule or outside the rule's periods.
    fn share_at(&self, b: usize, p: usize) -> i128 {
        let (from, to) = self.match_window[b];
        if (from..=to).contains(&p) { self.share_ppm[b].unwrap_or(0) } else { 0 }
    }

    /// The DC's capacity in units per period (`[drivers.dc_capacity]`), if any.
    pub fn capacity(&self) -> Option<u64> {
        self.capacity
    }

    /// True with a brand-level demand factor (`[drivers.brand_demand]`).
    pub fn has_brand(&self) -> bool {
        self.brand.is_some()
    }

    /// The shared drivers of the scenario of `root`.
    pub fn shared(&self, root: &ScenarioKey) -> Shared {
        let mut sh = Shared::default();
        let periods = self.periods;
        if let Some((sigma, r)) = self.brand {
            let mut rng = root.stream(Factor::BrandDemand, 0);
            let z0: f64 = rng.sample(StandardNormal);
            let (a, b) = (r.sqrt(), (1.0 - r).sqrt());
            for d in sh.demand.iter_mut().take(periods) {
                let z = if r >= 1.0 {
                    z0
                } else {
                    let e: f64 = rng.sample(StandardNormal);
                    a * z0 + b * e
                };
                *d = (sigma * z - sigma * sigma / 2.0).exp();
            }
        }
        if let Some((prob, depth, only)) = &self.war {
            let mut rng = root.stream(Factor::SharedWar, 0);
            let mut on = [false; MAX_PERIODS];
            let mut depths = [0.0; MAX_PERIODS];
            for p in 0..periods {
                let u: f64 = rng.random();
                if let Some(d) = depth {
                    depths[p] = d.sample(&mut rng).clamp(0.0, 1.0);
                }
                on[p] = u < *prob;
            }
            sh.war_on = Some(on);
            sh.war_depth = depth.as_ref().map(|_| depths);
            sh.promoted_only = *only;
        }
        sh
    }

    /// Workspaces for one worker, one per chain.
    pub fn workspaces(&self) -> Vec<Workspace> {
        self.models.iter().map(Model::workspace).collect()
    }

    /// Samples, adjusts (DC capacity, cascade) and settles scenario `index`: one row per chain,
    /// and the scenario's cascade amounts added to `acc`.
    ///
    /// # Errors
    ///
    /// [`Error::Scenario`] when a chain's settlement fails.
    pub fn scenario(&self, seed: u64, index: u64, ws: &mut [Workspace], acc: &mut Sums) -> Result<Vec<Row>, Error> {
        let root = ScenarioKey::new(seed, index);
        let shared = self.shared(&root);
        for (m, w) in self.models.iter().zip(ws.iter_mut()) {
            m.sample_shared(&root, w, &shared);
        }
        self.couple(&root, ws, acc);
        let wrap = |e: Error| Error::Scenario { index, source: Box::new(e) };
        self.models.iter().zip(ws.iter_mut()).map(|(m, w)| m.settle_workspace(&root, w).map_err(wrap)).collect()
    }

    /// What couples the chains of one sampled scenario: the DC's capacity, then the
    /// lowest-market-price cascade (its amounts added to `acc`). [`PortfolioModel::scenario`]
    /// samples, couples and settles; the multi-year run samples with its own state, then
    /// couples here.
    pub fn couple(&self, root: &ScenarioKey, ws: &mut [Workspace], acc: &mut Sums) {
        if let Some(cap) = self.capacity {
            let mut outcomes: Vec<&mut Outcome> = ws.iter_mut().map(Workspace::outcome_mut).collect();
            apply_capacity(&mut outcomes, self.periods, cap);
        }
        self.cascade(root, ws, acc);
    }

    /// Zero sums sized for this portfolio (its promotions and chains).
    pub fn zero_sums(&self) -> Sums {
        self.empty(0).sums
    }

    /// The lowest-market-price claims of one scenario (see the module docs).
    fn cascade(&self, root: &ScenarioKey, ws: &mut [Workspace], acc: &mut Sums) {
        // Best claim per target cell: (gap, promotion), the largest gap, ties to the first.
        let mut best: Vec<((usize, usize, usize), i64, usize)> = Vec::new();
        // Each chain's price protection (价格体系保护) this scenario, if it has any.
        let protected: Vec<Option<Vec<bool>>> = self.models.iter().map(|m| m.price_protection_mask(root)).collect();
        for (i, pr) in self.promotions.iter().enumerate() {
            let own = ws[pr.chain].outcome();
            let n = self.models[pr.chain].compiled.skus.len();
            let cell = own.cells[pr.period * n + pr.sku];
            // A planned promotion that did not run (its slot withheld) claims nothing.
            if !cell.promoted() {
                continue;
            }
            let discount = self.models[pr.chain].shelf_micro()[pr.sku] - pr.price_micro;
            acc.own[i] += i128::from(cell.sold) * i128::from(discount.max(0));
            for &(b, s) in &self.targets[i] {
                let nb = self.models[b].compiled.skus.len();
                let target = ws[b].outcome().cells[pr.period * nb + s];
                let price = if target.promo_price_micro > 0 {
                    target.promo_price_micro
                } else {
                    self.models[b].shelf_micro()[s]
                };
                let gap = price - pr.price_micro;
                // The target chain's price protection (价格体系保护) may hold its price.
                let held = protected[b].as_ref().is_some_and(|m| m[pr.period * nb + s]);
                if gap <= 0 || held {
                    continue;
                }
                if self.claim_probability < 1.0 {
                    let key = self.claim_keys[b][s] ^ (pr.period as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    let u: f64 = root.stream_at(address(Factor::Claims, key)).random();
                    if u >= self.claim_probability {
                        continue;
                    }
                }
                let at = (b, s, pr.period);
                match best.iter_mut().find(|(t, _, _)| *t == at) {
                    Some(x) if gap > x.1 => *x = (at, gap, i),
                    Some(_) => {}
                    None => best.push((at, gap, i)),
                }
            }
        }
        let mut claimed = vec![false; self.promotions.len()];
        for ((b, s, p), gap, i) in best {
            let nb = self.models[b].compiled.skus.len();
            let cell = &mut ws[b].outcome_mut().cells[p * nb + s];
            let old = cell.match_gap_micro;
            let price =
                if cell.promo_price_micro > 0 { cell.promo_price_micro } else { self.models[b].shelf_micro()[s] };
            let new = old.max(gap.min(price));
            if new > old {
                cell.match_gap_micro = new;
                let cost = i128::from(new - old) * i128::from(cell.sold) * self.share_at(b, p);
                acc.cascade[i] += cost;
                acc.paid[b] += cost;
                claimed[i] |= cost > 0;
            }
        }
        for (c, hit) in acc.claims.iter_mut().zip(claimed) {
            *c += u64::from(hit);
        }
    }

    /// Runs scenarios `start..end` of a run seeded `cfg.seed` (all threads of `cfg.threads`).
    ///
    /// # Errors
    ///
    /// [`Error::BadRange`] when `start > end`; [`Error::ThreadPool`]; a scenario's error.
    pub fn run_range(&self, cfg: &RunConfig, start: u64, end: u64) -> Result<PortfolioResults, Error> {
        if start > end {
            return Err(Error::BadRange { start, end, runs: cfg.runs });
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.threads)
            .build()
            .map_err(|source| Error::ThreadPool { threads: cfg.threads, source })?;
        let chunks = (end - start).div_ceil(CHUNK);
        let parts: Vec<Result<PortfolioResults, Error>> = pool.install(|| {
            (0..chunks)
                .into_par_iter()
                .map(|c| {
                    let (a, b) = (start + c * CHUNK, (start + (c + 1) * CHUNK).min(end));
                    let mut ws = self.workspaces();
                    let mut part = self.empty(a);
                    for k in a..b {
                        let rows = self.scenario(cfg.seed, k, &mut ws, &mut part.sums)?;
                        for (r, row) in part.rows.iter_mut().zip(rows) {
                            r.push(row);
                        }
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
    /// As [`PortfolioModel::run_range`].
    pub fn run(&self, cfg: &RunConfig) -> Result<PortfolioResults, Error> {
        self.run_range(cfg, 0, cfg.runs)
    }

    fn empty(&self, start: u64) -> PortfolioResults {
        let np = self.promotions.len();
        PortfolioResults {
            start,
            rows: vec![Vec::new(); self.models.len()],
            sums: Sums {
                own: vec![0; np],
                cascade: vec![0; np],
                claims: vec![0; np],
                paid: vec![0; self.models.len()],
            },
        }
    }
}

/// The cascade's integer sums over the scenarios of a run (exact, in any order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sums {
    /// Per promotion, Σ units sold × discount (shelf − promotion price), millionths.
    pub own: Vec<i128>,
    /// Per promotion, Σ claimed gap increase × units sold × share, 10⁻¹² currency units.
    pub cascade: Vec<i128>,
    /// Per promotion, scenarios in which it triggered at least one claim.
    pub claims: Vec<u64>,
    /// Per chain, Σ cascade funding paid there, 10⁻¹² currency units.
    pub paid: Vec<i128>,
}

/// A portfolio run (or a range of one): rows per chain per scenario, and the cascade sums.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortfolioResults {
    /// First scenario index.
    pub start: u64,
    /// Per chain, one row per scenario in index order.
    pub rows: Vec<Vec<Row>>,
    /// The cascade sums.
    pub sums: Sums,
}

impl PortfolioResults {
    /// Scenarios held.
    pub fn len(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }

    /// True without scenarios.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the results of the scenarios right after these (a later range).
    pub fn append(&mut self, next: PortfolioResults) {
        for (a, b) in self.rows.iter_mut().zip(next.rows) {
            a.extend(b);
        }
        let s = &mut self.sums;
        for (a, b) in s.own.iter_mut().zip(next.sums.own) {
            *a += b;
        }
        for (a, b) in s.cascade.iter_mut().zip(next.sums.cascade) {
            *a += b;
        }
        for (a, b) in s.claims.iter_mut().zip(next.sums.claims) {
            *a += b;
        }
        for (a, b) in s.paid.iter_mut().zip(next.sums.paid) {
            *a += b;
        }
    }

    /// The portfolio's net contribution per scenario, cents (Σ over chains).
    pub fn total_net(&self) -> Vec<i64> {
        (0..self.len()).map(|k| self.rows.iter().map(|r| r[k].net_contribution).sum()).collect()
    }

    /// These results as bytes, to send a scenario range computed elsewhere (a Ray task) to
    /// the driver: `KSP1`, the rows' length (u64) and the rows as a [`crate::shard::encode`]d
    /// shard, then the promotions' count (u32) and per promotion its own (i128), cascade
    /// (i128) and claims (u64) sums, then the chains' count (u32) and what each paid (i128),
    /// all little-endian.
    pub fn encode(&self) -> Vec<u8> {
        let results: Vec<crate::Results> = self.rows.iter().map(|r| crate::Results { rows: r.clone() }).collect();
        let rows = crate::shard::encode(self.start, &results);
        let mut b = Vec::with_capacity(rows.len() + 64 + 40 * self.sums.own.len());
        b.extend_from_slice(PORTFOLIO_MAGIC);
        b.extend_from_slice(&(rows.len() as u64).to_le_bytes());
        b.extend_from_slice(&rows);
        b.extend_from_slice(&(self.sums.own.len() as u32).to_le_bytes());
        for i in 0..self.sums.own.len() {
            b.extend_from_slice(&self.sums.own[i].to_le_bytes());
            b.extend_from_slice(&self.sums.cascade[i].to_le_bytes());
            b.extend_from_slice(&self.sums.claims[i].to_le_bytes());
        }
        b.extend_from_slice(&(self.sums.paid.len() as u32).to_le_bytes());
        for p in &self.sums.paid {
            b.extend_from_slice(&p.to_le_bytes());
        }
        b
    }

    /// Decodes [`PortfolioResults::encode`]'s bytes.
    ///
    /// # Errors
    ///
    /// [`Error::ShardBytes`] when the bytes are not encoded portfolio results.
    pub fn decode(bytes: &[u8]) -> Result<PortfolioResults, Error> {
        let bad = |reason: &str| Error::ShardBytes { reason: format!("portfolio results: {reason}") };
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], Error> {
            let s = bytes.get(at..at + n).ok_or_else(|| bad("the bytes end early"))?;
            at += n;
            Ok(s)
        };
        if take(4)? != PORTFOLIO_MAGIC {
            return Err(bad("no KSP1 header"));
        }
        let word = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or([0; 8]));
        let wide = |s: &[u8]| i128::from_le_bytes(s.try_into().unwrap_or([0; 16]));
        let half = |s: &[u8]| u32::from_le_bytes(s.try_into().unwrap_or([0; 4])) as usize;
        let len = usize::try_from(word(take(8)?)).map_err(|_| bad("rows too long"))?;
        let (start, results) = crate::shard::decode(take(len)?)?;
        let np = half(take(4)?);
        let mut sums = Sums::default();
        for _ in 0..np {
            sums.own.push(wide(take(16)?));
            sums.cascade.push(wide(take(16)?));
            sums.claims.push(word(take(8)?));
        }
        let chains = half(take(4)?);
        for _ in 0..chains {
            sums.paid.push(wide(take(16)?));
        }
        if at != bytes.len() || chains != results.len() {
            return Err(bad("the length does not match the header"));
        }
        Ok(PortfolioResults { start, rows: results.into_iter().map(|r| r.rows).collect(), sums })
    }

    /// Merges scenario ranges (in any order) into one run: they must cover `0..runs` without
    /// gaps or overlaps.
    ///
    /// # Errors
    ///
    /// [`Error::ShardGap`], [`Error::ShardOverlap`], [`Error::ShardContracts`].
    pub fn merge(mut parts: Vec<PortfolioResults>) -> Result<PortfolioResults, Error> {
        parts.sort_by_key(|p| p.start);
        let mut it = parts.into_iter();
        let Some(mut out) = it.next() else { return Ok(PortfolioResults::default()) };
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
            if p.rows.len() != out.rows.len() || p.sums.own.len() != out.sums.own.len() {
                return Err(Error::ShardContracts { start: p.start, expected: out.rows.len(), found: p.rows.len() });
            }
            out.append(p);
        }
        Ok(out)
    }
}

const PORTFOLIO_MAGIC: &[u8; 4] = b"KSP1";

/// One period's DC capacity in a replayed scenario: what the chains wanted delivered and
/// what the DC shipped.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapacityPeriod {
    /// The period (1-based).
    pub period: usize,
    /// Σ units the chains' orders would have had delivered.
    pub demanded: u64,
    /// The DC's capacity per period.
    pub capacity: u64,
    /// Σ units delivered after the pro-rata allocation.
    pub shipped: u64,
    /// shipped ÷ demanded (1 when nothing was demanded).
    pub fill: f64,
}

/// One lowest-market-price claim (最低价) of a replayed scenario: the promotion at one chain
/// that made another chain match an SKU in a period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClaimDetail {
    /// The chain running the promotion.
    pub promoting_chain: String,
    /// The matching chain.
    pub matching_chain: String,
    /// The SKU.
    pub sku: String,
    /// The period (1-based).
    pub period: usize,
    /// The promotion price at the promoting chain.
    pub promo_price: Decimal,
    /// The matching chain's price in effect (its promotion price, else its shelf price).
    pub price_in_effect: Decimal,
    /// The matching chain's match gap before the claim (its own price war).
    pub gap_before: Decimal,
    /// Its match gap after the claim.
    pub gap_after: Decimal,
    /// Units sold at the matching chain in that period.
    pub units: u64,
    /// The share of the gap the matching chain's `price_match` rule funds.
    pub share: Decimal,
    /// (gap after − gap before) × units × share, to the cent.
    pub cost: Decimal,
}

/// One promotion's cost in a replayed scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PromotionCost {
    /// The chain running the promotion.
    pub chain: String,
    /// The SKU.
    pub sku: String,
    /// The period (1-based).
    pub period: usize,
    /// The promotion price.
    pub promo_price: Decimal,
    /// Units sold × (shelf − promotion price), to the cent.
    pub own_cost: Decimal,
    /// The price-match funding it triggered at the other chains, to the cent (Σ of its
    /// claims' exact costs, rounded once).
    pub cascade_cost: Decimal,
}

/// One chain's outcome in a replayed scenario: its adjusted outcome and its row.
#[derive(Clone, Debug)]
pub struct ChainDetail {
    /// The contract's id in the portfolio.
    pub id: String,
    /// The scenario's settlement with the full ledger (after DC capacity and the cascade),
    /// with the terms drawn for the scenario.
    pub settlement: kasim_core::Settlement,
    /// The scenario's row, exactly as the portfolio run keeps it.
    pub row: Row,
}

/// Everything of one scenario of a portfolio run ([`PortfolioModel::scenario_detail`]):
/// what `kasim replay PORTFOLIO --scenario K` shows.
#[derive(Clone, Debug)]
pub struct ScenarioDetail {
    /// Scenario index (0-based).
    pub scenario: u64,
    /// Master seed.
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
    pub capacity: Option<Vec<CapacityPeriod>>,
    /// The cascade's claims, in (matching chain, period, SKU) order.
    pub claims: Vec<ClaimDetail>,
    /// The promotions' costs in this scenario (every promotion, in the run's order).
    pub promotions: Vec<PromotionCost>,
    /// Per chain, in file order.
    pub chains: Vec<ChainDetail>,
}

fn micro(v: i64) -> Decimal {
    Decimal::new(v, 6).normalize()
}

fn round_cents(d: Decimal) -> Decimal {
    let mut d = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    d.rescale(2);
    d
}

impl PortfolioModel<'_> {
    /// Every promotion's line of a run (as [`PortfolioReport::cascade`], but claims or not), in
    /// the run's order: chain, then period, then SKU.
    pub fn promotion_lines(&self, results: &PortfolioResults) -> Vec<PromotionLine> {
        let n = results.len();
        self.promotions
            .iter()
            .enumerate()
            .map(|(i, pr)| PromotionLine {
                chain: self.ids[pr.chain].clone(),
                sku: self.models[pr.chain].compiled.skus[pr.sku].id.clone(),
                period: pr.period + 1,
                promo_price: micro(pr.price_micro),
                own_cost: mean_scaled(results.sums.own[i], n, 6),
                cascade_cost: mean_scaled(results.sums.cascade[i], n, 12),
                p_claim: results.sums.claims[i] as f64 / n.max(1) as f64,
            })
            .collect()
    }

    /// Replays scenario `index` of a portfolio run seeded `seed`: the shared drivers drawn, the
    /// DC's capacity per period, every cascade claim and each chain's settled ledger. The rows
    /// are those [`PortfolioModel::scenario`] gives (the run's row `index`), and each
    /// settlement is of the same adjusted outcome, so its totals equal the row's.
    ///
    /// # Errors
    ///
    /// As [`PortfolioModel::scenario`]; a settlement's error.
    pub fn scenario_detail(&self, seed: u64, index: u64) -> Result<ScenarioDetail, Error> {
        let root = ScenarioKey::new(seed, index);
        let shared = self.shared(&root);
        let periods = self.periods;
        // The outcome as sampled, before the DC and the cascade (for what they changed).
        let mut before = self.workspaces();
        for (m, w) in self.models.iter().zip(before.iter_mut()) {
            m.sample_shared(&root, w, &shared);
        }
        let demanded: Vec<u64> = (0..periods)
            .map(|p| {
                before
                    .iter()
                    .map(|w| {
                        let o = w.outcome();
                        let n = o.skus();
                        o.cells[p * n..(p + 1) * n].iter().map(|c| u64::from(c.delivered)).sum::<u64>()
                    })
                    .sum()
            })
            .collect();
        if let Some(cap) = self.capacity {
            let mut outcomes: Vec<&mut Outcome> = before.iter_mut().map(Workspace::outcome_mut).collect();
            apply_capacity(&mut outcomes, periods, cap);
        }
        // The scenario itself, exactly as the run computes it.
        let mut ws = self.workspaces();
        let mut acc = self.empty(index).sums;
        let rows = self.scenario(seed, index, &mut ws, &mut acc)?;
        let capacity = self.capacity.map(|cap| {
            (0..periods)
                .map(|p| {
                    let shipped: u64 = ws
                        .iter()
                        .map(|w| {
                            let o = w.outcome();
                            let n = o.skus();
                            o.cells[p * n..(p + 1) * n].iter().map(|c| u64::from(c.delivered)).sum::<u64>()
                        })
                        .sum();
                    let d = demanded[p];
                    CapacityPeriod {
                        period: p + 1,
                        demanded: d,
                        capacity: cap,
                        shipped,
                        fill: if d == 0 { 1.0 } else { shipped as f64 / d as f64 },
                    }
                })
                .collect()
        });
        let mut claims = Vec::new();
        for (b, (w, pre)) in ws.iter().zip(&before).enumerate() {
            let n = w.outcome().skus();
            for (idx, (cell, old)) in w.outcome().cells.iter().zip(&pre.outcome().cells).enumerate() {
                if cell.match_gap_micro <= old.match_gap_micro {
                    continue;
                }
                let (p, s) = (idx / n, idx % n);
                let share = Decimal::new(self.share_at(b, p) as i64, 6);
                let price =
                    if old.promo_price_micro > 0 { old.promo_price_micro } else { self.models[b].shelf_micro()[s] };
                // The promotion with the lowest price in that period among those claiming on
                // this cell (ties to the earlier), as the cascade picks it; a planned promotion
                // that did not run in the scenario (its slot not granted) claims nothing.
                let ran = |pr: &Promotion| {
                    let o = ws[pr.chain].outcome();
                    o.cells[pr.period * o.skus() + pr.sku].promoted()
                };
                let by = self
                    .promotions
                    .iter()
                    .enumerate()
                    .filter(|(i, pr)| pr.period == p && self.targets[*i].contains(&(b, s)) && ran(pr))
                    .min_by_key(|(i, pr)| (pr.price_micro, *i))
                    .map(|(_, pr)| pr);
                let cost =
                    Decimal::from(i128::from(cell.match_gap_micro - old.match_gap_micro) * i128::from(cell.sold))
                        / Decimal::from(1_000_000)
                        * share;
                claims.push(ClaimDetail {
                    promoting_chain: by.map_or_else(String::new, |pr| self.ids[pr.chain].clone()),
                    matching_chain: self.ids[b].clone(),
                    sku: self.models[b].compiled.skus[s].id.clone(),
                    period: p + 1,
                    promo_price: by.map_or(Decimal::ZERO, |pr| micro(pr.price_micro)),
                    price_in_effect: micro(price),
                    gap_before: micro(old.match_gap_micro),
                    gap_after: micro(cell.match_gap_micro),
                    units: u64::from(cell.sold),
                    share: share.normalize(),
                    cost: round_cents(cost),
                });
            }
        }
        let promotions = self
            .promotions
            .iter()
            .enumerate()
            .map(|(i, pr)| PromotionCost {
                chain: self.ids[pr.chain].clone(),
                sku: self.models[pr.chain].compiled.skus[pr.sku].id.clone(),
                period: pr.period + 1,
                promo_price: micro(pr.price_micro),
                own_cost: mean_scaled(acc.own[i], 1, 6),
                cascade_cost: mean_scaled(acc.cascade[i], 1, 12),
            })
            .collect();
        let mut chains = Vec::with_capacity(self.models.len());
        for ((m, w), row) in self.models.iter().zip(&ws).zip(rows) {
            let settlement = match m.contract_for(seed, index)? {
                None => m.compiled.settle(w.outcome())?,
                Some(c) => m.compiled.variant(&c)?.settle(w.outcome())?,
            };
            chains.push(ChainDetail { id: self.ids[chains.len()].clone(), settlement, row });
        }
        Ok(ScenarioDetail {
            scenario: index,
            seed,
            periods,
            brand_demand: self.brand.map(|_| shared.demand[..periods].to_vec()),
            war_on: shared.war_on.map(|w| w[..periods].to_vec()),
            war_depth: shared.war_depth.map(|d| d[..periods].to_vec()),
            capacity,
            claims,
            promotions,
            chains,
        })
    }
}

/// Pro-rata allocation of a DC's capacity: `wanted` units per cell, at most `capacity` in
/// all. When Σ wanted ≤ capacity every cell gets what it wants; else cell i gets
/// ⌊wanted_i × capacity ÷ Σ⌋ and the units left go one each to the largest remainders (ties
/// to the earlier cell), so the allocation sums to `capacity` exactly.
pub fn allocate(wanted: &[u64], capacity: u64) -> Vec<u64> {
    let total: u128 = wanted.iter().map(|&w| u128::from(w)).sum();
    if total <= u128::from(capacity) {
        return wanted.to_vec();
    }
    let cap = u128::from(capacity);
    let mut out: Vec<u64> = Vec::with_capacity(wanted.len());
    let mut rems: Vec<(u128, usize)> = Vec::with_capacity(wanted.len());
    for (i, &w) in wanted.iter().enumerate() {
        let q = u128::from(w) * cap;
        out.push((q / total) as u64);
        rems.push((q % total, i));
    }
    let given: u64 = out.iter().sum();
    let left = (capacity - given) as usize;
    rems.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rems.iter().take(left) {
        out[i] += 1;
    }
    out
}

/// Applies [`allocate`] per period to the delivered units of every chain's outcome (cells in
/// chain order, then SKU order); returns keep their rate (rounded half up), sold = delivered −
/// returned.
pub fn apply_capacity(outcomes: &mut [&mut Outcome], periods: usize, capacity: u64) {
    for p in 0..periods {
        let mut wanted = Vec::new();
        for o in outcomes.iter() {
            let n = o.skus();
            wanted.extend(o.cells[p * n..(p + 1) * n].iter().map(|c| u64::from(c.delivered)));
        }
        let total: u64 = wanted.iter().sum();
        if total <= capacity {
            continue;
        }
        let got = allocate(&wanted, capacity);
        let mut i = 0;
        for o in outcomes.iter_mut() {
            let n = o.skus();
            for c in &mut o.cells[p * n..(p + 1) * n] {
                let (d, g) = (u64::from(c.delivered), got[i]);
                i += 1;
                let returned = if d == 0 { 0 } else { (u64::from(c.returned) * g * 2 + d) / (2 * d) };
                let returned = returned.min(g);
                c.delivered = g as u32;
                c.returned = returned as u32;
                c.sold = (g - returned) as u32;
            }
        }
    }
}

/// One retailer's line of the portfolio report.
#[derive(Clone, Debug, Serialize)]
pub struct RetailerLine {
    /// The contract's id in the portfolio.
    pub id: String,
    /// The retailer.
    pub retailer: String,
    /// The contract file.
    pub file: String,
    /// Its net contribution's distribution.
    pub net_contribution: Summary,
    /// Mean fees (trade spend) at this chain.
    pub mean_fees: Decimal,
    /// Its share of the portfolio's mean net contribution (4 decimals; absent when the total
    /// is 0).
    pub share_of_total: Option<Decimal>,
    /// Σ of its net contribution over the portfolio's tail scenarios (exact, cents): the
    /// retailers' sums add up to the portfolio's.
    pub tail_sum: Decimal,
    /// Its contribution to the portfolio's CVaR 95% (tail sum ÷ tail scenarios, to the cent).
    pub cvar_contribution: Decimal,
    /// Its stand-alone CVaR 95% (mean of its own worst 5%).
    pub standalone_cvar95: Decimal,
    /// Mean price-match funding the cascade costs at this chain.
    pub cascade_paid: Decimal,
}

/// One promotion's line of the cascade table.
#[derive(Clone, Debug, Serialize)]
pub struct PromotionLine {
    /// The chain running the promotion.
    pub chain: String,
    /// The SKU.
    pub sku: String,
    /// The period (1-based).
    pub period: usize,
    /// The promotion price.
    pub promo_price: Decimal,
    /// Mean own price investment at its chain: units sold × (shelf − promotion price).
    pub own_cost: Decimal,
    /// Mean price-match funding it triggers at the other chains.
    pub cascade_cost: Decimal,
    /// Share of scenarios in which it triggered a claim.
    pub p_claim: f64,
}

/// The portfolio's tail: the ⌈5% · n⌉ scenarios of lowest total net contribution (ties by index).
#[derive(Clone, Debug, Serialize)]
pub struct PortfolioTail {
    /// Scenarios in the tail.
    pub scenarios: usize,
    /// Σ of the total net contribution over them (exact).
    pub sum: Decimal,
    /// The portfolio's CVaR 95% (sum ÷ scenarios, to the cent).
    pub cvar95: Decimal,
    /// True when the retailers' tail sums add up to `sum` exactly.
    pub holds: bool,
}

/// Sum of stand-alone CVaRs against the portfolio's.
#[derive(Clone, Debug, Serialize)]
pub struct Diversification {
    /// Σ of the retailers' stand-alone CVaR 95%.
    pub standalone_sum: Decimal,
    /// The portfolio's CVaR 95%.
    pub portfolio_cvar95: Decimal,
    /// Portfolio CVaR − Σ stand-alone CVaRs (≥ 0: the tail of the sum is less bad than the sum
    /// of the tails).
    pub benefit: Decimal,
}

/// `kasim portfolio`: the supplier's KA channel across retailers.
#[derive(Clone, Debug, Serialize)]
pub struct PortfolioReport {
    /// The portfolio's name.
    pub name: String,
    /// The portfolio file.
    pub file: String,
    /// Scenarios.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// The shared drivers as given.
    pub drivers: kasim_core::portfolio::Drivers,
    /// The cascade's parameters.
    pub cascade_parameters: kasim_core::portfolio::Cascade,
    /// Total net contribution across the channel.
    pub net_contribution: Summary,
    /// Total fee spend across the channel (lower is better).
    pub fees: Summary,
    /// Per retailer.
    pub retailers: Vec<RetailerLine>,
    /// The portfolio's tail.
    pub tail: PortfolioTail,
    /// Diversification.
    pub diversification: Diversification,
    /// Per promotion, its own cost and the cascade it triggers (promotions that trigger no
    /// claim are left out).
    pub cascade: Vec<PromotionLine>,
}

/// `sum` ÷ `n` rounded half away from zero at `scale` decimals of a unit of 10^-`scale_in`.
fn mean_scaled(sum: i128, n: usize, scale_in: u32) -> Decimal {
    let d = Decimal::try_from_i128_with_scale(sum, scale_in).unwrap_or_else(|_| {
        // Too large for 28 digits at this scale: drop precision first.
        Decimal::try_from_i128_with_scale(sum / 10i128.pow(scale_in - 2), 2).unwrap_or_default()
    });
    let mut m = (d / Decimal::from(n.max(1) as u64))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    m.rescale(2);
    m
}

fn cents(sum: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(sum, 2).unwrap_or_default()
}

impl PortfolioReport {
    /// The report of a portfolio run.
    pub fn new(
        portfolio: &Portfolio,
        model: &PortfolioModel<'_>,
        results: &PortfolioResults,
        cfg: &RunConfig,
    ) -> PortfolioReport {
        let n = results.len();
        let total = results.total_net();
        let fees: Vec<i64> = (0..n).map(|k| results.rows.iter().map(|r| r[k].fees_total).sum()).collect();
        let net_contribution = Summary::of_cents(&total);
        let mut sorted_fees = fees.clone();
        sorted_fees.sort_unstable();
        let fee_summary = Summary::of_sorted_cents_toward(&sorted_fees, Better::Lower, false);
        // The tail: ⌈5% · n⌉ lowest totals, ties by index.
        let m = n.div_ceil(20).max(1).min(n);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_unstable_by_key(|&k| (total[k], k));
        order.truncate(m);
        let tail_sum: i128 = order.iter().map(|&k| i128::from(total[k])).sum();
        let mut parts_sum = 0i128;
        let mut standalone_sum = Decimal::ZERO;
        let retailers: Vec<RetailerLine> = portfolio
            .members
            .iter()
            .enumerate()
            .map(|(i, mem)| {
                let nc: Vec<i64> = results.rows[i].iter().map(|r| r.net_contribution).collect();
                let s = Summary::of_cents(&nc);
                let part: i128 = order.iter().map(|&k| i128::from(nc[k])).sum();
                parts_sum += part;
                standalone_sum += s.cvar95;
                let fee_sum: i128 = results.rows[i].iter().map(|r| i128::from(r.fees_total)).sum();
                RetailerLine {
                    id: mem.id.clone(),
                    retailer: mem.retailer.clone(),
                    file: mem.file.display().to_string(),
                    share_of_total: (!net_contribution.mean.is_zero())
                        .then(|| (s.mean / net_contribution.mean).round_dp(4)),
                    net_contribution: s,
                    mean_fees: mean_scaled(fee_sum, n, 2),
                    tail_sum: cents(part),
                    cvar_contribution: mean_scaled(part, m, 2),
                    standalone_cvar95: Summary::of_cents(&nc).cvar95,
                    cascade_paid: mean_scaled(results.sums.paid[i], n, 12),
                }
            })
            .collect();
        let cvar = mean_scaled(tail_sum, m, 2);
        let cascade = model
            .promotions
            .iter()
            .enumerate()
            .filter(|(i, _)| results.sums.claims[*i] > 0)
            .map(|(i, pr)| PromotionLine {
                chain: model.ids[pr.chain].clone(),
                sku: model.models[pr.chain].compiled.skus[pr.sku].id.clone(),
                period: pr.period + 1,
                promo_price: Decimal::new(pr.price_micro, 6).normalize(),
                own_cost: mean_scaled(results.sums.own[i], n, 6),
                cascade_cost: mean_scaled(results.sums.cascade[i], n, 12),
                p_claim: results.sums.claims[i] as f64 / n.max(1) as f64,
            })
            .collect();
        PortfolioReport {
            name: portfolio.name.clone(),
            file: portfolio.file.display().to_string(),
            runs: n as u64,
            seed: cfg.seed,
            drivers: portfolio.drivers.clone(),
            cascade_parameters: portfolio.cascade.clone(),
            fees: fee_summary,
            retailers,
            tail: PortfolioTail { scenarios: m, sum: cents(tail_sum), cvar95: cvar, holds: parts_sum == tail_sum },
            diversification: Diversification { standalone_sum, portfolio_cvar95: cvar, benefit: cvar - standalone_sum },
            net_contribution,
            cascade,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pro rata with largest remainders, summing to the capacity exactly.
    #[test]
    fn allocation_is_pro_rata_and_exact() {
        // 600 + 300 + 100 = 1000 wanted, 500 available: exactly half each.
        assert_eq!(allocate(&[600, 300, 100], 500), vec![300, 150, 50]);
        // 1 + 1 + 1 wanted, 2 available: remainders tie, the earlier cells win.
        assert_eq!(allocate(&[1, 1, 1], 2), vec![1, 1, 0]);
        // 7 and 3 wanted, 5 available: 3.5 and 1.5 → 3 + 1, one left to the first (tie).
        assert_eq!(allocate(&[7, 3], 5), vec![4, 1]);
        // Under capacity: unchanged.
        assert_eq!(allocate(&[7, 3], 50), vec![7, 3]);
    }

    #[test]
    fn salts_differ_and_are_never_zero() {
        assert_ne!(salt_of("hyper"), salt_of("super"));
        assert_ne!(salt_of(""), 0);
    }
}
