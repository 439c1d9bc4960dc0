//! Settlement: compile, aggregate, run the rules, total.
//!
//! [`Compiled`] turns a validated contract into the numbers settlement needs
//! ([`compile`](self) — prices in millionths for integer hot loops, shelf prices, store counts,
//! rule headers and the planned outcome). [`Compiled::settle_into`] aggregates an [`Outcome`]
//! once (`aggregate`), runs every fee rule through the registry in [`crate::fees`] and books the
//! payment terms (`run`); each amount goes through the booker ([`crate::fees::book::Out`]) that
//! rounds it where the contract says, adds it to the totals, and hands it to a [`Sink`]. The
//! [`LedgerSink`] keeps labelled lines (for `explain` and `replay`); the unit sink `()` keeps
//! nothing, so the totals path allocates no strings. Both give the same totals by construction.
//! `report` turns totals and lines into the [`Settlement`] a user reads.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::contract::{Contract, Supplier};
use crate::error::Error;
use crate::fees::FeeKind;
use crate::fees::api::{PeriodAgg, RuleHeader};
use crate::outcome::Outcome;

mod aggregate;
pub mod capture;
mod compile;
mod report;
mod run;

use aggregate::SkuUnits;

pub use crate::fees::api::SkuModel;
pub use crate::fees::book::{LedgerSink, Line, Sink};
pub use crate::fees::formula::{Formula, Times};
pub use capture::RuleCapture;
pub use report::{LedgerLine, Pnl, RetailerView, Settlement};

/// A contract prepared for settlement. Build once, settle many outcomes.
///
/// What does not depend on fee or payment terms (SKU prices, the planned outcome, the
/// calendar) is shared behind `Arc`s, so [`Compiled::variant`] and `clone` are cheap.
#[derive(Clone, Debug)]
pub struct Compiled<'c> {
    /// The contract.
    pub contract: &'c Contract,
    /// Its supplier portfolio.
    pub supplier: &'c Supplier,
    /// SKUs in contract order.
    pub skus: Arc<[SkuModel]>,
    plan: Arc<PlanModel>,
    rules: Arc<RuleModels>,
    coc: Decimal,
}

/// The parts of a compiled contract that depend on the calendar, retailer, SKUs and sales
/// plan, but not on fee or payment terms.
#[derive(Debug)]
struct PlanModel {
    periods: usize,
    stores_start: u32,
    promo_period: Vec<bool>,
    /// Month (1–12) of each period.
    months: Vec<u16>,
    /// Share of the year in force from each period (empty without proration).
    shares: Vec<crate::fees::api::Share>,
    /// 0-based period the contract comes into force.
    contract_start: usize,
    plan: Outcome,
    plan_cells: Vec<PlanCell>,
    per_store: Vec<bool>,
    max_price_micro: i64,
    recovery: Decimal,
}

/// The fee rules resolved against the contract.
#[derive(Debug)]
struct RuleModels {
    headers: Vec<RuleHeader>,
    /// Settlement order: every rule, guaranteed minimums last.
    order: Vec<usize>,
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

impl Compiled<'_> {
    /// Number of periods.
    pub fn periods(&self) -> usize {
        self.plan.periods
    }

    /// The outcome the contract's own sales plan expects.
    pub fn plan_outcome(&self) -> &Outcome {
        &self.plan.plan
    }

    /// The plan's expectation of a 0-based period and SKU (what a simulation perturbs).
    pub fn plan_cell(&self, period: usize, sku: usize) -> PlanCell {
        self.plan.plan_cells[period * self.skus.len() + sku]
    }

    /// True when the SKU's plan is per store (its demand scales with stores trading).
    pub fn scales_with_stores(&self, sku: usize) -> bool {
        self.plan.per_store[sku]
    }

    /// Stores trading at the start of the year.
    pub fn stores_at_start(&self) -> u32 {
        self.plan.stores_start
    }

    /// A zeroed outcome of the right shape.
    pub fn empty_outcome(&self) -> Outcome {
        Outcome::new(self.plan.periods, self.skus.len())
    }
}

impl Outcome {
    /// The outcome the contract's sales plan expects.
    ///
    /// Per SKU and period (nothing before the SKU's listing period): baseline units (per
    /// period, per period list, or per store × stores open) × seasonality × promotion uplift,
    /// rounded half-up to whole units = ordered; delivered = ordered × fill rate (the promotion
    /// fill rate in promoted cells), rounded half-up; returned = delivered × returns rate,
    /// rounded half-up; sold = delivered − returned.
    ///
    /// # Errors
    ///
    /// As [`Compiled::new`].
    pub fn from_plan(contract: &Contract) -> Result<Outcome, Error> {
        let model = Compiled::new(contract)?;
        Ok(model.plan_outcome().clone())
    }
}

/// Settles a contract against an outcome: ledger, P&L and retailer view.
///
/// # Errors
///
/// As [`Compiled::new`] and [`Compiled::settle`].
pub fn settle(contract: &Contract, outcome: &Outcome) -> Result<Settlement, Error> {
    Compiled::new(contract)?.settle(outcome)
}

/// Settles a contract against its own sales plan.
///
/// # Errors
///
/// As [`Compiled::new`] and [`Compiled::settle`].
pub fn evaluate(contract: &Contract) -> Result<Settlement, Error> {
    let m = Compiled::new(contract)?;
    m.settle(m.plan_outcome())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fees::api::shelf_in_effect;
    use crate::fees::book::round_scaled;
    use crate::outcome::Cell;

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
        // A variant with terms out of bounds fails with the problems a fresh compilation reports.
        for (path, value) in [("fees.r.rate", "1.5"), ("payment.days", "4000"), ("fees.entry.amount", "-1")] {
            let mut v = c.clone();
            crate::terms::set(&mut v, path, value.parse().unwrap()).unwrap();
            let (fast, fresh) = (base.variant(&v).unwrap_err(), Compiled::new(&v).unwrap_err());
            assert!(!fast.problems().is_empty(), "{path}");
            assert_eq!(fast.problems(), fresh.problems(), "{path}");
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

    /// Times `variant` against a settlement of ref-52x10 (run with `--release --ignored`).
    #[test]
    #[ignore = "timing; run with --release -- --ignored --nocapture"]
    fn variant_timing() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/bench/ref-52x10.toml");
        let c = crate::load(path).unwrap();
        let base = Compiled::new(&c).unwrap();
        let mut v = c.clone();
        crate::terms::set(&mut v, "payment.days", Decimal::from(75)).unwrap();
        let n = 20_000;
        let best = |f: &mut dyn FnMut()| {
            (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    for _ in 0..n {
                        f();
                    }
                    t.elapsed().as_secs_f64() * 1e6 / n as f64
                })
                .fold(f64::MAX, f64::min)
        };
        let variant = best(&mut || {
            std::hint::black_box(base.variant(std::hint::black_box(&v)).unwrap());
        });
        let mut scratch = Scratch::default();
        let o = base.plan_outcome().clone();
        let totals = best(&mut || {
            std::hint::black_box(base.totals_with(&o, &mut scratch).unwrap());
        });
        println!("ref-52x10: variant {variant:.2} µs, totals-only settlement {totals:.2} µs");
    }
}
