//! Where Hangar keeps what it knows: ingested files, flights, parcels and the event log. One
//! interface, `Store`, so callers do not care which engine is behind it; `EmbeddedStore` is the
//! default (SQLite in a data directory, zero set-up). A PostgreSQL implementation is meant to
//! follow behind the same trait.
//!
//! Contract for every implementation:
//! - writes go through one writer, in batches, and a call returns only once its data is durable
//!   (acknowledged = survives kill -9 and power loss);
//! - an ingested file is applied whole or not at all, and a file already ingested (same bytes)
//!   adds nothing;
//! - events get a gap-free, increasing sequence number in the order they were made durable.

mod embedded;
mod schema;
mod tails;

pub use embedded::{DB_FILE, EmbeddedStore, Options, personal_commitment, raw_bulk_insert};
pub use tails::Tail;

use hangar_model::{
    Actor, DataClass, Event, Flight, Location, Parcel, S10Id, Subject, Terminal, Timestamp,
};
use std::collections::BTreeMap;

/// A file that has passed parsing, ready to be applied.
#[derive(Clone, Debug)]
pub struct IngestFile {
    /// File name as given (for messages and the files table).
    pub name: String,
    /// SHA-256 of the bytes: identity for idempotence.
    pub digest: [u8; 32],
    /// Data rows in the file.
    pub rows: u64,
    /// Flights with their line numbers (a schedule), or empty.
    pub flights: Vec<(Flight, u64)>,
    /// Parcels with their first line (a manifest), or empty.
    pub parcels: Vec<(Parcel, u64)>,
    /// When the hub received it (the time of the MAN events).
    pub at: Timestamp,
    /// Who ingested it.
    pub actor: Actor,
    /// Where it was received (the hub), for the MAN events.
    pub location: Location,
}

/// What ingesting a file did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestReceipt {
    /// The file was applied and is durable.
    Applied {
        /// Parcels added.
        parcels: u64,
        /// Flights added.
        flights: u64,
        /// Parcels already known with identical content (skipped).
        unchanged: u64,
        /// Events appended (one MAN per new parcel).
        events: u64,
    },
    /// These exact bytes were ingested before; nothing was added.
    AlreadyIngested {
        /// Name it was ingested under then.
        name: String,
        /// When.
        at: Timestamp,
    },
}

/// Store failures. A failed write changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file clashes with what is stored; nothing of it was applied.
    #[error("{file}:{line}: {field}: {message}")]
    Conflict {
        /// File being ingested.
        file: String,
        /// Line of the clashing record.
        line: u64,
        /// Field that identifies it.
        field: &'static str,
        /// What clashed.
        message: String,
    },
    /// A request over a limit.
    #[error("limit: {0}")]
    Limit(String),
    /// The engine failed.
    #[error("store engine: {0}")]
    Engine(String),
    /// Stored data could not be read back as valid values.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// The writer has stopped (the store is closing or crashed).
    #[error("the store's writer has stopped")]
    Closed,
}

/// How many of each thing the store holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Ingested files.
    pub files: u64,
    /// Flights.
    pub flights: u64,
    /// Parcels.
    pub parcels: u64,
    /// Events.
    pub events: u64,
}

/// Parcels by how their day ended, derived from the events.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TerminalCounts {
    /// Handed over to a carrier.
    pub handed_over: u64,
    /// In customs hold.
    pub held: u64,
    /// Exceptions.
    pub exception: u64,
    /// Still moving.
    pub in_progress: u64,
    /// Customs released (CCD), whatever happened after.
    pub released: u64,
    /// Discharged into a route or hold chute at least once.
    pub sorted: u64,
    /// Events that did not fit a parcel's life cycle.
    pub out_of_order_events: u64,
    /// Parcels per carrier route of their final sort decision (handed-over parcels).
    pub by_route: BTreeMap<String, u64>,
}

impl TerminalCounts {
    /// Adds one parcel's derived state.
    pub fn add(&mut self, s: &hangar_model::ParcelState) {
        match s.terminal() {
            Terminal::HandedOver => {
                self.handed_over += 1;
                if let Some(r) = &s.route {
                    *self.by_route.entry(r.clone()).or_default() += 1;
                }
            }
            Terminal::Held => self.held += 1,
            Terminal::Exception => self.exception += 1,
            Terminal::InProgress => self.in_progress += 1,
        }
        if s.customs == hangar_model::state::CustomsStatus::Released {
            self.released += 1;
        }
        if s.chute.is_some()
            && matches!(
                s.stage,
                hangar_model::ParcelStage::AtChute
                    | hangar_model::ParcelStage::Loaded
                    | hangar_model::ParcelStage::HandedOver
            )
        {
            self.sorted += 1;
        }
        self.out_of_order_events += u64::from(s.out_of_order);
    }

    /// Parcels counted.
    pub fn total(&self) -> u64 {
        self.handed_over + self.held + self.exception + self.in_progress
    }
}

/// An ingested file, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileRecord {
    /// Name it was ingested under.
    pub name: String,
    /// SHA-256 of its bytes, hex.
    pub digest: String,
    /// Data rows.
    pub rows: u64,
    /// Parcels in the file.
    pub parcels: u64,
    /// Flights in the file.
    pub flights: u64,
    /// When.
    pub at: Timestamp,
}

/// Where a parcel goes and whether customs let it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// Destination country.
    pub country: hangar_model::Country,
    /// Destination postcode.
    pub postcode: Option<hangar_model::Postcode>,
    /// The latest customs decision, if any (`CCD`, `RFI`, `HLD` or `RTS`).
    pub customs: Option<hangar_model::EventCode>,
}

/// A stored event with its sequence number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Position in the event log, from 1, gap-free.
    pub seq: u64,
    /// The event.
    pub event: Event,
}

/// An erasure of parcels' data: personal (the buyer's name, address and postcode, and the salt
/// of the parties' commitment) or commercial (the whole parcel record, personal data with it).
#[derive(Clone, Debug)]
pub struct Erasure {
    /// The parcels (at most `MAX_ERASE_PARCELS`).
    pub parcels: Vec<S10Id>,
    /// `Personal`, or `Commercial` (which takes personal data with it).
    pub class: DataClass,
    /// Why: the retention rule or the request.
    pub reason: String,
    /// Who erases.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// Where (the hub).
    pub location: Location,
}

/// What a breakdown scan can name to mean every parcel inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// A unit load device.
    Uld(hangar_model::UldId),
    /// A shipper's box or bag.
    Bag(hangar_model::BagId),
}

/// Most parcels one erasure may take.
pub const MAX_ERASE_PARCELS: usize = 50_000;

/// Most events one `append` call may carry.
pub const MAX_APPEND_EVENTS: usize = 100_000;
/// Most parcels one ingested file may carry.
pub const MAX_INGEST_PARCELS: usize = 5_000_000;

/// Hangar's storage. Implementations are shared across threads; writes are serialized by the
/// implementation's single writer and are durable when they return.
pub trait Store: Send + Sync {
    /// Applies a parsed file whole, with one MAN event per new parcel, or nothing.
    fn ingest(&self, file: IngestFile) -> Result<IngestReceipt, StoreError>;

    /// Appends events (at most `MAX_APPEND_EVENTS`); returns the sequence number of the last.
    fn append(&self, events: &[Event]) -> Result<u64, StoreError>;

    /// Appends `events` unless a request with the same `key` was applied before; the key is
    /// recorded in the same transaction. Returns the last sequence number, or `None` for a
    /// repeat (nothing appended).
    fn append_once(&self, key: &str, events: &[Event]) -> Result<Option<u64>, StoreError>;

    /// Whether a request with this `key` was applied (by `append_once`): the sequence number
    /// of its last event.
    fn applied(&self, key: &str) -> Result<Option<u64>, StoreError>;

    /// All flights, by scheduled arrival.
    fn flights(&self) -> Result<Vec<Flight>, StoreError>;

    /// One parcel.
    fn parcel(&self, id: &S10Id) -> Result<Option<Parcel>, StoreError>;

    /// Every parcel, in id order, handed to `f` one at a time (memory stays bounded).
    fn for_each_parcel(&self, f: &mut dyn FnMut(Parcel)) -> Result<(), StoreError>;

    /// A parcel's history: its own events and those of its consignment and flight, in time order.
    fn history(&self, id: &S10Id) -> Result<Vec<Recorded>, StoreError>;

    /// A parcel's own events in the order its state folds them (`Event::fold_cmp`), which does
    /// not depend on the order they were recorded in.
    fn parcel_events(&self, id: &S10Id) -> Result<Vec<Event>, StoreError> {
        let mut own: Vec<Event> = self
            .history(id)?
            .into_iter()
            .filter(|r| r.event.subject == hangar_model::Subject::Parcel(*id))
            .map(|r| r.event)
            .collect();
        own.sort_by(Event::fold_cmp);
        Ok(own)
    }

    /// Events with sequence numbers in `from..=to`, in order (at most `MAX_APPEND_EVENTS`).
    fn events(&self, from: u64, to: u64) -> Result<Vec<Recorded>, StoreError>;

    /// Every parcel's state derived from its events, counted by outcome.
    fn terminal_counts(&self) -> Result<TerminalCounts, StoreError> {
        let mut counts = TerminalCounts::default();
        self.for_each_parcel_state(&mut |_, s| counts.add(&s))?;
        Ok(counts)
    }

    /// Every parcel's id and state derived from its events, one at a time (memory stays bounded).
    fn for_each_parcel_state(
        &self,
        f: &mut dyn FnMut(S10Id, hangar_model::ParcelState),
    ) -> Result<(), StoreError>;

    /// A parcel's destination and its latest customs decision (CCD, RFI, HLD or RTS), in one indexed
    /// query: how a conventional warehouse system answers a sorter, kept as the sort
    /// benchmark's baseline.
    fn lookup_destination(&self, id: &S10Id) -> Result<Option<Destination>, StoreError>;

    /// How much is stored.
    fn counts(&self) -> Result<Counts, StoreError>;

    /// Events about `subject` with sequence numbers above `after`, in order, at most `limit`
    /// (itself at most `MAX_APPEND_EVENTS`).
    fn subject_events(
        &self,
        subject: &Subject,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Recorded>, StoreError>;

    /// Parcels received before `before` whose data of `class` is still held, at most `limit`.
    fn due_for_erasure(
        &self,
        class: DataClass,
        before: Timestamp,
        limit: usize,
    ) -> Result<Vec<S10Id>, StoreError>;

    /// Erases parcels' data of a class in one transaction, with one `ERA` event per parcel that
    /// still held it; returns how many were erased. Deleted content is overwritten on disk.
    fn erase(&self, erasure: Erasure) -> Result<u64, StoreError>;

    /// Every ingested file, oldest first.
    fn files(&self) -> Result<Vec<FileRecord>, StoreError>;

    /// The parcels manifested on flight `flight` in a ULD or a bag, in id order (at most
    /// `limit`).
    fn parcels_in(
        &self,
        flight: &hangar_model::FlightKey,
        container: Container,
        limit: usize,
    ) -> Result<Vec<Parcel>, StoreError>;

    /// Every truck's events with sequence numbers above `after`, in order, at most `limit`.
    fn truck_events(&self, after: u64, limit: usize) -> Result<Vec<Recorded>, StoreError>;

    /// Parcels' lives: the bag and ULD each came in and its own events (not its consignment's or
    /// flight's) in fold order, read in one snapshot; a parcel the store does not know is absent
    /// from the answer.
    fn lives(&self, ids: &[S10Id]) -> Result<std::collections::HashMap<S10Id, Life>, StoreError>;

    /// Parcels' tails (bag, ULD, folded state, greatest fold key): what a floor check of
    /// events that fold after all of a parcel's needs. An engine that keeps them answers from
    /// memory; the default folds `lives`. A parcel the store does not know is absent.
    fn tails(&self, ids: &[S10Id]) -> Result<std::collections::HashMap<S10Id, Tail>, StoreError> {
        Ok(Tail::of_lives(&self.lives(ids)?))
    }
}

/// What the floor's checks need of one parcel: where it came from and what happened to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Life {
    /// The box or bag it was manifested in.
    pub bag: hangar_model::BagId,
    /// The ULD it was manifested in.
    pub uld: hangar_model::UldId,
    /// Its own events, in fold order.
    pub events: Vec<Event>,
}
