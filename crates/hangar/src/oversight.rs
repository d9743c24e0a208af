//! `hangar control`, `hangar catalog`, `hangar export`, `hangar retention` and `hangar erase`:
//! the guarded settings and their changes, the data catalog, exports through the egress gate,
//! and erasure. The rules live in `hangar-oversight`, the recording in `hangar-api::controls`
//! and `hangar-egress`; this wires them to the command line.

use crate::client::{Client, Remote};
use anyhow::{Context, bail};
use hangar_model::{Actor, Control, DataClass, Location, Timestamp};
use hangar_oversight::{Catalog, Flows, Policy};
use hangar_service::controls::{self, Origin, Outcome};
use hangar_store::{EmbeddedStore, Erasure, Store};
use std::path::PathBuf;
use std::process::ExitCode;

/// The hub's location for records made at the command line.
pub fn hub() -> Location {
    Location::parse("LGG").expect("location")
}

/// The actor of what the hub does by itself (recording the built-in settings as their first
/// versions, starting its parts): never a person.
pub fn system() -> Actor {
    Actor::parse("system:hangar").expect("actor")
}

/// Now, at the hub.
pub fn origin() -> Origin {
    Origin {
        at: crate::ingest::now(),
        location: hub(),
    }
}

/// Everything the hub runs by, as the guarded settings have it now.
pub struct InForce {
    /// The route plan.
    pub plan: hangar_sort::Plan,
    /// The customs rule tables.
    pub rules: hangar_customs::RuleBook,
    /// The risk lists.
    pub risk: hangar_customs::risk::Lists,
    /// The risk and screening thresholds.
    pub thresholds: hangar_customs::EngineConfig,
    /// The declared egress flows.
    pub flows: Flows,
    /// The retention policy.
    pub retention: Policy,
}

/// Reads the settings in force (recording the built-in ones as version 1 where none is).
pub fn in_force(store: &dyn Store, actor: Actor) -> anyhow::Result<InForce> {
    controls::ensure_defaults(store, actor, origin(), &[])?;
    let doc = |c: Control| controls::current(store, c);
    let name = |c: Control| format!("{} (in force)", c.as_str());
    Ok(InForce {
        plan: hangar_sort::Plan::parse(&name(Control::RoutePlan), &doc(Control::RoutePlan)?)?,
        rules: hangar_customs::RuleBook::parse(
            &name(Control::CustomsRules),
            &doc(Control::CustomsRules)?,
        )?,
        risk: hangar_customs::risk::Lists::parse(
            &name(Control::RiskLists),
            &doc(Control::RiskLists)?,
        )
        .map_err(anyhow::Error::msg)?,
        thresholds: hangar_customs::EngineConfig::parse(
            &name(Control::RiskThresholds),
            &doc(Control::RiskThresholds)?,
        )
        .map_err(anyhow::Error::msg)?,
        flows: Flows::parse(
            &name(Control::EgressFlows),
            &doc(Control::EgressFlows)?,
            &Catalog::builtin(),
        )?,
        retention: Policy::parse(&name(Control::Retention), &doc(Control::Retention)?)
            .map_err(anyhow::Error::msg)?,
    })
}

/// `hangar control` subcommands: each talks to the running hub as the person signed in.
#[derive(clap::Subcommand)]
pub enum ControlCmd {
    /// Every guarded setting: the version in force and the changes waiting for approval.
    List {
        #[command(flatten)]
        remote: Remote,
    },
    /// The document in force of a setting (route-plan, customs-rules, risk-lists,
    /// risk-thresholds, egress-flows, retention), to edit and propose.
    Show {
        /// The setting.
        name: Control,
        #[command(flatten)]
        remote: Remote,
    },
    /// Every version of a setting with what changed, who proposed and who applied it.
    History {
        /// The setting.
        name: Control,
        #[command(flatten)]
        remote: Remote,
    },
    /// Propose a new version of a setting from a file: applied at once, or, when it weakens a
    /// control, held until a second person approves.
    Propose {
        /// The setting.
        name: Control,
        /// The new document (TOML).
        file: PathBuf,
        /// Why (recorded).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        remote: Remote,
    },
    /// Approve a proposed change (not your own).
    Approve {
        /// The proposal's number (as `list` shows it).
        proposal: u64,
        /// Why (recorded).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        remote: Remote,
    },
    /// Refuse a proposed change (or withdraw your own).
    Refuse {
        /// The proposal's number.
        proposal: u64,
        /// Why (recorded).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        remote: Remote,
    },
}

fn open(data: Option<PathBuf>) -> anyhow::Result<(PathBuf, EmbeddedStore)> {
    let dir = crate::data_dir(data);
    if !dir.join(hangar_store::DB_FILE).exists() {
        bail!(
            "no Hangar data in {} (run `hangar demo` or `hangar ingest` first, or pass --data)",
            dir.display()
        );
    }
    let store = EmbeddedStore::open(&dir).with_context(|| dir.display().to_string())?;
    Ok((dir, store))
}

fn print_outcome(o: &Outcome) {
    match o {
        Outcome::Applied {
            version,
            seq,
            changes,
            weakening,
        } => {
            println!("applied: version {version} is in force (record #{seq})");
            for c in changes {
                println!("  {c}");
            }
            for w in weakening {
                println!("  weakens (approved): {w}");
            }
        }
        Outcome::Pending {
            proposal,
            changes,
            weakening,
        } => {
            println!(
                "waiting for approval: proposal #{proposal} weakens a control; a second person must approve it (hangar control approve {proposal} --reason ..., signed in as themselves)"
            );
            for c in changes {
                println!("  {c}");
            }
            for w in weakening {
                println!("  WEAKENS: {w}");
            }
        }
        Outcome::Unchanged { version } => {
            println!("unchanged: the document is version {version}, in force")
        }
        Outcome::Refused { proposal } => println!("proposal #{proposal} refused"),
    }
}

fn outcome(v: serde_json::Value) -> anyhow::Result<Outcome> {
    serde_json::from_value(v.clone())
        .with_context(|| format!("the hub answered with an unexpected outcome: {v}"))
}

fn text(v: &serde_json::Value, k: &str) -> String {
    match v.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn lines<'a>(v: &'a serde_json::Value, k: &str) -> impl Iterator<Item = &'a str> {
    v.get(k)
        .and_then(|l| l.as_array())
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str())
}

/// One guarded setting as the hub has it: versions, pending proposals, the document in force.
fn setting(remote: &Remote, name: Control) -> anyhow::Result<serde_json::Value> {
    Client::signed_in(remote)?.call("GET", &format!("/api/controls/{}", name.as_str()), None)
}

/// Approves or refuses (`verb`) a proposal as the person signed in, and says what became of it.
fn verdict(remote: &Remote, proposal: u64, reason: &str, verb: &str) -> anyhow::Result<()> {
    let o = Client::signed_in(remote)?.call(
        "POST",
        &format!("/api/controls/proposals/{proposal}/{verb}"),
        Some(&serde_json::json!({ "reason": reason })),
    )?;
    print_outcome(&outcome(o)?);
    Ok(())
}

pub fn control(cmd: ControlCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ControlCmd::List { remote } => {
            let all = Client::signed_in(&remote)?.call("GET", "/api/controls", None)?;
            for c in all["controls"].as_array().into_iter().flatten() {
                let name = text(c, "name");
                match c.get("version").and_then(|v| v.as_u64()) {
                    Some(v) => println!(
                        "{name:<16} v{v:<3} since {} by {}",
                        text(c, "applied_at"),
                        text(c, "applied_by")
                    ),
                    None => println!("{name:<16} built in (no version recorded)"),
                }
                for p in c["pending"].as_array().into_iter().flatten() {
                    println!(
                        "  #{} waiting: v{} by {} at {}: {}",
                        text(p, "seq"),
                        text(p, "version"),
                        text(p, "proposer"),
                        text(p, "at"),
                        text(p, "reason")
                    );
                    for w in lines(p, "weakening") {
                        println!("     weakens: {w}");
                    }
                }
            }
        }
        ControlCmd::Show { name, remote } => {
            print!("{}", text(&setting(&remote, name)?, "document"));
        }
        ControlCmd::History { name, remote } => {
            let c = setting(&remote, name)?;
            let versions = c["versions"].as_array().cloned().unwrap_or_default();
            if versions.is_empty() {
                println!("{}: no version recorded (built in)", name.as_str());
            }
            for v in &versions {
                println!(
                    "v{} at {} applied by {} (proposed by {}): {}",
                    text(v, "version"),
                    text(v, "at"),
                    text(v, "applied_by"),
                    text(v, "proposer"),
                    text(v, "reason")
                );
                for c in lines(v, "changes") {
                    println!("    {c}");
                }
                for w in lines(v, "weakening") {
                    println!("    weakens: {w}");
                }
            }
        }
        ControlCmd::Propose {
            name,
            file,
            reason,
            remote,
        } => {
            let doc = std::fs::read_to_string(&file)
                .with_context(|| format!("{}: cannot read", file.display()))?;
            let o = Client::signed_in(&remote)?.call(
                "POST",
                &format!("/api/controls/{}", name.as_str()),
                Some(&serde_json::json!({ "document": doc, "reason": reason })),
            )?;
            print_outcome(&outcome(o)?);
        }
        ControlCmd::Approve {
            proposal,
            reason,
            remote,
        } => verdict(&remote, proposal, &reason, "approve")?,
        ControlCmd::Refuse {
            proposal,
            reason,
            remote,
        } => verdict(&remote, proposal, &reason, "refuse")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `hangar catalog`.
#[derive(clap::Args)]
pub struct CatalogArgs {
    /// Print it as the Markdown page of docs/data-catalog.md.
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// Print it as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn catalog(a: CatalogArgs) -> anyhow::Result<ExitCode> {
    let c = Catalog::builtin();
    if a.markdown {
        print!("{}", c.markdown());
    } else if a.json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        for f in c.fields() {
            println!("{:<24} {:<12} {}", f.name, f.class.as_str(), f.about);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `hangar export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The declared flow to send along (see `hangar control show egress-flows`).
    #[arg(long)]
    pub flow: String,
    /// The parcels: those in this board stage (held, at_chute, handed_over, ...), or all.
    #[arg(long)]
    pub stage: Option<String>,
    /// The fields to offer (catalog names, comma-separated); the gate removes those the flow
    /// does not carry.
    #[arg(long, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Most parcels.
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
    #[command(flatten)]
    pub remote: Remote,
}

/// Asks the running hub to send the parcels' fields along the flow, as the person signed in.
pub fn export(a: ExportArgs) -> anyhow::Result<ExitCode> {
    if a.fields.is_empty() {
        bail!("--fields: expected the catalog fields to offer (see `hangar catalog`)");
    }
    let client = Client::signed_in(&a.remote)?;
    let body = serde_json::json!({
        "flow": a.flow,
        "stage": a.stage,
        "fields": a.fields,
        "limit": a.limit,
    });
    let answer = client.send(
        "POST",
        "/api/exports",
        "application/json",
        body.to_string().as_bytes(),
    )?;
    let v = answer.json();
    // What left before a refusal is reported too: it is recorded as sent.
    let sent = if answer.status == 201 { &v } else { &v["sent"] };
    for b in sent["batches"].as_array().into_iter().flatten() {
        let removed: Vec<&str> = lines(b, "removed").collect();
        eprintln!(
            "sent {} records to {} (record #{}, digest {}){}",
            text(b, "records"),
            text(b, "endpoint"),
            text(b, "seq"),
            text(b, "digest").chars().take(16).collect::<String>(),
            if removed.is_empty() {
                String::new()
            } else {
                format!("; the gate removed {}", removed.join(", "))
            }
        );
    }
    if answer.status != 201 {
        bail!("{}", crate::client::refusal(&answer));
    }
    println!(
        "exported {} records along flow {}",
        text(&v, "records"),
        a.flow
    );
    Ok(ExitCode::SUCCESS)
}

/// `hangar retention` subcommands.
#[derive(clap::Subcommand)]
pub enum RetentionCmd {
    /// Erase what the retention setting says is due: personal data after `personal_days`, the
    /// whole parcel record after `commercial_days`.
    Run {
        /// Act as if it were this time (RFC 3339), to see what a later run would erase.
        #[arg(long)]
        now: Option<Timestamp>,
        /// Only say what is due; erase nothing.
        #[arg(long)]
        dry_run: bool,
        /// Data directory.
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

/// Erases what is due at `now` under `policy`; returns (personal, commercial) parcels erased.
pub fn run_retention(
    store: &dyn Store,
    policy: &Policy,
    now: Timestamp,
    actor: Actor,
    dry_run: bool,
) -> anyhow::Result<(u64, u64)> {
    let mut done = [0u64; 2];
    for (i, (class, days)) in [
        (DataClass::Commercial, policy.commercial_days),
        (DataClass::Personal, policy.personal_days),
    ]
    .into_iter()
    .enumerate()
    {
        let before = now.plus_min(-i64::from(days) * 24 * 60);
        loop {
            let due = store.due_for_erasure(class, before, hangar_store::MAX_ERASE_PARCELS)?;
            if due.is_empty() {
                break;
            }
            if dry_run {
                done[i] += due.len() as u64;
                break;
            }
            let n = store.erase(Erasure {
                parcels: due,
                class,
                reason: format!(
                    "retention: {} data is kept {days} days ({})",
                    class.as_str(),
                    policy.version
                ),
                actor,
                at: now,
                location: hub(),
            })?;
            done[i] += n;
            if n == 0 {
                break;
            }
        }
    }
    Ok((done[1], done[0]))
}

pub fn retention(cmd: RetentionCmd) -> anyhow::Result<ExitCode> {
    let RetentionCmd::Run { now, dry_run, data } = cmd;
    let (dir, store) = open(data)?;
    let actor = Actor::parse("system:retention").expect("actor");
    let policy = in_force(&store, actor)?.retention;
    let now = now.unwrap_or_else(crate::ingest::now);
    let (p, c) = run_retention(&store, &policy, now, actor, dry_run)?;
    crate::log::sync_dir(&dir, &store)?;
    println!(
        "{} {p} parcels' personal data (older than {} days) and {c} parcel records (older than {} days), as of {now}",
        if dry_run { "due:" } else { "erased" },
        policy.personal_days,
        policy.commercial_days
    );
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `hangar erase`.
#[derive(clap::Args)]
pub struct EraseArgs {
    /// The parcels whose buyer's personal data is to be erased.
    #[arg(required = true)]
    pub ids: Vec<hangar_model::S10Id>,
    /// The request the erasure answers (recorded).
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub remote: Remote,
}

/// Asks the running hub to erase the parcels' personal data, as the administrator signed in.
pub fn erase(a: EraseArgs) -> anyhow::Result<ExitCode> {
    if a.reason.trim().is_empty() {
        bail!("--reason: expected the request the erasure answers (it is recorded)");
    }
    let client = Client::signed_in(&a.remote)?;
    let mut n = 0;
    for id in &a.ids {
        let v = client
            .call(
                "POST",
                &format!("/api/parcels/{id}/erase"),
                Some(&serde_json::json!({ "reason": a.reason })),
            )
            .with_context(|| format!("erasing {id} ({n} erased before it)"))?;
        if v["erased"].as_bool() == Some(true) {
            n += 1;
        }
    }
    println!(
        "erased the personal data of {n} of {} parcels (the others held none); the log keeps only that it happened",
        a.ids.len()
    );
    Ok(ExitCode::SUCCESS)
}
