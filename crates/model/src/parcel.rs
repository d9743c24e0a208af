//! What a hub handles: flights, parcels with their parties and items.

use crate::{
    Airport, BagId, Country, FlightKey, Grams, HsCode, IossNumber, Mawb, Money, Postcode, S10Id,
    Timestamp, UldId,
};

/// A scheduled freighter arrival.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flight {
    /// Flight number and date.
    pub key: FlightKey,
    /// Airport of loading.
    pub origin: Airport,
    /// Airport of unloading (the hub).
    pub destination: Airport,
    /// Aircraft type as published (e.g. `B748F`).
    pub aircraft: String,
    /// Scheduled time of departure, UTC.
    pub std: Timestamp,
    /// Scheduled time of arrival, UTC.
    pub sta: Timestamp,
}

/// Seller (consignor) or buyer (consignee) of a parcel. Personal data when a natural person.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Party {
    /// Name as written on the manifest.
    pub name: String,
    /// Street address line.
    pub address: String,
    /// City or town.
    pub city: String,
    /// Postcode in the country's format; absent only where the country has no postcodes.
    pub postcode: Option<Postcode>,
    /// Country of the address.
    pub country: Country,
}

/// One manifest line: a product in a parcel.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    /// Tariff code declared by the shipper.
    pub hs: HsCode,
    /// The seller's stock-keeping unit.
    pub sku: String,
    /// Goods description as declared.
    pub description: String,
    /// Number of units.
    pub quantity: u32,
    /// Declared value of the line (all units).
    pub value: Money,
    /// Gross weight of the line.
    pub weight: Grams,
    /// Country of origin of the goods.
    pub origin: Country,
}

/// The IOSS number as the manifest gave it: absent, well-formed, or malformed (kept verbatim so
/// customs can act on it; a malformed number is a customs matter, not a reason to refuse a file).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", content = "value", rename_all = "snake_case")]
pub enum IossField {
    /// No IOSS number: import VAT is due at import.
    Absent,
    /// A well-formed IOSS number.
    Valid(IossNumber),
    /// Text that is not an IOSS number.
    Malformed(String),
}

impl IossField {
    /// Classifies a manifest cell.
    pub fn from_cell(s: &str) -> IossField {
        let t = s.trim();
        if t.is_empty() {
            IossField::Absent
        } else {
            match IossNumber::parse(t) {
                Ok(n) => IossField::Valid(n),
                Err(_) => IossField::Malformed(t.chars().take(40).collect()),
            }
        }
    }

    /// The text to write back into a manifest cell.
    pub fn as_cell(&self) -> &str {
        match self {
            IossField::Absent => "",
            IossField::Valid(n) => n.as_str(),
            IossField::Malformed(s) => s,
        }
    }
}

/// A parcel as manifested: where it travels, who sent it to whom, and what is in it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Parcel {
    /// Tracking id on the label.
    pub id: S10Id,
    /// Master air waybill the parcel travels under.
    pub mawb: Mawb,
    /// Flight carrying it.
    pub flight: FlightKey,
    /// ULD it was loaded in.
    pub uld: UldId,
    /// Shipper's box or bag holding it.
    pub bag: BagId,
    /// Seller.
    pub consignor: Party,
    /// Buyer.
    pub consignee: Party,
    /// Seller's or marketplace's IOSS number.
    pub ioss: IossField,
    /// Contents, at least one line, all in one currency.
    pub items: Vec<Item>,
}

impl Parcel {
    /// Total declared (intrinsic) value. Items share one currency (checked when the parcel is built).
    pub fn value(&self) -> Money {
        let currency = self.items[0].value.currency;
        Money::new(self.items.iter().map(|i| i.value.cents).sum(), currency)
    }

    /// Gross weight: the sum of the lines.
    pub fn weight(&self) -> Grams {
        Grams(self.items.iter().map(|i| i.weight.0).sum())
    }

    /// Erases the buyer's personal data (name, address, city, postcode); the destination country
    /// stays, it routes the parcel. Returns whether anything was left to erase.
    pub fn erase_personal(&mut self) -> bool {
        let c = &mut self.consignee;
        let had = !c.name.is_empty()
            || !c.address.is_empty()
            || !c.city.is_empty()
            || c.postcode.is_some();
        c.name.clear();
        c.address.clear();
        c.city.clear();
        c.postcode = None;
        had
    }

    /// Distinct 6-digit tariff subheadings in the parcel.
    pub fn subheadings(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.items.iter().map(|i| i.hs.subheading()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}
