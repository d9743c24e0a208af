//! Many writers, one truth: a parcel's events stored by several concurrent writers, in shuffled
//! orders and with many events stamped the same millisecond, fold to the same state as the events
//! given in their life-cycle order.

use hangar_gen::{DayConfig, generate};
use hangar_model::*;
use hangar_store::*;
use proptest::prelude::*;
use std::sync::Arc;

mod common;
use common::file;

fn ev(id: S10Id, code: EventCode, at: i64, detail: Detail, actor: &str) -> Event {
    Event {
        subject: Subject::Parcel(id),
        code,
        at: Timestamp(at),
        actor: Actor::parse(actor).unwrap(),
        location: Location::parse("LGG").unwrap(),
        detail,
    }
}

/// One parcel's life after its manifest, with times that advance by `steps` (0 makes ties):
/// received, declared, decided (held when `held`), sorted once or, with `rework`, twice, then
/// loaded and handed over.
fn life(id: S10Id, start: i64, steps: &[i64], held: bool, rework: bool) -> Vec<Event> {
    let mut t = start;
    let mut step = steps.iter().copied().cycle();
    let mut next = || {
        t += step.next().unwrap_or(0);
        t
    };
    let truck = TruckId::parse("T-DE1-1").unwrap();
    let mut out = vec![
        ev(
            id,
            EventCode::RCF,
            next(),
            Detail::None,
            "device:breakdown-1",
        ),
        ev(id, EventCode::CRC, next(), Detail::None, "system:customs"),
    ];
    let decision = if held {
        ev(
            id,
            EventCode::HLD,
            next(),
            Detail::Held {
                reasons: vec![CustomsReason::MalformedIoss],
                rules: vec![],
            },
            "system:customs",
        )
    } else {
        ev(id, EventCode::CCD, next(), Detail::None, "system:customs")
    };
    out.push(decision);
    let passes: &[(u8, DischargeOutcome)] = if rework {
        &[(1, DischargeOutcome::NoRead), (2, DischargeOutcome::Sorted)]
    } else {
        &[(1, DischargeOutcome::Sorted)]
    };
    for &(pass, outcome) in passes {
        let chute = if outcome == DischargeOutcome::Sorted {
            12
        } else {
            99
        };
        out.push(ev(
            id,
            EventCode::SDC,
            next(),
            Detail::SortDecision {
                chute,
                route: Some("DE-1".into()),
                pass,
            },
            "system:sorthost",
        ));
        out.push(ev(
            id,
            EventCode::SRT,
            next(),
            Detail::Discharged {
                chute,
                outcome,
                pass,
            },
            "sorter:S01",
        ));
    }
    if !held {
        out.push(ev(
            id,
            EventCode::FOW,
            next(),
            Detail::Loaded { truck },
            "device:dock-3",
        ));
        out.push(ev(
            id,
            EventCode::DLV,
            next(),
            Detail::None,
            "device:dock-3",
        ));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn shuffled_concurrent_writers_fold_to_the_same_state(
        seed in any::<u64>(),
        steps in proptest::collection::vec(0i64..2, 1..6),
        writers in 2usize..5,
    ) {
        let day = generate(DayConfig { date: Date::parse("2026-11-22").unwrap(), parcels: 40, flights: 1, seed: 3 });
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
        store.ingest(file("s.csv", 1, day.flights.clone(), vec![])).unwrap();
        store.ingest(file("m.csv", 2, vec![], day.parcels.clone())).unwrap();
        let mut rng = hangar_model::rng::Rng::new(seed);
        let mut all = Vec::new();
        let mut expected = std::collections::BTreeMap::new();
        for (i, p) in day.parcels.iter().enumerate() {
            let (held, rework) = (i % 5 == 0, i % 3 == 0);
            let events = life(p.id, 2_000, &steps, held, rework);
            // The state a writer-free fold gives: the manifest, then the life in its order.
            let mut ordered = vec![ev(p.id, EventCode::MAN, 1_000, Detail::None, "system:test")];
            ordered.extend(events.iter().cloned());
            let want = ParcelState::derive(ordered.iter());
            prop_assert_eq!(want.out_of_order, 0);
            prop_assert_eq!(want.terminal(), if held { Terminal::Held } else { Terminal::HandedOver });
            expected.insert(p.id, want);
            all.extend(events);
        }
        // Shuffle, then deal to concurrent writers that append in random-sized batches.
        for i in (1..all.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            all.swap(i, j);
        }
        let mut shares: Vec<Vec<Event>> = vec![Vec::new(); writers];
        for (i, e) in all.into_iter().enumerate() {
            shares[i % writers].push(e);
        }
        let handles: Vec<_> = shares
            .into_iter()
            .enumerate()
            .map(|(w, share)| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let mut rest = share.as_slice();
                    let mut k = w;
                    while !rest.is_empty() {
                        let n = (k % 7 + 1).min(rest.len());
                        store.append(&rest[..n]).unwrap();
                        rest = &rest[n..];
                        k += 3;
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let mut got = std::collections::BTreeMap::new();
        store.for_each_parcel_state(&mut |id, s| { got.insert(id, s); }).unwrap();
        prop_assert_eq!(&got, &expected);
        for (id, want) in &expected {
            let mut events = store.parcel_events(id).unwrap();
            prop_assert_eq!(&ParcelState::fold(&mut events), want);
        }
        // The floor's read of the same parcels (plus one the store never saw) agrees.
        let mut ids: Vec<S10Id> = expected.keys().copied().collect();
        let stranger = S10Id::parse("RB123456785CN").unwrap();
        prop_assert!(!expected.contains_key(&stranger));
        ids.push(stranger);
        let lives = store.lives(&ids).unwrap();
        prop_assert_eq!(lives.len(), expected.len());
        let tails = store.tails(&ids).unwrap();
        prop_assert_eq!(tails.len(), expected.len());
        for p in &day.parcels {
            let life = &lives[&p.id];
            prop_assert_eq!((life.bag, life.uld), (p.bag, p.uld));
            let mut events = life.events.clone();
            prop_assert_eq!(&ParcelState::fold(&mut events), &expected[&p.id]);
            prop_assert_eq!(&tails[&p.id], &Tail::of(life));
        }
    }

    /// The tails the writer keeps (parcels whose events arrive in fold order) are what folding
    /// their lives read whole gives; a parcel whose event arrives out of fold order, or that is
    /// handed over, is no longer kept and is read whole.
    #[test]
    fn kept_tails_are_the_folded_lives(
        cut in proptest::collection::vec(0usize..9, 40),
        late in proptest::collection::vec(any::<bool>(), 40),
        writers in 1usize..4,
    ) {
        let day = generate(DayConfig { date: Date::parse("2026-11-22").unwrap(), parcels: 40, flights: 1, seed: 5 });
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
        store.ingest(file("s.csv", 1, day.flights.clone(), vec![])).unwrap();
        store.ingest(file("m.csv", 2, vec![], day.parcels.clone())).unwrap();
        prop_assert_eq!(store.tails_kept(), day.parcels.len());
        // Each parcel's life up to a cut, in order; some then get an event stamped before the
        // last one stored. Parcels are dealt to writers whole, so each one's order holds.
        let mut shares: Vec<Vec<Vec<Event>>> = vec![Vec::new(); writers];
        let mut kept = 0;
        for (i, p) in day.parcels.iter().enumerate() {
            let mut events = life(p.id, 2_000, &[10], i % 4 == 0, i % 3 == 0);
            events.truncate(cut[i].min(events.len()));
            let handed_over = events.last().is_some_and(|e| e.code == EventCode::DLV);
            if late[i] && !events.is_empty() {
                events.push(ev(p.id, EventCode::DIS, 1_500, Detail::Discrepancy { what: DiscrepancyKind::Damaged }, "device:dock-3"));
            } else if !handed_over {
                kept += 1;
            }
            shares[i % writers].push(events);
        }
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for events in share {
                        for e in events {
                            store.append(&[e]).unwrap();
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        prop_assert_eq!(store.tails_kept(), kept);
        let ids: Vec<S10Id> = day.parcels.iter().map(|p| p.id).collect();
        let lives = store.lives(&ids).unwrap();
        let tails = store.tails(&ids).unwrap();
        for id in &ids {
            prop_assert_eq!(&tails[id], &Tail::of(&lives[id]));
        }
    }
}
