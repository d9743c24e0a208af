//! Field rules shared by the CSV and JSON Lines readers: raw text in, checked values out, every
//! problem pushed with its field name.

use crate::error::FileErrors;
use hangar_model::{
    BagId, Country, Currency, Date, FlightKey, FlightNo, Grams, HsCode, Invalid, IossField, Item,
    Mawb, Money, Parcel, Party, Postcode, S10Id, UldId,
};

/// Longest name or address line accepted (characters).
pub const MAX_TEXT_CHARS: usize = 200;
/// Longest goods description accepted (characters).
pub const MAX_DESCRIPTION_CHARS: usize = 512;
/// Longest SKU accepted (characters).
pub const MAX_SKU_CHARS: usize = 64;
/// Most units on one line.
pub const MAX_QUANTITY: u32 = 100_000;

/// How field names are spelled in errors: `buyer_name` in CSV, `buyer.name` in JSON.
#[derive(Clone, Copy)]
pub(crate) enum Style {
    Csv,
    Json,
}

/// Field names of a party, in the order name, address, city, postcode, country.
type PartyFields = [&'static str; 5];

impl Style {
    fn party_fields(self, role: Role) -> PartyFields {
        match (self, role) {
            (Style::Csv, Role::Shipper) => [
                "shipper_name",
                "shipper_address",
                "shipper_city",
                "shipper_postcode",
                "shipper_country",
            ],
            (Style::Csv, Role::Buyer) => [
                "buyer_name",
                "buyer_address",
                "buyer_city",
                "buyer_postcode",
                "buyer_country",
            ],
            (Style::Json, Role::Shipper) => [
                "shipper.name",
                "shipper.address",
                "shipper.city",
                "shipper.postcode",
                "shipper.country",
            ],
            (Style::Json, Role::Buyer) => [
                "buyer.name",
                "buyer.address",
                "buyer.city",
                "buyer.postcode",
                "buyer.country",
            ],
        }
    }
}

#[derive(Clone, Copy)]
enum Role {
    Shipper,
    Buyer,
}

/// Raw text of one party.
pub(crate) struct RawParty<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub city: &'a str,
    pub postcode: &'a str,
    pub country: &'a str,
}

/// Raw text of the parcel-level cells.
pub(crate) struct RawHead<'a> {
    pub mawb: &'a str,
    pub flight: &'a str,
    pub flight_date: &'a str,
    pub uld: &'a str,
    pub box_id: &'a str,
    pub parcel_id: &'a str,
    pub shipper: RawParty<'a>,
    pub buyer: RawParty<'a>,
    pub ioss: &'a str,
}

/// Raw text of one item line.
pub(crate) struct RawItem<'a> {
    pub hs_code: &'a str,
    pub sku: &'a str,
    pub description: &'a str,
    pub quantity: &'a str,
    pub value: &'a str,
    pub currency: &'a str,
    pub origin_country: &'a str,
    pub weight_kg: &'a str,
}

/// Collects a row's problems under its line number. Field names are composed (with `prefix`,
/// e.g. `items[2].`) only when a problem is found, so the happy path allocates nothing for them.
pub(crate) struct Checker<'e> {
    pub errs: &'e mut FileErrors,
    pub line: u64,
    pub failed: bool,
    pub prefix: String,
}

impl<'e> Checker<'e> {
    pub(crate) fn new(errs: &'e mut FileErrors, line: u64) -> Self {
        Checker {
            errs,
            line,
            failed: false,
            prefix: String::new(),
        }
    }

    pub(crate) fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.failed = true;
        if self.prefix.is_empty() {
            self.errs.push(self.line, field, message);
        } else {
            let full = format!("{}{field}", self.prefix);
            self.errs.push(self.line, &full, message);
        }
    }

    /// Runs a parser on a cell, recording its error under `field`.
    pub(crate) fn check<T>(&mut self, field: &str, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(field, e.to_string());
                None
            }
        }
    }
}

/// Trims a free-text cell and checks it: no control characters, at most `max` characters,
/// non-empty when `required`.
pub(crate) fn text(s: &str, max: usize, required: bool) -> Result<String, Invalid> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(Invalid::new("a value (this field is required)", s));
    }
    if t.chars().any(char::is_control) {
        return Err(Invalid::new("text without control characters", s));
    }
    if t.len() > max && t.chars().count() > max {
        return Err(Invalid::new(format!("at most {max} characters"), s));
    }
    Ok(t.to_string())
}

fn quantity(s: &str) -> Result<u32, Invalid> {
    let t = s.trim();
    match t.parse::<u32>() {
        Ok(q) if (1..=MAX_QUANTITY).contains(&q) && t.bytes().all(|c| c.is_ascii_digit()) => Ok(q),
        _ => Err(Invalid::new(
            format!("a whole number of units from 1 to {MAX_QUANTITY}"),
            s,
        )),
    }
}

fn party(
    c: &mut Checker,
    names: PartyFields,
    raw: &RawParty,
    postcode_required: bool,
) -> Option<Party> {
    let name = c.check(names[0], text(raw.name, MAX_TEXT_CHARS, true));
    let address = c.check(names[1], text(raw.address, MAX_TEXT_CHARS, true));
    let city = c.check(names[2], text(raw.city, MAX_TEXT_CHARS, true));
    let country = c.check(names[4], Country::parse(raw.country));
    let postcode = match country {
        Some(country)
            if raw.postcode.trim().is_empty()
                && (!country.has_postcodes() || !postcode_required) =>
        {
            Some(None)
        }
        Some(country) => c
            .check(names[3], Postcode::parse_for(country, raw.postcode))
            .map(Some),
        None => None,
    };
    Some(Party {
        name: name?,
        address: address?,
        city: city?,
        postcode: postcode?,
        country: country?,
    })
}

/// Checks the parcel-level cells; returns a parcel with no items yet.
pub(crate) fn head(c: &mut Checker, style: Style, raw: &RawHead) -> Option<Parcel> {
    let mawb = c.check("mawb", Mawb::parse(raw.mawb));
    let number = c.check("flight", FlightNo::parse(raw.flight));
    let date = c.check("flight_date", Date::parse(raw.flight_date));
    let uld = c.check("uld", UldId::parse(raw.uld));
    let bag = c.check("box_id", BagId::parse(raw.box_id));
    let id = c.check("parcel_id", S10Id::parse(raw.parcel_id));
    let buyer_fields = style.party_fields(Role::Buyer);
    let consignor = party(c, style.party_fields(Role::Shipper), &raw.shipper, false);
    let consignee = party(c, buyer_fields, &raw.buyer, true);
    if let Some(buyer) = &consignee
        && !buyer.country.is_eu()
    {
        c.fail(
            buyer_fields[4],
            format!(
                "expected an EU member state (the hub imports into the EU), got {:?}",
                raw.buyer.country
            ),
        );
    }
    let ioss = IossField::from_cell(raw.ioss);
    Some(Parcel {
        id: id?,
        mawb: mawb?,
        flight: FlightKey {
            number: number?,
            date: date?,
        },
        uld: uld?,
        bag: bag?,
        consignor: consignor?,
        consignee: consignee?,
        ioss,
        items: Vec::new(),
    })
}

/// Checks one item line (field names get the checker's prefix in errors, `items[2].` in JSON).
pub(crate) fn item(c: &mut Checker, raw: &RawItem) -> Option<Item> {
    let hs = c.check("hs_code", HsCode::parse(raw.hs_code));
    let sku = c.check("sku", text(raw.sku, MAX_SKU_CHARS, false));
    let description = c.check(
        "description",
        text(raw.description, MAX_DESCRIPTION_CHARS, true),
    );
    let quantity = c.check("quantity", quantity(raw.quantity));
    let currency = c.check("currency", Currency::parse(raw.currency));
    let value = match currency {
        Some(cur) => c.check("value", Money::parse(raw.value, cur)),
        None => None,
    };
    let origin = c.check("origin_country", Country::parse(raw.origin_country));
    let weight = c.check("weight_kg", Grams::parse_kg(raw.weight_kg));
    Some(Item {
        hs: hs?,
        sku: sku?,
        description: description?,
        quantity: quantity?,
        value: value?,
        weight: weight?,
        origin: origin?,
    })
}

/// Adds `item` to `parcel`, enforcing one currency per parcel and the item limit.
pub(crate) fn add_item(c: &mut Checker, parcel: &mut Parcel, item: Item) {
    if let Some(first) = parcel.items.first()
        && first.value.currency != item.value.currency
    {
        c.fail(
            "currency",
            format!(
                "expected {} like the parcel's other lines (one currency per parcel), got {}",
                first.value.currency, item.value.currency
            ),
        );
        return;
    }
    if parcel.items.len() >= crate::MAX_ITEMS_PER_PARCEL {
        c.fail(
            "parcel_id",
            format!(
                "expected at most {} item lines per parcel",
                crate::MAX_ITEMS_PER_PARCEL
            ),
        );
        return;
    }
    parcel.items.push(item);
}
