//! Portfolio files: the supplier's contracts with every retailer (KA channel), simulated
//! together on shared drivers (docs/portfolio.md).
//!
//! ```toml
//! name = "KA channel 2027"
//!
//! [[contracts]]
//! file = "hypermarket.toml"      # relative to this file; it may `extends` another
//! id = "hyper"                   # optional, default: the file's stem
//! retailer = "大润发 RT-Mart"     # optional label
//!
//! [drivers.brand_demand]         # one brand-level demand factor for every chain
//! cv = "10%"
//! period_correlation = "100%"    # 100%: one draw per scenario
//!
//! [drivers.price_war]            # the same war hits every chain in the same periods
//! probability = "5%"
//! depth = { dist = "uniform", min = "0.05", max = "0.15" }   # optional shared depth
//!
//! [drivers.dc_capacity]          # the supplier's DC: units per period across all chains
//! units_per_period = 150000
//!
//! [cascade]                      # lowest-market-price (最低价) claims
//! claim_probability = "100%"
//! ```
//!
//! The loader lives in `kasim-core` because a portfolio file is an input file like a contract:
//! it is read with the same limits, and its problems are located (file, line, column, key)
//! with the same machinery; the simulation (`kasim-montecarlo`) only reads the typed value.
//! A `[multi_year]` section ([`crate::multiyear::MultiYear`]) makes the portfolio a multi-year
//! run (docs/multi-year.md).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::contract::Contract;
use crate::error::{Error, Problem, Problems};
use crate::money::Rate;
use crate::source::locate;
use crate::uncertainty::Dist;

/// The most contracts a portfolio may name.
pub const MAX_CONTRACTS: usize = 64;

/// A loaded portfolio: its contracts (each loaded and validated) and its shared drivers.
#[derive(Clone, Debug)]
pub struct Portfolio {
    /// The portfolio's name.
    pub name: String,
    /// The portfolio file.
    pub file: PathBuf,
    /// The contracts, in file order.
    pub members: Vec<Member>,
    /// The drivers shared across retailers.
    pub drivers: Drivers,
    /// The lowest-market-price cascade (最低价).
    pub cascade: Cascade,
    /// The portfolio file's text (what [`load_portfolio_with`] reads again elsewhere).
    pub source: String,
    /// The multi-year run (`[multi_year]`), when the file has one.
    pub multi_year: Option<crate::multiyear::MultiYear>,
}

/// One retailer's contract in a portfolio.
#[derive(Clone, Debug)]
pub struct Member {
    /// Its id (unique in the portfolio; default the file's stem).
    pub id: String,
    /// The retailer's label (default the contract's `retailer`).
    pub retailer: String,
    /// The contract file, as resolved from the portfolio file's directory.
    pub file: PathBuf,
    /// The contract.
    pub contract: Contract,
}

/// Drivers shared by every chain of a portfolio. What is not here stays retailer-specific
/// (each contract's own `[uncertainty]`, drawn from streams salted by the contract's place).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drivers {
    /// A brand-level demand factor (品牌需求) multiplying every chain's demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_demand: Option<BrandDemand>,
    /// A price war (价格战) hitting every chain in the same periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_war: Option<SharedWar>,
    /// The supplier's distribution-centre capacity (仓储产能) across all chains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dc_capacity: Option<DcCapacity>,
}

/// The brand-level demand factor: lognormal with mean 1 and coefficient of variation `cv`,
/// per period, its normal scores correlated `period_correlation` between periods (100%: one
/// draw per scenario).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandDemand {
    /// Coefficient of variation of the factor.
    pub cv: Rate,
    /// Correlation of the factor's normal scores between periods (default 100%).
    #[serde(default = "one")]
    pub period_correlation: Rate,
}

/// A price war shared by every chain: its occurrence per period is shared; the depth is the
/// portfolio's `depth` when given (every chain is hit), else each contract's own
/// `uncertainty.price_war` depth (chains without one are not hit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedWar {
    /// Probability of a war in a period.
    pub probability: Rate,
    /// The shared depth, a share of the shelf price in effect (between 0 and 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<Dist>,
    /// Under the shared depth, only promoted SKU-periods are matched (default false).
    #[serde(default)]
    pub promoted_only: bool,
}

/// The supplier's DC capacity: units it can ship per period across all chains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DcCapacity {
    /// Units per period (more than 0).
    pub units_per_period: u64,
}

/// The lowest-market-price cascade: a promotion price at one chain gives price-match claims
/// at the chains whose contract has a `price_match` rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cascade {
    /// Probability that a chain claims the match on a SKU in a period where a rival promotes
    /// it below its shelf price (default 100%: every claim is filed).
    #[serde(default = "one")]
    pub claim_probability: Rate,
}

impl Default for Cascade {
    fn default() -> Cascade {
        Cascade { claim_probability: Rate::ONE }
    }
}

/// A rate as a percentage (`1.5` → `150%`).
fn pct(r: Rate) -> String {
    format!("{}%", (r.0 * rust_decimal::Decimal::ONE_HUNDRED).normalize())
}

fn one() -> Rate {
    Rate::ONE
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    contracts: Vec<RawEntry>,
    #[serde(default)]
    drivers: Drivers,
    #[serde(default)]
    cascade: Cascade,
    #[serde(default)]
    multi_year: Option<crate::multiyear::MultiYear>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    file: PathBuf,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    retailer: Option<String>,
}

/// True when a file looks like a portfolio (top-level `[[contracts]]` array of tables) rather
/// than a contract.
pub fn is_portfolio_file(path: impl AsRef<Path>) -> bool {
    let Ok(bytes) = crate::load::read_bytes(path.as_ref()) else { return false };
    let Ok(src) = String::from_utf8(bytes) else { return false };
    let Ok(doc) = src.parse::<toml::Table>() else { return false };
    matches!(doc.get("contracts"), Some(toml::Value::Array(_))) && !doc.contains_key("fees")
}

/// Loads a portfolio file and every contract it names (each may `extends` another).
///
/// # Errors
///
/// [`Error::Invalid`] with every located problem of the portfolio file (a bad driver, a
/// duplicate id, a contract file that cannot be read — located at its `file` key);
/// the contract's own error when a contract is invalid (located in the contract's files,
/// a cycle of `extends` included); [`Error::Io`] when the portfolio file cannot be read.
pub fn load_portfolio(path: impl AsRef<Path>) -> Result<Portfolio, Error> {
    let path = path.as_ref();
    let bytes = crate::load::read_bytes(path)?;
    let src = crate::load::decode(path, bytes)
        .map_err(|p| Error::Invalid(Problems { problems: vec![*p], sources: vec![] }))?;
    load_portfolio_with(&src, path, &mut |_, file| crate::load::load(file))
}

/// Reads a portfolio from its text `src` (`path` names it in messages and resolves its
/// contracts' `file`s), each contract given by `contract(index, resolved file)`: from disk
/// ([`load_portfolio`]), or from texts sent elsewhere (a Ray task gets the contracts as
/// resolved TOML, [`Contract::to_toml`](crate::Contract::to_toml)).
///
/// # Errors
///
/// As [`load_portfolio`]; an [`Error::Io`] or [`Error::Input`] from `contract` is located at
/// the contract's `file` key.
pub fn load_portfolio_with(
    src: &str,
    path: &Path,
    contract: &mut dyn FnMut(usize, &Path) -> Result<Contract, Error>,
) -> Result<Portfolio, Error> {
    let src = src.to_string();
    let raw: Raw = crate::load::parse(&src, path)?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut at = |key: &str, msg: String| problems.push(locate(path, &src, key, msg));
    if let Some(m) = &raw.multi_year {
        for (key, msg) in m.problems() {
            at(&key, msg);
        }
    }
    if raw.contracts.is_empty() {
        at("contracts", "a portfolio names at least one contract ([[contracts]] with a `file`)".into());
    }
    if raw.contracts.len() > MAX_CONTRACTS {
        at("contracts", format!("{} contracts: a portfolio names at most {MAX_CONTRACTS}", raw.contracts.len()));
    }
    let fraction = |r: Rate| r.0 >= rust_decimal::Decimal::ZERO && r.0 <= rust_decimal::Decimal::ONE;
    if let Some(b) = &raw.drivers.brand_demand {
        if b.cv.0 < rust_decimal::Decimal::ZERO || b.cv.0 > rust_decimal::Decimal::TEN {
            at("drivers.brand_demand.cv", format!("cv = {} is not between 0 and 1000%", pct(b.cv)));
        }
        if !fraction(b.period_correlation) {
            at(
                "drivers.brand_demand.period_correlation",
                format!("period_correlation = {} is not between 0 and 100%", pct(b.period_correlation)),
            );
        }
    }
    if let Some(w) = &raw.drivers.price_war {
        if !fraction(w.probability) {
            at(
                "drivers.price_war.probability",
                format!("probability = {} is not between 0 and 100%", pct(w.probability)),
            );
        }
        if let Some(d) = &w.depth {
            let (lo, hi) = d.bounds();
            let ok = lo.is_some_and(|l| l >= rust_decimal::Decimal::ZERO)
                && hi.is_some_and(|h| h <= rust_decimal::Decimal::ONE);
            if !ok {
                at(
                    "drivers.price_war.depth",
                    "the depth is a share of the shelf price: give a bounded distribution between 0 and 1 (fixed, uniform, triangular, pert)".into(),
                );
            }
            // The distribution's own checks (min ≤ mode ≤ max, …), located here rather than
            // when the sampler is built.
            for m in d.problems() {
                at("drivers.price_war.depth", m);
            }
        } else if w.promoted_only {
            at("drivers.price_war.promoted_only", "promoted_only applies to a shared depth: give `depth`".into());
        }
    }
    if let Some(d) = &raw.drivers.dc_capacity
        && d.units_per_period == 0
    {
        at("drivers.dc_capacity.units_per_period", "the DC ships more than 0 units per period".into());
    }
    if !fraction(raw.cascade.claim_probability) {
        at(
            "cascade.claim_probability",
            format!("claim_probability = {} is not between 0 and 100%", pct(raw.cascade.claim_probability)),
        );
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let mut ids = BTreeSet::new();
    let mut members = Vec::new();
    let mut failed: Option<Error> = None;
    for (i, e) in raw.contracts.iter().enumerate() {
        let file = base.join(&e.file);
        let id = e.id.clone().unwrap_or_else(|| {
            e.file.file_stem().map_or_else(|| format!("contract-{}", i + 1), |s| s.to_string_lossy().into_owned())
        });
        if id.trim().is_empty() {
            at(&format!("contracts[{i}].id"), "the id is empty".into());
        } else if !ids.insert(id.clone()) {
            at(&format!("contracts[{i}].id"), format!("id `{id}` is used by an earlier contract: ids are unique"));
        }
        match contract(i, &file) {
            Ok(contract) => {
                // One calendar for all: located here, where the contract is named.
                if let Some(first) = members.first().map(|m: &Member| m.contract.calendar.granularity)
                    && contract.calendar.granularity != first
                {
                    at(
                        &format!("contracts[{i}].file"),
                        format!(
                            "{} is on a calendar of {} periods, the first contract on {}: the contracts of a portfolio share one calendar",
                            file.display(),
                            contract.calendar.granularity.periods(),
                            first.periods()
                        ),
                    );
                }
                let retailer = e.retailer.clone().unwrap_or_else(|| contract.retailer.name.clone());
                members.push(Member { id, retailer, file, contract });
            }
            Err(Error::Io { source, .. }) => {
                at(&format!("contracts[{i}].file"), format!("cannot read contract file {}: {source}", file.display()))
            }
            Err(Error::Input { reason, .. }) => {
                at(&format!("contracts[{i}].file"), format!("cannot read contract file {}: {reason}", file.display()))
            }
            Err(other) => {
                failed.get_or_insert(other);
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(Problems { problems, sources: vec![(path.to_path_buf(), src)] }));
    }
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(Portfolio {
        name: raw.name,
        file: path.to_path_buf(),
        members,
        drivers: raw.drivers,
        cascade: raw.cascade,
        source: src,
        multi_year: raw.multi_year,
    })
}
