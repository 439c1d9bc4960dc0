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
//! * [`fees`] documents every rule with its formula and a worked example.

#![deny(missing_docs)]

pub mod contract;
pub mod demo;
pub mod error;
pub mod fees;
pub mod load;
pub mod money;
pub mod negotiation;
pub mod outcome;
pub mod settle;
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
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}

/// The JSON Schema of supplier files.
pub fn supplier_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(contract::Supplier);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}
