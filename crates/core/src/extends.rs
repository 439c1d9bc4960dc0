//! `extends = "last-year.toml"`: a contract file that states only what changes.
//!
//! The files of a chain are merged as TOML documents, the farthest parent first, before the
//! result is read as a [`Contract`](crate::Contract) (docs/contract-format.md, "Extending a
//! contract (extends)"):
//!
//! * tables merge key by key, recursively: the extending file's value wins;
//! * the arrays of tables `fees` (by `id`), `skus` (by `sku`), `supplier.skus` (by `id`) and
//!   `plan.lines` (by `sku`) merge entry by entry: an entry with a new id is appended after
//!   the inherited ones, an entry with an inherited id merges key by key into it (a fee rule
//!   that states another `kind` replaces the inherited rule whole), and an entry with only
//!   the id and `remove = true` removes the inherited entry (an id nothing inherits is an
//!   error);
//! * every other array, and every value that is not a table, is replaced whole.
//!
//! Reading the chain (paths, cycles, depth) is [`load`](mod@crate::load)'s; this module only
//! merges documents already read, recording in an origin tree which file states each value
//! (what [`Source::provenance`](crate::source::Source::provenance) reports).

use std::path::PathBuf;

use crate::error::Problem;
use crate::source::{ID_ARRAYS, Kids, Layers, Node, Removed, locate};

/// The most files an `extends` chain may have (the loaded file included).
pub const MAX_DEPTH: usize = 16;

/// One file of a chain: its path, its text and its document (`extends` still in it).
pub(crate) struct Layer {
    /// The file.
    pub(crate) path: PathBuf,
    /// Its text.
    pub(crate) text: String,
    /// Its document.
    pub(crate) doc: toml::Table,
}

/// The key that removes an inherited entry.
const REMOVE: &str = "remove";

/// Merges the files of a chain, the farthest parent first and the loaded file last: the
/// merged document (without `extends`) and where each of its values is written, or every
/// problem found (located in the file stating it).
pub(crate) fn merge(layers: Vec<Layer>) -> Result<(toml::Table, Layers), Vec<Problem>> {
    let mut files = Vec::with_capacity(layers.len());
    let mut docs = Vec::with_capacity(layers.len());
    for l in layers {
        files.push((l.path, l.text));
        docs.push(l.doc);
    }
    let mut m = Merger { files: &files, removed: Vec::new(), problems: Vec::new() };
    let mut docs = docs.into_iter();
    let mut doc = docs.next().unwrap_or_default();
    doc.remove("extends");
    // The farthest parent extends nothing, so there is nothing for it to remove.
    for (array, _) in ID_ARRAYS {
        if let Some(toml::Value::Array(entries)) = value_at(&doc, array) {
            for (i, e) in entries.iter().enumerate() {
                if e.get(REMOVE).is_some() {
                    m.problem(
                        0,
                        &format!("{array}[{i}].{REMOVE}"),
                        format!(
                            "`{REMOVE}` removes an inherited entry: it applies only in a file that `extends` another"
                        ),
                    );
                }
            }
        }
    }
    let mut tree = Node::of(&toml::Value::Table(doc.clone()), 0, "");
    for (f, mut layer) in docs.enumerate() {
        let f = f + 1;
        layer.remove("extends");
        tree.file = f;
        m.table(&mut doc, &mut tree, layer, f, "", "");
    }
    if !m.problems.is_empty() {
        return Err(m.problems);
    }
    let removed = m.removed;
    Ok((doc, Layers { files, tree, removed }))
}

fn value_at<'a>(t: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut v = t.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    Some(v)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

struct Merger<'a> {
    files: &'a [(PathBuf, String)],
    removed: Vec<Removed>,
    problems: Vec<Problem>,
}

impl Merger<'_> {
    fn problem(&mut self, file: usize, path: &str, message: String) {
        let (f, text) = &self.files[file];
        self.problems.push(locate(f, text, path, message));
    }

    /// Merges table `src` of file `f` (at `fpath` in it, `mpath` in the merged document)
    /// into `dst`, whose origins are `node`.
    fn table(&mut self, dst: &mut toml::Table, node: &mut Node, src: toml::Table, f: usize, fpath: &str, mpath: &str) {
        let Kids::Table(kids) = &mut node.kids else { return };
        for (k, v) in src {
            let fp = join(fpath, &k);
            let mp = join(mpath, &k);
            let id_key = ID_ARRAYS.iter().find(|(a, _)| *a == mp).map(|(_, key)| *key);
            match (dst.get_mut(&k), v, id_key) {
                (Some(toml::Value::Array(a)), toml::Value::Array(b), Some(key)) => {
                    if let Some(n) = kids.get_mut(&k) {
                        n.file = f;
                        n.path = fp.clone();
                        self.by_id(a, n, b, f, &fp, &mp, key);
                    }
                }
                (None, toml::Value::Array(b), Some(key)) => {
                    let mut a = Vec::new();
                    let mut n = Node { born: f, file: f, path: fp.clone(), kids: Kids::Array(Vec::new()) };
                    self.by_id(&mut a, &mut n, b, f, &fp, &mp, key);
                    dst.insert(k.clone(), toml::Value::Array(a));
                    kids.insert(k, n);
                }
                (Some(toml::Value::Table(a)), toml::Value::Table(b), _) if kids.contains_key(&k) => {
                    if let Some(n) = kids.get_mut(&k) {
                        n.file = f;
                        n.path = fp.clone();
                        self.table(a, n, b, f, &fp, &mp);
                    }
                }
                (_, v, _) => {
                    let mut n = Node::of(&v, f, &fp);
                    // A plain value replaced keeps the file that first stated it, so the
                    // item it belongs to reads as overridden rather than added.
                    if !v.is_table()
                        && !v.is_array()
                        && let Some(old) = kids.get(&k)
                    {
                        n.born = old.born;
                    }
                    kids.insert(k.clone(), n);
                    dst.insert(k, v);
                }
            }
        }
    }

    /// Merges the entries of array `src` of file `f` into `dst` by their `key`.
    #[allow(clippy::too_many_arguments)]
    fn by_id(
        &mut self,
        dst: &mut Vec<toml::Value>,
        node: &mut Node,
        src: Vec<toml::Value>,
        f: usize,
        fpath: &str,
        mpath: &str,
        key: &str,
    ) {
        let Kids::Array(kids) = &mut node.kids else { return };
        let array: &'static str = ID_ARRAYS.iter().find(|(a, _)| *a == mpath).map_or("", |(a, _)| a);
        let what = match array {
            "fees" => "fee rule",
            "plan.lines" => "plan line",
            _ => "SKU",
        };
        // Entries inherited from the parents: the ones this file can change or remove.
        let mut inherited = dst.len();
        let mut changed: Vec<String> = Vec::new();
        for (i, entry) in src.into_iter().enumerate() {
            let ep = format!("{fpath}[{i}]");
            let id = entry.get(key).and_then(|v| v.as_str()).map(str::to_string);
            let pos = id
                .as_deref()
                .and_then(|id| dst[..inherited].iter().position(|e| e.get(key).and_then(|v| v.as_str()) == Some(id)));
            if let Some(r) = entry.get(REMOVE) {
                let extra: Vec<&str> = entry
                    .as_table()
                    .map(|t| t.keys().map(String::as_str).filter(|k| *k != key && *k != REMOVE).collect())
                    .unwrap_or_default();
                if r.as_bool() != Some(true) {
                    self.problem(
                        f,
                        &format!("{ep}.{REMOVE}"),
                        format!("write `{REMOVE} = true` to remove the inherited {what}, or leave `{REMOVE}` out"),
                    );
                } else if id.is_none() {
                    self.problem(
                        f,
                        &ep,
                        format!("a removal names the {what} to remove: `{key} = \"…\"` with `{REMOVE} = true`"),
                    );
                } else if !extra.is_empty() {
                    self.problem(
                        f,
                        &join(&ep, extra[0]),
                        format!(
                            "an entry with `{REMOVE} = true` has only `{key}` and `{REMOVE}`; `{}` would be lost",
                            extra.join("`, `")
                        ),
                    );
                } else if let Some(pos) = pos {
                    dst.remove(pos);
                    kids.remove(pos);
                    inherited -= 1;
                    self.removed.push(Removed { array, id: id.unwrap_or_default(), file: f, path: ep });
                } else {
                    let id = id.unwrap_or_default();
                    let known: Vec<&str> =
                        dst[..inherited].iter().filter_map(|e| e.get(key).and_then(|v| v.as_str())).collect();
                    let hint = crate::error::closest(&id, known.iter().copied())
                        .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
                    self.problem(
                        f,
                        &join(&ep, key),
                        format!(
                            "cannot remove {what} `{id}`: no inherited {what} has that {key} (inherited: {}){hint}",
                            if known.is_empty() { "none".to_string() } else { known.join(", ") }
                        ),
                    );
                }
                continue;
            }
            match (pos, entry) {
                (Some(pos), toml::Value::Table(mut t)) => {
                    let id = id.unwrap_or_default();
                    if changed.contains(&id) {
                        self.problem(
                            f,
                            &join(&ep, key),
                            format!("{what} `{id}` is changed twice in this file: state each change once"),
                        );
                        continue;
                    }
                    changed.push(id);
                    let new_kind = t.get("kind").filter(|k| array == "fees" && Some(*k) != dst[pos].get("kind"));
                    if new_kind.is_some() {
                        // Another kind of rule under the same id: the inherited parameters
                        // belong to the old kind, so the rule is replaced whole.
                        let born = kids[pos].born;
                        let v = toml::Value::Table(t);
                        kids[pos] = Node::of(&v, f, &ep);
                        kids[pos].born = born;
                        dst[pos] = v;
                    } else if let Some(toml::Value::Table(d)) = dst.get_mut(pos) {
                        // The id matched: restating it is not a change.
                        t.remove(key);
                        kids[pos].file = f;
                        kids[pos].path = ep.clone();
                        self.table(d, &mut kids[pos], t, f, &ep, &format!("{mpath}[]"));
                    }
                }
                (_, entry) => {
                    kids.push(Node::of(&entry, f, &ep));
                    dst.push(entry);
                }
            }
        }
    }
}

/// Adds to the contract schema what a file that `extends` another may be: `extends` and a
/// subset of the contract (every key optional), with removal entries in the merged arrays.
pub(crate) fn schema(contract: serde_json::Value) -> serde_json::Value {
    use serde_json::json;
    let removable = |key: &str| {
        json!({
            "type": "array",
            "items": {
                "type": "object",
                "required": [key],
                "properties": {
                    key: { "type": "string" },
                    REMOVE: { "const": true, "description": "Removes the inherited entry with this id (only with the id)." }
                }
            }
        })
    };
    let draft = json!({
        "title": "Contract that extends another",
        "description": "A contract file stating only what changes from the contract it extends: every key is optional; tables merge by key, fees by id, skus and plan.lines by sku, supplier.skus by id; `remove = true` in an entry removes the inherited one.",
        "type": "object",
        "required": ["extends"],
        "properties": {
            "extends": { "type": "string", "description": "The contract this file extends (a path relative to this file)." },
            "fees": removable("id"),
            "skus": removable("sku"),
            "plan": { "type": "object", "properties": { "lines": removable("sku") } },
            "supplier": {
                "anyOf": [
                    { "type": "string" },
                    { "type": "object", "properties": { "skus": removable("id") } }
                ]
            }
        }
    });
    let mut out = contract;
    if let serde_json::Value::Object(root) = &mut out {
        let mut full = serde_json::Map::new();
        // Keep the schema's header (`$schema`, `$defs`, title) at the root; the contract's own
        // shape becomes one alternative.
        for k in ["type", "properties", "required", "additionalProperties"] {
            if let Some(v) = root.remove(k) {
                full.insert(k.to_string(), v);
            }
        }
        full.insert("not".to_string(), json!({ "required": ["extends"] }));
        root.insert("anyOf".to_string(), json!([serde_json::Value::Object(full), draft]));
    }
    out
}
