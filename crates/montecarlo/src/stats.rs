//! Statistics of one simulated output over all scenarios, computed from the stored
//! per-scenario values (sorted once), so every figure is exact for the sample and identical
//! whatever the thread count.
//!
//! Definitions:
//! * mean: the exact mean (sum of cents ÷ n, in `Decimal`); sd: the sample standard deviation
//!   (n − 1); standard error = sd ÷ √n.
//! * Percentile q: linear interpolation between order statistics at h = (n − 1)·q (the
//!   "type 7" rule of R and NumPy's default).
//! * Every output says which way is better ([`Better`]): higher for net contribution, margins
//!   and prices, lower for costs (fees, the fee ratio). Risk is measured in the bad tail.
//! * VaR at 95%: the level the output is worse than with 5% probability — the 5th percentile
//!   where higher is better, the 95th where lower is better; CVaR at 95% (expected shortfall):
//!   the mean of the worst ⌈5% · n⌉ values (the lowest, or for a cost the highest).
//! * P(loss): share of scenarios with output < 0, only for outputs where a value below zero is
//!   a loss (net contribution, margins, a difference of contributions); not for fees or
//!   sales. P(output < t) likewise for a threshold t.

use rust_decimal::Decimal;
use serde::Serialize;

/// The percentiles reported.
pub const PERCENTILES: [u32; 9] = [1, 5, 10, 25, 50, 75, 90, 95, 99];

/// Which way an output is better: what its risk figures ([`Summary::var95`],
/// [`Summary::cvar95`]) measure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// More is better (net contribution, a margin, a price): the bad tail is the low one.
    #[default]
    Higher,
    /// Less is better (a cost: fees, the fee ratio): the bad tail is the high one.
    Lower,
}

/// Summary statistics of an output, in the output's unit (money in currency units).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Number of scenarios.
    pub n: usize,
    /// Exact mean.
    pub mean: Decimal,
    /// Sample standard deviation.
    pub sd: f64,
    /// Standard error of the mean.
    pub std_error: f64,
    /// Smallest value.
    pub min: Decimal,
    /// Largest value.
    pub max: Decimal,
    /// (percentile, value) for P1, P5, P10, P25, P50, P75, P90, P95, P99.
    pub percentiles: Vec<(u32, Decimal)>,
    /// Value at risk at 95%: the 5th percentile, or the 95th for an output where lower is
    /// better.
    pub var95: Decimal,
    /// Conditional value at risk at 95% (expected shortfall): mean of the worst 5% — the
    /// lowest values, or the highest where lower is better.
    pub cvar95: Decimal,
    /// Share of scenarios below zero, for an output where that is a loss (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_loss: Option<f64>,
    /// Which way is better: the tail `var95` and `cvar95` measure.
    pub better: Better,
}

/// Values in hundredths (cents) of the output unit, as stored per scenario.
fn dec(cents: f64) -> Decimal {
    let mut d = Decimal::from_f64_retain(cents)
        .map(|d| {
            (d / Decimal::ONE_HUNDRED).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        })
        .unwrap_or_default();
    d.rescale(2);
    d
}

/// `sum` cents ÷ `n` (n > 0) rounded half away from zero to the cent, exactly: the quotient
/// of `i64` values always fits, so no fallback is needed.
fn mean_of(sum: i128, n: usize) -> Decimal {
    let n = n.max(1) as i128;
    let (q, r) = (sum / n, sum % n);
    let q = if 2 * r.abs() >= n { q + sum.signum() } else { q };
    // |q| ≤ 2⁶³, far inside `Decimal`'s 96-bit mantissa.
    Decimal::try_from_i128_with_scale(q, 2).unwrap_or_default()
}

/// The q-quantile (0 ≤ q ≤ 1) of sorted values, type 7.
pub fn quantile(sorted: &[i64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    let (a, b) = (sorted[lo] as f64, sorted[hi] as f64);
    a + (h - lo as f64) * (b - a)
}

impl Summary {
    /// Summarises values given in cents.
    pub fn of_cents(values: &[i64]) -> Summary {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        Summary::of_sorted_cents(&sorted)
    }

    /// Summarises values already sorted ascending, in cents, of an output where higher is
    /// better and a value below zero is a loss (net contribution).
    pub fn of_sorted_cents(sorted: &[i64]) -> Summary {
        Summary::of_sorted_cents_toward(sorted, Better::Higher, true)
    }

    /// Summarises values already sorted ascending, in cents, of an output that is better
    /// `better`, with P(loss) when `loss` (a value below zero is a loss).
    pub fn of_sorted_cents_toward(sorted: &[i64], better: Better, loss: bool) -> Summary {
        let n = sorted.len();
        if n == 0 {
            return Summary {
                n,
                mean: Decimal::ZERO,
                sd: 0.0,
                std_error: 0.0,
                min: Decimal::ZERO,
                max: Decimal::ZERO,
                percentiles: PERCENTILES.iter().map(|&p| (p, Decimal::ZERO)).collect(),
                var95: Decimal::ZERO,
                cvar95: Decimal::ZERO,
                p_loss: loss.then_some(0.0),
                better,
            };
        }
        let sum: i128 = sorted.iter().map(|&v| v as i128).sum();
        let mean_cents = sum as f64 / n as f64;
        let mean = mean_of(sum, n);
        // Sequential, in sorted order: deterministic.
        let ss: f64 = sorted.iter().map(|&v| (v as f64 - mean_cents).powi(2)).sum();
        let sd = if n > 1 { (ss / (n - 1) as f64).sqrt() / 100.0 } else { 0.0 };
        let tail = n.div_ceil(20).max(1);
        let (worst, var_q) = match better {
            Better::Higher => (&sorted[..tail], 0.05),
            Better::Lower => (&sorted[n - tail..], 0.95),
        };
        let tail_sum: i128 = worst.iter().map(|&v| v as i128).sum();
        Summary {
            n,
            mean,
            sd,
            std_error: sd / (n as f64).sqrt(),
            min: Decimal::new(sorted[0], 2),
            max: Decimal::new(sorted[n - 1], 2),
            percentiles: PERCENTILES.iter().map(|&p| (p, dec(quantile(sorted, f64::from(p) / 100.0)))).collect(),
            var95: dec(quantile(sorted, var_q)),
            cvar95: mean_of(tail_sum, tail),
            p_loss: loss.then(|| sorted.partition_point(|&v| v < 0) as f64 / n as f64),
            better,
        }
    }
}

/// Share of values strictly below a threshold (cents), from sorted values.
pub fn p_below(sorted: &[i64], threshold_cents: i128) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Compared in i128: a threshold beyond the stored range is not clamped into it.
    sorted.partition_point(|&v| i128::from(v) < threshold_cents) as f64 / sorted.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_small_sample() {
        // Values 1..=10 (in currency units) → cents.
        let v: Vec<i64> = (1..=10).map(|x| x * 100).collect();
        let s = Summary::of_cents(&v);
        assert_eq!(s.mean.to_string(), "5.50");
        // sd of 1..10 = sqrt(82.5/9) = 3.0276503540974917
        assert!((s.sd - 3.027_650_354_097_491_7).abs() < 1e-12);
        // type-7 P50 = 5.5, P10 = 1.9, P90 = 9.1
        let p = |q: u32| s.percentiles.iter().find(|x| x.0 == q).unwrap().1.to_string();
        assert_eq!(p(50), "5.50");
        assert_eq!(p(10), "1.90");
        assert_eq!(p(90), "9.10");
        // VaR95 = P5 = 1 + 0.45 = 1.45; CVaR95 = mean of worst ceil(0.5) = 1 value = 1.00
        assert_eq!(s.var95.to_string(), "1.45");
        assert_eq!(s.cvar95.to_string(), "1.00");
        assert_eq!(s.p_loss, Some(0.0));
        assert_eq!(p_below(&v, 301), 0.3);
    }

    /// The mean and CVaR are exact at the edges of the stored range (before: the mean of
    /// values near ±2⁶³ cents fell back to 0 or went through `f64`).
    #[test]
    fn mean_and_tail_are_exact_at_the_edges() {
        let s = Summary::of_cents(&[i64::MAX, i64::MAX - 1]);
        assert_eq!(s.mean.to_string(), "92233720368547758.07"); // …06.5 rounds away
        let s = Summary::of_cents(&[i64::MIN, i64::MIN + 1, i64::MIN + 2]);
        assert_eq!(s.mean.to_string(), "-92233720368547758.07");
        assert_eq!(s.cvar95.to_string(), "-92233720368547758.08");
        // Ties round half away from zero, like before: 0.125 → 0.13, −0.125 → −0.13.
        assert_eq!(Summary::of_cents(&[12, 13]).mean.to_string(), "0.13");
        assert_eq!(Summary::of_cents(&[-12, -13]).mean.to_string(), "-0.13");
        assert_eq!(Summary::of_cents(&[10, 11, 11]).mean.to_string(), "0.11");
    }

    #[test]
    fn losses_and_tail() {
        let mut v: Vec<i64> = (-20..80).map(|x| x * 100).collect(); // 100 values, 20 negative
        v.reverse();
        let s = Summary::of_cents(&v);
        assert_eq!(s.p_loss, Some(0.2));
        // worst 5 values: -20..-16 → mean -18
        assert_eq!(s.cvar95.to_string(), "-18.00");
        assert_eq!(s.min.to_string(), "-20.00");
        assert_eq!(s.max.to_string(), "79.00");
    }

    #[test]
    fn a_cost_is_measured_in_its_high_tail_without_p_loss() {
        // Fees 1..=100: the worst 5% are the highest, 96..=100 (mean 98); VaR is P95.
        let v: Vec<i64> = (1..=100).map(|x| x * 100).collect();
        let s = Summary::of_sorted_cents_toward(&v, Better::Lower, false);
        assert_eq!(s.cvar95.to_string(), "98.00");
        // type-7 P95 of 1..=100: 1 + 99 × 0.95 = 95.05
        assert_eq!(s.var95.to_string(), "95.05");
        assert_eq!(s.p_loss, None);
        assert_eq!(s.better, Better::Lower);
        // The same values as a contribution: the worst 5% are the lowest.
        let h = Summary::of_sorted_cents(&v);
        assert_eq!(h.cvar95.to_string(), "3.00");
        assert_eq!(h.var95.to_string(), "5.95");
        assert_eq!(h.p_loss, Some(0.0));
    }
}
