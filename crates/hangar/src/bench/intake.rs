//! `hangar bench intake`: the live hub's ways in, measured from outside. A real `hangar serve`
//! child on a fresh data directory takes the day's manifests over HTTP (customs decides each
//! consignment at intake) and then breakdown scans in batches of 1,000; side by side, in the same
//! run, `hangar ingest` takes the same files and the store appends the same scan events directly.

use super::per_s;
use anyhow::{Context, bail};
use hangar_gen::{DayConfig, generate, write_day};
use hangar_model::{Actor, Detail, Event, EventCode, Location, Subject, Timestamp};
use hangar_store::{EmbeddedStore, Store};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Arguments of `hangar bench intake`.
#[derive(clap::Args)]
pub struct Args {
    /// Parcels in the day measured with.
    #[arg(long, default_value_t = 100_000)]
    pub parcels: u32,
    /// Freighters in the day.
    #[arg(long, default_value_t = 4)]
    pub flights: u32,
    /// Concurrent HTTP clients (uploading partners, scanning stations).
    #[arg(long, default_value_t = 2)]
    pub clients: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Items per scan batch, as the issue and the devices send them.
const BATCH: usize = 1_000;
/// The scanning device.
const DEVICE: &str = "bench-1";

#[derive(serde::Serialize)]
struct Figures {
    parcels: u64,
    files: u64,
    /// Parcels per second through `POST /api/manifests` (customs decides each at intake).
    manifest_http_per_s: f64,
    /// Parcels per second through `hangar ingest` for the same files (no customs).
    ingest_per_s: f64,
    manifest_ratio: f64,
    /// Customs decisions the live hub stored during the uploads.
    customs_decided: u64,
    scan_events: u64,
    batches: u64,
    /// Durable scan events per second through `POST /api/scans`.
    scans_per_s: f64,
    /// The same events appended by the store directly, same batches.
    store_append_per_s: f64,
    scan_ratio: f64,
    clients: u64,
    durable: bool,
}

fn ratio(a: f64, b: f64) -> f64 {
    ((a / b) * 1000.0).round() / 1000.0
}

/// `hangar ARGS`, its standard output.
fn hangar(args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running hangar")?;
    if !out.status.success() {
        bail!(
            "hangar {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A `hangar serve` child, stopped when dropped.
struct Served {
    child: Child,
    base: String,
    /// Kept open: the service writes more lines.
    _out: BufReader<std::process::ChildStdout>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path, register: &Path) -> anyhow::Result<Served> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--sorter-listen", "127.0.0.1:0"])
        .arg("--register")
        .arg(register)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting hangar serve")?;
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().context("serve's output")?);
    out.read_line(&mut first)?;
    let base = first
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .map(|a| format!("http://{a}"))
        .with_context(|| format!("no address in {first:?}"))?;
    Ok(Served {
        child,
        base,
        _out: out,
    })
}

/// POSTs `body` to the service this benchmark started on 127.0.0.1; the response body, after
/// checking the status is one of `ok`.
fn post(
    base: &str,
    path: &str,
    token: &str,
    ctype: &str,
    body: &[u8],
    ok: &[u16],
) -> anyhow::Result<String> {
    let a =
        crate::client::Client::new(base, Some(token.into()))?.send("POST", path, ctype, body)?;
    if !ok.contains(&a.status) {
        bail!("POST {path}: {}", crate::client::refusal(&a));
    }
    Ok(a.body)
}

/// Runs `work` over `items` from `clients` threads, each taking the next item; how long it took.
fn spread<T: Sync>(
    items: &[T],
    clients: usize,
    work: impl Fn(&T) -> anyhow::Result<u64> + Sync,
) -> anyhow::Result<(u64, Duration)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let total = std::sync::atomic::AtomicU64::new(0);
    let t = Instant::now();
    std::thread::scope(|s| -> anyhow::Result<()> {
        let handles: Vec<_> = (0..clients.max(1))
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return Ok(());
                        };
                        total.fetch_add(work(item)?, std::sync::atomic::Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("client thread")?;
        }
        Ok(())
    })?;
    Ok((total.into_inner(), t.elapsed()))
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    crate::generate::check_size(a.parcels, a.flights)?;
    let clients = a.clients.clamp(1, 16);
    let tmp = tempfile::tempdir().context("temporary directory")?;
    // Yesterday's day: its flights are on the schedule, and scans stamped now are in its past.
    let today = crate::ingest::now();
    let date = today.date().add_days(-1);
    let day = generate(DayConfig {
        date,
        parcels: a.parcels,
        flights: a.flights,
        seed: 3,
    });
    let files = write_day(&day, &tmp.path().join("files"), |_| {})?;
    let n = day.parcels.len() as u64;

    // The offline path: `hangar ingest` of the schedule and every manifest.
    let offline = tmp.path().join("offline");
    let mut args: Vec<String> = vec!["ingest".into(), "--data".into(), path(&offline)];
    args.push(path(&files.schedule));
    args.extend(files.csv.iter().map(|p| path(p)));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    super::ingest::settle_disk();
    let t = Instant::now();
    hangar(&argv)?;
    let ingest = t.elapsed();

    // The live path: the same files over HTTP to a fresh `hangar serve`, from `clients` partners.
    let live = tmp.path().join("live");
    let live_s = path(&live);
    let admin = hangar(&[
        "users", "add", "admin", "--role", "admin", "--data", &live_s,
    ])?;
    let admin_password = admin
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .context("no password for the first administrator")?
        .to_string();
    let served = serve(&live, &files.ioss_register)?;
    // The device a partner's gateway would use, added by the administrator through the hub.
    let (admin_token, _) =
        crate::client::sign_in(&served.base, "admin", &admin_password, "bench intake")?;
    let device_password = crate::server::new_password();
    crate::client::Client::new(&served.base, Some(admin_token))?.call(
        "POST",
        "/api/users",
        Some(
            &serde_json::json!({ "login": DEVICE, "role": "device", "password": device_password }),
        ),
    )?;
    let (token, _) = crate::client::sign_in(&served.base, DEVICE, &device_password, "bench")?;
    let upload = |p: &PathBuf| -> anyhow::Result<u64> {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .context("file name")?;
        let bytes = std::fs::read(p)?;
        let receipt = post(
            &served.base,
            &format!("/api/manifests?name={name}"),
            &token,
            "text/csv",
            &bytes,
            &[201],
        )?;
        let v: serde_json::Value = serde_json::from_str(&receipt)?;
        let c = &v["customs"];
        Ok(["release", "request_info", "hold", "refuse"]
            .iter()
            .map(|k| c[k].as_u64().unwrap_or(0))
            .sum())
    };
    upload(&files.schedule)?;
    super::ingest::settle_disk();
    let (customs_decided, manifests) = spread(&files.csv, clients, upload)?;

    // Scans: ARR of each flight, then every parcel received at breakdown, 1,000 to a batch.
    let now = crate::ingest::now();
    let at = now.to_string();
    let arrivals: Vec<serde_json::Value> = day
        .flights
        .iter()
        .map(|f| {
            serde_json::json!({"code": "ARR", "flight": f.key.to_string(), "at": at,
                "location": "LGG", "device": DEVICE})
        })
        .collect();
    post(
        &served.base,
        "/api/scans",
        &token,
        "application/json",
        &serde_json::to_vec(&arrivals)?,
        &[201],
    )?;
    let batches: Vec<Vec<u8>> = day
        .parcels
        .chunks(BATCH)
        .map(|c| {
            let items: Vec<serde_json::Value> = c
                .iter()
                .map(|p| {
                    serde_json::json!({"code": "RCF", "parcel": p.id.to_string(), "at": at,
                        "location": "LGG/BREAKDOWN-1", "device": DEVICE})
                })
                .collect();
            serde_json::to_vec(&items).expect("json")
        })
        .collect();
    super::ingest::settle_disk();
    let (scan_events, scans) = spread(&batches, clients, |b| {
        let r = post(
            &served.base,
            "/api/scans",
            &token,
            "application/json",
            b,
            &[201],
        )?;
        let v: serde_json::Value = serde_json::from_str(&r)?;
        v["events"].as_u64().context("no events in the receipt")
    })?;
    drop(served);
    if scan_events != n {
        bail!("the hub stored {scan_events} scan events for {n} parcels");
    }

    // The same events appended by the store directly into the offline copy, same batches.
    let store = EmbeddedStore::open(&offline)?;
    let actor = Actor::parse(&format!("device:{DEVICE}")).expect("actor");
    let location = Location::parse("LGG/BREAKDOWN-1").expect("location");
    let events: Vec<Vec<Event>> = day
        .parcels
        .chunks(BATCH)
        .map(|c| {
            c.iter()
                .map(|p| Event {
                    subject: Subject::Parcel(p.id),
                    code: EventCode::RCF,
                    at: Timestamp(now.unix_ms()),
                    actor,
                    location,
                    detail: Detail::Received {
                        bag: p.bag,
                        uld: p.uld,
                    },
                })
                .collect()
        })
        .collect();
    super::ingest::settle_disk();
    let (appended, direct) = spread(&events, clients, |b| {
        store.append(b)?;
        Ok(b.len() as u64)
    })?;
    debug_assert_eq!(appended, n);

    let f = Figures {
        parcels: n,
        files: files.csv.len() as u64,
        manifest_http_per_s: per_s(n, manifests),
        ingest_per_s: per_s(n, ingest),
        manifest_ratio: ratio(ingest.as_secs_f64(), manifests.as_secs_f64()),
        customs_decided,
        scan_events,
        batches: batches.len() as u64,
        scans_per_s: per_s(scan_events, scans),
        store_append_per_s: per_s(appended, direct),
        scan_ratio: ratio(direct.as_secs_f64(), scans.as_secs_f64()),
        clients: clients as u64,
        durable: true,
    };
    if a.json {
        println!("{}", serde_json::to_string(&f)?);
    } else {
        println!(
            "intake benchmark: {} parcels in {} manifests, {} HTTP clients, a fresh `hangar serve`",
            f.parcels, f.files, f.clients
        );
        println!(
            "  manifest_http_per_s {:>11.0}   POST /api/manifests, customs deciding each consignment ({} decided)",
            f.manifest_http_per_s, f.customs_decided
        );
        println!(
            "  ingest_per_s        {:>11.0}   `hangar ingest` of the same files (no customs)",
            f.ingest_per_s
        );
        println!(
            "  manifest_ratio      {:>11.3}   HTTP / hangar ingest (target >= 0.8)",
            f.manifest_ratio
        );
        println!(
            "  scans_per_s         {:>11.0}   durable RCF events via POST /api/scans, {} batches of {BATCH} (target >= 100000)",
            f.scans_per_s, f.batches
        );
        println!(
            "  store_append_per_s  {:>11.0}   the same events appended by the store directly",
            f.store_append_per_s
        );
        println!(
            "  scan_ratio          {:>11.3}   HTTP / direct append (target >= 0.5)",
            f.scan_ratio
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
