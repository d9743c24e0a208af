//! Helpers of the server tests: a demo day served for real on a free port, users of each role,
//! requests with a token or a dashboard session.
#![allow(dead_code)]

use hangar_service::accounts::Role;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Runs `hangar` with `args`; its standard output, after checking it succeeded.
pub fn hangar(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hangar"))
        .args(args)
        .output()
        .expect("run hangar");
    assert!(
        out.status.success(),
        "hangar {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A `hangar serve` child, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The sort host's address (`127.0.0.1:PORT`).
    pub sorter: String,
}

impl Server {
    /// Stops the service as Ctrl-C does (it carries the last events into the log and signs a
    /// checkpoint first) and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let t = std::time::Instant::now();
        while t.elapsed() < std::time::Duration::from_secs(30) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("hangar serve did not stop within 30 s of Ctrl-C");
    }

    /// The service's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a small demo day into `dir` and serves it.
pub fn serve_day(dir: &Path, parcels: u32) -> Server {
    serve_day_with(dir, parcels, &[])
}

/// Runs a small demo day into `dir` and serves it with these environment variables.
pub fn serve_day_with(dir: &Path, parcels: u32, env: &[(&str, &str)]) -> Server {
    let d = dir.to_str().unwrap();
    hangar(&[
        "demo",
        "--headless",
        "--json",
        "--parcels",
        &parcels.to_string(),
        "--seed",
        "4",
        "--date",
        "2026-11-22",
        "--data",
        d,
    ]);
    serve(dir, &[], env)
}

/// Serves `dir` (a fresh one is set up on the first start) with these extra arguments and
/// environment variables, on free ports.
pub fn serve(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hangar"))
        .args([
            "serve",
            "--data",
            dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--sorter-listen",
            "127.0.0.1:0",
        ])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let base = first
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .map(|a| format!("http://{a}"))
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    let mut sorter = String::new();
    for _ in 0..4 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        if let Some(rest) = line.split("sorters connect to ").nth(1) {
            sorter = rest.split(';').next().unwrap_or_default().to_string();
            break;
        }
    }
    assert!(
        !sorter.is_empty(),
        "hangar serve did not say where sorters connect"
    );
    // The service goes on writing to its output: drain it so it never blocks or breaks.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while out.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    Server {
        child,
        base,
        sorter,
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// One response: status, body, `location` header.
pub struct Got {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// A request, authenticated by a bearer token or a session cookie (or neither).
pub fn request(method: &str, url: &str, auth: &Auth, body: Option<(&str, String)>) -> Got {
    let a = agent();
    let mut rb = ureq::http::Request::builder().method(method).uri(url);
    match auth {
        Auth::None => {}
        Auth::Token(t) => rb = rb.header("authorization", format!("Bearer {t}")),
        Auth::Session { cookie, .. } => rb = rb.header("cookie", cookie.clone()),
    }
    let resp = match body {
        Some((ty, b)) => a.run(rb.header("content-type", ty).body(b).unwrap()),
        None => a.run(rb.body(()).unwrap()),
    }
    .expect("request");
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = resp.into_body().read_to_string().unwrap_or_default();
    Got {
        status,
        body,
        location,
    }
}

/// How a caller authenticates.
#[derive(Clone)]
pub enum Auth {
    None,
    Token(String),
    Session { cookie: String, csrf: String },
}

/// A user of each role: login, password, token. A fixture written straight into the data
/// directory's accounts file (as restoring a backup would); the command line's own way, the
/// first administrator on the host and the others through the running hub, is tested in
/// `tests/client.rs`.
pub fn make_user(dir: &Path, login: &str, role: Role, scope: Option<&str>) -> (String, String) {
    std::fs::create_dir_all(dir).unwrap();
    let accounts = hangar_service::accounts::Accounts::open(dir).unwrap();
    let password = format!("pw-{login}-0123456789");
    accounts.add_user(login, role, scope, &password).unwrap();
    let token = accounts.create_token(login, "test").unwrap();
    (password, token)
}

/// Runs `hangar` with `args` as the holder of `token` against the hub at `base`; the output.
pub fn client(base: &str, token: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hangar"))
        .args(args)
        .env("HANGAR_URL", base)
        .env("HANGAR_TOKEN", token)
        .env("HANGAR_LOGIN_FILE", "/nonexistent/hangar-login.json")
        .output()
        .expect("run hangar")
}

/// Signs in through the login form; returns the session cookie and its CSRF token.
pub fn sign_in(base: &str, login: &str, password: &str) -> Auth {
    let a = agent();
    let resp = a
        .post(&format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .send(format!("login={login}&password={password}&next=/parcels"))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303, "login of {login}");
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let page = request(
        "GET",
        &format!("{base}/parcels"),
        &Auth::Session {
            cookie: cookie.clone(),
            csrf: String::new(),
        },
        None,
    );
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no csrf on the page for {login}: {}", page.status))
        .to_string();
    Auth::Session { cookie, csrf }
}
