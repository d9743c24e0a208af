//! `hangar bench ledger`.

use super::per_s;
use anyhow::Context;
use hangar_ledger::entry::encode_event;
use hangar_ledger::merkle::{leaf_hash, verify_inclusion};
use hangar_ledger::{Ledger, Options, keys};
use hangar_model::rng::Rng;
use hangar_model::*;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// Arguments of `hangar bench ledger`.
#[derive(clap::Args)]
pub struct Args {
    /// Entries to append.
    #[arg(long, default_value_t = 2_000_000)]
    pub entries: u64,
    /// Threads appending at once (leaf hashing runs on them; the writer commits groups).
    #[arg(long, default_value_t = 4)]
    pub producers: u64,
    /// Entries per append call.
    #[arg(long, default_value_t = 32_768)]
    pub batch: u64,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Figures {
    entries: u64,
    mean_entry_bytes: u64,
    appends_per_s: f64,
    hash_limit_per_s: f64,
    ratio_vs_hash_limit: f64,
    disk_limit_per_s: f64,
    ratio_vs_disk_limit: f64,
    inclusion_proof_us: f64,
    verify_entries_per_s: f64,
    checkpoints_issued: u64,
    durable: bool,
}

/// Entries shaped like the demo's: canonical encodings of sort decisions, discharges and
/// breakdown scans with varying ids and times.
fn entries(n: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(7);
    let base = Date::parse("2026-11-22").expect("date").midnight();
    let actor = Actor::parse("sorter:S1").expect("actor");
    let loc = Location::parse("LGG/S1/CH024").expect("loc");
    (0..n)
        .map(|i| {
            let id = S10Id::from_parts("UA", (i % 99_999_999) as u32, "CN");
            let detail = match i % 3 {
                0 => Detail::SortDecision {
                    chute: 10 + (rng.below(32) as u16),
                    route: Some("FR-2".into()),
                    pass: 1,
                },
                1 => Detail::Discharged {
                    chute: 24,
                    outcome: DischargeOutcome::Sorted,
                    pass: 1,
                },
                _ => Detail::Received {
                    bag: BagId::parse("PVG26112200200016").expect("bag"),
                    uld: UldId::parse("PMC30571MU").expect("uld"),
                },
            };
            let e = Event {
                subject: Subject::Parcel(id),
                code: EventCode::SRT,
                at: base.plus_ms(i as i64 * 7),
                actor,
                location: loc,
                detail,
            };
            encode_event(i + 1, &e)
        })
        .collect()
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        a.entries >= 1 && a.entries <= 50_000_000,
        "--entries: expected 1 to 50,000,000"
    );
    anyhow::ensure!(
        (1..=16).contains(&a.producers),
        "--producers: expected 1 to 16"
    );
    anyhow::ensure!(
        (1..=hangar_ledger::MAX_APPEND_ENTRIES as u64).contains(&a.batch),
        "--batch: expected 1 to {}",
        hangar_ledger::MAX_APPEND_ENTRIES
    );
    let data = entries(a.entries);
    let bytes: u64 = data.iter().map(|e| e.len() as u64).sum();

    // The limit: SHA-256 leaf hashes of the same entries, one core.
    let t = Instant::now();
    let mut acc = 0u8;
    for e in &data {
        acc ^= leaf_hash(e)[0];
    }
    let hash_time = t.elapsed();
    std::hint::black_box(acc);

    // The other limit: the same entry bytes written sequentially and synced in 8 MiB steps.
    let tmp_disk = tempfile::tempdir().context("temporary directory")?;
    let disk_time = {
        use std::io::Write;
        let mut f = std::fs::File::create(tmp_disk.path().join("limit.dat"))?;
        let t = Instant::now();
        let mut buf = Vec::with_capacity(8 << 20);
        for e in &data {
            buf.extend_from_slice(&(e.len() as u16).to_be_bytes());
            buf.extend_from_slice(e);
            if buf.len() >= 8 << 20 {
                f.write_all(&buf)?;
                f.sync_data()?;
                buf.clear();
            }
        }
        f.write_all(&buf)?;
        f.sync_data()?;
        t.elapsed()
    };
    drop(tmp_disk);

    // Durable appends with group commit.
    let tmp = tempfile::tempdir().context("temporary directory")?;
    let signer =
        keys::generate(tmp.path(), "bench.hangar.invalid/log").map_err(anyhow::Error::msg)?;
    let log = Arc::new(Ledger::open(
        &tmp.path().join("log"),
        signer,
        Options::new("bench.hangar.invalid/log"),
    )?);
    let chunks: Vec<Vec<Vec<u8>>> = data.chunks(a.batch as usize).map(|c| c.to_vec()).collect();
    drop(data);
    let mut per_producer: Vec<Vec<Vec<Vec<u8>>>> = (0..a.producers).map(|_| Vec::new()).collect();
    for (i, c) in chunks.into_iter().enumerate() {
        per_producer[i % a.producers as usize].push(c);
    }
    let t = Instant::now();
    std::thread::scope(|s| {
        for work in per_producer {
            let log = log.clone();
            s.spawn(move || {
                for batch in work {
                    log.append(batch).expect("append");
                }
            });
        }
    });
    let note = log.checkpoint_now()?;
    let append_time = t.elapsed();
    anyhow::ensure!(
        log.size() == a.entries,
        "the log holds {} entries, expected {}",
        log.size(),
        a.entries
    );
    let checkpoints = std::fs::read_to_string(tmp.path().join("log/checkpoints.jsonl"))
        .map(|h| h.lines().count() as u64)
        .unwrap_or(0);

    // Inclusion proofs from stored hashes, checked as they come.
    let cp =
        hangar_ledger::Checkpoint::parse(log.verifier().open(&note).map_err(anyhow::Error::msg)?)
            .map_err(anyhow::Error::msg)?;
    let mut rng = Rng::new(11);
    let proofs = 2_000u32;
    let leaves: Vec<(u64, [u8; 32])> = (0..proofs)
        .map(|_| rng.below(a.entries))
        .map(|i| (i, leaf_hash(&log.entry(i).expect("entry"))))
        .collect();
    let t = Instant::now();
    for (i, leaf) in &leaves {
        let p = log.inclusion_proof(*i, cp.size)?;
        anyhow::ensure!(
            verify_inclusion(leaf, *i, cp.size, &p, &cp.root),
            "proof of {i} failed"
        );
    }
    let proof_time = t.elapsed();

    // The auditor's full verification of the same log.
    let key =
        hangar_verify::Key::parse(&log.verifier().to_string_key()).map_err(anyhow::Error::msg)?;
    let src = hangar_verify::source::Dir::new(tmp.path()).map_err(anyhow::Error::msg)?;
    let t = Instant::now();
    let report = hangar_verify::verify(&hangar_verify::Request {
        source: &src,
        key: &key,
        saved: None,
        entries: &[],
        progress: &|_, _| {},
    })?;
    let verify_time = t.elapsed();
    anyhow::ensure!(
        report.entries_checked == a.entries,
        "verified {} entries",
        report.entries_checked
    );

    let appends_per_s = per_s(a.entries, append_time);
    let hash_limit_per_s = per_s(a.entries, hash_time);
    let disk_limit_per_s = per_s(a.entries, disk_time);
    let f = Figures {
        entries: a.entries,
        mean_entry_bytes: bytes / a.entries,
        appends_per_s,
        hash_limit_per_s,
        ratio_vs_hash_limit: (appends_per_s / hash_limit_per_s * 1000.0).round() / 1000.0,
        disk_limit_per_s,
        ratio_vs_disk_limit: (appends_per_s / disk_limit_per_s * 1000.0).round() / 1000.0,
        inclusion_proof_us: (proof_time.as_secs_f64() * 1e6 / f64::from(proofs) * 10.0).round()
            / 10.0,
        verify_entries_per_s: per_s(a.entries, verify_time),
        checkpoints_issued: checkpoints,
        durable: true,
    };
    if a.json {
        println!("{}", serde_json::to_string(&f)?);
    } else {
        println!(
            "ledger benchmark: {} entries of {} bytes on average, {} producers, batches of {}",
            f.entries, f.mean_entry_bytes, a.producers, a.batch
        );
        println!(
            "  appends_per_s         {:>12.0}   durable (fdatasync per group), acknowledged",
            f.appends_per_s
        );
        println!(
            "  hash_limit_per_s      {:>12.0}   raw SHA-256 leaf hashes of the same entries, one core (the limit)",
            f.hash_limit_per_s
        );
        println!("  ratio_vs_hash_limit   {:>12.3}", f.ratio_vs_hash_limit);
        println!(
            "  disk_limit_per_s      {:>12.0}   the same entry bytes written and synced sequentially (the disk's limit)",
            f.disk_limit_per_s
        );
        println!("  ratio_vs_disk_limit   {:>12.3}", f.ratio_vs_disk_limit);
        println!(
            "  inclusion_proof_us    {:>12.1}   proof from stored hashes, verified",
            f.inclusion_proof_us
        );
        println!(
            "  verify_entries_per_s  {:>12.0}   independent verifier, full re-hash against tiles",
            f.verify_entries_per_s
        );
        println!("  checkpoints issued    {:>12}", f.checkpoints_issued);
    }
    Ok(ExitCode::SUCCESS)
}
