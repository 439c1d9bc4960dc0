//! The one error type of `kasim-core`.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// Everything that can go wrong loading, validating or settling a contract.
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
    /// The contract (or its supplier file) is malformed or breaks a rule: every problem found,
    /// each with its file, line, column and key path.
    #[error("{0}")]
    Invalid(Problems),
    /// An outcome does not fit the contract or is out of bounds.
    #[error("outcome error: {0}")]
    Outcome(String),
    /// An amount left the range exact arithmetic can hold.
    #[error("arithmetic overflow computing {0}")]
    Overflow(String),
    /// The contract could not be written back.
    #[error("cannot serialize the contract: {0}")]
    Serialize(String),
    /// The contract cannot be settled as given (e.g. its supplier file was never loaded).
    #[error("contract error: {0}")]
    Contract(String),
}

impl Error {
    /// An overflow multiplying two amounts.
    pub(crate) fn overflow_product(a: rust_decimal::Decimal, b: rust_decimal::Decimal) -> Error {
        Error::Overflow(format!("{a} × {b}"))
    }
    /// An integer amount `value × 10^−scale` too large for a `Decimal`.
    pub(crate) fn overflow_value(_value: i128, _scale: u32) -> Error {
        Error::Overflow("an aggregate amount".into())
    }
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
