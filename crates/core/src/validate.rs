//! Semantic validation: every problem at once, each with its key path.
//!
//! Serde already enforces the shape (types, known keys, required keys). These checks enforce
//! meaning: references resolve, periods exist, rates are in range, tiers increase, and every
//! number is inside the bounds that keep settlement exact and panic-free.

use rust_decimal::Decimal;

use crate::contract::{Contract, ShelfPrice, Supplier};
use crate::fees::FeeRule;
use crate::fees::clause::{self, Check};
use crate::money::{Money, Rate};
use crate::outcome::MAX_UNITS;

/// A problem: (key path, message).
pub type Issue = (String, String);

struct V<'a> {
    c: &'a Contract,
    periods: usize,
    /// The contract's SKU codes, for rules restricted to some of them.
    sku_codes: Vec<&'a str>,
    out: Vec<Issue>,
}

impl V<'_> {
    fn err(&mut self, path: impl Into<String>, msg: impl Into<String>) {
        self.out.push((path.into(), msg.into()));
    }
    fn period(&mut self, path: &str, p: u16) {
        if let Some(m) = clause::outside_year(p, self.periods) {
            self.err(path, m);
        }
    }
    fn non_negative(&mut self, path: &str, m: Money) {
        if let Some(msg) = clause::negative(m) {
            self.err(path, msg);
        }
    }
    fn price(&mut self, path: &str, m: Money) {
        if m.0 <= Decimal::ZERO {
            self.err(path, format!("must be greater than zero, but is {}", m.0));
        } else if m.0.scale() > 6 {
            self.err(path, format!("prices may have at most 6 decimals, but {} has {}", m.0, m.0.scale()));
        } else if m.0 > Decimal::from(10_000_000) {
            self.err(path, format!("a unit price of {} is above the maximum of 10,000,000", m.0));
        }
    }
    fn fraction(&mut self, path: &str, r: Rate) {
        if let Some(m) = clause::not_fraction(r) {
            self.err(path, m);
        }
    }
    fn sku_in_contract(&mut self, path: &str, id: &str) {
        if !self.c.skus.iter().any(|t| t.sku == id) {
            let known: Vec<&str> = self.c.skus.iter().map(|t| t.sku.as_str()).collect();
            let hint = crate::error::closest(id, known.iter().copied())
                .map_or(String::new(), |k| format!("; did you mean `{k}`?"));
            self.err(path, format!("SKU `{id}` is not one of the contract's SKUs ({}){hint}", known.join(", ")));
        }
    }
    fn selection(&mut self, path: &str, skus: &[String]) {
        for (i, s) in skus.iter().enumerate() {
            self.sku_in_contract(&format!("{path}[{i}]"), s);
        }
    }

    fn supplier(&mut self, s: &Supplier) {
        self.out.extend(check_supplier(s).into_iter().map(|(p, m)| (format!("supplier.{p}"), m)));
    }

    fn uncertainty(&mut self, u: &crate::uncertainty::Uncertainty) {
        for (key, d) in u.named() {
            for m in d.problems() {
                self.err(format!("uncertainty.{key}"), m);
            }
            let (lo, hi) = d.bounds();
            let fraction = matches!(
                key,
                "fill_rate"
                    | "promo_fill_rate"
                    | "returns_rate"
                    | "post_promo_dip"
                    | "price_war.depth"
                    | "flyer_run_rate"
                    | "display_compliance"
            );
            if fraction && (lo.is_none_or(|x| x < Decimal::ZERO) || hi.is_none_or(|x| x > Decimal::ONE)) {
                self.err(format!("uncertainty.{key}"), "a share must be drawn from a distribution bounded to 0–100% (uniform, triangular, pert, fixed, discrete)");
            }
            if key == "promo_uplift" && lo.is_none_or(|x| x < Decimal::ZERO) {
                self.err(format!("uncertainty.{key}"), "an uplift must be bounded below by 0");
            }
            if let (Some(l), Some(h)) = (lo, hi)
                && (l.abs() > Decimal::from(1_000_000) || h.abs() > Decimal::from(1_000_000))
            {
                self.err(format!("uncertainty.{key}"), "values must stay within ±1,000,000");
            }
        }
        if let Some(cv) = u.demand_cv
            && (cv.0 < Decimal::ZERO || cv.0 > Decimal::from(5))
        {
            self.err("uncertainty.demand_cv", format!("must be between 0% and 500%, but is {cv}"));
        }
        if let Some(r) = u.demand_correlation {
            self.fraction("uncertainty.demand_correlation", r);
        }
        if let Some(w) = &u.price_war {
            self.fraction("uncertainty.price_war.probability", w.probability);
            match (&w.depth, w.gap) {
                (Some(_), None) => {}
                (None, Some(g)) => self.non_negative("uncertainty.price_war.gap", g),
                _ => self.err(
                    "uncertainty.price_war",
                    "give exactly one of `depth` (a share of the shelf price) and `gap` (an amount per unit)",
                ),
            }
        }
        for (i, t) in u.terms.iter().enumerate() {
            let p = format!("uncertainty.terms[{i}]");
            if t.path.starts_with("resources.") {
                self.err(
                    format!("{p}.path"),
                    format!(
                        "`{}` is a relationship resource, not a drawn term: draw its effects in \
                         [resources.effects] (docs/resources.md)",
                        t.path
                    ),
                );
            } else if let Err(m) = crate::terms::get(self.c, &t.path) {
                self.err(format!("{p}.path"), m.to_string());
            }
            for m in t.dist.problems() {
                self.err(&p, m);
            }
            if u.terms[..i].iter().any(|o| o.path == t.path) {
                self.err(format!("{p}.path"), format!("term `{}` is given twice", t.path));
            }
        }
        self.drawn_terms(u);
        self.positive_definite(u);
        for (i, c) in u.correlations.iter().enumerate() {
            use crate::uncertainty::Driver;
            let p = format!("uncertainty.correlations[{i}]");
            if c.a == c.b {
                self.err(&p, "a driver cannot be correlated with itself");
            }
            if c.a.per_cell() != c.b.per_cell() {
                self.err(&p, "correlate per-cell drivers (demand, fill_rate, promo_uplift, post_promo_dip) with each other, or per-scenario drivers (trend, returns_rate, store_openings) with each other");
            }
            if c.rho.0 < -Decimal::ONE || c.rho.0 > Decimal::ONE {
                self.err(format!("{p}.rho"), format!("must be between −100% and 100%, but is {}", c.rho));
            }
            for d in [c.a, c.b] {
                let modelled = match d {
                    Driver::Demand => u.demand_cv.is_some() || u.demand_sigma.is_some(),
                    Driver::FillRate => u.fill_rate.is_some() || u.promo_fill_rate.is_some(),
                    Driver::PromoUplift => u.promo_uplift.is_some(),
                    Driver::PostPromoDip => u.post_promo_dip.is_some(),
                    Driver::Trend => u.trend.is_some(),
                    Driver::ReturnsRate => u.returns_rate.is_some(),
                    Driver::StoreOpenings => u.store_openings.is_some(),
                };
                if !modelled {
                    self.err(&p, format!("`{d:?}` is not uncertain in this contract: give it a distribution first"));
                }
            }
            let pair = |x: &crate::uncertainty::Correlation| (x.a.min(x.b), x.a.max(x.b));
            if u.correlations[..i].iter().any(|o| pair(o) == pair(c)) {
                self.err(&p, "this pair is correlated twice");
            }
        }
        if u.demand_cv.is_some() && u.demand_sigma.is_some() {
            self.err("uncertainty.demand_sigma", "give `demand_cv` or `demand_sigma`, not both");
        }
        if let Some(s) = u.demand_sigma
            && (s.0 < Decimal::ZERO || s.0 > Decimal::from(3))
        {
            self.err("uncertainty.demand_sigma", format!("must be between 0 and 3, but is {}", s.0));
        }
    }

    /// A drawn term must stay inside its rule's bounds over the whole range of its
    /// distribution: the contract is checked with the term at each end.
    fn drawn_terms(&mut self, u: &crate::uncertainty::Uncertainty) {
        use crate::uncertainty::Dist;
        let mut plain = self.c.clone();
        plain.uncertainty = None;
        plain.negotiation = None;
        let before = check(&plain);
        for (i, t) in u.terms.iter().enumerate() {
            if t.path.starts_with("resources.")
                || crate::terms::get(self.c, &t.path).is_err()
                || !t.dist.problems().is_empty()
            {
                continue;
            }
            let (lo, hi) = t.dist.bounds();
            for (end, value) in [("min", lo), ("max", hi)] {
                let Some(value) = value else { continue };
                let key = match &t.dist {
                    Dist::Uniform { .. } | Dist::Triangular { .. } | Dist::Pert { .. } => end,
                    Dist::Fixed { .. } => "value",
                    Dist::Discrete { .. } => "values",
                    _ => "dist",
                };
                let at = format!("uncertainty.terms[{i}].{key}");
                let mut v = plain.clone();
                // A count beyond what a count can hold: check the largest one, so the message
                // names the real bound of the term.
                let set = match crate::terms::set(&mut v, &t.path, value) {
                    Err(e)
                        if matches!(e.reason, crate::terms::TermReason::NotACount { .. }) && value > Decimal::ZERO =>
                    {
                        crate::terms::set(&mut v, &t.path, Decimal::from(u32::MAX))
                    }
                    r => r,
                };
                if let Err(e) = set {
                    self.err(&at, format!("`{}` can be drawn as {value}: {}", t.path, e.reason));
                    continue;
                }
                if let Some((_, m)) = check(&v).into_iter().find(|x| !before.contains(x)) {
                    self.err(
                        &at,
                        format!("`{}` can be drawn as {}, which the contract refuses: {m}", t.path, value.normalize()),
                    );
                }
            }
        }
    }

    /// The correlations of each group of drivers must form a positive-definite matrix, or no
    /// simulation can draw them: the correlation that makes it fail is reported.
    fn positive_definite(&mut self, u: &crate::uncertainty::Uncertainty) {
        use crate::uncertainty::Driver;
        use rust_decimal::prelude::ToPrimitive;
        let groups: [&[Driver]; 2] = [
            &[Driver::Demand, Driver::FillRate, Driver::PromoUplift, Driver::PostPromoDip],
            &[Driver::Trend, Driver::ReturnsRate, Driver::StoreOpenings],
        ];
        for order in groups {
            let n = order.len();
            let mut m = vec![vec![0.0f64; n]; n];
            for (i, row) in m.iter_mut().enumerate() {
                row[i] = 1.0;
            }
            // The whole matrix is checked, not each correlation as it is added: a matrix can be
            // positive definite only once all its correlations are in (ρ = 90% between each pair
            // of three drivers is; the first two alone, with the third at 0, are not).
            let mut members: Vec<(usize, usize, usize)> = vec![];
            for (k, c) in u.correlations.iter().enumerate() {
                let (Some(i), Some(j)) = (order.iter().position(|d| *d == c.a), order.iter().position(|d| *d == c.b))
                else {
                    continue;
                };
                if i == j || c.rho.0.abs() > Decimal::ONE {
                    continue;
                }
                if c.rho.0.abs() == Decimal::ONE {
                    self.err(
                        format!("uncertainty.correlations[{k}].rho"),
                        format!(
                            "a correlation of {} makes `{:?}` and `{:?}` the same draw: the simulation needs it strictly between −100% and 100%",
                            c.rho, c.a, c.b
                        ),
                    );
                    members.clear();
                    break;
                }
                let r = c.rho.0.to_f64().unwrap_or(0.0);
                m[i][j] = r;
                m[j][i] = r;
                members.push((k, i.max(j), i.min(j)));
            }
            if members.is_empty() {
                continue;
            }
            if let Err(crate::uncertainty::FailedPivot { row, .. }) = crate::uncertainty::cholesky(&m) {
                // Report the strongest correlation of the row whose pivot failed with an
                // earlier driver: the one that makes the matrix impossible.
                let k = members
                    .iter()
                    .filter(|(_, hi, _)| *hi == row)
                    .max_by(|a, b| m[a.1][a.2].abs().total_cmp(&m[b.1][b.2].abs()))
                    .or(members.last())
                    .map(|(k, _, _)| *k)
                    .unwrap_or(0);
                self.err(
                    format!("uncertainty.correlations[{k}].rho"),
                    format!(
                        "with this correlation ({}) the correlations are impossible together (the matrix is not positive definite): lower some of them",
                        u.correlations[k].rho
                    ),
                );
            }
        }
    }

    fn negotiation(&mut self, n: &crate::negotiation::Negotiation) {
        if n.rounds == 0 || n.rounds > 10_000 {
            self.err("negotiation.rounds", format!("must be between 1 and 10,000, but is {}", n.rounds));
        }
        if n.issues.is_empty() {
            self.err("negotiation.issues", "name at least one negotiable term");
        }
        let mut outcomes: f64 = 1.0;
        for (i, is) in n.issues.iter().enumerate() {
            let p = format!("negotiation.issues[{i}]");
            if let Err(m) = crate::terms::get(self.c, &is.path) {
                self.err(format!("{p}.path"), m.to_string());
            }
            if is.min.0 > is.max.0 {
                self.err(&p, format!("min {} is above max {}", is.min.0, is.max.0));
            }
            if is.step.0 <= Decimal::ZERO {
                self.err(format!("{p}.step"), format!("must be positive, but is {}", is.step.0));
            } else {
                let n = ((is.max.0 - is.min.0) / is.step.0).floor() + Decimal::ONE;
                outcomes *= n.to_string().parse::<f64>().unwrap_or(f64::MAX);
            }
            if n.issues[..i].iter().any(|o| o.path == is.path) {
                self.err(format!("{p}.path"), format!("term `{}` is listed twice", is.path));
            }
        }
        if outcomes > 20_000.0 {
            self.err(
                "negotiation.issues",
                format!("{outcomes} combinations of terms is more than 20,000: use coarser steps"),
            );
        }
        let s = &n.supplier;
        if let Some(fl) = &s.flagship {
            if fl.pilot_rounds >= n.rounds {
                self.err(
                    "negotiation.supplier.flagship.pilot_rounds",
                    format!(
                        "the pilot ({} rounds) must leave rounds for the chain negotiation ({} in all)",
                        fl.pilot_rounds, n.rounds
                    ),
                );
            }
            if fl.demand_lift.0 < Decimal::ZERO || fl.demand_lift.0 > Decimal::from(10) {
                self.err(
                    "negotiation.supplier.flagship.demand_lift",
                    format!("must be between 0% and 1000%, but is {}", fl.demand_lift),
                );
            }
            self.fraction("negotiation.supplier.flagship.batna_lift", fl.batna_lift);
        }
        if s.scenarios == 0 || s.scenarios > 100_000 {
            self.err(
                "negotiation.supplier.scenarios",
                format!("must be between 1 and 100,000, but is {}", s.scenarios),
            );
        } else {
            // Every offer is settled on every common scenario (on the plan alone without
            // `[uncertainty]`): bound the product, not each factor.
            let scenarios = if self.c.uncertainty.is_some() { f64::from(s.scenarios) } else { 1.0 };
            let limit = crate::negotiation::MAX_OFFER_SCENARIOS;
            if outcomes * scenarios > limit as f64 {
                self.err(
                    "negotiation.supplier.scenarios",
                    format!(
                        "{} offers × {} scenarios is {} settlements, more than {}: use fewer scenarios or coarser steps",
                        grouped(outcomes),
                        grouped(f64::from(s.scenarios)),
                        grouped(outcomes * scenarios),
                        grouped(limit as f64)
                    ),
                );
            }
        }
        let b = &n.buyer;
        self.non_negative("negotiation.buyer.fee_target", b.fee_target);
        self.fraction("negotiation.buyer.batna", b.batna);
        self.fraction("negotiation.buyer.missed_signing_penalty", b.missed_signing_penalty);
        if let Some(r) = s.batna_recovered_share {
            self.fraction("negotiation.supplier.batna_recovered_share", r);
        }
        let w = &b.weights;
        for (k, r) in [
            ("fee_income", w.fee_income),
            ("fee_ratio", w.fee_ratio),
            ("front_margin", w.front_margin),
            ("sales", w.sales),
        ] {
            self.fraction(&format!("negotiation.buyer.weights.{k}"), r);
        }
        if !w.slots.0.is_zero() && b.slots_target.is_none() {
            self.err("negotiation.buyer.slots_target", "a weight on slots needs slots_target");
        }
        if (w.fee_income.0 + w.fee_ratio.0 + w.front_margin.0 + w.sales.0 + w.slots.0).is_zero() {
            self.err("negotiation.buyer.weights", "at least one KPI weight must be positive");
        }
        if !w.fee_ratio.0.is_zero() && b.fee_ratio_target.is_none() {
            self.err("negotiation.buyer.fee_ratio_target", "a weight on fee_ratio needs fee_ratio_target");
        }
        if !w.front_margin.0.is_zero() && b.front_margin_target.is_none() {
            self.err("negotiation.buyer.front_margin_target", "a weight on front_margin needs front_margin_target");
        }
        if !w.sales.0.is_zero() && b.sales_target.is_none() {
            self.err("negotiation.buyer.sales_target", "a weight on sales needs sales_target");
        }
    }

    fn resources(&mut self) {
        if let Some(r) = &self.c.resources {
            self.out.extend(crate::resources::check(r));
        }
    }

    fn payment(&mut self) {
        if self.c.payment.days > 3650 {
            self.err("payment.days", format!("{} days is above the maximum of 3650", self.c.payment.days));
        }
        if let Some(k) = self.c.payment.cost_of_capital {
            self.fraction("payment.cost_of_capital", k);
        }
        if let Some(e) = self.c.payment.early_payment {
            if e.discount.0 < Decimal::ZERO || e.discount.0 > Decimal::new(5, 1) {
                self.err(
                    "payment.early_payment.discount",
                    format!("must be between 0% and 50%, but is {}", e.discount),
                );
            }
            if e.days > self.c.payment.days {
                self.err(
                    "payment.early_payment.days",
                    format!("{} early-payment days exceed the {} days of the terms", e.days, self.c.payment.days),
                );
            }
        }
    }

    fn fee(&mut self, i: usize, f: &FeeRule) {
        let mut ck = Check::new(i, self.periods, &self.sku_codes, &self.c.fees, &mut self.out);
        f.check(&mut ck);
        // A lump sum charged only outside its window can never charge: a slip, refused.
        if let crate::fees::Rule::LumpSum(l) = &f.rule
            && l.months.is_empty()
        {
            let (from, to) = window(f, self.periods);
            let charged = if l.periods.is_empty() { vec![1] } else { l.periods.clone() };
            let valid = charged.iter().all(|&p| p >= 1 && usize::from(p) <= self.periods);
            if valid && from <= to && !charged.iter().any(|&p| (from..=to).contains(&usize::from(p))) {
                let listed: Vec<String> = charged.iter().map(u16::to_string).collect();
                let (key, which) = if l.periods.is_empty() {
                    (format!("fees[{i}].from_period"), "period 1 (the default when `periods` is not given)".to_string())
                } else {
                    (format!("fees[{i}].periods"), format!("period(s) {}", listed.join(", ")))
                };
                self.err(
                    key,
                    format!(
                        "this lump sum is charged in {which}, outside the rule's window (periods {from}–{to}): it can \
                         never charge; list `periods` inside the window"
                    ),
                );
            }
        }
    }
}

/// The 1-based periods `from..=to` a rule is active in.
fn window(f: &FeeRule, periods: usize) -> (usize, usize) {
    (f.from_period.map_or(1, usize::from), f.to_period.map_or(periods, usize::from))
}

/// What is valid but probably not meant, as (key path, message): a rule that can never charge
/// with this contract's SKUs (a listing fee with no new listing in its window — it books a
/// 0.00 line). Not errors: a contract template may keep such a clause for another year.
pub fn warnings(c: &Contract) -> Vec<Issue> {
    let mut out = Vec::new();
    for (i, f) in c.fees.iter().enumerate() {
        if let crate::fees::Rule::Listing(l) = &f.rule {
            let (from, to) = window(f, c.periods());
            let charges = c.skus.iter().any(|t| {
                t.new_listing
                    && (l.skus.is_empty() || l.skus.contains(&t.sku))
                    && (from..=to).contains(&usize::from(t.listing_period))
            });
            if !charges {
                out.push((
                    format!("fees[{i}]"),
                    "this listing fee can never charge: no SKU it covers is a new listing (`new_listing = true`) \
                     listed in its periods; it books 0.00"
                        .to_string(),
                ));
            }
        }
    }
    out
}

/// [`warnings`], located in the contract's files (for printing after a successful load).
pub fn located_warnings(c: &Contract) -> crate::error::Problems {
    c.source.problems(warnings(c))
}

/// Checks a supplier portfolio on its own (key paths relative to the supplier file).
pub fn check_supplier(s: &Supplier) -> Vec<Issue> {
    let mut out: Vec<Issue> = Vec::new();
    let mut err = |p: String, m: String| out.push((p, m));
    if s.name.trim().is_empty() {
        err("name".into(), "must not be empty".into());
    }
    if s.cost_of_capital.0 < Decimal::ZERO || s.cost_of_capital.0 > Decimal::ONE {
        err("cost_of_capital".into(), format!("must be between 0% and 100% a year, but is {}", s.cost_of_capital));
    }
    if s.returns_recovery.0 < Decimal::ZERO || s.returns_recovery.0 > Decimal::ONE {
        err("returns_recovery".into(), format!("must be between 0% and 100%, but is {}", s.returns_recovery));
    }
    if s.skus.is_empty() {
        err("skus".into(), "the portfolio has no SKUs".into());
    }
    for (i, k) in s.skus.iter().enumerate() {
        let p = format!("skus[{i}]");
        if k.id.trim().is_empty() {
            err(format!("{p}.id"), "must not be empty".into());
        }
        if s.skus[..i].iter().any(|o| o.id == k.id) {
            err(format!("{p}.id"), format!("SKU `{}` is defined twice", k.id));
        }
        if k.unit_cost.0 < Decimal::ZERO || k.unit_cost.0.scale() > 6 || k.unit_cost.0 > Decimal::from(10_000_000) {
            err(
                format!("{p}.unit_cost"),
                format!("must be 0–10,000,000 with at most 6 decimals, but is {}", k.unit_cost),
            );
        }
        let lp = k.list_price.0;
        if lp <= Decimal::ZERO || lp.scale() > 6 || lp > Decimal::from(10_000_000) {
            err(
                format!("{p}.list_price"),
                format!("must be above 0 and at most 10,000,000 with at most 6 decimals, but is {lp}"),
            );
        }
    }
    out
}

/// Checks only what a variant of a contract with other fee or payment terms can change:
/// the fee rules and the payment terms, with the same messages as [`check`]. The rest (SKUs,
/// plan, calendar…) is the caller's to have checked.
pub fn check_terms(c: &Contract) -> Vec<Issue> {
    let sku_codes = c.skus.iter().map(|t| t.sku.as_str()).collect();
    let mut v = V { c, periods: c.periods(), sku_codes, out: vec![] };
    v.payment();
    v.resources();
    for (i, f) in c.fees.iter().enumerate() {
        v.fee(i, f);
    }
    v.out
}

/// Checks a contract; returns every problem as (key path, message).
pub fn check(c: &Contract) -> Vec<Issue> {
    check_with(c, true)
}

/// Checks what settlement reads: [`check`] without the `[uncertainty]` and `[negotiation]`
/// sections. Compiling a contract ([`crate::Compiled::new`]) checks this much, because it also
/// runs once per simulated scenario whose drawn terms change the plan (a drawn invoice price or
/// store count), where re-checking every drawn term at both ends of its range cost 4× the
/// compilation; the sections are checked when a contract is loaded, and a simulation model
/// checks its own model when it is built.
pub fn check_settlement(c: &Contract) -> Vec<Issue> {
    check_with(c, false)
}

fn check_with(c: &Contract, sections: bool) -> Vec<Issue> {
    let periods = c.periods();
    let sku_codes = c.skus.iter().map(|t| t.sku.as_str()).collect();
    let mut v = V { c, periods, sku_codes, out: vec![] };
    if c.name.trim().is_empty() {
        v.err("name", "must not be empty");
    }
    if c.currency.len() != 3 || !c.currency.chars().all(|ch| ch.is_ascii_uppercase()) {
        v.err("currency", format!("`{}` is not an ISO 4217 code such as CNY", c.currency));
    }
    if let Some(s) = c.supplier() {
        v.supplier(s);
    }
    // Retailer
    if c.retailer.stores > 1_000_000 {
        v.err("retailer.stores", format!("{} stores is above the maximum of 1,000,000", c.retailer.stores));
    }
    for (i, so) in c.retailer.store_openings.iter().enumerate() {
        v.period(&format!("retailer.store_openings[{i}].period"), so.period);
        if so.count > 100_000 {
            v.err(format!("retailer.store_openings[{i}].count"), format!("{} openings is too many", so.count));
        }
    }
    // Calendar
    for (i, pp) in c.calendar.promotion_periods.iter().enumerate() {
        if c.calendar.promotion_periods[..i].iter().any(|o| o.name == pp.name) {
            v.err(
                format!("calendar.promotion_periods[{i}].name"),
                format!("promotion period `{}` is defined twice", pp.name),
            );
        }
        if pp.periods.is_empty() {
            v.err(format!("calendar.promotion_periods[{i}].periods"), "needs at least one period");
        }
        for (j, &p) in pp.periods.iter().enumerate() {
            v.period(&format!("calendar.promotion_periods[{i}].periods[{j}]"), p);
        }
    }
    if let Some(pr) = &c.proration {
        v.period("proration.start_period", pr.start_period);
    }
    if c.rounding.decimals > 4 {
        v.err("rounding.decimals", format!("at most 4 decimals, but {} given", c.rounding.decimals));
    }
    v.payment();
    v.resources();
    // SKUs
    if c.skus.is_empty() {
        v.err("skus", "the contract lists no SKUs");
    }
    for (i, t) in c.skus.iter().enumerate() {
        let p = format!("skus[{i}]");
        if c.skus[..i].iter().any(|o| o.sku == t.sku) {
            v.err(format!("{p}.sku"), format!("SKU `{}` is listed twice", t.sku));
        }
        if let Some(s) = c.supplier()
            && !s.skus.iter().any(|k| k.id == t.sku)
        {
            let known: Vec<&str> = s.skus.iter().map(|k| k.id.as_str()).collect();
            let hint = crate::error::closest(&t.sku, known.iter().copied())
                .map_or(String::new(), |k| format!("; did you mean `{k}`?"));
            v.err(
                format!("{p}.sku"),
                format!("SKU `{}` is not in the supplier portfolio ({}){hint}", t.sku, known.join(", ")),
            );
        }
        if let Some(ip) = t.invoice_price {
            v.price(&format!("{p}.invoice_price"), ip);
        }
        match t.shelf_price {
            ShelfPrice::RetailMinus { margin } => {
                if margin.0 < Decimal::ZERO || margin.0 >= Decimal::ONE {
                    v.err(
                        format!("{p}.shelf_price.margin"),
                        format!("must be at least 0% and below 100%, but is {margin}"),
                    );
                }
            }
            ShelfPrice::CostPlus { markup } => {
                if markup.0 < Decimal::ZERO {
                    v.err(format!("{p}.shelf_price.markup"), format!("must not be negative, but is {markup}"));
                }
            }
            ShelfPrice::Fixed { price } => v.price(&format!("{p}.shelf_price.price"), price),
        }
        v.period(&format!("{p}.listing_period"), t.listing_period);
    }
    // Plan
    let plan = &c.plan;
    v.fraction("plan.fill_rate", plan.fill_rate);
    if let Some(r) = plan.promo_fill_rate {
        v.fraction("plan.promo_fill_rate", r);
    }
    v.fraction("plan.returns_rate", plan.returns_rate);
    let sl = plan.seasonality.len();
    if sl != 0 && sl != periods && sl != 12 {
        v.err("plan.seasonality", format!("give {periods} values (one per period) or 12 monthly values, not {sl}"));
    }
    for (i, s) in plan.seasonality.iter().enumerate() {
        if s.0 < Decimal::ZERO || s.0 > Decimal::from(20) {
            v.err(format!("plan.seasonality[{i}]"), format!("must be between 0 and 20, but is {}", s.0));
        }
    }
    for (i, l) in plan.lines.iter().enumerate() {
        let p = format!("plan.lines[{i}]");
        v.sku_in_contract(&format!("{p}.sku"), &l.sku);
        if plan.lines[..i].iter().any(|o| o.sku == l.sku) {
            v.err(format!("{p}.sku"), format!("SKU `{}` has two plan lines", l.sku));
        }
        let given = l.units_per_period.is_some() as u8 + l.units.is_some() as u8 + l.units_per_store.is_some() as u8;
        if given != 1 {
            v.err(&p, "give exactly one of `units_per_period`, `units` and `units_per_store`");
        }
        if let Some(u) = l.units_per_period
            && u > u64::from(MAX_UNITS)
        {
            v.err(format!("{p}.units_per_period"), format!("{u} is above the maximum of {MAX_UNITS}"));
        }
        if let Some(us) = &l.units {
            if us.len() != periods {
                v.err(format!("{p}.units"), format!("give one number per period ({periods}), not {}", us.len()));
            }
            for (j, &u) in us.iter().enumerate() {
                if u > u64::from(MAX_UNITS) {
                    v.err(format!("{p}.units[{j}]"), format!("{u} is above the maximum of {MAX_UNITS}"));
                }
            }
        }
        if let Some(r) = l.units_per_store
            && (r.0 < Decimal::ZERO || r.0 > Decimal::from(100_000))
        {
            v.err(format!("{p}.units_per_store"), format!("must be between 0 and 100,000, but is {}", r.0));
        }
    }
    for (i, pr) in plan.promotions.iter().enumerate() {
        let p = format!("plan.promotions[{i}]");
        if pr.skus.is_empty() {
            v.err(format!("{p}.skus"), "name at least one SKU");
        }
        v.selection(&format!("{p}.skus"), &pr.skus);
        match (&pr.promotion_period, pr.periods.is_empty()) {
            (Some(_), false) => v.err(&p, "give `periods` or `promotion_period`, not both"),
            (None, true) => v.err(&p, "give `periods` or `promotion_period`"),
            (Some(name), true) => {
                if !c.calendar.promotion_periods.iter().any(|x| &x.name == name) {
                    v.err(format!("{p}.promotion_period"), format!("no promotion period named `{name}` in [calendar]"));
                }
            }
            (None, false) => {}
        }
        for (j, &x) in pr.periods.iter().enumerate() {
            v.period(&format!("{p}.periods[{j}]"), x);
        }
        if pr.uplift.0 < Decimal::ZERO || pr.uplift.0 > Decimal::from(50) {
            v.err(format!("{p}.uplift"), format!("must be between 0 and 50, but is {}", pr.uplift.0));
        }
        if let Some(cut) = pr.price_cut
            && (cut.0 < Decimal::ZERO || cut.0 >= Decimal::ONE)
        {
            v.err(format!("{p}.price_cut"), format!("must be at least 0% and below 100%, but is {cut}"));
        }
    }
    for (i, pm) in plan.price_matches.iter().enumerate() {
        let p = format!("plan.price_matches[{i}]");
        v.sku_in_contract(&format!("{p}.sku"), &pm.sku);
        for (j, &x) in pm.periods.iter().enumerate() {
            v.period(&format!("{p}.periods[{j}]"), x);
        }
        match (pm.matched_price, pm.gap) {
            (Some(m), None) => v.price(&format!("{p}.matched_price"), m),
            (None, Some(g)) => {
                v.non_negative(&format!("{p}.gap"), g);
                if g.0.scale() > 6 || g.0 > Decimal::from(10_000_000) {
                    v.err(format!("{p}.gap"), "at most 10,000,000 with 6 decimals");
                }
            }
            _ => v.err(&p, "give exactly one of `matched_price` and `gap`"),
        }
    }
    if let Some(perf) = &plan.performance {
        for (j, &x) in perf.flyers_missed.iter().enumerate() {
            v.period(&format!("plan.performance.flyers_missed[{j}]"), x);
        }
        for (j, &x) in perf.displays_missed.iter().enumerate() {
            v.period(&format!("plan.performance.displays_missed[{j}]"), x);
        }
        if let Some(r) = perf.display_compliance {
            v.fraction("plan.performance.display_compliance", r);
        }
    }
    for (i, f) in c.fees.iter().enumerate() {
        v.fee(i, f);
    }
    if !sections {
        return v.out;
    }
    if let Some(u) = &c.uncertainty {
        v.uncertainty(u);
    }
    if let Some(n) = &c.negotiation {
        v.negotiation(n);
    }
    v.out
}

/// A whole count with thousands separators (`64,800,000`); counts beyond `u64` as written.
fn grouped(x: f64) -> String {
    if !(0.0..1e19).contains(&x) {
        return format!("{x}");
    }
    let digits = (x.round() as u64).to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
