#![no_main]
//! Load, then negotiate the contract's `[negotiation]` with bounded work: at most 4 common
//! scenarios, at most 512 outcomes, at most 200 rounds, then the bargaining metrics.

use kasim_negotiate::contract::setup;
use kasim_negotiate::report::{AdviceReport, NegotiationReport};
use kasim_negotiate::{Side, StrategyKind, frontier, kalai_smorodinsky, nash};
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
    let (Ok(s), Ok(b)) =
        (StrategyKind::parse_for(pair.0, Side::Supplier), StrategyKind::parse_for(pair.1, Side::Buyer))
    else {
        return;
    };
    // The report plays the pair (the flagship pilot included) and computes the metrics.
    let _ = NegotiationReport::new(&contract, &setup, s, b);
    let f = frontier(us, ub);
    let (rs, rb) = (setup.config.supplier.reservation, setup.config.buyer.reservation);
    let _ = (nash(us, ub, rs, rb), kalai_smorodinsky(us, ub, rs, rb), f);
    let _ = AdviceReport::new(&contract, &setup, 0.05);
});
