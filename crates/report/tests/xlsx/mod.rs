//! The xlsx emitter, read back: every table of a report's document is on its sheet, each data
//! cell a numeric cell (never a string) equal to the report's JSON value, headers in the asked
//! language, 万元 scaling, native charts, byte-identical output.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use kasim_montecarlo::analysis::Stat;
use kasim_montecarlo::report::{Comparison, Sensitivity, Simulation};
use kasim_report::emit::table::{MoneyUnit, Options};
use kasim_report::emit::xlsx::{self, is_digits};
use kasim_report::{
    Block, Chart, ChartKind, Column, Document, KeyValues, Lang, Marker, Report, Section, Series, Table, Text,
    TornadoBar, Value, emit,
};
use rust_decimal::Decimal;

use super::{cfg, evaluation, scenario};

fn opts(lang: Lang, unit: MoneyUnit) -> Options {
    Options { lang: Some(lang), unit, width: None }
}

fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes.to_vec())).expect("a workbook calamine reads")
}

/// The files of the xlsx zip whose names start with `prefix`, with their text.
fn parts(bytes: &[u8], prefix: &str) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        if name.starts_with(prefix) {
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            out.push((name, s));
        }
    }
    out.sort();
    out
}

fn f(d: Decimal) -> f64 {
    d.to_string().parse().unwrap()
}

fn is_money(v: &Value) -> bool {
    matches!(v, Value::Money(_) | Value::Cost(_) | Value::Number(_) | Value::Estimate(_))
}

/// What a cell must read back as: the documented storage rule of each type.
enum Expect {
    Number(f64),
    Text(String),
    Blank,
}

fn expected(v: &Value, o: &Options) -> Expect {
    let lang = o.lang.unwrap();
    let k = if o.unit == MoneyUnit::Wan { 1e-4 } else { 1.0 };
    let wan = |d: Decimal| if o.unit == MoneyUnit::Wan { f(d / Decimal::from(10_000)) } else { f(d) };
    let finite = |x: f64| if x.is_finite() { Expect::Number(x) } else { Expect::Blank };
    match v {
        Value::Money(d) => Expect::Number(wan(*d)),
        Value::Cost(d) => Expect::Number(wan(-*d)),
        Value::UnitPrice(d) | Value::Rate(d) | Value::Decimal(d) => Expect::Number(f(*d)),
        Value::Points(d) => Expect::Number(f(*d / Decimal::ONE_HUNDRED)),
        Value::Percent(x) => finite(x / 100.0),
        Value::Probability(x) | Value::Correlation(x) | Value::Score(x) | Value::Fixed(x, _) => finite(*x),
        Value::Number(x) | Value::Estimate(x) => finite(x * k),
        #[allow(clippy::cast_precision_loss)]
        Value::Count(n) => Expect::Number(*n as f64),
        Value::Text(s) => Expect::Text(s.clone()),
        Value::Name(t) => Expect::Text(t.render(lang)),
        Value::Label(l) if is_digits(&l.text) => Expect::Number(l.text.en.parse().unwrap()),
        Value::Label(l) => Expect::Text(l.text.render(lang)),
        Value::Missing | Value::Empty => Expect::Blank,
    }
}

/// The value the report's JSON holds for a cell read back as `x`: the storage rule undone.
fn json_value(v: &Value, x: f64, o: &Options) -> Option<f64> {
    let k = if o.unit == MoneyUnit::Wan { 1e4 } else { 1.0 };
    match v {
        Value::Money(_) | Value::Number(_) | Value::Estimate(_) => Some(x * k),
        Value::Cost(_) => Some(-x * k),
        Value::Percent(_) | Value::Points(_) => Some(x * 100.0),
        Value::UnitPrice(_)
        | Value::Rate(_)
        | Value::Decimal(_)
        | Value::Probability(_)
        | Value::Correlation(_)
        | Value::Score(_)
        | Value::Fixed(..)
        | Value::Count(_) => Some(x),
        _ => None,
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

fn json_numbers(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Number(n) => out.extend(n.as_f64()),
        serde_json::Value::String(s) => out.extend(s.parse::<f64>().ok()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_numbers(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| json_numbers(x, out)),
        _ => {}
    }
}

fn tables(blocks: &[Block], out: &mut Vec<Table>) {
    for b in blocks {
        match b {
            Block::Table(t) => out.push(t.clone()),
            Block::Section(s) => tables(&s.blocks, out),
            _ => {}
        }
    }
}

/// Reads a document's workbook back and checks every table cell against the document and,
/// when given, every numeric cell against the JSON's numbers. Returns the number of numeric
/// cells checked.
fn check_workbook(doc: &Document, bytes: &[u8], o: &Options, json: Option<&serde_json::Value>) -> usize {
    let lang = o.lang.unwrap();
    let mut wb = open(bytes);
    let names = wb.sheet_names();
    let sheets = xlsx::table_sheets(doc, lang);
    assert_eq!(names[0], xlsx::summary_sheet(lang));
    assert_eq!(&names[1..=sheets.len()], &sheets[..], "one sheet per table, in order");
    let has_charts = doc.charts().next().is_some();
    assert_eq!(names.len(), 1 + sheets.len() + usize::from(has_charts), "{names:?}");
    for n in &names {
        assert!(n.encode_utf16().count() <= 31 && !n.contains(['[', ']', ':', '*', '?', '/', '\\']), "{n}");
    }
    let mut numbers = Vec::new();
    if let Some(j) = json {
        json_numbers(j, &mut numbers);
    }
    let mut all = Vec::new();
    tables(&doc.blocks, &mut all);
    let mut checked = 0;
    for (t, name) in all.iter().zip(&sheets) {
        let range = wb.worksheet_range(name).unwrap();
        let at = |r: usize, c: usize| range.get_value((r as u32, c as u32)).cloned().unwrap_or(Data::Empty);
        let top = usize::from(t.title.is_some());
        if let Some(title) = &t.title {
            assert_eq!(at(0, 0), Data::String(title.render(lang)), "{name}: title");
        }
        for (i, c) in t.columns.iter().enumerate() {
            let money = o.unit == MoneyUnit::Wan && t.rows.iter().any(|r| r.get(i).is_some_and(is_money));
            let label = c.label.render(lang);
            let want = if money { format!("{label} (万元)") } else { label };
            assert_eq!(at(top, i), Data::String(want), "{name}: header {i}");
        }
        for (k, row) in t.rows.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let got = at(top + 1 + k, i);
                let place = format!("sheet `{name}`, row {k}, column `{}`: {v:?}", t.columns[i].key);
                match (expected(v, o), &got) {
                    (Expect::Number(x), Data::Float(y)) => {
                        assert!(close(x, *y, 1e-15), "{place}: {y} stored, {x} expected");
                        // Labels (a rank) are layout, not JSON data.
                        if let (Some(_), Some(j)) = (json, json_value(v, *y, o)) {
                            assert!(numbers.iter().any(|n| close(j, *n, 1e-9)), "{place}: {j} is not in the JSON");
                        }
                        checked += 1;
                    }
                    #[allow(clippy::cast_precision_loss)]
                    (Expect::Number(x), Data::Int(y)) => {
                        assert!(close(x, *y as f64, 1e-15), "{place}: {y} stored");
                        checked += 1;
                    }
                    (Expect::Number(_), other) => panic!("{place}: a number stored as {other:?}"),
                    (Expect::Text(s), Data::String(g)) => assert_eq!(&s, g, "{place}"),
                    // An empty label is an empty cell.
                    (Expect::Text(s), Data::Empty) if s.is_empty() => {}
                    (Expect::Text(s), other) => panic!("{place}: text {s:?} read as {other:?}"),
                    (Expect::Blank, Data::Empty) => {}
                    (Expect::Blank, other) => panic!("{place}: {other:?} where the cell is empty"),
                }
            }
        }
    }
    checked
}

/// A report through the xlsx emitter, in every language and unit, read back against its JSON.
fn check_report<R: Report>(report: &R) -> Vec<u8> {
    let json = emit::json::value(report).unwrap();
    let doc = report.document();
    let mut first = Vec::new();
    for (lang, unit) in [(Lang::Both, MoneyUnit::Yuan), (Lang::En, MoneyUnit::Wan), (Lang::Zh, MoneyUnit::Yuan)] {
        let o = opts(lang, unit);
        let bytes = emit::render(report, kasim_report::Format::Xlsx, &o).unwrap();
        let n = check_workbook(&doc, &bytes, &o, Some(&json));
        assert!(n > 0 || doc.tables().next().is_none(), "{}: no numeric cell checked", report.schema());
        if first.is_empty() {
            first = bytes;
        }
    }
    // Determinism: the same report, the same bytes.
    let again = emit::render(report, kasim_report::Format::Xlsx, &opts(Lang::Both, MoneyUnit::Yuan)).unwrap();
    assert!(again == first, "{}: two renders differ", report.schema());
    first
}

fn d(n: i64, scale: u32) -> Decimal {
    Decimal::new(n, scale)
}

/// A document with every value type, a section of tables (files-only), key-values, prose and
/// each chart kind.
fn every_value() -> Document {
    let mut t = Table::new(
        "values",
        vec![
            Column::text("item", Text::both("Item", "项目")),
            Column::number("a", Text::both("Amount", "金额")),
            Column::number("b", "Other"),
            Column::text("c", "Detail").detail(),
        ],
    )
    .keyed(1)
    .titled(Text::both("Every value", "所有数值"));
    t.row(vec![Value::label("group", Text::both("Group", "分组"))]);
    t.row(vec![
        Value::indented("money", "Money", 1),
        Value::Money(d(-66_624_149, 2)),
        Value::UnitPrice(d(68_278, 4)),
        Value::text("=not a formula"),
    ]);
    t.row(vec![Value::indented("cost", "Cost", 1), Value::Cost(d(27_039_390, 2)), Value::Rate(d(97_217, 5))]);
    t.row(vec![Value::label("dec", "Decimal"), Value::Number(33_167.515), Value::Decimal(d(12_345, 3))]);
    t.blank();
    t.row(vec![Value::label("pct", "Percent"), Value::Estimate(303_960.4), Value::Percent(39.77)]);
    t.row(vec![Value::label("pts", "Points"), Value::Money(d(1, 2)), Value::Points(d(2490, 2))]);
    t.row(vec![Value::label("p", "Probability"), Value::Missing, Value::Probability(0.966)]);
    t.row(vec![Value::label("r", "Correlation"), Value::Empty, Value::Correlation(-0.4291)]);
    t.row(vec![Value::label("s", "Score"), Value::Money(d(123_456_789_012_345_678, 2)), Value::Score(0.86349)]);
    t.row(vec![Value::label("f", "Fixed"), Value::Money(d(999_999_999, 2)), Value::Fixed(13.25, 1)]);
    t.row(vec![Value::label("n", "Count"), Value::Number(f64::NAN), Value::Count(1_568_067)]);
    t.row(vec![
        Value::label("name", "Name"),
        Value::Name(Text::both("Service fee", "合同费")),
        Value::Decimal(d(1_234_567_890_123_456_789, 18)),
    ]);
    t.row(vec![Value::label("7", "7"), Value::Text("7".into()), Value::Count(-3)]);

    let mut ledger = Table::new("ledger", vec![Column::text("rule", "Rule"), Column::number("amount", "Amount")]);
    for k in 0..50 {
        ledger.row(vec![Value::text(format!("rule-{k}")), Value::Money(d(100_000 + k, 2))]);
    }
    let mut kv = KeyValues::new("result");
    kv.pair("units", Text::both("Units", "数量"), Value::Count(42));
    kv.pair("mean", Text::en("Mean"), Value::Money(d(-52_989_599, 2)));

    let hist = Chart {
        id: "distribution".into(),
        title: Text::both("Net contribution", "净贡献分布"),
        value_axis: Text::both("Net contribution", "净贡献"),
        other_axis: Text::both("Scenarios", "情景数"),
        currency: Some("CNY".into()),
        kind: ChartKind::Histogram {
            edges: vec![-200_000.0, -100_000.0, 0.0, 100_000.0],
            series: vec![
                Series { name: Text::en("BASE"), points: vec![1, 5, 2] },
                Series { name: Text::en("DRAFT"), points: vec![4, 3, 1] },
            ],
        },
        markers: vec![Marker { label: Text::en("mean"), value: -50_000.0 }],
    };
    let curves = Chart {
        id: "s-curves".into(),
        title: Text::en("S-curves"),
        value_axis: Text::en("Net contribution"),
        other_axis: Text::en("Cumulative probability"),
        currency: Some("CNY".into()),
        kind: ChartKind::Curves {
            series: vec![Series { name: Text::en("BASE"), points: vec![(-1.0, 0.0), (0.0, 0.5), (1.0, 1.0)] }],
        },
        markers: vec![],
    };
    let waterfall = Chart {
        id: "waterfall".into(),
        title: Text::both("Fees: BASE to DRAFT", "费用变化"),
        value_axis: Text::en("Fees"),
        other_axis: Text::en("Clause"),
        currency: Some("CNY".into()),
        kind: ChartKind::Waterfall {
            start: (Text::en("BASE"), 100.0),
            steps: vec![(Text::en("entry"), 50.0), (Text::en("rebate"), -200.0), (Text::en("dm"), 30.0)],
            end: Text::en("DRAFT"),
        },
        markers: vec![],
    };
    let tornado = Chart {
        id: "tornado".into(),
        title: Text::en("Tornado"),
        value_axis: Text::en("Mean net contribution"),
        other_axis: Text::en("Input"),
        currency: None,
        kind: ChartKind::Tornado {
            base: 10.0,
            bars: vec![TornadoBar { label: Text::en("volume"), low: 2.0, high: 20.0 }],
            legend: (Text::en("low"), Text::en("high")),
        },
        markers: vec![],
    };
    let mut doc = Document::new(Text::both("Every value", "所有数值"));
    doc.subtitle.push(Text::en("seed 1"));
    doc.blocks.push(kv.into());
    doc.blocks.push(Block::Paragraph(Text::en("A paragraph.")));
    doc.blocks.push(t.into());
    doc.blocks.push(hist.into());
    doc.blocks.push(curves.into());
    doc.blocks.push(
        Section::new("base", Text::both("BASE", "基准"), vec![ledger.clone().into(), waterfall.into()])
            .collapsed()
            .files_only()
            .into(),
    );
    doc.blocks.push(Section::new("draft", "DRAFT", vec![ledger.into(), tornado.into()]).files_only().into());
    doc.notes.push(Text::en("A note."));
    doc
}

#[test]
fn a_document_with_every_value_type_reads_back() {
    let doc = every_value();
    for (lang, unit) in [(Lang::Both, MoneyUnit::Yuan), (Lang::En, MoneyUnit::Wan), (Lang::Zh, MoneyUnit::Wan)] {
        let o = opts(lang, unit);
        let bytes = xlsx::render_document(&doc, &o).unwrap();
        assert!(check_workbook(&doc, &bytes, &o, None) > 20);
        let names = open(&bytes).sheet_names();
        let expected: &[&str] = match lang {
            Lang::Zh => &["摘要", "所有数值", "基准 – Ledger", "DRAFT – Ledger", "图表数据"],
            _ => &["Summary", "Every value", "BASE – Ledger", "DRAFT – Ledger", "Chart data"],
        };
        assert_eq!(names, expected);
        // The Summary: title, key-values, the small table copied inline, the notes.
        let summary = open(&bytes).worksheet_range(expected[0]).unwrap();
        let cells: Vec<&Data> = summary.used_cells().map(|(_, _, c)| c).collect();
        assert_eq!(cells[0], &Data::String(Text::both("Every value", "所有数值").render(lang)));
        let k = if unit == MoneyUnit::Wan { 1e-4 } else { 1.0 };
        let mean = -529_895.99 * k;
        assert!(
            cells.iter().any(|c| matches!(c, Data::Float(x) if close(*x, mean, 1e-15))),
            "the key-value money is a number"
        );
        assert!(cells.iter().filter(|c| **c == &Data::Float(1_568_067.0)).count() == 1, "the small table inline");
        assert!(cells.contains(&&Data::String("A note.".into())));
        if unit == MoneyUnit::Wan {
            assert!(cells.iter().any(|c| matches!(c, Data::String(s) if s.contains("万元"))), "the 万元 note");
        }
        // Headers in the language asked for.
        let values = open(&bytes).worksheet_range(expected[1]).unwrap();
        let header = values.get_value((1, 1)).unwrap().to_string();
        match lang {
            Lang::En => assert_eq!(header, "Amount (万元)"),
            Lang::Zh => assert_eq!(header, "金额 (万元)"),
            Lang::Both => assert_eq!(header, "Amount 金额"),
        }
        // Four native charts over the chart data sheet, series named by their contracts.
        let charts = parts(&bytes, "xl/charts/chart");
        assert_eq!(charts.len(), 4, "{:?}", charts.iter().map(|c| &c.0).collect::<Vec<_>>());
        let all: String = charts.iter().map(|c| c.1.as_str()).collect();
        let data = xlsx::chart_data_sheet(lang);
        assert!(
            all.contains(&format!("{data}'!$D$2")) || all.contains(&format!("{data}!$D$2")),
            "names from the data sheet"
        );
        let hist = &charts[0].1;
        assert!(hist.contains("<c:barDir val=\"col\"/>") && hist.contains("<c:overlap val=\"100\"/>"), "{hist}");
        assert!(hist.contains("<c:gapWidth val=\"0\"/>") && hist.contains("<c:v>BASE</c:v>"));
        assert!(hist.contains("<c:v>DRAFT</c:v>") && hist.contains("alpha"), "translucent overlay");
        assert!(charts[1].1.contains("<c:scatterChart>"));
        assert!(charts[2].1.contains("<c:grouping val=\"stacked\"/>") && charts[2].1.contains("C00000"));
        assert!(charts[3].1.contains("<c:barDir val=\"bar\"/>") && charts[3].1.contains("<c:crossesAt val=\"10\"/>"));
        let unit_title = if unit == MoneyUnit::Wan { "(万元)" } else { "(CNY)" };
        assert!(hist.contains(unit_title), "axis title with the unit");
        // A decimal beyond 15 significant digits carries a note with its exact value.
        let notes: String = parts(&bytes, "xl/comments").iter().map(|c| c.1.clone()).collect();
        assert!(notes.contains("1.234567890123456789") && notes.contains("1234567890123456.78"), "{notes}");
    }
}

#[test]
fn the_workbook_is_byte_identical_and_has_a_fixed_date() {
    let doc = every_value();
    let o = opts(Lang::Both, MoneyUnit::Yuan);
    let a = xlsx::render_document(&doc, &o).unwrap();
    let b = xlsx::render_document(&doc.clone(), &o).unwrap();
    assert!(a == b, "two renders of one document differ");
    let core = &parts(&a, "docProps/core.xml")[0].1;
    assert!(core.contains("1980-01-01T00:00:00Z"), "{core}");
    assert!(xlsx::render_document(&Document::default(), &o).is_ok(), "an empty document is a workbook");
}

#[test]
fn waterfall_bars_crossing_zero_are_split() {
    let mut doc = Document::default();
    doc.blocks.push(
        Chart {
            id: "w".into(),
            title: Text::en("W"),
            value_axis: Text::en("Fees"),
            other_axis: Text::en("Clause"),
            currency: None,
            kind: ChartKind::Waterfall {
                start: (Text::en("start"), 100.0),
                steps: vec![(Text::en("down"), -150.0), (Text::en("further"), -20.0), (Text::en("up"), 200.0)],
                end: Text::en("end"),
            },
            markers: vec![],
        }
        .into(),
    );
    let bytes = xlsx::render_document(&doc, &opts(Lang::En, MoneyUnit::Yuan)).unwrap();
    let r = open(&bytes).worksheet_range("Chart data").unwrap();
    let num = |row: u32, col: u32| match r.get_value((row, col)) {
        Some(Data::Float(x)) => *x,
        _ => 0.0,
    };
    // Columns: item, value, base, increase, increase below 0, decrease, decrease below 0, total.
    let bar = |row: u32| (2..8).map(|c| num(row, c)).collect::<Vec<_>>();
    assert_eq!(bar(2), [0.0, 0.0, 0.0, 0.0, 0.0, 100.0], "start: a total bar");
    assert_eq!(bar(3), [0.0, 0.0, 0.0, 100.0, -50.0, 0.0], "100 → -50 crosses zero: split");
    assert_eq!(bar(4), [-50.0, 0.0, 0.0, 0.0, -20.0, 0.0], "-50 → -70: base -50, down 20");
    assert_eq!(bar(5), [0.0, 130.0, -70.0, 0.0, 0.0, 0.0], "-70 → 130: split");
    assert_eq!(bar(6), [0.0, 0.0, 0.0, 0.0, 0.0, 130.0], "end total");
}

fn compare(a: &(String, kasim_core::Contract), b: &(String, kasim_core::Contract), run: &kasim_montecarlo::RunConfig) {
    let files = [a.0.clone(), b.0.clone()];
    let contracts = [a.1.clone(), b.1.clone()];
    let r = kasim_montecarlo::report::simulate(&contracts, run, &mut |_, _| {}).unwrap();
    check_report(&Comparison::new(&files, &contracts, run, &r));
}

#[test]
fn bundled_scenarios_read_back_equal_to_their_json() {
    // Every bundled contract (the supplier portfolio is not one), so a new scenario is covered.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml") && n != "supplier.toml")
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    let run = cfg(200);
    // The P&L of all of them (costs are stored negative: the test undoes it against the JSON).
    let pnl = kasim_report::EvaluateReport { contracts: names.iter().map(|n| evaluation(n)).collect() };
    check_report(&pnl);
    let mut loaded = Vec::new();
    for n in &names {
        check_report(&kasim_report::ExplainReport::new(evaluation(n)));
        let (file, c) = scenario(n);
        let r = kasim_montecarlo::report::simulate(std::slice::from_ref(&c), &run, &mut |_, _| {}).unwrap();
        check_report(&Simulation::new(&file, &c, &run, &r[0], Some(Decimal::from(-500_000))));
        loaded.push((file, c));
    }
    // Every pair of bundled contracts, compared on common random numbers.
    for (i, a) in loaded.iter().enumerate() {
        for b in &loaded[i + 1..] {
            compare(a, b, &run);
        }
    }
    let s = Sensitivity::run(&loaded[1].1, &cfg(100), Stat::Mean).unwrap();
    check_report(&s);
    // The brief of every bundled pair (last year's contract and the buyer's draft).
    for (base, draft) in super::scenario_pairs() {
        check_report(&super::pair_brief(&base, &draft, 200));
    }
}
