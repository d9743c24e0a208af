//! What people change, recorded as events whoever asks (the dashboard, the JSON API, the
//! command line): a declarant's customs decision, an erasure on request.

use hangar_model::{
    Actor, CustomsOutcome, Detail, Event, EventCode, Location, ParcelStage, ParcelState, S10Id,
    Subject, Timestamp,
};
use hangar_store::{Store, StoreError};

/// Longest reason a declarant may give, characters.
pub const MAX_REASON: usize = 500;

/// Why an action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The request does not make sense (says why).
    #[error("{0}")]
    Refused(String),
    /// No such parcel.
    #[error("parcel {0} is not in the store")]
    NoParcel(S10Id),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The wall clock as a timestamp.
pub fn now() -> Timestamp {
    use crate::Clock;
    crate::SystemClock.now()
}

/// Where a parcel's customs events happen: the location of its last customs event.
pub fn customs_location(events: &[Event]) -> Location {
    events
        .iter()
        .rev()
        .find(|e| CustomsOutcome::of(e.code).is_some() || e.code == EventCode::CRC)
        .map(|e| e.location)
        .unwrap_or_else(|| Location::parse("LGG/CUSTOMS").expect("location"))
}

/// Records a declarant's decision on a parcel (release, request for information, hold,
/// refusal) with their reason, after checking it makes sense; returns the event recorded.
pub fn declarant_decision(
    store: &dyn Store,
    id: &S10Id,
    outcome: CustomsOutcome,
    why: &str,
    declarant: Actor,
) -> Result<Event, ActionError> {
    let why = why.trim();
    if why.is_empty() {
        return Err(ActionError::Refused(
            "reason: expected the declarant's reason (it is recorded with the decision)".into(),
        ));
    }
    if why.chars().count() > MAX_REASON {
        return Err(ActionError::Refused(format!(
            "reason: expected at most {MAX_REASON} characters"
        )));
    }
    if store.parcel(id)?.is_none() {
        return Err(ActionError::NoParcel(*id));
    }
    let history = store.parcel_events(id)?;
    let state = ParcelState::derive(&history);
    use hangar_model::CustomsStatus as C;
    match (outcome, state.customs) {
        (_, C::NotReported) => {
            return Err(ActionError::Refused(format!(
                "parcel {id} has not been declared to customs yet"
            )));
        }
        (CustomsOutcome::Release, C::Released) => {
            return Err(ActionError::Refused(format!(
                "parcel {id} is already released"
            )));
        }
        (o, s)
            if o != CustomsOutcome::Release
                && matches!(state.stage, ParcelStage::Loaded | ParcelStage::HandedOver) =>
        {
            return Err(ActionError::Refused(format!(
                "parcel {id} has left the sorting area ({:?}, customs {s:?}): it can no longer be held",
                state.stage
            )));
        }
        _ => {}
    }
    // After the parcel's last event, so the decision folds in after everything it answers.
    let last = history.iter().map(|e| e.at).max().unwrap_or_default();
    let t = now();
    let at = if t > last { t } else { last.plus_ms(1) };
    let e = Event {
        subject: Subject::Parcel(*id),
        code: outcome.code(),
        at,
        actor: declarant,
        location: customs_location(&history),
        detail: Detail::Declarant {
            why: why.to_string(),
        },
    };
    store.append(std::slice::from_ref(&e))?;
    Ok(e)
}

/// Erases parcels' personal data on request (a data subject's, or a court's), with the reason;
/// returns how many still held some. The log keeps only the `ERA` record.
pub fn erase_on_request(
    store: &dyn Store,
    ids: &[S10Id],
    reason: &str,
    actor: Actor,
    location: Location,
) -> Result<u64, ActionError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ActionError::Refused(
            "reason: expected the request the erasure answers (it is recorded)".into(),
        ));
    }
    for id in ids {
        if store.parcel(id)?.is_none() {
            return Err(ActionError::NoParcel(*id));
        }
    }
    Ok(store.erase(hangar_store::Erasure {
        parcels: ids.to_vec(),
        class: hangar_model::DataClass::Personal,
        reason: format!(
            "on request: {}",
            reason.chars().take(MAX_REASON).collect::<String>()
        ),
        actor,
        at: now(),
        location,
    })?)
}
