//! Exports a person asks for: parcels' fields sent along a declared flow, through the egress
//! gate, in batches the gate accepts. The gate decides what may leave and records it.

use crate::{Hub, HubError};
use hangar_egress::{ExportError, Offer, Receipt};
use hangar_model::{Actor, Parcel, ParcelState};
use hangar_oversight::flows::{Dataset, MAX_BATCH_RECORDS};
use serde_json::{Value, json};

/// Most parcels one export request may take.
pub const MAX_EXPORT_PARCELS: usize = 100_000;

/// What to send.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// The declared flow.
    pub flow: String,
    /// Only parcels in this board stage (`held`, `at_chute`, `handed_over`, ...); all if absent.
    #[serde(default)]
    pub stage: Option<String>,
    /// The catalog fields offered; the gate removes those the flow does not carry.
    pub fields: Vec<String>,
    /// Most parcels (default and at most `MAX_EXPORT_PARCELS`).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// What an export sent: one receipt per batch.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExportReceipt {
    /// The flow.
    pub flow: String,
    /// Records sent in all.
    pub records: u64,
    /// Each batch the gate let out.
    pub batches: Vec<Receipt>,
}

/// Why an export was not (wholly) done.
#[derive(Debug, thiserror::Error)]
pub enum ExportFailure {
    /// The request does not make sense; nothing was sent.
    #[error("{field}: expected {expected}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// What was expected.
        expected: String,
    },
    /// This hub has no egress gate (it serves a finished day); nothing was sent.
    #[error("this hub sends nothing out (no egress gate)")]
    NoGate,
    /// The gate refused, a send failed or the store failed after `sent` (earlier batches left
    /// and are recorded).
    #[error("{error} (after {} records sent)", sent.records)]
    Gate {
        /// What had left before.
        sent: ExportReceipt,
        /// Why the next batch did not.
        error: ExportError,
    },
    /// The store failed.
    #[error(transparent)]
    Hub(#[from] HubError),
}

impl Hub {
    /// Sends the fields `r` offers of the parcels it selects along its flow, as `actor`.
    pub fn export(&self, r: &ExportRequest, actor: Actor) -> Result<ExportReceipt, ExportFailure> {
        let invalid = |field, expected: &str| ExportFailure::Invalid {
            field,
            expected: expected.into(),
        };
        if r.fields.is_empty() || r.fields.len() > 64 {
            return Err(invalid(
                "fields",
                "1 to 64 catalog fields to offer (see the data catalog)",
            ));
        }
        if let Some(s) = &r.stage
            && !ParcelState::BOARD_STAGES.contains(&s.as_str())
        {
            return Err(invalid(
                "stage",
                &format!("one of {}", ParcelState::BOARD_STAGES.join(", ")),
            ));
        }
        let limit = r.limit.unwrap_or(MAX_EXPORT_PARCELS);
        if limit == 0 || limit > MAX_EXPORT_PARCELS {
            return Err(invalid(
                "limit",
                &format!("1 to {MAX_EXPORT_PARCELS} parcels"),
            ));
        }
        let gate = self.gate.clone().ok_or(ExportFailure::NoGate)?;
        let mut ids = Vec::new();
        self.store
            .for_each_parcel_state(&mut |id, s| {
                if ids.len() < limit && r.stage.as_deref().is_none_or(|w| w == s.board_stage()) {
                    ids.push((id, s));
                }
            })
            .map_err(HubError::from)?;
        let mut sent = ExportReceipt {
            flow: r.flow.clone(),
            records: 0,
            batches: Vec::new(),
        };
        // No parcel selected: one empty batch, so the gate still decides on (and records) the
        // request itself.
        let mut chunks: Vec<&[(hangar_model::S10Id, ParcelState)]> =
            ids.chunks(MAX_BATCH_RECORDS).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        for chunk in chunks {
            let mut rows = Vec::with_capacity(chunk.len());
            for (id, s) in chunk {
                // Earlier batches may have left: a failure now says what did.
                match self.store.parcel(id) {
                    Ok(Some(p)) => {
                        rows.push(r.fields.iter().map(|f| field_value(&p, s, f)).collect())
                    }
                    Ok(None) => {}
                    Err(e) => {
                        return Err(ExportFailure::Gate {
                            sent,
                            error: ExportError::Store(e),
                        });
                    }
                }
            }
            let offer = Offer {
                flow: r.flow.clone(),
                endpoint: None,
                data: Dataset {
                    fields: r.fields.clone(),
                    rows,
                    count_field: None,
                },
                actor,
                at: self.now(),
            };
            match gate.export(offer) {
                Ok(receipt) => {
                    sent.records += receipt.records;
                    sent.batches.push(receipt);
                }
                Err(error) => return Err(ExportFailure::Gate { sent, error }),
            }
        }
        Ok(sent)
    }
}

/// A parcel's value for a catalog field, where the export knows how to fill it (null where
/// it does not).
pub fn field_value(p: &Parcel, s: &ParcelState, f: &str) -> Value {
    let party = |x: &hangar_model::Party, what: &str| match what {
        "name" => json!(x.name),
        "address" => json!(format!("{}, {}", x.address, x.city)),
        "postcode" => json!(x.postcode.map(|c| c.to_string())),
        _ => json!(x.country.iso2()),
    };
    match f {
        "parcel.id" => json!(p.id.to_string()),
        "parcel.mawb" => json!(p.mawb.to_string()),
        "parcel.flight" => json!(p.flight.to_string()),
        "parcel.uld" => json!(p.uld.to_string()),
        "parcel.bag" => json!(p.bag.to_string()),
        "parcel.weight" | "item.weight" => json!(p.weight().0),
        "parcel.ioss" => json!(p.ioss.as_cell()),
        "item.value" => json!(p.value().cents),
        "item.hs" => json!(p.items.iter().map(|i| i.hs.to_string()).collect::<Vec<_>>()),
        "item.description" => json!(
            p.items
                .iter()
                .map(|i| i.description.clone())
                .collect::<Vec<_>>()
        ),
        "item.quantity" => json!(p.items.iter().map(|i| i.quantity).sum::<u32>()),
        "item.sku" => json!(p.items.iter().map(|i| i.sku.clone()).collect::<Vec<_>>()),
        "item.origin" => json!(p.items.iter().map(|i| i.origin.iso2()).collect::<Vec<_>>()),
        "route.id" => json!(s.route),
        "truck.id" => json!(s.truck.map(|t| t.to_string())),
        "event.milestone" => json!(format!("{:?}", s.stage)),
        other => match other.split_once('.') {
            Some(("consignee", w)) => party(&p.consignee, w),
            Some(("consignor", w)) => party(&p.consignor, w),
            _ => Value::Null,
        },
    }
}
