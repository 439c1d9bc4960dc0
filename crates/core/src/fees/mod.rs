//! The fee rules (back margin, 后台费用) a retailer charges a supplier.
//!
//! A rule is one file in this directory — its doc (formula, worked example, edge cases), its
//! parameter struct, its validation, its numeric terms and its settlement, in one
//! `impl` [`Clause`] — plus one line in the registry below, which generates the [`Rule`] enum
//! (the `kind = "…"` of contract files), [`RuleTag`], [`FeeRule::tag`], [`FeeRule::kind`] and
//! the dispatch to [`Clause`]. What a rule reads is [`api::Cx`]; how it books amounts is
//! [`book::Out`]. Neither reaches into the settlement engine, which only runs the registry.
//!
//! Every rule shares a header: `id` (unique, referenced by guaranteed minimums and shown in the
//! ledger), optional `label` / `label_zh`, and an optional effective window
//! `from_period`..=`to_period`. Outside its window a rule charges nothing; a rule settled on a
//! base (rebates, percentages) counts only the window's periods, so it never reaches back into
//! closed periods, unless the contract says `retroactive = true`.
//!
//! The formulas, worked examples and edge-case choices of every rule are in each module and in
//! the [fee-rule chapter](crate::_documentation::fee_rules).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink};

pub mod api;
pub mod book;
pub mod clause;
pub mod condition;
pub mod formula;
pub mod payment_terms;
pub mod tiers;

pub use clause::{Check, Clause, TermSlot};
pub use condition::Condition;
pub use tiers::{Tier, TierValue};

/// The registry: one line per rule module — `module::Params { other public types } =>` the
/// variants it serves, each `Variant = "kind tag" "doc"`. It generates the module declaration,
/// the re-exports, [`Rule`] (each variant named in files by its tag, so the table and serde
/// cannot disagree), [`RuleTag`] and the dispatch of every [`Clause`] method. Registry order is
/// the order of the JSON Schema's alternatives.
///
/// To add a rule: write `fees/<rule>.rs` (doc with a worked example, the parameter struct with
/// `#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]`, and
/// `impl Clause`), then add its line below.
macro_rules! registry {
    ($( $module:ident :: $params:ident $({ $($extra:ident),* })? => $( $variant:ident = $tag:literal $doc:literal ),+ ; )*) => {
        $(
            pub mod $module;
            pub use $module::{$params $($(, $extra)*)?};
        )*

        /// The kinds of fee rule, tagged by `kind` in contract files.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub enum Rule {
            $($(
                #[doc = $doc]
                #[serde(rename = $tag)]
                $variant($params),
            )+)*
        }

        /// Which variant of [`Rule`] a rule is, without its parameters.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum RuleTag {
            $($(
                #[doc = $doc]
                $variant,
            )+)*
        }

        impl RuleTag {
            /// Every tag, in registry order.
            pub const ALL: &'static [RuleTag] = &[$($(RuleTag::$variant,)+)*];

            /// The `kind` tag as written in files.
            pub fn code(self) -> &'static str {
                match self {
                    $($(RuleTag::$variant => $tag,)+)*
                }
            }

            /// The numeric terms of this kind of rule (see [`Clause::TERMS`]).
            pub fn terms(self) -> &'static [&'static str] {
                match self {
                    $($(RuleTag::$variant => <$params as Clause>::TERMS,)+)*
                }
            }
        }

        impl Rule {
            /// The variant, without its parameters.
            pub fn tag(&self) -> RuleTag {
                match self {
                    $($(Rule::$variant(_) => RuleTag::$variant,)+)*
                }
            }

            /// The fee kind this rule's lines carry.
            pub fn kind(&self) -> FeeKind {
                match self {
                    $($(Rule::$variant(r) => r.kind(RuleTag::$variant),)+)*
                }
            }

            /// The SKU codes the rule is restricted to (empty: every SKU).
            pub fn skus(&self) -> &[String] {
                match self {
                    $($(Rule::$variant(r) => r.skus(),)+)*
                }
            }

            /// The ids of the rules whose amounts this rule reads.
            pub fn covers(&self) -> &[String] {
                match self {
                    $($(Rule::$variant(r) => r.covers(),)+)*
                }
            }

            /// True when the rule is settled after every other rule.
            pub fn settled_last(&self) -> bool {
                match self {
                    $($(Rule::$variant(_) => <$params as Clause>::SETTLED_LAST,)+)*
                }
            }

            /// Checks the rule's parameters.
            pub fn check(&self, ck: &mut Check<'_>) {
                match self {
                    $($(Rule::$variant(r) => r.check(RuleTag::$variant, ck),)+)*
                }
            }

            /// The numeric term `field`.
            pub fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
                match self {
                    $($(Rule::$variant(r) => r.term(field),)+)*
                }
            }

            /// The rule's tiers, when it has a scale.
            pub fn tiers(&mut self) -> Option<&mut Vec<Tier>> {
                match self {
                    $($(Rule::$variant(r) => r.tiers(),)+)*
                }
            }

            /// Settles the rule over one outcome.
            ///
            /// # Errors
            ///
            /// [`Error::Overflow`] when an amount leaves the range of exact arithmetic.
            #[inline]
            pub fn settle<S: Sink>(&self, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
                match self {
                    $($(Rule::$variant(r) => r.settle(RuleTag::$variant, cx, kind, out),)+)*
                }
            }
        }
    };
}

registry! {
    lump_sum::LumpSum { LumpEvent, LumpPer } =>
        LumpSum = "lump_sum" "Entry, renewal, anniversary, festival or other lump sum (进场费/续签费/店庆费/节庆费).";
    store_opening::StoreOpeningFee => StoreOpening = "store_opening" "Store-opening fee per new store (新店开业费).";
    listing::ListingFee { ListingPer } => Listing = "listing" "Listing fee per new SKU (条码费/新品进场费).";
    percentage::PercentFee { PercentBase } =>
        UnconditionalRebate = "unconditional_rebate" "Unconditional rebate, % of purchases (无条件返利).",
        ServiceFee = "service_fee" "Service / contract fee, % of purchases or sales (服务费/合同费).",
        LogisticsFee = "logistics_fee" "Logistics / DC fee, % of purchases (配送费/物流费).",
        ReturnsAllowance = "returns_allowance" "Returns and damages allowance, % of purchases (损耗/退货补贴).";
    tiered_rebate::TieredRebate { Basis, ScaleDirection, TierMethod } =>
        TieredRebate = "tiered_rebate" "Tiered rebate, retroactive or graduated (年度返佣/有条件返利).";
    growth_rebate::GrowthRebate { GrowthApplyTo, GrowthMeasure, NoBaseline } =>
        GrowthRebate = "growth_rebate" "Growth rebate against the prior year (增长返利).";
    target_rebate::TargetRebate => TargetRebate = "target_rebate" "Single-target, all-or-nothing rebate (目标返利).";
    guaranteed_minimum::GuaranteedMinimum { FloorPer } =>
        GuaranteedMinimum = "guaranteed_minimum" "Guaranteed minimum (保底) over a set of sales-dependent fees.";
    slot_fee::SlotFee { SlotPer } =>
        DmFee = "dm_fee" "DM / flyer fee (DM费/海报费).",
        DisplayFee = "display_fee" "End-cap, TG or floor-stack display fee (端架费/TG/堆头费).";
    promoter::PromoterFee => PromoterFee = "promoter_fee" "Promoter fee (促销员管理费).";
    stockout_penalty::StockoutPenalty { PenaltyMeasure, PenaltyScope, ShortValuation } =>
        StockoutPenalty = "stockout_penalty" "Stockout / fill-rate penalty (缺货罚款).";
    margin_guarantee::MarginGuarantee { MarginMode } =>
        MarginGuarantee = "margin_guarantee" "Margin guarantee (补毛利/保毛利).";
    price_match::PriceMatch => PriceMatch = "price_match" "Price-match funding (最低价补差).";
}

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
    /// A give-get condition (有条件费用): the fee is due only as far as the retailer performed
    /// (see [`condition`]). Default: none, the rule is unconditional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The rule's kind and parameters.
    #[serde(flatten)]
    pub rule: Rule,
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

/// The fee-kind table: `Variant = ("code", "English name", "Chinese name")`, in P&L order. It
/// generates [`FeeKind`], [`FeeKind::ALL`], [`FeeKind::COUNT`] and the names; a test checks
/// that every code is the variant's serde name.
macro_rules! fee_kinds {
    ($( $variant:ident = ($code:literal, $en:literal, $zh:literal) ),+ $(,)?) => {
        /// What an amount is: the fee kinds of the ledger and the P&L, plus financing (not a fee).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum FeeKind {
            $(
                #[doc = concat!($en, " (", $zh, ").")]
                $variant,
            )+
        }

        impl FeeKind {
            /// Every kind, in P&L order.
            pub const ALL: [FeeKind; [$(FeeKind::$variant),+].len()] = [$(FeeKind::$variant),+];
            /// Number of kinds.
            pub const COUNT: usize = FeeKind::ALL.len();

            /// (code, English name, Chinese name).
            pub fn names3(self) -> (&'static str, &'static str, &'static str) {
                match self {
                    $(FeeKind::$variant => ($code, $en, $zh),)+
                }
            }
        }
    };
}

fee_kinds! {
    EntryFee = ("entry_fee", "Entry fee", "进场费"),
    RenewalFee = ("renewal_fee", "Renewal fee", "合同续签费"),
    StoreOpeningFee = ("store_opening_fee", "Store-opening fee", "新店开业费"),
    AnniversaryFee = ("anniversary_fee", "Anniversary fee", "店庆费"),
    FestivalFee = ("festival_fee", "Festival fee", "节庆费"),
    OtherLumpSum = ("other_lump_sum", "Other lump sum", "其他费用"),
    ListingFee = ("listing_fee", "Listing fee", "条码费"),
    UnconditionalRebate = ("unconditional_rebate", "Unconditional rebate", "无条件返利"),
    ServiceFee = ("service_fee", "Service fee", "服务费"),
    LogisticsFee = ("logistics_fee", "Logistics / DC fee", "配送费"),
    ReturnsAllowance = ("returns_allowance", "Returns & damages allowance", "损耗补贴"),
    TieredRebate = ("tiered_rebate", "Tiered rebate", "阶梯返利"),
    GrowthRebate = ("growth_rebate", "Growth rebate", "增长返利"),
    TargetRebate = ("target_rebate", "Target rebate", "目标返利"),
    GuaranteedMinimum = ("guaranteed_minimum", "Guaranteed minimum top-up", "保底补差"),
    DmFee = ("dm_fee", "DM / flyer fee", "DM费"),
    DisplayFee = ("display_fee", "Display fee (end-cap/TG/floor stack)", "陈列费"),
    PromoterFee = ("promoter_fee", "Promoter fee", "促销员管理费"),
    StockoutPenalty = ("stockout_penalty", "Stockout penalty", "缺货罚款"),
    MarginCompensation = ("margin_compensation", "Margin compensation", "补毛利"),
    PromotionMarginFunding = ("promotion_margin_funding", "Promotion margin funding", "保毛利"),
    PriceMatchFunding = ("price_match_funding", "Price-match funding", "最低价补差"),
    EarlyPaymentDiscount = ("early_payment_discount", "Early-payment discount", "现金折扣"),
    Financing = ("financing", "Financing cost of payment terms", "账期资金成本"),
}

impl FeeKind {
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
        self.rule.kind()
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
        self.rule.tag().code()
    }

    /// Checks the shared header (id, window) and the rule's own parameters.
    pub fn check(&self, ck: &mut Check<'_>) {
        if self.id.trim().is_empty() {
            ck.err("id", "must not be empty");
        }
        if self.id == "payment-terms" {
            ck.err("id", "`payment-terms` is reserved for the financing and early-payment lines");
        }
        if ck.fees()[..ck.index()].iter().any(|o| o.id == self.id) {
            ck.err("id", format!("rule id `{}` is used twice", self.id));
        }
        if let Some(x) = self.from_period {
            ck.period("from_period", x);
        }
        if let Some(x) = self.to_period {
            ck.period("to_period", x);
        }
        if let (Some(a), Some(b)) = (self.from_period, self.to_period)
            && a > b
        {
            ck.err("to_period", format!("to_period {b} is before from_period {a}"));
        }
        self.rule.check(ck);
        if let Some(cond) = &self.condition {
            cond.check(self.rule.tag(), ck);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables agree with serde: every fee-kind code and every rule tag is what contract
    /// and output files say, and every index is dense.
    #[test]
    fn tables_agree_with_serde() {
        for (i, k) in FeeKind::ALL.iter().enumerate() {
            assert_eq!(k.index(), i);
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::Value::from(k.code()));
        }
        let schema = serde_json::to_string(&schemars::schema_for!(Rule)).unwrap();
        for t in RuleTag::ALL {
            assert!(schema.contains(&format!("\"{}\"", t.code())), "{t:?}");
        }
        let json = serde_json::json!({"kind": "store_opening", "amount": "1"});
        let r: Rule = serde_json::from_value(json).unwrap();
        assert_eq!(r.tag(), RuleTag::StoreOpening);
    }
}
