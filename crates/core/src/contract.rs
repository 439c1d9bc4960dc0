//! The contract model: one supplier–retailer contract year, as written in a TOML file.
//!
//! The full reference of every field is `docs/contract-format.md`; `kasim schema` prints the
//! JSON Schema generated from these types. Periods are numbered from 1 in files and reports
//! (period 1 = January in a monthly calendar, week 1 in a weekly one).

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::fees::FeeRule;
pub use crate::fees::condition::PlanPerformance;
pub use crate::fees::payment_terms::{DayBasis, EarlyPayment, FinancingPer, PaymentTerms};
use crate::money::{Money, Quantity, Rate, Rounding};
pub use crate::outcome::SlotKind;

/// One supplier–retailer contract year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// A short name for the contract, used in reports (e.g. "Hypermart 2027").
    pub name: String,
    /// The contract year (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// ISO currency code of every amount (default CNY).
    #[serde(default = "default_currency")]
    pub currency: String,
    /// The supplier portfolio: a path to a supplier file (relative to this file), or the
    /// portfolio inline as a `[supplier]` table. Reusing one supplier file across retailers'
    /// contracts keeps SKUs and costs in one place.
    pub supplier: SupplierSource,
    /// The retailer (the Key Account).
    pub retailer: Retailer,
    /// Settlement calendar and promotion periods (档期).
    #[serde(default)]
    pub calendar: Calendar,
    /// Rounding of ledger amounts (default: half-up to the cent, per ledger line).
    #[serde(default)]
    pub rounding: Rounding,
    /// Payment terms (账期) and early-payment discount.
    #[serde(default)]
    pub payment: PaymentTerms,
    /// The SKUs this retailer carries, with their invoice price (进价) and shelf-price policy.
    pub skus: Vec<SkuTerms>,
    /// The supplier's sales plan for this retailer: the expected outcome `evaluate` settles.
    pub plan: SalesPlan,
    /// Proration of annual fixed fees for a partial year (default: none, every annual fee is
    /// charged in full).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proration: Option<Proration>,
    /// The fee rules (back margin), evaluated in order; guaranteed minimums last.
    #[serde(default)]
    pub fees: Vec<FeeRule>,
    /// What is uncertain, for `kasim simulate` and `compare` (the Monte Carlo crate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<crate::uncertainty::Uncertainty>,
    /// The negotiation set-up, for `kasim negotiate` (the negotiation crate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negotiation: Option<crate::negotiation::Negotiation>,
    /// The relationship's resources (大卖场可以为供应商提供的资源: payment priority, the
    /// green channel, promotion priority, facings, shelf position, promoters, price
    /// protection) and their effects; see docs/resources.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<crate::resources::Resources>,
    /// The jurisdictions whose published rules on retailer fees apply (`"cn"`, `"uk"`,
    /// `"eu"`; one or a list), for the compliance flags (`kasim_core::compliance::check`).
    /// Default: none, and no rule is checked. See docs/compliance.md.
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "OneOrMany")]
    pub jurisdiction: Vec<Jurisdiction>,
    /// The files the contract was loaded from, to locate problems found after loading (not
    /// part of the file format; every two sources compare equal).
    #[serde(skip)]
    pub source: crate::source::Source,
}

fn default_currency() -> String {
    "CNY".to_string()
}

/// A jurisdiction whose published rules on retailer–supplier trading kasim checks
/// (合规辖区). The rules themselves are data: see [`compliance`](crate::compliance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Jurisdiction {
    /// The People's Republic of China (中国).
    Cn,
    /// The United Kingdom (英国).
    Uk,
    /// The European Union (欧盟).
    Eu,
}

impl Jurisdiction {
    /// Every jurisdiction.
    pub const ALL: [Jurisdiction; 3] = [Jurisdiction::Cn, Jurisdiction::Uk, Jurisdiction::Eu];

    /// The code written in files (`cn`, `uk`, `eu`).
    pub fn code(self) -> &'static str {
        match self {
            Jurisdiction::Cn => "cn",
            Jurisdiction::Uk => "uk",
            Jurisdiction::Eu => "eu",
        }
    }

    /// English and Chinese names.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Jurisdiction::Cn => ("China", "中国"),
            Jurisdiction::Uk => ("United Kingdom", "英国"),
            Jurisdiction::Eu => ("European Union", "欧盟"),
        }
    }
}

/// One jurisdiction (`"cn"`) or a list of them (`["cn", "eu"]`).
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema and its deserializer are used
enum OneOrMany {
    One(Jurisdiction),
    Many(Vec<Jurisdiction>),
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Jurisdiction>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<Jurisdiction>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a jurisdiction (\"cn\", \"uk\" or \"eu\") or a list of them")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Vec<Jurisdiction>, E> {
            Jurisdiction::deserialize(serde::de::value::StrDeserializer::new(v)).map(|j| vec![j])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Jurisdiction>, A::Error> {
            let mut out = Vec::new();
            while let Some(j) = seq.next_element::<Jurisdiction>()? {
                if !out.contains(&j) {
                    out.push(j);
                }
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

/// Where the supplier portfolio comes from.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum SupplierSource {
    /// A supplier file, relative to the contract file.
    File(PathBuf),
    /// The portfolio written inline.
    Inline(Supplier),
}

impl<'de> Deserialize<'de> for SupplierSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = SupplierSource;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a supplier file path (\"supplier.toml\") or a [supplier] table")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SupplierSource, E> {
                Ok(SupplierSource::File(PathBuf::from(v)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<SupplierSource, A::Error> {
                Supplier::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(SupplierSource::Inline)
            }
        }
        d.deserialize_any(V)
    }
}

/// The supplier's portfolio: who it is, what it sells and what its money costs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Supplier {
    /// The supplier's name.
    pub name: String,
    /// Annual cost of capital, used to price payment terms (e.g. "6%").
    pub cost_of_capital: Rate,
    /// Share of the unit cost recovered on goods the retailer returns (default 0: returned
    /// goods are written off, as damaged or expired goods usually are).
    #[serde(default)]
    pub returns_recovery: Rate,
    /// True when the supplier is a small or medium-sized enterprise (中小企业: a medium,
    /// small or micro enterprise by the State Council's size standards), for the rules that
    /// protect SMEs (the 60-day payment rule of 保障中小企业款项支付条例). Default: not
    /// said, and such rules are flagged for review rather than as breaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sme: Option<bool>,
    /// The SKUs of the portfolio.
    pub skus: Vec<Sku>,
}

/// One SKU of the supplier's portfolio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sku {
    /// Unique SKU code (条码 or internal code).
    pub id: String,
    /// Product name.
    pub name: String,
    /// Product name in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// The supplier's landed unit cost (cost of goods per unit).
    pub unit_cost: Money,
    /// The supplier's list invoice price, used when a contract does not set its own.
    pub list_price: Money,
}

/// The retailer's trading channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Hypermarket (大卖场).
    Hypermarket,
    /// Supermarket chain (超市).
    Supermarket,
    /// Warehouse club (仓储会员店).
    WarehouseClub,
    /// E-commerce platform (电商).
    Ecommerce,
    /// Pharmacy chain (连锁药房).
    Pharmacy,
    /// Convenience stores (便利店).
    Convenience,
    /// Anything else.
    Other,
}

impl Channel {
    /// English and Chinese display names.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Channel::Hypermarket => ("hypermarket", "大卖场"),
            Channel::Supermarket => ("supermarket", "超市"),
            Channel::WarehouseClub => ("warehouse club", "仓储会员店"),
            Channel::Ecommerce => ("e-commerce", "电商"),
            Channel::Pharmacy => ("pharmacy", "连锁药房"),
            Channel::Convenience => ("convenience", "便利店"),
            Channel::Other => ("other", "其他"),
        }
    }
}

/// The retailer (Key Account).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retailer {
    /// The retailer's name.
    pub name: String,
    /// Trading channel.
    pub channel: Channel,
    /// Stores trading at the start of the contract year.
    pub stores: u32,
    /// Planned store openings (新店开业): how many stores open in which period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub store_openings: Vec<StoreOpening>,
}

/// Stores opening in one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreOpening {
    /// The period the stores open in (1-based).
    pub period: u16,
    /// How many stores open.
    pub count: u32,
}

/// Settlement periods of the year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// 12 monthly periods (the default).
    #[default]
    Monthly,
    /// 52 weekly periods; week w belongs to month ⌊(w−1)·12/52⌋+1.
    Weekly,
}

impl Granularity {
    /// Number of periods in the contract year.
    pub fn periods(self) -> usize {
        match self {
            Granularity::Monthly => 12,
            Granularity::Weekly => 52,
        }
    }
    /// The month (1–12) a 1-based period belongs to.
    pub fn month_of(self, period: u16) -> u16 {
        match self {
            Granularity::Monthly => period,
            Granularity::Weekly => ((period.saturating_sub(1) as u32 * 12) / 52) as u16 + 1,
        }
    }
}

/// Proration of annual fixed fees (entry and renewal lump sums, listing fees) for what is in
/// force only part of the year: a contract starting mid-year, an SKU listed mid-year, a store
/// opened mid-year. See docs/contract-format.md, "`[proration]`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Proration {
    /// `monthly` (months in force ÷ 12, a started month counts whole) or `daily` (days in
    /// force ÷ the days of the year).
    pub convention: ProrationConvention,
    /// Days of the year for the daily convention: `"365"` (default) or `"actual"` (366 in a
    /// leap `year`).
    #[serde(default)]
    pub year_days: YearDays,
    /// The period the contract comes into force (default 1): contract-wide annual fees are
    /// prorated from it.
    #[serde(default = "one")]
    pub start_period: u16,
}

/// How a partial year is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProrationConvention {
    /// Months in force ÷ 12 (the month of the start counts whole).
    Monthly,
    /// Days in force ÷ 365 (or the actual days of the year).
    Daily,
}

/// The denominator of daily proration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum YearDays {
    /// 365 days.
    #[default]
    #[serde(rename = "365")]
    Fixed365,
    /// 365, or 366 in a leap contract `year`.
    #[serde(rename = "actual")]
    Actual,
}

impl Proration {
    /// The share of the year in force when starting at 1-based `period`: (numerator,
    /// denominator, what is counted).
    pub fn share(&self, granularity: Granularity, year: Option<i32>, period: u16) -> (u32, u32, &'static str) {
        let month = u32::from(granularity.month_of(period.max(1)));
        match self.convention {
            ProrationConvention::Monthly => (12 - month.min(12) + 1, 12, "months"),
            ProrationConvention::Daily => {
                let leap = year.is_some_and(|y| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
                let total: u32 = if leap { 366 } else { 365 };
                let den = match self.year_days {
                    YearDays::Fixed365 => 365,
                    YearDays::Actual => total,
                };
                // Day of the year the period starts on (1-based).
                let first = match granularity {
                    Granularity::Monthly => {
                        let feb = if leap { 29 } else { 28 };
                        let lens = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
                        lens.iter().take(month as usize - 1).sum::<u32>() + 1
                    }
                    Granularity::Weekly => (u32::from(period.max(1)) - 1) * 7 + 1,
                };
                ((total + 1).saturating_sub(first).min(den), den, "days")
            }
        }
    }
}

/// The settlement calendar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// `monthly` (default) or `weekly`.
    #[serde(default)]
    pub granularity: Granularity,
    /// Named promotion periods (档期), e.g. Spring Festival, 618, Mid-Autumn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promotion_periods: Vec<PromotionPeriod>,
}

/// A named promotion period (档期).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionPeriod {
    /// Name, e.g. "Spring Festival 春节档".
    pub name: String,
    /// The settlement periods it covers (1-based).
    pub periods: Vec<u16>,
}

/// The contract terms of one SKU at this retailer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuTerms {
    /// The SKU's code in the supplier portfolio.
    pub sku: String,
    /// Invoice price to this retailer (进价); defaults to the SKU's list price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_price: Option<Money>,
    /// How the retailer sets its shelf price.
    pub shelf_price: ShelfPrice,
    /// True when the SKU is newly listed this year (listing fees apply).
    #[serde(default)]
    pub new_listing: bool,
    /// Period the SKU is listed in (default 1). The plan sells nothing before it; listing
    /// fees fall in it.
    #[serde(default = "one")]
    pub listing_period: u16,
}

fn one() -> u16 {
    1
}

/// The retailer's shelf-price policy for a SKU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "policy", rename_all = "snake_case", deny_unknown_fields)]
pub enum ShelfPrice {
    /// Retail-minus (倒扣): shelf = invoice ÷ (1 − margin). Invoice 7.00 at 30% → 10.00.
    RetailMinus {
        /// The retailer's front margin on the shelf price.
        margin: Rate,
    },
    /// Cost-plus (加价): shelf = invoice × (1 + markup). Invoice 7.00 at 30% → 9.10.
    CostPlus {
        /// The markup on the invoice price.
        markup: Rate,
    },
    /// A fixed shelf price.
    Fixed {
        /// The shelf price.
        price: Money,
    },
}

/// The supplier's plan for the year: expected units, promotions and price matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SalesPlan {
    /// Expected fill rate outside promotions (delivered ÷ ordered), default 100%.
    #[serde(default = "full")]
    pub fill_rate: Rate,
    /// Expected fill rate in promoted SKU-periods (default: `fill_rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo_fill_rate: Option<Rate>,
    /// Share of delivered units the retailer returns (default 0).
    #[serde(default)]
    pub returns_rate: Rate,
    /// Seasonality multipliers: one per period, or 12 monthly values for a weekly calendar.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seasonality: Vec<Rate>,
    /// Expected baseline units per SKU.
    pub lines: Vec<PlanLine>,
    /// Scheduled promotions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promotions: Vec<PlannedPromotion>,
    /// Expected price matches (最低价): the retailer matching a rival's lower price.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_matches: Vec<PlannedPriceMatch>,
    /// What the retailer is expected to deliver of its give-get obligations (flyers run,
    /// displays in place). Default: the retailer performs in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance: Option<PlanPerformance>,
}

fn full() -> Rate {
    Rate::ONE
}

/// Expected baseline units of one SKU. Give exactly one of `units_per_period`, `units`
/// or `units_per_store`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanLine {
    /// The SKU's code.
    pub sku: String,
    /// The same chain-wide units every period (before seasonality).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_per_period: Option<u64>,
    /// Chain-wide units for each period, one number per period (seasonality not applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Vec<u64>>,
    /// Units per store per period; scales with stores open (openings included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_per_store: Option<Quantity>,
}

/// A scheduled promotion of one or more SKUs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedPromotion {
    /// The SKUs promoted (codes).
    pub skus: Vec<String>,
    /// The periods (1-based). Give this or `promotion_period`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<u16>,
    /// A named promotion period (档期) from the calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_period: Option<String>,
    /// The slot used (`dm`, `end_cap`, `tg`, `floor_stack`).
    pub slot: SlotKind,
    /// Expected volume multiplier during the promotion (e.g. "1.8").
    #[serde(default = "full")]
    pub uplift: Rate,
    /// Shelf-price cut during the promotion (e.g. "15%"); none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_cut: Option<Rate>,
}

/// An expected price match: the retailer matches a rival's lower shelf price.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedPriceMatch {
    /// The SKU matched.
    pub sku: String,
    /// Periods of the match window (1-based).
    pub periods: Vec<u16>,
    /// The rival's price the retailer matches. Give this or `gap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_price: Option<Money>,
    /// The price gap per unit, when known directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<Money>,
}

impl Contract {
    /// The supplier portfolio, once loaded (`None` while it is still a file reference).
    pub fn supplier(&self) -> Option<&Supplier> {
        match &self.supplier {
            SupplierSource::Inline(s) => Some(s),
            SupplierSource::File(_) => None,
        }
    }

    /// Number of settlement periods.
    pub fn periods(&self) -> usize {
        self.calendar.granularity.periods()
    }

    /// Periods a new listing waits for the shelf given the contract's resources (the
    /// expected green or regular listing delay of `[resources.effects]`; the default effects,
    /// 4 weeks without the green channel, when the contract has no `[resources]`); see
    /// [`Resources::listing_delay`](crate::resources::Resources::listing_delay).
    pub fn listing_delay(&self) -> usize {
        let default = crate::resources::Resources::default();
        self.resources.as_ref().unwrap_or(&default).listing_delay(self.periods())
    }

    /// The effective annual cost of capital.
    pub fn cost_of_capital(&self) -> Rate {
        self.payment.cost_of_capital.or_else(|| self.supplier().map(|s| s.cost_of_capital)).unwrap_or(Rate::ZERO)
    }

    /// Serializes the contract back to TOML (with the supplier inline once loaded).
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`](crate::Error::Serialize) when TOML cannot represent a value.
    pub fn to_toml(&self) -> Result<String, crate::Error> {
        toml::to_string(self).map_err(|e| crate::Error::Serialize { what: "the contract", source: Box::new(e) })
    }
}
