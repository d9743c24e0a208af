//! Duties and taxes of an H7 consignment on a date, recording which rule versions applied.

use crate::h7::H7;
use crate::rules::{RuleBook, RulesError};
use hangar_model::{Date, IossNumber};

/// Where the import VAT is collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum VatCollection {
    /// At sale, by the IOSS-registered seller or marketplace.
    Sale {
        /// The number.
        ioss: IossNumber,
    },
    /// At import (by the carrier or declarant, from the buyer).
    Import,
}

/// What the consignment owes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Assessment {
    /// Intrinsic value, euro cents.
    pub value_eur_cents: i64,
    /// Distinct 6-digit subheadings.
    pub subheadings: usize,
    /// Customs duty, euro cents (0 under relief).
    pub duty_cents: i64,
    /// VAT rate of the destination, basis points.
    pub vat_rate_bp: u32,
    /// VAT, euro cents.
    pub vat_cents: i64,
    /// Where VAT is collected.
    pub vat: VatCollection,
    /// Handling fee, euro cents (0 when none is in force).
    pub handling_fee_cents: i64,
    /// The rule versions applied, in words.
    pub rules: Vec<String>,
}

/// `amount * bp / 10_000`, rounded half up.
fn percent(amount: i64, bp: u32) -> i64 {
    (amount * i64::from(bp) + 5_000) / 10_000
}

/// Duties and taxes of `h7` on `date`.
pub fn assess(h7: &H7, date: Date, book: &RuleBook) -> Result<Assessment, RulesError> {
    let mut rules = Vec::new();
    let (value, rates_version) = book.to_eur_cents(h7.intrinsic_value, date)?;
    rules.push(rates_version.to_string());
    let mut subheadings: Vec<&str> = h7.items.iter().map(|i| i.subheading.as_str()).collect();
    subheadings.sort_unstable();
    subheadings.dedup();
    let duty = match book.flat_duty(date) {
        Some(d) if !d.requires_ioss || h7.ioss.is_some() => {
            rules.push(d.version.clone());
            d.per_subheading_cents * subheadings.len() as i64
        }
        Some(d) => {
            rules.push(format!(
                "{} does not apply: seller not registered for IOSS; duty relief",
                d.version
            ));
            0
        }
        None => {
            rules.push("duty relief for consignments up to EUR 150".into());
            0
        }
    };
    let (bp, vat_version) = book.vat_bp(h7.consignee.country, date)?;
    rules.push(vat_version.to_string());
    let (vat, base) = match h7.ioss {
        Some(ioss) => (VatCollection::Sale { ioss }, value),
        None => (VatCollection::Import, value + duty),
    };
    let handling_fee = match book.handling_fee(date) {
        Some(h) => {
            rules.push(h.version.clone());
            h.per_item_cents * h7.items.len() as i64
        }
        None => 0,
    };
    Ok(Assessment {
        value_eur_cents: value,
        subheadings: subheadings.len(),
        duty_cents: duty,
        vat_rate_bp: bp,
        vat_cents: percent(base, bp),
        vat,
        handling_fee_cents: handling_fee,
        rules,
    })
}
