//! The estimators: what a sales history says about the parameters kasim simulates.
//!
//! The model fitted is the one `kasim simulate` samples (docs/simulation.md), in logs. For SKU
//! *s* in period *t* (time *t* in years, month *m*(*t*)):
//!
//! ```text
//! ln(units / stores) = a_s + e_m + δ_{s,m} + b·t + ln U(promo) + ln(1 − dip)(after a promotion) + ε,   ε ~ N(0, σ²)
//! ```
//!
//! (`/ stores` only for SKUs whose every regular period has a store count). Regular periods —
//! not promoted, not right after a promotion, with units > 0 — fit `a_s`, `e_m`, `δ_{s,m}`, `b`
//! and σ by alternating least squares (six rounds); promoted periods and the periods after them are
//! then measured against that baseline.
//!
//! * **Baseline** (units per period, or per store per period) at the end of the history:
//!   exp(a_s + b·t_end + σ²/2) · mean_m exp(e_m) — the mean of the lognormal, with the
//!   seasonality's level folded in so the written factors average 1. SE ≈ baseline · σ/√n_s.
//! * **Seasonality**, 12 monthly factors, shrunk towards flat (empirical Bayes): with r_m the
//!   raw month effect from n_m regular cells, τ² = max(0, var_m(r_m) − mean_m(σ²/n_m)) the
//!   spread of true month effects, the shrunk effect is w_m·r_m with
//!   **w_m = τ² / (τ² + σ²/n_m)**; factors exp(w_m·r_m) are scaled to average 1. Few
//!   observations per month (small n_m) or noisy data (large σ) pull a month towards 1.
//! * **A SKU's own seasonality**: each SKU's deviation δ_{s,m} from the common month effect
//!   (the mean residual of its cells in month m, n_{s,m} of them) is shrunk the same way:
//!   δ̃ = w·δ, w = τ_s² / (τ_s² + σ²/n_{s,m}), with the SKU's own spread
//!   τ_s² = max(0, mean_m(δ² − σ²/n_{s,m})) over its months (0 with fewer than 6). A gift
//!   box that sells at Spring Festival keeps its profile; SKUs that follow the common one get
//!   δ̃ ≈ 0. A SKU's factors are used where its plan line is a `units` array (which takes no
//!   common seasonality) and in the backtest.
//! * **Trend**: b is the within-SKU slope of log units on time; the annual growth is e^b − 1,
//!   SE e^b·σ/√Σ(t − t̄_s)². Not estimated (0, with a warning) from less than 18 months.
//! * **Demand noise**: σ is the residual standard deviation (n − parameters degrees of
//!   freedom), SE σ/√(2·dof); CV = √(e^{σ²} − 1), the `demand_cv` the sampler takes.
//! * **Promotion uplift**: for each promoted cell with a price cut c (from the promotional
//!   and shelf prices, or the average price paid against the SKU's regular average price), the
//!   log uplift u = residual from the baseline and x = −ln(1 − c). Constant elasticity:
//!   u = ε·x, so **uplift = (1 − c)^(−ε)**. Per slot type (DM, end-cap, …; "unspecified" when
//!   the export only flags promotions), ε̂ = Σxu/Σx², SE = s/√Σx². Per SKU, its own ε_s (variance
//!   v_s = s²/Σ_s x²) is shrunk towards the slot's pooled ε̂:
//!   **ε̃_s = (ε_s/v_s + ε̂/τ²) / (1/v_s + 1/τ²)** with τ² = max(0, var(ε_s) − mean(v_s)); with
//!   τ² = 0, or fewer than [`MIN_SKU_PROMOTIONS`] promotions, ε̃_s = ε̂. Promotions without a price
//!   cut give a flat uplift per slot, exp(mean u).
//! * **Post-promotion dip**: the mean residual r̄ of the regular-priced periods right after a
//!   promotion; dip = 1 − e^{r̄}, clamped to 0–90%.
//! * **Fill rate** (delivered ÷ ordered, capped at 100%) in regular and in promoted periods: the
//!   mean with its SE, and a PERT distribution with min = the 2nd percentile, max = the
//!   largest observed, and the mode chosen so the PERT mean (min + 4·mode + max)/6 equals the
//!   observed mean (clamped to [min, max]).
//! * **Returns rate**: Σ returned ÷ Σ delivered (a ratio estimator), SE from the cells'
//!   residuals r − R·d; its yearly spread (the sd of the yearly rates, at least the SE) bounds
//!   a uniform distribution R ± 2·spread.

use kasim_core::contract::Granularity;
use kasim_core::outcome::SlotKind;

use crate::error::Error;
use crate::history::{HistoryCell, SalesHistory};

/// Fewer promotions than this for a SKU and slot: the SKU uses the pooled elasticity.
pub const MIN_SKU_PROMOTIONS: usize = 3;
/// Fewer regular periods than this for a SKU: its baseline is flagged as thin.
pub const MIN_SKU_PERIODS: usize = 8;
/// Fewer promotions than this for a slot: its elasticity is flagged as thin.
pub const MIN_SLOT_PROMOTIONS: usize = 5;

/// An estimate with its standard error and sample size.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// Its standard error, where one can be given.
    pub se: Option<f64>,
    /// Observations behind it.
    pub n: usize,
}

/// A slot type of the history: a contract slot, or a promotion the export does not qualify.
pub fn slot_key(slot: Option<SlotKind>) -> &'static str {
    match slot {
        Some(SlotKind::Dm) => "dm",
        Some(SlotKind::EndCap) => "end_cap",
        Some(SlotKind::Tg) => "tg",
        Some(SlotKind::FloorStack) => "floor_stack",
        None => "unspecified",
    }
}

/// One SKU's promotions in one slot type.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SkuSlot {
    /// Slot key ([`slot_key`]).
    pub slot: &'static str,
    /// Promotions with a price cut.
    pub promotions: usize,
    /// The SKU's own elasticity, when it has promotions with a price cut.
    pub raw: Option<f64>,
    /// Standard error of the SKU's own elasticity.
    pub raw_se: Option<f64>,
    /// The elasticity used (shrunk towards the pooled one).
    pub elasticity: f64,
    /// Its standard error: the pooled one's when the pooled one is used, else the shrunk
    /// estimate's √(1/(1/v_s + 1/τ²)).
    pub se: Option<f64>,
}

/// What was estimated for one SKU.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SkuEstimate {
    /// The SKU.
    pub sku: String,
    /// True when the baseline is per store (the export has store counts).
    pub per_store: bool,
    /// Baseline units per period (per store when `per_store`) at the end of the history.
    pub baseline: Estimate,
    /// Stores in the last period with a count.
    pub last_stores: Option<f64>,
    /// Promoted periods.
    pub promoted: usize,
    /// Per slot type.
    pub slots: Vec<SkuSlot>,
    /// The SKU's own 12 monthly factors (the common ones plus its shrunk deviations δ): units
    /// in month m are `baseline × seasonality[m − 1]`.
    pub seasonality: Vec<f64>,
    #[serde(skip)]
    log_level: f64,
}

/// One month's seasonality factor.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Season {
    /// Month, 1–12.
    pub month: u16,
    /// The factor written (shrunk, averaging 1 over the months).
    pub factor: f64,
    /// The unshrunk factor.
    pub raw: f64,
    /// SE of the raw factor.
    pub se: Option<f64>,
    /// Regular cells in the month.
    pub n: usize,
    /// Shrinkage weight w_m (1 = the data alone, 0 = flat).
    pub weight: f64,
}

/// The elasticity of one slot type, pooled across SKUs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SlotEstimate {
    /// Slot key ([`slot_key`]).
    pub slot: &'static str,
    /// Elasticity ε (uplift = (1 − cut)^(−ε)), from promotions with a price cut.
    pub elasticity: Option<Estimate>,
    /// Mean price cut of those promotions.
    pub mean_cut: Option<f64>,
    /// Uplift at the mean cut.
    pub uplift_at_mean_cut: Option<f64>,
    /// Uplift of promotions without a price cut (exp of the mean log uplift).
    pub flat_uplift: Option<Estimate>,
    /// Residual sd of the log uplift around ε·x.
    pub residual_sd: Option<f64>,
}

/// A bounded distribution fitted to shares (fill rates).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ShareFit {
    /// Mean, with SE and n.
    pub mean: Estimate,
    /// PERT minimum.
    pub min: f64,
    /// PERT mode.
    pub mode: f64,
    /// PERT maximum.
    pub max: f64,
}

/// Everything estimated from a history.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Calibration {
    /// The contract calendar the history is on.
    pub calendar: Granularity,
    /// Periods fitted.
    pub periods: usize,
    /// Per SKU.
    pub skus: Vec<SkuEstimate>,
    /// 12 monthly factors.
    pub seasonality: Vec<Season>,
    /// Between-month variance τ² of the log month effects.
    pub season_tau2: f64,
    /// The largest SKU spread τ_s² of own month deviations from the common seasonality.
    pub sku_season_tau2: f64,
    /// Annual growth rate.
    pub trend: Estimate,
    /// Lognormal σ of the demand noise.
    pub demand_sigma: Estimate,
    /// CV of the demand noise, √(e^{σ²} − 1).
    pub demand_cv: f64,
    /// Per slot type.
    pub slots: Vec<SlotEstimate>,
    /// All promotions with a price cut, pooled.
    pub elasticity: Option<Estimate>,
    /// Log-uplift variance beyond the demand noise (s² − σ², at least 0).
    pub promo_extra_variance: Option<f64>,
    /// Post-promotion dip.
    pub post_promo_dip: Option<Estimate>,
    /// Fill rate in regular periods.
    pub fill_rate: Option<ShareFit>,
    /// Fill rate in promoted periods.
    pub promo_fill_rate: Option<ShareFit>,
    /// Returns rate.
    pub returns_rate: Option<Estimate>,
    /// Spread of the yearly returns rate (at least its SE).
    pub returns_spread: Option<f64>,
    /// Where the data are too thin to trust.
    pub warnings: Vec<String>,
    #[serde(skip)]
    model: Model,
}

/// The fitted log model, for forecasts.
#[derive(Clone, Debug, Default, PartialEq)]
struct Model {
    /// e_m (shrunk, centred), months 1–12 at 0–11.
    season: [f64; 12],
    /// Log of the seasonality's mean level, folded into baselines.
    season_level: f64,
    slope: f64,
    sigma: f64,
    t_end: f64,
    periods_per_year: f64,
    dip: f64,
}

/// Mean and sample standard deviation.
pub fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let m = x.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (m, 0.0);
    }
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64;
    (m, v.sqrt())
}

/// Quantile by linear interpolation between order statistics (R type 7); `x` sorted.
pub fn quantile(x: &[f64], q: f64) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let h = (x.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(x.len() - 1);
    x[lo] + (h - lo as f64) * (x[hi] - x[lo])
}

/// Fits a PERT to shares in 0–1 (see the module).
pub fn fit_share(values: &[f64]) -> Option<ShareFit> {
    if values.is_empty() {
        return None;
    }
    let mut v: Vec<f64> = values.iter().map(|x| x.clamp(0.0, 1.0)).collect();
    v.sort_by(f64::total_cmp);
    let (mean, sd) = mean_sd(&v);
    let min = quantile(&v, 0.02);
    let max = v[v.len() - 1];
    let mode = ((6.0 * mean - min - max) / 4.0).clamp(min, max);
    let n = v.len();
    Some(ShareFit { mean: Estimate { value: mean, se: (n > 1).then(|| sd / (n as f64).sqrt()), n }, min, mode, max })
}

/// The price cut of a promoted cell, from the promotional and shelf prices or from the
/// average price paid against the regular one.
fn cut_of(c: &HistoryCell, regular: Option<f64>) -> Option<f64> {
    let shelf = c.shelf_price.or(regular)?;
    let paid = c.promo_price.or_else(|| c.average_price())?;
    (shelf > 0.0).then(|| 1.0 - paid / shelf).filter(|x| x.is_finite())
}

/// Cell index into SKU-local data.
struct Obs {
    sku: usize,
    t: f64,
    month: usize,
    y: f64,
}

/// Estimates the parameters from a history (see the module for every formula).
///
/// # Errors
///
/// [`Error::Thin`] when no SKU has at least two regular periods with sales.
pub fn calibrate(history: &SalesHistory) -> Result<Calibration, Error> {
    let calendar = history.calendar;
    let ppy = calendar.periods() as f64;
    let np = history.periods.len();
    let time: Vec<f64> = (0..np).map(|i| i as f64 / ppy).collect();
    let months: Vec<usize> = history.periods.iter().map(|p| usize::from(calendar.month_of(p.period)) - 1).collect();
    let mut warnings = Vec::new();
    // Per SKU: per store?, regular price, regular observations.
    let mut base: Vec<Obs> = Vec::new();
    let mut per_store = Vec::new();
    let mut regular_price = Vec::new();
    let mut zeros = 0usize;
    for (s, series) in history.skus.iter().enumerate() {
        let regular: Vec<(usize, &HistoryCell)> = series
            .cells
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (i, c)))
            .filter(|(i, c)| !(c.promoted || *i > 0 && series.cells[i - 1].as_ref().is_some_and(|p| p.promoted)))
            .collect();
        let ps = !regular.is_empty() && regular.iter().all(|(_, c)| c.stores.is_some_and(|x| x > 0.0));
        per_store.push(ps);
        let mut prices: Vec<f64> =
            regular.iter().filter_map(|(_, c)| c.shelf_price.or_else(|| c.average_price())).collect();
        prices.sort_by(f64::total_cmp);
        regular_price.push((!prices.is_empty()).then(|| quantile(&prices, 0.5)));
        for (i, c) in regular {
            if c.units <= 0.0 {
                zeros += 1;
                continue;
            }
            let y = (c.units / if ps { c.stores.unwrap_or(1.0) } else { 1.0 }).ln();
            base.push(Obs { sku: s, t: time[i], month: months[i], y });
        }
    }
    let nsku = history.skus.len();
    let mut count = vec![0usize; nsku];
    for o in &base {
        count[o.sku] += 1;
    }
    if count.iter().all(|&c| c < 2) {
        return Err(Error::Thin(
            "no SKU has two regular (unpromoted) periods with sales: nothing to calibrate from".into(),
        ));
    }
    if zeros > 0 {
        warnings.push(format!(
            "{zeros} regular SKU-periods with zero units were left out of the fit (the lognormal model has no zeros)"
        ));
    }
    let span_years = np as f64 / ppy;
    let fit_trend = span_years >= 1.5;
    if !fit_trend {
        warnings
            .push(format!("the history covers {span_years:.1} years: trend not estimated (needs 18 months), set to 0"));
    }
    // Alternating least squares.
    let mut a = vec![0.0; nsku];
    let mut e = [0.0f64; 12];
    let mut b = 0.0;
    let mut sigma2 = 0.0;
    let mut raw = [0.0f64; 12];
    let mut n_m = [0usize; 12];
    let mut weight = [0.0f64; 12];
    let mut tau2 = 0.0;
    let tbar: Vec<f64> = {
        let mut sum = vec![0.0; nsku];
        for o in &base {
            sum[o.sku] += o.t;
        }
        (0..nsku).map(|s| if count[s] > 0 { sum[s] / count[s] as f64 } else { 0.0 }).collect()
    };
    // SKU-specific month deviations δ_{s,m} from the common seasonality, shrunk like it.
    let mut delta = vec![[0.0f64; 12]; nsku];
    let mut delta_tau2 = 0.0;
    let mut delta_params = 0.0;
    for round in 0..6 {
        let mut sum = vec![0.0; nsku];
        for o in &base {
            sum[o.sku] += o.y - e[o.month] - delta[o.sku][o.month] - b * o.t;
        }
        for s in 0..nsku {
            a[s] = if count[s] > 0 { sum[s] / count[s] as f64 } else { 0.0 };
        }
        let mut ms = [0.0f64; 12];
        n_m = [0; 12];
        for o in &base {
            ms[o.month] += o.y - a[o.sku] - delta[o.sku][o.month] - b * o.t;
            n_m[o.month] += 1;
        }
        for m in 0..12 {
            raw[m] = if n_m[m] > 0 { ms[m] / n_m[m] as f64 } else { 0.0 };
        }
        if round == 0 {
            let r: Vec<f64> = base.iter().map(|o| o.y - a[o.sku] - raw[o.month]).collect();
            sigma2 = r.iter().map(|x| x * x).sum::<f64>() / (r.len().max(2) - 1) as f64;
        }
        let present: Vec<usize> = (0..12).filter(|&m| n_m[m] > 0).collect();
        let rm: Vec<f64> = present.iter().map(|&m| raw[m]).collect();
        let (_, sd_r) = mean_sd(&rm);
        let noise = present.iter().map(|&m| sigma2 / n_m[m] as f64).sum::<f64>() / present.len().max(1) as f64;
        tau2 = (sd_r * sd_r - noise).max(0.0);
        for m in 0..12 {
            weight[m] = if n_m[m] > 0 && tau2 > 0.0 { tau2 / (tau2 + sigma2 / n_m[m] as f64) } else { 0.0 };
            e[m] = weight[m] * raw[m];
        }
        let centre = present.iter().map(|&m| e[m]).sum::<f64>() / present.len().max(1) as f64;
        for &m in &present {
            e[m] -= centre;
        }
        if round >= 1 && nsku >= 2 {
            let mut sums = vec![[(0.0f64, 0usize); 12]; nsku];
            for o in &base {
                let c = &mut sums[o.sku][o.month];
                c.0 += o.y - a[o.sku] - e[o.month] - b * o.t;
                c.1 += 1;
            }
            let raw_d: Vec<(usize, usize, f64, usize)> = (0..nsku)
                .flat_map(|s| (0..12).map(move |m| (s, m)))
                .filter(|&(s, m)| sums[s][m].1 > 0)
                .map(|(s, m)| (s, m, sums[s][m].0 / sums[s][m].1 as f64, sums[s][m].1))
                .collect();
            // τ_s² per SKU: a gift box deviates, the others do not.
            let mut acc = vec![(0.0f64, 0.0f64, 0usize); nsku];
            for &(s, _, d, n) in &raw_d {
                acc[s].0 += d * d;
                acc[s].1 += sigma2 / n as f64;
                acc[s].2 += 1;
            }
            let tau_s: Vec<f64> = acc
                .iter()
                .map(|&(d2, noise, k)| if k >= 6 { ((d2 - noise) / k as f64).max(0.0) } else { 0.0 })
                .collect();
            delta_tau2 = tau_s.iter().copied().fold(0.0, f64::max);
            delta = vec![[0.0; 12]; nsku];
            delta_params = 0.0;
            for &(s, m, d, n) in &raw_d {
                let t2 = tau_s[s];
                let w = if t2 > 0.0 { t2 / (t2 + sigma2 / n as f64) } else { 0.0 };
                delta[s][m] = w * d;
                delta_params += w;
            }
        }
        if fit_trend {
            let (mut sxy, mut sxx) = (0.0, 0.0);
            for o in &base {
                let dt = o.t - tbar[o.sku];
                sxy += (o.y - a[o.sku] - e[o.month] - delta[o.sku][o.month]) * dt;
                sxx += dt * dt;
            }
            b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        }
        let r2: f64 =
            base.iter().map(|o| (o.y - a[o.sku] - e[o.month] - delta[o.sku][o.month] - b * o.t).powi(2)).sum();
        let params =
            count.iter().filter(|&&c| c > 0).count() + 11 + usize::from(fit_trend) + delta_params.round() as usize;
        let dof = base.len().saturating_sub(params).max(1);
        sigma2 = r2 / dof as f64;
    }
    let params = count.iter().filter(|&&c| c > 0).count() + 11 + usize::from(fit_trend) + delta_params.round() as usize;
    let dof = base.len().saturating_sub(params).max(1);
    let sigma = sigma2.sqrt();
    let sxx: f64 = base.iter().map(|o| (o.t - tbar[o.sku]).powi(2)).sum();
    // Seasonality factors averaging 1.
    let present: Vec<usize> = (0..12).filter(|&m| n_m[m] > 0).collect();
    let level = (0..12).map(|m| e[m].exp()).sum::<f64>() / 12.0;
    let season: Vec<Season> = (0..12)
        .map(|m| Season {
            month: m as u16 + 1,
            factor: e[m].exp() / level,
            raw: (raw[m] - e.iter().sum::<f64>() / 12.0).exp() / level,
            se: (n_m[m] > 0).then(|| e[m].exp() / level * sigma / (n_m[m] as f64).sqrt()),
            n: n_m[m],
            weight: weight[m],
        })
        .collect();
    if present.len() < 12 {
        warnings.push(format!("{} months have no regular sales: their seasonality is flat (1)", 12 - present.len()));
    }
    if span_years < 2.0 {
        let m = (0..12).filter(|&m| n_m[m] > 0).min_by_key(|&m| n_m[m]).unwrap_or(0);
        warnings.push(format!(
            "seasonality rests on less than two years ({span_years:.1}): month {} has {} observations; factors are shrunk towards 1 (weights {:.2}–{:.2})",
            m + 1,
            n_m[m],
            weight.iter().copied().fold(f64::INFINITY, f64::min),
            weight.iter().copied().fold(0.0, f64::max),
        ));
    }
    let t_end = (np.saturating_sub(1)) as f64 / ppy;
    let model0 = Model { season: e, season_level: level.ln(), slope: b, sigma, t_end, periods_per_year: ppy, dip: 0.0 };
    // Promotions and the periods after them, against the baseline.
    struct Promo {
        sku: usize,
        slot: Option<SlotKind>,
        cut: Option<f64>,
        u: f64,
    }
    let mut promos: Vec<Promo> = Vec::new();
    let mut after: Vec<f64> = Vec::new();
    let mut fills = (Vec::new(), Vec::new());
    let (mut ret_num, mut ret_den, mut ret_cells) = (0.0, 0.0, Vec::new());
    let mut ret_year: std::collections::BTreeMap<i32, (f64, f64)> = Default::default();
    for (s, series) in history.skus.iter().enumerate() {
        for (i, c) in series.cells.iter().enumerate() {
            let Some(c) = c else { continue };
            if let (Some(o), Some(d)) = (c.ordered, c.delivered)
                && o > 0.0
            {
                let fr = (d / o).min(1.0);
                if c.promoted { fills.1.push(fr) } else { fills.0.push(fr) }
            }
            if let (Some(r), Some(d)) = (c.returns, c.delivered)
                && d > 0.0
            {
                ret_num += r;
                ret_den += d;
                ret_cells.push((r, d));
                let y = ret_year.entry(history.periods[i].year).or_default();
                y.0 += r;
                y.1 += d;
            }
            if count[s] < 2 || c.units <= 0.0 {
                continue;
            }
            let stores = if per_store[s] { c.stores } else { Some(1.0) };
            let Some(stores) = stores.filter(|x| *x > 0.0) else { continue };
            let fitted = a[s] + e[months[i]] + delta[s][months[i]] + b * time[i];
            let r = (c.units / stores).ln() - fitted;
            if c.promoted {
                promos.push(Promo { sku: s, slot: c.slot, cut: cut_of(c, regular_price[s]), u: r });
            } else if i > 0 && series.cells[i - 1].as_ref().is_some_and(|p| p.promoted) {
                after.push(r);
            }
        }
    }
    // Elasticity per slot type, then per SKU with shrinkage.
    let with_cut = |p: &Promo| p.cut.filter(|c| *c > 0.005 && *c < 0.95).map(|c| -(1.0 - c).ln());
    let slot_kinds: Vec<Option<SlotKind>> = {
        let mut v: Vec<Option<SlotKind>> = promos.iter().map(|p| p.slot).collect();
        v.sort_by_key(|s| s.map_or(9, |k| k.index()));
        v.dedup();
        v
    };
    let fit_eps = |ps: &[&Promo]| -> Option<(f64, f64, f64, usize, f64)> {
        let (mut sxy, mut sxx, mut n, mut cuts) = (0.0, 0.0, 0, 0.0);
        for p in ps {
            if let Some(x) = with_cut(p) {
                sxy += x * p.u;
                sxx += x * x;
                n += 1;
                cuts += p.cut.unwrap_or(0.0);
            }
        }
        if n == 0 || sxx <= 0.0 {
            return None;
        }
        let eps = sxy / sxx;
        let ss: f64 = ps.iter().filter_map(|p| with_cut(p).map(|x| (p.u - eps * x).powi(2))).sum();
        let s2 = if n > 1 { ss / (n - 1) as f64 } else { sigma2 };
        Some((eps, s2, sxx, n, cuts / n as f64))
    };
    let all: Vec<&Promo> = promos.iter().collect();
    let pooled = fit_eps(&all);
    let elasticity = pooled.map(|(eps, s2, sxx, n, _)| Estimate { value: eps, se: Some((s2 / sxx).sqrt()), n });
    let promo_extra_variance = pooled.map(|(_, s2, _, _, _)| (s2 - sigma2).max(0.0));
    let mut slots = Vec::new();
    let mut sku_slots: Vec<Vec<SkuSlot>> = vec![Vec::new(); nsku];
    for kind in &slot_kinds {
        let ps: Vec<&Promo> = promos.iter().filter(|p| p.slot == *kind).collect();
        let fit = fit_eps(&ps);
        let flat: Vec<f64> = ps.iter().filter(|p| with_cut(p).is_none()).map(|p| p.u).collect();
        let flat_uplift = (!flat.is_empty()).then(|| {
            let (m, sd) = mean_sd(&flat);
            Estimate {
                value: m.exp(),
                se: (flat.len() > 1).then(|| m.exp() * sd / (flat.len() as f64).sqrt()),
                n: flat.len(),
            }
        });
        if let Some((_, _, _, n, _)) = fit
            && n < MIN_SLOT_PROMOTIONS
        {
            warnings.push(format!(
                "{} promotions with a price cut in slot {}: its elasticity is thin",
                n,
                slot_key(*kind)
            ));
        }
        // Per SKU.
        let (eps_pool, s2_pool) = fit.or(pooled).map_or((0.0, sigma2), |f| (f.0, f.1));
        let se_pool = fit.or(pooled).map(|f| (f.1 / f.2).sqrt());
        let mut own: Vec<(usize, f64, f64, usize)> = Vec::new();
        for (s, slots_of_s) in sku_slots.iter_mut().enumerate() {
            let mine: Vec<&Promo> = ps.iter().copied().filter(|p| p.sku == s).collect();
            if mine.is_empty() {
                continue;
            }
            let (mut sxy, mut sxx, mut n) = (0.0, 0.0, 0);
            for p in &mine {
                if let Some(x) = with_cut(p) {
                    sxy += x * p.u;
                    sxx += x * x;
                    n += 1;
                }
            }
            if n > 0 && sxx > 0.0 {
                own.push((s, sxy / sxx, s2_pool / sxx, n));
            } else {
                slots_of_s.push(SkuSlot {
                    slot: slot_key(*kind),
                    promotions: 0,
                    raw: None,
                    raw_se: None,
                    elasticity: eps_pool,
                    se: se_pool,
                });
            }
        }
        let big: Vec<&(usize, f64, f64, usize)> = own.iter().filter(|o| o.3 >= MIN_SKU_PROMOTIONS).collect();
        let tau2_e = if big.len() >= 2 {
            let v: Vec<f64> = big.iter().map(|o| o.1).collect();
            let (_, sd) = mean_sd(&v);
            (sd * sd - big.iter().map(|o| o.2).sum::<f64>() / big.len() as f64).max(0.0)
        } else {
            0.0
        };
        for (s, eps_s, v_s, n) in own {
            let (used, se) = if n < MIN_SKU_PROMOTIONS || tau2_e <= 0.0 {
                (eps_pool, se_pool)
            } else {
                let precision = 1.0 / v_s + 1.0 / tau2_e;
                ((eps_s / v_s + eps_pool / tau2_e) / precision, Some((1.0 / precision).sqrt()))
            };
            sku_slots[s].push(SkuSlot {
                slot: slot_key(*kind),
                promotions: n,
                raw: Some(eps_s),
                raw_se: Some(v_s.sqrt()),
                elasticity: used,
                se,
            });
        }
        slots.push(SlotEstimate {
            slot: slot_key(*kind),
            elasticity: fit.map(|(eps, s2, sxx, n, _)| Estimate { value: eps, se: Some((s2 / sxx).sqrt()), n }),
            mean_cut: fit.map(|f| f.4),
            uplift_at_mean_cut: fit.map(|f| (1.0 - f.4).powf(-f.0)),
            flat_uplift,
            residual_sd: fit.map(|f| f.1.sqrt()),
        });
    }
    if !promos.is_empty()
        && calendar == Granularity::Monthly
        && history.summary.source != crate::history::SourceGranularity::Month
    {
        warnings.push(
            "the promotions were recorded by the week or day but the contract is monthly: the elasticity is a promoted month's, smaller than a promoted week's".into(),
        );
    }
    if promos.is_empty() {
        warnings.push("no promoted periods in the history: promotion uplift not estimated".into());
    }
    let post_promo_dip = (!after.is_empty()).then(|| {
        let (m, sd) = mean_sd(&after);
        let n = after.len();
        Estimate { value: (1.0 - m.exp()).clamp(0.0, 0.9), se: (n > 1).then(|| m.exp() * sd / (n as f64).sqrt()), n }
    });
    let returns_rate = (ret_den > 0.0).then(|| {
        let r = ret_num / ret_den;
        let n = ret_cells.len();
        let mean_d = ret_den / n as f64;
        let ss: f64 = ret_cells.iter().map(|(x, d)| (x - r * d).powi(2)).sum();
        let se = (n > 1).then(|| (ss / (n * (n - 1)) as f64).sqrt() / mean_d);
        Estimate { value: r, se, n }
    });
    let returns_spread = returns_rate.map(|r| {
        let yearly: Vec<f64> = ret_year.values().filter(|(_, d)| *d > 0.0).map(|(n, d)| n / d).collect();
        let (_, sd) = mean_sd(&yearly);
        sd.max(r.se.unwrap_or(0.0))
    });
    let fill_rate = fit_share(&fills.0);
    let promo_fill_rate = fit_share(&fills.1);
    if fill_rate.is_none() {
        warnings.push("no ordered and delivered columns: fill rates not estimated".into());
    }
    // SKUs.
    let mut skus = Vec::new();
    for (s, series) in history.skus.iter().enumerate() {
        if count[s] < 2 {
            warnings.push(format!("SKU {}: fewer than two regular periods with sales: not calibrated", series.sku));
            continue;
        }
        if count[s] < MIN_SKU_PERIODS {
            warnings.push(format!("SKU {}: baseline from only {} regular periods", series.sku, count[s]));
        }
        let (_, last) = series.span().unwrap_or((0, 0));
        if last + 4 <= np.saturating_sub(1) {
            warnings.push(format!(
                "SKU {}: no sales after {} ({} periods before the end): delisted?",
                series.sku,
                history.periods[last].label(calendar),
                np - 1 - last
            ));
        }
        let log_level = a[s] + b * t_end + sigma2 / 2.0 + level.ln();
        let baseline = log_level.exp();
        let seasonality: Vec<f64> = (0..12).map(|m| (e[m] + delta[s][m]).exp() / level).collect();
        if (0..12).any(|m| delta[s][m].abs() > 0.25) {
            warnings.push(format!(
                "SKU {}: its own seasonality differs from the common one by more than 25% in some months (a `units` line carries it)",
                series.sku
            ));
        }
        let last_stores = series.cells.iter().rev().flatten().find_map(|c| c.stores);
        skus.push(SkuEstimate {
            sku: series.sku.clone(),
            per_store: per_store[s],
            baseline: Estimate { value: baseline, se: Some(baseline * sigma / (count[s] as f64).sqrt()), n: count[s] },
            last_stores,
            promoted: series.cells.iter().flatten().filter(|c| c.promoted).count(),
            slots: std::mem::take(&mut sku_slots[s]),
            seasonality,
            log_level,
        });
    }
    let g = b.exp() - 1.0;
    let trend = Estimate {
        value: g,
        se: (fit_trend && sxx > 0.0).then(|| b.exp() * sigma / sxx.sqrt()),
        n: if fit_trend { base.len() } else { 0 },
    };
    let dip = post_promo_dip.map_or(0.0, |d| d.value);
    Ok(Calibration {
        calendar,
        periods: np,
        skus,
        seasonality: season,
        season_tau2: tau2,
        sku_season_tau2: delta_tau2,
        trend,
        demand_sigma: Estimate { value: sigma, se: Some(sigma / (2.0 * dof as f64).sqrt()), n: base.len() },
        demand_cv: (sigma2.exp() - 1.0).sqrt(),
        slots,
        elasticity,
        promo_extra_variance,
        post_promo_dip,
        fill_rate,
        promo_fill_rate,
        returns_rate,
        returns_spread,
        warnings,
        model: Model { dip, ..model0 },
    })
}

impl Calibration {
    /// The calibrated SKU.
    pub fn sku(&self, sku: &str) -> Option<&SkuEstimate> {
        self.skus.iter().find(|s| s.sku == sku)
    }

    /// The elasticity for a SKU in a slot: the SKU's (shrunk), else the slot's, else the
    /// pooled one.
    pub fn elasticity_for(&self, sku: &str, slot: Option<SlotKind>) -> Option<f64> {
        let key = slot_key(slot);
        self.sku(sku)
            .and_then(|s| s.slots.iter().find(|x| x.slot == key).map(|x| x.elasticity))
            .or_else(|| self.slots.iter().find(|x| x.slot == key).and_then(|x| x.elasticity).map(|e| e.value))
            .or_else(|| self.elasticity.map(|e| e.value))
    }

    /// The uplift of a promotion of `sku` in `slot` at price cut `cut` (see the module); with
    /// no cut, the slot's flat uplift, else the uplift at the slot's mean cut.
    pub fn uplift(&self, sku: &str, slot: Option<SlotKind>, cut: Option<f64>) -> Option<f64> {
        match cut.filter(|c| *c > 0.0 && *c < 1.0) {
            Some(c) => self.elasticity_for(sku, slot).map(|e| (1.0 - c).powf(-e)),
            None => {
                let key = slot_key(slot);
                let s = self.slots.iter().find(|x| x.slot == key);
                s.and_then(|x| x.flat_uplift.map(|f| f.value))
                    .or_else(|| s.and_then(|x| x.uplift_at_mean_cut))
                    .or_else(|| self.slots.iter().find_map(|x| x.flat_uplift.map(|f| f.value)))
            }
        }
    }

    /// Seasonality factor of a 1-based month.
    pub fn season(&self, month: u16) -> f64 {
        self.seasonality.get(usize::from(month.max(1)) - 1).map_or(1.0, |s| s.factor)
    }

    /// The expected units (per store for a per-store SKU) of a calibrated SKU in regular
    /// conditions, `periods_after_end` periods after the last period of the history (0 = the
    /// last period, negative = before), in month `month`: the baseline grown by the trend,
    /// times the month's factor.
    pub fn expected(&self, sku: &SkuEstimate, periods_after_end: f64, month: u16) -> f64 {
        let t = periods_after_end / self.model.periods_per_year;
        let f = sku.seasonality.get(usize::from(month.max(1)) - 1).copied().unwrap_or(1.0);
        (sku.log_level + self.model.slope * t).exp() * f
    }

    /// The post-promotion dip used in forecasts.
    pub fn dip(&self) -> f64 {
        self.model.dip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_fit_matches_the_mean() {
        let cases: &[(&[f64], f64, f64)] = &[(&[1.0, 1.0, 1.0], 1.0, 1.0), (&[0.9, 0.95, 1.0, 1.0, 0.98], 0.9, 1.0)];
        for (v, min, max) in cases {
            let f = fit_share(v).unwrap();
            assert!((f.min - min).abs() < 0.01 && f.max == *max);
            let pert_mean = (f.min + 4.0 * f.mode + f.max) / 6.0;
            assert!((pert_mean - f.mean.value).abs() < 1e-9 || f.mode == f.min || f.mode == f.max);
        }
        assert!(fit_share(&[]).is_none());
    }

    #[test]
    fn quantiles_are_type_7() {
        let x = [1.0, 2.0, 3.0, 4.0];
        for (q, want) in [(0.0, 1.0), (0.5, 2.5), (1.0, 4.0), (0.1, 1.3)] {
            assert!((quantile(&x, q) - want).abs() < 1e-12);
        }
        assert_eq!(mean_sd(&[2.0, 4.0]), (3.0, 2f64.sqrt()));
    }
}
