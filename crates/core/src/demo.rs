//! A tiny reference contract for examples, doctests and experiments.
//!
//! One supplier ("Demo Foods") with SKUs `A`, `B`, … at invoice price 10.00 and unit cost
//! 6.00; one retailer ("Demo Mart", hypermarket, 100 stores); a monthly calendar; shelf price
//! retail-minus 30% (→ 14.29); 10,000 units of each SKU a month; no cost of capital unless the
//! extra TOML sets `[payment] cost_of_capital`. The extra TOML is appended to the file, so it
//! can add `[[fees]]`, `[[plan.promotions]]`, `[[plan.price_matches]]`,
//! `[[retailer.store_openings]]` or a `[payment]` table.

use std::fmt::Write;
use std::path::Path;

use crate::contract::Contract;
use crate::error::Error;

/// Builder for demo contracts.
#[derive(Clone, Debug)]
pub struct Demo {
    /// Number of SKUs (named A, B, C, …).
    pub skus: usize,
    /// Units per period of every SKU, from period 1 (the rest are 0); `None` = 10,000 a month.
    pub units: Option<Vec<u64>>,
    /// Extra keys written into the `[plan]` table.
    pub plan: String,
    /// Mark every SKU as a new listing.
    pub new_listings: bool,
}

impl Default for Demo {
    fn default() -> Self {
        Demo { skus: 1, units: None, plan: String::new(), new_listings: false }
    }
}

impl Demo {
    /// Writes the contract's TOML text.
    pub fn toml(&self, extra: &str) -> String {
        let mut s = String::from(
            "name = \"Demo 2027\"\nyear = 2027\n\n[supplier]\nname = \"Demo Foods\"\ncost_of_capital = \"0\"\n",
        );
        let ids: Vec<String> = (0..self.skus).map(|i| ((b'A' + (i % 26) as u8) as char).to_string()).collect();
        for id in &ids {
            let _ = write!(
                s,
                "\n[[supplier.skus]]\nid = \"{id}\"\nname = \"Product {id}\"\nunit_cost = \"6.00\"\nlist_price = \"10.00\"\n"
            );
        }
        s.push_str("\n[retailer]\nname = \"Demo Mart\"\nchannel = \"hypermarket\"\nstores = 100\n");
        for id in &ids {
            let _ = write!(
                s,
                "\n[[skus]]\nsku = \"{id}\"\nshelf_price = {{ policy = \"retail_minus\", margin = \"30%\" }}\nnew_listing = {}\n",
                self.new_listings
            );
        }
        let _ = write!(s, "\n[plan]\n{}\n", self.plan);
        for id in &ids {
            match &self.units {
                None => {
                    let _ = write!(s, "\n[[plan.lines]]\nsku = \"{id}\"\nunits_per_period = 10000\n");
                }
                Some(u) => {
                    let mut all = u.clone();
                    all.resize(12, 0);
                    let list: Vec<String> = all.iter().map(|x| x.to_string()).collect();
                    let _ = write!(s, "\n[[plan.lines]]\nsku = \"{id}\"\nunits = [{}]\n", list.join(", "));
                }
            }
        }
        s.push('\n');
        s.push_str(extra);
        s
    }

    /// Builds and validates the contract.
    ///
    /// # Errors
    ///
    /// As [`load_str`](crate::load_str): the demo contract with `extra` must be valid.
    pub fn build(&self, extra: &str) -> Result<Contract, Error> {
        crate::load::load_str(&self.toml(extra), Path::new("demo.toml"), None)
    }
}

/// The demo contract with one SKU and the given extra TOML.
///
/// # Errors
///
/// As [`load_str`](crate::load_str): the demo contract with `extra` must be valid.
pub fn contract(extra: &str) -> Result<Contract, Error> {
    Demo::default().build(extra)
}

/// The demo contract with one SKU selling `units` in periods 1, 2, … (then nothing).
///
/// # Errors
///
/// As [`load_str`](crate::load_str): the demo contract with `extra` must be valid.
pub fn contract_with_units(units: &[u64], extra: &str) -> Result<Contract, Error> {
    Demo { units: Some(units.to_vec()), ..Demo::default() }.build(extra)
}

/// The demo contract with `n` SKUs.
///
/// # Errors
///
/// As [`load_str`](crate::load_str): the demo contract with `extra` must be valid.
pub fn contract_with_skus(n: usize, extra: &str) -> Result<Contract, Error> {
    Demo { skus: n, ..Demo::default() }.build(extra)
}

/// The demo contract with two SKUs, both new listings.
///
/// # Errors
///
/// As [`load_str`](crate::load_str): the demo contract with `extra` must be valid.
pub fn contract_with_new_skus(extra: &str) -> Result<Contract, Error> {
    Demo { skus: 2, new_listings: true, ..Demo::default() }.build(extra)
}

/// The demo contract with extra `[plan]` keys (e.g. `fill_rate = "90%"`).
///
/// # Errors
///
/// As [`load_str`](crate::load_str): the demo contract with `plan` and `extra` must be valid.
pub fn contract_with_plan(plan: &str, extra: &str) -> Result<Contract, Error> {
    Demo { plan: plan.to_string(), ..Demo::default() }.build(extra)
}
