//! A truck closed while a dock keeps loading it: every parcel that got onto it is handed over
//! with it, and no load lands on it once it is closed.

use hangar_model::{
    Actor, Detail, DischargeOutcome, Event, EventCode, Location, ParcelStage, S10Id, Subject,
    Timestamp,
};
use hangar_service::{OpenTruck, TruckError};
use std::collections::HashMap;

mod common;
use common::NOW;

#[test]
fn loads_racing_a_close_are_handed_over_or_refused() {
    let (day, schedule) = common::day(3_000, 1, 14);
    let manifest = common::csv(&day.parcels);
    let route = "DE-1";
    let dock = Actor::parse("device:dock-1").unwrap();
    for round in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let (store, hub) = common::hub(dir.path());
        hub.intake("schedule.csv", &schedule, dock).unwrap();
        hub.intake("manifest.csv", &manifest, dock).unwrap();
        // Released parcels, received and sorted to the route's chute, as the floor and the sort
        // host would record them.
        let mut released = Vec::new();
        store
            .for_each_parcel_state(&mut |id, s| {
                if s.customs == hangar_model::CustomsStatus::Released {
                    released.push(id);
                }
            })
            .unwrap();
        released.truncate(400);
        assert!(
            released.len() >= 100,
            "too few released: {}",
            released.len()
        );
        // The hub's clock stands still: everything happens at its one moment, in life-cycle order.
        let ev = |id: S10Id, code: EventCode, detail: Detail| Event {
            subject: Subject::Parcel(id),
            code,
            at: Timestamp(NOW),
            actor: dock,
            location: Location::parse("LGG").unwrap(),
            detail,
        };
        let mut floor = Vec::new();
        for id in &released {
            floor.push(ev(*id, EventCode::RCF, Detail::None));
            floor.push(ev(
                *id,
                EventCode::SDC,
                Detail::SortDecision {
                    chute: 12,
                    route: Some(route.into()),
                    pass: 1,
                },
            ));
            floor.push(ev(
                *id,
                EventCode::SRT,
                Detail::Discharged {
                    chute: 12,
                    outcome: DischargeOutcome::Sorted,
                    pass: 1,
                },
            ));
        }
        store.append(&floor).unwrap();
        let truck = hub
            .open_truck(
                &OpenTruck {
                    route: route.into(),
                    dock: "03".into(),
                    departs: Timestamp(NOW + 3_600_000).to_string(),
                },
                dock,
            )
            .unwrap();
        let id = truck.id.to_string();
        // One dock loads parcel after parcel while another closes the truck.
        let (loaded, closed) = std::thread::scope(|s| {
            let loader = s.spawn(|| {
                let mut loaded = Vec::new();
                for p in &released {
                    match hub.load_truck(&id, &[p.to_string()], dock) {
                        Ok(_) => loaded.push(*p),
                        Err(TruckError::Closed(_)) => break,
                        Err(e) => panic!("round {round}: {e}"),
                    }
                }
                loaded
            });
            std::thread::sleep(std::time::Duration::from_millis(20 + 10 * round as u64));
            let closed = hub.close_truck(&id, dock).unwrap();
            (loader.join().unwrap(), closed)
        });
        assert!(
            !loaded.is_empty(),
            "round {round}: nothing loaded before the close"
        );
        assert_eq!(
            closed.handed_over,
            loaded.len() as u64,
            "round {round}: every parcel loaded is handed over with the truck"
        );
        let mut stages: HashMap<S10Id, ParcelStage> = HashMap::new();
        store
            .for_each_parcel_state(&mut |pid, s| {
                stages.insert(pid, s.stage);
            })
            .unwrap();
        for p in &released {
            let want = if loaded.contains(p) {
                ParcelStage::HandedOver
            } else {
                ParcelStage::AtChute
            };
            assert_eq!(stages[p], want, "round {round}: {p}");
        }
    }
}
