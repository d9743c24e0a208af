//! Intake: a file in, whole or not at all, then customs decides every new consignment at once.

use crate::{Hub, HubError, customs_actor};
use hangar_customs::{Decision, Engine};
use hangar_manifest::{FileErrors, ParsedFile};
use hangar_model::{
    Actor, CustomsOutcome, Detail, Event, EventCode, FlightKey, Parcel, S10Id, Subject,
};
use hangar_store::{IngestFile, IngestReceipt, MAX_APPEND_EVENTS, StoreError};
use std::collections::BTreeMap;

/// Customs decisions taken at intake, by outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Decided {
    /// Released (CCD).
    pub release: u64,
    /// Information requested (RFI).
    pub request_info: u64,
    /// Held (HLD).
    pub hold: u64,
    /// Refused (RTS).
    pub refuse: u64,
}

impl Decided {
    fn add(&mut self, d: &Decision) {
        match d.outcome {
            CustomsOutcome::Release => self.release += 1,
            CustomsOutcome::RequestInfo => self.request_info += 1,
            CustomsOutcome::Hold => self.hold += 1,
            CustomsOutcome::Refuse => self.refuse += 1,
        }
    }

    /// Decisions in all.
    pub fn total(&self) -> u64 {
        self.release + self.request_info + self.hold + self.refuse
    }
}

/// What intake did with a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct IntakeReceipt {
    /// `ingested`, or `skipped` for bytes already in.
    pub status: &'static str,
    /// The file's name as given.
    pub file: String,
    /// SHA-256 of its bytes, hex.
    pub digest: String,
    /// `schedule`, `manifest_csv` or `manifest_jsonl`.
    pub kind: &'static str,
    /// Data rows read.
    pub rows: u64,
    /// Flights added.
    pub flights: u64,
    /// Parcels added.
    pub parcels: u64,
    /// Parcels already known with identical content.
    pub unchanged: u64,
    /// Customs decisions taken for the new parcels.
    pub customs: Decided,
    /// For a skipped file: the name it was ingested under before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_ingested_as: Option<String>,
}

/// Why a file was not applied. Nothing of it was.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The file has problems: every one found, by line and field.
    #[error("{0}")]
    Invalid(FileErrors),
    /// The file clashes with what the hub holds (a known parcel with other content, a flight
    /// the schedule does not have).
    #[error("{0}")]
    Conflict(StoreError),
    /// The hub failed.
    #[error(transparent)]
    Hub(#[from] HubError),
}

impl From<StoreError> for IntakeError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } | StoreError::Limit(_) => IntakeError::Conflict(e),
            other => IntakeError::Hub(HubError::Store(other)),
        }
    }
}

fn kind_name(k: hangar_manifest::Kind) -> &'static str {
    match k {
        hangar_manifest::Kind::ScheduleCsv => "schedule",
        hangar_manifest::Kind::ManifestCsv => "manifest_csv",
        hangar_manifest::Kind::ManifestJsonl => "manifest_jsonl",
    }
}

impl Hub {
    /// Reads `bytes` as the file `name` (schedule CSV, CSV or JSON Lines manifest, told apart
    /// by name and header) and applies it: see `intake_parsed`.
    pub fn intake(
        &self,
        name: &str,
        bytes: &[u8],
        actor: Actor,
    ) -> Result<IntakeReceipt, IntakeError> {
        if bytes.len() as u64 > hangar_manifest::MAX_FILE_BYTES {
            return Err(IntakeError::Invalid(FileErrors::whole_file(
                name,
                format!(
                    "expected at most {} bytes, the file has {}",
                    hangar_manifest::MAX_FILE_BYTES,
                    bytes.len()
                ),
            )));
        }
        let kind = hangar_manifest::detect(name, bytes);
        let parsed = hangar_manifest::parse(name, bytes).map_err(IntakeError::Invalid)?;
        self.intake_parsed(parsed, kind, actor)
    }

    /// Applies a parsed file whole (or nothing: a clash refuses it), then declares every new
    /// consignment to customs and stores each decision (`CRC` and `CCD`/`RFI`/`HLD`/`RTS`, one
    /// transaction per batch). Returns once all of it is durable. The same bytes again add
    /// nothing and are reported `skipped`.
    pub fn intake_parsed(
        &self,
        f: ParsedFile,
        kind: hangar_manifest::Kind,
        actor: Actor,
    ) -> Result<IntakeReceipt, IntakeError> {
        let digest = f.digest_hex();
        let (flights, parcels) = f.contents.into_rows();
        // The file's parcels, kept for customs: those the file adds need no reading back.
        let mine: Vec<Parcel> = parcels
            .iter()
            .map(|(p, _): &(Parcel, u64)| p.clone())
            .collect();
        let mut receipt = IntakeReceipt {
            status: "ingested",
            file: f.name.clone(),
            digest,
            kind: kind_name(kind),
            rows: f.rows,
            flights: 0,
            parcels: 0,
            unchanged: 0,
            customs: Decided::default(),
            first_ingested_as: None,
        };
        // From before the commit to the last decision, this file's parcels may be stored but
        // undecided: runs that look for undecided parcels in the store wait (they would decide
        // them a second time), while other new files commit and decide alongside.
        let settling = self.settling.read().unwrap_or_else(|p| p.into_inner());
        let applied = self.store.ingest(IngestFile {
            name: f.name,
            digest: f.digest,
            rows: f.rows,
            flights,
            parcels,
            at: self.now(),
            actor,
            location: self.location,
        })?;
        let all_new = matches!(applied, IngestReceipt::Applied { unchanged: 0, .. });
        match applied {
            IngestReceipt::Applied {
                parcels,
                flights,
                unchanged,
                ..
            } => {
                receipt.parcels = parcels;
                receipt.flights = flights;
                receipt.unchanged = unchanged;
            }
            IngestReceipt::AlreadyIngested { name, .. } => {
                receipt.status = "skipped";
                receipt.first_ingested_as = Some(name);
            }
        }
        receipt.customs = if all_new {
            // Every parcel new: none has a decision, and the file in hand has them all.
            let mut by_flight: BTreeMap<FlightKey, Vec<Parcel>> = BTreeMap::new();
            for p in mine {
                by_flight.entry(p.flight).or_default().push(p);
            }
            let mut engine = self.engine.lock().unwrap_or_else(|p| p.into_inner());
            let decided = self.decide_locked(&mut engine, by_flight)?;
            drop(settling);
            decided
        } else {
            // A skipped file or known parcels: the store says which still need a decision (a
            // crash after the file's commit may have left some without, and sending the file
            // again must finish the job).
            drop(settling);
            let ids: Vec<S10Id> = mine.iter().map(|p| p.id).collect();
            drop(mine);
            self.decide(&ids)?
        };
        Ok(receipt)
    }

    /// Declares the parcels among `ids` that have no customs decision yet, a flight's together,
    /// and stores the decisions. Returns what was decided.
    pub(crate) fn decide(&self, ids: &[S10Id]) -> Result<Decided, HubError> {
        // No file between its commit and its decisions (their parcels would look undecided),
        // and one declaration run at a time: the engine's cross-consignment state (split
        // orders, sellers' IOSS use) sees parcels in one order, and nothing is decided twice.
        let _settled = self.settling.write().unwrap_or_else(|p| p.into_inner());
        let mut engine = self.engine.lock().unwrap_or_else(|p| p.into_inner());
        let by_flight = self.undecided(ids)?;
        self.decide_locked(&mut engine, by_flight)
    }

    /// The parcels among `ids` the store knows with no customs decision yet, by flight.
    fn undecided(&self, ids: &[S10Id]) -> Result<BTreeMap<FlightKey, Vec<Parcel>>, HubError> {
        let mut by_flight: BTreeMap<FlightKey, Vec<Parcel>> = BTreeMap::new();
        for id in ids {
            let Some(dest) = self.store.lookup_destination(id)? else {
                continue;
            };
            if dest.customs.is_some() {
                continue;
            }
            if let Some(p) = self.store.parcel(id)? {
                by_flight.entry(p.flight).or_default().push(p);
            }
        }
        Ok(by_flight)
    }

    /// Declares `by_flight`'s parcels, a flight's together, with the engine held by the caller,
    /// and stores the decisions.
    fn decide_locked(
        &self,
        engine: &mut Engine,
        by_flight: BTreeMap<FlightKey, Vec<Parcel>>,
    ) -> Result<Decided, HubError> {
        let mut decided = Decided::default();
        let at = self.now();
        let location = self.at("CUSTOMS");
        for parcels in by_flight.values() {
            let decisions = engine.decide_batch(parcels, at, at.date());
            let mut events = Vec::with_capacity(decisions.len() * 2);
            for d in &decisions {
                decided.add(d);
                let subject = Subject::Parcel(d.parcel);
                events.push(Event {
                    subject,
                    code: EventCode::CRC,
                    at,
                    actor: customs_actor(),
                    location,
                    detail: Detail::None,
                });
                events.push(Event {
                    subject,
                    code: d.code(),
                    at,
                    actor: customs_actor(),
                    location,
                    detail: d.detail(),
                });
            }
            // A parcel's declaration and decision commit together.
            for chunk in events.chunks(MAX_APPEND_EVENTS - MAX_APPEND_EVENTS % 2) {
                self.store.append(chunk)?;
            }
            if let Some(hook) = &self.on_decisions {
                hook(parcels, &decisions);
            }
        }
        Ok(decided)
    }
}
