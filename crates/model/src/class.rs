//! Data classes and the hub's controls: what kind of data a field holds (so reads and exports
//! of it can be recorded and limited), and the settings whose changes are guarded.

use crate::Invalid;

/// What kind of data a stored field holds. Every field Hangar stores has exactly one class
/// (the data catalog says which); reads and exports are recorded and limited by class.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DataClass {
    /// Personal data under the GDPR: a natural person's name, address, postcode, contact.
    Personal,
    /// Commercially sensitive: seller identities, declared values, volumes, tariff mix,
    /// customer lists, customs risk findings.
    Commercial,
    /// What the hub needs to run and nobody outside learns much from: ids, stages, chutes,
    /// times, trucks.
    Operational,
    /// Published anyway: airport codes, flight numbers, tariff nomenclature, list entries.
    Public,
}

impl DataClass {
    /// Every class, most sensitive first.
    pub const ALL: [DataClass; 4] = [
        DataClass::Personal,
        DataClass::Commercial,
        DataClass::Operational,
        DataClass::Public,
    ];

    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DataClass::Personal => "personal",
            DataClass::Commercial => "commercial",
            DataClass::Operational => "operational",
            DataClass::Public => "public",
        }
    }

    /// Whether reads of it are recorded and exports of it outside the EU/EEA need a basis.
    pub fn is_sensitive(self) -> bool {
        matches!(self, DataClass::Personal | DataClass::Commercial)
    }

    /// Parses a class name.
    pub fn parse(s: &str) -> Result<DataClass, Invalid> {
        DataClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "a data class (personal, commercial, operational, public)",
                    s,
                )
            })
    }
}

/// A setting of the hub whose changes are versioned, attributed, logged with before and after,
/// and, when they weaken a control, approved by a second person.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Control {
    /// Destinations to carrier routes and chutes, and the special chutes (hold, reject, ...).
    RoutePlan,
    /// Customs rule tables: rates, VAT, duty, fees, the H7 ceiling and excluded goods.
    CustomsRules,
    /// Customs risk lists: description vs tariff code, restricted goods.
    RiskLists,
    /// Risk and screening thresholds, and which risk rules run.
    RiskThresholds,
    /// Declared egress flows: where data may leave the hub, and what.
    EgressFlows,
    /// How long each class of data is kept.
    Retention,
    /// Users and their roles.
    Users,
}

impl Control {
    /// Every control.
    pub const ALL: [Control; 7] = [
        Control::RoutePlan,
        Control::CustomsRules,
        Control::RiskLists,
        Control::RiskThresholds,
        Control::EgressFlows,
        Control::Retention,
        Control::Users,
    ];

    /// Kebab-case name (`route-plan`, `risk-thresholds`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Control::RoutePlan => "route-plan",
            Control::CustomsRules => "customs-rules",
            Control::RiskLists => "risk-lists",
            Control::RiskThresholds => "risk-thresholds",
            Control::EgressFlows => "egress-flows",
            Control::Retention => "retention",
            Control::Users => "users",
        }
    }

    /// Parses a control name.
    pub fn parse(s: &str) -> Result<Control, Invalid> {
        Control::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "a control (route-plan, customs-rules, risk-lists, risk-thresholds, egress-flows, retention, users)",
                    s,
                )
            })
    }
}

impl std::str::FromStr for DataClass {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        DataClass::parse(s)
    }
}

impl std::str::FromStr for Control {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Control::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in DataClass::ALL {
            assert_eq!(DataClass::parse(c.as_str()).unwrap(), c);
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        for c in Control::ALL {
            assert_eq!(Control::parse(c.as_str()).unwrap(), c);
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        assert!(DataClass::parse("secret").is_err());
        assert!(Control::parse("routes").is_err());
    }
}
