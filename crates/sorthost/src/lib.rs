//! The sort host at the edge: a TCP server speaking the sorter telegram protocol
//! (docs/sorter-protocol.md) to many sorters at once, and an emulator of sorters that measures
//! it. Decisions come from `hangar_sort::decide` over an in-memory directory of parcels and an
//! atomically swapped route plan; discharge confirmations become events through a
//! `Confirmations` sink and are acknowledged only once durable.

pub mod client;
pub mod emulator;
pub mod server;

pub use server::{Confirmations, HostState, Stats, serve};

/// Confirmations recorded in Hangar's store: one `append_once` per telegram key, so a resent
/// confirmation is acknowledged again but stored once.
pub struct StoreConfirmations(pub std::sync::Arc<dyn hangar_store::Store>);

impl Confirmations for StoreConfirmations {
    fn record(&self, key: &str, events: &[hangar_model::Event]) -> Result<bool, String> {
        self.0
            .append_once(key, events)
            .map(|r| r.is_some())
            .map_err(|e| e.to_string())
    }
}
