use hangar_gen::{DayConfig, generate};
use hangar_model::*;
use hangar_store::*;
use std::sync::Arc;

mod common;
use common::file;

fn day(parcels: u32) -> hangar_gen::Day {
    generate(DayConfig {
        date: Date::parse("2026-11-22").unwrap(),
        parcels,
        flights: 2,
        seed: 5,
    })
}

#[test]
fn ingest_is_whole_idempotent_and_durable_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let d = day(500);
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let r = store
            .ingest(file("schedule.csv", 1, d.flights.clone(), vec![]))
            .unwrap();
        assert_eq!(
            r,
            IngestReceipt::Applied {
                parcels: 0,
                flights: 2,
                unchanged: 0,
                events: 0
            }
        );
        let r = store
            .ingest(file("m.csv", 2, vec![], d.parcels.clone()))
            .unwrap();
        assert_eq!(
            r,
            IngestReceipt::Applied {
                parcels: 500,
                flights: 0,
                unchanged: 0,
                events: 500
            }
        );
        // Same bytes again: nothing added.
        assert!(matches!(
            store
                .ingest(file("again.csv", 2, vec![], d.parcels.clone()))
                .unwrap(),
            IngestReceipt::AlreadyIngested { .. }
        ));
        // Same parcels in another file (e.g. the JSON Lines twin): nothing added either.
        let r = store
            .ingest(file("m.jsonl", 3, vec![], d.parcels.clone()))
            .unwrap();
        assert_eq!(
            r,
            IngestReceipt::Applied {
                parcels: 0,
                flights: 0,
                unchanged: 500,
                events: 0
            }
        );
        assert_eq!(
            store.counts().unwrap(),
            Counts {
                files: 3,
                flights: 2,
                parcels: 500,
                events: 500
            }
        );
    }
    let store = EmbeddedStore::open(dir.path()).unwrap();
    assert_eq!(store.counts().unwrap().parcels, 500);
    let p = &d.parcels[17];
    assert_eq!(store.parcel(&p.id).unwrap().as_ref(), Some(p));
    assert_eq!(store.flights().unwrap(), d.flights);
    let h = store.history(&p.id).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].event.code, EventCode::MAN);
    let mut n = 0;
    store.for_each_parcel(&mut |_| n += 1).unwrap();
    assert_eq!(n, 500);
}

#[test]
fn conflicting_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = day(300);
    let store = EmbeddedStore::open(dir.path()).unwrap();
    store
        .ingest(file("schedule.csv", 1, d.flights.clone(), vec![]))
        .unwrap();
    store
        .ingest(file("a.csv", 2, vec![], d.parcels[..100].to_vec()))
        .unwrap();
    let before = store.counts().unwrap();
    // New parcels plus one known parcel with different content: the whole file is refused.
    let mut changed = d.parcels[50..200].to_vec();
    changed[30].consignee.name = "Someone Else".into();
    let err = store.ingest(file("b.csv", 3, vec![], changed)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("b.csv:32: parcel_id: parcel "), "{msg}");
    assert!(
        msg.contains("already ingested with different content"),
        "{msg}"
    );
    assert_eq!(store.counts().unwrap(), before);
    // A manifest for a flight nobody scheduled is refused too.
    let mut orphan = d.parcels[250..260].to_vec();
    orphan[0].flight.number = FlightNo::parse("ZZ999").unwrap();
    let err = store.ingest(file("c.csv", 4, vec![], orphan)).unwrap_err();
    assert!(
        err.to_string()
            .contains("c.csv:2: flight: expected a scheduled flight"),
        "{err}"
    );
    assert_eq!(store.counts().unwrap(), before);
}

#[test]
fn concurrent_appends_get_gap_free_sequence_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = day(50);
    let store = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    store
        .ingest(file("schedule.csv", 1, d.flights.clone(), vec![]))
        .unwrap();
    store
        .ingest(file("m.csv", 2, vec![], d.parcels.clone()))
        .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            let ids: Vec<S10Id> = d.parcels.iter().map(|p| p.id).collect();
            std::thread::spawn(move || {
                let mut lasts = Vec::new();
                for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 4 == t) {
                    let e = Event {
                        subject: Subject::Parcel(*id),
                        code: EventCode::RCF,
                        at: Timestamp(2_000 + i as i64),
                        actor: Actor::parse("system:test").unwrap(),
                        location: Location::parse("LGG/BREAKDOWN-1").unwrap(),
                        detail: Detail::None,
                    };
                    lasts.push(store.append(&[e]).unwrap());
                }
                lasts
            })
        })
        .collect();
    let mut seqs: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (51..=100).collect::<Vec<_>>());
    let all = store.events(1, 100).unwrap();
    assert_eq!(all.len(), 100);
    assert!(all.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    let counts = store.terminal_counts().unwrap();
    assert_eq!(counts.total(), 50);
    assert_eq!(counts.in_progress, 50);
    assert!(store.append(&[]).is_ok());
    // A request applied once: repeats add nothing, even after reopening.
    let e = all[0].event.clone();
    let first = store
        .append_once(
            "sorter:01:000042:12345678:081540500",
            std::slice::from_ref(&e),
        )
        .unwrap();
    assert_eq!(first, Some(101));
    assert_eq!(
        store
            .append_once(
                "sorter:01:000042:12345678:081540500",
                std::slice::from_ref(&e)
            )
            .unwrap(),
        None
    );
    assert_eq!(store.counts().unwrap().events, 101);
    let too_many = vec![all[0].event.clone(); MAX_APPEND_EVENTS + 1];
    assert!(matches!(store.append(&too_many), Err(StoreError::Limit(_))));
}

mod round_trip {
    use super::*;
    use hangar_manifest::{Contents, parse};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]
        /// generate -> write files -> parse -> ingest -> read back: the same parcels and flights.
        #[test]
        fn generated_day_survives_ingest(parcels in 1u32..800, flights in 1u32..4, seed in any::<u64>()) {
            let day = generate(DayConfig { date: Date::parse("2026-11-22").unwrap(), parcels, flights, seed });
            let files = tempfile::tempdir().unwrap();
            let written = hangar_gen::write_day(&day, files.path(), |_| {}).unwrap();
            let data = tempfile::tempdir().unwrap();
            let store = EmbeddedStore::open(data.path()).unwrap();
            let mut paths = vec![written.schedule.clone()];
            paths.extend(written.csv.iter().cloned());
            for path in paths {
                let bytes = std::fs::read(&path).unwrap();
                let f = parse(&path.to_string_lossy(), &bytes).map_err(|e| e.to_string()).unwrap();
                let (fl, ps) = match f.contents {
                    Contents::Schedule(v) => (v.into_iter().map(|l| (l.value, l.line)).collect(), vec![]),
                    Contents::Parcels(v) => (vec![], v.into_iter().map(|l| (l.value, l.line)).collect()),
                };
                store.ingest(IngestFile {
                    name: f.name, digest: f.digest, rows: f.rows, flights: fl, parcels: ps,
                    at: Timestamp(0), actor: Actor::parse("system:test").unwrap(), location: Location::parse("LGG").unwrap(),
                }).unwrap();
            }
            let mut back = Vec::new();
            store.for_each_parcel(&mut |p| back.push(p)).unwrap();
            let mut expected = day.parcels.clone();
            expected.sort_by_key(|p| p.id);
            prop_assert_eq!(back, expected);
            let mut flights_expected = day.flights.clone();
            flights_expected.sort_by_key(|f| (f.sta, f.key.to_string()));
            prop_assert_eq!(store.flights().unwrap(), flights_expected);
            prop_assert_eq!(store.counts().unwrap().events, u64::from(parcels));
        }
    }
}

#[test]
fn destinations_and_states_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = day(40);
    let store = EmbeddedStore::open(dir.path()).unwrap();
    store
        .ingest(file("schedule.csv", 1, d.flights.clone(), vec![]))
        .unwrap();
    store
        .ingest(file("m.csv", 2, vec![], d.parcels.clone()))
        .unwrap();
    let p = &d.parcels[3];
    let dest = store.lookup_destination(&p.id).unwrap().unwrap();
    assert_eq!(
        (dest.country, dest.postcode, dest.customs),
        (p.consignee.country, p.consignee.postcode, None)
    );
    let ev = |code, detail| Event {
        subject: Subject::Parcel(p.id),
        code,
        at: Timestamp(5),
        actor: Actor::parse("system:customs").unwrap(),
        location: Location::parse("LGG/CUSTOMS").unwrap(),
        detail,
    };
    store
        .append(&[
            ev(EventCode::CRC, Detail::None),
            ev(
                EventCode::HLD,
                Detail::Held {
                    reasons: vec![CustomsReason::MalformedIoss],
                    rules: vec![],
                },
            ),
        ])
        .unwrap();
    assert_eq!(
        store.lookup_destination(&p.id).unwrap().unwrap().customs,
        Some(EventCode::HLD)
    );
    store.append(&[ev(EventCode::CCD, Detail::None)]).unwrap();
    assert_eq!(
        store.lookup_destination(&p.id).unwrap().unwrap().customs,
        Some(EventCode::CCD)
    );
    assert_eq!(
        store
            .lookup_destination(&S10Id::from_parts("ZZ", 1, "CN"))
            .unwrap(),
        None
    );
    let mut n = 0;
    store
        .for_each_parcel_state(&mut |id, s| {
            n += 1;
            if id == p.id {
                assert_eq!(s.customs, hangar_model::state::CustomsStatus::Released);
            }
        })
        .unwrap();
    assert_eq!(n, 40);
}

#[test]
fn erasure_blanks_personal_data_once_removes_records_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let d = day(50);
    let store = EmbeddedStore::open(dir.path()).unwrap();
    store
        .ingest(file("schedule.csv", 1, d.flights.clone(), vec![]))
        .unwrap();
    store
        .ingest(file("m.csv", 2, vec![], d.parcels.clone()))
        .unwrap();
    // Received at t=1000: due for anything after it, nothing before.
    assert!(
        store
            .due_for_erasure(DataClass::Personal, Timestamp(1_000), 100)
            .unwrap()
            .is_empty()
    );
    let due = store
        .due_for_erasure(DataClass::Personal, Timestamp(1_001), 100)
        .unwrap();
    assert_eq!(due.len(), 50);
    let erasure = |ids: Vec<S10Id>, class| Erasure {
        parcels: ids,
        class,
        reason: "test".into(),
        actor: Actor::parse("system:retention").unwrap(),
        at: Timestamp(2_000),
        location: Location::parse("LGG").unwrap(),
    };
    let first = due[..10].to_vec();
    assert_eq!(
        store
            .erase(erasure(first.clone(), DataClass::Personal))
            .unwrap(),
        10
    );
    assert_eq!(
        store
            .erase(erasure(first.clone(), DataClass::Personal))
            .unwrap(),
        0,
        "nothing left to erase: no second record"
    );
    let p = store.parcel(&first[0]).unwrap().unwrap();
    assert!(p.consignee.name.is_empty() && p.consignee.postcode.is_none());
    assert_eq!(
        p.consignee.country,
        d.parcels
            .iter()
            .find(|x| x.id == first[0])
            .unwrap()
            .consignee
            .country
    );
    assert_eq!(
        p.consignor,
        d.parcels
            .iter()
            .find(|x| x.id == first[0])
            .unwrap()
            .consignor,
        "the seller is commercial data, kept"
    );
    let era: Vec<_> = store
        .parcel_events(&first[0])
        .unwrap()
        .into_iter()
        .filter(|e| e.code == EventCode::ERA)
        .collect();
    assert_eq!(era.len(), 1);
    assert_eq!(
        store
            .due_for_erasure(DataClass::Personal, Timestamp(1_001), 100)
            .unwrap()
            .len(),
        40
    );
    // The whole record (commercial retention) goes with its personal data.
    assert_eq!(
        store
            .erase(erasure(vec![due[20]], DataClass::Commercial))
            .unwrap(),
        1
    );
    assert!(store.parcel(&due[20]).unwrap().is_none());
    assert_eq!(store.counts().unwrap().parcels, 49);
    assert!(matches!(
        store.erase(erasure(vec![due[21]], DataClass::Operational)),
        Err(StoreError::Limit(_))
    ));
    assert!(matches!(
        store.erase(erasure(
            vec![due[0]; MAX_ERASE_PARCELS + 1],
            DataClass::Personal
        )),
        Err(StoreError::Limit(_))
    ));
}
