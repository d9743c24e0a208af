//! `hangar generate`.

use crate::ui;
use anyhow::{Context, bail};
use hangar_gen::{DayConfig, MAX_FLIGHTS, MAX_PARCELS, generate, write_day};
use hangar_model::Date;
use std::path::PathBuf;
use std::process::ExitCode;

/// The size and seed of a generated day (shared by `generate` and `demo`).
#[derive(clap::Args, Clone, Copy)]
pub struct DaySize {
    /// Parcels in the day.
    #[arg(long, default_value_t = 200_000)]
    pub parcels: u32,
    /// Freighters in the day.
    #[arg(long, default_value_t = 6)]
    pub flights: u32,
    /// Seed: the same seed gives the same day, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl DaySize {
    /// The generator's configuration for `date`, after checking the sizes.
    pub fn config(self, date: Date) -> anyhow::Result<DayConfig> {
        check_size(self.parcels, self.flights)?;
        Ok(DayConfig {
            date,
            parcels: self.parcels,
            flights: self.flights,
            seed: self.seed,
        })
    }
}

/// Arguments of `hangar generate`.
#[derive(clap::Args)]
pub struct Args {
    /// Arrival day at the hub, YYYY-MM-DD (UTC).
    #[arg(long)]
    pub date: Date,
    #[command(flatten)]
    pub size: DaySize,
    /// Directory to write to (created if needed).
    #[arg(long)]
    pub out: PathBuf,
}

/// Checks the sizes of a day request.
pub(crate) fn check_size(parcels: u32, flights: u32) -> anyhow::Result<()> {
    if parcels == 0 || parcels > MAX_PARCELS {
        bail!("--parcels: expected 1 to {MAX_PARCELS}, got {parcels}");
    }
    if flights == 0 || flights > MAX_FLIGHTS {
        bail!("--flights: expected 1 to {MAX_FLIGHTS}, got {flights}");
    }
    Ok(())
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let day = generate(a.size.config(a.date)?);
    let pb = ui::bar(day.parcels.len() as u64, "writing", "parcels", false);
    let written = write_day(&day, &a.out, |n| pb.set_position(n as u64))
        .with_context(|| format!("writing to {}", a.out.display()))?;
    pb.finish_and_clear();
    println!(
        "wrote {} flights, {} parcels in {} manifests, {} labelled anomalies to {}",
        day.flights.len(),
        day.parcels.len(),
        written.csv.len(),
        day.labels.len(),
        a.out.display()
    );
    println!("  schedule:  {}", written.schedule.display());
    println!(
        "  manifests: {}/*.csv (and {}/*.jsonl)",
        a.out.join("manifests").display(),
        a.out.join("manifests-jsonl").display()
    );
    println!(
        "  labels:    {} (ground truth for scoring; do not ingest)",
        written.labels.display()
    );
    Ok(ExitCode::SUCCESS)
}
