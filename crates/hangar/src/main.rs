//! `hangar`: the one command of Hangar, an open, self-hosted operating system for e-commerce
//! air-cargo hubs. A thin layer: it parses arguments and wires the crates together.

mod audit;
mod bench;
mod client;
mod customs;
mod demo;
mod demo_oversight;
mod drive;
mod generate;
mod ingest;
mod live;
mod log;
mod oversight;
mod serve;
mod server;
mod sorter;
mod track;
mod ui;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Default data directory, unless `--data` or `HANGAR_DATA` says otherwise.
pub const DEFAULT_DATA: &str = "hangar-data";

#[derive(Parser)]
#[command(name = "hangar", version, about = "Run an e-commerce air-cargo hub and prove what it did.", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a realistic hub day: flight schedule, manifests (CSV and JSON Lines) and labels.
    Generate(generate::Args),
    /// Ingest schedule and manifest files into the store; a file with any bad row is refused whole.
    Ingest(ingest::Args),
    /// Generate a day, ingest it and run it through every stage of the hub, then summarise.
    Demo(demo::Args),
    /// Drive a running hub through a generated day from outside: airlines' manifests, floor
    /// scans, sorters over the sorter protocol, docks' trucks; then reconcile with its board.
    Drive(drive::Args),
    /// Print a parcel's whole history.
    Track(track::Args),
    /// The verifiable log: keys, checkpoints, proofs, serving.
    #[command(subcommand)]
    Log(log::Cmd),
    /// What an auditor runs: verify a hub's log, report what it records.
    #[command(subcommand)]
    Audit(audit::Cmd),
    /// Customs: decide a manifest's consignments, explain a decision, release or hold a parcel.
    #[command(subcommand)]
    Customs(customs::Cmd),
    /// The sorter interface: sort host, emulator, route plans.
    #[command(subcommand)]
    Sorter(sorter::Cmd),
    /// Serve the JSON API, the control-room dashboard and the public tracking page over a data
    /// directory, until Ctrl-C.
    Serve(server::Args),
    /// Print the HTTP API's OpenAPI 3.1 document.
    Openapi,
    /// Users of the hub: the first administrator, then others through the running hub.
    #[command(subcommand)]
    Users(server::UsersCmd),
    /// Sign in to the running hub as yourself; later commands act with your token.
    Login(server::LoginArgs),
    /// Forget the token `hangar login` saved.
    Logout,
    /// The hub's guarded settings (route plan, customs rules, risk lists and thresholds, egress
    /// flows, retention): versions, proposals, approvals.
    #[command(subcommand)]
    Control(oversight::ControlCmd),
    /// The data catalog: every field Hangar stores and its class.
    Catalog(oversight::CatalogArgs),
    /// Send parcels' data along a declared flow, through the egress gate.
    Export(oversight::ExportArgs),
    /// Erase what the retention setting says is due.
    #[command(subcommand)]
    Retention(oversight::RetentionCmd),
    /// Erase parcels' personal data on request.
    Erase(oversight::EraseArgs),
    /// Measure a hot path against its limit.
    #[command(subcommand)]
    Bench(bench::Which),
}

/// The data directory: `--data`, else `$HANGAR_DATA`, else `./hangar-data`.
pub fn data_dir(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("HANGAR_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA))
}

fn main() -> ExitCode {
    // Behave like other command-line tools when output goes to `head` or a closed pipe: stop
    // quietly instead of panicking on the write.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(a) => generate::run(a),
        Command::Ingest(a) => ingest::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Drive(a) => drive::run(a),
        Command::Track(a) => track::run(a),
        Command::Log(c) => log::run(c),
        Command::Audit(c) => audit::run(c),
        Command::Customs(c) => customs::run(c),
        Command::Sorter(c) => sorter::run(c),
        Command::Serve(a) => server::run(a),
        Command::Users(c) => server::users(c),
        Command::Login(a) => server::login(a),
        Command::Logout => server::logout(),
        Command::Openapi => serde_json::to_string_pretty(&hangar_api::openapi::build())
            .map(|doc| {
                println!("{doc}");
                ExitCode::SUCCESS
            })
            .map_err(anyhow::Error::from),
        Command::Control(c) => oversight::control(c),
        Command::Catalog(a) => oversight::catalog(a),
        Command::Export(a) => oversight::export(a),
        Command::Retention(c) => oversight::retention(c),
        Command::Erase(a) => oversight::erase(a),
        Command::Bench(w) => bench::run(w),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
