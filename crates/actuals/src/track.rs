//! `kasim track`: the year in progress. The closed periods settle exactly from the actuals
//! ([`crate::ytd`]); the rest of the year is simulated conditioned on them
//! ([`kasim_montecarlo::conditioned`]); the report holds the full-year distribution, the
//! exact year-to-date settlement, the tier watchlist ([`crate::watchlist`]), the accrual
//! schedule ([`crate::accrual`]) and, with a deduction statement, the reconciliation
//! ([`crate::reconcile`]). kasim-report renders it (`crates/report/src/track.rs`).

use kasim_core::settle::LedgerLine;
use kasim_core::{Compiled, Contract};
use kasim_montecarlo::RunConfig;
use kasim_montecarlo::conditioned::{self, Conditioning};
use rust_decimal::Decimal;

use crate::accrual::{self, Accruals, Previous};
use crate::error::Error;
use crate::history::SalesHistory;
use crate::reconcile::{self, Reconciliation};
use crate::statement::Statement;
use crate::watchlist::{self, Watch};
use crate::ytd::year_to_date;

/// The JSON schema and version of the report.
pub const SCHEMA: &str = "kasim.track/1";

/// A distribution's summary over the scenarios, computed as `kasim simulate` computes its
/// summaries ([`kasim_montecarlo::Summary`]: the exact mean rounded half away from zero to the
/// cent, percentiles by linear interpolation between order statistics, "type 7").
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Dist {
    /// What (`fees_total`, `net_contribution`, `net_invoiced`, or a rule id).
    pub key: String,
    /// English label.
    pub label: String,
    /// Chinese label.
    pub label_zh: String,
    /// Mean.
    pub mean: Decimal,
    /// 10th percentile.
    pub p10: Decimal,
    /// Median.
    pub p50: Decimal,
    /// 90th percentile.
    pub p90: Decimal,
    /// Share of scenarios below zero.
    pub p_negative: f64,
}

/// Cents to a `Decimal` amount.
pub fn money(cents: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(cents, 2).unwrap_or(Decimal::MAX)
}

/// The mean of cents, to the cent (half away from zero, as `kasim simulate`).
pub fn mean_cents(v: &[i64]) -> Decimal {
    let n = v.len().max(1) as i128;
    let sum: i128 = v.iter().map(|&x| i128::from(x)).sum();
    let (q, r) = (sum / n, sum % n);
    money(if 2 * r.abs() >= n { q + sum.signum() } else { q })
}

impl Dist {
    /// The summary of `cents` (one value per scenario).
    pub fn of(key: &str, label: &str, label_zh: &str, cents: &[i64]) -> Dist {
        let s = kasim_montecarlo::Summary::of_cents(cents);
        let pct = |p: u32| s.percentiles.iter().find(|(q, _)| *q == p).map_or(Decimal::ZERO, |x| x.1);
        let neg = cents.iter().filter(|&&x| x < 0).count();
        Dist {
            key: key.to_string(),
            label: label.to_string(),
            label_zh: label_zh.to_string(),
            mean: mean_cents(cents),
            p10: pct(10),
            p50: pct(50),
            p90: pct(90),
            p_negative: if cents.is_empty() { 0.0 } else { neg as f64 / cents.len() as f64 },
        }
    }
}

/// The exact settlement of the closed periods.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct YtdSettlement {
    /// Closed periods (1 … `closed`).
    pub closed: usize,
    /// Gross invoiced sales of the closed periods (delivered × invoice price).
    pub gross_invoiced: Decimal,
    /// Returns credited in the closed periods.
    pub returns: Decimal,
    /// Units sold in the closed periods.
    pub units_sold: i64,
    /// Fees booked in the closed periods.
    pub fees: Decimal,
    /// The ledger lines of the closed periods.
    pub lines: Vec<LedgerLine>,
}

/// Options of a tracking run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Scenarios.
    pub runs: u64,
    /// Seed.
    pub seed: u64,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Closed periods (default: the last period with actuals).
    pub as_of: Option<usize>,
}

impl Default for Options {
    /// 10,000 scenarios, seed 1, every core, closed up to the last actuals.
    fn default() -> Options {
        Options { runs: 10_000, seed: 1, threads: 0, as_of: None }
    }
}

/// The report of `kasim track`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TrackReport {
    /// The contract file.
    pub contract: String,
    /// The actuals files.
    pub actuals: Vec<String>,
    /// The contract year.
    pub year: i32,
    /// Periods of the year.
    pub periods: usize,
    /// Closed periods.
    pub closed: usize,
    /// Scenarios of the open periods.
    pub runs: u64,
    /// Seed.
    pub seed: u64,
    /// Notes on the actuals.
    pub notes: Vec<String>,
    /// The run-rate conditioning per SKU.
    pub conditioning: Vec<Conditioning>,
    /// The exact settlement of the closed periods.
    pub ytd: YtdSettlement,
    /// The full-year distribution: totals, then every fee rule.
    pub distribution: Vec<Dist>,
    /// The tier watchlist.
    pub watchlist: Vec<Watch>,
    /// The accrual schedule (and its change since the previous run).
    pub accruals: Accruals,
    /// The reconciliation of the deduction statement, when one is given.
    pub reconciliation: Option<Reconciliation>,
}

/// What `kasim track` reads.
pub struct Inputs<'a> {
    /// The contract file's name (for the report).
    pub contract_name: &'a str,
    /// The contract (the calibrated one with `--calibrated`).
    pub contract: &'a Contract,
    /// The actuals, on the contract's calendar.
    pub history: &'a SalesHistory,
    /// The actuals files' names.
    pub actuals: Vec<String>,
    /// The previous run's report (`--previous`).
    pub previous: Option<Previous>,
    /// The retailer's deduction statement (`--statement`).
    pub statement: Option<Statement>,
}

/// Runs `kasim track` (see the [module docs](self)).
///
/// # Errors
///
/// [`Error::Core`] when the contract does not compile or a settlement fails; [`Error::Track`]
/// when the actuals do not fit the contract ([`year_to_date`]); [`Error::Simulation`] when
/// the conditioned run fails.
pub fn track(inputs: &Inputs<'_>, options: &Options) -> Result<TrackReport, Error> {
    let contract = inputs.contract;
    let compiled = Compiled::new(contract)?;
    let ytd = year_to_date(&compiled, inputs.history, options.as_of)?;
    let closed = ytd.closed.periods;
    // The exact settlement of the closed periods (the open ones settle on the plan here, and
    // their lines are not shown).
    let settlement = compiled.settle(&ytd.outcome)?;
    let lines: Vec<LedgerLine> =
        settlement.ledger.iter().filter(|l| usize::from(l.period) <= closed && l.kind.is_fee()).cloned().collect();
    let mut gross = Decimal::ZERO;
    let mut returns = Decimal::ZERO;
    let mut units_sold = 0i64;
    for p in 0..closed {
        for (s, k) in compiled.skus.iter().enumerate() {
            let c = ytd.outcome.cell(p, s);
            gross += Decimal::from(c.delivered) * k.invoice;
            returns += Decimal::from(c.returned) * k.invoice;
            units_sold += i64::from(c.sold);
        }
    }
    let ytd_block = YtdSettlement {
        closed,
        gross_invoiced: gross,
        returns,
        units_sold,
        fees: lines.iter().map(|l| l.amount).sum(),
        lines,
    };
    // The conditioned simulation of the rest.
    let mut model = kasim_montecarlo::Model::new(&compiled)?;
    let conditioning = conditioned::condition(&mut model, &ytd.closed);
    let cfg =
        RunConfig { runs: options.runs.max(1), seed: options.seed, threads: options.threads, ..Default::default() };
    let run = conditioned::run_track(&model, &ytd.closed, &cfg)?;
    let r = &run.clauses;
    let col = |f: fn(&kasim_montecarlo::Row) -> i64| r.rows.iter().map(f).collect::<Vec<i64>>();
    let mut distribution = vec![
        Dist::of("fees_total", "Fees total", "费用合计", &col(|x| x.fees_total)),
        Dist::of("net_contribution", "Net contribution", "净贡献", &col(|x| x.net_contribution)),
        Dist::of("net_invoiced", "Net invoiced sales", "净开票销售额", &col(|x| x.net_invoiced)),
    ];
    for (i, f) in contract.fees.iter().enumerate() {
        let (en, zh) = labels(f);
        distribution.push(Dist::of(&f.id, &en, &zh, &r.column(i)));
    }
    let watchlist = watchlist::watchlist(&compiled, &ytd, &ytd_block.lines, r);
    let accruals = accrual::schedule(&compiled, &ytd, &run, &ytd_block.lines, inputs.previous.as_ref());
    let reconciliation =
        inputs.statement.as_ref().map(|st| reconcile::reconcile(contract, &ytd_block.lines, closed, st));
    Ok(TrackReport {
        contract: inputs.contract_name.to_string(),
        actuals: inputs.actuals.clone(),
        year: ytd.year,
        periods: compiled.periods(),
        closed,
        runs: cfg.runs,
        seed: cfg.seed,
        notes: ytd.notes.clone(),
        conditioning,
        ytd: ytd_block,
        distribution,
        watchlist,
        accruals,
        reconciliation,
    })
}

/// A rule's English and Chinese labels (the kind's names by default).
pub fn labels(f: &kasim_core::fees::FeeRule) -> (String, String) {
    (f.label().to_string(), f.label_zh().to_string())
}
