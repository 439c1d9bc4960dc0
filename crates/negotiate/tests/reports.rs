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

/// The negotiation's work split into pieces — offer scores by grid range, tournament runs by
/// run range — travelling as bytes and merged in any order: the reports equal the unsplit ones.
mod split {
    use super::*;
    use kasim_negotiate::Error;
    use kasim_negotiate::contract::{
        OfferScore, decode_scores, encode_scores, merge_scores, offer_count, score_offers, setup_from_scores,
    };
    use kasim_negotiate::tournament::{decode_runs, encode_runs, field, merge_runs, tournament_runs};

    fn bits(s: &OfferScore) -> [u64; 6] {
        let k = s.buyer_kpis.map(f64::to_bits);
        [s.supplier.to_bits(), k[0], k[1], k[2], k[3], k[4]]
    }

    /// Scores of the seed case's grid in pieces cut at `cuts`, through their bytes, merged
    /// from the reversed order.
    fn split_scores(c: &Contract, cuts: &[usize]) -> Vec<OfferScore> {
        let mut parts: Vec<(usize, Vec<OfferScore>)> = cuts
            .windows(2)
            .map(|w| decode_scores(&encode_scores(w[0], &score_offers(c, w[0]..w[1]).unwrap())).unwrap())
            .collect();
        parts.reverse();
        merge_scores(parts).unwrap()
    }

    fn reports(c: &Contract, s: &Setup) -> [String; 3] {
        let j = |v: &dyn Json| v.json();
        let cfg = TournamentConfig { runs: 6, seed: 4, threads: 2, ..TournamentConfig::default() };
        [
            j(&NegotiationReport::new(c, s, Stall, Boulware).unwrap()),
            j(&AdviceReport::new(c, s, 0.05).unwrap()),
            j(&TournamentReport::new(c, s, &cfg).unwrap()),
        ]
    }

    trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string_pretty(self).unwrap()
        }
    }

    #[test]
    fn scores_split_any_way_give_the_same_setup_and_reports() {
        let (c, s) = seed_case();
        let n = offer_count(c).unwrap();
        assert_eq!(n, s.grid.points.len());
        let whole_grid = score_offers(c, 0..n).unwrap();
        for (i, sc) in whole_grid.iter().enumerate() {
            assert_eq!(sc.supplier.to_bits(), s.supplier.u[i].to_bits());
            assert_eq!(sc.buyer_kpis.map(f64::to_bits), s.buyer_kpis[i].map(f64::to_bits));
        }
        let reference = reports(c, s);
        for cuts in [vec![0, n], vec![0, n / 2, n], vec![0, 1, n / 3, n], vec![0, 0, 7, n - 1, n]] {
            let scores = split_scores(c, &cuts);
            assert_eq!(scores.iter().map(bits).collect::<Vec<_>>(), whole_grid.iter().map(bits).collect::<Vec<_>>());
            let from = setup_from_scores(c, scores).unwrap();
            assert_eq!(from.values, s.values);
            assert_eq!(reports(c, &from), reference, "cut at {cuts:?}");
        }
    }

    #[test]
    fn bad_scores_are_typed_errors() {
        let (c, _) = seed_case();
        let n = offer_count(c).unwrap();
        let part = score_offers(c, 0..3).unwrap();
        assert!(
            matches!(setup_from_scores(c, part.clone()), Err(Error::ScoreCount { expected, found: 3 }) if expected == n)
        );
        assert!(matches!(score_offers(c, 2..n + 1), Err(Error::OutOfRange { .. })));
        let e = merge_scores(vec![(0, part.clone()), (4, part.clone())]).unwrap_err();
        assert!(e.to_string().contains("leave 3..4 out"), "{e}");
        let e = merge_scores(vec![(0, part.clone()), (2, part.clone())]).unwrap_err();
        assert!(e.to_string().contains("overlap"), "{e}");
        let bytes = encode_scores(0, &part);
        assert_eq!(bytes.len(), 24 + 48 * 3);
        for bad in [&bytes[..bytes.len() - 1], &bytes[..10], b"KOS1", &[]] {
            assert!(matches!(decode_scores(bad), Err(Error::Bytes { .. })));
        }
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(matches!(decode_scores(&wrong), Err(Error::Bytes { .. })));
        // Tournament runs are not scores.
        let runs = tournament_runs(
            &seed_case().1,
            &[Boulware],
            &[Boulware],
            &TournamentConfig { runs: 2, ..TournamentConfig::default() },
            0..2,
        )
        .unwrap();
        assert!(matches!(decode_scores(&encode_runs(&runs)), Err(Error::Bytes { .. })));
    }

    #[test]
    fn tournament_runs_split_any_way_give_the_same_report() {
        let (c, s) = seed_case();
        let (suppliers, buyers) = field(s);
        let runs = 11;
        let reference = {
            let cfg = TournamentConfig { runs, seed: 7, threads: 2, ..TournamentConfig::default() };
            TournamentReport::new(c, s, &cfg).unwrap().json()
        };
        for cuts in [vec![0, runs], vec![0, 5, runs], vec![0, 1, 2, 9, runs]] {
            let mut parts: Vec<_> = cuts
                .windows(2)
                .enumerate()
                .map(|(i, w)| {
                    let cfg = TournamentConfig { runs, seed: 7, threads: 1 + i % 2, ..TournamentConfig::default() };
                    let r = tournament_runs(s, &suppliers, &buyers, &cfg, w[0]..w[1]).unwrap();
                    let back = decode_runs(&encode_runs(&r)).unwrap();
                    assert_eq!(back, r);
                    back
                })
                .collect();
            parts.rotate_left(1);
            let merged = merge_runs(parts).unwrap();
            let cfg = TournamentConfig { runs, seed: 7, threads: 2, ..TournamentConfig::default() };
            assert_eq!(TournamentReport::from_runs(c, s, &cfg, &merged).unwrap().json(), reference, "{cuts:?}");
        }
        // Missing, overlapping or foreign runs are refused.
        let cfg = TournamentConfig { runs, seed: 7, threads: 1, ..TournamentConfig::default() };
        let a = tournament_runs(s, &suppliers, &buyers, &cfg, 0..5).unwrap();
        let b = tournament_runs(s, &suppliers, &buyers, &cfg, 6..runs).unwrap();
        let e = merge_runs(vec![a.clone(), b.clone()]).unwrap_err();
        assert!(e.to_string().contains("leave 5..6 out"), "{e}");
        let e = merge_runs(vec![a.clone(), a.clone()]).unwrap_err();
        assert!(e.to_string().contains("overlap"), "{e}");
        let e = TournamentReport::from_runs(c, s, &cfg, &a).unwrap_err();
        assert!(matches!(e, Error::Parts { .. }), "{e}");
        let other = tournament_runs(s, &[Boulware], &[Boulware], &cfg, 0..runs).unwrap();
        assert!(matches!(TournamentReport::from_runs(c, s, &cfg, &other), Err(Error::Parts { .. })));
        assert!(matches!(merge_runs(vec![a, other]), Err(Error::Parts { .. })));
        assert!(matches!(tournament_runs(s, &suppliers, &buyers, &cfg, 3..runs + 1), Err(Error::OutOfRange { .. })));
        for bad in [&b"KTR1"[..], &[0u8; 24][..]] {
            assert!(matches!(decode_runs(bad), Err(Error::Bytes { .. })));
        }
    }
}

/// Give-get clauses in the brief (有条件费用): scenarios/give-get.toml is handbook-2026.toml
/// with its DM, end-cap and year-end rebate conditioned and the retailer's performance drawn
/// (its own streams), so each clause without its condition is exactly BASE's clause on the
/// same scenarios, and the saving is BASE's mean − DRAFT's mean.
mod give_get {
    use kasim_montecarlo::RunConfig;
    use kasim_negotiate::brief::{BriefReport, GiveGet, Input, Role, say_money};
    use rust_decimal::Decimal;

    fn load(name: &str) -> kasim_core::Contract {
        kasim_core::load(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios").join(name)).unwrap()
    }

    fn brief(base: &kasim_core::Contract, draft: &kasim_core::Contract) -> BriefReport {
        let cfg = RunConfig { runs: 400, seed: 7, threads: 2, ..Default::default() };
        BriefReport::new(&[Input { file: "base", contract: base }, Input { file: "draft", contract: draft }], &cfg)
            .unwrap()
    }

    fn row<'a>(b: &'a BriefReport, contract: usize, id: &str) -> &'a GiveGet {
        b.give_get.iter().find(|g| g.contract == contract && g.id == id).unwrap_or_else(|| panic!("{id}"))
    }

    #[test]
    fn conditioned_clauses_are_valued_against_the_unconditional_ones() {
        let (base, draft) = (load("handbook-2026.toml"), load("give-get.toml"));
        let b = brief(&base, &draft);
        // BASE has no give-get and draws no performance: nothing of its own.
        assert!(b.give_get.iter().all(|g| g.contract == 1 && g.role == Role::Draft && g.conditioned));
        for id in ["dm", "end-cap", "year-end-rebate"] {
            let g = row(&b, 1, id);
            let c = b.clause(id).unwrap();
            let (ab, ad) = (c.amounts[0].as_ref().unwrap(), c.amounts[1].as_ref().unwrap());
            assert_eq!(g.expected, ad.mean, "{id}: the conditioned clause is DRAFT's");
            assert_eq!(g.unconditional, ab.mean, "{id}: without its condition it is BASE's, scenario by scenario");
            assert_eq!(g.saving, ab.mean - ad.mean, "{id}");
            assert_eq!(g.plan, ad.plan, "{id}");
            assert_eq!(g.plan_unconditional, ab.plan, "{id}");
        }
        // The DM fee: the February flyer is planned not to run; ~8% of flyers miss in the
        // simulation, so the condition holds all year in some scenarios, not all.
        let dm = row(&b, 1, "dm");
        assert!(dm.plan < dm.plan_unconditional);
        assert!(dm.saving > Decimal::ZERO);
        assert!(dm.p_met > 0.0 && dm.p_met < 1.0, "{}", dm.p_met);
        assert_eq!(dm.condition_zh, "档期执行才收费");
        // The end-cap pro rata: compliance is below 100% in almost every scenario.
        let ec = row(&b, 1, "end-cap");
        assert!(ec.saving > Decimal::ZERO && ec.p_met < 0.05, "{ec:?}");
        // The advice keeps DRAFT's give-gets, with the saving in yuan.
        let a = b.give_get_advice.iter().find(|a| a.id == "dm").unwrap();
        assert_eq!(a.saving, dm.saving);
        assert!(
            a.en.starts_with("Keep the DM / flyer fee conditioned") && a.en.contains(&say_money(dm.saving, "CNY")),
            "{}",
            a.en
        );
        assert!(a.en.contains('¥'));
        // Reversed, the draft drops last year's conditions: ask to keep them, worth the same
        // saving (the same scenarios, the same clauses).
        let r = brief(&draft, &base);
        let back = r.give_get_advice.iter().find(|a| a.id == "dm").unwrap();
        assert_eq!(back.saving, dm.saving);
        assert!(back.en.starts_with("The draft drops last year's condition on the DM / flyer fee"), "{}", back.en);
        assert!(back.zh.contains("要求保留"));
    }

    /// A draft with an unconditioned DM fee whose retailer's flyer run rate is drawn: the
    /// brief proposes the condition and values it on the same scenarios.
    #[test]
    fn an_unconditioned_dm_fee_is_proposed_a_condition() {
        let base = load("handbook-2026.toml");
        let mut draft = load("give-get.toml");
        for f in &mut draft.fees {
            if f.id == "dm" {
                f.condition = None;
            }
        }
        let b = brief(&base, &draft);
        let g = row(&b, 1, "dm");
        assert!(!g.conditioned);
        let c = b.clause("dm").unwrap();
        assert_eq!(g.unconditional, c.amounts[1].as_ref().unwrap().mean);
        assert!(g.saving > Decimal::ZERO);
        let a = b.give_get_advice.iter().find(|a| a.id == "dm").unwrap();
        assert!(
            a.en.starts_with("Ask for the DM / flyer fee to be conditioned (only if the flyer ran): saves ¥"),
            "{}",
            a.en
        );
    }
}
