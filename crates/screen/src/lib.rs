//! Denied-party screening: is a consignor or consignee on a sanctions list?
//!
//! `text` folds a name in any script to comparable tokens (transliteration, spelling folds,
//! company forms out). `list` loads lists: Hangar's TOML list file (the built-in fixture is a
//! hand-made excerpt of public EU and UN entries) and the EU consolidated list's CSV export.
//! `index` compiles lists into a trigram candidate index and screens parties; `score` is the
//! fuzzy name scorer (token alignment with Jaro-Winkler, weighted by rarity, country and
//! address as supporting evidence, a threshold per list). `synthetic` makes list-sized filler
//! for benchmarks; `eval` measures recall and precision on the evaluation set.
//!
//! Pure and synchronous: bytes in, hits out. Depends on `hangar-model` only for its seeded
//! random stream.

pub mod eval;
pub mod index;
pub mod list;
pub mod score;
pub mod synthetic;
pub mod text;

pub use index::{Hit, Party, Scratch, Screener};
pub use list::{Entity, Kind, List, ListError, ListSet};
