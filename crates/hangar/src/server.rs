//! `hangar serve` and `hangar users`: the HTTP server (JSON API, dashboard, tracking page,
//! metrics) over a data directory, and its accounts.

use anyhow::Context;
use hangar_api::accounts::{Accounts, Role};
use hangar_api::app::{App, CustomsHook};
use hangar_api::live::Live;
use hangar_api::{Access, Config};
use hangar_ledger::Ledger;
use hangar_store::{EmbeddedStore, Store};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `hangar serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Data directory (default: $HANGAR_DATA or ./hangar-data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Configuration file (TOML; see docs/api.md). Environment variables override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on (overrides the configuration).
    #[arg(long)]
    pub listen: Option<String>,
}

/// `hangar users` subcommands.
#[derive(clap::Subcommand)]
pub enum UsersCmd {
    /// Add a user; prints a generated password (shown once).
    Add {
        /// Login (2-32 lower-case letters, digits, . _ -).
        login: String,
        /// operator, customs, carrier, merchant, auditor or admin.
        #[arg(long)]
        role: String,
        /// A carrier's route ids (comma-separated) or a merchant's seller name.
        #[arg(long)]
        scope: Option<String>,
        /// Data directory.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Create an API token for a user; prints it (shown once).
    Token {
        /// Login.
        login: String,
        /// What the token is for.
        #[arg(long, default_value = "command line")]
        label: String,
        /// Data directory.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// List the users.
    List {
        /// Data directory.
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

/// A password to hand to a person: 20 letters and digits, ambiguous ones left out.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut raw = [0u8; 20];
    getrandom::fill(&mut raw).expect("operating-system randomness");
    raw.iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// Adds the first administrator if the data directory has no users yet; returns their password.
pub fn first_admin(accounts: &Accounts) -> anyhow::Result<Option<String>> {
    if !accounts.users()?.is_empty() {
        return Ok(None);
    }
    let password = new_password();
    accounts.add_user("admin", Role::Admin, None, &password)?;
    Ok(Some(password))
}

/// A running server.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What its screens show.
    pub live: Arc<Live>,
}

/// Starts the server for a data directory on `rt`: accounts, the live state following the
/// store, the log (when the directory has one), the routes.
pub fn start(
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    store: Arc<dyn Store>,
    log: Option<Arc<Ledger>>,
    config: Config,
    on_customs: Option<CustomsHook>,
) -> anyhow::Result<Running> {
    let accounts = Arc::new(Accounts::open(dir)?);
    let live = Arc::new(Live::default());
    live.catch_up(store.as_ref())?;
    live.follow(store.clone(), std::time::Duration::from_millis(250));
    let log_access = if config.log_public {
        Access::Public
    } else {
        Access::Token(crate::serve::reader_token(dir)?)
    };
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(&config.listen))
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let app = App {
        store,
        accounts,
        live: live.clone(),
        log,
        log_access,
        plan: Arc::new(hangar_sort::Plan::default_eu()),
        metrics: Arc::default(),
        config,
        on_customs,
    };
    let router = hangar_api::app(app);
    rt.spawn(async move {
        if let Err(e) = hangar_api::serve(listener, router, std::future::pending()).await {
            eprintln!("error: the HTTP server stopped: {e}");
        }
    });
    Ok(Running { addr, live })
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let dir = crate::data_dir(a.data);
    if !dir.join(hangar_store::DB_FILE).exists() {
        anyhow::bail!(
            "no Hangar data in {} (run `hangar demo` or `hangar ingest` first, or pass --data)",
            dir.display()
        );
    }
    let mut config = Config::load(a.config.as_deref()).map_err(anyhow::Error::msg)?;
    if let Some(l) = a.listen {
        config.listen = l;
    }
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(&dir)?);
    let log = if hangar_ledger::keys::verifier_path(&dir).exists() {
        Some(Arc::new(crate::log::open(
            &dir,
            &crate::log::default_origin(),
        )?))
    } else {
        None
    };
    let accounts = Accounts::open(&dir)?;
    let first = first_admin(&accounts)?;
    drop(accounts);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let running = start(&rt, &dir, store.clone(), log.clone(), config, None)?;
    println!(
        "Hangar serving {} at http://{}/",
        dir.display(),
        running.addr
    );
    if let Some(p) = first {
        println!(
            "  first start: sign in as admin with password {p} (shown once; add users with `hangar users add`)"
        );
    }
    println!(
        "  API documentation: http://{}/docs   tracking page: http://{}/track",
        running.addr, running.addr
    );
    // New events (from declarants, the sort host) go into the log as they come.
    rt.block_on(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = tick.tick() => {
                    if let Some(log) = &log {
                        let (s, l) = (store.clone(), log.clone());
                        let _ = tokio::task::spawn_blocking(move || crate::log::sync(s.as_ref(), &l)).await;
                    }
                }
            }
        }
    });
    running.live.stop();
    println!("stopped");
    Ok(ExitCode::SUCCESS)
}

pub fn users(cmd: UsersCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        UsersCmd::Add {
            login,
            role,
            scope,
            data,
        } => {
            let accounts = Accounts::open(&crate::data_dir(data))?;
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let password = new_password();
            let u = accounts.add_user(&login, role, scope.as_deref(), &password)?;
            println!(
                "added {} ({}{})",
                u.login,
                u.role.as_str(),
                u.scope.map(|s| format!(", scope {s}")).unwrap_or_default()
            );
            println!("password (shown once): {password}");
        }
        UsersCmd::Token { login, label, data } => {
            let accounts = Accounts::open(&crate::data_dir(data))?;
            if !accounts.users()?.iter().any(|u| u.login == login) {
                anyhow::bail!("no user {login:?} (add one with `hangar users add`)");
            }
            println!("{}", accounts.create_token(&login, &label)?);
        }
        UsersCmd::List { data } => {
            let accounts = Accounts::open(&crate::data_dir(data))?;
            for u in accounts.users()? {
                println!(
                    "{:<20} {:<9} {}",
                    u.login,
                    u.role.as_str(),
                    u.scope.unwrap_or_default()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
