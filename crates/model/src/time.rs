//! UTC timestamps in milliseconds and civil dates, with RFC 3339 text forms. No time zones:
//! Hangar records everything in UTC.

use crate::Invalid;
use std::fmt;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// A calendar date (UTC), years 1970 to 9999.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    days: i32,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const EXPECTED: &str = "a date as YYYY-MM-DD (e.g. 2026-11-22)";
        let b = s.trim().as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(Invalid::new(EXPECTED, s));
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |a, &c| {
                c.is_ascii_digit().then(|| a * 10 + u32::from(c - b'0'))
            })
        };
        let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
            return Err(Invalid::new(EXPECTED, s));
        };
        if !(1970..=9999).contains(&y)
            || !(1..=12).contains(&m)
            || d == 0
            || d > days_in_month(i64::from(y), m)
        {
            return Err(Invalid::new(EXPECTED, s));
        }
        Ok(Date {
            days: days_from_civil(i64::from(y), m, d) as i32,
        })
    }

    /// The date `n` days later (or earlier, for negative `n`).
    pub fn add_days(self, n: i32) -> Date {
        Date {
            days: self.days + n,
        }
    }

    /// Midnight UTC at the start of this date.
    pub fn midnight(self) -> Timestamp {
        Timestamp(i64::from(self.days) * 86_400_000)
    }

    /// `hh:mm` UTC on this date.
    pub fn at(self, hour: u32, minute: u32) -> Timestamp {
        assert!(hour < 24 && minute < 60);
        self.midnight()
            .plus_ms(i64::from(hour * 3600 + minute * 60) * 1000)
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(i64::from(self.days))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}
impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Date::parse(&s).map_err(serde::de::Error::custom)
    }
}
impl std::str::FromStr for Date {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Date::parse(s)
    }
}

impl std::str::FromStr for Timestamp {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Timestamp::parse(s)
    }
}

/// An instant in UTC, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds since the Unix epoch.
    pub fn unix_ms(self) -> i64 {
        self.0
    }

    /// This instant plus `ms` milliseconds.
    pub fn plus_ms(self, ms: i64) -> Timestamp {
        Timestamp(self.0 + ms)
    }

    /// This instant plus `minutes`.
    pub fn plus_min(self, minutes: i64) -> Timestamp {
        self.plus_ms(minutes * 60_000)
    }

    /// The UTC date of this instant.
    pub fn date(self) -> Date {
        Date {
            days: self.0.div_euclid(86_400_000) as i32,
        }
    }

    /// Parses RFC 3339 in UTC: `YYYY-MM-DDTHH:MM[:SS[.mmm]]Z` (a space may replace the `T`).
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const EXPECTED: &str = "a UTC time like 2026-11-22T08:15:00Z";
        let t = s.trim();
        let t = t
            .strip_suffix('Z')
            .or_else(|| t.strip_suffix('z'))
            .ok_or_else(|| Invalid::new(EXPECTED, s))?;
        if t.len() < 16 || !matches!(t.as_bytes()[10], b'T' | b't' | b' ') {
            return Err(Invalid::new(EXPECTED, s));
        }
        let date = Date::parse(&t[..10]).map_err(|_| Invalid::new(EXPECTED, s))?;
        let clock = &t[11..];
        let parts: Vec<&str> = clock.splitn(3, ':').collect();
        let two = |p: &str, max: u32| -> Option<u32> {
            (p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
                .filter(|v| *v <= max)
        };
        let (Some(h), Some(m)) = (two(parts[0], 23), parts.get(1).and_then(|p| two(p, 59))) else {
            return Err(Invalid::new(EXPECTED, s));
        };
        let mut ms = i64::from(h * 3600 + m * 60) * 1000;
        if let Some(sec) = parts.get(2) {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let secs = two(whole, 60).ok_or_else(|| Invalid::new(EXPECTED, s))?;
            if frac.len() > 3 || !frac.bytes().all(|c| c.is_ascii_digit()) {
                return Err(Invalid::new(EXPECTED, s));
            }
            let frac_ms = if frac.is_empty() {
                0
            } else {
                frac.parse::<i64>().unwrap() * 10i64.pow(3 - frac.len() as u32)
            };
            ms += i64::from(secs) * 1000 + frac_ms;
        }
        Ok(date.midnight().plus_ms(ms))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self.date();
        let ms_of_day = self.0 - date.midnight().0;
        let (h, rem) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
        let (m, rem) = (rem / 60_000, rem % 60_000);
        let (sec, ms) = (rem / 1000, rem % 1000);
        if ms == 0 {
            write!(f, "{date}T{h:02}:{m:02}:{sec:02}Z")
        } else {
            write!(f, "{date}T{h:02}:{m:02}:{sec:02}.{ms:03}Z")
        }
    }
}
impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_and_times() {
        let d = Date::parse("2026-11-22").unwrap();
        assert_eq!(d.to_string(), "2026-11-22");
        assert_eq!(d.midnight().0, 1_795_305_600_000);
        assert_eq!(d.at(8, 15).to_string(), "2026-11-22T08:15:00Z");
        assert!(Date::parse("2026-02-29").is_err());
        assert!(Date::parse("2028-02-29").is_ok());
        assert!(Date::parse("2026-13-01").is_err());
        assert_eq!(
            Timestamp::parse("2026-11-22T08:15:00Z").unwrap(),
            d.at(8, 15)
        );
        assert_eq!(Timestamp::parse("2026-11-22 08:15Z").unwrap(), d.at(8, 15));
        assert_eq!(
            Timestamp::parse("2026-11-22T08:15:00.25Z").unwrap(),
            d.at(8, 15).plus_ms(250)
        );
        assert!(Timestamp::parse("2026-11-22T08:15:00+01:00").is_err());
        assert!(Timestamp::parse("2026-11-22T24:00Z").is_err());
    }

    proptest! {
        #[test]
        fn timestamp_round_trips(ms in 0i64..250_000_000_000_000) {
            let t = Timestamp(ms);
            prop_assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
        }
    }
}
