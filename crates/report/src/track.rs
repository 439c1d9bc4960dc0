//! `kasim track`: [`kasim_actuals::track::TrackReport`] as a document.
//!
//! In reading order: the headline (closed periods, scenarios, expected fees and contribution),
//! the notes on the actuals, the full-year distribution (totals, then every rule: the CSV
//! table), the exact year-to-date settlement (ledger of the closed periods), the tier
//! watchlist, the accrual schedule (per rule; per period with the cumulative; the change since
//! the previous run), the reconciliation of the deduction statement, and the run-rate
//! conditioning per SKU.

use kasim_actuals::track::TrackReport;
use rust_decimal::Decimal;

use crate::Report;
use crate::document::{Column, Document, KeyValues, Section, Table, Text, Value};

fn count(n: usize) -> Value {
    Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

fn name(en: &str, zh: &str) -> Value {
    Value::Name(Text::both(en, zh))
}

impl Report for TrackReport {
    fn schema(&self) -> &'static str {
        kasim_actuals::track::SCHEMA
    }

    fn csv_table(&self) -> Option<&str> {
        Some("distribution")
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(Text::both(
            format!("Tracking {} ({}): {} of {} periods closed", self.contract, self.year, self.closed, self.periods),
            format!("年度跟踪：{}（{}）：已结算 {}/{} 期", self.contract, self.year, self.closed, self.periods),
        ));
        let mut kv = KeyValues::new("summary");
        kv.pair("closed", Text::both("Closed periods", "已结算期数"), count(self.closed));
        kv.pair("periods", Text::both("Periods of the year", "全年期数"), count(self.periods));
        kv.pair(
            "runs",
            Text::both("Scenarios of the open periods", "未结算期模拟次数"),
            Value::Count(self.runs as i64),
        );
        kv.pair(
            "ytd_fees",
            Text::both("Fees booked to date (exact)", "截至目前已发生费用（精确）"),
            // Positive like the full-year fees beside it (the ledger lines below read as P&L
            // effects, negative).
            Value::Money(self.ytd.fees),
        );
        for d in self.distribution.iter().take(2) {
            kv.pair(
                format!("{}_mean", d.key),
                Text::both(format!("{} expected (full year)", d.label), format!("全年预期{}", d.label_zh)),
                Value::Money(d.mean),
            );
        }
        if let Some(d) = self.distribution.get(1) {
            kv.pair("p_loss", Text::both("P(loss)", "亏损概率"), Value::Probability(d.p_negative));
        }
        kv.pair(
            "expected_total",
            // The rules' means each rounded to the cent, summed: it can differ by cents from
            // the mean of the scenarios' totals above, which is rounded once.
            Text::both("Expected full-year fees, sum of the rules (accruals)", "全年预期费用（各条款之和，计提口径）"),
            Value::Money(self.accruals.expected_total),
        );
        kv.pair(
            "accrued_to_date",
            Text::both("Accrued to date", "截至目前应计提"),
            Value::Money(self.accruals.accrued_to_date),
        );
        doc.blocks.push(kv.into());
        if !self.notes.is_empty() {
            let mut t = Table::new("notes", vec![Column::text("note", Text::both("Note", "说明"))])
                .titled(Text::both("About the actuals", "关于实际数据"));
            for n in &self.notes {
                t.row(vec![Value::text(n)]);
            }
            doc.blocks.push(t.into());
        }
        // Distribution.
        let mut t = Table::new(
            "distribution",
            vec![
                Column::text("key", Text::both("Output", "指标")),
                Column::text("name", Text::both("Name", "名称")),
                Column::number("mean", Text::both("Mean", "均值")),
                Column::number("p10", "P10"),
                Column::number("p50", "P50"),
                Column::number("p90", "P90"),
                Column::number("p_negative", Text::both("P(< 0)", "小于零概率")),
            ],
        )
        .keyed(1)
        .titled(Text::both("Full year: actuals to date + simulated rest", "全年：实际 + 模拟剩余期"));
        for d in &self.distribution {
            t.row(vec![
                Value::text(&d.key),
                name(&d.label, &d.label_zh),
                Value::Money(d.mean),
                Value::Money(d.p10),
                Value::Money(d.p50),
                Value::Money(d.p90),
                Value::Probability(d.p_negative),
            ]);
        }
        doc.blocks.push(t.into());
        // YTD settlement.
        let mut kv = KeyValues::new("ytd");
        kv.pair(
            "gross_invoiced",
            Text::both("Gross invoiced to date", "累计开票销售额"),
            Value::Money(self.ytd.gross_invoiced),
        );
        kv.pair("returns", Text::both("Returns to date", "累计退货"), Value::Money(self.ytd.returns));
        kv.pair("units_sold", Text::both("Units sold to date", "累计销量"), Value::Count(self.ytd.units_sold));
        kv.pair("fees", Text::both("Fees booked to date", "累计费用"), Value::Money(self.ytd.fees));
        let mut lines = Table::new(
            "ytd_ledger",
            vec![
                Column::number("period", Text::both("Period", "期")),
                Column::text("rule", Text::both("Rule", "条款")),
                Column::text("label", Text::both("Fee", "费用")),
                Column::number("amount", Text::both("Amount", "金额")),
                Column::text("formula", Text::both("Formula", "计算")).detail(),
            ],
        );
        for l in &self.ytd.lines {
            lines.row(vec![
                Value::Count(i64::from(l.period)),
                Value::text(&l.rule),
                name(&l.label, &l.label_zh),
                Value::Cost(l.amount),
                Value::text(&l.formula),
            ]);
        }
        doc.blocks.push(
            Section::new(
                "ytd",
                Text::both("Year to date, settled exactly", "年初至今（精确结算）"),
                vec![kv.into(), lines.into()],
            )
            .into(),
        );
        // Watchlist.
        if !self.watchlist.is_empty() {
            let mut t = Table::new(
                "watchlist",
                vec![
                    Column::text("rule", Text::both("Rule", "条款")),
                    Column::text("basis", Text::both("Basis", "基数")),
                    Column::number("ytd_base", Text::both("YTD base", "累计基数")),
                    Column::number("tier", Text::both("Tier", "档位")),
                    Column::number("threshold", Text::both("Threshold", "门槛")),
                    Column::number("still_needed", Text::both("Still needed", "尚需")),
                    Column::number(
                        "still_needed_other",
                        Text::both("Still needed (other measure, plan mix)", "尚需（另一口径）"),
                    ),
                    Column::number("p_reach", Text::both("P(reach)", "达成概率")),
                    Column::number("expected_payout", Text::both("Expected payout", "预期支付")),
                ],
            )
            .titled(Text::both("Tier watchlist", "返利档位跟踪"));
            for w in &self.watchlist {
                if let (Some(floor), Some(p)) = (w.floor, w.p_binds) {
                    t.row(vec![
                        Value::text(&w.rule),
                        Value::text(w.basis),
                        Value::Money(w.ytd_base),
                        Value::Empty,
                        Value::Money(floor),
                        Value::Empty,
                        Value::Empty,
                        Value::Probability(p),
                        Value::Money(w.expected_payout),
                    ]);
                    continue;
                }
                // Sales value reads as money, units as a count; "still needed" in the other
                // measure is the opposite one.
                let value = w.basis == "value";
                type Cell = fn(Decimal) -> Value;
                let (own, other_measure): (Cell, Cell) =
                    if value { (Value::Money, Value::Decimal) } else { (Value::Decimal, Value::Money) };
                for (i, tier) in w.tiers.iter().enumerate() {
                    let other = tier.still_needed_other.map_or(Value::Missing, other_measure);
                    t.row(vec![
                        Value::text(&w.rule),
                        Value::text(w.basis),
                        own(w.ytd_base),
                        count(tier.tier),
                        own(tier.threshold),
                        own(tier.still_needed),
                        other,
                        Value::Probability(tier.p_reach),
                        if i == 0 { Value::Money(w.expected_payout) } else { Value::Empty },
                    ]);
                }
            }
            doc.blocks.push(t.into());
        }
        // Accruals.
        let a = &self.accruals;
        let mut rules = Table::new(
            "accruals",
            vec![
                Column::text("rule", Text::both("Rule", "条款")),
                Column::text("label", Text::both("Fee", "费用")),
                Column::number("expected_full_year", Text::both("Expected full year", "全年预期")),
                Column::number("booked_to_date", Text::both("Booked to date", "已发生")),
                Column::number("accrued_to_date", Text::both("Accrue to date", "应计提至今")),
            ],
        )
        .titled(Text::both("Accruals per rule", "按条款计提"));
        for r in &a.rules {
            rules.row(vec![
                Value::text(&r.rule),
                name(&r.label, &r.label_zh),
                Value::Money(r.expected_full_year),
                Value::Money(r.booked_to_date),
                Value::Money(r.accrued_to_date),
            ]);
        }
        let mut periods = Table::new(
            "accrual_schedule",
            vec![
                Column::number("period", Text::both("Period", "期")),
                Column::text("status", Text::both("Status", "状态")),
                Column::number("base", Text::both("Base (gross invoiced)", "基数（开票额）")),
                Column::number("booked", Text::both("Booked", "已发生")),
                Column::number("accrual", Text::both("Accrual", "计提")),
                Column::number("cumulative", Text::both("Cumulative", "累计计提")),
            ],
        )
        .titled(Text::both("Accrual schedule", "计提计划"));
        for p in &a.periods {
            periods.row(vec![
                count(p.period),
                if p.closed {
                    Value::label("closed", Text::both("closed", "已结算"))
                } else {
                    Value::label("expected", Text::both("expected", "预期"))
                },
                Value::Money(p.base),
                Value::Money(p.booked),
                Value::Money(p.accrual),
                Value::Money(p.cumulative),
            ]);
        }
        let mut blocks = vec![rules.into(), periods.into()];
        if !a.changes.is_empty() {
            let mut t = Table::new(
                "changes",
                vec![
                    Column::text("rule", Text::both("Rule", "条款")),
                    Column::number("expected_before", Text::both("Expected, last run", "上次全年预期")),
                    Column::number("expected_now", Text::both("Expected, now", "本次全年预期")),
                    Column::number("expected_change", Text::both("Change", "变化")),
                    Column::number("accrued_before", Text::both("Accrued, last run", "上次计提")),
                    Column::number("accrued_now", Text::both("Accrued, now", "本次计提")),
                    Column::number("accrued_change", Text::both("Change", "变化")),
                ],
            )
            .titled(Text::both("Changed since the last run", "与上次相比"));
            for c in &a.changes {
                t.row(vec![
                    Value::text(&c.rule),
                    Value::money(c.expected_before),
                    Value::Money(c.expected_now),
                    Value::Money(c.expected_change),
                    Value::money(c.accrued_before),
                    Value::Money(c.accrued_now),
                    Value::Money(c.accrued_change),
                ]);
            }
            blocks.push(t.into());
        }
        doc.blocks.push(Section::new("accruals", Text::both("Accruals", "费用计提"), blocks).into());
        // The schedule per rule and period (files only: periods × rules rows).
        let mut by_rule = Table::new(
            "accrual_by_rule",
            vec![
                Column::number("period", Text::both("Period", "期")),
                Column::text("rule", Text::both("Rule", "条款")),
                Column::number("accrual", Text::both("Accrual", "计提")),
            ],
        );
        for p in &a.periods {
            for r in &a.rules {
                if let Some(&x) = r.per_period.get(p.period - 1) {
                    by_rule.row(vec![count(p.period), Value::text(&r.rule), Value::Money(x)]);
                }
            }
        }
        doc.blocks.push(
            Section::new(
                "accrual_by_rule",
                Text::both("Accruals per period and rule", "按期按条款计提"),
                vec![by_rule.into()],
            )
            .collapsed()
            .files_only()
            .into(),
        );
        // Reconciliation.
        if let Some(rec) = &self.reconciliation {
            let mut kv = KeyValues::new("reconciliation_summary");
            kv.pair("charged", Text::both("Charged on the statement", "对账单扣款合计"), Value::Money(rec.charged));
            kv.pair(
                "due",
                Text::both("Due per the contract (closed periods)", "合同应扣（已结算期）"),
                Value::Money(rec.due),
            );
            let mut t = Table::new(
                "reconciliation",
                vec![
                    Column::text("status", Text::both("Status", "结果")),
                    Column::number("row", Text::both("Row", "行")),
                    Column::text("fee_type", Text::both("Fee type charged", "扣款项目")),
                    Column::text("reference", Text::both("Reference", "单号")),
                    Column::text("rule", Text::both("Rule", "条款")),
                    Column::number("period", Text::both("Period", "期")),
                    Column::number("charged", Text::both("Charged", "扣款")),
                    Column::number("due", Text::both("Due", "应扣")),
                    Column::number("difference", Text::both("Difference", "差额")),
                    Column::text("why", Text::both("Why (per the contract)", "依据")).detail(),
                ],
            );
            for i in &rec.items {
                let (en, zh) = i.status.names();
                t.row(vec![
                    Value::label(en, Text::both(en, zh)),
                    i.row.map_or(Value::Missing, count),
                    i.fee_type.as_ref().map_or(Value::Missing, Value::text),
                    i.reference.as_ref().map_or(Value::Missing, Value::text),
                    i.rule.as_ref().map_or(Value::Missing, Value::text),
                    i.period.map_or(Value::Missing, |p| Value::Count(i64::from(p))),
                    Value::money(i.charged),
                    Value::money(i.due),
                    Value::money(i.difference),
                    Value::text(&i.why),
                ]);
            }
            doc.blocks.push(
                Section::new(
                    "reconciliation",
                    Text::both(format!("Reconciliation of {}", rec.file), format!("对账：{}", rec.file)),
                    vec![kv.into(), t.into()],
                )
                .into(),
            );
        }
        // Conditioning.
        let mut t = Table::new(
            "conditioning",
            vec![
                Column::text("sku", Text::both("SKU", "商品")),
                Column::number("actual_units", Text::both("Units sold to date", "累计实际销量")),
                Column::number("plan_units", Text::both("Planned to date", "累计计划销量")),
                Column::number("factor", Text::both("Run-rate factor (rest of year)", "剩余期调整系数")),
            ],
        )
        .titled(Text::both("Conditioning on the year to date", "按年初至今调整"));
        for c in &self.conditioning {
            t.row(vec![
                Value::text(&c.sku),
                Value::Count(c.actual_units),
                Value::Count(c.plan_units),
                Value::Fixed(c.factor, 4),
            ]);
        }
        doc.blocks.push(
            Section::new("conditioning", Text::both("Conditioning", "条件化"), vec![t.into()]).collapsed().into(),
        );
        doc
    }
}
