//! Negotiations per second (issue #4 target: ≥ 1,000/s on 2 cores with a 100-round limit and
//! the supplier's utility over ≥ 256 common scenarios). The seed case
//! (`scenarios/negotiation-seed-case.toml`, 360 term combinations) is set up once with 256
//! scenarios — every combination settled as a whole contract on every scenario — and then
//! negotiated with a 100-round limit.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kasim_negotiate::StrategyKind::{Boulware, Conceder, Hardliner, Linear, Stall, StrongFirm, TitForTat};
use kasim_negotiate::contract::{setup, strategy_for};
use kasim_negotiate::tournament::{TournamentConfig, tournament};
use kasim_negotiate::{Side, negotiate};

fn bench(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/negotiation-seed-case.toml");
    let mut contract = kasim_core::load(path).expect("seed case loads");
    let n = contract.negotiation.as_mut().expect("has [negotiation]");
    n.supplier.scenarios = 256;
    n.rounds = 100;
    n.buyer.deadline = None;
    let mut g = c.benchmark_group("negotiate_seed_case_256_scenarios");
    g.sample_size(10);
    g.bench_function("setup_score_360_offers", |b| b.iter(|| setup(black_box(&contract)).unwrap()));
    let s = setup(&contract).unwrap();
    g.sample_size(50);
    g.bench_function("one_negotiation_100_rounds_boulware_vs_boulware", |b| {
        b.iter(|| {
            let (mut x, mut y) =
                (strategy_for(Boulware, Side::Supplier, &s).unwrap(), strategy_for(Boulware, Side::Buyer, &s).unwrap());
            negotiate(&s.grid, [&s.supplier, &s.buyer], [x.as_mut(), y.as_mut()], black_box(&s.config))
        })
    });
    let runs = 20u64;
    let names = [Boulware, Linear, Conceder, Hardliner, Stall, TitForTat, StrongFirm];
    g.throughput(Throughput::Elements(runs * (names.len() * names.len()) as u64));
    g.sample_size(10);
    for threads in [1usize, 2] {
        g.bench_function(format!("tournament_{runs}_runs_49_pairs_{threads}_threads"), |b| {
            b.iter(|| {
                tournament(&s, &names, &names, &TournamentConfig { runs, threads, ..TournamentConfig::default() })
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
