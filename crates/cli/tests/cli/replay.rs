//! `kasim replay PORTFOLIO --scenario K`: the replayed scenarios' chains are the portfolio
//! run's rows (their mean is `kasim portfolio`'s mean, per retailer), in every format.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn kasim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kasim")).current_dir(root()).args(args).output().unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = kasim(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Cents of a decimal string ("-1234.50" → -123450).
fn cents(v: &serde_json::Value) -> i128 {
    let s = v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}"));
    let d: rust_decimal::Decimal = s.parse().unwrap();
    (d * rust_decimal::Decimal::from(100)).trunc().try_into().unwrap()
}

const FILE: &str = "scenarios/portfolio/ka-channel.toml";

/// Four scenarios replayed one by one: each chain's mean net contribution and fees over them
/// are `kasim portfolio --runs 4`'s, to the cent; each chain's ledger reconciles to its
/// totals; the channel total is the chains' sum; the claims add up.
#[test]
fn replayed_scenarios_are_the_portfolio_runs_rows() {
    let runs = 4usize;
    let p = json(&["portfolio", FILE, "--runs", "4", "--seed", "5", "--format", "json"]);
    let retailers = p["retailers"].as_array().unwrap();
    let mut net = vec![0i128; retailers.len()];
    let mut fees = vec![0i128; retailers.len()];
    let mut any_claim = false;
    for k in 0..runs {
        let r = json(&["replay", FILE, "--scenario", &k.to_string(), "--seed", "5", "--format", "json"]);
        assert_eq!(r["format"], "kasim.portfolio-replay/1");
        assert_eq!(r["scenario"], k as u64);
        let chains = r["chains"].as_array().unwrap();
        assert_eq!(chains.len(), retailers.len());
        let mut total = 0;
        for (i, c) in chains.iter().enumerate() {
            assert_eq!(c["id"], retailers[i]["id"]);
            let nc = cents(&c["net_contribution"]);
            assert_eq!(nc, cents(&c["explain"]["pnl"]["net_contribution"]), "the ledger's P&L is the row");
            assert_eq!(cents(&c["fees_total"]), cents(&c["explain"]["pnl"]["fees_total"]));
            net[i] += nc;
            fees[i] += cents(&c["fees_total"]);
            total += nc;
        }
        assert_eq!(cents(&r["net_contribution"]), total);
        let claims = r["claims"].as_array().unwrap();
        let claimed: i128 = claims.iter().map(|c| cents(&c["cost"])).sum();
        assert_eq!(cents(&r["claims_total"]), claimed);
        any_claim |= claimed > 0;
        assert_eq!(r["drivers"].as_array().unwrap().len(), 12);
        assert_eq!(r["capacity"].as_array().unwrap().len(), 12);
    }
    assert!(any_claim, "the bundled channel's cascade claims");
    for (i, r) in retailers.iter().enumerate() {
        let mean = cents(&r["net_contribution"]["mean"]);
        assert!((net[i] - mean * runs as i128).abs() <= runs as i128, "{}: {} vs {mean}", r["id"], net[i]);
        let mean_fees = cents(&r["mean_fees"]);
        assert!((fees[i] - mean_fees * runs as i128).abs() <= runs as i128, "{}: fees", r["id"]);
    }
}

/// Every format: the terminal table names the sections, CSV is the chains' table, html and
/// xlsx write a file; a bad scenario index and a missing file exit 2.
#[test]
fn portfolio_replay_in_every_format() {
    let out = kasim(&["replay", FILE, "--scenario", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    for want in ["Shared drivers drawn", "DC capacity per period", "Lowest-market-price claims", "warehouse-club"] {
        assert!(table.contains(want), "{want}: {table}");
    }
    let csv = kasim(&["replay", FILE, "--scenario", "3", "--format", "csv"]);
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(text.lines().count(), 5, "header + 4 chains: {text}");
    let dir = std::env::temp_dir().join(format!("kasim-replay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [("html", "r.html"), ("xlsx", "r.xlsx")] {
        let path = dir.join(name);
        let out = kasim(&["replay", FILE, "--scenario", "3", "--format", format, "--out", path.to_str().unwrap()]);
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
