//! `kasim track` (issue 12): a 52-week × 50-SKU contract (the synthetic weekly contract of
//! `kasim_actuals::synthetic` with a retroactive tiered rebate, a target rebate and a floor
//! 保底 added), 26 weeks closed by a year-to-date export (one sampled year, as the weekly CSV
//! a portal exports), 10,000 scenarios of the rest. Measured: the conditioned run alone, and
//! the whole report (read the CSV, settle the closed weeks, condition, run, watchlist,
//! accruals). Target: the whole report ≤ 2 s.

use std::fmt::Write;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kasim_actuals::date::Date;
use kasim_actuals::synthetic::{Spec, contract_toml};
use kasim_actuals::track::{Inputs, Options, track};
use kasim_actuals::{Mapping, history};
use kasim_core::Compiled;
use kasim_core::contract::Granularity;
use kasim_montecarlo::conditioned::{self, Closed};
use kasim_montecarlo::{Model, RunConfig};

const FEES: &str = r#"
[[fees]]
id = "tiered"
kind = "tiered_rebate"
settle = "annual"
tiers = [ { threshold = "0", rate = "1%" }, { threshold = "2000000", rate = "2%" }, { threshold = "2400000", rate = "3%" } ]

[[fees]]
id = "target"
kind = "target_rebate"
target = "2300000"
amount = "20000"

[[fees]]
id = "floor"
kind = "guaranteed_minimum"
floor = "50000"
covers = ["rebate"]
"#;

fn bench(c: &mut Criterion) {
    let spec = Spec { skus: 50, ..Spec::default() };
    let toml = contract_toml(&spec, true) + FEES;
    let contract = kasim_core::load_str(&toml, Path::new("synthetic.toml"), None).unwrap();
    let compiled = Compiled::new(&contract).unwrap();
    assert_eq!((compiled.periods(), compiled.skus.len()), (52, 50));
    // The year to date: one sampled year's first 26 weeks, as a weekly export with dates.
    let year = Model::new(&compiled).unwrap().sample(99, 0);
    let start = Date::new(contract.year.unwrap(), 1, 1).unwrap();
    let mut csv = String::from("商品编码,周开始日期,销售数量,订货量,到货量,退货数量\n");
    for p in 0..26 {
        for (s, k) in compiled.skus.iter().enumerate() {
            let x = year.cell(p, s);
            let day = Date(start.0 + 7 * p as i32);
            let _ = writeln!(csv, "{},{day},{},{},{},{}", k.id, x.sold, x.ordered, x.delivered, x.returned);
        }
    }
    let read = || history::from_csv_text(Path::new("ytd.csv"), &csv, &Mapping::new(), Granularity::Weekly).unwrap();
    let h = read();
    let closed = Closed::from_outcome(&year, 26);
    let cfg = RunConfig { runs: 10_000, seed: 1, ..RunConfig::default() };

    let mut g = c.benchmark_group("track_52x50_10000");
    g.sample_size(10);
    g.bench_function("conditioned_run", |b| {
        b.iter(|| {
            let mut model = Model::new(&compiled).unwrap();
            conditioned::condition(&mut model, &closed);
            black_box(conditioned::run_track(&model, &closed, &cfg).unwrap())
        })
    });
    g.bench_function("whole_report", |b| {
        b.iter(|| {
            let h = read();
            let inputs = Inputs {
                contract_name: "synthetic.toml",
                contract: &contract,
                history: &h,
                actuals: vec!["ytd.csv".into()],
                previous: None,
                statement: None,
            };
            let r = track(&inputs, &Options { runs: 10_000, ..Options::default() }).unwrap();
            assert_eq!(r.closed, 26);
            black_box(r)
        })
    });
    g.finish();
    let _ = h;
}

criterion_group!(benches, bench);
criterion_main!(benches);
