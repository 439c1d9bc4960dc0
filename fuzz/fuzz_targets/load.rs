#![no_main]
//! Bytes → contract text → `kasim_core::load_str` (parse, supplier file, validation). Errors are
//! fine; a panic is a bug. Error rendering is exercised too: it locates problems in the source.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(Err(e)) = kasim_fuzz::load(data) {
        let _ = e.to_string();
        let _ = format!("{e:?}");
    }
});
