//! One emitter per output format. Each renders any [`Report`]: the terminal table and CSV
//! from its [`Document`](crate::Document), the JSON from the report value itself.

pub mod csv;
pub mod json;
pub mod table;

use crate::{Error, Lang, Report};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// The report value as JSON, versioned by its schema.
    Json,
    /// The report's CSV table (UTF-8 with a byte-order mark).
    Csv,
}

/// Renders a report in a format.
///
/// # Errors
///
/// [`Error::NoCsv`] for CSV of a report that names no CSV table (commands refuse
/// `--format csv` before running, so this is a programming error there), and the serialiser's
/// error when JSON or CSV cannot be written.
pub fn emit<R: Report + ?Sized>(report: &R, format: Format) -> Result<String, Error> {
    match format {
        Format::Table => Ok(table::render(&report.document(), Lang::Both)),
        Format::Json => json::render(report),
        Format::Csv => csv::render(report),
    }
}
