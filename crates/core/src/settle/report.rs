//! The settlement a user reads: ledger, supplier P&L and the retailer's view.

use rust_decimal::Decimal;
use serde::Serialize;

use super::{Compiled, Line, Totals};
use crate::fees::FeeKind;

/// One booked amount, labelled.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LedgerLine {
    /// The rule's id (`payment-terms` for financing and early-payment discount).
    pub rule: String,
    /// English label.
    pub label: String,
    /// Chinese label.
    pub label_zh: String,
    /// Fee kind code.
    pub kind: FeeKind,
    /// 1-based period.
    pub period: u16,
    /// The base (money or units), when the line has one.
    pub base: Option<Decimal>,
    /// The rate applied, when a percentage.
    pub rate: Option<Decimal>,
    /// The amount per unit or item, when counted.
    pub unit_amount: Option<Decimal>,
    /// The booked (rounded) amount: a cost to the supplier when positive.
    pub amount: Decimal,
    /// The formula with its numbers filled in.
    pub formula: String,
}

/// The supplier's P&L for the contract year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pnl {
    /// Σ delivered × invoice price.
    pub gross_invoiced_sales: Decimal,
    /// Credit notes for returned goods.
    pub returns: Decimal,
    /// Gross invoiced sales − returns.
    pub net_invoiced_sales: Decimal,
    /// Fees by kind (non-zero kinds only, financing excluded), in P&L order.
    pub fees_by_kind: Vec<KindAmount>,
    /// Sum of all fees (trade spend).
    pub fees_total: Decimal,
    /// Net invoiced sales − fees.
    pub net_revenue: Decimal,
    /// Cost of goods delivered, less recovery on returns.
    pub cost_of_goods: Decimal,
    /// Net revenue − cost of goods.
    pub gross_profit: Decimal,
    /// Financing cost of the payment terms.
    pub financing_cost: Decimal,
    /// Gross profit − financing cost: what the contract contributes.
    pub net_contribution: Decimal,
    /// Fees ÷ net invoiced sales (费用率), 4 decimals.
    pub effective_fee_ratio: Option<Decimal>,
    /// Net contribution ÷ net invoiced sales, 4 decimals.
    pub contribution_margin: Option<Decimal>,
    /// Net revenue per net unit (net-net price), 4 decimals.
    pub net_net_price: Option<Decimal>,
    /// Units delivered.
    pub units_delivered: i64,
    /// Units returned.
    pub units_returned: i64,
    /// Units sold to shoppers.
    pub units_sold: i64,
}

/// A fee kind and its total.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindAmount {
    /// The kind.
    pub kind: FeeKind,
    /// English name.
    pub label: &'static str,
    /// Chinese name.
    pub label_zh: &'static str,
    /// Total booked.
    pub amount: Decimal,
}

/// The retailer's view: front margin (shelf − invoice) and back margin (fees).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetailerView {
    /// Σ sold × shelf price in effect.
    pub retail_sales: Decimal,
    /// Σ sold × invoice price.
    pub cost_of_sales: Decimal,
    /// Retail sales − cost of sales (前台毛利).
    pub front_margin: Decimal,
    /// Front margin ÷ retail sales.
    pub front_margin_pct: Option<Decimal>,
    /// The fees the supplier pays (后台毛利).
    pub back_margin: Decimal,
    /// Back margin ÷ retail sales.
    pub back_margin_pct: Option<Decimal>,
    /// Front + back margin.
    pub total_margin: Decimal,
    /// Total margin ÷ retail sales.
    pub total_margin_pct: Option<Decimal>,
}

/// A settled contract year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Settlement {
    /// Contract name.
    pub contract: String,
    /// Retailer name.
    pub retailer: String,
    /// Currency.
    pub currency: String,
    /// Supplier P&L.
    pub pnl: Pnl,
    /// Retailer view.
    pub retailer_view: RetailerView,
    /// Every booked line; fee lines sum to `pnl.fees_total`, financing lines to
    /// `pnl.financing_cost`.
    pub ledger: Vec<LedgerLine>,
    /// The raw totals.
    #[serde(skip)]
    pub totals: Totals,
}

/// Money bases aggregated in millionths print with the contract's decimals when that loses
/// nothing (`500000.000000` → `500000.00`); unit counts and finer amounts are left as they are.
fn tidy(b: Decimal, decimals: u32) -> Decimal {
    if b.scale() <= decimals {
        return b;
    }
    let mut n = b.normalize();
    if n.scale() <= decimals {
        n.rescale(decimals);
    }
    n
}

/// a ÷ b to 4 decimals, half-up; `None` when b is zero.
pub(crate) fn ratio(a: Decimal, b: Decimal) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    a.checked_div(b).map(|r| {
        let mut r = r.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        r.rescale(4);
        r
    })
}

impl Pnl {
    /// Builds the P&L from settlement totals.
    pub fn from_totals(t: &Totals, decimals: u32) -> Pnl {
        let fix = |mut d: Decimal| {
            d.rescale(decimals);
            d
        };
        let net_invoiced = t.gross_invoiced - t.returns;
        let fees_total = t.fees_total();
        let net_revenue = net_invoiced - fees_total;
        let gross_profit = net_revenue - t.cost_of_goods;
        let financing = t.financing();
        let net_contribution = gross_profit - financing;
        let net_units = Decimal::from(t.units_delivered - t.units_returned);
        Pnl {
            gross_invoiced_sales: fix(t.gross_invoiced),
            returns: fix(t.returns),
            net_invoiced_sales: fix(net_invoiced),
            fees_by_kind: FeeKind::ALL
                .iter()
                .filter(|k| k.is_fee() && !t.by_kind[k.index()].is_zero())
                .map(|&k| KindAmount {
                    kind: k,
                    label: k.english(),
                    label_zh: k.chinese(),
                    amount: fix(t.by_kind[k.index()]),
                })
                .collect(),
            fees_total: fix(fees_total),
            net_revenue: fix(net_revenue),
            cost_of_goods: fix(t.cost_of_goods),
            gross_profit: fix(gross_profit),
            financing_cost: fix(financing),
            net_contribution: fix(net_contribution),
            effective_fee_ratio: ratio(fees_total, net_invoiced),
            contribution_margin: ratio(net_contribution, net_invoiced),
            net_net_price: ratio(net_revenue, net_units),
            units_delivered: t.units_delivered,
            units_returned: t.units_returned,
            units_sold: t.units_sold,
        }
    }
}

impl RetailerView {
    /// Builds the retailer's view from settlement totals.
    pub fn from_totals(t: &Totals, decimals: u32) -> RetailerView {
        let fix = |mut d: Decimal| {
            d.rescale(decimals);
            d
        };
        let front = t.retail_sales - t.retailer_cost_of_sales;
        let back = t.fees_total();
        RetailerView {
            retail_sales: fix(t.retail_sales),
            cost_of_sales: fix(t.retailer_cost_of_sales),
            front_margin: fix(front),
            front_margin_pct: ratio(front, t.retail_sales),
            back_margin: fix(back),
            back_margin_pct: ratio(back, t.retail_sales),
            total_margin: fix(front + back),
            total_margin_pct: ratio(front + back, t.retail_sales),
        }
    }
}

impl Settlement {
    pub(crate) fn build(m: &Compiled<'_>, lines: Vec<Line>, totals: Totals) -> Settlement {
        let c = m.contract;
        let ledger = lines
            .iter()
            .map(|l| {
                let (rule, label, label_zh) = match l.rule {
                    Some(i) => {
                        let f = &c.fees[i];
                        (f.id.clone(), f.label().to_string(), f.label_zh().to_string())
                    }
                    None => ("payment-terms".to_string(), l.kind.english().to_string(), l.kind.chinese().to_string()),
                };
                LedgerLine {
                    rule,
                    label,
                    label_zh,
                    kind: l.kind,
                    period: l.period,
                    base: l.formula.base().map(|b| tidy(b, c.rounding.decimals)),
                    rate: l.formula.rate(),
                    unit_amount: l.formula.unit_amount(),
                    amount: l.amount,
                    formula: match (l.formula, l.rule.map(|i| &c.fees[i].rule)) {
                        // A graduated scale itemises its bands.
                        (
                            crate::fees::formula::Formula::Graduated { base, .. },
                            Some(crate::fees::Rule::TieredRebate(t)),
                        ) => l.formula.render_bands(l.amount, &crate::fees::tiers::graduated_bands(&t.tiers, base)),
                        _ => l.formula.render(l.amount),
                    },
                }
            })
            .collect();
        Settlement {
            contract: c.name.clone(),
            retailer: c.retailer.name.clone(),
            currency: c.currency.clone(),
            pnl: Pnl::from_totals(&totals, c.rounding.decimals),
            retailer_view: RetailerView::from_totals(&totals, c.rounding.decimals),
            ledger,
            totals,
        }
    }
}
