//! What a fee rule is: the [`Clause`] trait every rule's parameters implement, how a rule
//! checks its parameters ([`Check`]) and how it exposes its numeric terms ([`TermSlot`]).
//!
//! A rule is one file in `fees/` — its doc (formula, worked example, edge cases), its
//! parameter struct, and one `impl Clause` — plus one line in the registry of
//! [`crate::fees`], which generates the [`Rule`](crate::fees::Rule) enum, the tags, the fee
//! kinds and the dispatch to this trait (static dispatch: one `match` per call, no trait
//! objects in the settlement loop).
//!
//! One parameter type may serve several kinds of rule (a percentage fee is an unconditional
//! rebate, a service fee, a logistics fee or a returns allowance): every method gets the
//! [`RuleTag`] of the variant it is called for.

use rust_decimal::Decimal;

use crate::error::Error;
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink};
use crate::fees::{FeeKind, FeeRule, RuleTag};
use crate::money::{Money, Rate};

/// What every fee rule implements (see the [module docs](self)).
pub trait Clause {
    /// The numeric terms of the rule (`fees.<id>.<term>`), in listing order: what
    /// `[[uncertainty.terms]]`, sensitivity, goal seek and negotiation can move.
    const TERMS: &'static [&'static str];

    /// True when the rule reads what other rules booked, so it is settled after all of them
    /// (guaranteed minimums).
    const SETTLED_LAST: bool = false;

    /// The fee kind this rule's lines carry.
    fn kind(&self, tag: RuleTag) -> FeeKind;

    /// The SKU codes the rule is restricted to (empty: every SKU).
    fn skus(&self) -> &[String] {
        &[]
    }

    /// The ids of the rules whose booked amounts this rule reads (guaranteed minimums).
    fn covers(&self) -> &[String] {
        &[]
    }

    /// Checks the rule's parameters, reporting every problem through `ck` (the shared header
    /// — id, window — is checked by [`FeeRule::check`]).
    fn check(&self, tag: RuleTag, ck: &mut Check<'_>);

    /// The numeric term `field` (one of [`Clause::TERMS`]), for reading and setting.
    fn term(&mut self, field: &str) -> Option<TermSlot<'_>>;

    /// The rule's scale, when it has tiers addressable as `tiers[<i>].<field>`.
    fn tiers(&mut self) -> Option<&mut Vec<crate::fees::Tier>> {
        None
    }

    /// Settles the rule over one outcome: every amount goes to `out`, in 0-based periods of
    /// the rule's window.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when an amount leaves the range of exact arithmetic.
    fn settle<S: Sink>(&self, tag: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error>;
}

/// A mutable reference to one numeric term of a contract.
#[derive(Debug)]
pub enum TermSlot<'a> {
    /// A required amount.
    Money(&'a mut Money),
    /// An optional amount (reads as 0 when unset).
    OptMoney(&'a mut Option<Money>),
    /// A required rate.
    Rate(&'a mut Rate),
    /// An optional rate (reads as 0 when unset).
    OptRate(&'a mut Option<Rate>),
    /// A required count.
    Count(&'a mut u32),
    /// An optional count (reads as 0 when unset).
    OptCount(&'a mut Option<u32>),
}

/// A problem: (key path, message).
pub type Issue = (String, String);

/// "must not be negative" — shared by rules and the rest of validation, so messages agree.
pub(crate) fn negative(m: Money) -> Option<String> {
    (m.0.is_sign_negative() && !m.0.is_zero()).then(|| format!("must not be negative, but is {}", m.0))
}

/// "must be between 0% and 100%".
pub(crate) fn not_fraction(r: Rate) -> Option<String> {
    (r.0 < Decimal::ZERO || r.0 > Decimal::ONE).then(|| {
        let mut m = format!("must be between 0% and 100%, but is {r}");
        if r.0 > Decimal::ONE && r.0.fract().is_zero() {
            // `rate = 15` meant 15%: a plain number is a fraction.
            let n = r.0.normalize();
            m.push_str(&format!(" (a plain number is a fraction: {n} means {r}; for {n}% write \"{n}%\")"));
        }
        m
    })
}

/// "period outside the contract year".
pub(crate) fn outside_year(p: u16, periods: usize) -> Option<String> {
    (p == 0 || p as usize > periods).then(|| format!("period {p} is outside the contract year (1–{periods})"))
}

/// Checks one rule's parameters against its contract. Key paths are relative to the rule
/// (`"amount"`, `"tiers[2].rate"`, `""` for the rule itself) and built only when a problem is
/// reported, so checking a valid rule allocates nothing.
pub struct Check<'a> {
    index: usize,
    periods: usize,
    skus: &'a [&'a str],
    fees: &'a [FeeRule],
    out: &'a mut Vec<Issue>,
}

impl<'a> Check<'a> {
    /// A checker for rule `index` of `fees`, in a contract of `periods` periods with SKUs `skus`.
    pub(crate) fn new(
        index: usize,
        periods: usize,
        skus: &'a [&'a str],
        fees: &'a [FeeRule],
        out: &'a mut Vec<Issue>,
    ) -> Check<'a> {
        Check { index, periods, skus, fees, out }
    }

    /// Index of the rule checked in `contract.fees`.
    pub fn index(&self) -> usize {
        self.index
    }

    /// A 1-based period of the contract year.
    pub fn period(&mut self, field: &str, p: u16) {
        if let Some(msg) = outside_year(p, self.periods) {
            self.err(field, msg);
        }
    }

    /// Periods in the contract year.
    pub fn periods(&self) -> usize {
        self.periods
    }

    /// Every fee rule of the contract (for rules that refer to others).
    pub fn fees(&self) -> &[FeeRule] {
        self.fees
    }

    /// Reports a problem at `field` of the rule (`""`: the rule itself).
    pub fn err(&mut self, field: &str, message: impl Into<String>) {
        let path =
            if field.is_empty() { format!("fees[{}]", self.index) } else { format!("fees[{}].{field}", self.index) };
        self.out.push((path, message.into()));
    }

    /// Reports a problem at a field whose name is built only when needed.
    pub fn err_at(&mut self, field: impl FnOnce() -> String, message: impl Into<String>) {
        let f = field();
        self.err(&f, message);
    }

    /// An amount that must not be negative.
    pub fn non_negative(&mut self, field: &str, m: Money) {
        if let Some(msg) = negative(m) {
            self.err(field, msg);
        }
    }

    /// A share between 0% and 100%.
    pub fn fraction(&mut self, field: &str, r: Rate) {
        if let Some(msg) = not_fraction(r) {
            self.err(field, msg);
        }
    }

    /// 1-based periods of the contract year (`field[j]` each).
    pub fn periods_in_year(&mut self, field: &str, periods: &[u16]) {
        for (j, &p) in periods.iter().enumerate() {
            if let Some(msg) = outside_year(p, self.periods) {
                self.err_at(|| format!("{field}[{j}]"), msg);
            }
        }
    }

    /// Calendar months 1–12 (`field[j]` each).
    pub fn months(&mut self, field: &str, months: &[u16]) {
        for (j, &m) in months.iter().enumerate() {
            if !(1..=12).contains(&m) {
                self.err_at(|| format!("{field}[{j}]"), format!("month {m} is not 1–12"));
            }
        }
    }

    /// SKU codes that must be the contract's (`field[j]` each).
    pub fn selection(&mut self, field: &str, skus: &[String]) {
        for (j, s) in skus.iter().enumerate() {
            if !self.skus.contains(&s.as_str()) {
                let hint = crate::error::closest(s, self.skus.iter().copied())
                    .map_or(String::new(), |k| format!("; did you mean `{k}`?"));
                let msg = format!("SKU `{s}` is not one of the contract's SKUs ({}){hint}", self.skus.join(", "));
                self.err_at(|| format!("{field}[{j}]"), msg);
            }
        }
    }
}
