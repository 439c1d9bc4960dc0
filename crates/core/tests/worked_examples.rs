//! Table-driven worked examples from `data/worked_examples.toml`.

use kasim_core::demo::Demo;
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    #[serde(default)]
    units: Option<Vec<u64>>,
    #[serde(default)]
    skus: Option<usize>,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    rounding: Option<String>,
    fees: String,
    lines: Vec<String>,
    total: String,
    /// The fee lines' formula text, when the case checks it.
    #[serde(default)]
    formulas: Option<Vec<String>>,
}

#[test]
fn worked_examples_match_published_figures() {
    let text = include_str!("data/worked_examples.toml");
    let file: File = toml::from_str(text).expect("worked examples parse");
    assert!(file.case.len() >= 25);
    let mut failures = Vec::new();
    for case in &file.case {
        let demo = Demo {
            skus: case.skus.unwrap_or(1),
            units: case.units.clone(),
            plan: case.plan.clone(),
            new_listings: false,
        };
        let extra = match &case.rounding {
            Some(r) => format!("[rounding]\n{r}\n\n{}", case.fees),
            None => case.fees.clone(),
        };
        let contract = match demo.build(&extra) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{}: does not load: {e}", case.name));
                continue;
            }
        };
        let s = kasim_core::evaluate(&contract).expect("settles");
        let lines: Vec<String> = s.ledger.iter().filter(|l| l.kind.is_fee()).map(|l| l.amount.to_string()).collect();
        if let Some(expected) = &case.formulas {
            let formulas: Vec<&str> = s.ledger.iter().filter(|l| l.kind.is_fee()).map(|l| l.formula.as_str()).collect();
            if formulas != *expected {
                failures.push(format!("{}: formulas {formulas:?} (expected {expected:?})", case.name));
            }
        }
        if lines != case.lines || s.pnl.fees_total.to_string() != case.total {
            failures.push(format!(
                "{}: lines {:?} total {} (expected {:?} total {})",
                case.name, lines, s.pnl.fees_total, case.lines, case.total
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
