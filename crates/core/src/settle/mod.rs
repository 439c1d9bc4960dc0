//! Settlement: one code path, two sinks.
//!
//! [`Compiled`] turns a validated contract into the numbers settlement needs (prices in
//! millionths for integer hot loops, shelf prices, store counts, rule windows and SKU masks).
//! [`Compiled::settle_into`] runs every rule over an [`Outcome`]; each amount goes through one
//! emitter that rounds it where the contract says, adds it to the totals, and hands it to a
//! [`Sink`]. The [`LedgerSink`] keeps labelled lines (for `explain` and `replay`); the unit sink
//! `()` keeps nothing, so the totals path allocates no strings. Both give the same totals by
//! construction.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::contract::{Contract, ShelfPrice, SlotKind, Supplier};
use crate::error::Error;
use crate::fees::{FeeKind, Rule};
use crate::money::{Rounding, RoundingPoint};
use crate::outcome::{Cell, Outcome, from_micro, round_units, to_micro};

mod formula;
mod report;

pub use formula::{Formula, Times};
pub use report::{LedgerLine, Pnl, RetailerView, Settlement};

/// One amount as it leaves the emitter.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    /// Index of the fee rule in `contract.fees`, or `None` for payment-terms lines.
    pub rule: Option<usize>,
    /// 1-based period.
    pub period: u16,
    /// Fee kind (or financing).
    pub kind: FeeKind,
    /// How it was computed.
    pub formula: Formula,
    /// The exact amount before rounding.
    pub exact: Decimal,
    /// The rounded amount (what is booked).
    pub amount: Decimal,
}

/// Receives every booked line. `()` ignores them (totals only).
pub trait Sink {
    /// False when the sink ignores lines, so the emitter does not build them (the exact and
    /// booked amounts of integer lines are then never turned into `Decimal`s).
    const KEEPS_LINES: bool = true;
    /// Called once per booked line.
    fn record(&mut self, line: &Line);
}

impl Sink for () {
    const KEEPS_LINES: bool = false;
    #[inline]
    fn record(&mut self, _: &Line) {}
}

/// Keeps every line.
#[derive(Debug, Default)]
pub struct LedgerSink {
    /// The lines, in booking order.
    pub lines: Vec<Line>,
}

impl Sink for LedgerSink {
    fn record(&mut self, line: &Line) {
        self.lines.push(*line);
    }
}

/// Per-SKU numbers settlement needs.
#[derive(Clone, Debug)]
pub struct SkuModel {
    /// SKU code.
    pub id: String,
    /// Invoice price (进价).
    pub invoice: Decimal,
    /// Supplier unit cost.
    pub cost: Decimal,
    /// Regular shelf price, rounded to the contract decimals.
    pub shelf: Decimal,
    /// The shelf price in millionths of the currency unit.
    pub shelf_micro: i64,
    pub(crate) invoice_micro: i64,
    pub(crate) cost_micro: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct RuleModel {
    /// 0-based inclusive window.
    pub from: usize,
    pub to: usize,
    /// First period counted in the base (0 when retroactive).
    pub base_from: usize,
    /// SKU mask; `None` = all SKUs.
    pub mask: Option<Vec<bool>>,
    /// Indices of the rules a guaranteed minimum covers.
    pub covered: Vec<usize>,
}

impl RuleModel {
    pub fn active(&self, p: usize) -> bool {
        p >= self.from && p <= self.to
    }
    pub fn includes(&self, s: usize) -> bool {
        self.mask.as_ref().is_none_or(|m| m[s])
    }
}

/// A contract prepared for settlement. Build once, settle many outcomes.
#[derive(Clone, Debug)]
pub struct Compiled<'c> {
    /// The contract.
    pub contract: &'c Contract,
    /// Its supplier portfolio.
    pub supplier: &'c Supplier,
    /// SKUs in contract order.
    pub skus: Vec<SkuModel>,
    periods: usize,
    stores_start: u32,
    promo_period: Vec<bool>,
    pub(crate) rules: Vec<RuleModel>,
    order: Vec<usize>,
    coc: Decimal,
    recovery: Decimal,
    plan: Outcome,
    plan_cells: Vec<PlanCell>,
    per_store: Vec<bool>,
    max_price_micro: i64,
    /// Slot of each rule in the per-period amounts kept for guaranteed minimums.
    booked_slots: Vec<Option<usize>>,
    covered_count: usize,
}

/// The sales plan's expectation for one SKU-period, before sampling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanCell {
    /// Expected baseline units (seasonality and planned stores applied), before promotion.
    pub baseline: Decimal,
    /// Planned promotion uplift (1 when not promoted).
    pub uplift: Decimal,
}

/// Per-period aggregates over all SKUs, in millionths and units (what per-period rules read).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PeriodAgg {
    pub delivered_value: i128,
    pub returned_value: i128,
    pub delivered: i64,
    pub returned: i64,
    pub slots: [u32; 4],
    pub stores: u32,
    /// Some SKU has a price-match gap this period.
    pub price_matched: bool,
    /// Some SKU was delivered short of its order this period.
    pub short: bool,
}

/// One SKU's units over the year.
#[derive(Clone, Copy, Debug, Default)]
struct SkuUnits {
    delivered: u64,
    returned: u64,
    sold: u64,
}

/// Year totals in millionths: values that only the P&L reads are linear in units at a fixed
/// price per SKU, so they are computed from each SKU's year units (a few multiplications per
/// SKU instead of one per cell), plus corrections for cells sold at another price.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct YearAgg {
    pub units_sold: i64,
    pub cost_value: i128,
    pub returned_cost: i128,
    pub retail_value: i128,
    pub retailer_cogs: i128,
}

/// Upper bounds an aggregation pass saw: bitwise ORs of the values (an OR is at least the
/// largest value, and is cheaper to keep than maxima in the hottest loop).
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    /// OR of every unit count.
    units: u32,
    /// OR of every promotional price and price gap, as bits (a negative value sets bit 63).
    prices: u64,
    openings: u32,
}

impl Seen {
    /// True when the ORs prove every value in bounds: units below 2²⁹ (< `MAX_UNITS`) and
    /// prices below 2⁴³ micro (< `MAX_PRICE_MICRO`). Otherwise the exact check decides.
    fn surely_within_bounds(&self) -> bool {
        const _: () = assert!(1 << 29 <= crate::outcome::MAX_UNITS && 1 << 43 <= crate::outcome::MAX_PRICE_MICRO);
        self.units < 1 << 29 && self.prices < 1 << 43 && self.openings <= crate::outcome::MAX_OPENINGS
    }
}

/// An accumulator for units × price in millionths.
trait Acc: Copy {
    const ZERO: Self;
    fn add_mul(self, units: u32, price_micro: i64) -> Self;
    fn wide(self) -> i128;
}

impl Acc for i64 {
    const ZERO: i64 = 0;
    #[inline(always)]
    fn add_mul(self, units: u32, price_micro: i64) -> i64 {
        // Wrapping: the 64-bit pass runs before the bounds are known and is kept only when
        // they prove it exact.
        self.wrapping_add((units as i64).wrapping_mul(price_micro))
    }
    #[inline(always)]
    fn wide(self) -> i128 {
        self as i128
    }
}

impl Acc for i128 {
    const ZERO: i128 = 0;
    #[inline(always)]
    fn add_mul(self, units: u32, price_micro: i64) -> i128 {
        self + units as i128 * price_micro as i128
    }
    #[inline(always)]
    fn wide(self) -> i128 {
        self
    }
}

/// What a rule sees while settling.
pub(crate) struct Cx<'a> {
    pub m: &'a Compiled<'a>,
    pub o: &'a Outcome,
    pub agg: &'a [PeriodAgg],
    /// Running totals of net purchase value and net units: entry p covers periods `0..p`.
    pub net_to: &'a [(i128, i64)],
    pub rule: &'a RuleModel,
}

impl Cx<'_> {
    pub fn periods(&self) -> usize {
        self.m.periods
    }
    pub fn cells(&self, p: usize) -> &[Cell] {
        self.o.period_cells(p)
    }
    /// Net purchases value (delivered − returned, at invoice) of the rule's SKUs in period p.
    #[inline]
    pub fn net_value(&self, p: usize) -> i128 {
        if self.rule.mask.is_none() {
            let a = &self.agg[p];
            return a.delivered_value - a.returned_value;
        }
        self.cells(p)
            .iter()
            .zip(&self.m.skus)
            .enumerate()
            .filter(|(s, _)| self.rule.includes(*s))
            .map(|(_, (c, k))| (c.delivered as i128 - c.returned as i128) * k.invoice_micro as i128)
            .sum()
    }
    /// Net purchased units of the rule's SKUs in period p.
    #[inline]
    pub fn net_units(&self, p: usize) -> i64 {
        if self.rule.mask.is_none() {
            let a = &self.agg[p];
            return a.delivered - a.returned;
        }
        self.cells(p)
            .iter()
            .enumerate()
            .filter(|(s, _)| self.rule.includes(*s))
            .map(|(_, c)| c.delivered as i64 - c.returned as i64)
            .sum()
    }
    /// Sell-out value (units sold × shelf price in effect) of the rule's SKUs in period p.
    pub fn retail_value(&self, p: usize) -> i128 {
        // Computed from the cells (rare: only sell-out percentage fees read it per period).
        self.cells(p)
            .iter()
            .zip(&self.m.skus)
            .enumerate()
            .filter(|(s, _)| self.rule.includes(*s))
            .map(|(_, (c, k))| c.sold as i128 * shelf_in_effect(c, k) as i128)
            .sum()
    }
    /// Net purchase value and net units of the rule's SKUs over its base window
    /// (`base_from..=to`: the window, or from period 1 when retroactive).
    pub fn window_base(&self) -> (i128, i64) {
        self.net_over(self.rule.base_from, self.rule.to)
    }
    /// Net purchase value and net units of the rule's SKUs over periods `from..=to`.
    pub fn net_over(&self, from: usize, to: usize) -> (i128, i64) {
        if self.rule.mask.is_none() {
            let ((v0, u0), (v1, u1)) = (self.net_to[from], self.net_to[to + 1]);
            return (v1 - v0, u1 - u0);
        }
        (from..=to).fold((0, 0), |(v, u), p| (v + self.net_value(p), u + self.net_units(p)))
    }
    /// Stores trading in period p.
    pub fn stores(&self, p: usize) -> u32 {
        self.agg[p].stores
    }
    /// True when period p lies in a named promotion period (档期).
    pub fn in_promotion_period(&self, p: usize) -> bool {
        self.m.promo_period[p]
    }
    /// Month (1–12) of 0-based period p.
    pub fn month_of(&self, p: usize) -> u16 {
        self.m.contract.calendar.granularity.month_of(p as u16 + 1)
    }
    /// True when 0-based period p is the last period of its month.
    pub fn month_end(&self, p: usize) -> bool {
        p + 1 == self.periods() || self.month_of(p + 1) != self.month_of(p)
    }
}

/// The shelf price shoppers paid, in millionths: the promotional price when there is one,
/// less the gap when the retailer matched a rival's lower price.
#[inline]
pub(crate) fn shelf_in_effect(c: &Cell, k: &SkuModel) -> i64 {
    let list = if c.promo_price_micro > 0 { c.promo_price_micro } else { k.shelf_micro };
    (list - c.match_gap_micro).max(0)
}

/// Checked multiplication for settlement arithmetic.
#[inline]
pub(crate) fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    a.checked_mul(b).ok_or_else(|| Error::Overflow(format!("{a} × {b}")))
}

/// An exact amount `mantissa × 10^−scale`, computed in integers by a rule's hot loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fixed {
    pub mantissa: i128,
    pub scale: u32,
}

impl Fixed {
    /// `a × b` for an integer amount in millionths (or units, `scale` 0) and an exact
    /// decimal; `None` when the product does not fit.
    #[inline]
    pub fn product(value: i128, value_scale: u32, d: Decimal) -> Option<Fixed> {
        Some(Fixed { mantissa: value.checked_mul(d.mantissa())?, scale: value_scale + d.scale() })
    }
}

/// Largest mantissa a `Decimal` holds (2⁹⁶ − 1): integer lines beyond it go through `Decimal`
/// so both paths overflow, or round, at the same place.
const DECIMAL_MAX_MANTISSA: u128 = (1 << 96) - 1;

/// Rounds `m × 10^−from` to `to` decimals (`to < from`) with `mode`, in integers; the result is
/// at scale `to`. Identical to `Decimal::round_dp_with_strategy` on the same exact value.
#[inline]
pub(crate) fn round_scaled(m: i128, from: u32, to: u32, mode: crate::money::RoundingMode) -> i128 {
    use crate::money::RoundingMode as M;
    let d = 10i128.pow(from - to);
    // 64-bit division when both fit (a 128-bit division is a library call, several times slower).
    let (q, r) = match (i64::try_from(m), i64::try_from(d)) {
        (Ok(m64), Ok(d64)) => ((m64 / d64) as i128, (m64 % d64) as i128),
        _ => (m / d, m % d),
    };
    if r == 0 {
        return q;
    }
    let away = if m < 0 { q - 1 } else { q + 1 };
    let twice = 2 * r.unsigned_abs();
    let half = twice.cmp(&d.unsigned_abs());
    match mode {
        M::Down => q,
        M::Up => away,
        M::HalfUp => {
            if half.is_lt() {
                q
            } else {
                away
            }
        }
        M::HalfDown => {
            if half.is_gt() {
                away
            } else {
                q
            }
        }
        M::HalfEven => match half {
            std::cmp::Ordering::Less => q,
            std::cmp::Ordering::Greater => away,
            std::cmp::Ordering::Equal => {
                if q % 2 == 0 {
                    q
                } else {
                    away
                }
            }
        },
    }
}

/// The emitter: rounds, totals and forwards every line.
///
/// Booked amounts are whole multiples of 10^−decimals, so totals per fee kind and the
/// per-period amounts guaranteed minimums read are kept exactly as integer counts of the last
/// decimal (cents by default) and turned into `Decimal` once, at the end.
pub(crate) struct Out<'s, S: Sink> {
    sink: &'s mut S,
    rounding: Rounding,
    /// Booked totals per fee kind, in units of the last booked decimal (cents by default).
    pub kinds: [i128; FeeKind::COUNT],
    rule: Option<usize>,
    cum_exact: Decimal,
    cum_rounded: Decimal,
    /// Booked amount per period of each rule a guaranteed minimum covers (slot × periods), in
    /// units of the last booked decimal.
    booked: &'s mut [i128],
    /// Slot in `booked` of each rule, `None` when no guaranteed minimum covers it.
    slots: &'s [Option<usize>],
    periods: usize,
}

impl<S: Sink> Out<'_, S> {
    /// The amount booked by rule `rule` in period `p` (rules a guaranteed minimum covers), in
    /// units of the last booked decimal.
    pub fn booked_at(&self, rule: usize, p: usize) -> i128 {
        self.slots[rule].map_or(0, |slot| self.booked[slot * self.periods + p])
    }

    /// The amounts booked by rule `rule` over periods `from..=to` (units of the last decimal).
    pub fn booked_over(&self, rule: usize, from: usize, to: usize) -> i128 {
        self.slots[rule]
            .map_or(0, |slot| self.booked[slot * self.periods + from..=slot * self.periods + to].iter().sum())
    }

    /// A booked total (units of the last decimal) as a `Decimal` with the contract's decimals.
    pub fn decimal(&self, units: i128) -> Decimal {
        Decimal::from_i128_with_scale(units, self.rounding.decimals)
    }

    pub fn begin(&mut self, rule: Option<usize>) {
        self.rule = rule;
        self.cum_exact = Decimal::ZERO;
        self.cum_rounded = Decimal::ZERO;
    }

    /// The amount of an exact `Fixed` in units of the last booked decimal, when its lines
    /// need no rounding and nobody reads them one by one: totals only, rounding per line, at
    /// most `decimals` decimals, and no guaranteed minimum covering the current rule. Such lines
    /// add up to their exact sum, so a rule may book one total instead (`None` otherwise).
    pub fn unrounded_total(&self, x: Option<Fixed>) -> Option<i128> {
        let x = x?;
        let dp = self.rounding.decimals;
        let plain = !S::KEEPS_LINES && self.rounding.point == RoundingPoint::Line && x.scale <= dp;
        let covered = self.rule.is_some_and(|r| self.slots[r].is_some());
        if !plain || covered || x.mantissa.unsigned_abs() > DECIMAL_MAX_MANTISSA {
            return None;
        }
        x.mantissa.checked_mul(10i128.pow(dp - x.scale))
    }

    /// Adds a booked amount (units of the last decimal) to the totals, recording no line (what
    /// a total from [`Out::unrounded_total`] needs).
    #[inline]
    pub fn book(&mut self, p: usize, kind: FeeKind, units: i128) {
        self.kinds[kind.index()] += units;
        if let Some(slot) = self.rule.and_then(|r| self.slots[r]) {
            self.booked[slot * self.periods + p] += units;
        }
    }

    /// Books one line. Zero lines are skipped unless `keep_zero` (annual settlements show
    /// their result even when no tier was reached).
    pub fn emit(&mut self, p: usize, kind: FeeKind, formula: Formula, exact: Decimal, keep_zero: bool) -> Decimal {
        let amount = match self.rounding.point {
            RoundingPoint::Line => self.rounding.round(exact),
            RoundingPoint::Rule => {
                self.cum_exact += exact;
                let r = self.rounding.round(self.cum_exact) - self.cum_rounded;
                self.cum_rounded += r;
                r
            }
        };
        if amount.is_zero() && exact.is_zero() && !keep_zero {
            return amount;
        }
        // `amount` has exactly `decimals` decimals: its mantissa counts units of the last.
        let mut scaled = amount;
        scaled.rescale(self.rounding.decimals);
        self.book(p, kind, scaled.mantissa());
        if S::KEEPS_LINES {
            self.sink.record(&Line { rule: self.rule, period: p as u16 + 1, kind, formula, exact, amount });
        }
        amount
    }

    /// Books one line whose exact amount a rule computed in integers (zero lines skipped unless
    /// `keep_zero`, as in [`Out::emit`]). Rounds in integers when
    /// lines are rounded one by one (the default); otherwise, or when the amount is beyond what
    /// a `Decimal` holds, it goes through [`Out::emit`] with `fallback()`, the same amount in
    /// `Decimal` arithmetic — so both paths book identical amounts.
    #[inline]
    pub fn emit_fixed(
        &mut self,
        p: usize,
        kind: FeeKind,
        formula: Formula,
        exact: Option<Fixed>,
        fallback: impl FnOnce() -> Result<Decimal, Error>,
        keep_zero: bool,
    ) -> Result<(), Error> {
        let dp = self.rounding.decimals;
        let fits = |f: &Fixed| f.scale <= 28 && f.mantissa.unsigned_abs() <= DECIMAL_MAX_MANTISSA;
        let Some(x) = exact.filter(|f| fits(f) && self.rounding.point == RoundingPoint::Line) else {
            let exact = fallback()?;
            self.emit(p, kind, formula, exact, keep_zero);
            return Ok(());
        };
        if x.mantissa == 0 && !keep_zero {
            return Ok(());
        }
        let rounded = if x.scale > dp {
            round_scaled(x.mantissa, x.scale, dp, self.rounding.mode)
        } else {
            x.mantissa * 10i128.pow(dp - x.scale)
        };
        self.book(p, kind, rounded);
        if S::KEEPS_LINES {
            let exact = Decimal::from_i128_with_scale(x.mantissa, x.scale);
            let amount = Decimal::from_i128_with_scale(rounded, dp);
            self.sink.record(&Line { rule: self.rule, period: p as u16 + 1, kind, formula, exact, amount });
        }
        Ok(())
    }
}

/// Reusable working memory of a settlement (period aggregates, per-period amounts of covered
/// rules), so that settling many outcomes allocates nothing. Any `Scratch` works with any
/// contract: it is resized as needed.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    agg: Vec<PeriodAgg>,
    skus: Vec<SkuUnits>,
    net_to: Vec<(i128, i64)>,
    booked: Vec<i128>,
}

/// Totals of one settlement (what the Monte Carlo path keeps).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Booked amount per fee kind, indexed by [`FeeKind::index`]; financing included.
    pub by_kind: [Decimal; FeeKind::COUNT],
    /// Σ delivered × invoice price.
    pub gross_invoiced: Decimal,
    /// Σ returned × invoice price.
    pub returns: Decimal,
    /// Σ delivered × unit cost − recovery on returned goods.
    pub cost_of_goods: Decimal,
    /// Σ sold × shelf price in effect.
    pub retail_sales: Decimal,
    /// Σ sold × invoice price (the retailer's cost of sales).
    pub retailer_cost_of_sales: Decimal,
    /// Units delivered.
    pub units_delivered: i64,
    /// Units returned.
    pub units_returned: i64,
    /// Units sold.
    pub units_sold: i64,
}

impl Totals {
    /// Sum of all fees (financing excluded).
    pub fn fees_total(&self) -> Decimal {
        FeeKind::ALL.iter().filter(|k| k.is_fee()).map(|k| self.by_kind[k.index()]).sum()
    }
    /// Financing cost of the payment terms.
    pub fn financing(&self) -> Decimal {
        self.by_kind[FeeKind::Financing.index()]
    }
    /// Net contribution: net invoiced − fees − cost of goods − financing.
    pub fn net_contribution(&self) -> Decimal {
        self.gross_invoiced - self.returns - self.fees_total() - self.cost_of_goods - self.financing()
    }
}

impl<'c> Compiled<'c> {
    /// Prepares a contract for settlement. The contract must be valid (it is checked again
    /// here, without file locations) and its supplier loaded.
    pub fn new(contract: &'c Contract) -> Result<Compiled<'c>, Error> {
        Compiled::build(contract, None)
    }

    /// Compiles a variant of this contract (the same contract with other fee or payment terms:
    /// a negotiated offer, or terms drawn for one simulated year). When the variant has the
    /// same supplier, retailer, calendar, rounding, SKU terms and sales plan, this contract's
    /// prices and planned outcome are reused (building the plan is most of [`Compiled::new`]'s
    /// time); otherwise it is [`Compiled::new`]. The variant is validated either way.
    pub fn variant<'v>(&self, contract: &'v Contract) -> Result<Compiled<'v>, Error> {
        let a = self.contract;
        let same_plan = a.supplier == contract.supplier
            && a.retailer == contract.retailer
            && a.calendar == contract.calendar
            && a.rounding == contract.rounding
            && a.skus == contract.skus
            && a.plan == contract.plan;
        Compiled::build(contract, same_plan.then_some(self))
    }

    /// [`Compiled::new`], taking the SKU prices and the planned outcome from `base` when given
    /// (the caller has checked that they do not depend on what differs).
    fn build(contract: &'c Contract, base: Option<&Compiled<'_>>) -> Result<Compiled<'c>, Error> {
        let problems = crate::validate::check(contract);
        if !problems.is_empty() {
            let list = problems
                .into_iter()
                .map(|(key_path, message)| crate::error::Problem {
                    file: "<contract>".into(),
                    line: 0,
                    column: 0,
                    span: None,
                    key_path,
                    message,
                })
                .collect();
            return Err(Error::Invalid(crate::error::Problems { problems: list, sources: vec![] }));
        }
        let supplier = contract
            .supplier()
            .ok_or_else(|| Error::Contract("the supplier file has not been loaded; use kasim_core::load".into()))?;
        let rounding = contract.rounding;
        let mut skus = Vec::with_capacity(contract.skus.len());
        for t in contract.skus.iter().filter(|_| base.is_none()) {
            let s = supplier
                .skus
                .iter()
                .find(|s| s.id == t.sku)
                .ok_or_else(|| Error::Contract(format!("unknown SKU `{}`", t.sku)))?;
            let invoice = t.invoice_price.unwrap_or(s.list_price).0;
            let cost = s.unit_cost.0;
            let shelf = rounding.round(match t.shelf_price {
                ShelfPrice::RetailMinus { margin } => invoice / (Decimal::ONE - margin.0),
                ShelfPrice::CostPlus { markup } => mul(invoice, Decimal::ONE + markup.0)?,
                ShelfPrice::Fixed { price } => price.0,
            });
            let micro = |d: Decimal, what: &str| {
                to_micro(d)
                    .ok_or_else(|| Error::Contract(format!("{what} {d} of SKU `{}` has more than 6 decimals", t.sku)))
            };
            skus.push(SkuModel {
                id: t.sku.clone(),
                invoice,
                cost,
                shelf,
                invoice_micro: micro(invoice, "invoice price")?,
                cost_micro: micro(cost, "unit cost")?,
                shelf_micro: micro(shelf, "shelf price")?,
            });
        }
        if let Some(b) = base {
            skus = b.skus.clone();
        }
        let periods = contract.periods();
        let mut promo_period = vec![false; periods];
        for pp in &contract.calendar.promotion_periods {
            for &p in &pp.periods {
                promo_period[p as usize - 1] = true;
            }
        }
        let mut rules = Vec::with_capacity(contract.fees.len());
        for f in &contract.fees {
            let from = f.from_period.map_or(0, |p| p as usize - 1);
            let to = f.to_period.map_or(periods - 1, |p| p as usize - 1);
            let sel = match &f.rule {
                Rule::UnconditionalRebate(r)
                | Rule::ServiceFee(r)
                | Rule::LogisticsFee(r)
                | Rule::ReturnsAllowance(r) => &r.skus[..],
                Rule::TieredRebate(r) => &r.skus[..],
                Rule::GrowthRebate(r) => &r.skus[..],
                Rule::TargetRebate(r) => &r.skus[..],
                Rule::StockoutPenalty(r) => &r.skus[..],
                Rule::MarginGuarantee(r) => &r.skus[..],
                Rule::Listing(r) => &r.skus[..],
                _ => &[][..],
            };
            let mask = (!sel.is_empty()).then(|| contract.skus.iter().map(|t| sel.contains(&t.sku)).collect());
            let covered = match &f.rule {
                Rule::GuaranteedMinimum(g) => {
                    g.covers.iter().filter_map(|id| contract.fees.iter().position(|x| &x.id == id)).collect()
                }
                _ => vec![],
            };
            rules.push(RuleModel { from, to, base_from: if f.retroactive { 0 } else { from }, mask, covered });
        }
        let mut order: Vec<usize> = (0..contract.fees.len())
            .filter(|&i| !matches!(contract.fees[i].rule, Rule::GuaranteedMinimum(_)))
            .collect();
        order.extend((0..contract.fees.len()).filter(|&i| matches!(contract.fees[i].rule, Rule::GuaranteedMinimum(_))));
        let n_skus = skus.len();
        let per_store = contract
            .skus
            .iter()
            .map(|t| contract.plan.lines.iter().any(|l| l.sku == t.sku && l.units_per_store.is_some()))
            .collect();
        let mut m = Compiled {
            contract,
            supplier,
            skus,
            periods,
            stores_start: contract.retailer.stores,
            promo_period,
            rules,
            order,
            coc: contract.cost_of_capital().0,
            recovery: supplier.returns_recovery.0,
            plan: Outcome::new(0, 0),
            plan_cells: vec![PlanCell::default(); periods * n_skus],
            per_store,
            max_price_micro: 0,
            booked_slots: vec![],
            covered_count: 0,
        };
        // Only rules a guaranteed minimum covers keep per-period amounts.
        let mut slots = vec![None; contract.fees.len()];
        for r in &m.rules {
            for &i in &r.covered {
                if slots[i].is_none() {
                    slots[i] = Some(m.covered_count);
                    m.covered_count += 1;
                }
            }
        }
        m.booked_slots = slots;
        m.max_price_micro =
            m.skus.iter().flat_map(|k| [k.invoice_micro, k.cost_micro, k.shelf_micro]).max().unwrap_or(0);
        match base {
            Some(b) => {
                m.plan = b.plan.clone();
                m.plan_cells = b.plan_cells.clone();
            }
            None => m.plan = m.build_plan()?,
        }
        Ok(m)
    }

    /// Number of periods.
    pub fn periods(&self) -> usize {
        self.periods
    }

    /// The outcome the contract's own sales plan expects.
    pub fn plan_outcome(&self) -> &Outcome {
        &self.plan
    }

    /// The plan's expectation of a 0-based period and SKU (what a simulation perturbs).
    pub fn plan_cell(&self, period: usize, sku: usize) -> PlanCell {
        self.plan_cells[period * self.skus.len() + sku]
    }

    /// True when the SKU's plan is per store (its demand scales with stores trading).
    pub fn scales_with_stores(&self, sku: usize) -> bool {
        self.per_store[sku]
    }

    /// Stores trading at the start of the year.
    pub fn stores_at_start(&self) -> u32 {
        self.stores_start
    }

    /// A zeroed outcome of the right shape.
    pub fn empty_outcome(&self) -> Outcome {
        Outcome::new(self.periods, self.skus.len())
    }

    fn build_plan(&mut self) -> Result<Outcome, Error> {
        let c = self.contract;
        let plan = &c.plan;
        let n = self.skus.len();
        let mut o = Outcome::new(self.periods, n);
        for so in &c.retailer.store_openings {
            o.store_openings[so.period as usize - 1] += so.count;
        }
        // Promotions first: they set slots, promo prices and uplifts.
        let mut uplift = vec![Decimal::ONE; self.periods * n];
        for pr in &plan.promotions {
            let periods: Vec<u16> = match &pr.promotion_period {
                Some(name) => c
                    .calendar
                    .promotion_periods
                    .iter()
                    .find(|x| &x.name == name)
                    .map(|x| x.periods.clone())
                    .unwrap_or_default(),
                None => pr.periods.clone(),
            };
            for id in &pr.skus {
                let Some(s) = self.sku_index(id) else { continue };
                for &p in &periods {
                    let i = (p as usize - 1) * n + s;
                    let cell = &mut o.cells[i];
                    cell.slots |= 1 << pr.slot.index();
                    uplift[i] = uplift[i].max(pr.uplift.0);
                    if let Some(cut) = pr.price_cut {
                        let price = self.contract.rounding.round(mul(self.skus[s].shelf, Decimal::ONE - cut.0)?);
                        let micro = to_micro(price).unwrap_or(0);
                        if cell.promo_price_micro == 0 || micro < cell.promo_price_micro {
                            cell.promo_price_micro = micro;
                        }
                    }
                }
            }
        }
        for pm in &plan.price_matches {
            let Some(s) = self.sku_index(&pm.sku) else { continue };
            for &p in &pm.periods {
                let cell = &mut o.cells[(p as usize - 1) * n + s];
                let regular =
                    if cell.promo_price_micro > 0 { cell.promo_price_micro } else { self.skus[s].shelf_micro };
                let gap = match (pm.gap, pm.matched_price) {
                    (Some(g), _) => to_micro(g.0).unwrap_or(0),
                    (None, Some(mp)) => (regular - to_micro(mp.0).unwrap_or(regular)).max(0),
                    (None, None) => 0,
                };
                cell.match_gap_micro = gap;
            }
        }
        let fill = plan.fill_rate.0;
        let promo_fill = plan.promo_fill_rate.map_or(fill, |r| r.0);
        let mut stores = self.stores_start;
        for p in 0..self.periods {
            stores += o.store_openings[p];
            let season = match plan.seasonality.len() {
                0 => Decimal::ONE,
                12 if self.periods != 12 => {
                    plan.seasonality[c.calendar.granularity.month_of(p as u16 + 1) as usize - 1].0
                }
                _ => plan.seasonality[p].0,
            };
            for line in &plan.lines {
                let Some(s) = self.sku_index(&line.sku) else { continue };
                // Nothing sells before the SKU is listed.
                if (p as u16) + 1 < c.skus[s].listing_period {
                    continue;
                }
                let (base, seasonal) = if let Some(u) = line.units_per_period {
                    (Decimal::from(u), true)
                } else if let Some(v) = &line.units {
                    (Decimal::from(v[p]), false)
                } else if let Some(ps) = line.units_per_store {
                    (mul(ps.0, Decimal::from(stores))?, true)
                } else {
                    (Decimal::ZERO, false)
                };
                let i = p * n + s;
                let baseline = if seasonal { mul(base, season)? } else { base };
                self.plan_cells[i] = PlanCell { baseline, uplift: uplift[i] };
                let q = mul(baseline, uplift[i])?;
                let cell = &mut o.cells[i];
                cell.ordered = round_units(q)?;
                let f = if cell.promoted() { promo_fill } else { fill };
                cell.delivered = round_units(mul(Decimal::from(cell.ordered), f)?)?;
                cell.returned = round_units(mul(Decimal::from(cell.delivered), plan.returns_rate.0)?)?;
                cell.sold = cell.delivered - cell.returned.min(cell.delivered);
            }
        }
        Ok(o)
    }

    /// Index of a SKU code in contract order.
    pub fn sku_index(&self, id: &str) -> Option<usize> {
        self.skus.iter().position(|s| s.id == id)
    }

    /// Sums every period and checks the outcome's bounds in the same pass over the cells.
    ///
    /// The first pass accumulates in `i64`; it is kept when every period sum provably fits (the
    /// largest price × the largest unit count × SKUs ≤ `i64::MAX`, the common case), else the
    /// sums are recomputed in `i128`. Both give identical results; `i64` avoids 128-bit carry
    /// chains in the hottest loop.
    fn aggregate(&self, o: &Outcome, scratch: &mut Scratch) -> Result<YearAgg, Error> {
        o.check_shape(self.periods, self.skus.len())?;
        let (agg, skus) = (&mut scratch.agg, &mut scratch.skus);
        let (seen, mut correction) = self.aggregate_with::<i64>(o, agg, skus);
        let (units, price) = if seen.surely_within_bounds() {
            (seen.units, seen.prices as i64)
        } else {
            // The exact check: an error names the offending cell.
            o.bounds(self.periods, self.skus.len())?
        };
        let price = self.max_price_micro.max(price) as i128;
        let bound = price * (units as i128) * (self.skus.len().max(1) as i128);
        if bound > i64::MAX as i128 {
            correction = self.aggregate_with::<i128>(o, agg, skus).1;
        }
        let mut year = YearAgg { retail_value: correction, ..YearAgg::default() };
        for (u, k) in skus.iter().zip(&self.skus) {
            year.units_sold = year.units_sold.wrapping_add(u.sold as i64);
            let (d, r, s) = (u.delivered as i128, u.returned as i128, u.sold as i128);
            year.cost_value += d * k.cost_micro as i128;
            year.returned_cost += r * k.cost_micro as i128;
            year.retailer_cogs += s * k.invoice_micro as i128;
            year.retail_value += s * k.shelf_micro as i128;
        }
        Ok(year)
    }

    /// Period sums accumulated in `A` (see [`Compiled::aggregate`]), each SKU's year units, and
    /// bounds of the values seen, for the bounds check. Also returns the retail-value
    /// correction (millionths) of the cells sold at another price than the regular shelf price.
    ///
    /// The first pass accumulates in `i64`; it is kept when every period sum provably fits (the
    /// largest price × the largest unit count × SKUs ≤ `i64::MAX`, the common case), else the
    /// sums are recomputed in `i128`. Both give identical results; `i64` avoids 128-bit carry
    /// chains in the hottest loop.
    #[inline(always)]
    fn aggregate_with<A: Acc>(&self, o: &Outcome, agg: &mut Vec<PeriodAgg>, skus: &mut Vec<SkuUnits>) -> (Seen, i128) {
        agg.clear();
        agg.resize(self.periods, PeriodAgg::default());
        skus.clear();
        skus.resize(self.skus.len(), SkuUnits::default());
        let mut seen = Seen::default();
        let mut correction = 0i128;
        let mut stores = self.stores_start;
        for (p, a) in agg.iter_mut().enumerate() {
            let opened = o.store_openings[p];
            seen.openings = seen.openings.max(opened);
            stores = stores.saturating_add(opened);
            a.stores = stores;
            // One pass over the period's cells; values of cells at another price than the
            // regular shelf price (promotions, price matches) go to a correction.
            let cells = o.period_cells(p);
            let (mut dv, mut delivered, mut returned) = (A::ZERO, 0i64, 0i64);
            let (mut units, mut short, mut prices, mut corr) = (0u32, false, 0u64, A::ZERO);
            let mut slots = [0u32; 4];
            for ((c, k), u) in cells.iter().zip(&self.skus).zip(skus.iter_mut()) {
                units |= c.ordered | c.delivered | c.sold | c.returned;
                short |= c.delivered < c.ordered;
                dv = dv.add_mul(c.delivered, k.invoice_micro);
                delivered = delivered.wrapping_add(i64::from(c.delivered));
                returned = returned.wrapping_add(i64::from(c.returned));
                u.delivered += u64::from(c.delivered);
                u.sold += u64::from(c.sold);
                let odd = c.promo_price_micro as u64 | c.match_gap_micro as u64;
                if odd != 0 {
                    prices |= odd;
                    corr = corr.add_mul(c.sold, shelf_in_effect(c, k)).add_mul(c.sold, -k.shelf_micro);
                    a.price_matched |= c.match_gap_micro != 0;
                }
                if c.slots != 0 {
                    for (i, n) in slots.iter_mut().enumerate() {
                        *n += u32::from(c.slots >> i) & 1;
                    }
                }
            }
            a.slots = slots;
            // Returns are rare: their values get a second pass only when there are some.
            if returned != 0 {
                let mut rv = A::ZERO;
                for ((c, k), u) in cells.iter().zip(&self.skus).zip(skus.iter_mut()) {
                    rv = rv.add_mul(c.returned, k.invoice_micro);
                    u.returned += u64::from(c.returned);
                }
                a.returned_value = rv.wide();
            }
            correction += corr.wide();
            seen.units |= units;
            seen.prices |= prices;
            a.delivered_value = dv.wide();
            a.delivered = delivered;
            a.returned = returned;
            a.short = short;
        }
        (seen, correction)
    }

    /// Settles an outcome, sending every booked line to `sink`, and returns the totals.
    pub fn settle_into<S: Sink>(&self, o: &Outcome, sink: &mut S) -> Result<Totals, Error> {
        self.settle_with(o, sink, &mut Scratch::default())
    }

    /// [`Compiled::settle_into`] with reusable working memory.
    pub fn settle_with<S: Sink>(&self, o: &Outcome, sink: &mut S, scratch: &mut Scratch) -> Result<Totals, Error> {
        let c = self.contract;
        let year = self.aggregate(o, scratch)?;
        let agg = &scratch.agg[..];
        scratch.net_to.clear();
        scratch.net_to.push((0, 0));
        let (mut v, mut u) = (0i128, 0i64);
        for a in agg {
            v += a.delivered_value - a.returned_value;
            u += a.delivered - a.returned;
            scratch.net_to.push((v, u));
        }
        let net_to = &scratch.net_to[..];
        scratch.booked.clear();
        scratch.booked.resize(self.covered_count * self.periods, 0);
        let mut out = Out {
            sink,
            rounding: c.rounding,
            kinds: [0; FeeKind::COUNT],
            rule: None,
            cum_exact: Decimal::ZERO,
            cum_rounded: Decimal::ZERO,
            booked: &mut scratch.booked,
            slots: &self.booked_slots,
            periods: self.periods,
        };
        for &i in &self.order {
            let rule = &c.fees[i];
            let cx = Cx { m: self, o, agg, net_to, rule: &self.rules[i] };
            out.begin(Some(i));
            let kind = rule.kind();
            match &rule.rule {
                Rule::LumpSum(r) => r.settle(&cx, kind, &mut out)?,
                Rule::StoreOpening(r) => r.settle(&cx, kind, &mut out)?,
                Rule::Listing(r) => r.settle(&cx, kind, &mut out)?,
                Rule::UnconditionalRebate(r)
                | Rule::ServiceFee(r)
                | Rule::LogisticsFee(r)
                | Rule::ReturnsAllowance(r) => r.settle(&cx, kind, &mut out)?,
                Rule::TieredRebate(r) => r.settle(&cx, kind, &mut out)?,
                Rule::GrowthRebate(r) => r.settle(&cx, kind, &mut out)?,
                Rule::TargetRebate(r) => r.settle(&cx, kind, &mut out)?,
                Rule::GuaranteedMinimum(r) => r.settle(&cx, kind, &mut out)?,
                Rule::DmFee(r) => r.settle(&cx, kind, SlotKind::Dm, &mut out)?,
                Rule::DisplayFee(r) => r.settle(&cx, kind, r.slot.unwrap_or(SlotKind::EndCap), &mut out)?,
                Rule::PromoterFee(r) => r.settle(&cx, kind, &mut out)?,
                Rule::StockoutPenalty(r) => r.settle(&cx, kind, &mut out)?,
                Rule::MarginGuarantee(r) => r.settle(&cx, kind, &mut out)?,
                Rule::PriceMatch(r) => r.settle(&cx, kind, &mut out)?,
            }
        }
        out.begin(None);
        crate::fees::payment_terms::settle(self, agg, self.coc, &mut out)?;

        let mut by_kind = [Decimal::ZERO; FeeKind::COUNT];
        for (d, &micro) in by_kind.iter_mut().zip(&out.kinds) {
            *d = out.decimal(micro);
        }
        let mut t = Totals {
            by_kind,
            gross_invoiced: Decimal::ZERO,
            returns: Decimal::ZERO,
            cost_of_goods: Decimal::ZERO,
            retail_sales: Decimal::ZERO,
            retailer_cost_of_sales: Decimal::ZERO,
            units_delivered: 0,
            units_returned: 0,
            units_sold: year.units_sold,
        };
        let (mut gi, mut rv) = (0i128, 0i128);
        let YearAgg { cost_value: cv, returned_cost: rc, retail_value: rs, retailer_cogs: rcogs, .. } = year;
        for a in agg {
            gi += a.delivered_value;
            rv += a.returned_value;
            t.units_delivered += a.delivered;
            t.units_returned += a.returned;
        }
        let r = &c.rounding;
        // Rounded in integers: the same as rounding the exact `Decimal`, which has 6 decimals.
        let money = |micro: i128| -> Result<Decimal, Error> {
            if micro.unsigned_abs() > DECIMAL_MAX_MANTISSA {
                return Err(Error::Overflow("an aggregate amount".into()));
            }
            let v = if r.decimals >= 6 { micro } else { round_scaled(micro, 6, r.decimals, r.mode) };
            Ok(Decimal::from_i128_with_scale(v, r.decimals.min(6)))
        };
        t.gross_invoiced = money(gi)?;
        t.returns = money(rv)?;
        t.cost_of_goods =
            if rc == 0 { money(cv)? } else { r.round(from_micro(cv)? - mul(from_micro(rc)?, self.recovery)?) };
        t.retail_sales = money(rs)?;
        t.retailer_cost_of_sales = money(rcogs)?;
        Ok(t)
    }

    /// Settles an outcome keeping totals only.
    pub fn totals(&self, o: &Outcome) -> Result<Totals, Error> {
        self.settle_into(o, &mut ())
    }

    /// Settles an outcome keeping totals only, with reusable working memory (the Monte Carlo
    /// path: no allocation per outcome).
    pub fn totals_with(&self, o: &Outcome, scratch: &mut Scratch) -> Result<Totals, Error> {
        self.settle_with(o, &mut (), scratch)
    }

    /// Settles an outcome with the full ledger, P&L and retailer view.
    pub fn settle(&self, o: &Outcome) -> Result<Settlement, Error> {
        let mut sink = LedgerSink::default();
        let totals = self.settle_into(o, &mut sink)?;
        Ok(Settlement::build(self, sink.lines, totals))
    }
}

/// Settles a contract against an outcome: ledger, P&L and retailer view.
pub fn settle(contract: &Contract, outcome: &Outcome) -> Result<Settlement, Error> {
    Compiled::new(contract)?.settle(outcome)
}

/// Settles a contract against its own sales plan.
pub fn evaluate(contract: &Contract) -> Result<Settlement, Error> {
    let m = Compiled::new(contract)?;
    m.settle(m.plan_outcome())
}

/// Millionths to Decimal, for rules.
pub(crate) fn dec(v: i128) -> Result<Decimal, Error> {
    from_micro(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 64-bit fast path and the 128-bit path aggregate identically.
    #[test]
    fn aggregation_paths_agree() {
        let c = crate::demo::contract_with_skus(3, "").unwrap();
        let m = Compiled::new(&c).unwrap();
        let mut o = m.plan_outcome().clone();
        for (i, cell) in o.cells.iter_mut().enumerate() {
            cell.delivered = 1_000 + i as u32 * 7919 % 5000;
            cell.returned = i as u32 % 3;
            // Sold need not be delivered − returned (stock can build up).
            cell.sold = cell.delivered - cell.returned - (i as u32 % 2);
            if i % 5 == 0 {
                cell.slots = 1;
                cell.promo_price_micro = 9_990_000;
                cell.match_gap_micro = 500_000;
            }
        }
        let (mut a, mut b) = (Scratch::default(), Scratch::default());
        let ya = m.aggregate_with::<i64>(&o, &mut a.agg, &mut a.skus).1;
        let yb = m.aggregate_with::<i128>(&o, &mut b.agg, &mut b.skus).1;
        assert_eq!(ya, yb);
        for (x, y) in a.agg.iter().zip(&b.agg) {
            assert_eq!((x.delivered_value, x.returned_value), (y.delivered_value, y.returned_value));
        }
        // Year values from SKU units equal the sums over cells.
        let year = m.aggregate(&o, &mut a).unwrap();
        let cells = |f: &dyn Fn(&Cell, &SkuModel) -> i128| -> i128 {
            o.cells.iter().enumerate().map(|(i, c)| f(c, &m.skus[i % m.skus.len()])).sum()
        };
        assert_eq!(year.cost_value, cells(&|c, k| c.delivered as i128 * k.cost_micro as i128));
        assert_eq!(year.returned_cost, cells(&|c, k| c.returned as i128 * k.cost_micro as i128));
        assert_eq!(year.retailer_cogs, cells(&|c, k| c.sold as i128 * k.invoice_micro as i128));
        assert_eq!(year.retail_value, cells(&|c, k| c.sold as i128 * shelf_in_effect(c, k) as i128));
        // An outcome whose sums could overflow 64 bits takes the 128-bit path and stays exact.
        let mut big = m.plan_outcome().clone();
        big.cells[0].delivered = crate::outcome::MAX_UNITS;
        big.cells[0].sold = crate::outcome::MAX_UNITS;
        big.cells[0].slots = 1;
        big.cells[0].promo_price_micro = crate::outcome::MAX_PRICE_MICRO;
        let t = m.totals(&big).unwrap();
        assert_eq!(
            t.retail_sales.to_string(),
            (Decimal::from(crate::outcome::MAX_UNITS) * Decimal::from(10_000_000)
                + m.settle(m.plan_outcome()).unwrap().totals.retail_sales
                - Decimal::from(10_000) * m.skus[0].shelf)
                .round_dp(2)
                .to_string()
        );
    }

    /// A variant reuses the plan only when it cannot differ, and settles exactly like a
    /// contract compiled from scratch either way.
    #[test]
    fn variants_settle_like_fresh_compilations() {
        let c = crate::demo::contract(
            "[[fees]]\nid = \"entry\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"1000\"\n\n\
             [[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"3%\"\n",
        )
        .unwrap();
        let base = Compiled::new(&c).unwrap();
        let sku = c.skus[0].sku.clone();
        for (path, value) in [
            ("fees.entry.amount", "2500.50"),
            ("fees.r.rate", "0.045"),
            ("payment.days", "90"),
            (&format!("skus.{sku}.invoice_price")[..], "7.35"),
            ("retailer.stores", "37"),
        ] {
            let mut v = c.clone();
            crate::terms::set(&mut v, path, value.parse().unwrap()).unwrap();
            let (fast, fresh) = (base.variant(&v).unwrap(), Compiled::new(&v).unwrap());
            assert_eq!(fast.plan_outcome(), fresh.plan_outcome(), "{path}");
            let o = fresh.plan_outcome();
            assert_eq!(fast.settle(o).unwrap(), fresh.settle(o).unwrap(), "{path}");
        }
    }

    /// Integer rounding gives exactly what `Decimal` rounding gives, in every mode, on ties,
    /// negative amounts and both the 64- and 128-bit paths.
    #[test]
    fn integer_rounding_equals_decimal_rounding() {
        use crate::money::RoundingMode as M;
        let modes = [M::HalfUp, M::HalfEven, M::HalfDown, M::Up, M::Down];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut cases: Vec<(i128, u32)> = vec![(2345, 3), (-2345, 3), (2355, 3), (5, 1), (-15, 1), (1, 8), (0, 4)];
        for _ in 0..20_000 {
            let scale = 3 + (next() % 14) as u32;
            let m = match next() % 3 {
                // Ties: a multiple of 5 followed by zeros.
                0 => (next() % 1_000_000) as i128 * 10i128.pow(scale - 2) * 10 + 5 * 10i128.pow(scale - 3),
                1 => (next() >> 1) as i128 * (next() % 1000 + 1) as i128,
                _ => (next() % 100_000_000) as i128,
            };
            cases.push((if next() % 2 == 0 { m } else { -m }, scale));
        }
        for (m, scale) in cases {
            for mode in modes {
                for dp in [0u32, 2, 4] {
                    if scale <= dp {
                        continue;
                    }
                    let want = Decimal::from_i128_with_scale(m, scale).round_dp_with_strategy(dp, mode.strategy());
                    let got = Decimal::from_i128_with_scale(round_scaled(m, scale, dp, mode), dp);
                    assert_eq!(got, want, "{m}e-{scale} to {dp} dp, {mode:?}");
                }
            }
        }
    }
}
