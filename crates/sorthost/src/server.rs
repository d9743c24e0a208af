//! The sort host's TCP server.
//!
//! Per connection: one task reads and decides, one task writes. Between them a bounded queue of
//! telegrams: a sorter that stops reading fills it, the reader then stops reading that socket,
//! and TCP pushes back on the sorter. Memory per connection is bounded by the queue, the framer
//! (512 bytes) and the confirmations in flight (a semaphore).

use hangar_model::{
    Actor, Detail, DischargeOutcome, Event, EventCode, Location, S10Id, Subject, Timestamp,
};
use hangar_sort::telegram::{Body, ChuteState, Framed, Framer, NakReason, Refusal, Telegram};
use hangar_sort::{ChuteStates, Directory, ParcelInfo, Plan, decide};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};

/// Telegrams waiting to be written to one sorter.
const OUT_QUEUE: usize = 1024;
/// Confirmations being made durable at once, per connection.
const CONFIRMATIONS_IN_FLIGHT: usize = 256;
/// A connection silent this long is closed.
const IDLE: Duration = Duration::from_secs(15);
/// Sorters per host (sorter numbers 0..=99).
const SORTERS: usize = 100;

/// Where confirmed discharges (and plan changes) go: durably, once per key.
pub trait Confirmations: Send + Sync + 'static {
    /// Records `events` unless `key` was recorded before. Returns once durable; `Ok(false)` for
    /// a repeat.
    fn record(&self, key: &str, events: &[Event]) -> Result<bool, String>;
}

/// Counters, for metrics and tests.
#[derive(Default, Debug)]
pub struct Stats {
    /// Destination requests answered.
    pub decisions: AtomicU64,
    /// Connections refused (not from the sorters' networks).
    pub refused: AtomicU64,
    /// Discharges recorded (new).
    pub confirmations: AtomicU64,
    /// Discharges seen again (acknowledged, not recorded twice).
    pub duplicates: AtomicU64,
    /// Negative acknowledgements sent.
    pub naks: AtomicU64,
    /// Connections accepted.
    pub connections: AtomicU64,
}

/// What the host knows and decides with; shared by every connection.
pub struct HostState {
    hub: String,
    plan: RwLock<Arc<Plan>>,
    directory: RwLock<HashMap<S10Id, ParcelInfo>>,
    chutes: Mutex<Vec<ChuteStates>>,
    sink: Arc<dyn Confirmations>,
    /// The latest instant a sorter's `HHMMSSmmm` time stood for (at first: the present, or the
    /// middle of the operating day set by `set_day`). Every sorter time is read as the instant
    /// nearest to it, so confirmations from several sorters, interleaved across midnight in any
    /// order, each land on their own day.
    reference: Mutex<Timestamp>,
    /// Whether discharges of known parcels are recorded with their sort decision.
    record_decisions: std::sync::atomic::AtomicBool,
    /// Which peers may connect (all, until `admit_only` is called).
    admitted: RwLock<Option<Arc<dyn Fn(std::net::IpAddr) -> bool + Send + Sync>>>,
    /// Counters.
    pub stats: Stats,
}

impl HostState {
    /// A host for hub `hub` (IATA code) with a plan and where confirmations go.
    pub fn new(hub: &str, plan: Plan, sink: Arc<dyn Confirmations>) -> HostState {
        HostState {
            hub: hub.to_string(),
            plan: RwLock::new(Arc::new(plan)),
            directory: RwLock::new(HashMap::new()),
            chutes: Mutex::new(vec![ChuteStates::default(); SORTERS]),
            sink,
            reference: Mutex::new(now()),
            record_decisions: std::sync::atomic::AtomicBool::new(false),
            admitted: RwLock::new(None),
            stats: Stats::default(),
        }
    }

    /// Sets the operating day (for a simulated day; a live host reads times around the present).
    pub fn set_day(&self, day: hangar_model::Date) {
        *self.reference.lock().expect("lock") = day.midnight().plus_ms(DAY_MS / 2);
    }

    /// The instant of a sorter time of day: of the three readings on the reference's day and the
    /// days either side, the one nearest the reference; the reference only moves forward.
    fn instant(&self, time_ms: u32) -> Timestamp {
        let mut reference = self.reference.lock().expect("lock");
        let midnight = reference.date().midnight();
        let at = [-DAY_MS, 0, DAY_MS]
            .into_iter()
            .map(|k| midnight.plus_ms(k + i64::from(time_ms)))
            .min_by_key(|t| (t.unix_ms() - reference.unix_ms()).abs())
            .expect("three candidates");
        if at > *reference {
            *reference = at;
        }
        at
    }

    /// Learns a customs decision for a parcel the host knows.
    pub fn set_customs(&self, id: S10Id, customs: hangar_sort::Customs) {
        if let Some(info) = self.directory.write().expect("lock").get_mut(&id) {
            info.customs = customs;
        }
    }

    /// Adds or updates what the host knows of parcels (destination, customs status).
    pub fn set_parcels(&self, parcels: impl IntoIterator<Item = (S10Id, ParcelInfo)>) {
        let mut d = self.directory.write().expect("lock");
        d.extend(parcels);
    }

    /// The current plan.
    pub fn plan(&self) -> Arc<Plan> {
        self.plan.read().expect("lock").clone()
    }

    /// Replaces the plan with a version already recorded (the route-plan setting's change,
    /// `hangar_service::controls`); returns what changed. Decisions in flight finish on the old
    /// plan, later ones use the new one, none is lost.
    pub fn use_plan(&self, new: Plan) -> Vec<String> {
        let changes = new.diff(&self.plan());
        *self.plan.write().expect("lock") = Arc::new(new);
        changes
    }

    fn decide(&self, sorter: u8, req: &hangar_sort::telegram::Request) -> hangar_sort::Decision {
        let plan = self.plan();
        let dir = self.directory.read().expect("lock");
        let chutes = self.chutes.lock().expect("lock");
        decide(
            &plan,
            &*dir as &dyn Directory,
            &chutes[sorter as usize],
            req,
        )
    }

    fn set_chute(&self, sorter: u8, chute: u16, state: ChuteState) {
        self.chutes.lock().expect("lock")[sorter as usize]
            .set_blocked(chute, state != ChuteState::Open);
    }

    /// Admits connections only from peers `allow` accepts (the sorters' networks); others are
    /// closed at once and counted in `stats.refused`.
    pub fn admit_only(&self, allow: Arc<dyn Fn(std::net::IpAddr) -> bool + Send + Sync>) {
        *self.admitted.write().expect("lock") = Some(allow);
    }

    fn admits(&self, ip: std::net::IpAddr) -> bool {
        self.admitted
            .read()
            .expect("lock")
            .as_ref()
            .is_none_or(|f| f(ip))
    }

    /// Whether the host records its sort decision (`SDC`) with each discharge of a known
    /// parcel: on in the live hub, where nothing else records where the sorter sent a parcel;
    /// off where a simulation records its own decisions.
    pub fn record_decisions(&self, on: bool) {
        self.record_decisions.store(on, Ordering::Relaxed);
    }

    /// The events a discharge confirmation becomes: the discharge, preceded (when the host
    /// records decisions) by the decision that sent the parcel to that chute, in one record.
    fn discharge_events(&self, sorter: u8, d: &hangar_sort::telegram::Discharge) -> Vec<Event> {
        let srt = self.discharge_event(sorter, d);
        if !self.record_decisions.load(Ordering::Relaxed) {
            return vec![srt];
        }
        let Detail::Discharged { chute, pass, .. } = srt.detail else {
            return vec![srt];
        };
        let plan = self.plan();
        let route = plan
            .routes()
            .iter()
            .find(|r| r.chutes.contains(&chute))
            .map(|r| r.id.clone());
        let sdc = Event {
            code: EventCode::SDC,
            location: Location::parse(&format!("{}/S{sorter:02}", self.hub))
                .unwrap_or(srt.location),
            actor: Actor::parse("system:sorthost").expect("actor"),
            detail: Detail::SortDecision { chute, route, pass },
            ..srt.clone()
        };
        vec![sdc, srt]
    }

    /// The event a discharge confirmation becomes.
    fn discharge_event(&self, sorter: u8, d: &hangar_sort::telegram::Discharge) -> Event {
        let outcome: DischargeOutcome = d.outcome.into();
        let known = S10Id::parse(d.barcode.as_str())
            .ok()
            .filter(|id| self.directory.read().expect("lock").contains_key(id));
        let (subject, detail) = match known {
            Some(id) => (
                Subject::Parcel(id),
                Detail::Discharged {
                    chute: d.chute,
                    outcome,
                    pass: d.recirculations + 1,
                },
            ),
            None => (
                Subject::Sorter(sorter),
                Detail::SorterItem {
                    item: d.item,
                    barcode: d.barcode.as_str().to_string(),
                    chute: d.chute,
                    outcome,
                },
            ),
        };
        Event {
            subject,
            code: EventCode::SRT,
            at: self.instant(d.time_ms),
            actor: Actor::parse(&format!("sorter:S{sorter:02}")).expect("actor"),
            location: Location::parse(&format!("{}/S{sorter:02}/CH{:03}", self.hub, d.chute))
                .expect("location"),
            detail,
        }
    }
}

/// A day, in milliseconds.
const DAY_MS: i64 = 86_400_000;

/// The present, for a live host's first reading of sorter times.
fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp(ms)
}

/// Accepts sorters on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: Arc<HostState>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((sock, peer)) = accepted else { continue };
                if !state.admits(peer.ip()) {
                    // Not from the sorters' network: closed before a byte is read.
                    state.stats.refused.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let _ = sock.set_nodelay(true);
                state.stats.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(connection(sock, state.clone()));
            }
        }
    }
}

async fn connection(sock: TcpStream, state: Arc<HostState>) {
    let (mut rd, mut wr) = sock.into_split();
    let (tx, mut rx) = mpsc::channel::<Telegram>(OUT_QUEUE);
    let writer = tokio::spawn(async move {
        let mut buf = Vec::with_capacity(64 * 1024);
        while let Some(t) = rx.recv().await {
            buf.clear();
            t.encode(&mut buf);
            // Gather whatever else is ready into the same write.
            while buf.len() < 60 * 1024 {
                match rx.try_recv() {
                    Ok(t) => t.encode(&mut buf),
                    Err(_) => break,
                }
            }
            if wr.write_all(&buf).await.is_err() {
                return;
            }
        }
    });
    let confirmations = Arc::new(Semaphore::new(CONFIRMATIONS_IN_FLIGHT));
    let mut framer = Framer::default();
    let mut buf = vec![0u8; 16 * 1024];
    let mut last_sorter = 0u8;
    'read: loop {
        let n = match tokio::time::timeout(IDLE, rd.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => n,
        };
        let mut frames = Vec::new();
        let ok = framer.feed(&buf[..n], |f| frames.push(f));
        for f in frames {
            let reply = match f {
                Framed::Telegram(bytes) => match Telegram::decode(&bytes) {
                    Ok(t) => {
                        last_sorter = t.sorter;
                        handle(t, &state, &tx, &confirmations).await
                    }
                    Err(refusal) => Some(refusal.nak(last_sorter)),
                },
                Framed::Broken => Some(
                    Refusal {
                        seq: 0,
                        reason: NakReason::Framing,
                        text: "telegram cut off by a new STX".into(),
                    }
                    .nak(last_sorter),
                ),
                Framed::Oversized => break 'read,
            };
            if let Some(r) = reply {
                if matches!(r.body, Body::Nak { .. }) {
                    state.stats.naks.fetch_add(1, Ordering::Relaxed);
                }
                if tx.send(r).await.is_err() {
                    break 'read;
                }
            }
        }
        if !ok {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

/// Handles one telegram; returns the immediate reply, if any (an AK for a discharge is sent
/// later, once it is durable).
async fn handle(
    t: Telegram,
    state: &Arc<HostState>,
    tx: &mpsc::Sender<Telegram>,
    confirmations: &Arc<Semaphore>,
) -> Option<Telegram> {
    let (sorter, seq) = (t.sorter, t.seq);
    match t.body {
        Body::Request(req) => {
            let d = state.decide(sorter, &req);
            state.stats.decisions.fetch_add(1, Ordering::Relaxed);
            Some(Telegram {
                sorter,
                seq,
                body: Body::Answer(hangar_sort::telegram::Answer {
                    item: req.item,
                    chutes: d.chutes,
                    count: d.count,
                    reason: d.reason,
                    barcode: d.barcode,
                }),
            })
        }
        Body::Discharge(d) => {
            let permit = confirmations.clone().acquire_owned().await.ok()?;
            let state = state.clone();
            let tx = tx.clone();
            let events = state.discharge_events(sorter, &d);
            let key = format!("dc:{sorter:02}:{seq:06}:{:08}:{}", d.item, d.time_ms);
            tokio::spawn(async move {
                let sink = state.sink.clone();
                let result = tokio::task::spawn_blocking(move || sink.record(&key, &events)).await;
                let reply = match result {
                    Ok(Ok(new)) => {
                        let counter = if new {
                            &state.stats.confirmations
                        } else {
                            &state.stats.duplicates
                        };
                        counter.fetch_add(1, Ordering::Relaxed);
                        Telegram {
                            sorter,
                            seq,
                            body: Body::Ack,
                        }
                    }
                    // Not durable: no AK, so the sorter resends; tell it why.
                    Ok(Err(e)) => Telegram {
                        sorter,
                        seq,
                        body: Body::Nak {
                            reason: NakReason::Field,
                            text: format!("not stored: {e}"),
                        },
                    },
                    Err(_) => Telegram {
                        sorter,
                        seq,
                        body: Body::Nak {
                            reason: NakReason::Field,
                            text: "not stored".into(),
                        },
                    },
                };
                let _ = tx.send(reply).await;
                drop(permit);
            });
            None
        }
        Body::ChuteStatus { chute, state: s } => {
            state.set_chute(sorter, chute, s);
            Some(Telegram {
                sorter,
                seq,
                body: Body::Ack,
            })
        }
        Body::Heartbeat { .. } => {
            let ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| (d.as_millis() % 86_400_000) as u32)
                .unwrap_or(0);
            Some(Telegram {
                sorter,
                seq,
                body: Body::Heartbeat { time_ms: ms },
            })
        }
        Body::Ack | Body::Nak { .. } => None,
        Body::Answer(_) => Some(
            Refusal {
                seq,
                reason: NakReason::Type,
                text: "DA is sent by the host, not to it".into(),
            }
            .nak(sorter),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nowhere;
    impl Confirmations for Nowhere {
        fn record(&self, _: &str, _: &[Event]) -> Result<bool, String> {
            Ok(true)
        }
    }

    /// Two sorters report around midnight; their confirmations reach the host interleaved in
    /// any order. Each time lands on its own day, and a late one from before midnight never
    /// pushes the day forward twice.
    #[test]
    fn sorter_times_interleaved_across_midnight_land_on_their_day() {
        let host = HostState::new("LGG", Plan::default_eu(), Arc::new(Nowhere));
        let day = hangar_model::Date::parse("2026-12-01").unwrap();
        host.set_day(day);
        let midnight = day.midnight();
        let next = midnight.plus_ms(DAY_MS);
        let hms = |h: u32, m: u32, s: u32| ((h * 60 + m) * 60 + s) * 1000;
        let seen = [
            (
                hms(23, 59, 58),
                midnight.plus_ms(i64::from(hms(23, 59, 58))),
            ),
            (hms(0, 0, 3), next.plus_ms(i64::from(hms(0, 0, 3)))),
            (
                hms(23, 59, 59),
                midnight.plus_ms(i64::from(hms(23, 59, 59))),
            ),
            (hms(0, 0, 5), next.plus_ms(i64::from(hms(0, 0, 5)))),
            (
                hms(23, 59, 57),
                midnight.plus_ms(i64::from(hms(23, 59, 57))),
            ),
            (hms(6, 0, 0), next.plus_ms(i64::from(hms(6, 0, 0)))),
        ];
        for (time, want) in seen {
            assert_eq!(host.instant(time), want, "sorter time {time}");
        }
        // The first reading of a fresh operating day is on that day.
        let host = HostState::new("LGG", Plan::default_eu(), Arc::new(Nowhere));
        host.set_day(day);
        assert_eq!(
            host.instant(hms(5, 0, 0)),
            midnight.plus_ms(i64::from(hms(5, 0, 0)))
        );
        assert_eq!(
            host.instant(hms(23, 0, 0)),
            midnight.plus_ms(i64::from(hms(23, 0, 0)))
        );
    }
}
