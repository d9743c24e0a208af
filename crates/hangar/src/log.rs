//! `hangar log ...` and the glue between the store and the verifiable log: the log's entry `i`
//! is the store's event `i + 1`, appended in order and never otherwise.

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hangar_ledger::entry::encode_event;
use hangar_ledger::{Ledger, Options, keys};
use hangar_store::{EmbeddedStore, MAX_APPEND_EVENTS, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `hangar log` subcommands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Create the log's signing key (once per hub); prints the public key to give auditors.
    Keygen {
        /// The log's name (origin line), e.g. lgg.hub.example/log.
        #[arg(long)]
        origin: String,
        /// Data directory.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Bring the log up to date with the store and sign a checkpoint now; prints it.
    Checkpoint {
        /// Data directory.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Print the inclusion proof of an entry against the latest checkpoint (JSON).
    Proof {
        /// Entry number (from 0; entry i is the store's event i + 1).
        entry: u64,
        /// Data directory.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Serve the log read-only over HTTP in the tlog-tiles layout.
    Serve(crate::serve::Args),
}

/// A name for a new log when the operator has not chosen one.
pub fn default_origin() -> String {
    let mut r = [0u8; 4];
    getrandom::fill(&mut r).expect("operating-system randomness");
    format!(
        "hangar.invalid/LGG/{}",
        r.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Carries a data directory's new events into its log, when it has one and no running server
/// holds it (that server carries them itself, every second).
pub fn sync_dir(dir: &Path, store: &dyn Store) -> anyhow::Result<()> {
    if !hangar_ledger::keys::verifier_path(dir).exists() {
        return Ok(());
    }
    match open(dir, &default_origin()) {
        Ok(log) => {
            sync(store, &log)?;
            log.checkpoint_now()?;
            Ok(())
        }
        Err(e) if busy(&e) => {
            eprintln!("note: a running hangar has the log open and carries this record into it");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Whether opening the log failed because a running hangar holds it.
pub fn busy(e: &anyhow::Error) -> bool {
    e.downcast_ref::<hangar_ledger::LedgerError>()
        .is_some_and(|l| matches!(l, hangar_ledger::LedgerError::Busy(_)))
}

/// Opens the data directory's log, creating its key (under `origin`) if there is none.
pub fn open(data: &Path, origin: &str) -> anyhow::Result<Ledger> {
    let signer = keys::load_or_generate(data, origin).map_err(anyhow::Error::msg)?;
    let name = signer.name().to_string();
    Ledger::open(&data.join("log"), signer, Options::new(&name))
        .with_context(|| format!("opening the log in {}", data.display()))
}

/// Appends every stored event the log does not have yet; returns how many.
pub fn sync(store: &dyn Store, log: &Ledger) -> anyhow::Result<u64> {
    let total = store.counts()?.events;
    let mut added = 0;
    while log.size() < total {
        let from = log.size() + 1;
        let to = (from + MAX_APPEND_EVENTS as u64 - 1).min(total);
        let recorded = store.events(from, to)?;
        let entries: Vec<Vec<u8>> = recorded
            .iter()
            .map(|r| encode_event(r.seq, &r.event))
            .collect();
        added += entries.len() as u64;
        log.append(entries)?;
    }
    if log.size() > total {
        bail!(
            "the log holds {} entries but the store only {total} events: the store was replaced or rolled back",
            log.size()
        );
    }
    Ok(added)
}

pub fn run(cmd: Cmd) -> anyhow::Result<ExitCode> {
    match cmd {
        Cmd::Keygen { origin, data } => {
            let dir = crate::data_dir(data);
            let signer = keys::generate(&dir, &origin).map_err(anyhow::Error::msg)?;
            println!("created the log key for {origin}");
            println!(
                "  signer (secret, keep it here): {}",
                keys::signer_path(&dir).display()
            );
            println!(
                "  public key for auditors:       {}",
                keys::verifier_path(&dir).display()
            );
            println!("{}", signer.verifier().to_string_key());
        }
        Cmd::Checkpoint { data } => {
            let dir = crate::data_dir(data);
            let store = EmbeddedStore::open(&dir)?;
            let log = open(&dir, &default_origin())?;
            let added = sync(&store, &log)?;
            let note = log.checkpoint_now()?;
            eprintln!("appended {added} entries; the log has {}", log.size());
            print!("{note}");
        }
        Cmd::Proof { entry, data } => {
            let dir = crate::data_dir(data);
            let log = open(&dir, &default_origin())?;
            let (cp, note) = log
                .latest_checkpoint()
                .context("the log has no checkpoint yet (run `hangar log checkpoint`)")?;
            if entry >= cp.size {
                bail!(
                    "entry {entry} is not covered by the latest checkpoint (size {})",
                    cp.size
                );
            }
            let proof = log.inclusion_proof(entry, cp.size)?;
            let data = log.entry(entry)?;
            let out = serde_json::json!({
                "index": entry,
                "size": cp.size,
                "entry": String::from_utf8_lossy(&data),
                "leaf_hash": B64.encode(hangar_ledger::merkle::leaf_hash(&data)),
                "proof": proof.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
                "checkpoint": note,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Cmd::Serve(a) => return crate::serve::run(a),
    }
    Ok(ExitCode::SUCCESS)
}
