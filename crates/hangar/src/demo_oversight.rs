//! The demo's oversight: a local receiver standing for the hub's outside recipients (carriers,
//! merchants' platform, the parent company), the day's declared flows, the exports the day
//! makes through the egress gate (carrier manifests and merchant tracking webhooks at each
//! handover, the H7 filing into the customs outbox, the parent company's statistics, one
//! undeclared export the gate blocks), a scripted session of people reading, being refused and
//! proposing changes, and the audit report of the day.

use anyhow::Context;
use hangar_egress::{Gate, Offer};
use hangar_model::{
    Actor, Control, DataClass, Date, Detail, Event, EventCode, S10Id, Subject, Timestamp,
};
use hangar_oversight::Dataset;
use hangar_service::accounts::{Accounts, Role};
use hangar_service::controls::{self, Origin};
use hangar_store::Store;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// What the receiver got, per path.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Received {
    /// Payloads.
    pub payloads: u64,
    /// Records in them.
    pub records: u64,
    /// Payloads whose SHA-256 did not match the `x-hangar-digest` header.
    pub digest_mismatches: u64,
}

/// The receiver: an HTTP server on a local port that accepts what the gate sends.
pub struct Receiver {
    /// Its base URL.
    pub url: String,
    /// What it got, by first path segment and flow.
    pub got: Arc<Mutex<BTreeMap<String, Received>>>,
}

/// Starts the receiver on `rt`.
pub fn start_receiver(rt: &tokio::runtime::Runtime) -> anyhow::Result<Receiver> {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode, Uri};
    let got: Arc<Mutex<BTreeMap<String, Received>>> = Arc::default();
    let g = got.clone();
    let app = axum::Router::new()
        .fallback(axum::routing::post(
            move |uri: Uri, headers: HeaderMap, body: Bytes| {
                let g = g.clone();
                async move {
                    use sha2::Digest;
                    let digest: String = sha2::Sha256::digest(&body)
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    let claimed = headers
                        .get("x-hangar-digest")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("sha-256="))
                        .unwrap_or("");
                    let records = serde_json::from_slice::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v["records"].as_array().map(|a| a.len() as u64))
                        .unwrap_or(0);
                    let key = uri
                        .path()
                        .trim_start_matches('/')
                        .split('/')
                        .next()
                        .unwrap_or("")
                        .to_string();
                    let mut m = g.lock().unwrap_or_else(|p| p.into_inner());
                    let r = m.entry(key).or_default();
                    r.payloads += 1;
                    r.records += records;
                    r.digest_mismatches += u64::from(claimed != digest);
                    StatusCode::OK
                }
            },
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            hangar_egress::MAX_PAYLOAD_BYTES + 1024,
        ));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}", listener.local_addr()?);
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Receiver { url, got })
}

fn toml_str(s: &str) -> String {
    format!("{s:?}")
}

/// The day's declared flows: one per carrier route (the parcels it takes over, with the
/// buyer's name and address: needed to deliver), the merchants' tracking webhooks (outside the
/// EU/EEA: operational data only), the H7 filing into the customs outbox, and statistics for
/// the parent company (outside the EU/EEA: counts of at least 50 parcels).
pub fn flows_document(plan: &hangar_sort::Plan, receiver: &str, outbox: &Path) -> String {
    let mut d = String::from(
        "# The demo hub's declared egress flows: data leaves the hub only along these.\nversion = \"demo flows 2026-12\"\n",
    );
    for r in plan.routes() {
        d.push_str(&format!(
            "\n[[flow]]\nid = {}\nkind = \"carrier_manifest\"\nrecipient = {}\nendpoint = {}\njurisdiction = {}\nlegal_basis = \"GDPR Art. 6(1)(b): delivering the buyer's parcel (contract of carriage)\"\npurpose = \"last-mile delivery of the parcels the carrier takes over\"\nfields = [\"parcel.id\", \"consignee.name\", \"consignee.address\", \"consignee.postcode\", \"consignee.country\", \"parcel.weight\", \"truck.id\", \"route.id\"]\nmax_records_per_day = 500000\n",
            toml_str(&format!("carrier-{}", r.id)),
            toml_str(&r.carrier),
            toml_str(&format!("{receiver}/carriers/{}", r.id)),
            toml_str(r.country.iso2()),
        ));
    }
    d.push_str(&format!(
        r#"
[[flow]]
id = "merchant-webhooks"
kind = "tracking_webhook"
recipient = "Sellers' marketplace platform"
endpoint = {}
jurisdiction = "CN"
legal_basis = "contract with the seller: tracking of the seller's own parcels"
purpose = "tracking updates to the seller"
fields = ["parcel.id", "event.milestone", "event.at"]
max_records_per_day = 1000000

[[flow]]
id = "customs-h7"
kind = "customs_filing"
recipient = "Belgian customs (AGDA)"
endpoint = {}
jurisdiction = "BE"
legal_basis = "Union Customs Code Art. 143a and Delegated Regulation 2015/2446: H7 declarations"
purpose = "import declarations of low-value consignments"
fields = ["parcel.id", "parcel.mawb", "consignor.name", "consignor.address", "consignor.country", "consignee.name", "consignee.address", "consignee.postcode", "consignee.country", "item.hs", "item.description", "item.value", "parcel.weight", "parcel.ioss"]
max_records_per_day = 1000000

[[flow]]
id = "parent-statistics"
kind = "statistics"
recipient = "Parent company: group reporting"
endpoint = {}
jurisdiction = "CN"
legal_basis = "legitimate interest: group reporting of volumes"
purpose = "parcels per destination country, daily"
fields = ["consignee.country", "stats.parcels"]
max_records_per_day = 100
min_group = 50
"#,
        toml_str(&format!("{receiver}/merchants")),
        toml_str(&format!("file://{}", outbox.display())),
        toml_str(&format!("{receiver}/parent/statistics")),
    ));
    d
}

/// Sends the parcels handed over in a batch of the day's events: a manifest per truck to its
/// carrier, and tracking webhooks to the merchants' platform.
pub struct Exporter {
    /// The gate.
    pub gate: Gate,
    /// What a carrier needs of each parcel (the buyer and the weight), kept from the day's
    /// parcels so the handovers do not read them back one by one.
    pub delivery: std::collections::HashMap<S10Id, (hangar_model::Party, hangar_model::Grams)>,
    /// Exports made.
    pub exports: Mutex<u64>,
    /// Exports that failed or were refused (the day goes on; the log records why).
    pub problems: Mutex<Vec<String>>,
}

fn dock() -> Actor {
    Actor::parse("system:dock").expect("actor")
}

impl Exporter {
    fn send(&self, o: Offer) {
        match self.gate.export(o) {
            Ok(_) => *self.exports.lock().unwrap_or_else(|p| p.into_inner()) += 1,
            Err(e) => {
                let mut p = self.problems.lock().unwrap_or_else(|p| p.into_inner());
                if p.len() < 100 {
                    p.push(e.to_string());
                }
            }
        }
    }

    /// The handovers (`DLV`) in `batch`, already stored, become carrier manifests and webhooks.
    pub fn handovers(&self, batch: &[Event]) -> anyhow::Result<()> {
        let mut trucks: BTreeMap<String, (Timestamp, Vec<S10Id>)> = BTreeMap::new();
        for e in batch {
            if let (EventCode::DLV, Subject::Parcel(id), Detail::HandedOver { truck, .. }) =
                (e.code, e.subject, &e.detail)
            {
                let t = trucks
                    .entry(truck.to_string())
                    .or_insert((e.at, Vec::new()));
                t.1.push(id);
            }
        }
        for (truck, (at, ids)) in trucks {
            // Trucks are `T-<route>-<n>`.
            let route = truck
                .trim_start_matches('T')
                .trim_start_matches('-')
                .rsplit_once('-')
                .map(|(r, _)| r.to_string())
                .unwrap_or_default();
            let mut manifest = Vec::with_capacity(ids.len());
            let mut hooks = Vec::with_capacity(ids.len());
            for id in &ids {
                let Some((c, weight)) = self.delivery.get(id) else {
                    continue;
                };
                manifest.push(hangar_service::carrier_manifest_row(
                    id, c, *weight, &truck, &route,
                ));
                hooks.push(vec![
                    json!(id.to_string()),
                    json!("handed over to the delivery company"),
                    json!(at.to_string()),
                ]);
            }
            for chunk in manifest.chunks(hangar_oversight::flows::MAX_BATCH_RECORDS) {
                self.send(Offer {
                    flow: format!("carrier-{route}"),
                    endpoint: None,
                    data: Dataset {
                        fields: hangar_service::CARRIER_MANIFEST_FIELDS
                            .map(String::from)
                            .to_vec(),
                        rows: chunk.to_vec(),
                        count_field: None,
                    },
                    actor: dock(),
                    at,
                });
            }
            for chunk in hooks.chunks(hangar_oversight::flows::MAX_BATCH_RECORDS) {
                self.send(Offer {
                    flow: "merchant-webhooks".into(),
                    endpoint: None,
                    data: Dataset {
                        fields: ["parcel.id", "event.milestone", "event.at"]
                            .map(String::from)
                            .to_vec(),
                        rows: chunk.to_vec(),
                        count_field: None,
                    },
                    actor: dock(),
                    at,
                });
            }
        }
        Ok(())
    }

    /// The H7 filing of the day's parcels, into the customs outbox.
    pub fn customs_filing(&self, parcels: &[hangar_model::Parcel], at: Timestamp) {
        const FIELDS: [&str; 14] = [
            "parcel.id",
            "parcel.mawb",
            "consignor.name",
            "consignor.address",
            "consignor.country",
            "consignee.name",
            "consignee.address",
            "consignee.postcode",
            "consignee.country",
            "item.hs",
            "item.description",
            "item.value",
            "parcel.weight",
            "parcel.ioss",
        ];
        let actor = Actor::parse("system:customs").expect("actor");
        // The filing needs nothing of the parcel's journey.
        let none = hangar_model::ParcelState::default();
        for chunk in parcels.chunks(hangar_oversight::flows::MAX_BATCH_RECORDS) {
            let rows = chunk
                .iter()
                .map(|p| {
                    FIELDS
                        .iter()
                        .map(|f| hangar_service::field_value(p, &none, f))
                        .collect()
                })
                .collect();
            self.send(Offer {
                flow: "customs-h7".into(),
                endpoint: None,
                data: Dataset {
                    fields: FIELDS.map(String::from).to_vec(),
                    rows,
                    count_field: None,
                },
                actor,
                at,
            });
        }
    }

    /// The parent company's daily statistics, and two exports the gate refuses: declared values
    /// asked on the statistics flow (commercial data to a jurisdiction outside the EU/EEA), and
    /// raw parcel data to an undeclared destination.
    pub fn end_of_day(
        &self,
        store: &dyn Store,
        receiver: &str,
        at: Timestamp,
    ) -> anyhow::Result<()> {
        let mut by_country: BTreeMap<String, (u64, i64)> = BTreeMap::new();
        let mut sample: Vec<hangar_model::Parcel> = Vec::new();
        store.for_each_parcel(&mut |p| {
            let e = by_country
                .entry(p.consignee.country.iso2().to_string())
                .or_default();
            e.0 += 1;
            e.1 += p.value().cents;
            if sample.len() < 500 {
                sample.push(p);
            }
        })?;
        let actor = Actor::parse("system:reporting").expect("actor");
        let stats = |with_value: bool| Dataset {
            fields: if with_value {
                vec![
                    "consignee.country".into(),
                    "stats.parcels".into(),
                    "stats.value".into(),
                ]
            } else {
                vec!["consignee.country".into(), "stats.parcels".into()]
            },
            rows: by_country
                .iter()
                .map(|(c, (n, v))| {
                    let mut r = vec![json!(c), json!(n)];
                    if with_value {
                        r.push(json!(v));
                    }
                    r
                })
                .collect(),
            count_field: Some("stats.parcels".into()),
        };
        self.send(Offer {
            flow: "parent-statistics".into(),
            endpoint: None,
            data: stats(false),
            actor,
            at,
        });
        // The parent company's reporting job also asks for declared values: refused.
        self.send(Offer {
            flow: "parent-statistics".into(),
            endpoint: None,
            data: stats(true),
            actor,
            at: at.plus_min(1),
        });
        // And an analytics job tries to send raw parcel data to a destination nobody declared.
        self.send(Offer {
            flow: "parent-analytics".into(),
            endpoint: Some(format!("{receiver}/parent/analytics")),
            data: Dataset {
                fields: [
                    "parcel.id",
                    "consignor.name",
                    "item.hs",
                    "item.value",
                    "consignee.postcode",
                ]
                .map(String::from)
                .to_vec(),
                rows: sample
                    .iter()
                    .map(|p| {
                        vec![
                            json!(p.id.to_string()),
                            json!(p.consignor.name),
                            json!(p.items[0].hs.to_string()),
                            json!(p.value().cents),
                            json!(p.consignee.postcode.map(|x| x.to_string())),
                        ]
                    })
                    .collect(),
                count_field: None,
            },
            actor: Actor::parse("system:analytics").expect("actor"),
            at: at.plus_min(2),
        });
        Ok(())
    }
}

/// The people of the demo's scripted session.
const PEOPLE: &[(&str, Role, Option<&str>)] = &[
    ("olivia", Role::Operator, None),
    ("chris", Role::Customs, None),
    ("sam", Role::Operator, None),
    ("audrey", Role::Auditor, None),
    ("dhl-de", Role::Carrier, Some("DE-1,DE-2")),
];

/// What the scripted session did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Session {
    /// Reads recorded.
    pub reads: u64,
    /// Refusals recorded.
    pub refused: u64,
    /// Control changes proposed or applied.
    pub changes: u64,
}

/// A scripted day of people at the hub, recorded as the server records them: reads of held
/// parcels during the shift, one bulk read, a carrier asking for a parcel outside its routes, a
/// merchant's script hammering parcels that are not its own, a stricter threshold applied and a
/// weakening change of the route plan proposed at night (it waits for approval). Purposes say
/// "demo script" so nobody mistakes them for real people.
pub fn scripted_session(
    dir: &Path,
    store: &dyn Store,
    date: Date,
    held: &[S10Id],
    everyone: &[S10Id],
) -> anyhow::Result<Session> {
    use hangar_api::access;
    let accounts = Accounts::open(dir)?;
    let demo = Actor::parse("system:demo").expect("actor");
    let hub = crate::oversight::hub();
    let at = |h: u32, m: u32| date.at(h, m);
    let mut users = BTreeMap::new();
    for (login, role, scope) in PEOPLE {
        let password = crate::server::new_password();
        let (u, _) = controls::add_user(
            store,
            &accounts,
            login,
            *role,
            *scope,
            &password,
            None,
            demo,
            Origin {
                at: at(5, 30),
                location: hub,
            },
        )
        .with_context(|| format!("adding demo user {login}"))?;
        users.insert(*login, u);
    }
    let mut s = Session::default();
    let read =
        |who: &str, subject: Subject, records: u64, query: &str, purpose: &str, t: Timestamp| {
            let r = access::Read {
                subject,
                what: if records == 1 {
                    "parcel: parties, goods and values"
                } else {
                    "parcels whole: parties, goods and values"
                },
                classes: &[DataClass::Personal, DataClass::Commercial],
                records,
                query,
                purpose: &format!("demo script: {purpose}"),
            };
            store
                .append(&[access::read_event(users[who].actor(), hub, &r, t)])
                .map(|_| ())
        };
    let refuse = |actor: Actor, query: String, why: &str, peer: &str, t: Timestamp| {
        let d = access::Denial {
            actor,
            query,
            classes: vec![DataClass::Personal, DataClass::Commercial],
            why: why.into(),
            peer: peer.parse().ok(),
        };
        store
            .append(&[access::denial_event(&d, hub, 0, t)])
            .map(|_| ())
    };
    // The shift reads held parcels one by one.
    for (i, id) in held.iter().take(12).enumerate() {
        read(
            "olivia",
            Subject::Parcel(*id),
            1,
            &format!("GET /parcels/{id}"),
            "exception handling",
            at(8, 5 + i as u32),
        )?;
        s.reads += 1;
    }
    for (i, id) in held.iter().skip(12).take(40).enumerate() {
        read(
            "chris",
            Subject::Parcel(*id),
            1,
            &format!("GET /api/parcels/{id}"),
            "review of customs holds",
            at(9, i as u32),
        )?;
        s.reads += 1;
    }
    // One bulk read, with its purpose.
    read(
        "sam",
        Subject::Hub,
        3_000,
        "GET /api/parcels?stage=handed_over&full=true&limit=3000",
        "weekly volume analysis",
        at(14, 20),
    )?;
    s.reads += 1;
    // A carrier asks for a parcel that is not on its routes.
    if let Some(other) = everyone.iter().find(|id| !held.contains(id)) {
        refuse(
            users["dhl-de"].actor(),
            format!("GET /api/parcels/{other}"),
            &format!("parcel {other} is outside the carrier scope"),
            "127.0.0.1",
            at(11, 2),
        )?;
        s.refused += 1;
    }
    // A script with no credentials tries parcel after parcel.
    for (i, id) in everyone.iter().take(14).enumerate() {
        refuse(
            access::anonymous(),
            format!("GET /api/parcels/{id}"),
            "authorization: unknown or revoked token",
            "198.51.100.23",
            at(21, 40).plus_ms(i as i64 * 9_000),
        )?;
        s.refused += 1;
    }
    // A stricter undervaluation threshold, applied at once (stricter needs no approval).
    let doc = controls::current(store, Control::RiskThresholds)?.replace("k = 2.5", "k = 2.4");
    controls::propose(
        store,
        Control::RiskThresholds,
        &doc,
        "tighten undervaluation after last week's findings",
        &users["chris"],
        Origin {
            at: at(10, 15),
            location: hub,
        },
    )?;
    s.changes += 1;
    // At night, someone proposes sending held parcels to another chute: it weakens customs
    // control, so it waits for a second person.
    let plan = controls::current(store, Control::RoutePlan)?;
    let moved = plan.replacen("hold = 1", "hold = 6", 1);
    if moved != plan {
        controls::propose(
            store,
            Control::RoutePlan,
            &moved,
            "hold chute is full, use chute 6",
            &users["olivia"],
            Origin {
                at: at(23, 10),
                location: hub,
            },
        )?;
        s.changes += 1;
    }
    Ok(s)
}
