//! Parcels' tails: for each parcel still in progress, where it came from (bag, ULD), the state
//! its events fold to and the greatest `FoldKey` among them. A floor check of a new event that
//! folds after all of a parcel's events needs nothing more (no read of the parcel's events);
//! anything else (a key not greater, a parcel not kept here) reads the parcel's whole life.
//!
//! Kept by a store's single writer after each commit, in commit order, so a tail is never
//! behind what is durable once the writer has acknowledged it; bounded (`Options::tail_capacity`
//! in the embedded store): a parcel handed over, erased or whose events stopped arriving in fold
//! order leaves, and a parcel manifested while the tails are full is simply not kept.

use crate::Life;
use hangar_model::{BagId, Event, FoldKey, ParcelStage, ParcelState, S10Id, UldId};
use std::collections::HashMap;
use std::sync::Mutex;

/// One parcel's tail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tail {
    /// The box or bag it was manifested in.
    pub bag: BagId,
    /// The ULD it was manifested in.
    pub uld: UldId,
    /// What its events fold to.
    pub state: ParcelState,
    /// The greatest fold key of its events that are not record keeping (`None`: no such event).
    pub last: Option<FoldKey>,
}

impl Tail {
    /// The tail of a life read whole.
    pub fn of(life: &Life) -> Tail {
        let mut events = life.events.clone();
        Tail {
            bag: life.bag,
            uld: life.uld,
            state: ParcelState::fold(&mut events),
            last: events
                .iter()
                .filter(|e| !e.code.is_record_keeping())
                .map(Event::fold_key)
                .max(),
        }
    }

    /// The tails of lives read whole.
    pub fn of_lives(lives: &HashMap<S10Id, Life>) -> HashMap<S10Id, Tail> {
        lives
            .iter()
            .map(|(id, life)| (*id, Tail::of(life)))
            .collect()
    }

    /// Whether `e` folds after every event of the parcel (so folding it onto `state` gives
    /// what folding the whole life again would).
    pub fn precedes(&self, e: &Event) -> bool {
        self.last.is_none_or(|last| e.fold_key() > last)
    }
}

/// What a commit did to parcels, for the tails.
pub(crate) enum Change {
    /// A parcel's first event (its manifest) was stored.
    Manifested {
        id: S10Id,
        bag: BagId,
        uld: UldId,
        event: Event,
    },
    /// An event about a parcel was stored.
    Event(Event),
    /// A parcel's row was deleted.
    Forget(S10Id),
}

/// The tails of parcels in progress, at most `capacity`.
pub(crate) struct Tails {
    map: Mutex<HashMap<S10Id, Tail>>,
    capacity: usize,
}

impl Tails {
    pub(crate) fn new(capacity: usize) -> Tails {
        Tails {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// Applies a commit's changes, in the order they were stored.
    pub(crate) fn apply(&self, changes: Vec<Change>) {
        if changes.is_empty() {
            return;
        }
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        for c in changes {
            match c {
                Change::Manifested {
                    id,
                    bag,
                    uld,
                    event,
                } => {
                    if map.len() < self.capacity {
                        let mut state = ParcelState::default();
                        state.apply(&event);
                        map.insert(
                            id,
                            Tail {
                                bag,
                                uld,
                                state,
                                last: Some(event.fold_key()),
                            },
                        );
                    }
                }
                Change::Event(e) => {
                    if e.code.is_record_keeping() {
                        continue;
                    }
                    let hangar_model::Subject::Parcel(id) = e.subject else {
                        continue;
                    };
                    let Some(tail) = map.get_mut(&id) else {
                        continue;
                    };
                    if !tail.precedes(&e) {
                        // Folding it in needs the whole life again: read it when asked.
                        map.remove(&id);
                        continue;
                    }
                    tail.state.apply(&e);
                    tail.last = Some(e.fold_key());
                    if tail.state.stage == ParcelStage::HandedOver {
                        map.remove(&id);
                    }
                }
                Change::Forget(id) => {
                    map.remove(&id);
                }
            }
        }
    }

    /// The tails kept of `ids`.
    pub(crate) fn get(&self, ids: &[S10Id]) -> HashMap<S10Id, Tail> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        ids.iter()
            .filter_map(|id| map.get(id).map(|t| (*id, t.clone())))
            .collect()
    }

    /// How many parcels are kept.
    pub(crate) fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}
