//! The dashboard's oversight pages: the guarded settings with the changes waiting for a second
//! person, and the auditor's view of a period (what left the hub, who read what, refusals,
//! changes, alerts).

use crate::app::{Caller, Shared, blocking};
use crate::oversee::{PeriodQuery, report_for, report_note, verdict};
use crate::web::{csrf_ok, error_page, html_response, n, page, page_error, url_encode};
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hangar_model::{Control, DataClass};
use hangar_oversight::report::Report;
use hangar_service::controls;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Query of the settings page.
#[derive(Deserialize)]
pub struct NoticeQuery {
    done: Option<String>,
    problem: Option<String>,
}

/// `GET /controls`.
pub async fn controls_page(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let store = app.store.clone();
    let states = match blocking(move || {
        let mut v = Vec::new();
        for ctl in Control::ALL {
            v.push((ctl, controls::state(store.as_ref(), ctl)?));
        }
        Ok(v)
    })
    .await
    {
        Ok(s) => s,
        Err(e) => return page_error(e),
    };
    let pending: usize = states.iter().map(|(_, s)| s.pending.len()).sum();
    let csrf = c.csrf.clone().unwrap_or_default();
    let m = page(
        "Settings",
        Some(&c),
        html! {
            h1 { "Guarded settings" }
            @if let Some(d) = &q.done { p.notice #notice { (d) } }
            @if let Some(e) = &q.problem { p.error #problem { (e) } }
            p.muted { "Every change is recorded in the hub's log with the values before and after. A change that weakens a control waits for a second person with the right role." }
            div.panel.wide #pending {
                h2 { "Waiting for approval (" (pending) ")" }
                @if pending == 0 { p.muted { "Nothing is waiting." } }
                @for (ctl, st) in &states {
                    @for p in &st.pending {
                        div.proposal {
                            p { span.tag.warn { "#" (p.seq) } " " strong { (ctl.as_str()) } " version " (p.version) " proposed by " (p.proposer) " at " (p.at) ": " (p.reason) }
                            ul { @for w in &p.weakening { li.error { "weakens: " (w) } } }
                            details { summary { (p.changes.len()) " changes" } ul { @for l in &p.changes { li { code { (l) } } } } }
                            @if controls::roles(*ctl).contains(&c.user.role) {
                                form.inline method="post" action=(format!("/controls/proposals/{}/decide", p.seq)) {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input name="reason" placeholder="reason (recorded)" required;
                                    button type="submit" name="action" value="approve" { "Approve" }
                                    button.danger type="submit" name="action" value="refuse" { "Refuse" }
                                }
                            }
                        }
                    }
                }
            }
            div.grid {
                @for (ctl, st) in &states {
                    div.panel {
                        h2 { (ctl.as_str()) }
                        @match st.current() {
                            Some(v) => {
                                p { "Version " strong { (v.version) } " since " (v.at) " by " (v.applied_by)
                                    @if v.proposer != v.applied_by { " (proposed by " (v.proposer) ")" } }
                                p.muted { (v.reason) }
                            }
                            None => { p.muted { "Built-in (no version recorded yet)." } }
                        }
                        p.muted { "Changed by: " (controls::roles(*ctl).iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")) }
                        @if st.versions.len() > 1 {
                            details { summary { "History (" (st.versions.len()) " versions)" }
                                table { tr { th { "v" } th { "When" } th { "By" } th { "Changes" } }
                                    @for v in st.versions.iter().rev().take(20) {
                                        tr { td { (v.version) } td.muted { (v.at) } td { (v.applied_by) }
                                             td { @for l in v.changes.iter().take(6) { div { code { (l) } } } @if v.changes.len() > 6 { div.muted { "... " (v.changes.len() - 6) " more" } } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    );
    html_response(StatusCode::OK, m)
}

/// The approval form.
#[derive(Deserialize)]
pub struct VerdictForm {
    csrf: String,
    action: String,
    reason: String,
}

/// `POST /controls/proposals/{seq}/decide`.
pub async fn decide(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(seq): Path<u64>,
    Form(f): Form<VerdictForm>,
) -> Response {
    if !csrf_ok(&c, &f.csrf) {
        return error_page(StatusCode::FORBIDDEN, "csrf: expected the session's token");
    }
    let approve = match f.action.as_str() {
        "approve" => true,
        "refuse" => false,
        other => {
            return error_page(
                StatusCode::BAD_REQUEST,
                &format!("action: expected approve or refuse, got {other:?}"),
            );
        }
    };
    match verdict(&app, &c, seq, approve, f.reason).await {
        Ok(o) => Redirect::to(&format!(
            "/controls?done={}",
            url_encode(&format!(
                "#{seq}: {}",
                serde_json::to_value(&o)
                    .ok()
                    .and_then(|v| v["status"].as_str().map(str::to_string))
                    .unwrap_or_default()
            ))
        ))
        .into_response(),
        Err(e) => {
            let mut r = Redirect::to(&format!("/controls?problem={}", url_encode(&e.message)))
                .into_response();
            if let Some(why) = e.out_of_scope {
                r.extensions_mut().insert(crate::access::DeniedNote(why));
            }
            r
        }
    }
}

/// A horizontal bar chart: one bar per row, split by class.
fn bars(rows: &[(String, BTreeMap<DataClass, u64>)], id: &str) -> Markup {
    let max = rows
        .iter()
        .map(|(_, m)| m.values().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, label_w, row_h) = (640.0, 170.0, 26.0);
    let h = row_h * rows.len().max(1) as f64 + 10.0;
    let mut svg = format!(
        r#"<svg id="{id}" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="records by class">"#
    );
    for (i, (label, m)) in rows.iter().enumerate() {
        let y = 5.0 + i as f64 * row_h;
        svg.push_str(&format!(
            r#"<text x="0" y="{}" >{}</text>"#,
            y + 16.0,
            maud::html! { (label) }.into_string()
        ));
        let mut x = label_w;
        for (k, c) in DataClass::ALL.iter().enumerate() {
            let v = m.get(c).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let bw = (w - label_w - 70.0) * v as f64 / max as f64;
            svg.push_str(&format!(
                r#"<rect class="c{k}" x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{}"><title>{} {v}</title></rect>"#,
                row_h - 8.0,
                c.as_str()
            ));
            x += bw;
        }
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{}">{}</text>"#,
            x + 6.0,
            y + 16.0,
            n(m.values().sum())
        ));
    }
    svg.push_str("</svg>");
    html! {
        (PreEscaped(svg))
        div.legend { @for (k, c) in DataClass::ALL.iter().enumerate() { span { span class=(format!("sw c{k}")) {} " " (c.as_str()) } } }
    }
}

fn alert_name(k: hangar_oversight::report::AlertKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

fn audit_body(r: &Report, q: &PeriodQuery) -> Markup {
    let exported: u64 = r.egress.iter().map(|g| g.records).sum();
    let abroad: u64 = r
        .egress
        .iter()
        .filter(|g| !g.in_eea)
        .map(|g| g.records)
        .sum();
    let read: u64 = r.reads.values().map(|x| x.records).sum();
    let refused: u64 = r.refused.values().map(|x| x.refused).sum();
    let by_j: Vec<(String, BTreeMap<DataClass, u64>)> = r
        .egress_records
        .iter()
        .map(|(j, m)| {
            let label = if hangar_oversight::flows::in_eea(j) {
                j.clone()
            } else {
                format!("{j} (outside EU/EEA)")
            };
            (label, m.clone())
        })
        .collect();
    use hangar_oversight::report::AlertKind;
    let (new_dest, mut urgent): (Vec<_>, Vec<_>) = r
        .alerts
        .iter()
        .partition(|a| a.kind == AlertKind::NewDestination);
    // The ones to act on first.
    urgent.sort_by_key(|a| {
        (
            match a.kind {
                AlertKind::ExportBlocked => 0,
                AlertKind::WeakeningChange => 1,
                AlertKind::OffHoursChange => 2,
                AlertKind::BulkRead => 3,
                AlertKind::DeniedBurst => 4,
                AlertKind::NewDestination => 5,
            },
            a.at,
        )
    });
    let by_reader: Vec<(String, BTreeMap<DataClass, u64>)> = r
        .read_records
        .iter()
        .map(|(who, m)| (who.clone(), m.clone()))
        .collect();
    html! {
        h1 { "Audit" }
        form.inline method="get" action="/audit" {
            label { "From " input type="text" name="from" value=(q.from.clone().unwrap_or_default()) placeholder="YYYY-MM-DD"; }
            label { "to " input type="text" name="to" value=(q.to.clone().unwrap_or_default()) placeholder="YYYY-MM-DD"; }
            button type="submit" { "Report" }
            span.muted { "Read from the verifiable log (" (n(r.entries_read)) " entries); the same report as " code { "hangar audit report" } "." }
        }
        div.panel {
            div.tiles {
                div.tile { div.n #exported { (n(exported)) } div.l { "records exported" } }
                div.tile class=(if abroad > 0 { "tile bad" } else { "tile" }) { div.n { (n(abroad)) } div.l { "outside the EU/EEA" } }
                div.tile.bad { div.n #blocked { (n(r.blocked.len() as u64)) } div.l { "exports blocked" } }
                div.tile { div.n { (n(read)) } div.l { "sensitive records read" } }
                div.tile { div.n { (n(refused)) } div.l { "requests refused" } }
                div.tile { div.n { (n(r.changes.len() as u64)) } div.l { "control changes" } }
                div.tile.held { div.n #alerts { (n(r.alerts.len() as u64)) } div.l { "alerts" } }
            }
        }
        div.grid {
            div.panel {
                h2 { "Records that left, by jurisdiction" }
                p.muted { "Each record once, coloured by the most sensitive class it carried." }
                @if by_j.is_empty() { p.muted { "Nothing left the hub." } } @else { (bars(&by_j, "egress-chart")) }
            }
            div.panel {
                h2 { "Sensitive records read, by reader" }
                @if by_reader.is_empty() { p.muted { "No reads recorded." } } @else { (bars(&by_reader, "reads-chart")) }
            }
            div.panel.wide #alert-list {
                h2 { "Alerts" }
                @if r.alerts.is_empty() { p.muted { "No alerts in this period." } }
                table { @for a in urgent.iter() {
                    tr { td { span.tag.warn { (alert_name(a.kind)) } } td.muted { (a.at) } td { (a.actor) } td { (a.what) } td.muted { "#" (a.seq) } }
                } }
                @if !new_dest.is_empty() {
                    details {
                        summary { (new_dest.len()) " exports to a destination data never went to before (expected on a hub's first day)" }
                        table { @for a in new_dest.iter() {
                            tr { td { span.tag { (alert_name(a.kind)) } } td.muted { (a.at) } td { (a.actor) } td { (a.what) } td.muted { "#" (a.seq) } }
                        } }
                    }
                }
            }
            div.panel.wide #egress {
                h2 { "Flows" }
                table {
                    tr { th { "Flow" } th { "Recipient" } th { "Where" } th { "Exports" } th { "Records" } th { "Fields" } th { "Removed by the gate" } }
                    @for g in &r.egress {
                        tr { td { (g.flow) } td { (g.recipient) " " span class=(if g.in_eea { "tag ok" } else { "tag bad" }) { (g.jurisdiction) } }
                             td.muted { (g.endpoint) } td { (n(g.exports)) } td { (n(g.records)) }
                             td { @for f in &g.fields { span.tag { (f) } } } td { @for f in &g.removed { span.tag.warn { (f) } } } }
                    }
                }
            }
            div.panel.wide #blocked-list {
                h2 { "Exports blocked" }
                @if r.blocked.is_empty() { p.muted { "None." } }
                table { @for b in &r.blocked {
                    tr { td.muted { (b.at) } td { (b.actor) } td { (b.flow) } td.muted { (b.endpoint) " (" (b.jurisdiction) ")" } td { (b.records) " records" } td.error { (b.why) } }
                } }
            }
            div.panel.wide #changes {
                h2 { "Control changes" }
                @if r.changes.is_empty() { p.muted { "None." } }
                table { @for c in &r.changes {
                    tr { td.muted { (c.at) } td { span class=(match c.code { hangar_model::EventCode::CFP => "tag warn", hangar_model::EventCode::CFR => "tag bad", _ => "tag" }) { (c.code.as_str()) } }
                         td { (c.control) @if let Some(v) = c.version { @if v > 0 { " v" (v) } } } td { (c.actor) }
                         td { (c.reason) @for w in &c.weakening { div.error { "weakens: " (w) } } } }
                } }
            }
        }
    }
}

/// `GET /audit`.
pub async fn audit_page(
    State(app): State<Shared>,
    Extension(c): Extension<Caller>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let r = match report_for(&app, &q).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let note = report_note(&r);
    let m = page("Audit", Some(&c), audit_body(&r, &q));
    crate::json::noting(note, html_response(StatusCode::OK, m))
}
