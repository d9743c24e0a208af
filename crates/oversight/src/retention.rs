//! How long each class of data is kept (the `retention` control) and which parcels are due.
//! Personal data is erased after its period (the parties' names, addresses and postcodes, and
//! the salt of their commitment in the log); commercially sensitive data after its own, longer
//! period (customs requires declarations to be kept), with the whole parcel record.

use hangar_model::{DataClass, Timestamp};

/// Shortest period Hangar accepts, days (a day's parcels must be able to leave the hub).
pub const MIN_DAYS: u32 = 1;
/// Longest period, days (ten years).
pub const MAX_DAYS: u32 = 3_653;

/// The policy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The policy's version name.
    pub version: String,
    /// Days personal data is kept after a parcel is manifested.
    pub personal_days: u32,
    /// Days commercially sensitive data (the parcel record) is kept.
    pub commercial_days: u32,
}

impl Policy {
    /// Hangar's default: personal data 90 days, commercial data 3 years (customs record keeping).
    pub fn builtin() -> Policy {
        Policy::parse("retention.toml (built in)", BUILTIN).expect("the built-in policy parses")
    }

    /// Parses and checks a policy.
    pub fn parse(file: &str, text: &str) -> Result<Policy, String> {
        let p: Policy = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        for (name, d) in [
            ("personal_days", p.personal_days),
            ("commercial_days", p.commercial_days),
        ] {
            if !(MIN_DAYS..=MAX_DAYS).contains(&d) {
                return Err(format!(
                    "{file}: {name}: expected {MIN_DAYS} to {MAX_DAYS} days, got {d}"
                ));
            }
        }
        if p.commercial_days < p.personal_days {
            return Err(format!(
                "{file}: commercial_days: expected at least personal_days ({}): the parcel record holds the personal data",
                p.personal_days
            ));
        }
        Ok(p)
    }

    /// The classes of a parcel manifested at `manifested` that are due for erasure at `now`.
    pub fn due(&self, manifested: Timestamp, now: Timestamp) -> Vec<DataClass> {
        let age_days = (now.unix_ms() - manifested.unix_ms()).max(0) / 86_400_000;
        let mut c = Vec::new();
        if age_days >= i64::from(self.personal_days) {
            c.push(DataClass::Personal);
        }
        if age_days >= i64::from(self.commercial_days) {
            c.push(DataClass::Commercial);
        }
        c
    }
}

/// The built-in policy document.
pub const BUILTIN: &str =
    "# How long Hangar keeps each class of data, counted from the day a parcel is manifested.
version = \"retention 2026-12 (built in)\"
# Buyers' names, addresses and postcodes: long enough to deliver, answer complaints and returns.
personal_days = 90
# The parcel record (sellers, goods, values): customs requires declarations to be kept 3 years.
commercial_days = 1096
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parcels_fall_due_class_by_class() {
        let p = Policy::builtin();
        let t0 = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        assert!(p.due(t0, t0.plus_min(60 * 24 * 89)).is_empty());
        assert_eq!(
            p.due(t0, t0.plus_min(60 * 24 * 90)),
            vec![DataClass::Personal]
        );
        assert_eq!(
            p.due(t0, t0.plus_min(60 * 24 * 1096)),
            vec![DataClass::Personal, DataClass::Commercial]
        );
        assert!(
            Policy::parse(
                "r",
                "version = \"x\"\npersonal_days = 0\ncommercial_days = 5"
            )
            .is_err()
        );
        assert!(
            Policy::parse(
                "r",
                "version = \"x\"\npersonal_days = 50\ncommercial_days = 5"
            )
            .is_err()
        );
    }
}
