//! The sampler hooks ([`Adjust`], [`Model::sample_adjusted`]): an empty adjustment is the
//! unadjusted sample, and an adjustment changes only the cells it names (every stream draws
//! as before, so the rest of the scenario is unchanged).

use kasim_core::{Compiled, Outcome};
use kasim_montecarlo::Model;
use kasim_montecarlo::sampler::{Adjust, Shared};
use kasim_montecarlo::streams::ScenarioKey;

/// Scenario `k` of `model`, unadjusted and adjusted.
fn both(model: &Model<'_>, k: u64, adjust: &Adjust) -> (Outcome, Outcome) {
    let root = ScenarioKey::new(2027, k);
    let shared = Shared::default();
    let mut ws = model.workspace();
    model.sample_shared(&root, &mut ws, &shared);
    let plain = ws.outcome().clone();
    model.sample_adjusted(&root, &mut ws, &shared, adjust);
    (plain, ws.outcome().clone())
}

/// The cells (period, SKU) where two outcomes differ.
fn differing(a: &Outcome, b: &Outcome) -> Vec<(usize, usize)> {
    let n = a.skus();
    a.cells.iter().zip(&b.cells).enumerate().filter(|(_, (x, y))| x != y).map(|(i, _)| (i / n, i % n)).collect()
}

/// An adjustment with every field given but changing nothing, or none at all, samples
/// exactly what `sample_shared` does; and a workspace an adjusted sample used is restored
/// (slots, promotion prices) before the next unadjusted one.
#[test]
fn empty_adjustment_is_the_unadjusted_sample() {
    for c in [
        super::contract(""),
        kasim_core::load(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/hypermarket.toml"))
            .unwrap(),
    ] {
        let m = Compiled::new(&c).unwrap();
        let model = Model::new(&m).unwrap();
        let (n, periods) = (c.skus.len(), c.periods());
        let neutral = Adjust { demand: vec![1.0; n], first_period: vec![0; n], withheld: vec![false; n * periods] };
        let everything = Adjust { withheld: vec![true; n * periods], first_period: vec![2; n], ..Adjust::default() };
        let shared = Shared::default();
        let mut ws = model.workspace();
        for k in 0..50 {
            let root = ScenarioKey::new(5, k);
            model.sample_shared(&root, &mut ws, &shared);
            let want = ws.outcome().clone();
            for adjust in [&Adjust::default(), &neutral] {
                // An adjusted sample first, so the restore is exercised.
                model.sample_adjusted(&root, &mut ws, &shared, &everything);
                model.sample_adjusted(&root, &mut ws, &shared, adjust);
                assert_eq!(ws.outcome(), &want, "scenario {k}");
                model.sample_adjusted(&root, &mut ws, &shared, &everything);
                model.sample_shared(&root, &mut ws, &shared);
                assert_eq!(ws.outcome(), &want, "scenario {k}");
            }
        }
    }
}

/// A withheld slot changes its own cell (no uplift, no slot, no promotion price) and the
/// dip period after it, nothing else: its uplift and dip draws are still made.
#[test]
fn a_withheld_slot_changes_only_its_cell_and_the_dip_after_it() {
    let c = super::contract("");
    let m = Compiled::new(&c).unwrap();
    let model = Model::new(&m).unwrap();
    let n = c.skus.len();
    // SKU A (0) is promoted in periods 2, 6 and 10 (0-based 1, 5, 9): withhold period 6.
    let (p, s) = (5, 0);
    assert!(m.plan_outcome().cell(p, s).promoted());
    let mut withheld = vec![false; n * c.periods()];
    withheld[p * n + s] = true;
    let adjust = Adjust { withheld, ..Adjust::default() };
    let mut lower = 0;
    for k in 0..200 {
        let (plain, adj) = both(&model, k, &adjust);
        let diff = differing(&plain, &adj);
        assert!(diff.iter().all(|&(q, t)| t == s && (q == p || q == p + 1)), "scenario {k}: {diff:?}");
        let cell = adj.cell(p, s);
        assert_eq!((cell.slots, cell.promo_price_micro), (0, 0));
        lower += usize::from(cell.ordered < plain.cell(p, s).ordered);
        // The dip after it does not happen: demand there is at least the unadjusted one's.
        assert!(adj.cell(p + 1, s).ordered >= plain.cell(p + 1, s).ordered, "scenario {k}");
    }
    // The uplift (1.5–3×) is gone, on the same demand noise: the cell orders less every time.
    assert_eq!(lower, 200);
}

/// Without uncertainty the adjusted plan is exact: demand × the multiplier, no uplift on a
/// withheld slot, nothing before a SKU's first period.
#[test]
fn adjusted_plan_is_exact() {
    let c = kasim_core::demo::contract_with_skus(
        2,
        "[[plan.promotions]]\nskus = [\"A\", \"B\"]\nperiods = [3]\nslot = \"dm\"\nuplift = \"2\"\nprice_cut = \"10%\"\n",
    )
    .unwrap();
    let m = Compiled::new(&c).unwrap();
    let model = Model::new(&m).unwrap();
    let n = 2;
    let mut withheld = vec![false; n * 12];
    withheld[2 * n] = true; // A's slot in period 3
    let adjust = Adjust { demand: vec![1.2f64.powf(0.2), 1.0], first_period: vec![0, 4], withheld };
    let (plain, adj) = both(&model, 0, &adjust);
    // Plan: 10,000 a period, 20,000 in the promoted period 3.
    assert_eq!(plain.cell(2, 0).ordered, 20_000);
    assert!(plain.cell(2, 0).promo_price_micro > 0 && plain.cell(2, 0).promoted());
    // A: 10,000 × 1.2^0.2 = 10,371.4… → 10,371 every period, the withheld one included.
    for p in 0..12 {
        assert_eq!(adj.cell(p, 0).ordered, 10_371, "period {}", p + 1);
        assert_eq!(adj.cell(p, 0).sold, 10_371, "period {}", p + 1);
    }
    assert_eq!((adj.cell(2, 0).slots, adj.cell(2, 0).promo_price_micro), (0, 0));
    // B: nothing before period 5 (its period-3 slot included), the plan from then on.
    for p in 0..4 {
        assert_eq!(adj.cell(p, 1), &kasim_core::outcome::Cell::default(), "period {}", p + 1);
    }
    for p in 4..12 {
        assert_eq!(adj.cell(p, 1), plain.cell(p, 1), "period {}", p + 1);
    }
}

/// Cells before a SKU's first period are zero and every later cell is unchanged, under
/// full uncertainty.
#[test]
fn a_late_first_period_zeroes_only_the_cells_before_it() {
    let c = super::contract("");
    let m = Compiled::new(&c).unwrap();
    let model = Model::new(&m).unwrap();
    let adjust = Adjust { first_period: vec![0, 4, 0], ..Adjust::default() };
    for k in 0..100 {
        let (plain, adj) = both(&model, k, &adjust);
        for (p, s) in differing(&plain, &adj) {
            assert!(s == 1 && p < 4, "scenario {k}: period {} SKU {s}", p + 1);
        }
        for p in 0..4 {
            assert_eq!(adj.cell(p, 1), &kasim_core::outcome::Cell::default());
        }
    }
}

/// The relationship resources' effects (`[resources]`), each on a deterministic plan.
mod resources {
    use kasim_core::{Compiled, Contract};
    use kasim_montecarlo::{Model, RunConfig, run};

    fn contract(extra: &str) -> Contract {
        kasim_core::demo::contract(extra).unwrap()
    }

    /// Ordered units of SKU A in every period of scenario `k`.
    fn units(c: &Contract, k: u64) -> Vec<u32> {
        let m = Compiled::new(c).unwrap();
        let model = Model::new(&m).unwrap();
        let o = model.sample(7, k);
        (0..12).map(|p| o.cell(p, 0).ordered).collect()
    }

    /// Resources that draw make a contract simulable without `[uncertainty]`; fixed ones do
    /// not.
    #[test]
    fn drawing_resources_count_as_uncertainty() {
        use kasim_montecarlo::report::require_uncertainty;
        assert!(require_uncertainty(&contract("[resources]\npromotion_priority = \"90%\"\n")).is_ok());
        assert!(require_uncertainty(&contract("[resources]\nprice_protection = true\n")).is_ok());
        let drawn = "[resources.effects]\npromoter_lift = { dist = \"uniform\", min = \"0\", max = \"10%\" }\n";
        assert!(require_uncertainty(&contract(drawn)).is_ok());
        assert!(require_uncertainty(&contract("[resources]\nfacings = \"120%\"\n")).is_err());
    }

    /// Demand multipliers, worked by hand on the demo plan (10,000 a month, 100 stores).
    #[test]
    fn demand_multipliers_are_exact() {
        // Facings 120% at elasticity 0.2: 10,000 × 1.2^0.2 = 10,371.4… → 10,371.
        assert_eq!(units(&contract("[resources]\nfacings = \"120%\"\n"), 0), vec![10_371; 12]);
        // Eye level +15%: 11,500; bottom −10%: 9,000; an explicit lift of 20%: 12,000.
        assert_eq!(units(&contract("[resources]\nshelf_position = \"eye_level\"\n"), 0), vec![11_500; 12]);
        assert_eq!(units(&contract("[resources]\nshelf_position = \"bottom\"\n"), 0), vec![9_000; 12]);
        let c =
            contract("[resources]\nshelf_position = \"eye_level\"\n\n[resources.effects]\neye_level_lift = \"20%\"\n");
        assert_eq!(units(&c, 0), vec![12_000; 12]);
        // 20 promoters in 100 stores at 5% a promoter-store: 10,000 × 1.01 = 10,100; more
        // promoters than stores count as every store: × 1.05.
        assert_eq!(units(&contract("[resources]\npromoters = 20\n"), 0), vec![10_100; 12]);
        assert_eq!(units(&contract("[resources]\npromoters = 500\n"), 0), vec![10_500; 12]);
        // All three: 10,000 × 1.2^0.2 × 1.15 × 1.01 = 12,046.4… → 12,046.
        let c = contract("[resources]\nfacings = \"120%\"\nshelf_position = \"eye_level\"\npromoters = 20\n");
        let want = (10_000.0 * 1.2f64.powf(0.2) * 1.15 * 1.01_f64).round() as u32;
        assert_eq!(want, 12_046);
        assert_eq!(units(&c, 0), vec![want; 12]);
    }

    /// A drawn elasticity is drawn once per scenario, listed for sensitivity, and each
    /// scenario's units are the plan × 1.2 ^ that scenario's draw.
    #[test]
    fn drawn_effects_are_inputs() {
        let c = contract(
            "[resources]\nfacings = \"120%\"\n\n[resources.effects]\nfacings_elasticity = { dist = \"uniform\", min = \"0.1\", max = \"0.3\" }\n",
        );
        let m = Compiled::new(&c).unwrap();
        let model = Model::new(&m).unwrap();
        let names = model.scenario_input_names();
        assert_eq!(names, ["resources.effects.facings_elasticity"]);
        let mut seen = (f64::MAX, f64::MIN);
        for k in 0..200 {
            let e = model.scenario_inputs(7, k)[0];
            assert!((0.1..=0.3).contains(&e), "{e}");
            seen = (seen.0.min(e), seen.1.max(e));
            let want = (10_000.0 * 1.2f64.powf(e) + 0.5).floor() as u32;
            assert_eq!(model.sample(7, k).cell(3, 0).ordered, want, "scenario {k}");
        }
        assert!(seen.0 < 0.12 && seen.1 > 0.28, "{seen:?}");
    }

    /// Promotion priority 90%: over 3,000 scenarios × 3 planned slots the share granted is
    /// 90% (±1.6% is 3 standard errors); a slot not granted has no uplift and no slot bits,
    /// and its DM fee is not charged.
    #[test]
    fn promotion_priority_grants_the_stated_share_of_slots() {
        let promo = "[[plan.promotions]]\nskus = [\"A\"]\nperiods = [2, 6, 10]\nslot = \"dm\"\nuplift = \"2\"\n\n[[fees]]\nid = \"dm\"\nkind = \"dm_fee\"\nprice = \"2000\"\n";
        let c = contract(&format!("{promo}\n[resources]\npromotion_priority = \"90%\"\n"));
        let m = Compiled::new(&c).unwrap();
        let model = Model::new(&m).unwrap();
        let (mut granted, mut slots) = (0usize, 0usize);
        for k in 0..3_000 {
            let o = model.sample(3, k);
            for p in [1, 5, 9] {
                let cell = o.cell(p, 0);
                slots += 1;
                if cell.promoted() {
                    granted += 1;
                    assert_eq!(cell.ordered, 20_000);
                } else {
                    assert_eq!((cell.ordered, cell.slots), (10_000, 0));
                }
            }
        }
        let share = granted as f64 / slots as f64;
        assert!((share - 0.9).abs() < 0.016, "{share}");
        // The DM fee follows the slots granted: mean fees ≈ 3 × 2,000 × 90%.
        let cfg = RunConfig { runs: 3_000, seed: 3, threads: 2, ..Default::default() };
        let rows = run(std::slice::from_ref(&model), &cfg).unwrap().remove(0).rows;
        let fees: f64 = rows.iter().map(|r| r.fees_total as f64 / 100.0).sum::<f64>() / rows.len() as f64;
        assert!((fees - 5_400.0).abs() < 100.0, "{fees}");
        assert!(rows.iter().all(|r| r.fees_total % 200_000 == 0));
        // Priority 100% (the default): every slot, every scenario, as without the section.
        let full = contract(&format!("{promo}\n[resources]\npromotion_priority = \"100%\"\n"));
        let none = contract(promo);
        let (mf, mn) = (Compiled::new(&full).unwrap(), Compiled::new(&none).unwrap());
        let (a, b) = (Model::new(&mf).unwrap(), Model::new(&mn).unwrap());
        for k in 0..20 {
            assert_eq!(a.sample(3, k), b.sample(3, k));
        }
    }

    /// Price protection at 80%: planned price-match gaps are cleared in ≈ 80% of SKU-periods;
    /// without `price_protection = true` none is.
    #[test]
    fn price_protection_blocks_the_stated_share_of_matches() {
        let pm =
            "[[plan.price_matches]]\nsku = \"A\"\nperiods = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]\ngap = \"1.00\"\n";
        let c = contract(&format!("{pm}\n[resources]\nprice_protection = true\n"));
        let m = Compiled::new(&c).unwrap();
        let model = Model::new(&m).unwrap();
        let (mut blocked, mut cells) = (0usize, 0usize);
        for k in 0..1_000 {
            let o = model.sample(9, k);
            let root = kasim_montecarlo::streams::ScenarioKey::new(9, k);
            for p in 0..12 {
                cells += 1;
                let gap = o.cell(p, 0).match_gap_micro;
                assert!(gap == 0 || gap == 1_000_000);
                assert_eq!(gap == 0, model.price_protected(&root, 0, p), "scenario {k}, period {}", p + 1);
                assert_eq!(model.price_protection_mask(&root).unwrap()[p], gap == 0);
                blocked += usize::from(gap == 0);
            }
        }
        let share = blocked as f64 / cells as f64;
        assert!((share - 0.8).abs() < 0.015, "{share}");
        let c = contract(&format!("{pm}\n[resources]\nfacings = \"100%\"\n"));
        let m = Compiled::new(&c).unwrap();
        let o = Model::new(&m).unwrap().sample(9, 0);
        assert!((0..12).all(|p| o.cell(p, 0).match_gap_micro == 1_000_000));
    }

    /// The listing delay: a new listing (listed in period 1) reaches the shelf after 4 weeks
    /// = 1 month without the green channel, at once with it; other SKUs are not delayed.
    #[test]
    fn new_listings_wait_the_listing_delay() {
        let c = kasim_core::demo::contract_with_new_skus("[resources]\nfacings = \"100%\"\n").unwrap();
        let m = Compiled::new(&c).unwrap();
        let o = Model::new(&m).unwrap().sample(1, 0);
        for s in 0..2 {
            assert_eq!(o.cell(0, s).ordered, 0);
            assert!((1..12).all(|p| o.cell(p, s).ordered == 10_000));
        }
        let c = kasim_core::demo::contract_with_new_skus("[resources]\ngreen_channel = true\n").unwrap();
        let m = Compiled::new(&c).unwrap();
        let o = Model::new(&m).unwrap().sample(1, 0);
        assert!((0..12).all(|p| o.cell(p, 0).ordered == 10_000));
        // 13 weeks → 3 months; the fee-free, not-new demo SKU is not delayed.
        let c = contract("[resources.effects]\nlisting_delay = 13\n");
        assert_eq!(units(&c, 0), vec![10_000; 12]);
        let c = kasim_core::demo::contract_with_new_skus("[resources.effects]\nlisting_delay = 13\n").unwrap();
        let m = Compiled::new(&c).unwrap();
        let o = Model::new(&m).unwrap().sample(1, 0);
        assert!((0..3).all(|p| o.cell(p, 0).ordered == 0) && o.cell(3, 0).ordered == 10_000);
    }
}

/// The tornado swings every drawn effect between its P10 and P90: a higher eye-level lift
/// sells more, so the mean contribution is higher at its high value.
#[test]
fn the_tornado_swings_drawn_effects() {
    use kasim_montecarlo::RunConfig;
    use kasim_montecarlo::analysis::{InputSource, Stat, inputs, tornado, with_input};
    let c = super::contract(
        "[resources]\nshelf_position = \"eye_level\"\n\n[resources.effects]\neye_level_lift = { dist = \"uniform\", min = \"10%\", max = \"20%\" }\n",
    );
    let all = inputs(&c).unwrap();
    let input = all.iter().find(|i| i.name == "resources.effects.eye_level_lift").expect("listed");
    assert_eq!(input.source, InputSource::Uncertainty);
    assert!((input.low - rust_decimal::Decimal::new(11, 2)).abs() < rust_decimal::Decimal::new(1, 3), "{input:?}");
    let fixed = with_input(&c, &input.name, input.high).unwrap();
    let e = fixed.resources.as_ref().unwrap().effects.eye_level_lift.as_ref().unwrap();
    assert!(e.dist().is_none() && e.mean() == input.high);
    let cfg = RunConfig { runs: 200, seed: 4, threads: 2, ..Default::default() };
    let t = tornado(&c, &cfg, Stat::Mean).unwrap();
    let bar = t.bars.iter().find(|b| b.input.name == input.name).unwrap();
    assert!(bar.at_high > bar.at_low, "{bar:?}");
}
