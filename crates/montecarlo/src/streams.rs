//! Randomness by address: every draw of a scenario comes from a ChaCha8 stream keyed by
//! (master seed, random factor, SKU) with the scenario index as the stream number.
//!
//! * Any scenario can be replayed from its index alone, with no sequential jumping.
//! * Results do not depend on thread count or batch size: a scenario owns its streams.
//! * Common random numbers: a SKU's demand draws are keyed by the SKU's code, not its
//!   position, so two contracts carrying the same SKU see the same demand in scenario k.
//! * Adding a random factor adds a new key and does not shift the draws of existing factors.

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

/// The random factors, each with its own key. Never renumber: the numbers are part of the
/// reproducibility contract (a given seed gives the same results across releases).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Factor {
    /// Idiosyncratic demand noise per SKU.
    Demand = 1,
    /// Demand noise common to all SKUs in a period.
    DemandCommon = 2,
    /// Promotion uplift per SKU.
    Uplift = 3,
    /// Post-promotion dip per SKU.
    Dip = 4,
    /// Fill rate per SKU.
    Fill = 5,
    /// Scenario trend.
    Trend = 6,
    /// Scenario returns rate.
    Returns = 7,
    /// Store openings (count and timing).
    Openings = 8,
    /// Price wars (occurrence and depth).
    PriceWar = 9,
    /// Contract terms drawn per scenario (keyed by the term's path).
    Terms = 10,
    /// Uncertain negotiation parameters (buyer targets, deadlines) per tournament run.
    Negotiation = 11,
}

/// SplitMix64: a bijective mixer used to spread keys into seed bytes.
#[inline]
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable 64-bit key of a SKU code (FNV-1a), independent of its position in a contract.
pub fn sku_key(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The generator for (seed, factor, key) at scenario `index`.
pub fn stream(seed: u64, factor: Factor, key: u64, index: u64) -> ChaCha8Rng {
    let mut bytes = [0u8; 32];
    let words = [
        splitmix(seed),
        splitmix(seed ^ (factor as u64).wrapping_mul(0xA24B_AED4_963E_E407)),
        splitmix(key ^ 0x9FB2_1C65_1E98_DF25),
        splitmix(seed.wrapping_add(key).wrapping_add(factor as u64)),
    ];
    for (i, w) in words.iter().enumerate() {
        bytes[i * 8..(i + 1) * 8].copy_from_slice(&w.to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(bytes);
    rng.set_stream(index);
    rng
}
