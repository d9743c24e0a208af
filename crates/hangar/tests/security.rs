//! Security tests against the real server and command line over demo days: every sensitive read
//! of a scripted session is in the verifiable log with who, classes, records, query and purpose,
//! and every refusal too; a change that weakens a control is refused without a second person's
//! approval; administrators are refused outside their networks; an erased parcel's personal data
//! is gone from the store while the log still verifies. (Egress to undeclared and non-EU/EEA
//! destinations: crates/egress/tests/gate.rs, and the demo's blocked exports below.)

mod common;
use common::*;
use hangar_model::{DataClass, Detail, Event, EventCode};
use hangar_service::accounts::Role;
use hangar_verify::source::{Dir, Source, tile_path};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// Every entry of a data directory's log, as an auditor reads it (the files, not the store).
fn log_entries(dir: &Path) -> Vec<(u64, Event)> {
    let src = Dir::new(dir).unwrap();
    let note = String::from_utf8(src.get("checkpoint").unwrap().unwrap()).unwrap();
    let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
    let mut out = Vec::new();
    let mut i = 0;
    while i * 256 < size {
        let w = (size - i * 256).min(256);
        let b = src.get(&tile_path(None, i, w)).unwrap().unwrap();
        let mut at = 0;
        for _ in 0..w {
            let len = usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
            out.push(hangar_ledger::entry::decode(&b[at + 2..at + 2 + len]).unwrap());
            at += 2 + len;
        }
        i += 1;
    }
    out
}

/// Waits until the running server has carried records matching `want` into the log.
fn wait_for_log(dir: &Path, want: impl Fn(&[(u64, Event)]) -> bool) -> Vec<(u64, Event)> {
    let t0 = Instant::now();
    loop {
        let e = log_entries(dir);
        if want(&e) || t0.elapsed() > Duration::from_secs(20) {
            return e;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn json(g: &Got) -> Value {
    serde_json::from_str(&g.body).unwrap_or_else(|_| panic!("not JSON: {} {}", g.status, g.body))
}

/// The reads (`ACC`) of `actor` whose query contains `q`.
fn reads<'a>(log: &'a [(u64, Event)], actor: &str, q: &str) -> Vec<&'a Event> {
    log.iter()
        .map(|(_, e)| e)
        .filter(|e| e.code == EventCode::ACC && e.actor.as_str() == actor)
        .filter(|e| matches!(&e.detail, Detail::Accessed { query, .. } if query.contains(q)))
        .collect()
}

/// The refusals (`DNY`) of `actor` whose query contains `q`.
fn refusals<'a>(log: &'a [(u64, Event)], actor: &str, q: &str) -> Vec<&'a Event> {
    log.iter()
        .map(|(_, e)| e)
        .filter(|e| e.code == EventCode::DNY && e.actor.as_str() == actor)
        .filter(|e| matches!(&e.detail, Detail::Denied { query, .. } if query.contains(q)))
        .collect()
}

#[test]
fn every_sensitive_read_of_a_session_and_every_refusal_is_in_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("day");
    let server = serve_day(&dir, 2_000);
    let base = server.base.clone();
    let mut tokens = std::collections::HashMap::new();
    let mut passwords = std::collections::HashMap::new();
    for (login, role, scope) in [
        ("ada", Role::Admin, None),
        ("oscar", Role::Operator, None),
        ("cora", Role::Customs, None),
        ("aldo", Role::Auditor, None),
        ("carl", Role::Carrier, Some("DE-1,DE-2")),
        ("mia", Role::Merchant, Some("No Such Seller Ltd")),
    ] {
        let (p, t) = make_user(&dir, login, role, scope);
        tokens.insert(login, Auth::Token(t));
        passwords.insert(login, p);
    }
    let holds = json(&request(
        "GET",
        &format!("{base}/api/customs/holds?limit=1"),
        &tokens["ada"],
        None,
    ));
    let held = holds["holds"][0]["parcel"].as_str().unwrap().to_string();
    let get = |who: &str, path: &str| request("GET", &format!("{base}{path}"), &tokens[who], None);

    // The session.
    assert_eq!(
        get(
            "cora",
            &format!("/api/parcels/{held}?purpose=review+of+the+hold")
        )
        .status,
        200
    );
    let page_auth = sign_in(&base, "oscar", &passwords["oscar"]);
    assert_eq!(
        request("GET", &format!("{base}/parcels/{held}"), &page_auth, None).status,
        200
    );
    assert_eq!(
        get("cora", &format!("/api/parcels/{held}/events")).status,
        200
    );
    assert_eq!(
        get("aldo", &format!("/api/customs/decisions/{held}")).status,
        200
    );
    assert_eq!(get("ada", "/api/users").status, 200);
    let bulk = get("oscar", "/api/parcels?stage=handed_over&full=true&limit=30");
    assert_eq!(
        bulk.status, 400,
        "a bulk read without a purpose: {}",
        bulk.body
    );
    assert!(bulk.body.contains("purpose"), "{}", bulk.body);
    let bulk = get(
        "oscar",
        "/api/parcels?stage=handed_over&full=true&limit=30&purpose=volume+check",
    );
    assert_eq!(bulk.status, 200, "{}", bulk.body);
    assert_eq!(json(&bulk)["parcels"].as_array().unwrap().len(), 30);
    assert!(json(&bulk)["parcels"][0]["parcel"]["consignee"]["name"].is_string());
    // Ids and stages only: operational, not recorded.
    assert_eq!(
        get("oscar", "/api/parcels?stage=handed_over&limit=30").status,
        200
    );
    assert_eq!(
        get("aldo", "/api/audit/report?from=2026-11-21&to=2026-11-23").status,
        200
    );
    // Refused: out of scope, wrong role, no or bad credentials.
    assert_eq!(get("carl", &format!("/api/parcels/{held}")).status, 404);
    assert_eq!(get("mia", "/api/customs/holds").status, 403);
    assert_eq!(
        request(
            "GET",
            &format!("{base}/api/parcels/{held}"),
            &Auth::None,
            None
        )
        .status,
        401
    );
    assert_eq!(
        request(
            "GET",
            &format!("{base}/api/parcels/{held}"),
            &Auth::Token("hgr_forged".into()),
            None
        )
        .status,
        401
    );

    let log = wait_for_log(&dir, |l| {
        !refusals(l, "anonymous", "/api/parcels/").is_empty()
            && refusals(l, "anonymous", "/api/parcels/").len() >= 2
            && !reads(l, "user:aldo", "/api/audit/report").is_empty()
    });
    let one = |actor: &str, q: &str, classes: &[DataClass], records: u64, purpose: &str| {
        let r = reads(&log, actor, q);
        assert_eq!(r.len(), 1, "one read by {actor} of {q}: {r:?}");
        match &r[0].detail {
            Detail::Accessed {
                classes: c,
                records: n,
                purpose: p,
                ..
            } => {
                assert_eq!(c, classes, "{actor} {q}");
                assert_eq!(*n, records, "{actor} {q}");
                assert_eq!(p, purpose, "{actor} {q}");
            }
            d => panic!("{d:?}"),
        }
    };
    let pc = [DataClass::Personal, DataClass::Commercial];
    one(
        "user:cora",
        &format!("/api/parcels/{held}?"),
        &pc,
        1,
        "review of the hold",
    );
    one(
        "user:oscar",
        &format!("GET /parcels/{held}"),
        &pc,
        1,
        "dashboard",
    );
    one(
        "user:cora",
        &format!("/api/parcels/{held}/events"),
        &[DataClass::Commercial],
        1,
        "not stated",
    );
    one(
        "user:aldo",
        &format!("/api/customs/decisions/{held}"),
        &[DataClass::Commercial],
        1,
        "not stated",
    );
    // The demo's administrator and five people, and the six above.
    one(
        "user:ada",
        "GET /api/users",
        &[DataClass::Personal],
        12,
        "not stated",
    );
    one(
        "user:oscar",
        "full=true&limit=30&purpose",
        &pc,
        30,
        "volume check",
    );
    assert!(
        reads(&log, "user:oscar", "stage=handed_over&limit=30").is_empty(),
        "ids only: nothing to record"
    );
    assert_eq!(reads(&log, "user:aldo", "/api/audit/report").len(), 1);
    // The read is recorded about the parcel, so its history shows it.
    assert!(reads(&log, "user:cora", &held).iter().all(|e| e.subject
        == hangar_model::Subject::Parcel(held.parse().unwrap())
        || matches!(&e.detail, Detail::Accessed { query, .. } if query.contains("/events"))));
    for (actor, q, why) in [
        ("user:oscar", "full=true&limit=30", "purpose"),
        (
            "user:carl",
            &format!("/api/parcels/{held}") as &str,
            "outside the carrier scope",
        ),
        ("user:mia", "/api/customs/holds", "merchant role may not"),
        ("anonymous", &format!("/api/parcels/{held}"), ""),
    ] {
        let r = refusals(&log, actor, q);
        assert!(!r.is_empty(), "{actor} refused {q} is recorded");
        assert!(
            r.iter()
                .any(|e| matches!(&e.detail, Detail::Denied { why: w, .. } if w.contains(why))),
            "{actor} {q}: {r:?}"
        );
    }
}

#[test]
fn a_weakening_change_waits_for_a_second_person() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("day");
    let server = serve_day(&dir, 500);
    let base = server.base.clone();
    let (_, op) = make_user(&dir, "oscar", Role::Operator, None);
    let (_, cu) = make_user(&dir, "cora", Role::Customs, None);
    let (_, ad) = make_user(&dir, "ada", Role::Admin, None);
    let (_, ad2) = make_user(&dir, "abe", Role::Admin, None);
    let (op, cu, ad, ad2) = (
        Auth::Token(op),
        Auth::Token(cu),
        Auth::Token(ad),
        Auth::Token(ad2),
    );
    let post = |auth: &Auth, path: &str, body: Value| {
        request(
            "POST",
            &format!("{base}{path}"),
            auth,
            Some(("application/json", body.to_string())),
        )
    };
    let hold_chute = || {
        json(&request("GET", &format!("{base}/api/routes"), &ad, None))["special"]["hold"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(hold_chute(), 1);

    // An operator moves the hold chute: it weakens customs control, so it only waits.
    let plan = json(&request(
        "GET",
        &format!("{base}/api/controls/route-plan"),
        &op,
        None,
    ))["document"]
        .as_str()
        .unwrap()
        .to_string();
    let moved = plan.replacen("hold = 1", "hold = 6", 1);
    let r = post(
        &op,
        "/api/controls/route-plan",
        serde_json::json!({"document": moved, "reason": "hold chute full"}),
    );
    assert_eq!(r.status, 202, "{}", r.body);
    let plan_seq = json(&r)["proposal"].as_u64().unwrap();
    let seq = plan_seq;
    assert!(
        json(&r)["weakening"][0]
            .as_str()
            .unwrap()
            .contains("special.hold"),
        "{}",
        r.body
    );
    assert_eq!(hold_chute(), 1, "not applied without approval");
    // Its proposer cannot approve it; customs may not change the route plan at all.
    let own = post(
        &op,
        &format!("/api/controls/proposals/{seq}/approve"),
        serde_json::json!({"reason": "me"}),
    );
    assert_eq!(own.status, 422, "{}", own.body);
    assert!(own.body.contains("second person"), "{}", own.body);
    let other_role = post(
        &cu,
        &format!("/api/controls/proposals/{seq}/approve"),
        serde_json::json!({"reason": "ok"}),
    );
    assert_eq!(other_role.status, 403, "{}", other_role.body);
    assert_eq!(hold_chute(), 1);
    // A second person with the right role approves: it is applied and the plan in force moves.
    let ok = post(
        &ad,
        &format!("/api/controls/proposals/{seq}/approve"),
        serde_json::json!({"reason": "checked with customs"}),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(json(&ok)["status"], "applied");
    assert_eq!(hold_chute(), 6);
    let again = post(
        &ad2,
        &format!("/api/controls/proposals/{seq}/approve"),
        serde_json::json!({"reason": "twice"}),
    );
    assert_eq!(
        again.status, 404,
        "a proposal is decided once: {}",
        again.body
    );

    // Stricter thresholds apply at once; looser ones wait.
    let th = json(&request(
        "GET",
        &format!("{base}/api/controls/risk-thresholds"),
        &cu,
        None,
    ))["document"]
        .as_str()
        .unwrap()
        .to_string();
    let set_k = |doc: &str, k: &str| {
        doc.lines()
            .map(|l| {
                if l.starts_with("k = ") {
                    format!("k = {k}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let stricter = set_k(&th, "2.2");
    let r = post(
        &cu,
        "/api/controls/risk-thresholds",
        serde_json::json!({"document": stricter, "reason": "stricter"}),
    );
    assert_eq!(
        (r.status, json(&r)["status"].as_str().unwrap()),
        (200, "applied"),
        "{}",
        r.body
    );
    let th2 = stricter.replace("disabled = []", "disabled = [\"split_consignment\"]");
    let r = post(
        &cu,
        "/api/controls/risk-thresholds",
        serde_json::json!({"document": th2, "reason": "too many split holds"}),
    );
    assert_eq!(r.status, 202, "disabling a rule waits: {}", r.body);
    // A document that does not parse is refused with what is wrong.
    let r = post(
        &cu,
        "/api/controls/risk-thresholds",
        serde_json::json!({"document": "version = 1", "reason": "x"}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    // An operator may not touch the customs thresholds.
    let r = post(
        &op,
        "/api/controls/risk-thresholds",
        serde_json::json!({"document": th, "reason": "x"}),
    );
    assert_eq!(r.status, 403, "{}", r.body);

    // A new administrator cannot sign in until a second administrator approves.
    let r = post(
        &ad,
        "/api/users",
        serde_json::json!({"login": "boss", "role": "admin", "password": "a long enough password"}),
    );
    assert_eq!(r.status, 202, "{}", r.body);
    let seq = json(&r)["change"]["proposal"].as_u64().unwrap();
    let login = || {
        agent()
            .post(&format!("{base}/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .send("login=boss&password=a long enough password&next=/")
            .unwrap()
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert!(login().contains("error"), "not yet");
    assert_eq!(
        post(
            &ad,
            &format!("/api/controls/proposals/{seq}/approve"),
            serde_json::json!({"reason": "mine"})
        )
        .status,
        422
    );
    assert_eq!(
        post(
            &ad2,
            &format!("/api/controls/proposals/{seq}/approve"),
            serde_json::json!({"reason": "agreed"})
        )
        .status,
        200
    );
    assert!(!login().contains("error"), "approved: boss signs in");

    // All of it is in the log, before and after, attributed.
    let log = wait_for_log(&dir, |l| {
        l.iter().any(|(_, e)| {
            e.code == EventCode::CFG
                && e.subject == hangar_model::Subject::Control(hangar_model::Control::Users)
                && e.actor.as_str() == "user:abe"
        })
    });
    let codes = |c: hangar_model::Control, code: EventCode| {
        log.iter()
            .filter(|(_, e)| e.subject == hangar_model::Subject::Control(c) && e.code == code)
            .count()
    };
    use hangar_model::Control as C;
    // The demo day's own night-time proposal, and this one.
    assert_eq!(codes(C::RoutePlan, EventCode::CFP), 2);
    assert_eq!(
        codes(C::RoutePlan, EventCode::CFR),
        1,
        "the self-approval is recorded as refused"
    );
    assert_eq!(
        codes(C::RoutePlan, EventCode::CFG),
        2,
        "version 1 and the approved version 2"
    );
    let applied = log
        .iter()
        .map(|(_, e)| e)
        .find(|e| {
            e.subject == hangar_model::Subject::Control(C::RoutePlan)
                && e.code == EventCode::CFG
                && e.actor.as_str() == "user:ada"
        })
        .unwrap();
    match &applied.detail {
        Detail::ControlChange {
            changes,
            proposer,
            proposal,
            version,
            ..
        } => {
            assert_eq!(changes, &vec!["special.hold: 1 -> 6".to_string()]);
            assert_eq!(proposer.as_str(), "user:oscar");
            assert_eq!(*proposal, Some(plan_seq));
            assert_eq!(*version, 2);
        }
        d => panic!("{d:?}"),
    }
    assert_eq!(codes(C::RiskThresholds, EventCode::CFP), 1);
}

#[test]
fn administrators_are_refused_outside_their_networks() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("day");
    let server = serve_day_with(&dir, 300, &[("HANGAR_ADMIN_NETWORKS", "10.20.0.0/16")]);
    let base = server.base.clone();
    let (_, ad) = make_user(&dir, "ada", Role::Admin, None);
    let (_, op) = make_user(&dir, "oscar", Role::Operator, None);
    let r = request("GET", &format!("{base}/api/users"), &Auth::Token(ad), None);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("remote administration"), "{}", r.body);
    let r = request("GET", &format!("{base}/api/live"), &Auth::Token(op), None);
    assert_eq!(r.status, 200, "others are served: {}", r.body);
    let log = wait_for_log(&dir, |l| !refusals(l, "user:ada", "/api/users").is_empty());
    let r = refusals(&log, "user:ada", "/api/users");
    assert!(
        matches!(&r[0].detail, Detail::Denied { why, peer, .. } if why.contains("admin_networks") && peer == "127.0.0.1"),
        "{r:?}"
    );
}

#[test]
fn erased_personal_data_is_gone_from_the_store_and_the_log_still_verifies() {
    use hangar_store::Store;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("day");
    let d = dir.to_str().unwrap();
    let s: Value = serde_json::from_str(&hangar(&[
        "demo",
        "--headless",
        "--json",
        "--parcels",
        "1500",
        "--seed",
        "11",
        "--date",
        "2026-11-22",
        "--data",
        d,
    ]))
    .unwrap();
    // The demo's flows: data left to carriers (EU) and, operational only, to the merchants'
    // platform (CN); the undeclared export and the declared values for the parent company were
    // blocked and recorded.
    assert_eq!(s["oversight"]["blocked"], 2, "{}", s["oversight"]);
    assert!(
        s["oversight"]["refused_exports"][0]
            .as_str()
            .unwrap()
            .contains("outside the EU/EEA")
    );
    assert!(
        s["oversight"]["refused_exports"][1]
            .as_str()
            .unwrap()
            .contains("no declared flow")
    );
    assert!(
        s["oversight"]["received"]["carriers"]["records"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(
        s["oversight"]["received"]["carriers"]["digest_mismatches"],
        0
    );

    let sample: Vec<(hangar_model::S10Id, String)> = {
        let store = hangar_store::EmbeddedStore::open(&dir).unwrap();
        let mut v = Vec::new();
        store
            .for_each_parcel(&mut |p| {
                if v.len() < 25 {
                    v.push((p.id, p.consignee.address.clone()));
                }
            })
            .unwrap();
        v
    };
    let (id, address) = sample[0].clone();
    let raw = || {
        let mut b = std::fs::read(dir.join("hangar.db")).unwrap();
        b.extend(std::fs::read(dir.join("hangar.db-wal")).unwrap_or_default());
        b
    };
    let contains =
        |hay: &[u8], needle: &str| hay.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains(&raw(), &address), "the address is stored before");

    // Erasure on request, by an administrator through the running hub.
    let (_, ada) = make_user(&dir, "ada", Role::Admin, None);
    let server = common::serve(&dir, &[], &[]);
    let out = common::client(
        &server.base,
        &ada,
        &[
            "erase",
            id.as_str(),
            "--reason",
            "the buyer's request of 2026-11-30",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tracked = common::client(&server.base, &ada, &["track", id.as_str()]);
    server.stop();
    {
        let store = hangar_store::EmbeddedStore::open(&dir).unwrap();
        let p = store.parcel(&id).unwrap().unwrap();
        assert!(
            p.consignee.name.is_empty()
                && p.consignee.address.is_empty()
                && p.consignee.postcode.is_none()
        );
        assert!(
            store
                .parcel_events(&id)
                .unwrap()
                .iter()
                .any(|e| e.code == EventCode::ERA)
        );
    }
    assert!(
        !contains(&raw(), &address),
        "the erased address is gone from the database files"
    );
    // The parcel's journey is still there; the log still verifies, with the erasure in it.
    assert!(String::from_utf8_lossy(&tracked.stdout).contains("ERA"));
    let key = format!("{d}/keys/log.pub");
    assert!(hangar(&["audit", "verify", "--log", d, "--key", &key]).starts_with("OK"));
    let log = log_entries(&dir);
    assert!(
        log.iter().any(
            |(_, e)| e.code == EventCode::ERA && e.subject == hangar_model::Subject::Parcel(id)
        )
    );
    // The log never held the address: only the commitment.
    assert!(
        !log.iter()
            .any(|(_, e)| serde_json::to_string(e).unwrap().contains(&address))
    );

    // Retention: 90 days after, every buyer's personal data is due; erased, the log verifies.
    let later = "2027-03-15T00:00:00Z";
    let due = hangar(&["retention", "run", "--now", later, "--dry-run", "--data", d]);
    assert!(due.contains("due: 1499 parcels' personal data"), "{due}");
    let done = hangar(&["retention", "run", "--now", later, "--data", d]);
    assert!(
        done.contains("erased 1499 parcels' personal data"),
        "{done}"
    );
    let raw = raw();
    for (_, a) in &sample {
        assert!(!contains(&raw, a), "{a} is gone");
    }
    assert!(hangar(&["audit", "verify", "--log", d, "--key", &key]).starts_with("OK"));
    let report: Value = serde_json::from_str(&hangar(&[
        "audit",
        "report",
        "--log",
        d,
        "--key",
        &key,
        "--from",
        "2026-11-21",
        "--to",
        "2027-03-15",
        "--json",
    ]))
    .unwrap();
    assert_eq!(
        report["erasures"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        1500
    );
}
