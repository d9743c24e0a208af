use super::*;
use hangar_manifest::{Contents, parse};
use proptest::prelude::*;
use std::collections::HashMap;

fn cfg(parcels: u32, flights: u32, seed: u64) -> DayConfig {
    DayConfig {
        date: Date::parse("2026-11-22").unwrap(),
        parcels,
        flights,
        seed,
    }
}

fn csv_bytes(day: &Day) -> Vec<u8> {
    let mut out = Vec::new();
    hangar_manifest::write_csv(&mut out, &day.parcels).unwrap();
    out
}

#[test]
fn same_config_same_day() {
    let a = generate(cfg(3_000, 3, 42));
    let b = generate(cfg(3_000, 3, 42));
    assert_eq!(csv_bytes(&a), csv_bytes(&b));
    assert_eq!(a.labels, b.labels);
    let c = generate(cfg(3_000, 3, 43));
    assert_ne!(csv_bytes(&a), csv_bytes(&c));
}

#[test]
fn day_shape_is_realistic() {
    let day = generate(cfg(20_000, 5, 7));
    assert_eq!(day.parcels.len(), 20_000);
    assert_eq!(day.flights.len(), 5);
    let ids: std::collections::HashSet<_> = day.parcels.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), 20_000, "parcel ids are unique");
    for f in &day.flights {
        assert_eq!(f.destination.as_str(), "LGG");
        assert!(["CGO", "HGH", "SZX", "PVG", "CAN", "HKG"].contains(&f.origin.as_str()));
        assert!(
            f.sta.date() == Date::parse("2026-11-22").unwrap(),
            "arrivals fall on the day"
        );
        assert!(f.std < f.sta);
    }
    // Every consignee is in the EU with a postcode; sellers follow a long tail.
    let mut by_seller: HashMap<&str, usize> = HashMap::new();
    let mut by_country: HashMap<&str, usize> = HashMap::new();
    for p in &day.parcels {
        assert!(p.consignee.country.is_eu());
        assert!(p.consignee.postcode.is_some());
        *by_seller.entry(p.consignor.name.as_str()).or_default() += 1;
        *by_country.entry(p.consignee.country.iso2()).or_default() += 1;
    }
    let mut sizes: Vec<usize> = by_seller.values().copied().collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    assert!(
        sizes[0] > 20 * sizes[sizes.len() / 2],
        "a few very big sellers: {:?}",
        &sizes[..5]
    );
    assert!(by_country["DE"] > by_country["BE"] && by_country["FR"] > by_country["MT"]);
    assert_eq!(by_country.len(), 27, "every member state receives parcels");
}

#[test]
fn anomalies_are_labelled_and_true() {
    let day = generate(cfg(40_000, 4, 11));
    let by_id: HashMap<S10Id, &Parcel> = day.parcels.iter().map(|p| (p.id, p)).collect();
    let mut counts: HashMap<Anomaly, usize> = HashMap::new();
    let mut groups: HashMap<&str, Vec<&Parcel>> = HashMap::new();
    for l in &day.labels {
        *counts.entry(l.anomaly).or_default() += 1;
        let p = by_id[&l.parcel];
        match l.anomaly {
            Anomaly::OverThreshold => assert!(to_eur_cents(p.value()) > 15_000),
            Anomaly::MalformedIoss => assert!(matches!(p.ioss, IossField::Malformed(_))),
            Anomaly::MissingIoss => assert_eq!(p.ioss, IossField::Absent),
            Anomaly::SplitOrder => {
                assert!(to_eur_cents(p.value()) <= 15_000);
                groups.entry(l.note.as_str()).or_default().push(p);
            }
            _ => {}
        }
    }
    for a in [
        Anomaly::Undervalued,
        Anomaly::OverThreshold,
        Anomaly::MalformedIoss,
        Anomaly::SplitOrder,
        Anomaly::RestrictedGoods,
        Anomaly::Misdeclared,
    ] {
        assert!(
            counts.get(&a).copied().unwrap_or(0) > 10,
            "{a:?}: {counts:?}"
        );
    }
    let total: usize = counts.values().sum();
    assert!(total < day.parcels.len() / 10, "anomalies are a minority");
    for (group, ps) in groups {
        if ps.len() < 2 {
            continue;
        }
        let sum: u64 = ps.iter().map(|p| to_eur_cents(p.value())).sum();
        assert!(sum > 15_000, "split group {group} sums to {sum}");
        assert!(
            ps.windows(2)
                .all(|w| w[0].consignee == w[1].consignee && w[0].consignor == w[1].consignor)
        );
    }
    // Ordinary parcels stay under the H7 ceiling.
    let labelled: std::collections::HashSet<_> = day.labels.iter().map(|l| l.parcel).collect();
    assert!(
        day.parcels
            .iter()
            .filter(|p| !labelled.contains(&p.id))
            .all(|p| to_eur_cents(p.value()) <= 15_000)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// What the generator writes, the manifest reader reads back identically, in both formats.
    #[test]
    fn generate_write_read_round_trip(parcels in 1u32..1_500, flights in 1u32..4, seed in any::<u64>()) {
        let day = generate(cfg(parcels, flights, seed));
        let dir = tempfile::tempdir().unwrap();
        let written = write_day(&day, dir.path(), |_| {}).unwrap();
        let mut read_csv = Vec::new();
        for path in &written.csv {
            let bytes = std::fs::read(path).unwrap();
            match parse(&path.to_string_lossy(), &bytes).map_err(|e| e.to_string()).unwrap().contents {
                Contents::Parcels(ps) => read_csv.extend(ps.into_iter().map(|l| l.value)),
                Contents::Schedule(_) => panic!("manifest read as schedule"),
            }
        }
        prop_assert_eq!(&read_csv, &day.parcels);
        let mut read_jsonl = Vec::new();
        for path in &written.jsonl {
            let bytes = std::fs::read(path).unwrap();
            if let Contents::Parcels(ps) = parse(&path.to_string_lossy(), &bytes).map_err(|e| e.to_string()).unwrap().contents {
                read_jsonl.extend(ps.into_iter().map(|l| l.value));
            }
        }
        prop_assert_eq!(&read_jsonl, &day.parcels);
        let sched = std::fs::read(&written.schedule).unwrap();
        match parse("schedule.csv", &sched).unwrap().contents {
            Contents::Schedule(fs) => prop_assert_eq!(fs.into_iter().map(|l| l.value).collect::<Vec<_>>(), day.flights.clone()),
            Contents::Parcels(_) => panic!("schedule read as manifest"),
        }
    }
}
