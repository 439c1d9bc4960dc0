//! Clause-by-clause runs: per scenario, what each fee rule (clause) of each contract booked,
//! exactly, in cents, with the rows of [`crate::run`] alongside — on common random numbers,
//! byte-identical at any thread count (what `kasim brief` analyses).
//!
//! Each scenario settles through [`kasim_core::settle::RuleCapture`], which adds every booked
//! amount to its rule's slot and flags binding floors, caps and tiers reached
//! ([`kasim_core::settle::capture`]). Per scenario and contract it keeps one `i64` per fee rule,
//! one for the payment terms' fees, one for financing, one for the cost of goods, and one state
//! byte per rule: see [`bytes_per_scenario`] for the memory budget.
//!
//! **Exactness.** With the default 2 decimals (or fewer) the slots are the booked amounts in
//! cents exactly, so per scenario the fee slots add up to the row's `fees_total` and
//! `net_invoiced − fees − cost of goods − financing = net_contribution`, exactly. With more
//! decimals each slot is rounded to the cent (half to even), like the row's outputs.

use kasim_core::settle::RuleCapture;
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::runner::{BATCH, BYTES_PER_SCENARIO, Row, RunConfig};
use crate::sampler::Model;
use crate::{Error, OverflowValue};

/// One contract's clause-by-clause results.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClauseResults {
    /// The rows of [`crate::run`], by scenario index.
    pub rows: Vec<Row>,
    /// Fee rule ids, in contract order (the clauses).
    pub ids: Vec<String>,
    /// Cents per scenario and slot, scenario-major: `ids.len()` rules, then the payment
    /// terms' fees (early-payment discounts), then financing ([`ClauseResults::width`] slots).
    pub cents: Vec<i64>,
    /// Binding state per scenario and rule, scenario-major (see
    /// [`kasim_core::settle::capture`]: `FLOOR`, `CAP`, `tier_of`).
    pub states: Vec<u8>,
    /// Cost of goods per scenario, cents.
    pub cost_of_goods: Vec<i64>,
}

impl ClauseResults {
    /// Slots per scenario: the rules, the payment terms' fees, financing.
    pub fn width(&self) -> usize {
        self.ids.len() + 2
    }
    /// Scenarios.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// True without scenarios.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    /// The slots of scenario `k`.
    pub fn scenario(&self, k: usize) -> &[i64] {
        let w = self.width();
        &self.cents[k * w..(k + 1) * w]
    }
    /// Cents slot `slot` booked in scenario `k`.
    pub fn cents_of(&self, k: usize, slot: usize) -> i64 {
        self.cents[k * self.width() + slot]
    }
    /// Financing of scenario `k`, cents.
    pub fn financing(&self, k: usize) -> i64 {
        self.cents_of(k, self.ids.len() + 1)
    }
    /// State of rule `rule` in scenario `k`.
    pub fn state(&self, k: usize, rule: usize) -> u8 {
        self.states[k * self.ids.len() + rule]
    }
    /// One slot over every scenario.
    pub fn column(&self, slot: usize) -> Vec<i64> {
        let w = self.width();
        self.cents.iter().skip(slot).step_by(w).copied().collect()
    }
}

/// Bytes stored per scenario for a contract with `rules` fee rules: the row, `rules + 3`
/// cents (rules, payment terms, financing, cost of goods) and `rules` state bytes.
pub fn bytes_per_scenario(rules: usize) -> u64 {
    BYTES_PER_SCENARIO + 8 * (rules as u64 + 3) + rules as u64
}

/// Units of the last booked decimal to cents (exact with ≤ 2 decimals, else half to even).
pub(crate) fn to_cents(units: i128, decimals: u32, output: &'static str) -> Result<i64, Error> {
    let c = if decimals <= 2 {
        units.checked_mul(10i128.pow(2 - decimals))
    } else {
        Decimal::try_from_i128_with_scale(units, decimals)
            .ok()
            .and_then(|d| (d * Decimal::ONE_HUNDRED).round().to_i128())
    };
    c.and_then(|c| i64::try_from(c).ok()).ok_or(Error::Overflow {
        output,
        value: Decimal::try_from_i128_with_scale(units, decimals)
            .map_or(OverflowValue::BeyondDecimal, OverflowValue::Exact),
    })
}

/// One scenario of one contract.
struct Scenario {
    row: Row,
    cents: Vec<i64>,
    states: Vec<u8>,
    cogs: i64,
}

/// Runs every model over the same scenarios (common random numbers, as [`crate::run`]),
/// keeping what each clause booked per scenario. `cfg.tolerance` is ignored: every scenario
/// requested is run.
///
/// # Errors
///
/// As [`crate::run`]: [`Error::TooLarge`] when the results would exceed `cfg.max_memory`
/// ([`bytes_per_scenario`] per contract), [`Error::OutOfMemory`], [`Error::ThreadPool`],
/// [`Error::Scenario`].
pub fn run_clauses(models: &[Model<'_>], cfg: &RunConfig) -> Result<Vec<ClauseResults>, Error> {
    let per: u128 = models.iter().map(|m| u128::from(bytes_per_scenario(m.compiled.contract.fees.len()))).sum();
    let need = u128::from(cfg.runs) * per;
    if need > u128::from(cfg.max_memory) {
        return Err(Error::TooLarge { runs: cfg.runs, contracts: models.len(), bytes: need, limit: cfg.max_memory });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|source| Error::ThreadPool { threads: cfg.threads, source })?;
    let runs = usize::try_from(cfg.runs).unwrap_or(usize::MAX);
    let oom = |source| Error::OutOfMemory { runs: cfg.runs, contracts: models.len(), bytes: need, source };
    let mut out = Vec::new();
    for m in models {
        let c = m.compiled.contract;
        let n = c.fees.len();
        let mut r = ClauseResults { ids: c.fees.iter().map(|f| f.id.clone()).collect(), ..Default::default() };
        r.rows.try_reserve_exact(runs).map_err(oom)?;
        r.cents.try_reserve_exact(runs.saturating_mul(n + 2)).map_err(oom)?;
        r.states.try_reserve_exact(runs.saturating_mul(n)).map_err(oom)?;
        r.cost_of_goods.try_reserve_exact(runs).map_err(oom)?;
        out.push(r);
    }
    pool.install(|| -> Result<(), Error> {
        let mut start = 0;
        while start < cfg.runs {
            let end = (start + BATCH).min(cfg.runs);
            let batch: Vec<Vec<Scenario>> = (0..(end - start) as usize)
                .into_par_iter()
                .with_min_len(256)
                .map_init(
                    || {
                        models
                            .iter()
                            .map(|m| (m.workspace(), RuleCapture::new(m.compiled.contract)))
                            .collect::<Vec<_>>()
                    },
                    |ws, j| {
                        let k = start + j as u64;
                        models
                            .iter()
                            .zip(ws.iter_mut())
                            .map(|(m, (w, cap))| {
                                let (row, t) = m.row_rules(cfg.seed, k, w, cap)?;
                                let d = cap.decimals();
                                let cents = cap
                                    .amounts
                                    .iter()
                                    .map(|&u| to_cents(u, d, "clause amount"))
                                    .collect::<Result<Vec<_>, _>>()?;
                                let cogs = t
                                    .cost_of_goods
                                    .checked_mul(Decimal::ONE_HUNDRED)
                                    .and_then(|c| c.round().to_i64())
                                    .ok_or(Error::Overflow {
                                        output: "cost_of_goods",
                                        value: OverflowValue::Exact(t.cost_of_goods),
                                    })?;
                                Ok(Scenario { row, cents, states: cap.states.clone(), cogs })
                            })
                            .collect::<Result<Vec<_>, Error>>()
                            .map_err(|e| Error::Scenario { index: k, source: Box::new(e) })
                    },
                )
                .collect::<Result<Vec<_>, Error>>()?;
            for scenario in batch {
                for (r, s) in out.iter_mut().zip(scenario) {
                    r.rows.push(s.row);
                    r.cents.extend_from_slice(&s.cents);
                    r.states.extend_from_slice(&s.states);
                    r.cost_of_goods.push(s.cogs);
                }
            }
            start = end;
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows equal `run`'s; per scenario the clauses add up to the fees total and the
    /// components to the net contribution, exactly; identical at 1 and 3 threads.
    #[test]
    fn clauses_add_up_and_match_run() {
        let c = kasim_core::demo::contract(
            "[uncertainty]\ndemand_cv = \"30%\"\n[[fees]]\nid = \"entry\"\nkind = \"lump_sum\"\nevent = \"entry\"\namount = \"1000\"\n[[fees]]\nid = \"r\"\nkind = \"unconditional_rebate\"\nrate = \"3.7%\"\n[[fees]]\nid = \"floor\"\nkind = \"guaranteed_minimum\"\nfloor = \"2000\"\ncovers = [\"r\"]\n",
        )
        .unwrap();
        // The floor at the plan's rebate: it binds in about half of the scenarios.
        let plan = kasim_core::evaluate(&c).unwrap();
        let rebate: Decimal = plan.ledger.iter().filter(|l| l.rule == "r").map(|l| l.amount).sum();
        let mut c = c;
        kasim_core::terms::set(&mut c, "fees.floor.floor", rebate).unwrap();
        let m = kasim_core::Compiled::new(&c).unwrap();
        let model = Model::new(&m).unwrap();
        let cfg = RunConfig { runs: 700, seed: 5, threads: 1, ..Default::default() };
        let a = run_clauses(std::slice::from_ref(&model), &cfg).unwrap();
        let b = run_clauses(std::slice::from_ref(&model), &RunConfig { threads: 3, ..cfg }).unwrap();
        assert_eq!(a, b);
        let rows = crate::run(&[model], &cfg).unwrap();
        let r = &a[0];
        assert_eq!(r.rows, rows[0].rows);
        assert_eq!(r.ids, ["entry", "r", "floor"]);
        let mut bound = 0;
        for k in 0..r.len() {
            let s = r.scenario(k);
            let fees: i64 = s[..=r.ids.len()].iter().sum();
            assert_eq!(fees, r.rows[k].fees_total, "scenario {k}");
            assert_eq!(r.rows[k].net_invoiced - fees - r.cost_of_goods[k] - r.financing(k), r.rows[k].net_contribution);
            let floor_binds = r.state(k, 2) & kasim_core::settle::capture::FLOOR != 0;
            assert_eq!(floor_binds, s[2] > 0);
            bound += usize::from(floor_binds);
        }
        assert!(bound > 0 && bound < r.len(), "the floor binds in some scenarios only: {bound}");
    }
}
