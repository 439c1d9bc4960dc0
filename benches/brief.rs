//! `kasim brief` analytics: a base/draft pair of the hypermarket contract (the draft with most
//! fees doubled, `crates/cli/tests/fixtures/hypermarket-draft.toml`) over 10,000 scenarios —
//! the clause-by-clause run ([`kasim_montecarlo::run_clauses`]) and the whole report value —
//! against the rows-only run `compare` does. Target (issue 10): the analytics well under 1 s;
//! the whole brief with html and xlsx ≤ 2 s.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use kasim_core::Compiled;
use kasim_montecarlo::{Model, RunConfig, run, run_clauses};
use kasim_negotiate::brief::{BriefReport, Input};

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let base = kasim_core::load(root.join("scenarios/hypermarket.toml")).expect("base loads");
    let draft = kasim_core::load(root.join("crates/cli/tests/fixtures/hypermarket-draft.toml")).expect("draft loads");
    let compiled = [Compiled::new(&base).unwrap(), Compiled::new(&draft).unwrap()];
    let models: Vec<Model<'_>> = compiled.iter().map(|m| Model::new(m).unwrap()).collect();
    let cfg = RunConfig { runs: 10_000, seed: 1, threads: 2, ..RunConfig::default() };

    let mut g = c.benchmark_group("brief_hypermarket_pair_10k");
    g.sample_size(10);
    g.bench_function("rows_only_run", |b| b.iter(|| run(black_box(&models), &cfg).unwrap()));
    g.bench_function("clause_run", |b| b.iter(|| run_clauses(black_box(&models), &cfg).unwrap()));
    let inputs = [Input { file: "base", contract: &base }, Input { file: "draft", contract: &draft }];
    g.bench_function("brief_report", |b| b.iter(|| BriefReport::new(black_box(&inputs), &cfg).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
