//! The alternating-offers protocol with a round limit, private deadlines and the cost of delay.

use serde::Serialize;

use crate::strategy::{Strategy, View};
use crate::{Grid, Scores};

/// A side of the negotiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The supplier (our user).
    Supplier,
    /// The retailer's buyer.
    Buyer,
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Supplier => Side::Buyer,
            Side::Buyer => Side::Supplier,
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

/// One side's private parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Party {
    /// Utility of walking away (BATNA); the side never accepts less.
    pub reservation: f64,
    /// Last round (0-based) this side will negotiate; it walks away after it. `None`: the
    /// round limit.
    pub deadline: Option<usize>,
    /// Utility lost per round without a contract (lost sales, lost fee income).
    pub delay_cost: f64,
    /// Per-round discount factor of the agreement's utility (1 = none).
    pub discount: f64,
}

impl Default for Party {
    fn default() -> Self {
        Party { reservation: 0.0, deadline: None, delay_cost: 0.0, discount: 1.0 }
    }
}

/// The protocol.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Config {
    /// Round limit (meetings × offers): round r is the (r+1)-th offer.
    pub rounds: usize,
    /// Who makes the first offer.
    pub opens: Side,
    /// The supplier's parameters.
    pub supplier: Party,
    /// The buyer's parameters.
    pub buyer: Party,
}

/// One offer of the transcript.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// Round (0-based).
    pub round: usize,
    /// Who offered.
    pub side: Side,
    /// The outcome offered.
    pub outcome: usize,
    /// The supplier's utility of it.
    pub u_supplier: f64,
    /// The buyer's utility of it.
    pub u_buyer: f64,
    /// How much the offering side gave up in its own utility since its previous offer.
    pub concession: f64,
    /// Whether the other side accepted it.
    pub accepted: bool,
}

/// An agreement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agreement {
    /// Round of acceptance.
    pub round: usize,
    /// The outcome agreed.
    pub outcome: usize,
    /// Who accepted.
    pub accepted_by: Side,
    /// The supplier's utility after the cost of delay and discounting.
    pub u_supplier: f64,
    /// The buyer's utility after the cost of delay and discounting.
    pub u_buyer: f64,
}

/// Why a negotiation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Ending {
    /// A side accepted an offer.
    #[serde(rename = "agreement")]
    Agreement,
    /// The round limit passed without agreement.
    #[serde(rename = "round limit")]
    RoundLimit,
    /// The supplier's private deadline passed.
    #[serde(rename = "supplier deadline")]
    SupplierDeadline,
    /// The buyer's private deadline passed.
    #[serde(rename = "buyer deadline")]
    BuyerDeadline,
    /// The supplier's strategy walked away.
    #[serde(rename = "supplier walked away")]
    SupplierWalkedAway,
    /// The buyer's strategy walked away (the delisting threat carried out).
    #[serde(rename = "buyer walked away")]
    BuyerWalkedAway,
    /// No outcome is worth the supplier's reservation value after the cost of delay so far
    /// (e.g. a contract with no stores, no units or 100% returns against a positive BATNA): its
    /// acceptable set is empty, so it walks away to its BATNA.
    #[serde(rename = "nothing beats supplier BATNA")]
    SupplierNothingAcceptable,
    /// No outcome is worth the buyer's reservation value after the cost of delay so far.
    #[serde(rename = "nothing beats buyer BATNA")]
    BuyerNothingAcceptable,
}

impl Ending {
    /// How transcripts and JSON name it ("round limit", "buyer walked away", …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Ending::Agreement => "agreement",
            Ending::RoundLimit => "round limit",
            Ending::SupplierDeadline => "supplier deadline",
            Ending::BuyerDeadline => "buyer deadline",
            Ending::SupplierWalkedAway => "supplier walked away",
            Ending::BuyerWalkedAway => "buyer walked away",
            Ending::SupplierNothingAcceptable => "nothing beats supplier BATNA",
            Ending::BuyerNothingAcceptable => "nothing beats buyer BATNA",
        }
    }

    fn deadline(side: Side) -> Ending {
        match side {
            Side::Supplier => Ending::SupplierDeadline,
            Side::Buyer => Ending::BuyerDeadline,
        }
    }

    fn nothing_acceptable(side: Side) -> Ending {
        match side {
            Side::Supplier => Ending::SupplierNothingAcceptable,
            Side::Buyer => Ending::BuyerNothingAcceptable,
        }
    }

    fn walked_away(side: Side) -> Ending {
        match side {
            Side::Supplier => Ending::SupplierWalkedAway,
            Side::Buyer => Ending::BuyerWalkedAway,
        }
    }
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The record of one negotiation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Transcript {
    /// Every offer in order.
    pub steps: Vec<Step>,
    /// The agreement, if any.
    pub agreement: Option<Agreement>,
    /// Why it ended.
    pub ended_by: Ending,
    /// Final utilities (agreement, or each side's reservation on breakdown).
    pub u_supplier: f64,
    /// Final utilities of the buyer.
    pub u_buyer: f64,
}

/// What one side sees.
fn view<'a>(
    grid: &'a Grid,
    me: &'a Scores,
    party: &Party,
    t: f64,
    round: usize,
    mine: &'a [usize],
    theirs: &'a [usize],
) -> View<'a> {
    View { grid, me, reservation: party.reservation, t, round, mine, theirs }
}

/// The utility of agreeing on an outcome worth `u` at `round`, after discounting and the cost
/// of `round + delayed` rounds of delay (`delayed`: rounds already spent before this protocol
/// started, e.g. a flagship pilot).
fn realised(p: &Party, u: f64, round: usize, delayed: usize) -> f64 {
    let r = i32::try_from(round).unwrap_or(i32::MAX);
    u * p.discount.powi(r) - p.delay_cost * round.saturating_add(delayed) as f64
}

/// Runs one negotiation: `scores` and `strategies` are [supplier, buyer].
///
/// The reservation values bind after the cost of delay: whatever a strategy decides, the
/// protocol never lets a side accept an offer whose realised utility (discounted, less the
/// delay cost of the rounds so far) is below its reservation value, since walking away is worth
/// the reservation value at any round. A side none of whose outcomes is worth its reservation
/// value after the delay so far walks away before offering
/// ([`Ending::SupplierNothingAcceptable`], [`Ending::BuyerNothingAcceptable`]).
pub fn negotiate(grid: &Grid, scores: [&Scores; 2], strategies: [&mut dyn Strategy; 2], cfg: &Config) -> Transcript {
    negotiate_after(grid, scores, strategies, cfg, 0)
}

/// [`negotiate`] after `delayed` rounds already spent (their delay cost is charged on top).
pub(crate) fn negotiate_after(
    grid: &Grid,
    scores: [&Scores; 2],
    strategies: [&mut dyn Strategy; 2],
    cfg: &Config,
    delayed: usize,
) -> Transcript {
    let parties = [cfg.supplier, cfg.buyer];
    let horizon = |p: &Party| p.deadline.map_or(cfg.rounds, |d| d.min(cfg.rounds)).max(1);
    let mut offers: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    let mut steps = Vec::new();
    let mut side = cfg.opens;
    let breakdown = |steps: Vec<Step>, why: Ending| Transcript {
        steps,
        agreement: None,
        ended_by: why,
        u_supplier: cfg.supplier.reservation,
        u_buyer: cfg.buyer.reservation,
    };
    for round in 0..cfg.rounds {
        for s in [Side::Supplier, Side::Buyer] {
            if parties[s.index()].deadline.is_some_and(|d| round > d) {
                return breakdown(steps, Ending::deadline(s));
            }
        }
        for s in [Side::Supplier, Side::Buyer] {
            let p = &parties[s.index()];
            // Utility is non-increasing over rounds only for a discount ≤ 1; the best outcome's
            // realised value is checked either way (NaN-safe: a NaN never beats the BATNA).
            let best = realised(p, scores[s.index()].max(), round, delayed);
            if scores[s.index()].u.is_empty() || best.is_nan() || best < p.reservation {
                return breakdown(steps, Ending::nothing_acceptable(s));
            }
        }
        let (me, other) = (side.index(), side.other().index());
        let t = |who: usize| round as f64 / horizon(&parties[who]) as f64;
        let outcome = {
            let v = view(grid, scores[me], &parties[me], t(me), round, &offers[me], &offers[other]);
            if strategies[me].walk_away(&v) {
                return breakdown(steps, Ending::walked_away(side));
            }
            strategies[me].propose(&v)
        };
        let previous = offers[me].last().map(|&o| scores[me].u[o]);
        offers[me].push(outcome);
        let accepted = {
            let v = view(grid, scores[other], &parties[other], t(other), round, &offers[other], &offers[me]);
            // The reservations bind whatever the strategies say (after the cost of delay): an
            // offer worth less than its reservation to either side (the one accepting, or the
            // one bound by its own offer) is never agreed.
            let above = |who: usize| {
                realised(&parties[who], scores[who].u[outcome], round, delayed) >= parties[who].reservation
            };
            strategies[other].accept(&v, outcome) && above(other) && above(me)
        };
        steps.push(Step {
            round,
            side,
            outcome,
            u_supplier: scores[0].u[outcome],
            u_buyer: scores[1].u[outcome],
            concession: previous.map_or(0.0, |p| p - scores[me].u[outcome]),
            accepted,
        });
        if accepted {
            let (us, ub) = (
                realised(&cfg.supplier, scores[0].u[outcome], round, delayed),
                realised(&cfg.buyer, scores[1].u[outcome], round, delayed),
            );
            return Transcript {
                steps,
                agreement: Some(Agreement { round, outcome, accepted_by: side.other(), u_supplier: us, u_buyer: ub }),
                ended_by: Ending::Agreement,
                u_supplier: us,
                u_buyer: ub,
            };
        }
        side = side.other();
    }
    breakdown(steps, Ending::RoundLimit)
}
