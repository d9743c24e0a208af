//! Declared egress flows and the gate's decision. A flow says where data may go (endpoint,
//! recipient, jurisdiction), on what legal basis and for what purpose, which fields it may carry,
//! how many records a day, and for statistics the smallest group it may report. The gate lets
//! data out only along a declared flow: it removes fields the flow does not allow, suppresses
//! statistics groups that are too small, and refuses undeclared destinations, records over the
//! daily limit, and personal or commercially sensitive data bound outside the EU/EEA without a
//! declared transfer basis. The sending and the recording happen at the edge (`hangar-egress`).

use crate::catalog::Catalog;
use hangar_model::{Country, DataClass};
use std::collections::BTreeMap;

/// Most records one export may carry (larger exports are split by the caller).
pub const MAX_BATCH_RECORDS: usize = 10_000;
/// Most flows one declaration may hold.
pub const MAX_FLOWS: usize = 1_000;
/// Most fields one flow may allow.
pub const MAX_FIELDS: usize = 100;

/// What a flow carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// The parcels a carrier takes over, for last-mile delivery.
    CarrierManifest,
    /// Tracking events to a merchant's webhook.
    TrackingWebhook,
    /// Declarations to a customs authority.
    CustomsFiling,
    /// Aggregate statistics (to a parent company, a regulator).
    Statistics,
    /// Any other export of records.
    Export,
}

/// The legal ground for transferring personal or commercially sensitive data outside the
/// EU/EEA (GDPR chapter V; for non-personal data, the EU Data Act's safeguards).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferBasis {
    /// An adequacy decision for the destination (GDPR Art. 45).
    Adequacy,
    /// Standard contractual clauses (GDPR Art. 46(2)(c)).
    StandardClauses,
    /// Binding corporate rules (GDPR Art. 47).
    CorporateRules,
    /// A derogation for a specific situation (GDPR Art. 49), such as a contract with the data
    /// subject.
    Derogation,
}

/// One declared flow.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Its name (`carrier-DE-1`, `merchant-webhooks`, ...).
    pub id: String,
    /// What it carries.
    pub kind: FlowKind,
    /// Who receives the data.
    pub recipient: String,
    /// Where it goes: an `http://` or `https://` URL, or `file://` folder; data may go to this
    /// address or below it.
    pub endpoint: String,
    /// The recipient's jurisdiction (ISO 3166 code).
    pub jurisdiction: String,
    /// The legal basis of the processing (GDPR Art. 6, a law, a contract).
    pub legal_basis: String,
    /// For destinations outside the EU/EEA carrying personal or commercial data: the transfer
    /// basis.
    #[serde(default)]
    pub transfer_basis: Option<TransferBasis>,
    /// What the recipient does with it.
    pub purpose: String,
    /// The fields it may carry (catalog names).
    pub fields: Vec<String>,
    /// Most records a day (UTC).
    pub max_records_per_day: u64,
    /// For statistics: the smallest group reported; smaller groups are suppressed.
    #[serde(default)]
    pub min_group: u64,
}

impl Flow {
    /// Whether the recipient's jurisdiction is in the EU or EEA.
    pub fn in_eea(&self) -> bool {
        in_eea(&self.jurisdiction)
    }

    /// Whether `endpoint` is this flow's endpoint or below it.
    pub fn covers(&self, endpoint: &str) -> bool {
        endpoint == self.endpoint
            || (endpoint.starts_with(&self.endpoint)
                && (self.endpoint.ends_with('/')
                    || endpoint[self.endpoint.len()..].starts_with('/')))
    }
}

/// Whether an ISO country code is an EU or EEA member.
pub fn in_eea(code: &str) -> bool {
    Country::parse(code).is_ok_and(|c| c.is_eea())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowsFile {
    version: String,
    #[serde(default)]
    flow: Vec<Flow>,
}

/// The hub's declared flows (the `egress-flows` control).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Flows {
    /// The declaration's version name.
    pub version: String,
    /// The flows.
    pub flows: Vec<Flow>,
}

/// A declaration problem.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct FlowsError {
    /// The declaration file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

fn checked_endpoint(e: &str) -> Result<(), String> {
    let rest = e
        .strip_prefix("http://")
        .or_else(|| e.strip_prefix("https://"))
        .or_else(|| e.strip_prefix("file://"))
        .ok_or_else(|| format!("expected an http://, https:// or file:// address, got {e:?}"))?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(format!("expected an address after the scheme, got {e:?}"));
    }
    Ok(())
}

impl Flows {
    /// Parses and checks a declaration against the catalog: every field known, every
    /// jurisdiction a country, sensitive data outside the EU/EEA only with a transfer basis.
    pub fn parse(file: &str, text: &str, catalog: &Catalog) -> Result<Flows, FlowsError> {
        let err = |message: String| FlowsError {
            file: file.to_string(),
            message,
        };
        let f: FlowsFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if f.flow.len() > MAX_FLOWS {
            return Err(err(format!("expected at most {MAX_FLOWS} flows")));
        }
        let mut seen = BTreeMap::new();
        for fl in &f.flow {
            let at = |m: String| err(format!("flow {:?}: {m}", fl.id));
            if fl.id.is_empty()
                || fl.id.len() > 64
                || !fl
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(at("id: expected 1-64 letters, digits, - or _".into()));
            }
            if seen.insert(fl.id.clone(), ()).is_some() {
                return Err(at("declared twice".into()));
            }
            checked_endpoint(&fl.endpoint).map_err(|m| at(format!("endpoint: {m}")))?;
            if Country::parse(&fl.jurisdiction).is_err() {
                return Err(at(format!(
                    "jurisdiction: expected an ISO country code Hangar knows, got {:?}",
                    fl.jurisdiction
                )));
            }
            for (name, v) in [
                ("recipient", &fl.recipient),
                ("legal_basis", &fl.legal_basis),
                ("purpose", &fl.purpose),
            ] {
                if v.trim().is_empty() {
                    return Err(at(format!("{name}: expected a value")));
                }
            }
            if fl.fields.is_empty() || fl.fields.len() > MAX_FIELDS {
                return Err(at(format!("fields: expected 1 to {MAX_FIELDS} fields")));
            }
            for field in &fl.fields {
                if catalog.field(field).is_none() {
                    return Err(at(format!("fields: {field:?} is not in the data catalog")));
                }
            }
            let sensitive = catalog
                .classes(fl.fields.iter().map(String::as_str))
                .into_iter()
                .any(DataClass::is_sensitive);
            if sensitive && !fl.in_eea() && fl.transfer_basis.is_none() {
                return Err(at(format!(
                    "carries personal or commercial data to {} (outside the EU/EEA): expected a transfer_basis (adequacy, standard_clauses, corporate_rules or derogation)",
                    fl.jurisdiction
                )));
            }
            if fl.max_records_per_day == 0 {
                return Err(at("max_records_per_day: expected at least 1".into()));
            }
        }
        Ok(Flows {
            version: f.version,
            flows: f.flow,
        })
    }

    /// The flow named `id`.
    pub fn get(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.id == id)
    }
}

/// Data offered to the gate: named columns (catalog field names) and rows of values. For
/// statistics, each row is a group and `count_field` names the column holding its size.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Dataset {
    /// Column names (catalog fields).
    pub fields: Vec<String>,
    /// Rows, one value per column.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// For statistics: the column with each group's size.
    pub count_field: Option<String>,
}

/// What the gate lets out.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Cleared {
    /// The data as it may leave: only allowed fields, no small groups.
    pub data: Dataset,
    /// Fields removed because the flow does not allow them.
    pub removed: Vec<String>,
    /// Statistics groups suppressed for being smaller than the flow's minimum.
    pub suppressed: u64,
    /// The classes of the fields that leave.
    pub classes: Vec<DataClass>,
}

/// Why the gate refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No flow of that name is declared.
    #[error("no declared flow {0:?}: data leaves the hub only along declared flows")]
    Undeclared(String),
    /// The destination is not the flow's.
    #[error("{endpoint} is not flow {flow:?}'s declared endpoint ({declared})")]
    WrongEndpoint {
        /// The flow.
        flow: String,
        /// Where the data was to go.
        endpoint: String,
        /// Where the flow may go.
        declared: String,
    },
    /// A field no catalog entry classes.
    #[error("field {0:?} is not in the data catalog, so its class is unknown")]
    Unclassified(String),
    /// Sensitive data outside the EU/EEA without a basis.
    #[error(
        "{classes} data to {jurisdiction} (outside the EU/EEA) without a declared transfer basis"
    )]
    NoTransferBasis {
        /// The destination.
        jurisdiction: String,
        /// The sensitive classes.
        classes: String,
    },
    /// Over the flow's daily limit.
    #[error(
        "flow {flow:?} may carry {max} records a day; {sent} went today and this export has {records}"
    )]
    DailyLimit {
        /// The flow.
        flow: String,
        /// Its limit.
        max: u64,
        /// Already sent today.
        sent: u64,
        /// In this export.
        records: u64,
    },
    /// Too many records in one export.
    #[error("an export carries at most {MAX_BATCH_RECORDS} records; this one has {0} (split it)")]
    TooLarge(usize),
    /// Nothing the flow allows is left.
    #[error("flow {0:?} allows none of the fields offered")]
    NothingAllowed(String),
    /// A row does not match the columns.
    #[error("row {row}: expected {expected} values, got {got}")]
    Malformed {
        /// Row, from 1.
        row: usize,
        /// Columns.
        expected: usize,
        /// Values in the row.
        got: usize,
    },
}

/// The gate's decision for `data` offered to flow `flow_id` at `endpoint`, given how many
/// records the flow carried today already.
pub fn check(
    flows: &Flows,
    catalog: &Catalog,
    flow_id: &str,
    endpoint: &str,
    data: &Dataset,
    sent_today: u64,
) -> Result<Cleared, Refusal> {
    let flow = flows
        .get(flow_id)
        .ok_or_else(|| Refusal::Undeclared(flow_id.to_string()))?;
    if !flow.covers(endpoint) {
        return Err(Refusal::WrongEndpoint {
            flow: flow.id.clone(),
            endpoint: endpoint.to_string(),
            declared: flow.endpoint.clone(),
        });
    }
    if data.rows.len() > MAX_BATCH_RECORDS {
        return Err(Refusal::TooLarge(data.rows.len()));
    }
    for (i, r) in data.rows.iter().enumerate() {
        if r.len() != data.fields.len() {
            return Err(Refusal::Malformed {
                row: i + 1,
                expected: data.fields.len(),
                got: r.len(),
            });
        }
    }
    if let Some(f) = data.fields.iter().find(|f| catalog.field(f).is_none()) {
        return Err(Refusal::Unclassified(f.clone()));
    }
    // Sensitive data offered to a destination outside the EU/EEA without a transfer basis is
    // refused outright, even where the flow would strip it: the attempt itself is the finding.
    if !flow.in_eea() && flow.transfer_basis.is_none() {
        let offered = catalog.classes(data.fields.iter().map(String::as_str));
        let sensitive: Vec<&str> = offered
            .iter()
            .filter(|c| c.is_sensitive())
            .map(|c| c.as_str())
            .collect();
        if !sensitive.is_empty() {
            return Err(Refusal::NoTransferBasis {
                jurisdiction: flow.jurisdiction.clone(),
                classes: sensitive.join(" and "),
            });
        }
    }
    let keep: Vec<usize> = (0..data.fields.len())
        .filter(|&i| flow.fields.contains(&data.fields[i]))
        .collect();
    let removed: Vec<String> = (0..data.fields.len())
        .filter(|i| !keep.contains(i))
        .map(|i| data.fields[i].clone())
        .collect();
    if keep.is_empty() {
        return Err(Refusal::NothingAllowed(flow.id.clone()));
    }
    let fields: Vec<String> = keep.iter().map(|&i| data.fields[i].clone()).collect();
    let classes = catalog.classes(fields.iter().map(String::as_str));
    // Statistics: groups smaller than the minimum are suppressed.
    let count_col = data
        .count_field
        .as_ref()
        .and_then(|c| fields.iter().position(|f| f == c));
    let mut suppressed = 0;
    let rows: Vec<Vec<serde_json::Value>> = data
        .rows
        .iter()
        .filter(|r| {
            let small =
                count_col.is_some_and(|c| r[keep[c]].as_u64().unwrap_or(0) < flow.min_group);
            suppressed += u64::from(small);
            !small
        })
        .map(|r| keep.iter().map(|&i| r[i].clone()).collect())
        .collect();
    let records = rows.len() as u64;
    if sent_today.saturating_add(records) > flow.max_records_per_day {
        return Err(Refusal::DailyLimit {
            flow: flow.id.clone(),
            max: flow.max_records_per_day,
            sent: sent_today,
            records,
        });
    }
    Ok(Cleared {
        data: Dataset {
            fields,
            rows,
            count_field: data.count_field.clone(),
        },
        removed,
        suppressed,
        classes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flows() -> Flows {
        Flows::parse(
            "flows.toml",
            r#"
            version = "test"
            [[flow]]
            id = "carrier-DE"
            kind = "carrier_manifest"
            recipient = "DHL Paket"
            endpoint = "http://127.0.0.1:9/carriers/DE"
            jurisdiction = "DE"
            legal_basis = "GDPR Art. 6(1)(b)"
            purpose = "delivery"
            fields = ["parcel.id", "consignee.name", "consignee.postcode"]
            max_records_per_day = 3

            [[flow]]
            id = "parent-stats"
            kind = "statistics"
            recipient = "Parent Co."
            endpoint = "http://127.0.0.1:9/parent"
            jurisdiction = "CN"
            legal_basis = "legitimate interest: group reporting"
            purpose = "volumes per country"
            fields = ["consignee.country", "stats.parcels"]
            max_records_per_day = 100
            min_group = 10
            "#,
            &Catalog::builtin(),
        )
        .unwrap()
    }

    fn data(fields: &[&str], rows: Vec<Vec<serde_json::Value>>) -> Dataset {
        Dataset {
            fields: fields.iter().map(|s| s.to_string()).collect(),
            rows,
            count_field: None,
        }
    }

    #[test]
    fn fields_the_flow_does_not_allow_are_removed() {
        let d = data(
            &["parcel.id", "consignee.name", "item.value"],
            vec![vec![json!("RB1"), json!("Ann"), json!(100)]],
        );
        let c = check(
            &flows(),
            &Catalog::builtin(),
            "carrier-DE",
            "http://127.0.0.1:9/carriers/DE/batch",
            &d,
            0,
        )
        .unwrap();
        assert_eq!(c.removed, vec!["item.value"]);
        assert_eq!(c.data.fields, vec!["parcel.id", "consignee.name"]);
        assert_eq!(c.data.rows, vec![vec![json!("RB1"), json!("Ann")]]);
        assert_eq!(c.classes, vec![DataClass::Personal, DataClass::Operational]);
    }

    #[test]
    fn undeclared_flows_other_endpoints_and_daily_limits_are_refused() {
        let (f, c) = (flows(), Catalog::builtin());
        let d = data(&["parcel.id"], vec![vec![json!("RB1")], vec![json!("RB2")]]);
        assert!(matches!(
            check(&f, &c, "analytics", "http://x/", &d, 0),
            Err(Refusal::Undeclared(_))
        ));
        assert!(matches!(
            check(
                &f,
                &c,
                "carrier-DE",
                "http://127.0.0.1:9/carriers/DEX",
                &d,
                0
            ),
            Err(Refusal::WrongEndpoint { .. })
        ));
        assert!(matches!(
            check(
                &f,
                &c,
                "carrier-DE",
                "http://127.0.0.1:9/carriers/DE",
                &d,
                2
            ),
            Err(Refusal::DailyLimit { .. })
        ));
        let odd = data(
            &["parcel.id", "secret.thing"],
            vec![vec![json!(1), json!(2)]],
        );
        assert!(matches!(
            check(
                &f,
                &c,
                "carrier-DE",
                "http://127.0.0.1:9/carriers/DE",
                &odd,
                0
            ),
            Err(Refusal::Unclassified(_))
        ));
    }

    #[test]
    fn statistics_suppress_small_groups_and_keep_sensitive_data_home() {
        let (f, c) = (flows(), Catalog::builtin());
        let mut d = data(
            &["consignee.country", "stats.parcels"],
            vec![vec![json!("DE"), json!(500)], vec![json!("MT"), json!(3)]],
        );
        d.count_field = Some("stats.parcels".into());
        let ok = check(&f, &c, "parent-stats", "http://127.0.0.1:9/parent", &d, 0).unwrap();
        assert_eq!(ok.suppressed, 1);
        assert_eq!(ok.data.rows.len(), 1);
        // The parent company (outside the EU/EEA, no transfer basis) asks for declared values
        // too: refused outright, not quietly stripped.
        let mut v = data(
            &["consignee.country", "stats.parcels", "stats.value"],
            vec![vec![json!("DE"), json!(500), json!(123456)]],
        );
        v.count_field = Some("stats.parcels".into());
        let e = check(&f, &c, "parent-stats", "http://127.0.0.1:9/parent", &v, 0).unwrap_err();
        assert!(matches!(e, Refusal::NoTransferBasis { .. }), "{e}");
        assert!(e.to_string().contains("commercial"), "{e}");
    }

    #[test]
    fn a_declaration_sending_sensitive_data_abroad_needs_a_basis() {
        let text = r#"
            version = "bad"
            [[flow]]
            id = "parent-raw"
            kind = "export"
            recipient = "Parent Co."
            endpoint = "https://parent.example/raw"
            jurisdiction = "CN"
            legal_basis = "group policy"
            purpose = "analytics"
            fields = ["parcel.id", "consignor.name", "item.value"]
            max_records_per_day = 1000000
        "#;
        let e = Flows::parse("flows.toml", text, &Catalog::builtin())
            .unwrap_err()
            .to_string();
        assert!(e.contains("transfer_basis"), "{e}");
        let unknown = text
            .replace("CN", "DE")
            .replace("\"item.value\"", "\"item.colour\"");
        let e = Flows::parse("flows.toml", &unknown, &Catalog::builtin())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not in the data catalog"), "{e}");
    }
}
