//! The sort host's pure core. `plan`: route plans as files (TOML), compiled into an immutable
//! lookup (country + postcode + service -> route -> chutes in priority order), diffed for change
//! events, exported as a sort table. `decide`: the chute decision for one destination request.
//! `telegram`: the sorter protocol's telegrams (STX/ETX, fixed-length ASCII fields), encoded and
//! decoded without allocating, and the framer that cuts a byte stream into telegrams with a
//! bound on what it buffers. See docs/sorter-protocol.md.
//!
//! No I/O here: the TCP server and the emulator sit at the edge and use this crate.

pub mod decide;
pub mod plan;
pub mod telegram;

pub use decide::{ChuteStates, Customs, Decision, Directory, ParcelInfo, decide};
pub use plan::{Plan, PlanError, Route, Special};
