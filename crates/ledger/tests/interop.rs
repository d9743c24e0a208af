//! Our checkpoints, stored hashes, tiles and proofs, checked by Cloudflare's independent Rust
//! implementation (signed_note and tlog_tiles 0.2.0).

use hangar_ledger::*;
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};
use tlog_tiles::{HashReader as _, TileReader, check_record, check_tree, record_hash};

fn build(n: u64) -> (tempfile::TempDir, Ledger, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let signer = keys::generate(dir.path(), "hangar.test/interop").unwrap();
    let log = Ledger::open(
        &dir.path().join("log"),
        signer,
        Options::new("hangar.test/interop"),
    )
    .unwrap();
    let entries: Vec<Vec<u8>> = (0..n)
        .map(|i| format!("entry {i} {}", "x".repeat((i % 50) as usize)).into_bytes())
        .collect();
    for chunk in entries.chunks(4_000) {
        log.append(chunk.to_vec()).unwrap();
    }
    (dir, log, entries)
}

struct Mem(Vec<tlog_tiles::Hash>);
impl tlog_tiles::HashReader for Mem {
    fn read_hashes(&self, ix: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        Ok(ix.iter().map(|&i| self.0[i as usize]).collect())
    }
}

#[test]
fn checkpoints_verify_with_signed_note_and_their_notes_verify_with_ours() {
    let (dir, log, _) = build(3_000);
    let note = log.checkpoint_now().unwrap();
    let key = log.verifier().to_string_key();
    let v = StandardVerifier::new(&key).expect("our verifier key parses");
    let parsed = Note::from_bytes(note.as_bytes()).expect("our note parses");
    let (verified, _) = parsed
        .verify(&VerifierList::new(vec![Box::new(v)]))
        .expect("our signature verifies");
    assert_eq!(verified.len(), 1);
    let cp = tlog_tiles::Checkpoint::from_bytes(parsed.text()).expect("our checkpoint parses");
    assert_eq!(cp.origin(), "hangar.test/interop");
    assert_eq!(cp.size(), 3_000);
    assert_eq!(cp.hash().0, log.root(3_000).unwrap());

    // The other way: a note signed by their code with our key verifies with ours.
    let skey = std::fs::read_to_string(keys::signer_path(dir.path())).unwrap();
    let signer = StandardSigner::new(skey.trim()).expect("our signer key parses");
    let mut theirs = Note::new(
        b"hangar.test/interop\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        &[],
    )
    .unwrap();
    theirs.add_sigs(&[&signer]).unwrap();
    let bytes = theirs.to_bytes();
    assert!(
        log.verifier()
            .open(std::str::from_utf8(&bytes).unwrap())
            .is_ok()
    );
}

#[test]
fn stored_hashes_roots_and_proofs_match_tlog_tiles() {
    let n = 2_345u64;
    let (_dir, log, entries) = build(n);
    // Their stored hashes, computed from the entries, equal ours at every tile position.
    let mut mem = Mem(Vec::new());
    for (i, e) in entries.iter().enumerate() {
        let hs = tlog_tiles::stored_hashes(i as u64, e, &mem).unwrap();
        mem.0.extend(hs);
    }
    for size in [1u64, 2, 3, 255, 256, 257, 1000, n] {
        assert_eq!(
            tlog_tiles::tree_hash(size, &mem).unwrap().0,
            log.root(size).unwrap(),
            "root at {size}"
        );
    }
    let root = tlog_tiles::Hash(log.root(n).unwrap());
    for i in [0u64, 7, 255, 256, 1024, n - 1] {
        let ours: Vec<tlog_tiles::Hash> = log
            .inclusion_proof(i, n)
            .unwrap()
            .into_iter()
            .map(tlog_tiles::Hash)
            .collect();
        check_record(&ours, n, root, i, record_hash(&entries[i as usize]))
            .expect("our inclusion proof checks");
    }
    for old in [1u64, 2, 100, 256, 1024, 2000, n] {
        let ours: Vec<tlog_tiles::Hash> = log
            .consistency_proof(old, n)
            .unwrap()
            .into_iter()
            .map(tlog_tiles::Hash)
            .collect();
        let old_root = tlog_tiles::Hash(log.root(old).unwrap());
        check_tree(&ours, n, root, old, old_root).expect("our consistency proof checks");
    }
    // Our level-0 tiles hold exactly their level-0 stored hashes.
    let tile = log.tile(0, 3, 256).unwrap();
    for k in 0..256u64 {
        let theirs = mem
            .read_hashes(&[tlog_tiles::stored_hash_index(0, 3 * 256 + k)])
            .unwrap()[0]
            .0;
        assert_eq!(&tile[k as usize * 32..][..32], &theirs[..]);
    }
}

/// Serves our tiles to their tile reader, which authenticates them against the root.
struct OurTiles<'a>(&'a Ledger);
impl TileReader for OurTiles<'_> {
    fn height(&self) -> u8 {
        8
    }
    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        Ok(tiles
            .iter()
            .map(|t| {
                self.0
                    .tile(t.level(), t.level_index(), t.width() as u16)
                    .expect("tile")
            })
            .collect())
    }
    fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
}

#[test]
fn tlog_tiles_reads_proofs_from_our_tiles() {
    let n = 70_000u64; // enough for a level-1 tile
    let (_dir, log, entries) = build(n);
    let root = tlog_tiles::Hash(log.root(n).unwrap());
    let tiles = OurTiles(&log);
    let reader = tlog_tiles::TileHashReader::new(n, root, &tiles);
    for i in [0u64, 65_535, 65_536, n - 1] {
        let proof =
            tlog_tiles::prove_record(n, i, &reader).expect("their reader accepts our tiles");
        check_record(&proof, n, root, i, record_hash(&entries[i as usize])).unwrap();
    }
    let old = 65_600;
    let proof = tlog_tiles::prove_tree(n, old, &reader).unwrap();
    check_tree(
        &proof,
        n,
        root,
        old,
        tlog_tiles::Hash(log.root(old).unwrap()),
    )
    .unwrap();
}
