//! Sampling the named distributions of a contract's `[uncertainty]`.
//!
//! Parameters are exact decimals in the file and become `f64` once, here. Samplers come from
//! `rand_distr` 0.6 (pinned by a golden first-draws test, so an upgrade cannot silently change
//! results).

use kasim_core::uncertainty::Dist;
use rand::distr::{Distribution, Uniform};
use rand::{Rng, RngExt};
use rand_distr::{Bernoulli, LogNormal, Normal, Pert, Poisson, Triangular, weighted::WeightedIndex};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::Error;

/// A distribution ready to sample.
#[derive(Clone, Debug)]
pub enum Sampler {
    /// A constant.
    Fixed(f64),
    /// Uniform.
    Uniform(Uniform<f64>),
    /// Triangular.
    Triangular(Triangular<f64>),
    /// PERT.
    Pert(Pert<f64>),
    /// Normal.
    Normal(Normal<f64>),
    /// Lognormal (parameterised from mean and CV).
    LogNormal(LogNormal<f64>),
    /// Poisson.
    Poisson(Poisson<f64>),
    /// Bernoulli (1.0 or 0.0).
    Bernoulli(Bernoulli),
    /// Discrete values with weights.
    Discrete(Vec<f64>, WeightedIndex<f64>),
    /// A discrete distribution with at most 8 values: one uniform draw and a linear scan of
    /// the cumulative probabilities (cheaper than a weighted index for the common two-point
    /// "stockout or not" case).
    SmallDiscrete(Vec<f64>, Vec<f64>),
}

pub(crate) fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

impl Sampler {
    /// Prepares a distribution. `what` names it in errors.
    pub fn new(d: &Dist, what: &str) -> Result<Sampler, Error> {
        let bad = |e: String| Error::Model(format!("{what}: {e}"));
        Ok(match d {
            Dist::Fixed { value } => Sampler::Fixed(f(value.0)),
            Dist::Uniform { min, max } => {
                if min.0 == max.0 {
                    Sampler::Fixed(f(min.0))
                } else {
                    Sampler::Uniform(Uniform::new_inclusive(f(min.0), f(max.0)).map_err(|e| bad(e.to_string()))?)
                }
            }
            Dist::Triangular { min, mode, max } => {
                Sampler::Triangular(Triangular::new(f(min.0), f(max.0), f(mode.0)).map_err(|e| bad(e.to_string()))?)
            }
            Dist::Pert { min, mode, max } => {
                Sampler::Pert(Pert::new(f(min.0), f(max.0)).with_mode(f(mode.0)).map_err(|e| bad(e.to_string()))?)
            }
            Dist::Normal { mean, sd } => {
                Sampler::Normal(Normal::new(f(mean.0), f(sd.0)).map_err(|e| bad(e.to_string()))?)
            }
            Dist::Lognormal { mean, cv } => {
                let (m, c) = (f(mean.0), f(cv.0));
                let sigma2 = (1.0 + c * c).ln();
                let mu = m.ln() - sigma2 / 2.0;
                Sampler::LogNormal(LogNormal::new(mu, sigma2.sqrt()).map_err(|e| bad(e.to_string()))?)
            }
            Dist::Poisson { mean } => {
                let m = f(mean.0);
                if m == 0.0 {
                    Sampler::Fixed(0.0)
                } else {
                    Sampler::Poisson(Poisson::new(m).map_err(|e| bad(e.to_string()))?)
                }
            }
            Dist::Bernoulli { p } => Sampler::Bernoulli(Bernoulli::new(f(p.0)).map_err(|e| bad(e.to_string()))?),
            Dist::Discrete { values, weights } => {
                let v: Vec<f64> = values.iter().map(|x| f(x.0)).collect();
                let w: Vec<f64> =
                    if weights.is_empty() { vec![1.0; v.len()] } else { weights.iter().map(|x| f(x.0)).collect() };
                if v.len() <= 8 {
                    let total: f64 = w.iter().sum();
                    if total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || w.iter().any(|x| *x < 0.0) {
                        return Err(bad("weights must be non-negative with a positive sum".into()));
                    }
                    let mut acc = 0.0;
                    let cumulative = w.iter().map(|x| {
                        acc += x / total;
                        acc
                    });
                    Sampler::SmallDiscrete(v, cumulative.collect())
                } else {
                    Sampler::Discrete(v, WeightedIndex::new(w).map_err(|e| bad(e.to_string()))?)
                }
            }
        })
    }

    /// One draw.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Fixed(x) => *x,
            Sampler::Uniform(d) => d.sample(rng),
            Sampler::Triangular(d) => d.sample(rng),
            Sampler::Pert(d) => d.sample(rng),
            Sampler::Normal(d) => d.sample(rng),
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Poisson(d) => d.sample(rng),
            Sampler::Bernoulli(d) => {
                if d.sample(rng) {
                    1.0
                } else {
                    0.0
                }
            }
            Sampler::Discrete(v, w) => v[w.sample(rng)],
            Sampler::SmallDiscrete(v, cum) => {
                let u: f64 = rng.random();
                let i = cum.iter().position(|&c| u < c).unwrap_or(v.len() - 1);
                v[i]
            }
        }
    }
}
