//! `kasim calibrate`: [`kasim_actuals::CalibrationReport`] as a document.
//!
//! In reading order: the headline (what was read, the key estimates, the backtest), the
//! warnings, every estimate with its standard error and sample size (the CSV table), the
//! seasonality with its shrinkage weights, the SKUs (baseline, promotions, elasticity used),
//! the backtest, and what was read from each file (columns by role).

use kasim_actuals::CalibrationReport;
use kasim_actuals::calibrate::Estimate;

use crate::Report;
use crate::document::{Column, Document, KeyValues, Section, Table, Text, Value};

fn fx(x: f64) -> Value {
    Value::Fixed(x, 4)
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Missing, fx)
}

fn count(n: usize) -> Value {
    Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

fn estimate_row(t: &mut Table, key: &str, label: Text, scope: Value, e: &Estimate) {
    t.row(vec![Value::label(key, label), scope, fx(e.value), opt(e.se), count(e.n)]);
}

impl Report for CalibrationReport {
    fn schema(&self) -> &'static str {
        kasim_actuals::report::SCHEMA
    }

    fn document(&self) -> Document {
        let cal = &self.calibration;
        let s = &self.summary;
        let mut doc = Document::new(Text::both(
            format!("Calibration of {} from {}", self.contract, self.history.join(", ")),
            format!("模型校准：{}（历史数据 {}）", self.contract, self.history.join(", ")),
        ));
        // Headline.
        let mut kv = KeyValues::new("summary");
        kv.pair("rows", Text::both("Rows read", "读取行数"), count(s.rows));
        kv.pair("skus", Text::both("SKUs", "商品数"), count(s.skus));
        kv.pair("periods", Text::both("Periods (contract calendar)", "期数（合同日历）"), count(s.periods));
        kv.pair("first_date", Text::both("First date", "起始日期"), Value::text(s.first_date.to_string()));
        kv.pair("last_date", Text::both("Last date", "截止日期"), Value::text(s.last_date.to_string()));
        kv.pair("gaps", Text::both("Missing or partial SKU-periods", "缺失/不完整的商品期"), count(s.gaps));
        kv.pair("duplicates", Text::both("Duplicate rows dropped", "重复行（已剔除）"), count(s.duplicates));
        if let Some(v) = s.sales_value {
            kv.pair("sales_value", Text::both("Sales value", "销售金额"), Value::Money(v));
        }
        kv.pair("demand_cv", Text::both("Demand CV", "需求变异系数"), fx(cal.demand_cv));
        kv.pair("trend", Text::both("Annual trend", "年度趋势"), fx(cal.trend.value));
        if let Some(e) = cal.elasticity {
            kv.pair("elasticity", Text::both("Promotion price elasticity ε", "促销价格弹性 ε"), fx(e.value));
        }
        if let Some(b) = &self.backtest {
            kv.pair("mape_units", Text::both("Backtest MAPE of units", "回测销量 MAPE"), fx(b.mape_units));
            if let Some(c) = b.coverage_p10_p90 {
                kv.pair(
                    "coverage_p10_p90",
                    Text::both("Backtest P10–P90 coverage", "回测 P10–P90 覆盖率"),
                    Value::Probability(c),
                );
            }
        }
        kv.pair("lines_written", Text::both("Plan lines written", "写入计划行"), count(self.lines_written));
        kv.pair("promotions_written", Text::both("Promotions written", "写入促销"), count(self.promotions_written));
        doc.blocks.push(kv.into());
        // Warnings.
        if !self.warnings.is_empty() {
            let mut t = Table::new("warnings", vec![Column::text("warning", Text::both("Warning", "提示"))])
                .titled(Text::both("Where the data are thin", "数据不足之处"));
            for w in &self.warnings {
                t.row(vec![Value::text(w)]);
            }
            doc.blocks.push(t.into());
        }
        // Estimates (the CSV table).
        let mut t = Table::new(
            "estimates",
            vec![
                Column::text("parameter", Text::both("Parameter", "参数")),
                Column::text("scope", Text::both("SKU / slot", "商品/陈列")),
                Column::number("value", Text::both("Estimate", "估计值")),
                Column::number("se", Text::both("Std error", "标准误")),
                Column::number("n", Text::both("n", "样本数")),
            ],
        )
        .titled(Text::both("Estimates", "估计结果"));
        estimate_row(
            &mut t,
            "demand_sigma",
            Text::both("Demand noise σ (log)", "需求噪声 σ（对数）"),
            Value::Missing,
            &cal.demand_sigma,
        );
        estimate_row(&mut t, "trend", Text::both("Annual trend", "年度趋势"), Value::Missing, &cal.trend);
        if let Some(e) = &cal.elasticity {
            estimate_row(
                &mut t,
                "elasticity",
                Text::both("Elasticity ε, all slots", "价格弹性 ε（全部）"),
                Value::Missing,
                e,
            );
        }
        for sl in &cal.slots {
            if let Some(e) = &sl.elasticity {
                estimate_row(
                    &mut t,
                    "slot_elasticity",
                    Text::both("Elasticity ε by slot", "价格弹性 ε（按陈列）"),
                    Value::text(sl.slot),
                    e,
                );
            }
            if let Some(e) = &sl.flat_uplift {
                estimate_row(
                    &mut t,
                    "flat_uplift",
                    Text::both("Uplift without a price cut", "无降价促销提升"),
                    Value::text(sl.slot),
                    e,
                );
            }
        }
        if let Some(e) = &cal.post_promo_dip {
            estimate_row(&mut t, "post_promo_dip", Text::both("Post-promotion dip", "促销后回落"), Value::Missing, e);
        }
        if let Some(f) = &cal.fill_rate {
            estimate_row(&mut t, "fill_rate", Text::both("Fill rate", "满足率"), Value::Missing, &f.mean);
        }
        if let Some(f) = &cal.promo_fill_rate {
            estimate_row(
                &mut t,
                "promo_fill_rate",
                Text::both("Fill rate in promotions", "促销期满足率"),
                Value::Missing,
                &f.mean,
            );
        }
        if let Some(e) = &cal.returns_rate {
            estimate_row(&mut t, "returns_rate", Text::both("Returns rate", "退货率"), Value::Missing, e);
        }
        for sku in &cal.skus {
            let label = if sku.per_store {
                Text::both("Baseline units per store per period", "基准销量（每店每期）")
            } else {
                Text::both("Baseline units per period", "基准销量（每期）")
            };
            estimate_row(&mut t, "baseline", label, Value::text(&sku.sku), &sku.baseline);
        }
        doc.blocks.push(t.into());
        // Seasonality.
        let mut t = Table::new(
            "seasonality",
            vec![
                Column::number("month", Text::both("Month", "月份")),
                Column::number("factor", Text::both("Factor", "季节系数")),
                Column::number("raw", Text::both("Unshrunk", "未收缩")),
                Column::number("se", Text::both("Std error", "标准误")),
                Column::number("n", Text::both("n", "样本数")),
                Column::number("weight", Text::both("Weight w", "权重 w")),
            ],
        )
        .titled(Text::both("Seasonality, shrunk towards flat", "季节性（向平坦收缩）"));
        for m in &cal.seasonality {
            t.row(vec![Value::Count(i64::from(m.month)), fx(m.factor), fx(m.raw), opt(m.se), count(m.n), fx(m.weight)]);
        }
        doc.blocks.push(t.into());
        // SKUs and their promotions.
        let mut t = Table::new(
            "sku_promotions",
            vec![
                Column::text("sku", Text::both("SKU", "商品")),
                Column::text("slot", Text::both("Slot", "陈列")),
                Column::number("promotions", Text::both("Promotions with a cut", "降价促销次数")),
                Column::number("raw", Text::both("Own ε", "自身 ε")),
                Column::number("raw_se", Text::both("SE", "标准误")),
                Column::number("elasticity", Text::both("ε used", "采用 ε")),
                Column::number("se", Text::both("SE used", "采用标准误")),
            ],
        )
        .titled(Text::both("Promotion elasticity per SKU (pooled when thin)", "各商品促销弹性（数据少时汇总）"));
        for sku in &cal.skus {
            for sl in &sku.slots {
                t.row(vec![
                    Value::text(&sku.sku),
                    Value::text(sl.slot),
                    count(sl.promotions),
                    opt(sl.raw),
                    fx(sl.elasticity),
                ]);
            }
        }
        if !t.rows.is_empty() {
            doc.blocks.push(
                Section::new("sku_promotions", Text::both("Promotions by SKU", "各商品促销"), vec![t.into()])
                    .collapsed()
                    .into(),
            );
        }
        // Backtest.
        if let Some(b) = &self.backtest {
            let mut kv = KeyValues::new("backtest");
            kv.pair("fit_periods", Text::both("Periods fitted", "拟合期数"), count(b.fit_periods));
            kv.pair("holdout_periods", Text::both("Periods forecast", "预测期数"), count(b.holdout_periods));
            kv.pair("first_holdout", Text::both("First period forecast", "预测首期"), Value::text(&b.first_holdout));
            kv.pair("last_holdout", Text::both("Last period forecast", "预测末期"), Value::text(&b.last_holdout));
            kv.pair("cells", Text::both("SKU-periods compared", "比较的商品期"), count(b.cells));
            kv.pair("mape_units", Text::both("MAPE of units", "销量 MAPE"), fx(b.mape_units));
            kv.pair("mape_total", Text::both("MAPE of the period total", "每期合计 MAPE"), fx(b.mape_total));
            kv.pair("bias", Text::both("Bias (forecast ÷ actual − 1)", "偏差（预测÷实际−1）"), fx(b.bias));
            if let Some(c) = b.coverage_p10_p90 {
                kv.pair(
                    "coverage_p10_p90",
                    Text::both("Actuals inside simulated P10–P90", "实际落在模拟 P10–P90 内"),
                    Value::Probability(c),
                );
            }
            kv.pair(
                "runs",
                Text::both("Scenarios simulated", "模拟情景数"),
                Value::Count(i64::try_from(b.runs).unwrap_or(i64::MAX)),
            );
            kv.pair("seed", Text::both("Seed", "随机种子"), Value::Count(i64::try_from(b.seed).unwrap_or(i64::MAX)));
            let mut block = kv.0;
            block.title = Some(Text::both(
                "Backtest: fit on the first two thirds, forecast the rest",
                "回测：前三分之二拟合，预测其余",
            ));
            doc.blocks.push(crate::document::Block::KeyValues(KeyValues(block)));
        }
        // Files.
        let mut t = Table::new(
            "columns",
            vec![
                Column::text("file", Text::both("File", "文件")),
                Column::text("encoding", Text::both("Encoding", "编码")),
                Column::text("role", Text::both("Role", "用途")),
                Column::text("header", Text::both("Header", "表头")),
                Column::text("column", Text::both("Column", "列")),
            ],
        )
        .titled(Text::both("What was read", "读取内容"));
        for f in &s.files {
            for c in &f.columns {
                t.row(vec![
                    Value::text(&f.file),
                    Value::text(f.encoding),
                    Value::text(c.role.key()),
                    Value::text(&c.header),
                    Value::text(&c.column),
                ]);
            }
        }
        doc.blocks.push(Section::new("files", Text::both("Files", "文件"), vec![t.into()]).collapsed().into());
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("estimates")
    }
}

#[cfg(test)]
mod tests {
    use kasim_actuals::report::{CalibrationReport, Options};
    use kasim_actuals::synthetic::{Spec, contract_toml, generate, to_csv};

    /// Every table cell of the calibration report is in its JSON; CSV is the estimates table.
    #[test]
    fn calibration_report_is_consistent() {
        let dir = std::env::temp_dir().join(format!("kasim-report-calibrate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = Spec { skus: 4, ..Spec::default() };
        let path = dir.join("c.toml");
        std::fs::write(&path, contract_toml(&spec, true)).unwrap();
        let contract = kasim_core::load(&path).unwrap();
        let csv = to_csv(&generate(&spec));
        let h = kasim_actuals::history::from_csv_text(
            std::path::Path::new("s.csv"),
            &csv,
            &kasim_actuals::Mapping::new(),
            contract.calendar.granularity,
        )
        .unwrap();
        let files = [std::path::PathBuf::from("s.csv")];
        let r =
            CalibrationReport::prepare(&path, &contract, &h, &files, &dir, &Options { backtest_runs: 100, seed: 3 })
                .unwrap();
        crate::testing::assert_consistent(&r);
        let text = crate::emit::emit(&r, crate::Format::Csv).unwrap();
        assert!(text.starts_with("\u{feff}parameter,scope,value,se,n\n"), "{text}");
        let table = crate::emit::emit(&r, crate::Format::Table).unwrap();
        assert!(table.contains("Backtest") && table.contains("Seasonality"), "{table}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
