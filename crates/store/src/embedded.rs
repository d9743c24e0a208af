//! The embedded store: SQLite (bundled) in WAL mode in a data directory. One writer thread owns
//! the write connection and commits requests in groups (group commit: one fsync for many
//! requests); readers use their own connection and never block the writer.

use crate::schema::MIGRATIONS;
use crate::tails::{Change, Tail, Tails};
use crate::{
    Counts, Erasure, FileRecord, IngestFile, IngestReceipt, MAX_APPEND_EVENTS, MAX_ERASE_PARCELS,
    MAX_INGEST_PARCELS, Recorded, Store, StoreError,
};
use hangar_model::{
    Actor, BagId, DataClass, Detail, Event, EventCode, Flight, FlightKey, Location, Parcel,
    ParcelState, S10Id, Subject, Timestamp, UldId,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Read connections the store keeps open.
const READERS: usize = 3;

/// The database file inside a data directory.
pub const DB_FILE: &str = "hangar.db";

/// Tuning for the embedded store; the defaults are what Hangar runs with.
#[derive(Clone, Debug)]
pub struct Options {
    /// Write requests that may wait for the writer before callers block (backpressure).
    pub queue_depth: usize,
    /// Most rows (parcels + events) committed in one group.
    pub max_group_rows: usize,
    /// fsync on every commit (`synchronous=FULL`). Off only for throwaway benchmarks.
    pub durable: bool,
    /// Most parcels in progress whose tail (bag, ULD, folded state) is kept in memory for the
    /// floor's checks, about 200 bytes each; others are read from the database when checked.
    pub tail_capacity: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            queue_depth: 64,
            max_group_rows: 200_000,
            durable: true,
            tail_capacity: 1_000_000,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Engine(e.to_string())
    }
}

/// An event flattened to the columns it is stored in (done by the caller's thread, so the
/// writer only executes SQL).
pub(crate) struct EventRow {
    kind: &'static str,
    key: String,
    code: &'static str,
    at_ms: i64,
    actor: Actor,
    location: Location,
    detail: Option<String>,
    /// The event itself when it may change a parcel's state (for the tails).
    tail: Option<Event>,
}

impl EventRow {
    pub(crate) fn encode(e: &Event) -> EventRow {
        EventRow {
            tail: (matches!(e.subject, Subject::Parcel(_)) && !e.code.is_record_keeping())
                .then(|| e.clone()),
            kind: e.subject.kind(),
            key: e.subject.key(),
            code: e.code.as_str(),
            at_ms: e.at.unix_ms(),
            actor: e.actor,
            location: e.location,
            detail: match &e.detail {
                Detail::None => None,
                d => Some(serde_json::to_string(d).expect("details serialize")),
            },
        }
    }
}

/// A parcel flattened to its row.
struct ParcelRow {
    id: S10Id,
    bag: BagId,
    uld: UldId,
    mawb: String,
    flight: FlightKey,
    flight_key: String,
    dest_country: &'static str,
    dest_postcode: String,
    value_cents: i64,
    currency: &'static str,
    weight_g: u32,
    line: u64,
    doc: String,
    salt: [u8; 16],
    personal: String,
}

/// Commitment to a parcel's personal data (its two parties): SHA-256 over a domain tag, the
/// salt and the parties' canonical JSON, hex. Hiding while the salt is secret, binding always.
pub fn personal_commitment(salt: &[u8], p: &Parcel) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"hangar/personal/v1\n");
    h.update(salt);
    serde_json::to_writer(HashWriter(&mut h), &(&p.consignor, &p.consignee)).expect("serialize");
    hex32(&h.finalize().into())
}

/// Feeds serialized bytes straight into a hasher (no intermediate buffer).
struct HashWriter<'a>(&'a mut sha2::Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Lower-case hex of a 32-byte hash without a `format!` per byte.
fn hex32(h: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in h {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Inserts one parcel row with `stmt`, whose SQL lists the parcel columns in this order
/// (personal_salt, id, mawb, flight, dest_country, dest_postcode, value_cents, currency, weight_g, file_id, line,
/// doc). Returns the rows changed (0 when an `ON CONFLICT DO NOTHING` skipped it).
fn insert_parcel(
    stmt: &mut rusqlite::CachedStatement,
    r: &ParcelRow,
    file_id: i64,
) -> rusqlite::Result<usize> {
    stmt.execute(params![
        &r.salt[..],
        r.id.as_str(),
        r.mawb,
        r.flight_key,
        r.dest_country,
        r.dest_postcode,
        r.value_cents,
        r.currency,
        r.weight_g,
        file_id,
        r.line as i64,
        r.doc
    ])
}

struct PreparedIngest {
    name: String,
    digest: [u8; 32],
    digest_hex16: String,
    rows: u64,
    flights: Vec<(String, i64, String, u64, FlightKey)>,
    parcels: Vec<ParcelRow>,
    at: Timestamp,
    actor: Actor,
    location: Location,
}

impl PreparedIngest {
    /// Flattens a file to rows on the caller's thread, so the writer only executes SQL.
    fn new(file: IngestFile) -> PreparedIngest {
        let flights = file
            .flights
            .iter()
            .map(|(f, line)| {
                (
                    f.key.to_string(),
                    f.sta.unix_ms(),
                    serde_json::to_string(f).expect("serialize"),
                    *line,
                    f.key,
                )
            })
            .collect();
        // One random salt per parcel, drawn in one go.
        let mut salts = vec![0u8; 16 * file.parcels.len()];
        getrandom::fill(&mut salts).expect("operating-system randomness");
        let parcels = file
            .parcels
            .iter()
            .zip(salts.chunks_exact(16))
            .map(|((p, line), salt)| ParcelRow {
                id: p.id,
                bag: p.bag,
                uld: p.uld,
                mawb: p.mawb.to_string(),
                flight: p.flight,
                flight_key: p.flight.to_string(),
                dest_country: p.consignee.country.iso2(),
                dest_postcode: p
                    .consignee
                    .postcode
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                value_cents: p.value().cents,
                currency: p.value().currency.code(),
                weight_g: p.weight().0,
                line: *line,
                doc: serde_json::to_string(p).expect("serialize"),
                salt: salt.try_into().expect("16 bytes"),
                personal: personal_commitment(salt, p),
            })
            .collect();
        PreparedIngest {
            digest_hex16: file
                .digest
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect(),
            name: file.name,
            digest: file.digest,
            rows: file.rows,
            flights,
            parcels,
            at: file.at,
            actor: file.actor,
            location: file.location,
        }
    }

    fn man_detail(&self, r: &ParcelRow) -> String {
        format!(
            r#"{{"kind":"manifested","file_digest":"{}","line":{},"personal":"{}"}}"#,
            self.digest_hex16, r.line, r.personal
        )
    }
}

/// The limit the embedded store is measured against: the same rows (files, parcels, MAN events)
/// inserted into the same schema by bare prepared statements, `files_per_tx` files per
/// transaction, with no writer thread, no checks and rows encoded before the clock starts.
/// Creates a new database in `dir` and returns the time the inserts took.
pub fn raw_bulk_insert(
    dir: &Path,
    files: Vec<IngestFile>,
    durable: bool,
    files_per_tx: usize,
) -> Result<std::time::Duration, StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::Engine(e.to_string()))?;
    let mut conn = open_conn(&dir.join(DB_FILE), durable)?;
    migrate(&mut conn)?;
    let prepared: Vec<PreparedIngest> = files.into_iter().map(PreparedIngest::new).collect();
    let details: Vec<Vec<String>> = prepared
        .iter()
        .map(|p| p.parcels.iter().map(|r| p.man_detail(r)).collect())
        .collect();
    let start = std::time::Instant::now();
    for (group, group_details) in prepared
        .chunks(files_per_tx.max(1))
        .zip(details.chunks(files_per_tx.max(1)))
    {
        let tx = conn.transaction()?;
        for (p, details) in group.iter().zip(group_details) {
            tx.execute(
            "INSERT INTO files (digest, name, rows, parcels, flights, ingested_ms, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![&p.digest[..], p.name, p.rows as i64, p.parcels.len() as i64, 0, p.at.unix_ms(), p.actor.as_str()],
        )?;
            let file_id = tx.last_insert_rowid();
            {
                let mut ins = tx.prepare_cached(
                "INSERT INTO parcels (personal_salt, id, mawb, flight, dest_country, dest_postcode, value_cents, currency, weight_g, file_id, line, doc) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
                let mut ev = tx.prepare_cached(
                "INSERT INTO events (kind, key, code, at_ms, actor, location, detail) VALUES ('parcel', ?1, 'MAN', ?2, ?3, ?4, ?5)",
            )?;
                for (r, detail) in p.parcels.iter().zip(details) {
                    insert_parcel(&mut ins, r, file_id)?;
                    ev.execute(params![
                        r.id.as_str(),
                        p.at.unix_ms(),
                        p.actor.as_str(),
                        p.location.as_str(),
                        detail
                    ])?;
                }
            }
        }
        tx.commit()?;
    }
    Ok(start.elapsed())
}

enum Cmd {
    Ingest(
        Box<PreparedIngest>,
        SyncSender<Result<IngestReceipt, StoreError>>,
    ),
    Append(Vec<EventRow>, SyncSender<Result<u64, StoreError>>),
    AppendOnce(
        String,
        Vec<EventRow>,
        SyncSender<Result<Option<u64>, StoreError>>,
    ),
    Erase(Erasure, SyncSender<Result<u64, StoreError>>),
}

impl Cmd {
    fn rows(&self) -> usize {
        match self {
            Cmd::Ingest(p, _) => p.parcels.len() * 2 + p.flights.len() + 1,
            Cmd::Append(e, _) => e.len(),
            Cmd::AppendOnce(_, e, _) => e.len() + 1,
            Cmd::Erase(e, _) => e.parcels.len() * 2,
        }
    }
}

/// Hangar's default store: a data directory holding one SQLite database.
pub struct EmbeddedStore {
    dir: PathBuf,
    tx: Mutex<Option<SyncSender<Cmd>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// Read connections: a read takes one that is free, so a long read (a follower catching
    /// up) does not hold up a floor check.
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
    tails: Arc<Tails>,
}

fn open_conn(path: &Path, durable: bool) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", if durable { "FULL" } else { "OFF" })?;
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Deleted and overwritten content is zeroed on disk: erased personal data does not linger
    // in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the data directory has schema version {version}, newer than this hangar ({}); upgrade hangar",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

impl EmbeddedStore {
    /// Opens (creating if needed) the store in data directory `dir`, migrating its schema.
    pub fn open(dir: &Path) -> Result<EmbeddedStore, StoreError> {
        EmbeddedStore::open_with(dir, Options::default())
    }

    /// Opens with explicit options.
    pub fn open_with(dir: &Path, options: Options) -> Result<EmbeddedStore, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Engine(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join(DB_FILE);
        let mut wconn = open_conn(&path, options.durable)?;
        migrate(&mut wconn)?;
        let readers = (0..READERS)
            .map(|_| open_conn(&path, options.durable).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let known_flights: HashSet<FlightKey> = {
            let mut stmt = wconn.prepare("SELECT doc FROM flights")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut set = HashSet::new();
            for doc in rows {
                let f: Flight =
                    serde_json::from_str(&doc?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                set.insert(f.key);
            }
            set
        };
        let (tx, rx) = mpsc::sync_channel::<Cmd>(options.queue_depth.max(1));
        let max_rows = options.max_group_rows.max(1);
        let tails = Arc::new(Tails::new(options.tail_capacity));
        let kept = tails.clone();
        let writer = std::thread::Builder::new()
            .name("hangar-store-writer".into())
            .spawn(move || {
                Writer {
                    conn: wconn,
                    known_flights,
                    max_rows,
                    tails: kept,
                }
                .run(rx)
            })
            .map_err(|e| StoreError::Engine(format!("cannot start writer thread: {e}")))?;
        Ok(EmbeddedStore {
            dir: dir.to_path_buf(),
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            readers,
            next_reader: Default::default(),
            tails,
        })
    }

    /// How many parcels' tails the store keeps in memory now.
    pub fn tails_kept(&self) -> usize {
        self.tails.len()
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops the writer after the requests already queued; later writes fail with `Closed`.
    pub fn close(&self) {
        self.tx.lock().expect("lock").take();
        if let Some(h) = self.writer.lock().expect("lock").take() {
            let _ = h.join();
        }
    }

    fn send<T>(
        &self,
        make: impl FnOnce(SyncSender<Result<T, StoreError>>) -> Cmd,
    ) -> Result<T, StoreError> {
        let (reply_tx, reply_rx) = mpsc::sync_channel(1);
        let sender = self
            .tx
            .lock()
            .expect("lock")
            .clone()
            .ok_or(StoreError::Closed)?;
        sender
            .send(make(reply_tx))
            .map_err(|_| StoreError::Closed)?;
        reply_rx.recv().map_err(|_| StoreError::Closed)?
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let free = self.readers.iter().find_map(|r| match r.try_lock() {
            Ok(c) => Some(c),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        });
        let conn = match free {
            Some(c) => c,
            None => {
                // All busy: wait for one, spreading the waiters.
                let i = self
                    .next_reader
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    % self.readers.len();
                self.readers[i].lock().unwrap_or_else(|p| p.into_inner())
            }
        };
        f(&conn)
    }
}

impl Drop for EmbeddedStore {
    fn drop(&mut self) {
        self.close();
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn decode_event(
    kind: &str,
    key: &str,
    code: &str,
    at_ms: i64,
    actor: &str,
    location: &str,
    detail: Option<&str>,
) -> Result<Event, StoreError> {
    Ok(Event {
        subject: Subject::from_parts(kind, key).map_err(corrupt)?,
        code: EventCode::parse(code).map_err(corrupt)?,
        at: Timestamp(at_ms),
        actor: Actor::parse(actor).map_err(corrupt)?,
        location: Location::parse(location).map_err(corrupt)?,
        detail: match detail {
            None => Detail::None,
            Some(d) => serde_json::from_str(d).map_err(corrupt)?,
        },
    })
}

const EVENT_COLUMNS: &str = "seq, kind, key, code, at_ms, actor, location, detail";

fn recorded(r: &rusqlite::Row) -> Result<Recorded, StoreError> {
    let event = decode_event(
        &r.get::<_, String>(1)?,
        &r.get::<_, String>(2)?,
        &r.get::<_, String>(3)?,
        r.get(4)?,
        &r.get::<_, String>(5)?,
        &r.get::<_, String>(6)?,
        r.get::<_, Option<String>>(7)?.as_deref(),
    )?;
    Ok(Recorded {
        seq: r.get::<_, i64>(0)? as u64,
        event,
    })
}

impl Store for EmbeddedStore {
    fn ingest(&self, file: IngestFile) -> Result<IngestReceipt, StoreError> {
        if file.parcels.len() > MAX_INGEST_PARCELS {
            return Err(StoreError::Limit(format!(
                "{}: at most {MAX_INGEST_PARCELS} parcels per file",
                file.name
            )));
        }
        let prepared = PreparedIngest::new(file);
        self.send(|reply| Cmd::Ingest(Box::new(prepared), reply))
    }

    fn append(&self, events: &[Event]) -> Result<u64, StoreError> {
        if events.len() > MAX_APPEND_EVENTS {
            return Err(StoreError::Limit(format!(
                "at most {MAX_APPEND_EVENTS} events per append, got {}",
                events.len()
            )));
        }
        let rows: Vec<EventRow> = events.iter().map(EventRow::encode).collect();
        self.send(|reply| Cmd::Append(rows, reply))
    }

    fn append_once(&self, key: &str, events: &[Event]) -> Result<Option<u64>, StoreError> {
        if events.len() > MAX_APPEND_EVENTS || key.is_empty() || key.len() > 200 {
            return Err(StoreError::Limit(format!(
                "append_once: 1-200 byte key and at most {MAX_APPEND_EVENTS} events"
            )));
        }
        let rows: Vec<EventRow> = events.iter().map(EventRow::encode).collect();
        let key = key.to_string();
        self.send(|reply| Cmd::AppendOnce(key, rows, reply))
    }

    fn flights(&self) -> Result<Vec<Flight>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT doc FROM flights ORDER BY sta_ms, key")?;
            let docs = stmt.query_map([], |r| r.get::<_, String>(0))?;
            docs.map(|d| serde_json::from_str(&d?).map_err(corrupt))
                .collect()
        })
    }

    fn parcel(&self, id: &S10Id) -> Result<Option<Parcel>, StoreError> {
        self.read(|c| {
            let doc: Option<String> = c
                .query_row(
                    "SELECT doc FROM parcels WHERE id = ?1",
                    [id.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            doc.map(|d| serde_json::from_str(&d).map_err(corrupt))
                .transpose()
        })
    }

    fn for_each_parcel(&self, f: &mut dyn FnMut(Parcel)) -> Result<(), StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT doc FROM parcels ORDER BY id")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let doc = r.get_ref(0)?.as_str().map_err(corrupt)?;
                f(serde_json::from_str(doc).map_err(corrupt)?);
            }
            Ok(())
        })
    }

    fn history(&self, id: &S10Id) -> Result<Vec<Recorded>, StoreError> {
        let Some(p) = self.parcel(id)? else {
            return Ok(Vec::new());
        };
        self.read(|c| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE key IN (?1, ?2, ?3) ORDER BY at_ms, seq"
            );
            let mut stmt = c.prepare(&sql)?;
            let mut rows =
                stmt.query(params![id.as_str(), p.mawb.as_str(), p.flight.to_string()])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(recorded(r)?);
            }
            Ok(out)
        })
    }

    fn events(&self, from: u64, to: u64) -> Result<Vec<Recorded>, StoreError> {
        if to >= from && to - from >= MAX_APPEND_EVENTS as u64 {
            return Err(StoreError::Limit(format!(
                "at most {MAX_APPEND_EVENTS} events per read"
            )));
        }
        self.read(|c| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq"
            );
            let mut stmt = c.prepare(&sql)?;
            let mut rows = stmt.query(params![from as i64, to as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(recorded(r)?);
            }
            Ok(out)
        })
    }

    fn for_each_parcel_state(
        &self,
        f: &mut dyn FnMut(S10Id, ParcelState),
    ) -> Result<(), StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT key, code, at_ms, actor, location, detail FROM events WHERE kind = 'parcel' ORDER BY key, at_ms, seq",
            )?;
            let mut rows = stmt.query([])?;
            // One parcel's events at a time, folded in their own order (not recording order).
            let mut current: Option<(S10Id, Vec<Event>)> = None;
            while let Some(r) = rows.next()? {
                let key = r.get_ref(0)?.as_str().map_err(corrupt)?;
                let event = decode_event(
                    "parcel",
                    key,
                    r.get_ref(1)?.as_str().map_err(corrupt)?,
                    r.get(2)?,
                    r.get_ref(3)?.as_str().map_err(corrupt)?,
                    r.get_ref(4)?.as_str().map_err(corrupt)?,
                    r.get_ref(5)?.as_str_or_null().map_err(corrupt)?,
                )?;
                let Subject::Parcel(id) = event.subject else { continue };
                match &mut current {
                    Some((k, events)) if *k == id => events.push(event),
                    _ => {
                        if let Some((k, mut events)) = current.take() {
                            f(k, ParcelState::fold(&mut events));
                        }
                        current = Some((id, vec![event]));
                    }
                }
            }
            if let Some((k, mut events)) = current {
                f(k, ParcelState::fold(&mut events));
            }
            Ok(())
        })
    }

    fn lookup_destination(&self, id: &S10Id) -> Result<Option<crate::Destination>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT p.dest_country, p.dest_postcode, \
                 (SELECT e.code FROM events e WHERE e.key = p.id AND e.code IN ('HLD', 'RFI', 'RTS', 'CCD') ORDER BY e.seq DESC LIMIT 1) \
                 FROM parcels p WHERE p.id = ?1",
            )?;
            let row = stmt
                .query_row([id.as_str()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?)))
                .optional()?;
            row.map(|(country, postcode, code)| {
                let country = hangar_model::Country::parse(&country).map_err(corrupt)?;
                let postcode = if postcode.is_empty() { None } else { Some(hangar_model::Postcode::parse(&postcode).map_err(corrupt)?) };
                let customs = code.map(|c| EventCode::parse(&c)).transpose().map_err(corrupt)?;
                Ok(crate::Destination { country, postcode, customs })
            })
            .transpose()
        })
    }

    fn files(&self) -> Result<Vec<FileRecord>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT name, digest, rows, parcels, flights, ingested_ms FROM files ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                let digest: Vec<u8> = r.get(1)?;
                Ok(FileRecord {
                    name: r.get(0)?,
                    digest: digest.iter().map(|b| format!("{b:02x}")).collect(),
                    rows: r.get::<_, i64>(2)? as u64,
                    parcels: r.get::<_, i64>(3)? as u64,
                    flights: r.get::<_, i64>(4)? as u64,
                    at: Timestamp(r.get(5)?),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        self.read(|c| {
            let n = |sql: &str| {
                c.query_row(sql, [], |r| r.get::<_, i64>(0))
                    .map(|v| v as u64)
            };
            Ok(Counts {
                files: n("SELECT count(*) FROM files")?,
                flights: n("SELECT count(*) FROM flights")?,
                parcels: n("SELECT count(*) FROM parcels")?,
                events: n("SELECT coalesce(max(seq), 0) FROM events")?,
            })
        })
    }

    fn parcels_in(
        &self,
        flight: &hangar_model::FlightKey,
        container: crate::Container,
        limit: usize,
    ) -> Result<Vec<Parcel>, StoreError> {
        let (sql, id) = match &container {
            crate::Container::Uld(u) => (
                "SELECT doc FROM parcels WHERE flight = ?1 AND json_extract(doc, '$.uld') = ?2 ORDER BY id LIMIT ?3",
                u.as_str(),
            ),
            crate::Container::Bag(b) => (
                "SELECT doc FROM parcels WHERE flight = ?1 AND json_extract(doc, '$.bag') = ?2 ORDER BY id LIMIT ?3",
                b.as_str(),
            ),
        };
        self.read(|c| {
            let mut stmt = c.prepare_cached(sql)?;
            let mut rows = stmt.query(params![flight.to_string(), id, limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let doc = r.get_ref(0)?.as_str().map_err(corrupt)?;
                out.push(serde_json::from_str(doc).map_err(corrupt)?);
            }
            Ok(out)
        })
    }

    fn truck_events(&self, after: u64, limit: usize) -> Result<Vec<Recorded>, StoreError> {
        let limit = limit.min(MAX_APPEND_EVENTS);
        self.read(|c| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE kind = 'truck' AND seq > ?1 ORDER BY seq LIMIT ?2"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let mut rows = stmt.query(params![after as i64, limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(recorded(r)?);
            }
            Ok(out)
        })
    }

    fn lives(
        &self,
        ids: &[S10Id],
    ) -> Result<std::collections::HashMap<S10Id, crate::Life>, StoreError> {
        self.read(|c| {
            // One read transaction: one snapshot, and one lock instead of one per statement.
            let tx = c.unchecked_transaction()?;
            let mut known = tx.prepare_cached(
                "SELECT json_extract(doc, '$.bag'), json_extract(doc, '$.uld') FROM parcels WHERE id = ?1",
            )?;
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE key = ?1 AND kind = 'parcel' ORDER BY seq"
            );
            let mut stmt = tx.prepare_cached(&sql)?;
            let mut out = std::collections::HashMap::with_capacity(ids.len());
            for id in ids {
                if out.contains_key(id) {
                    continue;
                }
                let Some((bag, uld)) = known
                    .query_row([id.as_str()], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                    })
                    .optional()?
                else {
                    continue;
                };
                let mut rows = stmt.query([id.as_str()])?;
                let mut events = Vec::new();
                while let Some(r) = rows.next()? {
                    events.push(recorded(r)?.event);
                }
                events.sort_by(Event::fold_cmp);
                out.insert(
                    *id,
                    crate::Life {
                        bag: BagId::parse(&bag).map_err(corrupt)?,
                        uld: UldId::parse(&uld).map_err(corrupt)?,
                        events,
                    },
                );
            }
            drop((known, stmt));
            tx.finish()?;
            Ok(out)
        })
    }

    fn tails(&self, ids: &[S10Id]) -> Result<HashMap<S10Id, Tail>, StoreError> {
        let mut out = self.tails.get(ids);
        let missing: Vec<S10Id> = ids
            .iter()
            .filter(|id| !out.contains_key(id))
            .copied()
            .collect();
        if !missing.is_empty() {
            out.extend(Tail::of_lives(&self.lives(&missing)?));
        }
        Ok(out)
    }

    fn applied(&self, key: &str) -> Result<Option<u64>, StoreError> {
        self.read(|c| {
            Ok(
                c.prepare_cached("SELECT last_seq FROM applied_once WHERE key = ?1")?
                    .query_row([key], |r| r.get::<_, i64>(0))
                    .optional()?
                    .map(|s| s as u64),
            )
        })
    }

    fn subject_events(
        &self,
        subject: &Subject,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Recorded>, StoreError> {
        let limit = limit.min(MAX_APPEND_EVENTS);
        self.read(|c| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE key = ?1 AND kind = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let mut rows = stmt.query(params![
                subject.key(),
                subject.kind(),
                after as i64,
                limit as i64
            ])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(recorded(r)?);
            }
            Ok(out)
        })
    }

    fn due_for_erasure(
        &self,
        class: DataClass,
        before: Timestamp,
        limit: usize,
    ) -> Result<Vec<S10Id>, StoreError> {
        let sql = match class {
            // Personal data is held while the salt is (both go together).
            DataClass::Personal => {
                "SELECT p.id FROM parcels p JOIN files f ON f.id = p.file_id
                 WHERE f.ingested_ms < ?1 AND p.personal_salt IS NOT NULL ORDER BY p.id LIMIT ?2"
            }
            DataClass::Commercial => {
                "SELECT p.id FROM parcels p JOIN files f ON f.id = p.file_id
                 WHERE f.ingested_ms < ?1 ORDER BY p.id LIMIT ?2"
            }
            _ => return Ok(Vec::new()),
        };
        self.read(|c| {
            let mut stmt = c.prepare_cached(sql)?;
            let ids = stmt.query_map(params![before.unix_ms(), limit as i64], |r| {
                r.get::<_, String>(0)
            })?;
            ids.map(|id| S10Id::parse(&id?).map_err(corrupt)).collect()
        })
    }

    fn erase(&self, erasure: Erasure) -> Result<u64, StoreError> {
        if erasure.parcels.len() > MAX_ERASE_PARCELS {
            return Err(StoreError::Limit(format!(
                "at most {MAX_ERASE_PARCELS} parcels per erasure"
            )));
        }
        self.send(|reply| Cmd::Erase(erasure, reply))
    }
}

/// The single writer: owns the write connection, commits queued requests in groups.
struct Writer {
    conn: Connection,
    known_flights: HashSet<FlightKey>,
    max_rows: usize,
    tails: Arc<Tails>,
}

enum Outcome {
    AppendOnce(
        SyncSender<Result<Option<u64>, StoreError>>,
        Result<Option<u64>, StoreError>,
    ),
    Ingest(
        SyncSender<Result<IngestReceipt, StoreError>>,
        Result<IngestReceipt, StoreError>,
    ),
    Append(SyncSender<Result<u64, StoreError>>, Result<u64, StoreError>),
    Erase(SyncSender<Result<u64, StoreError>>, Result<u64, StoreError>),
}

impl Writer {
    fn run(mut self, rx: Receiver<Cmd>) {
        while let Ok(first) = rx.recv() {
            let mut rows = first.rows();
            let mut group = vec![first];
            while rows < self.max_rows {
                match rx.try_recv() {
                    Ok(cmd) => {
                        rows += cmd.rows();
                        group.push(cmd);
                    }
                    Err(_) => break,
                }
            }
            self.commit_group(group);
        }
    }

    /// Applies each request under its own savepoint inside one transaction, commits once, then
    /// answers every request: after the commit, so an answer means durable.
    fn commit_group(&mut self, group: Vec<Cmd>) {
        let flights_before = self.known_flights.clone();
        let mut outcomes = Vec::with_capacity(group.len());
        let mut erased = false;
        let mut changes = Vec::new();
        let result = (|| -> Result<(), StoreError> {
            let tx = self.conn.transaction()?;
            for cmd in group {
                tx.execute_batch("SAVEPOINT request")?;
                let mut changed = Vec::new();
                let stored = |rows: Vec<EventRow>, changed: &mut Vec<Change>| {
                    changed.extend(rows.into_iter().filter_map(|r| r.tail).map(Change::Event))
                };
                let outcome = match cmd {
                    Cmd::Ingest(p, reply) => Outcome::Ingest(
                        reply,
                        apply_ingest(&tx, &mut self.known_flights, &p, &mut changed),
                    ),
                    Cmd::Append(rows, reply) => {
                        let r = insert_events(&tx, &rows);
                        stored(rows, &mut changed);
                        Outcome::Append(reply, r)
                    }
                    Cmd::AppendOnce(key, rows, reply) => {
                        let r = insert_once(&tx, &key, &rows);
                        if matches!(r, Ok(Some(_))) {
                            stored(rows, &mut changed);
                        }
                        Outcome::AppendOnce(reply, r)
                    }
                    Cmd::Erase(e, reply) => {
                        let r = apply_erasure(&tx, &e);
                        erased |= matches!(r, Ok(n) if n > 0);
                        if e.class == DataClass::Commercial {
                            changed.extend(e.parcels.iter().map(|id| Change::Forget(*id)));
                        }
                        Outcome::Erase(reply, r)
                    }
                };
                let failed = matches!(
                    &outcome,
                    Outcome::Ingest(_, Err(_))
                        | Outcome::Append(_, Err(_))
                        | Outcome::AppendOnce(_, Err(_))
                        | Outcome::Erase(_, Err(_))
                );
                tx.execute_batch(if failed {
                    "ROLLBACK TO request; RELEASE request"
                } else {
                    "RELEASE request"
                })?;
                if !failed {
                    changes.append(&mut changed);
                }
                outcomes.push(outcome);
            }
            tx.commit()?;
            Ok(())
        })();
        if let Err(e) = result {
            // Nothing of the group is durable: every request fails.
            self.known_flights = flights_before;
            for o in outcomes {
                match o {
                    Outcome::Ingest(r, _) => drop(r.send(Err(StoreError::Engine(e.to_string())))),
                    Outcome::Append(r, _) => drop(r.send(Err(StoreError::Engine(e.to_string())))),
                    Outcome::AppendOnce(r, _) => {
                        drop(r.send(Err(StoreError::Engine(e.to_string()))))
                    }
                    Outcome::Erase(r, _) => drop(r.send(Err(StoreError::Engine(e.to_string())))),
                }
            }
            return;
        }
        // Durable: the tails learn it before anyone hears it is.
        self.tails.apply(changes);
        if erased {
            // The old pages of erased rows live on in the write-ahead log until it is
            // checkpointed: copy it back and truncate it before saying the data is gone.
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        for o in outcomes {
            match o {
                Outcome::Ingest(r, res) => drop(r.send(res)),
                Outcome::Append(r, res) => drop(r.send(res)),
                Outcome::AppendOnce(r, res) => drop(r.send(res)),
                Outcome::Erase(r, res) => drop(r.send(res)),
            }
        }
    }
}

fn apply_erasure(tx: &rusqlite::Transaction, e: &Erasure) -> Result<u64, StoreError> {
    let classes = match e.class {
        DataClass::Personal => vec![DataClass::Personal],
        DataClass::Commercial => vec![DataClass::Personal, DataClass::Commercial],
        other => {
            return Err(StoreError::Limit(format!(
                "erase: {} data is kept; only personal or commercial data is erased",
                other.as_str()
            )));
        }
    };
    let mut events = Vec::new();
    for id in &e.parcels {
        let row: Option<(String, bool)> = tx
            .query_row(
                "SELECT doc, personal_salt IS NOT NULL FROM parcels WHERE id = ?1",
                [id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((doc, salted)) = row else { continue };
        let changed = if e.class == DataClass::Commercial {
            tx.prepare_cached("DELETE FROM parcels WHERE id = ?1")?
                .execute([id.as_str()])?
                > 0
        } else {
            let mut p: Parcel = serde_json::from_str(&doc).map_err(corrupt)?;
            if !p.erase_personal() && !salted {
                false
            } else {
                let doc = serde_json::to_string(&p).expect("parcels serialize");
                tx.prepare_cached(
                    "UPDATE parcels SET doc = ?2, dest_postcode = '', personal_salt = NULL WHERE id = ?1",
                )?
                .execute(params![id.as_str(), doc])?;
                true
            }
        };
        if changed {
            events.push(EventRow::encode(&Event {
                subject: Subject::Parcel(*id),
                code: EventCode::ERA,
                at: e.at,
                actor: e.actor,
                location: e.location,
                detail: Detail::Erased {
                    classes: classes.clone(),
                    reason: e.reason.clone(),
                },
            }));
        }
    }
    if !events.is_empty() {
        insert_events(tx, &events)?;
    }
    Ok(events.len() as u64)
}

fn insert_once(
    tx: &rusqlite::Transaction,
    key: &str,
    rows: &[EventRow],
) -> Result<Option<u64>, StoreError> {
    let mut claim = tx.prepare_cached(
        "INSERT INTO applied_once (key, last_seq) VALUES (?1, 0) ON CONFLICT(key) DO NOTHING",
    )?;
    if claim.execute([key])? == 0 {
        return Ok(None);
    }
    let last = insert_events(tx, rows)?;
    tx.prepare_cached("UPDATE applied_once SET last_seq = ?2 WHERE key = ?1")?
        .execute(params![key, last as i64])?;
    Ok(Some(last))
}

fn insert_events(tx: &rusqlite::Transaction, rows: &[EventRow]) -> Result<u64, StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (kind, key, code, at_ms, actor, location, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for e in rows {
        stmt.execute(params![
            e.kind,
            e.key,
            e.code,
            e.at_ms,
            e.actor.as_str(),
            e.location.as_str(),
            e.detail
        ])?;
    }
    Ok(tx.last_insert_rowid() as u64)
}

fn apply_ingest(
    tx: &rusqlite::Transaction,
    known_flights: &mut HashSet<FlightKey>,
    p: &PreparedIngest,
    changed: &mut Vec<Change>,
) -> Result<IngestReceipt, StoreError> {
    let seen: Option<(String, i64)> = tx
        .query_row(
            "SELECT name, ingested_ms FROM files WHERE digest = ?1",
            [&p.digest[..]],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((name, at)) = seen {
        return Ok(IngestReceipt::AlreadyIngested {
            name,
            at: Timestamp(at),
        });
    }
    tx.execute(
        "INSERT INTO files (digest, name, rows, parcels, flights, ingested_ms, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![&p.digest[..], p.name, p.rows as i64, p.parcels.len() as i64, p.flights.len() as i64, p.at.unix_ms(), p.actor.as_str()],
    )?;
    let file_id = tx.last_insert_rowid();
    let mut added_flights = 0;
    let mut unchanged = 0;
    let mut new_keys = Vec::new();
    {
        let mut ins = tx.prepare_cached("INSERT INTO flights (key, sta_ms, file_id, doc) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(key) DO NOTHING")?;
        let mut get = tx.prepare_cached("SELECT doc FROM flights WHERE key = ?1")?;
        for (key, sta, doc, line, fk) in &p.flights {
            if ins.execute(params![key, sta, file_id, doc])? == 1 {
                added_flights += 1;
                new_keys.push(*fk);
            } else {
                let existing: String = get.query_row([key], |r| r.get(0))?;
                if &existing != doc {
                    return Err(StoreError::Conflict {
                        file: p.name.clone(),
                        line: *line,
                        field: "flight",
                        message: format!(
                            "flight {key} is already scheduled with different details"
                        ),
                    });
                }
                unchanged += 1;
            }
        }
    }
    let mut added_parcels = 0u64;
    {
        let mut ins = tx.prepare_cached(
            "INSERT INTO parcels (personal_salt, id, mawb, flight, dest_country, dest_postcode, value_cents, currency, weight_g, file_id, line, doc) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT(id) DO NOTHING",
        )?;
        let mut get = tx.prepare_cached("SELECT doc FROM parcels WHERE id = ?1")?;
        let mut ev = tx.prepare_cached(
            "INSERT INTO events (kind, key, code, at_ms, actor, location, detail) VALUES ('parcel', ?1, 'MAN', ?2, ?3, ?4, ?5)",
        )?;
        // A parcel with events before its manifest (a sorter read its label first) starts no
        // tail: its life is read whole when checked.
        let mut earlier = tx.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM events WHERE key = ?1 AND kind = 'parcel')",
        )?;
        for r in &p.parcels {
            if !known_flights.contains(&r.flight) && !new_keys.contains(&r.flight) {
                return Err(StoreError::Conflict {
                    file: p.name.clone(),
                    line: r.line,
                    field: "flight",
                    message: format!(
                        "expected a scheduled flight (ingest the schedule first), got {}",
                        r.flight_key
                    ),
                });
            }
            let id = r.id.as_str();
            let n = insert_parcel(&mut ins, r, file_id)?;
            if n == 0 {
                let existing: String = get.query_row([id], |row| row.get(0))?;
                if existing != r.doc {
                    return Err(StoreError::Conflict {
                        file: p.name.clone(),
                        line: r.line,
                        field: "parcel_id",
                        message: format!("parcel {id} was already ingested with different content"),
                    });
                }
                unchanged += 1;
                continue;
            }
            added_parcels += 1;
            if !earlier.query_row([id], |row| row.get::<_, bool>(0))? {
                changed.push(Change::Manifested {
                    id: r.id,
                    bag: r.bag,
                    uld: r.uld,
                    event: Event {
                        subject: Subject::Parcel(r.id),
                        code: EventCode::MAN,
                        at: p.at,
                        actor: p.actor,
                        location: p.location,
                        detail: Detail::None,
                    },
                });
            }
            let detail = p.man_detail(r);
            ev.execute(params![
                id,
                p.at.unix_ms(),
                p.actor.as_str(),
                p.location.as_str(),
                detail
            ])?;
        }
    }
    known_flights.extend(new_keys);
    Ok(IngestReceipt::Applied {
        parcels: added_parcels,
        flights: added_flights,
        unchanged,
        events: added_parcels,
    })
}
