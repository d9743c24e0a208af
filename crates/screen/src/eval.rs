//! The evaluation set and how the screener does on it: true variants of listed names (typos,
//! transliterations, reordered tokens, dropped middle names, other scripts, company forms)
//! that must be found, and look-alike innocents that must not be.

use crate::index::{Party, Screener};
use crate::list::{ListError, country_code};
use serde::Deserialize;

/// The built-in evaluation set (`data/evaluation.toml`).
pub const EVALUATION: &str = include_str!("../data/evaluation.toml");

/// A listed entity written the way a manifest might.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The name as written.
    pub query: String,
    /// The party's country, if given.
    pub country: Option<String>,
    /// The entity id it must match.
    pub entity: String,
    /// What kind of variant (typo, transliteration, ...).
    pub kind: String,
}

/// A name that is not listed but looks like one.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Innocent {
    /// The name.
    pub query: String,
    /// The party's country, if given.
    pub country: Option<String>,
    /// Why it is a trap.
    #[serde(default)]
    pub note: String,
}

/// An evaluation set.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// Names that must match.
    #[serde(default, rename = "variant")]
    pub variants: Vec<Variant>,
    /// Names that must not.
    #[serde(default, rename = "innocent")]
    pub innocents: Vec<Innocent>,
}

impl Evaluation {
    /// The built-in set.
    pub fn builtin() -> Evaluation {
        Evaluation::parse("evaluation.toml (built in)", EVALUATION)
            .expect("the built-in evaluation set is valid")
    }

    /// Every name of the set as an entity of a list `EVAL` (to keep synthetic entities from
    /// taking them: see `synthetic::filler_avoiding`).
    pub fn as_list(&self) -> crate::ListSet {
        let names = self
            .variants
            .iter()
            .map(|v| &v.query)
            .chain(self.innocents.iter().map(|i| &i.query));
        crate::ListSet {
            lists: vec![crate::List {
                id: "EVAL".into(),
                title: "evaluation names".into(),
                threshold: crate::list::DEFAULT_THRESHOLD,
            }],
            entities: names
                .enumerate()
                .map(|(i, n)| crate::Entity {
                    id: format!("EVAL-{i}"),
                    list: 0,
                    kind: crate::Kind::Organisation,
                    programme: String::new(),
                    names: vec![n.clone()],
                    countries: Vec::new(),
                    addresses: Vec::new(),
                })
                .collect(),
        }
    }

    /// Parses an evaluation file.
    pub fn parse(file: &str, text: &str) -> Result<Evaluation, ListError> {
        toml::from_str(text).map_err(|e| ListError {
            file: file.into(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1) as u64),
            field: "toml".into(),
            expected: e.message().to_string(),
        })
    }
}

/// How the screener did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Report {
    /// True variants.
    pub variants: usize,
    /// Of which matched to the right entity.
    pub found: usize,
    /// Innocents.
    pub innocents: usize,
    /// Innocents that matched anything.
    pub innocents_hit: usize,
    /// Matches to the right entity.
    pub true_positives: usize,
    /// Matches to any other entity (on innocents and on variants).
    pub false_positives: usize,
    /// found / variants.
    pub recall: f64,
    /// true / all matches.
    pub precision: f64,
    /// Variants not found, with their kind.
    pub misses: Vec<String>,
    /// Wrong matches, explained.
    pub false_alarms: Vec<String>,
    /// Recall per kind of variant: (kind, found, of).
    pub by_kind: Vec<(String, usize, usize)>,
}

fn party<'a>(name: &'a str, country: &Option<String>) -> Party<'a> {
    Party {
        name,
        country: country.as_deref().and_then(country_code),
        address: "",
    }
}

/// Runs the evaluation. Variants naming an entity the screener does not hold are an error.
pub fn evaluate(s: &Screener, ev: &Evaluation) -> Result<Report, String> {
    let ids: std::collections::HashMap<&str, u32> = (0..s.entities() as u32)
        .map(|i| (s.entity(i).id.as_str(), i))
        .collect();
    let mut r = Report {
        variants: ev.variants.len(),
        innocents: ev.innocents.len(),
        ..Report::default()
    };
    let mut scratch = s.scratch();
    let mut hits = Vec::new();
    let mut kinds: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for v in &ev.variants {
        let want = *ids.get(v.entity.as_str()).ok_or_else(|| {
            format!(
                "evaluation: variant {:?}: no entity {:?} on the lists",
                v.query, v.entity
            )
        })?;
        s.screen(&party(&v.query, &v.country), &mut scratch, &mut hits);
        let k = kinds.entry(v.kind.clone()).or_default();
        k.1 += 1;
        if hits.iter().any(|h| h.entity == want) {
            r.found += 1;
            r.true_positives += 1;
            k.0 += 1;
        } else {
            r.misses
                .push(format!("{} ({}, wants {})", v.query, v.kind, v.entity));
        }
        for h in hits.iter().filter(|h| h.entity != want) {
            r.false_positives += 1;
            r.false_alarms
                .push(format!("{:?}: {}", v.query, s.explain(h)));
        }
    }
    for i in &ev.innocents {
        s.screen(&party(&i.query, &i.country), &mut scratch, &mut hits);
        if !hits.is_empty() {
            r.innocents_hit += 1;
        }
        for h in &hits {
            r.false_positives += 1;
            r.false_alarms
                .push(format!("{:?}: {}", i.query, s.explain(h)));
        }
    }
    r.recall = r.found as f64 / r.variants.max(1) as f64;
    let all = r.true_positives + r.false_positives;
    r.precision = if all == 0 {
        1.0
    } else {
        r.true_positives as f64 / all as f64
    };
    r.by_kind = kinds.into_iter().map(|(k, (f, n))| (k, f, n)).collect();
    Ok(r)
}
