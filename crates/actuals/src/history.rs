//! The typed sales history: per SKU per period of the contract's calendar, what was sold,
//! at what price, promoted or not, ordered, delivered, returned, in how many stores.
//!
//! Rows are read from [`RawTable`]s with a [`Mapping`], each value checked (a bad number, date
//! or promotion flag is an [`Error::Value`] naming file, row, column and value). The
//! granularity of the source (day, week, month) is detected from the spacing of its dates (or
//! the period format), and rows are aggregated onto the contract's calendar:
//!
//! * **weekly contract:** kasim week *w* of a year covers days 7(*w*−1)+1 … 7*w* of the year,
//!   week 52 running to 31 December (8 or 9 days). A source week goes to the kasim week of its
//!   middle day (start + 3). Monthly data cannot be put on a weekly calendar (an error: give
//!   weekly or daily data).
//! * **monthly contract:** a row goes to the month of its middle day.
//!
//! Quantities are scaled to the period's length: units × nominal days ÷ days covered, the
//! nominal days being the month's length, or 7 for every kasim week (so week 52, which can
//! receive two source weeks, is not doubled; a month that receives five source weeks is
//! scaled by 31/35, one that receives four by 31/28). A period covered less than its length
//! minus one source row (a missing week inside a month, missing days) counts as a gap in the
//! summary; a period with no row at all is missing (`None`), never zero.
//!
//! A history spans at most [`MAX_YEARS`] years and [`MAX_CELLS`] SKU-periods (an error beyond,
//! before anything large is allocated).
//!
//! Total rows (`合计`, `总计`, `小计`, `Total`) are skipped and counted. Two rows for the same SKU
//! and date are a duplicate: identical rows are dropped and counted, rows that disagree are an
//! [`Error::Duplicate`] naming both.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use kasim_core::contract::Granularity;
use kasim_core::outcome::SlotKind;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::date::{self, Date};
use crate::error::{Cell, Error};
use crate::mapping::{Columns, Mapping, Role, normalise};
use crate::table::{self, RawTable};

/// How often the source recorded sales.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceGranularity {
    /// One row per day.
    Day,
    /// One row per week.
    Week,
    /// One row per month.
    Month,
}

impl SourceGranularity {
    /// English and Chinese names.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            SourceGranularity::Day => ("daily", "日"),
            SourceGranularity::Week => ("weekly", "周"),
            SourceGranularity::Month => ("monthly", "月"),
        }
    }
}

/// A period of the contract's calendar in a given year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct PeriodKey {
    /// Calendar year.
    pub year: i32,
    /// 1-based period of the contract's calendar (week 1–52 or month 1–12).
    pub period: u16,
}

impl PeriodKey {
    /// The next period.
    pub fn next(self, calendar: Granularity) -> PeriodKey {
        if usize::from(self.period) >= calendar.periods() {
            PeriodKey { year: self.year + 1, period: 1 }
        } else {
            PeriodKey { year: self.year, period: self.period + 1 }
        }
    }

    /// `2025-W05` (kasim week) or `2025-03` (month).
    pub fn label(self, calendar: Granularity) -> String {
        match calendar {
            Granularity::Weekly => format!("{}-W{:02}", self.year, self.period),
            Granularity::Monthly => format!("{}-{:02}", self.year, self.period),
        }
    }
}

/// The kasim period (weekly or monthly) a date falls in, and the days its quantities are
/// scaled to (the month's length; 7 for every week).
pub fn period_of(d: Date, calendar: Granularity) -> (PeriodKey, u32) {
    let (y, m, _) = d.ymd();
    match calendar {
        Granularity::Monthly => (PeriodKey { year: y, period: m as u16 }, date::month_days(y, m)),
        Granularity::Weekly => {
            // Every kasim week counts as 7 days (week 52's extra day or two included): the
            // contract's 52 periods are equal.
            let w = ((d.ordinal() - 1) / 7 + 1).min(52);
            (PeriodKey { year: y, period: w as u16 }, 7)
        }
    }
}

/// One SKU in one period, aggregated from the source rows.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct HistoryCell {
    /// Units sold, scaled to the whole period when only part of it was covered.
    pub units: f64,
    /// Sales value as exported (not scaled).
    pub sales: Option<Decimal>,
    /// Regular shelf price (mean of the rows).
    pub shelf_price: Option<f64>,
    /// Promotional shelf price (mean of the promoted rows).
    pub promo_price: Option<f64>,
    /// Promoted in any row of the period.
    pub promoted: bool,
    /// The slot, when the export names one.
    pub slot: Option<SlotKind>,
    /// Units ordered (scaled like units).
    pub ordered: Option<f64>,
    /// Units delivered (scaled like units).
    pub delivered: Option<f64>,
    /// Units returned (scaled like units).
    pub returns: Option<f64>,
    /// Stores selling (mean of the rows).
    pub stores: Option<f64>,
    /// Days the rows covered ÷ the period's nominal days (1 = whole period; above 1 when five
    /// source weeks fall in a month).
    pub coverage: f64,
    /// True when rows are missing inside the period.
    pub partial: bool,
    /// The same quantities exactly as exported, summed and not scaled for coverage (what
    /// `kasim track` settles closed periods with).
    #[serde(skip)]
    pub exact: ExactCell,
}

/// A history cell's quantities exactly as exported: sums of the source rows (not scaled).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExactCell {
    /// Units sold.
    pub units: Decimal,
    /// Units ordered.
    pub ordered: Option<Decimal>,
    /// Units delivered.
    pub delivered: Option<Decimal>,
    /// Units returned.
    pub returns: Option<Decimal>,
    /// Promotional price of the period's first promoted row that gives one.
    pub promo_price: Option<Decimal>,
    /// Days the rows covered.
    pub days: u32,
    /// The period's nominal days.
    pub nominal: u32,
}

impl HistoryCell {
    /// The average price paid per unit, when sales value and units are given.
    pub fn average_price(&self) -> Option<f64> {
        let s = self.sales?.to_f64()?;
        (self.units > 0.0 && self.coverage > 0.0).then(|| s / (self.units * self.coverage))
    }
}

/// One SKU's series, aligned with [`SalesHistory::periods`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SkuSeries {
    /// The SKU code (or barcode when the export has no SKU column).
    pub sku: String,
    /// The product name, when exported.
    pub name: Option<String>,
    /// One cell per period of the history; `None` where no row covered the period.
    pub cells: Vec<Option<HistoryCell>>,
}

impl SkuSeries {
    /// Index of the first and last period with data.
    pub fn span(&self) -> Option<(usize, usize)> {
        let first = self.cells.iter().position(Option::is_some)?;
        let last = self.cells.iter().rposition(Option::is_some)?;
        Some((first, last))
    }
}

/// How a column of a file was used.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ColumnUse {
    /// The role.
    pub role: Role,
    /// The header.
    pub header: String,
    /// The column letter.
    pub column: String,
}

/// What was read from one file.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FileSummary {
    /// The file.
    pub file: String,
    /// CSV or workbook.
    pub format: table::Format,
    /// Encoding detected.
    pub encoding: &'static str,
    /// Sheet read (workbooks).
    pub sheet: Option<String>,
    /// Header row number.
    pub header_row: usize,
    /// Data rows read.
    pub rows: usize,
    /// Columns used, by role.
    pub columns: Vec<ColumnUse>,
    /// Headers not used.
    pub ignored: Vec<String>,
    /// Total rows skipped (`合计`).
    pub skipped_totals: usize,
    /// Exact duplicate rows dropped.
    pub duplicates: usize,
}

/// One SKU in the summary.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SkuSummary {
    /// The SKU.
    pub sku: String,
    /// First period with data.
    pub first: String,
    /// Last period with data.
    pub last: String,
    /// Periods with data.
    pub periods: usize,
    /// Missing or partly covered periods between first and last.
    pub gaps: usize,
    /// Total units (as scaled).
    pub units: f64,
    /// Promoted periods.
    pub promoted: usize,
}

/// What was read.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReadSummary {
    /// Per file.
    pub files: Vec<FileSummary>,
    /// Data rows used (after totals and duplicates).
    pub rows: usize,
    /// SKUs.
    pub skus: usize,
    /// Periods from the first to the last, on the contract's calendar.
    pub periods: usize,
    /// Source granularity.
    pub source: SourceGranularity,
    /// Contract calendar.
    pub calendar: Granularity,
    /// First date of a row.
    pub first_date: Date,
    /// Last day covered by a row.
    pub last_date: Date,
    /// SKU-periods missing or partly covered inside each SKU's span.
    pub gaps: usize,
    /// Exact duplicate rows dropped.
    pub duplicates: usize,
    /// Total sales value, when exported.
    pub sales_value: Option<Decimal>,
    /// Per SKU.
    pub sku_summaries: Vec<SkuSummary>,
}

/// A sales history on the contract's calendar.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SalesHistory {
    /// The contract's calendar.
    pub calendar: Granularity,
    /// The periods, consecutive from the first to the last with data.
    pub periods: Vec<PeriodKey>,
    /// The SKUs, in order of first appearance.
    pub skus: Vec<SkuSeries>,
    /// What was read.
    pub summary: ReadSummary,
}

/// A row once its cells are checked.
#[derive(Clone, Debug, PartialEq)]
struct Obs {
    sku: String,
    name: Option<String>,
    start: Date,
    span: u32,
    units: Decimal,
    sales: Option<Decimal>,
    shelf: Option<Decimal>,
    promo_price: Option<Decimal>,
    promo: Option<Option<SlotKind>>,
    ordered: Option<Decimal>,
    delivered: Option<Decimal>,
    returns: Option<Decimal>,
    stores: Option<Decimal>,
}

/// Largest magnitude of a number in a sales export or a statement (10¹², a trillion units or
/// yuan in one row): sums over every row, prices in millionths and units × price stay far
/// inside `Decimal`'s range, so no arithmetic on input values can overflow.
pub const MAX_NUMBER: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// `Some(message)` when `d` is beyond [`MAX_NUMBER`].
pub fn too_large(d: Decimal) -> Option<String> {
    (d.abs() > MAX_NUMBER).then(|| format!("more than {MAX_NUMBER} in magnitude: too large"))
}

/// Parses a number as exports write it: `1,234.50`, `¥12.5`, `12元`, an accounting negative
/// `(1,000.00)` or `（1,000.00）` is −1000.00; `35%` is refused.
pub fn parse_number(s: &str) -> Option<Decimal> {
    let t = s.trim();
    let t = t.trim_start_matches(['¥', '￥', '$']).trim_end_matches(['元', '件', '个', '店']).trim();
    let inner = t.strip_prefix(['(', '（']).and_then(|r| r.strip_suffix([')', '）']));
    if let Some(inner) = inner {
        // Accounting notation: the amount in parentheses is negative; a sign inside is not one.
        if inner.trim().starts_with(['-', '+', '(', '（']) {
            return None;
        }
        return parse_number(inner).map(|d| -d);
    }
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    let clean: String = t.chars().filter(|c| !matches!(c, ',' | '_' | ' ')).collect();
    if !clean.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+')) {
        return None;
    }
    clean.parse::<Decimal>().ok()
}

/// Parses a promotion cell: `Some(None)` for not promoted, `Some(Some(None))` for a promotion
/// without a named slot, `Some(Some(Some(slot)))`; `None` when the text is none of these.
pub fn parse_promo(s: &str) -> Option<Option<Option<SlotKind>>> {
    let t = normalise(s);
    Some(match t.as_str() {
        "" | "0" | "否" | "无" | "n" | "no" | "false" | "非促销" | "正常" | "none" => None,
        "1" | "是" | "y" | "yes" | "true" | "促销" | "promo" | "promotion" => Some(None),
        "dm" | "海报" | "dm海报" | "dm/海报" | "flyer" => Some(Some(SlotKind::Dm)),
        "端架" | "端头" | "endcap" | "gondolaend" => Some(Some(SlotKind::EndCap)),
        "tg" | "tg位" => Some(Some(SlotKind::Tg)),
        "堆头" | "地堆" | "floorstack" => Some(Some(SlotKind::FloorStack)),
        _ => return None,
    })
}

/// Most calendar years a history may span.
pub const MAX_YEARS: i32 = 20;
/// Most SKU-periods (SKUs × periods from the first to the last) a history may hold.
pub const MAX_CELLS: usize = 20_000_000;

const TOTALS: [&str; 6] = ["合计", "总计", "小计", "total", "subtotal", "grandtotal"];

/// A total row's label (`合计`, `Total`…); cheap for the cells that are not.
fn is_total(cell: &str) -> bool {
    let t = cell.trim();
    !t.is_empty()
        && t.len() <= 16
        && t.starts_with(['合', '总', '小', 'T', 't', 'S', 's', 'G', 'g'])
        && TOTALS.contains(&normalise(t).as_str())
}

/// How a file gives its periods.
#[derive(Clone, Copy)]
enum PeriodForm {
    /// Dates; granularity from their spacing.
    Dates,
    /// Period labels or numbers.
    Periods,
}

struct FileRead {
    obs: Vec<(usize, Obs)>,
    summary: FileSummary,
}

fn read_file(t: &RawTable, cols: &Columns, calendar: Granularity) -> Result<FileRead, Error> {
    let file = &t.file;
    let at = |row: usize, role: Role| {
        let c = cols.get(role).unwrap_or(0);
        Box::new(Cell { row, column: c + 1, header: t.headers.get(c).cloned().unwrap_or_default() })
    };
    let bad = |row: usize, role: Role, value: &str, message: String| Error::Value {
        file: file.clone(),
        cell: at(row, role),
        role: role.key(),
        value: value.to_string(),
        message,
    };
    fn cell<'r>(cols: &Columns, r: &'r table::Row, role: Role) -> Option<&'r str> {
        cols.get(role).map(|i| r.cells.get(i).map_or("", String::as_str))
    }
    let get = |r, role| cell(cols, r, role);
    let period_header = cols.get(Role::Period).map(|i| normalise(&t.headers[i]));
    let numeric_unit = match period_header.as_deref() {
        Some("周" | "周次" | "销售周" | "week" | "yearweek") => Some(SourceGranularity::Week),
        Some("月" | "月份" | "年月" | "month") => Some(SourceGranularity::Month),
        _ => None,
    };
    let form = if cols.get(Role::Date).is_some() { PeriodForm::Dates } else { PeriodForm::Periods };
    let mut obs = Vec::with_capacity(t.rows.len());
    let mut skipped_totals = 0;
    for r in &t.rows {
        let key_role = if cols.get(Role::Sku).is_some() { Role::Sku } else { Role::Barcode };
        let sku = get(r, key_role).unwrap_or("");
        if is_total(sku) || r.cells.iter().take(3).any(|c| is_total(c)) {
            skipped_totals += 1;
            continue;
        }
        if sku.is_empty() {
            return Err(bad(r.number, key_role, sku, "no SKU".into()));
        }
        let num = |role: Role, required: bool| -> Result<Option<Decimal>, Error> {
            let Some(v) = get(r, role) else { return Ok(None) };
            if v.is_empty() || v == "-" || v == "--" {
                return if required {
                    Err(bad(r.number, role, v, "empty; a number is expected".into()))
                } else {
                    Ok(None)
                };
            }
            let d = parse_number(v).ok_or_else(|| bad(r.number, role, v, "not a number".into()))?;
            if let Some(m) = too_large(d) {
                return Err(bad(r.number, role, v, m));
            }
            if d.is_sign_negative() && !d.is_zero() {
                return Err(bad(r.number, role, v, "must not be negative".into()));
            }
            Ok(Some(d))
        };
        let (start, span) = match form {
            PeriodForm::Dates => {
                let v = get(r, Role::Date).unwrap_or("");
                let d = Date::parse(v).ok_or_else(|| {
                    bad(
                        r.number,
                        Role::Date,
                        v,
                        "not a date (expected 2025-03-07, 2025/3/7, 20250307 or 2025年3月7日)".into(),
                    )
                })?;
                (d, 0)
            }
            PeriodForm::Periods => {
                let v = get(r, Role::Period).unwrap_or("");
                let year = match get(r, Role::Year) {
                    Some(y) => Some(
                        y.trim_end_matches('年')
                            .trim()
                            .parse::<i32>()
                            .ok()
                            .filter(|y| (1900..=2200).contains(y))
                            .ok_or_else(|| bad(r.number, Role::Year, y, "not a year".into()))?,
                    ),
                    None => None,
                };
                parse_period(v, year, numeric_unit, calendar).ok_or_else(|| {
                    bad(r.number, Role::Period, v, "not a period (expected 2025-W05, 2025-03, 2025年第5周, 2025年3月, or a number with a year column)".into())
                })?
            }
        };
        let units = num(Role::Units, true)?.unwrap_or_default();
        let promo = match get(r, Role::Promo) {
            Some(v) => parse_promo(v).ok_or_else(|| {
                bad(
                    r.number,
                    Role::Promo,
                    v,
                    "not a promotion flag or slot (expected DM, 端架, 堆头, TG, 是/否, 1/0)".into(),
                )
            })?,
            None => None,
        };
        let stores = num(Role::Stores, false)?;
        obs.push((
            r.number,
            Obs {
                sku: sku.to_string(),
                name: get(r, Role::Name).filter(|n| !n.is_empty()).map(str::to_string),
                start,
                span,
                units,
                sales: num(Role::Sales, false)?,
                shelf: num(Role::ShelfPrice, false)?,
                promo_price: num(Role::PromoPrice, false)?,
                promo,
                ordered: num(Role::Ordered, false)?,
                delivered: num(Role::Delivered, false)?,
                returns: num(Role::Returns, false)?,
                stores,
            },
        ));
    }
    if obs.is_empty() {
        return Err(Error::Empty { file: file.clone(), what: "no data rows besides totals".into() });
    }
    // Dates: the granularity from the spacing of the distinct dates.
    if matches!(form, PeriodForm::Dates) {
        let mut days: Vec<i32> = obs.iter().map(|(_, o)| o.start.0).collect();
        days.sort_unstable();
        days.dedup();
        let gap = days.windows(2).map(|w| w[1] - w[0]).min();
        let span = match gap {
            None => {
                return Err(Error::Calendar {
                    file: file.clone(),
                    message: "every row has the same date: cannot tell days from weeks or months (add a period column)"
                        .into(),
                });
            }
            Some(1..=6) => 1,
            Some(7..=27) => 7,
            Some(_) => 0, // months: each row's own month length
        };
        for (_, o) in &mut obs {
            o.span = if span == 0 {
                let (y, m, _) = o.start.ymd();
                date::month_days(y, m)
            } else {
                span
            };
        }
    }
    let columns = cols
        .roles()
        .map(|(role, i)| ColumnUse { role, header: t.headers[i].clone(), column: crate::error::column_letter(i + 1) })
        .collect();
    let summary = FileSummary {
        file: file.display().to_string(),
        format: t.format,
        encoding: t.encoding,
        sheet: t.sheet.clone(),
        header_row: t.header_row,
        rows: obs.len(),
        columns,
        ignored: cols.ignored.clone(),
        skipped_totals,
        duplicates: 0,
    };
    Ok(FileRead { obs, summary })
}

/// A period cell: `(start date, days)`.
fn parse_period(
    v: &str,
    year: Option<i32>,
    unit: Option<SourceGranularity>,
    calendar: Granularity,
) -> Option<(Date, u32)> {
    let t: String = v.trim().chars().filter(|c| !c.is_whitespace()).collect();
    let month = |y: i32, m: u32| Date::new(y, m, 1).map(|d| (d, date::month_days(y, m)));
    let week = |y: i32, w: u32| Date::iso_week(y, w).map(|d| (d, 7));
    // 2025-W05, 2025W05, 2025年第5周
    let upper = t.to_uppercase();
    if let Some((y, w)) = upper.split_once('W').or_else(|| upper.split_once("年第")) {
        let y = y.trim_end_matches('-').parse().ok()?;
        let w = w.trim_end_matches('周').parse().ok()?;
        return week(y, w);
    }
    // 2025-03, 2025/03, 2025年3月, 202503
    if let Some((y, m)) = t.split_once(['-', '/', '年']) {
        let y: i32 = y.parse().ok()?;
        let m: u32 = m.trim_end_matches('月').parse().ok()?;
        return month(y, m);
    }
    if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) && year.is_none() {
        return month(t[..4].parse().ok()?, t[4..].parse().ok()?);
    }
    // A number with a year column.
    let n: u32 = t.trim_end_matches(['周', '月']).parse().ok()?;
    let y = year?;
    let unit = unit.unwrap_or(match calendar {
        Granularity::Weekly => SourceGranularity::Week,
        Granularity::Monthly => SourceGranularity::Month,
    });
    match unit {
        SourceGranularity::Month => month(y, n),
        _ => week(y, n),
    }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Reads sales history files onto the contract's calendar.
///
/// # Errors
///
/// Any [`Error`] of [`table::read_table`], [`Mapping::resolve`] and of the rows (as the
/// module says).
pub fn read_history(files: &[PathBuf], mapping: &Mapping, calendar: Granularity) -> Result<SalesHistory, Error> {
    let tables = files.iter().map(|f| table::read_table(f)).collect::<Result<Vec<_>, _>>()?;
    // (Reading every file first: a bad file is reported before any work on the others.)
    from_tables(&tables, mapping, calendar)
}

/// Builds a sales history from tables already read.
///
/// # Errors
///
/// As [`read_history`].
pub fn from_tables(tables: &[RawTable], mapping: &Mapping, calendar: Granularity) -> Result<SalesHistory, Error> {
    let mut reads = Vec::new();
    for t in tables {
        let cols = mapping.resolve(&t.file, &t.headers)?;
        reads.push((t.file.clone(), read_file(t, &cols, calendar)?));
    }
    // Duplicates across all files: sku → start → (row, index into `all`).
    let mut seen: HashMap<String, HashMap<Date, (usize, usize)>> = HashMap::new();
    let mut all: Vec<Obs> = Vec::new();
    for (fi, (_, r)) in reads.iter_mut().enumerate() {
        let mut dups = 0;
        for (row, o) in std::mem::take(&mut r.obs) {
            let by_date = match seen.get_mut(o.sku.as_str()) {
                Some(m) => m,
                None => seen.entry(o.sku.clone()).or_default(),
            };
            match by_date.get(&o.start) {
                Some(&(first_row, idx)) => {
                    if all[idx] == o {
                        dups += 1;
                        continue;
                    }
                    return Err(Error::Duplicate {
                        file: tables[fi].file.clone(),
                        row,
                        first_row,
                        sku: o.sku.clone(),
                        date: o.start.to_string(),
                    });
                }
                None => {
                    by_date.insert(o.start, (row, all.len()));
                    all.push(o);
                }
            }
        }
        r.summary.duplicates = dups;
        r.summary.rows -= dups;
    }
    let file0 = tables.first().map_or_else(PathBuf::new, |t| t.file.clone());
    let spans: Vec<u32> = all.iter().map(|o| o.span).collect();
    let source = if spans.iter().all(|&s| s == 1) {
        SourceGranularity::Day
    } else if spans.iter().all(|&s| s == 7) {
        SourceGranularity::Week
    } else if spans.iter().all(|&s| s >= 28) {
        SourceGranularity::Month
    } else {
        return Err(Error::Calendar {
            file: file0,
            message: "the files mix daily, weekly and monthly rows: give one granularity".into(),
        });
    };
    if source == SourceGranularity::Month && calendar == Granularity::Weekly {
        return Err(Error::Calendar {
            file: file0,
            message: "the history is monthly but the contract's calendar is weekly: give weekly or daily sales".into(),
        });
    }
    aggregate(all, source, calendar, reads.into_iter().map(|(_, r)| r.summary).collect())
}

#[derive(Default)]
struct Acc {
    units: f64,
    sales: Option<Decimal>,
    shelf: (f64, u32),
    promo_price: (f64, u32),
    promoted: bool,
    slot: Option<SlotKind>,
    ordered: Option<f64>,
    delivered: Option<f64>,
    returns: Option<f64>,
    stores: (f64, u32),
    days: u32,
    nominal: u32,
    exact: ExactCell,
}

fn add(a: &mut Option<f64>, v: Option<Decimal>) {
    if let Some(v) = v {
        *a = Some(a.unwrap_or(0.0) + f(v));
    }
}

fn aggregate(
    obs: Vec<Obs>,
    source: SourceGranularity,
    calendar: Granularity,
    files: Vec<FileSummary>,
) -> Result<SalesHistory, Error> {
    let mut order: Vec<String> = Vec::new();
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    let mut cells: HashMap<(usize, PeriodKey), Acc> = HashMap::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let (mut first_date, mut last_date) = (Date(i32::MAX), Date(i32::MIN));
    let mut sales_total: Option<Decimal> = None;
    let rows = obs.len();
    for o in obs {
        let s = match index.get(o.sku.as_str()) {
            Some(&s) => s,
            None => {
                order.push(o.sku.clone());
                names.insert(o.sku.clone(), o.name.clone());
                index.insert(o.sku.clone(), order.len() - 1);
                order.len() - 1
            }
        };
        first_date = first_date.min(o.start);
        last_date = last_date.max(Date(o.start.0 + o.span as i32 - 1));
        let mid = Date(o.start.0 + (o.span as i32 - 1) / 2);
        let (key, nominal) = period_of(mid, calendar);
        let a = cells.entry((s, key)).or_default();
        a.nominal = nominal;
        a.days += o.span;
        a.units += f(o.units);
        a.exact.units += o.units;
        for (sum, v) in [
            (&mut a.exact.ordered, o.ordered),
            (&mut a.exact.delivered, o.delivered),
            (&mut a.exact.returns, o.returns),
        ] {
            if let Some(v) = v {
                *sum = Some(sum.unwrap_or_default() + v);
            }
        }
        if let Some(v) = o.sales {
            a.sales = Some(a.sales.unwrap_or_default() + v);
            sales_total = Some(sales_total.unwrap_or_default() + v);
        }
        if let Some(p) = o.shelf {
            a.shelf.0 += f(p);
            a.shelf.1 += 1;
        }
        let promoted = o.promo.is_some() || matches!((o.promo_price, o.shelf), (Some(pp), Some(sp)) if pp < sp);
        if promoted {
            a.promoted = true;
            if let Some(Some(slot)) = o.promo {
                a.slot.get_or_insert(slot);
            }
            if let Some(p) = o.promo_price {
                a.exact.promo_price.get_or_insert(p);
                a.promo_price.0 += f(p);
                a.promo_price.1 += 1;
            }
        }
        add(&mut a.ordered, o.ordered);
        add(&mut a.delivered, o.delivered);
        add(&mut a.returns, o.returns);
        if let Some(st) = o.stores {
            a.stores.0 += f(st);
            a.stores.1 += 1;
        }
    }
    let Some(first) = cells.keys().map(|k| k.1).min() else {
        return Err(Error::Thin("the history has no rows".into()));
    };
    let last = cells.keys().map(|k| k.1).max().unwrap_or(first);
    let years = last.year - first.year + 1;
    if years > MAX_YEARS {
        return Err(Error::Calendar {
            file: files.first().map_or_else(PathBuf::new, |f| PathBuf::from(&f.file)),
            message: format!("the history spans {years} years ({first_date} to {last_date}): at most {MAX_YEARS}"),
        });
    }
    let span = years as usize * calendar.periods();
    if order.len().saturating_mul(span) > MAX_CELLS {
        return Err(Error::Calendar {
            file: files.first().map_or_else(PathBuf::new, |f| PathBuf::from(&f.file)),
            message: format!("{} SKUs over {span} periods is more than {MAX_CELLS} SKU-periods", order.len()),
        });
    }
    let mut periods = vec![first];
    while let Some(&p) = periods.last() {
        if p >= last {
            break;
        }
        periods.push(p.next(calendar));
    }
    let pos: HashMap<PeriodKey, usize> = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let mut skus: Vec<SkuSeries> = order
        .iter()
        .map(|s| SkuSeries { sku: s.clone(), name: names[s].clone(), cells: vec![None; periods.len()] })
        .collect();
    for ((s, key), a) in cells {
        let coverage = f64::from(a.days) / f64::from(a.nominal.max(1));
        let scale = if coverage > 0.0 { 1.0 / coverage } else { 1.0 };
        let slack = match source {
            SourceGranularity::Week => 6,
            _ => 0,
        };
        let mean = |(sum, n): (f64, u32)| (n > 0).then(|| sum / f64::from(n));
        let cell = HistoryCell {
            units: a.units * scale,
            sales: a.sales,
            shelf_price: mean(a.shelf),
            promo_price: mean(a.promo_price),
            promoted: a.promoted,
            slot: a.slot,
            ordered: a.ordered.map(|x| x * scale),
            delivered: a.delivered.map(|x| x * scale),
            returns: a.returns.map(|x| x * scale),
            stores: mean(a.stores),
            coverage,
            partial: a.days + slack < a.nominal,
            exact: ExactCell { days: a.days, nominal: a.nominal, ..a.exact },
        };
        skus[s].cells[pos[&key]] = Some(cell);
    }
    let mut gaps_total = 0;
    let sku_summaries = skus
        .iter()
        .map(|s| {
            let (a, b) = s.span().unwrap_or((0, 0));
            let gaps = s.cells[a..=b].iter().filter(|c| c.as_ref().is_none_or(|c| c.partial)).count();
            gaps_total += gaps;
            SkuSummary {
                sku: s.sku.clone(),
                first: periods[a].label(calendar),
                last: periods[b].label(calendar),
                periods: s.cells.iter().flatten().count(),
                gaps,
                units: s.cells.iter().flatten().map(|c| c.units).sum(),
                promoted: s.cells.iter().flatten().filter(|c| c.promoted).count(),
            }
        })
        .collect();
    let duplicates = files.iter().map(|f| f.duplicates).sum();
    let summary = ReadSummary {
        files,
        rows,
        skus: skus.len(),
        periods: periods.len(),
        source,
        calendar,
        first_date,
        last_date,
        gaps: gaps_total,
        duplicates,
        sales_value: sales_total,
        sku_summaries,
    };
    Ok(SalesHistory { calendar, periods, skus, summary })
}

impl SalesHistory {
    /// The series of a SKU.
    pub fn sku(&self, sku: &str) -> Option<&SkuSeries> {
        self.skus.iter().find(|s| s.sku == sku)
    }

    /// The first `n` periods only (the backtest's fitting part).
    pub fn head(&self, n: usize) -> SalesHistory {
        let n = n.min(self.periods.len());
        let mut h = self.clone();
        h.periods.truncate(n);
        for s in &mut h.skus {
            s.cells.truncate(n);
        }
        h.skus.retain(|s| s.span().is_some());
        h
    }
}

/// Reads a history from one in-memory CSV text (tests and examples).
///
/// # Errors
///
/// As [`read_history`].
pub fn from_csv_text(name: &Path, text: &str, mapping: &Mapping, calendar: Granularity) -> Result<SalesHistory, Error> {
    let t = table::read_bytes(name, text.as_bytes(), table::Format::Csv)?;
    from_tables(std::slice::from_ref(&t), mapping, calendar)
}

/// Sum of a SKU's units per calendar year (for summaries).
pub fn units_by_year(s: &SkuSeries, periods: &[PeriodKey]) -> BTreeMap<i32, f64> {
    let mut m = BTreeMap::new();
    for (c, p) in s.cells.iter().zip(periods) {
        if let Some(c) = c {
            *m.entry(p.year).or_insert(0.0) += c.units;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, cal: Granularity) -> Result<SalesHistory, Error> {
        from_csv_text(Path::new("h.csv"), text, &Mapping::new(), cal)
    }

    #[test]
    fn max_number_is_a_trillion() {
        assert_eq!(MAX_NUMBER, Decimal::from(1_000_000_000_000_i64));
    }

    #[test]
    fn weeks_to_months_and_weeks() {
        // Four weekly rows starting Mondays in January 2025 (mid-days 9, 16, 23, 30 Jan) and
        // one in February.
        let text =
            "sku,date,units\nA,2025-01-06,10\nA,2025-01-13,10\nA,2025-01-20,10\nA,2025-01-27,10\nA,2025-02-03,7\n";
        let h = read(text, Granularity::Monthly).unwrap();
        assert_eq!(h.summary.source, SourceGranularity::Week);
        assert_eq!(h.periods, [PeriodKey { year: 2025, period: 1 }, PeriodKey { year: 2025, period: 2 }]);
        let jan = h.skus[0].cells[0].as_ref().unwrap();
        // 28 of 31 days covered: scaled to the month.
        assert!((jan.units - 40.0 * 31.0 / 28.0).abs() < 1e-9);
        let w = read(text, Granularity::Weekly).unwrap();
        // Mid-days 9, 16, 23, 30 Jan, 6 Feb → kasim weeks 2, 3, 4, 5, 6.
        assert_eq!(w.periods.first().unwrap().period, 2);
        assert_eq!(w.periods.len(), 5);
        assert!(w.skus[0].cells.iter().all(|c| c.as_ref().is_some_and(|c| c.coverage == 1.0 && !c.partial)));
    }

    #[test]
    fn periods_promotions_and_values() {
        let text = "商品编码,周,销量,促销,售价,促销价\nA,2025-W02,5,否,10,\nA,2025-W03,9,DM,10,8\nA,2025-W05,4,,10,\n";
        let h = read(text, Granularity::Weekly).unwrap();
        let s = &h.skus[0];
        assert_eq!(h.periods.len(), 4);
        assert!(s.cells[2].is_none(), "a missing week is missing, not zero");
        let c = s.cells[1].as_ref().unwrap();
        assert!(c.promoted && c.slot == Some(SlotKind::Dm) && c.promo_price == Some(8.0));
        assert_eq!(h.summary.gaps, 1);
        for (v, want) in [
            ("1,234.5", "1234.5"),
            ("¥12", "12"),
            ("12元", "12"),
            (" 7 ", "7"),
            ("(1,000.00)", "-1000.00"),
            ("¥(5)", "-5"),
            ("（¥1,000.00）", "-1000.00"),
            ("¥-0", "0"),
        ] {
            assert_eq!(parse_number(v), Some(want.parse().unwrap()), "{v}");
        }
        for v in ["12%", "abc", "1e3", "", "1.2.3", "(-5)", "((5))", "(5", "5)", "()"] {
            assert_eq!(parse_number(v), None, "{v}");
        }
    }

    #[test]
    fn days_and_numbered_periods() {
        // 14 days from Monday 6 January 2025, the 15th missing: kasim weeks by day of the year.
        let mut text = String::from("sku,date,units\n");
        for d in 0..14 {
            if d != 9 {
                text.push_str(&format!("A,2025-01-{:02},10\n", 6 + d));
            }
        }
        let h = read(&text, Granularity::Weekly).unwrap();
        assert_eq!(h.summary.source, SourceGranularity::Day);
        let c: Vec<&HistoryCell> = h.skus[0].cells.iter().flatten().collect();
        assert_eq!(h.periods.len(), 3, "6–7 Jan fall in week 1, 8–14 in week 2, 15–19 in week 3");
        assert!((c[0].units - 70.0).abs() < 1e-9 && c[0].partial, "week 1 has 2 of 7 days, scaled");
        assert!((c[1].units - 70.0).abs() < 1e-9 && !c[1].partial, "week 2 whole");
        assert!((c[2].units - 70.0).abs() < 1e-9 && c[2].partial, "week 3: 4 days, scaled by 7/4");
        // Year and week-number columns.
        let h = read("sku,年,周,销量\nA,2025,2,5\nA,2025,3,6\nA,2025,4,7\n", Granularity::Weekly).unwrap();
        assert_eq!(h.summary.source, SourceGranularity::Week);
        assert_eq!(h.summary.first_date.to_string(), "2025-01-06", "ISO week 2 of 2025 starts on 6 January");
        let h = read("sku,year,month,units\nA,2025,2,5\nA,2025,3,6\n", Granularity::Monthly).unwrap();
        assert_eq!(h.periods, [PeriodKey { year: 2025, period: 2 }, PeriodKey { year: 2025, period: 3 }]);
        assert_eq!(h.skus[0].cells[0].as_ref().unwrap().units, 5.0);
        let e = read("sku,date,units\nA,1900-01-01,1\nB,2200-01-01,1\n", Granularity::Monthly).unwrap_err();
        assert!(e.to_string().contains("the history spans 301 years"), "{e}");
        let e = read("sku,year,month,units\nA,20x5,2,5\n", Granularity::Monthly).unwrap_err();
        assert!(e.to_string().contains("row 2, column B `year` (year): not a year: `20x5`"), "{e}");
    }

    #[test]
    fn located_errors() {
        let e = read("sku,date,units\nA,2025-01-06,10\nA,2025-01-13,ten\n", Granularity::Weekly).unwrap_err();
        assert_eq!(e.to_string(), "h.csv: row 3, column C `units` (units): not a number: `ten`");
        let e = read("sku,date,units\nA,2025-01-06,10\nA,2025-01-06,11\nA,2025-01-13,1\n", Granularity::Weekly)
            .unwrap_err();
        assert!(matches!(e, Error::Duplicate { row: 3, first_row: 2, .. }), "{e}");
        let h =
            read("sku,date,units\nA,2025-01-06,10\nA,2025-01-06,10\nA,2025-01-13,1\n合计,,21\n", Granularity::Weekly)
                .unwrap();
        assert_eq!((h.summary.duplicates, h.summary.files[0].skipped_totals, h.summary.rows), (1, 1, 2));
        let e = read("sku,month,units\nA,2025-01,10\nA,2025-02,1\n", Granularity::Weekly).unwrap_err();
        assert!(matches!(e, Error::Calendar { .. }), "{e}");
        let e = read("sku,date,units,promo\nA,2025-01-06,10,maybe\n", Granularity::Weekly).unwrap_err();
        assert!(e.to_string().contains("row 2, column D `promo`"), "{e}");
    }
}
