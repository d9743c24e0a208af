//! Files taken in at the same time decide customs once per parcel: a new file decides its
//! parcels from the file in hand while another file, holding some of the same parcels, looks
//! for undecided ones in the store. Neither may decide a parcel the other decides.

use hangar_model::{Actor, CustomsOutcome, EventCode, Subject};
use std::collections::HashMap;

mod common;

#[test]
fn concurrent_files_decide_each_parcel_once() {
    let (day, schedule) = common::day(600, 2, 21);
    let (first, second) = day.parcels.split_at(300);
    for round in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let (store, hub) = common::hub(dir.path());
        let actor = Actor::parse("device:test").unwrap();
        hub.intake("schedule.csv", &schedule, actor).unwrap();
        // One file with the first half; another with both halves (the first half known to it
        // once the first file is in, so it reads the store for undecided parcels).
        let a = common::csv(first);
        let b = common::csv(&[first, second].concat());
        let (h1, h2) = (hub.clone(), hub.clone());
        let t1 = std::thread::spawn(move || h1.intake(&format!("a{round}.csv"), &a, actor));
        let t2 = std::thread::spawn(move || h2.intake(&format!("b{round}.csv"), &b, actor));
        t1.join().unwrap().unwrap();
        t2.join().unwrap().unwrap();
        let mut decisions: HashMap<hangar_model::S10Id, u32> = HashMap::new();
        let last = store.counts().unwrap().events;
        for r in store.events(1, last).unwrap() {
            if let Subject::Parcel(id) = r.event.subject
                && (CustomsOutcome::of(r.event.code).is_some() || r.event.code == EventCode::CRC)
            {
                *decisions.entry(id).or_default() += 1;
            }
        }
        for p in &day.parcels {
            assert_eq!(
                decisions.get(&p.id).copied().unwrap_or(0),
                2,
                "round {round}: {} has one declaration and one decision",
                p.id
            );
        }
    }
}
