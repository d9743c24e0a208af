//! The day's customs stage: the customs engine (`hangar_customs::Engine`) decides each flight's
//! consignments together, as customs answers a flight's declarations, at the flight's
//! scheduled arrival. The decisions become the events the day records (CCD, RFI, HLD, RTS).

use hangar_customs::{Decision, Engine};
use hangar_model::{Date, Flight, FlightKey, Parcel};
use std::collections::HashMap;

/// Decisions for `parcels` (in their order), batch by batch in flight arrival order.
pub fn decide_day(
    parcels: &[Parcel],
    flights: &[Flight],
    engine: &mut Engine,
    date: Date,
) -> Vec<Decision> {
    let sta: HashMap<FlightKey, hangar_model::Timestamp> =
        flights.iter().map(|f| (f.key, f.sta)).collect();
    let mut order: Vec<usize> = (0..parcels.len()).collect();
    order.sort_by_key(|&i| (sta.get(&parcels[i].flight).copied(), parcels[i].flight, i));
    let mut out: Vec<Option<Decision>> = vec![None; parcels.len()];
    let mut batch: Vec<Parcel> = Vec::new();
    let mut idx: Vec<usize> = Vec::new();
    let mut flush =
        |batch: &mut Vec<Parcel>, idx: &mut Vec<usize>, out: &mut Vec<Option<Decision>>| {
            if let Some(first) = batch.first() {
                let at = sta.get(&first.flight).copied().unwrap_or_default();
                for (d, i) in engine
                    .decide_batch(batch, at, date)
                    .into_iter()
                    .zip(idx.iter())
                {
                    out[*i] = Some(d);
                }
            }
            batch.clear();
            idx.clear();
        };
    for i in order {
        if batch.first().is_some_and(|b| b.flight != parcels[i].flight) {
            flush(&mut batch, &mut idx, &mut out);
        }
        batch.push(parcels[i].clone());
        idx.push(i);
    }
    flush(&mut batch, &mut idx, &mut out);
    out.into_iter()
        .map(|d| d.expect("every parcel is in a batch"))
        .collect()
}
