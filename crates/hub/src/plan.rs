//! The in-process route plan: destination country and postcode -> carrier route -> chute, plus
//! the special chutes every sorter has. Compiled once into a lookup structure; a decision is a
//! couple of comparisons and allocates nothing.

use hangar_model::{Country, Postcode};

/// Chute for parcels under customs hold.
pub const HOLD_CHUTE: u16 = 1;
/// Chute for parcels the scan tunnel could not read.
pub const NO_READ_CHUTE: u16 = 2;
/// Chute for parcels the host knows nothing about.
pub const NO_DATA_CHUTE: u16 = 3;
/// Chute for exceptions and rework (no route, second no-read, ...).
pub const EXCEPTION_CHUTE: u16 = 4;
/// First chute number used by carrier routes.
pub const FIRST_ROUTE_CHUTE: u16 = 10;

/// A carrier route: the parcels one carrier takes to one region, loaded at one chute.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Route {
    /// Route id (e.g. `DE-2`).
    pub id: String,
    /// Carrier taking the parcels.
    pub carrier: String,
    /// Destination country.
    pub country: Country,
    /// Chute the route is loaded from.
    pub chute: u16,
}

/// A compiled route plan.
#[derive(Clone, Debug)]
pub struct RoutePlan {
    routes: Vec<Route>,
    /// Per country (indexed by position in `countries`): (postcode prefix, route index), longest
    /// prefix first; an empty prefix is the country's default.
    rules: Vec<(Country, Vec<(String, usize)>)>,
}

impl RoutePlan {
    /// Builds a plan from routes and their postcode prefixes (`""` for the rest of the country).
    pub fn new(entries: Vec<(Route, Vec<&str>)>) -> RoutePlan {
        let mut routes = Vec::new();
        let mut rules: Vec<(Country, Vec<(String, usize)>)> = Vec::new();
        for (route, prefixes) in entries {
            let i = routes.len();
            let country = route.country;
            routes.push(route);
            let slot = match rules.iter().position(|(c, _)| *c == country) {
                Some(s) => s,
                None => {
                    rules.push((country, Vec::new()));
                    rules.len() - 1
                }
            };
            for p in prefixes {
                rules[slot].1.push((p.to_string(), i));
            }
        }
        for (_, r) in &mut rules {
            r.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        RoutePlan { routes, rules }
    }

    /// The route for a destination, or `None` when the plan has none.
    pub fn route_for(&self, country: Country, postcode: Option<&Postcode>) -> Option<&Route> {
        let (_, rules) = self.rules.iter().find(|(c, _)| *c == country)?;
        let pc = postcode.map_or("", |p| p.as_str());
        rules
            .iter()
            .find(|(prefix, _)| pc.starts_with(prefix.as_str()))
            .map(|(_, i)| &self.routes[*i])
    }

    /// Every route, in plan order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Hangar's default plan for the EU-27: one or more routes per member state with real
    /// national carriers, big countries split by postcode region.
    pub fn default_eu() -> RoutePlan {
        const PLAN: &[(&str, &str, &str, &[&str])] = &[
            ("AT-1", "Österreichische Post", "AT", &[""]),
            ("BE-1", "bpost", "BE", &[""]),
            ("BG-1", "Speedy", "BG", &[""]),
            ("CY-1", "Cyprus Post", "CY", &[""]),
            ("CZ-1", "PPL", "CZ", &[""]),
            ("DE-1", "DHL Paket", "DE", &["0", "1", "2", "3"]),
            ("DE-2", "DHL Paket", "DE", &["4", "5", "6"]),
            ("DE-3", "Hermes", "DE", &["7", "8", "9"]),
            ("DK-1", "PostNord", "DK", &[""]),
            ("EE-1", "Omniva", "EE", &[""]),
            ("ES-1", "Correos", "ES", &["0", "1", "2", "3", "4"]),
            ("ES-2", "Correos", "ES", &[""]),
            ("FI-1", "Posti", "FI", &[""]),
            (
                "FR-1",
                "Colissimo",
                "FR",
                &["75", "77", "78", "91", "92", "93", "94", "95"],
            ),
            ("FR-2", "Colissimo", "FR", &[""]),
            ("GR-1", "ELTA Courier", "GR", &[""]),
            ("HR-1", "Hrvatska pošta", "HR", &[""]),
            ("HU-1", "GLS Hungary", "HU", &[""]),
            ("IE-1", "An Post", "IE", &[""]),
            ("IT-1", "Poste Italiane", "IT", &["0", "1", "2", "3", "4"]),
            ("IT-2", "BRT", "IT", &[""]),
            ("LT-1", "DPD Lietuva", "LT", &[""]),
            ("LU-1", "POST Luxembourg", "LU", &[""]),
            ("LV-1", "DPD Latvija", "LV", &[""]),
            ("MT-1", "MaltaPost", "MT", &[""]),
            ("NL-1", "PostNL", "NL", &[""]),
            ("PL-1", "InPost", "PL", &[""]),
            ("PT-1", "CTT", "PT", &[""]),
            ("RO-1", "Sameday", "RO", &[""]),
            ("SE-1", "PostNord", "SE", &[""]),
            ("SI-1", "Pošta Slovenije", "SI", &[""]),
            ("SK-1", "Packeta", "SK", &[""]),
        ];
        let entries = PLAN
            .iter()
            .enumerate()
            .map(|(i, (id, carrier, country, prefixes))| {
                let route = Route {
                    id: (*id).to_string(),
                    carrier: (*carrier).to_string(),
                    country: Country::parse(country).expect("plan country"),
                    chute: FIRST_ROUTE_CHUTE + i as u16,
                };
                (route, prefixes.to_vec())
            })
            .collect();
        RoutePlan::new(entries)
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
    fn longest_prefix_wins_and_every_member_state_is_covered() {
        let plan = RoutePlan::default_eu();
        let (c, p) = pc("FR", "75011");
        assert_eq!(plan.route_for(c, Some(&p)).unwrap().id, "FR-1");
        let (c, p) = pc("FR", "69001");
        assert_eq!(plan.route_for(c, Some(&p)).unwrap().id, "FR-2");
        let (c, p) = pc("DE", "80331");
        assert_eq!(plan.route_for(c, Some(&p)).unwrap().id, "DE-3");
        for country in Country::eu27() {
            assert!(
                plan.route_for(country, None).is_some() || country.iso2() == "DE",
                "{country} has a route"
            );
        }
        assert!(
            plan.route_for(Country::parse("CH").unwrap(), None)
                .is_none()
        );
        let chutes: std::collections::HashSet<u16> =
            plan.routes().iter().map(|r| r.chute).collect();
        assert_eq!(chutes.len(), plan.routes().len());
        assert!(chutes.iter().all(|&c| c >= FIRST_ROUTE_CHUTE));
    }
}
