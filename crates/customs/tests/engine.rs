//! The customs engine end to end: outcomes and their reasons, rule versions on every decision,
//! the 2026-06-30 / 2026-07-01 boundary, split orders held whole, denied parties, and the
//! generator's labelled anomalies caught on a whole day.

use hangar_customs::ioss::Register;
use hangar_customs::{Decision, Engine};
use hangar_gen::{Anomaly, DayConfig, generate, history};
use hangar_model::*;
use std::collections::HashMap;

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn parcel(n: u32, consignor: &str, consignee: &str, items: &[(&str, &str, i64)]) -> Parcel {
    let cn = Country::parse("CN").unwrap();
    let de = Country::parse("DE").unwrap();
    Parcel {
        id: S10Id::from_parts("UA", n, "CN"),
        mawb: Mawb::from_parts(999, 1_234_567),
        flight: FlightKey {
            number: FlightNo::parse("CK201").unwrap(),
            date: d("2026-11-21"),
        },
        uld: UldId::parse("PMC12345CK").unwrap(),
        bag: BagId::parse("BAG1").unwrap(),
        consignor: Party {
            name: consignor.into(),
            address: "No. 8 Keji Road".into(),
            city: "Yiwu".into(),
            postcode: Some(Postcode::parse_for(cn, "322000").unwrap()),
            country: cn,
        },
        consignee: Party {
            name: consignee.into(),
            address: "Hauptstraße 5".into(),
            city: "Berlin".into(),
            postcode: Some(Postcode::parse_for(de, "10115").unwrap()),
            country: de,
        },
        ioss: IossField::Valid(IossNumber::parse("IM3720000012").unwrap()),
        items: items
            .iter()
            .map(|(hs, desc, cents)| Item {
                hs: HsCode::parse(hs).unwrap(),
                sku: String::new(),
                description: desc.to_string(),
                quantity: 1,
                value: Money::new(*cents, Currency::EUR),
                weight: Grams(300),
                origin: cn,
            })
            .collect(),
    }
}

fn engine() -> Engine {
    Engine::builtin(Register::intermediaries([IossNumber::parse(
        "IM3720000012",
    )
    .unwrap()]))
}

fn one(e: &mut Engine, p: &Parcel, on: &str) -> Decision {
    e.decide_batch(std::slice::from_ref(p), d(on).midnight(), d(on))
        .remove(0)
}

fn names(dec: &Decision) -> Vec<&str> {
    dec.reasons.iter().map(|r| r.name()).collect()
}

const SELLER: &str = "Yiwu Huaxin Trading Co., Ltd.";
const BUYER: &str = "Anna Müller";

#[test]
fn a_clean_parcel_is_released_with_what_it_owes_and_the_rule_versions() {
    let mut e = engine();
    let p = parcel(
        1,
        SELLER,
        BUYER,
        &[
            ("620630", "Women's cotton blouse", 2_000),
            ("620640", "Women's polyester blouse", 2_000),
        ],
    );
    let dec = one(&mut e, &p, "2026-11-22");
    assert_eq!(dec.outcome, CustomsOutcome::Release, "{:?}", dec.reasons);
    assert_eq!(dec.code(), EventCode::CCD);
    let a = dec.assessment.as_ref().unwrap();
    assert_eq!(a.duty_cents, 600, "two subheadings, EUR 3 each");
    assert!(dec.rules.iter().any(|r| r.contains("flat duty EUR 3")));
    assert!(dec.rules.iter().any(|r| r.contains("VAT")));
    match dec.detail() {
        Detail::Cleared {
            duty_cents,
            vat_at_sale,
            rules,
            ..
        } => {
            assert_eq!(duty_cents, 600);
            assert!(vat_at_sale);
            assert_eq!(rules, dec.rules);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_flat_duty_starts_on_1_july_2026_and_the_decision_says_which_rule() {
    let p = parcel(
        2,
        SELLER,
        BUYER,
        &[("620630", "Women's cotton blouse", 2_000)],
    );
    let before = one(&mut engine(), &p, "2026-06-30");
    let after = one(&mut engine(), &p, "2026-07-01");
    assert_eq!(before.assessment.as_ref().unwrap().duty_cents, 0);
    assert_eq!(after.assessment.as_ref().unwrap().duty_cents, 300);
    assert!(
        before.rules.iter().any(|r| r.contains("duty relief")),
        "{:?}",
        before.rules
    );
    assert!(!before.rules.iter().any(|r| r.contains("flat duty EUR 3")));
    assert!(after.rules.iter().any(|r| r.contains("flat duty EUR 3")));
    let last = one(&mut engine(), &p, "2028-07-01");
    assert_eq!(
        last.assessment.as_ref().unwrap().duty_cents,
        0,
        "ends 1 July 2028"
    );
}

#[test]
fn outcomes_follow_the_most_severe_reason() {
    let mut e = engine();
    // A weapon replica: refused.
    let gun = parcel(
        3,
        SELLER,
        BUYER,
        &[("950300", "Airsoft replica gun, spring", 4_000)],
    );
    let dec = one(&mut e, &gun, "2026-11-22");
    assert_eq!(dec.outcome, CustomsOutcome::Refuse, "{:?}", dec.reasons);
    assert_eq!(dec.code(), EventCode::RTS);
    assert!(names(&dec).contains(&"restricted"));
    // A malformed IOSS number: request for information.
    let mut bad = parcel(
        4,
        SELLER,
        BUYER,
        &[("620630", "Women's cotton blouse", 2_000)],
    );
    bad.ioss = IossField::Malformed("IM37212".into());
    let dec = one(&mut e, &bad, "2026-11-22");
    assert_eq!(dec.outcome, CustomsOutcome::RequestInfo);
    assert_eq!(names(&dec), ["malformed_ioss"]);
    // Over the ceiling: held for a full declaration (and IOSS does not cover it).
    let big = parcel(
        5,
        SELLER,
        BUYER,
        &[("851712", "Smartphone 6.1-inch", 40_000)],
    );
    let dec = one(&mut e, &big, "2026-11-22");
    assert_eq!(dec.outcome, CustomsOutcome::Hold);
    assert!(names(&dec).contains(&"over_h7_threshold"));
    assert!(names(&dec).contains(&"ioss_above_ceiling"));
    assert!(dec.assessment.is_none());
    // A power bank declared as toys: description vs tariff code.
    let mis = parcel(
        6,
        SELLER,
        BUYER,
        &[("950300", "Power bank 20000 mAh", 2_500)],
    );
    let dec = one(&mut e, &mis, "2026-11-22");
    assert_eq!(dec.outcome, CustomsOutcome::Hold);
    assert!(names(&dec).contains(&"description_mismatch"));
    // An unregistered IOSS number: request for information.
    let mut unreg = parcel(
        7,
        SELLER,
        BUYER,
        &[("620630", "Women's cotton blouse", 2_000)],
    );
    unreg.ioss = IossField::Valid(IossNumber::parse("IM5280000034").unwrap());
    let dec = one(&mut e, &unreg, "2026-11-22");
    assert_eq!(dec.outcome, CustomsOutcome::RequestInfo);
    assert_eq!(names(&dec), ["ioss_unregistered"]);
    match dec.detail() {
        Detail::Held { reasons, rules } => {
            assert_eq!(reasons, dec.reasons);
            assert!(!rules.is_empty(), "a hold records its rule versions too");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_seller_that_used_ioss_before_and_now_does_not_is_asked() {
    let mut e = engine();
    let p = parcel(
        8,
        SELLER,
        BUYER,
        &[("620630", "Women's cotton blouse", 2_000)],
    );
    e.learn([&p], d("2026-11-21"));
    let mut q = parcel(
        9,
        SELLER,
        "Jan Kowalski",
        &[("620630", "Women's cotton blouse", 2_000)],
    );
    q.ioss = IossField::Absent;
    let dec = one(&mut e, &q, "2026-11-22");
    assert_eq!(dec.outcome, CustomsOutcome::RequestInfo);
    assert_eq!(names(&dec), ["ioss_missing"]);
    // A seller never seen with IOSS owes VAT at import and is released.
    let mut r = parcel(
        10,
        "Ningbo Kaitai Garment Co., Ltd.",
        BUYER,
        &[("620630", "Women's cotton blouse", 2_000)],
    );
    r.ioss = IossField::Absent;
    assert_eq!(
        one(&mut e, &r, "2026-11-22").outcome,
        CustomsOutcome::Release
    );
}

#[test]
fn every_parcel_of_a_split_order_is_held_not_only_the_later_ones() {
    let mut e = engine();
    let parts: Vec<Parcel> = (0..3)
        .map(|i| {
            parcel(
                20 + i,
                SELLER,
                BUYER,
                &[("620630", "Women's cotton blouse", 6_000)],
            )
        })
        .collect();
    let decs = e.decide_batch(&parts, d("2026-11-22").midnight(), d("2026-11-22"));
    for dec in &decs {
        assert_eq!(dec.outcome, CustomsOutcome::Hold);
        assert_eq!(names(dec), ["split_consignment"]);
    }
    // Two parcels worth EUR 140 together: no split.
    let mut e = engine();
    let two: Vec<Parcel> = (0..2)
        .map(|i| {
            parcel(
                30 + i,
                SELLER,
                BUYER,
                &[("620630", "Women's cotton blouse", 7_000)],
            )
        })
        .collect();
    for dec in e.decide_batch(&two, d("2026-11-22").midnight(), d("2026-11-22")) {
        assert_eq!(dec.outcome, CustomsOutcome::Release);
    }
}

#[test]
fn denied_parties_are_held_with_the_list_entry_named() {
    let mut e = engine();
    let item = [("620630", "Women's cotton blouse", 2_000)];
    for (consignor, consignee, list) in [
        ("KOMID", BUYER, "UN"),
        ("Korea Minning Development Trading Corp.", BUYER, "UN"),
        ("Changgwang Sinyong Corporation", BUYER, "UN"),
        ("ChVK Vagner", BUYER, "EU"),
        (SELLER, "Bank Rossia", "EU"),
    ] {
        let dec = one(
            &mut e,
            &parcel(40, consignor, consignee, &item),
            "2026-11-22",
        );
        assert_eq!(
            dec.outcome,
            CustomsOutcome::Hold,
            "{consignor} / {consignee}"
        );
        let dp: Vec<_> = dec
            .reasons
            .iter()
            .filter_map(|r| match r {
                CustomsReason::DeniedParty { party, list: l, .. } => {
                    Some((party.clone(), l.clone()))
                }
                _ => None,
            })
            .collect();
        let role = if consignor == SELLER {
            "consignee"
        } else {
            "consignor"
        };
        assert_eq!(
            dp,
            [(role.to_string(), list.to_string())],
            "{consignor} / {consignee}"
        );
        assert!(
            dec.rules
                .iter()
                .any(|r| r.starts_with("denied-party lists"))
        );
    }
    for innocent in [
        "Thomas Wagner",
        "Green Pine Furniture Co., Ltd.",
        "Zoë Müller",
    ] {
        let dec = one(&mut e, &parcel(41, SELLER, innocent, &item), "2026-11-22");
        assert_eq!(
            dec.outcome,
            CustomsOutcome::Release,
            "{innocent}: {:?}",
            dec.reasons
        );
    }
}

#[test]
fn the_generators_labelled_anomalies_are_caught_on_a_whole_day() {
    let cfg = DayConfig {
        date: d("2026-11-22"),
        parcels: 40_000,
        flights: 4,
        seed: 21,
    };
    let day = generate(cfg);
    let past = history(cfg, 1);
    let mut e = Engine::builtin(Register::intermediaries(day.marketplaces.iter().copied()));
    e.learn(&past.parcels, d("2026-11-21"));
    let decs: Vec<Decision> = day
        .parcels
        .chunk_by(|a, b| a.flight == b.flight)
        .flat_map(|f| e.decide_batch(f, d("2026-11-22").midnight(), d("2026-11-22")))
        .collect();
    let by_id: HashMap<S10Id, &Decision> = decs.iter().map(|x| (x.parcel, x)).collect();
    let catches = |a: Anomaly| hangar_customs::engine::catches(a.as_str());
    let mut rate: HashMap<Anomaly, (usize, usize)> = HashMap::new();
    for l in &day.labels {
        let r = rate.entry(l.anomaly).or_default();
        r.1 += 1;
        if by_id[&l.parcel]
            .reasons
            .iter()
            .any(|x| catches(l.anomaly).contains(&x.name()))
        {
            r.0 += 1;
        }
    }
    let labelled: std::collections::HashSet<S10Id> = day.labels.iter().map(|l| l.parcel).collect();
    let clean = decs
        .iter()
        .filter(|x| !labelled.contains(&x.parcel))
        .count();
    let clean_stopped = decs
        .iter()
        .filter(|x| !labelled.contains(&x.parcel) && x.outcome != CustomsOutcome::Release)
        .count();
    let mut report: Vec<_> = rate.iter().collect();
    report.sort_by_key(|(a, _)| a.as_str());
    for (a, (hit, of)) in &report {
        println!(
            "{:18} {hit}/{of} = {:.3}",
            a.as_str(),
            *hit as f64 / *of as f64
        );
    }
    println!("clean parcels stopped: {clean_stopped}/{clean}");
    for (a, (hit, of)) in report {
        assert!(*of >= 5, "{}: too few labelled", a.as_str());
        assert!(
            *hit as f64 >= 0.9 * *of as f64,
            "{}: {hit}/{of}",
            a.as_str()
        );
    }
    assert!(
        (clean_stopped as f64) < 0.01 * clean as f64,
        "{clean_stopped}/{clean}"
    );
}

#[test]
fn the_thresholds_document_switches_rules_off_and_raises_the_screening_bar() {
    let item = [("620630", "Women's cotton blouse", 2_000)];
    let listed = parcel(41, "KOMID", BUYER, &item);
    let with = |doc: &str| {
        let cfg = hangar_customs::EngineConfig::parse("thresholds.toml", doc).unwrap();
        let mut e = Engine::new(
            hangar_customs::RuleBook::builtin(),
            hangar_customs::risk::Lists::builtin(),
            Register::default(),
            std::sync::Arc::new(hangar_screen::Screener::build(
                hangar_screen::ListSet::fixture(),
            )),
            "fixture",
            cfg,
        );
        one(&mut e, &listed, "2026-11-22")
    };
    let builtin = hangar_customs::BUILTIN_THRESHOLDS;
    assert!(names(&with(builtin)).contains(&"denied_party"));
    let off = builtin.replace("disabled = []", "disabled = [\"denied_party\"]");
    assert!(
        !names(&with(&off)).contains(&"denied_party"),
        "switched off"
    );
    let strict_bar = builtin.replace("min_score = 0.0", "min_score = 1.0");
    let d = with(&strict_bar);
    assert!(
        d.reasons.iter().all(
            |r| !matches!(r, CustomsReason::DeniedParty { score_pct, .. } if *score_pct < 100)
        ),
        "matches below the bar are not reported: {:?}",
        d.reasons
    );
    // The thresholds' version is recorded with a decision that used them.
    let misdeclared = parcel(
        42,
        SELLER,
        BUYER,
        &[("620630", "Power bank 20000mAh", 2_000)],
    );
    let mut e = engine();
    let d = one(&mut e, &misdeclared, "2026-11-22");
    assert!(
        d.rules.iter().any(|r| r.contains("thresholds")),
        "{:?}",
        d.rules
    );
    // Nonsense is refused with the field named.
    let bad = builtin.replace("disabled = []", "disabled = [\"everything\"]");
    let e = hangar_customs::EngineConfig::parse("t.toml", &bad).unwrap_err();
    assert!(e.contains("disabled") && e.contains("everything"), "{e}");
}
