//! The interference guard's view of a change to a guarded setting: what changed (each value
//! before and after) and which changes weaken a control, by rules kept per control. Also the
//! state of each control folded from its events: the version in force and the proposals waiting
//! for a second person.

use hangar_model::{Actor, Control, Detail, Event, EventCode};
use std::collections::BTreeMap;

/// Most lines of changes reported for one change (the rest are counted).
pub const MAX_CHANGE_LINES: usize = 500;

/// How a value moving weakens a control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weakens {
    /// A number going up (a threshold that lets more through).
    Up,
    /// A number going down.
    Down,
    /// A switch turned off.
    Off,
    /// Any change of the value.
    Change,
    /// An entry or list item that was there goes away.
    Removed,
    /// An entry or list item that was not there appears.
    Added,
    /// The value leaves `from` (for example `refuse` becoming `hold`).
    Leaves(&'static str),
}

/// A rule: values at paths matching `pattern` (`*` for one segment) weaken the control when they
/// move as `how` says, for the reason given.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Path pattern (`flow.*.fields`, `special.*`, ...).
    pub pattern: &'static str,
    /// Which movement weakens.
    pub how: Weakens,
    /// Why that weakens the control, in words an approver reads.
    pub why: &'static str,
}

const fn rule(pattern: &'static str, how: Weakens, why: &'static str) -> Rule {
    Rule { pattern, how, why }
}

/// The weakening rules of each control that has a document.
pub fn rules(control: Control) -> &'static [Rule] {
    use Weakens::*;
    match control {
        Control::RoutePlan => {
            const R: &[Rule] = &[
                rule(
                    "special.*",
                    Change,
                    "moves a control chute: held, rejected or unreadable parcels go elsewhere",
                ),
                rule(
                    "max_recirculations",
                    Up,
                    "parcels circle longer before the reject chute",
                ),
            ];
            R
        }
        Control::CustomsRules => {
            const R: &[Rule] = &[
                rule(
                    "h7.max_value_eur_cents",
                    Up,
                    "raises the H7 ceiling: dearer consignments avoid a full declaration",
                ),
                rule(
                    "h7.excluded",
                    Removed,
                    "goods no longer need a full declaration",
                ),
                rule("vat.*.rates_bp.*", Down, "lowers a VAT rate"),
                rule(
                    "flat_duty.*.per_subheading_cents",
                    Down,
                    "lowers the flat duty",
                ),
                rule("flat_duty.*", Removed, "removes a duty"),
                rule(
                    "handling_fee.*.enabled",
                    Off,
                    "switches the handling fee off",
                ),
            ];
            R
        }
        Control::RiskLists => {
            const R: &[Rule] = &[
                rule("mismatch.*", Removed, "a description check no longer runs"),
                rule(
                    "mismatch.*.keywords",
                    Removed,
                    "a description check no longer catches these words",
                ),
                rule(
                    "mismatch.*.allowed_hs",
                    Added,
                    "a description check accepts more tariff codes",
                ),
                rule(
                    "mismatch.*.unless",
                    Added,
                    "a description check makes more exceptions",
                ),
                rule(
                    "restricted.*",
                    Removed,
                    "restricted goods are no longer stopped",
                ),
                rule(
                    "restricted.*.hs",
                    Removed,
                    "restricted goods under these codes are no longer stopped",
                ),
                rule(
                    "restricted.*.keywords",
                    Removed,
                    "restricted goods with these words are no longer stopped",
                ),
                rule(
                    "restricted.*.action",
                    Leaves("refuse"),
                    "prohibited goods are held instead of refused",
                ),
            ];
            R
        }
        Control::RiskThresholds => {
            const R: &[Rule] = &[
                rule(
                    "undervalued.k",
                    Up,
                    "raises the undervaluation threshold: more undervalued parcels pass",
                ),
                rule(
                    "undervalued.fraction",
                    Down,
                    "undervaluation needs a lower value to fire",
                ),
                rule(
                    "undervalued.min_samples",
                    Up,
                    "fewer tariff headings get a value reference",
                ),
                rule(
                    "split.window_hours",
                    Down,
                    "split orders are looked for over a shorter time",
                ),
                rule(
                    "ioss.max_sellers",
                    Up,
                    "more sellers may share one IOSS number before it is a signal",
                ),
                rule(
                    "screening.min_score",
                    Up,
                    "raises the screening threshold: closer matches to listed parties pass",
                ),
                rule("disabled", Added, "disables a risk rule"),
            ];
            R
        }
        Control::EgressFlows => {
            const R: &[Rule] = &[
                rule(
                    "flow.*",
                    Added,
                    "declares a new flow: data may leave to a new place",
                ),
                rule("flow.*.fields", Added, "a flow may carry more fields"),
                rule(
                    "flow.*.max_records_per_day",
                    Up,
                    "a flow may carry more records a day",
                ),
                rule(
                    "flow.*.min_group",
                    Down,
                    "statistics may report smaller groups",
                ),
                rule(
                    "flow.*.endpoint",
                    Change,
                    "a flow's data goes somewhere else",
                ),
                rule(
                    "flow.*.jurisdiction",
                    Change,
                    "a flow's data goes to another jurisdiction",
                ),
                rule(
                    "flow.*.transfer_basis",
                    Change,
                    "a flow's transfer basis changes",
                ),
            ];
            R
        }
        Control::Retention => {
            const R: &[Rule] = &[
                rule("*_days", Up, "keeps data longer"),
                rule("*_days", Removed, "keeps data without limit"),
            ];
            R
        }
        Control::Users => &[],
    }
}

/// A document flattened to `path -> value` (tables by key, arrays of tables by their `id`,
/// `name` or `version`, arrays of scalars kept whole).
pub type Flat = BTreeMap<String, toml::Value>;

/// Flattens a TOML document.
pub fn flatten(doc: &toml::Table) -> Flat {
    fn key_of(t: &toml::Table, i: usize) -> String {
        ["id", "name", "version", "hs"]
            .iter()
            .find_map(|k| t.get(*k).and_then(|v| v.as_str()).map(str::to_string))
            .unwrap_or_else(|| i.to_string())
    }
    fn walk(prefix: &str, v: &toml::Value, out: &mut Flat) {
        let join = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    walk(&join(k), v, out);
                }
            }
            toml::Value::Array(a) if !a.is_empty() && a.iter().all(|x| x.is_table()) => {
                for (i, x) in a.iter().enumerate() {
                    let t = x.as_table().expect("checked");
                    walk(&join(&key_of(t, i)), x, out);
                }
                // The list itself, so removing every entry shows.
                out.insert(
                    prefix.to_string(),
                    toml::Value::Array(
                        a.iter()
                            .enumerate()
                            .map(|(i, x)| {
                                toml::Value::String(key_of(x.as_table().expect("checked"), i))
                            })
                            .collect(),
                    ),
                );
            }
            other => {
                out.insert(prefix.to_string(), other.clone());
            }
        }
    }
    let mut out = Flat::new();
    for (k, v) in doc {
        walk(k, v, &mut out);
    }
    out
}

fn matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('.').collect();
    let s: Vec<&str> = path.split('.').collect();
    p.len() == s.len()
        && p.iter().zip(&s).all(|(p, s)| {
            *p == "*"
                || p == s
                || p.strip_prefix('*')
                    .is_some_and(|suffix| s.ends_with(suffix))
        })
}

fn show(v: Option<&toml::Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(toml::Value::String(s)) => format!("{s:?}"),
        Some(v) => v.to_string(),
    }
}

fn number(v: Option<&toml::Value>) -> Option<f64> {
    match v? {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn items(v: Option<&toml::Value>) -> Vec<String> {
    match v {
        Some(toml::Value::Array(a)) => a.iter().map(|x| show(Some(x))).collect(),
        _ => Vec::new(),
    }
}

/// One changed value.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Change {
    /// Where (`undervalued.k`).
    pub path: String,
    /// The value before, as text (`(none)` when it is new).
    pub before: String,
    /// The value after (`(none)` when it is gone).
    pub after: String,
    /// Why it weakens the control, if it does.
    pub weakens: Option<String>,
}

impl Change {
    /// One line: `path: before -> after`.
    pub fn line(&self) -> String {
        format!("{}: {} -> {}", self.path, self.before, self.after)
    }
}

/// Whether one movement of the value at `path` weakens by `r`.
fn weakens(r: &Rule, before: Option<&toml::Value>, after: Option<&toml::Value>) -> Option<String> {
    let hit = match r.how {
        Weakens::Up => match (number(before), number(after)) {
            (Some(b), Some(a)) => a > b,
            _ => false,
        },
        Weakens::Down => match (number(before), number(after)) {
            (Some(b), Some(a)) => a < b,
            _ => false,
        },
        Weakens::Off => {
            before.and_then(|v| v.as_bool()) == Some(true)
                && after.and_then(|v| v.as_bool()) != Some(true)
        }
        Weakens::Change => before.is_some() && before != after,
        Weakens::Removed => {
            if let (Some(toml::Value::Array(_)), _) = (before, after) {
                let a = items(after);
                let gone: Vec<String> = items(before)
                    .into_iter()
                    .filter(|x| !a.contains(x))
                    .collect();
                return (!gone.is_empty())
                    .then(|| format!("{} (removed {})", r.why, gone.join(", ")));
            }
            before.is_some() && after.is_none()
        }
        Weakens::Added => {
            if let (_, Some(toml::Value::Array(_))) = (before, after) {
                let b = items(before);
                let new: Vec<String> = items(after)
                    .into_iter()
                    .filter(|x| !b.contains(x))
                    .collect();
                return (!new.is_empty()).then(|| format!("{} (added {})", r.why, new.join(", ")));
            }
            before.is_none() && after.is_some()
        }
        Weakens::Leaves(from) => {
            before.and_then(|v| v.as_str()) == Some(from)
                && after.and_then(|v| v.as_str()) != Some(from)
        }
    };
    hit.then(|| r.why.to_string())
}

/// What changes from `before` to `after` (TOML documents of `control`), each change with whether
/// it weakens the control. Entries added or removed as a whole are one change each.
pub fn assess(control: Control, before: &toml::Table, after: &toml::Table) -> Vec<Change> {
    let (b, a) = (flatten(before), flatten(after));
    let mut paths: Vec<&String> = b.keys().chain(a.keys()).collect();
    paths.sort();
    paths.dedup();
    let rules = rules(control);
    let mut out = Vec::new();
    for path in paths {
        let (bv, av) = (b.get(path), a.get(path));
        if bv == av {
            continue;
        }
        let weak = rules
            .iter()
            .filter(|r| matches(r.pattern, path))
            .find_map(|r| weakens(r, bv, av));
        // An entry added or removed whole also shows as the parent list changing: keep the one
        // that says most.
        out.push(Change {
            path: path.clone(),
            before: show(bv),
            after: show(av),
            weakens: weak,
        });
    }
    // Entries that appear or vanish whole: `flow.X` has no value of its own, so a rule on
    // `flow.*` is checked against whether any `flow.X.` path existed before and after.
    let heads = |f: &Flat| -> Vec<String> {
        let mut h: Vec<String> = f
            .keys()
            .filter_map(|k| k.rsplit_once('.').map(|(head, _)| head.to_string()))
            .collect();
        h.sort();
        h.dedup();
        h
    };
    let (hb, ha) = (heads(&b), heads(&a));
    for r in rules {
        for head in hb.iter().chain(&ha) {
            if !matches(r.pattern, head) {
                continue;
            }
            let (was, is) = (hb.contains(head), ha.contains(head));
            let why = match r.how {
                Weakens::Added if !was && is => Some(format!("{} ({head})", r.why)),
                Weakens::Removed if was && !is => Some(format!("{} ({head})", r.why)),
                _ => None,
            };
            if let Some(why) = why
                && !out.iter().any(|c| c.path == *head)
            {
                out.push(Change {
                    path: head.clone(),
                    before: if was {
                        "(entry)".into()
                    } else {
                        "(none)".into()
                    },
                    after: if is {
                        "(entry)".into()
                    } else {
                        "(none)".into()
                    },
                    weakens: Some(why),
                });
            }
        }
    }
    out.sort_by(|x, y| x.path.cmp(&y.path));
    out.truncate(MAX_CHANGE_LINES);
    out
}

/// One version of a control, as recorded.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Version {
    /// Version number, from 1.
    pub version: u32,
    /// Sequence number of the `CFG` record.
    pub seq: u64,
    /// When it was applied.
    pub at: hangar_model::Timestamp,
    /// Who applied it (the approver, for an approved change).
    pub applied_by: Actor,
    /// Who proposed it.
    pub proposer: Actor,
    /// SHA-256 of the document.
    pub digest: String,
    /// Why.
    pub reason: String,
    /// The change lines.
    pub changes: Vec<String>,
    /// The weakening ones.
    pub weakening: Vec<String>,
    /// The document.
    #[serde(skip)]
    pub document: String,
}

/// A change waiting for a second person.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Proposal {
    /// Sequence number of the `CFP` record (the proposal's id).
    pub seq: u64,
    /// When it was proposed.
    pub at: hangar_model::Timestamp,
    /// Who proposed it.
    pub proposer: Actor,
    /// The version it would make.
    pub version: u32,
    /// Why.
    pub reason: String,
    /// The change lines.
    pub changes: Vec<String>,
    /// Why it needs approval.
    pub weakening: Vec<String>,
    /// SHA-256 of the proposed document.
    pub digest: String,
    /// The proposed document.
    #[serde(skip)]
    pub document: String,
}

/// A control's state: the versions applied and the proposals open, folded from its events.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ControlState {
    /// Applied versions, oldest first.
    pub versions: Vec<Version>,
    /// Open proposals, oldest first.
    pub pending: Vec<Proposal>,
}

impl ControlState {
    /// Folds a control's events (`CFG`, `CFP`, `CFR`) given with their sequence numbers in order.
    pub fn fold<'a>(events: impl IntoIterator<Item = (u64, &'a Event)>) -> ControlState {
        let mut s = ControlState::default();
        for (seq, e) in events {
            match (&e.code, &e.detail) {
                (
                    EventCode::CFG,
                    Detail::ControlChange {
                        version,
                        digest,
                        changes,
                        weakening,
                        reason,
                        proposer,
                        proposal,
                        document,
                        ..
                    },
                ) => {
                    if let Some(p) = proposal {
                        s.pending.retain(|x| x.seq != *p);
                    }
                    s.versions.push(Version {
                        version: *version,
                        seq,
                        at: e.at,
                        applied_by: e.actor,
                        proposer: *proposer,
                        digest: digest.clone(),
                        reason: reason.clone(),
                        changes: changes.clone(),
                        weakening: weakening.clone(),
                        document: document.clone(),
                    });
                }
                (
                    EventCode::CFP,
                    Detail::ControlChange {
                        version,
                        digest,
                        changes,
                        weakening,
                        reason,
                        proposer,
                        document,
                        ..
                    },
                ) => s.pending.push(Proposal {
                    seq,
                    at: e.at,
                    proposer: *proposer,
                    version: *version,
                    reason: reason.clone(),
                    changes: changes.clone(),
                    weakening: weakening.clone(),
                    digest: digest.clone(),
                    document: document.clone(),
                }),
                (
                    EventCode::CFR,
                    Detail::ChangeRefused {
                        proposal: Some(p), ..
                    },
                ) => {
                    s.pending.retain(|x| x.seq != *p);
                }
                // The sort host's own record of a plan it loaded: no document to keep.
                _ => {}
            }
        }
        s
    }

    /// The version in force.
    pub fn current(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// An open proposal.
    pub fn proposal(&self, seq: u64) -> Option<&Proposal> {
        self.pending.iter().find(|p| p.seq == seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> toml::Table {
        s.parse().unwrap()
    }

    #[test]
    fn raising_a_threshold_or_disabling_a_rule_weakens() {
        let before = t(
            "[undervalued]\nk = 2.5\nfraction = 0.35\n[screening]\nmin_score = 0.88\ndisabled = []",
        );
        let after = t(
            "[undervalued]\nk = 3.0\nfraction = 0.35\n[screening]\nmin_score = 0.80\ndisabled = [\"split_consignment\"]",
        );
        let c = assess(Control::RiskThresholds, &before, &after);
        let k = c.iter().find(|c| c.path == "undervalued.k").unwrap();
        assert_eq!(k.line(), "undervalued.k: 2.5 -> 3.0");
        assert!(k.weakens.is_some());
        let s = c.iter().find(|c| c.path == "screening.min_score").unwrap();
        assert!(
            s.weakens.is_none(),
            "lowering the screening threshold is stricter"
        );
    }

    #[test]
    fn moving_the_hold_chute_weakens_the_route_plan_but_adding_a_route_does_not() {
        let before = t(
            "name = \"a\"\n[special]\nhold = 1\nreject = 5\n[[route]]\nid = \"AT-1\"\nchutes = [10]",
        );
        let moved = t(
            "name = \"b\"\n[special]\nhold = 7\nreject = 5\n[[route]]\nid = \"AT-1\"\nchutes = [10]",
        );
        let c = assess(Control::RoutePlan, &before, &moved);
        assert!(
            c.iter()
                .any(|c| c.path == "special.hold" && c.weakens.is_some())
        );
        let added = t(
            "name = \"a\"\n[special]\nhold = 1\nreject = 5\n[[route]]\nid = \"AT-1\"\nchutes = [10]\n[[route]]\nid = \"AT-2\"\nchutes = [11]",
        );
        let c = assess(Control::RoutePlan, &before, &added);
        assert!(!c.is_empty());
        assert!(c.iter().all(|c| c.weakens.is_none()), "{c:?}");
    }

    #[test]
    fn new_flows_and_wider_fields_weaken_egress() {
        let before = t(
            "version = \"1\"\n[[flow]]\nid = \"a\"\nfields = [\"parcel.id\"]\nmax_records_per_day = 10",
        );
        let after = t(
            "version = \"2\"\n[[flow]]\nid = \"a\"\nfields = [\"parcel.id\", \"consignee.name\"]\nmax_records_per_day = 10\n[[flow]]\nid = \"b\"\nfields = [\"parcel.id\"]\nmax_records_per_day = 5",
        );
        let c = assess(Control::EgressFlows, &before, &after);
        let weak: Vec<&str> = c
            .iter()
            .filter(|c| c.weakens.is_some())
            .map(|c| c.path.as_str())
            .collect();
        assert!(weak.contains(&"flow.a.fields"), "{c:?}");
        assert!(weak.contains(&"flow.b"), "{c:?}");
        // Narrowing is not weakening.
        let c = assess(Control::EgressFlows, &after, &before);
        assert!(
            c.iter()
                .filter(|c| c.path == "flow.a.fields")
                .all(|c| c.weakens.is_none())
        );
    }

    #[test]
    fn removing_restricted_goods_or_softening_a_refusal_weakens() {
        let before = t(
            "[[restricted]]\nname = \"weapons\"\naction = \"refuse\"\nhs = [\"93\"]\nkeywords = [\"taser\"]\n[[restricted]]\nname = \"mercury\"\nkeywords = [\"mercury\"]",
        );
        let after = t(
            "[[restricted]]\nname = \"weapons\"\naction = \"hold\"\nhs = [\"93\"]\nkeywords = []",
        );
        let c = assess(Control::RiskLists, &before, &after);
        let weak: Vec<&str> = c
            .iter()
            .filter(|c| c.weakens.is_some())
            .map(|c| c.path.as_str())
            .collect();
        assert!(weak.contains(&"restricted.weapons.action"), "{c:?}");
        assert!(weak.contains(&"restricted.weapons.keywords"), "{c:?}");
        assert!(weak.contains(&"restricted.mercury"), "{c:?}");
    }

    #[test]
    fn longer_retention_weakens() {
        let c = assess(
            Control::Retention,
            &t("personal_days = 90\ncommercial_days = 1096"),
            &t("personal_days = 365\ncommercial_days = 1096"),
        );
        assert_eq!(c.len(), 1);
        assert!(c[0].weakens.is_some());
    }
}
