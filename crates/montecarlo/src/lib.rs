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
//! * **Reports, not text:** [`report`] turns results into the typed values the commands
//!   return — a simulation's summaries, a comparison's differences, P(A beats B) and ranking,
//!   a sensitivity analysis, a goal seek — which `kasim-report` renders in every format.
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
pub mod report;
pub mod runner;
pub mod sampler;
pub mod stats;
pub mod streams;

pub use runner::{Results, Row, RunConfig, run, run_with_progress};
pub use sampler::Model;
pub use stats::Summary;

/// Errors of the Monte Carlo crate. Each names what it concerns in fields, so callers can
/// branch on it ([`Error::is_unreachable_goal`], …) and the CLI can render it; context is added
/// by wrapping ([`Error::Scenario`]), not by rewriting messages.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The uncertainty model cannot be sampled (a distribution's parameters, a correlation
    /// matrix, a worker pool that cannot start). Being replaced by typed variants.
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
    /// A simulation of a contract without an `[uncertainty]` section.
    #[error("nothing is uncertain in contract `{contract}`: add an [uncertainty] section (see docs/simulation.md)")]
    NoUncertainty {
        /// The contract's name.
        contract: String,
    },
    /// A sensitivity input that is not an uncertain input of the model.
    #[error("`{name}` is not an uncertain input (use uncertainty.trend, uncertainty.promo_uplift, …)")]
    UnknownInput {
        /// The name given.
        name: String,
    },
    /// `uncertainty.price_war.depth` of a contract without a price war.
    #[error("`{name}`: the contract has no price war")]
    NoPriceWar {
        /// The input's name.
        name: String,
    },
    /// A term path that does not name a numeric term of the contract, or a value it cannot
    /// take.
    #[error("invalid term: {reason}")]
    Term {
        /// The term's path (`fees.entry.amount`).
        path: String,
        /// Why (from `kasim_core::terms`).
        reason: String,
    },
    /// A statistic name that is neither `mean` nor `p1`…`p99`.
    #[error("`{text}` is not a statistic: use mean or p1…p99 (e.g. p10)")]
    BadStatistic {
        /// The text given.
        text: String,
    },
    /// A goal-seek range whose low end is not below its high end.
    #[error("the search range is empty: low {low} is not below high {high}")]
    EmptyRange {
        /// Low end.
        low: rust_decimal::Decimal,
        /// High end.
        high: rust_decimal::Decimal,
    },
    /// The goal is not bracketed: the statistic is on the same side of the target at both
    /// ends of the range.
    #[error(
        "{stat} net contribution of {target} is not reached with {term} between {low} and {high}: it is {at_low} at {low} and {at_high} at {high}"
    )]
    GoalNotBracketed {
        /// The term searched.
        term: String,
        /// The statistic.
        stat: analysis::Stat,
        /// The target.
        target: rust_decimal::Decimal,
        /// Low end of the range.
        low: rust_decimal::Decimal,
        /// High end of the range.
        high: rust_decimal::Decimal,
        /// The statistic at the low end.
        at_low: rust_decimal::Decimal,
        /// The statistic at the high end.
        at_high: rust_decimal::Decimal,
    },
}

impl Error {
    /// True when a goal seek's target lies outside what its range reaches.
    pub fn is_unreachable_goal(&self) -> bool {
        matches!(self, Error::GoalNotBracketed { .. })
    }

    /// True when the input (a flag value, a term path, a statistic) is wrong rather than the
    /// contract or the run.
    pub fn is_bad_argument(&self) -> bool {
        matches!(
            self,
            Error::UnknownInput { .. }
                | Error::NoPriceWar { .. }
                | Error::Term { .. }
                | Error::BadStatistic { .. }
                | Error::EmptyRange { .. }
        )
    }

    /// The settlement error underneath, when settling failed (also inside a scenario).
    pub fn core(&self) -> Option<&kasim_core::Error> {
        match self {
            Error::Core(e) => Some(e),
            Error::Scenario { source, .. } => source.core(),
            _ => None,
        }
    }
}
