//! Countries Hangar deals with (the EU-27, the EEA, and the usual origins of e-commerce imports)
//! and their postcode formats.

use crate::Invalid;
use crate::ascii::{Ascii, string_id};

/// What Hangar knows about a country.
struct Info {
    iso2: &'static str,
    numeric: u16,
    name: &'static str,
    eu: bool,
    eea: bool,
    /// Postcode patterns, canonical first: `N` digit, `A` letter, `X` letter or digit, others literal.
    /// Empty where the country has no postcode system.
    postcode: &'static [&'static str],
    /// How a person reads the canonical pattern in an error message.
    postcode_example: &'static str,
}

const fn eu(
    iso2: &'static str,
    numeric: u16,
    name: &'static str,
    postcode: &'static [&'static str],
    ex: &'static str,
) -> Info {
    Info {
        iso2,
        numeric,
        name,
        eu: true,
        eea: true,
        postcode,
        postcode_example: ex,
    }
}
const fn other(
    iso2: &'static str,
    numeric: u16,
    name: &'static str,
    eea: bool,
    postcode: &'static [&'static str],
    ex: &'static str,
) -> Info {
    Info {
        iso2,
        numeric,
        name,
        eu: false,
        eea,
        postcode,
        postcode_example: ex,
    }
}

static COUNTRIES: &[Info] = &[
    eu("AT", 40, "Austria", &["NNNN"], "1010"),
    eu("BE", 56, "Belgium", &["NNNN"], "4460"),
    eu("BG", 100, "Bulgaria", &["NNNN"], "1000"),
    eu("CY", 196, "Cyprus", &["NNNN"], "1010"),
    eu("CZ", 203, "Czechia", &["NNN NN"], "110 00"),
    eu("DE", 276, "Germany", &["NNNNN"], "10115"),
    eu("DK", 208, "Denmark", &["NNNN"], "1050"),
    eu("EE", 233, "Estonia", &["NNNNN"], "10111"),
    eu("ES", 724, "Spain", &["NNNNN"], "28001"),
    eu("FI", 246, "Finland", &["NNNNN"], "00100"),
    eu("FR", 250, "France", &["NNNNN"], "75001"),
    eu("GR", 300, "Greece", &["NNN NN"], "105 57"),
    eu("HR", 191, "Croatia", &["NNNNN"], "10000"),
    eu("HU", 348, "Hungary", &["NNNN"], "1051"),
    eu("IE", 372, "Ireland", &["ANN XXXX", "ANA XXXX"], "D02 X285"),
    eu("IT", 380, "Italy", &["NNNNN"], "00184"),
    eu("LT", 440, "Lithuania", &["LT-NNNNN"], "LT-01100"),
    eu("LU", 442, "Luxembourg", &["NNNN", "L-NNNN"], "1009"),
    eu("LV", 428, "Latvia", &["LV-NNNN"], "LV-1050"),
    eu("MT", 470, "Malta", &["AAA NNNN"], "VLT 1117"),
    eu("NL", 528, "Netherlands", &["NNNN AA"], "1012 AB"),
    eu("PL", 616, "Poland", &["NN-NNN"], "00-950"),
    eu("PT", 620, "Portugal", &["NNNN-NNN"], "1000-001"),
    eu("RO", 642, "Romania", &["NNNNNN"], "010011"),
    eu("SE", 752, "Sweden", &["NNN NN"], "111 20"),
    eu("SI", 705, "Slovenia", &["NNNN"], "1000"),
    eu("SK", 703, "Slovakia", &["NNN NN"], "811 01"),
    other("IS", 352, "Iceland", true, &["NNN"], "101"),
    other("LI", 438, "Liechtenstein", true, &["NNNN"], "9490"),
    other("NO", 578, "Norway", true, &["NNNN"], "0150"),
    other("CH", 756, "Switzerland", false, &["NNNN"], "8001"),
    other("GB", 826, "United Kingdom", false, &[], ""),
    other("CN", 156, "China", false, &["NNNNNN"], "518000"),
    other("HK", 344, "Hong Kong", false, &[], ""),
    other("TW", 158, "Taiwan", false, &["NNNNN", "NNN"], "10048"),
    other("SG", 702, "Singapore", false, &["NNNNNN"], "018956"),
    other("KR", 410, "South Korea", false, &["NNNNN"], "04524"),
    other("JP", 392, "Japan", false, &["NNN-NNNN"], "100-0001"),
    other("VN", 704, "Viet Nam", false, &["NNNNNN"], "100000"),
    other("TH", 764, "Thailand", false, &["NNNNN"], "10200"),
    other("MY", 458, "Malaysia", false, &["NNNNN"], "50000"),
    other("IN", 356, "India", false, &["NNNNNN"], "110001"),
    other("TR", 792, "Türkiye", false, &["NNNNN"], "34000"),
    other(
        "US",
        840,
        "United States",
        false,
        &["NNNNN", "NNNNN-NNNN"],
        "10001",
    ),
    other("AE", 784, "United Arab Emirates", false, &[], ""),
    other("RU", 643, "Russia", false, &["NNNNNN"], "101000"),
    other("BY", 112, "Belarus", false, &["NNNNNN"], "220000"),
    other("IR", 364, "Iran", false, &["NNNNNNNNNN"], "1193653471"),
    other("KP", 408, "North Korea", false, &[], ""),
];

/// A country from Hangar's table: ISO 3166-1, membership of the EU and EEA, postcode format.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country(u8);

impl Country {
    fn info(self) -> &'static Info {
        &COUNTRIES[self.0 as usize]
    }

    /// Parses an ISO 3166-1 alpha-2 code known to Hangar (`EL` is accepted for Greece).
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = s.trim();
        let code = if t.eq_ignore_ascii_case("EL") {
            "GR"
        } else {
            t
        };
        COUNTRIES
            .iter()
            .position(|c| c.iso2.eq_ignore_ascii_case(code))
            .map(|i| Country(i as u8))
            .ok_or_else(|| Invalid::new("an ISO 3166-1 alpha-2 country code (e.g. DE, FR, CN)", s))
    }

    /// The country with this ISO 3166-1 numeric code, if Hangar knows it.
    pub fn from_numeric(n: u16) -> Option<Self> {
        COUNTRIES
            .iter()
            .position(|c| c.numeric == n)
            .map(|i| Country(i as u8))
    }

    /// ISO 3166-1 alpha-2 code.
    pub fn iso2(self) -> &'static str {
        self.info().iso2
    }

    /// ISO 3166-1 numeric code.
    pub fn numeric(self) -> u16 {
        self.info().numeric
    }

    /// English short name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Member of the European Union (and so of its customs and VAT territory, for Hangar's purposes).
    pub fn is_eu(self) -> bool {
        self.info().eu
    }

    /// Member of the European Economic Area (EU plus Iceland, Liechtenstein, Norway).
    pub fn is_eea(self) -> bool {
        self.info().eea
    }

    /// Whether addresses in this country carry a postcode.
    pub fn has_postcodes(self) -> bool {
        !self.info().postcode.is_empty()
    }

    /// The canonical postcode pattern (`N` digit, `A` letter, `X` letter or digit, others
    /// literal), or `None` where the country has no postcodes.
    pub fn postcode_pattern(self) -> Option<&'static str> {
        self.info().postcode.first().copied()
    }

    /// The EU-27 member states in ISO code order.
    pub fn eu27() -> impl Iterator<Item = Country> {
        (0..COUNTRIES.len())
            .map(|i| Country(i as u8))
            .filter(|c| c.is_eu())
    }

    /// Every country Hangar knows.
    pub fn all() -> impl Iterator<Item = Country> {
        (0..COUNTRIES.len()).map(|i| Country(i as u8))
    }
}

impl std::fmt::Display for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.iso2())
    }
}
impl std::fmt::Debug for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.iso2())
    }
}
impl serde::Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.iso2())
    }
}
impl<'de> serde::Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Country::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A postcode in its country's canonical format (e.g. `1012 AB` for the Netherlands).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(Ascii<12>);
string_id!(Postcode);

fn class_matches(class: u8, c: u8) -> bool {
    match class {
        b'N' => c.is_ascii_digit(),
        b'A' => c.is_ascii_uppercase(),
        b'X' => c.is_ascii_uppercase() || c.is_ascii_digit(),
        lit => c == lit,
    }
}

fn is_class(p: u8) -> bool {
    matches!(p, b'N' | b'A' | b'X')
}

/// Matches `input` against `pattern`, or against it with its separators left out; returns the
/// canonical (separated) form.
fn match_pattern(pattern: &str, input: &[u8]) -> Option<Ascii<12>> {
    let p = pattern.as_bytes();
    if p.len() == input.len() && p.iter().zip(input).all(|(&k, &c)| class_matches(k, c)) {
        return Some(Ascii::new(input));
    }
    // Compact form: only the character classes, no literals (e.g. "1012AB" for "NNNN AA").
    let classes = p.iter().filter(|&&k| is_class(k)).count();
    if input.len() == classes {
        let mut out = [0u8; 12];
        let mut i = 0;
        for (o, &k) in p.iter().enumerate() {
            if is_class(k) {
                if !class_matches(k, input[i]) {
                    return None;
                }
                out[o] = input[i];
                i += 1;
            } else {
                out[o] = k;
            }
        }
        return Some(Ascii::new(&out[..p.len()]));
    }
    None
}

impl Postcode {
    /// Parses `s` as a postcode of `country`, accepting the canonical form, lower case, and the
    /// form without spaces or dashes; stores the canonical form.
    pub fn parse_for(country: Country, s: &str) -> Result<Self, Invalid> {
        let info = country.info();
        let t = s.trim().as_bytes();
        if t.len() <= 12 {
            let mut buf = [0u8; 12];
            buf[..t.len()].copy_from_slice(t);
            buf.make_ascii_uppercase();
            let upper = &buf[..t.len()];
            for pattern in info.postcode {
                if let Some(code) = match_pattern(pattern, upper) {
                    return Ok(Postcode(code));
                }
            }
        }
        if info.postcode.is_empty() {
            return Err(Invalid::new(
                format!("no postcode ({} has no postcode system)", info.name),
                s,
            ));
        }
        let shape = info.postcode[0].replace('N', "9").replace('X', "?");
        Err(Invalid::new(
            format!(
                "a postcode of {} shaped {} (e.g. {})",
                info.name, shape, info.postcode_example
            ),
            s,
        ))
    }

    /// Parses a postcode without knowing its country (only for values read back from the store,
    /// which were checked when they came in).
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = s.trim();
        if t.is_empty()
            || t.len() > 12
            || !t
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b' ' || c == b'-')
        {
            return Err(Invalid::new("a postcode", s));
        }
        Ok(Postcode(Ascii::new(t.as_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pc(c: &str, s: &str) -> Result<String, Invalid> {
        Postcode::parse_for(Country::parse(c).unwrap(), s).map(|p| p.to_string())
    }

    #[test]
    fn eu27_is_27_and_codes_unique() {
        assert_eq!(Country::eu27().count(), 27);
        let mut codes: Vec<_> = Country::all().map(|c| c.iso2()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), COUNTRIES.len());
        assert_eq!(Country::parse("el").unwrap().iso2(), "GR");
        assert!(Country::parse("XX").is_err());
        assert!(Country::parse("NO").unwrap().is_eea());
        assert!(!Country::parse("NO").unwrap().is_eu());
        assert!(!Country::parse("CN").unwrap().is_eea());
    }

    #[test]
    fn postcodes_by_country() {
        assert_eq!(pc("DE", "10115").unwrap(), "10115");
        assert!(pc("DE", "1011").is_err());
        assert_eq!(pc("NL", "1012 ab").unwrap(), "1012 AB");
        assert_eq!(pc("NL", "1012AB").unwrap(), "1012 AB");
        assert_eq!(pc("PL", "00950").unwrap(), "00-950");
        assert_eq!(pc("PT", "1000-001").unwrap(), "1000-001");
        assert_eq!(pc("IE", "D02 X285").unwrap(), "D02 X285");
        assert_eq!(pc("IE", "D6W 1234").unwrap(), "D6W 1234");
        assert_eq!(pc("MT", "VLT1117").unwrap(), "VLT 1117");
        assert_eq!(pc("LT", "LT-01100").unwrap(), "LT-01100");
        assert_eq!(pc("SE", "11120").unwrap(), "111 20");
        assert_eq!(pc("LU", "L-1009").unwrap(), "L-1009");
        let e = pc("DE", "ABCDE").unwrap_err();
        assert!(
            e.expected.contains("Germany") && e.expected.contains("99999"),
            "{e}"
        );
        assert!(pc("HK", "999077").is_err());
    }
}
