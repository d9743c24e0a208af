//! Generates a realistic, deterministic hub day: freighters from Chinese hubs to LGG spread over
//! the day, master air waybills, ULDs and bags per flight, a long tail of sellers (a few very
//! big), EU-27 consignees weighted by population with real postcode formats, plausible goods,
//! values and weights, and a labelled minority of anomalies so later detection can be scored.
//!
//! The same `DayConfig` gives the same day, byte for byte, on every machine: randomness comes
//! only from the seeded generator in `rng`.

pub mod catalog;
pub mod geo;
mod names;
pub use hangar_model::rng;
mod write;

pub use write::{Written, write_day};

use catalog::{MISDECLARED, PRODUCTS, Product, RESTRICTED, SANCTIONED_LIKE};
use hangar_model::rng::{Rng, Weighted};
use hangar_model::{
    Airport, BagId, Country, Currency, Date, Flight, FlightKey, FlightNo, Grams, HsCode, IossField,
    IossNumber, Item, Mawb, Money, Parcel, Party, Postcode, S10Id, UldId,
};

/// What day to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayConfig {
    /// Arrival day at the hub (UTC).
    pub date: Date,
    /// Parcels in the day.
    pub parcels: u32,
    /// Freighters in the day.
    pub flights: u32,
    /// Seed: same seed, same day.
    pub seed: u64,
}

/// Most parcels one generated day may hold.
pub const MAX_PARCELS: u32 = 5_000_000;
/// Most flights one generated day may hold.
pub const MAX_FLIGHTS: u32 = 200;

/// A labelled irregularity, the ground truth for scoring detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anomaly {
    /// Declared value far below what the goods sell for.
    Undervalued,
    /// Intrinsic value above EUR 150: an H7 is not allowed.
    OverThreshold,
    /// IOSS-registered seller, but no IOSS number on the manifest.
    MissingIoss,
    /// Text in the IOSS column that is not an IOSS number.
    MalformedIoss,
    /// One order split into parcels under EUR 150 whose sum is above it.
    SplitOrder,
    /// Prohibited or restricted goods.
    RestrictedGoods,
    /// Description that does not match the declared HS code.
    Misdeclared,
    /// Consignor named like an entity on a sanctions list.
    SanctionedParty,
}

impl Anomaly {
    /// Snake-case name, as in labels.csv.
    pub fn as_str(self) -> &'static str {
        match self {
            Anomaly::Undervalued => "undervalued",
            Anomaly::OverThreshold => "over_threshold",
            Anomaly::MissingIoss => "missing_ioss",
            Anomaly::MalformedIoss => "malformed_ioss",
            Anomaly::SplitOrder => "split_order",
            Anomaly::RestrictedGoods => "restricted_goods",
            Anomaly::Misdeclared => "misdeclared",
            Anomaly::SanctionedParty => "sanctioned_party",
        }
    }
}

/// Share of parcels carrying each anomaly (split orders count every parcel of the group).
const ANOMALY_RATES: [(Anomaly, f64); 8] = [
    (Anomaly::Undervalued, 0.010),
    (Anomaly::OverThreshold, 0.003),
    (Anomaly::MissingIoss, 0.005),
    (Anomaly::MalformedIoss, 0.003),
    (Anomaly::SplitOrder, 0.004),
    (Anomaly::RestrictedGoods, 0.002),
    (Anomaly::Misdeclared, 0.003),
    (Anomaly::SanctionedParty, 0.0005),
];

/// One labelled parcel.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Label {
    /// The parcel.
    pub parcel: S10Id,
    /// What is wrong with it.
    pub anomaly: Anomaly,
    /// Particulars (the split group, the listed entity, ...).
    pub note: String,
}

/// A generated day.
#[derive(Clone, Debug)]
pub struct Day {
    /// What was asked for.
    pub config: DayConfig,
    /// Flights in arrival order.
    pub flights: Vec<Flight>,
    /// Parcels, grouped by flight then MAWB then bag.
    pub parcels: Vec<Parcel>,
    /// Ground truth of the anomalies.
    pub labels: Vec<Label>,
    /// IOSS numbers of the marketplaces the day's sellers sell through (intermediaries; what
    /// the hub's IOSS register holds).
    pub marketplaces: Vec<IossNumber>,
}

/// The hub every generated flight lands at.
pub const HUB: &str = "LGG";

/// Freighter routes into LGG: airline designator, MAWB prefix, origin, aircraft, block minutes.
/// Airline/airport pairings are illustrative, not a real timetable.
const ROUTES: [(&str, u16, &str, &str, i64); 6] = [
    ("CK", 112, "CGO", "B77F", 690),
    ("CA", 999, "HGH", "B748F", 735),
    ("HU", 880, "SZX", "B748F", 780),
    ("MU", 781, "PVG", "B77F", 745),
    ("CZ", 784, "CAN", "B77F", 790),
    ("CX", 160, "HKG", "B748F", 800),
];

/// Euro to manifest currency, as (numerator, denominator) of an exact integer ratio.
fn from_eur_cents(eur_cents: u64, currency: Currency) -> i64 {
    let (num, den) = match currency {
        Currency::EUR => (1, 1),
        Currency::USD => (108, 100),
        Currency::CNY => (780, 100),
        Currency::HKD => (845, 100),
        Currency::GBP => (85, 100),
    };
    (eur_cents * num / den).max(1) as i64
}

struct Seller {
    party: Party,
    ioss: Option<IossNumber>,
    currency: Currency,
    products: Vec<usize>,
}

/// A postcode for `country` that starts with `prefix`, the rest drawn at random.
fn postcode(rng: &mut Rng, country: Country, prefix: &str) -> Option<Postcode> {
    let pattern = country.postcode_pattern()?;
    let pre = prefix.as_bytes();
    let mut out = String::with_capacity(pattern.len());
    for (i, k) in pattern.bytes().enumerate() {
        let c = if i < pre.len() {
            pre[i]
        } else {
            match k {
                b'N' => b'0' + rng.below(10) as u8,
                b'A' => b'A' + rng.below(26) as u8,
                b'X' => b"ACDEFHKNPRTVWXY0123456789"[rng.below(25) as usize],
                lit => lit,
            }
        };
        out.push(c as char);
    }
    Some(
        Postcode::parse_for(country, &out)
            .unwrap_or_else(|e| panic!("generated postcode {out} for {country}: {e}")),
    )
}

struct Generator {
    rng: Rng,
    sellers: Vec<Seller>,
    seller_weights: Weighted,
    country_weights: Weighted,
    eu: Vec<Country>,
    city_weights: Vec<Weighted>,
    labels: Vec<Label>,
    next_serial: u32,
    split_groups: u32,
}

impl Generator {
    fn new(cfg: DayConfig, stream: &str) -> (Self, Vec<IossNumber>) {
        let mut rng = Rng::fork(cfg.seed, "sellers");
        let marketplaces: Vec<IossNumber> = [372u16, 528, 442, 56, 276, 250]
            .iter()
            .map(|state| {
                IossNumber::parse(&format!("IM{state:03}{:07}", rng.below(10_000_000)))
                    .expect("valid IOSS")
            })
            .collect();
        let product_weights = Weighted::new(PRODUCTS.iter().map(|p| u64::from(p.popularity)));
        let n_sellers = (cfg.parcels / 40).clamp(20, 20_000) as usize;
        let sellers: Vec<Seller> = (0..n_sellers)
            .map(|_| {
                let party = names::seller(&mut rng);
                let ioss = rng.chance(0.85).then(|| *rng.pick(&marketplaces));
                let currency = match rng.below(20) {
                    0..=10 => Currency::EUR,
                    11..=17 => Currency::USD,
                    _ => Currency::CNY,
                };
                let count = rng.range(2, 8) as usize;
                let products = (0..count).map(|_| product_weights.draw(&mut rng)).collect();
                Seller {
                    party,
                    ioss,
                    currency,
                    products,
                }
            })
            .collect();
        let eu: Vec<Country> = geo::EU27
            .iter()
            .map(|g| Country::parse(g.iso2).expect("EU27 code"))
            .collect();
        let g = Generator {
            rng: Rng::fork(cfg.seed, stream),
            seller_weights: Weighted::zipf(sellers.len(), 1.07),
            sellers,
            country_weights: Weighted::new(geo::EU27.iter().map(|g| u64::from(g.population_k))),
            city_weights: geo::EU27
                .iter()
                .map(|g| Weighted::new(g.cities.iter().map(|c| u64::from(c.weight))))
                .collect(),
            eu,
            labels: Vec::new(),
            next_serial: {
                let mut r = Rng::fork(cfg.seed ^ (cfg.date.midnight().unix_ms() as u64), "serials");
                r.below(u64::from(99_999_999 - cfg.parcels)) as u32
            },
            split_groups: 0,
        };
        (g, marketplaces)
    }

    fn consignee(&mut self) -> Party {
        let ci = self.country_weights.draw(&mut self.rng);
        let g = &geo::EU27[ci];
        let city = &g.cities[self.city_weights[ci].draw(&mut self.rng)];
        let name = format!(
            "{} {}",
            self.rng.pick(g.first_names),
            self.rng.pick(g.last_names)
        );
        let street = self.rng.pick(g.streets);
        let number = self.rng.log_range(1, 250);
        let address = if g.number_first {
            format!("{number} {street}")
        } else {
            format!("{street} {number}")
        };
        let country = self.eu[ci];
        Party {
            name,
            address,
            city: city.name.to_string(),
            postcode: postcode(&mut self.rng, country, city.postcode_prefix),
            country,
        }
    }

    fn item_from(&mut self, product: &Product, currency: Currency, quantity: u32) -> Item {
        let unit = self
            .rng
            .log_range(product.unit_value_cents.0, product.unit_value_cents.1);
        let unit_g = self.rng.range(
            u64::from(product.unit_weight_g.0),
            u64::from(product.unit_weight_g.1),
        ) as u32;
        let hs_text = match self.rng.below(10) {
            0..=6 => product.hs6.to_string(),
            7 | 8 => format!("{}00", product.hs6),
            _ => format!("{}0000", product.hs6),
        };
        Item {
            hs: HsCode::parse(&hs_text).expect("catalog HS codes are valid"),
            sku: format!("{}-{}", product.sku_stem, self.rng.range(100, 99_999)),
            description: product.description.to_string(),
            quantity,
            value: Money::new(
                from_eur_cents(u64::from(unit) * u64::from(quantity), currency),
                currency,
            ),
            weight: Grams(unit_g * quantity),
            origin: Country::parse("CN").expect("CN"),
        }
    }

    /// Items for an ordinary parcel of `seller`, keeping its value at or under `cap_eur_cents`.
    fn items(&mut self, seller: usize, cap_eur_cents: u64) -> Vec<Item> {
        let lines = match self.rng.below(10) {
            0..=6 => 1,
            7 | 8 => 2,
            _ => self.rng.range(3, 5) as usize,
        };
        let currency = self.sellers[seller].currency;
        let mut items: Vec<Item> = Vec::with_capacity(lines);
        let mut eur_total = 0u64;
        for _ in 0..lines {
            let pi = self.sellers[seller].products
                [self.rng.below(self.sellers[seller].products.len() as u64) as usize];
            let qty = if self.rng.chance(0.85) {
                1
            } else {
                self.rng.range(2, 3) as u32
            };
            let item = self.item_from(&PRODUCTS[pi], currency, qty);
            let eur = to_eur_cents(item.value);
            if !items.is_empty() && eur_total + eur > cap_eur_cents {
                break;
            }
            eur_total += eur;
            items.push(item);
        }
        if eur_total > cap_eur_cents {
            // A single very dear line: scale it down to the cap.
            let item = &mut items[0];
            item.value.cents = (item.value.cents * cap_eur_cents as i64 / eur_total as i64).max(1);
        }
        // Packaging on the first line.
        items[0].weight.0 += self.rng.range(15, 60) as u32;
        items
    }

    fn next_id(&mut self, service: &str) -> S10Id {
        let serial = self.next_serial;
        self.next_serial += 1;
        S10Id::from_parts(service, serial, "CN")
    }

    fn label(&mut self, parcel: S10Id, anomaly: Anomaly, note: impl Into<String>) {
        self.labels.push(Label {
            parcel,
            anomaly,
            note: note.into(),
        });
    }

    /// One parcel (or, for a split order, several) for a bag.
    fn parcels_for(&mut self, head: &Head, service: &str, out: &mut Vec<Parcel>) {
        let seller = self.seller_weights.draw(&mut self.rng);
        let consignee = self.consignee();
        let mut r = self.rng.unit();
        let mut anomaly = None;
        for (a, p) in ANOMALY_RATES {
            if r < p {
                anomaly = Some(a);
                break;
            }
            r -= p;
        }
        if anomaly == Some(Anomaly::SplitOrder) {
            // The group's parcels: each below EUR 150, together above it.
            let k = self.rng.range(2, 4);
            let group = self.split_groups;
            self.split_groups += 1;
            let per_parcel_floor = 15_100 / k + 1_000;
            for _ in 0..k {
                let mut items = self.items(seller, 14_000);
                lift_to(&mut items, per_parcel_floor.min(14_000));
                let p = self.parcel(head, service, seller, consignee.clone(), items);
                self.label(p.id, Anomaly::SplitOrder, format!("group {group} of {k}"));
                out.push(p);
            }
            return;
        }
        let items = self.items(seller, 14_000);
        let mut p = self.parcel(head, service, seller, consignee, items);
        if let Some(a) = anomaly
            && let Some(note) = self.apply(a, &mut p, seller)
        {
            self.label(p.id, a, note);
        }
        out.push(p);
    }

    fn parcel(
        &mut self,
        head: &Head,
        service: &str,
        seller: usize,
        consignee: Party,
        items: Vec<Item>,
    ) -> Parcel {
        let s = &self.sellers[seller];
        let ioss = s.ioss.map_or(IossField::Absent, IossField::Valid);
        let consignor = s.party.clone();
        Parcel {
            id: self.next_id(service),
            mawb: head.mawb,
            flight: head.flight,
            uld: head.uld,
            bag: head.bag,
            consignor,
            consignee,
            ioss,
            items,
        }
    }

    /// Turns an ordinary parcel into an anomalous one; `None` when the anomaly does not apply
    /// to this parcel (then it stays ordinary and unlabelled).
    fn apply(&mut self, a: Anomaly, p: &mut Parcel, seller: usize) -> Option<String> {
        match a {
            Anomaly::Undervalued => {
                let divisor = self.rng.range(8, 20) as i64;
                for item in &mut p.items {
                    item.value.cents = (item.value.cents / divisor).max(1);
                }
                Some(format!("declared at 1/{divisor} of the usual price"))
            }
            Anomaly::OverThreshold => {
                let target = self.rng.range(16_000, 45_000);
                let eur = to_eur_cents(p.value()).max(1);
                for item in &mut p.items {
                    item.value.cents = item.value.cents * target as i64 / eur as i64 + 1;
                }
                Some(format!("about EUR {}", target / 100))
            }
            Anomaly::MissingIoss => {
                let n = self.sellers[seller].ioss?;
                p.ioss = IossField::Absent;
                Some(format!("seller registered under {n}"))
            }
            Anomaly::MalformedIoss => {
                let digits = self.rng.below(10_000_000);
                let bad = match self.rng.below(4) {
                    0 => format!("IM372{:06}", digits % 1_000_000),
                    1 => format!("IN528{digits:07}"),
                    2 => format!("IM156{digits:07}"),
                    _ => format!("EU372{digits:07}"),
                };
                p.ioss = IossField::Malformed(bad.clone());
                Some(bad)
            }
            Anomaly::RestrictedGoods => {
                let prod = self.rng.pick(RESTRICTED);
                let currency = p.items[0].value.currency;
                p.items[0] = self.item_from(prod, currency, 1);
                Some(prod.description.to_string())
            }
            Anomaly::Misdeclared => {
                let m = self.rng.pick(MISDECLARED);
                let item = &mut p.items[0];
                item.hs = HsCode::parse(m.declared_hs6).expect("catalog HS codes are valid");
                item.description = m.description.to_string();
                Some(format!(
                    "declared {} but goods are {}",
                    m.declared_hs6, m.true_hs6
                ))
            }
            Anomaly::SanctionedParty => {
                let entity = self.rng.pick(SANCTIONED_LIKE);
                let name = if self.rng.chance(0.3) {
                    entity.listed_name
                } else {
                    *self.rng.pick(entity.variants)
                };
                p.consignor.name = name.to_string();
                Some(format!("{} ({})", entity.listed_name, entity.list))
            }
            Anomaly::SplitOrder => unreachable!("split orders are built as groups"),
        }
    }
}

/// Raises line values so the parcel is worth at least `floor` euro cents.
fn lift_to(items: &mut [Item], floor: u64) {
    let eur: u64 = items.iter().map(|i| to_eur_cents(i.value)).sum();
    if eur < floor {
        let item = &mut items[0];
        let missing = floor - eur;
        item.value.cents += from_eur_cents(missing, item.value.currency) + 1;
    }
}

/// Converts a manifest amount to euro cents at the generator's fixed rates (rounded down).
pub fn to_eur_cents(m: Money) -> u64 {
    let (num, den) = match m.currency {
        Currency::EUR => (1, 1),
        Currency::USD => (100, 108),
        Currency::CNY => (100, 780),
        Currency::HKD => (100, 845),
        Currency::GBP => (100, 85),
    };
    m.cents.max(0) as u64 * num / den
}

/// The parcel-level values shared by a bag's parcels.
struct Head {
    mawb: Mawb,
    flight: FlightKey,
    uld: UldId,
    bag: BagId,
}

/// Generates the day described by `cfg`.
pub fn generate(cfg: DayConfig) -> Day {
    generate_stream(cfg, "parcels")
}

/// A past day of the same hub: the same sellers, marketplaces and flights as `cfg`'s day, but
/// other parcels (`days_back` days before, each a different stream). What the customs engine
/// learns its references from.
pub fn history(cfg: DayConfig, days_back: u32) -> Day {
    let cfg = DayConfig {
        date: cfg.date.add_days(-(days_back.min(3650) as i32)),
        ..cfg
    };
    generate_stream(cfg, &format!("parcels-{days_back}-days-back"))
}

fn generate_stream(cfg: DayConfig, stream: &str) -> Day {
    assert!(
        cfg.parcels >= 1 && cfg.parcels <= MAX_PARCELS,
        "parcels must be 1..={MAX_PARCELS}"
    );
    assert!(
        cfg.flights >= 1 && cfg.flights <= MAX_FLIGHTS,
        "flights must be 1..={MAX_FLIGHTS}"
    );
    let (mut g, marketplaces) = Generator::new(cfg, stream);
    let mut frng = Rng::fork(cfg.seed, "flights");
    let hub = Airport::parse(HUB).expect("hub code");

    // Flights: arrivals spread from 00:30 to 21:00 UTC, with a little jitter.
    let mut flights = Vec::with_capacity(cfg.flights as usize);
    let spread_min = 20 * 60 + 30;
    for i in 0..cfg.flights {
        let (airline, _, origin, aircraft, block) =
            ROUTES[((u64::from(i) + cfg.seed) % ROUTES.len() as u64) as usize];
        let slot = 30 + i64::from(i) * spread_min / i64::from(cfg.flights);
        let jitter = frng.range(0, 20) as i64 - 10;
        let sta = cfg.date.midnight().plus_min((slot + jitter).max(0));
        let std = sta.plus_min(-block);
        let number = FlightNo::parse(&format!("{airline}{}", 201 + i)).expect("flight number");
        flights.push(Flight {
            key: FlightKey {
                number,
                date: std.date(),
            },
            origin: Airport::parse(origin).expect("origin"),
            destination: hub,
            aircraft: aircraft.to_string(),
            std,
            sta,
        });
    }

    // Parcels per flight in proportion to a random load factor, adding up to the total.
    let loads: Vec<u64> = (0..cfg.flights).map(|_| frng.range(70, 130)).collect();
    let total_load: u64 = loads.iter().sum();
    let mut shares: Vec<u32> = loads
        .iter()
        .map(|l| (u64::from(cfg.parcels) * l / total_load) as u32)
        .collect();
    let short = cfg.parcels - shares.iter().sum::<u32>();
    for s in shares.iter_mut().take(short as usize) {
        *s += 1;
    }

    let mut parcels: Vec<Parcel> = Vec::with_capacity(cfg.parcels as usize + 8);
    let mut uld_serial = frng.range(10_000, 60_000) as u32;
    for (fi, flight) in flights.iter().enumerate() {
        let (airline, prefix, origin, _, _) =
            ROUTES[((fi as u64 + cfg.seed) % ROUTES.len() as u64) as usize];
        let service = ["UA", "UB", "UC", "UD", "UE", "UF"][fi % 6];
        let target = parcels.len() + shares[fi] as usize;
        let mawbs = shares[fi].div_ceil(6_000).max(1);
        let per_mawb = shares[fi].div_ceil(mawbs) as usize;
        let mut uld = UldId::parse(&format!("PMC{uld_serial:05}{airline}")).expect("uld");
        let mut uld_left = frng.range(900, 1_400) as usize;
        let mut bag_seq = 0u32;
        for _ in 0..mawbs {
            let mawb = Mawb::from_parts(prefix, frng.below(10_000_000) as u32);
            let mawb_target = (parcels.len() + per_mawb).min(target);
            while parcels.len() < mawb_target {
                bag_seq += 1;
                let yymmdd = {
                    let (y, m, d) = cfg.date.ymd();
                    format!("{:02}{m:02}{d:02}", y % 100)
                };
                let bag = BagId::parse(&format!("{origin}{yymmdd}{:03}{bag_seq:05}", fi))
                    .expect("bag id");
                if uld_left == 0 {
                    uld_serial = if uld_serial >= 99_999 {
                        10_000
                    } else {
                        uld_serial + 1
                    };
                    uld = UldId::parse(&format!("PMC{uld_serial:05}{airline}")).expect("uld");
                    uld_left = frng.range(900, 1_400) as usize;
                }
                let head = Head {
                    mawb,
                    flight: flight.key,
                    uld,
                    bag,
                };
                let bag_size = frng.range(25, 60) as usize;
                let bag_end = (parcels.len() + bag_size).min(mawb_target);
                while parcels.len() < bag_end {
                    let before = parcels.len();
                    g.parcels_for(&head, service, &mut parcels);
                    uld_left = uld_left.saturating_sub(parcels.len() - before);
                }
            }
        }
        uld_serial = if uld_serial >= 99_999 {
            10_000
        } else {
            uld_serial + 1
        };
    }
    // Split orders may overshoot by a few parcels; trim to the exact count, dropping the labels
    // of parcels that were cut.
    parcels.truncate(cfg.parcels as usize);
    let kept: std::collections::HashSet<S10Id> = parcels.iter().map(|p| p.id).collect();
    let mut labels = std::mem::take(&mut g.labels);
    labels.retain(|l| kept.contains(&l.parcel));
    Day {
        config: cfg,
        flights,
        parcels,
        labels,
        marketplaces,
    }
}

#[cfg(test)]
mod tests;
