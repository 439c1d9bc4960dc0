//! Aligned text for a terminal: the title and subtitle, each table under its heading with a
//! header row and a rule, blocks apart by a blank line, then the notes. Columns are two
//! spaces apart and measured in display columns, so Chinese characters (two columns wide) do
//! not break the alignment.

use kasim_core::money::format_money;
use rust_decimal::Decimal;
use unicode_width::UnicodeWidthStr;

use crate::document::{Align, Block, Document, Lang, Table, Value};

/// Renders a document as terminal text.
pub fn render(doc: &Document, lang: Lang) -> String {
    let mut out = String::new();
    if !doc.title.is_empty() {
        out.push_str(&doc.title.render(lang));
        out.push('\n');
    }
    for line in &doc.subtitle {
        out.push_str(&line.render(lang));
        out.push('\n');
    }
    let mut first = out.is_empty();
    for block in &doc.blocks {
        if !first {
            out.push('\n');
        }
        first = false;
        match block {
            Block::Table(t) => out.push_str(&table(t, lang, true)),
            Block::KeyValues(kv) => out.push_str(&table(&kv.0, lang, false)),
            Block::Paragraph(p) => {
                out.push_str(&p.render(lang));
                out.push('\n');
            }
        }
    }
    if !doc.notes.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        for n in &doc.notes {
            out.push_str(&n.render(lang));
            out.push('\n');
        }
    }
    out
}

/// How a cell reads in a terminal.
pub fn cell(v: &Value, lang: Lang) -> String {
    match v {
        Value::Money(d) => format_money(*d, 2),
        Value::UnitPrice(d) => format_money(*d, 4),
        Value::Cost(d) => format_money(-*d, 2),
        Value::Rate(d) => format!("{:.2}%", d * Decimal::ONE_HUNDRED),
        Value::Decimal(d) => d.to_string(),
        Value::Percent(x) => format!("{}%", float(*x)),
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

fn table(t: &Table, lang: Lang, header: bool) -> String {
    let shown: Vec<usize> = (0..t.columns.len()).filter(|&i| !t.columns[i].detail).collect();
    let mut lines: Vec<Option<Vec<String>>> = Vec::new();
    if header {
        lines.push(Some(shown.iter().map(|&i| t.columns[i].label.render(lang)).collect()));
        lines.push(None);
    }
    for row in &t.rows {
        // Trailing empty cells are dropped so a section heading does not pad the line.
        let mut cells: Vec<String> =
            shown.iter().map(|&i| row.get(i).map_or_else(String::new, |v| cell(v, lang))).collect();
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
    let total: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    let mut out = String::new();
    if let Some(title) = &t.title {
        out.push_str(&title.render(lang));
        out.push('\n');
    }
    for line in &lines {
        let Some(cells) = line else {
            out.push_str(&"─".repeat(total));
            out.push('\n');
            continue;
        };
        let mut s = String::new();
        for (j, c) in cells.iter().enumerate() {
            if j > 0 {
                s.push_str("  ");
            }
            let pad = " ".repeat(widths[j].saturating_sub(c.width()));
            match t.columns[shown[j]].align {
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
