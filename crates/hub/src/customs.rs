//! The first customs stage: is the parcel eligible for an H7 declaration? Value at or under
//! EUR 150 after conversion, and the H7 data elements present and usable. Anything else is held.
//! The full engine (duties, VAT, IOSS register, risk rules, screening) is a later stage.

use hangar_model::{Currency, CustomsReason, IossField, Money, Parcel};

/// H7 ceiling: intrinsic value of EUR 150, in cents.
pub const H7_MAX_EUR_CENTS: i64 = 15_000;

/// Exchange rates to the euro, dated. Rates are units of the currency per euro, in millionths.
#[derive(Clone, Debug)]
pub struct EurRates {
    /// Date the rates apply from (`YYYY-MM-DD`).
    pub valid_from: &'static str,
    rates_micro: [(Currency, i64); 5],
}

impl EurRates {
    /// Hangar's built-in table (illustrative reference rates; a hub loads the official ones).
    pub fn builtin() -> EurRates {
        EurRates {
            valid_from: "2026-11-01",
            rates_micro: [
                (Currency::EUR, 1_000_000),
                (Currency::USD, 1_080_000),
                (Currency::CNY, 7_800_000),
                (Currency::HKD, 8_450_000),
                (Currency::GBP, 850_000),
            ],
        }
    }

    /// `m` in euro cents, rounded down.
    pub fn to_eur_cents(&self, m: Money) -> i64 {
        let per_eur = self
            .rates_micro
            .iter()
            .find(|(c, _)| *c == m.currency)
            .map_or(1_000_000, |(_, r)| *r);
        m.cents * 1_000_000 / per_eur
    }
}

/// Descriptions too vague for an H7 (ICS2 and H7 need a precise description of the goods).
const VAGUE: [&str; 9] = [
    "gift",
    "gifts",
    "goods",
    "sample",
    "samples",
    "parts",
    "accessories",
    "other",
    "stuff",
];

/// The first stage's decision for one parcel: `Ok(())` to release, or the reasons to hold.
pub fn first_stage(p: &Parcel, rates: &EurRates) -> Result<(), Vec<CustomsReason>> {
    let mut reasons = Vec::new();
    let eur = rates.to_eur_cents(p.value());
    if eur > H7_MAX_EUR_CENTS {
        reasons.push(CustomsReason::OverH7Threshold {
            value_eur_cents: eur,
        });
    }
    if matches!(p.ioss, IossField::Malformed(_)) {
        reasons.push(CustomsReason::MalformedIoss);
    }
    if p.items
        .iter()
        .any(|i| VAGUE.contains(&i.description.trim().to_ascii_lowercase().as_str()))
    {
        reasons.push(CustomsReason::MissingElement {
            element: "precise goods description".into(),
        });
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_rounds_down() {
        let r = EurRates::builtin();
        assert_eq!(r.to_eur_cents(Money::new(16_200, Currency::USD)), 15_000);
        assert_eq!(r.to_eur_cents(Money::new(16_201, Currency::USD)), 15_000);
        assert_eq!(r.to_eur_cents(Money::new(16_202, Currency::USD)), 15_001);
        assert_eq!(r.to_eur_cents(Money::new(15_000, Currency::EUR)), 15_000);
    }
}
