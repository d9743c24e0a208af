//! Synthetic list entities, to measure screening against a list the size of a real one
//! (the EU consolidated list holds a few thousand entities; a hub screening several regimes
//! and national lists reaches tens of thousands). Names are built the way the real lists'
//! names are: Russian, Belarusian, Arabic, Persian, Korean and Chinese persons (with
//! patronymics and Cyrillic aliases where the lists carry them), Russian, Chinese/Hong Kong,
//! Iranian and Gulf companies with their legal forms. Surnames and brand names are composed
//! from syllables, so a synthetic entity is never a real person or company by design. They go
//! on their own list, `SYN`, and are for benchmarks only.

use crate::list::{DEFAULT_THRESHOLD, Entity, Kind, List, ListSet};
use hangar_model::rng::Rng;

const RU_FIRST: &[&str] = &[
    "Aleksandr",
    "Sergei",
    "Dmitry",
    "Andrei",
    "Aleksei",
    "Vladimir",
    "Nikolai",
    "Igor",
    "Oleg",
    "Mikhail",
    "Yuri",
    "Viktor",
    "Pavel",
    "Maksim",
    "Anatoly",
    "Konstantin",
    "Roman",
    "Denis",
    "Natalia",
    "Olga",
    "Tatiana",
    "Irina",
    "Svetlana",
    "Marina",
    "Galina",
    "Lyudmila",
];
const RU_PATRONYMIC: &[&str] = &[
    "Aleksandrov",
    "Sergeev",
    "Dmitriev",
    "Andreev",
    "Vladimirov",
    "Nikolaev",
    "Igorev",
    "Mikhailov",
    "Yurev",
    "Viktorov",
    "Pavlov",
    "Anatolev",
    "Romanov",
    "Petrov",
    "Ivanov",
];
const RU_ROOT: &[&str] = &[
    "Zar", "Bel", "Gor", "Kras", "Mel", "Ost", "Tol", "Vor", "Lyub", "Dob", "Zhel", "Kuz", "Sok",
    "Ryab", "Grom", "Shir", "Vyaz", "Mezh", "Prokh", "Burl", "Chug", "Lap", "Murz", "Tikh",
];
const RU_MID: &[&str] = &["", "in", "ar", "ol", "en", "ush", "ets", "an", "ik", "uk"];
const RU_END: &[&str] = &["ov", "ev", "in", "sky", "enko", "uk", "ikov", "ovsky"];
const AR_FIRST: &[&str] = &[
    "Mohammed",
    "Ahmad",
    "Ali",
    "Omar",
    "Khalid",
    "Hassan",
    "Hussein",
    "Abdullah",
    "Ibrahim",
    "Yusuf",
    "Mustafa",
    "Tariq",
    "Faisal",
    "Hamza",
    "Bilal",
    "Saeed",
    "Nasser",
    "Jamal",
    "Karim",
    "Walid",
    "Abd al-Rahman",
    "Abu Bakr",
];
const AR_ROOT: &[&str] = &[
    "Zub", "Ham", "Dur", "Jub", "Naj", "Sharq", "Tam", "Bak", "Rab", "Fah", "Qas", "Mutl", "Shab",
    "Dhah", "Kub", "Sal", "Haz", "Marz", "Ghan", "Tuw",
];
const AR_END: &[&str] = &["aydi", "awi", "ari", "ani", "ouri", "iri", "ali", "ashi"];
const FA_FIRST: &[&str] = &[
    "Mohammad",
    "Hossein",
    "Reza",
    "Mehdi",
    "Ali",
    "Hamid",
    "Majid",
    "Saeed",
    "Javad",
    "Abbas",
    "Mahmoud",
    "Amir",
    "Morteza",
    "Gholamreza",
    "Mohsen",
    "Hassan",
];
const FA_ROOT: &[&str] = &[
    "Rah", "Mohs", "Shir", "Kaz", "Naj", "Jaf", "Tab", "Gol", "Esf", "Bor", "Dar", "Fard", "Sam",
];
const FA_END: &[&str] = &["avi", "ani", "zadeh", "pour", "nejad", "ari", "i", "doust"];
const KO_FAMILY: &[&str] = &[
    "Kim", "Ri", "Pak", "Choe", "Jong", "Kang", "Han", "O", "Jang", "Yun", "Sin", "Hwang",
];
const KO_GIVEN: &[&str] = &[
    "Chol", "Song", "Il", "Nam", "Hyok", "Yong", "Myong", "Chun", "Kwang", "Su", "Ho", "Jin",
    "Hak", "Sok", "Ung", "Guk", "Hyon", "Ryong",
];
const ZH_FAMILY: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun",
];
/// Syllables for Chinese given names and brands (not the generator's seller syllables).
const ZH_SYL: &[&str] = &[
    "Bao", "Chang", "Dong", "Gao", "Guang", "Hai", "Jian", "Kang", "Lian", "Nan", "Ping", "Qiang",
    "Sen", "Tong", "Wan", "Xing", "Yao", "Zhen", "Zhong", "Ze", "Peng", "Lu",
];
const RU_BRAND_END: &[&str] = &[
    "prom", "tekh", "stroi", "trans", "invest", "snab", "energo", "resurs", "servis", "komplekt",
    "mash", "khim", "neft", "aero", "radio",
];
const RU_FORMS: &[&str] = &["OOO", "AO", "JSC", "PAO", "LLC", "OAO"];
const ZH_CITIES: &[&str] = &[
    "Shenzhen",
    "Guangzhou",
    "Hong Kong",
    "Xiamen",
    "Tianjin",
    "Dalian",
    "Qingdao",
    "Chengdu",
];
const TRADES: &[&str] = &[
    "Trading",
    "Technology",
    "Electronics",
    "Import and Export",
    "Logistics",
    "Industrial",
    "Machinery",
    "Shipping",
    "Components",
    "Aviation Parts",
];
const GULF_NOUNS: &[&str] = &[
    "General Trading",
    "Shipping",
    "Marine Services",
    "Petroleum",
    "Logistics",
    "Investment",
];

/// Latin to Cyrillic, enough for the aliases lists carry of Russian names.
fn cyrillic(latin: &str) -> String {
    const PAIRS: &[(&str, &str)] = &[
        ("shch", "щ"),
        ("kh", "х"),
        ("zh", "ж"),
        ("ch", "ч"),
        ("sh", "ш"),
        ("ts", "ц"),
        ("ya", "я"),
        ("yu", "ю"),
        ("ye", "е"),
        ("yo", "ё"),
        ("a", "а"),
        ("b", "б"),
        ("v", "в"),
        ("g", "г"),
        ("d", "д"),
        ("e", "е"),
        ("z", "з"),
        ("i", "и"),
        ("y", "й"),
        ("k", "к"),
        ("l", "л"),
        ("m", "м"),
        ("n", "н"),
        ("o", "о"),
        ("p", "п"),
        ("r", "р"),
        ("s", "с"),
        ("t", "т"),
        ("u", "у"),
        ("f", "ф"),
        ("c", "к"),
    ];
    let mut out = String::new();
    for word in latin.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        let lower = word.to_lowercase();
        let mut rest = lower.as_str();
        let mut first = true;
        while !rest.is_empty() {
            let (l, c) = PAIRS
                .iter()
                .find(|(l, _)| rest.starts_with(l))
                .copied()
                .unwrap_or((&rest[..rest.chars().next().map_or(1, char::len_utf8)], ""));
            let c = if c.is_empty() { &rest[..l.len()] } else { c };
            if first {
                out.extend(c.chars().flat_map(char::to_uppercase));
            } else {
                out.push_str(c);
            }
            first = false;
            rest = &rest[l.len()..];
        }
    }
    out
}

fn compose(rng: &mut Rng, roots: &[&str], mids: &[&str], ends: &[&str]) -> String {
    format!("{}{}{}", rng.pick(roots), rng.pick(mids), rng.pick(ends))
}

fn one(rng: &mut Rng) -> (Kind, Vec<String>, &'static str, &'static str) {
    let r = rng.below(100);
    match r {
        0..=21 => {
            let first = *rng.pick(RU_FIRST);
            let female = first.ends_with('a');
            let surname = compose(rng, RU_ROOT, RU_MID, RU_END);
            let surname = if female
                && (surname.ends_with("ov") || surname.ends_with("ev") || surname.ends_with("in"))
            {
                format!("{surname}a")
            } else {
                surname
            };
            let pat = format!(
                "{}{}",
                rng.pick(RU_PATRONYMIC)
                    .trim_end_matches("ov")
                    .trim_end_matches("ev"),
                if female { "ovna" } else { "ovich" }
            );
            let name = format!("{first} {pat} {surname}");
            let cy = cyrillic(&format!("{surname} {first} {pat}"));
            (
                Kind::Person,
                vec![name, cy],
                if rng.chance(0.8) { "RU" } else { "BY" },
                "RUS",
            )
        }
        22..=36 => {
            let first = *rng.pick(AR_FIRST);
            let surname = format!("al-{}", compose(rng, AR_ROOT, &[""], AR_END));
            let father = *rng.pick(AR_FIRST);
            let names = vec![
                format!("{first} {father} {surname}"),
                format!("{first} {surname}"),
            ];
            let country = *rng.pick(&["SY", "IQ", "YE", "LB", "SO", "LY"]);
            (Kind::Person, names, country, "TERR")
        }
        37..=46 => {
            let first = *rng.pick(FA_FIRST);
            let surname = compose(rng, FA_ROOT, &["", "an", "ol"], FA_END);
            (
                Kind::Person,
                vec![format!("{first} {surname}")],
                "IR",
                "IRN",
            )
        }
        47..=54 => {
            let fam = *rng.pick(KO_FAMILY);
            let given = format!("{} {}", rng.pick(KO_GIVEN), rng.pick(KO_GIVEN));
            let names = vec![
                format!("{} {}", fam.to_uppercase(), given),
                format!("{fam} {}", given.replace(' ', "-")),
            ];
            (Kind::Person, names, "KP", "PRK")
        }
        55..=59 => {
            let fam = *rng.pick(ZH_FAMILY);
            let given = format!("{}{}", rng.pick(ZH_SYL), rng.pick(ZH_SYL).to_lowercase());
            (Kind::Person, vec![format!("{fam} {given}")], "CN", "RUS")
        }
        60..=79 => {
            let brand = format!("{}{}", rng.pick(RU_ROOT), rng.pick(RU_BRAND_END));
            let form = *rng.pick(RU_FORMS);
            let names = vec![
                format!("{form} {brand}"),
                format!("{} {}", cyrillic(form), cyrillic(&brand)),
            ];
            (Kind::Organisation, names, "RU", "RUS")
        }
        80..=91 => {
            let brand = format!("{}{}", rng.pick(ZH_SYL), rng.pick(ZH_SYL).to_lowercase());
            let city = *rng.pick(ZH_CITIES);
            let trade = *rng.pick(TRADES);
            let name = if city == "Hong Kong" {
                format!("{brand} {trade} Limited")
            } else {
                format!("{city} {brand} {trade} Co., Ltd.")
            };
            (
                Kind::Organisation,
                vec![name],
                if city == "Hong Kong" { "HK" } else { "CN" },
                "RUS",
            )
        }
        92..=96 => {
            let brand = compose(rng, FA_ROOT, &["", "an"], &["an", "ara", "avand", "saz"]);
            (
                Kind::Organisation,
                vec![
                    format!("{brand} Industrial Company"),
                    format!("{brand} Sanat"),
                ],
                "IR",
                "IRN",
            )
        }
        _ => {
            let brand = compose(rng, AR_ROOT, &[""], &["a", "an", "ir"]);
            let noun = *rng.pick(GULF_NOUNS);
            (
                Kind::Organisation,
                vec![format!("{brand} {noun} FZE")],
                "AE",
                "RUS",
            )
        }
    }
}

/// `n` synthetic entities on list `SYN`, deterministic for `seed`.
pub fn filler(n: usize, seed: u64) -> ListSet {
    filler_avoiding(n, seed, None)
}

/// As `filler`, but without entities any of whose names matches a name `reserved` holds (its
/// names drawn from common name parts, a synthetic entity now and then gets the very name of a
/// real listed party or of an evaluation name, which would then count against the screener).
pub fn filler_avoiding(n: usize, seed: u64, reserved: Option<&crate::Screener>) -> ListSet {
    let mut rng = Rng::fork(seed, "screen-filler");
    let mut scratch = reserved.map(|r| r.scratch());
    let mut hits = Vec::new();
    let mut entities = Vec::with_capacity(n);
    while entities.len() < n {
        let (kind, names, country, programme) = one(&mut rng);
        if let (Some(r), Some(sc)) = (reserved, scratch.as_mut()) {
            let taken = names.iter().any(|name| {
                r.screen(
                    &crate::Party {
                        name,
                        country: None,
                        address: "",
                    },
                    sc,
                    &mut hits,
                );
                !hits.is_empty()
            });
            if taken {
                continue;
            }
        }
        entities.push(Entity {
            id: format!("SYN-{:06}", entities.len()),
            list: 0,
            kind,
            programme: programme.to_string(),
            names,
            countries: vec![country.as_bytes().try_into().expect("two letters")],
            addresses: Vec::new(),
        });
    }
    ListSet {
        lists: vec![List {
            id: "SYN".into(),
            title: "synthetic entities (benchmark only)".into(),
            threshold: DEFAULT_THRESHOLD,
        }],
        entities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_is_deterministic_and_varied() {
        let a = filler(500, 7);
        assert_eq!(a, filler(500, 7));
        let persons = a.entities.iter().filter(|e| e.kind == Kind::Person).count();
        assert!(persons > 200 && persons < 400, "{persons}");
        assert!(a.entities.iter().any(|e| {
            e.names
                .iter()
                .any(|n| n.chars().any(|c| ('а'..='я').contains(&c)))
        }));
        assert_eq!(cyrillic("Zarprom"), "Зарпром");
        assert_eq!(cyrillic("Yurii Shchukin"), "Юрии Щукин");
    }
}
