//! Randomness by address: every draw of a scenario comes from a generator addressed by
//! (master seed, scenario index, random factor, SKU).
//!
//! * **Root (counter-based):** scenario `index` owns a [`ScenarioKey`], 256 bits read from a
//!   ChaCha8 stream keyed by the master seed with the scenario index as stream number. Any
//!   scenario can be replayed from its index alone, with no sequential jumping, and results do
//!   not depend on thread count or batch size.
//! * **Factor streams:** each random factor of each SKU (demand, fill, uplift, …) draws from its
//!   own Xoshiro256++ generator, seeded from the scenario key and the (factor, key) address
//!   through SplitMix64. Why not a ChaCha8 stream per factor, as before: a ChaCha8 stream costs
//!   ~70 ns to start (it generates four blocks at once) and 2 ns per 64-bit word, and a
//!   52-week × 10-SKU scenario starts ~30 of them (31 set-ups measured 2.2 µs; replacing them
//!   took sampling from 12.8 to 8.3 µs per scenario). Xoshiro256++ starts with four SplitMix64
//!   mixes and costs ~1 ns per word (../shared/reference/montecarlo.md §2.2); with a 2²⁵⁶ period
//!   and seeds derived from a cryptographic root, overlaps between the few hundred draws of each
//!   stream are negligible.
//! * **Common random numbers:** a SKU's draws are keyed by the SKU's code, not its position,
//!   so two contracts carrying the same SKU see the same demand in scenario k.
//! * **Portfolios:** the contracts of a portfolio are *different chains*, not alternatives:
//!   each mixes a salt from its id into every key ([`crate::Model::salted`]), so the same SKU
//!   at two chains draws independently, and the drivers they share come from portfolio-level
//!   factors ([`Factor::BrandDemand`], [`Factor::SharedWar`], [`Factor::Claims`];
//!   [`crate::portfolio`]). Salt 0 is a contract alone: its draws are unchanged.
//! * **Independence of factors:** adding a random factor adds a new address and does not shift
//!   the draws of existing factors.

use rand::rngs::{ChaCha8Rng, Xoshiro256PlusPlus};
use rand::{Rng, SeedableRng};

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
    /// A portfolio's brand-level demand factor, shared by every chain.
    BrandDemand = 12,
    /// A portfolio's price war, shared by every chain (occurrence and shared depth).
    SharedWar = 13,
    /// A portfolio's price-match claims (最低价), per chain and SKU.
    Claims = 14,
    /// The retailer's flyer runs (档期执行): the scenario's run rate, then one draw per period.
    FlyerRun = 15,
    /// The retailer's display compliance (陈列到位率), one draw per period.
    Display = 16,
    /// Promotion priority (档期优先): one uniform per SKU-period, whether the planned slot is
    /// granted (keyed by the SKU).
    PromotionPriority = 17,
    /// Price-system protection (价格体系保护): one uniform per SKU-period, whether the retailer
    /// holds the price that period (keyed by the SKU).
    PriceProtection = 18,
    /// The relationship resources' drawn effects (`[resources.effects]`), one draw per
    /// scenario (keyed by the effect's key).
    ResourceEffects = 19,
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

/// The generator of one (factor, key) in one scenario.
pub type Stream = Xoshiro256PlusPlus;

/// The 256-bit root of one scenario: ChaCha8 keyed by the master seed, stream = scenario index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScenarioKey([u64; 4]);

impl ScenarioKey {
    /// The root of scenario `index` of the run seeded `seed`.
    pub fn new(seed: u64, index: u64) -> ScenarioKey {
        let mut bytes = [0u8; 32];
        let words = [
            splitmix(seed),
            splitmix(seed ^ 0xA24B_AED4_963E_E407),
            splitmix(seed ^ 0x9FB2_1C65_1E98_DF25),
            splitmix(seed ^ 0xD6E8_FEB8_6659_FD93),
        ];
        for (i, w) in words.iter().enumerate() {
            bytes[i * 8..(i + 1) * 8].copy_from_slice(&w.to_le_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(bytes);
        rng.set_stream(index);
        ScenarioKey([rng.next_u64(), rng.next_u64(), rng.next_u64(), rng.next_u64()])
    }

    /// The generator of `factor` for `key` (a SKU code's [`sku_key`], a term path's, or 0)
    /// in this scenario.
    #[inline]
    pub fn stream(&self, factor: Factor, key: u64) -> Stream {
        self.stream_at(address(factor, key))
    }

    /// The generator of an [`address`] in this scenario (hot loops compute addresses once).
    #[inline]
    pub fn stream_at(&self, address: u64) -> Stream {
        // One SplitMix64 output per state word, each mixing a different word of the scenario
        // key with the address.
        let mut bytes = [0u8; 32];
        for (i, k) in self.0.iter().enumerate() {
            let w = splitmix(k ^ address.rotate_left(16 * i as u32));
            bytes[i * 8..(i + 1) * 8].copy_from_slice(&w.to_le_bytes());
        }
        Xoshiro256PlusPlus::from_seed(bytes)
    }
}

/// A 64-bit digest of (factor, key): where a generator sits in every scenario.
#[inline]
pub fn address(factor: Factor, key: u64) -> u64 {
    splitmix(splitmix((factor as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) ^ key)
}

/// The generator for (seed, factor, key) at scenario `index` (the scenario key computed on the
/// spot; hot loops keep a [`ScenarioKey`] per scenario instead).
pub fn stream(seed: u64, factor: Factor, key: u64, index: u64) -> Stream {
    ScenarioKey::new(seed, index).stream(factor, key)
}
