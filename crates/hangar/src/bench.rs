//! `hangar bench`: hot paths measured against their limits, side by side in one run.

pub mod ingest;

/// Which benchmark.
#[derive(clap::Subcommand)]
pub enum Which {
    /// Manifest parse+validate rate, store commit rate, and the raw engine's insert rate for the
    /// same rows.
    Ingest(ingest::Args),
}

pub fn run(w: Which) -> anyhow::Result<std::process::ExitCode> {
    match w {
        Which::Ingest(a) => ingest::run(a),
    }
}
