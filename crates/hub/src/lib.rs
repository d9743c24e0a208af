//! Runs a hub day in simulated time: flights depart and arrive, ULDs are broken down and bags
//! scanned (RCF), customs releases, holds, asks about or refuses each parcel, parcels are inducted
//! onto the sorters and discharged to the chute the route plan (crate `sort`) gives, loaded onto outbound
//! trucks per carrier route, and handed over when the truck leaves.
//!
//! Pure and deterministic: parcels and a seed in, events out through a callback, in time order.
//! Where the events go (the store, the log) is the caller's business.

pub mod customs;
pub mod host;
mod sim;

pub use customs::decide_day;
pub use hangar_sort::{Plan as RoutePlan, Route};
pub use host::{HostError, LocalSortHost, SortHost};
pub use sim::{DayTally, HubConfig, SimParcel, run_day};
