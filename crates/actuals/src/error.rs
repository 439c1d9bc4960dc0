//! The one error type of kasim-actuals. Every problem with an input table names the file and,
//! where there is one, the row as a spreadsheet or a text editor shows it (1-based, the header
//! row included), the column (its header and its letter, `C`, or number) and the offending
//! value.

use std::path::PathBuf;

/// Where a cell is: its row as the user sees it and its column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The row, 1-based as Excel or a text editor shows it (the header row counts).
    pub row: usize,
    /// The column, 1-based.
    pub column: usize,
    /// The column's header as written in the file.
    pub header: String,
}

impl Cell {
    /// The column's letter as a spreadsheet names it (`A`, `Z`, `AA`).
    pub fn letter(&self) -> String {
        column_letter(self.column)
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column {} `{}`", self.row, self.letter(), self.header)
    }
}

/// The spreadsheet letter of a 1-based column number (`1` → `A`, `27` → `AA`).
pub fn column_letter(mut n: usize) -> String {
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Errors of reading a sales history or calibrating from it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read (missing, a directory, permissions).
    #[error("{}: cannot read: {message}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The system's message.
        message: String,
    },
    /// The file is larger than a sales export can be.
    #[error("{}: {size} bytes is more than the {limit}-byte limit of this input", file.display())]
    TooLarge {
        /// The file.
        file: PathBuf,
        /// Its size.
        size: u64,
        /// The limit ([`crate::table::MAX_FILE_BYTES`] for a table, 1 MiB for a mapping file).
        limit: u64,
    },
    /// More data rows than a sales history may have.
    #[error("{}: more than {limit} rows", file.display())]
    TooManyRows {
        /// The file.
        file: PathBuf,
        /// The limit ([`crate::table::MAX_ROWS`]).
        limit: usize,
    },
    /// The file has no header row or no data rows.
    #[error("{}: {what}", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
        /// What is missing (`no header row`, `a header row but no data rows`).
        what: String,
    },
    /// The bytes are neither UTF-8 nor GBK/GB18030 text.
    #[error("{}: byte {offset}: the file is not text in UTF-8 or GBK/GB18030 (save it as CSV UTF-8 or xlsx)", file.display())]
    Encoding {
        /// The file.
        file: PathBuf,
        /// Byte offset of the first undecodable byte.
        offset: usize,
    },
    /// The CSV structure is broken at a row (an unterminated quote, a row far longer than the
    /// header).
    #[error("{}: row {row}: {message}", file.display())]
    Malformed {
        /// The file.
        file: PathBuf,
        /// The row (1-based line).
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// A workbook that calamine cannot open, or without a sheet.
    #[error("{}: cannot read the workbook: {message}", file.display())]
    Workbook {
        /// The file.
        file: PathBuf,
        /// calamine's message.
        message: String,
    },
    /// A cell whose value cannot be read as its column's role says.
    #[error("{}: {cell} ({role}): {message}: `{value}`", file.display())]
    Value {
        /// The file.
        file: PathBuf,
        /// Where (boxed: keeps every `Result` of the crate small).
        cell: Box<Cell>,
        /// The column's role (`units`, `date`, …).
        role: &'static str,
        /// The offending value as written.
        value: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// No column of the file plays a required role.
    #[error("{}: no {role} column ({names}); the headers are: {headers}; name it with --column {role}=HEADER or a mapping file", file.display(), headers = .headers.join(", "))]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The role (`sku`, `units`, `date`).
        role: &'static str,
        /// Headers that would be recognised for it.
        names: String,
        /// The file's headers.
        headers: Vec<String>,
    },
    /// Several columns could play one role.
    #[error("{}: {role}: several columns could be it: {candidates}; choose one with --column {role}=HEADER", file.display(), candidates = .candidates.join(", "))]
    AmbiguousColumn {
        /// The file.
        file: PathBuf,
        /// The role.
        role: &'static str,
        /// The candidate headers.
        candidates: Vec<String>,
    },
    /// A header named by the mapping is not in the file.
    #[error("{}: {role} = `{header}`: no such column; the headers are: {candidates}", file.display(), candidates = .candidates.join(", "))]
    UnknownHeader {
        /// The file.
        file: PathBuf,
        /// The role.
        role: &'static str,
        /// The header the mapping names.
        header: String,
        /// The file's headers, closest first.
        candidates: Vec<String>,
    },
    /// A mapping names a role that does not exist, or is malformed.
    #[error("{origin}: {message}")]
    Mapping {
        /// Where the mapping came from (`--column`, or `file:line:col`).
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// Two rows give different values for one SKU and date.
    #[error("{}: row {row}: SKU `{sku}` on {date} is already given in row {first_row} with other values (a per-store or per-region export must be summed first)", file.display())]
    Duplicate {
        /// The file.
        file: PathBuf,
        /// The later row.
        row: usize,
        /// The first row with the same SKU and date.
        first_row: usize,
        /// The SKU.
        sku: String,
        /// The date (`2025-03-03`).
        date: String,
    },
    /// The history cannot be put on the contract's calendar (monthly data for a weekly
    /// contract, mixed granularities).
    #[error("{}: {message}", file.display())]
    Calendar {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The year-to-date actuals or a deduction statement do not fit the contract (`kasim
    /// track`): a fractional unit count, actuals beyond the contract's year, no closed period.
    #[error("{0}")]
    Track(String),
    /// Nothing to calibrate from (no SKU of the contract in the history, too few periods).
    #[error("{0}")]
    Thin(String),
    /// The contract could not be loaded, or the calibrated contract does not validate.
    #[error(transparent)]
    Core(#[from] kasim_core::Error),
    /// The backtest simulation failed.
    #[error(transparent)]
    Simulation(Box<kasim_montecarlo::Error>),
}

impl From<kasim_montecarlo::Error> for Error {
    fn from(e: kasim_montecarlo::Error) -> Self {
        match e {
            kasim_montecarlo::Error::Core(c) => Error::Core(c),
            other => Error::Simulation(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        for (n, l) in [(1, "A"), (3, "C"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"), (702, "ZZ"), (703, "AAA")] {
            assert_eq!(column_letter(n), l);
        }
    }
}
