//! The sort host over real TCP on a free port, with the real embedded store behind it.

use hangar_model::*;
use hangar_sort::telegram::{ETX, STX};
use hangar_sort::{Customs, ParcelInfo, Plan};
use hangar_sorthost::emulator::{self, Config};
use hangar_sorthost::{HostState, StoreConfirmations, serve};
use hangar_store::{EmbeddedStore, Store};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

struct Host {
    _dir: tempfile::TempDir,
    store: Arc<EmbeddedStore>,
    state: Arc<HostState>,
    addr: String,
    rt: Option<tokio::runtime::Runtime>,
}

fn parcel(n: u32, country: &str, pc: &str, customs: Customs) -> (S10Id, ParcelInfo) {
    let c = Country::parse(country).unwrap();
    (
        S10Id::from_parts("UA", n, "CN"),
        ParcelInfo {
            country: c,
            postcode: Some(Postcode::parse_for(c, pc).unwrap()),
            customs,
        },
    )
}

fn start_on(addr: &str, dir: tempfile::TempDir, store: Arc<EmbeddedStore>) -> Host {
    let state = Arc::new(HostState::new(
        "LGG",
        Plan::default_eu(),
        Arc::new(StoreConfirmations(store.clone())),
    ));
    state.set_parcels([
        parcel(1, "DE", "80331", Customs::Released),
        parcel(2, "FR", "69001", Customs::Held),
    ]);
    state.set_parcels((10..5_010).map(|n| parcel(n, "FR", "75011", Customs::Released)));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind(addr)).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    rt.spawn(serve(listener, state.clone(), std::future::pending()));
    Host {
        _dir: dir,
        store,
        state,
        addr,
        rt: Some(rt),
    }
}

fn start() -> Host {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    start_on("127.0.0.1:0", dir, store)
}

/// Sends `telegram` (the text between STX and ETX) and reads one reply.
fn exchange(s: &mut TcpStream, telegram: &str) -> String {
    s.write_all(&[&[STX][..], telegram.as_bytes(), &[ETX]].concat())
        .unwrap();
    read_one(s)
}

fn read_one(s: &mut TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        s.read_exact(&mut b).unwrap();
        if b[0] == ETX {
            break;
        }
        if b[0] != STX {
            out.push(b[0]);
        }
    }
    String::from_utf8(out).unwrap()
}

fn doc_examples() -> Vec<String> {
    include_str!("../../../docs/sorter-protocol.md")
        .lines()
        .filter_map(|l| {
            l.strip_prefix("<STX>")
                .and_then(|l| l.strip_suffix("<ETX>"))
        })
        .map(String::from)
        .collect()
}

#[test]
fn the_documents_conversation_happens_byte_for_byte() {
    let h = start();
    let ex = doc_examples();
    let mut s = TcpStream::connect(&h.addr).unwrap();
    // DR -> DA: parcel UA000000014CN goes to München, route DE-3, chutes 24 then 25.
    assert_eq!(exchange(&mut s, &ex[0]), ex[1]);
    // DC -> AK, only once stored; the same DC again is acknowledged but not stored twice.
    assert_eq!(exchange(&mut s, &ex[2]), ex[3]);
    let events_after_first = h.store.counts().unwrap().events;
    assert_eq!(events_after_first, 1);
    let e = h.store.events(1, 1).unwrap().remove(0).event;
    assert_eq!(
        (e.code, e.subject, e.actor.as_str(), e.location.as_str()),
        (
            EventCode::SRT,
            Subject::Parcel(S10Id::parse("UA000000014CN").unwrap()),
            "sorter:S01",
            "LGG/S01/CH024"
        )
    );
    assert_eq!(exchange(&mut s, &ex[2]), ex[3]);
    assert_eq!(
        h.store.counts().unwrap().events,
        1,
        "a resent confirmation is stored once"
    );
    // CS: chute 25 full -> the next answer offers only 24 ... and with 24 full too, none.
    assert_eq!(exchange(&mut s, &ex[4]), "AK01000043");
    assert_eq!(exchange(&mut s, "CS01000045024C"), "AK01000045");
    let da = exchange(&mut s, &ex[0].replace("000041", "000046"));
    assert!(da.starts_with("DA01000046123456780000000000000FU"), "{da}");
    // An unknown type: NK with the reason, and the connection stays up.
    assert_eq!(exchange(&mut s, "XX01000044"), ex[5]);
    assert!(exchange(&mut s, "HB01000047081502123").starts_with("HB01000047"));
}

#[test]
fn held_unknown_and_malformed_are_answered_as_documented() {
    let h = start();
    let mut s = TcpStream::connect(&h.addr).unwrap();
    let dr = |seq: u32, code: &str| {
        format!(
            "DR01{seq:06}00000001G1{code:<20}{}000450030002000100010081502123",
            " ".repeat(40)
        )
    };
    let held = exchange(&mut s, &dr(1, S10Id::from_parts("UA", 2, "CN").as_str()));
    assert!(
        held.starts_with("DA01000001000000011001000000000HD"),
        "{held}"
    );
    let unknown = exchange(&mut s, &dr(2, "UA999999995CN"));
    assert!(
        unknown.starts_with("DA01000002000000011003000000000ND"),
        "{unknown}"
    );
    let short = exchange(&mut s, "DR01000003123");
    assert_eq!(&short[..12], "NK01000003LN");
    assert!(exchange(&mut s, "HB01000004081502123").starts_with("HB01000004"));
    assert_eq!(
        h.state
            .stats
            .naks
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

#[test]
fn oversized_input_closes_only_that_connection() {
    let h = start();
    let mut bad = TcpStream::connect(&h.addr).unwrap();
    let mut good = TcpStream::connect(&h.addr).unwrap();
    let mut junk = vec![STX];
    junk.extend(std::iter::repeat_n(b'A', 4096));
    bad.write_all(&junk).unwrap();
    bad.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0u8; 16];
    assert_eq!(
        bad.read(&mut b).unwrap_or(0),
        0,
        "the oversized sender is disconnected"
    );
    assert!(
        exchange(&mut good, "HB01000001081502123").starts_with("HB01000001"),
        "the other sorter is untouched"
    );
}

fn barcodes() -> Arc<Vec<String>> {
    let mut v: Vec<String> = (10..5_010)
        .map(|n| S10Id::from_parts("UA", n, "CN").to_string())
        .collect();
    v.push("UA999999995CN".into());
    Arc::new(v)
}

#[test]
fn plan_swaps_under_load_lose_no_decision() {
    let h = start();
    let cfg = Config {
        addr: h.addr.clone(),
        sorters: 2,
        rate: None,
        window: 64,
        duration: Duration::from_millis(1500),
        barcodes: barcodes(),
        no_read_rate: 0.02,
        confirm: false,
        seed: 1,
    };
    let run = std::thread::spawn(move || emulator::run(&cfg).unwrap());
    let text = hangar_sort::plan::DEFAULT_PLAN;
    for i in 0..20 {
        let plan = Plan::parse(
            "p",
            &text.replace("built-in EU-27 2026-11", &format!("swap {i}")),
        )
        .unwrap();
        h.state.use_plan(plan);
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = run.join().unwrap();
    assert!(r.requests > 1_000, "{r:?}");
    assert_eq!(
        r.answers, r.requests,
        "every request answered across 20 plan swaps"
    );
    assert_eq!(r.naks, 0);
    assert!(r.routed > r.answers / 2, "most items were routed: {r:?}");
    assert_eq!(h.state.plan().name(), "swap 19");
}

#[test]
fn confirmations_survive_a_host_restart_and_sorters_reconnect() {
    let mut h = start();
    let addr = h.addr.clone();
    let cfg = Config {
        addr: addr.clone(),
        sorters: 2,
        rate: Some(2_000.0),
        window: 0,
        duration: Duration::from_millis(3_000),
        barcodes: barcodes(),
        no_read_rate: 0.02,
        confirm: true,
        seed: 2,
    };
    let run = std::thread::spawn(move || emulator::run(&cfg).unwrap());
    std::thread::sleep(Duration::from_millis(1_000));
    // The host goes away (every connection dropped) and comes back on the same port.
    h.rt.take().unwrap().shutdown_background();
    std::thread::sleep(Duration::from_millis(300));
    let dir = std::mem::replace(&mut h._dir, tempfile::tempdir().unwrap());
    let h2 = start_on(&addr, dir, h.store.clone());
    let r = run.join().unwrap();
    assert!(r.reconnects >= 1, "the sorters reconnected: {r:?}");
    assert!(
        r.confirmations > 2_000 && r.naks == 0,
        "real work was done: {r:?}"
    );
    assert_eq!(
        r.acknowledged, r.confirmations,
        "every confirmation was acknowledged in the end: {r:?}"
    );
    // Every acknowledged confirmation is stored exactly once, whatever was resent.
    let stored = h2.store.counts().unwrap().events;
    assert_eq!(stored, r.confirmations, "{r:?}");
}

#[test]
fn out_of_order_sequence_numbers_are_each_answered_by_their_own_number() {
    let h = start();
    let mut s = TcpStream::connect(&h.addr).unwrap();
    let dc =
        |seq: u32, item: u32| format!("DC01{seq:06}{item:08}UA000000014CN       024SO0081540500");
    assert_eq!(exchange(&mut s, &dc(50, 1)), "AK01000050");
    assert_eq!(exchange(&mut s, &dc(49, 2)), "AK01000049");
    assert_eq!(
        exchange(&mut s, &dc(50, 1)),
        "AK01000050",
        "a resend after newer telegrams"
    );
    assert_eq!(h.store.counts().unwrap().events, 2);
}

#[test]
fn a_sorter_that_stops_reading_does_not_starve_the_others() {
    let h = start();
    let mut slow = TcpStream::connect(&h.addr).unwrap();
    let dr = format!(
        "DR01000001{:08}G1{:<20}{}000450030002000100010081502123",
        1,
        "UA000000014CN",
        " ".repeat(40)
    );
    let mut one = vec![STX];
    one.extend(dr.as_bytes());
    one.push(ETX);
    // Write answers' worth of requests and never read: the host's queue for this sorter fills,
    // it stops reading from it, and TCP pushes back on the writer.
    slow.set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut written = 0usize;
    let chunk: Vec<u8> = one.iter().copied().cycle().take(one.len() * 1000).collect();
    while written < 200 << 20 {
        match slow.write(&chunk) {
            Ok(n) => written += n,
            Err(_) => break,
        }
    }
    assert!(
        written < 200 << 20,
        "backpressure stopped the writer after {written} bytes"
    );
    let mut other = TcpStream::connect(&h.addr).unwrap();
    assert!(
        exchange(&mut other, "HB02000001081502123").starts_with("HB02000001"),
        "other sorters are still served"
    );
}
