//! How the day's sort stage reaches the sort host. The demo drives it over TCP (the real sorter
//! protocol); tests and in-process runs use `LocalSortHost`, the same decision function without
//! the network.

use crate::sim::SimParcel;
use hangar_model::{DischargeOutcome, S10Id, Timestamp};
use hangar_sort::telegram::{Barcode, Read, Request};
use hangar_sort::{ChuteStates, Customs, ParcelInfo, Plan, decide};
use std::collections::HashMap;

/// A failure talking to the sort host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sort host: {0}")]
pub struct HostError(pub String);

/// The sort host as the day sees it.
pub trait SortHost {
    /// Where an inducted item goes: its chute. `parcel` is `None` when the scan tunnel read
    /// nothing.
    fn request(
        &mut self,
        sorter: u8,
        parcel: Option<S10Id>,
        recirculations: u8,
        at: Timestamp,
    ) -> Result<u16, HostError>;

    /// Reports a discharge; `true` when the host records it (so the day must not record it too).
    fn confirm(
        &mut self,
        sorter: u8,
        parcel: S10Id,
        chute: u16,
        outcome: DischargeOutcome,
        pass: u8,
        at: Timestamp,
    ) -> Result<bool, HostError>;

    /// Learns a customs decision (the host holds parcels customs has not released).
    fn customs(&mut self, parcel: S10Id, released: bool);
}

/// The decision function in process, over what the day knows of each parcel.
pub struct LocalSortHost {
    plan: Plan,
    directory: HashMap<S10Id, ParcelInfo>,
    chutes: ChuteStates,
}

impl LocalSortHost {
    /// A host knowing `parcels` (customs not yet decided).
    pub fn new(plan: &Plan, parcels: &[SimParcel]) -> LocalSortHost {
        let directory = parcels.iter().map(|p| (p.id(), p.info())).collect();
        LocalSortHost {
            plan: plan.clone(),
            directory,
            chutes: ChuteStates::default(),
        }
    }
}

/// The destination request for an item.
pub fn request(parcel: Option<S10Id>, recirculations: u8, at: Timestamp) -> Request {
    let mut barcodes = [Barcode::default(); 3];
    if let Some(id) = parcel {
        barcodes[0] = Barcode::new(id.as_str()).expect("an S10 id fits a barcode");
    }
    Request {
        item: 0,
        read: if parcel.is_some() {
            Read::Good
        } else {
            Read::NoRead
        },
        barcodes,
        count: u8::from(parcel.is_some()),
        weight_g: 0,
        dims_mm: [0; 3],
        scanner: 1,
        recirculations,
        time_ms: (at.unix_ms().rem_euclid(86_400_000)) as u32,
    }
}

impl SortHost for LocalSortHost {
    fn request(
        &mut self,
        _sorter: u8,
        parcel: Option<S10Id>,
        recirculations: u8,
        at: Timestamp,
    ) -> Result<u16, HostError> {
        let d = decide(
            &self.plan,
            &self.directory,
            &self.chutes,
            &request(parcel, recirculations, at),
        );
        Ok(if d.count == 0 {
            self.plan.special().exception
        } else {
            d.chutes[0]
        })
    }

    fn confirm(
        &mut self,
        _: u8,
        _: S10Id,
        _: u16,
        _: DischargeOutcome,
        _: u8,
        _: Timestamp,
    ) -> Result<bool, HostError> {
        Ok(false)
    }

    fn customs(&mut self, parcel: S10Id, released: bool) {
        if let Some(info) = self.directory.get_mut(&parcel) {
            info.customs = if released {
                Customs::Released
            } else {
                Customs::Held
            };
        }
    }
}
