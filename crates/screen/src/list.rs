//! Denied-party lists and the files they come in.
//!
//! Two formats load:
//! - **Hangar's list file** (TOML): `[[list]]` blocks (id, title, threshold) and `[[entity]]`
//!   blocks (id, list, kind, programme, names in any script, countries, addresses). The
//!   built-in fixture (`data/fixture-list.toml`) is one.
//! - **The EU Consolidated Financial Sanctions List, CSV export** (file format 1.1, as published
//!   on the Financial Sanctions Files page of the European Commission): UTF-8, `;`-separated,
//!   one row per name alias, address, birth date or identification of an entity, rows of one
//!   entity sharing `Entity_LogicalId`. Columns are found by their header names; only
//!   `Entity_LogicalId` and `NameAlias_WholeName` are required.
//!
//! Every problem names the file, the line where there is one, the field and what was expected.

use serde::Deserialize;
use std::collections::HashMap;

/// Default score a name must reach to count as a match on a list.
pub const DEFAULT_THRESHOLD: f32 = 0.88;
/// Most entities one list file may hold.
pub const MAX_ENTITIES: usize = 500_000;
/// Most names (aliases) one entity may have.
pub const MAX_NAMES: usize = 200;

/// A problem in a list file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}: {field}: {expected}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ListError {
    /// The file.
    pub file: String,
    /// Line, where known.
    pub line: Option<u64>,
    /// The field or block.
    pub field: String,
    /// What was expected, and what was found.
    pub expected: String,
}

fn err(
    file: &str,
    line: Option<u64>,
    field: impl Into<String>,
    expected: impl Into<String>,
) -> ListError {
    ListError {
        file: file.to_string(),
        line,
        field: field.into(),
        expected: expected.into(),
    }
}

/// One list (a regime's or an authority's), with its own threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct List {
    /// Short id (`UN`, `EU`, ...).
    pub id: String,
    /// What it is.
    pub title: String,
    /// Score a name must reach to be a match on this list.
    pub threshold: f32,
}

/// Natural person or organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A natural person.
    Person,
    /// A company, bank, group or any other body.
    Organisation,
}

/// One listed party.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// Reference on its list.
    pub id: String,
    /// Index into `ListSet::lists`.
    pub list: u16,
    /// Person or organisation.
    pub kind: Kind,
    /// Regime or programme.
    pub programme: String,
    /// Names and aliases, in any script; the first is the listed name.
    pub names: Vec<String>,
    /// ISO 3166-1 alpha-2 codes (seat, nationality, addresses), upper case.
    pub countries: Vec<[u8; 2]>,
    /// Addresses, free text.
    pub addresses: Vec<String>,
}

/// Lists and their entities.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListSet {
    /// The lists.
    pub lists: Vec<List>,
    /// Every entity of every list.
    pub entities: Vec<Entity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    title: Option<String>,
    #[allow(dead_code)]
    published: Option<String>,
    #[serde(default)]
    list: Vec<ListFile>,
    #[serde(default)]
    entity: Vec<EntityFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListFile {
    id: String,
    title: String,
    threshold: Option<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityFile {
    id: String,
    list: String,
    kind: Kind,
    #[serde(default)]
    programme: String,
    names: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
    #[serde(default)]
    addresses: Vec<String>,
}

/// The built-in fixture: a hand-made excerpt of public EU and UN entries, for tests and demos.
pub const FIXTURE: &str = include_str!("../data/fixture-list.toml");

/// Parses an ISO alpha-2 country code.
pub fn country_code(s: &str) -> Option<[u8; 2]> {
    let b = s.trim().as_bytes();
    (b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic))
        .then(|| [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()])
}

fn check_threshold(file: &str, field: &str, t: f32) -> Result<f32, ListError> {
    if (0.5..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(err(
            file,
            None,
            field,
            format!("expected a threshold between 0.5 and 1.0, got {t}"),
        ))
    }
}

impl ListSet {
    /// The built-in fixture list.
    pub fn fixture() -> ListSet {
        ListSet::parse_toml("fixture-list.toml (built in)", FIXTURE)
            .expect("the built-in fixture list is valid")
    }

    /// Parses Hangar's list file.
    pub fn parse_toml(file: &str, text: &str) -> Result<ListSet, ListError> {
        let f: File = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1) as u64);
            err(file, line, "toml", e.message().to_string())
        })?;
        let mut set = ListSet::default();
        for l in f.list {
            if set.lists.iter().any(|x| x.id == l.id) {
                return Err(err(
                    file,
                    None,
                    format!("list {}", l.id),
                    "expected each list id once",
                ));
            }
            let threshold = check_threshold(
                file,
                &format!("list {}: threshold", l.id),
                l.threshold.unwrap_or(DEFAULT_THRESHOLD),
            )?;
            set.lists.push(List {
                id: l.id,
                title: l.title,
                threshold,
            });
        }
        if f.entity.len() > MAX_ENTITIES {
            return Err(err(
                file,
                None,
                "entity",
                format!("expected at most {MAX_ENTITIES} entities"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for e in f.entity {
            let at = format!("entity {}", e.id);
            if !seen.insert(e.id.clone()) {
                return Err(err(file, None, at, "expected each entity id once"));
            }
            let list = set
                .lists
                .iter()
                .position(|l| l.id == e.list)
                .ok_or_else(|| {
                    err(
                        file,
                        None,
                        format!("{at}: list"),
                        format!("expected one of the [[list]] ids, got {:?}", e.list),
                    )
                })?;
            let names: Vec<String> = e
                .names
                .iter()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect();
            if names.is_empty() || names.len() > MAX_NAMES {
                return Err(err(
                    file,
                    None,
                    format!("{at}: names"),
                    format!("expected 1 to {MAX_NAMES} names"),
                ));
            }
            let countries = e
                .countries
                .iter()
                .map(|c| {
                    country_code(c).ok_or_else(|| {
                        err(
                            file,
                            None,
                            format!("{at}: countries"),
                            format!("expected ISO 3166 alpha-2 codes, got {c:?}"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            set.entities.push(Entity {
                id: e.id,
                list: list as u16,
                kind: e.kind,
                programme: e.programme,
                names,
                countries,
                addresses: e.addresses,
            });
        }
        Ok(set)
    }

    /// Parses the EU consolidated list's CSV export; its entities go on one list `list_id`.
    pub fn parse_eu_csv(
        file: &str,
        bytes: &[u8],
        list_id: &str,
        threshold: f32,
    ) -> Result<ListSet, ListError> {
        let threshold = check_threshold(file, "threshold", threshold)?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .has_headers(true)
            .from_reader(bytes);
        let headers = rdr
            .headers()
            .map_err(|e| {
                err(
                    file,
                    Some(1),
                    "header",
                    format!("expected a `;`-separated header line ({e})"),
                )
            })?
            .clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let need = |name: &str| {
            col(name).ok_or_else(|| {
                err(
                    file,
                    Some(1),
                    name,
                    "expected this column of the EU consolidated list CSV (file format 1.1)",
                )
            })
        };
        let id_col = need("Entity_LogicalId")?;
        let name_col = need("NameAlias_WholeName")?;
        let ref_col = col("Entity_EU_ReferenceNumber");
        let kind_col =
            col("Entity_SubjectType_ClassificationCode").or_else(|| col("Entity_SubjectType"));
        let prog_col = col("Entity_Regulation_Programme");
        let country_cols: Vec<usize> = [
            "Address_CountryIso2Code",
            "Citizenship_CountryIso2Code",
            "BirthDate_CountryIso2Code",
        ]
        .iter()
        .filter_map(|c| col(c))
        .collect();
        let street_col = col("Address_Street");
        let city_col = col("Address_City");
        let mut set = ListSet {
            lists: vec![List {
                id: list_id.to_string(),
                title: "EU Consolidated Financial Sanctions List".into(),
                threshold,
            }],
            entities: Vec::new(),
        };
        let mut by_id: HashMap<u64, usize> = HashMap::new();
        let mut record = csv::StringRecord::new();
        loop {
            let line = rdr.position().line();
            match rdr.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    return Err(err(
                        file,
                        Some(line),
                        "row",
                        format!("expected a CSV row ({e})"),
                    ));
                }
            }
            let line = record.position().map(|p| p.line()).unwrap_or(line);
            let cell =
                |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim).unwrap_or("");
            let raw_id = cell(Some(id_col));
            if raw_id.is_empty() && record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let logical: u64 = raw_id.parse().map_err(|_| {
                err(
                    file,
                    Some(line),
                    "Entity_LogicalId",
                    format!("expected a number, got {raw_id:?}"),
                )
            })?;
            let idx = match by_id.get(&logical) {
                Some(i) => *i,
                None => {
                    if set.entities.len() >= MAX_ENTITIES {
                        return Err(err(
                            file,
                            Some(line),
                            "Entity_LogicalId",
                            format!("expected at most {MAX_ENTITIES} entities"),
                        ));
                    }
                    let reference = cell(ref_col);
                    let kind = match cell(kind_col).to_ascii_lowercase().as_str() {
                        "person" | "p" => Kind::Person,
                        _ => Kind::Organisation,
                    };
                    set.entities.push(Entity {
                        id: if reference.is_empty() {
                            format!("EU-{logical}")
                        } else {
                            reference.to_string()
                        },
                        list: 0,
                        kind,
                        programme: cell(prog_col).to_string(),
                        names: Vec::new(),
                        countries: Vec::new(),
                        addresses: Vec::new(),
                    });
                    by_id.insert(logical, set.entities.len() - 1);
                    set.entities.len() - 1
                }
            };
            let e = &mut set.entities[idx];
            let name = cell(Some(name_col));
            if !name.is_empty() && !e.names.iter().any(|n| n == name) && e.names.len() < MAX_NAMES {
                e.names.push(name.to_string());
            }
            for &c in &country_cols {
                if let Some(code) = country_code(cell(Some(c))).filter(|c| c != b"00")
                    && !e.countries.contains(&code)
                {
                    e.countries.push(code);
                }
            }
            let address = [cell(street_col), cell(city_col)]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            if !address.is_empty()
                && !e.addresses.contains(&address)
                && e.addresses.len() < MAX_NAMES
            {
                e.addresses.push(address);
            }
        }
        set.entities.retain(|e| !e.names.is_empty());
        Ok(set)
    }

    /// Parses a list file of either format, by its content: the EU CSV export starts with
    /// its header line; anything else is read as Hangar's TOML.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<ListSet, ListError> {
        let head = &bytes[..bytes.len().min(4096)];
        let text_head = String::from_utf8_lossy(head);
        if text_head.contains("Entity_LogicalId") {
            return ListSet::parse_eu_csv(file, bytes, "EU", DEFAULT_THRESHOLD);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|e| err(file, None, "encoding", format!("expected UTF-8 text ({e})")))?;
        ListSet::parse_toml(file, text)
    }

    /// Adds another set's lists and entities (a list id already present is merged into it).
    pub fn merge(&mut self, other: ListSet) {
        let map: Vec<u16> = other
            .lists
            .into_iter()
            .map(|l| match self.lists.iter().position(|x| x.id == l.id) {
                Some(i) => i as u16,
                None => {
                    self.lists.push(l);
                    (self.lists.len() - 1) as u16
                }
            })
            .collect();
        for mut e in other.entities {
            e.list = map[usize::from(e.list)];
            self.entities.push(e);
        }
    }

    /// Sets the threshold of list `id`.
    pub fn set_threshold(&mut self, id: &str, threshold: f32) -> Result<(), ListError> {
        let t = check_threshold("thresholds", id, threshold)?;
        let l = self
            .lists
            .iter_mut()
            .find(|l| l.id == id)
            .ok_or_else(|| err("thresholds", None, id, "expected the id of a loaded list"))?;
        l.threshold = t;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_loads() {
        let set = ListSet::fixture();
        assert!(set.entities.len() >= 50);
        assert!(set.lists.iter().any(|l| l.id == "UN") && set.lists.iter().any(|l| l.id == "EU"));
        assert!(
            set.entities
                .iter()
                .any(|e| e.names.iter().any(|n| n == "KOMID"))
        );
    }

    #[test]
    fn toml_problems_are_named() {
        let e = ListSet::parse_toml("l.toml", "[[list]]\nid = \"X\"\ntitle = \"x\"\n[[entity]]\nid = \"1\"\nlist = \"Y\"\nkind = \"person\"\nnames = [\"A B\"]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "l.toml: entity 1: list: expected one of the [[list]] ids, got \"Y\""
        );
        let e = ListSet::parse_toml("l.toml", "[[list]]\nid = \"X\"\ntitle = \"x\"\n[[entity]]\nid = \"1\"\nlist = \"X\"\nkind = \"robot\"\nnames = [\"A B\"]\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("l.toml:7: toml: unknown variant `robot`"),
            "{e}"
        );
        let e = ListSet::parse_toml("l.toml", "[[list]]\nid = \"X\"\ntitle = \"x\"\n[[entity]]\nid = \"1\"\nlist = \"X\"\nkind = \"person\"\nnames = [\"A B\"]\ncountries = [\"RUS\"]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "l.toml: entity 1: countries: expected ISO 3166 alpha-2 codes, got \"RUS\""
        );
    }

    const EU: &str = "\u{feff}fileGenerationDate;Entity_LogicalId;Entity_EU_ReferenceNumber;Entity_UnitedNationId;Entity_SubjectType;Entity_SubjectType_ClassificationCode;Entity_Regulation_Programme;NameAlias_LastName;NameAlias_FirstName;NameAlias_MiddleName;NameAlias_WholeName;Address_City;Address_Street;Address_CountryIso2Code;Address_CountryDescription;Citizenship_CountryIso2Code\n\
01/11/2026;13;EU.27.28;;P;person;IRQ;Hussein Al-Tikriti;Saddam;;Saddam Hussein Al-Tikriti;;;;;IQ\n\
01/11/2026;13;EU.27.28;;P;person;IRQ;;;;Abu Ali;;;;;\n\
01/11/2026;42;EU.11.3;;E;enterprise;SYR;;;;Commercial Bank of Syria;Damascus;Moawiya Street;SY;SYRIAN ARAB REPUBLIC;\n\
01/11/2026;42;EU.11.3;;E;enterprise;SYR;;;;;Latakia;;SY;SYRIAN ARAB REPUBLIC;\n\
;;;;;;;;;;;;;;;\n";

    #[test]
    fn the_eu_csv_export_loads_entity_by_entity() {
        let set = ListSet::parse("eu.csv", EU.as_bytes()).unwrap();
        assert_eq!(set.entities.len(), 2);
        let s = &set.entities[0];
        assert_eq!((s.id.as_str(), s.kind), ("EU.27.28", Kind::Person));
        assert_eq!(s.names, ["Saddam Hussein Al-Tikriti", "Abu Ali"]);
        assert_eq!(s.countries, [*b"IQ"]);
        let b = &set.entities[1];
        assert_eq!((b.kind, b.programme.as_str()), (Kind::Organisation, "SYR"));
        assert_eq!(b.addresses, ["Moawiya Street, Damascus", "Latakia"]);
        assert_eq!(b.countries, [*b"SY"]);
    }

    #[test]
    fn eu_csv_problems_name_the_line() {
        let bad = EU.replace(
            "01/11/2026;42;EU.11.3;;E;enterprise;SYR;;;;;Latakia",
            "01/11/2026;4x2;EU.11.3;;E;enterprise;SYR;;;;;Latakia",
        );
        assert_eq!(
            ListSet::parse("eu.csv", bad.as_bytes())
                .unwrap_err()
                .to_string(),
            "eu.csv:5: Entity_LogicalId: expected a number, got \"4x2\""
        );
        let e = ListSet::parse_eu_csv("eu.csv", b"Entity_LogicalId;Name\n1;x\n", "EU", 0.9)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "eu.csv:1: NameAlias_WholeName: expected this column of the EU consolidated list CSV (file format 1.1)"
        );
    }
}
