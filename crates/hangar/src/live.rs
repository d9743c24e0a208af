//! The live hub's wiring for `hangar serve`: the hub's operations (`hangar_service::Hub`) over
//! the store, with the customs engine and egress gate of the settings in force; the sort host on
//! its own TCP port, learning each new parcel and customs decision at once; the watched inbox.

use anyhow::Context;
use hangar_service::{Hub, Parts, SystemClock};
use hangar_sort::{Customs, ParcelInfo};
use hangar_sorthost::{HostState, StoreConfirmations, serve};
use hangar_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The live hub's parts that `hangar serve` runs.
pub struct Live {
    /// The hub's operations.
    pub hub: Arc<Hub>,
    /// The sort host.
    pub host: Arc<HostState>,
}

/// What the sort host knows of a customs decision.
pub fn customs_of(released: bool) -> Customs {
    if released {
        Customs::Released
    } else {
        Customs::Held
    }
}

/// Builds the live hub over `store` with the settings in force.
pub fn start(
    _dir: &Path,
    store: Arc<dyn Store>,
    config: &hangar_api::Config,
    in_force: crate::oversight::InForce,
    customs: &crate::customs::Setup,
) -> anyhow::Result<Live> {
    let location =
        hangar_model::Location::parse(&config.hub).map_err(|e| anyhow::anyhow!("hub: {e}"))?;
    let crate::oversight::InForce {
        plan,
        rules,
        risk,
        thresholds,
        flows,
        ..
    } = in_force;
    let engine = customs.engine_with(rules, risk, thresholds)?;
    let gate = Arc::new(hangar_egress::Gate::open(store.clone(), flows, location)?);
    let host = Arc::new(HostState::new(
        &config.hub,
        plan.clone(),
        Arc::new(StoreConfirmations(store.clone())),
    ));
    // Nothing else records where the live sorters sent a parcel.
    host.record_decisions(true);
    host.set_parcels(crate::sorter::directory(store.as_ref())?);
    let networks: Vec<hangar_api::access::Network> = config
        .sorter_networks
        .iter()
        .filter_map(|n| hangar_api::access::Network::parse(n).ok())
        .collect();
    host.admit_only(Arc::new(move |ip| networks.iter().any(|n| n.contains(ip))));
    let learner = host.clone();
    let hub = Hub::start(Parts {
        store,
        engine,
        plan,
        gate: Some(gate),
        clock: Arc::new(SystemClock),
        location,
        on_decisions: Some(Arc::new(move |parcels, decisions| {
            learner.set_parcels(parcels.iter().zip(decisions).map(|(p, d)| {
                (
                    p.id,
                    ParcelInfo {
                        country: p.consignee.country,
                        postcode: p.consignee.postcode,
                        customs: customs_of(d.outcome == hangar_model::CustomsOutcome::Release),
                    },
                )
            }));
        })),
    })?;
    Ok(Live {
        hub: Arc::new(hub),
        host,
    })
}

impl Live {
    /// Starts the sort host on `config.sorter_listen`; returns the address it listens on.
    pub fn serve_sorters(
        &self,
        rt: &tokio::runtime::Runtime,
        config: &hangar_api::Config,
    ) -> anyhow::Result<std::net::SocketAddr> {
        let listener = rt
            .block_on(tokio::net::TcpListener::bind(&config.sorter_listen))
            .with_context(|| format!("sort host: listening on {}", config.sorter_listen))?;
        let addr = listener.local_addr()?;
        rt.spawn(serve(listener, self.host.clone(), std::future::pending()));
        Ok(addr)
    }

    /// Watches `dir/inbox`: a file renamed into it is ingested, then moved to `inbox/done/` or,
    /// refused, to `inbox/refused/` with a `.errors` file beside it. A file left behind by a
    /// crash is taken up again at the next start (the same bytes are not applied twice).
    pub fn watch_inbox(&self, dir: &Path) -> anyhow::Result<Inbox> {
        let inbox = dir.join("inbox");
        for sub in ["done", "refused"] {
            std::fs::create_dir_all(inbox.join(sub))
                .with_context(|| format!("creating {}", inbox.join(sub).display()))?;
        }
        let hub = self.hub.clone();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("inbox".into())
            .spawn(move || {
                while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Err(e) = inbox_pass(&hub, &inbox, &stopping) {
                        eprintln!("warning: inbox: {e:#}");
                    }
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
            })?;
        Ok(Inbox {
            stop,
            thread: Some(thread),
        })
    }
}

/// The watched inbox's thread.
pub struct Inbox {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Inbox {
    /// Takes no new file; waits for the file being taken in to be done.
    pub fn stop(mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Files waiting in the inbox: schedules first, then by name. Hidden files (being written, by
/// convention) are left alone.
fn waiting(inbox: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(inbox)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let lower = name.to_ascii_lowercase();
        if !entry.file_type()?.is_file()
            || name.starts_with('.')
            || !(lower.ends_with(".csv") || lower.ends_with(".jsonl") || lower.ends_with(".ndjson"))
        {
            continue;
        }
        files.push(entry.path());
    }
    let schedule = |p: &PathBuf| {
        let head = std::fs::read(p)
            .map(|b| b[..b.len().min(4096)].to_vec())
            .unwrap_or_default();
        hangar_manifest::detect(&p.to_string_lossy(), &head) != hangar_manifest::Kind::ScheduleCsv
    };
    files.sort_by_cached_key(|p| (schedule(p), p.clone()));
    Ok(files)
}

fn inbox_pass(
    hub: &Hub,
    inbox: &Path,
    stopping: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<()> {
    let actor = hangar_model::Actor::parse("system:inbox").expect("actor");
    for path in waiting(inbox)? {
        if stopping.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let size = std::fs::metadata(&path)?.len();
        let outcome = if size > hangar_manifest::MAX_FILE_BYTES {
            Err(format!(
                "{name}:0: file: expected at most {} bytes, the file has {size}",
                hangar_manifest::MAX_FILE_BYTES
            ))
        } else {
            let bytes = std::fs::read(&path).with_context(|| path.display().to_string())?;
            match hub.intake(&name, &bytes, actor) {
                Ok(r) => Ok(r),
                Err(hangar_service::IntakeError::Hub(e)) => {
                    // The hub failed, not the file: leave it for the next pass.
                    return Err(anyhow::anyhow!("{name}: {e}"));
                }
                Err(e) => Err(e.to_string()),
            }
        };
        match outcome {
            Ok(r) => {
                eprintln!(
                    "inbox: {} {name}: {} parcels, {} flights ({} released, {} held or asked about)",
                    r.status,
                    r.parcels,
                    r.flights,
                    r.customs.release,
                    r.customs.total() - r.customs.release
                );
                std::fs::rename(&path, inbox.join("done").join(&name))?;
            }
            Err(errors) => {
                eprintln!("inbox: REFUSED {name}: nothing of it was applied");
                let refused = inbox.join("refused");
                std::fs::write(
                    refused.join(format!("{name}.errors")),
                    format!("{errors}\n"),
                )?;
                std::fs::rename(&path, refused.join(&name))?;
            }
        }
    }
    Ok(())
}
