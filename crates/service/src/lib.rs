//! The hub's operations, in one place: what the running hub does when a file, a scan or a dock
//! terminal reaches it. `Hub` owns the store, the customs engine with the settings in force and
//! the egress gate; HTTP (`hangar-api`), the watched inbox and the command line only translate
//! requests into calls of its methods and its answers back.
//!
//! - `intake`: a schedule or manifest file applied whole (or refused whole with every problem),
//!   then every new consignment declared to customs at once, as ICS2 and H7 expect before
//!   arrival: the decision (release, request for information, hold, refuse) is stored with it.
//! - `scans`: the floor's events (flight ARR and DEP, RCF per ULD or per parcel, DIS, FOW) in
//!   bounded batches, applied whole or refused whole with a reason per item.
//! - `trucks`: an outbound truck opened at a dock for a carrier route, loaded with released,
//!   sorted parcels of that route, closed: every parcel handed over (DLV) and the carrier's
//!   manifest sent through the egress gate along the carrier's declared flow.
//! - `export`: parcels' fields a person sends along a declared flow, through the gate.
//! - `accounts`: the hub's users, their API tokens and dashboard sessions (`accounts.db`).
//! - `controls`: the guarded settings: proposals, the two-person rule for weakening changes,
//!   versions applied, users added as changes of the `users` setting.
//! - `actions`: what a person decides: a declarant's release or hold, an erasure on request.
//!
//! Synchronous: callers on an async runtime run these on a blocking thread. Time comes from the
//! `Clock` the hub was given, never from the operating system deep inside.

pub mod accounts;
pub mod actions;
pub mod controls;
mod export;
mod intake;
mod scans;
mod trucks;

pub use export::{ExportFailure, ExportReceipt, ExportRequest, MAX_EXPORT_PARCELS, field_value};
pub use hangar_egress::ExportError;
pub use intake::{Decided, IntakeError, IntakeReceipt};
pub use scans::{
    ItemProblem, MAX_SCAN_BATCH_BYTES, MAX_SCAN_ITEMS, SCAN_FUTURE_TOLERANCE_MS, Scan, ScanReceipt,
    ScanRefusal,
};
pub use trucks::{
    CARRIER_MANIFEST_FIELDS, LoadReceipt, MAX_LOAD_PARCELS, ManifestStatus, OpenTruck, TruckError,
    TruckReceipt, TruckView, carrier_manifest_row,
};

use hangar_customs::{Decision, Engine};
use hangar_model::{Actor, Location, Parcel, Timestamp};
use hangar_store::{Store, StoreError};
use std::sync::{Arc, Mutex, RwLock};

/// Where the hub's time comes from: the wall clock in production, a simulated one in a demo or
/// a test. Events, reads and the dashboard all take their time from it.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp(ms)
    }
}

/// Told of each batch of new parcels and their customs decisions once they are durable (the
/// sort host learns destinations and releases from it).
pub type DecisionHook = Arc<dyn Fn(&[Parcel], &[Decision]) + Send + Sync>;

/// The parts a hub is made of.
pub struct Parts {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The customs engine, with the rules, risk lists and thresholds in force.
    pub engine: Engine,
    /// The route plan in force.
    pub plan: hangar_sort::Plan,
    /// The egress gate (trucks' manifests leave through it); `None` sends nothing out.
    pub gate: Option<Arc<hangar_egress::Gate>>,
    /// The hub's time.
    pub clock: Arc<dyn Clock>,
    /// The hub's location (IATA code).
    pub location: Location,
    /// Told of new parcels and their decisions.
    pub on_decisions: Option<DecisionHook>,
}

/// Largest file accepted over HTTP in one request: 64 MiB (larger manifests go through the
/// watched inbox, up to `hangar_manifest::MAX_FILE_BYTES`).
pub const MAX_UPLOAD_BYTES: usize = 64 << 20;

/// Most parcels the customs engine learns its references from when the hub starts.
pub const LEARN_MAX_PARCELS: usize = 200_000;

/// The running hub's operations.
pub struct Hub {
    store: Arc<dyn Store>,
    engine: Mutex<Engine>,
    plan: RwLock<Arc<hangar_sort::Plan>>,
    gate: Option<Arc<hangar_egress::Gate>>,
    clock: Arc<dyn Clock>,
    location: Location,
    on_decisions: Option<DecisionHook>,
    trucks: Mutex<trucks::Trucks>,
    /// Parcels whose batch is between its check and its commit.
    in_flight: scans::InFlight,
    /// Held (shared) by each file from its commit to its last decision; held alone by a run
    /// that looks for undecided parcels in the store. Taken before `engine`.
    settling: RwLock<()>,
}

/// A failure of the hub itself (not of the request): the store, the log, a bug.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// The store failed; nothing of the request was applied.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Hub {
    /// A hub over `parts`. It learns the customs references and sellers' IOSS history from the
    /// parcels already stored (at most `LEARN_MAX_PARCELS`), picks up the trucks still open, and
    /// decides customs for any stored parcel that has no decision yet (a crash between a file's
    /// commit and its decisions): nothing is left undecided.
    pub fn start(parts: Parts) -> Result<Hub, HubError> {
        let Parts {
            store,
            mut engine,
            plan,
            gate,
            clock,
            location,
            on_decisions,
        } = parts;
        let mut history = Vec::new();
        store.for_each_parcel(&mut |p| {
            if history.len() < LEARN_MAX_PARCELS {
                history.push(p)
            }
        })?;
        engine.learn(&history, clock.now().date());
        drop(history);
        let mut loaded = std::collections::HashMap::new();
        let mut undecided = Vec::new();
        store.for_each_parcel_state(&mut |id, s| {
            trucks::loaded_of(id, &s, &mut loaded);
            if s.customs == hangar_model::state::CustomsStatus::NotReported {
                undecided.push(id);
            }
        })?;
        let trucks = trucks::Trucks::load(store.as_ref(), &plan, loaded)?;
        let hub = Hub {
            store,
            engine: Mutex::new(engine),
            plan: RwLock::new(Arc::new(plan)),
            gate,
            clock,
            location,
            on_decisions,
            trucks: Mutex::new(trucks),
            in_flight: scans::InFlight::default(),
            settling: RwLock::new(()),
        };
        for chunk in undecided.chunks(10_000) {
            hub.decide(chunk)?;
        }
        Ok(hub)
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Now, on the hub's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The route plan in force.
    pub fn plan(&self) -> Arc<hangar_sort::Plan> {
        self.plan.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes up a new route plan (a new version of the guarded setting).
    pub fn set_plan(&self, plan: hangar_sort::Plan) {
        *self.plan.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(plan);
    }

    /// Takes up a new customs engine (new rules, risk lists or thresholds in force), learning
    /// from the stored parcels as at start.
    pub fn set_engine(&self, mut engine: Engine) -> Result<(), HubError> {
        // No file between its commit and its decisions: the new engine learns every stored
        // parcel exactly once, decided or not.
        let _settled = self.settling.write().unwrap_or_else(|p| p.into_inner());
        let mut history = Vec::new();
        self.store.for_each_parcel(&mut |p| {
            if history.len() < LEARN_MAX_PARCELS {
                history.push(p)
            }
        })?;
        engine.learn(&history, self.now().date());
        *self.engine.lock().unwrap_or_else(|p| p.into_inner()) = engine;
        Ok(())
    }

    fn at(&self, place: &str) -> Location {
        Location::parse(&format!("{}/{place}", self.location)).unwrap_or(self.location)
    }
}

/// The actor customs decisions taken by the engine carry.
pub fn customs_actor() -> Actor {
    Actor::parse("system:customs").expect("actor")
}
