//! What users see: every case in `tests/cmd/*.toml` runs the real `kasim` binary and compares
//! stdout, stderr and the exit code. Regenerate expected output with `TRYCMD=overwrite`.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

/// Every bundled scenario validates and evaluates through the CLI in every format.
#[test]
fn every_scenario_runs_in_every_format() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<_> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && !p.ends_with("supplier.toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    let kasim = env!("CARGO_BIN_EXE_kasim");
    for f in &files {
        for args in [
            vec!["validate"],
            vec!["evaluate", "--format", "json"],
            vec!["evaluate", "--format", "csv"],
            vec!["explain"],
        ] {
            let out = std::process::Command::new(kasim).args(&args).arg(f).output().unwrap();
            assert!(out.status.success(), "{args:?} {}: {}", f.display(), String::from_utf8_lossy(&out.stderr));
            assert!(!out.stdout.is_empty());
        }
        let csv = std::process::Command::new(kasim).args(["explain", "--format", "csv"]).arg(f).output().unwrap();
        assert!(csv.stdout.starts_with(b"\xEF\xBB\xBF"), "CSV starts with a UTF-8 BOM for Excel");
        let json = std::process::Command::new(kasim).args(["evaluate", "--format", "json"]).arg(f).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert!(v["contracts"][0]["pnl"]["net_contribution"].is_string(), "money in JSON is a decimal string");
    }
}

/// `simulate` JSON is byte-identical at 1 and 2 threads, and `replay` matches its row.
#[test]
fn simulation_is_identical_at_any_thread_count() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let kasim = env!("CARGO_BIN_EXE_kasim");
    let run = |threads: &str| {
        let out = std::process::Command::new(kasim)
            .current_dir(&root)
            .args([
                "simulate",
                "scenarios/ecommerce.toml",
                "--runs",
                "3000",
                "--seed",
                "11",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(v["format"], "kasim.simulate/2");
    assert_eq!(v["outputs"][0]["output"], "net_contribution");
    assert!(v["outputs"][0]["summary"]["mean"].is_string(), "money statistics are decimal strings");
    // Risk in each output's bad tail: a cost's VaR is its P95, and it has no P(loss).
    let fees = &v["outputs"][1];
    assert_eq!(fees["output"], "fees_total");
    assert_eq!(fees["summary"]["better"], "lower");
    let p95 = fees["summary"]["percentiles"].as_array().unwrap().iter().find(|p| p[0] == 95).unwrap()[1].clone();
    assert_eq!(fees["summary"]["var95"], p95);
    assert!(fees["summary"].get("p_loss").is_none());
    let net = &v["outputs"][0]["summary"];
    assert_eq!(net["better"], "higher");
    assert_eq!(net["var95"], net["percentiles"].as_array().unwrap().iter().find(|p| p[0] == 5).unwrap()[1]);
    assert!(net["p_loss"].is_number());
}

/// `simulate --out` writes the per-scenario CSV and both charts, and nothing else.
#[test]
fn simulate_out_writes_csv_and_charts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::temp_dir().join(format!("kasim-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kasim"))
        .current_dir(&root)
        .args(["simulate", "scenarios/pharmacy.toml", "--runs", "300", "--format", "json", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["histogram.svg", "s-curve.svg", "scenarios.csv"]);
    let csv = std::fs::read_to_string(dir.join("scenarios.csv")).unwrap();
    assert_eq!(csv.lines().count(), 301);
    let svg = std::fs::read_to_string(dir.join("histogram.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    // The same chart as the report's: its mean marker carries the JSON's mean, in whole yuan.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mean: f64 = v["outputs"][0]["summary"]["mean"].as_str().unwrap().parse().unwrap();
    let mean = format!("{:.0}", mean.round());
    let grouped =
        mean.as_bytes().rchunks(3).rev().map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(",");
    assert!(svg.contains(&format!("mean 均值 {grouped}")), "mean {grouped}: {svg}");
    assert!(svg.contains("(CNY)"), "the currency on the axis");
    let tornado = dir.join("t");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kasim"))
        .current_dir(&root)
        .args(["sensitivity", "scenarios/pharmacy.toml", "--runs", "50", "--lang", "zh", "--out"])
        .arg(&tornado)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(tornado.join("tornado.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("基准") && svg.contains("输入取低值"), "{svg}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--format html --out FILE` on the report commands: one page each, with the report's
/// charts, the same bytes at any thread count, `--unit wan` in the headers and the axes.
#[test]
fn report_commands_write_html_pages() {
    let dir = std::env::temp_dir().join(format!("kasim-html-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let page = |name: &str, args: &[&str]| {
        let path = dir.join(name);
        let mut all: Vec<&str> = args.to_vec();
        let p = path.display().to_string();
        all.extend(["--format", "html", "--out", &p]);
        let out = kasim(&all);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.is_empty(), "the page goes to the file");
        std::fs::read_to_string(&path).unwrap()
    };
    let sim = ["simulate", "scenarios/supermarket.toml", "--runs", "600", "--seed", "5"];
    let one = page("sim1.html", &[&sim[..], &["--threads", "1"]].concat());
    let two = page("sim2.html", &[&sim[..], &["--threads", "2"]].concat());
    assert_eq!(one, two, "byte-identical at any thread count");
    assert!(one.starts_with("<!DOCTYPE html>") && one.matches("<svg").count() == 2, "histogram and S-curve");
    let cmp = page("cmp.html", &["compare", "scenarios/supermarket.toml", "scenarios/pharmacy.toml", "--runs", "300"]);
    assert!(cmp.contains("Sunrise 2027") && cmp.contains("Yixin Pharmacy 2027") && cmp.matches("<svg").count() == 2);
    let sens = page("sens.html", &["sensitivity", "scenarios/supermarket.toml", "--runs", "50"]);
    assert!(sens.contains("<svg") && sens.contains("uncertainty.promo_uplift"));
    let explain = page("explain.html", &["explain", "scenarios/hypermarket.toml", "--unit", "wan", "--lang", "en"]);
    assert!(explain.contains("Amount (万元)</th>") && explain.contains("(万元)\n</text>"), "wan in headers and axes");
    assert!(explain.contains("Money amounts in ten thousands"));
    for html in [&one, &cmp, &sens, &explain] {
        assert!(!html.contains(" src=") && !html.contains(" href="), "self-contained");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn kasim(args: &[&str]) -> std::process::Output {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::process::Command::new(env!("CARGO_BIN_EXE_kasim")).current_dir(root).args(args).output().unwrap()
}

/// Commands whose report has no CSV table refuse `--format csv` in the parser (exit 2,
/// nothing on stdout) instead of printing something else.
#[test]
fn commands_without_csv_refuse_it() {
    for args in [
        &["compare", "scenarios/supermarket.toml", "scenarios/pharmacy.toml"][..],
        &["sensitivity", "scenarios/supermarket.toml"],
        &["goal-seek", "scenarios/supermarket.toml", "--term", "fees.renewal.amount", "--target", "0"],
    ] {
        let mut a = args.to_vec();
        a.extend(["--format", "csv"]);
        let out = kasim(&a);
        assert_eq!(out.status.code(), Some(2), "{a:?}");
        assert!(out.stdout.is_empty(), "{a:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("invalid value 'csv'") && err.contains("[possible values: table, json, html, xlsx]"),
            "{err}"
        );
    }
}

/// Negative amounts need no `=`: `--threshold -500000`, `--target -100000`.
#[test]
fn negative_numbers_parse_without_equals() {
    let out = kasim(&["simulate", "scenarios/hypermarket.toml", "--runs", "200", "--threshold", "-500000"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("P(net contribution < -500,000.00)"));
    let json = kasim(&[
        "simulate",
        "scenarios/hypermarket.toml",
        "--runs",
        "200",
        "--threshold",
        "-500000",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["threshold"], "-500000");
    assert!(v["p_net_contribution_below_threshold"].as_f64().unwrap() > 0.0);
    let bad = kasim(&["simulate", "scenarios/hypermarket.toml", "--threshold", "lots"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// The numbers of a JSON document: every numeric leaf, and every string leaf that is a decimal.
fn json_numbers(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Number(n) => out.extend(n.as_f64()),
        serde_json::Value::String(s) => out.extend(s.parse::<f64>().ok()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_numbers(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| json_numbers(x, out)),
        _ => {}
    }
}

/// Every command's table shows only numbers its JSON has: each formatted number of the table
/// (with a decimal point, a thousands separator or a percent sign) is a JSON value rounded to
/// the shown decimals — as is, negated (costs), or × 100 (percentages).
#[test]
fn every_table_number_is_in_the_json() {
    let commands: [&[&str]; 11] = [
        &["evaluate", "scenarios/hypermarket.toml", "scenarios/warehouse-club.toml"],
        &["explain", "scenarios/supermarket.toml"],
        &["replay", "scenarios/supermarket.toml", "--scenario", "5"],
        &["simulate", "scenarios/hypermarket.toml", "--runs", "300", "--threshold", "-500000"],
        &["compare", "scenarios/supermarket.toml", "scenarios/pharmacy.toml", "--runs", "300"],
        &["sensitivity", "scenarios/supermarket.toml", "--runs", "100"],
        &[
            "goal-seek",
            "scenarios/supermarket.toml",
            "--term",
            "fees.renewal.amount",
            "--target",
            "-100000",
            "--high",
            "2000000",
            "--runs",
            "100",
        ],
        &["negotiate", "scenarios/negotiation-seed-case.toml", "--supplier", "conceder", "--buyer", "anchoring"],
        &["advise", "scenarios/negotiation-seed-case.toml", "--margin", "0.35"],
        &["negotiate", "scenarios/negotiation-seed-case.toml", "--tournament", "--runs", "5"],
        &["brief", "scenarios/hypermarket.toml", "crates/cli/tests/fixtures/hypermarket-draft.toml", "--runs", "300"],
    ];
    for args in commands {
        let table = kasim(args);
        assert!(table.status.success(), "{args:?}: {}", String::from_utf8_lossy(&table.stderr));
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        let json = kasim(&a);
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let mut numbers = Vec::new();
        json_numbers(&v, &mut numbers);
        let text = String::from_utf8_lossy(&table.stdout).into_owned();
        // Prose lines (titles, notes, the formula column) are not table cells.
        let cells: Vec<&str> = text
            .lines()
            .filter(|l| {
                !l.contains(" = ") && !l.contains(" — ") && !l.starts_with("Base:") && !l.contains("Reconciliation")
            })
            .flat_map(|l| l.split("  "))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        for cell in cells {
            let t = cell.trim_end_matches('%');
            let plain = t.replace(',', "");
            let Ok(shown) = plain.parse::<f64>() else { continue };
            if !(cell.contains('.') || cell.contains(',') || cell.contains('%')) {
                continue;
            }
            let dp = plain.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
            let scale = 10f64.powi(dp);
            let round = |x: f64| (x * scale).round() / scale;
            let ok = numbers.iter().any(|&j| {
                [j, -j, j * 100.0].iter().any(|&c| (round(c) - shown).abs() <= 0.5 / scale + 1e-9 * shown.abs())
            });
            assert!(ok, "{args:?}: table cell `{cell}` is not in the JSON");
        }
    }
}

/// Issue 9 item 5: under `ulimit -v`, a run too large for the process's address space is
/// refused with exit 2 and a message (it aborted with SIGABRT when only MemAvailable was read).
#[cfg(target_os = "linux")]
#[test]
fn runs_beyond_a_process_memory_limit_are_refused() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = format!(
        "ulimit -v 1048576 && exec '{}' simulate scenarios/hypermarket.toml --runs 50000000",
        env!("CARGO_BIN_EXE_kasim")
    );
    let out = std::process::Command::new("sh").arg("-c").arg(script).current_dir(root).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("50000000 runs × 1 contracts need 2400000000 bytes of results, above the limit of"), "{err}");
    assert!(out.stdout.is_empty());
}

/// Issue 10 §1: a draft that `extends` last year's contract. Validation problems point into
/// the file that states the bad value (the parent for an inherited one, the draft for an
/// override), exit 2 with nothing on stdout; `explain` lists where each term comes from, in
/// the table and in the JSON.
#[test]
fn extends_locates_problems_in_each_file_and_explain_shows_the_sources() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let kasim = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kasim")).current_dir(&root).args(args).output().unwrap()
    };
    let out = kasim(&["validate", "crates/cli/tests/fixtures/extends/draft.toml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("error: crates/cli/tests/fixtures/extends/base/last-year.toml:16:51: skus[1].shelf_price.margin"),
        "{err}"
    );
    assert!(err.contains("error: crates/cli/tests/fixtures/extends/draft.toml:7:8: fees[0].rate"), "{err}");

    let out = kasim(&["explain", "scenarios/handbook-2027-draft.toml", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources = v["sources"].as_array().expect("a draft's explain JSON lists its sources");
    let find = |item: &str| sources.iter().find(|s| s["item"] == item).unwrap_or_else(|| panic!("{item}"));
    let draft = "scenarios/handbook-2027-draft.toml";
    let last = "scenarios/handbook-2026.toml";
    let text = |f: &str| std::fs::read_to_string(root.join(f)).unwrap();
    let line = |f: &str, needle: &str| text(f)[..text(f).find(needle).unwrap()].matches('\n').count() + 1;
    let entry = find("fees.entry");
    assert_eq!(
        (&entry["status"], &entry["file"], &entry["changed"]),
        (&"overridden".into(), &draft.into(), &"amount".into())
    );
    assert_eq!(entry["line"], line(draft, "id = \"entry\"") - 1, "the line of the draft's [[fees]] header");
    let promoters = find("fees.promoters");
    assert_eq!((&promoters["status"], &promoters["file"]), (&"inherited".into(), &last.into()));
    assert_eq!(promoters["line"], line(last, "id = \"promoters\"") - 1);
    assert_eq!(find("fees.festival")["status"], "removed");
    assert_eq!(find("fees.anniversary")["status"], "added");
    assert_eq!(find("payment")["changed"], "days");
    // A contract read from one file has no sources.
    let out = kasim(&["explain", last, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("sources").is_none());
    let table = kasim(&["explain", last]);
    assert!(!String::from_utf8_lossy(&table.stdout).contains("条款来源"));
}

/// `--format xlsx --out FILE` on every report command: the workbook is written whole, reads
/// back (calamine) with every numeric table cell a JSON value of the same command (as is,
/// negated for costs, × 100 for percentages, × 10,000 with `--unit wan`), is byte-identical at
/// any thread count, and an unwritable path writes nothing (exit 2).
#[test]
fn xlsx_out_reads_back_equal_to_the_json() {
    use calamine::{Data, Reader};
    let dir = std::env::temp_dir().join(format!("kasim-xlsx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let commands: [&[&str]; 8] = [
        &["evaluate", "scenarios/hypermarket.toml", "scenarios/warehouse-club.toml"],
        &["replay", "scenarios/supermarket.toml", "--scenario", "3"],
        &["negotiate", "scenarios/negotiation-seed-case.toml"],
        &["advise", "scenarios/negotiation-seed-case.toml"],
        &["simulate", "scenarios/pharmacy.toml", "--runs", "300"],
        &["compare", "scenarios/supermarket.toml", "scenarios/pharmacy.toml", "--runs", "200"],
        &["explain", "scenarios/hypermarket.toml"],
        &["sensitivity", "scenarios/supermarket.toml", "--runs", "100"],
    ];
    for (k, cmd) in commands.iter().enumerate() {
        let json = kasim(&[cmd, &["--format", "json"][..]].concat());
        assert!(json.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&json.stderr));
        let mut numbers = Vec::new();
        json_numbers(&serde_json::from_slice(&json.stdout).unwrap(), &mut numbers);
        let in_json = |x: f64| {
            [x, -x, x * 100.0].iter().any(|y| numbers.iter().any(|n| (n - y).abs() <= 1e-9 * n.abs().max(1.0)))
        };
        for (lang, unit, summary) in [("both", "yuan", "Summary"), ("zh", "wan", "摘要")] {
            let file = dir.join(format!("{k}-{unit}.xlsx"));
            let args = [cmd, &["--format", "xlsx", "--lang", lang, "--unit", unit, "--out"][..]].concat();
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_kasim"))
                .current_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
                .args(&args)
                .arg(&file)
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            assert!(out.stdout.is_empty(), "nothing on stdout with --out");
            let bytes = std::fs::read(&file).unwrap();
            let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let names = wb.sheet_names();
            assert_eq!(names[0], summary, "{cmd:?}");
            assert!(names.len() >= 2, "{cmd:?}: {names:?}");
            let scale = if unit == "wan" { 10_000.0 } else { 1.0 };
            let mut checked = 0;
            for name in names.iter().skip(1).filter(|n| !matches!(n.as_str(), "Chart data" | "图表数据")) {
                let range = wb.worksheet_range(name).unwrap();
                for (_, col, cell) in range.used_cells() {
                    if let Data::Float(x) = cell {
                        // Column A of a table is its row label (a rank may be a number).
                        if col > 0 {
                            let found = in_json(*x) || in_json(x * scale);
                            assert!(found, "{cmd:?} {lang} {unit}: `{name}` holds {x}, not in the JSON");
                            checked += 1;
                        }
                    }
                    if let Data::String(s) = cell {
                        let t = s.replace([',', '%'], "");
                        assert!(
                            t.parse::<f64>().is_err() || t.len() > 15,
                            "{cmd:?}: `{name}` has a number as text: {s}"
                        );
                    }
                }
            }
            assert!(checked > 0, "{cmd:?}: no numeric cell");
        }
    }
    // Byte-identical at 1 and 2 threads.
    let run = |threads: &str| {
        let file = dir.join(format!("t{threads}.xlsx"));
        let args =
            ["simulate", "scenarios/hypermarket.toml", "--runs", "300", "--threads", threads, "--format", "xlsx"];
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kasim"))
            .current_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
            .args(args)
            .arg("--out")
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read(&file).unwrap()
    };
    assert!(run("1") == run("2"), "the workbook differs between 1 and 2 threads");
    // An unwritable path: exit 2, no file, no temporary left behind.
    let missing = dir.join("no-such-dir").join("r.xlsx");
    let out = kasim(&["explain", "scenarios/hypermarket.toml", "--format", "xlsx", "--out", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
    assert!(!missing.exists() && !dir.join("no-such-dir").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kasim brief` on last year's hypermarket contract and the buyer's draft with most fees
/// doubled: the doubled entry fee shows its exact change, the clauses are ranked by money, the
/// tail allocation adds up, the JSON is identical at 1 and 2 threads, and the CSV is the
/// clause table.
#[test]
fn brief_ranks_clauses_and_is_deterministic() {
    let base = "scenarios/hypermarket.toml";
    let draft = "crates/cli/tests/fixtures/hypermarket-draft.toml";
    let run = |threads: &str| {
        let out =
            kasim(&["brief", base, draft, "--runs", "2000", "--seed", "7", "--format", "json", "--threads", threads]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"), "byte-identical at any thread count");
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(v["format"], "kasim.brief/1");
    assert_eq!(v["runs"], 2000);
    let clauses = v["clauses"].as_array().unwrap();
    let entry = clauses.iter().find(|c| c["id"] == "entry").unwrap();
    // 300,000 → 600,000: +300,000.00 exactly, on the plan and in every scenario.
    assert_eq!(entry["change_plan"], "300000.00");
    assert_eq!(entry["change_mean"], "300000.00");
    assert_eq!(entry["status"], "changed");
    // Listing fees double per store and SKU: 1,080,000 → 2,160,000, the largest change.
    assert_eq!(clauses[0]["id"], "listing");
    assert_eq!(clauses[0]["rank"], 1);
    assert_eq!(clauses[0]["change_plan"], "1080000.00");
    let change = |c: &serde_json::Value| c["change_plan"].as_str().unwrap().parse::<f64>().unwrap().abs();
    assert!(clauses.windows(2).all(|w| change(&w[0]) >= change(&w[1])));
    // Unchanged clauses change by nothing.
    let dm = clauses.iter().find(|c| c["id"] == "dm").unwrap();
    assert_eq!((dm["status"].as_str(), dm["change_plan"].as_str()), (Some("unchanged"), Some("0.00")));
    // The plan changes add up to the fees' change.
    let d = |x: &serde_json::Value| x.as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    let sum: rust_decimal::Decimal = clauses.iter().map(|c| d(&c["change_plan"])).sum();
    assert_eq!(sum, d(&v["headline"]["fees_plan_change"]));
    // The tail allocation: Σ clauses = tail fees, and the components give the CVaR.
    for r in v["risk"].as_array().unwrap() {
        let t = &r["tail"];
        assert_eq!(t["scenarios"], 100);
        let clause_sum: rust_decimal::Decimal =
            r["clauses"].as_array().unwrap().iter().map(|c| d(&c["tail_sum"])).sum();
        assert_eq!(clause_sum, d(&t["fees"]));
        assert_eq!(
            d(&t["net_invoiced"]) - d(&t["fees"]) - d(&t["cost_of_goods"]) - d(&t["financing"]),
            d(&t["net_contribution"])
        );
    }
    // The 保底 floor is shown with the clauses it tops up.
    let floor = v["interactions"].as_array().unwrap().iter().find(|i| i["kind"] == "floor").unwrap();
    assert_eq!(floor["members"], serde_json::json!(["unconditional", "info-service", "volume-rebate"]));
    // CSV: the clause table, ranked.
    let csv = kasim(&["brief", base, draft, "--runs", "300", "--format", "csv"]);
    assert!(csv.status.success());
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.lines().nth(1).unwrap().starts_with("1,listing,"), "{text}");
    // A contract without [uncertainty] is refused with exit 2 and nothing on stdout.
    let bad = kasim(&["brief", base, "crates/cli/tests/fixtures/float-rate.toml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
}

/// `kasim calibrate`: the messy GBK export onto the supermarket contract, the synthetic
/// weekly history onto its contract, located errors, output modes.
mod calibrate {
    use super::kasim;

    fn tmp(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("kasim-cli-calibrate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn messy_gbk_export_calibrates_the_supermarket_contract() {
        let dir = tmp("messy");
        let out = dir.join("sunrise.toml");
        let args = [
            "calibrate",
            "scenarios/actuals/sunrise-weekly-gbk.csv",
            "--contract",
            "scenarios/supermarket.toml",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ];
        let r = kasim(&args);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(v["format"], "kasim.calibrate/1");
        let s = &v["summary"];
        assert_eq!((s["rows"].as_u64(), s["skus"].as_u64(), s["periods"].as_u64()), (Some(1025), Some(9), Some(30)));
        assert_eq!(s["files"][0]["encoding"], "GBK/GB18030");
        assert_eq!(s["files"][0]["skipped_totals"], 1);
        assert_eq!(s["first_date"], "2024-01-01");
        let warnings =
            v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect::<Vec<_>>().join("\n");
        assert!(
            warnings.contains("HM-OLD90: no sales after 2025-05") && warnings.contains("HM-DN175: baseline from only"),
            "{warnings}"
        );
        // Monthly σ of a weekly σ of 0.22: about 0.22/√4.35.
        let sigma = v["calibration"]["demand_sigma"]["value"].as_f64().unwrap();
        assert!((0.07..0.15).contains(&sigma), "{sigma}");
        // The gift box keeps its own Spring Festival peak.
        let gb = v["calibration"]["skus"].as_array().unwrap().iter().find(|s| s["sku"] == "HM-GB12").unwrap();
        assert!(gb["seasonality"][0].as_f64().unwrap() > 3.0 * gb["seasonality"][5].as_f64().unwrap());
        let b = &v["backtest"];
        assert_eq!((b["fit_periods"].as_u64(), b["holdout_periods"].as_u64()), (Some(20), Some(10)));
        assert!(b["mape_units"].as_f64().unwrap() < 0.3);
        // The written file: extends the contract by a path relative to it, loads and simulates.
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains(&format!(
                "extends = \"{}\"",
                v["calibrated_contract"]
                    .as_str()
                    .unwrap()
                    .lines()
                    .nth(2)
                    .unwrap()
                    .trim_start_matches("extends = \"")
                    .trim_end_matches('"')
            )));
        assert_eq!(text, v["calibrated_contract"].as_str().unwrap());
        assert!(text.contains("units = [0, 0, "), "the new SKU stays unlisted in January and February");
        let sim = kasim(&["simulate", out.to_str().unwrap(), "--runs", "200", "--format", "json"]);
        assert!(sim.status.success(), "{}", String::from_utf8_lossy(&sim.stderr));
        // Deterministic: the same run gives the same bytes.
        let again = kasim(&args);
        assert_eq!(again.stdout, r.stdout);
        // The committed calibrated scenario is what calibrate writes there.
        let bundled = kasim(&[
            "calibrate",
            "scenarios/actuals/sunrise-weekly-gbk.csv",
            "--contract",
            "scenarios/supermarket.toml",
        ]);
        assert!(bundled.status.success());
        let committed = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/actuals/sunrise-calibrated.toml"),
        )
        .unwrap();
        let stdout = String::from_utf8_lossy(&bundled.stdout)
            .replace("extends = \"scenarios/supermarket.toml\"", "extends = \"../supermarket.toml\"");
        assert_eq!(stdout, committed);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn synthetic_weekly_history_round_trips_through_the_cli() {
        use kasim_actuals::synthetic::{Spec, contract_toml, generate, to_csv};
        let dir = tmp("synthetic");
        let spec = Spec { skus: 10, ..Spec::default() };
        std::fs::write(dir.join("contract.toml"), contract_toml(&spec, true)).unwrap();
        std::fs::write(dir.join("sales.csv"), to_csv(&generate(&spec))).unwrap();
        let d = |p: &str| dir.join(p).to_str().unwrap().to_string();
        let r = kasim(&[
            "calibrate",
            &d("sales.csv"),
            "--contract",
            &d("contract.toml"),
            "--out",
            &d("calibrated.toml"),
            "--format",
            "csv",
        ]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let csv = String::from_utf8_lossy(&r.stdout);
        assert!(csv.starts_with("\u{feff}parameter,"), "{csv}");
        let eps: f64 =
            csv.lines().find(|l| l.starts_with("elasticity,")).unwrap().split(',').nth(2).unwrap().parse().unwrap();
        assert!((eps - 2.0).abs() < 0.2, "{eps}");
        let text = std::fs::read_to_string(dir.join("calibrated.toml")).unwrap();
        assert!(text.contains("extends = \"contract.toml\""));
        let ev = kasim(&["evaluate", &d("calibrated.toml"), "--format", "json"]);
        assert!(ev.status.success(), "{}", String::from_utf8_lossy(&ev.stderr));
        // Report to a file as xlsx; the contract to stdout.
        let r = kasim(&[
            "calibrate",
            &d("sales.csv"),
            "--contract",
            &d("contract.toml"),
            "--format",
            "xlsx",
            "--report",
            &d("report.xlsx"),
            "--runs",
            "50",
        ]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(String::from_utf8_lossy(&r.stdout).starts_with("# Calibrated by `kasim calibrate`"));
        assert!(std::fs::read(dir.join("report.xlsx")).unwrap().starts_with(b"PK"));
        // xlsx without --report is refused before anything runs.
        let r = kasim(&["calibrate", &d("sales.csv"), "--contract", &d("contract.toml"), "--format", "xlsx"]);
        assert_eq!(r.status.code(), Some(2));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn input_errors_are_located_and_write_nothing() {
        let dir = tmp("errors");
        let d = |p: &str| dir.join(p).to_str().unwrap().to_string();
        let mut text = String::from("Item Code,Week Start,Sold,Price\n");
        for w in 0..20 {
            let units = if w == 15 { "1O".to_string() } else { (40 + w).to_string() };
            text.push_str(&format!("HM-RC200,2025-{:02}-{:02},{units},12.9\n", 1 + w / 4, 1 + 7 * (w % 4)));
        }
        std::fs::write(dir.join("export.csv"), &text).unwrap();
        let base = ["calibrate", "--contract", "scenarios/supermarket.toml"];
        let run = |extra: &[&str]| {
            let mut a: Vec<String> = base.iter().map(|s| s.to_string()).collect();
            a.insert(1, d("export.csv"));
            a.extend(extra.iter().map(|s| s.to_string()));
            a.extend(["--out".to_string(), d("out.toml")]);
            kasim(&a.iter().map(String::as_str).collect::<Vec<_>>())
        };
        // `Sold` is not recognised: the error lists the headers.
        let r = run(&[]);
        assert_eq!(r.status.code(), Some(2));
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(
            err.contains("no units column") && err.contains("the headers are: Item Code, Week Start, Sold, Price"),
            "{err}"
        );
        // Named by a flag: now the bad number in row 17 is located.
        let r = run(&["--column", "units=Sold"]);
        assert_eq!(r.status.code(), Some(2));
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains("export.csv: row 17, column C `Sold` (units): not a number: `1O`"), "{err}");
        assert!(r.stdout.is_empty());
        assert!(!dir.join("out.toml").exists(), "nothing written on error");
        // --out naming an input is refused.
        let r = kasim(&[
            "calibrate",
            "scenarios/actuals/sunrise-weekly-gbk.csv",
            "--contract",
            "scenarios/supermarket.toml",
            "--out",
            "scenarios/supermarket.toml",
        ]);
        assert_eq!(r.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&r.stderr).contains("is an input file"));
        // A mapping file does the same; a role typo in it is located.
        std::fs::write(dir.join("map.toml"), "[columns]\ndate = \"Week Start\"\nunit = \"Sold\"\n").unwrap();
        let r = run(&["--column", "units=Solds"]);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains("units = `Solds`: no such column; the headers are: Sold, "), "{err}");
        let r = run(&["--mapping", &d("map.toml")]);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains("map.toml:3:1: unknown column role `unit`"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `kasim track`: the Sunrise 2027 year to date, the GBK statement, --previous, --calibrated,
/// every format, determinism across thread counts, and located errors that write nothing.
mod track {
    use super::kasim;

    const YTD: &str = "scenarios/actuals/sunrise-2027-ytd.csv";
    const STATEMENT: &str = "scenarios/actuals/sunrise-2027-statement-gbk.csv";

    fn tmp(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("kasim-cli-track-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn json(args: &[&str]) -> serde_json::Value {
        let r = kasim(args);
        assert!(r.status.success(), "{args:?}: {}", String::from_utf8_lossy(&r.stderr));
        serde_json::from_slice(&r.stdout).unwrap()
    }

    #[test]
    fn the_year_to_date_settles_and_the_statement_reconciles() {
        let base = ["track", "scenarios/supermarket.toml", "--actuals", YTD, "--runs", "300", "--format", "json"];
        let mut args = base.to_vec();
        args.extend(["--statement", STATEMENT]);
        let v = json(&args);
        assert_eq!(v["format"], "kasim.track/1");
        assert_eq!((v["year"].as_u64(), v["closed"].as_u64(), v["periods"].as_u64()), (Some(2027), Some(4), Some(12)));
        // The exact YTD: renewal 80,000 and the festival fee 300 × 95 stores in January.
        let lines = v["ytd"]["lines"].as_array().unwrap();
        let amount = |rule: &str, p: u64| {
            lines.iter().find(|l| l["rule"] == rule && l["period"].as_u64() == Some(p)).map(|l| l["amount"].clone())
        };
        assert_eq!(amount("renewal", 1), Some(serde_json::json!("80000.00")));
        assert_eq!(amount("festival", 1), Some(serde_json::json!("28500.00")));
        assert_eq!(v["ytd"]["fees"], "263112.38");
        let rec = &v["reconciliation"];
        assert_eq!(rec["counts"], serde_json::json!([18, 1, 1, 1, 1]));
        let mis = rec["items"].as_array().unwrap().iter().find(|i| i["status"] == "mismatched").unwrap();
        assert_eq!((&mis["rule"], &mis["difference"]), (&serde_json::json!("festival"), &serde_json::json!("1500.00")));
        // Accruals add up to the expected fees total.
        let periods = v["accruals"]["periods"].as_array().unwrap();
        assert_eq!(periods.last().unwrap()["cumulative"], v["accruals"]["expected_total"]);
        assert_eq!(v["accruals"]["expected_total"], v["distribution"][0]["mean"]);
        // Byte-identical at 1 and 2 threads.
        let one = kasim(&[&args[..], &["--threads", "1"]].concat());
        let two = kasim(&[&args[..], &["--threads", "2"]].concat());
        assert_eq!(one.stdout, two.stdout);
    }

    /// Nothing closed: the distribution is `kasim simulate`'s, figure for figure.
    #[test]
    fn nothing_closed_is_kasim_simulate() {
        let sim = json(&["simulate", "scenarios/supermarket.toml", "--runs", "500", "--seed", "4", "--format", "json"]);
        let t = json(&[
            "track",
            "scenarios/supermarket.toml",
            "--actuals",
            YTD,
            "--as-of",
            "0",
            "--runs",
            "500",
            "--seed",
            "4",
            "--format",
            "json",
        ]);
        assert_eq!(t["closed"], 0);
        for (i, key) in [(0, "net_contribution"), (1, "fees_total"), (2, "net_invoiced")] {
            let s = &sim["outputs"][i]["summary"];
            assert_eq!(sim["outputs"][i]["output"], key);
            let d = t["distribution"].as_array().unwrap().iter().find(|d| d["key"] == key).unwrap();
            let pct = |p: u64| s["percentiles"].as_array().unwrap().iter().find(|x| x[0] == p).unwrap()[1].clone();
            assert_eq!(
                (&d["mean"], &d["p10"], &d["p50"], &d["p90"]),
                (&s["mean"], &pct(10), &pct(50), &pct(90)),
                "{key}"
            );
        }
    }

    #[test]
    fn previous_run_calibrated_model_and_formats() {
        let dir = tmp("formats");
        let last = dir.join("last.json");
        let r = kasim(&[
            "track",
            "scenarios/supermarket.toml",
            "--actuals",
            YTD,
            "--as-of",
            "2",
            "--runs",
            "200",
            "--format",
            "json",
            "--out",
            last.to_str().unwrap(),
        ]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let v = json(&[
            "track",
            "scenarios/supermarket.toml",
            "--actuals",
            YTD,
            "--calibrated",
            "scenarios/actuals/sunrise-calibrated.toml",
            "--previous",
            last.to_str().unwrap(),
            "--runs",
            "200",
            "--format",
            "json",
        ]);
        assert_eq!(v["accruals"]["previous_closed"], 2);
        let changes = v["accruals"]["changes"].as_array().unwrap();
        let renewal = changes.iter().find(|c| c["rule"] == "renewal").unwrap();
        assert_eq!(
            (&renewal["expected_change"], &renewal["accrued_change"]),
            (&serde_json::json!("0.00"), &serde_json::json!("0.00"))
        );
        assert!(changes.iter().any(|c| c["accrued_change"] != "0.00"));
        for (format, file) in [("csv", "t.csv"), ("html", "t.html"), ("xlsx", "t.xlsx"), ("table", "t.txt")] {
            let out = dir.join(file);
            let r = kasim(&[
                "track",
                "scenarios/supermarket.toml",
                "--actuals",
                YTD,
                "--statement",
                STATEMENT,
                "--runs",
                "100",
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(r.status.success(), "{format}: {}", String::from_utf8_lossy(&r.stderr));
            let bytes = std::fs::read(&out).unwrap();
            assert!(bytes.len() > 500, "{format}");
            if format == "csv" {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.lines().nth(1).unwrap().starts_with("fees_total,"), "{text}");
            }
        }
    }

    #[test]
    fn a_bad_statement_is_located_and_nothing_is_written() {
        let dir = tmp("bad");
        let st = dir.join("st.csv");
        std::fs::write(&st, "日期,费用类型,金额,单号\n2027-01-31,进场费,80000,A\n2027-02-28,DM费,六千,B\n").unwrap();
        let out = dir.join("report.json");
        let r = kasim(&[
            "track",
            "scenarios/supermarket.toml",
            "--actuals",
            YTD,
            "--statement",
            st.to_str().unwrap(),
            "--runs",
            "50",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.status.code(), Some(2));
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(
            err.contains("st.csv") && err.contains("row 3") && err.contains("六千") && err.contains("金额"),
            "{err}"
        );
        assert!(!out.exists());
        // A header it does not know, named with --statement-column.
        std::fs::write(&st, "扣款日,项目名称,扣款额\n2027-01-31,合同续签费,80000\n").unwrap();
        let args = ["track", "scenarios/supermarket.toml", "--actuals", YTD, "--runs", "20", "--format", "json"];
        let r = kasim(&[&args[..], &["--statement", st.to_str().unwrap()]].concat());
        assert_eq!(r.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&r.stderr).contains("no fee_type column"),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        let named = [
            "--statement",
            st.to_str().unwrap(),
            "--statement-column",
            "fee_type=项目名称",
            "--statement-column",
            "amount=扣款额",
        ];
        let v = json(&[&args[..], &named[..]].concat());
        assert_eq!(v["reconciliation"]["items"][0]["status"], "matched");
        let r = kasim(&["track", "scenarios/supermarket.toml", "--actuals", YTD, "--as-of", "13"]);
        assert_eq!(r.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&r.stderr).contains("--as-of 13"));
    }
}

#[path = "cli/hostile.rs"]
mod hostile;
#[path = "cli/portfolio.rs"]
mod portfolio;
#[path = "cli/views.rs"]
mod views;

#[path = "cli/multi_year.rs"]
mod multi_year;
