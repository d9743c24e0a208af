//! The real `hangar` binary, end to end.

mod common;
use hangar_store::{EmbeddedStore, Store};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn hangar() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hangar"))
}

fn run(args: &[&str]) -> Output {
    hangar().args(args).output().expect("run hangar")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn generate(dir: &Path, parcels: u32, seed: u64) -> (PathBuf, Vec<PathBuf>) {
    let out = run(&[
        "generate",
        "--date",
        "2026-11-22",
        "--parcels",
        &parcels.to_string(),
        "--flights",
        "3",
        "--seed",
        &seed.to_string(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(dir.join("manifests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    manifests.sort();
    (dir.join("schedule.csv"), manifests)
}

#[test]
fn demo_runs_a_day_whose_counts_reconcile() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let out = run(&[
        "demo",
        "--headless",
        "--json",
        "--parcels",
        "20000",
        "--seed",
        "3",
        "--date",
        "2026-11-22",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    let n = |k: &str| {
        s[k].as_u64()
            .unwrap_or_else(|| panic!("{k} missing in {s}"))
    };
    assert_eq!(n("parcels"), 20_000);
    assert_eq!(n("handed_over") + n("held") + n("exceptions"), n("parcels"));
    assert_eq!(n("in_progress"), 0);
    assert!(n("held") > 0 && n("exceptions") > 0 && n("released") > 19_000 && n("sorted") > 19_000);
    assert!(
        n("events") >= 20_000 * 7,
        "every parcel has its life in events"
    );
    assert!(s["wall_s"].as_f64().is_some());
    let routes: u64 = s["routes"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["parcels"].as_u64().unwrap())
        .sum();
    assert_eq!(routes, n("handed_over"));

    // A parcel's whole history.
    let id = s["sample_parcel"].as_str().unwrap();
    let (_, token) = common::make_user(
        &data,
        "tina",
        hangar_service::accounts::Role::Operator,
        None,
    );
    let server = common::serve(&data, &[], &[]);
    let out = common::client(&server.base, &token, &["track", id]);
    server.stop();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    for code in ["MAN", "DEP", "ARR", "RCF", "CRC", "SDC", "SRT"] {
        assert!(
            t.contains(&format!("  {code}  ")),
            "track shows {code}:\n{t}"
        );
    }
    // A second demo into the same directory is refused rather than mixing two days.
    let out = run(&[
        "demo",
        "--headless",
        "--parcels",
        "10",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("expected a new or empty directory"));
}

#[test]
fn bad_manifest_is_refused_whole_with_precise_errors_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (schedule, manifests) = generate(&tmp.path().join("day"), 2_000, 8);
    let data = tmp.path().join("data");
    let d = data.to_str().unwrap();
    let out = run(&["ingest", "--data", d, schedule.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Break three rows of one manifest in different ways (rows 1, 4 and 7: file lines 2, 5, 8).
    let good = std::fs::read_to_string(&manifests[0]).unwrap();
    let mut rdr = csv::Reader::from_reader(good.as_bytes());
    let header = rdr.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let mut set = |row: usize, c: usize, v: &str| {
        let mut cells: Vec<String> = rows[row].iter().map(String::from).collect();
        cells[c] = v.to_string();
        rows[row] = csv::StringRecord::from(cells);
    };
    set(1, col("hs_code"), "12AB");
    set(4, col("weight_kg"), "-1");
    set(7, col("mawb"), "999-12345676");
    let simple = [1usize, 4, 7];
    let bad = tmp.path().join("bad.csv");
    let mut w = csv::Writer::from_path(&bad).unwrap();
    w.write_record(&header).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    drop(w);

    let out = run(&["ingest", "--data", d, bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let b = bad.to_str().unwrap();
    assert!(
        err.contains(&format!(
            "{b}:{}: hs_code: expected an HS code of 6 to 10 digits",
            simple[0] + 2
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{b}:{}: weight_kg: expected a weight in kg",
            simple[1] + 2
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{b}:{}: mawb: expected an air waybill number whose last digit is",
            simple[2] + 2
        )),
        "{err}"
    );
    assert!(text(&out.stdout).contains("REFUSED"));

    let store = EmbeddedStore::open(&data).unwrap();
    let c = store.counts().unwrap();
    assert_eq!(
        (c.parcels, c.events, c.files),
        (0, 0, 1),
        "nothing of the bad file was applied"
    );
    drop(store);

    // The good file goes in; the same file again adds nothing.
    let m = manifests[0].to_str().unwrap();
    assert!(run(&["ingest", "--data", d, m]).status.success());
    let again = run(&["ingest", "--data", d, m]);
    assert!(again.status.success());
    assert!(
        text(&again.stdout).contains("already ingested"),
        "{}",
        text(&again.stdout)
    );
    let store = EmbeddedStore::open(&data).unwrap();
    let parcels_in_file = rows
        .iter()
        .map(|r| r[col("parcel_id")].to_string())
        .collect::<std::collections::HashSet<_>>()
        .len() as u64;
    assert_eq!(store.counts().unwrap().parcels, parcels_in_file);
}

#[test]
fn kill_9_during_ingest_loses_no_acknowledged_file_and_leaves_no_partial_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (schedule, manifests) = generate(&tmp.path().join("day"), 40_000, 2);
    assert!(manifests.len() >= 6, "several files to kill between");
    let mut interrupted = 0;
    for (round, kill_after) in [1usize, 3, 5].into_iter().enumerate() {
        let data = tmp.path().join(format!("data{round}"));
        let mut args: Vec<String> = vec![
            "ingest".into(),
            "--data".into(),
            data.to_string_lossy().into(),
            schedule.to_string_lossy().into(),
        ];
        args.extend(manifests.iter().map(|m| m.to_string_lossy().into_owned()));
        let mut child = hangar()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut acked: Vec<String> = Vec::new();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while acked.len() < kill_after && reader.read_line(&mut line).unwrap() > 0 {
            if let Some(rest) = line.strip_prefix("ingested ") {
                acked.push(rest.split(':').next().unwrap().to_string());
            }
            line.clear();
        }
        child.kill().unwrap(); // SIGKILL: no destructor, no flush.
        child.wait().unwrap();

        let store = EmbeddedStore::open(&data).unwrap();
        let files = store.files().unwrap();
        for a in &acked {
            assert!(
                files.iter().any(|f| &f.name == a),
                "acknowledged {a} survived kill -9"
            );
        }
        // Whatever is stored is whole: parcels and MAN events add up to the files recorded.
        let recorded: u64 = files.iter().map(|f| f.parcels).sum();
        if files.len() < manifests.len() + 1 {
            interrupted += 1;
        }
        let c = store.counts().unwrap();
        assert_eq!(c.parcels, recorded, "round {round}: no partial file");
        assert_eq!(c.events, recorded, "one MAN event per stored parcel");
        drop(store);
        // Re-running the same command finishes the job without duplicating anything.
        let out = hangar().args(&args).output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let store = EmbeddedStore::open(&data).unwrap();
        assert_eq!(store.counts().unwrap().parcels, 40_000);
    }
    assert!(
        interrupted > 0,
        "at least one kill landed before the last file"
    );
}

#[test]
fn generate_is_deterministic_and_documented_in_help() {
    let tmp = tempfile::tempdir().unwrap();
    let (a_sched, a) = generate(&tmp.path().join("a"), 1_000, 77);
    let (b_sched, b) = generate(&tmp.path().join("b"), 1_000, 77);
    assert_eq!(
        std::fs::read(a_sched).unwrap(),
        std::fs::read(b_sched).unwrap()
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
    }
    let help = text(&run(&["--help"]).stdout);
    for cmd in ["generate", "ingest", "demo", "track", "bench"] {
        assert!(help.contains(cmd), "{help}");
    }
    let out = run(&["generate", "--date", "2026-02-30", "--out", "x"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("expected a date as YYYY-MM-DD"),
        "{}",
        text(&out.stderr)
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

#[test]
fn the_demo_log_verifies_and_every_tampered_copy_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let d = data.to_str().unwrap();
    let out = run(&[
        "demo",
        "--headless",
        "--json",
        "--parcels",
        "3000",
        "--date",
        "2026-11-22",
        "--data",
        d,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["log_entries"], s["events"], "every event is in the log");
    assert!(
        s["checkpoint"]
            .as_str()
            .unwrap()
            .contains("\n\n\u{2014} demo.hangar.invalid/LGG/demo ")
    );
    let key = data.join("keys/log.pub");
    let k = key.to_str().unwrap();
    let saved = tmp.path().join("saved-checkpoint");
    let out = run(&[
        "audit",
        "verify",
        "--log",
        d,
        "--key",
        k,
        // Entries 0-5 are the hub's settings, version 1 of each, 6 its first administrator; 7 is
        // the first manifest event.
        "--entry",
        "7",
        "--save",
        saved.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.starts_with("OK: log demo.hangar.invalid/LGG/demo verified at size"),
        "{report}"
    );
    assert!(
        report.contains("\"code\":\"MAN\""),
        "entry 7 is the first manifest event: {report}"
    );
    assert!(
        !report.contains("buyer") && !report.contains("consignee"),
        "no personal data in entries"
    );

    // Each tampered copy fails, naming what it found.
    let entries_len = std::fs::metadata(data.join("log/entries.dat"))
        .unwrap()
        .len();
    type Damage = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "entry",
            Box::new(move |l: &Path| flip(&l.join("entries.dat"), entries_len / 2)),
            "hashes to",
        ),
        (
            "stored-hash",
            Box::new(|l: &Path| flip(&l.join("hashes.dat"), 32 * 1000 + 7)),
            "hashes.dat: stored hash 1000",
        ),
        (
            "truncated",
            Box::new(|l: &Path| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(l.join("entries.idx"))
                    .unwrap()
                    .set_len(800)
                    .unwrap();
            }),
            "missing",
        ),
        (
            "resigned-by-another-key",
            Box::new(|l: &Path| {
                let note = std::fs::read_to_string(l.join("checkpoint")).unwrap();
                std::fs::write(
                    l.join("checkpoint"),
                    note.replace("\n\u{2014} ", "\n\u{2014} x"),
                )
                .unwrap();
            }),
            "checkpoint:",
        ),
    ];
    for (name, damage, expect) in cases {
        let copy = tmp.path().join(name);
        copy_tree(&data, &copy);
        damage(&copy.join("log"));
        let out = run(&[
            "audit",
            "verify",
            "--log",
            copy.to_str().unwrap(),
            "--key",
            k,
        ]);
        assert_eq!(out.status.code(), Some(1), "{name} must fail");
        let err = text(&out.stderr);
        assert!(
            err.contains("VERIFICATION FAILED") && err.contains(expect),
            "{name}: {err}"
        );
    }
    // A fork: a second demo under the same key, presented against the saved checkpoint.
    let out = run(&[
        "audit",
        "verify",
        "--log",
        d,
        "--key",
        k,
        "--checkpoint",
        saved.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "the honest log is consistent with its own saved checkpoint"
    );
}

fn flip(path: &Path, offset: u64) {
    let mut b = std::fs::read(path).unwrap();
    b[offset as usize] ^= 0x01;
    std::fs::write(path, b).unwrap();
}

#[test]
fn kill_9_during_the_day_keeps_the_log_consistent_with_every_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let d = data.to_str().unwrap().to_string();
    let mut child = hangar()
        .args([
            "demo",
            "--headless",
            "--json",
            "--parcels",
            "60000",
            "--date",
            "2026-11-22",
            "--data",
            &d,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Save a checkpoint the log issued while running, as an auditor watching it would.
    let cp_path = data.join("log/checkpoint");
    let saved = tmp.path().join("saved");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        if let Ok(note) = std::fs::read_to_string(&cp_path) {
            let size: u64 = note.lines().nth(1).unwrap_or("0").parse().unwrap_or(0);
            if size > 0 {
                std::fs::write(&saved, note).unwrap();
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    // Reopen: the log recovers, catches up with the store, and signs a new checkpoint.
    let out = run(&["log", "checkpoint", "--data", &d]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let k = data.join("keys/log.pub");
    let out = run(&[
        "audit",
        "verify",
        "--log",
        &d,
        "--key",
        k.to_str().unwrap(),
        "--checkpoint",
        saved.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("consistent with the saved checkpoint"),
        "{}",
        text(&out.stdout)
    );
    let store = EmbeddedStore::open(&data).unwrap();
    let log_size: u64 = std::fs::read_to_string(&cp_path)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        store.counts().unwrap().events,
        log_size,
        "after catching up, the log holds every stored event"
    );
}
