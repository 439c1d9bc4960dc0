//! The multi-year run: the `[multi_year]` spec's located errors, the state carried across
//! years (slot loss, delisting, replacement listings), a one-year run equal to the portfolio,
//! determinism at any thread count and across scenario ranges.

use std::path::{Path, PathBuf};

use kasim_core::demo::Demo;
use kasim_core::multiyear::NewListings;
use kasim_core::portfolio::load_portfolio;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kasim-multiyear-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &Path, file: &str, text: &str) -> PathBuf {
    let p = d.join(file);
    std::fs::write(&p, text).unwrap();
    p
}

fn portfolio_text(contracts: &[&str], extra: &str) -> String {
    let mut s = String::from("name = \"Test channel\"\n");
    for c in contracts {
        s.push_str(&format!("\n[[contracts]]\nfile = \"{c}\"\n"));
    }
    s.push('\n');
    s.push_str(extra);
    s
}

/// The spec loads with its defaults, and every bad value is located at its key.
#[test]
fn spec_loads_and_errors_are_located() {
    let d = dir("spec");
    write(&d, "a.toml", &Demo::default().toml(""));
    let full = "[multi_year]\nyears = 3\ndiscount_rate = \"8%\"\ndemand_growth = \"3%\"\n\n[multi_year.slots]\nmin_units = 800\n\n[multi_year.delisting]\nmin_velocity = \"2.5\"\nitem_strength_cv = \"25%\"\n\n[multi_year.renegotiation]\nfee_growth = \"8%\"\nrate_step = \"0.5%\"\n\n[multi_year.relationship]\nstep = { promotion_priority = \"5%\" }\n";
    let p = load_portfolio(write(&d, "ok.toml", &portfolio_text(&["a.toml"], full))).unwrap();
    let m = p.multi_year.unwrap();
    assert_eq!(m.years, 3);
    assert_eq!(m.discount_rate.0.to_string(), "0.08");
    let s = m.slots.as_ref().unwrap();
    assert_eq!((s.min_units, s.lost_slots), (800, 1));
    let dl = m.delisting.as_ref().unwrap();
    assert_eq!(dl.new_listings, NewListings::Replace);
    assert_eq!(dl.min_velocity.0.to_string(), "2.5");
    let r = m.renegotiation.as_ref().unwrap();
    assert!(r.negotiate);
    assert_eq!(r.supplier_strategy, "boulware");
    let rel = m.relationship.as_ref().unwrap();
    assert_eq!(rel.withdraw_below.0.to_string(), "0.95");
    assert_eq!(rel.step.promotion_priority.0.to_string(), "0.05");
    assert_eq!(rel.step.payment_priority_days, 15);
    // Discount and growth factors.
    assert_eq!(m.discount(1).to_string(), "1");
    assert_eq!(m.discount(2).round_dp(6).to_string(), "0.925926");
    assert_eq!(m.growth(3).normalize().to_string(), "1.0609");
    // A portfolio without the section has none.
    let p = load_portfolio(write(&d, "none.toml", &portfolio_text(&["a.toml"], ""))).unwrap();
    assert!(p.multi_year.is_none());
    for (extra, key, says) in [
        ("[multi_year]\nyears = 0\n", "multi_year.years", "2 to 10"),
        ("[multi_year]\nyears = 11\n", "multi_year.years", "2 to 10"),
        ("[multi_year]\nyears = 3\ndiscount_rate = \"-5%\"\n", "multi_year.discount_rate", "between 0"),
        ("[multi_year]\nyears = 3\n\n[multi_year.slots]\nmin_units = -5\n", "multi_year.slots.min_units", "negative"),
        (
            "[multi_year]\nyears = 3\n\n[multi_year.delisting]\nmin_velocity = \"2\"\nnew_listings = \"replce\"\n",
            "multi_year.delisting.new_listings",
            "did you mean `replace`",
        ),
        (
            "[multi_year]\nyears = 3\n\n[multi_year.relationship]\nwithdraw_below = \"120%\"\n",
            "multi_year.relationship.withdraw_below",
            "above reward_at",
        ),
        ("[multi_year]\nyears = 3\nyear = 2\n", "multi_year.year", "did you mean `years`"),
    ] {
        let f = write(&d, "bad.toml", &portfolio_text(&["a.toml"], extra));
        let e = load_portfolio(&f).unwrap_err();
        let pr = &e.problems()[0];
        assert_eq!(pr.key_path, key, "{extra}: {e}");
        assert!(pr.message.contains(says), "{extra}: {pr}");
        // Located on the key's line of the portfolio file.
        let name = format!("{} =", key.rsplit('.').next().unwrap());
        let line = extra.lines().position(|l| l.starts_with(&name)).unwrap();
        assert_eq!(pr.line, 6 + line, "{extra:?}: {pr}");
    }
}

use kasim_core::Compiled;
use kasim_core::multiyear::MultiYear;
use kasim_core::portfolio::Portfolio;
use kasim_montecarlo::RunConfig;
use kasim_montecarlo::multiyear::{
    Chain, MultiYearModel, MultiYearReport, MultiYearResults, chain_records, grown_chain,
};
use kasim_montecarlo::portfolio::PortfolioModel;
use rust_decimal::Decimal;

/// Compiles a chain and runs it; the closure gets the model and results.
fn with_chain<T>(
    p: &Portfolio,
    spec: &MultiYear,
    chain: &Chain,
    cfg: &RunConfig,
    f: impl FnOnce(&MultiYearModel<'_>, &MultiYearResults) -> T,
) -> T {
    let compiled: Vec<Vec<Compiled<'_>>> =
        chain.iter().map(|y| y.iter().map(|c| Compiled::new(c).unwrap()).collect()).collect();
    let model = MultiYearModel::new(p, spec, &compiled).unwrap();
    let results = model.run(cfg).unwrap();
    f(&model, &results)
}

/// Two SKUs on a deterministic plan: A sells 10,000 a month, promoted by DM in periods 3, 6
/// and 9 (uplift 1.5: 15,000, below the 20,000 the retailer asks of a slot); B sells 100 a
/// month (1 unit per store per month, below the 2.5 bar).
const HAND: &str = r#"
[[plan.promotions]]
skus = ["A"]
periods = [3, 6, 9]
slot = "dm"
uplift = "1.5"

[[fees]]
id = "dm"
kind = "dm_fee"
price = "2000"

[[fees]]
id = "listing"
kind = "listing"
amount = "5000"
"#;

fn hand_contract(promoted: &str, b_units: &str, b_new: bool) -> String {
    Demo { skus: 2, ..Default::default() }
        .toml(&HAND.replace("periods = [3, 6, 9]", promoted))
        .replace("sku = \"B\"\nunits_per_period = 10000", &format!("sku = \"B\"\n{b_units}"))
        .replace(
            "sku = \"B\"\nshelf_price = { policy = \"retail_minus\", margin = \"30%\" }\nnew_listing = false",
            &format!(
                "sku = \"B\"\nshelf_price = {{ policy = \"retail_minus\", margin = \"30%\" }}\nnew_listing = {b_new}"
            ),
        )
}

/// The hand-checked two years. Year 1: A's period-3 slot sells 15,000 < 20,000, so its next
/// slot (period 6) is withheld; period 9 is granted and misses again, so one slot is owed into
/// year 2; B's velocity is 1,200 ÷ (100 stores × 12) = 1 < 2.5: delisted at year end. Year 2:
/// A's period-3 slot is withheld (carried), period 6 granted and missed, period 9 withheld;
/// B's replacement is a new listing paying the 5,000 listing fee and sells from period 2 (the
/// monthly listing delay of 1 period): 11 × 100 units — and is delisted again. Each year's
/// row equals `kasim evaluate` of the contract written by hand with what ran.
#[test]
fn hand_checked_two_years() {
    let d = dir("hand");
    write(&d, "a.toml", &hand_contract("periods = [3, 6, 9]", "units_per_period = 100", false));
    let extra = "[multi_year]\nyears = 2\n\n[multi_year.slots]\nmin_units = 20000\n\n[multi_year.delisting]\nmin_velocity = \"2.5\"\n";
    let p = load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml"], extra))).unwrap();
    let spec = p.multi_year.clone().unwrap();
    let chain = grown_chain(&p, &spec);
    let cfg = RunConfig { runs: 3, seed: 7, threads: 1, ..Default::default() };
    with_chain(&p, &spec, &chain, &cfg, |model, r| {
        // What ran, written by hand.
        let y1 = kasim_core::load_str(
            &hand_contract("periods = [3, 9]", "units_per_period = 100", false),
            Path::new("y1.toml"),
            None,
        )
        .unwrap();
        let y2 = kasim_core::load_str(
            &hand_contract("periods = [6]", "units = [0, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100]", true),
            Path::new("y2.toml"),
            None,
        )
        .unwrap();
        let (s1, s2) = (kasim_core::evaluate(&y1).unwrap(), kasim_core::evaluate(&y2).unwrap());
        assert_eq!(s1.pnl.fees_total, Decimal::new(400_000, 2));
        assert_eq!(s2.pnl.fees_total, Decimal::new(700_000, 2)); // one DM slot + the listing fee
        for k in 0..3 {
            let (a, b) = (r.years[0].rows[0][k], r.years[1].rows[0][k]);
            assert_eq!(Decimal::new(a.fees_total, 2), s1.pnl.fees_total);
            assert_eq!(Decimal::new(b.fees_total, 2), s2.pnl.fees_total);
            assert_eq!(Decimal::new(a.net_contribution, 2), s1.pnl.net_contribution);
            assert_eq!(Decimal::new(b.net_contribution, 2), s2.pnl.net_contribution);
            let (c1, c2) = (r.counts[0][0][k], r.counts[1][0][k]);
            assert_eq!((c1.slots_lost, c1.delisted, c1.listed), (1, 1, 0));
            assert_eq!((c2.slots_lost, c2.delisted, c2.listed), (2, 1, 1));
        }
        let rep = MultiYearReport::new(&p, model, r, &cfg, chain_records(&p, &chain).unwrap());
        // Channel line first, then the retailer, per year.
        assert_eq!(rep.years.len(), 4);
        assert_eq!(rep.years[3].slots_lost, 2.0);
        assert_eq!(rep.years[3].new_listings, 1.0);
        assert_eq!(rep.years[3].mean_fees, Decimal::new(700_000, 2));
        // No discount: the cumulative contribution is the sum of the years.
        let total = s1.pnl.net_contribution + s2.pnl.net_contribution;
        assert_eq!(rep.cumulative[0].npv.mean, total);
        assert_eq!(rep.chain.len(), 2);
        assert_eq!(rep.chain[1].planned_fees, Decimal::new(600_000, 2)); // the plan: 3 DM slots
    });
}

const NOISY: &str = "[uncertainty]\ndemand_cv = \"20%\"\n";

/// Three noisy chains with every shared driver, the cascade and promotions.
fn noisy_portfolio(name: &str, multi: &str) -> Portfolio {
    let d = dir(name);
    let promo = "[[plan.promotions]]\nskus = [\"A\"]\nperiods = [2, 5, 8]\nslot = \"dm\"\nuplift = \"1.5\"\nprice_cut = \"20%\"\n";
    let matcher = "[[fees]]\nid = \"lowest-price\"\nkind = \"price_match\"\nshare = \"50%\"\n";
    let listing = "[[fees]]\nid = \"listing\"\nkind = \"listing\"\namount = \"1500\"\nper = \"store\"\n";
    let rich = "[uncertainty]\ndemand_cv = \"20%\"\ndemand_correlation = \"30%\"\npromo_uplift = { dist = \"triangular\", min = \"1.2\", mode = \"1.5\", max = \"2.0\" }\npost_promo_dip = { dist = \"uniform\", min = \"0\", max = \"20%\" }\nfill_rate = { dist = \"pert\", min = \"90%\", mode = \"98%\", max = \"100%\" }\nprice_war = { probability = \"5%\", depth = { dist = \"uniform\", min = \"3%\", max = \"10%\" }, promoted_only = true }\n\n[resources]\npromotion_priority = \"80%\"\nfacings = \"120%\"\nshelf_position = \"eye_level\"\n";
    write(&d, "a.toml", &Demo { skus: 3, ..Default::default() }.toml(&format!("{promo}\n{listing}\n{rich}")));
    write(&d, "b.toml", &Demo { skus: 2, ..Default::default() }.toml(&format!("{matcher}\n{listing}\n{NOISY}")));
    write(&d, "c.toml", &Demo::default().toml(&format!("{promo}\n{NOISY}")));
    let extra = format!(
        "[drivers.brand_demand]\ncv = \"10%\"\nperiod_correlation = \"50%\"\n\n[drivers.price_war]\nprobability = \"10%\"\ndepth = {{ dist = \"uniform\", min = \"2%\", max = \"8%\" }}\n\n[drivers.dc_capacity]\nunits_per_period = 40000\n\n[cascade]\nclaim_probability = \"60%\"\n\n{multi}"
    );
    load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml", "b.toml", "c.toml"], &extra))).unwrap()
}

const MULTI: &str = "[multi_year]\nyears = 3\ndiscount_rate = \"8%\"\ndemand_growth = \"3%\"\n\n[multi_year.slots]\nmin_units = 14000\n\n[multi_year.delisting]\nmin_velocity = \"98\"\nitem_strength_cv = \"10%\"\n";

/// A one-year run is the portfolio run, row for row and sum for sum.
#[test]
fn one_year_equals_the_portfolio() {
    let p = noisy_portfolio("one-year", "[multi_year]\nyears = 2\n\n[multi_year.delisting]\nmin_velocity = \"98\"\n");
    let mut spec = p.multi_year.clone().unwrap();
    spec.years = 1;
    let chain = grown_chain(&p, &spec);
    assert_eq!(chain.len(), 1);
    let cfg = RunConfig { runs: 300, seed: 5, threads: 2, ..Default::default() };
    let compiled: Vec<Compiled<'_>> = p.members.iter().map(|m| Compiled::new(&m.contract).unwrap()).collect();
    let alone = PortfolioModel::new(&p, &compiled).unwrap().run(&cfg).unwrap();
    with_chain(&p, &spec, &chain, &cfg, |_, r| {
        assert_eq!(r.years.len(), 1);
        assert_eq!(r.years[0], alone);
        // The bar did delist some lines at the year's end (counted; no effect inside the year).
        assert!(r.counts[0].iter().flatten().any(|c| c.delisted > 0));
    });
}

/// Identical at 1 and 2 threads, across a split into ranges, and through bytes merged in any
/// order; the state bites (slots lost, delistings, new listings paying their fees).
#[test]
fn determinism_ranges_and_merge() {
    let p = noisy_portfolio("determinism", MULTI);
    let spec = p.multi_year.clone().unwrap();
    let chain = grown_chain(&p, &spec);
    let one = RunConfig { runs: 400, seed: 11, threads: 1, ..Default::default() };
    let two = RunConfig { threads: 2, ..one };
    let r1 = with_chain(&p, &spec, &chain, &one, |_, r| r.clone());
    with_chain(&p, &spec, &chain, &two, |m, r2| {
        assert_eq!(&r1, r2);
        let lost: u32 = r2.counts.iter().flatten().flatten().map(|c| c.slots_lost).sum();
        let listed: u32 = r2.counts.iter().flatten().flatten().map(|c| c.listed).sum();
        assert!(lost > 0 && listed > 0, "lost {lost}, listed {listed}");
        // Year 1 lists nothing; a year's listings are the last year's replacements.
        assert!(r2.counts[0].iter().flatten().all(|c| c.listed == 0));
        let mut a = m.run_range(&one, 0, 150).unwrap();
        a.append(m.run_range(&one, 150, 400).unwrap());
        assert_eq!(a, r1);
        let parts = [(250, 400), (0, 100), (100, 250)]
            .map(|(x, y)| MultiYearResults::decode(&m.run_range(&one, x, y).unwrap().encode()).unwrap());
        assert_eq!(MultiYearResults::merge(parts.to_vec()).unwrap(), r1);
        assert!(MultiYearResults::merge(vec![parts[0].clone(), parts[1].clone()]).is_err());
        let bytes = r1.encode();
        assert!(MultiYearResults::decode(&bytes[..bytes.len() - 1]).is_err());
        let rep1 = MultiYearReport::new(&p, m, &r1, &one, Vec::new());
        let rep2 = MultiYearReport::new(&p, m, r2, &two, Vec::new());
        assert_eq!(serde_json::to_string(&rep1).unwrap(), serde_json::to_string(&rep2).unwrap());
        // The channel's NPV is Σ_y (Σ chains) ÷ 1.08^(y−1), per scenario to the cent: its mean
        // is within a cent per year of the discounted year means.
        let d: Vec<Decimal> = (1..=3).map(|y| spec.discount(y)).collect();
        let approx: Decimal = rep1
            .years
            .iter()
            .filter(|l| l.id.is_none())
            .map(|l| l.mean_net_contribution * d[l.year as usize - 1])
            .sum();
        assert!((approx - rep1.cumulative[0].npv.mean).abs() < Decimal::new(5, 2), "{approx}");
    });
}

/// `new_listings = "none"`: the delisted line sells nothing next year and pays no listing fee.
#[test]
fn delisted_without_replacement_sells_nothing() {
    let d = dir("none");
    write(&d, "a.toml", &hand_contract("periods = [3, 6, 9]", "units_per_period = 100", false));
    let extra = "[multi_year]\nyears = 3\n\n[multi_year.delisting]\nmin_velocity = \"2.5\"\nnew_listings = \"none\"\n";
    let p = load_portfolio(write(&d, "p.toml", &portfolio_text(&["a.toml"], extra))).unwrap();
    let spec = p.multi_year.clone().unwrap();
    let chain = grown_chain(&p, &spec);
    let cfg = RunConfig { runs: 2, seed: 1, threads: 1, ..Default::default() };
    with_chain(&p, &spec, &chain, &cfg, |_, r| {
        // Year 2 and 3: A alone, all three DM slots (no slot rule), no listing fee.
        let alone = kasim_core::load_str(
            &hand_contract("periods = [3, 6, 9]", "units_per_period = 0", false),
            Path::new("y2.toml"),
            None,
        )
        .unwrap();
        let s = kasim_core::evaluate(&alone).unwrap();
        for y in 1..3 {
            let row = r.years[y].rows[0][0];
            assert_eq!(Decimal::new(row.net_contribution, 2), s.pnl.net_contribution, "year {}", y + 1);
            assert_eq!(Decimal::new(row.fees_total, 2), Decimal::new(600_000, 2));
            assert_eq!(r.counts[y][0][0], kasim_montecarlo::multiyear::Counts::default());
        }
        assert_eq!(r.counts[0][0][0].delisted, 1);
    });
}

/// Re-sampling only the SKUs whose slot a miss withholds gives exactly what re-sampling the
/// whole chain gives.
#[test]
fn one_sku_resampling_equals_the_whole_chain() {
    let p = noisy_portfolio("one-sku", MULTI);
    let spec = p.multi_year.clone().unwrap();
    let chain = grown_chain(&p, &spec);
    let compiled: Vec<Vec<Compiled<'_>>> =
        chain.iter().map(|y| y.iter().map(|c| Compiled::new(c).unwrap()).collect()).collect();
    let cfg = RunConfig { runs: 300, seed: 21, threads: 2, ..Default::default() };
    let fast = MultiYearModel::new(&p, &spec, &compiled).unwrap().run(&cfg).unwrap();
    let whole = MultiYearModel::new(&p, &spec, &compiled).unwrap().resampling_whole_chains().run(&cfg).unwrap();
    let lost: u32 = fast.counts.iter().flatten().flatten().map(|c| c.slots_lost).sum();
    assert!(lost > 50, "the slot rule bites: {lost}");
    assert_eq!(fast, whole);
}

/// `scenario_detail` is the run's scenario: per year and chain its row is the run's row for
/// that scenario exactly, its counts are the run's counts, each ledger settles to its row, and
/// the state carried into a year follows the counts of the year before.
#[test]
fn scenario_detail_is_the_runs_scenario() {
    let p = noisy_portfolio("detail", MULTI);
    let spec = p.multi_year.clone().unwrap();
    let chain = grown_chain(&p, &spec);
    let compiled: Vec<Vec<Compiled<'_>>> =
        chain.iter().map(|y| y.iter().map(|c| Compiled::new(c).unwrap()).collect()).collect();
    let cfg = RunConfig { runs: 40, seed: 21, threads: 2, ..Default::default() };
    let model = MultiYearModel::new(&p, &spec, &compiled).unwrap();
    let r = model.run(&cfg).unwrap();
    let mut lost = 0;
    for k in 0..cfg.runs {
        let years = model.scenario_detail(cfg.seed, k).unwrap();
        assert_eq!(years.len(), spec.years as usize);
        for (y, d) in years.iter().enumerate() {
            assert_eq!(d.year, y as u32 + 1);
            assert_eq!(d.seed, kasim_montecarlo::multiyear::year_seed(cfg.seed, d.year));
            for (c, ch) in d.chains.iter().enumerate() {
                let k = k as usize;
                assert_eq!(ch.row, r.years[y].rows[c][k], "scenario {k} year {} chain {c}", y + 1);
                assert_eq!(ch.counts, r.counts[y][c][k], "scenario {k} year {} chain {c}", y + 1);
                assert_eq!(Decimal::new(ch.row.net_contribution, 2), ch.settlement.pnl.net_contribution);
                assert_eq!(Decimal::new(ch.row.fees_total, 2), ch.settlement.pnl.fees_total);
                let owed: u32 = ch.carried.iter().map(|s| s.slots_owed).sum();
                if y == 0 {
                    assert_eq!(owed, 0);
                }
                lost += ch.counts.slots_lost;
                assert_eq!(ch.carried.iter().filter(|s| s.new_listing).count() as u32, ch.counts.listed);
            }
        }
    }
    assert!(lost > 0, "the slot rule bites");
}
