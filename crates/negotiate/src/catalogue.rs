//! Every strategy available by name: one list, with the side each is for and a one-line
//! description, so the command line's `--help`, its argument parser, the tournament's field and
//! this crate's name lookup cannot drift apart.
//!
//! ```
//! use kasim_negotiate::{Side, StrategyKind};
//! let stall: StrategyKind = "stall".parse().unwrap();
//! assert!(stall.plays(Side::Supplier) && stall.plays(Side::Buyer));
//! let e = StrategyKind::parse_for("bolware", Side::Buyer).unwrap_err();
//! assert_eq!(e.suggestion(), Some("boulware"));
//! ```

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::{Error, Side};

/// A strategy available by name. Building one needs the negotiation's set-up
/// ([`crate::contract::strategy_for`]): anchoring reads last year's fees, flagship-first its
/// playbook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyKind {
    /// Time-dependent concession with e = 0.2 (GENIUS): holds out until near its deadline.
    Boulware,
    /// Time-dependent concession with e = 1: concedes at a constant pace.
    Linear,
    /// Time-dependent concession with e = 2 (GENIUS): concedes early.
    Conceder,
    /// e = 0: never concedes from its best outcome.
    Hardliner,
    /// e = 0.1: holds out longer than Boulware, for when the deadline is the other side's.
    Stall,
    /// Utility-space reciprocity ([`crate::strategy::TitForTat`]).
    TitForTat,
    /// Issue-space reciprocity ([`crate::strategy::RelativeTitForTat`]).
    RelativeTitForTat,
    /// Opens at its best and signs anything at or above its reservation value
    /// ([`crate::contract::StrongFirm`]).
    StrongFirm,
    /// The buyer's delisting threat ([`crate::strategy::DelistingThreat`]).
    DelistingThreat,
    /// The buyer's "last year + X%" ([`crate::strategy::Anchoring`]).
    Anchoring,
    /// The supplier's flagship-first playbook ([`crate::contract::negotiate_flagship`]).
    FlagshipFirst,
}

use StrategyKind::*;

impl StrategyKind {
    /// Every strategy, in the order `--help` and error messages list them.
    pub const ALL: [StrategyKind; 11] = [
        Boulware,
        Linear,
        Conceder,
        Hardliner,
        Stall,
        TitForTat,
        RelativeTitForTat,
        StrongFirm,
        DelistingThreat,
        Anchoring,
        FlagshipFirst,
    ];

    /// The name used on the command line, in transcripts and in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Boulware => "boulware",
            Linear => "linear",
            Conceder => "conceder",
            Hardliner => "hardliner",
            Stall => "stall",
            TitForTat => "tit-for-tat",
            RelativeTitForTat => "relative-tit-for-tat",
            StrongFirm => "strong-firm",
            DelistingThreat => "delisting-threat",
            Anchoring => "anchoring",
            FlagshipFirst => "flagship-first",
        }
    }

    /// What it does, in one line (the `--help` text of its name).
    pub const fn description(self) -> &'static str {
        match self {
            Boulware => "time-dependent concession, e = 0.2: holds out until near its deadline",
            Linear => "time-dependent concession at a constant pace (e = 1)",
            Conceder => "time-dependent concession, e = 2: concedes early",
            Hardliner => "never concedes from its best outcome (e = 0)",
            Stall => "holds out longer than Boulware (e = 0.1), for when the deadline is the other side's",
            TitForTat => "concedes in its own utility as much as the other side's last move conceded",
            RelativeTitForTat => "on each issue, mirrors the other side's last relative move",
            StrongFirm => "opens at its best, signs anything at or above its reservation value (强企强势法)",
            DelistingThreat => "concedes like Boulware, then makes its offer final and delists the supplier if refused",
            Anchoring => "holds fee income at last year + X% until late (needs negotiation.buyer.last_year_fees)",
            FlagshipFirst => {
                "a flagship pilot first, then the chain from strength (needs [negotiation.supplier.flagship])"
            }
        }
    }

    /// Whether the side can play it: the delisting threat and anchoring are the buyer's
    /// tactics, flagship-first the supplier's; the others are for either side.
    pub const fn plays(self, side: Side) -> bool {
        match self {
            DelistingThreat | Anchoring => matches!(side, Side::Buyer),
            FlagshipFirst => matches!(side, Side::Supplier),
            _ => true,
        }
    }

    /// The strategies a side can play, in catalogue order.
    pub fn for_side(side: Side) -> impl Iterator<Item = StrategyKind> {
        StrategyKind::ALL.into_iter().filter(move |k| k.plays(side))
    }

    /// Whether a tournament plays it by default when the set-up allows it
    /// ([`crate::tournament::field`]). Relative tit-for-tat is left out, as it was from the
    /// tournament's hand-kept list this replaces, so the published tournament figures stay;
    /// [`crate::tournament::tournament`] plays it when asked.
    pub const fn in_tournament(self) -> bool {
        !matches!(self, RelativeTitForTat)
    }

    /// The strategy of a name, for a side.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownStrategy`] (listing the side's strategies, with the closest name when
    /// one is close) when no strategy has the name; [`Error::WrongSide`] when the strategy is
    /// the other side's.
    pub fn parse_for(name: &str, side: Side) -> Result<StrategyKind, Error> {
        let kind: StrategyKind = name.parse().map_err(|_| unknown(name, StrategyKind::for_side(side)))?;
        if kind.plays(side) { Ok(kind) } else { Err(Error::WrongSide { strategy: kind, side }) }
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for StrategyKind {
    type Err = Error;

    /// The strategy of a name, for either side ([`StrategyKind::parse_for`] checks the side).
    fn from_str(name: &str) -> Result<StrategyKind, Error> {
        StrategyKind::ALL.into_iter().find(|k| k.name() == name).ok_or_else(|| unknown(name, StrategyKind::ALL))
    }
}

fn unknown(name: &str, known: impl IntoIterator<Item = StrategyKind>) -> Error {
    let known: Vec<&'static str> = known.into_iter().map(StrategyKind::name).collect();
    // A typo is at most a third of the name's letters off (and at least two are tolerated).
    let suggestion = known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= (k.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    Error::UnknownStrategy { name: name.to_string(), known, suggestion }
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for k in StrategyKind::ALL {
            assert_eq!(k.name().parse::<StrategyKind>().unwrap(), k);
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::Value::String(k.name().into()));
            assert!(!k.description().is_empty());
        }
        let mut names: Vec<&str> = StrategyKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), StrategyKind::ALL.len());
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        let e = StrategyKind::parse_for("bolware", Side::Supplier).unwrap_err();
        assert_eq!(e.suggestion(), Some("boulware"));
        assert!(e.to_string().contains("did you mean `boulware`"), "{e}");
        let e = StrategyKind::parse_for("genius", Side::Supplier).unwrap_err();
        assert_eq!(e.suggestion(), None);
        let Error::UnknownStrategy { known, .. } = &e else { panic!("{e:?}") };
        assert!(known.contains(&"flagship-first") && !known.contains(&"anchoring"));
        let e = StrategyKind::parse_for("anchoring", Side::Supplier).unwrap_err();
        assert!(matches!(e, Error::WrongSide { strategy: Anchoring, side: Side::Supplier }), "{e:?}");
        assert_eq!(e.to_string(), "`anchoring` is a buyer strategy, not the supplier's");
    }
}
