//! Identifiers used across air cargo and postal logistics, each checked on construction.

use crate::ascii::{Ascii, string_id};
use crate::time::Date;
use crate::{Country, Invalid};

fn all(s: &[u8], f: impl Fn(u8) -> bool) -> bool {
    s.iter().all(|&b| f(b))
}

/// `s` trimmed and upper-cased into a stack buffer; `None` when longer than `N` bytes.
fn upper<const N: usize>(s: &str) -> Option<([u8; N], usize)> {
    let t = s.trim().as_bytes();
    if t.len() > N {
        return None;
    }
    let mut buf = [0u8; N];
    buf[..t.len()].copy_from_slice(t);
    buf.make_ascii_uppercase();
    Some((buf, t.len()))
}

fn digits_value(s: &[u8]) -> u64 {
    s.iter()
        .fold(0u64, |acc, &b| acc * 10 + u64::from(b - b'0'))
}

/// Master air waybill number: 3-digit airline prefix and 8-digit serial whose last digit is the
/// first seven modulo 7 (IATA Resolution 600a). Written `999-12345675`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mawb(Ascii<12>);
string_id!(Mawb);

impl Mawb {
    /// Parses `PPP-SSSSSSSC` or the 11 digits without the dash.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const EXPECTED: &str = "an air waybill number like 999-12345675 (3-digit prefix, 8-digit serial, mod-7 check digit)";
        let b = s.trim().as_bytes();
        let (prefix, serial) = match b.len() {
            12 if b[3] == b'-' => (&b[..3], &b[4..]),
            11 => (&b[..3], &b[3..]),
            _ => return Err(Invalid::new(EXPECTED, s)),
        };
        if !all(prefix, |c| c.is_ascii_digit()) || !all(serial, |c| c.is_ascii_digit()) {
            return Err(Invalid::new(EXPECTED, s));
        }
        let body = digits_value(&serial[..7]);
        let check = u64::from(serial[7] - b'0');
        if body % 7 != check {
            return Err(Invalid::new(
                format!(
                    "an air waybill number whose last digit is {} (the first seven serial digits mod 7)",
                    body % 7
                ),
                s,
            ));
        }
        let mut out = [0u8; 12];
        out[..3].copy_from_slice(prefix);
        out[3] = b'-';
        out[4..].copy_from_slice(serial);
        Ok(Mawb(Ascii::new(&out)))
    }

    /// Builds the waybill for airline `prefix` (0..=999) and 7-digit `serial` (0..=9_999_999),
    /// computing the check digit.
    pub fn from_parts(prefix: u16, serial: u32) -> Self {
        assert!(prefix <= 999 && serial <= 9_999_999);
        let text = format!("{prefix:03}-{serial:07}{}", serial % 7);
        Mawb::parse(&text).expect("constructed waybill is valid")
    }

    /// The 3-digit airline prefix.
    pub fn airline_prefix(&self) -> u16 {
        self.as_str()[..3].parse().expect("digits")
    }
}

/// UPU S10 item identifier: 2 service letters, 8-digit serial, check digit, 2-letter country of
/// the issuing operator (e.g. `RB123456785CN`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct S10Id(Ascii<13>);
string_id!(S10Id);

const S10_WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];

/// The S10 check digit of an 8-digit serial.
pub fn s10_check_digit(serial: u32) -> u32 {
    assert!(serial <= 99_999_999);
    let mut sum = 0;
    let mut rest = serial;
    for i in (0..8).rev() {
        sum += (rest % 10) * S10_WEIGHTS[i];
        rest /= 10;
    }
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    }
}

impl S10Id {
    /// Parses and checks an S10 identifier; lower case is accepted and upper-cased.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const EXPECTED: &str =
            "a UPU S10 id like RB123456785CN (2 letters, 8 digits, check digit, 2-letter country)";
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() != 13
            || !all(&b[..2], |c| c.is_ascii_alphabetic())
            || !all(&b[2..11], |c| c.is_ascii_digit())
            || !all(&b[11..], |c| c.is_ascii_alphabetic())
        {
            return Err(Invalid::new(EXPECTED, s));
        }
        let serial = digits_value(&b[2..10]) as u32;
        let want = s10_check_digit(serial);
        if u32::from(b[10] - b'0') != want {
            return Err(Invalid::new(
                format!("an S10 id whose check digit is {want}"),
                s,
            ));
        }
        let mut out = [0u8; 13];
        out.copy_from_slice(b);
        out.make_ascii_uppercase();
        Ok(S10Id(Ascii::new(&out)))
    }

    /// Builds an id from its parts, computing the check digit. `service` and `country` must be
    /// two ASCII letters each.
    pub fn from_parts(service: &str, serial: u32, country: &str) -> Self {
        let text = format!("{service}{serial:08}{}{country}", s10_check_digit(serial));
        S10Id::parse(&text).expect("constructed S10 id is valid")
    }
}

/// Unit load device id: 3-letter type, 4 or 5 digit serial, 2-character owner (e.g. `AKE12345XX`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UldId(Ascii<10>);
string_id!(UldId);

impl UldId {
    /// Parses a ULD id; lower case is upper-cased.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const EXPECTED: &str =
            "a ULD id like AKE12345XX (3-letter type, 4-5 digits, 2-character owner)";
        let Some((buf, len)) = upper::<10>(s) else {
            return Err(Invalid::new(EXPECTED, s));
        };
        let b = &buf[..len];
        let ok = (b.len() == 9 || b.len() == 10)
            && all(&b[..3], |c| c.is_ascii_uppercase())
            && all(&b[3..b.len() - 2], |c| c.is_ascii_digit())
            && all(&b[b.len() - 2..], |c| {
                c.is_ascii_uppercase() || c.is_ascii_digit()
            });
        if !ok {
            return Err(Invalid::new(EXPECTED, s));
        }
        Ok(UldId(Ascii::new(b)))
    }

    /// The 3-letter ULD type code (AKE, PMC, ...).
    pub fn kind(&self) -> &str {
        &self.as_str()[..3]
    }
}

/// Harmonized System / Combined Nomenclature code of 6 to 10 digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsCode(Ascii<10>);
string_id!(HsCode);

impl HsCode {
    /// Parses 6 to 10 digits (dots and spaces, as in `6109.10`, are removed) in an existing chapter.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const EXPECTED: &str = "an HS code of 6 to 10 digits in chapters 01-97 (e.g. 610910)";
        let mut buf = [0u8; 10];
        let mut n = 0;
        for &c in s.trim().as_bytes() {
            match c {
                b'.' | b' ' => continue,
                b'0'..=b'9' if n < 10 => {
                    buf[n] = c;
                    n += 1;
                }
                _ => return Err(Invalid::new(EXPECTED, s)),
            }
        }
        if n < 6 {
            return Err(Invalid::new(EXPECTED, s));
        }
        let chapter = (buf[0] - b'0') * 10 + (buf[1] - b'0');
        if chapter == 0 || chapter > 97 || chapter == 77 {
            return Err(Invalid::new(EXPECTED, s));
        }
        Ok(HsCode(Ascii::new(&buf[..n])))
    }

    /// The 6-digit HS subheading, the level the H7 declaration uses.
    pub fn subheading(&self) -> &str {
        &self.as_str()[..6]
    }

    /// The 2-digit chapter.
    pub fn chapter(&self) -> u8 {
        self.as_str()[..2].parse().expect("digits")
    }
}

/// EU VAT import one-stop-shop number: `IM`, the 3-digit ISO numeric code of the member state of
/// identification, 7 digits (the last a check digit whose algorithm is not public).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IossNumber(Ascii<12>);
string_id!(IossNumber);

impl IossNumber {
    /// Parses `IMnnnddddddd` where `nnn` is an EU member state's numeric code.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const EXPECTED: &str =
            "an IOSS number like IM3720000012 (IM, member-state numeric code, 7 digits)";
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() != 12
            || !b[..2].eq_ignore_ascii_case(b"IM")
            || !all(&b[2..], |c| c.is_ascii_digit())
        {
            return Err(Invalid::new(EXPECTED, s));
        }
        let numeric = digits_value(&b[2..5]) as u16;
        match Country::from_numeric(numeric) {
            Some(c) if c.is_eu() => {}
            _ => {
                return Err(Invalid::new(
                    "an IOSS number whose digits 3-5 are an EU member state's numeric code",
                    s,
                ));
            }
        }
        let mut out = [0u8; 12];
        out.copy_from_slice(b);
        out[..2].copy_from_slice(b"IM");
        Ok(IossNumber(Ascii::new(&out)))
    }

    /// The member state where the seller or intermediary is identified for IOSS.
    pub fn member_state(&self) -> Country {
        let numeric: u16 = self.as_str()[2..5].parse().expect("digits");
        Country::from_numeric(numeric).expect("checked on parse")
    }
}

/// IATA 3-letter airport code (e.g. `LGG`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Airport(Ascii<3>);
string_id!(Airport);

impl Airport {
    /// Parses three letters, upper-casing them.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match upper::<3>(s) {
            Some((b, 3)) if all(&b, |c| c.is_ascii_uppercase()) => Ok(Airport(Ascii::new(&b))),
            _ => Err(Invalid::new(
                "an IATA airport code of 3 letters (e.g. LGG)",
                s,
            )),
        }
    }
}

/// IATA flight designator: 2-character airline code, 1-4 digit number, optional letter suffix
/// (e.g. `CK211`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlightNo(Ascii<7>);
string_id!(FlightNo);

impl FlightNo {
    /// Parses a flight designator, upper-casing it; leading zeros of the number are kept as written.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const EXPECTED: &str =
            "a flight number like CK211 (2-character airline code, 1-4 digits, optional letter)";
        let Some((buf, len)) = upper::<7>(s) else {
            return Err(Invalid::new(EXPECTED, s));
        };
        let b = &buf[..len];
        if b.len() < 3 {
            return Err(Invalid::new(EXPECTED, s));
        }
        let airline_ok = all(&b[..2], |c| c.is_ascii_alphanumeric())
            && b[..2].iter().any(u8::is_ascii_uppercase);
        let rest = &b[2..];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let suffix = &rest[digits..];
        let ok = airline_ok
            && (1..=4).contains(&digits)
            && (suffix.is_empty() || (suffix.len() == 1 && suffix[0].is_ascii_uppercase()));
        if !ok {
            return Err(Invalid::new(EXPECTED, s));
        }
        Ok(FlightNo(Ascii::new(b)))
    }
}

/// A flight on a given day: the identity of one arrival.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize, serde::Deserialize,
)]
pub struct FlightKey {
    /// Flight designator.
    pub number: FlightNo,
    /// Scheduled departure date (local practice; Hangar uses the UTC date).
    pub date: Date,
}

impl std::fmt::Display for FlightKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.number, self.date)
    }
}

/// A shipper's box or bag id as printed on its label: 1-35 printable ASCII characters, no commas
/// or quotes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BagId(Ascii<35>);
string_id!(BagId);

impl BagId {
    /// Parses a box/bag label id.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = s.trim();
        let ok = !t.is_empty()
            && t.len() <= 35
            && all(t.as_bytes(), |c| {
                c.is_ascii_graphic() && c != b',' && c != b'"'
            });
        if !ok {
            return Err(Invalid::new(
                "a box id of 1-35 printable characters without commas or quotes",
                s,
            ));
        }
        Ok(BagId(Ascii::new(t.as_bytes())))
    }
}

/// An outbound truck: `T` + route id + `-` + sequence, assigned by the hub.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TruckId(Ascii<24>);
string_id!(TruckId);

impl TruckId {
    /// Parses a truck id: 2-24 characters of letters, digits and dashes.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = s.trim();
        let ok = (2..=24).contains(&t.len())
            && all(t.as_bytes(), |c| c.is_ascii_alphanumeric() || c == b'-');
        if !ok {
            return Err(Invalid::new(
                "a truck id of 2-24 letters, digits or dashes",
                s,
            ));
        }
        Ok(TruckId(Ascii::new(t.as_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mawb_known_good_and_bad() {
        assert_eq!(
            Mawb::parse("999-12345675").unwrap().as_str(),
            "999-12345675"
        );
        assert_eq!(Mawb::parse("99912345675").unwrap().as_str(), "999-12345675");
        assert_eq!(Mawb::parse("020-00000000").unwrap().airline_prefix(), 20);
        let e = Mawb::parse("999-12345676").unwrap_err();
        assert!(e.expected.contains("last digit is 5"), "{e}");
        assert!(Mawb::parse("999-1234567").is_err());
        assert!(Mawb::parse("99A-12345675").is_err());
        assert!(Mawb::parse("").is_err());
    }

    #[test]
    fn s10_known_good_and_bad() {
        assert_eq!(
            S10Id::parse("RB123456785CN").unwrap().as_str(),
            "RB123456785CN"
        );
        assert_eq!(
            S10Id::parse("rb123456785cn").unwrap().as_str(),
            "RB123456785CN"
        );
        // 11 - 0 % 11 = 11 -> check digit 5.
        assert_eq!(s10_check_digit(0), 5);
        assert!(S10Id::parse("EE000000005CN").is_ok());
        let e = S10Id::parse("RB123456784CN").unwrap_err();
        assert!(e.expected.contains("check digit is 5"), "{e}");
        assert!(S10Id::parse("RB12345678CN").is_err());
        assert!(S10Id::parse("1B123456785CN").is_err());
    }

    #[test]
    fn s10_check_digit_maps_10_to_0() {
        // Find a serial whose raw check is 10 (sum % 11 == 1) and confirm it is written as 0.
        let serial = (0..1000).find(|&s| {
            let d = format!("{s:08}");
            let sum: u32 = d
                .bytes()
                .zip(S10_WEIGHTS)
                .map(|(b, w)| u32::from(b - b'0') * w)
                .sum();
            sum % 11 == 1
        });
        assert_eq!(s10_check_digit(serial.unwrap()), 0);
    }

    #[test]
    fn uld_hs_ioss_flight() {
        assert_eq!(UldId::parse("ake12345xx").unwrap().as_str(), "AKE12345XX");
        assert_eq!(UldId::parse("PMC1234CK").unwrap().kind(), "PMC");
        assert!(UldId::parse("AK12345XX").is_err());
        assert!(UldId::parse("AKE123XX").is_err());

        assert_eq!(HsCode::parse("6109.10").unwrap().as_str(), "610910");
        assert_eq!(HsCode::parse("8517130000").unwrap().subheading(), "851713");
        assert!(HsCode::parse("61091").is_err());
        assert!(HsCode::parse("77000000").is_err());
        assert!(HsCode::parse("98010000").is_err());
        assert!(HsCode::parse("61091000000").is_err());

        let ioss = IossNumber::parse("IM3720000012").unwrap();
        assert_eq!(ioss.member_state().iso2(), "IE");
        assert!(
            IossNumber::parse("IM1560000012").is_err(),
            "CN is not a member state"
        );
        assert!(IossNumber::parse("IM372000001").is_err());
        assert!(IossNumber::parse("EU3720000012").is_err());

        assert!(FlightNo::parse("CK211").is_ok());
        assert!(FlightNo::parse("O3 22").is_err());
        assert!(FlightNo::parse("5X1234A").is_ok());
        assert!(FlightNo::parse("CK12345").is_err());
        assert!(Airport::parse("lgg").is_ok());
        assert!(Airport::parse("LG").is_err());
    }

    proptest! {
        #[test]
        fn mawb_round_trips(prefix in 0u16..1000, serial in 0u32..10_000_000) {
            let m = Mawb::from_parts(prefix, serial);
            prop_assert_eq!(Mawb::parse(m.as_str()).unwrap(), m);
            prop_assert_eq!(m.airline_prefix(), prefix);
        }

        #[test]
        fn s10_round_trips_and_single_digit_errors_are_caught(serial in 0u32..100_000_000, pos in 2usize..11, delta in 1u8..10) {
            let id = S10Id::from_parts("UA", serial, "CN");
            prop_assert_eq!(S10Id::parse(id.as_str()).unwrap(), id);
            let mut b = id.as_str().as_bytes().to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            // A single changed digit always changes the weighted sum mod 11, except when both
            // 10 and 0 (or 11 and 5) collapse; the check digit itself always changes.
            let changed = std::str::from_utf8(&b).unwrap().to_string();
            if pos == 10 {
                prop_assert!(S10Id::parse(&changed).is_err());
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,20}") {
            let _ = Mawb::parse(&s);
            let _ = S10Id::parse(&s);
            let _ = UldId::parse(&s);
            let _ = HsCode::parse(&s);
            let _ = IossNumber::parse(&s);
            let _ = FlightNo::parse(&s);
            let _ = BagId::parse(&s);
        }
    }
}
