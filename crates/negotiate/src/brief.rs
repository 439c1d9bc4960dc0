//! `kasim brief BASE DRAFT [COUNTER...]`: the meeting brief, clause by clause.
//!
//! Built from last year's contract (BASE), the buyer's draft (DRAFT) and any counter-offers,
//! all simulated on the same scenarios (common random numbers, [`kasim_montecarlo::run_clauses`])
//! and settled on their plans. [`BriefReport`] holds, with every figure computed:
//!
//! * **per contract** — the plan settlement's totals and the simulated summaries
//!   ([`Simulation`], and a [`Comparison`] of all contracts);
//! * **clause by clause** ([`ClauseRow`]) — the union of the fee clauses (matched by rule `id`;
//!   a clause may be in one contract only: added or removed), each contract's plan amount
//!   (exact) and simulated mean, P10 and P90, the change DRAFT − BASE on the plan and in the
//!   mean, its share of the total fee increase, ranked by the size of the change;
//! * **interactions** ([`Interaction`]) — clauses that must be read together: a guaranteed
//!   minimum (保底) that binds, with the rate-based clauses it tops up (cutting their rates is
//!   worth nothing while the floor binds); a scale whose tier moves the rebate (the tier the plan
//!   reaches, P(each tier)); a cap that binds;
//! * **where the risk comes from** ([`ContractRisk`]) — per clause P(binds), expected cost, and
//!   its share of the bad tail: the clause's mean over the worst 5% of scenarios of the
//!   contract's own net contribution (the CVaR 95% tail).
//!
//! **The tail allocation (Euler allocation of CVaR).** Let T be the ⌈5% · n⌉ scenarios with the
//! lowest net contribution (ties broken by scenario index). Net contribution is a sum of
//! components, NC = NI − Σ clauses − COGS − F (net invoiced, each clause's fees, cost of goods,
//! financing), so its tail mean splits exactly into the components' tail means:
//! CVaR₉₅(NC) = E[NI | T] − Σ_c E[c | T] − E[COGS | T] − E[F | T]. Kept as sums of cents over T,
//! the identity is exact: Σ_c S_c = S_fees and S_NI − S_fees − S_COGS − S_F = S_NC, with
//! CVaR₉₅ = S_NC ÷ |T| rounded to the cent ([`TailTotals::holds`] checks both).

use kasim_core::fees::FeeKind;
use kasim_core::settle::RuleCapture;
use kasim_core::settle::capture::{CAP, FLOOR, tier_of};
use kasim_core::{Compiled, Contract, Settlement};
use kasim_montecarlo::report::{Comparison, Simulation};
use kasim_montecarlo::{ClauseResults, Model, Results, RunConfig, Summary};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::Error;
use crate::plan::{NegotiationPlan, PlanOptions};

/// The JSON schema of the brief.
pub const SCHEMA: &str = "kasim.brief/1";

/// A floor or cap is an interaction worth showing when it binds in the plan or in more than
/// this share of scenarios.
pub const BINDS_SHARE: f64 = 0.05;

/// The id of the pseudo-clause for fees the payment terms book (early-payment discounts).
pub const PAYMENT_TERMS: &str = "payment-terms";

/// What a contract is in the brief.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Last year's contract (the reference).
    Base,
    /// The buyer's draft.
    Draft,
    /// A counter-offer.
    Counter,
}

/// One input contract: what the brief needs of it.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The file name shown.
    pub file: &'a str,
    /// The contract.
    pub contract: &'a Contract,
}

/// Plan-settlement totals of a contract (its own sales plan, no uncertainty), exact.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanTotals {
    /// Net invoiced sales.
    pub net_invoiced: Decimal,
    /// Fees total (financing excluded).
    pub fees_total: Decimal,
    /// Cost of goods.
    pub cost_of_goods: Decimal,
    /// Financing cost of the payment terms.
    pub financing: Decimal,
    /// Net contribution.
    pub net_contribution: Decimal,
    /// Fees ÷ net invoiced sales (absent without sales).
    pub fee_ratio: Option<Decimal>,
}

/// One contract of the brief.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BriefContract {
    /// Base, draft or counter.
    pub role: Role,
    /// The file.
    pub file: String,
    /// Contract name.
    pub contract: String,
    /// The plan settlement's totals.
    pub plan: PlanTotals,
    /// The simulated distribution of every output (mean, percentiles, VaR/CVaR 95%, P(loss)).
    pub simulation: Simulation,
    /// The plan settlement with its ledger (the ledger sections).
    pub settlement: Settlement,
    /// The contract itself (not in the JSON: the file is).
    #[serde(skip)]
    pub source: Contract,
}

/// A clause's figures in one contract.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClauseAmounts {
    /// Booked on the plan, exact.
    pub plan: Decimal,
    /// Simulated mean.
    pub mean: Decimal,
    /// Simulated 10th percentile.
    pub p10: Decimal,
    /// Simulated 90th percentile.
    pub p90: Decimal,
}

/// How a clause changed from BASE to DRAFT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In both, same plan amount.
    Unchanged,
    /// In both, another plan amount.
    Changed,
    /// In DRAFT only.
    Added,
    /// In BASE only.
    Removed,
    /// In neither BASE nor DRAFT (a counter-offer's own clause).
    Other,
}

/// One fee clause across contracts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClauseRow {
    /// Rank by |change of the plan amount| (1 = the largest; ties by |change of the mean|, then
    /// id).
    pub rank: usize,
    /// The rule id that matches the clause across contracts.
    pub id: String,
    /// Fee kind.
    pub kind: FeeKind,
    /// Rule type as written in files (`tiered_rebate`, …).
    pub rule: String,
    /// English label.
    pub label: String,
    /// Chinese label.
    pub label_zh: String,
    /// How it changed from BASE to DRAFT.
    pub status: Status,
    /// Per contract, in brief order: its figures, absent when the contract lacks the clause.
    pub amounts: Vec<Option<ClauseAmounts>>,
    /// DRAFT − BASE on the plan (a missing clause counts 0).
    pub change_plan: Decimal,
    /// DRAFT − BASE of the simulated mean.
    pub change_mean: Decimal,
    /// Share of the total plan fee increase (change ÷ Σ changes, 4 decimals; absent when the
    /// total does not change).
    pub share_of_increase: Option<Decimal>,
    /// DRAFT − BASE of the clause's mean over each contract's own bad tail (E[clause | tail]):
    /// how much more the clause costs in the bad years.
    pub tail_change: Decimal,
}

/// What a KA manager reads first: DRAFT against BASE.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Headline {
    /// Fees on the plan, DRAFT − BASE.
    pub fees_plan_change: Decimal,
    /// Mean simulated fees, DRAFT − BASE.
    pub fees_mean_change: Decimal,
    /// Net contribution on the plan, DRAFT − BASE.
    pub net_contribution_plan_change: Decimal,
    /// Mean simulated net contribution, DRAFT − BASE.
    pub net_contribution_mean_change: Decimal,
    /// VaR 95% (P5) of net contribution, DRAFT − BASE.
    pub var95_change: Decimal,
    /// CVaR 95% of net contribution, DRAFT − BASE.
    pub cvar95_change: Decimal,
    /// Share of scenarios where DRAFT's net contribution is below BASE's.
    pub p_draft_below_base: f64,
}

/// What kind of interaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    /// A guaranteed minimum (保底) and the rate-based clauses it covers.
    Floor,
    /// A scale (tiered or growth rebate): the tier reached moves the rebate.
    Tier,
    /// A cap that limits a clause.
    Cap,
}

/// An interaction in one contract.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InteractionStat {
    /// It binds on the plan (floor: a top-up; cap: the cap limits; tier: a tier is reached).
    pub binds_in_plan: bool,
    /// Share of scenarios where it binds (tier: where the tier differs from the plan's).
    pub p_binds: f64,
    /// Tier reached on the plan (1-based; 0 = none), for scales.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_tier: Option<usize>,
    /// P(tier t reached) for t = 0 (none), 1, …, for scales.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tier_probabilities: Vec<f64>,
    /// Plan amount of the clause plus the clauses it covers (floor), exact.
    pub plan_total: Decimal,
}

/// Clauses to read together.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Interaction {
    /// Floor, tier or cap.
    pub kind: InteractionKind,
    /// The binding clause (the floor, the scale, the capped clause).
    pub clause: String,
    /// The clauses it acts on (a floor's covered clauses; empty otherwise).
    pub members: Vec<String>,
    /// Per contract, in brief order (absent when the contract lacks the clause).
    pub contracts: Vec<Option<InteractionStat>>,
}

/// A clause's share of a contract's risk.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClauseRisk {
    /// Clause id.
    pub id: String,
    /// P(the clause binds or fires), for conditional clauses: floors (top-up > 0), caps (the
    /// cap limits), scales (tier reached ≠ the plan's), penalties, margin guarantees, target
    /// rebates, price matching (amount ≠ 0). Absent for unconditional clauses.
    pub p_binds: Option<f64>,
    /// Expected cost (simulated mean).
    pub expected: Decimal,
    /// Σ over the tail scenarios, exact.
    pub tail_sum: Decimal,
    /// E[clause | tail] (tail sum ÷ tail scenarios, to the cent).
    pub tail_mean: Decimal,
    /// Tail mean − mean: what the bad years add.
    pub tail_excess: Decimal,
    /// Share of the tail's total fees (tail sum ÷ tail fees, 4 decimals; absent without fees).
    pub tail_share: Option<Decimal>,
}

/// Sums over the tail scenarios (exact) and the CVaR they give.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TailTotals {
    /// Scenarios in the tail: ⌈5% · n⌉.
    pub scenarios: usize,
    /// Σ net contribution.
    pub net_contribution: Decimal,
    /// Σ net invoiced sales.
    pub net_invoiced: Decimal,
    /// Σ fees.
    pub fees: Decimal,
    /// Σ cost of goods.
    pub cost_of_goods: Decimal,
    /// Σ financing.
    pub financing: Decimal,
    /// CVaR 95% of net contribution: Σ net contribution ÷ scenarios, to the cent.
    pub cvar95: Decimal,
}

impl TailTotals {
    /// The allocation identity: net invoiced − fees − cost of goods − financing = net
    /// contribution over the tail, exactly (and the clause sums add up to `fees`: see
    /// [`ContractRisk::holds`]).
    pub fn holds(&self) -> bool {
        self.net_invoiced - self.fees - self.cost_of_goods - self.financing == self.net_contribution
    }
}

/// Where one contract's risk comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContractRisk {
    /// Contract name.
    pub contract: String,
    /// The tail's sums.
    pub tail: TailTotals,
    /// Per clause of the contract (contract order, then the payment terms' fees when any).
    pub clauses: Vec<ClauseRisk>,
}

impl ContractRisk {
    /// The identity of the allocation: the clauses' tail sums add up to the tail's fees, and
    /// [`TailTotals::holds`].
    pub fn holds(&self) -> bool {
        self.clauses.iter().map(|c| c.tail_sum).sum::<Decimal>() == self.tail.fees && self.tail.holds()
    }
}

/// One scenario: net contribution and fees of every contract (the Scenarios table).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScenarioRow {
    /// Scenario index (replay it with `kasim replay FILE --seed S --scenario K`).
    pub index: u64,
    /// Net contribution per contract.
    pub net_contribution: Vec<Decimal>,
    /// Fees total per contract.
    pub fees_total: Vec<Decimal>,
}

/// A give-get clause (有条件费用, `fees/condition.rs`) of one contract: a fee conditioned on
/// the retailer's performance (the flyer ran, the display was in place, the goods sold
/// through), or one that could be, valued against the same clause without (or with) the
/// condition on the same scenarios.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GiveGet {
    /// The contract's index in brief order (0 = BASE, 1 = DRAFT, …).
    pub contract: usize,
    /// Base, draft or counter.
    pub role: Role,
    /// The clause's rule id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Chinese label.
    pub label_zh: String,
    /// The condition: as the contract writes it, or (when `conditioned` is false) the one
    /// proposed (`flyer_ran` on a DM fee, `facings_delivered` pro rata on a display fee).
    pub condition: kasim_core::fees::Condition,
    /// The condition in words, English.
    pub condition_en: String,
    /// The condition in words, Chinese.
    pub condition_zh: String,
    /// True when the contract has the condition; false for a proposal.
    pub conditioned: bool,
    /// Share of scenarios in which the condition held in full over the year (the conditioned
    /// clause charged what the unconditional one does).
    pub p_met: f64,
    /// Expected charge with the condition (simulated mean).
    pub expected: Decimal,
    /// Expected charge without the condition, on the same scenarios.
    pub unconditional: Decimal,
    /// What the give-get saves the supplier in expectation: unconditional − expected.
    pub saving: Decimal,
    /// On the plan, with the condition (the plan's stated performance), exact.
    pub plan: Decimal,
    /// On the plan, without the condition, exact.
    pub plan_unconditional: Decimal,
}

/// A line of negotiation advice about a give-get condition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GiveGetAdvice {
    /// The clause.
    pub id: String,
    /// The expected saving the advice is worth.
    pub saving: Decimal,
    /// What to say, English.
    pub en: String,
    /// What to say, Chinese.
    pub zh: String,
}

/// One promotion's cost across the KA channel in one portfolio (means over the scenarios).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PromotionCosts {
    /// The promotion price.
    pub promo_price: Decimal,
    /// Own price investment at the chain: units sold × (shelf − promotion price).
    pub own_cost: Decimal,
    /// Price-match funding it triggers at the other chains (最低价).
    pub cascade_cost: Decimal,
    /// Share of scenarios in which it triggered a claim.
    pub p_claim: f64,
}

/// One promotion (a promoted SKU-period with a promotion price) of the member chain, with
/// BASE and with DRAFT in its place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelPromotion {
    /// The SKU.
    pub sku: String,
    /// The period (1-based).
    pub period: usize,
    /// With BASE (absent: BASE does not run it).
    pub base: Option<PromotionCosts>,
    /// With DRAFT (absent: DRAFT does not run it).
    pub draft: Option<PromotionCosts>,
}

/// The KA channel with one contract in the member's place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelSide {
    /// The channel's total net contribution (mean, percentiles, VaR/CVaR 95%, P(loss)).
    pub net_contribution: Summary,
    /// The channel's mean fee spend.
    pub fees_mean: Decimal,
    /// The member chain's mean net contribution.
    pub member_net_contribution: Decimal,
    /// The other chains' mean net contribution (Σ over them, exact to the cent).
    pub others_net_contribution: Decimal,
    /// The member's promotions (promoted SKU-periods with a promotion price).
    pub promotions: usize,
    /// Σ of their own price investment (means).
    pub own_cost: Decimal,
    /// Σ of the price-match funding they trigger at the other chains (means).
    pub cascade_cost: Decimal,
    /// Mean price-match funding the member pays for the other chains' promotions.
    pub claims_paid: Decimal,
}

/// The figures of [`ChannelSide`] not in [`PortfolioView`] itself, DRAFT − BASE.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelChanges {
    /// Channel VaR 95% (P5).
    pub var95: Decimal,
    /// Channel mean fee spend.
    pub fees_mean: Decimal,
    /// The member chain's mean net contribution.
    pub member_net_contribution: Decimal,
    /// The member's promotions' own price investment.
    pub own_cost: Decimal,
    /// The price-match funding they trigger elsewhere.
    pub cascade_cost: Decimal,
    /// The claims the member pays for the others' promotions.
    pub claims_paid: Decimal,
    /// The number of the member's promotions.
    pub promotions: i64,
}

/// "Across the KA channel / 渠道视角": DRAFT's promotions' cost across a portfolio, and the
/// channel's net contribution and CVaR with BASE and with DRAFT in the member's place, on
/// common scenarios (the same seed, the member's same id: every chain draws the same years).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PortfolioView {
    /// The portfolio's name.
    pub portfolio: String,
    /// The portfolio file.
    pub file: String,
    /// The member whose contract BASE and DRAFT are.
    pub member: String,
    /// Scenarios.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// The channel with BASE.
    pub base: ChannelSide,
    /// The channel with DRAFT.
    pub draft: ChannelSide,
    /// Channel mean net contribution, DRAFT − BASE.
    pub net_contribution_change: Decimal,
    /// Channel CVaR 95%, DRAFT − BASE.
    pub cvar95_change: Decimal,
    /// The other chains' mean net contribution, DRAFT − BASE (the cascade's reach).
    pub others_change: Decimal,
    /// Every other figure of [`ChannelSide`], DRAFT − BASE.
    pub changes: ChannelChanges,
    /// Share of scenarios in which the channel earns less with DRAFT than with BASE.
    pub p_draft_below_base: f64,
    /// The member's promotions, BASE and DRAFT, in (period, SKU) order.
    pub promotions: Vec<ChannelPromotion>,
    /// The sentence a KA manager uses, English.
    pub en: String,
    /// The sentence, Chinese.
    pub zh: String,
}

/// `kasim brief`: see the [module docs](self).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BriefReport {
    /// Scenarios run.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Currency of DRAFT.
    pub currency: String,
    /// BASE, DRAFT, then the counter-offers.
    pub contracts: Vec<BriefContract>,
    /// Net contribution of every contract on the same scenarios: differences, P(A beats B).
    pub comparison: Comparison,
    /// The clauses, ranked.
    pub clauses: Vec<ClauseRow>,
    /// DRAFT against BASE in a few figures.
    pub headline: Headline,
    /// Σ fees DRAFT − BASE on the plan.
    pub fee_increase_plan: Decimal,
    /// Σ fees DRAFT − BASE of the simulated means.
    pub fee_increase_mean: Decimal,
    /// Clauses to read together.
    pub interactions: Vec<Interaction>,
    /// Per contract (brief order): where its risk comes from.
    pub risk: Vec<ContractRisk>,
    /// Every scenario's net contribution and fees per contract.
    pub scenarios: Vec<ScenarioRow>,
    /// DRAFT's clauses that published rules restrict, under the jurisdictions it declares
    /// ([`kasim_core::compliance::check`]; empty when it declares none).
    pub compliance: Vec<kasim_core::compliance::Flag>,
    /// The jurisdictions DRAFT is checked against.
    pub jurisdictions: Vec<kasim_core::compliance::Jurisdiction>,
    /// The negotiation plan on DRAFT's `[negotiation]`: the counter-offer (also simulated above,
    /// as the last contract), concessions and trades, the strategy, the cost of stalling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiation: Option<NegotiationPlan>,
    /// DRAFT's tornado: net contribution with each uncertain input at its P10/P90 and each
    /// negotiated term at its range ends ([`BriefOptions::tornado_runs`] scenarios per variant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tornado: Option<kasim_montecarlo::report::Sensitivity>,
    /// Give-get clauses (有条件费用) of BASE and DRAFT, and the DM and display fees the
    /// contract's own performance draws would let it condition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub give_get: Vec<GiveGet>,
    /// What to ask for or keep about the give-get conditions (against DRAFT).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub give_get_advice: Vec<GiveGetAdvice>,
    /// Across the KA channel (渠道视角), with `kasim brief --portfolio FILE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portfolio: Option<PortfolioView>,
    /// Over the years (多年视角), with `kasim brief --portfolio FILE` of a portfolio with
    /// `[multi_year]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_year: Option<MultiYearView>,
}

/// What [`BriefReport::prepare`] adds to the clause analysis.
#[derive(Clone, Debug)]
pub struct BriefOptions {
    /// The negotiation plan (and its counter-offer, simulated with the others) when DRAFT has a
    /// `[negotiation]` section; `None` leaves it out.
    pub plan: Option<PlanOptions>,
    /// Scenarios per variant of DRAFT's tornado; 0 leaves it out. Default 1,000: the tornado
    /// ranks inputs, and its bars move by well under their width at that size.
    pub tornado_runs: u64,
}

impl Default for BriefOptions {
    fn default() -> Self {
        BriefOptions { plan: Some(PlanOptions::default()), tornado_runs: 1_000 }
    }
}

/// The name the advised counter-offer goes by in a brief.
pub const ADVISED_COUNTER: &str = "advised counter-offer (kasim advise)";

/// Cents to an exact decimal.
fn money(cents: i128) -> Decimal {
    Decimal::from_i128_with_scale(cents, 2)
}

/// `sum ÷ n` to the cent, half away from zero (as [`Summary`]'s means).
fn mean(sum: i128, n: usize) -> Decimal {
    if n == 0 {
        return Decimal::ZERO.round_dp(2);
    }
    let mut d = (money(sum) / Decimal::from(n)).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    d.rescale(2);
    d
}

/// `a ÷ b` to 4 decimals (a share), absent when `b` is zero.
fn share(a: Decimal, b: Decimal) -> Option<Decimal> {
    (!b.is_zero()).then(|| (a / b).round_dp(4))
}

/// Rule types whose amount depends on whether a condition holds.
fn conditional(tag: &str) -> bool {
    matches!(
        tag,
        "guaranteed_minimum"
            | "tiered_rebate"
            | "growth_rebate"
            | "target_rebate"
            | "stockout_penalty"
            | "margin_guarantee"
            | "price_match"
    )
}

/// The scenarios of the CVaR 95% tail: the ⌈5% · n⌉ lowest net contributions, ties by index.
pub fn tail(results: &ClauseResults) -> Vec<usize> {
    let n = results.len();
    let m = n.div_ceil(20);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by_key(|&k| (results.rows[k].net_contribution, k));
    order.truncate(m);
    order
}

/// What one contract's run and plan give the brief.
struct Prepared<'a> {
    input: Input<'a>,
    results: ClauseResults,
    /// Plan amount per slot (rules, payment terms, financing), exact.
    plan: Vec<Decimal>,
    /// Plan state per rule.
    plan_states: Vec<u8>,
    settlement: Settlement,
}

impl Prepared<'_> {
    /// Slot of clause `id` (the payment-terms pseudo-clause is the slot after the rules).
    fn slot(&self, id: &str) -> Option<usize> {
        if id == PAYMENT_TERMS {
            return Some(self.results.ids.len());
        }
        self.results.ids.iter().position(|x| x == id)
    }

    fn has(&self, id: &str) -> bool {
        if id == PAYMENT_TERMS {
            return self.pays_terms();
        }
        self.slot(id).is_some()
    }

    /// True when the payment terms book fees (an early-payment discount) anywhere.
    fn pays_terms(&self) -> bool {
        let s = self.results.ids.len();
        !self.plan[s].is_zero() || (0..self.results.len()).any(|k| self.results.cents_of(k, s) != 0)
    }

    fn amounts(&self, slot: usize) -> ClauseAmounts {
        let col = self.results.column(slot);
        let s = Summary::of_cents(&col);
        let p = |q: u32| s.percentiles.iter().find(|x| x.0 == q).map_or(Decimal::ZERO, |x| x.1);
        ClauseAmounts { plan: self.plan[slot], mean: s.mean, p10: p(10), p90: p(90) }
    }

    /// Share of scenarios whose state of rule `i` satisfies `f`.
    fn p_state(&self, i: usize, f: impl Fn(u8) -> bool) -> f64 {
        let n = self.results.len();
        let hits = (0..n).filter(|&k| f(self.results.state(k, i))).count();
        hits as f64 / n.max(1) as f64
    }
}

impl BriefReport {
    /// The whole brief: [`BriefReport::new`] on BASE, DRAFT, the given counters and — when DRAFT
    /// has a `[negotiation]` and `options.plan` is set — the advised counter-offer of the
    /// negotiation plan, all on the same scenarios; then DRAFT's compliance flags, the plan and
    /// DRAFT's tornado.
    ///
    /// # Errors
    ///
    /// As [`BriefReport::new`]; the negotiation set-up's and plan's errors
    /// ([`crate::contract::setup`], [`NegotiationPlan::new`]); the tornado's.
    pub fn prepare(inputs: &[Input<'_>], cfg: &RunConfig, options: &BriefOptions) -> Result<BriefReport, Error> {
        let Some(draft) = inputs.get(1).map(|i| i.contract) else {
            return BriefReport::new(inputs, cfg);
        };
        let plan = match (&options.plan, &draft.negotiation) {
            (Some(plan_options), Some(_)) => {
                let setup = crate::contract::setup(draft)?;
                Some(NegotiationPlan::new(draft, &setup, plan_options)?)
            }
            _ => None,
        };
        let counter = plan
            .as_ref()
            .map(|p| {
                p.counter_contract(draft).map(|mut c| {
                    c.name = format!("{} — counter-offer", draft.name);
                    c
                })
            })
            .transpose()?;
        let mut all = inputs.to_vec();
        if let Some(c) = &counter {
            all.push(Input { file: ADVISED_COUNTER, contract: c });
        }
        let mut report = BriefReport::new(&all, cfg)?;
        report.compliance = kasim_core::compliance::check(draft);
        report.jurisdictions = draft.jurisdiction.clone();
        report.negotiation = plan;
        if options.tornado_runs > 0 {
            let tcfg = RunConfig { runs: options.tornado_runs, tolerance: None, ..*cfg };
            let stat = kasim_montecarlo::analysis::Stat::Mean;
            report.tornado = Some(kasim_montecarlo::report::Sensitivity::run(draft, &tcfg, stat)?);
        }
        Ok(report)
    }

    /// Runs the brief: every contract simulated over the same `cfg.runs` scenarios and settled
    /// on its plan. `inputs[0]` is BASE, `inputs[1]` DRAFT, the rest counter-offers.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] when a contract does not compile or its plan does not settle;
    /// [`Error::Simulation`] when a contract has nothing uncertain, cannot be sampled, a
    /// scenario fails, or the results would not fit in `cfg.max_memory`.
    ///
    /// The clause analysis only: no compliance flags, negotiation plan or tornado (see
    /// [`BriefReport::prepare`]).
    ///
    /// With fewer than two inputs (the CLI always gives BASE and DRAFT) the changes are zero.
    pub fn new(inputs: &[Input<'_>], cfg: &RunConfig) -> Result<BriefReport, Error> {
        for i in inputs {
            kasim_montecarlo::report::require_uncertainty(i.contract)?;
        }
        let compiled = inputs.iter().map(|i| Compiled::new(i.contract)).collect::<Result<Vec<_>, _>>()?;
        let models = compiled.iter().map(Model::new).collect::<Result<Vec<_>, _>>()?;
        let results = kasim_montecarlo::run_clauses(&models, cfg)?;
        let mut prepared = Vec::new();
        for ((input, m), results) in inputs.iter().zip(&compiled).zip(results) {
            let mut cap = RuleCapture::new(input.contract);
            let mut scratch = kasim_core::settle::Scratch::default();
            m.settle_rules(m.plan_outcome(), &mut cap, &mut scratch)?;
            let d = cap.decimals();
            let plan = cap.amounts.iter().map(|&u| Decimal::from_i128_with_scale(u, d)).collect();
            let settlement = m.settle(m.plan_outcome())?;
            prepared.push(Prepared { input: *input, results, plan, plan_states: cap.states.clone(), settlement });
        }
        let give_get = give_gets(&prepared, cfg)?;
        let mut report = Self::build(prepared, cfg);
        report.give_get_advice = give_get_advice(&give_get, &report);
        report.give_get = give_get;
        Ok(report)
    }

    fn build(prepared: Vec<Prepared<'_>>, cfg: &RunConfig) -> BriefReport {
        let runs = prepared.first().map_or(0, |p| p.results.len() as u64);
        let files: Vec<String> = prepared.iter().map(|p| p.input.file.to_string()).collect();
        let contracts_in: Vec<Contract> = prepared.iter().map(|p| p.input.contract.clone()).collect();
        let rows: Vec<Results> = prepared.iter().map(|p| Results { rows: p.results.rows.clone() }).collect();
        let comparison = Comparison::new(&files, &contracts_in, cfg, &rows);
        let contracts: Vec<BriefContract> = prepared
            .iter()
            .enumerate()
            .zip(&rows)
            .map(|((i, p), r)| {
                let s = &p.settlement.pnl;
                BriefContract {
                    role: match i {
                        0 => Role::Base,
                        1 => Role::Draft,
                        _ => Role::Counter,
                    },
                    file: p.input.file.to_string(),
                    contract: p.input.contract.name.clone(),
                    plan: PlanTotals {
                        net_invoiced: s.net_invoiced_sales,
                        fees_total: s.fees_total,
                        cost_of_goods: s.cost_of_goods,
                        financing: s.financing_cost,
                        net_contribution: s.net_contribution,
                        fee_ratio: s.effective_fee_ratio,
                    },
                    simulation: Simulation::new(p.input.file, p.input.contract, cfg, r, None),
                    settlement: p.settlement.clone(),
                    source: p.input.contract.clone(),
                }
            })
            .collect();
        let clauses = clause_rows(&prepared);
        let fee_increase_plan = clauses.iter().map(|c| c.change_plan).sum();
        let fee_increase_mean = clauses.iter().map(|c| c.change_mean).sum();
        let interactions = interactions(&prepared);
        let risk: Vec<ContractRisk> = prepared.iter().map(risk_of).collect();
        let mut clauses = clauses;
        let tail_mean = |i: usize, id: &str| {
            risk.get(i).and_then(|r| r.clauses.iter().find(|c| c.id == id)).map_or(Decimal::ZERO, |c| c.tail_mean)
        };
        for c in &mut clauses {
            c.tail_change = tail_mean(1, &c.id) - tail_mean(0, &c.id);
        }
        let headline = headline(&contracts, &prepared);
        let scenarios = (0..runs as usize)
            .map(|k| ScenarioRow {
                index: k as u64,
                net_contribution: prepared.iter().map(|p| money(p.results.rows[k].net_contribution.into())).collect(),
                fees_total: prepared.iter().map(|p| money(p.results.rows[k].fees_total.into())).collect(),
            })
            .collect();
        BriefReport {
            runs,
            seed: cfg.seed,
            currency: prepared
                .get(1)
                .or(prepared.first())
                .map_or_else(String::new, |p| p.input.contract.currency.clone()),
            contracts,
            comparison,
            clauses,
            headline,
            fee_increase_plan,
            fee_increase_mean,
            interactions,
            risk,
            scenarios,
            compliance: Vec::new(),
            jurisdictions: Vec::new(),
            negotiation: None,
            tornado: None,
            give_get: Vec::new(),
            give_get_advice: Vec::new(),
            portfolio: None,
            multi_year: None,
        }
    }

    /// The clause `id`'s row.
    pub fn clause(&self, id: &str) -> Option<&ClauseRow> {
        self.clauses.iter().find(|c| c.id == id)
    }
}

fn headline(contracts: &[BriefContract], prepared: &[Prepared<'_>]) -> Headline {
    let (Some(b), Some(d)) = (contracts.first(), contracts.get(1)) else {
        let z = Decimal::ZERO;
        return Headline {
            fees_plan_change: z,
            fees_mean_change: z,
            net_contribution_plan_change: z,
            net_contribution_mean_change: z,
            var95_change: z,
            cvar95_change: z,
            p_draft_below_base: 0.0,
        };
    };
    let nc = |c: &BriefContract| c.simulation.outputs[0].summary.clone();
    let fees = |c: &BriefContract| c.simulation.outputs[1].summary.mean;
    let (nb, nd) = (nc(b), nc(d));
    let (rb, rd) = (&prepared[0].results.rows, &prepared[1].results.rows);
    let below = rb.iter().zip(rd).filter(|(x, y)| y.net_contribution < x.net_contribution).count();
    Headline {
        fees_plan_change: d.plan.fees_total - b.plan.fees_total,
        fees_mean_change: fees(d) - fees(b),
        net_contribution_plan_change: d.plan.net_contribution - b.plan.net_contribution,
        net_contribution_mean_change: nd.mean - nb.mean,
        var95_change: nd.var95 - nb.var95,
        cvar95_change: nd.cvar95 - nb.cvar95,
        p_draft_below_base: below as f64 / rb.len().max(1) as f64,
    }
}

/// The union of clause ids, in order of first appearance (BASE's, then DRAFT's new ones, …),
/// with the payment-terms pseudo-clause last when any contract books such fees.
fn clause_ids(prepared: &[Prepared<'_>]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for p in prepared {
        for id in &p.results.ids {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    if prepared.iter().any(Prepared::pays_terms) {
        ids.push(PAYMENT_TERMS.to_string());
    }
    ids
}

fn clause_rows(prepared: &[Prepared<'_>]) -> Vec<ClauseRow> {
    let mut rows: Vec<ClauseRow> = clause_ids(prepared)
        .into_iter()
        .map(|id| {
            // Labels and kind from the last contract that has the clause (DRAFT's wording wins
            // over BASE's).
            let rule = prepared
                .iter()
                .take(2)
                .rev()
                .chain(prepared.iter().skip(2))
                .find_map(|p| p.input.contract.fees.iter().find(|f| f.id == id));
            let (kind, tag, label, label_zh) = match rule {
                Some(f) => (f.kind(), f.tag().to_string(), f.label().to_string(), f.label_zh().to_string()),
                None => (
                    FeeKind::EarlyPaymentDiscount,
                    "payment_terms".to_string(),
                    FeeKind::EarlyPaymentDiscount.english().to_string(),
                    FeeKind::EarlyPaymentDiscount.chinese().to_string(),
                ),
            };
            let amounts: Vec<Option<ClauseAmounts>> =
                prepared.iter().map(|p| p.slot(&id).filter(|_| p.has(&id)).map(|s| p.amounts(s))).collect();
            let get = |i: usize, f: fn(&ClauseAmounts) -> Decimal| {
                amounts.get(i).and_then(|a| a.as_ref()).map_or(Decimal::ZERO, f)
            };
            let change_plan = get(1, |a| a.plan) - get(0, |a| a.plan);
            let change_mean = get(1, |a| a.mean) - get(0, |a| a.mean);
            let in_base = amounts.first().is_some_and(Option::is_some);
            let in_draft = amounts.get(1).is_some_and(Option::is_some);
            let status = match (in_base, in_draft) {
                (true, true) if change_plan.is_zero() => Status::Unchanged,
                (true, true) => Status::Changed,
                (false, true) => Status::Added,
                (true, false) => Status::Removed,
                (false, false) => Status::Other,
            };
            ClauseRow {
                rank: 0,
                id,
                kind,
                rule: tag,
                label,
                label_zh,
                status,
                amounts,
                change_plan,
                change_mean,
                share_of_increase: None,
                tail_change: Decimal::ZERO,
            }
        })
        .collect();
    rank(&mut rows);
    rows
}

/// Ranks clauses by |plan change|, then |mean change|, then id; sets each one's share of the
/// total plan increase.
fn rank(rows: &mut [ClauseRow]) {
    let total: Decimal = rows.iter().map(|r| r.change_plan).sum();
    rows.sort_by(|a, b| {
        b.change_plan
            .abs()
            .cmp(&a.change_plan.abs())
            .then(b.change_mean.abs().cmp(&a.change_mean.abs()))
            .then(a.id.cmp(&b.id))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
        r.share_of_increase = share(r.change_plan, total);
    }
}

fn interactions(prepared: &[Prepared<'_>]) -> Vec<Interaction> {
    let mut out = Vec::new();
    for id in clause_ids(prepared) {
        let rule = prepared.iter().find_map(|p| p.input.contract.fees.iter().find(|f| f.id == id));
        let Some(rule) = rule else { continue };
        let floor = rule.tag() == "guaranteed_minimum";
        let scale = matches!(rule.tag(), "tiered_rebate" | "growth_rebate");
        let stat = |p: &Prepared<'_>, kind: InteractionKind| -> Option<InteractionStat> {
            let i = p.slot(&id)?;
            let f = &p.input.contract.fees[i];
            let plan_state = p.plan_states[i];
            let members: Vec<usize> = f.rule.covers().iter().filter_map(|c| p.slot(c)).collect();
            let plan_total = p.plan[i] + members.iter().map(|&m| p.plan[m]).sum::<Decimal>();
            Some(match kind {
                InteractionKind::Floor => InteractionStat {
                    binds_in_plan: plan_state & FLOOR != 0,
                    p_binds: p.p_state(i, |s| s & FLOOR != 0),
                    plan_tier: None,
                    tier_probabilities: Vec::new(),
                    plan_total,
                },
                InteractionKind::Cap => InteractionStat {
                    binds_in_plan: plan_state & CAP != 0,
                    p_binds: p.p_state(i, |s| s & CAP != 0),
                    plan_tier: None,
                    tier_probabilities: Vec::new(),
                    plan_total: p.plan[i],
                },
                InteractionKind::Tier => {
                    let tiers = f.rule.clone().tiers().map_or(0, |t| t.len());
                    let plan_tier = tier_of(plan_state).unwrap_or(0);
                    let probabilities = (0..=tiers).map(|t| p.p_state(i, |s| tier_of(s).unwrap_or(0) == t)).collect();
                    InteractionStat {
                        binds_in_plan: plan_tier > 0,
                        p_binds: p.p_state(i, |s| tier_of(s).unwrap_or(0) != plan_tier),
                        plan_tier: Some(plan_tier),
                        tier_probabilities: probabilities,
                        plan_total: p.plan[i],
                    }
                }
            })
        };
        let mut push = |kind: InteractionKind, members: Vec<String>| {
            let contracts: Vec<Option<InteractionStat>> = prepared.iter().map(|p| stat(p, kind)).collect();
            let binds = contracts
                .iter()
                .flatten()
                .any(|s| s.binds_in_plan || s.p_binds > BINDS_SHARE || kind == InteractionKind::Tier);
            if binds {
                out.push(Interaction { kind, clause: id.clone(), members, contracts });
            }
        };
        if floor {
            push(InteractionKind::Floor, rule.rule.covers().to_vec());
        }
        if scale {
            push(InteractionKind::Tier, Vec::new());
        }
        push(InteractionKind::Cap, Vec::new());
    }
    out
}

/// One run of a portfolio with `contract` in member `member`'s place: its report, the
/// channel totals per scenario, the member's promotions and the others' Σ net contribution.
fn channel_side(
    portfolio: &kasim_core::portfolio::Portfolio,
    member: usize,
    contract: &Contract,
    file: &str,
    cfg: &RunConfig,
) -> Result<(ChannelSide, Vec<i64>, Vec<kasim_montecarlo::portfolio::PromotionLine>), Error> {
    use kasim_montecarlo::portfolio::{PortfolioModel, PortfolioReport};
    let mut p = portfolio.clone();
    let m = &mut p.members[member];
    m.contract = contract.clone();
    m.file = std::path::PathBuf::from(file);
    m.retailer = contract.retailer.name.clone();
    let compiled = p.members.iter().map(|m| Compiled::new(&m.contract)).collect::<Result<Vec<_>, _>>()?;
    let model = PortfolioModel::new(&p, &compiled)?;
    let results = model.run(cfg)?;
    let report = PortfolioReport::new(&p, &model, &results, cfg);
    let n = results.len();
    let others: i128 = results
        .rows
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != member)
        .flat_map(|(_, r)| r.iter().map(|x| i128::from(x.net_contribution)))
        .sum();
    let id = &p.members[member].id;
    let lines: Vec<_> = model.promotion_lines(&results).into_iter().filter(|l| &l.chain == id).collect();
    let line = &report.retailers[member];
    let side = ChannelSide {
        net_contribution: report.net_contribution.clone(),
        fees_mean: report.fees.mean,
        member_net_contribution: line.net_contribution.mean,
        others_net_contribution: mean(others, n),
        promotions: lines.len(),
        own_cost: lines.iter().map(|l| l.own_cost).sum(),
        cascade_cost: lines.iter().map(|l| l.cascade_cost).sum(),
        claims_paid: line.cascade_paid,
    };
    Ok((side, results.total_net(), lines))
}

impl PortfolioView {
    /// The channel view of a brief: `portfolio` run twice on the same scenarios (`cfg`), with
    /// BASE and with DRAFT as member `member`'s contract (the member keeps its id, so its
    /// streams and every other chain's are the same in both runs).
    ///
    /// # Errors
    ///
    /// [`Error::Core`] when a contract does not compile; [`Error::Simulation`] for a
    /// calendar that differs from the portfolio's, a distribution that cannot be sampled or a
    /// failed scenario.
    pub fn new(
        portfolio: &kasim_core::portfolio::Portfolio,
        member: usize,
        base: Input<'_>,
        draft: Input<'_>,
        cfg: &RunConfig,
    ) -> Result<PortfolioView, Error> {
        let cfg = RunConfig { tolerance: None, ..*cfg };
        let (b, bt, bl) = channel_side(portfolio, member, base.contract, base.file, &cfg)?;
        let (d, dt, dl) = channel_side(portfolio, member, draft.contract, draft.file, &cfg)?;
        let below = bt.iter().zip(&dt).filter(|(x, y)| y < x).count();
        let costs = |l: &kasim_montecarlo::portfolio::PromotionLine| PromotionCosts {
            promo_price: l.promo_price,
            own_cost: l.own_cost,
            cascade_cost: l.cascade_cost,
            p_claim: l.p_claim,
        };
        let mut keys: Vec<(usize, String)> = bl.iter().chain(&dl).map(|l| (l.period, l.sku.clone())).collect();
        keys.sort();
        keys.dedup();
        let find = |v: &[kasim_montecarlo::portfolio::PromotionLine], k: &(usize, String)| {
            v.iter().find(|l| l.period == k.0 && l.sku == k.1).map(costs)
        };
        let promotions = keys
            .iter()
            .map(|k| ChannelPromotion { sku: k.1.clone(), period: k.0, base: find(&bl, k), draft: find(&dl, k) })
            .collect();
        let id = portfolio.members[member].id.clone();
        let cur = draft.contract.currency.as_str();
        let m = |x: Decimal| say_money(x, cur);
        let signed = |x: Decimal| if x.is_sign_negative() { format!("−{}", m(-x)) } else { format!("+{}", m(x)) };
        let net_change = d.net_contribution.mean - b.net_contribution.mean;
        let cvar_change = d.net_contribution.cvar95 - b.net_contribution.cvar95;
        let en = format!(
            "The draft's {} promotions at {id} cost {} at this chain and {} more in price-match claims at the other chains \
             (last year's {}: {} and {}); the channel's mean net contribution changes by {}, its CVaR 95% by {}.",
            d.promotions,
            m(d.own_cost),
            m(d.cascade_cost),
            b.promotions,
            m(b.own_cost),
            m(b.cascade_cost),
            signed(net_change),
            signed(cvar_change),
        );
        let zh = format!(
            "草案在 {id} 的 {} 个促销：本店让价 {}，另在其他零售商引发最低价补差 {}（去年 {} 个：{} 和 {}）；渠道平均净贡献变化 {}，CVaR 95% 变化 {}。",
            d.promotions,
            m(d.own_cost),
            m(d.cascade_cost),
            b.promotions,
            m(b.own_cost),
            m(b.cascade_cost),
            signed(net_change),
            signed(cvar_change),
        );
        Ok(PortfolioView {
            portfolio: portfolio.name.clone(),
            file: portfolio.file.display().to_string(),
            member: id,
            runs: cfg.runs,
            seed: cfg.seed,
            net_contribution_change: net_change,
            cvar95_change: cvar_change,
            others_change: d.others_net_contribution - b.others_net_contribution,
            changes: ChannelChanges {
                var95: d.net_contribution.var95 - b.net_contribution.var95,
                fees_mean: d.fees_mean - b.fees_mean,
                member_net_contribution: d.member_net_contribution - b.member_net_contribution,
                own_cost: d.own_cost - b.own_cost,
                cascade_cost: d.cascade_cost - b.cascade_cost,
                claims_paid: d.claims_paid - b.claims_paid,
                promotions: d.promotions as i64 - b.promotions as i64,
            },
            p_draft_below_base: below as f64 / bt.len().max(1) as f64,
            base: b,
            draft: d,
            promotions,
            en,
            zh,
        })
    }
}

/// One side (BASE's or DRAFT's chain) of one year in the brief's multi-year view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YearSide {
    /// Fees planned by the member's contract of this year (its chain record, `kasim evaluate`).
    pub planned_fees: Decimal,
    /// The member's mean fees over the scenarios.
    pub mean_fees: Decimal,
    /// The member's mean net contribution.
    pub member_net_contribution: Decimal,
    /// The channel's mean net contribution (all chains).
    pub channel_net_contribution: Decimal,
    /// The member's mean planned slots withheld (档期 lost).
    pub slots_lost: f64,
    /// The member's mean SKU lines delisted at year end (淘汰).
    pub delisted: f64,
    /// How the member's year was agreed (`as written`, `agreed`, …).
    pub ending: String,
}

/// One term of the member's contract in one year, in BASE's chain and in DRAFT's (the agreed
/// value; absent when that chain's year leaves the term as it was).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YearTerm {
    /// The year (1-based).
    pub year: u32,
    /// The term's path (`fees.floor.amount`, …).
    pub path: String,
    /// Agreed in BASE's chain.
    pub base: Option<Decimal>,
    /// Agreed in DRAFT's chain.
    pub draft: Option<Decimal>,
}

/// One year of the brief's multi-year view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ViewYear {
    /// The year (1-based).
    pub year: u32,
    /// With BASE's chain.
    pub base: YearSide,
    /// With DRAFT's chain.
    pub draft: YearSide,
    /// The member's planned fees, DRAFT − BASE.
    pub planned_fees_change: Decimal,
}

/// "Over the years / 多年视角": the portfolio's `[multi_year]` run with BASE and with DRAFT as
/// the member's year-1 contract, on common scenarios (same seed, same member id), each chain
/// renegotiated year by year from its own year 1 — what signing DRAFT commits the supplier to.
/// Every figure is that of `kasim portfolio` of the multi-year portfolio with BASE, or with
/// DRAFT, in the member's place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MultiYearView {
    /// The portfolio's name.
    pub portfolio: String,
    /// The member whose contract BASE and DRAFT are.
    pub member: String,
    /// Years.
    pub years: u32,
    /// Scenarios.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// The buyer's fee growth ask a year (`[multi_year.renegotiation] fee_growth`), if any.
    pub fee_growth: Option<Decimal>,
    /// Per year, BASE and DRAFT.
    pub per_year: Vec<ViewYear>,
    /// The member's terms the chains changed, per year.
    pub terms: Vec<YearTerm>,
    /// The channel's cumulative discounted contribution (净现值) with BASE.
    pub base_npv: Summary,
    /// With DRAFT.
    pub draft_npv: Summary,
    /// The member's cumulative discounted contribution, mean, with BASE.
    pub base_member_npv: Decimal,
    /// With DRAFT.
    pub draft_member_npv: Decimal,
    /// Σ over years of the member's planned fees, DRAFT − BASE.
    pub fees_change: Decimal,
    /// The part of it beyond year 1's difference repeated every year: Σ over years y ≥ 2 of
    /// (change in year y − change in year 1) — the buyer's yearly ask on the higher base.
    pub fees_change_from_growth: Decimal,
    /// The sentence a KA manager uses, English.
    pub en: String,
    /// The sentence, Chinese.
    pub zh: String,
}

/// The multi-year run of `portfolio` with `contract` in member `member`'s place, exactly as
/// `kasim portfolio` runs it.
fn multi_year_side(
    portfolio: &kasim_core::portfolio::Portfolio,
    spec: &kasim_core::multiyear::MultiYear,
    member: usize,
    contract: &Contract,
    file: &str,
    cfg: &RunConfig,
) -> Result<kasim_montecarlo::multiyear::MultiYearReport, Error> {
    use kasim_montecarlo::multiyear::{MultiYearModel, MultiYearReport};
    let mut p = portfolio.clone();
    let m = &mut p.members[member];
    m.contract = contract.clone();
    m.file = std::path::PathBuf::from(file);
    m.retailer = contract.retailer.name.clone();
    let (chain, records) = crate::renegotiate::portfolio_chain(&p, spec)?;
    let compiled = chain
        .iter()
        .map(|year| year.iter().map(Compiled::new).collect::<Result<Vec<_>, _>>())
        .collect::<Result<Vec<_>, _>>()?;
    let model = MultiYearModel::new(&p, spec, &compiled)?;
    let results = model.run(cfg)?;
    Ok(MultiYearReport::new(&p, &model, &results, cfg, records))
}

impl MultiYearView {
    /// The multi-year view of a brief: `portfolio`'s `[multi_year]` run (`spec`) twice on the
    /// same scenarios (`cfg`), with BASE and with DRAFT as member `member`'s year-1 contract.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] when a year's contract does not compile or evaluate; the
    /// renegotiation's errors; [`Error::Simulation`] for a calendar that differs from the
    /// portfolio's, a distribution that cannot be sampled or a failed scenario.
    pub fn new(
        portfolio: &kasim_core::portfolio::Portfolio,
        spec: &kasim_core::multiyear::MultiYear,
        member: usize,
        base: Input<'_>,
        draft: Input<'_>,
        cfg: &RunConfig,
    ) -> Result<MultiYearView, Error> {
        let cfg = RunConfig { tolerance: None, ..*cfg };
        let b = multi_year_side(portfolio, spec, member, base.contract, base.file, &cfg)?;
        let d = multi_year_side(portfolio, spec, member, draft.contract, draft.file, &cfg)?;
        let id = portfolio.members[member].id.clone();
        let side = |r: &kasim_montecarlo::multiyear::MultiYearReport, year: u32| {
            let line = r.years.iter().find(|l| l.year == year && l.id.as_deref() == Some(id.as_str()));
            let channel = r.years.iter().find(|l| l.year == year && l.id.is_none());
            let rec = r.chain.iter().find(|c| c.year == year && c.id == id);
            YearSide {
                planned_fees: rec.map_or(Decimal::ZERO, |c| c.planned_fees),
                mean_fees: line.map_or(Decimal::ZERO, |l| l.mean_fees),
                member_net_contribution: line.map_or(Decimal::ZERO, |l| l.mean_net_contribution),
                channel_net_contribution: channel.map_or(Decimal::ZERO, |l| l.mean_net_contribution),
                slots_lost: line.map_or(0.0, |l| l.slots_lost),
                delisted: line.map_or(0.0, |l| l.delisted),
                ending: rec.map_or_else(String::new, |c| c.ending.clone()),
            }
        };
        let per_year: Vec<ViewYear> = (1..=spec.years)
            .map(|y| {
                let (bs, ds) = (side(&b, y), side(&d, y));
                ViewYear { year: y, planned_fees_change: ds.planned_fees - bs.planned_fees, base: bs, draft: ds }
            })
            .collect();
        let mut terms = Vec::new();
        for y in 1..=spec.years {
            let rec = |r: &kasim_montecarlo::multiyear::MultiYearReport| {
                r.chain.iter().find(|c| c.year == y && c.id == id).map(|c| c.terms.clone()).unwrap_or_default()
            };
            let (bt, dt) = (rec(&b), rec(&d));
            let mut paths: Vec<String> = bt.iter().chain(&dt).map(|t| t.path.clone()).collect();
            paths.sort();
            paths.dedup();
            for path in paths {
                let find =
                    |v: &[kasim_montecarlo::multiyear::TermLine]| v.iter().find(|t| t.path == path).map(|t| t.agreed);
                terms.push(YearTerm { year: y, base: find(&bt), draft: find(&dt), path });
            }
        }
        let npv = |r: &kasim_montecarlo::multiyear::MultiYearReport, member: bool| {
            r.cumulative
                .iter()
                .find(|c| if member { c.id.as_deref() == Some(id.as_str()) } else { c.id.is_none() })
                .map_or_else(|| Summary::of_cents(&[0]), |c| c.npv.clone())
        };
        let base_npv = npv(&b, false);
        let draft_npv = npv(&d, false);
        let base_member_npv = npv(&b, true).mean;
        let draft_member_npv = npv(&d, true).mean;
        let fees_change: Decimal = per_year.iter().map(|y| y.planned_fees_change).sum();
        let first = per_year.first().map_or(Decimal::ZERO, |y| y.planned_fees_change);
        let fees_change_from_growth: Decimal = per_year.iter().skip(1).map(|y| y.planned_fees_change - first).sum();
        let fee_growth = spec.renegotiation.as_ref().map(|r| r.fee_growth.0);
        let cur = draft.contract.currency.as_str();
        let m = |x: Decimal| say_money(x, cur);
        let signed = |x: Decimal| if x.is_sign_negative() { format!("−{}", m(-x)) } else { format!("+{}", m(x)) };
        let more = |x: Decimal| if x.is_sign_negative() { format!("{} less", m(-x)) } else { format!("{} more", m(x)) };
        let more_zh =
            |x: Decimal| if x.is_sign_negative() { format!("少 {}", m(-x)) } else { format!("多 {}", m(x)) };
        let growth_en = match fee_growth {
            Some(g) => format!("the buyer's +{}% a year on the higher base", (g * Decimal::ONE_HUNDRED).normalize()),
            None => "the plan's growth on the higher base".to_string(),
        };
        let growth_zh = match fee_growth {
            Some(g) => format!("买方每年 +{}% 在更高基数上复利", (g * Decimal::ONE_HUNDRED).normalize()),
            None => "计划增长在更高基数上".to_string(),
        };
        let n = spec.years;
        let npv_change = draft_npv.mean - base_npv.mean;
        let cvar_change = draft_npv.cvar95 - base_npv.cvar95;
        let en = format!(
            "Over {n} years this draft costs {} in fees at {id}, {} of it from {growth_en}; the channel's cumulative \
             discounted contribution changes by {} (CVaR 95% by {}).",
            more(fees_change),
            m(fees_change_from_growth),
            signed(npv_change),
            signed(cvar_change),
        );
        let zh = format!(
            "{n} 年内，该草案在 {id} 的费用{}，其中 {} 来自{growth_zh}；渠道累计折现净贡献变化 {}（CVaR 95% 变化 {}）。",
            more_zh(fees_change),
            m(fees_change_from_growth),
            signed(npv_change),
            signed(cvar_change),
        );
        Ok(MultiYearView {
            portfolio: portfolio.name.clone(),
            member: id,
            years: n,
            runs: cfg.runs,
            seed: cfg.seed,
            fee_growth,
            per_year,
            terms,
            base_npv,
            draft_npv,
            base_member_npv,
            draft_member_npv,
            fees_change,
            fees_change_from_growth,
            en,
            zh,
        })
    }
}

/// Plan amounts per slot of a compiled contract, exact.
fn plan_amounts(contract: &Contract, m: &Compiled<'_>) -> Result<Vec<Decimal>, Error> {
    let mut cap = RuleCapture::new(contract);
    let mut scratch = kasim_core::settle::Scratch::default();
    m.settle_rules(m.plan_outcome(), &mut cap, &mut scratch)?;
    let d = cap.decimals();
    Ok(cap.amounts.iter().map(|&u| Decimal::from_i128_with_scale(u, d)).collect())
}

/// The condition in words (English, Chinese).
fn condition_words(c: &kasim_core::fees::Condition) -> (String, String) {
    use kasim_core::fees::Condition as C;
    let pct = |r: Decimal| format!("{}%", (r * Decimal::from(100)).normalize());
    match *c {
        C::FlyerRan => ("only if the flyer ran".into(), "档期执行才收费".into()),
        C::FacingsDelivered { pro_rata: true, .. } => {
            ("pro rata to the stores with the display in place".into(), "按陈列到位门店比例收费".into())
        }
        C::FacingsDelivered { pro_rata: false, min_share } => {
            let m = min_share.map_or_else(|| "100%".to_string(), |r| pct(r.0));
            (format!("only if the display is in place in ≥ {m} of stores"), format!("陈列到位率 ≥ {m} 才收费"))
        }
        C::SellThrough { threshold } => {
            let t = pct(threshold.0);
            (format!("only if sell-through reaches {t}"), format!("动销率达到 {t} 才返利"))
        }
    }
}

/// The give-get clauses of every contract: each conditioned clause against the same clause
/// without its condition, and each unconditioned DM or display fee (when the contract draws
/// the flyer run rate or display compliance) against the same fee conditioned — all on the
/// brief's scenarios (one run of each contract with every such clause flipped; the retailer's
/// performance draws are their own streams, so nothing else moves).
fn give_gets(prepared: &[Prepared<'_>], cfg: &RunConfig) -> Result<Vec<GiveGet>, Error> {
    use kasim_core::fees::Condition;
    let mut out = Vec::new();
    // BASE and DRAFT: a counter-offer is derived from DRAFT (its give-gets are DRAFT's).
    for (ci, p) in prepared.iter().enumerate().take(2) {
        let c = p.input.contract;
        let u = c.uncertainty.as_ref();
        let flyers = u.is_some_and(|u| u.flyer_run_rate.is_some());
        let displays = u.is_some_and(|u| u.display_compliance.is_some());
        let mut flipped = c.clone();
        let mut slots: Vec<(usize, Condition, bool)> = Vec::new();
        for (i, f) in flipped.fees.iter_mut().enumerate() {
            match (f.condition, f.tag()) {
                (Some(cond), _) => {
                    f.condition = None;
                    slots.push((i, cond, true));
                }
                (None, "dm_fee") if flyers => {
                    f.condition = Some(Condition::FlyerRan);
                    slots.push((i, Condition::FlyerRan, false));
                }
                (None, "display_fee") if displays => {
                    let cond = Condition::FacingsDelivered { pro_rata: true, min_share: None };
                    f.condition = Some(cond);
                    slots.push((i, cond, false));
                }
                _ => {}
            }
        }
        if slots.is_empty() {
            continue;
        }
        let compiled = Compiled::new(&flipped)?;
        let model = Model::new(&compiled)?;
        let other = kasim_montecarlo::run_clauses(std::slice::from_ref(&model), cfg)?.remove(0);
        let other_plan = plan_amounts(&flipped, &compiled)?;
        let n = p.results.len();
        for (i, cond, conditioned) in slots {
            let (own, alt) = (p.results.column(i), other.column(i));
            let (with, without, plan_with, plan_without) = if conditioned {
                (&own, &alt, p.plan[i], other_plan[i])
            } else {
                (&alt, &own, other_plan[i], p.plan[i])
            };
            let met = with.iter().zip(without.iter()).filter(|(a, b)| a == b).count();
            let sum = |v: &[i64]| v.iter().map(|&x| i128::from(x)).sum::<i128>();
            let (expected, unconditional) = (mean(sum(with), n), mean(sum(without), n));
            let f = &c.fees[i];
            let (condition_en, condition_zh) = condition_words(&cond);
            out.push(GiveGet {
                contract: ci,
                role: match ci {
                    0 => Role::Base,
                    1 => Role::Draft,
                    _ => Role::Counter,
                },
                id: f.id.clone(),
                label: f.label().to_string(),
                label_zh: f.label_zh().to_string(),
                condition: cond,
                condition_en,
                condition_zh,
                conditioned,
                p_met: met as f64 / n.max(1) as f64,
                expected,
                unconditional,
                saving: unconditional - expected,
                plan: plan_with,
                plan_unconditional: plan_without,
            });
        }
    }
    Ok(out)
}

/// Money as a KA manager says it: `¥12,345.00` for CNY, else `EUR 12,345.00`.
pub fn say_money(d: Decimal, currency: &str) -> String {
    let m = kasim_core::money::format_money(d, 2);
    match currency {
        "CNY" | "RMB" => format!("¥{m}"),
        "" => m,
        c => format!("{c} {m}"),
    }
}

/// The advice against DRAFT: keep DRAFT's give-gets, ask for the ones its draws would value,
/// ask to keep BASE's give-gets DRAFT drops. Only savings above a cent.
fn give_get_advice(g: &[GiveGet], r: &BriefReport) -> Vec<GiveGetAdvice> {
    let cur = r.currency.as_str();
    let draft_rule = |id: &str| r.contracts.get(1).and_then(|c| c.source.fees.iter().find(|f| f.id == id));
    let mut out = Vec::new();
    for x in g.iter().filter(|x| x.saving > Decimal::new(1, 2)) {
        let money = say_money(x.saving, cur);
        let (en, zh) = match (x.contract, x.conditioned) {
            (1, true) => (
                format!(
                    "Keep the {} conditioned ({}): saves {money} expected against the unconditional clause",
                    x.label, x.condition_en
                ),
                format!("保留{}的有条件条款（{}）：预期节省 {money}", x.label_zh, x.condition_zh),
            ),
            (1, false) => (
                format!("Ask for the {} to be conditioned ({}): saves {money} expected", x.label, x.condition_en),
                format!("要求{}改为有条件（{}）：预期节省 {money}", x.label_zh, x.condition_zh),
            ),
            (0, true) if draft_rule(&x.id).is_some_and(|f| f.condition.is_none()) => (
                format!(
                    "The draft drops last year's condition on the {} ({}): ask to keep it, saves {money} expected",
                    x.label, x.condition_en
                ),
                format!("草案取消了{}的条件（{}）：要求保留，预期节省 {money}", x.label_zh, x.condition_zh),
            ),
            _ => continue,
        };
        out.push(GiveGetAdvice { id: x.id.clone(), saving: x.saving, en, zh });
    }
    out
}

fn risk_of(p: &Prepared<'_>) -> ContractRisk {
    let r = &p.results;
    let n = r.len();
    let t = tail(r);
    let m = t.len();
    let sum = |f: &dyn Fn(usize) -> i64| -> i128 { t.iter().map(|&k| i128::from(f(k))).sum() };
    let rules = r.ids.len();
    let fees = sum(&|k| r.scenario(k)[..=rules].iter().sum());
    let tail_totals = TailTotals {
        scenarios: m,
        net_contribution: money(sum(&|k| r.rows[k].net_contribution)),
        net_invoiced: money(sum(&|k| r.rows[k].net_invoiced)),
        fees: money(fees),
        cost_of_goods: money(sum(&|k| r.cost_of_goods[k])),
        financing: money(sum(&|k| r.financing(k))),
        cvar95: mean(sum(&|k| r.rows[k].net_contribution), m),
    };
    let mut slots: Vec<(String, usize, Option<&str>)> =
        p.input.contract.fees.iter().enumerate().map(|(i, f)| (f.id.clone(), i, Some(f.tag()))).collect();
    if p.pays_terms() {
        slots.push((PAYMENT_TERMS.to_string(), rules, None));
    }
    let clauses = slots
        .into_iter()
        .map(|(id, s, tag)| {
            let total: i128 = (0..n).map(|k| i128::from(r.cents_of(k, s))).sum();
            let tail_sum = sum(&|k| r.cents_of(k, s));
            let expected = mean(total, n);
            let tail_mean = mean(tail_sum, m);
            let p_binds = tag.filter(|t| conditional(t) || p.plan_states[s] & CAP != 0).map(|tag| {
                let plan_tier = tier_of(p.plan_states[s]).unwrap_or(0);
                match tag {
                    "guaranteed_minimum" => p.p_state(s, |x| x & (FLOOR | CAP) != 0),
                    "tiered_rebate" | "growth_rebate" => {
                        p.p_state(s, |x| tier_of(x).unwrap_or(0) != plan_tier || x & CAP != 0)
                    }
                    _ if !conditional(tag) => p.p_state(s, |x| x & CAP != 0),
                    _ => (0..n).filter(|&k| r.cents_of(k, s) != 0).count() as f64 / n.max(1) as f64,
                }
            });
            ClauseRisk {
                id,
                p_binds,
                expected,
                tail_sum: money(tail_sum),
                tail_mean,
                tail_excess: tail_mean - expected,
                tail_share: share(money(tail_sum), money(fees)),
            }
        })
        .collect();
    ContractRisk { contract: p.input.contract.name.clone(), tail: tail_totals, clauses }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[uncertainty]
demand_cv = "30%"

[[fees]]
id = "entry"
kind = "lump_sum"
event = "entry"
amount = "1000"

[[fees]]
id = "sales-fee"
kind = "service_fee"
rate = "2%"

[[fees]]
id = "floor"
kind = "guaranteed_minimum"
floor = "FLOOR"
covers = ["sales-fee"]

[[fees]]
id = "old"
kind = "unconditional_rebate"
rate = "1%"
"#;

    fn brief(draft_extra: &str, runs: u64, threads: usize) -> BriefReport {
        // The floor at about the plan's sales fee, so it binds in part of the scenarios.
        let probe = kasim_core::demo::contract(&BASE.replace("FLOOR", "0")).unwrap();
        let s = kasim_core::evaluate(&probe).unwrap();
        let fee: Decimal = s.ledger.iter().filter(|l| l.rule == "sales-fee").map(|l| l.amount).sum();
        let base = kasim_core::demo::contract(&BASE.replace("FLOOR", &fee.to_string())).unwrap();
        let draft_src = BASE
            .replace("FLOOR", &fee.to_string())
            .replace("amount = \"1000\"", "amount = \"50000\"")
            .replace("[[fees]]\nid = \"old\"\nkind = \"unconditional_rebate\"\nrate = \"1%\"\n", "")
            + draft_extra;
        let draft = kasim_core::demo::contract(&draft_src).unwrap();
        let cfg = RunConfig { runs, seed: 3, threads, ..Default::default() };
        BriefReport::new(
            &[Input { file: "base.toml", contract: &base }, Input { file: "draft.toml", contract: &draft }],
            &cfg,
        )
        .unwrap()
    }

    /// Clauses match by id: changed, removed and added clauses, with exact plan changes,
    /// ranked by money, shares adding up to 1.
    #[test]
    fn clauses_match_by_id_and_rank() {
        let b = brief("\n[[fees]]\nid = \"new\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"300\"\n", 500, 1);
        let entry = b.clause("entry").unwrap();
        assert_eq!(entry.status, Status::Changed);
        assert_eq!(entry.change_plan, Decimal::new(4900000, 2));
        assert_eq!(entry.change_mean, Decimal::new(4900000, 2));
        assert_eq!(entry.rank, 1);
        let old = b.clause("old").unwrap();
        assert_eq!(old.status, Status::Removed);
        assert!(old.amounts[1].is_none());
        assert_eq!(old.change_plan, -old.amounts[0].as_ref().unwrap().plan);
        let new = b.clause("new").unwrap();
        assert_eq!(new.status, Status::Added);
        assert_eq!(new.change_plan, Decimal::from(300));
        assert_eq!(b.clause("sales-fee").unwrap().status, Status::Unchanged);
        // Ranked by |plan change|.
        for w in b.clauses.windows(2) {
            assert!(w[0].change_plan.abs() >= w[1].change_plan.abs());
        }
        // The plan changes add up to the change of the plan's fees total; shares to ~1.
        assert_eq!(b.fee_increase_plan, b.contracts[1].plan.fees_total - b.contracts[0].plan.fees_total);
        let shares: Decimal = b.clauses.iter().filter_map(|c| c.share_of_increase).sum();
        assert!((shares - Decimal::ONE).abs() <= Decimal::new(1, 3), "{shares}");
        // The mean changes add up to the change of the mean fees.
        let fees_mean = |i: usize| b.contracts[i].simulation.outputs[1].summary.mean;
        assert!((b.fee_increase_mean - (fees_mean(1) - fees_mean(0))).abs() <= Decimal::new(5, 2));
    }

    /// The tail allocation adds up exactly, in cents, and gives the CVaR of the summary.
    #[test]
    fn tail_allocation_identity_is_exact() {
        let b = brief("", 997, 2);
        for (r, c) in b.risk.iter().zip(&b.contracts) {
            assert!(r.holds(), "{}", r.contract);
            assert_eq!(r.tail.scenarios, 50); // ⌈5% × 997⌉
            let s = &c.simulation.outputs[0].summary;
            assert_eq!(r.tail.cvar95, s.cvar95, "{}", r.contract);
            let clause_sum: Decimal = r.clauses.iter().map(|x| x.tail_sum).sum();
            assert_eq!(clause_sum, r.tail.fees);
            // The floor binds in part of the scenarios, and more often in the bad tail.
            let floor = r.clauses.iter().find(|x| x.id == "floor").unwrap();
            let p = floor.p_binds.unwrap();
            assert!(p > 0.05 && p < 0.95, "{p}");
            assert!(floor.tail_excess > Decimal::ZERO);
        }
        // The floor interaction is shown with the sales fee it tops up.
        let i = b.interactions.iter().find(|i| i.kind == InteractionKind::Floor).unwrap();
        assert_eq!(i.clause, "floor");
        assert_eq!(i.members, ["sales-fee"]);
    }

    /// A counter-offer is a third column everywhere; a clause only it has is `Other`.
    #[test]
    fn counters_are_carried_through() {
        let base = kasim_core::demo::contract(&BASE.replace("FLOOR", "1000")).unwrap();
        let draft =
            kasim_core::demo::contract(&BASE.replace("FLOOR", "1000").replace("rate = \"2%\"", "rate = \"4%\""))
                .unwrap();
        let counter = kasim_core::demo::contract(
            &(BASE.replace("FLOOR", "1000")
                + "\n[[fees]]\nid = \"dm\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"10\"\n"),
        )
        .unwrap();
        let cfg = RunConfig { runs: 200, seed: 9, threads: 1, ..Default::default() };
        let inputs = [
            Input { file: "b", contract: &base },
            Input { file: "d", contract: &draft },
            Input { file: "c", contract: &counter },
        ];
        let b = BriefReport::new(&inputs, &cfg).unwrap();
        assert_eq!(b.contracts.iter().map(|c| c.role).collect::<Vec<_>>(), [Role::Base, Role::Draft, Role::Counter]);
        assert!(b.clauses.iter().all(|c| c.amounts.len() == 3));
        let dm = b.clause("dm").unwrap();
        assert_eq!(dm.status, Status::Other);
        assert_eq!(dm.amounts[2].as_ref().unwrap().plan, Decimal::from(10));
        assert_eq!(dm.change_plan, Decimal::ZERO);
        assert_eq!(b.risk.len(), 3);
        assert!(b.risk.iter().all(ContractRisk::holds));
        assert!(b.scenarios.iter().all(|s| s.net_contribution.len() == 3 && s.fees_total.len() == 3));
        // The sales fee doubles: its change is the plan's 2% more, and ranks first.
        assert_eq!(b.clauses[0].id, "sales-fee");
        let fee = b.clause("sales-fee").unwrap();
        let a = |i: usize| fee.amounts[i].as_ref().unwrap().plan;
        assert_eq!(a(1), a(0) * Decimal::TWO);
    }

    /// The same inputs give byte-identical JSON at 1 and 2 threads.
    #[test]
    fn deterministic_across_threads() {
        let a = serde_json::to_string(&brief("", 300, 1)).unwrap();
        let b = serde_json::to_string(&brief("", 300, 2)).unwrap();
        assert_eq!(a, b);
    }

    /// A unit check of the ranking and shares on hand-made rows.
    #[test]
    fn ranking_and_shares() {
        let row = |id: &str, plan: i64, m: i64| ClauseRow {
            rank: 0,
            id: id.into(),
            kind: FeeKind::EntryFee,
            rule: "lump_sum".into(),
            label: id.into(),
            label_zh: id.into(),
            status: Status::Changed,
            amounts: Vec::new(),
            change_plan: Decimal::from(plan),
            change_mean: Decimal::from(m),
            share_of_increase: None,
            tail_change: Decimal::ZERO,
        };
        let mut rows = vec![row("a", 100, 0), row("b", -300, 0), row("c", 100, 5), row("d", 0, 0)];
        rank(&mut rows);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a", "d"]);
        // Σ changes = −100: b's −300 is 3.0 of it, a's +100 is −1.0.
        assert_eq!(rows[0].share_of_increase, Some(Decimal::from(3)));
        assert_eq!(rows[2].share_of_increase, Some(Decimal::from(-1)));
        assert_eq!(rows[0].rank, 1);
    }
}
