//! `simulate`, `compare` and `replay`: thin glue over kasim-montecarlo.

use std::path::{Path, PathBuf};

use kasim_core::money::{Money, format_money};
use kasim_core::{Compiled, Contract};
use kasim_montecarlo::analysis::{self, Stat};
use kasim_montecarlo::stats::p_below;
use kasim_montecarlo::{Model, Results, Row, RunConfig, Summary};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::args::{Format, RunArgs, SensitivityRunArgs};
use crate::report::{self, Evaluated};
use crate::table::{Align, Table};
use crate::{Failure, Outcome, done, failed, load_all};

/// Largest number of scenarios accepted from the command line.
const MAX_RUNS: u64 = 100_000_000;

fn config(run: &RunArgs) -> Result<RunConfig, Failure> {
    let mut cfg = base_config(run.runs, MAX_RUNS, run.seed, run.threads)?;
    if let Some(t) = &run.tolerance {
        let d: Money = t.parse().map_err(|e| Failure::Message(format!("--tolerance: {e}")))?;
        if d.0 <= Decimal::ZERO {
            return Err(Failure::Message(format!("--tolerance {t} must be positive")));
        }
        cfg.tolerance = Some(d.0.to_string().parse().unwrap_or(f64::MAX));
    }
    Ok(cfg)
}

fn base_config(runs: u64, max: u64, seed: u64, threads: usize) -> Result<RunConfig, Failure> {
    if runs == 0 || runs > max {
        return Err(Failure::Message(format!("--runs {runs} must be between 1 and {max}")));
    }
    if threads > 1024 {
        return Err(Failure::Message(format!("--threads {threads} is more than 1024")));
    }
    Ok(RunConfig { runs, seed, threads, max_memory: memory_limit(), ..RunConfig::default() })
}

/// Results may use up to half of the memory available now (Linux `MemAvailable`), or 2 GiB
/// where that cannot be read.
fn memory_limit() -> u64 {
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    available.map_or(2 << 30, |bytes| bytes / 2)
}

/// Writes files into a directory all or nothing: each to a temporary name first, then renamed.
fn write_all(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), Failure> {
    let fail = |e: std::io::Error, what: &Path| Failure::Message(format!("cannot write {}: {e}", what.display()));
    std::fs::create_dir_all(dir).map_err(|e| fail(e, dir))?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let tmp = dir.join(format!(".{name}.kasim-tmp"));
        if let Err(e) = std::fs::write(&tmp, bytes) {
            for t in &written {
                let _ = std::fs::remove_file(t);
            }
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e, &tmp));
        }
        written.push(tmp);
    }
    for ((name, _), tmp) in files.iter().zip(&written) {
        std::fs::rename(tmp, dir.join(name)).map_err(|e| fail(e, &dir.join(name)))?;
    }
    Ok(())
}

/// A progress bar on stderr when it is a terminal (hidden otherwise and for JSON output).
fn progress_bar(total: u64, format: Format) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if format == Format::Json || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} scenarios ({per_sec}, {eta})") {
        pb.set_style(style);
    }
    pb
}

/// One simulated output: its key, label, whether it is a percentage, and its values.
struct Output {
    key: &'static str,
    label: &'static str,
    percent: bool,
    get: fn(&Row) -> i64,
}

const OUTPUTS: [Output; 6] = [
    Output {
        key: "net_contribution", label: "Net contribution 净贡献", percent: false, get: |r| r.net_contribution
    },
    Output { key: "fees_total", label: "Fees total 费用合计", percent: false, get: |r| r.fees_total },
    Output { key: "net_invoiced", label: "Net invoiced 净销售额", percent: false, get: |r| r.net_invoiced },
    Output { key: "fee_ratio", label: "Fee ratio 费用率 (%)", percent: true, get: |r| r.fee_ratio },
    Output {
        key: "retailer_margin", label: "Retailer margin 零售商毛利", percent: false, get: |r| r.retailer_margin
    },
    Output { key: "net_net_price", label: "Net-net price 净净价", percent: false, get: |r| r.net_net_price },
];

fn sorted(results: &Results, get: fn(&Row) -> i64) -> Vec<i64> {
    let mut v: Vec<i64> = results.rows.iter().map(get).collect();
    v.sort_unstable();
    v
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn value(d: Decimal, percent: bool) -> String {
    if percent { format!("{}%", format_money(d, 2)) } else { format_money(d, 2) }
}

fn sd(x: f64, percent: bool) -> String {
    let d = Decimal::from_f64_retain(x).unwrap_or_default();
    value(d, percent)
}

fn load_contract(file: &Path) -> Result<Contract, Failure> {
    kasim_core::load(file).map_err(Failure::Core)
}

fn load_one(file: &Path) -> Result<Contract, Outcome> {
    match load_all(&[file.to_path_buf()]) {
        Ok(mut v) => Ok(v.remove(0).1),
        Err(e) => Err(failed(e)),
    }
}

/// The rows of a summary table: (label, one value per column).
fn summary_rows(summaries: &[(&Summary, bool)]) -> Vec<(String, Vec<String>)> {
    let mut rows = vec![
        ("Mean 均值".to_string(), summaries.iter().map(|(s, p)| value(s.mean, *p)).collect()),
        ("Std deviation 标准差".to_string(), summaries.iter().map(|(s, p)| sd(s.sd, *p)).collect()),
        ("Std error of mean".to_string(), summaries.iter().map(|(s, p)| sd(s.std_error, *p)).collect()),
        ("Min".to_string(), summaries.iter().map(|(s, p)| value(s.min, *p)).collect()),
    ];
    for (i, q) in kasim_montecarlo::stats::PERCENTILES.iter().enumerate() {
        rows.push((format!("P{q}"), summaries.iter().map(|(s, p)| value(s.percentiles[i].1, *p)).collect()));
    }
    rows.push(("Max".to_string(), summaries.iter().map(|(s, p)| value(s.max, *p)).collect()));
    rows.push(("VaR 95% (P5)".to_string(), summaries.iter().map(|(s, p)| value(s.var95, *p)).collect()));
    rows.push((
        "CVaR 95% (mean of worst 5%)".to_string(),
        summaries.iter().map(|(s, p)| value(s.cvar95, *p)).collect(),
    ));
    rows.push(("P(< 0)".to_string(), summaries.iter().map(|(s, _)| pct(s.p_loss)).collect()));
    rows
}

fn render(head: Vec<String>, rows: Vec<(String, Vec<String>)>) -> String {
    let mut align = vec![Align::Left];
    align.extend(std::iter::repeat_n(Align::Right, head.len().saturating_sub(1)));
    let mut t = Table::new(align);
    t.row(head);
    t.rule();
    for (label, vals) in rows {
        let mut r = vec![label];
        r.extend(vals);
        t.row(r);
    }
    t.render()
}

#[derive(Serialize)]
struct OutputJson<'a> {
    output: &'static str,
    unit: &'static str,
    summary: &'a Summary,
}

/// `kasim simulate`.
pub(crate) fn simulate(
    file: &Path,
    run: &RunArgs,
    threshold: Option<&str>,
    out: Option<&Path>,
    format: Format,
) -> Outcome {
    let cfg = match config(run) {
        Ok(c) => c,
        Err(f) => return Outcome::Failed(vec![f]),
    };
    let threshold_cents = match threshold.map(|t| t.parse::<Money>()) {
        None => None,
        Some(Ok(m)) => Some((m.0 * Decimal::ONE_HUNDRED).round().try_into().unwrap_or(i64::MAX)),
        Some(Err(e)) => return Outcome::Failed(vec![Failure::Message(format!("--threshold: {e}"))]),
    };
    let contract = match load_one(file) {
        Ok(c) => c,
        Err(o) => return o,
    };
    if contract.uncertainty.is_none() {
        return Outcome::Failed(vec![Failure::Message(format!(
            "{}: nothing is uncertain in this contract: add an [uncertainty] section (see docs/simulation.md)",
            file.display()
        ))]);
    }
    let results = match simulate_contracts(std::slice::from_ref(&contract), &cfg, format) {
        Ok(r) => r,
        Err(f) => return Outcome::Failed(vec![f]),
    };
    let r = &results[0];
    let runs_done = r.rows.len() as u64;
    if let Some(dir) = out
        && let Err(f) = write_outputs(dir, &contract, r)
    {
        return Outcome::Failed(vec![f]);
    }
    // One output sorted at a time keeps the peak at the stored rows plus one column.
    let mut p_threshold = None;
    let summaries: Vec<Summary> = OUTPUTS
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let v = sorted(r, o.get);
            if i == 0 {
                p_threshold = threshold_cents.map(|t| p_below(&v, t));
            }
            Summary::of_sorted_cents(&v)
        })
        .collect();
    let text = match format {
        Format::Table => {
            let mut head = vec!["Statistic 统计量".to_string()];
            head.extend(OUTPUTS.iter().map(|o| o.label.to_string()));
            let pairs: Vec<(&Summary, bool)> = summaries.iter().zip(&OUTPUTS).map(|(s, o)| (s, o.percent)).collect();
            let mut rows = summary_rows(&pairs);
            if let (Some(p), Some(t)) = (p_threshold, threshold) {
                let mut vals = vec![pct(p)];
                vals.extend(std::iter::repeat_n(String::new(), OUTPUTS.len() - 1));
                rows.push((format!("P(net contribution < {t})"), vals));
            }
            let stopped = if runs_done < cfg.runs { " (standard error within --tolerance)" } else { "" };
            let mut s = format!(
                "{} — {} — {} scenarios{stopped}, seed {}\n\n",
                contract.name,
                contract.retailer.name,
                format_money(Decimal::from(runs_done), 0),
                cfg.seed
            );
            s.push_str(&render(head, rows));
            s.push_str(&format!(
                "\nSame seed, same results at any thread count. Replay any scenario: kasim replay {} --seed {} --scenario K\n",
                file.display(),
                cfg.seed
            ));
            Ok(s)
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                format: &'static str,
                file: String,
                contract: &'a str,
                runs: u64,
                seed: u64,
                outputs: Vec<OutputJson<'a>>,
                #[serde(skip_serializing_if = "Option::is_none")]
                p_net_contribution_below_threshold: Option<f64>,
            }
            let doc = Doc {
                format: "kasim.simulate/1",
                file: file.display().to_string(),
                contract: &contract.name,
                runs: runs_done,
                seed: cfg.seed,
                outputs: OUTPUTS
                    .iter()
                    .zip(&summaries)
                    .map(|(o, s)| OutputJson {
                        output: o.key,
                        unit: if o.percent { "percent" } else { "currency" },
                        summary: s,
                    })
                    .collect(),
                p_net_contribution_below_threshold: p_threshold,
            };
            serde_json::to_string_pretty(&doc).map(|s| s + "\n").map_err(|e| e.to_string())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let mut head = vec!["statistic".to_string()];
            head.extend(OUTPUTS.iter().map(|o| o.key.to_string()));
            let mut rows: Vec<Vec<String>> = vec![head];
            let plain = |f: &dyn Fn(&Summary) -> String| summaries.iter().map(f).collect::<Vec<_>>();
            let mut add = |k: &str, v: Vec<String>| {
                let mut r = vec![k.to_string()];
                r.extend(v);
                rows.push(r);
            };
            add("mean", plain(&|s| s.mean.to_string()));
            add("sd", plain(&|s| format!("{:.2}", s.sd)));
            add("std_error", plain(&|s| format!("{:.2}", s.std_error)));
            add("min", plain(&|s| s.min.to_string()));
            for (i, q) in kasim_montecarlo::stats::PERCENTILES.iter().enumerate() {
                add(&format!("p{q}"), plain(&|s| s.percentiles[i].1.to_string()));
            }
            add("max", plain(&|s| s.max.to_string()));
            add("var95", plain(&|s| s.var95.to_string()));
            add("cvar95", plain(&|s| s.cvar95.to_string()));
            add("p_loss", plain(&|s| format!("{}", s.p_loss)));
            let ok = rows.iter().try_for_each(|r| w.write_record(r));
            match (ok, w.into_inner()) {
                (Ok(()), Ok(bytes)) => Ok(format!("{}{}", report::BOM, String::from_utf8_lossy(&bytes))),
                _ => Err("cannot write CSV".to_string()),
            }
        }
    };
    match text {
        Ok(t) => Outcome::Output(t),
        Err(m) => Outcome::Failed(vec![Failure::Message(m)]),
    }
}

fn simulate_contracts(contracts: &[Contract], cfg: &RunConfig, format: Format) -> Result<Vec<Results>, Failure> {
    let compiled = contracts.iter().map(Compiled::new).collect::<Result<Vec<_>, _>>()?;
    let models = compiled.iter().map(Model::new).collect::<Result<Vec<_>, _>>()?;
    let pb = progress_bar(cfg.runs, format);
    let r = kasim_montecarlo::run_with_progress(&models, cfg, &mut |done, _| pb.set_position(done));
    pb.finish_and_clear();
    Ok(r?)
}

/// `--out`: per-scenario CSV and the two charts of net contribution.
fn write_outputs(dir: &Path, contract: &Contract, r: &Results) -> Result<(), Failure> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "scenario",
        "net_contribution",
        "fees_total",
        "net_invoiced",
        "fee_ratio_percent",
        "retailer_margin",
        "net_net_price",
    ];
    let err = |e: csv::Error| Failure::Message(format!("cannot write scenarios.csv: {e}"));
    w.write_record(header).map_err(err)?;
    for (k, row) in r.rows.iter().enumerate() {
        w.write_record([
            k.to_string(),
            Decimal::new(row.net_contribution, 2).to_string(),
            Decimal::new(row.fees_total, 2).to_string(),
            Decimal::new(row.net_invoiced, 2).to_string(),
            Decimal::new(row.fee_ratio, 2).to_string(),
            Decimal::new(row.retailer_margin, 2).to_string(),
            Decimal::new(row.net_net_price, 2).to_string(),
        ])
        .map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| Failure::Message(format!("cannot write scenarios.csv: {e}")))?;
    let mut csv_bytes = report::BOM.as_bytes().to_vec();
    csv_bytes.extend(bytes);
    let v = sorted(r, |x| x.net_contribution);
    let title = format!("{} — net contribution, {} scenarios", contract.name, r.rows.len());
    let files = [
        ("scenarios.csv", csv_bytes),
        ("histogram.svg", crate::svg::histogram(&v, &title, "net contribution (CNY)").into_bytes()),
        ("s-curve.svg", crate::svg::s_curve(&v, &title, "net contribution (CNY)").into_bytes()),
    ];
    write_all(dir, &files)
}

/// `kasim compare`.
pub(crate) fn compare(files: &[PathBuf], run: &RunArgs, format: Format) -> Outcome {
    let cfg = match config(run) {
        Ok(c) => c,
        Err(f) => return Outcome::Failed(vec![f]),
    };
    let contracts: Vec<Contract> = match load_all(files) {
        Ok(v) => v.into_iter().map(|(_, c)| c).collect(),
        Err(e) => return failed(e),
    };
    let results = match simulate_contracts(&contracts, &cfg, format) {
        Ok(r) => r,
        Err(f) => return Outcome::Failed(vec![f]),
    };
    let nc: Vec<Vec<i64>> = results.iter().map(|r| sorted(r, |x| x.net_contribution)).collect();
    let summaries: Vec<Summary> = nc.iter().map(|v| Summary::of_sorted_cents(v)).collect();
    let fee_ratio: Vec<Summary> =
        results.iter().map(|r| Summary::of_sorted_cents(&sorted(r, |x| x.fee_ratio))).collect();
    let net_net: Vec<Summary> =
        results.iter().map(|r| Summary::of_sorted_cents(&sorted(r, |x| x.net_net_price))).collect();
    // Pairwise differences, scenario by scenario (common random numbers).
    struct Diff {
        a: usize,
        b: usize,
        summary: Summary,
        p_a_beats_b: f64,
    }
    let mut diffs = Vec::new();
    for a in 0..contracts.len() {
        for b in a + 1..contracts.len() {
            let d: Vec<i64> = results[a]
                .rows
                .iter()
                .zip(&results[b].rows)
                .map(|(x, y)| x.net_contribution - y.net_contribution)
                .collect();
            let wins = d.iter().filter(|&&x| x > 0).count();
            diffs.push(Diff { a, b, summary: Summary::of_cents(&d), p_a_beats_b: wins as f64 / d.len().max(1) as f64 });
        }
    }
    let mut ranking: Vec<usize> = (0..contracts.len()).collect();
    ranking.sort_by(|&x, &y| summaries[y].mean.cmp(&summaries[x].mean).then(x.cmp(&y)));
    let per = |i: usize, n: u32| {
        if n == 0 { Decimal::ZERO } else { (summaries[i].mean / Decimal::from(n)).round_dp(2) }
    };
    let text = match format {
        Format::Table | Format::Csv => {
            let mut s = format!(
                "{} contracts × {} scenarios, seed {}, common random numbers (scenario k sees the same draws in every contract)\n\nNet contribution 净贡献\n",
                contracts.len(),
                format_money(Decimal::from(cfg.runs), 0),
                cfg.seed
            );
            let mut head = vec!["Statistic 统计量".to_string()];
            head.extend(contracts.iter().map(|c| c.name.clone()));
            let pairs: Vec<(&Summary, bool)> = summaries.iter().map(|s| (s, false)).collect();
            s.push_str(&render(head, summary_rows(&pairs)));
            s.push_str("\nDifferences A − B, scenario by scenario 逐情景差异\n");
            let mut head = vec!["A − B".to_string()];
            head.extend(["Mean", "SD", "P5", "P50", "P95", "P(A beats B)"].map(String::from));
            let rows = diffs
                .iter()
                .map(|d| {
                    let p = |q: u32| d.summary.percentiles.iter().find(|x| x.0 == q).map_or(Decimal::ZERO, |x| x.1);
                    (
                        format!("{} − {}", contracts[d.a].name, contracts[d.b].name),
                        vec![
                            format_money(d.summary.mean, 2),
                            sd(d.summary.sd, false),
                            format_money(p(5), 2),
                            format_money(p(50), 2),
                            format_money(p(95), 2),
                            pct(d.p_a_beats_b),
                        ],
                    )
                })
                .collect();
            s.push_str(&render(head, rows));
            s.push_str("\nRanking by mean net contribution 排名\n");
            let head =
                ["#", "Contract", "Retailer", "Mean contribution", "P5", "Fee ratio (mean)", "Per store", "Per SKU"]
                    .map(String::from)
                    .to_vec();
            let rows = ranking
                .iter()
                .enumerate()
                .map(|(rank, &i)| {
                    let c = &contracts[i];
                    (
                        (rank + 1).to_string(),
                        vec![
                            c.name.clone(),
                            c.retailer.name.clone(),
                            format_money(summaries[i].mean, 2),
                            format_money(summaries[i].var95, 2),
                            format!("{}%", format_money(fee_ratio[i].mean, 2)),
                            format_money(net_net[i].mean, 2),
                            format_money(per(i, c.retailer.stores), 2),
                            format_money(per(i, c.skus.len() as u32), 2),
                        ],
                    )
                })
                .collect();
            s.push_str(&render(head, rows));
            Ok(s)
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Entry<'a> {
                file: String,
                contract: &'a str,
                retailer: &'a str,
                net_contribution: &'a Summary,
                fee_ratio_percent: &'a Summary,
                net_net_price: &'a Summary,
                contribution_per_store: Decimal,
                contribution_per_sku: Decimal,
            }
            #[derive(Serialize)]
            struct DiffJson<'a> {
                a: &'a str,
                b: &'a str,
                difference: &'a Summary,
                p_a_beats_b: f64,
            }
            #[derive(Serialize)]
            struct Doc<'a> {
                format: &'static str,
                runs: u64,
                seed: u64,
                contracts: Vec<Entry<'a>>,
                differences: Vec<DiffJson<'a>>,
                ranking: Vec<&'a str>,
            }
            let doc = Doc {
                format: "kasim.compare/1",
                runs: cfg.runs,
                seed: cfg.seed,
                contracts: contracts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Entry {
                        file: files[i].display().to_string(),
                        contract: &c.name,
                        retailer: &c.retailer.name,
                        net_contribution: &summaries[i],
                        fee_ratio_percent: &fee_ratio[i],
                        net_net_price: &net_net[i],
                        contribution_per_store: per(i, c.retailer.stores),
                        contribution_per_sku: per(i, c.skus.len() as u32),
                    })
                    .collect(),
                differences: diffs
                    .iter()
                    .map(|d| DiffJson {
                        a: &contracts[d.a].name,
                        b: &contracts[d.b].name,
                        difference: &d.summary,
                        p_a_beats_b: d.p_a_beats_b,
                    })
                    .collect(),
                ranking: ranking.iter().map(|&i| contracts[i].name.as_str()).collect(),
            };
            serde_json::to_string_pretty(&doc).map(|s| s + "\n").map_err(|e| e.to_string())
        }
    };
    match text {
        Ok(t) => Outcome::Output(t),
        Err(m) => Outcome::Failed(vec![Failure::Message(m)]),
    }
}

/// `kasim replay`.
pub(crate) fn replay(file: &Path, scenario: u64, seed: u64, format: Format) -> Outcome {
    if scenario >= MAX_RUNS {
        return Outcome::Failed(vec![Failure::Message(format!(
            "--scenario {scenario} is beyond the largest run ({MAX_RUNS})"
        ))]);
    }
    let contract = match load_one(file) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let settled = Compiled::new(&contract).map_err(Failure::from).and_then(|m| {
        let model = Model::new(&m)?;
        Ok(model.settlement(seed, scenario)?)
    });
    let settlement = match settled {
        Ok(s) => s,
        Err(f) => return Outcome::Failed(vec![f]),
    };
    let e = Evaluated {
        file: file.display().to_string(),
        channel: contract.retailer.channel.names().0,
        stores: contract.retailer.stores,
        skus: contract.skus.len(),
        settlement,
    };
    let text = match format {
        Format::Table => Ok(format!("Scenario {scenario} of seed {seed}\n{}", report::explain_table(&e))),
        Format::Json => report::explain_json(&e).map_err(|e| e.to_string()),
        Format::Csv => report::explain_csv(&e).map_err(|e| e.to_string()),
    };
    match text {
        Ok(t) => Outcome::Output(t),
        Err(m) => Outcome::Failed(vec![Failure::Message(m)]),
    }
}

fn parse_stat(stat: &str) -> Result<Stat, Failure> {
    stat.parse().map_err(|e: String| Failure::Message(format!("--stat: {e}")))
}

/// `kasim sensitivity`.
pub(crate) fn sensitivity(
    file: &Path,
    run: &SensitivityRunArgs,
    stat: &str,
    out: Option<&Path>,
    format: Format,
) -> Outcome {
    let result = (|| -> Result<String, Failure> {
        let cfg = base_config(run.runs, 1_000_000, run.seed, run.threads)?;
        let stat = parse_stat(stat)?;
        let contract = load_contract(file)?;
        if contract.uncertainty.is_none() {
            return Err(Failure::Message(format!(
                "{}: nothing is uncertain in this contract: add an [uncertainty] section (see docs/simulation.md)",
                file.display()
            )));
        }
        let t = analysis::tornado(&contract, &cfg, stat)?;
        let correlations = analysis::rank_correlations(&contract, &cfg)?;
        if let Some(dir) = out {
            let bars: Vec<(String, f64, f64)> =
                t.bars.iter().map(|b| (b.input.name.clone(), to_f64(b.at_low), to_f64(b.at_high))).collect();
            let title = format!("{} — {} net contribution, {} scenarios per variant", contract.name, t.stat, cfg.runs);
            write_all(dir, &[("tornado.svg", crate::svg::tornado(&title, to_f64(t.base), &bars).into_bytes())])?;
        }
        match format {
            Format::Json => {
                #[derive(Serialize)]
                struct Doc<'a> {
                    format: &'static str,
                    contract: &'a str,
                    runs: u64,
                    seed: u64,
                    tornado: &'a analysis::Tornado,
                    rank_correlations: Vec<(String, f64)>,
                }
                let doc = Doc {
                    format: "kasim.sensitivity/1",
                    contract: &contract.name,
                    runs: cfg.runs,
                    seed: cfg.seed,
                    tornado: &t,
                    rank_correlations: correlations,
                };
                serde_json::to_string_pretty(&doc).map(|s| s + "\n").map_err(|e| Failure::Message(e.to_string()))
            }
            Format::Table | Format::Csv => {
                let mut s = format!(
                    "{} — sensitivity of {} net contribution ({} scenarios per variant, seed {}, common random numbers)\nBase: {}\n\n",
                    contract.name,
                    t.stat,
                    format_money(Decimal::from(cfg.runs), 0),
                    cfg.seed,
                    format_money(t.base, 2)
                );
                let head = ["Input", "Low", "High", "At low", "At high", "Swing"].map(String::from).to_vec();
                let rows = t
                    .bars
                    .iter()
                    .map(|b| {
                        (
                            b.input.name.clone(),
                            vec![
                                b.input.low.to_string(),
                                b.input.high.to_string(),
                                format_money(b.at_low, 2),
                                format_money(b.at_high, 2),
                                format_money(b.swing, 2),
                            ],
                        )
                    })
                    .collect();
                s.push_str(&render(head, rows));
                if !correlations.is_empty() {
                    s.push_str("\nRank correlation with net contribution (Spearman) 秩相关\n");
                    let rows =
                        correlations.iter().map(|(n, r)| (n.clone(), vec![format!("{r:+.3}")])).collect::<Vec<_>>();
                    s.push_str(&render(vec!["Per-scenario input".into(), "ρ".into()], rows));
                }
                Ok(s)
            }
        }
    })();
    done(result)
}

fn to_f64(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

/// `kasim goal-seek`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn goal_seek(
    file: &Path,
    term: &str,
    target: &str,
    stat: &str,
    low: Option<&str>,
    high: Option<&str>,
    run: &SensitivityRunArgs,
    format: Format,
) -> Outcome {
    let result = (|| -> Result<String, Failure> {
        let cfg = base_config(run.runs, 1_000_000, run.seed, run.threads)?;
        let stat = parse_stat(stat)?;
        let num = |flag: &str, v: &str| -> Result<Decimal, Failure> {
            v.parse::<kasim_core::money::Money>().map(|m| m.0).map_err(|e| Failure::Message(format!("{flag}: {e}")))
        };
        let target = num("--target", target)?;
        let contract = load_contract(file)?;
        let current = kasim_core::terms::get(&contract, term).map_err(|e| Failure::Message(format!("--term {e}")))?;
        let low = match low {
            Some(v) => num("--low", v)?,
            None => Decimal::ZERO,
        };
        let high = match high {
            Some(v) => num("--high", v)?,
            None => (current * Decimal::from(3)).max(Decimal::ONE),
        };
        if low >= high {
            return Err(Failure::Message(format!("--low {low} must be below --high {high}")));
        }
        let g = analysis::goal_seek(&contract, term, stat, target, low, high, &cfg)?;
        match format {
            Format::Json => {
                #[derive(Serialize)]
                struct Doc<'a> {
                    format: &'static str,
                    contract: &'a str,
                    runs: u64,
                    seed: u64,
                    current: Decimal,
                    #[serde(flatten)]
                    result: &'a analysis::GoalSeek,
                }
                let doc = Doc {
                    format: "kasim.goal-seek/1",
                    contract: &contract.name,
                    runs: cfg.runs,
                    seed: cfg.seed,
                    current,
                    result: &g,
                };
                serde_json::to_string_pretty(&doc).map(|s| s + "\n").map_err(|e| Failure::Message(e.to_string()))
            }
            Format::Table | Format::Csv => Ok(format!(
                "{} — goal seek on {} ({} scenarios per evaluation, seed {})\n\n\
                 {} net contribution reaches {} at {term} = {}\n\
                 (currently {}; {} net contribution there: {}; {} evaluations)\n",
                contract.name,
                term,
                format_money(Decimal::from(cfg.runs), 0),
                cfg.seed,
                g.stat,
                format_money(g.target, 2),
                g.value,
                current,
                g.stat,
                format_money(g.achieved, 2),
                g.evaluations
            )),
        }
    })();
    done(result)
}
