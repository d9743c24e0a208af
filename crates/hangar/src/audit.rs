//! `hangar audit verify` and `hangar audit report`: the independent verifier (crate
//! hangar-verify) from the main binary, and the auditor's report read from a verified log.

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
    /// Report, from a hub's log, what data left the hub, who read sensitive data, every
    /// control change and erasure, and the alerts, for a period.
    Report(ReportArgs),
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

/// Arguments of `hangar audit report`.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// The log: a Hangar data directory, or the URL of its tlog-tiles endpoint
    /// (http://host:port/log). It is verified first; the report reads only verified entries.
    #[arg(long)]
    pub log: String,
    /// The log's public key, or a file holding it (the hub's keys/log.pub).
    #[arg(long)]
    pub key: String,
    /// Bearer token for a log served with authentication.
    #[arg(long, env = "HANGAR_LOG_TOKEN")]
    pub token: Option<String>,
    /// Start: a date (YYYY-MM-DD) or an RFC 3339 time (default: today).
    #[arg(long)]
    pub from: Option<String>,
    /// End: a date (inclusive) or a time (exclusive) (default: the end of today).
    #[arg(long)]
    pub to: Option<String>,
    /// Office hours, UTC (`6-20`): control changes outside them are flagged.
    #[arg(long, default_value = "6-20")]
    pub office_hours: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

fn source_and_key(
    log: &str,
    key: &str,
    token: Option<String>,
) -> anyhow::Result<(Box<dyn Source>, Key)> {
    let key_text = if std::path::Path::new(key).is_file() {
        std::fs::read_to_string(key).with_context(|| key.to_string())?
    } else {
        key.to_string()
    };
    let key = Key::parse(&key_text).map_err(anyhow::Error::msg)?;
    let source: Box<dyn Source> = if log.starts_with("http://") || log.starts_with("https://") {
        Box::new(Http::new(log, token).map_err(anyhow::Error::msg)?)
    } else {
        Box::new(Dir::new(std::path::Path::new(log)).map_err(anyhow::Error::msg)?)
    };
    Ok((source, key))
}

fn report(a: ReportArgs) -> anyhow::Result<ExitCode> {
    let (from, to) = hangar_api::audit::period(
        a.from.as_deref(),
        a.to.as_deref(),
        crate::ingest::now().date(),
    )
    .map_err(anyhow::Error::msg)?;
    let (start, end) = a
        .office_hours
        .split_once('-')
        .and_then(|(s, e)| Some((s.trim().parse::<u32>().ok()?, e.trim().parse::<u32>().ok()?)))
        .filter(|(s, e)| s < e && *e <= 24)
        .ok_or_else(|| anyhow::anyhow!("--office-hours: expected START-END hours, like 6-20"))?;
    let (source, key) = source_and_key(&a.log, &a.key, a.token)?;
    // Verify first: the report is only as good as the log it reads.
    let pb = ui::bar(0, "verifying", "entries", a.json);
    let progress = |done: u64, total: u64| {
        pb.set_length(total);
        pb.set_position(done);
    };
    let verified = verify(&Request {
        source: source.as_ref(),
        key: &key,
        saved: None,
        entries: &[],
        progress: &progress,
    });
    pb.finish_and_clear();
    let verified =
        verified.map_err(|f| anyhow::anyhow!("the log does not verify, so no report: {}", f.0))?;
    let size = verified.checkpoint.size;
    let settings = hangar_oversight::report::Settings {
        office_start_hour: start,
        office_end_hour: end,
        ..Default::default()
    };
    let r = hangar_api::audit::from_bundles(
        size,
        &mut |i, w| {
            source
                .get(&hangar_verify::source::tile_path(None, i, u64::from(w)))?
                .ok_or_else(|| format!("entry bundle {i} is missing"))
        },
        from,
        to,
        settings,
    )
    .map_err(anyhow::Error::msg)?;
    if a.json {
        println!("{}", serde_json::to_string(&r)?);
    } else {
        eprintln!("{}", summary(&verified));
        print!("{}", r.text());
        println!("\n(read from the {size} entries of the verified checkpoint)");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(cmd: Cmd) -> anyhow::Result<ExitCode> {
    let a = match cmd {
        Cmd::Verify(a) => a,
        Cmd::Report(a) => return report(a),
    };
    let (source, key) = source_and_key(&a.log, &a.key, a.token.clone())?;
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
