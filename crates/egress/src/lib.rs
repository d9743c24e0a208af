//! The egress gate: the only component of Hangar that sends data out of the hub (an
//! architecture test fails if any other crate opens outbound connections).
//!
//! An export names a declared flow and offers a dataset. The gate checks it against the flow
//! (`hangar_oversight::flows::check`: fields removed, small groups suppressed, undeclared
//! destinations, daily limits, sensitive data outside the EU/EEA without a basis), records an
//! `EXP` event (flow, recipient, endpoint, jurisdiction, records, fields, classes, payload
//! digest) durably *before* the bytes leave, then sends: an HTTP(S) POST to the flow's endpoint
//! (no redirects, no proxies, a time limit) or a file in the flow's `file://` outbox. A refused
//! export is recorded as `EXB`, a send that failed after its record as `EXF`.

use hangar_model::{Actor, Detail, Event, EventCode, Location, Subject, Timestamp};
use hangar_oversight::Catalog;
use hangar_oversight::flows::{self, Cleared, Dataset, Flows};
use hangar_store::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

/// Largest payload one export may send, bytes.
pub const MAX_PAYLOAD_BYTES: usize = 16 * 1024 * 1024;
/// How long one send may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// Why an export did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The gate refused it (recorded as `EXB`).
    #[error("export refused: {0}")]
    Refused(String),
    /// It was recorded as leaving but the send failed (recorded as `EXF`).
    #[error("export to {endpoint} failed: {why}")]
    Failed {
        /// Where it was going.
        endpoint: String,
        /// What went wrong.
        why: String,
    },
    /// The store failed; nothing was sent.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an export did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Receipt {
    /// The flow.
    pub flow: String,
    /// Where it went.
    pub endpoint: String,
    /// Records sent.
    pub records: u64,
    /// Fields removed by the gate.
    pub removed: Vec<String>,
    /// Statistics groups suppressed.
    pub suppressed: u64,
    /// SHA-256 of the payload, hex.
    pub digest: String,
    /// The `EXP` record.
    pub seq: u64,
    /// Payload bytes.
    pub bytes: u64,
}

/// One export asked of the gate.
#[derive(Clone, Debug)]
pub struct Offer {
    /// The declared flow to send along.
    pub flow: String,
    /// Where to (the flow's endpoint or a path below it; `None`: the flow's endpoint).
    pub endpoint: Option<String>,
    /// What.
    pub data: Dataset,
    /// Who asks (recorded).
    pub actor: Actor,
    /// When (the day counts against the flow's daily limit).
    pub at: Timestamp,
}

/// The gate.
pub struct Gate {
    store: std::sync::Arc<dyn Store>,
    catalog: Catalog,
    flows: RwLock<Flows>,
    /// Records sent per flow per day (UTC day number), derived from the `EXP` records at open.
    sent: Mutex<HashMap<(String, i64), u64>>,
    location: Location,
    agent: ureq::Agent,
}

fn day(t: Timestamp) -> i64 {
    t.unix_ms().div_euclid(86_400_000)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

impl Gate {
    /// A gate over `store` for these declared flows, counting what each flow sent from the
    /// store's `EXP` records.
    pub fn open(
        store: std::sync::Arc<dyn Store>,
        flows: Flows,
        location: Location,
    ) -> Result<Gate, StoreError> {
        let mut sent: HashMap<(String, i64), u64> = HashMap::new();
        let mut after = 0;
        loop {
            let batch = store.subject_events(&Subject::Hub, after, 10_000)?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for r in &batch {
                if let (EventCode::EXP, Detail::Exported { flow, records, .. }) =
                    (r.event.code, &r.event.detail)
                {
                    *sent.entry((flow.clone(), day(r.event.at))).or_default() += records;
                }
            }
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(SEND_TIMEOUT))
            .http_status_as_error(false)
            // The flow's endpoint and nowhere else: no redirects, no proxy from the environment.
            .max_redirects(0)
            .proxy(None)
            .user_agent("hangar-egress")
            .build()
            .into();
        Ok(Gate {
            store,
            catalog: Catalog::builtin(),
            flows: RwLock::new(flows),
            sent: Mutex::new(sent),
            location,
            agent,
        })
    }

    /// Replaces the declared flows (a new version of the `egress-flows` setting).
    pub fn set_flows(&self, flows: Flows) {
        *self.flows.write().unwrap_or_else(|p| p.into_inner()) = flows;
    }

    /// The declared flows.
    pub fn flows(&self) -> Flows {
        self.flows.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records sent along `flow` on the day of `at`.
    pub fn sent_on(&self, flow: &str, at: Timestamp) -> u64 {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(flow.to_string(), day(at)))
            .copied()
            .unwrap_or(0)
    }

    fn record(&self, e: Event) -> Result<u64, StoreError> {
        self.store.append(std::slice::from_ref(&e))
    }

    fn blocked(&self, o: &Offer, endpoint: &str, jurisdiction: &str, why: String) -> ExportError {
        let classes = self
            .catalog
            .classes(o.data.fields.iter().map(String::as_str));
        let e = Event {
            subject: Subject::Hub,
            code: EventCode::EXB,
            at: o.at,
            actor: o.actor,
            location: self.location,
            detail: Detail::ExportBlocked {
                flow: o.flow.clone(),
                endpoint: endpoint.to_string(),
                jurisdiction: jurisdiction.to_string(),
                records: o.data.rows.len() as u64,
                fields: o.data.fields.clone(),
                classes,
                why: why.clone(),
            },
        };
        match self.record(e) {
            Ok(_) => ExportError::Refused(why),
            Err(e) => ExportError::Store(e),
        }
    }

    /// Exports `o` along its flow, or refuses it; either way the log records it.
    pub fn export(&self, o: Offer) -> Result<Receipt, ExportError> {
        let flows = self.flows();
        let flow = flows.get(&o.flow).cloned();
        let endpoint = o
            .endpoint
            .clone()
            .or_else(|| flow.as_ref().map(|f| f.endpoint.clone()))
            .unwrap_or_default();
        let jurisdiction = flow
            .as_ref()
            .map(|f| f.jurisdiction.clone())
            .unwrap_or_else(|| "unknown".into());
        // The daily count is checked and taken under one lock, so concurrent exports cannot
        // both squeeze under the limit.
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        let key = (o.flow.clone(), day(o.at));
        let today = sent.get(&key).copied().unwrap_or(0);
        let cleared: Cleared =
            match flows::check(&flows, &self.catalog, &o.flow, &endpoint, &o.data, today) {
                Ok(c) => c,
                Err(r) => {
                    drop(sent);
                    return Err(self.blocked(&o, &endpoint, &jurisdiction, r.to_string()));
                }
            };
        let flow = flow.expect("checked flows exist");
        let payload = payload(&flow.id, &flow.recipient, o.at, &cleared);
        if payload.len() > MAX_PAYLOAD_BYTES {
            drop(sent);
            return Err(self.blocked(
                &o,
                &endpoint,
                &jurisdiction,
                format!(
                    "the payload is {} bytes; an export sends at most {MAX_PAYLOAD_BYTES} (split it)",
                    payload.len()
                ),
            ));
        }
        let digest = hex(&Sha256::digest(&payload));
        let records = cleared.data.rows.len() as u64;
        let seq = self.record(Event {
            subject: Subject::Hub,
            code: EventCode::EXP,
            at: o.at,
            actor: o.actor,
            location: self.location,
            detail: Detail::Exported {
                flow: flow.id.clone(),
                recipient: flow.recipient.clone(),
                endpoint: endpoint.clone(),
                jurisdiction: flow.jurisdiction.clone(),
                records,
                fields: cleared.data.fields.clone(),
                classes: cleared.classes.clone(),
                removed: cleared.removed.clone(),
                suppressed: cleared.suppressed,
                digest: digest.clone(),
                bytes: payload.len() as u64,
            },
        })?;
        *sent.entry(key).or_default() += records;
        drop(sent);
        if let Err(why) = self.send(&flow.id, &endpoint, &digest, &payload) {
            self.record(Event {
                subject: Subject::Hub,
                code: EventCode::EXF,
                at: o.at,
                actor: o.actor,
                location: self.location,
                detail: Detail::ExportFailed {
                    flow: flow.id.clone(),
                    digest: digest.clone(),
                    why: why.clone(),
                },
            })?;
            return Err(ExportError::Failed { endpoint, why });
        }
        Ok(Receipt {
            flow: flow.id,
            endpoint,
            records,
            removed: cleared.removed,
            suppressed: cleared.suppressed,
            digest,
            seq,
            bytes: payload.len() as u64,
        })
    }

    /// The one place bytes leave the hub.
    fn send(&self, flow: &str, endpoint: &str, digest: &str, payload: &[u8]) -> Result<(), String> {
        if let Some(dir) = endpoint.strip_prefix("file://") {
            return write_outbox(PathBuf::from(dir), flow, digest, payload);
        }
        let r = self
            .agent
            .post(endpoint)
            .header("content-type", "application/json")
            .header("x-hangar-flow", flow)
            .header("x-hangar-digest", format!("sha-256={digest}"))
            .send(payload)
            .map_err(|e| e.to_string())?;
        let status = r.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the recipient answered {status}"))
        }
    }
}

/// The records of a payload, serialized straight from the rows: one object per record, the
/// fields as keys (no copy of the data on the way).
struct Records<'a>(&'a Dataset);

impl serde::Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct Row<'a>(&'a [String], &'a [serde_json::Value]);
        impl serde::Serialize for Row<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0.iter().zip(self.1) {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
        let mut seq = s.serialize_seq(Some(self.0.rows.len()))?;
        for r in &self.0.rows {
            seq.serialize_element(&Row(&self.0.fields, r))?;
        }
        seq.end()
    }
}

/// The payload: the flow, the recipient, when, the fields and one object per record.
fn payload(flow: &str, recipient: &str, at: Timestamp, c: &Cleared) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Payload<'a> {
        flow: &'a str,
        recipient: &'a str,
        sent_at: String,
        fields: &'a [String],
        records: Records<'a>,
        suppressed_groups: u64,
    }
    serde_json::to_vec(&Payload {
        flow,
        recipient,
        sent_at: at.to_string(),
        fields: &c.data.fields,
        records: Records(&c.data),
        suppressed_groups: c.suppressed,
    })
    .expect("payloads serialize")
}

/// Writes a payload into an outbox folder, whole or not at all.
fn write_outbox(dir: PathBuf, flow: &str, digest: &str, payload: &[u8]) -> Result<(), String> {
    use std::io::Write;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let name = format!("{flow}-{}.json", &digest[..16]);
    let tmp = dir.join(format!(".{name}.part"));
    let mut f = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    f.write_all(payload)
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, dir.join(&name)).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(())
}
