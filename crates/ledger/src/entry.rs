//! The canonical encoding of a log entry, version 1.
//!
//! An entry is UTF-8 JSON with no insignificant white space and its members in exactly this
//! order: `v` (1), `seq` (the event's sequence number in the hub's store, from 1; entry `i` of
//! the log is event `i + 1`), `at` (RFC 3339 UTC, milliseconds only when not zero), `code`,
//! `subject` (`kind`, `id`), `actor`, `location`, `detail` (the event's detail object, or
//! `null`). Personal data never appears: a manifested parcel's parties are present only as a
//! salted SHA-256 commitment (`detail.personal`), so erasing the data and its salt leaves the
//! log verifiable and the commitment meaningless.

use hangar_model::{Detail, Event};

/// Current entry encoding version.
pub const VERSION: u8 = 1;

#[derive(serde::Serialize)]
struct Subject<'a> {
    kind: &'a str,
    id: String,
}

#[derive(serde::Serialize)]
struct EntryV1<'a> {
    v: u8,
    seq: u64,
    at: String,
    code: &'a str,
    subject: Subject<'a>,
    actor: &'a str,
    location: &'a str,
    detail: Option<&'a Detail>,
}

/// Encodes event `seq` canonically.
pub fn encode_event(seq: u64, e: &Event) -> Vec<u8> {
    let entry = EntryV1 {
        v: VERSION,
        seq,
        at: e.at.to_string(),
        code: e.code.as_str(),
        subject: Subject {
            kind: e.subject.kind(),
            id: e.subject.key(),
        },
        actor: e.actor.as_str(),
        location: e.location.as_str(),
        detail: match &e.detail {
            Detail::None => None,
            d => Some(d),
        },
    };
    serde_json::to_vec(&entry).expect("entries serialize")
}

#[derive(serde::Deserialize)]
struct SubjectIn {
    kind: String,
    id: String,
}

#[derive(serde::Deserialize)]
struct EntryIn {
    v: u8,
    seq: u64,
    at: String,
    code: String,
    subject: SubjectIn,
    actor: String,
    location: String,
    detail: Option<Detail>,
}

/// The event code of an encoded entry, read without decoding the rest (entries put it at a
/// fixed place: after `v`, `seq` and `at`).
pub fn code_of(entry: &[u8]) -> Option<&str> {
    const KEY: &[u8] = b"\"code\":\"";
    let at = entry.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    std::str::from_utf8(entry.get(at..at + 3)?).ok()
}

/// Decodes an entry back into its sequence number and event (what an auditor's tools read).
pub fn decode(entry: &[u8]) -> Result<(u64, Event), String> {
    let e: EntryIn = serde_json::from_slice(entry).map_err(|e| format!("entry: {e}"))?;
    if e.v != VERSION {
        return Err(format!(
            "entry: expected encoding version {VERSION}, got {}",
            e.v
        ));
    }
    let bad = |what: &str, err: hangar_model::Invalid| format!("entry {}: {what}: {err}", e.seq);
    Ok((
        e.seq,
        Event {
            subject: hangar_model::Subject::from_parts(&e.subject.kind, &e.subject.id)
                .map_err(|x| bad("subject", x))?,
            code: hangar_model::EventCode::parse(&e.code).map_err(|x| bad("code", x))?,
            at: hangar_model::Timestamp::parse(&e.at).map_err(|x| bad("at", x))?,
            actor: hangar_model::Actor::parse(&e.actor).map_err(|x| bad("actor", x))?,
            location: hangar_model::Location::parse(&e.location).map_err(|x| bad("location", x))?,
            detail: e.detail.unwrap_or(Detail::None),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hangar_model::*;

    #[test]
    fn encoding_is_fixed() {
        let e = Event {
            subject: hangar_model::Subject::Parcel(S10Id::parse("RB123456785CN").unwrap()),
            code: EventCode::RCF,
            at: Timestamp::parse("2026-11-22T07:49:00Z").unwrap(),
            actor: Actor::parse("system:breakdown").unwrap(),
            location: Location::parse("LGG/BREAKDOWN-5").unwrap(),
            detail: Detail::Received {
                bag: BagId::parse("PVG1").unwrap(),
                uld: UldId::parse("PMC30571MU").unwrap(),
            },
        };
        let bytes = encode_event(42, &e);
        assert_eq!(decode(&bytes).unwrap(), (42, e.clone()));
        assert_eq!(code_of(&bytes), Some("RCF"));
        assert_eq!(
            String::from_utf8(encode_event(42, &e)).unwrap(),
            r#"{"v":1,"seq":42,"at":"2026-11-22T07:49:00Z","code":"RCF","subject":{"kind":"parcel","id":"RB123456785CN"},"actor":"system:breakdown","location":"LGG/BREAKDOWN-5","detail":{"kind":"received","bag":"PVG1","uld":"PMC30571MU"}}"#
        );
    }
}
