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
    /// `uncertainty.<key>` for an uncertain input, `resources.effects.<key>` for a drawn
    /// effect of the relationship resources, or the term's path.
    pub name: String,
    /// The low value (P10, or the lower end of a term's range).
    pub low: Decimal,
    /// The high value (P90, or the upper end of a term's range).
    pub high: Decimal,
    /// What kind of number the values are (how they read: a rate as a percentage).
    pub unit: InputUnit,
    /// Where the input and its two values come from.
    pub source: InputSource,
}

/// What kind of number a sensitivity input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputUnit {
    /// A rate or share as a fraction (`0.017` = 1.7%): trend, fill and returns rates, a fee rate.
    Rate,
    /// A multiplier (the promotion uplift, ×1.8).
    Multiplier,
    /// A whole count (store openings, payment days, promoters).
    Count,
    /// An amount of money.
    Money,
}

/// Where a sensitivity input comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputSource {
    /// An uncertain input of `[uncertainty]`, at its P10 and P90.
    Uncertainty,
    /// A drawn term of `[[uncertainty.terms]]`, at the ends of its range.
    Term,
    /// A negotiable issue of `[[negotiation.issues]]`, at its `min` and `max`.
    Negotiation,
}

fn uncertain_unit(key: &str) -> InputUnit {
    match key {
        "promo_uplift" => InputUnit::Multiplier,
        "store_openings" => InputUnit::Count,
        _ => InputUnit::Rate,
    }
}

fn term_unit(contract: &Contract, path: &str) -> InputUnit {
    match terms::kind(contract, path) {
        Ok(terms::TermKind::Money) => InputUnit::Money,
        Ok(terms::TermKind::Count) => InputUnit::Count,
        // A path the contract lacks fails when the variant is built, with its reason.
        Ok(terms::TermKind::Rate) | Err(_) => InputUnit::Rate,
    }
}

fn dec(x: f64) -> Decimal {
    Decimal::from_f64_retain(x).unwrap_or_default().round_dp(6).normalize()
}

/// The inputs of a contract's sensitivity analysis: every uncertain input at its P10 and P90,
/// every drawn term (`uncertainty.terms`) at the ends of its range (P10/P90 when unbounded),
/// every negotiable issue of `[negotiation]` not already among the drawn terms at its `min`
/// and `max`, and every drawn effect of `[resources.effects]` (`resources.effects.<key>`) at
/// its P10 and P90.
///
/// # Errors
///
/// When a distribution cannot be sampled.
pub fn inputs(contract: &Contract) -> Result<Vec<Input>, Error> {
    let Some(u) = &contract.uncertainty else { return resource_inputs(contract) };
    let mut out = Vec::new();
    for (key, d) in u.named() {
        let q = dist_quantiles(d, &[0.1, 0.9])?;
        if q[0] != q[1] {
            out.push(Input {
                name: format!("uncertainty.{key}"),
                low: dec(q[0]),
                high: dec(q[1]),
                unit: uncertain_unit(key),
                source: InputSource::Uncertainty,
            });
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
        out.push(Input {
            name: t.path.clone(),
            low: lo,
            high: hi,
            unit: term_unit(contract, &t.path),
            source: InputSource::Term,
        });
    }
    for issue in contract.negotiation.iter().flat_map(|n| &n.issues) {
        if out.iter().any(|i| i.name == issue.path) {
            continue;
        }
        out.push(Input {
            name: issue.path.clone(),
            low: issue.min.0,
            high: issue.max.0,
            unit: term_unit(contract, &issue.path),
            source: InputSource::Negotiation,
        });
    }
    out.extend(resource_inputs(contract)?);
    Ok(out)
}

/// The drawn effects of a contract's `[resources.effects]`, each at its P10 and P90 (as an
/// uncertain input: drawn once per scenario).
fn resource_inputs(contract: &Contract) -> Result<Vec<Input>, Error> {
    use kasim_core::resources::EffectKey;
    let mut out = Vec::new();
    let Some(r) = &contract.resources else { return Ok(out) };
    for key in EffectKey::ALL {
        let Some(d) = r.effects.get(key).and_then(|e| e.dist()) else { continue };
        let q = dist_quantiles(d, &[0.1, 0.9])?;
        if q[0] != q[1] {
            out.push(Input {
                name: format!("resources.effects.{}", key.key()),
                low: dec(q[0]),
                high: dec(q[1]),
                unit: match key {
                    EffectKey::FacingsElasticity => InputUnit::Multiplier,
                    EffectKey::ListingDelay | EffectKey::GreenListingDelay => InputUnit::Count,
                    _ => InputUnit::Rate,
                },
                source: InputSource::Uncertainty,
            });
        }
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
    if let Some(key) = name.strip_prefix("resources.effects.") {
        use kasim_core::resources::{Effect, EffectKey};
        let Some(k) = EffectKey::ALL.iter().find(|k| k.key() == key) else {
            return Err(Error::UnknownInput { name: name.to_string() });
        };
        let e = &mut c.resources.get_or_insert_with(Default::default).effects;
        let slot = match k {
            EffectKey::FacingsElasticity => &mut e.facings_elasticity,
            EffectKey::EyeLevelLift => &mut e.eye_level_lift,
            EffectKey::BottomLift => &mut e.bottom_lift,
            EffectKey::PromoterLift => &mut e.promoter_lift,
            EffectKey::ListingDelay => &mut e.listing_delay,
            EffectKey::GreenListingDelay => &mut e.green_listing_delay,
            EffectKey::PriceProtection => &mut e.price_protection,
        };
        *slot = Some(Effect::Value(kasim_core::money::Num(value)));
        return Ok(c);
    }
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
            "flyer_run_rate" => &mut u.flyer_run_rate,
            "display_compliance" => &mut u.display_compliance,
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

/// The variants of a tornado, in the order of [`inputs`]: per input, (the input, the contract
/// with it at its low value, the contract with it at its high value). With the contract itself
/// first, these are the contracts whose statistics [`tornado_with`] asks for.
///
/// # Errors
///
/// When a distribution cannot be sampled, or a variant cannot be built ([`with_input`]).
pub fn tornado_variants(contract: &Contract) -> Result<Vec<(Input, Contract, Contract)>, Error> {
    inputs(contract)?
        .into_iter()
        .map(|input| {
            let low = with_input(contract, &input.name, input.low)?;
            let high = with_input(contract, &input.name, input.high)?;
            Ok((input, low, high))
        })
        .collect()
}

/// The tornado of `inputs` (as [`inputs`] lists them) from the statistics of its variants,
/// computed elsewhere: `statistics` is \[base, input 1 at low, input 1 at high, input 2 at
/// low, …\] (`1 + 2 × inputs` values, the order of [`tornado_variants`] with the base first).
///
/// # Errors
///
/// [`Error::StatisticCount`] when `statistics` does not hold `1 + 2 × inputs.len()` values.
pub fn tornado_from(inputs: Vec<Input>, stat: Stat, statistics: &[Decimal]) -> Result<Tornado, Error> {
    let expected = 1 + 2 * inputs.len();
    if statistics.len() != expected {
        return Err(Error::StatisticCount { expected, found: statistics.len() });
    }
    let mut bars: Vec<Bar> = inputs
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            let (at_low, at_high) = (statistics[1 + 2 * i], statistics[2 + 2 * i]);
            Bar { swing: (at_high - at_low).abs(), input, at_low, at_high }
        })
        .collect();
    bars.sort_by(|a, b| b.swing.cmp(&a.swing).then_with(|| a.input.name.cmp(&b.input.name)));
    Ok(Tornado { stat, base: statistics[0], bars })
}

/// One-at-a-time sensitivity with the statistics computed by `eval`: the variants are built
/// once ([`tornado_variants`]), `eval` gets \[base, input 1 low, input 1 high, …\] and returns
/// one statistic per contract in that order (natively [`statistic`] of each; on a cluster,
/// each on its own worker).
///
/// # Errors
///
/// When a variant cannot be built, as `eval`, and [`Error::StatisticCount`] when `eval`
/// returns a different number of statistics than contracts.
pub fn tornado_with<E: From<Error>>(
    contract: &Contract,
    stat: Stat,
    eval: impl FnOnce(&[Contract]) -> Result<Vec<Decimal>, E>,
) -> Result<Tornado, E> {
    let variants = tornado_variants(contract)?;
    let mut contracts = Vec::with_capacity(1 + 2 * variants.len());
    contracts.push(contract.clone());
    let mut inputs = Vec::with_capacity(variants.len());
    for (input, low, high) in variants {
        inputs.push(input);
        contracts.push(low);
        contracts.push(high);
    }
    let statistics = eval(&contracts)?;
    Ok(tornado_from(inputs, stat, &statistics)?)
}

/// One-at-a-time sensitivity: each input fixed at its low and high value, the others as
/// modelled, all runs on the same seed (common random numbers).
///
/// # Errors
///
/// When a variant does not compile or settle.
pub fn tornado(contract: &Contract, cfg: &RunConfig, stat: Stat) -> Result<Tornado, Error> {
    tornado_with(contract, stat, |cs| cs.iter().map(|c| statistic(c, cfg, stat)).collect())
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
    rank_correlations_model(&model, cfg, &r[0])
}

/// [`rank_correlations`] from the contract's rows already simulated (`base`: scenarios
/// `0..base.rows.len()` of a run with `cfg.seed`, e.g. merged from shards): the per-scenario
/// inputs are recomputed from (seed, k), so nothing but the rows needs to travel.
///
/// # Errors
///
/// When the contract does not compile or its uncertainty cannot be sampled.
pub fn rank_correlations_of(contract: &Contract, cfg: &RunConfig, base: &Results) -> Result<Vec<(String, f64)>, Error> {
    let compiled = Compiled::new(contract)?;
    let model = Model::new(&compiled)?;
    rank_correlations_model(&model, cfg, base)
}

fn rank_correlations_model(model: &Model<'_>, cfg: &RunConfig, base: &Results) -> Result<Vec<(String, f64)>, Error> {
    let y: Vec<f64> = base.rows.iter().map(|x| x.net_contribution as f64).collect();
    let names = model.scenario_input_names();
    let mut cols: Vec<Vec<f64>> = vec![Vec::with_capacity(y.len()); names.len()];
    for k in 0..y.len() as u64 {
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
    /// The statistic at that value (evaluated there, not interpolated).
    pub achieved: Decimal,
    /// Simulations run.
    pub evaluations: u32,
    /// For a whole-number term: where the whole value found lies relative to the continuous
    /// solution (between two whole numbers). `value` is then the one whose statistic reaches
    /// the target (at or above it), when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// For a whole-number term: the continuous solution, interpolated linearly between the
    /// statistic at the two whole numbers around it (an estimate; no simulation is run there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuous: Option<Decimal>,
}

/// Where a whole-number goal-seek value lies relative to the continuous solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The statistic reaches the target exactly at the whole value.
    At,
    /// The whole value is below the continuous solution (the next whole number misses).
    Below,
    /// The whole value is above the continuous solution (the one below misses).
    Above,
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
    goal_seek_with(contract, term, stat, target, low, high, |c| statistic(c, cfg, stat))
}

/// [`goal_seek`] with the statistic of each variant computed by `eval` (natively
/// [`statistic`]; on a cluster, a task per evaluation): the same bisection, calling `eval`
/// once per simulation [`goal_seek`] runs, in the same order, on the contract with the term at
/// the value tried.
///
/// # Errors
///
/// As [`goal_seek`], and any error of `eval` (returned as it is).
pub fn goal_seek_with<E: From<Error>>(
    contract: &Contract,
    term: &str,
    stat: Stat,
    target: Decimal,
    low: Decimal,
    high: Decimal,
    mut eval: impl FnMut(&Contract) -> Result<Decimal, E>,
) -> Result<GoalSeek, E> {
    if low >= high {
        return Err(Error::EmptyRange { low, high }.into());
    }
    let kind = terms::kind(contract, term).map_err(|reason| Error::Term { path: term.to_string(), reason })?;
    let step = match kind {
        terms::TermKind::Money => Decimal::new(1, 2),
        terms::TermKind::Rate => Decimal::new(1, 4),
        terms::TermKind::Count => Decimal::ONE,
    };
    let dp = step.scale();
    let evaluations = std::cell::Cell::new(0u32);
    // The statistic at a value of the term, counted (the final evaluation at the value found
    // included).
    let mut at = |v: Decimal| -> Result<Decimal, E> {
        evaluations.set(evaluations.get() + 1);
        eval(&with_input(contract, term, v)?)
    };
    let (mut lo, mut hi) = (low, high);
    let (mut f_lo, f_hi) = (at(lo)? - target, at(hi)? - target);
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
            rate: kind == terms::TermKind::Rate,
        }
        .into());
    }
    while hi - lo > step {
        let mid = ((lo + hi) / Decimal::TWO).round_dp(dp);
        if mid == lo || mid == hi {
            break;
        }
        let f = at(mid)? - target;
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
    let (a, b) = (at(lo)? - target, at(hi)? - target);
    let closer = if a.abs() <= b.abs() { lo } else { hi };
    let (value, side, continuous) = if kind == terms::TermKind::Count {
        // A whole number: the one that reaches the target (statistic at or above it), not the
        // one closest to it, which may be just past the break-even.
        let value = match (a >= Decimal::ZERO, b >= Decimal::ZERO) {
            (true, false) => lo,
            (false, true) => hi,
            _ => closer,
        };
        let at_value = if value == lo { a } else { b };
        let continuous = if a == b { value } else { (lo + (hi - lo) * a / (a - b)).round_dp(2) };
        let side = if at_value.is_zero() || lo == hi {
            Side::At
        } else if value < continuous {
            Side::Below
        } else {
            Side::Above
        };
        (value, Some(side), Some(continuous))
    } else {
        // Report the end whose statistic is closer to the target.
        (closer, None, None)
    };
    let achieved = at(value)?;
    Ok(GoalSeek {
        term: term.to_string(),
        stat,
        target,
        value,
        achieved,
        evaluations: evaluations.get(),
        side,
        continuous,
    })
}
