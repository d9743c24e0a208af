//! The day's customs stage: H7 eligibility from the customs engine (`hangar_customs::declare`,
//! dated rules), turned into the reasons a hold event carries. Anything not eligible is held.

use hangar_customs::{H7Problem, RuleBook, declare};
use hangar_model::{CustomsReason, Date, Parcel};

/// The decision for one parcel on `date`: `Ok(())` to release, or the reasons to hold.
pub fn first_stage(p: &Parcel, date: Date, book: &RuleBook) -> Result<(), Vec<CustomsReason>> {
    declare(p, date, book).map(|_| ()).map_err(|problems| {
        problems
            .into_iter()
            .map(|pr| match pr {
                H7Problem::OverCeiling {
                    value_eur_cents, ..
                } => CustomsReason::OverH7Threshold { value_eur_cents },
                H7Problem::MalformedIoss { .. } => CustomsReason::MalformedIoss,
                H7Problem::Excluded { item, hs, reason } => CustomsReason::ExcludedGoods {
                    item: item as u32,
                    why: format!("{hs}: {reason}"),
                },
                H7Problem::Missing { element, detail } => CustomsReason::MissingElement {
                    element: format!("{element}: {detail}"),
                },
                H7Problem::NoRate { detail } => CustomsReason::MissingElement {
                    element: format!("exchange rate: {detail}"),
                },
            })
            .collect()
    })
}
