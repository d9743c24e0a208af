//! The JSON Lines manifest: one parcel per line, parties as objects, items as an array. Amounts
//! and weights may be JSON strings (preferred, exact) or numbers. See docs/manifest-format.md.

use crate::error::FileErrors;
use crate::fields::{self, Checker, RawHead, RawItem, RawParty, Style};
use crate::{Located, MAX_ROWS};
use hangar_model::{Parcel, S10Id};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::Write;

/// A string, or a JSON number kept as its text.
#[derive(Deserialize, Serialize, Default)]
#[serde(untagged)]
enum Text {
    Str(String),
    Num(serde_json::Number),
    #[default]
    #[serde(skip_serializing)]
    Missing,
}

impl Text {
    fn as_str(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Text::Str(s) => s.as_str().into(),
            Text::Num(n) => n.to_string().into(),
            Text::Missing => "".into(),
        }
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct JsonParty {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    address: Text,
    #[serde(default)]
    city: Text,
    #[serde(default)]
    postcode: Text,
    #[serde(default)]
    country: Text,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct JsonItem {
    #[serde(default)]
    hs_code: Text,
    #[serde(default)]
    sku: Text,
    #[serde(default)]
    description: Text,
    #[serde(default)]
    quantity: Text,
    #[serde(default)]
    value: Text,
    #[serde(default)]
    currency: Text,
    #[serde(default)]
    origin_country: Text,
    #[serde(default)]
    weight_kg: Text,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct JsonParcel {
    #[serde(default)]
    parcel_id: Text,
    #[serde(default)]
    mawb: Text,
    #[serde(default)]
    flight: Text,
    #[serde(default)]
    flight_date: Text,
    #[serde(default)]
    uld: Text,
    #[serde(default)]
    box_id: Text,
    shipper: JsonParty,
    buyer: JsonParty,
    #[serde(default)]
    ioss: Text,
    items: Vec<JsonItem>,
}

/// Reads a JSON Lines manifest. Blank lines are skipped. Returns the number of parcel lines and
/// the parcels, or every problem found.
pub fn parse_jsonl(name: &str, bytes: &[u8]) -> Result<(u64, Vec<Located<Parcel>>), FileErrors> {
    let mut errs = FileErrors::new(name);
    let mut parcels = Vec::new();
    let mut seen: HashSet<S10Id> = HashSet::new();
    let mut rows = 0u64;
    for (i, raw_line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let raw_line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        if raw_line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        rows += 1;
        if rows as usize > MAX_ROWS {
            errs.push(
                line,
                "line",
                format!("expected at most {MAX_ROWS} parcels per file; split the manifest"),
            );
            break;
        }
        let jp: JsonParcel = match serde_json::from_slice(raw_line) {
            Ok(p) => p,
            Err(e) => {
                errs.push(line, "json", format!("expected a parcel object: {e}"));
                continue;
            }
        };
        let mut c = Checker::new(&mut errs, line);
        let s = |t: &Text| t.as_str().into_owned();
        let (sh, bu) = (&jp.shipper, &jp.buyer);
        let owned = [
            s(&jp.mawb),
            s(&jp.flight),
            s(&jp.flight_date),
            s(&jp.uld),
            s(&jp.box_id),
            s(&jp.parcel_id),
            s(&sh.name),
            s(&sh.address),
            s(&sh.city),
            s(&sh.postcode),
            s(&sh.country),
            s(&bu.name),
            s(&bu.address),
            s(&bu.city),
            s(&bu.postcode),
            s(&bu.country),
            s(&jp.ioss),
        ];
        let raw_head = RawHead {
            mawb: &owned[0],
            flight: &owned[1],
            flight_date: &owned[2],
            uld: &owned[3],
            box_id: &owned[4],
            parcel_id: &owned[5],
            shipper: RawParty {
                name: &owned[6],
                address: &owned[7],
                city: &owned[8],
                postcode: &owned[9],
                country: &owned[10],
            },
            buyer: RawParty {
                name: &owned[11],
                address: &owned[12],
                city: &owned[13],
                postcode: &owned[14],
                country: &owned[15],
            },
            ioss: &owned[16],
        };
        let Some(mut parcel) = fields::head(&mut c, Style::Json, &raw_head) else {
            continue;
        };
        if jp.items.is_empty() {
            c.fail("items", "expected at least one item");
        }
        for (n, it) in jp.items.iter().enumerate() {
            c.prefix = format!("items[{n}].");
            let cells = [
                it.hs_code.as_str(),
                it.sku.as_str(),
                it.description.as_str(),
                it.quantity.as_str(),
                it.value.as_str(),
                it.currency.as_str(),
                it.origin_country.as_str(),
                it.weight_kg.as_str(),
            ];
            let raw = RawItem {
                hs_code: &cells[0],
                sku: &cells[1],
                description: &cells[2],
                quantity: &cells[3],
                value: &cells[4],
                currency: &cells[5],
                origin_country: &cells[6],
                weight_kg: &cells[7],
            };
            if let Some(item) = fields::item(&mut c, &raw) {
                fields::add_item(&mut c, &mut parcel, item);
            }
        }
        c.prefix.clear();
        if !seen.insert(parcel.id) {
            c.fail(
                "parcel_id",
                format!(
                    "expected each parcel once per file; {} appears again",
                    parcel.id
                ),
            );
        }
        if !c.failed {
            parcels.push(Located {
                value: parcel,
                line,
            });
        }
    }
    if errs.is_empty() {
        Ok((rows, parcels))
    } else {
        Err(errs)
    }
}

fn t(s: &str) -> Text {
    Text::Str(s.to_string())
}

fn party(p: &hangar_model::Party) -> JsonParty {
    JsonParty {
        name: t(&p.name),
        address: t(&p.address),
        city: t(&p.city),
        postcode: t(p.postcode.as_ref().map_or("", |x| x.as_str())),
        country: t(p.country.iso2()),
    }
}

/// Writes parcels as JSON Lines, one object per parcel.
pub fn write_jsonl<W: Write>(mut out: W, parcels: &[Parcel]) -> std::io::Result<()> {
    for p in parcels {
        let jp = JsonParcel {
            parcel_id: t(p.id.as_str()),
            mawb: t(p.mawb.as_str()),
            flight: t(p.flight.number.as_str()),
            flight_date: t(&p.flight.date.to_string()),
            uld: t(p.uld.as_str()),
            box_id: t(p.bag.as_str()),
            shipper: party(&p.consignor),
            buyer: party(&p.consignee),
            ioss: t(p.ioss.as_cell()),
            items: p
                .items
                .iter()
                .map(|i| JsonItem {
                    hs_code: t(i.hs.as_str()),
                    sku: t(&i.sku),
                    description: t(&i.description),
                    quantity: Text::Num(i.quantity.into()),
                    value: t(&i.value.amount()),
                    currency: t(i.value.currency.code()),
                    origin_country: t(i.origin.iso2()),
                    weight_kg: t(&i.weight.kg()),
                })
                .collect(),
        };
        serde_json::to_writer(&mut out, &jp)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"parcel_id":"RB123456785CN","mawb":"999-12345675","flight":"CK211","flight_date":"2026-11-22","uld":"PMC12345CK","box_id":"BAG1","shipper":{"name":"Yiwu Shop","address":"1 Road","city":"Yiwu","postcode":"322000","country":"CN"},"buyer":{"name":"Jan Jansen","address":"Damrak 1","city":"Amsterdam","postcode":"1012AB","country":"NL"},"ioss":"","items":[{"hs_code":"950300","sku":"TOY","description":"Plastic toy car","quantity":1,"value":"3.99","currency":"EUR","origin_country":"CN","weight_kg":0.2}]}"#;

    #[test]
    fn reads_and_round_trips() {
        let (rows, parcels) = parse_jsonl("m.jsonl", format!("{GOOD}\n\n").as_bytes()).unwrap();
        assert_eq!(rows, 1);
        let p = &parcels[0].value;
        assert_eq!(p.consignee.postcode.unwrap().as_str(), "1012 AB");
        assert_eq!(p.weight().0, 200);
        let values = vec![p.clone()];
        let mut out = Vec::new();
        write_jsonl(&mut out, &values).unwrap();
        let (_, again) = parse_jsonl("m.jsonl", &out).unwrap();
        assert_eq!(again[0].value, values[0]);
    }

    #[test]
    fn errors_name_line_and_json_path() {
        let bad = GOOD.replace(r#""hs_code":"950300""#, r#""hs_code":"95"#);
        let bad = bad.replace(r#"95,"sku"#, r#"95","sku"#);
        let text = format!("{GOOD}\n{bad}\nnot json\n");
        let errs = parse_jsonl("m.jsonl", text.as_bytes()).unwrap_err();
        let shown = errs.to_string();
        assert!(
            shown.contains("m.jsonl:2: items[0].hs_code: expected an HS code"),
            "{shown}"
        );
        assert!(
            shown.contains("m.jsonl:2: parcel_id: expected each parcel once per file"),
            "{shown}"
        );
        assert!(
            shown.contains("m.jsonl:3: json: expected a parcel object"),
            "{shown}"
        );
    }
}
