//! The calibration report value: what was read, what was estimated (each with its standard
//! error and sample size), the backtest, the warnings, and the calibrated contract's text.
//! kasim-report renders it (`crates/report/src/calibrate.rs`).

use std::path::{Path, PathBuf};

use kasim_core::Contract;

use crate::backtest::{Backtest, backtest};
use crate::calibrate::{Calibration, calibrate};
use crate::error::Error;
use crate::history::{ReadSummary, SalesHistory};
use crate::write::calibrated_contract;

/// The JSON schema and version of the report.
pub const SCHEMA: &str = "kasim.calibrate/1";

/// Options of a calibration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Scenarios of the backtest's coverage simulation (0: no simulation).
    pub backtest_runs: u64,
    /// Seed of the backtest simulation.
    pub seed: u64,
}

impl Default for Options {
    /// 500 scenarios, seed 1.
    fn default() -> Options {
        Options { backtest_runs: 500, seed: 1 }
    }
}

/// The report of `kasim calibrate`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CalibrationReport {
    /// The contract calibrated.
    pub contract: String,
    /// The history files.
    pub history: Vec<String>,
    /// What was read.
    pub summary: ReadSummary,
    /// The estimates.
    pub calibration: Calibration,
    /// The holdout backtest, when the history is long enough.
    pub backtest: Option<Backtest>,
    /// Plan lines written.
    pub lines_written: usize,
    /// Promotion entries written.
    pub promotions_written: usize,
    /// Every warning: the estimators' and the contract's.
    pub warnings: Vec<String>,
    /// The calibrated contract (TOML extending `contract`).
    pub calibrated_contract: String,
}

impl CalibrationReport {
    /// Calibrates `contract` (loaded from `contract_path`) from `history` (read from `files`),
    /// writes the calibrated contract's text for a file in `out_dir`, checks that it loads and
    /// validates there, and runs the backtest.
    ///
    /// # Errors
    ///
    /// [`Error::Thin`] when nothing can be calibrated; [`Error::Core`] when the calibrated
    /// contract does not load (a bug: reported, never written); [`Error::Simulation`] from the
    /// backtest.
    pub fn prepare(
        contract_path: &Path,
        contract: &Contract,
        history: &SalesHistory,
        files: &[PathBuf],
        out_dir: &Path,
        options: &Options,
    ) -> Result<CalibrationReport, Error> {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let calibration = calibrate(history)?;
        if !contract.skus.iter().any(|s| calibration.sku(&s.sku).is_some()) {
            return Err(Error::Thin(format!(
                "no SKU of the contract is in the history (the contract has {}; the history has {})",
                list(contract.skus.iter().map(|s| s.sku.as_str())),
                list(history.skus.iter().map(|s| s.sku.as_str()))
            )));
        }
        let written = calibrated_contract(contract, contract_path, out_dir, history, &names, &calibration);
        // The file must load where it will be written.
        let probe = out_dir.join(".kasim-calibrated.toml");
        kasim_core::load_str(&written.text, &probe, Some(out_dir))?;
        let backtest = backtest(history, contract, options.backtest_runs, options.seed)?;
        let mut warnings = calibration.warnings.clone();
        warnings.extend(written.warnings);
        if let Some(b) = &backtest {
            if let Some(c) = b.coverage_p10_p90 {
                if c < 0.65 {
                    warnings.push(format!(
                        "backtest: only {:.0}% of the actuals fall inside the simulated P10–P90 (80% expected): the simulated spread is too narrow, or the level moved in the holdout (bias {:+.1}%)",
                        c * 100.0,
                        b.bias * 100.0
                    ));
                } else if c > 0.95 {
                    warnings.push(format!(
                        "backtest: {:.0}% of the actuals fall inside the simulated P10–P90 (80% expected): the simulated spread is too wide",
                        c * 100.0
                    ));
                }
            }
            if b.mape_units > 0.3 {
                warnings.push(format!("backtest: MAPE of units {:.0}%: the forecasts are rough", b.mape_units * 100.0));
            }
        } else {
            warnings.push(
                "no backtest: the history has fewer than 9 periods, or its first two thirds cannot be calibrated"
                    .into(),
            );
        }
        Ok(CalibrationReport {
            contract: contract_path.display().to_string(),
            history: names,
            summary: history.summary.clone(),
            calibration,
            backtest,
            lines_written: written.lines,
            promotions_written: written.promotions,
            warnings,
            calibrated_contract: written.text,
        })
    }
}

fn list<'a>(v: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = v.collect();
    if v.len() > 8 { format!("{}, … ({} in all)", v[..8].join(", "), v.len()) } else { v.join(", ") }
}
