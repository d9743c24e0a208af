//! The auditor's report over a stretch of the log: what data left the hub (per destination,
//! jurisdiction and class), what the gate blocked, who read sensitive data and how much, who was
//! refused, every control change and erasure, and the alerts: bulk reads beyond a learned
//! baseline, exports to a new destination, control changes out of hours, weakening changes,
//! bursts of refused requests, blocked exports.
//!
//! It is folded from events as the log holds them, so an auditor computes it from a verified
//! log without trusting the hub's database.

use hangar_model::{Actor, DataClass, Detail, Event, EventCode, Subject, Timestamp};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// Most rows kept per list in a report (the counts stay exact).
pub const MAX_ROWS: usize = 1_000;

/// How the report decides what is unusual.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Settings {
    /// Office hours, UTC: changes outside `[start, end)` hours or on Saturday and Sunday are
    /// off-hours.
    pub office_start_hour: u32,
    /// End of office hours, UTC.
    pub office_end_hour: u32,
    /// A reader's records in a day above this many times their usual daily records is a bulk
    /// read.
    pub bulk_factor: f64,
    /// Records a day below which no read is called bulk, whatever the baseline.
    pub bulk_floor: u64,
    /// Refusals from one caller within `burst_window_ms` that make a burst.
    pub burst_count: usize,
    /// The burst window, milliseconds.
    pub burst_window_ms: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            office_start_hour: 6,
            office_end_hour: 20,
            bulk_factor: 5.0,
            bulk_floor: 200,
            burst_count: 10,
            burst_window_ms: 5 * 60_000,
        }
    }
}

/// Data that left along one flow to one destination.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Egress {
    /// The flow.
    pub flow: String,
    /// Who received it.
    pub recipient: String,
    /// Where it went.
    pub endpoint: String,
    /// The recipient's jurisdiction.
    pub jurisdiction: String,
    /// Whether that is in the EU/EEA.
    pub in_eea: bool,
    /// Exports.
    pub exports: u64,
    /// Records.
    pub records: u64,
    /// Records by class carried.
    pub by_class: BTreeMap<DataClass, u64>,
    /// Fields carried.
    pub fields: BTreeSet<String>,
    /// Fields the gate removed.
    pub removed: BTreeSet<String>,
    /// Statistics groups suppressed.
    pub suppressed: u64,
    /// Payload bytes.
    pub bytes: u64,
    /// Exports recorded as failed on the way.
    pub failed: u64,
}

/// An export the gate blocked.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Blocked {
    /// Log entry (event sequence number).
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who tried.
    pub actor: Actor,
    /// The flow asked for.
    pub flow: String,
    /// Where the data was to go.
    pub endpoint: String,
    /// Its jurisdiction.
    pub jurisdiction: String,
    /// Records.
    pub records: u64,
    /// Classes.
    pub classes: Vec<DataClass>,
    /// Why.
    pub why: String,
}

/// What one reader read.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Reads {
    /// Reads recorded.
    pub reads: u64,
    /// Records read.
    pub records: u64,
    /// Records read by class.
    pub by_class: BTreeMap<DataClass, u64>,
    /// The purposes declared, with how many reads each.
    pub purposes: BTreeMap<String, u64>,
    /// The largest single read, records.
    pub largest: u64,
}

/// Refusals of one caller.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Refusals {
    /// Requests refused (bursts summarised by the server count in full).
    pub refused: u64,
    /// Some of the requests, as recorded.
    pub queries: BTreeSet<String>,
}

/// A control change, proposal or refusal.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChangeRow {
    /// Log entry.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// `CFG` (applied), `CFP` (proposed, waiting) or `CFR` (refused).
    pub code: EventCode,
    /// The control.
    pub control: String,
    /// Who recorded it (the approver of an approved change).
    pub actor: Actor,
    /// Who proposed it.
    pub proposer: Option<Actor>,
    /// The version it makes.
    pub version: Option<u32>,
    /// Its change lines.
    pub changes: Vec<String>,
    /// Its weakening lines.
    pub weakening: Vec<String>,
    /// The reason given, or why it was refused.
    pub reason: String,
}

/// What kind of alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A reader read far more than usual.
    BulkRead,
    /// Data went to a destination it never went to before.
    NewDestination,
    /// An export was blocked.
    ExportBlocked,
    /// A change weakening a control was proposed or applied.
    WeakeningChange,
    /// A control was changed out of office hours.
    OffHoursChange,
    /// Many requests of one caller were refused in a short time.
    DeniedBurst,
}

/// Something an auditor should look at.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Alert {
    /// Kind.
    pub kind: AlertKind,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// What, in words.
    pub what: String,
    /// The log entry to look at.
    pub seq: u64,
}

/// The report.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Report {
    /// Start of the period (inclusive).
    pub from: Timestamp,
    /// End of the period (exclusive).
    pub to: Timestamp,
    /// Log entries in the period.
    pub entries: u64,
    /// Log entries read in all (the period and the history before it).
    pub entries_read: u64,
    /// Data that left, per flow and destination.
    pub egress: Vec<Egress>,
    /// Records that left, by jurisdiction and class (a record counts once for every class it
    /// carried).
    pub egress_by_jurisdiction: BTreeMap<String, BTreeMap<DataClass, u64>>,
    /// Records that left, by jurisdiction, each counted once, under the most sensitive class it
    /// carried (what the dashboard's chart shows).
    pub egress_records: BTreeMap<String, BTreeMap<DataClass, u64>>,
    /// Exports blocked.
    pub blocked: Vec<Blocked>,
    /// Reads of sensitive data, per reader.
    pub reads: BTreeMap<String, Reads>,
    /// Records of sensitive data read, by class.
    pub reads_by_class: BTreeMap<DataClass, u64>,
    /// Records read, by reader, each counted once under the most sensitive class read.
    pub read_records: BTreeMap<String, BTreeMap<DataClass, u64>>,
    /// Refused requests, per caller.
    pub refused: BTreeMap<String, Refusals>,
    /// Control changes, proposals and refusals.
    pub changes: Vec<ChangeRow>,
    /// Parcels whose data was erased, by reason.
    pub erasures: BTreeMap<String, u64>,
    /// Alerts, in time order.
    pub alerts: Vec<Alert>,
    /// How the report judged.
    pub settings: Settings,
}

fn day_of(t: Timestamp) -> i64 {
    t.unix_ms().div_euclid(86_400_000)
}

/// Whether `t` is out of office hours (UTC; Saturday and Sunday are off).
pub fn off_hours(t: Timestamp, s: &Settings) -> bool {
    let day = day_of(t);
    // 1970-01-01 was a Thursday: 0 = Thursday ... 2 = Saturday, 3 = Sunday.
    let weekday = day.rem_euclid(7);
    let hour = (t.unix_ms().rem_euclid(86_400_000) / 3_600_000) as u32;
    weekday == 2 || weekday == 3 || hour < s.office_start_hour || hour >= s.office_end_hour
}

fn median(mut v: Vec<u64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    })
}

/// Adds `records` to every class in `each` (a record counts once per class it carries) and once
/// to `top` under the most sensitive class.
fn count_classes(
    classes: &[DataClass],
    records: u64,
    each: [&mut BTreeMap<DataClass, u64>; 2],
    top: &mut BTreeMap<DataClass, u64>,
) {
    for m in each {
        for c in classes {
            *m.entry(*c).or_default() += records;
        }
    }
    if let Some(most) = classes.iter().min() {
        *top.entry(*most).or_default() += records;
    }
}

fn push_capped<T>(v: &mut Vec<T>, x: T) {
    if v.len() < MAX_ROWS {
        v.push(x);
    }
}

/// Builds the report for `[from, to)` from log entries given in order as (sequence number,
/// event). Entries before `from` teach the baseline (usual reads, known destinations); entries
/// at or after `to` are not read.
pub fn build<'a>(
    entries: impl IntoIterator<Item = (u64, &'a Event)>,
    from: Timestamp,
    to: Timestamp,
    settings: Settings,
) -> Report {
    let mut r = Report {
        from,
        to,
        settings,
        ..Default::default()
    };
    // Learned from before the period.
    let mut known: BTreeSet<(String, String)> = BTreeSet::new();
    let mut past_daily: HashMap<String, BTreeMap<i64, u64>> = HashMap::new();
    // Within the period.
    let mut daily: BTreeMap<(String, i64), (u64, u64, Timestamp)> = BTreeMap::new();
    let mut egress: BTreeMap<(String, String, String), Egress> = BTreeMap::new();
    let mut digests: HashMap<String, (String, String, String)> = HashMap::new();
    let mut recent_denials: HashMap<String, VecDeque<i64>> = HashMap::new();
    let mut bursting: HashMap<String, i64> = HashMap::new();
    for (seq, e) in entries {
        if e.at >= to {
            continue;
        }
        r.entries_read += 1;
        let before = e.at < from;
        if !before {
            r.entries += 1;
        }
        let actor = e.actor.to_string();
        match &e.detail {
            Detail::Accessed {
                classes,
                records,
                purpose,
                ..
            } if e.code == EventCode::ACC && !classes.is_empty() => {
                if before {
                    *past_daily
                        .entry(actor)
                        .or_default()
                        .entry(day_of(e.at))
                        .or_default() += records;
                    continue;
                }
                let row = r.reads.entry(actor.clone()).or_default();
                row.reads += 1;
                row.records += records;
                row.largest = row.largest.max(*records);
                count_classes(
                    classes,
                    *records,
                    [&mut row.by_class, &mut r.reads_by_class],
                    r.read_records.entry(actor.clone()).or_default(),
                );
                if row.purposes.len() < MAX_ROWS || row.purposes.contains_key(purpose) {
                    *row.purposes.entry(purpose.clone()).or_default() += 1;
                }
                let d = daily.entry((actor, day_of(e.at))).or_insert((0, seq, e.at));
                d.0 += records;
                d.1 = seq;
                d.2 = e.at;
            }
            Detail::Exported {
                flow,
                recipient,
                endpoint,
                jurisdiction,
                records,
                fields,
                classes,
                removed,
                suppressed,
                digest,
                bytes,
            } => {
                let dest = (recipient.clone(), endpoint.clone());
                let new = known.insert(dest);
                if before {
                    continue;
                }
                if new {
                    push_capped(
                        &mut r.alerts,
                        Alert {
                            kind: AlertKind::NewDestination,
                            at: e.at,
                            actor: actor.clone(),
                            what: format!(
                                "first export to {recipient} at {endpoint} ({jurisdiction}{}) on flow {flow}: {records} records, {}",
                                if crate::flows::in_eea(jurisdiction) {
                                    ""
                                } else {
                                    ", outside the EU/EEA"
                                },
                                classes
                                    .iter()
                                    .map(|c| c.as_str())
                                    .collect::<Vec<_>>()
                                    .join("+")
                            ),
                            seq,
                        },
                    );
                }
                let key = (flow.clone(), recipient.clone(), endpoint.clone());
                digests.insert(digest.clone(), key.clone());
                let g = egress.entry(key).or_insert_with(|| Egress {
                    flow: flow.clone(),
                    recipient: recipient.clone(),
                    endpoint: endpoint.clone(),
                    jurisdiction: jurisdiction.clone(),
                    in_eea: crate::flows::in_eea(jurisdiction),
                    ..Default::default()
                });
                g.exports += 1;
                g.records += records;
                g.bytes += bytes;
                g.suppressed += suppressed;
                g.fields.extend(fields.iter().cloned());
                g.removed.extend(removed.iter().cloned());
                let by_j = r
                    .egress_by_jurisdiction
                    .entry(jurisdiction.clone())
                    .or_default();
                count_classes(
                    classes,
                    *records,
                    [&mut g.by_class, by_j],
                    r.egress_records.entry(jurisdiction.clone()).or_default(),
                );
            }
            Detail::ExportFailed { digest, .. } if !before => {
                if let Some(g) = digests.get(digest).and_then(|k| egress.get_mut(k)) {
                    g.failed += 1;
                }
            }
            Detail::ExportBlocked {
                flow,
                endpoint,
                jurisdiction,
                records,
                classes,
                why,
                ..
            } if !before => {
                push_capped(
                    &mut r.alerts,
                    Alert {
                        kind: AlertKind::ExportBlocked,
                        at: e.at,
                        actor: actor.clone(),
                        what: format!("blocked {records} records on {flow:?} to {endpoint}: {why}"),
                        seq,
                    },
                );
                push_capped(
                    &mut r.blocked,
                    Blocked {
                        seq,
                        at: e.at,
                        actor: e.actor,
                        flow: flow.clone(),
                        endpoint: endpoint.clone(),
                        jurisdiction: jurisdiction.clone(),
                        records: *records,
                        classes: classes.clone(),
                        why: why.clone(),
                    },
                );
            }
            Detail::Denied {
                query, more, peer, ..
            } if !before => {
                let who = if e.actor.as_str() == "anonymous" && !peer.is_empty() {
                    format!("anonymous@{peer}")
                } else {
                    actor.clone()
                };
                let row = r.refused.entry(who.clone()).or_default();
                row.refused += 1 + more;
                if row.queries.len() < 20 {
                    row.queries.insert(query.clone());
                }
                let q = recent_denials.entry(who.clone()).or_default();
                for _ in 0..(1 + more).min(r.settings.burst_count as u64) {
                    q.push_back(e.at.unix_ms());
                }
                while q
                    .front()
                    .is_some_and(|&t| t < e.at.unix_ms() - r.settings.burst_window_ms)
                {
                    q.pop_front();
                }
                while q.len() > r.settings.burst_count {
                    q.pop_front();
                }
                let last = bursting.get(&who).copied();
                if q.len() >= r.settings.burst_count
                    && last.is_none_or(|l| e.at.unix_ms() - l > r.settings.burst_window_ms)
                {
                    bursting.insert(who.clone(), e.at.unix_ms());
                    push_capped(
                        &mut r.alerts,
                        Alert {
                            kind: AlertKind::DeniedBurst,
                            at: e.at,
                            actor: who,
                            what: format!(
                                "{} or more requests refused within {} minutes (last: {query})",
                                r.settings.burst_count,
                                r.settings.burst_window_ms / 60_000
                            ),
                            seq,
                        },
                    );
                }
            }
            Detail::Erased { reason, .. } if !before => {
                *r.erasures.entry(reason.clone()).or_default() += 1;
            }
            Detail::ControlChange {
                version,
                changes,
                weakening,
                reason,
                proposer,
                ..
            } if !before => {
                let control = match e.subject {
                    Subject::Control(c) => c.as_str().to_string(),
                    other => other.key(),
                };
                let row = ChangeRow {
                    seq,
                    at: e.at,
                    code: e.code,
                    control: control.clone(),
                    actor: e.actor,
                    proposer: Some(*proposer),
                    // Users have no numbered document.
                    version: (*version > 0).then_some(*version),
                    changes: changes.clone(),
                    weakening: weakening.clone(),
                    reason: reason.clone(),
                };
                change_alerts(&mut r, &row);
                push_capped(&mut r.changes, row);
            }
            Detail::PlanChanged { name, changes } if !before && e.code == EventCode::CFG => {
                let row = ChangeRow {
                    seq,
                    at: e.at,
                    code: e.code,
                    control: "route-plan".into(),
                    actor: e.actor,
                    proposer: None,
                    version: None,
                    changes: changes.clone(),
                    weakening: Vec::new(),
                    reason: format!("sort host loaded plan {name}"),
                };
                change_alerts(&mut r, &row);
                push_capped(&mut r.changes, row);
            }
            Detail::ChangeRefused { why, .. } if !before => {
                let control = match e.subject {
                    Subject::Control(c) => c.as_str().to_string(),
                    other => other.key(),
                };
                push_capped(
                    &mut r.changes,
                    ChangeRow {
                        seq,
                        at: e.at,
                        code: e.code,
                        control,
                        actor: e.actor,
                        proposer: None,
                        version: None,
                        changes: Vec::new(),
                        weakening: Vec::new(),
                        reason: why.clone(),
                    },
                );
            }
            _ => {}
        }
    }
    // Bulk reads: a reader's records in a day against their usual day before the period (or,
    // for a reader with no history, everyone's usual day).
    let everyone = median(
        past_daily
            .values()
            .flat_map(|d| d.values().copied())
            .collect(),
    );
    for ((reader, _day), (records, seq, at)) in &daily {
        let usual = past_daily
            .get(reader)
            .filter(|d| d.len() >= 3)
            .and_then(|d| median(d.values().copied().collect()))
            .or(everyone);
        let limit = usual
            .map(|u| (u * r.settings.bulk_factor).max(r.settings.bulk_floor as f64))
            .unwrap_or(r.settings.bulk_floor as f64);
        if *records as f64 > limit {
            push_capped(
                &mut r.alerts,
                Alert {
                    kind: AlertKind::BulkRead,
                    at: *at,
                    actor: reader.clone(),
                    what: format!(
                        "read {records} sensitive records in a day; usual is {} (alert above {limit:.0})",
                        usual
                            .map(|u| format!("{u:.0}"))
                            .unwrap_or_else(|| "not known yet".into())
                    ),
                    seq: *seq,
                },
            );
        }
    }
    r.egress = egress.into_values().collect();
    r.alerts.sort_by_key(|a| (a.at, a.seq));
    r
}

fn change_alerts(r: &mut Report, row: &ChangeRow) {
    if !row.weakening.is_empty() {
        let what = match row.code {
            EventCode::CFP => format!(
                "{} change proposed that weakens a control, waiting for approval: {}",
                row.control,
                row.weakening.join("; ")
            ),
            _ => format!(
                "{} changed in a way that weakens a control (approved by {}): {}",
                row.control,
                row.actor,
                row.weakening.join("; ")
            ),
        };
        push_capped(
            &mut r.alerts,
            Alert {
                kind: AlertKind::WeakeningChange,
                at: row.at,
                actor: row.actor.to_string(),
                what,
                seq: row.seq,
            },
        );
    }
    if row.actor.as_str().starts_with("user:") && off_hours(row.at, &r.settings) {
        push_capped(
            &mut r.alerts,
            Alert {
                kind: AlertKind::OffHoursChange,
                at: row.at,
                actor: row.actor.to_string(),
                what: format!(
                    "{} {} at {} UTC, outside office hours ({:02}:00-{:02}:00 UTC, Monday to Friday)",
                    row.control,
                    match row.code {
                        EventCode::CFP => "change proposed",
                        _ => "changed",
                    },
                    row.at,
                    r.settings.office_start_hour,
                    r.settings.office_end_hour
                ),
                seq: row.seq,
            },
        );
    }
}

impl Report {
    /// Alerts counted by kind.
    pub fn alert_counts(&self) -> BTreeMap<AlertKind, u64> {
        let mut m = BTreeMap::new();
        for a in &self.alerts {
            *m.entry(a.kind).or_default() += 1;
        }
        m
    }

    /// The report as text for a terminal or a file.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let cls = |m: &BTreeMap<DataClass, u64>| {
            m.iter()
                .map(|(c, n)| format!("{} {n}", c.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            o,
            "Audit report {} to {} ({} log entries in the period)",
            self.from, self.to, self.entries
        );
        let _ = writeln!(o, "\n1. Data that left the hub");
        if self.egress.is_empty() {
            let _ = writeln!(o, "   none");
        }
        for g in &self.egress {
            let _ = writeln!(
                o,
                "   {:<24} {} ({}{}) {}\n      {} exports, {} records [{}], fields: {}{}{}{}",
                g.flow,
                g.recipient,
                g.jurisdiction,
                if g.in_eea { "" } else { ", outside EU/EEA" },
                g.endpoint,
                g.exports,
                g.records,
                cls(&g.by_class),
                g.fields.iter().cloned().collect::<Vec<_>>().join(" "),
                if g.removed.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; removed by the gate: {}",
                        g.removed.iter().cloned().collect::<Vec<_>>().join(" ")
                    )
                },
                if g.suppressed > 0 {
                    format!("; {} small groups suppressed", g.suppressed)
                } else {
                    String::new()
                },
                if g.failed > 0 {
                    format!("; {} failed on the way", g.failed)
                } else {
                    String::new()
                }
            );
        }
        if !self.egress_by_jurisdiction.is_empty() {
            let _ = writeln!(o, "   by jurisdiction:");
            for (j, m) in &self.egress_by_jurisdiction {
                let _ = writeln!(
                    o,
                    "      {j}{}: {}",
                    if crate::flows::in_eea(j) {
                        ""
                    } else {
                        " (outside EU/EEA)"
                    },
                    cls(m)
                );
            }
        }
        let _ = writeln!(o, "\n2. Exports the gate blocked: {}", self.blocked.len());
        for b in &self.blocked {
            let _ = writeln!(
                o,
                "   #{} {} by {}: {} records on {:?} to {} ({}): {}",
                b.seq, b.at, b.actor, b.records, b.flow, b.endpoint, b.jurisdiction, b.why
            );
        }
        let _ = writeln!(
            o,
            "\n3. Reads of sensitive data: {}",
            if self.reads_by_class.is_empty() {
                "none".to_string()
            } else {
                cls(&self.reads_by_class)
            }
        );
        for (who, x) in &self.reads {
            let purposes: Vec<String> = x
                .purposes
                .iter()
                .map(|(p, n)| format!("{p:?} x{n}"))
                .collect();
            let _ = writeln!(
                o,
                "   {who:<24} {} reads, {} records [{}], largest {}; purposes: {}",
                x.reads,
                x.records,
                cls(&x.by_class),
                x.largest,
                purposes.join(", ")
            );
        }
        let total: u64 = self.refused.values().map(|x| x.refused).sum();
        let _ = writeln!(o, "\n4. Requests refused: {total}");
        for (who, x) in &self.refused {
            let _ = writeln!(
                o,
                "   {who:<24} {} (e.g. {})",
                x.refused,
                x.queries
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        let _ = writeln!(o, "\n5. Control changes: {}", self.changes.len());
        for c in &self.changes {
            let _ = writeln!(
                o,
                "   #{} {} {} {}{} by {}{}: {}",
                c.seq,
                c.at,
                c.code.as_str(),
                c.control,
                c.version.map(|v| format!(" v{v}")).unwrap_or_default(),
                c.actor,
                c.proposer
                    .filter(|p| *p != c.actor)
                    .map(|p| format!(" (proposed by {p})"))
                    .unwrap_or_default(),
                c.reason
            );
            for l in c.changes.iter().take(10) {
                let _ = writeln!(o, "        {l}");
            }
            if c.changes.len() > 10 {
                let _ = writeln!(o, "        ... {} more", c.changes.len() - 10);
            }
            for w in &c.weakening {
                let _ = writeln!(o, "        WEAKENS: {w}");
            }
        }
        let _ = writeln!(
            o,
            "\n6. Erasures: {}",
            if self.erasures.is_empty() {
                "none".to_string()
            } else {
                self.erasures
                    .iter()
                    .map(|(k, v)| format!("{v} parcels ({k})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        let _ = writeln!(o, "\n7. Alerts: {}", self.alerts.len());
        for a in &self.alerts {
            let _ = writeln!(
                o,
                "   [{}] {} {} (entry #{}): {}",
                serde_json::to_value(a.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                a.at,
                a.actor,
                a.seq,
                a.what
            );
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hangar_model::{Control, Location};

    fn ev(at: &str, actor: &str, code: EventCode, subject: Subject, detail: Detail) -> Event {
        Event {
            subject,
            code,
            at: Timestamp::parse(at).unwrap(),
            actor: Actor::parse(actor).unwrap(),
            location: Location::parse("LGG").unwrap(),
            detail,
        }
    }

    fn read(at: &str, who: &str, records: u64) -> Event {
        ev(
            at,
            who,
            EventCode::ACC,
            Subject::Hub,
            Detail::Accessed {
                what: "parcels".into(),
                purpose: "review".into(),
                classes: vec![DataClass::Personal],
                records,
                query: "GET /api/parcels".into(),
            },
        )
    }

    fn export(at: &str, endpoint: &str) -> Event {
        ev(
            at,
            "system:egress",
            EventCode::EXP,
            Subject::Hub,
            Detail::Exported {
                flow: "carrier-DE-1".into(),
                recipient: "DHL Paket".into(),
                endpoint: endpoint.into(),
                jurisdiction: "DE".into(),
                records: 10,
                fields: vec!["parcel.id".into(), "consignee.name".into()],
                classes: vec![DataClass::Personal, DataClass::Operational],
                removed: vec![],
                suppressed: 0,
                digest: format!("d-{at}"),
                bytes: 100,
            },
        )
    }

    #[test]
    fn bulk_reads_are_judged_against_the_readers_usual_day() {
        let mut es = Vec::new();
        for d in 1..=5 {
            es.push(read(&format!("2026-11-0{d}T10:00:00Z"), "user:ann", 40));
        }
        es.push(read("2026-11-10T10:00:00Z", "user:ann", 150));
        es.push(read("2026-11-10T11:00:00Z", "user:ann", 150));
        es.push(read("2026-11-10T12:00:00Z", "user:bob", 30));
        let from = Timestamp::parse("2026-11-10T00:00:00Z").unwrap();
        let to = Timestamp::parse("2026-11-11T00:00:00Z").unwrap();
        let r = build(
            es.iter().enumerate().map(|(i, e)| (i as u64 + 1, e)),
            from,
            to,
            Settings::default(),
        );
        assert_eq!(r.reads["user:ann"].records, 300);
        let bulk: Vec<&Alert> = r
            .alerts
            .iter()
            .filter(|a| a.kind == AlertKind::BulkRead)
            .collect();
        assert_eq!(bulk.len(), 1, "{:?}", r.alerts);
        assert_eq!(bulk[0].actor, "user:ann");
    }

    #[test]
    fn a_destination_is_new_once() {
        let es = [
            export("2026-11-09T10:00:00Z", "http://a/"),
            export("2026-11-10T10:00:00Z", "http://a/"),
            export("2026-11-10T11:00:00Z", "http://b/"),
            export("2026-11-10T12:00:00Z", "http://b/"),
        ];
        let from = Timestamp::parse("2026-11-10T00:00:00Z").unwrap();
        let to = Timestamp::parse("2026-11-11T00:00:00Z").unwrap();
        let r = build(
            es.iter().enumerate().map(|(i, e)| (i as u64 + 1, e)),
            from,
            to,
            Settings::default(),
        );
        let new: Vec<&Alert> = r
            .alerts
            .iter()
            .filter(|a| a.kind == AlertKind::NewDestination)
            .collect();
        assert_eq!(new.len(), 1);
        assert!(new[0].what.contains("http://b/"));
        assert_eq!(r.egress.iter().map(|g| g.records).sum::<u64>(), 30);
        assert_eq!(r.egress_by_jurisdiction["DE"][&DataClass::Personal], 30);
    }

    #[test]
    fn weakening_and_off_hours_changes_and_denial_bursts_alert() {
        let change = ev(
            "2026-11-14T23:30:00Z", // a Saturday night
            "user:eve",
            EventCode::CFP,
            Subject::Control(Control::RiskThresholds),
            Detail::ControlChange {
                version: 2,
                digest: "x".into(),
                before: "y".into(),
                changes: vec!["undervalued.k: 2.5 -> 9.0".into()],
                weakening: vec!["raises the undervaluation threshold".into()],
                reason: "fewer holds".into(),
                proposer: Actor::parse("user:eve").unwrap(),
                proposal: None,
                document: String::new(),
            },
        );
        let mut es = vec![change];
        for i in 0..12 {
            es.push(ev(
                &format!("2026-11-14T23:40:{i:02}Z"),
                "user:mallory",
                EventCode::DNY,
                Subject::Hub,
                Detail::Denied {
                    query: "GET /api/users".into(),
                    classes: vec![],
                    why: "role".into(),
                    peer: String::new(),
                    more: 0,
                },
            ));
        }
        es.sort_by_key(|e| e.at);
        let from = Timestamp::parse("2026-11-14T00:00:00Z").unwrap();
        let to = Timestamp::parse("2026-11-15T00:00:00Z").unwrap();
        let r = build(
            es.iter().enumerate().map(|(i, e)| (i as u64 + 1, e)),
            from,
            to,
            Settings::default(),
        );
        let kinds = r.alert_counts();
        assert_eq!(kinds.get(&AlertKind::WeakeningChange), Some(&1));
        assert_eq!(kinds.get(&AlertKind::OffHoursChange), Some(&1));
        assert_eq!(
            kinds.get(&AlertKind::DeniedBurst),
            Some(&1),
            "{:?}",
            r.alerts
        );
        assert_eq!(r.refused["user:mallory"].refused, 12);
        assert!(r.text().contains("WEAKENS"));
    }
}
