//! `kasim portfolio FILE`: load the portfolio and its contracts (kasim-core), simulate them
//! together on shared drivers (kasim-montecarlo), emit the report (kasim-report).

use std::path::Path;

use kasim_core::Compiled;
use kasim_core::multiyear::MultiYear;
use kasim_core::portfolio::Portfolio;
use kasim_montecarlo::RunConfig;
use kasim_montecarlo::multiyear::{Chain, ContractYear, MultiYearModel, MultiYearReport};
use kasim_montecarlo::portfolio::{PortfolioModel, PortfolioReport};

use crate::args::Format;
use crate::{Failure, Outcome, done, emit};

/// Loads a portfolio file and its contracts, refusing an `--out` that names one of them or a
/// file they `extends` (the report would replace what it was computed from) before anything
/// runs. `kasim portfolio`
/// and `kasim replay PORTFOLIO` both start here.
pub(crate) fn load(file: &Path, to: Option<&Path>) -> Result<Portfolio, Failure> {
    let p = kasim_core::portfolio::load_portfolio(file).map_err(Failure::Core)?;
    if let Some(out) = to.and_then(|o| o.canonicalize().ok()) {
        // The members and every file they `extends`: writing over a base would change the
        // contracts the report was computed from.
        let bases = p.members.iter().flat_map(|m| m.contract.source.files());
        let inputs = std::iter::once(file).chain(p.members.iter().map(|m| m.file.as_path())).chain(bases);
        for i in inputs {
            if i.canonicalize().is_ok_and(|i| i == out) {
                return Err(Failure::Message(format!(
                    "--out {} is an input file ({}): write the report to a new file",
                    to.unwrap_or(i).display(),
                    i.display()
                )));
            }
        }
    }
    Ok(p)
}

/// The contract chain of a multi-year portfolio (renegotiated year by year, on expectations,
/// before the Monte Carlo: docs/renegotiation.md; without `[multi_year.renegotiation]` the same
/// terms on the grown plan) with its records, as `kasim portfolio` and `kasim replay` use it.
pub(crate) fn chain(p: &Portfolio, spec: &MultiYear, file: &Path) -> Result<(Chain, Vec<ContractYear>), Failure> {
    // A misspelt strategy is an error even when no member negotiates (the ask is then signed
    // as is and the name never used): located at its key like the section's other problems.
    if let Some(r) = &spec.renegotiation {
        use kasim_negotiate::{Side, StrategyKind};
        let named = [
            ("supplier_strategy", &r.supplier_strategy, Side::Supplier),
            ("buyer_strategy", &r.buyer_strategy, Side::Buyer),
        ];
        for (key, name, side) in named {
            if let Err(e) = StrategyKind::parse_for(name, side) {
                let at = format!("multi_year.renegotiation.{key}");
                let problem = kasim_core::source::locate(file, &p.source, &at, e.to_string());
                let problems = kasim_core::error::Problems {
                    problems: vec![problem],
                    sources: vec![(file.to_path_buf(), p.source.clone())],
                };
                return Err(Failure::Core(kasim_core::Error::Invalid(problems)));
            }
        }
    }
    kasim_negotiate::renegotiate::portfolio_chain(p, spec).map_err(|e| Failure::from(e).in_file(file))
}

/// Every year's contracts of a chain compiled (a problem located in the member's file).
pub(crate) fn compile_chain<'c>(p: &Portfolio, chain: &'c Chain) -> Result<Vec<Vec<Compiled<'c>>>, Failure> {
    chain
        .iter()
        .map(|year| {
            year.iter()
                .zip(&p.members)
                .map(|(c, m)| Compiled::new(c).map_err(|e| Failure::Core(e).in_file(&m.file)))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect()
}

/// A portfolio with `[multi_year]`: the contract chain (computed before the Monte Carlo, on
/// expectations), then the run across the years with carried state.
fn multi_year(
    p: &Portfolio,
    spec: &MultiYear,
    file: &Path,
    cfg: &RunConfig,
    format: Format,
    to: Option<&Path>,
) -> Result<String, Failure> {
    let (chain, records) = chain(p, spec, file)?;
    let compiled = compile_chain(p, &chain)?;
    let model = MultiYearModel::new(p, spec, &compiled).map_err(|e| Failure::from(e).in_file(file))?;
    let cfg = RunConfig { tolerance: None, ..*cfg };
    let results = model.run(&cfg).map_err(|e| Failure::from(e).in_file(file))?;
    let report = MultiYearReport::new(p, &model, &results, &cfg, records);
    emit(&report, format, to)
}

pub(crate) fn portfolio(file: &Path, cfg: &RunConfig, format: Format, to: Option<&Path>) -> Outcome {
    done((|| {
        let p = load(file, to)?;
        if let Some(spec) = p.multi_year.clone() {
            return multi_year(&p, &spec, file, cfg, format, to);
        }
        let compiled = p
            .members
            .iter()
            .map(|m| Compiled::new(&m.contract).map_err(|e| Failure::Core(e).in_file(&m.file)))
            .collect::<Result<Vec<_>, _>>()?;
        let model = PortfolioModel::new(&p, &compiled).map_err(|e| Failure::from(e).in_file(file))?;
        // Every scenario is run: a tolerance does not stop a portfolio early.
        let cfg = RunConfig { tolerance: None, ..*cfg };
        let results = model.run(&cfg).map_err(|e| Failure::from(e).in_file(file))?;
        let report = PortfolioReport::new(&p, &model, &results, &cfg);
        emit(&report, format, to)
    })())
}
