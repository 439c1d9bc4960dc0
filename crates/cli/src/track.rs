//! `kasim track FILE --actuals YTD...`: the year in progress. Reads the actuals onto the
//! contract's calendar (kasim-actuals), settles the closed periods exactly, simulates the rest
//! conditioned on them, and emits the track report (distribution, YTD settlement, watchlist,
//! accruals, reconciliation) through kasim-report. Everything is read and computed before
//! anything is written.

use std::path::PathBuf;

use kasim_actuals::Mapping;
use kasim_actuals::accrual::Previous;
use kasim_actuals::statement::StatementRole;
use kasim_actuals::track::{Inputs, Options, track as run_track};

use crate::args::Format;
use crate::{Failure, Outcome, done, emit, load_all};

/// The command's arguments.
pub(crate) struct Args {
    pub file: PathBuf,
    pub actuals: Vec<PathBuf>,
    pub calibrated: Option<PathBuf>,
    pub mapping: Option<PathBuf>,
    pub columns: Vec<String>,
    pub as_of: Option<u16>,
    pub statement: Option<PathBuf>,
    pub statement_columns: Vec<String>,
    pub previous: Option<PathBuf>,
    pub runs: u64,
    pub seed: u64,
    pub threads: u16,
    pub format: Format,
    pub out: Option<PathBuf>,
}

/// `--out` naming one of the inputs: the report would replace what it was computed from.
fn out_is_input(a: &Args) -> Option<Failure> {
    let out = a.out.as_deref()?.canonicalize().ok()?;
    let inputs = std::iter::once(&a.file)
        .chain(&a.calibrated)
        .chain(&a.actuals)
        .chain(&a.statement)
        .chain(&a.previous)
        .chain(&a.mapping);
    for p in inputs {
        if p.canonicalize().is_ok_and(|p| p == out) {
            return Some(Failure::Message(format!(
                "--out {} is an input file ({}): write the report to a new file",
                a.out.as_deref().unwrap_or(p).display(),
                p.display()
            )));
        }
    }
    None
}

pub(crate) fn track(a: &Args) -> Outcome {
    if let Some(f) = out_is_input(a) {
        return Outcome::Failed(vec![f]);
    }
    // The model: the calibrated contract when given (it extends FILE), else FILE.
    let model_file = a.calibrated.clone().unwrap_or_else(|| a.file.clone());
    let contract = match load_all(std::slice::from_ref(&model_file)) {
        Ok(mut v) => v.remove(0).1,
        Err(e) => return Outcome::Failed(e),
    };
    done((|| {
        let mut mapping = match &a.mapping {
            Some(f) => Mapping::from_file(f).map_err(Failure::from)?,
            None => Mapping::new(),
        };
        for c in &a.columns {
            mapping.add_flag(c).map_err(Failure::from)?;
        }
        let history = kasim_actuals::history::read_history(&a.actuals, &mapping, contract.calendar.granularity)
            .map_err(crate::of_history(&a.actuals))?;
        let statement = match &a.statement {
            Some(f) => {
                let mut m = Mapping::<StatementRole>::empty();
                for c in &a.statement_columns {
                    m.add_flag(c).map_err(Failure::from)?;
                }
                Some(kasim_actuals::statement::read_statement(f, &m).map_err(Failure::from)?)
            }
            None => None,
        };
        let previous = match &a.previous {
            Some(f) => {
                // A track report is well under a megabyte: a larger file is not one (and is not
                // read whole).
                const MAX_PREVIOUS_BYTES: u64 = 64 << 20;
                let cannot = |e: std::io::Error| Failure::Message(format!("{}: cannot read: {e}", f.display()));
                let meta = std::fs::metadata(f).map_err(cannot)?;
                if !meta.is_file() {
                    return Err(Failure::Message(format!("{}: cannot read: not a regular file", f.display())));
                }
                if meta.len() > MAX_PREVIOUS_BYTES {
                    return Err(Failure::Message(format!(
                        "{}: {} bytes is more than the {MAX_PREVIOUS_BYTES}-byte limit of a previous track report",
                        f.display(),
                        meta.len()
                    )));
                }
                let text = std::fs::read_to_string(f).map_err(cannot)?;
                Some(Previous::from_json(f, &text).map_err(Failure::from)?)
            }
            None => None,
        };
        let name = a.file.display().to_string();
        let inputs = Inputs {
            contract_name: &name,
            contract: &contract,
            history: &history,
            actuals: a.actuals.iter().map(|f| f.display().to_string()).collect(),
            previous,
            statement,
        };
        let options =
            Options { runs: a.runs, seed: a.seed, threads: usize::from(a.threads), as_of: a.as_of.map(usize::from) };
        let report = run_track(&inputs, &options).map_err(crate::of_history(&a.actuals))?;
        emit(&report, a.format, a.out.as_deref())
    })())
}
