//! The command line as a client of the running hub. Commands that act for a person (customs
//! decisions, guarded settings, exports, erasure, users) send their request to `hangar serve`
//! over HTTP with that person's own API token, so the service checks who they are and what
//! their role allows, and records it, exactly as for the dashboard. The token comes from
//! `HANGAR_TOKEN` or from `hangar login` (saved in the login file, readable by its owner only).
//!
//! Plain HTTP/1.1 over a `TcpStream`, one connection per request: the hub's own service, on
//! this host or reached through a tunnel or a TLS-terminating proxy; no client library.

use anyhow::{Context, bail};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Where the hub listens unless `--url`, `HANGAR_URL` or the login file says otherwise.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// Most bytes of an answer read (the largest is an export receipt or a user list).
const MAX_ANSWER_BYTES: usize = 64 << 20;

/// How long a request may take before the command gives up (the service's work is
/// acknowledged only once durable; a long manifest takes a while).
const TIMEOUT: Duration = Duration::from_secs(300);

/// Which hub to talk to (every client command takes it).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Remote {
    /// The running hub (default: $HANGAR_URL, else the hub of your last `hangar login`, else
    /// http://127.0.0.1:8080).
    #[arg(long, env = "HANGAR_URL")]
    pub url: Option<String>,
}

/// What `hangar login` saves.
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    url: String,
    login: String,
    token: String,
}

/// The login file: `$HANGAR_LOGIN_FILE`, else `$XDG_CONFIG_HOME/hangar/login.json`, else
/// `~/.config/hangar/login.json`.
pub fn login_file() -> anyhow::Result<PathBuf> {
    if let Some(f) = std::env::var_os("HANGAR_LOGIN_FILE") {
        return Ok(PathBuf::from(f));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .context("no HOME: set HANGAR_LOGIN_FILE or HANGAR_TOKEN")?;
    Ok(base.join("hangar").join("login.json"))
}

fn saved() -> Option<Saved> {
    let f = login_file().ok()?;
    serde_json::from_slice(&std::fs::read(f).ok()?).ok()
}

/// Saves a login (readable and writable by its owner only); returns the file.
pub fn save(url: &str, login: &str, token: &str) -> anyhow::Result<PathBuf> {
    let f = login_file()?;
    if let Some(dir) = f.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
    }
    let tmp = f.with_extension("tmp");
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut o = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("{}: cannot write", tmp.display()))?;
        let s = Saved {
            url: url.into(),
            login: login.into(),
            token: token.into(),
        };
        o.write_all(&serde_json::to_vec_pretty(&s)?)?;
        o.sync_all()?;
    }
    std::fs::rename(&tmp, &f).with_context(|| format!("{}: cannot write", f.display()))?;
    Ok(f)
}

/// Forgets the saved login; whether there was one.
pub fn forget() -> anyhow::Result<bool> {
    let f = login_file()?;
    match std::fs::remove_file(&f) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("{}: cannot remove", f.display())),
    }
}

/// `host:port` of an `http://` URL.
fn authority(url: &str) -> anyhow::Result<String> {
    let rest = url.strip_prefix("http://").with_context(|| {
        format!(
            "--url {url:?}: expected http://HOST:PORT (the hub's own service; reach a remote hub through an SSH tunnel or a TLS-terminating proxy on this host)"
        )
    })?;
    let a = rest.trim_end_matches('/');
    if a.is_empty() || a.contains('/') {
        bail!("--url {url:?}: expected http://HOST:PORT with no path");
    }
    Ok(if a.contains(':') {
        a.to_string()
    } else {
        format!("{a}:80")
    })
}

/// An answer: status and body.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

impl Answer {
    /// The body as JSON (null when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The service's message for a refusal: its `error`, else the body.
    pub fn message(&self) -> String {
        match self.json().get("error").and_then(Value::as_str) {
            Some(m) => m.to_string(),
            None => self.body.chars().take(400).collect(),
        }
    }
}

/// A connection to the running hub, as one person (or device).
pub struct Client {
    /// The hub's URL.
    pub url: String,
    addr: String,
    token: Option<String>,
}

impl Client {
    /// A client of `url` with `token` (`None`: anonymous, for signing in).
    pub fn new(url: &str, token: Option<String>) -> anyhow::Result<Client> {
        Ok(Client {
            url: url.trim_end_matches('/').to_string(),
            addr: authority(url)?,
            token,
        })
    }

    /// The hub `remote` names, with the caller's token: `HANGAR_TOKEN`, else the saved login
    /// (when it is for the same hub).
    pub fn signed_in(remote: &Remote) -> anyhow::Result<Client> {
        let saved = saved();
        let url = remote
            .url
            .clone()
            .or_else(|| saved.as_ref().map(|s| s.url.clone()))
            .unwrap_or_else(|| DEFAULT_URL.into());
        let token = match std::env::var("HANGAR_TOKEN") {
            Ok(t) if !t.trim().is_empty() => t.trim().to_string(),
            _ => match saved {
                Some(s) if s.url.trim_end_matches('/') == url.trim_end_matches('/') => s.token,
                _ => bail!(
                    "not signed in to {url}: run `hangar login --url {url}` (or set HANGAR_TOKEN to your API token)"
                ),
            },
        };
        Client::new(&url, Some(token))
    }

    /// Sends one request; the answer whatever its status.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        ctype: &str,
        body: &[u8],
    ) -> anyhow::Result<Answer> {
        let hub = &self.url;
        let mut s = std::net::TcpStream::connect(&self.addr).with_context(|| {
            format!("cannot reach the hub at {hub} (is `hangar serve` running? --url / HANGAR_URL)")
        })?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(TIMEOUT))?;
        s.set_write_timeout(Some(TIMEOUT))?;
        let auth = self
            .token
            .as_ref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: {ctype}\r\nContent-Length: {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes())?;
        s.write_all(body)?;
        let mut raw = Vec::new();
        s.take(MAX_ANSWER_BYTES as u64 + 1)
            .read_to_end(&mut raw)
            .with_context(|| format!("{method} {path}: reading the answer from {hub}"))?;
        if raw.len() > MAX_ANSWER_BYTES {
            bail!("{method} {path}: the answer is larger than {MAX_ANSWER_BYTES} bytes");
        }
        answer(&raw).with_context(|| format!("{method} {path}: the answer from {hub}"))
    }

    /// Sends JSON (or nothing) and expects a 2xx answer; its JSON. Any other status is an
    /// error carrying the service's message.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let a = self.send(method, path, "application/json", &bytes)?;
        if !(200..300).contains(&a.status) {
            bail!("{}", refusal(&a));
        }
        serde_json::from_str(&a.body).with_context(|| {
            format!(
                "{method} {path}: {} answered {} with something that is not the hub's JSON",
                self.url, a.status
            )
        })
    }
}

/// Signs `login` in at `url` with their password; their new token (labelled `label`) and role.
pub fn sign_in(
    url: &str,
    login: &str,
    password: &str,
    label: &str,
) -> anyhow::Result<(String, String)> {
    let answer = Client::new(url, None)?.send(
        "POST",
        "/api/login",
        "application/json",
        serde_json::json!({ "login": login, "password": password, "label": label })
            .to_string()
            .as_bytes(),
    )?;
    if answer.status != 201 {
        bail!("signing in to {url} as {login}: {}", refusal(&answer));
    }
    let v = answer.json();
    let token = v["token"].as_str().context("the hub sent no token")?;
    Ok((
        token.to_string(),
        v["role"].as_str().unwrap_or("?").to_string(),
    ))
}

impl Client {
    /// A parcel as manifested, read with a stated purpose (the hub records the read); an error
    /// for a role that sees only a parcel's delivery view.
    pub fn parcel(
        &self,
        id: &hangar_model::S10Id,
        purpose: &str,
    ) -> anyhow::Result<hangar_model::Parcel> {
        let got = self.call(
            "GET",
            &format!("/api/parcels/{id}?purpose={}", encode(purpose)),
            None,
        )?;
        serde_json::from_value(got["parcel"].clone())
            .context("your role sees this parcel's delivery view only (the dashboard shows it)")
    }
}

/// A refusal, in words: the status's meaning and the service's message.
pub fn refusal(a: &Answer) -> String {
    let what = match a.status {
        401 => "not signed in (run `hangar login`, or check HANGAR_TOKEN)",
        403 => "refused",
        404 => "not found",
        409 => "conflict",
        413 => "too large",
        422 => "not accepted",
        429 => "too many requests",
        s if s >= 500 => "the hub failed",
        _ => "refused",
    };
    format!("{what} ({}): {}", a.status, a.message())
}

/// An HTTP/1.1 answer read to its end: status and body (chunked decoded), checked against its
/// `Content-Length` (a cut-off answer leaves the outcome unknown).
fn answer(raw: &[u8]) -> anyhow::Result<Answer> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("not an HTTP answer")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .context("no HTTP status")?;
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let chunked =
        header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let rest = &raw[split + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok())
        && body.len() != n
    {
        bail!(
            "cut short ({} of {n} bytes): the outcome is unknown, check before trying again",
            body.len()
        );
    }
    Ok(Answer {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes a chunked body.
fn dechunk(mut b: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("a chunked answer was cut short")?;
        let size = std::str::from_utf8(&b[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .context("a chunked answer with a bad chunk size")?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if b.len() < size.saturating_add(2) {
            bail!("a chunked answer was cut short");
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

/// Reads a password: without echo from a terminal, else one line of standard input (scripts).
pub fn read_password(prompt: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    let mut saved: Option<libc::termios> = None;
    if tty {
        eprint!("{prompt}");
        std::io::stderr().flush().ok();
        // SAFETY: termios is plain data; tcgetattr/tcsetattr on standard input's descriptor.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) == 0 {
                saved = Some(t);
                t.c_lflag &= !libc::ECHO;
                libc::tcsetattr(0, libc::TCSANOW, &t);
            }
        }
    }
    let mut line = String::new();
    let r = stdin.read_line(&mut line);
    if let Some(t) = saved {
        // SAFETY: restoring the settings read above.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &t);
        }
        eprintln!();
    }
    r.context("reading the password")?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        bail!("no password given");
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_answers_are_decoded() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n6;x=1\r\npedia \r\n0\r\n\r\n").unwrap(),
            b"Wikipedia "
        );
        assert!(dechunk(b"9\r\nWiki\r\n").is_err());
        assert!(dechunk(b"zz\r\n").is_err());
    }

    #[test]
    fn answers_are_read_whole_or_refused() {
        let a = answer(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}").unwrap();
        assert_eq!((a.status, a.body.as_str()), (201, "{}"));
        let a = answer(b"HTTP/1.1 200\r\nContent-Length: 4\r\n\r\nnull").unwrap();
        assert_eq!(a.status, 200, "a status line without a reason phrase");
        let a =
            answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!(a.body, "{}");
        let cut = answer(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{\"a\":").unwrap_err();
        assert!(cut.to_string().contains("cut short"), "{cut}");
        assert!(answer(b"SSH-2.0-OpenSSH\r\n").is_err());
        assert!(answer(b"HTTP/1.1 abc\r\n\r\n").is_err());
    }

    #[test]
    fn only_plain_http_urls_are_taken() {
        assert_eq!(
            authority("http://127.0.0.1:8080/").unwrap(),
            "127.0.0.1:8080"
        );
        assert_eq!(authority("http://hub").unwrap(), "hub:80");
        assert!(authority("https://hub:443").is_err());
        assert!(authority("http://hub:80/api").is_err());
        assert!(authority("hub:80").is_err());
    }
}
