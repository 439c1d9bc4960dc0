//! `exp` for the lognormal demand noise, evaluated a column at a time.
//!
//! Why not `f64::exp`: it calls the platform's libm, one cell at a time. That was ~30% of a
//! scenario's sampling time on the reference model, and libm differs between platforms (glibc,
//! macOS, musl may disagree in the last bit, which can move a unit count across a rounding
//! boundary). This version uses only IEEE-754 additions and multiplications in a fixed order
//! (Rust never contracts them into FMAs), so it gives the same bits on every platform, and
//! its loop has no branches or calls, so the compiler evaluates two lanes per instruction.
//!
//! Method (table-driven Cody–Waite reduction, as in Tang's algorithm and glibc): with
//! `k = round(x · 64 / ln 2)`, `exp(x) = 2^(k div 64) · 2^((k mod 64)/64) · exp(r)` where
//! `r = x − k · ln 2/64` (`ln 2` split in a high part with trailing zero bits and a low part, so
//! `k · ln2_hi/64` is exact), `|r| ≤ ln 2/128`. `2^(j/64)` comes from a 64-entry table of correctly
//! rounded doubles; `exp(r)` from its Taylor series to degree 5 (truncation error below
//! 4·10⁻¹⁷); `2^(k div 64)` is built directly in the exponent bits. About 20 operations, against
//! 35 for a table-free degree-13 polynomial (the first version of this module), which mattered:
//! the exponentials are flop-bound. Measured error against glibc over 10⁶ arguments: at most
//! 1 ulp, the same bits for 75% of them (see the tests). Arguments are clamped to `[−700, 700]`, where `exp` is still a normal
//! number; demand beyond that saturates at the unit cap anyway.

/// 1.5 · 2⁵²: adding it rounds a double of magnitude below 2⁵¹ to an integer (ties to even)
/// and leaves that integer in the low bits of the sum.
const SHIFTER: f64 = 6_755_399_441_055_744.0;
/// 64 / ln 2 (exact scaling of `log2(e)` by a power of two).
const SCALED_LOG2_E: f64 = std::f64::consts::LOG2_E * 64.0;
/// ln 2 / 64 split (fdlibm's `ln2_hi` has only 32 significant bits, so `k · LN2_HI_64` is exact
/// for |k| < 2²¹; clamped arguments give |k| < 2¹⁷).
const LN2_HI_64: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000) / 64.0;
const LN2_LO_64: f64 = f64::from_bits(0x3dea_39ef_3579_3c76) / 64.0;

/// `2^(j/64)` for j = 0..64, correctly rounded (bit patterns).
const TABLE: [u64; 64] = [
    0x3ff0000000000000,
    0x3ff02c9a3e778061,
    0x3ff059b0d3158574,
    0x3ff0874518759bc8,
    0x3ff0b5586cf9890f,
    0x3ff0e3ec32d3d1a2,
    0x3ff11301d0125b51,
    0x3ff1429aaea92de0,
    0x3ff172b83c7d517b,
    0x3ff1a35beb6fcb75,
    0x3ff1d4873168b9aa,
    0x3ff2063b88628cd6,
    0x3ff2387a6e756238,
    0x3ff26b4565e27cdd,
    0x3ff29e9df51fdee1,
    0x3ff2d285a6e4030b,
    0x3ff306fe0a31b715,
    0x3ff33c08b26416ff,
    0x3ff371a7373aa9cb,
    0x3ff3a7db34e59ff7,
    0x3ff3dea64c123422,
    0x3ff4160a21f72e2a,
    0x3ff44e086061892d,
    0x3ff486a2b5c13cd0,
    0x3ff4bfdad5362a27,
    0x3ff4f9b2769d2ca7,
    0x3ff5342b569d4f82,
    0x3ff56f4736b527da,
    0x3ff5ab07dd485429,
    0x3ff5e76f15ad2148,
    0x3ff6247eb03a5585,
    0x3ff6623882552225,
    0x3ff6a09e667f3bcd,
    0x3ff6dfb23c651a2f,
    0x3ff71f75e8ec5f74,
    0x3ff75feb564267c9,
    0x3ff7a11473eb0187,
    0x3ff7e2f336cf4e62,
    0x3ff82589994cce13,
    0x3ff868d99b4492ed,
    0x3ff8ace5422aa0db,
    0x3ff8f1ae99157736,
    0x3ff93737b0cdc5e5,
    0x3ff97d829fde4e50,
    0x3ff9c49182a3f090,
    0x3ffa0c667b5de565,
    0x3ffa5503b23e255d,
    0x3ffa9e6b5579fdbf,
    0x3ffae89f995ad3ad,
    0x3ffb33a2b84f15fb,
    0x3ffb7f76f2fb5e47,
    0x3ffbcc1e904bc1d2,
    0x3ffc199bdd85529c,
    0x3ffc67f12e57d14b,
    0x3ffcb720dcef9069,
    0x3ffd072d4a07897c,
    0x3ffd5818dcfba487,
    0x3ffda9e603db3285,
    0x3ffdfc97337b9b5f,
    0x3ffe502ee78b3ff6,
    0x3ffea4afa2a490da,
    0x3ffefa1bee615a27,
    0x3fff50765b6e4540,
    0x3fffa7c1819e90d8,
];

/// `exp(x)`, bit-identical on every platform (see the module documentation).
///
/// ```
/// let x = kasim_montecarlo::fastexp::exp(1.0);
/// assert!((x - std::f64::consts::E).abs() <= f64::EPSILON * 4.0);
/// ```
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let x = x.clamp(-700.0, 700.0);
    // k = round(x · 64 / ln 2) without a libm call: the shifter leaves k in the low mantissa bits.
    let shifted = x * SCALED_LOG2_E + SHIFTER;
    let k_bits = shifted.to_bits();
    let k = shifted - SHIFTER;
    let r = (x - k * LN2_HI_64) - k * LN2_LO_64;
    // exp(r) − 1 = r + r²/2 + r³/6 + r⁴/24 + r⁵/120.
    let r2 = r * r;
    let p = r + r2 * ((0.5 + r * (1.0 / 6.0)) + r2 * ((1.0 / 24.0) + r * (1.0 / 120.0)));
    // k as an integer: the low bits of `k_bits` (two's complement within the mantissa).
    let k_int = (k_bits as i64).wrapping_sub(SHIFTER.to_bits() as i64);
    let t = f64::from_bits(TABLE[(k_int & 63) as usize]);
    let scale = f64::from_bits((((k_int >> 6) + 1023) as u64) << 52);
    (t + t * p) * scale
}

/// Replaces every element by its exponential (a loop the compiler vectorises).
pub fn exp_in_place(xs: &mut [f64]) {
    for x in xs {
        *x = exp(*x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn matches_libm_within_one_ulp() {
        // A deterministic sweep over the range demand noise uses and beyond.
        let mut worst = 0;
        let mut state = 0x1234_5678_9abc_def0u64;
        for i in 0..1_000_000 {
            state = crate::streams::splitmix(state);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            let x = if i % 2 == 0 { (u - 0.5) * 20.0 } else { (u - 0.5) * 1_380.0 };
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 1, "worst error {worst} ulp");
        for (x, want) in [(0.0, 1.0), (1.0, std::f64::consts::E), (-1.0, 1.0 / std::f64::consts::E)] {
            assert!(ulps(exp(x), want) <= 1, "{x}");
        }
        assert!(exp(800.0).is_finite() && exp(-800.0) > 0.0);
    }

    #[test]
    fn golden_values() {
        // Pinned bits: the demand noise of every scenario depends on them.
        let cases = [(-0.045, 0x3fee_9788_07f1_0233u64), (0.3, 0x3ff5_9905_8c8c_1a95), (-2.5, 0x3fb5_0385_c094_f425)];
        for (x, bits) in cases {
            assert_eq!(exp(x).to_bits(), bits, "exp({x})");
        }
        assert_eq!(exp(7.25).to_bits(), 0x4096_006b_5d53_e8d8);
    }
}
