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
