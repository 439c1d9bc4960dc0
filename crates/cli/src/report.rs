//! What users see: P&L tables, the explained ledger, JSON and CSV.

use std::collections::BTreeMap;

use kasim_core::Settlement;
use kasim_core::fees::FeeKind;
use kasim_core::money::format_money;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::table::{Align, Table};

/// The byte-order mark that makes Excel read CSV as UTF-8.
pub const BOM: &str = "\u{feff}";

fn money(d: Decimal) -> String {
    format_money(d, 2)
}

fn pct(d: Option<Decimal>) -> String {
    d.map_or_else(|| "–".to_string(), |x| format!("{:.2}%", x * Decimal::ONE_HUNDRED))
}

fn opt_money(d: Option<Decimal>) -> String {
    d.map_or_else(|| "–".to_string(), |x| format_money(x, 4))
}

/// One evaluated contract, with the identity users need to tell columns apart.
pub struct Evaluated {
    /// The file it came from.
    pub file: String,
    /// Channel name.
    pub channel: &'static str,
    /// Stores at start.
    pub stores: u32,
    /// SKUs carried.
    pub skus: usize,
    /// The settlement.
    pub settlement: Settlement,
}

/// The rows of the P&L comparison: (label, value per contract).
fn pnl_rows(list: &[Evaluated]) -> Vec<(String, Vec<String>)> {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let col = |f: &dyn Fn(&Evaluated) -> String| list.iter().map(f).collect::<Vec<_>>();
    rows.push(("Retailer 零售商".into(), col(&|e| e.settlement.retailer.clone())));
    rows.push(("Channel 渠道".into(), col(&|e| e.channel.to_string())));
    rows.push(("Stores at start 门店数".into(), col(&|e| e.stores.to_string())));
    rows.push(("Currency 币种".into(), col(&|e| e.settlement.currency.clone())));
    rows.push((String::new(), vec![]));
    rows.push(("Gross invoiced sales 开票销售额".into(), col(&|e| money(e.settlement.pnl.gross_invoiced_sales))));
    rows.push(("Returns 退货".into(), col(&|e| money(-e.settlement.pnl.returns))));
    rows.push(("Net invoiced sales 净销售额".into(), col(&|e| money(e.settlement.pnl.net_invoiced_sales))));
    let kinds: Vec<FeeKind> = FeeKind::ALL
        .iter()
        .copied()
        .filter(|k| list.iter().any(|e| e.settlement.pnl.fees_by_kind.iter().any(|x| x.kind == *k)))
        .collect();
    for k in kinds {
        rows.push((
            format!("  {} {}", k.english(), k.chinese()),
            col(&|e| {
                let v = e.settlement.pnl.fees_by_kind.iter().find(|x| x.kind == k).map_or(Decimal::ZERO, |x| x.amount);
                money(-v)
            }),
        ));
    }
    rows.push(("Fees total 费用合计".into(), col(&|e| money(-e.settlement.pnl.fees_total))));
    rows.push(("Net revenue 净收入".into(), col(&|e| money(e.settlement.pnl.net_revenue))));
    rows.push(("Cost of goods 产品成本".into(), col(&|e| money(-e.settlement.pnl.cost_of_goods))));
    rows.push(("Gross profit 毛利".into(), col(&|e| money(e.settlement.pnl.gross_profit))));
    rows.push(("Financing cost 账期资金成本".into(), col(&|e| money(-e.settlement.pnl.financing_cost))));
    rows.push(("Net contribution 净贡献".into(), col(&|e| money(e.settlement.pnl.net_contribution))));
    rows.push((String::new(), vec![]));
    rows.push(("Effective fee ratio 费用率".into(), col(&|e| pct(e.settlement.pnl.effective_fee_ratio))));
    rows.push(("Contribution margin 贡献率".into(), col(&|e| pct(e.settlement.pnl.contribution_margin))));
    rows.push(("Net-net price per unit 净净价".into(), col(&|e| opt_money(e.settlement.pnl.net_net_price))));
    rows.push((
        "Units delivered 送货数量".into(),
        col(&|e| format_money(Decimal::from(e.settlement.pnl.units_delivered), 0)),
    ));
    rows.push((
        "Contribution per store 单店贡献".into(),
        col(&|e| {
            if e.stores == 0 {
                "–".into()
            } else {
                money(
                    (e.settlement.pnl.net_contribution / Decimal::from(e.stores))
                        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
                )
            }
        }),
    ));
    rows.push((
        "Contribution per SKU 单品贡献".into(),
        col(&|e| {
            money(
                (e.settlement.pnl.net_contribution / Decimal::from(e.skus.max(1)))
                    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
            )
        }),
    ));
    rows.push((String::new(), vec![]));
    rows.push(("Retailer view 零售商视角".into(), vec![]));
    rows.push(("  Retail sales 零售额".into(), col(&|e| money(e.settlement.retailer_view.retail_sales))));
    rows.push((
        "  Front margin 前台毛利".into(),
        col(&|e| {
            let v = &e.settlement.retailer_view;
            format!("{} ({})", money(v.front_margin), pct(v.front_margin_pct))
        }),
    ));
    rows.push((
        "  Back margin 后台毛利".into(),
        col(&|e| {
            let v = &e.settlement.retailer_view;
            format!("{} ({})", money(v.back_margin), pct(v.back_margin_pct))
        }),
    ));
    rows.push((
        "  Total margin 综合毛利".into(),
        col(&|e| {
            let v = &e.settlement.retailer_view;
            format!("{} ({})", money(v.total_margin), pct(v.total_margin_pct))
        }),
    ));
    rows
}

/// The side-by-side P&L table.
pub fn evaluate_table(list: &[Evaluated]) -> String {
    let mut align = vec![Align::Left];
    align.extend(std::iter::repeat_n(Align::Right, list.len()));
    let mut t = Table::new(align);
    let mut head = vec!["Contract 合同".to_string()];
    head.extend(list.iter().map(|e| e.settlement.contract.clone()));
    t.row(head);
    t.rule();
    for (label, vals) in pnl_rows(list) {
        if label.is_empty() {
            t.blank();
            continue;
        }
        let mut r = vec![label];
        r.extend(vals);
        t.row(r);
    }
    let mut s = t.render();
    s.push_str("\nAmounts are costs to the supplier when negative. Fees are settled per the ledger: run `kasim explain FILE`.\n");
    s
}

/// CSV of the P&L comparison: one row per metric, one column per contract.
pub fn evaluate_csv(list: &[Evaluated]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["metric".to_string()];
    head.extend(list.iter().map(|e| e.settlement.contract.clone()));
    w.write_record(&head)?;
    for (key, vals) in pnl_csv_rows(list) {
        let mut r = vec![key];
        r.extend(vals);
        w.write_record(&r)?;
    }
    finish_csv(w)
}

fn finish_csv(w: csv::Writer<Vec<u8>>) -> Result<String, csv::Error> {
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(format!("{BOM}{}", String::from_utf8_lossy(&bytes)))
}

/// Plain (unformatted) values for CSV: decimal strings, no separators.
fn pnl_csv_rows(list: &[Evaluated]) -> Vec<(String, Vec<String>)> {
    let col = |f: &dyn Fn(&Evaluated) -> String| list.iter().map(f).collect::<Vec<_>>();
    let d = |x: Option<Decimal>| x.map_or_else(String::new, |v| v.to_string());
    let mut rows = vec![
        ("retailer".to_string(), col(&|e| e.settlement.retailer.clone())),
        ("channel".into(), col(&|e| e.channel.to_string())),
        ("stores".into(), col(&|e| e.stores.to_string())),
        ("currency".into(), col(&|e| e.settlement.currency.clone())),
        ("gross_invoiced_sales".into(), col(&|e| e.settlement.pnl.gross_invoiced_sales.to_string())),
        ("returns".into(), col(&|e| e.settlement.pnl.returns.to_string())),
        ("net_invoiced_sales".into(), col(&|e| e.settlement.pnl.net_invoiced_sales.to_string())),
    ];
    for k in FeeKind::ALL.iter().filter(|k| k.is_fee()) {
        if list.iter().any(|e| e.settlement.pnl.fees_by_kind.iter().any(|x| x.kind == *k)) {
            rows.push((
                format!("fee.{}", k.code()),
                col(&|e| {
                    e.settlement
                        .pnl
                        .fees_by_kind
                        .iter()
                        .find(|x| x.kind == *k)
                        .map_or("0.00".into(), |x| x.amount.to_string())
                }),
            ));
        }
    }
    rows.extend([
        ("fees_total".to_string(), col(&|e| e.settlement.pnl.fees_total.to_string())),
        ("net_revenue".into(), col(&|e| e.settlement.pnl.net_revenue.to_string())),
        ("cost_of_goods".into(), col(&|e| e.settlement.pnl.cost_of_goods.to_string())),
        ("gross_profit".into(), col(&|e| e.settlement.pnl.gross_profit.to_string())),
        ("financing_cost".into(), col(&|e| e.settlement.pnl.financing_cost.to_string())),
        ("net_contribution".into(), col(&|e| e.settlement.pnl.net_contribution.to_string())),
        ("effective_fee_ratio".into(), col(&|e| d(e.settlement.pnl.effective_fee_ratio))),
        ("contribution_margin".into(), col(&|e| d(e.settlement.pnl.contribution_margin))),
        ("net_net_price".into(), col(&|e| d(e.settlement.pnl.net_net_price))),
        ("units_delivered".into(), col(&|e| e.settlement.pnl.units_delivered.to_string())),
        ("units_returned".into(), col(&|e| e.settlement.pnl.units_returned.to_string())),
        ("units_sold".into(), col(&|e| e.settlement.pnl.units_sold.to_string())),
        ("retail_sales".into(), col(&|e| e.settlement.retailer_view.retail_sales.to_string())),
        ("front_margin".into(), col(&|e| e.settlement.retailer_view.front_margin.to_string())),
        ("front_margin_pct".into(), col(&|e| d(e.settlement.retailer_view.front_margin_pct))),
        ("back_margin".into(), col(&|e| e.settlement.retailer_view.back_margin.to_string())),
        ("back_margin_pct".into(), col(&|e| d(e.settlement.retailer_view.back_margin_pct))),
        ("total_margin".into(), col(&|e| e.settlement.retailer_view.total_margin.to_string())),
        ("total_margin_pct".into(), col(&|e| d(e.settlement.retailer_view.total_margin_pct))),
    ]);
    rows
}

/// The JSON document of `evaluate` (format version 1).
#[derive(Serialize)]
pub struct EvaluateJson<'a> {
    /// Format version.
    pub format: &'static str,
    /// One entry per contract, in argument order.
    pub contracts: Vec<EvaluateEntry<'a>>,
}

/// One contract in `evaluate` JSON.
#[derive(Serialize)]
pub struct EvaluateEntry<'a> {
    /// The file.
    pub file: &'a str,
    /// Contract name.
    pub contract: &'a str,
    /// Retailer name.
    pub retailer: &'a str,
    /// Channel.
    pub channel: &'static str,
    /// Stores at start.
    pub stores: u32,
    /// Currency.
    pub currency: &'a str,
    /// P&L.
    pub pnl: &'a kasim_core::settle::Pnl,
    /// Retailer view.
    pub retailer_view: &'a kasim_core::settle::RetailerView,
}

/// `evaluate --format json`.
pub fn evaluate_json(list: &[Evaluated]) -> Result<String, serde_json::Error> {
    let doc = EvaluateJson {
        format: "kasim.evaluate/1",
        contracts: list
            .iter()
            .map(|e| EvaluateEntry {
                file: &e.file,
                contract: &e.settlement.contract,
                retailer: &e.settlement.retailer,
                channel: e.channel,
                stores: e.stores,
                currency: &e.settlement.currency,
                pnl: &e.settlement.pnl,
                retailer_view: &e.settlement.retailer_view,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).map(|s| s + "\n")
}

/// `explain` as text: the ledger, per-rule totals and the reconciliation with the P&L.
pub fn explain_table(e: &Evaluated) -> String {
    let s = &e.settlement;
    let mut out =
        format!("{} — {} ({}, {} stores), amounts in {}\n\n", s.contract, s.retailer, e.channel, e.stores, s.currency);
    let mut t = Table::new(vec![Align::Right, Align::Left, Align::Left, Align::Right, Align::Left]);
    t.row(["Period", "Rule", "Label 名称", "Amount", "Formula"]);
    t.rule();
    for l in &s.ledger {
        t.row([
            l.period.to_string(),
            l.rule.clone(),
            format!("{} {}", l.label, l.label_zh),
            money(l.amount),
            l.formula.clone(),
        ]);
    }
    out.push_str(&t.render());

    out.push_str("\nBy rule 按条款汇总\n");
    // Grouped by rule and kind, so the payment terms show the discount and financing apart.
    let mut by_rule: BTreeMap<(usize, String), (String, Decimal, usize)> = BTreeMap::new();
    let mut order: Vec<(&str, FeeKind)> = Vec::new();
    for l in &s.ledger {
        let key = (l.rule.as_str(), l.kind);
        let idx = match order.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                order.push(key);
                order.len() - 1
            }
        };
        let label = format!("{} {}", l.label, l.label_zh);
        let entry = by_rule.entry((idx, l.rule.clone())).or_insert((label, Decimal::ZERO, 0));
        entry.1 += l.amount;
        entry.2 += 1;
    }
    let mut t = Table::new(vec![Align::Left, Align::Left, Align::Right, Align::Right]);
    t.row(["Rule", "Label 名称", "Lines", "Total"]);
    t.rule();
    for ((_, rule), (label, total, n)) in &by_rule {
        t.row([rule.clone(), label.clone(), n.to_string(), money(*total)]);
    }
    out.push_str(&t.render());

    let fee_sum: Decimal = s.ledger.iter().filter(|l| l.kind.is_fee()).map(|l| l.amount).sum();
    let fin_sum: Decimal = s.ledger.iter().filter(|l| !l.kind.is_fee()).map(|l| l.amount).sum();
    let ok = |a: Decimal, b: Decimal| if a == b { "✓" } else { "✗ MISMATCH" };
    out.push_str(&format!(
        "\nReconciliation 对账: fee lines {} = P&L fees total {} {}; financing lines {} = P&L financing cost {} {}\n",
        money(fee_sum),
        money(s.pnl.fees_total),
        ok(fee_sum, s.pnl.fees_total),
        money(fin_sum),
        money(s.pnl.financing_cost),
        ok(fin_sum, s.pnl.financing_cost),
    ));
    out.push_str(&format!(
        "Net contribution 净贡献 {} = net invoiced {} − fees {} − cost of goods {} − financing {}\n",
        money(s.pnl.net_contribution),
        money(s.pnl.net_invoiced_sales),
        money(s.pnl.fees_total),
        money(s.pnl.cost_of_goods),
        money(s.pnl.financing_cost)
    ));
    out
}

/// `explain --format csv`: one row per ledger line.
pub fn explain_csv(e: &Evaluated) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "period",
        "rule",
        "label",
        "label_zh",
        "kind",
        "base",
        "rate",
        "unit_amount",
        "amount",
        "formula",
    ])?;
    let d = |x: Option<Decimal>| x.map_or_else(String::new, |v| v.normalize().to_string());
    for l in &e.settlement.ledger {
        w.write_record([
            l.period.to_string(),
            l.rule.clone(),
            l.label.clone(),
            l.label_zh.clone(),
            l.kind.code().to_string(),
            d(l.base),
            d(l.rate),
            d(l.unit_amount),
            l.amount.to_string(),
            l.formula.clone(),
        ])?;
    }
    finish_csv(w)
}

/// `explain --format json`: the whole settlement (format version 1).
pub fn explain_json(e: &Evaluated) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Doc<'a> {
        format: &'static str,
        file: &'a str,
        #[serde(flatten)]
        settlement: &'a Settlement,
    }
    serde_json::to_string_pretty(&Doc { format: "kasim.explain/1", file: &e.file, settlement: &e.settlement })
        .map(|s| s + "\n")
}
