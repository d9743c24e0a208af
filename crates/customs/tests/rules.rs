use hangar_customs::ioss::{Monitor, Register, Signal};
use hangar_customs::*;
use hangar_model::*;

fn parcel(
    items: &[(&str, &str, i64)],
    currency: Currency,
    ioss: IossField,
    dest: (&str, &str),
) -> Parcel {
    let cn = Country::parse("CN").unwrap();
    let c = Country::parse(dest.0).unwrap();
    Parcel {
        id: S10Id::from_parts("UA", 7, "CN"),
        mawb: Mawb::from_parts(999, 1_234_567),
        flight: FlightKey {
            number: FlightNo::parse("CK201").unwrap(),
            date: Date::parse("2026-11-21").unwrap(),
        },
        uld: UldId::parse("PMC12345CK").unwrap(),
        bag: BagId::parse("BAG1").unwrap(),
        consignor: Party {
            name: "Yiwu Huaxin Trading Co., Ltd.".into(),
            address: "No. 8 Keji Road".into(),
            city: "Yiwu".into(),
            postcode: Some(Postcode::parse_for(cn, "322000").unwrap()),
            country: cn,
        },
        consignee: Party {
            name: "Anna Müller".into(),
            address: "Hauptstraße 5".into(),
            city: "Berlin".into(),
            postcode: Some(Postcode::parse_for(c, dest.1).unwrap()),
            country: c,
        },
        ioss,
        items: items
            .iter()
            .map(|(hs, desc, cents)| Item {
                hs: HsCode::parse(hs).unwrap(),
                sku: String::new(),
                description: desc.to_string(),
                quantity: 1,
                value: Money::new(*cents, currency),
                weight: Grams(200),
                origin: cn,
            })
            .collect(),
    }
}

fn ioss() -> IossField {
    IossField::Valid(IossNumber::parse("IM3720000012").unwrap())
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

#[test]
fn two_blouses_of_different_subheadings_owe_six_euros_from_1_july_2026() {
    let book = RuleBook::builtin();
    let p = parcel(
        &[
            ("620640", "Women's blouse, woven, synthetic fibres", 1500),
            ("610610", "Women's blouse, knitted, cotton", 1200),
        ],
        Currency::EUR,
        ioss(),
        ("DE", "10115"),
    );
    let h7 = declare(&p, d("2026-07-01"), &book).unwrap();
    assert_eq!(h7.additional_procedures, vec!["C07", "F48"]);
    let before = assess(&h7, d("2026-06-30"), &book).unwrap();
    assert_eq!(before.duty_cents, 0, "duty relief on 30 June 2026");
    assert!(before.rules.iter().any(|r| r.contains("duty relief")));
    let after = assess(&h7, d("2026-07-01"), &book).unwrap();
    assert_eq!((after.subheadings, after.duty_cents), (2, 600));
    assert!(after.rules.iter().any(|r| r.starts_with("flat duty EUR 3")));
    // VAT collected at sale under IOSS, on the value: 19 % of EUR 27.00.
    assert_eq!((after.vat_rate_bp, after.vat_cents), (1900, 513));
    assert!(matches!(after.vat, VatCollection::Sale { .. }));
    // Two items of the same subheading: one duty.
    let same = parcel(
        &[
            ("610910", "Men's cotton T-shirt", 800),
            ("610910", "Women's cotton T-shirt", 900),
        ],
        Currency::EUR,
        ioss(),
        ("DE", "10115"),
    );
    assert_eq!(
        assess(
            &declare(&same, d("2026-07-01"), &book).unwrap(),
            d("2026-07-01"),
            &book
        )
        .unwrap()
        .duty_cents,
        300
    );
}

#[test]
fn without_ioss_vat_is_due_at_import_on_value_plus_duty() {
    let book = RuleBook::builtin();
    let p = parcel(
        &[("851830", "Wired in-ear earphones with microphone", 2000)],
        Currency::EUR,
        IossField::Absent,
        ("HU", "1051"),
    );
    let h7 = declare(&p, d("2026-11-22"), &book).unwrap();
    assert_eq!(h7.additional_procedures, vec!["C07"]);
    let a = assess(&h7, d("2026-11-22"), &book).unwrap();
    assert_eq!(
        a.duty_cents, 0,
        "the flat duty needs an IOSS-registered seller"
    );
    assert_eq!(
        (a.vat, a.vat_rate_bp, a.vat_cents),
        (VatCollection::Import, 2700, 540)
    );
}

#[test]
fn ineligible_parcels_list_every_problem() {
    let book = RuleBook::builtin();
    let p = parcel(
        &[
            ("240412", "Nicotine salt e-liquid 30 ml", 9_000),
            ("950300", "gift", 9_000),
        ],
        Currency::EUR,
        IossField::Malformed("IM37200001".into()),
        ("FR", "75011"),
    );
    let problems = declare(&p, d("2026-11-22"), &book).unwrap_err();
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(problems.contains(&H7Problem::OverCeiling {
        value_eur_cents: 18_000,
        ceiling_eur_cents: 15_000
    }));
    assert!(problems.iter().any(
        |p| matches!(p, H7Problem::Excluded { item: 1, reason, .. } if reason.contains("tobacco"))
    ));
    assert!(problems.iter().any(|p| matches!(p, H7Problem::Missing { element, .. } if element == "description of goods (item 2)")));
    assert!(problems.contains(&H7Problem::MalformedIoss {
        given: "IM37200001".into()
    }));
    // Converted at the rates in force (rounded down): USD 162.03 is over EUR 150 on 22 November 2026.
    let usd = parcel(
        &[("851830", "Wired earphones", 16_203)],
        Currency::USD,
        IossField::Absent,
        ("FR", "75011"),
    );
    assert!(declare(&usd, d("2026-11-22"), &book).is_err());
    let usd_ok = parcel(
        &[("851830", "Wired earphones", 16_200)],
        Currency::USD,
        IossField::Absent,
        ("FR", "75011"),
    );
    assert_eq!(
        declare(&usd_ok, d("2026-11-22"), &book)
            .unwrap()
            .value_eur_cents,
        15_000
    );
}

#[test]
fn ioss_register_and_misuse_signals() {
    let reg = Register::parse("register.csv", "# number,holder,kind\nIM3720000012,Marketplace A,intermediary\nIM5280000034,Seller B,seller\n").unwrap();
    assert!(
        Register::parse("r.csv", "IM3720000012,X,broker\n")
            .unwrap_err()
            .starts_with("r.csv:1: kind")
    );
    let mut m = Monitor::new(reg, 2);
    let with = |n: &str, seller: &str, value: i64| {
        let mut p = parcel(
            &[("610910", "Men's cotton T-shirt", value)],
            Currency::EUR,
            IossField::Valid(IossNumber::parse(n).unwrap()),
            ("NL", "1012AB"),
        );
        p.consignor.name = seller.into();
        p
    };
    assert!(
        m.observe(&with("IM3720000012", "S1", 1000), 1000, 15_000)
            .is_empty(),
        "an intermediary's number serves many sellers"
    );
    assert!(
        m.observe(&with("IM3720000012", "S2", 1000), 1000, 15_000)
            .is_empty()
    );
    assert!(
        m.observe(&with("IM3720000012", "S3", 1000), 1000, 15_000)
            .is_empty()
    );
    assert_eq!(
        m.observe(&with("IM4420000001", "S1", 1000), 1000, 15_000),
        vec![Signal::Unregistered {
            number: "IM4420000001".into()
        }]
    );
    assert!(
        m.observe(&with("IM5280000034", "S1", 1000), 1000, 15_000)
            .is_empty()
    );
    assert!(
        m.observe(&with("IM5280000034", "S2", 1000), 1000, 15_000)
            .is_empty()
    );
    assert_eq!(
        m.observe(&with("IM5280000034", "S3", 1000), 1000, 15_000),
        vec![Signal::SharedBySellers {
            number: "IM5280000034".into(),
            sellers: 3
        }]
    );
    assert_eq!(
        m.observe(&with("IM3720000012", "S1", 20_000), 20_000, 15_000),
        vec![Signal::AboveCeiling {
            number: "IM3720000012".into(),
            value_eur_cents: 20_000
        }]
    );
}

#[test]
fn split_consignments_only_within_the_window_and_explained() {
    use hangar_customs::risk::SplitDetector;
    let mut s = SplitDetector::new(24 * 3_600_000, 15_000);
    let p = parcel(
        &[("610910", "Men's cotton T-shirt", 9_000)],
        Currency::EUR,
        ioss(),
        ("DE", "10115"),
    );
    assert!(
        s.observe(&p, Timestamp(0), 9_000).is_none(),
        "one parcel alone is fine"
    );
    let hit = s
        .observe(&p, Timestamp(3_600_000), 9_000)
        .expect("two within a day sum to EUR 180");
    assert!(
        hit.reason.starts_with(
            "2 parcels from the same seller to the same buyer within 24 h total EUR 180.00"
        ),
        "{}",
        hit.reason
    );
    let mut later = SplitDetector::new(24 * 3_600_000, 15_000);
    assert!(later.observe(&p, Timestamp(0), 9_000).is_none());
    assert!(
        later
            .observe(&p, Timestamp(25 * 3_600_000), 9_000)
            .is_none(),
        "outside the window"
    );
}
