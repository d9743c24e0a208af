//! Sorters emulated over real TCP: scan tunnels reading barcodes (with a no-read rate), chutes
//! filling and emptying, discharge confirmations resent until acknowledged, reconnection after a
//! lost connection. Measures reply latency from each request's *intended* send time, so a
//! stalled host cannot hide its stall by slowing the sender (coordinated-omission correction).

use hangar_model::rng::Rng;
use hangar_sort::telegram::{
    Barcode, Body, ChuteState, Discharge, Framed, Framer, MAX_SEQ, Outcome, Read, Reason, Request,
    Telegram,
};
use std::collections::HashMap;
use std::io::{Read as _, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to emulate.
#[derive(Clone, Debug)]
pub struct Config {
    /// Host address.
    pub addr: String,
    /// Sorters (one connection each).
    pub sorters: u8,
    /// Offered destination requests per second, all sorters together; `None`: closed loop, as
    /// fast as answers come back with `window` requests in flight per sorter.
    pub rate: Option<f64>,
    /// Requests in flight per sorter in closed loop.
    pub window: usize,
    /// How long to offer load.
    pub duration: Duration,
    /// Tracking ids printed on the items (known to the host or not).
    pub barcodes: Arc<Vec<String>>,
    /// Share of items the scan tunnel cannot read.
    pub no_read_rate: f64,
    /// Send a discharge confirmation for every answered item (and chute status changes).
    pub confirm: bool,
    /// Seed for the emulated randomness.
    pub seed: u64,
}

/// Latency percentiles in microseconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Latency {
    /// Answers measured.
    pub count: u64,
    /// Median.
    pub p50_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p999_us: f64,
    /// Largest.
    pub max_us: f64,
}

impl Latency {
    fn from(mut v: Vec<u64>) -> Latency {
        if v.is_empty() {
            return Latency::default();
        }
        v.sort_unstable();
        let at = |q: f64| {
            v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1] as f64 / 1000.0
        };
        Latency {
            count: v.len() as u64,
            p50_us: at(0.5),
            p99_us: at(0.99),
            p999_us: at(0.999),
            max_us: *v.last().expect("non-empty") as f64 / 1000.0,
        }
    }
}

/// What the emulation saw.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Destination requests sent.
    pub requests: u64,
    /// Answers received.
    pub answers: u64,
    /// Answers with a route chute.
    pub routed: u64,
    /// Negative acknowledgements received.
    pub naks: u64,
    /// Discharge confirmations sent (first sends).
    pub confirmations: u64,
    /// Confirmations acknowledged.
    pub acknowledged: u64,
    /// Confirmations resent for want of an acknowledgement.
    pub resent: u64,
    /// Chute status telegrams sent.
    pub chute_changes: u64,
    /// Reconnections after a lost connection.
    pub reconnects: u64,
    /// Reply latency, corrected for coordinated omission.
    pub latency: Latency,
    /// Wall time of the offered load.
    pub elapsed: Duration,
}

impl Report {
    /// Answers per second over the offered period.
    pub fn answers_per_s(&self) -> f64 {
        self.answers as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

struct Shared {
    seq: AtomicU32,
    /// Intended send time (ns since start) of each request, by sequence number; 0 = none.
    intended: Vec<AtomicU64>,
    in_flight: AtomicUsize,
    done: AtomicBool,
    stats: [AtomicU64; 9],
}

const REQ: usize = 0;
const ANS: usize = 1;
const ROUTED: usize = 2;
const NAK: usize = 3;
const CONF: usize = 4;
const ACK: usize = 5;
const RESENT: usize = 6;
const CHUTE: usize = 7;
const RECONN: usize = 8;

impl Shared {
    fn next_seq(&self) -> u32 {
        loop {
            let cur = self.seq.load(Ordering::Relaxed);
            let next = if cur >= MAX_SEQ { 1 } else { cur + 1 };
            if self
                .seq
                .compare_exchange(cur, next, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return next;
            }
        }
    }
    fn add(&self, i: usize, n: u64) {
        self.stats[i].fetch_add(n, Ordering::Relaxed);
    }
}

fn connect(addr: &str, deadline: Instant) -> std::io::Result<TcpStream> {
    loop {
        match TcpStream::connect(addr) {
            Ok(s) => {
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_secs(1)),
        }
    }
}

fn ms_of_day() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_millis() % 86_400_000) as u32)
        .unwrap_or(0)
}

/// Runs the emulation and reports.
pub fn run(cfg: &Config) -> std::io::Result<Report> {
    assert!(cfg.sorters >= 1 && cfg.sorters <= 99 && !cfg.barcodes.is_empty());
    let start = Instant::now();
    let mut handles = Vec::new();
    for s in 1..=cfg.sorters {
        let cfg = cfg.clone();
        handles.push(std::thread::spawn(move || sorter(s, &cfg, start)));
    }
    let mut report = Report::default();
    let mut latencies = Vec::new();
    for h in handles {
        let (r, l) = h.join().expect("sorter thread")?;
        report.requests += r.requests;
        report.answers += r.answers;
        report.routed += r.routed;
        report.naks += r.naks;
        report.confirmations += r.confirmations;
        report.acknowledged += r.acknowledged;
        report.resent += r.resent;
        report.chute_changes += r.chute_changes;
        report.reconnects += r.reconnects;
        report.elapsed = report.elapsed.max(r.elapsed);
        latencies.extend(l);
    }
    report.latency = Latency::from(latencies);
    Ok(report)
}

/// One sorter: a sending loop here, a receiving thread beside it.
fn sorter(id: u8, cfg: &Config, start: Instant) -> std::io::Result<(Report, Vec<u64>)> {
    let shared = Arc::new(Shared {
        seq: AtomicU32::new(0),
        intended: (0..=MAX_SEQ as usize).map(|_| AtomicU64::new(0)).collect(),
        in_flight: AtomicUsize::new(0),
        done: AtomicBool::new(false),
        stats: Default::default(),
    });
    let deadline = start + cfg.duration;
    let mut stream = connect(&cfg.addr, deadline + Duration::from_secs(5))?;
    // Discharges to send (from the receiver) and acknowledgements seen (to the sender).
    let (dc_tx, dc_rx) = mpsc::channel::<Telegram>();
    let (ack_tx, ack_rx) = mpsc::channel::<u32>();
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(1 << 16)));
    let spawn_reader = |stream: TcpStream| {
        let (shared, dc_tx, ack_tx, latencies, confirm) = (
            shared.clone(),
            dc_tx.clone(),
            ack_tx.clone(),
            latencies.clone(),
            cfg.confirm,
        );
        std::thread::spawn(move || {
            reader(
                id, stream, start, &shared, &dc_tx, &ack_tx, &latencies, confirm,
            )
        })
    };
    let mut reader_handle = spawn_reader(stream.try_clone()?);
    let mut rng = Rng::fork(cfg.seed ^ u64::from(id), "emulator");
    let per_sorter_rate = cfg.rate.map(|r| r / f64::from(cfg.sorters));
    let mut k: u64 = 0;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut unacked: HashMap<u32, (Instant, Telegram)> = HashMap::new();
    let mut chute_load: HashMap<u16, u32> = HashMap::new();
    let mut full_until: Vec<(u16, Instant)> = Vec::new();
    let mut item: u32 = u32::from(id) * 1_000_000;
    let mut last_resend = Instant::now();
    loop {
        let now = Instant::now();
        let offering = now < deadline;
        // Destination requests due now.
        if offering {
            let due = match per_sorter_rate {
                Some(r) => ((now - start).as_secs_f64() * r) as u64 + 1,
                None => {
                    k + cfg
                        .window
                        .saturating_sub(shared.in_flight.load(Ordering::Acquire))
                        as u64
                }
            };
            while k < due && buf.len() < 60 * 1024 {
                let intended_ns = match per_sorter_rate {
                    Some(r) => (k as f64 / r * 1e9) as u64,
                    None => (now - start).as_nanos() as u64,
                };
                let seq = shared.next_seq();
                shared.intended[seq as usize].store(intended_ns.max(1), Ordering::Release);
                shared.in_flight.fetch_add(1, Ordering::AcqRel);
                item = if item % 1_000_000 == 999_999 {
                    u32::from(id) * 1_000_000
                } else {
                    item + 1
                };
                let no_read = rng.chance(cfg.no_read_rate);
                let mut barcodes = [Barcode::default(); 3];
                if !no_read {
                    barcodes[0] =
                        Barcode::new(&cfg.barcodes[rng.below(cfg.barcodes.len() as u64) as usize])
                            .unwrap_or_default();
                }
                let req = Request {
                    item,
                    read: if no_read { Read::NoRead } else { Read::Good },
                    barcodes,
                    count: u8::from(!no_read),
                    weight_g: rng.range(50, 3000) as u32,
                    dims_mm: [
                        rng.range(100, 600) as u16,
                        rng.range(80, 400) as u16,
                        rng.range(20, 300) as u16,
                    ],
                    scanner: 1,
                    recirculations: 0,
                    time_ms: ms_of_day(),
                };
                Telegram {
                    sorter: id,
                    seq,
                    body: Body::Request(req),
                }
                .encode(&mut buf);
                k += 1;
            }
        }
        // Discharges the receiver produced, and chutes filling and emptying.
        while let Ok(dc) = dc_rx.try_recv() {
            if let Body::Discharge(d) = &dc.body
                && d.outcome == Outcome::Sorted
            {
                let load = chute_load.entry(d.chute).or_default();
                *load += 1;
                if *load >= 400 {
                    *load = 0;
                    full_until.push((d.chute, now + Duration::from_millis(300)));
                    Telegram {
                        sorter: id,
                        seq: shared.next_seq(),
                        body: Body::ChuteStatus {
                            chute: d.chute,
                            state: ChuteState::Full,
                        },
                    }
                    .encode(&mut buf);
                    shared.add(CHUTE, 1);
                }
            }
            dc.encode(&mut buf);
            unacked.insert(dc.seq, (now, dc));
            shared.add(CONF, 1);
        }
        full_until.retain(|&(chute, until)| {
            if now >= until {
                Telegram {
                    sorter: id,
                    seq: shared.next_seq(),
                    body: Body::ChuteStatus {
                        chute,
                        state: ChuteState::Open,
                    },
                }
                .encode(&mut buf);
                shared.add(CHUTE, 1);
                false
            } else {
                true
            }
        });
        while let Ok(seq) = ack_rx.try_recv() {
            if unacked.remove(&seq).is_some() {
                shared.add(ACK, 1);
            }
        }
        // Resend rule: unacknowledged confirmations every 500 ms, with the same sequence number.
        if now - last_resend >= Duration::from_millis(500) {
            last_resend = now;
            for (sent, t) in unacked.values_mut() {
                if now - *sent >= Duration::from_millis(500) {
                    t.encode(&mut buf);
                    *sent = now;
                    shared.add(RESENT, 1);
                }
            }
        }
        if !buf.is_empty() {
            if stream.write_all(&buf).is_err() {
                // Reconnect and resend what was not acknowledged.
                shared.add(RECONN, 1);
                let _ = stream.shutdown(std::net::Shutdown::Both);
                let _ = reader_handle.join();
                shared.in_flight.store(0, Ordering::Release);
                stream = connect(&cfg.addr, Instant::now() + Duration::from_secs(10))?;
                reader_handle = spawn_reader(stream.try_clone()?);
                buf.clear();
                for (_, t) in unacked.values() {
                    t.encode(&mut buf);
                }
                continue;
            }
            buf.clear();
        }
        let settled = shared.in_flight.load(Ordering::Acquire) == 0 && unacked.is_empty();
        if !offering && (settled || now > deadline + Duration::from_secs(3)) {
            break;
        }
        // Wait for the next due request without burning the core the host needs.
        // Sending in small bursts every ~100 µs keeps the sender off the cores the host needs;
        // the latency it adds is counted, since it is measured from the intended send time.
        match per_sorter_rate {
            Some(r) if offering => {
                let next = start + Duration::from_secs_f64(k as f64 / r);
                let now = Instant::now();
                if next > now {
                    std::thread::sleep(
                        (next - now).clamp(Duration::from_micros(100), Duration::from_millis(2)),
                    );
                }
            }
            _ => std::thread::sleep(Duration::from_micros(if offering { 50 } else { 1000 })),
        }
    }
    shared.done.store(true, Ordering::Release);
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = reader_handle.join();
    let st = |i: usize| shared.stats[i].load(Ordering::Relaxed);
    let report = Report {
        requests: k,
        answers: st(ANS),
        routed: st(ROUTED),
        naks: st(NAK),
        confirmations: st(CONF),
        acknowledged: st(ACK),
        resent: st(RESENT),
        chute_changes: st(CHUTE),
        reconnects: st(RECONN),
        latency: Latency::default(),
        elapsed: cfg.duration,
    };
    let _ = st(REQ);
    let l = std::mem::take(&mut *latencies.lock().expect("lock"));
    Ok((report, l))
}

#[allow(clippy::too_many_arguments)]
fn reader(
    id: u8,
    mut stream: TcpStream,
    start: Instant,
    shared: &Shared,
    dc_tx: &mpsc::Sender<Telegram>,
    ack_tx: &mpsc::Sender<u32>,
    latencies: &Mutex<Vec<u64>>,
    confirm: bool,
) {
    let mut framer = Framer::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut local = Vec::with_capacity(1 << 16);
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let now_ns = start.elapsed().as_nanos() as u64;
        framer.feed(&buf[..n], |f| {
            let Framed::Telegram(bytes) = f else { return };
            let Ok(t) = Telegram::decode(&bytes) else {
                return;
            };
            match t.body {
                Body::Answer(a) => {
                    let intended = shared.intended[t.seq as usize].swap(0, Ordering::AcqRel);
                    if intended != 0 {
                        local.push(now_ns.saturating_sub(intended));
                        shared.in_flight.fetch_sub(1, Ordering::AcqRel);
                    }
                    shared.add(ANS, 1);
                    if a.reason == Reason::Route {
                        shared.add(ROUTED, 1);
                    }
                    if confirm {
                        let (chute, outcome) = match (a.count, a.reason) {
                            (0, _) => (0, Outcome::Recirculated),
                            (_, Reason::NoRead) => (a.chutes[0], Outcome::NoRead),
                            _ => (a.chutes[0], Outcome::Sorted),
                        };
                        let dc = Discharge {
                            item: a.item,
                            barcode: a.barcode,
                            chute,
                            outcome,
                            recirculations: 0,
                            time_ms: ms_of_day(),
                        };
                        let _ = dc_tx.send(Telegram {
                            sorter: id,
                            seq: shared.next_seq(),
                            body: Body::Discharge(dc),
                        });
                    }
                }
                Body::Ack => {
                    let _ = ack_tx.send(t.seq);
                }
                Body::Nak { .. } => shared.add(NAK, 1),
                _ => {}
            }
        });
        if shared.done.load(Ordering::Acquire) && shared.in_flight.load(Ordering::Acquire) == 0 {
            break;
        }
    }
    latencies.lock().expect("lock").extend(local);
}
