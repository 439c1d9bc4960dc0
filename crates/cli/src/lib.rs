//! The `kasim` command line, as a library: [`main`] parses arguments, turns them into a
//! validated run, calls `kasim-core`, and renders results or errors. Exit codes: 0 ok,
//! 2 error (invalid input, unreadable file, failed validation).

#![deny(missing_docs)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use kasim_core::{Compiled, Contract, Error};

pub mod args;
pub mod diagnostics;
mod negotiate;
pub mod report;
mod simulate;
pub mod svg;
pub mod table;

use args::{Cli, Command, Format};
use report::Evaluated;

/// What a command produced: text for stdout, or errors for stderr.
pub(crate) enum Outcome {
    Output(String),
    Failed(Vec<Failure>),
}

/// An error to report: a library error (rendered with locations) or a plain message.
pub enum Failure {
    /// From kasim-core, possibly with located problems.
    Core(Error),
    /// Anything else (bad flag value, simulation limits).
    Message(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl From<kasim_montecarlo::Error> for Failure {
    fn from(e: kasim_montecarlo::Error) -> Self {
        match e {
            kasim_montecarlo::Error::Core(c) => Failure::Core(c),
            other => Failure::Message(other.to_string()),
        }
    }
}

/// The outcome of a command that renders text or fails.
pub(crate) fn done(r: Result<String, Failure>) -> Outcome {
    match r {
        Ok(t) => Outcome::Output(t),
        Err(f) => Outcome::Failed(vec![f]),
    }
}

pub(crate) fn failed<E: Into<Failure>>(errors: Vec<E>) -> Outcome {
    Outcome::Failed(errors.into_iter().map(Into::into).collect())
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
    let result = match cli.command {
        Command::Evaluate { files, format } => evaluate(&files, format),
        Command::Explain { file, format } => explain(&file, format),
        Command::Validate { files } => validate(&files),
        Command::Simulate { file, run, threshold, out, format } => {
            simulate::simulate(&file, &run, threshold.as_deref(), out.as_deref(), format)
        }
        Command::Sensitivity { file, run, stat, out, format } => {
            simulate::sensitivity(&file, &run, &stat, out.as_deref(), format)
        }
        Command::GoalSeek { file, term, target, stat, low, high, run, format } => {
            simulate::goal_seek(&file, &term, &target, &stat, low.as_deref(), high.as_deref(), &run, format)
        }
        Command::Compare { files, run, format } => simulate::compare(&files, &run, format),
        Command::Replay { file, scenario, seed, format } => simulate::replay(&file, scenario, seed, format),
        Command::Negotiate { file, supplier, buyer, tournament, runs, seed, threads, format } => {
            if tournament {
                negotiate::tournament(&file, runs, seed, threads, format)
            } else {
                negotiate::negotiate(&file, supplier, buyer, format)
            }
        }
        Command::Advise { file, margin, format } => negotiate::advise(&file, margin, format),
        Command::Schema { supplier } => {
            let v = if supplier { kasim_core::supplier_schema() } else { kasim_core::contract_schema() };
            Outcome::Output(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n")
        }
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
                let text = match e {
                    Failure::Core(e) => diagnostics::render(e, color),
                    Failure::Message(m) => format!("error: {m}\n"),
                };
                let _ = err.write_all(text.as_bytes());
            }
            ExitCode::from(2)
        }
    }
}

/// Loads every file, collecting all errors.
pub(crate) fn load_all(files: &[PathBuf]) -> Result<Vec<(PathBuf, Contract)>, Vec<Error>> {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match kasim_core::load(f) {
            Ok(c) => ok.push((f.clone(), c)),
            // A supplier portfolio given where a contract is expected (e.g. `scenarios/*.toml`).
            Err(_) if kasim_core::load::is_supplier_file(f) => errors.push(Error::Contract(format!(
                "{} is a supplier portfolio, not a contract: give the contract files that reference it \
                 (kasim validate accepts both)",
                f.display()
            ))),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(ok) } else { Err(errors) }
}

fn settle_all(files: &[PathBuf]) -> Result<Vec<Evaluated>, Vec<Error>> {
    let loaded = load_all(files)?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (f, c) in &loaded {
        match Compiled::new(c).and_then(|m| m.settle(m.plan_outcome())) {
            Ok(settlement) => out.push(Evaluated {
                file: f.display().to_string(),
                channel: c.retailer.channel.names().0,
                stores: c.retailer.stores,
                skus: c.skus.len(),
                settlement,
            }),
            Err(e) => errors.push(in_file(e, f)),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Names the file in an error that does not carry one.
fn in_file(e: Error, f: &std::path::Path) -> Error {
    match e {
        Error::Outcome(m) => Error::Outcome(format!("{}: {m}", f.display())),
        Error::Overflow(m) => Error::Overflow(format!("{m} in {}", f.display())),
        Error::Contract(m) => Error::Contract(format!("{}: {m}", f.display())),
        other => other,
    }
}

fn evaluate(files: &[PathBuf], format: Format) -> Outcome {
    match settle_all(files) {
        Err(e) => failed(e),
        Ok(list) => {
            let text = match format {
                Format::Table => Ok(report::evaluate_table(&list)),
                Format::Json => report::evaluate_json(&list).map_err(|e| e.to_string()),
                Format::Csv => report::evaluate_csv(&list).map_err(|e| e.to_string()),
            };
            match text {
                Ok(t) => Outcome::Output(t),
                Err(m) => failed(vec![Error::Serialize(m)]),
            }
        }
    }
}

fn explain(file: &PathBuf, format: Format) -> Outcome {
    match settle_all(std::slice::from_ref(file)) {
        Err(e) => failed(e),
        Ok(list) => {
            let e = &list[0];
            let text = match format {
                Format::Table => Ok(report::explain_table(e)),
                Format::Json => report::explain_json(e).map_err(|e| e.to_string()),
                Format::Csv => report::explain_csv(e).map_err(|e| e.to_string()),
            };
            match text {
                Ok(t) => Outcome::Output(t),
                Err(m) => failed(vec![Error::Serialize(m)]),
            }
        }
    }
}

fn validate(files: &[PathBuf]) -> Outcome {
    // Supplier portfolios are checked as such, so `kasim validate scenarios/*.toml` works.
    let (suppliers, contracts): (Vec<PathBuf>, Vec<PathBuf>) =
        files.iter().cloned().partition(|f| kasim_core::load::is_supplier_file(f));
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for f in &suppliers {
        match kasim_core::load::load_supplier(f) {
            Ok(s) => lines.push((f.clone(), format!("ok — supplier portfolio {} ({} SKUs)", s.name, s.skus.len()))),
            Err(e) => errors.push(e),
        }
    }
    match load_all(&contracts) {
        Ok(list) => {
            for (f, c) in list {
                let summary = format!(
                    "ok — {} ({} SKUs, {} fee rules, {} periods)",
                    c.name,
                    c.skus.len(),
                    c.fees.len(),
                    c.periods()
                );
                lines.push((f, summary));
            }
        }
        Err(e) => errors.extend(e),
    }
    if !errors.is_empty() {
        return failed(errors);
    }
    // Report in argument order.
    let mut s = String::new();
    for f in files {
        if let Some((_, msg)) = lines.iter().find(|(p, _)| p == f) {
            s.push_str(&format!("{}: {msg}\n", f.display()));
        }
    }
    Outcome::Output(s)
}
