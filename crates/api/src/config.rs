//! The server's configuration: built-in defaults, then a TOML file, then environment variables
//! (`HANGAR_LISTEN`, `HANGAR_SORTER_LISTEN`, `HANGAR_HUB`, `HANGAR_MAX_BODY_BYTES`, `HANGAR_SESSION_HOURS`,
//! `HANGAR_LOG_PUBLIC`, `HANGAR_ADMIN_NETWORKS`), each overriding the one before. docs/api.md
//! lists every setting.

use serde::Deserialize;
use std::path::Path;

/// Typed configuration of `hangar serve` (and of the demo's server).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Address the sort host listens on for the sorters (TCP, docs/sorter-protocol.md).
    pub sorter_listen: String,
    /// Networks sorters may connect from (CIDR); connections from anywhere else are closed.
    pub sorter_networks: Vec<String>,
    /// The hub's airport code (locations of events people record, page titles).
    pub hub: String,
    /// Largest request body accepted, bytes (larger: 413).
    pub max_body_bytes: usize,
    /// How long a dashboard login lasts, hours.
    pub session_hours: u32,
    /// Serve the verifiable log without a token (a hub that publishes its log).
    pub log_public: bool,
    /// Most rows a list route returns (a request may ask for fewer).
    pub max_page: usize,
    /// Networks administrators may work from (CIDR); an administrator's request from anywhere
    /// else is refused and recorded.
    pub admin_networks: Vec<String>,
    /// Office hours, UTC, as [start hour, end hour]: control changes outside them (or at the
    /// weekend) are flagged in the auditor's report.
    pub office_hours_utc: [u32; 2],
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            sorter_listen: "127.0.0.1:7070".into(),
            sorter_networks: vec!["127.0.0.0/8".into(), "::1/128".into()],
            hub: "LGG".into(),
            max_body_bytes: 64 * 1024,
            session_hours: 12,
            log_public: false,
            max_page: 500,
            admin_networks: vec!["127.0.0.0/8".into(), "::1/128".into()],
            office_hours_utc: [6, 20],
        }
    }
}

impl Config {
    /// Defaults, then `file` (if given), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, String> {
        let mut c = match file {
            None => Config::default(),
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| {
                    format!(
                        "{}: {}",
                        p.display(),
                        e.to_string().trim().replace('\n', " ")
                    )
                })?
            }
        };
        c.apply_env(|k| std::env::var(k).ok())?;
        c.check()?;
        Ok(c)
    }

    /// Overrides from environment variables (read through `get`).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        fn num<T: std::str::FromStr>(k: &str, v: &str) -> Result<T, String> {
            v.trim()
                .parse()
                .map_err(|_| format!("{k}: expected a number, got {v:?}"))
        }
        if let Some(v) = get("HANGAR_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = get("HANGAR_SORTER_LISTEN") {
            self.sorter_listen = v;
        }
        if let Some(v) = get("HANGAR_HUB") {
            self.hub = v;
        }
        if let Some(v) = get("HANGAR_MAX_BODY_BYTES") {
            self.max_body_bytes = num("HANGAR_MAX_BODY_BYTES", &v)?;
        }
        if let Some(v) = get("HANGAR_SESSION_HOURS") {
            self.session_hours = num("HANGAR_SESSION_HOURS", &v)?;
        }
        if let Some(v) = get("HANGAR_LOG_PUBLIC") {
            self.log_public = matches!(v.trim(), "1" | "true" | "yes");
        }
        if let Some(v) = get("HANGAR_ADMIN_NETWORKS") {
            self.admin_networks = v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        Ok(())
    }

    /// Checks the values are sensible.
    pub fn check(&self) -> Result<(), String> {
        if !(1024..=16 * 1024 * 1024).contains(&self.max_body_bytes) {
            return Err("max_body_bytes: expected 1 KiB to 16 MiB".into());
        }
        if !(1..=24 * 30).contains(&self.session_hours) {
            return Err("session_hours: expected 1 to 720".into());
        }
        if !(1..=10_000).contains(&self.max_page) {
            return Err("max_page: expected 1 to 10,000".into());
        }
        hangar_model::Location::parse(&self.hub).map_err(|e| format!("hub: {e}"))?;
        let [start, end] = self.office_hours_utc;
        if start >= end || end > 24 {
            return Err(
                "office_hours_utc: expected [start, end] hours with start < end <= 24".into(),
            );
        }
        for n in &self.admin_networks {
            crate::access::Network::parse(n).map_err(|e| format!("admin_networks: {e}"))?;
        }
        for n in &self.sorter_networks {
            crate::access::Network::parse(n).map_err(|e| format!("sorter_networks: {e}"))?;
        }
        Ok(())
    }

    /// How the auditor's report judges what is unusual.
    pub fn report_settings(&self) -> hangar_oversight::report::Settings {
        hangar_oversight::report::Settings {
            office_start_hour: self.office_hours_utc[0],
            office_end_hour: self.office_hours_utc[1],
            ..Default::default()
        }
    }

    /// Whether an administrator's request from `peer` is served (unknown peers are not).
    pub fn admin_allowed(&self, peer: Option<std::net::IpAddr>) -> bool {
        peer.is_some_and(|ip| {
            self.admin_networks
                .iter()
                .filter_map(|n| crate::access::Network::parse(n).ok())
                .any(|n| n.contains(ip))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hangar.toml");
        std::fs::write(&f, "listen = \"0.0.0.0:9000\"\nmax_body_bytes = 2048\n").unwrap();
        let mut c: Config = toml::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        assert_eq!(
            (c.listen.as_str(), c.max_body_bytes, c.hub.as_str()),
            ("0.0.0.0:9000", 2048, "LGG")
        );
        c.apply_env(|k| (k == "HANGAR_MAX_BODY_BYTES").then(|| "4096".to_string()))
            .unwrap();
        assert_eq!(c.max_body_bytes, 4096);
        assert!(
            c.apply_env(|k| (k == "HANGAR_SESSION_HOURS").then(|| "x".to_string()))
                .is_err()
        );
        std::fs::write(&f, "listen = 1\n").unwrap();
        assert!(Config::load(Some(&f)).unwrap_err().contains("hangar.toml"));
        std::fs::write(&f, "lisen = \"x\"\n").unwrap();
        assert!(
            Config::load(Some(&f))
                .unwrap_err()
                .contains("unknown field")
        );
    }
}
