//! The negotiation set-up of a contract (`[negotiation]`): which terms are negotiable, with
//! their ranges and steps, and each side's objectives, reservation values, deadlines and cost of
//! delay. Read by `kasim-negotiate`.
//!
//! ```toml
//! [negotiation]
//! rounds = 24
//! opens = "buyer"
//!
//! [[negotiation.issues]]
//! path = "fees.entry.amount"
//! min = "100000"
//! max = "400000"
//! step = "50000"
//!
//! [negotiation.supplier]
//! utility = "mean_minus_sd"        # mean, mean_minus_sd (with lambda) or cvar
//! lambda = "0.5"
//! batna = "-50000"                 # contribution without this retailer
//! deadline = 20                    # last round the supplier negotiates
//! delay_cost = "20000"             # contribution lost per round unsigned
//!
//! [negotiation.buyer]
//! fee_target = "7500000"           # last year's fees × the growth the manager asks for
//! weights = { fee_income = "50%", fee_ratio = "10%", front_margin = "20%", sales = "20%" }
//! fee_ratio_target = "40%"
//! front_margin_target = "22%"
//! sales_target = "22000000"
//! batna = "0.55"                   # utility of giving the shelf to a competitor or private label
//! deadline = 16                    # head office's signing deadline, as a round
//! delay_cost = "0.01"
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{Money, Rate};

/// Most offer-scenario settlements a negotiation's set-up makes: the combinations of the
/// negotiable terms × `negotiation.supplier.scenarios` (one scenario, the plan, without an
/// `[uncertainty]` section). Validation refuses more, located at
/// `negotiation.supplier.scenarios`: a few seconds to minutes of work, never hours.
pub const MAX_OFFER_SCENARIOS: u64 = 50_000_000;

/// The negotiation set-up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Negotiation {
    /// Round limit: the number of offers that can be exchanged (meetings × offers).
    #[serde(default = "default_rounds")]
    pub rounds: u32,
    /// Who makes the first offer: `buyer` (default, the retailer sends the draft) or `supplier`.
    #[serde(default)]
    pub opens: Opener,
    /// Who makes the last offer before the round limit (optional): when set and the round limit
    /// would give the last offer to the other side, the limit is one round shorter. Whoever
    /// moves last can hold out for everything above the other's reservation value (Ståhl).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_offer_by: Option<Opener>,
    /// The negotiable terms.
    pub issues: Vec<NegotiableIssue>,
    /// The supplier's side.
    pub supplier: SupplierSide,
    /// The buyer's side.
    pub buyer: BuyerSide,
}

fn default_rounds() -> u32 {
    20
}

/// Who opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Opener {
    /// The buyer sends the first draft.
    #[default]
    Buyer,
    /// The supplier proposes first.
    Supplier,
}

/// A negotiable term with its range and step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NegotiableIssue {
    /// The term's path (see [`crate::terms`]).
    pub path: String,
    /// Lowest value negotiable.
    pub min: crate::money::Num,
    /// Highest value negotiable.
    pub max: crate::money::Num,
    /// Step between values.
    pub step: crate::money::Num,
}

/// How the supplier values a contract's simulated contribution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskMeasure {
    /// Mean contribution.
    #[default]
    Mean,
    /// Mean − λ × standard deviation.
    MeanMinusSd,
    /// Conditional value at risk at 95%: the mean of the worst 5% of years.
    Cvar,
}

/// The supplier's objectives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierSide {
    /// Risk measure of the simulated contribution.
    #[serde(default)]
    pub utility: RiskMeasure,
    /// λ for `mean_minus_sd` (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<Rate>,
    /// Common scenarios each offer is evaluated on (default 256).
    #[serde(default = "default_scenarios")]
    pub scenarios: u32,
    /// Seed of the common scenarios (default 1).
    #[serde(default = "one")]
    pub seed: u64,
    /// Contribution without this retailer (BATNA), e.g. volume recovered elsewhere.
    #[serde(default)]
    pub batna: Money,
    /// Or in addition: the share of this contract's volume recovered through other channels;
    /// adds share × (net invoiced − cost of goods) of the plan, before any trade spend, to `batna`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batna_recovered_share: Option<Rate>,
    /// Last round the supplier negotiates (default: the round limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<u32>,
    /// Contribution lost per round without a contract.
    #[serde(default)]
    pub delay_cost: Money,
    /// The flagship-first playbook (单一展示加压法), when the supplier can use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagship: Option<Flagship>,
}

/// The flagship-first playbook: sign the flagship store first on the buyer's terms, let it
/// prove the demand, then negotiate the chain from strength.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flagship {
    /// Rounds the pilot takes before the chain negotiation starts (default 4).
    #[serde(default = "four")]
    pub pilot_rounds: u32,
    /// How much the proven sell-through raises the buyer's department-sales expectation of the
    /// supplier's range (its sales KPI is scored on sales × (1 + lift)), e.g. "15%".
    pub demand_lift: Rate,
    /// How much the flagship raises the supplier's BATNA, as a share of the plan's margin before
    /// trade spend (other chains list the range after seeing it sell), e.g. "10%".
    #[serde(default)]
    pub batna_lift: Rate,
}

fn four() -> u32 {
    4
}

fn default_scenarios() -> u32 {
    256
}

fn one() -> u64 {
    1
}

/// The buyer's KPIs (the seed's twelve pressures), each scored 0–1 against its target and
/// weighted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyerSide {
    /// Fee income the buyer's manager expects (last year × growth).
    pub fee_target: Money,
    /// KPI weights (normalised to sum 1): `fee_income`, `fee_ratio`, `front_margin`, `sales`.
    pub weights: BuyerWeights,
    /// Target fee ratio (fees ÷ purchases), e.g. "40%".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_ratio_target: Option<Rate>,
    /// Target front margin on retail sales, e.g. "22%".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_margin_target: Option<Rate>,
    /// Department sales target (retail sales of the contract's SKUs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_target: Option<Money>,
    /// Promotion slots to fill (DM items and display slots the supplier buys in the year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots_target: Option<u32>,
    /// Last year's fee income, for the "last year + X%" anchoring tactic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_year_fees: Option<Money>,
    /// The growth the anchoring buyer holds out for (default 10%): it offers nothing below last
    /// year's fees × (1 + growth) until 90% of its time has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor_growth: Option<Rate>,
    /// Utility of the buyer's BATNA (a competing brand or private label on the shelf), 0–1.
    #[serde(default)]
    pub batna: Rate,
    /// Utility the buyer loses when it misses signing this contract (its manager counts signed
    /// contracts): its reservation value is `batna − missed_signing_penalty`.
    #[serde(default)]
    pub missed_signing_penalty: Rate,
    /// Last round the buyer negotiates (head office's signing deadline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<u32>,
    /// Utility lost per round without a contract.
    #[serde(default)]
    pub delay_cost: Rate,
}

/// Weights of the buyer's KPIs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyerWeights {
    /// Fee income against the target.
    #[serde(default)]
    pub fee_income: Rate,
    /// Fee ratio against its target.
    #[serde(default)]
    pub fee_ratio: Rate,
    /// Front margin against its target.
    #[serde(default)]
    pub front_margin: Rate,
    /// Department sales against the target.
    #[serde(default)]
    pub sales: Rate,
    /// Promotion slots filled against the target.
    #[serde(default)]
    pub slots: Rate,
}
