//! The customs decision for each consignment: the H7 declaration and its duties and taxes,
//! IOSS checks, the risk rules and denied-party screening of both parties, combined into one
//! outcome (release, request for information, hold, refuse) with every reason and every rule
//! version that applied.
//!
//! Consignments are decided a flight (a batch) at a time, as customs answers them: split
//! consignments are looked for across the whole batch first, so every parcel of a split order
//! is held, not only those declared after the first.

use crate::assess::{Assessment, VatCollection, assess};
use crate::h7::{H7, H7Problem, declare};
use crate::ioss::{Monitor, Register};
use crate::risk::{Action, Lists, ReferenceBuilder, References, SplitDetector};
use crate::rules::RuleBook;
use hangar_model::{
    CustomsOutcome, CustomsReason, Date, Detail, EventCode, Parcel, S10Id, Timestamp,
};
use hangar_screen::{Hit, Party, Scratch, Screener};
use std::collections::HashMap;
use std::sync::Arc;

/// The reasons that catch each kind of anomaly, by the anomaly's name (as in a generated day's
/// `labels.csv`): what detection rates are measured against.
pub fn catches(anomaly: &str) -> &'static [&'static str] {
    match anomaly {
        "undervalued" => &["undervalued"],
        "over_threshold" => &["over_h7_threshold"],
        "missing_ioss" => &["ioss_missing"],
        "malformed_ioss" => &["malformed_ioss"],
        "split_order" => &["split_consignment"],
        "restricted_goods" => &["restricted", "excluded_goods"],
        "misdeclared" => &["description_mismatch"],
        "sanctioned_party" => &["denied_party"],
        _ => &[],
    }
}

/// Rules that may be switched off (by the `risk-thresholds` control's `disabled` list).
pub const SWITCHABLE: &[&str] = &[
    "undervalued",
    "split_consignment",
    "description_mismatch",
    "restricted",
    "ioss_unregistered",
    "ioss_shared",
    "ioss_missing",
    "ioss_above_ceiling",
    "denied_party",
];

/// The built-in thresholds document.
pub const BUILTIN_THRESHOLDS: &str = include_str!("../data/thresholds.toml");

/// The knobs of the risk rules.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EngineConfig {
    /// The thresholds' version name (recorded with decisions that use them).
    pub version: String,
    /// Undervalued: robust standard deviations below the heading's median value per kg.
    pub undervalued_k: f64,
    /// Undervalued: and below this fraction of the median.
    pub undervalued_fraction: f64,
    /// Item lines a heading needs in history before its reference is used.
    pub reference_min_samples: usize,
    /// Split consignments: the window, milliseconds.
    pub split_window_ms: i64,
    /// IOSS: a seller's own number used by more sellers than this is a signal.
    pub ioss_max_sellers: usize,
    /// Denied-party matches below this score are not reported (0: the lists' thresholds).
    pub screening_min_score: f32,
    /// Rules switched off (names from `SWITCHABLE`).
    pub disabled: Vec<String>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig::parse("thresholds.toml (built in)", BUILTIN_THRESHOLDS)
            .expect("the built-in thresholds are valid")
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsFile {
    version: String,
    #[serde(default)]
    disabled: Vec<String>,
    undervalued: UndervaluedT,
    split: SplitT,
    ioss: IossT,
    screening: ScreeningT,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UndervaluedT {
    k: f64,
    fraction: f64,
    min_samples: usize,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitT {
    window_hours: u32,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct IossT {
    max_sellers: usize,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreeningT {
    min_score: f32,
}

impl EngineConfig {
    /// Parses and checks a thresholds document.
    pub fn parse(file: &str, text: &str) -> Result<EngineConfig, String> {
        let f: ThresholdsFile = toml::from_str(text)
            .map_err(|e| format!("{file}: {}", e.to_string().trim().replace('\n', " ")))?;
        let bad = |m: String| Err(format!("{file}: {m}"));
        if !(0.5..=10.0).contains(&f.undervalued.k) {
            return bad(format!(
                "undervalued.k: expected 0.5 to 10, got {}",
                f.undervalued.k
            ));
        }
        if !(0.01..=1.0).contains(&f.undervalued.fraction) {
            return bad(format!(
                "undervalued.fraction: expected 0.01 to 1, got {}",
                f.undervalued.fraction
            ));
        }
        if !(1..=100_000).contains(&f.undervalued.min_samples) {
            return bad("undervalued.min_samples: expected 1 to 100,000".into());
        }
        if !(1..=24 * 31).contains(&f.split.window_hours) {
            return bad("split.window_hours: expected 1 to 744".into());
        }
        if !(1..=1000).contains(&f.ioss.max_sellers) {
            return bad("ioss.max_sellers: expected 1 to 1,000".into());
        }
        if !(0.0..=1.0).contains(&f.screening.min_score) {
            return bad("screening.min_score: expected 0 to 1".into());
        }
        for d in &f.disabled {
            if !SWITCHABLE.contains(&d.as_str()) {
                return bad(format!(
                    "disabled: {d:?} is not a rule that can be switched off ({})",
                    SWITCHABLE.join(", ")
                ));
            }
        }
        Ok(EngineConfig {
            version: f.version,
            undervalued_k: f.undervalued.k,
            undervalued_fraction: f.undervalued.fraction,
            reference_min_samples: f.undervalued.min_samples,
            split_window_ms: i64::from(f.split.window_hours) * 3_600_000,
            ioss_max_sellers: f.ioss.max_sellers,
            screening_min_score: f.screening.min_score,
            disabled: f.disabled,
        })
    }

    /// Whether rule `name` runs.
    pub fn runs(&self, name: &str) -> bool {
        !self.disabled.iter().any(|d| d == name)
    }
}

/// What customs decided about one consignment, and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Decision {
    /// The parcel.
    pub parcel: S10Id,
    /// The outcome: the most severe any reason calls for.
    pub outcome: CustomsOutcome,
    /// Every reason (empty for a release).
    pub reasons: Vec<CustomsReason>,
    /// Duties and taxes, when the H7 could be assessed.
    pub assessment: Option<Assessment>,
    /// Every rule version that applied.
    pub rules: Vec<String>,
}

impl Decision {
    /// The event code that records the decision.
    pub fn code(&self) -> EventCode {
        self.outcome.code()
    }

    /// The event detail that records the decision.
    pub fn detail(&self) -> Detail {
        match (&self.outcome, &self.assessment) {
            (CustomsOutcome::Release, Some(a)) => Detail::Cleared {
                duty_cents: a.duty_cents,
                vat_cents: a.vat_cents,
                vat_at_sale: matches!(a.vat, VatCollection::Sale { .. }),
                fee_cents: a.handling_fee_cents,
                rules: self.rules.clone(),
            },
            _ => Detail::Held {
                reasons: self.reasons.clone(),
                rules: self.rules.clone(),
            },
        }
    }
}

/// The customs engine: rules, learned references and the state the cross-consignment rules
/// keep (IOSS use, split orders).
pub struct Engine {
    book: RuleBook,
    lists: Lists,
    refs: References,
    monitor: Monitor,
    split: SplitDetector,
    screener: Arc<Screener>,
    scratch: Scratch,
    hits: Vec<Hit>,
    cfg: EngineConfig,
    screening_version: String,
}

fn h7_reason(p: H7Problem) -> (CustomsOutcome, CustomsReason) {
    match p {
        H7Problem::OverCeiling {
            value_eur_cents, ..
        } => (
            CustomsOutcome::Hold,
            CustomsReason::OverH7Threshold { value_eur_cents },
        ),
        H7Problem::MalformedIoss { .. } => {
            (CustomsOutcome::RequestInfo, CustomsReason::MalformedIoss)
        }
        H7Problem::Excluded { item, hs, reason } => (
            CustomsOutcome::Hold,
            CustomsReason::ExcludedGoods {
                item: item as u32,
                why: format!("{hs}: {reason}"),
            },
        ),
        H7Problem::Missing { element, detail } => (
            CustomsOutcome::RequestInfo,
            CustomsReason::MissingElement {
                element: format!("{element}: {detail}"),
            },
        ),
        H7Problem::NoRate { detail } => (
            CustomsOutcome::Hold,
            CustomsReason::MissingElement {
                element: format!("exchange rate: {detail}"),
            },
        ),
    }
}

fn risk(rule: &str, why: String) -> CustomsReason {
    CustomsReason::Risk {
        rule: rule.to_string(),
        why,
    }
}

impl Engine {
    /// An engine over these rules, lists, IOSS register and denied-party screener, with no
    /// history learned yet (undervaluation needs `learn`).
    pub fn new(
        book: RuleBook,
        lists: Lists,
        register: Register,
        screener: Arc<Screener>,
        screening_version: impl Into<String>,
        cfg: EngineConfig,
    ) -> Engine {
        let ceiling = book.h7.max_value_eur_cents;
        Engine {
            lists,
            refs: ReferenceBuilder::default().build(usize::MAX),
            monitor: Monitor::new(register, cfg.ioss_max_sellers),
            split: SplitDetector::new(cfg.split_window_ms, ceiling),
            scratch: screener.scratch(),
            screener,
            hits: Vec::new(),
            book,
            cfg,
            screening_version: screening_version.into(),
        }
    }

    /// The built-in rule book and risk lists and the built-in fixture denied-party list, with
    /// this IOSS register.
    pub fn builtin(register: Register) -> Engine {
        Engine::new(
            RuleBook::builtin(),
            Lists::builtin(),
            register,
            Arc::new(Screener::build(hangar_screen::ListSet::fixture())),
            "denied-party lists: fixture (built in)",
            EngineConfig::default(),
        )
    }

    /// The rule book.
    pub fn book(&self) -> &RuleBook {
        &self.book
    }

    /// The denied-party screener.
    pub fn screener(&self) -> &Screener {
        &self.screener
    }

    /// Learns from past consignments declared on `date`: value-per-kg references per HS
    /// heading, and which sellers declare under which IOSS number.
    pub fn learn<'a>(&mut self, history: impl IntoIterator<Item = &'a Parcel>, date: Date) {
        let mut rb = ReferenceBuilder::default();
        let ceiling = self.book.h7.max_value_eur_cents;
        for p in history {
            for i in &p.items {
                if let Ok((v, _)) = self.book.to_eur_cents(i.value, date) {
                    rb.add(i.hs.as_str(), v, i.weight.0);
                }
            }
            let v = self
                .book
                .to_eur_cents(p.value(), date)
                .map(|(v, _)| v)
                .unwrap_or(0);
            self.monitor.observe(p, v, ceiling);
        }
        self.refs = rb.build(self.cfg.reference_min_samples);
    }

    /// Decides a batch of consignments declared together at `at` (customs' date `date`).
    pub fn decide_batch(&mut self, parcels: &[Parcel], at: Timestamp, date: Date) -> Vec<Decision> {
        let mut split: HashMap<S10Id, String> = HashMap::new();
        for p in parcels {
            let v = self
                .book
                .to_eur_cents(p.value(), date)
                .map(|(v, _)| v)
                .unwrap_or(0);
            if let Some((hit, group)) = self.split.observe_group(p, at, v)
                && self.cfg.runs("split_consignment")
            {
                for id in group {
                    split.insert(id, hit.reason.clone());
                }
            }
        }
        parcels
            .iter()
            .map(|p| {
                let mut d = self.decide_one(p, date);
                if let Some(why) = split.remove(&p.id) {
                    d.reasons.push(risk("split_consignment", why));
                    d.outcome = d.outcome.max(CustomsOutcome::Hold);
                    d.rules.push(self.lists.version.clone());
                    d.rules.dedup();
                }
                d
            })
            .collect()
    }

    /// Every rule but split consignments, for one parcel.
    fn decide_one(&mut self, p: &Parcel, date: Date) -> Decision {
        let mut outcome = CustomsOutcome::Release;
        let mut reasons = Vec::new();
        let mut rules = Vec::new();
        let mut assessment = None;
        let mut add = |o: CustomsOutcome, r: CustomsReason, reasons: &mut Vec<CustomsReason>| {
            outcome = outcome.max(o);
            reasons.push(r);
        };
        // 1. The H7 and what it owes.
        let h7: Option<H7> = match declare(p, date, &self.book) {
            Ok(h7) => Some(h7),
            Err(problems) => {
                for pr in problems {
                    let (o, r) = h7_reason(pr);
                    add(o, r, &mut reasons);
                }
                None
            }
        };
        if let Some(h7) = &h7 {
            match assess(h7, date, &self.book) {
                Ok(a) => {
                    rules.extend(a.rules.iter().cloned());
                    assessment = Some(a);
                }
                Err(e) => add(
                    CustomsOutcome::Hold,
                    CustomsReason::MissingElement {
                        element: format!("duties and taxes: {}", e.0),
                    },
                    &mut reasons,
                ),
            }
        }
        let (value, _) = self.book.to_eur_cents(p.value(), date).unwrap_or((0, ""));
        let ceiling = self.book.h7.max_value_eur_cents;
        // 2. IOSS.
        for s in self.monitor.observe(p, value, ceiling) {
            if !self.cfg.runs(s.rule()) {
                continue;
            }
            let o = match s {
                crate::ioss::Signal::Unregistered { .. }
                | crate::ioss::Signal::MissingForKnownSeller { .. } => CustomsOutcome::RequestInfo,
                _ => CustomsOutcome::Hold,
            };
            add(o, risk(s.rule(), s.describe()), &mut reasons);
        }
        // 3. Goods: description vs tariff code, restricted goods, undervaluation.
        let mut risky = false;
        let book = &self.book;
        let eur = |m| book.to_eur_cents(m, date).map(|(v, _)| v).unwrap_or(0);
        let goods = self.lists.check(p).into_iter().chain(self.refs.undervalued(
            p,
            eur,
            self.cfg.undervalued_k,
            self.cfg.undervalued_fraction,
        ));
        for h in goods {
            if !self.cfg.runs(h.rule) {
                continue;
            }
            risky = true;
            let o = match h.action {
                Action::Hold => CustomsOutcome::Hold,
                Action::Refuse => CustomsOutcome::Refuse,
            };
            add(o, risk(h.rule, h.reason), &mut reasons);
        }
        if risky {
            rules.push(self.lists.version.clone());
            rules.push(self.cfg.version.clone());
        }
        // 4. Denied parties.
        let mut listed = false;
        let screen = self.cfg.runs("denied_party");
        for (role, party) in [("consignor", &p.consignor), ("consignee", &p.consignee)] {
            if !screen {
                break;
            }
            let address = format!("{} {}", party.address, party.city);
            let q = Party {
                name: &party.name,
                country: party.country.iso2().as_bytes().try_into().ok(),
                address: &address,
            };
            self.screener.screen(&q, &mut self.scratch, &mut self.hits);
            let min = self.cfg.screening_min_score;
            for h in self.hits.iter().filter(|h| h.score >= min) {
                listed = true;
                let e = self.screener.entity(h.entity);
                add(
                    CustomsOutcome::Hold,
                    CustomsReason::DeniedParty {
                        party: role.into(),
                        list: self.screener.list_of(e).id.clone(),
                        entity: e.id.clone(),
                        listed_name: e.names[0].clone(),
                        score_pct: (h.score * 100.0).round() as u32,
                    },
                    &mut reasons,
                );
            }
        }
        if listed {
            rules.push(self.screening_version.clone());
        }
        Decision {
            parcel: p.id,
            outcome,
            reasons,
            assessment,
            rules,
        }
    }

    /// Explains denied-party hits of one party in full (for `customs explain`).
    pub fn explain_party(&mut self, name: &str, country: &str, address: &str) -> Vec<String> {
        let q = Party {
            name,
            country: country.as_bytes().try_into().ok(),
            address,
        };
        self.screener.screen(&q, &mut self.scratch, &mut self.hits);
        self.hits.iter().map(|h| self.screener.explain(h)).collect()
    }
}
