//! Hangar's verifiable log: every event the hub records becomes an entry of an RFC 9162 Merkle
//! tree, stored so that C2SP tlog-tiles can be served from it and proofs come from stored hashes.
//! Appends are durable (group commit with fdatasync) before they are acknowledged; checkpoints
//! are C2SP signed notes (Ed25519) and only ever cover durable entries.
//!
//! `merkle`, `note`, `tile` and `entry` are pure; `log` owns the files and the writer thread.

pub mod entry;
pub mod keys;
mod log;
pub mod merkle;
pub mod note;
pub mod tile;

pub use log::{Ledger, LedgerError, MAX_APPEND_ENTRIES, MAX_ENTRY_BYTES, Options};
pub use merkle::Hash;
pub use note::{Checkpoint, NoteError, NoteSigner, NoteVerifier};
pub use tile::TilePath;
