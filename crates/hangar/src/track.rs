//! `hangar track`: a parcel's history, from the events. It shows the buyer's postcode and the
//! declared value, so the read is recorded first.

use anyhow::{Context, bail};
use hangar_model::{ParcelState, S10Id, Subject};
use hangar_store::{EmbeddedStore, Store};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `hangar track`.
#[derive(clap::Args)]
pub struct Args {
    /// Tracking id (UPU S10, e.g. UA12345678?CN).
    pub id: S10Id,
    /// Data directory (default: $HANGAR_DATA or ./hangar-data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Why you look (recorded with the read).
    #[arg(long, default_value = "tracking a parcel at the hub")]
    pub purpose: String,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let dir = crate::data_dir(a.data);
    if !dir.join(hangar_store::DB_FILE).exists() {
        bail!(
            "no Hangar data in {} (run `hangar demo` or `hangar ingest` first, or pass --data)",
            dir.display()
        );
    }
    let store = EmbeddedStore::open(&dir).with_context(|| format!("opening {}", dir.display()))?;
    let Some(p) = store.parcel(&a.id)? else {
        bail!("parcel {} is not in {}", a.id, dir.display());
    };
    // The read is recorded before anything is shown.
    hangar_api::access::record_read(
        &store,
        crate::log::operator(),
        crate::oversight::hub(),
        &hangar_api::access::Read {
            subject: Subject::Parcel(p.id),
            what: "parcel history with the buyer's postcode and the declared value",
            classes: &[
                hangar_model::DataClass::Personal,
                hangar_model::DataClass::Commercial,
            ],
            records: 1,
            query: &format!("hangar track {}", p.id),
            purpose: &a.purpose,
        },
    )?;
    crate::log::sync_dir(&dir, &store)?;
    let history = store.history(&a.id)?;
    let own: Vec<_> = history
        .iter()
        .filter(|r| r.event.subject == Subject::Parcel(a.id))
        .map(|r| &r.event)
        .collect();
    let state = ParcelState::derive(own.iter().copied());
    println!("parcel    {}", p.id);
    println!(
        "waybill   {} on flight {}, ULD {}, bag {}",
        p.mawb, p.flight, p.uld, p.bag
    );
    println!(
        "to        {} {}   value {}   weight {} kg   {} item line(s)",
        p.consignee.country,
        p.consignee
            .postcode
            .map(|c| c.to_string())
            .unwrap_or_default(),
        p.value(),
        p.weight().kg(),
        p.items.len()
    );
    println!(
        "now       {:?} (customs {:?})",
        state.terminal(),
        state.customs
    );
    println!();
    for r in &history {
        let e = &r.event;
        let about = match e.subject {
            Subject::Parcel(_) => "parcel".to_string(),
            s => s.kind().to_string(),
        };
        println!(
            "{:>8}  {}  {}  {:<24} {:<11} {:<18} {}",
            r.seq,
            e.at,
            e.code.as_str(),
            e.code.meaning(),
            about,
            e.location,
            e.detail.describe()
        );
    }
    Ok(ExitCode::SUCCESS)
}
