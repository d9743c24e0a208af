//! Explainable risk rules: undervaluation against a robust reference learned per HS heading
//! (median and MAD of value per kilogram), split consignments, description vs tariff code
//! mismatch, and prohibited or restricted goods. Each hit says which rule and why.

use hangar_model::{Parcel, Timestamp};
use serde::Deserialize;
use std::collections::HashMap;

/// A reason to look at a parcel.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    /// The rule (`undervalued`, `split_consignment`, `description_mismatch`, `restricted`).
    pub rule: &'static str,
    /// Why, in words an officer reads.
    pub reason: String,
    /// What it leads to.
    pub action: Action,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskFile {
    version: String,
    #[serde(default)]
    mismatch: Vec<Mismatch>,
    #[serde(default)]
    restricted: Vec<Restricted>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mismatch {
    name: String,
    keywords: Vec<String>,
    allowed_hs: Vec<String>,
    /// Words that make the keyword a modifier, not the goods (a phone *case*, a watch *strap*).
    #[serde(default)]
    unless: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Restricted {
    name: String,
    hs: Vec<String>,
    keywords: Vec<String>,
    /// `hold` (inspect; licences or permits may allow it) or `refuse` (prohibited).
    #[serde(default)]
    action: Action,
}

/// What a restricted-goods hit leads to.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Hold for inspection.
    #[default]
    Hold,
    /// Refuse entry.
    Refuse,
}

/// The built-in lists.
pub const BUILTIN_RISK: &str = include_str!("../data/risk.toml");

/// Description and goods lists, loaded from data.
pub struct Lists {
    /// Which lists.
    pub version: String,
    mismatch: Vec<Mismatch>,
    restricted: Vec<Restricted>,
}

impl Lists {
    /// The built-in lists.
    pub fn builtin() -> Lists {
        Lists::parse("risk.toml (built in)", BUILTIN_RISK)
            .expect("the built-in risk lists are valid")
    }

    /// Parses a lists file.
    pub fn parse(file: &str, text: &str) -> Result<Lists, String> {
        let f: RiskFile = toml::from_str(text)
            .map_err(|e| format!("{file}: {}", e.to_string().trim().replace('\n', " ")))?;
        for r in &f.mismatch {
            if r.keywords.is_empty() || r.allowed_hs.is_empty() {
                return Err(format!(
                    "{file}: mismatch {:?}: expected keywords and allowed_hs",
                    r.name
                ));
            }
        }
        Ok(Lists {
            version: f.version,
            mismatch: f.mismatch,
            restricted: f.restricted,
        })
    }

    /// Description vs tariff code and restricted goods, item by item.
    pub fn check(&self, p: &Parcel) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (i, item) in p.items.iter().enumerate() {
            let desc = item.description.to_lowercase();
            let hs = item.hs.as_str();
            for m in &self.mismatch {
                if m.unless.iter().any(|u| desc.contains(u.as_str())) {
                    continue;
                }
                if let Some(k) = m.keywords.iter().find(|k| desc.contains(k.as_str()))
                    && !m.allowed_hs.iter().any(|a| hs.starts_with(a.as_str()))
                {
                    hits.push(Hit {
                            action: Action::Hold,
                            rule: "description_mismatch",
                            reason: format!(
                                "item {}: {:?} mentions {k:?} ({}) but is declared under {hs}, expected {}",
                                i + 1,
                                item.description,
                                m.name,
                                m.allowed_hs.join("/")
                            ),
                        });
                }
            }
            for r in &self.restricted {
                let by_hs = r.hs.iter().find(|h| hs.starts_with(h.as_str()));
                let by_word = r.keywords.iter().find(|k| desc.contains(k.as_str()));
                if by_hs.is_some() || by_word.is_some() {
                    let why = match (by_hs, by_word) {
                        (Some(h), _) => format!("tariff code {hs} is under {h}"),
                        (None, Some(k)) => format!("the description mentions {k:?}"),
                        _ => unreachable!(),
                    };
                    hits.push(Hit {
                        action: r.action,
                        rule: "restricted",
                        reason: format!("item {}: {} ({why})", i + 1, r.name),
                    });
                }
            }
        }
        hits
    }
}

/// Robust reference of declared value per kilogram for one HS heading, on a log scale (prices
/// spread multiplicatively, so "a tenth of the usual price" is a fixed distance there).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reference {
    /// Median of ln(euro cents per kg).
    pub median_ln: f64,
    /// Median absolute deviation of ln(euro cents per kg).
    pub mad_ln: f64,
    /// Lines it was learned from.
    pub samples: usize,
}

/// Learns value-per-kg references per 4-digit heading from past declarations.
#[derive(Default)]
pub struct ReferenceBuilder {
    values: HashMap<String, Vec<f64>>,
}

impl ReferenceBuilder {
    /// Adds one item line: its heading, value in euro cents and weight in grams.
    pub fn add(&mut self, hs: &str, value_eur_cents: i64, weight_g: u32) {
        if weight_g > 0 && value_eur_cents > 0 && hs.len() >= 4 {
            self.values
                .entry(hs[..4].to_string())
                .or_default()
                .push((value_eur_cents as f64 * 1000.0 / f64::from(weight_g)).ln());
        }
    }

    /// The references of headings with at least `min_samples` lines.
    pub fn build(self, min_samples: usize) -> References {
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let n = v.len();
            if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            }
        };
        let refs = self
            .values
            .into_iter()
            .filter(|(_, v)| v.len() >= min_samples)
            .map(|(h, mut v)| {
                let m = median(&mut v);
                let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
                let mad = median(&mut dev);
                (
                    h,
                    Reference {
                        median_ln: m,
                        mad_ln: mad,
                        samples: v.len(),
                    },
                )
            })
            .collect();
        References { refs }
    }
}

/// Value-per-kg references by heading.
pub struct References {
    refs: HashMap<String, Reference>,
}

impl References {
    /// The reference for a heading, if learned.
    pub fn get(&self, heading: &str) -> Option<&Reference> {
        self.refs.get(heading)
    }

    /// Lines declared far below their heading's reference: on the log scale more than `k`
    /// robust standard deviations (1.4826 × MAD) below the median, *and* under `fraction` of the
    /// median price.
    pub fn undervalued(
        &self,
        p: &Parcel,
        eur_cents: impl Fn(hangar_model::Money) -> i64,
        k: f64,
        fraction: f64,
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (i, item) in p.items.iter().enumerate() {
            let heading = &item.hs.as_str()[..4];
            let Some(r) = self.refs.get(heading) else {
                continue;
            };
            if item.weight.0 == 0 {
                continue;
            }
            let per_kg = eur_cents(item.value).max(1) as f64 * 1000.0 / f64::from(item.weight.0);
            let ln = per_kg.ln();
            if ln < r.median_ln - k * 1.4826 * r.mad_ln && ln < r.median_ln + fraction.ln() {
                hits.push(Hit {
                    action: Action::Hold,
                    rule: "undervalued",
                    reason: format!(
                        "item {}: EUR {:.2}/kg declared, heading {heading} usually EUR {:.2}/kg (median of {} lines; {:.1} robust deviations below)",
                        i + 1,
                        per_kg / 100.0,
                        r.median_ln.exp() / 100.0,
                        r.samples,
                        (r.median_ln - ln) / (1.4826 * r.mad_ln).max(1e-9)
                    ),
                });
            }
        }
        hits
    }
}

/// Finds one order split into consignments under the ceiling: the same buyer (name and postcode)
/// and seller within a time window whose values together exceed the ceiling.
pub struct SplitDetector {
    window_ms: i64,
    ceiling_eur_cents: i64,
    /// (buyer, seller) -> the parcels seen in the window: when, value, which.
    seen: HashMap<(String, String), Vec<Seen>>,
    /// Observations since the last sweep of expired pairs.
    since_sweep: usize,
}

/// Observations between two sweeps of buyer/seller pairs whose parcels all left the window
/// (keeps the detector's memory bounded by the window, not by history).
const SWEEP_EVERY: usize = 65_536;

type Seen = (Timestamp, i64, hangar_model::S10Id);

impl SplitDetector {
    /// A detector over `window_ms` with the H7 ceiling.
    pub fn new(window_ms: i64, ceiling_eur_cents: i64) -> SplitDetector {
        SplitDetector {
            window_ms,
            ceiling_eur_cents,
            seen: HashMap::new(),
            since_sweep: 0,
        }
    }

    /// Looks at a parcel declared at `at` with value `eur_cents`; a hit names the other parcels.
    pub fn observe(&mut self, p: &Parcel, at: Timestamp, eur_cents: i64) -> Option<Hit> {
        self.observe_group(p, at, eur_cents).map(|(h, _)| h)
    }

    /// As `observe`, also returning every parcel of the group the hit is about.
    pub fn observe_group(
        &mut self,
        p: &Parcel,
        at: Timestamp,
        eur_cents: i64,
    ) -> Option<(Hit, Vec<hangar_model::S10Id>)> {
        if eur_cents > self.ceiling_eur_cents {
            return None;
        }
        let buyer = format!(
            "{}|{}",
            p.consignee.name.to_lowercase(),
            p.consignee
                .postcode
                .map(|c| c.to_string())
                .unwrap_or_default()
        );
        let seller = p.consignor.name.to_lowercase();
        self.since_sweep += 1;
        if self.since_sweep >= SWEEP_EVERY {
            self.since_sweep = 0;
            let window = self.window_ms;
            self.seen.retain(|_, l| {
                l.iter()
                    .any(|(t, _, _)| at.unix_ms() - t.unix_ms() <= window)
            });
        }
        let list = self.seen.entry((buyer, seller)).or_default();
        list.retain(|(t, _, _)| at.unix_ms() - t.unix_ms() <= self.window_ms);
        list.push((at, eur_cents, p.id));
        let total: i64 = list.iter().map(|(_, v, _)| v).sum();
        (list.len() > 1 && total > self.ceiling_eur_cents).then(|| (Hit {
            action: Action::Hold,
            rule: "split_consignment",
            reason: format!(
                "{} parcels from the same seller to the same buyer within {} h total EUR {:.2} (over EUR {:.2}): {}",
                list.len(),
                self.window_ms / 3_600_000,
                total as f64 / 100.0,
                self.ceiling_eur_cents as f64 / 100.0,
                list.iter().map(|(_, _, id)| id.to_string()).collect::<Vec<_>>().join(", ")
            ),
        }, list.iter().map(|(_, _, id)| *id).collect()))
    }
}
