//! `hangar drive` against a separately started `hangar serve`: a generated day goes in through
//! the ways in only (manifests and scans over HTTP, sorters over the sorter protocol, trucks
//! through the API) and reconciles with the hub's board. 2,000 parcels by default; the
//! 50,000-parcel day with `HANGAR_HEAVY=1`.

mod common;
use common::*;
use hangar_service::accounts::Role;

#[test]
fn a_driven_day_reconciles_with_the_hub() {
    let parcels = if std::env::var_os("HANGAR_HEAVY").is_some() {
        "50000"
    } else {
        "2000"
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (_, device) = make_user(&dir, "dock-1", Role::Device, None);
    let (_, operator) = make_user(&dir, "olga", Role::Operator, None);
    let server = serve(&dir, &[], &[]);
    let tokens = tmp.path().join("device.token");
    std::fs::write(&tokens, format!("{device}\n")).unwrap();
    let reader = tmp.path().join("operator.token");
    std::fs::write(&reader, &operator).unwrap();
    let drive = |seed: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hangar"))
            .args(["drive", "--url", &server.base, "--sorter", &server.sorter])
            .args([
                "--device",
                "dock-1",
                "--flights",
                "3",
                "--seed",
                seed,
                "--json",
            ])
            .args(["--parcels", parcels])
            .arg("--token-file")
            .arg(&tokens)
            .arg("--reader-token-file")
            .arg(&reader)
            .output()
            .unwrap()
    };
    let out = drive("5");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["reconciled"], true, "{s}");
    let n: u64 = parcels.parse().unwrap();
    assert_eq!(s["parcels"], n, "{s}");
    assert_eq!(
        s["sorted"].as_u64().unwrap() + s["held"].as_u64().unwrap(),
        n,
        "{s}"
    );
    assert!(s["held"].as_u64().unwrap() > 0, "customs held none: {s}");
    assert_eq!(s["handed_over"], s["sorted"], "{s}");
    assert_eq!(s["board"]["handed_over"], s["handed_over"], "{s}");

    // A second day (other parcels) on the same hub reconciles on top of the first.
    let out = drive("6");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        t["board"]["handed_over"].as_u64().unwrap(),
        s["handed_over"].as_u64().unwrap() + t["handed_over"].as_u64().unwrap(),
        "{t}"
    );

    // The wrong token: refused, and said so.
    std::fs::write(&tokens, "not-a-token").unwrap();
    let out = drive("7");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("401") || err.contains("token"), "{err}");
    server.stop();
}
