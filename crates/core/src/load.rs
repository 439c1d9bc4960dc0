//! Loading contract files: TOML → serde → validation, with every problem located.
//!
//! Problems carry the file, line and column and the key path (`fees[2].tiers[1].threshold`).
//! Floats anywhere in a contract are reported at their exact position before deserializing,
//! so a `rate = 0.15` is caught with a pointer to it rather than silently converted.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::contract::{Contract, Supplier, SupplierSource};
use crate::error::{Error, Problem, Problems};
pub use crate::source::line_col;
use crate::source::{find_path, locate};

/// Loads, resolves and validates a contract file (and its supplier file, if it names one).
///
/// # Errors
///
/// [`Error::Io`] when a file cannot be read; [`Error::Invalid`] with every problem found, each
/// located (file, line, column, key path), when the contract or its supplier file is malformed
/// or breaks a rule.
pub fn load(path: impl AsRef<Path>) -> Result<Contract, Error> {
    let path = path.as_ref();
    let src = read(path)?;
    load_str(&src, path, path.parent())
}

/// Loads and validates a supplier portfolio file on its own.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read; [`Error::Invalid`] with every located problem.
pub fn load_supplier(path: impl AsRef<Path>) -> Result<Supplier, Error> {
    let path = path.as_ref();
    let src = read(path)?;
    let supplier: Supplier = parse(&src, path)?;
    let issues = crate::validate::check_supplier(&supplier);
    if issues.is_empty() {
        return Ok(supplier);
    }
    let problems = issues.into_iter().map(|(key, msg)| locate(path, &src, &key, msg)).collect();
    Err(Error::Invalid(Problems { problems, sources: vec![(path.to_path_buf(), src)] }))
}

/// True when a file looks like a supplier portfolio (top-level `cost_of_capital`, no
/// `retailer`) rather than a contract.
pub fn is_supplier_file(path: impl AsRef<Path>) -> bool {
    let Ok(src) = std::fs::read_to_string(path) else { return false };
    let Ok(doc) = DeTable::parse(&src) else { return false };
    let has = |k: &str| doc.get_ref().iter().any(|(key, _)| key.get_ref() == k);
    has("cost_of_capital") && !has("retailer")
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// Loads a contract from text. `name` is the file name used in messages; `base_dir` resolves a
/// supplier file reference (without it, a reference is an error).
///
/// # Errors
///
/// [`Error::Invalid`] with every located problem (a supplier file that cannot be read is one).
pub fn load_str(src: &str, name: &Path, base_dir: Option<&Path>) -> Result<Contract, Error> {
    let mut contract: Contract = parse(src, name)?;
    let mut sources = vec![(name.to_path_buf(), src.to_string())];
    let mut supplier_file: Option<(PathBuf, String)> = None;
    if let SupplierSource::File(rel) = &contract.supplier {
        let full = match base_dir {
            Some(d) => d.join(rel),
            None => rel.clone(),
        };
        let ssrc = match std::fs::read_to_string(&full) {
            Ok(s) => s,
            Err(e) => {
                let problem =
                    locate(name, src, "supplier", format!("cannot read supplier file {}: {e}", full.display()));
                return Err(Error::Invalid(Problems { problems: vec![problem], sources }));
            }
        };
        let supplier: Supplier = parse(&ssrc, &full).map_err(|e| match e {
            Error::Invalid(mut p) => {
                p.sources.extend(sources.clone());
                Error::Invalid(p)
            }
            other => other,
        })?;
        contract.supplier = SupplierSource::Inline(supplier);
        sources.push((full.clone(), ssrc.clone()));
        supplier_file = Some((full, ssrc));
    }
    contract.source = crate::source::Source::new(name, src, supplier_file);
    let issues = crate::validate::check(&contract);
    if issues.is_empty() {
        return Ok(contract);
    }
    let mut problems = contract.source.problems(issues);
    problems.sources = sources;
    Err(Error::Invalid(problems))
}

/// Parses TOML text into `T`, locating any problem.
///
/// # Errors
///
/// [`Error::Invalid`] with the located syntax error, floats, or the first serde error.
pub fn parse<T: DeserializeOwned>(src: &str, name: &Path) -> Result<T, Error> {
    let invalid = |problems: Vec<Problem>| {
        Error::Invalid(Problems { problems, sources: vec![(name.to_path_buf(), src.to_string())] })
    };
    let doc = match DeTable::parse(src) {
        Ok(d) => d,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let (line, column) = line_col(src, span.start);
            return Err(invalid(vec![Problem {
                file: name.to_path_buf(),
                line,
                column,
                span: Some(span),
                key_path: String::new(),
                message: format!("TOML syntax error: {}", e.message().trim()),
            }]));
        }
    };
    let root = DeValue::Table(doc.into_inner());
    let mut floats = Vec::new();
    find_floats(&root, "", &mut floats);
    if !floats.is_empty() {
        let problems = floats
            .into_iter()
            .map(|(path, span, text)| {
                let (line, column) = line_col(src, span.start);
                Problem {
                    file: name.to_path_buf(),
                    line,
                    column,
                    span: Some(span),
                    key_path: path,
                    message: format!(
                        "float {text} is not accepted: money and rates must be exact; write it as a string, e.g. \"{text}\""
                    ),
                }
            })
            .collect();
        return Err(invalid(problems));
    }
    match toml::from_str::<T>(src) {
        Ok(v) => Ok(v),
        Err(e) => {
            let message = e.message().trim().to_string();
            let (mut path, mut span) = match e.span() {
                Some(s) => deepest(&root, &s, String::new(), s.clone()),
                None => (String::new(), 0..0),
            };
            // Serde reports unknown keys of tagged tables at the table: point at the key.
            if let Some(key) = message.strip_prefix("unknown field `").and_then(|r| r.split('`').next())
                && let Some((p, s)) = node_at(&root, &path).and_then(|v| match v {
                    DeValue::Table(t) => {
                        t.iter().find(|(k, _)| k.get_ref() == key).map(|(k, _)| (join(&path, key), k.span()))
                    }
                    _ => None,
                })
            {
                path = p;
                span = s;
            }
            // Serde reports a bad value inside a tagged table at the table: find the value.
            else if let Some(value) = message.split('`').nth(1)
                && let Some(node) = node_at(&root, &path)
                && let Some((p, s)) = find_value(node, &path, value)
            {
                path = p;
                span = s;
            }
            let (line, column) = line_col(src, span.start);
            Err(invalid(vec![Problem {
                file: name.to_path_buf(),
                line,
                column,
                span: Some(span),
                key_path: path,
                message,
            }]))
        }
    }
}

/// The first value under `node` whose text is `text`: its key path and span.
fn find_value(node: &DeValue<'_>, path: &str, text: &str) -> Option<(String, Range<usize>)> {
    let matches = |v: &DeValue<'_>| match v {
        DeValue::String(s) => s.as_ref() == text,
        DeValue::Integer(i) => i.as_str() == text,
        DeValue::Float(f) => f.as_str() == text,
        _ => false,
    };
    match node {
        DeValue::Table(t) => t.iter().find_map(|(k, v)| {
            let p = join(path, k.get_ref());
            if matches(v.get_ref()) { Some((p, v.span())) } else { find_value(v.get_ref(), &p, text) }
        }),
        DeValue::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
            let p = format!("{path}[{i}]");
            if matches(v.get_ref()) { Some((p, v.span())) } else { find_value(v.get_ref(), &p, text) }
        }),
        _ => None,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn find_floats(v: &DeValue<'_>, path: &str, out: &mut Vec<(String, Range<usize>, String)>) {
    match v {
        DeValue::Table(t) => {
            for (k, val) in t.iter() {
                let p = join(path, k.get_ref());
                if let DeValue::Float(f) = val.get_ref() {
                    out.push((p, val.span(), f.as_str().to_string()));
                } else {
                    find_floats(val.get_ref(), &p, out);
                }
            }
        }
        DeValue::Array(a) => {
            for (i, val) in a.iter().enumerate() {
                let p = format!("{path}[{i}]");
                if let DeValue::Float(f) = val.get_ref() {
                    out.push((p, val.span(), f.as_str().to_string()));
                } else {
                    find_floats(val.get_ref(), &p, out);
                }
            }
        }
        _ => {}
    }
}

/// The deepest node whose span contains `target`: its key path and span. Standard tables'
/// spans cover only their header, so every subtree is searched, not just containing ones.
fn deepest(v: &DeValue<'_>, target: &Range<usize>, path: String, span: Range<usize>) -> (String, Range<usize>) {
    if target.is_empty() {
        return (path, span);
    }
    find_deepest(v, target, &path).unwrap_or((path, span))
}

fn find_deepest(v: &DeValue<'_>, target: &Range<usize>, path: &str) -> Option<(String, Range<usize>)> {
    let contains = |s: &Range<usize>| s.start <= target.start && target.end <= s.end && s != &(0..0);
    let visit = |p: String, val: &Spanned<DeValue<'_>>| -> Option<(String, Range<usize>)> {
        if let Some(found) = find_deepest(val.get_ref(), target, &p) {
            return Some(found);
        }
        contains(&val.span()).then(|| (p, val.span()))
    };
    match v {
        DeValue::Table(t) => t.iter().find_map(|(k, val)| {
            let p = join(path, k.get_ref());
            if contains(&k.span()) { Some((p, k.span())) } else { visit(p, val) }
        }),
        DeValue::Array(a) => a.iter().enumerate().find_map(|(i, val)| visit(format!("{path}[{i}]"), val)),
        _ => None,
    }
}

fn node_at<'a, 'i>(root: &'a DeValue<'i>, path: &str) -> Option<&'a DeValue<'i>> {
    if path.is_empty() { Some(root) } else { find_path(root, path).map(|v| v.get_ref()) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_col_counts_chars() {
        let s = "a = 1\nb = \"保底\"\nc = 2";
        assert_eq!(super::line_col(s, 0), (1, 1));
        assert_eq!(super::line_col(s, 6), (2, 1));
        let c = s.find("c =").unwrap();
        assert_eq!(super::line_col(s, c), (3, 1));
    }
}
