//! Compliance flags (合规提示): the clauses of a contract that published rules on
//! retailer–supplier trading restrict, each with the rule cited and the clause located.
//!
//! A contract declares the jurisdictions that apply (`jurisdiction = "cn"`, or a list of
//! `cn`, `uk`, `eu`); without one nothing is checked. The rules are data: one TOML file per
//! instrument in this directory (China's 2006 fair-trading Measures, the 2011–12 fee clean-up
//! and the 2020 SME-payment regulation; the UK Groceries Supply Code of Practice; Directive (EU)
//! 2019/633), embedded in the library and parsed once. Each rule cites its instrument, section
//! and source, and says what it matches with a [`Matcher`] over the contract model: fee rules
//! of given [kinds](FeeKind), optionally only those meeting a [`FeeCondition`], or payment
//! terms longer than a number of days. A practice the model has no field for is listed as
//! [`Matcher::NotModelled`], documented and never flagged.
//!
//! [`check`] returns one [`Flag`] per (rule, clause) match: the rule's citation, the clause's
//! fee id, kind and key path (`fees[2]`), its file, line and column when the contract was read
//! from a file, the amount at stake in the contract's own plan, and a why-text in English and
//! Chinese. The chapter docs/compliance.md lists every rule and what the model cannot check.

use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::contract::Contract;
pub use crate::contract::Jurisdiction;
use crate::fees::{FeeKind, FeeRule, Rule};
use crate::money::format_money;

/// The instrument files, embedded: (file name, text), in the order flags are reported.
pub const FILES: [(&str, &str); 5] = [
    ("cn-2006-fair-trading.toml", include_str!("cn-2006-fair-trading.toml")),
    ("cn-2012-fee-cleanup.toml", include_str!("cn-2012-fee-cleanup.toml")),
    ("cn-2020-sme-payment.toml", include_str!("cn-2020-sme-payment.toml")),
    ("uk-gscop.toml", include_str!("uk-gscop.toml")),
    ("eu-2019-633.toml", include_str!("eu-2019-633.toml")),
];

/// One instrument file: the instrument and its rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentRules {
    /// The instrument cited.
    pub instrument: Instrument,
    /// What it restricts, in the order flags are reported.
    pub rules: Vec<ComplianceRule>,
}

/// A published instrument (law, regulation, code of practice, directive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Identifier, the file's name without `.toml` (`uk-gscop`).
    pub id: String,
    /// Where it applies.
    pub jurisdiction: Jurisdiction,
    /// The title in Chinese (the original title of a Chinese instrument).
    pub title_zh: String,
    /// The title in English (the original title of a UK or EU instrument).
    pub title_en: String,
    /// The year or years it was issued (`2006`, `2011–2012`).
    pub year: String,
    /// Who issued it.
    pub issuer: String,
    /// Who issued it, in Chinese.
    pub issuer_zh: String,
    /// The text cited, when the project's reference gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Further sources (guidance, case studies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub see_also: Vec<String>,
}

/// How serious a match is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The instrument bans the clause (禁止).
    Prohibited,
    /// The instrument allows the clause only under conditions the contract must meet (agreed in
    /// advance, tied to a promotion, within a limit) (限制).
    Restricted,
    /// The instrument may apply: facts the model does not hold decide (the supplier's size,
    /// whether goods are perishable, what service a fee buys) (待核查).
    Review,
}

impl Severity {
    /// The code (`prohibited`, `restricted`, `review`).
    pub fn code(self) -> &'static str {
        match self {
            Severity::Prohibited => "prohibited",
            Severity::Restricted => "restricted",
            Severity::Review => "review",
        }
    }

    /// English and Chinese names.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Severity::Prohibited => ("prohibited", "禁止"),
            Severity::Restricted => ("restricted", "限制"),
            Severity::Review => ("review", "待核查"),
        }
    }
}

/// One rule of an instrument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplianceRule {
    /// Unique identifier, prefixed with the instrument's (`uk-gscop-wastage`).
    pub id: String,
    /// The section or heading of the instrument the rule comes from.
    pub section: String,
    /// The section in Chinese.
    pub section_zh: String,
    /// The article or paragraph number, only where the project's reference gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// How serious a match is.
    pub severity: Severity,
    /// One line: what the rule restricts.
    pub summary: String,
    /// The summary in Chinese.
    pub summary_zh: String,
    /// Why a matching clause is flagged, completing a sentence whose subject is the clause
    /// (`"is a festival fee …"`); may use `{days}`, `{limit}`, `{excess}`, `{skus}`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
    /// The why-text in Chinese.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why_zh: String,
    /// What the rule matches in a contract.
    #[serde(rename = "match")]
    pub matcher: Matcher,
}

/// What a rule matches, as data over the contract model (`match = { when = "…", … }`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "when", rename_all = "snake_case", deny_unknown_fields)]
pub enum Matcher {
    /// Fee rules (`[[fees]]`) of the given kinds (every kind when empty), optionally only
    /// those meeting a condition.
    Fee {
        /// The fee kinds matched (the `kind` codes of the ledger: `festival_fee`, …).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        kinds: Vec<FeeKind>,
        /// A condition the fee rule must also meet.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        only: Option<FeeCondition>,
    },
    /// Payment terms (`[payment] days`) longer than `over` days (and at most `at_most`).
    PaymentDays {
        /// The limit: terms of more days are flagged.
        over: u32,
        /// An upper bound of the band matched (another rule covers longer terms).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most: Option<u32>,
        /// True when the rule protects SMEs only: a supplier with `sme = false` is not
        /// flagged, one that does not say is flagged for review.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        sme: bool,
    },
    /// A practice the contract model has no field for: listed and documented, never flagged.
    NotModelled {
        /// What the model lacks.
        reason: String,
    },
}

/// A condition on a matched fee rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeCondition {
    /// The rule comes into force after period 1 (`from_period` > 1) and says
    /// `retroactive = true`: it reaches back into periods before it was in force.
    ReachesBack,
    /// A listing fee whose `skus` name SKUs that are not new listings (`new_listing = false`).
    NamesExistingItems,
}

/// Every instrument and its rules, parsed once from [`FILES`].
///
/// # Panics
///
/// Never for the files shipped: a test parses and checks every one.
pub fn instruments() -> &'static [InstrumentRules] {
    static PARSED: OnceLock<Vec<InstrumentRules>> = OnceLock::new();
    PARSED.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, text)| parse(text).unwrap_or_else(|e| panic!("compliance rule file {name}: {e}")))
            .collect()
    })
}

/// Parses one instrument file.
///
/// # Errors
///
/// The TOML error (with its line and column) when the text is not an instrument file: an
/// unknown key, an unknown fee kind or matcher, a missing field.
pub fn parse(text: &str) -> Result<InstrumentRules, toml::de::Error> {
    toml::from_str(text)
}

/// Where a clause is in the contract's files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file (the contract file; the supplier file for `supplier.…` key paths).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// The clause a flag concerns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlaggedClause {
    /// The fee rule's id, for a fee clause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<String>,
    /// The fee kind, for a fee clause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<FeeKind>,
    /// The clause's label (the fee's label, or "Payment terms").
    pub label: String,
    /// The label in Chinese.
    pub label_zh: String,
    /// The key path in the contract (`fees[2]`, `payment.days`).
    pub key_path: String,
    /// File, line and column, when the contract was loaded from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// One clause that one rule restricts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flag {
    /// The rule's id.
    pub rule: String,
    /// The jurisdiction.
    pub jurisdiction: Jurisdiction,
    /// How serious the match is (the rule's, or `review` when a condition of the rule is not
    /// known: an SME rule and a supplier that does not say).
    pub severity: Severity,
    /// The instrument cited.
    pub instrument: Instrument,
    /// The section or heading cited.
    pub section: String,
    /// The section in Chinese.
    pub section_zh: String,
    /// The article or paragraph, where the reference gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// What the rule restricts.
    pub summary: String,
    /// The summary in Chinese.
    pub summary_zh: String,
    /// The clause.
    pub clause: FlaggedClause,
    /// The amount at stake in the contract's own plan: the fee's total in the plan's
    /// settlement, or for payment terms the financing cost of the days beyond the limit.
    /// `None` when it is not known (the plan cannot be settled, an early-payment discount
    /// changes when payment is made).
    pub amount: Option<Decimal>,
    /// Why this clause is flagged.
    pub why: String,
    /// Why, in Chinese.
    pub why_zh: String,
}

/// The compliance flags of a contract under the jurisdictions it declares: one per (rule,
/// clause) match, in the order of the instrument files, their rules, then the contract's
/// clauses. A contract that declares no jurisdiction has none.
///
/// ```
/// let mut c = kasim_core::demo::contract(r#"
/// [[fees]]
/// id = "anniversary"
/// kind = "lump_sum"
/// event = "anniversary"
/// amount = "500"
/// per = "store"
/// periods = [9]
/// "#).unwrap();
/// assert!(kasim_core::compliance::check(&c).is_empty()); // no jurisdiction declared
///
/// c.jurisdiction = vec![kasim_core::compliance::Jurisdiction::Cn];
/// let flags = kasim_core::compliance::check(&c);
/// let rules: Vec<&str> = flags.iter().map(|f| f.rule.as_str()).collect();
/// assert_eq!(rules, ["cn-2006-fee-unrelated-to-sales", "cn-2012-anniversary-fee"]);
/// let f = &flags[1];
/// assert_eq!(f.severity, kasim_core::compliance::Severity::Prohibited);
/// assert_eq!(f.clause.key_path, "fees[0]");
/// assert_eq!(f.amount.unwrap().to_string(), "50000.00"); // 500 × 100 stores
/// let at = f.clause.location.as_ref().unwrap();
/// assert_eq!((at.file.as_str(), at.line), ("demo.toml", 32)); // the `[[fees]]` line
/// assert!(f.why_zh.starts_with("店庆费"));
/// ```
pub fn check(contract: &Contract) -> Vec<Flag> {
    if contract.jurisdiction.is_empty() {
        return Vec::new();
    }
    let plan = crate::settle::evaluate(contract).ok();
    let mut flags = Vec::new();
    for file in instruments() {
        let inst = &file.instrument;
        if !contract.jurisdiction.contains(&inst.jurisdiction) {
            continue;
        }
        for rule in &file.rules {
            let cx = Cx { contract, plan: plan.as_ref(), inst, rule };
            match &rule.matcher {
                Matcher::Fee { kinds, only } => cx.fees(kinds, *only, &mut flags),
                Matcher::PaymentDays { over, at_most, sme } => cx.payment(*over, *at_most, *sme, &mut flags),
                Matcher::NotModelled { .. } => {}
            }
        }
    }
    flags
}

/// One rule checked against one contract.
struct Cx<'a> {
    contract: &'a Contract,
    /// The plan's settlement, for the amounts at stake.
    plan: Option<&'a crate::settle::Settlement>,
    inst: &'a Instrument,
    rule: &'a ComplianceRule,
}

impl Cx<'_> {
    /// A `fee` matcher: every fee rule of `kinds` meeting `only`.
    fn fees(&self, kinds: &[FeeKind], only: Option<FeeCondition>, flags: &mut Vec<Flag>) {
        let Cx { contract, plan, inst, rule } = *self;
        for (i, fee) in contract.fees.iter().enumerate() {
            if !kinds.is_empty() && !kinds.contains(&fee.kind()) {
                continue;
            }
            let Some(hit) = fee_condition(contract, fee, only) else { continue };
            let amount = plan.as_ref().and_then(|s| {
                let mut lines = s.ledger.iter().filter(|l| l.rule == fee.id);
                lines.try_fold(Decimal::ZERO, |a, l| a.checked_add(l.amount))
            });
            let key_path = match hit.key {
                Some(k) => format!("fees[{i}].{k}"),
                None => format!("fees[{i}]"),
            };
            let money = amount.map(|a| format!("{} {}", contract.currency, format_money(a, 2)));
            let (subject, subject_zh) = match &money {
                Some(m) => (
                    format!("{} `{}` ({m} in the plan)", fee.label(), fee.id),
                    format!("{}「{}」（计划金额 {m}）", fee.label_zh(), fee.id),
                ),
                None => (format!("{} `{}`", fee.label(), fee.id), format!("{}「{}」", fee.label_zh(), fee.id)),
            };
            let fill = |t: &str| fill(t, &[("skus", hit.skus.as_str())]);
            let clause = FlaggedClause {
                fee: Some(fee.id.clone()),
                kind: Some(fee.kind()),
                label: fee.label().to_string(),
                label_zh: fee.label_zh().to_string(),
                location: locate(contract, &key_path),
                key_path,
            };
            flags.push(flag(
                inst,
                rule,
                rule.severity,
                clause,
                amount,
                format!("{subject} {}", fill(&rule.why)),
                format!("{subject_zh}{}", fill(&rule.why_zh)),
            ));
        }
    }

    /// A `payment_days` matcher: the contract's payment term against the limit.
    fn payment(&self, over: u32, at_most: Option<u32>, sme: bool, flags: &mut Vec<Flag>) {
        let Cx { contract, plan, inst, rule } = *self;
        let days = contract.payment.days;
        if days <= over || at_most.is_some_and(|m| days > m) {
            return;
        }
        let declared = contract.supplier().and_then(|s| s.sme);
        if sme && declared == Some(false) {
            return;
        }
        let excess = days - over;
        // The financing cost of the days beyond the limit, when payment is made on
        // the term (no early-payment discount taken).
        let early = contract.payment.early_payment.as_ref().is_some_and(|e| e.taken);
        let amount = plan.as_ref().filter(|_| !early).and_then(|s| {
            let x = s.pnl.financing_cost.checked_mul(Decimal::from(excess))?;
            Some(contract.rounding.round(x.checked_div(Decimal::from(days))?))
        });
        let vars = [("days", days.to_string()), ("limit", over.to_string()), ("excess", excess.to_string())];
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut why = format!("Payment terms of {days} days {}", fill(&rule.why, &vars));
        let mut why_zh = format!("账期 {days} 天，{}", fill(&rule.why_zh, &vars));
        if let Some(a) = amount {
            let m = format!("{} {}", contract.currency, format_money(a, 2));
            why.push_str(&format!(" Financing those {excess} days costs {m} in the plan."));
            why_zh.push_str(&format!("多出的 {excess} 天资金成本在计划中为 {m}。"));
        }
        let mut severity = rule.severity;
        if sme && declared.is_none() {
            severity = Severity::Review;
            why.push_str(
                " The rule protects SMEs only, and the supplier does not say whether it is one: set \
             `sme = true` (or `false`) in the supplier file.",
            );
            why_zh.push_str(
                "该规定仅保护中小企业，而供应商未说明是否为中小企业：请在供应商文件中设置 `sme = true`（或 `false`）。",
            );
        }
        let key_path = "payment.days".to_string();
        let clause = FlaggedClause {
            fee: None,
            kind: None,
            label: "Payment terms".to_string(),
            label_zh: "账期".to_string(),
            location: locate(contract, &key_path),
            key_path,
        };
        flags.push(flag(inst, rule, severity, clause, amount, why, why_zh));
    }
}

/// What a fee condition found: the key under the fee rule it concerns, and the SKUs named.
struct Hit {
    key: Option<&'static str>,
    skus: String,
}

/// `Some` when the fee rule meets the condition (always without one).
fn fee_condition(c: &Contract, fee: &FeeRule, only: Option<FeeCondition>) -> Option<Hit> {
    match only {
        None => Some(Hit { key: None, skus: String::new() }),
        Some(FeeCondition::ReachesBack) => (fee.retroactive && fee.from_period.is_some_and(|p| p > 1))
            .then(|| Hit { key: Some("retroactive"), skus: String::new() }),
        Some(FeeCondition::NamesExistingItems) => {
            let Rule::Listing(l) = &fee.rule else { return None };
            let existing: Vec<&str> = l
                .skus
                .iter()
                .filter(|code| c.skus.iter().any(|t| &t.sku == *code && !t.new_listing))
                .map(String::as_str)
                .collect();
            (!existing.is_empty()).then(|| Hit { key: Some("skus"), skus: existing.join(", ") })
        }
    }
}

/// Replaces `{name}` by its value.
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The clause's file, line and column, when the contract was loaded from a file.
fn locate(c: &Contract, key_path: &str) -> Option<Location> {
    c.source.file()?;
    let p = c.source.locate(key_path, String::new());
    Some(Location { file: p.file.display().to_string(), line: p.line, column: p.column })
}

fn flag(
    inst: &Instrument,
    rule: &ComplianceRule,
    severity: Severity,
    clause: FlaggedClause,
    amount: Option<Decimal>,
    why: String,
    why_zh: String,
) -> Flag {
    Flag {
        rule: rule.id.clone(),
        jurisdiction: inst.jurisdiction,
        severity,
        instrument: inst.clone(),
        section: rule.section.clone(),
        section_zh: rule.section_zh.clone(),
        article: rule.article.clone(),
        summary: rule.summary.clone(),
        summary_zh: rule.summary_zh.clone(),
        clause,
        amount,
        why,
        why_zh,
    }
}

#[cfg(test)]
mod tests;
