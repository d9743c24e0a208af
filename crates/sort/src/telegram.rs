//! Sorter telegrams: `STX type(2) sorter(2) seq(6) body ETX`, ASCII, fixed-length fields.

use std::fmt;

/// Start of a telegram.
pub const STX: u8 = 0x02;
/// End of a telegram.
pub const ETX: u8 = 0x03;
/// Longest telegram (with STX and ETX) a peer may send; more without ETX closes the connection.
pub const MAX_TELEGRAM: usize = 512;
/// Sequence numbers run 1..=999_999, then start again at 1.
pub const MAX_SEQ: u32 = 999_999;

/// A barcode of at most 20 characters, stored inline (space-padded, as on the wire).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Barcode {
    len: u8,
    buf: [u8; 20],
}

impl Default for Barcode {
    fn default() -> Self {
        Barcode {
            len: 0,
            buf: [b' '; 20],
        }
    }
}

impl Barcode {
    /// From text (trimmed); `None` if longer than 20 bytes or not printable ASCII.
    pub fn new(s: &str) -> Option<Barcode> {
        let t = s.trim().as_bytes();
        if t.len() > 20 || !t.iter().all(|c| (0x20..=0x7e).contains(c)) {
            return None;
        }
        let mut buf = [b' '; 20];
        buf[..t.len()].copy_from_slice(t);
        Some(Barcode {
            len: t.len() as u8,
            buf,
        })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len as usize]).expect("ascii")
    }

    /// True when no barcode.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for Barcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// What the scan tunnel made of the item.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Read {
    /// `G`: good read.
    Good,
    /// `N`: no read.
    NoRead,
    /// `M`: several barcodes.
    Multiple,
}

/// Why the host chose its chutes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reason {
    /// `RT` carrier route.
    Route,
    /// `HD` customs hold.
    Hold,
    /// `NR` no read.
    NoRead,
    /// `ND` barcode unknown to the host.
    NoData,
    /// `MB` several barcodes of different parcels.
    MultipleParcels,
    /// `EX` no route for the address.
    Exception,
    /// `RJ` too many recirculations.
    Reject,
    /// `FU` every chute of the route full or closed (no chute offered).
    AllFull,
}

/// What the sorter did with the item.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// `SO` sorted into the chute.
    Sorted,
    /// `NR` no read.
    NoRead,
    /// `ND` no destination.
    NoDestination,
    /// `CF` chute full.
    ChuteFull,
    /// `RC` recirculated.
    Recirculated,
    /// `RJ` rejected.
    Rejected,
}

impl From<Outcome> for hangar_model::DischargeOutcome {
    fn from(o: Outcome) -> Self {
        use hangar_model::DischargeOutcome as D;
        match o {
            Outcome::Sorted => D::Sorted,
            Outcome::NoRead => D::NoRead,
            Outcome::NoDestination => D::NoDestination,
            Outcome::ChuteFull => D::ChuteFull,
            Outcome::Recirculated => D::Recirculated,
            Outcome::Rejected => D::Rejected,
        }
    }
}

impl From<hangar_model::DischargeOutcome> for Outcome {
    fn from(o: hangar_model::DischargeOutcome) -> Self {
        use hangar_model::DischargeOutcome as D;
        match o {
            D::Sorted => Outcome::Sorted,
            D::NoRead => Outcome::NoRead,
            D::NoDestination => Outcome::NoDestination,
            D::ChuteFull => Outcome::ChuteFull,
            D::Recirculated => Outcome::Recirculated,
            D::Rejected => Outcome::Rejected,
        }
    }
}

/// A chute's state as the sorter reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChuteState {
    /// `O`.
    Open,
    /// `F`.
    Full,
    /// `C`.
    Closed,
}

/// Why a telegram was refused (the NK reason).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NakReason {
    /// `FR` framing.
    Framing,
    /// `LN` wrong length for its type.
    Length,
    /// `TY` unknown type.
    Type,
    /// `FD` a field is not valid.
    Field,
    /// `SQ` sequence number not valid.
    Sequence,
}

macro_rules! codes {
    ($t:ty { $($v:ident => $c:literal),* $(,)? }) => {
        impl $t {
            /// The code on the wire.
            pub fn code(self) -> &'static [u8] {
                match self { $(Self::$v => $c),* }
            }
            /// From the code on the wire.
            pub fn from_code(c: &[u8]) -> Option<Self> {
                match c { $(x if x == $c => Some(Self::$v),)* _ => None }
            }
        }
    };
}
codes!(Read { Good => b"G", NoRead => b"N", Multiple => b"M" });
codes!(Reason { Route => b"RT", Hold => b"HD", NoRead => b"NR", NoData => b"ND", MultipleParcels => b"MB", Exception => b"EX", Reject => b"RJ", AllFull => b"FU" });
codes!(Outcome { Sorted => b"SO", NoRead => b"NR", NoDestination => b"ND", ChuteFull => b"CF", Recirculated => b"RC", Rejected => b"RJ" });
codes!(ChuteState { Open => b"O", Full => b"F", Closed => b"C" });
codes!(NakReason { Framing => b"FR", Length => b"LN", Type => b"TY", Field => b"FD", Sequence => b"SQ" });

/// A destination request (DR).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Request {
    /// Sorter item (tray) number, 0..=99_999_999.
    pub item: u32,
    /// Read status.
    pub read: Read,
    /// Barcodes read (`count` of them are meaningful).
    pub barcodes: [Barcode; 3],
    /// How many barcodes.
    pub count: u8,
    /// Weight in grams.
    pub weight_g: u32,
    /// Length, width, height in mm.
    pub dims_mm: [u16; 3],
    /// Scan tunnel.
    pub scanner: u8,
    /// Recirculations so far.
    pub recirculations: u8,
    /// Milliseconds since midnight UTC.
    pub time_ms: u32,
}

/// A destination answer (DA).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Answer {
    /// As in the request.
    pub item: u32,
    /// Chutes in priority order (`count` of them).
    pub chutes: [u16; 4],
    /// How many chutes, 0..=4.
    pub count: u8,
    /// Why.
    pub reason: Reason,
    /// The barcode decided on.
    pub barcode: Barcode,
}

/// A discharge confirmation (DC).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Discharge {
    /// Sorter item.
    pub item: u32,
    /// Barcode as answered.
    pub barcode: Barcode,
    /// Chute the item went to.
    pub chute: u16,
    /// What happened.
    pub outcome: Outcome,
    /// Recirculations.
    pub recirculations: u8,
    /// Milliseconds since midnight UTC.
    pub time_ms: u32,
}

/// What a telegram says.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Body {
    /// DR.
    Request(Request),
    /// DA.
    Answer(Answer),
    /// DC.
    Discharge(Discharge),
    /// CS.
    ChuteStatus {
        /// Chute.
        chute: u16,
        /// State.
        state: ChuteState,
    },
    /// HB.
    Heartbeat {
        /// Milliseconds since midnight UTC.
        time_ms: u32,
    },
    /// AK.
    Ack,
    /// NK.
    Nak {
        /// Why.
        reason: NakReason,
        /// In words (at most 30 characters are sent).
        text: String,
    },
}

/// One telegram.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Telegram {
    /// Sorter number, 0..=99.
    pub sorter: u8,
    /// Sequence number, 0..=999_999.
    pub seq: u32,
    /// Content.
    pub body: Body,
}

/// A telegram that could not be read: the NK to send back.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("{reason:?} (seq {seq}): {text}")]
pub struct Refusal {
    /// Sequence number of the refused telegram, 0 if it could not be read.
    pub seq: u32,
    /// NK reason.
    pub reason: NakReason,
    /// In words.
    pub text: String,
}

impl Refusal {
    /// The NK telegram for this refusal.
    pub fn nak(&self, sorter: u8) -> Telegram {
        Telegram {
            sorter,
            seq: self.seq,
            body: Body::Nak {
                reason: self.reason,
                text: self.text.clone(),
            },
        }
    }
}

fn body_len(t: &[u8]) -> Option<usize> {
    Some(match t {
        b"DR" => 100,
        b"DA" | b"DC" => 43,
        b"CS" => 4,
        b"HB" => 9,
        b"AK" => 0,
        b"NK" => 32,
        _ => return None,
    })
}

fn put_num(out: &mut Vec<u8>, v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut n = v;
    for i in (0..width).rev() {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    debug_assert!(n == 0, "{v} does not fit in {width} digits");
    out.extend_from_slice(&buf[..width]);
}

fn put_text(out: &mut Vec<u8>, s: &[u8], width: usize) {
    let n = s.len().min(width);
    out.extend_from_slice(&s[..n]);
    out.extend(std::iter::repeat_n(b' ', width - n));
}

impl Telegram {
    /// Appends the telegram, STX to ETX, to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(STX);
        let t: &[u8] = match &self.body {
            Body::Request(_) => b"DR",
            Body::Answer(_) => b"DA",
            Body::Discharge(_) => b"DC",
            Body::ChuteStatus { .. } => b"CS",
            Body::Heartbeat { .. } => b"HB",
            Body::Ack => b"AK",
            Body::Nak { .. } => b"NK",
        };
        out.extend_from_slice(t);
        put_num(out, u64::from(self.sorter), 2);
        put_num(out, u64::from(self.seq), 6);
        match &self.body {
            Body::Request(r) => {
                put_num(out, u64::from(r.item), 8);
                out.extend_from_slice(r.read.code());
                put_num(out, u64::from(r.count), 1);
                for b in &r.barcodes {
                    out.extend_from_slice(&b.buf);
                }
                put_num(out, u64::from(r.weight_g), 6);
                for d in r.dims_mm {
                    put_num(out, u64::from(d), 4);
                }
                put_num(out, u64::from(r.scanner), 2);
                put_num(out, u64::from(r.recirculations), 1);
                put_time(out, r.time_ms);
            }
            Body::Answer(a) => {
                put_num(out, u64::from(a.item), 8);
                put_num(out, u64::from(a.count), 1);
                for (i, c) in a.chutes.iter().enumerate() {
                    put_num(
                        out,
                        if i < a.count as usize {
                            u64::from(*c)
                        } else {
                            0
                        },
                        3,
                    );
                }
                out.extend_from_slice(a.reason.code());
                out.extend_from_slice(&a.barcode.buf);
            }
            Body::Discharge(d) => {
                put_num(out, u64::from(d.item), 8);
                out.extend_from_slice(&d.barcode.buf);
                put_num(out, u64::from(d.chute), 3);
                out.extend_from_slice(d.outcome.code());
                put_num(out, u64::from(d.recirculations), 1);
                put_time(out, d.time_ms);
            }
            Body::ChuteStatus { chute, state } => {
                put_num(out, u64::from(*chute), 3);
                out.extend_from_slice(state.code());
            }
            Body::Heartbeat { time_ms } => put_time(out, *time_ms),
            Body::Ack => {}
            Body::Nak { reason, text } => {
                out.extend_from_slice(reason.code());
                let clean: Vec<u8> = text
                    .bytes()
                    .map(|c| if (0x20..=0x7e).contains(&c) { c } else { b'?' })
                    .collect();
                put_text(out, &clean, 30);
            }
        }
        out.push(ETX);
    }

    /// Decodes a telegram from the bytes between STX and ETX (both excluded).
    pub fn decode(frame: &[u8]) -> Result<Telegram, Refusal> {
        let refuse = |seq: u32, reason: NakReason, text: String| Refusal { seq, reason, text };
        if frame.len() < 10 {
            return Err(refuse(
                0,
                NakReason::Length,
                format!("telegram of {} bytes, header needs 10", frame.len()),
            ));
        }
        if let Some(bad) = frame.iter().position(|c| !(0x20..=0x7e).contains(c)) {
            return Err(refuse(
                0,
                NakReason::Framing,
                format!("byte {bad} is not printable ASCII"),
            ));
        }
        let seq = num(&frame[4..10])
            .ok_or_else(|| refuse(0, NakReason::Sequence, "sequence is not 6 digits".into()))?
            as u32;
        let sorter = num(&frame[2..4])
            .ok_or_else(|| refuse(seq, NakReason::Field, "sorter is not 2 digits".into()))?
            as u8;
        let t = &frame[..2];
        let want = body_len(t).ok_or_else(|| {
            refuse(
                seq,
                NakReason::Type,
                format!("unknown telegram type {}", String::from_utf8_lossy(t)),
            )
        })?;
        let b = &frame[10..];
        if b.len() != want {
            return Err(refuse(
                seq,
                NakReason::Length,
                format!(
                    "{} body of {} bytes, expected {want}",
                    String::from_utf8_lossy(t),
                    b.len()
                ),
            ));
        }
        let field = |name: &str| refuse(seq, NakReason::Field, format!("{name} is not valid"));
        let n = |r: std::ops::Range<usize>, name: &str| num(&b[r]).ok_or_else(|| field(name));
        let body = match t {
            b"DR" => {
                let count = n(9..10, "codes")? as u8;
                if count > 3 {
                    return Err(field("codes"));
                }
                let mut barcodes = [Barcode::default(); 3];
                for (i, bc) in barcodes.iter_mut().enumerate() {
                    *bc = barcode(&b[10 + 20 * i..30 + 20 * i]);
                }
                Body::Request(Request {
                    item: n(0..8, "item")? as u32,
                    read: Read::from_code(&b[8..9]).ok_or_else(|| field("read"))?,
                    barcodes,
                    count,
                    weight_g: n(70..76, "weight")? as u32,
                    dims_mm: [
                        n(76..80, "length")? as u16,
                        n(80..84, "width")? as u16,
                        n(84..88, "height")? as u16,
                    ],
                    scanner: n(88..90, "scanner")? as u8,
                    recirculations: n(90..91, "recirculations")? as u8,
                    time_ms: time(&b[91..100]).ok_or_else(|| field("time"))?,
                })
            }
            b"DA" => {
                let count = n(8..9, "count")? as u8;
                if count > 4 {
                    return Err(field("count"));
                }
                Body::Answer(Answer {
                    item: n(0..8, "item")? as u32,
                    chutes: [
                        n(9..12, "chute 1")? as u16,
                        n(12..15, "chute 2")? as u16,
                        n(15..18, "chute 3")? as u16,
                        n(18..21, "chute 4")? as u16,
                    ],
                    count,
                    reason: Reason::from_code(&b[21..23]).ok_or_else(|| field("reason"))?,
                    barcode: barcode(&b[23..43]),
                })
            }
            b"DC" => Body::Discharge(Discharge {
                item: n(0..8, "item")? as u32,
                barcode: barcode(&b[8..28]),
                chute: n(28..31, "chute")? as u16,
                outcome: Outcome::from_code(&b[31..33]).ok_or_else(|| field("outcome"))?,
                recirculations: n(33..34, "recirculations")? as u8,
                time_ms: time(&b[34..43]).ok_or_else(|| field("time"))?,
            }),
            b"CS" => Body::ChuteStatus {
                chute: n(0..3, "chute")? as u16,
                state: ChuteState::from_code(&b[3..4]).ok_or_else(|| field("state"))?,
            },
            b"HB" => Body::Heartbeat {
                time_ms: time(b).ok_or_else(|| field("time"))?,
            },
            b"AK" => Body::Ack,
            b"NK" => Body::Nak {
                reason: NakReason::from_code(&b[..2]).ok_or_else(|| field("reason"))?,
                text: String::from_utf8_lossy(&b[2..]).trim_end().to_string(),
            },
            _ => unreachable!("type checked above"),
        };
        Ok(Telegram { sorter, seq, body })
    }
}

fn num(b: &[u8]) -> Option<u64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u64, |a, &c| a * 10 + u64::from(c - b'0')))
}

fn barcode(b: &[u8]) -> Barcode {
    let text = std::str::from_utf8(b).unwrap_or("");
    Barcode::new(text).unwrap_or_default()
}

/// `HHMMSSmmm` to milliseconds since midnight.
fn time(b: &[u8]) -> Option<u32> {
    let h = num(&b[0..2])? as u32;
    let m = num(&b[2..4])? as u32;
    let s = num(&b[4..6])? as u32;
    let ms = num(&b[6..9])? as u32;
    (h < 24 && m < 60 && s < 60).then_some(((h * 60 + m) * 60 + s) * 1000 + ms)
}

fn put_time(out: &mut Vec<u8>, ms: u32) {
    let ms = ms % 86_400_000;
    put_num(out, u64::from(ms / 3_600_000), 2);
    put_num(out, u64::from(ms / 60_000 % 60), 2);
    put_num(out, u64::from(ms / 1000 % 60), 2);
    put_num(out, u64::from(ms % 1000), 3);
}

/// Cuts a byte stream into telegrams. Bytes outside STX..ETX are dropped; a telegram cut short
/// by a new STX is reported as a framing error; more than `MAX_TELEGRAM` bytes without ETX is
/// `Oversized` (the caller closes the connection). Holds at most `MAX_TELEGRAM` bytes.
#[derive(Default)]
pub struct Framer {
    buf: Vec<u8>,
    in_frame: bool,
}

/// One step of the framer.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed {
    /// A whole telegram's bytes between STX and ETX.
    Telegram(Vec<u8>),
    /// A telegram cut off by a new STX.
    Broken,
    /// Too long without ETX.
    Oversized,
}

impl Framer {
    /// Feeds `bytes`, calling `f` for each telegram or problem, in order. Stops early (and
    /// returns false) on `Oversized`.
    pub fn feed(&mut self, bytes: &[u8], mut f: impl FnMut(Framed)) -> bool {
        for &c in bytes {
            match c {
                STX => {
                    if self.in_frame {
                        f(Framed::Broken);
                    }
                    self.buf.clear();
                    self.in_frame = true;
                }
                ETX if self.in_frame => {
                    f(Framed::Telegram(std::mem::take(&mut self.buf)));
                    self.in_frame = false;
                }
                _ if self.in_frame => {
                    if self.buf.len() + 2 >= MAX_TELEGRAM {
                        f(Framed::Oversized);
                        self.buf.clear();
                        self.in_frame = false;
                        return false;
                    }
                    self.buf.push(c);
                }
                _ => {}
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The worked examples of docs/sorter-protocol.md, decoded and encoded back byte for byte.
    #[test]
    fn the_documents_examples_round_trip() {
        let doc = include_str!("../../../docs/sorter-protocol.md");
        let examples: Vec<&str> = doc.lines().filter(|l| l.starts_with("<STX>")).collect();
        assert_eq!(examples.len(), 6);
        let mut seen = Vec::new();
        for ex in examples {
            let body = ex
                .strip_prefix("<STX>")
                .unwrap()
                .strip_suffix("<ETX>")
                .unwrap();
            let t = Telegram::decode(body.as_bytes()).unwrap_or_else(|e| panic!("{ex}: {e}"));
            let mut out = Vec::new();
            t.encode(&mut out);
            assert_eq!(out, [&[STX][..], body.as_bytes(), &[ETX]].concat(), "{ex}");
            seen.push(t);
        }
        let Body::Request(r) = &seen[0].body else {
            panic!()
        };
        assert_eq!(
            (r.item, r.read, r.count, r.barcodes[0].as_str(), r.weight_g),
            (12_345_678, Read::Good, 1, "UA000000014CN", 450)
        );
        assert_eq!(
            (r.dims_mm, r.scanner, r.recirculations, r.time_ms),
            ([300, 200, 100], 1, 0, 29_702_123)
        );
        let Body::Answer(a) = &seen[1].body else {
            panic!()
        };
        assert_eq!(
            (a.count, &a.chutes[..2], a.reason),
            (2, &[24u16, 25][..], Reason::Route)
        );
        let Body::Discharge(d) = &seen[2].body else {
            panic!()
        };
        assert_eq!((d.chute, d.outcome, seen[2].seq), (24, Outcome::Sorted, 42));
        assert_eq!(seen[3].body, Body::Ack);
        assert_eq!(
            seen[4].body,
            Body::ChuteStatus {
                chute: 25,
                state: ChuteState::Full
            }
        );
        assert_eq!(
            seen[5].body,
            Body::Nak {
                reason: NakReason::Type,
                text: "unknown telegram type XX".into()
            }
        );
    }

    #[test]
    fn refusals_say_why() {
        let e = Telegram::decode(b"XX01000044").unwrap_err();
        assert_eq!((e.seq, e.reason), (44, NakReason::Type));
        let e = Telegram::decode(b"CS01000043025").unwrap_err();
        assert_eq!(
            (e.reason, e.text.as_str()),
            (NakReason::Length, "CS body of 3 bytes, expected 4")
        );
        let e = Telegram::decode(b"CS01000043025X").unwrap_err();
        assert_eq!(
            (e.reason, e.text.as_str()),
            (NakReason::Field, "state is not valid")
        );
        let e = Telegram::decode(b"CS01A00043025F").unwrap_err();
        assert_eq!(e.reason, NakReason::Sequence);
        let e = Telegram::decode(b"HB01000001256000000").unwrap_err();
        assert_eq!(e.reason, NakReason::Field);
        let nak = e.nak(1);
        let mut out = Vec::new();
        nak.encode(&mut out);
        assert_eq!(out.len(), 44);
    }

    #[test]
    fn framer_drops_noise_reports_broken_and_bounds_memory() {
        let mut f = Framer::default();
        let mut got = Vec::new();
        assert!(f.feed(
            b"noise\x02AK01000001\x03junk\x02HB01\x02AK01000002\x03",
            |x| got.push(x)
        ));
        assert_eq!(
            got,
            vec![
                Framed::Telegram(b"AK01000001".to_vec()),
                Framed::Broken,
                Framed::Telegram(b"AK01000002".to_vec())
            ]
        );
        // Split across reads.
        got.clear();
        assert!(f.feed(b"\x02AK010", |x| got.push(x)));
        assert!(f.feed(b"00003\x03", |x| got.push(x)));
        assert_eq!(got, vec![Framed::Telegram(b"AK01000003".to_vec())]);
        // Oversized.
        let mut big = vec![STX];
        big.extend(std::iter::repeat_n(b'A', 600));
        got.clear();
        assert!(!f.feed(&big, |x| got.push(x)));
        assert_eq!(got, vec![Framed::Oversized]);
    }

    #[test]
    fn an_empty_barcode_is_spaces_on_the_wire() {
        let t = Telegram {
            sorter: 1,
            seq: 1,
            body: Body::Request(Request {
                item: 1,
                read: Read::NoRead,
                barcodes: [Barcode::default(); 3],
                count: 0,
                weight_g: 1,
                dims_mm: [1, 1, 1],
                scanner: 1,
                recirculations: 0,
                time_ms: 0,
            }),
        };
        let mut out = Vec::new();
        t.encode(&mut out);
        assert_eq!(Telegram::decode(&out[1..out.len() - 1]).unwrap(), t);
    }

    proptest! {
        #[test]
        fn decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Telegram::decode(&bytes);
            let mut f = Framer::default();
            f.feed(&bytes, |_| {});
        }

        #[test]
        fn discharges_round_trip(item in 0u32..100_000_000, chute in 0u16..1000, rc in 0u8..10, t in 0u32..86_400_000, seq in 0u32..=MAX_SEQ) {
            let tg = Telegram { sorter: 7, seq, body: Body::Discharge(Discharge {
                item, barcode: Barcode::new("UA000000014CN").unwrap(), chute, outcome: Outcome::Recirculated, recirculations: rc, time_ms: t,
            })};
            let mut out = Vec::new();
            tg.encode(&mut out);
            prop_assert_eq!(out.len(), 55);
            prop_assert_eq!(Telegram::decode(&out[1..out.len() - 1]).unwrap(), tg);
        }
    }
}
