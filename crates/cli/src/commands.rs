//! The commands other than negotiation: load, call the library for a report value, emit it.

use std::path::{Path, PathBuf};

use kasim_core::{Compiled, Contract};
use kasim_montecarlo::report::{Comparison, GoalSeekReport, Sensitivity, Simulation, require_uncertainty};
use kasim_montecarlo::{Model, RunConfig};
use kasim_report::{EvaluateReport, Evaluation, ExplainReport, ReplayReport};

use crate::args::Command;
use crate::{Failure, Outcome, done, emit as out, load_all};

/// Runs a command (negotiation commands are dispatched in `lib.rs`).
pub(crate) fn run(command: Command) -> Outcome {
    match command {
        Command::Evaluate { files, format, out: file } => match evaluate_all(&files) {
            Ok(contracts) => done(out(&EvaluateReport { contracts }, format, file.as_deref())),
            Err(e) => Outcome::Failed(e),
        },
        Command::Explain { file, format, out: to } => match evaluate_all(std::slice::from_ref(&file)) {
            Ok(mut list) => done(out(&ExplainReport::new(list.remove(0)), format, to.as_deref())),
            Err(e) => Outcome::Failed(e),
        },
        Command::Validate { files } => validate(&files),
        Command::Simulate { file, run, threshold, out: dir, format } => done((|| {
            let cfg = run.config();
            let contract = load_one(&file)?;
            require_uncertainty(&contract).map_err(|e| Failure::from(e).in_file(&file))?;
            let results = simulate(std::slice::from_ref(&contract), &cfg, format == crate::args::Format::Json)?;
            let report = Simulation::new(&file.display().to_string(), &contract, &cfg, &results[0], threshold);
            if is_document_file(format) {
                return out(&report, format, dir.as_deref());
            }
            if let Some(dir) = dir {
                let files = kasim_report::simulation::scenario_files(
                    &contract.name,
                    &contract.currency,
                    chart_lang(),
                    &results[0],
                )?;
                write_all(&dir, &files)?;
            }
            out(&report, format, None)
        })()),
        Command::Compare { files, run, format, out: to } => {
            let cfg = run.config();
            let loaded = match load_all(&files) {
                Ok(v) => v,
                Err(e) => return Outcome::Failed(e),
            };
            let (names, contracts): (Vec<String>, Vec<Contract>) =
                loaded.into_iter().map(|(f, c)| (f.display().to_string(), c)).unzip();
            done(
                simulate(&contracts, &cfg, format == crate::args::NoCsv::Json).and_then(|results| {
                    out(&Comparison::new(&names, &contracts, &cfg, &results), format, to.as_deref())
                }),
            )
        }
        Command::Replay { file, scenario, seed, format, out: to } => done((|| {
            if kasim_core::portfolio::is_portfolio_file(&file) {
                return crate::replay::portfolio(&file, scenario, seed, format, to.as_deref());
            }
            let contract = load_one(&file)?;
            let compiled = Compiled::new(&contract).map_err(|e| Failure::from(e).in_file(&file))?;
            let model = Model::new(&compiled)?;
            let settlement = model.settlement(seed, scenario)?;
            let explain = ExplainReport::new(Evaluation::new(file.display().to_string(), &contract, settlement));
            out(&ReplayReport { scenario, seed, explain }, format, to.as_deref())
        })()),
        Command::Sensitivity { file, run, stat, out: dir, format } => done((|| {
            let contract = load_one(&file)?;
            let report =
                Sensitivity::run(&contract, &run.config(), stat).map_err(|e| Failure::from(e).in_file(&file))?;
            if is_document_file(format) {
                return out(&report, format, dir.as_deref());
            }
            if let Some(dir) = dir {
                let svg = kasim_report::simulation::tornado_svg(&report, chart_lang())?;
                write_all(&dir, &[("tornado.svg", svg.into_bytes())])?;
            }
            out(&report, format, None)
        })()),
        Command::GoalSeek { file, term, target, stat, low, high, run, format, out: to } => done((|| {
            let contract = load_one(&file)?;
            let report = GoalSeekReport::run(&contract, &term, stat, target, (low, high), &run.config())
                .map_err(|e| Failure::from(e).in_file(&file))?;
            out(&report, format, to.as_deref())
        })()),
        Command::Schema { supplier } => {
            let v = if supplier { kasim_core::supplier_schema() } else { kasim_core::contract_schema() };
            Outcome::Output(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n")
        }
        Command::Negotiate { .. }
        | Command::Advise { .. }
        | Command::Brief { .. }
        | Command::Calibrate { .. }
        | Command::Track { .. }
        | Command::Portfolio { .. } => {
            Outcome::Failed(vec![Failure::Message("negotiation commands are dispatched in lib.rs".into())])
        }
    }
}

/// True for the formats whose `--out` is the report's file (not a directory of extras).
fn is_document_file(format: impl Into<kasim_report::Format>) -> bool {
    matches!(format.into(), kasim_report::Format::Html | kasim_report::Format::Xlsx)
}

/// The language of chart labels: `--lang zh` gives Chinese, `both` English with the Chinese
/// axis title, else English.
fn chart_lang() -> kasim_report::Lang {
    crate::VIEW.get().and_then(|v| v.lang).unwrap_or(kasim_report::Lang::Both)
}

fn load_one(file: &Path) -> Result<Contract, Failure> {
    load_all(&[file.to_path_buf()]).map(|mut v| v.remove(0).1).map_err(|mut e| e.remove(0))
}

/// Settles every contract on its own plan, collecting all errors.
fn evaluate_all(files: &[PathBuf]) -> Result<Vec<Evaluation>, Vec<Failure>> {
    let loaded = load_all(files)?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (f, c) in &loaded {
        match Compiled::new(c).and_then(|m| m.settle(m.plan_outcome())) {
            Ok(s) => out.push(Evaluation::new(f.display().to_string(), c, s)),
            Err(e) => errors.push(Failure::from(e).in_file(f)),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Runs the simulation with a progress bar on stderr when it is a terminal (hidden for JSON).
fn simulate(contracts: &[Contract], cfg: &RunConfig, json: bool) -> Result<Vec<kasim_montecarlo::Results>, Failure> {
    use std::io::IsTerminal;
    let pb = if json || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let pb = indicatif::ProgressBar::new(cfg.runs);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} scenarios ({eta})")
        {
            pb.set_style(style);
        }
        pb
    };
    let r = kasim_montecarlo::report::simulate(contracts, cfg, &mut |done, _| pb.set_position(done));
    pb.finish_and_clear();
    Ok(r?)
}

/// Writes files into a directory all or nothing: each to a temporary name first, then renamed.
fn write_all(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), Failure> {
    let fail = |e: std::io::Error, what: &Path| Failure::Message(format!("cannot write {}: {e}", what.display()));
    std::fs::create_dir_all(dir).map_err(|e| fail(e, dir))?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let tmp = dir.join(format!(".{name}.kasim-tmp"));
        if let Err(e) = std::fs::write(&tmp, bytes) {
            for t in &written {
                let _ = std::fs::remove_file(t);
            }
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e, &tmp));
        }
        written.push(tmp);
    }
    for ((name, _), tmp) in files.iter().zip(&written) {
        std::fs::rename(tmp, dir.join(name)).map_err(|e| fail(e, &dir.join(name)))?;
    }
    Ok(())
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
            Err(e) => errors.push(Failure::Core(e)),
        }
    }
    match load_all(&contracts) {
        Ok(list) => {
            for (f, c) in list {
                let mut summary = format!(
                    "ok — {} ({} SKUs, {} fee rules, {} periods)",
                    c.name,
                    c.skus.len(),
                    c.fees.len(),
                    c.periods()
                );
                // Valid, but worth a look: e.g. a clause that can never charge this year.
                for w in kasim_core::validate::located_warnings(&c).problems {
                    summary.push_str(&format!("\n  warning: {w}"));
                }
                lines.push((f, summary));
            }
        }
        Err(e) => errors.extend(e),
    }
    if !errors.is_empty() {
        return Outcome::Failed(errors);
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
