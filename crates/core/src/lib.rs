//! # kasim-core
//!
//! The engine of **kasim**: the model of a Key Account (KA) trade-terms contract between a
//! consumer-goods supplier and a retailer, every fee rule of such contracts, and an exact
//! settlement that produces a ledger (every amount names its rule, base and rate), the
//! supplier's P&L and the retailer's view (front and back margin).
//!
//! ```
//! let contract = kasim_core::demo::contract(r#"
//! [[fees]]
//! id = "entry"
//! kind = "lump_sum"
//! event = "entry"
//! amount = "200000"
//!
//! [[fees]]
//! id = "rebate"
//! kind = "unconditional_rebate"
//! rate = "3%"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&contract).unwrap();
//! assert_eq!(s.pnl.net_invoiced_sales.to_string(), "1200000.00");
//! assert_eq!(s.pnl.fees_total.to_string(), "236000.00"); // 200,000 + 3% × 1,200,000
//! // Ledger lines add up to the P&L exactly.
//! let sum: rust_decimal::Decimal = s.ledger.iter().filter(|l| l.kind.is_fee()).map(|l| l.amount).sum();
//! assert_eq!(sum, s.pnl.fees_total);
//! ```
//!
//! ## Money and rounding
//!
//! Money is [`rust_decimal::Decimal`] everywhere a user sees it; hot loops aggregate integer
//! units × prices held in millionths (exact), and convert once per aggregate. Each ledger line
//! is rounded where the contract says ([`money::Rounding`]: half-up to the cent per line by
//! default), and totals are sums of rounded lines, so the ledger always adds up.
//!
//! ## Where to start
//!
//! * [`load`](fn@load) a contract file (TOML), [`evaluate`] it against its own sales plan, or
//!   [`settle`](fn@settle) it against any [`Outcome`].
//! * [`settle::Compiled`] prepares a contract once and settles many outcomes; its
//!   [`settle::Compiled::totals`] path keeps totals only (what the Monte Carlo crate uses).
//! * [`fees`] documents every rule with its formula and a worked example; a rule is one file
//!   implementing [`fees::Clause`] plus one registry line.
//! * [`_documentation`] holds the long-form chapters: the [design notes](_documentation::design)
//!   (the layout of this crate, and why) and the [fee-rule chapter](_documentation::fee_rules).

#![deny(missing_docs)]

pub mod _documentation {
    //! Long-form documentation, included from `docs/` so that rustdoc checks every item it
    //! links to: renaming an item without updating the chapter breaks the doc build.

    #[doc = include_str!("../../../docs/design.md")]
    pub mod design {}

    #[doc = include_str!("../../../docs/fee-rules.md")]
    pub mod fee_rules {}
}
pub mod compliance;
pub mod contract;
pub mod demo;
pub mod error;
pub mod extends;
pub mod fees;
pub mod load;
pub mod money;
pub mod multiyear;
pub mod negotiation;
pub mod outcome;
pub mod portfolio;
pub mod resources;
pub mod settle;
pub mod source;
pub mod terms;
pub mod uncertainty;
pub mod validate;

pub use contract::Contract;
pub use error::{Error, Problem};
pub use load::{load, load_str};
pub use outcome::Outcome;
pub use settle::{Compiled, Settlement, evaluate, settle};

/// The JSON Schema of contract files (draft 2020-12), for editor completion and checking.
pub fn contract_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Contract);
    extends::schema(serde_json::to_value(schema).unwrap_or(serde_json::Value::Null))
}

/// The JSON Schema of supplier files.
pub fn supplier_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(contract::Supplier);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod layering {
    //! The modules of kasim-core form layers: no module uses a module that uses it back, and
    //! the fee rules never reach into the settlement engine that runs them.

    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Top-level module → the top-level modules its code (not comments, not tests) names as
    /// `crate::<module>`.
    fn graph() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        let mut dirs = vec![src.clone()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in files {
            let rel = f.strip_prefix(&src).unwrap();
            let first = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
            let module = first.trim_end_matches(".rs").to_string();
            if module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let deps = g.entry(module.clone()).or_default();
            for line in text.lines() {
                let line = line.trim_start();
                if line.starts_with("#[cfg(test)]") {
                    break;
                }
                if line.starts_with("//") {
                    continue;
                }
                for (i, _) in line.match_indices("crate::") {
                    let name: String =
                        line[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if !name.is_empty() && name != module && name.chars().next().is_some_and(|c| c.is_lowercase()) {
                        deps.insert(name);
                    }
                }
            }
        }
        g
    }

    #[test]
    fn no_module_uses_a_module_that_uses_it_back() {
        let g = graph();
        // Depth-first search for a back edge; report the cycle.
        fn visit<'g>(
            m: &'g str,
            g: &'g BTreeMap<String, BTreeSet<String>>,
            stack: &mut Vec<&'g str>,
            done: &mut BTreeSet<&'g str>,
        ) -> Option<Vec<String>> {
            if let Some(i) = stack.iter().position(|s| *s == m) {
                let mut cycle: Vec<String> = stack[i..].iter().map(|s| s.to_string()).collect();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            if !done.insert(m) {
                return None;
            }
            stack.push(m);
            for d in g.get(m).into_iter().flatten() {
                if let Some(c) = visit(d, g, stack, done) {
                    return Some(c);
                }
            }
            stack.pop();
            None
        }
        let mut done = BTreeSet::new();
        for m in g.keys() {
            if let Some(cycle) = visit(m, &g, &mut Vec::new(), &mut done) {
                panic!("module cycle in kasim-core: {}", cycle.join(" → "));
            }
        }
        assert!(g.len() >= 10, "found only {:?}", g.keys());
    }

    #[test]
    fn fee_rules_do_not_reach_into_the_engine() {
        let g = graph();
        for m in ["settle", "validate", "terms", "load", "contract"] {
            assert!(!g["fees"].contains(m), "fees/ uses crate::{m}");
        }
    }
}
