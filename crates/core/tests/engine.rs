//! Integration tests of kasim-core: worked examples (golden), invariants (proptest), error
//! locations, and every bundled scenario. One test binary links faster than many.

mod compliance;
mod errors;
mod give_get;
mod invariants;
mod resources;
mod scenarios;
mod worked_examples;

/// Proptest cases: the given default, or `PROPTEST_CASES` for a longer run.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
