//! Numeric contract terms addressed by path: what a simulation can draw from a distribution,
//! what sensitivity analysis moves, what goal seek solves for, and what a negotiation haggles
//! over.
//!
//! | path | term |
//! |---|---|
//! | `fees.<id>.<field>` | a rule's `amount`, `rate`, `price`, `floor`, `cap`, `monthly_fee`, `promoters`, `contracted`, `regions`, `threshold`, `per_incident`, `target`, `prior_year`, `share` |
//! | `fees.<id>.tiers[<i>].<field>` | a tier's `threshold`, `rate` or `per_unit` |
//! | `payment.days`, `payment.cost_of_capital`, `payment.early_payment.discount`, `payment.early_payment.days` | payment terms |
//! | `skus.<sku>.invoice_price` | a SKU's invoice price (进价) |
//! | `retailer.stores` | stores at the start of the year |
//!
//! ```
//! let mut c = kasim_core::demo::contract(r#"
//! [[fees]]
//! id = "entry"
//! kind = "lump_sum"
//! event = "entry"
//! amount = "200000"
//! "#).unwrap();
//! use kasim_core::terms::{get, set};
//! use rust_decimal::Decimal;
//! assert_eq!(get(&c, "fees.entry.amount").unwrap(), Decimal::from(200_000));
//! set(&mut c, "fees.entry.amount", Decimal::from(150_000)).unwrap();
//! assert_eq!(kasim_core::evaluate(&c).unwrap().pnl.fees_total.to_string(), "150000.00");
//! ```

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::contract::Contract;
use crate::fees::TermSlot as Slot;
use crate::money::{Money, Rate};

/// What kind of number a term is, for rounding drawn values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermKind {
    /// A money amount (rounded to the cent when drawn).
    Money,
    /// A rate (rounded to 0.01% when drawn).
    Rate,
    /// A count of days, stores, slots or promoters (rounded to a whole number).
    Count,
}

fn unknown(path: &str, what: &str) -> String {
    format!("`{path}`: {what}")
}

fn slot<'a>(c: &'a mut Contract, path: &str) -> Result<Slot<'a>, String> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["payment", "days"] => Ok(Slot::Count(&mut c.payment.days)),
        ["payment", "cost_of_capital"] => Ok(Slot::OptRate(&mut c.payment.cost_of_capital)),
        ["payment", "early_payment", field] => {
            let e =
                c.payment.early_payment.as_mut().ok_or_else(|| unknown(path, "the contract has no early payment"))?;
            match *field {
                "discount" => Ok(Slot::Rate(&mut e.discount)),
                "days" => Ok(Slot::Count(&mut e.days)),
                _ => Err(unknown(path, "early payment terms are `discount` and `days`")),
            }
        }
        ["retailer", "stores"] => Ok(Slot::Count(&mut c.retailer.stores)),
        ["skus", sku, "invoice_price"] => {
            let t = c
                .skus
                .iter_mut()
                .find(|t| t.sku == *sku)
                .ok_or_else(|| unknown(path, "no such SKU in the contract"))?;
            Ok(Slot::OptMoney(&mut t.invoice_price))
        }
        ["fees", id, rest @ ..] if !rest.is_empty() => {
            let rule =
                c.fees.iter_mut().find(|f| f.id == *id).ok_or_else(|| unknown(path, "no fee rule has that id"))?;
            let field = rest.join(".");
            if let Some(tier_part) = field.strip_prefix("tiers[") {
                let (idx, tail) =
                    tier_part.split_once("].").ok_or_else(|| unknown(path, "write tiers[<i>].<field>"))?;
                let i: usize = idx.parse().map_err(|_| unknown(path, "tier index must be a number"))?;
                let tiers = rule.rule.tiers().ok_or_else(|| unknown(path, "this rule has no tiers"))?;
                let tier = tiers.get_mut(i).ok_or_else(|| unknown(path, "no tier with that index"))?;
                return match (tail, &mut tier.value) {
                    ("threshold", _) => Ok(Slot::Money(&mut tier.threshold)),
                    ("rate", crate::fees::TierValue::Rate(r)) => Ok(Slot::Rate(r)),
                    ("per_unit", crate::fees::TierValue::PerUnit(u)) => Ok(Slot::Money(u)),
                    _ => Err(unknown(path, "a tier has `threshold` and the `rate` or `per_unit` it was written with")),
                };
            }
            rule.rule.term(&field).ok_or_else(|| unknown(path, "this rule has no such numeric term"))
        }
        _ => Err(unknown(path, "not a term path (see kasim_core::terms)")),
    }
}

/// The current value of a term (an unset optional term reads as 0; an unset invoice price
/// reads as the SKU's list price).
pub fn get(c: &Contract, path: &str) -> Result<Decimal, String> {
    if let ["skus", sku, "invoice_price"] = path.split('.').collect::<Vec<_>>().as_slice() {
        let t = c.skus.iter().find(|t| t.sku == *sku).ok_or_else(|| unknown(path, "no such SKU in the contract"))?;
        if let Some(p) = t.invoice_price {
            return Ok(p.0);
        }
        let list = c.supplier().and_then(|s| s.skus.iter().find(|k| k.id == *sku)).map(|k| k.list_price.0);
        return list.ok_or_else(|| unknown(path, "the SKU has no invoice price and the supplier is not loaded"));
    }
    let mut copy = c.clone();
    Ok(match slot(&mut copy, path)? {
        Slot::Money(m) => m.0,
        Slot::OptMoney(m) => m.map_or(Decimal::ZERO, |m| m.0),
        Slot::Rate(r) => r.0,
        Slot::OptRate(r) => r.map_or(Decimal::ZERO, |r| r.0),
        Slot::Count(n) => Decimal::from(*n),
        Slot::OptCount(n) => n.map_or(Decimal::ZERO, Decimal::from),
    })
}

/// What kind of number a term is.
pub fn kind(c: &Contract, path: &str) -> Result<TermKind, String> {
    let mut copy = c.clone();
    Ok(match slot(&mut copy, path)? {
        Slot::Money(_) | Slot::OptMoney(_) => TermKind::Money,
        Slot::Rate(_) | Slot::OptRate(_) => TermKind::Rate,
        Slot::Count(_) | Slot::OptCount(_) => TermKind::Count,
    })
}

/// Sets a term. Counts are rounded half-up to whole numbers and must fit; the caller
/// validates the resulting contract (e.g. through [`crate::Compiled::new`]).
pub fn set(c: &mut Contract, path: &str, value: Decimal) -> Result<(), String> {
    let count = || -> Result<u32, String> {
        let r = value.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        r.to_u32().ok_or_else(|| unknown(path, &format!("{value} is not a count between 0 and 4,294,967,295")))
    };
    match slot(c, path)? {
        Slot::Money(m) => *m = Money(value),
        Slot::OptMoney(m) => *m = Some(Money(value)),
        Slot::Rate(r) => *r = Rate(value),
        Slot::OptRate(r) => *r = Some(Rate(value)),
        Slot::Count(n) => *n = count()?,
        Slot::OptCount(n) => *n = Some(count()?),
    }
    Ok(())
}

/// Every addressable numeric term of a contract, by path.
pub fn list(c: &Contract) -> Vec<String> {
    let mut out =
        vec!["payment.days".to_string(), "payment.cost_of_capital".to_string(), "retailer.stores".to_string()];
    if c.payment.early_payment.is_some() {
        out.push("payment.early_payment.discount".into());
        out.push("payment.early_payment.days".into());
    }
    for t in &c.skus {
        out.push(format!("skus.{}.invoice_price", t.sku));
    }
    let mut copy = c.clone();
    for f in &c.fees {
        for field in f.rule.tag().terms() {
            out.push(format!("fees.{}.{field}", f.id));
        }
        let tiers = copy.fees.iter_mut().find(|x| x.id == f.id).and_then(|x| x.rule.tiers()).map_or(0, |t| t.len());
        for i in 0..tiers {
            for field in ["threshold", "rate", "per_unit"] {
                let p = format!("fees.{}.tiers[{i}].{field}", f.id);
                if slot(&mut copy, &p).is_ok() {
                    out.push(p);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_term_round_trips() {
        let c = crate::demo::contract(
            r#"
[payment]
early_payment = { discount = "1%", days = 10 }

[[fees]]
id = "tiered"
kind = "tiered_rebate"
tiers = [ { threshold = "0", rate = "1%" }, { threshold = "500000", rate = "2%" } ]

[[fees]]
id = "dm"
kind = "dm_fee"
price = "2000"
contracted = 4
"#,
        )
        .unwrap();
        let terms = list(&c);
        assert!(terms.contains(&"fees.tiered.tiers[1].rate".to_string()), "{terms:?}");
        assert!(terms.contains(&"fees.dm.contracted".to_string()));
        for t in &terms {
            let mut m = c.clone();
            let v = get(&c, t).unwrap();
            set(&mut m, t, v).unwrap();
            assert_eq!(get(&m, t).unwrap(), v, "{t}");
        }
        assert!(get(&c, "fees.nope.amount").is_err());
        assert!(get(&c, "fees.dm.rate").is_err());
        assert!(set(&mut c.clone(), "payment.days", Decimal::from(-3)).is_err());
    }
}
