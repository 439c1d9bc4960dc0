//! Relationship resources (大卖场可以为供应商提供的资源): what the relationship with the
//! retailer gets the supplier beyond the written fees — paid earlier, new items on the shelf
//! sooner, the promotion slots it asked for, more and better shelf space, promoters, a
//! protected price system. `[resources]` in a contract file; every effect is a parameter in
//! `[resources.effects]` with a documented default, a number or a distribution drawn once per
//! scenario. The full reference is docs/resources.md.
//!
//! ```toml
//! [resources]
//! payment_priority_days = 15     # 付款优先: paid 15 days earlier than payment.days
//! green_channel = true           # 新品绿色通道: new listings wait green_listing_delay
//! promotion_priority = "90%"     # 档期优先: each planned slot granted with probability 90%
//! facings = "120%"               # 排面: facings relative to the plan's
//! shelf_position = "eye_level"   # 货架位置: eye_level | standard | bottom
//! promoters = 20                 # 促销员 the retailer arranges
//! price_protection = true        # 价格体系保护
//!
//! [resources.effects]
//! facings_elasticity = "0.2"
//! eye_level_lift = "15%"
//! listing_delay = { dist = "triangular", min = 2, mode = 4, max = 8 }
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{Num, Rate};
use crate::uncertainty::Dist;

/// The relationship's resources (`[resources]`). Every key is optional; the defaults are no
/// payment priority, no green channel, every planned slot granted, the plan's facings at a
/// standard shelf position, no promoters of the retailer's, no price protection — what a
/// contract without the section gets, except that with the section its new listings wait the
/// regular listing delay (4 weeks by default) unless `green_channel` is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Payment priority (付款优先): the retailer pays this many days earlier than
    /// `payment.days` (at least 0 days remain). Effect: the financing cost of the payment
    /// terms runs on the effective days. Default 0.
    #[serde(default)]
    pub payment_priority_days: u32,
    /// The new-item green channel (新品绿色通道): a new listing reaches the shelf after
    /// `effects.green_listing_delay` periods instead of `effects.listing_delay`. Default false.
    #[serde(default)]
    pub green_channel: bool,
    /// Promotion priority (档期优先): the probability that each planned DM / end-cap / TG /
    /// floor-stack slot is granted, drawn per slot (a slot not granted does not run: no
    /// uplift, no price cut, no slot fee for that SKU-period). Default 100%.
    #[serde(default = "full")]
    pub promotion_priority: Rate,
    /// Facings (排面) relative to those the plan assumes: demand × facings ^
    /// `effects.facings_elasticity`. Default 100%.
    #[serde(default = "full")]
    pub facings: Rate,
    /// Shelf position (货架位置): `eye_level`, `standard` (default) or `bottom`; demand ×
    /// (1 + `effects.<position>_lift`).
    #[serde(default)]
    pub shelf_position: ShelfPosition,
    /// Promoters (促销员) the retailer's arrangement supplies, in addition to any promoter fee
    /// rule's `promoters`: demand × (1 + `effects.promoter_lift` × min(promoters, stores) ÷
    /// stores). Default 0.
    #[serde(default)]
    pub promoters: u32,
    /// Price-system protection (价格体系保护): the retailer holds the supplier's price system,
    /// and each price-match claim against this chain (planned, price war, a portfolio's
    /// cascade) is blocked with probability `effects.price_protection`. Default false.
    #[serde(default)]
    pub price_protection: bool,
    /// The effects' parameters, each a number or a distribution (drawn once per scenario).
    #[serde(default)]
    pub effects: Effects,
}

impl Default for Resources {
    fn default() -> Resources {
        Resources {
            payment_priority_days: 0,
            green_channel: false,
            promotion_priority: Rate::ONE,
            facings: Rate::ONE,
            shelf_position: ShelfPosition::Standard,
            promoters: 0,
            price_protection: false,
            effects: Effects::default(),
        }
    }
}

fn full() -> Rate {
    Rate::ONE
}

/// Where on the shelf the supplier's SKUs stand (货架位置).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShelfPosition {
    /// Eye level (黄金位置, 视线高度).
    EyeLevel,
    /// A standard position (the default: the plan's demand).
    #[default]
    Standard,
    /// The bottom shelf (底层).
    Bottom,
}

/// One effect parameter: a number (`"0.2"`, `"15%"`, `4`) or a distribution
/// (`{ dist = "uniform", min = "10%", max = "20%" }`) drawn once per scenario.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Effect {
    /// A fixed value.
    Value(Num),
    /// A distribution, drawn once per scenario.
    Drawn(Dist),
}

impl Effect {
    /// The value, or the distribution's mean.
    pub fn mean(&self) -> Decimal {
        match self {
            Effect::Value(v) => v.0,
            Effect::Drawn(d) => d.mean(),
        }
    }

    /// The lowest and highest values the effect takes (`None` where unbounded).
    pub fn bounds(&self) -> (Option<Decimal>, Option<Decimal>) {
        match self {
            Effect::Value(v) => (Some(v.0), Some(v.0)),
            Effect::Drawn(d) => d.bounds(),
        }
    }

    /// The distribution, when the effect is drawn.
    pub fn dist(&self) -> Option<&Dist> {
        match self {
            Effect::Value(_) => None,
            Effect::Drawn(d) => Some(d),
        }
    }
}

impl<'de> Deserialize<'de> for Effect {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Effect;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number (\"0.2\", \"15%\", 4) or a distribution ({ dist = \"uniform\", … })")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Effect, E> {
                Num::deserialize(serde::de::value::StrDeserializer::new(v)).map(Effect::Value)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Effect, E> {
                Num::deserialize(serde::de::value::I64Deserializer::new(v)).map(Effect::Value)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Effect, E> {
                Num::deserialize(serde::de::value::U64Deserializer::new(v)).map(Effect::Value)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Effect, E> {
                Num::deserialize(serde::de::value::F64Deserializer::new(v)).map(Effect::Value)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Effect, A::Error> {
                Dist::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Effect::Drawn)
            }
        }
        d.deserialize_any(V)
    }
}

/// The parameters of the resources' effects (`[resources.effects]`); every key optional,
/// with the default [`EffectKey::default_value`] gives (docs/resources.md gives their sources).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Effects {
    /// Shelf-space elasticity of demand: demand × facings ^ elasticity (default 0.2; the
    /// literature's averages are 0.1–0.2: Curhan 1972 ≈ 0.21, Eisend 2014's meta-analysis
    /// ≈ 0.17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facings_elasticity: Option<Effect>,
    /// Demand lift of an eye-level position (default 15%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eye_level_lift: Option<Effect>,
    /// Demand lift of a bottom-shelf position (default −10%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bottom_lift: Option<Effect>,
    /// Demand lift per promoter-store (default 5%): demand × (1 + lift × min(promoters,
    /// stores) ÷ stores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promoter_lift: Option<Effect>,
    /// Weeks a new listing waits for the shelf without the green channel (default 4; on a
    /// monthly calendar ⌈weeks × 12 ÷ 52⌉ months).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_delay: Option<Effect>,
    /// Weeks a new listing waits with the green channel (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub green_listing_delay: Option<Effect>,
    /// Probability that price protection blocks a price-match claim (default 80%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_protection: Option<Effect>,
}

/// One effect parameter by name: `[resources.effects]`'s key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EffectKey {
    /// `facings_elasticity`.
    FacingsElasticity,
    /// `eye_level_lift`.
    EyeLevelLift,
    /// `bottom_lift`.
    BottomLift,
    /// `promoter_lift`.
    PromoterLift,
    /// `listing_delay` (weeks).
    ListingDelay,
    /// `green_listing_delay` (weeks).
    GreenListingDelay,
    /// `price_protection` (a probability).
    PriceProtection,
}

impl EffectKey {
    /// Every effect, in the order of [`Effects`]' keys.
    pub const ALL: [EffectKey; 7] = [
        EffectKey::FacingsElasticity,
        EffectKey::EyeLevelLift,
        EffectKey::BottomLift,
        EffectKey::PromoterLift,
        EffectKey::ListingDelay,
        EffectKey::GreenListingDelay,
        EffectKey::PriceProtection,
    ];

    /// The key in `[resources.effects]`.
    pub fn key(self) -> &'static str {
        match self {
            EffectKey::FacingsElasticity => "facings_elasticity",
            EffectKey::EyeLevelLift => "eye_level_lift",
            EffectKey::BottomLift => "bottom_lift",
            EffectKey::PromoterLift => "promoter_lift",
            EffectKey::ListingDelay => "listing_delay",
            EffectKey::GreenListingDelay => "green_listing_delay",
            EffectKey::PriceProtection => "price_protection",
        }
    }

    /// The default value (docs/resources.md gives where each comes from).
    pub fn default_value(self) -> Decimal {
        match self {
            EffectKey::FacingsElasticity => Decimal::new(2, 1),
            EffectKey::EyeLevelLift => Decimal::new(15, 2),
            EffectKey::BottomLift => Decimal::new(-10, 2),
            EffectKey::PromoterLift => Decimal::new(5, 2),
            EffectKey::ListingDelay => Decimal::from(4),
            EffectKey::GreenListingDelay => Decimal::ZERO,
            EffectKey::PriceProtection => Decimal::new(8, 1),
        }
    }

    /// The values the effect may take: (lowest, highest, the range in words).
    pub fn range(self) -> (Decimal, Decimal, &'static str) {
        match self {
            EffectKey::FacingsElasticity => (Decimal::ZERO, Decimal::ONE, "0 to 1"),
            EffectKey::EyeLevelLift | EffectKey::PromoterLift => {
                (Decimal::NEGATIVE_ONE, Decimal::from(10), "−100% to 1,000%")
            }
            EffectKey::BottomLift => (Decimal::NEGATIVE_ONE, Decimal::from(10), "−100% to 1,000%"),
            EffectKey::ListingDelay | EffectKey::GreenListingDelay => {
                (Decimal::ZERO, Decimal::from(52), "0 to 52 weeks")
            }
            EffectKey::PriceProtection => (Decimal::ZERO, Decimal::ONE, "0% to 100%"),
        }
    }
}

impl Effects {
    /// The effect as written, if it is.
    pub fn get(&self, key: EffectKey) -> Option<&Effect> {
        match key {
            EffectKey::FacingsElasticity => self.facings_elasticity.as_ref(),
            EffectKey::EyeLevelLift => self.eye_level_lift.as_ref(),
            EffectKey::BottomLift => self.bottom_lift.as_ref(),
            EffectKey::PromoterLift => self.promoter_lift.as_ref(),
            EffectKey::ListingDelay => self.listing_delay.as_ref(),
            EffectKey::GreenListingDelay => self.green_listing_delay.as_ref(),
            EffectKey::PriceProtection => self.price_protection.as_ref(),
        }
    }

    /// The effect's expected value: as written (a distribution's mean), else its default.
    pub fn mean(&self, key: EffectKey) -> Decimal {
        self.get(key).map_or_else(|| key.default_value(), Effect::mean)
    }
}

/// Periods of a calendar of `periods_per_year` periods (52: weekly, else monthly) that
/// `weeks` weeks of waiting take: the weeks on a weekly calendar; ⌈weeks × 12 ÷ 52⌉ months on
/// a monthly one (a started month counts whole: 4 weeks → 1 month, 8 → 2, 13 → 3). Negative
/// weeks count as 0, more than 52 as 52.
pub fn delay_periods(periods_per_year: usize, weeks: Decimal) -> usize {
    use rust_decimal::prelude::ToPrimitive;
    let weeks = weeks.max(Decimal::ZERO).min(Decimal::from(52));
    let periods = if periods_per_year == 52 {
        weeks.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    } else {
        (weeks * Decimal::from(12) / Decimal::from(52)).ceil()
    };
    periods.to_usize().unwrap_or(0)
}

impl Resources {
    /// True when the resources draw anything in a simulation: a promotion priority below
    /// 100%, price protection, or a drawn effect.
    pub fn is_random(&self) -> bool {
        self.promotion_priority.0 < Decimal::ONE
            || self.price_protection
            || EffectKey::ALL.iter().any(|&k| self.effects.get(k).is_some_and(|e| e.dist().is_some()))
    }

    /// Periods a new listing waits for the shelf on a calendar of `periods_per_year` periods:
    /// the expected `effects.green_listing_delay` with the green channel, else the expected
    /// `effects.listing_delay`, converted by [`delay_periods`]. A contract's is
    /// `Contract::listing_delay` (the default resources when it has no `[resources]`).
    pub fn listing_delay(&self, periods_per_year: usize) -> usize {
        let key = if self.green_channel { EffectKey::GreenListingDelay } else { EffectKey::ListingDelay };
        delay_periods(periods_per_year, self.effects.mean(key))
    }
}

/// Most promoters a `[resources]` section may name.
pub const MAX_PROMOTERS: u32 = 1_000_000;

/// The problems of a `[resources]` section, as (key path, message): payment priority above
/// 3,650 days, promotion priority outside 0–100%, facings of 0 or above 500%, more than
/// [`MAX_PROMOTERS`] promoters, and each effect outside its range
/// ([`EffectKey::range`]) anywhere in its distribution (which must then be bounded).
pub fn check(r: &Resources) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut err = |k: &str, m: String| out.push((format!("resources.{k}"), m));
    if r.payment_priority_days > 3650 {
        err("payment_priority_days", format!("{} days is above the maximum of 3650", r.payment_priority_days));
    }
    if r.promotion_priority.0 < Decimal::ZERO || r.promotion_priority.0 > Decimal::ONE {
        err(
            "promotion_priority",
            format!("is a probability: must be between 0% and 100%, but is {}", r.promotion_priority),
        );
    }
    if r.facings.0 <= Decimal::ZERO || r.facings.0 > Decimal::from(5) {
        err(
            "facings",
            format!("facings relative to the plan's must be above 0% and at most 500%, but are {}", r.facings),
        );
    }
    if r.promoters > MAX_PROMOTERS {
        err("promoters", format!("{} promoters is above the maximum of 1,000,000", r.promoters));
    }
    for key in EffectKey::ALL {
        let Some(e) = r.effects.get(key) else { continue };
        let at = format!("effects.{}", key.key());
        if let Some(d) = e.dist() {
            let problems = d.problems();
            let bad = !problems.is_empty();
            for m in problems {
                err(&at, m);
            }
            if bad {
                continue;
            }
        }
        let (lo, hi, words) = key.range();
        match e.bounds() {
            (Some(l), Some(h)) if l >= lo && h <= hi => {}
            (Some(l), Some(h)) => {
                let v = if l < lo { l } else { h };
                let what = if e.dist().is_some() { "can be drawn as" } else { "is" };
                err(&at, format!("must be between {words}, but {what} {}", v.normalize()));
            }
            _ => err(
                &at,
                format!(
                    "must stay between {words}: draw it from a bounded distribution (fixed, uniform, triangular, \
                     pert, discrete)"
                ),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_delay_converts_weeks_to_the_calendar() {
        assert_eq!(delay_periods(52, Decimal::from(4)), 4);
        assert_eq!(delay_periods(12, Decimal::from(4)), 1);
        assert_eq!(delay_periods(12, Decimal::from(8)), 2);
        assert_eq!(delay_periods(12, Decimal::from(13)), 3);
        assert_eq!(delay_periods(12, Decimal::ZERO), 0);
        assert_eq!(delay_periods(52, Decimal::from(-3)), 0);
        let c = crate::demo::contract("").unwrap();
        assert_eq!(c.listing_delay(), 1, "no [resources]: 4 weeks → 1 month");
        let c = crate::demo::contract("[resources]\ngreen_channel = true\n").unwrap();
        assert_eq!(c.listing_delay(), 0);
        let c =
            crate::demo::contract("[resources.effects]\nlisting_delay = { dist = \"uniform\", min = 6, max = 10 }\n")
                .unwrap();
        assert_eq!(c.listing_delay(), 2, "8 weeks on average → 2 months");
    }
}
