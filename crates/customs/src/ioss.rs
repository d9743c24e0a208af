//! IOSS number checks beyond the format (which `hangar_model::IossNumber` enforces): a register
//! of numbers known to be valid, and signals of misuse across consignments.

use hangar_model::{IossField, IossNumber, Parcel};
use std::collections::{HashMap, HashSet};

/// Known IOSS numbers and whether each belongs to an intermediary (a marketplace, legitimately
/// used for many sellers).
#[derive(Clone, Debug, Default)]
pub struct Register {
    known: HashMap<IossNumber, bool>,
}

impl Register {
    /// Parses `number,holder,kind` lines (`kind`: `seller` or `intermediary`); `#` comments.
    pub fn parse(file: &str, text: &str) -> Result<Register, String> {
        let mut known = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let at = format!("{file}:{}", i + 1);
            let number = IossNumber::parse(cells[0]).map_err(|e| format!("{at}: number: {e}"))?;
            let intermediary = match cells.get(2).copied() {
                Some("intermediary") => true,
                Some("seller") | None => false,
                Some(other) => {
                    return Err(format!(
                        "{at}: kind: expected seller or intermediary, got {other:?}"
                    ));
                }
            };
            known.insert(number, intermediary);
        }
        Ok(Register { known })
    }

    /// A register of marketplace numbers (intermediaries).
    pub fn intermediaries(numbers: impl IntoIterator<Item = IossNumber>) -> Register {
        Register {
            known: numbers.into_iter().map(|n| (n, true)).collect(),
        }
    }

    /// Numbers registered.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// No number registered.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Whether the number is registered.
    pub fn contains(&self, n: &IossNumber) -> bool {
        self.known.contains_key(n)
    }
}

/// A reason to look at a parcel's IOSS number.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum Signal {
    /// Well formed but not in the register.
    Unregistered {
        /// The number.
        number: String,
    },
    /// A seller's own number used by more unrelated sellers than allowed.
    SharedBySellers {
        /// The number.
        number: String,
        /// Distinct sellers seen using it.
        sellers: usize,
    },
    /// No IOSS number, from a seller seen declaring under one before (VAT at import may be
    /// charged twice, or the number is being hidden).
    MissingForKnownSeller {
        /// The number the seller used before.
        usual: String,
    },
    /// An IOSS number on a consignment above EUR 150 (IOSS does not cover it).
    AboveCeiling {
        /// The number.
        number: String,
        /// Value in euro cents.
        value_eur_cents: i64,
    },
}

/// Most sellers remembered (numbers they declared under); beyond it, new sellers are not
/// remembered (the memory is bounded, the signal is best effort).
pub const MAX_SELLERS: usize = 1_000_000;

/// Watches IOSS numbers across consignments.
pub struct Monitor {
    register: Register,
    max_sellers: usize,
    sellers: HashMap<IossNumber, HashSet<String>>,
    /// Seller -> the number it declared under last.
    usual: HashMap<String, IossNumber>,
}

impl Signal {
    /// The signal's rule name (`ioss_unregistered`, `ioss_shared`, `ioss_missing`,
    /// `ioss_above_ceiling`).
    pub fn rule(&self) -> &'static str {
        match self {
            Signal::Unregistered { .. } => "ioss_unregistered",
            Signal::SharedBySellers { .. } => "ioss_shared",
            Signal::MissingForKnownSeller { .. } => "ioss_missing",
            Signal::AboveCeiling { .. } => "ioss_above_ceiling",
        }
    }

    /// Why, in words an officer reads.
    pub fn describe(&self) -> String {
        match self {
            Signal::Unregistered { number } => {
                format!("IOSS number {number} is well formed but not in the register")
            }
            Signal::SharedBySellers { number, sellers } => format!(
                "IOSS number {number} belongs to one seller but {sellers} unrelated sellers used it"
            ),
            Signal::MissingForKnownSeller { usual } => {
                format!("no IOSS number, but this seller declared under {usual} before")
            }
            Signal::AboveCeiling {
                number,
                value_eur_cents,
            } => format!(
                "IOSS number {number} on a consignment of EUR {}.{:02}, above the EUR 150 IOSS covers",
                value_eur_cents / 100,
                value_eur_cents % 100
            ),
        }
    }
}

impl Monitor {
    /// A monitor flagging non-intermediary numbers used by more than `max_sellers` sellers.
    pub fn new(register: Register, max_sellers: usize) -> Monitor {
        Monitor {
            register,
            max_sellers,
            sellers: HashMap::new(),
            usual: HashMap::new(),
        }
    }

    /// Looks at one parcel (its value in euro cents, the H7 ceiling); returns its signals.
    pub fn observe(
        &mut self,
        p: &Parcel,
        value_eur_cents: i64,
        ceiling_eur_cents: i64,
    ) -> Vec<Signal> {
        // A seller is its name at its address: two traders of the same name are two sellers.
        let seller = format!(
            "{}|{}|{}",
            p.consignor.name.to_lowercase(),
            p.consignor.address.to_lowercase(),
            p.consignor.country
        );
        let n = match &p.ioss {
            IossField::Valid(n) => n,
            IossField::Absent => {
                return match self.usual.get(&seller) {
                    Some(u) => vec![Signal::MissingForKnownSeller {
                        usual: u.to_string(),
                    }],
                    None => Vec::new(),
                };
            }
            IossField::Malformed(_) => return Vec::new(),
        };
        if self.usual.len() < MAX_SELLERS || self.usual.contains_key(&seller) {
            self.usual.insert(seller.clone(), *n);
        }
        let mut out = Vec::new();
        match self.register.known.get(n) {
            None => out.push(Signal::Unregistered {
                number: n.to_string(),
            }),
            Some(false) => {
                let set = self.sellers.entry(*n).or_default();
                if set.len() <= self.max_sellers {
                    set.insert(seller);
                }
                if set.len() > self.max_sellers {
                    out.push(Signal::SharedBySellers {
                        number: n.to_string(),
                        sellers: set.len(),
                    });
                }
            }
            Some(true) => {}
        }
        if value_eur_cents > ceiling_eur_cents {
            out.push(Signal::AboveCeiling {
                number: n.to_string(),
                value_eur_cents,
            });
        }
        out
    }
}
