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

/// One chain's carried state entering a year of a replayed multi-year scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CarriedChain {
    /// The contract's id.
    pub id: String,
    /// Per SKU line: slots owed, strength, generation, new listing, first selling period.
    pub skus: Vec<kasim_montecarlo::multiyear::CarriedSku>,
    /// What the state did this year.
    pub counts: kasim_montecarlo::multiyear::Counts,
}

/// One year of `kasim replay PORTFOLIO --scenario K` on a portfolio with `[multi_year]`.
#[derive(Clone, Debug, Serialize)]
pub struct YearReplay {
    /// The year (1-based).
    pub year: u32,
    /// The year's seed.
    pub seed: u64,
    /// The channel's net contribution this year (Σ of the chains').
    pub net_contribution: Decimal,
    /// The channel's fees this year.
    pub fees_total: Decimal,
    /// That year's contract per retailer (the chain's record: planned fees, the terms changed).
    pub contracts: Vec<kasim_montecarlo::multiyear::ContractYear>,
    /// The state each chain carries into the year.
    pub carried: Vec<CarriedChain>,
    /// The shared drivers per period (empty without shared drivers).
    pub drivers: Vec<DriverPeriod>,
    /// The DC's capacity per period (empty without one).
    pub capacity: Vec<CapacityPeriod>,
    /// Per chain: the year's totals and explained ledger.
    pub chains: Vec<ChainReplay>,
}

/// `kasim replay PORTFOLIO --scenario K` on a portfolio with `[multi_year]`: every year of
/// scenario K ([`kasim_montecarlo::multiyear::MultiYearModel::scenario_detail`]).
#[derive(Clone, Debug, Serialize)]
pub struct MultiYearReplayReport {
    /// The portfolio's name.
    pub portfolio: String,
    /// The portfolio file.
    pub file: String,
    /// Scenario index (0-based).
    pub scenario: u64,
    /// Master seed.
    pub seed: u64,
    /// Years, year 1 first.
    pub years: Vec<YearReplay>,
}

impl MultiYearReplayReport {
    /// The report of a replayed multi-year scenario: `chain` is the contract chain (per year,
    /// per member, the year's contract), `records` the chain's records, `files` the members'
    /// files.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        portfolio: &str,
        file: &str,
        scenario: u64,
        seed: u64,
        files: &[String],
        chain: &[Vec<Contract>],
        records: &[kasim_montecarlo::multiyear::ContractYear],
        detail: Vec<kasim_montecarlo::multiyear::YearDetail>,
    ) -> Self {
        let years = detail
            .into_iter()
            .zip(chain)
            .map(|(d, contracts)| {
                let drivers = if d.brand_demand.is_none() && d.war_on.is_none() {
                    Vec::new()
                } else {
                    (0..d.periods)
                        .map(|p| DriverPeriod {
                            period: p + 1,
                            brand_demand: d.brand_demand.as_ref().map(|v| v[p]),
                            price_war: d.war_on.as_ref().map(|v| v[p]),
                            war_depth: d.war_depth.as_ref().map(|v| v[p]),
                        })
                        .collect()
                };
                let carried = d
                    .chains
                    .iter()
                    .map(|c| CarriedChain { id: c.id.clone(), skus: c.carried.clone(), counts: c.counts })
                    .collect();
                let chains: Vec<ChainReplay> = d
                    .chains
                    .into_iter()
                    .zip(contracts.iter().zip(files))
                    .map(|(c, (contract, f))| ChainReplay {
                        id: c.id,
                        net_contribution: cents(c.row.net_contribution),
                        fees_total: cents(c.row.fees_total),
                        net_invoiced: cents(c.row.net_invoiced),
                        explain: ExplainReport::new(Evaluation::new(f.clone(), contract, c.settlement)),
                    })
                    .collect();
                YearReplay {
                    year: d.year,
                    seed: d.seed,
                    net_contribution: chains.iter().map(|c| c.net_contribution).sum(),
                    fees_total: chains.iter().map(|c| c.fees_total).sum(),
                    contracts: records.iter().filter(|r| r.year == d.year).cloned().collect(),
                    carried,
                    drivers,
                    capacity: d.capacity.unwrap_or_default(),
                    chains,
                }
            })
            .collect();
        MultiYearReplayReport { portfolio: portfolio.to_string(), file: file.to_string(), scenario, seed, years }
    }

    fn chains_table(&self) -> Table {
        let mut t = Table::new(
            "chains",
            vec![
                Column::number("year", Text::both("Year", "年")),
                Column::text("id", Text::both("Contract", "合同")),
                Column::text("retailer", Text::both("Retailer", "零售商")),
                Column::number("net_contribution", Text::both("Net contribution", "净贡献")),
                Column::number("fees_total", Text::both("Fees", "费用")),
                Column::number("net_invoiced", Text::both("Net invoiced sales", "净开票销售额")),
                Column::number("slots_lost", Text::both("Slots lost", "档期损失")),
                Column::number("delisted", Text::both("Delisted at year end", "年末淘汰")),
                Column::number("listed", Text::both("New listings", "新品进场")),
            ],
        )
        .keyed(2)
        .titled(Text::both("Chains per year in this scenario", "本情景各年各零售商"));
        for y in &self.years {
            for (c, k) in y.chains.iter().zip(&y.carried) {
                t.row(vec![
                    Value::Count(i64::from(y.year)),
                    Value::text(&c.id),
                    Value::text(&c.explain.retailer),
                    Value::Money(c.net_contribution),
                    Value::Cost(c.fees_total),
                    Value::Money(c.net_invoiced),
                    Value::Count(i64::from(k.counts.slots_lost)),
                    Value::Count(i64::from(k.counts.delisted)),
                    Value::Count(i64::from(k.counts.listed)),
                ]);
            }
        }
        t
    }

    fn year_blocks(&self, y: &YearReplay) -> Vec<crate::document::Block> {
        let mut blocks: Vec<crate::document::Block> = Vec::new();
        let mut kv = KeyValues::new(format!("totals_{}", y.year));
        kv.pair(
            "net_contribution",
            Text::both("Channel net contribution", "渠道净贡献"),
            Value::Money(y.net_contribution),
        );
        kv.pair("fees_total", Text::both("Channel fees", "渠道费用"), Value::Cost(y.fees_total));
        kv.pair("seed", Text::both("Year's seed", "本年种子"), Value::text(y.seed.to_string()));
        blocks.push(kv.into());
        let mut terms = Table::new(
            format!("contracts_{}", y.year),
            vec![
                Column::text("id", Text::both("Contract", "合同")),
                Column::number("planned_fees", Text::both("Planned fees", "计划费用")),
                Column::text("ending", Text::both("How agreed", "谈判结果")),
                Column::text("term", Text::both("Term changed", "变更条款")),
                Column::number("last", Text::both("Last year", "上年")),
                Column::number("asked", Text::both("Asked", "买方要求")),
                Column::number("agreed", Text::both("Agreed", "约定")),
            ],
        )
        .keyed(1)
        .titled(Text::both("This year's contract terms per retailer", "本年各零售商合同条款"));
        for r in &y.contracts {
            let head = [Value::text(&r.id), Value::Cost(r.planned_fees), Value::text(&r.ending)];
            if r.terms.is_empty() {
                let mut row = head.to_vec();
                row.extend([Value::Missing, Value::Missing, Value::Missing, Value::Missing]);
                terms.row(row);
            }
            for t in &r.terms {
                let mut row = head.to_vec();
                row.extend([
                    Value::text(&t.path),
                    Value::Decimal(t.last),
                    Value::Decimal(t.asked),
                    Value::Decimal(t.agreed),
                ]);
                terms.row(row);
            }
        }
        blocks.push(terms.into());
        let mut st = Table::new(
            format!("carried_{}", y.year),
            vec![
                Column::text("id", Text::both("Contract", "合同")),
                Column::text("sku", Text::both("SKU line", "单品")),
                Column::number("slots_owed", Text::both("Slots withheld", "扣减档期")),
                Column::number("strength", Text::both("Item strength", "单品强度")),
                Column::number("generation", Text::both("Generation", "代数")),
                Column::text("new_listing", Text::both("New listing", "新品")),
                Column::text("delisted", Text::both("Delisted", "已淘汰")),
                Column::number("first_period", Text::both("First selling period", "首个销售期")),
            ],
        )
        .keyed(2)
        .titled(Text::both("State carried into the year", "带入本年的状态"));
        let yes = |b: bool| {
            Value::label(if b { "yes" } else { "no" }, if b { Text::both("yes", "是") } else { Text::both("no", "否") })
        };
        for c in &y.carried {
            for s in &c.skus {
                st.row(vec![
                    Value::text(&c.id),
                    Value::text(&s.sku),
                    Value::Count(i64::from(s.slots_owed)),
                    Value::Fixed(s.strength, 4),
                    Value::Count(i64::from(s.generation)),
                    yes(s.new_listing),
                    yes(s.delisted),
                    Value::Count(s.first_period as i64),
                ]);
            }
        }
        blocks.push(st.into());
        if !y.drivers.is_empty() {
            let one = PortfolioReplayReport { drivers: y.drivers.clone(), ..self.empty() };
            blocks.push(one.drivers_table().into());
        }
        if !y.capacity.is_empty() {
            let one = PortfolioReplayReport { capacity: y.capacity.clone(), ..self.empty() };
            blocks.push(one.capacity_table().into());
        }
        for c in &y.chains {
            let title = Text::both(
                format!("Year {}: {} — {}: ledger", y.year, c.id, c.explain.retailer),
                format!("第 {} 年：{} — {}：台账", y.year, c.id, c.explain.retailer),
            );
            blocks.push(Section::new(format!("{}_{}", c.id, y.year), title, c.explain.blocks()).collapsed().into());
        }
        blocks
    }

    /// An empty one-year replay (to borrow its table builders).
    fn empty(&self) -> PortfolioReplayReport {
        PortfolioReplayReport {
            portfolio: self.portfolio.clone(),
            file: self.file.clone(),
            scenario: self.scenario,
            seed: self.seed,
            net_contribution: Decimal::ZERO,
            fees_total: Decimal::ZERO,
            drivers: Vec::new(),
            capacity: Vec::new(),
            claims: Vec::new(),
            claims_total: Decimal::ZERO,
            promotions: Vec::new(),
            chains: Vec::new(),
        }
    }
}

impl Report for MultiYearReplayReport {
    fn schema(&self) -> &'static str {
        "kasim.multi-year-replay/1"
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(Text::both(
            format!(
                "Scenario {} of seed {} over {} years: {}",
                self.scenario,
                self.seed,
                self.years.len(),
                self.portfolio
            ),
            format!("情景 {}（种子 {}），{} 年：{}", self.scenario, self.seed, self.years.len(), self.portfolio),
        ));
        doc.blocks.push(self.chains_table().into());
        for y in &self.years {
            let title = Text::both(format!("Year {}", y.year), format!("第 {} 年", y.year));
            doc.blocks.push(Section::new(format!("year_{}", y.year), title, self.year_blocks(y)).into());
        }
        doc.notes.push(Text::both(
            "Each chain's yearly totals are its row of the `kasim portfolio` multi-year run at this seed and scenario, exactly.",
            "各零售商每年合计与同一种子、同一情景的 `kasim portfolio` 多年运行结果完全一致。",
        ));
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("chains")
    }
}
