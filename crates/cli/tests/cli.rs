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
    assert!(std::fs::read_to_string(dir.join("histogram.svg")).unwrap().starts_with("<svg"));
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
