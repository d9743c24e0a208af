//! An auditor's verifier for a Hangar log, independent of the code that writes it.
//!
//! Given the log (a data directory, or the URL of its tlog-tiles endpoint), the log's public key
//! and optionally a checkpoint the auditor saved earlier, `verify`:
//! 1. checks the latest checkpoint's Ed25519 signature (C2SP signed note);
//! 2. reads every entry bundle and every hash tile, re-hashes every entry (RFC 9162), checks each
//!    stored hash against the recomputation and recomputes the root;
//! 3. checks the saved checkpoint is consistent with the current one (the first `m` entries still
//!    hash to the saved root): this catches rewriting, truncation and forks;
//! 4. proves the inclusion of any entries asked for, with RFC 9162 proofs built from the tiles.
//!
//! Every failure names the checkpoint, tile or entry and what did not match. The crate depends
//! only on SHA-256, Ed25519 and base64 implementations.

mod merkle;
mod note;
pub mod source;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
pub use merkle::Hash;
use merkle::{leaf_hash, node_hash};
pub use note::{Checkpoint, Key};
use source::{Source, tile_path};
use std::fmt;
use std::io::Read;

/// Why verification failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

fn fail<T>(msg: impl Into<String>) -> Result<T, Failure> {
    Err(Failure(msg.into()))
}

/// What to verify.
pub struct Request<'a> {
    /// Where the log is.
    pub source: &'a dyn Source,
    /// The log's public key (`name+keyid+base64`).
    pub key: &'a Key,
    /// A signed checkpoint saved earlier, to prove the log only grew since.
    pub saved: Option<&'a str>,
    /// Entries whose inclusion to prove.
    pub entries: &'a [u64],
    /// Called with (entries checked, total) as the work goes on.
    pub progress: &'a dyn Fn(u64, u64),
}

/// What was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The verified checkpoint.
    pub checkpoint: Checkpoint,
    /// The checkpoint note as fetched.
    pub note: String,
    /// Entries re-hashed.
    pub entries_checked: u64,
    /// Hash tiles compared.
    pub tiles_checked: u64,
    /// Size of the saved checkpoint the log was shown consistent with, and the proof's length.
    pub consistent_with: Option<(u64, usize)>,
    /// Entries whose inclusion was proved: (index, proof length, entry bytes).
    pub included: Vec<(u64, usize, Vec<u8>)>,
}

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits an entry bundle into entries; `expected` entries, each a 2-byte big-endian length
/// and its bytes, nothing after.
fn split_bundle<'d>(path: &str, data: &'d [u8], expected: usize) -> Result<Vec<&'d [u8]>, Failure> {
    let mut out = Vec::with_capacity(expected);
    let mut at = 0usize;
    while at < data.len() {
        if at + 2 > data.len() {
            return fail(format!(
                "{path}: entry {} has a truncated length prefix at byte {at}",
                out.len()
            ));
        }
        let len = u16::from_be_bytes([data[at], data[at + 1]]) as usize;
        if at + 2 + len > data.len() {
            return fail(format!(
                "{path}: entry {} claims {len} bytes but the bundle ends at byte {}",
                out.len(),
                data.len()
            ));
        }
        out.push(&data[at + 2..at + 2 + len]);
        at += 2 + len;
    }
    if out.len() != expected {
        return fail(format!(
            "{path}: expected {expected} entries, found {}",
            out.len()
        ));
    }
    Ok(out)
}

/// Hashes at one tile level, fetched one tile at a time as the scan reaches them.
struct LevelTiles {
    level: u32,
    index: Option<u64>,
    hashes: Vec<Hash>,
}

fn fetch_tile(src: &dyn Source, level: u32, index: u64, width: u64) -> Result<Vec<Hash>, Failure> {
    let path = tile_path(Some(level), index, width);
    let data = src
        .get(&path)
        .map_err(Failure)?
        .ok_or_else(|| Failure(format!("{path}: missing")))?;
    if data.len() as u64 != width * 32 {
        return fail(format!(
            "{path}: expected {} bytes ({width} hashes), got {}",
            width * 32,
            data.len()
        ));
    }
    Ok(data
        .chunks_exact(32)
        .map(|c| c.try_into().expect("32 bytes"))
        .collect())
}

/// Width of tile `index` at tile `level` for a tree of `size` entries.
fn tile_width(size: u64, level: u32, index: u64) -> u64 {
    let hashes = size >> (8 * level);
    (hashes - index * 256).min(256)
}

/// Runs the whole verification.
pub fn verify(req: &Request) -> Result<Report, Failure> {
    let src = req.source;
    let note = src
        .get("checkpoint")
        .map_err(Failure)?
        .ok_or_else(|| Failure("checkpoint: missing".into()))?;
    let note = String::from_utf8(note).map_err(|_| Failure("checkpoint: not UTF-8 text".into()))?;
    let cp = req
        .key
        .open_checkpoint(&note)
        .map_err(|e| Failure(format!("checkpoint: {e}")))?;
    let saved = match req.saved {
        Some(s) => Some(
            req.key
                .open_checkpoint(s)
                .map_err(|e| Failure(format!("saved checkpoint: {e}")))?,
        ),
        None => None,
    };
    if let Some(s) = &saved {
        if s.origin != cp.origin {
            return fail(format!(
                "saved checkpoint is for log {:?}, this log is {:?}",
                s.origin, cp.origin
            ));
        }
        if s.size > cp.size {
            return fail(format!(
                "the log shrank: a saved checkpoint covers {} entries, the log's checkpoint only {} (truncation or rollback)",
                s.size, cp.size
            ));
        }
        if s.size == cp.size && s.root != cp.root {
            return fail(format!(
                "fork: two checkpoints of size {} with different roots: saved {}, log {}",
                cp.size,
                B64.encode(s.root),
                B64.encode(cp.root)
            ));
        }
    }

    // Scan every entry, keeping the right edge of the tree and checking stored hashes.
    let n = cp.size;
    let mut stack: Vec<(u32, Hash)> = Vec::new();
    let mut levels: Vec<LevelTiles> = Vec::new();
    let mut tiles_checked = 0u64;
    let mut count = 0u64;
    let mut root_at_saved: Option<Hash> = None;
    let mut stored_hashes = src.stored_hashes().map_err(Failure)?;
    let mut stored_seen = 0u64;
    let mut check_stored = |level: u32, index: u64, h: &Hash| -> Result<(), Failure> {
        let Some(r) = stored_hashes.as_mut() else {
            return Ok(());
        };
        let mut buf = [0u8; 32];
        r.read_exact(&mut buf).map_err(|_| {
            Failure(format!(
                "hashes.dat: ends before stored hash {stored_seen} (level {level}, index {index})"
            ))
        })?;
        if &buf != h {
            return fail(format!(
                "hashes.dat: stored hash {stored_seen} (level {level}, index {index}) is {} but the entries give {}",
                hex(&buf),
                hex(h)
            ));
        }
        stored_seen += 1;
        Ok(())
    };
    let bundles = n.div_ceil(256);
    for b in 0..bundles {
        let width = tile_width(n, 0, b);
        let path = tile_path(None, b, width);
        let data = src
            .get(&path)
            .map_err(Failure)?
            .ok_or_else(|| Failure(format!("{path}: missing")))?;
        let entries = split_bundle(&path, &data, width as usize)?;
        let tile = fetch_tile(src, 0, b, width)?;
        tiles_checked += 1;
        for (j, e) in entries.iter().enumerate() {
            let index = b * 256 + j as u64;
            let h = leaf_hash(e);
            if h != tile[j] {
                return fail(format!(
                    "entry {index} ({path}, position {j}) hashes to {} but {} holds {}",
                    hex(&h),
                    tile_path(Some(0), b, width),
                    hex(&tile[j])
                ));
            }
            // Push the leaf; check each completed subtree that a higher tile level stores.
            check_stored(0, index, &h)?;
            let mut h = h;
            let mut level = 0u32;
            while let Some(&(l, left)) = stack.last() {
                if l != level {
                    break;
                }
                stack.pop();
                h = node_hash(&left, &h);
                level += 1;
                if level.is_multiple_of(8) {
                    let tl = level / 8;
                    let i = ((index + 1) >> level) - 1;
                    if levels.len() < tl as usize {
                        levels.push(LevelTiles {
                            level: tl,
                            index: None,
                            hashes: Vec::new(),
                        });
                    }
                    let lt = &mut levels[tl as usize - 1];
                    if lt.index != Some(i / 256) {
                        lt.hashes =
                            fetch_tile(src, lt.level, i / 256, tile_width(n, lt.level, i / 256))?;
                        lt.index = Some(i / 256);
                        tiles_checked += 1;
                    }
                    let stored = lt.hashes[(i % 256) as usize];
                    if stored != h {
                        return fail(format!(
                            "{} position {}: stored {} but entries {}..{} hash to {}",
                            tile_path(Some(tl), i / 256, tile_width(n, tl, i / 256)),
                            i % 256,
                            hex(&stored),
                            i << level,
                            ((i + 1) << level) - 1,
                            hex(&h)
                        ));
                    }
                }
                check_stored(level, ((index + 1) >> level) - 1, &h)?;
            }
            stack.push((level, h));
            count += 1;
            if let Some(s) = &saved
                && count == s.size
            {
                root_at_saved = Some(fold(&stack));
            }
        }
        (req.progress)(count, n);
    }
    let root = if n == 0 {
        merkle::empty_root()
    } else {
        fold(&stack)
    };
    if root != cp.root {
        return fail(format!(
            "the {n} entries hash to root {} but the signed checkpoint says {}",
            B64.encode(root),
            B64.encode(cp.root)
        ));
    }

    let hashes = TileHashes { src, size: n };
    let mut consistent_with = None;
    if let Some(s) = &saved {
        let at = if s.size == 0 {
            merkle::empty_root()
        } else {
            root_at_saved.expect("scanned past the saved size")
        };
        if at != s.root {
            return fail(format!(
                "the log was rewritten: its first {} entries now hash to {}, the saved checkpoint says {}",
                s.size,
                B64.encode(at),
                B64.encode(s.root)
            ));
        }
        let proof = merkle::consistency_proof(&hashes, s.size, n)?;
        if !merkle::verify_consistency(s.size, n, &s.root, &cp.root, &proof) {
            return fail(format!(
                "consistency proof from {} to {n} does not verify",
                s.size
            ));
        }
        consistent_with = Some((s.size, proof.len()));
    }
    let mut included = Vec::new();
    for &i in req.entries {
        if i >= n {
            return fail(format!("entry {i} is not in the log (it has {n} entries)"));
        }
        let bundle = tile_path(None, i / 256, tile_width(n, 0, i / 256));
        let data = src
            .get(&bundle)
            .map_err(Failure)?
            .ok_or_else(|| Failure(format!("{bundle}: missing")))?;
        let entry = split_bundle(&bundle, &data, tile_width(n, 0, i / 256) as usize)?
            [(i % 256) as usize]
            .to_vec();
        let proof = merkle::inclusion_proof(&hashes, i, n)?;
        if !merkle::verify_inclusion(&leaf_hash(&entry), i, n, &proof, &cp.root) {
            return fail(format!("inclusion proof of entry {i} does not verify"));
        }
        included.push((i, proof.len(), entry));
    }
    Ok(Report {
        checkpoint: cp,
        note,
        entries_checked: count,
        tiles_checked,
        consistent_with,
        included,
    })
}

fn fold(stack: &[(u32, Hash)]) -> Hash {
    let mut it = stack.iter().rev();
    let Some(&(_, mut h)) = it.next() else {
        return merkle::empty_root();
    };
    for (_, left) in it {
        h = node_hash(left, &h);
    }
    h
}

/// Complete-subtree hashes read from the (already verified) tiles.
struct TileHashes<'a> {
    src: &'a dyn Source,
    size: u64,
}

impl merkle::Subtrees for TileHashes<'_> {
    fn complete(&self, level: u32, index: u64) -> Result<Hash, Failure> {
        let tl = level / 8;
        let r = level % 8;
        let first = index << r;
        let tile_index = first / 256;
        let tile = fetch_tile(
            self.src,
            tl,
            tile_index,
            tile_width(self.size, tl, tile_index),
        )?;
        let mut hs: Vec<Hash> = tile[(first % 256) as usize..][..1 << r].to_vec();
        while hs.len() > 1 {
            hs = hs
                .chunks_exact(2)
                .map(|p| node_hash(&p[0], &p[1]))
                .collect();
        }
        Ok(hs[0])
    }
}

/// A human-readable account of a successful verification.
pub fn summary(r: &Report) -> String {
    let mut s = format!(
        "OK: log {} verified at size {} (root {})\n  {} entries re-hashed, {} hash tiles checked against them, signature by {} valid",
        r.checkpoint.origin,
        r.checkpoint.size,
        B64.encode(r.checkpoint.root),
        r.entries_checked,
        r.tiles_checked,
        r.checkpoint.origin
    );
    if let Some((m, len)) = r.consistent_with {
        s.push_str(&format!("\n  consistent with the saved checkpoint of size {m} (proof of {len} hashes): nothing was rewritten"));
    }
    for (i, len, entry) in &r.included {
        s.push_str(&format!(
            "\n  entry {i} is included (proof of {len} hashes): {}",
            String::from_utf8_lossy(entry)
        ));
    }
    s
}
