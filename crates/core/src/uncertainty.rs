//! The uncertainty model of a contract year (`[uncertainty]` in a contract file): what the
//! Monte Carlo crate samples instead of the sales plan's expected values.
//!
//! Every uncertain input is a named distribution ([`Dist`]). Values are exact decimals in the
//! file (strings or integers, never floats, like every number in a contract) and are converted
//! to `f64` once, when a simulation is prepared; sampled quantities are rounded to whole units
//! before any money is computed, so settlement stays exact.
//!
//! ```toml
//! [uncertainty]
//! demand_cv = "25%"                  # lognormal noise on each SKU-period, mean 1
//! demand_correlation = "30%"         # correlation of SKUs' demand noise within a period
//! trend = { dist = "normal", mean = "3%", sd = "2%" }
//! promo_uplift = { dist = "triangular", min = "1.5", mode = "2", max = "3" }
//! post_promo_dip = { dist = "uniform", min = "0", max = "20%" }
//! fill_rate = { dist = "pert", min = "90%", mode = "98%", max = "100%" }
//! promo_fill_rate = { dist = "pert", min = "75%", mode = "92%", max = "100%" }
//! returns_rate = { dist = "uniform", min = "1%", max = "3%" }
//! store_openings = { dist = "poisson", mean = "4" }
//! price_war = { probability = "2%", depth = { dist = "uniform", min = "3%", max = "10%" } }
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{Num, Rate};

/// A named probability distribution. Parameters are exact decimals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    /// Always `value`.
    Fixed {
        /// The value.
        value: Num,
    },
    /// Uniform on [min, max].
    Uniform {
        /// Lower bound.
        min: Num,
        /// Upper bound.
        max: Num,
    },
    /// Triangular on [min, max] with the given mode.
    Triangular {
        /// Lower bound.
        min: Num,
        /// Most likely value.
        mode: Num,
        /// Upper bound.
        max: Num,
    },
    /// PERT (a scaled Beta) on [min, max] with the given mode (shape 4).
    Pert {
        /// Lower bound.
        min: Num,
        /// Most likely value.
        mode: Num,
        /// Upper bound.
        max: Num,
    },
    /// Normal with mean and standard deviation.
    Normal {
        /// Mean.
        mean: Num,
        /// Standard deviation.
        sd: Num,
    },
    /// Lognormal given by its mean and coefficient of variation (sd ÷ mean).
    Lognormal {
        /// Mean (> 0).
        mean: Num,
        /// Coefficient of variation (> 0), e.g. "25%".
        cv: Rate,
    },
    /// Poisson with the given mean (counts).
    Poisson {
        /// Mean (≥ 0).
        mean: Num,
    },
    /// 1 with probability `p`, else 0.
    Bernoulli {
        /// Probability.
        p: Rate,
    },
    /// One of `values`, with probabilities proportional to `weights` (empirical).
    Discrete {
        /// The values.
        values: Vec<Num>,
        /// Non-negative weights, one per value (default: equal).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        weights: Vec<Rate>,
    },
}

impl Dist {
    /// The distribution's mean, exactly where it has a closed form.
    pub fn mean(&self) -> Decimal {
        let three = Decimal::from(3);
        match self {
            Dist::Fixed { value } => value.0,
            Dist::Uniform { min, max } => (min.0 + max.0) / Decimal::TWO,
            Dist::Triangular { min, mode, max } => (min.0 + mode.0 + max.0) / three,
            Dist::Pert { min, mode, max } => (min.0 + Decimal::from(4) * mode.0 + max.0) / Decimal::from(6),
            Dist::Normal { mean, .. } | Dist::Lognormal { mean, .. } | Dist::Poisson { mean } => mean.0,
            Dist::Bernoulli { p } => p.0,
            Dist::Discrete { values, weights } => {
                if values.is_empty() {
                    return Decimal::ZERO;
                }
                if weights.is_empty() {
                    return values.iter().map(|v| v.0).sum::<Decimal>() / Decimal::from(values.len());
                }
                let total: Decimal = weights.iter().map(|w| w.0).sum();
                if total.is_zero() {
                    return Decimal::ZERO;
                }
                values.iter().zip(weights).map(|(v, w)| v.0 * w.0).sum::<Decimal>() / total
            }
        }
    }

    /// Problems with the parameters, as messages.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            Dist::Fixed { .. } => {}
            Dist::Uniform { min, max } => {
                if min.0 > max.0 {
                    out.push(format!("min {} is above max {}", min.0, max.0));
                }
            }
            Dist::Triangular { min, mode, max } | Dist::Pert { min, mode, max } => {
                if !(min.0 <= mode.0 && mode.0 <= max.0) || min.0 == max.0 {
                    out.push(format!(
                        "needs min ≤ mode ≤ max and min < max, but is {} / {} / {}",
                        min.0, mode.0, max.0
                    ));
                }
            }
            Dist::Normal { sd, .. } => {
                if sd.0 < Decimal::ZERO {
                    out.push(format!("sd must not be negative, but is {}", sd.0));
                }
            }
            Dist::Lognormal { mean, cv } => {
                if mean.0 <= Decimal::ZERO || cv.0 <= Decimal::ZERO {
                    out.push(format!("mean and cv must be positive, but are {} and {}", mean.0, cv.0));
                }
            }
            Dist::Poisson { mean } => {
                if mean.0 < Decimal::ZERO || mean.0 > Decimal::from(1_000_000) {
                    out.push(format!("mean must be between 0 and 1,000,000, but is {}", mean.0));
                }
            }
            Dist::Bernoulli { p } => {
                if p.0 < Decimal::ZERO || p.0 > Decimal::ONE {
                    out.push(format!("p must be between 0% and 100%, but is {p}"));
                }
            }
            Dist::Discrete { values, weights } => {
                if values.is_empty() {
                    out.push("needs at least one value".into());
                }
                if !weights.is_empty() && weights.len() != values.len() {
                    out.push(format!("{} weights for {} values", weights.len(), values.len()));
                }
                if weights.iter().any(|w| w.0 < Decimal::ZERO) {
                    out.push("weights must not be negative".into());
                }
                if !weights.is_empty() && weights.iter().all(|w| w.0.is_zero()) {
                    out.push("at least one weight must be positive".into());
                }
            }
        }
        out
    }

    /// The smallest and largest value the distribution can take, when bounded.
    pub fn bounds(&self) -> (Option<Decimal>, Option<Decimal>) {
        match self {
            Dist::Fixed { value } => (Some(value.0), Some(value.0)),
            Dist::Uniform { min, max } | Dist::Triangular { min, max, .. } | Dist::Pert { min, max, .. } => {
                (Some(min.0), Some(max.0))
            }
            Dist::Normal { .. } => (None, None),
            Dist::Lognormal { .. } | Dist::Poisson { .. } => (Some(Decimal::ZERO), None),
            Dist::Bernoulli { .. } => (Some(Decimal::ZERO), Some(Decimal::ONE)),
            Dist::Discrete { values, .. } => (values.iter().map(|v| v.0).min(), values.iter().map(|v| v.0).max()),
        }
    }
}

/// Price wars: in each period, with some probability, rivals cut prices and the retailer
/// matches every SKU down by a sampled depth (a share of the shelf price in effect).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceWar {
    /// Probability of a price war in a period (shared by all SKUs).
    pub probability: Rate,
    /// Depth of the match as a share of the shelf price in effect, drawn per war-period.
    /// Give this or `gap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<Dist>,
    /// Or: a fixed price gap per unit matched in a war-period (e.g. "0.30").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<crate::money::Money>,
    /// Only promoted SKU-periods are matched (default false: every SKU).
    #[serde(default)]
    pub promoted_only: bool,
}

/// What is uncertain in a contract year.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Uncertainty {
    /// Coefficient of variation of demand per SKU-period (lognormal noise with mean 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_cv: Option<Rate>,
    /// Or: the lognormal σ of the demand noise directly (mean still 1): exp(σz − σ²/2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_sigma: Option<Rate>,
    /// Correlation of the SKUs' demand noise within a period (Gaussian copula,
    /// equicorrelation), 0–100%. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_correlation: Option<Rate>,
    /// Annual demand trend, one draw per scenario: demand in period p is multiplied by
    /// 1 + trend × (p − ½) ÷ periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<Dist>,
    /// Promotion uplift, drawn per promoted SKU-period; replaces the plan's uplift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo_uplift: Option<Dist>,
    /// Post-promotion dip: share of baseline demand lost in the period after a promotion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_promo_dip: Option<Dist>,
    /// Fill rate (delivered ÷ ordered) per SKU-period outside promotions; clamped to 0–100%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill_rate: Option<Dist>,
    /// Fill rate per promoted SKU-period (default: `fill_rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo_fill_rate: Option<Dist>,
    /// Returns rate, one draw per scenario; clamped to 0–100%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns_rate: Option<Dist>,
    /// Store openings in the year, one draw per scenario (rounded, ≥ 0), each in a uniformly
    /// drawn period; replaces the retailer's planned openings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_openings: Option<Dist>,
    /// Price wars driving price-match funding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_war: Option<PriceWar>,
    /// The retailer's flyer run rate (档期执行率): the probability that a planned flyer runs,
    /// drawn once per scenario (a fixed value is a plain probability); each period's flyer then
    /// runs with that probability. Replaces the plan's `performance.flyers_missed`. What
    /// `condition = { kind = "flyer_ran" }` reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flyer_run_rate: Option<Dist>,
    /// Display compliance (陈列到位率): the share of stores with the contracted display in
    /// place, drawn per period; clamped to 0–100%. Replaces the plan's
    /// `performance.display_compliance`. What `condition = { kind = "facings_delivered" }`
    /// reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_compliance: Option<Dist>,
    /// Negotiated terms that are not settled yet, each a distribution over its value, e.g.
    /// `{ path = "fees.entry.amount", dist = "triangular", min = "150000", mode = "200000",
    /// max = "300000" }`: "what we may end up signing". Drawn once per scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<TermDist>,
    /// Correlations between drivers (Gaussian copula on normal scores): between per-cell
    /// drivers (`demand`, `fill_rate`, `promo_uplift`, `post_promo_dip`) or between
    /// per-scenario drivers (`trend`, `returns_rate`, `store_openings`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlations: Vec<Correlation>,
}

/// A driver that can be correlated with another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Driver {
    /// Demand noise of a SKU-period (`demand_cv` / `demand_sigma`).
    Demand,
    /// Fill rate of a SKU-period (`fill_rate`, and `promo_fill_rate` in promoted cells).
    FillRate,
    /// Promotion uplift of a promoted SKU-period.
    PromoUplift,
    /// Post-promotion dip of the SKU-period after a promotion.
    PostPromoDip,
    /// The scenario's trend.
    Trend,
    /// The scenario's returns rate.
    ReturnsRate,
    /// The scenario's store openings.
    StoreOpenings,
}

impl Driver {
    /// True for drivers drawn per SKU-period, false for those drawn per scenario.
    pub fn per_cell(self) -> bool {
        matches!(self, Driver::Demand | Driver::FillRate | Driver::PromoUplift | Driver::PostPromoDip)
    }
}

/// A correlation between two drivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// One driver.
    pub a: Driver,
    /// The other driver.
    pub b: Driver,
    /// The correlation of their normal scores, −100% to 100%.
    pub rho: Rate,
}

/// A contract term drawn from a distribution (paths as in [`crate::terms`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TermDist {
    /// The term's path, e.g. `fees.entry.amount`.
    pub path: String,
    /// Its distribution.
    #[serde(flatten)]
    pub dist: Dist,
}

impl Uncertainty {
    /// Every distribution with its key, for validation and reports.
    pub fn named(&self) -> Vec<(&'static str, &Dist)> {
        let mut v = Vec::new();
        for (k, d) in [
            ("trend", &self.trend),
            ("promo_uplift", &self.promo_uplift),
            ("post_promo_dip", &self.post_promo_dip),
            ("fill_rate", &self.fill_rate),
            ("promo_fill_rate", &self.promo_fill_rate),
            ("returns_rate", &self.returns_rate),
            ("store_openings", &self.store_openings),
            ("flyer_run_rate", &self.flyer_run_rate),
            ("display_compliance", &self.display_compliance),
        ] {
            if let Some(d) = d {
                v.push((k, d));
            }
        }
        if let Some(d) = self.price_war.as_ref().and_then(|w| w.depth.as_ref()) {
            v.push(("price_war.depth", d));
        }
        v
    }
}

/// A Cholesky pivot at or below 10⁻¹²: the correlation matrix is not positive definite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FailedPivot {
    /// The 0-based row whose pivot failed.
    pub row: usize,
    /// The pivot there.
    pub pivot: f64,
}

/// Lower-triangular Cholesky factor of a correlation matrix (row-major). Validation and the
/// simulation's copula both use it, so a matrix `validate` accepts is one the simulation can
/// draw from (the same test and tolerance).
///
/// # Errors
///
/// [`FailedPivot`] when a pivot is at or below 10⁻¹²: the requested correlations cannot hold
/// together.
pub fn cholesky(m: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, FailedPivot> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - s;
                if d <= 1e-12 {
                    return Err(FailedPivot { row: i, pivot: d });
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    Ok(l)
}
