//! Where a contract's values came from: the file, its text, and the span of every key path.
//!
//! A loaded [`Contract`](crate::Contract) keeps its [`Source`] (not serialized, not compared),
//! so a problem found after loading — a term set by the library, a term drawn by a
//! simulation, a variant rejected by [`Compiled::variant`](crate::Compiled::variant) — is
//! reported at the file, line and column of the value it concerns, not at `<contract>:0:0`.
//! Spans are found on demand by parsing the kept text again: problems are rare, and keeping a
//! table of every span would cost every load.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::{Problem, Problems};

/// The files a contract was loaded from (shared by clones of the contract).
#[derive(Clone, Default)]
pub struct Source {
    files: Option<Arc<SourceFiles>>,
}

struct SourceFiles {
    contract: (PathBuf, String),
    supplier: Option<(PathBuf, String)>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.files {
            Some(s) => write!(f, "Source({})", s.contract.0.display()),
            None => f.write_str("Source(none)"),
        }
    }
}

/// Where a contract came from does not change what it says: every two sources are equal.
impl PartialEq for Source {
    fn eq(&self, _: &Source) -> bool {
        true
    }
}

impl Source {
    /// The source of a contract read from `file` (and its supplier from `supplier`).
    pub(crate) fn new(file: &Path, text: &str, supplier: Option<(PathBuf, String)>) -> Source {
        Source { files: Some(Arc::new(SourceFiles { contract: (file.to_path_buf(), text.to_string()), supplier })) }
    }

    /// The contract file, when the contract was loaded from one.
    pub fn file(&self) -> Option<&Path> {
        self.files.as_ref().map(|s| s.contract.0.as_path())
    }

    /// Locates a problem at `key_path` of the contract (`supplier.…` paths in the supplier
    /// file): the value's span, or the nearest existing ancestor's (a value the library
    /// created). Without a source the problem names `<contract>` with line and column 0.
    pub fn locate(&self, key_path: &str, message: String) -> Problem {
        match &self.files {
            Some(s) => match (&s.supplier, key_path.strip_prefix("supplier.")) {
                // Supplier problems name the key path in the supplier file.
                (Some((f, text)), Some(rest)) => locate(f, text, rest, message),
                _ => locate(&s.contract.0, &s.contract.1, key_path, message),
            },
            None => Problem {
                file: "<contract>".into(),
                line: 0,
                column: 0,
                span: None,
                key_path: key_path.to_string(),
                message,
            },
        }
    }

    /// Problems at key paths, located, with the source texts for snippets.
    pub fn problems(&self, issues: impl IntoIterator<Item = (String, String)>) -> Problems {
        let problems = issues.into_iter().map(|(k, m)| self.locate(&k, m)).collect();
        let mut sources = Vec::new();
        if let Some(s) = &self.files {
            sources.push(s.contract.clone());
            sources.extend(s.supplier.clone());
        }
        Problems { problems, sources }
    }
}

/// Follows a key path (`a.b[2].c`) through a document.
pub(crate) fn find_path<'a, 'i>(root: &'a DeValue<'i>, path: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    let mut cur: Option<&Spanned<DeValue<'i>>> = None;
    let mut node = root;
    for seg in segments(path) {
        let next = match (node, seg) {
            (DeValue::Table(t), Seg::Key(k)) => t.iter().find(|(key, _)| key.get_ref() == k).map(|(_, v)| v),
            (DeValue::Array(a), Seg::Index(i)) => a.get(i),
            _ => None,
        }?;
        cur = Some(next);
        node = next.get_ref();
    }
    cur
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        for idx in rest.split('[') {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

/// Locates a key path in a source: the value's span, or the nearest existing ancestor's.
pub(crate) fn locate(file: &Path, src: &str, key_path: &str, message: String) -> Problem {
    let span = match DeTable::parse(src) {
        Ok(doc) => {
            let root = DeValue::Table(doc.into_inner());
            let mut path = key_path.to_string();
            loop {
                if path.is_empty() {
                    break 0..0;
                }
                if let Some(v) = find_path(&root, &path) {
                    break v.span();
                }
                // Walk up one segment.
                match path.rfind(['.', '[']) {
                    Some(i) => path.truncate(i),
                    None => path.clear(),
                }
            }
        }
        Err(_) => 0..0,
    };
    let (line, column) = line_col(src, span.start);
    Problem { file: file.to_path_buf(), line, column, span: Some(span), key_path: key_path.to_string(), message }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let mut line = 1;
    let mut start = 0;
    for (i, b) in src.bytes().enumerate().take(offset) {
        if b == b'\n' {
            line += 1;
            start = i + 1;
        }
    }
    let col = src.get(start..offset).map_or(1, |s| s.chars().count() + 1);
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_parse() {
        let s = segments("fees[2].tiers[1].threshold");
        assert_eq!(s.len(), 5);
    }
}
