//! xlsx: an Excel workbook per report, built from its [`Document`] with `rust_xlsxwriter`.
//!
//! # Sheets
//!
//! * **Summary** (摘要 with `--lang zh`) first: the title and subtitle, the 万元 note when money
//!   is shown in 万元, then every block in document order — key-value pairs as label and value
//!   cells, paragraphs, section headings (bold), native charts, and for each table a hyperlink
//!   to its sheet; a top-level table of at most [`SMALL_ROWS`] rows and [`SMALL_COLUMNS`]
//!   columns is also copied inline, so the headline figures are on the first sheet — then the
//!   notes.
//! * One sheet per table, named from the table's title (its id when untitled), prefixed by the
//!   title of the section holding it (`BASE – Ledger`), files-only sections included. Names are
//!   made valid for Excel: `[]:*?/\` replaced, at most 31 characters, unique ignoring case
//!   (` (2)` appended). The table's title is the first row, then the header row (bold, frozen
//!   with the key columns to its left, an autofilter), then the rows; section-heading rows are
//!   bold and row labels are indented by their level. Columns are as wide as their content
//!   (CJK characters count double). Printed landscape, one page wide, the header repeated.
//! * **Chart data** (图表数据): the numbers behind each chart, one block of columns per chart.
//!
//! Headers follow `--lang`: `en`, `zh`, or `both` as `English 中文` in one header row (so the
//! autofilter and a reader's header detection see one row).
//!
//! # Cells
//!
//! Every number is a numeric cell with a number format, never text:
//!
//! | value | stored | format |
//! |---|---|---|
//! | Money, Number | the amount (÷ 10,000 with `--unit wan`) | `#,##0.00` (wan: `#,##0.0000` below 100 万) |
//! | Cost | **negated**: the effect on the supplier's P&L, as the terminal shows it (the JSON has it positive) | as money |
//! | Estimate | the amount (÷ 10,000 with wan) | `#,##0` (wan: as money) |
//! | UnitPrice | per unit, never scaled | `#,##0.00##` |
//! | Rate, Probability | the fraction | `0.00%` |
//! | Percent, Points | percentage points ÷ 100: the fraction | `0.00%` |
//! | Correlation | the coefficient | `+0.000;-0.000;0.000` |
//! | Score | the score | `0.000` |
//! | Fixed(n) | the number | `n` decimals |
//! | Count | the count | `#,##0` |
//! | Decimal | the number | General |
//! | Text, Name, Label | a string (Name and Label in the `--lang`) | |
//! | Label of digits only (a rank) | the number | `0` |
//! | Missing, Empty | an empty cell | |
//!
//! With `--unit wan`, money columns' headers end in `(万元)`; unit prices stay per unit.
//! Spreadsheet numbers are binary `f64`: an exact decimal is stored as the nearest `f64` (read
//! from its decimal string, so correctly rounded), which keeps every cent of an amount below
//! 10^13 (15 significant digits) and the cent still below 2^46 ≈ 7×10^13. A decimal with more
//! than 15 significant digits carries a cell note with its exact value. A non-finite
//! floating-point measure is an empty cell.
//!
//! # Charts
//!
//! Each [`Chart`] block is a native Excel chart on the Summary, at its place in the document,
//! over its data on the Chart data sheet: a histogram is a clustered column chart with one
//! series per contract, overlaid (overlap 100, gap 0, translucent fills); curves are a scatter
//! chart with straight lines; a waterfall is a stacked column chart over an invisible base
//! series (increases red, decreases green, totals grey; bars crossing zero are split in two);
//! a tornado is a bar chart whose bars start at the base value (the category axis crosses
//! there). Axis titles carry the currency, or 万元 with wan; titles and legends follow
//! `--lang`. Markers (zero, mean, P5) are listed under the chart's data.
//!
//! # Determinism
//!
//! The same document gives a byte-identical workbook: the creation date in
//! `docProps/core.xml` is fixed ([`CREATED`]) and the zip entries carry no time.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Chart as XChart, ChartAxisCrossing, ChartAxisLabelPosition, ChartFormat, ChartLegendPosition, ChartLine,
    ChartRange, ChartSolidFill, ChartType, Color, DocProperties, ExcelDateTime, Format, FormatBorder, Note, Url,
    Workbook, Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use crate::document::{Block, Chart, ChartKind, Document, Lang, Table, Text, Value};
use crate::emit::table::{self, MoneyUnit};
use crate::{Error, Report};

/// A top-level table with at most this many rows is also copied onto the Summary sheet.
pub const SMALL_ROWS: usize = 30;
/// A top-level table with at most this many columns is also copied onto the Summary sheet.
pub const SMALL_COLUMNS: usize = 12;
/// The fixed creation date written to the workbook's properties (determinism): the zip
/// epoch, 1980-01-01T00:00:00Z.
pub const CREATED: (u16, u8, u8) = (1980, 1, 1);

/// Renders a report as an xlsx workbook (see the [module](self) for its layout).
///
/// # Errors
///
/// [`Error::Xlsx`] when the workbook cannot be written: a table beyond Excel's 1,048,576 rows
/// or 16,384 columns, a text cell over 32,767 characters.
pub fn render<R: Report + ?Sized>(report: &R, options: &table::Options) -> Result<Vec<u8>, Error> {
    render_document(&report.document(), options)
}

/// Renders a document as an xlsx workbook: what [`render`] does with a report's document.
///
/// # Errors
///
/// As [`render`].
pub fn render_document(doc: &Document, options: &table::Options) -> Result<Vec<u8>, Error> {
    build(doc, options).map_err(|e| Error::Xlsx(e.to_string()))
}

/// The name of the first sheet in a language.
pub fn summary_sheet(lang: Lang) -> &'static str {
    if lang == Lang::Zh { "摘要" } else { "Summary" }
}

/// The name of the sheet holding the charts' data in a language.
pub fn chart_data_sheet(lang: Lang) -> &'static str {
    if lang == Lang::Zh { "图表数据" } else { "Chart data" }
}

/// The sheet names of a document's tables ([`Block::Table`], sections included), in
/// document order, as [`render_document`] names them.
pub fn table_sheets(doc: &Document, lang: Lang) -> Vec<String> {
    let mut taken = vec![summary_sheet(lang).to_lowercase(), chart_data_sheet(lang).to_lowercase(), "history".into()];
    let mut out = Vec::new();
    name_tables(&doc.blocks, None, lang, &mut taken, &mut out);
    out
}

fn name_tables(blocks: &[Block], prefix: Option<&str>, lang: Lang, taken: &mut Vec<String>, out: &mut Vec<String>) {
    for b in blocks {
        match b {
            Block::Table(t) => {
                let own = t.title.as_ref().map(|x| name_text(x, lang)).filter(|s| !s.trim().is_empty());
                let own = own.unwrap_or_else(|| humanise(&t.id));
                let base = match prefix {
                    Some(p) => format!("{p} – {own}"),
                    // A table named like the first sheet (simulate's `summary`): `Summary table`.
                    None if taken[..2].contains(&own.to_lowercase()) => {
                        format!("{own}{}", if lang == Lang::Zh { "表" } else { " table" })
                    }
                    None => own,
                };
                let name = unique(&sanitise(&base), taken);
                taken.push(name.to_lowercase());
                out.push(name);
            }
            Block::Section(s) => {
                let title = name_text(&s.title, lang);
                let title = if title.trim().is_empty() { humanise(&s.id) } else { title };
                name_tables(&s.blocks, Some(&title), lang, taken, out);
            }
            Block::Paragraph(_) | Block::KeyValues(_) | Block::Chart(_) => {}
        }
    }
}

/// A text for a sheet name: Chinese with `zh` (where there is one), else English.
fn name_text(t: &Text, lang: Lang) -> String {
    match (&t.zh, lang) {
        (Some(zh), Lang::Zh) if !zh.is_empty() => zh.clone(),
        _ => t.en.clone(),
    }
}

/// An id as a name: `net_contribution` → `Net contribution`.
fn humanise(id: &str) -> String {
    let s = id.replace(['_', '-'], " ");
    let mut c = s.chars();
    c.next().map_or_else(|| "Table".to_string(), |f| f.to_uppercase().chain(c).collect())
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Truncated to `max` UTF-16 units (Excel's measure of a sheet name).
fn truncate(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if utf16_len(&out) + c.len_utf16() > max {
            break;
        }
        out.push(c);
    }
    out
}

/// A valid sheet name: no `[]:*?/\`, no apostrophe (it would need quoting in references), at
/// most 31 characters, not blank.
fn sanitise(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| match c {
            '/' | '\\' => '-',
            '[' | ']' | ':' | '*' | '?' | '\'' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = truncate(&cleaned, 31).trim().to_string();
    if t.is_empty() { "Sheet".into() } else { t }
}

/// `name`, or `name (k)` for the first k ≥ 2 not taken (ignoring case), within 31 characters.
fn unique(name: &str, taken: &[String]) -> String {
    let free = |n: &str| !taken.contains(&n.to_lowercase());
    if free(name) {
        return name.to_string();
    }
    (2..)
        .map(|k| {
            let suffix = format!(" ({k})");
            format!("{}{suffix}", truncate(name, 31 - suffix.len()).trim_end())
        })
        .find(|n| free(n))
        .unwrap_or_default()
}

/// How cells are shown: the language and the money unit.
#[derive(Clone, Copy)]
struct Ctx {
    lang: Lang,
    unit: MoneyUnit,
}

impl Ctx {
    fn wan(self) -> bool {
        self.unit == MoneyUnit::Wan
    }

    fn t(self, en: &str, zh: &str) -> String {
        Text::both(en, zh).render(self.lang)
    }
}

/// A cell as written.
enum Cell {
    Number { value: f64, format: &'static str, exact: Option<String> },
    Text(String),
    Blank,
}

/// The `f64` nearest an exact decimal: parsed from its decimal string (correctly rounded).
fn to_f64(d: Decimal) -> f64 {
    d.to_string().parse::<f64>().ok().or_else(|| d.to_f64()).unwrap_or_default()
}

/// Significant digits of a decimal (`0.00120` → 2).
fn significant(d: Decimal) -> u32 {
    let m = d.normalize().mantissa().unsigned_abs();
    if m == 0 { 1 } else { m.ilog10() + 1 }
}

const MONEY: &str = "#,##0.00";
const MONEY_WAN_SMALL: &str = "#,##0.0000";
const PERCENT: &str = "0.00%";
const WHOLE: &str = "#,##0";

fn fixed_format(n: u8) -> &'static str {
    const F: [&str; 11] = [
        "#,##0",
        "#,##0.0",
        "#,##0.00",
        "#,##0.000",
        "#,##0.0000",
        "#,##0.00000",
        "#,##0.000000",
        "#,##0.0000000",
        "#,##0.00000000",
        "#,##0.000000000",
        "#,##0.0000000000",
    ];
    F[usize::from(n.min(10))]
}

/// True for a cell holding money (scaled to 万元 with wan), as the terminal decides.
fn is_money(v: &Value) -> bool {
    matches!(v, Value::Money(_) | Value::Cost(_) | Value::Number(_) | Value::Estimate(_))
}

fn exact_decimal(d: Decimal, ctx: Ctx, format: &'static str) -> Cell {
    let exact = (significant(d) > 15).then(|| format!("{} {d}", ctx.t("exact:", "精确值：")));
    Cell::Number { value: to_f64(d), format, exact }
}

fn money(d: Decimal, ctx: Ctx) -> Cell {
    if ctx.wan() {
        let w = d / Decimal::from(10_000);
        let format = if w.abs() >= Decimal::ONE_HUNDRED { MONEY } else { MONEY_WAN_SMALL };
        let exact = (significant(d) > 15).then(|| format!("{} {d}", ctx.t("exact (yuan):", "精确值（元）：")));
        Cell::Number { value: to_f64(w), format, exact }
    } else {
        exact_decimal(d, ctx, MONEY)
    }
}

fn float(x: f64, format: &'static str) -> Cell {
    if x.is_finite() { Cell::Number { value: x, format, exact: None } } else { Cell::Blank }
}

fn money_f64(x: f64, ctx: Ctx, yuan_format: &'static str) -> Cell {
    if ctx.wan() {
        let w = x / 10_000.0;
        float(w, if w.abs() >= 100.0 { MONEY } else { MONEY_WAN_SMALL })
    } else {
        float(x, yuan_format)
    }
}

fn cell(v: &Value, ctx: Ctx) -> Cell {
    match v {
        Value::Money(d) => money(*d, ctx),
        Value::Cost(d) => money(-*d, ctx),
        Value::UnitPrice(d) => exact_decimal(*d, ctx, "#,##0.00##"),
        Value::Rate(d) => exact_decimal(*d, ctx, PERCENT),
        Value::Decimal(d) => exact_decimal(*d, ctx, "General"),
        Value::Points(d) => exact_decimal(*d / Decimal::ONE_HUNDRED, ctx, PERCENT),
        Value::Percent(x) => float(x / 100.0, PERCENT),
        Value::Probability(p) => float(*p, PERCENT),
        Value::Number(x) => money_f64(*x, ctx, MONEY),
        Value::Estimate(x) => money_f64(*x, ctx, WHOLE),
        Value::Correlation(r) => float(*r, "+0.000;-0.000;0.000"),
        Value::Score(x) => float(*x, "0.000"),
        Value::Fixed(x, n) => float(*x, fixed_format(*n)),
        Value::Count(n) => {
            // i64 beyond 2^53 is not exact in f64: the note keeps it.
            let exact = (n.unsigned_abs() > 1 << 53).then(|| format!("{} {n}", ctx.t("exact:", "精确值：")));
            #[allow(clippy::cast_precision_loss)]
            Cell::Number { value: *n as f64, format: WHOLE, exact }
        }
        Value::Text(s) => Cell::Text(s.clone()),
        Value::Name(t) => Cell::Text(t.render(ctx.lang)),
        // A row number as a label (a rank) is a number, not digits stored as text.
        Value::Label(l) if is_digits(&l.text) => {
            Cell::Number { value: l.text.en.parse().unwrap_or_default(), format: "0", exact: None }
        }
        Value::Label(l) => Cell::Text(l.text.render(ctx.lang)),
        Value::Missing | Value::Empty => Cell::Blank,
    }
}

/// True for a label that is a whole number (a rank): ASCII digits only, at most 15, no Chinese.
pub fn is_digits(t: &Text) -> bool {
    t.zh.is_none() && (1..=15).contains(&t.en.len()) && t.en.bytes().all(|b| b.is_ascii_digit())
}

/// Writes one sheet, remembering each column's widest content.
struct Sheet {
    ws: Worksheet,
    widths: Vec<usize>,
}

/// The style of a cell beyond its number format.
#[derive(Clone, Copy, Default)]
struct Style {
    bold: bool,
    indent: u8,
    header: bool,
}

fn format_of(number: Option<&str>, style: Style) -> Format {
    let mut f = Format::new();
    if let Some(n) = number {
        f = f.set_num_format(n);
    }
    if style.bold || style.header {
        f = f.set_bold();
    }
    if style.indent > 0 {
        f = f.set_indent(style.indent);
    }
    if style.header {
        f = f.set_border_bottom(FormatBorder::Thin).set_background_color(Color::RGB(0xE7_EE_F7));
    }
    f
}

fn r32(n: usize) -> Result<u32, XlsxError> {
    u32::try_from(n).map_err(|_| XlsxError::RowColumnLimitError)
}

fn c16(n: usize) -> Result<u16, XlsxError> {
    u16::try_from(n).map_err(|_| XlsxError::RowColumnLimitError)
}

impl Sheet {
    fn new(name: &str) -> Result<Sheet, XlsxError> {
        let mut ws = Worksheet::new();
        ws.set_name(name)?;
        Ok(Sheet { ws, widths: Vec::new() })
    }

    fn measure(&mut self, col: usize, width: usize) {
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(width);
    }

    /// Writes a typed value.
    fn value(&mut self, row: usize, col: usize, v: &Value, ctx: Ctx, style: Style) -> Result<(), XlsxError> {
        let style = match v {
            Value::Label(l) => Style { indent: l.indent, ..style },
            _ => style,
        };
        let shown = table::cell_in(v, ctx.lang, ctx.unit);
        let (r, c) = (r32(row)?, c16(col)?);
        match cell(v, ctx) {
            Cell::Number { value, format, exact } => {
                self.ws.write_number_with_format(r, c, value, &format_of(Some(format), style))?;
                if let Some(text) = exact {
                    self.ws.insert_note(r, c, &Note::new(text).add_author_prefix(false))?;
                }
            }
            Cell::Text(s) => {
                self.ws.write_string_with_format(r, c, s, &format_of(None, style))?;
            }
            Cell::Blank => {
                if style.bold || style.header {
                    self.ws.write_blank(r, c, &format_of(None, style))?;
                }
            }
        }
        self.measure(col, shown.width() + 2 * usize::from(style.indent));
        Ok(())
    }

    /// Writes a string, measured for the column's width unless `prose` (text that may spill
    /// into the empty cells on its right).
    fn text(&mut self, row: usize, col: usize, s: &str, style: Style, prose: bool) -> Result<(), XlsxError> {
        self.ws.write_string_with_format(r32(row)?, c16(col)?, s, &format_of(None, style))?;
        if !prose {
            self.measure(col, s.width());
        }
        Ok(())
    }

    fn link(&mut self, row: usize, col: usize, sheet: &str, text: &str) -> Result<(), XlsxError> {
        self.ws.write_url_with_text(r32(row)?, c16(col)?, Url::new(format!("internal:'{sheet}'!A1")), text)?;
        self.measure(col, text.width());
        Ok(())
    }

    /// Sets each column to its content's width (+2, within 6–60 characters) and returns the
    /// worksheet.
    fn finish(mut self) -> Result<Worksheet, XlsxError> {
        for (c, w) in self.widths.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let width = (*w + 2).clamp(6, 60) as f64;
            self.ws.set_column_width(c16(c)?, width)?;
        }
        Ok(self.ws)
    }
}

/// The header of column `i`: its label in the language, `(万元)` appended to money columns
/// with wan.
fn header(t: &Table, i: usize, ctx: Ctx) -> String {
    let label = t.columns[i].label.render(ctx.lang);
    if ctx.wan() && t.rows.iter().any(|r| r.get(i).is_some_and(is_money)) { format!("{label} (万元)") } else { label }
}

/// True for a section-heading row: labels and empty cells only, at least one label.
fn is_heading(row: &[Value]) -> bool {
    !row.is_empty() && !Table::is_data_row(row)
}

/// Writes a table's header and rows from `top`; returns the row after it.
fn write_table(s: &mut Sheet, t: &Table, top: usize, ctx: Ctx) -> Result<usize, XlsxError> {
    for i in 0..t.columns.len() {
        let h = header(t, i, ctx);
        s.text(top, i, &h, Style { header: true, ..Style::default() }, false)?;
    }
    for (k, row) in t.rows.iter().enumerate() {
        let style = Style { bold: is_heading(row), ..Style::default() };
        for (i, v) in row.iter().enumerate().take(t.columns.len()) {
            s.value(top + 1 + k, i, v, ctx, style)?;
        }
    }
    Ok(top + 1 + t.rows.len())
}

/// A table on its own sheet: title, frozen header, autofilter.
fn table_sheet(name: &str, t: &Table, ctx: Ctx) -> Result<Worksheet, XlsxError> {
    let mut s = Sheet::new(name)?;
    let mut top = 0;
    if let Some(title) = &t.title {
        s.text(0, 0, &title.render(ctx.lang), Style { bold: true, ..Style::default() }, true)?;
        top = 1;
    }
    let end = write_table(&mut s, t, top, ctx)?;
    if !t.columns.is_empty() {
        let keys = t.keys.min(t.columns.len().saturating_sub(1));
        s.ws.set_freeze_panes(r32(top + 1)?, c16(keys)?)?;
        // Printed: landscape, one page wide, the header on every page.
        s.ws.set_landscape().set_print_fit_to_pages(1, 0).set_repeat_rows(0, r32(top)?)?;
        s.ws.autofilter(r32(top)?, 0, r32(end.saturating_sub(1).max(top))?, c16(t.columns.len() - 1)?)?;
    }
    s.finish()
}

/// The Summary being written: its sheet, the next free row, the table sheets' names in
/// document order, and the charts' data sheet.
struct Summary<'a> {
    sheet: Sheet,
    row: usize,
    names: std::slice::Iter<'a, String>,
    data: ChartData,
    ctx: Ctx,
}

impl Summary<'_> {
    fn blocks(&mut self, blocks: &[Block], top: bool) -> Result<(), XlsxError> {
        let ctx = self.ctx;
        for b in blocks {
            match b {
                Block::Paragraph(p) => {
                    self.sheet.text(self.row, 0, &p.render(ctx.lang), Style::default(), true)?;
                    self.row += 2;
                }
                Block::KeyValues(kv) => {
                    if let Some(title) = &kv.0.title {
                        self.sheet.text(
                            self.row,
                            0,
                            &title.render(ctx.lang),
                            Style { bold: true, ..Style::default() },
                            true,
                        )?;
                        self.row += 1;
                    }
                    for row in &kv.0.rows {
                        let style = Style { bold: is_heading(row), ..Style::default() };
                        for (i, v) in row.iter().enumerate() {
                            self.sheet.value(self.row, i, v, ctx, style)?;
                        }
                        self.row += 1;
                    }
                    self.row += 1;
                }
                Block::Table(t) => {
                    let name = self.names.next().cloned().unwrap_or_default();
                    let text = match t.title.as_ref().map(|x| x.render(ctx.lang)) {
                        Some(title) if title != name => format!("{title} → {name}"),
                        _ => name.clone(),
                    };
                    let rows = t.rows.iter().filter(|r| Table::is_data_row(r)).count();
                    self.sheet.link(self.row, 0, &name, &text)?;
                    let count = format!("{rows} {}", ctx.t("rows", "行"));
                    self.sheet.text(self.row, 1, &count, Style::default(), true)?;
                    self.row += 1;
                    if top && t.rows.len() <= SMALL_ROWS && t.columns.len() <= SMALL_COLUMNS {
                        self.row = write_table(&mut self.sheet, t, self.row, ctx)?;
                    }
                    self.row += 1;
                }
                Block::Chart(c) => match self.data.chart(c, ctx)? {
                    Some(chart) => {
                        self.sheet.ws.insert_chart(r32(self.row)?, 0, &chart)?;
                        self.row += CHART_ROWS;
                    }
                    None => {
                        let t = format!("{} ({})", c.title.render(ctx.lang), ctx.t("no data", "无数据"));
                        self.sheet.text(self.row, 0, &t, Style { bold: true, ..Style::default() }, true)?;
                        self.row += 2;
                    }
                },
                Block::Section(s) => {
                    let title = s.title.render(ctx.lang);
                    self.sheet.text(self.row, 0, &title, Style { bold: true, ..Style::default() }, true)?;
                    self.row += 1;
                    self.blocks(&s.blocks, false)?;
                    self.row += 1;
                }
            }
        }
        Ok(())
    }
}

/// Rows a chart takes on the Summary (its 360-pixel height and a gap).
const CHART_ROWS: usize = 20;

/// Colours of a chart's series, in order (Excel's default palette).
const PALETTE: [u32; 8] =
    [0x44_72_C4, 0xED_7D_31, 0x70_AD_47, 0xFF_C0_00, 0x5B_9B_D5, 0xA5_A5_A5, 0x26_44_78, 0x9E_48_0E];
const RED: u32 = 0xC0_00_00;
const GREEN: u32 = 0x38_8E_3C;
const GREY: u32 = 0x7F_7F_7F;

fn fill(color: u32, transparency: u8) -> ChartFormat {
    let mut f = ChartFormat::new();
    f.set_solid_fill(ChartSolidFill::new().set_color(Color::RGB(color)).set_transparency(transparency));
    f
}

fn invisible() -> ChartFormat {
    let mut f = ChartFormat::new();
    f.set_no_fill().set_no_border();
    f
}

/// The charts' data sheet being written, a block of columns per chart.
struct ChartData {
    sheet: Sheet,
    name: String,
    col: usize,
    used: bool,
}

impl ChartData {
    /// The unit of a chart's value axis (`CNY`, `万元`), if money, and the factor of its values.
    fn unit(c: &Chart, ctx: Ctx) -> (String, f64) {
        match &c.currency {
            Some(cur) if ctx.wan() => {
                (format!(" ({})", if cur == "CNY" { "万元".into() } else { format!("万 {cur}") }), 1e-4)
            }
            Some(cur) => (format!(" ({cur})"), 1.0),
            None => (String::new(), 1.0),
        }
    }

    fn num(&mut self, row: usize, col: usize, x: f64, format: &'static str) -> Result<(), XlsxError> {
        if x.is_finite() {
            self.sheet.ws.write_number_with_format(
                r32(row)?,
                c16(col)?,
                x,
                &format_of(Some(format), Style::default()),
            )?;
        }
        self.sheet.measure(col, 12);
        Ok(())
    }

    fn head(&mut self, col: usize, s: &str) -> Result<(), XlsxError> {
        self.sheet.text(1, col, s, Style { header: true, ..Style::default() }, false)
    }

    fn range(&self, r0: usize, c0: usize, r1: usize, c1: usize) -> Result<ChartRange, XlsxError> {
        Ok(ChartRange::new_from_range(&self.name, r32(r0)?, c16(c0)?, r32(r1)?, c16(c1)?))
    }

    /// Writes a chart's data and returns the native chart over it, or `None` when there is
    /// nothing to draw.
    fn chart(&mut self, c: &Chart, ctx: Ctx) -> Result<Option<XChart>, XlsxError> {
        let (unit, k) = Self::unit(c, ctx);
        let fmt: &'static str = if ctx.wan() && c.currency.is_some() { "#,##0.00" } else { "#,##0" };
        let c0 = self.col;
        let title = c.title.render(ctx.lang);
        let value_axis = format!("{}{unit}", c.value_axis.render(ctx.lang));
        let other_axis = c.other_axis.render(ctx.lang);
        let mut chart;
        let width; // columns used
        let mut last_row; // last data row
        match &c.kind {
            ChartKind::Histogram { edges, series } => {
                let bins = edges.len().saturating_sub(1);
                if bins == 0 || series.is_empty() {
                    return Ok(None);
                }
                self.sheet.text(0, c0, &title, Style { bold: true, ..Style::default() }, true)?;
                self.head(c0, &ctx.t("From", "下限"))?;
                self.head(c0 + 1, &ctx.t("To", "上限"))?;
                self.head(c0 + 2, &ctx.t("Midpoint", "组中值"))?;
                for b in 0..bins {
                    let (lo, hi) = (edges[b] * k, edges[b + 1] * k);
                    self.num(2 + b, c0, lo, fmt)?;
                    self.num(2 + b, c0 + 1, hi, fmt)?;
                    self.num(2 + b, c0 + 2, (lo + hi) / 2.0, fmt)?;
                }
                last_row = 1 + bins;
                chart = XChart::new(ChartType::Column);
                let many = series.len() > 1;
                for (i, s) in series.iter().enumerate() {
                    let col = c0 + 3 + i;
                    self.head(col, &s.name.render(ctx.lang))?;
                    for b in 0..bins {
                        #[allow(clippy::cast_precision_loss)]
                        let n = s.points.get(b).copied().unwrap_or(0) as f64;
                        self.num(2 + b, col, n, WHOLE)?;
                    }
                    chart
                        .add_series()
                        .set_categories(&self.range(2, c0 + 2, last_row, c0 + 2)?)
                        .set_values(&self.range(2, col, last_row, col)?)
                        .set_name(&self.range(1, col, 1, col)?)
                        .set_overlap(100)
                        .set_gap(0)
                        .set_format(&mut fill(PALETTE[i % PALETTE.len()], if many { 45 } else { 0 }));
                }
                width = 3 + series.len();
                chart.x_axis().set_name(&value_axis).set_num_format(fmt);
                chart.y_axis().set_name(&other_axis);
            }
            ChartKind::Curves { series } => {
                if series.iter().all(|s| s.points.is_empty()) {
                    return Ok(None);
                }
                self.sheet.text(0, c0, &title, Style { bold: true, ..Style::default() }, true)?;
                chart = XChart::new(ChartType::ScatterStraight);
                last_row = 1;
                let mut col = c0;
                for (i, s) in series.iter().enumerate() {
                    self.head(col, &c.value_axis.render(ctx.lang))?;
                    self.head(col + 1, &s.name.render(ctx.lang))?;
                    for (j, (x, y)) in s.points.iter().enumerate() {
                        self.num(2 + j, col, x * k, fmt)?;
                        self.num(2 + j, col + 1, *y, PERCENT)?;
                    }
                    if !s.points.is_empty() {
                        let end = 1 + s.points.len();
                        last_row = last_row.max(end);
                        let mut line = ChartLine::new();
                        line.set_color(Color::RGB(PALETTE[i % PALETTE.len()])).set_width(2.0);
                        let mut format = ChartFormat::new();
                        format.set_line(&line);
                        chart
                            .add_series()
                            .set_categories(&self.range(2, col, end, col)?)
                            .set_values(&self.range(2, col + 1, end, col + 1)?)
                            .set_name(&self.range(1, col + 1, 1, col + 1)?)
                            .set_format(&mut format);
                    }
                    col += 2;
                }
                width = col - c0;
                // The probability axis on the left, not at zero in the middle of the curves.
                chart.x_axis().set_name(&value_axis).set_num_format(fmt).set_crossing(ChartAxisCrossing::Min);
                chart.y_axis().set_name(&other_axis).set_num_format("0%").set_min(0.0).set_max(1.0);
            }
            ChartKind::Waterfall { start, steps, end } => {
                self.sheet.text(0, c0, &title, Style { bold: true, ..Style::default() }, true)?;
                let heads = [
                    ctx.t("Item", "项目"),
                    ctx.t("Value", "数值"),
                    ctx.t("Base", "基底"),
                    ctx.t("Increase", "增加"),
                    ctx.t("Increase below zero", "增加（零以下）"),
                    ctx.t("Decrease", "减少"),
                    ctx.t("Decrease below zero", "减少（零以下）"),
                    ctx.t("Total", "合计"),
                ];
                for (i, h) in heads.iter().enumerate() {
                    self.head(c0 + i, h)?;
                }
                let mut rows: Vec<(String, f64, [f64; 6])> = Vec::new();
                let total = |v: f64| [0.0, 0.0, 0.0, 0.0, 0.0, v];
                let mut running = start.1 * k;
                rows.push((start.0.render(ctx.lang), running, total(running)));
                for (label, delta) in steps {
                    let d = delta * k;
                    let (a, b) = (running, running + d);
                    let (lo, hi) = (a.min(b), a.max(b));
                    // Base, visible part above zero, visible part below zero.
                    let (base, above, below) = if lo >= 0.0 {
                        (lo, hi - lo, 0.0)
                    } else if hi <= 0.0 {
                        (hi, 0.0, lo - hi)
                    } else {
                        (0.0, hi, lo)
                    };
                    let bars = if d >= 0.0 {
                        [base, above, below, 0.0, 0.0, 0.0]
                    } else {
                        [base, 0.0, 0.0, above, below, 0.0]
                    };
                    rows.push((label.render(ctx.lang), d, bars));
                    running = b;
                }
                rows.push((end.render(ctx.lang), running, total(running)));
                for (j, (label, value, bars)) in rows.iter().enumerate() {
                    self.sheet.text(2 + j, c0, label, Style::default(), false)?;
                    self.num(2 + j, c0 + 1, *value, fmt)?;
                    for (i, x) in bars.iter().enumerate() {
                        self.num(2 + j, c0 + 2 + i, *x, fmt)?;
                    }
                }
                last_row = 1 + rows.len();
                chart = XChart::new(ChartType::ColumnStacked);
                let looks = [
                    (None, true),
                    (Some(RED), false),
                    (Some(RED), true),
                    (Some(GREEN), false),
                    (Some(GREEN), true),
                    (Some(GREY), false),
                ];
                for (i, (color, hidden)) in looks.iter().enumerate() {
                    let col = c0 + 2 + i;
                    let mut format = color.map_or_else(invisible, |c| fill(c, 0));
                    chart
                        .add_series()
                        .set_categories(&self.range(2, c0, last_row, c0)?)
                        .set_values(&self.range(2, col, last_row, col)?)
                        .set_name(&self.range(1, col, 1, col)?)
                        .set_gap(50)
                        .set_overlap(100)
                        .set_format(&mut format)
                        .delete_from_legend(*hidden);
                }
                width = heads.len();
                chart.x_axis().set_name(&other_axis);
                chart.y_axis().set_name(&value_axis).set_num_format(fmt);
            }
            ChartKind::Tornado { base, bars, legend } => {
                if bars.is_empty() {
                    return Ok(None);
                }
                self.sheet.text(0, c0, &title, Style { bold: true, ..Style::default() }, true)?;
                self.head(c0, &ctx.t("Input", "输入"))?;
                self.head(c0 + 1, &legend.0.render(ctx.lang))?;
                self.head(c0 + 2, &legend.1.render(ctx.lang))?;
                for (j, b) in bars.iter().enumerate() {
                    self.sheet.text(2 + j, c0, &b.label.render(ctx.lang), Style::default(), false)?;
                    self.num(2 + j, c0 + 1, b.low * k, fmt)?;
                    self.num(2 + j, c0 + 2, b.high * k, fmt)?;
                }
                last_row = 1 + bars.len();
                self.sheet.text(
                    last_row + 2,
                    c0,
                    &ctx.t("Base", "基准"),
                    Style { bold: true, ..Style::default() },
                    false,
                )?;
                self.num(last_row + 2, c0 + 1, base * k, fmt)?;
                last_row += 2;
                chart = XChart::new(ChartType::Bar);
                for (i, color) in PALETTE.iter().take(2).enumerate() {
                    let col = c0 + 1 + i;
                    chart
                        .add_series()
                        .set_categories(&self.range(2, c0, 1 + bars.len(), c0)?)
                        .set_values(&self.range(2, col, 1 + bars.len(), col)?)
                        .set_name(&self.range(1, col, 1, col)?)
                        .set_overlap(100)
                        .set_gap(40)
                        .set_format(&mut fill(*color, 0));
                }
                width = 3;
                // Bars start where the category axis crosses the value axis: at the base.
                chart
                    .x_axis()
                    .set_name(&value_axis)
                    .set_num_format(fmt)
                    .set_crossing(ChartAxisCrossing::AxisValue(base * k));
                chart.y_axis().set_name(&other_axis).set_reverse().set_label_position(ChartAxisLabelPosition::Low);
            }
        }
        if !c.markers.is_empty() {
            let top = last_row + 2;
            self.sheet.text(top, c0, &ctx.t("Markers", "标记"), Style { bold: true, ..Style::default() }, false)?;
            for (j, m) in c.markers.iter().enumerate() {
                self.sheet.text(top + 1 + j, c0, &m.label.render(ctx.lang), Style::default(), false)?;
                self.num(top + 1 + j, c0 + 1, m.value * k, fmt)?;
            }
        }
        chart.title().set_name(&title);
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_width(720).set_height(360);
        self.col = c0 + width + 1;
        self.used = true;
        Ok(Some(chart))
    }
}

fn build(doc: &Document, options: &table::Options) -> Result<Vec<u8>, XlsxError> {
    let ctx = Ctx { lang: options.lang.unwrap_or_default(), unit: options.unit };
    let names = table_sheets(doc, ctx.lang);
    let data = ChartData {
        sheet: Sheet::new(chart_data_sheet(ctx.lang))?,
        name: chart_data_sheet(ctx.lang).to_string(),
        col: 0,
        used: false,
    };
    let mut summary = Summary { sheet: Sheet::new(summary_sheet(ctx.lang))?, row: 0, names: names.iter(), data, ctx };
    let s = &mut summary.sheet;
    if !doc.title.is_empty() {
        s.ws.write_string_with_format(0, 0, doc.title.render(ctx.lang), &Format::new().set_bold().set_font_size(14))?;
        summary.row = 1;
    }
    for line in &doc.subtitle {
        summary.sheet.text(summary.row, 0, &line.render(ctx.lang), Style::default(), true)?;
        summary.row += 1;
    }
    if ctx.wan() && doc.tables().any(|t| t.rows.iter().flatten().any(is_money)) {
        let note = ctx.t(
            "Money amounts in ten thousands (万元, ÷ 10,000); unit prices per unit",
            "金额单位：万元（÷ 10,000）；单价不变",
        );
        summary.sheet.text(summary.row, 0, &note, Style { bold: true, ..Style::default() }, true)?;
        summary.row += 1;
    }
    if summary.row > 0 {
        summary.row += 1;
    }
    summary.blocks(&doc.blocks, true)?;
    for n in &doc.notes {
        summary.sheet.text(summary.row, 0, &n.render(ctx.lang), Style::default(), true)?;
        summary.row += 1;
    }

    let mut workbook = Workbook::new();
    let mut properties = DocProperties::new()
        .set_author("kasim")
        .set_creation_datetime(&ExcelDateTime::from_ymd(CREATED.0, CREATED.1, CREATED.2)?);
    if !doc.title.is_empty() {
        properties = properties.set_title(doc.title.render(ctx.lang));
    }
    workbook.set_properties(&properties);
    let Summary { sheet, data, .. } = summary;
    workbook.push_worksheet(sheet.finish()?);
    let mut tables = Vec::new();
    collect(&doc.blocks, &mut tables);
    for (t, name) in tables.into_iter().zip(&names) {
        workbook.push_worksheet(table_sheet(name, t, ctx)?);
    }
    if data.used {
        workbook.push_worksheet(data.sheet.finish()?);
    }
    workbook.save_to_buffer()
}

/// The document's tables (not key-value blocks) in order, sections included: the order of
/// [`table_sheets`].
fn collect<'a>(blocks: &'a [Block], out: &mut Vec<&'a Table>) {
    for b in blocks {
        match b {
            Block::Table(t) => out.push(t),
            Block::Section(s) => collect(&s.blocks, out),
            Block::Paragraph(_) | Block::KeyValues(_) | Block::Chart(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_short_and_unique() {
        assert_eq!(sanitise("a/b [c]: d*?"), "a-b c d");
        assert_eq!(sanitise("'quoted'"), "quoted");
        assert_eq!(sanitise(""), "Sheet");
        let long = "Differences A − B, scenario by scenario";
        assert_eq!(sanitise(long), "Differences A − B, scenario by");
        let taken = vec!["summary".to_string(), "ledger".to_string(), "ledger (2)".to_string()];
        assert_eq!(unique("Summary", &taken), "Summary (2)");
        let mut doc = Document::default();
        doc.blocks.push(Table::new("summary", vec![]).into());
        doc.blocks.push(Table::new("summary", vec![]).into());
        assert_eq!(table_sheets(&doc, Lang::En), ["Summary table", "Summary table (2)"]);
        assert_eq!(table_sheets(&doc, Lang::Zh), ["Summary", "Summary (2)"]);
        assert_eq!(unique("Ledger", &taken), "Ledger (3)");
        let l = unique(&sanitise(&"x".repeat(40)), &["x".repeat(31)]);
        assert_eq!(l, format!("{} (2)", "x".repeat(27)));
        assert_eq!(humanise("net_contribution"), "Net contribution");
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(Decimal::new(120, 5)), 2);
        assert_eq!(significant(Decimal::ZERO), 1);
        assert_eq!(significant(Decimal::new(1_234_567_890_123_456, 2)), 16);
        assert_eq!(to_f64(Decimal::new(-66_624_149, 2)), -666_241.49);
    }
}
