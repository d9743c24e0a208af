//! The rule book: dated, versioned tables loaded from TOML (see `data/rules.toml`).

use hangar_model::{Country, Currency, Date, Money};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A problem in a rules file, or a question the rules cannot answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct RulesError(pub String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    exchange_rates: Vec<RatesFile>,
    vat: Vec<VatFile>,
    #[serde(default)]
    flat_duty: Vec<FlatDuty>,
    #[serde(default)]
    handling_fee: Vec<HandlingFee>,
    h7: H7Rules,
}

#[derive(Deserialize)]
struct RatesFile {
    version: String,
    valid_from: String,
    #[serde(flatten)]
    per_eur_micro: BTreeMap<String, i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VatFile {
    version: String,
    valid_from: String,
    rates_bp: BTreeMap<String, u32>,
}

/// The flat customs duty per distinct tariff subheading.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FlatDuty {
    /// Which rule (recorded on every decision).
    pub version: String,
    /// First day in force (`YYYY-MM-DD`).
    pub valid_from: String,
    /// First day no longer in force.
    pub valid_until: String,
    /// Duty per distinct 6-digit subheading, euro cents.
    pub per_subheading_cents: i64,
    /// Only for sellers registered for IOSS.
    pub requires_ioss: bool,
}

/// A handling fee per item.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HandlingFee {
    /// Which rule.
    pub version: String,
    /// Switched on.
    pub enabled: bool,
    /// First day in force.
    pub valid_from: String,
    /// Fee per item line sent to a consumer, euro cents.
    pub per_item_cents: i64,
    /// Fee per item line sent to an EU warehouse, euro cents.
    pub warehouse_per_item_cents: i64,
}

/// Goods that always need a full declaration.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// HS chapter (2 digits) or heading (4) or subheading prefix.
    pub hs: String,
    /// Why, in words.
    pub reason: String,
}

/// The H7 ceiling and exclusions.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct H7Rules {
    /// Intrinsic value ceiling, euro cents.
    pub max_value_eur_cents: i64,
    /// Excluded goods.
    pub excluded: Vec<Exclusion>,
}

struct Dated<T> {
    from: Date,
    until: Option<Date>,
    version: String,
    value: T,
}

/// The compiled rule book.
pub struct RuleBook {
    rates: Vec<Dated<BTreeMap<Currency, i64>>>,
    vat: Vec<Dated<BTreeMap<Country, u32>>>,
    flat_duty: Vec<Dated<FlatDuty>>,
    handling_fee: Vec<Dated<HandlingFee>>,
    /// H7 ceiling and exclusions.
    pub h7: H7Rules,
}

/// The built-in rule tables.
pub const BUILTIN_RULES: &str = include_str!("../data/rules.toml");

fn date(file: &str, what: &str, s: &str) -> Result<Date, RulesError> {
    Date::parse(s).map_err(|e| RulesError(format!("{file}: {what}: {e}")))
}

/// The entry in force on `on`: the latest `from` not after it, and not expired.
fn in_force<T>(list: &[Dated<T>], on: Date) -> Option<&Dated<T>> {
    list.iter()
        .filter(|d| d.from <= on && d.until.is_none_or(|u| on < u))
        .max_by_key(|d| d.from)
}

impl RuleBook {
    /// The built-in tables.
    pub fn builtin() -> RuleBook {
        RuleBook::parse("rules.toml (built in)", BUILTIN_RULES)
            .expect("the built-in rules are valid")
    }

    /// Parses and checks a rules file.
    pub fn parse(file: &str, text: &str) -> Result<RuleBook, RulesError> {
        let f: RulesFile = toml::from_str(text).map_err(|e| {
            RulesError(format!(
                "{file}: {}",
                e.to_string().trim().replace('\n', " ")
            ))
        })?;
        let mut rates = Vec::new();
        for r in f.exchange_rates {
            let mut m = BTreeMap::new();
            m.insert(Currency::EUR, 1_000_000);
            for (code, micro) in r.per_eur_micro {
                let c = Currency::parse(&code).map_err(|e| {
                    RulesError(format!("{file}: exchange_rates {}: {e}", r.version))
                })?;
                if micro <= 0 {
                    return Err(RulesError(format!(
                        "{file}: exchange_rates {}: {code}: expected a positive rate",
                        r.version
                    )));
                }
                m.insert(c, micro);
            }
            rates.push(Dated {
                from: date(file, "exchange_rates.valid_from", &r.valid_from)?,
                until: None,
                version: r.version,
                value: m,
            });
        }
        let mut vat = Vec::new();
        for v in f.vat {
            let mut m = BTreeMap::new();
            for (code, bp) in v.rates_bp {
                let c = Country::parse(&code)
                    .map_err(|e| RulesError(format!("{file}: vat {}: {e}", v.version)))?;
                if !c.is_eu() || bp > 5000 {
                    return Err(RulesError(format!(
                        "{file}: vat {}: {code}: expected an EU member state and a rate up to 50 %",
                        v.version
                    )));
                }
                m.insert(c, bp);
            }
            if let Some(missing) = Country::eu27().find(|c| !m.contains_key(c)) {
                return Err(RulesError(format!(
                    "{file}: vat {}: no rate for {missing}",
                    v.version
                )));
            }
            vat.push(Dated {
                from: date(file, "vat.valid_from", &v.valid_from)?,
                until: None,
                version: v.version,
                value: m,
            });
        }
        let flat_duty = f
            .flat_duty
            .into_iter()
            .map(|d| {
                Ok(Dated {
                    from: date(file, "flat_duty.valid_from", &d.valid_from)?,
                    until: Some(date(file, "flat_duty.valid_until", &d.valid_until)?),
                    version: d.version.clone(),
                    value: d,
                })
            })
            .collect::<Result<_, RulesError>>()?;
        let handling_fee = f
            .handling_fee
            .into_iter()
            .map(|h| {
                Ok(Dated {
                    from: date(file, "handling_fee.valid_from", &h.valid_from)?,
                    until: None,
                    version: h.version.clone(),
                    value: h,
                })
            })
            .collect::<Result<_, RulesError>>()?;
        Ok(RuleBook {
            rates,
            vat,
            flat_duty,
            handling_fee,
            h7: f.h7,
        })
    }

    /// `m` in euro cents (rounded down) on `on`, and the rates' version.
    pub fn to_eur_cents(&self, m: Money, on: Date) -> Result<(i64, &str), RulesError> {
        if m.currency == Currency::EUR {
            return Ok((m.cents, "value in euro: no exchange rate needed"));
        }
        let r = in_force(&self.rates, on)
            .ok_or_else(|| RulesError(format!("no exchange rates in force on {on}")))?;
        let per_eur = r
            .value
            .get(&m.currency)
            .ok_or_else(|| RulesError(format!("no {} rate in {}", m.currency, r.version)))?;
        Ok((m.cents * 1_000_000 / per_eur, &r.version))
    }

    /// VAT rate (basis points) of `country` on `on`, and the table's version.
    pub fn vat_bp(&self, country: Country, on: Date) -> Result<(u32, &str), RulesError> {
        let v = in_force(&self.vat, on)
            .ok_or_else(|| RulesError(format!("no VAT table in force on {on}")))?;
        let bp = v
            .value
            .get(&country)
            .ok_or_else(|| RulesError(format!("no VAT rate for {country} in {}", v.version)))?;
        Ok((*bp, &v.version))
    }

    /// The flat duty in force on `on`, if any.
    pub fn flat_duty(&self, on: Date) -> Option<&FlatDuty> {
        in_force(&self.flat_duty, on).map(|d| &d.value)
    }

    /// The handling fee in force and enabled on `on`, if any.
    pub fn handling_fee(&self, on: Date) -> Option<&HandlingFee> {
        in_force(&self.handling_fee, on)
            .map(|d| &d.value)
            .filter(|h| h.enabled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_right_version_is_in_force_on_each_date() {
        let book = RuleBook::builtin();
        assert!(
            book.flat_duty(d("2026-06-30")).is_none(),
            "duty relief until 30 June 2026"
        );
        assert_eq!(
            book.flat_duty(d("2026-07-01"))
                .unwrap()
                .per_subheading_cents,
            300
        );
        assert!(book.flat_duty(d("2028-06-30")).is_some());
        assert!(
            book.flat_duty(d("2028-07-01")).is_none(),
            "the flat duty ends on 1 July 2028"
        );
        let usd = Money::new(10_800, Currency::USD);
        assert_eq!(
            book.to_eur_cents(usd, d("2026-11-22")).unwrap(),
            (10_000, "rates 2026-11-01 (illustrative)")
        );
        assert_eq!(
            book.to_eur_cents(usd, d("2026-07-15")).unwrap().1,
            "rates 2026-06-01 (illustrative)"
        );
        assert!(
            book.to_eur_cents(usd, d("2026-05-31")).is_err(),
            "no rates before the first table"
        );
        assert_eq!(
            book.vat_bp(Country::parse("HU").unwrap(), d("2026-11-22"))
                .unwrap()
                .0,
            2700
        );
        assert!(
            book.handling_fee(d("2026-11-22")).is_none(),
            "the handling fee is off"
        );
        let on = BUILTIN_RULES.replace("enabled = false", "enabled = true");
        assert_eq!(
            RuleBook::parse("r", &on)
                .unwrap()
                .handling_fee(d("2026-11-22"))
                .unwrap()
                .per_item_cents,
            200
        );
    }

    #[test]
    fn bad_tables_are_refused_with_the_place() {
        let bad = BUILTIN_RULES.replace("MT = 1800, ", "");
        assert_eq!(
            RuleBook::parse("r.toml", &bad).err().unwrap().0,
            "r.toml: vat standard VAT rates 2026: no rate for MT"
        );
        let bad = BUILTIN_RULES.replace("USD = 1_080_000", "XXX = 1_080_000");
        assert!(
            RuleBook::parse("r.toml", &bad).err().unwrap().0.contains(
                "exchange_rates rates 2026-11-01 (illustrative): expected a currency code"
            )
        );
        let bad = BUILTIN_RULES.replace(
            "valid_until = \"2028-07-01\"",
            "valid_until = \"2028-02-30\"",
        );
        assert!(
            RuleBook::parse("r.toml", &bad)
                .err()
                .unwrap()
                .0
                .contains("flat_duty.valid_until")
        );
    }
}
