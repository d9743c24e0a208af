//! The files a hub receives before its freighters land, read into checked domain values and
//! written back out: the spreadsheet manifest e-commerce shippers send (CSV, one row per item
//! line), the same data as JSON Lines (one parcel per line), and the flight schedule.
//!
//! Reading is all or nothing: a file with any bad row yields every error found (up to a limit),
//! each as `file:line: field: expected ...`, and no parcels. Pure: bytes in, values out.

mod csv_manifest;
mod error;
mod fields;
mod jsonl;
mod schedule;

pub use csv_manifest::{CSV_COLUMNS, parse_csv, write_csv};
pub use error::{FileErrors, RowError};
pub use jsonl::{parse_jsonl, write_jsonl};
pub use schedule::{SCHEDULE_COLUMNS, parse_schedule, write_schedule};

use hangar_model::{Flight, Parcel};
use sha2::{Digest, Sha256};

/// Largest file Hangar reads in one piece: 1 GiB.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Most rows one file may hold.
pub const MAX_ROWS: usize = 5_000_000;
/// Most item lines one parcel may hold.
pub const MAX_ITEMS_PER_PARCEL: usize = 200;
/// Errors reported per file before the rest are only counted.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// A parcel and the line of the file where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    /// The value read.
    pub value: T,
    /// 1-based line where it starts.
    pub line: u64,
}

/// What a file held, once every row passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contents {
    /// Parcels from a manifest (CSV or JSON Lines).
    Parcels(Vec<Located<Parcel>>),
    /// Flights from a schedule.
    Schedule(Vec<Located<Flight>>),
}

/// What a file held as rows with their lines: (flights, parcels), one of them empty.
pub type Rows = (Vec<(Flight, u64)>, Vec<(Parcel, u64)>);

impl Contents {
    /// The flights or parcels with the line each starts on, as the store takes them.
    pub fn into_rows(self) -> Rows {
        match self {
            Contents::Schedule(fs) => (
                fs.into_iter().map(|l| (l.value, l.line)).collect(),
                Vec::new(),
            ),
            Contents::Parcels(ps) => (
                Vec::new(),
                ps.into_iter().map(|l| (l.value, l.line)).collect(),
            ),
        }
    }
}

/// A file read whole: its name, content digest and contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedFile {
    /// File name as given.
    pub name: String,
    /// SHA-256 of the bytes: the file's identity for idempotent ingest.
    pub digest: [u8; 32],
    /// Data rows read (CSV rows or JSON lines, header excluded).
    pub rows: u64,
    /// What it held.
    pub contents: Contents,
}

impl ParsedFile {
    /// Digest as lower-case hex.
    pub fn digest_hex(&self) -> String {
        hex(&self.digest)
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The kind of file, from its extension and header.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Spreadsheet manifest.
    ManifestCsv,
    /// JSON Lines manifest.
    ManifestJsonl,
    /// Flight schedule.
    ScheduleCsv,
}

/// Decides what a file is: `.jsonl`/`.ndjson` is a JSON Lines manifest; a CSV whose header has a
/// `sta` column is a schedule; any other CSV is a manifest.
pub fn detect(name: &str, bytes: &[u8]) -> Kind {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return Kind::ManifestJsonl;
    }
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let header = String::from_utf8_lossy(first_line).to_ascii_lowercase();
    if header
        .split(',')
        .any(|c| c.trim().trim_matches('"') == "sta")
    {
        Kind::ScheduleCsv
    } else {
        Kind::ManifestCsv
    }
}

/// Reads a file's bytes as whatever `detect` says it is.
pub fn parse(name: &str, bytes: &[u8]) -> Result<ParsedFile, FileErrors> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileErrors::whole_file(
            name,
            format!(
                "expected at most {MAX_FILE_BYTES} bytes, the file has {}",
                bytes.len()
            ),
        ));
    }
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let (rows, contents) = match detect(name, bytes) {
        Kind::ManifestCsv => parse_csv(name, bytes).map(|(r, p)| (r, Contents::Parcels(p)))?,
        Kind::ManifestJsonl => parse_jsonl(name, bytes).map(|(r, p)| (r, Contents::Parcels(p)))?,
        Kind::ScheduleCsv => {
            parse_schedule(name, bytes).map(|(r, f)| (r, Contents::Schedule(f)))?
        }
    };
    Ok(ParsedFile {
        name: name.to_string(),
        digest,
        rows,
        contents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEADER: &str = "mawb,flight,flight_date,uld,box_id,parcel_id,shipper_name,shipper_address,shipper_city,shipper_postcode,shipper_country,buyer_name,buyer_address,buyer_city,buyer_postcode,buyer_country,ioss,hs_code,sku,description,quantity,value,currency,origin_country,weight_kg\n";

    proptest! {
        /// Outside input never makes a reader panic: it is read or refused with errors.
        #[test]
        fn readers_never_panic_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse("x.csv", &body);
            let _ = parse("x.jsonl", &body);
            let mut with_header = HEADER.as_bytes().to_vec();
            with_header.extend(&body);
            let _ = parse("x.csv", &with_header);
            let mut sched = b"flight,flight_date,origin,destination,aircraft,std,sta\n".to_vec();
            sched.extend(&body);
            let _ = parse("s.csv", &sched);
        }

        /// Rows made of plausible but random cells are read or refused, never half-read: a
        /// refused file reports at least one error with a line number inside the file.
        #[test]
        fn refusals_point_inside_the_file(cells in proptest::collection::vec("[A-Za-z0-9 .,-]{0,12}", 25..=25), rows in 1usize..4) {
            let row = cells.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(",");
            let text = format!("{HEADER}{}", format!("{row}\n").repeat(rows));
            if let Err(e) = parse("x.csv", text.as_bytes()) {
                prop_assert!(e.count() > 0);
                prop_assert!(e.errors.iter().all(|r| r.line >= 1 && r.line <= rows as u64 + 1));
            }
        }
    }
}
