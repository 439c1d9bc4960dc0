//! The one error type of `kasim-core`.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// Everything that can go wrong loading, validating or settling a contract.
///
/// Every variant carries fields, not only a message, so callers can branch on what went wrong
/// ([`Error::is_overflow`], [`Error::overflow`], …); context is added by wrapping
/// ([`Error::in_file`]), never by rewriting the message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file was refused before reading: not a regular file (a FIFO, a device, a directory)
    /// or larger than [`MAX_FILE_BYTES`](crate::load::MAX_FILE_BYTES).
    #[error("cannot read {}: {reason}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// Why it was refused.
        reason: InputError,
    },
    /// The contract (or its supplier file) is malformed or breaks a rule: every problem found,
    /// each with its file, line, column and key path.
    #[error("{0}")]
    Invalid(Problems),
    /// An outcome does not fit the contract or is out of bounds.
    #[error("{0}")]
    Outcome(OutcomeError),
    /// An amount left the range exact arithmetic can hold.
    #[error("{0}")]
    Overflow(OverflowError),
    /// A value could not be written out.
    #[error("cannot serialize {what}: {source}")]
    Serialize {
        /// What was being written (e.g. "the contract").
        what: &'static str,
        /// The serializer's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The contract cannot be settled as given (e.g. its supplier file was never loaded).
    #[error("{0}")]
    Contract(ContractError),
    /// A term path does not name a numeric term, or a value does not fit it.
    #[error("{0}")]
    Term(TermError),
    /// An error about a file that does not say which file (an outcome or an overflow while
    /// settling a contract read from it).
    #[error("{}: {source}", file.display())]
    InFile {
        /// The file.
        file: PathBuf,
        /// The error.
        source: Box<Error>,
    },
}

impl Error {
    /// True when the error lists located problems in an input file.
    pub fn is_invalid(&self) -> bool {
        matches!(self, Error::Invalid(_))
    }
    /// The located problems, if any.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::Invalid(p) => &p.problems,
            _ => &[],
        }
    }
    /// The error without the context wrapped around it.
    pub fn root(&self) -> &Error {
        match self {
            Error::InFile { source, .. } => source.root(),
            e => e,
        }
    }
    /// True when a file could not be read.
    pub fn is_io(&self) -> bool {
        matches!(self.root(), Error::Io { .. })
    }
    /// True when a file was refused before reading (not a regular file, or too large).
    pub fn is_input(&self) -> bool {
        matches!(self.root(), Error::Input { .. })
    }
    /// True when an amount left the range of exact arithmetic.
    pub fn is_overflow(&self) -> bool {
        matches!(self.root(), Error::Overflow(_))
    }
    /// The overflow, when the error is one.
    pub fn overflow(&self) -> Option<&OverflowError> {
        match self.root() {
            Error::Overflow(o) => Some(o),
            _ => None,
        }
    }
    /// True when an outcome does not fit the contract.
    pub fn is_outcome(&self) -> bool {
        matches!(self.root(), Error::Outcome(_))
    }
    /// The outcome problem, when the error is one.
    pub fn outcome(&self) -> Option<&OutcomeError> {
        match self.root() {
            Error::Outcome(o) => Some(o),
            _ => None,
        }
    }
    /// True when the contract cannot be settled as given.
    pub fn is_contract(&self) -> bool {
        matches!(self.root(), Error::Contract(_))
    }
    /// The contract problem, when the error is one.
    pub fn contract(&self) -> Option<&ContractError> {
        match self.root() {
            Error::Contract(c) => Some(c),
            _ => None,
        }
    }
    /// True when a value could not be written out.
    pub fn is_serialize(&self) -> bool {
        matches!(self.root(), Error::Serialize { .. })
    }
    /// True when a term path or value was refused.
    pub fn is_term(&self) -> bool {
        matches!(self.root(), Error::Term(_))
    }
    /// The term error, when the error is one.
    pub fn term(&self) -> Option<&TermError> {
        match self.root() {
            Error::Term(t) => Some(t),
            _ => None,
        }
    }

    /// Names the file an error is about, unless the error already locates itself in a file
    /// (I/O errors and located problems).
    pub fn in_file(self, file: impl Into<PathBuf>) -> Error {
        match self {
            e @ (Error::Io { .. } | Error::Input { .. } | Error::Invalid(_) | Error::InFile { .. }) => e,
            e => Error::InFile { file: file.into(), source: Box::new(e) },
        }
    }

    /// Adds the fee rule being settled to an overflow.
    pub(crate) fn in_rule(self, rule: &str) -> Error {
        match self {
            Error::Overflow(mut o) if o.rule.is_none() => {
                o.rule = Some(rule.to_string());
                Error::Overflow(o)
            }
            e => e,
        }
    }

    /// An overflow multiplying two amounts.
    pub(crate) fn overflow_product(a: rust_decimal::Decimal, b: rust_decimal::Decimal) -> Error {
        Error::Overflow(OverflowError::new(Overflowed::Product { a, b }))
    }

    /// An integer amount `value × 10^−scale` too large for a `Decimal`.
    pub(crate) fn overflow_value(value: i128, scale: u32) -> Error {
        Error::Overflow(OverflowError::new(Overflowed::Amount { value, scale }))
    }
}

/// Why an input file was refused before it was read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not a regular file: reading a FIFO can block forever and a device can be endless.
    #[error("it is {kind}, not a regular file")]
    NotARegularFile {
        /// What it is ("a directory", "a FIFO (named pipe)", "a character device", …).
        kind: &'static str,
    },
    /// Larger than the limit (a contract is kilobytes).
    #[error("it is larger than the limit of {limit} bytes (16 MiB) for a contract or supplier file")]
    TooLarge {
        /// The size, when the file system reports it (`None` when it grew while read).
        size: Option<u64>,
        /// The limit in bytes.
        limit: u64,
    },
}

/// An amount that left the range exact arithmetic can hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverflowError {
    /// What was being computed.
    pub what: Overflowed,
    /// The id of the fee rule being settled, when known.
    pub rule: Option<String>,
    /// The 1-based period being booked, when known.
    pub period: Option<u16>,
}

impl OverflowError {
    pub(crate) fn new(what: Overflowed) -> OverflowError {
        OverflowError { what, rule: None, period: None }
    }
}

impl fmt::Display for OverflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "arithmetic overflow computing {}", self.what)?;
        if let Some(r) = &self.rule {
            write!(f, " in rule `{r}`")?;
        }
        if let Some(p) = self.period {
            write!(f, " in period {p}")?;
        }
        Ok(())
    }
}

/// What overflowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overflowed {
    /// The product of two amounts.
    Product {
        /// One factor.
        a: rust_decimal::Decimal,
        /// The other.
        b: rust_decimal::Decimal,
    },
    /// An integer amount `value × 10^−scale` (a sum in millionths, or a count) too large for
    /// a `Decimal`.
    Amount {
        /// The mantissa.
        value: i128,
        /// Its decimals.
        scale: u32,
    },
    /// The financing cost of the payment terms.
    FinancingCost,
    /// Units of the sales plan.
    PlannedUnits,
}

impl fmt::Display for Overflowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Overflowed::Product { a, b } => write!(f, "{a} × {b}"),
            Overflowed::Amount { .. } => f.write_str("an aggregate amount"),
            Overflowed::FinancingCost => f.write_str("financing cost"),
            Overflowed::PlannedUnits => f.write_str("planned units"),
        }
    }
}

/// An outcome that does not fit the contract or is out of bounds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutcomeError {
    /// The outcome has another number of periods or SKUs than the contract.
    #[error("outcome has {periods} periods × {skus} SKUs but the contract has {expected_periods} × {expected_skus}")]
    Shape {
        /// Periods of the outcome.
        periods: usize,
        /// SKUs of the outcome.
        skus: usize,
        /// Periods of the contract.
        expected_periods: usize,
        /// SKUs of the contract.
        expected_skus: usize,
    },
    /// The store openings do not cover the periods.
    #[error("outcome has {entries} store-opening entries for {periods} periods")]
    StoreOpenings {
        /// Entries given.
        entries: usize,
        /// Periods of the contract.
        periods: usize,
    },
    /// The retailer's performance does not cover the periods.
    #[error("outcome has {entries} retailer-performance entries for {periods} periods")]
    Performance {
        /// Entries given.
        entries: usize,
        /// Periods of the contract.
        periods: usize,
    },
    /// A display compliance above 100%.
    #[error("period {period}: display compliance {ppm} ppm is above 100% (1,000,000 ppm)")]
    Compliance {
        /// 1-based period.
        period: usize,
        /// The share in millionths.
        ppm: u32,
    },
    /// A cell holds a unit count, promotional price or price gap out of bounds.
    #[error(
        "period {period}, SKU #{sku}: units above {max_units} or a promotion price or price gap out of range \
         (ordered {ordered}, delivered {delivered}, sold {sold}, returned {returned}, promotion price \
         {promo_price_micro} and price gap {match_gap_micro} millionths)"
    )]
    Cell {
        /// 1-based period.
        period: usize,
        /// 0-based SKU index.
        sku: usize,
        /// Units ordered.
        ordered: u32,
        /// Units delivered.
        delivered: u32,
        /// Units sold.
        sold: u32,
        /// Units returned.
        returned: u32,
        /// Promotional price in millionths.
        promo_price_micro: i64,
        /// Price-match gap in millionths.
        match_gap_micro: i64,
        /// The largest unit count accepted.
        max_units: u32,
    },
    /// Too many stores open in one period.
    #[error("more than 1,000,000 store openings in a period")]
    TooManyOpenings {
        /// 1-based period.
        period: usize,
        /// Stores opened.
        openings: u32,
    },
    /// The sales plan asks for more units in a cell than settlement accepts.
    #[error("planned units {units} exceed the maximum of {max_units} per cell")]
    PlannedUnits {
        /// The planned units.
        units: u64,
        /// The largest unit count accepted.
        max_units: u32,
    },
}

/// A contract that cannot be settled as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// The contract names a supplier file that was never loaded.
    #[error("the supplier file has not been loaded; use kasim_core::load")]
    SupplierNotLoaded,
    /// A SKU of the contract is not in the supplier portfolio.
    #[error("unknown SKU `{sku}`")]
    UnknownSku {
        /// The SKU code.
        sku: String,
    },
    /// A price has more decimals than settlement holds (6).
    #[error("{what} {value} of SKU `{sku}` has more than 6 decimals")]
    TooManyDecimals {
        /// The SKU code.
        sku: String,
        /// Which price ("invoice price", "unit cost", "shelf price").
        what: &'static str,
        /// The price.
        value: rust_decimal::Decimal,
    },
    /// A supplier portfolio was given where a contract is expected.
    #[error(
        "{} is a supplier portfolio, not a contract: give the contract files that reference it (kasim validate accepts both)",
        file.display()
    )]
    SupplierPortfolio {
        /// The supplier file.
        file: PathBuf,
    },
}

/// A term path that does not name a numeric term of the contract, or a value that does not fit
/// the term (see [`crate::terms`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{path}`: {reason}")]
pub struct TermError {
    /// The term path as given.
    pub path: String,
    /// What is wrong.
    pub reason: TermReason,
    /// Where the value the error concerns (or its nearest enclosing table) is written, when the
    /// contract was loaded from a file.
    pub location: Option<Box<Location>>,
}

impl TermError {
    /// The known alternatives at the point the path went wrong (rule ids, SKU codes, term
    /// names), for a "did you mean".
    pub fn alternatives(&self) -> Vec<&str> {
        match &self.reason {
            TermReason::UnknownRule { known } | TermReason::UnknownSku { known } => {
                known.iter().map(String::as_str).collect()
            }
            TermReason::NoSuchTerm { known, .. } => known.to_vec(),
            TermReason::EarlyPaymentField => vec!["discount", "days"],
            TermReason::TierField => vec!["threshold", "rate", "per_unit"],
            _ => vec![],
        }
    }

    /// The alternative closest to what was written (by edit distance), if any is close.
    pub fn did_you_mean(&self) -> Option<&str> {
        let given = self.path.rsplit(['.', '[']).next().unwrap_or(&self.path);
        let given = match &self.reason {
            TermReason::UnknownRule { .. } => self.path.split('.').nth(1).unwrap_or(given),
            TermReason::UnknownSku { .. } => self.path.split('.').nth(1).unwrap_or(given),
            _ => given,
        };
        closest(given, self.alternatives())
    }
}

/// The alternative closest to `given` by edit distance, if any is close (at most half the
/// longer name's characters differ).
pub fn closest<'a>(given: &str, alternatives: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    alternatives
        .into_iter()
        .map(|a| (edit_distance(a, given), a))
        .filter(|(d, a)| *d > 0 && *d <= a.chars().count().max(given.chars().count()) / 2)
        .min()
        .map(|(_, a)| a)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb { prev } else { 1 + prev.min(row[j]).min(row[j + 1]) };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Why a term path or value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TermReason {
    /// Not a path of any term.
    #[error("not a term path (see kasim_core::terms)")]
    NotATermPath,
    /// `payment.early_payment.…` in a contract without early payment.
    #[error("the contract has no early payment")]
    NoEarlyPayment,
    /// An early-payment field other than `discount` and `days`.
    #[error("early payment terms are `discount` and `days`")]
    EarlyPaymentField,
    /// `skus.<sku>.…` of a SKU the contract does not list.
    #[error("no such SKU in the contract")]
    UnknownSku {
        /// The contract's SKU codes.
        known: Vec<String>,
    },
    /// An unset invoice price read before the supplier (and its list price) is loaded.
    #[error("the SKU has no invoice price and the supplier is not loaded")]
    NoListPrice,
    /// `fees.<id>.…` of an id no rule has.
    #[error("no fee rule has that id")]
    UnknownRule {
        /// The ids of the contract's rules.
        known: Vec<String>,
    },
    /// A field the rule does not have.
    #[error("this rule has no such numeric term")]
    NoSuchTerm {
        /// The rule's `kind`.
        kind: &'static str,
        /// Its numeric terms.
        known: &'static [&'static str],
    },
    /// `tiers[…]` of a rule without a scale.
    #[error("this rule has no tiers")]
    NoTiers,
    /// `tiers[` without `].<field>`.
    #[error("write tiers[<i>].<field>")]
    TierSyntax,
    /// A tier index that is not a number.
    #[error("tier index must be a number")]
    TierIndex,
    /// A tier index past the last tier.
    #[error("no tier with that index")]
    NoSuchTier {
        /// Tiers the rule has.
        tiers: usize,
    },
    /// A tier field other than `threshold` and the one the tier pays with.
    #[error("a tier has `threshold` and the `rate` or `per_unit` it was written with")]
    TierField,
    /// A value that is not a whole count in range.
    #[error("{value} is not a count between 0 and 4,294,967,295")]
    NotACount {
        /// The value.
        value: rust_decimal::Decimal,
    },
}

/// Where a value is written: file, line, column and key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The key path in the file, e.g. `fees[2].amount`.
    pub key_path: String,
}

impl From<TermError> for Error {
    fn from(e: TermError) -> Error {
        Error::Term(e)
    }
}

/// One located problem in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// Byte span in the file, when known.
    pub span: Option<Range<usize>>,
    /// The key path, e.g. `fees[2].tiers[1].threshold`.
    pub key_path: String,
    /// What is wrong, with the offending value.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if !self.key_path.is_empty() {
            write!(f, "{}: ", self.key_path)?;
        }
        f.write_str(&self.message)
    }
}

/// All problems found in one load, with the source text they point into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problems {
    /// The problems, in file order.
    pub problems: Vec<Problem>,
    /// Source texts by file, for rendering snippets.
    pub sources: Vec<(PathBuf, String)>,
}

impl Problems {
    /// The source text of a file named by a problem.
    pub fn source_of(&self, file: &std::path::Path) -> Option<&str> {
        self.sources.iter().find(|(p, _)| p == file).map(|(_, s)| s.as_str())
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}
