//! `hangar demo`: a whole hub day end to end on the embedded store.

use crate::generate::DaySize;
use crate::ingest::{Report, ingest_files, now};
use crate::ui;
use anyhow::{Context, bail};
use hangar_gen::{generate, write_day};
use hangar_hub::{DayTally, HubConfig, RoutePlan, SimParcel, run_day};
use hangar_hub::{HostError, SortHost};
use hangar_model::{Actor, Date, Event, Location};
use hangar_model::{DischargeOutcome, S10Id, Timestamp};
use hangar_sort::telegram::{Barcode, Discharge, Outcome};
use hangar_sorthost::client::Client;
use hangar_sorthost::{HostState, StoreConfirmations, serve};
use hangar_store::{EmbeddedStore, Store, TerminalCounts};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events handed to the store per append.
const APPEND_BATCH: usize = 20_000;
/// Batches that may wait for the store while the day runs on (backpressure).
const APPEND_QUEUE: usize = 4;
/// Parcels of the previous day the customs engine learns from.
const HISTORY_PARCELS: u32 = 50_000;

/// Arguments of `hangar demo`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub size: DaySize,
    /// Day to simulate, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub date: Option<Date>,
    /// Data directory to create (default: ./hangar-data/demo-<time>). Must be new or empty.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Run as a batch, as fast as it goes, without serving the dashboard.
    #[arg(long)]
    pub headless: bool,
    /// Simulated seconds per wall-clock second while the dashboard is served (idle stretches of
    /// the day are skipped).
    #[arg(long, default_value_t = 600.0)]
    pub speed: f64,
    /// Address the dashboard listens on (a busy default port falls back to a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct RouteSummary {
    carrier: String,
    parcels: u64,
    trucks: u64,
}

#[derive(serde::Serialize)]
struct Summary {
    date: String,
    seed: u64,
    data_dir: String,
    flights: u64,
    parcels: u64,
    released: u64,
    held: u64,
    sorted: u64,
    handed_over: u64,
    exceptions: u64,
    in_progress: u64,
    events: u64,
    held_by_reason: BTreeMap<String, u64>,
    customs_by_outcome: BTreeMap<String, u64>,
    detection: BTreeMap<String, crate::customs::Detection>,
    clean_stopped: u64,
    exceptions_by_kind: BTreeMap<String, u64>,
    no_reads: u64,
    labelled_anomalies: u64,
    routes: BTreeMap<String, RouteSummary>,
    first_event: String,
    last_event: String,
    sample_parcel: String,
    stages_s: BTreeMap<&'static str, f64>,
    wall_s: f64,
    log_entries: u64,
    log_key: String,
    checkpoint: String,
    oversight: OversightSummary,
}

/// What the day's oversight shows: exports through the gate, what the receiver got, the
/// scripted session, and the audit report's figures.
#[derive(serde::Serialize)]
struct OversightSummary {
    exports: u64,
    refused_exports: Vec<String>,
    received: BTreeMap<String, crate::demo_oversight::Received>,
    outbox_files: u64,
    session: crate::demo_oversight::Session,
    report_from: String,
    report_to: String,
    exported_records: u64,
    outside_eea_records: u64,
    destinations: u64,
    blocked: u64,
    sensitive_records_read: u64,
    refused_requests: u64,
    control_changes: u64,
    alerts: BTreeMap<String, u64>,
}

fn fresh_dir(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = match arg {
        Some(d) => d,
        None => {
            let t = now();
            let stamp = t
                .to_string()
                .replace(['-', ':'], "")
                .replace('T', "-")
                .trim_end_matches('Z')
                .to_string();
            PathBuf::from(crate::DEFAULT_DATA)
                .join(format!("demo-{}", &stamp[..15.min(stamp.len())]))
        }
    };
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "--data {}: expected a new or empty directory (the demo runs a whole day into it)",
            dir.display()
        );
    }
    Ok(dir)
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let mut stages: BTreeMap<&'static str, f64> = BTreeMap::new();
    let mut lap = Instant::now();
    let mut mark = |name: &'static str, lap: &mut Instant| {
        stages.insert(name, ui::secs(lap.elapsed()));
        *lap = Instant::now();
    };
    let quiet = a.json;
    let say = |s: String| {
        if !quiet {
            eprintln!("{s}");
        }
    };
    let date = a.date.unwrap_or_else(|| now().date());
    let config = a.size.config(date)?;
    let (parcels, seed) = (config.parcels, config.seed);
    let dir = fresh_dir(a.data)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    say(format!(
        "Hangar demo: {} parcels on {} flights into LGG on {date}, seed {}, data in {}",
        parcels,
        config.flights,
        seed,
        dir.display()
    ));

    // 1. A realistic day, written as the files shippers and airlines send.
    let day = generate(config);
    mark("generate", &mut lap);
    // Kept apart from `inbox/`, which a hub serving this directory later would take them from.
    let received = dir.join("files");
    let pb = ui::bar(day.parcels.len() as u64, "writing", "parcels", quiet);
    let written = write_day(&day, &received, |n| pb.set_position(n as u64))
        .with_context(|| format!("writing {}", received.display()))?;
    pb.finish_and_clear();
    mark("write_files", &mut lap);

    // 2. Ingest them, through the same path as `hangar ingest`.
    let store =
        Arc::new(EmbeddedStore::open(&dir).with_context(|| format!("opening {}", dir.display()))?);
    let origin = format!(
        "demo.hangar.invalid/LGG/{}",
        dir.file_name()
            .map(|n| n
                .to_string_lossy()
                .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-"))
            .unwrap_or_default()
    );
    let log = Arc::new(crate::log::open(&dir, &origin)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // The hub's guarded settings, version 1 of each recorded before the day starts (the demo's
    // declared flows point at a local receiver standing for carriers, merchants and the parent
    // company; the H7 filing goes to an outbox folder).
    let receiver = crate::demo_oversight::start_receiver(&rt)?;
    let outbox = dir.join("outbox").join("customs");
    let setup_at = day
        .flights
        .iter()
        .map(|f| f.std)
        .min()
        .unwrap_or_default()
        .plus_min(-90);
    let demo_actor = Actor::parse("system:demo").expect("actor");
    hangar_service::controls::ensure_defaults(
        store.as_ref(),
        demo_actor,
        hangar_service::controls::Origin {
            at: setup_at,
            location: crate::oversight::hub(),
        },
        &[(
            hangar_model::Control::EgressFlows,
            crate::demo_oversight::flows_document(
                &hangar_sort::Plan::default_eu(),
                &receiver.url,
                &outbox,
            ),
        )],
    )?;
    let in_force = crate::oversight::in_force(store.as_ref(), demo_actor)?;
    // The dashboard, served while the day runs (the sort host learns of declarants' decisions
    // once it exists).
    let host_cell: Arc<std::sync::OnceLock<Arc<HostState>>> = Arc::default();
    let people_decisions: Arc<std::sync::atomic::AtomicU64> = Arc::default();
    // Without the dashboard, the first administrator is made here, so the finished day can be
    // served and signed in to (`hangar serve --data DIR`, `hangar login --login admin`).
    let admin_password = if a.headless {
        let accounts = hangar_service::accounts::Accounts::open(&dir)?;
        crate::server::first_admin(&accounts, store.as_ref())?
    } else {
        None
    };
    let dashboard = if a.headless {
        None
    } else {
        anyhow::ensure!(
            a.speed > 0.0 && a.speed <= 1_000_000.0,
            "--speed: expected 0 to 1,000,000 simulated seconds per second"
        );
        Some(start_dashboard(
            &rt,
            &dir,
            store.clone(),
            log.clone(),
            &a.listen,
            host_cell.clone(),
            people_decisions.clone(),
        )?)
    };
    let mut files = vec![written.schedule.clone()];
    files.extend(written.csv.iter().cloned());
    let pb = ui::bar(files.len() as u64, "ingesting", "files", true);
    let received_at = day
        .flights
        .iter()
        .map(|f| f.std)
        .min()
        .unwrap_or_default()
        .plus_min(-60);
    let report: Report = ingest_files(
        store.as_ref(),
        &files,
        received_at,
        Actor::parse("system:demo").expect("actor"),
        Location::parse("LGG").expect("loc"),
        &pb,
        false,
    );
    pb.finish_and_clear();
    if report.refused > 0 || report.parcels != u64::from(parcels) {
        bail!(
            "ingest refused {} files and added {} of {} parcels",
            report.refused,
            report.parcels,
            parcels
        );
    }
    crate::log::sync(store.as_ref(), &log)?;
    mark("ingest", &mut lap);
    say(format!(
        "ingested {} flights and {} parcels from {} files",
        report.flights,
        report.parcels,
        files.len()
    ));

    // 3. Customs: the engine learns from the hub's previous day (value references per tariff
    //    heading, which sellers declare under which IOSS number), then decides each flight's
    //    consignments as they are declared, from what the store holds.
    let flights = store.flights()?;
    let setup = crate::customs::Setup {
        register: Some(written.ioss_register.clone()),
        ..Default::default()
    };
    let crate::oversight::InForce {
        plan,
        rules,
        risk,
        thresholds,
        flows,
        ..
    } = in_force;
    let mut engine = setup.engine_with(rules, risk, thresholds)?;
    let history = hangar_gen::history(
        hangar_gen::DayConfig {
            parcels: parcels.min(HISTORY_PARCELS),
            ..config
        },
        1,
    );
    engine.learn(&history.parcels, date.add_days(-1));
    drop(history);
    let mut stored = Vec::with_capacity(parcels as usize);
    store.for_each_parcel(&mut |p| stored.push(p))?;
    let decisions = hangar_hub::decide_day(&stored, &flights, &mut engine, date);
    // Every data flow out of the hub goes through the egress gate.
    let store_dyn: Arc<dyn Store> = store.clone();
    let exporter = crate::demo_oversight::Exporter {
        gate: hangar_egress::Gate::open(store_dyn, flows, crate::oversight::hub())?,
        delivery: stored
            .iter()
            .map(|p| (p.id, (p.consignee.clone(), p.weight())))
            .collect(),
        exports: Default::default(),
        problems: Default::default(),
    };
    exporter.customs_filing(&stored, received_at.plus_min(30));
    let (detection, clean_stopped) = crate::customs::detection(&day.labels, &decisions);
    let sim_parcels: Vec<SimParcel> = stored
        .iter()
        .zip(&decisions)
        .map(|(p, d)| SimParcel::new(p, d))
        .collect();
    drop(stored);
    drop(decisions);
    mark("customs", &mut lap);

    // 4. Run the day, its sort stage through the real sorter interface: a sort host on a TCP
    //    port, the day's two sorters connected to it.
    let plan: RoutePlan = plan;
    let cfg = HubConfig {
        seed,
        ..Default::default()
    };
    let host = Arc::new(HostState::new(
        "LGG",
        plan.clone(),
        Arc::new(StoreConfirmations(store.clone())),
    ));
    host.set_day(date);
    host.set_parcels(crate::sorter::directory(store.as_ref())?);
    let _ = host_cell.set(host.clone());
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let host_addr = listener.local_addr()?.to_string();
    rt.spawn(serve(listener, host.clone(), std::future::pending()));
    let mut sorters = TcpSortHost::connect(
        &host_addr,
        cfg.sorters as u8,
        host.clone(),
        plan.special().exception,
    )?;
    say(format!(
        "sort host listening on {host_addr}; {} sorters connected",
        cfg.sorters
    ));
    let pb = ui::bar(u64::from(parcels) * 8, "running", "events", quiet);
    let tally: DayTally = std::thread::scope(|s| -> anyhow::Result<DayTally> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Event>>(APPEND_QUEUE);
        let store_ref = &store;
        let log_ref = &log;
        let pb_ref = &pb;
        let exporter_ref = &exporter;
        // What was handed over leaves the hub (manifests to carriers, webhooks to merchants) on
        // its own thread, after the handovers are stored; a bounded queue holds the day back if
        // the recipients are slow.
        let (etx, erx) = std::sync::mpsc::sync_channel::<Vec<Event>>(APPEND_QUEUE);
        let handovers = s.spawn(move || -> anyhow::Result<()> {
            for dlv in erx {
                exporter_ref.handovers(&dlv)?;
            }
            Ok(())
        });
        let appender = s.spawn(move || -> anyhow::Result<()> {
            for batch in rx {
                let n = batch.len() as u64;
                store_ref.append(&batch)?;
                let dlv: Vec<Event> = batch
                    .iter()
                    .filter(|e| e.code == hangar_model::EventCode::DLV)
                    .cloned()
                    .collect();
                if !dlv.is_empty() {
                    etx.send(dlv)
                        .map_err(|_| anyhow::anyhow!("the exports stopped"))?;
                }
                // The sort host records confirmations too: carry everything into the log in order.
                crate::log::sync(store_ref.as_ref(), log_ref)?;
                pb_ref.inc(n);
            }
            Ok(())
        });
        let mut batch = Vec::with_capacity(APPEND_BATCH);
        let mut pacer = dashboard.as_ref().map(|_| Pacer::new(a.speed));
        let result =
            run_day::<anyhow::Error>(&cfg, &plan, &flights, sim_parcels, &mut sorters, &mut |e| {
                if let Some(wait) = pacer.as_mut().and_then(|p| p.wait_for(e.at)) {
                    // Show what happened so far, then let simulated time catch up.
                    if !batch.is_empty() {
                        tx.send(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(APPEND_BATCH),
                        ))
                        .map_err(|_| anyhow::anyhow!("the store stopped taking events"))?;
                    }
                    std::thread::sleep(wait);
                }
                batch.push(e);
                if batch.len() >= APPEND_BATCH {
                    tx.send(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(APPEND_BATCH),
                    ))
                    .map_err(|_| anyhow::anyhow!("the store stopped taking events"))?;
                }
                Ok(())
            });
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        drop(tx);
        appender.join().expect("appender thread")?;
        handovers.join().expect("exports thread")?;
        result
    })?;
    // Every discharge confirmation acknowledged (so stored) before the day is summed up.
    let unacked = sorters.finish()?;
    anyhow::ensure!(
        unacked == 0,
        "{unacked} discharge confirmations were never acknowledged by the sort host"
    );
    crate::log::sync(store.as_ref(), &log)?;
    pb.finish_and_clear();
    mark("run_day", &mut lap);

    // 5. The end of the day: statistics for the parent company (and two exports the gate
    //    refuses), and the day's scripted session of people reading, refused and proposing.
    let end_at = tally.last_event.unwrap_or(received_at).plus_min(15);
    exporter.end_of_day(store.as_ref(), &receiver.url, end_at)?;
    let (held, everyone) = {
        let mut held = Vec::new();
        let mut everyone = Vec::new();
        store.for_each_parcel_state(&mut |id, s| {
            if s.customs.is_held() && held.len() < 100 {
                held.push(id);
            }
            if everyone.len() < 100 {
                everyone.push(id);
            }
        })?;
        (held, everyone)
    };
    let session =
        crate::demo_oversight::scripted_session(&dir, store.as_ref(), date, &held, &everyone)?;
    crate::log::sync(store.as_ref(), &log)?;
    // The auditor's report of the day, from the log.
    let (report_from, report_to) = (setup_at.date(), end_at.date().max(date));
    let report = hangar_api::audit::from_log(
        &log,
        report_from.midnight(),
        report_to.add_days(1).midnight(),
        Default::default(),
    )
    .map_err(anyhow::Error::msg)?;
    let oversight = OversightSummary {
        exports: *exporter.exports.lock().unwrap_or_else(|p| p.into_inner()),
        refused_exports: exporter
            .problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
        received: receiver
            .got
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
        outbox_files: std::fs::read_dir(&outbox)
            .map(|d| d.count() as u64)
            .unwrap_or(0),
        session,
        report_from: report_from.to_string(),
        report_to: report_to.to_string(),
        exported_records: report.egress.iter().map(|g| g.records).sum(),
        outside_eea_records: report
            .egress
            .iter()
            .filter(|g| !g.in_eea)
            .map(|g| g.records)
            .sum(),
        destinations: report.egress.len() as u64,
        blocked: report.blocked.len() as u64,
        sensitive_records_read: report.reads.values().map(|r| r.records).sum(),
        refused_requests: report.refused.values().map(|r| r.refused).sum(),
        control_changes: report.changes.len() as u64,
        alerts: report
            .alert_counts()
            .into_iter()
            .map(|(k, v)| {
                (
                    serde_json::to_value(k)
                        .ok()
                        .and_then(|x| x.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    v,
                )
            })
            .collect(),
    };
    mark("oversight", &mut lap);

    // 6. Derive every parcel's state from the stored events and reconcile.
    let checkpoint = log.checkpoint_now()?;
    mark("log", &mut lap);
    let derived: TerminalCounts = store.terminal_counts()?;
    let counts = store.counts()?;
    mark("derive", &mut lap);
    let summary = Summary {
        date: date.to_string(),
        seed,
        data_dir: dir.display().to_string(),
        flights: tally.flights,
        parcels: counts.parcels,
        released: derived.released,
        held: derived.held,
        sorted: derived.sorted,
        handed_over: derived.handed_over,
        exceptions: derived.exception,
        in_progress: derived.in_progress,
        events: counts.events,
        held_by_reason: tally.held_by_reason.clone(),
        customs_by_outcome: tally.customs_by_outcome.clone(),
        detection,
        clean_stopped,
        exceptions_by_kind: tally.exceptions_by_kind.clone(),
        no_reads: tally.no_reads,
        labelled_anomalies: day.labels.len() as u64,
        routes: plan
            .routes()
            .iter()
            .map(|r| {
                let rs = RouteSummary {
                    carrier: r.carrier.clone(),
                    parcels: derived.by_route.get(&r.id).copied().unwrap_or(0),
                    trucks: tally.trucks_by_route.get(&r.id).copied().unwrap_or(0),
                };
                (r.id.clone(), rs)
            })
            .collect(),
        first_event: tally.first_event.map(|t| t.to_string()).unwrap_or_default(),
        last_event: tally.last_event.map(|t| t.to_string()).unwrap_or_default(),
        sample_parcel: day
            .parcels
            .get(day.parcels.len() / 2)
            .map(|p| p.id.to_string())
            .unwrap_or_default(),
        stages_s: stages,
        wall_s: ui::secs(start.elapsed()),
        log_entries: log.size(),
        log_key: log.verifier().to_string_key(),
        checkpoint,
        oversight,
    };
    let decided_by_people = people_decisions.load(std::sync::atomic::Ordering::Relaxed);
    let problems = if decided_by_people == 0 {
        reconcile(&summary, &derived, &tally)
    } else {
        // People changed customs decisions from the dashboard while the day ran: the stored
        // events say where those parcels are, the simulation's own tally does not know.
        eprintln!(
            "note: {decided_by_people} customs decisions were taken from the dashboard during the day; the day's tally is of the simulated decisions, so it is not reconciled against the store"
        );
        reconcile(&summary, &derived, &tally)
            .into_iter()
            .filter(|p| p.starts_with("the log holds"))
            .collect()
    };
    if a.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print_summary(&summary, start.elapsed());
    }
    if let Some(p) = admin_password {
        eprintln!(
            "to look around: hangar serve --data {}, then hangar login --login admin (password {p}, shown once)",
            summary.data_dir
        );
    }
    if !problems.is_empty() {
        bail!("the day does not reconcile: {}", problems.join("; "));
    }
    if let Some(d) = dashboard {
        let d = Arc::new(d);
        eprintln!();
        eprintln!(
            "The day is over; the dashboard stays up at http://{}/ until Ctrl-C.",
            d.addr
        );
        // Declarants' decisions, reads and refusals from the dashboard go into the log as they
        // come.
        rt.block_on(async {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => break,
                    _ = tick.tick() => {
                        let (r, l) = (d.clone(), log.clone());
                        let _ = tokio::task::spawn_blocking(move || r.tick(Some(&l))).await;
                    }
                }
            }
        });
        d.live.stop();
    }
    rt.shutdown_background();
    Ok(ExitCode::SUCCESS)
}

/// Starts the dashboard for the demo's data directory and prints where and how to sign in.
fn start_dashboard(
    rt: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    store: Arc<EmbeddedStore>,
    log: Arc<hangar_ledger::Ledger>,
    listen: &str,
    host: Arc<std::sync::OnceLock<Arc<HostState>>>,
    people_decisions: Arc<std::sync::atomic::AtomicU64>,
) -> anyhow::Result<crate::server::Running> {
    let accounts = hangar_service::accounts::Accounts::open(dir)?;
    let password = crate::server::first_admin(&accounts, store.as_ref())?.unwrap_or_default();
    drop(accounts);
    let host2 = host.clone();
    let decided = people_decisions.clone();
    let hook: hangar_api::app::CustomsHook = Arc::new(move |id, released| {
        decided.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(h) = host.get() {
            h.set_customs(
                id,
                if released {
                    hangar_sort::Customs::Released
                } else {
                    hangar_sort::Customs::Held
                },
            );
        }
    });
    let store2: Arc<dyn Store> = store.clone();
    let on_control: hangar_api::app::ControlHook = Arc::new(move |c| {
        if c == hangar_model::Control::RoutePlan
            && let Some(h) = host2.get()
        {
            match hangar_service::controls::current(store2.as_ref(), c)
                .map_err(|e| e.to_string())
                .and_then(|d| {
                    hangar_sort::Plan::parse("route-plan (in force)", &d).map_err(|e| e.to_string())
                }) {
                Ok(p) => {
                    h.use_plan(p);
                }
                Err(e) => eprintln!("warning: the sort host keeps its plan: {e}"),
            }
        }
    });
    let mut config = hangar_api::Config {
        listen: listen.to_string(),
        ..Default::default()
    };
    let store: Arc<dyn Store> = store;
    let running = match crate::server::start(
        rt,
        dir,
        store.clone(),
        Some(log.clone()),
        config.clone(),
        Some(hook.clone()),
        Some(on_control.clone()),
        None,
    ) {
        Ok(r) => r,
        Err(e) if listen == "127.0.0.1:8080" => {
            eprintln!("note: {e:#}; using a free port instead");
            config.listen = "127.0.0.1:0".into();
            crate::server::start(
                rt,
                dir,
                store,
                Some(log),
                config,
                Some(hook),
                Some(on_control),
                None,
            )?
        }
        Err(e) => return Err(e),
    };
    println!("Dashboard: http://{}/", running.addr);
    println!("  sign in as admin, password {password} (shown once)");
    println!("  public tracking page: http://{}/track", running.addr);
    println!("  the auditor's view: http://{}/audit", running.addr);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    Ok(running)
}

/// Paces the simulated day against the wall clock for the dashboard: `speed` simulated seconds
/// per second, idle stretches (more than two seconds of wall time away) skipped.
struct Pacer {
    speed: f64,
    start: Option<(Timestamp, Instant)>,
}

impl Pacer {
    /// Longest a quiet stretch of the day keeps the screens waiting.
    const MAX_WAIT: Duration = Duration::from_secs(2);

    fn new(speed: f64) -> Pacer {
        Pacer { speed, start: None }
    }

    /// How long to wait before the event at `at` happens, if at all.
    fn wait_for(&mut self, at: Timestamp) -> Option<Duration> {
        let (sim0, wall0) = *self.start.get_or_insert((at, Instant::now()));
        let sim_s = (at.unix_ms() - sim0.unix_ms()).max(0) as f64 / 1000.0;
        let target = wall0 + Duration::from_secs_f64(sim_s / self.speed);
        let now = Instant::now();
        let wait = target.checked_duration_since(now)?;
        if wait > Self::MAX_WAIT {
            // Skip the idle stretch: move the start so the event is due in MAX_WAIT.
            let skip = wait - Self::MAX_WAIT;
            self.start = Some((sim0, wall0.checked_sub(skip).unwrap_or(wall0)));
            return Some(Self::MAX_WAIT);
        }
        (wait > Duration::from_millis(5)).then_some(wait)
    }
}

/// Checks that the stored events and the simulation agree and that every parcel ended somewhere.
fn reconcile(s: &Summary, derived: &TerminalCounts, tally: &DayTally) -> Vec<String> {
    let mut p = Vec::new();
    if s.log_entries != s.events {
        p.push(format!(
            "the log holds {} entries but the store {} events",
            s.log_entries, s.events
        ));
    }
    if s.handed_over + s.held + s.exceptions != s.parcels {
        p.push(format!(
            "handed_over {} + held {} + exceptions {} != parcels {}",
            s.handed_over, s.held, s.exceptions, s.parcels
        ));
    }
    if s.in_progress != 0 {
        p.push(format!("{} parcels still in progress", s.in_progress));
    }
    if derived.handed_over != tally.handed_over || derived.held != tally.held {
        p.push(format!(
            "store says {} handed over / {} held, the day says {} / {}",
            derived.handed_over, derived.held, tally.handed_over, tally.held
        ));
    }
    let tally_exc: u64 = tally.exceptions_by_kind.values().sum();
    if derived.exception != tally_exc {
        p.push(format!(
            "store says {} exceptions, the day says {tally_exc}",
            derived.exception
        ));
    }
    if derived.out_of_order_events != 0 {
        p.push(format!(
            "{} events did not fit a parcel's life cycle",
            derived.out_of_order_events
        ));
    }
    p
}

fn print_summary(s: &Summary, wall: Duration) {
    println!();
    println!(
        "Hub day {} at LGG  ({} flights, first event {}, last {})",
        s.date, s.flights, s.first_event, s.last_event
    );
    println!("  parcels       {:>9}", s.parcels);
    println!(
        "  released      {:>9}   cleared by customs (H7)",
        s.released
    );
    println!(
        "  sorted        {:>9}   discharged into a route or hold chute",
        s.sorted
    );
    println!("  handed over   {:>9}   to carriers", s.handed_over);
    println!(
        "  held          {:>9}   {}",
        s.held,
        fmt_map(&s.held_by_reason)
    );
    println!(
        "  exceptions    {:>9}   {}",
        s.exceptions,
        fmt_map(&s.exceptions_by_kind)
    );
    println!(
        "  customs       {:>9}   decisions: {}",
        s.customs_by_outcome.values().sum::<u64>(),
        fmt_map(&s.customs_by_outcome)
    );
    println!("  events        {:>9}   in the store", s.events);
    println!(
        "  = handed over + held + exceptions = {}",
        s.handed_over + s.held + s.exceptions
    );
    println!();
    println!(
        "  {:<6} {:<22} {:>8} {:>7}",
        "route", "carrier", "parcels", "trucks"
    );
    for (id, r) in &s.routes {
        println!(
            "  {:<6} {:<22} {:>8} {:>7}",
            id, r.carrier, r.parcels, r.trucks
        );
    }
    println!();
    println!("  planted anomaly      parcels   caught   rate");
    for (k, d) in &s.detection {
        println!(
            "  {:<18} {:>9} {:>8}   {:.3}",
            k, d.labelled, d.caught, d.rate
        );
    }
    println!(
        "  clean parcels stopped by customs: {} of {}",
        s.clean_stopped,
        s.parcels - s.detection.values().map(|d| d.labelled).sum::<u64>()
    );
    println!();
    let stages: Vec<String> = s
        .stages_s
        .iter()
        .map(|(k, v)| format!("{k} {v}s"))
        .collect();
    println!(
        "wall time {:.1}s ({})",
        wall.as_secs_f64(),
        stages.join(", ")
    );
    println!(
        "data in {}; follow a parcel with the hub serving it (hangar serve --data {}) and you signed in (hangar login): hangar track {}",
        s.data_dir, s.data_dir, s.sample_parcel
    );
    let o = &s.oversight;
    println!();
    println!(
        "Data that left the hub: {} exports along {} declared flows, {} records ({} outside the EU/EEA, operational only); the gate blocked {}:",
        o.exports, o.destinations, o.exported_records, o.outside_eea_records, o.blocked
    );
    for why in o.refused_exports.iter().take(5) {
        println!("  {why}");
    }
    if o.refused_exports.len() > 5 {
        println!("  ... and {} more", o.refused_exports.len() - 5);
    }
    for (k, r) in &o.received {
        println!(
            "  receiver /{k}: {} payloads, {} records, {} digest mismatches",
            r.payloads, r.records, r.digest_mismatches
        );
    }
    println!("  customs outbox: {} H7 filing files", o.outbox_files);
    println!(
        "Reads of sensitive data: {} records; requests refused: {}; control changes: {}; alerts: {}",
        o.sensitive_records_read,
        o.refused_requests,
        o.control_changes,
        fmt_map(&o.alerts)
    );
    println!(
        "The auditor's report of the day: hangar audit report --log {} --from {} --to {}",
        s.data_dir, o.report_from, o.report_to
    );
    println!();
    println!(
        "Every event is in the verifiable log ({} entries). Verify it independently:",
        s.log_entries
    );
    println!(
        "  hangar audit verify --log {} --key {}/keys/log.pub",
        s.data_dir, s.data_dir
    );
    println!("Signed checkpoint (public key {}):", s.log_key);
    println!();
    print!("{}", s.checkpoint);
}

/// `key value, key value, ...`.
pub fn fmt_map(m: &BTreeMap<String, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The day's sorters, each a real protocol connection to the sort host.
struct TcpSortHost {
    clients: Vec<Client>,
    host: Arc<HostState>,
    exception_chute: u16,
    item: u32,
}

impl TcpSortHost {
    fn connect(
        addr: &str,
        sorters: u8,
        host: Arc<HostState>,
        exception_chute: u16,
    ) -> anyhow::Result<TcpSortHost> {
        let clients = (1..=sorters)
            .map(|s| Client::connect(addr, s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TcpSortHost {
            clients,
            host,
            exception_chute,
            item: 0,
        })
    }

    fn next_item(&mut self) -> u32 {
        self.item = (self.item + 1) % 100_000_000;
        self.item
    }

    /// Waits for every confirmation's acknowledgement; returns how many never came.
    fn finish(&mut self) -> anyhow::Result<usize> {
        let mut left = 0;
        for c in &mut self.clients {
            left += c.finish(std::time::Duration::from_secs(30))?;
        }
        Ok(left)
    }
}

fn host_err(e: std::io::Error) -> HostError {
    HostError(e.to_string())
}

impl SortHost for TcpSortHost {
    fn request(
        &mut self,
        sorter: u8,
        parcel: Option<S10Id>,
        recirculations: u8,
        at: Timestamp,
    ) -> Result<u16, HostError> {
        let mut req = hangar_hub::host::request(parcel, recirculations, at);
        req.item = self.next_item();
        let a = self.clients[usize::from(sorter - 1)]
            .decide(req)
            .map_err(host_err)?;
        Ok(if a.count == 0 {
            self.exception_chute
        } else {
            a.chutes[0]
        })
    }

    fn confirm(
        &mut self,
        sorter: u8,
        parcel: S10Id,
        chute: u16,
        outcome: DischargeOutcome,
        pass: u8,
        at: Timestamp,
    ) -> Result<bool, HostError> {
        let outcome: Outcome = outcome.into();
        let d = Discharge {
            item: self.next_item(),
            barcode: Barcode::new(parcel.as_str()).expect("an S10 id fits a barcode"),
            chute,
            outcome,
            recirculations: pass.saturating_sub(1),
            time_ms: at.unix_ms().rem_euclid(86_400_000) as u32,
        };
        self.clients[usize::from(sorter - 1)]
            .confirm(d)
            .map_err(host_err)?;
        Ok(true)
    }

    fn customs(&mut self, parcel: S10Id, released: bool) {
        self.host.set_customs(
            parcel,
            if released {
                hangar_sort::Customs::Released
            } else {
                hangar_sort::Customs::Held
            },
        );
    }
}
