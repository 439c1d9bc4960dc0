//! Guaranteed minimum (保底): a floor over a named set of sales-dependent fees.
//!
//! **Formula.** With `x` = the booked amounts of the covered rules (per period, or over the
//! window for `per = "annual"`), the guaranteed-minimum line is the top-up
//! `min(cap, max(floor, x)) − x` (without a cap: `max(floor, x) − x = max(0, floor − x)`).
//! So the covered fees plus the top-up equal `min(cap, max(floor, x))`: the floor is applied
//! first, then the cap, as SAP and percentage-rent practice order them. With a cap below `x`
//! the line is negative (the cap refunds the excess). Guaranteed minimums are settled after
//! every other rule; a per-period floor is charged in full every period of the window (no
//! proration); an annual floor is charged once, in the window's last period.
//!
//! **Worked example** (the seed's clause): "15% of sales, but at least 1,500,000":
//! a 15% service fee with an annual guaranteed minimum of 1,500,000. At sales of 6,000,000
//! the fee is 900,000 and the top-up 600,000.00: 1,500,000 in all, an effective 25%.
//!
//! ```
//! let c = kasim_core::demo::contract_with_units(&[600000], r#"
//! [[fees]]
//! id = "sales-fee"
//! kind = "service_fee"
//! rate = "15%"
//!
//! [[fees]]
//! id = "floor"
//! kind = "guaranteed_minimum"
//! floor = "1500000"
//! covers = ["sales-fee"]
//! per = "annual"
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! let top_up = s.ledger.iter().find(|l| l.rule == "floor").unwrap();
//! assert_eq!(top_up.amount.to_string(), "600000.00");
//! assert_eq!(s.pnl.fees_total.to_string(), "1500000.00");
//! assert_eq!(s.pnl.effective_fee_ratio.unwrap().to_string(), "0.2500");
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::FeeKind;
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink};
use crate::fees::formula::Formula;
use crate::money::Money;

/// A floor (and optional cap) over a set of fees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuaranteedMinimum {
    /// The guaranteed minimum (per period or per year).
    pub floor: Money,
    /// Ids of the rules whose amounts the floor covers.
    pub covers: Vec<String>,
    /// `annual` (default: one true-up at the end of the window) or `period`.
    #[serde(default)]
    pub per: FloorPer,
    /// Optional cap on the covered fees plus top-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Money>,
}

/// The period a floor applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FloorPer {
    /// Once over the window (annual true-up).
    #[default]
    Annual,
    /// Every period of the window.
    Period,
}

impl GuaranteedMinimum {
    /// The top-up for covered fees `x`: `min(cap, max(floor, x)) − x`.
    ///
    /// ```
    /// use kasim_core::fees::GuaranteedMinimum;
    /// use rust_decimal::Decimal;
    /// let g: GuaranteedMinimum = toml::from_str(r#"floor = "50000"
    /// covers = ["pct"]"#).unwrap();
    /// // W-7: 4% of 1,100,000 = 44,000 < 50,000 → top-up 6,000; at 1,500,000 → 60,000, no top-up
    /// assert_eq!(g.top_up(Decimal::from(44000)), Decimal::from(6000));
    /// assert_eq!(g.top_up(Decimal::from(60000)), Decimal::ZERO);
    /// ```
    pub fn top_up(&self, x: Decimal) -> Decimal {
        let floored = x.max(self.floor.0);
        let capped = self.cap.map_or(floored, |c| floored.min(c.0));
        capped - x
    }

}

impl Clause for GuaranteedMinimum {
    const TERMS: &'static [&'static str] = &["floor", "cap"];
    const SETTLED_LAST: bool = true;

    fn kind(&self, _: RuleTag) -> FeeKind {
        FeeKind::GuaranteedMinimum
    }

    fn covers(&self) -> &[String] {
        &self.covers
    }

    fn check(&self, _: RuleTag, ck: &mut Check<'_>) {
        ck.non_negative("floor", self.floor);
        if let Some(c) = self.cap
            && c.0 < self.floor.0
        {
            ck.err("cap", format!("cap {} is below the floor {}", c.0, self.floor.0));
        }
        if self.covers.is_empty() {
            ck.err("covers", "name at least one rule id the floor covers");
        }
        for (j, id) in self.covers.iter().enumerate() {
            let problem = match ck.fees().iter().find(|x| &x.id == id) {
                None => {
                    let ids: Vec<&str> = ck.fees().iter().map(|x| x.id.as_str()).collect();
                    Some(format!("no rule has id `{id}` (rules: {})", ids.join(", ")))
                }
                Some(x) if x.rule.settled_last() => {
                    Some(format!("`{id}` is itself a guaranteed minimum; floors cannot cover floors"))
                }
                _ => None,
            };
            if let Some(m) = problem {
                ck.err_at(|| format!("covers[{j}]"), m);
            }
        }
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "floor" => Some(TermSlot::Money(&mut self.floor)),
            "cap" => Some(TermSlot::OptMoney(&mut self.cap)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, _: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let r = cx.rule;
        // Covered amounts are summed exactly in millionths.
        let covered = |out: &Out<'_, S>, p: usize| -> i128 { r.covered.iter().map(|&i| out.booked_at(i, p)).sum() };
        let cap = self.cap.map(|c| c.0);
        match self.per {
            FloorPer::Period => {
                for p in r.from..=r.to {
                    let x = out.decimal(covered(out, p));
                    let f = Formula::Floor { floor: self.floor.0, covered: x, cap };
                    out.emit(p, kind, f, self.top_up(x), true);
                }
            }
            FloorPer::Annual => {
                let x = out.decimal(r.covered.iter().map(|&i| out.booked_over(i, r.from, r.to)).sum());
                let f = Formula::Floor { floor: self.floor.0, covered: x, cap };
                out.emit(r.to, kind, f, self.top_up(x), true);
            }
        }
        Ok(())
    }
}
