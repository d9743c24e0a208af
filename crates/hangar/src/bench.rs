//! `hangar bench`: hot paths measured against their limits, side by side in one run.

pub mod ingest;
pub mod intake;
pub mod ledger;
pub mod screen;
pub mod sort;

/// Which benchmark.
#[derive(clap::Subcommand)]
pub enum Which {
    /// Manifest parse+validate rate, store commit rate, and the raw engine's insert rate for the
    /// same rows.
    Ingest(ingest::Args),
    /// The live hub's ways in over HTTP: manifests against `hangar ingest`, scan batches against
    /// the store's direct append of the same events.
    Intake(intake::Args),
    /// Durable log appends against the raw SHA-256 limit, proof latency and verification rate.
    Ledger(ledger::Args),
    /// Sort decisions over TCP against the decision function alone and a one-query-per-request baseline.
    Sort(sort::Args),
    /// Denied-party screening of a day's parties against 20,000+ listed entities on one core,
    /// against the naive scan with the same scorer; recall and precision on the evaluation set.
    Screen(screen::Args),
}

/// A rate: `n` things in `d`, per second, rounded.
pub fn per_s(n: u64, d: std::time::Duration) -> f64 {
    (n as f64 / d.as_secs_f64()).round()
}

pub fn run(w: Which) -> anyhow::Result<std::process::ExitCode> {
    match w {
        Which::Ingest(a) => ingest::run(a),
        Which::Intake(a) => intake::run(a),
        Which::Ledger(a) => ledger::run(a),
        Which::Sort(a) => sort::run(a),
        Which::Screen(a) => screen::run(a),
    }
}
