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

    /// `Decimal::MAX` units (or sales) in two rows of one period used to overflow the sum and
    /// panic (`Addition overflowed`, found by hand); the same in a statement's amounts. Each
    /// value is now at most 10¹², else an error at the cell.
    #[test]
    fn huge_values_are_located_not_overflowed() {
        let max = "79228162514264337593543950335";
        let e = read(&format!("sku,date,units\nA,2026-01-05,{max}\nA,2026-01-06,{max}\nA,2026-01-07,5\n")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "export.csv: row 2, column C `units` (units): more than 1000000000000 in magnitude: too large: `{max}`"
            )
        );
        let e = read("sku,date,units,sales\nA,2026-01-05,5,1000000000001\nA,2026-01-12,5,1\n").unwrap_err();
        assert!(e.to_string().contains("row 2, column D `sales` (sales): more than 1000000000000"), "{e}");
        // A trillion itself is a value.
        assert!(read("sku,date,units\nA,2026-01-05,1000000000000\nA,2026-01-12,5\n").is_ok());
        let t = kasim_actuals::table::read_bytes(
            Path::new("st.csv"),
            format!("日期,扣款项目,扣款金额,凭证号\n2027-01-05,进场费,{max},V1\n2027-01-06,进场费,{max},V2\n")
                .as_bytes(),
            kasim_actuals::table::Format::Csv,
        )
        .unwrap();
        let e = kasim_actuals::statement::from_table(&t, &Mapping::empty()).unwrap_err();
        assert!(
            e.to_string().starts_with("st.csv: row 2, column C `扣款金额` (amount): more than 1000000000000"),
            "{e}"
        );
    }

    /// A header given two roles (`--column units=销量 --column sales=销量`) is refused, naming
    /// the column, its letter and both roles; it used to be read as both, silently.
    #[test]
    fn a_header_given_two_roles_is_refused() {
        let mut m = Mapping::new();
        m.add_flag("units=销量").unwrap();
        m.add_flag("sales=销量").unwrap();
        let e = history::from_csv_text(
            Path::new("export.csv"),
            "商品编码,日期,销量\nA,2025-01-06,3\nA,2025-01-13,4\n",
            &m,
            Granularity::Weekly,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "export.csv: column C `销量` is given two roles, units and sales: a column has one role"
        );
    }

    /// A mapping file is a few lines: a 200 MB one (sparse) is refused unread.
    #[test]
    fn a_huge_mapping_file_is_refused_unread() {
        let dir = std::env::temp_dir().join(format!("kasim-actuals-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("mapping.toml");
        std::fs::File::create(&f).unwrap().set_len(200 << 20).unwrap();
        let e = Mapping::<kasim_actuals::Role>::from_file(&f).unwrap_err();
        assert!(matches!(e, Error::TooLarge { size: 209_715_200, .. }), "{e}");
        assert!(matches!(Mapping::<kasim_actuals::Role>::from_file(&dir), Err(Error::Io { .. })));
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

    /// A sheet whose used range spans A1:XFD1048576 through two cells (found by hand before
    /// the fuzz target existed): reading it used to allocate the dense range — 549 GB, an abort
    /// — and is now an error naming the far cell's row and column; a far cell inside the
    /// limits costs one row, not the rectangle.
    #[test]
    fn far_apart_cells_do_not_allocate_the_dense_range() {
        let sheet = |far: Option<(u32, u16)>| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (c, h) in ["商品编码", "日期", "销量"].iter().enumerate() {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            for w in 0..3u32 {
                ws.write_string(1 + w, 0, "A").unwrap();
                ws.write_string(1 + w, 1, format!("2025-01-{:02}", 6 + 7 * w)).unwrap();
                ws.write_number(1 + w, 2, 5.0).unwrap();
            }
            if let Some((r, c)) = far {
                ws.write_number(r, c, 1.0).unwrap();
            }
            wb.save_to_buffer().unwrap()
        };
        let read = |bytes: &[u8]| {
            kasim_actuals::table::read_bytes(Path::new("far.xlsx"), bytes, kasim_actuals::table::Format::Workbook)
        };
        let e = read(&sheet(Some((1_048_575, 16_383)))).unwrap_err().to_string();
        assert!(e.contains("far.xlsx") && e.contains("row 1048576") && e.contains("column XFD"), "{e}");
        // Far down but within the row limit: read, the gap costs nothing.
        let t = read(&sheet(Some((1_000_000, 2)))).unwrap();
        assert_eq!(t.rows.len(), 4);
        assert_eq!(t.rows.last().map(|r| (r.number, r.cells[2].as_str())), Some((1_000_001, "1")));
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

/// `kasim track`: closed periods exact and never reopened, the conditioned simulation at its
/// limits (nothing closed = `kasim simulate`; everything closed = the exact settlement), the
/// watchlist against settlements, accruals adding up, the committed statement reconciled,
/// hostile statements located.
mod track {
    use std::path::Path;

    use kasim_actuals::accrual::Previous;
    use kasim_actuals::reconcile::Status;
    use kasim_actuals::statement::{self, read_statement};
    use kasim_actuals::track::{Inputs, Options, TrackReport, track};
    use kasim_actuals::ytd::year_to_date;
    use kasim_actuals::{Error, Mapping, history};
    use kasim_core::contract::Granularity;
    use kasim_core::{Compiled, Contract, Outcome};
    use kasim_montecarlo::conditioned::{self, Closed};
    use kasim_montecarlo::{Model, RunConfig};
    use rust_decimal::Decimal;

    use super::root;

    fn supermarket() -> Contract {
        kasim_core::load(root().join("scenarios/supermarket.toml")).unwrap()
    }

    fn ytd_history(calendar: Granularity) -> history::SalesHistory {
        let f = root().join("scenarios/actuals/sunrise-2027-ytd.csv");
        history::read_history(&[f], &Mapping::new(), calendar).unwrap()
    }

    /// A monthly actuals CSV of `outcome`'s first `months` periods.
    fn csv_of(compiled: &Compiled<'_>, outcome: &Outcome, months: usize) -> String {
        let mut s = String::from("商品编码,月份,销售数量,订货量,到货量,退货数量,促销档期\n");
        for p in 0..months {
            for (i, k) in compiled.skus.iter().enumerate() {
                let c = outcome.cell(p, i);
                let slot = if c.has_slot(kasim_core::outcome::SlotKind::Dm) {
                    "DM"
                } else if c.has_slot(kasim_core::outcome::SlotKind::EndCap) {
                    "端架"
                } else {
                    ""
                };
                s.push_str(&format!(
                    "{},2027-{:02},{},{},{},{},{slot}\n",
                    k.id,
                    p + 1,
                    c.sold,
                    c.ordered,
                    c.delivered,
                    c.returned
                ));
            }
        }
        s
    }

    fn run(contract: &Contract, h: &history::SalesHistory, options: &Options) -> TrackReport {
        let inputs = Inputs {
            contract_name: "c.toml",
            contract,
            history: h,
            actuals: vec!["ytd.csv".into()],
            previous: None,
            statement: None,
        };
        track(&inputs, options).unwrap()
    }

    fn ledger_to(s: &kasim_core::Settlement, closed: usize) -> Vec<kasim_core::settle::LedgerLine> {
        s.ledger.iter().filter(|l| usize::from(l.period) <= closed && l.kind.is_fee()).cloned().collect()
    }

    /// The closed periods come from the CSV exactly, and every scenario's full settlement
    /// books exactly the YTD ledger in them; the YTD rebate is 4% × net purchases by hand.
    #[test]
    fn closed_periods_are_the_actuals_in_every_scenario() {
        let c = supermarket();
        let compiled = Compiled::new(&c).unwrap();
        let h = ytd_history(Granularity::Monthly);
        let ytd = year_to_date(&compiled, &h, None).unwrap();
        assert_eq!((ytd.year, ytd.closed.periods), (2027, 4));
        let rc = compiled.sku_index("HM-RC200").unwrap();
        let jan = ytd.outcome.cell(0, rc);
        assert_eq!((jan.sold, jan.ordered, jan.delivered, jan.returned), (9268, 9749, 9457, 189));
        assert!(jan.has_slot(kasim_core::outcome::SlotKind::Dm));
        // 4% × (delivered − returned) × invoice price, January, by hand.
        let net: Decimal = compiled
            .skus
            .iter()
            .enumerate()
            .map(|(s, k)| {
                let x = ytd.outcome.cell(0, s);
                Decimal::from(x.delivered - x.returned) * k.invoice
            })
            .sum();
        let report = run(&c, &h, &Options { runs: 50, ..Default::default() });
        let jan_rebate = report.ytd.lines.iter().find(|l| l.rule == "unconditional" && l.period == 1).unwrap();
        assert_eq!(jan_rebate.amount, (net * Decimal::new(4, 2)).round_dp(2));
        // Every scenario books the same closed-period lines.
        let mut model = Model::new(&compiled).unwrap();
        conditioned::condition(&mut model, &ytd.closed);
        for k in 0..40 {
            let mut o = model.sample(1, k);
            ytd.closed.apply(&mut o);
            let s = compiled.settle(&o).unwrap();
            assert_eq!(ledger_to(&s, 4), report.ytd.lines, "scenario {k}");
        }
        // Per-period rules of closed periods have the same amount in every scenario, and the
        // rows are identical at 1 and 3 threads.
        let cfg = RunConfig { runs: 300, seed: 3, threads: 1, ..Default::default() };
        let a = conditioned::run_track(&model, &ytd.closed, &cfg).unwrap();
        let b = conditioned::run_track(&model, &ytd.closed, &RunConfig { threads: 3, ..cfg }).unwrap();
        assert_eq!(a, b);
        let renewal = c.fees.iter().position(|f| f.id == "renewal").unwrap();
        assert!(a.clauses.column(renewal).iter().all(|&x| x == 8_000_000));
    }

    /// Nothing closed and no conditioning: the run is `kasim simulate`'s, scenario by scenario.
    #[test]
    fn nothing_closed_is_simulate() {
        let c = supermarket();
        let compiled = Compiled::new(&c).unwrap();
        let h = ytd_history(Granularity::Monthly);
        let ytd = year_to_date(&compiled, &h, Some(0)).unwrap();
        assert_eq!(ytd.closed.periods, 0);
        let mut model = Model::new(&compiled).unwrap();
        let cond = conditioned::condition(&mut model, &ytd.closed);
        assert!(cond.iter().all(|x| x.factor == 1.0));
        let cfg = RunConfig { runs: 400, seed: 9, ..Default::default() };
        let t = conditioned::run_track(&model, &ytd.closed, &cfg).unwrap();
        let plain = Model::new(&compiled).unwrap();
        let s = kasim_montecarlo::run(&[plain], &cfg).unwrap();
        assert_eq!(t.clauses.rows, s[0].rows);
        let report = run(&c, &h, &Options { runs: 400, seed: 9, as_of: Some(0), ..Default::default() });
        let sum: i128 = s[0].rows.iter().map(|r| i128::from(r.net_contribution)).sum();
        let mean = (Decimal::from_i128_with_scale(sum, 2) / Decimal::from(400)).round_dp(2);
        assert_eq!(report.distribution[1].mean, mean);
    }

    /// Every period closed: the distribution collapses onto the exact settlement of the
    /// actuals, and the accruals are the ledger.
    #[test]
    fn everything_closed_is_the_exact_settlement() {
        let c = supermarket();
        let compiled = Compiled::new(&c).unwrap();
        let model = Model::new(&compiled).unwrap();
        let year = model.sample(77, 5);
        let text = csv_of(&compiled, &year, 12);
        let h = history::from_csv_text(Path::new("year.csv"), &text, &Mapping::new(), Granularity::Monthly).unwrap();
        let report = run(&c, &h, &Options { runs: 200, ..Default::default() });
        assert_eq!(report.closed, 12);
        let ytd = year_to_date(&compiled, &h, None).unwrap();
        let exact = compiled.settle(&ytd.outcome).unwrap();
        for d in &report.distribution {
            assert_eq!((d.p10, d.p50, d.p90), (d.mean, d.mean, d.mean), "{}", d.key);
        }
        assert_eq!(report.distribution[0].mean, exact.pnl.fees_total);
        assert_eq!(report.distribution[1].mean, exact.pnl.net_contribution.round_dp(2));
        assert_eq!(report.ytd.fees, exact.pnl.fees_total);
        for r in &report.accruals.rules {
            assert_eq!(r.expected_full_year, r.booked_to_date, "{}", r.rule);
        }
    }

    /// A weekly contract with all 52 weeks closed by a weekly export with dates: the
    /// distribution collapses onto the exact settlement.
    #[test]
    fn all_52_weeks_closed_collapse() {
        let spec = kasim_actuals::synthetic::Spec { skus: 3, ..Default::default() };
        let toml = kasim_actuals::synthetic::contract_toml(&spec, true)
            + "\n[[fees]]\nid = \"tiers\"\nkind = \"tiered_rebate\"\ntiers = [ { threshold = \"0\", rate = \"1%\" }, { threshold = \"60000\", rate = \"2%\" } ]\n";
        let c = kasim_core::load_str(&toml, Path::new("weekly.toml"), None).unwrap();
        let compiled = Compiled::new(&c).unwrap();
        let year = Model::new(&compiled).unwrap().sample(5, 1);
        let start = kasim_actuals::date::Date::new(c.year.unwrap(), 1, 1).unwrap();
        let mut csv = String::from("商品编码,周开始日期,销售数量,订货量,到货量,退货数量\n");
        for p in 0..52 {
            for (s, k) in compiled.skus.iter().enumerate() {
                let x = year.cell(p, s);
                let day = kasim_actuals::date::Date(start.0 + 7 * p as i32);
                csv.push_str(&format!("{},{day},{},{},{},{}\n", k.id, x.sold, x.ordered, x.delivered, x.returned));
            }
        }
        let h = history::from_csv_text(Path::new("w.csv"), &csv, &Mapping::new(), Granularity::Weekly).unwrap();
        let report = run(&c, &h, &Options { runs: 100, ..Default::default() });
        assert_eq!(report.closed, 52);
        let ytd = year_to_date(&compiled, &h, None).unwrap();
        for p in 0..52 {
            for s in 0..3 {
                let (a, b) = (ytd.outcome.cell(p, s), year.cell(p, s));
                assert_eq!((a.sold, a.delivered, a.returned), (b.sold, b.delivered, b.returned), "week {}", p + 1);
            }
        }
        let exact = compiled.settle(&ytd.outcome).unwrap();
        for d in &report.distribution {
            assert_eq!((d.p10, d.p90), (d.mean, d.mean), "{}", d.key);
        }
        assert_eq!(report.distribution[0].mean, exact.pnl.fees_total);
    }

    /// Accruals add up to the expected full-year cost per rule and in total; the cumulative
    /// ends there; re-reading the JSON as --previous gives no change for the same run, and a
    /// run with fewer closed periods differs.
    #[test]
    fn accruals_add_up_and_changes_are_read_back() {
        let c = supermarket();
        let h = ytd_history(Granularity::Monthly);
        let report = run(&c, &h, &Options { runs: 300, ..Default::default() });
        let a = &report.accruals;
        for r in &a.rules {
            assert_eq!(r.per_period.iter().sum::<Decimal>(), r.expected_full_year, "{}", r.rule);
            assert_eq!(r.per_period[..4].iter().sum::<Decimal>(), r.accrued_to_date);
        }
        assert_eq!(a.periods.last().unwrap().cumulative, a.expected_total);
        assert_eq!(a.expected_total, report.distribution[0].mean);
        assert_eq!(a.periods[3].cumulative, a.accrued_to_date);
        let json = serde_json::to_string(&serde_json::json!({
            "format": kasim_actuals::track::SCHEMA,
            "closed": report.closed,
            "accruals": report.accruals,
        }))
        .unwrap();
        let prev = Previous::from_json(Path::new("last.json"), &json).unwrap();
        assert_eq!(prev.closed, 4);
        let inputs = Inputs {
            contract_name: "c.toml",
            contract: &c,
            history: &h,
            actuals: vec![],
            previous: Some(prev.clone()),
            statement: None,
        };
        let same = track(&inputs, &Options { runs: 300, ..Default::default() }).unwrap();
        assert!(same.accruals.changes.iter().all(|x| x.expected_change.is_zero() && x.accrued_change.is_zero()));
        let earlier = track(&inputs, &Options { runs: 300, as_of: Some(2), ..Default::default() }).unwrap();
        let rebate = earlier.accruals.changes.iter().find(|x| x.rule == "unconditional").unwrap();
        assert_eq!(
            rebate.expected_before,
            Some(a.rules.iter().find(|r| r.rule == "unconditional").unwrap().expected_full_year)
        );
        assert!(!rebate.accrued_change.is_zero());
        let bad = Previous::from_json(Path::new("x.json"), "{\"format\": \"kasim.simulate/1\"}").unwrap_err();
        assert!(bad.to_string().contains("x.json"), "{bad}");
    }

    /// The watchlist's P(reach) is the share of scenarios whose own settlement reaches the
    /// threshold; what is still needed is threshold − YTD base exactly.
    #[test]
    fn watchlist_matches_the_settlements() {
        let c = kasim_core::demo::contract(
            "[uncertainty]\ndemand_cv = \"25%\"\n\n[[fees]]\nid = \"tiers\"\nkind = \"tiered_rebate\"\nsettle = \"annual\"\ntiers = [ { threshold = \"0\", rate = \"1%\" }, { threshold = \"1200000\", rate = \"2%\" }, { threshold = \"1500000\", rate = \"3%\" } ]\n\n[[fees]]\nid = \"target\"\nkind = \"target_rebate\"\ntarget = \"1210000\"\namount = \"5000\"\n\n[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"1%\"\n\n[[fees]]\nid = \"floor\"\nkind = \"guaranteed_minimum\"\nfloor = \"12100\"\ncovers = [\"r\"]\n",
        )
        .unwrap();
        let compiled = Compiled::new(&c).unwrap();
        let plan = compiled.plan_outcome().clone();
        let text = csv_of(&compiled, &plan, 3);
        let h = history::from_csv_text(Path::new("ytd.csv"), &text, &Mapping::new(), Granularity::Monthly).unwrap();
        let runs = 400;
        let report = run(&c, &h, &Options { runs, seed: 4, ..Default::default() });
        let tiers = report.watchlist.iter().find(|w| w.rule == "tiers").unwrap();
        // 3 months of 10,000 units at 10.00 delivered, less the plan's returns.
        let ytd_base: Decimal =
            (0..3).map(|p| Decimal::from(plan.cell(p, 0).delivered - plan.cell(p, 0).returned) * Decimal::TEN).sum();
        assert_eq!(tiers.ytd_base, ytd_base);
        assert_eq!(tiers.tiers[1].still_needed, Decimal::from(1_200_000) - ytd_base);
        // Independently: settle every scenario with its ledger and read the annual base.
        let ytd = year_to_date(&compiled, &h, None).unwrap();
        let mut model = Model::new(&compiled).unwrap();
        conditioned::condition(&mut model, &ytd.closed);
        let (mut t2, mut t3, mut tgt, mut floor) = (0, 0, 0, 0);
        for k in 0..runs {
            let mut o = model.sample(4, k);
            ytd.closed.apply(&mut o);
            let s = compiled.settle(&o).unwrap();
            let base = s.ledger.iter().find(|l| l.rule == "tiers").and_then(|l| l.base).unwrap();
            t2 += usize::from(base >= Decimal::from(1_200_000));
            t3 += usize::from(base >= Decimal::from(1_500_000));
            tgt += usize::from(s.ledger.iter().any(|l| l.rule == "target" && !l.amount.is_zero()));
            floor += usize::from(s.ledger.iter().any(|l| l.rule == "floor" && l.amount > Decimal::ZERO));
        }
        let p = |n: usize| n as f64 / runs as f64;
        assert_eq!(tiers.tiers[0].p_reach, 1.0);
        assert_eq!(tiers.tiers[1].p_reach, p(t2));
        assert_eq!(tiers.tiers[2].p_reach, p(t3));
        assert!(p(t2) > 0.05 && p(t2) < 0.95, "a constructed case near the threshold: {}", p(t2));
        let target = report.watchlist.iter().find(|w| w.rule == "target").unwrap();
        assert_eq!(target.tiers[0].p_reach, p(tgt));
        let fl = report.watchlist.iter().find(|w| w.rule == "floor").unwrap();
        assert_eq!(fl.p_binds, Some(p(floor)));
        assert!(fl.expected_payout > Decimal::ZERO);
    }

    /// The committed GBK statement: one of each status, exact differences, the contract's
    /// reason for the mismatch.
    #[test]
    fn the_committed_statement_reconciles() {
        let c = supermarket();
        let h = ytd_history(Granularity::Monthly);
        let st = read_statement(&root().join("scenarios/actuals/sunrise-2027-statement-gbk.csv"), &Mapping::empty())
            .unwrap();
        assert_eq!(st.lines.len(), 21, "the 合计 row is skipped");
        let inputs = Inputs {
            contract_name: "c.toml",
            contract: &c,
            history: &h,
            actuals: vec![],
            previous: None,
            statement: Some(st),
        };
        let report = track(&inputs, &Options { runs: 20, ..Default::default() }).unwrap();
        let rec = report.reconciliation.unwrap();
        assert_eq!(rec.counts, [18, 1, 1, 1, 1]);
        let mis = rec.items.iter().find(|i| i.status == Status::Mismatched).unwrap();
        assert_eq!(mis.rule.as_deref(), Some("festival"));
        assert_eq!(
            (mis.charged, mis.due, mis.difference),
            (Some(Decimal::from(30_000)), Some(Decimal::from(28_500)), Some(Decimal::from(1_500)))
        );
        assert!(mis.why.contains("28500"), "{}", mis.why);
        let missing = rec.items.iter().find(|i| i.status == Status::Missing).unwrap();
        assert_eq!(
            (missing.rule.as_deref(), missing.period, missing.due),
            (Some("end-cap"), Some(4), Some(Decimal::from(11_400)))
        );
        let unexplained = rec.items.iter().find(|i| i.status == Status::Unexplained).unwrap();
        assert_eq!(unexplained.fee_type.as_deref(), Some("系统使用费"));
        let amb = rec.items.iter().find(|i| i.status == Status::Ambiguous).unwrap();
        assert_eq!(amb.rule.as_deref(), Some("unconditional, year-end-rebate"));
        assert_eq!(rec.due, report.ytd.fees);
        // A negative deduction counts as the charge.
        assert!(rec.items.iter().any(|i| i.row == Some(14) && i.status == Status::Matched));
    }

    fn statement_of(text: &str) -> Result<kasim_actuals::statement::Statement, Error> {
        let t =
            kasim_actuals::table::read_bytes(Path::new("st.csv"), text.as_bytes(), kasim_actuals::table::Format::Csv)?;
        statement::from_table(&t, &Mapping::empty())
    }

    /// Hostile statements: each error names the file, row, column and value.
    #[test]
    fn hostile_statements_are_located() {
        let e = statement_of("日期,费用类型,金额,单号\n2027-01-31,进场费,12x.5,A1\n").unwrap_err().to_string();
        assert!(e.contains("st.csv") && e.contains("row 2") && e.contains("12x.5") && e.contains("金额"), "{e}");
        let e = statement_of("日期,费用类型,金额\n2027-13-45,进场费,100\n").unwrap_err().to_string();
        assert!(e.contains("row 2") && e.contains("2027-13-45") && e.contains("日期"), "{e}");
        let e = statement_of("日期,费用类型,备注\n2027-01-31,进场费,100\n").unwrap_err().to_string();
        assert!(e.contains("no amount column") && e.contains("备注"), "{e}");
        let e = statement_of("日期,费用类型,金额\n2027-01-31,,100\n").unwrap_err().to_string();
        assert!(e.contains("row 2") && e.contains("费用类型"), "{e}");
        let e = statement_of("日期,费用类型,金额\n合计,,100\n").unwrap_err().to_string();
        assert!(e.contains("without charges"), "{e}");
        // Two columns could be the fee type: refused, naming both; a mapping chooses.
        let text = "日期,费用名称,项目,金额\n2027-01-31,进场费,新店,100\n";
        let e = statement_of(text).unwrap_err().to_string();
        assert!(e.contains("费用名称") && e.contains("项目") && e.contains("fee_type"), "{e}");
        let t =
            kasim_actuals::table::read_bytes(Path::new("st.csv"), text.as_bytes(), kasim_actuals::table::Format::Csv)
                .unwrap();
        let mut m = Mapping::<statement::StatementRole>::empty();
        m.add_flag("fee_type=费用名称").unwrap();
        let st = statement::from_table(&t, &m).unwrap();
        assert_eq!((st.lines[0].fee_type.as_str(), st.lines[0].amount), ("进场费", Decimal::from(100)));
    }

    /// A workbook statement (Excel dates, numbers, a title row) reads exactly.
    #[test]
    fn xlsx_statement_reads() {
        let dir = std::env::temp_dir().join(format!("kasim-actuals-st-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("对账单.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "扣款明细").unwrap();
        for (c, h) in ["单据日期", "费用名称", "费用金额", "参考号"].iter().enumerate() {
            ws.write_string(1, c as u16, *h).unwrap();
        }
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2027, 1, 31).unwrap();
        ws.write_number_with_format(2, 0, d.to_excel(), &fmt).unwrap();
        ws.write_string(2, 1, "进场费").unwrap();
        ws.write_number(2, 2, 80000.25).unwrap();
        ws.write_string(2, 3, "V-1").unwrap();
        wb.save(&path).unwrap();
        let st = read_statement(&path, &Mapping::empty()).unwrap();
        assert_eq!(st.lines.len(), 1);
        let l = &st.lines[0];
        assert_eq!((l.row, l.date.as_deref(), l.fee_type.as_str()), (3, Some("2027-01-31"), "进场费"));
        assert_eq!((l.amount, l.reference.as_str()), (Decimal::new(8_000_025, 2), "V-1"));
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A fractional unit count in a closed period is refused with the SKU and period.
    #[test]
    fn fractional_units_are_refused() {
        let c = supermarket();
        let compiled = Compiled::new(&c).unwrap();
        let text = "商品编码,月份,销售数量\nHM-RC200,2027-01,10.5\n";
        let h = history::from_csv_text(Path::new("f.csv"), text, &Mapping::new(), Granularity::Monthly).unwrap();
        let e = year_to_date(&compiled, &h, None).unwrap_err().to_string();
        assert!(e.contains("HM-RC200") && e.contains("period 1") && e.contains("10.5"), "{e}");
        let e = year_to_date(&compiled, &h, Some(13)).unwrap_err().to_string();
        assert!(e.contains("13"), "{e}");
        let ok = history::from_csv_text(
            Path::new("g.csv"),
            "商品编码,月份,销售数量\nHM-RC200,2027-01,10\n",
            &Mapping::new(),
            Granularity::Monthly,
        )
        .unwrap();
        let e = year_to_date(&compiled, &ok, Some(3)).unwrap_err().to_string();
        assert!(e.contains("--as-of 3") && e.contains("end at period 1"), "{e}");
        let one = year_to_date(&compiled, &ok, None).unwrap();
        assert_eq!(one.closed.periods, 1);
        assert!(one.notes.iter().any(|n| n.contains("7 closed SKU-period(s) have no actuals")), "{:?}", one.notes);
        let _ = Closed::from_outcome(compiled.plan_outcome(), 0);
    }
}

/// Fee types name rules by id, label, kind or a word of the recognition table.
#[test]
fn statement_fee_types_name_rules() {
    use kasim_actuals::reconcile::candidates;
    let c = kasim_core::load(root().join("scenarios/supermarket.toml")).unwrap();
    for (fee, rules) in [
        ("合同续签费", vec!["renewal"]),
        ("end-cap", vec!["end-cap"]),
        ("dm_fee", vec!["dm"]),
        ("DM/海报费", vec!["dm"]),
        ("堆头费", vec!["end-cap"]),
        ("年度返利", vec!["year-end-rebate"]),
        ("阶梯返利", vec!["year-end-rebate"]),
        ("返利", vec!["unconditional", "year-end-rebate"]),
        ("促销员管理费", vec![]),
        ("系统使用费", vec![]),
    ] {
        assert_eq!(candidates(&c, fee), rules, "{fee}");
    }
}
