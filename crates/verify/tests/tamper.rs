//! A real log written by hangar-ledger, then damaged in every way an operator could: the
//! verifier must fail and say what it found.

use hangar_ledger::{Ledger, Options, keys};
use hangar_verify::source::Dir;
use hangar_verify::{Key, Request, verify};
use std::path::{Path, PathBuf};

const ORIGIN: &str = "hangar.test/audit";

fn entry(i: u64, variant: &str) -> Vec<u8> {
    format!("{{\"v\":1,\"seq\":{},\"code\":\"RCF{variant}\"}}", i + 1).into_bytes()
}

/// A log of `n` entries in `dir` (with the key in `key_dir`), entry `changed` altered if given.
fn write_log(dir: &Path, key_dir: &Path, n: u64, changed: Option<u64>) -> String {
    let signer = keys::load_or_generate(key_dir, ORIGIN).unwrap();
    let log = Ledger::open(&dir.join("log"), signer, Options::new(ORIGIN)).unwrap();
    let entries: Vec<Vec<u8>> = (0..n)
        .map(|i| entry(i, if Some(i) == changed { "-changed" } else { "" }))
        .collect();
    for c in entries.chunks(1000) {
        log.append(c.to_vec()).unwrap();
    }
    log.checkpoint_now().unwrap()
}

fn key(dir: &Path) -> Key {
    Key::parse(&std::fs::read_to_string(keys::verifier_path(dir)).unwrap()).unwrap()
}

fn check(
    dir: &Path,
    key_dir: &Path,
    saved: Option<&str>,
    entries: &[u64],
) -> Result<hangar_verify::Report, String> {
    let src = Dir::new(dir)?;
    let k = key(key_dir);
    verify(&Request {
        source: &src,
        key: &k,
        saved,
        entries,
        progress: &|_, _| {},
    })
    .map_err(|e| e.0)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("log")).unwrap();
    for f in std::fs::read_dir(from.join("log")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), to.join("log").join(f.file_name())).unwrap();
    }
}

fn flip(path: PathBuf, offset: u64) {
    let mut b = std::fs::read(&path).unwrap();
    b[offset as usize] ^= 0x20;
    std::fs::write(&path, b).unwrap();
}

fn stored_hash_index(level: u32, index: u64) -> u64 {
    let mut n = index;
    for _ in 0..level {
        n = 2 * n + 1;
    }
    let mut i = 0;
    while n > 0 {
        i += n;
        n >>= 1;
    }
    i + u64::from(level)
}

#[test]
fn a_good_log_verifies_with_consistency_and_inclusion() {
    let t = tempfile::tempdir().unwrap();
    write_log(t.path(), t.path(), 0, None);
    // Grow in two steps, saving the first checkpoint like an auditor would.
    let saved = {
        let signer = keys::load(t.path()).unwrap();
        let log = Ledger::open(&t.path().join("log"), signer, Options::new(ORIGIN)).unwrap();
        log.append((0..3000).map(|i| entry(i, "")).collect())
            .unwrap();
        let saved = log.checkpoint_now().unwrap();
        log.append((3000..5000).map(|i| entry(i, "")).collect())
            .unwrap();
        log.checkpoint_now().unwrap();
        saved
    };
    let r = check(t.path(), t.path(), Some(&saved), &[0, 255, 256, 4999]).unwrap();
    assert_eq!(r.checkpoint.size, 5000);
    assert_eq!(r.entries_checked, 5000);
    assert_eq!(
        r.tiles_checked,
        20 + 1,
        "20 level-0 tiles and the partial level-1 tile"
    );
    assert_eq!(r.consistent_with.map(|c| c.0), Some(3000));
    assert_eq!(r.included.len(), 4);
    assert_eq!(r.included[3].2, entry(4999, ""));
}

#[test]
fn every_kind_of_damage_is_named() {
    let t = tempfile::tempdir().unwrap();
    let good = t.path().join("good");
    write_log(&good, &good, 5000, None);
    assert!(check(&good, &good, None, &[]).is_ok());

    let damaged = |name: &str, f: &dyn Fn(&Path)| -> String {
        let d = t.path().join(name);
        copy_dir(&good, &d);
        f(&d.join("log"));
        check(&d, &good, None, &[]).expect_err(name)
    };
    // An entry's content.
    let offsets = std::fs::read(good.join("log/entries.idx")).unwrap();
    let off = |i: usize| u64::from_le_bytes(offsets[i * 8..i * 8 + 8].try_into().unwrap());
    let e = damaged("entry", &|d| flip(d.join("entries.dat"), off(1234) + 5));
    assert!(
        e.starts_with("entry 1234 (tile/entries/004, position 210) hashes to "),
        "{e}"
    );
    // An entry's length prefix.
    let e = damaged("length", &|d| flip(d.join("entries.dat"), off(700)));
    assert!(
        e.contains("tile/entries/002") || e.contains("entry 700"),
        "{e}"
    );
    // A level-0 tile hash.
    let e = damaged("tile0", &|d| {
        flip(d.join("hashes.dat"), stored_hash_index(0, 4097) * 32 + 3)
    });
    assert!(
        e.starts_with("entry 4097 (tile/entries/016, position 1) hashes to ")
            && e.contains("but tile/0/016 holds"),
        "{e}"
    );
    // A level-1 tile hash (root of entries 512..767).
    let e = damaged("tile1", &|d| {
        flip(d.join("hashes.dat"), stored_hash_index(8, 2) * 32)
    });
    assert!(
        e.starts_with("tile/1/000.p/19 position 2: stored ") && e.contains("entries 512..767"),
        "{e}"
    );
    // The checkpoint itself.
    let e = damaged("checkpoint", &|d| {
        let note = std::fs::read_to_string(d.join("checkpoint"))
            .unwrap()
            .replace("\n5000\n", "\n4999\n");
        std::fs::write(d.join("checkpoint"), note).unwrap();
    });
    assert!(
        e.starts_with("checkpoint: the signature by hangar.test/audit does not verify"),
        "{e}"
    );
    // Truncated files.
    let e = damaged("truncated", &|d| {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(d.join("entries.idx"))
            .unwrap();
        f.set_len(4000 * 8).unwrap();
    });
    assert!(
        e.contains("tile/entries/015") && e.contains("missing"),
        "{e}"
    );
}

#[test]
fn rollback_rewrite_and_fork_are_caught_with_a_saved_checkpoint() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    let saved_2000 = write_log(&a, &a, 2000, None);
    // Rollback: the hub presents a shorter log than an auditor already saw.
    let short = t.path().join("short");
    write_log(&short, &a, 1500, None);
    let e = check(&short, &a, Some(&saved_2000), &[]).unwrap_err();
    assert!(
        e.starts_with(
            "the log shrank: a saved checkpoint covers 2000 entries, the log's checkpoint only 1500"
        ),
        "{e}"
    );
    // Fork: another log of the same size under the same key, differing in one entry.
    let fork = t.path().join("fork");
    write_log(&fork, &a, 2000, Some(10));
    let e = check(&fork, &a, Some(&saved_2000), &[]).unwrap_err();
    assert!(
        e.starts_with("fork: two checkpoints of size 2000 with different roots"),
        "{e}"
    );
    // Rewrite: entry 10 changed, then the log grew, so sizes differ.
    let rewritten = t.path().join("rewritten");
    write_log(&rewritten, &a, 2600, Some(10));
    let e = check(&rewritten, &a, Some(&saved_2000), &[]).unwrap_err();
    assert!(
        e.starts_with("the log was rewritten: its first 2000 entries now hash to "),
        "{e}"
    );
    // And the honest continuation passes.
    let grown = t.path().join("grown");
    write_log(&grown, &a, 2600, None);
    assert_eq!(
        check(&grown, &a, Some(&saved_2000), &[5])
            .unwrap()
            .consistent_with
            .map(|c| c.0),
        Some(2000)
    );
}

#[test]
fn flipping_any_byte_of_entries_or_tiles_fails_verification() {
    let t = tempfile::tempdir().unwrap();
    let good = t.path().join("good");
    write_log(&good, &good, 700, None);
    let d = t.path().join("d");
    copy_dir(&good, &d);
    // Every byte of the entries, and every byte of every stored hash that a tile serves.
    let data_len = std::fs::metadata(good.join("log/entries.dat"))
        .unwrap()
        .len();
    let tile_bytes: Vec<u64> = (0..700)
        .flat_map(|i| (0..32).map(move |b| stored_hash_index(0, i) * 32 + b))
        .chain((0..2).flat_map(|i| (0..32).map(move |b| stored_hash_index(8, i) * 32 + b)))
        .collect();
    let mut tried = 0;
    for (file, positions) in [
        ("entries.dat", (0..data_len).step_by(97).collect::<Vec<_>>()),
        ("hashes.dat", tile_bytes.into_iter().step_by(97).collect()),
    ] {
        for pos in positions {
            flip(d.join("log").join(file), pos);
            assert!(
                check(&d, &good, None, &[]).is_err(),
                "{file} byte {pos} flipped went unnoticed"
            );
            flip(d.join("log").join(file), pos);
            tried += 1;
        }
    }
    assert!(check(&d, &good, None, &[]).is_ok());
    assert!(tried > 400);
}
