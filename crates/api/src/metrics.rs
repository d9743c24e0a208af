//! Prometheus metrics in the text exposition format: requests and their latencies per route,
//! and the hub's figures from the live state (parcels by stage, customs decisions and holds by
//! reason, sort decisions and discharges, chute fill, how far the screens lag the store).

use crate::app::{ApiError, Shared, blocking};
use crate::routes::{ROUTES, RouteSpec};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram, seconds.
const BUCKETS_S: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];
/// Status classes counted.
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Counters per declared route (a fixed set: the labels cannot grow without bound).
pub struct Metrics {
    requests: Vec<[AtomicU64; 5]>,
    latency: Vec<[AtomicU64; BUCKETS_S.len() + 1]>,
    latency_sum_us: Vec<AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: ROUTES.iter().map(|_| Default::default()).collect(),
            latency: ROUTES.iter().map(|_| Default::default()).collect(),
            latency_sum_us: ROUTES.iter().map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Metrics {
    /// Counts one request to `spec`.
    pub fn observe(&self, spec: &RouteSpec, status: u16, took: Duration) {
        let Some(i) = ROUTES.iter().position(|r| std::ptr::eq(r, spec)) else {
            return;
        };
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.requests[i][class].fetch_add(1, Ordering::Relaxed);
        let s = took.as_secs_f64();
        let b = BUCKETS_S
            .iter()
            .position(|u| s <= *u)
            .unwrap_or(BUCKETS_S.len());
        self.latency[i][b].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us[i].fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String) {
        out.push_str("# HELP hangar_http_requests_total Requests answered, by route and status class.\n# TYPE hangar_http_requests_total counter\n");
        for (i, r) in ROUTES.iter().enumerate() {
            for (c, class) in CLASSES.iter().enumerate() {
                let n = self.requests[i][c].load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "hangar_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{class}\"}} {n}",
                        r.method, r.path
                    );
                }
            }
        }
        out.push_str("# HELP hangar_http_request_seconds Time to answer, by route.\n# TYPE hangar_http_request_seconds histogram\n");
        for (i, r) in ROUTES.iter().enumerate() {
            let counts: Vec<u64> = self.latency[i]
                .iter()
                .map(|a| a.load(Ordering::Relaxed))
                .collect();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                continue;
            }
            let labels = format!("method=\"{}\",route=\"{}\"", r.method, r.path);
            let mut cum = 0;
            for (b, u) in BUCKETS_S.iter().enumerate() {
                cum += counts[b];
                let _ = writeln!(
                    out,
                    "hangar_http_request_seconds_bucket{{{labels},le=\"{u}\"}} {cum}"
                );
            }
            let _ = writeln!(
                out,
                "hangar_http_request_seconds_bucket{{{labels},le=\"+Inf\"}} {total}"
            );
            let sum = self.latency_sum_us[i].load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "hangar_http_request_seconds_sum{{{labels}}} {sum}");
            let _ = writeln!(out, "hangar_http_request_seconds_count{{{labels}}} {total}");
        }
    }
}

fn gauge<'a>(
    out: &mut String,
    name: &str,
    help: &str,
    label: &str,
    values: impl IntoIterator<Item = (&'a str, u64)>,
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (k, v) in values {
        let _ = writeln!(out, "{name}{{{label}=\"{k}\"}} {v}");
    }
}

/// `GET /metrics`.
pub async fn render(State(app): State<Shared>) -> Result<impl IntoResponse, ApiError> {
    let store = app.store.clone();
    let stored = blocking(move || Ok(store.counts()?)).await?;
    let mut out = String::with_capacity(16 * 1024);
    {
        let l = app.live.read();
        gauge(
            &mut out,
            "hangar_parcels",
            "Parcels by stage (held: in customs' hands).",
            "stage",
            l.by_stage.iter().map(|(k, v)| (*k, *v)),
        );
        gauge(
            &mut out,
            "hangar_customs_decisions",
            "Customs decisions by outcome.",
            "outcome",
            l.decisions.iter().map(|(k, v)| (*k, *v)),
        );
        gauge(
            &mut out,
            "hangar_customs_holds_by_reason",
            "Parcels stopped by customs, by reason.",
            "reason",
            l.hold_reasons.iter().map(|(k, v)| (k.as_str(), *v)),
        );
        gauge(
            &mut out,
            "hangar_sort_discharges",
            "Sorter discharges by outcome.",
            "outcome",
            l.discharges.iter().map(|(k, v)| (*k, *v)),
        );
        gauge(
            &mut out,
            "hangar_events",
            "Events applied to the screens, by code (SDC: sort decisions).",
            "code",
            l.by_code.iter().map(|(k, v)| (*k, *v)),
        );
        let _ = writeln!(
            out,
            "# HELP hangar_customs_holds_queue Parcels in the customs holds queue.\n# TYPE hangar_customs_holds_queue gauge\nhangar_customs_holds_queue {}",
            l.holds.len()
        );
        let _ = writeln!(
            out,
            "# HELP hangar_chute_parcels Parcels waiting in chutes (sorted, not loaded).\n# TYPE hangar_chute_parcels gauge\nhangar_chute_parcels {}",
            l.chutes.values().map(|v| u64::from(*v)).sum::<u64>()
        );
        let _ = writeln!(
            out,
            "# HELP hangar_live_lag_events Events recorded but not yet on the screens (the dashboard's queue).\n# TYPE hangar_live_lag_events gauge\nhangar_live_lag_events {}",
            stored.events.saturating_sub(l.seq)
        );
    }
    let _ = writeln!(
        out,
        "# HELP hangar_store_events Events in the store.\n# TYPE hangar_store_events gauge\nhangar_store_events {}",
        stored.events
    );
    let _ = writeln!(
        out,
        "# HELP hangar_store_parcels Parcels in the store.\n# TYPE hangar_store_parcels gauge\nhangar_store_parcels {}",
        stored.parcels
    );
    app.metrics.write(&mut out);
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    ))
}
