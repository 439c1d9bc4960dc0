//! Loading contract files: TOML → serde → validation, with every problem located.
//!
//! Problems carry the file, line and column and the key path (`fees[2].tiers[1].threshold`).
//! Floats anywhere in a contract are reported at their exact position before deserializing,
//! so a `rate = 0.15` is caught with a pointer to it rather than silently converted.
//!
//! * Files are read only when regular and at most [`MAX_FILE_BYTES`], and must be UTF-8 (the
//!   first bad byte is located, with a guess at the encoding).
//! * Arrays written where tables belong are refused with the shape expected.
//! * Every entry of an array of tables is deserialized on its own, so one bad fee rule does
//!   not hide the next; unknown names get a "did you mean".
//! * A referenced supplier file is echoed in snippets only as far as it is a supplier file.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::contract::{Contract, Supplier, SupplierSource};
use crate::error::{Error, InputError, Problem, Problems};
use crate::extends::Layer;
pub use crate::source::line_col;
use crate::source::{Source, find_path, locate};

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
    let Ok(src) = read(path.as_ref()) else { return false };
    let Ok(doc) = DeTable::parse(&src) else { return false };
    let has = |k: &str| doc.get_ref().iter().any(|(key, _)| key.get_ref() == k);
    has("cost_of_capital") && !has("retailer")
}

/// The largest contract or supplier file read (16 MiB). A contract is kilobytes; the limit
/// keeps a mistaken argument (a disk image, `/dev/zero`) from being read into memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads an input file: refuses anything but a regular file (a FIFO would block, a device
/// never end) and files above [`MAX_FILE_BYTES`], reading at most one byte past the limit;
/// decodes it as UTF-8, locating the first byte that is not.
fn read(path: &Path) -> Result<String, Error> {
    let bytes = read_bytes(path)?;
    decode(path, bytes).map_err(|p| Error::Invalid(Problems { problems: vec![*p], sources: vec![] }))
}

/// The bytes of a regular file of at most [`MAX_FILE_BYTES`].
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let refuse = |reason| Error::Input { path: path.to_path_buf(), reason };
    // Checked before opening: opening a FIFO for reading blocks until a writer appears.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(refuse(InputError::NotARegularFile { kind: file_kind(&meta.file_type()) }));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(InputError::TooLarge { size: Some(meta.len()), limit: MAX_FILE_BYTES }));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refuse(InputError::TooLarge { size: None, limit: MAX_FILE_BYTES }));
    }
    Ok(bytes)
}

fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() { "a directory" } else { "not a regular file" }
}

/// Decodes UTF-8, or a problem at the line and column of the first byte that is not UTF-8,
/// with a guess at the encoding the file was saved in.
pub(crate) fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Box<Problem>> {
    let err = match String::from_utf8(bytes) {
        Ok(s) => return Ok(s),
        Err(e) => e,
    };
    let at = err.utf8_error().valid_up_to();
    let bytes = err.into_bytes();
    let before = &bytes[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    // Valid UTF-8 up to `at`, so the column counts characters.
    let column = std::str::from_utf8(&before[line_start..]).map_or(1, |s| s.chars().count() + 1);
    let shown: Vec<String> = bytes[at..].iter().take(4).map(|b| format!("{b:02X}")).collect();
    Err(Box::new(Problem {
        file: path.to_path_buf(),
        line,
        column,
        span: None,
        key_path: String::new(),
        message: format!(
            "the file is not UTF-8 (byte {} is 0x{}); {} — re-save it as UTF-8",
            at + 1,
            shown.join(" 0x"),
            guess_encoding(&bytes)
        ),
    }))
}

/// A simple guess at the encoding of text that is not UTF-8, from its bytes.
fn guess_encoding(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return "it looks like UTF-16 (it starts with a UTF-16 byte-order mark)";
    }
    let nuls = bytes.iter().filter(|&&b| b == 0).count();
    if nuls * 4 > bytes.len() {
        return "it looks like UTF-16 (every other byte is zero)";
    }
    // GBK / GB18030: a lead byte 0x81–0xFE followed by a trail byte 0x40–0xFE (not 0x7F).
    let (mut pairs, mut high, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        high += 1;
        if (0x81..=0xFE).contains(&b) && bytes.get(i + 1).is_some_and(|&t| (0x40..=0xFE).contains(&t) && t != 0x7F) {
            pairs += 1;
            high += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    if high > 0 && pairs * 2 * 10 >= high * 9 {
        "it looks like GBK/GB18030 (as saved by a Chinese-language Windows editor)"
    } else {
        "it may be Latin-1 / Windows-1252"
    }
}

/// Loads a contract from text. `name` is the file name used in messages; `base_dir` resolves a
/// supplier file reference and an `extends` parent (without it, either is an error).
///
/// A contract that says `extends = "last-year.toml"` is merged over the file it names (and
/// that file over its own parent, …) before it is read: see [`crate::extends`] and
/// docs/contract-format.md, "Extending a contract (extends)". Every problem is located in the
/// file of the chain that states the value.
///
/// # Errors
///
/// [`Error::Invalid`] with every located problem (a supplier or parent file that cannot be
/// read is one, located at the key naming it; so is a cycle of `extends`).
pub fn load_str(src: &str, name: &Path, base_dir: Option<&Path>) -> Result<Contract, Error> {
    if let Some(layers) = chain(src, name, base_dir)? {
        return load_layers(layers, base_dir);
    }
    let contract: Contract = parse(src, name)?;
    let sources = vec![(name.to_path_buf(), src.to_string())];
    let located = Source::new(name, src, None);
    let full = |rel: &Path| match base_dir {
        Some(d) => d.join(rel),
        None => rel.to_path_buf(),
    };
    finish(contract, &located, sources, &full, |supplier| Source::new(name, src, supplier))
}

/// Resolves a contract's supplier file (relative as `full` says) and validates the contract.
/// `located` locates problems before the supplier is read; `source` builds the final source.
fn finish(
    mut contract: Contract,
    located: &Source,
    mut sources: Vec<(PathBuf, String)>,
    full: &dyn Fn(&Path) -> PathBuf,
    source: impl FnOnce(Option<(PathBuf, String)>) -> Source,
) -> Result<Contract, Error> {
    let mut supplier_file: Option<(PathBuf, String)> = None;
    if let SupplierSource::File(rel) = &contract.supplier {
        let full = full(rel);
        let refused = |why: String| {
            let problem = located.locate("supplier", format!("cannot read supplier file {}: {why}", full.display()));
            Error::Invalid(Problems { problems: vec![problem], sources: sources.clone() })
        };
        let ssrc = match read_bytes(&full) {
            Ok(bytes) => match decode(&full, bytes) {
                Ok(s) => s,
                Err(p) => return Err(refused(format!("line {}, column {}: {}", p.line, p.column, p.message))),
            },
            Err(Error::Io { source, .. }) => return Err(refused(source.to_string())),
            Err(Error::Input { reason, .. }) => return Err(refused(reason.to_string())),
            Err(e) => return Err(e),
        };
        let supplier: Supplier = parse(&ssrc, &full).map_err(|e| match e {
            Error::Invalid(p) => supplier_problems(located, &full, &ssrc, p, sources.clone()),
            other => other,
        })?;
        contract.supplier = SupplierSource::Inline(supplier);
        sources.push((full.clone(), ssrc.clone()));
        supplier_file = Some((full, ssrc));
    }
    contract.source = source(supplier_file);
    let issues = crate::validate::check(&contract);
    if issues.is_empty() {
        return Ok(contract);
    }
    let mut problems = contract.source.problems(issues);
    problems.sources = sources;
    Err(Error::Invalid(problems))
}

/// The files of an `extends` chain, the farthest parent first and the loaded file last:
/// `None` when the contract extends nothing. Each file is checked on its own (syntax,
/// floats, shapes) and located in itself; a parent that cannot be read, a cycle or a chain
/// longer than [`MAX_DEPTH`](crate::extends::MAX_DEPTH) is a problem at the `extends`
/// naming it.
fn chain(src: &str, name: &Path, base_dir: Option<&Path>) -> Result<Option<Vec<Layer>>, Error> {
    // Most contracts extend nothing: look for the key before parsing for it.
    if !src.contains("extends") {
        return Ok(None);
    }
    match toml::from_str::<toml::Table>(src) {
        Ok(doc) if doc.contains_key("extends") => {}
        // Syntax errors are reported by the ordinary path.
        _ => return Ok(None),
    }
    fn at(path: &Path, text: &str, message: String) -> Error {
        let problem = locate(path, text, "extends", message);
        Error::Invalid(Problems { problems: vec![problem], sources: vec![(path.to_path_buf(), text.to_string())] })
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut layers = Vec::new();
    let mut seen = vec![(canonical(name), name.to_path_buf())];
    let (mut path, mut text, mut dir) = (name.to_path_buf(), src.to_string(), base_dir.map(Path::to_path_buf));
    loop {
        let doc: toml::Table = parse(&text, &path)?;
        let rel = match doc.get("extends") {
            None => {
                layers.push(Layer { path, text, doc });
                break;
            }
            Some(toml::Value::String(s)) => s.clone(),
            Some(_) => {
                return Err(at(
                    &path,
                    &text,
                    "`extends` names the contract this file extends, as a string: extends = \"last-year.toml\"".into(),
                ));
            }
        };
        let Some(d) = &dir else {
            return Err(at(
                &path,
                &text,
                format!(
                    "cannot read `{rel}`, the contract this one extends: the contract was given as text, without a \
                     directory to find its parent in (load it from a file)"
                ),
            ));
        };
        let parent = d.join(&rel);
        let c = canonical(&parent);
        if let Some(i) = seen.iter().position(|(s, _)| *s == c) {
            let mut names: Vec<String> = seen[i..].iter().map(|(_, p)| p.display().to_string()).collect();
            names.push(parent.display().to_string());
            return Err(at(&path, &text, format!("`extends` makes a cycle: {}", names.join(" → "))));
        }
        if seen.len() >= crate::extends::MAX_DEPTH {
            return Err(at(
                &path,
                &text,
                format!("too many files in the extends chain (at most {})", crate::extends::MAX_DEPTH),
            ));
        }
        let why = match read_bytes(&parent) {
            Ok(bytes) => match decode(&parent, bytes) {
                Ok(ptext) => {
                    seen.push((c, parent.clone()));
                    layers.push(Layer { path, text, doc });
                    dir = parent.parent().map(Path::to_path_buf);
                    path = parent;
                    text = ptext;
                    continue;
                }
                Err(p) => format!("line {}, column {}: {}", p.line, p.column, p.message),
            },
            Err(Error::Io { source, .. }) => source.to_string(),
            Err(Error::Input { reason, .. }) => reason.to_string(),
            Err(e) => return Err(e),
        };
        return Err(at(
            &path,
            &text,
            format!("cannot read {}, the contract this one extends: {why}", parent.display()),
        ));
    }
    layers.reverse();
    Ok(Some(layers))
}

/// Merges and reads the files of an `extends` chain (the farthest parent first).
fn load_layers(layers: Vec<Layer>, base_dir: Option<&Path>) -> Result<Contract, Error> {
    let sources: Vec<(PathBuf, String)> = layers.iter().rev().map(|l| (l.path.clone(), l.text.clone())).collect();
    let last = layers.len().saturating_sub(1);
    let (doc, layers) = crate::extends::merge(layers)
        .map_err(|problems| Error::Invalid(Problems { problems, sources: sources.clone() }))?;
    let located = Source::layered(layers.clone(), None);
    let doc = toml::Value::Table(doc);
    let contract = match Contract::deserialize(doc.clone()) {
        Ok(c) => c,
        Err(e) => return Err(merged_problems(&doc, &located, sources, e.message())),
    };
    // A supplier file is relative to the file that names it.
    let supplier_dir: Option<PathBuf> = match located.origin_file("supplier") {
        Some(i) if i != last => layers.files[i].0.parent().map(Path::to_path_buf),
        _ => base_dir.map(Path::to_path_buf),
    };
    let full = |rel: &Path| match &supplier_dir {
        Some(d) => d.join(rel),
        None => rel.to_path_buf(),
    };
    finish(contract, &located, sources, &full, |supplier| Source::layered(layers, supplier))
}

/// The problems of a merged document that does not read as a contract, each located in the
/// file stating the value: the merged document is written out and read as a file would be,
/// and every problem's key path is looked up in the chain.
fn merged_problems(doc: &toml::Value, located: &Source, sources: Vec<(PathBuf, String)>, message: &str) -> Error {
    let found = toml::to_string(doc).ok().and_then(|text| match parse::<Contract>(&text, Path::new("<merged>")) {
        Err(Error::Invalid(p)) => Some(p.problems),
        _ => None,
    });
    let problems = match found {
        Some(ps) => ps.into_iter().map(|p| located.locate(&p.key_path, p.message)).collect(),
        None => vec![located.locate("", message.trim().to_string())],
    };
    Error::Invalid(Problems { problems, sources })
}

/// Problems parsing a referenced supplier file. A contract can name any local file, so the
/// file's text is shown only as far as it is a supplier file: when it is not TOML, or has none
/// of a supplier file's keys, the problem is reported at the contract's `supplier` key with no
/// line of the file; otherwise only the offending lines are kept for snippets.
fn supplier_problems(
    located: &Source,
    full: &Path,
    ssrc: &str,
    p: Problems,
    mut sources: Vec<(PathBuf, String)>,
) -> Error {
    let looks_like_supplier = DeTable::parse(ssrc).is_ok_and(|doc| {
        doc.get_ref()
            .iter()
            .any(|(k, _)| ["cost_of_capital", "skus", "returns_recovery"].contains(&k.get_ref().as_ref()))
    });
    if !looks_like_supplier {
        let first = p.problems.first();
        let what = if DeTable::parse(ssrc).is_err() {
            "is not a TOML file"
        } else {
            "is not a supplier file (it has no `skus` or `cost_of_capital`)"
        };
        let at = first.map_or(String::new(), |q| format!(" (line {}, column {})", q.line, q.column));
        let problem = located.locate("supplier", format!("supplier file {} {what}{at}", full.display()));
        return Error::Invalid(Problems { problems: vec![problem], sources });
    }
    let lines: Vec<usize> = p.problems.iter().map(|q| q.line).collect();
    sources.push((full.to_path_buf(), only_lines(ssrc, &lines)));
    Error::Invalid(Problems { problems: p.problems, sources })
}

/// The text with every line but `keep` (1-based) blanked, byte offsets unchanged.
fn only_lines(text: &str, keep: &[usize]) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if keep.contains(&(i + 1)) {
            out.push_str(line);
        } else {
            out.extend(line.bytes().map(|b| if b == b'\n' { '\n' } else { ' ' }));
        }
    }
    out
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
            // Errors without a span (a nesting too deep to parse) point at the deepest line.
            let span = match e.span() {
                Some(s) => s,
                None if e.message().contains("recursion") => deepest_line(src),
                None => 0..0,
            };
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
    let shapes = wrong_shapes(&root);
    if !shapes.is_empty() {
        let problems = shapes
            .into_iter()
            .map(|(path, span, msg)| {
                let (line, column) = line_col(src, span.start);
                Problem { file: name.to_path_buf(), line, column, span: Some(span), key_path: path, message: msg }
            })
            .collect();
        return Err(invalid(problems));
    }
    let e = match toml::from_str::<T>(src) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let whole: Option<toml::Value> = toml::from_str::<toml::Table>(src).ok().map(toml::Value::Table);
    let probe = |path: &str| -> Option<String> {
        let mut v = whole.clone()?;
        remove_at(&mut v, path)?;
        Some(match T::deserialize(v) {
            Ok(_) => String::new(),
            Err(e) => e.message().trim().to_string(),
        })
    };
    let (path, span) = match e.span() {
        Some(s) => deepest(&root, &s, String::new(), s.clone()),
        None => (String::new(), 0..0),
    };
    let first = serde_problem(src, name, &root, path, span, e.message().trim(), &probe);
    let mut problems = vec![first];
    // One bad entry must not hide the others: deserialize every entry of every array of
    // tables on its own (a fee rule, a SKU, a plan line…).
    if let Some(whole) = &whole {
        for (array, check) in ENTRY_CHECKS {
            let (Some(DeValue::Array(nodes)), Some(toml::Value::Array(values))) =
                (node_at(&root, array), value_at(whole, array))
            else {
                continue;
            };
            for (i, (entry, value)) in nodes.iter().zip(values).enumerate() {
                let base = format!("{array}[{i}]");
                if problems.iter().any(|p| p.key_path == base || p.key_path.starts_with(&format!("{base}."))) {
                    continue;
                }
                if let Err(message) = check(value.clone()) {
                    let probe_entry = |path: &str| -> Option<String> {
                        let mut v = value.clone();
                        remove_at(&mut v, path.strip_prefix(&base)?.trim_start_matches('.'))?;
                        Some(check(v).err().unwrap_or_default())
                    };
                    problems.push(serde_problem(src, name, &root, base.clone(), entry.span(), &message, &probe_entry));
                }
            }
        }
        problems.sort_by_key(|p| p.span.as_ref().map_or(0, |s| s.start));
    }
    Err(invalid(problems))
}

/// Deserializes one entry of an array of tables: the serde message when it fails.
type EntryCheck = fn(toml::Value) -> Result<(), String>;

fn entry<T: DeserializeOwned>(v: toml::Value) -> Result<(), String> {
    T::deserialize(v).map(|_| ()).map_err(|e| e.message().trim().to_string())
}

/// The arrays of tables of a contract (and a supplier file) whose entries are read one by one.
const ENTRY_CHECKS: &[(&str, EntryCheck)] = &[
    ("fees", entry::<crate::fees::FeeRule>),
    ("skus", entry_sku),
    ("supplier.skus", entry::<crate::contract::Sku>),
    ("retailer.store_openings", entry::<crate::contract::StoreOpening>),
    ("calendar.promotion_periods", entry::<crate::contract::PromotionPeriod>),
    ("plan.lines", entry::<crate::contract::PlanLine>),
    ("plan.promotions", entry::<crate::contract::PlannedPromotion>),
    ("plan.price_matches", entry::<crate::contract::PlannedPriceMatch>),
    ("uncertainty.terms", entry::<crate::uncertainty::TermDist>),
    ("uncertainty.correlations", entry::<crate::uncertainty::Correlation>),
    ("negotiation.issues", entry::<crate::negotiation::NegotiableIssue>),
];

/// `skus` is a contract's SKU terms, or a supplier file's SKUs.
fn entry_sku(v: toml::Value) -> Result<(), String> {
    let supplier_sku = v.get("id").is_some() && v.get("sku").is_none();
    if supplier_sku { entry::<crate::contract::Sku>(v) } else { entry::<crate::contract::SkuTerms>(v) }
}

/// The value at a dotted path of tables (`plan.lines`).
fn value_at<'a>(v: &'a toml::Value, path: &str) -> Option<&'a toml::Value> {
    path.split('.').try_fold(v, |node, key| node.get(key))
}

/// Locates a serde error reported at `path` (often a whole table) at the key it concerns, and
/// adds a "did you mean" to unknown names.
fn serde_problem(
    src: &str,
    name: &Path,
    root: &DeValue<'_>,
    mut path: String,
    mut span: Range<usize>,
    message: &str,
    probe: &dyn Fn(&str) -> Option<String>,
) -> Problem {
    let mut message = message.to_string();
    // Serde reports unknown keys of tagged tables at the table: point at the key.
    if let Some(key) = message.strip_prefix("unknown field `").and_then(|r| r.split('`').next())
        && let Some((p, s)) = node_at(root, &path).and_then(|v| match v {
            DeValue::Table(t) => t.iter().find(|(k, _)| k.get_ref() == key).map(|(k, _)| (join(&path, key), k.span())),
            _ => None,
        })
    {
        path = p;
        span = s;
    }
    // Serde reports a bad value inside a tagged table at the table: find the value.
    else if let Some(value) = message.split('`').nth(1)
        && let Some(node) = node_at(root, &path)
        && let Some((p, s)) = find_value(node, &path, value)
    {
        path = p;
        span = s;
    }
    // Otherwise, when the error is at a table, find the key it is about by removing each in
    // turn: the key whose removal clears the error, or else the last one whose removal only
    // makes it missing (required keys checked before the bad one are missing too, and keys
    // are usually written header first).
    else if !message.starts_with("missing field")
        && let Some(DeValue::Table(t)) = node_at(root, &path)
    {
        let mut clears = None;
        let mut missing = None;
        for (k, v) in t.iter() {
            let Some(m) = probe(&join(&path, k.get_ref())) else { continue };
            if m.is_empty() {
                clears = Some((k, v));
                break;
            }
            if m == format!("missing field `{}`", k.get_ref()) {
                missing = Some((k, v));
            }
        }
        if let Some((k, v)) = clears.or(missing) {
            path = join(&path, k.get_ref());
            span = v.span();
        }
    }
    if let Some(hint) = did_you_mean(&message) {
        message.push_str(&hint);
    }
    let (line, column) = line_col(src, span.start);
    Problem { file: name.to_path_buf(), line, column, span: Some(span), key_path: path, message }
}

/// "; did you mean `x`?" for serde's "unknown field/variant `y`, expected one of `x`, …".
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `"))?;
    let (given, expected) = rest.split_once('`')?;
    let expected = expected.split_once("expected")?.1;
    let names = expected.split('`').skip(1).step_by(2);
    crate::error::closest(given, names).map(|n| format!("; did you mean `{n}`?"))
}

/// Removes the value at a key path (`a.b[2].c`) from a TOML value: `None` when absent.
fn remove_at(v: &mut toml::Value, path: &str) -> Option<()> {
    let (parent, last) = match path.rfind(['.', '[']) {
        Some(i) if path.as_bytes()[i] == b'[' => (&path[..i], &path[i..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    let mut node = v;
    for seg in parent.split('.').filter(|s| !s.is_empty()) {
        let (key, idx) = seg.split_once('[').map_or((seg, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            node = node.get_mut(key)?;
        }
        for i in idx.split('[').filter(|s| !s.is_empty()) {
            node = node.get_mut(i.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    if let Some(i) = last.strip_prefix('[') {
        let i: usize = i.trim_end_matches(']').parse().ok()?;
        let a = node.as_array_mut()?;
        (i < a.len()).then(|| {
            a.remove(i);
        })
    } else {
        node.as_table_mut()?.remove(last).map(|_| ())
    }
}

/// The span of the most deeply nested line (most `.`, `[` and `{`): where a nesting too deep
/// for the parser is.
fn deepest_line(src: &str) -> Range<usize> {
    let mut best = (0, 0..0);
    let mut start = 0;
    for line in src.split_inclusive('\n') {
        let depth = line.bytes().filter(|b| matches!(b, b'.' | b'[' | b'{')).count();
        if depth > best.0 {
            best = (depth, start..start + line.trim_end().len());
        }
        start += line.len();
    }
    best.1
}

/// Arrays written where a table belongs: serde accepts a table's fields positionally
/// (`shelf_price = ["retail_minus", "28%"]`), which no one can read back. Each with the
/// shape expected.
fn wrong_shapes(root: &DeValue<'_>) -> Vec<(String, Range<usize>, String)> {
    const TABLES: &[(&str, &str)] = &[
        ("skus[].shelf_price", "shelf_price = { policy = \"retail_minus\", margin = \"28%\" }"),
        ("fees[]", "[[fees]] tables, one per rule"),
        ("fees[].tiers[]", "tiers = [{ threshold = \"500000\", rate = \"2%\" }, …]"),
        ("payment", "[payment] with days = …"),
        ("payment.early_payment", "early_payment = { discount = \"2%\", days = 10 }"),
        ("payment.financing", "a [payment.financing] table"),
        ("retailer", "[retailer] with name, channel and stores"),
        ("retailer.store_openings[]", "store_openings = [{ period = 4, count = 2 }, …]"),
        ("uncertainty.correlations[]", "correlations = [{ a = \"demand\", b = \"fill_rate\", rho = \"30%\" }, …]"),
        ("uncertainty.terms[]", "[[uncertainty.terms]] tables with path and a distribution"),
        ("skus[]", "[[skus]] tables"),
        ("supplier.skus[]", "[[supplier.skus]] tables"),
        ("plan", "a [plan] table"),
        ("plan.lines[]", "[[plan.lines]] tables"),
        ("plan.promotions[]", "[[plan.promotions]] tables"),
        ("plan.price_matches[]", "[[plan.price_matches]] tables"),
        ("calendar", "a [calendar] table"),
        ("calendar.promotion_periods[]", "[[calendar.promotion_periods]] tables"),
        ("rounding", "a [rounding] table"),
        ("negotiation.issues[]", "[[negotiation.issues]] tables"),
    ];
    let mut out = Vec::new();
    shapes_in(root, "", "", TABLES, &mut out);
    out
}

fn shapes_in(
    v: &DeValue<'_>,
    path: &str,
    pattern: &str,
    tables: &[(&str, &str)],
    out: &mut Vec<(String, Range<usize>, String)>,
) {
    let mut check = |p: String, pat: String, val: &Spanned<DeValue<'_>>| {
        if let DeValue::Array(_) = val.get_ref()
            && let Some((_, shape)) = tables.iter().find(|(t, _)| *t == pat)
        {
            out.push((p, val.span(), format!("expected a table here, not an array: write {shape}")));
            return;
        }
        shapes_in(val.get_ref(), &p, &pat, tables, out);
    };
    match v {
        DeValue::Table(t) => {
            for (k, val) in t.iter() {
                check(join(path, k.get_ref()), join(pattern, k.get_ref()), val);
            }
        }
        DeValue::Array(a) => {
            for (i, val) in a.iter().enumerate() {
                check(format!("{path}[{i}]"), format!("{pattern}[]"), val);
            }
        }
        _ => {}
    }
}

/// The first value under `node` whose text is `text`: its key path and span.
fn find_value(node: &DeValue<'_>, path: &str, text: &str) -> Option<(String, Range<usize>)> {
    // Numbers match by value too: `9_999_999` is reported as `9999999`.
    let number = |t: &str| t.replace(['_', ','], "").parse::<rust_decimal::Decimal>().ok();
    let same_number = |t: &str| number(t).is_some_and(|n| Some(n) == number(text));
    let matches = |v: &DeValue<'_>| match v {
        DeValue::String(s) => s.as_ref() == text,
        DeValue::Integer(i) => i.as_str() == text || same_number(i.as_str()),
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
