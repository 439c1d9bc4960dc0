//! How the simulation reports of `kasim-montecarlo` read: `simulate`, `compare`,
//! `sensitivity` and `goal-seek`.

use kasim_core::money::format_money;
use kasim_montecarlo::Summary;
use kasim_montecarlo::analysis::{InputSource, InputUnit, Side};
use kasim_montecarlo::report::{
    Comparison, GoalSeekReport, Histogram, OUTPUTS, Sensitivity, Simulation, TermUnit, Unit,
};
use kasim_montecarlo::stats::{Better, PERCENTILES};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::Report;
use crate::chart::ChartOptions;
use crate::document::{Chart, ChartKind, Column, Document, KeyValues, Marker, Series, Table, Text, TornadoBar, Value};
use crate::emit::table::MoneyUnit;

fn count(n: u64) -> String {
    format_money(Decimal::from(n), 0)
}

/// A decimal of an output in its unit.
fn of(d: Decimal, unit: Unit) -> Value {
    match unit {
        Unit::Currency => Value::Money(d),
        Unit::Percent => Value::Points(d),
        Unit::CurrencyPerUnit => Value::UnitPrice(d),
    }
}

/// A measured `f64` (standard deviation) of an output in its unit.
fn of_f64(x: f64, unit: Unit) -> Value {
    match unit {
        Unit::Currency => Value::Number(x),
        Unit::Percent => Value::Percent(x),
        // A price per unit: not an amount `--unit wan` scales.
        Unit::CurrencyPerUnit => Value::Fixed(x, 2),
    }
}

/// The rows of a summary table: one statistic per row, one column per summary.
fn summary_rows(t: &mut Table, summaries: &[(&Summary, Unit)]) {
    let mut row = |key: &str, label: Text, f: &dyn Fn(&Summary, Unit) -> Value| {
        let mut r = vec![Value::label(key, label)];
        r.extend(summaries.iter().map(|(s, u)| f(s, *u)));
        t.row(r);
    };
    row("mean", Text::both("Mean", "均值"), &|s, u| of(s.mean, u));
    row("sd", Text::both("Std deviation", "标准差"), &|s, u| of_f64(s.sd, u));
    row("std_error", Text::en("Std error of mean"), &|s, u| of_f64(s.std_error, u));
    row("min", Text::en("Min"), &|s, u| of(s.min, u));
    for (i, q) in PERCENTILES.iter().enumerate() {
        row(&format!("p{q}"), Text::en(format!("P{q}")), &|s, u| {
            s.percentiles.get(i).map_or(Value::Missing, |p| of(p.1, u))
        });
    }
    row("max", Text::en("Max"), &|s, u| of(s.max, u));
    // Risk in each output's bad tail: the low one, or the high one for a cost.
    let costs = summaries.iter().any(|(s, _)| s.better == Better::Lower);
    let (var, cvar) = if costs {
        ("VaR 95% (bad tail)", "CVaR 95% (mean of worst 5%)")
    } else {
        ("VaR 95% (P5)", "CVaR 95% (mean of worst 5%)")
    };
    row("var95", Text::both(var, "风险价值 95%"), &|s, u| of(s.var95, u));
    row("cvar95", Text::both(cvar, "条件风险价值 95%"), &|s, u| of(s.cvar95, u));
    // P(loss) only where a value below zero is a loss.
    if summaries.iter().any(|(s, _)| s.p_loss.is_some()) {
        row("p_loss", Text::both("P(loss) = P(< 0)", "亏损概率"), &|s, _| {
            s.p_loss.map_or(Value::Missing, Value::Probability)
        });
    }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// One contract's distribution of net contribution, as the charts draw it.
pub struct Distribution<'a> {
    /// The legend's name (the contract).
    pub name: Text,
    /// The histogram (common edges across contracts).
    pub histogram: &'a Histogram,
    /// Net contribution at 0%, 1%, …, 100%.
    pub s_curve: &'a [Decimal],
    /// The mean and P5 (value at risk), marked on the charts.
    pub mean: Decimal,
    /// P5.
    pub p5: Decimal,
}

/// The mean and P5 markers of each distribution (named by contract when there are several;
/// only the means beyond two contracts).
fn distribution_markers(list: &[Distribution<'_>]) -> Vec<Marker> {
    let mut out = Vec::new();
    for d in list {
        let (mean, p5) = if list.len() > 1 {
            let n = &d.name.en;
            (Text::both(format!("{n} mean"), format!("{n} 均值")), Text::en(format!("{n} P5")))
        } else {
            (Text::both("mean", "均值"), Text::both("P5 (VaR 95%)", "风险价值 95%"))
        };
        out.push(Marker { label: mean, value: f(d.mean) });
        // Beyond two contracts, only the means: the table has the P5s, the chart stays legible.
        if list.len() <= 2 {
            out.push(Marker { label: p5, value: f(d.p5) });
        }
    }
    out
}

/// The two charts of net contribution: the histograms overlaid on their common edges and the
/// S-curves, zero, the mean and P5 marked, the axis in `currency`.
pub fn distribution_charts(title: &Text, currency: &str, list: &[Distribution<'_>]) -> [Chart; 2] {
    let axis = Text::both("net contribution", "净贡献");
    let edges = list.first().map_or_else(Vec::new, |d| d.histogram.edges.iter().map(|e| f(*e)).collect());
    let histogram = Chart {
        id: "histogram".into(),
        title: Text::both(
            format!("{} — distribution of net contribution", title.en),
            format!("{} — 净贡献分布", title.zh.as_deref().unwrap_or(&title.en)),
        ),
        value_axis: axis.clone(),
        other_axis: Text::both("scenarios", "情景数"),
        currency: Some(currency.to_string()),
        kind: ChartKind::Histogram {
            edges,
            series: list.iter().map(|d| Series { name: d.name.clone(), points: d.histogram.counts.clone() }).collect(),
        },
        markers: distribution_markers(list),
    };
    let curves = Chart {
        id: "s-curve".into(),
        title: Text::both(
            format!("{} — S-curve of net contribution", title.en),
            format!("{} — 净贡献累计概率曲线", title.zh.as_deref().unwrap_or(&title.en)),
        ),
        value_axis: axis,
        other_axis: Text::both("cumulative probability", "累计概率"),
        currency: Some(currency.to_string()),
        kind: ChartKind::Curves {
            series: list
                .iter()
                .map(|d| {
                    let last = d.s_curve.len().saturating_sub(1).max(1) as f64;
                    Series {
                        name: d.name.clone(),
                        points: d.s_curve.iter().enumerate().map(|(i, v)| (f(*v), i as f64 / last)).collect(),
                    }
                })
                .collect(),
        },
        markers: distribution_markers(list),
    };
    [histogram, curves]
}

/// The P5 of a summary (its 5th percentile).
fn p5(s: &Summary) -> Decimal {
    s.percentiles.iter().find(|p| p.0 == 5).map_or(s.var95, |p| p.1)
}

/// The histogram and the S-curve of a simulation's net contribution.
pub fn simulation_charts(s: &Simulation) -> [Chart; 2] {
    let summary = &s.outputs[0].summary;
    let d = Distribution {
        name: Text::en(&s.contract),
        histogram: &s.net_contribution_histogram,
        s_curve: &s.net_contribution_s_curve,
        mean: summary.mean,
        p5: p5(summary),
    };
    distribution_charts(&Text::en(&s.contract), &s.currency, &[d])
}

/// Every compared contract's distribution of net contribution overlaid (common edges), and
/// the S-curves.
pub fn comparison_charts(cmp: &Comparison) -> [Chart; 2] {
    let list: Vec<Distribution<'_>> = cmp
        .contracts
        .iter()
        .map(|c| Distribution {
            name: Text::en(&c.contract),
            histogram: &c.net_contribution_histogram,
            s_curve: &c.net_contribution_s_curve,
            mean: c.net_contribution.mean,
            p5: p5(&c.net_contribution),
        })
        .collect();
    let currency = cmp.contracts.first().map_or("CNY", |c| c.currency.as_str());
    distribution_charts(&Text::both("Contracts compared", "合同比较"), currency, &list)
}

/// The tornado of a sensitivity run: each input at its low and high end, around the base.
pub fn tornado_chart(s: &Sensitivity) -> Chart {
    let t = &s.tornado;
    Chart {
        id: "tornado".into(),
        title: Text::both(
            format!("{} — {} net contribution, {} scenarios per variant", s.contract, t.stat, count(s.runs)),
            format!("{} — 净贡献 {}", s.contract, t.stat),
        ),
        value_axis: Text::both(format!("{} net contribution", t.stat), format!("净贡献 {}", t.stat)),
        other_axis: Text::en(""),
        currency: Some(s.currency.clone()),
        kind: ChartKind::Tornado {
            base: f(t.base),
            bars: t
                .bars
                .iter()
                .map(|b| TornadoBar { label: Text::en(&b.input.name), low: f(b.at_low), high: f(b.at_high) })
                .collect(),
            legend: (
                Text::both("input at its low value", "输入取低值"),
                Text::both("input at its high value", "输入取高值"),
            ),
        },
        markers: Vec::new(),
    }
}

impl Report for Simulation {
    fn schema(&self) -> &'static str {
        "kasim.simulate/2"
    }

    fn document(&self) -> Document {
        let mut columns = vec![Column::text("statistic", Text::both("Statistic", "统计量"))];
        columns.extend(OUTPUTS.iter().map(|o| Column::number(o.key, Text::both(o.en, o.zh))));
        let mut t = Table::new("summary", columns);
        let pairs: Vec<(&Summary, Unit)> = self.outputs.iter().map(|o| (&o.summary, o.unit)).collect();
        summary_rows(&mut t, &pairs);
        if let (Some(p), Some(th)) = (self.p_net_contribution_below_threshold, self.threshold) {
            t.row(vec![
                Value::label("p_below_threshold", Text::en(format!("P(net contribution < {})", format_money(th, 2)))),
                Value::Probability(p),
            ]);
        }
        let stopped = if self.runs < self.requested_runs { " (standard error within --tolerance)" } else { "" };
        let mut doc = Document::new(format!(
            "{} — {} — {} scenarios{stopped}, seed {}",
            self.contract,
            self.retailer,
            count(self.runs),
            self.seed
        ));
        doc.blocks.push(t.into());
        doc.blocks.extend(simulation_charts(self).map(Into::into));
        doc.notes.push(Text::both(
            "Risk rows read each output's bad tail: VaR 95% is P5 where higher is better and P95 for \
             costs (fees, fee ratio); CVaR 95% is the mean of the worst 5% of scenarios (the highest \
             fees). P(loss) is shown where a value below zero is a loss.",
            "风险行按各指标的不利尾部计算：收益类取 P5，费用类（费用、费用率）取 P95；CVaR 为最差 5% 情景的均值。",
        ));
        doc.notes.push(Text::en(format!(
            "Same seed, same results at any thread count. Replay any scenario:\n  kasim replay {} --seed {} --scenario K",
            self.file, self.seed
        )));
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("summary")
    }
}

impl Report for Comparison {
    fn schema(&self) -> &'static str {
        "kasim.compare/2"
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(format!(
            "{} contracts × {} scenarios, seed {}, common random numbers (scenario k sees the same draws in every contract)",
            self.contracts.len(),
            count(self.runs),
            self.seed
        ));
        let mut columns = vec![Column::text("statistic", Text::both("Statistic", "统计量"))];
        columns.extend(self.contracts.iter().map(|c| Column::number(c.contract.clone(), c.contract.clone())));
        let mut t = Table::new("net_contribution", columns).titled(Text::both("Net contribution", "净贡献"));
        let pairs: Vec<(&Summary, Unit)> =
            self.contracts.iter().map(|c| (&c.net_contribution, Unit::Currency)).collect();
        summary_rows(&mut t, &pairs);
        doc.blocks.push(t.into());
        doc.blocks.extend(comparison_charts(self).map(Into::into));

        let mut d = Table::new(
            "differences",
            vec![
                Column::text("a", "A"),
                Column::text("b", "B"),
                Column::number("mean", "Mean"),
                Column::number("sd", "SD"),
                Column::number("p5", "P5"),
                Column::number("p50", "P50"),
                Column::number("p95", "P95"),
                Column::number("p_a_beats_b", "P(A beats B)"),
            ],
        )
        .titled(Text::both("Differences A − B, scenario by scenario", "逐情景差异"));
        for x in &self.differences {
            let p = |q: u32| {
                x.difference.percentiles.iter().find(|p| p.0 == q).map_or(Value::Missing, |p| Value::Money(p.1))
            };
            d.row(vec![
                Value::text(&x.a),
                Value::text(&x.b),
                Value::Money(x.difference.mean),
                Value::Number(x.difference.sd),
                p(5),
                p(50),
                p(95),
                Value::Probability(x.p_a_beats_b),
            ]);
        }
        doc.blocks.push(d.into());

        let mut r = Table::new(
            "ranking",
            vec![
                Column::text("rank", "#"),
                Column::text("contract", "Contract"),
                Column::text("retailer", "Retailer"),
                Column::number("mean", "Mean contribution"),
                Column::number("p5", "P5"),
                Column::number("fee_ratio", "Fee ratio (mean)"),
                Column::number("net_net_price", "Net-net price (mean)"),
                Column::number("per_store", "Per store"),
                Column::number("per_sku", "Per SKU"),
            ],
        )
        .titled(Text::both("Ranking by mean net contribution", "排名"));
        for (rank, c) in self.ranked().enumerate() {
            let n = (rank + 1).to_string();
            r.row(vec![
                Value::label(n.clone(), n),
                Value::text(&c.contract),
                Value::text(&c.retailer),
                Value::Money(c.net_contribution.mean),
                Value::Money(c.net_contribution.var95),
                of(c.fee_ratio_percent.mean, Unit::Percent),
                Value::UnitPrice(c.net_net_price.mean),
                Value::Money(c.contribution_per_store),
                Value::Money(c.contribution_per_sku),
            ]);
        }
        doc.blocks.push(r.into());
        doc
    }
}

impl Report for Sensitivity {
    fn schema(&self) -> &'static str {
        "kasim.sensitivity/1"
    }

    fn document(&self) -> Document {
        let t = &self.tornado;
        let mut doc = Document::new(format!(
            "{} — sensitivity of {} net contribution ({} scenarios per variant, seed {}, common random numbers)",
            self.contract,
            t.stat,
            count(self.runs),
            self.seed
        ));
        doc.subtitle.push(Text::en(format!("Base: {}", format_money(t.base, 2))));
        let mut bars = Table::new(
            "tornado",
            vec![
                Column::text("input", "Input"),
                Column::text("source", "Source"),
                Column::number("low", "Low"),
                Column::number("high", "High"),
                Column::number("at_low", "At low"),
                Column::number("at_high", "At high"),
                Column::number("swing", "Swing"),
            ],
        );
        for b in &t.bars {
            let value = |d: Decimal| match b.input.unit {
                InputUnit::Rate => Value::Rate(d),
                InputUnit::Money => Value::Money(d),
                InputUnit::Count => {
                    d.to_i64().filter(|n| Decimal::from(*n) == d).map_or(Value::Decimal(d), Value::Count)
                }
                InputUnit::Multiplier => Value::Decimal(d),
            };
            let source = match b.input.source {
                InputSource::Uncertainty => "uncertainty",
                InputSource::Term => "term",
                InputSource::Negotiation => "negotiation",
            };
            bars.row(vec![
                Value::text(&b.input.name),
                Value::text(source),
                value(b.input.low),
                value(b.input.high),
                Value::Money(b.at_low),
                Value::Money(b.at_high),
                Value::Money(b.swing),
            ]);
        }
        doc.blocks.push(bars.into());
        doc.blocks.push(tornado_chart(self).into());
        if !self.rank_correlations.is_empty() {
            let mut c = Table::new(
                "rank_correlations",
                vec![Column::text("input", "Per-scenario input"), Column::number("rho", "ρ")],
            )
            .titled(Text::both("Rank correlation with net contribution (Spearman)", "秩相关"));
            for (name, rho) in &self.rank_correlations {
                c.row(vec![Value::text(name), Value::Correlation(*rho)]);
            }
            doc.blocks.push(c.into());
        }
        doc
    }
}

impl Report for GoalSeekReport {
    fn schema(&self) -> &'static str {
        "kasim.goal-seek/1"
    }

    fn document(&self) -> Document {
        let g = &self.result;
        let term_value = |d: Decimal| match self.unit {
            TermUnit::Money => Value::Money(d),
            TermUnit::Rate => Value::Rate(d),
            TermUnit::Count => d.to_i64().map_or(Value::Decimal(d), Value::Count),
        };
        let mut doc = Document::new(format!(
            "{} — goal seek on {} ({} scenarios per evaluation, seed {})",
            self.contract,
            g.term,
            count(self.runs),
            self.seed
        ));
        let mut kv = KeyValues::new("goal_seek");
        kv.pair("term", Text::both("Term", "条款"), Value::text(&g.term));
        kv.pair("stat", Text::both("Statistic of net contribution", "净贡献统计量"), Value::text(g.stat.to_string()));
        kv.pair("target", Text::both("Target", "目标"), Value::Money(g.target));
        if let (Some(side), Some(continuous)) = (g.side, g.continuous) {
            kv.pair("value", Text::both("Whole value reaching target", "达标整数值"), term_value(g.value));
            kv.pair(
                "continuous",
                Text::both("Continuous solution (interpolated)", "连续解（插值）"),
                Value::Decimal(continuous),
            );
            let side_text = match side {
                Side::At => "at",
                Side::Below => "below",
                Side::Above => "above",
            };
            kv.pair("side", Text::both("Whole value lies", "整数值位于"), Value::text(side_text));
            doc.notes.push(Text::en(match side {
                Side::At => format!("{} is a whole number: the statistic reaches the target exactly at {}.", g.term, g.value),
                Side::Below => format!(
                    "{} is a whole number: {} is the largest value below the continuous solution {} whose statistic reaches the target; {} misses it.",
                    g.term, g.value, continuous, g.value + Decimal::ONE
                ),
                Side::Above => format!(
                    "{} is a whole number: {} is the smallest value above the continuous solution {} whose statistic reaches the target; {} misses it.",
                    g.term, g.value, continuous, g.value - Decimal::ONE
                ),
            }));
        } else {
            kv.pair("value", Text::both("Value found", "求得值"), term_value(g.value));
        }
        kv.pair("achieved", Text::both("Statistic there", "该值下的统计量"), Value::Money(g.achieved));
        kv.pair("current", Text::both("Current value", "当前值"), term_value(self.current));
        kv.pair("evaluations", Text::both("Evaluations", "模拟次数"), Value::Count(i64::from(g.evaluations)));
        doc.blocks.push(kv.into());
        doc
    }
}

/// The files `simulate --out` writes: per-scenario results (`scenarios.csv`) and the two
/// charts of net contribution (`histogram.svg`, `s-curve.svg`).
///
/// # Errors
///
/// [`Error::Csv`](crate::Error::Csv) when the CSV writer fails,
/// [`Error::Chart`](crate::Error::Chart) when a chart cannot be drawn.
pub fn scenario_files(
    contract: &str,
    currency: &str,
    lang: crate::Lang,
    r: &kasim_montecarlo::Results,
) -> Result<Vec<(&'static str, Vec<u8>)>, crate::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scenario",
        "net_contribution",
        "fees_total",
        "net_invoiced",
        "fee_ratio_percent",
        "retailer_margin",
        "net_net_price",
    ])?;
    for (k, row) in r.rows.iter().enumerate() {
        w.write_record([
            k.to_string(),
            Decimal::new(row.net_contribution, 2).to_string(),
            Decimal::new(row.fees_total, 2).to_string(),
            Decimal::new(row.net_invoiced, 2).to_string(),
            Decimal::new(row.fee_ratio, 2).to_string(),
            Decimal::new(row.retailer_margin, 2).to_string(),
            Decimal::new(row.net_net_price, 2).to_string(),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| crate::Error::Csv(e.into_error().into()))?;
    let mut csv_bytes = crate::emit::csv::BOM.as_bytes().to_vec();
    csv_bytes.extend(bytes);
    let v = kasim_montecarlo::report::sorted(r, |x| x.net_contribution);
    let summary = kasim_montecarlo::Summary::of_sorted_cents(&v);
    let histogram = Histogram::common(&[&v]).remove(0);
    let curve = kasim_montecarlo::report::s_curve(&v);
    let d = Distribution {
        name: Text::en(contract),
        histogram: &histogram,
        s_curve: &curve,
        mean: summary.mean,
        p5: p5(&summary),
    };
    let title = Text::both(
        format!("{contract}, {} scenarios", count(r.rows.len() as u64)),
        format!("{contract}，{} 个情景", count(r.rows.len() as u64)),
    );
    let options = ChartOptions::new(lang, MoneyUnit::Yuan);
    let [h, c] = distribution_charts(&title, currency, &[d]);
    Ok(vec![
        ("scenarios.csv", csv_bytes),
        ("histogram.svg", crate::chart::svg(&h, &options)?.into_bytes()),
        ("s-curve.svg", crate::chart::svg(&c, &options)?.into_bytes()),
    ])
}

/// The tornado chart `sensitivity --out` writes (`tornado.svg`), amounts in the contract's
/// currency.
///
/// # Errors
///
/// [`Error::Chart`](crate::Error::Chart) when the chart cannot be drawn.
pub fn tornado_svg(s: &Sensitivity, lang: crate::Lang) -> Result<String, crate::Error> {
    crate::chart::svg(&tornado_chart(s), &ChartOptions::new(lang, MoneyUnit::Yuan))
}
