//! The multi-year run (issue 13): 5 retailers × 3 years × 20-SKU weekly contracts, 10,000
//! scenarios, on shared drivers with the cascade, and the carried state — slots withheld after
//! a missed slot, year-end delisting, replacement new listings paying the listing fee, a
//! persistent item strength — through the same code path `kasim portfolio` runs for a file
//! with `[multi_year]`. Target: ≤ 10 s on this machine at 2 threads.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kasim_core::Compiled;
use kasim_core::demo::Demo;
use kasim_montecarlo::RunConfig;
use kasim_montecarlo::multiyear::{MultiYearModel, grown_chain};

/// One retailer's weekly 20-SKU contract, as the portfolio bench's, with a listing fee.
fn contract(i: usize) -> String {
    let promo_weeks: Vec<String> = (0..6).map(|k| (1 + i * 3 + k * 8).min(52).to_string()).collect();
    let extra = format!(
        r#"
[[plan.promotions]]
skus = ["A", "B", "C", "D", "E"]
periods = [{weeks}]
slot = "dm"
uplift = "1.8"
price_cut = "{cut}%"

[[fees]]
id = "rebate"
kind = "tiered_rebate"
tiers = [ {{ threshold = "0", rate = "2%" }}, {{ threshold = "80000000", rate = "4%" }} ]

[[fees]]
id = "dm"
kind = "dm_fee"
price = "3000"

[[fees]]
id = "listing"
kind = "listing"
amount = "1500"
per = "store"
{price_match}
[uncertainty]
demand_cv = "25%"
demand_correlation = "20%"
promo_uplift = {{ dist = "triangular", min = "1.4", mode = "1.8", max = "2.6" }}
fill_rate = {{ dist = "pert", min = "90%", mode = "98%", max = "100%" }}
price_war = {{ probability = "5%", depth = {{ dist = "uniform", min = "3%", max = "10%" }} }}
"#,
        weeks = promo_weeks.join(", "),
        cut = 10 + i * 2,
        price_match = if i % 2 == 1 {
            "\n[[fees]]\nid = \"lowest-price\"\nkind = \"price_match\"\nshare = \"100%\"\n"
        } else {
            ""
        },
    );
    Demo { skus: 20, ..Default::default() }
        .toml(&extra)
        .replace("[plan]\n", "[calendar]\ngranularity = \"weekly\"\n\n[plan]\n")
        .replace("units_per_period = 10000", "units_per_period = 2500")
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("kasim-bench-multi-year-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut p = String::from("name = \"bench 5 × 3 years × 20 SKUs weekly\"\n");
    for i in 0..5 {
        std::fs::write(dir.join(format!("r{i}.toml")), contract(i)).unwrap();
        p.push_str(&format!("\n[[contracts]]\nfile = \"r{i}.toml\"\n"));
    }
    // 2,500 units a week over 100 stores is 25 per store-week: the bar at 21 with a 25% item
    // strength delists a few items a year; a promoted week sells ~4,500, the slot bar 4,000.
    p.push_str(
        "\n[drivers.brand_demand]\ncv = \"8%\"\nperiod_correlation = \"80%\"\n\n[drivers.price_war]\nprobability = \"4%\"\n\n[drivers.dc_capacity]\nunits_per_period = 300000\n\n[cascade]\nclaim_probability = \"80%\"\n\n[multi_year]\nyears = 3\ndiscount_rate = \"8%\"\ndemand_growth = \"3%\"\n\n[multi_year.slots]\nmin_units = 4000\n\n[multi_year.delisting]\nmin_velocity = \"21\"\nitem_strength_cv = \"25%\"\n",
    );
    let file = dir.join("portfolio.toml");
    std::fs::write(&file, p).unwrap();
    let portfolio = kasim_core::portfolio::load_portfolio(&file).expect("the bench portfolio loads");
    let spec = portfolio.multi_year.clone().expect("[multi_year]");
    let chain = grown_chain(&portfolio, &spec);
    let compiled: Vec<Vec<Compiled<'_>>> =
        chain.iter().map(|y| y.iter().map(|c| Compiled::new(c).expect("compiles")).collect()).collect();
    let model = MultiYearModel::new(&portfolio, &spec, &compiled).expect("model");
    let runs = 10_000u64;
    let mut g = c.benchmark_group("multi_year_5x3x20_weekly");
    g.throughput(Throughput::Elements(runs));
    g.sample_size(10);
    for threads in [1usize, 2] {
        let cfg = RunConfig { runs, seed: 7, threads, ..Default::default() };
        g.bench_function(format!("{runs}_scenarios_{threads}_threads"), |b| {
            b.iter(|| black_box(model.run(&cfg).unwrap()))
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
