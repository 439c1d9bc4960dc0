//! `kasim calibrate` (issue 12): three years of weekly history for 500 SKUs (synthetic,
//! `kasim_actuals::synthetic`, 78,000 rows as the CSV a portal exports) onto a weekly
//! 500-SKU contract — reading the CSV, the estimators alone, and the whole report (read,
//! calibrate, write and load the calibrated contract, backtest with 500 simulated scenarios).
//! Target: the whole report ≤ 5 s.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use kasim_actuals::report::{CalibrationReport, Options};
use kasim_actuals::synthetic::{Spec, contract_toml, generate, to_csv};
use kasim_actuals::{Mapping, calibrate::calibrate, history};
use kasim_core::contract::Granularity;

fn bench(c: &mut Criterion) {
    let spec = Spec { skus: 500, ..Spec::default() };
    let csv = to_csv(&generate(&spec));
    let dir = std::env::temp_dir().join(format!("kasim-bench-calibrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let contract_path = dir.join("contract.toml");
    std::fs::write(&contract_path, contract_toml(&spec, true)).unwrap();
    let contract = kasim_core::load(&contract_path).unwrap();
    let name = Path::new("sales.csv");
    let read = || history::from_csv_text(name, &csv, &Mapping::new(), Granularity::Weekly).unwrap();
    let h = read();
    assert_eq!(h.summary.rows, 500 * 156);
    let files = [PathBuf::from("sales.csv")];

    let mut g = c.benchmark_group("calibrate_500_skus_156_weeks");
    g.sample_size(10);
    g.bench_function("read_csv", |b| b.iter(|| black_box(read())));
    g.bench_function("estimators", |b| b.iter(|| calibrate(black_box(&h)).unwrap()));
    g.bench_function("whole_report", |b| {
        b.iter(|| {
            let h = read();
            CalibrationReport::prepare(&contract_path, &contract, &h, &files, &dir, &Options::default()).unwrap()
        })
    });
    g.finish();
    std::fs::remove_dir_all(&dir).ok();
}

criterion_group!(benches, bench);
criterion_main!(benches);
