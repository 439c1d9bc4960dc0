//! Settlement of one contract-year: 12 monthly periods × 10 SKUs with every rule kind
//! (`scenarios/bench/every-rule.toml`), through the same `Compiled` path the CLI and the Monte
//! Carlo crate use. Targets (issue #2): totals only ≤ 20 µs; with the full ledger, recorded.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use kasim_core::Compiled;

fn contract_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/bench/every-rule.toml")
}

fn bench_settle(c: &mut Criterion) {
    let contract = kasim_core::load(contract_path()).expect("bench scenario loads");
    let model = Compiled::new(&contract).expect("compiles");
    let outcome = model.plan_outcome().clone();
    assert_eq!((outcome.periods(), outcome.skus()), (12, 10), "the bench model is 12 × 10");
    let mut g = c.benchmark_group("settle_12x10_every_rule");
    g.bench_function("totals_only", |b| b.iter(|| model.totals(black_box(&outcome)).unwrap()));
    g.bench_function("full_ledger", |b| b.iter(|| model.settle(black_box(&outcome)).unwrap()));
    g.bench_function("compile_contract", |b| b.iter(|| Compiled::new(black_box(&contract)).unwrap()));
    g.finish();
}

criterion_group!(benches, bench_settle);
criterion_main!(benches);
