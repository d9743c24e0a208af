//! The data catalog covers everything Hangar stores: a demo day (with its exports, reads,
//! refusals, control changes, a declarant's decision and an erasure) is walked table by table,
//! column by column, JSON document path by path and event detail by detail; a stored field the
//! catalog does not class fails this test, and so does a catalogued column that does not exist.

mod common;
use common::hangar;
use hangar_oversight::Catalog;
use hangar_service::accounts::Role;
use rusqlite::Connection;
use std::collections::BTreeSet;
use std::path::Path;

/// Every leaf path of a JSON document (`$.a.b`, `$.items[].c`).
fn leaves(v: &serde_json::Value, path: &str, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                leaves(x, &format!("{path}.{k}"), out);
            }
        }
        serde_json::Value::Array(a) if a.iter().any(|x| x.is_object()) => {
            for x in a {
                leaves(x, &format!("{path}[]"), out);
            }
        }
        _ => {
            out.insert(path.to_string());
        }
    }
}

/// Every place a database stores something: `db:table.column`, plus the paths inside the JSON
/// documents it keeps.
fn places(dir: &Path, db: &str) -> BTreeSet<String> {
    let c = Connection::open(dir.join(db)).unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = BTreeSet::new();
    for t in &tables {
        let cols: Vec<String> = c
            .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for col in cols {
            out.insert(format!("{db}:{t}.{col}"));
        }
    }
    if db == "hangar.db" {
        for (t, col) in [("parcels", "doc"), ("flights", "doc")] {
            let mut stmt = c.prepare(&format!("SELECT {col} FROM {t}")).unwrap();
            let mut rows = stmt.query([]).unwrap();
            let mut paths = BTreeSet::new();
            while let Some(r) = rows.next().unwrap() {
                let doc: String = r.get(0).unwrap();
                leaves(&serde_json::from_str(&doc).unwrap(), "$", &mut paths);
            }
            for p in paths {
                out.insert(format!("{db}:{t}.{col}{p}"));
            }
        }
        let mut stmt = c
            .prepare("SELECT detail FROM events WHERE detail IS NOT NULL")
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let d: String = r.get(0).unwrap();
            let v: serde_json::Value = serde_json::from_str(&d).unwrap();
            let kind = v["kind"].as_str().unwrap().to_string();
            for k in v.as_object().unwrap().keys() {
                out.insert(format!("{db}:events.detail[{kind}]$.{k}"));
            }
        }
    }
    out
}

#[test]
fn every_stored_field_has_a_class_and_every_catalogued_column_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("day");
    let d = dir.to_str().unwrap();
    hangar(&[
        "demo",
        "--headless",
        "--json",
        "--parcels",
        "1500",
        "--seed",
        "9",
        "--date",
        "2026-11-22",
        "--data",
        d,
    ]);
    // A declarant's decision and an erasure on request, so their records exist too.
    let held: String = {
        let c = Connection::open(dir.join("hangar.db")).unwrap();
        c.query_row(
            "SELECT key FROM events WHERE code = 'HLD' ORDER BY seq LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let (_, admin) = common::make_user(&dir, "cat-admin", Role::Admin, None);
    let server = common::serve(&dir, &[], &[]);
    {
        for args in [
            &["customs", "release", &held, "--reason", "papers checked"][..],
            &["erase", &held, "--reason", "the buyer asked"][..],
        ] {
            let out = common::client(&server.base, &admin, args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    server.stop();

    let catalog = Catalog::builtin();
    let mut found = places(&dir, "hangar.db");
    found.extend(places(&dir, "accounts.db"));
    let missing: Vec<&String> = found.iter().filter(|p| catalog.at(p).is_none()).collect();
    assert!(
        missing.is_empty(),
        "stored but not in the data catalog (crates/oversight/data/catalog.toml):\n{}",
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The other way round: every catalogued table column exists (documents and details may
    // hold fields a particular day did not produce).
    let stale: Vec<&str> = catalog
        .places()
        .map(|(p, _)| p)
        .filter(|p| !p.contains('$') && !found.contains(*p))
        .collect();
    assert!(stale.is_empty(), "catalogued but not stored: {stale:?}");
    // The day produced the records the catalog promises to class.
    for kind in [
        "accessed",
        "denied",
        "exported",
        "export_blocked",
        "control_change",
        "erased",
        "declarant",
        "held",
        "cleared",
        "manifested",
    ] {
        assert!(
            found.iter().any(|p| p.contains(&format!("detail[{kind}]"))),
            "the day recorded no {kind} detail"
        );
    }
}

#[test]
fn the_catalog_page_in_docs_is_the_catalog() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/data-catalog.md"),
    )
    .unwrap();
    assert_eq!(
        doc,
        Catalog::builtin().markdown(),
        "docs/data-catalog.md is out of date: run `hangar catalog --markdown > docs/data-catalog.md`"
    );
    // And the command prints it.
    assert_eq!(hangar(&["catalog", "--markdown"]), doc);
}
