//! xlsx: an Excel workbook per report. (Being built in issue 10.)

use crate::emit::table;
use crate::{Error, Report};

/// Renders a report as an xlsx workbook.
///
/// # Errors
///
/// [`Error::Xlsx`] when the workbook cannot be written.
pub fn render<R: Report + ?Sized>(_report: &R, _options: &table::Options) -> Result<Vec<u8>, Error> {
    Err(Error::Xlsx("the xlsx emitter is not built yet".into()))
}
