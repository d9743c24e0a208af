//! The auditor's report, read from the verifiable log itself (not the hub's database): every
//! record-keeping entry (reads, refusals, exports, control changes, erasures) decoded and
//! folded by `hangar_oversight::report`.

use hangar_ledger::Ledger;
use hangar_model::{Date, Event, Timestamp};
use hangar_oversight::report::{self, Report, Settings};

/// Most record-keeping entries one report reads (the rest of the log is skipped unread).
pub const MAX_RECORDS: usize = 5_000_000;

/// A period from the command line or a query: dates (`2026-12-02`, a whole day; `to` inclusive)
/// or times (`2026-12-02T06:00:00Z`).
pub fn period(
    from: Option<&str>,
    to: Option<&str>,
    today: Date,
) -> Result<(Timestamp, Timestamp), String> {
    fn point(s: &str, end: bool) -> Result<Timestamp, String> {
        let s = s.trim();
        if let Ok(d) = Date::parse(s) {
            return Ok(if end {
                d.add_days(1).midnight()
            } else {
                d.midnight()
            });
        }
        Timestamp::parse(s)
            .map_err(|e| format!("expected a date (YYYY-MM-DD) or a time (RFC 3339): {e}"))
    }
    let f = match from {
        Some(s) if !s.trim().is_empty() => point(s, false).map_err(|e| format!("from: {e}"))?,
        _ => today.midnight(),
    };
    let t = match to {
        Some(s) if !s.trim().is_empty() => point(s, true).map_err(|e| format!("to: {e}"))?,
        _ => today.add_days(1).midnight(),
    };
    if t <= f {
        return Err("to: expected a moment after from".into());
    }
    Ok((f, t))
}

/// Entries per bundle (C2SP tlog-tiles).
const BUNDLE: u64 = 256;

/// The report for `[from, to)` from the first `size` entries of a log, read a bundle at a time
/// through `bundle(index, width)` (the log's own files, or a verified copy served over HTTP).
/// Earlier entries teach the baselines.
pub fn from_bundles(
    size: u64,
    bundle: &mut dyn FnMut(u64, u16) -> Result<Vec<u8>, String>,
    from: Timestamp,
    to: Timestamp,
    settings: Settings,
) -> Result<Report, String> {
    let mut events: Vec<(u64, Event)> = Vec::new();
    let mut index = 0;
    while index * BUNDLE < size {
        let width = (size - index * BUNDLE).min(BUNDLE) as u16;
        let bytes = bundle(index, width)?;
        let mut at = 0usize;
        for k in 0..u64::from(width) {
            let i = index * BUNDLE + k;
            let len = bytes
                .get(at..at + 2)
                .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                .ok_or_else(|| format!("entry bundle {index}: ends before entry {i}"))?;
            let entry = bytes
                .get(at + 2..at + 2 + len)
                .ok_or_else(|| format!("entry bundle {index}: entry {i} is cut short"))?;
            at += 2 + len;
            let keep = hangar_ledger::entry::code_of(entry)
                .and_then(|c| hangar_model::EventCode::parse(c).ok())
                .is_some_and(|c| c.is_record_keeping());
            if !keep {
                continue;
            }
            if events.len() >= MAX_RECORDS {
                return Err(format!(
                    "more than {MAX_RECORDS} record-keeping entries: report a shorter stretch of the log"
                ));
            }
            events.push(
                hangar_ledger::entry::decode(entry).map_err(|e| format!("log entry {i}: {e}"))?,
            );
        }
        index += 1;
    }
    let mut r = report::build(events.iter().map(|(s, e)| (*s, e)), from, to, settings);
    r.entries_read = size;
    Ok(r)
}

/// The report from the server's own log, over its durable entries.
pub fn from_log(
    log: &Ledger,
    from: Timestamp,
    to: Timestamp,
    settings: Settings,
) -> Result<Report, String> {
    from_bundles(
        log.size(),
        &mut |i, w| log.entry_bundle(i, w).map_err(|e| e.to_string()),
        from,
        to,
        settings,
    )
}
