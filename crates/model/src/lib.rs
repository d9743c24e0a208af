//! Hangar's domain model: identifiers and quantities that can only hold valid values (`Mawb`,
//! `S10Id`, `HsCode`, `IossNumber`, `Money` in cents, `Grams`, `Timestamp`), the things a hub
//! handles (flights, ULDs, bags, parcels with their items and parties) and the event spine from
//! which every parcel's state is derived.
//!
//! Pure and synchronous: no I/O, no clocks, no entropy (the `rng` stream is seeded by callers). Everything else in Hangar builds on it.

mod ascii;
pub mod class;
pub mod country;
pub mod event;
pub mod ids;
pub mod parcel;
pub mod quantity;
pub mod rng;
pub mod state;
pub mod time;

pub use class::{Control, DataClass};
pub use country::{Country, Postcode};
pub use event::{
    Actor, CustomsOutcome, CustomsReason, Detail, DischargeOutcome, DiscrepancyKind, Event,
    EventCode, FoldKey, Location, Subject,
};
pub use ids::{
    Airport, BagId, FlightKey, FlightNo, HsCode, IossNumber, Mawb, S10Id, TruckId, UldId,
};
pub use parcel::{Flight, IossField, Item, Parcel, Party};
pub use quantity::{Currency, Grams, Money};
pub use state::{CustomsStatus, ParcelStage, ParcelState, Terminal};
pub use time::{Date, Timestamp};

/// Why a value was refused: what was expected and what was found.
///
/// Callers add the file, line and field; this type only knows the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, got {got:?}")]
pub struct Invalid {
    /// What a valid value looks like, phrased to follow "expected".
    pub expected: String,
    /// The offending input, truncated to a readable length.
    pub got: String,
}

impl Invalid {
    /// A refusal of `got`, which should have been `expected`.
    pub fn new(expected: impl Into<String>, got: &str) -> Self {
        let mut got_short: String = got.chars().take(60).collect();
        if got.chars().count() > 60 {
            got_short.push('…');
        }
        Invalid {
            expected: expected.into(),
            got: got_short,
        }
    }
}
