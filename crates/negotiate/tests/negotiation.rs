//! Analytic checks of the protocol, strategies and metrics.

use kasim_negotiate::strategy::{Strategy, TimeDependent, TitForTat, View};
use kasim_negotiate::{Config, Ending, Grid, Issue, Party, Side, frontier, kalai_smorodinsky, nash, negotiate};

fn pie(step: f64) -> Grid {
    Grid::new(vec![Issue::new("supplier share", 0.0, 1.0, step)]).unwrap()
}

/// Rubinstein's subgame-perfect strategy on a pie: propose own share x* = (1 − δ_other) /
/// (1 − δ_me·δ_other); accept any offer worth at least δ_me·x* (what proposing next round is
/// worth today).
struct Rubinstein {
    share: f64,
    delta: f64,
}

impl Rubinstein {
    fn new(delta_me: f64, delta_other: f64) -> Rubinstein {
        Rubinstein { share: (1.0 - delta_other) / (1.0 - delta_me * delta_other), delta: delta_me }
    }
}

impl Strategy for Rubinstein {
    fn name(&self) -> String {
        "rubinstein".into()
    }
    fn propose(&mut self, v: &View<'_>) -> usize {
        // The largest own share on the grid not above x* (so the other side's share is at
        // least its acceptance threshold despite the grid).
        v.me.order.iter().copied().find(|&i| v.me.u[i] <= self.share + 1e-12).unwrap()
    }
    fn accept(&mut self, v: &View<'_>, offer: usize) -> bool {
        v.me.u[offer] >= self.delta * self.share - 1e-9
    }
}

#[test]
fn rubinstein_split_with_known_discount_factors() {
    let g = pie(0.001);
    let (s, b) = (g.score(|o| o[0]), g.score(|o| 1.0 - o[0]));
    for (ds, db) in [(0.9, 0.8), (0.95, 0.95), (0.6, 0.9)] {
        let cfg = Config {
            rounds: 50,
            opens: Side::Supplier,
            supplier: Party { discount: ds, ..Party::default() },
            buyer: Party { discount: db, ..Party::default() },
        };
        let t = negotiate(&g, [&s, &b], [&mut Rubinstein::new(ds, db), &mut Rubinstein::new(db, ds)], &cfg);
        let deal = t.agreement.expect("immediate agreement");
        assert_eq!(deal.round, 0, "the equilibrium has no delay");
        let x = g.points[deal.outcome][0];
        let expected = (1.0 - db) / (1.0 - ds * db);
        assert!(x <= expected + 1e-12 && expected - x <= 0.001 + 1e-12, "δ=({ds},{db}): share {x} vs {expected}");
    }
    // Equal patience: the proposer gets 1/(1+δ), the first-mover advantage.
    let d = 0.95;
    let cfg = Config {
        rounds: 50,
        opens: Side::Buyer,
        supplier: Party { discount: d, ..Party::default() },
        buyer: Party { discount: d, ..Party::default() },
    };
    let t = negotiate(&g, [&s, &b], [&mut Rubinstein::new(d, d), &mut Rubinstein::new(d, d)], &cfg);
    let x = g.points[t.agreement.unwrap().outcome][0];
    assert!((1.0 - x - 1.0 / (1.0 + d)).abs() <= 0.001 + 1e-12, "buyer opens: buyer share {}", 1.0 - x);
}

#[test]
fn symmetric_linear_agents_meet_near_the_nash_point() {
    let g = pie(0.01);
    let (s, b) = (g.score(|o| o[0]), g.score(|o| 1.0 - o[0]));
    let n = nash(&s, &b, 0.0, 0.0).unwrap();
    assert!((g.points[n][0] - 0.5).abs() < 1e-9);
    for rounds in [20, 41, 100] {
        let cfg = Config { rounds, opens: Side::Supplier, supplier: Party::default(), buyer: Party::default() };
        let t = negotiate(&g, [&s, &b], [&mut TimeDependent::linear(), &mut TimeDependent::linear()], &cfg);
        let deal = t.agreement.expect("agreement");
        let dist = ((deal.u_supplier - s.u[n]).powi(2) + (deal.u_buyer - b.u[n]).powi(2)).sqrt();
        assert!(dist < 0.08, "{rounds} rounds: distance to Nash {dist}");
    }
}

#[test]
fn boulware_agents_agree_near_the_deadline() {
    let g = pie(0.01);
    let (s, b) = (g.score(|o| o[0]), g.score(|o| 1.0 - o[0]));
    let rounds = 100;
    let cfg = Config { rounds, opens: Side::Supplier, supplier: Party::default(), buyer: Party::default() };
    let boulware = negotiate(&g, [&s, &b], [&mut TimeDependent::boulware(), &mut TimeDependent::boulware()], &cfg);
    let conceder = negotiate(&g, [&s, &b], [&mut TimeDependent::conceder(), &mut TimeDependent::conceder()], &cfg);
    let (rb, rc) = (boulware.agreement.unwrap().round, conceder.agreement.unwrap().round);
    assert!(rb >= 80, "Boulware agents settle late (round {rb})");
    assert!(rc < rb, "conceders settle earlier ({rc} < {rb})");
    // Against a hard-liner, a linear agent concedes nearly everything above its reservation.
    let t = negotiate(&g, [&s, &b], [&mut TimeDependent::hardliner(), &mut TimeDependent::linear()], &cfg);
    let last_buyer_offer = t.steps.iter().rev().find(|st| st.side == Side::Buyer).unwrap();
    assert!(g.points[last_buyer_offer.outcome][0] > 0.95, "{:?}", g.points[last_buyer_offer.outcome]);
}

#[test]
fn deadlines_reservations_and_delay_cost() {
    let g = pie(0.01);
    let (s, b) = (g.score(|o| o[0]), g.score(|o| 1.0 - o[0]));
    // Two hard-liners never agree: the round limit ends it and both get their BATNA.
    let cfg = Config {
        rounds: 30,
        opens: Side::Supplier,
        supplier: Party { reservation: 0.2, ..Party::default() },
        buyer: Party { reservation: 0.3, ..Party::default() },
    };
    let t = negotiate(&g, [&s, &b], [&mut TimeDependent::hardliner(), &mut TimeDependent::hardliner()], &cfg);
    assert!(t.agreement.is_none());
    assert_eq!((t.ended_by, t.u_supplier, t.u_buyer), (Ending::RoundLimit, 0.2, 0.3));
    // The buyer's private deadline ends a negotiation the supplier stalls.
    let cfg = Config { rounds: 60, buyer: Party { deadline: Some(10), ..Party::default() }, ..cfg };
    let t = negotiate(&g, [&s, &b], [&mut TimeDependent::hardliner(), &mut TimeDependent::hardliner()], &cfg);
    assert_eq!(t.ended_by, Ending::BuyerDeadline);
    assert_eq!(t.steps.len(), 11);
    // Never below the reservation value: a linear buyer with reservation 0.3 accepts no share above 0.7.
    let cfg = Config {
        rounds: 60,
        opens: Side::Supplier,
        supplier: Party::default(),
        buyer: Party { reservation: 0.3, ..Party::default() },
    };
    let t = negotiate(&g, [&s, &b], [&mut TimeDependent::hardliner(), &mut TimeDependent::linear()], &cfg);
    assert!(t.agreement.is_none() || g.points[t.agreement.unwrap().outcome][0] <= 0.7 + 1e-9);
    // Delay costs real money: utility at agreement minus cost × rounds.
    let cfg = Config {
        rounds: 40,
        opens: Side::Supplier,
        supplier: Party { delay_cost: 0.001, ..Party::default() },
        buyer: Party { delay_cost: 0.002, ..Party::default() },
    };
    let t = negotiate(&g, [&s, &b], [&mut TimeDependent::linear(), &mut TimeDependent::linear()], &cfg);
    let d = t.agreement.unwrap();
    assert!((d.u_supplier - (s.u[d.outcome] - 0.001 * d.round as f64)).abs() < 1e-12);
    assert!((d.u_buyer - (b.u[d.outcome] - 0.002 * d.round as f64)).abs() < 1e-12);
    // Concessions are recorded per offer in the offering side's own utility.
    assert!(t.steps.iter().all(|st| st.concession >= -1e-12));
}

#[test]
fn tit_for_tat_reciprocates_and_agrees() {
    let g = pie(0.01);
    let (s, b) = (g.score(|o| o[0]), g.score(|o| 1.0 - o[0]));
    let cfg = Config { rounds: 100, opens: Side::Buyer, supplier: Party::default(), buyer: Party::default() };
    let t = negotiate(&g, [&s, &b], [&mut TitForTat::default(), &mut TimeDependent::linear()], &cfg);
    let deal = t.agreement.expect("agreement");
    assert!((g.points[deal.outcome][0] - 0.5).abs() < 0.15, "{:?}", g.points[deal.outcome]);
}

#[test]
fn pareto_frontier_nash_and_ks_on_a_trade_off() {
    // Two issues: entry fee (0–300k, step 50k) and payment days (30–90, step 15). The supplier
    // dislikes both; the buyer values the fee and the days differently: logrolling exists.
    let g =
        Grid::new(vec![Issue::new("entry", 0.0, 300_000.0, 50_000.0), Issue::new("days", 30.0, 90.0, 15.0)]).unwrap();
    let s = g.score(|o| -o[0] - 4_000.0 * o[1]);
    let b = g.score(|o| o[0] + 1_000.0 * o[1]);
    let f = frontier(&s, &b);
    // Brute force: an outcome is on the frontier iff no other dominates it.
    let dominated = |i: usize| {
        (0..g.points.len()).any(|j| s.u[j] >= s.u[i] && b.u[j] >= b.u[i] && (s.u[j] > s.u[i] || b.u[j] > b.u[i]))
    };
    let mut brute: Vec<usize> = (0..g.points.len()).filter(|&i| !dominated(i)).collect();
    let mut fast = f.outcomes.clone();
    brute.sort_unstable();
    fast.sort_unstable();
    assert_eq!(fast, brute);
    // Days cost the supplier 4× what they are worth to the buyer: past the shortest terms,
    // only a maxed-out fee can still be traded for days.
    assert!(f.outcomes.iter().all(|&i| g.points[i][1] == 30.0 || g.points[i][0] == 300_000.0));
    let (ds, db) = (s.min(), b.min());
    let n = nash(&s, &b, ds, db).unwrap();
    let k = kalai_smorodinsky(&s, &b, ds, db).unwrap();
    assert!(f.outcomes.contains(&n) && f.outcomes.contains(&k));
}

#[test]
fn contract_negotiation_scores_whole_contracts() {
    use kasim_negotiate::contract::{offer, setup};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let mut c = kasim_core::load(path).unwrap();
    c.negotiation.as_mut().unwrap().supplier.scenarios = 16;
    let s = setup(&c).unwrap();
    assert_eq!(s.grid.points.len(), 9 * 5 * 4 * 2);
    // Every offer is a whole contract: the supplier's utility of a point equals mean − 0.5·sd
    // of that contract's contribution over the same 16 sampled years.
    let i = 123;
    let o = offer(&c, &s.paths, &s.values[i]).unwrap();
    let m = kasim_core::Compiled::new(&o).unwrap();
    let base = kasim_core::Compiled::new(&c).unwrap();
    let model = kasim_montecarlo::Model::new(&base).unwrap();
    let xs: Vec<f64> = (0..16)
        .map(|k| m.totals(&model.sample(1, k)).unwrap().net_contribution().to_string().parse::<f64>().unwrap())
        .collect();
    let mean = xs.iter().sum::<f64>() / 16.0;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 15.0).sqrt();
    assert!((s.supplier.u[i] - (mean - 0.5 * sd)).abs() < 1e-6, "{} vs {}", s.supplier.u[i], mean - 0.5 * sd);
    // A higher renewal fee (first issue, outermost) costs the supplier exactly the difference
    // in every scenario, and pleases the buyer no less.
    let stride = 5 * 4 * 2;
    assert!((s.supplier.u[0] - s.supplier.u[stride] - 10_000.0).abs() < 1e-6);
    assert!(s.buyer.u[stride] >= s.buyer.u[0]);
}

#[test]
fn tournament_is_seeded_and_thread_count_independent() {
    use kasim_negotiate::contract::setup;
    use kasim_negotiate::tournament::{TournamentConfig, tournament};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let mut c = kasim_core::load(path).unwrap();
    c.negotiation.as_mut().unwrap().supplier.scenarios = 8;
    let s = setup(&c).unwrap();
    use kasim_negotiate::StrategyKind::{Anchoring, Boulware, Hardliner, StrongFirm};
    let names = [Boulware, Hardliner, StrongFirm];
    let one = tournament(&s, &names, &names, &TournamentConfig { runs: 40, threads: 1, ..Default::default() }).unwrap();
    let two = tournament(&s, &names, &names, &TournamentConfig { runs: 40, threads: 2, ..Default::default() }).unwrap();
    assert_eq!(one, two);
    assert_eq!(one.len(), 9);
    let pair = |a, b| one.iter().find(|r| r.supplier == a && r.buyer == b).unwrap();
    assert_eq!(pair(Hardliner, Hardliner).agreement_rate, 0.0, "two hard-liners never agree");
    assert_eq!(pair(StrongFirm, Boulware).agreement_rate, 1.0, "the strong-firm supplier signs the draft");
    // The buyer's tactics are refused for the supplier, and runs must be in range.
    let e = tournament(&s, &[Anchoring], &names, &TournamentConfig::default()).unwrap_err();
    assert!(matches!(e, kasim_negotiate::Error::WrongSide { .. }), "{e:?}");
    let e = tournament(&s, &names, &names, &TournamentConfig { runs: 0, ..Default::default() }).unwrap_err();
    assert!(matches!(e, kasim_negotiate::Error::OutOfRange { name: "runs", .. }), "{e:?}");
    // The anchoring buyer holds "last year + 10%" until late in its time.
    let anchored =
        tournament(&s, &[Boulware], &[Anchoring], &TournamentConfig { runs: 10, ..Default::default() }).unwrap();
    assert_eq!(anchored.len(), 1);
    // Without last year's fees in the file, anchoring is refused, naming the setting.
    c.negotiation.as_mut().unwrap().buyer.last_year_fees = None;
    let s2 = setup(&c).unwrap();
    let e = tournament(&s2, &names, &[Anchoring], &TournamentConfig::default()).unwrap_err();
    assert!(
        matches!(e, kasim_negotiate::Error::StrategyNeedsSetting { strategy: Anchoring, setting } if setting.contains("last_year_fees")),
        "{e:?}"
    );
    assert!(e.is_strategy() && e.to_string().contains("last_year_fees"), "{e}");
}

#[test]
fn delisting_threat_makes_the_offer_final_then_walks_away() {
    use kasim_negotiate::strategy::DelistingThreat;
    let g = pie(0.01);
    let (s, b) = (g.score(|o| o[0]), g.score(|o| 1.0 - o[0]));
    let cfg = Config {
        rounds: 40,
        opens: Side::Buyer,
        supplier: Party::default(),
        buyer: Party { reservation: 0.3, ..Party::default() },
    };
    // A hard-liner supplier ignores the threat: the buyer delists it.
    let t = negotiate(&g, [&s, &b], [&mut TimeDependent::hardliner(), &mut DelistingThreat::default()], &cfg);
    assert_eq!(t.ended_by, Ending::BuyerWalkedAway);
    assert_eq!((t.u_supplier, t.u_buyer), (0.0, 0.3));
    // A supplier that signs anything above its reservation takes the final offer; a conceder
    // whose target is still above the (Boulware-level) final offer is delisted.
    let t =
        negotiate(&g, [&s, &b], [&mut kasim_negotiate::contract::StrongFirm, &mut DelistingThreat::new(0.0, 2)], &cfg);
    assert!(t.agreement.is_some(), "{}", t.ended_by);
    let t = negotiate(&g, [&s, &b], [&mut TimeDependent::conceder(), &mut DelistingThreat::default()], &cfg);
    // After the threat, the buyer's offers no longer move.
    let threat = DelistingThreat::default();
    let after: Vec<usize> = t
        .steps
        .iter()
        .filter(|st| st.side == Side::Buyer && st.round as f64 / 40.0 >= threat.at)
        .map(|st| st.outcome)
        .collect();
    assert!(after.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn relative_tit_for_tat_mirrors_moves_issue_by_issue() {
    use kasim_negotiate::strategy::RelativeTitForTat;
    let g = pie(0.01);
    let (s, b) = (g.score(|o| o[0]), g.score(|o| 1.0 - o[0]));
    let cfg = Config { rounds: 60, opens: Side::Supplier, supplier: Party::default(), buyer: Party::default() };
    let t = negotiate(&g, [&s, &b], [&mut RelativeTitForTat::default(), &mut TimeDependent::linear()], &cfg);
    assert!(t.agreement.is_some(), "{}", t.ended_by);
    // Its k-th offer (k ≥ 1) is its previous one scaled by the buyer's last relative move.
    let mine: Vec<f64> =
        t.steps.iter().filter(|st| st.side == Side::Supplier).map(|st| g.points[st.outcome][0]).collect();
    let theirs: Vec<f64> =
        t.steps.iter().filter(|st| st.side == Side::Buyer).map(|st| g.points[st.outcome][0]).collect();
    for k in 2..mine.len().min(theirs.len()) {
        let expected = (theirs[k - 2] / theirs[k - 1] * mine[k - 1]).clamp(0.0, 1.0);
        assert!(
            (mine[k] - expected).abs() <= 0.005 + 1e-9 || theirs[k - 1] == 0.0,
            "offer {k}: {} vs {expected}",
            mine[k]
        );
    }
}

#[test]
fn missed_signing_penalty_and_recovered_volume_set_the_reservations() {
    use kasim_negotiate::contract::setup;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let mut c = kasim_core::load(path).unwrap();
    {
        let n = c.negotiation.as_mut().unwrap();
        n.supplier.scenarios = 4;
        n.buyer.missed_signing_penalty = kasim_core::money::Rate("0.2".parse().unwrap());
        n.supplier.batna_recovered_share = Some(kasim_core::money::Rate("0.5".parse().unwrap()));
    }
    let s = setup(&c).unwrap();
    let batna: f64 = c.negotiation.as_ref().unwrap().buyer.batna.0.to_string().parse().unwrap();
    assert!((s.config.buyer.reservation - (batna - 0.2)).abs() < 1e-12);
    let t = kasim_core::evaluate(&c).unwrap().totals;
    let margin: f64 = (t.gross_invoiced - t.returns - t.cost_of_goods).to_string().parse().unwrap();
    assert!((s.config.supplier.reservation - (150_000.0 + 0.5 * margin)).abs() < 1e-6);
}

#[test]
fn flagship_first_negotiates_the_chain_from_strength() {
    use kasim_negotiate::StrategyKind::{FlagshipFirst, Hardliner};
    use kasim_negotiate::contract::{negotiate_flagship, setup, strategy_for};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let mut c = kasim_core::load(path).unwrap();
    c.negotiation.as_mut().unwrap().supplier.scenarios = 8;
    let s = setup(&c).unwrap();
    let kasim_negotiate::contract::Flagship { pilot_rounds: pilot, demand_lift: lift, batna_gain: gain } =
        s.flagship.unwrap();
    assert_eq!((pilot, lift), (4, 0.15));
    assert!(gain > 0.0);
    let mut base = strategy_for(FlagshipFirst, Side::Supplier, &s).unwrap();
    let mut buyer = strategy_for(Hardliner, Side::Buyer, &s).unwrap();
    let t = negotiate_flagship(&s, &s.buyer_params, &s.config, base.as_mut(), buyer.as_mut()).unwrap();
    // The chain negotiation starts after the pilot, and a breakdown leaves the supplier with
    // the BATNA the flagship raised.
    assert!(t.steps.first().is_none_or(|st| st.round >= pilot));
    if t.agreement.is_none() {
        assert!((t.u_supplier - (s.config.supplier.reservation + gain)).abs() < 1e-6);
    }
    // The playbook is the supplier's; without it configured it is refused, naming the setting.
    assert!(strategy_for(FlagshipFirst, Side::Buyer, &s).is_err());
    c.negotiation.as_mut().unwrap().supplier.flagship = None;
    let s2 = setup(&c).unwrap();
    let e = strategy_for(FlagshipFirst, Side::Supplier, &s2).err().unwrap();
    assert_eq!(e.to_string(), "the `flagship-first` strategy needs [negotiation.supplier.flagship] in the contract");
}

#[test]
fn last_mover_is_configurable() {
    use kasim_core::negotiation::Opener;
    use kasim_negotiate::contract::setup;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let mut c = kasim_core::load(path).unwrap();
    c.negotiation.as_mut().unwrap().supplier.scenarios = 2;
    // 24 rounds opened by the buyer: rounds 0, 2, …, 22 are the buyer's; 23 is the supplier's.
    c.negotiation.as_mut().unwrap().last_offer_by = Some(Opener::Supplier);
    assert_eq!(setup(&c).unwrap().config.rounds, 24);
    c.negotiation.as_mut().unwrap().last_offer_by = Some(Opener::Buyer);
    let s = setup(&c).unwrap();
    assert_eq!(s.config.rounds, 23);
    assert_eq!(s.config.opens, Side::Buyer);
}

#[test]
fn malformed_spaces_are_typed_errors() {
    use kasim_negotiate::Error;
    use kasim_negotiate::contract::setup;
    let e = Grid::new(vec![Issue::new("share", 1.0, 0.0, 0.1)]).unwrap_err();
    assert!(matches!(&e, Error::EmptyIssue { issue, .. } if issue == "share") && e.is_space(), "{e:?}");
    let e = Grid::new(vec![Issue::new("a", 0.0, 1.0, 1e-4), Issue::new("b", 0.0, 1.0, 1e-3)]).unwrap_err();
    assert!(matches!(e, Error::TooManyOffers { offers: 10_011_001, limit: 1_000_000 }), "{e:?}");
    // A step too small for its range is refused before anything is enumerated.
    let e = Grid::new(vec![Issue::new("fee", 0.0, 1e6, 1e-300)]).unwrap_err();
    assert!(matches!(e, Error::TooManyOffers { offers: usize::MAX, .. }), "{e:?}");
    // A contract changed after validation is checked again, not divided by a zero step.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let mut c = kasim_core::load(path).unwrap();
    c.negotiation.as_mut().unwrap().issues[0].step = kasim_core::money::Num(rust_decimal::Decimal::ZERO);
    assert!(matches!(setup(&c), Err(Error::EmptyIssue { .. })));
    c.negotiation = None;
    assert!(matches!(setup(&c), Err(Error::NoNegotiation)));
}

fn seed_case() -> kasim_core::Contract {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let mut c = kasim_core::load(path).unwrap();
    c.negotiation.as_mut().unwrap().supplier.scenarios = 4;
    c
}

/// Every strategy pair the catalogue allows on a set-up (anchoring and flagship-first included:
/// the seed case configures both).
fn every_pair() -> Vec<(kasim_negotiate::StrategyKind, kasim_negotiate::StrategyKind)> {
    use kasim_negotiate::StrategyKind;
    let side = |s: Side| StrategyKind::ALL.into_iter().filter(move |k| k.plays(s));
    side(Side::Supplier).flat_map(|s| side(Side::Buyer).map(move |b| (s, b))).collect()
}

/// Issue 9 item 2: a contract the supplier should walk away from (its BATNA above every offer)
/// made tit-for-tat panic (`f64::clamp` with min > max). Every pair now ends without a deal,
/// naming the empty acceptable set, and the supplier gets its BATNA.
#[test]
fn batna_above_every_offer_ends_without_a_deal_for_every_pair() {
    use kasim_negotiate::contract::{play, setup};
    let mut zero_stores = seed_case();
    zero_stores.retailer.stores = 0;
    let mut huge_batna = seed_case();
    huge_batna.negotiation.as_mut().unwrap().supplier.batna = kasim_core::money::Money("1000000000".parse().unwrap());
    for (name, c) in [("zero stores", zero_stores), ("BATNA 1e9", huge_batna)] {
        let s = setup(&c).unwrap();
        assert!(s.supplier.max() < s.config.supplier.reservation, "{name}: every offer is below the BATNA");
        for (sk, bk) in every_pair() {
            let t = play(&s, sk, bk).unwrap();
            assert_eq!(t.agreement, None, "{name}: {sk} vs {bk}");
            assert_eq!(t.ended_by, Ending::SupplierNothingAcceptable, "{name}: {sk} vs {bk}");
            assert!(t.steps.is_empty(), "{name}: {sk} vs {bk} made offers");
            assert_eq!(t.u_supplier, s.supplier_reservation(sk), "{name}: {sk} vs {bk}");
        }
    }
    // The same through the tournament (which panicked on tit-for-tat).
    let mut c = seed_case();
    c.retailer.stores = 0;
    let s = setup(&c).unwrap();
    let (sup, buy) = kasim_negotiate::tournament::field(&s);
    let cfg = kasim_negotiate::tournament::TournamentConfig { runs: 5, ..Default::default() };
    let r = kasim_negotiate::tournament::tournament(&s, &sup, &buy, &cfg).unwrap();
    assert!(r.iter().all(|p| p.agreement_rate == 0.0), "{r:?}");
    assert_eq!(Ending::SupplierNothingAcceptable.as_str(), "nothing beats supplier BATNA");
    assert_eq!(serde_json::to_value(Ending::BuyerNothingAcceptable).unwrap(), "nothing beats buyer BATNA");
}

/// Issue 9 item 2 without the protocol: a strategy asked directly for an offer or an answer
/// with a reservation value above every outcome does not panic.
#[test]
fn tit_for_tat_with_an_empty_acceptable_set_does_not_panic() {
    let g = pie(0.1);
    let s = g.score(|o| o[0]);
    let theirs = [0, 3, 5];
    let v = View { grid: &g, me: &s, reservation: 2.0, t: 0.5, round: 3, mine: &[10, 9], theirs: &theirs };
    let mut tft = TitForTat::default();
    let o = tft.propose(&v);
    assert!(o < g.points.len());
    assert!(!tft.accept(&v, o), "nothing is acceptable");
    assert_eq!(v.range(), (1.0, 1.0));
}

/// Every named strategy (contract-independent ones) plus the user's own.
/// A named maker of fresh strategies.
type Maker = (&'static str, Box<dyn Fn() -> Box<dyn Strategy>>);

fn grid_strategies() -> Vec<Maker> {
    use kasim_negotiate::strategy::{DelistingThreat, RelativeTitForTat};
    vec![
        ("boulware", Box::new(|| Box::new(TimeDependent::boulware()) as Box<dyn Strategy>)),
        ("linear", Box::new(|| Box::new(TimeDependent::linear()))),
        ("conceder", Box::new(|| Box::new(TimeDependent::conceder()))),
        ("hardliner", Box::new(|| Box::new(TimeDependent::hardliner()))),
        ("stall", Box::new(|| Box::new(TimeDependent { e: 0.1, k: 0.0 }))),
        ("tit-for-tat", Box::new(|| Box::new(TitForTat::default()))),
        ("relative-tit-for-tat", Box::new(|| Box::new(RelativeTitForTat::default()))),
        ("strong-firm", Box::new(|| Box::new(kasim_negotiate::contract::StrongFirm))),
        ("delisting-threat", Box::new(|| Box::new(DelistingThreat::default()))),
        ("anchoring", Box::new(|| Box::new(anchoring()))),
        ("accept-anything", Box::new(|| Box::new(AcceptAnything))),
    ]
}

fn anchoring() -> kasim_negotiate::strategy::Anchoring {
    // On the two-issue grid below: outcomes whose first issue is at most 0.5 are admitted.
    let g = two_issues();
    kasim_negotiate::strategy::Anchoring {
        allowed: g.points.iter().map(|p| p[0] <= 0.5).collect(),
        inner: TimeDependent::boulware(),
        release: 0.9,
    }
}

/// A careless user strategy: accepts everything, offers its best.
struct AcceptAnything;

impl Strategy for AcceptAnything {
    fn name(&self) -> String {
        "accept-anything".into()
    }
    fn propose(&mut self, v: &View<'_>) -> usize {
        v.me.order[0]
    }
    fn accept(&mut self, _: &View<'_>, _: usize) -> bool {
        true
    }
}

fn two_issues() -> Grid {
    Grid::new(vec![Issue::new("a", 0.0, 1.0, 0.1), Issue::new("b", 0.0, 1.0, 0.25)]).unwrap()
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Issue 9 items 2 and 11: over random utilities, reservations, deadlines, delay costs
        /// and discounts, no pair of strategies panics, and no agreement leaves either side
        /// below its reservation value after the cost of delay (the binding definition).
        #[test]
        fn no_panic_and_no_deal_below_a_reservation(
            ws in prop::collection::vec(-2.0f64..2.0, 4),
            rs in -1.5f64..2.5,
            rb in -1.5f64..2.5,
            ds in prop::option::of(0usize..30),
            db in prop::option::of(0usize..30),
            cs in 0.0f64..0.1,
            cb in 0.0f64..0.1,
            fs in 0.8f64..1.0,
            rounds in 1usize..40,
            supplier_opens in any::<bool>(),
        ) {
            let g = two_issues();
            let s = g.score(|o| ws[0] * o[0] + ws[1] * o[1]);
            let b = g.score(|o| ws[2] * o[0] + ws[3] * o[1]);
            let cfg = Config {
                rounds,
                opens: if supplier_opens { Side::Supplier } else { Side::Buyer },
                supplier: Party { reservation: rs, deadline: ds, delay_cost: cs, discount: fs },
                buyer: Party { reservation: rb, deadline: db, delay_cost: cb, discount: 1.0 },
            };
            let strategies = grid_strategies();
            for (sn, sf) in &strategies {
                for (bn, bf) in &strategies {
                    let (mut x, mut y) = (sf(), bf());
                    let t = negotiate(&g, [&s, &b], [x.as_mut(), y.as_mut()], &cfg);
                    if let Some(a) = &t.agreement {
                        prop_assert!(a.u_supplier >= rs, "{} vs {}: supplier {} < {}", sn, bn, a.u_supplier, rs);
                        prop_assert!(a.u_buyer >= rb, "{} vs {}: buyer {} < {}", sn, bn, a.u_buyer, rb);
                        prop_assert_eq!(t.ended_by, Ending::Agreement);
                    } else {
                        prop_assert_eq!((t.u_supplier, t.u_buyer), (rs, rb));
                    }
                }
            }
        }
    }
}

/// Issue 9 item 11: relative tit-for-tat against anchoring on the seed case accepted a deal
/// worth less than the BATNA after the cost of delay; with the reservation enforced in the
/// protocol no pair of the catalogue agrees below either side's reservation value.
#[test]
fn no_catalogue_pair_agrees_below_a_reservation_on_the_seed_case() {
    use kasim_negotiate::contract::{play, setup};
    let mut c = seed_case();
    // A dearer delay and a higher BATNA make late deals fall below it.
    let n = c.negotiation.as_mut().unwrap();
    n.supplier.batna = kasim_core::money::Money("300000".parse().unwrap());
    n.supplier.delay_cost = kasim_core::money::Money("20000".parse().unwrap());
    let s = setup(&c).unwrap();
    for (sk, bk) in every_pair() {
        let t = play(&s, sk, bk).unwrap();
        if let Some(a) = &t.agreement {
            assert!(a.u_supplier >= s.supplier_reservation(sk), "{sk} vs {bk}: {} below BATNA", a.u_supplier);
            assert!(a.u_buyer >= s.config.buyer.reservation, "{sk} vs {bk}: {}", a.u_buyer);
        }
    }
}

/// Issue 9 item 4: 20,000 offers × 100,000 scenarios passed validation and then ran for hours.
/// Offers × scenarios is bounded at validation, located at the scenario count, and the library
/// refuses a contract changed since; a tournament's runs × pairs × rounds is bounded too.
#[test]
fn negotiation_work_is_bounded() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/negotiation-seed-case.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // 81 renewal fees × 5 × 4 × 2 = 3,240 offers.
    let fine = text.replacen("step = \"10000\"", "step = \"1000\"", 1);
    let with = |n: u32| fine.replacen("scenarios = 64", &format!("scenarios = {n}"), 1);
    let load = |src: &str| kasim_core::load_str(src, &path, path.parent());
    // 3,240 × 15,000 = 48.6 million settlements: allowed.
    assert!(load(&with(15_000)).is_ok());
    // 3,240 × 20,000 = 64.8 million: refused, at the scenario count.
    let e = load(&with(20_000)).unwrap_err();
    let p = &e.problems()[0];
    assert_eq!(p.key_path, "negotiation.supplier.scenarios", "{e}");
    assert!(
        p.message.contains("3,240 offers × 20,000 scenarios is 64,800,000 settlements, more than 50,000,000"),
        "{}",
        p.message
    );
    assert_eq!(p.line, fine.lines().position(|l| l.starts_with("scenarios = 64")).unwrap() + 1);
    // Changed after loading: the set-up refuses it with a typed error, before any settlement.
    let mut c = load(&with(15_000)).unwrap();
    c.negotiation.as_mut().unwrap().supplier.scenarios = 20_000;
    let e = kasim_negotiate::contract::setup(&c).err().unwrap();
    assert!(
        matches!(e, kasim_negotiate::Error::TooMuchWork { offers: 3240, scenarios: 20_000, limit: 50_000_000 }),
        "{e:?}"
    );
    assert!(e.is_space());
    // Tournament: 100,000 runs of every pair of the field × 24 rounds is refused before any
    // run, saying how many runs fit.
    use kasim_negotiate::tournament::{MAX_TOURNAMENT_OFFERS, TournamentConfig, field, tournament};
    let s = kasim_negotiate::contract::setup(&seed_case()).unwrap();
    let (sup, buy) = field(&s);
    let pairs = (sup.len() * buy.len()) as u64;
    let cfg = TournamentConfig { runs: 100_000, ..Default::default() };
    let e = tournament(&s, &sup, &buy, &cfg).unwrap_err();
    match e {
        kasim_negotiate::Error::TournamentTooLarge { runs, pairs: p, rounds, limit, max_runs } => {
            assert_eq!((runs, p, rounds, limit), (100_000, pairs, 24, MAX_TOURNAMENT_OFFERS));
            assert_eq!(max_runs, 100_000_000 / (pairs * 24));
        }
        other => panic!("{other:?}"),
    }
    assert!(pairs * 24 * 100_000 > MAX_TOURNAMENT_OFFERS);
}

/// Issue 9 item 10: `advise` valued each move alone, so a sales-fee rate cut under a binding
/// guaranteed minimum (保底) read as worth nothing. The seed clause (15% of 6,000,000 with a
/// 1,500,000 floor) negotiated over the rate (15% or 5%) and the floor (1.5M or 0): alone, the
/// rate cut is worth 0 (the floor still binds: 1.5M either way) and the floor cut 600,000 (fees
/// 900,000); together they are worth 1,200,000 (fees 300,000). The rate cut's value in the
/// counter-offer is 600,000 and it is flagged as paying off only with the floor.
#[test]
fn advice_shows_moves_that_pay_off_only_together() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/seed-clause.toml");
    let text = std::fs::read_to_string(&path).unwrap().replace("guaranteed-1.5m", "guaranteed");
    let text = format!(
        "{text}
[negotiation]
rounds = 10

[[negotiation.issues]]
path = \"fees.sales-fee.rate\"
min = \"5%\"
max = \"15%\"
step = \"10%\"

[[negotiation.issues]]
path = \"fees.guaranteed.floor\"
min = \"0\"
max = \"1500000\"
step = \"1500000\"

[negotiation.supplier]
batna = \"0\"

[negotiation.buyer]
fee_target = \"0\"
weights = {{ sales = \"100%\" }}
sales_target = \"1000000\"
batna = \"0.5\"
"
    );
    let c = kasim_core::load_str(&text, &path, path.parent()).unwrap();
    let s = kasim_negotiate::contract::setup(&c).unwrap();
    let a = kasim_negotiate::contract::advise(&c, &s, 0.0).unwrap();
    let [rate, floor] = &a.per_term[..] else { panic!("{:?}", a.per_term) };
    let near = |x: Option<f64>, y: f64| x.is_some_and(|x| (x - y).abs() < 0.01);
    assert_eq!((rate.term.as_str(), floor.term.as_str()), ("fees.sales-fee.rate", "fees.guaranteed.floor"));
    assert!(near(rate.supplier_gain, 0.0), "{rate:?}");
    assert!(near(floor.supplier_gain, 600_000.0), "{floor:?}");
    assert!(near(rate.marginal_gain, 600_000.0), "{rate:?}");
    assert!(near(floor.marginal_gain, 1_200_000.0), "{floor:?}");
    assert!(rate.pays_off_together, "{rate:?}");
    assert_eq!(rate.partners, ["fees.guaranteed.floor"]);
    // The floor pays on its own (600,000 alone, 1,200,000 in the counter-offer: not more than
    // twice its value alone).
    assert!(!floor.pays_off_together && floor.partners.is_empty(), "{floor:?}");
    // The counter-offer is both cuts, worth 1,200,000 more than the draft.
    let draft = a.draft.unwrap();
    assert!((a.supplier_value - s.supplier.u[draft] - 1_200_000.0).abs() < 0.01);
    // The JSON carries the new fields.
    let j = serde_json::to_value(&a).unwrap();
    assert_eq!(j["per_term"][0]["pays_off_together"], true);
    assert_eq!(j["per_term"][0]["partners"][0], "fees.guaranteed.floor");
}
