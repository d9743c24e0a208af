//! Writes a generated day to a directory: the schedule, one manifest per MAWB in CSV and in JSON
//! Lines, and the anomaly labels (ground truth, never ingested).

use crate::Day;
use hangar_manifest::{write_csv, write_jsonl, write_schedule};
use hangar_model::Parcel;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The files a day was written to.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// `schedule.csv`.
    pub schedule: PathBuf,
    /// `manifests/<mawb>.csv`, in arrival order.
    pub csv: Vec<PathBuf>,
    /// `manifests-jsonl/<mawb>.jsonl`, same order.
    pub jsonl: Vec<PathBuf>,
    /// `labels.csv`.
    pub labels: PathBuf,
    /// `ioss-register.csv`: the marketplaces' IOSS numbers (`number,holder,kind`), as the
    /// hub's register of known numbers holds them.
    pub ioss_register: PathBuf,
}

/// Writes `path` through a temporary file and a rename, so a crash leaves no half-written file.
fn write_atomic(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut w = BufWriter::new(fs::File::create(&tmp)?);
    body(&mut w)?;
    w.flush()?;
    w.get_ref().sync_all()?;
    drop(w);
    fs::rename(&tmp, path)
}

/// Writes `day` under `dir` (created if needed). `progress` is called after each manifest with
/// the number of parcels written so far.
pub fn write_day(day: &Day, dir: &Path, mut progress: impl FnMut(usize)) -> io::Result<Written> {
    let csv_dir = dir.join("manifests");
    let jsonl_dir = dir.join("manifests-jsonl");
    fs::create_dir_all(&csv_dir)?;
    fs::create_dir_all(&jsonl_dir)?;
    let mut out = Written {
        schedule: dir.join("schedule.csv"),
        labels: dir.join("labels.csv"),
        ioss_register: dir.join("ioss-register.csv"),
        ..Default::default()
    };
    write_atomic(&out.schedule, |w| write_schedule(w, &day.flights))?;

    let mut done = 0;
    for group in day
        .parcels
        .chunk_by(|a: &Parcel, b: &Parcel| a.mawb == b.mawb)
    {
        let name = group[0].mawb.to_string();
        let csv_path = csv_dir.join(format!("{name}.csv"));
        let jsonl_path = jsonl_dir.join(format!("{name}.jsonl"));
        write_atomic(&csv_path, |w| write_csv(w, group))?;
        write_atomic(&jsonl_path, |w| write_jsonl(w, group))?;
        out.csv.push(csv_path);
        out.jsonl.push(jsonl_path);
        done += group.len();
        progress(done);
    }

    write_atomic(&out.labels, |w| {
        let mut cw = csv::Writer::from_writer(w);
        cw.write_record(["parcel_id", "anomaly", "note"])?;
        for l in &day.labels {
            cw.write_record([l.parcel.as_str(), l.anomaly.as_str(), &l.note])?;
        }
        cw.flush()
    })?;
    write_atomic(&out.ioss_register, |w| {
        writeln!(w, "# number,holder,kind")?;
        for (i, n) in day.marketplaces.iter().enumerate() {
            writeln!(w, "{n},Marketplace {},intermediary", i + 1)?;
        }
        Ok(())
    })?;
    Ok(out)
}
