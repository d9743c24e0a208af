//! Route plans. A plan file (TOML, see docs/sorter-protocol.md and `data/route-plan.toml`)
//! names the special chutes and lists routes: destination country, postcode prefixes or ranges,
//! optionally a service, the carrier, and up to four chutes in priority order. It compiles into
//! an immutable `Plan` that callers swap whole (an `Arc`), so a decision never sees half a plan.

use hangar_model::{Country, Postcode};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};

/// Largest chute number.
pub const MAX_CHUTE: u16 = 999;

/// The special chutes every sorter has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Special {
    /// Customs hold.
    pub hold: u16,
    /// No read.
    pub no_read: u16,
    /// No data: barcode unknown to the host.
    pub no_data: u16,
    /// Exception and rework.
    pub exception: u16,
    /// Reject (too many recirculations).
    pub reject: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    name: String,
    #[serde(default = "default_recirculations")]
    max_recirculations: u8,
    special: Special,
    #[serde(default)]
    route: Vec<RouteFile>,
}

fn default_recirculations() -> u8 {
    3
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteFile {
    id: String,
    carrier: String,
    country: String,
    #[serde(default)]
    service: Option<String>,
    postcodes: Vec<String>,
    chutes: Vec<u16>,
}

/// A carrier route.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Route {
    /// Route id (e.g. `DE-2`).
    pub id: String,
    /// Carrier.
    pub carrier: String,
    /// Destination country.
    pub country: Country,
    /// Service the route is limited to, if any.
    pub service: Option<String>,
    /// Postcode prefixes (`75`), ranges (`01000-19999`) or `*`, as written.
    pub postcodes: Vec<String>,
    /// Chutes in priority order (1 to 4).
    pub chutes: Vec<u16>,
}

#[derive(Clone, Debug)]
enum Matcher {
    Prefix(String),
    Range(String, String),
    Any,
}

impl Matcher {
    fn parse(s: &str) -> Option<Matcher> {
        let t = s.trim().to_ascii_uppercase();
        let ok = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric());
        if t == "*" {
            return Some(Matcher::Any);
        }
        if let Some((lo, hi)) = t.split_once('-') {
            return (ok(lo) && ok(hi) && lo.len() == hi.len() && lo <= hi)
                .then(|| Matcher::Range(lo.into(), hi.into()));
        }
        ok(&t).then_some(Matcher::Prefix(t))
    }

    /// How specific: longer prefixes and ranges win over shorter ones; `*` last.
    fn specificity(&self) -> usize {
        match self {
            Matcher::Prefix(p) => p.len() * 2 + 1,
            Matcher::Range(lo, _) => lo.len() * 2,
            Matcher::Any => 0,
        }
    }

    /// `pc` is the postcode with spaces and dashes removed, upper case.
    fn matches(&self, pc: &str) -> bool {
        match self {
            Matcher::Prefix(p) => pc.starts_with(p.as_str()),
            Matcher::Range(lo, hi) => {
                pc.len() >= lo.len() && (lo.as_str()..=hi.as_str()).contains(&&pc[..lo.len()])
            }
            Matcher::Any => true,
        }
    }
}

/// A problem in a plan file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {message}")]
pub struct PlanError {
    /// File name.
    pub file: String,
    /// What is wrong and where.
    pub message: String,
}

/// A country's rules: (matcher, service, route index), most specific first.
type CountryRules = (Country, Vec<(Matcher, Option<String>, usize)>);

/// A compiled, immutable route plan.
#[derive(Clone, Debug)]
pub struct Plan {
    name: String,
    special: Special,
    max_recirculations: u8,
    routes: Vec<Route>,
    rules: Vec<CountryRules>,
}

/// The built-in plan for the EU-27 (national carriers, big countries split by region).
pub const DEFAULT_PLAN: &str = include_str!("../data/route-plan.toml");

impl Plan {
    /// The built-in plan.
    pub fn default_eu() -> Plan {
        Plan::parse("route-plan.toml (built in)", DEFAULT_PLAN).expect("the built-in plan is valid")
    }

    /// Parses and checks a plan file.
    pub fn parse(file: &str, text: &str) -> Result<Plan, PlanError> {
        let err = |message: String| PlanError {
            file: file.to_string(),
            message,
        };
        let pf: PlanFile =
            toml::from_str(text).map_err(|e| err(e.to_string().trim().replace('\n', " ")))?;
        let s = pf.special;
        let specials = [
            ("hold", s.hold),
            ("no_read", s.no_read),
            ("no_data", s.no_data),
            ("exception", s.exception),
            ("reject", s.reject),
        ];
        let mut used: BTreeMap<u16, String> = BTreeMap::new();
        for (name, c) in specials {
            if c == 0 || c > MAX_CHUTE {
                return Err(err(format!(
                    "special.{name}: expected a chute 1 to {MAX_CHUTE}, got {c}"
                )));
            }
            if let Some(other) = used.insert(c, format!("special.{name}")) {
                return Err(err(format!("special.{name}: chute {c} is already {other}")));
            }
        }
        let mut ids = HashSet::new();
        let mut routes = Vec::new();
        let mut rules: Vec<CountryRules> = Vec::new();
        let mut claimed: BTreeMap<(String, Option<String>, String), String> = BTreeMap::new();
        for (i, r) in pf.route.into_iter().enumerate() {
            let at = format!("route {} ({})", i + 1, r.id);
            if r.id.trim().is_empty() || !ids.insert(r.id.clone()) {
                return Err(err(format!("{at}: expected a unique, non-empty id")));
            }
            let country =
                Country::parse(&r.country).map_err(|e| err(format!("{at}: country: {e}")))?;
            if r.chutes.is_empty() || r.chutes.len() > 4 {
                return Err(err(format!(
                    "{at}: chutes: expected 1 to 4 chutes in priority order, got {}",
                    r.chutes.len()
                )));
            }
            for &c in &r.chutes {
                if c == 0 || c > MAX_CHUTE {
                    return Err(err(format!(
                        "{at}: chutes: expected chutes 1 to {MAX_CHUTE}, got {c}"
                    )));
                }
                if let Some(other) = used.get(&c).filter(|o| o.starts_with("special.")) {
                    return Err(err(format!("{at}: chute {c} is the {other} chute")));
                }
            }
            if r.postcodes.is_empty() {
                return Err(err(format!(
                    "{at}: postcodes: expected at least one prefix, range or \"*\""
                )));
            }
            let slot = match rules.iter().position(|(c, _)| *c == country) {
                Some(p) => p,
                None => {
                    rules.push((country, Vec::new()));
                    rules.len() - 1
                }
            };
            for p in &r.postcodes {
                let m = Matcher::parse(p).ok_or_else(|| {
                    err(format!(
                        "{at}: postcodes: {p:?} is not a prefix (75), a range (01000-19999) or *"
                    ))
                })?;
                let key = (
                    country.iso2().to_string(),
                    r.service.clone(),
                    p.trim().to_ascii_uppercase(),
                );
                if let Some(other) = claimed.insert(key, r.id.clone()) {
                    return Err(err(format!(
                        "{at}: postcodes: {p:?} is already routed by {other}"
                    )));
                }
                rules[slot].1.push((m, r.service.clone(), routes.len()));
            }
            routes.push(Route {
                id: r.id,
                carrier: r.carrier,
                country,
                service: r.service,
                postcodes: r.postcodes,
                chutes: r.chutes,
            });
        }
        for (_, r) in &mut rules {
            r.sort_by_key(|(m, service, _)| {
                std::cmp::Reverse((service.is_some(), m.specificity()))
            });
        }
        Ok(Plan {
            name: pf.name,
            special: s,
            max_recirculations: pf.max_recirculations,
            routes,
            rules,
        })
    }

    /// The plan's name or version label.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The special chutes.
    pub fn special(&self) -> Special {
        self.special
    }

    /// Recirculations after which an item is rejected.
    pub fn max_recirculations(&self) -> u8 {
        self.max_recirculations
    }

    /// Every route, in file order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route for a destination and service: the most specific rule that matches, a rule for
    /// the service before a rule for any service.
    pub fn route_for(
        &self,
        country: Country,
        postcode: Option<&Postcode>,
        service: Option<&str>,
    ) -> Option<&Route> {
        self.route_index(country, postcode, service)
            .map(|i| &self.routes[i])
    }

    /// Index of the route (in `routes()`) for a destination.
    pub fn route_index(
        &self,
        country: Country,
        postcode: Option<&Postcode>,
        service: Option<&str>,
    ) -> Option<usize> {
        let (_, rules) = self.rules.iter().find(|(c, _)| *c == country)?;
        let mut buf = [0u8; 12];
        let mut n = 0;
        for c in postcode
            .map_or("", |p| p.as_str())
            .bytes()
            .filter(|c| c.is_ascii_alphanumeric())
        {
            buf[n] = c;
            n += 1;
        }
        let pc = std::str::from_utf8(&buf[..n]).expect("ascii");
        rules
            .iter()
            .find(|(m, s, _)| (s.is_none() || s.as_deref() == service) && m.matches(pc))
            .map(|(_, _, i)| *i)
    }

    /// The plan as a sort table for sorters that decide locally: one CSV line per rule.
    pub fn sort_table(&self) -> String {
        let mut out =
            String::from("country,postcodes,service,route,carrier,chute1,chute2,chute3,chute4\n");
        for r in &self.routes {
            for p in &r.postcodes {
                let mut chutes = r.chutes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
                chutes.resize(4, String::new());
                out.push_str(&format!(
                    "{},{},{},{},\"{}\",{}\n",
                    r.country,
                    p,
                    r.service.as_deref().unwrap_or(""),
                    r.id,
                    r.carrier.replace('"', "\"\""),
                    chutes.join(",")
                ));
            }
        }
        let s = self.special;
        out.push_str(&format!(
            "#special,hold={},no_read={},no_data={},exception={},reject={},max_recirculations={}\n",
            s.hold, s.no_read, s.no_data, s.exception, s.reject, self.max_recirculations
        ));
        out
    }

    /// What changed from `old` to this plan, one line per change (for the plan-change event).
    pub fn diff(&self, old: &Plan) -> Vec<String> {
        let mut out = Vec::new();
        if old.special != self.special {
            out.push(format!(
                "special chutes {:?} -> {:?}",
                old.special, self.special
            ));
        }
        if old.max_recirculations != self.max_recirculations {
            out.push(format!(
                "max_recirculations {} -> {}",
                old.max_recirculations, self.max_recirculations
            ));
        }
        for r in &self.routes {
            match old.routes.iter().find(|o| o.id == r.id) {
                None => out.push(format!(
                    "+ route {}: {} {} {:?} chutes {:?}",
                    r.id, r.carrier, r.country, r.postcodes, r.chutes
                )),
                Some(o) if o != r => out.push(format!(
                    "~ route {}: {} {} {:?} chutes {:?} -> {} {} {:?} chutes {:?}",
                    r.id,
                    o.carrier,
                    o.country,
                    o.postcodes,
                    o.chutes,
                    r.carrier,
                    r.country,
                    r.postcodes,
                    r.chutes
                )),
                Some(_) => {}
            }
        }
        for o in &old.routes {
            if !self.routes.iter().any(|r| r.id == o.id) {
                out.push(format!("- route {}", o.id));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pc(c: &str, s: &str) -> (Country, Postcode) {
        let c = Country::parse(c).unwrap();
        (c, Postcode::parse_for(c, s).unwrap())
    }

    #[test]
    fn the_default_plan_covers_the_eu_with_most_specific_rules_first() {
        let plan = Plan::default_eu();
        let (c, p) = pc("FR", "75011");
        assert_eq!(plan.route_for(c, Some(&p), None).unwrap().id, "FR-1");
        let (c, p) = pc("FR", "69001");
        assert_eq!(plan.route_for(c, Some(&p), None).unwrap().id, "FR-2");
        let (c, p) = pc("DE", "80331");
        assert_eq!(plan.route_for(c, Some(&p), None).unwrap().id, "DE-3");
        let (c, p) = pc("NL", "1012 AB");
        assert_eq!(plan.route_for(c, Some(&p), None).unwrap().id, "NL-1");
        for country in Country::eu27() {
            let example = match country.iso2() {
                "DE" => "10115",
                _ => "",
            };
            let postcode =
                (!example.is_empty()).then(|| Postcode::parse_for(country, example).unwrap());
            assert!(
                plan.route_for(country, postcode.as_ref(), None).is_some(),
                "{country} has a route"
            );
        }
        assert!(
            plan.route_for(Country::parse("CH").unwrap(), None, None)
                .is_none()
        );
        let special = plan.special();
        for r in plan.routes() {
            assert!(!r.chutes.contains(&special.hold));
        }
    }

    #[test]
    fn the_operator_guides_example_plan_parses() {
        let guide = include_str!("../../../docs/operator-guide.md");
        let start = guide.find("```toml\n").expect("a toml example") + 8;
        let end = start + guide[start..].find("```").unwrap();
        let plan = Plan::parse("operator-guide.md", &guide[start..end]).unwrap();
        let (c, p) = pc("FR", "93100");
        assert_eq!(plan.route_for(c, Some(&p), None).unwrap().id, "FR-1");
        let (c, p) = pc("DE", "10115");
        assert_eq!(
            plan.route_for(c, Some(&p), Some("express")).unwrap().id,
            "DE-X"
        );
        assert!(plan.route_for(c, Some(&p), None).is_none());
    }

    #[test]
    fn ranges_services_and_errors() {
        let text = r#"
            name = "test"
            [special]
            hold = 1
            no_read = 2
            no_data = 3
            exception = 4
            reject = 5
            [[route]]
            id = "DE-A"
            carrier = "A"
            country = "DE"
            postcodes = ["01000-19999"]
            chutes = [10, 11]
            [[route]]
            id = "DE-X"
            carrier = "Express"
            country = "DE"
            service = "express"
            postcodes = ["*"]
            chutes = [20]
            [[route]]
            id = "DE-B"
            carrier = "B"
            country = "DE"
            postcodes = ["*"]
            chutes = [12]
        "#;
        let plan = Plan::parse("p.toml", text).unwrap();
        let (c, p) = pc("DE", "10115");
        assert_eq!(plan.route_for(c, Some(&p), None).unwrap().id, "DE-A");
        assert_eq!(
            plan.route_for(c, Some(&p), Some("express")).unwrap().id,
            "DE-X"
        );
        let (c, p) = pc("DE", "80331");
        assert_eq!(plan.route_for(c, Some(&p), None).unwrap().id, "DE-B");
        assert_eq!(plan.max_recirculations(), 3);
        assert!(
            plan.sort_table()
                .contains("DE,01000-19999,,DE-A,\"A\",10,11,,\n")
        );

        let bad = text.replace("chutes = [20]", "chutes = [1]");
        assert_eq!(
            Plan::parse("p.toml", &bad).unwrap_err().to_string(),
            "p.toml: route 2 (DE-X): chute 1 is the special.hold chute"
        );
        let bad = text.replace("\"01000-19999\"", "\"19999-01000\"");
        assert!(
            Plan::parse("p.toml", &bad)
                .unwrap_err()
                .message
                .contains("is not a prefix (75), a range (01000-19999) or *")
        );
        let bad = text.replace("id = \"DE-B\"", "id = \"DE-A\"");
        assert!(
            Plan::parse("p.toml", &bad)
                .unwrap_err()
                .message
                .contains("expected a unique, non-empty id")
        );
        let bad = text.replace("id = \"DE-X\"\n            carrier = \"Express\"\n            country = \"DE\"\n            service = \"express\"", "id = \"DE-X\"\n            carrier = \"Express\"\n            country = \"DE\"");
        assert!(
            Plan::parse("p.toml", &bad)
                .unwrap_err()
                .message
                .contains("\"*\" is already routed by DE-X")
        );
        assert!(Plan::parse("p.toml", "name = 1").is_err());

        let changed = Plan::parse(
            "p.toml",
            &text.replace("chutes = [12]", "chutes = [12, 13]"),
        )
        .unwrap();
        assert_eq!(
            changed.diff(&plan),
            vec![
                "~ route DE-B: B DE [\"*\"] chutes [12] -> B DE [\"*\"] chutes [12, 13]"
                    .to_string()
            ]
        );
    }
}
