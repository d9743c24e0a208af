//! What lets an outsider trust the hub, as pure logic over data and events:
//!
//! - `catalog`: every stored field, its data class (personal, commercial, operational, public)
//!   and where it lives;
//! - `flows`: the declared egress flows and the gate's decision on data offered to one (fields
//!   removed, small groups suppressed, undeclared or non-EU/EEA destinations refused);
//! - `guard`: what a change of a guarded setting changes and whether it weakens a control, and
//!   each control's versions and open proposals folded from its events;
//! - `retention`: how long each class is kept and what is due;
//! - `report`: the auditor's report over a stretch of the log, with its alerts.
//!
//! No I/O: the egress gate (`hangar-egress`), the server and the command line do the sending,
//! storing and recording.

pub mod catalog;
pub mod flows;
pub mod guard;
pub mod report;
pub mod retention;

pub use catalog::Catalog;
pub use flows::{Dataset, Flow, Flows};
pub use guard::ControlState;
pub use retention::Policy;
