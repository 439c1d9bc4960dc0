//! CSV of the table a report names ([`Report::csv_table`]): UTF-8 with a byte-order mark so
//! Excel reads Chinese labels correctly, a header of column keys, one record per data row,
//! values as plain decimal strings (no separators, full precision).

use crate::document::{Table, Value};
use crate::{Error, Report};

/// The byte-order mark that makes Excel read CSV as UTF-8.
pub const BOM: &str = "\u{feff}";

/// Renders a report's CSV table.
///
/// # Errors
///
/// [`Error::NoCsv`] when the report names no CSV table, or names one its document does not
/// have; [`Error::Csv`] when the writer fails.
pub fn render<R: Report + ?Sized>(report: &R) -> Result<String, Error> {
    let schema = report.schema();
    let id = report.csv_table().ok_or(Error::NoCsv { schema })?;
    let doc = report.document();
    let table = doc.table(id).ok_or(Error::NoCsv { schema })?;
    table_csv(table)
}

/// Renders one table as CSV.
///
/// # Errors
///
/// [`Error::Csv`] when the writer fails.
pub fn table_csv(t: &Table) -> Result<String, Error> {
    // A column of bilingual names is written as two: `<key>` and `<key>_zh`.
    let bilingual: Vec<bool> =
        (0..t.columns.len()).map(|i| t.rows.iter().any(|r| matches!(r.get(i), Some(Value::Name(_))))).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = Vec::new();
    for (c, &two) in t.columns.iter().zip(&bilingual) {
        head.push(c.key.clone());
        if two {
            head.push(format!("{}_zh", c.key));
        }
    }
    w.write_record(&head)?;
    for row in t.rows.iter().filter(|r| Table::is_data_row(r)) {
        let mut rec = Vec::new();
        for (i, &two) in bilingual.iter().enumerate() {
            match row.get(i) {
                Some(Value::Name(n)) => {
                    rec.push(n.en.clone());
                    rec.push(n.zh.clone().unwrap_or_default());
                }
                other => {
                    rec.push(other.map_or_else(String::new, cell));
                    if two {
                        rec.push(String::new());
                    }
                }
            }
        }
        w.write_record(&rec)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Csv(e.into_error().into()))?;
    Ok(format!("{BOM}{}", String::from_utf8_lossy(&bytes)))
}

/// How a cell reads in CSV: the value itself, as a program would parse it.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Money(d) | Value::UnitPrice(d) | Value::Cost(d) | Value::Rate(d) | Value::Decimal(d) => d.to_string(),
        Value::Percent(x)
        | Value::Probability(x)
        | Value::Number(x)
        | Value::Correlation(x)
        | Value::Score(x)
        | Value::Estimate(x)
        | Value::Fixed(x, _) => x.to_string(),
        Value::Count(n) => n.to_string(),
        Value::Text(s) => s.clone(),
        Value::Name(t) => t.en.clone(),
        Value::Label(l) => l.key.clone(),
        Value::Missing | Value::Empty => String::new(),
    }
}
