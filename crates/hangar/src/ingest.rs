//! `hangar ingest`: files are read and checked on one thread while the store commits the
//! previous file on its writer; a file is reported only once it is durable.

use crate::ui;
use anyhow::Context;
use hangar_manifest::{Kind, ParsedFile, detect, parse};
use hangar_model::{Actor, Location, Timestamp};
use hangar_store::{EmbeddedStore, IngestFile, IngestReceipt, Store};
use indicatif::ProgressBar;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `hangar ingest`.
#[derive(clap::Args)]
pub struct Args {
    /// Data directory (default: $HANGAR_DATA or ./hangar-data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Schedule (CSV with an `sta` column) and manifest files (.csv, .jsonl). Schedules are
    /// ingested first, whatever the order given.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// What happened to the files of one ingest run.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Report {
    /// Files applied.
    pub applied: u64,
    /// Files already ingested (same bytes), skipped.
    pub already: u64,
    /// Files refused.
    pub refused: u64,
    /// Parcels added.
    pub parcels: u64,
    /// Flights added.
    pub flights: u64,
    /// Parcels already known, unchanged.
    pub unchanged: u64,
}

/// The current time as a `Timestamp`.
pub fn now() -> Timestamp {
    hangar_service::actions::now()
}

fn kind_of(path: &Path) -> Kind {
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    detect(&path.to_string_lossy(), &head[..n])
}

/// Reads and parses one file, or explains why it cannot be read.
fn read_one(path: &Path) -> Result<ParsedFile, String> {
    let name = path.to_string_lossy().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{name}:0: file: cannot read: {e}"))?;
    if meta.len() > hangar_manifest::MAX_FILE_BYTES {
        return Err(format!(
            "{name}:0: file: expected at most {} bytes, the file has {}",
            hangar_manifest::MAX_FILE_BYTES,
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}:0: file: cannot read: {e}"))?;
    parse(&name, &bytes).map_err(|e| e.to_string())
}

/// Ingests `files` into `store` (schedules first), advancing `pb` and, with `echo`, printing a
/// line per file. Refusals always go to standard error.
pub fn ingest_files(
    store: &dyn Store,
    files: &[PathBuf],
    at: Timestamp,
    actor: Actor,
    location: Location,
    pb: &ProgressBar,
    echo: bool,
) -> Report {
    let say = |s: String| {
        if echo {
            crate::ui::line(pb, s)
        }
    };
    let mut ordered: Vec<&PathBuf> = files
        .iter()
        .filter(|p| kind_of(p) == Kind::ScheduleCsv)
        .collect();
    ordered.extend(files.iter().filter(|p| kind_of(p) != Kind::ScheduleCsv));
    let mut report = Report::default();
    std::thread::scope(|s| {
        // Bounded: at most two parsed files wait for the store (backpressure, bounded memory).
        let (tx, rx) = std::sync::mpsc::sync_channel::<(PathBuf, Result<ParsedFile, String>)>(2);
        s.spawn(move || {
            for path in ordered {
                if tx.send((path.clone(), read_one(path))).is_err() {
                    break;
                }
            }
        });
        for (path, parsed) in rx {
            let shown = path.display().to_string();
            let result = parsed.and_then(|f| {
                let (flights, parcels) = f.contents.into_rows();
                store
                    .ingest(IngestFile {
                        name: f.name,
                        digest: f.digest,
                        rows: f.rows,
                        flights,
                        parcels,
                        at,
                        actor,
                        location,
                    })
                    .map_err(|e| e.to_string())
            });
            match result {
                Ok(IngestReceipt::Applied {
                    parcels,
                    flights,
                    unchanged,
                    ..
                }) => {
                    report.applied += 1;
                    report.parcels += parcels;
                    report.flights += flights;
                    report.unchanged += unchanged;
                    let what = if flights > 0 {
                        format!("{flights} flights")
                    } else {
                        format!("{parcels} parcels")
                    };
                    let same = if unchanged > 0 {
                        format!(" ({unchanged} already known, unchanged)")
                    } else {
                        String::new()
                    };
                    say(format!("ingested {shown}: {what}{same}"));
                }
                Ok(IngestReceipt::AlreadyIngested { name, at }) => {
                    report.already += 1;
                    say(format!(
                        "skipped  {shown}: already ingested as {name} at {at}"
                    ));
                }
                Err(errors) => {
                    report.refused += 1;
                    say(format!("REFUSED  {shown}: nothing of it was applied"));
                    pb.suspend(|| eprintln!("{errors}"));
                }
            }
            pb.inc(1);
        }
    });
    report
}

/// How long a file may wait in the inbox before we stop waiting for the service.
const INBOX_PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// Hands `files` to the service that runs on `dir` through its watched inbox (each copied under
/// a hidden name, then renamed in whole), and reports what became of each.
fn hand_to_service(dir: &Path, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).with_context(|| inbox.display().to_string())?;
    eprintln!(
        "a running hangar holds {}: handing the files to it through {}",
        dir.display(),
        inbox.display()
    );
    let pb = ui::bar(files.len() as u64, "handed over", "files", false);
    let mut refused = 0;
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .with_context(|| format!("{}: not a file name", path.display()))?;
        let target = inbox.join(&name);
        if target.exists() {
            anyhow::bail!(
                "{}: a file of that name already waits in the inbox",
                target.display()
            );
        }
        let placed = std::time::SystemTime::now();
        let part = inbox.join(format!(".{name}.part"));
        std::fs::copy(path, &part).with_context(|| format!("{}: cannot copy", path.display()))?;
        std::fs::rename(&part, &target)?;
        let errors = inbox.join("refused").join(format!("{name}.errors"));
        let since = std::time::Instant::now();
        while target.exists() {
            if since.elapsed() > INBOX_PATIENCE {
                pb.finish_and_clear();
                anyhow::bail!(
                    "{name}: the running hangar did not take it up in {} s (is it `hangar serve`?); it waits in {}",
                    INBOX_PATIENCE.as_secs(),
                    inbox.display()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // Refused: a fresh `.errors` file beside it.
        let fresh = std::fs::metadata(&errors)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= placed);
        if fresh {
            refused += 1;
            let why = std::fs::read_to_string(&errors).unwrap_or_default();
            ui::line(
                &pb,
                format!("REFUSED  {}: nothing of it was applied", path.display()),
            );
            pb.suspend(|| eprintln!("{}", why.trim_end()));
        } else {
            ui::line(&pb, format!("{}: taken in by the service", path.display()));
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    println!(
        "{} files handed to the running service, {} taken in, {refused} refused (see {})",
        files.len(),
        files.len() - refused,
        inbox.join("refused").display()
    );
    Ok(if refused > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let dir = crate::data_dir(a.data);
    // A running hangar holds the log (and owns the directory): the files go to it.
    let log = match crate::log::open(&dir, &crate::log::default_origin()) {
        Ok(log) => log,
        Err(e) if crate::log::busy(&e) => return hand_to_service(&dir, &a.files),
        Err(e) => return Err(e),
    };
    let store = EmbeddedStore::open(&dir)
        .with_context(|| format!("opening data directory {}", dir.display()))?;
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    let actor = Actor::parse(&format!("user:{user}"))
        .unwrap_or_else(|_| Actor::parse("user:operator").expect("actor"));
    let pb = ui::bar(a.files.len() as u64, "ingesting", "files", false);
    let report = ingest_files(
        &store,
        &a.files,
        now(),
        actor,
        Location::parse("LGG").expect("location"),
        &pb,
        true,
    );
    pb.finish_and_clear();
    // Every stored event goes to the verifiable log before we report.
    let logged = crate::log::sync(&store, &log)?;
    let note = log.checkpoint_now()?;
    let size = hangar_ledger::Checkpoint::parse(note.split("\n\n").next().unwrap_or(""))
        .map(|c| c.size)
        .unwrap_or(0);
    eprintln!(
        "log: {logged} new entries, signed checkpoint at size {size} ({})",
        dir.join("log/checkpoint").display()
    );
    println!(
        "{} applied, {} already ingested, {} refused; {} parcels and {} flights added, {} unchanged",
        report.applied,
        report.already,
        report.refused,
        report.parcels,
        report.flights,
        report.unchanged
    );
    Ok(if report.refused > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
