//! Calendar dates without a date library: days since 1970-01-01 (proleptic Gregorian), the
//! formats retailer exports write, and ISO weeks.

/// A calendar date, as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
    era * 146_097 + doe - 719_468
}

/// True in a leap year.
pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in a month.
pub fn month_days(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// The date of year, month (1–12) and day, if it exists (years 1900–2200).
    pub fn new(y: i32, m: u32, d: u32) -> Option<Date> {
        ((1900..=2200).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= month_days(y, m))
            .then(|| Date(days_from_civil(y, m, d)))
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i32) -> Date {
        Date(days)
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i32::from(m <= 2);
        (y, m, d)
    }

    /// Day of the year, 1-based.
    pub fn ordinal(self) -> u32 {
        let (y, _, _) = self.ymd();
        (self.0 - days_from_civil(y, 1, 1) + 1) as u32
    }

    /// Monday = 0 … Sunday = 6.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        (self.0 + 3).rem_euclid(7) as u32
    }

    /// The Monday of ISO week `w` of ISO year `y`.
    pub fn iso_week(y: i32, w: u32) -> Option<Date> {
        let jan4 = Date::new(y, 1, 4)?;
        let weeks = if Date::new(y, 12, 28)?.iso_week_number().1 == 53 { 53 } else { 52 };
        if !(1..=weeks).contains(&w) {
            return None;
        }
        Some(Date(jan4.0 - jan4.weekday() as i32 + 7 * (w as i32 - 1)))
    }

    /// ISO (year, week) of the date.
    pub fn iso_week_number(self) -> (i32, u32) {
        let thursday = Date(self.0 - self.weekday() as i32 + 3);
        let (y, _, _) = thursday.ymd();
        (y, (thursday.ordinal() - 1) / 7 + 1)
    }

    /// Parses a date as exports write it: `2025-03-07`, `2025/3/7`, `2025.03.07`,
    /// `20250307`, `2025年3月7日`, optionally followed by a time (`2025-03-07 00:00:00`).
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let s = s.split(['T', ' ']).next().unwrap_or(s);
        if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
            let y = s[..4].parse().ok()?;
            return Date::new(y, s[4..6].parse().ok()?, s[6..].parse().ok()?);
        }
        let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月', '日']).filter(|p| !p.is_empty()).collect();
        if parts.len() != 3 || !parts.iter().all(|p| p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        if parts[0].len() != 4 {
            return None;
        }
        Date::new(parts[0].parse().ok()?, parts[1].parse().ok()?, parts[2].parse().ok()?)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_formats() {
        for days in -25_000..80_000 {
            let d = Date(days);
            let (y, m, dd) = d.ymd();
            assert_eq!(Date::new(y, m, dd), Some(d));
        }
        let d = Date::new(2025, 3, 7).unwrap();
        for s in ["2025-03-07", "2025/3/7", "2025.03.07", "20250307", "2025年3月7日", "2025-03-07 00:00:00"] {
            assert_eq!(Date::parse(s), Some(d), "{s}");
        }
        for s in ["2025-02-30", "07/03/2025", "2025-13-01", "x", "", "2025-03"] {
            assert_eq!(Date::parse(s), None, "{s}");
        }
        assert_eq!(d.to_string(), "2025-03-07");
        assert_eq!(d.weekday(), 4); // a Friday
        assert_eq!(Date::new(2024, 12, 31).unwrap().ordinal(), 366);
    }

    #[test]
    fn iso_weeks() {
        assert_eq!(Date::iso_week(2025, 1), Date::new(2024, 12, 30));
        assert_eq!(Date::iso_week(2026, 53), Date::new(2026, 12, 28));
        assert_eq!(Date::iso_week(2025, 53), None);
        assert_eq!(Date::new(2021, 1, 3).unwrap().iso_week_number(), (2020, 53));
    }
}
