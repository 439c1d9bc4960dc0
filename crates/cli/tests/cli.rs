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
    assert_eq!(v["format"], "kasim.simulate/1");
    assert_eq!(v["outputs"][0]["output"], "net_contribution");
    assert!(v["outputs"][0]["summary"]["mean"].is_string(), "money statistics are decimal strings");
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
