//! `hangar drive`: a simulated world driving a running Hangar only through the ways in a real
//! hub's partners and devices use. Airlines upload the schedule and manifests
//! (`POST /api/manifests`), breakdown stations post ARR and RCF scans (`POST /api/scans`),
//! sorters connect to the sort host over the sorter protocol (a destination request and a
//! discharge confirmation per parcel), docks open, load and close trucks (`/api/trucks`). Then
//! the day is reconciled: what the driver expects against what the hub's API says.

use crate::client::{Client, refusal};
use anyhow::{Context, bail};
use hangar_gen::{DayConfig, generate};
use hangar_model::{S10Id, Timestamp};
use hangar_sort::telegram::{Barcode, Discharge, Outcome};
use hangar_sorthost::client::Client as Sorter;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Arguments of `hangar drive`.
#[derive(clap::Args)]
pub struct Args {
    /// The hub's URL (`hangar serve`'s address).
    #[arg(long, env = "HANGAR_URL")]
    pub url: String,
    /// A file holding a device's token (`hangar login --login DEVICE --print > F`): the world's
    /// airlines, stations and docks act with it.
    #[arg(long)]
    pub token_file: PathBuf,
    /// The device's login (scans name the device that sent them).
    #[arg(long)]
    pub device: String,
    /// A file holding a control-room token (operator or admin): the route plan and the board
    /// are read with it to reconcile the day (devices read nothing).
    #[arg(long)]
    pub reader_token_file: PathBuf,
    /// The sort host's address (`sorter_listen` in the hub's config).
    #[arg(long)]
    pub sorter: String,
    /// Parcels in the day.
    #[arg(long, default_value_t = 50_000)]
    pub parcels: u32,
    /// Freighters in the day.
    #[arg(long, default_value_t = 4)]
    pub flights: u32,
    /// Seed of the generated day (a different seed, different parcel ids).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Most parcels in one uploaded manifest file (the upload limit is 64 MiB).
const PARCELS_PER_FILE: usize = 20_000;
/// Items in one scan batch, parcels in one truck load.
const BATCH: usize = 1_000;
/// How long the hub's board may take to show what the driver did.
const SETTLE: Duration = Duration::from_secs(60);

/// What the driver did and what the hub says of it.
#[derive(serde::Serialize, Default)]
struct Summary {
    parcels: u64,
    files: u64,
    /// Customs decisions the hub reported at intake.
    released: u64,
    held: u64,
    scans: u64,
    sorted: u64,
    /// Parcels the sort host sent elsewhere than a carrier route (holds, exceptions).
    not_sorted: u64,
    trucks: u64,
    handed_over: u64,
    /// The hub's board, by stage, once it showed the driver's day.
    board: BTreeMap<String, u64>,
    seconds: BTreeMap<&'static str, f64>,
    reconciled: bool,
}

fn now() -> Timestamp {
    crate::ingest::now()
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    crate::generate::check_size(a.parcels, a.flights)?;
    let hub = Client::new(&a.url, Some(token(&a.token_file)?))?;
    let reader = Client::new(&a.url, Some(token(&a.reader_token_file)?))?;
    let scan = |code: &str, subject: Value, location: &str| {
        let mut v = json!({"code": code, "at": now().to_string(), "location": location,
            "device": a.device});
        if let (Some(o), Some(sub)) = (v.as_object_mut(), subject.as_object()) {
            o.extend(sub.clone());
        }
        v
    };
    let mut s = Summary::default();
    let mut clock = Instant::now();
    let mut lap = |s: &mut Summary, stage: &'static str| {
        s.seconds.insert(stage, clock.elapsed().as_secs_f64());
        clock = Instant::now();
    };
    let day = generate(DayConfig {
        date: now().date(),
        parcels: a.parcels,
        flights: a.flights,
        seed: a.seed,
    });
    let before = board(&reader)?;
    lap(&mut s, "generate");

    // Airlines: the schedule, then each flight's manifest (in files of at most 20,000 parcels).
    let mut schedule = Vec::new();
    hangar_manifest::write_schedule(&mut schedule, &day.flights)?;
    upload(&hub, &format!("schedule-{}.csv", a.seed), &schedule, &mut s)?;
    for f in &day.flights {
        let on: Vec<_> = day
            .parcels
            .iter()
            .filter(|p| p.flight == f.key)
            .cloned()
            .collect();
        for (i, part) in on.chunks(PARCELS_PER_FILE).enumerate() {
            let mut csv = Vec::new();
            hangar_manifest::write_csv(&mut csv, part)?;
            let name = format!("manifest-{}-{}-{}.csv", f.key.number, f.key.date, i + 1);
            upload(&hub, &name, &csv, &mut s)?;
        }
        eprintln!("drive: {} manifested ({} parcels)", f.key, on.len());
    }
    lap(&mut s, "manifests");

    // Breakdown: each flight arrives, each parcel is received.
    let arrivals: Vec<Value> = day
        .flights
        .iter()
        .map(|f| scan("ARR", json!({"flight": f.key.to_string()}), "LGG"))
        .collect();
    post_scans(&hub, &arrivals, &mut s)?;
    for chunk in day.parcels.chunks(BATCH) {
        let items: Vec<Value> = chunk
            .iter()
            .map(|p| {
                scan(
                    "RCF",
                    json!({"parcel": p.id.to_string()}),
                    "LGG/BREAKDOWN-1",
                )
            })
            .collect();
        post_scans(&hub, &items, &mut s)?;
    }
    eprintln!("drive: {} parcels received at breakdown", day.parcels.len());
    lap(&mut s, "breakdown");

    // Sorters: every parcel inducted, discharged to the chute the host names.
    let routes = reader.call("GET", "/api/routes", None)?;
    let mut route_of: HashMap<u16, String> = HashMap::new();
    for r in routes["routes"].as_array().into_iter().flatten() {
        let id = r["id"].as_str().unwrap_or_default().to_string();
        for c in r["chutes"].as_array().into_iter().flatten() {
            if let Some(c) = c.as_u64() {
                route_of.insert(c as u16, id.clone());
            }
        }
    }
    let ids: Vec<S10Id> = day.parcels.iter().map(|p| p.id).collect();
    let mut by_route: BTreeMap<String, Vec<S10Id>> = BTreeMap::new();
    let halves: Vec<&[S10Id]> = ids.chunks(ids.len().div_ceil(2).max(1)).collect();
    let sorted = std::thread::scope(|scope| -> anyhow::Result<Vec<Vec<(S10Id, u16)>>> {
        let handles: Vec<_> = halves
            .iter()
            .enumerate()
            .map(|(k, part)| {
                let addr = a.sorter.clone();
                scope.spawn(move || sort(&addr, (k + 1) as u8, part))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("sorter thread"))
            .collect()
    })?;
    for (id, chute) in sorted.into_iter().flatten() {
        match route_of.get(&chute) {
            Some(r) => {
                s.sorted += 1;
                by_route.entry(r.clone()).or_default().push(id);
            }
            None => s.not_sorted += 1,
        }
    }
    eprintln!(
        "drive: {} parcels sorted to {} carrier routes, {} elsewhere",
        s.sorted,
        by_route.len(),
        s.not_sorted
    );
    lap(&mut s, "sort");

    // Docks: a truck per route, loaded, closed (every parcel handed over).
    let departs = Timestamp(now().unix_ms() + 3_600_000).to_string();
    for (i, (route, parcels)) in by_route.iter().enumerate() {
        let dock = format!("{:02}", i % 40 + 1);
        let truck = hub.call(
            "POST",
            "/api/trucks",
            Some(&json!({"route": route, "dock": dock, "departs": departs})),
        )?;
        let id = truck["id"].as_str().context("no id for the new truck")?;
        for chunk in parcels.chunks(BATCH) {
            let ids: Vec<String> = chunk.iter().map(|p| p.to_string()).collect();
            hub.call(
                "POST",
                &format!("/api/trucks/{id}/load"),
                Some(&json!({ "parcels": ids })),
            )
            .with_context(|| format!("loading truck {id} for {route}"))?;
        }
        let closed = hub.call("POST", &format!("/api/trucks/{id}/close"), Some(&json!({})))?;
        s.handed_over += closed["handed_over"].as_u64().unwrap_or(0);
        s.trucks += 1;
    }
    eprintln!(
        "drive: {} trucks left, {} parcels handed over",
        s.trucks, s.handed_over
    );
    lap(&mut s, "docks");

    // Reconcile: the hub's board must show the day as the driver ran it.
    s.parcels = day.parcels.len() as u64;
    let want = |b: &BTreeMap<String, u64>, stage: &str| b.get(stage).copied().unwrap_or(0);
    let expected: Vec<(&str, u64)> = vec![
        ("handed_over", want(&before, "handed_over") + s.handed_over),
        ("held", want(&before, "held") + s.held),
    ];
    // What the hub answered along the way must add up; the board may take a moment to show it.
    let mut own = Vec::new();
    if s.handed_over != s.sorted {
        own.push(format!(
            "{} parcels sorted to carrier routes but {} handed over",
            s.sorted, s.handed_over
        ));
    }
    if s.sorted + s.held != s.parcels {
        own.push(format!(
            "{} sorted and {} held by customs, of {} parcels",
            s.sorted, s.held, s.parcels
        ));
    }
    let started = Instant::now();
    let mut differences;
    loop {
        s.board = board(&reader)?;
        differences = expected
            .iter()
            .filter(|(stage, n)| want(&s.board, stage) != *n)
            .map(|(stage, n)| {
                format!(
                    "{stage}: the driver expects {n}, the hub says {}",
                    want(&s.board, stage)
                )
            })
            .collect::<Vec<_>>();
        if differences.is_empty() || started.elapsed() > SETTLE {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    differences.extend(own);
    lap(&mut s, "reconcile");
    s.reconciled = differences.is_empty();
    if a.json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        println!(
            "drove {} parcels on {} flights into {}: {} files, {} scans, {} sorted, {} trucks, {} handed over, {} held by customs",
            s.parcels,
            day.flights.len(),
            hub.url,
            s.files,
            s.scans,
            s.sorted,
            s.trucks,
            s.handed_over,
            s.held
        );
        println!("hub's board: {}", crate::demo::fmt_map(&s.board));
    }
    if !s.reconciled {
        for d in &differences {
            eprintln!("drive: the day does not reconcile: {d}");
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The hub's board: parcels by stage.
fn board(hub: &Client) -> anyhow::Result<BTreeMap<String, u64>> {
    let live = hub.call("GET", "/api/live", None)?;
    Ok(live["by_stage"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
        .collect())
}

/// The token in `path`.
fn token(path: &std::path::Path) -> anyhow::Result<String> {
    let t = std::fs::read_to_string(path)
        .with_context(|| format!("reading the token in {}", path.display()))?
        .trim()
        .to_string();
    if t.is_empty() || t.lines().count() > 1 {
        bail!(
            "{}: expected one token, got {} lines",
            path.display(),
            t.lines().count()
        );
    }
    Ok(t)
}

fn upload(hub: &Client, name: &str, bytes: &[u8], s: &mut Summary) -> anyhow::Result<()> {
    let a = hub.send(
        "POST",
        &format!("/api/manifests?name={}", crate::client::encode(name)),
        "text/csv",
        bytes,
    )?;
    if a.status != 201 && a.status != 200 {
        bail!("uploading {name}: {}", refusal(&a));
    }
    let v = a.json();
    let c = &v["customs"];
    let n = |k: &str| c[k].as_u64().unwrap_or(0);
    s.released += n("release");
    s.held += n("request_info") + n("hold") + n("refuse");
    s.files += 1;
    Ok(())
}

fn post_scans(hub: &Client, items: &[Value], s: &mut Summary) -> anyhow::Result<()> {
    let a = hub.send(
        "POST",
        "/api/scans",
        "application/json",
        &serde_json::to_vec(items)?,
    )?;
    if a.status != 201 {
        bail!("posting {} scans: {}", items.len(), refusal(&a));
    }
    s.scans += items.len() as u64;
    Ok(())
}

/// One sorter's share of the day: each parcel's destination asked, its discharge confirmed;
/// the chute each went to. Returns once the host has acknowledged every confirmation (durable).
fn sort(addr: &str, sorter: u8, parcels: &[S10Id]) -> anyhow::Result<Vec<(S10Id, u16)>> {
    let mut c = Sorter::connect(addr, sorter)
        .with_context(|| format!("connecting sorter {sorter} to the sort host at {addr}"))?;
    let mut out = Vec::with_capacity(parcels.len());
    for (i, id) in parcels.iter().enumerate() {
        let at = now();
        let mut req = hangar_hub::host::request(Some(*id), 0, at);
        req.item = i as u32 % 100_000_000;
        let answer = c
            .decide(req)
            .with_context(|| format!("sorter {sorter}: {id}"))?;
        let chute = if answer.count == 0 {
            0
        } else {
            answer.chutes[0]
        };
        if answer.count > 0 {
            c.confirm(Discharge {
                item: req.item,
                barcode: Barcode::new(id.as_str()).expect("an S10 id fits a barcode"),
                chute,
                outcome: Outcome::Sorted,
                recirculations: 0,
                time_ms: at.unix_ms().rem_euclid(86_400_000) as u32,
            })?;
        }
        out.push((*id, chute));
    }
    let lost = c.finish(Duration::from_secs(30))?;
    if lost > 0 {
        bail!("sorter {sorter}: {lost} confirmations were never acknowledged");
    }
    Ok(out)
}
