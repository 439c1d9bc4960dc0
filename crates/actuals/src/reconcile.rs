//! Reconciliation of the retailer's deduction statement (对账单) against the ledger of the
//! closed periods (lump sums due so far included: they are ledger lines of closed periods).
//!
//! **Which rule a charge is for.** A fee type that is a rule's id, label or Chinese label
//! (normalised) names that rule; a fee kind's code or name (`dm_fee`, `DM费`) names the rules of
//! that kind. Otherwise the recognition table maps words to fee kinds
//! (进场费 → entry fee, 返利/返佣 → the rebates, DM/海报 → DM fee, 堆头/端架/陈列 → display fee,
//! 促销员 → promoter fee, 条码 → listing fee, 店庆 → anniversary fee, …) and the candidates are
//! the contract's rules of those kinds. Several candidates: the one with an unmatched line of
//! exactly that amount if only one has it, else the charge is **ambiguous** (listed, never
//! matched silently). No candidate: **unexplained** (charged, no clause matches).
//!
//! **Matching.** A charge is **matched** to an unmatched ledger line of its rule with the same
//! amount to the cent (the line of the charge's period first, when the statement dates it);
//! else **mismatched** against the rule's next unmatched line (by how much, and why per the
//! contract: the line's formula, rate × base). Ledger lines left over are **missing** charges
//! (due per the contract, not charged).

use kasim_core::Contract;
use kasim_core::contract::Granularity;
use kasim_core::fees::FeeKind;
use kasim_core::settle::LedgerLine;
use rust_decimal::Decimal;

use crate::history::period_of;
use crate::mapping::normalise;
use crate::statement::Statement;

/// How a charge or a due line reconciles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Same rule, same amount to the cent.
    Matched,
    /// The rule's line has another amount.
    Mismatched,
    /// Charged, no clause matches.
    Unexplained,
    /// Several rules could be meant.
    Ambiguous,
    /// Due per the contract, not charged.
    Missing,
}

impl Status {
    /// English and Chinese names.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Status::Matched => ("matched", "一致"),
            Status::Mismatched => ("mismatched", "金额不符"),
            Status::Unexplained => ("unexplained deduction", "无合同依据的扣款"),
            Status::Ambiguous => ("ambiguous", "无法确定条款"),
            Status::Missing => ("missing charge", "应扣未扣"),
        }
    }
}

/// One reconciled item.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Item {
    /// The status.
    pub status: Status,
    /// The statement's row (none for a missing charge).
    pub row: Option<usize>,
    /// The statement's date.
    pub date: Option<String>,
    /// The fee type as charged.
    pub fee_type: Option<String>,
    /// The reference.
    pub reference: Option<String>,
    /// Amount charged.
    pub charged: Option<Decimal>,
    /// The rule (or the candidates, comma-separated, when ambiguous).
    pub rule: Option<String>,
    /// The ledger line's period.
    pub period: Option<u16>,
    /// Amount due per the contract.
    pub due: Option<Decimal>,
    /// Charged − due.
    pub difference: Option<Decimal>,
    /// Why, per the contract (the ledger line's formula), or what is unknown.
    pub why: String,
}

/// The reconciliation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Reconciliation {
    /// The statement file.
    pub file: String,
    /// Every item: the statement's charges in file order, then the missing charges.
    pub items: Vec<Item>,
    /// Σ charged.
    pub charged: Decimal,
    /// Σ due in the closed periods.
    pub due: Decimal,
    /// Items per status: matched, mismatched, unexplained, ambiguous, missing.
    pub counts: [usize; 5],
}

/// The recognition table: words of fee types → fee kinds.
const WORDS: &[(&str, &[FeeKind])] = &[
    ("进场费", &[FeeKind::EntryFee]),
    ("入场费", &[FeeKind::EntryFee]),
    ("entry", &[FeeKind::EntryFee]),
    ("续签", &[FeeKind::RenewalFee]),
    ("新店", &[FeeKind::StoreOpeningFee]),
    ("开业", &[FeeKind::StoreOpeningFee]),
    ("店庆", &[FeeKind::AnniversaryFee]),
    ("节庆", &[FeeKind::FestivalFee]),
    ("节日", &[FeeKind::FestivalFee]),
    ("条码", &[FeeKind::ListingFee]),
    ("上架", &[FeeKind::ListingFee]),
    ("listing", &[FeeKind::ListingFee]),
    ("无条件返利", &[FeeKind::UnconditionalRebate]),
    ("阶梯", &[FeeKind::TieredRebate]),
    ("增长", &[FeeKind::GrowthRebate]),
    ("目标", &[FeeKind::TargetRebate]),
    ("返利", &[FeeKind::UnconditionalRebate, FeeKind::TieredRebate, FeeKind::GrowthRebate, FeeKind::TargetRebate]),
    ("返佣", &[FeeKind::UnconditionalRebate, FeeKind::TieredRebate, FeeKind::GrowthRebate, FeeKind::TargetRebate]),
    ("rebate", &[FeeKind::UnconditionalRebate, FeeKind::TieredRebate, FeeKind::GrowthRebate, FeeKind::TargetRebate]),
    ("保底", &[FeeKind::GuaranteedMinimum]),
    ("dm", &[FeeKind::DmFee]),
    ("海报", &[FeeKind::DmFee]),
    ("堆头", &[FeeKind::DisplayFee]),
    ("端架", &[FeeKind::DisplayFee]),
    ("陈列", &[FeeKind::DisplayFee]),
    ("display", &[FeeKind::DisplayFee]),
    ("促销员", &[FeeKind::PromoterFee]),
    ("promoter", &[FeeKind::PromoterFee]),
    ("服务费", &[FeeKind::ServiceFee]),
    ("配送", &[FeeKind::LogisticsFee]),
    ("物流", &[FeeKind::LogisticsFee]),
    ("损耗", &[FeeKind::ReturnsAllowance]),
    ("缺货", &[FeeKind::StockoutPenalty]),
    ("罚款", &[FeeKind::StockoutPenalty]),
    ("补毛利", &[FeeKind::MarginCompensation]),
    ("保毛利", &[FeeKind::PromotionMarginFunding]),
    ("补差", &[FeeKind::PriceMatchFunding]),
];

/// The rules a fee type may mean (see the [module docs](self)).
pub fn candidates(contract: &Contract, fee_type: &str) -> Vec<String> {
    let t = normalise(fee_type);
    let named: Vec<String> = contract
        .fees
        .iter()
        .filter(|f| [f.id.as_str(), f.label(), f.label_zh()].iter().any(|n| normalise(n) == t))
        .map(|f| f.id.clone())
        .collect();
    if !named.is_empty() {
        return named;
    }
    // A fee kind's code or name (`dm_fee`, `DM / flyer fee`, `DM费`): the rules of that kind.
    let by_kind: Vec<String> = contract
        .fees
        .iter()
        .filter(|f| {
            let k = f.kind();
            [k.code(), k.english(), k.chinese()].iter().any(|n| normalise(n) == t)
        })
        .map(|f| f.id.clone())
        .collect();
    if !by_kind.is_empty() {
        return by_kind;
    }
    // The most specific words first: a word contained in a longer matching word is not used.
    let hits: Vec<&(&str, &[FeeKind])> = WORDS.iter().filter(|(w, _)| t.contains(w)).collect();
    let specific: Vec<&&(&str, &[FeeKind])> =
        hits.iter().filter(|(w, _)| !hits.iter().any(|(o, _)| o.len() > w.len() && o.contains(w))).collect();
    let mut kinds: Vec<FeeKind> = Vec::new();
    for (_, ks) in specific {
        // A specific word narrows a general one (阶梯返利: tiered, not every rebate).
        if kinds.is_empty() || ks.len() < kinds.len() {
            kinds = ks.to_vec();
        }
    }
    contract.fees.iter().filter(|f| kinds.contains(&f.kind())).map(|f| f.id.clone()).collect()
}

/// Reconciles `statement` against the closed periods' ledger `lines` (see the [module
/// docs](self)).
pub fn reconcile(contract: &Contract, lines: &[LedgerLine], closed: usize, statement: &Statement) -> Reconciliation {
    let calendar: Granularity = contract.calendar.granularity;
    let mut used = vec![false; lines.len()];
    let mut items = Vec::new();
    let unmatched_of = |used: &[bool], rule: &str| -> Vec<usize> {
        lines.iter().enumerate().filter(|(i, l)| !used[*i] && l.rule == rule).map(|(i, _)| i).collect()
    };
    for d in &statement.lines {
        let period = d.day.map(|day| period_of(day, calendar).0.period);
        let mut item = Item {
            status: Status::Unexplained,
            row: Some(d.row),
            date: d.date.clone(),
            fee_type: Some(d.fee_type.clone()),
            reference: Some(d.reference.clone()),
            charged: Some(d.amount),
            rule: None,
            period: None,
            due: None,
            difference: None,
            why: String::new(),
        };
        let cands = candidates(contract, &d.fee_type);
        let rule = match cands.len() {
            0 => {
                item.why = "no clause of the contract is of this fee type".into();
                items.push(item);
                continue;
            }
            1 => cands[0].clone(),
            _ => {
                let exact: Vec<&String> = cands
                    .iter()
                    .filter(|r| unmatched_of(&used, r).iter().any(|&i| lines[i].amount == d.amount))
                    .collect();
                if exact.len() == 1 {
                    exact[0].clone()
                } else {
                    item.status = Status::Ambiguous;
                    item.rule = Some(cands.join(", "));
                    item.why = "several clauses could be meant: name the rule (its id or label) in the fee type".into();
                    items.push(item);
                    continue;
                }
            }
        };
        item.rule = Some(rule.clone());
        let open = unmatched_of(&used, &rule);
        let by_period = |i: &&usize| period.is_none_or(|p| lines[**i].period == p);
        let same = open.iter().filter(by_period).chain(open.iter()).find(|&&i| lines[i].amount == d.amount).copied();
        let pick = same.or_else(|| open.iter().find(by_period).or(open.first()).copied());
        match pick {
            Some(i) => {
                used[i] = true;
                let l = &lines[i];
                item.period = Some(l.period);
                item.due = Some(l.amount);
                item.difference = Some(d.amount - l.amount);
                if l.amount == d.amount {
                    item.status = Status::Matched;
                    item.why = l.formula.clone();
                } else {
                    item.status = Status::Mismatched;
                    item.why = format!("the contract gives {} = {}", l.amount, l.formula);
                }
            }
            None => {
                item.why = format!("clause {rule} booked nothing (more) in periods 1–{closed}");
            }
        }
        items.push(item);
    }
    for (i, l) in lines.iter().enumerate().filter(|(i, _)| !used[*i]) {
        let _ = i;
        if l.amount.is_zero() {
            continue;
        }
        items.push(Item {
            status: Status::Missing,
            row: None,
            date: None,
            fee_type: None,
            reference: None,
            charged: None,
            rule: Some(l.rule.clone()),
            period: Some(l.period),
            due: Some(l.amount),
            difference: Some(-l.amount),
            why: l.formula.clone(),
        });
    }
    let count = |s: Status| items.iter().filter(|x| x.status == s).count();
    let counts = [
        count(Status::Matched),
        count(Status::Mismatched),
        count(Status::Unexplained),
        count(Status::Ambiguous),
        count(Status::Missing),
    ];
    Reconciliation {
        file: statement.file.clone(),
        charged: statement.lines.iter().map(|d| d.amount).sum(),
        due: lines.iter().map(|l| l.amount).sum(),
        items,
        counts,
    }
}
