//! `hangar bench ingest`.

use super::per_s;
use anyhow::Context;
use hangar_gen::{DayConfig, generate};
use hangar_manifest::{Contents, parse, write_csv};
use hangar_model::{Actor, Date, Location, Parcel, Timestamp};
use hangar_store::{EmbeddedStore, IngestFile, Options, Store, raw_bulk_insert};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Arguments of `hangar bench ingest`.
#[derive(clap::Args)]
pub struct Args {
    /// Parcels to measure with.
    #[arg(long, default_value_t = 200_000)]
    pub parcels: u32,
    /// Parse passes; the fastest counts (the machine is shared and noisy).
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Figures {
    parcels: u64,
    files: u64,
    bytes: u64,
    parse_per_s: f64,
    parse_mb_per_s: f64,
    commit_per_s: f64,
    raw_insert_per_s: f64,
    ratio_vs_raw: f64,
    durable: bool,
}

/// Flushes every dirty page to disk so the next measured phase does not pay for the last one's
/// write-back.
pub fn settle_disk() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    crate::generate::check_size(a.parcels, 1)?;
    let day = generate(DayConfig {
        date: Date::parse("2026-11-22").expect("date"),
        parcels: a.parcels,
        flights: 6,
        seed: 1,
    });
    // The day as the per-MAWB spreadsheet files a hub receives, in memory.
    let files: Vec<(String, Vec<u8>)> = day
        .parcels
        .chunk_by(|x: &Parcel, y: &Parcel| x.mawb == y.mawb)
        .map(|g| {
            let mut buf = Vec::new();
            write_csv(&mut buf, g).expect("in-memory write");
            (format!("{}.csv", g[0].mawb), buf)
        })
        .collect();
    let bytes: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();

    // Parse + validate, one core, best of N rounds.
    let mut best = Duration::MAX;
    let mut parsed = Vec::new();
    for _ in 0..a.rounds.max(1) {
        let t = Instant::now();
        let round: Vec<_> = files
            .iter()
            .map(|(n, b)| parse(n, b).map_err(|e| anyhow::anyhow!("{e}")))
            .collect::<Result<_, _>>()?;
        best = best.min(t.elapsed());
        parsed = round;
    }
    let n = u64::from(a.parcels);
    let ingest_files = || -> Vec<IngestFile> {
        parsed
            .iter()
            .map(|f| {
                let parcels = match &f.contents {
                    Contents::Parcels(ps) => ps.iter().map(|l| (l.value.clone(), l.line)).collect(),
                    Contents::Schedule(_) => Vec::new(),
                };
                IngestFile {
                    name: f.name.clone(),
                    digest: f.digest,
                    rows: f.rows,
                    flights: Vec::new(),
                    parcels,
                    at: Timestamp(0),
                    actor: Actor::parse("system:bench").expect("actor"),
                    location: Location::parse("LGG").expect("loc"),
                }
            })
            .collect()
    };

    // Commit through the store (durable, group commit), after the schedule.
    let tmp = tempfile::tempdir().context("temporary directory")?;
    let store = EmbeddedStore::open_with(&tmp.path().join("hangar"), Options::default())?;
    store.ingest(IngestFile {
        name: "schedule.csv".into(),
        digest: [0; 32],
        rows: day.flights.len() as u64,
        flights: day.flights.iter().cloned().map(|f| (f, 0)).collect(),
        parcels: Vec::new(),
        at: Timestamp(0),
        actor: Actor::parse("system:bench").expect("actor"),
        location: Location::parse("LGG").expect("loc"),
    })?;
    // Two threads hand files to the store, as concurrent uploads from shippers would: one
    // prepares its next file while the single writer commits the other's.
    let mut halves: [Vec<IngestFile>; 2] = [Vec::new(), Vec::new()];
    for (i, f) in ingest_files().into_iter().enumerate() {
        halves[i % 2].push(f);
    }
    settle_disk();
    let t = Instant::now();
    std::thread::scope(|s| -> anyhow::Result<()> {
        let handles: Vec<_> = halves
            .into_iter()
            .map(|files| {
                let store = &store;
                s.spawn(move || -> anyhow::Result<()> {
                    for f in files {
                        store.ingest(f)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().expect("ingest thread")?;
        }
        Ok(())
    })?;
    let commit = t.elapsed();
    drop(store);

    // The limit: the raw engine inserting the same rows.
    // The engine's best batching wins: one file, four files or everything per transaction.
    let raw = [1usize, 4, usize::MAX]
        .into_iter()
        .enumerate()
        .map(|(i, per_tx)| {
            raw_bulk_insert(
                &tmp.path().join(format!("raw{i}")),
                ingest_files(),
                true,
                per_tx,
            )
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .min()
        .expect("three runs");

    let f = Figures {
        parcels: n,
        files: files.len() as u64,
        bytes,
        parse_per_s: per_s(n, best),
        parse_mb_per_s: ((bytes as f64 / 1e6) / best.as_secs_f64() * 10.0).round() / 10.0,
        commit_per_s: per_s(n, commit),
        raw_insert_per_s: per_s(n, raw),
        ratio_vs_raw: ((raw.as_secs_f64() / commit.as_secs_f64()) * 1000.0).round() / 1000.0,
        durable: true,
    };
    if a.json {
        println!("{}", serde_json::to_string(&f)?);
    } else {
        println!(
            "ingest benchmark: {} parcels in {} files ({:.1} MB of CSV)",
            f.parcels,
            f.files,
            bytes as f64 / 1e6
        );
        println!(
            "  parse_per_s       {:>12.0}   parse + validate, one core ({} MB/s)",
            f.parse_per_s, f.parse_mb_per_s
        );
        println!(
            "  commit_per_s      {:>12.0}   through the store, files from 2 threads: rows, commitments, checks, MAN events, fsync",
            f.commit_per_s
        );
        println!(
            "  raw_insert_per_s  {:>12.0}   bare SQLite inserts of the same rows, best of 1/4/all files per transaction (the limit)",
            f.raw_insert_per_s
        );
        println!(
            "  ratio_vs_raw      {:>12.3}   commit / raw",
            f.ratio_vs_raw
        );
    }
    Ok(ExitCode::SUCCESS)
}
