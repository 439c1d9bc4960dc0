//! # kasim-actuals
//!
//! Actuals in: read a retailer's sales export (CSV in UTF-8 or GBK, or a workbook) into a
//! typed sales history on the contract's calendar, and calibrate kasim's sales plan and
//! `[uncertainty]` from it.
//!
//! * [`table`] — a table from a file (CSV/xlsx, encodings, limits), with row numbers as the
//!   user sees them; reusable by any importer (a deduction statement, 对账单).
//! * [`mapping`] — column roles and header recognition (Chinese and English), overridden by a
//!   mapping file or `--column role=Header`.
//! * [`history`] — the typed [`SalesHistory`] and its read summary.
//! * [`calibrate`] — the estimators (baseline, seasonality with shrinkage, trend, demand
//!   noise, promotion elasticity per slot with pooling, post-promotion dip, fill and returns).
//! * [`backtest`] — fit on the first two thirds, forecast the rest: MAPE and the coverage of
//!   the simulated P10–P90.
//! * [`write`](mod@write) — the calibrated contract, a TOML file that `extends` the contract.
//! * [`report`] — the [`CalibrationReport`] value `kasim calibrate` emits.
//! * [`ytd`], [`track`], [`watchlist`], [`accrual`], [`statement`], [`reconcile`] — `kasim
//!   track`: the year in progress (closed periods exact, the rest simulated conditioned on
//!   them), the tier watchlist, the accrual schedule and the deduction statement's
//!   reconciliation.
//! * [`synthetic`] — the documented generator of histories from known parameters.
//!
//! Every input problem is an [`Error`] naming the file, the row (1-based, as a spreadsheet
//! shows it), the column (header and letter) and the value.
//!
//! ```
//! use kasim_actuals::{Mapping, history, calibrate::calibrate};
//! use kasim_core::contract::Granularity;
//!
//! let spec = kasim_actuals::synthetic::Spec { skus: 5, ..Default::default() };
//! let csv = kasim_actuals::synthetic::to_csv(&kasim_actuals::synthetic::generate(&spec));
//! let h = history::from_csv_text("sales.csv".as_ref(), &csv, &Mapping::new(), Granularity::Weekly).unwrap();
//! assert_eq!((h.summary.skus, h.summary.rows), (5, 5 * 156));
//! let cal = calibrate(&h).unwrap();
//! assert!((cal.elasticity.unwrap().value - 2.0).abs() < 0.4);
//! ```

#![deny(missing_docs)]

pub mod accrual;
pub mod backtest;
pub mod calibrate;
pub mod date;
pub mod error;
pub mod history;
pub mod mapping;
pub mod reconcile;
pub mod report;
pub mod statement;
pub mod synthetic;
pub mod table;
pub mod track;
pub mod watchlist;
pub mod write;
pub mod ytd;

pub use error::Error;
pub use history::SalesHistory;
pub use mapping::{Mapping, Role};
pub use report::CalibrationReport;
