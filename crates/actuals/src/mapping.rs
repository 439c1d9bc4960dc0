//! Column roles and the mapping of a file's headers onto them.
//!
//! Each column of a sales export plays at most one [`Role`]. Headers are recognised from a
//! built-in list of common Chinese and English names ([`Role::aliases`]), compared after
//! normalising: case, spaces, `_`/`-` and a trailing unit in brackets (`销售金额(元)`,
//! `Units (pcs)`) are ignored. A [`Mapping`] — from `--column role=Header` flags or a small
//! TOML file — names a column for a role explicitly and always wins. Nothing is guessed: a
//! header the mapping names that the file lacks is an error listing the file's headers
//! (closest first); two columns that could both be a role are an error naming both; a
//! required role without a column is an error listing the headers. Headers that play no role
//! are reported in the read summary as ignored.
//!
//! A mapping file:
//!
//! The roles are a [`Roles`] set: [`Role`] for sales, or an importer's own.
//!
//! ```toml
//! [columns]
//! sku = "货号"
//! units = "销售数量(件)"
//! promo = "档期"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Error;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The supplier's SKU code (商品编码), matched to the contract's `[[skus]]`.
    Sku,
    /// The barcode (条码); the SKU key when there is no SKU column.
    Barcode,
    /// The product name (商品名称), for messages only.
    Name,
    /// A calendar date (日期): the day, or the first day of the week or month the row covers.
    Date,
    /// A period (周/月): `2025-W05`, `2025-03`, `2025年第5周`, `2025年3月`, or a number with a
    /// year column.
    Period,
    /// The year (年), with a period-number column.
    Year,
    /// Units sold (销量).
    Units,
    /// Sales value (销售额).
    Sales,
    /// The regular shelf price (售价).
    ShelfPrice,
    /// The promotional shelf price (促销价).
    PromoPrice,
    /// A promotion flag or slot (促销/档期): `DM`, `端架`, `堆头`, `TG`, `是`/`否`, `1`/`0`.
    Promo,
    /// Units the retailer ordered (订货量).
    Ordered,
    /// Units delivered (到货量).
    Delivered,
    /// Units returned (退货).
    Returns,
    /// Stores selling (门店数).
    Stores,
}

/// A set of column roles: what an importer's columns can hold. [`Role`] is the sales history's;
/// another importer (a deduction statement, 对账单: date, fee type, amount, reference) defines
/// its own enum, implements this trait, and reuses [`Mapping`] and [`Columns`] unchanged.
pub trait Roles: Copy + Ord + std::fmt::Debug + 'static {
    /// Every role, in the order columns are recognised.
    fn all() -> &'static [Self];
    /// The role's key in flags and mapping files (`shelf_price`).
    fn key(self) -> &'static str;
    /// The headers recognised for the role (compared after [`normalise`]).
    fn aliases(self) -> &'static [&'static str];
    /// What a file must have: each group lists roles of which at least one must be present
    /// (`[[Sku, Barcode], [Date, Period], [Units]]`).
    fn required() -> &'static [&'static [Self]];
    /// The role of a key.
    fn parse(key: &str) -> Option<Self> {
        Self::all().iter().copied().find(|r| r.key() == key.trim())
    }
}

impl Roles for Role {
    fn all() -> &'static [Role] {
        &Role::ALL
    }
    fn key(self) -> &'static str {
        Role::key(self)
    }
    fn aliases(self) -> &'static [&'static str] {
        Role::aliases(self)
    }
    fn required() -> &'static [&'static [Role]] {
        &[&[Role::Sku, Role::Barcode], &[Role::Date, Role::Period], &[Role::Units]]
    }
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 15] = [
        Role::Sku,
        Role::Barcode,
        Role::Name,
        Role::Date,
        Role::Period,
        Role::Year,
        Role::Units,
        Role::Sales,
        Role::ShelfPrice,
        Role::PromoPrice,
        Role::Promo,
        Role::Ordered,
        Role::Delivered,
        Role::Returns,
        Role::Stores,
    ];

    /// The role's key in flags and mapping files (`shelf_price`).
    pub fn key(self) -> &'static str {
        match self {
            Role::Sku => "sku",
            Role::Barcode => "barcode",
            Role::Name => "name",
            Role::Date => "date",
            Role::Period => "period",
            Role::Year => "year",
            Role::Units => "units",
            Role::Sales => "sales",
            Role::ShelfPrice => "shelf_price",
            Role::PromoPrice => "promo_price",
            Role::Promo => "promo",
            Role::Ordered => "ordered",
            Role::Delivered => "delivered",
            Role::Returns => "returns",
            Role::Stores => "stores",
        }
    }

    /// The role of a key.
    pub fn parse(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key.trim())
    }

    /// The headers recognised for the role (compared after [`normalise`]).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Role::Sku => &[
                "商品编码",
                "商品代码",
                "商品编号",
                "货号",
                "供应商货号",
                "单品编码",
                "物料编码",
                "sku",
                "skucode",
                "sku编码",
                "itemcode",
                "item",
                "itemno",
                "productcode",
                "article",
            ],
            Role::Barcode => &["条码", "条形码", "商品条码", "国际条码", "barcode", "ean", "upc", "gtin"],
            Role::Name => &["商品名称", "品名", "名称", "name", "productname", "itemname", "description"],
            Role::Date => {
                &["日期", "销售日期", "业务日期", "周开始日期", "开始日期", "date", "salesdate", "weekstart", "day"]
            }
            Role::Period => {
                &["周", "周次", "销售周", "月", "月份", "年月", "期间", "week", "month", "period", "yearweek"]
            }
            Role::Year => &["年", "年份", "year"],
            Role::Units => &[
                "销量",
                "销售数量",
                "销售量",
                "数量",
                "销售件数",
                "units",
                "unitssold",
                "qty",
                "quantity",
                "salesqty",
                "salesunits",
            ],
            Role::Sales => &[
                "销售额",
                "销售金额",
                "含税销售额",
                "含税销售金额",
                "销售收入",
                "金额",
                "sales",
                "salesvalue",
                "revenue",
                "salesamount",
                "amount",
            ],
            Role::ShelfPrice => {
                &["售价", "零售价", "正常售价", "原价", "标价", "shelfprice", "regularprice", "retailprice", "price"]
            }
            Role::PromoPrice => &["促销价", "促销售价", "活动价", "promoprice", "promotionalprice", "promotionprice"],
            Role::Promo => &[
                "促销",
                "促销类型",
                "促销档期",
                "档期",
                "档期类型",
                "陈列",
                "促销标识",
                "promo",
                "promotion",
                "promoflag",
                "slot",
                "promotype",
            ],
            Role::Ordered => {
                &["订货量", "订货数量", "订单数量", "采购数量", "ordered", "unitsordered", "orderqty", "poqty"]
            }
            Role::Delivered => &[
                "到货量",
                "到货数量",
                "实收数量",
                "送货数量",
                "收货数量",
                "delivered",
                "unitsdelivered",
                "received",
                "receivedqty",
            ],
            Role::Returns => &["退货", "退货量", "退货数量", "returns", "returned", "returnqty", "unitsreturned"],
            Role::Stores => &["门店数", "店数", "销售门店数", "有销售门店数", "stores", "storecount", "numberofstores"],
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// A header as compared: lower case, without spaces, `_`, `-`, and without a trailing unit in
/// brackets (`销售金额（元）` → `销售金额`).
pub fn normalise(header: &str) -> String {
    let mut h = header.trim().to_lowercase();
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if h.ends_with(close)
            && let Some(i) = h.rfind(open)
            && i > 0
        {
            h.truncate(i);
        }
    }
    h.chars().filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.' | '/')).collect()
}

/// Columns named explicitly for roles (of the sales history by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping<R: Roles = Role> {
    columns: BTreeMap<R, String>,
}

impl<R: Roles> Default for Mapping<R> {
    fn default() -> Self {
        Mapping { columns: BTreeMap::new() }
    }
}

/// The columns of one file: the 0-based column index of each role present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns<R: Roles = Role> {
    index: BTreeMap<R, usize>,
    /// Headers that play no role.
    pub ignored: Vec<String>,
}

impl<R: Roles> Columns<R> {
    /// The 0-based column of a role.
    pub fn get(&self, role: R) -> Option<usize> {
        self.index.get(&role).copied()
    }

    /// Each role present with its 0-based column.
    pub fn roles(&self) -> impl Iterator<Item = (R, usize)> + '_ {
        self.index.iter().map(|(r, i)| (*r, *i))
    }

    /// A row's cell for a role, with its location for an error (`None` when the file has no
    /// column for the role).
    pub fn cell<'r>(
        &self,
        table: &crate::table::RawTable,
        row: &'r crate::table::Row,
        role: R,
    ) -> Option<(&'r str, crate::error::Cell)> {
        let i = self.get(role)?;
        let text = row.cells.get(i).map_or("", String::as_str);
        Some((
            text,
            crate::error::Cell {
                row: row.number,
                column: i + 1,
                header: table.headers.get(i).cloned().unwrap_or_default(),
            },
        ))
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    columns: BTreeMap<String, String>,
}

/// Levenshtein distance over characters (for "closest first").
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Mapping {
    /// An empty mapping of the sales history's roles: every column is recognised from its
    /// header.
    pub fn new() -> Mapping {
        Mapping::default()
    }
}

impl<R: Roles> Mapping<R> {
    /// An empty mapping of any role set.
    pub fn empty() -> Mapping<R> {
        Mapping::default()
    }

    /// Names the column for a role (a later call for the same role replaces it).
    pub fn set(&mut self, role: R, header: impl Into<String>) {
        self.columns.insert(role, header.into());
    }

    /// The header named for a role.
    pub fn get(&self, role: R) -> Option<&str> {
        self.columns.get(&role).map(String::as_str)
    }

    /// Adds a `role=Header` flag (`--column units=销售数量`).
    ///
    /// # Errors
    ///
    /// [`Error::Mapping`] when the flag has no `=`, names an unknown role, or no header.
    pub fn add_flag(&mut self, flag: &str) -> Result<(), Error> {
        let bad = |m: String| Error::Mapping { origin: format!("--column {flag}"), message: m };
        let Some((role, header)) = flag.split_once('=') else {
            return Err(bad("expected role=Header, e.g. units=销售数量".into()));
        };
        let role = R::parse(role).ok_or_else(|| bad(unknown_role::<R>(role)))?;
        if header.trim().is_empty() {
            return Err(bad("no header after `=`".into()));
        }
        self.set(role, header.trim());
        Ok(())
    }

    /// Reads a mapping file (a `[columns]` table of `role = "Header"`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; [`Error::Mapping`] located at
    /// `file:line:col` for a TOML error, an unknown key or role.
    pub fn from_file(path: &Path) -> Result<Mapping<R>, Error> {
        // A mapping is a few lines: a large file is not one (and is not read whole).
        const MAX_MAPPING_BYTES: u64 = 1 << 20;
        let io = |e: std::io::Error| Error::Io { file: path.to_path_buf(), message: e.to_string() };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(Error::Io { file: path.to_path_buf(), message: "not a regular file".into() });
        }
        if meta.len() > MAX_MAPPING_BYTES {
            return Err(Error::TooLarge { file: path.to_path_buf(), size: meta.len(), limit: MAX_MAPPING_BYTES });
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Io { file: path.to_path_buf(), message: e.to_string() })?;
        Mapping::<R>::from_toml(&text, path)
    }

    /// Reads a mapping from TOML text; `file` names it in errors.
    ///
    /// # Errors
    ///
    /// As [`Mapping::from_file`].
    pub fn from_toml(text: &str, file: &Path) -> Result<Mapping<R>, Error> {
        let at = |offset: usize| {
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{}:{line}:{col}", file.display())
        };
        let parsed: MappingFile = toml::from_str(text).map_err(|e| Error::Mapping {
            origin: at(e.span().map_or(0, |s| s.start)),
            message: e.message().to_string(),
        })?;
        let mut m = Mapping::<R>::empty();
        for (key, header) in parsed.columns {
            let offset = text.find(&key).unwrap_or(0);
            let role = R::parse(&key)
                .ok_or_else(|| Error::Mapping { origin: at(offset), message: unknown_role::<R>(&key) })?;
            m.set(role, header);
        }
        Ok(m)
    }

    /// Resolves the headers of one file to roles.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownHeader`], [`Error::AmbiguousColumn`] and [`Error::MissingColumn`], as
    /// the module says; [`Error::Mapping`] when the mapping gives one column two roles.
    pub fn resolve(&self, file: &Path, headers: &[String]) -> Result<Columns<R>, Error> {
        let mut index: BTreeMap<R, usize> = BTreeMap::new();
        let mut taken = vec![false; headers.len()];
        for (role, want) in &self.columns {
            let exact = headers.iter().position(|h| h.trim() == want.trim());
            let found = exact.or_else(|| {
                let n = normalise(want);
                let hits: Vec<usize> = (0..headers.len()).filter(|&i| normalise(&headers[i]) == n).collect();
                (hits.len() == 1).then(|| hits[0])
            });
            let Some(i) = found else {
                let mut candidates: Vec<String> = headers.to_vec();
                candidates.sort_by_key(|h| distance(&normalise(h), &normalise(want)));
                return Err(Error::UnknownHeader {
                    file: file.to_path_buf(),
                    role: role.key(),
                    header: want.clone(),
                    candidates,
                });
            };
            // One column, one role: `--column units=销量 --column sales=销量` is a mistake.
            if let Some((other, _)) = index.iter().find(|&(_, &j)| j == i) {
                return Err(Error::Mapping {
                    origin: file.display().to_string(),
                    message: format!(
                        "column {} `{}` is given two roles, {} and {}: a column has one role",
                        crate::error::column_letter(i + 1),
                        headers[i],
                        other.key(),
                        role.key()
                    ),
                });
            }
            index.insert(*role, i);
            taken[i] = true;
        }
        for &role in R::all() {
            if index.contains_key(&role) {
                continue;
            }
            let aliases: Vec<String> = role.aliases().iter().map(|a| normalise(a)).collect();
            let hits: Vec<usize> =
                (0..headers.len()).filter(|&i| !taken[i] && aliases.contains(&normalise(&headers[i]))).collect();
            match hits.as_slice() {
                [] => {}
                [i] => {
                    index.insert(role, *i);
                    taken[*i] = true;
                }
                many => {
                    return Err(Error::AmbiguousColumn {
                        file: file.to_path_buf(),
                        role: role.key(),
                        candidates: many.iter().map(|&i| headers[i].clone()).collect(),
                    });
                }
            }
        }
        for group in R::required() {
            if !group.iter().any(|r| index.contains_key(r)) {
                return Err(Error::MissingColumn {
                    file: file.to_path_buf(),
                    role: group.first().map_or("", |r| r.key()),
                    names: group
                        .iter()
                        .flat_map(|r| r.aliases().iter().take(4))
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                    headers: headers.to_vec(),
                });
            }
        }
        let ignored =
            (0..headers.len()).filter(|&i| !taken[i] && !headers[i].is_empty()).map(|i| headers[i].clone()).collect();
        Ok(Columns { index, ignored })
    }
}

fn unknown_role<R: Roles>(role: &str) -> String {
    let keys: Vec<&str> = R::all().iter().map(|r| r.key()).collect();
    format!("unknown column role `{}`; the roles are: {}", role.trim(), keys.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognises_chinese_and_english_headers() {
        type Case<'a> = (&'a [&'a str], &'a [(Role, usize)]);
        let cases: &[Case<'_>] = &[
            (
                &[
                    "商品编码",
                    "商品名称",
                    "日期",
                    "销售数量",
                    "销售金额(元)",
                    "促销价",
                    "订货量",
                    "到货量",
                    "退货数量",
                    "门店数",
                ],
                &[
                    (Role::Sku, 0),
                    (Role::Name, 1),
                    (Role::Date, 2),
                    (Role::Units, 3),
                    (Role::Sales, 4),
                    (Role::PromoPrice, 5),
                    (Role::Ordered, 6),
                    (Role::Delivered, 7),
                    (Role::Returns, 8),
                    (Role::Stores, 9),
                ],
            ),
            (
                &["Item Code", "Week", "Units Sold", "Shelf Price", "Promo"],
                &[(Role::Sku, 0), (Role::Period, 1), (Role::Units, 2), (Role::ShelfPrice, 3), (Role::Promo, 4)],
            ),
            (
                &["条码", "月份", "销量", "售价"],
                &[(Role::Barcode, 0), (Role::Period, 1), (Role::Units, 2), (Role::ShelfPrice, 3)],
            ),
        ];
        for (headers, want) in cases {
            let c = Mapping::new().resolve(Path::new("f.csv"), &h(headers)).unwrap();
            assert_eq!(c.roles().collect::<Vec<_>>(), want.to_vec(), "{headers:?}");
        }
    }

    #[test]
    fn ambiguity_missing_columns_and_overrides() {
        let f = Path::new("f.csv");
        let e = Mapping::new().resolve(f, &h(&["sku", "date", "销量", "销售数量"])).unwrap_err();
        assert!(
            matches!(&e, Error::AmbiguousColumn { role: "units", candidates, .. } if candidates == &["销量", "销售数量"]),
            "{e}"
        );
        let mut m = Mapping::new();
        m.add_flag("units=销售数量").unwrap();
        let c = m.resolve(f, &h(&["sku", "date", "销量", "销售数量"])).unwrap();
        assert_eq!(c.get(Role::Units), Some(3));
        assert_eq!(c.ignored, ["销量"]);
        let e = Mapping::new().resolve(f, &h(&["date", "units"])).unwrap_err();
        assert!(matches!(e, Error::MissingColumn { role: "sku", .. }));
        let mut m = Mapping::new();
        m.add_flag("units=Sold").unwrap();
        let e = m.resolve(f, &h(&["sku", "date", "Solds", "x"])).unwrap_err();
        assert!(matches!(&e, Error::UnknownHeader { candidates, .. } if candidates[0] == "Solds"), "{e}");
        assert!(Mapping::new().add_flag("unit=x").is_err());
        assert!(Mapping::new().add_flag("units").is_err());
    }

    /// A deduction statement (对账单) importer's own roles reuse the mapping.
    #[test]
    fn another_role_set() {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        enum Ded {
            Date,
            FeeType,
            Amount,
        }
        impl Roles for Ded {
            fn all() -> &'static [Ded] {
                &[Ded::Date, Ded::FeeType, Ded::Amount]
            }
            fn key(self) -> &'static str {
                ["date", "fee_type", "amount"][self as usize]
            }
            fn aliases(self) -> &'static [&'static str] {
                [&["扣款日期", "date"][..], &["费用类型", "feetype"][..], &["扣款金额", "amount"][..]][self as usize]
            }
            fn required() -> &'static [&'static [Ded]] {
                &[&[Ded::Date], &[Ded::Amount]]
            }
        }
        let c = Mapping::<Ded>::empty()
            .resolve(Path::new("d.csv"), &h(&["扣款日期", "费用类型", "扣款金额(元)", "备注"]))
            .unwrap();
        assert_eq!(c.roles().collect::<Vec<_>>(), [(Ded::Date, 0), (Ded::FeeType, 1), (Ded::Amount, 2)]);
        assert_eq!(c.ignored, ["备注"]);
        let e = Mapping::<Ded>::empty().resolve(Path::new("d.csv"), &h(&["扣款日期", "费用类型"])).unwrap_err();
        assert!(matches!(e, Error::MissingColumn { role: "amount", .. }));
        let mut m = Mapping::<Ded>::empty();
        assert!(m.add_flag("units=x").is_err());
        m.add_flag("amount=金额").unwrap();
    }

    #[test]
    fn mapping_file_is_located() {
        let m = Mapping::<Role>::from_toml("[columns]\nsku = \"货号\"\n", Path::new("m.toml")).unwrap();
        assert_eq!(m.get(Role::Sku), Some("货号"));
        let e =
            Mapping::<Role>::from_toml("[columns]\nsku = \"货号\"\nunit = \"x\"\n", Path::new("m.toml")).unwrap_err();
        assert!(e.to_string().starts_with("m.toml:3:1: unknown column role `unit`"), "{e}");
        let e = Mapping::<Role>::from_toml("[columns]\nsku = 3\n", Path::new("m.toml")).unwrap_err();
        assert!(e.to_string().starts_with("m.toml:2:"), "{e}");
    }
}
