//! `kasim portfolio FILE` with `[multi_year]`: the KA channel over several contract years
//! ([`kasim_montecarlo::multiyear::MultiYearReport`]) as a document.
//!
//! In reading order: the run and its parameters, the years (per year the channel's line then
//! each retailer's: mean net contribution, P5/P95, mean fees, slots lost, SKUs delisted, new
//! listings — its CSV), the cumulative discounted contribution (净现值: mean, P5/P50/P95,
//! VaR/CVaR 95%, P(loss)) for the channel and per retailer, and the contract chain (per year
//! and retailer: planned fees, the buyer's target, how it was agreed, the terms that moved,
//! the resources in effect).

use kasim_montecarlo::Summary;
use kasim_montecarlo::multiyear::MultiYearReport;

use crate::Report;
use crate::document::{Column, Document, KeyValues, Table, Text, Value};

fn pct(s: &Summary, q: u32) -> Value {
    s.percentiles.iter().find(|(p, _)| *p == q).map_or(Value::Missing, |(_, v)| Value::Money(*v))
}

fn who(id: &Option<String>) -> Value {
    match id {
        Some(id) => Value::text(id),
        None => Value::label("channel", Text::both("Channel", "渠道合计")),
    }
}

/// A term's value as it is written: rates (`….rate`, `….share`, promotion priority, facings)
/// as percentages, counts (days, promoters, the 0/1 flags) as whole numbers, the rest money —
/// so the table reads `3.50% → 4.00%` and `300,000.00 → 324,000.00`, not raw decimals.
pub(crate) fn term_value(path: &str, v: rust_decimal::Decimal) -> Value {
    use rust_decimal::prelude::ToPrimitive;
    let last = path.rsplit('.').next().unwrap_or(path);
    match last {
        "rate" | "share" | "discount" | "cost_of_capital" | "promotion_priority" | "facings" => Value::Rate(v),
        "days"
        | "payment_priority_days"
        | "promoters"
        | "green_channel"
        | "price_protection"
        | "stores"
        | "regions"
        | "contracted" => v.to_i64().map_or(Value::Decimal(v), Value::Count),
        _ => Value::Money(v),
    }
}

fn years(r: &MultiYearReport) -> Table {
    let mut t = Table::new(
        "years",
        vec![
            Column::number("year", Text::both("Year", "年度")),
            Column::text("id", Text::both("Contract", "合同")),
            Column::text("retailer", Text::both("Retailer", "零售商")),
            Column::number("mean_net_contribution", Text::both("Mean net contribution", "平均净贡献")),
            Column::number("p5", Text::en("P5")),
            Column::number("p95", Text::en("P95")),
            Column::number("mean_fees", Text::both("Mean fees", "平均费用")),
            Column::number("slots_lost", Text::both("Slots lost", "失去档期")),
            Column::number("delisted", Text::both("SKUs delisted", "淘汰单品")),
            Column::number("new_listings", Text::both("New listings", "新品进场")),
        ],
    )
    .titled(Text::both("Year by year", "逐年"));
    for x in &r.years {
        t.row(vec![
            Value::Count(i64::from(x.year)),
            who(&x.id),
            Value::text(&x.retailer),
            Value::Money(x.mean_net_contribution),
            Value::Money(x.p5),
            Value::Money(x.p95),
            Value::Money(x.mean_fees),
            Value::Fixed(x.slots_lost, 2),
            Value::Fixed(x.delisted, 2),
            Value::Fixed(x.new_listings, 2),
        ]);
    }
    t
}

fn cumulative(r: &MultiYearReport) -> Table {
    let mut t = Table::new(
        "cumulative",
        vec![
            Column::text("id", Text::both("Contract", "合同")),
            Column::text("retailer", Text::both("Retailer", "零售商")),
            Column::number("mean", Text::both("Mean", "均值")),
            Column::number("p5", Text::en("P5")),
            Column::number("p50", Text::en("P50")),
            Column::number("p95", Text::en("P95")),
            Column::number("var95", Text::both("VaR 95%", "风险价值 95%")),
            Column::number("cvar95", Text::both("CVaR 95%", "条件风险价值 95%")),
            Column::number("p_loss", Text::both("P(loss)", "亏损概率")),
        ],
    )
    .titled(Text::both("Cumulative discounted contribution (NPV)", "累计贴现净贡献（净现值）"));
    for x in &r.cumulative {
        let s = &x.npv;
        t.row(vec![
            who(&x.id),
            Value::text(&x.retailer),
            Value::Money(s.mean),
            pct(s, 5),
            pct(s, 50),
            pct(s, 95),
            Value::Money(s.var95),
            Value::Money(s.cvar95),
            s.p_loss.map_or(Value::Missing, Value::Probability),
        ]);
    }
    t
}

fn chain(r: &MultiYearReport) -> Table {
    let mut t = Table::new(
        "chain",
        vec![
            Column::number("year", Text::both("Year", "年度")),
            Column::text("id", Text::both("Contract", "合同")),
            Column::number("planned_fees", Text::both("Planned fees", "计划费用")),
            Column::number("buyer_target", Text::both("Buyer's target", "采购目标")),
            Column::text("ending", Text::both("Agreed how", "结果")),
            Column::number("rounds", Text::both("Rounds", "轮次")),
            Column::number("satisfaction", Text::both("Agreed ÷ target", "达成率")),
        ],
    )
    .titled(Text::both("Contract chain (annual renegotiation)", "合同链（年度谈判）"));
    for x in &r.chain {
        t.row(vec![
            Value::Count(i64::from(x.year)),
            Value::text(&x.id),
            Value::Money(x.planned_fees),
            x.buyer_target.map_or(Value::Missing, Value::Money),
            Value::text(&x.ending),
            x.rounds.map_or(Value::Missing, |n| Value::Count(i64::from(n))),
            x.satisfaction.map_or(Value::Missing, Value::Probability),
        ]);
    }
    t
}

fn chain_terms(r: &MultiYearReport) -> Table {
    let mut t = Table::new(
        "chain_terms",
        vec![
            Column::number("year", Text::both("Year", "年度")),
            Column::text("id", Text::both("Contract", "合同")),
            Column::text("path", Text::both("Term", "条款")),
            Column::number("last", Text::both("Last year", "上年")),
            Column::number("asked", Text::both("Asked", "要求")),
            Column::number("agreed", Text::both("Agreed", "达成")),
        ],
    )
    .titled(Text::both("Terms asked and agreed", "条款：要求与达成"));
    for x in &r.chain {
        for l in &x.terms {
            t.row(vec![
                Value::Count(i64::from(x.year)),
                Value::text(&x.id),
                Value::text(&l.path),
                term_value(&l.path, l.last),
                term_value(&l.path, l.asked),
                term_value(&l.path, l.agreed),
            ]);
        }
    }
    t
}

fn resources(r: &MultiYearReport) -> Table {
    let mut t = Table::new(
        "chain_resources",
        vec![
            Column::number("year", Text::both("Year", "年度")),
            Column::text("id", Text::both("Contract", "合同")),
            Column::text("resource", Text::both("Resource", "资源")),
            Column::number("value", Text::both("Level", "水平")),
        ],
    )
    .titled(Text::both("Relationship resources", "零售商资源"));
    for x in &r.chain {
        for (path, v) in &x.resources {
            t.row(vec![Value::Count(i64::from(x.year)), Value::text(&x.id), Value::text(path), term_value(path, *v)]);
        }
    }
    t
}

impl Report for MultiYearReport {
    fn schema(&self) -> &'static str {
        "kasim.multi_year/1"
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(Text::both(
            format!("Multi-year: {} ({} years)", self.name, self.spec.years),
            format!("多年度：{}（{} 年）", self.name, self.spec.years),
        ));
        let mut kv = KeyValues::new("run");
        kv.pair("runs", Text::both("Scenarios", "情景数"), Value::Count(self.runs as i64));
        kv.pair("seed", Text::both("Seed", "随机种子"), Value::Count(self.seed as i64));
        kv.pair("years", Text::both("Years", "年数"), Value::Count(i64::from(self.spec.years)));
        kv.pair("discount_rate", Text::both("Discount rate", "贴现率"), Value::Rate(self.spec.discount_rate.0));
        kv.pair("demand_growth", Text::both("Plan demand growth", "需求增长"), Value::Rate(self.spec.demand_growth.0));
        doc.blocks.push(kv.into());
        doc.blocks.push(years(self).into());
        doc.blocks.push(cumulative(self).into());
        if !self.chain.is_empty() {
            doc.blocks.push(chain(self).into());
        }
        if self.chain.iter().any(|c| !c.terms.is_empty()) {
            doc.blocks.push(chain_terms(self).into());
        }
        if self.chain.iter().any(|c| !c.resources.is_empty()) {
            doc.blocks.push(resources(self).into());
        }
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("years")
    }
}
