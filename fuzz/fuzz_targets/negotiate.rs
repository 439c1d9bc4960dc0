#![no_main]
//! Load, then negotiate the contract's `[negotiation]` with bounded work: at most 4 common
//! scenarios, at most 512 outcomes, at most 200 rounds, then the bargaining metrics.

use kasim_negotiate::contract::{negotiate_flagship, setup, strategy_for};
use kasim_negotiate::{frontier, kalai_smorodinsky, nash, negotiate};
use libfuzzer_sys::fuzz_target;
use rust_decimal::prelude::ToPrimitive;

const PAIRS: [(&str, &str); 4] =
    [("boulware", "linear"), ("tit-for-tat", "strong-firm"), ("flagship-first", "anchoring"), ("stall", "conceder")];

fuzz_target!(|data: &[u8]| {
    let Some(Ok(mut contract)) = kasim_fuzz::load(data) else { return };
    let Some(n) = contract.negotiation.as_mut() else { return };
    // Bound the work: the validator allows 100,000 scenarios × 20,000 outcomes.
    n.supplier.scenarios = n.supplier.scenarios.min(4);
    n.rounds = n.rounds.min(200);
    let mut outcomes = 1usize;
    for i in &n.issues {
        let k = ((i.max.0 - i.min.0) / i.step.0).floor().to_usize().unwrap_or(usize::MAX).saturating_add(1);
        outcomes = outcomes.saturating_mul(k);
    }
    if outcomes > 512 {
        return;
    }
    let Ok(setup) = setup(&contract) else { return };
    let (us, ub) = (&setup.supplier, &setup.buyer);
    let pair = PAIRS[data.len() % PAIRS.len()];
    let (Ok(mut s), Ok(mut b)) = (strategy_for(pair.0, &setup), strategy_for(pair.1, &setup)) else { return };
    let _t = if pair.0 == "flagship-first" {
        negotiate_flagship(&setup, &setup.buyer_params, &setup.config, s.as_mut(), b.as_mut())
    } else {
        Ok(negotiate(&setup.grid, [us, ub], [s.as_mut(), b.as_mut()], &setup.config))
    };
    let f = frontier(us, ub);
    let (rs, rb) = (setup.config.supplier.reservation, setup.config.buyer.reservation);
    let _ = (nash(us, ub, rs, rb), kalai_smorodinsky(us, ub, rs, rb), f);
    let _ = kasim_negotiate::contract::advise(&contract, &setup, 0.05);
});
