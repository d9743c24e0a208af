//! The dashboard, rendered on the server: the control room (live parts refreshed by htmx, charts
//! as SVG drawn here), the customs holds queue with release and hold actions, parcel search and
//! the parcel page, the login page and the public tracking page. Every asset is vendored and
//! served from `/assets`; pages load nothing from anywhere else.

use crate::app::{ApiError, Caller, SESSION_COOKIE, Shared, blocking, cookie};
use crate::live::{FLOW, LiveState};
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hangar_model::{CustomsOutcome, Detail, S10Id};
use hangar_service::accounts::Role;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;
use std::fmt::Write;

const CSS: &str = include_str!("../assets/hangar.css");
const HTMX: &str = include_str!("../assets/htmx.min.js");
const RAPIDOC: &str = include_str!("../assets/rapidoc-min.js");

/// Percent-encodes a string for a query parameter.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decodes a percent-encoded query value (`+` is a space).
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn html_response(status: StatusCode, m: Markup) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        m.into_string(),
    )
        .into_response()
}

pub(crate) fn page(title: &str, caller: Option<&Caller>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false}"#;
                title { (title) " · Hangar" }
                link rel="stylesheet" href="/assets/hangar.css";
                script src="/assets/htmx.min.js" {}
            }
            body {
                header.top {
                    span.brand { "HANGAR" }
                    @if let Some(c) = caller {
                        nav {
                            @if crate::routes::STAFF.contains(&c.user.role) {
                                a href="/" { "Control room" }
                                a href="/customs" { "Customs" }
                                a href="/controls" { "Settings" }
                            }
                            @if crate::routes::AUDIT.contains(&c.user.role) {
                                a href="/audit" { "Audit" }
                            }
                            a href="/parcels" { "Parcels" }
                            a href="/track" { "Tracking" }
                            a href="/docs" { "API" }
                        }
                        span.who {
                            span #whoami { (c.user.login) " · " (c.user.role.as_str()) }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(c.csrf.clone().unwrap_or_default());
                                button.quiet type="submit" { "Sign out" }
                            }
                        }
                    } @else {
                        nav { a href="/track" { "Track a parcel" } a href="/login" { "Sign in" } }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// An error as a page.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    html_response(
        status,
        page(
            status.canonical_reason().unwrap_or("Error"),
            None,
            html! {
                div.panel.login {
                    h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                    p.error #problem { (message) }
                    p { a href="/" { "Control room" } " · " a href="/login" { "Sign in as someone else" } }
                }
            },
        ),
    )
}

pub(crate) fn page_error(e: ApiError) -> Response {
    error_page(e.status, &e.message)
}

/// `GET /assets/{name}`.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, ty): (&'static str, &str) = match name.as_str() {
        "hangar.css" => (CSS, "text/css; charset=utf-8"),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "rapidoc-min.js" => (RAPIDOC, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ty),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Query of the login page.
#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    error: Option<String>,
}

/// Only paths on this server may be gone to after signing in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

/// `GET /login`.
pub async fn login_page(Query(q): Query<LoginQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    html_response(
        StatusCode::OK,
        page(
            "Sign in",
            None,
            html! {
                div.panel.login {
                    h1 { "Sign in to Hangar" }
                    @if q.error.is_some() { p.error #problem { "Wrong login or password." } }
                    form method="post" action="/login" {
                        input type="hidden" name="next" value=(next);
                        label { "Login" br; input #login name="login" autocomplete="username" required autofocus; }
                        label { "Password" br; input #password type="password" name="password" autocomplete="current-password" required; }
                        button #signin type="submit" { "Sign in" }
                    }
                    p.muted { "Looking for a parcel? " a href="/track" { "Track it here" } "." }
                }
            },
        ),
    )
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`.
pub async fn login(State(app): State<Shared>, Form(f): Form<LoginForm>) -> Response {
    let accounts = app.accounts.clone();
    let hours = app.config.session_hours;
    let next = safe_next(f.next.as_deref());
    let result = blocking(move || {
        let Some(user) = accounts.check_password(f.login.trim(), &f.password)? else {
            return Ok(None);
        };
        Ok(Some(accounts.create_session(&user.login, hours)?))
    })
    .await;
    match result {
        Ok(Some((sid, _))) => {
            let mut r = Redirect::to(&next).into_response();
            let c = format!(
                "{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                u64::from(hours) * 3600
            );
            r.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_str(&c).expect("cookie"),
            );
            r
        }
        Ok(None) => {
            Redirect::to(&format!("/login?error=1&next={}", url_encode(&next))).into_response()
        }
        Err(e) => page_error(e),
    }
}

/// A form that carries the session's CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub(crate) fn csrf_ok(c: &Caller, given: &str) -> bool {
    c.csrf.as_deref().is_some_and(|t| t == given)
}

/// `POST /logout`.
pub async fn logout(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !csrf_ok(&c, &f.csrf) {
        return error_page(StatusCode::FORBIDDEN, "csrf: expected the session's token");
    }
    if let Some(sid) = cookie(&headers, SESSION_COOKIE).map(String::from) {
        let accounts = app.accounts.clone();
        let _ = blocking(move || Ok(accounts.end_session(&sid)?)).await;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("hangar_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    r
}

pub(crate) fn n(x: u64) -> String {
    let s = x.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn stage(l: &LiveState, k: &str) -> u64 {
    l.by_stage.get(k).copied().unwrap_or(0)
}

/// `GET /`: the control room.
pub async fn control_room(Extension(c): Extension<Caller>) -> Response {
    let live = |id: &str, url: &str, every: &str| {
        html! { div id=(id) hx-get=(url) hx-trigger=(format!("load, every {every}")) hx-swap="innerHTML" { span.muted { "loading…" } } }
    };
    html_response(
        StatusCode::OK,
        page(
            "Control room",
            Some(&c),
            html! {
                h1 { "Control room" }
                div.grid {
                    div.panel.wide { (live("summary", "/ui/summary", "2s")) }
                    div.panel.wide {
                        h2 { "Throughput per stage (parcels per 10 minutes)" }
                        (live("throughput", "/ui/throughput.svg", "2s"))
                        div.legend {
                            @for (i, (name, _)) in FLOW.iter().enumerate() {
                                span class=(format!("k{i}")) { "■ " (name.replace('_', " ")) }
                            }
                        }
                    }
                    div.panel {
                        h2 { "Flights: scheduled ○ and actual ● arrival" }
                        (live("flights", "/ui/flights.svg", "5s"))
                    }
                    div.panel { h2 { "Sorters" } (live("sorters", "/ui/sorters", "2s")) }
                    div.panel {
                        h2 { "Customs holds" }
                        (live("holds", "/ui/holds", "3s"))
                        p { a href="/customs" { "The whole queue →" } }
                    }
                    div.panel { h2 { "Exceptions" } (live("exceptions", "/ui/exceptions", "3s")) }
                    div.panel {
                        h2 { "Find a parcel" }
                        form.inline method="get" action="/parcels" {
                            input #q name="q" placeholder="Tracking id, e.g. UA123456785CN" size="28";
                            button type="submit" { "Find" }
                        }
                    }
                }
            },
        ),
    )
}

/// `GET /ui/summary`.
pub async fn summary(State(app): State<Shared>) -> Response {
    let l = app.live.read();
    let received: u64 = [
        "received",
        "on_sorter",
        "at_chute",
        "rework",
        "loaded",
        "handed_over",
        "held",
    ]
    .iter()
    .map(|k| stage(&l, k))
    .sum();
    let exceptions = stage(&l, "missing") + stage(&l, "rework");
    let m = html! {
        div.tiles {
            div.tile { div.n #parcels { (n(l.parcels() as u64)) } div.l { "parcels" } }
            div.tile { div.n { (n(received)) } div.l { "received" } }
            div.tile.ok { div.n #released { (n(l.decisions.get("release").copied().unwrap_or(0))) } div.l { "released" } }
            div.tile.held { div.n #held { (n(stage(&l, "held"))) } div.l { "in customs' hands" } }
            div.tile { div.n { (n(stage(&l, "on_sorter") + stage(&l, "at_chute"))) } div.l { "on sorters / in chutes" } }
            div.tile { div.n { (n(stage(&l, "loaded"))) } div.l { "on trucks" } }
            div.tile.ok { div.n #handed { (n(stage(&l, "handed_over"))) } div.l { "handed over" } }
            div.tile.bad { div.n { (n(exceptions)) } div.l { "exceptions" } }
            div.tile { div.n.clock #clock { (l.now.map(|t| t.to_string().replace('T', " ").chars().take(16).collect::<String>()).unwrap_or_else(|| "—".into())) } div.l { "hub time (UTC)" } }
        }
    };
    html_response(StatusCode::OK, m)
}

fn svg_response(svg: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response()
}

const COLORS: [&str; 5] = ["#4fb3ff", "#c297ff", "#3fb950", "#d29922", "#ff7b72"];

/// `GET /ui/throughput.svg`: one line per flow stage over the day's 10-minute buckets.
pub async fn throughput_svg(State(app): State<Shared>) -> Response {
    let l = app.live.read();
    let (w, h, pad) = (1000.0f64, 220.0f64, 34.0f64);
    // Every bucket from the first to the last, empty ones as zeros (lines do not bridge gaps).
    let step = crate::live::BUCKET_MIN * 60_000;
    let buckets: Vec<(i64, [u32; 5])> = match (
        l.throughput.first_key_value(),
        l.throughput.last_key_value(),
    ) {
        (Some((a, _)), Some((b, _))) => (0..=(b - a) / step)
            .map(|i| {
                let t = a + i * step;
                (t, l.throughput.get(&t).copied().unwrap_or_default())
            })
            .collect(),
        _ => Vec::new(),
    };
    let total: u64 = buckets
        .iter()
        .flat_map(|(_, v)| v.iter())
        .map(|x| u64::from(*x))
        .sum();
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" height="{h}" id="throughput-chart" data-events="{total}" role="img" aria-label="throughput per stage">"#
    );
    if buckets.len() < 2 {
        let _ = write!(
            s,
            r#"<text x="{pad}" y="{}">waiting for the day to start…</text></svg>"#,
            h / 2.0
        );
        return svg_response(s);
    }
    let max = buckets
        .iter()
        .flat_map(|(_, v)| v.iter())
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let (t0, t1) = (buckets[0].0 as f64, buckets[buckets.len() - 1].0 as f64);
    let x = |t: f64| pad + (t - t0) / (t1 - t0).max(1.0) * (w - 2.0 * pad);
    let y = |v: f64| h - pad - v / max * (h - 2.0 * pad);
    let _ = write!(
        s,
        r#"<line class="axis" x1="{pad}" y1="{}" x2="{}" y2="{}"/>"#,
        h - pad,
        w - pad,
        h - pad
    );
    let _ = write!(
        s,
        r#"<text x="2" y="{}">{}</text><text x="2" y="{}">0</text>"#,
        pad,
        max as u64,
        h - pad
    );
    for k in 0..5 {
        let pts: Vec<String> = buckets
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", x(*t as f64), y(f64::from(v[k]))))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
            COLORS[k],
            pts.join(" ")
        );
    }
    // Hour labels.
    let first_hour = (t0 / 3_600_000.0).ceil() as i64;
    let last_hour = (t1 / 3_600_000.0).floor() as i64;
    let step = ((last_hour - first_hour) / 12).max(1);
    let mut hr = first_hour;
    while hr <= last_hour {
        let t = hr as f64 * 3_600_000.0;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}">{:02}:00</text>"#,
            x(t) - 14.0,
            h - 12.0,
            hr.rem_euclid(24)
        );
        hr += step;
    }
    s.push_str("</svg>");
    svg_response(s)
}

/// `GET /ui/flights.svg`: the day's flights on a timeline.
pub async fn flights_svg(State(app): State<Shared>) -> Response {
    let l = app.live.read();
    let flights: Vec<&crate::live::FlightRow> = l.flights.values().collect();
    let row = 26.0f64;
    let (w, pad) = (560.0f64, 120.0f64);
    let h = 30.0 + row * flights.len().max(1) as f64;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="flights">"#
    );
    if flights.is_empty() {
        s.push_str(r#"<text x="10" y="20">no flights yet</text></svg>"#);
        return svg_response(s);
    }
    let t0 = flights
        .iter()
        .map(|f| f.sta.unix_ms().min(f.ata.map_or(i64::MAX, |a| a.unix_ms())))
        .min()
        .unwrap_or(0)
        - 3_600_000;
    let t1 = flights
        .iter()
        .map(|f| f.sta.unix_ms().max(f.ata.map_or(0, |a| a.unix_ms())))
        .max()
        .unwrap_or(1)
        + 3_600_000;
    let x = |t: i64| pad + (t - t0) as f64 / (t1 - t0).max(1) as f64 * (w - pad - 20.0);
    for (i, f) in flights.iter().enumerate() {
        let cy = 20.0 + row * i as f64;
        // Flight keys and airports are checked ASCII tokens: nothing to escape.
        let _ = write!(
            s,
            r#"<text x="4" y="{:.1}">{} {}</text>"#,
            cy + 4.0,
            f.flight.split('/').next().unwrap_or(""),
            f.origin
        );
        let _ = write!(
            s,
            r#"<line class="axis" x1="{pad}" y1="{cy}" x2="{}" y2="{cy}"/>"#,
            w - 20.0
        );
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{cy}" r="5" fill="none" stroke="#93a4b5" stroke-width="2"/>"##,
            x(f.sta.unix_ms())
        );
        if let Some(a) = f.ata {
            let late = (a.unix_ms() - f.sta.unix_ms()) / 60_000;
            let color = if late > 15 { "#d29922" } else { "#3fb950" };
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{cy}" r="5" fill="{color}"/><text x="{:.1}" y="{:.1}">{}{} min</text>"#,
                x(a.unix_ms()),
                x(a.unix_ms()) + 8.0,
                cy - 6.0,
                if late >= 0 { "+" } else { "" },
                late
            );
        }
    }
    let mut hr = (t0 + 3_599_999) / 3_600_000;
    while hr * 3_600_000 <= t1 {
        if hr % 3 == 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}">{:02}h</text>"#,
                x(hr * 3_600_000) - 8.0,
                h - 2.0,
                hr.rem_euclid(24)
            );
        }
        hr += 1;
    }
    s.push_str("</svg>");
    svg_response(s)
}

/// `GET /ui/sorters`: discharges by outcome and chute fill levels.
pub async fn sorters(State(app): State<Shared>) -> Response {
    let l = app.live.read();
    let mut chutes: Vec<(u16, u32)> = l
        .chutes
        .iter()
        .map(|(c, v)| (*c, *v))
        .filter(|(_, v)| *v > 0)
        .collect();
    chutes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    chutes.truncate(16);
    let max = chutes.first().map(|c| c.1).unwrap_or(1).max(1);
    let mut bars = String::from(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 200" width="100%" role="img" aria-label="chute fill levels" id="chutes-chart">"#,
    );
    for (i, (c, v)) in chutes.iter().enumerate() {
        let bh = f64::from(*v) / f64::from(max) * 150.0;
        let x = 10.0 + i as f64 * 24.0;
        let _ = write!(
            bars,
            r##"<rect x="{x}" y="{:.1}" width="18" height="{bh:.1}" fill="#4fb3ff"/><text x="{x}" y="195">{c}</text><text x="{x}" y="{:.1}">{v}</text>"##,
            170.0 - bh,
            166.0 - bh
        );
    }
    bars.push_str("</svg>");
    let m = html! {
        table {
            tr { th { "Discharge outcome" } th { "parcels" } }
            @for (k, v) in &l.discharges { tr { td { (k.replace('_', " ")) } td { (n(*v)) } } }
            tr { td { "sort decisions" } td { (n(l.by_code.get("SDC").copied().unwrap_or(0))) } }
        }
        p.muted { "Fullest chutes (parcels waiting to be loaded):" }
        (PreEscaped(bars))
    };
    html_response(StatusCode::OK, m)
}

pub(crate) fn outcome_tag(o: CustomsOutcome) -> Markup {
    html! { span class=(format!("tag {}", o.as_str())) { (o.as_str().replace('_', " ")) } }
}

fn holds_table(l: &LiveState, limit: usize, reason: Option<&str>) -> Markup {
    let rows: Vec<&crate::live::Hold> = l
        .holds
        .values()
        .filter(|h| reason.is_none_or(|r| h.reasons.iter().any(|x| x == r)))
        .take(limit)
        .collect();
    html! {
        p.muted { (n(l.holds.len() as u64)) " parcels in customs' hands" }
        table #holds-table {
            tr { th { "Parcel" } th { "Decision" } th { "Reasons" } th { "By" } }
            @for h in rows {
                tr {
                    td { a href=(format!("/parcels/{}", h.parcel)) { (h.parcel) } }
                    td { (outcome_tag(h.outcome)) }
                    td { @for r in &h.reasons { span.tag { (r) } } }
                    td.muted { (h.by) }
                }
            }
        }
    }
}

/// `GET /ui/holds`.
pub async fn holds_fragment(State(app): State<Shared>) -> Response {
    let l = app.live.read();
    html_response(StatusCode::OK, holds_table(&l, 12, None))
}

/// `GET /ui/exceptions`.
pub async fn exceptions(State(app): State<Shared>) -> Response {
    let l = app.live.read();
    let m = html! {
        table {
            tr { th { "When" } th { "What" } th { "Parcel" } th { "Where" } }
            @for e in l.exceptions.iter().rev().take(12) {
                tr {
                    td.muted { (e.at.to_string().chars().skip(11).take(8).collect::<String>()) }
                    td { span.tag.warn { (e.what.replace('_', " ")) } }
                    td { @if let Some(p) = e.parcel { a href=(format!("/parcels/{p}")) { (p) } } @else { span.muted { "unidentified item" } } }
                    td.muted { (e.location) }
                }
            }
        }
    };
    html_response(StatusCode::OK, m)
}

/// Query of the customs page.
#[derive(Deserialize)]
pub struct CustomsQuery {
    reason: Option<String>,
}

/// `GET /customs`: the holds queue, filterable by reason.
pub async fn customs_page(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Query(q): Query<CustomsQuery>,
) -> Response {
    let l = app.live.read();
    let reason = q.reason.as_deref().filter(|r| !r.is_empty());
    let m = page(
        "Customs",
        Some(&c),
        html! {
            h1 { "Customs holds queue" }
            div.panel {
                form.inline method="get" action="/customs" {
                    label { "Reason " select name="reason" {
                        option value="" { "any" }
                        @for (r, k) in &l.hold_reasons {
                            option value=(r) selected[reason == Some(r.as_str())] { (r) " (" (k) ")" }
                        }
                    } }
                    button type="submit" { "Filter" }
                }
                (holds_table(&l, app.config.max_page, reason))
            }
        },
    );
    html_response(StatusCode::OK, m)
}

/// Query of the search page.
#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// `GET /parcels`: finds a parcel by tracking id (carriers and merchants: also lists theirs).
pub async fn search(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Query(q): Query<SearchQuery>,
) -> Response {
    let query = q.q.unwrap_or_default();
    let query = query.trim();
    if !query.is_empty() {
        match S10Id::parse(&query.to_ascii_uppercase()) {
            Ok(id) => return Redirect::to(&format!("/parcels/{id}")).into_response(),
            Err(e) => {
                return html_response(
                    StatusCode::BAD_REQUEST,
                    page(
                        "Parcels",
                        Some(&c),
                        html! {
                            h1 { "Parcels" }
                            p.error #problem { "Not a tracking id: " (e) }
                            (search_form(query))
                        },
                    ),
                );
            }
        }
    }
    let mine: Vec<(S10Id, &'static str)> = match c.user.role {
        Role::Carrier => {
            let routes = crate::json::carrier_routes(&c);
            let r: Vec<&str> = routes.iter().map(String::as_str).collect();
            app.live.read().on_routes(&r, 200)
        }
        _ => Vec::new(),
    };
    html_response(
        StatusCode::OK,
        page(
            "Parcels",
            Some(&c),
            html! {
                h1 { "Parcels" }
                div.panel {
                    (search_form(""))
                    @if !mine.is_empty() {
                        h2 { "On your routes" }
                        table { tr { th { "Parcel" } th { "Where" } }
                            @for (id, s) in &mine { tr { td { a href=(format!("/parcels/{id}")) { (id) } } td { (s.replace('_', " ")) } } }
                        }
                    }
                }
            },
        ),
    )
}

fn search_form(q: &str) -> Markup {
    html! {
        form.inline method="get" action="/parcels" {
            input #q name="q" value=(q) placeholder="Tracking id, e.g. UA123456785CN" size="28";
            button #find type="submit" { "Find" }
        }
    }
}

/// Query of the parcel page (a notice after an action).
#[derive(Deserialize)]
pub struct ParcelQuery {
    done: Option<String>,
    problem: Option<String>,
}

/// `GET /parcels/{id}`: the parcel, its customs decision and actions, its timeline. The read is
/// recorded.
pub async fn parcel_page(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<ParcelQuery>,
) -> Response {
    let Ok(id) = S10Id::parse(&id) else {
        return error_page(StatusCode::BAD_REQUEST, "not a tracking id");
    };
    let store = app.store.clone();
    let loaded = blocking(move || Ok((store.parcel(&id)?, store.parcel_events(&id)?))).await;
    let (p, events) = match loaded {
        Ok((Some(p), e)) if crate::json::may_see(&app, &c, &p) => (p, e),
        Ok((Some(_), _)) => {
            let mut r = error_page(StatusCode::NOT_FOUND, &format!("no parcel {id}"));
            r.extensions_mut().insert(crate::access::DeniedNote(format!(
                "parcel {id} is outside the {} scope",
                c.user.role.as_str()
            )));
            return r;
        }
        Ok((None, _)) => return error_page(StatusCode::NOT_FOUND, &format!("no parcel {id}")),
        Err(e) => return page_error(e),
    };
    let state = hangar_model::ParcelState::derive(&events);
    let may_decide = crate::routes::DECIDE.contains(&c.user.role);
    // A carrier delivers: it sees where the parcel goes, not who sold what at what value.
    let carrier = c.user.role == Role::Carrier;
    let latest = events
        .iter()
        .rev()
        .find(|e| CustomsOutcome::of(e.code).is_some());
    let m = page(
        &format!("Parcel {id}"),
        Some(&c),
        html! {
            h1 { "Parcel " span #parcel-id { (id) } }
            @if let Some(d) = &q.done { p.notice #notice { (d) } }
            @if let Some(e) = &q.problem { p.error #problem { (e) } }
            div.grid {
                div.panel {
                    h2 { "Consignment" }
                    table {
                        tr { th { "Waybill" } td { (p.mawb) " on " (p.flight) } }
                        tr { th { "ULD / bag" } td { (p.uld) " / " (p.bag) } }
                        @if !carrier { tr { th { "From" } td { (p.consignor.name) ", " (p.consignor.city) " " (p.consignor.country) } } }
                        tr { th { "To" } td { (p.consignee.name) ", " (p.consignee.postcode.map(|c| c.to_string()).unwrap_or_default()) " " (p.consignee.city) " " (p.consignee.country) } }
                        @if !carrier { tr { th { "Value" } td { (p.value()) } } }
                        tr { th { "Weight" } td { (p.weight().kg()) " kg" } }
                        @if !carrier { tr { th { "Goods" } td { @for it in &p.items { div { (it.quantity) " × " (it.description) " " span.muted { "HS " (it.hs) } } } } } }
                        tr { th { "Now" } td #parcel-stage { (format!("{:?}", state.stage)) " · customs " (format!("{:?}", state.customs)) } }
                    }
                    p.muted { "This view is recorded in the hub's log as a read by " (c.user.login) "." }
                }
                div.panel {
                    h2 { "Customs" }
                    @if let Some(d) = latest {
                        p { (outcome_tag(CustomsOutcome::of(d.code).expect("a decision"))) " by " (d.actor) " at " (d.at) }
                        @match &d.detail {
                            Detail::Held { reasons, rules } => {
                                ul { @for r in reasons { li { (r.describe()) } } }
                                p.muted { "Rules: " (rules.join("; ")) }
                            }
                            Detail::Cleared { rules, .. } => {
                                p { (crate::json::milestone(d).unwrap_or("")) } p.muted { "Rules: " (rules.join("; ")) }
                            }
                            Detail::Declarant { why } => { p { "Reason: " (why) } }
                            _ => {}
                        }
                    } @else { p.muted { "No decision yet." } }
                    @if may_decide {
                        form #decide method="post" action=(format!("/customs/{id}/decide")) {
                            input type="hidden" name="csrf" value=(c.csrf.clone().unwrap_or_default());
                            p { label { "Reason (recorded with the decision)" br; textarea #reason name="reason" rows="2" cols="40" required {} } }
                            div.inline {
                                button #release name="action" value="release" type="submit" { "Release" }
                                " "
                                button #hold name="action" value="hold" type="submit" { "Hold for inspection" }
                                " "
                                button name="action" value="request_info" type="submit" { "Ask for information" }
                                " "
                                button.danger name="action" value="refuse" type="submit" { "Refuse" }
                            }
                        }
                    }
                }
                div.panel.wide {
                    h2 { "Timeline" }
                    table #timeline {
                        tr { th { "When (UTC)" } th { "Event" } th { "Where" } th { "Who" } th { "Detail" } }
                        @for e in &events {
                            tr {
                                td.muted { (e.at) }
                                td { strong { (e.code.as_str()) } " " (e.code.meaning()) }
                                td.muted { (e.location) }
                                td.muted { (e.actor) }
                                td { (e.detail.describe()) }
                            }
                        }
                    }
                }
            }
        },
    );
    crate::json::noting(
        crate::access::ReadNote {
            subject: hangar_model::Subject::Parcel(id),
            records: 1,
            classes: if carrier {
                vec![hangar_model::DataClass::Personal]
            } else {
                vec![
                    hangar_model::DataClass::Personal,
                    hangar_model::DataClass::Commercial,
                ]
            },
            what: if carrier {
                "parcel page: delivery view (buyer, weight)".into()
            } else {
                "parcel page: parties, goods and values".into()
            },
        },
        html_response(StatusCode::OK, m),
    )
}

/// The decision form.
#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    action: String,
    reason: String,
}

/// `POST /customs/{id}/decide`.
pub async fn decide(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Response {
    if !csrf_ok(&c, &f.csrf) {
        return error_page(StatusCode::FORBIDDEN, "csrf: expected the session's token");
    }
    let Ok(id) = S10Id::parse(&id) else {
        return error_page(StatusCode::BAD_REQUEST, "not a tracking id");
    };
    let outcome = match f.action.as_str() {
        "release" => CustomsOutcome::Release,
        "hold" => CustomsOutcome::Hold,
        "request_info" => CustomsOutcome::RequestInfo,
        "refuse" => CustomsOutcome::Refuse,
        other => {
            return error_page(
                StatusCode::BAD_REQUEST,
                &format!("action: expected release, hold, request_info or refuse, got {other:?}"),
            );
        }
    };
    match crate::json::decide(&app, &c, id, outcome, f.reason).await {
        Ok(e) => Redirect::to(&format!(
            "/parcels/{id}?done={}",
            url_encode(&format!("Recorded: {} by {}", e.code.meaning(), e.actor))
        ))
        .into_response(),
        Err(e) => Redirect::to(&format!("/parcels/{id}?problem={}", url_encode(&e.message)))
            .into_response(),
    }
}

/// Query of the tracking page.
#[derive(Deserialize)]
pub struct TrackForm {
    id: Option<String>,
    postcode: Option<String>,
}

/// `GET /track`: the public tracking page.
pub async fn track_page(State(app): State<Shared>, Query(q): Query<TrackForm>) -> Response {
    let result = match (q.id.as_deref(), q.postcode.as_deref()) {
        (Some(id), Some(pc)) if !id.trim().is_empty() => {
            Some(crate::json::track(&app, id, pc).await)
        }
        _ => None,
    };
    let m = page(
        "Track a parcel",
        None,
        html! {
            div.panel.login {
                h1 { "Track your parcel" }
                form method="get" action="/track" {
                    label { "Tracking number" br; input #track-id name="id" value=(q.id.clone().unwrap_or_default()) required; }
                    label { "Destination postcode" br; input #track-postcode name="postcode" value=(q.postcode.clone().unwrap_or_default()) required; }
                    button #track type="submit" { "Track" }
                }
                @match result {
                    Some(Ok(v)) => {
                        h2 { "Parcel " (v["id"].as_str().unwrap_or("")) " to " (v["destination"].as_str().unwrap_or("")) }
                        ol #milestones {
                            @for m in v["milestones"].as_array().into_iter().flatten() {
                                li { span.muted { (m["at"].as_str().unwrap_or("").replace('T', " ").chars().take(16).collect::<String>()) } " " (m["what"].as_str().unwrap_or("")) }
                            }
                        }
                    }
                    Some(Err(e)) => { p.error #problem { (e.message) } }
                    None => { p.muted { "Enter the tracking number on your order and the postcode it is going to." } }
                }
            }
        },
    );
    html_response(StatusCode::OK, m)
}
