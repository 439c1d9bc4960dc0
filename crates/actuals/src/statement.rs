//! The retailer's deduction statement (对账单 / 扣款明细): one row per charge — date, fee type,
//! amount, reference — read from CSV (UTF-8 or GBK) or xlsx through [`crate::table`].
//!
//! Headers recognised (after [`crate::mapping::normalise`]): date `日期`, `扣款日期`, `单据日期`,
//! `费用日期`, `date`; fee type `费用类型`, `费用名称`, `扣款项目`, `费用项目`, `项目`, `fee type`,
//! `fee`, `description`; amount `金额`, `扣款金额`, `费用金额`, `amount`; reference `单号`,
//! `凭证号`, `参考号`, `单据号`, `reference`, `ref`. Fee type and amount are required. An
//! amount is the exact decimal written (`1,234.50`, `¥500`, `-500` — a deduction written
//! negative counts as the charge 500); anything else is an [`Error::Value`] naming file, row,
//! column and value. Total rows (`合计`, `总计`, `Total`) are skipped.

use std::path::Path;

use rust_decimal::Decimal;

use crate::date::Date;
use crate::error::{Cell, Error};
use crate::history::parse_number;
use crate::mapping::normalise;
use crate::table::{self, RawTable};

/// One charge of the statement.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Deduction {
    /// Row in the file (1-based, as a spreadsheet shows it).
    pub row: usize,
    /// Date, when the statement gives one.
    pub date: Option<String>,
    /// The date as a day number (for the period).
    #[serde(skip)]
    pub day: Option<Date>,
    /// The fee type as written.
    pub fee_type: String,
    /// The amount charged (positive).
    pub amount: Decimal,
    /// The reference (voucher) number.
    pub reference: String,
}

/// A statement read.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Statement {
    /// The file.
    pub file: String,
    /// The charges, in file order.
    pub lines: Vec<Deduction>,
}

const DATE: &[&str] = &["日期", "扣款日期", "单据日期", "费用日期", "date"];
const FEE: &[&str] = &["费用类型", "费用名称", "扣款项目", "费用项目", "项目", "feetype", "fee", "description"];
const AMOUNT: &[&str] = &["金额", "扣款金额", "费用金额", "amount"];
const REFERENCE: &[&str] = &["单号", "凭证号", "参考号", "单据号", "reference", "ref"];
const TOTALS: [&str; 4] = ["合计", "总计", "小计", "total"];

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    let h: Vec<String> = headers.iter().map(|x| normalise(x)).collect();
    names.iter().find_map(|n| h.iter().position(|x| x == n))
}

/// Reads a deduction statement file.
///
/// # Errors
///
/// Any error of [`table::read_table`]; [`Error::MissingColumn`] without a fee-type or amount
/// column; [`Error::Value`] for an amount that is not a number or a date that is not a date;
/// [`Error::Empty`] without charges.
pub fn read_statement(path: &Path) -> Result<Statement, Error> {
    from_table(&table::read_table(path)?)
}

/// Reads a deduction statement from a table already read.
///
/// # Errors
///
/// As [`read_statement`].
pub fn from_table(t: &RawTable) -> Result<Statement, Error> {
    let missing = |role: &'static str, names: &[&str]| Error::MissingColumn {
        file: t.file.clone(),
        role,
        names: names.join(", "),
        headers: t.headers.clone(),
    };
    let fee = find(&t.headers, FEE).ok_or_else(|| missing("fee_type", FEE))?;
    let amount = find(&t.headers, AMOUNT).ok_or_else(|| missing("amount", AMOUNT))?;
    let date = find(&t.headers, DATE);
    let reference = find(&t.headers, REFERENCE);
    let bad = |row: usize, col: usize, role: &'static str, value: &str, message: &str| Error::Value {
        file: t.file.clone(),
        cell: Box::new(Cell { row, column: col + 1, header: t.headers.get(col).cloned().unwrap_or_default() }),
        role,
        value: value.to_string(),
        message: message.to_string(),
    };
    let mut lines = Vec::new();
    for r in &t.rows {
        let get = |c: usize| r.cells.get(c).map_or("", |s| s.trim());
        let fee_type = get(fee);
        if r.cells.iter().take(3).any(|c| TOTALS.contains(&normalise(c).as_str())) {
            continue;
        }
        if fee_type.is_empty() {
            return Err(bad(r.number, fee, "fee_type", fee_type, "empty; a fee type is expected"));
        }
        let a = get(amount);
        let value =
            parse_number(a).ok_or_else(|| bad(r.number, amount, "amount", a, "not an amount (expected 1,234.50)"))?;
        let (day, date_text) = match date {
            Some(c) if !get(c).is_empty() => {
                let v = get(c);
                let d = Date::parse(v).ok_or_else(|| {
                    bad(r.number, c, "date", v, "not a date (expected 2025-03-07, 2025/3/7, 20250307 or 2025年3月7日)")
                })?;
                (Some(d), Some(d.to_string()))
            }
            _ => (None, None),
        };
        lines.push(Deduction {
            row: r.number,
            date: date_text,
            day,
            fee_type: fee_type.to_string(),
            amount: value.abs(),
            reference: reference.map(|c| get(c).to_string()).unwrap_or_default(),
        });
    }
    if lines.is_empty() {
        return Err(Error::Empty { file: t.file.clone(), what: "a deduction statement without charges".into() });
    }
    Ok(Statement { file: t.file.display().to_string(), lines })
}
