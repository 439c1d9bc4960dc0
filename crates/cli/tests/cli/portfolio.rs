//! `kasim portfolio`: values, byte-identical output at any thread count, every format, and
//! located errors with exit code 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn kasim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kasim")).current_dir(root()).args(args).output().unwrap()
}

/// Cents of a decimal string ("-1234.50" → -123450).
fn cents(v: &serde_json::Value) -> i128 {
    let s = v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}"));
    let (whole, frac) = s.split_once('.').unwrap_or((s, "00"));
    let neg = whole.starts_with('-');
    let w: i128 = whole.trim_start_matches('-').parse().unwrap();
    let f: i128 = format!("{frac:0<2}")[..2].parse().unwrap();
    let c = w * 100 + f;
    if neg { -c } else { c }
}

const FILE: &str = "scenarios/portfolio/ka-channel.toml";

#[test]
fn portfolio_json_is_identical_at_any_thread_count_and_adds_up() {
    let run = |threads: &str| {
        let out = kasim(&["portfolio", FILE, "--runs", "400", "--seed", "3", "--format", "json", "--threads", threads]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(v["format"], "kasim.portfolio/1");
    let retailers = v["retailers"].as_array().unwrap();
    let ids: Vec<&str> = retailers.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["hypermarket", "supermarket", "pharmacy", "warehouse-club"]);
    // The Euler allocation: retailers' tail sums add up to the portfolio's, to the cent.
    let parts: i128 = retailers.iter().map(|r| cents(&r["tail_sum"])).sum();
    assert_eq!(parts, cents(&v["tail"]["sum"]));
    assert_eq!(v["tail"]["holds"], true);
    assert_eq!(v["tail"]["scenarios"], 20);
    assert_eq!(v["tail"]["cvar95"], v["net_contribution"]["cvar95"]);
    // Means per retailer add up to the channel's mean (each rounded to the cent).
    let means: i128 = retailers.iter().map(|r| cents(&r["net_contribution"]["mean"])).sum();
    assert!((means - cents(&v["net_contribution"]["mean"])).abs() <= 2);
    // Diversification: the portfolio's tail is less bad than the sum of the retailers' tails.
    let div = &v["diversification"];
    let standalone: i128 = retailers.iter().map(|r| cents(&r["standalone_cvar95"])).sum();
    assert_eq!(standalone, cents(&div["standalone_sum"]));
    assert_eq!(cents(&div["benefit"]), cents(&div["portfolio_cvar95"]) - standalone);
    assert!(cents(&div["benefit"]) >= 0);
    // The cascade: promotions at the hypermarket trigger claims at the chains with a
    // lowest-price clause, and what the chains pay adds up to what the promotions trigger.
    let cascade = v["cascade"].as_array().unwrap();
    assert!(cascade.iter().any(|c| c["chain"] == "hypermarket" && cents(&c["cascade_cost"]) > 0));
    let triggered: i128 = cascade.iter().map(|c| cents(&c["cascade_cost"])).sum();
    let paid: i128 = retailers.iter().map(|r| cents(&r["cascade_paid"])).sum();
    assert!((triggered - paid).abs() <= cascade.len() as i128, "{triggered} vs {paid}");
}

#[test]
fn portfolio_in_every_format() {
    let out = kasim(&["portfolio", FILE, "--runs", "100"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("Contribution to CVaR 95%") && table.contains("warehouse-club"), "{table}");
    let csv = kasim(&["portfolio", FILE, "--runs", "100", "--format", "csv"]);
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(text.lines().count(), 5, "header + 4 retailers: {text}");
    let dir = std::env::temp_dir().join(format!("kasim-portfolio-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [("html", "p.html"), ("xlsx", "p.xlsx")] {
        let path = dir.join(name);
        let out = kasim(&["portfolio", FILE, "--runs", "100", "--format", format, "--out", path.to_str().unwrap()]);
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn portfolio_errors_are_located_with_exit_code_2() {
    let dir = std::env::temp_dir().join(format!("kasim-portfolio-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p.toml");
    std::fs::write(&file, "name = \"x\"\n\n[[contracts]]\nfile = \"gone.toml\"\n").unwrap();
    let out = kasim(&["portfolio", file.to_str().unwrap(), "--runs", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("p.toml:4:8") && err.contains("contracts[0].file") && err.contains("gone.toml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
