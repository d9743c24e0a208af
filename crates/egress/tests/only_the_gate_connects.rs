//! Architecture invariant: no crate but `hangar-egress` opens outbound network connections.
//! Reads every crate's sources and manifest: a connecting call or an HTTP/network client
//! dependency anywhere else fails this test, except in the places listed below with the reason
//! they may (none of them sends the hub's data anywhere).

use std::path::{Path, PathBuf};

/// Calls that open outbound connections (`TcpStream::connect` also catches `connect_timeout`;
/// accepting connections on a listener is inbound and allowed).
const CONNECTING: &[&str] = &[
    "TcpStream::connect",
    "UdpSocket::bind",
    "UdpSocket::connect",
    "UnixStream::connect",
    "ureq::",
    "reqwest",
    "hyper::client",
    "hyper_util::client",
    "socket2::",
    "TcpSocket",
    "tokio::net::UdpSocket",
];

/// Client crates that must not appear in any other crate's dependencies.
const CLIENT_CRATES: &[&str] = &[
    "ureq",
    "reqwest",
    "hyper-util",
    "isahc",
    "curl",
    "attohttpc",
    "surf",
    "lettre",
    "rumqttc",
    "async-nats",
    "lapin",
    "redis",
    "tokio-postgres",
    "postgres",
    "socket2",
    "websocket",
    "tungstenite",
    "tokio-tungstenite",
];

/// Source files that may connect, and why.
const ALLOWED: &[(&str, &str)] = &[
    (
        "crates/sorthost/src/client.rs",
        "the sorter's side of the sorter protocol: a stand-in for the sorter controller, which connects to the hub's own sort host",
    ),
    (
        "crates/sorthost/src/emulator.rs",
        "the sorter emulator (stand-in for sorter hardware), connecting to the hub's own sort host",
    ),
    (
        "crates/hangar/src/client.rs",
        "the command line as a client of the hub's own service (`hangar serve`): a person's requests with their own token; it sends nothing anywhere else",
    ),
    (
        "crates/verify/src/source.rs",
        "the auditor's stand-alone verifier, fetching a hub's published log to check it; it sends no hub data",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn no_crate_but_the_gate_opens_outbound_connections() {
    let root = root();
    let mut offenders = Vec::new();
    let mut crates = 0;
    for c in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = c.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if name == "egress" || !dir.join("Cargo.toml").exists() {
            continue;
        }
        crates += 1;
        // Tests may connect to the servers they start; the hub's own code may not.
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for f in files {
            let rel = f
                .strip_prefix(&root)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace("crates/../", "");
            let rel = rel.trim_start_matches("./").to_string();
            let text = std::fs::read_to_string(&f).unwrap();
            for call in CONNECTING {
                if text.contains(call) && !ALLOWED.iter().any(|(p, _)| rel.ends_with(p)) {
                    offenders.push(format!("{rel}: {call}"));
                }
            }
        }
        // Client libraries among the (non-dev) dependencies.
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let deps = manifest
            .split("[dev-dependencies]")
            .next()
            .unwrap_or("")
            .to_string();
        for line in deps.lines() {
            let dep = line.split(['=', '.']).next().unwrap_or("").trim();
            if CLIENT_CRATES.contains(&dep) {
                offenders.push(format!("crates/{name}/Cargo.toml: depends on {dep}"));
            }
        }
    }
    assert!(
        crates >= 10,
        "found only {crates} crates: is the walk right?"
    );
    assert!(
        offenders.is_empty(),
        "only crates/egress may open outbound connections; found:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_exceptions_still_exist_and_the_gate_does_connect() {
    // A stale exception would hide nothing, but would mislead a reader of this list.
    for (p, _) in ALLOWED {
        assert!(
            root().join(p).exists(),
            "{p} is listed as an exception but does not exist"
        );
    }
    let gate = std::fs::read_to_string(root().join("crates/egress/src/lib.rs")).unwrap();
    assert!(
        gate.contains("ureq::"),
        "the gate is where connections are made"
    );
}
