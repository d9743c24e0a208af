//! The discrete-event simulation of one hub day.

use hangar_model::rng::Rng;
use hangar_model::{
    Actor, BagId, CustomsReason, Detail, DischargeOutcome, DiscrepancyKind, Event, EventCode,
    Flight, FlightKey, Location, Mawb, Parcel, S10Id, Subject, Timestamp, TruckId, UldId,
};
use hangar_sort::Plan as RoutePlan;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

/// How the hub is equipped and how often things go wrong. Defaults model a hub the size of the
/// Liège eHub: six breakdown stations, two cross-belt sorters.
#[derive(Clone, Debug)]
pub struct HubConfig {
    /// Seed for every random draw of the day.
    pub seed: u64,
    /// IATA code of the hub (the root of every location).
    pub hub: String,
    /// ULD breakdown stations working in parallel.
    pub breakdown_stations: u32,
    /// Minutes to break down one ULD (range).
    pub uld_breakdown_min: (u32, u32),
    /// Automatic sorters.
    pub sorters: u32,
    /// Inductions per hour per sorter.
    pub sorter_parcels_per_hour: u32,
    /// Share of parcels the scan tunnel cannot read on a pass.
    pub no_read_rate: f64,
    /// Share of reworked parcels still unreadable on the second pass (they become exceptions).
    pub second_no_read_rate: f64,
    /// Share of manifested parcels not found at breakdown.
    pub missing_rate: f64,
    /// Minutes of manual rework after a no-read (range).
    pub rework_min: (u32, u32),
    /// Minutes for the customs system to answer a declaration (range).
    pub customs_response_min: (u32, u32),
    /// Parcels one outbound truck takes.
    pub truck_capacity: u32,
    /// Scheduled truck departures each day (UTC hour, minute): every open truck leaves.
    pub truck_cutoffs: Vec<(u32, u32)>,
    /// Flight arrival delay in minutes (range, may be negative).
    pub arrival_delay_min: (i64, i64),
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            seed: 1,
            hub: "LGG".into(),
            breakdown_stations: 6,
            uld_breakdown_min: (20, 35),
            sorters: 2,
            sorter_parcels_per_hour: 12_000,
            no_read_rate: 0.015,
            second_no_read_rate: 0.05,
            missing_rate: 0.0003,
            rework_min: (8, 30),
            customs_response_min: (1, 20),
            truck_capacity: 2_500,
            truck_cutoffs: vec![(6, 0), (10, 0), (14, 0), (18, 0), (22, 0)],
            arrival_delay_min: (-20, 60),
        }
    }
}

/// What the simulation needs of a parcel (the rest stays in the store).
#[derive(Clone, Debug)]
pub struct SimParcel {
    id: S10Id,
    country: hangar_model::Country,
    postcode: Option<hangar_model::Postcode>,
    mawb: Mawb,
    flight: FlightKey,
    uld: UldId,
    bag: BagId,
    /// Customs' answer: the event code and detail that record it.
    customs: (EventCode, Detail),
}

impl SimParcel {
    /// The parcel's tracking id.
    pub fn id(&self) -> S10Id {
        self.id
    }

    /// What a sort host knows of the parcel before customs decides.
    pub fn info(&self) -> hangar_sort::ParcelInfo {
        hangar_sort::ParcelInfo {
            country: self.country,
            postcode: self.postcode,
            customs: hangar_sort::Customs::Pending,
        }
    }

    /// Extracts what the day needs, with customs' decision on the parcel.
    pub fn new(p: &Parcel, decision: &hangar_customs::Decision) -> SimParcel {
        SimParcel {
            id: p.id,
            country: p.consignee.country,
            postcode: p.consignee.postcode,
            mawb: p.mawb,
            flight: p.flight,
            uld: p.uld,
            bag: p.bag,
            customs: (decision.code(), decision.detail()),
        }
    }
}

/// Counts the simulation kept as it went (the store derives the same from the events).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct DayTally {
    /// Flights that arrived.
    pub flights: u64,
    /// Parcels in the day.
    pub parcels: u64,
    /// Events emitted.
    pub events: u64,
    /// Released by customs.
    pub released: u64,
    /// Parcels held, asked about or refused, by reason (a parcel counts once per reason).
    pub held_by_reason: BTreeMap<String, u64>,
    /// Customs decisions by outcome (release, request_info, hold, refuse).
    pub customs_by_outcome: BTreeMap<String, u64>,
    /// Held parcels.
    pub held: u64,
    /// Handed over to carriers.
    pub handed_over: u64,
    /// Exceptions by kind (missing, no_read, no_route).
    pub exceptions_by_kind: BTreeMap<String, u64>,
    /// Trucks dispatched per route.
    pub trucks_by_route: BTreeMap<String, u64>,
    /// Parcels handed over per route.
    pub parcels_by_route: BTreeMap<String, u64>,
    /// No-read discharges (all passes).
    pub no_reads: u64,
    /// First and last event times.
    pub first_event: Option<Timestamp>,
    /// Time of the last event.
    pub last_event: Option<Timestamp>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Action {
    Depart(u32),
    Arrive(u32),
    Receive(u32),
    MissingCheck(u32),
    Decide(u32),
    Ready(u32),
    Induct(u32, u8),
    Discharge(u32, u16, u8),
    Load(u32),
    Cutoff,
    TruckLeaves(u32),
}

struct Truck {
    id: TruckId,
    route: usize,
    parcels: Vec<u32>,
}

struct ParcelRun {
    received: bool,
    decided: bool,
    missing: bool,
    pass: u8,
    chute: u16,
}

struct Sim<'a, E> {
    cfg: &'a HubConfig,
    plan: &'a RoutePlan,
    flights: &'a [Flight],
    parcels: Vec<SimParcel>,
    run: Vec<ParcelRun>,
    bags: Vec<Vec<u32>>,
    flight_bags: Vec<Vec<(UldId, Vec<u32>)>>,
    rng: Rng,
    heap: BinaryHeap<Reverse<(i64, u64, Action)>>,
    seq: u64,
    sorter_free: Vec<i64>,
    open_truck: Vec<Option<u32>>,
    trucks: Vec<Truck>,
    trucks_per_route: Vec<u32>,
    tally: DayTally,
    emit: &'a mut dyn FnMut(Event) -> Result<(), E>,
    host: &'a mut dyn crate::host::SortHost,
    route_of_chute: HashMap<u16, usize>,
    actors: Actors,
}

struct Actors {
    breakdown: Actor,
    customs: Actor,
    host: Actor,
    dock: Actor,
    airline: Actor,
    sorters: Vec<Actor>,
}

/// Runs the day: `flights` (the schedule) and `parcels`, events handed to `emit` in time order.
/// Stops at the first error `emit` returns.
pub fn run_day<E: From<crate::host::HostError>>(
    cfg: &HubConfig,
    plan: &RoutePlan,
    flights: &[Flight],
    parcels: Vec<SimParcel>,
    host: &mut dyn crate::host::SortHost,
    emit: &mut dyn FnMut(Event) -> Result<(), E>,
) -> Result<DayTally, E> {
    assert!(
        cfg.sorters >= 1
            && cfg.breakdown_stations >= 1
            && cfg.truck_capacity >= 1
            && cfg.sorter_parcels_per_hour >= 1
    );
    let mut sim = Sim::new(cfg, plan, flights, parcels, host, emit);
    sim.schedule_day();
    while let Some(Reverse((t, _, action))) = sim.heap.pop() {
        sim.step(Timestamp(t), action)?;
    }
    sim.finish()?;
    Ok(sim.tally)
}

fn loc(s: &str) -> Location {
    Location::parse(s).expect("simulation locations are valid")
}

impl<'a, E: From<crate::host::HostError>> Sim<'a, E> {
    fn new(
        cfg: &'a HubConfig,
        plan: &'a RoutePlan,
        flights: &'a [Flight],
        parcels: Vec<SimParcel>,
        host: &'a mut dyn crate::host::SortHost,
        emit: &'a mut dyn FnMut(Event) -> Result<(), E>,
    ) -> Self {
        let mut rng = Rng::fork(cfg.seed, "hub");
        let route_of_chute: HashMap<u16, usize> = plan
            .routes()
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.chutes.iter().map(move |&c| (c, i)))
            .collect();
        let flight_index: HashMap<FlightKey, usize> = flights
            .iter()
            .enumerate()
            .map(|(i, f)| (f.key, i))
            .collect();
        // Group parcels: flight -> ULD -> bag, keeping manifest order.
        let mut by_flight: Vec<BTreeMap<UldId, BTreeMap<BagId, Vec<u32>>>> =
            vec![BTreeMap::new(); flights.len()];
        let mut run = Vec::with_capacity(parcels.len());
        for (i, p) in parcels.iter().enumerate() {
            let fi = *flight_index
                .get(&p.flight)
                .unwrap_or_else(|| panic!("parcel {} is on unscheduled flight {}", p.id, p.flight));
            by_flight[fi]
                .entry(p.uld)
                .or_default()
                .entry(p.bag)
                .or_default()
                .push(i as u32);
            run.push(ParcelRun {
                received: false,
                decided: false,
                missing: rng.chance(cfg.missing_rate),
                pass: 0,
                chute: 0,
            });
        }
        let mut bags = Vec::new();
        let flight_bags = by_flight
            .into_iter()
            .map(|ulds| {
                ulds.into_iter()
                    .map(|(uld, bag_map)| {
                        let ids: Vec<u32> = bag_map
                            .into_values()
                            .map(|ps| {
                                bags.push(ps);
                                (bags.len() - 1) as u32
                            })
                            .collect();
                        (uld, ids)
                    })
                    .collect()
            })
            .collect();
        let actors = Actors {
            breakdown: Actor::parse("system:breakdown").expect("actor"),
            customs: Actor::parse("system:customs").expect("actor"),
            host: Actor::parse("system:sort-host").expect("actor"),
            dock: Actor::parse("system:dock").expect("actor"),
            airline: Actor::parse("system:airline-feed").expect("actor"),
            sorters: (1..=cfg.sorters)
                .map(|s| Actor::parse(&format!("sorter:S{s:02}")).expect("actor"))
                .collect(),
        };
        let tally = DayTally {
            parcels: parcels.len() as u64,
            ..Default::default()
        };
        Sim {
            cfg,
            plan,
            flights,
            parcels,
            run,
            bags,
            flight_bags,
            rng,
            heap: BinaryHeap::new(),
            seq: 0,
            sorter_free: vec![i64::MIN; cfg.sorters as usize],
            open_truck: vec![None; plan.routes().len()],
            trucks: Vec::new(),
            trucks_per_route: vec![0; plan.routes().len()],
            tally,
            emit,
            host,
            route_of_chute,
            actors,
        }
    }

    fn at(&mut self, t: Timestamp, a: Action) {
        self.seq += 1;
        self.heap.push(Reverse((t.unix_ms(), self.seq, a)));
    }

    fn ev(
        &mut self,
        subject: Subject,
        code: EventCode,
        at: Timestamp,
        actor: Actor,
        location: Location,
        detail: Detail,
    ) -> Result<(), E> {
        self.tally.events += 1;
        self.tally.first_event = Some(self.tally.first_event.map_or(at, |f| f.min(at)));
        self.tally.last_event = Some(self.tally.last_event.map_or(at, |l| l.max(at)));
        (self.emit)(Event {
            subject,
            code,
            at,
            actor,
            location,
            detail,
        })
    }

    fn minutes(&mut self, range: (u32, u32)) -> i64 {
        self.rng.range(u64::from(range.0), u64::from(range.1)) as i64 * 60_000
    }

    fn schedule_day(&mut self) {
        for (i, f) in self.flights.iter().enumerate() {
            let delay = self.rng.range(
                0,
                (self.cfg.arrival_delay_min.1 - self.cfg.arrival_delay_min.0) as u64,
            ) as i64
                + self.cfg.arrival_delay_min.0;
            let dep_delay = delay.max(0) / 2;
            self.at(f.std.plus_min(dep_delay), Action::Depart(i as u32));
            self.at(f.sta.plus_min(delay), Action::Arrive(i as u32));
        }
        if let Some(first) = self.flights.iter().map(|f| f.sta).min() {
            let last = self.flights.iter().map(|f| f.sta).max().unwrap_or(first);
            let mut day = first.date();
            while day <= last.date().add_days(1) {
                for &(h, m) in &self.cfg.truck_cutoffs.clone() {
                    self.at(day.at(h, m), Action::Cutoff);
                }
                day = day.add_days(1);
            }
        }
    }

    fn step(&mut self, t: Timestamp, action: Action) -> Result<(), E> {
        match action {
            Action::Depart(f) => {
                let fl = &self.flights[f as usize];
                let (key, origin) = (fl.key, fl.origin);
                self.ev(
                    Subject::Flight(key),
                    EventCode::DEP,
                    t,
                    self.actors.airline,
                    loc(origin.as_str()),
                    Detail::None,
                )
            }
            Action::Arrive(f) => self.arrive(t, f),
            Action::Receive(b) => self.receive(t, b),
            Action::MissingCheck(f) => self.missing_check(t, f),
            Action::Decide(p) => self.decide(t, p),
            Action::Ready(p) => {
                let (s, free) = self
                    .sorter_free
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, f)| **f)
                    .map(|(s, f)| (s, *f))
                    .expect("sorters");
                let start = free.max(t.unix_ms());
                self.sorter_free[s] =
                    start + 3_600_000 / i64::from(self.cfg.sorter_parcels_per_hour);
                self.at(Timestamp(start), Action::Induct(p, s as u8));
                Ok(())
            }
            Action::Induct(p, s) => self.induct(t, p, s),
            Action::Discharge(p, chute, s) => self.discharge(t, p, chute, s),
            Action::Load(p) => self.load(t, p),
            Action::Cutoff => {
                for r in 0..self.open_truck.len() {
                    if let Some(ti) = self.open_truck[r].take() {
                        self.at(t, Action::TruckLeaves(ti));
                    }
                }
                Ok(())
            }
            Action::TruckLeaves(ti) => self.truck_leaves(t, ti),
        }
    }

    fn arrive(&mut self, t: Timestamp, f: u32) -> Result<(), E> {
        let key = self.flights[f as usize].key;
        let hub = loc(&self.cfg.hub);
        self.tally.flights += 1;
        self.ev(
            Subject::Flight(key),
            EventCode::ARR,
            t,
            self.actors.airline,
            hub,
            Detail::None,
        )?;
        // Consignments arrive with the flight; their parcels are declared (CRC) at once.
        let mut mawbs: Vec<Mawb> = Vec::new();
        let mut members: Vec<u32> = Vec::new();
        for (_, bag_ids) in &self.flight_bags[f as usize] {
            for &b in bag_ids {
                members.extend(&self.bags[b as usize]);
            }
        }
        for &p in &members {
            let m = self.parcels[p as usize].mawb;
            if !mawbs.contains(&m) {
                mawbs.push(m);
            }
        }
        for m in mawbs {
            self.ev(
                Subject::Consignment(m),
                EventCode::ARR,
                t,
                self.actors.airline,
                hub,
                Detail::None,
            )?;
        }
        let customs_loc = loc(&format!("{}/CUSTOMS", self.cfg.hub));
        for &p in &members {
            let id = self.parcels[p as usize].id;
            self.ev(
                Subject::Parcel(id),
                EventCode::CRC,
                t,
                self.actors.customs,
                customs_loc,
                Detail::None,
            )?;
            let answer = t.plus_ms(self.minutes(self.cfg.customs_response_min));
            self.at(answer, Action::Decide(p));
        }
        // ULDs go to the breakdown stations that free up first, 15 minutes after landing.
        let mut stations: Vec<i64> =
            vec![t.plus_min(15).unix_ms(); self.cfg.breakdown_stations as usize];
        let ulds = self.flight_bags[f as usize].clone();
        let mut end = t.unix_ms();
        for (_, bag_ids) in ulds {
            let (s, free) = stations
                .iter()
                .enumerate()
                .min_by_key(|(_, v)| **v)
                .map(|(s, v)| (s, *v))
                .expect("stations");
            let duration = self.minutes(self.cfg.uld_breakdown_min);
            let n = bag_ids.len().max(1) as i64;
            for (k, b) in bag_ids.into_iter().enumerate() {
                self.at(
                    Timestamp(free + duration * (k as i64 + 1) / n),
                    Action::Receive(b),
                );
            }
            stations[s] = free + duration;
            end = end.max(stations[s]);
        }
        self.at(Timestamp(end + 60_000), Action::MissingCheck(f));
        Ok(())
    }

    fn receive(&mut self, t: Timestamp, b: u32) -> Result<(), E> {
        let station = loc(&format!(
            "{}/BREAKDOWN-{}",
            self.cfg.hub,
            b % self.cfg.breakdown_stations + 1
        ));
        for i in 0..self.bags[b as usize].len() {
            let p = self.bags[b as usize][i];
            if self.run[p as usize].missing {
                continue;
            }
            let sp = &self.parcels[p as usize];
            let (id, bag, uld) = (sp.id, sp.bag, sp.uld);
            self.ev(
                Subject::Parcel(id),
                EventCode::RCF,
                t,
                self.actors.breakdown,
                station,
                Detail::Received { bag, uld },
            )?;
            self.run[p as usize].received = true;
            if self.run[p as usize].decided {
                let walk = self.minutes((3, 10));
                self.at(t.plus_ms(walk), Action::Ready(p));
            }
        }
        Ok(())
    }

    fn missing_check(&mut self, t: Timestamp, f: u32) -> Result<(), E> {
        let hub = loc(&format!("{}/BREAKDOWN", self.cfg.hub));
        let bag_ids: Vec<u32> = self.flight_bags[f as usize]
            .iter()
            .flat_map(|(_, b)| b.iter().copied())
            .collect();
        for b in bag_ids {
            for i in 0..self.bags[b as usize].len() {
                let p = self.bags[b as usize][i];
                if self.run[p as usize].missing {
                    let id = self.parcels[p as usize].id;
                    *self
                        .tally
                        .exceptions_by_kind
                        .entry("missing".into())
                        .or_default() += 1;
                    self.ev(
                        Subject::Parcel(id),
                        EventCode::DIS,
                        t,
                        self.actors.breakdown,
                        hub,
                        Detail::Discrepancy {
                            what: DiscrepancyKind::Missing,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }

    fn decide(&mut self, t: Timestamp, p: u32) -> Result<(), E> {
        let sp = &self.parcels[p as usize];
        let id = sp.id;
        let (code, detail) = sp.customs.clone();
        let customs_loc = loc(&format!("{}/CUSTOMS", self.cfg.hub));
        if let Some(o) = hangar_model::CustomsOutcome::of(code) {
            *self
                .tally
                .customs_by_outcome
                .entry(o.as_str().into())
                .or_default() += 1;
        }
        if code == EventCode::CCD {
            self.tally.released += 1;
        } else if !self.run[p as usize].missing {
            self.tally.held += 1;
            if let Detail::Held { reasons, .. } = &detail {
                let mut names: Vec<&str> = reasons.iter().map(CustomsReason::name).collect();
                names.sort_unstable();
                names.dedup();
                for name in names {
                    *self.tally.held_by_reason.entry(name.into()).or_default() += 1;
                }
            }
        }
        self.ev(
            Subject::Parcel(id),
            code,
            t,
            self.actors.customs,
            customs_loc,
            detail,
        )?;
        self.run[p as usize].decided = true;
        let released = self.parcels[p as usize].customs.0 == EventCode::CCD;
        self.host.customs(id, released);
        if self.run[p as usize].received {
            let walk = self.minutes((3, 10));
            self.at(t.plus_ms(walk), Action::Ready(p));
        }
        Ok(())
    }

    fn induct(&mut self, t: Timestamp, p: u32, s: u8) -> Result<(), E> {
        let run = &mut self.run[p as usize];
        run.pass += 1;
        let pass = run.pass;
        let sp = &self.parcels[p as usize];
        let id = sp.id;
        let no_read_rate = if pass == 1 {
            self.cfg.no_read_rate
        } else {
            self.cfg.second_no_read_rate
        };
        // The scan tunnel reads the label (or not); the sort host decides the chute.
        let read = (!self.rng.chance(no_read_rate)).then_some(id);
        let chute = self
            .host
            .request(s + 1, read, pass - 1, t)
            .map_err(E::from)?;
        let route = self
            .route_of_chute
            .get(&chute)
            .map(|&r| self.plan.routes()[r].id.clone());
        let host_loc = loc(&format!("{}/S{:02}", self.cfg.hub, s + 1));
        self.ev(
            Subject::Parcel(id),
            EventCode::SDC,
            t,
            self.actors.host,
            host_loc,
            Detail::SortDecision { chute, route, pass },
        )?;
        let travel = self.rng.range(20_000, 60_000) as i64;
        self.at(t.plus_ms(travel), Action::Discharge(p, chute, s));
        Ok(())
    }

    fn discharge(&mut self, t: Timestamp, p: u32, chute: u16, s: u8) -> Result<(), E> {
        let id = self.parcels[p as usize].id;
        let pass = self.run[p as usize].pass;
        let special = self.plan.special();
        let outcome = if chute == special.no_read {
            DischargeOutcome::NoRead
        } else if chute == special.hold || self.route_of_chute.contains_key(&chute) {
            DischargeOutcome::Sorted
        } else {
            DischargeOutcome::NoDestination
        };
        self.run[p as usize].chute = chute;
        let recorded_by_host = self
            .host
            .confirm(s + 1, id, chute, outcome, pass, t)
            .map_err(E::from)?;
        if !recorded_by_host {
            let chute_loc = loc(&format!("{}/S{:02}/CH{:03}", self.cfg.hub, s + 1, chute));
            let actor = self.actors.sorters[s as usize];
            self.ev(
                Subject::Parcel(id),
                EventCode::SRT,
                t,
                actor,
                chute_loc,
                Detail::Discharged {
                    chute,
                    outcome,
                    pass,
                },
            )?;
        }
        match outcome {
            DischargeOutcome::NoRead => {
                self.tally.no_reads += 1;
                if pass == 1 {
                    let rework = self.minutes(self.cfg.rework_min);
                    self.at(t.plus_ms(rework), Action::Ready(p));
                } else if self.parcels[p as usize].customs.0 == EventCode::CCD {
                    // A held parcel stays a customs matter even if unreadable.
                    *self
                        .tally
                        .exceptions_by_kind
                        .entry("no_read".into())
                        .or_default() += 1;
                }
            }
            DischargeOutcome::NoDestination => {
                *self
                    .tally
                    .exceptions_by_kind
                    .entry("no_route".into())
                    .or_default() += 1
            }
            _ if chute == special.hold => {}
            _ => {
                let to_dock = self.minutes((5, 20));
                self.at(t.plus_ms(to_dock), Action::Load(p));
            }
        }
        Ok(())
    }

    fn load(&mut self, t: Timestamp, p: u32) -> Result<(), E> {
        let r = self.route_of_chute[&self.run[p as usize].chute];
        let ti = match self.open_truck[r] {
            Some(ti) => ti,
            None => {
                self.trucks_per_route[r] += 1;
                let id = TruckId::parse(&format!(
                    "T-{}-{:03}",
                    self.plan.routes()[r].id,
                    self.trucks_per_route[r]
                ))
                .expect("truck id");
                self.trucks.push(Truck {
                    id,
                    route: r,
                    parcels: Vec::new(),
                });
                let ti = (self.trucks.len() - 1) as u32;
                self.open_truck[r] = Some(ti);
                ti
            }
        };
        let truck = &mut self.trucks[ti as usize];
        truck.parcels.push(p);
        let full = truck.parcels.len() as u32 >= self.cfg.truck_capacity;
        let truck_id = truck.id;
        let id = self.parcels[p as usize].id;
        let dock = loc(&format!("{}/DOCK-{:02}", self.cfg.hub, r + 1));
        self.ev(
            Subject::Parcel(id),
            EventCode::FOW,
            t,
            self.actors.dock,
            dock,
            Detail::Loaded { truck: truck_id },
        )?;
        if full {
            self.open_truck[r] = None;
            self.at(t.plus_min(10), Action::TruckLeaves(ti));
        }
        Ok(())
    }

    fn truck_leaves(&mut self, t: Timestamp, ti: u32) -> Result<(), E> {
        let truck = &self.trucks[ti as usize];
        let (r, truck_id) = (truck.route, truck.id);
        let parcels = truck.parcels.clone();
        let route = self.plan.routes()[r].clone();
        *self
            .tally
            .trucks_by_route
            .entry(route.id.clone())
            .or_default() += 1;
        *self
            .tally
            .parcels_by_route
            .entry(route.id.clone())
            .or_default() += parcels.len() as u64;
        let dock = loc(&format!("{}/DOCK-{:02}", self.cfg.hub, r + 1));
        for p in parcels {
            let id = self.parcels[p as usize].id;
            self.tally.handed_over += 1;
            self.ev(
                Subject::Parcel(id),
                EventCode::DLV,
                t,
                self.actors.dock,
                dock,
                Detail::HandedOver {
                    truck: truck_id,
                    carrier: route.carrier.clone(),
                },
            )?;
        }
        Ok(())
    }

    /// After the last action: every truck still open leaves ten minutes after the last event.
    fn finish(&mut self) -> Result<(), E> {
        let t = self.tally.last_event.unwrap_or_default().plus_min(10);
        for r in 0..self.open_truck.len() {
            if let Some(ti) = self.open_truck[r].take() {
                self.truck_leaves(t, ti)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
