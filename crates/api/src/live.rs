//! What the screens show, folded from the store's events as they are recorded: parcels by
//! stage, throughput per stage over simulated time, the customs holds queue, chute fill levels,
//! recent exceptions, flights scheduled against actual. `follow` tails the store (the events'
//! gap-free sequence makes that a cursor), so the same state serves the demo while its day runs,
//! `hangar serve` over a finished day, and the declarants' own actions.
//!
//! Memory is bounded by the day's parcels (one derived state each) and fixed-size windows.

use hangar_model::{
    CustomsOutcome, Detail, DischargeOutcome, Event, EventCode, FlightKey, ParcelState, S10Id,
    Subject, Timestamp,
};
use hangar_store::Store;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// Width of a throughput bucket, simulated minutes.
pub const BUCKET_MIN: i64 = 10;
/// Buckets kept (two days).
pub const BUCKETS: usize = 288;
/// Exceptions kept for the screen.
pub const MAX_EXCEPTIONS: usize = 200;
/// Parcels followed at most (beyond: counted, not followed). A parcel handed over is no longer
/// followed (nothing moves it any more), so this bounds the parcels in the hangar, not the day.
pub const MAX_PARCELS: usize = 5_000_000;
/// The latest parcels handed over, kept for the lists (their state is read from the store).
pub const RECENT_HANDED_OVER: usize = 100_000;
/// Events waiting for the events they follow, at most (beyond: applied as they come).
const MAX_PENDING: usize = 1_000_000;
/// Events read from the store per step of `follow`.
const READ_CHUNK: u64 = 10_000;

/// The stages throughput is charted for, in the order of a parcel's day.
pub const FLOW: [(&str, &[EventCode]); 5] = [
    ("received", &[EventCode::RCF]),
    (
        "customs",
        &[
            EventCode::CCD,
            EventCode::RFI,
            EventCode::HLD,
            EventCode::RTS,
        ],
    ),
    ("sorted", &[EventCode::SRT]),
    ("loaded", &[EventCode::FOW]),
    ("handed_over", &[EventCode::DLV]),
];

/// A parcel in the customs holds queue.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Hold {
    /// The parcel.
    pub parcel: S10Id,
    /// Hold, request for information or refusal.
    pub outcome: CustomsOutcome,
    /// When decided.
    pub at: Timestamp,
    /// Who decided.
    pub by: String,
    /// The reasons' names (`undervalued`, `denied_party`, ...), or that a declarant decided.
    pub reasons: Vec<String>,
}

/// A flight, scheduled against actual.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FlightRow {
    /// Flight and date.
    pub flight: String,
    /// Origin airport.
    pub origin: String,
    /// Scheduled arrival.
    pub sta: Timestamp,
    /// Actual arrival, once it landed.
    pub ata: Option<Timestamp>,
}

/// Something that needs a person.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExceptionRow {
    /// When.
    pub at: Timestamp,
    /// The parcel, when known.
    pub parcel: Option<S10Id>,
    /// What (`missing`, `no_read`, `no_destination`, ...).
    pub what: String,
    /// Where.
    pub location: String,
}

/// The folded state.
#[derive(Default)]
pub struct LiveState {
    /// Last event sequence applied.
    pub seq: u64,
    /// Time of the latest event (simulated time in the demo).
    pub now: Option<Timestamp>,
    parcels: HashMap<S10Id, ParcelState>,
    /// Parcels handed over and no longer followed: how many, and the latest with their route.
    gone: u64,
    recent: VecDeque<(S10Id, Option<String>)>,
    /// Events that arrived before the events they follow in a parcel's life (several writers
    /// record a parcel's day: a sorter's confirmation may be stored before the sort decision
    /// it confirms); tried again after each event of the parcel that fits.
    pending: HashMap<S10Id, Vec<Event>>,
    pending_total: usize,
    /// Parcels by board stage.
    pub by_stage: BTreeMap<&'static str, u64>,
    /// Events per flow stage per bucket (bucket start in ms) .
    pub throughput: BTreeMap<i64, [u32; 5]>,
    /// Parcels sitting in each chute (sorted there, not yet loaded).
    pub chutes: BTreeMap<u16, u32>,
    /// The holds queue.
    pub holds: BTreeMap<S10Id, Hold>,
    /// Customs decisions by outcome.
    pub decisions: BTreeMap<&'static str, u64>,
    /// Parcels held by reason name.
    pub hold_reasons: BTreeMap<String, u64>,
    /// Sorter discharges by outcome.
    pub discharges: BTreeMap<&'static str, u64>,
    /// Flights.
    pub flights: BTreeMap<FlightKey, FlightRow>,
    /// Recent exceptions, newest last.
    pub exceptions: VecDeque<ExceptionRow>,
    /// Events applied in all.
    pub events: u64,
    /// Events by code.
    pub by_code: BTreeMap<&'static str, u64>,
}

impl LiveState {
    /// Applies one recorded event.
    pub fn apply(&mut self, seq: u64, e: &Event) {
        self.seq = self.seq.max(seq);
        self.events += 1;
        *self.by_code.entry(e.code.as_str()).or_default() += 1;
        if self.now.is_none_or(|n| e.at > n) {
            self.now = Some(e.at);
        }
        let bucket = e.at.unix_ms().div_euclid(BUCKET_MIN * 60_000) * BUCKET_MIN * 60_000;
        if let Some(k) = FLOW.iter().position(|(_, codes)| codes.contains(&e.code)) {
            self.throughput.entry(bucket).or_default()[k] += 1;
            while self.throughput.len() > BUCKETS {
                self.throughput.pop_first();
            }
        }
        match e.subject {
            Subject::Parcel(id) => self.parcel_event(id, e),
            Subject::Flight(f) if e.code == EventCode::ARR => {
                if let Some(row) = self.flights.get_mut(&f) {
                    row.ata = Some(e.at);
                }
            }
            Subject::Sorter(_) => {
                if let Detail::SorterItem { outcome, .. } = &e.detail {
                    self.exception(e, None, outcome_name(*outcome));
                }
            }
            _ => {}
        }
    }

    fn exception(&mut self, e: &Event, parcel: Option<S10Id>, what: &str) {
        self.exceptions.push_back(ExceptionRow {
            at: e.at,
            parcel,
            what: what.into(),
            location: e.location.to_string(),
        });
        while self.exceptions.len() > MAX_EXCEPTIONS {
            self.exceptions.pop_front();
        }
    }

    fn parcel_event(&mut self, id: S10Id, e: &Event) {
        if e.code.is_record_keeping() {
            return;
        }
        self.side_effects(id, e);
        if !self.parcels.contains_key(&id) && self.parcels.len() >= MAX_PARCELS {
            return;
        }
        let state = self.parcels.entry(id).or_default();
        let (before, chute_before) = (state.board_stage(), at_chute(state));
        let misfits = state.out_of_order;
        state.apply(e);
        if state.out_of_order > misfits {
            // Not yet: keep it for when the events it follows arrive.
            state.out_of_order = misfits;
            if self.pending_total < MAX_PENDING {
                self.pending.entry(id).or_default().push(e.clone());
                self.pending_total += 1;
            }
            return;
        }
        // Events waiting for this one may fit now.
        while let Some(list) = self.pending.get_mut(&id) {
            let state = self.parcels.get_mut(&id).expect("followed");
            let Some(k) = list.iter().position(|p| {
                let mut trial = state.clone();
                trial.apply(p);
                trial.out_of_order == state.out_of_order
            }) else {
                break;
            };
            let p = list.remove(k);
            if list.is_empty() {
                self.pending.remove(&id);
            }
            self.pending_total -= 1;
            state.apply(&p);
        }
        let state = &self.parcels[&id];
        let (after, chute_after) = (state.board_stage(), at_chute(state));
        if after == "handed_over"
            && let Some(s) = self.parcels.remove(&id)
        {
            // Nothing moves it any more: counted, listed among the latest, no longer followed.
            if let Some(p) = self.pending.remove(&id) {
                self.pending_total -= p.len();
            }
            self.gone += 1;
            self.recent.push_back((id, s.route));
            while self.recent.len() > RECENT_HANDED_OVER {
                self.recent.pop_front();
            }
        }
        if before != after {
            if before != "unknown"
                && let Some(n) = self.by_stage.get_mut(before)
            {
                *n = n.saturating_sub(1);
            }
            *self.by_stage.entry(after).or_default() += 1;
        }
        if chute_before != chute_after {
            if let Some(c) = chute_before
                && let Some(n) = self.chutes.get_mut(&c)
            {
                *n = n.saturating_sub(1);
            }
            if let Some(c) = chute_after {
                *self.chutes.entry(c).or_default() += 1;
            }
        }
    }

    /// What an event says beyond where its parcel is: decisions, holds, discharges, exceptions.
    fn side_effects(&mut self, id: S10Id, e: &Event) {
        if let Some(outcome) = CustomsOutcome::of(e.code) {
            *self.decisions.entry(outcome.as_str()).or_default() += 1;
            if outcome == CustomsOutcome::Release {
                self.holds.remove(&id);
            } else {
                let reasons: Vec<String> = match &e.detail {
                    Detail::Held { reasons, .. } => {
                        reasons.iter().map(|r| r.name().to_string()).collect()
                    }
                    // The declarant's own words are commercially sensitive (the parcel page
                    // shows them, recorded); the queue says only who decided.
                    Detail::Declarant { .. } => vec!["declarant's decision".to_string()],
                    _ => Vec::new(),
                };
                if let Detail::Held { .. } = e.detail {
                    for r in &reasons {
                        *self.hold_reasons.entry(r.clone()).or_default() += 1;
                    }
                }
                self.holds.insert(
                    id,
                    Hold {
                        parcel: id,
                        outcome,
                        at: e.at,
                        by: e.actor.to_string(),
                        reasons,
                    },
                );
            }
        }
        match (&e.code, &e.detail) {
            (EventCode::SRT, Detail::Discharged { outcome, .. }) => {
                *self.discharges.entry(outcome_name(*outcome)).or_default() += 1;
                if *outcome != DischargeOutcome::Sorted {
                    self.exception(e, Some(id), outcome_name(*outcome));
                }
            }
            (EventCode::DIS, Detail::Discrepancy { what }) => {
                let w = match what {
                    hangar_model::DiscrepancyKind::Missing => "missing",
                    hangar_model::DiscrepancyKind::Found => "found",
                    hangar_model::DiscrepancyKind::Damaged => "damaged",
                };
                self.exception(e, Some(id), w);
            }
            _ => {}
        }
    }

    /// A parcel's state, if followed (a parcel handed over is not: read it from the store).
    pub fn parcel(&self, id: &S10Id) -> Option<&ParcelState> {
        self.parcels.get(id)
    }

    /// Parcels seen: followed, and handed over.
    pub fn parcels(&self) -> usize {
        self.parcels.len() + self.gone as usize
    }

    /// Parcels in a board stage, up to `limit`, by id (handed over: among the latest
    /// `RECENT_HANDED_OVER`).
    pub fn in_stage(&self, stage: &str, limit: usize) -> Vec<S10Id> {
        let mut v: Vec<S10Id> = if stage == "handed_over" {
            self.recent.iter().map(|(id, _)| *id).collect()
        } else {
            self.parcels
                .iter()
                .filter(|(_, s)| s.board_stage() == stage)
                .map(|(id, _)| *id)
                .collect()
        };
        v.sort_unstable();
        v.truncate(limit);
        v
    }

    /// Parcels whose last sort decision was for one of `routes`, up to `limit`, by id.
    pub fn on_routes(&self, routes: &[&str], limit: usize) -> Vec<(S10Id, &'static str)> {
        let mut v: Vec<(S10Id, &'static str)> = self
            .parcels
            .iter()
            .filter(|(_, s)| s.route.as_deref().is_some_and(|r| routes.contains(&r)))
            .map(|(id, s)| (*id, s.board_stage()))
            .chain(
                self.recent
                    .iter()
                    .filter(|(_, r)| r.as_deref().is_some_and(|r| routes.contains(&r)))
                    .map(|(id, _)| (*id, "handed_over")),
            )
            .collect();
        v.sort_unstable();
        v.truncate(limit);
        v
    }
}

fn at_chute(s: &ParcelState) -> Option<u16> {
    (s.stage == hangar_model::ParcelStage::AtChute)
        .then_some(s.chute)
        .flatten()
}

fn outcome_name(o: DischargeOutcome) -> &'static str {
    match o {
        DischargeOutcome::Sorted => "sorted",
        DischargeOutcome::NoRead => "no_read",
        DischargeOutcome::NoDestination => "no_destination",
        DischargeOutcome::ChuteFull => "chute_full",
        DischargeOutcome::Recirculated => "recirculated",
        DischargeOutcome::Rejected => "rejected",
    }
}

/// The live state, shared between the follower and the request handlers.
#[derive(Default)]
pub struct Live {
    state: RwLock<LiveState>,
    stop: AtomicBool,
}

impl Live {
    /// A reader's view.
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, LiveState> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Loads the flights and applies every event the store has beyond what was applied.
    pub fn catch_up(&self, store: &dyn Store) -> Result<u64, hangar_store::StoreError> {
        {
            let flights = store.flights()?;
            let mut s = self.state.write().unwrap_or_else(|p| p.into_inner());
            for f in flights {
                s.flights.entry(f.key).or_insert_with(|| FlightRow {
                    flight: f.key.to_string(),
                    origin: f.origin.to_string(),
                    sta: f.sta,
                    ata: None,
                });
            }
        }
        let mut applied = 0;
        loop {
            let from = self.read().seq + 1;
            let batch = store.events(from, from + READ_CHUNK - 1)?;
            if batch.is_empty() {
                return Ok(applied);
            }
            let mut s = self.state.write().unwrap_or_else(|p| p.into_inner());
            for r in &batch {
                s.apply(r.seq, &r.event);
            }
            applied += batch.len() as u64;
        }
    }

    /// Follows `store` on a thread until `stop`: catches up every `every`.
    pub fn follow(self: &Arc<Self>, store: Arc<dyn Store>, every: std::time::Duration) {
        let live = self.clone();
        std::thread::Builder::new()
            .name("live".into())
            .spawn(move || {
                while !live.stop.load(Ordering::Relaxed) {
                    if let Err(e) = live.catch_up(store.as_ref()) {
                        eprintln!("warning: the dashboard could not read the store: {e}");
                    }
                    std::thread::sleep(every);
                }
            })
            .expect("spawning the live follower");
    }

    /// Stops following.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hangar_model::{Actor, Location, TruckId};

    fn ev(id: S10Id, code: EventCode, at: i64, detail: Detail) -> Event {
        Event {
            subject: Subject::Parcel(id),
            code,
            at: Timestamp(at),
            actor: Actor::parse("system:test").unwrap(),
            location: Location::parse("LGG").unwrap(),
            detail,
        }
    }

    #[test]
    fn a_parcel_handed_over_is_counted_listed_and_no_longer_followed() {
        let (a, b) = (
            S10Id::parse("RB123456785CN").unwrap(),
            S10Id::parse("RB000000005CN").unwrap(),
        );
        let truck = TruckId::parse("T-DE-1-1").unwrap();
        let mut l = LiveState::default();
        let life = [
            ev(a, EventCode::MAN, 1, Detail::None),
            ev(a, EventCode::RCF, 2, Detail::None),
            ev(a, EventCode::CRC, 3, Detail::None),
            ev(a, EventCode::CCD, 4, Detail::None),
            ev(
                a,
                EventCode::SDC,
                5,
                Detail::SortDecision {
                    chute: 12,
                    route: Some("DE-1".into()),
                    pass: 1,
                },
            ),
            ev(
                a,
                EventCode::SRT,
                6,
                Detail::Discharged {
                    chute: 12,
                    outcome: DischargeOutcome::Sorted,
                    pass: 1,
                },
            ),
            ev(a, EventCode::FOW, 7, Detail::Loaded { truck }),
            ev(a, EventCode::DLV, 8, Detail::None),
            ev(b, EventCode::MAN, 1, Detail::None),
        ];
        for (seq, e) in life.iter().enumerate() {
            l.apply(seq as u64 + 1, e);
        }
        assert_eq!(l.by_stage.get("handed_over"), Some(&1));
        assert_eq!(l.by_stage.get("manifested"), Some(&1));
        assert_eq!(l.by_stage.get("loaded").copied().unwrap_or(0), 0);
        assert_eq!(l.chutes.get(&12).copied().unwrap_or(0), 0);
        assert!(l.parcel(&a).is_none(), "handed over: no longer followed");
        assert!(l.parcel(&b).is_some());
        assert_eq!(l.parcels(), 2);
        assert_eq!(l.in_stage("handed_over", 10), vec![a]);
        assert_eq!(l.on_routes(&["DE-1"], 10), vec![(a, "handed_over")]);
        // A late event of the parcel handed over moves nothing on the board.
        l.apply(
            10,
            &ev(
                a,
                EventCode::DIS,
                9,
                Detail::Discrepancy {
                    what: hangar_model::DiscrepancyKind::Damaged,
                },
            ),
        );
        assert_eq!(l.by_stage.get("handed_over"), Some(&1));
        assert_eq!(l.by_stage.get("manifested"), Some(&1));
        assert_eq!(l.by_stage.values().sum::<u64>(), 2);
    }
}
