//! The consistency test every report type runs through: each data cell of its document's
//! tables appears, with the same value, among the leaves of its JSON.
//!
//! Exact decimals (money, rates, term values) match a JSON decimal string or number equal to
//! them as decimals; floating-point cells (probabilities, standard deviations, correlations)
//! match a JSON number (or numeric string) within 1e-12 relative; counts match a whole number;
//! text matches a string. Labels and empty cells are layout and are not looked up.

use rust_decimal::Decimal;

use crate::document::{Table, Value};
use crate::{Report, emit};

/// The leaves of a JSON value.
#[derive(Default)]
struct Leaves {
    strings: Vec<String>,
    numbers: Vec<f64>,
    decimals: Vec<Decimal>,
}

fn collect(v: &serde_json::Value, out: &mut Leaves) {
    match v {
        serde_json::Value::String(s) => {
            if let Ok(d) = s.parse::<Decimal>() {
                out.decimals.push(d);
            }
            if let Ok(x) = s.parse::<f64>() {
                out.numbers.push(x);
            }
            out.strings.push(s.clone());
        }
        serde_json::Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.numbers.push(x);
            }
            if let Ok(d) = n.to_string().parse::<Decimal>() {
                out.decimals.push(d);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| collect(x, out)),
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

fn found(v: &Value, j: &Leaves) -> bool {
    match v {
        Value::Money(d) | Value::UnitPrice(d) | Value::Cost(d) | Value::Rate(d) | Value::Decimal(d) => {
            j.decimals.contains(d)
        }
        Value::Percent(x)
        | Value::Probability(x)
        | Value::Number(x)
        | Value::Correlation(x)
        | Value::Score(x)
        | Value::Estimate(x)
        | Value::Fixed(x, _) => j.numbers.iter().any(|y| close(*x, *y)),
        Value::Count(n) => j.decimals.contains(&Decimal::from(*n)),
        Value::Text(s) => j.strings.contains(s),
        Value::Name(t) => j.strings.contains(&t.en) && t.zh.as_ref().is_none_or(|zh| j.strings.contains(zh)),
        Value::Label(_) | Value::Missing | Value::Empty => true,
    }
}

/// Checks a report: every data cell of its document is in its JSON, the JSON carries the
/// schema, and the CSV table it names exists. Returns every discrepancy.
///
/// # Errors
///
/// The list of discrepancies, one line each (`table id, row, column: cell not in JSON`).
pub fn check<R: Report + ?Sized>(report: &R) -> Result<(), Vec<String>> {
    let json = emit::json::value(report).map_err(|e| vec![format!("JSON: {e}")])?;
    let mut problems = Vec::new();
    if json.get("format").and_then(|f| f.as_str()) != Some(report.schema()) {
        problems.push(format!("JSON lacks \"format\": \"{}\"", report.schema()));
    }
    let mut leaves = Leaves::default();
    collect(&json, &mut leaves);
    let doc = report.document();
    for t in doc.tables() {
        check_table(t, &leaves, &mut problems);
    }
    if let Some(id) = report.csv_table() {
        if doc.table(id).is_none() {
            problems.push(format!("CSV table `{id}` is not in the document"));
        } else if let Err(e) = emit::csv::render(report) {
            problems.push(format!("CSV: {e}"));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

fn check_table(t: &Table, leaves: &Leaves, problems: &mut Vec<String>) {
    for (r, row) in t.rows.iter().enumerate() {
        if row.len() > t.columns.len() {
            problems.push(format!("table `{}`, row {r}: {} cells under {} columns", t.id, row.len(), t.columns.len()));
        }
        for (c, v) in row.iter().enumerate() {
            if !found(v, leaves) {
                let col = t.columns.get(c).map_or("?", |c| c.key.as_str());
                problems.push(format!("table `{}`, row {r}, column `{col}`: {v:?} is not in the JSON", t.id));
            }
        }
    }
}

/// Panics with every discrepancy [`check`] finds: for tests.
///
/// # Panics
///
/// When the report's formats disagree.
pub fn assert_consistent<R: Report + ?Sized>(report: &R) {
    if let Err(problems) = check(report) {
        panic!("report {} is inconsistent:\n{}", report.schema(), problems.join("\n"));
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use serde::Serialize;

    use crate::document::{Column, Document, KeyValues, Table, Text, Value};
    use crate::emit::{Format, emit};
    use crate::{Lang, Report};

    #[derive(Serialize)]
    struct Sample {
        contract: String,
        label: String,
        label_zh: String,
        net_contribution: Decimal,
        returns: Decimal,
        fee_ratio: Option<Decimal>,
        p_loss: f64,
        units: i64,
        #[serde(skip)]
        wrong: bool,
    }

    impl Report for Sample {
        fn schema(&self) -> &'static str {
            "kasim.sample/1"
        }
        fn document(&self) -> Document {
            let mut t = Table::new(
                "pnl",
                vec![
                    Column::text("metric", Text::both("Metric", "指标")),
                    Column::number(self.contract.clone(), self.contract.clone()),
                    Column::text("label", "Label").detail(),
                ],
            );
            t.row(vec![Value::label("contract", "Contract"), Value::text(&self.contract)]);
            t.blank();
            t.row(vec![Value::label("group", "Group")]);
            let nc = if self.wrong { self.net_contribution + Decimal::ONE } else { self.net_contribution };
            t.row(vec![
                Value::indented("net_contribution", Text::both("Net contribution", "净贡献"), 1),
                Value::Money(nc),
            ]);
            t.row(vec![Value::indented("returns", "Returns", 1), Value::Cost(self.returns)]);
            t.row(vec![Value::label("fee_ratio", "Fee ratio"), Value::rate(self.fee_ratio)]);
            t.row(vec![
                Value::label("p_loss", "P(< 0)"),
                Value::Probability(self.p_loss),
                Value::Name(Text::both(&self.label, &self.label_zh)),
            ]);
            t.row(vec![Value::label("units", "Units"), Value::Count(self.units)]);
            let mut kv = KeyValues::new("result");
            kv.pair("units", Text::en("Units"), Value::Count(self.units));
            let mut doc = Document::new("Sample");
            doc.subtitle.push(Text::en("seed 1"));
            doc.blocks.push(t.into());
            doc.blocks.push(kv.into());
            doc.notes.push(Text::en("Amounts are costs when negative."));
            doc
        }
        fn csv_table(&self) -> Option<&str> {
            Some("pnl")
        }
    }

    fn sample(wrong: bool) -> Sample {
        Sample {
            contract: "Sunrise 2027".into(),
            label: "Service fee".into(),
            label_zh: "合同费".into(),
            net_contribution: Decimal::new(-66624149, 2),
            returns: Decimal::new(27039390, 2),
            fee_ratio: None,
            p_loss: 0.966,
            units: 1_568_067,
            wrong,
        }
    }

    #[test]
    fn consistent_report_passes_and_a_wrong_cell_is_named() {
        super::assert_consistent(&sample(false));
        let problems = super::check(&sample(true)).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("net_contribution") || problems[0].contains("Sunrise"), "{problems:?}");
    }

    #[test]
    fn table_emitter_formats_each_type() {
        let text = emit(&sample(false), Format::Table).unwrap();
        let expected = "\
Sample
seed 1

Metric 指标                Sunrise 2027
───────────────────────────────────────
Contract                   Sunrise 2027

Group
  Net contribution 净贡献   -666,241.49
  Returns                   -270,393.90
Fee ratio                             –
P(< 0)                           96.60%
Units                         1,568,067

Units  1,568,067

Amounts are costs when negative.
";
        assert_eq!(text, expected);
        let english = crate::emit::table::render(&sample(false).document(), Lang::En);
        assert!(
            english.contains("Metric      ") && !english.contains("指标") && !english.contains("净贡献"),
            "{english}"
        );
    }

    #[test]
    fn csv_emitter_writes_keys_plain_values_and_bilingual_columns() {
        let csv = emit(&sample(false), Format::Csv).unwrap();
        let expected = "\u{feff}metric,Sunrise 2027,label,label_zh
contract,Sunrise 2027,,
net_contribution,-666241.49,,
returns,270393.90,,
fee_ratio,,,
p_loss,0.966,Service fee,合同费
units,1568067,,
";
        assert_eq!(csv, expected);
    }

    #[test]
    fn json_emitter_puts_the_schema_first_and_money_as_strings() {
        let json = emit(&sample(false), Format::Json).unwrap();
        assert!(json.starts_with("{\n  \"format\": \"kasim.sample/1\",\n  \"contract\": \"Sunrise 2027\""), "{json}");
        assert!(json.contains("\"net_contribution\": \"-666241.49\""));
        assert!(json.ends_with("}\n"));
    }

    #[test]
    fn floating_point_cells_read_at_their_precision() {
        use crate::emit::table::cell;
        assert_eq!(cell(&Value::Score(0.86349), Lang::Both), "0.863");
        assert_eq!(cell(&Value::Estimate(303_960.4), Lang::Both), "303,960");
        assert_eq!(cell(&Value::Fixed(13.25, 1), Lang::Both), "13.3");
        assert_eq!(cell(&Value::Number(33_167.515), Lang::Both), "33,167.51");
        assert_eq!(cell(&Value::Percent(39.77), Lang::Both), "39.77%");
        assert_eq!(cell(&Value::Rate(Decimal::new(25, 2)), Lang::Both), "25.00%");
        assert_eq!(cell(&Value::Correlation(-0.4291), Lang::Both), "-0.429");
        assert_eq!(cell(&Value::UnitPrice(Decimal::new(68278, 4)), Lang::Both), "6.8278");
        assert_eq!(crate::emit::csv::cell(&Value::Estimate(303_960.4)), "303960.4");
    }

    #[test]
    fn a_report_without_csv_refuses_it() {
        #[derive(Serialize)]
        struct NoCsv;
        impl Report for NoCsv {
            fn schema(&self) -> &'static str {
                "kasim.none/1"
            }
            fn document(&self) -> Document {
                Document::default()
            }
        }
        assert!(emit(&NoCsv, Format::Csv).unwrap_err().is_no_csv());
        assert_eq!(emit(&NoCsv, Format::Table).unwrap(), "");
    }
}
