//! The flight schedule: one CSV row per arriving freighter. See docs/manifest-format.md.

use crate::error::FileErrors;
use crate::fields::{Checker, text};
use crate::{Located, MAX_ROWS};
use hangar_model::{Airport, Date, Flight, FlightKey, FlightNo, Timestamp};
use std::collections::HashSet;
use std::io::Write;

/// The schedule's columns, in order.
pub const SCHEDULE_COLUMNS: [&str; 7] = [
    "flight",
    "flight_date",
    "origin",
    "destination",
    "aircraft",
    "std",
    "sta",
];

/// Reads a schedule CSV (header required, columns in the order of `SCHEDULE_COLUMNS`).
pub fn parse_schedule(name: &str, bytes: &[u8]) -> Result<(u64, Vec<Located<Flight>>), FileErrors> {
    let mut errs = FileErrors::new(name);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    match rdr.headers() {
        Ok(h)
            if h.iter()
                .map(|c| c.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
                .eq(SCHEDULE_COLUMNS) => {}
        Ok(_) => {
            return Err(FileErrors::whole_file(
                name,
                format!("expected the header {}", SCHEDULE_COLUMNS.join(",")),
            ));
        }
        Err(e) => {
            return Err(FileErrors::whole_file(
                name,
                format!("expected a CSV header row: {e}"),
            ));
        }
    }
    let mut flights = Vec::new();
    let mut seen = HashSet::new();
    let mut rows = 0u64;
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errs.push(
                    e.position().map_or(0, |p| p.line()),
                    "row",
                    format!("expected well-formed UTF-8 CSV: {e}"),
                );
                break;
            }
        };
        rows += 1;
        let line = rec.position().map_or(0, |p| p.line());
        if rows as usize > MAX_ROWS {
            errs.push(line, "row", format!("expected at most {MAX_ROWS} rows"));
            break;
        }
        if rec.len() != SCHEDULE_COLUMNS.len() {
            errs.push(
                line,
                "row",
                format!(
                    "expected {} cells, got {}",
                    SCHEDULE_COLUMNS.len(),
                    rec.len()
                ),
            );
            continue;
        }
        let mut c = Checker::new(&mut errs, line);
        let number = c.check("flight", FlightNo::parse(&rec[0]));
        let date = c.check("flight_date", Date::parse(&rec[1]));
        let origin = c.check("origin", Airport::parse(&rec[2]));
        let destination = c.check("destination", Airport::parse(&rec[3]));
        let aircraft = c.check("aircraft", text(&rec[4], 16, true));
        let std = c.check("std", Timestamp::parse(&rec[5]));
        let sta = c.check("sta", Timestamp::parse(&rec[6]));
        if let (Some(d), Some(a)) = (std, sta)
            && a <= d
        {
            c.fail("sta", format!("expected a time after std {d}"));
        }
        let (
            Some(number),
            Some(date),
            Some(origin),
            Some(destination),
            Some(aircraft),
            Some(std),
            Some(sta),
        ) = (number, date, origin, destination, aircraft, std, sta)
        else {
            continue;
        };
        let key = FlightKey { number, date };
        if !seen.insert(key) {
            c.fail(
                "flight",
                format!("expected each flight once; {key} appears again"),
            );
            continue;
        }
        if !c.failed {
            flights.push(Located {
                value: Flight {
                    key,
                    origin,
                    destination,
                    aircraft,
                    std,
                    sta,
                },
                line,
            });
        }
    }
    if errs.is_empty() {
        Ok((rows, flights))
    } else {
        Err(errs)
    }
}

/// Writes a schedule CSV.
pub fn write_schedule<W: Write>(out: W, flights: &[Flight]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(SCHEDULE_COLUMNS)?;
    for f in flights {
        w.write_record([
            f.key.number.to_string(),
            f.key.date.to_string(),
            f.origin.to_string(),
            f.destination.to_string(),
            f.aircraft.clone(),
            f.std.to_string(),
            f.sta.to_string(),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_round_trip_and_errors() {
        let text = "flight,flight_date,origin,destination,aircraft,std,sta\nCK211,2026-11-22,PVG,LGG,B748F,2026-11-21T18:00:00Z,2026-11-22T06:30:00Z\n";
        let (rows, flights) = parse_schedule("s.csv", text.as_bytes()).unwrap();
        assert_eq!(rows, 1);
        let mut out = Vec::new();
        write_schedule(&mut out, &[flights[0].value.clone()]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), text);
        let bad = text.replace("2026-11-22T06:30:00Z", "2026-11-21T06:30:00Z");
        let errs = parse_schedule("s.csv", bad.as_bytes()).unwrap_err();
        assert!(
            errs.to_string()
                .starts_with("s.csv:2: sta: expected a time after std"),
            "{errs}"
        );
        assert_eq!(
            crate::detect("s.csv", text.as_bytes()),
            crate::Kind::ScheduleCsv
        );
    }
}
