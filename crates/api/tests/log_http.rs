//! The log over real HTTP on a free port, followed by the independent verifier's HTTP client.

use hangar_api::{Access, router, serve};
use hangar_ledger::{Ledger, Options, keys};
use hangar_verify::source::Http;
use hangar_verify::{Key, Request, verify};
use std::sync::Arc;

fn start(access: Access, n: u64) -> (tempfile::TempDir, String, Key, tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let signer = keys::generate(dir.path(), "hangar.test/http").unwrap();
    let key = Key::parse(&signer.verifier().to_string_key()).unwrap();
    let log = Arc::new(
        Ledger::open(
            &dir.path().join("log"),
            signer,
            Options::new("hangar.test/http"),
        )
        .unwrap(),
    );
    log.append((0..n).map(|i| format!("entry {i}").into_bytes()).collect())
        .unwrap();
    log.checkpoint_now().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(serve(listener, router(log, access), std::future::pending()));
    (dir, format!("http://{addr}/log"), key, rt)
}

#[test]
fn the_verifier_follows_the_served_log() {
    let (_dir, url, key, _rt) = start(Access::Token("s3cret".into()), 1_000);
    let src = Http::new(&url, Some("s3cret".into())).unwrap();
    let r = verify(&Request {
        source: &src,
        key: &key,
        saved: None,
        entries: &[999],
        progress: &|_, _| {},
    })
    .unwrap();
    assert_eq!(r.checkpoint.size, 1_000);
    assert_eq!(r.included[0].2, b"entry 999");

    // Without the token: refused, and the verifier says so.
    let anon = Http::new(&url, None).unwrap();
    let e = verify(&Request {
        source: &anon,
        key: &key,
        saved: None,
        entries: &[],
        progress: &|_, _| {},
    })
    .unwrap_err();
    assert!(e.0.contains("HTTP 401"), "{e}");
}

#[test]
fn tiles_beyond_the_log_are_404_and_proofs_are_served() {
    let (_dir, url, _key, _rt) = start(Access::Public, 300);
    let src = Http::new(&url, None).unwrap();
    use hangar_verify::source::Source;
    assert!(src.get("tile/0/000").unwrap().is_some());
    assert!(src.get("tile/0/001.p/44").unwrap().is_some());
    assert!(
        src.get("tile/0/001.p/45").unwrap().is_none(),
        "beyond the log"
    );
    assert!(src.get("tile/0/nonsense").unwrap().is_none());
    let proof = String::from_utf8(src.get("proof/inclusion?index=7").unwrap().unwrap()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&proof).unwrap();
    assert_eq!(v["size"], 300);
    assert_eq!(v["entry"], "entry 7");
    assert_eq!(v["proof"].as_array().unwrap().len(), 9);
}
