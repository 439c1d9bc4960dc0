//! Sampling one contract-year outcome from a contract's plan and its `[uncertainty]`.
//!
//! Per SKU-period, with plan baseline `b` (seasonality and planned stores applied):
//!
//! ```text
//! demand  = b × store factor × trend factor × uplift × (1 − dip) × noise
//! ordered = round(demand)                       (half-up to whole units)
//! delivered = round(ordered × fill)             (fill drawn per cell, promo fill when promoted)
//! returned  = round(delivered × returns rate)   (rate drawn per scenario)
//! sold      = delivered − returned
//! ```
//!
//! * noise = exp(σ·z − σ²/2) with σ² = ln(1 + CV²) (lognormal, mean 1); z = √ρ·z_common +
//!   √(1−ρ)·z_sku (Gaussian copula with equicorrelation ρ between SKUs in a period).
//! * trend factor = 1 + g × (p + ½) ÷ periods, g drawn once per scenario.
//! * uplift: drawn per promoted cell (the plan's uplift when no distribution is given).
//! * dip: in the period after a promoted one, a drawn share of demand is lost.
//! * store factor: for per-store plan lines, stores trading ÷ stores the plan assumed.
//! * price wars: per period with the given probability; every (or every promoted) SKU is
//!   matched down by a drawn share of its shelf price in effect (the larger of the drawn and
//!   any planned gap).
//!
//! Every factor draws from its own stream for every cell whether or not the cell uses it, so
//! draws never shift between contracts with different promotion calendars.

use kasim_core::outcome::Cell;
use kasim_core::outcome::{FULL_COMPLIANCE_PPM, MAX_UNITS, Performance};
use kasim_core::resources::{Effect, EffectKey, ShelfPosition};
use kasim_core::settle::Scratch;
use kasim_core::terms::{self, TermKind};
use kasim_core::uncertainty::Uncertainty;
use kasim_core::{Compiled, Contract, Outcome};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use rust_decimal::Decimal;

use crate::Error;
use crate::copula::{self, Quantile};
use crate::dist::{Sampler, f};
use crate::fastexp;
use crate::runner::{Row, row_of};
use crate::streams::{Factor, ScenarioKey, Stream, address, sku_key};

/// How a price war sets the matched gap.
enum WarGap {
    /// A drawn share of the shelf price in effect.
    Depth(Sampler),
    /// A fixed gap per unit, in millionths.
    Gap(i64),
}

/// A contract prepared for sampling: the compiled contract plus its uncertainty in `f64`.
pub struct Model<'c> {
    /// The compiled contract.
    pub compiled: &'c Compiled<'c>,
    periods: usize,
    skus: usize,
    baseline: Vec<f64>,
    uplift_plan: Vec<f64>,
    promoted: Vec<bool>,
    /// Per SKU, the promoted periods and the post-promotion periods, in period order.
    promo_periods: Vec<(Vec<usize>, Vec<usize>)>,
    planned_gap: Vec<i64>,
    per_store: Vec<bool>,
    planned_stores: Vec<f64>,
    /// Per SKU, the stream addresses of demand, uplift, dip and fill.
    addresses: Vec<[u64; 4]>,
    shelf_micro: Vec<i64>,
    sigma: f64,
    rho: f64,
    trend: Option<Sampler>,
    uplift: Option<Sampler>,
    dip: Option<Sampler>,
    fill: Option<Sampler>,
    promo_fill: Option<Sampler>,
    plan_fill: f64,
    plan_promo_fill: f64,
    returns: Option<Sampler>,
    plan_returns: f64,
    openings: Option<Sampler>,
    war: Option<(f64, WarGap, bool)>,
    /// The retailer's flyer run rate (`uncertainty.flyer_run_rate`), drawn per scenario.
    flyer_run: Option<Sampler>,
    /// Display compliance (`uncertainty.display_compliance`), drawn per period.
    display: Option<Sampler>,
    terms: Vec<TermSampler>,
    cell_copula: Option<CellCopula>,
    scen_copula: Option<ScenCopula>,
    /// The salt mixed into every stream key (0 outside a portfolio: the keys of a contract
    /// simulated alone; see [`Model::salted`]).
    salt: u64,
    /// The contract's `[resources]`, when it has the section.
    resources: Option<ResourceSampler>,
}

/// A contract's relationship resources (`[resources]`), prepared for sampling: every scenario
/// draws the drawn effects (one draw each, [`Factor::ResourceEffects`]), then applies them as
/// an [`Adjust`] (demand multiplier, first selling period of new listings, slots not granted)
/// and blocks price-match gaps the retailer's price protection holds. See docs/resources.md.
struct ResourceSampler {
    /// Per effect, in [`EffectKey::ALL`] order: its value, or its sampler and the hash of its
    /// key (the stream is keyed by the hash and the model's salt).
    effects: Vec<(f64, Option<(Sampler, u64)>)>,
    facings: f64,
    position: ShelfPosition,
    /// min(promoters, stores) ÷ stores.
    promoter_share: f64,
    /// Probability that a planned slot is granted (1: every slot).
    priority: f64,
    protection: bool,
    green: bool,
    /// Per SKU, the planned first period (0-based) of a new listing; `None` for other SKUs.
    listing: Vec<Option<usize>>,
    /// Per SKU, the hash of its code.
    keys: Vec<u64>,
}

/// The drawn values of the effects of one scenario, in [`EffectKey::ALL`] order.
type EffectDraws = [f64; 7];

impl ResourceSampler {
    fn new(compiled: &Compiled<'_>) -> Result<Option<ResourceSampler>, Error> {
        let c = compiled.contract;
        let Some(r) = &c.resources else { return Ok(None) };
        let effects = EffectKey::ALL
            .iter()
            .map(|&k| {
                let what = format!("resources.effects.{}", k.key());
                Ok(match r.effects.get(k) {
                    Some(Effect::Drawn(d)) => (f(d.mean()), Some((Sampler::new(d, &what)?, sku_key(k.key())))),
                    Some(Effect::Value(v)) => (f(v.0), None),
                    None => (f(k.default_value()), None),
                })
            })
            .collect::<Result<_, Error>>()?;
        let stores = compiled.stores_at_start();
        Ok(Some(ResourceSampler {
            effects,
            facings: f(r.facings.0),
            position: r.shelf_position,
            promoter_share: if stores == 0 { 0.0 } else { f64::from(r.promoters.min(stores)) / f64::from(stores) },
            priority: f(r.promotion_priority.0).clamp(0.0, 1.0),
            protection: r.price_protection,
            green: r.green_channel,
            listing: c.skus.iter().map(|t| t.new_listing.then(|| usize::from(t.listing_period.max(1)) - 1)).collect(),
            keys: compiled.skus.iter().map(|k| sku_key(&k.id)).collect(),
        }))
    }

    /// The effects of the scenario of `root` (fixed ones as written or by default).
    fn draw(&self, root: &ScenarioKey, salt: u64) -> EffectDraws {
        let mut e = [0.0; 7];
        for (x, (value, drawn)) in e.iter_mut().zip(&self.effects) {
            *x = match drawn {
                Some((d, key)) => d.sample(&mut root.stream(Factor::ResourceEffects, key ^ salt)),
                None => *value,
            };
        }
        e
    }

    /// The demand multiplier of every SKU: facings ^ elasticity × (1 + the position's lift)
    /// × (1 + promoter lift × promoter share), never negative.
    fn demand(&self, e: &EffectDraws) -> f64 {
        let position = match self.position {
            ShelfPosition::EyeLevel => e[1],
            ShelfPosition::Standard => 0.0,
            ShelfPosition::Bottom => e[2],
        };
        let facings = if self.facings == 1.0 { 1.0 } else { self.facings.powf(e[0]) };
        (facings * (1.0 + position) * (1.0 + e[3] * self.promoter_share)).max(0.0)
    }

    /// Periods a new listing waits (the green or the regular delay, weeks converted to the
    /// calendar as [`kasim_core::resources::delay_periods`] does).
    fn delay(&self, e: &EffectDraws, periods: usize) -> usize {
        let weeks = (if self.green { e[5] } else { e[4] }).clamp(0.0, 52.0);
        let weeks = if weeks.is_nan() { 0.0 } else { weeks };
        (if periods == 52 { (weeks + 0.5).floor() } else { (weeks * 12.0 / 52.0).ceil() }) as usize
    }

    /// The probability price protection blocks a claim in this scenario (0 without it).
    fn protection(&self, e: &EffectDraws) -> f64 {
        if self.protection { e[6].clamp(0.0, 1.0) } else { 0.0 }
    }

    /// The resources' adjustment of one scenario, combined with the caller's (multipliers
    /// multiply, the later first period wins, a slot withheld by either is withheld).
    fn adjust(&self, model: &Model<'_>, root: &ScenarioKey, e: &EffectDraws, outer: Option<&Adjust>) -> Adjust {
        let (n, periods) = (model.skus, model.periods);
        let m = self.demand(e);
        let delay = self.delay(e, periods);
        let demand = (0..n).map(|s| outer.map_or(1.0, |a| a.demand_of(s)) * m).collect();
        let first_period = (0..n)
            .map(|s| {
                let own = self.listing[s].map_or(0, |p| p + delay);
                own.max(outer.and_then(|a| a.first_period.get(s).copied()).unwrap_or(0))
            })
            .collect();
        let mut withheld = match outer {
            Some(a) if !a.withheld.is_empty() => {
                (0..n * periods).map(|i| a.withheld.get(i).copied().unwrap_or(false)).collect()
            }
            _ => Vec::new(),
        };
        if self.priority < 1.0 {
            withheld.resize(n * periods, false);
            for s in 0..n {
                // One uniform per period of the SKU, promoted or not (draws stay aligned
                // between calendars).
                let mut rng = root.stream(Factor::PromotionPriority, self.keys[s] ^ model.salt);
                for p in 0..periods {
                    let u: f64 = rng.random();
                    if model.promoted[s * periods + p] && u >= self.priority {
                        withheld[p * n + s] = true;
                    }
                }
            }
        }
        Adjust { demand, first_period, withheld }
    }

    /// Whether the retailer holds SKU `s`'s price in 0-based period `p` of the scenario of
    /// `root` (one uniform per SKU-period from [`Factor::PriceProtection`]).
    fn protects(&self, root: &ScenarioKey, salt: u64, s: usize, p: usize, prob: f64) -> bool {
        if prob <= 0.0 {
            return false;
        }
        let mut rng = root.stream(Factor::PriceProtection, self.keys[s] ^ salt);
        let mut u: f64 = 0.0;
        for _ in 0..=p {
            u = rng.random();
        }
        u < prob
    }

    /// Clears the price-match gaps the retailer's price protection holds (planned matches and
    /// price-war gaps alike).
    fn protect(&self, root: &ScenarioKey, salt: u64, out: &mut Outcome, prob: f64) {
        if prob <= 0.0 {
            return;
        }
        let (n, periods) = (out.skus(), out.periods());
        for s in 0..n {
            let mut rng = root.stream(Factor::PriceProtection, self.keys[s] ^ salt);
            for p in 0..periods {
                let u: f64 = rng.random();
                let cell = &mut out.cells[p * n + s];
                if u < prob {
                    cell.match_gap_micro = 0;
                }
            }
        }
    }
}

/// Drivers shared by the contracts of a portfolio in one scenario, drawn from portfolio-level
/// streams (`crate::portfolio`) and applied by [`Model::sample_shared`].
#[derive(Clone, Debug)]
pub struct Shared {
    /// Demand multiplier per period (the brand-level factor; 1 without one).
    pub demand: [f64; MAX_PERIODS],
    /// A price war shared by every chain: per period, whether it is at war.
    pub war_on: Option<[bool; MAX_PERIODS]>,
    /// The shared depth per period (a share of the shelf price in effect), when the portfolio
    /// states one; else each chain's own contract depth applies.
    pub war_depth: Option<[f64; MAX_PERIODS]>,
    /// Only promoted SKU-periods are matched under the shared depth.
    pub promoted_only: bool,
}

impl Default for Shared {
    fn default() -> Shared {
        Shared { demand: [1.0; MAX_PERIODS], war_on: None, war_depth: None, promoted_only: false }
    }
}

/// Per-chain, per-scenario adjustments applied while sampling (multi-year state, resources),
/// through [`Model::sample_adjusted`].
///
/// Every stream draws exactly what it draws without adjustments: a withheld slot still
/// consumes its uplift (and the dip after it) draws, a cell before a SKU's first period is
/// sampled and then zeroed, so the cells an adjustment does not touch are unchanged.
#[derive(Clone, Debug, Default)]
pub struct Adjust {
    /// Per SKU (contract order) demand multiplier; empty (or missing entries) = 1. Applied
    /// to expected demand (before the noise and the rounding); negative values count as 0,
    /// values above 1,000 (+∞ included) as 1,000, NaN and −∞ as 1.
    pub demand: Vec<f64>,
    /// Per SKU first period (0-based) the SKU sells in; cells before it are all zero (no
    /// ordered/delivered/sold/returned, no slots, no promotion price); empty = all 0.
    pub first_period: Vec<usize>,
    /// Per cell (period-major, like Outcome::cells) whether a planned slot is withheld: the
    /// promotion does not run (no uplift, no dip after it, no promo price, slot bits cleared);
    /// empty = none withheld.
    pub withheld: Vec<bool>,
}

impl Adjust {
    /// True when the adjustment changes nothing (every multiplier 1, every first period 0,
    /// no slot withheld).
    pub fn is_empty(&self) -> bool {
        self.demand.iter().all(|&d| d == 1.0)
            && self.first_period.iter().all(|&p| p == 0)
            && self.withheld.iter().all(|&w| !w)
    }

    /// The demand multiplier of SKU `s` (1 when not given), bounded to 0–1,000.
    fn demand_of(&self, s: usize) -> f64 {
        match self.demand.get(s) {
            Some(&d) if d.is_finite() => d.clamp(0.0, 1000.0),
            Some(&d) if d == f64::INFINITY => 1000.0,
            _ => 1.0,
        }
    }

    /// The SKU's adjustments over its periods: its demand multiplier, its first period and,
    /// per period, whether a planned slot does not run (withheld, or before the first period).
    fn column(&self, s: usize, skus: usize, promoted: &[bool], out: &mut [bool; MAX_PERIODS]) -> (f64, usize, bool) {
        let first = self.first_period.get(s).copied().unwrap_or(0);
        let mut any = false;
        for (p, (o, &planned)) in out.iter_mut().zip(promoted).enumerate() {
            *o = planned && (p < first || self.withheld.get(p * skus + s).copied().unwrap_or(false));
            any |= *o;
        }
        (self.demand_of(s), first, any)
    }
}

/// Per-period columns shared by every SKU of a scenario.
struct Columns {
    level: [f64; MAX_PERIODS],
    store_factor: [f64; MAX_PERIODS],
    common: [f64; MAX_PERIODS],
    war: [f64; MAX_PERIODS],
    war_on: [bool; MAX_PERIODS],
    any_war: bool,
    returns_rate: f64,
    /// How war gaps are set: (a share of the price, promoted cells only); `None` without a war.
    war_rule: Option<(bool, bool)>,
}

/// Most periods a calendar has (52 weeks), plus one.
pub const MAX_PERIODS: usize = 53;

struct ScenarioDraws {
    trend: f64,
    returns_rate: f64,
    openings: Option<(u64, Stream)>,
}

/// Correlated per-cell drivers, in the order demand, fill, uplift, dip.
struct CellCopula {
    members: [bool; 4],
    /// Cholesky factors of the correlation sub-matrix of every subset (bit i = driver i).
    chol: Vec<Option<Vec<Vec<f64>>>>,
    fill: Option<Quantile>,
    promo_fill: Option<Quantile>,
    uplift: Option<Quantile>,
    dip: Option<Quantile>,
}

/// Correlated per-scenario drivers, in the order trend, returns rate, store openings.
struct ScenCopula {
    members: [bool; 3],
    chol: Vec<Vec<f64>>,
    quantiles: [Option<Quantile>; 3],
}

fn copulas(u: &Uncertainty) -> Result<(Option<CellCopula>, Option<ScenCopula>), Error> {
    use kasim_core::uncertainty::Driver;
    let q = |d: &Option<kasim_core::uncertainty::Dist>, key: &str| {
        d.as_ref().map(|d| Quantile::new(d, &format!("uncertainty.{key}"))).transpose()
    };
    // The drivers' names, for a matrix that is not positive definite.
    let named = |names: Vec<&'static str>| {
        move |e: Error| match e {
            Error::NotPositiveDefinite { row, pivot, .. } => {
                Error::NotPositiveDefinite { drivers: names.iter().map(|n| n.to_string()).collect(), row, pivot }
            }
            other => other,
        }
    };
    let cell_names = ["demand", "fill_rate", "promo_uplift", "post_promo_dip"];
    let scen_names = ["trend", "returns_rate", "store_openings"];
    let cell_order = [Driver::Demand, Driver::FillRate, Driver::PromoUplift, Driver::PostPromoDip];
    let scen_order = [Driver::Trend, Driver::ReturnsRate, Driver::StoreOpenings];
    let matrix = |order: &[Driver]| {
        let mut m = vec![vec![0.0; order.len()]; order.len()];
        for (i, row) in m.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        let mut members = vec![false; order.len()];
        for c in &u.correlations {
            if let (Some(i), Some(j)) = (order.iter().position(|d| *d == c.a), order.iter().position(|d| *d == c.b)) {
                m[i][j] = f(c.rho.0);
                m[j][i] = f(c.rho.0);
                members[i] = true;
                members[j] = true;
            }
        }
        (m, members)
    };
    let (m, members) = matrix(&cell_order);
    let cell = if members.iter().any(|x| *x) {
        copula::cholesky(&m).map_err(named(cell_names.to_vec()))?;
        let chol = (0..16u32)
            .map(|mask| {
                let idx: Vec<usize> = (0..4).filter(|i| mask & (1 << i) != 0).collect();
                let sub: Vec<Vec<f64>> = idx.iter().map(|&i| idx.iter().map(|&j| m[i][j]).collect()).collect();
                if idx.is_empty() { None } else { copula::cholesky(&sub).ok() }
            })
            .collect();
        Some(CellCopula {
            members: [members[0], members[1], members[2], members[3]],
            chol,
            fill: q(&u.fill_rate, "fill_rate")?,
            promo_fill: q(&u.promo_fill_rate, "promo_fill_rate")?,
            uplift: q(&u.promo_uplift, "promo_uplift")?,
            dip: q(&u.post_promo_dip, "post_promo_dip")?,
        })
    } else {
        None
    };
    let (m, members) = matrix(&scen_order);
    let scen = if members.iter().any(|x| *x) {
        let idx: Vec<usize> = (0..3).filter(|&i| members[i]).collect();
        let sub: Vec<Vec<f64>> = idx.iter().map(|&i| idx.iter().map(|&j| m[i][j]).collect()).collect();
        Some(ScenCopula {
            members: [members[0], members[1], members[2]],
            chol: copula::cholesky(&sub).map_err(named(idx.iter().map(|&i| scen_names[i]).collect()))?,
            quantiles: [
                q(&u.trend, "trend")?,
                q(&u.returns_rate, "returns_rate")?,
                q(&u.store_openings, "store_openings")?,
            ],
        })
    } else {
        None
    };
    Ok((cell, scen))
}

/// A contract term drawn per scenario.
struct TermSampler {
    path: String,
    kind: TermKind,
    /// The stream address of the term (`Factor::Terms`, keyed by the path).
    at: u64,
    sampler: Sampler,
}

impl TermSampler {
    /// The term's value in the scenario of `root`, rounded as the term is written: money to
    /// the cent, rates to 0.01%, counts to whole numbers; never negative.
    fn draw(&self, root: &ScenarioKey) -> Decimal {
        let x = self.sampler.sample(&mut root.stream_at(self.at)).max(0.0);
        let dp = match self.kind {
            TermKind::Money => 2,
            TermKind::Rate => 4,
            TermKind::Count => 0,
        };
        round_drawn(x, dp)
    }
}

/// A drawn value `x ≥ 0` as the `Decimal` rounded half away from zero to `dp` (≤ 4)
/// decimals: exactly `Decimal::from_f64_retain(x)` rounded with `round_dp_with_strategy`,
/// value and scale, which costs 110–250 ns; this takes ~10 ns where it can prove the same
/// result (a drawn scenario rounds eleven terms).
///
/// * `x` a whole number below 2⁵³: its exact decimal has scale 0, which rounding keeps.
/// * `y = x · 10^dp` below 10¹² with its fraction at least 10⁻³ away from 0, ½ and 1: `y`
///   is within half an ulp (≤ 1.2 · 10⁻⁴) of the exact product, so the exact product has
///   the same integer part, is no tie and is no whole number — its decimal has more than
///   `dp` decimals, so the rounded result has scale `dp` exactly, and is `⌊y⌋` or `⌊y⌋ + 1`.
///
/// Anything else (≈ 0.4% of continuous draws, zero, huge or non-finite values) takes the
/// `Decimal` path. A test compares both on random, tie, near-tie and whole values.
#[inline]
fn round_drawn(x: f64, dp: u32) -> Decimal {
    const POW10: [f64; 5] = [1.0, 10.0, 100.0, 1_000.0, 10_000.0];
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2⁵³
    if x > 0.0 && x < EXACT && x.fract() == 0.0 {
        return Decimal::from(x as i64);
    }
    if let Some(&scale) = POW10.get(dp as usize) {
        let y = x * scale;
        if y > 0.0 && y < 1e12 {
            let whole = y.floor();
            let f = y - whole;
            if f > 1e-3 && f < 1.0 - 1e-3 && (f - 0.5).abs() > 1e-3 {
                let n = whole as i64 + i64::from(f > 0.5);
                return Decimal::new(n, dp);
            }
        }
    }
    round_drawn_exact(x, dp)
}

/// [`round_drawn`] by `Decimal` (the reference: what drawn terms have always been).
fn round_drawn_exact(x: f64, dp: u32) -> Decimal {
    Decimal::from_f64_retain(x)
        .unwrap_or_default()
        .round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// A worker's reusable memory for the scenarios of one [`Model`]: the outcome buffer, the
/// settlement's scratch and, when the model draws contract terms, the worker's own copy of
/// the contract that each scenario's terms are set in (instead of a fresh clone per
/// scenario). Every drawn term is set in every scenario, so nothing one scenario draws
/// survives into the next; the copy's other values are the contract's own.
pub struct Workspace {
    outcome: Outcome,
    scratch: Scratch,
    contract: Option<Contract>,
    /// True when [`Model::sample_adjusted`] cleared slots or promotion prices of the outcome
    /// (the next sample restores the plan's before sampling).
    marked: bool,
}

impl Workspace {
    /// The outcome last sampled into this workspace.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The outcome, to adjust before settling it ([`Model::settle_workspace`]).
    pub fn outcome_mut(&mut self) -> &mut Outcome {
        &mut self.outcome
    }
}

/// Most store openings a scenario can draw (more are not a year of openings).
pub const MAX_OPENINGS: u64 = 100_000;

/// The share of draws a distribution may put beyond a range before it is refused: its 1st and
/// 99th percentiles must lie inside (the rarer tails of a normal or Poisson are clamped).
const TAIL_Z: f64 = 2.326_347_874_040_841;

/// The lowest and highest values of a distribution that count: its bounds where it has them
/// (exact), else its 1st and 99th percentiles; each with its name.
fn reach(d: &kasim_core::uncertainty::Dist) -> [(&'static str, f64); 2] {
    use kasim_core::uncertainty::Dist;
    let (lo, hi) = d.bounds();
    let (p1, p99) = match d {
        Dist::Normal { mean, sd } => (f(mean.0) - TAIL_Z * f(sd.0), f(mean.0) + TAIL_Z * f(sd.0)),
        Dist::Lognormal { mean, cv } => {
            let (m, c) = (f(mean.0), f(cv.0));
            let s2 = (1.0 + c * c).ln();
            let mu = m.ln() - s2 / 2.0;
            ((mu - TAIL_Z * s2.sqrt()).exp(), (mu + TAIL_Z * s2.sqrt()).exp())
        }
        Dist::Poisson { mean } => {
            let m = f(mean.0);
            ((m - TAIL_Z * m.sqrt()).max(0.0), m + TAIL_Z * m.sqrt())
        }
        _ => (f64::NAN, f64::NAN),
    };
    [
        lo.map_or(("1st percentile", p1), |x| ("minimum", f(x))),
        hi.map_or(("99th percentile", p99), |x| ("maximum", f(x))),
    ]
}

/// Refuses distributions that reach values the sampler would clamp, with the key, where a
/// clamp would be the rule rather than a rare tail: a bounded distribution (or `fixed`) must
/// stay inside the range; an unbounded one (normal, lognormal, Poisson) must have its 1st and
/// 99th percentiles inside, and its rarer draws beyond are clamped (documented in
/// docs/simulation.md).
///
/// * `uncertainty.store_openings`: 0 to [`MAX_OPENINGS`];
/// * `uncertainty.trend`: −100% or more (below, demand would turn negative late in the year);
/// * each `[[uncertainty.terms]]` distribution: 0 or more (drawn terms are never negative).
///
/// The shares (fill, returns, dip, war depth) and the uplift are bounded by `kasim-core`'s
/// validation already.
///
/// # Errors
///
/// [`Error::DrawOutOfRange`] naming the key, the value and the range.
pub fn check_ranges(u: &Uncertainty) -> Result<(), Error> {
    // (key, distribution, lowest allowed, highest allowed, the range as text)
    type Check<'a> = (String, &'a kasim_core::uncertainty::Dist, Option<f64>, Option<f64>, &'static str);
    let mut checks: Vec<Check<'_>> = Vec::new();
    if let Some(d) = &u.store_openings {
        checks.push((
            "uncertainty.store_openings".into(),
            d,
            Some(0.0),
            Some(MAX_OPENINGS as f64),
            "0 to 100,000 openings",
        ));
    }
    if let Some(d) = &u.trend {
        checks.push(("uncertainty.trend".into(), d, Some(-1.0), None, "−100% or more"));
    }
    for t in &u.terms {
        checks.push((t.path.clone(), &t.dist, Some(0.0), None, "0 or more: drawn terms are never negative"));
    }
    for (key, d, lo, hi, allowed) in checks {
        let [(low_name, low), (high_name, high)] = reach(d);
        let out = if lo.is_some_and(|l| low < l) {
            Some((low_name, low))
        } else if hi.is_some_and(|h| high > h) {
            Some((high_name, high))
        } else {
            None
        };
        if let Some((which, value)) = out {
            return Err(Error::DrawOutOfRange { key, which, value, allowed });
        }
    }
    Ok(())
}

fn opt(d: &Option<kasim_core::uncertainty::Dist>, what: &str) -> Result<Option<Sampler>, Error> {
    d.as_ref().map(|d| Sampler::new(d, what)).transpose()
}

/// Rounds a quantity half-up to whole units in `0..=MAX_UNITS` (negatives and NaN give 0),
/// without a libm call.
#[inline]
fn units(x: f64) -> u64 {
    units_i(x) as u64
}

/// Ordered, delivered and returned units of a cell from its demand, fill rate and returns rate.
#[inline(always)]
fn units_of(demand: f64, fill_rate: f64, returns_rate: f64) -> (i64, i64, i64) {
    let ordered = units_i(demand);
    // Full fill is the common case: skip its conversion.
    let delivered = if fill_rate >= 1.0 { ordered } else { units_i(ordered as f64 * fill_rate.max(0.0)).min(ordered) };
    // No returns is the common case (the rate is the same for the whole scenario).
    let returned = if returns_rate > 0.0 { units_i(delivered as f64 * returns_rate).min(delivered) } else { 0 };
    (ordered, delivered, returned)
}

/// Clears a cell's slots and promotion price (a planned slot that does not run).
#[inline]
fn unmark_cell(cell: &mut Cell) {
    cell.slots = 0;
    cell.promo_price_micro = 0;
}

/// Stores a cell's units (each within `0..=MAX_UNITS`, so they fit `u32`).
#[inline(always)]
fn store_units(cell: &mut Cell, (ordered, delivered, returned): (i64, i64, i64)) {
    cell.ordered = ordered as u32;
    cell.delivered = delivered as u32;
    cell.returned = returned as u32;
    cell.sold = (delivered - returned) as u32;
}

/// [`units`] as `i64`. The clamp to `0..=MAX_UNITS` is done in `f64` first (`max` returns the
/// other operand for NaN, so NaN gives 0); truncating the clamped value is the floor of
/// `x + 0.5`, and it always fits `i32`, so the conversion never saturates.
#[inline(always)]
fn units_i(x: f64) -> i64 {
    i64::from((x + 0.5).max(0.0).min(f64::from(MAX_UNITS)) as i32)
}

impl<'c> Model<'c> {
    /// Prepares a compiled contract for sampling. A contract without `[uncertainty]` samples
    /// its plan exactly (every scenario equals the plan).
    ///
    /// # Errors
    ///
    /// [`Error::BadDistribution`] when a distribution has invalid parameters (see
    /// [`Sampler::new`]); [`Error::NotPositiveDefinite`] (naming the drivers) when the
    /// correlations cannot hold together; [`Error::CorrelatedPoisson`] for a correlated
    /// Poisson mean of 700 or more; [`Error::DrawOutOfRange`] when a distribution reaches
    /// values the sampler would clamp (see [`check_ranges`]); [`Error::Term`] when a drawn
    /// term's path does not name a term of the contract.
    pub fn new(compiled: &'c Compiled<'c>) -> Result<Model<'c>, Error> {
        let c = compiled.contract;
        let default = Uncertainty::default();
        let u = c.uncertainty.as_ref().unwrap_or(&default);
        let periods = compiled.periods();
        let skus = compiled.skus.len();
        let plan = compiled.plan_outcome();
        // Per-cell plan values, SKU-major (`s × periods + p`): the sampler walks one SKU's
        // periods at a time, so each column is contiguous.
        let cells = (0..skus).flat_map(|s| (0..periods).map(move |p| (p, s)));
        let baseline = cells.clone().map(|(p, s)| f(compiled.plan_cell(p, s).baseline)).collect();
        let uplift_plan = cells.clone().map(|(p, s)| f(compiled.plan_cell(p, s).uplift)).collect();
        let promoted: Vec<bool> = cells.clone().map(|(p, s)| plan.cell(p, s).promoted()).collect();
        let promo_periods = (0..skus)
            .map(|s| {
                let col = &promoted[s * periods..(s + 1) * periods];
                let on: Vec<usize> = (0..periods).filter(|&p| col[p]).collect();
                let after = (1..periods).filter(|&p| col[p - 1] && !col[p]).collect();
                (on, after)
            })
            .collect();
        let planned_gap: Vec<i64> = cells.map(|(p, s)| plan.cell(p, s).match_gap_micro).collect();
        let mut stores = f64::from(compiled.stores_at_start());
        let planned_stores = (0..periods)
            .map(|p| {
                stores += f64::from(plan.store_openings[p]);
                stores
            })
            .collect();
        let sigma = match (u.demand_sigma, u.demand_cv) {
            (Some(s), _) => f(s.0),
            (None, Some(cv)) => {
                let cv = f(cv.0);
                (1.0 + cv * cv).ln().sqrt()
            }
            (None, None) => 0.0,
        };
        let plan_fill = f(c.plan.fill_rate.0);
        check_ranges(u)?;
        let (cell_copula, scen_copula) = copulas(u)?;
        let war = match &u.price_war {
            Some(w) => {
                let gap = match (&w.depth, w.gap) {
                    (Some(d), _) => WarGap::Depth(Sampler::new(d, "uncertainty.price_war.depth")?),
                    (None, Some(g)) => {
                        WarGap::Gap((g.0 * rust_decimal::Decimal::from(1_000_000)).round().try_into().unwrap_or(0))
                    }
                    (None, None) => WarGap::Gap(0),
                };
                Some((f(w.probability.0), gap, w.promoted_only))
            }
            None => None,
        };
        Ok(Model {
            compiled,
            periods,
            skus,
            baseline,
            uplift_plan,
            promoted,
            promo_periods,
            planned_gap,
            per_store: (0..skus).map(|s| compiled.scales_with_stores(s)).collect(),
            planned_stores,
            addresses: compiled
                .skus
                .iter()
                .map(|k| {
                    let key = sku_key(&k.id);
                    [Factor::Demand, Factor::Uplift, Factor::Dip, Factor::Fill].map(|f| address(f, key))
                })
                .collect(),
            shelf_micro: compiled.skus.iter().map(|k| k.shelf_micro).collect(),
            sigma,
            rho: u.demand_correlation.map_or(0.0, |r| f(r.0)),
            trend: opt(&u.trend, "uncertainty.trend")?,
            uplift: opt(&u.promo_uplift, "uncertainty.promo_uplift")?,
            dip: opt(&u.post_promo_dip, "uncertainty.post_promo_dip")?,
            fill: opt(&u.fill_rate, "uncertainty.fill_rate")?,
            promo_fill: opt(&u.promo_fill_rate, "uncertainty.promo_fill_rate")?,
            plan_fill,
            plan_promo_fill: c.plan.promo_fill_rate.map_or(plan_fill, |r| f(r.0)),
            returns: opt(&u.returns_rate, "uncertainty.returns_rate")?,
            plan_returns: f(c.plan.returns_rate.0),
            openings: opt(&u.store_openings, "uncertainty.store_openings")?,
            war,
            flyer_run: opt(&u.flyer_run_rate, "uncertainty.flyer_run_rate")?,
            display: opt(&u.display_compliance, "uncertainty.display_compliance")?,
            terms: u
                .terms
                .iter()
                .map(|t| {
                    let what = format!("uncertainty.terms `{}`", t.path);
                    Ok(TermSampler {
                        path: t.path.clone(),
                        kind: terms::kind(c, &t.path).map_err(|reason| Error::Term { path: t.path.clone(), reason })?,
                        at: address(Factor::Terms, sku_key(&t.path)),
                        sampler: Sampler::new(&t.dist, &what)?,
                    })
                })
                .collect::<Result<_, Error>>()?,
            cell_copula,
            scen_copula,
            salt: 0,
            resources: ResourceSampler::new(compiled)?,
        })
    }

    /// This model with every stream key mixed with `salt` (a contract's place in a portfolio):
    /// two contracts carrying the same SKU code then draw independent idiosyncratic demand,
    /// fill, uplift, dip, trend, returns, openings, price wars and terms. Salt 0 keeps the keys
    /// of a contract simulated alone, draw for draw.
    pub fn salted(mut self, salt: u64) -> Model<'c> {
        self.salt = salt;
        let c = self.compiled;
        self.addresses = c
            .skus
            .iter()
            .map(|k| {
                let key = sku_key(&k.id) ^ salt;
                [Factor::Demand, Factor::Uplift, Factor::Dip, Factor::Fill].map(|f| address(f, key))
            })
            .collect();
        for t in &mut self.terms {
            t.at = address(Factor::Terms, sku_key(&t.path) ^ salt);
        }
        self
    }

    /// Samples the scenario of `root` into the workspace's outcome with the portfolio's
    /// [`Shared`] drivers (see [`Model::sample_into`]); settle it with
    /// [`Model::settle_workspace`].
    pub fn sample_shared(&self, root: &ScenarioKey, ws: &mut Workspace, shared: &Shared) {
        self.unmark(ws);
        self.sample_scenario_with(root, &mut ws.outcome, self.cell_copula.is_none(), Some(shared), None);
    }

    /// As [`Model::sample_shared`], with adjustments (an empty [`Adjust`] gives exactly
    /// [`Model::sample_shared`]'s outcome). Every stream draws as without adjustments, so the
    /// cells the adjustment does not touch are those [`Model::sample_shared`] gives:
    ///
    /// * the demand multiplier scales a SKU's expected demand (before noise and rounding);
    /// * a withheld slot's cell gets no uplift (its uplift draw is made and discarded), the
    ///   period after it no post-promotion dip (drawn and discarded), its fill rate from the
    ///   regular fill distribution (the promotional one's draw still advances the stream), no
    ///   promotion price and no slot bits, and a price war limited to promoted SKU-periods
    ///   does not reach it;
    /// * cells before a SKU's first period are zero (units, slots, promotion price, price-match
    ///   gap), and its planned slots there are withheld.
    pub fn sample_adjusted(&self, root: &ScenarioKey, ws: &mut Workspace, shared: &Shared, adjust: &Adjust) {
        self.unmark(ws);
        let adjust = (!adjust.is_empty()).then_some(adjust);
        self.sample_scenario_with(root, &mut ws.outcome, self.cell_copula.is_none(), Some(shared), adjust);
        ws.marked = adjust.is_some();
    }

    /// Restores the plan's slots and promotion prices in a workspace an adjusted sample
    /// changed them in.
    fn unmark(&self, ws: &mut Workspace) {
        if ws.marked {
            for (c, p) in ws.outcome.cells.iter_mut().zip(&self.compiled.plan_outcome().cells) {
                c.slots = p.slots;
                c.promo_price_micro = p.promo_price_micro;
            }
            ws.marked = false;
        }
    }

    /// Settles the outcome held in the workspace (as sampled by [`Model::sample_shared`] and
    /// then adjusted by the portfolio: DC capacity, price-match claims) with the drawn terms
    /// of the scenario of `root`.
    ///
    /// # Errors
    ///
    /// As [`Model::row`].
    pub fn settle_workspace(&self, root: &ScenarioKey, ws: &mut Workspace) -> Result<Row, Error> {
        match ws.contract.as_mut() {
            None => row_of(self.compiled.totals_with(&ws.outcome, &mut ws.scratch)?),
            Some(c) => {
                self.set_drawn_terms(root, c)?;
                row_of(self.compiled.variant(c)?.totals_with(&ws.outcome, &mut ws.scratch)?)
            }
        }
    }

    /// Whether the retailer's price protection (`[resources] price_protection`) holds SKU
    /// `sku`'s price (0-based, contract order) in 0-based `period` of the scenario of `root`:
    /// a price-match claim against this chain there is blocked. The same draw blocks the
    /// chain's own planned and price-war gaps in that cell. Always false without protection.
    pub fn price_protected(&self, root: &ScenarioKey, sku: usize, period: usize) -> bool {
        match &self.resources {
            Some(r) if r.protection && sku < self.skus && period < self.periods => {
                let prob = r.protection(&r.draw(root, self.salt));
                r.protects(root, self.salt, sku, period, prob)
            }
            _ => false,
        }
    }

    /// [`Model::price_protected`] for every cell of the scenario of `root` (period-major, like
    /// `Outcome::cells`), or `None` when the contract has no price protection: what a
    /// portfolio's cascade looks up once per scenario.
    pub fn price_protection_mask(&self, root: &ScenarioKey) -> Option<Vec<bool>> {
        let r = self.resources.as_ref().filter(|r| r.protection)?;
        let prob = r.protection(&r.draw(root, self.salt));
        let (n, periods) = (self.skus, self.periods);
        let mut mask = vec![false; n * periods];
        for s in 0..n {
            let mut rng = root.stream(Factor::PriceProtection, r.keys[s] ^ self.salt);
            for p in 0..periods {
                let u: f64 = rng.random();
                mask[p * n + s] = u < prob;
            }
        }
        Some(mask)
    }

    /// Shelf price of each SKU in millionths, in the contract's SKU order.
    pub fn shelf_micro(&self) -> &[i64] {
        &self.shelf_micro
    }

    /// The contract terms drawn for scenario `index` (path, value), rounded as the term is
    /// written: money to the cent, rates to 0.01%, counts to whole numbers; never negative.
    pub fn drawn_terms(&self, seed: u64, index: u64) -> Vec<(String, Decimal)> {
        let root = ScenarioKey::new(seed, index);
        self.terms.iter().map(|t| (t.path.clone(), t.draw(&root))).collect()
    }

    /// Sets every drawn term of the scenario of `root` in `contract` (a copy of this model's
    /// contract: each call overwrites every drawn term, so the copy can be reused).
    fn set_drawn_terms(&self, root: &ScenarioKey, contract: &mut Contract) -> Result<(), Error> {
        for t in &self.terms {
            terms::set(contract, &t.path, t.draw(root))
                .map_err(|reason| Error::Term { path: t.path.clone(), reason })?;
        }
        Ok(())
    }

    /// The contract of scenario `index`: the contract itself (`None`), or a fresh copy with
    /// the drawn terms. The runner does not call this per scenario; it sets the terms in a
    /// [`Workspace`]'s copy instead, with the same result.
    ///
    /// # Errors
    ///
    /// [`Error::Term`] when a drawn value cannot be set (a count beyond `u32`).
    pub fn contract_for(&self, seed: u64, index: u64) -> Result<Option<Contract>, Error> {
        if self.terms.is_empty() {
            return Ok(None);
        }
        let mut c = self.compiled.contract.clone();
        self.set_drawn_terms(&ScenarioKey::new(seed, index), &mut c)?;
        Ok(Some(c))
    }

    /// A worker's memory for [`Model::row`]: the outcome buffer, the settlement scratch and,
    /// when terms are drawn, one copy of the contract (made here, once per worker).
    pub fn workspace(&self) -> Workspace {
        Workspace {
            outcome: self.outcome_buffer(),
            scratch: Scratch::default(),
            contract: self.draws_terms().then(|| self.compiled.contract.clone()),
            marked: false,
        }
    }

    /// Samples and settles scenario `index` (totals only) in a worker's [`Workspace`]: the
    /// outcome is sampled into its buffer, drawn terms are set in its contract copy, and the
    /// scenario settles through [`Compiled::variant`] of that copy (which recompiles the plan
    /// only when a drawn term changes it: invoice prices, store count).
    ///
    /// # Errors
    ///
    /// [`Error::Term`] when a drawn term cannot be set; [`Error::Core`] when the contract
    /// with the drawn terms is invalid or settlement fails; [`Error::Overflow`] when an
    /// output does not fit a row (see [`row_of`]).
    pub fn row(&self, seed: u64, index: u64, ws: &mut Workspace) -> Result<Row, Error> {
        let root = ScenarioKey::new(seed, index);
        self.unmark(ws);
        self.sample_scenario(&root, &mut ws.outcome, self.cell_copula.is_none());
        match ws.contract.as_mut() {
            None => row_of(self.compiled.totals_with(&ws.outcome, &mut ws.scratch)?),
            Some(c) => {
                self.set_drawn_terms(&root, c)?;
                row_of(self.compiled.variant(c)?.totals_with(&ws.outcome, &mut ws.scratch)?)
            }
        }
    }

    /// [`Model::row`] that also records what each fee rule booked, and whether it bound, in
    /// `capture` (see [`kasim_core::settle::capture`]); returns the row and the totals.
    ///
    /// # Errors
    ///
    /// As [`Model::row`].
    pub fn row_rules(
        &self,
        seed: u64,
        index: u64,
        ws: &mut Workspace,
        capture: &mut kasim_core::settle::RuleCapture,
    ) -> Result<(Row, kasim_core::settle::Totals), Error> {
        let root = ScenarioKey::new(seed, index);
        self.unmark(ws);
        self.sample_scenario(&root, &mut ws.outcome, self.cell_copula.is_none());
        let t = match ws.contract.as_mut() {
            None => self.compiled.settle_rules(&ws.outcome, capture, &mut ws.scratch)?,
            Some(c) => {
                self.set_drawn_terms(&root, c)?;
                self.compiled.variant(c)?.settle_rules(&ws.outcome, capture, &mut ws.scratch)?
            }
        };
        Ok((row_of(t.clone())?, t))
    }

    /// [`Model::row_rules`] with `edit` applied to the sampled outcome before it settles
    /// (what `kasim track` uses to put the closed periods' actuals in place: the draws stay
    /// addressed by (seed, index), and the closed periods' draws are simply not used).
    ///
    /// # Errors
    ///
    /// As [`Model::row`].
    pub fn row_rules_edited(
        &self,
        seed: u64,
        index: u64,
        ws: &mut Workspace,
        capture: &mut kasim_core::settle::RuleCapture,
        edit: &mut dyn FnMut(&mut Outcome),
    ) -> Result<(Row, kasim_core::settle::Totals), Error> {
        let root = ScenarioKey::new(seed, index);
        self.unmark(ws);
        self.sample_scenario(&root, &mut ws.outcome, self.cell_copula.is_none());
        edit(&mut ws.outcome);
        let t = match ws.contract.as_mut() {
            None => self.compiled.settle_rules(&ws.outcome, capture, &mut ws.scratch)?,
            Some(c) => {
                self.set_drawn_terms(&root, c)?;
                self.compiled.variant(c)?.settle_rules(&ws.outcome, capture, &mut ws.scratch)?
            }
        };
        Ok((row_of(t.clone())?, t))
    }

    /// Multiplies the expected demand (the plan baseline) of SKU `sku` (0-based) from period
    /// `from` (0-based) to the year end by `factor` (clamped to 0–1,000): the conditioning of
    /// `kasim track` on the year-to-date run-rate. The draws are unchanged.
    pub fn scale_baseline(&mut self, sku: usize, from: usize, factor: f64) {
        let factor = if factor.is_finite() { factor.clamp(0.0, 1000.0) } else { 1.0 };
        if sku < self.skus {
            let col = sku * self.periods..(sku + 1) * self.periods;
            for b in self.baseline[col].iter_mut().skip(from) {
                *b *= factor;
            }
        }
    }

    /// Samples and settles scenario `index` with the full ledger (what `replay` shows).
    ///
    /// # Errors
    ///
    /// As [`Model::row`].
    pub fn settlement(&self, seed: u64, index: u64) -> Result<kasim_core::Settlement, Error> {
        let o = self.sample(seed, index);
        Ok(match self.contract_for(seed, index)? {
            None => self.compiled.settle(&o)?,
            Some(c) => self.compiled.variant(&c)?.settle(&o)?,
        })
    }

    /// Names of the per-scenario inputs reported by [`Model::scenario_inputs`].
    pub fn scenario_input_names(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.trend.is_some() {
            v.push("uncertainty.trend".to_string());
        }
        if self.returns.is_some() {
            v.push("uncertainty.returns_rate".to_string());
        }
        if self.openings.is_some() {
            v.push("uncertainty.store_openings".to_string());
        }
        if self.war.is_some() {
            v.push("uncertainty.price_war (periods at war)".to_string());
        }
        if self.flyer_run.is_some() {
            v.push("uncertainty.flyer_run_rate (flyers run)".to_string());
        }
        if self.display.is_some() {
            v.push("uncertainty.display_compliance (mean)".to_string());
        }
        v.extend(self.terms.iter().map(|t| t.path.clone()));
        if let Some(r) = &self.resources {
            for (k, (_, drawn)) in EffectKey::ALL.iter().zip(&r.effects) {
                if drawn.is_some() {
                    v.push(format!("resources.effects.{}", k.key()));
                }
            }
        }
        v
    }

    /// The per-scenario inputs of scenario `index`, drawn from the same streams as
    /// [`Model::sample_into`] (so they are the values that scenario used).
    pub fn scenario_inputs(&self, seed: u64, index: u64) -> Vec<f64> {
        let mut v = Vec::new();
        let root = ScenarioKey::new(seed, index);
        let sc = self.scenario_draws(&root);
        if self.trend.is_some() {
            v.push(sc.trend);
        }
        if self.returns.is_some() {
            v.push(sc.returns_rate);
        }
        if let Some((count, _)) = sc.openings {
            v.push(count as f64);
        }
        if let Some((prob, gap, _)) = &self.war {
            let mut rng = root.stream(Factor::PriceWar, self.salt);
            let mut wars = 0.0;
            for _ in 0..self.periods {
                let u: f64 = rng.random();
                if let WarGap::Depth(d) = gap {
                    d.sample(&mut rng);
                }
                if u < *prob {
                    wars += 1.0;
                }
            }
            v.push(wars);
        }
        if self.flyer_run.is_some() || self.display.is_some() {
            let mut perf = Vec::new();
            self.draw_performance(&root, &mut perf);
            if self.flyer_run.is_some() {
                v.push(perf.iter().filter(|x| x.flyer_ran).count() as f64);
            }
            if self.display.is_some() {
                let sum: f64 = perf.iter().map(|x| f64::from(x.display_ppm)).sum();
                v.push(sum / f64::from(FULL_COMPLIANCE_PPM) / self.periods.max(1) as f64);
            }
        }
        for t in &self.terms {
            v.push(t.draw(&root).to_string().parse().unwrap_or(0.0));
        }
        if let Some(r) = &self.resources {
            let e = r.draw(&root, self.salt);
            for (x, (_, drawn)) in e.iter().zip(&r.effects) {
                if drawn.is_some() {
                    v.push(*x);
                }
            }
        }
        v
    }

    /// The per-scenario draws: trend, returns rate, and the store-opening count with the
    /// stream that then places the openings. Correlated drivers go through the copula.
    fn scenario_draws(&self, root: &ScenarioKey) -> ScenarioDraws {
        let mut trend_rng = self.trend.as_ref().map(|_| root.stream(Factor::Trend, self.salt));
        let mut returns_rng = self.returns.as_ref().map(|_| root.stream(Factor::Returns, self.salt));
        let mut open_rng = self.openings.as_ref().map(|_| root.stream(Factor::Openings, self.salt));
        let (mut trend, mut returns, mut openings) = (None, None, None);
        if let Some(sc) = &self.scen_copula {
            // Standard normals from each driver's own stream, correlated, then mapped through
            // each driver's quantile function.
            let mut e = [0.0f64; 3];
            let mut k = 0;
            for (i, rng) in [trend_rng.as_mut(), returns_rng.as_mut(), open_rng.as_mut()].into_iter().enumerate() {
                if sc.members[i]
                    && let Some(r) = rng
                {
                    e[k] = r.sample(StandardNormal);
                    k += 1;
                }
            }
            let mut z = [0.0f64; 3];
            copula::correlate(&sc.chol, &e[..k], &mut z[..k]);
            let mut k = 0;
            for i in 0..3 {
                if sc.members[i] {
                    let x = sc.quantiles[i].as_ref().map_or(0.0, |q| q.at(copula::normal_cdf(z[k])));
                    match i {
                        0 => trend = Some(x),
                        1 => returns = Some(x),
                        _ => openings = Some(x),
                    }
                    k += 1;
                }
            }
        }
        let trend = match (trend, &self.trend, trend_rng.as_mut()) {
            (Some(x), _, _) => x,
            (None, Some(d), Some(r)) => d.sample(r),
            _ => 0.0,
        };
        let returns_rate = match (returns, &self.returns, returns_rng.as_mut()) {
            (Some(x), _, _) => x.clamp(0.0, 1.0),
            (None, Some(d), Some(r)) => d.sample(r).clamp(0.0, 1.0),
            _ => self.plan_returns,
        };
        let openings = match (openings, &self.openings, open_rng) {
            (Some(x), _, Some(r)) => Some((units(x).min(MAX_OPENINGS), r)),
            (None, Some(d), Some(mut r)) => Some((units(d.sample(&mut r)).min(MAX_OPENINGS), r)),
            _ => None,
        };
        ScenarioDraws { trend, returns_rate, openings }
    }

    /// The retailer's performance of scenario `root` (give-get conditions), written into
    /// `perf` (left as the plan states it when nothing is drawn). Flyers: the run rate is drawn
    /// once from [`Factor::FlyerRun`], then one uniform per period decides whether that
    /// period's flyer ran; displays: one compliance per period from [`Factor::Display`]. New
    /// factors, so every other stream is unchanged.
    fn draw_performance(&self, root: &ScenarioKey, perf: &mut Vec<Performance>) {
        if self.flyer_run.is_none() && self.display.is_none() {
            return;
        }
        let plan = self.compiled.plan_outcome();
        perf.clear();
        perf.extend((0..self.periods).map(|p| plan.performance(p)));
        if let Some(d) = &self.flyer_run {
            let mut rng = root.stream(Factor::FlyerRun, self.salt);
            let rate = d.sample(&mut rng).clamp(0.0, 1.0);
            for x in perf.iter_mut() {
                let u: f64 = rng.random();
                x.flyer_ran = u < rate;
            }
        }
        if let Some(d) = &self.display {
            let mut rng = root.stream(Factor::Display, self.salt);
            for x in perf.iter_mut() {
                let share = d.sample(&mut rng).clamp(0.0, 1.0);
                x.display_ppm = (share * f64::from(FULL_COMPLIANCE_PPM)).round() as u32;
            }
        }
    }

    /// True when contract terms are drawn per scenario (each scenario settles a variant of the
    /// contract with its own terms).
    pub fn draws_terms(&self) -> bool {
        !self.terms.is_empty()
    }

    /// A buffer of the right shape for [`Model::sample_into`].
    pub fn outcome_buffer(&self) -> Outcome {
        self.compiled.plan_outcome().clone()
    }

    /// Samples scenario `index` of the run seeded `seed` into `out`, a buffer from
    /// [`Model::outcome_buffer`] (its quantities, openings and price gaps are overwritten).
    pub fn sample_into(&self, seed: u64, index: u64, out: &mut Outcome) {
        self.sample_scenario(&ScenarioKey::new(seed, index), out, self.cell_copula.is_none());
    }

    /// [`Model::sample_into`] by the column path (only without correlated per-cell drivers) or
    /// the cell-by-cell path.
    fn sample_scenario(&self, root: &ScenarioKey, out: &mut Outcome, by_columns: bool) {
        self.sample_scenario_with(root, out, by_columns, None, None);
    }

    /// [`Model::sample_scenario`] with a portfolio's shared drivers and adjustments, if any.
    fn sample_scenario_with(
        &self,
        root: &ScenarioKey,
        out: &mut Outcome,
        by_columns: bool,
        shared: Option<&Shared>,
        adjust: Option<&Adjust>,
    ) {
        let periods = self.periods;
        let plan = self.compiled.plan_outcome();
        // The relationship's resources: their effects as an adjustment of this scenario (the
        // buffer's slots and promotion prices restored first, as an adjustment clears some).
        let effects = self.resources.as_ref().map(|r| r.draw(root, self.salt));
        let own;
        let adjust = match (&self.resources, &effects) {
            (Some(r), Some(e)) => {
                for (c, p) in out.cells.iter_mut().zip(&plan.cells) {
                    c.slots = p.slots;
                    c.promo_price_micro = p.promo_price_micro;
                }
                own = r.adjust(self, root, e, adjust);
                Some(&own)
            }
            _ => adjust,
        };

        // Scenario-level draws.
        let sc = self.scenario_draws(root);
        let (trend, returns_rate) = (sc.trend, sc.returns_rate);
        match sc.openings {
            Some((count, mut rng)) => {
                out.store_openings.iter_mut().for_each(|x| *x = 0);
                for _ in 0..count {
                    let p = (rng.next_u64() % periods as u64) as usize;
                    out.store_openings[p] += 1;
                }
            }
            None => out.store_openings.copy_from_slice(&plan.store_openings),
        }
        self.draw_performance(root, &mut out.performance);
        // The per-period columns, built in place.
        let mut cols = Columns {
            level: [1.0; MAX_PERIODS],
            store_factor: [1.0; MAX_PERIODS],
            common: [0.0; MAX_PERIODS],
            war: [0.0; MAX_PERIODS],
            war_on: [false; MAX_PERIODS],
            any_war: false,
            returns_rate,
            war_rule: None,
        };
        let mut war_rule = self.war.as_ref().map(|(_, gap, only)| (matches!(gap, WarGap::Depth(_)), *only));
        let Columns { level, store_factor, common, war, war_on, .. } = &mut cols;
        if self.openings.is_some() {
            let mut stores = f64::from(self.compiled.stores_at_start());
            let planned = out.store_openings.iter().zip(&self.planned_stores);
            for (factor, (&opened, &planned)) in store_factor.iter_mut().zip(planned) {
                stores += f64::from(opened);
                *factor = if planned > 0.0 { stores / planned } else { 1.0 };
            }
        }

        // Common demand factor per period, trend and price wars per period.
        if self.rho > 0.0 && self.sigma > 0.0 {
            let mut rng = root.stream(Factor::DemandCommon, self.salt);
            for z in common.iter_mut().take(periods) {
                *z = rng.sample(StandardNormal);
            }
        }
        // Without a trend every level is exactly 1.
        if trend != 0.0 {
            for (p, l) in level.iter_mut().enumerate().take(periods) {
                *l = 1.0 + trend * (p as f64 + 0.5) / periods as f64;
            }
        }
        // War gap per period: a share of price or a fixed gap in micro.
        if let Some((prob, gap, _)) = &self.war {
            let mut rng = root.stream(Factor::PriceWar, self.salt);
            for p in 0..periods {
                let u: f64 = rng.random();
                let x = match gap {
                    WarGap::Depth(d) => d.sample(&mut rng).clamp(0.0, 1.0),
                    WarGap::Gap(g) => *g as f64,
                };
                if u < *prob {
                    war[p] = x;
                    war_on[p] = true;
                }
            }
        }
        if let Some(sh) = shared {
            // The brand-level factor scales expected demand; a shared war replaces the
            // contract's own occurrence (its own depth stays unless the portfolio gives one).
            for (l, d) in level.iter_mut().zip(&sh.demand).take(periods) {
                *l *= d;
            }
            if let Some(on) = &sh.war_on {
                war_on[..periods].copy_from_slice(&on[..periods]);
                if let Some(depth) = &sh.war_depth {
                    war[..periods].copy_from_slice(&depth[..periods]);
                    war_rule = Some((true, sh.promoted_only));
                } else if self.war.is_none() {
                    war_on.iter_mut().for_each(|w| *w = false);
                }
            }
        }
        cols.war_rule = war_rule;

        cols.any_war = cols.war_on.iter().any(|&w| w);
        if by_columns {
            self.sample_columns(root, out, &cols, adjust);
        } else {
            self.sample_cells(root, out, &cols, adjust);
        }
        if let (Some(r), Some(e)) = (&self.resources, &effects) {
            r.protect(root, self.salt, out, r.protection(e));
        }
    }

    /// The fast path (no correlated per-cell drivers): one SKU at a time, one factor at a
    /// time over the SKU's periods, so each stream is read in one go and the `exp` of the
    /// demand noise runs over a whole column. Draw order per stream is the same as in
    /// [`Model::sample_cells`], so both paths give identical outcomes.
    fn sample_columns(&self, root: &ScenarioKey, out: &mut Outcome, cols: &Columns, adjust: Option<&Adjust>) {
        let (n, periods) = (self.skus, self.periods);
        let (a, b) = (self.rho.sqrt(), (1.0 - self.rho).sqrt());
        let s2 = self.sigma * self.sigma / 2.0;
        let any_fill = self.fill.is_some() || self.promo_fill.is_some();
        let mut x = [0.0f64; MAX_PERIODS];
        let mut noise = [1.0f64; MAX_PERIODS];
        let x = &mut x[..periods];
        let noise = &mut noise[..periods];
        // Per SKU under an adjustment: the planned slots that do not run, and the promoted
        // flags in effect.
        let mut off = [false; MAX_PERIODS];
        let mut in_effect = [false; MAX_PERIODS];
        for s in 0..n {
            // Expected demand: plan baseline × trend level × store factor.
            let per_store = self.per_store[s];
            let col = s * periods..(s + 1) * periods;
            let (baseline, planned) = (&self.baseline[col.clone()], &self.promoted[col.clone()]);
            let uplift_plan = &self.uplift_plan[col.clone()];
            let (mult, first, any_off) = match adjust {
                Some(a) => a.column(s, n, planned, &mut off),
                None => (1.0, 0, false),
            };
            // The promoted flags in effect (the plan's unless a slot is withheld).
            let promoted: &[bool] = if any_off {
                for ((e, &p), &o) in in_effect.iter_mut().zip(planned).zip(&off) {
                    *e = p && !o;
                }
                &in_effect[..periods]
            } else {
                planned
            };
            for (p, xp) in x.iter_mut().enumerate() {
                let mut v = baseline[p] * cols.level[p];
                if per_store {
                    v *= cols.store_factor[p];
                }
                if adjust.is_some() {
                    v *= mult;
                }
                *xp = v;
            }
            // Promotion uplift on promoted cells, post-promotion dip on the cells after them.
            let [demand_at, uplift_at, dip_at, fill_at] = self.addresses[s];
            let mut uplift = self.uplift.as_ref().map(|d| (d, root.stream_at(uplift_at)));
            let mut dip = self.dip.as_ref().map(|d| (d, root.stream_at(dip_at)));
            // Only the promoted periods and those after them (uplift and dip streams draw in
            // period order, each on its own stream).
            let (on, after) = &self.promo_periods[s];
            for &p in on {
                let up = match uplift.as_mut() {
                    Some((d, r)) => d.sample(r),
                    None => uplift_plan[p],
                };
                if !off[p] || !any_off {
                    x[p] *= up.max(0.0);
                }
            }
            if let Some((d, r)) = dip.as_mut() {
                for &p in after {
                    let share = d.sample(r).clamp(0.0, 1.0);
                    if !off[p - 1] || !any_off {
                        x[p] *= 1.0 - share;
                    }
                }
            }
            // Lognormal noise: normal scores, then one vectorised exp over the column.
            if self.sigma > 0.0 {
                let mut r = root.stream_at(demand_at);
                if self.rho > 0.0 {
                    for (e, &common) in noise.iter_mut().zip(&cols.common) {
                        let z_sku: f64 = r.sample(StandardNormal);
                        let z = a * common + b * z_sku;
                        *e = self.sigma * z - s2;
                    }
                } else {
                    // Independent SKUs: z = 0 · common + 1 · z_sku = z_sku exactly.
                    for e in noise.iter_mut() {
                        let z: f64 = r.sample(StandardNormal);
                        *e = self.sigma * z - s2;
                    }
                }
                fastexp::exp_in_place(noise);
            }
            // Fill rates (one draw per period from the SKU's fill stream) and units. The common
            // case (stockout or not, in and out of promotions) draws without dispatch, in the
            // same loop as the units so the two overlap.
            let mut fill = any_fill.then(|| root.stream_at(fill_at));
            let regular = self.fill.as_ref();
            let promo = self.promo_fill.as_ref().or(regular);
            let gaps = &self.planned_gap[col];
            // Demand = expected demand × noise (the noise is 1 without demand uncertainty).
            let demand = x.iter().zip(noise.iter()).zip(gaps);
            match (fill.as_mut(), regular.and_then(Sampler::small_table), promo.and_then(Sampler::small_table)) {
                // Small tables draw one word each: the promoted flag in effect picks the table.
                (Some(r), Some(regular), Some(promo)) => {
                    for (p, (((&xp, &e), &gap), &promoted)) in demand.zip(promoted).enumerate() {
                        let f = if promoted { promo.sample(r) } else { regular.sample(r) };
                        let cell = &mut out.cells[p * n + s];
                        store_units(cell, units_of(xp * e, f, cols.returns_rate));
                        cell.match_gap_micro = gap;
                    }
                }
                _ => {
                    for (p, (((&xp, &e), &gap), &promoted)) in demand.zip(promoted).enumerate() {
                        let f = if any_off && off[p] {
                            self.fill_draw_withheld(fill.as_mut())
                        } else {
                            self.fill_draw(fill.as_mut(), promoted)
                        };
                        let cell = &mut out.cells[p * n + s];
                        store_units(cell, units_of(xp * e, f, cols.returns_rate));
                        cell.match_gap_micro = gap;
                    }
                }
            }
            if any_off {
                for p in (0..periods).filter(|&p| off[p]) {
                    unmark_cell(&mut out.cells[p * n + s]);
                }
            }
            if cols.any_war {
                for p in (0..periods).filter(|&p| cols.war_on[p]) {
                    self.war_gap(&mut out.cells[p * n + s], s, p, promoted[p], cols);
                }
            }
            for p in 0..first.min(periods) {
                out.cells[p * n + s] = Cell::default();
            }
        }
    }

    /// The fill rate of a withheld slot's cell: a draw from the regular fill distribution,
    /// made on a copy of the stream, while the stream itself advances by the promotional
    /// draw the plan's calendar makes (so the SKU's later fill draws do not shift).
    #[inline]
    fn fill_draw_withheld(&self, rng: Option<&mut Stream>) -> f64 {
        match rng {
            Some(r) => {
                let mut copy = r.clone();
                let f = self.fill_draw(Some(&mut copy), false);
                self.fill_draw(Some(r), true);
                f
            }
            None => self.fill_draw(None, false),
        }
    }

    /// Sets the price-war gap of a cell in a period at war (the larger of the planned and the
    /// war gap; promoted cells only when the war is limited to them).
    #[inline]
    fn war_gap(&self, cell: &mut Cell, s: usize, p: usize, promoted: bool, cols: &Columns) {
        if let Some((by_depth, promoted_only)) = cols.war_rule
            && (promoted || !promoted_only)
        {
            let price = if cell.promo_price_micro > 0 { cell.promo_price_micro } else { self.shelf_micro[s] };
            let gap = if by_depth { (price as f64 * cols.war[p]).round() as i64 } else { cols.war[p] as i64 };
            cell.match_gap_micro = cell.match_gap_micro.max(gap.clamp(0, price));
        }
    }

    /// One fill-rate draw (or the plan's fill rate when it is not uncertain).
    #[inline(always)]
    fn fill_draw(&self, rng: Option<&mut Stream>, promoted: bool) -> f64 {
        match rng {
            Some(r) => {
                let d = if promoted { self.promo_fill.as_ref().or(self.fill.as_ref()) } else { self.fill.as_ref() };
                match d {
                    Some(d) => d.sample(r),
                    None if promoted => self.plan_promo_fill,
                    None => self.plan_fill,
                }
            }
            None if promoted => self.plan_promo_fill,
            None => self.plan_fill,
        }
    }

    /// Units of one cell from its demand and fill rate, plus its price-war gap.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn write_cell(&self, cell: &mut Cell, s: usize, p: usize, x: f64, fill_rate: f64, promoted: bool, cols: &Columns) {
        store_units(cell, units_of(x, fill_rate, cols.returns_rate));
        cell.match_gap_micro = self.planned_gap[s * self.periods + p];
        if cols.war_on[p] {
            self.war_gap(cell, s, p, promoted, cols);
        }
    }

    /// The general path, cell by cell, with correlated per-cell drivers.
    fn sample_cells(&self, root: &ScenarioKey, out: &mut Outcome, cols: &Columns, adjust: Option<&Adjust>) {
        let (n, periods) = (self.skus, self.periods);
        let Columns { level, store_factor, common, .. } = cols;
        let (a, b) = (self.rho.sqrt(), (1.0 - self.rho).sqrt());
        let s2 = self.sigma * self.sigma / 2.0;
        let any_fill = self.fill.is_some() || self.promo_fill.is_some();
        let mut off = [false; MAX_PERIODS];
        for s in 0..n {
            let col = s * periods..(s + 1) * periods;
            let (mult, first, any_off) = match adjust {
                Some(a) => a.column(s, n, &self.promoted[col], &mut off),
                None => (1.0, 0, false),
            };
            let [demand_at, uplift_at, dip_at, fill_at] = self.addresses[s];
            let mut demand = (self.sigma > 0.0).then(|| root.stream_at(demand_at));
            let mut uplift = self.uplift.as_ref().map(|_| root.stream_at(uplift_at));
            let mut dip = self.dip.as_ref().map(|_| root.stream_at(dip_at));
            let mut fill = any_fill.then(|| root.stream_at(fill_at));
            for p in 0..periods {
                let i = p * n + s;
                let t = s * periods + p;
                let promoted = self.promoted[t];
                // The period after a promoted one, itself not promoted (the dip's periods).
                let after_promo = p > 0 && self.promoted[t - 1] && !promoted;
                let mut x = self.baseline[t] * level[p];
                if self.per_store[s] {
                    x *= store_factor[p];
                }
                if adjust.is_some() {
                    x *= mult;
                }
                // A planned slot that does not run, and the promotion it withholds from the
                // period after it (the draws are made as planned either way).
                let withheld = any_off && off[p];
                let dip_withheld = any_off && p > 0 && off[p - 1];
                // Demand's normal score (SKU-common and idiosyncratic parts).
                let z_demand = match demand.as_mut() {
                    Some(r) => {
                        let z_sku: f64 = r.sample(StandardNormal);
                        a * common[p] + b * z_sku
                    }
                    None => 0.0,
                };
                // Correlated drivers: normal scores from each driver's stream, combined by the
                // Cholesky factor of the drivers present in this cell.
                let mut scores = [f64::NAN; 4];
                if let Some(cc) = &self.cell_copula {
                    let used = [
                        cc.members[0],
                        cc.members[1] && fill.is_some(),
                        cc.members[2] && promoted && uplift.is_some(),
                        cc.members[3] && after_promo && dip.is_some(),
                    ];
                    let mut e = [0.0f64; 4];
                    let (mut k, mut mask) = (0, 0usize);
                    for (d, on) in used.iter().enumerate() {
                        if !on {
                            continue;
                        }
                        e[k] = match d {
                            0 => z_demand,
                            1 => fill.as_mut().map_or(0.0, |r| r.sample(StandardNormal)),
                            2 => uplift.as_mut().map_or(0.0, |r| r.sample(StandardNormal)),
                            _ => dip.as_mut().map_or(0.0, |r| r.sample(StandardNormal)),
                        };
                        k += 1;
                        mask |= 1 << d;
                    }
                    if let Some(Some(l)) = cc.chol.get(mask) {
                        let mut z = [0.0f64; 4];
                        copula::correlate(l, &e[..k], &mut z[..k]);
                        let mut j = 0;
                        for (d, on) in used.iter().enumerate() {
                            if *on {
                                scores[d] = z[j];
                                j += 1;
                            }
                        }
                    }
                }
                let cc = self.cell_copula.as_ref();
                // Uplift and dip are drawn only where used: their draws stay aligned between
                // contracts with the same promotion calendar; demand and fill always are.
                if promoted {
                    let up = match (&self.uplift, uplift.as_mut()) {
                        _ if !scores[2].is_nan() => {
                            cc.and_then(|c| c.uplift.as_ref()).map_or(1.0, |q| q.at(copula::normal_cdf(scores[2])))
                        }
                        (Some(d), Some(r)) => d.sample(r),
                        _ => self.uplift_plan[t],
                    };
                    if !withheld {
                        x *= up.max(0.0);
                    }
                } else if after_promo && let (Some(d), Some(r)) = (&self.dip, dip.as_mut()) {
                    let share = if scores[3].is_nan() {
                        d.sample(r)
                    } else {
                        cc.and_then(|c| c.dip.as_ref()).map_or(0.0, |q| q.at(copula::normal_cdf(scores[3])))
                    };
                    if !dip_withheld {
                        x *= 1.0 - share.clamp(0.0, 1.0);
                    }
                }
                if demand.is_some() {
                    x *= fastexp::exp(self.sigma * z_demand - s2);
                }
                // The promoted flag in effect from here on.
                let promoted = promoted && !withheld;
                let fill_rate = if !scores[1].is_nan() {
                    let q =
                        cc.and_then(
                            |c| if promoted { c.promo_fill.as_ref().or(c.fill.as_ref()) } else { c.fill.as_ref() },
                        );
                    match q {
                        Some(q) => q.at(copula::normal_cdf(scores[1])),
                        None if promoted => self.plan_promo_fill,
                        None => self.plan_fill,
                    }
                } else if withheld {
                    self.fill_draw_withheld(fill.as_mut())
                } else {
                    self.fill_draw(fill.as_mut(), promoted)
                };
                if withheld {
                    unmark_cell(&mut out.cells[i]);
                }
                self.write_cell(&mut out.cells[i], s, p, x, fill_rate, promoted, cols);
                if p < first {
                    out.cells[i] = Cell::default();
                }
            }
        }
    }

    /// Samples scenario `index` into a new outcome.
    pub fn sample(&self, seed: u64, index: u64) -> Outcome {
        let mut o = self.outcome_buffer();
        self.sample_into(seed, index, &mut o);
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast rounding of drawn terms gives exactly the `Decimal` path's value and scale.
    #[test]
    fn round_drawn_equals_the_decimal_path() {
        let same = |x: f64, dp: u32| {
            let (a, b) = (round_drawn(x, dp), round_drawn_exact(x, dp));
            assert_eq!((a.mantissa(), a.scale()), (b.mantissa(), b.scale()), "{x:e} to {dp} decimals");
        };
        let mut rng = crate::streams::stream(1, Factor::Terms, 0, 0);
        for dp in [0u32, 2, 4] {
            let unit = 10f64.powi(-(dp as i32));
            for _ in 0..20_000 {
                // Random magnitudes from 1e-7 to 1e11.
                let u: f64 = rng.random();
                let m: f64 = rng.random();
                let x = m * 10f64.powf(-7.0 + 18.0 * u);
                same(x, dp);
                // Ties and their neighbours, whole values and their neighbours.
                let k = (m * 1e7).floor();
                for v in [(k + 0.5) * unit, k * unit, k, (k + 0.5) * unit * 1e-3] {
                    same(v, dp);
                    same(f64::from_bits(v.to_bits() + 1), dp);
                    if v > 0.0 {
                        same(f64::from_bits(v.to_bits() - 1), dp);
                    }
                }
            }
            for x in [0.0, -0.0, 0.5, 1.0, 2.5, 0.125, 0.005, 1.005, 1e12, 9.1e15, 1e300, f64::INFINITY, f64::NAN] {
                same(x, dp);
            }
        }
    }

    /// The column path draws exactly what the cell-by-cell path draws, on contracts that use
    /// every driver the column path handles (uplift, dip, fills, price wars with a depth or a
    /// fixed gap, openings, returns, trend, correlated SKUs).
    #[test]
    fn column_path_equals_cell_path() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        for file in ["hypermarket.toml", "supermarket.toml", "ecommerce.toml", "bench/ref-52x10.toml", "resources.toml"]
        {
            let c = kasim_core::load(dir.join(file)).unwrap();
            let m = Compiled::new(&c).unwrap();
            let model = Model::new(&m).unwrap();
            let (mut a, mut b) = (model.outcome_buffer(), model.outcome_buffer());
            for k in 0..300 {
                let root = ScenarioKey::new(11, k);
                model.sample_scenario(&root, &mut a, true);
                model.sample_scenario(&root, &mut b, false);
                assert_eq!(a, b, "{file}, scenario {k}");
            }
        }
    }

    /// Under adjustments (demand multipliers, late first periods, withheld slots) the column
    /// path still draws and writes exactly what the cell-by-cell path does.
    #[test]
    fn adjusted_column_path_equals_cell_path() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        for file in ["hypermarket.toml", "supermarket.toml", "ecommerce.toml", "bench/ref-52x10.toml"] {
            let c = kasim_core::load(dir.join(file)).unwrap();
            let m = Compiled::new(&c).unwrap();
            let model = Model::new(&m).unwrap();
            let (n, periods) = (model.skus, model.periods);
            let plan = m.plan_outcome();
            // Every other planned slot withheld, SKU 1 starts in period 4, demand 0.7–1.3.
            let mut count = 0;
            let withheld = plan
                .cells
                .iter()
                .map(|c| {
                    count += usize::from(c.promoted());
                    c.promoted() && count % 2 == 0
                })
                .collect();
            let adjust = Adjust {
                demand: (0..n).map(|s| 0.7 + 0.6 * s as f64 / n as f64).collect(),
                first_period: (0..n).map(|s| if s == 1 { 3.min(periods) } else { 0 }).collect(),
                withheld,
            };
            assert!(count > 1, "{file} has promotions");
            let shared = Shared::default();
            let (mut a, mut b) = (model.outcome_buffer(), model.outcome_buffer());
            for k in 0..200 {
                let root = ScenarioKey::new(11, k);
                a.clone_from(plan);
                b.clone_from(plan);
                model.sample_scenario_with(&root, &mut a, true, Some(&shared), Some(&adjust));
                model.sample_scenario_with(&root, &mut b, false, Some(&shared), Some(&adjust));
                assert_eq!(a, b, "{file}, scenario {k}");
            }
        }
    }
}
