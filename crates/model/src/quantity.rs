//! Money in integer cents with its currency, and weight in grams. No floating point.

use crate::Invalid;
use std::fmt;

/// Currencies seen on e-commerce manifests into the EU.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize, serde::Deserialize,
)]
pub enum Currency {
    /// Euro.
    EUR,
    /// US dollar.
    USD,
    /// Chinese yuan renminbi.
    CNY,
    /// Hong Kong dollar.
    HKD,
    /// Pound sterling.
    GBP,
}

impl Currency {
    /// Every supported currency.
    pub const ALL: [Currency; 5] = [
        Currency::EUR,
        Currency::USD,
        Currency::CNY,
        Currency::HKD,
        Currency::GBP,
    ];

    /// ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::EUR => "EUR",
            Currency::USD => "USD",
            Currency::CNY => "CNY",
            Currency::HKD => "HKD",
            Currency::GBP => "GBP",
        }
    }

    /// Parses an ISO 4217 code among the supported ones.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = s.trim();
        Currency::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(t))
            .ok_or_else(|| Invalid::new("a currency code: EUR, USD, CNY, HKD or GBP", s))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Parses a non-negative decimal with at most `places` fraction digits into an integer scaled by
/// 10^places, without floating point. Returns `None` when the text is not such a number or
/// overflows `max`.
fn parse_fixed(s: &str, places: u32, max: u64) -> Option<u64> {
    let t = s.trim().as_bytes();
    if t.is_empty() {
        return None;
    }
    let (int, frac) = match t.iter().position(|&c| c == b'.') {
        Some(dot) => (&t[..dot], &t[dot + 1..]),
        None => (t, &t[t.len()..]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if int.len() > 15 || frac.len() > places as usize {
        return None;
    }
    let mut v: u64 = 0;
    for &c in int {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    for i in 0..places as usize {
        let d = match frac.get(i) {
            Some(c) if c.is_ascii_digit() => u64::from(c - b'0'),
            Some(_) => return None,
            None => 0,
        };
        v = v.checked_mul(10)?.checked_add(d)?;
    }
    (v <= max).then_some(v)
}

/// An amount of money in integer cents of a currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct Money {
    /// Amount in cents (hundredths of the currency unit); never negative on a manifest.
    pub cents: i64,
    /// Currency of the amount.
    pub currency: Currency,
}

/// Largest amount Hangar accepts for one manifest value: 10 million units.
pub const MAX_MONEY_CENTS: i64 = 1_000_000_000;

impl Money {
    /// An amount of `cents` in `currency`.
    pub const fn new(cents: i64, currency: Currency) -> Self {
        Money { cents, currency }
    }

    /// Parses a decimal amount like `12.5` or `12.50` (at most 2 decimals, not negative).
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, Invalid> {
        parse_fixed(amount, 2, MAX_MONEY_CENTS as u64)
            .map(|cents| Money {
                cents: cents as i64,
                currency,
            })
            .ok_or_else(|| {
                Invalid::new(
                    "an amount like 12.50 (at most 2 decimals, 0 to 10,000,000)",
                    amount,
                )
            })
    }

    /// Sum of two amounts in the same currency; `None` if the currencies differ.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then(|| Money {
            cents: self.cents + other.cents,
            currency: self.currency,
        })
    }

    /// The amount as a decimal string without currency (`12.50`).
    pub fn amount(&self) -> String {
        let sign = if self.cents < 0 { "-" } else { "" };
        let c = self.cents.unsigned_abs();
        format!("{sign}{}.{:02}", c / 100, c % 100)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount(), self.currency)
    }
}

/// A weight in grams.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Debug,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Grams(pub u32);

/// Heaviest single manifest line Hangar accepts: 1,000 kg.
pub const MAX_LINE_GRAMS: u32 = 1_000_000;

impl Grams {
    /// Parses a weight in kilograms with at most 3 decimals (`0.45` = 450 g); zero is refused.
    pub fn parse_kg(s: &str) -> Result<Self, Invalid> {
        match parse_fixed(s, 3, u64::from(MAX_LINE_GRAMS)) {
            Some(g) if g > 0 => Ok(Grams(g as u32)),
            _ => Err(Invalid::new(
                "a weight in kg like 0.450 (more than 0, at most 1000, at most 3 decimals)",
                s,
            )),
        }
    }

    /// The weight in kilograms as text with 3 decimals.
    pub fn kg(&self) -> String {
        format!("{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn money_parsing() {
        assert_eq!(Money::parse("12.5", Currency::EUR).unwrap().cents, 1250);
        assert_eq!(Money::parse("12.05", Currency::EUR).unwrap().cents, 1205);
        assert_eq!(Money::parse("12", Currency::EUR).unwrap().cents, 1200);
        assert_eq!(Money::parse(".5", Currency::EUR).unwrap().cents, 50);
        assert!(Money::parse("12.345", Currency::EUR).is_err());
        assert!(Money::parse("-1", Currency::EUR).is_err());
        assert!(Money::parse("1e3", Currency::EUR).is_err());
        assert!(Money::parse("", Currency::EUR).is_err());
        assert!(Money::parse(".", Currency::EUR).is_err());
        assert!(Money::parse("99999999999", Currency::EUR).is_err());
        assert_eq!(Money::new(1205, Currency::USD).to_string(), "12.05 USD");
        assert!(
            Money::new(1, Currency::USD)
                .checked_add(Money::new(1, Currency::EUR))
                .is_none()
        );
    }

    #[test]
    fn grams_parsing() {
        assert_eq!(Grams::parse_kg("0.45").unwrap(), Grams(450));
        assert_eq!(Grams::parse_kg("2").unwrap(), Grams(2000));
        assert!(Grams::parse_kg("0").is_err());
        assert!(Grams::parse_kg("0.0004").is_err());
        assert!(Grams::parse_kg("1000.001").is_err());
        assert_eq!(Grams(1234).kg(), "1.234");
    }

    proptest! {
        #[test]
        fn money_round_trips(cents in 0i64..MAX_MONEY_CENTS) {
            let m = Money::new(cents, Currency::CNY);
            prop_assert_eq!(Money::parse(&m.amount(), Currency::CNY).unwrap(), m);
        }

        #[test]
        fn grams_round_trip(g in 1u32..=MAX_LINE_GRAMS) {
            prop_assert_eq!(Grams::parse_kg(&Grams(g).kg()).unwrap(), Grams(g));
        }
    }
}
