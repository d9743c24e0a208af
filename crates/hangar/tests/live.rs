//! The live hub's ways in, from outside: a `hangar serve` on a fresh data directory, fed over
//! HTTP. Bad input on every new route gets a clear JSON error and changes nothing; with
//! `HANGAR_HEAVY=1`, the service is killed (-9) at random points of uploads and scan batches and
//! every acknowledged request is there after each restart, nothing half-applied, the log verified.

mod common;

use common::*;
use hangar_service::accounts::Role;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A fresh live hub with a generated day's files beside it.
struct Hub {
    dir: PathBuf,
    files: PathBuf,
    server: Server,
    device: String,
    customs: String,
    admin: String,
}

/// Today, as the service's clock sees it.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    hangar_model::Date::parse("1970-01-01")
        .unwrap()
        .add_days(days as i32)
        .to_string()
}

fn now_rfc3339(offset_ms: i64) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    hangar_model::Timestamp(ms + offset_ms).to_string()
}

fn live_hub(root: &Path, parcels: u32) -> Hub {
    let dir = root.join("data");
    let files = root.join("files");
    hangar(&[
        "generate",
        "--date",
        &today(),
        "--parcels",
        &parcels.to_string(),
        "--flights",
        "1",
        "--seed",
        "11",
        "--out",
        files.to_str().unwrap(),
    ]);
    std::fs::create_dir_all(&dir).unwrap();
    // Users before the first start: the service adds its first administrator beside them.
    let (_, device) = make_user(&dir, "dock-1", Role::Device, None);
    let (_, customs) = make_user(&dir, "cleo", Role::Customs, None);
    let (_, admin) = make_user(&dir, "ada", Role::Admin, None);
    let register = files.join("ioss-register.csv");
    let server = serve(&dir, &["--register", register.to_str().unwrap()], &[]);
    Hub {
        dir,
        files,
        server,
        device,
        customs,
        admin,
    }
}

impl Hub {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }

    /// POSTs `body` with the bearer `token` (none when empty).
    fn post(&self, path: &str, token: &str, ctype: &str, body: String) -> Got {
        let auth = if token.is_empty() {
            Auth::None
        } else {
            Auth::Token(token.to_string())
        };
        request("POST", &self.url(path), &auth, Some((ctype, body)))
    }

    fn post_json(&self, path: &str, token: &str, v: &Value) -> Got {
        self.post(path, token, "application/json", v.to_string())
    }

    fn upload(&self, token: &str, file: &Path) -> Got {
        let name = file.file_name().unwrap().to_str().unwrap();
        self.post(
            &format!("/api/manifests?name={name}"),
            token,
            "text/csv",
            std::fs::read_to_string(file).unwrap(),
        )
    }

    fn get(&self, path: &str) -> Value {
        let g = request(
            "GET",
            &self.url(path),
            &Auth::Token(self.admin.clone()),
            None,
        );
        assert_eq!(g.status, 200, "GET {path}: {}", g.body);
        serde_json::from_str(&g.body).unwrap()
    }

    fn manifest(&self) -> PathBuf {
        let mut m: Vec<PathBuf> = std::fs::read_dir(self.files.join("manifests"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        m.sort();
        m.remove(0)
    }

    /// What the hub holds of the floor: its domain events (count, last sequence number), parcels,
    /// files and applied requests. Refusals and reads are recorded elsewhere and not counted.
    fn fingerprint(&self) -> (i64, i64, i64, i64, i64) {
        fingerprint(&self.dir)
    }
}

fn fingerprint(dir: &Path) -> (i64, i64, i64, i64, i64) {
    let c = rusqlite::Connection::open_with_flags(
        dir.join(hangar_store::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    c.query_row(
        "SELECT (SELECT count(*) FROM events WHERE kind IN ('parcel','consignment','flight','truck')),
                (SELECT ifnull(max(seq), 0) FROM events WHERE kind IN ('parcel','consignment','flight','truck')),
                (SELECT count(*) FROM parcels),
                (SELECT count(*) FROM files),
                (SELECT count(*) FROM applied_once)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .unwrap()
}

/// A refusal: the status wanted, a JSON body with a non-empty `error`, and nothing changed.
#[track_caller]
fn refused(hub: &Hub, g: &Got, status: u16, before: (i64, i64, i64, i64, i64)) -> Value {
    assert_eq!(g.status, status, "{}", g.body);
    let v: Value = serde_json::from_str(&g.body)
        .unwrap_or_else(|_| panic!("not JSON ({}): {}", g.status, g.body));
    assert!(
        v["error"].as_str().is_some_and(|e| !e.is_empty()),
        "no error message: {v}"
    );
    assert_eq!(
        hub.fingerprint(),
        before,
        "a refused request changed the hub"
    );
    v
}

fn rows(csv_path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(csv_path).unwrap();
    r.records().map(Result::unwrap).collect()
}

fn header(csv_path: &Path) -> csv::StringRecord {
    csv::Reader::from_path(csv_path)
        .unwrap()
        .headers()
        .unwrap()
        .clone()
}

#[test]
fn bad_input_on_every_way_in_is_refused_clearly_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = live_hub(tmp.path(), 300);
    let schedule = hub.files.join("schedule.csv");
    let manifest = hub.manifest();
    let dev = hub.device.clone();

    // Files.
    let before = hub.fingerprint();
    let g = hub.upload("", &schedule);
    assert_eq!(g.status, 401, "{}", g.body);
    assert_eq!(hub.fingerprint(), before);
    refused(&hub, &hub.upload(&hub.customs, &schedule), 403, before);
    let bytes = std::fs::read_to_string(&schedule).unwrap();
    for name in ["", "../schedule.csv", "schedule.exe"] {
        let g = hub.post(
            &format!("/api/manifests?name={name}"),
            &dev,
            "text/csv",
            bytes.clone(),
        );
        refused(&hub, &g, 400, before);
    }
    let g = hub.post(
        "/api/manifests?name=schedule.csv",
        &dev,
        "application/json",
        bytes.clone(),
    );
    refused(&hub, &g, 415, before);
    assert_eq!(hub.upload(&dev, &schedule).status, 201);
    let after_schedule = hub.fingerprint();
    assert_ne!(after_schedule, before);
    // The same bytes again: skipped, nothing added.
    let g = hub.upload(&dev, &schedule);
    assert_eq!(g.status, 200, "{}", g.body);
    assert_eq!(
        serde_json::from_str::<Value>(&g.body).unwrap()["status"],
        "skipped"
    );
    assert_eq!(hub.fingerprint(), after_schedule);

    // A manifest with one bad weight on its third data line: every problem named, nothing of
    // the file applied (not even its good rows).
    let h = header(&manifest);
    let w = h
        .iter()
        .position(|c| c == "weight_kg")
        .expect("weight column");
    let mut all = rows(&manifest);
    let mut bad = all[2].iter().map(String::from).collect::<Vec<_>>();
    bad[w] = "heavy".into();
    all[2] = csv::StringRecord::from(bad);
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&h).unwrap();
    for r in &all {
        out.write_record(r).unwrap();
    }
    let broken = tmp.path().join(manifest.file_name().unwrap());
    std::fs::write(&broken, out.into_inner().unwrap()).unwrap();
    let v = refused(&hub, &hub.upload(&dev, &broken), 422, after_schedule);
    let p = &v["problems"][0];
    assert_eq!(p["line"], 4, "{v}");
    assert_eq!(p["field"], "weight_kg", "{v}");
    assert_eq!(
        p["got"].as_str().map(|g| g.contains("heavy")),
        Some(true),
        "{v}"
    );
    assert!(!p["expected"].as_str().unwrap_or("").is_empty(), "{v}");

    let g = hub.upload(&dev, &manifest);
    assert_eq!(g.status, 201, "{}", g.body);
    let receipt: Value = serde_json::from_str(&g.body).unwrap();
    let parcels = receipt["parcels"].as_u64().unwrap() as usize;

    // Scans.
    let flight = {
        let r = &all[0];
        let col = |n: &str| r[h.iter().position(|c| c == n).unwrap()].to_string();
        format!("{}/{}", col("flight"), col("flight_date"))
    };
    let ids: Vec<String> = {
        let c = h.iter().position(|c| c == "parcel_id").unwrap();
        let mut ids: Vec<String> = Vec::new();
        for r in &all {
            if !ids.iter().any(|i| i == &r[c]) {
                ids.push(r[c].to_string());
            }
        }
        ids
    };
    assert_eq!(parcels, ids.len());
    let scan = |code: &str, parcel: &str| {
        json!({"code": code, "parcel": parcel, "at": now_rfc3339(0),
               "location": "LGG/BREAKDOWN-1", "device": "dock-1"})
    };
    let before = hub.fingerprint();
    let g = hub.post_json("/api/scans", "", &json!([scan("RCF", &ids[0])]));
    assert_eq!(g.status, 401);
    refused(
        &hub,
        &hub.post_json("/api/scans", &hub.customs, &json!([scan("RCF", &ids[0])])),
        403,
        before,
    );
    // Wrong shapes.
    for body in [
        json!({"code": "RCF"}),
        json!([{"code": "RCF", "parcel": ids[0], "at": now_rfc3339(0), "location": "LGG", "device": "dock-1", "colour": "red"}]),
        json!([{"code": "RCF", "parcel": ids[0]}]),
    ] {
        let g = hub.post_json("/api/scans", &dev, &body);
        assert!(
            g.status == 400 || g.status == 422,
            "{body}: {} {}",
            g.status,
            g.body
        );
        refused(&hub, &g, g.status, before);
    }
    let g = hub.post("/api/scans", &dev, "application/json", "[{".into());
    refused(&hub, &g, 400, before);
    refused(
        &hub,
        &hub.post_json("/api/scans", &dev, &json!([])),
        422,
        before,
    );
    let many: Vec<Value> = (0..1001).map(|_| scan("RCF", &ids[0])).collect();
    refused(
        &hub,
        &hub.post_json("/api/scans", &dev, &json!(many)),
        422,
        before,
    );
    // Larger than a batch may be.
    let huge = " ".repeat(hangar_service::MAX_SCAN_BATCH_BYTES + 1);
    refused(
        &hub,
        &hub.post("/api/scans", &dev, "application/json", huge),
        413,
        before,
    );
    // A good item with bad ones: every bad item named, the good one not applied either.
    let unknown = "RB123456785CN";
    assert!(!ids.iter().any(|i| i == unknown));
    let mut future = scan("RCF", &ids[2]);
    future["at"] = json!(now_rfc3339(3_600_000));
    let mut stranger = scan("RCF", &ids[3]);
    stranger["device"] = json!("dock-2");
    let batch = json!([
        scan("RCF", &ids[1]),
        scan("RCF", unknown),
        future,
        stranger,
        {"code": "FOW", "parcel": ids[4], "truck": "T-XX-9", "at": now_rfc3339(0), "location": "LGG/DOCK-03", "device": "dock-1"},
        {"code": "ARR", "flight": "XX999/2020-01-01", "at": now_rfc3339(0), "location": "LGG", "device": "dock-1"},
        {"code": "DIS", "parcel": ids[5], "what": "stolen", "at": now_rfc3339(0), "location": "LGG", "device": "dock-1"},
        scan("DLV", &ids[6]),
    ]);
    let v = refused(
        &hub,
        &hub.post_json("/api/scans", &dev, &batch),
        422,
        before,
    );
    let fields: Vec<(u64, String)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["item"].as_u64().unwrap(),
                p["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(u64, String)> = [
        (1, "parcel"),
        (2, "at"),
        (3, "device"),
        (4, "truck"),
        (5, "flight"),
        (6, "what"),
        (7, "code"),
    ]
    .iter()
    .map(|(i, f)| (*i, f.to_string()))
    .collect();
    assert_eq!(fields, want, "{v}");
    // A good batch, then the very same batch again: a replay, refused.
    let good = json!([
        {"code": "ARR", "flight": flight, "at": now_rfc3339(0), "location": "LGG", "device": "dock-1"},
        scan("RCF", &ids[1]),
    ]);
    let g = hub.post_json("/api/scans", &dev, &good);
    assert_eq!(g.status, 201, "{}", g.body);
    let applied = hub.fingerprint();
    refused(
        &hub,
        &hub.post_json("/api/scans", &dev, &good),
        409,
        applied,
    );
    // An event that does not fit the parcel's life: received, then received again.
    let v = refused(
        &hub,
        &hub.post_json("/api/scans", &dev, &json!([scan("RCF", &ids[1])])),
        422,
        applied,
    );
    assert_eq!(v["problems"][0]["field"], "code", "{v}");
    let before = hub.fingerprint();

    // Trucks.
    let truck = |route: &str, dock: &str, departs: &str| json!({"route": route, "dock": dock, "departs": departs});
    let later = now_rfc3339(3_600_000);
    let route = hub.get("/api/routes")["routes"][0]["id"]
        .as_str()
        .expect("a route")
        .to_string();
    refused(
        &hub,
        &hub.post_json("/api/trucks", &hub.customs, &truck(&route, "03", &later)),
        403,
        before,
    );
    refused(
        &hub,
        &hub.post_json("/api/trucks", &dev, &truck("NO-SUCH-ROUTE", "03", &later)),
        422,
        before,
    );
    refused(
        &hub,
        &hub.post_json("/api/trucks", &dev, &truck(&route, "03", "tomorrow")),
        422,
        before,
    );
    let g = hub.post_json("/api/trucks", &dev, &json!({"route": route}));
    assert!(g.status == 400 || g.status == 422, "{}", g.body);
    refused(&hub, &g, g.status, before);
    refused(
        &hub,
        &hub.post_json(
            "/api/trucks/T-NOPE-1/load",
            &dev,
            &json!({"parcels": [ids[0]]}),
        ),
        404,
        before,
    );
    refused(
        &hub,
        &hub.post_json("/api/trucks/T-NOPE-1/close", &dev, &json!({})),
        404,
        before,
    );
    let g = hub.post_json("/api/trucks", &dev, &truck(&route, "03", &later));
    assert_eq!(g.status, 201, "{}", g.body);
    let id = serde_json::from_str::<Value>(&g.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = hub.fingerprint();
    // Parcels that cannot go: unknown, not sorted to the truck's route (still at breakdown).
    let g = hub.post_json(
        &format!("/api/trucks/{id}/load"),
        &dev,
        &json!({"parcels": [ids[1], unknown]}),
    );
    let v = refused(&hub, &g, 422, before);
    assert_eq!(v["problems"].as_array().unwrap().len(), 2, "{v}");
    let many: Vec<&str> = (0..1001).map(|_| ids[1].as_str()).collect();
    refused(
        &hub,
        &hub.post_json(
            &format!("/api/trucks/{id}/load"),
            &dev,
            &json!({"parcels": many}),
        ),
        422,
        before,
    );
    // A held parcel cannot be loaded, whatever its route (the holds queue follows the store a
    // moment behind).
    let mut held = None;
    for _ in 0..50 {
        let holds = hub.get("/api/customs/holds");
        held = holds["holds"][0]["parcel"].as_str().map(String::from);
        if held.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let held = held.expect("customs held a parcel of the day");
    let g = hub.post_json(
        &format!("/api/trucks/{id}/load"),
        &dev,
        &json!({"parcels": [held]}),
    );
    refused(&hub, &g, 422, before);
    // Closed once; closing again is refused and sends nothing more.
    let g = hub.post_json(&format!("/api/trucks/{id}/close"), &dev, &json!({}));
    assert_eq!(g.status, 200, "{}", g.body);
    let closed = hub.fingerprint();
    assert_ne!(closed, before);
    let g = hub.post_json(&format!("/api/trucks/{id}/close"), &dev, &json!({}));
    refused(&hub, &g, 409, closed);

    // Exports: a person's act, along a declared flow; a refused one sends nothing.
    let exported = || exports(&hub.dir);
    let sent = exported();
    let export = json!({"flow": "no-such-flow", "fields": ["parcel.id"]});
    refused(
        &hub,
        &hub.post_json("/api/exports", &dev, &export),
        403,
        closed,
    );
    for body in [
        json!([]),
        json!({"flow": 7, "fields": ["parcel.id"]}),
        json!({"flow": "x", "fields": ["parcel.id"], "colour": "red"}),
        json!({"fields": ["parcel.id"]}),
    ] {
        let g = hub.post_json("/api/exports", &hub.admin, &body);
        assert!(g.status == 400 || g.status == 422, "{body}: {}", g.body);
        refused(&hub, &g, g.status, closed);
    }
    for (body, field) in [
        (json!({"flow": "x", "fields": []}), "fields"),
        (
            json!({"flow": "x", "fields": ["parcel.id"], "stage": "lost"}),
            "stage",
        ),
        (
            json!({"flow": "x", "fields": ["parcel.id"], "limit": 0}),
            "limit",
        ),
    ] {
        let v = refused(
            &hub,
            &hub.post_json("/api/exports", &hub.admin, &body),
            422,
            closed,
        );
        assert!(v["error"].as_str().unwrap().contains(field), "{v}");
    }
    // A flow nobody declared: the gate refuses it.
    let v = refused(
        &hub,
        &hub.post_json("/api/exports", &hub.admin, &export),
        422,
        closed,
    );
    assert_eq!(v["sent"]["records"], 0, "{v}");
    let huge = format!(
        r#"{{"flow": "x", "fields": ["{}"]}}"#,
        "a".repeat(64 * 1024)
    );
    refused(
        &hub,
        &hub.post("/api/exports", &hub.admin, "application/json", huge),
        413,
        closed,
    );
    assert_eq!(exported(), sent, "a refused export sent something");

    // Signing in: public, but a wrong shape, a wrong password or an oversized body gets a
    // clear refusal and no token.
    for body in [
        json!({"login": "ada"}),
        json!({"login": "ada", "password": "x", "label": "cli", "role": "admin"}),
        json!(["ada", "x"]),
    ] {
        let g = hub.post_json("/api/login", "", &body);
        assert!(g.status == 400 || g.status == 422, "{body}: {}", g.body);
        refused(&hub, &g, g.status, closed);
    }
    let v = refused(
        &hub,
        &hub.post_json(
            "/api/login",
            "",
            &json!({"login": "ada", "password": "not-her-password", "label": "cli"}),
        ),
        401,
        closed,
    );
    assert!(v.get("token").is_none(), "{v}");
    let huge = format!(
        r#"{{"login": "ada", "password": "{}", "label": "cli"}}"#,
        "p".repeat(64 * 1024)
    );
    refused(
        &hub,
        &hub.post("/api/login", "", "application/json", huge),
        413,
        closed,
    );
}

/// How many exports left through the gate (EXP entries in the store).
fn exports(dir: &Path) -> i64 {
    let c = rusqlite::Connection::open_with_flags(
        dir.join(hangar_store::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    c.query_row("SELECT count(*) FROM events WHERE code = 'EXP'", [], |r| {
        r.get(0)
    })
    .unwrap()
}

/// A manifest cut into files of `per` parcels each (a parcel's rows stay together): name,
/// bytes, the parcels it carries.
fn cut(manifest: &Path, per: usize) -> Vec<(String, Vec<u8>, Vec<String>)> {
    let h = header(manifest);
    let c = h.iter().position(|c| c == "parcel_id").unwrap();
    let mut out = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&h).unwrap();
    let stem = manifest.file_stem().unwrap().to_str().unwrap().to_string();
    let all = rows(manifest);
    for (i, r) in all.iter().enumerate() {
        if ids.last().is_none_or(|l| l != &r[c]) {
            ids.push(r[c].to_string());
        }
        let last_of_parcel = all.get(i + 1).is_none_or(|n| n[c] != r[c]);
        w.write_record(r).unwrap();
        if last_of_parcel && (ids.len() == per || i + 1 == all.len()) {
            let bytes = std::mem::replace(&mut w, csv::Writer::from_writer(Vec::new()))
                .into_inner()
                .unwrap();
            out.push((
                format!("{stem}-part{:03}.csv", out.len() + 1),
                bytes,
                std::mem::take(&mut ids),
            ));
            w.write_record(&h).unwrap();
        }
    }
    out
}

/// What the store holds after a crash: parcels, parcels with a customs decision, and how many
/// breakdown receipts each parcel has.
struct Held {
    parcels: std::collections::HashSet<String>,
    decided: std::collections::HashSet<String>,
    received: std::collections::HashMap<String, i64>,
}

fn held(dir: &Path) -> Held {
    let c = rusqlite::Connection::open(dir.join(hangar_store::DB_FILE)).unwrap();
    let set = |sql: &str| -> std::collections::HashSet<String> {
        let mut st = c.prepare(sql).unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let parcels = set("SELECT id FROM parcels");
    let decided = set(
        "SELECT DISTINCT key FROM events WHERE kind = 'parcel' AND code IN ('CCD','HLD','RFI','RTS')",
    );
    let mut st = c
        .prepare(
            "SELECT key, count(*) FROM events WHERE kind = 'parcel' AND code = 'RCF' GROUP BY key",
        )
        .unwrap();
    let received = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    Held {
        parcels,
        decided,
        received,
    }
}

/// One request of the crash test, sent until it is acknowledged (the same bytes every time).
struct Sent {
    path: String,
    ctype: &'static str,
    body: Vec<u8>,
    parcels: Vec<String>,
    acked: bool,
}

#[test]
fn kill_9_during_uploads_and_scans_loses_nothing_acknowledged() {
    if std::env::var("HANGAR_HEAVY").is_err() {
        eprintln!("skipped: set HANGAR_HEAVY=1 for the crash test (CI does)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let Hub {
        dir,
        files,
        server,
        device,
        ..
    } = live_hub(root, 12_000);
    let register = files.join("ioss-register.csv");
    let args = ["--register", register.to_str().unwrap()];
    let mut server = Some(server);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("crash test seed {seed}");
    let mut rng = hangar_model::rng::Rng::new(seed);

    let mut uploads: Vec<Sent> = vec![Sent {
        path: "/api/manifests?name=schedule.csv".into(),
        ctype: "text/csv",
        body: std::fs::read(files.join("schedule.csv")).unwrap(),
        parcels: Vec::new(),
        acked: false,
    }];
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(files.join("manifests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    manifests.sort();
    for m in &manifests {
        for (name, body, parcels) in cut(m, 20) {
            uploads.push(Sent {
                path: format!("/api/manifests?name={name}"),
                ctype: "text/csv",
                body,
                parcels,
                acked: false,
            });
        }
    }
    let flights: Vec<String> = {
        let v = std::fs::read_to_string(files.join("schedule.csv")).unwrap();
        let mut r = csv::Reader::from_reader(v.as_bytes());
        let h = r.headers().unwrap().clone();
        let f = h.iter().position(|c| c == "flight").unwrap();
        let d = h
            .iter()
            .position(|c| c == "date" || c == "flight_date")
            .unwrap();
        r.records()
            .map(|x| {
                let x = x.unwrap();
                format!("{}/{}", &x[f], &x[d])
            })
            .collect()
    };
    let mut scans: Vec<Sent> = Vec::new();
    let mut queued: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut arrived = false;
    let mut interrupted = 0;

    for round in 0..10 {
        let base = server.as_ref().unwrap().base.clone();
        let until = std::time::Instant::now()
            + std::time::Duration::from_millis(100 + rng.next_u64() % 600);
        // One client: the next unacknowledged upload or scan batch, again and again, until the
        // service dies under it.
        let a = agent();
        let post = |s: &Sent| -> Option<u16> {
            let rb = ureq::http::Request::builder()
                .method("POST")
                .uri(format!("{base}{}", s.path))
                .header("content-type", s.ctype)
                .header("authorization", format!("Bearer {device}"));
            a.run(rb.body(s.body.clone()).unwrap())
                .ok()
                .map(|r| r.status().as_u16())
        };
        let killer = {
            let pid = server.as_ref().unwrap().pid();
            std::thread::spawn(move || {
                let now = std::time::Instant::now();
                if until > now {
                    std::thread::sleep(until - now);
                }
                // SAFETY: kill(2) with a child's pid.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            })
        };
        let mut sent = 0;
        loop {
            // Scan batches for parcels whose manifest is acknowledged, 25 to a batch.
            let ready: Vec<String> = uploads
                .iter()
                .filter(|u| u.acked)
                .flat_map(|u| u.parcels.iter().cloned())
                .filter(|p| !queued.contains(p))
                .take(25)
                .collect();
            if !arrived && uploads[0].acked {
                let at = now_rfc3339(0);
                let items: Vec<Value> = flights
                    .iter()
                    .map(|f| json!({"code": "ARR", "flight": f, "at": at, "location": "LGG", "device": "dock-1"}))
                    .collect();
                scans.push(Sent {
                    path: "/api/scans".into(),
                    ctype: "application/json",
                    body: serde_json::to_vec(&items).unwrap(),
                    parcels: Vec::new(),
                    acked: false,
                });
                arrived = true;
            } else if ready.len() == 25 || (!ready.is_empty() && uploads.iter().all(|u| u.acked)) {
                let at = now_rfc3339(0);
                let items: Vec<Value> = ready
                    .iter()
                    .map(|p| json!({"code": "RCF", "parcel": p, "at": at, "location": "LGG/BREAKDOWN-1", "device": "dock-1"}))
                    .collect();
                queued.extend(ready.iter().cloned());
                scans.push(Sent {
                    path: "/api/scans".into(),
                    ctype: "application/json",
                    body: serde_json::to_vec(&items).unwrap(),
                    parcels: ready,
                    acked: false,
                });
            }
            let next = scans
                .iter_mut()
                .find(|s| !s.acked)
                .or_else(|| uploads.iter_mut().find(|u| !u.acked));
            let Some(s) = next else {
                std::thread::sleep(std::time::Duration::from_millis(10));
                if std::time::Instant::now() > until + std::time::Duration::from_secs(1) {
                    break;
                }
                continue;
            };
            match post(s) {
                // Ingested, skipped (in before), applied, or a replay (in before).
                Some(200 | 201 | 409) => {
                    s.acked = true;
                    sent += 1;
                }
                Some(other) => panic!("{} answered {other}", s.path),
                None => {
                    interrupted += 1;
                    break;
                }
            }
        }
        killer.join().unwrap();
        drop(server.take());
        eprintln!("round {round}: {sent} requests acknowledged before the kill");

        // Every acknowledged request is there, whole; nothing is there in part.
        let h = held(&dir);
        for u in &uploads[1..] {
            let n = u.parcels.iter().filter(|p| h.parcels.contains(*p)).count();
            assert!(
                n == 0 || n == u.parcels.len(),
                "{}: {n} of {} parcels stored",
                u.path,
                u.parcels.len()
            );
            if u.acked {
                assert_eq!(n, u.parcels.len(), "{} acknowledged but not stored", u.path);
                for p in &u.parcels {
                    assert!(
                        h.decided.contains(p),
                        "{p}: acknowledged without a customs decision"
                    );
                }
            }
        }
        for s in &scans {
            let n = s
                .parcels
                .iter()
                .filter(|p| h.received.contains_key(*p))
                .count();
            assert!(
                n == 0 || n == s.parcels.len(),
                "a scan batch half applied: {n} of {}",
                s.parcels.len()
            );
            if s.acked {
                assert_eq!(n, s.parcels.len(), "an acknowledged scan batch is missing");
            }
        }
        assert!(
            h.received.values().all(|&n| n == 1),
            "a parcel received twice"
        );
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hangar"))
            .args(["audit", "verify", "--log"])
            .arg(&dir)
            .arg("--key")
            .arg(dir.join("keys/log.pub"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "round {round}: the log does not verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server = Some(serve(&dir, &args, &[]));
    }
    // The last start finishes what the crashes left: every stored parcel has its decision.
    let s = server.take().unwrap();
    let g = request("GET", &format!("{}/readyz", s.base), &Auth::None, None);
    assert_eq!(g.status, 200, "{}", g.body);
    drop(s);
    let h = held(&dir);
    let undecided: Vec<&String> = h
        .parcels
        .iter()
        .filter(|p| !h.decided.contains(*p))
        .collect();
    assert!(
        undecided.is_empty(),
        "{} parcels without a decision",
        undecided.len()
    );
    let acked =
        uploads.iter().filter(|u| u.acked).count() + scans.iter().filter(|s| s.acked).count();
    assert!(
        acked > 10,
        "too little was acknowledged to test anything: {acked}"
    );
    assert!(
        interrupted >= 8,
        "only {interrupted} of 10 kills hit a request in flight"
    );
}

#[test]
fn hangar_ingest_while_the_service_runs_hands_it_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = live_hub(tmp.path(), 200);
    let manifest = hub.manifest();
    let broken = tmp.path().join("broken.csv");
    std::fs::write(&broken, "mawb,flight\n1,2\n").unwrap();
    let before = hub.fingerprint();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hangar"))
        .arg("ingest")
        .arg("--data")
        .arg(&hub.dir)
        .arg(hub.files.join("schedule.csv"))
        .arg(&manifest)
        .arg(&broken)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a refused file must fail the command"
    );
    assert!(
        stdout.contains("3 files handed to the running service, 2 taken in, 1 refused"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("REFUSED  ") && stdout.contains("broken.csv"),
        "{stdout}"
    );
    assert!(
        stderr.contains("broken.csv:"),
        "the refusal's reasons: {stderr}"
    );
    let after = hub.fingerprint();
    assert!(after.2 > before.2, "no parcels added: {before:?} {after:?}");
    assert!(hub.dir.join("inbox/refused/broken.csv.errors").exists());
}
