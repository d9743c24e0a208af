//! The gate against a real HTTP receiver on a local port and a real store: what it lets out,
//! what it blocks, and that the log records both.

use hangar_egress::{ExportError, Gate, Offer};
use hangar_model::{Actor, EventCode, Location, Subject, Timestamp};
use hangar_oversight::{Catalog, Dataset, Flows};
use hangar_store::{EmbeddedStore, Recorded, Store};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// What the receiver got: (path, body) per request.
type Got = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A minimal HTTP/1.1 receiver: answers 200 to every POST and keeps the bodies.
fn receiver() -> (String, Got) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", l.local_addr().unwrap());
    let got: Got = Arc::default();
    let g = got.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut s) = conn else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut len = 0;
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            g.lock().unwrap().push((path, body));
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .unwrap();
        }
    });
    (addr, got)
}

fn flows(base: &str, outbox: &str) -> Flows {
    let text = format!(
        r#"
        version = "test flows"
        [[flow]]
        id = "carrier-DE-1"
        kind = "carrier_manifest"
        recipient = "DHL Paket"
        endpoint = "{base}/carriers/DE-1"
        jurisdiction = "DE"
        legal_basis = "GDPR Art. 6(1)(b): delivering the buyer's parcel"
        purpose = "last-mile delivery"
        fields = ["parcel.id", "consignee.name", "consignee.postcode"]
        max_records_per_day = 3

        [[flow]]
        id = "merchant-webhooks"
        kind = "tracking_webhook"
        recipient = "Marketplace"
        endpoint = "{base}/merchants"
        jurisdiction = "CN"
        legal_basis = "contract with the seller"
        purpose = "tracking updates"
        fields = ["parcel.id", "event.milestone"]
        max_records_per_day = 1000

        [[flow]]
        id = "customs-outbox"
        kind = "customs_filing"
        recipient = "Belgian customs"
        endpoint = "file://{outbox}"
        jurisdiction = "BE"
        legal_basis = "Union Customs Code Art. 15"
        purpose = "H7 declarations"
        fields = ["parcel.id", "item.hs", "item.value"]
        max_records_per_day = 1000
        "#
    );
    Flows::parse("flows.toml", &text, &Catalog::builtin()).unwrap()
}

fn offer(flow: &str, fields: &[&str], rows: Vec<Vec<serde_json::Value>>) -> Offer {
    Offer {
        flow: flow.into(),
        endpoint: None,
        data: Dataset {
            fields: fields.iter().map(|s| s.to_string()).collect(),
            rows,
            count_field: None,
        },
        actor: Actor::parse("user:ops").unwrap(),
        at: Timestamp::parse("2026-12-02T10:00:00Z").unwrap(),
    }
}

fn hub_events(store: &dyn Store) -> Vec<Recorded> {
    store.subject_events(&Subject::Hub, 0, 1000).unwrap()
}

#[test]
fn declared_flows_send_only_their_fields_and_every_export_is_recorded_first() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let (base, got) = receiver();
    let outbox = dir.path().join("outbox");
    let gate = Gate::open(
        store.clone(),
        flows(&base, outbox.to_str().unwrap()),
        Location::parse("LGG").unwrap(),
    )
    .unwrap();

    // A carrier manifest offered with a field the flow does not carry: it is removed.
    let r = gate
        .export(offer(
            "carrier-DE-1",
            &["parcel.id", "consignee.name", "item.value"],
            vec![
                vec![json!("RB1"), json!("Ann Muster"), json!(1999)],
                vec![json!("RB2"), json!("Bo Beispiel"), json!(500)],
            ],
        ))
        .unwrap();
    assert_eq!(r.removed, vec!["item.value"]);
    let (path, body) = got.lock().unwrap()[0].clone();
    assert_eq!(path, "/carriers/DE-1");
    let sent: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(sent["records"][0]["consignee.name"], "Ann Muster");
    assert!(sent["records"][0].get("item.value").is_none());
    let digest: String = Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        r.digest, digest,
        "the log's digest is the digest of what arrived"
    );

    let ev = hub_events(store.as_ref());
    let exp = ev.iter().find(|e| e.event.code == EventCode::EXP).unwrap();
    match &exp.event.detail {
        hangar_model::Detail::Exported {
            records,
            fields,
            classes,
            digest: d,
            jurisdiction,
            ..
        } => {
            assert_eq!(*records, 2);
            assert_eq!(
                fields,
                &vec!["parcel.id".to_string(), "consignee.name".into()]
            );
            assert!(classes.contains(&hangar_model::DataClass::Personal));
            assert_eq!(d, &digest);
            assert_eq!(jurisdiction, "DE");
        }
        d => panic!("{d:?}"),
    }

    // Over the flow's daily limit (3): refused and recorded, nothing sent.
    let e = gate
        .export(offer(
            "carrier-DE-1",
            &["parcel.id"],
            vec![vec![json!("RB3")], vec![json!("RB4")]],
        ))
        .unwrap_err();
    assert!(
        matches!(e, ExportError::Refused(ref m) if m.contains("a day")),
        "{e}"
    );
    assert_eq!(got.lock().unwrap().len(), 1);

    // A file outbox: the payload lands whole.
    gate.export(offer(
        "customs-outbox",
        &["parcel.id", "item.hs", "item.value"],
        vec![vec![json!("RB1"), json!("640411"), json!(1999)]],
    ))
    .unwrap();
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().collect();
    assert_eq!(files.len(), 1);

    // A new gate over the same store remembers what each flow sent today.
    let again = Gate::open(
        store.clone(),
        flows(&base, outbox.to_str().unwrap()),
        Location::parse("LGG").unwrap(),
    )
    .unwrap();
    assert_eq!(
        again.sent_on(
            "carrier-DE-1",
            Timestamp::parse("2026-12-02T23:00:00Z").unwrap()
        ),
        2
    );
}

#[test]
fn undeclared_and_non_eu_exports_of_sensitive_data_are_blocked_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let (base, got) = receiver();
    let gate = Gate::open(
        store.clone(),
        flows(&base, dir.path().join("o").to_str().unwrap()),
        Location::parse("LGG").unwrap(),
    )
    .unwrap();
    // A flow nobody declared.
    let e = gate
        .export(offer(
            "parent-analytics",
            &["parcel.id", "consignor.name", "item.value"],
            vec![vec![json!("RB1"), json!("Shenzhen Co"), json!(100)]],
        ))
        .unwrap_err();
    assert!(
        matches!(e, ExportError::Refused(ref m) if m.contains("no declared flow")),
        "{e}"
    );
    // A declared flow outside the EU/EEA, offered the buyer's name: blocked, not stripped.
    let e = gate
        .export(offer(
            "merchant-webhooks",
            &["parcel.id", "event.milestone", "consignee.name"],
            vec![vec![
                json!("RB1"),
                json!("handed over"),
                json!("Ann Muster"),
            ]],
        ))
        .unwrap_err();
    assert!(
        matches!(e, ExportError::Refused(ref m) if m.contains("outside the EU/EEA")),
        "{e}"
    );
    // Another address than the flow's.
    let mut o = offer(
        "merchant-webhooks",
        &["parcel.id"],
        vec![vec![json!("RB1")]],
    );
    o.endpoint = Some("http://203.0.113.9/collect".into());
    assert!(gate.export(o).is_err());
    assert!(got.lock().unwrap().is_empty(), "nothing left the hub");
    let blocked: Vec<_> = hub_events(store.as_ref())
        .into_iter()
        .filter(|e| e.event.code == EventCode::EXB)
        .collect();
    assert_eq!(blocked.len(), 3);
    // The same flow with operational data only goes.
    gate.export(offer(
        "merchant-webhooks",
        &["parcel.id", "event.milestone"],
        vec![vec![json!("RB1"), json!("handed over")]],
    ))
    .unwrap();
    assert_eq!(got.lock().unwrap().len(), 1);
}

#[test]
fn a_send_that_fails_after_its_record_is_recorded_as_failed() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    // A port nobody listens on.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let gate = Gate::open(
        store.clone(),
        flows(
            &format!("http://{free}"),
            dir.path().join("o").to_str().unwrap(),
        ),
        Location::parse("LGG").unwrap(),
    )
    .unwrap();
    let e = gate
        .export(offer(
            "carrier-DE-1",
            &["parcel.id"],
            vec![vec![json!("RB1")]],
        ))
        .unwrap_err();
    assert!(matches!(e, ExportError::Failed { .. }), "{e}");
    let codes: Vec<EventCode> = hub_events(store.as_ref())
        .iter()
        .map(|e| e.event.code)
        .collect();
    assert_eq!(codes, vec![EventCode::EXP, EventCode::EXF]);
}
