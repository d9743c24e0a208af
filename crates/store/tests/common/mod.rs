//! What the store's tests share.

use hangar_model::{Actor, Flight, Location, Parcel, Timestamp};
use hangar_store::IngestFile;

/// A file of `flights` or `parcels` (digest all `digest_byte`), ingested at 1 000 ms.
pub fn file(name: &str, digest_byte: u8, flights: Vec<Flight>, parcels: Vec<Parcel>) -> IngestFile {
    IngestFile {
        name: name.into(),
        digest: [digest_byte; 32],
        rows: (flights.len() + parcels.len()) as u64,
        flights: flights
            .into_iter()
            .enumerate()
            .map(|(i, f)| (f, i as u64 + 2))
            .collect(),
        parcels: parcels
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, i as u64 + 2))
            .collect(),
        at: Timestamp(1_000),
        actor: Actor::parse("system:test").unwrap(),
        location: Location::parse("LGG").unwrap(),
    }
}
