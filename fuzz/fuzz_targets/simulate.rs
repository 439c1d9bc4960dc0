#![no_main]
//! Load, then a small Monte Carlo run: 16 scenarios, one thread, a fixed seed.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(Ok(contract)) = kasim_fuzz::load(data) else { return };
    let Ok(compiled) = kasim_core::Compiled::new(&contract) else { return };
    let Ok(model) = kasim_montecarlo::Model::new(&compiled) else { return };
    let cfg = kasim_montecarlo::RunConfig { runs: 16, seed: 7, threads: 1, ..Default::default() };
    if let Ok(results) = kasim_montecarlo::run(&[model], &cfg) {
        let cents: Vec<i64> = results[0].rows.iter().map(|r| r.net_contribution).collect();
        let _ = kasim_montecarlo::Summary::of_cents(&cents);
    }
});
