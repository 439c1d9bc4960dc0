//! Aligned text for a terminal: the title and subtitle, each table under its heading with a
//! header row and a rule, blocks apart by a blank line, then the notes. Columns are two
//! spaces apart and measured in display columns, so Chinese characters (two columns wide) do
//! not break the alignment.
//!
//! [`Options`] fit the text to a terminal: with a width, a table too wide in English and
//! Chinese drops the Chinese half of its labels (unless a language was asked for), and one
//! still too wide is split into column groups, each repeating the row's key columns; money can
//! be shown in 万元 (÷ 10,000, the unit in the headers).

use kasim_core::money::format_money;
use rust_decimal::Decimal;
use unicode_width::UnicodeWidthStr;

use crate::document::{Align, Block, Document, Lang, Table, Value};

/// The unit money is shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MoneyUnit {
    /// Currency units (yuan), two decimals.
    #[default]
    Yuan,
    /// Ten thousands (万元): amounts ÷ 10,000, two decimals from 100 万 up, else four.
    Wan,
}

/// How a document is fitted to a terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The language of labels; `None`: English and Chinese where a table fits, else English.
    pub lang: Option<Lang>,
    /// The unit of money amounts (unit prices stay per unit in currency units).
    pub unit: MoneyUnit,
    /// The terminal's width in columns; `None`: unlimited.
    pub width: Option<usize>,
}

impl Options {
    /// Options of one language at unlimited width, in currency units.
    pub fn lang(lang: Lang) -> Options {
        Options { lang: Some(lang), ..Options::default() }
    }
}

/// Renders a document as terminal text in one language, at unlimited width.
pub fn render(doc: &Document, lang: Lang) -> String {
    render_with(doc, &Options::lang(lang))
}

/// Renders blocks in order, a blank line between two; charts are for the formats that draw
/// them, and sections marked files-only are left out.
fn blocks(list: &[Block], o: &Options, out: &mut String, first: &mut bool) {
    let lang = o.lang.unwrap_or(Lang::Both);
    let width = o.width.unwrap_or(usize::MAX);
    for block in list {
        let text = match block {
            Block::Table(t) => fitted(t, o, true),
            Block::KeyValues(kv) => fitted(&kv.0, o, false),
            Block::Paragraph(p) => wrap(&p.render(lang), width),
            Block::Chart(_) => continue,
            Block::Section(s) if !s.terminal => continue,
            Block::Section(s) => {
                if !*first {
                    out.push('\n');
                }
                *first = false;
                out.push_str(&wrap(&format!("== {}", s.title.render(lang)), width));
                let mut inner_first = true;
                blocks(&s.blocks, o, out, &mut inner_first);
                continue;
            }
        };
        if !*first {
            out.push('\n');
        }
        *first = false;
        out.push_str(&text);
    }
}

/// Renders a document as terminal text fitted by `o`.
pub fn render_with(doc: &Document, o: &Options) -> String {
    let lang = o.lang.unwrap_or(Lang::Both);
    let mut out = String::new();
    let width = o.width.unwrap_or(usize::MAX);
    if !doc.title.is_empty() {
        out.push_str(&wrap(&doc.title.render(lang), width));
    }
    for line in &doc.subtitle {
        out.push_str(&wrap(&line.render(lang), width));
    }
    if o.unit == MoneyUnit::Wan && doc.tables().any(|t| t.rows.iter().flatten().any(is_money)) {
        out.push_str(match lang {
            Lang::En => "Money amounts in ten thousands (÷ 10,000); unit prices per unit\n",
            Lang::Zh => "金额单位：万元（÷ 10,000）；单价不变\n",
            Lang::Both => "Money amounts in 万元 (÷ 10,000); unit prices per unit\n",
        });
    }
    let mut first = out.is_empty();
    blocks(&doc.blocks, o, &mut out, &mut first);
    if !doc.notes.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        for n in &doc.notes {
            out.push_str(&wrap(&n.render(lang), width));
        }
    }
    out
}

/// Prose wrapped at spaces to `width` columns (a word longer than the width stays whole),
/// each line ending in a newline.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            if !line.is_empty() && line.width() + 1 + word.width() > width {
                out.push_str(line.trim_end());
                out.push('\n');
                line.clear();
            } else if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// True for a cell holding an amount of money (scaled by [`MoneyUnit::Wan`]).
fn is_money(v: &Value) -> bool {
    matches!(v, Value::Money(_) | Value::Cost(_) | Value::Number(_) | Value::Estimate(_))
}

/// How a cell reads in a terminal.
pub fn cell(v: &Value, lang: Lang) -> String {
    cell_in(v, lang, MoneyUnit::Yuan)
}

/// An amount in 万元: two decimals from 100 万 up, else four.
fn wan(d: Decimal) -> String {
    let w = d / Decimal::from(10_000);
    format_money(w, if w.abs() >= Decimal::ONE_HUNDRED { 2 } else { 4 })
}

/// How a cell reads in a terminal, money in `unit`.
pub fn cell_in(v: &Value, lang: Lang, unit: MoneyUnit) -> String {
    if unit == MoneyUnit::Wan {
        let f = |x: f64| Decimal::from_f64_retain(x).map_or_else(|| format!("{:.4}", x / 10_000.0), wan);
        match v {
            Value::Money(d) => return wan(*d),
            Value::Cost(d) => return wan(-*d),
            Value::Number(x) | Value::Estimate(x) => return f(*x),
            _ => {}
        }
    }
    match v {
        Value::Money(d) => format_money(*d, 2),
        // At its own precision, two to four decimals (a simulated mean is to the cent).
        Value::UnitPrice(d) => format_money(*d, d.scale().clamp(2, 4)),
        Value::Cost(d) => format_money(-*d, 2),
        // Rounded half away from zero (`{:.2}` of a Decimal truncates: 97.217% read 97.21%).
        Value::Rate(d) => format!("{}%", format_money(d * Decimal::ONE_HUNDRED, 2)),
        Value::Decimal(d) => d.to_string(),
        Value::Percent(x) => format!("{}%", float(*x)),
        Value::Points(d) => format!("{}%", format_money(*d, 2)),
        Value::Probability(p) => format!("{:.2}%", p * 100.0),
        Value::Number(x) => float(*x),
        Value::Correlation(r) => format!("{r:+.3}"),
        Value::Score(x) => format!("{x:.3}"),
        Value::Estimate(x) => fixed(*x, 0),
        Value::Fixed(x, dp) => fixed(*x, u32::from(*dp)),
        Value::Count(n) => format_money(Decimal::from(*n), 0),
        Value::Text(s) => s.clone(),
        Value::Name(t) => t.render(lang),
        Value::Label(l) => format!("{}{}", "  ".repeat(usize::from(l.indent)), l.text.render(lang)),
        Value::Missing => "–".to_string(),
        Value::Empty => String::new(),
    }
}

/// A measured `f64` to the cent with separators, rounded as money is (half away from zero on
/// the binary value's exact decimal expansion).
fn float(x: f64) -> String {
    fixed(x, 2)
}

fn fixed(x: f64, dp: u32) -> String {
    Decimal::from_f64_retain(x).map_or_else(|| format!("{x:.*}", dp as usize), |d| format_money(d, dp))
}

/// A table's text lines (`None` a rule) and column widths, in one language.
struct Layout {
    shown: Vec<usize>,
    lines: Vec<Option<Vec<String>>>,
    widths: Vec<usize>,
}

impl Layout {
    fn new(t: &Table, lang: Lang, unit: MoneyUnit, header: bool) -> Layout {
        let shown: Vec<usize> = (0..t.columns.len()).filter(|&i| !t.columns[i].detail).collect();
        let mut lines: Vec<Option<Vec<String>>> = Vec::new();
        if header {
            lines.push(Some(
                shown
                    .iter()
                    .map(|&i| {
                        let label = t.columns[i].label.render(lang);
                        let money = t.rows.iter().any(|r| r.get(i).is_some_and(is_money));
                        if unit == MoneyUnit::Wan && money { format!("{label} (万元)") } else { label }
                    })
                    .collect(),
            ));
            lines.push(None);
        }
        for row in &t.rows {
            // Trailing empty cells are dropped so a section heading does not pad the line.
            let mut cells: Vec<String> =
                shown.iter().map(|&i| row.get(i).map_or_else(String::new, |v| cell_in(v, lang, unit))).collect();
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            lines.push(Some(cells));
        }
        let mut widths = vec![0usize; shown.len()];
        for cells in lines.iter().flatten() {
            for (w, c) in widths.iter_mut().zip(cells) {
                *w = (*w).max(c.width());
            }
        }
        Layout { shown, lines, widths }
    }

    fn total(&self, cols: &[usize]) -> usize {
        cols.iter().map(|&j| self.widths[j]).sum::<usize>() + 2 * cols.len().saturating_sub(1)
    }
}

/// A table fitted to the options' width: in English and Chinese if it fits (or the language
/// asked for), else English; split into column groups if still too wide.
fn fitted(t: &Table, o: &Options, header: bool) -> String {
    let width = o.width.unwrap_or(usize::MAX);
    let langs: &[Lang] = match o.lang {
        Some(l) => &[l][..],
        None => &[Lang::Both, Lang::En][..],
    };
    let mut layout = None;
    for &lang in langs {
        let l = Layout::new(t, lang, o.unit, header);
        let fits = l.total(&(0..l.shown.len()).collect::<Vec<_>>()) <= width;
        layout = Some((l, lang));
        if fits {
            break;
        }
    }
    let Some((l, lang)) = layout else { return String::new() };
    // Column groups: the key columns, then as many others as fit.
    let n = l.shown.len();
    let keys: Vec<usize> = (0..t.keys.min(n)).collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut current = keys.clone();
    for j in keys.len()..n {
        let mut with = current.clone();
        with.push(j);
        if l.total(&with) > width && current.len() > keys.len() {
            groups.push(std::mem::replace(&mut current, keys.clone()));
            current.push(j);
        } else {
            current = with;
        }
    }
    groups.push(current);
    let mut out = String::new();
    if let Some(title) = &t.title {
        out.push_str(&title.render(lang));
        out.push('\n');
    }
    for (g, cols) in groups.iter().enumerate() {
        if g > 0 {
            out.push('\n');
        }
        out.push_str(&lines(t, &l, cols));
    }
    out
}

fn lines(t: &Table, l: &Layout, cols: &[usize]) -> String {
    let total = l.total(cols);
    let mut out = String::new();
    for line in &l.lines {
        let Some(cells) = line else {
            out.push_str(&"─".repeat(total));
            out.push('\n');
            continue;
        };
        let mut s = String::new();
        for (k, &j) in cols.iter().enumerate() {
            let c = cells.get(j).map_or("", String::as_str);
            if k > 0 {
                s.push_str("  ");
            }
            let pad = " ".repeat(l.widths[j].saturating_sub(c.width()));
            match t.columns[l.shown[j]].align {
                Align::Left => {
                    s.push_str(c);
                    s.push_str(&pad);
                }
                Align::Right => {
                    s.push_str(&pad);
                    s.push_str(c);
                }
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Column, Text};

    fn wide() -> Document {
        let mut columns = vec![Column::text("statistic", Text::both("Statistic", "统计量"))];
        for k in ["a", "b", "c", "d"] {
            columns.push(Column::number(k, Text::both(format!("Output {k}"), "输出指标名称")));
        }
        let mut t = Table::new("summary", columns);
        t.row(vec![
            Value::label("mean", Text::both("Mean", "均值")),
            Value::Money(Decimal::new(-54_961_045, 2)),
            Value::Money(Decimal::new(746_015_204, 2)),
            Value::Rate(Decimal::new(3977, 4)),
            Value::Count(12),
        ]);
        let mut doc = Document::new("t");
        doc.blocks.push(t.into());
        doc
    }

    fn max_width(s: &str) -> usize {
        s.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
    }

    #[test]
    fn a_table_too_wide_drops_chinese_then_splits_into_groups_repeating_the_key() {
        let doc = wide();
        let full = render_with(&doc, &Options::default());
        assert!(full.contains("Output a 输出指标名称"), "{full}");
        assert!(max_width(&full) > 60);
        // 60 columns: English only, and it fits.
        let en = render_with(&doc, &Options { width: Some(60), ..Options::default() });
        assert!(!en.contains("输出"), "{en}");
        assert!(max_width(&en) <= 60, "{en}");
        assert!(en.contains("Mean  ") && en.contains("-549,610.45") && en.contains("39.77%"));
        // 40 columns: two groups, each starting with the statistic column.
        let split = render_with(&doc, &Options { width: Some(40), ..Options::default() });
        assert!(max_width(&split) <= 40, "{split}");
        assert_eq!(split.matches("Statistic").count(), 2, "{split}");
        assert_eq!(split.matches("Mean").count(), 2, "{split}");
        assert!(split.contains("7,460,152.04") && split.contains("12"));
        // A language asked for is kept even when it does not fit.
        let zh = render_with(&doc, &Options { lang: Some(Lang::Zh), width: Some(40), ..Options::default() });
        assert!(zh.contains("均值") && !zh.contains("Mean"), "{zh}");
    }

    #[test]
    fn wan_divides_money_by_ten_thousand_and_says_so_in_the_header() {
        let doc = wide();
        let s = render_with(&doc, &Options { unit: MoneyUnit::Wan, lang: Some(Lang::En), width: None });
        assert!(s.contains("Output a (万元)"), "{s}");
        assert!(s.contains("-54.9610") && s.contains("746.02"), "{s}");
        // Rates and counts are not money.
        assert!(s.contains("39.77%") && !s.contains("Output c (万元)"), "{s}");
        assert!(s.contains("Money amounts in ten thousands"), "{s}");
    }

    #[test]
    fn prose_wraps_at_spaces() {
        assert_eq!(wrap("aaa bbb ccc", 7), "aaa bbb\nccc\n");
        assert_eq!(wrap("a-very-long-word x", 5), "a-very-long-word\nx\n");
        assert_eq!(wrap("short", 100), "short\n");
    }
}
