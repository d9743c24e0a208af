//! `hangar customs` and the demo's customs stage, through the real binary.

mod common;
use hangar_model::{Detail, EventCode};
use hangar_service::accounts::Role;
use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hangar"))
        .args(args)
        .output()
        .expect("run hangar")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The first labelled parcel of an anomaly in a generated day's labels.csv.
fn labelled(dir: &Path, anomaly: &str) -> String {
    let labels = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    labels
        .lines()
        .find(|l| l.split(',').nth(1) == Some(anomaly))
        .unwrap_or_else(|| panic!("no {anomaly} in labels.csv"))
        .split(',')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn the_demo_catches_planted_anomalies_and_declarants_decide_on_record() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let d = data.to_str().unwrap();
    let out = run(&[
        "demo",
        "--headless",
        "--json",
        "--parcels",
        "20000",
        "--seed",
        "5",
        "--date",
        "2026-11-22",
        "--data",
        d,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Every planted anomaly type is caught by the reason that names it.
    let detection = s["detection"].as_object().unwrap();
    assert_eq!(detection.len(), 8, "{detection:?}");
    for (anomaly, d) in detection {
        let (caught, of) = (
            d["caught"].as_u64().unwrap(),
            d["labelled"].as_u64().unwrap(),
        );
        assert!(
            of > 0 && caught as f64 >= 0.9 * of as f64,
            "{anomaly}: {caught}/{of}"
        );
    }
    let outcomes = s["customs_by_outcome"].as_object().unwrap();
    for o in ["release", "request_info", "hold", "refuse"] {
        assert!(
            outcomes.get(o).and_then(|v| v.as_u64()).unwrap_or(0) > 0,
            "{o}: {outcomes:?}"
        );
    }
    let total: u64 = outcomes.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, 20_000, "one decision per parcel");
    assert!(s["held_by_reason"]["denied_party"].as_u64().unwrap() > 0);
    assert!(
        s["clean_stopped"].as_u64().unwrap() < 200,
        "{}",
        s["clean_stopped"]
    );

    // The declarant works through the running hub, as herself.
    let (_, marie) = common::make_user(&data, "marie", Role::Customs, None);
    let server = common::serve(&data, &[], &[]);
    let as_marie = |args: &[&str]| common::client(&server.base, &marie, args);
    let decisions = |id: &str| -> Vec<hangar_model::Event> {
        let got = common::request(
            "GET",
            &format!("{}/api/parcels/{id}/events", server.base),
            &common::Auth::Token(marie.clone()),
            None,
        );
        assert_eq!(got.status, 200, "{}", got.body);
        let v: serde_json::Value = serde_json::from_str(&got.body).unwrap();
        serde_json::from_value(v["events"].clone()).unwrap()
    };

    // Explaining a hold shows the reasons and rule versions, and the hub records the read.
    let split = labelled(&data.join("files"), "split_order");
    let out = as_marie(&["customs", "explain", &split, "--purpose", "inspection 4411"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    for want in [
        "H7 data set",
        "split_consignment",
        "rule: standard VAT rates 2026",
        "HLD",
    ] {
        assert!(t.contains(want), "explain shows {want}:\n{t}");
    }
    let read = decisions(&split)
        .into_iter()
        .find(|e| e.code == EventCode::ACC && e.actor.as_str() == "user:marie")
        .expect("the read is recorded, by who read");
    assert!(
        matches!(&read.detail, hangar_model::Detail::Accessed { classes, records: 1, purpose, .. }
            if classes.contains(&hangar_model::DataClass::Personal) && purpose == "inspection 4411"),
        "{read:?}"
    );

    // Nobody acts without their own credentials: no token, a wrong one, or `--as` are refused.
    let out = Command::new(env!("CARGO_BIN_EXE_hangar"))
        .args(["customs", "release", &split, "--reason", "x"])
        .env("HANGAR_URL", &server.base)
        .env_remove("HANGAR_TOKEN")
        .env("HANGAR_LOGIN_FILE", tmp.path().join("no-login.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not signed in"),
        "{}",
        text(&out.stderr)
    );
    let out = common::client(
        &server.base,
        "hgr_not-a-token",
        &["customs", "release", &split, "--reason", "x"],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("401"), "{}", text(&out.stderr));
    let out = as_marie(&[
        "customs",
        "release",
        &split,
        "--reason",
        "x",
        "--as",
        "user:nobody-at-all",
    ]);
    assert!(!out.status.success(), "--as is no more");

    // A declarant's release needs a reason, is recorded, and happens once.
    let out = as_marie(&["customs", "release", &split, "--reason", " "]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--reason: expected"),
        "{}",
        text(&out.stderr)
    );
    let why = "three separate orders, invoices checked";
    let out = as_marie(&["customs", "release", &split, "--reason", why]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let last = decisions(&split)
        .into_iter()
        .filter(|e| e.code != EventCode::ACC)
        .last()
        .unwrap();
    assert_eq!(
        (last.code, last.actor.as_str()),
        (EventCode::CCD, "user:marie")
    );
    assert_eq!(last.detail, Detail::Declarant { why: why.into() });
    let out = as_marie(&["customs", "release", &split, "--reason", why]);
    assert!(
        text(&out.stderr).contains("already released"),
        "{}",
        text(&out.stderr)
    );

    // A parcel handed over can no longer be held.
    let handed = s["sample_parcel"].as_str().unwrap();
    let out = as_marie(&["customs", "hold", handed, "--reason", "late tip-off"]);
    if !out.status.success() {
        assert!(
            text(&out.stderr).contains("can no longer be held"),
            "{}",
            text(&out.stderr)
        );
    }
    server.stop();
    // The declarants' events went into the verifiable log too.
    let out = run(&[
        "audit",
        "verify",
        "--log",
        d,
        "--key",
        &format!("{d}/keys/log.pub"),
    ]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn customs_screen_decides_a_manifest_and_names_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let day = tmp.path().join("day");
    let out = run(&[
        "generate",
        "--date",
        "2026-11-22",
        "--parcels",
        "3000",
        "--flights",
        "2",
        "--seed",
        "9",
        "--out",
        day.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut manifests: Vec<String> = std::fs::read_dir(day.join("manifests"))
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    manifests.sort();
    let register = day.join("ioss-register.csv");
    let mut args = vec![
        "customs",
        "screen",
        "--date",
        "2026-11-22",
        "--json",
        "--register",
    ];
    args.push(register.to_str().unwrap());
    args.extend(manifests.iter().map(String::as_str));
    let out = run(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = lines.last().unwrap();
    assert_eq!(
        summary["parcels"].as_u64().unwrap() as usize,
        lines.len() - 1
    );
    assert!(summary["by_outcome"]["release"].as_u64().unwrap() > 2_500);
    let released = &lines.iter().find(|d| d["outcome"] == "release").unwrap();
    assert!(
        released["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("VAT"))
    );

    // A manifest with a bad row: the file, line and field are named, nothing is decided.
    let bad = tmp.path().join("bad.csv");
    let good = std::fs::read_to_string(&manifests[0]).unwrap();
    let mut rows: Vec<&str> = good.lines().collect();
    let broken = rows[2].replacen(",CN,", ",QQ,", 1);
    assert_ne!(broken, rows[2]);
    rows[2] = &broken;
    std::fs::write(&bad, rows.join("\n")).unwrap();
    let out = run(&["customs", "screen", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("bad.csv:3:"), "{err}");
    assert!(out.stdout.is_empty(), "nothing decided from a refused file");

    // A list file in the EU consolidated CSV format loads; a broken one is named.
    let eu = tmp.path().join("eu.csv");
    std::fs::write(
        &eu,
        "fileGenerationDate;Entity_LogicalId;Entity_EU_ReferenceNumber;Entity_SubjectType_ClassificationCode;NameAlias_WholeName\n01/11/2026;7;EU.7.1;enterprise;Example Sanctioned Trading LLC\n",
    )
    .unwrap();
    let out = run(&["customs", "lists", eu.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("EU           1 entities"),
        "{}",
        text(&out.stdout)
    );
    std::fs::write(&eu, "Entity_LogicalId;NameAlias_WholeName\nseven;X\n").unwrap();
    let out = run(&["customs", "lists", eu.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("eu.csv:2: Entity_LogicalId: expected a number"),
        "{}",
        text(&out.stderr)
    );
}
