//! The yearly renegotiation chain (年度谈判): each next contract year derived from the last by
//! the buyer's ask, the negotiation between last year's terms and that ask, and the
//! relationship's resources stepped by how satisfied the buyer is.
//!
//! Year 1 is the contract as written. Year y+1 from year y's contract on year y+1's plan
//! ([`kasim_core::multiyear::next_year`]: the plan's volumes × (1 + `demand_growth`) in
//! [`multi_year`], unchanged in [`chain`]; no SKU a new listing again):
//!
//! 1. **The buyer's ask** ([`ask`]): every fee in [`ASKED`] grown by `fee_growth` (rounded to
//!    the cent, half away from zero), every rebate rate stepped by `rate_step` (held within
//!    0–100%), `payment.days` stepped by `payment_days_step` (at least 0).
//! 2. **The buyer's fee target**: its anchor × (1 + `fee_growth`), to the cent; the anchor is
//!    year y's terms on year y+1's plan settled exactly (what the buyer gets if nothing changes:
//!    the plan's growth in, a one-off listing fee of year y's new items out), written into
//!    `negotiation.buyer.last_year_fees` (what the anchoring buyer holds out on).
//! 3. **The agreement**: with `negotiate = true` and a `[negotiation]` section, every
//!    negotiable issue the ask changes is re-anchored to [last year's value, the ask] (see
//!    [`reanchor`]), the other issues keep their range as written in year 1's file, the
//!    negotiation engine plays the stated strategies ([`contract::setup`] +
//!    [`contract::play`]) and the agreed values are set on the ask ([`contract::offer`]): terms
//!    that are not negotiable are signed as asked. Otherwise the ask is signed as is.
//! 4. **A walk-away** (the negotiation ends without agreement): the supplier keeps last year's
//!    terms (the contract rolls over unchanged: the buyer cannot impose its ask, and leaving
//!    the retailer is not what the chain models) and the relationship steps down whatever the
//!    satisfaction — the buyer's sanction is its resources (档期, 排面, 付款优先).
//! 5. **The relationship** (with `[multi_year.relationship]`): satisfaction = agreed planned
//!    fees ÷ the buyer's target; below `withdraw_below` the resources step down by `step`, at or
//!    above `reward_at` they step up (see [`step_resources`] for the caps).
//!
//! The chain is computed on expectations, before any Monte Carlo: the same inputs give the
//! same chain (the engine's common scenarios are seeded by the contract).

use kasim_core::Contract;
use kasim_core::fees::{RuleTag, TermSlot, TierValue};
use kasim_core::money::{Money, Num};
use kasim_core::multiyear::{Relationship, Renegotiation, Step as ResourceStep};
use kasim_core::resources::Resources;
use kasim_core::terms::{self, TermKind};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::{Ending, Error, Side, StrategyKind, contract};

/// How the buyer's ask moves a term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// A fee amount: × (1 + `fee_growth`), rounded to the cent (half away from zero).
    Fee,
    /// A rebate rate: + `rate_step`, held within 0–100%.
    Rate,
    /// Payment days: + `payment_days_step`, at least 0.
    Days,
}

/// The fee-rule terms the buyer's ask moves, by rule kind and field (`tiers[*].rate`: every
/// rate tier). An optional term that is unset (a target rebate's `amount` or `rate`) is left
/// unset; a per-unit tier is left as it is.
pub const ASKED: &[(RuleTag, &str, Ask)] = &[
    (RuleTag::LumpSum, "amount", Ask::Fee),
    (RuleTag::StoreOpening, "amount", Ask::Fee),
    (RuleTag::Listing, "amount", Ask::Fee),
    (RuleTag::DmFee, "price", Ask::Fee),
    (RuleTag::DisplayFee, "price", Ask::Fee),
    (RuleTag::PromoterFee, "monthly_fee", Ask::Fee),
    (RuleTag::GuaranteedMinimum, "floor", Ask::Fee),
    (RuleTag::TargetRebate, "amount", Ask::Fee),
    (RuleTag::TargetRebate, "rate", Ask::Rate),
    (RuleTag::UnconditionalRebate, "rate", Ask::Rate),
    (RuleTag::TieredRebate, "tiers[*].rate", Ask::Rate),
    (RuleTag::GrowthRebate, "tiers[*].rate", Ask::Rate),
];

/// The rule kinds the ask leaves as they are (no error: their terms are not what a buyer's
/// "last year + X%" grows): percentage fees that recover a cost (service, logistics, returns
/// allowance), penalties, the margin guarantee and price-match funding. Thresholds, caps,
/// counts (slots, regions, promoters) and a growth rebate's prior year are not grown either.
pub const NOT_ASKED: &[RuleTag] = &[
    RuleTag::ServiceFee,
    RuleTag::LogisticsFee,
    RuleTag::ReturnsAllowance,
    RuleTag::StockoutPenalty,
    RuleTag::MarginGuarantee,
    RuleTag::PriceMatch,
];

/// One term of a year's renegotiation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TermRecord {
    /// The term path (see [`kasim_core::terms`]).
    pub path: String,
    /// How the ask moved it; `None` for a negotiable issue the ask does not move.
    pub ask: Option<Ask>,
    /// Its value last year (normalised: no trailing zeros, as every value here).
    pub last: Decimal,
    /// The buyer's ask.
    pub asked: Decimal,
    /// The value signed.
    pub agreed: Decimal,
}

/// How a year's contract was signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signing {
    /// Year 1: the contract as written.
    AsWritten,
    /// Last year's terms again: no `[multi_year.renegotiation]`.
    Unchanged,
    /// The ask signed as is (no negotiation: `negotiate = false` or no `[negotiation]`).
    Asked,
    /// Negotiated to an agreement.
    Agreed,
    /// The negotiation ended without agreement: last year's terms roll over and the
    /// relationship steps down.
    WalkedAway,
}

/// Which way the relationship's resources moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// Satisfaction below `withdraw_below`, or a walk-away: one step down.
    Down,
    /// Between the two bars (or no relationship rules): unchanged.
    Hold,
    /// Satisfaction at or above `reward_at`: one step up.
    Up,
}

/// The levels of the relationship's resources the chain steps (the rest of `[resources]`
/// carries over unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Levels {
    /// Payment priority (付款优先): days the retailer pays before `payment.days`.
    pub payment_priority_days: u32,
    /// The new-item green channel (新品绿色通道).
    pub green_channel: bool,
    /// Promotion priority (档期优先): the probability a planned slot is granted.
    pub promotion_priority: Decimal,
    /// Facings (排面) relative to the plan's.
    pub facings: Decimal,
}

impl Default for Levels {
    /// The levels of a contract without `[resources]` (its defaults).
    fn default() -> Levels {
        Levels::from(&Resources::default())
    }
}

/// The most facings a reward reaches, relative to the plan's (150%).
pub const FACINGS_CAP: Decimal = Decimal::from_parts(150, 0, 0, false, 2);
/// The fewest facings a withdrawal leaves, relative to the plan's (50%).
pub const FACINGS_FLOOR: Decimal = Decimal::from_parts(50, 0, 0, false, 2);

/// What happened in one contract year of the chain.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YearRecord {
    /// The contract year, from 1.
    pub year: usize,
    /// How it was signed.
    pub signing: Signing,
    /// Per term the ask moves or the negotiation haggles over: last year's value, the ask, the
    /// agreed value (empty in year 1).
    pub terms: Vec<TermRecord>,
    /// Last year's planned fees, on last year's plan (year 1: its own).
    pub fees_last: Decimal,
    /// The buyer's anchor: last year's terms on this year's plan (the plan grown, no one-off
    /// listing fee of last year's new items again) — what the buyer gets if nothing changes
    /// (year 1: its own planned fees).
    pub fees_anchor: Decimal,
    /// The ask's planned fees.
    pub fees_asked: Decimal,
    /// The signed contract's planned fees.
    pub fees_agreed: Decimal,
    /// The buyer's fee target: the anchor × (1 + `fee_growth`), to the cent (`None` in
    /// year 1).
    pub fee_target: Option<Decimal>,
    /// Agreed planned fees ÷ the target, to 6 decimals (1 when the target is 0; `None` in
    /// year 1).
    pub satisfaction: Option<Decimal>,
    /// Whether the engine negotiated.
    pub negotiated: bool,
    /// Offers exchanged (negotiated years).
    pub rounds: Option<usize>,
    /// How the negotiation ended (negotiated years).
    pub ending: Option<Ending>,
    /// Which way the relationship moved.
    pub relationship: Move,
    /// The contract's `[resources]` before the relationship's step (`None`: the contract has
    /// none, so the defaults apply).
    pub resources_before: Option<Resources>,
    /// Its `[resources]` after the step (a step on a contract without the section adds it,
    /// from the defaults).
    pub resources_after: Option<Resources>,
}

/// One contract year of the chain.
#[derive(Clone, Debug)]
pub struct Year {
    /// The year's contract.
    pub contract: Contract,
    /// How it came about.
    pub record: YearRecord,
}

/// Rounds to the cent, half away from zero.
fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Every term path the ask moves on a contract, in contract order (fee rules, then
/// `payment.days`).
pub fn asked_terms(c: &Contract) -> Vec<(String, Ask)> {
    let mut out = Vec::new();
    for f in &c.fees {
        let tag = f.rule.tag();
        for &(_, field, how) in ASKED.iter().filter(|(t, ..)| *t == tag) {
            let mut rule = f.rule.clone();
            if field == "tiers[*].rate" {
                let tiers = rule.tiers().map(|t| t.as_slice()).unwrap_or_default();
                for (i, t) in tiers.iter().enumerate() {
                    if matches!(t.value, TierValue::Rate(_)) {
                        out.push((format!("fees.{}.tiers[{i}].rate", f.id), how));
                    }
                }
                continue;
            }
            let set = match rule.term(field) {
                Some(TermSlot::OptMoney(m)) => m.is_some(),
                Some(TermSlot::OptRate(r)) => r.is_some(),
                Some(TermSlot::OptCount(n)) => n.is_some(),
                Some(_) => true,
                None => false,
            };
            if set {
                out.push((format!("fees.{}.{field}", f.id), how));
            }
        }
    }
    out.push(("payment.days".to_string(), Ask::Days));
    out
}

/// The value the ask moves a term to (`None` when it overflows).
fn asked_value(value: Decimal, how: Ask, rules: &Renegotiation) -> Option<Decimal> {
    Some(match how {
        Ask::Fee => cents(value.checked_mul(Decimal::ONE + rules.fee_growth.0)?).max(Decimal::ZERO),
        Ask::Rate => value.checked_add(rules.rate_step.0)?.clamp(Decimal::ZERO, Decimal::ONE),
        Ask::Days => value.checked_add(Decimal::from(rules.payment_days_step))?.max(Decimal::ZERO),
    })
}

/// The buyer's ask for the year after `last`: every term of [`asked_terms`] moved by the rules.
/// Returns the asked contract and per term its record (last year's value, the ask; the agreed
/// value is the ask).
///
/// # Errors
///
/// [`Error::OutOfRange`] when `fee_growth` is below −100% or a grown amount is above
/// [`kasim_core::money::MAX_MONEY`]; [`Error::Term`] when a term cannot be read or set
/// (located in the contract's file).
pub fn ask(last: &Contract, rules: &Renegotiation) -> Result<(Contract, Vec<TermRecord>), Error> {
    check_rules(rules)?;
    let mut c = last.clone();
    let mut moved = Vec::new();
    for (path, how) in asked_terms(last) {
        let v = terms::get(last, &path).map_err(|e| Error::term(&path, e))?;
        let a = asked_value(v, how, rules)
            .filter(|a| how != Ask::Fee || *a <= kasim_core::money::MAX_MONEY)
            .ok_or_else(|| Error::OutOfRange {
                name: "the buyer's ask",
                value: format!("{path} = {v} × (1 + {})", rules.fee_growth.0),
                range: "at most 1,000,000,000,000 (kasim_core::money::MAX_MONEY)",
            })?;
        terms::set(&mut c, &path, a).map_err(|e| Error::term(&path, e))?;
        moved.push(TermRecord {
            path,
            ask: Some(how),
            last: v.normalize(),
            asked: a.normalize(),
            agreed: a.normalize(),
        });
    }
    Ok((c, moved))
}

fn check_rules(rules: &Renegotiation) -> Result<(), Error> {
    if rules.fee_growth.0 < -Decimal::ONE {
        return Err(Error::OutOfRange {
            name: "multi_year.renegotiation.fee_growth",
            value: rules.fee_growth.0.to_string(),
            range: "at least -100%",
        });
    }
    Ok(())
}

/// The smallest unit of a kind of term: the cent, 0.01% or one.
fn unit(kind: TermKind) -> Decimal {
    match kind {
        TermKind::Money => Decimal::new(1, 2),
        TermKind::Rate => Decimal::new(1, 4),
        TermKind::Count => Decimal::ONE,
    }
}

/// A negotiable issue re-anchored to [last year's value, the ask]: its ends are the two values
/// (lower first), its step the issue's, refined so that both ends are on the grid — the range
/// is cut into n = ⌈range ÷ step⌉ equal intervals, or the nearest number of intervals above
/// (up to 2n, at most 64 tried) that cuts it into whole units of the term (cents, 0.01%, whole
/// days), or else the nearest below (at most 63 tried; at worst one interval: the two values).
/// Equal values give the one value.
pub fn reanchor(last: Decimal, asked: Decimal, step: Decimal, kind: TermKind) -> (Decimal, Decimal, Decimal) {
    let (lo, hi) = if last <= asked { (last, asked) } else { (asked, last) };
    let diff = hi - lo;
    if diff.is_zero() || step <= Decimal::ZERO {
        return (lo, hi, if step > Decimal::ZERO { step } else { Decimal::ONE });
    }
    let u = unit(kind);
    let n0 = match diff.checked_div(step) {
        Some(n) if n <= Decimal::from(crate::MAX_OUTCOMES) => n.ceil().max(Decimal::ONE),
        // More intervals than any grid enumerates: the set-up refuses it (TooManyOffers).
        _ => return (lo, hi, step),
    };
    // Whole units of the term in the range (none when the range is finer than the unit).
    let units = diff.checked_div(u).filter(|x| x.fract().is_zero());
    let whole = |n: Decimal| units.is_some_and(|x| n <= x && (x % n).is_zero());
    const SEARCH: i64 = 64;
    let up = (0..SEARCH).map(Decimal::from).map(|k| n0 + k).take_while(|n| *n <= n0 * Decimal::TWO);
    let down = (1..SEARCH).map(Decimal::from).map(|k| n0 - k).take_while(|n| *n >= Decimal::ONE);
    let n = up.chain(down).find(|n| whole(*n)).unwrap_or(Decimal::ONE);
    (lo, hi, diff / n)
}

/// The planned fees of a contract: its plan settled exactly.
fn planned_fees(c: &Contract) -> Result<Decimal, Error> {
    Ok(kasim_core::evaluate(c)?.pnl.fees_total)
}

impl From<&Resources> for Levels {
    fn from(r: &Resources) -> Levels {
        Levels {
            payment_priority_days: r.payment_priority_days,
            green_channel: r.green_channel,
            promotion_priority: r.promotion_priority.0,
            facings: r.facings.0,
        }
    }
}

/// Sets the resources' levels on a contract through the `resources.*` term paths (which add
/// `[resources]` with its defaults when the contract has none); the green channel, not a
/// numeric term, on the section itself.
fn set_levels(c: &mut Contract, l: Levels) -> Result<(), Error> {
    for (path, v) in [
        ("resources.payment_priority_days", Decimal::from(l.payment_priority_days)),
        ("resources.promotion_priority", l.promotion_priority),
        ("resources.facings", l.facings),
    ] {
        terms::set(c, path, v).map_err(|e| Error::term(path, e))?;
    }
    c.resources.get_or_insert_with(Resources::default).green_channel = l.green_channel;
    Ok(())
}

/// The relationship's resources after a move: a step down lowers promotion priority and
/// facings by their steps and payment priority by its days and withdraws the green channel; a
/// step up raises them and restores the green channel when year 1 had it. Caps: promotion
/// priority within 0–100%, facings within [`FACINGS_FLOOR`]–[`FACINGS_CAP`], payment
/// priority within 0 and the contract's `payment.days`.
pub fn step_resources(l: Levels, mv: Move, step: &ResourceStep, first_green: bool, payment_days: u32) -> Levels {
    let sign = match mv {
        Move::Hold => return l,
        Move::Down => -Decimal::ONE,
        Move::Up => Decimal::ONE,
    };
    let by = u32::try_from(step.payment_priority_days.max(0)).unwrap_or(u32::MAX);
    let days = match mv {
        Move::Down => l.payment_priority_days.saturating_sub(by),
        _ => l.payment_priority_days.saturating_add(by),
    };
    Levels {
        payment_priority_days: days.min(payment_days),
        green_channel: match mv {
            Move::Down => false,
            _ => l.green_channel || first_green,
        },
        promotion_priority: (l.promotion_priority + sign * step.promotion_priority.0)
            .clamp(Decimal::ZERO, Decimal::ONE),
        facings: (l.facings + sign * step.facings.0).clamp(FACINGS_FLOOR.min(l.facings), FACINGS_CAP.max(l.facings)),
    }
}

/// The contract chain of a `[multi_year]` section: [`chain`] of its years, renegotiation and
/// relationship, each next year on the plan grown by `demand_growth`
/// ([`kasim_core::multiyear::next_year`]); without `[multi_year.renegotiation]` every year
/// signs last year's terms again on the grown plan ([`Signing::Unchanged`], the multi-year
/// run's own chain) and the resources do not move.
///
/// # Errors
///
/// As [`chain`].
pub fn multi_year(first: &Contract, spec: &kasim_core::multiyear::MultiYear) -> Result<Vec<Year>, Error> {
    let years = usize::try_from(spec.years).unwrap_or(usize::MAX);
    let growth = Decimal::ONE + spec.demand_growth.0;
    match &spec.renegotiation {
        Some(rules) => chain_grown(first, years, growth, rules, spec.relationship.as_ref()),
        None => {
            let mut out = chain(first, 1, &Renegotiation::default(), None)?;
            for year in 2..=years {
                let last = &out[out.len() - 1];
                let contract = kasim_core::multiyear::next_year(&last.contract, growth);
                let fees = planned_fees(&contract)?;
                let mut record = last.record.clone();
                record.year = year;
                record.signing = Signing::Unchanged;
                record.fees_last = last.record.fees_agreed;
                record.fees_anchor = fees;
                record.fees_asked = fees;
                record.fees_agreed = fees;
                out.push(Year { contract, record });
            }
            Ok(out)
        }
    }
}

/// The contract chain of `years` contract years from `first` (year 1, as is): each next year
/// renegotiated from the last by `rules` (on the same plan volumes; a SKU listed in year 1 is
/// not listed again), the relationship's resources stepped by `relationship`.
///
/// # Errors
///
/// [`Error::OutOfRange`] for `years` of 0 or a `fee_growth` below −100%;
/// [`Error::UnknownStrategy`] / [`Error::WrongSide`] for a strategy name that is not the
/// side's (checked whether or not anyone negotiates); [`Error::Term`] when a term cannot be
/// read or set; [`Error::Core`] when a year's contract does not validate or settle; as
/// [`contract::setup`] and [`contract::play`] for the negotiation.
pub fn chain(
    first: &Contract,
    years: usize,
    rules: &Renegotiation,
    relationship: Option<&Relationship>,
) -> Result<Vec<Year>, Error> {
    chain_grown(first, years, Decimal::ONE, rules, relationship)
}

/// [`chain`] with each next year's plan volumes × `growth` (1 + `demand_growth`): every year
/// starts from [`kasim_core::multiyear::next_year`] of the last (no SKU a new listing again),
/// and the ask, the negotiation and the fees planned are on that plan.
fn chain_grown(
    first: &Contract,
    years: usize,
    growth: Decimal,
    rules: &Renegotiation,
    relationship: Option<&Relationship>,
) -> Result<Vec<Year>, Error> {
    if years == 0 {
        return Err(Error::OutOfRange { name: "multi_year.years", value: "0".into(), range: "at least 1" });
    }
    check_rules(rules)?;
    let negotiating = rules.negotiate && first.negotiation.is_some();
    // The names are checked even when nobody negotiates: a misspelt strategy would otherwise
    // pass unnoticed until a contract with a [negotiation] joins the portfolio.
    let named = (
        StrategyKind::parse_for(&rules.supplier_strategy, Side::Supplier)?,
        StrategyKind::parse_for(&rules.buyer_strategy, Side::Buyer)?,
    );
    let strategies = negotiating.then_some(named);
    let first_fees = planned_fees(first)?;
    let first_green = first.resources.as_ref().is_some_and(|r| r.green_channel);
    let mut out = vec![Year {
        contract: first.clone(),
        record: YearRecord {
            year: 1,
            signing: Signing::AsWritten,
            terms: Vec::new(),
            fees_last: first_fees,
            fees_anchor: first_fees,
            fees_asked: first_fees,
            fees_agreed: first_fees,
            fee_target: None,
            satisfaction: None,
            negotiated: false,
            rounds: None,
            ending: None,
            relationship: Move::Hold,
            resources_before: first.resources.clone(),
            resources_after: first.resources.clone(),
        },
    }];
    for year in 2..=years {
        let fees_last = out[out.len() - 1].record.fees_agreed;
        // Last year's terms on this year's plan: what the ask starts from and a walk-away keeps.
        let last = &kasim_core::multiyear::next_year(&out[out.len() - 1].contract, growth);
        let fees_anchor = planned_fees(last)?;
        let (asked, moved) = ask(last, rules)?;
        let fees_asked = planned_fees(&asked)?;
        let target = cents(fees_anchor * (Decimal::ONE + rules.fee_growth.0));
        let mut terms_rec = moved;
        let (mut signed, signing, rounds, ending) = match strategies {
            Some((sk, bk)) => {
                let mut n = asked.clone();
                let neg = n.negotiation.as_mut().ok_or(Error::NoNegotiation)?;
                // Issue ranges as written in year 1, re-anchored where the ask moves the term.
                neg.issues = first.negotiation.as_ref().map(|f| f.issues.clone()).unwrap_or_default();
                neg.buyer.fee_target = Money(target);
                neg.buyer.last_year_fees = Some(Money(fees_anchor));
                for issue in &mut neg.issues {
                    let l = terms::get(last, &issue.path).map_err(|e| Error::term(&issue.path, e))?;
                    let a = terms::get(&asked, &issue.path).map_err(|e| Error::term(&issue.path, e))?;
                    if l != a {
                        let kind = terms::kind(last, &issue.path).map_err(|e| Error::term(&issue.path, e))?;
                        let (lo, hi, st) = reanchor(l, a, issue.step.0, kind);
                        issue.min = Num(lo);
                        issue.max = Num(hi);
                        issue.step = Num(st);
                    }
                }
                let setup = contract::setup(&n)?;
                let t = contract::play(&setup, sk, bk)?;
                let rounds = Some(t.steps.len());
                match &t.agreement {
                    Some(a) => {
                        let agreed = contract::offer(&n, &setup.paths, &setup.values[a.outcome])?;
                        (agreed, Signing::Agreed, rounds, Some(t.ended_by))
                    }
                    None => {
                        let mut kept = last.clone();
                        kept.negotiation = n.negotiation.clone();
                        (kept, Signing::WalkedAway, rounds, Some(t.ended_by))
                    }
                }
            }
            None => (asked.clone(), Signing::Asked, None, None),
        };
        // The record's terms: every term moved, then every negotiable issue not among them.
        if let Some(neg) = &signed.negotiation {
            for issue in &neg.issues {
                if !terms_rec.iter().any(|t| t.path == issue.path) {
                    let l = terms::get(last, &issue.path).map_err(|e| Error::term(&issue.path, e))?;
                    let a = terms::get(&asked, &issue.path).map_err(|e| Error::term(&issue.path, e))?;
                    terms_rec.push(TermRecord { path: issue.path.clone(), ask: None, last: l, asked: a, agreed: a });
                }
            }
        }
        for t in &mut terms_rec {
            t.agreed = terms::get(&signed, &t.path).map_err(|e| Error::term(&t.path, e))?.normalize();
            t.last = t.last.normalize();
            t.asked = t.asked.normalize();
        }
        let fees_agreed = planned_fees(&signed)?;
        let satisfaction = if target.is_zero() { Decimal::ONE } else { (fees_agreed / target).round_dp(6) };
        let before = signed.resources.clone();
        let mv = match relationship {
            None => Move::Hold,
            Some(_) if signing == Signing::WalkedAway => Move::Down,
            Some(r) if satisfaction < r.withdraw_below.0 => Move::Down,
            Some(r) if satisfaction >= r.reward_at.0 => Move::Up,
            Some(_) => Move::Hold,
        };
        let after = match (relationship, mv) {
            (Some(r), Move::Down | Move::Up) => {
                let from = before.as_ref().map(Levels::from).unwrap_or_default();
                let l = step_resources(from, mv, &r.step, first_green, signed.payment.days);
                set_levels(&mut signed, l)?;
                signed.resources.clone()
            }
            _ => before.clone(),
        };
        out.push(Year {
            contract: signed,
            record: YearRecord {
                year,
                signing,
                terms: terms_rec,
                fees_last,
                fees_anchor,
                fees_asked,
                fees_agreed,
                fee_target: Some(target),
                satisfaction: Some(satisfaction),
                negotiated: strategies.is_some(),
                rounds,
                ending,
                relationship: mv,
                resources_before: before,
                resources_after: after,
            },
        });
    }
    Ok(out)
}

impl Signing {
    /// How the multi-year report names it (`as written`, `same terms, plan grown`, `signed as asked`,
    /// `agreed`, `no deal`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Signing::AsWritten => "as written",
            Signing::Unchanged => "same terms, plan grown",
            Signing::Asked => "signed as asked",
            Signing::Agreed => "agreed",
            Signing::WalkedAway => "no deal",
        }
    }
}

impl YearRecord {
    /// The multi-year report's line of this year at the portfolio member `id`: planned fees,
    /// the buyer's target, every term whose value moved (last, asked, agreed), how it was
    /// signed (a walk-away with its ending: `no deal (supplier deadline): last year's terms`),
    /// rounds, satisfaction, and the `[resources]` levels in effect (path, value; the green
    /// channel and price protection as 1 or 0) when the contract has the section.
    pub fn contract_year(&self, id: &str) -> kasim_montecarlo::multiyear::ContractYear {
        use rust_decimal::prelude::ToPrimitive;
        let ending = match (self.signing, self.ending) {
            (Signing::WalkedAway, Some(e)) => format!("no deal ({e}): last year's terms"),
            (s, _) => s.as_str().to_string(),
        };
        let flag = |b: bool| if b { Decimal::ONE } else { Decimal::ZERO };
        let resources = self.resources_after.as_ref().map_or_else(Vec::new, |r| {
            vec![
                ("resources.payment_priority_days".to_string(), Decimal::from(r.payment_priority_days)),
                ("resources.green_channel".to_string(), flag(r.green_channel)),
                ("resources.promotion_priority".to_string(), r.promotion_priority.0),
                ("resources.facings".to_string(), r.facings.0),
                ("resources.promoters".to_string(), Decimal::from(r.promoters)),
                ("resources.price_protection".to_string(), flag(r.price_protection)),
            ]
        });
        kasim_montecarlo::multiyear::ContractYear {
            year: u32::try_from(self.year).unwrap_or(u32::MAX),
            id: id.to_string(),
            planned_fees: self.fees_agreed,
            buyer_target: self.fee_target,
            terms: self
                .terms
                .iter()
                .filter(|t| t.last != t.asked || t.last != t.agreed)
                .map(|t| kasim_montecarlo::multiyear::TermLine {
                    path: t.path.clone(),
                    last: t.last,
                    asked: t.asked,
                    agreed: t.agreed,
                })
                .collect(),
            ending,
            rounds: self.rounds.map(|r| u32::try_from(r).unwrap_or(u32::MAX)),
            satisfaction: self.satisfaction.and_then(|s| s.to_f64()),
            resources,
        }
    }
}

/// The contract chain of every member of a portfolio with `[multi_year]` ([`multi_year`] per
/// member, in member order): the year contracts the multi-year run takes (per year, per
/// member) and the report's chain lines (per year, then per member).
///
/// # Errors
///
/// As [`chain`], for the first member whose chain fails.
pub fn portfolio_chain(
    portfolio: &kasim_core::portfolio::Portfolio,
    spec: &kasim_core::multiyear::MultiYear,
) -> Result<(kasim_montecarlo::multiyear::Chain, Vec<kasim_montecarlo::multiyear::ContractYear>), Error> {
    let per_member: Vec<Vec<Year>> =
        portfolio.members.iter().map(|m| multi_year(&m.contract, spec)).collect::<Result<_, _>>()?;
    let years = per_member.first().map_or(0, Vec::len);
    let mut chain = Vec::with_capacity(years);
    let mut records = Vec::with_capacity(years * per_member.len());
    for y in 0..years {
        chain.push(per_member.iter().map(|m| m[y].contract.clone()).collect());
        for (m, member) in per_member.iter().zip(&portfolio.members) {
            records.push(m[y].record.contract_year(&member.id));
        }
    }
    Ok((chain, records))
}
