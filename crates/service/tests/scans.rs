//! Scan batches from several devices at once: batches of different parcels are applied side by
//! side, and batches that share parcels are checked one after the other, so a parcel is
//! received once however many stations scan it at the same moment.

use hangar_model::{Actor, EventCode, S10Id, Subject, Timestamp};
use hangar_service::{Scan, ScanRefusal};
use std::collections::HashMap;

mod common;
use common::NOW;

fn rcf(id: S10Id, station: usize) -> Scan {
    Scan {
        code: "RCF".into(),
        flight: None,
        uld: None,
        bag: None,
        parcel: Some(id.to_string()),
        at: Timestamp(NOW + 1_000).to_string(),
        location: format!("LGG/BREAKDOWN-{station}"),
        device: "station".into(),
        what: None,
        truck: None,
    }
}

#[test]
fn stations_scanning_the_same_parcels_at_once_receive_each_once() {
    let (day, schedule) = common::day(1_200, 2, 8);
    let manifest = common::csv(&day.parcels);
    let ids: Vec<S10Id> = day.parcels.iter().map(|p| p.id).collect();
    let stations = 6;
    for round in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let (store, hub) = common::hub(dir.path());
        let admin = Actor::parse("user:admin").unwrap();
        hub.intake("schedule.csv", &schedule, admin).unwrap();
        hub.intake("manifest.csv", &manifest, admin).unwrap();
        // Each station scans 100 parcels of its own, and all scan the same 100 shared ones.
        let (shared, own) = ids.split_at(100 * (round + 1));
        let device = Actor::parse("device:station").unwrap();
        let results: Vec<Result<_, ScanRefusal>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..stations)
                .map(|k| {
                    let hub = hub.clone();
                    let mut batch: Vec<Scan> = shared[shared.len() - 100..]
                        .iter()
                        .map(|id| rcf(*id, k))
                        .collect();
                    batch.extend(own[k * 100..(k + 1) * 100].iter().map(|id| rcf(*id, k)));
                    s.spawn(move || hub.scans(&batch, device))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let accepted = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(accepted, 1, "round {round}: one station's batch goes in");
        for r in &results {
            match r {
                Ok(receipt) => assert_eq!(receipt.events, 200),
                Err(ScanRefusal::Items(problems)) => {
                    assert_eq!(
                        problems.len(),
                        100,
                        "round {round}: each shared parcel named"
                    );
                    assert!(problems.iter().all(|p| p.field == "code"), "{problems:?}");
                }
                Err(e) => panic!("round {round}: {e}"),
            }
        }
        let mut received: HashMap<S10Id, u32> = HashMap::new();
        let last = store.counts().unwrap().events;
        for r in store.events(1, last).unwrap() {
            if let Subject::Parcel(id) = r.event.subject
                && r.event.code == EventCode::RCF
            {
                *received.entry(id).or_default() += 1;
            }
        }
        assert_eq!(received.len(), 200, "round {round}");
        assert!(received.values().all(|n| *n == 1), "round {round}");
    }
}
