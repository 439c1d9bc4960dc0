//! The fee rules (back margin, 后台费用) a retailer charges a supplier.
//!
//! A rule is data (a serde variant with its parameters) plus one `settle` function. Every rule
//! shares a header: `id` (unique, referenced by guaranteed minimums and shown in the ledger),
//! optional `label` / `label_zh`, and an optional effective window `from_period`..=`to_period`.
//! Outside its window a rule charges nothing; a rule settled on a base (rebates, percentages)
//! counts only the window's periods, so it never reaches back into closed periods, unless the
//! contract says `retroactive = true`.
//!
//! The formulas, worked examples and edge-case choices of every rule are in each module and in
//! `docs/fee-rules.md`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub mod api;
pub mod book;
pub mod formula;
pub mod growth_rebate;
pub mod guaranteed_minimum;
pub mod listing;
pub mod lump_sum;
pub mod margin_guarantee;
pub mod payment_terms;
pub mod percentage;
pub mod price_match;
pub mod promoter;
pub mod slot_fee;
pub mod stockout_penalty;
pub mod store_opening;
pub mod target_rebate;
pub mod tiered_rebate;
pub mod tiers;

pub use growth_rebate::{GrowthApplyTo, GrowthMeasure, GrowthRebate, NoBaseline};
pub use guaranteed_minimum::{FloorPer, GuaranteedMinimum};
pub use listing::{ListingFee, ListingPer};
pub use lump_sum::{LumpEvent, LumpPer, LumpSum};
pub use margin_guarantee::{MarginGuarantee, MarginMode};
pub use percentage::{PercentBase, PercentFee};
pub use price_match::PriceMatch;
pub use promoter::PromoterFee;
pub use slot_fee::{SlotFee, SlotPer};
pub use stockout_penalty::{PenaltyMeasure, PenaltyScope, ShortValuation, StockoutPenalty};
pub use store_opening::StoreOpeningFee;
pub use target_rebate::TargetRebate;
pub use tiered_rebate::{ScaleDirection, TierMethod, TieredRebate};
pub use tiers::{Tier, TierValue};

/// One fee rule of a contract: a shared header and the rule's own parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FeeRule {
    /// Unique identifier, e.g. `"entry"`, `"rebate-tiered"`.
    pub id: String,
    /// Label shown in the ledger (default: the fee kind's English name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Chinese label (default: the fee kind's Chinese name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_zh: Option<String>,
    /// First period the rule is in force (1-based, default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_period: Option<u16>,
    /// Last period the rule is in force (default: the last period of the year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_period: Option<u16>,
    /// When true, a rule starting mid-year counts the base from period 1 (the contract
    /// explicitly reaches back into closed periods). Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retroactive: bool,
    /// The rule's kind and parameters.
    #[serde(flatten)]
    pub rule: Rule,
}

/// The kinds of fee rule, tagged by `kind` in contract files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// Entry, renewal, anniversary, festival or other lump sum (进场费/续签费/店庆费/节庆费).
    LumpSum(LumpSum),
    /// Store-opening fee per new store (新店开业费).
    StoreOpening(StoreOpeningFee),
    /// Listing fee per new SKU (条码费/新品进场费).
    Listing(ListingFee),
    /// Unconditional rebate, % of purchases (无条件返利).
    UnconditionalRebate(PercentFee),
    /// Service / contract fee, % of purchases or sales (服务费/合同费).
    ServiceFee(PercentFee),
    /// Logistics / DC fee, % of purchases (配送费/物流费).
    LogisticsFee(PercentFee),
    /// Returns and damages allowance, % of purchases (损耗/退货补贴).
    ReturnsAllowance(PercentFee),
    /// Tiered rebate, retroactive or graduated (年度返佣/有条件返利).
    TieredRebate(TieredRebate),
    /// Growth rebate against the prior year (增长返利).
    GrowthRebate(GrowthRebate),
    /// Single-target, all-or-nothing rebate (目标返利).
    TargetRebate(TargetRebate),
    /// Guaranteed minimum (保底) over a set of sales-dependent fees.
    GuaranteedMinimum(GuaranteedMinimum),
    /// DM / flyer fee (DM费/海报费).
    DmFee(SlotFee),
    /// End-cap, TG or floor-stack display fee (端架费/TG/堆头费).
    DisplayFee(SlotFee),
    /// Promoter fee (促销员管理费).
    PromoterFee(PromoterFee),
    /// Stockout / fill-rate penalty (缺货罚款).
    StockoutPenalty(StockoutPenalty),
    /// Margin guarantee (补毛利/保毛利).
    MarginGuarantee(MarginGuarantee),
    /// Price-match funding (最低价补差).
    PriceMatch(PriceMatch),
}

/// A selection of SKUs (by code); empty means every SKU of the contract.
pub type SkuSelection = Vec<String>;

/// When a rule on a base is settled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Settle {
    /// Every period, on that period's base.
    #[default]
    Period,
    /// Once, in the last period of the rule's window, on the window's base.
    Annual,
    /// Partial settlements every period on the cumulative base, each paying the annual-to-date
    /// amount less what was already settled; the last is the final true-up.
    Periodic,
}

/// What an amount is: the fee kinds of the ledger and the P&L, plus financing (not a fee).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// 进场费
    EntryFee,
    /// 合同续签费
    RenewalFee,
    /// 新店开业费
    StoreOpeningFee,
    /// 店庆费
    AnniversaryFee,
    /// 节庆费
    FestivalFee,
    /// 其他一次性费用
    OtherLumpSum,
    /// 条码费
    ListingFee,
    /// 无条件返利
    UnconditionalRebate,
    /// 服务费
    ServiceFee,
    /// 配送费
    LogisticsFee,
    /// 损耗补贴
    ReturnsAllowance,
    /// 阶梯返利
    TieredRebate,
    /// 增长返利
    GrowthRebate,
    /// 目标返利
    TargetRebate,
    /// 保底补差
    GuaranteedMinimum,
    /// DM费
    DmFee,
    /// 陈列费
    DisplayFee,
    /// 促销员管理费
    PromoterFee,
    /// 缺货罚款
    StockoutPenalty,
    /// 补毛利
    MarginCompensation,
    /// 保毛利 (promotion)
    PromotionMarginFunding,
    /// 最低价补差
    PriceMatchFunding,
    /// 现金折扣
    EarlyPaymentDiscount,
    /// 账期资金成本 (not a fee)
    Financing,
}

impl FeeKind {
    /// Every kind, in P&L order.
    pub const ALL: [FeeKind; 24] = [
        FeeKind::EntryFee,
        FeeKind::RenewalFee,
        FeeKind::StoreOpeningFee,
        FeeKind::AnniversaryFee,
        FeeKind::FestivalFee,
        FeeKind::OtherLumpSum,
        FeeKind::ListingFee,
        FeeKind::UnconditionalRebate,
        FeeKind::ServiceFee,
        FeeKind::LogisticsFee,
        FeeKind::ReturnsAllowance,
        FeeKind::TieredRebate,
        FeeKind::GrowthRebate,
        FeeKind::TargetRebate,
        FeeKind::GuaranteedMinimum,
        FeeKind::DmFee,
        FeeKind::DisplayFee,
        FeeKind::PromoterFee,
        FeeKind::StockoutPenalty,
        FeeKind::MarginCompensation,
        FeeKind::PromotionMarginFunding,
        FeeKind::PriceMatchFunding,
        FeeKind::EarlyPaymentDiscount,
        FeeKind::Financing,
    ];
    /// Number of kinds.
    pub const COUNT: usize = 24;

    /// Dense index into [`FeeKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// False only for financing, which is a cost of the payment terms, not a fee.
    pub fn is_fee(self) -> bool {
        self != FeeKind::Financing
    }

    /// The snake_case code used in JSON and CSV.
    pub fn code(self) -> &'static str {
        self.names3().0
    }

    /// (code, English name, Chinese name).
    pub fn names3(self) -> (&'static str, &'static str, &'static str) {
        match self {
            FeeKind::EntryFee => ("entry_fee", "Entry fee", "进场费"),
            FeeKind::RenewalFee => ("renewal_fee", "Renewal fee", "合同续签费"),
            FeeKind::StoreOpeningFee => ("store_opening_fee", "Store-opening fee", "新店开业费"),
            FeeKind::AnniversaryFee => ("anniversary_fee", "Anniversary fee", "店庆费"),
            FeeKind::FestivalFee => ("festival_fee", "Festival fee", "节庆费"),
            FeeKind::OtherLumpSum => ("other_lump_sum", "Other lump sum", "其他费用"),
            FeeKind::ListingFee => ("listing_fee", "Listing fee", "条码费"),
            FeeKind::UnconditionalRebate => ("unconditional_rebate", "Unconditional rebate", "无条件返利"),
            FeeKind::ServiceFee => ("service_fee", "Service fee", "服务费"),
            FeeKind::LogisticsFee => ("logistics_fee", "Logistics / DC fee", "配送费"),
            FeeKind::ReturnsAllowance => ("returns_allowance", "Returns & damages allowance", "损耗补贴"),
            FeeKind::TieredRebate => ("tiered_rebate", "Tiered rebate", "阶梯返利"),
            FeeKind::GrowthRebate => ("growth_rebate", "Growth rebate", "增长返利"),
            FeeKind::TargetRebate => ("target_rebate", "Target rebate", "目标返利"),
            FeeKind::GuaranteedMinimum => ("guaranteed_minimum", "Guaranteed minimum top-up", "保底补差"),
            FeeKind::DmFee => ("dm_fee", "DM / flyer fee", "DM费"),
            FeeKind::DisplayFee => ("display_fee", "Display fee (end-cap/TG/floor stack)", "陈列费"),
            FeeKind::PromoterFee => ("promoter_fee", "Promoter fee", "促销员管理费"),
            FeeKind::StockoutPenalty => ("stockout_penalty", "Stockout penalty", "缺货罚款"),
            FeeKind::MarginCompensation => ("margin_compensation", "Margin compensation", "补毛利"),
            FeeKind::PromotionMarginFunding => ("promotion_margin_funding", "Promotion margin funding", "保毛利"),
            FeeKind::PriceMatchFunding => ("price_match_funding", "Price-match funding", "最低价补差"),
            FeeKind::EarlyPaymentDiscount => ("early_payment_discount", "Early-payment discount", "现金折扣"),
            FeeKind::Financing => ("financing", "Financing cost of payment terms", "账期资金成本"),
        }
    }

    /// English name.
    pub fn english(self) -> &'static str {
        self.names3().1
    }

    /// Chinese name.
    pub fn chinese(self) -> &'static str {
        self.names3().2
    }
}

impl FeeRule {
    /// The fee kind this rule's lines carry.
    pub fn kind(&self) -> FeeKind {
        match &self.rule {
            Rule::LumpSum(r) => r.event.fee_kind(),
            Rule::StoreOpening(_) => FeeKind::StoreOpeningFee,
            Rule::Listing(_) => FeeKind::ListingFee,
            Rule::UnconditionalRebate(_) => FeeKind::UnconditionalRebate,
            Rule::ServiceFee(_) => FeeKind::ServiceFee,
            Rule::LogisticsFee(_) => FeeKind::LogisticsFee,
            Rule::ReturnsAllowance(_) => FeeKind::ReturnsAllowance,
            Rule::TieredRebate(_) => FeeKind::TieredRebate,
            Rule::GrowthRebate(_) => FeeKind::GrowthRebate,
            Rule::TargetRebate(_) => FeeKind::TargetRebate,
            Rule::GuaranteedMinimum(_) => FeeKind::GuaranteedMinimum,
            Rule::DmFee(_) => FeeKind::DmFee,
            Rule::DisplayFee(_) => FeeKind::DisplayFee,
            Rule::PromoterFee(_) => FeeKind::PromoterFee,
            Rule::StockoutPenalty(_) => FeeKind::StockoutPenalty,
            Rule::MarginGuarantee(m) => match m.mode {
                MarginMode::Annual => FeeKind::MarginCompensation,
                MarginMode::Promotion => FeeKind::PromotionMarginFunding,
            },
            Rule::PriceMatch(_) => FeeKind::PriceMatchFunding,
        }
    }

    /// The English label (the rule's own, or its kind's name).
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or_else(|| self.kind().english())
    }

    /// The Chinese label (the rule's own, or its kind's name).
    pub fn label_zh(&self) -> &str {
        self.label_zh.as_deref().unwrap_or_else(|| self.kind().chinese())
    }

    /// The `kind` tag as written in files.
    pub fn tag(&self) -> &'static str {
        match &self.rule {
            Rule::LumpSum(_) => "lump_sum",
            Rule::StoreOpening(_) => "store_opening",
            Rule::Listing(_) => "listing",
            Rule::UnconditionalRebate(_) => "unconditional_rebate",
            Rule::ServiceFee(_) => "service_fee",
            Rule::LogisticsFee(_) => "logistics_fee",
            Rule::ReturnsAllowance(_) => "returns_allowance",
            Rule::TieredRebate(_) => "tiered_rebate",
            Rule::GrowthRebate(_) => "growth_rebate",
            Rule::TargetRebate(_) => "target_rebate",
            Rule::GuaranteedMinimum(_) => "guaranteed_minimum",
            Rule::DmFee(_) => "dm_fee",
            Rule::DisplayFee(_) => "display_fee",
            Rule::PromoterFee(_) => "promoter_fee",
            Rule::StockoutPenalty(_) => "stockout_penalty",
            Rule::MarginGuarantee(_) => "margin_guarantee",
            Rule::PriceMatch(_) => "price_match",
        }
    }
}
