//! `kasim brief BASE DRAFT [COUNTER...] [--portfolio FILE [--member ID]]`: load the contracts
//! (and the portfolio; with `[multi_year]`, its run over the years too), ask kasim-negotiate for the brief (every figure is computed there, on
//! common random numbers), emit it through kasim-report in the format asked for.

use std::path::{Path, PathBuf};

use kasim_montecarlo::RunConfig;
use kasim_negotiate::brief::{BriefOptions, BriefReport, Input, MultiYearView, PortfolioView};

use crate::args::Format;
use crate::{Failure, Outcome, done, emit, load_all};

fn negotiate_failure(e: kasim_negotiate::Error) -> Failure {
    match e {
        kasim_negotiate::Error::Core(c) => Failure::Core(c),
        kasim_negotiate::Error::Simulation(m) => Failure::from(*m),
        other => Failure::Negotiate(other),
    }
}

/// The member of `p` DRAFT replaces: `member` by id, else the one whose contract file is BASE.
fn member_of(
    p: &kasim_core::portfolio::Portfolio,
    file: &Path,
    base: &Path,
    member: Option<&str>,
) -> Result<usize, Failure> {
    let ids = || p.members.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join(", ");
    if let Some(id) = member {
        return p.members.iter().position(|m| m.id == id).ok_or_else(|| {
            Failure::Message(format!("--member {id}: {} has no member `{id}` (its members: {})", file.display(), ids()))
        });
    }
    let base = base.canonicalize().ok();
    p.members.iter().position(|m| base.is_some() && m.file.canonicalize().ok() == base).ok_or_else(|| {
        Failure::Message(format!(
            "{} is not a contract of the portfolio {}: name the member DRAFT replaces with --member ID (its members: {})",
            base.as_deref().unwrap_or(Path::new("BASE")).display(),
            file.display(),
            ids()
        ))
    })
}

pub(crate) fn brief(
    files: &[PathBuf],
    portfolio: Option<(&Path, Option<&str>)>,
    cfg: &RunConfig,
    format: Format,
    to: Option<&Path>,
) -> Outcome {
    let loaded = match load_all(files) {
        Ok(v) => v,
        Err(e) => return Outcome::Failed(e),
    };
    let names: Vec<String> = loaded.iter().map(|(f, _)| f.display().to_string()).collect();
    let inputs: Vec<Input<'_>> =
        loaded.iter().zip(&names).map(|((_, contract), file)| Input { file, contract }).collect();
    done((|| {
        // The portfolio first: a file that does not load or a member that is not there is
        // refused before anything is simulated.
        let channel = match portfolio {
            Some((file, member)) => {
                let p = kasim_core::portfolio::load_portfolio(file).map_err(Failure::Core)?;
                let i = member_of(&p, file, &files[0], member)?;
                Some((p, i, file))
            }
            None => None,
        };
        let mut report = BriefReport::prepare(&inputs, cfg, &BriefOptions::default()).map_err(negotiate_failure)?;
        if let Some((p, i, file)) = channel {
            let view =
                PortfolioView::new(&p, i, inputs[0], inputs[1], cfg).map_err(|e| negotiate_failure(e).in_file(file))?;
            report.portfolio = Some(view);
            // A portfolio with [multi_year]: the chains over the years with BASE and with
            // DRAFT as the member's year 1, each exactly `kasim portfolio` of that portfolio.
            if let Some(spec) = &p.multi_year {
                let view = MultiYearView::new(&p, spec, i, inputs[0], inputs[1], cfg)
                    .map_err(|e| negotiate_failure(e).in_file(file))?;
                report.multi_year = Some(view);
            }
        }
        emit(&report, format, to)
    })())
}
