use super::*;
use hangar_gen::{DayConfig, generate};
use hangar_model::{Date, ParcelState, Terminal};

fn day_events(parcels: u32, seed: u64) -> (hangar_gen::Day, Vec<Event>, DayTally) {
    let day = generate(DayConfig {
        date: Date::parse("2026-11-22").unwrap(),
        parcels,
        flights: 3,
        seed,
    });
    let plan = RoutePlan::default_eu();
    let mut engine = hangar_customs::Engine::builtin(
        hangar_customs::ioss::Register::intermediaries(day.marketplaces.iter().copied()),
    );
    let decisions = crate::decide_day(
        &day.parcels,
        &day.flights,
        &mut engine,
        Date::parse("2026-11-22").unwrap(),
    );
    let sim: Vec<SimParcel> = day
        .parcels
        .iter()
        .zip(&decisions)
        .map(|(p, d)| SimParcel::new(p, d))
        .collect();
    let mut events = Vec::new();
    let cfg = HubConfig {
        seed,
        ..Default::default()
    };
    let mut host = crate::host::LocalSortHost::new(&plan, &sim);
    let tally =
        run_day::<crate::host::HostError>(&cfg, &plan, &day.flights, sim, &mut host, &mut |e| {
            events.push(e);
            Ok(())
        })
        .unwrap();
    (day, events, tally)
}

#[test]
fn every_parcel_ends_in_exactly_one_terminal_state() {
    let (day, events, tally) = day_events(6_000, 3);
    assert_eq!(tally.events, events.len() as u64);
    assert!(
        events.windows(2).all(|w| w[0].at <= w[1].at),
        "events come out in time order"
    );
    let mut by_parcel: HashMap<S10Id, Vec<&Event>> = HashMap::new();
    for e in &events {
        if let Subject::Parcel(id) = e.subject {
            by_parcel.entry(id).or_default().push(e);
        }
    }
    assert_eq!(by_parcel.len(), day.parcels.len());
    let (mut handed, mut held, mut exc) = (0u64, 0u64, 0u64);
    for (id, evs) in &by_parcel {
        // The manifest event comes from ingest, not from the day: start from it.
        let man = Event {
            code: EventCode::MAN,
            detail: Detail::None,
            ..evs[0].clone()
        };
        let s = ParcelState::derive(std::iter::once(&man).chain(evs.iter().copied()));
        assert_eq!(s.out_of_order, 0, "{id}: {evs:#?}");
        match s.terminal() {
            Terminal::HandedOver => handed += 1,
            Terminal::Held => held += 1,
            Terminal::Exception => exc += 1,
            Terminal::InProgress => panic!("{id} still in progress: {evs:#?}"),
        }
    }
    assert_eq!(handed + held + exc, 6_000);
    assert_eq!(handed, tally.handed_over);
    assert_eq!(held, tally.held);
    assert_eq!(exc, tally.exceptions_by_kind.values().sum::<u64>());
    assert!(
        held > 0 && exc > 0 && handed > 5_000,
        "handed {handed} held {held} exceptions {exc}"
    );
    assert_eq!(tally.parcels_by_route.values().sum::<u64>(), handed);
    assert_eq!(tally.flights, 3);
}

#[test]
fn same_seed_same_day() {
    let (_, a, _) = day_events(1_500, 9);
    let (_, b, _) = day_events(1_500, 9);
    assert_eq!(a, b);
}

#[test]
fn over_threshold_and_malformed_ioss_are_held() {
    let (day, events, _) = day_events(20_000, 4);
    let held: std::collections::HashSet<S10Id> = events
        .iter()
        .filter(|e| matches!(e.code, EventCode::HLD | EventCode::RFI | EventCode::RTS))
        .filter_map(|e| {
            if let Subject::Parcel(id) = e.subject {
                Some(id)
            } else {
                None
            }
        })
        .collect();
    for l in &day.labels {
        if matches!(
            l.anomaly,
            hangar_gen::Anomaly::OverThreshold | hangar_gen::Anomaly::MalformedIoss
        ) {
            assert!(held.contains(&l.parcel), "{:?} not held", l);
        }
    }
}
