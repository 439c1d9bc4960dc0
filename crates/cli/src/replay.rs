//! `kasim replay PORTFOLIO --scenario K`: one scenario of a portfolio run (kasim-montecarlo's
//! `scenario_detail`), its shared drivers, DC capacity, lowest-price claims and every chain's
//! ledger, emitted by kasim-report. The same seed and scenario index as `kasim portfolio`.
//! A portfolio with `[multi_year]` replays every year of the scenario (kasim-montecarlo's
//! `MultiYearModel::scenario_detail`): each year's contracts, the state carried into it, the
//! shared drivers, DC capacity and every chain's ledger.

use std::path::Path;

use kasim_core::Compiled;
use kasim_montecarlo::multiyear::MultiYearModel;
use kasim_montecarlo::portfolio::PortfolioModel;
use kasim_report::replay::{MultiYearReplayReport, PortfolioReplayReport};

use crate::args::Format;
use crate::{Failure, emit};

pub(crate) fn portfolio(
    file: &Path,
    scenario: u64,
    seed: u64,
    format: Format,
    to: Option<&Path>,
) -> Result<String, Failure> {
    let p = crate::portfolio::load(file, to)?;
    if let Some(spec) = p.multi_year.clone() {
        return multi_year(&p, &spec, file, scenario, seed, format, to);
    }
    let compiled = p
        .members
        .iter()
        .map(|m| Compiled::new(&m.contract).map_err(|e| Failure::Core(e).in_file(&m.file)))
        .collect::<Result<Vec<_>, _>>()?;
    let model = PortfolioModel::new(&p, &compiled).map_err(|e| Failure::from(e).in_file(file))?;
    let detail = model.scenario_detail(seed, scenario).map_err(|e| Failure::from(e).in_file(file))?;
    let members: Vec<(String, &kasim_core::Contract)> =
        p.members.iter().map(|m| (m.file.display().to_string(), &m.contract)).collect();
    let report = PortfolioReplayReport::new(&p.name, &file.display().to_string(), &members, detail);
    emit(&report, format, to)
}

/// Every year of scenario `scenario` of the multi-year run of `p` (the chain as `kasim
/// portfolio` computes it, on expectations, before the Monte Carlo).
fn multi_year(
    p: &kasim_core::portfolio::Portfolio,
    spec: &kasim_core::multiyear::MultiYear,
    file: &Path,
    scenario: u64,
    seed: u64,
    format: Format,
    to: Option<&Path>,
) -> Result<String, Failure> {
    let (chain, records) = crate::portfolio::chain(p, spec, file)?;
    let compiled = crate::portfolio::compile_chain(p, &chain)?;
    let model = MultiYearModel::new(p, spec, &compiled).map_err(|e| Failure::from(e).in_file(file))?;
    let detail = model.scenario_detail(seed, scenario).map_err(|e| Failure::from(e).in_file(file))?;
    let files: Vec<String> = p.members.iter().map(|m| m.file.display().to_string()).collect();
    let report = MultiYearReplayReport::new(
        &p.name,
        &file.display().to_string(),
        scenario,
        seed,
        &files,
        &chain,
        &records,
        detail,
    );
    emit(&report, format, to)
}
