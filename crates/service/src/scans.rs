//! Scans: what the floor's devices report (flights arriving and leaving, ULDs, bags and parcels
//! received at breakdown, discrepancies, loading), applied a batch at a time, whole or not at all.

use crate::{Hub, HubError};
use hangar_model::{
    Actor, BagId, Detail, DiscrepancyKind, Event, EventCode, FlightKey, Location, ParcelState,
    S10Id, Subject, Timestamp, TruckId, UldId,
};
use hangar_store::{Container, Life, MAX_APPEND_EVENTS, Tail};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Most items one batch may carry.
pub const MAX_SCAN_ITEMS: usize = 1_000;
/// Largest scan batch accepted over HTTP: room for `MAX_SCAN_ITEMS` items of up to 1 KiB each.
pub const MAX_SCAN_BATCH_BYTES: usize = MAX_SCAN_ITEMS * 1024;
/// How far ahead of the hub's clock a scan's time may be (devices' clocks drift).
pub const SCAN_FUTURE_TOLERANCE_MS: i64 = 5 * 60_000;
/// Most parcels one ULD or bag scan may receive.
pub const MAX_CONTAINER_PARCELS: usize = 20_000;
/// Most characters of a scan's `device` or `location`.
const MAX_NAME_CHARS: usize = 40;

/// One item of a batch, as a device sends it.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Scan {
    /// `ARR` or `DEP` (a flight), `RCF` (a ULD, a bag or a parcel), `DIS` (a parcel), `FOW`
    /// (a parcel onto a truck).
    pub code: String,
    /// The flight (`CA1045/2026-12-01`): the subject of ARR and DEP, and the flight a ULD or bag
    /// came on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flight: Option<String>,
    /// A ULD (`AKE12345XX`): every parcel in it received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uld: Option<String>,
    /// A shipper's box or bag: every parcel in it received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bag: Option<String>,
    /// A parcel (S10 id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parcel: Option<String>,
    /// When it happened (RFC 3339, UTC).
    pub at: String,
    /// Where (`LGG/BREAKDOWN-1`, `LGG/DOCK-03`).
    pub location: String,
    /// The device that scanned: must be the device whose credentials sent the batch.
    pub device: String,
    /// For DIS: `missing`, `found` or `damaged`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what: Option<String>,
    /// For FOW: the open truck the parcel was loaded onto.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truck: Option<String>,
}

/// What a batch did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ScanReceipt {
    /// Items applied.
    pub items: u64,
    /// Events stored (a ULD or bag scan stores one per parcel inside).
    pub events: u64,
    /// Sequence number of the last event stored.
    pub last_seq: u64,
}

/// One item's problem.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ItemProblem {
    /// Position of the item in the batch, from 0.
    pub item: usize,
    /// The field at fault.
    pub field: &'static str,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub got: String,
}

/// Why a batch was refused. Nothing of it was applied.
#[derive(Debug, thiserror::Error)]
pub enum ScanRefusal {
    /// Some items are wrong: each named.
    #[error("{} items refused", .0.len())]
    Items(Vec<ItemProblem>),
    /// The batch as a whole is wrong (empty, too large).
    #[error("{0}")]
    Batch(String),
    /// The same batch from the same device was applied before.
    #[error("this batch was applied before (same device, same items); nothing was added")]
    Replayed,
    /// The hub failed.
    #[error(transparent)]
    Hub(#[from] HubError),
}

impl From<hangar_store::StoreError> for ScanRefusal {
    fn from(e: hangar_store::StoreError) -> Self {
        ScanRefusal::Hub(HubError::Store(e))
    }
}

/// An item read into domain values.
enum Checked {
    Flight(FlightKey),
    Parcel(S10Id),
    Container(FlightKey, Container),
}

struct Problems<'a> {
    item: usize,
    list: &'a mut Vec<ItemProblem>,
}

impl Problems<'_> {
    fn add(&mut self, field: &'static str, expected: impl Into<String>, got: impl Into<String>) {
        self.list.push(ItemProblem {
            item: self.item,
            field,
            expected: expected.into(),
            got: got.into(),
        });
    }
}

fn shown(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "nothing".into())
}

impl Hub {
    /// Applies a batch of floor scans from `device` (the authenticated device, as its actor):
    /// every item is checked (known subject, a time not in the future beyond
    /// `SCAN_FUTURE_TOLERANCE_MS`, an event that fits the parcel's life), and the batch is
    /// stored in one transaction, or refused whole with a problem per faulty item. The same
    /// batch from the same device again is refused as a replay and adds nothing.
    pub fn scans(&self, items: &[Scan], device: Actor) -> Result<ScanReceipt, ScanRefusal> {
        if items.is_empty() {
            return Err(ScanRefusal::Batch(
                "expected at least one scan in the batch".into(),
            ));
        }
        if items.len() > MAX_SCAN_ITEMS {
            return Err(ScanRefusal::Batch(format!(
                "expected at most {MAX_SCAN_ITEMS} scans per batch, got {}",
                items.len()
            )));
        }
        // A device that did not hear the answer sends the batch again: say it is in.
        let key = batch_key(device, items);
        if self.store.applied(&key)?.is_some() {
            return Err(ScanRefusal::Replayed);
        }
        let now = self.now();
        let device_name = device.as_str().split_once(':').map_or("", |(_, n)| n);
        let flights: HashSet<FlightKey> =
            self.store.flights()?.into_iter().map(|f| f.key).collect();
        let mut problems = Vec::new();
        let mut planned: Vec<(usize, Event)> = Vec::new();
        // A batch that loads trucks holds them from its check to its commit (no other load or
        // closing slips in between); other batches run side by side.
        let loads = items
            .iter()
            .any(|s| s.code.trim().eq_ignore_ascii_case("FOW"));
        let mut trucks = loads.then(|| self.trucks.lock().unwrap_or_else(|p| p.into_inner()));
        for (i, s) in items.iter().enumerate() {
            let mut p = Problems {
                item: i,
                list: &mut problems,
            };
            let before = p.list.len();
            let code = match s.code.trim().to_ascii_uppercase().as_str() {
                "ARR" => EventCode::ARR,
                "DEP" => EventCode::DEP,
                "RCF" => EventCode::RCF,
                "DIS" => EventCode::DIS,
                "FOW" => EventCode::FOW,
                _ => {
                    p.add("code", "ARR, DEP, RCF, DIS or FOW", &s.code);
                    continue;
                }
            };
            let at = match Timestamp::parse(&s.at) {
                Ok(t) if t.unix_ms() > now.unix_ms() + SCAN_FUTURE_TOLERANCE_MS => {
                    p.add(
                        "at",
                        format!(
                            "a time no later than the hub's clock ({now}) plus {} minutes",
                            SCAN_FUTURE_TOLERANCE_MS / 60_000
                        ),
                        &s.at,
                    );
                    continue;
                }
                Ok(t) => t,
                Err(e) => {
                    p.add("at", e.to_string(), &s.at);
                    continue;
                }
            };
            let location = match Location::parse(&s.location) {
                Ok(l) if s.location.len() <= MAX_NAME_CHARS => l,
                _ => {
                    p.add(
                        "location",
                        format!("a location of up to {MAX_NAME_CHARS} characters, such as LGG/BREAKDOWN-1"),
                        &s.location,
                    );
                    continue;
                }
            };
            if s.device != device_name {
                p.add(
                    "device",
                    format!("the device whose token sent the batch ({device_name})"),
                    &s.device,
                );
                continue;
            }
            let flight = match s
                .flight
                .as_deref()
                .map(|f| Subject::from_parts("flight", f))
            {
                None => None,
                Some(Ok(Subject::Flight(k))) if flights.contains(&k) => Some(k),
                Some(_) => {
                    p.add(
                        "flight",
                        "a flight on the hub's schedule, such as CA1045/2026-12-01",
                        shown(&s.flight),
                    );
                    continue;
                }
            };
            let subject = match (code, flight, &s.uld, &s.bag, &s.parcel) {
                (EventCode::ARR | EventCode::DEP, Some(f), None, None, None) => Checked::Flight(f),
                (EventCode::ARR | EventCode::DEP, ..) => {
                    p.add(
                        "flight",
                        "a flight and nothing else for ARR and DEP",
                        shown(&s.flight),
                    );
                    continue;
                }
                (EventCode::RCF, Some(f), Some(u), None, None) => match UldId::parse(u) {
                    Ok(u) => Checked::Container(f, Container::Uld(u)),
                    Err(e) => {
                        p.add("uld", e.to_string(), u);
                        continue;
                    }
                },
                (EventCode::RCF, Some(f), None, Some(b), None) => match BagId::parse(b) {
                    Ok(b) => Checked::Container(f, Container::Bag(b)),
                    Err(e) => {
                        p.add("bag", e.to_string(), b);
                        continue;
                    }
                },
                (_, _, None, None, Some(id)) if code != EventCode::ARR => match S10Id::parse(id) {
                    Ok(id) => Checked::Parcel(id),
                    Err(e) => {
                        p.add("parcel", e.to_string(), id);
                        continue;
                    }
                },
                _ => {
                    p.add(
                        "parcel",
                        "one subject: a parcel, or for RCF a flight with one ULD or one bag",
                        shown(&s.parcel),
                    );
                    continue;
                }
            };
            let detail = match code {
                EventCode::DIS => match s.what.as_deref() {
                    Some("missing") => Detail::Discrepancy {
                        what: DiscrepancyKind::Missing,
                    },
                    Some("found") => Detail::Discrepancy {
                        what: DiscrepancyKind::Found,
                    },
                    Some("damaged") => Detail::Discrepancy {
                        what: DiscrepancyKind::Damaged,
                    },
                    _ => {
                        p.add("what", "missing, found or damaged", shown(&s.what));
                        continue;
                    }
                },
                EventCode::FOW => match s.truck.as_deref().map(TruckId::parse) {
                    Some(Ok(t)) if trucks.as_ref().is_some_and(|k| k.is_open(&t)) => {
                        Detail::Loaded { truck: t }
                    }
                    _ => {
                        p.add(
                            "truck",
                            "an open truck (POST /api/trucks opens one)",
                            shown(&s.truck),
                        );
                        continue;
                    }
                },
                _ => Detail::None,
            };
            debug_assert_eq!(p.list.len(), before);
            let event = |subject: Subject, detail: Detail| Event {
                subject,
                code,
                at,
                actor: device,
                location,
                detail,
            };
            match subject {
                Checked::Flight(f) => planned.push((i, event(Subject::Flight(f), detail))),
                Checked::Parcel(id) => planned.push((i, event(Subject::Parcel(id), detail))),
                Checked::Container(f, c) => {
                    let inside = self.store.parcels_in(&f, c, MAX_CONTAINER_PARCELS + 1)?;
                    if inside.is_empty() || inside.len() > MAX_CONTAINER_PARCELS {
                        let (field, got) = match c {
                            Container::Uld(u) => ("uld", u.to_string()),
                            Container::Bag(b) => ("bag", b.to_string()),
                        };
                        p.add(
                            field,
                            format!("a ULD or bag manifested on {f} (with at most {MAX_CONTAINER_PARCELS} parcels)"),
                            got,
                        );
                        continue;
                    }
                    for parcel in inside {
                        planned.push((
                            i,
                            event(
                                Subject::Parcel(parcel.id),
                                Detail::Received {
                                    bag: parcel.bag,
                                    uld: parcel.uld,
                                },
                            ),
                        ));
                    }
                }
            }
        }
        if planned.len() > MAX_APPEND_EVENTS {
            return Err(ScanRefusal::Batch(format!(
                "expected at most {MAX_APPEND_EVENTS} events from one batch, its ULDs and bags hold {}",
                planned.len()
            )));
        }
        // No other batch checks these parcels before this one is stored.
        let _claim = self.in_flight.claim(&planned);
        self.check_fit(&mut planned, trucks.as_deref(), &mut problems)?;
        if !problems.is_empty() {
            return Err(ScanRefusal::Items(one_per_item(problems)));
        }
        let events: Vec<Event> = planned.into_iter().map(|(_, e)| e).collect();
        match self.store.append_once(&key, &events)? {
            Some(last_seq) => {
                if let Some(t) = trucks.as_mut() {
                    t.note_loaded(&events);
                }
                Ok(ScanReceipt {
                    items: items.len() as u64,
                    events: events.len() as u64,
                    last_seq,
                })
            }
            None => Err(ScanRefusal::Replayed),
        }
    }

    /// Checks that each parcel's new events fit its life (after what is stored, together with
    /// the batch's other events for it); per-parcel RCF detail (bag, ULD) is filled in here.
    pub(crate) fn check_fit(
        &self,
        planned: &mut [(usize, Event)],
        trucks: Option<&crate::trucks::Trucks>,
        problems: &mut Vec<ItemProblem>,
    ) -> Result<(), HubError> {
        let ids: Vec<S10Id> = planned
            .iter()
            .filter_map(|(_, e)| match e.subject {
                Subject::Parcel(id) => Some(id),
                _ => None,
            })
            .collect();
        let tails: HashMap<S10Id, Tail> = self.store.tails(&ids)?;
        let mut by_parcel: BTreeMap<S10Id, Vec<usize>> = BTreeMap::new();
        for (k, (i, e)) in planned.iter().enumerate() {
            if let Subject::Parcel(id) = e.subject {
                if !tails.contains_key(&id) {
                    problems.push(ItemProblem {
                        item: *i,
                        field: "parcel",
                        expected: "a parcel on a manifest the hub received".into(),
                        got: id.to_string(),
                    });
                    continue;
                }
                by_parcel.entry(id).or_default().push(k);
            }
        }
        // Most new events fold after all of their parcel's: its tail is enough. The others
        // are folded with the parcel's whole life.
        let mut whole = Vec::new();
        for (id, ks) in &by_parcel {
            let tail = &tails[id];
            for &k in ks {
                if planned[k].1.code == EventCode::RCF && planned[k].1.detail == Detail::None {
                    planned[k].1.detail = Detail::Received {
                        bag: tail.bag,
                        uld: tail.uld,
                    };
                }
            }
            let mut new: Vec<&Event> = ks.iter().map(|&k| &planned[k].1).collect();
            new.sort_by(|a, b| a.fold_cmp(b));
            if tail.precedes(new[0]) {
                let mut after = tail.state.clone();
                new.iter().for_each(|e| after.apply(e));
                judge(planned, ks, &tail.state, &after, trucks, problems);
            } else {
                whole.push(*id);
            }
        }
        if !whole.is_empty() {
            let lives: HashMap<S10Id, Life> = self.store.lives(&whole)?;
            for id in whole {
                let ks = &by_parcel[&id];
                let mut events = lives.get(&id).map(|l| l.events.clone()).unwrap_or_default();
                let before = ParcelState::derive(events.iter());
                events.extend(ks.iter().map(|&k| planned[k].1.clone()));
                let after = ParcelState::fold(&mut events);
                judge(planned, ks, &before, &after, trucks, problems);
            }
        }
        Ok(())
    }
}

/// Whether a parcel's new events (`ks` in `planned`) fit its life, `before` and `after` them;
/// what does not is added to `problems`.
fn judge(
    planned: &[(usize, Event)],
    ks: &[usize],
    before: &ParcelState,
    after: &ParcelState,
    trucks: Option<&crate::trucks::Trucks>,
    problems: &mut Vec<ItemProblem>,
) {
    if after.out_of_order > before.out_of_order {
        let codes: Vec<&str> = ks.iter().map(|&k| planned[k].1.code.as_str()).collect();
        problems.push(ItemProblem {
            item: planned[ks[0]].0,
            field: "code",
            expected: format!(
                "an event that fits the parcel's life (it is {:?}, customs {:?})",
                before.stage, before.customs
            ),
            got: codes.join(", "),
        });
        return;
    }
    for &k in ks {
        if let Detail::Loaded { truck } = planned[k].1.detail
            && let Some(why) = trucks.and_then(|t| t.refuses(&truck, after))
        {
            problems.push(ItemProblem {
                item: planned[k].0,
                field: "truck",
                expected: why,
                got: truck.to_string(),
            });
        }
    }
}

/// One problem per item and field (a ULD scan refused for 300 parcels is one problem, which
/// says how many parcels it stands for), in item order.
pub(crate) fn one_per_item(mut problems: Vec<ItemProblem>) -> Vec<ItemProblem> {
    problems.sort_by_key(|p| (p.item, p.field));
    let mut out: Vec<ItemProblem> = Vec::new();
    let mut more = 0usize;
    for p in problems {
        match out.last_mut() {
            Some(last) if last.item == p.item && last.field == p.field => more += 1,
            _ => {
                if more > 0
                    && let Some(last) = out.last_mut()
                {
                    last.got = format!("{} (and {more} more parcels alike)", last.got);
                }
                more = 0;
                out.push(p);
            }
        }
    }
    if more > 0
        && let Some(last) = out.last_mut()
    {
        last.got = format!("{} (and {more} more parcels alike)", last.got);
    }
    out
}

/// Parcels between their check and their commit: a batch (of scans, of a truck's loads) claims
/// its parcels before it checks them and frees them once stored or refused, so no two batches
/// check the same parcel against the same stored state; batches of other parcels run side by side.
#[derive(Default)]
pub(crate) struct InFlight {
    claimed: std::sync::Mutex<HashSet<S10Id>>,
    freed: std::sync::Condvar,
}

/// A batch's claim on its parcels, freed when dropped.
pub(crate) struct Claim<'a> {
    of: &'a InFlight,
    ids: Vec<S10Id>,
}

impl InFlight {
    /// Waits until none of the batch's parcels is claimed, then claims them all at once (a
    /// claim never waits while holding another, so claims cannot deadlock).
    pub(crate) fn claim(&self, planned: &[(usize, Event)]) -> Claim<'_> {
        let mut ids: Vec<S10Id> = planned
            .iter()
            .filter_map(|(_, e)| match e.subject {
                Subject::Parcel(id) => Some(id),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut claimed = self.claimed.lock().unwrap_or_else(|p| p.into_inner());
        while ids.iter().any(|id| claimed.contains(id)) {
            claimed = self.freed.wait(claimed).unwrap_or_else(|p| p.into_inner());
        }
        claimed.extend(ids.iter().copied());
        Claim { of: self, ids }
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut claimed = self.of.claimed.lock().unwrap_or_else(|p| p.into_inner());
        for id in &self.ids {
            claimed.remove(id);
        }
        drop(claimed);
        self.of.freed.notify_all();
    }
}

/// The replay key of a batch: its device and items, hashed.
fn batch_key(device: Actor, items: &[Scan]) -> String {
    let mut h = Sha256::new();
    h.update(device.as_str().as_bytes());
    h.update(serde_json::to_vec(items).expect("scans serialize"));
    let d = h.finalize();
    let hex: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("scans:{hex}")
}
