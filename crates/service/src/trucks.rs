//! Trucks: opened at a dock for one carrier route, loaded with that route's released, sorted
//! parcels, closed with every parcel handed over and the carrier's manifest sent out through the
//! egress gate.

use crate::scans::ItemProblem;
use crate::{Hub, HubError};
use hangar_egress::Offer;
use hangar_model::{
    Actor, Detail, Event, EventCode, Location, ParcelStage, ParcelState, S10Id, Subject, Timestamp,
    TruckId,
};
use hangar_oversight::flows::Dataset;
use hangar_store::{Store, StoreError};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Most parcels one load request may carry.
pub const MAX_LOAD_PARCELS: usize = 1_000;
/// Most parcels one truck may hold.
pub const MAX_TRUCK_PARCELS: usize = 20_000;
/// Most trucks open at once.
pub const MAX_OPEN_TRUCKS: usize = 500;
const _: () = assert!(MAX_TRUCK_PARCELS * 2 < hangar_store::MAX_APPEND_EVENTS);

/// The fields of a carrier's manifest (the carrier's declared flow must allow them).
pub const CARRIER_MANIFEST_FIELDS: [&str; 8] = [
    "parcel.id",
    "consignee.name",
    "consignee.address",
    "consignee.postcode",
    "consignee.country",
    "parcel.weight",
    "truck.id",
    "route.id",
];

/// One parcel's row of a carrier's manifest, in `CARRIER_MANIFEST_FIELDS` order.
pub fn carrier_manifest_row(
    id: &S10Id,
    consignee: &hangar_model::Party,
    weight: hangar_model::Grams,
    truck: &str,
    route: &str,
) -> Vec<serde_json::Value> {
    vec![
        json!(id.to_string()),
        json!(consignee.name),
        json!(format!("{}, {}", consignee.address, consignee.city)),
        json!(consignee.postcode.map(|x| x.to_string())),
        json!(consignee.country.iso2()),
        json!(weight.0),
        json!(truck),
        json!(route),
    ]
}

/// A request to open a truck.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenTruck {
    /// The carrier route it serves (an id of the route plan in force).
    pub route: String,
    /// The dock it stands at (`03`, `D12`).
    pub dock: String,
    /// When it is planned to leave (RFC 3339, UTC).
    pub departs: String,
}

/// A truck as the hub knows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TruckView {
    /// Its id.
    pub id: TruckId,
    /// Carrier route.
    pub route: String,
    /// Carrier.
    pub carrier: String,
    /// Dock.
    pub dock: String,
    /// Planned departure.
    pub departs: Timestamp,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// Parcels loaded so far.
    pub parcels: u64,
    /// `open` or `closed`.
    pub status: &'static str,
}

/// What a load did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LoadReceipt {
    /// The truck.
    pub truck: TruckId,
    /// Parcels loaded by this request.
    pub loaded: u64,
    /// Parcels on the truck now.
    pub parcels: u64,
}

/// What closing a truck did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TruckReceipt {
    /// The truck, now closed.
    pub truck: TruckView,
    /// Parcels handed over.
    pub handed_over: u64,
    /// The carrier's manifest: `sent` along flow `flow`, or `refused` by the egress gate (the
    /// handover stands; the refusal is recorded and the manifest can be sent once the flow is
    /// declared).
    pub manifest: ManifestStatus,
}

/// Where the carrier's manifest went.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ManifestStatus {
    /// `sent`, `refused` or `not_sent` (no gate configured).
    pub status: &'static str,
    /// The flow it went along.
    pub flow: String,
    /// Records sent.
    pub records: u64,
    /// Why it was refused, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// Why a truck request was refused. Nothing of it was applied.
#[derive(Debug, thiserror::Error)]
pub enum TruckError {
    /// No such truck.
    #[error("no truck {0}")]
    NotFound(String),
    /// The truck is closed.
    #[error("truck {0} is closed: open a new one")]
    Closed(TruckId),
    /// A field is wrong.
    #[error("{field}: expected {expected}, got {got:?}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What was expected.
        expected: String,
        /// What was found.
        got: String,
    },
    /// Some parcels cannot be loaded: each named.
    #[error("{} parcels refused", .0.len())]
    Items(Vec<ItemProblem>),
    /// The hub failed.
    #[error(transparent)]
    Hub(#[from] HubError),
}

impl From<StoreError> for TruckError {
    fn from(e: StoreError) -> Self {
        TruckError::Hub(HubError::Store(e))
    }
}

#[derive(Clone, Debug)]
struct Truck {
    view: TruckView,
    loaded: Vec<S10Id>,
}

/// The trucks, derived from their events (`TRK` opens, `DEP` closes) and the parcels' `FOW`.
#[derive(Default, Debug)]
pub(crate) struct Trucks {
    trucks: BTreeMap<TruckId, Truck>,
    /// Trucks opened per route so far (numbers the next).
    per_route: HashMap<String, u32>,
}

impl Trucks {
    /// The trucks as the store records them; `loaded` gives each open truck's parcels.
    pub(crate) fn load(
        store: &dyn Store,
        plan: &hangar_sort::Plan,
        mut loaded: HashMap<TruckId, Vec<S10Id>>,
    ) -> Result<Trucks, StoreError> {
        let mut t = Trucks::default();
        let mut after = 0;
        loop {
            let batch = store.truck_events(after, 10_000)?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for r in batch {
                let Subject::Truck(id) = r.event.subject else {
                    continue;
                };
                match (r.event.code, r.event.detail) {
                    (
                        EventCode::TRK,
                        Detail::TruckOpened {
                            route,
                            dock,
                            departs,
                        },
                    ) => {
                        *t.per_route.entry(route.clone()).or_default() += 1;
                        let carrier = carrier(plan, &route);
                        t.trucks.insert(
                            id,
                            Truck {
                                view: TruckView {
                                    id,
                                    route,
                                    carrier,
                                    dock,
                                    departs,
                                    opened_at: r.event.at,
                                    parcels: 0,
                                    status: "open",
                                },
                                loaded: loaded.remove(&id).unwrap_or_default(),
                            },
                        );
                    }
                    (EventCode::DEP, Detail::TruckClosed { parcels, .. }) => {
                        if let Some(tr) = t.trucks.get_mut(&id) {
                            tr.view.status = "closed";
                            tr.view.parcels = parcels;
                            tr.loaded = Vec::new();
                        }
                    }
                    _ => {}
                }
            }
        }
        for tr in t.trucks.values_mut() {
            if tr.view.status == "open" {
                tr.view.parcels = tr.loaded.len() as u64;
            }
        }
        Ok(t)
    }

    pub(crate) fn is_open(&self, id: &TruckId) -> bool {
        self.trucks.get(id).is_some_and(|t| t.view.status == "open")
    }

    /// Why a parcel in state `s` (with its loading applied) may not be on truck `id`.
    pub(crate) fn refuses(&self, id: &TruckId, s: &ParcelState) -> Option<String> {
        let t = self.trucks.get(id)?;
        if s.route.as_deref() != Some(t.view.route.as_str()) {
            return Some(format!(
                "a parcel sorted for route {} (this one: {})",
                t.view.route,
                s.route.as_deref().unwrap_or("no route")
            ));
        }
        if t.loaded.len() >= MAX_TRUCK_PARCELS {
            return Some(format!(
                "a truck with room (at most {MAX_TRUCK_PARCELS} parcels)"
            ));
        }
        None
    }

    /// Records parcels loaded by stored `FOW` events on their trucks.
    pub(crate) fn note_loaded(&mut self, events: &[Event]) {
        for e in events {
            if let (Subject::Parcel(p), Detail::Loaded { truck }) = (e.subject, &e.detail)
                && let Some(tr) = self.trucks.get_mut(truck)
            {
                tr.loaded.push(p);
                tr.view.parcels = tr.loaded.len() as u64;
            }
        }
    }

    fn open_count(&self) -> usize {
        self.trucks
            .values()
            .filter(|t| t.view.status == "open")
            .count()
    }
}

fn carrier(plan: &hangar_sort::Plan, route: &str) -> String {
    plan.routes()
        .iter()
        .find(|r| r.id == route)
        .map(|r| r.carrier.clone())
        .unwrap_or_default()
}

fn dock_location(hub: Location, dock: &str) -> Location {
    Location::parse(&format!("{hub}/DOCK-{dock}")).unwrap_or(hub)
}

impl Hub {
    /// Every truck (open first, then closed), newest last.
    pub fn trucks(&self) -> Vec<TruckView> {
        let t = self.trucks.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<TruckView> = t.trucks.values().map(|t| t.view.clone()).collect();
        v.sort_by_key(|t| (t.status != "open", t.opened_at, t.id));
        v
    }

    /// One truck.
    pub fn truck(&self, id: &str) -> Option<TruckView> {
        let id = TruckId::parse(id).ok()?;
        let t = self.trucks.lock().unwrap_or_else(|p| p.into_inner());
        t.trucks.get(&id).map(|t| t.view.clone())
    }

    /// Opens a truck at a dock for a route of the plan in force (`TRK`); returns it.
    pub fn open_truck(&self, req: &OpenTruck, actor: Actor) -> Result<TruckView, TruckError> {
        let plan = self.plan();
        let Some(route) = plan.routes().iter().find(|r| r.id == req.route.trim()) else {
            return Err(TruckError::Invalid {
                field: "route",
                expected: "a carrier route of the route plan in force (GET /api/routes)".into(),
                got: req.route.clone(),
            });
        };
        let dock = req.dock.trim();
        if dock.is_empty()
            || dock.len() > 8
            || !dock.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        {
            return Err(TruckError::Invalid {
                field: "dock",
                expected: "a dock name of 1-8 letters, digits or dashes".into(),
                got: req.dock.clone(),
            });
        }
        let departs = Timestamp::parse(&req.departs).map_err(|e| TruckError::Invalid {
            field: "departs",
            expected: e.to_string(),
            got: req.departs.clone(),
        })?;
        let mut t = self.trucks.lock().unwrap_or_else(|p| p.into_inner());
        if t.open_count() >= MAX_OPEN_TRUCKS {
            return Err(TruckError::Invalid {
                field: "route",
                expected: format!("at most {MAX_OPEN_TRUCKS} trucks open at once: close one first"),
                got: req.route.clone(),
            });
        }
        let n = t.per_route.get(&route.id).copied().unwrap_or(0) + 1;
        let id =
            TruckId::parse(&format!("T-{}-{n}", route.id)).map_err(|e| TruckError::Invalid {
                field: "route",
                expected: format!("a route id short enough for a truck id: {e}"),
                got: route.id.clone(),
            })?;
        let now = self.now();
        let location = dock_location(self.location, dock);
        self.store.append_once(
            &format!("truck:{id}"),
            &[Event {
                subject: Subject::Truck(id),
                code: EventCode::TRK,
                at: now,
                actor,
                location,
                detail: Detail::TruckOpened {
                    route: route.id.clone(),
                    dock: dock.to_string(),
                    departs,
                },
            }],
        )?;
        t.per_route.insert(route.id.clone(), n);
        let view = TruckView {
            id,
            route: route.id.clone(),
            carrier: route.carrier.clone(),
            dock: dock.to_string(),
            departs,
            opened_at: now,
            parcels: 0,
            status: "open",
        };
        t.trucks.insert(
            id,
            Truck {
                view: view.clone(),
                loaded: Vec::new(),
            },
        );
        Ok(view)
    }

    /// Loads parcels onto an open truck (`FOW` each), all or none: each must be sorted for the
    /// truck's route, released by customs and not on a truck already.
    pub fn load_truck(
        &self,
        id: &str,
        parcels: &[String],
        actor: Actor,
    ) -> Result<LoadReceipt, TruckError> {
        if parcels.is_empty() || parcels.len() > MAX_LOAD_PARCELS {
            return Err(TruckError::Invalid {
                field: "parcels",
                expected: format!("1 to {MAX_LOAD_PARCELS} parcel ids"),
                got: format!("{} ids", parcels.len()),
            });
        }
        let mut t = self.trucks.lock().unwrap_or_else(|p| p.into_inner());
        let truck = open_in(&t, id)?;
        let now = self.now();
        let location = dock_location(self.location, &truck.view.dock);
        let mut problems = Vec::new();
        let mut planned = Vec::new();
        for (i, p) in parcels.iter().enumerate() {
            match S10Id::parse(p) {
                Ok(pid) => planned.push((
                    i,
                    Event {
                        subject: Subject::Parcel(pid),
                        code: EventCode::FOW,
                        at: now,
                        actor,
                        location,
                        detail: Detail::Loaded {
                            truck: truck.view.id,
                        },
                    },
                )),
                Err(e) => problems.push(ItemProblem {
                    item: i,
                    field: "parcel",
                    expected: e.to_string(),
                    got: p.clone(),
                }),
            }
        }
        let _claim = self.in_flight.claim(&planned);
        self.check_fit(&mut planned, Some(&t), &mut problems)?;
        if !problems.is_empty() {
            return Err(TruckError::Items(crate::scans::one_per_item(problems)));
        }
        let events: Vec<Event> = planned.into_iter().map(|(_, e)| e).collect();
        self.store.append(&events)?;
        t.note_loaded(&events);
        Ok(LoadReceipt {
            truck: truck.view.id,
            loaded: events.len() as u64,
            parcels: t.trucks.get(&truck.view.id).map_or(0, |t| t.view.parcels),
        })
    }

    /// Closes a truck: every parcel on it handed over (`DLV`) and the truck gone (`DEP`), in one
    /// transaction; then the carrier's manifest leaves through the egress gate along the flow
    /// `carrier-<route>`.
    pub fn close_truck(&self, id: &str, actor: Actor) -> Result<TruckReceipt, TruckError> {
        // The trucks are held from reading what is on this one to the commit of its handover,
        // so no load slips onto it in between (a parcel loaded but never handed over).
        let mut t = self.trucks.lock().unwrap_or_else(|p| p.into_inner());
        let truck = open_in(&t, id)?;
        let now = self.now();
        let location = dock_location(self.location, &truck.view.dock);
        let mut events: Vec<Event> = truck
            .loaded
            .iter()
            .map(|p| Event {
                subject: Subject::Parcel(*p),
                code: EventCode::DLV,
                at: now,
                actor,
                location,
                detail: Detail::HandedOver {
                    truck: truck.view.id,
                    carrier: truck.view.carrier.clone(),
                },
            })
            .collect();
        events.push(Event {
            subject: Subject::Truck(truck.view.id),
            code: EventCode::DEP,
            at: now,
            actor,
            location,
            detail: Detail::TruckClosed {
                route: truck.view.route.clone(),
                parcels: truck.loaded.len() as u64,
            },
        });
        // Closed once, even if the request is repeated after a lost answer.
        self.store
            .append_once(&format!("truck-closed:{}", truck.view.id), &events)?;
        let view = {
            let tr = t.trucks.get_mut(&truck.view.id).expect("known truck");
            tr.view.status = "closed";
            tr.view.parcels = truck.loaded.len() as u64;
            tr.loaded = Vec::new();
            tr.view.clone()
        };
        drop(t);
        let manifest = self.send_manifest(&view, &truck.loaded, actor, now)?;
        Ok(TruckReceipt {
            truck: view,
            handed_over: truck.loaded.len() as u64,
            manifest,
        })
    }

    fn send_manifest(
        &self,
        truck: &TruckView,
        parcels: &[S10Id],
        actor: Actor,
        at: Timestamp,
    ) -> Result<ManifestStatus, TruckError> {
        let flow = format!("carrier-{}", truck.route);
        let Some(gate) = &self.gate else {
            return Ok(ManifestStatus {
                status: "not_sent",
                flow,
                records: 0,
                why: Some("this hub runs without an egress gate".into()),
            });
        };
        let mut rows = Vec::with_capacity(parcels.len());
        for id in parcels {
            let Some(p) = self.store.parcel(id)? else {
                continue;
            };
            rows.push(carrier_manifest_row(
                id,
                &p.consignee,
                p.weight(),
                &truck.id.to_string(),
                &truck.route,
            ));
        }
        let mut sent = 0u64;
        for chunk in rows.chunks(hangar_oversight::flows::MAX_BATCH_RECORDS) {
            let offer = Offer {
                flow: flow.clone(),
                endpoint: None,
                data: Dataset {
                    fields: CARRIER_MANIFEST_FIELDS.map(String::from).to_vec(),
                    rows: chunk.to_vec(),
                    count_field: None,
                },
                actor,
                at,
            };
            match gate.export(offer) {
                Ok(r) => sent += r.records,
                Err(e) => {
                    return Ok(ManifestStatus {
                        status: "refused",
                        flow,
                        records: sent,
                        why: Some(e.to_string()),
                    });
                }
            }
        }
        Ok(ManifestStatus {
            status: "sent",
            flow,
            records: sent,
            why: None,
        })
    }
}

/// The parcels on open trucks, from their derived states.
/// The open truck `id` among `t`.
fn open_in(t: &Trucks, id: &str) -> Result<Truck, TruckError> {
    let tid = TruckId::parse(id).map_err(|_| TruckError::NotFound(id.to_string()))?;
    match t.trucks.get(&tid) {
        None => Err(TruckError::NotFound(id.to_string())),
        Some(tr) if tr.view.status != "open" => Err(TruckError::Closed(tid)),
        Some(tr) => Ok(tr.clone()),
    }
}

pub(crate) fn loaded_of(id: S10Id, s: &ParcelState, into: &mut HashMap<TruckId, Vec<S10Id>>) {
    if s.stage == ParcelStage::Loaded
        && let Some(t) = s.truck
    {
        into.entry(t).or_default().push(id);
    }
}
