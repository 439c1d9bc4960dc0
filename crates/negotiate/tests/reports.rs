//! The report values of the seed case carry the figures `kasim negotiate`, `kasim advise` and
//! `kasim negotiate --tournament` print (the CLI's trycmd snapshots in crates/cli/tests/cmd:
//! negotiate-seed-case, advise-seed-case, tournament-seed-case), computed here, not there.

use std::sync::OnceLock;

use kasim_core::Contract;
use kasim_negotiate::StrategyKind::{Anchoring, Boulware, Conceder, FlagshipFirst, Stall, StrongFirm};
use kasim_negotiate::contract::{Setup, setup};
use kasim_negotiate::tournament::TournamentConfig;
use kasim_negotiate::{AdviceReport, NegotiationReport, Side, TournamentReport};
use rust_decimal::Decimal;

fn seed_case() -> &'static (Contract, Setup) {
    static CASE: OnceLock<(Contract, Setup)> = OnceLock::new();
    CASE.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
        let c = kasim_core::load(path).unwrap();
        let s = setup(&c).unwrap();
        (c, s)
    })
}

/// Money as the text shows it: whole currency units, half away from zero.
fn whole(x: f64) -> i64 {
    x.round() as i64
}

/// A utility as the text shows it: three decimals.
fn milli(x: f64) -> i64 {
    (x * 1000.0).round() as i64
}

fn terms(values: &[&str]) -> Vec<Decimal> {
    values.iter().map(|v| v.parse().unwrap()).collect()
}

#[test]
fn stalling_supplier_against_boulware_buyer() {
    let (c, s) = seed_case();
    let r = NegotiationReport::new(c, s, Stall, Boulware).unwrap();
    assert_eq!((r.rounds, r.opens, r.combinations), (24, Side::Buyer, 360));
    assert_eq!(r.terms, ["fees.renewal.amount", "fees.unconditional.rate", "fees.dm.price", "payment.days"]);
    assert_eq!(r.transcript.len(), 17);
    let first = &r.transcript[0];
    assert_eq!((first.round, first.side, &first.terms), (1, Side::Buyer, &terms(&["160000", "0.04", "3000", "60"])));
    assert_eq!((whole(first.supplier_value), milli(first.buyer_utility)), (303_960, 996));
    let eleventh = &r.transcript[10];
    assert_eq!((eleventh.round, milli(eleventh.concession)), (11, 6));
    let deal = r.agreement.as_ref().unwrap();
    // Rounds are 1-based in the report, as in the text: the buyer's 17th offer is accepted.
    assert_eq!((deal.round, deal.accepted_by), (17, Side::Supplier));
    assert_eq!(r.transcript.last().unwrap().round, deal.round);
    assert_eq!(deal.terms, terms(&["80000", "0.02", "1500", "45"]));
    assert_eq!((whole(deal.supplier_value), milli(deal.buyer_utility)), (480_332, 926));
    assert_eq!((milli(deal.distance_to_pareto), whole(deal.supplier_left_on_the_table)), (0, 0));
    assert_eq!(r.ended_by, kasim_negotiate::Ending::Agreement);
    assert_eq!((whole(r.supplier_utility), milli(r.buyer_utility)), (352_332, 846));
    assert_eq!((whole(r.supplier_reservation), milli(r.buyer_reservation)), (150_000, 600));
    let n = r.nash.as_ref().unwrap();
    assert_eq!(n.terms, terms(&["80000", "0.02", "1500", "45"]));
    assert_eq!((whole(n.supplier_value), milli(n.buyer_utility)), (480_332, 926));
    let ks = r.kalai_smorodinsky.as_ref().unwrap();
    assert_eq!(ks.terms, terms(&["100000", "0.025", "1500", "45"]));
    assert_eq!((whole(ks.supplier_value), milli(ks.buyer_utility)), (444_372, 953));
    // The JSON is the report value: 1-based rounds, terms as decimal strings.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["agreement"]["round"], 17);
    assert_eq!(json["transcript"][0]["terms"][1], "0.04");
    assert_eq!(json["supplier_strategy"], "stall");
}

#[test]
fn conceding_supplier_leaves_money_on_the_table() {
    let (c, s) = seed_case();
    let r = NegotiationReport::new(c, s, Conceder, Anchoring).unwrap();
    let deal = r.agreement.as_ref().unwrap();
    assert_eq!((deal.round, deal.accepted_by), (10, Side::Buyer));
    assert_eq!(deal.terms, terms(&["130000", "0.025", "3000", "60"]));
    assert_eq!(whole(r.supplier_utility), 309_845);
    assert_eq!(
        ((deal.distance_to_pareto * 1000.0).round() as i64, whole(deal.supplier_left_on_the_table)),
        (2_486_370, 8_527)
    );
}

#[test]
fn flagship_first_raises_the_supplier_batna() {
    let (c, s) = seed_case();
    let r = NegotiationReport::new(c, s, FlagshipFirst, Boulware).unwrap();
    assert_eq!(r.supplier_strategy, FlagshipFirst, "the report names the playbook, not its chain tactic");
    assert_eq!(whole(r.supplier_reservation), 270_011);
    assert_eq!(r.agreement.as_ref().unwrap().round, 17);
    assert_eq!(whole(r.supplier_utility), 352_332);
    let ks = r.kalai_smorodinsky.as_ref().unwrap();
    assert_eq!(ks.terms, terms(&["90000", "0.02", "2500", "45"]));
    assert_eq!((whole(ks.supplier_value), milli(ks.buyer_utility)), (454_332, 946));
}

#[test]
fn no_agreement_leaves_both_at_their_reservation() {
    let (c, s) = seed_case();
    let r = NegotiationReport::new(
        c,
        s,
        kasim_negotiate::StrategyKind::Hardliner,
        kasim_negotiate::StrategyKind::Hardliner,
    )
    .unwrap();
    assert!(r.agreement.is_none());
    assert_eq!(r.ended_by, kasim_negotiate::Ending::BuyerDeadline);
    assert_eq!(serde_json::to_value(&r).unwrap()["ended_by"], "buyer deadline");
    assert_eq!((whole(r.supplier_utility), milli(r.buyer_utility)), (150_000, 600));
}

#[test]
fn counter_offer_to_the_draft() {
    let (c, s) = seed_case();
    let r = AdviceReport::new(c, s, 0.35).unwrap();
    let moves: Vec<(&str, Decimal, Decimal, i64)> = r
        .advice
        .per_term
        .iter()
        .map(|m| (m.term.as_str(), m.draft, m.counter_offer, whole(m.supplier_gain.unwrap())))
        .collect();
    let d = |v: &str| v.parse::<Decimal>().unwrap();
    assert_eq!(
        moves,
        [
            ("fees.renewal.amount", d("160000"), d("90000"), 70_000),
            ("fees.unconditional.rate", d("0.04"), d("0.025"), 47_886),
            ("fees.dm.price", d("3000"), d("2000"), 16_000),
            ("payment.days", d("60"), d("45"), 8_528),
        ]
    );
    assert_eq!(whole(r.draft_supplier_value.unwrap()), 303_960);
    assert_eq!(whole(r.advice.supplier_value), 446_372);
    assert_eq!(whole(r.supplier_gain.unwrap()), 142_413);
    assert_eq!((milli(r.draft_buyer_utility.unwrap()), milli(r.advice.buyer_utility)), (996, 952));
    assert_eq!((milli(r.buyer_reservation), milli(r.advice.acceptance_margin)), (600, 352));
    let e = AdviceReport::new(c, s, 1.5).unwrap_err();
    assert!(matches!(e, kasim_negotiate::Error::OutOfRange { name: "margin", .. }), "{e:?}");
    let e = AdviceReport::new(c, s, 0.5).unwrap_err();
    assert!(matches!(e, kasim_negotiate::Error::NoAcceptableOffer { .. }), "{e:?}");
}

#[test]
fn tournament_ranks_the_supplier_strategies() {
    let (c, s) = seed_case();
    let cfg = TournamentConfig { runs: 10, ..TournamentConfig::default() };
    let r = TournamentReport::new(c, s, &cfg).unwrap();
    // 8 supplier strategies (flagship-first configured) × 9 buyer strategies (anchoring too),
    // in catalogue order: the field the CLI's hand-kept lists gave.
    let (suppliers, buyers) = kasim_negotiate::tournament::field(s);
    let names = |ks: &[kasim_negotiate::StrategyKind]| ks.iter().map(|k| k.name()).collect::<Vec<_>>().join(" ");
    assert_eq!(names(&suppliers), "boulware linear conceder hardliner stall tit-for-tat strong-firm flagship-first");
    assert_eq!(
        names(&buyers),
        "boulware linear conceder hardliner stall tit-for-tat strong-firm delisting-threat anchoring"
    );
    assert_eq!(r.pairs.len(), 8 * 9);
    let p = &r.pairs[0];
    assert_eq!((p.supplier, p.buyer), (Boulware, Boulware));
    assert_eq!(
        (
            whole(p.supplier_mean),
            whole(p.supplier_sd),
            whole(p.supplier_p10_p50_p90[0]),
            whole(p.supplier_p10_p50_p90[2])
        ),
        (380_732, 19_614, 350_332, 401_132)
    );
    assert_eq!((milli(p.buyer_mean), (p.mean_round * 10.0).round() as i64), (863, 132));
    let hard = r
        .pairs
        .iter()
        .find(|p| p.supplier == FlagshipFirst && p.buyer == kasim_negotiate::StrategyKind::Hardliner)
        .unwrap();
    assert_eq!((hard.agreement_rate, whole(hard.supplier_mean)), (0.0, 270_011));
    let (best, worst) = r.best_and_worst().unwrap();
    assert_eq!((best.strategy, whole(best.supplier_mean)), (FlagshipFirst, 351_558));
    assert_eq!((worst.strategy, whole(worst.supplier_mean)), (StrongFirm, 310_463));
}
