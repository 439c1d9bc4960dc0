//! The `kasim` command line, as a library: [`main`] parses arguments into typed values
//! ([`args`]), turns them into a validated run, calls the libraries — which return report
//! values — and hands the report to one emitter per format (`kasim-report`). The CLI holds no
//! analytics and no formatting of its own. Exit codes: 0 ok, 2 error (invalid input,
//! unreadable file, failed validation, refused format).

#![deny(missing_docs)]

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use kasim_core::Contract;

pub mod args;
mod brief;
mod calibrate;
mod commands;
pub mod diagnostics;
mod negotiate;
mod portfolio;
mod replay;
mod track;

use args::{Cli, Command};

/// What a command produced: text for stdout, or errors for stderr.
pub(crate) enum Outcome {
    Output(String),
    Failed(Vec<Failure>),
}

/// An error to report. Library errors stay typed until rendered ([`diagnostics::render`]).
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// From kasim-core, possibly with located problems.
    #[error(transparent)]
    Core(kasim_core::Error),
    /// From the simulation (boxed: its errors carry their fields, and every `Result` of the
    /// CLI stays small).
    #[error(transparent)]
    MonteCarlo(Box<kasim_montecarlo::Error>),
    /// From an emitter.
    #[error(transparent)]
    Report(kasim_report::Error),
    /// From the negotiation.
    #[error(transparent)]
    Negotiate(kasim_negotiate::Error),
    /// An error about one input file.
    #[error("{}: {source}", file.display())]
    InFile {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: Box<Failure>,
    },
    /// Anything else (an I/O error writing output files, a negotiation error).
    #[error("{0}")]
    Message(String),
}

impl From<kasim_core::Error> for Failure {
    fn from(e: kasim_core::Error) -> Self {
        Failure::Core(e)
    }
}

impl From<kasim_montecarlo::Error> for Failure {
    fn from(e: kasim_montecarlo::Error) -> Self {
        match e {
            kasim_montecarlo::Error::Core(c) => Failure::Core(c),
            other => Failure::MonteCarlo(Box::new(other)),
        }
    }
}

impl From<kasim_report::Error> for Failure {
    fn from(e: kasim_report::Error) -> Self {
        Failure::Report(e)
    }
}

impl From<kasim_negotiate::Error> for Failure {
    fn from(e: kasim_negotiate::Error) -> Self {
        Failure::Negotiate(e)
    }
}

impl From<kasim_actuals::Error> for Failure {
    fn from(e: kasim_actuals::Error) -> Self {
        match e {
            kasim_actuals::Error::Core(c) => Failure::Core(c),
            kasim_actuals::Error::Simulation(m) => Failure::from(*m),
            other => Failure::Message(other.to_string()),
        }
    }
}

/// An actuals error, with one about the history as a whole (too thin to use) prefixed with the
/// history files, so every message names its input (`kasim calibrate`, `kasim track`).
pub(crate) fn of_history(files: &[PathBuf]) -> impl Fn(kasim_actuals::Error) -> Failure + '_ {
    move |e| match e {
        kasim_actuals::Error::Thin(m) => {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            Failure::Message(format!("{}: {m}", names.join(", ")))
        }
        other => other.into(),
    }
}

impl Failure {
    /// The same error, said to concern `file` (unless it locates itself already).
    pub(crate) fn in_file(self, file: &Path) -> Failure {
        if self.is_located() {
            return self;
        }
        Failure::InFile { file: file.to_path_buf(), source: Box::new(self) }
    }

    /// True when the error carries located contract problems (file, line, column, key path).
    pub fn is_located(&self) -> bool {
        match self {
            Failure::Core(e) => matches!(e, kasim_core::Error::Invalid(_)),
            Failure::MonteCarlo(e) => matches!(e.core(), Some(kasim_core::Error::Invalid(_))),
            Failure::InFile { source, .. } => source.is_located(),
            _ => false,
        }
    }
}

/// How tables are fitted (`--lang`, `--unit`, the terminal's width), set once by [`run`].
static VIEW: std::sync::OnceLock<kasim_report::emit::table::Options> = std::sync::OnceLock::new();

/// Renders a report in the format asked for: every command's last step. Tables follow
/// `--lang`, `--unit` and the terminal's width; JSON and CSV do not depend on them.
///
/// With `out`, the report is written to that file instead (whole or not at all: a temporary
/// file renamed into place) and nothing goes to stdout; xlsx always needs a file.
pub(crate) fn emit<R: kasim_report::Report>(
    report: &R,
    format: impl Into<kasim_report::Format>,
    out: Option<&Path>,
) -> Result<String, Failure> {
    let view = VIEW.get().copied().unwrap_or_default();
    let format = format.into();
    let Some(path) = out else {
        return Ok(kasim_report::emit::emit_with(report, format, &view)?);
    };
    let bytes = kasim_report::emit::render(report, format, &view)?;
    write_file(path, &bytes)?;
    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(String::new())
}

/// Writes a file whole or not at all: to a temporary name beside it, then renamed.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::Message(format!("cannot write {}: {e}", path.display()));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.kasim-tmp"));
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// The outcome of a command that renders text or fails.
pub(crate) fn done(r: Result<String, Failure>) -> Outcome {
    match r {
        Ok(t) => Outcome::Output(t),
        Err(f) => Outcome::Failed(vec![f]),
    }
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    run(cli)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let _ = VIEW.set(cli.view());
    let result = match cli.command {
        _ if cli.command.needs_out() => Outcome::Failed(vec![Failure::Message(
            "--format xlsx writes a workbook: give the file with --out FILE.xlsx".into(),
        )]),
        Command::Negotiate { file, supplier, buyer, tournament, runs, seed, threads, format, out } => {
            if tournament {
                negotiate::tournament(&file, runs, seed, usize::from(threads), format, out.as_deref())
            } else {
                negotiate::negotiate(&file, supplier, buyer, format, out.as_deref())
            }
        }
        Command::Advise { file, margin, format, out } => negotiate::advise(&file, margin, format, out.as_deref()),
        Command::Brief { files, portfolio, member, run, format, out } => brief::brief(
            &files,
            portfolio.as_deref().map(|p| (p, member.as_deref())),
            &run.config(),
            format,
            out.as_deref(),
        ),
        Command::Calibrate { history, contract, mapping, columns, out, report, format, runs, seed } => {
            calibrate::calibrate(&calibrate::Args {
                history,
                contract,
                mapping,
                columns,
                out,
                report,
                format,
                runs,
                seed,
            })
        }
        Command::Track {
            file,
            actuals,
            calibrated,
            mapping,
            columns,
            as_of,
            statement,
            statement_columns,
            previous,
            runs,
            seed,
            threads,
            format,
            out,
        } => track::track(&track::Args {
            file,
            actuals,
            calibrated,
            mapping,
            columns,
            as_of,
            statement,
            statement_columns,
            previous,
            runs,
            seed,
            threads,
            format,
            out,
        }),
        Command::Portfolio { file, run, format, out } => {
            portfolio::portfolio(&file, &run.config(), format, out.as_deref())
        }
        other => commands::run(other),
    };
    match result {
        Outcome::Output(text) => {
            // Everything is computed before anything is written: no partial output on error.
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot write output: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Outcome::Failed(errors) => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut err = std::io::stderr().lock();
            for e in &errors {
                let _ = err.write_all(diagnostics::render(e, color).as_bytes());
            }
            ExitCode::from(2)
        }
    }
}

/// Loads every file, collecting all errors.
pub(crate) fn load_all(files: &[PathBuf]) -> Result<Vec<(PathBuf, Contract)>, Vec<Failure>> {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match kasim_core::load(f) {
            Ok(c) => ok.push((f.clone(), c)),
            // A supplier portfolio given where a contract is expected (e.g. `scenarios/*.toml`).
            Err(_) if kasim_core::load::is_supplier_file(f) => errors.push(Failure::Core(kasim_core::Error::Contract(
                kasim_core::error::ContractError::SupplierPortfolio { file: f.clone() },
            ))),
            // A portfolio file given where a contract is expected.
            Err(_) if kasim_core::portfolio::is_portfolio_file(f) => errors.push(Failure::Message(format!(
                "{} is a portfolio file (it names contracts): run `kasim portfolio {}`",
                f.display(),
                f.display()
            ))),
            Err(e) => errors.push(Failure::Core(e)),
        }
    }
    if errors.is_empty() { Ok(ok) } else { Err(errors) }
}
