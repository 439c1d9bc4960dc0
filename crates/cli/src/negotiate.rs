//! `kasim negotiate`, `kasim negotiate --tournament` and `kasim advise`: load the contract,
//! build its negotiation, ask kasim-negotiate for the report value, emit it through
//! kasim-report. The arguments arrive typed (strategies, margin, runs are checked by the
//! parser); every figure is computed by the library, every format rendered by an emitter.

use std::path::Path;

use kasim_negotiate::contract::{Setup, setup};
use kasim_negotiate::tournament::TournamentConfig;
use kasim_negotiate::{AdviceReport, NegotiationReport, StrategyKind, TournamentReport};
use kasim_report::Report;

use crate::args::Format;
use crate::{Failure, Outcome, done, emit};

/// A negotiation error as the CLI reports it: the core engine's and the simulation's as
/// theirs (located problems with their snippets), any other typed.
fn failure(e: kasim_negotiate::Error) -> Failure {
    match e {
        kasim_negotiate::Error::Core(c) => Failure::Core(c),
        kasim_negotiate::Error::Simulation(m) => Failure::from(*m),
        other => Failure::Negotiate(other),
    }
}

/// Loads the contract and builds its negotiation, then the report, and emits it.
fn run<R: Report>(
    file: &Path,
    format: Format,
    to: Option<&Path>,
    report: impl FnOnce(&kasim_core::Contract, &Setup) -> Result<R, kasim_negotiate::Error>,
) -> Outcome {
    let result = (|| -> Result<String, Failure> {
        let contract = kasim_core::load(file).map_err(Failure::Core)?;
        let setup = setup(&contract).map_err(failure)?;
        emit(&report(&contract, &setup).map_err(failure)?, format, to)
    })();
    done(result)
}

pub(crate) fn negotiate(
    file: &Path,
    supplier: StrategyKind,
    buyer: StrategyKind,
    format: Format,
    to: Option<&Path>,
) -> Outcome {
    run(file, format, to, |c, s| NegotiationReport::new(c, s, supplier, buyer))
}

pub(crate) fn advise(file: &Path, margin: f64, format: Format, to: Option<&Path>) -> Outcome {
    run(file, format, to, |c, s| AdviceReport::new(c, s, margin))
}

pub(crate) fn tournament(
    file: &Path,
    runs: u64,
    seed: u64,
    threads: usize,
    format: Format,
    to: Option<&Path>,
) -> Outcome {
    let cfg = TournamentConfig { runs, seed, threads, ..TournamentConfig::default() };
    run(file, format, to, |c, s| TournamentReport::new(c, s, &cfg))
}
