//! The booking vocabulary: how a rule turns amounts into ledger lines and totals.
//!
//! A rule never rounds, never adds to a total and never builds a ledger line itself: it hands
//! every amount to [`Out`], the booker, with the [`Formula`] that explains it. The booker
//!
//! * rounds each amount where the contract says ([`Rounding`]: per line by default, or once
//!   per rule and kind with `point = "rule"`),
//! * adds the rounded amount to the totals per [`FeeKind`] (and, for rules a guaranteed
//!   minimum covers, to the per-period amounts the floor reads),
//! * and hands the line to a [`Sink`]: the ledger keeps it, the totals-only path (`()`) drops
//!   it without ever building it.
//!
//! # The contract a rule implements
//!
//! Like a `Sink` in ripgrep's searcher, the booker is the only way out of a rule, so what holds
//! for the booker holds for every rule:
//!
//! * **Lines add up.** The totals are sums of the rounded lines, whichever sink is used:
//!   Σ ledger lines of a kind = that kind's total, exactly.
//! * **Rounding happens here.** A rule passes exact amounts: a `Decimal` ([`Out::emit`]) or an
//!   integer value times an exact factor ([`Out::emit_product`]). The booker takes an integer
//!   path (mantissa arithmetic, [`round_scaled`]) when the amount fits and lines are rounded one
//!   by one, and the `Decimal` path otherwise; both book identical amounts, so a rule has no
//!   fast path and no fallback of its own.
//! * **Zero lines** are skipped unless the rule asks to keep them (annual settlements show
//!   their result even when nothing is due).
//! * **Shortcuts are the booker's.** A rule that books many lines of one product may ask
//!   [`Out::unrounded_total`] whether their sum can be booked at once ([`Out::book`]); the
//!   booker answers only when that cannot change a total or a line anyone reads.

use rust_decimal::Decimal;

use crate::error::Error;
use crate::fees::FeeKind;
use crate::fees::formula::Formula;
use crate::money::{Rounding, RoundingPoint};

/// One amount as it leaves the booker.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    /// Index of the fee rule in `contract.fees`, or `None` for payment-terms lines.
    pub rule: Option<usize>,
    /// 1-based period.
    pub period: u16,
    /// Fee kind (or financing).
    pub kind: FeeKind,
    /// How it was computed.
    pub formula: Formula,
    /// The exact amount before rounding.
    pub exact: Decimal,
    /// The rounded amount (what is booked).
    pub amount: Decimal,
}

/// Receives every booked line. `()` ignores them (totals only).
pub trait Sink {
    /// False when the sink ignores lines, so the booker does not build them (the exact and
    /// booked amounts of integer lines are then never turned into `Decimal`s).
    const KEEPS_LINES: bool = true;
    /// True when the sink wants every booked amount per rule ([`Sink::rule_booked`]); false
    /// (the default) compiles the hook away.
    const KEEPS_RULES: bool = false;
    /// Called once per booked line.
    fn record(&mut self, line: &Line);
    /// Called for every amount booked (only when [`Sink::KEEPS_RULES`]): the rule's index in
    /// `contract.fees` (`None` for payment terms), the kind, the amount in units of the last
    /// booked decimal, and the line's formula (`None` for a total booked at once through
    /// [`Out::book`], which only plain per-line rules do). What the per-rule capture
    /// ([`crate::settle::RuleCapture`]) reads: amounts and, from the formulas, binding floors,
    /// caps and tiers reached.
    #[inline]
    fn rule_booked(&mut self, _rule: Option<usize>, _kind: FeeKind, _units: i128, _formula: Option<&Formula>) {}
}

impl Sink for () {
    const KEEPS_LINES: bool = false;
    #[inline]
    fn record(&mut self, _: &Line) {}
}

/// Keeps every line.
#[derive(Debug, Default)]
pub struct LedgerSink {
    /// The lines, in booking order.
    pub lines: Vec<Line>,
}

impl Sink for LedgerSink {
    fn record(&mut self, line: &Line) {
        self.lines.push(*line);
    }
}

/// Checked multiplication for settlement arithmetic.
///
/// # Errors
///
/// [`Error::Overflow`] when the product leaves the range of a `Decimal`.
#[inline]
pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    a.checked_mul(b).ok_or_else(|| Error::overflow_product(a, b))
}

/// Millionths (how hot loops hold money) to `Decimal`.
///
/// # Errors
///
/// [`Error::Overflow`] when the amount does not fit a `Decimal`.
#[inline]
pub fn dec(micro: i128) -> Result<Decimal, Error> {
    crate::outcome::from_micro(micro)
}

/// An exact amount `mantissa × 10^−scale`, computed in integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fixed {
    pub mantissa: i128,
    pub scale: u32,
}

impl Fixed {
    /// `value × 10^−value_scale × d`; `None` when the product does not fit.
    #[inline]
    pub fn product(value: i128, value_scale: u32, d: Decimal) -> Option<Fixed> {
        Some(Fixed { mantissa: value.checked_mul(d.mantissa())?, scale: value_scale + d.scale() })
    }
}

/// Largest mantissa a `Decimal` holds (2⁹⁶ − 1): integer lines beyond it go through `Decimal`
/// so both paths overflow, or round, at the same place.
pub(crate) const DECIMAL_MAX_MANTISSA: u128 = (1 << 96) - 1;

/// Rounds `m × 10^−from` to `to` decimals (`to < from`) with `mode`, in integers; the result is
/// at scale `to`. Identical to `Decimal::round_dp_with_strategy` on the same exact value.
#[inline]
pub fn round_scaled(m: i128, from: u32, to: u32, mode: crate::money::RoundingMode) -> i128 {
    use crate::money::RoundingMode as M;
    let d = 10i128.pow(from - to);
    // 64-bit division when both fit (a 128-bit division is a library call, several times slower).
    let (q, r) = match (i64::try_from(m), i64::try_from(d)) {
        (Ok(m64), Ok(d64)) => ((m64 / d64) as i128, (m64 % d64) as i128),
        _ => (m / d, m % d),
    };
    if r == 0 {
        return q;
    }
    let away = if m < 0 { q - 1 } else { q + 1 };
    let twice = 2 * r.unsigned_abs();
    let half = twice.cmp(&d.unsigned_abs());
    match mode {
        M::Down => q,
        M::Up => away,
        M::HalfUp => {
            if half.is_lt() {
                q
            } else {
                away
            }
        }
        M::HalfDown => {
            if half.is_gt() {
                away
            } else {
                q
            }
        }
        M::HalfEven => match half {
            std::cmp::Ordering::Less => q,
            std::cmp::Ordering::Greater => away,
            std::cmp::Ordering::Equal => {
                if q % 2 == 0 {
                    q
                } else {
                    away
                }
            }
        },
    }
}

/// The booker: rounds, totals and forwards every line (see the [module docs](self)).
///
/// Booked amounts are whole multiples of 10^−decimals, so totals per fee kind and the
/// per-period amounts guaranteed minimums read are kept exactly as integer counts of the last
/// decimal (cents by default) and turned into `Decimal` once, at the end.
pub struct Out<'s, S: Sink> {
    sink: &'s mut S,
    rounding: Rounding,
    /// Booked totals per fee kind, in units of the last booked decimal (cents by default).
    pub(crate) kinds: [i128; FeeKind::COUNT],
    rule: Option<usize>,
    cum_exact: Decimal,
    cum_rounded: Decimal,
    /// Booked amount per period of each rule a guaranteed minimum covers (slot × periods), in
    /// units of the last booked decimal.
    booked: &'s mut [i128],
    /// Slot in `booked` of each rule, `None` when no guaranteed minimum covers it.
    slots: &'s [Option<usize>],
    periods: usize,
}

impl<'s, S: Sink> Out<'s, S> {
    /// A booker for one settlement (the engine builds it).
    pub(crate) fn new(
        sink: &'s mut S,
        rounding: Rounding,
        booked: &'s mut [i128],
        slots: &'s [Option<usize>],
        periods: usize,
    ) -> Out<'s, S> {
        Out {
            sink,
            rounding,
            kinds: [0; FeeKind::COUNT],
            rule: None,
            cum_exact: Decimal::ZERO,
            cum_rounded: Decimal::ZERO,
            booked,
            slots,
            periods,
        }
    }

    /// The amount booked by rule `rule` in period `p` (rules a guaranteed minimum covers), in
    /// units of the last booked decimal.
    pub fn booked_at(&self, rule: usize, p: usize) -> i128 {
        self.slots[rule].map_or(0, |slot| self.booked[slot * self.periods + p])
    }

    /// The amounts booked by rule `rule` over periods `from..=to` (units of the last decimal).
    pub fn booked_over(&self, rule: usize, from: usize, to: usize) -> i128 {
        self.slots[rule]
            .map_or(0, |slot| self.booked[slot * self.periods + from..=slot * self.periods + to].iter().sum())
    }

    /// A booked total (units of the last decimal) as a `Decimal` with the contract's decimals.
    pub fn decimal(&self, units: i128) -> Decimal {
        Decimal::from_i128_with_scale(units, self.rounding.decimals)
    }

    /// Starts the lines of a rule (`None`: payment terms); resets the running totals that
    /// rounding point `rule` rounds.
    pub(crate) fn begin(&mut self, rule: Option<usize>) {
        self.rule = rule;
        self.cum_exact = Decimal::ZERO;
        self.cum_rounded = Decimal::ZERO;
    }

    /// The amount `value × 10^−scale × factor` in units of the last booked decimal, when its
    /// lines need no rounding and nobody reads them one by one: totals only, rounding per line,
    /// at most `decimals` decimals, and no guaranteed minimum covering the current rule. Such
    /// lines add up to their exact sum, so a rule may [`Out::book`] one total instead (`None`
    /// otherwise).
    pub fn unrounded_total(&self, value: i128, scale: u32, factor: Decimal) -> Option<i128> {
        let x = Fixed::product(value, scale, factor)?;
        let dp = self.rounding.decimals;
        let plain = !S::KEEPS_LINES && self.rounding.point == RoundingPoint::Line && x.scale <= dp;
        let covered = self.rule.is_some_and(|r| self.slots[r].is_some());
        if !plain || covered || x.mantissa.unsigned_abs() > DECIMAL_MAX_MANTISSA {
            return None;
        }
        x.mantissa.checked_mul(10i128.pow(dp - x.scale))
    }

    /// Adds a booked amount (units of the last decimal) to the totals, recording no line (what
    /// a total from [`Out::unrounded_total`] needs).
    #[inline]
    pub fn book(&mut self, p: usize, kind: FeeKind, units: i128) {
        self.add(p, kind, units);
        if S::KEEPS_RULES {
            self.sink.rule_booked(self.rule, kind, units, None);
        }
    }

    /// Adds a booked amount to the totals per kind and the per-period amounts floors read.
    #[inline]
    fn add(&mut self, p: usize, kind: FeeKind, units: i128) {
        self.kinds[kind.index()] += units;
        if let Some(slot) = self.rule.and_then(|r| self.slots[r]) {
            self.booked[slot * self.periods + p] += units;
        }
    }

    /// Books one line of an exact amount in 0-based period `p` and returns the booked
    /// (rounded) amount. Zero lines are skipped unless `keep_zero`.
    pub fn emit(&mut self, p: usize, kind: FeeKind, formula: Formula, exact: Decimal, keep_zero: bool) -> Decimal {
        let amount = match self.rounding.point {
            RoundingPoint::Line => self.rounding.round(exact),
            RoundingPoint::Rule => {
                self.cum_exact += exact;
                let r = self.rounding.round(self.cum_exact) - self.cum_rounded;
                self.cum_rounded += r;
                r
            }
        };
        if amount.is_zero() && exact.is_zero() && !keep_zero {
            return amount;
        }
        // `amount` has exactly `decimals` decimals: its mantissa counts units of the last.
        let mut scaled = amount;
        scaled.rescale(self.rounding.decimals);
        self.add(p, kind, scaled.mantissa());
        if S::KEEPS_RULES {
            self.sink.rule_booked(self.rule, kind, scaled.mantissa(), Some(&formula));
        }
        if S::KEEPS_LINES {
            self.sink.record(&Line { rule: self.rule, period: p as u16 + 1, kind, formula, exact, amount });
        }
        amount
    }

    /// Books one line of the exact amount `value × 10^−scale × factor`: an integer value (a
    /// base in millionths with `scale` 6, or a count with `scale` 0) times an exact rate or
    /// price. Zero lines are skipped unless `keep_zero`, as in [`Out::emit`].
    ///
    /// The booker rounds in integers when lines are rounded one by one and the product fits a
    /// `Decimal`; otherwise it computes the same product in `Decimal` and books it through
    /// [`Out::emit`], so both paths book identical amounts.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the product leaves the range of a `Decimal`.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn emit_product(
        &mut self,
        p: usize,
        kind: FeeKind,
        formula: Formula,
        value: i128,
        scale: u32,
        factor: Decimal,
        keep_zero: bool,
    ) -> Result<(), Error> {
        let dp = self.rounding.decimals;
        let fits = |f: &Fixed| f.scale <= 28 && f.mantissa.unsigned_abs() <= DECIMAL_MAX_MANTISSA;
        let exact = Fixed::product(value, scale, factor);
        let Some(x) = exact.filter(|f| fits(f) && self.rounding.point == RoundingPoint::Line) else {
            let exact = Decimal::try_from_i128_with_scale(value, scale)
                .map_err(|_| Error::overflow_value(value, scale))
                .and_then(|v| mul(v, factor))
                .map_err(|e| match e {
                    Error::Overflow(mut o) => {
                        o.period = Some(p as u16 + 1);
                        Error::Overflow(o)
                    }
                    e => e,
                })?;
            self.emit(p, kind, formula, exact, keep_zero);
            return Ok(());
        };
        if x.mantissa == 0 && !keep_zero {
            return Ok(());
        }
        let rounded = if x.scale > dp {
            round_scaled(x.mantissa, x.scale, dp, self.rounding.mode)
        } else {
            x.mantissa * 10i128.pow(dp - x.scale)
        };
        self.add(p, kind, rounded);
        if S::KEEPS_RULES {
            self.sink.rule_booked(self.rule, kind, rounded, Some(&formula));
        }
        if S::KEEPS_LINES {
            let exact = Decimal::from_i128_with_scale(x.mantissa, x.scale);
            let amount = Decimal::from_i128_with_scale(rounded, dp);
            self.sink.record(&Line { rule: self.rule, period: p as u16 + 1, kind, formula, exact, amount });
        }
        Ok(())
    }
}
