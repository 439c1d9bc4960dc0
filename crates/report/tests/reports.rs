//! Every report type through the consistency check: each table cell of its document appears
//! with the same value in its JSON, on the bundled scenarios.

use kasim_core::{Compiled, Contract};
use kasim_montecarlo::analysis::Stat;
use kasim_montecarlo::report::{Comparison, GoalSeekReport, Sensitivity, Simulation};
use kasim_montecarlo::{Model, RunConfig};
use kasim_report::testing::assert_consistent;
use kasim_report::{EvaluateReport, Evaluation, ExplainReport, Format, ReplayReport, emit};
use rust_decimal::Decimal;

mod xlsx;

fn scenario(name: &str) -> (String, Contract) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios").join(name);
    (format!("scenarios/{name}"), kasim_core::load(&path).unwrap())
}

fn evaluation(name: &str) -> Evaluation {
    let (file, c) = scenario(name);
    let m = Compiled::new(&c).unwrap();
    Evaluation::new(file, &c, m.settle(m.plan_outcome()).unwrap())
}

fn cfg(runs: u64) -> RunConfig {
    RunConfig { runs, seed: 3, ..RunConfig::default() }
}

/// The bundled scenario pairs: every scenario file that `extends` another, with its base —
/// last year's contract and the buyer's draft — as (base file, draft file).
fn scenario_pairs() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut pairs = Vec::new();
    for e in std::fs::read_dir(&root).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if !name.ends_with(".toml") {
            continue;
        }
        let text = std::fs::read_to_string(root.join(&name)).unwrap();
        let doc: toml::Table = text.parse().unwrap();
        if let Some(base) = doc.get("extends").and_then(|v| v.as_str()) {
            pairs.push((base.to_string(), name));
        }
    }
    pairs.sort();
    assert!(!pairs.is_empty(), "no bundled scenario pair (a draft that extends last year's contract)");
    pairs
}

/// The full brief (compliance flags, negotiation plan with its simulated counter-offer,
/// tornado) of a bundled pair, small enough for tests.
fn pair_brief(base: &str, draft: &str, runs: u64) -> kasim_negotiate::brief::BriefReport {
    use kasim_negotiate::brief::{BriefOptions, BriefReport, Input};
    let (bf, b) = scenario(base);
    let (df, d) = scenario(draft);
    let inputs = [Input { file: &bf, contract: &b }, Input { file: &df, contract: &d }];
    BriefReport::prepare(&inputs, &cfg(runs), &BriefOptions { tornado_runs: 100, ..BriefOptions::default() }).unwrap()
}

#[test]
fn evaluate_explain_and_replay_are_consistent() {
    let names = ["hypermarket.toml", "warehouse-club.toml", "seed-clause.toml", "supermarket.toml"];
    let report = EvaluateReport { contracts: names.iter().map(|n| evaluation(n)).collect() };
    assert_consistent(&report);
    for n in names {
        assert_consistent(&ExplainReport::new(evaluation(n)));
    }
    let (file, c) = scenario("supermarket.toml");
    let m = Compiled::new(&c).unwrap();
    let settlement = Model::new(&m).unwrap().settlement(1, 3).unwrap();
    let replay =
        ReplayReport { scenario: 3, seed: 1, explain: ExplainReport::new(Evaluation::new(file, &c, settlement)) };
    assert_consistent(&replay);
    assert!(emit(&replay, Format::Json).unwrap().contains("\"format\": \"kasim.replay/1\""));
}

#[test]
fn simulation_reports_are_consistent() {
    let (file, c) = scenario("hypermarket.toml");
    let run300 = cfg(300);
    let r = kasim_montecarlo::report::simulate(std::slice::from_ref(&c), &run300, &mut |_, _| {}).unwrap();
    assert_consistent(&Simulation::new(&file, &c, &run300, &r[0], Some(Decimal::from(-500_000))));
    assert_consistent(&Simulation::new(&file, &c, &run300, &r[0], None));

    let (f1, a) = scenario("supermarket.toml");
    let (f2, b) = scenario("pharmacy.toml");
    let (f3, d) = scenario("ecommerce.toml");
    let contracts = [a, b, d];
    let r = kasim_montecarlo::report::simulate(&contracts, &run300, &mut |_, _| {}).unwrap();
    let cmp = Comparison::new(&[f1, f2, f3], &contracts, &run300, &r);
    assert_eq!(cmp.differences.len(), 3);
    assert_consistent(&cmp);
    // Every ranking row has a value under each header (the ninth value once lacked one).
    let doc = kasim_report::Report::document(&cmp);
    let ranking = doc.table("ranking").unwrap();
    assert!(ranking.rows.iter().all(|r| r.len() == ranking.columns.len()));
    assert!(emit(&cmp, Format::Csv).unwrap_err().is_no_csv());

    let s = Sensitivity::run(&contracts[0], &cfg(100), Stat::Mean).unwrap();
    assert_consistent(&s);
    let g = GoalSeekReport::run(
        &contracts[0],
        "fees.renewal.amount",
        Stat::Percentile(10),
        Decimal::ZERO,
        (None, Some(Decimal::from(2_000_000))),
        &cfg(100),
    )
    .unwrap();
    assert_consistent(&g);
}

#[test]
fn typed_errors_carry_their_fields() {
    let (_, c) = scenario("supermarket.toml");
    let e = GoalSeekReport::run(
        &c,
        "fees.renewal.amount",
        Stat::Mean,
        Decimal::from(-1_000_000_000),
        (None, None),
        &cfg(50),
    )
    .unwrap_err();
    assert!(e.is_unreachable_goal(), "{e}");
    assert!(!e.to_string().contains("uncertainty error"), "{e}");
    let e =
        GoalSeekReport::run(&c, "fees.renewal.rate", Stat::Mean, Decimal::ZERO, (None, None), &cfg(50)).unwrap_err();
    assert!(matches!(&e, kasim_montecarlo::Error::Term { path, .. } if path == "fees.renewal.rate"), "{e}");
    let e = GoalSeekReport::run(
        &c,
        "fees.renewal.amount",
        Stat::Mean,
        Decimal::ZERO,
        (Some(Decimal::TEN), Some(Decimal::ONE)),
        &cfg(50),
    )
    .unwrap_err();
    assert!(matches!(e, kasim_montecarlo::Error::EmptyRange { .. }), "{e}");
    assert!(matches!("median".parse::<Stat>(), Err(kasim_montecarlo::Error::BadStatistic { .. })));
    let (_, seed) = scenario("seed-clause.toml");
    assert!(matches!(
        Sensitivity::run(&seed, &cfg(50), Stat::Mean),
        Err(kasim_montecarlo::Error::NoUncertainty { .. })
    ));
}

/// The negotiation plan (`kasim.plan/1`) on the seed case and on the seed case negotiated over
/// DM slots (where concessions pay for asks): every table cell is in the JSON, and the
/// document carries the three sections with the figures of the value.
#[test]
fn negotiation_plan_is_consistent() {
    use kasim_negotiate::plan::{NegotiationPlan, PlanOptions};
    use kasim_negotiate::tournament::TournamentConfig;
    use kasim_report::plan::{PlanReport, blocks};
    use kasim_report::{Block, Report};

    let (_, mut seed) = scenario("negotiation-seed-case.toml");
    seed.negotiation.as_mut().unwrap().supplier.scenarios = 4;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "path = \"payment.days\"             # 账期: last year 45; draft 60\nmin = \"45\"\nmax = \"60\"\nstep = \"15\"",
            "path = \"fees.dm.contracted\"\nmin = \"12\"\nmax = \"24\"\nstep = \"2\"",
        )
        .replace(
            "weights = { fee_income = \"50%\", fee_ratio = \"10%\", front_margin = \"20%\", sales = \"20%\" }",
            "weights = { fee_income = \"40%\", fee_ratio = \"10%\", front_margin = \"20%\", sales = \"10%\", slots = \"20%\" }\nslots_target = 40",
        );
    let mut slots = kasim_core::load_str(&text, &path, path.parent()).unwrap();
    slots.negotiation.as_mut().unwrap().supplier.scenarios = 4;
    let options = PlanOptions {
        tournament: Some(TournamentConfig { runs: 4, ..TournamentConfig::default() }),
        ..PlanOptions::default()
    };
    for (c, trades) in [(&seed, false), (&slots, true)] {
        let s = kasim_negotiate::contract::setup(c).unwrap();
        let plan = NegotiationPlan::new(c, &s, &options).unwrap();
        assert_eq!(!plan.trades.is_empty(), trades);
        let report = PlanReport(plan.clone());
        assert_consistent(&report);
        let json = emit(&report, Format::Json).unwrap();
        assert!(json.contains("\"format\": \"kasim.plan/1\""), "{json}");
        let doc = report.document();
        let ids: Vec<&str> = doc.tables().map(|t| t.id.as_str()).collect();
        let mut expected = vec!["plan_counter_offer", "plan_counter_summary", "plan_gets", "plan_gives"];
        if trades {
            expected.push("plan_trades");
        }
        expected.extend(["plan_strategy_summary", "plan_best_responses", "plan_time"]);
        assert_eq!(ids, expected);
        assert_eq!(doc.table("plan_gives").unwrap().rows.len(), plan.gives.len());
        assert_eq!(doc.table("plan_gets").unwrap().rows.len(), plan.gets.len());
        let sections: Vec<String> = blocks(&plan, "CNY")
            .iter()
            .map(|b| match b {
                Block::Section(s) => s.title.render(kasim_report::Lang::Both),
                _ => String::new(),
            })
            .collect();
        assert_eq!(
            sections,
            ["Counter-offer 还价方案", "Concessions and trades 让步与交换", "Negotiation plan 谈判策略"]
        );
        let table = emit(&report, Format::Table).unwrap();
        assert!(table.contains("Each week without a contract costs you CNY 8,000"), "{table}");
        let best = plan.strategy.as_ref().unwrap().best.strategy.name();
        assert!(table.contains(best), "{table}");
        if trades {
            // The renewal-fee cut bought with more DM slots, in words and amounts.
            assert!(
                table.contains(
                    "Concede fees.dm.contracted 12 → 22 (costs you CNY 15,000, buyer +0.059) against \
                     fees.renewal.amount 160,000 → 80,000 (gains CNY 80,000, buyer −0.050): CNY 65,000 better"
                ),
                "{table}"
            );
        } else {
            assert!(table.contains("Free ask: payment.days 60 → 45"), "{table}");
        }
    }
}

/// The charts of each report are drawn from the report value's own numbers.
#[test]
fn charts_carry_the_report_values() {
    use kasim_report::ChartKind;
    use rust_decimal::prelude::ToPrimitive;
    let (file, c) = scenario("hypermarket.toml");
    let run = cfg(500);
    let r = kasim_montecarlo::report::simulate(std::slice::from_ref(&c), &run, &mut |_, _| {}).unwrap();
    let sim = Simulation::new(&file, &c, &run, &r[0], None);
    let doc = kasim_report::Report::document(&sim);
    let charts: Vec<_> = doc.charts().collect();
    assert_eq!(charts.len(), 2);
    let ChartKind::Histogram { edges, series } = &charts[0].kind else { panic!("{:?}", charts[0].kind) };
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].points.iter().sum::<u64>(), 500, "every scenario in a bin");
    assert_eq!(edges.len(), series[0].points.len() + 1);
    let s = &sim.outputs[0].summary;
    assert!(edges[0] <= s.min.to_f64().unwrap() && s.max.to_f64().unwrap() < *edges.last().unwrap());
    let mean = charts[0].markers.iter().find(|m| m.label.en == "mean").unwrap();
    assert_eq!(mean.value, s.mean.to_f64().unwrap());
    assert_eq!(charts[0].currency.as_deref(), Some(c.currency.as_str()));
    let ChartKind::Curves { series } = &charts[1].kind else { panic!() };
    assert_eq!(series[0].points.len(), 101);
    assert_eq!(series[0].points[0], (s.min.to_f64().unwrap(), 0.0));
    assert_eq!(series[0].points[100], (s.max.to_f64().unwrap(), 1.0));
    // The JSON has the same histogram.
    let json: serde_json::Value = serde_json::from_str(&emit(&sim, Format::Json).unwrap()).unwrap();
    let counts: Vec<u64> =
        json["net_contribution_histogram"]["counts"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(&counts, &series_counts(&charts[0].kind));

    // Compared contracts share the histogram's edges.
    let (f1, a) = scenario("supermarket.toml");
    let (f2, b) = scenario("pharmacy.toml");
    let contracts = [a, b];
    let r = kasim_montecarlo::report::simulate(&contracts, &run, &mut |_, _| {}).unwrap();
    let cmp = Comparison::new(&[f1, f2], &contracts, &run, &r);
    assert_eq!(cmp.contracts[0].net_contribution_histogram.edges, cmp.contracts[1].net_contribution_histogram.edges);
    let doc = kasim_report::Report::document(&cmp);
    let ChartKind::Histogram { series, .. } = &doc.charts().next().unwrap().kind else { panic!() };
    assert_eq!(series.len(), 2);
    assert!(series.iter().all(|s| s.points.iter().sum::<u64>() == 500));
    assert_eq!(doc.charts().next().unwrap().markers.len(), 4, "mean and P5 of each");

    // The tornado's bars are the report's.
    let sens = Sensitivity::run(&contracts[0], &cfg(100), Stat::Mean).unwrap();
    let doc = kasim_report::Report::document(&sens);
    let ChartKind::Tornado { base, bars, .. } = &doc.charts().next().unwrap().kind else { panic!() };
    assert_eq!(*base, sens.tornado.base.to_f64().unwrap());
    assert_eq!(bars.len(), sens.tornado.bars.len());
    assert_eq!(bars[0].low, sens.tornado.bars[0].at_low.to_f64().unwrap());

    // explain: cost of goods + fees + financing, against net invoiced sales; the gap is the
    // net contribution.
    let e = ExplainReport::new(evaluation("hypermarket.toml"));
    let doc = kasim_report::Report::document(&e);
    let chart = doc.charts().next().unwrap();
    let ChartKind::Waterfall { start, steps, .. } = &chart.kind else { panic!() };
    let end = start.1 + steps.iter().map(|s| s.1).sum::<f64>();
    let sales = chart.markers[0].value;
    let p = &e.pnl;
    assert_eq!(start.1, p.cost_of_goods.to_f64().unwrap());
    assert_eq!(steps.len(), p.fees_by_kind.len() + usize::from(!p.financing_cost.is_zero()));
    assert!((sales - end - p.net_contribution.to_f64().unwrap()).abs() < 0.01, "{sales} - {end}");
}

fn series_counts(kind: &kasim_report::ChartKind) -> Vec<u64> {
    match kind {
        kasim_report::ChartKind::Histogram { series, .. } => series[0].points.clone(),
        _ => Vec::new(),
    }
}

/// The HTML of `simulate`, `compare`, `sensitivity` and `explain` for the bundled scenarios,
/// opened in headless Chromium.
///
/// How: each page is opened once with `--screenshot` and `--enable-logging=stderr --v=0`,
/// which makes Chromium write every console message (a script error is `"Uncaught …"`, a
/// resource that failed to load is `"Failed to load resource …"`) to stderr as a line with
/// `:CONSOLE`. A page passes when Chromium exits 0 within two minutes, prints no `:CONSOLE`
/// line at all (the pages log nothing), and its screenshot decodes to an image of which a
/// good share of pixels are not white, in many colours (tables, text and charts rendered,
/// not a blank page). Chromium is `$CHROMIUM` or `chromium` on the `PATH` (Debian's
/// package; `.ci/run` installs it): when it is missing the test fails saying so, it does not
/// skip.
mod chromium {
    use super::*;
    use kasim_report::emit::table::{MoneyUnit, Options};
    use kasim_report::{Lang, Report};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    fn chromium() -> PathBuf {
        if let Some(p) = std::env::var_os("CHROMIUM") {
            return PathBuf::from(p);
        }
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            for name in ["chromium", "chromium-browser"] {
                if dir.join(name).is_file() {
                    return dir.join(name);
                }
            }
        }
        panic!(
            "headless Chromium is required for the HTML test and was not found (set CHROMIUM or \
             install Debian's package: apt-get install -y chromium; .ci/run does)"
        );
    }

    fn write<R: Report>(dir: &Path, name: &str, report: &R, options: &Options) -> PathBuf {
        let bytes = kasim_report::emit::render(report, Format::Html, options).unwrap();
        let html = String::from_utf8(bytes).unwrap();
        // Self-contained: nothing is fetched at view time.
        for needle in [" src=", " href=", "url(", "@import", "<link"] {
            assert!(!html.contains(needle), "{name}: {needle} in the page");
        }
        assert!(html.contains("<svg"), "{name}: a chart");
        let path = dir.join(format!("{name}.html"));
        std::fs::write(&path, html).unwrap();
        path
    }

    /// Opens a page, returns its stderr and the screenshot's bytes.
    fn open(page: &Path) -> (String, Vec<u8>) {
        let shot = page.with_extension("png");
        let profile = page.with_extension("profile");
        let _ = std::fs::remove_dir_all(&profile);
        let _ = std::fs::remove_file(&shot);
        let mut child = Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1200,1400",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(format!("file://{}", page.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Chromium: {e}"));
        let mut stderr = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
            s
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("Chromium did not finish {} in two minutes", page.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = reader.join().unwrap();
        let _ = std::fs::remove_dir_all(&profile);
        assert!(status.success(), "Chromium failed on {}: {status}\n{log}", page.display());
        let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot of {}: {e}\n{log}", page.display()));
        (log, png)
    }

    /// The share of pixels that are not (near) white, and the number of distinct colours.
    fn ink(png_bytes: &[u8]) -> (f64, usize) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        let pixels = &buf[..info.buffer_size()];
        let mut colours = std::collections::BTreeSet::new();
        let mut inked = 0usize;
        let n = pixels.len() / channels;
        for p in pixels.chunks(channels) {
            let rgb = (p[0], p[channels.min(3) - 2], p[channels.min(3) - 1]);
            if rgb.0 < 235 || rgb.1 < 235 || rgb.2 < 235 {
                inked += 1;
            }
            colours.insert(rgb);
        }
        (inked as f64 / n.max(1) as f64, colours.len())
    }

    #[test]
    fn the_html_opens_in_headless_chromium_without_errors_and_is_not_blank() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html");
        std::fs::create_dir_all(&dir).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        let mut names: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml") && n != "supplier.toml")
            .collect();
        names.sort();
        assert!(names.len() >= 6, "{names:?}");
        let en = Options::lang(Lang::En);
        let zh_wan = Options { lang: Some(Lang::Zh), unit: MoneyUnit::Wan, width: None };
        let both = Options::default();
        let mut pages = Vec::new();
        let mut simulated = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let options = [&en, &zh_wan, &both][i % 3];
            let stem = n.trim_end_matches(".toml");
            pages.push(write(&dir, &format!("explain-{stem}"), &ExplainReport::new(evaluation(n)), options));
            let (file, c) = scenario(n);
            if c.uncertainty.is_some() {
                let run = cfg(400);
                let r = kasim_montecarlo::report::simulate(std::slice::from_ref(&c), &run, &mut |_, _| {}).unwrap();
                pages.push(write(
                    &dir,
                    &format!("simulate-{stem}"),
                    &Simulation::new(&file, &c, &run, &r[0], None),
                    options,
                ));
                simulated.push((file, c));
            }
        }
        assert!(simulated.len() >= 2, "{names:?}");
        // Every simulated contract overlaid, and the first pair.
        for (tag, list) in [("all", &simulated[..]), ("pair", &simulated[..2])] {
            let (files, contracts): (Vec<String>, Vec<Contract>) = list.iter().cloned().unzip();
            let run = cfg(400);
            let r = kasim_montecarlo::report::simulate(&contracts, &run, &mut |_, _| {}).unwrap();
            pages.push(write(&dir, &format!("compare-{tag}"), &Comparison::new(&files, &contracts, &run, &r), &both));
        }
        let s = Sensitivity::run(&simulated[0].1, &cfg(100), Stat::Mean).unwrap();
        pages.push(write(&dir, "sensitivity", &s, &both));
        // The brief of every bundled pair (last year's contract and the buyer's draft).
        for (i, (base, draft)) in scenario_pairs().iter().enumerate() {
            let b = pair_brief(base, draft, 400);
            pages.push(write(&dir, &format!("brief-{i}"), &b, &both));
            pages.push(write(&dir, &format!("brief-{i}-zh-wan"), &b, &zh_wan));
        }
        pages.push(write(&dir, "sensitivity-zh-wan", &s, &zh_wan));

        // Two pages at a time: the machine has few cores.
        let results: Vec<(PathBuf, String, Vec<u8>)> = std::thread::scope(|scope| {
            let halves: Vec<_> = pages
                .chunks(pages.len().div_ceil(2))
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|p| {
                                let (log, png) = open(p);
                                (p.clone(), log, png)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(results.len(), pages.len());
        for (page, log, png) in &results {
            let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
            assert!(console.is_empty(), "{}: console messages:\n{}", page.display(), console.join("\n"));
            let (share, colours) = ink(png);
            assert!(
                share > 0.04,
                "{}: the screenshot is nearly blank ({:.1}% not white)",
                page.display(),
                share * 100.0
            );
            assert!(colours > 24, "{}: only {colours} colours in the screenshot", page.display());
        }
    }

    #[test]
    fn a_blank_page_and_a_console_error_are_caught() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-negative");
        std::fs::create_dir_all(&dir).unwrap();
        let page = dir.join("bad.html");
        std::fs::write(
            &page,
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><script>missing();</script></body></html>",
        )
        .unwrap();
        let (log, png) = open(&page);
        assert!(log.lines().any(|l| l.contains(":CONSOLE") && l.contains("Uncaught")), "{log}");
        let (share, colours) = ink(&png);
        assert!(share < 0.01 && colours < 4, "a blank page: {share} {colours}");
    }
}

/// The brief of the hypermarket contract against its draft with most fees doubled: every
/// table cell (the scenarios' included) is in the JSON, the CSV is the clause table, and the
/// entry fee's doubling shows as its exact change.
#[test]
fn brief_is_consistent() {
    use kasim_negotiate::brief::{BriefReport, Input};
    let (file, base) = scenario("hypermarket.toml");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/fixtures/hypermarket-draft.toml");
    let draft = kasim_core::load(&path).unwrap();
    let inputs = [Input { file: &file, contract: &base }, Input { file: "hypermarket-draft.toml", contract: &draft }];
    let b = BriefReport::new(&inputs, &cfg(200)).unwrap();
    assert_consistent(&b);
    assert_eq!(b.clause("entry").unwrap().change_plan, Decimal::from(300_000));
    let csv = emit(&b, Format::Csv).unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("1,"), "{csv}");
    let table = emit(&b, Format::Table).unwrap();
    std::fs::write(std::env::temp_dir().join("brief-table.txt"), &table).unwrap();
    assert!(table.contains("300,000.00"), "{table}");
    // The scenarios are files only: not in the terminal.
    assert!(!table.contains("GlobalMart 2027 draft fees"), "{table}");
}

/// The full brief of every bundled pair: compliance flags, the negotiation plan and its
/// counter-offer simulated on the same scenarios, the tornado — every table cell in the JSON.
#[test]
fn full_brief_of_every_bundled_pair_is_consistent() {
    for (base, draft) in scenario_pairs() {
        let b = pair_brief(&base, &draft, 300);
        assert_consistent(&b);
        // BASE, DRAFT and the advised counter-offer.
        assert_eq!(b.contracts.len(), 3, "{draft}");
        assert!(b.contracts[2].contract.ends_with("— counter-offer"));
        let plan = b.negotiation.as_ref().expect("the pair has a [negotiation] section");
        // The counter-offer simulated is the plan's: its entry fee is the advised one.
        let entry = b.clause("entry").unwrap();
        let advised = plan.counter.advice.per_term.iter().find(|m| m.term == "fees.entry.amount").unwrap();
        assert_eq!(entry.amounts[2].as_ref().map(|a| a.plan), Some(advised.counter_offer), "{entry:?}");
        assert!(b.tornado.is_some());
        let text = emit(&b, Format::Table).unwrap();
        assert!(text.contains("Compliance flags") && text.contains("Counter-offer 还价方案"), "{text}");
    }
}

/// `kasim track` on the bundled Sunrise 2027 year to date with its GBK statement and a
/// previous run: every table cell is in the JSON; the CSV is the distribution; the terminal
/// shows the reconciliation's statuses.
#[test]
fn track_is_consistent() {
    use kasim_actuals::accrual::Previous;
    use kasim_actuals::track::{Inputs, Options, track};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let (_, c) = scenario("supermarket.toml");
    let h = kasim_actuals::history::read_history(
        &[root.join("actuals/sunrise-2027-ytd.csv")],
        &kasim_actuals::Mapping::new(),
        c.calendar.granularity,
    )
    .unwrap();
    let st = kasim_actuals::statement::read_statement(
        &root.join("actuals/sunrise-2027-statement-gbk.csv"),
        &kasim_actuals::Mapping::empty(),
    )
    .unwrap();
    let mut inputs = Inputs {
        contract_name: "scenarios/supermarket.toml",
        contract: &c,
        history: &h,
        actuals: vec!["sunrise-2027-ytd.csv".into()],
        previous: None,
        statement: Some(st),
    };
    let first = track(&inputs, &Options { runs: 200, as_of: Some(3), ..Default::default() }).unwrap();
    let json = emit(&first, Format::Json).unwrap();
    inputs.previous = Some(Previous::from_json(std::path::Path::new("last.json"), &json).unwrap());
    let t = track(&inputs, &Options { runs: 200, ..Default::default() }).unwrap();
    assert_eq!(t.accruals.previous_closed, Some(3));
    assert_consistent(&t);
    let csv = emit(&t, Format::Csv).unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("fees_total,"), "{csv}");
    let table = emit(&t, Format::Table).unwrap();
    for s in ["mismatched", "unexplained deduction", "ambiguous", "missing charge", "Changed since the last run"] {
        assert!(table.contains(s), "{s}: {table}");
    }
}

/// The portfolio report: every table cell is in the JSON, and the CSV is the retailer table.
#[test]
fn portfolio_report_is_consistent() {
    use kasim_montecarlo::portfolio::{PortfolioModel, PortfolioReport};
    let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/portfolio/ka-channel.toml");
    let p = kasim_core::portfolio::load_portfolio(&f).unwrap();
    let compiled: Vec<kasim_core::Compiled<'_>> =
        p.members.iter().map(|m| kasim_core::Compiled::new(&m.contract).unwrap()).collect();
    let model = PortfolioModel::new(&p, &compiled).unwrap();
    let cfg = kasim_montecarlo::RunConfig { runs: 100, seed: 2, threads: 1, ..Default::default() };
    let results = model.run(&cfg).unwrap();
    let report = PortfolioReport::new(&p, &model, &results, &cfg);
    kasim_report::testing::assert_consistent(&report);
    let csv = kasim_report::emit(&report, kasim_report::Format::Csv).unwrap();
    assert_eq!(csv.lines().count(), 1 + p.members.len());
    assert!(kasim_report::portfolio::cascade_total(&report) > rust_decimal::Decimal::ZERO);
}

/// A replayed portfolio scenario: every table cell is in the JSON (the chains' ledgers
/// included), the CSV is the chains' table, each chain's ledger reconciles to its row, and
/// the claims' costs add up to the total.
#[test]
fn portfolio_replay_is_consistent() {
    use kasim_montecarlo::portfolio::PortfolioModel;
    use kasim_report::replay::PortfolioReplayReport;
    let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/portfolio/ka-channel.toml");
    let p = kasim_core::portfolio::load_portfolio(&f).unwrap();
    let compiled: Vec<kasim_core::Compiled<'_>> =
        p.members.iter().map(|m| kasim_core::Compiled::new(&m.contract).unwrap()).collect();
    let model = PortfolioModel::new(&p, &compiled).unwrap();
    let members: Vec<(String, &Contract)> =
        p.members.iter().map(|m| (m.file.display().to_string(), &m.contract)).collect();
    let report = PortfolioReplayReport::new(&p.name, "ka-channel.toml", &members, model.scenario_detail(2, 3).unwrap());
    assert_consistent(&report);
    let csv = emit(&report, Format::Csv).unwrap();
    assert_eq!(csv.lines().count(), 1 + p.members.len());
    for c in &report.chains {
        assert_eq!(c.net_contribution, c.explain.pnl.net_contribution, "{}", c.id);
        assert!(c.explain.reconciliation.balanced, "{}", c.id);
    }
    assert_eq!(report.net_contribution, report.chains.iter().map(|c| c.net_contribution).sum::<Decimal>());
    assert_eq!(report.claims_total, report.claims.iter().map(|c| c.cost).sum::<Decimal>());
    assert!(report.claims_total > Decimal::ZERO);
    let html = emit(&report, Format::Html).unwrap();
    assert!(html.contains("最低价索赔") && html.contains("warehouse-club"));
}

/// The brief's issue-13 views: give-get clauses (handbook-2026 against give-get.toml) and the
/// channel view (the hypermarket contract as the bundled KA channel's member against its draft
/// with most fees doubled): every table cell of both is in the JSON, in every emitter.
#[test]
fn brief_give_get_and_channel_views_are_consistent() {
    use kasim_negotiate::brief::{BriefReport, Input, PortfolioView};
    let (bf, base) = scenario("handbook-2026.toml");
    let (df, draft) = scenario("give-get.toml");
    let b = BriefReport::new(&[Input { file: &bf, contract: &base }, Input { file: &df, contract: &draft }], &cfg(200))
        .unwrap();
    assert_eq!(b.give_get.len(), 3);
    assert!(!b.give_get_advice.is_empty());
    assert_consistent(&b);
    let doc = kasim_report::Report::document(&b);
    assert!(doc.table("give_get").is_some() && doc.table("give_get_advice").is_some());

    let (hf, hyper) = scenario("hypermarket.toml");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/fixtures/hypermarket-draft.toml");
    let hdraft = kasim_core::load(&path).unwrap();
    let inputs = [Input { file: &hf, contract: &hyper }, Input { file: "hypermarket-draft.toml", contract: &hdraft }];
    let mut b = BriefReport::new(&inputs, &cfg(100)).unwrap();
    let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/portfolio/ka-channel.toml");
    let p = kasim_core::portfolio::load_portfolio(&f).unwrap();
    let member = p.members.iter().position(|m| m.id == "hypermarket").unwrap();
    let view = PortfolioView::new(&p, member, inputs[0], inputs[1], &cfg(100)).unwrap();
    // The draft keeps the promotions: their costs are the same with either contract.
    assert_eq!(view.base.promotions, view.draft.promotions);
    assert!(view.base.cascade_cost > Decimal::ZERO);
    assert_eq!(view.net_contribution_change, view.draft.net_contribution.mean - view.base.net_contribution.mean);
    b.portfolio = Some(view);
    assert_consistent(&b);
    let table = emit(&b, Format::Table).unwrap();
    assert!(table.contains("Across the KA channel") && table.contains("The draft's "), "{table}");
    let html = emit(&b, Format::Html).unwrap();
    assert!(html.contains("渠道视角"));
}

/// The multi-year report: every table cell is in the JSON, the CSV is the year table (the
/// channel and each retailer per year), money is decimal strings.
#[test]
fn multi_year_report_is_consistent() {
    use kasim_montecarlo::multiyear::{MultiYearModel, MultiYearReport, chain_records, grown_chain};
    let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/portfolio/ka-3-years.toml");
    let p = kasim_core::portfolio::load_portfolio(&f).unwrap();
    let spec = p.multi_year.clone().unwrap();
    let chain = grown_chain(&p, &spec);
    let compiled: Vec<Vec<kasim_core::Compiled<'_>>> =
        chain.iter().map(|y| y.iter().map(|c| kasim_core::Compiled::new(c).unwrap()).collect()).collect();
    let model = MultiYearModel::new(&p, &spec, &compiled).unwrap();
    let cfg = kasim_montecarlo::RunConfig { runs: 60, seed: 2, threads: 1, ..Default::default() };
    let results = model.run(&cfg).unwrap();
    let mut records = chain_records(&p, &chain).unwrap();
    // A record as the renegotiation fills it: terms and resources show in their tables.
    records[4].terms.push(kasim_montecarlo::multiyear::TermLine {
        path: "fees.rebate.rate".into(),
        last: rust_decimal::Decimal::new(3, 2),
        asked: rust_decimal::Decimal::new(35, 3),
        agreed: rust_decimal::Decimal::new(32, 3),
    });
    records[4].resources.push(("resources.facings".into(), rust_decimal::Decimal::new(11, 1)));
    let report = MultiYearReport::new(&p, &model, &results, &cfg, records);
    kasim_report::testing::assert_consistent(&report);
    let csv = kasim_report::emit(&report, kasim_report::Format::Csv).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * (1 + p.members.len()));
    let json = kasim_report::emit(&report, kasim_report::Format::Json).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format"], "kasim.multi_year/1");
    assert!(v["cumulative"][0]["npv"]["mean"].is_string());
    let table = kasim_report::emit(&report, kasim_report::Format::Table).unwrap();
    for s in ["Year by year", "净现值", "fees.rebate.rate", "resources.facings", "Contract chain"] {
        assert!(table.contains(s), "{s}: {table}");
    }
}
