//! `kasim portfolio FILE`: load the portfolio and its contracts (kasim-core), simulate them
//! together on shared drivers (kasim-montecarlo), emit the report (kasim-report).

use std::path::Path;

use kasim_core::Compiled;
use kasim_montecarlo::RunConfig;
use kasim_montecarlo::portfolio::{PortfolioModel, PortfolioReport};

use crate::args::Format;
use crate::{Failure, Outcome, done, emit};

pub(crate) fn portfolio(file: &Path, cfg: &RunConfig, format: Format, to: Option<&Path>) -> Outcome {
    done((|| {
        let p = kasim_core::portfolio::load_portfolio(file).map_err(Failure::Core)?;
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
