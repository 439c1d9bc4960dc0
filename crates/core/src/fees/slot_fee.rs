//! Promotion slot fees: DM / flyer fee (DM费/海报费) per SKU per issue, and display fees for
//! end-caps (端架), TG and floor stacks (堆头) per location per period.
//!
//! **Formula.** Per period: `slots used × price × multiplier`, where slots used are the SKU
//! promotions of that slot kind in the outcome (a DM item in an issue; a display location in a
//! period), and the multiplier is 1 (`per = "slot"`), the stores trading that period
//! (`per = "slot_store"`), or `regions` (`per = "slot_region"`). A contracted minimum number
//! of slots a year is charged whether or not the slots are used: at the window's last period
//! the supplier pays `(contracted − used) × price × multiplier` when fewer were used.
//!
//! **Worked example.** DM fee 2,000 per item per issue; 2 items in the period-3 flyer and 1 in
//! period 9; 5 slots contracted → 4,000.00 + 2,000.00, then 2 unused × 2,000 = 4,000.00.
//!
//! ```
//! let c = kasim_core::demo::contract_with_skus(2, r#"
//! [[plan.promotions]]
//! skus = ["A", "B"]
//! periods = [3]
//! slot = "dm"
//!
//! [[plan.promotions]]
//! skus = ["A"]
//! periods = [9]
//! slot = "dm"
//!
//! [[fees]]
//! id = "dm"
//! kind = "dm_fee"
//! price = "2000"
//! contracted = 5
//! "#).unwrap();
//! let s = kasim_core::evaluate(&c).unwrap();
//! let amounts: Vec<String> = s.ledger.iter().map(|l| l.amount.to_string()).collect();
//! assert_eq!(amounts, ["4000.00", "2000.00", "4000.00"]);
//! ```

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fees::{Check, Clause, RuleTag, TermSlot};
use crate::fees::FeeKind;
use crate::fees::api::Cx;
use crate::fees::book::{Out, Sink, mul};
use crate::fees::formula::{Formula, Times};
use crate::money::Money;
use crate::outcome::{FULL_COMPLIANCE_PPM, SlotKind};

/// A fee per promotion slot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotFee {
    /// Price per slot (per DM item per issue; per display location per period).
    pub price: Money,
    /// For display fees: `end_cap` (default), `tg` or `floor_stack`. DM fees count `dm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<SlotKind>,
    /// `slot` (default), `slot_store` (× stores) or `slot_region` (× regions).
    #[serde(default)]
    pub per: SlotPer,
    /// Number of regions, for `per = "slot_region"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<u32>,
    /// Contracted minimum slots for the window, charged whether used or not (default 0).
    #[serde(default)]
    pub contracted: u32,
}

/// The multiplier of a slot fee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlotPer {
    /// Per slot.
    #[default]
    Slot,
    /// Per slot per store trading.
    SlotStore,
    /// Per slot per region.
    SlotRegion,
}

impl SlotFee {
    fn multiplier(&self, cx: &Cx<'_>, p: usize) -> Option<Times> {
        match self.per {
            SlotPer::Slot => None,
            SlotPer::SlotStore => Some(Times::stores(cx.stores(p))),
            SlotPer::SlotRegion => Some(Times::regions(self.regions.unwrap_or(1))),
        }
    }

    /// The contracted slots not used, charged at the end of the window.
    fn shortfall<S: Sink>(&self, cx: &Cx<'_>, kind: FeeKind, used: u32, out: &mut Out<'_, S>) -> Result<(), Error> {
        let r = cx.rule;
        if self.contracted > used {
            let mult = self.multiplier(cx, r.to);
            let short = Decimal::from(self.contracted - used);
            let exact = mul(mul(short, self.price.0)?, Decimal::from(mult.map_or(1, |t| t.count)))?;
            let f = Formula::Shortfall { contracted: self.contracted, used, unit: self.price.0, times: mult };
            out.emit(r.to, kind, f, exact, false);
        }
        Ok(())
    }
}

impl Clause for SlotFee {
    const TERMS: &'static [&'static str] = &["price", "contracted", "regions"];

    fn kind(&self, tag: RuleTag) -> FeeKind {
        match tag {
            RuleTag::DmFee => FeeKind::DmFee,
            _ => FeeKind::DisplayFee,
        }
    }

    fn check(&self, tag: RuleTag, ck: &mut Check<'_>) {
        ck.non_negative("price", self.price);
        let dm = tag == RuleTag::DmFee;
        match (dm, self.slot) {
            (true, Some(s)) if s != SlotKind::Dm => ck.err("slot", "a dm_fee counts `dm` slots"),
            (false, Some(SlotKind::Dm)) => {
                ck.err("slot", "a display_fee counts `end_cap`, `tg` or `floor_stack`; use dm_fee for DM")
            }
            _ => {}
        }
        match (self.per, self.regions) {
            (SlotPer::SlotRegion, None | Some(0)) => ck.err("regions", "`per = \"slot_region\"` needs `regions` (≥ 1)"),
            (_, Some(n)) if n > 100_000 => ck.err("regions", format!("{n} regions is too many")),
            _ => {}
        }
        if self.contracted > 100_000 {
            ck.err("contracted", format!("{} slots is too many", self.contracted));
        }
    }

    fn term(&mut self, field: &str) -> Option<TermSlot<'_>> {
        match field {
            "price" => Some(TermSlot::Money(&mut self.price)),
            "contracted" => Some(TermSlot::Count(&mut self.contracted)),
            "regions" => Some(TermSlot::OptCount(&mut self.regions)),
            _ => None,
        }
    }

    fn settle<S: Sink>(&self, tag: RuleTag, cx: &Cx<'_>, kind: FeeKind, out: &mut Out<'_, S>) -> Result<(), Error> {
        let slot = match tag {
            RuleTag::DmFee => SlotKind::Dm,
            _ => self.slot.unwrap_or(SlotKind::EndCap),
        };
        let r = cx.rule;
        let mut used = 0u32;
        let what = if slot == SlotKind::Dm { "DM items" } else { "display slots" };
        // Per slot, totals only, a price needing no rounding: the period lines add up exactly,
        // so the year's slots are booked at once (the Monte Carlo path).
        if self.per == SlotPer::Slot && r.condition.is_none() {
            let slots: u32 = (r.from..=r.to).map(|p| cx.period(p).slots[slot.index()]).sum();
            if let Some(total) = out.unrounded_total(i128::from(slots), 0, self.price.0) {
                if total != 0 {
                    out.book(r.to, kind, total);
                }
                return self.shortfall(cx, kind, slots, out);
            }
        }
        for p in r.from..=r.to {
            let n = cx.period(p).slots[slot.index()];
            if n == 0 {
                continue;
            }
            used += n;
            let mult = self.multiplier(cx, p);
            let count = Decimal::from(n);
            let times = mult.map_or(1, |t| t.count);
            let value = i128::from(n) * i128::from(times);
            // A give-get condition: the share of the period's slots the retailer delivered.
            match r.condition.map(|c| (c, c.slot_share(cx.performance(p)))) {
                None | Some((_, FULL_COMPLIANCE_PPM)) => {
                    let f = Formula::Count { count, what, unit: self.price.0, times: mult };
                    out.emit_product(p, kind, f, value, 0, self.price.0, false)?;
                }
                Some((c, 0)) => {
                    out.emit(p, kind, Formula::Nothing { reason: c.failed_reason() }, Decimal::ZERO, true);
                }
                Some((_, share)) => {
                    let share_d = Decimal::new(i64::from(share), 6);
                    let f = Formula::Delivered { count, what, unit: self.price.0, times: mult, share: share_d };
                    out.emit_product(p, kind, f, value * i128::from(share), 6, self.price.0, false)?;
                }
            }
        }
        self.shortfall(cx, kind, used, out)
    }
}
