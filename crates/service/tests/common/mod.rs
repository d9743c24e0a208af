//! What the service's tests share: a hub on a fresh embedded store, at a fixed time.

use hangar_model::{Location, Timestamp};
use hangar_service::{Clock, Hub, Parts};
use hangar_store::{EmbeddedStore, Store};
use std::sync::Arc;

/// The time the tests' hub lives at.
pub const NOW: i64 = 1_796_100_000_000;

struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> Timestamp {
        Timestamp(NOW)
    }
}

/// A hub over a new embedded store in `dir`, with the built-in customs rules and route plan.
pub fn hub(dir: &std::path::Path) -> (Arc<dyn Store>, Arc<Hub>) {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir).unwrap());
    let hub = Hub::start(Parts {
        store: store.clone(),
        engine: hangar_customs::Engine::builtin(hangar_customs::ioss::Register::default()),
        plan: hangar_sort::Plan::parse("plan", hangar_sort::plan::DEFAULT_PLAN).unwrap(),
        gate: None,
        clock: Arc::new(Fixed),
        location: Location::parse("LGG").unwrap(),
        on_decisions: None,
    })
    .unwrap();
    (store, Arc::new(hub))
}

/// A generated day on 2026-12-01 and its schedule file.
pub fn day(parcels: u32, flights: u32, seed: u64) -> (hangar_gen::Day, Vec<u8>) {
    let day = hangar_gen::generate(hangar_gen::DayConfig {
        date: hangar_model::Date::parse("2026-12-01").unwrap(),
        parcels,
        flights,
        seed,
    });
    let mut schedule = Vec::new();
    hangar_manifest::write_schedule(&mut schedule, &day.flights).unwrap();
    (day, schedule)
}

/// A CSV manifest of `parcels`.
pub fn csv(parcels: &[hangar_model::Parcel]) -> Vec<u8> {
    let mut out = Vec::new();
    hangar_manifest::write_csv(&mut out, parcels).unwrap();
    out
}
