#![no_main]
//! Text → a portfolio file whose contracts resolve to the bundled scenarios (served from memory
//! by `load_portfolio_with`, never read from arbitrary paths) → compile → a few scenarios on
//! the shared drivers; with a `[multi_year]` section, the renegotiated contract chain
//! (kasim-negotiate) and a few scenarios across every year with the carried state. Errors are
//! fine (typed, rendered); a panic or a hang is a bug.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kasim_core::Compiled;
use kasim_montecarlo::RunConfig;
use kasim_montecarlo::portfolio::PortfolioModel;
use libfuzzer_sys::fuzz_target;

/// The bundled scenarios a fuzz portfolio may name, by file name, loaded once.
fn scenarios() -> &'static BTreeMap<String, kasim_core::Contract> {
    static S: OnceLock<BTreeMap<String, kasim_core::Contract>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = kasim_fuzz::scenarios_dir();
        let mut m = BTreeMap::new();
        for sub in [dir.clone(), dir.join("portfolio")] {
            for e in std::fs::read_dir(&sub).expect("scenarios/") {
                let p = e.expect("entry").path();
                if p.extension().is_some_and(|x| x == "toml")
                    && let Ok(c) = kasim_core::load(&p)
                {
                    m.insert(p.file_name().unwrap().to_string_lossy().into_owned(), c);
                }
            }
        }
        m
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() > kasim_fuzz::MAX_INPUT {
        return;
    }
    let Ok(src) = std::str::from_utf8(data) else { return };
    let path = PathBuf::from("scenarios/portfolio/fuzz.toml");
    let mut serve = |_: usize, file: &Path| -> Result<kasim_core::Contract, kasim_core::Error> {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match scenarios().get(&name) {
            Some(c) => Ok(c.clone()),
            None => Err(kasim_core::Error::Io {
                path: file.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a bundled scenario"),
            }),
        }
    };
    let p = match kasim_core::portfolio::load_portfolio_with(src, &path, &mut serve) {
        Ok(p) => p,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let Ok(compiled) = p.members.iter().map(|m| Compiled::new(&m.contract)).collect::<Result<Vec<_>, _>>() else {
        return;
    };
    let model = match PortfolioModel::new(&p, &compiled) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let cfg = RunConfig { runs: 8, seed: 1, threads: 1, tolerance: None, ..RunConfig::default() };
    match model.run(&cfg) {
        Ok(r) => assert_eq!(r.len(), 8, "a run of 8 scenarios returns 8 rows"),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Some(spec) = &p.multi_year {
        multi_year(&p, spec);
    }
});

/// The multi-year path as `kasim portfolio` runs it: the chain, each year compiled, 4 scenarios.
fn multi_year(p: &kasim_core::portfolio::Portfolio, spec: &kasim_core::multiyear::MultiYear) {
    use kasim_montecarlo::multiyear::MultiYearModel;
    let (chain, _records) = match kasim_negotiate::renegotiate::portfolio_chain(p, spec) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    assert_eq!(chain.len(), spec.years as usize, "one contract per member and year");
    let Ok(compiled) =
        chain.iter().map(|y| y.iter().map(Compiled::new).collect::<Result<Vec<_>, _>>()).collect::<Result<Vec<_>, _>>()
    else {
        return;
    };
    let model = match MultiYearModel::new(p, spec, &compiled) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let cfg = RunConfig { runs: 4, seed: 1, threads: 1, tolerance: None, ..RunConfig::default() };
    match model.run(&cfg) {
        Ok(r) => assert_eq!(r.len(), 4, "a run of 4 scenarios returns 4 rows"),
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
