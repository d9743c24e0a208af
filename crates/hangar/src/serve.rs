//! `hangar log serve`: the log read-only over HTTP (tlog-tiles layout), until Ctrl-C.

use anyhow::Context;
use hangar_api::{Access, router, serve};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `hangar log serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Data directory.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub addr: String,
    /// Serve without authentication (for a hub that publishes its log). By default readers need
    /// the bearer token in keys/log-reader.token.
    #[arg(long)]
    pub public: bool,
}

/// The reader token of a data directory, created (random, owner-only) if missing.
pub fn reader_token(data: &Path) -> anyhow::Result<String> {
    let path = data.join("keys").join("log-reader.token");
    if let Ok(t) = std::fs::read_to_string(&path) {
        return Ok(t.trim().to_string());
    }
    let mut raw = [0u8; 24];
    getrandom::fill(&mut raw).map_err(|e| anyhow::anyhow!("randomness: {e}"))?;
    let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(data.join("keys"))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    use std::io::Write;
    opts.open(&path)
        .and_then(|mut f| writeln!(f, "{token}"))
        .with_context(|| path.display().to_string())?;
    Ok(token)
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let dir = crate::data_dir(a.data);
    let log = Arc::new(crate::log::open(&dir, &crate::log::default_origin())?);
    let access = if a.public {
        Access::Public
    } else {
        Access::Token(reader_token(&dir)?)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.addr)
            .await
            .with_context(|| format!("listening on {}", a.addr))?;
        let addr = listener.local_addr()?;
        println!(
            "serving the log of {} ({} entries) at http://{addr}/log",
            dir.display(),
            log.size()
        );
        match &access {
            Access::Public => println!("  public: no authentication"),
            Access::Token(_) => println!(
                "  readers need the bearer token in {}",
                dir.join("keys/log-reader.token").display()
            ),
        }
        println!(
            "  verify it: hangar audit verify --log http://{addr}/log --key {}",
            hangar_ledger::keys::verifier_path(&dir).display()
        );
        serve(listener, router(log, access), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
