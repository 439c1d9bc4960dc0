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

use kasim_core::outcome::MAX_UNITS;
use kasim_core::uncertainty::Uncertainty;
use kasim_core::{Compiled, Outcome};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::Error;
use crate::dist::{Sampler, f};
use crate::streams::{Factor, sku_key, stream};

/// A contract prepared for sampling: the compiled contract plus its uncertainty in `f64`.
pub struct Model<'c> {
    /// The compiled contract.
    pub compiled: &'c Compiled<'c>,
    periods: usize,
    skus: usize,
    baseline: Vec<f64>,
    uplift_plan: Vec<f64>,
    per_store: Vec<bool>,
    planned_stores: Vec<f64>,
    keys: Vec<u64>,
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
    war: Option<(f64, Sampler, bool)>,
}

fn opt(d: &Option<kasim_core::uncertainty::Dist>, what: &str) -> Result<Option<Sampler>, Error> {
    d.as_ref().map(|d| Sampler::new(d, what)).transpose()
}

#[inline]
fn units(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 { 0 } else { ((x + 0.5).floor() as u64).min(MAX_UNITS) }
}

impl<'c> Model<'c> {
    /// Prepares a compiled contract for sampling. A contract without `[uncertainty]` samples
    /// its plan exactly (every scenario equals the plan).
    pub fn new(compiled: &'c Compiled<'c>) -> Result<Model<'c>, Error> {
        let c = compiled.contract;
        let default = Uncertainty::default();
        let u = c.uncertainty.as_ref().unwrap_or(&default);
        let periods = compiled.periods();
        let skus = compiled.skus.len();
        let mut baseline = Vec::with_capacity(periods * skus);
        let mut uplift_plan = Vec::with_capacity(periods * skus);
        for p in 0..periods {
            for s in 0..skus {
                let pc = compiled.plan_cell(p, s);
                baseline.push(f(pc.baseline));
                uplift_plan.push(f(pc.uplift));
            }
        }
        let plan = compiled.plan_outcome();
        let mut stores = f64::from(compiled.stores_at_start());
        let planned_stores = (0..periods)
            .map(|p| {
                stores += f64::from(plan.store_openings[p]);
                stores
            })
            .collect();
        let cv = u.demand_cv.map_or(0.0, |r| f(r.0));
        let plan_fill = f(c.plan.fill_rate.0);
        Ok(Model {
            compiled,
            periods,
            skus,
            baseline,
            uplift_plan,
            per_store: (0..skus).map(|s| compiled.scales_with_stores(s)).collect(),
            planned_stores,
            keys: compiled.skus.iter().map(|k| sku_key(&k.id)).collect(),
            shelf_micro: compiled.skus.iter().map(|k| k.shelf_micro).collect(),
            sigma: (1.0 + cv * cv).ln().sqrt(),
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
            war: match &u.price_war {
                Some(w) => {
                    Some((f(w.probability.0), Sampler::new(&w.depth, "uncertainty.price_war.depth")?, w.promoted_only))
                }
                None => None,
            },
        })
    }

    /// A buffer of the right shape for [`Model::sample_into`].
    pub fn outcome_buffer(&self) -> Outcome {
        self.compiled.plan_outcome().clone()
    }

    /// Samples scenario `index` of the run seeded `seed` into `out` (overwritten).
    pub fn sample_into(&self, seed: u64, index: u64, out: &mut Outcome) {
        let (n, periods) = (self.skus, self.periods);
        let plan = self.compiled.plan_outcome();
        out.cells.copy_from_slice(&plan.cells);

        // Scenario-level draws.
        let trend = self.trend.as_ref().map_or(0.0, |d| d.sample(&mut stream(seed, Factor::Trend, 0, index)));
        let returns_rate = match &self.returns {
            Some(d) => d.sample(&mut stream(seed, Factor::Returns, 0, index)).clamp(0.0, 1.0),
            None => self.plan_returns,
        };
        match &self.openings {
            Some(d) => {
                let mut rng = stream(seed, Factor::Openings, 0, index);
                let count = units(d.sample(&mut rng)).min(100_000);
                out.store_openings.iter_mut().for_each(|x| *x = 0);
                for _ in 0..count {
                    let p = (rng.next_u64() % periods as u64) as usize;
                    out.store_openings[p] += 1;
                }
            }
            None => out.store_openings.copy_from_slice(&plan.store_openings),
        }
        let mut stores = f64::from(self.compiled.stores_at_start());
        let mut store_factor = [1.0f64; 53];
        for p in 0..periods {
            stores += f64::from(out.store_openings[p]);
            store_factor[p.min(52)] = if self.planned_stores[p] > 0.0 { stores / self.planned_stores[p] } else { 1.0 };
        }

        // Common demand factor per period and price wars.
        let mut common = [0.0f64; 53];
        if self.rho > 0.0 {
            let mut rng = stream(seed, Factor::DemandCommon, 0, index);
            for z in common.iter_mut().take(periods) {
                *z = rng.sample(StandardNormal);
            }
        }
        let mut war_depth = [0.0f64; 53];
        if let Some((prob, depth, _)) = &self.war {
            let mut rng = stream(seed, Factor::PriceWar, 0, index);
            for d in war_depth.iter_mut().take(periods) {
                let u: f64 = rng.random();
                let x = depth.sample(&mut rng);
                if u < *prob {
                    *d = x.clamp(0.0, 1.0);
                }
            }
        }

        let (a, b) = (self.rho.sqrt(), (1.0 - self.rho).sqrt());
        let s2 = self.sigma * self.sigma / 2.0;
        for s in 0..n {
            let key = self.keys[s];
            let mut demand = stream(seed, Factor::Demand, key, index);
            let mut uplift = self.uplift.as_ref().map(|_| stream(seed, Factor::Uplift, key, index));
            let mut dip = self.dip.as_ref().map(|_| stream(seed, Factor::Dip, key, index));
            let mut fill =
                (self.fill.is_some() || self.promo_fill.is_some()).then(|| stream(seed, Factor::Fill, key, index));
            for p in 0..periods {
                let i = p * n + s;
                let cell = &mut out.cells[i];
                let promoted = cell.promoted();
                // Draw every factor for every cell (fixed consumption per cell).
                let z_sku: f64 = demand.sample(StandardNormal);
                let up = match (&self.uplift, uplift.as_mut()) {
                    (Some(d), Some(r)) => d.sample(r),
                    _ => self.uplift_plan[i],
                };
                let dip_share = match (&self.dip, dip.as_mut()) {
                    (Some(d), Some(r)) => d.sample(r).clamp(0.0, 1.0),
                    _ => 0.0,
                };
                let fill_draw = match fill.as_mut() {
                    Some(r) => {
                        let normal = self.fill.as_ref().map(|d| d.sample(r));
                        let promo = self.promo_fill.as_ref().map(|d| d.sample(r));
                        if promoted {
                            promo.or(normal).unwrap_or(self.plan_promo_fill)
                        } else {
                            normal.unwrap_or(self.plan_fill)
                        }
                    }
                    None => {
                        if promoted {
                            self.plan_promo_fill
                        } else {
                            self.plan_fill
                        }
                    }
                };
                let mut x = self.baseline[i] * (1.0 + trend * (p as f64 + 0.5) / periods as f64);
                if self.per_store[s] {
                    x *= store_factor[p.min(52)];
                }
                if promoted {
                    x *= up.max(0.0);
                }
                if p > 0 && out_prev_promoted(plan, p - 1, s) && !promoted {
                    x *= 1.0 - dip_share;
                }
                if self.sigma > 0.0 {
                    let z = a * common[p.min(52)] + b * z_sku;
                    x *= (self.sigma * z - s2).exp();
                }
                cell.ordered = units(x);
                cell.delivered = units(cell.ordered as f64 * fill_draw.clamp(0.0, 1.0)).min(cell.ordered);
                cell.returned = units(cell.delivered as f64 * returns_rate);
                cell.sold = cell.delivered - cell.returned.min(cell.delivered);
                let war = war_depth[p.min(52)];
                if war > 0.0 && (promoted || !self.war.as_ref().is_some_and(|w| w.2)) {
                    let price = if cell.promo_price_micro > 0 { cell.promo_price_micro } else { self.shelf_micro[s] };
                    let gap = (price as f64 * war).round() as i64;
                    cell.match_gap_micro = cell.match_gap_micro.max(gap.clamp(0, price));
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

#[inline]
fn out_prev_promoted(plan: &Outcome, p: usize, s: usize) -> bool {
    plan.cell(p, s).promoted()
}
