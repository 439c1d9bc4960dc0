//! The multi-year run's specification: a `[multi_year]` section of a portfolio file
//! (docs/multi-year.md). A single retailer is a portfolio of one contract.
//!
//! ```toml
//! [multi_year]
//! years = 3                         # 2..=10
//! discount_rate = "8%"              # per year, for the NPV of contribution (default 0)
//! demand_growth = "3%"              # plan demand grows per year (default 0)
//!
//! [multi_year.slots]                # a slot (档期) is granted only if the last one sold N units
//! min_units = 800
//! lost_slots = 1
//!
//! [multi_year.delisting]            # 淘汰制: the slowest items are delisted at year end
//! min_velocity = "2.5"              # units per store per period over the year
//! new_listings = "replace"          # replace | none
//! item_strength_cv = "25%"
//!
//! [multi_year.renegotiation]        # how each next year's contract is derived (年度谈判)
//! fee_growth = "8%"
//! rate_step = "0.5%"
//! payment_days_step = 0
//! negotiate = true
//! supplier_strategy = "boulware"
//! buyer_strategy = "boulware"
//!
//! [multi_year.relationship]         # the retailer's resources follow the renegotiation
//! withdraw_below = "95%"
//! reward_at = "100%"
//! step = { promotion_priority = "10%", facings = "10%", payment_priority_days = 15 }
//! ```
//!
//! The types are read by the portfolio loader ([`crate::portfolio::load_portfolio`]), which
//! locates every problem [`MultiYear::problems`] finds at its key (file:line:col).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Quantity, Rate};

/// The fewest years of a multi-year run.
pub const MIN_YEARS: u32 = 2;
/// The most years of a multi-year run.
pub const MAX_YEARS: u32 = 10;

/// The `[multi_year]` section: a run of `years` contract years, scenario by scenario, with
/// state carried from one year to the next (slots lost, items delisted and replaced).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiYear {
    /// Contract years (2..=10).
    pub years: u32,
    /// Discount rate per year for the net present value (NPV, 净现值) of contribution: year
    /// y's contribution counts ÷ (1 + r)^(y − 1) (default 0).
    #[serde(default)]
    pub discount_rate: Rate,
    /// Growth of the plan's demand per year: year y's plan volumes × (1 + g)^(y − 1)
    /// (default 0).
    #[serde(default)]
    pub demand_growth: Rate,
    /// Promotion slots (档期) granted on performance (absent: every planned slot is granted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots: Option<Slots>,
    /// Delisting of slow items at year end (淘汰制; absent: no delisting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delisting: Option<Delisting>,
    /// How each next year's contract is derived (absent: the same terms every year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renegotiation: Option<Renegotiation>,
    /// How the retailer's resources respond to the renegotiation (absent: unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<Relationship>,
}

/// `[multi_year.slots]`: a slot (档期: DM, end cap, …) is granted only if the SKU's last
/// promoted period at this chain sold at least `min_units`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slots {
    /// Units a promoted SKU-period must sell (at that chain) to keep the SKU's next slots (≥ 0).
    pub min_units: i64,
    /// How many of the SKU's next planned slots are withheld after a miss (default 1; the
    /// count carries into the next year).
    #[serde(default = "one_slot")]
    pub lost_slots: u32,
}

/// What replaces a delisted item.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewListings {
    /// A new item takes the delisted item's plan line, with a fresh persistent strength draw;
    /// it pays the contract's listing fees as a new listing (新品进场) and sells from the
    /// listing delay on.
    #[default]
    Replace,
    /// Nothing: the delisted item's line sells nothing in the following years.
    None,
}

/// `[multi_year.delisting]`: 淘汰制, the retailer delists items whose velocity (units sold per
/// store per period over the year) is below a bar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delisting {
    /// The velocity bar: units per store per period over the year (≥ 0); below it the item is
    /// delisted at year end.
    pub min_velocity: Quantity,
    /// What replaces a delisted item (default `replace`).
    #[serde(default)]
    pub new_listings: NewListings,
    /// Coefficient of variation of a persistent per-item demand strength, lognormal with mean
    /// 1, drawn once per item and scenario (default 0: no persistent quality, delisting is
    /// pure noise).
    #[serde(default)]
    pub item_strength_cv: Rate,
}

/// `[multi_year.renegotiation]`: the buyer's ask for the next year and whether it is
/// negotiated (read by `kasim_negotiate::renegotiate`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Renegotiation {
    /// The buyer's ask on lump sums, slot prices, listing fees and floors (保底): last year's
    /// × (1 + g) (default 0).
    #[serde(default)]
    pub fee_growth: Rate,
    /// The buyer's ask on rebate rates: last year's + step, absolute (default 0).
    #[serde(default)]
    pub rate_step: Rate,
    /// The buyer's ask on payment terms: payment.days + step (default 0).
    #[serde(default)]
    pub payment_days_step: i64,
    /// With a `[negotiation]` section in the contract, the engine negotiates between last
    /// year's terms and the ask; otherwise (or false) the ask is signed as is (default true).
    #[serde(default = "yes")]
    pub negotiate: bool,
    /// The supplier's strategy, as `kasim negotiate`'s names (default `boulware`).
    #[serde(default = "boulware")]
    pub supplier_strategy: String,
    /// The buyer's strategy, as `kasim negotiate`'s names (default `boulware`).
    #[serde(default = "boulware")]
    pub buyer_strategy: String,
}

impl Default for Renegotiation {
    fn default() -> Renegotiation {
        Renegotiation {
            fee_growth: Rate::default(),
            rate_step: Rate::default(),
            payment_days_step: 0,
            negotiate: true,
            supplier_strategy: boulware(),
            buyer_strategy: boulware(),
        }
    }
}

/// `[multi_year.relationship]`: the retailer's resources (大卖场提供的资源) step down when the
/// agreed fees fall short of the buyer's target, and up when they meet it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relationship {
    /// Agreed fees ÷ the buyer's target below this: one step down (default 95%).
    #[serde(default = "withdraw_default")]
    pub withdraw_below: Rate,
    /// Agreed fees ÷ the buyer's target at or above this: one step up (default 100%).
    #[serde(default = "one")]
    pub reward_at: Rate,
    /// The size of one step.
    #[serde(default)]
    pub step: Step,
}

impl Default for Relationship {
    fn default() -> Relationship {
        Relationship { withdraw_below: withdraw_default(), reward_at: Rate::ONE, step: Step::default() }
    }
}

/// One step of the relationship's resources (each ≥ 0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Change of `resources.promotion_priority` (档期优先), absolute (default 10%).
    #[serde(default = "ten_pct")]
    pub promotion_priority: Rate,
    /// Change of `resources.facings` (排面), absolute (default 10%).
    #[serde(default = "ten_pct")]
    pub facings: Rate,
    /// Change of `resources.payment_priority_days` (付款优先), days (default 15).
    #[serde(default = "fifteen")]
    pub payment_priority_days: i64,
}

impl Default for Step {
    fn default() -> Step {
        Step { promotion_priority: ten_pct(), facings: ten_pct(), payment_priority_days: fifteen() }
    }
}

fn one_slot() -> u32 {
    1
}
fn yes() -> bool {
    true
}
fn boulware() -> String {
    "boulware".into()
}
fn withdraw_default() -> Rate {
    Rate(Decimal::new(95, 2))
}
fn one() -> Rate {
    Rate::ONE
}
fn ten_pct() -> Rate {
    Rate(Decimal::new(10, 2))
}
fn fifteen() -> i64 {
    15
}

/// A rate as a percentage (`0.08` → `8%`).
fn pct(r: Rate) -> String {
    format!("{}%", (r.0 * Decimal::ONE_HUNDRED).normalize())
}

impl MultiYear {
    /// Every problem of the section as (key path from the file's root, message): the loader
    /// locates each at its key.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut at = |k: &str, m: String| out.push((format!("multi_year.{k}"), m));
        let (zero, one) = (Decimal::ZERO, Decimal::ONE);
        if !(MIN_YEARS..=MAX_YEARS).contains(&self.years) {
            at("years", format!("years = {}: a multi-year run has {MIN_YEARS} to {MAX_YEARS} years", self.years));
        }
        if self.discount_rate.0 < zero || self.discount_rate.0 > one {
            at(
                "discount_rate",
                format!("discount_rate = {} is not between 0 and 100% a year", pct(self.discount_rate)),
            );
        }
        if self.demand_growth.0 <= -one || self.demand_growth.0 > one {
            at(
                "demand_growth",
                format!("demand_growth = {} is not above -100% and at most 100% a year", pct(self.demand_growth)),
            );
        }
        if let Some(s) = &self.slots {
            if s.min_units < 0 {
                at("slots.min_units", format!("min_units = {} is negative: give units sold (≥ 0)", s.min_units));
            }
            if s.lost_slots == 0 || s.lost_slots > 520 {
                at("slots.lost_slots", format!("lost_slots = {} is not between 1 and 520", s.lost_slots));
            }
        }
        if let Some(d) = &self.delisting {
            if d.min_velocity.0 < zero {
                at(
                    "delisting.min_velocity",
                    format!("min_velocity = {} is negative: give units per store per period (≥ 0)", d.min_velocity.0),
                );
            }
            if d.item_strength_cv.0 < zero || d.item_strength_cv.0 > Decimal::TEN {
                at(
                    "delisting.item_strength_cv",
                    format!("item_strength_cv = {} is not between 0 and 1000%", pct(d.item_strength_cv)),
                );
            }
        }
        if let Some(r) = &self.renegotiation {
            if r.fee_growth.0 <= -one || r.fee_growth.0 > Decimal::TEN {
                at(
                    "renegotiation.fee_growth",
                    format!("fee_growth = {} is not above -100% and at most 1000%", pct(r.fee_growth)),
                );
            }
            if r.rate_step.0.abs() > one {
                at(
                    "renegotiation.rate_step",
                    format!("rate_step = {} is not between -100% and 100%", pct(r.rate_step)),
                );
            }
            if r.payment_days_step.abs() > 365 {
                at(
                    "renegotiation.payment_days_step",
                    format!("payment_days_step = {} is not between -365 and 365 days", r.payment_days_step),
                );
            }
            for (key, name) in [("supplier_strategy", &r.supplier_strategy), ("buyer_strategy", &r.buyer_strategy)] {
                if name.trim().is_empty() {
                    at(&format!("renegotiation.{key}"), format!("{key} is empty: name a strategy (e.g. `boulware`)"));
                }
            }
        }
        if let Some(r) = &self.relationship {
            for (key, v) in [("withdraw_below", r.withdraw_below), ("reward_at", r.reward_at)] {
                if v.0 < zero || v.0 > Decimal::TEN {
                    at(&format!("relationship.{key}"), format!("{key} = {} is not between 0 and 1000%", pct(v)));
                }
            }
            if r.withdraw_below.0 > r.reward_at.0 {
                at(
                    "relationship.withdraw_below",
                    format!(
                        "withdraw_below = {} is above reward_at = {}: a step down is below a step up",
                        pct(r.withdraw_below),
                        pct(r.reward_at)
                    ),
                );
            }
            let s = &r.step;
            for (key, v) in [("promotion_priority", s.promotion_priority), ("facings", s.facings)] {
                if v.0 < zero || v.0 > one {
                    at(
                        &format!("relationship.step.{key}"),
                        format!("step {key} = {} is not between 0 and 100%", pct(v)),
                    );
                }
            }
            if !(0..=365).contains(&s.payment_priority_days) {
                at(
                    "relationship.step.payment_priority_days",
                    format!("step payment_priority_days = {} is not between 0 and 365", s.payment_priority_days),
                );
            }
        }
        out
    }

    /// Year y's (1-based) discount factor 1 ÷ (1 + r)^(y − 1), exact to 12 decimals.
    pub fn discount(&self, year: u32) -> Decimal {
        let base = Decimal::ONE + self.discount_rate.0;
        let mut d = Decimal::ONE;
        for _ in 1..year {
            d = (d / base).round_dp(12);
        }
        d
    }

    /// Year y's (1-based) plan demand factor (1 + g)^(y − 1).
    pub fn growth(&self, year: u32) -> Decimal {
        let base = Decimal::ONE + self.demand_growth.0;
        let mut g = Decimal::ONE;
        for _ in 1..year {
            g = (g * base).round_dp(12);
        }
        g
    }
}

/// Year y + 1's contract before renegotiation: `contract` (year y's) with the plan's
/// volumes × `growth` (`units_per_period` and `units` rounded half away from zero to whole
/// units, `units_per_store` to 4 decimals) and no SKU a new listing any more (a SKU listed in
/// year y is not listed again: `new_listing = false`, `listing_period = 1`). What the
/// renegotiation then changes are the terms; this is the plan every next year starts from.
pub fn next_year(contract: &crate::Contract, growth: Decimal) -> crate::Contract {
    let mut c = contract.clone();
    let round = |u: u64| -> u64 {
        (Decimal::from(u) * growth)
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .try_into()
            .unwrap_or(u)
    };
    for line in &mut c.plan.lines {
        if let Some(u) = line.units_per_period.as_mut() {
            *u = round(*u);
        }
        if let Some(v) = line.units.as_mut() {
            v.iter_mut().for_each(|u| *u = round(*u));
        }
        if let Some(q) = line.units_per_store.as_mut() {
            q.0 = (q.0 * growth).round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        }
    }
    for t in &mut c.skus {
        t.new_listing = false;
        t.listing_period = 1;
    }
    c
}
