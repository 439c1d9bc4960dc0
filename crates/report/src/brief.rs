//! `kasim brief`: the meeting brief of [`kasim_negotiate::brief::BriefReport`] as a document.
//!
//! In reading order: the headline (what the draft costs more than last year, on the plan and
//! in the mean, the change in risk, the three clauses that move the most money), the clause
//! table ranked by money (its CSV), the interactions to read together, where the risk comes
//! from, the charts (overlaid distributions of net contribution, S-curves, a waterfall from
//! BASE's fees to DRAFT's), each contract's plan ledger (collapsed), and the scenarios (files
//! only). Each part is built by its own section function, so further parts (compliance flags,
//! the negotiation plan) slot in between.

use kasim_core::money::format_money;
use kasim_negotiate::brief::{BriefReport, ContractRisk, Interaction, InteractionKind, Role};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::Report;
use crate::document::{
    Block, Chart, ChartKind, Column, Document, KeyValues, Marker, Section, Series, Table, Text, Value,
};
use crate::evaluate::{Evaluation, ExplainReport};

/// A row of the tail table: key, label, and the value of a contract.
type TailRow = (&'static str, Text, fn(&ContractRisk) -> Value);

/// Bins of the overlaid histograms.
const BINS: usize = 40;
/// Points per S-curve at most.
const CURVE_POINTS: usize = 201;

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn role(r: Role) -> Text {
    match r {
        Role::Base => Text::both("base (last year)", "基准（去年）"),
        Role::Draft => Text::both("draft (buyer)", "草案（采购）"),
        Role::Counter => Text::both("counter-offer", "还价方案"),
    }
}

/// The brief's section builders (a local view: `BriefReport` lives in `kasim-negotiate`).
struct Brief<'a>(&'a BriefReport);

impl std::ops::Deref for Brief<'_> {
    type Target = BriefReport;
    fn deref(&self) -> &BriefReport {
        self.0
    }
}

impl Brief<'_> {
    fn name(&self, i: usize) -> &str {
        self.contracts.get(i).map_or("", |c| c.contract.as_str())
    }

    /// DRAFT's clauses that published rules restrict (the rules of the jurisdictions DRAFT
    /// declares), with citations.
    fn compliance_section(&self) -> Block {
        let title = Text::both(format!("Compliance flags: {}", self.name(1)), format!("合规提示：{}", self.name(1)));
        Section::new("compliance", title, crate::compliance::blocks(&self.compliance, &self.jurisdictions)).into()
    }

    /// The headline: DRAFT against BASE in a few figures a KA manager reads in 30 seconds.
    fn summary_block(&self) -> Block {
        let h = &self.headline;
        let mut kv = KeyValues::new("summary");
        let base = self.contracts.first();
        let draft = self.contracts.get(1);
        if let (Some(b), Some(d)) = (base, draft) {
            kv.pair(
                "base_fees_plan",
                Text::both(format!("Fees on plan, {}", b.contract), "基准方案费用（计划）"),
                Value::Money(b.plan.fees_total),
            );
            kv.pair(
                "draft_fees_plan",
                Text::both(format!("Fees on plan, {}", d.contract), "草案费用（计划）"),
                Value::Money(d.plan.fees_total),
            );
        }
        kv.pair(
            "fees_plan_change",
            Text::both("Draft costs more in fees (plan)", "草案多收费用（计划）"),
            Value::Money(h.fees_plan_change),
        );
        kv.pair(
            "fees_mean_change",
            Text::both("Draft costs more in fees (simulated mean)", "草案多收费用（模拟均值）"),
            Value::Money(h.fees_mean_change),
        );
        kv.pair(
            "net_contribution_plan_change",
            Text::both("Change in net contribution (plan)", "净贡献变化（计划）"),
            Value::Money(h.net_contribution_plan_change),
        );
        kv.pair(
            "net_contribution_mean_change",
            Text::both("Change in net contribution (mean)", "净贡献变化（均值）"),
            Value::Money(h.net_contribution_mean_change),
        );
        kv.pair(
            "var95_change",
            Text::both("Change in VaR 95% (P5) of net contribution", "风险价值 95% 变化"),
            Value::Money(h.var95_change),
        );
        kv.pair(
            "cvar95_change",
            Text::both("Change in CVaR 95% (mean of worst 5%)", "条件风险价值 95% 变化"),
            Value::Money(h.cvar95_change),
        );
        kv.pair(
            "p_draft_below_base",
            Text::both("P(draft earns less than base)", "草案净贡献低于基准的概率"),
            Value::Probability(h.p_draft_below_base),
        );
        for c in self.clauses.iter().take(3) {
            kv.pair(
                format!("top{}", c.rank),
                Text::both(
                    format!("#{} {} ({}), change on plan", c.rank, c.label, c.id),
                    format!("#{} {}", c.rank, c.label_zh),
                ),
                Value::Money(c.change_plan),
            );
        }
        kv.into()
    }

    /// The clause table, ranked by the money each change moves (the CSV).
    fn clause_table(&self) -> Block {
        let mut cols = vec![
            Column::number("rank", "#"),
            Column::text("id", Text::both("Clause", "条款")),
            Column::text("label", Text::both("Name", "名称")),
            Column::text("status", Text::both("Status", "变化")),
        ];
        for c in &self.contracts {
            let n = &c.contract;
            cols.push(Column::number(format!("{n}.plan"), Text::both(format!("{n} plan"), format!("{n} 计划"))));
            cols.push(Column::number(format!("{n}.mean"), Text::both(format!("{n} mean"), format!("{n} 均值"))));
            cols.push(Column::number(format!("{n}.p10"), format!("{n} P10")).detail());
            cols.push(Column::number(format!("{n}.p90"), format!("{n} P90")).detail());
        }
        cols.push(Column::number("change_plan", Text::both("Change (plan)", "变化（计划）")));
        cols.push(Column::number("change_mean", Text::both("Change (mean)", "变化（均值）")));
        cols.push(Column::number("share_of_increase", Text::both("Share of increase", "占增幅")));
        cols.push(Column::number("tail_change", Text::both("Change in bad years", "坏年份变化")).detail());
        let mut t = Table::new("clauses", cols).keyed(2).titled(Text::both(
            "Clause by clause, ranked by money (fees as positive amounts)",
            "逐条款对比（按金额排序）",
        ));
        for c in &self.clauses {
            let mut row = vec![
                Value::Count(c.rank as i64),
                Value::text(&c.id),
                Value::Name(Text::both(&c.label, &c.label_zh)),
                Value::text(status(c.status)),
            ];
            for a in &c.amounts {
                match a {
                    Some(a) => row.extend([
                        Value::Money(a.plan),
                        Value::Money(a.mean),
                        Value::Money(a.p10),
                        Value::Money(a.p90),
                    ]),
                    None => row.extend([Value::Missing, Value::Missing, Value::Missing, Value::Missing]),
                }
            }
            row.push(Value::Money(c.change_plan));
            row.push(Value::Money(c.change_mean));
            row.push(Value::rate(c.share_of_increase));
            row.push(Value::Money(c.tail_change));
            t.row(row);
        }
        t.into()
    }

    /// Across the KA channel (渠道视角): DRAFT's promotions' cost at this chain and in
    /// price-match claims at the others, and the channel's net contribution and CVaR with BASE
    /// and with DRAFT on common scenarios.
    fn portfolio_section(&self) -> Option<Block> {
        let v = self.portfolio.as_ref()?;
        let mut kv = KeyValues::new("channel_summary");
        kv.pair("sentence", Text::both("In one sentence", "一句话"), Value::Name(Text::both(&v.en, &v.zh)));
        kv.pair("portfolio", Text::both("Portfolio", "组合"), Value::text(&v.portfolio));
        kv.pair("member", Text::both("The chain of BASE and DRAFT", "基准与草案所属零售商"), Value::text(&v.member));
        kv.pair(
            "p_draft_below_base",
            Text::both("P(channel earns less with the draft)", "草案下渠道净贡献更低的概率"),
            Value::Probability(v.p_draft_below_base),
        );
        let mut t = Table::new(
            "channel",
            vec![
                Column::text("statistic", Text::both("Across the channel", "渠道")),
                Column::number("base", Text::both("With BASE", "基准")),
                Column::number("draft", Text::both("With DRAFT", "草案")),
                Column::number("change", Text::both("Change", "变化")),
            ],
        )
        .titled(Text::both(
            "The KA channel with BASE and with DRAFT (same scenarios)",
            "KA 渠道：基准 vs 草案（相同情景）",
        ));
        let (b, d, c) = (&v.base, &v.draft, &v.changes);
        let rows: [(&str, Text, Decimal, Decimal, Decimal, bool); 9] = [
            (
                "net_contribution_mean",
                Text::both("Channel net contribution, mean", "渠道净贡献均值"),
                b.net_contribution.mean,
                d.net_contribution.mean,
                v.net_contribution_change,
                false,
            ),
            (
                "net_contribution_var95",
                Text::both("Channel VaR 95% (P5)", "渠道风险价值 95%"),
                b.net_contribution.var95,
                d.net_contribution.var95,
                c.var95,
                false,
            ),
            (
                "net_contribution_cvar95",
                Text::both("Channel CVaR 95% (mean of worst 5%)", "渠道条件风险价值 95%"),
                b.net_contribution.cvar95,
                d.net_contribution.cvar95,
                v.cvar95_change,
                false,
            ),
            (
                "fees_mean",
                Text::both("Channel fee spend, mean", "渠道费用均值"),
                b.fees_mean,
                d.fees_mean,
                c.fees_mean,
                true,
            ),
            (
                "member_net_contribution",
                Text::both("This chain's net contribution, mean", "本零售商净贡献均值"),
                b.member_net_contribution,
                d.member_net_contribution,
                c.member_net_contribution,
                false,
            ),
            (
                "others_net_contribution",
                Text::both("Other chains' net contribution, mean", "其他零售商净贡献均值"),
                b.others_net_contribution,
                d.others_net_contribution,
                v.others_change,
                false,
            ),
            (
                "own_cost",
                Text::both("Promotions' price investment at this chain", "本店促销让价"),
                b.own_cost,
                d.own_cost,
                c.own_cost,
                true,
            ),
            (
                "cascade_cost",
                Text::both("Their price-match claims at the other chains", "引发他店最低价补差"),
                b.cascade_cost,
                d.cascade_cost,
                c.cascade_cost,
                true,
            ),
            (
                "claims_paid",
                Text::both("Claims paid here for the others' promotions", "本店为他店促销补差"),
                b.claims_paid,
                d.claims_paid,
                c.claims_paid,
                true,
            ),
        ];
        for (key, label, x, y, change, cost) in rows {
            let cell = |a: Decimal| if cost { Value::Cost(a) } else { Value::Money(a) };
            t.row(vec![Value::label(key, label), cell(x), cell(y), cell(change)]);
        }
        t.row(vec![
            Value::label("promotions", Text::both("Promotions at this chain", "本店促销数")),
            Value::Count(b.promotions as i64),
            Value::Count(d.promotions as i64),
            Value::Count(c.promotions),
        ]);
        let mut p = Table::new(
            "channel_promotions",
            vec![
                Column::text("sku", Text::both("SKU", "商品")),
                Column::number("period", Text::both("Period", "期间")),
                Column::number("base_promo_price", Text::both("BASE promotion price", "基准促销价")).detail(),
                Column::number("base_own_cost", Text::both("BASE own price investment", "基准本店让价")),
                Column::number("base_cascade_cost", Text::both("BASE cascade elsewhere", "基准他店补差")),
                Column::number("draft_promo_price", Text::both("DRAFT promotion price", "草案促销价")).detail(),
                Column::number("draft_own_cost", Text::both("DRAFT own price investment", "草案本店让价")),
                Column::number("draft_cascade_cost", Text::both("DRAFT cascade elsewhere", "草案他店补差")),
                Column::number("draft_p_claim", Text::both("DRAFT P(claim)", "草案索赔概率")).detail(),
            ],
        )
        .keyed(2)
        .titled(Text::both("This chain's promotions across the channel", "本店促销的渠道成本"));
        for x in &v.promotions {
            let side = |c: &Option<kasim_negotiate::brief::PromotionCosts>| match c {
                Some(c) => [Value::UnitPrice(c.promo_price), Value::Cost(c.own_cost), Value::Cost(c.cascade_cost)],
                None => [Value::Missing, Value::Missing, Value::Missing],
            };
            let mut row = vec![Value::text(&x.sku), Value::Count(x.period as i64)];
            row.extend(side(&x.base));
            row.extend(side(&x.draft));
            row.push(x.draft.as_ref().map_or(Value::Missing, |c| Value::Probability(c.p_claim)));
            p.row(row);
        }
        let title = Text::both(format!("Across the KA channel: {}", v.portfolio), format!("渠道视角：{}", v.portfolio));
        Some(Section::new("across_channel", title, vec![kv.into(), t.into(), p.into()]).into())
    }

    /// "Over the years / 多年视角": the multi-year run with BASE and with DRAFT as the member's
    /// year 1 (`kasim brief --portfolio FILE` of a portfolio with `[multi_year]`).
    fn multi_year_section(&self) -> Option<Block> {
        let v = self.multi_year.as_ref()?;
        let mut kv = KeyValues::new("multi_year_summary");
        kv.pair("sentence", Text::both("In one sentence", "一句话"), Value::Name(Text::both(&v.en, &v.zh)));
        kv.pair("portfolio", Text::both("Portfolio", "组合"), Value::text(&v.portfolio));
        kv.pair("member", Text::both("The chain of BASE and DRAFT", "基准与草案所属零售商"), Value::text(&v.member));
        kv.pair("years", Text::both("Years", "年数"), Value::Count(i64::from(v.years)));
        if let Some(g) = v.fee_growth {
            kv.pair(
                "fee_growth",
                Text::both("The buyer's fee growth ask a year", "买方每年费用增长要求"),
                Value::Rate(g),
            );
        }
        kv.pair(
            "fees_change",
            Text::both(
                "This chain's planned fees over the years, DRAFT − BASE",
                "本零售商多年计划费用变化（草案 − 基准）",
            ),
            Value::Cost(v.fees_change),
        );
        kv.pair(
            "fees_change_from_growth",
            Text::both("Of it, the yearly ask on the higher base", "其中：更高基数上的逐年加码"),
            Value::Cost(v.fees_change_from_growth),
        );
        let mut t = Table::new(
            "multi_year_years",
            vec![
                Column::number("year", Text::both("Year", "年")),
                Column::number("base_planned_fees", Text::both("BASE chain planned fees", "基准链计划费用")),
                Column::number("draft_planned_fees", Text::both("DRAFT chain planned fees", "草案链计划费用")),
                Column::number("planned_fees_change", Text::both("Change", "变化")),
                Column::number(
                    "base_member_net",
                    Text::both("BASE: this chain's net contribution", "基准：本零售商净贡献"),
                ),
                Column::number(
                    "draft_member_net",
                    Text::both("DRAFT: this chain's net contribution", "草案：本零售商净贡献"),
                ),
                Column::number("base_channel_net", Text::both("BASE: channel net contribution", "基准：渠道净贡献")),
                Column::number("draft_channel_net", Text::both("DRAFT: channel net contribution", "草案：渠道净贡献")),
                Column::number("base_mean_fees", Text::both("BASE: this chain's mean fees", "基准：本零售商费用均值"))
                    .detail(),
                Column::number(
                    "draft_mean_fees",
                    Text::both("DRAFT: this chain's mean fees", "草案：本零售商费用均值"),
                )
                .detail(),
                Column::number("base_slots_lost", Text::both("BASE slots lost", "基准档期损失")),
                Column::number("draft_slots_lost", Text::both("DRAFT slots lost", "草案档期损失")),
                Column::number("base_delisted", Text::both("BASE SKUs delisted", "基准淘汰单品")),
                Column::number("draft_delisted", Text::both("DRAFT SKUs delisted", "草案淘汰单品")),
                Column::text("draft_ending", Text::both("DRAFT chain: how agreed", "草案链：谈判结果")).detail(),
            ],
        )
        .keyed(1)
        .titled(Text::both(
            "Per year: this chain's fees under each chain of contracts, means over the same scenarios",
            "逐年：两条合同链下本零售商的费用与净贡献（相同情景均值）",
        ));
        for y in &v.per_year {
            let (b, d) = (&y.base, &y.draft);
            t.row(vec![
                Value::Count(i64::from(y.year)),
                Value::Cost(b.planned_fees),
                Value::Cost(d.planned_fees),
                Value::Cost(y.planned_fees_change),
                Value::Money(b.member_net_contribution),
                Value::Money(d.member_net_contribution),
                Value::Money(b.channel_net_contribution),
                Value::Money(d.channel_net_contribution),
                Value::Cost(b.mean_fees),
                Value::Cost(d.mean_fees),
                Value::Fixed(b.slots_lost, 2),
                Value::Fixed(d.slots_lost, 2),
                Value::Fixed(b.delisted, 2),
                Value::Fixed(d.delisted, 2),
                Value::text(&d.ending),
            ]);
        }
        let mut c = Table::new(
            "multi_year_cumulative",
            vec![
                Column::text("statistic", Text::both("Cumulative discounted contribution", "累计折现净贡献")),
                Column::number("base", Text::both("With BASE", "基准")),
                Column::number("draft", Text::both("With DRAFT", "草案")),
                Column::number("change", Text::both("Change", "变化")),
            ],
        )
        .titled(Text::both(
            "Cumulative discounted contribution (NPV) over the years, BASE vs DRAFT",
            "多年累计折现净贡献：基准 vs 草案",
        ));
        let (bn, dn) = (&v.base_npv, &v.draft_npv);
        let rows: [(&str, Text, Decimal, Decimal); 4] = [
            ("channel_mean", Text::both("Channel, mean", "渠道均值"), bn.mean, dn.mean),
            ("channel_p5", Text::both("Channel, P5 (VaR 95%)", "渠道 P5（风险价值 95%）"), bn.var95, dn.var95),
            (
                "channel_cvar95",
                Text::both("Channel, CVaR 95% (mean of worst 5%)", "渠道条件风险价值 95%"),
                bn.cvar95,
                dn.cvar95,
            ),
            ("member_mean", Text::both("This chain, mean", "本零售商均值"), v.base_member_npv, v.draft_member_npv),
        ];
        for (key, label, x, y) in rows {
            c.row(vec![Value::label(key, label), Value::Money(x), Value::Money(y), Value::Money(y - x)]);
        }
        let mut blocks = vec![kv.into(), t.into(), c.into()];
        if !v.terms.is_empty() {
            let mut terms = Table::new(
                "multi_year_terms",
                vec![
                    Column::number("year", Text::both("Year", "年")),
                    Column::text("path", Text::both("Term", "条款")),
                    Column::number("base", Text::both("BASE chain, agreed", "基准链约定")),
                    Column::number("draft", Text::both("DRAFT chain, agreed", "草案链约定")),
                ],
            )
            .keyed(2)
            .titled(Text::both(
                "This chain's terms the renegotiation changed (–: not changed that year)",
                "续约谈判改变的条款（–：当年未变）",
            ));
            for x in &v.terms {
                // As the multi-year report writes terms: rates as percentages, money with cents.
                let cell = |d: Option<Decimal>| d.map_or(Value::Missing, |d| crate::multi_year::term_value(&x.path, d));
                terms.row(vec![Value::Count(i64::from(x.year)), Value::text(&x.path), cell(x.base), cell(x.draft)]);
            }
            blocks.push(terms.into());
        }
        let title = Text::both(
            format!("Over the years: {} ({} years)", v.portfolio, v.years),
            format!("多年视角：{}（{} 年）", v.portfolio, v.years),
        );
        Some(Section::new("over_the_years", title, blocks).into())
    }

    /// Give-get clauses (有条件费用): each conditioned clause's condition, P(met), expected
    /// charge against the unconditional one (what the give-get saves), the DM and display fees
    /// that could be conditioned, and what to ask for.
    fn give_get_section(&self) -> Option<Block> {
        if self.give_get.is_empty() {
            return None;
        }
        let mut t = Table::new(
            "give_get",
            vec![
                Column::text("contract", Text::both("Contract", "合同")),
                Column::text("id", Text::both("Clause", "条款")),
                Column::text("label", Text::both("Name", "名称")),
                Column::text("condition", Text::both("Condition", "条件")),
                Column::text("status", Text::both("In the contract", "合同中")),
                Column::number("p_met", Text::both("P(condition met all year)", "全年达成概率")),
                Column::number("expected", Text::both("Expected charge", "预期费用")),
                Column::number("unconditional", Text::both("Unconditional charge", "无条件费用")),
                Column::number("saving", Text::both("Give-get saves", "条件节省")),
                Column::number("plan", Text::both("Plan, conditioned", "计划（有条件）")).detail(),
                Column::number("plan_unconditional", Text::both("Plan, unconditional", "计划（无条件）")).detail(),
            ],
        )
        .keyed(2)
        .titled(Text::both(
            "Give-get clauses: fees conditioned on the retailer's performance",
            "有条件费用（以零售商履约为条件）",
        ));
        for x in &self.give_get {
            t.row(vec![
                Value::label(format!("{}", x.contract), role(x.role)),
                Value::text(&x.id),
                Value::Name(Text::both(&x.label, &x.label_zh)),
                Value::Name(Text::both(&x.condition_en, &x.condition_zh)),
                if x.conditioned {
                    Value::label("conditioned", Text::both("conditioned", "有条件"))
                } else {
                    Value::label("proposed", Text::both("proposed", "建议"))
                },
                Value::Probability(x.p_met),
                Value::Cost(x.expected),
                Value::Cost(x.unconditional),
                Value::Money(x.saving),
                Value::Cost(x.plan),
                Value::Cost(x.plan_unconditional),
            ]);
        }
        let mut blocks: Vec<Block> = vec![t.into()];
        if !self.give_get_advice.is_empty() {
            let mut a = Table::new(
                "give_get_advice",
                vec![
                    Column::text("id", Text::both("Clause", "条款")),
                    Column::text("advice", Text::both("Advice", "建议")),
                    Column::number("saving", Text::both("Expected saving", "预期节省")),
                ],
            )
            .titled(Text::both("What to ask for", "谈判建议"));
            for x in &self.give_get_advice {
                a.row(vec![Value::text(&x.id), Value::Name(Text::both(&x.en, &x.zh)), Value::Money(x.saving)]);
            }
            blocks.push(a.into());
        }
        Some(Section::new("give_get", Text::both("Give-get clauses", "有条件费用"), blocks).into())
    }

    /// Clauses to read together: binding floors with what they top up, tiers, caps.
    fn interaction_section(&self) -> Option<Block> {
        if self.interactions.is_empty() {
            return None;
        }
        let mut cols = vec![
            Column::text("kind", Text::both("Interaction", "联动")),
            Column::text("clause", Text::both("Clause", "条款")),
            Column::text("members", Text::both("Acts on", "作用于")),
        ];
        for c in &self.contracts {
            let n = &c.contract;
            cols.push(Column::number(
                format!("{n}.p_binds"),
                Text::both(format!("{n} P(binds)"), format!("{n} 触发概率")),
            ));
            cols.push(Column::number(
                format!("{n}.plan_tier"),
                Text::both(format!("{n} tier on plan"), format!("{n} 计划档位")),
            ));
            cols.push(Column::number(
                format!("{n}.plan_total"),
                Text::both(format!("{n} plan amount"), format!("{n} 计划金额")),
            ));
        }
        let mut t = Table::new("interactions", cols).keyed(2);
        let mut tiers = Table::new("tiers", {
            let mut c = vec![
                Column::text("clause", Text::both("Clause", "条款")),
                Column::text("tier", Text::both("Tier", "档位")),
            ];
            c.extend(self.contracts.iter().map(|x| Column::number(x.contract.clone(), format!("P({})", x.contract))));
            c
        })
        .titled(Text::both("P(each tier reached)", "各档位达成概率"));
        let mut blocks = Vec::new();
        for i in &self.interactions {
            let mut row = vec![
                Value::text(kind_code(i.kind)),
                Value::text(&i.clause),
                Value::label("members", i.members.join(", ")),
            ];
            for s in &i.contracts {
                match s {
                    Some(s) => row.extend([
                        Value::Probability(s.p_binds),
                        s.plan_tier.map_or(Value::Missing, |t| Value::Count(t as i64)),
                        Value::Money(s.plan_total),
                    ]),
                    None => row.extend([Value::Missing, Value::Missing, Value::Missing]),
                }
            }
            t.row(row);
            if i.kind == InteractionKind::Tier {
                let n = i.contracts.iter().flatten().map(|s| s.tier_probabilities.len()).max().unwrap_or(0);
                for tier in 0..n {
                    let name = if tier == 0 {
                        Text::both("none reached", "未达档")
                    } else {
                        Text::both(format!("tier {tier}"), format!("第 {tier} 档"))
                    };
                    let mut r = vec![Value::text(&i.clause), Value::label(format!("tier{tier}"), name)];
                    r.extend(i.contracts.iter().map(|s| {
                        s.as_ref()
                            .and_then(|s| s.tier_probabilities.get(tier))
                            .map_or(Value::Missing, |p| Value::Probability(*p))
                    }));
                    tiers.row(r);
                }
            }
            blocks.push(self.explain_interaction(i));
        }
        let mut all: Vec<Block> = vec![t.into()];
        if !tiers.rows.is_empty() {
            all.push(tiers.into());
        }
        all.extend(blocks);
        Some(Section::new("interactions", Text::both("Clauses to read together", "联动条款"), all).into())
    }

    /// One sentence per interaction, in the draft's terms.
    fn explain_interaction(&self, i: &Interaction) -> Block {
        let idx = if self.contracts.len() > 1 { 1 } else { 0 };
        let s = i.contracts.get(idx).and_then(|s| s.as_ref()).or_else(|| i.contracts.iter().flatten().next());
        let p = s.map_or(0.0, |s| s.p_binds * 100.0);
        let plan = s.is_some_and(|s| s.binds_in_plan);
        let on = if plan { "binds on the plan" } else { "does not bind on the plan" };
        let on_zh = if plan { "计划下触发" } else { "计划下不触发" };
        let name = self.name(idx);
        Block::Paragraph(match i.kind {
            InteractionKind::Floor => Text::both(
                format!(
                    "Floor {} {on} of {name} and binds in {p:.0}% of scenarios: while it binds, cutting the rate of {} saves nothing — the floor tops it up. Negotiate the floor itself.",
                    i.clause,
                    i.members.join(", ")
                ),
                format!(
                    "保底 {} 在 {name} {on_zh}，{p:.0}% 的情景触发：触发时降低 {} 的费率毫无作用，应谈保底金额本身。",
                    i.clause,
                    i.members.join("、")
                ),
            ),
            InteractionKind::Tier => Text::both(
                format!(
                    "Scale {}: the plan of {name} reaches tier {}; the tier differs from the plan's in {p:.0}% of scenarios — a threshold near the plan moves the rebate.",
                    i.clause,
                    s.and_then(|s| s.plan_tier).unwrap_or(0)
                ),
                format!(
                    "阶梯 {}：{name} 计划达到第 {} 档；{p:.0}% 的情景档位与计划不同。",
                    i.clause,
                    s.and_then(|s| s.plan_tier).unwrap_or(0)
                ),
            ),
            InteractionKind::Cap => Text::both(
                format!("Cap of {} {on} of {name} and limits it in {p:.0}% of scenarios.", i.clause),
                format!("{} 的封顶在 {name} {on_zh}，{p:.0}% 的情景封顶生效。", i.clause),
            ),
        })
    }

    /// Where the risk comes from: per contract, each clause's P(binds), expected cost and share
    /// of the bad tail, and the tail's sums (the allocation identity).
    fn risk_section(&self) -> Block {
        let mut t = Table::new(
            "risk",
            vec![
                Column::text("contract", Text::both("Contract", "合同")),
                Column::text("clause", Text::both("Clause", "条款")),
                Column::number("p_binds", Text::both("P(binds)", "触发概率")),
                Column::number("expected", Text::both("Expected cost", "期望成本")),
                Column::number("tail_mean", Text::both("Cost in worst 5%", "最差5%年份成本")),
                Column::number("tail_excess", Text::both("Excess in worst 5%", "坏年份超额")),
                Column::number("tail_share", Text::both("Share of tail fees", "占尾部费用")),
            ],
        )
        .keyed(2)
        .titled(Text::both(
            "Where the risk comes from: each clause in the worst 5% of years of net contribution",
            "风险来源：净贡献最差 5% 年份中各条款的成本",
        ));
        for r in &self.risk {
            for c in &r.clauses {
                t.row(vec![
                    Value::text(&r.contract),
                    Value::text(&c.id),
                    c.p_binds.map_or(Value::Missing, Value::Probability),
                    Value::Money(c.expected),
                    Value::Money(c.tail_mean),
                    Value::Money(c.tail_excess),
                    Value::rate(c.tail_share),
                ]);
            }
        }
        let mut cols = vec![Column::text("item", Text::both("Tail sums (worst 5%)", "尾部合计"))];
        cols.extend(self.risk.iter().map(|r| Column::number(r.contract.clone(), r.contract.clone())));
        let mut s = Table::new("tail", cols)
            .titled(Text::both("The allocation adds up: Σ over the tail scenarios", "分摊恒等式"));
        let rows: [TailRow; 7] = [
            ("scenarios", Text::both("Scenarios in the tail", "尾部情景数"), |r| {
                Value::Count(r.tail.scenarios as i64)
            }),
            ("net_invoiced", Text::both("Σ net invoiced", "净销售额合计"), |r| {
                Value::Money(r.tail.net_invoiced)
            }),
            ("fees", Text::both("− Σ fees (= Σ clauses)", "− 费用合计"), |r| Value::Money(r.tail.fees)),
            ("cost_of_goods", Text::both("− Σ cost of goods", "− 产品成本合计"), |r| {
                Value::Money(r.tail.cost_of_goods)
            }),
            ("financing", Text::both("− Σ financing", "− 资金成本合计"), |r| Value::Money(r.tail.financing)),
            ("net_contribution", Text::both("= Σ net contribution", "= 净贡献合计"), |r| {
                Value::Money(r.tail.net_contribution)
            }),
            ("cvar95", Text::both("CVaR 95% = Σ ÷ scenarios", "条件风险价值 95%"), |r| {
                Value::Money(r.tail.cvar95)
            }),
        ];
        for (key, label, get) in rows {
            let mut row = vec![Value::label(key, label)];
            row.extend(self.risk.iter().map(get));
            s.row(row);
        }
        Section::new("risk", Text::both("Where the risk comes from", "风险来源"), vec![t.into(), s.into()]).into()
    }

    /// Per-contract summaries side by side.
    fn contracts_table(&self) -> Block {
        let mut cols = vec![Column::text("item", Text::both("Contract", "合同"))];
        cols.extend(self.contracts.iter().map(|c| Column::number(c.contract.clone(), c.contract.clone())));
        let mut t = Table::new("contracts", cols).titled(Text::both("Plan and simulation", "计划与模拟"));
        let mut row = |key: &str, label: Text, get: &dyn Fn(usize) -> Value| {
            let mut r = vec![Value::label(key, label)];
            r.extend((0..self.contracts.len()).map(get));
            t.row(r);
        };
        let c = &self.contracts;
        row("role", Text::both("Role", "角色"), &|i| Value::label("role", role(c[i].role)));
        row("file", Text::both("File", "文件"), &|i| Value::text(&c[i].file));
        row("plan.fees_total", Text::both("Fees (plan)", "费用（计划）"), &|i| {
            Value::Money(c[i].plan.fees_total)
        });
        row("plan.fee_ratio", Text::both("Fee ratio (plan)", "费用率（计划）"), &|i| {
            Value::rate(c[i].plan.fee_ratio)
        });
        row("plan.net_contribution", Text::both("Net contribution (plan)", "净贡献（计划）"), &|i| {
            Value::Money(c[i].plan.net_contribution)
        });
        let nc = |i: usize| &c[i].simulation.outputs[0].summary;
        let pct = |i: usize, q: u32| {
            nc(i).percentiles.iter().find(|p| p.0 == q).map_or(Value::Missing, |p| Value::Money(p.1))
        };
        row("mean", Text::both("Net contribution, mean", "净贡献均值"), &|i| Value::Money(nc(i).mean));
        row("p5", Text::en("P5"), &|i| pct(i, 5));
        row("p10", Text::en("P10"), &|i| pct(i, 10));
        row("p50", Text::en("P50"), &|i| pct(i, 50));
        row("p90", Text::en("P90"), &|i| pct(i, 90));
        row("var95", Text::both("VaR 95% (P5)", "风险价值 95%"), &|i| Value::Money(nc(i).var95));
        row("cvar95", Text::both("CVaR 95% (mean of worst 5%)", "条件风险价值 95%"), &|i| {
            Value::Money(nc(i).cvar95)
        });
        row("p_loss", Text::both("P(loss)", "亏损概率"), &|i| {
            nc(i).p_loss.map_or(Value::Missing, Value::Probability)
        });
        row("fees_mean", Text::both("Fees, mean", "费用均值"), &|i| {
            Value::Money(c[i].simulation.outputs[1].summary.mean)
        });
        t.into()
    }

    /// Net contribution of every scenario, per contract, in cents-free `f64` (chart data).
    fn net_series(&self) -> Vec<Vec<f64>> {
        (0..self.contracts.len()).map(|i| self.scenarios.iter().map(|s| f(s.net_contribution[i])).collect()).collect()
    }

    /// Distributions, S-curves, the waterfall and DRAFT's tornado.
    fn charts(&self) -> Vec<Block> {
        let series = self.net_series();
        let currency = Some(self.currency.clone());
        let nc_axis = Text::both("Net contribution", "净贡献");
        let (lo, hi) = series.iter().flatten().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        let mut out = Vec::new();
        let markers = || {
            let mut m = vec![Marker { label: Text::en("0"), value: 0.0 }];
            if let Some(d) = self.contracts.get(1).or(self.contracts.first()) {
                let s = &d.simulation.outputs[0].summary;
                m.push(Marker { label: Text::both(format!("mean {}", d.contract), "均值"), value: f(s.mean) });
                m.push(Marker { label: Text::both(format!("P5 {}", d.contract), "P5"), value: f(s.var95) });
            }
            m
        };
        if lo <= hi && !self.scenarios.is_empty() {
            let width = if hi > lo { (hi - lo) / BINS as f64 } else { 1.0 };
            let edges: Vec<f64> = (0..=BINS).map(|i| lo + width * i as f64).collect();
            let hist = series
                .iter()
                .zip(&self.contracts)
                .map(|(v, c)| {
                    let mut counts = vec![0u64; BINS];
                    for &x in v {
                        let b = (((x - lo) / width) as usize).min(BINS - 1);
                        counts[b] += 1;
                    }
                    Series { name: Text::en(&c.contract), points: counts }
                })
                .collect();
            out.push(Block::from(Chart {
                id: "distribution".into(),
                title: Text::both("Distribution of net contribution, every contract", "净贡献分布"),
                value_axis: nc_axis.clone(),
                other_axis: Text::both("Scenarios", "情景数"),
                currency: currency.clone(),
                kind: ChartKind::Histogram { edges, series: hist },
                markers: markers(),
            }));
            let curves = series
                .iter()
                .zip(&self.contracts)
                .map(|(v, c)| {
                    let mut s = v.clone();
                    s.sort_by(f64::total_cmp);
                    let n = s.len();
                    let step = n.div_ceil(CURVE_POINTS - 1).max(1);
                    let mut pts: Vec<(f64, f64)> =
                        (0..n).step_by(step).map(|k| (s[k], (k + 1) as f64 / n as f64)).collect();
                    if pts.last().is_some_and(|p| p.1 < 1.0) {
                        pts.push((s[n - 1], 1.0));
                    }
                    Series { name: Text::en(&c.contract), points: pts }
                })
                .collect();
            out.push(Block::from(Chart {
                id: "s_curves".into(),
                title: Text::both("S-curves: P(net contribution ≤ x)", "累计概率曲线"),
                value_axis: nc_axis,
                other_axis: Text::both("Cumulative probability", "累计概率"),
                currency: currency.clone(),
                kind: ChartKind::Curves { series: curves },
                markers: markers(),
            }));
        }
        if let (Some(b), Some(d)) = (self.contracts.first(), self.contracts.get(1)) {
            let steps = self
                .clauses
                .iter()
                .filter(|c| !c.change_plan.is_zero())
                .map(|c| (Text::both(&c.id, &c.label_zh), f(c.change_plan)))
                .collect();
            out.push(Block::from(Chart {
                id: "waterfall".into(),
                title: Text::both(
                    format!("From {}'s fees to {}'s, clause by clause (plan)", b.contract, d.contract),
                    "费用变化瀑布图",
                ),
                value_axis: Text::both("Fees", "费用"),
                other_axis: Text::both("Clause", "条款"),
                currency,
                kind: ChartKind::Waterfall {
                    start: (Text::en(&b.contract), f(b.plan.fees_total)),
                    steps,
                    end: Text::en(&d.contract),
                },
                markers: Vec::new(),
            }));
        }
        if let Some(t) = &self.tornado {
            out.push(crate::simulation::tornado_chart(t).into());
        }
        out
    }

    /// Each contract's plan ledger, collapsed.
    fn ledger_sections(&self) -> Vec<Block> {
        self.contracts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let e = ExplainReport::new(Evaluation::new(&c.file, &c.source, c.settlement.clone()));
                let mut blocks = e.blocks();
                blocks.truncate(1);
                if let Some(Block::Table(t)) = blocks.first_mut() {
                    t.id = format!("ledger_{i}");
                }
                Section::new(
                    format!("ledger-{i}"),
                    Text::both(format!("Ledger on plan: {}", c.contract), format!("计划台账：{}", c.contract)),
                    blocks,
                )
                .collapsed()
                // Hundreds of lines per contract: files only (HTML, xlsx), as `kasim explain` shows it.
                .files_only()
                .into()
            })
            .collect()
    }

    /// Every scenario (files only).
    fn scenario_section(&self) -> Block {
        let mut cols = vec![Column::number("scenario", Text::both("Scenario", "情景"))];
        for c in &self.contracts {
            let n = &c.contract;
            cols.push(Column::number(
                format!("{n}.net_contribution"),
                Text::both(format!("{n} net contribution"), format!("{n} 净贡献")),
            ));
        }
        for c in &self.contracts {
            let n = &c.contract;
            cols.push(Column::number(format!("{n}.fees_total"), Text::both(format!("{n} fees"), format!("{n} 费用"))));
        }
        let mut t = Table::new("scenarios", cols);
        t.rows.reserve(self.scenarios.len());
        for s in &self.scenarios {
            let mut row = Vec::with_capacity(1 + 2 * self.contracts.len());
            row.push(Value::Count(s.index as i64));
            row.extend(s.net_contribution.iter().map(|&d| Value::Money(d)));
            row.extend(s.fees_total.iter().map(|&d| Value::Money(d)));
            t.row(row);
        }
        Section::new("scenarios", Text::both("Scenarios", "情景明细"), vec![t.into()]).collapsed().files_only().into()
    }
}

fn status(s: kasim_negotiate::brief::Status) -> &'static str {
    use kasim_negotiate::brief::Status as S;
    match s {
        S::Unchanged => "unchanged",
        S::Changed => "changed",
        S::Added => "added",
        S::Removed => "removed",
        S::Other => "other",
    }
}

fn kind_code(k: InteractionKind) -> &'static str {
    match k {
        InteractionKind::Floor => "floor",
        InteractionKind::Tier => "tier",
        InteractionKind::Cap => "cap",
    }
}

impl Report for BriefReport {
    fn schema(&self) -> &'static str {
        kasim_negotiate::brief::SCHEMA
    }

    fn document(&self) -> Document {
        let b = Brief(self);
        let names: Vec<&str> = self.contracts.iter().map(|c| c.contract.as_str()).collect();
        let mut doc = Document::new(Text::both(
            format!(
                "Brief: {} — {} scenarios, seed {}",
                names.join(" vs "),
                format_money(Decimal::from(self.runs), 0),
                self.seed
            ),
            "谈判简报",
        ));
        doc.subtitle.push(Text::both(
            "Common random numbers: scenario k is the same year of sales in every contract, so differences are the terms', not noise.",
            "共同随机数：各合同在同一情景下销量相同，差异只来自条款。",
        ));
        doc.blocks.push(b.summary_block());
        doc.blocks.push(b.clause_table());
        doc.blocks.extend(b.interaction_section());
        doc.blocks.extend(b.give_get_section());
        doc.blocks.extend(b.portfolio_section());
        doc.blocks.extend(b.multi_year_section());
        doc.blocks.push(b.risk_section());
        doc.blocks.push(b.compliance_section());
        if let Some(plan) = &self.negotiation {
            doc.blocks.extend(crate::plan::blocks(plan, &self.currency));
        }
        doc.blocks.push(b.contracts_table());
        doc.blocks.extend(b.charts());
        doc.blocks.extend(b.ledger_sections());
        doc.blocks.push(b.scenario_section());
        doc.notes.push(Text::both(
            "Change = DRAFT − BASE (a clause missing from a contract counts 0). Fees are shown as positive amounts: a positive change costs the supplier. \
             P(binds): floors — a top-up is due; caps — the cap limits; scales — the tier reached differs from the plan's; penalties, margin guarantees, target rebates — an amount is due.",
            "变化 = 草案 − 基准（缺失条款计为 0）。费用以正数显示，正的变化即供应商多付。",
        ));
        doc.notes.push(Text::both(
            "Worst 5% = the ⌈5% · n⌉ scenarios with the lowest net contribution of each contract (ties by scenario index). \
             Σ clauses = Σ fees exactly, and net invoiced − fees − cost of goods − financing = net contribution over those scenarios: \
             the clause costs there are an exact (Euler) allocation of CVaR 95%.",
            "最差 5% 年份中各条款成本之和恰等于尾部费用合计，与净销售额、产品成本、资金成本一起精确构成 CVaR 95%。",
        ));
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("clauses")
    }
}
