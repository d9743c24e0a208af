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
        assert_eq!(
            String::from_utf8(encode_event(42, &e)).unwrap(),
            r#"{"v":1,"seq":42,"at":"2026-11-22T07:49:00Z","code":"RCF","subject":{"kind":"parcel","id":"RB123456785CN"},"actor":"system:breakdown","location":"LGG/BREAKDOWN-5","detail":{"kind":"received","bag":"PVG1","uld":"PMC30571MU"}}"#
        );
    }
}
