//! `hangar-verify`: the auditor's stand-alone verifier (the same checks as `hangar audit verify`).

use hangar_verify::source::{Dir, Http, Source};
use hangar_verify::{Key, Request, verify};
use std::process::ExitCode;

const USAGE: &str = "usage: hangar-verify --log DIR|URL --key KEY|KEYFILE [--checkpoint SAVED] [--entry N]... [--token TOKEN]

Verifies a Hangar log: the checkpoint's signature, every entry and stored hash, consistency with a
checkpoint saved earlier, and inclusion of the given entries. Exit status 0 when everything
verified, 1 when something did not (the message names it), 2 for wrong arguments.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut log = None;
    let mut key = None;
    let mut saved = None;
    let mut token = None;
    let mut entries = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned();
        match a.as_str() {
            "--log" => log = value(),
            "--key" => key = value(),
            "--checkpoint" => saved = value(),
            "--token" => token = value(),
            "--entry" => match value().and_then(|v| v.parse::<u64>().ok()) {
                Some(n) => entries.push(n),
                None => return usage("--entry takes an entry number"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return usage(&format!("unknown argument {other}")),
        }
    }
    let (Some(log), Some(key)) = (log, key) else {
        return usage("--log and --key are required");
    };
    match run(&log, &key, saved.as_deref(), &entries, token) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("VERIFICATION FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("hangar-verify: {msg}\n\n{USAGE}");
    ExitCode::from(2)
}

/// Reads a key given inline or as a file path.
fn key_text(arg: &str) -> Result<String, String> {
    if std::path::Path::new(arg).is_file() {
        std::fs::read_to_string(arg).map_err(|e| format!("{arg}: {e}"))
    } else {
        Ok(arg.to_string())
    }
}

fn run(
    log: &str,
    key: &str,
    saved: Option<&str>,
    entries: &[u64],
    token: Option<String>,
) -> Result<String, String> {
    let key = Key::parse(&key_text(key)?)?;
    let source: Box<dyn Source> = if log.starts_with("http://") || log.starts_with("https://") {
        Box::new(Http::new(log, token)?)
    } else {
        Box::new(Dir::new(std::path::Path::new(log))?)
    };
    let saved_note = saved
        .map(|p| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}")))
        .transpose()?;
    let report = verify(&Request {
        source: source.as_ref(),
        key: &key,
        saved: saved_note.as_deref(),
        entries,
        progress: &|_, _| {},
    })
    .map_err(|e| e.to_string())?;
    Ok(hangar_verify::summary(&report))
}
