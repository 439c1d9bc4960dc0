//! What a rule reads while settling: [`Cx`], the settlement context of one rule.
//!
//! The engine aggregates an [`Outcome`] once per settlement (per-period sums in millionths and
//! units, stores trading, slots used) and hands every rule the same read-only view, narrowed to
//! the rule's own header ([`RuleHeader`]: its window, base window, SKU mask and covered rules).
//! A rule reads only this: it never reaches into the compiled contract, so what a rule depends
//! on is visible in its signature, and the engine is free to change how it prepares numbers.
//!
//! Money in the context is in millionths of the currency unit (`i128` sums, exact); turn a sum
//! into a `Decimal` with [`dec`](crate::fees::book::dec). Periods are 0-based.

use rust_decimal::Decimal;

use crate::outcome::{Cell, Outcome};

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
    /// The 1-based listing period of a newly listed SKU (`None` when not a new listing).
    pub(crate) new_listing: Option<u16>,
}

/// What a rule's header says, resolved against the contract: the window it is in force, the
/// periods its base counts, the SKUs it covers and, for a guaranteed minimum, the rules it
/// covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHeader {
    /// First period in force (0-based, inclusive).
    pub from: usize,
    /// Last period in force (0-based, inclusive).
    pub to: usize,
    /// First period counted in the base: `from`, or 0 when the rule is retroactive.
    pub base_from: usize,
    /// SKU mask in contract order; `None` = every SKU.
    pub mask: Option<Vec<bool>>,
    /// Indices (in `contract.fees`) of the rules a guaranteed minimum covers.
    pub covered: Vec<usize>,
    /// The rule's give-get condition, if any.
    pub condition: Option<crate::fees::condition::Condition>,
}

impl RuleHeader {
    /// True when 0-based period `p` is inside the rule's window.
    #[inline]
    pub fn active(&self, p: usize) -> bool {
        p >= self.from && p <= self.to
    }
    /// True when the rule covers SKU `s` (contract order).
    #[inline]
    pub fn includes(&self, s: usize) -> bool {
        self.mask.as_ref().is_none_or(|m| m[s])
    }
}

/// Per-period aggregates over all SKUs, in millionths and units (what per-period rules read).
#[derive(Clone, Copy, Debug, Default)]
pub struct PeriodAgg {
    /// Σ delivered × invoice price (millionths).
    pub delivered_value: i128,
    /// Σ returned × invoice price (millionths).
    pub returned_value: i128,
    /// Units delivered.
    pub delivered: i64,
    /// Units returned.
    pub returned: i64,
    /// Promotion slots used, by [`SlotKind::index`](crate::outcome::SlotKind::index).
    pub slots: [u32; 4],
    /// Stores trading.
    pub stores: u32,
    /// Some SKU has a price-match gap this period.
    pub price_matched: bool,
    /// Some SKU was delivered short of its order this period.
    pub short: bool,
}

/// The shelf price shoppers paid, in millionths: the promotional price when there is one,
/// less the gap when the retailer matched a rival's lower price.
#[inline]
pub fn shelf_in_effect(c: &Cell, k: &SkuModel) -> i64 {
    let list = if c.promo_price_micro > 0 { c.promo_price_micro } else { k.shelf_micro };
    (list - c.match_gap_micro).max(0)
}

/// What a rule sees while settling (see the [module docs](self)).
pub struct Cx<'a> {
    /// The rule's header.
    pub rule: &'a RuleHeader,
    pub(crate) skus: &'a [SkuModel],
    pub(crate) outcome: &'a Outcome,
    pub(crate) agg: &'a [PeriodAgg],
    /// Running totals of net purchase value and net units: entry p covers periods `0..p`.
    pub(crate) net_to: &'a [(i128, i64)],
    pub(crate) promo_period: &'a [bool],
    /// Month (1–12) of each period.
    pub(crate) months: &'a [u16],
    /// Share of the year in force from each period (empty without proration).
    pub(crate) shares: &'a [Share],
    /// 0-based period the contract comes into force.
    pub(crate) contract_start: usize,
}

/// The share of the year something starting in a period is in force (`num / den` of the
/// year, counted in `of`: "months" or "days").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// Months or days in force.
    pub num: u32,
    /// Months or days of the year.
    pub den: u32,
    /// What is counted.
    pub of: &'static str,
}

impl Cx<'_> {
    /// Number of periods in the contract year.
    #[inline]
    pub fn periods(&self) -> usize {
        self.agg.len()
    }
    /// The SKUs, in contract order (the order of each period's cells).
    #[inline]
    pub fn skus(&self) -> &[SkuModel] {
        self.skus
    }
    /// The cells of period p, one per SKU in contract order.
    #[inline]
    pub fn cells(&self, p: usize) -> &[Cell] {
        self.outcome.period_cells(p)
    }
    /// The aggregates of period p over every SKU (not only the rule's).
    #[inline]
    pub fn period(&self, p: usize) -> &PeriodAgg {
        &self.agg[p]
    }
    /// New stores opened in period p.
    #[inline]
    pub fn store_openings(&self, p: usize) -> u32 {
        self.outcome.store_openings[p]
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
            .zip(self.skus)
            .enumerate()
            .filter(|(s, _)| self.rule.includes(*s))
            .map(|(_, (c, k))| (c.delivered as i128 - c.returned as i128) * k.invoice_micro as i128)
            .sum()
    }
    /// Gross purchases value (delivered, at invoice) of the rule's SKUs in period p.
    pub fn gross_value(&self, p: usize) -> i128 {
        self.cells(p)
            .iter()
            .zip(self.skus)
            .enumerate()
            .filter(|(s, _)| self.rule.includes(*s))
            .map(|(_, (c, k))| c.delivered as i128 * k.invoice_micro as i128)
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
            .zip(self.skus)
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
    #[inline]
    pub fn stores(&self, p: usize) -> u32 {
        self.agg[p].stores
    }
    /// True when period p lies in a named promotion period (档期).
    #[inline]
    pub fn in_promotion_period(&self, p: usize) -> bool {
        self.promo_period[p]
    }
    /// Month (1–12) of 0-based period p.
    #[inline]
    pub fn month_of(&self, p: usize) -> u16 {
        self.months[p]
    }
    /// True when 0-based period p is the last period of its month.
    #[inline]
    pub fn month_end(&self, p: usize) -> bool {
        p + 1 == self.periods() || self.month_of(p + 1) != self.month_of(p)
    }
    /// The share of the year in force of something starting in 0-based period `p` (and not
    /// before the contract comes into force), when the contract prorates annual fixed fees and
    /// the share is less than the whole year.
    pub fn share(&self, p: usize) -> Option<Share> {
        let s = *self.shares.get(p.max(self.contract_start))?;
        (s.num < s.den).then_some(s)
    }
    /// The 0-based period the contract comes into force (0 without proration).
    pub fn contract_start(&self) -> usize {
        self.contract_start
    }
    /// The retailer's performance in 0-based period `p` (performed in full unless the outcome
    /// says otherwise).
    #[inline]
    pub fn performance(&self, p: usize) -> crate::outcome::Performance {
        self.outcome.performance(p)
    }
    /// The listing period (1-based) of SKU `s` when it is newly listed this year.
    #[inline]
    pub fn new_listing(&self, s: usize) -> Option<u16> {
        self.skus[s].new_listing
    }
}
