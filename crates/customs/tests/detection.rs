//! The generator's labelled anomalies, caught by the engine: detection per anomaly type and the
//! share of clean parcels each rule flags.

use hangar_customs::risk::{Lists, ReferenceBuilder, SplitDetector};
use hangar_customs::{H7Problem, RuleBook, declare};
use hangar_gen::{Anomaly, DayConfig, generate};
use hangar_model::{Date, Timestamp};
use std::collections::{HashMap, HashSet};

#[test]
fn labelled_anomalies_are_detected_and_clean_parcels_mostly_pass() {
    let date = Date::parse("2026-11-22").unwrap();
    let book = RuleBook::builtin();
    let eur = |m| book.to_eur_cents(m, date).map(|(v, _)| v).unwrap_or(0);
    // History: yesterday's declarations teach each heading's usual value per kg.
    let history = generate(DayConfig {
        date: date.add_days(-1),
        parcels: 60_000,
        flights: 4,
        seed: 12,
    });
    let mut rb = ReferenceBuilder::default();
    for p in &history.parcels {
        for i in &p.items {
            rb.add(i.hs.as_str(), eur(i.value), i.weight.0);
        }
    }
    let refs = rb.build(30);
    let lists = Lists::builtin();
    let day = generate(DayConfig {
        date,
        parcels: 60_000,
        flights: 4,
        seed: 11,
    });
    let labels: HashMap<_, _> = day
        .labels
        .iter()
        .map(|l| (l.parcel, (l.anomaly, l.note.clone())))
        .collect();
    let mut split = SplitDetector::new(24 * 3_600_000, book.h7.max_value_eur_cents);
    let mut flagged: HashMap<&'static str, HashSet<hangar_model::S10Id>> = HashMap::new();
    let mut split_groups_hit: HashSet<String> = HashSet::new();
    let mut clean_reasons: Vec<String> = Vec::new();
    for (n, p) in day.parcels.iter().enumerate() {
        let value = eur(p.value());
        let mut rules: Vec<&'static str> = Vec::new();
        match declare(p, date, &book) {
            Ok(_) => {}
            Err(problems) => {
                for pr in problems {
                    rules.push(match pr {
                        H7Problem::OverCeiling { .. } => "over_ceiling",
                        H7Problem::MalformedIoss { .. } => "malformed_ioss",
                        H7Problem::Excluded { .. } => "excluded",
                        _ => "h7_other",
                    });
                }
            }
        }
        let list_hits = lists.check(p);
        if !labels.contains_key(&p.id) {
            for h in &list_hits {
                if h.rule == "description_mismatch" && clean_reasons.len() < 400 {
                    clean_reasons.push(h.reason.clone());
                }
            }
        }
        rules.extend(list_hits.into_iter().map(|h| h.rule));
        rules.extend(
            refs.undervalued(p, eur, 2.5, 0.35)
                .into_iter()
                .map(|h| h.rule),
        );
        if let Some(h) = split.observe(p, Timestamp(n as i64), value) {
            rules.push(h.rule);
            // Every parcel named in the hit belongs to the flagged group.
            for (id, (a, note)) in &labels {
                if *a == Anomaly::SplitOrder && h.reason.contains(id.as_str()) {
                    split_groups_hit.insert(note.clone());
                }
            }
        }
        for r in rules {
            flagged.entry(r).or_default().insert(p.id);
        }
    }
    let caught = |anomaly: Anomaly, rule: &str| -> (usize, usize) {
        let ids: Vec<_> = labels
            .iter()
            .filter(|(_, (a, _))| *a == anomaly)
            .map(|(id, _)| *id)
            .collect();
        let hit = ids
            .iter()
            .filter(|id| flagged.get(rule).is_some_and(|s| s.contains(id)))
            .count();
        (hit, ids.len())
    };
    let clean: Vec<_> = day
        .parcels
        .iter()
        .map(|p| p.id)
        .filter(|id| !labels.contains_key(id))
        .collect();
    let false_rate = |rule: &str| {
        clean
            .iter()
            .filter(|id| flagged.get(rule).is_some_and(|s| s.contains(id)))
            .count() as f64
            / clean.len() as f64
    };
    let groups: HashSet<&String> = labels
        .values()
        .filter(|(a, _)| *a == Anomaly::SplitOrder)
        .map(|(_, n)| n)
        .collect();
    let report = [
        (
            "undervalued",
            caught(Anomaly::Undervalued, "undervalued"),
            false_rate("undervalued"),
        ),
        (
            "over_threshold",
            caught(Anomaly::OverThreshold, "over_ceiling"),
            false_rate("over_ceiling"),
        ),
        (
            "malformed_ioss",
            caught(Anomaly::MalformedIoss, "malformed_ioss"),
            false_rate("malformed_ioss"),
        ),
        (
            "misdeclared",
            caught(Anomaly::Misdeclared, "description_mismatch"),
            false_rate("description_mismatch"),
        ),
        (
            "restricted_goods",
            caught(Anomaly::RestrictedGoods, "restricted"),
            false_rate("restricted"),
        ),
    ];
    for (name, (hit, of), fp) in &report {
        println!(
            "{name:16} detected {hit}/{of} = {:.3}; clean parcels flagged by the rule: {:.4}",
            *hit as f64 / *of as f64,
            fp
        );
    }
    println!(
        "split_order      groups detected {}/{} = {:.3}; clean parcels flagged: {:.4}",
        split_groups_hit.len(),
        groups.len(),
        split_groups_hit.len() as f64 / groups.len() as f64,
        false_rate("split_consignment")
    );
    let mut distinct: Vec<String> = clean_reasons
        .iter()
        .map(|r| r.split(" but ").next().unwrap_or("").to_string())
        .collect();
    distinct.sort();
    distinct.dedup();
    for r in distinct.iter().take(10) {
        println!("clean parcel flagged: {r}");
    }
    for (name, (hit, of), fp) in report {
        assert!(of > 10, "{name}: too few labelled to measure");
        let rate = hit as f64 / of as f64;
        assert!(rate >= 0.9, "{name}: detected only {rate:.3}");
        assert!(fp < 0.02, "{name}: flags {fp:.4} of clean parcels");
    }
    assert!(split_groups_hit.len() as f64 >= 0.9 * groups.len() as f64);
}
