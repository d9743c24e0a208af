//! `hangar track`: a parcel's history, from the running hub. It shows the buyer's postcode and
//! the declared value, so the hub records the read, as the person signed in, before it answers.

use anyhow::Context;
use hangar_model::{Event, ParcelState, S10Id, Subject};
use std::process::ExitCode;

/// Arguments of `hangar track`.
#[derive(clap::Args)]
pub struct Args {
    /// Tracking id (UPU S10, e.g. UA12345678?CN).
    pub id: S10Id,
    /// Why you look (recorded with the read).
    #[arg(long, default_value = "tracking a parcel at the hub")]
    pub purpose: String,
    #[command(flatten)]
    pub remote: crate::client::Remote,
}

/// Reads the parcel and its history from the running hub, as the person signed in (the hub
/// records the read with its purpose).
pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let client = crate::client::Client::signed_in(&a.remote)?;
    let p = client.parcel(&a.id, &a.purpose)?;
    let purpose = crate::client::encode(&a.purpose);
    let h = client.call(
        "GET",
        &format!("/api/parcels/{}/events?purpose={purpose}", a.id),
        None,
    )?;
    let own: Vec<Event> =
        serde_json::from_value(h["events"].clone()).context("the hub sent unreadable events")?;
    let state = ParcelState::derive(&own);
    let mut history: Vec<(u64, Event)> = Vec::new();
    for r in h["history"].as_array().into_iter().flatten() {
        let seq = r["seq"].as_u64().unwrap_or(0);
        let e: Event =
            serde_json::from_value(r["event"].clone()).context("the hub sent unreadable events")?;
        history.push((seq, e));
    }
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
    for (seq, e) in &history {
        let about = match e.subject {
            Subject::Parcel(_) => "parcel".to_string(),
            s => s.kind().to_string(),
        };
        println!(
            "{:>8}  {}  {}  {:<24} {:<11} {:<18} {}",
            seq,
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
