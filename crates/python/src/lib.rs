//! # kasim-python: the `kasim._kasim` extension module
//!
//! The Rust half of the Python package `kasim` (crates/python/python/kasim is the other half:
//! the public API, docstrings and type stubs). Every function here calls the libraries —
//! kasim-core, kasim-montecarlo, kasim-negotiate — and returns either plain values or a
//! report rendered by kasim-report's JSON emitter, the same text `kasim <command> --format
//! json` prints, so Python and the CLI have one source of truth.
//!
//! * Money crosses as decimal strings (JSON) or as integer cents (the shard bytes of
//!   [`kasim_montecarlo::shard`]): never through binary floating point.
//! * Long calls release the GIL ([`Python::detach`]); simulations run in slices of
//!   about [`SLICE_SECONDS`] with a check for signals between slices, so Ctrl-C raises
//!   `KeyboardInterrupt` within one slice.
//! * Errors become `kasim.ContractError` (with `problems`: file, line, column, key, message)
//!   for a contract that does not load, `kasim.KasimError` for everything else.

#![deny(missing_docs)]
// pyo3's macros expand to `unsafe` FFI glue (the module init and the method trampolines):
// the workspace's `forbid` cannot apply to this crate; its own code has no `unsafe`.
#![allow(unsafe_code)]
// The libraries' error types are what they are; they are converted at once, never stored.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};

use kasim_core::{Compiled, Contract};
use kasim_montecarlo::analysis::{self, Stat};
use kasim_montecarlo::report::{Comparison, GoalSeekReport, Sensitivity, Simulation, require_uncertainty};
use kasim_montecarlo::{Model, Results, RunConfig, shard};
use kasim_negotiate::contract::{Setup, setup};
use kasim_negotiate::protocol::Side;
use kasim_negotiate::tournament::TournamentConfig;
use kasim_negotiate::{AdviceReport, NegotiationReport, StrategyKind, TournamentReport};
use kasim_report::{EvaluateReport, Evaluation, ExplainReport, ReplayReport, Report};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rust_decimal::Decimal;

// The module path is the importable one (`kasim._kasim`), so the exceptions pickle by
// reference: an error raised in a Ray task arrives on the driver as this very class.
create_exception!(kasim._kasim, KasimError, PyException, "Any error of kasim (the base of its exceptions).");
create_exception!(
    kasim._kasim,
    ContractError,
    KasimError,
    "A contract that does not load or validate: `problems` lists each located problem."
);

/// Scenarios of a simulation's first slice; later slices are sized to take about
/// [`SLICE_SECONDS`] each (at most [`MAX_SLICE`] scenarios). Signals (Ctrl-C) are checked
/// between slices. Slicing never changes results: scenario k's draws depend on (seed, k) only.
pub const SLICE: u64 = 1024;

/// The time a slice aims at: the longest a Ctrl-C waits.
pub const SLICE_SECONDS: f64 = 0.1;

/// The most scenarios in one slice.
pub const MAX_SLICE: u64 = 1 << 20;

/// One located problem of a contract file (`ContractError.problems`).
#[pyclass(module = "kasim._kasim", frozen, get_all)]
#[derive(Clone)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// The key path (`fees[2].rate`), empty when the problem is not at a key.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

#[pymethods]
impl Problem {
    /// A problem from its parts (what unpickling calls).
    #[new]
    fn new(file: String, line: usize, column: usize, key: String, message: String) -> Problem {
        Problem { file, line, column, key, message }
    }

    /// Pickles as its parts, so a `ContractError` raised in another process (a Ray task)
    /// keeps its `problems`.
    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, pyo3::types::PyType>, (String, usize, usize, String, String))> {
        let p = slf.get();
        Ok((slf.get_type(), (p.file.clone(), p.line, p.column, p.key.clone(), p.message.clone())))
    }

    fn __repr__(&self) -> String {
        format!("Problem({}:{}:{}: {}: {})", self.file, self.line, self.column, self.key, self.message)
    }
}

/// A `kasim_core` error as a Python exception: `ContractError` with its problems when it has
/// located ones (or is about the contract), `KasimError` otherwise.
fn core_error(py: Python<'_>, e: &kasim_core::Error) -> PyErr {
    let root = e.root();
    if root.is_invalid() || root.is_contract() || root.is_io() || matches!(root, kasim_core::Error::Input { .. }) {
        let err = ContractError::new_err(e.to_string());
        let problems: Vec<Problem> = root
            .problems()
            .iter()
            .map(|p| Problem {
                file: p.file.display().to_string(),
                line: p.line,
                column: p.column,
                key: p.key_path.clone(),
                message: p.message.clone(),
            })
            .collect();
        if let Err(set) = err.value(py).setattr("problems", problems) {
            return set;
        }
        return err;
    }
    KasimError::new_err(e.to_string())
}

/// A simulation error: a settlement error underneath as [`core_error`], else `KasimError`.
fn sim_error(py: Python<'_>, e: &kasim_montecarlo::Error) -> PyErr {
    match e {
        kasim_montecarlo::Error::Core(c) => core_error(py, c),
        _ => KasimError::new_err(e.to_string()),
    }
}

/// A negotiation error as a Python exception.
fn negotiate_error(py: Python<'_>, e: &kasim_negotiate::Error) -> PyErr {
    match e {
        kasim_negotiate::Error::Core(c) => core_error(py, c),
        kasim_negotiate::Error::Simulation(m) => sim_error(py, m),
        other => KasimError::new_err(other.to_string()),
    }
}

/// A report as the CLI's JSON text (`--format json`). A new command's report (the coming
/// `brief`) is one more method of [`PyContract`]: build the value as the CLI does, return
/// `json(&report)`; the Python layer wraps it in one line (`_report(self._inner.brief(…))`).
fn json<R: Report + ?Sized>(report: &R) -> PyResult<String> {
    kasim_report::emit::json::render(report).map_err(|e| KasimError::new_err(e.to_string()))
}

/// A decimal given as text (the Python layer passes `str(Decimal)`).
fn decimal(what: &str, text: &str) -> PyResult<Decimal> {
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| KasimError::new_err(format!("{what}: `{text}` is not a decimal number")))
}

fn stat(text: &str) -> PyResult<Stat> {
    text.parse::<Stat>().map_err(|e| KasimError::new_err(e.to_string()))
}

/// The run configuration the CLI builds from `--runs --seed --threads` (memory budget as the
/// CLI's).
fn config(runs: u64, seed: u64, threads: usize) -> RunConfig {
    RunConfig { runs, seed, threads, max_memory: kasim_montecarlo::memory::budget(), tolerance: None }
}

/// Decodes shard bytes and merges them into the rows of one run in index order.
fn merged_rows(py: Python<'_>, shards: &[Vec<u8>]) -> PyResult<Vec<Results>> {
    py.detach(|| {
        let decoded = shards.iter().map(|b| shard::decode(b)).collect::<Result<Vec<_>, _>>()?;
        kasim_montecarlo::merge(decoded)
    })
    .map_err(|e| sim_error(py, &e))
}

/// Checks that merged rows hold `contracts` contracts × `runs` scenarios.
fn check_rows(results: &[Results], contracts: usize, runs: u64) -> PyResult<()> {
    let total = results.first().map_or(0, |r| r.rows.len() as u64);
    if results.len() != contracts || total != runs {
        return Err(KasimError::new_err(format!(
            "the shards hold {} contracts × {total} scenarios, not {contracts} × {runs}",
            results.len()
        )));
    }
    Ok(())
}

/// The negotiation set-up of a contract: from every offer's scores (the bytes of
/// [`merge_scores`]) when given, else scored here.
fn setup_with(contract: &Contract, scores: Option<&[u8]>) -> Result<Setup, kasim_negotiate::Error> {
    use kasim_negotiate::contract::{decode_scores, merge_scores, setup_from_scores};
    match scores {
        None => setup(contract),
        Some(bytes) => {
            let (start, scores) = decode_scores(bytes)?;
            // One piece: it must start at offer 0 (the merge says what is missing otherwise).
            setup_from_scores(contract, merge_scores(vec![(start, scores)])?)
        }
    }
}

/// The tournament's configuration as the CLI builds it from `--runs --seed --threads`.
fn tournament_config(runs: u64, seed: u64, threads: usize) -> TournamentConfig {
    TournamentConfig { runs, seed, threads, ..TournamentConfig::default() }
}

/// An error of a goal seek whose statistics a Python callable computes: the library's, or the
/// callable's exception, which propagates unchanged.
enum EvalError {
    Sim(kasim_montecarlo::Error),
    Py(PyErr),
}

impl From<kasim_montecarlo::Error> for EvalError {
    fn from(e: kasim_montecarlo::Error) -> Self {
        EvalError::Sim(e)
    }
}

/// A loaded contract and the file name its reports carry.
#[pyclass(module = "kasim._kasim", frozen, name = "Contract")]
pub struct PyContract {
    contract: Contract,
    file: String,
}

/// Loads a contract file.
#[pyfunction]
fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyContract> {
    let file = path.display().to_string();
    let contract = py.detach(|| kasim_core::load(&path)).map_err(|e| core_error(py, &e))?;
    Ok(PyContract { contract, file })
}

/// Loads a contract from text; `base_dir` resolves its supplier file and `extends` parent,
/// `name` is the file name in messages and reports.
#[pyfunction]
#[pyo3(signature = (text, base_dir=None, name="<string>"))]
fn loads(py: Python<'_>, text: &str, base_dir: Option<PathBuf>, name: &str) -> PyResult<PyContract> {
    let contract = load_text(py, text, base_dir.as_deref(), name)?;
    Ok(PyContract { contract, file: name.to_string() })
}

fn load_text(py: Python<'_>, text: &str, base_dir: Option<&Path>, name: &str) -> PyResult<Contract> {
    py.detach(|| kasim_core::load::load_str(text, Path::new(name), base_dir)).map_err(|e| core_error(py, &e))
}

/// Runs `models` over scenarios `start..end` in slices (see [`SLICE`]), the GIL released during
/// each slice and signals checked between them (Ctrl-C raises `KeyboardInterrupt`).
fn run_interruptible(
    py: Python<'_>,
    models: &[Model<'_>],
    cfg: &RunConfig,
    start: u64,
    end: u64,
) -> PyResult<Vec<Results>> {
    if start > end || end > cfg.runs {
        return Err(sim_error(py, &kasim_montecarlo::Error::BadRange { start, end, runs: cfg.runs }));
    }
    // The whole run's budget, as `run` checks it (each slice alone would pass), reserved
    // fallibly: too large a run is an error, never an abort.
    let runs = end - start;
    let need =
        u128::from(runs) * u128::from(kasim_montecarlo::runner::BYTES_PER_SCENARIO) * models.len().max(1) as u128;
    if need > u128::from(cfg.max_memory) {
        let e = kasim_montecarlo::Error::TooLarge { runs, contracts: models.len(), bytes: need, limit: cfg.max_memory };
        return Err(sim_error(py, &e));
    }
    let mut out: Vec<Results> = Vec::with_capacity(models.len());
    for _ in models {
        let mut rows = Vec::new();
        rows.try_reserve_exact(usize::try_from(runs).unwrap_or(usize::MAX)).map_err(|source| {
            sim_error(py, &kasim_montecarlo::Error::OutOfMemory { runs, contracts: models.len(), bytes: need, source })
        })?;
        out.push(Results { rows });
    }
    let mut at = start;
    let mut slice = SLICE;
    // At least one (empty) slice, so an empty range still validates its arguments.
    loop {
        let to = (at + slice).min(end);
        let clock = std::time::Instant::now();
        let part = py.detach(|| kasim_montecarlo::run_range(models, cfg, at..to)).map_err(|e| sim_error(py, &e))?;
        let seconds = clock.elapsed().as_secs_f64();
        for (o, p) in out.iter_mut().zip(part) {
            o.rows.extend_from_slice(&p.rows);
        }
        py.check_signals()?;
        // The next slice takes about SLICE_SECONDS at the pace of this one.
        let pace = (to - at) as f64 / seconds.max(1e-6);
        slice = ((pace * SLICE_SECONDS) as u64).clamp(SLICE, MAX_SLICE);
        at = to;
        if at >= end {
            break;
        }
    }
    Ok(out)
}

/// Compiles contracts and runs them over scenarios `start..end` (common random numbers).
fn simulate_contracts(
    py: Python<'_>,
    contracts: &[&Contract],
    cfg: &RunConfig,
    start: u64,
    end: u64,
) -> PyResult<Vec<Results>> {
    for c in contracts {
        require_uncertainty(c).map_err(|e| sim_error(py, &e))?;
    }
    let compiled =
        contracts.iter().map(|c| Compiled::new(c)).collect::<Result<Vec<_>, _>>().map_err(|e| core_error(py, &e))?;
    let models = compiled.iter().map(Model::new).collect::<Result<Vec<_>, _>>().map_err(|e| sim_error(py, &e))?;
    run_interruptible(py, &models, cfg, start, end)
}

#[pymethods]
impl PyContract {
    /// The contract's name.
    #[getter]
    fn name(&self) -> &str {
        &self.contract.name
    }

    /// The contract's currency (`CNY`).
    #[getter]
    fn currency(&self) -> &str {
        &self.contract.currency
    }

    /// The retailer's name.
    #[getter]
    fn retailer(&self) -> &str {
        &self.contract.retailer.name
    }

    /// The file name its reports carry.
    #[getter]
    fn file(&self) -> &str {
        &self.file
    }

    /// The fee rules' ids, in contract order.
    #[getter]
    fn fees(&self) -> Vec<String> {
        self.contract.fees.iter().map(|f| f.id.clone()).collect()
    }

    /// True when the contract has an `[uncertainty]` section.
    #[getter]
    fn has_uncertainty(&self) -> bool {
        self.contract.uncertainty.is_some()
    }

    /// The resolved contract as TOML (supplier inline, `extends` merged): loads alone anywhere.
    fn to_toml(&self, py: Python<'_>) -> PyResult<String> {
        self.contract.to_toml().map_err(|e| core_error(py, &e))
    }

    /// Settles the plan: (`kasim evaluate --format json`, the settlement as JSON).
    fn evaluate(&self, py: Python<'_>) -> PyResult<(String, String)> {
        let settlement = py
            .detach(|| Compiled::new(&self.contract).and_then(|m| m.settle(m.plan_outcome())))
            .map_err(|e| core_error(py, &e))?;
        let settlement_json = serde_json_string(&settlement)?;
        let report = EvaluateReport { contracts: vec![Evaluation::new(self.file.clone(), &self.contract, settlement)] };
        Ok((json(&report)?, settlement_json))
    }

    /// `kasim explain --format json`.
    fn explain(&self, py: Python<'_>) -> PyResult<String> {
        let settlement = py
            .detach(|| Compiled::new(&self.contract).and_then(|m| m.settle(m.plan_outcome())))
            .map_err(|e| core_error(py, &e))?;
        json(&ExplainReport::new(Evaluation::new(self.file.clone(), &self.contract, settlement)))
    }

    /// `kasim replay --scenario K --seed S --format json`.
    fn replay(&self, py: Python<'_>, scenario: u64, seed: u64) -> PyResult<String> {
        let compiled = Compiled::new(&self.contract).map_err(|e| core_error(py, &e))?;
        let model = Model::new(&compiled).map_err(|e| sim_error(py, &e))?;
        let settlement = py.detach(|| model.settlement(seed, scenario)).map_err(|e| sim_error(py, &e))?;
        let explain = ExplainReport::new(Evaluation::new(self.file.clone(), &self.contract, settlement));
        json(&ReplayReport { scenario, seed, explain })
    }

    /// Simulates `runs` scenarios: (the shard bytes of all rows, `kasim simulate --format
    /// json`).
    #[pyo3(signature = (runs, seed, threads, threshold=None))]
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        runs: u64,
        seed: u64,
        threads: usize,
        threshold: Option<&str>,
    ) -> PyResult<(Bound<'py, PyBytes>, String)> {
        let threshold = threshold.map(|t| decimal("threshold", t)).transpose()?;
        let cfg = config(runs, seed, threads);
        let results = simulate_contracts(py, &[&self.contract], &cfg, 0, runs)?;
        let (bytes, report) = py.detach(|| {
            let report = Simulation::new(&self.file, &self.contract, &cfg, &results[0], threshold);
            (shard::encode(0, &results), json(&report))
        });
        Ok((PyBytes::new(py, &bytes), report?))
    }

    /// `kasim sensitivity --format json`.
    #[pyo3(signature = (runs, seed, threads, stat="mean"))]
    fn sensitivity(&self, py: Python<'_>, runs: u64, seed: u64, threads: usize, stat: &str) -> PyResult<String> {
        let stat = self::stat(stat)?;
        let cfg = config(runs, seed, threads);
        let report = py.detach(|| Sensitivity::run(&self.contract, &cfg, stat)).map_err(|e| sim_error(py, &e))?;
        json(&report)
    }

    /// `kasim goal-seek --format json`; `target`, `low` and `high` as decimal text.
    #[pyo3(signature = (term, target, stat, low, high, runs, seed, threads))]
    #[allow(clippy::too_many_arguments)]
    fn goal_seek(
        &self,
        py: Python<'_>,
        term: &str,
        target: &str,
        stat: &str,
        low: Option<&str>,
        high: Option<&str>,
        runs: u64,
        seed: u64,
        threads: usize,
    ) -> PyResult<String> {
        let stat = self::stat(stat)?;
        let target = decimal("target", target)?;
        let low = low.map(|v| decimal("low", v)).transpose()?;
        let high = high.map(|v| decimal("high", v)).transpose()?;
        let cfg = config(runs, seed, threads);
        let report = py
            .detach(|| GoalSeekReport::run(&self.contract, term, stat, target, (low, high), &cfg))
            .map_err(|e| sim_error(py, &e))?;
        json(&report)
    }

    /// The sensitivity analysis's contracts as resolved TOML text: \[the contract, input 1 at
    /// its low value, input 1 at its high value, input 2 low, …\] in the tornado's input order
    /// (each loads alone anywhere), for computing their statistics elsewhere.
    fn sensitivity_variants(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let variants = analysis::tornado_variants(&self.contract).map_err(|e| sim_error(py, &e))?;
        let mut out = Vec::with_capacity(1 + 2 * variants.len());
        out.push(self.contract.to_toml().map_err(|e| core_error(py, &e))?);
        for (_, low, high) in &variants {
            for v in [low, high] {
                out.push(v.to_toml().map_err(|e| core_error(py, &e))?);
            }
        }
        Ok(out)
    }

    /// `kasim sensitivity --format json` from the statistics of [`sensitivity_variants`]
    /// (decimal text, in that order, the base first) and the contract's shards (all `runs`
    /// scenarios, any order).
    fn sensitivity_from(
        &self,
        py: Python<'_>,
        runs: u64,
        seed: u64,
        stat: &str,
        statistics: Vec<String>,
        base_shards: Vec<Vec<u8>>,
    ) -> PyResult<String> {
        let stat = self::stat(stat)?;
        let statistics = statistics.iter().map(|t| decimal("statistic", t)).collect::<PyResult<Vec<Decimal>>>()?;
        let base = merged_rows(py, &base_shards)?;
        check_rows(&base, 1, runs)?;
        let cfg = config(runs, seed, 0);
        let report = py
            .detach(|| Sensitivity::from_parts(&self.contract, &cfg, stat, &statistics, &base[0]))
            .map_err(|e| sim_error(py, &e))?;
        json(&report)
    }

    /// `kasim goal-seek --format json` with each evaluation made by `evaluate`: a callable
    /// taking a variant's TOML text and returning its statistic (decimal text, or anything
    /// whose `str` is a decimal). An exception of `evaluate` propagates unchanged.
    #[pyo3(signature = (term, target, stat, low, high, runs, seed, evaluate))]
    #[allow(clippy::too_many_arguments)]
    fn goal_seek_with(
        &self,
        py: Python<'_>,
        term: &str,
        target: &str,
        stat: &str,
        low: Option<&str>,
        high: Option<&str>,
        runs: u64,
        seed: u64,
        evaluate: Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let stat = self::stat(stat)?;
        let target = decimal("target", target)?;
        let low = low.map(|v| decimal("low", v)).transpose()?;
        let high = high.map(|v| decimal("high", v)).transpose()?;
        let cfg = config(runs, seed, 0);
        let eval = |c: &Contract| -> Result<Decimal, EvalError> {
            let text = c.to_toml().map_err(kasim_montecarlo::Error::Core)?;
            let value = evaluate.call1((text,)).and_then(|v| v.str()).map_err(EvalError::Py)?;
            let text = value.to_cow().map_err(EvalError::Py)?;
            decimal("the statistic `evaluate` returned", &text).map_err(EvalError::Py)
        };
        let report = GoalSeekReport::run_with(&self.contract, term, stat, target, (low, high), &cfg, eval).map_err(
            |e| match e {
                EvalError::Sim(e) => sim_error(py, &e),
                EvalError::Py(e) => e,
            },
        )?;
        json(&report)
    }

    /// The number of offers (grid points) of the contract's negotiation.
    fn offer_count(&self, py: Python<'_>) -> PyResult<usize> {
        kasim_negotiate::contract::offer_count(&self.contract).map_err(|e| negotiate_error(py, &e))
    }

    /// The scores of offers `start..end` of the negotiation's grid, as bytes (merge the pieces
    /// with `merge_scores`).
    fn score_offers<'py>(&self, py: Python<'py>, start: usize, end: usize) -> PyResult<Bound<'py, PyBytes>> {
        use kasim_negotiate::contract::{encode_scores, score_offers};
        let bytes = py
            .detach(|| score_offers(&self.contract, start..end).map(|s| encode_scores(start, &s)))
            .map_err(|e| negotiate_error(py, &e))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// `kasim negotiate --supplier S --buyer B --format json`; with `scores` (every offer's,
    /// from `merge_scores`) the offers are not scored again.
    #[pyo3(signature = (supplier, buyer, scores=None))]
    fn negotiate(&self, py: Python<'_>, supplier: &str, buyer: &str, scores: Option<Vec<u8>>) -> PyResult<String> {
        let s = StrategyKind::parse_for(supplier, Side::Supplier).map_err(|e| negotiate_error(py, &e))?;
        let b = StrategyKind::parse_for(buyer, Side::Buyer).map_err(|e| negotiate_error(py, &e))?;
        let report = py
            .detach(|| {
                setup_with(&self.contract, scores.as_deref())
                    .and_then(|st| NegotiationReport::new(&self.contract, &st, s, b))
            })
            .map_err(|e| negotiate_error(py, &e))?;
        json(&report)
    }

    /// `kasim advise --margin M --format json`; `scores` as for `negotiate`.
    #[pyo3(signature = (margin, scores=None))]
    fn advise(&self, py: Python<'_>, margin: f64, scores: Option<Vec<u8>>) -> PyResult<String> {
        let report = py
            .detach(|| {
                setup_with(&self.contract, scores.as_deref())
                    .and_then(|st| AdviceReport::new(&self.contract, &st, margin))
            })
            .map_err(|e| negotiate_error(py, &e))?;
        json(&report)
    }

    /// `kasim negotiate --tournament --format json`; `scores` as for `negotiate`.
    #[pyo3(signature = (runs, seed, threads, scores=None))]
    fn tournament(
        &self,
        py: Python<'_>,
        runs: u64,
        seed: u64,
        threads: usize,
        scores: Option<Vec<u8>>,
    ) -> PyResult<String> {
        let cfg = tournament_config(runs, seed, threads);
        let report = py
            .detach(|| {
                setup_with(&self.contract, scores.as_deref())
                    .and_then(|st| TournamentReport::new(&self.contract, &st, &cfg))
            })
            .map_err(|e| negotiate_error(py, &e))?;
        json(&report)
    }

    /// Runs `start..end` of a tournament of `runs` runs (the default field), as bytes; merge
    /// the pieces with `tournament_merge`. `scores` as for `negotiate`.
    #[pyo3(signature = (runs, seed, start, end, scores=None, threads=0))]
    #[allow(clippy::too_many_arguments)]
    fn tournament_range<'py>(
        &self,
        py: Python<'py>,
        runs: u64,
        seed: u64,
        start: u64,
        end: u64,
        scores: Option<Vec<u8>>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyBytes>> {
        use kasim_negotiate::tournament::{encode_runs, field, tournament_runs};
        let cfg = tournament_config(runs, seed, threads);
        let bytes = py
            .detach(|| {
                let st = setup_with(&self.contract, scores.as_deref())?;
                let (suppliers, buyers) = field(&st);
                tournament_runs(&st, &suppliers, &buyers, &cfg, start..end).map(|r| encode_runs(&r))
            })
            .map_err(|e| negotiate_error(py, &e))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// `kasim negotiate --tournament --format json` from the pieces of `tournament_range` (in
    /// any order; gaps and overlaps are refused). `threads` is the value the report shows.
    #[pyo3(signature = (runs, seed, parts, scores=None, threads=0))]
    fn tournament_merge(
        &self,
        py: Python<'_>,
        runs: u64,
        seed: u64,
        parts: Vec<Vec<u8>>,
        scores: Option<Vec<u8>>,
        threads: usize,
    ) -> PyResult<String> {
        use kasim_negotiate::tournament::{decode_runs, merge_runs};
        let cfg = tournament_config(runs, seed, threads);
        let report = py
            .detach(|| {
                let decoded = parts.iter().map(|b| decode_runs(b)).collect::<Result<Vec<_>, _>>()?;
                let merged = merge_runs(decoded)?;
                let st = setup_with(&self.contract, scores.as_deref())?;
                TournamentReport::from_runs(&self.contract, &st, &cfg, &merged)
            })
            .map_err(|e| negotiate_error(py, &e))?;
        json(&report)
    }
}

fn serde_json_string<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| KasimError::new_err(e.to_string()))
}

/// `kasim compare --format json` of contracts over the same scenarios.
#[pyfunction]
fn compare(
    py: Python<'_>,
    contracts: Vec<PyRef<'_, PyContract>>,
    runs: u64,
    seed: u64,
    threads: usize,
) -> PyResult<String> {
    let cfg = config(runs, seed, threads);
    let list: Vec<&Contract> = contracts.iter().map(|c| &c.contract).collect();
    let results = simulate_contracts(py, &list, &cfg, 0, runs)?;
    let files: Vec<String> = contracts.iter().map(|c| c.file.clone()).collect();
    let owned: Vec<Contract> = list.iter().map(|c| (*c).clone()).collect();
    py.detach(|| json(&Comparison::new(&files, &owned, &cfg, &results)))
}

/// `kasim brief BASE DRAFT [COUNTER...] --format json`: the meeting brief (clause by clause
/// on common random numbers, interactions, the CVaR tail allocation per clause, compliance
/// flags, the negotiation plan with its counter-offer, DRAFT's tornado), built by
/// [`kasim_negotiate::brief::BriefReport::prepare`] as the CLI builds it.
#[pyfunction]
fn brief(
    py: Python<'_>,
    contracts: Vec<PyRef<'_, PyContract>>,
    runs: u64,
    seed: u64,
    threads: usize,
) -> PyResult<String> {
    use kasim_negotiate::brief::{BriefOptions, BriefReport, Input};
    let cfg = config(runs, seed, threads);
    let inputs: Vec<Input<'_>> = contracts.iter().map(|c| Input { file: &c.file, contract: &c.contract }).collect();
    let report = py
        .detach(|| BriefReport::prepare(&inputs, &cfg, &BriefOptions::default()))
        .map_err(|e| negotiate_error(py, &e))?;
    py.detach(|| json(&report))
}

/// One shard of a simulation: scenarios `start..end` of a run of `runs` with `seed`, of the
/// contract given as text (resolved against `base_dir`), as shard bytes
/// ([`kasim_montecarlo::shard`]). The unit of work of a distributed run.
#[pyfunction]
#[pyo3(signature = (contract_text, base_dir, runs, seed, start, end, threads=0))]
#[allow(clippy::too_many_arguments)]
fn simulate_range<'py>(
    py: Python<'py>,
    contract_text: &str,
    base_dir: Option<PathBuf>,
    runs: u64,
    seed: u64,
    start: u64,
    end: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let contract = load_text(py, contract_text, base_dir.as_deref(), "<string>")?;
    let cfg = config(runs, seed, threads);
    let results = simulate_contracts(py, &[&contract], &cfg, start, end)?;
    Ok(PyBytes::new(py, &shard::encode(start, &results)))
}

/// Merges shard bytes of [`simulate_range`] into the `kasim simulate --format json` report
/// of the whole run (byte-identical to the single-machine run's with the same `file`).
#[pyfunction]
#[pyo3(signature = (contract_text, base_dir, runs, seed, shards, file="<string>", threshold=None))]
#[allow(clippy::too_many_arguments)]
fn merge_simulation(
    py: Python<'_>,
    contract_text: &str,
    base_dir: Option<PathBuf>,
    runs: u64,
    seed: u64,
    shards: Vec<Vec<u8>>,
    file: &str,
    threshold: Option<&str>,
) -> PyResult<String> {
    let threshold = threshold.map(|t| decimal("threshold", t)).transpose()?;
    let contract = load_text(py, contract_text, base_dir.as_deref(), file)?;
    let cfg = config(runs, seed, 0);
    let results = py
        .detach(|| {
            let decoded = shards.iter().map(|b| shard::decode(b)).collect::<Result<Vec<_>, _>>()?;
            kasim_montecarlo::merge(decoded)
        })
        .map_err(|e| sim_error(py, &e))?;
    let total = results.first().map_or(0, |r| r.rows.len() as u64);
    if results.len() != 1 || total != runs {
        return Err(KasimError::new_err(format!(
            "the shards hold {} contracts × {total} scenarios, not 1 × {runs}",
            results.len()
        )));
    }
    py.detach(|| json(&Simulation::new(file, &contract, &cfg, &results[0], threshold)))
}

/// One shard of a run of several contracts over the same scenarios (common random numbers):
/// scenarios `start..end` of each contract given as text, as shard bytes with
/// `len(contract_texts)` contracts. The unit of work of a distributed comparison.
#[pyfunction]
#[pyo3(signature = (contract_texts, base_dir, runs, seed, start, end, threads=0))]
#[allow(clippy::too_many_arguments)]
fn simulate_range_many<'py>(
    py: Python<'py>,
    contract_texts: Vec<String>,
    base_dir: Option<PathBuf>,
    runs: u64,
    seed: u64,
    start: u64,
    end: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let contracts = contract_texts
        .iter()
        .map(|t| load_text(py, t, base_dir.as_deref(), "<string>"))
        .collect::<PyResult<Vec<_>>>()?;
    let refs: Vec<&Contract> = contracts.iter().collect();
    let cfg = config(runs, seed, threads);
    let results = simulate_contracts(py, &refs, &cfg, start, end)?;
    Ok(PyBytes::new(py, &shard::encode(start, &results)))
}

/// Merges shard bytes of [`simulate_range_many`] into the `kasim compare --format json` report
/// of the contracts (named `files` in the report), byte-identical to `compare`'s.
#[pyfunction]
fn merge_comparison(
    py: Python<'_>,
    contract_texts: Vec<String>,
    base_dir: Option<PathBuf>,
    files: Vec<String>,
    runs: u64,
    seed: u64,
    shards: Vec<Vec<u8>>,
) -> PyResult<String> {
    if files.len() != contract_texts.len() {
        return Err(KasimError::new_err(format!("{} file names for {} contracts", files.len(), contract_texts.len())));
    }
    let contracts = contract_texts
        .iter()
        .zip(&files)
        .map(|(t, f)| load_text(py, t, base_dir.as_deref(), f))
        .collect::<PyResult<Vec<_>>>()?;
    let results = merged_rows(py, &shards)?;
    check_rows(&results, contracts.len(), runs)?;
    let cfg = config(runs, seed, 0);
    py.detach(|| json(&Comparison::new(&files, &contracts, &cfg, &results)))
}

/// Merges shard bytes (any order) into one shard starting at scenario 0: the rows of the
/// whole run in index order.
#[pyfunction]
fn merge_shards<'py>(py: Python<'py>, shards: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let results = merged_rows(py, &shards)?;
    let bytes = py.detach(|| shard::encode(0, &results));
    Ok(PyBytes::new(py, &bytes))
}

/// A statistic (`mean`, `p10`, …) of net contribution over the merged rows of contract
/// `contract` of the shards, as decimal text.
#[pyfunction]
#[pyo3(signature = (shards, stat, contract=0))]
fn statistic(py: Python<'_>, shards: Vec<Vec<u8>>, stat: &str, contract: usize) -> PyResult<String> {
    let stat = self::stat(stat)?;
    let results = merged_rows(py, &shards)?;
    let r = results.get(contract).ok_or_else(|| {
        KasimError::new_err(format!("the shards hold {} contracts, not a contract {contract}", results.len()))
    })?;
    Ok(py.detach(|| stat.of(r)).to_string())
}

/// A statistic (`mean`, `p10`, …) of net contribution of the contract given as text over a
/// run of `runs` scenarios with `seed`, as decimal text: one evaluation of a sensitivity
/// analysis or a goal seek.
#[pyfunction]
#[pyo3(signature = (contract_text, base_dir, runs, seed, stat, threads=0))]
fn simulate_statistic(
    py: Python<'_>,
    contract_text: &str,
    base_dir: Option<PathBuf>,
    runs: u64,
    seed: u64,
    stat: &str,
    threads: usize,
) -> PyResult<String> {
    let stat = self::stat(stat)?;
    let contract = load_text(py, contract_text, base_dir.as_deref(), "<string>")?;
    let cfg = config(runs, seed, threads);
    let results = simulate_contracts(py, &[&contract], &cfg, 0, runs)?;
    Ok(py.detach(|| stat.of(&results[0])).to_string())
}

/// Merges pieces of offer scores (`Contract.score_offers`, any order) into the scores of
/// every offer, as bytes for the `scores` argument of `negotiate`, `advise`, `tournament`.
#[pyfunction]
fn merge_scores<'py>(py: Python<'py>, parts: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    use kasim_negotiate::contract::{decode_scores, encode_scores};
    let bytes = py
        .detach(|| {
            let decoded = parts.iter().map(|b| decode_scores(b)).collect::<Result<Vec<_>, _>>()?;
            kasim_negotiate::contract::merge_scores(decoded).map(|s| encode_scores(0, &s))
        })
        .map_err(|e| negotiate_error(py, &e))?;
    Ok(PyBytes::new(py, &bytes))
}

/// A loaded portfolio across retailers (`kasim.load_portfolio`, docs/portfolio.md).
#[pyclass(module = "kasim._kasim", frozen, name = "Portfolio")]
pub struct PyPortfolio {
    portfolio: kasim_core::portfolio::Portfolio,
}

/// Loads a portfolio file and every contract it names.
#[pyfunction]
fn load_portfolio(py: Python<'_>, path: PathBuf) -> PyResult<PyPortfolio> {
    let portfolio = py.detach(|| kasim_core::portfolio::load_portfolio(&path)).map_err(|e| core_error(py, &e))?;
    Ok(PyPortfolio { portfolio })
}

/// A portfolio from its file's text, `name` resolving its contracts' `file`s as on the machine
/// that loaded it, and its contracts as resolved TOML texts (in file order).
fn portfolio_from_texts(
    text: &str,
    name: &str,
    contracts: &[String],
) -> Result<kasim_core::portfolio::Portfolio, kasim_core::Error> {
    kasim_core::portfolio::load_portfolio_with(text, Path::new(name), &mut |i, file| match contracts.get(i) {
        Some(t) => kasim_core::load::load_str(t, file, None),
        None => Err(kasim_core::Error::Io {
            path: file.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no text was given for this contract"),
        }),
    })
}

/// Runs scenarios `start..end` of a portfolio: the results, or the error as a Python exception.
fn portfolio_results(
    py: Python<'_>,
    p: &kasim_core::portfolio::Portfolio,
    cfg: &RunConfig,
    ranges: &[(u64, u64)],
) -> PyResult<(Vec<kasim_montecarlo::portfolio::PortfolioResults>, String)> {
    use kasim_montecarlo::portfolio::{PortfolioModel, PortfolioReport};
    let compiled = p
        .members
        .iter()
        .map(|m| Compiled::new(&m.contract))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| core_error(py, &e))?;
    let model = PortfolioModel::new(p, &compiled).map_err(|e| sim_error(py, &e))?;
    let parts = py
        .detach(|| ranges.iter().map(|&(a, b)| model.run_range(cfg, a, b)).collect::<Result<Vec<_>, _>>())
        .map_err(|e| sim_error(py, &e))?;
    let report =
        if ranges == [(0, cfg.runs)] { json(&PortfolioReport::new(p, &model, &parts[0], cfg))? } else { String::new() };
    Ok((parts, report))
}

#[pymethods]
impl PyPortfolio {
    /// The portfolio's name.
    #[getter]
    fn name(&self) -> &str {
        &self.portfolio.name
    }

    /// The portfolio file, as given.
    #[getter]
    fn file(&self) -> String {
        self.portfolio.file.display().to_string()
    }

    /// The contracts' ids, in file order.
    #[getter]
    fn ids(&self) -> Vec<String> {
        self.portfolio.members.iter().map(|m| m.id.clone()).collect()
    }

    /// (the portfolio file's text, each contract as resolved TOML): what a Ray task loads with
    /// [`portfolio_range`].
    fn texts(&self, py: Python<'_>) -> PyResult<(String, Vec<String>)> {
        let texts = self
            .portfolio
            .members
            .iter()
            .map(|m| m.contract.to_toml())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| core_error(py, &e))?;
        Ok((self.portfolio.source.clone(), texts))
    }

    /// The years of its `[multi_year]` section; `None` for a one-year portfolio.
    #[getter]
    fn years(&self) -> Option<u32> {
        self.portfolio.multi_year.as_ref().map(|m| m.years)
    }

    /// The contract chain of a portfolio with `[multi_year]` (renegotiated year by year as the
    /// CLI does), computed once: what a distributed multi-year run ships to its tasks.
    fn chain(&self, py: Python<'_>) -> PyResult<PyMultiYearChain> {
        PyMultiYearChain::of(py, &self.portfolio)
    }

    /// `kasim portfolio --format json` of this portfolio (the `kasim.multi_year/1` document
    /// when it has `[multi_year]`).
    fn simulate(&self, py: Python<'_>, runs: u64, seed: u64, threads: usize) -> PyResult<String> {
        let cfg = config(runs, seed, threads);
        if self.portfolio.multi_year.is_some() {
            return PyMultiYearChain::of(py, &self.portfolio)?.simulate(py, runs, seed, threads);
        }
        Ok(portfolio_results(py, &self.portfolio, &cfg, &[(0, runs)])?.1)
    }
}

/// The contract chain of a multi-year portfolio (per year, per retailer, the contract in
/// effect after renegotiation) and its records, computed once on the driver.
#[pyclass(module = "kasim._kasim", frozen, name = "MultiYearChain")]
pub struct PyMultiYearChain {
    portfolio: kasim_core::portfolio::Portfolio,
    spec: kasim_core::multiyear::MultiYear,
    chain: kasim_montecarlo::multiyear::Chain,
    records: Vec<kasim_montecarlo::multiyear::ContractYear>,
}

/// The `[multi_year]` section of a portfolio, or the error of a one-year one.
fn multi_year_spec(p: &kasim_core::portfolio::Portfolio) -> PyResult<kasim_core::multiyear::MultiYear> {
    p.multi_year
        .clone()
        .ok_or_else(|| KasimError::new_err(format!("{}: the portfolio has no [multi_year] section", p.file.display())))
}

/// Every year's contracts compiled (per year, per member).
fn compile_chain<'c>(py: Python<'_>, chain: &'c [Vec<Contract>]) -> PyResult<Vec<Vec<Compiled<'c>>>> {
    chain
        .iter()
        .map(|y| y.iter().map(Compiled::new).collect::<Result<Vec<_>, _>>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| core_error(py, &e))
}

/// Runs scenarios `start..end` of a multi-year chain.
fn multi_year_results(
    py: Python<'_>,
    p: &kasim_core::portfolio::Portfolio,
    spec: &kasim_core::multiyear::MultiYear,
    chain: &[Vec<Contract>],
    cfg: &RunConfig,
    start: u64,
    end: u64,
) -> PyResult<kasim_montecarlo::multiyear::MultiYearResults> {
    let compiled = compile_chain(py, chain)?;
    let model = kasim_montecarlo::multiyear::MultiYearModel::new(p, spec, &compiled).map_err(|e| sim_error(py, &e))?;
    py.detach(|| model.run_range(cfg, start, end)).map_err(|e| sim_error(py, &e))
}

impl PyMultiYearChain {
    fn of(py: Python<'_>, p: &kasim_core::portfolio::Portfolio) -> PyResult<PyMultiYearChain> {
        let spec = multi_year_spec(p)?;
        let (chain, records) = py
            .detach(|| kasim_negotiate::renegotiate::portfolio_chain(p, &spec))
            .map_err(|e| negotiate_error(py, &e))?;
        Ok(PyMultiYearChain { portfolio: p.clone(), spec, chain, records })
    }

    /// The report of merged results.
    fn report(
        &self,
        py: Python<'_>,
        results: &kasim_montecarlo::multiyear::MultiYearResults,
        cfg: &RunConfig,
    ) -> PyResult<String> {
        let compiled = compile_chain(py, &self.chain)?;
        let model = kasim_montecarlo::multiyear::MultiYearModel::new(&self.portfolio, &self.spec, &compiled)
            .map_err(|e| sim_error(py, &e))?;
        py.detach(|| {
            json(&kasim_montecarlo::multiyear::MultiYearReport::new(
                &self.portfolio,
                &model,
                results,
                cfg,
                self.records.clone(),
            ))
        })
    }
}

#[pymethods]
impl PyMultiYearChain {
    /// The years.
    #[getter]
    fn years(&self) -> u32 {
        self.spec.years
    }

    /// (the portfolio file's text, per year (year 1 first) each retailer's contract as
    /// resolved TOML, in file order): what a Ray task loads with [`multi_year_range`].
    fn texts(&self, py: Python<'_>) -> PyResult<(String, Vec<Vec<String>>)> {
        let texts = self
            .chain
            .iter()
            .map(|y| y.iter().map(Contract::to_toml).collect::<Result<Vec<_>, _>>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| core_error(py, &e))?;
        Ok((self.portfolio.source.clone(), texts))
    }

    /// `kasim portfolio --format json` of the multi-year portfolio (`kasim.multi_year/1`).
    fn simulate(&self, py: Python<'_>, runs: u64, seed: u64, threads: usize) -> PyResult<String> {
        let cfg = config(runs, seed, threads);
        let results = multi_year_results(py, &self.portfolio, &self.spec, &self.chain, &cfg, 0, runs)?;
        self.report(py, &results, &cfg)
    }

    /// Merges the bytes of [`multi_year_range`] (any order, covering `0..runs`) into the
    /// `kasim portfolio --format json` report of the whole run: byte-identical to the
    /// single-machine run's.
    fn merge(&self, py: Python<'_>, runs: u64, seed: u64, shards: Vec<Vec<u8>>) -> PyResult<String> {
        use kasim_montecarlo::multiyear::MultiYearResults;
        let merged = py
            .detach(|| {
                let parts = shards.iter().map(|b| MultiYearResults::decode(b)).collect::<Result<Vec<_>, _>>()?;
                MultiYearResults::merge(parts)
            })
            .map_err(|e| sim_error(py, &e))?;
        let chains = merged.years.first().map_or(0, |y| y.rows.len());
        if merged.len() as u64 != runs
            || merged.years.len() != self.chain.len()
            || chains != self.portfolio.members.len()
        {
            return Err(KasimError::new_err(format!(
                "the shards hold {} years × {chains} contracts × {} scenarios, not {} × {} × {runs}",
                merged.years.len(),
                merged.len(),
                self.chain.len(),
                self.portfolio.members.len()
            )));
        }
        self.report(py, &merged, &config(runs, seed, 1))
    }
}

/// Scenarios `start..end` of a multi-year portfolio given as texts ([`PyMultiYearChain::texts`]:
/// the portfolio file's text, per year each retailer's resolved contract), across all years,
/// as bytes (`MultiYearResults::encode`). The unit of work of a distributed multi-year run:
/// the chain is not renegotiated here, it is the driver's.
#[pyfunction]
#[pyo3(signature = (portfolio_text, name, year_texts, runs, seed, start, end, threads=0))]
#[allow(clippy::too_many_arguments)]
fn multi_year_range<'py>(
    py: Python<'py>,
    portfolio_text: &str,
    name: &str,
    year_texts: Vec<Vec<String>>,
    runs: u64,
    seed: u64,
    start: u64,
    end: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    if start > end || end > runs {
        return Err(sim_error(py, &kasim_montecarlo::Error::BadRange { start, end, runs }));
    }
    let first = year_texts.first().map_or(&[][..], Vec::as_slice);
    let p = portfolio_from_texts(portfolio_text, name, first).map_err(|e| core_error(py, &e))?;
    let spec = multi_year_spec(&p)?;
    let chain = year_texts
        .iter()
        .map(|y| {
            y.iter()
                .zip(&p.members)
                .map(|(t, m)| kasim_core::load::load_str(t, &m.file, None))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| core_error(py, &e))?;
    let cfg = config(runs, seed, threads);
    let results = multi_year_results(py, &p, &spec, &chain, &cfg, start, end)?;
    Ok(PyBytes::new(py, &results.encode()))
}

/// Scenarios `start..end` of a portfolio given as texts ([`PyPortfolio::texts`]), as bytes
/// (`PortfolioResults::encode`). The unit of work of a distributed portfolio.
#[pyfunction]
#[pyo3(signature = (portfolio_text, name, contract_texts, runs, seed, start, end, threads=0))]
#[allow(clippy::too_many_arguments)]
fn portfolio_range<'py>(
    py: Python<'py>,
    portfolio_text: &str,
    name: &str,
    contract_texts: Vec<String>,
    runs: u64,
    seed: u64,
    start: u64,
    end: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    if start > end || end > runs {
        return Err(sim_error(py, &kasim_montecarlo::Error::BadRange { start, end, runs }));
    }
    let p = portfolio_from_texts(portfolio_text, name, &contract_texts).map_err(|e| core_error(py, &e))?;
    let cfg = config(runs, seed, threads);
    let (parts, _) = portfolio_results(py, &p, &cfg, &[(start, end)])?;
    Ok(PyBytes::new(py, &parts[0].encode()))
}

/// Merges the bytes of [`portfolio_range`] into the `kasim portfolio --format json` report of
/// the whole run (byte-identical to the single-machine run's when `name` is the same file).
#[pyfunction]
fn merge_portfolio(
    py: Python<'_>,
    portfolio_text: &str,
    name: &str,
    contract_texts: Vec<String>,
    runs: u64,
    seed: u64,
    shards: Vec<Vec<u8>>,
) -> PyResult<String> {
    use kasim_montecarlo::portfolio::{PortfolioModel, PortfolioReport, PortfolioResults};
    let p = portfolio_from_texts(portfolio_text, name, &contract_texts).map_err(|e| core_error(py, &e))?;
    let merged = py
        .detach(|| {
            let parts = shards.iter().map(|b| PortfolioResults::decode(b)).collect::<Result<Vec<_>, _>>()?;
            PortfolioResults::merge(parts)
        })
        .map_err(|e| sim_error(py, &e))?;
    if merged.len() as u64 != runs || merged.rows.len() != p.members.len() {
        return Err(KasimError::new_err(format!(
            "the shards hold {} contracts × {} scenarios, not {} × {runs}",
            merged.rows.len(),
            merged.len(),
            p.members.len()
        )));
    }
    let compiled = p
        .members
        .iter()
        .map(|m| Compiled::new(&m.contract))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| core_error(py, &e))?;
    let model = PortfolioModel::new(&p, &compiled).map_err(|e| sim_error(py, &e))?;
    let cfg = config(runs, seed, 1);
    py.detach(|| json(&PortfolioReport::new(&p, &model, &merged, &cfg)))
}

/// The `kasim._kasim` module.
#[pymodule]
fn _kasim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("KasimError", py.get_type::<KasimError>())?;
    m.add("ContractError", py.get_type::<ContractError>())?;
    m.add("SHARD_HEADER_BYTES", shard::HEADER_BYTES)?;
    m.add("SHARD_COLUMNS", shard::COLUMNS.to_vec())?;
    m.add_class::<Problem>()?;
    m.add_class::<PyContract>()?;
    m.add_class::<PyPortfolio>()?;
    m.add_class::<PyMultiYearChain>()?;
    m.add_function(wrap_pyfunction!(multi_year_range, m)?)?;
    m.add_function(wrap_pyfunction!(load_portfolio, m)?)?;
    m.add_function(wrap_pyfunction!(portfolio_range, m)?)?;
    m.add_function(wrap_pyfunction!(merge_portfolio, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(brief, m)?)?;
    m.add_function(wrap_pyfunction!(simulate_range, m)?)?;
    m.add_function(wrap_pyfunction!(merge_simulation, m)?)?;
    m.add_function(wrap_pyfunction!(simulate_range_many, m)?)?;
    m.add_function(wrap_pyfunction!(merge_comparison, m)?)?;
    m.add_function(wrap_pyfunction!(merge_shards, m)?)?;
    m.add_function(wrap_pyfunction!(statistic, m)?)?;
    m.add_function(wrap_pyfunction!(simulate_statistic, m)?)?;
    m.add_function(wrap_pyfunction!(merge_scores, m)?)?;
    Ok(())
}
