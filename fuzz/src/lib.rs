//! Shared glue of the kasim fuzz targets: every target turns its input into a contract the same
//! way, so a crash input reproduces with `kasim_core::load_str` alone.

use std::path::{Path, PathBuf};

/// Inputs above this size are skipped: they only slow the fuzzer down.
pub const MAX_INPUT: usize = 32 * 1024;

/// `scenarios/`, so a fuzz input's `supplier = "supplier.toml"` resolves to the committed
/// supplier file.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// The fuzz input as contract text, loaded with `scenarios/` as its base directory; `None`
/// when the input is too large, not UTF-8, or refers to a file outside `scenarios/` (a fuzzer
/// must not read arbitrary files of the machine).
pub fn load(data: &[u8]) -> Option<Result<kasim_core::Contract, kasim_core::Error>> {
    if data.len() > MAX_INPUT {
        return None;
    }
    let src = std::str::from_utf8(data).ok()?;
    // Only the committed supplier file may be referenced; `..`, absolute paths and other files
    // are not what this target tests (the loader reports unreadable files as errors anyway).
    if src.contains("..") || src.contains("/dev") || src.contains("/proc") || src.contains("/sys") {
        return None;
    }
    let dir = scenarios_dir();
    Some(kasim_core::load_str(src, Path::new("fuzz.toml"), Some(&dir)))
}
