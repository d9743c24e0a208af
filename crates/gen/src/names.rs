//! Sellers as they appear on Chinese e-commerce manifests: company names built from pinyin
//! syllables and trade words, addresses in the export hubs, Hong Kong trading companies.

use hangar_model::rng::Rng;
use hangar_model::{Country, Party, Postcode};

const SYLLABLES: [&str; 32] = [
    "Hua", "Xin", "Tian", "Jia", "Sheng", "Mei", "Long", "Feng", "Da", "Hong", "Yue", "Rui", "Bo",
    "Kai", "Heng", "Tai", "Jin", "Xiang", "Cheng", "Yu", "Hao", "Qi", "Lian", "Shun", "Fu", "Ming",
    "An", "Yi", "Zhi", "Chuang", "Wei", "Rong",
];
const TRADES: [&str; 10] = [
    "Technology",
    "Trading",
    "E-commerce",
    "Electronic Technology",
    "Garment",
    "Import & Export",
    "Industrial",
    "Network Technology",
    "Household Products",
    "Supply Chain",
];
/// Export cities with the first three digits of their postcodes.
const CITIES: [(&str, &str, &[&str]); 10] = [
    (
        "Shenzhen",
        "518",
        &["Nanshan", "Longgang", "Bao'an", "Futian", "Longhua"],
    ),
    ("Guangzhou", "510", &["Baiyun", "Panyu", "Tianhe", "Haizhu"]),
    ("Yiwu", "322", &["Futian Street", "Beiyuan", "Jiangdong"]),
    ("Hangzhou", "310", &["Xiaoshan", "Yuhang", "Binjiang"]),
    ("Dongguan", "523", &["Chang'an", "Humen", "Songshan Lake"]),
    ("Ningbo", "315", &["Yinzhou", "Beilun", "Jiangbei"]),
    ("Xiamen", "361", &["Huli", "Siming", "Jimei"]),
    (
        "Shanghai",
        "200",
        &["Pudong", "Minhang", "Songjiang", "Jiading"],
    ),
    (
        "Zhengzhou",
        "450",
        &["Zhongyuan", "Jinshui", "Airport Economy Zone"],
    ),
    ("Quanzhou", "362", &["Jinjiang", "Fengze", "Licheng"]),
];
const ROADS: [&str; 12] = [
    "Keji",
    "Huaqiang",
    "Xinhua",
    "Jiefang",
    "Renmin",
    "Zhongshan",
    "Binhai",
    "Chuangye",
    "Gongye",
    "Jianshe",
    "Xueyuan",
    "Changjiang",
];

fn brand(rng: &mut Rng) -> String {
    let a = *rng.pick(&SYLLABLES);
    let b = rng.pick(&SYLLABLES).to_lowercase();
    format!("{a}{b}")
}

/// A seller: mostly mainland companies, some Hong Kong traders.
pub(crate) fn seller(rng: &mut Rng) -> Party {
    if rng.chance(0.12) {
        let name = format!(
            "{} {} Limited",
            brand(rng),
            if rng.chance(0.5) {
                "Trading"
            } else {
                "International"
            }
        );
        let address = format!(
            "Flat {}, {}/F, {} Building, {} Nathan Road, Kowloon",
            rng.range(1, 30),
            rng.range(2, 40),
            brand(rng),
            rng.range(1, 700)
        );
        return Party {
            name,
            address,
            city: "Hong Kong".into(),
            postcode: None,
            country: Country::parse("HK").expect("HK"),
        };
    }
    let (city, prefix, districts) = rng.pick(&CITIES);
    let name = format!("{city} {} {} Co., Ltd.", brand(rng), rng.pick(&TRADES));
    let address = format!(
        "No. {} {} Road, {} District",
        rng.range(1, 999),
        rng.pick(&ROADS),
        rng.pick(districts)
    );
    let cn = Country::parse("CN").expect("CN");
    let postcode =
        Postcode::parse_for(cn, &format!("{prefix}{:03}", rng.below(1000))).expect("CN postcode");
    Party {
        name,
        address,
        city: (*city).into(),
        postcode: Some(postcode),
        country: cn,
    }
}
