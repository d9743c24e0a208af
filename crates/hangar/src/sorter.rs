//! `hangar sorter ...`: the sort host over TCP, the sorter emulator, plan checks and the sort
//! table.

use anyhow::Context;
use hangar_model::S10Id;
use hangar_model::state::CustomsStatus;
use hangar_sort::{Customs, ParcelInfo, Plan};
use hangar_sorthost::emulator::{self, Config, Report};
use hangar_sorthost::{HostState, StoreConfirmations, serve};
use hangar_store::{EmbeddedStore, Store};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// `hangar sorter` subcommands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Be the sort host: answer sorters over TCP (docs/sorter-protocol.md) until Ctrl-C.
    Serve {
        /// Data directory (parcels and customs decisions come from its store).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7600")]
        addr: String,
    },
    /// Emulate sorters against a host and report reply latency.
    Emulate(EmulateArgs),
    /// Check a route plan file and summarise it.
    CheckPlan {
        /// The plan file.
        file: PathBuf,
    },
    /// Print a plan as a sort table (CSV) for sorters that decide locally.
    Table {
        /// Route plan file (TOML); default: the built-in plan.
        #[arg(long)]
        plan: Option<PathBuf>,
    },
}

/// Arguments of `hangar sorter emulate`.
#[derive(clap::Args)]
pub struct EmulateArgs {
    /// Host address.
    #[arg(long, default_value = "127.0.0.1:7600")]
    pub connect: String,
    /// Sorters to emulate (one connection each).
    #[arg(long, default_value_t = 2)]
    pub sorters: u8,
    /// Destination requests per second, all sorters together (0: as fast as answers come).
    #[arg(long, default_value_t = 10_000.0)]
    pub rate: f64,
    /// Seconds to run.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Read the items' tracking ids from this data directory (default: ids the host will not know).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Do not send discharge confirmations.
    #[arg(long)]
    pub no_confirm: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

fn load_plan(path: Option<&Path>) -> anyhow::Result<Plan> {
    match path {
        None => Ok(Plan::default_eu()),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| p.display().to_string())?;
            Plan::parse(&p.display().to_string(), &text).map_err(anyhow::Error::msg)
        }
    }
}

/// What the host needs to know of every parcel in a store.
pub fn directory(store: &dyn Store) -> anyhow::Result<HashMap<S10Id, ParcelInfo>> {
    let mut dir = HashMap::new();
    store.for_each_parcel(&mut |p| {
        dir.insert(
            p.id,
            ParcelInfo {
                country: p.consignee.country,
                postcode: p.consignee.postcode,
                customs: Customs::Pending,
            },
        );
    })?;
    store.for_each_parcel_state(&mut |id, s| {
        if let Some(info) = dir.get_mut(&id) {
            info.customs = match s.customs {
                CustomsStatus::Released => Customs::Released,
                CustomsStatus::Held
                | CustomsStatus::InformationRequested
                | CustomsStatus::Refused => Customs::Held,
                CustomsStatus::NotReported | CustomsStatus::Reported => Customs::Pending,
            };
        }
    })?;
    Ok(dir)
}

/// Prints an emulator report.
pub fn print_report(r: &Report, json: bool) -> anyhow::Result<()> {
    let l = &r.latency;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "requests": r.requests, "answers": r.answers, "routed": r.routed, "naks": r.naks,
                "confirmations": r.confirmations, "acknowledged": r.acknowledged, "resent": r.resent,
                "chute_changes": r.chute_changes, "reconnects": r.reconnects, "answers_per_s": r.answers_per_s().round(),
                "p50_us": l.p50_us, "p99_us": l.p99_us, "p999_us": l.p999_us, "max_us": l.max_us,
            })
        );
    } else {
        println!(
            "{} requests, {} answered ({:.0}/s), {} routed, {} negative acknowledgements",
            r.requests,
            r.answers,
            r.answers_per_s(),
            r.routed,
            r.naks
        );
        println!(
            "{} discharges confirmed, {} acknowledged, {} resent; {} chute status changes; {} reconnections",
            r.confirmations, r.acknowledged, r.resent, r.chute_changes, r.reconnects
        );
        println!(
            "reply latency (from intended send time): p50 {:.0} µs, p99 {:.0} µs, p99.9 {:.0} µs, max {:.0} µs",
            l.p50_us, l.p99_us, l.p999_us, l.max_us
        );
    }
    Ok(())
}

pub fn run(cmd: Cmd) -> anyhow::Result<ExitCode> {
    match cmd {
        Cmd::Serve { data, addr } => {
            let dir = crate::data_dir(data);
            let store = Arc::new(EmbeddedStore::open(&dir)?);
            // With `hangar serve` running on the same data directory, that server holds the log
            // and carries the confirmations into it; otherwise this host does.
            let log = match crate::log::open(&dir, &crate::log::default_origin()) {
                Ok(l) => Some(l),
                Err(e)
                    if e.downcast_ref::<hangar_ledger::LedgerError>()
                        .is_some_and(|l| matches!(l, hangar_ledger::LedgerError::Busy(_))) =>
                {
                    eprintln!(
                        "note: another hangar holds the log of {} and carries the sorters' confirmations into it",
                        dir.display()
                    );
                    None
                }
                Err(e) => return Err(e),
            };
            // The route plan in force (a new one is proposed with `hangar control propose
            // route-plan FILE` to the running hub, by a person signed in as themselves).
            let in_force = crate::oversight::in_force(store.as_ref(), crate::oversight::system())?;
            let state = Arc::new(HostState::new(
                "LGG",
                in_force.plan,
                Arc::new(StoreConfirmations(store.clone())),
            ));
            let parcels = directory(store.as_ref())?;
            let n = parcels.len();
            state.set_parcels(parcels);
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(&addr)
                    .await
                    .with_context(|| format!("listening on {addr}"))?;
                println!(
                    "sort host for {} parcels listening on {} (plan: {})",
                    n,
                    listener.local_addr()?,
                    state.plan().name()
                );
                // Confirmations become events in the store; carry them into the log every second.
                let (store2, stop) = (
                    store.clone(),
                    Arc::new(std::sync::atomic::AtomicBool::new(false)),
                );
                let stop2 = stop.clone();
                let syncer = std::thread::spawn(move || {
                    let Some(log) = log else { return };
                    while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
                        if let Err(e) = crate::log::sync(store2.as_ref(), &log) {
                            eprintln!("log: {e:#}");
                        }
                        std::thread::sleep(Duration::from_secs(1));
                    }
                    let _ = crate::log::sync(store2.as_ref(), &log);
                });
                serve(listener, state.clone(), async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await;
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                let _ = syncer.join();
                anyhow::Ok(())
            })?;
        }
        Cmd::Emulate(a) => {
            let barcodes: Vec<String> = match &a.data {
                Some(d) => {
                    let store = EmbeddedStore::open(d)?;
                    let mut v = Vec::new();
                    store.for_each_parcel(&mut |p| v.push(p.id.to_string()))?;
                    v
                }
                None => (0..10_000u32)
                    .map(|n| S10Id::from_parts("ZZ", n, "CN").to_string())
                    .collect(),
            };
            anyhow::ensure!(!barcodes.is_empty(), "no parcels to put on the sorter");
            anyhow::ensure!((1..=99).contains(&a.sorters), "--sorters: expected 1 to 99");
            anyhow::ensure!(
                a.duration > 0.0 && a.duration <= 3600.0,
                "--duration: expected 0 to 3600 seconds"
            );
            let cfg = Config {
                addr: a.connect.clone(),
                sorters: a.sorters,
                rate: (a.rate > 0.0).then_some(a.rate),
                window: 256,
                duration: Duration::from_secs_f64(a.duration),
                barcodes: Arc::new(barcodes),
                no_read_rate: 0.015,
                confirm: !a.no_confirm,
                seed: 1,
            };
            let r = emulator::run(&cfg)
                .with_context(|| format!("emulating sorters against {}", a.connect))?;
            print_report(&r, a.json)?;
        }
        Cmd::CheckPlan { file } => {
            let plan = load_plan(Some(&file))?;
            let sp = plan.special();
            println!(
                "{}: plan {:?} is valid: {} routes; special chutes hold {}, no-read {}, no-data {}, exception {}, reject {}; reject after {} recirculations",
                file.display(),
                plan.name(),
                plan.routes().len(),
                sp.hold,
                sp.no_read,
                sp.no_data,
                sp.exception,
                sp.reject,
                plan.max_recirculations()
            );
            let changes = plan.diff(&Plan::default_eu());
            println!("{} differences from the built-in plan", changes.len());
            for c in changes.iter().take(50) {
                println!("  {c}");
            }
        }
        Cmd::Table { plan } => print!("{}", load_plan(plan.as_deref())?.sort_table()),
    }
    Ok(ExitCode::SUCCESS)
}
