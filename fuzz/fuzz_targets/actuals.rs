#![no_main]
//! Bytes → a sales export (CSV; a leading `0x01` byte makes the rest an xlsx workbook) → the
//! sales history on a weekly and a monthly calendar → calibrate; and the same bytes as a
//! deduction statement (对账单) → reconcile against the supermarket contract's ledger. Errors
//! are fine (typed, rendered); a panic, a hang or an unbounded allocation is a bug.

use std::path::Path;
use std::sync::OnceLock;

use kasim_actuals::statement::StatementRole;
use kasim_actuals::table::{Format, read_bytes};
use kasim_actuals::{Mapping, calibrate::calibrate, history};
use kasim_core::contract::Granularity;
use libfuzzer_sys::fuzz_target;

fn contract() -> &'static kasim_core::Contract {
    static C: OnceLock<kasim_core::Contract> = OnceLock::new();
    C.get_or_init(|| kasim_core::load(kasim_fuzz::scenarios_dir().join("supermarket.toml")).expect("bundled scenario"))
}

fuzz_target!(|data: &[u8]| {
    if data.len() > kasim_fuzz::MAX_INPUT {
        return;
    }
    let (format, bytes, name) = match data.split_first() {
        Some((1, rest)) => (Format::Workbook, rest, "fuzz.xlsx"),
        _ => (Format::Csv, data, "fuzz.csv"),
    };
    let file = Path::new(name);
    let Ok(table) = read_bytes(file, bytes, format).map_err(|e| {
        let _ = e.to_string();
    }) else {
        return;
    };
    for calendar in [Granularity::Weekly, Granularity::Monthly] {
        match history::from_tables(std::slice::from_ref(&table), &Mapping::new(), calendar) {
            Ok(h) => match calibrate(&h) {
                Ok(c) => {
                    let _ = format!("{c:?}");
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            },
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    match kasim_actuals::statement::from_table(&table, &Mapping::<StatementRole>::empty()) {
        Ok(st) => {
            let contract = contract();
            if let Ok(s) = kasim_core::evaluate(contract) {
                let lines: Vec<_> = s.ledger.iter().filter(|l| l.kind.is_fee()).cloned().collect();
                let periods = usize::from(lines.iter().map(|l| l.period).max().unwrap_or(1));
                let r = kasim_actuals::reconcile::reconcile(contract, &lines, periods, &st);
                let _ = format!("{r:?}");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
