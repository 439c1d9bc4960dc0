//! Negotiation strategies. A strategy sees its own scores, its reservation value, its own
//! relative time (round ÷ its own deadline) and both sides' past offers, and chooses outcomes
//! of the grid. Users add their own by implementing [`Strategy`].

use crate::{Grid, Scores};

/// What a strategy sees when it moves.
pub struct View<'a> {
    /// The outcome space.
    pub grid: &'a Grid,
    /// This side's utility of every outcome.
    pub me: &'a Scores,
    /// This side's reservation value (utility of its BATNA).
    pub reservation: f64,
    /// Relative time in [0, 1]: the round over this side's horizon (its deadline or the round
    /// limit, whichever is first).
    pub t: f64,
    /// The round (0-based).
    pub round: usize,
    /// This side's past offers (outcome indices), oldest first.
    pub mine: &'a [usize],
    /// The other side's past offers, oldest first.
    pub theirs: &'a [usize],
}

impl View<'_> {
    /// The best and worst acceptable utility: `[max(min u, reservation), max u]`. When the
    /// reservation value is above every outcome (the acceptable set is empty) both ends are the
    /// best utility, so `lo ≤ hi` always holds (the protocol ends such a negotiation before
    /// asking for an offer, and never lets a side accept below its reservation value).
    pub fn range(&self) -> (f64, f64) {
        let hi = self.me.max();
        let lo = self.me.min().max(self.reservation);
        (if lo <= hi { lo } else { hi }, hi)
    }

    /// The outcome with utility ≥ `target` that is most similar to the other side's last offer
    /// (the trade-off tactic: concede on what matters less to us); without an offer from the
    /// other side, the acceptable outcome closest to the target.
    pub fn bid_at(&self, target: f64) -> usize {
        let me = self.me;
        let acceptable = me.order.partition_point(|&i| me.u[i] >= target).max(1);
        let candidates = &me.order[..acceptable];
        match self.theirs.last() {
            Some(&last) => *candidates
                .iter()
                .max_by(|&&a, &&b| {
                    self.grid
                        .similarity(a, last)
                        .total_cmp(&self.grid.similarity(b, last))
                        .then(me.u[a].total_cmp(&me.u[b]))
                        .then(b.cmp(&a))
                })
                .unwrap_or(&candidates[0]),
            None => candidates[candidates.len() - 1],
        }
    }
}

impl View<'_> {
    /// [`View::bid_at`] restricted to the outcomes `allowed` admits; `None` when none of the
    /// admitted outcomes reaches the target.
    pub fn bid_among(&self, target: f64, allowed: &dyn Fn(usize) -> bool) -> Option<usize> {
        let me = self.me;
        let acceptable = me.order.partition_point(|&i| me.u[i] >= target);
        let candidates: Vec<usize> = me.order[..acceptable].iter().copied().filter(|&i| allowed(i)).collect();
        match self.theirs.last() {
            Some(&last) => candidates.iter().copied().max_by(|&a, &b| {
                self.grid
                    .similarity(a, last)
                    .total_cmp(&self.grid.similarity(b, last))
                    .then(me.u[a].total_cmp(&me.u[b]))
                    .then(b.cmp(&a))
            }),
            None => candidates.last().copied(),
        }
    }
}

/// "Last year + X%" anchoring, the buyer's tactic in the seed handbook: until `release` of its
/// time it neither offers nor accepts terms whose fee income is below its anchor (last year's
/// fees × (1 + X)); within that set it concedes like its inner time-dependent tactic, and after
/// `release` it concedes like it over every outcome, down to its reservation value.
#[derive(Clone, Debug)]
pub struct Anchoring {
    /// Outcomes at or above the anchor.
    pub allowed: Vec<bool>,
    /// The concession tactic.
    pub inner: TimeDependent,
    /// Share of its time the anchor holds (default 0.9).
    pub release: f64,
}

impl Strategy for Anchoring {
    fn name(&self) -> String {
        "anchoring".into()
    }
    fn propose(&mut self, view: &View<'_>) -> usize {
        let target = self.inner.target(view);
        if view.t < self.release {
            let allowed = |i: usize| self.allowed[i];
            if let Some(i) = view.bid_among(target, &allowed) {
                return i;
            }
            // Nothing admitted reaches the target: the admitted outcome it likes best.
            if let Some(&i) = view.me.order.iter().find(|&&i| self.allowed[i]) {
                return i;
            }
        }
        view.bid_at(target)
    }
    fn accept(&mut self, view: &View<'_>, offer: usize) -> bool {
        if view.t < self.release && !self.allowed[offer] {
            return false;
        }
        self.inner.accept(view, offer)
    }
}

/// A negotiation strategy.
pub trait Strategy {
    /// A short name for transcripts and tournaments.
    fn name(&self) -> String;
    /// The next offer.
    fn propose(&mut self, view: &View<'_>) -> usize;
    /// Whether to accept the other side's offer.
    fn accept(&mut self, view: &View<'_>, offer: usize) -> bool;
    /// Whether to walk away now instead of making an offer (default: never; a side still walks
    /// away after its deadline).
    fn walk_away(&mut self, _view: &View<'_>) -> bool {
        false
    }
}

/// Relative tit-for-tat in issue space (Faratin, Sierra & Jennings 1998, δ = 1): on each issue,
/// reproduce the other side's last relative move, `xₙ₊₁[j] = clip(their_prev[j] ÷ their_last[j] ×
/// my_last[j])`, snapped to the grid; never below the reservation value. Opens at its best
/// outcome. Accepts an offer worth at least its planned next offer.
#[derive(Clone, Debug, Default)]
pub struct RelativeTitForTat {
    planned: Option<usize>,
}

impl RelativeTitForTat {
    fn next(&self, view: &View<'_>) -> usize {
        let (Some(&mine), [.., prev, last]) = (view.mine.last(), view.theirs) else {
            return view.mine.last().copied().unwrap_or(view.me.order[0]);
        };
        let g = view.grid;
        let values: Vec<f64> = g
            .issues
            .iter()
            .enumerate()
            .map(|(j, issue)| {
                let (p, l, m) = (g.points[*prev][j], g.points[*last][j], g.points[mine][j]);
                let x = if l.abs() > f64::EPSILON { p / l * m } else { m };
                x.max(issue.min).min(issue.max)
            })
            .collect();
        let candidate = g.nearest(&values);
        if view.me.u[candidate] >= view.reservation { candidate } else { mine }
    }
}

impl Strategy for RelativeTitForTat {
    fn name(&self) -> String {
        "relative-tit-for-tat".into()
    }
    fn propose(&mut self, view: &View<'_>) -> usize {
        let o = self.next(view);
        self.planned = Some(o);
        o
    }
    fn accept(&mut self, view: &View<'_>, offer: usize) -> bool {
        let planned = self.planned.unwrap_or(view.me.order[0]);
        view.me.u[offer] >= view.reservation && view.me.u[offer] >= view.me.u[planned]
    }
}

/// The delisting threat (the buyer's tactic): concedes like Boulware until `at` of its time,
/// then makes its current offer final — it repeats it and delists the supplier (walks away to
/// its BATNA: a competitor or private label on the shelf) if the supplier has not accepted
/// within `grace` further offers of its own.
#[derive(Clone, Debug)]
pub struct DelistingThreat {
    /// Share of its time after which the offer is final (default 0.6).
    pub at: f64,
    /// Own offers the final offer stands for (default 2).
    pub grace: usize,
    inner: TimeDependent,
    final_offer: Option<usize>,
    repeats: usize,
}

impl Default for DelistingThreat {
    fn default() -> Self {
        DelistingThreat::new(0.6, 2)
    }
}

impl DelistingThreat {
    /// A threat made final at `at` of the buyer's time, standing for `grace` own offers.
    pub fn new(at: f64, grace: usize) -> DelistingThreat {
        DelistingThreat { at, grace, inner: TimeDependent::boulware(), final_offer: None, repeats: 0 }
    }
}

impl Strategy for DelistingThreat {
    fn name(&self) -> String {
        "delisting-threat".into()
    }
    fn propose(&mut self, view: &View<'_>) -> usize {
        if view.t >= self.at {
            let o = *self.final_offer.get_or_insert_with(|| view.bid_at(self.inner.target(view)));
            self.repeats += 1;
            return o;
        }
        self.inner.propose(view)
    }
    fn accept(&mut self, view: &View<'_>, offer: usize) -> bool {
        match self.final_offer {
            Some(f) => view.me.u[offer] >= view.me.u[f] && view.me.u[offer] >= view.reservation,
            None => self.inner.accept(view, offer),
        }
    }
    fn walk_away(&mut self, _view: &View<'_>) -> bool {
        self.final_offer.is_some() && self.repeats >= self.grace
    }
}

/// Time-dependent concession (Faratin, Sierra & Jennings 1998; GENIUS `TimeDependentAgent`):
/// target utility p(t) = P_min + (P_max − P_min)·(1 − f(t)), f(t) = k + (1 − k)·t^(1/e), with
/// P_min clamped at the reservation value. e < 1 is Boulware (holds out until the deadline),
/// e = 1 linear, e > 1 Conceder, e = 0 a hard-liner. Accepts an offer worth at least its own
/// current target (AC_next) and never below its reservation value.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeDependent {
    /// Concession exponent e.
    pub e: f64,
    /// Initial concession k (0 opens at the best outcome).
    pub k: f64,
}

impl TimeDependent {
    /// Boulware (e = 0.2, GENIUS).
    pub fn boulware() -> TimeDependent {
        TimeDependent { e: 0.2, k: 0.0 }
    }
    /// Linear (e = 1).
    pub fn linear() -> TimeDependent {
        TimeDependent { e: 1.0, k: 0.0 }
    }
    /// Conceder (e = 2, GENIUS).
    pub fn conceder() -> TimeDependent {
        TimeDependent { e: 2.0, k: 0.0 }
    }
    /// Hard-liner (e = 0): never concedes.
    pub fn hardliner() -> TimeDependent {
        TimeDependent { e: 0.0, k: 0.0 }
    }

    /// f(t).
    pub fn f(&self, t: f64) -> f64 {
        if self.e <= 0.0 { self.k } else { self.k + (1.0 - self.k) * t.clamp(0.0, 1.0).powf(1.0 / self.e) }
    }

    /// The target utility at the view's time.
    pub fn target(&self, view: &View<'_>) -> f64 {
        let (lo, hi) = view.range();
        lo + (hi - lo) * (1.0 - self.f(view.t))
    }
}

impl Strategy for TimeDependent {
    fn name(&self) -> String {
        match self.e {
            e if e <= 0.0 => "hardliner".into(),
            e if (e - 0.2).abs() < 1e-12 && self.k == 0.0 => "boulware".into(),
            e if (e - 1.0).abs() < 1e-12 && self.k == 0.0 => "linear".into(),
            e if (e - 2.0).abs() < 1e-12 && self.k == 0.0 => "conceder".into(),
            e if (e - 0.1).abs() < 1e-12 && self.k == 0.0 => "stall".into(),
            e => format!("time-dependent(e={e}, k={})", self.k),
        }
    }
    fn propose(&mut self, view: &View<'_>) -> usize {
        view.bid_at(self.target(view))
    }
    fn accept(&mut self, view: &View<'_>, offer: usize) -> bool {
        let u = view.me.u[offer];
        u >= view.reservation && u >= self.target(view)
    }
}

/// Tit-for-tat in utility space (NegMAS `NaiveTitForTatNegotiator`): opens at the best outcome,
/// then concedes in its own utility by as much as the other side's last move conceded in it:
/// aₙ₊₁ = aₙ − (u(theirₙ) − u(theirₙ₋₁)), kept within [P_min, P_max]. A retreat by the other
/// side raises the target again (punishment). Accepts offers worth at least its target.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TitForTat {
    target: Option<f64>,
}

impl Strategy for TitForTat {
    fn name(&self) -> String {
        "tit-for-tat".into()
    }
    fn propose(&mut self, view: &View<'_>) -> usize {
        let (lo, hi) = view.range();
        let mut a = self.target.unwrap_or(hi);
        if let [.., prev, last] = view.theirs {
            a -= view.me.u[*last] - view.me.u[*prev];
        }
        // Not `clamp`: it panics on lo > hi or NaN; `range` keeps lo ≤ hi, and this stays safe.
        a = a.max(lo).min(hi);
        self.target = Some(a);
        view.bid_at(a)
    }
    fn accept(&mut self, view: &View<'_>, offer: usize) -> bool {
        let (_, hi) = view.range();
        let u = view.me.u[offer];
        u >= view.reservation && u >= self.target.unwrap_or(hi)
    }
}
