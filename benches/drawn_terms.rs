//! Contract terms drawn per scenario (`[[uncertainty.terms]]`, issue 8): the GlobalMart
//! hypermarket contract with eleven drawn fee and payment terms
//! (`scenarios/bench/drawn-terms.toml`) against the same contract with the terms removed,
//! and the sensitivity analysis over those 11 terms and the contract's 8 uncertain inputs.
//! Targets (issue 8): drawn fee/payment terms cost ≤ 1.3× the undrawn run; the sensitivity
//! at 2,000 scenarios per variant ≤ 1.5 s.
//!
//! `cargo bench -p kasim-benches --bench drawn_terms -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kasim_core::money::Num;
use kasim_core::uncertainty::{Dist, TermDist};
use kasim_core::{Compiled, Contract, terms};
use kasim_montecarlo::analysis::{self, Stat};
use kasim_montecarlo::{Model, RunConfig, run};

fn drawn_terms_contract() -> Contract {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/bench/drawn-terms.toml");
    kasim_core::load(path).expect("drawn-terms.toml loads")
}

fn bench(c: &mut Criterion) {
    let drawn = drawn_terms_contract();
    let mut undrawn = drawn.clone();
    undrawn.uncertainty.as_mut().expect("uncertain").terms.clear();
    // The same eleven terms plus a drawn invoice price: a term that changes the plan, so each
    // scenario recompiles it (once).
    let mut priced = drawn.clone();
    let price = Dist::Uniform { min: Num("8.10".parse().unwrap()), max: Num("8.50".parse().unwrap()) };
    priced
        .uncertainty
        .as_mut()
        .expect("uncertain")
        .terms
        .push(TermDist { path: "skus.HM-RC200.invoice_price".into(), dist: price });

    let (cd, cu, cp) =
        (Compiled::new(&drawn).unwrap(), Compiled::new(&undrawn).unwrap(), Compiled::new(&priced).unwrap());
    let (md, mu, mp) = (Model::new(&cd).unwrap(), Model::new(&cu).unwrap(), Model::new(&cp).unwrap());

    let mut g = c.benchmark_group("drawn_terms_parts");
    for (name, model) in [("undrawn", &mu), ("drawn_11_terms", &md), ("drawn_11_terms_and_invoice_price", &mp)] {
        let mut ws = model.workspace();
        let mut k = 0u64;
        g.bench_function(format!("row_one_scenario_{name}"), |b| {
            b.iter(|| {
                k += 1;
                model.row(7, black_box(k), &mut ws).unwrap()
            })
        });
    }
    // What a drawn-terms scenario adds before settling, taken apart: drawing the eleven
    // values, setting them in the worker's copy, and the variant of the copy.
    let mut k = 0u64;
    g.bench_function("draw_11_terms", |b| {
        b.iter(|| {
            k += 1;
            md.drawn_terms(7, black_box(k))
        })
    });
    let mut copy = drawn.clone();
    let values = md.drawn_terms(7, 1);
    g.bench_function("set_11_terms_in_place", |b| {
        b.iter(|| {
            for (path, v) in &values {
                terms::set(&mut copy, path, black_box(*v)).unwrap();
            }
        })
    });
    g.bench_function("variant_fee_and_payment_terms", |b| b.iter(|| cd.variant(black_box(&copy)).unwrap().periods()));
    let mut priced_copy = priced.clone();
    for (path, v) in mp.drawn_terms(7, 1) {
        terms::set(&mut priced_copy, &path, v).unwrap();
    }
    g.bench_function("variant_with_invoice_price", |b| {
        b.iter(|| cp.variant(black_box(&priced_copy)).unwrap().periods())
    });
    g.finish();

    let runs = 10_000u64;
    let mut g = c.benchmark_group("drawn_terms_run");
    g.throughput(Throughput::Elements(runs));
    g.sample_size(10);
    for threads in [1usize, 2] {
        for (name, model) in [("undrawn", &mu), ("drawn_11_terms", &md)] {
            g.bench_function(format!("{runs}_scenarios_{name}_{threads}_threads"), |b| {
                b.iter(|| {
                    let cfg = RunConfig { runs, seed: 1, threads, ..RunConfig::default() };
                    run(std::slice::from_ref(model), black_box(&cfg)).unwrap()
                })
            });
        }
    }
    g.finish();

    // `kasim sensitivity scenarios/bench/drawn-terms.toml --runs 2000`: the tornado (base and
    // 19 inputs at two values: 39 runs) and the rank correlations (one more run).
    let mut g = c.benchmark_group("sensitivity");
    g.sample_size(10);
    g.bench_function("tornado_and_rank_correlations_11_terms_8_inputs_2000_runs", |b| {
        b.iter(|| {
            let cfg = RunConfig { runs: 2000, seed: 1, ..RunConfig::default() };
            let t = analysis::tornado(black_box(&drawn), &cfg, Stat::Mean).unwrap();
            let r = analysis::rank_correlations(&drawn, &cfg).unwrap();
            (t, r)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
