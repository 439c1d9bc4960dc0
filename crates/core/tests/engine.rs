//! Integration tests of kasim-core: worked examples (golden), invariants (proptest), error
//! locations, and every bundled scenario. One test binary links faster than many.

mod errors;
mod invariants;
mod scenarios;
mod worked_examples;
