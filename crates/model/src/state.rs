//! A parcel's state, derived by folding its events in `Event::fold_cmp` order: time, then the
//! step of the life cycle, then the events' own content. Nothing else decides where a parcel is:
//! the store keeps events, and this fold reads them. Never recording order: several writers
//! record a parcel's life (intake, customs, the sort host's confirmations, scanners, docks) and
//! any of them may get its event stored first.

use crate::event::{Detail, DischargeOutcome, Event, EventCode};
use crate::{Timestamp, TruckId};

/// Where a parcel physically is in the hub's flow.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParcelStage {
    /// No event yet.
    Unknown,
    /// On a manifest, not yet at the hub.
    Manifested,
    /// Scanned at breakdown.
    Received,
    /// The host chose a chute; the parcel is on the sorter.
    OnSorter,
    /// Discharged into a chute.
    AtChute,
    /// Discharged but not sorted (no-read, no destination, ...): waits for manual rework.
    Rework,
    /// Loaded on an outbound truck.
    Loaded,
    /// Handed over to the carrier.
    HandedOver,
    /// Manifested but not found at the hub.
    Missing,
}

/// Customs status, separate from the physical stage.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomsStatus {
    /// Not yet declared.
    NotReported,
    /// Declaration lodged, no decision yet.
    Reported,
    /// Held for inspection or a full declaration (HLD).
    Held,
    /// Waiting for information customs asked for (RFI).
    InformationRequested,
    /// Refused entry (RTS): to be returned or destroyed.
    Refused,
    /// Released (CCD).
    Released,
}

impl CustomsStatus {
    /// Still in customs' hands after a decision (held, asked for information, refused).
    pub fn is_held(self) -> bool {
        matches!(
            self,
            CustomsStatus::Held | CustomsStatus::InformationRequested | CustomsStatus::Refused
        )
    }
}

/// How a parcel's day ended.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Terminal {
    /// Handed over to a carrier.
    HandedOver,
    /// In the customs hold area.
    Held,
    /// Needs a person: missing, unreadable after rework, no destination.
    Exception,
    /// Still moving.
    InProgress,
}

/// A parcel's state: the fold of its events.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct ParcelState {
    /// Physical stage.
    pub stage: ParcelStage,
    /// Customs status.
    pub customs: CustomsStatus,
    /// Last chute it was discharged into.
    pub chute: Option<u16>,
    /// Carrier route of the last sort decision.
    pub route: Option<String>,
    /// Truck it is on.
    pub truck: Option<TruckId>,
    /// Passes over the sorter so far.
    pub passes: u8,
    /// Time of the last event applied.
    pub last_at: Option<Timestamp>,
    /// Events that did not fit the life cycle (kept, counted, never silently dropped).
    pub out_of_order: u32,
}

impl Default for ParcelState {
    fn default() -> Self {
        ParcelState {
            stage: ParcelStage::Unknown,
            customs: CustomsStatus::NotReported,
            chute: None,
            route: None,
            truck: None,
            passes: 0,
            last_at: None,
            out_of_order: 0,
        }
    }
}

impl ParcelState {
    /// Every name `board_stage` gives.
    pub const BOARD_STAGES: [&'static str; 10] = [
        "unknown",
        "manifested",
        "received",
        "held",
        "on_sorter",
        "at_chute",
        "rework",
        "loaded",
        "handed_over",
        "missing",
    ];

    /// Where the parcel is, as the control room's board counts it: `held` while customs holds
    /// it (unless it is missing), else its stage in snake case (one of `BOARD_STAGES`).
    pub fn board_stage(&self) -> &'static str {
        use crate::ParcelStage as P;
        if self.customs.is_held() && !matches!(self.stage, P::Missing) {
            return "held";
        }
        match self.stage {
            P::Unknown => "unknown",
            P::Manifested => "manifested",
            P::Received => "received",
            P::OnSorter => "on_sorter",
            P::AtChute => "at_chute",
            P::Rework => "rework",
            P::Loaded => "loaded",
            P::HandedOver => "handed_over",
            P::Missing => "missing",
        }
    }

    /// Folds `events` (in time order, ties in recording order) into a state.
    pub fn derive<'a>(events: impl IntoIterator<Item = &'a Event>) -> ParcelState {
        let mut s = ParcelState::default();
        for e in events {
            s.apply(e);
        }
        s
    }

    /// Folds a parcel's events given in any order: sorted by `Event::fold_cmp` first, so the
    /// state is the same whatever order they were recorded in.
    pub fn fold(events: &mut [Event]) -> ParcelState {
        events.sort_by(Event::fold_cmp);
        ParcelState::derive(events.iter())
    }

    /// Applies one parcel event. Events that do not fit the life cycle are counted in
    /// `out_of_order` and otherwise ignored, so a bad feed cannot corrupt the state.
    pub fn apply(&mut self, e: &Event) {
        use ParcelStage as S;
        let ok = match (e.code, &e.detail) {
            (EventCode::MAN, _) => {
                if self.stage == S::Unknown {
                    self.stage = S::Manifested;
                }
                true
            }
            (EventCode::RCF, _) if matches!(self.stage, S::Manifested | S::Missing) => {
                self.stage = S::Received;
                true
            }
            (EventCode::CRC, _) if self.customs == CustomsStatus::NotReported => {
                self.customs = CustomsStatus::Reported;
                true
            }
            (EventCode::HLD, _) if self.customs != CustomsStatus::NotReported => {
                self.customs = CustomsStatus::Held;
                true
            }
            (EventCode::RFI, _) if self.customs != CustomsStatus::NotReported => {
                self.customs = CustomsStatus::InformationRequested;
                true
            }
            (EventCode::RTS, _) if self.customs != CustomsStatus::NotReported => {
                self.customs = CustomsStatus::Refused;
                true
            }
            // A read, a refusal or an erasure changes nothing about where the parcel is.
            (c, _) if c.is_record_keeping() => return,
            (EventCode::CCD, _) if self.customs != CustomsStatus::NotReported => {
                self.customs = CustomsStatus::Released;
                true
            }
            (EventCode::SDC, Detail::SortDecision { route, pass, .. })
                if matches!(self.stage, S::Received | S::Rework | S::OnSorter) =>
            {
                self.stage = S::OnSorter;
                self.route = route.clone();
                self.passes = self.passes.max(*pass);
                true
            }
            (EventCode::SRT, Detail::Discharged { chute, outcome, .. })
                if self.stage == S::OnSorter =>
            {
                self.chute = Some(*chute);
                self.stage = if *outcome == DischargeOutcome::Sorted {
                    S::AtChute
                } else {
                    S::Rework
                };
                true
            }
            (
                EventCode::DIS,
                Detail::Discrepancy {
                    what: crate::DiscrepancyKind::Missing,
                },
            ) if self.stage == S::Manifested => {
                self.stage = S::Missing;
                true
            }
            (EventCode::DIS, _) => true,
            (EventCode::FOW, Detail::Loaded { truck })
                if self.stage == S::AtChute && self.customs == CustomsStatus::Released =>
            {
                self.stage = S::Loaded;
                self.truck = Some(*truck);
                true
            }
            (EventCode::DLV, _) if self.stage == S::Loaded => {
                self.stage = S::HandedOver;
                true
            }
            _ => false,
        };
        if ok {
            self.last_at = Some(e.at);
        } else {
            self.out_of_order += 1;
        }
    }

    /// How the parcel's day ended (or `InProgress`).
    pub fn terminal(&self) -> Terminal {
        match (self.stage, self.customs) {
            (ParcelStage::HandedOver, _) => Terminal::HandedOver,
            (ParcelStage::Missing, _) => Terminal::Exception,
            (_, c) if c.is_held() => Terminal::Held,
            (ParcelStage::Rework, _) => Terminal::Exception,
            _ => Terminal::InProgress,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    #[test]
    fn every_board_stage_is_listed_once() {
        use ParcelStage as P;
        let mut seen = std::collections::BTreeSet::new();
        for stage in [
            P::Unknown,
            P::Manifested,
            P::Received,
            P::OnSorter,
            P::AtChute,
            P::Rework,
            P::Loaded,
            P::HandedOver,
            P::Missing,
        ] {
            for customs in [CustomsStatus::NotReported, CustomsStatus::Held] {
                let s = ParcelState {
                    stage,
                    customs,
                    ..ParcelState::default()
                };
                assert!(
                    ParcelState::BOARD_STAGES.contains(&s.board_stage()),
                    "{s:?}"
                );
                seen.insert(s.board_stage());
            }
        }
        assert_eq!(seen.len(), ParcelState::BOARD_STAGES.len());
    }

    fn ev(code: EventCode, detail: Detail, t: i64) -> Event {
        Event {
            subject: Subject::Parcel(S10Id::parse("RB123456785CN").unwrap()),
            code,
            at: Timestamp(t),
            actor: Actor::parse("system:test").unwrap(),
            location: Location::parse("LGG").unwrap(),
            detail,
        }
    }

    #[test]
    fn happy_path_ends_handed_over() {
        let truck = TruckId::parse("T-DE1-1").unwrap();
        let events = [
            ev(EventCode::MAN, Detail::None, 1),
            ev(EventCode::RCF, Detail::None, 2),
            ev(EventCode::CRC, Detail::None, 3),
            ev(EventCode::CCD, Detail::None, 4),
            ev(
                EventCode::SDC,
                Detail::SortDecision {
                    chute: 7,
                    route: Some("DE-1".into()),
                    pass: 1,
                },
                5,
            ),
            ev(
                EventCode::SRT,
                Detail::Discharged {
                    chute: 7,
                    outcome: DischargeOutcome::Sorted,
                    pass: 1,
                },
                6,
            ),
            ev(EventCode::FOW, Detail::Loaded { truck }, 7),
            ev(EventCode::DLV, Detail::None, 8),
        ];
        let s = ParcelState::derive(&events);
        assert_eq!(s.terminal(), Terminal::HandedOver);
        assert_eq!(s.out_of_order, 0);
        assert_eq!(s.truck, Some(truck));
        assert_eq!(s.last_at, Some(Timestamp(8)));
    }

    #[test]
    fn held_parcel_cannot_be_loaded() {
        let truck = TruckId::parse("T-DE1-1").unwrap();
        let events = [
            ev(EventCode::MAN, Detail::None, 1),
            ev(EventCode::RCF, Detail::None, 2),
            ev(EventCode::CRC, Detail::None, 3),
            ev(
                EventCode::HLD,
                Detail::Held {
                    reasons: vec![CustomsReason::MalformedIoss],
                    rules: vec![],
                },
                4,
            ),
            ev(
                EventCode::SDC,
                Detail::SortDecision {
                    chute: 1,
                    route: None,
                    pass: 1,
                },
                5,
            ),
            ev(
                EventCode::SRT,
                Detail::Discharged {
                    chute: 1,
                    outcome: DischargeOutcome::Sorted,
                    pass: 1,
                },
                6,
            ),
            ev(EventCode::FOW, Detail::Loaded { truck }, 7),
        ];
        let s = ParcelState::derive(&events);
        assert_eq!(s.terminal(), Terminal::Held);
        assert_eq!(s.out_of_order, 1);
    }

    #[test]
    fn missing_and_no_read_are_exceptions() {
        let missing = [
            ev(EventCode::MAN, Detail::None, 1),
            ev(
                EventCode::DIS,
                Detail::Discrepancy {
                    what: DiscrepancyKind::Missing,
                },
                2,
            ),
        ];
        assert_eq!(
            ParcelState::derive(&missing).terminal(),
            Terminal::Exception
        );
        let no_read = [
            ev(EventCode::MAN, Detail::None, 1),
            ev(EventCode::RCF, Detail::None, 2),
            ev(EventCode::CRC, Detail::None, 3),
            ev(EventCode::CCD, Detail::None, 4),
            ev(
                EventCode::SDC,
                Detail::SortDecision {
                    chute: 3,
                    route: None,
                    pass: 2,
                },
                5,
            ),
            ev(
                EventCode::SRT,
                Detail::Discharged {
                    chute: 3,
                    outcome: DischargeOutcome::NoRead,
                    pass: 2,
                },
                6,
            ),
        ];
        let s = ParcelState::derive(&no_read);
        assert_eq!(s.terminal(), Terminal::Exception);
        assert_eq!(s.passes, 2);
        // Events before a manifest are out of order, not fatal.
        assert_eq!(
            ParcelState::derive(&[ev(EventCode::DLV, Detail::None, 1)]).out_of_order,
            1
        );
    }
}
