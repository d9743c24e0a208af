//! `hangar customs ...`: decide a manifest's consignments, explain a parcel's decision, and the
//! declarant's release and hold. Wires the customs engine (`hangar-customs`) and denied-party
//! screening (`hangar-screen`) to files and the store; the rules live in those crates.

use anyhow::{Context, bail};
use hangar_customs::ioss::Register;
use hangar_customs::risk::Lists;
use hangar_customs::{Decision, Engine, EngineConfig, RuleBook};
use hangar_model::{CustomsOutcome, Date, Detail, Event, EventCode, Parcel, ParcelState, S10Id};
use hangar_screen::{ListSet, Screener};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// `hangar customs` subcommands.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Decide every consignment in manifest files (H7, duties and taxes, IOSS, risk rules,
    /// denied parties) and print the decisions. Reads files only; stores nothing.
    Screen(ScreenArgs),
    /// Show why a parcel got its customs decision: its H7 data, duties and taxes with the rule
    /// versions, every reason. The read is recorded in the store (and the log).
    Explain(ExplainArgs),
    /// Release a held parcel: a declarant's decision, with a reason; recorded.
    Release(ActionArgs),
    /// Hold a parcel (or ask for information, or refuse it): a declarant's decision, with a
    /// reason; recorded.
    Hold(HoldArgs),
    /// Load denied-party list files and summarise them (check a list export before use).
    Lists {
        /// List files: Hangar's TOML list or the EU consolidated list CSV export. Default: the
        /// built-in fixture.
        files: Vec<PathBuf>,
    },
}

/// The engine's inputs, each a file or the built-in default.
#[derive(clap::Args, Clone, Default)]
pub struct Setup {
    /// Customs rule tables (TOML: rates, VAT, duty, fees, H7 ceiling); default: built in.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Risk lists (TOML: description vs tariff code, restricted goods); default: built in.
    #[arg(long)]
    pub risk: Option<PathBuf>,
    /// IOSS register (`number,holder,kind` lines). Without one, every IOSS number is reported
    /// as unregistered.
    #[arg(long)]
    pub register: Option<PathBuf>,
    /// Denied-party list file (repeatable): Hangar's TOML list or the EU consolidated list CSV
    /// export. Default: the built-in fixture (a hand-made excerpt, not for production use).
    #[arg(long = "list")]
    pub lists: Vec<PathBuf>,
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    String::from_utf8(read(path)?)
        .with_context(|| format!("{}: expected UTF-8 text", path.display()))
}

/// Loads denied-party lists (the fixture when `files` is empty) and names them.
pub fn load_lists(files: &[PathBuf]) -> anyhow::Result<(ListSet, String)> {
    if files.is_empty() {
        return Ok((
            ListSet::fixture(),
            "denied-party lists: fixture (built in)".into(),
        ));
    }
    let mut set = ListSet::default();
    let mut names = Vec::new();
    for f in files {
        let one = ListSet::parse(&f.display().to_string(), &read(f)?)?;
        names.push(format!(
            "{} ({} entities)",
            f.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            one.entities.len()
        ));
        set.merge(one);
    }
    Ok((set, format!("denied-party lists: {}", names.join(", "))))
}

impl Setup {
    /// The engine these inputs describe (files given, else the built-in tables).
    pub fn engine(&self) -> anyhow::Result<Engine> {
        let book = match &self.rules {
            None => RuleBook::builtin(),
            Some(p) => RuleBook::parse(&p.display().to_string(), &read_text(p)?)?,
        };
        let lists = match &self.risk {
            None => Lists::builtin(),
            Some(p) => Lists::parse(&p.display().to_string(), &read_text(p)?)
                .map_err(anyhow::Error::msg)?,
        };
        self.engine_with(book, lists, EngineConfig::default())
    }

    /// The engine over these rules, risk lists and thresholds (the hub's settings in force),
    /// with this setup's IOSS register and denied-party lists.
    pub fn engine_with(
        &self,
        book: RuleBook,
        lists: Lists,
        cfg: EngineConfig,
    ) -> anyhow::Result<Engine> {
        let register = match &self.register {
            None => Register::default(),
            Some(p) => Register::parse(&p.display().to_string(), &read_text(p)?)
                .map_err(anyhow::Error::msg)?,
        };
        let (set, version) = load_lists(&self.lists)?;
        let screener = Arc::new(Screener::build(set));
        Ok(Engine::new(book, lists, register, screener, version, cfg))
    }
}

/// Arguments of `hangar customs screen`.
#[derive(clap::Args)]
pub struct ScreenArgs {
    /// Manifest files (CSV or JSON Lines), decided together as one arrival.
    #[arg(required = true)]
    pub manifests: Vec<PathBuf>,
    /// Customs date, YYYY-MM-DD (default: today, UTC): which rule versions apply.
    #[arg(long)]
    pub date: Option<Date>,
    /// Past manifests to learn value references and sellers' IOSS use from (default: learn from
    /// the manifests being decided).
    #[arg(long)]
    pub history: Vec<PathBuf>,
    /// Print released parcels too (default: only the others).
    #[arg(long)]
    pub all: bool,
    /// One JSON object per decision, then a summary object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub setup: Setup,
}

/// Parcels of manifest files; any bad row refuses the run, naming file, line and field.
fn parcels_of(files: &[PathBuf]) -> anyhow::Result<Vec<Parcel>> {
    let mut out = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let parsed =
            hangar_manifest::parse(&name, &read(f)?).map_err(|e| anyhow::anyhow!("{e}"))?;
        match parsed.contents {
            hangar_manifest::Contents::Parcels(ps) => out.extend(ps.into_iter().map(|l| l.value)),
            hangar_manifest::Contents::Schedule(_) => {
                bail!("{name}: expected a manifest, got a flight schedule")
            }
        }
    }
    Ok(out)
}

/// Decisions counted by outcome and by reason.
#[derive(Default, serde::Serialize)]
pub struct Tally {
    /// Parcels decided.
    pub parcels: u64,
    /// By outcome.
    pub by_outcome: BTreeMap<String, u64>,
    /// By reason (a parcel counts once per reason).
    pub by_reason: BTreeMap<String, u64>,
}

impl Tally {
    /// Counts one decision.
    pub fn add(&mut self, d: &Decision) {
        self.parcels += 1;
        *self
            .by_outcome
            .entry(d.outcome.as_str().into())
            .or_default() += 1;
        let mut names: Vec<&str> = d.reasons.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            *self.by_reason.entry(n.into()).or_default() += 1;
        }
    }
}

fn screen(a: ScreenArgs) -> anyhow::Result<ExitCode> {
    let date = a.date.unwrap_or_else(|| crate::ingest::now().date());
    let mut engine = a.setup.engine()?;
    let parcels = parcels_of(&a.manifests)?;
    if a.history.is_empty() {
        engine.learn(&parcels, date);
    } else {
        engine.learn(&parcels_of(&a.history)?, date);
    }
    let at = date.midnight();
    let decisions = engine.decide_batch(&parcels, at, date);
    let mut tally = Tally::default();
    for d in &decisions {
        tally.add(d);
        if a.json {
            println!("{}", serde_json::to_string(d)?);
        } else if a.all || d.outcome != CustomsOutcome::Release {
            print_decision(d);
        }
    }
    if a.json {
        println!("{}", serde_json::to_string(&tally)?);
    } else {
        println!();
        println!(
            "{} parcels on {date}: {}",
            tally.parcels,
            crate::demo::fmt_map(&tally.by_outcome)
        );
        println!("by reason: {}", crate::demo::fmt_map(&tally.by_reason));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_decision(d: &Decision) {
    let head = format!("{}  {:<12}", d.parcel, d.outcome.as_str());
    match (&d.assessment, d.reasons.is_empty()) {
        (Some(a), true) => println!(
            "{head} duty {}, VAT {}",
            crate::ui::eur(a.duty_cents),
            crate::ui::eur(a.vat_cents)
        ),
        _ => {
            for (i, r) in d.reasons.iter().enumerate() {
                if i == 0 {
                    println!("{head} {}", r.describe());
                } else {
                    println!("{:29} {}", "", r.describe());
                }
            }
        }
    }
}

/// Arguments of `hangar customs explain`.
#[derive(clap::Args)]
pub struct ExplainArgs {
    /// Tracking id.
    pub parcel: S10Id,
    /// Why, recorded with the read.
    #[arg(long, default_value = "hangar customs explain")]
    pub purpose: String,
    #[command(flatten)]
    pub remote: crate::client::Remote,
    #[command(flatten)]
    pub setup: Setup,
}

/// Reads the parcel and its decisions from the running hub, as the person signed in (the hub
/// records the read with its purpose), and explains them with the rules and lists at hand.
fn explain(a: ExplainArgs) -> anyhow::Result<ExitCode> {
    let client = crate::client::Client::signed_in(&a.remote)?;
    let p = client.parcel(&a.parcel, &a.purpose)?;
    let purpose = crate::client::encode(&a.purpose);
    let d = client.call(
        "GET",
        &format!("/api/customs/decisions/{}?purpose={purpose}", a.parcel),
        None,
    )?;
    let events: Vec<Event> = serde_json::from_value(d["decisions"].clone())
        .context("the hub sent decisions this command cannot read")?;
    let state = ParcelState::derive(&events);
    let decided = events.iter().find(|e| CustomsOutcome::of(e.code).is_some());
    let date = decided
        .map(|e| e.at.date())
        .unwrap_or_else(|| crate::ingest::now().date());
    let mut engine = a.setup.engine()?;
    println!("parcel     {}   customs now: {:?}", p.id, state.customs);
    println!("waybill    {} on flight {}", p.mawb, p.flight);
    println!();
    println!("H7 data set (as declared, rules of {date})");
    println!(
        "  consignor  {}, {} {}",
        p.consignor.name, p.consignor.city, p.consignor.country
    );
    println!(
        "  consignee  {}, {} {} {}",
        p.consignee.name,
        p.consignee
            .postcode
            .map(|c| c.to_string())
            .unwrap_or_default(),
        p.consignee.city,
        p.consignee.country
    );
    println!(
        "  IOSS (FR5) {}",
        match &p.ioss {
            hangar_model::IossField::Absent => "none: VAT due at import".to_string(),
            hangar_model::IossField::Valid(n) => n.to_string(),
            hangar_model::IossField::Malformed(s) => format!("{s:?} (not an IOSS number)"),
        }
    );
    println!(
        "  value      {}   gross mass {} kg   1 package",
        p.value(),
        p.weight().kg()
    );
    for (i, it) in p.items.iter().enumerate() {
        println!(
            "  item {:<3}   {} x {:?}, HS {}, {}, {} kg",
            i + 1,
            it.quantity,
            it.description,
            it.hs,
            it.value,
            it.weight.kg()
        );
    }
    println!();
    match hangar_customs::declare(&p, date, engine.book()) {
        Ok(h7) => match hangar_customs::assess(&h7, date, engine.book()) {
            Ok(x) => {
                println!(
                    "Duties and taxes: value {}, {} subheading(s), duty {}, VAT {:.1} % = {} ({}), handling fee {}",
                    crate::ui::eur(x.value_eur_cents),
                    x.subheadings,
                    crate::ui::eur(x.duty_cents),
                    f64::from(x.vat_rate_bp) / 100.0,
                    crate::ui::eur(x.vat_cents),
                    match x.vat {
                        hangar_customs::VatCollection::Sale { .. } =>
                            "collected at sale under IOSS",
                        hangar_customs::VatCollection::Import => "due at import",
                    },
                    crate::ui::eur(x.handling_fee_cents)
                );
                for r in &x.rules {
                    println!("  rule: {r}");
                }
            }
            Err(e) => println!("Duties and taxes: cannot be assessed: {}", e.0),
        },
        Err(problems) => {
            println!("Not declarable with an H7:");
            for pr in problems {
                println!("  {}", serde_json::to_string(&pr)?);
            }
        }
    }
    println!();
    println!("Decisions (as recorded)");
    let mut any = false;
    for e in &events {
        let Some(outcome) = CustomsOutcome::of(e.code) else {
            continue;
        };
        any = true;
        println!(
            "  {}  {} {:<12} by {}",
            e.at,
            e.code.as_str(),
            outcome.as_str(),
            e.actor
        );
        match &e.detail {
            Detail::Held { reasons, rules } => {
                for r in reasons {
                    println!("      - {}", r.describe());
                }
                for r in rules {
                    println!("      rule: {r}");
                }
            }
            Detail::Cleared { rules, .. } => {
                println!("      {}", e.detail.describe());
                for r in rules {
                    println!("      rule: {r}");
                }
            }
            d => println!("      {}", d.describe()),
        }
    }
    if !any {
        println!("  none yet");
    }
    let mut screened = Vec::new();
    for (role, party) in [("consignor", &p.consignor), ("consignee", &p.consignee)] {
        let address = format!("{} {}", party.address, party.city);
        for why in engine.explain_party(&party.name, party.country.iso2(), &address) {
            screened.push(format!("{role} {why}"));
        }
    }
    println!();
    println!("Denied-party screening now");
    if screened.is_empty() {
        println!("  no match on the lists loaded");
    }
    for s in screened {
        println!("  {s}");
    }
    eprintln!(
        "(the hub recorded this read as {}, with the purpose {:?})",
        EventCode::ACC.as_str(),
        a.purpose
    );
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `hangar customs release`.
#[derive(clap::Args)]
pub struct ActionArgs {
    /// Tracking id.
    pub parcel: S10Id,
    /// Why, in the declarant's words (required, recorded).
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub remote: crate::client::Remote,
}

/// Arguments of `hangar customs hold`.
#[derive(clap::Args)]
pub struct HoldArgs {
    #[command(flatten)]
    pub action: ActionArgs,
    /// Ask for information instead of holding for inspection (RFI).
    #[arg(long, conflicts_with = "refuse")]
    pub ask: bool,
    /// Refuse the parcel: to be returned or destroyed (RTS).
    #[arg(long)]
    pub refuse: bool,
}

/// Sends the declarant's decision to the running hub, as the person signed in.
fn act(a: ActionArgs, outcome: CustomsOutcome) -> anyhow::Result<ExitCode> {
    if a.reason.trim().is_empty() {
        bail!("--reason: expected why, in the declarant's words (it is recorded)");
    }
    let client = crate::client::Client::signed_in(&a.remote)?;
    let (path, body) = match outcome {
        CustomsOutcome::Release => (
            format!("/api/customs/{}/release", a.parcel),
            serde_json::json!({ "reason": a.reason }),
        ),
        o => (
            format!("/api/customs/{}/hold", a.parcel),
            serde_json::json!({ "reason": a.reason, "outcome": o.as_str() }),
        ),
    };
    let e = client
        .call("POST", &path, Some(&body))
        .with_context(|| format!("{} {}", outcome.as_str(), a.parcel))?;
    let text = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_string();
    let code = text("code");
    let meaning = EventCode::parse(&code).map(|c| c.meaning()).unwrap_or("");
    println!(
        "{} {code} ({meaning}) by {} at {}: {}",
        a.parcel,
        text("actor"),
        text("at"),
        a.reason.trim()
    );
    Ok(ExitCode::SUCCESS)
}

fn lists(files: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let (set, version) = load_lists(&files)?;
    let s = Screener::build(set);
    println!("{version}");
    for l in s.lists() {
        let n = (0..s.entities() as u32)
            .filter(|&i| s.list_of(s.entity(i)).id == l.id)
            .count();
        println!(
            "  {:<6} {:>7} entities  threshold {:.2}  {}",
            l.id, n, l.threshold, l.title
        );
    }
    println!("  {} names indexed", s.names());
    Ok(ExitCode::SUCCESS)
}

pub fn run(cmd: Cmd) -> anyhow::Result<ExitCode> {
    match cmd {
        Cmd::Screen(a) => screen(a),
        Cmd::Explain(a) => explain(a),
        Cmd::Release(a) => act(a, CustomsOutcome::Release),
        Cmd::Hold(h) => act(
            h.action,
            if h.refuse {
                CustomsOutcome::Refuse
            } else if h.ask {
                CustomsOutcome::RequestInfo
            } else {
                CustomsOutcome::Hold
            },
        ),
        Cmd::Lists { files } => lists(files),
    }
}

/// How well the day's decisions caught one kind of labelled anomaly.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Detection {
    /// Parcels carrying it.
    pub labelled: u64,
    /// Of which decided with a reason that names it.
    pub caught: u64,
    /// caught / labelled.
    pub rate: f64,
}

/// Detection rate per anomaly type, and how many unlabelled parcels were stopped anyway.
pub fn detection(
    labels: &[hangar_gen::Label],
    decisions: &[Decision],
) -> (BTreeMap<String, Detection>, u64) {
    let by_id: std::collections::HashMap<S10Id, &Decision> =
        decisions.iter().map(|d| (d.parcel, d)).collect();
    let mut out: BTreeMap<String, Detection> = BTreeMap::new();
    let mut labelled = std::collections::HashSet::new();
    for l in labels {
        labelled.insert(l.parcel);
        let d = out.entry(l.anomaly.as_str().into()).or_default();
        d.labelled += 1;
        if let Some(dec) = by_id.get(&l.parcel)
            && dec
                .reasons
                .iter()
                .any(|r| hangar_customs::engine::catches(l.anomaly.as_str()).contains(&r.name()))
        {
            d.caught += 1;
        }
    }
    for d in out.values_mut() {
        d.rate = (d.caught as f64 / d.labelled.max(1) as f64 * 1000.0).round() / 1000.0;
    }
    let clean_stopped = decisions
        .iter()
        .filter(|d| d.outcome != CustomsOutcome::Release && !labelled.contains(&d.parcel))
        .count() as u64;
    (out, clean_stopped)
}
