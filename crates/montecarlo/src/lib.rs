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
pub mod clauses;
pub mod conditioned;
pub mod copula;
pub mod dist;
pub mod fastexp;
pub mod memory;
pub mod multiyear;
pub mod portfolio;
pub mod report;
pub mod runner;
pub mod sampler;
pub mod shard;
pub mod stats;
pub mod streams;

pub use clauses::{ClauseResults, run_clauses};
pub use runner::{Results, Row, RunConfig, run, run_with_progress};
pub use sampler::Model;
pub use shard::{merge, run_range, run_range_with_progress};
pub use stats::Summary;

/// Errors of the Monte Carlo crate. Each names what it concerns in fields, so callers can
/// branch on it ([`Error::is_unreachable_goal`], …) and the CLI can render it; context is added
/// by wrapping ([`Error::Scenario`]), not by rewriting messages.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A distribution's parameters do not define a distribution (as `rand_distr` checks them:
    /// `min > max`, a mode outside the range, a negative standard deviation, …).
    #[error("{what}: {reason}")]
    BadDistribution {
        /// What the distribution is for (`uncertainty.trend`, or a drawn term and its path).
        what: String,
        /// Why it cannot be sampled.
        reason: String,
    },
    /// A correlated Poisson driver whose mean is too large for its CDF in `f64`.
    #[error("{what}: a Poisson mean of {mean} cannot be correlated (700 or more: its CDF underflows)")]
    CorrelatedPoisson {
        /// The driver (`uncertainty.store_openings`).
        what: String,
        /// The mean given.
        mean: f64,
    },
    /// The requested correlations cannot hold together.
    #[error(
        "the correlation matrix{} is not positive definite (its Cholesky pivot {pivot:e} at row {row} is not above 1e-12): lower some correlations",
        if drivers.is_empty() { String::new() } else { format!(" of {}", drivers.join(", ")) }
    )]
    NotPositiveDefinite {
        /// The drivers of the matrix, in row order (empty when unnamed).
        drivers: Vec<String>,
        /// The row (0-based) whose pivot failed.
        row: usize,
        /// The pivot there.
        pivot: f64,
    },
    /// A distribution reaches values the simulation would have to clamp.
    #[error(
        "{key}: the distribution's {which} is {value}, outside what the simulation can use ({allowed}); every draw beyond it would be clamped, so the model is refused"
    )]
    DrawOutOfRange {
        /// The key (`uncertainty.store_openings`, or a drawn term's path).
        key: String,
        /// Which value of the distribution: `minimum`, `maximum`, `1st percentile`, `99th
        /// percentile`.
        which: &'static str,
        /// That value.
        value: f64,
        /// The range allowed, as text (`0 to 100,000`).
        allowed: &'static str,
    },
    /// The worker pool cannot start.
    #[error("cannot start {threads} worker threads")]
    ThreadPool {
        /// Threads requested (0 = one per core).
        threads: usize,
        /// Rayon's reason.
        source: rayon::ThreadPoolBuildError,
    },
    /// An output of a scenario does not fit the stored range of ±92,233,720,368,547,758.07
    /// (`i64` cents): the simulation refuses rather than clamp it.
    #[error(
        "{output} is {value}, beyond what a simulation stores (±92,233,720,368,547,758.07 per scenario); evaluate settles it, but its distribution cannot be summarised"
    )]
    Overflow {
        /// The output's key (`net_contribution`, `fees_total`, …).
        output: &'static str,
        /// Its exact value, when `Decimal` holds it.
        value: OverflowValue,
    },
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
    /// The memory for the results could not be reserved (the allocator refused, under a
    /// process or cgroup limit below what [`memory::budget`] saw).
    #[error(
        "{runs} runs × {contracts} contracts need {bytes} bytes of results, and the system refused them; use fewer runs (results take 48 bytes per scenario per contract)"
    )]
    OutOfMemory {
        /// Requested runs.
        runs: u64,
        /// Contracts.
        contracts: usize,
        /// Bytes requested.
        bytes: u128,
        /// The allocator's error.
        source: std::collections::TryReserveError,
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
        bytes: u128,
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
        /// Why, as `kasim_core::terms` reported it (with the value's location in the file when
        /// the contract was loaded from one, and the alternatives for a "did you mean").
        reason: kasim_core::terms::TermError,
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
        "{stat} net contribution of {} is not reached with {term} between {lo} and {hi}: it is {} at {lo} and {} at {hi}",
        kasim_core::money::format_money(*target, 2),
        kasim_core::money::format_money(*at_low, 2),
        kasim_core::money::format_money(*at_high, 2),
        lo = term_value(*low, *rate),
        hi = term_value(*high, *rate)
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
        /// True when the term is a rate (its ends read as percentages).
        rate: bool,
    },
    /// A scenario range that is not within the run (`start > end` or `end > runs`).
    #[error("scenarios {start}..{end} are not a range of a run of {runs} scenarios")]
    BadRange {
        /// First scenario of the range.
        start: u64,
        /// One past its last scenario.
        end: u64,
        /// Scenarios of the whole run.
        runs: u64,
    },
    /// A scenario range with an early-stop tolerance: where a tolerance stops depends on every
    /// scenario before, which a range does not see (see [`shard`]).
    #[error("a tolerance cannot stop a run split into scenario ranges: give a fixed number of runs")]
    RangeWithTolerance,
    /// Shards that leave scenarios out.
    #[error("the shards leave scenarios {from}..{to} out")]
    ShardGap {
        /// First scenario missing.
        from: u64,
        /// First scenario present again.
        to: u64,
    },
    /// Shards that cover a scenario twice.
    #[error("the shard starting at scenario {start} overlaps the shards before it, which cover 0..{covered}")]
    ShardOverlap {
        /// Start of the overlapping shard.
        start: u64,
        /// Scenarios covered by the shards before it.
        covered: u64,
    },
    /// A shard with a different number of contracts than the first.
    #[error("the shard starting at scenario {start} has {found} contracts, the first has {expected}")]
    ShardContracts {
        /// Start of the shard.
        start: u64,
        /// Contracts of the first shard.
        expected: usize,
        /// Contracts of this one.
        found: usize,
    },
    /// A shard whose contracts have different row counts.
    #[error("the shard starting at scenario {start}: contract {contract} has {rows} rows, the first has {expected}")]
    ShardRows {
        /// Start of the shard.
        start: u64,
        /// The contract (0-based) whose count differs.
        contract: usize,
        /// Its rows.
        rows: u64,
        /// The first contract's rows.
        expected: u64,
    },
    /// Statistics computed elsewhere that do not match the variants they are for
    /// ([`analysis::tornado_from`]: the base and two per input).
    #[error("{found} statistics given for {expected} variants (the base, then each input at its low and high value)")]
    StatisticCount {
        /// Variants: 1 + 2 × inputs.
        expected: usize,
        /// Statistics given.
        found: usize,
    },
    /// A portfolio whose contracts have different calendars (every chain of a portfolio runs
    /// on the same periods, so shared drivers and the cascade line up).
    #[error(
        "portfolio contract `{contract}` has {periods} periods, the first contract has {expected}: the contracts of a portfolio share one calendar (at most 52 periods)"
    )]
    PortfolioPeriods {
        /// The contract's id.
        contract: String,
        /// Its periods.
        periods: usize,
        /// The first contract's.
        expected: usize,
    },
    /// A multi-year chain whose year contracts do not line up with year 1's (the state carried
    /// across years is per SKU line: every year has year 1's SKUs in order, and as many chains).
    #[error("multi-year: the year {year} contract of `{contract}` {reason}")]
    MultiYearChain {
        /// The contract's id.
        contract: String,
        /// The year (1-based).
        year: u32,
        /// What does not line up.
        reason: String,
    },
    /// Bytes that are not an encoded shard ([`shard::decode`]).
    #[error("not an encoded shard: {reason}")]
    ShardBytes {
        /// What is wrong.
        reason: String,
    },
}

/// A term's value as a person reads it: a rate as a percentage, else with separators.
fn term_value(d: rust_decimal::Decimal, rate: bool) -> String {
    if rate {
        format!("{}%", (d * rust_decimal::Decimal::ONE_HUNDRED).normalize())
    } else {
        kasim_core::money::format_money(d, d.scale().min(2))
    }
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

/// The value of an output that overflowed ([`Error::Overflow`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverflowValue {
    /// The exact value, in currency units (or percentage points for the fee ratio).
    Exact(rust_decimal::Decimal),
    /// Computing it overflowed `Decimal`'s ±7.9 × 10²⁸.
    BeyondDecimal,
}

impl std::fmt::Display for OverflowValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OverflowValue::Exact(d) => write!(f, "{d}"),
            OverflowValue::BeyondDecimal => f.write_str("beyond ±7.9e28"),
        }
    }
}
