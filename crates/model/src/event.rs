//! The event spine: every step of a parcel's life (and of the flights and trucks that carry it)
//! is an `Event` with an industry status code, a time, an actor and a location. State is derived
//! from events, never stored beside them.

use crate::ascii::{Ascii, string_id};
use crate::{BagId, FlightKey, Invalid, Mawb, S10Id, TruckId, UldId};

/// Status codes. Where the industry has one (IATA Cargo-IMP FSU / ONE Record eventCode) it is
/// used; `HLD`, `RFI`, `RTS`, `SDC`, `SRT` and the record-keeping codes (`CFG`, `CFP`, `CFR`,
/// `ACC`, `DNY`, `EXP`, `EXB`, `EXF`, `ERA`) are Hangar's own for steps those vocabularies do
/// not name.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize, serde::Deserialize,
)]
pub enum EventCode {
    /// Manifested: the parcel is on a manifest the hub received.
    MAN,
    /// Departed from the airport of loading.
    DEP,
    /// Arrived at the hub.
    ARR,
    /// Received from flight: scanned at breakdown.
    RCF,
    /// Reported to customs: the import declaration (H7) was lodged.
    CRC,
    /// Held by customs (Hangar code): inspection or a full declaration needed.
    HLD,
    /// Customs requested information (Hangar code, after ICS2's "request for information").
    RFI,
    /// Refused by customs (Hangar code): to be returned to the sender or destroyed.
    RTS,
    /// Cleared by customs: released for free circulation.
    CCD,
    /// Sort decision (Hangar code): the host told the sorter which chute.
    SDC,
    /// Sorted (Hangar code): the sorter reported the discharge.
    SRT,
    /// Discrepancy: missing, found or damaged.
    DIS,
    /// Freight out of warehouse: loaded onto an outbound truck.
    FOW,
    /// Delivered to the carrier's agent: handed over at the dock.
    DLV,
    /// Truck opened (Hangar code): an outbound truck at a dock, for one carrier route.
    TRK,
    /// Configuration changed (Hangar code): a route plan, a rule, a threshold.
    CFG,
    /// Sensitive data read (Hangar code): who looked at a parcel's personal or commercial data.
    ACC,
    /// Access denied (Hangar code): a request for data or an action its caller may not have.
    DNY,
    /// A control change proposed (Hangar code): it weakens a control and waits for a second
    /// person's approval.
    CFP,
    /// A control change refused (Hangar code).
    CFR,
    /// Data exported (Hangar code): data left the hub through the egress gate.
    EXP,
    /// Export blocked (Hangar code): the egress gate refused to let data leave.
    EXB,
    /// Export failed (Hangar code): an export recorded as leaving may not have arrived.
    EXF,
    /// Data erased (Hangar code): a parcel's personal or commercial data was erased.
    ERA,
}

impl EventCode {
    /// Every code, in the order of a parcel's life.
    pub const ALL: [EventCode; 24] = [
        EventCode::MAN,
        EventCode::DEP,
        EventCode::ARR,
        EventCode::RCF,
        EventCode::CRC,
        EventCode::HLD,
        EventCode::RFI,
        EventCode::RTS,
        EventCode::CCD,
        EventCode::SDC,
        EventCode::SRT,
        EventCode::DIS,
        EventCode::FOW,
        EventCode::DLV,
        EventCode::TRK,
        EventCode::CFG,
        EventCode::ACC,
        EventCode::DNY,
        EventCode::CFP,
        EventCode::CFR,
        EventCode::EXP,
        EventCode::EXB,
        EventCode::EXF,
        EventCode::ERA,
    ];

    /// The three-letter code.
    pub fn as_str(self) -> &'static str {
        match self {
            EventCode::MAN => "MAN",
            EventCode::DEP => "DEP",
            EventCode::ARR => "ARR",
            EventCode::RCF => "RCF",
            EventCode::CRC => "CRC",
            EventCode::HLD => "HLD",
            EventCode::RFI => "RFI",
            EventCode::RTS => "RTS",
            EventCode::CCD => "CCD",
            EventCode::SDC => "SDC",
            EventCode::SRT => "SRT",
            EventCode::DIS => "DIS",
            EventCode::FOW => "FOW",
            EventCode::DLV => "DLV",
            EventCode::TRK => "TRK",
            EventCode::CFG => "CFG",
            EventCode::ACC => "ACC",
            EventCode::DNY => "DNY",
            EventCode::CFP => "CFP",
            EventCode::CFR => "CFR",
            EventCode::EXP => "EXP",
            EventCode::EXB => "EXB",
            EventCode::EXF => "EXF",
            EventCode::ERA => "ERA",
        }
    }

    /// What the code means, in words a hub operator uses.
    pub fn meaning(self) -> &'static str {
        match self {
            EventCode::MAN => "manifested",
            EventCode::DEP => "departed origin",
            EventCode::ARR => "arrived at hub",
            EventCode::RCF => "received from flight",
            EventCode::CRC => "reported to customs",
            EventCode::HLD => "held by customs",
            EventCode::RFI => "customs asked for information",
            EventCode::RTS => "refused by customs",
            EventCode::CCD => "cleared by customs",
            EventCode::SDC => "sort decision",
            EventCode::SRT => "discharged by sorter",
            EventCode::DIS => "discrepancy",
            EventCode::FOW => "loaded on truck",
            EventCode::DLV => "handed over to carrier",
            EventCode::TRK => "truck opened at a dock",
            EventCode::CFG => "configuration changed",
            EventCode::ACC => "sensitive data read",
            EventCode::DNY => "access denied",
            EventCode::CFP => "control change proposed",
            EventCode::CFR => "control change refused",
            EventCode::EXP => "data exported",
            EventCode::EXB => "export blocked",
            EventCode::EXF => "export failed",
            EventCode::ERA => "data erased",
        }
    }

    /// Whether the code records something about the hub's data or settings (a read, an export,
    /// a change, an erasure) rather than a step of a parcel's journey.
    pub fn is_record_keeping(self) -> bool {
        matches!(
            self,
            EventCode::CFG
                | EventCode::CFP
                | EventCode::CFR
                | EventCode::ACC
                | EventCode::DNY
                | EventCode::EXP
                | EventCode::EXB
                | EventCode::EXF
                | EventCode::ERA
        )
    }

    /// Parses a three-letter code.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        EventCode::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Invalid::new(
                    "an event code (MAN, DEP, ARR, RCF, CRC, HLD, RFI, RTS, CCD, SDC, SRT, DIS, FOW, DLV, TRK, CFG, CFP, CFR, ACC, DNY, EXP, EXB, EXF, ERA)",
                    s,
                )
            })
    }
}

/// What an event is about.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// One parcel.
    Parcel(S10Id),
    /// A consignment under one master air waybill.
    Consignment(Mawb),
    /// A flight.
    Flight(FlightKey),
    /// An outbound truck.
    Truck(TruckId),
    /// A sorter (for items it could not tie to a parcel).
    Sorter(u8),
    /// One of the hub's guarded settings (route plan, rules, thresholds, flows, users, ...).
    Control(crate::Control),
    /// The hub as a whole: reads of many records, exports, access refused.
    Hub,
}

impl Subject {
    /// The kind as stored (`parcel`, `consignment`, `flight`, `truck`, `sorter`, `control`, `hub`).
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Parcel(_) => "parcel",
            Subject::Consignment(_) => "consignment",
            Subject::Flight(_) => "flight",
            Subject::Truck(_) => "truck",
            Subject::Sorter(_) => "sorter",
            Subject::Control(_) => "control",
            Subject::Hub => "hub",
        }
    }

    /// The subject's key as text (`RB123456785CN`, `999-12345675`, `CK211/2026-11-22`, ...).
    pub fn key(&self) -> String {
        match self {
            Subject::Parcel(id) => id.to_string(),
            Subject::Consignment(m) => m.to_string(),
            Subject::Flight(f) => f.to_string(),
            Subject::Truck(t) => t.to_string(),
            Subject::Sorter(n) => format!("S{n:02}"),
            Subject::Control(c) => c.as_str().to_string(),
            Subject::Hub => "hub".to_string(),
        }
    }

    /// Rebuilds a subject from its stored kind and key.
    pub fn from_parts(kind: &str, key: &str) -> Result<Self, Invalid> {
        Ok(match kind {
            "parcel" => Subject::Parcel(S10Id::parse(key)?),
            "consignment" => Subject::Consignment(Mawb::parse(key)?),
            "flight" => {
                let (n, d) = key
                    .split_once('/')
                    .ok_or_else(|| Invalid::new("a flight key like CK211/2026-11-22", key))?;
                Subject::Flight(FlightKey {
                    number: crate::FlightNo::parse(n)?,
                    date: crate::Date::parse(d)?,
                })
            }
            "truck" => Subject::Truck(TruckId::parse(key)?),
            "sorter" => Subject::Sorter(
                key.strip_prefix('S')
                    .and_then(|n| n.parse().ok())
                    .filter(|n: &u8| *n <= 99)
                    .ok_or_else(|| Invalid::new("a sorter like S01", key))?,
            ),
            "control" => Subject::Control(crate::Control::parse(key)?),
            // Before controls were one kind, the route plan was its own.
            "route_plan" => Subject::Control(crate::Control::RoutePlan),
            "hub" => Subject::Hub,
            other => {
                return Err(Invalid::new(
                    "a subject kind: parcel, consignment, flight, truck, sorter, control or hub",
                    other,
                ));
            }
        })
    }
}

fn short_token(s: &str, what: &'static str) -> Result<Ascii<40>, Invalid> {
    let t = s.trim();
    let ok = !t.is_empty()
        && t.len() <= 40
        && t.bytes().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b':' | b'/' | b'-' | b'_' | b'.' | b'@')
        });
    if ok {
        Ok(Ascii::new(t.as_bytes()))
    } else {
        Err(Invalid::new(what, s))
    }
}

/// Who caused an event: `system:<component>`, `sorter:<id>`, `user:<login>` (1-40 characters of
/// letters, digits and `:/-_.@`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Actor(Ascii<40>);
string_id!(Actor);

impl Actor {
    /// Parses an actor token.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        short_token(
            s,
            "an actor like system:ingest or user:alice (1-40 letters, digits or :/-_.@)",
        )
        .map(Actor)
    }
}

/// Where an event happened: airport code, optionally followed by `/area/...` (e.g.
/// `LGG/S1/CH042`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location(Ascii<40>);
string_id!(Location);

impl Location {
    /// Parses a location token.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        short_token(
            s,
            "a location like LGG/S1/CH042 (1-40 letters, digits or :/-_.@)",
        )
        .map(Location)
    }
}

/// Why customs held a parcel.
#[derive(Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CustomsReason {
    /// Intrinsic value above the H7 ceiling: a full declaration is needed.
    OverH7Threshold {
        /// Value converted to euro cents.
        value_eur_cents: i64,
    },
    /// A required H7 data element is missing or unusable.
    MissingElement {
        /// Which element, in the H7 data set's words.
        element: String,
    },
    /// The IOSS number given is not a well-formed IOSS number.
    MalformedIoss,
    /// Goods that always need a full declaration (excise goods, weapons, ...).
    ExcludedGoods {
        /// Item line, from 1.
        item: u32,
        /// Why, in words.
        why: String,
    },
    /// A risk rule fired (undervaluation, split consignment, description vs tariff code,
    /// restricted goods, an IOSS signal).
    Risk {
        /// The rule, snake case (`undervalued`, `split_consignment`, ...).
        rule: String,
        /// Why, in words an officer reads.
        why: String,
    },
    /// A party matches an entity on a denied-party list.
    DeniedParty {
        /// `consignor` or `consignee`.
        party: String,
        /// The list (`UN`, `EU`, ...).
        list: String,
        /// The entity's reference on it.
        entity: String,
        /// Its listed name (public), never the party's own.
        listed_name: String,
        /// Match score, percent.
        score_pct: u32,
    },
}

impl CustomsReason {
    /// The reason's name, as counted in summaries (`over_h7_threshold`, `undervalued`,
    /// `denied_party`, ...).
    pub fn name(&self) -> &str {
        match self {
            CustomsReason::OverH7Threshold { .. } => "over_h7_threshold",
            CustomsReason::MissingElement { .. } => "missing_element",
            CustomsReason::MalformedIoss => "malformed_ioss",
            CustomsReason::ExcludedGoods { .. } => "excluded_goods",
            CustomsReason::Risk { rule, .. } => rule,
            CustomsReason::DeniedParty { .. } => "denied_party",
        }
    }

    /// One line an officer reads.
    pub fn describe(&self) -> String {
        match self {
            CustomsReason::OverH7Threshold { value_eur_cents } => format!(
                "intrinsic value EUR {}.{:02} is over the H7 ceiling: a full declaration is needed",
                value_eur_cents / 100,
                value_eur_cents % 100
            ),
            CustomsReason::MissingElement { element } => {
                format!("H7 element missing or unusable: {element}")
            }
            CustomsReason::MalformedIoss => {
                "the IOSS number given is not a well-formed IOSS number".into()
            }
            CustomsReason::ExcludedGoods { item, why } => {
                format!("item {item}: needs a full declaration: {why}")
            }
            CustomsReason::Risk { rule, why } => format!("{rule}: {why}"),
            CustomsReason::DeniedParty {
                party,
                list,
                entity,
                listed_name,
                score_pct,
            } => format!("{party} matches {list} {entity} {listed_name:?} (score {score_pct} %)"),
        }
    }
}

/// What customs decided about a consignment.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CustomsOutcome {
    /// Released for free circulation (CCD).
    Release,
    /// More information needed from the declarant or the seller (RFI).
    RequestInfo,
    /// Held for inspection or a full declaration (HLD).
    Hold,
    /// Refused entry: returned to the sender or destroyed (RTS).
    Refuse,
}

impl CustomsOutcome {
    /// The event that records it.
    pub fn code(self) -> EventCode {
        match self {
            CustomsOutcome::Release => EventCode::CCD,
            CustomsOutcome::RequestInfo => EventCode::RFI,
            CustomsOutcome::Hold => EventCode::HLD,
            CustomsOutcome::Refuse => EventCode::RTS,
        }
    }

    /// The outcome an event code records, if it records one.
    pub fn of(code: EventCode) -> Option<CustomsOutcome> {
        Some(match code {
            EventCode::CCD => CustomsOutcome::Release,
            EventCode::RFI => CustomsOutcome::RequestInfo,
            EventCode::HLD => CustomsOutcome::Hold,
            EventCode::RTS => CustomsOutcome::Refuse,
            _ => return None,
        })
    }

    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomsOutcome::Release => "release",
            CustomsOutcome::RequestInfo => "request_info",
            CustomsOutcome::Hold => "hold",
            CustomsOutcome::Refuse => "refuse",
        }
    }
}

/// How the sorter reported a discharge.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DischargeOutcome {
    /// Discharged into the chute the host asked for.
    Sorted,
    /// The scan tunnel could not read a barcode.
    NoRead,
    /// The host had no destination for the parcel.
    NoDestination,
    /// Every chute offered was full.
    ChuteFull,
    /// Went round again.
    Recirculated,
    /// Sent to the reject chute.
    Rejected,
}

/// Kind of discrepancy found at the hub.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    /// Manifested but not found at breakdown.
    Missing,
    /// Found without being manifested.
    Found,
    /// Damaged on arrival.
    Damaged,
}

/// What an event says beyond its code.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    /// Nothing more.
    None,
    /// The manifest file (by content digest) and line the parcel came from.
    Manifested {
        /// SHA-256 of the manifest file, hex, first 16 characters.
        file_digest: String,
        /// First line of the parcel in that file.
        line: u64,
        /// Salted SHA-256 commitment to the parcel's parties (personal data), hex. The salt is
        /// kept with the parcel in the store; erasing both leaves this meaningless.
        personal: String,
    },
    /// Breakdown scan: the bag and ULD the parcel came out of.
    Received {
        /// Box or bag.
        bag: BagId,
        /// ULD.
        uld: UldId,
    },
    /// A customs hold, request for information or refusal, with its reasons.
    Held {
        /// At least one reason.
        reasons: Vec<CustomsReason>,
        /// The rule versions applied.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        rules: Vec<String>,
    },
    /// A customs release: what the consignment owes and the rule versions applied.
    Cleared {
        /// Customs duty, euro cents.
        duty_cents: i64,
        /// Import VAT, euro cents.
        vat_cents: i64,
        /// VAT was collected at sale under IOSS (else it is due at import).
        vat_at_sale: bool,
        /// Handling fee, euro cents.
        fee_cents: i64,
        /// The rule versions applied.
        rules: Vec<String>,
    },
    /// A customs decision taken by a person (release, hold, request for information, refusal),
    /// with the reason they gave; the event's actor is who.
    Declarant {
        /// The reason, in their words.
        why: String,
    },
    /// A read of personal or commercially sensitive data (one parcel's, or many records').
    Accessed {
        /// Which data.
        what: String,
        /// Why, as the reader stated it or the command that read.
        purpose: String,
        /// The classes of data read.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        classes: Vec<crate::DataClass>,
        /// How many records were read.
        #[serde(default = "one")]
        records: u64,
        /// The query that read them (route and parameters, or the command).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        query: String,
    },
    /// A request refused: who asked (the event's actor), for what, and why not.
    Denied {
        /// The request (method, path and parameters, or the command).
        query: String,
        /// The classes of data it would have read.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        classes: Vec<crate::DataClass>,
        /// Why it was refused.
        why: String,
        /// Where it came from (network address), when known.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        peer: String,
        /// Further refusals of the same kind folded into this record (bursts are summarised).
        #[serde(default, skip_serializing_if = "is_zero")]
        more: u64,
    },
    /// Data that left the hub through the egress gate, along a declared flow. Recorded before
    /// the bytes go out.
    Exported {
        /// The declared flow.
        flow: String,
        /// Who receives it.
        recipient: String,
        /// Where it went.
        endpoint: String,
        /// The recipient's jurisdiction (ISO country code).
        jurisdiction: String,
        /// Records sent.
        records: u64,
        /// Fields sent.
        fields: Vec<String>,
        /// Their classes.
        classes: Vec<crate::DataClass>,
        /// Fields the gate removed because the flow does not allow them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        removed: Vec<String>,
        /// Statistics groups suppressed for being smaller than the flow's minimum.
        #[serde(default, skip_serializing_if = "is_zero")]
        suppressed: u64,
        /// SHA-256 of the payload as sent, hex.
        digest: String,
        /// Payload size, bytes.
        bytes: u64,
    },
    /// An export the egress gate refused.
    ExportBlocked {
        /// The flow asked for (may be undeclared).
        flow: String,
        /// Where the data was to go.
        endpoint: String,
        /// The destination's jurisdiction, as far as known.
        jurisdiction: String,
        /// Records it would have sent.
        records: u64,
        /// Fields it would have sent.
        fields: Vec<String>,
        /// Their classes.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        classes: Vec<crate::DataClass>,
        /// Why the gate refused.
        why: String,
    },
    /// An export recorded as leaving that failed on the way (the recipient may not have it).
    ExportFailed {
        /// The flow.
        flow: String,
        /// SHA-256 of the payload, hex (as in the `EXP` record).
        digest: String,
        /// What went wrong.
        why: String,
    },
    /// A change of a guarded setting: proposed (`CFP`) or applied (`CFG`).
    ControlChange {
        /// The version this change makes (1 for the first).
        version: u32,
        /// SHA-256 of the new document, hex (empty for users).
        digest: String,
        /// SHA-256 of the document it replaces, hex (empty for the first version).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        before: String,
        /// What changed, one line each, with the value before and after.
        changes: Vec<String>,
        /// Which of the changes weaken a control, and how.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        weakening: Vec<String>,
        /// Why, in the proposer's words.
        reason: String,
        /// Who proposed it (for an approved change: not the event's actor).
        proposer: crate::Actor,
        /// The `CFP` record this applies, when it was approved by a second person.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proposal: Option<u64>,
        /// The new document (TOML), so every version can be read back from the log.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        document: String,
    },
    /// A control change refused: approved by its own proposer, by a role that may not, out of
    /// date, or withdrawn.
    ChangeRefused {
        /// The `CFP` record refused, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proposal: Option<u64>,
        /// Why.
        why: String,
    },
    /// A parcel's data of these classes was erased (retention or a request).
    Erased {
        /// The classes erased.
        classes: Vec<crate::DataClass>,
        /// Why: the retention rule or the request.
        reason: String,
    },
    /// The chute the host chose.
    SortDecision {
        /// Chute number.
        chute: u16,
        /// Carrier route, when the chute serves one.
        route: Option<String>,
        /// 1 for the first pass over the sorter, 2 after rework, ...
        pass: u8,
    },
    /// The sorter's discharge report.
    Discharged {
        /// Chute the parcel went into.
        chute: u16,
        /// What happened.
        outcome: DischargeOutcome,
        /// Pass number.
        pass: u8,
    },
    /// A discrepancy.
    Discrepancy {
        /// Missing, found or damaged.
        what: DiscrepancyKind,
    },
    /// Loaded onto a truck.
    Loaded {
        /// The truck.
        truck: TruckId,
    },
    /// A route plan replaced the previous one.
    PlanChanged {
        /// The new plan's name.
        name: String,
        /// What changed, one line per change.
        changes: Vec<String>,
    },
    /// A discharge the sorter reported for an item not tied to a known parcel.
    SorterItem {
        /// The sorter's item number.
        item: u32,
        /// The barcode read, if any.
        barcode: String,
        /// Chute the item went to.
        chute: u16,
        /// What happened.
        outcome: DischargeOutcome,
    },
    /// Handed over to a carrier.
    HandedOver {
        /// The truck.
        truck: TruckId,
        /// Carrier taking the parcel.
        carrier: String,
    },
    /// An outbound truck opened at a dock for one carrier route.
    TruckOpened {
        /// The carrier route it serves.
        route: String,
        /// The dock it stands at.
        dock: String,
        /// When it is planned to leave.
        departs: crate::Timestamp,
    },
    /// An outbound truck closed: every parcel on it handed over.
    TruckClosed {
        /// The carrier route it served.
        route: String,
        /// Parcels handed over.
        parcels: u64,
    },
}

fn one() -> u64 {
    1
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Detail {
    /// One line saying what the detail records, in words people read (no personal data: details
    /// hold none).
    pub fn describe(&self) -> String {
        fn eur(cents: i64) -> String {
            format!("EUR {}.{:02}", cents / 100, (cents % 100).abs())
        }
        fn classes(c: &[crate::DataClass]) -> String {
            c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("+")
        }
        match self {
            Detail::None => String::new(),
            Detail::Manifested { line, .. } => format!("manifest line {line}"),
            Detail::Received { bag, uld } => format!("bag {bag} from ULD {uld}"),
            Detail::Held { reasons, .. } => {
                let r: Vec<&str> = reasons.iter().map(|r| r.name()).collect();
                r.join(", ")
            }
            Detail::Cleared {
                duty_cents,
                vat_cents,
                vat_at_sale,
                fee_cents,
                ..
            } => format!(
                "duty {}, VAT {} ({}){}",
                eur(*duty_cents),
                eur(*vat_cents),
                if *vat_at_sale {
                    "collected at sale, IOSS"
                } else {
                    "due at import"
                },
                if *fee_cents > 0 {
                    format!(", handling fee {}", eur(*fee_cents))
                } else {
                    String::new()
                }
            ),
            Detail::Declarant { why } => format!("reason: {why}"),
            Detail::Accessed {
                what,
                purpose,
                classes: c,
                records,
                ..
            } => {
                if c.is_empty() {
                    format!("{what} ({purpose})")
                } else {
                    format!("{what}: {records} records, {} ({purpose})", classes(c))
                }
            }
            Detail::Denied {
                query, why, more, ..
            } => {
                let more = if *more > 0 {
                    format!(" (and {more} more)")
                } else {
                    String::new()
                };
                format!("{query}: {why}{more}")
            }
            Detail::SortDecision { chute, route, pass } => format!(
                "chute {chute}{} (pass {pass})",
                route
                    .as_ref()
                    .map(|r| format!(", route {r}"))
                    .unwrap_or_default()
            ),
            Detail::Discharged { chute, outcome, .. } => format!("{outcome:?} into chute {chute}"),
            Detail::Discrepancy { what } => format!("{what:?}"),
            Detail::Loaded { truck } => format!("truck {truck}"),
            Detail::HandedOver { truck, carrier } => format!("{carrier}, truck {truck}"),
            Detail::TruckOpened {
                route,
                dock,
                departs,
            } => format!("route {route} at dock {dock}, leaves {departs}"),
            Detail::TruckClosed { route, parcels } => {
                format!("route {route}: {parcels} parcels handed over")
            }
            Detail::PlanChanged { name, changes } => {
                format!("plan {name}: {} changes", changes.len())
            }
            Detail::SorterItem {
                item,
                barcode,
                chute,
                outcome,
            } => format!("item {item} {barcode:?}: {outcome:?} into chute {chute}"),
            Detail::Exported {
                flow,
                recipient,
                jurisdiction,
                records,
                classes: c,
                ..
            } => format!(
                "{records} records ({}) to {recipient} ({jurisdiction}) on flow {flow}",
                classes(c)
            ),
            Detail::ExportBlocked {
                flow,
                endpoint,
                why,
                ..
            } => format!("{flow} to {endpoint}: {why}"),
            Detail::ExportFailed { flow, why, .. } => format!("{flow}: {why}"),
            Detail::ControlChange {
                version,
                changes,
                weakening,
                proposer,
                ..
            } => format!(
                "version {version} by {proposer}: {} changes{}",
                changes.len(),
                if weakening.is_empty() {
                    String::new()
                } else {
                    format!(", {} weakening", weakening.len())
                }
            ),
            Detail::ChangeRefused { why, .. } => why.clone(),
            Detail::Erased { classes: c, reason } => {
                format!("{} data erased: {reason}", classes(c))
            }
        }
    }
}

/// One thing that happened.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// What it is about.
    pub subject: Subject,
    /// Status code.
    pub code: EventCode,
    /// When it happened (UTC; simulated time in the demo).
    pub at: crate::Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// Where.
    pub location: Location,
    /// Code-specific detail.
    pub detail: Detail,
}

impl Event {
    /// The order a parcel's events are folded in: time, then the step of the life cycle (a
    /// receipt before a decision, a decision before the sort, each pass over the sorter's
    /// decision before its discharge, a loading before its handover), then the event's own
    /// content.
    /// It depends only on the events themselves, never on the order writers stored them in, so
    /// a parcel's derived state is the same whichever writer (intake, customs, the sort host,
    /// scanners, docks) got its event into the store first.
    pub fn fold_cmp(&self, other: &Event) -> std::cmp::Ordering {
        self.fold_key().cmp(&other.fold_key()).then_with(|| {
            (self.actor, self.location, format!("{:?}", self.detail)).cmp(&(
                other.actor,
                other.location,
                format!("{:?}", other.detail),
            ))
        })
    }
}

/// The first part of `Event::fold_cmp`: time, the pass over the sorter (events after sorting
/// come after every pass), the step of the life cycle. An event whose key is greater than every
/// key of a parcel's events folds after all of them, whatever the rest of its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FoldKey {
    /// When it happened.
    pub at: crate::Timestamp,
    /// The pass over the sorter it belongs to (`u8::MAX` after sorting).
    pub phase: u8,
    /// `EventCode::life_rank`.
    pub rank: u8,
}

impl Event {
    /// This event's `FoldKey`.
    pub fn fold_key(&self) -> FoldKey {
        // Sorting may take several passes: each pass's decision and discharge stay together,
        // after what comes before the sorter and before what comes after it.
        let rank = self.code.life_rank();
        let phase = match self.detail.pass() {
            0 if rank > EventCode::SRT.life_rank() => u8::MAX,
            pass => pass,
        };
        FoldKey {
            at: self.at,
            phase,
            rank,
        }
    }
}

impl EventCode {
    /// Position of the code in a parcel's life: what breaks ties between events stamped with
    /// the same millisecond.
    pub fn life_rank(self) -> u8 {
        EventCode::ALL
            .iter()
            .position(|c| *c == self)
            .expect("every code is in ALL") as u8
    }
}

impl Detail {
    /// The pass over the sorter a sort decision or discharge belongs to (0 for other details).
    pub fn pass(&self) -> u8 {
        match self {
            Detail::SortDecision { pass, .. } | Detail::Discharged { pass, .. } => *pass,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_subjects_round_trip() {
        for c in EventCode::ALL {
            assert_eq!(EventCode::parse(c.as_str()).unwrap(), c);
        }
        assert!(EventCode::parse("XYZ").is_err());
        let s = Subject::Flight(FlightKey {
            number: crate::FlightNo::parse("CK211").unwrap(),
            date: crate::Date::parse("2026-11-22").unwrap(),
        });
        assert_eq!(Subject::from_parts(s.kind(), &s.key()).unwrap(), s);
        assert!(Actor::parse("user:alice").is_ok());
        assert!(Actor::parse("user alice").is_err());
        assert!(Location::parse("LGG/S1/CH042").is_ok());
    }

    #[test]
    fn detail_json_is_tagged() {
        let d = Detail::Held {
            reasons: vec![CustomsReason::MalformedIoss],
            rules: vec![],
        };
        let j = serde_json::to_string(&d).unwrap();
        assert_eq!(
            j,
            r#"{"kind":"held","reasons":[{"reason":"malformed_ioss"}]}"#
        );
        assert_eq!(serde_json::from_str::<Detail>(&j).unwrap(), d);
    }
}
