//! A portfolio across retailers (issue 13): 5 retailers × 20-SKU weekly contracts, one year,
//! 10,000 scenarios, on shared drivers (brand demand, one price war, DC capacity) with the
//! lowest-market-price cascade — through the same code path `kasim portfolio` runs. Target:
//! ≤ 3.5 s for one year on this machine (the issue's 5 retailers × 3 years ≤ 10 s).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kasim_core::Compiled;
use kasim_core::demo::Demo;
use kasim_montecarlo::RunConfig;
use kasim_montecarlo::portfolio::PortfolioModel;

/// One retailer's weekly 20-SKU contract: lognormal demand, DM promotions with a price cut,
/// fills, a price war, a tiered rebate, DM fees and a lowest-price clause at every other chain.
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
    let dir = std::env::temp_dir().join(format!("kasim-bench-portfolio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut p = String::from("name = \"bench 5 × 20 SKUs weekly\"\n");
    for i in 0..5 {
        std::fs::write(dir.join(format!("r{i}.toml")), contract(i)).unwrap();
        p.push_str(&format!("\n[[contracts]]\nfile = \"r{i}.toml\"\n"));
    }
    p.push_str(
        "\n[drivers.brand_demand]\ncv = \"8%\"\nperiod_correlation = \"80%\"\n\n[drivers.price_war]\nprobability = \"4%\"\n\n[drivers.dc_capacity]\nunits_per_period = 300000\n\n[cascade]\nclaim_probability = \"80%\"\n",
    );
    let file = dir.join("portfolio.toml");
    std::fs::write(&file, p).unwrap();
    let portfolio = kasim_core::portfolio::load_portfolio(&file).expect("the bench portfolio loads");
    let compiled: Vec<Compiled<'_>> =
        portfolio.members.iter().map(|m| Compiled::new(&m.contract).expect("compiles")).collect();
    let model = PortfolioModel::new(&portfolio, &compiled).expect("model");
    let runs = 10_000u64;
    let mut g = c.benchmark_group("portfolio_5x20_weekly");
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
