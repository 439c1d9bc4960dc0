//! One emitter per output format. Each renders any [`Report`]: the terminal table and CSV
//! from its [`Document`](crate::Document), the JSON from the report value itself.

pub mod csv;
pub mod html;
pub mod json;
pub mod table;
pub mod xlsx;

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
    /// One self-contained HTML page (styles and charts inline, a print stylesheet).
    Html,
    /// An Excel workbook: a sheet per table, real numbers with number formats, native charts.
    Xlsx,
}

impl Format {
    /// True for formats whose output is bytes, not text (a workbook): they are written to a
    /// file (`--out`), never to a terminal.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Xlsx)
    }
}

/// Renders a report in a format.
///
/// # Errors
///
/// [`Error::NoCsv`] for CSV of a report that names no CSV table (commands refuse
/// `--format csv` before running, so this is a programming error there), and the serialiser's
/// error when JSON or CSV cannot be written; [`Error::Binary`] for xlsx (use [`render`]).
pub fn emit<R: Report + ?Sized>(report: &R, format: Format) -> Result<String, Error> {
    emit_with(report, format, &table::Options::lang(Lang::Both))
}

/// Renders a report in a format, the table fitted by `options` (language, money unit,
/// terminal width). JSON and CSV do not depend on the options: they stay exact, in currency
/// units, with both languages' labels.
///
/// # Errors
///
/// As [`emit`].
pub fn emit_with<R: Report + ?Sized>(report: &R, format: Format, options: &table::Options) -> Result<String, Error> {
    match format {
        Format::Table => Ok(table::render_with(&report.document(), options)),
        Format::Json => json::render(report),
        Format::Csv => csv::render(report),
        Format::Html => html::render(report, options),
        Format::Xlsx => Err(Error::Binary { format: "xlsx" }),
    }
}

/// Renders a report in any format as the bytes of a file: text formats as UTF-8, xlsx as the
/// workbook.
///
/// # Errors
///
/// As [`emit_with`], and the workbook writer's error for xlsx.
pub fn render<R: Report + ?Sized>(report: &R, format: Format, options: &table::Options) -> Result<Vec<u8>, Error> {
    match format {
        Format::Xlsx => xlsx::render(report, options),
        _ => emit_with(report, format, options).map(String::into_bytes),
    }
}
