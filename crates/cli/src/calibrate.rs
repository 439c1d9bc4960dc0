//! `kasim calibrate HISTORY... --contract FILE`: read the sales history onto the contract's
//! calendar (kasim-actuals), calibrate, write the contract that extends FILE, and emit the
//! calibration report through kasim-report.
//!
//! Everything is computed and rendered before anything is written: an input error leaves no
//! file behind (exit 2 with the located message).

use std::path::{Path, PathBuf};

use kasim_actuals::Mapping;
use kasim_actuals::report::{CalibrationReport, Options};

use crate::args::Format;
use crate::{Failure, Outcome, done, load_all, write_file};

/// The command's arguments.
pub(crate) struct Args {
    pub history: Vec<PathBuf>,
    pub contract: PathBuf,
    pub mapping: Option<PathBuf>,
    pub columns: Vec<String>,
    pub out: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub format: Format,
    pub runs: u64,
    pub seed: u64,
}

/// `--out` and `--report` are checked before anything is computed or written: neither may be
/// an input or a directory, they may not be one file, and their directories must exist — so a
/// bad `--report` never leaves the calibrated contract written alone.
fn check_outputs(a: &Args) -> Result<(), Failure> {
    let same = |x: &Path, y: &Path| matches!((x.canonicalize(), y.canonicalize()), (Ok(x), Ok(y)) if x == y);
    let outputs = [("--out", a.out.as_deref()), ("--report", a.report.as_deref())];
    for (flag, out) in outputs {
        let Some(out) = out else { continue };
        let inputs = std::iter::once(&a.contract).chain(&a.history).chain(&a.mapping);
        if let Some(input) = inputs.into_iter().find(|p| same(out, p)) {
            return Err(Failure::Message(format!(
                "{flag} {} is an input file ({}): the calibrated contract extends the contract, write it to a new file",
                out.display(),
                input.display()
            )));
        }
        if out.is_dir() {
            return Err(Failure::Message(format!("cannot write {flag} {}: it is a directory", out.display())));
        }
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(Failure::Message(format!(
                "cannot write {flag} {}: no directory {}",
                out.display(),
                dir.display()
            )));
        }
    }
    if let (Some(o), Some(r)) = (&a.out, &a.report)
        && (o == r || same(o, r))
    {
        return Err(Failure::Message(format!(
            "--out and --report are both {}: the calibrated contract and the report are two files",
            o.display()
        )));
    }
    Ok(())
}

pub(crate) fn calibrate(a: &Args) -> Outcome {
    let contract = match load_all(std::slice::from_ref(&a.contract)) {
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
        let history = kasim_actuals::history::read_history(&a.history, &mapping, contract.calendar.granularity)
            .map_err(crate::of_history(&a.history))?;
        let out_dir = match a.out.as_deref().and_then(Path::parent) {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        check_outputs(a)?;
        let options = Options { backtest_runs: a.runs, seed: a.seed };
        let report = CalibrationReport::prepare(&a.contract, &contract, &history, &a.history, &out_dir, &options)
            .map_err(crate::of_history(&a.history))?;
        let view = crate::VIEW.get().copied().unwrap_or_default();
        let rendered = match (&a.report, &a.out) {
            (Some(_), _) => Some(kasim_report::emit::render(&report, a.format.into(), &view)?),
            (None, Some(_)) => Some(kasim_report::emit::emit_with(&report, a.format.into(), &view)?.into_bytes()),
            (None, None) => None,
        };
        // Everything is ready: now write.
        let mut stdout = String::new();
        match &a.out {
            Some(path) => {
                write_file(path, report.calibrated_contract.as_bytes())?;
                eprintln!("wrote {} ({} bytes)", path.display(), report.calibrated_contract.len());
            }
            None => stdout.push_str(&report.calibrated_contract),
        }
        if let Some(bytes) = rendered {
            match &a.report {
                Some(path) => {
                    write_file(path, &bytes)?;
                    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
                }
                None => stdout.push_str(&String::from_utf8_lossy(&bytes)),
            }
        } else {
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
        }
        Ok(stdout)
    })())
}
