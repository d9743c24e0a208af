//! The interference guard at the edge: the hub's guarded settings (route plan, customs rules,
//! risk lists and thresholds, egress flows, retention, users) as versioned documents whose every
//! change is an event with the values before and after and who made it. A change that weakens a
//! control (per `hangar_oversight::guard`) is only proposed: it waits for a second person with a
//! role that may change that setting, and is applied when they approve. Shared by the JSON API,
//! the dashboard and the command line.

use crate::accounts::{AccountError, Accounts, Role, User};
use hangar_model::{Actor, Control, Detail, Event, EventCode, Location, Subject, Timestamp};
use hangar_oversight::ControlState;
use hangar_oversight::guard::{self, Change};
use hangar_store::{Store, StoreError};
use sha2::{Digest, Sha256};

/// Largest document a setting may have, bytes.
pub const MAX_DOCUMENT: usize = 256 * 1024;
/// Longest reason, characters.
pub const MAX_REASON: usize = 500;

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The request does not make sense or is not allowed (says why).
    #[error("{0}")]
    Refused(String),
    /// The caller's role may not change this setting.
    #[error("{0}")]
    Forbidden(String),
    /// Someone else changed the setting first.
    #[error("{0}")]
    Conflict(String),
    /// No such proposal.
    #[error("no open proposal #{0}")]
    NoProposal(u64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The accounts failed.
    #[error(transparent)]
    Accounts(#[from] AccountError),
}

/// What became of a proposed change.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied: the new version is in force.
    Applied {
        /// The version now in force.
        version: u32,
        /// Its `CFG` record.
        seq: u64,
        /// What changed.
        changes: Vec<String>,
        /// What of it weakened a control (approved by a second person).
        weakening: Vec<String>,
    },
    /// It weakens a control: waiting for a second person's approval.
    Pending {
        /// The proposal (its `CFP` record), to approve or refuse.
        proposal: u64,
        /// What changes.
        changes: Vec<String>,
        /// Why it needs approval.
        weakening: Vec<String>,
    },
    /// The document is the one in force: nothing recorded.
    Unchanged {
        /// The version in force.
        version: u32,
    },
    /// The proposal was refused (or withdrawn).
    Refused {
        /// The proposal.
        proposal: u64,
    },
}

/// Which roles may propose and approve changes of a setting.
pub fn roles(control: Control) -> &'static [Role] {
    match control {
        Control::RoutePlan => &[Role::Operator, Role::Admin],
        Control::CustomsRules | Control::RiskLists | Control::RiskThresholds => {
            &[Role::Customs, Role::Admin]
        }
        Control::EgressFlows | Control::Retention | Control::Users => &[Role::Admin],
    }
}

/// The built-in document of a setting (its version 1 on a new hub); none for users.
pub fn builtin(control: Control) -> &'static str {
    match control {
        Control::RoutePlan => hangar_sort::plan::DEFAULT_PLAN,
        Control::CustomsRules => hangar_customs::rules::BUILTIN_RULES,
        Control::RiskLists => hangar_customs::risk::BUILTIN_RISK,
        Control::RiskThresholds => hangar_customs::BUILTIN_THRESHOLDS,
        Control::EgressFlows => {
            "# Declared egress flows: data leaves the hub only along these (docs/auditor-guide.md).\nversion = \"no flows (built in)\"\n"
        }
        Control::Retention => hangar_oversight::retention::BUILTIN,
        Control::Users => "",
    }
}

/// Checks that `doc` is a valid document for `control` (what will read it accepts it).
pub fn validate(control: Control, doc: &str) -> Result<(), String> {
    let name = format!("{} document", control.as_str());
    if doc.len() > MAX_DOCUMENT {
        return Err(format!("{name}: expected at most {MAX_DOCUMENT} bytes"));
    }
    match control {
        Control::RoutePlan => hangar_sort::Plan::parse(&name, doc)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Control::CustomsRules => hangar_customs::RuleBook::parse(&name, doc)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Control::RiskLists => hangar_customs::risk::Lists::parse(&name, doc).map(|_| ()),
        Control::RiskThresholds => hangar_customs::EngineConfig::parse(&name, doc).map(|_| ()),
        Control::EgressFlows => {
            hangar_oversight::Flows::parse(&name, doc, &hangar_oversight::Catalog::builtin())
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Control::Retention => hangar_oversight::Policy::parse(&name, doc).map(|_| ()),
        Control::Users => Err("users change through `hangar users` and /api/users".into()),
    }
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A setting's versions and open proposals, from its events.
pub fn state(store: &dyn Store, control: Control) -> Result<ControlState, StoreError> {
    let subject = Subject::Control(control);
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let batch = store.subject_events(&subject, after, 10_000)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        events.extend(batch);
    }
    Ok(ControlState::fold(events.iter().map(|r| (r.seq, &r.event))))
}

/// The document in force for `control` (the built-in one until a version is recorded).
pub fn current(store: &dyn Store, control: Control) -> Result<String, StoreError> {
    Ok(state(store, control)?
        .current()
        .map(|v| v.document.clone())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| builtin(control).to_string()))
}

fn table(control: Control, doc: &str) -> Result<toml::Table, ControlError> {
    doc.parse::<toml::Table>().map_err(|e| {
        ControlError::Refused(format!(
            "{}: {}",
            control.as_str(),
            e.to_string().trim().replace('\n', " ")
        ))
    })
}

fn lines(changes: &[Change]) -> (Vec<String>, Vec<String>) {
    (
        changes.iter().map(Change::line).collect(),
        changes
            .iter()
            .filter_map(|c| c.weakens.as_ref().map(|w| format!("{}: {w}", c.path)))
            .collect(),
    )
}

fn checked_reason(reason: &str) -> Result<String, ControlError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(ControlError::Refused(
            "reason: expected why (it is recorded with the change)".into(),
        ));
    }
    Ok(r.chars().take(MAX_REASON).collect())
}

fn may(control: Control, who: &User, what: &str) -> Result<(), ControlError> {
    if roles(control).contains(&who.role) {
        Ok(())
    } else {
        Err(ControlError::Forbidden(format!(
            "the {} role may not {what} {} (it needs {})",
            who.role.as_str(),
            control.as_str(),
            roles(control)
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        )))
    }
}

/// Where the change is recorded.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    /// When.
    pub at: Timestamp,
    /// Where (the hub).
    pub location: Location,
}

/// Records version 1 of every setting that has none yet, from the built-in documents (or those
/// in `overrides`), by `actor`; returns the settings recorded.
pub fn ensure_defaults(
    store: &dyn Store,
    actor: Actor,
    origin: Origin,
    overrides: &[(Control, String)],
) -> Result<Vec<Control>, ControlError> {
    let mut done = Vec::new();
    for control in Control::ALL {
        if control == Control::Users || state(store, control)?.current().is_some() {
            continue;
        }
        let doc = overrides
            .iter()
            .find(|(c, _)| *c == control)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| builtin(control).to_string());
        validate(control, &doc).map_err(ControlError::Refused)?;
        let e = Event {
            subject: Subject::Control(control),
            code: EventCode::CFG,
            at: origin.at,
            actor,
            location: origin.location,
            detail: Detail::ControlChange {
                version: 1,
                digest: sha256_hex(&doc),
                before: String::new(),
                changes: vec!["first version".into()],
                weakening: Vec::new(),
                reason: "the hub's first version of this setting".into(),
                proposer: actor,
                proposal: None,
                document: doc,
            },
        };
        if store
            .append_once(&format!("control:{}:v1", control.as_str()), &[e])?
            .is_some()
        {
            done.push(control);
        }
    }
    Ok(done)
}

/// Proposes `doc` as the next version of `control` by `who`: applied at once unless it weakens
/// a control, in which case it waits for a second person.
pub fn propose(
    store: &dyn Store,
    control: Control,
    doc: &str,
    reason: &str,
    who: &User,
    origin: Origin,
) -> Result<Outcome, ControlError> {
    may(control, who, "change")?;
    let reason = checked_reason(reason)?;
    validate(control, doc).map_err(ControlError::Refused)?;
    let st = state(store, control)?;
    let (base_version, base_doc) = match st.current() {
        Some(v) => (v.version, v.document.clone()),
        None => (0, builtin(control).to_string()),
    };
    let base_digest = sha256_hex(&base_doc);
    let digest = sha256_hex(doc);
    if digest == base_digest {
        return Ok(Outcome::Unchanged {
            version: base_version,
        });
    }
    let changes = guard::assess(control, &table(control, &base_doc)?, &table(control, doc)?);
    let (change_lines, weakening) = lines(&changes);
    let version = base_version + 1;
    let detail = Detail::ControlChange {
        version,
        digest,
        before: base_digest,
        changes: change_lines.clone(),
        weakening: weakening.clone(),
        reason,
        proposer: who.actor(),
        proposal: None,
        document: doc.to_string(),
    };
    let code = if weakening.is_empty() {
        EventCode::CFG
    } else {
        EventCode::CFP
    };
    let e = Event {
        subject: Subject::Control(control),
        code,
        at: origin.at,
        actor: who.actor(),
        location: origin.location,
        detail,
    };
    if code == EventCode::CFP {
        let seq = store.append(&[e])?;
        return Ok(Outcome::Pending {
            proposal: seq,
            changes: change_lines,
            weakening,
        });
    }
    apply(store, control, version, e).map(|seq| Outcome::Applied {
        version,
        seq,
        changes: change_lines,
        weakening: Vec::new(),
    })
}

/// Appends a `CFG` making `version`, once: if another change made that version first, refuses.
fn apply(store: &dyn Store, control: Control, version: u32, e: Event) -> Result<u64, ControlError> {
    store
        .append_once(&format!("control:{}:v{version}", control.as_str()), &[e])?
        .ok_or_else(|| {
            ControlError::Conflict(format!(
                "{} was changed by someone else meanwhile (version {version} exists): look at it again and propose anew",
                control.as_str()
            ))
        })
}

/// Finds an open proposal of any setting.
pub fn find_proposal(
    store: &dyn Store,
    seq: u64,
) -> Result<(Control, guard::Proposal, ControlState), ControlError> {
    let e = store
        .events(seq, seq)?
        .into_iter()
        .next()
        .ok_or(ControlError::NoProposal(seq))?;
    let Subject::Control(control) = e.event.subject else {
        return Err(ControlError::NoProposal(seq));
    };
    let st = state(store, control)?;
    let p = st
        .proposal(seq)
        .cloned()
        .ok_or(ControlError::NoProposal(seq))?;
    Ok((control, p, st))
}

/// Records a refusal of proposal `seq`.
fn record_refusal(
    store: &dyn Store,
    control: Control,
    seq: Option<u64>,
    why: String,
    who: Actor,
    origin: Origin,
) -> Result<u64, StoreError> {
    store.append(&[Event {
        subject: Subject::Control(control),
        code: EventCode::CFR,
        at: origin.at,
        actor: who,
        location: origin.location,
        detail: Detail::ChangeRefused { proposal: seq, why },
    }])
}

/// A second person approves proposal `seq`: it is applied. The proposer cannot approve their
/// own change; the attempt is refused and recorded. `accounts` is needed for user changes.
pub fn approve(
    store: &dyn Store,
    accounts: Option<&Accounts>,
    seq: u64,
    reason: &str,
    who: &User,
    origin: Origin,
) -> Result<Outcome, ControlError> {
    let (control, p, st) = find_proposal(store, seq)?;
    may(control, who, "approve changes of")?;
    let reason = checked_reason(reason)?;
    if p.proposer == who.actor() {
        let why = format!(
            "{} proposed #{seq} and may not approve it: a change that weakens a control needs a second person",
            who.login
        );
        record_refusal(store, control, None, why.clone(), who.actor(), origin)?;
        return Err(ControlError::Refused(why));
    }
    let in_force = st.current().map(|v| v.version).unwrap_or(0);
    if control != Control::Users && in_force + 1 != p.version {
        let why = format!(
            "proposal #{seq} was made against version {} but version {in_force} is in force now: propose it again",
            p.version - 1
        );
        record_refusal(store, control, Some(seq), why.clone(), who.actor(), origin)?;
        return Err(ControlError::Conflict(why));
    }
    if control == Control::Users {
        let login = pending_login(&p.document).ok_or(ControlError::NoProposal(seq))?;
        let accounts = accounts
            .ok_or_else(|| ControlError::Refused("user changes need the accounts".into()))?;
        if !accounts.activate(&login)? {
            return Err(ControlError::Refused(format!(
                "user {login} is no longer waiting for approval"
            )));
        }
    }
    let e = Event {
        subject: Subject::Control(control),
        code: EventCode::CFG,
        at: origin.at,
        actor: who.actor(),
        location: origin.location,
        detail: Detail::ControlChange {
            version: p.version,
            digest: p.digest.clone(),
            before: st.current().map(|v| v.digest.clone()).unwrap_or_default(),
            changes: p.changes.clone(),
            weakening: p.weakening.clone(),
            reason: format!("{} (approved: {reason})", p.reason),
            proposer: p.proposer,
            proposal: Some(seq),
            document: p.document.clone(),
        },
    };
    let key_version = if control == Control::Users {
        // Users have no single document: each approved change is its own.
        format!("p{seq}")
    } else {
        p.version.to_string()
    };
    let applied = store
        .append_once(
            &format!("control:{}:v{key_version}", control.as_str()),
            &[e],
        )?
        .ok_or_else(|| ControlError::Conflict(format!("proposal #{seq} was decided meanwhile")))?;
    Ok(Outcome::Applied {
        version: p.version,
        seq: applied,
        changes: p.changes,
        weakening: p.weakening,
    })
}

/// Refuses (or, by its proposer, withdraws) proposal `seq`.
pub fn refuse(
    store: &dyn Store,
    accounts: Option<&Accounts>,
    seq: u64,
    reason: &str,
    who: &User,
    origin: Origin,
) -> Result<Outcome, ControlError> {
    let (control, p, _) = find_proposal(store, seq)?;
    if p.proposer != who.actor() {
        may(control, who, "refuse changes of")?;
    }
    let reason = checked_reason(reason)?;
    if control == Control::Users
        && let (Some(login), Some(a)) = (pending_login(&p.document), accounts)
    {
        a.remove_pending(&login)?;
    }
    record_refusal(store, control, Some(seq), reason, who.actor(), origin)?;
    Ok(Outcome::Refused { proposal: seq })
}

/// The login a users-change document names.
fn pending_login(doc: &str) -> Option<String> {
    doc.parse::<toml::Table>()
        .ok()?
        .get("login")?
        .as_str()
        .map(str::to_string)
}

/// Whether giving `role` to a user weakens a control (an administrator can change every setting
/// and read everything).
pub fn role_weakens(role: Role) -> bool {
    role == Role::Admin
}

#[allow(clippy::too_many_arguments)]
/// Adds a user, recorded as a change of the `users` setting by `who` (`None`: someone with the
/// host's files, at the command line). A new administrator added by a signed-in administrator
/// waits for a second administrator's approval.
pub fn add_user(
    store: &dyn Store,
    accounts: &Accounts,
    login: &str,
    role: Role,
    scope: Option<&str>,
    password: &str,
    who: Option<&User>,
    actor: Actor,
    origin: Origin,
) -> Result<(User, Outcome), ControlError> {
    if let Some(w) = who {
        may(Control::Users, w, "change")?;
    }
    let weak = who.is_some() && role_weakens(role);
    let user = if weak {
        accounts.add_pending_user(login, role, scope, password)?
    } else {
        accounts.add_user(login, role, scope, password)?
    };
    let doc = format!(
        "login = {:?}\nrole = {:?}\nscope = {:?}\n",
        user.login,
        user.role.as_str(),
        user.scope.clone().unwrap_or_default()
    );
    let change = format!(
        "user {}: (none) -> {}{}",
        user.login,
        user.role.as_str(),
        user.scope
            .as_ref()
            .map(|s| format!(" (scope {s})"))
            .unwrap_or_default()
    );
    let weakening = if weak {
        vec![format!(
            "user {}: a new administrator can change every setting and read everything",
            user.login
        )]
    } else {
        Vec::new()
    };
    let e = Event {
        subject: Subject::Control(Control::Users),
        code: if weak { EventCode::CFP } else { EventCode::CFG },
        at: origin.at,
        actor,
        location: origin.location,
        detail: Detail::ControlChange {
            version: 0,
            digest: sha256_hex(&doc),
            before: String::new(),
            changes: vec![change.clone()],
            weakening: weakening.clone(),
            reason: format!("add user {}", user.login),
            proposer: actor,
            proposal: None,
            document: doc,
        },
    };
    let seq = match store.append(std::slice::from_ref(&e)) {
        Ok(s) => s,
        Err(err) => {
            // Not recorded, so not done.
            let _ = accounts.remove_user(&user.login);
            return Err(err.into());
        }
    };
    let outcome = if weak {
        Outcome::Pending {
            proposal: seq,
            changes: vec![change],
            weakening,
        }
    } else {
        Outcome::Applied {
            version: 0,
            seq,
            changes: vec![change],
            weakening,
        }
    };
    Ok((user, outcome))
}
