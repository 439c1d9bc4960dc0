//! # kasim-negotiate
//!
//! The negotiation between a retailer's buyer and a supplier over a contract's negotiable terms,
//! as an alternating-offers protocol between strategies, with the bargaining metrics of the
//! literature (Pareto frontier, Nash and Kalai–Smorodinsky points, money left on the table).
//!
//! The protocol is issue-agnostic: an outcome space is a grid over numeric issues (e.g.
//! `fees.entry.amount`, `payment.days`), each side scores every outcome with its own utility,
//! and strategies choose outcomes by those scores. [`contract`] binds the utilities to a
//! contract's economics (the supplier's simulated, risk-adjusted contribution; the buyer's
//! KPIs), [`StrategyKind`] lists the strategies available by name, and [`report`] turns a
//! negotiation, a counter-offer search or a tournament into a report value with every figure
//! computed.
//!
//! ```
//! use kasim_negotiate::{Grid, Issue, Side, Config, Party, negotiate, strategy::TimeDependent};
//! // Split a pie: the supplier's share x; the buyer gets 1 − x.
//! let grid = Grid::new(vec![Issue::new("share", 0.0, 1.0, 0.01)]).unwrap();
//! let supplier = grid.score(|o| o[0]);
//! let buyer = grid.score(|o| 1.0 - o[0]);
//! let cfg = Config { rounds: 40, opens: Side::Supplier, supplier: Party::default(), buyer: Party::default() };
//! let t = negotiate(&grid, [&supplier, &buyer], [&mut TimeDependent::linear(), &mut TimeDependent::linear()], &cfg);
//! let deal = t.agreement.unwrap();
//! assert!((grid.points[deal.outcome][0] - 0.5).abs() < 0.06); // symmetric agents meet near the middle
//! ```

#![deny(missing_docs)]

pub mod brief;
pub mod catalogue;
pub mod contract;
mod error;
pub mod metrics;
mod parts;
pub mod plan;
pub mod protocol;
pub mod renegotiate;
pub mod report;
pub mod strategy;
pub mod tournament;

pub use metrics::{Frontier, frontier, kalai_smorodinsky, nash};
pub use protocol::{Agreement, Config, Ending, Party, Side, Step, Transcript, negotiate};
pub use strategy::Strategy;

pub use catalogue::StrategyKind;
pub use error::Error;
pub use report::{AdviceReport, NegotiationReport, TournamentReport};

/// A negotiable numeric issue with its range and step.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Issue {
    /// The term's name or path.
    pub name: String,
    /// Lowest value.
    pub min: f64,
    /// Highest value.
    pub max: f64,
    /// Step between values.
    pub step: f64,
}

impl Issue {
    /// An issue.
    pub fn new(name: &str, min: f64, max: f64, step: f64) -> Issue {
        Issue { name: name.to_string(), min, max, step }
    }

    /// The number of values of the issue, without enumerating them (saturating: a step too
    /// small for the range counts as `usize::MAX` values, which [`Grid::new`] refuses).
    pub fn count(&self) -> usize {
        // A float-to-int `as` saturates (and maps NaN to 0), so no range overflows.
        (((self.max - self.min) / self.step + 1e-9).floor() as usize).saturating_add(1)
    }

    /// The values of the issue, from min to max by step (max included).
    pub fn values(&self) -> Vec<f64> {
        (0..self.count()).map(|i| self.min + self.step * i as f64).collect()
    }
}

/// Largest outcome space enumerated.
pub const MAX_OUTCOMES: usize = 1_000_000;

/// Every outcome (one value per issue) of a set of issues.
#[derive(Clone, Debug)]
pub struct Grid {
    /// The issues.
    pub issues: Vec<Issue>,
    /// The outcomes, each a value per issue.
    pub points: Vec<Vec<f64>>,
}

/// One side's scores of every outcome of a grid.
#[derive(Clone, Debug)]
pub struct Scores {
    /// Utility of outcome i.
    pub u: Vec<f64>,
    /// Outcome indices by utility, best first.
    pub order: Vec<usize>,
}

impl Scores {
    /// The best utility.
    pub fn max(&self) -> f64 {
        self.order.first().map_or(0.0, |&i| self.u[i])
    }
    /// The worst utility.
    pub fn min(&self) -> f64 {
        self.order.last().map_or(0.0, |&i| self.u[i])
    }
}

impl Grid {
    /// Enumerates the outcomes of the issues (at most [`MAX_OUTCOMES`]).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyIssue`] when an issue has no values (its min is above its max, a bound is
    /// not finite, or its step is not positive); [`Error::TooManyOffers`] when the issues have
    /// more than [`MAX_OUTCOMES`] combinations.
    pub fn new(issues: Vec<Issue>) -> Result<Grid, Error> {
        let mut size: usize = 1;
        for i in &issues {
            if i.step.is_nan() || i.step <= 0.0 || i.max < i.min || !i.min.is_finite() || !i.max.is_finite() {
                return Err(Error::EmptyIssue { issue: i.name.clone(), min: i.min, max: i.max, step: i.step });
            }
            size = size.saturating_mul(i.count());
        }
        if size > MAX_OUTCOMES {
            return Err(Error::TooManyOffers { offers: size, limit: MAX_OUTCOMES });
        }
        let mut points = vec![Vec::with_capacity(issues.len())];
        for issue in &issues {
            let values = issue.values();
            points = points
                .into_iter()
                .flat_map(|p| {
                    values.iter().map(move |v| {
                        let mut q = p.clone();
                        q.push(*v);
                        q
                    })
                })
                .collect();
        }
        Ok(Grid { issues, points })
    }

    /// Scores every outcome with a utility function.
    pub fn score(&self, utility: impl Fn(&[f64]) -> f64) -> Scores {
        let u: Vec<f64> = self.points.iter().map(|p| utility(p)).collect();
        let mut order: Vec<usize> = (0..u.len()).collect();
        order.sort_by(|&a, &b| u[b].total_cmp(&u[a]).then(a.cmp(&b)));
        Scores { u, order }
    }

    /// The outcome nearest to the given issue values (each snapped to its issue's grid).
    pub fn nearest(&self, values: &[f64]) -> usize {
        let mut index = 0;
        for (issue, v) in self.issues.iter().zip(values) {
            let n = issue.count();
            let k = (((v - issue.min) / issue.step).round().max(0.0) as usize).min(n - 1);
            index = index * n + k;
        }
        index
    }

    /// Similarity of two outcomes in [0, 1]: one minus the mean normalised distance per issue.
    pub fn similarity(&self, a: usize, b: usize) -> f64 {
        let (pa, pb) = (&self.points[a], &self.points[b]);
        let n = self.issues.len().max(1) as f64;
        let d: f64 = self
            .issues
            .iter()
            .enumerate()
            .map(|(j, i)| {
                let span = (i.max - i.min).max(f64::EPSILON);
                ((pa[j] - pb[j]) / span).abs()
            })
            .sum();
        1.0 - d / n
    }
}
