//! Where a contract's values came from: the file, its text, and the span of every key path.
//!
//! A loaded [`Contract`](crate::Contract) keeps its [`Source`] (not serialized, not compared),
//! so a problem found after loading — a term set by the library, a term drawn by a
//! simulation, a variant rejected by [`Compiled::variant`](crate::Compiled::variant) — is
//! reported at the file, line and column of the value it concerns, not at `<contract>:0:0`.
//! Spans are found on demand by parsing the kept text again: problems are rare, and keeping a
//! table of every span would cost every load.
//!
//! A contract that `extends` another is read from several files: its source then keeps every
//! file of the chain and an origin tree saying which file (and which key path in it) states
//! each value of the merged document, so a problem is located in the file that defines the
//! value — the parent for an inherited value, the child for an overridden one — and
//! [`Source::provenance`] can say where each fee rule and setting came from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

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
    /// Set when the contract extends another.
    layers: Option<Layers>,
}

/// The files of an `extends` chain and where each merged value is written.
#[derive(Clone, Debug)]
pub(crate) struct Layers {
    /// The files of the chain, the farthest parent first and the loaded file last.
    pub(crate) files: Vec<(PathBuf, String)>,
    /// Where each value of the merged document is written.
    pub(crate) tree: Node,
    /// Entries removed by `remove = true`, in the order the removals are written.
    pub(crate) removed: Vec<Removed>,
}

/// An entry of an array of tables removed by an extending file.
#[derive(Clone, Debug)]
pub(crate) struct Removed {
    /// The array (`fees`, `skus`, …).
    pub(crate) array: &'static str,
    /// The id of the entry removed.
    pub(crate) id: String,
    /// The file stating the removal (index into [`Layers::files`]).
    pub(crate) file: usize,
    /// The key path of the removal entry in that file (`fees[3]`).
    pub(crate) path: String,
}

/// Where one value of a merged document is written.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// The file that first stated the value (index into [`Layers::files`]).
    pub(crate) born: usize,
    /// The file that last wrote into it (for a table merged from several files, the latest).
    pub(crate) file: usize,
    /// The value's key path in `file`.
    pub(crate) path: String,
    /// The values inside a table or an array.
    pub(crate) kids: Kids,
}

/// The children of a [`Node`].
#[derive(Clone, Debug)]
pub(crate) enum Kids {
    /// A plain value.
    Leaf,
    /// A table's values by key.
    Table(BTreeMap<String, Node>),
    /// An array's values in order.
    Array(Vec<Node>),
}

impl Node {
    /// The origin of a whole value written in `file` at `path`.
    pub(crate) fn of(v: &toml::Value, file: usize, path: &str) -> Node {
        let kids = match v {
            toml::Value::Table(t) => {
                Kids::Table(t.iter().map(|(k, v)| (k.clone(), Node::of(v, file, &join(path, k)))).collect())
            }
            toml::Value::Array(a) => {
                Kids::Array(a.iter().enumerate().map(|(i, v)| Node::of(v, file, &format!("{path}[{i}]"))).collect())
            }
            _ => Kids::Leaf,
        };
        Node { born: file, file, path: path.to_string(), kids }
    }

    /// The file and key path in it where the value at merged `key_path` is written: the
    /// deepest value of the path the tree has, with the rest of the path appended.
    fn resolve(&self, key_path: &str) -> (usize, String) {
        let mut node = self;
        let mut rest = String::new();
        for seg in segments(key_path) {
            let next = if rest.is_empty() {
                match (&node.kids, &seg) {
                    (Kids::Table(t), Seg::Key(k)) => t.get(*k),
                    (Kids::Array(a), Seg::Index(i)) => a.get(*i),
                    _ => None,
                }
            } else {
                None
            };
            match next {
                Some(n) => node = n,
                None => match seg {
                    Seg::Key(k) => {
                        rest.push('.');
                        rest.push_str(k);
                    }
                    Seg::Index(i) => rest.push_str(&format!("[{i}]")),
                },
            }
        }
        let path =
            if node.path.is_empty() { rest.trim_start_matches('.').to_string() } else { node.path.clone() + &rest };
        (node.file, path)
    }

    /// Key paths (relative to this node) of the values written by a later file than the one
    /// that first stated this node: what the extending files changed.
    fn changed(&self, born: usize, rel: &str, out: &mut Vec<String>) {
        // A plain value replaced keeps the `born` of the value it replaced: its `file` says
        // who wrote it.
        if self.born != born || (matches!(self.kids, Kids::Leaf) && self.file != born) {
            out.push(rel.to_string());
            return;
        }
        match &self.kids {
            Kids::Leaf => {}
            Kids::Table(t) => t.iter().for_each(|(k, n)| n.changed(born, &join(rel, k), out)),
            Kids::Array(a) => a.iter().enumerate().for_each(|(i, n)| n.changed(born, &format!("{rel}[{i}]"), out)),
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// The arrays of tables merged entry by entry, with the key naming an entry.
pub(crate) const ID_ARRAYS: &[(&str, &str)] =
    &[("fees", "id"), ("skus", "sku"), ("supplier.skus", "id"), ("plan.lines", "sku")];

/// Where a term of a contract that extends another comes from (see [`Source::provenance`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TermOrigin {
    /// What: `fees.<id>`, `skus.<code>`, `plan.lines.<code>`, `supplier.skus.<id>`, or a
    /// top-level setting (`payment`, `retailer`, `name`, …).
    pub item: String,
    /// Inherited, overridden, added or removed.
    pub status: OriginStatus,
    /// The file of its latest statement (for a removed entry, the file removing it).
    pub file: PathBuf,
    /// The line of that statement (1-based).
    pub line: usize,
    /// Key paths inside the item set by an extending file (for an overridden item).
    pub changed: Vec<String>,
}

/// How a term of an extending contract relates to the contract it extends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginStatus {
    /// Stated by the farthest parent (last year's contract) and changed by no later file
    /// (沿用).
    Inherited,
    /// Stated by the farthest parent and changed by a later file (修改).
    Overridden,
    /// First stated by an extending file (新增).
    Added,
    /// Removed by an extending file with `remove = true` (删除).
    Removed,
}

impl OriginStatus {
    /// The status's code (`inherited`, …) and its Chinese name.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            OriginStatus::Inherited => ("inherited", "沿用"),
            OriginStatus::Overridden => ("overridden", "修改"),
            OriginStatus::Added => ("added", "新增"),
            OriginStatus::Removed => ("removed", "删除"),
        }
    }
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
        Source {
            files: Some(Arc::new(SourceFiles {
                contract: (file.to_path_buf(), text.to_string()),
                supplier,
                layers: None,
            })),
        }
    }

    /// The source of a contract merged from an `extends` chain (the loaded file is the last
    /// of `layers.files`).
    pub(crate) fn layered(layers: Layers, supplier: Option<(PathBuf, String)>) -> Source {
        let contract = layers.files.last().cloned().unwrap_or_default();
        Source { files: Some(Arc::new(SourceFiles { contract, supplier, layers: Some(layers) })) }
    }

    /// Every contract file the contract was read from: the file itself, then for a contract
    /// that `extends` another, its parent, the parent's parent and so on (supplier files not
    /// included).
    pub fn files(&self) -> Vec<&Path> {
        match &self.files {
            None => Vec::new(),
            Some(s) => match &s.layers {
                None => vec![s.contract.0.as_path()],
                Some(l) => l.files.iter().rev().map(|(p, _)| p.as_path()).collect(),
            },
        }
    }

    /// The index (in the chain, farthest parent first) of the file stating the value at
    /// `key_path`, for a contract that extends another.
    pub(crate) fn origin_file(&self, key_path: &str) -> Option<usize> {
        let l = self.files.as_ref()?.layers.as_ref()?;
        Some(l.tree.resolve(key_path).0)
    }

    /// True when the contract `extends` another file.
    pub fn extends(&self) -> bool {
        self.files.as_ref().is_some_and(|s| s.layers.is_some())
    }

    /// Where each fee rule, SKU, plan line and top-level setting of a contract that
    /// `extends` another comes from, in contract order (fee rules, removed fee rules, SKUs,
    /// …, then settings by name); empty for a contract read from one file. Computed on
    /// demand (each statement's line is found by parsing its file again).
    pub fn provenance(&self) -> Vec<TermOrigin> {
        let Some(l) = self.files.as_ref().and_then(|s| s.layers.as_ref()) else { return Vec::new() };
        let docs: Vec<Option<DeValue<'_>>> =
            l.files.iter().map(|(_, text)| DeTable::parse(text).ok().map(|d| DeValue::Table(d.into_inner()))).collect();
        let line = |file: usize, path: &str| -> usize {
            let span = docs[file].as_ref().and_then(|root| find_path(root, path)).map_or(0, |v| v.span().start);
            line_col(&l.files[file].1, span).0
        };
        let origin = |item: String, n: &Node| {
            let mut changed = Vec::new();
            n.changed(n.born, "", &mut changed);
            let status = match (n.born, changed.is_empty()) {
                (0, true) => OriginStatus::Inherited,
                (0, false) => OriginStatus::Overridden,
                _ => OriginStatus::Added,
            };
            // A plain top-level setting replaced whole is changed as a whole.
            changed.retain(|c| !c.is_empty());
            TermOrigin { item, status, file: l.files[n.file].0.clone(), line: line(n.file, &n.path), changed }
        };
        let mut out = Vec::new();
        let Kids::Table(top) = &l.tree.kids else { return out };
        let at = |path: &str| -> Option<&Node> {
            let mut node = &l.tree;
            for k in path.split('.') {
                node = match &node.kids {
                    Kids::Table(t) => t.get(k)?,
                    _ => return None,
                };
            }
            Some(node)
        };
        for (array, key) in ID_ARRAYS {
            if let Some(Node { kids: Kids::Array(entries), .. }) = at(array) {
                let docs_at = |n: &Node| -> Option<String> {
                    let root = docs[n.file].as_ref()?;
                    match find_path(root, &join(&n.path, key))?.get_ref() {
                        DeValue::String(s) => Some(s.to_string()),
                        _ => None,
                    }
                };
                for (i, n) in entries.iter().enumerate() {
                    let id = docs_at(n).unwrap_or_else(|| format!("[{i}]"));
                    out.push(origin(format!("{array}.{id}"), n));
                }
            }
            for r in l.removed.iter().filter(|r| r.array == *array) {
                out.push(TermOrigin {
                    item: format!("{array}.{}", r.id),
                    status: OriginStatus::Removed,
                    file: l.files[r.file].0.clone(),
                    line: line(r.file, &r.path),
                    changed: Vec::new(),
                });
            }
        }
        for (k, n) in top {
            if ID_ARRAYS.iter().any(|(a, _)| a == k) {
                continue;
            }
            out.push(origin(k.clone(), n));
        }
        out
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
                _ => match &s.layers {
                    // In the file of the chain that states the value.
                    Some(l) => {
                        let (file, path) = l.tree.resolve(key_path);
                        let (f, text) = &l.files[file];
                        locate(f, text, &path, message)
                    }
                    None => locate(&s.contract.0, &s.contract.1, key_path, message),
                },
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
            match &s.layers {
                Some(l) => sources.extend(l.files.iter().rev().cloned()),
                None => sources.push(s.contract.clone()),
            }
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

/// Locates a key path in a source: the value's span, or the nearest existing ancestor's. For
/// problems found outside kasim-core in a file it loaded (a portfolio's strategy names, which
/// only kasim-negotiate knows), so they are located like every other problem.
///
/// ```
/// let p = kasim_core::source::locate(
///     std::path::Path::new("p.toml"),
///     "name = \"x\"\n[multi_year]\nyears = 3\n",
///     "multi_year.years",
///     "bad".into(),
/// );
/// assert_eq!((p.line, p.column), (3, 9));
/// ```
pub fn locate(file: &Path, src: &str, key_path: &str, message: String) -> Problem {
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
