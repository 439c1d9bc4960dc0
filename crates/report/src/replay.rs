//! `kasim replay PORTFOLIO --scenario K`: one scenario of a portfolio run
//! ([`kasim_montecarlo::portfolio::ScenarioDetail`]) as a report.
//!
//! In reading order: the chains' totals (its CSV; each equals the scenario's row of
//! `kasim portfolio`), the shared drivers drawn per period (brand demand factor, price war on
//! and its depth), the DC's capacity per period (demanded vs shipped), the lowest-market-price
//! claims (最低价: which promotion at which chain made which chain match which SKU in which
//! period, the gap, the units, the cost), the promotions' costs, then each chain's explained
//! ledger in its own section.

use kasim_core::Contract;
use kasim_montecarlo::portfolio::{CapacityPeriod, ClaimDetail, PromotionCost, ScenarioDetail};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::Report;
use crate::document::{Column, Document, KeyValues, Section, Table, Text, Value};
use crate::evaluate::{Evaluation, ExplainReport};

/// One period's shared drivers in a replayed portfolio scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DriverPeriod {
    /// The period (1-based).
    pub period: usize,
    /// The brand-level demand factor (absent without `[drivers.brand_demand]`).
    pub brand_demand: Option<f64>,
    /// Whether the shared price war is on (absent without `[drivers.price_war]`).
    pub price_war: Option<bool>,
    /// The shared price war's depth drawn (absent when each chain's own depth applies).
    pub war_depth: Option<f64>,
}

/// One chain of a replayed portfolio scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainReplay {
    /// The contract's id in the portfolio.
    pub id: String,
    /// Net contribution, exactly the scenario's row of the portfolio run.
    pub net_contribution: Decimal,
    /// Fees total (trade spend).
    pub fees_total: Decimal,
    /// Net invoiced sales.
    pub net_invoiced: Decimal,
    /// The scenario's settlement at this chain, explained.
    pub explain: ExplainReport,
}

/// `kasim replay PORTFOLIO --scenario K`: one scenario of a portfolio run, explained.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PortfolioReplayReport {
    /// The portfolio's name.
    pub portfolio: String,
    /// The portfolio file.
    pub file: String,
    /// Scenario index (0-based), as in `kasim portfolio`.
    pub scenario: u64,
    /// Master seed of the run.
    pub seed: u64,
    /// Σ of the chains' net contributions: the channel's total in this scenario.
    pub net_contribution: Decimal,
    /// Σ of the chains' fees.
    pub fees_total: Decimal,
    /// The shared drivers per period (empty when the portfolio has none).
    pub drivers: Vec<DriverPeriod>,
    /// The DC's capacity per period (empty without `[drivers.dc_capacity]`).
    pub capacity: Vec<CapacityPeriod>,
    /// The cascade's claims.
    pub claims: Vec<ClaimDetail>,
    /// Σ of the claims' costs.
    pub claims_total: Decimal,
    /// The promotions' costs in this scenario.
    pub promotions: Vec<PromotionCost>,
    /// Per chain, in file order.
    pub chains: Vec<ChainReplay>,
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

impl PortfolioReplayReport {
    /// The report of a replayed scenario: `members` are (file, contract) of each chain, in the
    /// portfolio's order (as `detail.chains`).
    pub fn new(portfolio: &str, file: &str, members: &[(String, &Contract)], detail: ScenarioDetail) -> Self {
        let drivers = if detail.brand_demand.is_none() && detail.war_on.is_none() {
            Vec::new()
        } else {
            (0..detail.periods)
                .map(|p| DriverPeriod {
                    period: p + 1,
                    brand_demand: detail.brand_demand.as_ref().map(|v| v[p]),
                    price_war: detail.war_on.as_ref().map(|v| v[p]),
                    war_depth: detail.war_depth.as_ref().map(|v| v[p]),
                })
                .collect()
        };
        let chains: Vec<ChainReplay> = detail
            .chains
            .into_iter()
            .zip(members)
            .map(|(c, (f, contract))| ChainReplay {
                id: c.id,
                net_contribution: cents(c.row.net_contribution),
                fees_total: cents(c.row.fees_total),
                net_invoiced: cents(c.row.net_invoiced),
                explain: ExplainReport::new(Evaluation::new(f.clone(), contract, c.settlement)),
            })
            .collect();
        PortfolioReplayReport {
            portfolio: portfolio.to_string(),
            file: file.to_string(),
            scenario: detail.scenario,
            seed: detail.seed,
            net_contribution: chains.iter().map(|c| c.net_contribution).sum(),
            fees_total: chains.iter().map(|c| c.fees_total).sum(),
            drivers,
            capacity: detail.capacity.unwrap_or_default(),
            claims_total: detail.claims.iter().map(|c| c.cost).sum(),
            claims: detail.claims,
            promotions: detail.promotions,
            chains,
        }
    }

    fn chains_table(&self) -> Table {
        let mut t = Table::new(
            "chains",
            vec![
                Column::text("id", Text::both("Contract", "合同")),
                Column::text("retailer", Text::both("Retailer", "零售商")),
                Column::number("net_contribution", Text::both("Net contribution", "净贡献")),
                Column::number("fees_total", Text::both("Fees", "费用")),
                Column::number("net_invoiced", Text::both("Net invoiced sales", "净开票销售额")),
            ],
        )
        .titled(Text::both("Chains in this scenario", "本情景各零售商"));
        for c in &self.chains {
            t.row(vec![
                Value::text(&c.id),
                Value::text(&c.explain.retailer),
                Value::Money(c.net_contribution),
                Value::Cost(c.fees_total),
                Value::Money(c.net_invoiced),
            ]);
        }
        t
    }

    fn drivers_table(&self) -> Table {
        let mut t = Table::new(
            "drivers",
            vec![
                Column::number("period", Text::both("Period", "期间")),
                Column::number("brand_demand", Text::both("Brand demand factor", "品牌需求系数")),
                Column::text("price_war", Text::both("Price war", "价格战")),
                Column::number("war_depth", Text::both("War depth", "价格战深度")),
            ],
        )
        .titled(Text::both("Shared drivers drawn", "共同驱动因素"));
        for d in &self.drivers {
            t.row(vec![
                Value::Count(d.period as i64),
                d.brand_demand.map_or(Value::Missing, |x| Value::Fixed(x, 4)),
                d.price_war.map_or(Value::Missing, |w| {
                    Value::label(
                        if w { "yes" } else { "no" },
                        if w { Text::both("yes", "是") } else { Text::both("no", "否") },
                    )
                }),
                d.war_depth.map_or(Value::Missing, Value::Probability),
            ]);
        }
        t
    }

    fn capacity_table(&self) -> Table {
        let mut t = Table::new(
            "capacity",
            vec![
                Column::number("period", Text::both("Period", "期间")),
                Column::number("demanded", Text::both("Units demanded", "需求量")),
                Column::number("capacity", Text::both("DC capacity", "配送中心产能")),
                Column::number("shipped", Text::both("Units shipped", "发货量")),
                Column::number("fill", Text::both("Fill", "满足率")),
            ],
        )
        .titled(Text::both("DC capacity per period", "配送中心产能（按期间）"));
        for c in &self.capacity {
            t.row(vec![
                Value::Count(c.period as i64),
                Value::Count(c.demanded as i64),
                Value::Count(c.capacity as i64),
                Value::Count(c.shipped as i64),
                Value::Probability(c.fill),
            ]);
        }
        t
    }

    fn claims_table(&self) -> Table {
        let mut t = Table::new(
            "claims",
            vec![
                Column::text("promoting_chain", Text::both("Promoting chain", "促销零售商")),
                Column::text("matching_chain", Text::both("Matching chain", "比价零售商")),
                Column::text("sku", Text::both("SKU", "商品")),
                Column::number("period", Text::both("Period", "期间")),
                Column::number("promo_price", Text::both("Promotion price", "促销价")),
                Column::number("price_in_effect", Text::both("Price there", "该店售价")),
                Column::number("gap_before", Text::both("Gap before", "原差价")).detail(),
                Column::number("gap_after", Text::both("Gap matched", "补差价")),
                Column::number("units", Text::both("Units", "销量")),
                Column::number("share", Text::both("Share funded", "承担比例")).detail(),
                Column::number("cost", Text::both("Cost", "成本")),
            ],
        )
        .titled(Text::both("Lowest-market-price claims", "最低价索赔"));
        for c in &self.claims {
            t.row(vec![
                Value::text(&c.promoting_chain),
                Value::text(&c.matching_chain),
                Value::text(&c.sku),
                Value::Count(c.period as i64),
                Value::UnitPrice(c.promo_price),
                Value::UnitPrice(c.price_in_effect),
                Value::UnitPrice(c.gap_before),
                Value::UnitPrice(c.gap_after),
                Value::Count(c.units as i64),
                Value::Rate(c.share),
                Value::Cost(c.cost),
            ]);
        }
        t
    }

    fn promotions_table(&self) -> Table {
        let mut t = Table::new(
            "promotions",
            vec![
                Column::text("chain", Text::both("Chain", "零售商")),
                Column::text("sku", Text::both("SKU", "商品")),
                Column::number("period", Text::both("Period", "期间")),
                Column::number("promo_price", Text::both("Promotion price", "促销价")),
                Column::number("own_cost", Text::both("Own price investment", "本店让价")),
                Column::number("cascade_cost", Text::both("Cascade cost elsewhere", "他店最低价补差")),
            ],
        )
        .titled(Text::both("Promotions in this scenario", "本情景的促销"));
        for p in &self.promotions {
            t.row(vec![
                Value::text(&p.chain),
                Value::text(&p.sku),
                Value::Count(p.period as i64),
                Value::UnitPrice(p.promo_price),
                Value::Cost(p.own_cost),
                Value::Cost(p.cascade_cost),
            ]);
        }
        t
    }
}

impl Report for PortfolioReplayReport {
    fn schema(&self) -> &'static str {
        "kasim.portfolio-replay/1"
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(Text::both(
            format!("Scenario {} of seed {}: {}", self.scenario, self.seed, self.portfolio),
            format!("情景 {}（种子 {}）：{}", self.scenario, self.seed, self.portfolio),
        ));
        let mut kv = KeyValues::new("totals");
        kv.pair(
            "net_contribution",
            Text::both("Channel net contribution", "渠道净贡献"),
            Value::Money(self.net_contribution),
        );
        kv.pair("fees_total", Text::both("Channel fees", "渠道费用"), Value::Cost(self.fees_total));
        kv.pair("claims_total", Text::both("Lowest-price claims", "最低价补差合计"), Value::Cost(self.claims_total));
        doc.blocks.push(kv.into());
        doc.blocks.push(self.chains_table().into());
        if !self.drivers.is_empty() {
            doc.blocks.push(self.drivers_table().into());
        }
        if !self.capacity.is_empty() {
            doc.blocks.push(self.capacity_table().into());
        }
        if !self.claims.is_empty() {
            doc.blocks.push(self.claims_table().into());
        }
        if !self.promotions.is_empty() {
            doc.blocks.push(self.promotions_table().into());
        }
        for c in &self.chains {
            let title = Text::both(
                format!("{} — {}: ledger of the scenario", c.id, c.explain.retailer),
                format!("{} — {}：本情景台账", c.id, c.explain.retailer),
            );
            doc.blocks.push(Section::new(c.id.clone(), title, c.explain.blocks()).collapsed().into());
        }
        doc.notes.push(Text::both(
            "Each chain's totals are its row of `kasim portfolio` at this seed and scenario, exactly.",
            "各零售商合计与同一种子、同一情景的 `kasim portfolio` 结果完全一致。",
        ));
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("chains")
    }
}
