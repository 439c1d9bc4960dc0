//! Bargaining metrics on an outcome space: the Pareto frontier, the Nash and
//! Kalai–Smorodinsky points, distances, and the money left on the table.

use crate::Scores;

/// The Pareto-optimal outcomes, by the supplier's utility descending.
#[derive(Clone, Debug, PartialEq)]
pub struct Frontier {
    /// Outcome indices on the frontier.
    pub outcomes: Vec<usize>,
}

/// The Pareto frontier of two sides' scores (O(n log n) sweep: sort by the first utility
/// descending, keep a point when its second utility beats every point before it).
pub fn frontier(a: &Scores, b: &Scores) -> Frontier {
    let mut idx: Vec<usize> = (0..a.u.len()).collect();
    idx.sort_by(|&x, &y| a.u[y].total_cmp(&a.u[x]).then(b.u[y].total_cmp(&b.u[x])).then(x.cmp(&y)));
    let mut best = f64::NEG_INFINITY;
    let mut outcomes = Vec::new();
    for i in idx {
        if b.u[i] > best {
            best = b.u[i];
            outcomes.push(i);
        }
    }
    Frontier { outcomes }
}

/// The Nash bargaining solution: argmax (u_a − d_a)(u_b − d_b) over individually rational
/// outcomes (None when no outcome is rational for both).
pub fn nash(a: &Scores, b: &Scores, da: f64, db: f64) -> Option<usize> {
    (0..a.u.len())
        .filter(|&i| a.u[i] >= da && b.u[i] >= db)
        .max_by(|&x, &y| ((a.u[x] - da) * (b.u[x] - db)).total_cmp(&((a.u[y] - da) * (b.u[y] - db))).then(y.cmp(&x)))
}

/// The Kalai–Smorodinsky point: the rational frontier outcome whose normalised gains
/// (u_i − d_i)/(U_i^max − d_i) are closest to equal.
pub fn kalai_smorodinsky(a: &Scores, b: &Scores, da: f64, db: f64) -> Option<usize> {
    let f = frontier(a, b);
    let (ma, mb) = ((a.max() - da).max(f64::EPSILON), (b.max() - db).max(f64::EPSILON));
    f.outcomes.into_iter().filter(|&i| a.u[i] >= da && b.u[i] >= db).min_by(|&x, &y| {
        let gap = |i: usize| ((a.u[i] - da) / ma - (b.u[i] - db) / mb).abs();
        gap(x).total_cmp(&gap(y)).then(x.cmp(&y))
    })
}

/// Euclidean distance from a utility pair to the nearest frontier point.
pub fn distance_to_frontier(a: &Scores, b: &Scores, f: &Frontier, ua: f64, ub: f64) -> f64 {
    f.outcomes.iter().map(|&i| ((a.u[i] - ua).powi(2) + (b.u[i] - ub).powi(2)).sqrt()).fold(f64::INFINITY, f64::min)
}

/// Joint value left on the table: the best joint value on the frontier minus the joint value
/// reached (in money when both utilities are money).
pub fn left_on_the_table(a: &Scores, b: &Scores, f: &Frontier, ua: f64, ub: f64) -> f64 {
    let best = f.outcomes.iter().map(|&i| a.u[i] + b.u[i]).fold(f64::NEG_INFINITY, f64::max);
    (best - ua - ub).max(0.0)
}
