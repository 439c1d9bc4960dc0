//! Monte Carlo throughput on the reference model `ref-52x10`
//! (`scenarios/bench/ref-52x10.toml`, specified in ../shared/reference/benchmark-model.md),
//! through the same code path `kasim simulate` runs. Targets (issue #3): ≥ 200,000
//! contract-years/s with 2 threads; 1 → 2 threads speed-up ≥ 1.8×.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kasim_core::Compiled;
use kasim_montecarlo::{Model, RunConfig, run};

fn bench(c: &mut Criterion) {
    // KASIM_BENCH_CONTRACT points the bench at another contract (for profiling experiments).
    let path = std::env::var_os("KASIM_BENCH_CONTRACT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/bench/ref-52x10.toml"));
    let contract = kasim_core::load(path).expect("ref-52x10 loads");
    let compiled = Compiled::new(&contract).expect("compiles");
    let model = Model::new(&compiled).expect("model");
    let mut buf = model.outcome_buffer();

    let mut g = c.benchmark_group("ref_52x10_parts");
    let mut k = 0u64;
    g.bench_function("sample_one_scenario", |b| {
        b.iter(|| {
            k += 1;
            model.sample_into(7, black_box(k), &mut buf);
        })
    });
    model.sample_into(7, 1, &mut buf);
    let mut scratch = kasim_core::settle::Scratch::default();
    g.bench_function("settle_totals_one_scenario", |b| {
        b.iter(|| compiled.totals_with(black_box(&buf), &mut scratch).unwrap())
    });
    let mut k2 = 0u64;
    g.bench_function("sample_and_settle_one_scenario", |b| {
        b.iter(|| {
            k2 += 1;
            model.sample_into(7, black_box(k2), &mut buf);
            compiled.totals_with(black_box(&buf), &mut scratch).unwrap()
        })
    });
    let mut k3 = 0u64;
    let mut ws = model.workspace();
    g.bench_function("row_one_scenario", |b| {
        b.iter(|| {
            k3 += 1;
            model.row(7, black_box(k3), &mut ws).unwrap()
        })
    });
    g.finish();

    let runs = 20_000u64;
    let mut g = c.benchmark_group("ref_52x10_run");
    g.throughput(Throughput::Elements(runs));
    g.sample_size(10);
    for threads in [1usize, 2] {
        g.bench_function(format!("{runs}_scenarios_{threads}_threads"), |b| {
            b.iter(|| {
                let cfg = RunConfig { runs, seed: 7, threads, ..RunConfig::default() };
                run(std::slice::from_ref(&model), black_box(&cfg)).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
