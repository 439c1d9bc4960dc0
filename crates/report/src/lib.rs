//! # kasim-report
//!
//! What kasim's commands return, and how it is shown. Every command's result is a typed,
//! serialisable *report value* built by a library (a simulation summary in
//! `kasim-montecarlo`, a negotiation in `kasim-negotiate`, an evaluation here from
//! `kasim-core`'s settlement). A report implements [`Report`]: it names its JSON schema,
//! describes itself as a [`Document`] of typed cells, and names the table that is its CSV, if
//! it has one. One emitter per format ([`mod@emit`]) renders any report:
//!
//! * [`emit::table`] — aligned terminal text from the document, English and Chinese labels;
//! * [`emit::csv`] — the named table as CSV (UTF-8 with a byte-order mark);
//! * [`emit::json`] — the report value itself, versioned (`"format": "kasim.<command>/1"`);
//! * [`emit::html`] — one self-contained page from the document, its charts drawn by
//!   [`chart::svg`] (plotters' SVG backend) inline, with a print stylesheet.
//!
//! Because the JSON *is* the report value and the table is built from the same value, the
//! formats cannot disagree; [`testing::check`] proves it for a report by finding every table
//! cell in the JSON. A new format (xlsx, HTML) is one more emitter over [`Document`]; no
//! command changes.
//!
//! ```
//! use kasim_report::{Column, Document, Report, Table, Text, Value, emit};
//! use rust_decimal::Decimal;
//!
//! #[derive(serde::Serialize)]
//! struct Fee { rule: String, amount: Decimal }
//!
//! impl Report for Fee {
//!     fn schema(&self) -> &'static str { "kasim.example/1" }
//!     fn document(&self) -> Document {
//!         let mut t = Table::new("fees", vec![Column::text("rule", "Rule"), Column::number("amount", "Amount")]);
//!         t.row(vec![Value::text(&self.rule), Value::Money(self.amount)]);
//!         let mut doc = Document::new(Text::both("Fees", "费用"));
//!         doc.blocks.push(t.into());
//!         doc
//!     }
//!     fn csv_table(&self) -> Option<&str> { Some("fees") }
//! }
//!
//! let fee = Fee { rule: "entry".into(), amount: Decimal::new(30000000, 2) };
//! assert!(emit::emit(&fee, emit::Format::Table).unwrap().contains("300,000.00"));
//! assert!(emit::emit(&fee, emit::Format::Json).unwrap().contains("\"300000.00\""));
//! assert!(emit::emit(&fee, emit::Format::Csv).unwrap().ends_with("entry,300000.00\n"));
//! kasim_report::testing::assert_consistent(&fee);
//! ```

#![deny(missing_docs)]

mod brief;
mod calibrate;
pub mod chart;
pub mod compliance;
pub mod document;
pub mod emit;
pub mod evaluate;
pub mod multi_year;
mod negotiate;
pub mod plan;
pub mod portfolio;
pub mod replay;
pub mod simulation;
pub mod testing;
mod track;

pub use document::{
    Align, Block, Chart, ChartKind, Column, Document, KeyValues, Label, Lang, Marker, Section, Series, Table, Text,
    TornadoBar, Value,
};
pub use emit::{Format, emit};
pub use evaluate::{EvaluateReport, Evaluation, ExplainReport, ReplayReport};

/// A command's result that every emitter can render.
///
/// Implementations build the [`Document`] from the value's own fields, so every number a
/// table shows is one the JSON shows ([`testing::check`]).
pub trait Report: serde::Serialize {
    /// The JSON schema and version, `kasim.<command>/<version>`; bump the version when a key
    /// changes meaning or disappears (adding keys keeps it).
    fn schema(&self) -> &'static str;

    /// The report as a document of typed cells.
    fn document(&self) -> Document;

    /// The id of the document's table that is this report's CSV, or `None` when the report
    /// has no single table a spreadsheet would want (its command then refuses
    /// `--format csv`).
    fn csv_table(&self) -> Option<&str> {
        None
    }
}

impl From<Table> for Block {
    fn from(t: Table) -> Block {
        Block::Table(t)
    }
}

impl From<Chart> for Block {
    fn from(c: Chart) -> Block {
        Block::Chart(Box::new(c))
    }
}

impl From<Section> for Block {
    fn from(s: Section) -> Block {
        Block::Section(s)
    }
}

impl From<KeyValues> for Block {
    fn from(kv: KeyValues) -> Block {
        Block::KeyValues(kv)
    }
}

/// Errors of emitting a report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// CSV was asked of a report without a CSV table.
    #[error("the {schema} report has no CSV table: use --format table or json")]
    NoCsv {
        /// The report's schema.
        schema: &'static str,
    },
    /// JSON could not be written.
    #[error("cannot write JSON")]
    Json(#[from] serde_json::Error),
    /// CSV could not be written.
    #[error("cannot write CSV")]
    Csv(#[from] csv::Error),
    /// A binary format was asked as text.
    #[error("{format} is a binary format: write it to a file with --out")]
    Binary {
        /// The format (`xlsx`).
        format: &'static str,
    },
    /// A chart could not be drawn.
    #[error("cannot draw the chart: {0}")]
    Chart(String),
    /// The workbook could not be written.
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
}

impl Error {
    /// True when the error is a refused CSV (the caller asked for a format the report lacks).
    pub fn is_no_csv(&self) -> bool {
        matches!(self, Error::NoCsv { .. })
    }
}
