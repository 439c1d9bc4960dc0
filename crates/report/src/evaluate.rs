//! `evaluate`, `explain` and `replay`: reports of settled contract years, built from
//! `kasim-core`'s [`Settlement`].

use kasim_core::money::format_money;
use kasim_core::{Contract, Settlement};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::Report;
use crate::document::{Chart, ChartKind, Column, Document, Marker, Table, Text, Value};

/// One settled contract with the identity users need to tell contracts apart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// The file it came from.
    pub file: String,
    /// Contract name.
    pub contract: String,
    /// Retailer name.
    pub retailer: String,
    /// Channel (English name).
    pub channel: &'static str,
    /// Stores at the start of the year.
    pub stores: u32,
    /// SKUs carried.
    pub skus: usize,
    /// Currency.
    pub currency: String,
    /// The supplier's P&L.
    pub pnl: kasim_core::settle::Pnl,
    /// The retailer's view.
    pub retailer_view: kasim_core::settle::RetailerView,
    /// Net contribution per store at the start, to the cent (`null` without stores): for
    /// benchmarking retailers of different sizes.
    pub contribution_per_store: Option<Decimal>,
    /// Net contribution per SKU carried, to the cent.
    pub contribution_per_sku: Decimal,
    /// The ledger, for `explain` (not part of `evaluate`'s JSON, which compares P&Ls).
    #[serde(skip)]
    pub ledger: Vec<kasim_core::settle::LedgerLine>,
    /// Where each term comes from, for `explain`, when the contract extends another (empty
    /// otherwise; not part of `evaluate`'s JSON).
    #[serde(skip)]
    pub sources: Vec<TermSource>,
}

/// Where one term of a contract that `extends` another comes from (条款来源).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TermSource {
    /// The term: `fees.<id>`, `skus.<code>`, `plan.lines.<code>`, or a top-level setting.
    pub item: String,
    /// `inherited` (沿用), `overridden` (修改), `added` (新增) or `removed` (删除).
    pub status: kasim_core::source::OriginStatus,
    /// The file of its latest statement (for a removed rule, the file removing it).
    pub file: String,
    /// The line of that statement.
    pub line: usize,
    /// The keys an extending file set, comma-separated (empty unless overridden).
    pub changed: String,
}

impl TermSource {
    /// Where each term of a contract comes from: empty unless it extends another.
    pub fn of(contract: &Contract) -> Vec<TermSource> {
        contract
            .source
            .provenance()
            .into_iter()
            .map(|o| TermSource {
                item: o.item,
                status: o.status,
                file: o.file.display().to_string(),
                line: o.line,
                changed: o.changed.join(", "),
            })
            .collect()
    }
}

/// A row of the P&L table: its key, its label, and how to read its value.
type Metric<T> = (&'static str, Text, fn(&T) -> Value);

fn per(total: Decimal, n: u64) -> Option<Decimal> {
    (n > 0).then(|| (total / Decimal::from(n)).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

impl Evaluation {
    /// The evaluation of a contract's settlement.
    pub fn new(file: impl Into<String>, contract: &Contract, s: Settlement) -> Evaluation {
        let nc = s.pnl.net_contribution;
        Evaluation {
            file: file.into(),
            contract: s.contract,
            retailer: s.retailer,
            channel: contract.retailer.channel.names().0,
            stores: contract.retailer.stores,
            skus: contract.skus.len(),
            currency: s.currency,
            contribution_per_store: per(nc, u64::from(contract.retailer.stores)),
            contribution_per_sku: per(nc, contract.skus.len().max(1) as u64).unwrap_or_default(),
            pnl: s.pnl,
            retailer_view: s.retailer_view,
            ledger: s.ledger,
            sources: TermSource::of(contract),
        }
    }
}

/// `kasim evaluate`: P&Ls side by side, in the order the files were given.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvaluateReport {
    /// One entry per contract.
    pub contracts: Vec<Evaluation>,
}

impl Report for EvaluateReport {
    fn schema(&self) -> &'static str {
        "kasim.evaluate/1"
    }

    fn document(&self) -> Document {
        let list = &self.contracts;
        let mut columns = vec![Column::text("metric", Text::both("Contract", "合同"))];
        columns.extend(list.iter().map(|e| Column::number(e.contract.clone(), e.contract.clone())));
        let mut t = Table::new("pnl", columns);
        // One row per metric: its key and label, then its value in every contract.
        let row = |t: &mut Table, key: &str, label: Text, indent: u8, f: &dyn Fn(&Evaluation) -> Value| {
            let mut r = vec![Value::indented(key, label, indent)];
            r.extend(list.iter().map(f));
            t.row(r);
        };
        row(&mut t, "retailer", Text::both("Retailer", "零售商"), 0, &|e| Value::text(&e.retailer));
        row(&mut t, "channel", Text::both("Channel", "渠道"), 0, &|e| Value::text(e.channel));
        row(&mut t, "stores", Text::both("Stores at start", "门店数"), 0, &|e| Value::Count(i64::from(e.stores)));
        row(&mut t, "currency", Text::both("Currency", "币种"), 0, &|e| Value::text(&e.currency));
        t.blank();
        let pnl: [Metric<kasim_core::settle::Pnl>; 3] = [
            ("gross_invoiced_sales", Text::both("Gross invoiced sales", "开票销售额"), |p| {
                Value::Money(p.gross_invoiced_sales)
            }),
            ("returns", Text::both("Returns", "退货"), |p| Value::Cost(p.returns)),
            ("net_invoiced_sales", Text::both("Net invoiced sales", "净销售额"), |p| {
                Value::Money(p.net_invoiced_sales)
            }),
        ];
        for (key, label, f) in pnl {
            row(&mut t, key, label, 0, &|e| f(&e.pnl));
        }
        for k in kasim_core::fees::FeeKind::ALL {
            if !list.iter().any(|e| e.pnl.fees_by_kind.iter().any(|x| x.kind == k)) {
                continue;
            }
            row(&mut t, &format!("fee.{}", k.code()), Text::both(k.english(), k.chinese()), 1, &|e| {
                // A kind the contract does not book is absent from its JSON: `–`, not 0.00.
                e.pnl.fees_by_kind.iter().find(|x| x.kind == k).map_or(Value::Missing, |x| Value::Cost(x.amount))
            });
        }
        let pnl: [Metric<kasim_core::settle::Pnl>; 6] = [
            ("fees_total", Text::both("Fees total", "费用合计"), |p| Value::Cost(p.fees_total)),
            ("net_revenue", Text::both("Net revenue", "净收入"), |p| Value::Money(p.net_revenue)),
            ("cost_of_goods", Text::both("Cost of goods", "产品成本"), |p| Value::Cost(p.cost_of_goods)),
            ("gross_profit", Text::both("Gross profit", "毛利"), |p| Value::Money(p.gross_profit)),
            ("financing_cost", Text::both("Financing cost", "账期资金成本"), |p| Value::Cost(p.financing_cost)),
            ("net_contribution", Text::both("Net contribution", "净贡献"), |p| Value::Money(p.net_contribution)),
        ];
        for (key, label, f) in pnl {
            row(&mut t, key, label, 0, &|e| f(&e.pnl));
        }
        t.blank();
        let ratios: [Metric<kasim_core::settle::Pnl>; 6] = [
            ("effective_fee_ratio", Text::both("Effective fee ratio", "费用率"), |p| {
                Value::rate(p.effective_fee_ratio)
            }),
            ("contribution_margin", Text::both("Contribution margin", "贡献率"), |p| {
                Value::rate(p.contribution_margin)
            }),
            ("net_net_price", Text::both("Net-net price per unit", "净净价"), |p| {
                p.net_net_price.map_or(Value::Missing, Value::UnitPrice)
            }),
            ("units_delivered", Text::both("Units delivered", "送货数量"), |p| Value::Count(p.units_delivered)),
            ("units_returned", Text::both("Units returned", "退货数量"), |p| Value::Count(p.units_returned)),
            ("units_sold", Text::both("Units sold", "销售数量"), |p| Value::Count(p.units_sold)),
        ];
        for (key, label, f) in ratios {
            row(&mut t, key, label, 0, &|e| f(&e.pnl));
        }
        row(&mut t, "contribution_per_store", Text::both("Contribution per store", "单店贡献"), 0, &|e| {
            Value::money(e.contribution_per_store)
        });
        row(&mut t, "contribution_per_sku", Text::both("Contribution per SKU", "单品贡献"), 0, &|e| {
            Value::Money(e.contribution_per_sku)
        });
        t.blank();
        t.row(vec![Value::label("retailer_view", Text::both("Retailer view", "零售商视角"))]);
        let view: [Metric<kasim_core::settle::RetailerView>; 7] = [
            ("retail_sales", Text::both("Retail sales", "零售额"), |v| Value::Money(v.retail_sales)),
            ("front_margin", Text::both("Front margin", "前台毛利"), |v| Value::Money(v.front_margin)),
            ("front_margin_pct", Text::both("Front margin %", "前台毛利率"), |v| Value::rate(v.front_margin_pct)),
            ("back_margin", Text::both("Back margin", "后台毛利"), |v| Value::Money(v.back_margin)),
            ("back_margin_pct", Text::both("Back margin %", "后台毛利率"), |v| Value::rate(v.back_margin_pct)),
            ("total_margin", Text::both("Total margin", "综合毛利"), |v| Value::Money(v.total_margin)),
            ("total_margin_pct", Text::both("Total margin %", "综合毛利率"), |v| Value::rate(v.total_margin_pct)),
        ];
        for (key, label, f) in view {
            row(&mut t, key, label, 1, &|e| f(&e.retailer_view));
        }
        let mut doc = Document::default();
        doc.blocks.push(t.into());
        doc.notes.push(Text::en(
            "Amounts are costs to the supplier when negative. Fees are settled per the ledger: run `kasim explain FILE`.",
        ));
        doc
    }

    fn csv_table(&self) -> Option<&str> {
        Some("pnl")
    }
}

/// One rule's share of the ledger (a rule's fee and financing lines are kept apart).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleTotal {
    /// The rule's id.
    pub rule: String,
    /// Fee kind.
    pub kind: kasim_core::fees::FeeKind,
    /// English label.
    pub label: String,
    /// Chinese label.
    pub label_zh: String,
    /// Ledger lines.
    pub lines: u64,
    /// Their total.
    pub total: Decimal,
}

/// The ledger against the P&L: fee lines sum to the fees total, financing lines to the
/// financing cost.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reconciliation {
    /// Σ fee lines.
    pub fee_lines: Decimal,
    /// Σ financing lines.
    pub financing_lines: Decimal,
    /// Both sums equal the P&L.
    pub balanced: bool,
}

/// `kasim explain`: one contract's ledger, per-rule totals and the reconciliation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExplainReport {
    /// The file.
    pub file: String,
    /// Contract name.
    pub contract: String,
    /// Retailer name.
    pub retailer: String,
    /// Currency.
    pub currency: String,
    /// The supplier's P&L.
    pub pnl: kasim_core::settle::Pnl,
    /// The retailer's view.
    pub retailer_view: kasim_core::settle::RetailerView,
    /// Every booked line.
    pub ledger: Vec<kasim_core::settle::LedgerLine>,
    /// Channel (English name).
    pub channel: &'static str,
    /// Stores at the start of the year.
    pub stores: u32,
    /// Totals per rule and kind, in ledger order.
    pub by_rule: Vec<RuleTotal>,
    /// The ledger against the P&L.
    pub reconciliation: Reconciliation,
    /// Where each term comes from, when the contract extends another (omitted otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<TermSource>,
}

impl ExplainReport {
    /// The explained ledger of an evaluation.
    pub fn new(e: Evaluation) -> ExplainReport {
        let mut by_rule: Vec<RuleTotal> = Vec::new();
        for l in &e.ledger {
            match by_rule.iter_mut().find(|r| r.rule == l.rule && r.kind == l.kind) {
                Some(r) => {
                    r.lines += 1;
                    r.total += l.amount;
                }
                None => by_rule.push(RuleTotal {
                    rule: l.rule.clone(),
                    kind: l.kind,
                    label: l.label.clone(),
                    label_zh: l.label_zh.clone(),
                    lines: 1,
                    total: l.amount,
                }),
            }
        }
        let fee_lines: Decimal = e.ledger.iter().filter(|l| l.kind.is_fee()).map(|l| l.amount).sum();
        let financing_lines: Decimal = e.ledger.iter().filter(|l| !l.kind.is_fee()).map(|l| l.amount).sum();
        let balanced = fee_lines == e.pnl.fees_total && financing_lines == e.pnl.financing_cost;
        ExplainReport {
            file: e.file,
            channel: e.channel,
            stores: e.stores,
            contract: e.contract,
            retailer: e.retailer,
            currency: e.currency,
            pnl: e.pnl,
            retailer_view: e.retailer_view,
            ledger: e.ledger,
            by_rule,
            reconciliation: Reconciliation { fee_lines, financing_lines, balanced },
            sources: e.sources,
        }
    }

    fn title(&self) -> Text {
        Text::en(format!(
            "{} — {} ({}, {} stores), amounts in {}",
            self.contract, self.retailer, self.channel, self.stores, self.currency
        ))
    }

    pub(crate) fn blocks(&self) -> Vec<crate::Block> {
        let mut t = Table::new(
            "ledger",
            vec![
                Column::number("period", "Period"),
                Column::text("rule", "Rule"),
                Column::text("label", Text::both("Label", "名称")),
                Column::text("kind", "Kind").detail(),
                Column::number("base", "Base").detail(),
                Column::number("rate", "Rate").detail(),
                Column::number("unit_amount", "Unit amount").detail(),
                Column::number("amount", "Amount"),
                Column::text("formula", "Formula"),
            ],
        )
        // A narrow terminal repeats the period and the rule in each column group.
        .keyed(2);
        let d = |x: Option<Decimal>| x.map_or(Value::Missing, |v| Value::Decimal(v.normalize()));
        for l in &self.ledger {
            t.row(vec![
                Value::Count(i64::from(l.period)),
                Value::text(&l.rule),
                Value::Name(Text::both(&l.label, &l.label_zh)),
                Value::text(l.kind.code()),
                d(l.base),
                d(l.rate),
                d(l.unit_amount),
                Value::Money(l.amount),
                Value::text(&l.formula),
            ]);
        }
        let mut r = Table::new(
            "by_rule",
            vec![
                Column::text("rule", "Rule"),
                Column::text("label", Text::both("Label", "名称")),
                Column::number("lines", "Lines"),
                Column::number("total", "Total"),
            ],
        )
        .titled(Text::both("By rule", "按条款汇总"));
        for x in &self.by_rule {
            r.row(vec![
                Value::text(&x.rule),
                Value::Name(Text::both(&x.label, &x.label_zh)),
                Value::Count(x.lines as i64),
                Value::Money(x.total),
            ]);
        }
        let mut blocks = vec![self.waterfall().into(), t.into(), r.into()];
        if !self.sources.is_empty() {
            blocks.push(self.sources_table().into());
        }
        blocks
    }

    /// "Where the terms come from": every fee rule (removed ones included) and every other
    /// term an extending file changed, with the file and line of its latest statement.
    fn sources_table(&self) -> Table {
        let mut t = Table::new(
            "sources",
            vec![
                Column::text("item", Text::both("Term", "条款")),
                Column::text("status", Text::both("Origin", "来源")),
                Column::text("file", "File"),
                Column::number("line", "Line"),
                Column::text("changed", Text::both("Changed", "修改项")),
            ],
        )
        .titled(Text::both("Where the terms come from", "条款来源"));
        for x in &self.sources {
            let fee = x.item.starts_with("fees.");
            if !fee && x.status == kasim_core::source::OriginStatus::Inherited {
                continue;
            }
            t.row(vec![
                Value::text(&x.item),
                Value::text(x.status.names().0),
                Value::text(&x.file),
                Value::Count(x.line as i64),
                if x.changed.is_empty() { Value::Empty } else { Value::text(&x.changed) },
            ]);
        }
        t
    }

    /// What the year costs the supplier, built up against its net invoiced sales: from the
    /// cost of goods through each fee kind (up steps, red: more cost) and the financing cost
    /// to the total cost; the net invoiced sales are marked, so the gap between the marker and
    /// the last bar is the net contribution.
    pub fn waterfall(&self) -> Chart {
        let f = |d: Decimal| d.to_f64().unwrap_or(0.0);
        let p = &self.pnl;
        let mut steps: Vec<(Text, f64)> =
            p.fees_by_kind.iter().map(|k| (Text::both(k.label, k.label_zh), f(k.amount))).collect();
        if !p.financing_cost.is_zero() {
            steps.push((Text::both("Financing cost", "资金成本"), f(p.financing_cost)));
        }
        Chart {
            id: "waterfall".into(),
            title: Text::both(
                format!("{} — costs against net invoiced sales", self.contract),
                format!("{} — 成本与净销售额", self.contract),
            ),
            value_axis: Text::both("amount", "金额"),
            other_axis: Text::en(""),
            currency: Some(self.currency.clone()),
            kind: ChartKind::Waterfall {
                start: (Text::both("Cost of goods", "销货成本"), f(p.cost_of_goods)),
                steps,
                end: Text::both("Total cost", "总成本"),
            },
            markers: vec![Marker {
                label: Text::both("net invoiced sales", "净销售额"),
                value: f(p.net_invoiced_sales),
            }],
        }
    }

    fn notes(&self) -> Vec<Text> {
        let money = |d: Decimal| format_money(d, 2);
        let ok = |a: Decimal, b: Decimal| if a == b { "✓" } else { "✗ MISMATCH" };
        let (s, r) = (&self.pnl, &self.reconciliation);
        vec![
            Text::en(format!(
                "Reconciliation 对账: fee lines {} = P&L fees total {} {}; financing lines {} = P&L financing cost {} {}",
                money(r.fee_lines),
                money(s.fees_total),
                ok(r.fee_lines, s.fees_total),
                money(r.financing_lines),
                money(s.financing_cost),
                ok(r.financing_lines, s.financing_cost),
            )),
            Text::en(format!(
                "Net contribution 净贡献 {} = net invoiced {} − fees {} − cost of goods {} − financing {}",
                money(s.net_contribution),
                money(s.net_invoiced_sales),
                money(s.fees_total),
                money(s.cost_of_goods),
                money(s.financing_cost)
            )),
        ]
    }
}

impl Report for ExplainReport {
    fn schema(&self) -> &'static str {
        "kasim.explain/1"
    }

    fn document(&self) -> Document {
        Document { title: self.title(), subtitle: Vec::new(), blocks: self.blocks(), notes: self.notes() }
    }

    fn csv_table(&self) -> Option<&str> {
        Some("ledger")
    }
}

/// `kasim replay`: the explained ledger of one simulated scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplayReport {
    /// Scenario index (0-based).
    pub scenario: u64,
    /// Master seed of the run.
    pub seed: u64,
    /// The scenario's settlement, explained.
    #[serde(flatten)]
    pub explain: ExplainReport,
}

impl Report for ReplayReport {
    fn schema(&self) -> &'static str {
        "kasim.replay/1"
    }

    fn document(&self) -> Document {
        Document {
            title: Text::en(format!("Scenario {} of seed {}", self.scenario, self.seed)),
            subtitle: vec![self.explain.title()],
            blocks: self.explain.blocks(),
            notes: self.explain.notes(),
        }
    }

    fn csv_table(&self) -> Option<&str> {
        Some("ledger")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handbook's 2027 draft extends the 2026 contract: its explain report lists every fee
    /// rule's origin and the other terms the draft changed, and stays consistent with its JSON.
    #[test]
    fn a_draft_explains_where_its_terms_come_from() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/handbook-2027-draft.toml");
        let c = kasim_core::load(&path).unwrap();
        let r = ExplainReport::new(Evaluation::new("draft.toml", &c, kasim_core::evaluate(&c).unwrap()));
        crate::testing::assert_consistent(&r);
        let doc = r.document();
        let t = doc.table("sources").expect("a table of sources");
        let rows: Vec<(String, String)> = t
            .rows
            .iter()
            .map(|row| match (&row[0], &row[1]) {
                (Value::Text(a), Value::Text(b)) => (a.clone(), b.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        let has = |item: &str, status: &str| rows.iter().any(|(i, s)| i == item && s == status);
        assert!(has("fees.dm", "overridden") && has("fees.stockout", "inherited"), "{rows:?}");
        assert!(has("fees.festival", "removed") && has("fees.anniversary", "added"), "{rows:?}");
        assert!(has("payment", "overridden") && has("name", "overridden"), "{rows:?}");
        // Inherited terms other than fee rules are left out of the table (not of the JSON).
        assert!(!rows.iter().any(|(i, _)| i == "retailer" || i.starts_with("skus.")), "{rows:?}");
        assert!(
            r.sources.iter().any(|s| s.item == "retailer" && s.status == kasim_core::source::OriginStatus::Inherited)
        );
        let fees = rows.iter().filter(|(i, _)| i.starts_with("fees.")).count();
        assert_eq!(fees, c.fees.len() + 1, "every rule, and the removed one");
    }
}
