//! EU customs for low-value e-commerce imports, as pure functions over dated rule tables.
//!
//! `rules`: the rule book (exchange rates, VAT, the flat duty, the handling fee, the H7
//! ceiling and exclusions), each rule dated and versioned, loaded from a data file.
//! `h7`: the super-reduced H7 declaration assembled from a manifested parcel, with every
//! missing or unusable element named, and eligibility. `assess`: duties and taxes on a date,
//! recording which rule versions applied. `ioss`: IOSS number checks (format, register, misuse
//! signals).
//!
//! `risk`: explainable risk rules (undervaluation against a median/MAD reference per HS
//! heading, split consignments, description vs tariff code, restricted goods). `engine`: the
//! decision per consignment (release, request for information, hold, refuse) combining all of
//! the above with denied-party screening (`hangar-screen`), every reason and rule version
//! recorded.

pub mod assess;
pub mod engine;
pub mod h7;
pub mod ioss;
pub mod risk;
pub mod rules;

pub use assess::{Assessment, VatCollection, assess};
pub use engine::{BUILTIN_THRESHOLDS, Decision, Engine, EngineConfig, SWITCHABLE};
pub use h7::{H7, H7Problem, declare};
pub use rules::{RuleBook, RulesError};
