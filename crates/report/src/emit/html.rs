//! HTML: one self-contained page per report, for any [`Document`].
//!
//! The page needs nothing at view time: the styles are inline, the charts are inline SVG
//! ([`crate::chart`]), there is no external URL at all, and the only script is a one-line
//! `beforeprint` handler that opens collapsed sections so they print. In order: the title and
//! subtitle lines, the blocks (label–value pairs as a grid of cards, tables under their titles
//! with right-aligned numbers, thousands separators, amounts below zero and costs in red and a
//! header row that stays in view while the table scrolls, paragraphs, charts, sections as
//! `<details>` open or collapsed as the document says — sections marked files-only included),
//! then the notes. A print stylesheet lays the page out on A4: every section open, no sticky
//! headers, no row or chart split across pages.
//!
//! Cells read as in the terminal table ([`table::cell_in`]): the same separators and
//! decimals, labels in the language asked for (`both`: "English 中文"), and with
//! [`MoneyUnit::Wan`] money amounts ÷ 10,000 with the unit in their column headers and a note
//! under the title, unit prices unchanged.

use std::fmt::Write;

use crate::chart::{self, ChartOptions};
use crate::document::{Align, Block, Document, Lang, Section, Table, Text, Value};
use crate::emit::table::{self, MoneyUnit};
use crate::{Error, Report};

/// Renders a report as one HTML page.
///
/// # Errors
///
/// [`Error::Chart`] when one of the document's charts cannot be drawn.
pub fn render<R: Report + ?Sized>(report: &R, options: &table::Options) -> Result<String, Error> {
    page(&report.document(), options)
}

/// Renders any document as one HTML page (language and money unit from `options`; the width
/// is ignored: the page reflows).
///
/// # Errors
///
/// [`Error::Chart`] when one of the document's charts cannot be drawn.
pub fn page(doc: &Document, options: &table::Options) -> Result<String, Error> {
    let o = Html { lang: options.lang.unwrap_or(Lang::Both), unit: options.unit };
    let mut out = String::new();
    let title = if doc.title.is_empty() { "kasim report".to_string() } else { doc.title.render(o.lang) };
    let html_lang = if o.lang == Lang::Zh { "zh" } else { "en" };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"kasim\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n<header>\n",
        esc(&title)
    );
    if !doc.title.is_empty() {
        let _ = writeln!(out, "<h1>{}</h1>", esc(&title));
    }
    for line in &doc.subtitle {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", esc(&line.render(o.lang)));
    }
    if o.unit == MoneyUnit::Wan && doc.tables().any(|t| t.rows.iter().flatten().any(is_money)) {
        let _ = writeln!(
            out,
            "<p class=\"unit-note\">{}</p>",
            esc(&Text::both(
                "Money amounts in ten thousands (万元, ÷ 10,000); unit prices per unit",
                "金额单位：万元（÷ 10,000）；单价不变",
            )
            .render(o.lang))
        );
    }
    out.push_str("</header>\n");
    o.blocks(&doc.blocks, 2, &mut out)?;
    if !doc.notes.is_empty() {
        out.push_str("<footer class=\"notes\">\n");
        for n in &doc.notes {
            let _ = writeln!(out, "<p>{}</p>", esc(&n.render(o.lang)));
        }
        out.push_str("</footer>\n");
    }
    out.push_str("</main>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    Ok(out)
}

/// Opens every collapsed section before printing (CSS alone cannot open `<details>` in every
/// browser); nothing else runs.
const SCRIPT: &str = "window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true;});});";

const CSS: &str = r#":root { --ink: #1f2933; --muted: #5f6b7a; --rule: #d9dee4; --head: #f1f4f7; --neg: #b03a2e; --accent: #2f5d8a; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
header { border-bottom: 2px solid var(--accent); margin-bottom: 18px; padding-bottom: 8px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 0; display: inline; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.subtitle { margin: 2px 0; color: var(--muted); }
.unit-note { margin: 6px 0 0; color: var(--accent); font-weight: 600; }
p.text { white-space: pre-wrap; max-width: 80ch; }
.table-wrap { overflow: auto; max-height: 80vh; margin: 6px 0 18px; border: 1px solid var(--rule); border-radius: 4px; }
table { border-collapse: separate; border-spacing: 0; min-width: 40%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; white-space: nowrap; }
td.text { white-space: normal; min-width: 12ch; }
thead th { position: sticky; top: 0; z-index: 1; background: var(--head); border-bottom: 2px solid var(--rule); font-weight: 600; }
th.num, td.num { text-align: right; }
td.neg { color: var(--neg); }
td.missing { color: var(--muted); text-align: center; }
tr.group td { font-weight: 600; background: #fafbfc; }
tr.blank td { border-bottom: none; height: 10px; padding: 0; }
tbody tr:hover td { background: #f7f9fb; }
td.i1 { padding-left: 26px; } td.i2 { padding-left: 42px; } td.i3 { padding-left: 58px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px; margin: 8px 0 18px; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; background: #fbfcfd; }
.card dt { color: var(--muted); font-size: 12.5px; }
.card dd { margin: 2px 0 0; font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card dd.neg { color: var(--neg); }
figure.chart { margin: 10px 0 22px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
details { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 14px; margin: 12px 0; }
details > summary { cursor: pointer; padding: 2px 0; }
details[open] > summary { margin-bottom: 6px; }
footer.notes { margin-top: 24px; padding-top: 10px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 13px; }
footer.notes p { white-space: pre-wrap; margin: 4px 0; }
@media print {
  @page { size: A4; margin: 15mm 12mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  details { border: none; padding: 0; }
  details > summary { list-style: none; }
  details::details-content { content-visibility: visible; display: contents; }
  .table-wrap { overflow: visible; max-height: none; border: none; }
  thead th { position: static; }
  thead { display: table-header-group; }
  tr, figure.chart, .card { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tbody tr:hover td { background: none; }
}
"#;

/// The language and money unit of a page.
struct Html {
    lang: Lang,
    unit: MoneyUnit,
}

/// Text escaped for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An id usable as an HTML anchor: letters, digits, `-` and `_`, others as `-`.
fn anchor(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}

/// True for a cell holding an amount of money (scaled by [`MoneyUnit::Wan`]); the table
/// emitter's rule.
fn is_money(v: &Value) -> bool {
    matches!(v, Value::Money(_) | Value::Cost(_) | Value::Number(_) | Value::Estimate(_))
}

/// True when a cell reads below zero (costs always do: they are shown negative).
fn is_negative(v: &Value) -> bool {
    match v {
        Value::Money(d) | Value::UnitPrice(d) | Value::Decimal(d) | Value::Rate(d) | Value::Points(d) => {
            d.is_sign_negative() && !d.is_zero()
        }
        Value::Cost(d) => d.is_sign_positive() && !d.is_zero(),
        Value::Number(x) | Value::Estimate(x) | Value::Fixed(x, _) | Value::Percent(x) => *x < 0.0,
        Value::Count(n) => *n < 0,
        _ => false,
    }
}

impl Html {
    fn blocks(&self, list: &[Block], depth: u8, out: &mut String) -> Result<(), Error> {
        for b in list {
            match b {
                Block::Table(t) => self.table(t, out),
                Block::KeyValues(kv) => self.cards(&kv.0, out),
                Block::Paragraph(p) => {
                    let _ = writeln!(out, "<p class=\"text\">{}</p>", esc(&p.render(self.lang)));
                }
                Block::Chart(c) => {
                    let svg = chart::svg(c, &ChartOptions::new(self.lang, self.unit))?;
                    let _ = writeln!(
                        out,
                        "<figure class=\"chart\" id=\"chart-{}\" aria-label=\"{}\">\n{}</figure>",
                        anchor(&c.id),
                        esc(&c.title.render(self.lang)),
                        svg.trim_end()
                    );
                }
                Block::Section(s) => self.section(s, depth, out)?,
            }
        }
        Ok(())
    }

    fn section(&self, s: &Section, depth: u8, out: &mut String) -> Result<(), Error> {
        let h = depth.clamp(2, 6);
        let _ = writeln!(
            out,
            "<details id=\"{}\"{}>\n<summary><h{h}>{}</h{h}></summary>",
            anchor(&s.id),
            if s.open { " open" } else { "" },
            esc(&s.title.render(self.lang))
        );
        self.blocks(&s.blocks, depth + 1, out)?;
        out.push_str("</details>\n");
        Ok(())
    }

    fn cell(&self, v: &Value) -> String {
        match v {
            // Indentation is the cell's class here, not leading spaces.
            Value::Label(l) => esc(&l.text.render(self.lang)),
            _ => esc(&table::cell_in(v, self.lang, self.unit)),
        }
    }

    /// The class of a data cell.
    fn class(v: &Value, align: Align) -> String {
        let mut c: Vec<&str> = Vec::new();
        match v {
            Value::Text(_) | Value::Name(_) => c.push("text"),
            Value::Missing => c.push("missing"),
            Value::Label(l) => c.push(["", "i1", "i2", "i3"][usize::from(l.indent.min(3))]),
            _ => {}
        }
        if align == Align::Right && !matches!(v, Value::Missing) {
            c.push("num");
        }
        if is_negative(v) {
            c.push("neg");
        }
        c.retain(|s| !s.is_empty());
        if c.is_empty() { String::new() } else { format!(" class=\"{}\"", c.join(" ")) }
    }

    fn table(&self, t: &Table, out: &mut String) {
        if let Some(title) = &t.title {
            let _ = writeln!(out, "<h3>{}</h3>", esc(&title.render(self.lang)));
        }
        let _ = writeln!(out, "<div class=\"table-wrap\"><table id=\"table-{}\">", anchor(&t.id));
        out.push_str("<thead><tr>");
        for (i, c) in t.columns.iter().enumerate() {
            let mut label = c.label.render(self.lang);
            if self.unit == MoneyUnit::Wan && t.rows.iter().any(|r| r.get(i).is_some_and(is_money)) {
                label.push_str(" (万元)");
            }
            let class = if c.align == Align::Right { " class=\"num\"" } else { "" };
            let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", esc(&label));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        let n = t.columns.len().max(1);
        for row in &t.rows {
            if row.is_empty() {
                let _ = writeln!(out, "<tr class=\"blank\"><td colspan=\"{n}\"></td></tr>");
                continue;
            }
            let group = !Table::is_data_row(row);
            out.push_str(if group { "<tr class=\"group\">" } else { "<tr>" });
            for (i, c) in t.columns.iter().enumerate() {
                let v = row.get(i).unwrap_or(&Value::Empty);
                let _ = write!(out, "<td{}>{}</td>", Self::class(v, c.align), self.cell(v));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
    }

    /// Label–value pairs as a grid of cards.
    fn cards(&self, t: &Table, out: &mut String) {
        if let Some(title) = &t.title {
            let _ = writeln!(out, "<h3>{}</h3>", esc(&title.render(self.lang)));
        }
        let _ = writeln!(out, "<dl class=\"cards\" id=\"table-{}\">", anchor(&t.id));
        for row in &t.rows {
            let (Some(k), Some(v)) = (row.first(), row.get(1)) else { continue };
            let mut value = self.cell(v);
            if self.unit == MoneyUnit::Wan && is_money(v) {
                value.push_str(" 万元");
            }
            let class = if is_negative(v) { " class=\"neg\"" } else { "" };
            let _ = writeln!(out, "<div class=\"card\"><dt>{}</dt><dd{class}>{value}</dd></div>", self.cell(k));
        }
        out.push_str("</dl>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Chart, ChartKind, Column, KeyValues, Marker, Series};
    use rust_decimal::Decimal;

    fn doc() -> Document {
        let mut doc = Document::new(Text::both("Fees <2027> & \"terms\"", "费用"));
        doc.subtitle.push(Text::en("seed 7"));
        let mut kv = KeyValues::new("summary");
        kv.pair("net", Text::both("Net contribution", "净贡献"), Value::Money(Decimal::new(-123_456_789, 2)));
        kv.pair("ratio", Text::both("Fee ratio", "费用率"), Value::Rate(Decimal::new(2490, 4)));
        doc.blocks.push(kv.into());
        let mut t = Table::new(
            "clauses",
            vec![
                Column::text("rule", Text::both("Rule", "条款")),
                Column::number("amount", Text::both("Amount", "金额")),
                Column::number("cost", "Cost"),
                Column::number("price", "Net-net price"),
                Column::number("p", "P(loss)"),
                Column::number("n", "Stores"),
                Column::number("x", "Missing"),
            ],
        )
        .titled(Text::both("Clauses", "条款明细"));
        t.row(vec![Value::label("fees", Text::both("Fees", "费用"))]);
        t.row(vec![
            Value::indented("entry", Text::both("Entry fee <b>", "进场费"), 1),
            Value::Money(Decimal::new(123_456_700, 2)),
            Value::Cost(Decimal::new(50_000, 2)),
            Value::UnitPrice(Decimal::new(123_456, 4)),
            Value::Probability(0.125),
            Value::Count(1_200),
            Value::Missing,
        ]);
        t.blank();
        t.row(vec![
            Value::Name(Text::both("Rebate", "返利")),
            Value::Number(-2_500.5),
            Value::Estimate(12_345.0),
            Value::Decimal(Decimal::new(15, 1)),
            Value::Percent(39.77),
            Value::Fixed(13.25, 1),
            Value::Text("a & b".into()),
        ]);
        doc.blocks.push(t.into());
        doc.blocks.push(Block::Paragraph(Text::en("Read <this>.")));
        let chart = Chart {
            id: "histogram".into(),
            title: Text::both("Distribution", "分布"),
            value_axis: Text::both("net contribution", "净贡献"),
            other_axis: Text::en("scenarios"),
            currency: Some("CNY".into()),
            kind: ChartKind::Histogram {
                edges: vec![-100.0, 0.0, 100.0],
                series: vec![Series { name: Text::en("A"), points: vec![3, 4] }],
            },
            markers: vec![Marker { label: Text::en("mean"), value: 10.0 }],
        };
        let mut ledger = Table::new("ledger", vec![Column::text("rule", "Rule"), Column::number("amount", "Amount")]);
        ledger.row(vec![Value::text("entry"), Value::Money(Decimal::new(100, 0))]);
        doc.blocks.push(
            crate::Section::new("ledger-a", Text::both("Ledger A", "台账"), vec![ledger.into()])
                .collapsed()
                .files_only()
                .into(),
        );
        doc.blocks.push(crate::Section::new("charts", "Charts", vec![chart.into()]).into());
        doc.notes.push(Text::en("Replay:\n  kasim replay x.toml"));
        doc
    }

    fn html(lang: Lang, unit: MoneyUnit) -> String {
        page(&doc(), &table::Options { lang: Some(lang), unit, width: Some(40) }).unwrap()
    }

    #[test]
    fn the_page_is_self_contained_escaped_and_in_order() {
        let h = html(Lang::En, MoneyUnit::Yuan);
        assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"), "{h}");
        assert!(h.contains("<title>Fees &lt;2027&gt; &amp; &quot;terms&quot;</title>"), "{h}");
        assert!(h.contains("<h1>Fees &lt;2027&gt; &amp; &quot;terms&quot;</h1>"));
        assert!(h.contains("Entry fee &lt;b&gt;") && !h.contains("<b>"));
        assert!(h.contains("<td class=\"text num\">a &amp; b</td>"), "{h}");
        assert!(h.contains("<p class=\"text\">Read &lt;this&gt;.</p>"));
        // No external resource: no src or href at all, no url(.
        assert!(!h.contains("src=") && !h.contains("href=") && !h.contains("url("), "{h}");
        assert!(h.contains("@media print") && h.contains("size: A4") && h.contains("position: sticky"));
        // Order: header, cards, table, paragraph, sections, notes, script.
        let at = |s: &str| h.find(s).unwrap_or_else(|| panic!("{s} missing: {h}"));
        assert!(at("<h1>") < at("<dl class=\"cards\"") && at("<dl class") < at("<h3>Clauses</h3>"));
        assert!(at("<h3>Clauses") < at("Read &lt;this") && at("Read &lt;") < at("<details id=\"ledger-a\">"));
        assert!(at("<details id=\"ledger-a\">") < at("<details id=\"charts\" open>"));
        assert!(at("<details id=\"charts\"") < at("<figure class=\"chart\"") && at("<figure") < at("<footer"));
        assert!(h.contains("<p>Replay:\n  kasim replay x.toml</p>"));
        assert!(h.trim_end().ends_with("</html>"));
    }

    #[test]
    fn every_value_type_reads_as_in_the_terminal_with_classes() {
        let h = html(Lang::En, MoneyUnit::Yuan);
        assert!(h.contains("<dd class=\"neg\">-1,234,567.89</dd>"), "{h}");
        assert!(h.contains("<dd>24.90%</dd>"));
        assert!(h.contains("<tr class=\"group\"><td>Fees</td>"), "{h}");
        assert!(h.contains("<td class=\"i1\">Entry fee &lt;b&gt;</td>"));
        assert!(h.contains("<td class=\"num\">1,234,567.00</td>"));
        assert!(h.contains("<td class=\"num neg\">-500.00</td>"), "a cost is shown negative, in red: {h}");
        assert!(h.contains("<td class=\"num\">12.3456</td>"), "unit price at its precision");
        assert!(h.contains("<td class=\"num\">12.50%</td>"));
        assert!(h.contains("<td class=\"num\">1,200</td>"));
        assert!(h.contains("<td class=\"missing\">–</td>"));
        assert!(h.contains("<tr class=\"blank\"><td colspan=\"7\"></td></tr>"));
        assert!(h.contains("<td class=\"text\">Rebate</td>"));
        assert!(h.contains("<td class=\"num neg\">-2,500.50</td>"));
        assert!(h.contains("<td class=\"num\">12,345</td>") && h.contains("<td class=\"num\">1.5</td>"));
        assert!(h.contains("<td class=\"num\">39.77%</td>") && h.contains("<td class=\"num\">13.3</td>"), "{h}");
        assert!(h.contains("<th scope=\"col\" class=\"num\">Amount</th>"));
    }

    #[test]
    fn languages() {
        let zh = html(Lang::Zh, MoneyUnit::Yuan);
        assert!(zh.contains("<html lang=\"zh\">") && zh.contains("<h1>费用</h1>") && zh.contains("<h3>条款明细</h3>"));
        assert!(
            zh.contains("<dt>净贡献</dt>")
                && zh.contains("<td>费用</td>")
                && zh.contains("<td class=\"i1\">进场费</td>")
        );
        assert!(zh.contains("<summary><h2>台账</h2></summary>"));
        let both = html(Lang::Both, MoneyUnit::Yuan);
        assert!(both.contains("<dt>Net contribution 净贡献</dt>") && both.contains("<th scope=\"col\">Rule 条款</th>"));
        assert!(both.contains("<summary><h2>Ledger A 台账</h2></summary>"));
        assert!(both.contains("Distribution 分布"), "chart title in both languages");
    }

    #[test]
    fn wan_scales_money_not_unit_prices_and_says_so() {
        let h = html(Lang::En, MoneyUnit::Wan);
        assert!(h.contains("<p class=\"unit-note\">Money amounts in ten thousands"), "{h}");
        assert!(h.contains("<dd class=\"neg\">-123.46 万元</dd>"), "{h}");
        assert!(h.contains("<th scope=\"col\" class=\"num\">Amount (万元)</th>"));
        assert!(h.contains("<td class=\"num\">123.46</td>"));
        assert!(h.contains("<td class=\"num neg\">-0.0500</td>"), "{h}");
        assert!(h.contains("<td class=\"num\">12.3456</td>"), "unit prices unchanged");
        assert!(h.contains("<th scope=\"col\" class=\"num\">Net-net price</th>"));
        assert!(h.contains("<td class=\"num\">24.90%</td>") || h.contains("<dd>24.90%</dd>"), "rates unchanged");
        assert!(h.contains("(万元)</text>") || h.contains("(万元)\n</text>"), "the chart's axis in 万元");
    }

    #[test]
    fn sections_open_or_collapsed_and_files_only_included() {
        let h = html(Lang::En, MoneyUnit::Yuan);
        assert!(h.contains("<details id=\"ledger-a\">\n<summary><h2>Ledger A</h2></summary>"), "{h}");
        assert!(h.contains("<table id=\"table-ledger\">"), "a files-only section is in the page");
        assert!(h.contains("<details id=\"charts\" open>"));
        assert!(h.contains("addEventListener('beforeprint'"));
        // A section inside a section is one heading level down.
        let mut d = Document::new("t");
        let inner = crate::Section::new("in", "Inner", vec![]);
        d.blocks.push(crate::Section::new("out", "Outer", vec![inner.into()]).into());
        let h = page(&d, &table::Options::default()).unwrap();
        assert!(h.contains("<h2>Outer</h2>") && h.contains("<h3>Inner</h3>"), "{h}");
        assert!(esc("a'b") == "a&#39;b" && anchor("a b/c") == "a-b-c");
    }
}
