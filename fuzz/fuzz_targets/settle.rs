#![no_main]
//! Load, then settle the contract against its own plan: `kasim_core::evaluate` (the ledger) and
//! the totals-only path of `Compiled` (what the Monte Carlo crate uses). Both must agree.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(Ok(contract)) = kasim_fuzz::load(data) else { return };
    let full = kasim_core::evaluate(&contract);
    let Ok(compiled) = kasim_core::Compiled::new(&contract) else { return };
    let totals = compiled.totals(compiled.plan_outcome());
    if let (Ok(s), Ok(t)) = (&full, &totals) {
        // The two paths settle the same outcome with the same rounding: they must agree exactly.
        assert_eq!(s.pnl.fees_total, t.fees_total(), "ledger and totals paths disagree on fees");
        assert_eq!(s.pnl.gross_invoiced_sales, t.gross_invoiced, "ledger and totals paths disagree on sales");
    }
});
