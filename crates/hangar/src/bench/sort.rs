//! `hangar bench sort`.

use super::per_s;
use anyhow::Context;
use hangar_gen::{DayConfig, generate};
use hangar_model::rng::Rng;
use hangar_model::{Actor, Date, Location, S10Id, Timestamp};
use hangar_sort::telegram::{Barcode, Read, Request};
use hangar_sort::{ChuteStates, Customs, ParcelInfo, Plan, decide};
use hangar_sorthost::emulator::{self, Config};
use hangar_sorthost::{HostState, StoreConfirmations, serve};
use hangar_store::{EmbeddedStore, IngestFile, Store};
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Arguments of `hangar bench sort`.
#[derive(clap::Args)]
pub struct Args {
    /// Parcels the host knows.
    #[arg(long, default_value_t = 100_000)]
    pub parcels: u32,
    /// Seconds of load for each TCP measurement.
    #[arg(long, default_value_t = 4.0)]
    pub seconds: f64,
    /// Requests in flight per sorter for the closed-loop maximum.
    #[arg(long, default_value_t = 2048)]
    pub window: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Figures {
    parcels: u32,
    decisions_per_s: f64,
    p50_us_at_100k: f64,
    p99_us: f64,
    p999_us_at_100k: f64,
    max_us_at_100k: f64,
    answered_at_100k: f64,
    inprocess_per_s: f64,
    naive_per_s: f64,
    vs_naive: f64,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    crate::generate::check_size(a.parcels, 1)?;
    anyhow::ensure!(
        a.seconds > 0.0 && a.seconds <= 120.0,
        "--seconds: expected 0 to 120"
    );
    anyhow::ensure!(
        (1..=100_000).contains(&a.window),
        "--window: expected 1 to 100,000"
    );
    let day = generate(DayConfig {
        date: Date::parse("2026-11-22").expect("date"),
        parcels: a.parcels,
        flights: 4,
        seed: 3,
    });
    let book = hangar_customs::RuleBook::builtin();
    let on = Date::parse("2026-11-22").expect("date");
    let directory: HashMap<S10Id, ParcelInfo> = day
        .parcels
        .iter()
        .map(|p| {
            let customs = if hangar_customs::declare(p, on, &book).is_ok() {
                Customs::Released
            } else {
                Customs::Held
            };
            (
                p.id,
                ParcelInfo {
                    country: p.consignee.country,
                    postcode: p.consignee.postcode,
                    customs,
                },
            )
        })
        .collect();
    let plan = Plan::default_eu();
    // The same requests for every measurement: known parcels, 1.5 % no-reads, a few unknown ids.
    let mut rng = Rng::new(5);
    let requests: Vec<Request> = (0..200_000)
        .map(|i| {
            let no_read = rng.chance(0.015);
            let code = if rng.chance(0.01) {
                S10Id::from_parts("ZZ", i, "CN")
            } else {
                day.parcels[rng.below(day.parcels.len() as u64) as usize].id
            };
            let mut barcodes = [Barcode::default(); 3];
            if !no_read {
                barcodes[0] = Barcode::new(code.as_str()).expect("barcode");
            }
            Request {
                item: i,
                read: if no_read { Read::NoRead } else { Read::Good },
                barcodes,
                count: u8::from(!no_read),
                weight_g: 500,
                dims_mm: [300, 200, 100],
                scanner: 1,
                recirculations: 0,
                time_ms: 0,
            }
        })
        .collect();

    // The limit: the decision function alone, one core.
    let chutes = ChuteStates::default();
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let mut routed = 0u32;
        for r in &requests {
            routed += u32::from(decide(&plan, &directory, &chutes, r).count > 0);
        }
        best = best.min(t.elapsed());
        std::hint::black_box(routed);
    }
    let inprocess_per_s = per_s(requests.len() as u64, best);

    // The naive way: one indexed SQL query per request against the embedded store.
    let tmp = tempfile::tempdir().context("temporary directory")?;
    let store = Arc::new(EmbeddedStore::open(tmp.path())?);
    let actor = Actor::parse("system:bench").expect("actor");
    let loc = Location::parse("LGG").expect("loc");
    store.ingest(IngestFile {
        name: "schedule".into(),
        digest: [1; 32],
        rows: 0,
        flights: day.flights.iter().cloned().map(|f| (f, 0)).collect(),
        parcels: vec![],
        at: Timestamp(0),
        actor,
        location: loc,
    })?;
    store.ingest(IngestFile {
        name: "manifest".into(),
        digest: [2; 32],
        rows: 0,
        flights: vec![],
        parcels: day.parcels.iter().cloned().map(|p| (p, 0)).collect(),
        at: Timestamp(0),
        actor,
        location: loc,
    })?;
    let naive_n = 20_000usize;
    let t = Instant::now();
    for r in &requests[..naive_n] {
        let mut one: HashMap<S10Id, ParcelInfo> = HashMap::new();
        if let Ok(id) = S10Id::parse(r.barcodes[0].as_str())
            && let Some(d) = store.lookup_destination(&id)?
        {
            let customs = match d.customs {
                Some(hangar_model::EventCode::CCD) | None => Customs::Released,
                _ => Customs::Held,
            };
            one.insert(
                id,
                ParcelInfo {
                    country: d.country,
                    postcode: d.postcode,
                    customs,
                },
            );
        }
        std::hint::black_box(decide(&plan, &one, &chutes, r));
    }
    let naive_per_s = per_s(naive_n as u64, t.elapsed());

    // Over TCP: the real host and emulated sorters on loopback, sharing this machine.
    let state = Arc::new(HostState::new(
        "LGG",
        plan,
        Arc::new(StoreConfirmations(store.clone())),
    ));
    state.set_parcels(directory);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?.to_string();
    rt.spawn(serve(listener, state, std::future::pending()));
    let barcodes = Arc::new(
        day.parcels
            .iter()
            .map(|p| p.id.to_string())
            .collect::<Vec<_>>(),
    );
    let window = a.window;
    let cfg = |rate: Option<f64>| Config {
        addr: addr.clone(),
        sorters: 2,
        rate,
        window,
        duration: Duration::from_secs_f64(a.seconds),
        barcodes: barcodes.clone(),
        no_read_rate: 0.015,
        confirm: false,
        seed: 9,
    };
    let max = emulator::run(&cfg(None))?;
    let at_100k = emulator::run(&cfg(Some(100_000.0)))?;
    rt.shutdown_background();

    let decisions_per_s = max.answers_per_s().round();
    let f = Figures {
        parcels: a.parcels,
        decisions_per_s,
        p50_us_at_100k: at_100k.latency.p50_us,
        p99_us: at_100k.latency.p99_us,
        p999_us_at_100k: at_100k.latency.p999_us,
        max_us_at_100k: at_100k.latency.max_us,
        answered_at_100k: at_100k.answers_per_s().round(),
        inprocess_per_s,
        naive_per_s,
        vs_naive: (decisions_per_s / naive_per_s * 10.0).round() / 10.0,
    };
    if a.json {
        println!("{}", serde_json::to_string(&f)?);
    } else {
        println!(
            "sort benchmark: {} parcels known to the host, 2 emulated sorters on loopback, {} s per run",
            f.parcels, a.seconds
        );
        println!(
            "  decisions_per_s   {:>12.0}   sustained over TCP, closed loop",
            f.decisions_per_s
        );
        println!(
            "  p99_us            {:>12.0}   at an offered 100,000/s ({:.0}/s answered; p50 {:.0}, p99.9 {:.0}, max {:.0} µs)",
            f.p99_us, f.answered_at_100k, f.p50_us_at_100k, f.p999_us_at_100k, f.max_us_at_100k
        );
        println!(
            "  inprocess_per_s   {:>12.0}   the decision function alone, one core (the limit)",
            f.inprocess_per_s
        );
        println!(
            "  naive_per_s       {:>12.0}   one indexed SQL query per request against the embedded store",
            f.naive_per_s
        );
        println!(
            "  vs_naive          {:>12.1}   decisions_per_s / naive_per_s",
            f.vs_naive
        );
    }
    Ok(ExitCode::SUCCESS)
}
