//! The accrual schedule: per period and rule, what to book so that the year-end total is not a
//! surprise, and how it changed since the last run.
//!
//! For rule r with expected full-year cost E (the mean over the scenarios, to the cent) and
//! B booked in the closed periods (the exact ledger), the rest U = E − B (year-end rebates,
//! floor top-ups, the open periods' fees) is spread over the whole year by expected base:
//!
//! ```text
//! accrual(r, p) = booked(r, p) + U × base(p) ÷ Σ base       (to the cent; the last period takes the rounding)
//! base(p) = gross invoiced sales of p: the actuals when closed, the scenarios' mean when open
//! ```
//!
//! so closed periods carry their share of the year-end amounts, and Σₚ accrual(r, p) = E
//! exactly. The accrual to date is the sum over the closed periods.
//!
//! **Changed since the last run** (`--previous FILE`, the JSON this command wrote): per rule,
//! the change in the expected full-year cost and in the accrual to date.

use std::path::Path;

use kasim_core::Compiled;
use kasim_core::settle::LedgerLine;
use kasim_montecarlo::conditioned::TrackRun;
use rust_decimal::Decimal;

use crate::error::Error;
use crate::track::mean_cents;
use crate::ytd::YearToDate;

/// One rule's accruals.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RuleAccrual {
    /// Rule id.
    pub rule: String,
    /// English label.
    pub label: String,
    /// Chinese label.
    pub label_zh: String,
    /// Expected full-year cost.
    pub expected_full_year: Decimal,
    /// Booked in the closed periods (the ledger).
    pub booked_to_date: Decimal,
    /// Accrued over the closed periods.
    pub accrued_to_date: Decimal,
    /// The accrual of every period.
    pub per_period: Vec<Decimal>,
}

/// One period of the schedule, all rules together.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PeriodAccrual {
    /// 1-based period.
    pub period: usize,
    /// True when closed (actuals).
    pub closed: bool,
    /// The period's base: gross invoiced sales (actual when closed, expected when open).
    pub base: Decimal,
    /// Fees booked in the period (closed periods only).
    pub booked: Decimal,
    /// The accrual of the period.
    pub accrual: Decimal,
    /// Accrued from period 1 to this one.
    pub cumulative: Decimal,
}

/// A rule's change since the previous run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Change {
    /// Rule id.
    pub rule: String,
    /// Expected full-year cost, previous run (absent when the rule is new).
    pub expected_before: Option<Decimal>,
    /// Expected full-year cost now.
    pub expected_now: Decimal,
    /// Now − before.
    pub expected_change: Decimal,
    /// Accrual to date, previous run.
    pub accrued_before: Option<Decimal>,
    /// Accrual to date now.
    pub accrued_now: Decimal,
    /// Now − before.
    pub accrued_change: Decimal,
}

/// The schedule.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Accruals {
    /// Per rule.
    pub rules: Vec<RuleAccrual>,
    /// Per period, all rules.
    pub periods: Vec<PeriodAccrual>,
    /// Σ expected full-year costs.
    pub expected_total: Decimal,
    /// Σ accruals to date.
    pub accrued_to_date: Decimal,
    /// The previous run's closed periods, with `--previous`.
    pub previous_closed: Option<usize>,
    /// Changes since the previous run, with `--previous`.
    pub changes: Vec<Change>,
}

/// The previous run, as read back from its JSON.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Previous {
    /// Its closed periods.
    pub closed: usize,
    /// Per rule: id, expected full-year cost, accrual to date.
    pub rules: Vec<(String, Decimal, Decimal)>,
}

impl Previous {
    /// Reads the JSON report `kasim track --format json` wrote.
    ///
    /// # Errors
    ///
    /// [`Error::Track`] naming the file when it is not such a report.
    pub fn from_json(file: &Path, text: &str) -> Result<Previous, Error> {
        let bad = |what: &str| Error::Track(format!("{}: not a kasim track JSON report: {what}", file.display()));
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(&format!("line {}:{}: {e}", e.line(), e.column())))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(crate::track::SCHEMA) {
            return Err(bad(&format!("\"format\" is not \"{}\"", crate::track::SCHEMA)));
        }
        let closed = v.get("closed").and_then(serde_json::Value::as_u64).ok_or_else(|| bad("no \"closed\""))?;
        let rules =
            v.pointer("/accruals/rules").and_then(|r| r.as_array()).ok_or_else(|| bad("no \"accruals\".\"rules\""))?;
        let dec = |x: &serde_json::Value, key: &str| -> Result<Decimal, Error> {
            x.get(key)
                .and_then(|d| d.as_str())
                .and_then(|d| d.parse::<Decimal>().ok())
                .ok_or_else(|| bad(&format!("accruals.rules[].{key} is not a decimal string")))
        };
        let rules = rules
            .iter()
            .map(|x| {
                let id = x.get("rule").and_then(|r| r.as_str()).ok_or_else(|| bad("accruals.rules[].rule"))?;
                Ok((id.to_string(), dec(x, "expected_full_year")?, dec(x, "accrued_to_date")?))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Previous { closed: usize::try_from(closed).unwrap_or(usize::MAX), rules })
    }
}

/// The accrual schedule (see the [module docs](self)).
pub fn schedule(
    compiled: &Compiled<'_>,
    ytd: &YearToDate,
    run: &TrackRun,
    lines: &[LedgerLine],
    previous: Option<&Previous>,
) -> Accruals {
    let periods = compiled.periods();
    let closed = ytd.closed.periods;
    let runs = Decimal::from(run.clauses.len().max(1));
    let micro = Decimal::from(1_000_000);
    let base: Vec<Decimal> = (0..periods)
        .map(|p| {
            if p < closed {
                compiled
                    .skus
                    .iter()
                    .enumerate()
                    .map(|(s, k)| Decimal::from(ytd.outcome.cell(p, s).delivered) * k.invoice)
                    .sum()
            } else {
                let total = Decimal::try_from_i128_with_scale(run.period_invoiced.get(p).copied().unwrap_or(0), 0)
                    .unwrap_or(Decimal::ZERO);
                (total / micro / runs).round_dp(2)
            }
        })
        .collect();
    let total_base: Decimal = base.iter().sum();
    let weight = |p: usize| {
        if total_base.is_zero() { Decimal::ONE / Decimal::from(periods.max(1)) } else { base[p] / total_base }
    };
    let mut rules = Vec::new();
    for (i, f) in compiled.contract.fees.iter().enumerate() {
        let expected = mean_cents(&run.clauses.column(i));
        let mut booked = vec![Decimal::ZERO; periods];
        for l in lines.iter().filter(|l| l.rule == f.id) {
            let p = usize::from(l.period).saturating_sub(1).min(periods.saturating_sub(1));
            booked[p] += l.amount;
        }
        let booked_total: Decimal = booked.iter().sum();
        let rest = expected - booked_total;
        let mut per_period = Vec::with_capacity(periods);
        let mut spread = Decimal::ZERO;
        for (p, &b) in booked.iter().enumerate() {
            let share = if p + 1 == periods { rest - spread } else { (rest * weight(p)).round_dp(2) };
            spread += share;
            per_period.push(b + share);
        }
        let accrued: Decimal = per_period[..closed].iter().sum();
        rules.push(RuleAccrual {
            rule: f.id.clone(),
            label: f.label().to_string(),
            label_zh: f.label_zh().to_string(),
            expected_full_year: expected,
            booked_to_date: booked_total,
            accrued_to_date: accrued,
            per_period,
        });
    }
    let mut cumulative = Decimal::ZERO;
    let periods_rows = (0..periods)
        .map(|p| {
            let accrual: Decimal = rules.iter().map(|r| r.per_period[p]).sum();
            cumulative += accrual;
            PeriodAccrual {
                period: p + 1,
                closed: p < closed,
                base: base[p],
                booked: lines.iter().filter(|l| usize::from(l.period) == p + 1).map(|l| l.amount).sum(),
                accrual,
                cumulative,
            }
        })
        .collect();
    let changes = previous
        .map(|prev| {
            rules
                .iter()
                .map(|r| {
                    let before = prev.rules.iter().find(|(id, _, _)| *id == r.rule);
                    let (eb, ab) = (before.map(|b| b.1), before.map(|b| b.2));
                    Change {
                        rule: r.rule.clone(),
                        expected_before: eb,
                        expected_now: r.expected_full_year,
                        expected_change: r.expected_full_year - eb.unwrap_or_default(),
                        accrued_before: ab,
                        accrued_now: r.accrued_to_date,
                        accrued_change: r.accrued_to_date - ab.unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Accruals {
        expected_total: rules.iter().map(|r| r.expected_full_year).sum(),
        accrued_to_date: rules.iter().map(|r| r.accrued_to_date).sum(),
        rules,
        periods: periods_rows,
        previous_closed: previous.map(|p| p.closed),
        changes,
    }
}
