//! Sampling the named distributions of a contract's `[uncertainty]`.
//!
//! Parameters are exact decimals in the file and become `f64` once, here. Samplers come from
//! `rand_distr` 0.6 (pinned by a golden first-draws test, so an upgrade cannot silently change
//! results).

use kasim_core::uncertainty::Dist;
use rand::Rng;
use rand::distr::{Distribution, Uniform};
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
    /// A discrete distribution with at most 8 values (the common two-point "stockout or not"
    /// case): one uniform draw compared with the cumulative probabilities, cheaper than a
    /// weighted index.
    SmallDiscrete(SmallTable),
}

/// The table of a [`Sampler::SmallDiscrete`], held inline.
///
/// A uniform draw is `u = m · 2⁻⁵³` with `m` the top 53 bits of one `u64`, and the value drawn
/// is the first whose cumulative probability `c` exceeds `u`. Because `u < c ⇔ m < ⌈c · 2⁵³⌉`
/// exactly, the table keeps those integer thresholds and compares `m` with them in order, with
/// no conversion to `f64` — the same draws as comparing `u` with `c`. (A branch-free count
/// over all eight thresholds measured slower: the first comparison decides 97% of the draws.)
#[derive(Clone, Debug)]
pub struct SmallTable {
    len: usize,
    values: [f64; 8],
    thresholds: [u64; 8],
}

impl SmallTable {
    fn new(values: &[f64], cumulative: &[f64]) -> SmallTable {
        let mut t = SmallTable { len: values.len(), values: [0.0; 8], thresholds: [u64::MAX; 8] };
        debug_assert!(!values.is_empty() && values.len() <= 8);
        for (i, (v, c)) in values.iter().zip(cumulative).enumerate() {
            t.values[i] = *v;
            t.thresholds[i] = (c * (1u64 << 53) as f64).ceil() as u64;
        }
        t
    }

    /// One draw.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let m = rng.next_u64() >> 11;
        let i = self.thresholds[..self.len].iter().position(|&t| m < t).unwrap_or(self.len - 1);
        self.values[i]
    }
}

pub(crate) fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

impl Sampler {
    /// Prepares a distribution. `what` names it in errors.
    ///
    /// # Errors
    ///
    /// [`Error::BadDistribution`] (naming `what`) when the parameters do not define a
    /// distribution, as `rand_distr` checks them: for example `min > max`, a mode outside the
    /// range, a negative standard deviation, a probability outside 0–1, or discrete weights
    /// that are negative or sum to 0.
    pub fn new(d: &Dist, what: &str) -> Result<Sampler, Error> {
        let bad = |reason: String| Error::BadDistribution { what: what.to_string(), reason };
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
                    Sampler::SmallDiscrete(SmallTable::new(&v, &cumulative.collect::<Vec<_>>()))
                } else {
                    Sampler::Discrete(v, WeightedIndex::new(w).map_err(|e| bad(e.to_string()))?)
                }
            }
        })
    }

    /// The table of a small discrete distribution (for loops that draw many in a row).
    pub fn small_table(&self) -> Option<&SmallTable> {
        match self {
            Sampler::SmallDiscrete(t) => Some(t),
            _ => None,
        }
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
            Sampler::SmallDiscrete(t) => t.sample(rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    /// The integer thresholds draw exactly what comparing `u: f64` with the cumulative
    /// probabilities draws, including at the boundaries.
    #[test]
    fn small_table_equals_float_scan() {
        let tables: [(&[f64], &[f64]); 3] =
            [(&[1.0, 0.7], &[0.97, 1.0]), (&[1.0, 2.0, 3.0], &[0.1, 0.30000000000000004, 1.0]), (&[5.0], &[1.0])];
        for (values, cum) in tables {
            let t = SmallTable::new(values, cum);
            let mut a = crate::streams::stream(5, crate::streams::Factor::Fill, 1, 2);
            let mut b = a.clone();
            for _ in 0..100_000 {
                let u: f64 = b.random();
                let want = values[cum.iter().position(|&c| u < c).unwrap_or(values.len() - 1)];
                assert_eq!(t.sample(&mut a), want);
            }
            // Exactly at a threshold: u = c is not below c.
            for (i, c) in cum.iter().enumerate() {
                let m = (c * (1u64 << 53) as f64) as u64;
                let u = m as f64 / (1u64 << 53) as f64;
                let want = values[cum.iter().position(|&c| u < c).unwrap_or(values.len() - 1)];
                let first = t.thresholds[..t.len].iter().position(|&th| m < th).unwrap_or(t.len - 1);
                assert_eq!(t.values[first], want, "threshold {i}");
            }
        }
    }
}
