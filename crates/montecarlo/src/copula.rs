//! Gaussian copula between drivers: correlated standard normals mapped to each driver's own
//! distribution through its quantile function, x = F⁻¹(Φ(z)). This keeps every marginal
//! exactly as modelled and imposes the requested correlation on the normal scores (rank
//! correlation close to it), without needing all scenarios at once (unlike Iman–Conover),
//! so a scenario can still be replayed by its index.

use crate::Error;

/// Standard normal CDF Φ(z), via the complementary error function (fractional error below
/// 1.2e-7, Numerical Recipes' Chebyshev fit).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let lo = 0.024_25;
    if p < lo {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - lo {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularized incomplete beta I_x(a, b) (continued fraction, Numerical Recipes `betacf`).
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) { front * beta_cf(x, a, b) / a } else { 1.0 - front * beta_cf(1.0 - x, b, a) / b }
}

fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    // Modified Lentz's method (Numerical Recipes' `betacf`): each term updates c and d, kept away
    // from zero.
    const TINY: f64 = 1e-300;
    let away = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / away(1.0 - qab * x / qap);
    let mut h = d;
    // One continued-fraction term: returns the factor it multiplies h by.
    let step = |aa: f64, c: &mut f64, d: &mut f64| {
        *d = 1.0 / away(1.0 + aa * *d);
        *c = away(1.0 + aa / *c);
        *d * *c
    };
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        h *= step(m * (b - m) * x / ((qam + m2) * (a + m2)), &mut c, &mut d);
        let del = step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &mut c, &mut d);
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// A driver's quantile function F⁻¹(u), exact where a closed form exists and from a 4,097-point
/// table (linear interpolation) for PERT and Poisson.
#[derive(Clone, Debug)]
pub struct Quantile {
    kind: QKind,
}

#[derive(Clone, Debug)]
enum QKind {
    Fixed(f64),
    Uniform(f64, f64),
    Triangular(f64, f64, f64),
    Normal(f64, f64),
    LogNormal(f64, f64),
    Steps(Vec<f64>, Vec<f64>),
    Table(Vec<f64>),
}

const TABLE: usize = 4096;

impl Quantile {
    /// The quantile function of a distribution.
    pub fn new(d: &kasim_core::uncertainty::Dist) -> Result<Quantile, Error> {
        use kasim_core::uncertainty::Dist;
        let f = crate::dist::f;
        let kind = match d {
            Dist::Fixed { value } => QKind::Fixed(f(value.0)),
            Dist::Uniform { min, max } => QKind::Uniform(f(min.0), f(max.0)),
            Dist::Triangular { min, mode, max } => QKind::Triangular(f(min.0), f(mode.0), f(max.0)),
            Dist::Normal { mean, sd } => QKind::Normal(f(mean.0), f(sd.0)),
            Dist::Lognormal { mean, cv } => {
                let (m, c) = (f(mean.0), f(cv.0));
                let s2 = (1.0 + c * c).ln();
                QKind::LogNormal(m.ln() - s2 / 2.0, s2.sqrt())
            }
            Dist::Bernoulli { p } => QKind::Steps(vec![0.0, 1.0], vec![1.0 - f(p.0), 1.0]),
            Dist::Discrete { values, weights } => {
                let w: Vec<f64> =
                    if weights.is_empty() { vec![1.0; values.len()] } else { weights.iter().map(|x| f(x.0)).collect() };
                let total: f64 = w.iter().sum();
                let mut acc = 0.0;
                let cum = w
                    .iter()
                    .map(|x| {
                        acc += x / total;
                        acc
                    })
                    .collect();
                QKind::Steps(values.iter().map(|v| f(v.0)).collect(), cum)
            }
            Dist::Pert { min, mode, max } => {
                let (lo, m, hi) = (f(min.0), f(mode.0), f(max.0));
                let a = 1.0 + 4.0 * (m - lo) / (hi - lo);
                let b = 1.0 + 4.0 * (hi - m) / (hi - lo);
                let table = (0..=TABLE)
                    .map(|i| {
                        let u = i as f64 / TABLE as f64;
                        let (mut x0, mut x1) = (0.0f64, 1.0f64);
                        for _ in 0..60 {
                            let mid = 0.5 * (x0 + x1);
                            if beta_cdf(mid, a, b) < u {
                                x0 = mid;
                            } else {
                                x1 = mid;
                            }
                        }
                        lo + (hi - lo) * 0.5 * (x0 + x1)
                    })
                    .collect();
                QKind::Table(table)
            }
            Dist::Poisson { mean } => {
                let l = f(mean.0);
                if l.partial_cmp(&700.0) != Some(std::cmp::Ordering::Less) {
                    return Err(Error::Model(
                        "a Poisson mean of 700 or more cannot be correlated (its CDF underflows)".into(),
                    ));
                }
                // Cumulative probabilities by the pmf recursion p(k+1) = p(k) λ / (k+1).
                let kmax = (l + 12.0 * l.sqrt() + 20.0) as usize;
                let (mut p, mut acc) = ((-l).exp(), 0.0);
                let mut values = Vec::with_capacity(kmax);
                let mut cum = Vec::with_capacity(kmax);
                for k in 0..kmax {
                    acc += p;
                    values.push(k as f64);
                    cum.push(acc);
                    p *= l / (k as f64 + 1.0);
                }
                if let Some(last) = cum.last_mut() {
                    *last = 1.0;
                }
                QKind::Steps(values, cum)
            }
        };
        Ok(Quantile { kind })
    }

    /// F⁻¹(u) for u in (0, 1).
    pub fn at(&self, u: f64) -> f64 {
        match &self.kind {
            QKind::Fixed(x) => *x,
            QKind::Uniform(a, b) => a + u * (b - a),
            QKind::Triangular(a, c, b) => {
                let fc = (c - a) / (b - a);
                if u < fc { a + (u * (b - a) * (c - a)).sqrt() } else { b - ((1.0 - u) * (b - a) * (b - c)).sqrt() }
            }
            QKind::Normal(m, s) => m + s * inverse_normal_cdf(u),
            QKind::LogNormal(mu, s) => (mu + s * inverse_normal_cdf(u)).exp(),
            QKind::Steps(v, cum) => v[cum.iter().position(|&c| u < c).unwrap_or(v.len() - 1)],
            QKind::Table(t) => {
                let x = u.clamp(0.0, 1.0) * TABLE as f64;
                let i = (x as usize).min(TABLE - 1);
                t[i] + (x - i as f64) * (t[i + 1] - t[i])
            }
        }
    }
}

/// Lower-triangular Cholesky factor of a correlation matrix (row-major), or an error when it is
/// not positive definite.
pub fn cholesky(m: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, Error> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - s;
                if d <= 1e-12 {
                    return Err(Error::Model(
                        "the correlation matrix is not positive definite: lower some correlations".into(),
                    ));
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    Ok(l)
}

/// Applies a Cholesky factor to independent standard normals.
#[inline]
pub fn correlate(l: &[Vec<f64>], e: &[f64], out: &mut [f64]) {
    for (i, row) in l.iter().enumerate() {
        out[i] = row.iter().zip(e).take(i + 1).map(|(a, b)| a * b).sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_and_inverse() {
        for (z, p) in
            [(0.0, 0.5), (1.0, 0.841_344_746_068_542_9), (-1.959_963_984_540_054, 0.025), (2.326_347_874_040_841, 0.99)]
        {
            assert!((normal_cdf(z) - p).abs() < 2e-7, "{z}");
            assert!((inverse_normal_cdf(p) - z).abs() < 1e-8, "{p}");
        }
    }

    #[test]
    fn beta_cdf_known_values() {
        // Beta(2, 2): I_x = 3x² − 2x³; Beta(1, 1) is uniform.
        for x in [0.1, 0.3, 0.5, 0.9] {
            assert!((beta_cdf(x, 2.0, 2.0) - (3.0 * x * x - 2.0 * x * x * x)).abs() < 1e-12);
            assert!((beta_cdf(x, 1.0, 1.0) - x).abs() < 1e-12);
        }
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn cholesky_rejects_impossible_correlations() {
        let ok = cholesky(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
        assert!((ok[1][1] - 0.75f64.sqrt()).abs() < 1e-15);
        let bad = vec![vec![1.0, 0.9, -0.9], vec![0.9, 1.0, 0.9], vec![-0.9, 0.9, 1.0]];
        assert!(cholesky(&bad).is_err());
    }
}
