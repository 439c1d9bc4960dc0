//! The report values of the simulation commands, with their analytics computed: what
//! `simulate`, `compare`, `sensitivity` and `goal-seek` return. They are plain serialisable
//! data — the JSON of each command is the value itself — and `kasim-report` renders them as
//! tables and CSV from the same fields, so the formats cannot disagree.

use kasim_core::{Compiled, Contract, terms};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::Error;
use crate::analysis::{self, GoalSeek, Stat, Tornado};
use crate::runner::{Results, Row, RunConfig, run_with_progress};
use crate::sampler::Model;
use crate::stats::{Better, Summary, p_below};

/// Simulates contracts over the same scenarios (common random numbers), reporting progress as
/// `(done, total)` scenarios.
///
/// # Errors
///
/// When a contract does not compile, its uncertainty cannot be sampled, a scenario fails to
/// settle, or the results would not fit in `cfg.max_memory`.
pub fn simulate(
    contracts: &[Contract],
    cfg: &RunConfig,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Vec<Results>, Error> {
    let compiled = contracts.iter().map(Compiled::new).collect::<Result<Vec<_>, _>>()?;
    let models = compiled.iter().map(Model::new).collect::<Result<Vec<_>, _>>()?;
    run_with_progress(&models, cfg, progress)
}

/// Fails with [`Error::NoUncertainty`] when the contract has nothing to simulate.
///
/// # Errors
///
/// [`Error::NoUncertainty`] for a contract without an `[uncertainty]` section (and without
/// relationship resources that draw: a promotion priority below 100%, price protection, a
/// drawn effect).
pub fn require_uncertainty(contract: &Contract) -> Result<(), Error> {
    if contract.uncertainty.is_none() && !contract.resources.as_ref().is_some_and(|r| r.is_random()) {
        return Err(Error::NoUncertainty { contract: contract.name.clone() });
    }
    Ok(())
}

/// The unit of a simulated output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Currency units.
    Currency,
    /// Percentage points (the fee ratio: 39.77 = 39.77%).
    Percent,
    /// Currency units per unit sold (the net-net price).
    CurrencyPerUnit,
}

/// One simulated output per scenario.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    /// Machine key (`net_contribution`).
    pub key: &'static str,
    /// English label.
    pub en: &'static str,
    /// Chinese label.
    pub zh: &'static str,
    /// Unit.
    pub unit: Unit,
    /// The value in a scenario's row, in hundredths of the unit.
    pub get: fn(&Row) -> i64,
    /// Which way is better: a cost (fees, the fee ratio) is worse when higher.
    pub better: Better,
    /// True when a value below zero is a loss, so P(< 0) is reported (net contribution,
    /// the retailer's margin); not for fees or sales, which are never below zero.
    pub loss: bool,
}

impl Output {
    /// The summary of this output's sorted values (cents).
    pub fn summary(&self, sorted: &[i64]) -> Summary {
        Summary::of_sorted_cents_toward(sorted, self.better, self.loss)
    }
}

/// The outputs `simulate` summarises, in table order.
pub const OUTPUTS: [Output; 6] = [
    Output {
        key: "net_contribution",
        en: "Net contribution",
        zh: "净贡献",
        unit: Unit::Currency,
        get: |r| r.net_contribution,
        better: Better::Higher,
        loss: true,
    },
    Output {
        key: "fees_total",
        en: "Fees total",
        zh: "费用合计",
        unit: Unit::Currency,
        get: |r| r.fees_total,
        better: Better::Lower,
        loss: false,
    },
    Output {
        key: "net_invoiced",
        en: "Net invoiced",
        zh: "净销售额",
        unit: Unit::Currency,
        get: |r| r.net_invoiced,
        better: Better::Higher,
        loss: false,
    },
    Output {
        key: "fee_ratio",
        en: "Fee ratio",
        zh: "费用率 (%)",
        unit: Unit::Percent,
        get: |r| r.fee_ratio,
        better: Better::Lower,
        loss: false,
    },
    Output {
        key: "retailer_margin",
        en: "Retailer margin",
        zh: "零售商毛利",
        unit: Unit::Currency,
        get: |r| r.retailer_margin,
        better: Better::Higher,
        loss: true,
    },
    Output {
        key: "net_net_price",
        en: "Net-net price",
        zh: "净净价",
        unit: Unit::CurrencyPerUnit,
        get: |r| r.net_net_price,
        better: Better::Higher,
        loss: false,
    },
];

/// One output's values over all scenarios, sorted.
pub fn sorted(results: &Results, get: fn(&Row) -> i64) -> Vec<i64> {
    let mut v: Vec<i64> = results.rows.iter().map(get).collect();
    v.sort_unstable();
    v
}

/// A compact histogram of one output over the scenarios: round bin edges (a 1-2-5 step in
/// currency units) and the count of scenarios per bin, so every format draws the same bars
/// without the per-scenario values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Histogram {
    /// Bin edges, increasing (`edges.len()` = `counts.len()` + 1); bin `i` holds values in
    /// `[edges[i], edges[i + 1])`.
    pub edges: Vec<Decimal>,
    /// Scenarios per bin.
    pub counts: Vec<u64>,
}

/// About this many bins: a step of 1, 2 or 5 × a power of ten cents gives 16 to 40.
const BINS: i128 = 40;

/// The smallest 1-2-5 step (in cents, at least one cent) that covers `span` in `BINS` bins.
fn round_step(span: i128) -> i128 {
    let mut p: i128 = 1;
    loop {
        for m in [1, 2, 5] {
            if m * p * BINS >= span {
                return m * p;
            }
        }
        p *= 10;
    }
}

impl Histogram {
    /// Histograms of several outputs' values (cents, in any order) on common round edges (one
    /// histogram per slice, all with the same edges): the overlaid distributions of
    /// contracts compared on the same scenarios. Integer arithmetic only, so the edges and
    /// counts are the same on every machine.
    pub fn common(values: &[&[i64]]) -> Vec<Histogram> {
        let lo = values.iter().flat_map(|v| v.iter()).min().copied().unwrap_or(0);
        let hi = values.iter().flat_map(|v| v.iter()).max().copied().unwrap_or(0);
        let (lo, hi) = (i128::from(lo), i128::from(hi));
        let step = round_step((hi - lo).max(1));
        let start = lo.div_euclid(step) * step;
        let bins = ((hi - start) / step + 1).max(1);
        let edges: Vec<Decimal> = (0..=bins)
            .map(|i| {
                let cents = start + i * step;
                i64::try_from(cents).map_or(Decimal::ZERO, |c| Decimal::new(c, 2))
            })
            .collect();
        values
            .iter()
            .map(|v| {
                let mut counts = vec![0u64; bins as usize];
                for &c in v.iter() {
                    let i = ((i128::from(c) - start) / step).clamp(0, bins - 1) as usize;
                    counts[i] += 1;
                }
                Histogram { edges: edges.clone(), counts }
            })
            .collect()
    }
}

/// The S-curve of sorted values (cents): the value at cumulative probability 0%, 1%, …, 100%
/// (the nearest rank, an actual scenario's value), 101 points.
pub fn s_curve(sorted: &[i64]) -> Vec<Decimal> {
    if sorted.is_empty() {
        return Vec::new();
    }
    let last = sorted.len() - 1;
    (0..=100usize).map(|q| Decimal::new(sorted[(last * q + 50) / 100], 2)).collect()
}

/// The summary of one output.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputSummary {
    /// The output's key.
    pub output: &'static str,
    /// Its unit.
    pub unit: Unit,
    /// Its distribution.
    pub summary: Summary,
}

/// `kasim simulate`: the distribution of every output of one contract.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Simulation {
    /// The contract file.
    pub file: String,
    /// Contract name.
    pub contract: String,
    /// Scenarios run (fewer than requested when the tolerance stopped the run).
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// One summary per output, in [`OUTPUTS`] order.
    pub outputs: Vec<OutputSummary>,
    /// P(net contribution < threshold), when a threshold was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_net_contribution_below_threshold: Option<f64>,
    /// Retailer name.
    pub retailer: String,
    /// Scenarios requested.
    pub requested_runs: u64,
    /// The threshold, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Decimal>,
    /// The contract's currency (`CNY`): the unit of the amounts and the charts' axes.
    pub currency: String,
    /// The distribution of net contribution as a histogram (the chart of the reports).
    pub net_contribution_histogram: Histogram,
    /// Net contribution at cumulative probability 0%, 1%, …, 100% (the S-curve).
    pub net_contribution_s_curve: Vec<Decimal>,
}

impl Simulation {
    /// Summarises one contract's results. One output is sorted at a time, so the peak memory
    /// is the stored rows plus one column.
    pub fn new(
        file: &str,
        contract: &Contract,
        cfg: &RunConfig,
        r: &Results,
        threshold: Option<Decimal>,
    ) -> Simulation {
        // In i128 cents, so a threshold beyond the stored range compares exactly (every value
        // is below a huge one, none below a hugely negative one) instead of being clamped.
        let threshold_cents = threshold.map(|t| {
            t.checked_mul(Decimal::ONE_HUNDRED).and_then(|c| c.round().to_i128()).unwrap_or(if t > Decimal::ZERO {
                i128::MAX
            } else {
                i128::MIN
            })
        });
        let mut p_threshold = None;
        let mut histogram = Histogram { edges: Vec::new(), counts: Vec::new() };
        let mut curve = Vec::new();
        let outputs = OUTPUTS
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let v = sorted(r, o.get);
                if i == 0 {
                    p_threshold = threshold_cents.map(|t| p_below(&v, t));
                    histogram = Histogram::common(&[&v]).remove(0);
                    curve = s_curve(&v);
                }
                OutputSummary { output: o.key, unit: o.unit, summary: o.summary(&v) }
            })
            .collect();
        Simulation {
            file: file.to_string(),
            contract: contract.name.clone(),
            runs: r.rows.len() as u64,
            seed: cfg.seed,
            outputs,
            p_net_contribution_below_threshold: p_threshold,
            retailer: contract.retailer.name.clone(),
            requested_runs: cfg.runs,
            threshold,
            currency: contract.currency.clone(),
            net_contribution_histogram: histogram,
            net_contribution_s_curve: curve,
        }
    }
}

/// One contract in a comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Compared {
    /// The file.
    pub file: String,
    /// Contract name.
    pub contract: String,
    /// Retailer name.
    pub retailer: String,
    /// Net contribution.
    pub net_contribution: Summary,
    /// Fee ratio in percentage points.
    pub fee_ratio_percent: Summary,
    /// Net-net price per unit.
    pub net_net_price: Summary,
    /// Mean net contribution per store at the start (0 without stores).
    pub contribution_per_store: Decimal,
    /// Mean net contribution per SKU carried.
    pub contribution_per_sku: Decimal,
    /// The contract's currency.
    pub currency: String,
    /// Net contribution as a histogram, on the same edges for every contract compared.
    pub net_contribution_histogram: Histogram,
    /// Net contribution at cumulative probability 0%, 1%, …, 100% (the S-curve).
    pub net_contribution_s_curve: Vec<Decimal>,
}

/// The difference of two contracts, scenario by scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// Contract A.
    pub a: String,
    /// Contract B.
    pub b: String,
    /// Net contribution of A − B per scenario.
    pub difference: Summary,
    /// Share of scenarios where A's net contribution is higher.
    pub p_a_beats_b: f64,
}

/// `kasim compare`: contracts over the same scenarios, their pairwise differences and a
/// ranking by mean net contribution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Scenarios per contract (fewer than requested when the tolerance stopped the run).
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Per contract, in argument order.
    pub contracts: Vec<Compared>,
    /// Every pair (A before B in argument order).
    pub differences: Vec<Difference>,
    /// Contract names, best mean net contribution first (ties in argument order).
    pub ranking: Vec<String>,
}

impl Comparison {
    /// Compares contracts' results of one run (`results[i]` of `contracts[i]` from `files[i]`).
    pub fn new(files: &[String], contracts: &[Contract], cfg: &RunConfig, results: &[Results]) -> Comparison {
        let mut list: Vec<Compared> = Vec::new();
        // One column of net contribution at a time for the summaries; the histograms need
        // every contract's range first (common edges), so they are binned in a second pass.
        let mut curves = Vec::new();
        for ((file, c), r) in files.iter().zip(contracts).zip(results) {
            let v = sorted(r, |x| x.net_contribution);
            curves.push(s_curve(&v));
            let net_contribution = Summary::of_sorted_cents(&v);
            let per = |n: u64| {
                if n == 0 { Decimal::ZERO } else { (net_contribution.mean / Decimal::from(n)).round_dp(2) }
            };
            list.push(Compared {
                file: file.clone(),
                contract: c.name.clone(),
                retailer: c.retailer.name.clone(),
                contribution_per_store: per(u64::from(c.retailer.stores)),
                contribution_per_sku: per(c.skus.len() as u64),
                fee_ratio_percent: OUTPUTS[3].summary(&sorted(r, OUTPUTS[3].get)),
                net_net_price: OUTPUTS[5].summary(&sorted(r, OUTPUTS[5].get)),
                net_contribution,
                currency: c.currency.clone(),
                net_contribution_histogram: Histogram { edges: Vec::new(), counts: Vec::new() },
                net_contribution_s_curve: Vec::new(),
            });
        }
        let columns: Vec<Vec<i64>> =
            results.iter().map(|r| r.rows.iter().map(|x| x.net_contribution).collect()).collect();
        let slices: Vec<&[i64]> = columns.iter().map(Vec::as_slice).collect();
        for ((c, h), curve) in list.iter_mut().zip(Histogram::common(&slices)).zip(curves) {
            c.net_contribution_histogram = h;
            c.net_contribution_s_curve = curve;
        }
        let mut differences = Vec::new();
        for a in 0..list.len() {
            for b in a + 1..list.len() {
                let d: Vec<i64> = results[a]
                    .rows
                    .iter()
                    .zip(&results[b].rows)
                    .map(|(x, y)| x.net_contribution - y.net_contribution)
                    .collect();
                let wins = d.iter().filter(|&&x| x > 0).count();
                differences.push(Difference {
                    a: list[a].contract.clone(),
                    b: list[b].contract.clone(),
                    difference: Summary::of_cents(&d),
                    p_a_beats_b: wins as f64 / d.len().max(1) as f64,
                });
            }
        }
        let mut order: Vec<usize> = (0..list.len()).collect();
        order.sort_by(|&x, &y| list[y].net_contribution.mean.cmp(&list[x].net_contribution.mean).then(x.cmp(&y)));
        let ranking = order.iter().map(|&i| list[i].contract.clone()).collect();
        // The scenarios actually run: fewer than asked when the tolerance stopped the run.
        let runs = results.first().map_or(0, |r| r.rows.len() as u64);
        Comparison { runs, seed: cfg.seed, contracts: list, differences, ranking }
    }

    /// The contracts in ranking order.
    pub fn ranked(&self) -> impl Iterator<Item = &Compared> {
        self.ranking.iter().filter_map(|name| self.contracts.iter().find(|c| &c.contract == name))
    }
}

/// `kasim sensitivity`: the tornado and the rank correlations of one contract.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sensitivity {
    /// Contract name.
    pub contract: String,
    /// Scenarios per variant.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Each input at its low and high value, widest swing first.
    pub tornado: Tornado,
    /// (per-scenario input, Spearman ρ with net contribution), strongest first.
    pub rank_correlations: Vec<(String, f64)>,
    /// The contract's currency (the tornado's axis).
    pub currency: String,
}

impl Sensitivity {
    /// Runs the tornado and the rank correlations.
    ///
    /// # Errors
    ///
    /// [`Error::NoUncertainty`] for a contract without `[uncertainty]`, and any error of
    /// running a variant.
    pub fn run(contract: &Contract, cfg: &RunConfig, stat: Stat) -> Result<Sensitivity, Error> {
        require_uncertainty(contract)?;
        // The base contract is simulated once: its rows give both its statistic and the
        // rank correlations.
        let compiled = Compiled::new(contract)?;
        let model = Model::new(&compiled)?;
        let base = crate::run(std::slice::from_ref(&model), cfg)?.remove(0);
        let tornado = analysis::tornado_with(contract, stat, |cs: &[Contract]| {
            let mut out = Vec::with_capacity(cs.len());
            out.push(stat.of(&base));
            for c in &cs[1..] {
                out.push(analysis::statistic(c, cfg, stat)?);
            }
            Ok::<_, Error>(out)
        })?;
        let rank_correlations = analysis::rank_correlations_of(contract, cfg, &base)?;
        Ok(Sensitivity::with(contract, cfg, tornado, rank_correlations))
    }

    /// The report from the statistics of the variants computed elsewhere — `statistics` in the
    /// order of [`analysis::tornado_variants`] with the base first (\[base, input 1 low, input 1
    /// high, …\]) — and the base contract's rows (`base`, all `cfg.runs` scenarios, e.g.
    /// merged from shards): equal to [`Sensitivity::run`] when they are what it computes.
    ///
    /// # Errors
    ///
    /// [`Error::NoUncertainty`] for a contract without `[uncertainty]`,
    /// [`Error::StatisticCount`] when the statistics do not match the variants, and the
    /// errors of building the variants or compiling the contract.
    pub fn from_parts(
        contract: &Contract,
        cfg: &RunConfig,
        stat: Stat,
        statistics: &[Decimal],
        base: &Results,
    ) -> Result<Sensitivity, Error> {
        require_uncertainty(contract)?;
        let tornado = analysis::tornado_from(analysis::inputs(contract)?, stat, statistics)?;
        let rank_correlations = analysis::rank_correlations_of(contract, cfg, base)?;
        Ok(Sensitivity::with(contract, cfg, tornado, rank_correlations))
    }

    fn with(contract: &Contract, cfg: &RunConfig, tornado: Tornado, rank_correlations: Vec<(String, f64)>) -> Self {
        Sensitivity {
            contract: contract.name.clone(),
            runs: cfg.runs,
            seed: cfg.seed,
            tornado,
            rank_correlations,
            currency: contract.currency.clone(),
        }
    }
}

/// What kind of value a term holds, for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermUnit {
    /// An amount of money.
    Money,
    /// A rate (a fraction).
    Rate,
    /// A whole count.
    Count,
}

/// `kasim goal-seek`: the value of a term at which a statistic reaches a target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GoalSeekReport {
    /// Contract name.
    pub contract: String,
    /// Scenarios per evaluation.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// The term's value in the contract.
    pub current: Decimal,
    /// The search and its result.
    #[serde(flatten)]
    pub result: GoalSeek,
    /// The term's unit.
    pub unit: TermUnit,
}

impl GoalSeekReport {
    /// Seeks `term` in `[low, high]`; `low` defaults to 0 and `high` to 3 × the current value
    /// (at least 1).
    ///
    /// # Errors
    ///
    /// [`Error::Term`] for a path that is not a numeric term, [`Error::EmptyRange`],
    /// [`Error::GoalNotBracketed`], and any error of running a variant.
    pub fn run(
        contract: &Contract,
        term: &str,
        stat: Stat,
        target: Decimal,
        range: (Option<Decimal>, Option<Decimal>),
        cfg: &RunConfig,
    ) -> Result<GoalSeekReport, Error> {
        GoalSeekReport::run_with(contract, term, stat, target, range, cfg, |c| analysis::statistic(c, cfg, stat))
    }

    /// [`GoalSeekReport::run`] with the statistic of each variant computed by `eval`
    /// ([`analysis::goal_seek_with`]); `cfg` gives the runs and seed the report shows (and
    /// `eval` should use).
    ///
    /// # Errors
    ///
    /// As [`GoalSeekReport::run`], and any error of `eval` (returned as it is).
    pub fn run_with<E: From<Error>>(
        contract: &Contract,
        term: &str,
        stat: Stat,
        target: Decimal,
        (low, high): (Option<Decimal>, Option<Decimal>),
        cfg: &RunConfig,
        eval: impl FnMut(&Contract) -> Result<Decimal, E>,
    ) -> Result<GoalSeekReport, E> {
        let bad = |reason: kasim_core::terms::TermError| Error::Term { path: term.to_string(), reason };
        let current = terms::get(contract, term).map_err(bad)?;
        let unit = match terms::kind(contract, term).map_err(bad)? {
            terms::TermKind::Money => TermUnit::Money,
            terms::TermKind::Rate => TermUnit::Rate,
            terms::TermKind::Count => TermUnit::Count,
        };
        let low = low.unwrap_or(Decimal::ZERO);
        let high = high.unwrap_or_else(|| (current * Decimal::from(3)).max(Decimal::ONE));
        let result = analysis::goal_seek_with(contract, term, stat, target, low, high, eval)?;
        Ok(GoalSeekReport { contract: contract.name.clone(), runs: cfg.runs, seed: cfg.seed, current, result, unit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_share_round_edges_and_count_every_value() {
        // -1,234.56 … 98,765.43 and 0 … 50,000: a span of 9,999,999 cents over 40 bins is
        // about 250,000 cents, so the step is 500,000 cents (5,000.00), edges from -5,000.00.
        let a: Vec<i64> = vec![-123_456, 0, 500_000, 9_876_543];
        let b: Vec<i64> = vec![5_000_000, 0]; // any order
        let h = Histogram::common(&[&a, &b]);
        assert_eq!(h[0].edges, h[1].edges);
        assert_eq!(h[0].edges[0], Decimal::new(-500_000, 2));
        assert_eq!(h[0].edges[1], Decimal::ZERO);
        assert_eq!(*h[0].edges.last().unwrap(), Decimal::new(10_000_000, 2));
        assert_eq!(h[0].edges.len(), h[0].counts.len() + 1);
        assert_eq!(h[0].counts.iter().sum::<u64>(), 4);
        assert_eq!(h[1].counts.iter().sum::<u64>(), 2);
        assert_eq!(h[0].counts[0], 1, "-1,234.56 is in [-5,000, 0)");
        assert_eq!(h[0].counts[1], 1, "0 is in [0, 5,000)");
        assert_eq!(h[0].counts[2], 1, "5,000.00 starts bin 2");
        assert_eq!(h[1].counts[11], 1, "50,000.00 starts bin 11");
        // One value: one bin.
        let one = Histogram::common(&[&[700]]);
        assert_eq!(one[0].counts, vec![1]);
        assert!(one[0].edges[0] <= Decimal::new(700, 2) && Decimal::new(700, 2) < one[0].edges[1]);
    }

    #[test]
    fn the_s_curve_is_101_nearest_rank_values() {
        let v: Vec<i64> = (0..1001).map(|i| i * 100).collect();
        let c = s_curve(&v);
        assert_eq!(c.len(), 101);
        assert_eq!(c[0], Decimal::ZERO);
        assert_eq!(c[50], Decimal::new(50_000, 2));
        assert_eq!(c[100], Decimal::new(100_000, 2));
        assert!(s_curve(&[]).is_empty());
    }
}
