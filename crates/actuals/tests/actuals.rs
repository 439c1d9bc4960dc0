//! kasim-actuals end to end: synthetic histories from known parameters are recovered within
//! stated tolerances; hostile inputs give located errors; the bundled messy exports read.

use std::path::{Path, PathBuf};

use kasim_actuals::calibrate::calibrate;
use kasim_actuals::history::{self, SalesHistory};
use kasim_actuals::synthetic::{self, Spec};
use kasim_actuals::{Error, Mapping};
use kasim_core::contract::Granularity;

fn synthetic_history(spec: &Spec, calendar: Granularity) -> SalesHistory {
    let csv = synthetic::to_csv(&synthetic::generate(spec));
    history::from_csv_text(Path::new("synthetic.csv"), &csv, &Mapping::new(), calendar).unwrap()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

mod recovery {
    use super::*;

    /// Three years of weekly sales for 40 SKUs, σ = 0.2: each parameter within its stated
    /// tolerance (docs/actuals.md lists the same).
    #[test]
    fn weekly_history_recovers_the_parameters() {
        let spec = Spec { skus: 40, ..Spec::default() };
        let h = synthetic_history(&spec, Granularity::Weekly);
        assert_eq!(h.summary.rows, 40 * 156);
        assert_eq!(h.summary.duplicates, 0);
        let cal = calibrate(&h).unwrap();
        // Elasticity ±0.15 (true 2.0).
        let eps = cal.elasticity.unwrap();
        assert!((eps.value - 2.0).abs() < 0.15, "elasticity {eps:?}");
        assert!(eps.se.unwrap() < 0.1 && eps.n > 300);
        // Per slot (DM and end-cap alternate): both ±0.25.
        for s in &cal.slots {
            let e = s.elasticity.unwrap().value;
            assert!((e - 2.0).abs() < 0.25, "{}: {e}", s.slot);
        }
        // Seasonality ±4% per month.
        for (m, s) in cal.seasonality.iter().enumerate() {
            let want = spec.seasonality[m] / (spec.seasonality.iter().sum::<f64>() / 12.0);
            assert!((s.factor / want - 1.0).abs() < 0.04, "month {}: {} vs {want}", m + 1, s.factor);
            assert!(s.weight > 0.9, "three years of 40 SKUs barely shrink: {}", s.weight);
        }
        // Trend ±1.5 percentage points (true 4%).
        assert!((cal.trend.value - 0.04).abs() < 0.015, "trend {:?}", cal.trend);
        // Demand σ ±0.02 (true 0.2); CV accordingly.
        assert!((cal.demand_sigma.value - 0.2).abs() < 0.02, "σ {:?}", cal.demand_sigma);
        assert!((cal.demand_cv - (0.04f64.exp() - 1.0).sqrt()).abs() < 0.025);
        // Dip ±3 points (true 10%).
        let dip = cal.post_promo_dip.unwrap();
        assert!((dip.value - 0.1).abs() < 0.03, "dip {dip:?}");
        // Fill: mean of uniform[0.94, 1] = 0.97 ± 0.5 point; promoted uniform[0.8, 1] = 0.9 ± 1.5.
        let fill = cal.fill_rate.unwrap();
        assert!((fill.mean.value - 0.97).abs() < 0.005, "{fill:?}");
        assert!((cal.promo_fill_rate.unwrap().mean.value - 0.9).abs() < 0.015);
        assert!(fill.min >= 0.93 && fill.max <= 1.0 && fill.min <= fill.mode && fill.mode <= fill.max);
        // Returns 2% ± 0.1 point (rounded per cell).
        assert!((cal.returns_rate.unwrap().value - 0.02).abs() < 0.001);
        // Baselines at the end of the history: base × 1.04^(155/52) ±12% each.
        for (i, s) in cal.skus.iter().enumerate() {
            let base = 20.0 + i as f64 / 39.0 * 180.0;
            let want = base * 1.04f64.powf(155.0 / 52.0) * (spec.seasonality.iter().sum::<f64>() / 12.0);
            assert!((s.baseline.value / want - 1.0).abs() < 0.12, "{}: {} vs {want}", s.sku, s.baseline.value);
            assert!(!s.per_store);
        }
    }

    /// Monthly contract, per-store export: baselines are per store, seasonality and trend still
    /// recovered (looser: 36 months).
    #[test]
    fn monthly_per_store_history() {
        let spec = Spec { skus: 30, stores: Some(40), base_units: (1.0, 5.0), ..Spec::default() };
        let h = synthetic_history(&spec, Granularity::Monthly);
        assert_eq!(h.periods.len(), 37, "weeks from 2022-12-26 to 2025-12-22 fall in 37 months");
        let cal = calibrate(&h).unwrap();
        assert!(cal.skus.iter().all(|s| s.per_store));
        let mean = spec.seasonality.iter().sum::<f64>() / 12.0;
        for (m, s) in cal.seasonality.iter().enumerate() {
            let want = spec.seasonality[m] / mean;
            assert!((s.factor / want - 1.0).abs() < 0.08, "month {}: {} vs {want}", m + 1, s.factor);
        }
        assert!((cal.trend.value - 0.04).abs() < 0.03, "{:?}", cal.trend);
        // Per store per month ≈ weekly base × 4.35 weeks.
        let s0 = &cal.skus[0];
        let want = 1.0 * 1.04f64.powf(3.0) * mean * 365.25 / 12.0 / 7.0;
        assert!((s0.baseline.value / want - 1.0).abs() < 0.15, "{} vs {want}", s0.baseline.value);
    }

    /// One year of 3 SKUs: the seasonality is shrunk towards flat and the data are flagged.
    #[test]
    fn thin_history_is_shrunk_and_flagged() {
        let spec = Spec { skus: 3, years: 1, sigma: 0.5, promo_share: 0.05, ..Spec::default() };
        let cal = calibrate(&synthetic_history(&spec, Granularity::Weekly)).unwrap();
        let spread_raw: f64 = cal.seasonality.iter().map(|s| (s.raw - 1.0).abs()).sum();
        let spread: f64 = cal.seasonality.iter().map(|s| (s.factor - 1.0).abs()).sum();
        assert!(spread < spread_raw, "shrunk: {spread} < {spread_raw}");
        assert!(cal.seasonality.iter().all(|s| s.weight < 1.0));
        assert!(cal.trend.value == 0.0 && cal.trend.se.is_none());
        let w = cal.warnings.join("\n");
        assert!(w.contains("trend not estimated") && w.contains("less than two years"), "{w}");
    }

    /// A gift box with its own profile (×3 at Spring Festival, ×0.2 in summer) among 19 SKUs
    /// that follow the common one: its own factors are recovered within 15%, the others stay
    /// within 5% of the common ones, and the common seasonality is not pulled by it beyond 5%.
    #[test]
    fn a_skus_own_seasonality_is_recovered() {
        let gift = [3.0, 2.0, 0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 1.5, 1.2, 0.4, 2.3];
        let spec = Spec { skus: 20, own_seasonality: vec![(7, gift)], ..Spec::default() };
        let cal = calibrate(&synthetic_history(&spec, Granularity::Weekly)).unwrap();
        let common_mean = spec.seasonality.iter().sum::<f64>() / 12.0;
        let g = cal.sku("S007").unwrap();
        // Units in month m are baseline × factor: compare the profile's shape (ratios to January).
        for m in 1..12 {
            let (got, want) = (g.seasonality[m] / g.seasonality[0], gift[m] / gift[0]);
            assert!((got / want - 1.0).abs() < 0.15, "month {}: {got} vs {want}", m + 1);
        }
        let other = cal.sku("S003").unwrap();
        for m in 0..12 {
            assert!((other.seasonality[m] / cal.seasonality[m].factor - 1.0).abs() < 0.05, "month {}", m + 1);
            let want = spec.seasonality[m] / common_mean;
            assert!((cal.seasonality[m].factor / want - 1.0).abs() < 0.05, "common month {}", m + 1);
        }
        assert!(cal.warnings.iter().any(|w| w.contains("S007: its own seasonality")));
        assert!((cal.demand_sigma.value - 0.2).abs() < 0.02, "{:?}", cal.demand_sigma);
    }

    #[test]
    fn generator_and_calibration_are_deterministic() {
        let spec = Spec { skus: 5, ..Spec::default() };
        let a = calibrate(&synthetic_history(&spec, Granularity::Weekly)).unwrap();
        let b = calibrate(&synthetic_history(&spec, Granularity::Weekly)).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
    }
}

mod hostile {
    use super::*;

    fn read(text: &str) -> Result<SalesHistory, Error> {
        history::from_csv_text(Path::new("export.csv"), text, &Mapping::new(), Granularity::Weekly)
    }

    /// A bad number in row 17 names the file, row 17, the column and the value.
    #[test]
    fn bad_number_in_row_17() {
        let mut text = String::from("商品编码,日期,销售数量,销售金额\n");
        for w in 0..20 {
            let units = if w == 15 { "12..5".to_string() } else { format!("{}", 10 + w) };
            text.push_str(&format!("A1,2025-{:02}-{:02},{units},100\n", 1 + w / 4, 1 + 7 * (w % 4)));
        }
        let e = read(&text).unwrap_err();
        assert_eq!(e.to_string(), "export.csv: row 17, column C `销售数量` (units): not a number: `12..5`");
        let Error::Value { cell, value, role, .. } = e else { panic!() };
        assert_eq!(
            (cell.row, cell.column, cell.letter(), role, value.as_str()),
            (17, 3, "C".to_string(), "units", "12..5")
        );
    }

    #[test]
    fn empty_file_no_sku_column_duplicates() {
        assert!(matches!(read(""), Err(Error::Empty { .. })));
        assert!(matches!(read("\u{feff}\n\n"), Err(Error::Empty { .. })));
        let e = read("日期,销量\n2025-01-06,3\n2025-01-13,4\n").unwrap_err();
        assert!(matches!(&e, Error::MissingColumn { role: "sku", .. }), "{e}");
        assert!(e.to_string().contains("the headers are: 日期, 销量"), "{e}");
        let e = read("sku,date,units\nA,2025-01-06,3\nA,2025-01-13,4\nA,2025-01-06,5\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "export.csv: row 4: SKU `A` on 2025-01-06 is already given in row 2 with other values (a per-store or per-region export must be summed first)"
        );
        let h = read("sku,date,units\nA,2025-01-06,3\nA,2025-01-13,4\nA,2025-01-06,3\n").unwrap();
        assert_eq!(h.summary.duplicates, 1);
        let e = read("sku,date,units\nA,2025-01-06,-3\nA,2025-01-13,4\n").unwrap_err();
        assert!(e.to_string().contains("row 2, column C `units` (units): must not be negative: `-3`"), "{e}");
        let e = read("sku,date,units\nA,06/01/2025,3\n").unwrap_err();
        assert!(e.to_string().starts_with("export.csv: row 2, column B `date` (date): not a date"), "{e}");
    }

    #[test]
    fn gbk_bytes_and_garbage() {
        let dir = std::env::temp_dir().join(format!("kasim-actuals-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("gbk.csv");
        let (bytes, _, _) = encoding_rs::GBK.encode("商品编码,日期,销量\nA,2025-01-06,3\nA,2025-01-13,4\n");
        std::fs::write(&f, &bytes).unwrap();
        let h = history::read_history(std::slice::from_ref(&f), &Mapping::new(), Granularity::Weekly).unwrap();
        assert_eq!(h.summary.files[0].encoding, "GBK/GB18030");
        std::fs::write(&f, b"\x80\x80\xff\xfe\xfd").unwrap();
        let e = history::read_history(std::slice::from_ref(&f), &Mapping::new(), Granularity::Weekly).unwrap_err();
        assert!(matches!(e, Error::Encoding { .. }), "{e}");
        let missing = dir.join("missing.csv");
        assert!(matches!(
            history::read_history(&[missing], &Mapping::new(), Granularity::Weekly),
            Err(Error::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).ok();
    }
}

mod no_panics {
    use super::*;
    use kasim_actuals::synthetic::Rng;

    /// Structured garbage — plausible headers, cells drawn from valid and broken values — never
    /// panics in reading, calibrating, writing or backtesting: each input either reads and
    /// calibrates, or is an error.
    #[test]
    fn random_exports_are_values_or_errors() {
        let dir = std::env::temp_dir().join(format!("kasim-actuals-np-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = Spec { skus: 3, ..Spec::default() };
        let contract_path = dir.join("c.toml");
        std::fs::write(&contract_path, synthetic::contract_toml(&spec, true)).unwrap();
        let contract = kasim_core::load(&contract_path).unwrap();
        let pick = |r: &mut Rng, v: &[&'static str]| v[(r.next_u64() % v.len() as u64) as usize];
        let mut rng = Rng::new(99);
        let (mut ok, mut err) = (0, 0);
        for _ in 0..300 {
            let header = pick(
                &mut rng,
                &[
                    "sku,date,units,promo,promo_price,shelf_price,ordered,delivered,returns,stores",
                    "sku,week,units",
                    "商品编码,日期,销量,促销档期",
                    "sku,units",
                    "date,units",
                ],
            );
            let mut text = format!("{header}\n");
            let rows = rng.next_u64() % 200;
            for i in 0..rows {
                let cols = header.split(',').count();
                let cells: Vec<String> = (0..cols)
                    .map(|c| match c {
                        0 => pick(&mut rng, &["S000", "S001", "S002", "X", "", "合计"]).to_string(),
                        1 => {
                            let d = 1 + (i % 28);
                            let m = 1 + (i / 28) % 12;
                            pick(&mut rng, &["2025-W05", "bad", "", "2024-02-30"])
                                .replace("bad", &format!("2024-{m:02}-{d:02}"))
                        }
                        _ => pick(
                            &mut rng,
                            &["0", "1", "12", "1e3", "-1", "", "DM", "端架", "3.5", "99999999999999999999999999", "是"],
                        )
                        .to_string(),
                    })
                    .collect();
                text.push_str(&cells.join(","));
                text.push('\n');
            }
            match history::from_csv_text(Path::new("r.csv"), &text, &Mapping::new(), Granularity::Weekly) {
                Ok(h) => {
                    ok += 1;
                    let files = [PathBuf::from("r.csv")];
                    let opts = kasim_actuals::report::Options { backtest_runs: 5, seed: 1 };
                    let _ =
                        kasim_actuals::CalibrationReport::prepare(&contract_path, &contract, &h, &files, &dir, &opts);
                }
                Err(_) => err += 1,
            }
        }
        assert!(ok > 0 && err > 0, "{ok} read, {err} refused");
        std::fs::remove_dir_all(&dir).ok();
    }
}

mod workbook {
    use super::*;

    /// A workbook written with rust_xlsxwriter (Excel dates, numbers, a title row) reads like
    /// the CSV.
    #[test]
    fn xlsx_reads_like_csv() {
        let dir = std::env::temp_dir().join(format!("kasim-actuals-x-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sales.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "门店销售周报").unwrap();
        for (c, h) in ["商品编码", "日期", "销量", "促销价", "售价"].iter().enumerate() {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        for w in 0..6u32 {
            let r = 3 + w;
            ws.write_string(r, 0, "HM-RC200").unwrap();
            let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 1, 6).unwrap();
            let serial = d.to_excel() + 7.0 * f64::from(w);
            ws.write_number_with_format(r, 1, serial, &fmt).unwrap();
            ws.write_number(r, 2, 100.0 + f64::from(w)).unwrap();
            if w == 2 {
                ws.write_number(r, 3, 8.5).unwrap();
            }
            ws.write_number(r, 4, 10.0).unwrap();
        }
        wb.save(&path).unwrap();
        let h = history::read_history(std::slice::from_ref(&path), &Mapping::new(), Granularity::Weekly).unwrap();
        let f = &h.summary.files[0];
        assert_eq!((f.header_row, f.rows, f.encoding), (3, 6, "xlsx"));
        assert_eq!(h.summary.first_date.to_string(), "2025-01-06");
        let s = h.sku("HM-RC200").unwrap();
        assert_eq!(
            s.cells.iter().flatten().map(|c| c.units).collect::<Vec<_>>(),
            [100.0, 101.0, 102.0, 103.0, 104.0, 105.0]
        );
        let promo = s.cells[2].as_ref().unwrap();
        assert!(promo.promoted && promo.promo_price == Some(8.5));
        std::fs::remove_dir_all(&dir).ok();
    }
}

mod bundled {
    use super::*;

    /// The messy GBK export under scenarios/actuals/: missing weeks, a delisted SKU, a new SKU,
    /// a price change, promotions, a total row.
    #[test]
    fn messy_gbk_export_reads_with_its_quirks() {
        let f = root().join("scenarios/actuals/sunrise-weekly-gbk.csv");
        let h = history::read_history(std::slice::from_ref(&f), &Mapping::new(), Granularity::Monthly).unwrap();
        let s = &h.summary;
        assert_eq!(s.files[0].encoding, "GBK/GB18030");
        assert_eq!(s.files[0].skipped_totals, 1);
        assert!(s.gaps >= 3, "missing weeks are gaps: {}", s.gaps);
        let cal = calibrate(&h).unwrap();
        let w = cal.warnings.join("\n");
        assert!(w.contains("delisted?"), "{w}");
        assert!(cal.elasticity.is_some());
    }
}

mod calibrated_contract {
    use super::*;
    use kasim_actuals::report::{CalibrationReport, Options};

    /// The calibrated contract extends the synthetic contract, loads, simulates, and carries
    /// the calibrated values; the backtest's MAPE is near the noise and its P10–P90 covers
    /// about 80%.
    #[test]
    fn written_contract_loads_simulates_and_backtests() {
        let spec = Spec { skus: 12, ..Spec::default() };
        let dir = std::env::temp_dir().join(format!("kasim-actuals-c-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("out")).unwrap();
        let contract_path = dir.join("synthetic.toml");
        std::fs::write(&contract_path, synthetic::contract_toml(&spec, true)).unwrap();
        let contract = kasim_core::load(&contract_path).unwrap();
        let h = synthetic_history(&spec, Granularity::Weekly);
        let files = [PathBuf::from("synthetic.csv")];
        let report =
            CalibrationReport::prepare(&contract_path, &contract, &h, &files, &dir.join("out"), &Options::default())
                .unwrap();
        let text = &report.calibrated_contract;
        assert!(text.contains("extends = \"../synthetic.toml\""), "{text}");
        assert_eq!((report.lines_written, report.promotions_written), (12, 4));
        let out = dir.join("out/calibrated.toml");
        std::fs::write(&out, text).unwrap();
        let c = kasim_core::load(&out).unwrap();
        // S000's line: the calibrated baseline, rounded.
        let line = c.plan.lines.iter().find(|l| l.sku == "S000").unwrap();
        assert_eq!(line.units_per_period, Some(report.calibration.sku("S000").unwrap().baseline.value.round() as u64));
        // The promotion at a 20% cut: uplift 0.8^-ε ≈ 1.56 (ε = 2 ± 0.25).
        let p = &c.plan.promotions[0];
        let u: f64 = p.uplift.0.to_string().parse().unwrap();
        assert!((u - 0.8f64.powf(-2.0)).abs() < 0.1, "{u}");
        assert_eq!(c.plan.seasonality.len(), 12);
        let unc = c.uncertainty.as_ref().unwrap();
        assert!(
            unc.demand_cv.is_some() && unc.trend.is_some() && unc.fill_rate.is_some() && unc.post_promo_dip.is_some()
        );
        // Every promotion has the same slot and cut but each SKU its own ε: no promo_uplift.
        assert!(unc.promo_uplift.is_none());
        let compiled = kasim_core::Compiled::new(&c).unwrap();
        let model = kasim_montecarlo::Model::new(&compiled).unwrap();
        let cfg = kasim_montecarlo::RunConfig { runs: 200, threads: 1, ..Default::default() };
        let results = kasim_montecarlo::run(&[model], &cfg).unwrap();
        assert_eq!(results[0].rows.len(), 200);
        let b = report.backtest.as_ref().unwrap();
        assert_eq!((b.fit_periods, b.holdout_periods), (104, 52));
        assert!(b.mape_units < 0.25, "MAPE {}", b.mape_units);
        assert!(b.mape_total < 0.08, "total MAPE {}", b.mape_total);
        let cov = b.coverage_p10_p90.unwrap();
        assert!((0.7..=0.9).contains(&cov), "coverage {cov}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
