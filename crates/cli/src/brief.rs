//! `kasim brief BASE DRAFT [COUNTER...]`: load the contracts, ask kasim-negotiate for the
//! brief (every figure is computed there, on common random numbers), emit it through
//! kasim-report in the format asked for.

use std::path::{Path, PathBuf};

use kasim_montecarlo::RunConfig;
use kasim_negotiate::brief::{BriefOptions, BriefReport, Input};

use crate::args::Format;
use crate::{Failure, Outcome, done, emit, load_all};

pub(crate) fn brief(files: &[PathBuf], cfg: &RunConfig, format: Format, to: Option<&Path>) -> Outcome {
    let loaded = match load_all(files) {
        Ok(v) => v,
        Err(e) => return Outcome::Failed(e),
    };
    let names: Vec<String> = loaded.iter().map(|(f, _)| f.display().to_string()).collect();
    let inputs: Vec<Input<'_>> =
        loaded.iter().zip(&names).map(|((_, contract), file)| Input { file, contract }).collect();
    done((|| {
        let report = BriefReport::prepare(&inputs, cfg, &BriefOptions::default()).map_err(|e| match e {
            kasim_negotiate::Error::Core(c) => Failure::Core(c),
            kasim_negotiate::Error::Simulation(m) => Failure::from(*m),
            other => Failure::Negotiate(other),
        })?;
        emit(&report, format, to)
    })())
}
