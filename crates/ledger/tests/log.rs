use hangar_ledger::merkle::{leaf_hash, verify_consistency, verify_inclusion};
use hangar_ledger::*;
use std::fs::OpenOptions;
use std::io::Write;

fn entries(range: std::ops::Range<u64>) -> Vec<Vec<u8>> {
    range
        .map(|i| format!("{{\"v\":1,\"seq\":{}}}", i + 1).into_bytes())
        .collect()
}

fn open(dir: &std::path::Path) -> Ledger {
    let signer = keys::load_or_generate(dir, "hangar.test/log").unwrap();
    let mut o = Options::new("hangar.test/log");
    o.checkpoint_every_entries = 1_000;
    Ledger::open(&dir.join("log"), signer, o).unwrap()
}

#[test]
fn appends_are_durable_proofs_verify_and_the_log_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    assert_eq!(log.append(entries(0..700)).unwrap(), 0..700);
    assert_eq!(log.append(entries(700..1300)).unwrap(), 700..1300);
    let note = log.checkpoint_now().unwrap();
    let text = log.verifier().open(&note).unwrap();
    let cp = Checkpoint::parse(text).unwrap();
    assert_eq!(cp.size, 1300);
    assert_eq!(cp.root, log.root(1300).unwrap());
    for i in [0u64, 1, 255, 256, 1299] {
        let proof = log.inclusion_proof(i, 1300).unwrap();
        assert!(verify_inclusion(
            &leaf_hash(&log.entry(i).unwrap()),
            i,
            1300,
            &proof,
            &cp.root
        ));
    }
    let old = log.root(700).unwrap();
    assert!(verify_consistency(
        700,
        1300,
        &old,
        &cp.root,
        &log.consistency_proof(700, 1300).unwrap()
    ));
    // Tiles and bundles as tlog-tiles serves them.
    assert_eq!(log.tile(0, 0, 256).unwrap().len(), 256 * 32);
    assert_eq!(log.tile(0, 5, 20).unwrap().len(), 20 * 32);
    assert!(log.tile(0, 5, 21).is_err(), "beyond the log");
    // Level 1 holds one hash per 256 entries: 1,300 entries make a partial tile of width 5.
    assert_eq!(log.tile(1, 0, 5).unwrap().len(), 5 * 32);
    assert!(log.tile(1, 0, 6).is_err());
    let bundle = log.entry_bundle(1, 256).unwrap();
    assert_eq!(
        &bundle[2..2 + log.entry(256).unwrap().len()],
        &log.entry(256).unwrap()[..]
    );
    assert_eq!(
        u16::from_be_bytes([bundle[0], bundle[1]]) as usize,
        log.entry(256).unwrap().len()
    );
    drop(log);
    let log = open(dir.path());
    assert_eq!(log.size(), 1300);
    assert_eq!(log.latest_checkpoint().unwrap().0, cp);
    assert_eq!(log.append(entries(1300..1301)).unwrap(), 1300..1301);
    assert!(log.append(vec![vec![0u8; MAX_ENTRY_BYTES + 1]]).is_err());
}

#[test]
fn torn_tail_is_cut_back_to_the_last_whole_entry() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    log.append(entries(0..500)).unwrap();
    log.checkpoint_now().unwrap();
    log.append(entries(500..600)).unwrap();
    drop(log);
    // A crash mid-write: half an index record, a length prefix with no data, stray hash bytes.
    let logdir = dir.path().join("log");
    for (name, junk) in [
        ("entries.idx", &[1u8, 2, 3][..]),
        ("entries.dat", &[0u8, 200, 7][..]),
        ("hashes.dat", &[9u8; 40][..]),
    ] {
        OpenOptions::new()
            .append(true)
            .open(logdir.join(name))
            .unwrap()
            .write_all(junk)
            .unwrap();
    }
    let log = open(dir.path());
    assert_eq!(log.size(), 600);
    assert_eq!(log.append(entries(600..601)).unwrap(), 600..601);
    drop(log);
    // Losing the index and hashes (derived data, synced only at checkpoints) loses nothing:
    // they are rebuilt from the entries.
    for name in ["entries.idx", "hashes.dat"] {
        std::fs::OpenOptions::new()
            .write(true)
            .open(logdir.join(name))
            .unwrap()
            .set_len(0)
            .unwrap();
    }
    let log = open(dir.path());
    assert_eq!(log.size(), 601);
    assert_eq!(
        log.latest_checkpoint().unwrap().0.root,
        log.root(500).unwrap()
    );
}

#[test]
fn a_log_cut_below_its_checkpoint_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    log.append(entries(0..300)).unwrap();
    log.checkpoint_now().unwrap();
    drop(log);
    // Acknowledged entry bytes gone from entries.dat (a disk that lied, or tampering).
    let data = dir.path().join("log/entries.dat");
    let len = std::fs::metadata(&data).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&data)
        .unwrap()
        .set_len(len - 5)
        .unwrap();
    let signer = keys::load(dir.path()).unwrap();
    let err = Ledger::open(
        &dir.path().join("log"),
        signer,
        Options::new("hangar.test/log"),
    )
    .err()
    .expect("refused");
    assert!(
        err.to_string().contains(
            "the commit record says 300 entries are durable but entries.dat holds only 299"
        ),
        "{err}"
    );
}

#[test]
fn checkpoints_come_by_count_and_never_cover_more_than_is_durable() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::sync::Arc::new(open(dir.path()));
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for k in 0..20 {
                    let from = (t * 20 + k) * 100;
                    log.append(entries(from..from + 100)).unwrap();
                    if let Some((cp, _)) = log.latest_checkpoint() {
                        assert!(cp.size <= log.size());
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(log.size(), 4_000);
    let (cp, _) = log.latest_checkpoint().expect("issued every 1,000 entries");
    assert!(cp.size >= 3_000);
    let history = std::fs::read_to_string(dir.path().join("log/checkpoints.jsonl")).unwrap();
    assert!(history.lines().count() >= 3);
}

#[test]
fn a_long_unsynced_tail_is_rebuilt_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let signer = keys::load_or_generate(dir.path(), "hangar.test/log").unwrap();
    let mut o = Options::new("hangar.test/log");
    o.checkpoint_every_entries = u64::MAX;
    o.checkpoint_every_ms = 3_600_000;
    let big: Vec<Vec<u8>> = (0..60_000u64)
        .map(|i| format!("{i:0>200}").into_bytes())
        .collect();
    let root = {
        let log = Ledger::open(&dir.path().join("log"), signer, o.clone()).unwrap();
        for c in big.chunks(10_000) {
            log.append(c.to_vec()).unwrap();
        }
        log.root(60_000).unwrap()
    };
    // More than one 8 MiB chunk of entries whose index and hashes were never synced.
    assert!(
        std::fs::metadata(dir.path().join("log/entries.dat"))
            .unwrap()
            .len()
            > 8 << 20
    );
    for name in ["entries.idx", "hashes.dat"] {
        std::fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join("log").join(name))
            .unwrap()
            .set_len(0)
            .unwrap();
    }
    let log = Ledger::open(&dir.path().join("log"), keys::load(dir.path()).unwrap(), o).unwrap();
    assert_eq!(log.size(), 60_000);
    assert_eq!(log.root(60_000).unwrap(), root);
    assert_eq!(log.entry(59_999).unwrap(), big[59_999]);
}

#[test]
fn one_writer_per_log_even_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    log.append(entries(0..10)).unwrap();
    let signer = keys::load_or_generate(dir.path(), "hangar.test/log").unwrap();
    let second = Ledger::open(
        &dir.path().join("log"),
        signer,
        Options::new("hangar.test/log"),
    );
    assert!(
        matches!(second, Err(LedgerError::Busy(_))),
        "a second writer is refused while the first has the log open"
    );
    drop(log);
    let again = open(dir.path());
    assert_eq!(again.size(), 10, "and welcome once the first has closed it");
}
