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
//! | `resources.payment_priority_days`, `resources.promotion_priority`, `resources.facings`, `resources.promoters` | relationship resources (docs/resources.md); setting one on a contract without `[resources]` adds the section with its defaults |
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
pub use crate::error::{Location, TermError, TermReason};
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

/// The slot of a term, or why the path names none.
fn slot<'a>(c: &'a mut Contract, path: &str) -> Result<Slot<'a>, TermReason> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["payment", "days"] => Ok(Slot::Count(&mut c.payment.days)),
        ["payment", "cost_of_capital"] => Ok(Slot::OptRate(&mut c.payment.cost_of_capital)),
        ["payment", "early_payment", field] => {
            let e = c.payment.early_payment.as_mut().ok_or(TermReason::NoEarlyPayment)?;
            match *field {
                "discount" => Ok(Slot::Rate(&mut e.discount)),
                "days" => Ok(Slot::Count(&mut e.days)),
                _ => Err(TermReason::EarlyPaymentField),
            }
        }
        ["retailer", "stores"] => Ok(Slot::Count(&mut c.retailer.stores)),
        ["resources", field] => {
            let r = c.resources.get_or_insert_with(Default::default);
            match *field {
                "payment_priority_days" => Ok(Slot::Count(&mut r.payment_priority_days)),
                "promotion_priority" => Ok(Slot::Rate(&mut r.promotion_priority)),
                "facings" => Ok(Slot::Rate(&mut r.facings)),
                "promoters" => Ok(Slot::Count(&mut r.promoters)),
                _ => Err(TermReason::NotATermPath),
            }
        }
        ["skus", sku, "invoice_price"] => match c.skus.iter().position(|t| t.sku == *sku) {
            Some(i) => Ok(Slot::OptMoney(&mut c.skus[i].invoice_price)),
            None => Err(TermReason::UnknownSku { known: c.skus.iter().map(|t| t.sku.clone()).collect() }),
        },
        ["fees", id, rest @ ..] if !rest.is_empty() => {
            let Some(i) = c.fees.iter().position(|f| f.id == *id) else {
                return Err(TermReason::UnknownRule { known: c.fees.iter().map(|f| f.id.clone()).collect() });
            };
            fee_slot(&mut c.fees[i].rule, &rest.join("."))
        }
        _ => Err(TermReason::NotATermPath),
    }
}

/// The slot of term `field` (`amount`, `tiers[1].rate`…) of one fee rule.
fn fee_slot<'a>(rule: &'a mut crate::fees::Rule, field: &str) -> Result<Slot<'a>, TermReason> {
    if let Some(tier_part) = field.strip_prefix("tiers[") {
        let (idx, tail) = tier_part.split_once("].").ok_or(TermReason::TierSyntax)?;
        let i: usize = idx.parse().map_err(|_| TermReason::TierIndex)?;
        let tiers = rule.tiers().ok_or(TermReason::NoTiers)?;
        let len = tiers.len();
        let tier = tiers.get_mut(i).ok_or(TermReason::NoSuchTier { tiers: len })?;
        return match (tail, &mut tier.value) {
            ("threshold", _) => Ok(Slot::Money(&mut tier.threshold)),
            ("rate", crate::fees::TierValue::Rate(r)) => Ok(Slot::Rate(r)),
            ("per_unit", crate::fees::TierValue::PerUnit(u)) => Ok(Slot::Money(u)),
            _ => Err(TermReason::TierField),
        };
    }
    let tag = rule.tag();
    rule.term(field).ok_or(TermReason::NoSuchTerm { kind: tag.code(), known: tag.terms() })
}

/// Reads a term without copying the whole contract: a fee term copies only its rule.
fn read<T>(c: &Contract, path: &str, f: impl FnOnce(Slot<'_>) -> T) -> Result<T, TermError> {
    if let ["fees", id, rest @ ..] = path.split('.').collect::<Vec<_>>().as_slice()
        && !rest.is_empty()
        && let Some(rule) = c.fees.iter().find(|r| r.id == *id)
    {
        let mut rule = rule.rule.clone();
        return fee_slot(&mut rule, &rest.join(".")).map(f).map_err(|r| error(c, path, r));
    }
    let mut copy = c.clone();
    slot(&mut copy, path).map(f).map_err(|r| error(c, path, r))
}

/// The key path in the contract file of a term path (`fees.<id>.amount` → `fees[3].amount`),
/// or of its nearest enclosing table when the term does not resolve.
pub fn key_path(c: &Contract, path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["skus", sku, rest @ ..] => match c.skus.iter().position(|t| t.sku == *sku) {
            Some(i) if !rest.is_empty() => format!("skus[{i}].{}", rest.join(".")),
            Some(i) => format!("skus[{i}]"),
            None => "skus".into(),
        },
        ["fees", id, rest @ ..] => match c.fees.iter().position(|f| f.id == *id) {
            Some(i) if !rest.is_empty() => format!("fees[{i}].{}", rest.join(".")),
            Some(i) => format!("fees[{i}]"),
            None => "fees".into(),
        },
        _ => path.to_string(),
    }
}

/// A term error, located in the contract's file when it was loaded from one.
fn error(c: &Contract, path: &str, reason: TermReason) -> TermError {
    let location = c.source.file().map(|_| {
        let p = c.source.locate(&key_path(c, path), String::new());
        Box::new(Location { file: p.file, line: p.line, column: p.column, key_path: p.key_path })
    });
    TermError { path: path.to_string(), reason, location }
}

/// The current value of a term (an unset optional term reads as 0; an unset invoice price
/// reads as the SKU's list price).
///
/// # Errors
///
/// A [`TermError`] when the path names no numeric term of the contract.
pub fn get(c: &Contract, path: &str) -> Result<Decimal, TermError> {
    if let ["skus", sku, "invoice_price"] = path.split('.').collect::<Vec<_>>().as_slice() {
        let Some(t) = c.skus.iter().find(|t| t.sku == *sku) else {
            let known = c.skus.iter().map(|t| t.sku.clone()).collect();
            return Err(error(c, path, TermReason::UnknownSku { known }));
        };
        if let Some(p) = t.invoice_price {
            return Ok(p.0);
        }
        let list = c.supplier().and_then(|s| s.skus.iter().find(|k| k.id == *sku)).map(|k| k.list_price.0);
        return list.ok_or_else(|| error(c, path, TermReason::NoListPrice));
    }
    read(c, path, |s| match s {
        Slot::Money(m) => m.0,
        Slot::OptMoney(m) => m.map_or(Decimal::ZERO, |m| m.0),
        Slot::Rate(r) => r.0,
        Slot::OptRate(r) => r.map_or(Decimal::ZERO, |r| r.0),
        Slot::Count(n) => Decimal::from(*n),
        Slot::OptCount(n) => n.map_or(Decimal::ZERO, Decimal::from),
    })
}

/// What kind of number a term is.
///
/// # Errors
///
/// A [`TermError`] when the path names no numeric term of the contract.
pub fn kind(c: &Contract, path: &str) -> Result<TermKind, TermError> {
    read(c, path, |s| match s {
        Slot::Money(_) | Slot::OptMoney(_) => TermKind::Money,
        Slot::Rate(_) | Slot::OptRate(_) => TermKind::Rate,
        Slot::Count(_) | Slot::OptCount(_) => TermKind::Count,
    })
}

/// Sets a term. Counts are rounded half-up to whole numbers and must fit; the caller
/// validates the resulting contract (e.g. through [`crate::Compiled::new`]).
///
/// # Errors
///
/// A [`TermError`] when the path names no numeric term of the contract, or a count does not
/// fit; the error's location points at the term in the contract file.
pub fn set(c: &mut Contract, path: &str, value: Decimal) -> Result<(), TermError> {
    let count = value.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero).to_u32();
    let not_a_count = |c: &Contract| error(c, path, TermReason::NotACount { value });
    let mut bad_count = false;
    match slot(c, path) {
        Ok(Slot::Money(m)) => *m = Money(value),
        Ok(Slot::OptMoney(m)) => *m = Some(Money(value)),
        Ok(Slot::Rate(r)) => *r = Rate(value),
        Ok(Slot::OptRate(r)) => *r = Some(Rate(value)),
        Ok(Slot::Count(n)) => match count {
            Some(v) => *n = v,
            None => bad_count = true,
        },
        Ok(Slot::OptCount(n)) => match count {
            Some(v) => *n = Some(v),
            None => bad_count = true,
        },
        Err(r) => return Err(error(c, path, r)),
    }
    if bad_count {
        return Err(not_a_count(c));
    }
    Ok(())
}

/// The relationship resources' levels addressable as terms (listed by [`list`] for a
/// contract with `[resources]`; every contract can set them).
pub const RESOURCE_TERMS: [&str; 4] =
    ["resources.payment_priority_days", "resources.promotion_priority", "resources.facings", "resources.promoters"];

/// Every addressable numeric term of a contract, by path.
pub fn list(c: &Contract) -> Vec<String> {
    let mut out =
        vec!["payment.days".to_string(), "payment.cost_of_capital".to_string(), "retailer.stores".to_string()];
    if c.payment.early_payment.is_some() {
        out.push("payment.early_payment.discount".into());
        out.push("payment.early_payment.days".into());
    }
    if c.resources.is_some() {
        out.extend(RESOURCE_TERMS.iter().map(|t| t.to_string()));
    }
    for t in &c.skus {
        out.push(format!("skus.{}.invoice_price", t.sku));
    }
    for f in &c.fees {
        for field in f.rule.tag().terms() {
            out.push(format!("fees.{}.{field}", f.id));
        }
        let mut rule = f.rule.clone();
        let tiers = rule.tiers().map_or(0, |t| t.len());
        for i in 0..tiers {
            for field in ["threshold", "rate", "per_unit"] {
                let term = format!("tiers[{i}].{field}");
                if fee_slot(&mut rule, &term).is_ok() {
                    out.push(format!("fees.{}.{term}", f.id));
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
        // Resource levels: read as the defaults without a section, set adds it.
        assert_eq!(get(&c, "resources.facings").unwrap(), Decimal::ONE);
        assert_eq!(get(&c, "resources.promoters").unwrap(), Decimal::ZERO);
        let mut r = c.clone();
        set(&mut r, "resources.payment_priority_days", Decimal::from(15)).unwrap();
        set(&mut r, "resources.promotion_priority", Decimal::new(9, 1)).unwrap();
        assert_eq!(r.resources.as_ref().map(|x| x.payment_priority_days), Some(15));
        assert_eq!(get(&r, "resources.promotion_priority").unwrap(), Decimal::new(9, 1));
        assert!(list(&r).contains(&"resources.facings".to_string()));
        assert!(!list(&c).iter().any(|t| t.starts_with("resources.")));
        assert!(get(&c, "resources.green_channel").is_err());
        assert!(get(&c, "fees.dm.rate").is_err());
        assert!(set(&mut c.clone(), "payment.days", Decimal::from(-3)).is_err());
    }

    /// Every term a rule declares in `Clause::TERMS` resolves, reads and writes, for every
    /// kind of rule in the registry.
    #[test]
    fn every_declared_term_of_every_rule_resolves() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/bench/every-rule.toml");
        let c = crate::load(path).unwrap();
        for tag in crate::fees::RuleTag::ALL {
            assert!(c.fees.iter().any(|f| f.rule.tag() == *tag), "every-rule.toml has no {tag:?}");
        }
        for f in &c.fees {
            for field in f.rule.tag().terms() {
                let p = format!("fees.{}.{field}", f.id);
                let v = get(&c, &p).unwrap();
                let mut m = c.clone();
                set(&mut m, &p, v).unwrap();
                assert_eq!(get(&m, &p).unwrap(), v, "{p}");
            }
        }
    }
}
