//! Recorded access. Every successful call of a route that returns personal or commercially
//! sensitive data is recorded in the hub's log as a read (who, which classes, how many records,
//! which query, for what declared purpose) before its answer leaves the server; reads of many
//! records need a declared purpose; refused requests are recorded as denials (bursts folded into
//! a count, so a flood cannot flood the log). Remote administration is limited to configured
//! networks.

use hangar_model::{Actor, DataClass, Detail, Event, EventCode, Location, Subject};
use hangar_store::{Store, StoreError};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// A read of more records than this needs a declared purpose.
pub const BULK_RECORDS: u64 = 20;
/// The header that declares a request's purpose (or the `purpose` query parameter).
pub const PURPOSE_HEADER: &str = "x-hangar-purpose";
/// Longest purpose kept, characters.
pub const MAX_PURPOSE: usize = 200;
/// Longest query kept in a record, characters.
pub const MAX_QUERY: usize = 300;
/// Denials recorded per caller per minute; further ones are counted into one record.
pub const DENIALS_PER_MINUTE: u64 = 20;
/// Callers whose denials are tracked at once (the oldest are forgotten first).
pub const MAX_DENIAL_CALLERS: usize = 10_000;

/// What a handler read, put in its response's extensions. Without one, a successful call of a
/// route that declares sensitive classes is recorded as one record of those classes.
#[derive(Clone, Debug)]
pub struct ReadNote {
    /// What was read about (a parcel, or the hub for many records).
    pub subject: Subject,
    /// How many records.
    pub records: u64,
    /// The classes actually returned (empty: nothing sensitive, nothing to record).
    pub classes: Vec<DataClass>,
    /// Which data, in words.
    pub what: String,
}

/// A refusal a handler decided (put in its response's extensions): the caller asked for data
/// outside its scope.
#[derive(Clone, Debug)]
pub struct DeniedNote(pub String);

/// A read to record.
#[derive(Clone, Debug)]
pub struct Read<'a> {
    /// About what.
    pub subject: Subject,
    /// Which data, in words.
    pub what: &'a str,
    /// Its classes.
    pub classes: &'a [DataClass],
    /// How many records.
    pub records: u64,
    /// The query (route and parameters, or the command).
    pub query: &'a str,
    /// The declared purpose.
    pub purpose: &'a str,
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The record of a read of sensitive data by `reader` at `at`.
pub fn read_event(
    reader: Actor,
    location: Location,
    r: &Read,
    at: hangar_model::Timestamp,
) -> Event {
    Event {
        subject: r.subject,
        code: EventCode::ACC,
        at,
        actor: reader,
        location,
        detail: Detail::Accessed {
            what: r.what.into(),
            purpose: clip(r.purpose, MAX_PURPOSE),
            classes: r.classes.to_vec(),
            records: r.records,
            query: clip(r.query, MAX_QUERY),
        },
    }
}

/// Records a read of sensitive data by `reader`, now.
pub fn record_read(
    store: &dyn Store,
    reader: Actor,
    location: Location,
    r: &Read,
) -> Result<u64, StoreError> {
    store.append(&[read_event(
        reader,
        location,
        r,
        hangar_service::actions::now(),
    )])
}

/// A refusal to record.
#[derive(Clone, Debug)]
pub struct Denial {
    /// Who asked (`anonymous` when nobody signed in).
    pub actor: Actor,
    /// What they asked for.
    pub query: String,
    /// The classes of data it would have returned.
    pub classes: Vec<DataClass>,
    /// Why it was refused.
    pub why: String,
    /// Their network address, when known.
    pub peer: Option<IpAddr>,
}

/// The actor of requests nobody signed in for.
pub fn anonymous() -> Actor {
    Actor::parse("anonymous").expect("actor")
}

/// The record of a refusal at `at`, standing for itself and `more` like it.
pub fn denial_event(
    d: &Denial,
    location: Location,
    more: u64,
    at: hangar_model::Timestamp,
) -> Event {
    Event {
        subject: Subject::Hub,
        code: EventCode::DNY,
        at,
        actor: d.actor,
        location,
        detail: Detail::Denied {
            query: clip(&d.query, MAX_QUERY),
            classes: d.classes.clone(),
            why: clip(&d.why, MAX_PURPOSE),
            peer: d.peer.map(|p| p.to_string()).unwrap_or_default(),
            more,
        },
    }
}

struct Window {
    start_ms: i64,
    recorded: u64,
    suppressed: u64,
    last: Denial,
}

/// Rate-limits denial records per caller (actor, or network address when anonymous).
#[derive(Default)]
pub struct Denials {
    windows: Mutex<HashMap<String, Window>>,
}

impl Denials {
    /// Records `d` unless its caller already had `DENIALS_PER_MINUTE` this minute (then it is
    /// counted, and the count recorded when the minute is over). Also records the counts of
    /// callers whose minute is over.
    pub fn record(
        &self,
        store: &dyn Store,
        location: Location,
        d: Denial,
    ) -> Result<(), StoreError> {
        let now = hangar_service::actions::now().unix_ms();
        let key = if d.actor == anonymous() {
            format!(
                "anonymous@{}",
                d.peer.map(|p| p.to_string()).unwrap_or_default()
            )
        } else {
            d.actor.to_string()
        };
        let mut out = self.expired(now, location);
        {
            let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
            if w.len() >= MAX_DENIAL_CALLERS && !w.contains_key(&key) {
                // Forget the oldest caller, recording what it still owed.
                if let Some(oldest) = w
                    .iter()
                    .min_by_key(|(_, v)| v.start_ms)
                    .map(|(k, _)| k.clone())
                    && let Some(v) = w.remove(&oldest)
                    && v.suppressed > 0
                {
                    out.push(denial_event(
                        &v.last,
                        location,
                        v.suppressed - 1,
                        hangar_service::actions::now(),
                    ));
                }
            }
            let win = w.entry(key).or_insert_with(|| Window {
                start_ms: now,
                recorded: 0,
                suppressed: 0,
                last: d.clone(),
            });
            if win.recorded < DENIALS_PER_MINUTE {
                win.recorded += 1;
                out.push(denial_event(
                    &d,
                    location,
                    0,
                    hangar_service::actions::now(),
                ));
            } else {
                win.suppressed += 1;
                win.last = d;
            }
        }
        if out.is_empty() {
            return Ok(());
        }
        store.append(&out).map(|_| ())
    }

    /// Records the counts of callers whose minute is over (called every second by the server).
    pub fn flush(&self, store: &dyn Store, location: Location) -> Result<(), StoreError> {
        let out = self.expired(hangar_service::actions::now().unix_ms(), location);
        if out.is_empty() {
            return Ok(());
        }
        store.append(&out).map(|_| ())
    }

    fn expired(&self, now: i64, location: Location) -> Vec<Event> {
        let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let done: Vec<String> = w
            .iter()
            .filter(|(_, v)| now - v.start_ms >= 60_000)
            .map(|(k, _)| k.clone())
            .collect();
        let mut out = Vec::new();
        for k in done {
            if let Some(v) = w.remove(&k)
                && v.suppressed > 0
            {
                // The last refusal stands for itself; `more` counts the others.
                out.push(denial_event(
                    &v.last,
                    location,
                    v.suppressed - 1,
                    hangar_service::actions::now(),
                ));
            }
        }
        out
    }
}

/// The purpose a request declares: the `x-hangar-purpose` header, or the `purpose` query
/// parameter.
pub fn purpose(headers: &axum::http::HeaderMap, query: Option<&str>) -> Option<String> {
    let from_header = headers
        .get(PURPOSE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_query = || {
        query?.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == "purpose").then(|| crate::web::url_decode(v))
        })
    };
    from_header
        .or_else(from_query)
        .map(|p| clip(p.trim(), MAX_PURPOSE))
        .filter(|p| !p.is_empty())
}

/// A network in CIDR notation (`10.0.0.0/8`, `::1/128`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    bits: u8,
}

impl Network {
    /// Parses `addr/bits` (or a bare address, one host).
    pub fn parse(s: &str) -> Result<Network, String> {
        let s = s.trim();
        let (a, b) = s.split_once('/').unwrap_or((s, ""));
        let addr: IpAddr = a
            .parse()
            .map_err(|_| format!("expected a network like 10.0.0.0/8 or ::1/128, got {s:?}"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = if b.is_empty() {
            max
        } else {
            b.parse::<u8>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("expected a prefix length up to {max} in {s:?}"))?
        };
        Ok(Network { addr, bits })
    }

    /// Whether `ip` is in the network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_their_addresses() {
        let n = Network::parse("10.0.0.0/8").unwrap();
        assert!(n.contains("10.1.2.3".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.0.0.9".parse().unwrap()));
        let l = Network::parse("::1/128").unwrap();
        assert!(l.contains("::1".parse().unwrap()));
        assert!(!l.contains("127.0.0.1".parse().unwrap()));
        assert!(
            Network::parse("127.0.0.1")
                .unwrap()
                .contains("127.0.0.1".parse().unwrap())
        );
        assert!(
            Network::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("lan").is_err());
    }

    #[test]
    fn purposes_come_from_the_header_or_the_query() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(
            purpose(&h, Some("a=1&purpose=weekly%20review")),
            Some("weekly review".into())
        );
        h.insert(PURPOSE_HEADER, "audit".parse().unwrap());
        assert_eq!(purpose(&h, Some("purpose=x")), Some("audit".into()));
        assert_eq!(
            purpose(&axum::http::HeaderMap::new(), Some("purpose=")),
            None
        );
    }
}
