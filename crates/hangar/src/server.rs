//! `hangar serve` and `hangar users`: the HTTP server (JSON API, dashboard, tracking page,
//! metrics) over a data directory, and its accounts.

use anyhow::{Context, bail};
use hangar_api::app::{App, CustomsHook};
use hangar_api::live::Live;
use hangar_api::{Access, Config};
use hangar_ledger::Ledger;
use hangar_service::accounts::{Accounts, Role};
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
    /// Address the sort host listens on for sorters (overrides the configuration).
    #[arg(long)]
    pub sorter_listen: Option<String>,
    /// On the first start only: the hub's declared egress flows (TOML), as version 1 of the
    /// guarded setting. Later changes go through `hangar control` and a second person.
    #[arg(long)]
    pub initial_flows: Option<PathBuf>,
    /// The customs engine's IOSS register and denied-party lists.
    #[command(flatten)]
    pub customs: crate::customs::Setup,
}

/// `hangar users` subcommands.
#[derive(clap::Subcommand)]
pub enum UsersCmd {
    /// Add a user; prints a generated password (shown once) to hand to them. On a data
    /// directory with no users yet this makes the first administrator (`--role admin --data
    /// DIR`, on the hub's host, before the first `hangar serve`); after that, users are added
    /// through the running hub by an administrator signed in as themselves (a new
    /// administrator waits for a second administrator's approval).
    Add {
        /// Login (2-32 lower-case letters, digits, . _ -).
        login: String,
        /// operator, customs, carrier, merchant, auditor, device or admin.
        #[arg(long)]
        role: String,
        /// A carrier's route ids (comma-separated) or a merchant's seller name.
        #[arg(long)]
        scope: Option<String>,
        /// Make the first administrator of this data directory, on the hub's host (refused once
        /// it has users).
        #[arg(long)]
        data: Option<PathBuf>,
        #[command(flatten)]
        remote: crate::client::Remote,
    },
    /// List the users (an administrator, through the running hub).
    List {
        #[command(flatten)]
        remote: crate::client::Remote,
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

/// Adds the first administrator if the data directory has no users yet (recorded as a change
/// of the `users` setting); returns their password.
pub fn first_admin(accounts: &Accounts, store: &dyn Store) -> anyhow::Result<Option<String>> {
    if !accounts.users()?.is_empty() {
        return Ok(None);
    }
    let password = new_password();
    hangar_service::controls::add_user(
        store,
        accounts,
        "admin",
        Role::Admin,
        None,
        &password,
        None,
        hangar_model::Actor::parse("system:hangar").expect("actor"),
        crate::oversight::origin(),
    )?;
    Ok(Some(password))
}

/// A running server.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What its screens show.
    pub live: Arc<Live>,
    /// Its refusals waiting to be recorded as counts.
    pub denials: Arc<hangar_api::access::Denials>,
    /// Its store.
    pub store: Arc<dyn Store>,
    /// Tells the HTTP server to stop taking requests.
    stop: Arc<tokio::sync::Notify>,
    /// The HTTP server's task.
    http: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// How long a stopping server waits for the requests in flight to be answered.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

impl Running {
    /// Stops taking requests and waits (up to `STOP_GRACE`) for those in flight to be answered.
    pub fn stop_http(&self, rt: &tokio::runtime::Runtime) {
        self.stop.notify_one();
        let task = self.http.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task
            && rt
                .block_on(async { tokio::time::timeout(STOP_GRACE, task).await })
                .is_err()
        {
            eprintln!(
                "warning: requests still in flight after {} s are cut off (none was acknowledged)",
                STOP_GRACE.as_secs()
            );
        }
    }

    /// What the server does every second: refusal counts into the store, the store into the log.
    pub fn tick(&self, log: Option<&Arc<Ledger>>) {
        if let Err(e) = self
            .denials
            .flush(self.store.as_ref(), crate::oversight::hub())
        {
            eprintln!("warning: refusals not recorded yet: {e}");
        }
        if let Some(log) = log
            && let Err(e) = crate::log::sync(self.store.as_ref(), log)
        {
            eprintln!("warning: log: {e:#}");
        }
    }
}

/// Starts the server for a data directory on `rt`: accounts, the live state following the
/// store, the log (when the directory has one), the guarded settings in force, the routes.
pub fn start(
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    store: Arc<dyn Store>,
    log: Option<Arc<Ledger>>,
    config: Config,
    on_customs: Option<CustomsHook>,
    on_control: Option<hangar_api::app::ControlHook>,
    hub: Option<Arc<hangar_service::Hub>>,
) -> anyhow::Result<Running> {
    let plan = crate::oversight::in_force(store.as_ref(), crate::oversight::system())?.plan;
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
    let denials: Arc<hangar_api::access::Denials> = Arc::default();
    let app = App {
        store: store.clone(),
        accounts,
        live: live.clone(),
        log,
        log_access,
        plan: std::sync::RwLock::new(Arc::new(plan)),
        metrics: Arc::default(),
        config,
        on_customs,
        denials: denials.clone(),
        on_control,
        hub,
    };
    let router = hangar_api::app(app);
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopped = stop.clone();
    let http = rt.spawn(async move {
        let shutdown = async move { stopped.notified().await };
        if let Err(e) = hangar_api::serve(listener, router, shutdown).await {
            eprintln!("error: the HTTP server stopped: {e}");
        }
    });
    Ok(Running {
        addr,
        live,
        denials,
        store,
        stop,
        http: std::sync::Mutex::new(Some(http)),
    })
}

/// A long-running service allocates and frees request-sized buffers (a scan batch, a manifest)
/// all day: keep them in the heap instead of fresh zeroed pages from the kernel each time, in a
/// few arenas (one per thread would keep each thread's freed memory apart and let the process
/// grow with the day, not with what it holds); `give_back` returns what is free every minute.
fn keep_buffers() {
    // SAFETY: mallopt only sets glibc's allocation parameters; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 4);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
    }
}

/// Returns the heap's free pages to the operating system.
fn give_back() {
    // SAFETY: malloc_trim only releases free memory; safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    keep_buffers();
    let dir = crate::data_dir(a.data);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut config = Config::load(a.config.as_deref()).map_err(anyhow::Error::msg)?;
    if let Some(l) = a.listen {
        config.listen = l;
    }
    if let Some(l) = a.sorter_listen {
        config.sorter_listen = l;
    }
    let store: Arc<dyn Store> =
        Arc::new(EmbeddedStore::open(&dir).with_context(|| format!("opening {}", dir.display()))?);
    // The log is created with its keys on the first start.
    let log = Arc::new(crate::log::open(&dir, &crate::log::default_origin())?);
    // What the store holds (a crash may have left the log behind it) goes into the log, under a
    // signed checkpoint, before anything else: the log verifies from the first moment on.
    crate::log::sync(store.as_ref(), &log)?;
    log.checkpoint_now()?;
    let accounts = Accounts::open(&dir)?;
    let first = first_admin(&accounts, store.as_ref())?;
    drop(accounts);
    let system = hangar_model::Actor::parse("system:hangar").expect("actor");
    if let Some(f) = &a.initial_flows {
        let doc = std::fs::read_to_string(f).with_context(|| format!("{}", f.display()))?;
        hangar_service::controls::ensure_defaults(
            store.as_ref(),
            system,
            crate::oversight::origin(),
            &[(hangar_model::Control::EgressFlows, doc)],
        )?;
    }
    let in_force = crate::oversight::in_force(store.as_ref(), system)?;
    let live = crate::live::start(&dir, store.clone(), &config, in_force, &a.customs)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // Listening for Ctrl-C, and SIGTERM as service managers send it, before any way in opens
    // and across ticks, so no stop request is lost and every stop is a clean one.
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        let _rt = rt.enter();
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    let host = live.host.clone();
    let on_customs: hangar_api::app::CustomsHook =
        Arc::new(move |id, released| host.set_customs(id, crate::live::customs_of(released)));
    let running = start(
        &rt,
        &dir,
        store.clone(),
        Some(log.clone()),
        config.clone(),
        Some(on_customs),
        None,
        Some(live.hub.clone()),
    )?;
    let sorter_addr = live.serve_sorters(&rt, &config)?;
    let inbox = live.watch_inbox(&dir)?;
    let log = Some(log);
    let final_log = log.clone();
    println!(
        "Hangar serving {} at http://{}/",
        dir.display(),
        running.addr
    );
    if let Some(p) = first {
        println!(
            "  first start: sign in as admin with password {p} (shown once; `hangar login --login admin`, then add users with `hangar users add`)"
        );
    }
    println!(
        "  API documentation: http://{}/docs   tracking page: http://{}/track",
        running.addr, running.addr
    );
    println!(
        "  sort host: sorters connect to {sorter_addr}; files dropped into {} are ingested",
        dir.join("inbox").display()
    );
    // Every second: refusal counts and new events (declarants, the sort host) into the log.
    // Every hour: erase what the retention setting says is due.
    let running = Arc::new(running);
    let r2 = running.clone();
    rt.block_on(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        let mut last_retention: Option<std::time::Instant> = None;
        let mut last_trim = std::time::Instant::now();
        loop {
            tokio::select! {
                _ = interrupt.recv() => break,
                _ = terminate.recv() => break,
                _ = tick.tick() => {
                    let (r, l) = (r2.clone(), log.clone());
                    let due = last_retention.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(3600));
                    if due {
                        last_retention = Some(std::time::Instant::now());
                    }
                    let trim = last_trim.elapsed() >= std::time::Duration::from_secs(60);
                    if trim {
                        last_trim = std::time::Instant::now();
                    }
                    let _ = tokio::task::spawn_blocking(move || {
                        if due {
                            retention(r.store.as_ref());
                        }
                        r.tick(l.as_ref());
                        if trim {
                            give_back();
                        }
                    }).await;
                }
            }
        }
        anyhow::Ok(())
    })?;
    // No new request, no new file: what is in flight finishes first.
    running.stop_http(&rt);
    inbox.stop();
    running.live.stop();
    // What was stored since the last second's tick goes into the log before the process ends.
    running.tick(final_log.as_ref());
    // ...under a signed checkpoint, so an auditor sees the whole day up to the stop.
    if let Some(l) = &final_log
        && let Err(e) = l.checkpoint_now()
    {
        eprintln!("warning: the last checkpoint was not signed: {e}");
    }
    println!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Erases what the retention setting says is due now, saying so on standard error.
pub fn retention(store: &dyn Store) {
    let actor = hangar_model::Actor::parse("system:retention").expect("actor");
    let r = crate::oversight::in_force(store, actor).and_then(|f| {
        crate::oversight::run_retention(store, &f.retention, crate::ingest::now(), actor, false)
    });
    match r {
        Ok((0, 0)) => {}
        Ok((p, c)) => {
            eprintln!("retention: erased {p} parcels' personal data and {c} parcel records")
        }
        Err(e) => eprintln!("warning: retention: {e:#}"),
    }
}

pub fn users(cmd: UsersCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        UsersCmd::Add {
            login,
            role,
            scope,
            data,
            remote,
        } => {
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let password = new_password();
            let (u, pending) = if let Some(dir) = data {
                // The bootstrap: nobody can sign in yet, so the first administrator is made
                // on the hub's host, recorded as a change of the `users` setting.
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("{}: cannot create", dir.display()))?;
                let accounts = Accounts::open(&dir)?;
                if !accounts.users()?.is_empty() {
                    bail!(
                        "--data: {} has users already; further users are added through the running hub by an administrator signed in as themselves (`hangar login`, then `hangar users add` without --data)",
                        dir.display()
                    );
                }
                if role != Role::Admin {
                    bail!(
                        "--role: {} has no users yet; the first one is its administrator (--role admin), who then adds the others through the running hub",
                        dir.display()
                    );
                }
                let store = EmbeddedStore::open(&dir)?;
                let (u, _) = hangar_service::controls::add_user(
                    &store,
                    &accounts,
                    &login,
                    role,
                    scope.as_deref(),
                    &password,
                    None,
                    hangar_model::Actor::parse("system:bootstrap").expect("actor"),
                    crate::oversight::origin(),
                )?;
                crate::log::sync_dir(&dir, &store)?;
                (u, false)
            } else {
                let client = crate::client::Client::signed_in(&remote).context(
                    "users are added through the running hub by an administrator (the first one with --data DIR before the hub first starts)",
                )?;
                let v = client
                    .call(
                        "POST",
                        "/api/users",
                        Some(&serde_json::json!({
                            "login": login,
                            "role": role,
                            "scope": scope,
                            "password": password,
                        })),
                    )
                    .with_context(|| format!("adding {login}"))?;
                let u: hangar_service::accounts::User =
                    serde_json::from_value(v["user"].clone())
                        .context("the hub answered with an unexpected user")?;
                // A new administrator waits for a second administrator's approval.
                (u, v["change"]["status"] == "pending")
            };
            println!(
                "added {} ({}{})",
                u.login,
                u.role.as_str(),
                u.scope.map(|s| format!(", scope {s}")).unwrap_or_default()
            );
            if pending {
                println!(
                    "waiting for approval: a new administrator can sign in once a second administrator approves (hangar control list)"
                );
            }
            println!("password (shown once): {password}");
            println!(
                "they sign in with `hangar login --login {login}` (a device: `hangar login --login {login} --print` for its token)"
            );
        }
        UsersCmd::List { remote } => {
            let v = crate::client::Client::signed_in(&remote)?.call("GET", "/api/users", None)?;
            for u in v["users"].as_array().into_iter().flatten() {
                let t = |k: &str| u.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                println!("{:<20} {:<9} {}", t("login"), t("role"), t("scope"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `hangar login`.
#[derive(clap::Args)]
pub struct LoginArgs {
    /// Your login (asked for when not given).
    #[arg(long)]
    pub login: Option<String>,
    /// What the token is for (a token of yours with the same label is replaced).
    #[arg(long)]
    pub label: Option<String>,
    /// Print the token instead of saving it (for a device or a script: keep it as a secret).
    #[arg(long)]
    pub print: bool,
    #[command(flatten)]
    pub remote: crate::client::Remote,
}

/// `hangar login`: signs in to the running hub with your own login and password; the token
/// is saved for the next commands (or printed).
pub fn login(a: LoginArgs) -> anyhow::Result<ExitCode> {
    let url = a
        .remote
        .url
        .clone()
        .unwrap_or_else(|| crate::client::DEFAULT_URL.into());
    let login = match a.login {
        Some(l) => l,
        None => {
            use std::io::Write;
            eprint!("Login: ");
            std::io::stderr().flush().ok();
            let mut l = String::new();
            std::io::stdin().read_line(&mut l)?;
            l.trim().to_string()
        }
    };
    if login.is_empty() {
        bail!("--login: expected your login");
    }
    let password = crate::client::read_password(&format!("Password for {login} at {url}: "))?;
    let host = hostname().unwrap_or_else(|| "this host".into());
    let label = a.label.unwrap_or_else(|| format!("hangar login on {host}"));
    let (token, role) = crate::client::sign_in(&url, &login, &password, &label)?;
    if a.print {
        println!("{token}");
    } else {
        let f = crate::client::save(&url, &login, &token)?;
        println!(
            "signed in to {url} as {login} ({role}); token saved in {} (hangar logout forgets it)",
            f.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// This machine's name, as the operating system has it.
fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if r != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// `hangar logout`: forgets the saved token.
pub fn logout() -> anyhow::Result<ExitCode> {
    if crate::client::forget()? {
        println!(
            "signed out: the saved token is forgotten (it stays valid until an administrator removes it)"
        );
    } else {
        println!("not signed in");
    }
    Ok(ExitCode::SUCCESS)
}
