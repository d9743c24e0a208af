//! The floor's memory of parcels' lives: the bag, ULD and own events of the parcels scans and
//! loads have asked about, kept current by reading the store's events after the last one seen
//! (whoever wrote them: intake, customs, the sort host, docks), so a scan batch is checked
//! without reading every parcel back from the store. It is only ever a copy: a parcel is read
//! from the store when it is not held, the whole memory is dropped when it would grow past
//! `MAX_PARCELS` or fall far behind, and what it answers is exactly what `Store::lives` would.

use hangar_model::{Event, EventCode, S10Id, Subject};
use hangar_store::{Life, Store, StoreError};
use std::collections::HashMap;

/// Most parcels held (a few hundred bytes each).
pub const MAX_PARCELS: usize = 200_000;

/// Most events read to catch up at once; further behind than that, the memory starts afresh.
const MAX_TAIL: u64 = 20_000;

/// Parcels' lives as the store has them, up to event `seen`.
#[derive(Default)]
pub struct Lives {
    /// Every stored event up to this one is reflected in `of` (`None`: nothing read yet).
    seen: Option<u64>,
    of: HashMap<S10Id, Life>,
}

impl Lives {
    /// The lives of those of `ids` the store knows, as it has them now.
    pub fn get(
        &mut self,
        store: &dyn Store,
        ids: &[S10Id],
    ) -> Result<HashMap<S10Id, Life>, StoreError> {
        self.catch_up(store)?;
        let mut missing: Vec<S10Id> = ids
            .iter()
            .filter(|id| !self.of.contains_key(id))
            .copied()
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if self.of.len() + missing.len() > MAX_PARCELS {
            self.of.clear();
            missing = ids.to_vec();
            missing.sort_unstable();
            missing.dedup();
        }
        if !missing.is_empty() {
            self.of.extend(store.lives(&missing)?);
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.of.get(id).map(|l| (*id, l.clone())))
            .collect())
    }

    /// Takes in the events of a batch just stored as `first..=first + events.len() - 1`: at
    /// once when nothing else was stored since the last event seen, else through the next
    /// catch-up.
    pub fn stored(&mut self, last_seq: u64, events: &[Event]) {
        let first = last_seq + 1 - events.len() as u64;
        if self.seen == Some(first - 1) {
            for (i, e) in events.iter().enumerate() {
                self.apply(first + i as u64, e);
            }
            self.seen = Some(last_seq);
        }
    }

    /// Reads the events stored since the last one seen and applies them.
    fn catch_up(&mut self, store: &dyn Store) -> Result<(), StoreError> {
        let Some(seen) = self.seen else {
            self.seen = Some(store.head()?);
            return Ok(());
        };
        let tail = store.events(seen + 1, seen + MAX_TAIL)?;
        if tail.len() as u64 >= MAX_TAIL {
            // Far behind: reading on would cost more than reading the parcels afresh.
            self.of.clear();
            self.seen = Some(store.head()?);
            return Ok(());
        }
        for r in &tail {
            self.apply(r.seq, &r.event);
        }
        if let Some(r) = tail.last() {
            self.seen = Some(r.seq);
        }
        Ok(())
    }

    /// Puts event `seq` into the life of its parcel, if held and not already in it.
    fn apply(&mut self, seq: u64, e: &Event) {
        let Subject::Parcel(id) = e.subject else {
            return;
        };
        let Some(life) = self.of.get_mut(&id) else {
            return;
        };
        if seq <= life.as_of {
            return;
        }
        if e.code == EventCode::ERA {
            // An erasure may take the parcel's record with it: read it again when asked.
            self.of.remove(&id);
            return;
        }
        let at = life
            .events
            .partition_point(|x| Event::fold_cmp(x, e) != std::cmp::Ordering::Greater);
        life.events.insert(at, e.clone());
        life.as_of = seq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hangar_model::{Actor, Detail, Location, Timestamp};
    use hangar_store::EmbeddedStore;

    /// Whatever the interleaving of other writers, of this memory's own batches and of reads,
    /// it answers what the store does.
    #[test]
    fn it_answers_what_the_store_does() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let day = hangar_gen::generate(hangar_gen::DayConfig {
            date: hangar_model::Date::parse("2026-12-01").unwrap(),
            parcels: 60,
            flights: 1,
            seed: 5,
        });
        let file =
            |name: &str, flights: Vec<hangar_model::Flight>, parcels: Vec<hangar_model::Parcel>| {
                hangar_store::IngestFile {
                    name: name.into(),
                    digest: [name.len() as u8; 32],
                    rows: (flights.len() + parcels.len()) as u64,
                    flights: flights.into_iter().map(|f| (f, 2)).collect(),
                    parcels: parcels.into_iter().map(|p| (p, 2)).collect(),
                    at: Timestamp(1_795_000_000_000),
                    actor: Actor::parse("system:test").unwrap(),
                    location: Location::parse("LGG").unwrap(),
                }
            };
        store
            .ingest(file("s.csv", day.flights.clone(), vec![]))
            .unwrap();
        store
            .ingest(file("manifest.csv", vec![], day.parcels.clone()))
            .unwrap();
        let ids: Vec<S10Id> = day.parcels.iter().map(|p| p.id).collect();
        let mut rng = hangar_model::rng::Rng::new(11);
        let codes = [
            EventCode::RCF,
            EventCode::SDC,
            EventCode::SRT,
            EventCode::FOW,
            EventCode::DIS,
            EventCode::CCD,
        ];
        let event = |rng: &mut hangar_model::rng::Rng| Event {
            subject: Subject::Parcel(ids[rng.below(ids.len() as u64) as usize]),
            code: codes[rng.below(codes.len() as u64) as usize],
            at: Timestamp(1_796_000_000_000 + rng.below(3_600_000) as i64),
            actor: Actor::parse("device:test").unwrap(),
            location: Location::parse("LGG").unwrap(),
            detail: Detail::None,
        };
        let mut lives = Lives::default();
        for round in 0..300 {
            match rng.below(3) {
                // Another writer.
                0 => {
                    let batch: Vec<Event> =
                        (0..1 + rng.below(5)).map(|_| event(&mut rng)).collect();
                    store.append(&batch).unwrap();
                }
                // This memory's own batch.
                1 => {
                    let batch: Vec<Event> =
                        (0..1 + rng.below(5)).map(|_| event(&mut rng)).collect();
                    let last = store.append(&batch).unwrap();
                    lives.stored(last, &batch);
                }
                // A read of some parcels, compared with the store's.
                _ => {
                    let ask: Vec<S10Id> = (0..1 + rng.below(8))
                        .map(|_| ids[rng.below(ids.len() as u64) as usize])
                        .collect();
                    let mine = lives.get(&store, &ask).unwrap();
                    let theirs = store.lives(&ask).unwrap();
                    for id in &ask {
                        assert_eq!(mine[id].events, theirs[id].events, "round {round}: {id}");
                        assert_eq!(
                            (mine[id].bag, mine[id].uld),
                            (theirs[id].bag, theirs[id].uld)
                        );
                    }
                }
            }
        }
        assert!(!lives.of.is_empty(), "the memory was used");
    }
}
