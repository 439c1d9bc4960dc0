//! The one error type of `kasim-negotiate`: every way a negotiation can fail to be set up or
//! run, each variant with the fields a caller branches on (the CLI renders them; a library
//! user can, say, offer the suggested strategy name instead of failing).

use crate::{Side, StrategyKind};

/// Errors of the negotiation crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A strategy name that is not in [`StrategyKind::ALL`].
    #[error("unknown strategy `{name}`{}: use {}", did_you_mean(*suggestion), known.join(", "))]
    UnknownStrategy {
        /// The name as given.
        name: String,
        /// Every strategy name for the side it was asked for, in catalogue order.
        known: Vec<&'static str>,
        /// The known name closest to the one given, when one is close (a likely typo).
        suggestion: Option<&'static str>,
    },
    /// A strategy played by the side it is not for (e.g. the buyer's delisting threat as the
    /// supplier's strategy).
    #[error("`{strategy}` is a {} strategy, not the {}'s", side_name(side.other()), side_name(*side))]
    WrongSide {
        /// The strategy.
        strategy: StrategyKind,
        /// The side it was asked to play.
        side: Side,
    },
    /// A strategy that needs a setting the contract's `[negotiation]` does not give (the
    /// flagship playbook, last year's fees for anchoring).
    #[error("the `{strategy}` strategy needs {setting} in the contract")]
    StrategyNeedsSetting {
        /// The strategy.
        strategy: StrategyKind,
        /// The missing setting, as written in a contract file.
        setting: &'static str,
    },
    /// The contract has no `[negotiation]` section.
    #[error("the contract has no [negotiation] section")]
    NoNegotiation,
    /// An issue with no values: min above max, a bound not finite, or a step that is not
    /// positive.
    #[error(
        "issue `{issue}` has no values: it needs min ≤ max and a positive step (min {min}, max {max}, step {step})"
    )]
    EmptyIssue {
        /// The issue's name or term path.
        issue: String,
        /// Its lowest value.
        min: f64,
        /// Its highest value.
        max: f64,
        /// Its step.
        step: f64,
    },
    /// More combinations of terms than are enumerated.
    #[error("{offers} combinations of terms is more than {limit}: use coarser steps")]
    TooManyOffers {
        /// Combinations the issues give.
        offers: usize,
        /// The most that are enumerated ([`crate::MAX_OUTCOMES`]).
        limit: usize,
    },
    /// More offer-scenario settlements than a set-up makes
    /// ([`kasim_core::negotiation::MAX_OFFER_SCENARIOS`]; validation refuses such a file, this
    /// guards a contract changed since).
    #[error(
        "{offers} offers × {scenarios} scenarios is more than {limit} settlements: use fewer scenarios (negotiation.supplier.scenarios) or coarser steps"
    )]
    TooMuchWork {
        /// Combinations of the negotiable terms.
        offers: usize,
        /// Common scenarios each offer is settled on.
        scenarios: u64,
        /// The most settlements made.
        limit: u64,
    },
    /// A tournament of more offers than are played
    /// ([`crate::tournament::MAX_TOURNAMENT_OFFERS`]): runs × pairs × rounds.
    #[error(
        "a tournament of {runs} runs × {pairs} pairs of strategies × {rounds} rounds is more than {limit} offers: use fewer runs (at most {max_runs} here)"
    )]
    TournamentTooLarge {
        /// Negotiations per pair asked for.
        runs: u64,
        /// Pairs of strategies.
        pairs: u64,
        /// The round limit of each negotiation.
        rounds: u64,
        /// The most offers a tournament plays.
        limit: u64,
        /// The most runs that fit the limit with these pairs and rounds.
        max_runs: u64,
    },
    /// A negotiable term that cannot be read or set on the contract.
    #[error("term `{path}` cannot be negotiated: {reason}")]
    Term {
        /// The term path, as in `[[negotiation.issues]]`.
        path: String,
        /// Why, as `kasim_core::terms` reported it (with the value's location in the file and
        /// the alternatives for a "did you mean").
        reason: kasim_core::terms::TermError,
    },
    /// No combination of terms leaves the buyer the utility asked for (advice).
    #[error("no combination of terms gives the buyer a utility of at least {floor:.3}")]
    NoAcceptableOffer {
        /// The buyer utility asked for: its reservation value plus the margin.
        floor: f64,
    },
    /// A parameter outside its range (e.g. a tournament of zero runs).
    #[error("{name} {value} must be {range}")]
    OutOfRange {
        /// The parameter.
        name: &'static str,
        /// Its value as given.
        value: String,
        /// The range it must be in, in words.
        range: &'static str,
    },
    /// Offer scores computed elsewhere that are not one per offer of the grid
    /// ([`crate::contract::setup_from_scores`]).
    #[error("{found} offer scores given for a grid of {expected} offers")]
    ScoreCount {
        /// Offers of the grid.
        expected: usize,
        /// Scores given.
        found: usize,
    },
    /// Parts (offer scores, tournament runs) that do not tile their range: a gap, an overlap,
    /// or a part of another shape than the first.
    #[error("the {what} parts {reason}")]
    Parts {
        /// What the parts hold (`offer scores`, `tournament runs`).
        what: &'static str,
        /// What is wrong, with the indices concerned.
        reason: String,
    },
    /// Bytes that are not what they should encode (offer scores, tournament runs).
    #[error("not encoded {what}: {reason}")]
    Bytes {
        /// What they should be (`offer scores`, `tournament runs`).
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The worker threads of a tournament could not be started.
    #[error("cannot start worker threads")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    /// An offer could not be compiled or settled by the core engine.
    #[error(transparent)]
    Core(#[from] kasim_core::Error),
    /// The contract's uncertainty model could not be sampled for the common scenarios (boxed:
    /// the simulation's errors carry their fields, and every `Result` here stays small).
    #[error(transparent)]
    Simulation(Box<kasim_montecarlo::Error>),
}

impl From<kasim_montecarlo::Error> for Error {
    fn from(e: kasim_montecarlo::Error) -> Error {
        Error::Simulation(Box::new(e))
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Supplier => "supplier",
        Side::Buyer => "buyer",
    }
}

impl Error {
    /// True when a strategy name is unknown, or the strategy is not for the side or lacks a
    /// setting: the choice of strategy is at fault, not the contract.
    pub fn is_strategy(&self) -> bool {
        matches!(self, Error::UnknownStrategy { .. } | Error::WrongSide { .. } | Error::StrategyNeedsSetting { .. })
    }

    /// True when the contract's negotiable terms are at fault: no `[negotiation]`, an issue
    /// without values, too many combinations, or a term that cannot be set.
    pub fn is_space(&self) -> bool {
        matches!(
            self,
            Error::NoNegotiation
                | Error::EmptyIssue { .. }
                | Error::TooManyOffers { .. }
                | Error::TooMuchWork { .. }
                | Error::Term { .. }
        )
    }

    /// The known strategy name closest to an unknown one, when one is close.
    pub fn suggestion(&self) -> Option<&'static str> {
        match self {
            Error::UnknownStrategy { suggestion, .. } => *suggestion,
            _ => None,
        }
    }

    /// The core engine's error inside, if that is the cause.
    pub fn core(&self) -> Option<&kasim_core::Error> {
        match self {
            Error::Core(e) => Some(e),
            _ => None,
        }
    }

    /// A term-path error from `kasim_core::terms`, with the path.
    pub(crate) fn term(path: &str, reason: kasim_core::terms::TermError) -> Error {
        Error::Term { path: path.to_string(), reason }
    }
}
