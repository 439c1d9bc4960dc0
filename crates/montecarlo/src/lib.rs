//! # kasim-montecarlo
//!
//! Thousands to millions of contract-years of a KA trade-terms contract, sampled from the
//! contract's `[uncertainty]` and settled by `kasim-core`'s exact engine.
//!
//! * **Reproducible:** scenario k's draws are addressed by (seed, k, factor, SKU): a ChaCha8
//!   root with the scenario index as stream number, then one generator per factor and SKU
//!   ([`streams`]); results are stored per scenario
//!   in index order, so they are byte-identical at any thread count and scenario k can be
//!   replayed alone.
//! * **Common random numbers:** contracts compared in one run read the same draws, keyed by
//!   SKU code, so their differences are not noise.
//! * **Exact money:** sampling is in `f64`, but quantities are rounded to whole units before
//!   settlement, which is exact (`Decimal`) and rounds as the contract says.
//!
//! ```
//! let contract = kasim_core::demo::contract(r#"
//! [uncertainty]
//! demand_cv = "20%"
//!
//! [[fees]]
//! id = "rebate"
//! kind = "unconditional_rebate"
//! rate = "5%"
//! "#).unwrap();
//! let compiled = kasim_core::Compiled::new(&contract).unwrap();
//! let model = kasim_montecarlo::Model::new(&compiled).unwrap();
//! let cfg = kasim_montecarlo::RunConfig { runs: 1000, seed: 7, ..Default::default() };
//! let results = kasim_montecarlo::run(&[model], &cfg).unwrap();
//! let cents: Vec<i64> = results[0].rows.iter().map(|r| r.net_contribution).collect();
//! let summary = kasim_montecarlo::Summary::of_cents(&cents);
//! assert!(summary.sd > 0.0);
//! ```

#![deny(missing_docs)]

pub mod analysis;
pub mod copula;
pub mod dist;
pub mod fastexp;
pub mod runner;
pub mod sampler;
pub mod stats;
pub mod streams;

pub use runner::{Results, Row, RunConfig, run, run_with_progress};
pub use sampler::Model;
pub use stats::Summary;

/// Errors of the Monte Carlo crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The uncertainty model cannot be sampled.
    #[error("uncertainty error: {0}")]
    Model(String),
    /// Settlement failed.
    #[error(transparent)]
    Core(#[from] kasim_core::Error),
    /// Settlement failed in one scenario.
    #[error("scenario {index}: {source}")]
    Scenario {
        /// The scenario index.
        index: u64,
        /// The cause.
        source: Box<Error>,
    },
    /// The run would not fit in memory.
    #[error(
        "{runs} runs × {contracts} contracts need {bytes} bytes of results, above the limit of {limit} bytes; use fewer runs (results take 48 bytes per scenario per contract)"
    )]
    TooLarge {
        /// Requested runs.
        runs: u64,
        /// Contracts.
        contracts: usize,
        /// Bytes needed.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
}
