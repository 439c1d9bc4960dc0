//! Exact money and rates, and the contract's rounding policy.
//!
//! Every amount a user sees is a [`rust_decimal::Decimal`]. In contract files money and rates
//! are written as strings (`"1250000.00"`, `"15%"`, `"0.15"`) or integers (`1_250_000`);
//! a TOML float such as `0.15` is rejected, because a binary float cannot hold most decimal
//! fractions exactly and the contract would silently say something else than what was signed.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// The largest money amount accepted in a contract or outcome (one trillion).
///
/// Bounding inputs is what makes settlement panic-free: every product of a bounded amount,
/// rate and unit count stays far inside `Decimal`'s 96-bit mantissa.
pub const MAX_MONEY: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 1e12
/// The largest rate accepted (10000%, i.e. 100 as a fraction): markups and uplifts fit easily.
pub const MAX_RATE: Decimal = Decimal::from_parts(100, 0, 0, false, 0);
/// Most decimal places accepted in a money amount or a rate written in a file.
pub const MAX_DECIMALS: u32 = 10;

/// An exact money amount in the contract currency, e.g. `"1500.00"` or `200000`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub Decimal);

/// An exact rate or ratio, written as a fraction (`"0.15"`) or a percentage (`"15%"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(pub Decimal);

/// An exact non-money quantity, e.g. units per store per period: `"8.5"` or `12`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(pub Decimal);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Money::deserialize(d).map(|m| Quantity(m.0))
    }
}
impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}
impl JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An exact quantity: a decimal string such as \"8.5\" or an integer. Floats are rejected.",
            "anyOf": [
                {"type": "string", "pattern": "^[+-]?[0-9][0-9_,]*(\\.[0-9]+)?$"},
                {"type": "integer"}
            ]
        })
    }
}

/// An exact number that may be written as a percentage: `"0.03"`, `"3%"`, `"1.5"` or `4`.
/// Used for distribution parameters, which can be shares, multipliers or counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Num(pub Decimal);

struct NumVisitor;
impl de::Visitor<'_> for NumVisitor {
    type Value = Num;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number as a string (\"1.5\", \"3%\") or an integer")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
        if v.trim().ends_with(['%', '％']) {
            parse_rate(v).map(Num).map_err(E::custom)
        } else {
            v.parse::<Money>().map(|m| Num(m.0)).map_err(E::custom)
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        check_money(Decimal::from(v)).map(Num).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        check_money(Decimal::from(v)).map(Num).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        Err(E::custom(format!("float {v} is not accepted: {FLOAT_HELP}")))
    }
}
impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}
impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.normalize().to_string())
    }
}
impl JsonSchema for Num {
    fn schema_name() -> Cow<'static, str> {
        "Num".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An exact number: a decimal string (\"1.5\"), a percentage (\"3%\") or an integer. Floats are rejected.",
            "anyOf": [
                {"type": "string", "pattern": "^[+-]?[0-9][0-9_,]*(\\.[0-9]+)?%?$"},
                {"type": "integer"}
            ]
        })
    }
}

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);
    /// The amount as a `Decimal`.
    pub fn get(self) -> Decimal {
        self.0
    }
}

impl Rate {
    /// Zero.
    pub const ZERO: Rate = Rate(Decimal::ZERO);
    /// One (100%).
    pub const ONE: Rate = Rate(Decimal::ONE);
    /// The rate as a fraction.
    pub fn get(self) -> Decimal {
        self.0
    }
}

impl From<Decimal> for Money {
    fn from(d: Decimal) -> Self {
        Money(d)
    }
}
impl From<Decimal> for Rate {
    fn from(d: Decimal) -> Self {
        Rate(d)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_percent(self.0))
    }
}

/// Formats a fraction as a percentage with no trailing zeros: `0.035` → `3.5%`.
pub fn format_percent(d: Decimal) -> String {
    let p = (d * Decimal::ONE_HUNDRED).normalize();
    format!("{p}%")
}

/// Formats an amount with thousands separators and exactly `dp` decimals: `1234567.5` →
/// `1,234,567.50`. Used by reports; JSON keeps plain decimal strings.
pub fn format_money(d: Decimal, dp: u32) -> String {
    let r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let s = format!("{:.*}", dp as usize, r.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let mut out = String::with_capacity(s.len() + s.len() / 3 + 1);
    let n = int.len();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(&f);
    }
    if r.is_sign_negative() && !r.is_zero() {
        out.insert(0, '-');
    }
    out
}

/// Parses the text of a decimal amount, rejecting exponents and more than
/// [`MAX_DECIMALS`] places. Underscores between digits are allowed (`1_500_000`).
///
/// # Errors
///
/// A message when the text is not a decimal number in range.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty string is not a number".into());
    }
    let cleaned: Cow<'_, str> =
        if t.contains('_') || t.contains(',') { Cow::Owned(t.replace(['_', ','], "")) } else { Cow::Borrowed(t) };
    if !cleaned.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))) {
        return Err(format!("`{t}` is not a decimal number"));
    }
    let d = Decimal::from_str(&cleaned).map_err(|e| format!("`{t}` is not a decimal number ({e})"))?;
    if d.scale() > MAX_DECIMALS {
        return Err(format!("`{t}` has more than {MAX_DECIMALS} decimal places"));
    }
    Ok(d)
}

fn check_money(d: Decimal) -> Result<Decimal, String> {
    if d.abs() > MAX_MONEY {
        return Err(format!("amount `{d}` is larger than the maximum of 1,000,000,000,000"));
    }
    Ok(d)
}

/// Parses a rate: `"15%"`, `"0.15"` or an integer.
///
/// # Errors
///
/// A message when the text is not a rate (`"3.5%"` or a decimal) in range.
pub fn parse_rate(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    // A full-width percent sign (％, as a Chinese input method types it) is a percent sign.
    let d = if let Some(p) = t.strip_suffix('%').or_else(|| t.strip_suffix('％')) {
        parse_decimal(p)? / Decimal::ONE_HUNDRED
    } else {
        parse_decimal(t)?
    };
    if d.abs() > MAX_RATE {
        return Err(format!("rate `{t}` is larger than the maximum of 100 (10000%)"));
    }
    Ok(d.normalize())
}

/// Parses a money amount: a decimal (`"1500000.00"`, `"1,500,000"`), optionally in 万 (10⁴)
/// or 亿 (10⁸), exactly: `"150万"` is 1,500,000 and `"1.2亿"` is 120,000,000.
///
/// # Errors
///
/// A message when the text is not an amount in range.
pub fn parse_money(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let (num, unit) = if let Some(n) = t.strip_suffix('万') {
        (n, Decimal::from(10_000))
    } else if let Some(n) = t.strip_suffix('亿') {
        (n, Decimal::from(100_000_000))
    } else {
        return parse_decimal(t).and_then(check_money);
    };
    let d = parse_decimal(num).map_err(|_| format!("`{t}` is not an amount (e.g. \"150万\" or \"1500000\")"))?;
    d.checked_mul(unit)
        .ok_or_else(|| format!("amount `{t}` is larger than the maximum of 1,000,000,000,000"))
        .and_then(check_money)
}

impl FromStr for Money {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_money(s).map(Money)
    }
}

impl FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_rate(s).map(Rate)
    }
}

const FLOAT_HELP: &str = "floats are not accepted for money or rates because binary floating point cannot hold \
     most decimal fractions exactly; write the value as a string, e.g. \"0.15\" or \"15%\"";

struct MoneyVisitor;
impl de::Visitor<'_> for MoneyVisitor {
    type Value = Money;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a money amount as a string (\"1500.00\") or an integer")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
        v.parse().map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        check_money(Decimal::from(v)).map(Money).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        check_money(Decimal::from(v)).map(Money).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
        Err(E::custom(format!("float {v} is not accepted: {FLOAT_HELP}")))
    }
}

struct RateVisitor;
impl de::Visitor<'_> for RateVisitor {
    type Value = Rate;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a rate as a string (\"15%\" or \"0.15\") or an integer")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Rate, E> {
        v.parse().map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rate, E> {
        parse_rate(&v.to_string()).map(Rate).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Rate, E> {
        parse_rate(&v.to_string()).map(Rate).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
        Err(E::custom(format!("float {v} is not accepted: {FLOAT_HELP}")))
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MoneyVisitor)
    }
}
impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RateVisitor)
    }
}
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}
impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.normalize().to_string())
    }
}

impl JsonSchema for Money {
    fn schema_name() -> Cow<'static, str> {
        "Money".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An exact money amount: a decimal string such as \"1500.00\" (or in 万/亿: \"150万\"), or an integer. Floats are rejected.",
            "anyOf": [
                {"type": "string", "pattern": "^[+-]?[0-9][0-9_,]*(\\.[0-9]+)?(万|亿)?$"},
                {"type": "integer"}
            ]
        })
    }
}
impl JsonSchema for Rate {
    fn schema_name() -> Cow<'static, str> {
        "Rate".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An exact rate: a fraction \"0.15\", a percentage \"15%\", or an integer. Floats are rejected.",
            "anyOf": [
                {"type": "string", "pattern": "^[+-]?[0-9][0-9_]*(\\.[0-9]+)?[%％]?$"},
                {"type": "integer"}
            ]
        })
    }
}

/// How an exact amount is rounded to the contract's decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half away from zero, 四舍五入: 2.345 → 2.35, −2.345 → −2.35. The default.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding): 2.345 → 2.34, 2.355 → 2.36.
    HalfEven,
    /// Half towards zero: 2.345 → 2.34.
    HalfDown,
    /// Away from zero (always up in magnitude): 2.341 → 2.35.
    Up,
    /// Towards zero (truncate): 2.349 → 2.34.
    Down,
}

impl RoundingMode {
    /// The `rust_decimal` strategy this mode maps to.
    pub fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
            RoundingMode::Down => RoundingStrategy::ToZero,
        }
    }
}

/// Where rounding happens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingPoint {
    /// Every ledger line is rounded on its own (the default, and what most retailer systems do).
    #[default]
    Line,
    /// Each rule's running total for the year is rounded, and a line is the difference between
    /// consecutive rounded running totals. Lines are still whole cents and add up, but the
    /// rule's annual total equals its exact annual amount rounded once.
    Rule,
}

/// The contract's rounding policy: mode, point and number of decimals (default: half-up to
/// the cent per ledger line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rounding {
    /// Rounding mode (default `half_up`, 四舍五入).
    #[serde(default)]
    pub mode: RoundingMode,
    /// Rounding point (default `line`).
    #[serde(default)]
    pub point: RoundingPoint,
    /// Decimal places of every ledger amount (default 2: the cent, 分). At most 4.
    #[serde(default = "default_decimals")]
    pub decimals: u32,
}

fn default_decimals() -> u32 {
    2
}

impl Default for Rounding {
    fn default() -> Self {
        Rounding { mode: RoundingMode::HalfUp, point: RoundingPoint::Line, decimals: 2 }
    }
}

impl Rounding {
    /// Rounds an amount with this policy's mode and decimals.
    ///
    /// ```
    /// use kasim_core::money::{Rounding, RoundingMode};
    /// use rust_decimal::Decimal;
    /// let r = Rounding::default();
    /// assert_eq!(r.round("2.345".parse::<Decimal>().unwrap()).to_string(), "2.35");
    /// let even = Rounding { mode: RoundingMode::HalfEven, ..Rounding::default() };
    /// assert_eq!(even.round("2.345".parse::<Decimal>().unwrap()).to_string(), "2.34");
    /// ```
    pub fn round(&self, d: Decimal) -> Decimal {
        let mut r = d.round_dp_with_strategy(self.decimals, self.mode.strategy());
        r.rescale(self.decimals);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 万 and 亿 are exact multipliers of money (and of distribution parameters); a
    /// full-width ％ is a percent sign for rates and parameters.
    #[test]
    fn chinese_units_and_full_width_percent() {
        for (text, want) in [("150万", "1500000"), ("1.5万", "15000.0"), ("2亿", "200000000"), (" 3万 ", "30000")] {
            assert_eq!(text.parse::<Money>().unwrap().0.to_string(), want, "{text}");
        }
        for bad in ["万", "1万万", "-万", "1e3万"] {
            assert!(bad.parse::<Money>().is_err(), "{bad}");
        }
        assert_eq!("15％".parse::<Rate>().unwrap().0.to_string(), "0.15");
        let n: Num = toml::from_str::<std::collections::BTreeMap<String, Num>>("x = \"20％\"").unwrap()["x"];
        assert_eq!(n.0.to_string(), "0.2");
    }

    #[test]
    fn parses_money_and_rates() {
        for (text, want) in [("1500", "1500"), ("1_500_000.00", "1500000.00"), ("-2.5", "-2.5")] {
            assert_eq!(text.parse::<Money>().unwrap().0.to_string(), want);
        }
        for (text, want) in [("15%", "0.15"), ("0.035", "0.035"), ("3.5%", "0.035"), ("1", "1")] {
            assert_eq!(text.parse::<Rate>().unwrap().0.to_string(), want);
        }
        for bad in ["", "abc", "1e5", "1.12345678901", "2000000000000"] {
            assert!(bad.parse::<Money>().is_err(), "{bad}");
        }
        assert!("101".parse::<Rate>().is_err());
    }

    #[test]
    fn formats_money() {
        for (d, want) in
            [("1234567.5", "1,234,567.50"), ("-1000", "-1,000.00"), ("0.004", "0.00"), ("999.995", "1,000.00")]
        {
            assert_eq!(format_money(d.parse().unwrap(), 2), want);
        }
    }

    #[test]
    fn rounding_modes_table() {
        let cases = [
            (RoundingMode::HalfUp, "2.345", "2.35"),
            (RoundingMode::HalfUp, "-2.345", "-2.35"),
            (RoundingMode::HalfEven, "2.345", "2.34"),
            (RoundingMode::HalfEven, "2.355", "2.36"),
            (RoundingMode::HalfDown, "2.345", "2.34"),
            (RoundingMode::Up, "2.341", "2.35"),
            (RoundingMode::Down, "2.349", "2.34"),
            (RoundingMode::HalfUp, "7", "7.00"),
        ];
        for (mode, x, want) in cases {
            let r = Rounding { mode, ..Rounding::default() };
            assert_eq!(r.round(x.parse().unwrap()).to_string(), want, "{mode:?} {x}");
        }
    }
}
