//! `kasim portfolio`: the supplier's KA channel across retailers
//! ([`kasim_montecarlo::portfolio::PortfolioReport`]) as a document.
//!
//! In reading order: the channel's totals (net contribution and fee spend: mean, P5/P50/P95,
//! VaR/CVaR 95%, P(loss)), the retailers (their means, shares, contributions to the
//! portfolio's CVaR — its CSV), diversification, and the lowest-market-price cascade per
//! promotion.

use kasim_montecarlo::Summary;
use kasim_montecarlo::portfolio::PortfolioReport;
use rust_decimal::Decimal;

use crate::Report;
use crate::document::{Column, Document, KeyValues, Table, Text, Value};

fn pct(s: &Summary, q: u32) -> Value {
    s.percentiles.iter().find(|(p, _)| *p == q).map_or(Value::Missing, |(_, v)| Value::Money(*v))
}

/// The totals table: one statistic per row, net contribution and fee spend as columns.
fn totals(r: &PortfolioReport) -> Table {
    let mut t = Table::new(
        "totals",
        vec![
            Column::text("statistic", Text::both("Statistic", "统计量")),
            Column::number("net_contribution", Text::both("Net contribution", "净贡献")),
            Column::number("fees", Text::both("Fee spend", "费用支出")),
        ],
    )
    .titled(Text::both("KA channel totals", "KA 渠道合计"));
    let (nc, fees) = (&r.net_contribution, &r.fees);
    t.row(vec![Value::label("mean", Text::both("Mean", "均值")), Value::Money(nc.mean), Value::Money(fees.mean)]);
    for q in [5u32, 50, 95] {
        t.row(vec![Value::label(format!("p{q}"), Text::en(format!("P{q}"))), pct(nc, q), pct(fees, q)]);
    }
    t.row(vec![
        Value::label("var95", Text::both("VaR 95% (bad tail)", "风险价值 95%")),
        Value::Money(nc.var95),
        Value::Money(fees.var95),
    ]);
    t.row(vec![
        Value::label("cvar95", Text::both("CVaR 95% (mean of worst 5%)", "条件风险价值 95%")),
        Value::Money(nc.cvar95),
        Value::Money(fees.cvar95),
    ]);
    t.row(vec![
        Value::label("p_loss", Text::both("P(loss) = P(< 0)", "亏损概率")),
        nc.p_loss.map_or(Value::Missing, Value::Probability),
        Value::Missing,
    ]);
    t
}

fn retailers(r: &PortfolioReport) -> Table {
    let mut t = Table::new(
        "retailers",
        vec![
            Column::text("id", Text::both("Contract", "合同")),
            Column::text("retailer", Text::both("Retailer", "零售商")),
            Column::number("mean_net_contribution", Text::both("Mean net contribution", "平均净贡献")),
            Column::number("mean_fees", Text::both("Mean fees", "平均费用")),
            Column::number("share_of_total", Text::both("Share of total", "占总额")),
            Column::number("tail_sum", Text::both("Σ in portfolio tail", "组合尾部合计")).detail(),
            Column::number("cvar_contribution", Text::both("Contribution to CVaR 95%", "对CVaR的贡献")),
            Column::number("standalone_cvar95", Text::both("Stand-alone CVaR 95%", "单独CVaR")),
            Column::number("cascade_paid", Text::both("Cascade funding paid here", "最低价补差")),
        ],
    )
    .titled(Text::both("Retailers", "各零售商"));
    for x in &r.retailers {
        t.row(vec![
            Value::text(&x.id),
            Value::text(&x.retailer),
            Value::Money(x.net_contribution.mean),
            Value::Money(x.mean_fees),
            Value::rate(x.share_of_total),
            Value::Money(x.tail_sum),
            Value::Money(x.cvar_contribution),
            Value::Money(x.standalone_cvar95),
            Value::Cost(x.cascade_paid),
        ]);
    }
    t
}

fn cascade(r: &PortfolioReport) -> Table {
    let mut t = Table::new(
        "cascade",
        vec![
            Column::text("chain", Text::both("Promoting chain", "促销零售商")),
            Column::text("sku", Text::both("SKU", "商品")),
            Column::number("period", Text::both("Period", "期间")),
            Column::number("promo_price", Text::both("Promotion price", "促销价")),
            Column::number("own_cost", Text::both("Own price investment", "本店让价")),
            Column::number("cascade_cost", Text::both("Cascade cost elsewhere", "他店最低价补差")),
            Column::number("p_claim", Text::both("P(claim)", "索赔概率")),
        ],
    )
    .titled(Text::both("Lowest-market-price cascade, per promotion", "最低价连锁反应（按促销）"));
    for x in &r.cascade {
        t.row(vec![
            Value::text(&x.chain),
            Value::text(&x.sku),
            Value::Count(x.period as i64),
            Value::UnitPrice(x.promo_price),
            Value::Cost(x.own_cost),
            Value::Cost(x.cascade_cost),
            Value::Probability(x.p_claim),
        ]);
    }
    t
}

impl Report for PortfolioReport {
    fn schema(&self) -> &'static str {
        "kasim.portfolio/1"
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(Text::both(format!("Portfolio: {}", self.name), format!("组合：{}", self.name)));
        let mut kv = KeyValues::new("run");
        kv.pair("runs", Text::both("Scenarios", "情景数"), Value::Count(self.runs as i64));
        kv.pair("seed", Text::both("Seed", "随机种子"), Value::Count(self.seed as i64));
        kv.pair("retailers", Text::both("Retailers", "零售商数"), Value::Count(self.retailers.len() as i64));
        doc.blocks.push(kv.into());
        doc.blocks.push(totals(self).into());
        doc.blocks.push(retailers(self).into());
        let mut d = KeyValues::new("diversification");
        d.pair(
            "tail_scenarios",
            Text::both("Tail scenarios (worst 5%)", "尾部情景数"),
            Value::Count(self.tail.scenarios as i64),
        );
        d.pair("tail_sum", Text::both("Σ net contribution in the tail", "尾部净贡献合计"), Value::Money(self.tail.sum));
        d.pair(
            "standalone_sum",
            Text::both("Σ stand-alone CVaR 95%", "单独CVaR之和"),
            Value::Money(self.diversification.standalone_sum),
        );
        d.pair(
            "portfolio_cvar95",
            Text::both("Portfolio CVaR 95%", "组合CVaR"),
            Value::Money(self.diversification.portfolio_cvar95),
        );
        d.pair(
            "benefit",
            Text::both("Diversification benefit", "分散化收益"),
            Value::Money(self.diversification.benefit),
        );
        doc.blocks.push(d.into());
        if !self.cascade.is_empty() {
            doc.blocks.push(cascade(self).into());
        }
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("retailers")
    }
}

/// The mean cascade cost across the portfolio (Σ over promotions).
pub fn cascade_total(r: &PortfolioReport) -> Decimal {
    r.cascade.iter().map(|c| c.cascade_cost).sum()
}
