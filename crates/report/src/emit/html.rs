//! HTML: one self-contained page per report. (Being built in issue 10; replaced by the full
//! emitter with charts and a print stylesheet.)

use crate::emit::table;
use crate::{Error, Report};

/// Renders a report as one HTML page.
///
/// # Errors
///
/// None yet; kept fallible for the chart renderer.
pub fn render<R: Report + ?Sized>(report: &R, options: &table::Options) -> Result<String, Error> {
    let doc = report.document();
    let text = table::render_with(&doc, options);
    let esc = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    Ok(format!("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body><pre>{esc}</pre></body></html>\n"))
}
