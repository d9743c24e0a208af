//! `hangar audit verify`: the independent verifier (crate hangar-verify) from the main binary.

use crate::ui;
use anyhow::Context;
use hangar_verify::source::{Dir, Http, Source};
use hangar_verify::{Key, Request, summary, verify};
use std::path::PathBuf;
use std::process::ExitCode;

/// `hangar audit` subcommands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Verify a hub's log: signature, every entry and tile, consistency, inclusion.
    Verify(VerifyArgs),
}

/// Arguments of `hangar audit verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The log: a Hangar data directory, or the URL of its tlog-tiles endpoint (http://host:port/log).
    #[arg(long)]
    pub log: String,
    /// The log's public key, or a file holding it (the hub's keys/log.pub).
    #[arg(long)]
    pub key: String,
    /// A checkpoint saved earlier: prove the log only grew since.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Prove the inclusion of this entry (repeatable).
    #[arg(long = "entry")]
    pub entries: Vec<u64>,
    /// Bearer token for a log served with authentication.
    #[arg(long, env = "HANGAR_LOG_TOKEN")]
    pub token: Option<String>,
    /// Save the verified checkpoint here, for the next audit.
    #[arg(long)]
    pub save: Option<PathBuf>,
}

pub fn run(cmd: Cmd) -> anyhow::Result<ExitCode> {
    let Cmd::Verify(a) = cmd;
    let key_text = if std::path::Path::new(&a.key).is_file() {
        std::fs::read_to_string(&a.key).with_context(|| a.key.clone())?
    } else {
        a.key.clone()
    };
    let key = Key::parse(&key_text).map_err(anyhow::Error::msg)?;
    let source: Box<dyn Source> = if a.log.starts_with("http://") || a.log.starts_with("https://") {
        Box::new(Http::new(&a.log, a.token.clone()).map_err(anyhow::Error::msg)?)
    } else {
        Box::new(Dir::new(std::path::Path::new(&a.log)).map_err(anyhow::Error::msg)?)
    };
    let saved = a
        .checkpoint
        .as_ref()
        .map(|p| std::fs::read_to_string(p).with_context(|| p.display().to_string()))
        .transpose()?;
    let pb = ui::bar(0, "verifying", "entries", false);
    let progress = |done: u64, total: u64| {
        pb.set_length(total);
        pb.set_position(done);
    };
    let result = verify(&Request {
        source: source.as_ref(),
        key: &key,
        saved: saved.as_deref(),
        entries: &a.entries,
        progress: &progress,
    });
    pb.finish_and_clear();
    match result {
        Ok(report) => {
            println!("{}", summary(&report));
            if let Some(path) = a.save {
                std::fs::write(&path, &report.note).with_context(|| path.display().to_string())?;
                println!(
                    "  saved the checkpoint to {} for the next audit",
                    path.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("VERIFICATION FAILED: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
