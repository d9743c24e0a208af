//! The log on disk and its single writer.
//!
//! Files in the log directory:
//! - `entries.dat`: every entry as a 2-byte big-endian length and its bytes (the tlog-tiles entry
//!   bundle encoding, so a bundle is one contiguous slice);
//! - `entries.idx`: the byte offset of each entry in `entries.dat`, 8 bytes little-endian;
//! - `hashes.dat`: every stored hash (see `merkle`), 32 bytes each;
//! - `checkpoint`: the latest signed checkpoint; `checkpoints.jsonl`: every checkpoint issued.
//!
//! One writer thread appends queued requests in groups: it writes the three data files, syncs
//! them (fdatasync), and only then advances the durable size and answers. A checkpoint is signed
//! only over the durable size. On open, the files are cut back to the longest prefix that is
//! whole in all three and whose last leaves re-hash to their stored hashes.

use crate::merkle::{
    self, Frontier, Hash, HashReader, leaf_hash, stored_hash_count, stored_hash_index,
};
use crate::note::{Checkpoint, NoteSigner, NoteVerifier};
use crate::tile::{TILE_HEIGHT, TILE_WIDTH};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Largest entry: the bundle encoding has a 16-bit length.
pub const MAX_ENTRY_BYTES: usize = 65_535;
/// Most entries one `append` call may carry.
pub const MAX_APPEND_ENTRIES: usize = 1 << 20;
/// Leaves re-hashed against their stored hashes when the log is opened.
const RECHECK_TAIL: u64 = 4096;

/// Ledger failures.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// File system trouble.
    #[error("log {path}: {err}")]
    Io {
        /// File concerned.
        path: String,
        /// What went wrong.
        err: std::io::Error,
    },
    /// The files disagree with a checkpoint the log issued: they were damaged or replaced.
    #[error("log is damaged: {0}")]
    Damaged(String),
    /// A request the log refuses.
    #[error("log: {0}")]
    Refused(String),
    /// The writer has stopped.
    #[error("the log's writer has stopped")]
    Closed,
    /// Another process has the log open for writing.
    #[error(
        "the log in {0} is open in another process (a running `hangar serve`, `hangar demo` or `hangar sorter serve`, which carries new events into it)"
    )]
    Busy(String),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> LedgerError + '_ {
    move |err| LedgerError::Io {
        path: path.display().to_string(),
        err,
    }
}

/// When checkpoints are issued (besides on demand).
#[derive(Clone, Debug)]
pub struct Options {
    /// The log's origin line (its unique name); also the signing key's name.
    pub origin: String,
    /// Issue a checkpoint once this many entries are durable since the last one.
    pub checkpoint_every_entries: u64,
    /// Or once this much time has passed with new durable entries.
    pub checkpoint_every_ms: u64,
    /// Append requests that may wait for the writer (backpressure beyond that).
    pub queue_depth: usize,
    /// Most entries committed in one group.
    pub max_group_entries: usize,
    /// Sync files before answering (always on, except in throwaway tests).
    pub durable: bool,
}

impl Options {
    /// Defaults for a log named `origin`.
    pub fn new(origin: &str) -> Options {
        Options {
            origin: origin.to_string(),
            checkpoint_every_entries: 100_000,
            checkpoint_every_ms: 1_000,
            queue_depth: 64,
            max_group_entries: 1 << 18,
            durable: true,
        }
    }
}

/// The files, opened for reading at any offset.
struct Files {
    dir: PathBuf,
    entries: File,
    idx: File,
    hashes: File,
    commit: File,
}

impl Files {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read_at(
        &self,
        f: &File,
        name: &str,
        buf: &mut [u8],
        offset: u64,
    ) -> Result<(), LedgerError> {
        f.read_exact_at(buf, offset).map_err(|err| LedgerError::Io {
            path: self.path(name).display().to_string(),
            err,
        })
    }

    fn offset(&self, i: u64) -> Result<u64, LedgerError> {
        let mut b = [0u8; 8];
        self.read_at(&self.idx, "entries.idx", &mut b, i * 8)?;
        Ok(u64::from_le_bytes(b))
    }

    fn hash(&self, position: u64) -> Result<Hash, LedgerError> {
        let mut h = [0u8; 32];
        self.read_at(&self.hashes, "hashes.dat", &mut h, position * 32)?;
        Ok(h)
    }

    /// Entry `i`'s bytes (its record must be whole on disk).
    fn entry(&self, i: u64) -> Result<Vec<u8>, LedgerError> {
        let off = self.offset(i)?;
        let mut len = [0u8; 2];
        self.read_at(&self.entries, "entries.dat", &mut len, off)?;
        let mut data = vec![0u8; u16::from_be_bytes(len) as usize];
        self.read_at(&self.entries, "entries.dat", &mut data, off + 2)?;
        Ok(data)
    }
}

/// Reads stored hashes below a bound.
struct Bounded<'a> {
    files: &'a Files,
    limit: u64,
}

impl HashReader for Bounded<'_> {
    fn read_hashes(&self, positions: &[u64]) -> Result<Vec<Hash>, String> {
        positions
            .iter()
            .map(|&p| {
                if p >= self.limit {
                    return Err(format!("stored hash {p} is beyond the durable log"));
                }
                self.files.hash(p).map_err(|e| e.to_string())
            })
            .collect()
    }
}

struct Shared {
    /// Held locked while the log is open: one writer per log, across processes.
    _lock: File,
    files: Files,
    durable: AtomicU64,
    latest: RwLock<Option<(Checkpoint, String)>>,
    verifier: NoteVerifier,
}

type Reply<T> = SyncSender<Result<T, LedgerError>>;

enum Cmd {
    Append(Vec<(Vec<u8>, Hash)>, Reply<std::ops::Range<u64>>),
    Checkpoint(Reply<String>),
}

/// Hangar's verifiable log. Cheap to share between threads; appends are durable on return.
pub struct Ledger {
    shared: Arc<Shared>,
    tx: Mutex<Option<SyncSender<Cmd>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

fn open_rw(path: &Path) -> Result<File, LedgerError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io(path))
}

fn sync_dir(dir: &Path) -> Result<(), LedgerError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// The commit record: `(durable entries, entries whose index and hashes are synced)`, two
/// little-endian u64 in `commit`. `None` for a log that never committed.
fn read_marker(files: &Files) -> Result<Option<(u64, u64)>, LedgerError> {
    let mut b = [0u8; 16];
    match files.commit.read_exact_at(&mut b, 0) {
        Ok(()) => {
            let durable = u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
            let derived = u64::from_le_bytes(b[8..].try_into().expect("8 bytes"));
            if derived > durable {
                return Err(LedgerError::Damaged(format!(
                    "commit record says {derived} synced of {durable} durable entries"
                )));
            }
            Ok(Some((durable, derived)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(err) => Err(LedgerError::Io {
            path: files.path("commit").display().to_string(),
            err,
        }),
    }
}

fn write_marker(f: &File, durable: u64, derived: u64, sync: bool) -> std::io::Result<()> {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&durable.to_le_bytes());
    b[8..].copy_from_slice(&derived.to_le_bytes());
    f.write_all_at(&b, 0)?;
    if sync {
        f.sync_data()?;
    }
    Ok(())
}

/// Brings the files back to exactly the committed entries and returns how many there are.
///
/// Only `entries.dat` is synced on every commit; the index and the hashes are derived from it
/// and synced before each checkpoint. So: trust the index and hashes up to the synced count
/// (re-hashing their last leaves as a guard), rebuild them from `entries.dat` up to the durable
/// count, and cut whatever lies beyond (never acknowledged).
fn recover(files: &Files) -> Result<u64, LedgerError> {
    let len = |f: &File, name: &str| f.metadata().map(|m| m.len()).map_err(io(&files.path(name)));
    let (data_len, idx_len, hashes_len) = (
        len(&files.entries, "entries.dat")?,
        len(&files.idx, "entries.idx")?,
        len(&files.hashes, "hashes.dat")?,
    );
    let marker = read_marker(files)?;
    let end_of = |i: u64| -> Result<Option<u64>, LedgerError> {
        let off = files.offset(i)?;
        if off + 2 > data_len {
            return Ok(None);
        }
        let mut l = [0u8; 2];
        files.read_at(&files.entries, "entries.dat", &mut l, off)?;
        let end = off + 2 + u64::from(u16::from_be_bytes(l));
        Ok((end <= data_len).then_some(end))
    };
    // 1. The prefix whose index and hashes can be trusted.
    let mut n = (idx_len / 8).min(marker.map_or(u64::MAX, |m| m.1));
    while n > 0 && (stored_hash_count(n) * 32 > hashes_len || end_of(n - 1)?.is_none()) {
        n -= 1;
    }
    for i in n.saturating_sub(RECHECK_TAIL)..n {
        if end_of(i)?.is_none()
            || leaf_hash(&files.entry(i)?) != files.hash(stored_hash_index(0, i))?
        {
            n = i;
            break;
        }
    }
    // 2. Rebuild the index and hashes of the entries after it, up to the durable count.
    let target = marker.map_or(u64::MAX, |m| m.0);
    let mut off = if n == 0 {
        0
    } else {
        end_of(n - 1)?.expect("checked whole")
    };
    let reader = Bounded {
        files,
        limit: stored_hash_count(n),
    };
    let mut frontier = Frontier::load(&reader, n).map_err(LedgerError::Damaged)?;
    // Stream the records after the trusted prefix in chunks, so memory stays bounded however
    // long the unsynced tail is.
    const CHUNK: u64 = 8 << 20;
    let (mut idx, mut stored): (Vec<u8>, Vec<Hash>) = (Vec::new(), Vec::new());
    let (mut idx_at, mut hashes_at) = (n * 8, stored_hash_count(n) * 32);
    let mut buf: Vec<u8> = Vec::new();
    let mut read_off = off;
    let mut count = n;
    loop {
        let mut at = 0usize;
        while count < target && at + 2 <= buf.len() {
            let l = u16::from_be_bytes([buf[at], buf[at + 1]]) as usize;
            if at + 2 + l > buf.len() {
                break;
            }
            idx.extend_from_slice(&(off + at as u64).to_le_bytes());
            frontier.push(leaf_hash(&buf[at + 2..at + 2 + l]), &mut stored);
            at += 2 + l;
            count += 1;
        }
        files
            .idx
            .write_all_at(&idx, idx_at)
            .map_err(io(&files.path("entries.idx")))?;
        idx_at += idx.len() as u64;
        idx.clear();
        let hashes: Vec<u8> = stored.iter().flatten().copied().collect();
        files
            .hashes
            .write_all_at(&hashes, hashes_at)
            .map_err(io(&files.path("hashes.dat")))?;
        hashes_at += hashes.len() as u64;
        stored.clear();
        buf.drain(..at);
        off += at as u64;
        if count >= target || read_off >= data_len {
            break;
        }
        let mut chunk = vec![0u8; CHUNK.min(data_len - read_off) as usize];
        files.read_at(&files.entries, "entries.dat", &mut chunk, read_off)?;
        read_off += chunk.len() as u64;
        buf.extend_from_slice(&chunk);
    }
    if marker.is_some() && count < target {
        return Err(LedgerError::Damaged(format!(
            "the commit record says {target} entries are durable but entries.dat holds only {count} whole entries"
        )));
    }
    files
        .entries
        .set_len(off)
        .map_err(io(&files.path("entries.dat")))?;
    files
        .idx
        .set_len(count * 8)
        .map_err(io(&files.path("entries.idx")))?;
    files
        .hashes
        .set_len(stored_hash_count(count) * 32)
        .map_err(io(&files.path("hashes.dat")))?;
    for (f, name) in [
        (&files.entries, "entries.dat"),
        (&files.idx, "entries.idx"),
        (&files.hashes, "hashes.dat"),
    ] {
        f.sync_all().map_err(io(&files.path(name)))?;
    }
    write_marker(&files.commit, count, count, true).map_err(io(&files.path("commit")))?;
    Ok(count)
}

impl Ledger {
    /// Opens (creating if needed) the log in `dir`, signing checkpoints with `signer`.
    pub fn open(dir: &Path, signer: NoteSigner, options: Options) -> Result<Ledger, LedgerError> {
        if signer.name() != options.origin {
            return Err(LedgerError::Refused(format!(
                "the signing key is named {:?} but the log's origin is {:?}",
                signer.name(),
                options.origin
            )));
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let lock = open_rw(&dir.join("log.lock"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LedgerError::Busy(dir.display().to_string()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(&dir.join("log.lock"))(e)),
        }
        let files = Files {
            dir: dir.to_path_buf(),
            entries: open_rw(&dir.join("entries.dat"))?,
            idx: open_rw(&dir.join("entries.idx"))?,
            hashes: open_rw(&dir.join("hashes.dat"))?,
            commit: open_rw(&dir.join("commit"))?,
        };
        let size = recover(&files)?;
        let verifier = signer.verifier();
        let reader = Bounded {
            files: &files,
            limit: stored_hash_count(size),
        };
        let frontier = Frontier::load(&reader, size).map_err(LedgerError::Damaged)?;
        // The latest checkpoint must still be covered: the log never shrinks below it.
        let latest = match std::fs::read_to_string(dir.join("checkpoint")) {
            Ok(note) => {
                let text = verifier
                    .open(&note)
                    .map_err(|e| LedgerError::Damaged(format!("checkpoint: {e}")))?;
                let cp = Checkpoint::parse(text)
                    .map_err(|e| LedgerError::Damaged(format!("checkpoint: {e}")))?;
                if cp.size > size {
                    return Err(LedgerError::Damaged(format!(
                        "the last checkpoint covers {} entries but only {size} are on disk",
                        cp.size
                    )));
                }
                let root = merkle::tree_root(&reader, cp.size).map_err(LedgerError::Damaged)?;
                if root != cp.root {
                    return Err(LedgerError::Damaged(format!(
                        "the entries do not match the checkpoint of size {}",
                        cp.size
                    )));
                }
                Some((cp, note))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&dir.join("checkpoint"))(e)),
        };
        let last_cp = latest.as_ref().map_or(0, |(c, _)| c.size);
        let shared = Arc::new(Shared {
            _lock: lock,
            files,
            durable: AtomicU64::new(size),
            latest: RwLock::new(latest),
            verifier,
        });
        let data_end = shared
            .files
            .entries
            .metadata()
            .map_err(io(&dir.join("entries.dat")))?
            .len();
        let writer_files = (
            open_rw(&dir.join("entries.dat"))?,
            open_rw(&dir.join("entries.idx"))?,
            open_rw(&dir.join("hashes.dat"))?,
        );
        let (tx, rx) = mpsc::sync_channel(options.queue_depth.max(1));
        let (sync_tx, sync_rx) = mpsc::sync_channel(SYNC_QUEUE);
        let syncer = Syncer {
            shared: shared.clone(),
            signer,
            tick: Duration::from_millis(options.checkpoint_every_ms.max(1)),
            options: options.clone(),
            entries: open_rw(&dir.join("entries.dat"))?,
            idx: open_rw(&dir.join("entries.idx"))?,
            hashes: open_rw(&dir.join("hashes.dat"))?,
            commit: open_rw(&dir.join("commit"))?,
            derived_synced: size,
            durable_root: frontier.root(),
            last_cp,
            last_cp_at: Instant::now(),
            failed: None,
        };
        let w = Writer {
            dir: dir.to_path_buf(),
            options,
            entries: writer_files.0,
            idx: writer_files.1,
            hashes: writer_files.2,
            frontier,
            data_end,
            hashes_end: stored_hash_count(size),
            to_syncer: sync_tx,
        };
        let syncer_thread = std::thread::Builder::new()
            .name("hangar-ledger-sync".into())
            .spawn(move || syncer.run(sync_rx))
            .map_err(|e| LedgerError::Refused(format!("cannot start the log syncer: {e}")))?;
        let writer = std::thread::Builder::new()
            .name("hangar-ledger-writer".into())
            .spawn(move || {
                w.run(rx);
                let _ = syncer_thread.join();
            })
            .map_err(|e| LedgerError::Refused(format!("cannot start the log writer: {e}")))?;
        Ok(Ledger {
            shared,
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
        })
    }

    fn send<T>(&self, make: impl FnOnce(Reply<T>) -> Cmd) -> Result<T, LedgerError> {
        let (reply, rx) = mpsc::sync_channel(1);
        let tx = self
            .tx
            .lock()
            .expect("lock")
            .clone()
            .ok_or(LedgerError::Closed)?;
        tx.send(make(reply)).map_err(|_| LedgerError::Closed)?;
        rx.recv().map_err(|_| LedgerError::Closed)?
    }

    /// Appends entries; returns their indexes once they are durable. Leaf hashes are computed
    /// on the caller's thread, so several callers hash in parallel while the writer commits.
    pub fn append(&self, entries: Vec<Vec<u8>>) -> Result<std::ops::Range<u64>, LedgerError> {
        if entries.len() > MAX_APPEND_ENTRIES {
            return Err(LedgerError::Refused(format!(
                "at most {MAX_APPEND_ENTRIES} entries per append"
            )));
        }
        if let Some(e) = entries.iter().find(|e| e.len() > MAX_ENTRY_BYTES) {
            return Err(LedgerError::Refused(format!(
                "an entry of {} bytes; at most {MAX_ENTRY_BYTES}",
                e.len()
            )));
        }
        let hashed: Vec<(Vec<u8>, Hash)> = entries
            .into_iter()
            .map(|e| {
                let h = leaf_hash(&e);
                (e, h)
            })
            .collect();
        self.send(|r| Cmd::Append(hashed, r))
    }

    /// Signs and publishes a checkpoint over every durable entry now; returns the note.
    pub fn checkpoint_now(&self) -> Result<String, LedgerError> {
        self.send(Cmd::Checkpoint)
    }

    /// Durable entries.
    pub fn size(&self) -> u64 {
        self.shared.durable.load(Ordering::Acquire)
    }

    /// The latest signed checkpoint note, if any was issued.
    pub fn latest_checkpoint(&self) -> Option<(Checkpoint, String)> {
        self.shared.latest.read().expect("lock").clone()
    }

    /// The log's public key.
    pub fn verifier(&self) -> &NoteVerifier {
        &self.shared.verifier
    }

    fn reader(&self) -> Bounded<'_> {
        Bounded {
            files: &self.shared.files,
            limit: stored_hash_count(self.size()),
        }
    }

    /// Entry `i`.
    pub fn entry(&self, i: u64) -> Result<Vec<u8>, LedgerError> {
        if i >= self.size() {
            return Err(LedgerError::Refused(format!(
                "entry {i} is beyond the log's {} entries",
                self.size()
            )));
        }
        self.shared.files.entry(i)
    }

    /// Merkle root over the first `size` entries.
    pub fn root(&self, size: u64) -> Result<Hash, LedgerError> {
        if size > self.size() {
            return Err(LedgerError::Refused(format!(
                "size {size} is beyond the log's {} entries",
                self.size()
            )));
        }
        merkle::tree_root(&self.reader(), size).map_err(LedgerError::Damaged)
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LedgerError> {
        if size > self.size() {
            return Err(LedgerError::Refused(format!(
                "size {size} is beyond the log's {} entries",
                self.size()
            )));
        }
        merkle::inclusion_proof(&self.reader(), index, size).map_err(LedgerError::Refused)
    }

    /// Consistency proof between the trees of `old` and `new` entries.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, LedgerError> {
        if new > self.size() {
            return Err(LedgerError::Refused(format!(
                "size {new} is beyond the log's {} entries",
                self.size()
            )));
        }
        merkle::consistency_proof(&self.reader(), old, new).map_err(LedgerError::Refused)
    }

    /// Hash tile `index` at tile `level`, `width` hashes wide (tlog-tiles), if the durable log
    /// covers it.
    pub fn tile(&self, level: u8, index: u64, width: u16) -> Result<Vec<u8>, LedgerError> {
        let tree_level = u32::from(level) * TILE_HEIGHT;
        let first = index * TILE_WIDTH;
        let needed = (first + u64::from(width))
            .checked_shl(tree_level)
            .unwrap_or(u64::MAX);
        if width == 0 || u64::from(width) > TILE_WIDTH || needed > self.size() {
            return Err(LedgerError::Refused(format!(
                "tile {level}/{index} of width {width} is beyond the log"
            )));
        }
        let mut out = Vec::with_capacity(usize::from(width) * 32);
        for k in 0..u64::from(width) {
            out.extend_from_slice(
                &self
                    .shared
                    .files
                    .hash(stored_hash_index(tree_level, first + k))?,
            );
        }
        Ok(out)
    }

    /// Entry bundle `index`, `width` entries wide (tlog-tiles encoding).
    pub fn entry_bundle(&self, index: u64, width: u16) -> Result<Vec<u8>, LedgerError> {
        let first = index * TILE_WIDTH;
        let last = first + u64::from(width);
        if width == 0 || u64::from(width) > TILE_WIDTH || last > self.size() {
            return Err(LedgerError::Refused(format!(
                "entry bundle {index} of width {width} is beyond the log"
            )));
        }
        let f = &self.shared.files;
        let start = f.offset(first)?;
        let end = if last < self.size() {
            f.offset(last)?
        } else {
            let off = f.offset(last - 1)?;
            let mut l = [0u8; 2];
            f.read_at(&f.entries, "entries.dat", &mut l, off)?;
            off + 2 + u64::from(u16::from_be_bytes(l))
        };
        let mut out = vec![0u8; (end - start) as usize];
        f.read_at(&f.entries, "entries.dat", &mut out, start)?;
        Ok(out)
    }

    /// Stops the writer after what is queued.
    pub fn close(&self) {
        self.tx.lock().expect("lock").take();
        if let Some(h) = self.writer.lock().expect("lock").take() {
            let _ = h.join();
        }
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        self.close();
    }
}

/// Groups of work the syncer may have queued behind it.
const SYNC_QUEUE: usize = 8;

/// The builder half of the writer: takes appends in groups, extends the tree and writes the
/// files (page cache), then hands the group to the syncer. It never waits for the disk, so the
/// next group is built while the previous one is being synced.
struct Writer {
    dir: PathBuf,
    options: Options,
    entries: File,
    idx: File,
    hashes: File,
    frontier: Frontier,
    data_end: u64,
    hashes_end: u64,
    to_syncer: SyncSender<ToSync>,
}

/// Work for the syncer, in log order.
enum ToSync {
    /// Entries up to `size` are written; make them durable, then answer.
    Durable {
        size: u64,
        root: Hash,
        replies: Vec<(Reply<std::ops::Range<u64>>, std::ops::Range<u64>)>,
    },
    /// Sign a checkpoint over `size` (already queued for durability).
    Checkpoint {
        size: u64,
        root: Hash,
        reply: Reply<String>,
    },
}

impl Writer {
    fn run(mut self, rx: Receiver<Cmd>) {
        while let Ok(first) = rx.recv() {
            let mut group = vec![first];
            let mut count = 0usize;
            while count < self.options.max_group_entries {
                match rx.try_recv() {
                    Ok(cmd) => {
                        if let Cmd::Append(e, _) = &cmd {
                            count += e.len();
                        }
                        group.push(cmd);
                    }
                    Err(_) => break,
                }
            }
            if !self.build(group) {
                break;
            }
        }
    }

    /// Writes one group; false once the syncer is gone.
    fn build(&mut self, group: Vec<Cmd>) -> bool {
        let mut data = Vec::new();
        let mut idx = Vec::new();
        let mut stored: Vec<Hash> = Vec::new();
        let mut replies = Vec::new();
        let mut checkpoints = Vec::new();
        let start_size = self.frontier.size();
        let before = self.frontier.clone();
        for cmd in group {
            match cmd {
                Cmd::Append(entries, reply) => {
                    let from = self.frontier.size();
                    for (e, h) in entries {
                        idx.extend_from_slice(&(self.data_end + data.len() as u64).to_le_bytes());
                        data.extend_from_slice(&(e.len() as u16).to_be_bytes());
                        data.extend_from_slice(&e);
                        self.frontier.push(h, &mut stored);
                    }
                    replies.push((reply, from..self.frontier.size()));
                }
                Cmd::Checkpoint(reply) => checkpoints.push(reply),
            }
        }
        if let Err(e) = self.write(&data, &idx, &stored, start_size) {
            // Nothing of the group counts: cut the files and roll the tree back.
            let _ = self.entries.set_len(self.data_end);
            let _ = self.idx.set_len(start_size * 8);
            let _ = self.hashes.set_len(self.hashes_end * 32);
            self.frontier = before;
            let msg = e.to_string();
            for (reply, _) in replies {
                let _ = reply.send(Err(LedgerError::Refused(format!("append failed: {msg}"))));
            }
        } else {
            self.data_end += data.len() as u64;
            self.hashes_end += stored.len() as u64;
            if !replies.is_empty() {
                let msg = ToSync::Durable {
                    size: self.frontier.size(),
                    root: self.frontier.root(),
                    replies,
                };
                if self.to_syncer.send(msg).is_err() {
                    return false;
                }
            }
        }
        for reply in checkpoints {
            let msg = ToSync::Checkpoint {
                size: self.frontier.size(),
                root: self.frontier.root(),
                reply,
            };
            if self.to_syncer.send(msg).is_err() {
                return false;
            }
        }
        true
    }

    fn write(
        &mut self,
        data: &[u8],
        idx: &[u8],
        stored: &[Hash],
        start_size: u64,
    ) -> Result<(), LedgerError> {
        let dir = &self.dir;
        self.entries
            .write_all_at(data, self.data_end)
            .map_err(io(&dir.join("entries.dat")))?;
        self.idx
            .write_all_at(idx, start_size * 8)
            .map_err(io(&dir.join("entries.idx")))?;
        let hashes: Vec<u8> = stored.iter().flatten().copied().collect();
        self.hashes
            .write_all_at(&hashes, self.hashes_end * 32)
            .map_err(io(&dir.join("hashes.dat")))?;
        Ok(())
    }
}

/// The syncing half: makes written groups durable (one fdatasync of `entries.dat` and of the
/// commit record for everything queued), answers their appends, and signs checkpoints over
/// durable entries only. A failed sync poisons the log: nothing after it is acknowledged.
struct Syncer {
    shared: Arc<Shared>,
    signer: NoteSigner,
    options: Options,
    tick: Duration,
    entries: File,
    idx: File,
    hashes: File,
    commit: File,
    derived_synced: u64,
    durable_root: Hash,
    last_cp: u64,
    last_cp_at: Instant,
    failed: Option<String>,
}

impl Syncer {
    fn run(mut self, rx: Receiver<ToSync>) {
        loop {
            let first = match rx.recv_timeout(self.tick) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    self.checkpoint_if_due();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut batch = vec![first];
            while let Ok(m) = rx.try_recv() {
                batch.push(m);
            }
            // Sync once for every durable request queued, then handle them in order.
            let last = batch
                .iter()
                .filter_map(|m| {
                    if let ToSync::Durable { size, root, .. } = m {
                        Some((*size, *root))
                    } else {
                        None
                    }
                })
                .next_back();
            if let Some((size, root)) = last
                && self.failed.is_none()
            {
                if let Err(e) = self.sync(size) {
                    self.failed = Some(e.to_string());
                } else {
                    self.durable_root = root;
                    self.shared.durable.store(size, Ordering::Release);
                }
            }
            for m in batch {
                match m {
                    ToSync::Durable { replies, .. } => {
                        for (reply, range) in replies {
                            let r = match &self.failed {
                                None => Ok(range),
                                Some(e) => Err(LedgerError::Refused(format!(
                                    "the log's disk failed ({e}); nothing since is durable: restart to recover"
                                ))),
                            };
                            let _ = reply.send(r);
                        }
                    }
                    ToSync::Checkpoint { size, root, reply } => {
                        let r = match &self.failed {
                            None => self
                                .publish(size, root)
                                .map_err(|e| LedgerError::Refused(e.to_string())),
                            Some(e) => {
                                Err(LedgerError::Refused(format!("the log's disk failed ({e})")))
                            }
                        };
                        let _ = reply.send(r);
                    }
                }
            }
            self.checkpoint_if_due();
        }
        self.checkpoint_if_due();
    }

    fn sync(&mut self, size: u64) -> Result<(), LedgerError> {
        let dir = &self.shared.files.dir;
        if self.options.durable {
            self.entries
                .sync_data()
                .map_err(io(&dir.join("entries.dat")))?;
        }
        write_marker(
            &self.commit,
            size,
            self.derived_synced,
            self.options.durable,
        )
        .map_err(io(&dir.join("commit")))
    }

    fn checkpoint_if_due(&mut self) {
        if self.failed.is_some() {
            return;
        }
        let size = self.shared.durable.load(Ordering::Acquire);
        let due = size > self.last_cp
            && (size - self.last_cp >= self.options.checkpoint_every_entries
                || self.last_cp_at.elapsed()
                    >= Duration::from_millis(self.options.checkpoint_every_ms));
        if due && let Err(e) = self.publish(size, self.durable_root) {
            eprintln!("hangar: could not publish a checkpoint: {e}");
        }
    }

    /// Signs and writes a checkpoint over `size` durable entries with root `root`.
    fn publish(&mut self, size: u64, root: Hash) -> Result<String, LedgerError> {
        if size == self.last_cp
            && let Some((_, note)) = self.shared.latest.read().expect("lock").clone()
        {
            return Ok(note);
        }
        let dir = self.shared.files.dir.clone();
        // Everything a checkpoint covers is synced, derived files included.
        if self.options.durable {
            self.entries
                .sync_data()
                .map_err(io(&dir.join("entries.dat")))?;
            self.idx.sync_data().map_err(io(&dir.join("entries.idx")))?;
            self.hashes
                .sync_data()
                .map_err(io(&dir.join("hashes.dat")))?;
        }
        write_marker(&self.commit, size, size, self.options.durable)
            .map_err(io(&dir.join("commit")))?;
        self.derived_synced = size;
        self.shared.durable.fetch_max(size, Ordering::AcqRel);
        let cp = Checkpoint {
            origin: self.options.origin.clone(),
            size,
            root,
        };
        let note = self.signer.sign(&cp.text());
        let tmp = dir.join("checkpoint.tmp");
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(note.as_bytes()).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, dir.join("checkpoint")).map_err(io(&dir.join("checkpoint")))?;
        let history = dir.join("checkpoints.jsonl");
        let mut h = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&history)
            .map_err(io(&history))?;
        let line = serde_json::json!({ "size": size, "note": note });
        writeln!(h, "{line}").map_err(io(&history))?;
        h.sync_data().map_err(io(&history))?;
        sync_dir(&dir)?;
        self.last_cp = size;
        self.last_cp_at = Instant::now();
        *self.shared.latest.write().expect("lock") = Some((cp, note.clone()));
        Ok(note)
    }
}
