//! The synthetic history generator: sales histories drawn from known parameters, so tests
//! and benchmarks can check that calibration recovers them.
//!
//! For SKU *i* (code `S{i:03}`) in week (or month) *t* — time in years τ, month *m* of the
//! period's middle day —
//!
//! ```text
//! mean  = base_i · stores · season_i[m] · (1 + trend)^τ · U · D
//! units = round(mean · exp(σz − σ²/2)),  z ~ N(0, 1)
//! ```
//!
//! with season_i the common `seasonality` or the SKU's `own_seasonality`, base_i spread evenly
//! over `base_units` (the SKU's units per store per period when
//! `stores` is given, else chain-wide), U = (1 − cut)^(−elasticity) in a promoted period (each
//! SKU-period is promoted with probability `promo_share`, not two periods running; its cut is
//! drawn from `cuts`, its slot alternates DM and 端架), D = 1 − dip in the period after a
//! promotion. Ordered = units + round(5% of units), delivered = round(ordered · fill) with fill
//! uniform on [`fill_min`, 1] (on [`promo_fill_min`, 1] in promotions), returned =
//! round(delivered · returns_rate). The shelf price is `shelf_price`; the promotional price
//! (1 − cut) of it. Random numbers: SplitMix64 seeded with `seed`, normals by Box–Muller, so
//! the same spec always gives the same rows.
//!
//! [`fill_min`]: Spec::fill_min
//! [`promo_fill_min`]: Spec::promo_fill_min

use crate::date::Date;
use crate::history::SourceGranularity;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// Number of SKUs.
    pub skus: usize,
    /// Years of history.
    pub years: u32,
    /// First year (weeks start on the Monday on or before 1 January).
    pub start_year: i32,
    /// Weekly or monthly rows.
    pub granularity: SourceGranularity,
    /// Range of baseline units per period (per store with `stores`).
    pub base_units: (f64, f64),
    /// Store count, when the export has one.
    pub stores: Option<u32>,
    /// Monthly seasonality factors.
    pub seasonality: [f64; 12],
    /// SKUs (by index) with their own monthly factors instead (a gift box).
    pub own_seasonality: Vec<(usize, [f64; 12])>,
    /// Annual growth.
    pub trend: f64,
    /// Lognormal σ of the demand noise.
    pub sigma: f64,
    /// Price elasticity of promotions.
    pub elasticity: f64,
    /// Probability that a SKU-period is promoted.
    pub promo_share: f64,
    /// Price cuts drawn (uniformly among them) for promotions.
    pub cuts: Vec<f64>,
    /// Post-promotion dip.
    pub dip: f64,
    /// Lowest fill rate in regular periods.
    pub fill_min: f64,
    /// Lowest fill rate in promotions.
    pub promo_fill_min: f64,
    /// Returns rate.
    pub returns_rate: f64,
    /// Shelf price.
    pub shelf_price: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for Spec {
    /// 20 SKUs, three years of weeks from 2023, a ±25% seasonality, 4% growth, σ = 0.2,
    /// elasticity 2, 12% of periods promoted at cuts 10–30%, a 10% dip.
    fn default() -> Spec {
        Spec {
            skus: 20,
            years: 3,
            start_year: 2023,
            granularity: SourceGranularity::Week,
            base_units: (20.0, 200.0),
            stores: None,
            seasonality: [1.25, 1.15, 0.95, 0.9, 0.9, 0.95, 1.0, 1.0, 0.95, 1.0, 0.95, 1.1],
            own_seasonality: Vec::new(),
            trend: 0.04,
            sigma: 0.2,
            elasticity: 2.0,
            promo_share: 0.12,
            cuts: vec![0.1, 0.15, 0.2, 0.25, 0.3],
            dip: 0.1,
            fill_min: 0.94,
            promo_fill_min: 0.8,
            returns_rate: 0.02,
            shelf_price: 12.5,
            seed: 7,
        }
    }
}

/// A generated row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// SKU code.
    pub sku: String,
    /// First day of the week or month.
    pub date: Date,
    /// Units sold.
    pub units: u64,
    /// Shelf price.
    pub shelf_price: f64,
    /// Promotional price and slot (`DM`, `端架`), in a promotion.
    pub promo: Option<(f64, &'static str)>,
    /// Units ordered.
    pub ordered: u64,
    /// Units delivered.
    pub delivered: u64,
    /// Units returned.
    pub returns: u64,
    /// Stores.
    pub stores: Option<u32>,
}

/// SplitMix64.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform on [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// The start dates of the periods.
fn starts(spec: &Spec) -> Vec<(Date, u32)> {
    let mut out = Vec::new();
    match spec.granularity {
        SourceGranularity::Month => {
            for y in 0..spec.years as i32 {
                for m in 1..=12 {
                    if let Some(d) = Date::new(spec.start_year + y, m, 1) {
                        out.push((d, crate::date::month_days(spec.start_year + y, m)));
                    }
                }
            }
        }
        SourceGranularity::Week | SourceGranularity::Day => {
            let jan1 = Date::new(spec.start_year, 1, 1).unwrap_or(Date(0));
            let first = Date(jan1.0 - jan1.weekday() as i32);
            for w in 0..(52 * spec.years as i32) {
                out.push((Date(first.0 + 7 * w), 7));
            }
        }
    }
    out
}

/// Generates the rows, SKU by SKU, period by period.
pub fn generate(spec: &Spec) -> Vec<Row> {
    let mut rng = Rng::new(spec.seed);
    let periods = starts(spec);
    let first = periods.first().map_or(0, |p| p.0.0);
    let mut rows = Vec::with_capacity(periods.len() * spec.skus);
    for i in 0..spec.skus {
        let frac = if spec.skus > 1 { i as f64 / (spec.skus - 1) as f64 } else { 0.5 };
        let base = spec.base_units.0 + frac * (spec.base_units.1 - spec.base_units.0);
        let season = spec.own_seasonality.iter().find(|(j, _)| *j == i).map_or(&spec.seasonality, |(_, f)| f);
        let mut promoted_last = false;
        for (k, &(start, span)) in periods.iter().enumerate() {
            let mid = Date(start.0 + (span as i32 - 1) / 2);
            let (_, m, _) = mid.ymd();
            let tau = f64::from(start.0 - first) / 365.25;
            let mut mean =
                base * f64::from(spec.stores.unwrap_or(1)) * season[m as usize - 1] * (1.0 + spec.trend).powf(tau);
            let promo = !promoted_last && k > 0 && rng.uniform() < spec.promo_share;
            let cut =
                if spec.cuts.is_empty() { 0.0 } else { spec.cuts[(rng.next_u64() % spec.cuts.len() as u64) as usize] };
            if promo {
                mean *= (1.0 - cut).powf(-spec.elasticity);
            } else if promoted_last {
                mean *= 1.0 - spec.dip;
            }
            let z = rng.normal();
            let units = (mean * (spec.sigma * z - spec.sigma * spec.sigma / 2.0).exp()).round().max(0.0) as u64;
            let fill_min = if promo { spec.promo_fill_min } else { spec.fill_min };
            let fill = fill_min + (1.0 - fill_min) * rng.uniform();
            let ordered = units;
            let delivered = (ordered as f64 * fill).round() as u64;
            let returns = (delivered as f64 * spec.returns_rate).round() as u64;
            rows.push(Row {
                sku: format!("S{i:03}"),
                date: start,
                units,
                shelf_price: spec.shelf_price,
                promo: promo.then(|| {
                    ((spec.shelf_price * (1.0 - cut) * 100.0).round() / 100.0, if k % 2 == 0 { "DM" } else { "端架" })
                }),
                ordered,
                delivered,
                returns,
                stores: spec.stores,
            });
            promoted_last = promo;
        }
    }
    rows
}

/// The rows as CSV text with Chinese headers (商品编码, 日期, 销售数量, 售价, 促销价, 促销档期,
/// 订货量, 到货量, 退货数量, 门店数), as a retailer portal exports them.
pub fn to_csv(rows: &[Row]) -> String {
    let stores = rows.iter().any(|r| r.stores.is_some());
    let mut s = String::from("商品编码,日期,销售数量,售价,促销价,促销档期,订货量,到货量,退货数量");
    s.push_str(if stores { ",门店数\n" } else { "\n" });
    for r in rows {
        let (pp, slot) = r.promo.map_or((String::new(), ""), |(p, sl)| (format!("{p:.2}"), sl));
        s.push_str(&format!(
            "{},{},{},{:.2},{},{},{},{},{}",
            r.sku, r.date, r.units, r.shelf_price, pp, slot, r.ordered, r.delivered, r.returns
        ));
        if let Some(n) = r.stores {
            s.push_str(&format!(",{n}"));
        }
        s.push('\n');
    }
    s
}

/// A contract for the generated SKUs (`S000`, …): a weekly or monthly calendar, an inline
/// supplier, a 2% rebate and a DM fee, one line per SKU, and a DM promotion at a 20% cut in
/// periods 10 and 30 (weekly) or 3 and 9 (monthly). It loads as is; `kasim calibrate` writes
/// the calibrated plan over it.
pub fn contract_toml(spec: &Spec, weekly: bool) -> String {
    let mut s = format!(
        "name = \"Synthetic {} SKUs\"\nyear = {}\ncurrency = \"CNY\"\n\n[supplier]\nname = \"Synthetic supplier\"\ncost_of_capital = \"6%\"\n\n",
        spec.skus,
        spec.start_year + spec.years as i32
    );
    for i in 0..spec.skus {
        s.push_str(&format!(
            "[[supplier.skus]]\nid = \"S{i:03}\"\nname = \"Synthetic {i}\"\nunit_cost = \"5\"\nlist_price = \"9\"\n\n"
        ));
    }
    s.push_str(&format!(
        "[retailer]\nname = \"Synthetic retailer\"\nchannel = \"hypermarket\"\nstores = {}\n\n[calendar]\ngranularity = \"{}\"\n\n",
        spec.stores.unwrap_or(50),
        if weekly { "weekly" } else { "monthly" }
    ));
    for i in 0..spec.skus {
        s.push_str(&format!(
            "[[skus]]\nsku = \"S{i:03}\"\nshelf_price = {{ policy = \"fixed\", price = \"{:.2}\" }}\n\n",
            spec.shelf_price
        ));
    }
    s.push_str("[plan]\nfill_rate = \"98%\"\n\n");
    for i in 0..spec.skus {
        s.push_str(&format!("[[plan.lines]]\nsku = \"S{i:03}\"\nunits_per_period = 100\n\n"));
    }
    let skus: Vec<String> = (0..spec.skus.min(4)).map(|i| format!("\"S{i:03}\"")).collect();
    s.push_str(&format!(
        "[[plan.promotions]]\nskus = [{}]\nperiods = [{}]\nslot = \"dm\"\nuplift = \"1.5\"\nprice_cut = \"20%\"\n\n",
        skus.join(", "),
        if weekly { "10, 30" } else { "3, 9" }
    ));
    s.push_str(
        "[[fees]]\nid = \"rebate\"\nkind = \"unconditional_rebate\"\nrate = \"2%\"\n\n[[fees]]\nid = \"dm\"\nkind = \"dm_fee\"\nprice = \"800\"\n\n[uncertainty]\ndemand_cv = \"20%\"\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_shaped() {
        let spec = Spec { skus: 3, ..Spec::default() };
        let a = generate(&spec);
        assert_eq!(a, generate(&spec));
        assert_eq!(a.len(), 3 * 156);
        assert_ne!(a, generate(&Spec { seed: 8, ..spec.clone() }));
        let promos = a.iter().filter(|r| r.promo.is_some()).count();
        assert!((30..=80).contains(&promos), "{promos}");
    }
}
