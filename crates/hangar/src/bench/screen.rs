//! `hangar bench screen`: denied-party screening of a day's parcels (consignor and consignee)
//! against a list the size of a real one, on one core; the naive scan (every party name scored
//! against every listed name with the same scorer) on a sample in the same run; recall and
//! precision on the evaluation set.

use hangar_gen::{DayConfig, generate};
use hangar_model::{Date, Parcel};
use hangar_screen::eval::{Evaluation, evaluate};
use hangar_screen::{Hit, ListSet, Party, Screener, synthetic};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Arguments of `hangar bench screen`.
#[derive(clap::Args)]
pub struct Args {
    /// Entities on the lists: the built-in fixture plus synthetic entities up to this many.
    #[arg(long, default_value_t = 20_000)]
    pub entities: usize,
    /// Parcels screened (two parties each).
    #[arg(long, default_value_t = 100_000)]
    pub parcels: u32,
    /// Parcels screened the naive way (it is slow).
    #[arg(long, default_value_t = 100)]
    pub naive: usize,
    /// Measured passes over the parcels; the best counts (the machine is shared).
    #[arg(long, default_value_t = 3)]
    pub passes: u32,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Figures {
    entities: usize,
    names: usize,
    build_s: f64,
    parcels: usize,
    parcels_per_s: f64,
    parties_per_s: f64,
    parcels_with_hits: usize,
    naive_parcels: usize,
    naive_per_s: f64,
    vs_naive: f64,
    index_found_naive_hits: String,
    index_missed: Vec<String>,
    scored_per_party: f64,
    recall: f64,
    precision: f64,
    variants: usize,
    innocents: usize,
    misses: Vec<String>,
    false_alarms: Vec<String>,
    recall_by_kind: Vec<(String, usize, usize)>,
    pinned_cpu: Option<usize>,
}

/// Pins this thread to the CPU it runs on, so the measurement is of one core.
fn pin() -> Option<usize> {
    #[cfg(target_os = "linux")]
    // SAFETY: sched_getcpu and sched_setaffinity on the calling thread with a zeroed, then
    // filled, cpu_set_t of the right size.
    unsafe {
        let cpu = libc::sched_getcpu();
        if cpu < 0 {
            return None;
        }
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu as usize, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0 {
            return Some(cpu as usize);
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    None
}

fn party(x: &hangar_model::Party) -> (&str, Option<[u8; 2]>, String) {
    (
        x.name.as_str(),
        x.country.iso2().as_bytes().try_into().ok(),
        format!("{} {}", x.address, x.city),
    )
}

fn parties(p: &Parcel) -> [(&str, Option<[u8; 2]>, String); 2] {
    [party(&p.consignor), party(&p.consignee)]
}

/// Screens every party of `parcels` with `f`; returns the time and parcels with a hit.
/// A parcel's two parties: name, country and address of each.
type Parties = (
    String,
    Option<[u8; 2]>,
    String,
    String,
    Option<[u8; 2]>,
    String,
);

fn pass(
    parcels: &[Parties],
    mut f: impl FnMut(&Party, &mut Vec<Hit>),
) -> (Duration, usize, Vec<Vec<u32>>) {
    let mut hits = Vec::new();
    let mut with = 0;
    let mut found = Vec::with_capacity(parcels.len());
    let t = Instant::now();
    for (n1, c1, a1, n2, c2, a2) in parcels {
        let mut ents = Vec::new();
        f(
            &Party {
                name: n1,
                country: *c1,
                address: a1,
            },
            &mut hits,
        );
        ents.extend(hits.iter().map(|h| h.entity));
        f(
            &Party {
                name: n2,
                country: *c2,
                address: a2,
            },
            &mut hits,
        );
        ents.extend(hits.iter().map(|h| h.entity));
        if !ents.is_empty() {
            with += 1;
        }
        found.push(ents);
    }
    (t.elapsed(), with, found)
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    crate::generate::check_size(a.parcels, 1)?;
    anyhow::ensure!(
        (1..=2_000_000).contains(&a.entities),
        "--entities: expected 1 to 2,000,000"
    );
    anyhow::ensure!((1..=10).contains(&a.passes), "--passes: expected 1 to 10");
    let cpu = pin();
    let evaluation = Evaluation::builtin();
    let mut set = ListSet::fixture();
    let fill = a.entities.saturating_sub(set.entities.len());
    let mut reserved = set.clone();
    reserved.merge(evaluation.as_list());
    set.merge(synthetic::filler_avoiding(
        fill,
        42,
        Some(&Screener::build(reserved)),
    ));
    let t = Instant::now();
    let s = Screener::build(set);
    let build = t.elapsed();
    let report = evaluate(&s, &evaluation).map_err(anyhow::Error::msg)?;
    let day = generate(DayConfig {
        date: Date::parse("2026-11-22").expect("date"),
        parcels: a.parcels,
        flights: 4,
        seed: 5,
    });
    let input: Vec<_> = day
        .parcels
        .iter()
        .map(|p| {
            let [(n1, c1, a1), (n2, c2, a2)] = parties(p);
            (n1.to_string(), c1, a1, n2.to_string(), c2, a2)
        })
        .collect();
    drop(day);
    let mut scratch = s.scratch();
    let mut best = Duration::MAX;
    let mut with = 0;
    let mut indexed = Vec::new();
    for _ in 0..a.passes {
        let (d, w, found) = pass(&input, |p, hits| s.screen(p, &mut scratch, hits));
        if d < best {
            best = d;
        }
        with = w;
        indexed = found;
    }
    let scored_per_party = scratch.scored as f64 / scratch.screened.max(1) as f64;
    let sample = &input[..a.naive.min(input.len())];
    let (naive_d, _, naive_found) = pass(sample, |p, hits| s.screen_naive(p, &mut scratch, hits));
    let naive_hits: usize = naive_found.iter().map(Vec::len).sum();
    let agreed: usize = naive_found
        .iter()
        .zip(&indexed)
        .map(|(n, i)| n.iter().filter(|e| i.contains(e)).count())
        .sum();
    let index_missed: Vec<String> = naive_found
        .iter()
        .zip(&indexed)
        .zip(sample)
        .filter(|((n, i), _)| n.iter().any(|e| !i.contains(e)))
        .map(|((n, _), p)| {
            let listed: Vec<&str> = n.iter().map(|e| s.entity(*e).names[0].as_str()).collect();
            format!("{:?} / {:?}: {}", p.0, p.3, listed.join(", "))
        })
        .collect();
    let f = Figures {
        entities: s.entities(),
        names: s.names(),
        build_s: crate::ui::secs(build),
        parcels: input.len(),
        parcels_per_s: super::per_s(input.len() as u64, best),
        parties_per_s: super::per_s(input.len() as u64 * 2, best),
        parcels_with_hits: with,
        naive_parcels: sample.len(),
        naive_per_s: (sample.len() as f64 / naive_d.as_secs_f64() * 10.0).round() / 10.0,
        vs_naive: 0.0,
        index_found_naive_hits: format!("{agreed}/{naive_hits}"),
        index_missed,
        scored_per_party: (scored_per_party * 100.0).round() / 100.0,
        recall: (report.recall * 10_000.0).round() / 10_000.0,
        precision: (report.precision * 10_000.0).round() / 10_000.0,
        variants: report.variants,
        innocents: report.innocents,
        misses: report.misses.clone(),
        false_alarms: report.false_alarms.clone(),
        recall_by_kind: report.by_kind.clone(),
        pinned_cpu: cpu,
    };
    let f = Figures {
        vs_naive: (f.parcels_per_s / f.naive_per_s.max(1e-9)).round(),
        ..f
    };
    if a.json {
        println!("{}", serde_json::to_string(&f)?);
    } else {
        println!(
            "lists: {} entities, {} names (fixture + synthetic), compiled in {}s; one core{}",
            f.entities,
            f.names,
            f.build_s,
            f.pinned_cpu
                .map(|c| format!(" (cpu {c})"))
                .unwrap_or_default()
        );
        println!(
            "indexed:  parcels_per_s {:>10}   ({} parties/s, best of {}; {} listed names scored per party; {} of {} parcels with a hit)",
            f.parcels_per_s,
            f.parties_per_s,
            a.passes,
            f.scored_per_party,
            f.parcels_with_hits,
            f.parcels
        );
        println!(
            "naive:    naive_per_s   {:>10}   ({} parcels, every name scored against every listed name)",
            f.naive_per_s, f.naive_parcels
        );
        println!(
            "vs_naive {}   (the index found {} of the naive scan's hits on its sample)",
            f.vs_naive, f.index_found_naive_hits
        );
        for m in &f.index_missed {
            println!("  the naive scan found, the index did not: {m}");
        }
        println!(
            "evaluation: recall {:.4} ({} variants), precision {:.4} ({} innocents)",
            f.recall, f.variants, f.precision, f.innocents
        );
        for (k, found, of) in &f.recall_by_kind {
            println!("  {k:<22} {found}/{of}");
        }
        for m in &f.misses {
            println!("  missed: {m}");
        }
        for m in &f.false_alarms {
            println!("  false alarm: {m}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
