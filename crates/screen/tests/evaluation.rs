//! The screening evaluation: recall and precision on the built-in evaluation set against the
//! fixture list plus synthetic entities (20,000 in all), the index agreeing with the naive scan,
//! and a list in the EU consolidated CSV format screened end to end.

use hangar_screen::eval::{Evaluation, evaluate};
use hangar_screen::{ListSet, Party, Screener, synthetic};

fn screener(entities: usize) -> (Screener, Evaluation) {
    let evaluation = Evaluation::builtin();
    let mut set = ListSet::fixture();
    let mut reserved = set.clone();
    reserved.merge(evaluation.as_list());
    let fill = entities - set.entities.len();
    set.merge(synthetic::filler_avoiding(
        fill,
        42,
        Some(&Screener::build(reserved)),
    ));
    (Screener::build(set), evaluation)
}

#[test]
fn recall_and_precision_on_the_evaluation_set_meet_the_targets() {
    let (s, evaluation) = screener(20_000);
    assert_eq!(s.entities(), 20_000);
    let r = evaluate(&s, &evaluation).unwrap();
    for (kind, found, of) in &r.by_kind {
        println!("{kind:22} {found}/{of}");
    }
    println!(
        "misses: {:#?}\nfalse alarms: {:#?}",
        r.misses, r.false_alarms
    );
    assert!(
        r.variants >= 150 && r.innocents >= 80,
        "the set is the built-in one"
    );
    assert!(r.recall >= 0.99, "recall {:.4}: {:?}", r.recall, r.misses);
    assert!(
        r.precision >= 0.95,
        "precision {:.4}: {:?}",
        r.precision,
        r.false_alarms
    );
}

#[test]
fn the_index_finds_what_the_naive_scan_finds() {
    let (s, evaluation) = screener(5_000);
    let mut scratch = s.scratch();
    let (mut fast, mut slow) = (Vec::new(), Vec::new());
    let names = evaluation
        .variants
        .iter()
        .map(|v| &v.query)
        .chain(evaluation.innocents.iter().map(|i| &i.query));
    let mut compared = 0;
    for name in names {
        let p = Party {
            name,
            country: None,
            address: "",
        };
        s.screen(&p, &mut scratch, &mut fast);
        s.screen_naive(&p, &mut scratch, &mut slow);
        for h in &slow {
            compared += 1;
            assert!(
                fast.iter().any(|f| f.entity == h.entity),
                "{name:?}: the naive scan found {} but the index did not",
                s.explain(h)
            );
        }
        for f in &fast {
            assert!(
                slow.iter()
                    .any(|h| h.entity == f.entity && h.score >= f.score),
                "{name:?}: the index found {} that the naive scan scored lower",
                s.explain(f)
            );
        }
    }
    assert!(compared >= 150, "enough hits compared: {compared}");
}

#[test]
fn an_eu_consolidated_list_export_is_screened_against() {
    let csv = "fileGenerationDate;Entity_LogicalId;Entity_EU_ReferenceNumber;Entity_SubjectType_ClassificationCode;Entity_Regulation_Programme;NameAlias_WholeName;Address_City;Address_CountryIso2Code\n\
01/11/2026;101;EU.9001.1;enterprise;RUS;Joint Stock Company Example Machine Works;Izhevsk;RU\n\
01/11/2026;101;EU.9001.1;enterprise;RUS;АО Пример Машзавод;;\n\
01/11/2026;102;EU.9002.7;person;BLR;Ivan Petrovich Sidorenko;Minsk;BY\n";
    let set = ListSet::parse("eu.csv", csv.as_bytes()).unwrap();
    let s = Screener::build(set);
    let mut scratch = s.scratch();
    let mut hits = Vec::new();
    for (name, want) in [
        ("Example Machine Works JSC", Some("EU.9001.1")),
        ("Ivan Sidorenko", Some("EU.9002.7")),
        ("Сидоренко Иван Петрович", Some("EU.9002.7")),
        ("Ivan Sidorov", None),
    ] {
        s.screen(
            &Party {
                name,
                country: None,
                address: "",
            },
            &mut scratch,
            &mut hits,
        );
        let got = hits.first().map(|h| s.entity(h.entity).id.as_str());
        assert_eq!(got, want, "{name}");
    }
}
