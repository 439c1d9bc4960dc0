//! How a ledger amount was computed, kept as numbers (cheap to build on the totals path) and
//! rendered to text only for the ledger.

use rust_decimal::Decimal;

use crate::money::{format_money, format_percent};

/// A multiplier on a counted fee: stores or regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Times {
    /// How many.
    pub count: u32,
    /// Of what ("stores", "regions").
    pub what: &'static str,
}

impl Times {
    /// × n stores.
    pub fn stores(count: u32) -> Times {
        Times { count, what: "stores" }
    }
    /// × n regions.
    pub fn regions(count: u32) -> Times {
        Times { count, what: "regions" }
    }
}

/// The computation behind one ledger line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Formula {
    /// A fixed amount.
    Fixed {
        /// The amount.
        amount: Decimal,
    },
    /// count × unit amount (× stores when priced per store).
    Count {
        /// How many (SKUs, slots, promoters, incidents, new stores…).
        count: Decimal,
        /// What is counted.
        what: &'static str,
        /// Amount per counted item.
        unit: Decimal,
        /// Store or region multiplier, when priced per store or region.
        times: Option<Times>,
    },
    /// base × rate.
    Percent {
        /// The money base.
        base: Decimal,
        /// The rate.
        rate: Decimal,
    },
    /// units × amount per unit (a per-unit rebate or funding).
    PerUnit {
        /// Units.
        units: Decimal,
        /// Amount per unit.
        unit: Decimal,
    },
    /// A graduated (marginal) scale applied to a base; the ledger itemises each band (see
    /// [`Formula::render_bands`]).
    Graduated {
        /// The scale base (money or units).
        base: Decimal,
        /// The cap, when it limited the amount.
        cap: Option<Decimal>,
    },
    /// base × rate (or units × amount per unit), limited by a cap.
    Capped {
        /// The money base, or the units.
        base: Decimal,
        /// The rate, or the amount per unit.
        rate: Decimal,
        /// True when `rate` is an amount per unit of `base` units.
        per_unit: bool,
        /// The cap that limited the amount.
        cap: Decimal,
    },
    /// A target that was not reached: nothing due.
    MissedTarget {
        /// The base reached (money or units).
        base: Decimal,
        /// The target.
        target: Decimal,
        /// True when the base is units.
        units: bool,
    },
    /// Annual-to-date amount on the cumulative base less what was already settled.
    TrueUp {
        /// Cumulative base to date.
        base: Decimal,
        /// Rate (or per-unit amount) of the tier reached, if retroactive.
        rate: Option<Decimal>,
        /// Amount due on the cumulative base.
        to_date: Decimal,
        /// Already settled in earlier periods.
        settled: Decimal,
        /// True when the base is units (quantity basis) rather than money.
        units: bool,
        /// The cap, when it limited the amount due to date.
        cap: Option<Decimal>,
    },
    /// A growth rebate: the tier reached by growth, applied to the whole or the increment.
    Growth {
        /// Prior-year base.
        prior: Decimal,
        /// Current base.
        current: Decimal,
        /// Rate or per-unit amount of the tier reached.
        rate: Decimal,
        /// The base the rate is applied to.
        applied: Decimal,
        /// True when the bases are units and the tier pays per unit.
        units: bool,
        /// The cap, when it limited the amount.
        cap: Option<Decimal>,
    },
    /// Guaranteed minimum: min(cap, max(floor, covered)) − covered.
    Floor {
        /// The floor.
        floor: Decimal,
        /// Sum of the covered fees.
        covered: Decimal,
        /// Optional cap.
        cap: Option<Decimal>,
    },
    /// Contracted slots not used: (contracted − used) × price (× stores).
    Shortfall {
        /// Contracted minimum.
        contracted: u32,
        /// Used.
        used: u32,
        /// Price per slot.
        unit: Decimal,
        /// Store or region multiplier.
        times: Option<Times>,
    },
    /// Financing cost: base × cost of capital × days ÷ basis.
    Financing {
        /// Net invoiced amount.
        base: Decimal,
        /// Annual cost of capital.
        rate: Decimal,
        /// Days financed.
        days: u32,
        /// Day-count basis.
        basis: u32,
    },
    /// Margin shortfall: max(0, target × sales − front margin).
    MarginShortfall {
        /// Retail sales.
        sales: Decimal,
        /// Realised front margin.
        margin: Decimal,
        /// Target margin rate.
        target: Decimal,
    },
    /// Σ max(0, invoice − promo price × (1 − target)) × units sold on promotion.
    PromoFunding {
        /// Units sold at promotional prices.
        units: Decimal,
        /// Target margin.
        target: Decimal,
    },
    /// An annual fixed fee prorated for a partial year: count × unit (× stores) × num/den.
    Prorated {
        /// How many (charges, SKUs, stores).
        count: Decimal,
        /// What is counted.
        what: &'static str,
        /// The annual amount per counted item.
        unit: Decimal,
        /// Store multiplier, when priced per store.
        times: Option<Times>,
        /// The share of the year in force.
        share: crate::fees::api::Share,
    },
    /// Nothing due, and why (a fixed charge with nothing to charge is still booked, at 0.00).
    Nothing {
        /// Why nothing is due, e.g. "no new SKU listed".
        reason: &'static str,
    },
    /// A give-get condition that was not met: nothing due (有条件费用未达成).
    Unmet {
        /// What was measured ("sell-through").
        what: &'static str,
        /// The value reached (a share).
        measured: Decimal,
        /// The value required.
        required: Decimal,
        /// The Chinese name of the failure.
        zh: &'static str,
    },
    /// count × unit (× stores) × the share of the retailer's obligation delivered (a display
    /// in place in part of the stores, 陈列到位率).
    Delivered {
        /// How many slots.
        count: Decimal,
        /// What is counted.
        what: &'static str,
        /// Amount per slot.
        unit: Decimal,
        /// Store or region multiplier.
        times: Option<Times>,
        /// Share delivered (0–1, exact in millionths).
        share: Decimal,
    },
    /// Σ gap × units sold in the match window (× share).
    PriceMatch {
        /// Units sold in the window.
        units: Decimal,
        /// Share of the gap the supplier funds.
        share: Decimal,
    },
}

fn m(d: Decimal) -> String {
    format_money(d, 2)
}

fn num(d: Decimal) -> String {
    let n = d.normalize();
    format_money(n, n.scale())
}

/// A base: money with cents, or a unit count.
fn base(d: Decimal, units: bool) -> String {
    if units { num(d) } else { m(d) }
}

/// A tier value: a percentage of money, or an amount per unit.
fn tier_value(d: Decimal, per_unit: bool) -> String {
    if per_unit { format!("{} per unit", num(d)) } else { format_percent(d) }
}

fn capped(cap: Option<Decimal>) -> String {
    cap.map(|c| format!(", capped at {}", m(c))).unwrap_or_default()
}

fn times(t: Option<Times>) -> String {
    t.map(|t| format!(" × {} {}", t.count, t.what)).unwrap_or_default()
}

impl Formula {
    /// The line's base (money or units), when it has one.
    pub fn base(&self) -> Option<Decimal> {
        match *self {
            Formula::Fixed { .. } | Formula::Nothing { .. } => None,
            Formula::Count { count, .. } | Formula::Prorated { count, .. } | Formula::Delivered { count, .. } => {
                Some(count)
            }
            Formula::Unmet { measured, .. } => Some(measured),
            Formula::Percent { base, .. }
            | Formula::Graduated { base, .. }
            | Formula::TrueUp { base, .. }
            | Formula::Capped { base, .. }
            | Formula::MissedTarget { base, .. } => Some(base),
            Formula::PerUnit { units, .. }
            | Formula::PromoFunding { units, .. }
            | Formula::PriceMatch { units, .. } => Some(units),
            Formula::Growth { applied, .. } => Some(applied),
            Formula::Floor { covered, .. } => Some(covered),
            Formula::Shortfall { contracted, used, .. } => Some(Decimal::from(contracted.saturating_sub(used))),
            Formula::Financing { base, .. } => Some(base),
            Formula::MarginShortfall { sales, .. } => Some(sales),
        }
    }

    /// The rate applied, when the line is a percentage.
    pub fn rate(&self) -> Option<Decimal> {
        match *self {
            Formula::Percent { rate, .. } | Formula::Financing { rate, .. } => Some(rate),
            Formula::Capped { rate, per_unit: false, .. } => Some(rate),
            Formula::MarginShortfall { target, .. } | Formula::PromoFunding { target, .. } => Some(target),
            Formula::PriceMatch { share, .. } => Some(share),
            Formula::TrueUp { rate, .. } => rate,
            Formula::Growth { rate, .. } => Some(rate),
            _ => None,
        }
    }

    /// The amount per unit or per item, when the line counts items.
    pub fn unit_amount(&self) -> Option<Decimal> {
        match *self {
            Formula::Count { unit, .. }
            | Formula::PerUnit { unit, .. }
            | Formula::Shortfall { unit, .. }
            | Formula::Delivered { unit, .. }
            | Formula::Prorated { unit, .. } => Some(unit),
            Formula::Capped { rate, per_unit: true, .. } => Some(rate),
            Formula::Fixed { amount } => Some(amount),
            _ => None,
        }
    }

    /// A graduated scale's formula with a term per band, as SAP itemises it:
    /// `graduated scale on 140: 10 × 10.00 + 10 × 11.00 + 120 × 12.00 = 1,650.00` (value bases
    /// show `rate × slice`). Other formulas render as [`Formula::render`].
    pub fn render_bands(&self, amount: Decimal, bands: &[(Decimal, Decimal, bool)]) -> String {
        let Formula::Graduated { base, cap } = *self else { return self.render(amount) };
        if bands.is_empty() {
            return self.render(amount);
        }
        let terms: Vec<String> = bands
            .iter()
            .map(|&(slice, value, per_unit)| {
                if per_unit {
                    format!("{} × {}", num(slice), m(value))
                } else {
                    format!("{} × {}", format_percent(value), m(slice))
                }
            })
            .collect();
        format!("graduated scale on {}: {}{} = {}", num(base), terms.join(" + "), capped(cap), m(amount))
    }

    /// The formula with its numbers filled in; `amount` is the line's (rounded) amount.
    pub fn render(&self, amount: Decimal) -> String {
        let a = m(amount);
        match *self {
            Formula::Fixed { amount } => format!("fixed {} = {a}", m(amount)),
            Formula::Count { count, what, unit, times: t } => {
                format!("{} {what} × {}{} = {a}", num(count), m(unit), times(t))
            }
            Formula::Percent { base, rate } => format!("{} × {} = {a}", m(base), format_percent(rate)),
            Formula::PerUnit { units, unit } => format!("{} units × {} = {a}", num(units), num(unit)),
            Formula::Graduated { base, cap } => format!("graduated scale on {}{} = {a}", num(base), capped(cap)),
            Formula::Capped { base: b, rate, per_unit, cap } => {
                let uncapped = b.checked_mul(rate).map_or_else(|| "…".to_string(), m);
                if per_unit {
                    format!("{} units × {} = {uncapped}, capped at {} = {a}", num(b), num(rate), m(cap))
                } else {
                    format!("{} × {} = {uncapped}, capped at {} = {a}", m(b), format_percent(rate), m(cap))
                }
            }
            Formula::MissedTarget { base: b, target, units } => {
                format!("target {} not reached ({} reached) = {a}", base(target, units), base(b, units))
            }
            Formula::TrueUp { base: b, rate, to_date, settled, units, cap } => {
                let r = rate.map(|r| format!(" at {}", tier_value(r, units))).unwrap_or_default();
                format!(
                    "to date: scale on cumulative {}{r}{} = {} − settled {} = {a}",
                    base(b, units),
                    capped(cap),
                    m(to_date),
                    m(settled)
                )
            }
            Formula::Growth { prior, current, rate, applied, units, cap } => format!(
                "current {} vs prior year {}; tier {} on {}{} = {a}",
                base(current, units),
                base(prior, units),
                tier_value(rate, units),
                base(applied, units),
                capped(cap)
            ),
            Formula::Floor { floor, covered, cap } => match cap {
                Some(c) => format!("min({}, max({}, {})) − {} = {a}", m(c), m(floor), m(covered), m(covered)),
                None => format!("max({}, {}) − {} = {a}", m(floor), m(covered), m(covered)),
            },
            Formula::Shortfall { contracted, used, unit, times: t } => {
                format!("unused contracted slots ({contracted} − {used}) × {}{} = {a}", m(unit), times(t))
            }
            Formula::Financing { base, rate, days, basis } => {
                format!("{} × {} × {days}/{basis} = {a}", m(base), format_percent(rate))
            }
            Formula::MarginShortfall { sales, margin, target } => {
                format!("max(0, {} × {} − front margin {}) = {a}", format_percent(target), m(sales), m(margin))
            }
            Formula::PromoFunding { units, target } => format!(
                "Σ max(0, invoice − promo price × (1 − {})) × units, {} units = {a}",
                format_percent(target),
                num(units)
            ),
            Formula::Nothing { reason } => format!("nothing due: {reason} = {a}"),
            Formula::Prorated { count, what, unit, times: t, share } => format!(
                "{} {what} × {}{} × {}/{} {} in force = {a}",
                num(count),
                m(unit),
                times(t),
                share.num,
                share.den,
                share.of
            ),
            Formula::Unmet { what, measured, required, zh } => format!(
                "condition not met: {what} {} below {} ({zh}) = {a}",
                format_percent(measured.round_dp(4)),
                format_percent(required)
            ),
            Formula::Delivered { count, what, unit, times: t, share } => {
                format!("{} {what} × {}{} × {} delivered = {a}", num(count), m(unit), times(t), format_percent(share))
            }
            Formula::PriceMatch { units, share } => {
                format!("Σ price gap × units sold ({} units) × {} = {a}", num(units), format_percent(share))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cap that limited an amount is shown, whatever the formula.
    #[test]
    fn caps_are_shown() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let g = Formula::Growth {
            prior: d("1000000"),
            current: d("1200000"),
            rate: d("0.02"),
            applied: d("1200000"),
            units: false,
            cap: Some(d("5000")),
        };
        assert_eq!(
            g.render(d("5000")),
            "current 1,200,000.00 vs prior year 1,000,000.00; tier 2% on 1,200,000.00, capped at 5,000.00 = 5,000.00"
        );
        let t = Formula::TrueUp {
            base: d("300000"),
            rate: Some(d("0.01")),
            to_date: d("500"),
            settled: d("200"),
            units: false,
            cap: Some(d("500")),
        };
        assert_eq!(
            t.render(d("300")),
            "to date: scale on cumulative 300,000.00 at 1%, capped at 500.00 = 500.00 − settled 200.00 = 300.00"
        );
        let c = Formula::Capped { base: d("140"), rate: d("20"), per_unit: true, cap: d("1000") };
        assert_eq!(c.render(d("1000")), "140 units × 20 = 2,800.00, capped at 1,000.00 = 1,000.00");
        assert_eq!(c.unit_amount(), Some(d("20")));
        assert_eq!(c.rate(), None);
    }
}
