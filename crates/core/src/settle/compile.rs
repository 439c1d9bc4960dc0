//! Compiling: a validated contract becomes the numbers settlement needs.
//!
//! Prices in millionths for the integer hot loops, shelf prices, stores, the month of each
//! period, rule headers (windows, SKU masks, covered rules) and the planned outcome. The parts
//! that do not depend on fee or payment terms are kept behind `Arc`s, so a variant of the
//! contract with other terms shares them instead of rebuilding them.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::{Compiled, PlanCell, PlanModel, RuleModels};
use crate::contract::{Contract, ShelfPrice};
use crate::error::{ContractError, Error};
use crate::fees::api::{RuleHeader, SkuModel};
use crate::fees::book::mul;
use crate::outcome::{Outcome, round_units, to_micro};

impl<'c> Compiled<'c> {
    /// Prepares a contract for settlement. The contract must be valid (what settlement reads is
    /// checked again here, [`crate::validate::check_settlement`]; the `[uncertainty]` and
    /// `[negotiation]` sections are checked when the contract is loaded) and its supplier loaded.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] when the contract breaks a rule of [`crate::validate`];
    /// [`Error::Contract`] when its supplier file was never loaded; [`Error::Overflow`] or
    /// [`Error::Outcome`] when its sales plan leaves the bounds of exact arithmetic.
    pub fn new(contract: &'c Contract) -> Result<Compiled<'c>, Error> {
        Compiled::build(contract)
    }

    /// Compiles a variant of this contract: the same contract with other fee or payment terms
    /// (a negotiated offer, or terms drawn for one simulated year).
    ///
    /// When the variant has the same name, currency, supplier, retailer, calendar, rounding,
    /// SKU terms and sales plan, it shares this contract's SKU prices and planned outcome (and
    /// its rule headers, when the rules' ids, windows, SKU selections and covered rules are
    /// unchanged), and only what can have changed is validated: the fee rules and the payment
    /// terms, with the messages of [`crate::validate::check`]. The `[uncertainty]` and
    /// `[negotiation]` sections, which settlement does not read, are not checked again. Any other
    /// difference makes it [`Compiled::new`]. Either way it settles exactly as a fresh
    /// compilation of `contract` would.
    ///
    /// # Errors
    ///
    /// As [`Compiled::new`].
    pub fn variant<'v>(&self, contract: &'v Contract) -> Result<Compiled<'v>, Error> {
        let a = self.contract;
        let same_plan = std::ptr::eq(a, contract)
            || (a.name == contract.name
                && a.currency == contract.currency
                && a.supplier == contract.supplier
                && a.retailer == contract.retailer
                && a.calendar == contract.calendar
                && a.rounding == contract.rounding
                && a.skus == contract.skus
                && a.plan == contract.plan);
        if !same_plan {
            return Compiled::new(contract);
        }
        let problems = crate::validate::check_terms(contract);
        if !problems.is_empty() {
            return Err(invalid(contract, problems));
        }
        let supplier = contract.supplier().ok_or_else(not_loaded)?;
        let same_headers = a.fees.len() == contract.fees.len()
            && a.fees.iter().zip(&contract.fees).all(|(x, y)| {
                x.id == y.id
                    && x.from_period == y.from_period
                    && x.to_period == y.to_period
                    && x.retroactive == y.retroactive
                    && x.rule.tag() == y.rule.tag()
                    && x.rule.skus() == y.rule.skus()
                    && x.rule.covers() == y.rule.covers()
            });
        let rules = if same_headers { self.rules.clone() } else { Arc::new(rule_models(contract, self.plan.periods)) };
        Ok(Compiled {
            contract,
            supplier,
            skus: self.skus.clone(),
            plan: self.plan.clone(),
            rules,
            coc: contract.cost_of_capital().0,
        })
    }

    /// This compiled contract with the SKUs marked in `listed` (contract order) settled as
    /// new listings (新品进场) in period `period` (1-based), whatever the contract says of
    /// them; the sales plan is unchanged. What the multi-year run settles for a replacement
    /// item: listed in period 1 (`new_listing = true`, `listing_period = 1`, whose plan is the
    /// plan of a SKU listed from the start), without compiling a copy of the contract per
    /// scenario. The listing rule books their fees exactly as it would for the contract
    /// written with those SKUs new.
    pub fn with_new_listings(&self, listed: &[bool], period: u16) -> Compiled<'c> {
        let skus: Arc<[SkuModel]> = self
            .skus
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut s = s.clone();
                if listed.get(i).copied().unwrap_or(false) {
                    s.new_listing = Some(period);
                }
                s
            })
            .collect();
        Compiled { skus, ..self.clone() }
    }

    /// [`Compiled::new`].
    fn build(contract: &'c Contract) -> Result<Compiled<'c>, Error> {
        let problems = crate::validate::check_settlement(contract);
        if !problems.is_empty() {
            return Err(invalid(contract, problems));
        }
        let supplier = contract.supplier().ok_or_else(not_loaded)?;
        let skus: Arc<[SkuModel]> = sku_models(contract)?.into();
        let plan = Arc::new(plan_model(contract, &skus)?);
        let rules = Arc::new(rule_models(contract, plan.periods));
        Ok(Compiled { contract, supplier, skus, plan, rules, coc: contract.cost_of_capital().0 })
    }

    /// Index of a SKU code in contract order.
    pub fn sku_index(&self, id: &str) -> Option<usize> {
        self.skus.iter().position(|s| s.id == id)
    }
}

/// Validation problems of a contract, located in the files it was loaded from (or naming
/// `<contract>` when the library built it).
fn invalid(contract: &Contract, problems: Vec<crate::validate::Issue>) -> Error {
    Error::Invalid(contract.source.problems(problems))
}

fn not_loaded() -> Error {
    Error::Contract(ContractError::SupplierNotLoaded)
}

/// Prices of every SKU of a contract (its supplier loaded).
fn sku_models(contract: &Contract) -> Result<Vec<SkuModel>, Error> {
    let supplier = contract.supplier().ok_or_else(not_loaded)?;
    let rounding = contract.rounding;
    let mut skus = Vec::with_capacity(contract.skus.len());
    for t in &contract.skus {
        let s = supplier
            .skus
            .iter()
            .find(|s| s.id == t.sku)
            .ok_or_else(|| Error::Contract(ContractError::UnknownSku { sku: t.sku.clone() }))?;
        let invoice = t.invoice_price.unwrap_or(s.list_price).0;
        let cost = s.unit_cost.0;
        let shelf = rounding.round(match t.shelf_price {
            ShelfPrice::RetailMinus { margin } => invoice / (Decimal::ONE - margin.0),
            ShelfPrice::CostPlus { markup } => mul(invoice, Decimal::ONE + markup.0)?,
            ShelfPrice::Fixed { price } => price.0,
        });
        let micro = |value: Decimal, what: &'static str| {
            to_micro(value)
                .ok_or_else(|| Error::Contract(ContractError::TooManyDecimals { sku: t.sku.clone(), what, value }))
        };
        skus.push(SkuModel {
            id: t.sku.clone(),
            invoice,
            cost,
            shelf,
            invoice_micro: micro(invoice, "invoice price")?,
            cost_micro: micro(cost, "unit cost")?,
            shelf_micro: micro(shelf, "shelf price")?,
            new_listing: t.new_listing.then_some(t.listing_period),
        });
    }
    Ok(skus)
}

/// Everything that depends on the calendar, retailer, SKUs and plan, but not on fee or payment
/// terms.
fn plan_model(contract: &Contract, skus: &[SkuModel]) -> Result<PlanModel, Error> {
    let periods = contract.periods();
    let mut promo_period = vec![false; periods];
    for pp in &contract.calendar.promotion_periods {
        for &p in &pp.periods {
            promo_period[p as usize - 1] = true;
        }
    }
    let months = (0..periods).map(|p| contract.calendar.granularity.month_of(p as u16 + 1)).collect();
    let per_store = contract
        .skus
        .iter()
        .map(|t| contract.plan.lines.iter().any(|l| l.sku == t.sku && l.units_per_store.is_some()))
        .collect();
    let shares = contract.proration.as_ref().map_or_else(Vec::new, |pr| {
        (1..=periods as u16)
            .map(|p| {
                let (num, den, of) = pr.share(contract.calendar.granularity, contract.year, p);
                crate::fees::api::Share { num, den, of }
            })
            .collect()
    });
    let contract_start = contract.proration.as_ref().map_or(0, |pr| usize::from(pr.start_period.max(1)) - 1);
    let stores_start = contract.retailer.stores;
    let (plan, plan_cells) = build_plan(contract, skus, periods, stores_start)?;
    let recovery = contract.supplier().map_or(Decimal::ZERO, |s| s.returns_recovery.0);
    Ok(PlanModel {
        periods,
        stores_start,
        promo_period,
        months,
        shares,
        contract_start,
        plan,
        plan_cells,
        per_store,
        max_price_micro: skus.iter().flat_map(|k| [k.invoice_micro, k.cost_micro, k.shelf_micro]).max().unwrap_or(0),
        recovery,
    })
}

/// The rule headers, the settlement order and the slots of the rules guaranteed minimums cover.
fn rule_models(contract: &Contract, periods: usize) -> RuleModels {
    let mut headers = Vec::with_capacity(contract.fees.len());
    for f in &contract.fees {
        let from = f.from_period.map_or(0, |p| p as usize - 1);
        let to = f.to_period.map_or(periods - 1, |p| p as usize - 1);
        let sel = f.rule.skus();
        let mask = (!sel.is_empty()).then(|| contract.skus.iter().map(|t| sel.contains(&t.sku)).collect());
        let covered = f.rule.covers().iter().filter_map(|id| contract.fees.iter().position(|x| &x.id == id)).collect();
        headers.push(RuleHeader {
            from,
            to,
            base_from: if f.retroactive { 0 } else { from },
            mask,
            covered,
            condition: f.condition,
        });
    }
    let last = |i: usize| contract.fees[i].rule.settled_last();
    let mut order: Vec<usize> = (0..contract.fees.len()).filter(|&i| !last(i)).collect();
    order.extend((0..contract.fees.len()).filter(|&i| last(i)));
    // Only rules a guaranteed minimum covers keep per-period amounts.
    let mut booked_slots = vec![None; contract.fees.len()];
    let mut covered_count = 0;
    for r in &headers {
        for &i in &r.covered {
            if booked_slots[i].is_none() {
                booked_slots[i] = Some(covered_count);
                covered_count += 1;
            }
        }
    }
    RuleModels { headers, order, booked_slots, covered_count }
}

/// The outcome the contract's sales plan expects, and each cell's expectation before rounding.
fn build_plan(
    c: &Contract,
    skus: &[SkuModel],
    periods: usize,
    stores_start: u32,
) -> Result<(Outcome, Vec<PlanCell>), Error> {
    let plan = &c.plan;
    let n = skus.len();
    let sku_index = |id: &str| skus.iter().position(|s| s.id == id);
    let mut plan_cells = vec![PlanCell::default(); periods * n];
    let mut o = Outcome::new(periods, n);
    for so in &c.retailer.store_openings {
        o.store_openings[so.period as usize - 1] += so.count;
    }
    if let Some(perf) = &plan.performance {
        o.performance = crate::fees::condition::planned_performance(perf, periods);
    }
    // Promotions first: they set slots, promo prices and uplifts.
    let mut uplift = vec![Decimal::ONE; periods * n];
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
            let Some(s) = sku_index(id) else { continue };
            for &p in &periods {
                let i = (p as usize - 1) * n + s;
                let cell = &mut o.cells[i];
                cell.slots |= 1 << pr.slot.index();
                uplift[i] = uplift[i].max(pr.uplift.0);
                if let Some(cut) = pr.price_cut {
                    let price = c.rounding.round(mul(skus[s].shelf, Decimal::ONE - cut.0)?);
                    let micro = to_micro(price).unwrap_or(0);
                    if cell.promo_price_micro == 0 || micro < cell.promo_price_micro {
                        cell.promo_price_micro = micro;
                    }
                }
            }
        }
    }
    for pm in &plan.price_matches {
        let Some(s) = sku_index(&pm.sku) else { continue };
        for &p in &pm.periods {
            let cell = &mut o.cells[(p as usize - 1) * n + s];
            let regular = if cell.promo_price_micro > 0 { cell.promo_price_micro } else { skus[s].shelf_micro };
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
    let mut stores = stores_start;
    for p in 0..periods {
        stores += o.store_openings[p];
        let season = match plan.seasonality.len() {
            0 => Decimal::ONE,
            12 if periods != 12 => plan.seasonality[c.calendar.granularity.month_of(p as u16 + 1) as usize - 1].0,
            _ => plan.seasonality[p].0,
        };
        for (li, line) in plan.lines.iter().enumerate() {
            let Some(s) = sku_index(&line.sku) else { continue };
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
            plan_cells[i] = PlanCell { baseline, uplift: uplift[i] };
            let q = mul(baseline, uplift[i])?;
            let cell = &mut o.cells[i];
            // Too many units is the plan line's problem: locate it there.
            let at = |e: Error| match e {
                Error::Outcome(crate::error::OutcomeError::PlannedUnits { units, max_units }) => {
                    let key = if line.units_per_period.is_some() {
                        format!("plan.lines[{li}].units_per_period")
                    } else if line.units.is_some() {
                        format!("plan.lines[{li}].units[{p}]")
                    } else {
                        format!("plan.lines[{li}].units_per_store")
                    };
                    let msg = format!(
                        "planned units {units} of SKU `{}` in period {} exceed the maximum of {max_units} per cell \
                         (the plan line × seasonality × promotion uplift)",
                        line.sku,
                        p + 1
                    );
                    Error::Invalid(c.source.problems([(key, msg)]))
                }
                e => e,
            };
            cell.ordered = round_units(q).map_err(at)?;
            let f = if cell.promoted() { promo_fill } else { fill };
            cell.delivered = round_units(mul(Decimal::from(cell.ordered), f)?).map_err(at)?;
            cell.returned = round_units(mul(Decimal::from(cell.delivered), plan.returns_rate.0)?).map_err(at)?;
            cell.sold = cell.delivered - cell.returned.min(cell.delivered);
        }
    }
    Ok((o, plan_cells))
}
