//! The calibrated contract: a TOML file that `extends` the given contract and states the
//! calibrated `[plan]` and `[uncertainty]` (docs/contract-format.md §17 for the merge rules).
//!
//! * `[[plan.lines]]` merge by SKU, so each line keeps the volume key the contract uses:
//!   `units_per_store` (a chain-wide baseline is divided by the contract's stores),
//!   `units_per_period` (a per-store baseline is multiplied by them, rounded), or `units` (12 or
//!   52 values: baseline × the SKU's own factor for the month, since a `units` line takes no
//!   seasonality; a period the contract plans at 0 — not listed yet — stays 0). A
//!   contract SKU without a line gets `units_per_store` when the history has store counts, else
//!   `units_per_period`. SKUs without history keep the contract's line.
//! * `seasonality` is the 12 calibrated monthly factors (a weekly calendar applies each to the
//!   weeks of its month).
//! * `[[plan.promotions]]` is an array, replaced whole: each of the contract's promotions is
//!   written again, one entry per SKU (DM and display fees count slots per SKU, so this changes
//!   no fee), with the uplift (1 − price_cut)^(−ε) of that SKU and slot; a promotion without
//!   a price cut takes the slot's uplift without a cut, else its uplift at the mean cut seen.
//! * `[uncertainty]`: `demand_cv` (or `demand_sigma` if the contract states σ), `trend`
//!   (normal: the estimate and its SE), `post_promo_dip` (PERT: the estimate ± 2 SE, clamped to
//!   0–90%), `fill_rate` and `promo_fill_rate` (the fitted PERTs), `returns_rate` (uniform:
//!   R ± 2·spread). Inline tables merge key by key under `extends`, so when the contract
//!   already states a distribution for a key, the calibrated one is written **in the contract's
//!   family** (a triangular stays triangular: min, mode, max from the estimate ± 2 SE; a
//!   uniform gets the same range; a normal the mean and sd; a lognormal the mean and CV; a
//!   fixed value the estimate), since a key of the old family would otherwise survive the
//!   merge.
//! * `promo_uplift`: the model has one distribution that *replaces* each promoted cell's
//!   plan uplift, so it cannot carry an uplift that depends on the cut. It is written only when
//!   every written promotion has the same uplift U (then lognormal with mean U and the CV of
//!   the extra log-uplift variance s² − σ² beyond the demand noise, or fixed U when there is
//!   none), or when the contract already states one (it would otherwise override the
//!   calibrated uplifts: then lognormal at the promotions' mean uplift, with a warning).
//!   Otherwise it is left out: each promotion keeps its own calibrated uplift, and the noise of
//!   promoted periods is the demand noise.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use kasim_core::Contract;
use kasim_core::outcome::SlotKind;
use kasim_core::uncertainty::Dist;

use crate::calibrate::{Calibration, ShareFit, slot_key};
use crate::history::SalesHistory;

/// A rate as an exact percentage string with two decimals (`"23.41%"`).
fn pct(x: f64) -> String {
    format!("\"{:.2}%\"", (x * 100.0).clamp(-10_000.0, 10_000.0))
}

/// A decimal string with four decimals.
fn num(x: f64) -> String {
    format!("\"{:.4}\"", x)
}

fn slot_name(s: SlotKind) -> &'static str {
    slot_key(Some(s))
}

/// The path of `target` relative to the directory `from` (both made absolute against the
/// current directory), or `target` as given when no relative path exists (another drive).
pub fn relative_path(target: &Path, from: &Path) -> PathBuf {
    let abs = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
        let mut out = PathBuf::new();
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    out.pop();
                }
                Component::CurDir => {}
                other => out.push(other),
            }
        }
        out
    };
    let (t, f) = (abs(target), abs(from));
    let tc: Vec<_> = t.components().collect();
    let fc: Vec<_> = f.components().collect();
    let common = tc.iter().zip(&fc).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return target.to_path_buf();
    }
    let mut r = PathBuf::new();
    for _ in common..fc.len() {
        r.push("..");
    }
    for c in &tc[common..] {
        r.push(c);
    }
    r
}

/// What a written distribution should say: its mean and sd, and a PERT-like triple.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Target {
    mean: f64,
    sd: f64,
    min: f64,
    mode: f64,
    max: f64,
}

impl Target {
    /// Mean ± 2 sd, clamped to `[lo, hi]`.
    fn spread(mean: f64, sd: f64, lo: f64, hi: f64) -> Target {
        let mean = mean.clamp(lo, hi);
        Target { mean, sd, min: (mean - 2.0 * sd).max(lo), mode: mean, max: (mean + 2.0 * sd).min(hi) }
    }

    /// A fitted share's PERT.
    fn share(f: &ShareFit) -> Target {
        Target { mean: f.mean.value, sd: (f.max - f.min) / 6.0, min: f.min, mode: f.mode, max: f.max.min(1.0) }
    }
}

/// Distribution families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Fixed,
    Uniform,
    Triangular,
    Pert,
    Normal,
    Lognormal,
    Poisson,
    Bernoulli,
    Discrete,
}

fn family(d: &Dist) -> Family {
    match d {
        Dist::Fixed { .. } => Family::Fixed,
        Dist::Uniform { .. } => Family::Uniform,
        Dist::Triangular { .. } => Family::Triangular,
        Dist::Pert { .. } => Family::Pert,
        Dist::Normal { .. } => Family::Normal,
        Dist::Lognormal { .. } => Family::Lognormal,
        Dist::Poisson { .. } => Family::Poisson,
        Dist::Bernoulli { .. } => Family::Bernoulli,
        Dist::Discrete { .. } => Family::Discrete,
    }
}

/// A distribution as an inline table, in the contract's family for the key (`base`) or else
/// `default`; rates as percentages with two decimals (`as_rate`), else four decimals.
fn dist(base: Option<&Dist>, default: Family, t: &Target, as_rate: bool) -> String {
    // Rates to 0.01% (four decimals as a fraction), other values to four decimals.
    let r = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let v = |x: f64| if as_rate { pct(r(x)) } else { num(r(x)) };
    let (min, max) = (r(t.min), r(t.max));
    let mode = r(t.mode).clamp(min, max);
    let mut f = base.map_or(default, family);
    // A distribution without spread is fixed where the family allows it.
    if max - min < 0.0001 && matches!(f, Family::Uniform | Family::Triangular | Family::Pert) && base.is_none() {
        f = Family::Fixed;
    }
    let min_max = if max - min < 0.0001 { (min, min + 0.0001) } else { (min, max) };
    match f {
        Family::Fixed => format!("{{ dist = \"fixed\", value = {} }}", v(t.mean)),
        Family::Uniform => format!("{{ dist = \"uniform\", min = {}, max = {} }}", v(min_max.0), v(min_max.1)),
        Family::Triangular | Family::Pert => format!(
            "{{ dist = \"{}\", min = {}, mode = {}, max = {} }}",
            if f == Family::Pert { "pert" } else { "triangular" },
            v(min_max.0),
            v(mode.clamp(min_max.0, min_max.1)),
            v(min_max.1)
        ),
        Family::Normal if t.sd >= 0.00005 => format!("{{ dist = \"normal\", mean = {}, sd = {} }}", v(t.mean), v(t.sd)),
        Family::Normal => format!("{{ dist = \"normal\", mean = {}, sd = {} }}", v(t.mean), v(0.0001)),
        Family::Lognormal => {
            let cv = if t.mean > 0.0 { (t.sd / t.mean).max(0.0001) } else { 0.0001 };
            format!("{{ dist = \"lognormal\", mean = {}, cv = {} }}", v(t.mean.max(0.0001)), pct(cv))
        }
        Family::Poisson => format!("{{ dist = \"poisson\", mean = {} }}", v(t.mean.max(0.0))),
        Family::Bernoulli => format!("{{ dist = \"bernoulli\", p = {} }}", pct(t.mean.clamp(0.0, 1.0))),
        Family::Discrete => format!("{{ dist = \"discrete\", values = [{}], weights = [1] }}", v(t.mean)),
    }
}

/// What the calibrated contract says, and what could not be carried over.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// The TOML text.
    pub text: String,
    /// SKUs whose plan line was calibrated.
    pub lines: usize,
    /// Promotion entries written.
    pub promotions: usize,
    /// Things the user should know (contract SKUs without history, …).
    pub warnings: Vec<String>,
}

/// Writes the calibrated contract extending `contract` (loaded from `contract_path`), for a
/// file in directory `out_dir`.
pub fn calibrated_contract(
    contract: &Contract,
    contract_path: &Path,
    out_dir: &Path,
    history: &SalesHistory,
    files: &[String],
    cal: &Calibration,
) -> Written {
    let mut w = String::new();
    let mut warnings = Vec::new();
    let s = &history.summary;
    let _ = writeln!(
        w,
        "# Calibrated by `kasim calibrate` from {} ({} rows, {} SKUs, {} periods {} to {}).\n# Estimates, standard errors and the backtest are in the calibration report.",
        files.join(", "),
        s.rows,
        s.skus,
        s.periods,
        s.first_date,
        s.last_date
    );
    let rel = relative_path(contract_path, out_dir);
    let _ = writeln!(w, "extends = {}\n", toml_str(&rel.to_string_lossy().replace('\\', "/")));
    let plan = &contract.plan;
    let _ = writeln!(w, "[plan]");
    if let Some(f) = &cal.fill_rate {
        let _ = writeln!(w, "fill_rate = {}", pct(f.mean.value.min(1.0)));
    }
    if let Some(f) = &cal.promo_fill_rate {
        let _ = writeln!(w, "promo_fill_rate = {}", pct(f.mean.value.min(1.0)));
    }
    if let Some(r) = &cal.returns_rate {
        let _ = writeln!(w, "returns_rate = {}", pct(r.value.min(1.0)));
    }
    let factors: Vec<String> = cal.seasonality.iter().map(|m| num(m.factor.clamp(0.0, 20.0))).collect();
    let _ = writeln!(w, "seasonality = [{}]\n", factors.join(", "));
    let stores = f64::from(contract.retailer.stores);
    let periods = contract.calendar.granularity.periods();
    let mut lines = 0;
    for sku in &contract.skus {
        let Some(est) = cal.sku(&sku.sku) else {
            warnings.push(format!(
                "SKU {} of the contract has no usable history: its plan line is the contract's",
                sku.sku
            ));
            continue;
        };
        let existing = plan.lines.iter().find(|l| l.sku == sku.sku);
        let b = est.baseline.value;
        let chain = if est.per_store { b * stores } else { b };
        let per_store = if est.per_store {
            b
        } else if stores > 0.0 {
            b / stores
        } else {
            b
        };
        let key = match existing {
            Some(l) if l.units.is_some() => "units",
            Some(l) if l.units_per_store.is_some() => "units_per_store",
            Some(_) => "units_per_period",
            None if est.per_store => "units_per_store",
            None => "units_per_period",
        };
        if est.per_store && key == "units_per_period" {
            warnings.push(format!(
                "SKU {}: the history's baseline is per store; the contract's line is chain-wide, so it is × {} stores",
                sku.sku, contract.retailer.stores
            ));
        }
        let _ = writeln!(w, "[[plan.lines]]\nsku = {}", toml_str(&sku.sku));
        match key {
            "units" => {
                // The SKU's own seasonality; a period the contract plans at 0 (not listed
                // yet, delisted) stays 0.
                let old = existing.and_then(|l| l.units.as_ref());
                let v: Vec<String> = (1..=periods as u16)
                    .map(|p| {
                        let m = usize::from(contract.calendar.granularity.month_of(p));
                        let f = est.seasonality.get(m - 1).copied().unwrap_or(1.0);
                        let zero = old.is_some_and(|o| o.get(usize::from(p) - 1) == Some(&0));
                        let u = if zero { 0 } else { (chain * f).round().clamp(0.0, 1e9) as u64 };
                        u.to_string()
                    })
                    .collect();
                let _ = writeln!(w, "units = [{}]\n", v.join(", "));
            }
            "units_per_store" => {
                let _ = writeln!(w, "units_per_store = {}\n", num(per_store.clamp(0.0, 100_000.0)));
            }
            _ => {
                let _ = writeln!(w, "units_per_period = {}\n", chain.round().clamp(0.0, 1e9) as u64);
            }
        }
        lines += 1;
    }
    for h in &history.skus {
        if !contract.skus.iter().any(|s| s.sku == h.sku) {
            warnings.push(format!("SKU {} is in the history but not in the contract: not planned", h.sku));
        }
    }
    // Promotions.
    let mut uplifts = Vec::new();
    let mut promotions = 0;
    for p in &plan.promotions {
        for sku in &p.skus {
            let cut = p.price_cut.map(|c| rust_decimal::prelude::ToPrimitive::to_f64(&c.0).unwrap_or(0.0));
            let calibrated =
                cal.sku(sku).and_then(|_| cal.uplift(sku, Some(p.slot), cut)).or_else(|| cal.uplift(sku, None, cut));
            let uplift = match calibrated {
                Some(u) => (u * 10_000.0).round() / 10_000.0,
                None => {
                    warnings.push(format!(
                        "promotion of {sku} ({}): no promotion in the history to calibrate from; uplift kept at {}",
                        slot_name(p.slot),
                        p.uplift.0
                    ));
                    rust_decimal::prelude::ToPrimitive::to_f64(&p.uplift.0).unwrap_or(1.0)
                }
            }
            .clamp(0.0, 50.0);
            uplifts.push(uplift);
            let _ = writeln!(w, "[[plan.promotions]]\nskus = [{}]", toml_str(sku));
            match &p.promotion_period {
                Some(name) => {
                    let _ = writeln!(w, "promotion_period = {}", toml_str(name));
                }
                None => {
                    let v: Vec<String> = p.periods.iter().map(u16::to_string).collect();
                    let _ = writeln!(w, "periods = [{}]", v.join(", "));
                }
            }
            let _ = writeln!(w, "slot = \"{}\"\nuplift = {}", slot_name(p.slot), num(uplift));
            if let Some(c) = p.price_cut {
                let _ = writeln!(w, "price_cut = \"{}\"", c.0);
            }
            w.push('\n');
            promotions += 1;
        }
    }
    // Uncertainty. Inline tables merge key by key under `extends`, so each distribution keeps
    // the family the contract uses for that key (its other parameters would otherwise stay).
    let base_u = contract.uncertainty.as_ref();
    let _ = writeln!(w, "[uncertainty]");
    if base_u.is_some_and(|u| u.demand_sigma.is_some()) {
        let _ = writeln!(w, "demand_sigma = {}", num(cal.demand_sigma.value));
    } else {
        let _ = writeln!(w, "demand_cv = {}", pct(cal.demand_cv.max(0.0001)));
    }
    let sd = cal.trend.se.unwrap_or(0.0);
    let trend = Target::spread(cal.trend.value, sd, -1.0, 10.0);
    let _ = writeln!(w, "trend = {}", dist(base_u.and_then(|u| u.trend.as_ref()), Family::Normal, &trend, true));
    if let Some(d) = &cal.post_promo_dip {
        let t = Target::spread(d.value, d.se.unwrap_or(0.0), 0.0, 0.9);
        let _ = writeln!(
            w,
            "post_promo_dip = {}",
            dist(base_u.and_then(|u| u.post_promo_dip.as_ref()), Family::Pert, &t, true)
        );
    }
    if let Some(f) = &cal.fill_rate {
        let _ = writeln!(
            w,
            "fill_rate = {}",
            dist(base_u.and_then(|u| u.fill_rate.as_ref()), Family::Pert, &Target::share(f), true)
        );
    }
    if let Some(f) = &cal.promo_fill_rate {
        let t = Target::share(f);
        let _ = writeln!(
            w,
            "promo_fill_rate = {}",
            dist(base_u.and_then(|u| u.promo_fill_rate.as_ref()), Family::Pert, &t, true)
        );
    }
    if let (Some(r), Some(spread)) = (&cal.returns_rate, cal.returns_spread) {
        let t = Target::spread(r.value, spread, 0.0, 1.0);
        let _ = writeln!(
            w,
            "returns_rate = {}",
            dist(base_u.and_then(|u| u.returns_rate.as_ref()), Family::Uniform, &t, true)
        );
    }
    let same = uplifts.windows(2).all(|x| (x[0] - x[1]).abs() < 1e-9);
    let base_uplift = base_u.and_then(|u| u.promo_uplift.as_ref());
    if !uplifts.is_empty() && (same || base_uplift.is_some()) {
        let mean = uplifts.iter().sum::<f64>() / uplifts.len() as f64;
        let extra = cal.promo_extra_variance.unwrap_or(0.0);
        let cv = (extra.exp() - 1.0).sqrt();
        if !same {
            warnings.push(format!(
                "the contract states uncertainty.promo_uplift, which replaces every promotion's uplift: it is set to the promotions' mean calibrated uplift {mean:.3}, so in a simulation the uplift no longer depends on each promotion's price cut"
            ));
        }
        let t = Target::spread(mean, mean * cv, 0.0, 50.0);
        let _ = writeln!(w, "promo_uplift = {}", dist(base_uplift, Family::Lognormal, &t, false));
    }
    Written { text: w, lines, promotions, warnings }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let cases = [
            ("/a/b/c.toml", "/a/b", "c.toml"),
            ("/a/b/c.toml", "/a/d", "../b/c.toml"),
            ("/a/b/c.toml", "/a/b/e/f", "../../c.toml"),
            ("/a/./b/../b/c.toml", "/a", "b/c.toml"),
        ];
        for (t, f, want) in cases {
            assert_eq!(relative_path(Path::new(t), Path::new(f)), PathBuf::from(want), "{t} from {f}");
        }
        assert_eq!(toml_str("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(pct(0.23414), "\"23.41%\"");
    }
}
