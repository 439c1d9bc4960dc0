//! A contract's negotiation: the grid of its negotiable terms, the supplier's risk-adjusted
//! contribution and the buyer's KPI utility for every combination, and the protocol set-up,
//! all read from the contract's `[negotiation]`.
//!
//! Every offer is a whole contract (the terms set on a copy) settled by the core engine: the
//! supplier's utility over common scenarios sampled once from the contract's `[uncertainty]`
//! (so every offer sees the same years), the buyer's on the plan. Scores are computed once per
//! grid point; negotiations then only look them up.

use kasim_core::negotiation::{Opener, RiskMeasure};
use kasim_core::{Compiled, Contract, Outcome, terms};
use kasim_montecarlo::Model;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::strategy::{Strategy, TimeDependent, TitForTat, View};
use crate::{Config, Error, Grid, Issue, Party, Scores, Side};

/// Everything needed to negotiate one contract.
pub struct Setup {
    /// The negotiable terms' grid.
    pub grid: Grid,
    /// The exact term values of every grid point (paths in `paths`).
    pub values: Vec<Vec<Decimal>>,
    /// The term paths, in issue order.
    pub paths: Vec<String>,
    /// The supplier's utility (risk-adjusted contribution, currency) of every grid point.
    pub supplier: Scores,
    /// The buyer's utility (weighted KPI score, 0–1) of every grid point.
    pub buyer: Scores,
    /// The protocol.
    pub config: Config,
    /// The buyer's raw KPIs of every grid point: fees, fee ratio, front margin %, retail sales.
    pub buyer_kpis: Vec<[f64; 5]>,
    /// The buyer's KPI weights and targets as written.
    pub buyer_params: BuyerParams,
    /// The anchoring buyer's fee income floor: last year's fees × (1 + growth), when given.
    pub anchor_fees: Option<f64>,
    /// The flagship-first playbook, when configured: (pilot rounds, demand lift, BATNA gain in
    /// currency).
    pub flagship: Option<(usize, f64, f64)>,
}

/// The buyer's KPI weights and targets, in `f64`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct BuyerParams {
    /// Weights of fee income, fee ratio, front margin, sales, promotion slots.
    pub weights: [f64; 5],
    /// Targets of fee income, fee ratio, front margin, sales, slots (0 = no target).
    pub targets: [f64; 5],
}

impl BuyerParams {
    /// The buyer's utility of raw KPIs: Σ wₖ·min(1, actualₖ ÷ targetₖ) ÷ Σ wₖ.
    pub fn utility(&self, kpis: &[f64; 5]) -> f64 {
        let wsum: f64 = self.weights.iter().sum::<f64>().max(f64::EPSILON);
        let mut u = 0.0;
        for ((w, t), actual) in self.weights.iter().zip(&self.targets).zip(kpis) {
            if *w > 0.0 {
                u += w * if *t > 0.0 { (actual / t).clamp(0.0, 1.0) } else { 1.0 };
            }
        }
        u / wsum
    }
}

/// Scores from utilities (best first).
pub fn scores(u: Vec<f64>) -> Scores {
    let mut order: Vec<usize> = (0..u.len()).collect();
    order.sort_by(|&a, &b| u[b].total_cmp(&u[a]).then(a.cmp(&b)));
    Scores { u, order }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Space(e.to_string())
}

/// The contract with the terms of grid point `i`.
pub fn offer(contract: &Contract, setup_paths: &[String], values: &[Decimal]) -> Result<Contract, Error> {
    let mut c = contract.clone();
    for (p, v) in setup_paths.iter().zip(values) {
        terms::set(&mut c, p, *v).map_err(err)?;
    }
    Ok(c)
}

/// Builds the negotiation of a contract with a `[negotiation]` section.
pub fn setup(contract: &Contract) -> Result<Setup, Error> {
    let n = contract
        .negotiation
        .as_ref()
        .ok_or_else(|| Error::Space("the contract has no [negotiation] section".into()))?;
    // Exact values per issue, and the grid in the same nested order.
    let per_issue: Vec<Vec<Decimal>> = n
        .issues
        .iter()
        .map(|i| {
            let count = ((i.max.0 - i.min.0) / i.step.0).floor().to_usize().unwrap_or(0);
            (0..=count).map(|k| i.min.0 + i.step.0 * Decimal::from(k)).collect()
        })
        .collect();
    let mut values: Vec<Vec<Decimal>> = vec![Vec::new()];
    for vs in &per_issue {
        values = values
            .into_iter()
            .flat_map(|p| {
                vs.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    let grid = Grid {
        issues: n.issues.iter().map(|i| Issue::new(&i.path, f(i.min.0), f(i.max.0), f(i.step.0))).collect(),
        points: values.iter().map(|p| p.iter().map(|v| f(*v)).collect()).collect(),
    };
    let paths: Vec<String> = n.issues.iter().map(|i| i.path.clone()).collect();

    // Common scenarios, sampled once from the contract as written.
    let base = Compiled::new(contract).map_err(err)?;
    let base_plan_totals = base.totals(base.plan_outcome()).map_err(err)?;
    let outcomes: Vec<Outcome> = if contract.uncertainty.is_some() {
        let model = Model::new(&base).map_err(err)?;
        (0..u64::from(n.supplier.scenarios)).map(|k| model.sample(n.supplier.seed, k)).collect()
    } else {
        vec![base.plan_outcome().clone()]
    };
    let lambda = n.supplier.lambda.map_or(0.5, |l| f(l.0));
    let b = &n.buyer;
    let w = &b.weights;
    let buyer_params = BuyerParams {
        weights: [f(w.fee_income.0), f(w.fee_ratio.0), f(w.front_margin.0), f(w.sales.0), f(w.slots.0)],
        targets: [
            f(b.fee_target.0),
            b.fee_ratio_target.map_or(0.0, |t| f(t.0)),
            b.front_margin_target.map_or(0.0, |t| f(t.0)),
            b.sales_target.map_or(0.0, |t| f(t.0)),
            b.slots_target.map_or(0.0, f64::from),
        ],
    };
    let mut us = Vec::with_capacity(values.len());
    let mut buyer_kpis = Vec::with_capacity(values.len());
    for point in &values {
        let c = offer(contract, &paths, point)?;
        let m = base.variant(&c).map_err(err)?;
        // Supplier: risk-adjusted contribution over the common scenarios.
        let mut scratch = kasim_core::settle::Scratch::default();
        let mut xs: Vec<f64> = outcomes
            .iter()
            .map(|o| m.totals_with(o, &mut scratch).map(|t| f(t.net_contribution())))
            .collect::<Result<_, _>>()
            .map_err(err)?;
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let u = match n.supplier.utility {
            RiskMeasure::Mean => mean,
            RiskMeasure::MeanMinusSd => {
                let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len().max(2) - 1) as f64;
                mean - lambda * var.sqrt()
            }
            RiskMeasure::Cvar => {
                xs.sort_by(f64::total_cmp);
                let tail = xs.len().div_ceil(20).max(1);
                xs[..tail].iter().sum::<f64>() / tail as f64
            }
        };
        us.push(u);
        // Buyer: raw KPIs on the plan; scored against the targets (capped at 1 when met).
        let s = m.settle(m.plan_outcome()).map_err(err)?;
        buyer_kpis.push([
            f(s.pnl.fees_total),
            s.pnl.effective_fee_ratio.map_or(0.0, f),
            s.retailer_view.front_margin_pct.map_or(0.0, f),
            f(s.retailer_view.retail_sales),
            slots_bought(&c, &m),
        ]);
    }
    let ub: Vec<f64> = buyer_kpis.iter().map(|k| buyer_params.utility(k)).collect();
    // Round r is offered by the opener when r is even; the last round is rounds − 1.
    let mut rounds = n.rounds as usize;
    if let Some(last) = n.last_offer_by
        && rounds > 1
        && (rounds - 1).is_multiple_of(2) != (last == n.opens)
    {
        rounds -= 1;
    }
    let config = Config {
        rounds,
        opens: match n.opens {
            Opener::Buyer => Side::Buyer,
            Opener::Supplier => Side::Supplier,
        },
        supplier: Party {
            reservation: f(n.supplier.batna.0)
                + n.supplier.batna_recovered_share.map_or(0.0, |share| {
                    let t = &base_plan_totals;
                    f(share.0) * f(t.gross_invoiced - t.returns - t.cost_of_goods)
                }),
            deadline: n.supplier.deadline.map(|d| d as usize),
            delay_cost: f(n.supplier.delay_cost.0),
            discount: 1.0,
        },
        buyer: Party {
            reservation: (f(b.batna.0) - f(b.missed_signing_penalty.0)).max(0.0),
            deadline: b.deadline.map(|d| d as usize),
            delay_cost: f(b.delay_cost.0),
            discount: 1.0,
        },
    };
    let anchor_fees = b.last_year_fees.map(|l| f(l.0) * (1.0 + b.anchor_growth.map_or(0.1, |g| f(g.0))));
    let plan_margin = f(base_plan_totals.gross_invoiced - base_plan_totals.returns - base_plan_totals.cost_of_goods);
    let flagship = n
        .supplier
        .flagship
        .as_ref()
        .map(|fl| (fl.pilot_rounds as usize, f(fl.demand_lift.0), f(fl.batna_lift.0) * plan_margin));
    Ok(Setup {
        grid,
        values,
        paths,
        supplier: scores(us),
        buyer: scores(ub),
        config,
        buyer_kpis,
        buyer_params,
        anchor_fees,
        flagship,
    })
}

/// Promotion slots the supplier buys in the plan: per DM or display fee rule, the contracted
/// minimum or the slots its plan uses, whichever is larger.
fn slots_bought(c: &Contract, m: &Compiled<'_>) -> f64 {
    use kasim_core::contract::SlotKind;
    use kasim_core::fees::Rule;
    let plan = m.plan_outcome();
    let used = |kind: SlotKind| plan.cells.iter().filter(|cell| cell.has_slot(kind)).count() as f64;
    c.fees
        .iter()
        .map(|f| match &f.rule {
            Rule::DmFee(r) => f64::from(r.contracted).max(used(SlotKind::Dm)),
            Rule::DisplayFee(r) => f64::from(r.contracted).max(used(r.slot.unwrap_or(SlotKind::EndCap))),
            _ => 0.0,
        })
        .sum()
}

/// Accepts any offer at or above its reservation value and opens at its best outcome — the
/// seed's "strong-firm" method (强企强势法): a cash-rich brand signs what the buyer asks.
#[derive(Clone, Debug, Default)]
pub struct StrongFirm;

impl Strategy for StrongFirm {
    fn name(&self) -> String {
        "strong-firm".into()
    }
    fn propose(&mut self, view: &View<'_>) -> usize {
        view.me.order[0]
    }
    fn accept(&mut self, view: &View<'_>, offer: usize) -> bool {
        view.me.u[offer] >= view.reservation
    }
}

/// The strategies available by name for a set-up: those of [`strategy`], plus `anchoring`
/// (the buyer's "last year + X%", when `negotiation.buyer.last_year_fees` is given) and
/// `flagship-first` (the supplier's chain tactic after the pilot, used with
/// [`negotiate_flagship`], when `[negotiation.supplier.flagship]` is given).
pub fn strategy_for(name: &str, setup: &Setup) -> Result<Box<dyn Strategy>, Error> {
    if name == "flagship-first" {
        // The playbook is a protocol wrapper (negotiate_flagship); its chain tactic is Boulware.
        if setup.flagship.is_none() {
            return Err(Error::Space("flagship-first needs [negotiation.supplier.flagship] in the contract".into()));
        }
        return Ok(Box::new(TimeDependent::boulware()));
    }
    if name == "anchoring" {
        let floor = setup.anchor_fees.ok_or_else(|| {
            Error::Space(
                "the anchoring tactic needs negotiation.buyer.last_year_fees (and optionally anchor_growth)".into(),
            )
        })?;
        let allowed = setup.buyer_kpis.iter().map(|k| k[0] >= floor - 1e-6).collect();
        return Ok(Box::new(crate::strategy::Anchoring { allowed, inner: TimeDependent::boulware(), release: 0.9 }));
    }
    strategy(name)
}

/// The strategies available by name: `boulware`, `linear`, `conceder`, `hardliner`,
/// `tit-for-tat`, `stall` (holds out longer than Boulware: e = 0.1, for when the deadline is
/// the other side's), `strong-firm`, and the buyer's `delisting-threat`.
pub fn strategy(name: &str) -> Result<Box<dyn Strategy>, Error> {
    Ok(match name {
        "boulware" => Box::new(TimeDependent::boulware()),
        "linear" => Box::new(TimeDependent::linear()),
        "conceder" => Box::new(TimeDependent::conceder()),
        "hardliner" => Box::new(TimeDependent::hardliner()),
        "stall" => Box::new(TimeDependent { e: 0.1, k: 0.0 }),
        "tit-for-tat" => Box::new(TitForTat::default()),
        "relative-tit-for-tat" => Box::new(crate::strategy::RelativeTitForTat::default()),
        "strong-firm" => Box::new(StrongFirm),
        "delisting-threat" => Box::new(crate::strategy::DelistingThreat::default()),
        other => {
            return Err(Error::Space(format!(
                "unknown strategy `{other}`: use boulware, linear, conceder, hardliner, stall, tit-for-tat, relative-tit-for-tat, strong-firm, or for the buyer anchoring and delisting-threat"
            )));
        }
    })
}

/// A recommended counter-offer.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Advice {
    /// Grid index of the recommended terms.
    pub outcome: usize,
    /// The supplier's risk-adjusted contribution of the recommendation.
    pub supplier_value: f64,
    /// The buyer's estimated utility of it.
    pub buyer_utility: f64,
    /// The buyer's estimated acceptance margin: its utility minus its reservation value.
    pub acceptance_margin: f64,
    /// The grid index of the contract as drafted (the terms as written), when on the grid.
    pub draft: Option<usize>,
    /// Per term: (path, drafted value, recommended value, supplier value gained by moving this
    /// term alone from the draft to the recommendation).
    pub per_term: Vec<(String, Decimal, Decimal, f64)>,
}

/// Counter-offer search: the terms that maximise the supplier's risk-adjusted contribution while
/// the buyer's estimated utility stays at or above its reservation value plus `margin`.
pub fn advise(contract: &Contract, setup: &Setup, margin: f64) -> Result<Advice, Error> {
    let floor = setup.config.buyer.reservation + margin;
    let best = setup.supplier.order.iter().copied().find(|&i| setup.buyer.u[i] >= floor).ok_or_else(|| {
        Error::Space(format!("no combination of terms gives the buyer a utility of at least {floor:.3}"))
    })?;
    let drafted: Vec<Decimal> =
        setup.paths.iter().map(|p| terms::get(contract, p)).collect::<Result<_, _>>().map_err(err)?;
    let draft = setup.values.iter().position(|v| *v == drafted);
    let index_of = |values: &[Decimal]| setup.values.iter().position(|v| v == values);
    let per_term = setup
        .paths
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let mut moved = drafted.clone();
            moved[j] = setup.values[best][j];
            let gain = match (draft, index_of(&moved)) {
                (Some(d), Some(m)) => setup.supplier.u[m] - setup.supplier.u[d],
                _ => f64::NAN,
            };
            (p.clone(), drafted[j], setup.values[best][j], gain)
        })
        .collect();
    Ok(Advice {
        outcome: best,
        supplier_value: setup.supplier.u[best],
        buyer_utility: setup.buyer.u[best],
        acceptance_margin: setup.buyer.u[best] - setup.config.buyer.reservation,
        draft,
        per_term,
    })
}

/// Negotiates with the flagship-first playbook (单一展示加压法): the pilot in the flagship
/// store takes `pilot_rounds` (signed on the buyer's terms, so no chain-wide concession is made),
/// its proven sell-through lifts the buyer's department-sales KPI by the demand lift and the
/// supplier's BATNA by the BATNA gain, and the chain contract is then negotiated from that
/// position with the supplier's `base` tactic in the rounds left. Round numbers in the
/// transcript count from the start of the pilot; the delay cost runs from the start.
pub fn negotiate_flagship(
    setup: &Setup,
    buyer_params: &BuyerParams,
    config: &Config,
    base: &mut dyn Strategy,
    buyer: &mut dyn Strategy,
) -> Result<crate::Transcript, Error> {
    let (pilot, lift, batna_gain) = setup
        .flagship
        .ok_or_else(|| Error::Space("flagship-first needs [negotiation.supplier.flagship] in the contract".into()))?;
    // The buyer now expects the range to sell: its sales KPI is scored on lifted sales.
    let lifted: Vec<f64> = setup
        .buyer_kpis
        .iter()
        .map(|k| {
            let mut k = *k;
            k[3] *= 1.0 + lift;
            buyer_params.utility(&k)
        })
        .collect();
    let buyer_scores = scores(lifted);
    let mut cfg = *config;
    cfg.rounds = config.rounds.saturating_sub(pilot);
    cfg.supplier.reservation += batna_gain;
    cfg.supplier.deadline = config.supplier.deadline.map(|d| d.saturating_sub(pilot));
    cfg.buyer.deadline = config.buyer.deadline.map(|d| d.saturating_sub(pilot));
    let mut t = crate::negotiate(&setup.grid, [&setup.supplier, &buyer_scores], [base, buyer], &cfg);
    // Shift to the calendar of the whole negotiation and charge the pilot's delay.
    for st in &mut t.steps {
        st.round += pilot;
    }
    if let Some(a) = &mut t.agreement {
        a.round += pilot;
        a.u_supplier -= config.supplier.delay_cost * pilot as f64;
        a.u_buyer -= config.buyer.delay_cost * pilot as f64;
        t.u_supplier = a.u_supplier;
        t.u_buyer = a.u_buyer;
    }
    Ok(t)
}
