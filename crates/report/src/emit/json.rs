//! JSON: the report value itself, pretty-printed, with its schema version first
//! (`"format": "kasim.<command>/1"`). Money, rates and ratios are decimal strings (the
//! `rust_decimal` serde default), so no reader converts them through binary floating point.

use serde::Serialize;

use crate::{Error, Report};

#[derive(Serialize)]
struct Versioned<'a, R: Serialize + ?Sized> {
    format: &'static str,
    #[serde(flatten)]
    report: &'a R,
}

/// The report as a JSON value (what [`render`] prints, and what the consistency test reads).
///
/// # Errors
///
/// The serialiser's error (a report whose value cannot be JSON: a non-string map key).
pub fn value<R: Report + ?Sized>(report: &R) -> Result<serde_json::Value, Error> {
    Ok(serde_json::to_value(Versioned { format: report.schema(), report })?)
}

/// Renders a report as pretty JSON with a final newline.
///
/// # Errors
///
/// The serialiser's error.
pub fn render<R: Report + ?Sized>(report: &R) -> Result<String, Error> {
    Ok(serde_json::to_string_pretty(&Versioned { format: report.schema(), report })? + "\n")
}
