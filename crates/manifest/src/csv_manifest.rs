//! The spreadsheet manifest: one CSV row per item line, parcel-level columns repeated on each of
//! a parcel's rows. Columns are matched by header name (any order, case-insensitive); extra
//! columns are ignored. See docs/manifest-format.md.

use crate::error::FileErrors;
use crate::fields::{self, Checker, RawHead, RawItem, RawParty, Style};
use crate::{Located, MAX_ROWS};
use hangar_model::{Parcel, S10Id};
use std::collections::HashMap;
use std::io::Write;

/// The manifest's columns, in the order Hangar writes them.
pub const CSV_COLUMNS: [&str; 25] = [
    "mawb",
    "flight",
    "flight_date",
    "uld",
    "box_id",
    "parcel_id",
    "shipper_name",
    "shipper_address",
    "shipper_city",
    "shipper_postcode",
    "shipper_country",
    "buyer_name",
    "buyer_address",
    "buyer_city",
    "buyer_postcode",
    "buyer_country",
    "ioss",
    "hs_code",
    "sku",
    "description",
    "quantity",
    "value",
    "currency",
    "origin_country",
    "weight_kg",
];

/// Columns that may be absent from the header (their cells read as empty).
const OPTIONAL: [&str; 3] = ["ioss", "sku", "shipper_postcode"];

/// Column index by position in `CSV_COLUMNS`.
struct Columns([Option<usize>; 25]);

impl Columns {
    fn from_header(header: &csv::ByteRecord, errs: &mut FileErrors) -> Option<Columns> {
        let mut idx = [None; 25];
        for (i, cell) in header.iter().enumerate() {
            let name = String::from_utf8_lossy(cell)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            if let Some(pos) = CSV_COLUMNS.iter().position(|c| *c == name) {
                if idx[pos].is_some() {
                    errs.push(
                        1,
                        &name,
                        "expected one column of this name (it appears twice in the header)",
                    );
                }
                idx[pos] = Some(i);
            }
        }
        let missing: Vec<&str> = CSV_COLUMNS
            .iter()
            .zip(idx)
            .filter(|(c, i)| i.is_none() && !OPTIONAL.contains(c))
            .map(|(c, _)| *c)
            .collect();
        if !missing.is_empty() {
            errs.push(
                1,
                "header",
                format!(
                    "expected columns {} (missing: {})",
                    CSV_COLUMNS.join(","),
                    missing.join(", ")
                ),
            );
            return None;
        }
        Some(Columns(idx))
    }
}

fn cell<'r>(rec: &'r csv::ByteRecord, col: Option<usize>, c: &mut Checker, name: &str) -> &'r str {
    let Some(i) = col else { return "" };
    match std::str::from_utf8(rec.get(i).unwrap_or(b"")) {
        Ok(s) => s,
        Err(_) => {
            c.fail(name, "expected UTF-8 text");
            ""
        }
    }
}

/// Reads a CSV manifest. Returns the number of data rows and the parcels (in first-seen order),
/// or every problem found.
pub fn parse_csv(name: &str, bytes: &[u8]) -> Result<(u64, Vec<Located<Parcel>>), FileErrors> {
    let mut errs = FileErrors::new(name);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(FileErrors::whole_file(
                name,
                format!("expected a CSV header row: {e}"),
            ));
        }
    };
    let Some(cols) = Columns::from_header(&header, &mut errs) else {
        return Err(errs);
    };
    let ix = cols.0;

    let mut parcels: Vec<Located<Parcel>> = Vec::new();
    let mut by_id: HashMap<S10Id, usize> = HashMap::new();
    let mut rec = csv::ByteRecord::new();
    // The previous row, to spot a parcel's further rows without parsing its columns again.
    let mut prev = csv::ByteRecord::new();
    let mut prev_parcel: Option<usize> = None;
    let mut rows = 0u64;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errs.push(line, "row", format!("expected well-formed CSV: {e}"));
                break;
            }
        }
        rows += 1;
        let line = rec.position().map_or(0, |p| p.line());
        if rows as usize > MAX_ROWS {
            errs.push(
                line,
                "row",
                format!("expected at most {MAX_ROWS} rows per file; split the manifest"),
            );
            break;
        }
        if rec.len() != header.len() {
            errs.push(
                line,
                "row",
                format!(
                    "expected {} cells like the header, got {}",
                    header.len(),
                    rec.len()
                ),
            );
            continue;
        }
        let mut c = Checker::new(&mut errs, line);
        let g = |i: usize, c: &mut Checker| cell(&rec, ix[i], c, CSV_COLUMNS[i]);
        // Fast path: a further row of the parcel on the previous row, with identical parcel
        // columns (bytes equal, so already checked): only the item needs reading.
        if let Some(pi) = prev_parcel {
            let same = ix[..HEAD_COLUMNS]
                .iter()
                .all(|col| col.is_none_or(|k| rec.get(k) == prev.get(k)));
            if same {
                let raw_item = item_cells(&rec, &ix, &mut c);
                if let Some(item) = fields::item(&mut c, &raw_item) {
                    fields::add_item(&mut c, &mut parcels[pi].value, item);
                }
                continue;
            }
        }
        prev_parcel = None;
        let raw_head = RawHead {
            mawb: g(0, &mut c),
            flight: g(1, &mut c),
            flight_date: g(2, &mut c),
            uld: g(3, &mut c),
            box_id: g(4, &mut c),
            parcel_id: g(5, &mut c),
            shipper: RawParty {
                name: g(6, &mut c),
                address: g(7, &mut c),
                city: g(8, &mut c),
                postcode: g(9, &mut c),
                country: g(10, &mut c),
            },
            buyer: RawParty {
                name: g(11, &mut c),
                address: g(12, &mut c),
                city: g(13, &mut c),
                postcode: g(14, &mut c),
                country: g(15, &mut c),
            },
            ioss: g(16, &mut c),
        };
        let raw_item = item_cells(&rec, &ix, &mut c);
        let head = fields::head(&mut c, Style::Csv, &raw_head);
        let item = fields::item(&mut c, &raw_item);
        let (Some(head), Some(item)) = (head, item) else {
            continue;
        };
        match by_id.get(&head.id) {
            None => {
                by_id.insert(head.id, parcels.len());
                let mut parcel = head;
                fields::add_item(&mut c, &mut parcel, item);
                if !c.failed {
                    prev_parcel = Some(parcels.len());
                    std::mem::swap(&mut prev, &mut rec);
                }
                parcels.push(Located {
                    value: parcel,
                    line,
                });
            }
            Some(&i) => {
                let first = &mut parcels[i];
                if let Some(field) = first_difference(&first.value, &head) {
                    c.fail(field, format!("expected the same value as line {} for parcel {} (parcel columns repeat on each of its rows)", first.line, head.id));
                    continue;
                }
                fields::add_item(&mut c, &mut first.value, item);
            }
        }
    }
    if errs.is_empty() {
        Ok((rows, parcels))
    } else {
        Err(errs)
    }
}

/// Columns 0..HEAD_COLUMNS of `CSV_COLUMNS` are parcel-level; the rest describe the item.
const HEAD_COLUMNS: usize = 17;

fn item_cells<'r>(
    rec: &'r csv::ByteRecord,
    ix: &[Option<usize>; 25],
    c: &mut Checker,
) -> RawItem<'r> {
    let mut g = |i: usize| cell(rec, ix[i], c, CSV_COLUMNS[i]);
    RawItem {
        hs_code: g(17),
        sku: g(18),
        description: g(19),
        quantity: g(20),
        value: g(21),
        currency: g(22),
        origin_country: g(23),
        weight_kg: g(24),
    }
}

/// The first parcel-level column in which two rows of one parcel disagree.
fn first_difference(a: &Parcel, b: &Parcel) -> Option<&'static str> {
    let pairs: [(&'static str, bool); 16] = [
        ("mawb", a.mawb == b.mawb),
        ("flight", a.flight.number == b.flight.number),
        ("flight_date", a.flight.date == b.flight.date),
        ("uld", a.uld == b.uld),
        ("box_id", a.bag == b.bag),
        ("shipper_name", a.consignor.name == b.consignor.name),
        (
            "shipper_address",
            a.consignor.address == b.consignor.address,
        ),
        ("shipper_city", a.consignor.city == b.consignor.city),
        (
            "shipper_postcode",
            a.consignor.postcode == b.consignor.postcode,
        ),
        (
            "shipper_country",
            a.consignor.country == b.consignor.country,
        ),
        ("buyer_name", a.consignee.name == b.consignee.name),
        ("buyer_address", a.consignee.address == b.consignee.address),
        ("buyer_city", a.consignee.city == b.consignee.city),
        (
            "buyer_postcode",
            a.consignee.postcode == b.consignee.postcode,
        ),
        ("buyer_country", a.consignee.country == b.consignee.country),
        ("ioss", a.ioss == b.ioss),
    ];
    pairs.into_iter().find(|(_, same)| !same).map(|(f, _)| f)
}

/// Writes parcels as a CSV manifest with a header row, one row per item line.
pub fn write_csv<W: Write>(out: W, parcels: &[Parcel]) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    w.write_record(CSV_COLUMNS)?;
    let date_buf = &mut String::new();
    for p in parcels {
        date_buf.clear();
        use std::fmt::Write as _;
        let _ = write!(date_buf, "{}", p.flight.date);
        for item in &p.items {
            let value = item.value.amount();
            let qty = item.quantity.to_string();
            let kg = item.weight.kg();
            w.write_record([
                p.mawb.as_str(),
                p.flight.number.as_str(),
                date_buf.as_str(),
                p.uld.as_str(),
                p.bag.as_str(),
                p.id.as_str(),
                &p.consignor.name,
                &p.consignor.address,
                &p.consignor.city,
                p.consignor.postcode.as_ref().map_or("", |x| x.as_str()),
                p.consignor.country.iso2(),
                &p.consignee.name,
                &p.consignee.address,
                &p.consignee.city,
                p.consignee.postcode.as_ref().map_or("", |x| x.as_str()),
                p.consignee.country.iso2(),
                p.ioss.as_cell(),
                item.hs.as_str(),
                &item.sku,
                &item.description,
                &qty,
                &value,
                item.value.currency.code(),
                item.origin.iso2(),
                &kg,
            ])?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "mawb,flight,flight_date,uld,box_id,parcel_id,shipper_name,shipper_address,shipper_city,shipper_postcode,shipper_country,buyer_name,buyer_address,buyer_city,buyer_postcode,buyer_country,ioss,hs_code,sku,description,quantity,value,currency,origin_country,weight_kg\n";
    const ROW1: &str = "999-12345675,CK211,2026-11-22,PMC12345CK,BAG0001,RB123456785CN,Shenzhen Best Co.,No. 8 Keji Road,Shenzhen,518000,CN,Anna Müller,Hauptstraße 5,Berlin,10115,DE,IM3720000012,610910,TSH-1,Women's cotton T-shirt,2,12.50,EUR,CN,0.300\n";
    const ROW2: &str = "999-12345675,CK211,2026-11-22,PMC12345CK,BAG0001,RB123456785CN,Shenzhen Best Co.,No. 8 Keji Road,Shenzhen,518000,CN,Anna Müller,Hauptstraße 5,Berlin,10115,DE,IM3720000012,851830,EAR-2,Wired earphones,1,4.00,EUR,CN,0.050\n";

    #[test]
    fn reads_a_two_line_parcel() {
        let text = format!("{HEADER}{ROW1}{ROW2}");
        let (rows, parcels) = parse_csv("m.csv", text.as_bytes()).unwrap();
        assert_eq!(rows, 2);
        assert_eq!(parcels.len(), 1);
        let p = &parcels[0].value;
        assert_eq!(parcels[0].line, 2);
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.value().cents, 1650);
        assert_eq!(p.weight().0, 350);
        assert_eq!(p.subheadings(), vec!["610910", "851830"]);
    }

    #[test]
    fn bad_rows_are_named_precisely() {
        let bad = ROW2
            .replace("RB123456785CN", "RB123456784CN")
            .replace(",10115,DE", ",1011,DE");
        let text = format!("{HEADER}{ROW1}{bad}");
        let errs = parse_csv("m.csv", text.as_bytes()).unwrap_err();
        let shown = errs.to_string();
        assert!(
            shown.contains("m.csv:3: parcel_id: expected an S10 id whose check digit is 5"),
            "{shown}"
        );
        assert!(
            shown.contains("m.csv:3: buyer_postcode: expected a postcode of Germany"),
            "{shown}"
        );
        assert_eq!(errs.count(), 2);
    }

    #[test]
    fn inconsistent_parcel_rows_are_refused() {
        let other_buyer = ROW2.replace("Anna Müller", "Anna Mueller");
        let text = format!("{HEADER}{ROW1}{other_buyer}");
        let errs = parse_csv("m.csv", text.as_bytes()).unwrap_err();
        assert!(
            errs.to_string()
                .contains("m.csv:3: buyer_name: expected the same value as line 2"),
            "{errs}"
        );
    }

    #[test]
    fn missing_columns_are_listed() {
        let text = "mawb,flight\n999-12345675,CK211\n";
        let errs = parse_csv("m.csv", text.as_bytes()).unwrap_err();
        assert!(
            errs.to_string().contains("missing: flight_date, uld"),
            "{errs}"
        );
    }

    #[test]
    fn short_rows_and_non_eu_buyers_are_refused() {
        let text = format!(
            "{HEADER}999-12345675,CK211\n{}",
            ROW1.replace(",10115,DE,", ",10001,US,")
        );
        let errs = parse_csv("m.csv", text.as_bytes()).unwrap_err();
        let shown = errs.to_string();
        assert!(
            shown.contains("m.csv:2: row: expected 25 cells like the header, got 2")
                || shown.contains("m.csv:2: row:"),
            "{shown}"
        );
        assert!(
            shown.contains("m.csv:3: buyer_country: expected an EU member state"),
            "{shown}"
        );
    }

    #[test]
    fn write_then_read_is_identity() {
        let text = format!("{HEADER}{ROW1}{ROW2}");
        let (_, parcels) = parse_csv("m.csv", text.as_bytes()).unwrap();
        let values: Vec<Parcel> = parcels.into_iter().map(|l| l.value).collect();
        let mut out = Vec::new();
        write_csv(&mut out, &values).unwrap();
        let (_, again) = parse_csv("m.csv", &out).unwrap();
        assert_eq!(
            again.into_iter().map(|l| l.value).collect::<Vec<_>>(),
            values
        );
    }
}
