//! The retailer's deduction statement (对账单 / 扣款明细): one row per charge — date, fee type,
//! amount, reference — read from CSV (UTF-8 or GBK) or xlsx through [`crate::table`].
//!
//! Columns are found by [`crate::mapping`] with the roles of [`StatementRole`] (so a mapping
//! file or `--statement-column role=Header` names any other header). Headers recognised (after
//! [`crate::mapping::normalise`]): date `日期`, `扣款日期`, `单据日期`, `费用日期`, `date`; fee type
//! `费用类型`, `费用名称`, `扣款项目`, `费用项目`, `项目`, `fee type`, `fee`, `description`; amount
//! `金额`, `扣款金额`, `费用金额`, `amount`; reference `单号`, `凭证号`, `参考号`, `单据号`,
//! `reference`, `ref`. Fee type and amount are required; two columns that could both be one
//! role are an error naming them (choose one). An
//! amount is the exact decimal written (`1,234.50`, `¥500`, `-500` — a deduction written
//! negative counts as the charge 500); anything else is an [`Error::Value`] naming file, row,
//! column and value. Total rows (`合计`, `总计`, `Total`) are skipped.

use std::path::Path;

use rust_decimal::Decimal;

use crate::date::Date;
use crate::error::{Cell, Error};
use crate::history::parse_number;
use crate::mapping::{Mapping, Roles, normalise};
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

/// The column roles of a deduction statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatementRole {
    /// The charge's date.
    Date,
    /// The fee type (费用类型).
    FeeType,
    /// The amount (金额).
    Amount,
    /// The reference (单号).
    Reference,
}

impl Roles for StatementRole {
    fn all() -> &'static [StatementRole] {
        &[StatementRole::Date, StatementRole::FeeType, StatementRole::Amount, StatementRole::Reference]
    }
    fn key(self) -> &'static str {
        match self {
            StatementRole::Date => "date",
            StatementRole::FeeType => "fee_type",
            StatementRole::Amount => "amount",
            StatementRole::Reference => "reference",
        }
    }
    fn aliases(self) -> &'static [&'static str] {
        match self {
            StatementRole::Date => &["日期", "扣款日期", "单据日期", "费用日期", "date"],
            StatementRole::FeeType => {
                &["费用类型", "费用名称", "扣款项目", "费用项目", "项目", "feetype", "fee", "description"]
            }
            StatementRole::Amount => &["金额", "扣款金额", "费用金额", "amount"],
            StatementRole::Reference => &["单号", "凭证号", "参考号", "单据号", "reference", "ref"],
        }
    }
    fn required() -> &'static [&'static [StatementRole]] {
        &[&[StatementRole::FeeType], &[StatementRole::Amount]]
    }
}

const TOTALS: [&str; 4] = ["合计", "总计", "小计", "total"];

/// Reads a deduction statement file.
///
/// # Errors
///
/// Any error of [`table::read_table`] and of [`Mapping::resolve`] ([`Error::MissingColumn`]
/// without a fee-type or amount column, [`Error::AmbiguousColumn`]); [`Error::Value`] for an amount that is not a number or a date that is not a date;
/// [`Error::Empty`] without charges.
pub fn read_statement(path: &Path, mapping: &Mapping<StatementRole>) -> Result<Statement, Error> {
    from_table(&table::read_table(path)?, mapping)
}

/// Reads a deduction statement from a table already read.
///
/// # Errors
///
/// As [`read_statement`].
pub fn from_table(t: &RawTable, mapping: &Mapping<StatementRole>) -> Result<Statement, Error> {
    let cols = mapping.resolve(&t.file, &t.headers)?;
    let fee = cols.get(StatementRole::FeeType).unwrap_or(0);
    let amount = cols.get(StatementRole::Amount).unwrap_or(0);
    let date = cols.get(StatementRole::Date);
    let reference = cols.get(StatementRole::Reference);
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
        if let Some(m) = crate::history::too_large(value) {
            return Err(bad(r.number, amount, "amount", a, &m));
        }
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
