//! The data catalog: every field Hangar stores, its data class and where it lives
//! (`data/catalog.toml`). Egress flows and access records name fields by the catalog's names; a
//! test walks the real databases and fails on any stored field the catalog does not list.

use hangar_model::DataClass;
use std::collections::BTreeMap;

/// One field.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Its name (`consignee.name`, `item.value`, ...), as flows and access records use it.
    pub name: String,
    /// Its class.
    pub class: DataClass,
    /// What it is, for people reading the catalog.
    pub about: String,
    /// Where it is stored (`events.db:parcels.doc$.consignee.name`, ...); empty for fields that
    /// only exist computed, in exports.
    #[serde(default)]
    pub stored: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    field: Vec<Field>,
}

/// A catalog problem.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct CatalogError {
    /// The catalog file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// The catalog.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Catalog {
    fields: Vec<Field>,
    #[serde(skip)]
    by_name: BTreeMap<String, usize>,
    #[serde(skip)]
    by_place: BTreeMap<String, usize>,
}

impl Catalog {
    /// Parses a catalog file; every name and place must appear once.
    pub fn parse(file: &str, text: &str) -> Result<Catalog, CatalogError> {
        let err = |message: String| CatalogError {
            file: file.to_string(),
            message,
        };
        let f: File = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut by_name = BTreeMap::new();
        let mut by_place = BTreeMap::new();
        for (i, field) in f.field.iter().enumerate() {
            if field.name.trim().is_empty() || field.about.trim().is_empty() {
                return Err(err(format!(
                    "field {}: expected a name and what it is (about)",
                    i + 1
                )));
            }
            if by_name.insert(field.name.clone(), i).is_some() {
                return Err(err(format!("field {:?} is listed twice", field.name)));
            }
            for place in &field.stored {
                if let Some(j) = by_place.insert(place.clone(), i) {
                    return Err(err(format!(
                        "{place} is claimed by both {:?} and {:?}",
                        f.field[j].name, field.name
                    )));
                }
            }
        }
        Ok(Catalog {
            fields: f.field,
            by_name,
            by_place,
        })
    }

    /// Hangar's catalog.
    pub fn builtin() -> Catalog {
        Catalog::parse(
            "catalog.toml (built in)",
            include_str!("../data/catalog.toml"),
        )
        .expect("the built-in catalog parses")
    }

    /// Every field, in catalog order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.by_name.get(name).map(|&i| &self.fields[i])
    }

    /// The class of the field named `name`.
    pub fn class_of(&self, name: &str) -> Option<DataClass> {
        self.field(name).map(|f| f.class)
    }

    /// The field stored at `place` (`events.db:parcels.dest_postcode`, ...).
    pub fn at(&self, place: &str) -> Option<&Field> {
        self.by_place.get(place).map(|&i| &self.fields[i])
    }

    /// Every place listed, with its field.
    pub fn places(&self) -> impl Iterator<Item = (&str, &Field)> {
        self.by_place
            .iter()
            .map(|(p, &i)| (p.as_str(), &self.fields[i]))
    }

    /// The distinct classes of `fields` (unknown names are left out), most sensitive first.
    pub fn classes<'a>(&self, fields: impl IntoIterator<Item = &'a str>) -> Vec<DataClass> {
        let mut c: Vec<DataClass> = fields
            .into_iter()
            .filter_map(|f| self.class_of(f))
            .collect();
        c.sort();
        c.dedup();
        c
    }

    /// The catalog as a Markdown page for people (docs/data-catalog.md).
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "# Data catalog\n\n\
             Every field Hangar stores, the class of data it holds and where it lives. This page is \
             generated from `crates/oversight/data/catalog.toml` (`hangar catalog --markdown`); \
             the server serves the same catalog at `GET /api/catalog`.\n\n\
             | class | what it means | what Hangar does with it |\n|---|---|---|\n\
             | personal | personal data under the GDPR: a natural person's name, address, postcode, login | every read is recorded; leaves the EU/EEA only with a declared transfer basis; erased after the retention period or on request |\n\
             | commercial | commercially sensitive: seller identities, declared values, volumes, tariff mix, customer lists, customs findings | every read is recorded; leaves the EU/EEA only with a declared basis |\n\
             | operational | what the hub needs to run: ids, stages, chutes, times, trucks, the records of reads and exports | shown to staff; exported only along declared flows |\n\
             | public | published anyway: flight numbers, airports | no limits |\n",
        );
        for class in DataClass::ALL {
            out.push_str(&format!("\n## {}\n\n", class.as_str()));
            out.push_str("| field | what it is | stored in |\n|---|---|---|\n");
            for f in self.fields.iter().filter(|f| f.class == class) {
                let stored = if f.stored.is_empty() {
                    "computed for exports only".to_string()
                } else {
                    f.stored
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join("<br>")
                };
                out.push_str(&format!("| `{}` | {} | {} |\n", f.name, f.about, stored));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_parses_and_classes_the_parties() {
        let c = Catalog::builtin();
        assert_eq!(c.class_of("consignee.name"), Some(DataClass::Personal));
        assert_eq!(c.class_of("consignor.name"), Some(DataClass::Commercial));
        assert_eq!(c.class_of("parcel.id"), Some(DataClass::Operational));
        assert_eq!(
            c.at("hangar.db:parcels.dest_postcode")
                .map(|f| f.name.as_str()),
            Some("consignee.postcode")
        );
        assert!(c.markdown().contains("| `consignee.name` |"));
    }

    #[test]
    fn a_place_claimed_twice_is_refused() {
        let t = r#"
            [[field]]
            name = "a"
            class = "personal"
            about = "x"
            stored = ["db:t.c"]
            [[field]]
            name = "b"
            class = "public"
            about = "y"
            stored = ["db:t.c"]
        "#;
        let e = Catalog::parse("c.toml", t).unwrap_err().to_string();
        assert!(e.contains("claimed by both"), "{e}");
    }
}
