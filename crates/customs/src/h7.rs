//! The H7 declaration: the super-reduced import declaration for consignments of intrinsic value
//! up to EUR 150, assembled from a manifested parcel. Every element that is missing or unusable is
//! named; goods that always need a full declaration are refused with the reason.

use crate::rules::RuleBook;
use hangar_model::{Date, Grams, IossField, IossNumber, Mawb, Money, Parcel, Party, S10Id};

/// Descriptions too vague for a declaration (H7 and ICS2 need a precise description).
const VAGUE: [&str; 12] = [
    "gift",
    "gifts",
    "goods",
    "sample",
    "samples",
    "parts",
    "accessories",
    "other",
    "stuff",
    "item",
    "items",
    "merchandise",
];

/// One goods item of the declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct H7Item {
    /// Description of the goods.
    pub description: String,
    /// 6-digit HS subheading.
    pub subheading: String,
    /// Units.
    pub quantity: u32,
    /// Intrinsic value of the line.
    pub value: Money,
    /// Gross mass of the line.
    pub gross_mass: Grams,
}

/// The H7 data set (the elements Hangar fills from a manifest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct H7 {
    /// Transport document: the master air waybill.
    pub transport_document: Mawb,
    /// House reference: the parcel's tracking id.
    pub reference: S10Id,
    /// Seller.
    pub consignor: Party,
    /// Buyer.
    pub consignee: Party,
    /// IOSS number (additional fiscal reference, role FR5), when VAT was collected at sale.
    pub ioss: Option<IossNumber>,
    /// Requested and previous procedure: 40 00 (release for free circulation).
    pub procedure: &'static str,
    /// Additional procedure codes: C07 (low-value consignment relief), F48 (IOSS) when used.
    pub additional_procedures: Vec<&'static str>,
    /// Intrinsic value of the consignment and its currency.
    pub intrinsic_value: Money,
    /// The same in euro cents, at the rates in force.
    pub value_eur_cents: i64,
    /// Goods items.
    pub items: Vec<H7Item>,
    /// Gross mass of the consignment.
    pub gross_mass: Grams,
    /// Packages: one parcel.
    pub packages: u32,
}

/// Why a parcel cannot be declared with an H7.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum H7Problem {
    /// Intrinsic value above the ceiling: a full declaration is needed.
    OverCeiling {
        /// Value in euro cents.
        value_eur_cents: i64,
        /// The ceiling.
        ceiling_eur_cents: i64,
    },
    /// Goods that always need a full declaration.
    Excluded {
        /// Item line (from 1).
        item: usize,
        /// Its tariff code.
        hs: String,
        /// Why.
        reason: String,
    },
    /// An element missing or unusable.
    Missing {
        /// Which element, in the H7 data set's words.
        element: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The IOSS number given is not one.
    MalformedIoss {
        /// As given.
        given: String,
    },
    /// No exchange rate for the parcel's currency on the date.
    NoRate {
        /// Why.
        detail: String,
    },
}

/// Assembles the H7 for `parcel` on `date`, or lists every problem.
pub fn declare(parcel: &Parcel, date: Date, book: &RuleBook) -> Result<H7, Vec<H7Problem>> {
    let mut problems = Vec::new();
    let value = parcel.value();
    let value_eur_cents = match book.to_eur_cents(value, date) {
        Ok((v, _)) => v,
        Err(e) => {
            problems.push(H7Problem::NoRate { detail: e.0 });
            0
        }
    };
    if value_eur_cents > book.h7.max_value_eur_cents {
        problems.push(H7Problem::OverCeiling {
            value_eur_cents,
            ceiling_eur_cents: book.h7.max_value_eur_cents,
        });
    }
    for (i, item) in parcel.items.iter().enumerate() {
        if let Some(x) = book
            .h7
            .excluded
            .iter()
            .find(|x| item.hs.as_str().starts_with(&x.hs))
        {
            problems.push(H7Problem::Excluded {
                item: i + 1,
                hs: item.hs.to_string(),
                reason: x.reason.clone(),
            });
        }
        let d = item.description.trim().to_ascii_lowercase();
        if VAGUE.contains(&d.as_str()) || d.len() < 3 {
            problems.push(H7Problem::Missing {
                element: format!("description of goods (item {})", i + 1),
                detail: format!("{:?} is not a precise description", item.description),
            });
        }
        if item.value.cents <= 0 {
            problems.push(H7Problem::Missing {
                element: format!("intrinsic value (item {})", i + 1),
                detail: "zero".into(),
            });
        }
    }
    let ioss = match &parcel.ioss {
        IossField::Absent => None,
        IossField::Valid(n) => Some(*n),
        IossField::Malformed(s) => {
            problems.push(H7Problem::MalformedIoss { given: s.clone() });
            None
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut additional = vec!["C07"];
    if ioss.is_some() {
        additional.push("F48");
    }
    Ok(H7 {
        transport_document: parcel.mawb,
        reference: parcel.id,
        consignor: parcel.consignor.clone(),
        consignee: parcel.consignee.clone(),
        ioss,
        procedure: "4000",
        additional_procedures: additional,
        intrinsic_value: value,
        value_eur_cents,
        items: parcel
            .items
            .iter()
            .map(|i| H7Item {
                description: i.description.clone(),
                subheading: i.hs.subheading().to_string(),
                quantity: i.quantity,
                value: i.value,
                gross_mass: i.weight,
            })
            .collect(),
        gross_mass: parcel.weight(),
        packages: 1,
    })
}
