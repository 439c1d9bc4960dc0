//! Sensitivity (tornado and rank correlation) and goal seek, built on the runner with common
//! random numbers: every variant of a contract sees the same sampled years, so the differences
//! between them are the effect of the input alone.

use kasim_core::uncertainty::{Dist, Uncertainty};
use kasim_core::{Compiled, Contract, terms};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::dist::Sampler;
use crate::runner::{RunConfig, run};
use crate::sampler::Model;
use crate::stats::{Summary, quantile};
use crate::streams::{Factor, stream};
use crate::{Error, Results};

/// A statistic of net contribution to analyse. Serialised as it is written on the command
/// line and shown in tables: `"mean"`, `"P10"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    /// The mean.
    Mean,
    /// A percentile, 1–99 (P10 = the level net contribution falls below in 10% of years).
    Percentile(u32),
}

impl std::str::FromStr for Stat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Stat, Error> {
        let t = s.trim().to_ascii_lowercase();
        if t == "mean" {
            return Ok(Stat::Mean);
        }
        match t.strip_prefix('p').and_then(|n| n.parse::<u32>().ok()) {
            Some(q) if (1..=99).contains(&q) => Ok(Stat::Percentile(q)),
            _ => Err(Error::BadStatistic { text: s.to_string() }),
        }
    }
}

impl std::fmt::Display for Stat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stat::Mean => f.write_str("mean"),
            Stat::Percentile(q) => write!(f, "P{q}"),
        }
    }
}

impl Serialize for Stat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Stat {
    /// The statistic of net contribution over one contract's results, in currency units.
    pub fn of(&self, r: &Results) -> Decimal {
        let mut v: Vec<i64> = r.rows.iter().map(|x| x.net_contribution).collect();
        v.sort_unstable();
        match self {
            Stat::Mean => Summary::of_sorted_cents(&v).mean,
            Stat::Percentile(q) => {
                let c = quantile(&v, f64::from(*q) / 100.0);
                Decimal::from_f64_retain(c / 100.0).unwrap_or_default().round_dp(2)
            }
        }
    }
}

/// Runs one contract and returns the statistic of its net contribution.
///
/// # Errors
///
/// When the contract does not compile or a scenario fails to settle.
pub fn statistic(contract: &Contract, cfg: &RunConfig, stat: Stat) -> Result<Decimal, Error> {
    let compiled = Compiled::new(contract)?;
    let model = Model::new(&compiled)?;
    let r = run(std::slice::from_ref(&model), cfg)?;
    Ok(stat.of(&r[0]))
}

/// Empirical quantiles of a distribution from a fixed stream (deterministic).
///
/// # Errors
///
/// When the distribution's parameters cannot be sampled.
pub fn dist_quantiles(d: &Dist, qs: &[f64]) -> Result<Vec<f64>, Error> {
    let s = Sampler::new(d, "quantile")?;
    let mut rng = stream(0x5EED, Factor::Trend, 0, 0);
    let mut xs: Vec<f64> = (0..20_001).map(|_| s.sample(&mut rng)).collect();
    xs.sort_by(f64::total_cmp);
    Ok(qs.iter().map(|q| xs[((xs.len() - 1) as f64 * q).round() as usize]).collect())
}

/// One input of a sensitivity analysis and the two values it is fixed at.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Input {
    /// `uncertainty.<key>` for an uncertain input, or the term's path.
    pub name: String,
    /// The low value (P10, or the lower end of a term's range).
    pub low: Decimal,
    /// The high value (P90, or the upper end of a term's range).
    pub high: Decimal,
}

fn dec(x: f64) -> Decimal {
    Decimal::from_f64_retain(x).unwrap_or_default().round_dp(6).normalize()
}

/// The inputs of a contract's sensitivity analysis: every uncertain input at its P10 and P90,
/// and every negotiated term (`uncertainty.terms`) at the ends of its range (P10/P90 when
/// unbounded).
///
/// # Errors
///
/// When a distribution cannot be sampled.
pub fn inputs(contract: &Contract) -> Result<Vec<Input>, Error> {
    let Some(u) = &contract.uncertainty else { return Ok(vec![]) };
    let mut out = Vec::new();
    for (key, d) in u.named() {
        let q = dist_quantiles(d, &[0.1, 0.9])?;
        if q[0] != q[1] {
            out.push(Input { name: format!("uncertainty.{key}"), low: dec(q[0]), high: dec(q[1]) });
        }
    }
    for t in &u.terms {
        let (lo, hi) = match t.dist.bounds() {
            (Some(l), Some(h)) => (l, h),
            _ => {
                let q = dist_quantiles(&t.dist, &[0.1, 0.9])?;
                (dec(q[0]), dec(q[1]))
            }
        };
        out.push(Input { name: t.path.clone(), low: lo, high: hi });
    }
    Ok(out)
}

/// The contract with one input fixed at a value.
///
/// # Errors
///
/// [`Error::UnknownInput`], [`Error::NoPriceWar`], or [`Error::Term`] for a term path the
/// contract lacks.
pub fn with_input(contract: &Contract, name: &str, value: Decimal) -> Result<Contract, Error> {
    let mut c = contract.clone();
    let fixed = Dist::Fixed { value: kasim_core::money::Num(value) };
    let u: &mut Uncertainty = c.uncertainty.get_or_insert_with(Uncertainty::default);
    if let Some(key) = name.strip_prefix("uncertainty.") {
        let slot = match key {
            "trend" => &mut u.trend,
            "promo_uplift" => &mut u.promo_uplift,
            "post_promo_dip" => &mut u.post_promo_dip,
            "fill_rate" => &mut u.fill_rate,
            "promo_fill_rate" => &mut u.promo_fill_rate,
            "returns_rate" => &mut u.returns_rate,
            "store_openings" => &mut u.store_openings,
            "price_war.depth" => match u.price_war.as_mut() {
                Some(w) => &mut w.depth,
                None => return Err(Error::NoPriceWar { name: name.to_string() }),
            },
            _ => return Err(Error::UnknownInput { name: name.to_string() }),
        };
        *slot = Some(fixed);
        return Ok(c);
    }
    u.terms.retain(|t| t.path != name);
    terms::set(&mut c, name, value).map_err(|reason| Error::Term { path: name.to_string(), reason })?;
    Ok(c)
}

/// One bar of a tornado chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bar {
    /// The input.
    pub input: Input,
    /// The statistic with the input at its low value.
    pub at_low: Decimal,
    /// The statistic with the input at its high value.
    pub at_high: Decimal,
    /// |at_high − at_low|.
    pub swing: Decimal,
}

/// A tornado: the base statistic and one bar per input, widest swing first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tornado {
    /// The statistic analysed.
    pub stat: Stat,
    /// Its value with every input uncertain.
    pub base: Decimal,
    /// Bars, widest first.
    pub bars: Vec<Bar>,
}

/// One-at-a-time sensitivity: each input fixed at its low and high value, the others as
/// modelled, all runs on the same seed (common random numbers).
///
/// # Errors
///
/// When a variant does not compile or settle.
pub fn tornado(contract: &Contract, cfg: &RunConfig, stat: Stat) -> Result<Tornado, Error> {
    let base = statistic(contract, cfg, stat)?;
    let mut bars = Vec::new();
    for input in inputs(contract)? {
        let at_low = statistic(&with_input(contract, &input.name, input.low)?, cfg, stat)?;
        let at_high = statistic(&with_input(contract, &input.name, input.high)?, cfg, stat)?;
        bars.push(Bar { swing: (at_high - at_low).abs(), input, at_low, at_high });
    }
    bars.sort_by(|a, b| b.swing.cmp(&a.swing).then_with(|| a.input.name.cmp(&b.input.name)));
    Ok(Tornado { stat, base, bars })
}

/// Spearman rank correlation of two equally long samples (average ranks for ties).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]).then(a.cmp(&b)));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            let avg = (i + j) as f64 / 2.0 + 1.0;
            for k in &idx[i..=j] {
                r[*k] = avg;
            }
            i = j + 1;
        }
        r
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 { 0.0 } else { sxy / (sxx * syy).sqrt() }
}

/// Rank correlation of each per-scenario input (trend, returns rate, store openings, drawn
/// terms) with net contribution, over the scenarios of one run.
///
/// # Errors
///
/// When the contract does not compile or settle.
pub fn rank_correlations(contract: &Contract, cfg: &RunConfig) -> Result<Vec<(String, f64)>, Error> {
    let compiled = Compiled::new(contract)?;
    let model = Model::new(&compiled)?;
    let r = run(std::slice::from_ref(&model), cfg)?;
    let y: Vec<f64> = r[0].rows.iter().map(|x| x.net_contribution as f64).collect();
    let names = model.scenario_input_names();
    let mut cols: Vec<Vec<f64>> = vec![Vec::with_capacity(y.len()); names.len()];
    for k in 0..cfg.runs {
        for (c, v) in cols.iter_mut().zip(model.scenario_inputs(cfg.seed, k)) {
            c.push(v);
        }
    }
    let mut out: Vec<(String, f64)> = names.into_iter().zip(cols.iter().map(|c| spearman(c, &y))).collect();
    out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// The result of a goal seek.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GoalSeek {
    /// The term.
    pub term: String,
    /// The statistic.
    pub stat: Stat,
    /// The target.
    pub target: Decimal,
    /// The term's value found (to the cent for money, 0.01% for rates, whole for counts).
    pub value: Decimal,
    /// The statistic at that value.
    pub achieved: Decimal,
    /// Simulations run.
    pub evaluations: u32,
}

/// Finds the value of a term in \[low, high\] at which the statistic of net contribution reaches
/// `target`, by bisection on the same scenarios (the statistic must change sign across the
/// range around the target; it is usually monotone in a fee or rate).
///
/// # Errors
///
/// [`Error::EmptyRange`] when `low >= high`, [`Error::Term`] for an unknown term,
/// [`Error::GoalNotBracketed`] when the target is not between the statistic at both ends,
/// and any error of running a variant.
pub fn goal_seek(
    contract: &Contract,
    term: &str,
    stat: Stat,
    target: Decimal,
    low: Decimal,
    high: Decimal,
    cfg: &RunConfig,
) -> Result<GoalSeek, Error> {
    if low >= high {
        return Err(Error::EmptyRange { low, high });
    }
    let kind = terms::kind(contract, term).map_err(|reason| Error::Term { path: term.to_string(), reason })?;
    let step = match kind {
        terms::TermKind::Money => Decimal::new(1, 2),
        terms::TermKind::Rate => Decimal::new(1, 4),
        terms::TermKind::Count => Decimal::ONE,
    };
    let dp = step.scale();
    let evaluations = std::cell::Cell::new(0u32);
    let eval = |v: Decimal| -> Result<Decimal, Error> {
        evaluations.set(evaluations.get() + 1);
        Ok(statistic(&with_input(contract, term, v)?, cfg, stat)? - target)
    };
    let (mut lo, mut hi) = (low, high);
    let (mut f_lo, f_hi) = (eval(lo)?, eval(hi)?);
    if f_lo.is_zero() {
        hi = lo;
    } else if f_hi.is_zero() {
        lo = hi;
    } else if (f_lo > Decimal::ZERO) == (f_hi > Decimal::ZERO) {
        return Err(Error::GoalNotBracketed {
            term: term.to_string(),
            stat,
            target,
            low,
            high,
            at_low: f_lo + target,
            at_high: f_hi + target,
        });
    }
    while hi - lo > step {
        let mid = ((lo + hi) / Decimal::TWO).round_dp(dp);
        if mid == lo || mid == hi {
            break;
        }
        let f = eval(mid)?;
        if f.is_zero() {
            lo = mid;
            hi = mid;
            break;
        }
        if (f > Decimal::ZERO) == (f_lo > Decimal::ZERO) {
            lo = mid;
            f_lo = f;
        } else {
            hi = mid;
        }
        if evaluations.get() > 200 {
            break;
        }
    }
    // Report the end whose statistic is closer to the target.
    let (a, b) = (eval(lo)?, eval(hi)?);
    let value = if a.abs() <= b.abs() { lo } else { hi };
    let achieved = statistic(&with_input(contract, term, value)?, cfg, stat)?;
    Ok(GoalSeek { term: term.to_string(), stat, target, value, achieved, evaluations: evaluations.get() + 1 })
}
