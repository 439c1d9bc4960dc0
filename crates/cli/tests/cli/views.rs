//! The views of issue 13: `kasim replay PORTFOLIO --scenario K` (the replayed scenarios' chains
//! are the portfolio run's rows: their mean is `kasim portfolio`'s, per retailer) and the
//! brief's channel view (`kasim brief BASE DRAFT --portfolio FILE`: exactly `kasim portfolio`
//! of the two portfolios) and give-get clauses, in every format.

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

/// A portfolio of three chains with handbook-2026 as the member `handbook`, the same with a
/// draft in its place (DM promotions moved to periods 5 and 7, 20% off), in a fresh directory.
fn channel_files(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let d = std::env::temp_dir().join(format!("kasim-views-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let s = root().join("scenarios").canonicalize().unwrap();
    let s = s.display();
    let draft = d.join("draft.toml");
    std::fs::write(
        &draft,
        format!(
            "extends = \"{s}/handbook-2026.toml\"\nname = \"Handbook 2027 more DM\"\nyear = 2027\n\n\
             [[plan.promotions]]\nskus = [\"HM-DN175\", \"HM-RC200\"]\nperiods = [5, 7]\nslot = \"dm\"\nuplift = \"1.6\"\nprice_cut = \"20%\"\n"
        ),
    )
    .unwrap();
    let channel = |member: &str| {
        format!(
            "name = \"Test channel\"\n\n[[contracts]]\nfile = \"{member}\"\nid = \"handbook\"\n\n\
             [[contracts]]\nfile = \"{s}/portfolio/supermarket.toml\"\nid = \"supermarket\"\n\n\
             [[contracts]]\nfile = \"{s}/portfolio/pharmacy.toml\"\nid = \"pharmacy\"\n\n\
             [drivers.brand_demand]\ncv = \"8%\"\nperiod_correlation = \"80%\"\n\n[cascade]\nclaim_probability = \"80%\"\n"
        )
    };
    let base_p = d.join("channel.toml");
    std::fs::write(&base_p, channel(&format!("{s}/handbook-2026.toml"))).unwrap();
    let draft_p = d.join("channel-draft.toml");
    std::fs::write(&draft_p, channel(&draft.display().to_string())).unwrap();
    (draft, base_p, draft_p)
}

fn handbook() -> String {
    root().join("scenarios/handbook-2026.toml").display().to_string()
}

/// The channel view is `kasim portfolio` of the portfolio with BASE and of the one with DRAFT
/// in the member's place: channel mean and CVaR, the member's mean, each promotion's own and
/// cascade cost, exactly; the sentence quotes the sums.
#[test]
fn brief_channel_view_is_the_two_portfolio_runs() {
    let (draft, base_p, draft_p) = channel_files("channel");
    let (draft, base_p, draft_p) = (draft.to_str().unwrap(), base_p.to_str().unwrap(), draft_p.to_str().unwrap());
    let run = ["--runs", "300", "--seed", "2", "--format", "json"];
    let b = json(&[&["brief", &handbook(), draft, "--portfolio", base_p][..], &run[..]].concat());
    let v = &b["portfolio"];
    assert_eq!(v["member"], "handbook");
    for (side, file) in [("base", base_p), ("draft", draft_p)] {
        let p = json(&[&["portfolio", file][..], &run[..]].concat());
        let s = &v[side];
        assert_eq!(s["net_contribution"]["mean"], p["net_contribution"]["mean"], "{side}");
        assert_eq!(s["net_contribution"]["cvar95"], p["net_contribution"]["cvar95"], "{side}");
        assert_eq!(s["fees_mean"], p["fees"]["mean"], "{side}");
        assert_eq!(s["member_net_contribution"], p["retailers"][0]["net_contribution"]["mean"], "{side}");
        assert_eq!(s["claims_paid"], p["retailers"][0]["cascade_paid"], "{side}");
        // Every promotion with a claim in `kasim portfolio`'s cascade table, the same here.
        let lines: Vec<&serde_json::Value> =
            p["cascade"].as_array().unwrap().iter().filter(|c| c["chain"] == "handbook").collect();
        assert_eq!(lines.len(), 4, "{side}");
        let mut cascade = 0;
        for l in lines {
            let x = v["promotions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["sku"] == l["sku"] && x["period"] == l["period"])
                .unwrap_or_else(|| panic!("{l}"));
            assert_eq!(x[side]["own_cost"], l["own_cost"], "{side} {l}");
            assert_eq!(x[side]["cascade_cost"], l["cascade_cost"], "{side} {l}");
            cascade += cents(&l["cascade_cost"]);
        }
        assert_eq!(cents(&s["cascade_cost"]), cascade, "{side}");
    }
    let change = cents(&v["draft"]["net_contribution"]["mean"]) - cents(&v["base"]["net_contribution"]["mean"]);
    assert_eq!(cents(&v["net_contribution_change"]), change);
    // Deeper cuts at more SKUs: more claims at the other chains, a lower channel contribution.
    assert!(cents(&v["draft"]["cascade_cost"]) > cents(&v["base"]["cascade_cost"]));
    assert!(change < 0);
    let en = v["en"].as_str().unwrap();
    assert!(en.starts_with("The draft's 4 promotions at handbook cost ¥"), "{en}");
    let more = rust_decimal::Decimal::new(cents(&v["draft"]["cascade_cost"]) as i64, 2);
    assert!(en.contains(&format!("¥{} more in price-match claims", kasim_core::money::format_money(more, 2))), "{en}");
    assert!(v["zh"].as_str().unwrap().contains("最低价补差"));
    // Without --portfolio the brief has no channel view.
    let plain = json(&[&["brief", &handbook(), draft][..], &run[..]].concat());
    assert!(plain.get("portfolio").is_none());
}

/// The channel view in the table, html and xlsx; a BASE that is not a member, an unknown
/// member and a calendar that differs are refused with exit code 2 and nothing on stdout.
#[test]
fn brief_channel_view_formats_and_refusals() {
    let (draft, base_p, _) = channel_files("channel-formats");
    let (draft, base_p) = (draft.to_str().unwrap(), base_p.to_str().unwrap());
    let out = kasim(&["brief", &handbook(), draft, "--portfolio", base_p, "--runs", "100"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("Across the KA channel") && table.contains("渠道视角"), "{table}");
    assert!(table.contains("Their price-match claims at the other chains"), "{table}");
    let dir = std::env::temp_dir().join(format!("kasim-views-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [("html", "b.html"), ("xlsx", "b.xlsx")] {
        let path = dir.join(name);
        let args = ["brief", &handbook(), draft, "--portfolio", base_p, "--runs", "100", "--format", format, "--out"];
        let out = kasim(&[&args[..], &[path.to_str().unwrap()]].concat());
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    }
    let html = std::fs::read_to_string(dir.join("b.html")).unwrap();
    assert!(html.contains("渠道视角"));
    let _ = std::fs::remove_dir_all(&dir);
    let refused = |args: &[&str], wants: &[&str]| {
        let out = kasim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        for w in wants {
            assert!(err.contains(w), "{w}: {err}");
        }
    };
    refused(
        &["brief", draft, &handbook(), "--portfolio", base_p, "--runs", "50"],
        &["is not a contract of the portfolio", "--member", "handbook, supermarket, pharmacy"],
    );
    refused(
        &["brief", &handbook(), draft, "--portfolio", base_p, "--member", "nope", "--runs", "50"],
        &["--member nope", "no member `nope`"],
    );
    // A weekly contract in a monthly channel.
    let weekly = root().join("scenarios/ecommerce.toml");
    let p = root().join("scenarios/portfolio/ka-channel.toml");
    let w = weekly.to_str().unwrap();
    refused(&["brief", w, w, "--portfolio", p.to_str().unwrap(), "--member", "pharmacy", "--runs", "50"], &["periods"]);
}

/// Give-get clauses in the brief of handbook-2026 against give-get.toml: the table and the
/// advice, in the terminal and JSON.
#[test]
fn brief_shows_give_get_clauses() {
    let base = handbook();
    let gg = root().join("scenarios/give-get.toml").display().to_string();
    let b = json(&["brief", &base, &gg, "--runs", "200", "--format", "json"]);
    let rows = b["give_get"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    for r in rows {
        let c = b["clauses"].as_array().unwrap().iter().find(|c| c["id"] == r["id"]).unwrap();
        assert_eq!(r["unconditional"], c["amounts"][0]["mean"], "{}", r["id"]);
        assert_eq!(r["expected"], c["amounts"][1]["mean"], "{}", r["id"]);
    }
    assert!(b["give_get_advice"].as_array().unwrap().iter().any(|a| a["id"] == "dm"));
    let out = kasim(&["brief", &base, &gg, "--runs", "200"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("Give-get clauses") && table.contains("only if the flyer ran"), "{table}");
    assert!(table.contains("Keep the DM / flyer fee conditioned"), "{table}");
}

/// The channel of [`channel_files`] over three years (the `[multi_year]` of
/// scenarios/portfolio/ka-3-years.toml), with handbook-2026 (BASE) and with the handbook's
/// 2027 draft (most fees doubled) as the member `handbook`: (DRAFT, BASE's portfolio, DRAFT's).
fn multi_year_files(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let (_, base_p, draft_p) = channel_files(name);
    let draft = root().join("scenarios/handbook-2027-draft.toml").canonicalize().unwrap();
    let bundled = std::fs::read_to_string(root().join("scenarios/portfolio/ka-3-years.toml")).unwrap();
    let spec = &bundled[bundled.find("[multi_year]").unwrap()..];
    let base = std::fs::read_to_string(&base_p).unwrap();
    std::fs::write(&base_p, format!("{base}\n{spec}")).unwrap();
    let handbook = root().join("scenarios/handbook-2026.toml").canonicalize().unwrap();
    let with_draft = base.replace(&handbook.display().to_string(), &draft.display().to_string());
    assert_ne!(with_draft, base);
    std::fs::write(&draft_p, format!("{with_draft}\n{spec}")).unwrap();
    (draft, base_p, draft_p)
}

/// The multi-year view is `kasim portfolio` of the two multi-year portfolios (BASE's and
/// DRAFT's in the member's place): per year the member's planned fees (chain records), its
/// and the channel's mean net contribution, slots lost and delistings; the cumulative
/// discounted contribution; the sentence's sums. The table, html and xlsx show it.
#[test]
fn brief_multi_year_view_is_the_two_multi_year_runs() {
    let (draft, base_p, draft_p) = multi_year_files("multi-year");
    let (draft, base_p, draft_p) = (draft.to_str().unwrap(), base_p.to_str().unwrap(), draft_p.to_str().unwrap());
    let run = ["--runs", "24", "--seed", "3", "--format", "json"];
    let b = json(&[&["brief", &handbook(), draft, "--portfolio", base_p][..], &run[..]].concat());
    let v = &b["multi_year"];
    assert_eq!(v["member"], "handbook");
    assert_eq!(v["years"], 3);
    let per_year = v["per_year"].as_array().unwrap();
    assert_eq!(per_year.len(), 3);
    for (side, file) in [("base", base_p), ("draft", draft_p)] {
        let p = json(&[&["portfolio", file][..], &run[..]].concat());
        for (y, row) in per_year.iter().enumerate() {
            let year = y as u64 + 1;
            assert_eq!(row["year"], year);
            let s = &row[side];
            let line = |id: Option<&str>| {
                p["years"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["year"] == year && l["id"].as_str() == id)
                    .unwrap_or_else(|| panic!("{side} year {year} {id:?}"))
                    .clone()
            };
            let (member, channel) = (line(Some("handbook")), line(None));
            assert_eq!(s["member_net_contribution"], member["mean_net_contribution"], "{side} {year}");
            assert_eq!(s["mean_fees"], member["mean_fees"], "{side} {year}");
            assert_eq!(s["slots_lost"], member["slots_lost"], "{side} {year}");
            assert_eq!(s["delisted"], member["delisted"], "{side} {year}");
            assert_eq!(s["channel_net_contribution"], channel["mean_net_contribution"], "{side} {year}");
            let rec = p["chain"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["year"] == year && c["id"] == "handbook")
                .unwrap()
                .clone();
            assert_eq!(s["planned_fees"], rec["planned_fees"], "{side} {year}");
        }
        let cum = p["cumulative"].as_array().unwrap();
        let channel = cum.iter().find(|c| c["id"].is_null()).unwrap();
        let member = cum.iter().find(|c| c["id"] == "handbook").unwrap();
        for stat in ["mean", "var95", "cvar95"] {
            assert_eq!(v[format!("{side}_npv")][stat], channel["npv"][stat], "{side} {stat}");
        }
        assert_eq!(v[format!("{side}_member_npv")], member["npv"]["mean"], "{side}");
    }
    // The sums: Σ of the yearly changes, and the part beyond year 1's change repeated.
    let change = |r: &serde_json::Value| cents(&r["draft"]["planned_fees"]) - cents(&r["base"]["planned_fees"]);
    let changes: Vec<i128> = per_year.iter().map(change).collect();
    for (r, c) in per_year.iter().zip(&changes) {
        assert_eq!(cents(&r["planned_fees_change"]), *c);
    }
    assert_eq!(cents(&v["fees_change"]), changes.iter().sum::<i128>());
    assert_eq!(cents(&v["fees_change_from_growth"]), changes[1] - changes[0] + changes[2] - changes[0]);
    // The draft's higher fees, compounded by the buyer's yearly ask.
    assert!(changes[0] > 0 && changes[2] > changes[0], "{changes:?}");
    assert!(cents(&v["draft_npv"]["mean"]) < cents(&v["base_npv"]["mean"]));
    let en = v["en"].as_str().unwrap();
    let say = |c: i128| format!("¥{}", kasim_core::money::format_money(rust_decimal::Decimal::new(c as i64, 2), 2));
    let total = changes.iter().sum::<i128>();
    assert!(en.starts_with(&format!("Over 3 years this draft costs {} more in fees at handbook", say(total))), "{en}");
    assert!(
        en.contains(&format!(
            "{} of it from the buyer's +8% a year on the higher base",
            say(changes[1] + changes[2] - 2 * changes[0])
        )),
        "{en}"
    );
    assert!(v["zh"].as_str().unwrap().contains("多年") || v["zh"].as_str().unwrap().contains("3 年内"));
    // The year-2 and year-3 terms of both chains: DRAFT's doubled floor (保底) stays above BASE's.
    let floor = v["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["year"] == 3 && t["path"].as_str().is_some_and(|p| p.starts_with("fees.floor")))
        .expect("the floor's year-3 term")
        .clone();
    assert!(cents(&floor["draft"]) > cents(&floor["base"]), "{floor}");
    // Without [multi_year] the brief has no multi-year view.
    let (_, one_year, _) = channel_files("multi-year-none");
    let plain =
        json(&[&["brief", &handbook(), draft, "--portfolio", one_year.to_str().unwrap()][..], &run[..]].concat());
    assert!(plain.get("multi_year").is_none());
    // Every format.
    let out = kasim(&["brief", &handbook(), draft, "--portfolio", base_p, "--runs", "10"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("Over the years") && table.contains("多年视角"), "{table}");
    assert!(table.contains("Cumulative discounted contribution"), "{table}");
    let dir = std::env::temp_dir().join(format!("kasim-views-my-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [("html", "b.html"), ("xlsx", "b.xlsx"), ("csv", "b.csv")] {
        let path = dir.join(name);
        let args = ["brief", &handbook(), draft, "--portfolio", base_p, "--runs", "10", "--format", format, "--out"];
        let out = kasim(&[&args[..], &[path.to_str().unwrap()]].concat());
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::metadata(&path).unwrap().len() > 100, "{format}");
    }
    assert!(std::fs::read_to_string(dir.join("b.html")).unwrap().contains("多年视角"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kasim replay` of the bundled three-year portfolio: every year of each scenario; each
/// chain's yearly totals are the multi-year run's rows (their mean over four replayed
/// scenarios is `kasim portfolio --runs 4`'s, per year and retailer, to the cent); each
/// ledger reconciles to its row; the carried state follows the year before (a line delisted
/// and replaced is a new listing next year, selling from the listing delay on); the year's
/// contracts are the chain's records. CSV is the chains' table.
#[test]
fn replayed_multi_year_scenarios_are_the_runs_rows() {
    const MY: &str = "scenarios/portfolio/ka-3-years.toml";
    let runs = 4usize;
    let p = json(&["portfolio", MY, "--runs", "4", "--seed", "5", "--format", "json"]);
    let lines = p["years"].as_array().unwrap();
    let ids: Vec<String> = lines
        .iter()
        .filter(|l| l["year"] == 1 && !l["id"].is_null())
        .map(|l| l["id"].as_str().unwrap().into())
        .collect();
    let mut net = vec![vec![0i128; ids.len()]; 3];
    let mut fees = vec![vec![0i128; ids.len()]; 3];
    let (mut delisted, mut listed) = (0, 0);
    for k in 0..runs {
        let r = json(&["replay", MY, "--scenario", &k.to_string(), "--seed", "5", "--format", "json"]);
        assert_eq!(r["format"], "kasim.multi-year-replay/1");
        assert_eq!(r["scenario"], k as u64);
        let years = r["years"].as_array().unwrap();
        assert_eq!(years.len(), 3);
        for (y, year) in years.iter().enumerate() {
            assert_eq!(year["year"], y as u64 + 1);
            let chains = year["chains"].as_array().unwrap();
            assert_eq!(chains.len(), ids.len());
            let mut total = 0;
            for (i, c) in chains.iter().enumerate() {
                assert_eq!(c["id"].as_str().unwrap(), ids[i]);
                let nc = cents(&c["net_contribution"]);
                assert_eq!(nc, cents(&c["explain"]["pnl"]["net_contribution"]), "the ledger's P&L is the row");
                assert_eq!(cents(&c["fees_total"]), cents(&c["explain"]["pnl"]["fees_total"]));
                net[y][i] += nc;
                fees[y][i] += cents(&c["fees_total"]);
                total += nc;
            }
            assert_eq!(cents(&year["net_contribution"]), total);
            // The year's contracts are the chain's records.
            for rec in year["contracts"].as_array().unwrap() {
                let want =
                    p["chain"].as_array().unwrap().iter().find(|c| c["year"] == year["year"] && c["id"] == rec["id"]);
                assert_eq!(rec["planned_fees"], want.unwrap()["planned_fees"]);
            }
            assert_eq!(year["drivers"].as_array().unwrap().len(), 12);
            assert_eq!(year["capacity"].as_array().unwrap().len(), 12);
            // Delisted at the end of year y (replace): a new listing in year y + 1.
            if y > 0 {
                for (i, c) in year["carried"].as_array().unwrap().iter().enumerate() {
                    let before = years[y - 1]["carried"][i]["counts"]["delisted"].as_u64().unwrap();
                    let new = c["skus"].as_array().unwrap().iter().filter(|s| s["new_listing"] == true).count() as u64;
                    assert_eq!(new, before, "year {} {}", y + 1, c["id"]);
                    assert_eq!(c["counts"]["listed"].as_u64().unwrap(), new);
                    for s in c["skus"].as_array().unwrap().iter().filter(|s| s["new_listing"] == true) {
                        assert!(s["first_period"].as_u64().unwrap() > 1, "{s}");
                        assert!(s["generation"].as_u64().unwrap() >= 1, "{s}");
                    }
                    delisted += before;
                    listed += new;
                }
            }
        }
    }
    assert!(delisted > 0 && listed == delisted, "the bundled run delists and replaces");
    for y in 0..3 {
        for (i, id) in ids.iter().enumerate() {
            let l = lines.iter().find(|l| l["year"] == y as u64 + 1 && l["id"].as_str() == Some(id)).unwrap();
            let mean = cents(&l["mean_net_contribution"]);
            assert!(
                (net[y][i] - mean * runs as i128).abs() <= runs as i128,
                "year {} {id}: {} vs {mean}",
                y + 1,
                net[y][i]
            );
            let mean_fees = cents(&l["mean_fees"]);
            assert!((fees[y][i] - mean_fees * runs as i128).abs() <= runs as i128, "year {} {id}: fees", y + 1);
        }
    }
    let out = kasim(&["replay", MY, "--scenario", "1", "--format", "csv"]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * ids.len(), "{csv}");
    let out = kasim(&["replay", MY, "--scenario", "1"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("State carried into the year") && table.contains("第 3 年"), "{table}");
    let dir = std::env::temp_dir().join(format!("kasim-views-my-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [("html", "r.html"), ("xlsx", "r.xlsx")] {
        let path = dir.join(name);
        let out = kasim(&["replay", MY, "--scenario", "1", "--format", format, "--out", path.to_str().unwrap()]);
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::metadata(&path).unwrap().len() > 1000, "{format}");
    }
    assert!(std::fs::read_to_string(dir.join("r.html")).unwrap().contains("带入本年的状态"));
    let _ = std::fs::remove_dir_all(&dir);
}
