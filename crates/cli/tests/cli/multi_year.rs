//! `kasim portfolio FILE` with `[multi_year]`: values, year 1 equal to the portfolio run,
//! byte-identical output at any thread count, every format, located errors.

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

/// Cents of a decimal string.
fn cents(v: &serde_json::Value) -> i128 {
    let d: rust_decimal::Decimal = v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap();
    (d * rust_decimal::Decimal::ONE_HUNDRED).round().try_into().unwrap()
}

const FILE: &str = "scenarios/portfolio/ka-3-years.toml";

#[test]
fn multi_year_json_values_and_thread_independence() {
    let run = |threads: &str| {
        let out = kasim(&["portfolio", FILE, "--runs", "300", "--seed", "4", "--format", "json", "--threads", threads]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(v["format"], "kasim.multi_year/1");
    assert_eq!(v["spec"]["years"], 3);
    let years = v["years"].as_array().unwrap();
    assert_eq!(years.len(), 3 * 5, "channel + 4 retailers per year");
    // Per year, the channel's mean fees are the retailers' (each to the cent).
    for y in years.chunks(5) {
        let parts: i128 = y[1..].iter().map(|l| cents(&l["mean_fees"])).sum();
        assert!((parts - cents(&y[0]["mean_fees"])).abs() <= 4);
        assert!(y[0]["id"].is_null());
    }
    // Year 1 lists nothing new; later years list what the year before delisted.
    assert!(years[..5].iter().all(|l| l["new_listings"] == 0.0));
    let delisted_1 = years[0]["delisted"].as_f64().unwrap();
    assert!(delisted_1 > 0.0 && (years[5]["new_listings"].as_f64().unwrap() - delisted_1).abs() < 1e-9);
    // The slot rule bites at the supermarket (its DM items sell near the 800-unit bar).
    assert!(years.iter().filter(|l| l["id"] == "supermarket").all(|l| l["slots_lost"].as_f64().unwrap() > 0.0));
    // NPV: within a few cents of Σ_y mean_y ÷ 1.08^(y−1).
    let d = [1.0, 1.0 / 1.08, 1.0 / (1.08 * 1.08)];
    let approx: f64 = (0..3).map(|y| cents(&years[y * 5]["mean_net_contribution"]) as f64 * d[y]).sum();
    let npv = cents(&v["cumulative"][0]["npv"]["mean"]) as f64;
    assert!((approx - npv).abs() < 10.0, "{approx} vs {npv}");
    // The chain: every retailer each year, year 1 from the file.
    let chain = v["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 12);
    assert_eq!(chain[0]["ending"], "as written");
}

/// Without the slot rule, year 1 is the portfolio run: the same means per retailer.
#[test]
fn year_one_is_the_portfolio_run() {
    let dir = std::env::temp_dir().join(format!("kasim-multi-year-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scen = root().join("scenarios").canonicalize().unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/portfolio/ka-channel.toml"))
        .unwrap()
        .replace("file = \"../", &format!("file = \"{}/", scen.display()))
        .replace("file = \"supermarket", &format!("file = \"{}/portfolio/supermarket", scen.display()))
        .replace("file = \"pharmacy", &format!("file = \"{}/portfolio/pharmacy", scen.display()));
    let file = dir.join("two.toml");
    std::fs::write(
        &file,
        format!("{text}\n[multi_year]\nyears = 2\n\n[multi_year.delisting]\nmin_velocity = \"2.5\"\n"),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let multi = json(&["portfolio", f, "--runs", "200", "--seed", "9", "--format", "json"]);
    let alone =
        json(&["portfolio", "scenarios/portfolio/ka-channel.toml", "--runs", "200", "--seed", "9", "--format", "json"]);
    for (i, r) in alone["retailers"].as_array().unwrap().iter().enumerate() {
        let line = &multi["years"][i + 1];
        assert_eq!(line["year"], 1);
        assert_eq!(line["id"], r["id"]);
        assert_eq!(line["mean_net_contribution"], r["net_contribution"]["mean"]);
        assert_eq!(line["mean_fees"], r["mean_fees"]);
    }
    assert_eq!(multi["years"][0]["mean_net_contribution"], alone["net_contribution"]["mean"]);
    // A bad spec: located, exit code 2, nothing on stdout.
    std::fs::write(&file, format!("{text}\n[multi_year]\nyears = 11\n")).unwrap();
    let out = kasim(&["portfolio", f, "--runs", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("multi_year.years") && err.contains("2 to 10"), "{err}");
    // A misspelt strategy is refused even though no member has a [negotiation] (the name would
    // never be used, and the user would not learn the setting was ignored): located at its key.
    let spec =
        "[multi_year]\nyears = 2\n\n[multi_year.renegotiation]\nfee_growth = \"5%\"\nbuyer_strategy = \"boulwar\"\n";
    std::fs::write(&file, format!("{text}\n{spec}")).unwrap();
    let line = format!("{text}\n{spec}").lines().position(|l| l.starts_with("buyer_strategy")).unwrap() + 1;
    let out = kasim(&["portfolio", f, "--runs", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("two.toml:{line}:18: multi_year.renegotiation.buyer_strategy")), "{err}");
    assert!(err.contains("did you mean `boulware`"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn multi_year_in_every_format() {
    let table = kasim(&["portfolio", FILE, "--runs", "50"]);
    assert!(table.status.success(), "{}", String::from_utf8_lossy(&table.stderr));
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("Year by year") && text.contains("Cumulative discounted contribution"), "{text}");
    let csv = kasim(&["portfolio", FILE, "--runs", "50", "--format", "csv"]);
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(text.lines().count(), 1 + 15, "{text}");
    let dir = std::env::temp_dir().join(format!("kasim-multi-year-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [("html", "m.html"), ("xlsx", "m.xlsx")] {
        let path = dir.join(name);
        let out = kasim(&["portfolio", FILE, "--runs", "50", "--format", format, "--out", path.to_str().unwrap()]);
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every portfolio file under scenarios/ runs (the contract scenario tests skip them): exit 0,
/// the report's schema, and per year (or for the one year) the channel's mean net contribution
/// is the sum of the retailers' to the cent per retailer.
#[test]
fn every_bundled_portfolio_runs() {
    let mut files = Vec::new();
    let mut dirs = vec![root().join("scenarios")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") && kasim_core::portfolio::is_portfolio_file(&p) {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    let money = |v: &serde_json::Value| v.as_str().unwrap().parse::<f64>().unwrap();
    for f in &files {
        let v = json(&["portfolio", f.to_str().unwrap(), "--runs", "20", "--seed", "3", "--format", "json"]);
        match v["format"].as_str().unwrap() {
            "kasim.multi_year/1" => {
                let lines = v["years"].as_array().unwrap();
                let years = v["spec"]["years"].as_u64().unwrap() as usize;
                let per_year = lines.len() / years;
                for y in lines.chunks(per_year) {
                    let sum: f64 = y[1..].iter().map(|l| money(&l["mean_net_contribution"])).sum();
                    let channel = money(&y[0]["mean_net_contribution"]);
                    assert!(
                        (sum - channel).abs() <= 0.01 * (per_year - 1) as f64,
                        "{}: {sum} vs {channel}",
                        f.display()
                    );
                }
            }
            "kasim.portfolio/1" => {
                let sum: f64 =
                    v["retailers"].as_array().unwrap().iter().map(|r| money(&r["net_contribution"]["mean"])).sum();
                let channel = money(&v["net_contribution"]["mean"]);
                let n = v["retailers"].as_array().unwrap().len() as f64;
                assert!((sum - channel).abs() <= 0.01 * n, "{}: {sum} vs {channel}", f.display());
            }
            other => panic!("{}: {other}", f.display()),
        }
    }
}

/// The handbook over three years: the contract's [negotiation] renegotiates each year between
/// last year's terms and the buyer's ask; every agreed value lies between the two; the buyer
/// gets 94% of its target in year 2, under the 95% bar, so the relationship steps down by the
/// stated step (slots granted 90% → 80%, facings 120% → 110%, payment priority 15 → 0 days,
/// the green channel lost).
#[test]
fn the_handbook_renegotiates_and_the_relationship_steps_down() {
    let v = json(&["portfolio", "scenarios/portfolio/handbook-3-years.toml", "--runs", "20", "--format", "json"]);
    let chain = v["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 3);
    assert_eq!(chain[0]["ending"], "as written");
    let dec = |v: &serde_json::Value| v.as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    for y in &chain[1..] {
        assert_eq!(y["ending"], "agreed", "{y}");
        assert!(y["rounds"].as_u64().unwrap() > 0);
        for t in y["terms"].as_array().unwrap() {
            let (last, asked, agreed) = (dec(&t["last"]), dec(&t["asked"]), dec(&t["agreed"]));
            assert!(last.min(asked) <= agreed && agreed <= last.max(asked), "{t}");
        }
    }
    let year2 = &chain[1];
    let sat = year2["satisfaction"].as_f64().unwrap();
    assert!(sat < 0.95, "{sat}");
    let level = |y: &serde_json::Value, k: &str| {
        let r = y["resources"].as_array().unwrap().iter().find(|p| p[0] == k).unwrap();
        dec(&r[1])
    };
    use rust_decimal::Decimal;
    assert_eq!(level(&chain[0], "resources.promotion_priority"), Decimal::new(90, 2));
    assert_eq!(level(year2, "resources.promotion_priority"), Decimal::new(80, 2));
    assert_eq!(level(&chain[0], "resources.facings"), Decimal::new(120, 2));
    assert_eq!(level(year2, "resources.facings"), Decimal::new(110, 2));
    assert_eq!(level(&chain[0], "resources.payment_priority_days"), Decimal::from(15));
    assert_eq!(level(year2, "resources.payment_priority_days"), Decimal::ZERO);
    assert_eq!(level(&chain[0], "resources.green_channel"), Decimal::ONE);
    assert_eq!(level(year2, "resources.green_channel"), Decimal::ZERO);
}
