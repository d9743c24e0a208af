//! Where the log is read from: a Hangar data directory, or the HTTP URL of a tlog-tiles
//! endpoint. Both answer the same tlog-tiles paths (`checkpoint`, `tile/<L>/<N>[.p/<W>]`,
//! `tile/entries/<N>[.p/<W>]`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Reads tlog-tiles resources by path; `Ok(None)` when the resource does not exist.
pub trait Source {
    /// The bytes at `path`.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String>;

    /// Every stored hash in storage order, where the source holds them (a data directory does;
    /// an HTTP endpoint serves tiles only). Lets the verifier check all of them, not only
    /// those in tiles.
    fn stored_hashes(&self) -> Result<Option<Box<dyn Read>>, String> {
        Ok(None)
    }
}

/// The tlog-tiles path of a hash tile (`level` given) or an entry bundle (`None`).
pub fn tile_path(level: Option<u32>, index: u64, width: u64) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut n = index / 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    let level = level.map_or("entries".to_string(), |l| l.to_string());
    let partial = if width == 256 {
        String::new()
    } else {
        format!(".p/{width}")
    };
    format!("tile/{level}/{}{partial}", groups.join("/"))
}

/// Parses a tile path into (level or None for entries, index, width).
fn parse_tile_path(path: &str) -> Option<(Option<u32>, u64, u64)> {
    let rest = path.strip_prefix("tile/")?;
    let (level, rest) = rest.split_once('/')?;
    let level = if level == "entries" {
        None
    } else {
        Some(level.parse().ok()?)
    };
    let (index_part, width) = match rest.split_once(".p/") {
        Some((i, w)) => (i, w.parse().ok()?),
        None => (rest, 256),
    };
    let mut index = 0u64;
    for g in index_part.split('/') {
        index = index * 1000 + g.trim_start_matches('x').parse::<u64>().ok()?;
    }
    Some((level, index, width))
}

/// A Hangar data directory (or its `log` folder), read in place. Documented layout:
/// `entries.dat` (2-byte big-endian length + entry, concatenated), `entries.idx` (8-byte
/// little-endian offset per entry), `hashes.dat` (32-byte stored hashes in the order of Go's
/// `tlog.StoredHashIndex`), `checkpoint`.
pub struct Dir {
    dir: PathBuf,
}

impl Dir {
    /// The log under `path` (a data directory with a `log` folder, or the folder itself).
    pub fn new(path: &Path) -> Result<Dir, String> {
        for d in [path.join("log"), path.to_path_buf()] {
            if d.join("entries.idx").exists() {
                return Ok(Dir { dir: d });
            }
        }
        Err(format!(
            "{}: no Hangar log here (expected entries.idx in it or in its log folder)",
            path.display()
        ))
    }

    fn read_range(&self, name: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>, String> {
        use std::os::unix::fs::FileExt;
        let path = self.dir.join(name);
        let f = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file_len = f
            .metadata()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        if offset + len > file_len {
            return Ok(None);
        }
        let mut buf = vec![0u8; len as usize];
        f.read_exact_at(&mut buf, offset)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Some(buf))
    }

    fn offset(&self, i: u64) -> Result<Option<u64>, String> {
        Ok(self
            .read_range("entries.idx", i * 8, 8)?
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))))
    }
}

/// Go's tlog.StoredHashIndex.
fn stored_hash_index(level: u32, index: u64) -> u64 {
    let mut n = index;
    for _ in 0..level {
        n = 2 * n + 1;
    }
    let mut i = 0;
    while n > 0 {
        i += n;
        n >>= 1;
    }
    i + u64::from(level)
}

impl Source for Dir {
    fn stored_hashes(&self) -> Result<Option<Box<dyn Read>>, String> {
        let path = self.dir.join("hashes.dat");
        let f = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Some(Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            f,
        ))))
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        if path == "checkpoint" {
            return match std::fs::read(self.dir.join("checkpoint")) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("{}: {e}", self.dir.join("checkpoint").display())),
            };
        }
        let Some((level, index, width)) = parse_tile_path(path) else {
            return Ok(None);
        };
        let first = index * 256;
        match level {
            Some(l) => {
                let mut out = Vec::with_capacity(width as usize * 32);
                for k in 0..width {
                    match self.read_range(
                        "hashes.dat",
                        stored_hash_index(8 * l, first + k) * 32,
                        32,
                    )? {
                        Some(h) => out.extend(h),
                        None => return Ok(None),
                    }
                }
                Ok(Some(out))
            }
            None => {
                let (Some(start), Some(last)) =
                    (self.offset(first)?, self.offset(first + width - 1)?)
                else {
                    return Ok(None);
                };
                let Some(len) = self.read_range("entries.dat", last, 2)? else {
                    return Ok(None);
                };
                let end = last + 2 + u64::from(u16::from_be_bytes([len[0], len[1]]));
                if end < start {
                    return Err(format!(
                        "entries.idx: offsets of bundle {index} go backwards"
                    ));
                }
                self.read_range("entries.dat", start, end - start)
            }
        }
    }
}

/// A tlog-tiles endpoint over plain HTTP, e.g. `http://hub.example:8080/log`.
pub struct Http {
    host: String,
    port: u16,
    prefix: String,
    token: Option<String>,
}

/// Largest response accepted (a full entry bundle is at most 256 × 65,537 bytes).
const MAX_RESPONSE: usize = 32 << 20;

impl Http {
    /// Parses `http://host[:port]/prefix`; `token` is sent as a bearer token.
    pub fn new(url: &str, token: Option<String>) -> Result<Http, String> {
        if url.starts_with("https://") {
            return Err("https is not supported by this verifier; fetch over http on a trusted network or verify a copy of the data directory".into());
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url}: expected an http:// URL"))?;
        let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse().map_err(|_| format!("{url}: bad port"))?,
            ),
            None => (authority.to_string(), 80),
        };
        Ok(Http {
            host,
            port,
            prefix: prefix.trim_end_matches('/').to_string(),
            token,
        })
    }
}

impl Source for Http {
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let target = if self.prefix.is_empty() {
            format!("/{path}")
        } else {
            format!("/{}/{path}", self.prefix)
        };
        let mut s = TcpStream::connect((self.host.as_str(), self.port))
            .map_err(|e| format!("{}:{}: {e}", self.host, self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let auth = self
            .token
            .as_ref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            s,
            "GET {target} HTTP/1.1\r\nHost: {}\r\n{auth}Connection: close\r\n\r\n",
            self.host
        )
        .map_err(|e| format!("{target}: {e}"))?;
        let mut raw = Vec::new();
        s.take(MAX_RESPONSE as u64 + 65_536)
            .read_to_end(&mut raw)
            .map_err(|e| format!("{target}: {e}"))?;
        let head_end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| format!("{target}: malformed HTTP response"))?;
        let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("{target}: malformed status line"))?;
        let body = raw[head_end + 4..].to_vec();
        let chunked = head.lines().any(|l| {
            l.to_ascii_lowercase().starts_with("transfer-encoding:")
                && l.to_ascii_lowercase().contains("chunked")
        });
        let body = if chunked {
            dechunk(&body).ok_or_else(|| format!("{target}: malformed chunked body"))?
        } else {
            body
        };
        match status {
            200 => Ok(Some(body)),
            404 => Ok(None),
            other => Err(format!(
                "{target}: HTTP {other}: {}",
                String::from_utf8_lossy(&body).trim()
            )),
        }
    }
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(
            std::str::from_utf8(&b[..line_end])
                .ok()?
                .split(';')
                .next()?
                .trim(),
            16,
        )
        .ok()?;
        b = &b[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}
