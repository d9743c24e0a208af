//! The chute decision for one destination request, in the documented order: reject after too
//! many recirculations, no-read, barcode resolution (no data / several parcels), customs hold,
//! no route, then the route's chutes skipping full or closed ones. Allocates nothing.

use crate::plan::{MAX_CHUTE, Plan};
use crate::telegram::{Barcode, Read, Reason, Request};
use hangar_model::{Country, Postcode, S10Id};

/// Where a parcel stands with customs, as the sort host knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Customs {
    /// Released (CCD).
    Released,
    /// Held (HLD).
    Held,
    /// Not decided yet.
    Pending,
}

/// What the host knows of a parcel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParcelInfo {
    /// Destination country.
    pub country: Country,
    /// Destination postcode.
    pub postcode: Option<Postcode>,
    /// Customs status.
    pub customs: Customs,
}

/// Looks parcels up by tracking id (kept in memory by the host).
pub trait Directory {
    /// The parcel, if the host knows it.
    fn lookup(&self, id: &S10Id) -> Option<ParcelInfo>;
}

impl<S: std::hash::BuildHasher> Directory for std::collections::HashMap<S10Id, ParcelInfo, S> {
    fn lookup(&self, id: &S10Id) -> Option<ParcelInfo> {
        self.get(id).copied()
    }
}

/// Chutes reported full or closed.
#[derive(Clone, Debug)]
pub struct ChuteStates {
    blocked: [u64; (MAX_CHUTE as usize).div_ceil(64) + 1],
}

impl Default for ChuteStates {
    fn default() -> Self {
        ChuteStates {
            blocked: [0; (MAX_CHUTE as usize).div_ceil(64) + 1],
        }
    }
}

impl ChuteStates {
    /// Marks a chute blocked (full or closed) or open again.
    pub fn set_blocked(&mut self, chute: u16, blocked: bool) {
        let (w, b) = ((chute / 64) as usize, chute % 64);
        if w < self.blocked.len() {
            if blocked {
                self.blocked[w] |= 1 << b;
            } else {
                self.blocked[w] &= !(1 << b);
            }
        }
    }

    /// Whether a chute is full or closed.
    pub fn is_blocked(&self, chute: u16) -> bool {
        let (w, b) = ((chute / 64) as usize, chute % 64);
        w < self.blocked.len() && self.blocked[w] & (1 << b) != 0
    }
}

/// The host's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Chutes in priority order (`count` of them).
    pub chutes: [u16; 4],
    /// How many, 0..=4.
    pub count: u8,
    /// Why.
    pub reason: Reason,
    /// The barcode decided on (empty when none).
    pub barcode: Barcode,
    /// The parcel, when one was identified.
    pub parcel: Option<S10Id>,
    /// Index of the route in the plan, when the decision is a route.
    pub route: Option<usize>,
}

impl Decision {
    fn one(chute: u16, reason: Reason, barcode: Barcode, parcel: Option<S10Id>) -> Decision {
        Decision {
            chutes: [chute, 0, 0, 0],
            count: 1,
            reason,
            barcode,
            parcel,
            route: None,
        }
    }
}

/// Decides the chutes for `req`.
pub fn decide(plan: &Plan, dir: &dyn Directory, chutes: &ChuteStates, req: &Request) -> Decision {
    let sp = plan.special();
    let none = Barcode::default();
    if req.recirculations >= plan.max_recirculations() {
        return Decision::one(sp.reject, Reason::Reject, req.barcodes[0], None);
    }
    if req.read == Read::NoRead || req.count == 0 {
        return Decision::one(sp.no_read, Reason::NoRead, none, None);
    }
    // Barcode resolution: the distinct known parcels among the barcodes read.
    let mut found: Option<(S10Id, ParcelInfo, Barcode)> = None;
    for bc in &req.barcodes[..req.count.min(3) as usize] {
        let Ok(id) = S10Id::parse(bc.as_str()) else {
            continue;
        };
        let Some(info) = dir.lookup(&id) else {
            continue;
        };
        match &found {
            Some((seen, _, _)) if *seen == id => {}
            Some(_) => {
                return Decision::one(sp.exception, Reason::MultipleParcels, req.barcodes[0], None);
            }
            None => found = Some((id, info, *bc)),
        }
    }
    let Some((id, info, barcode)) = found else {
        return Decision::one(sp.no_data, Reason::NoData, req.barcodes[0], None);
    };
    if info.customs != Customs::Released {
        return Decision::one(sp.hold, Reason::Hold, barcode, Some(id));
    }
    let Some(ri) = plan.route_index(info.country, info.postcode.as_ref(), None) else {
        return Decision::one(sp.exception, Reason::Exception, barcode, Some(id));
    };
    let mut d = Decision {
        chutes: [0; 4],
        count: 0,
        reason: Reason::Route,
        barcode,
        parcel: Some(id),
        route: Some(ri),
    };
    for &c in &plan.routes()[ri].chutes {
        if !chutes.is_blocked(c) && (d.count as usize) < 4 {
            d.chutes[d.count as usize] = c;
            d.count += 1;
        }
    }
    if d.count == 0 {
        d.reason = Reason::AllFull;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn req(codes: &[&str], read: Read, recirc: u8) -> Request {
        let mut barcodes = [Barcode::default(); 3];
        for (i, c) in codes.iter().enumerate() {
            barcodes[i] = Barcode::new(c).unwrap();
        }
        Request {
            item: 1,
            read,
            barcodes,
            count: codes.len() as u8,
            weight_g: 500,
            dims_mm: [1, 1, 1],
            scanner: 1,
            recirculations: recirc,
            time_ms: 0,
        }
    }

    fn dir() -> HashMap<S10Id, ParcelInfo> {
        let mut m = HashMap::new();
        let fr = Country::parse("FR").unwrap();
        let info = |pc: &str, customs| ParcelInfo {
            country: fr,
            postcode: Some(Postcode::parse_for(fr, pc).unwrap()),
            customs,
        };
        m.insert(
            S10Id::from_parts("UA", 1, "CN"),
            info("75011", Customs::Released),
        );
        m.insert(
            S10Id::from_parts("UA", 2, "CN"),
            info("69001", Customs::Held),
        );
        m.insert(
            S10Id::from_parts("UA", 3, "CN"),
            info("69001", Customs::Released),
        );
        let ch = Country::parse("CH").unwrap();
        m.insert(
            S10Id::from_parts("UA", 4, "CN"),
            ParcelInfo {
                country: ch,
                postcode: None,
                customs: Customs::Released,
            },
        );
        m
    }

    #[test]
    fn every_rule_in_order() {
        let plan = Plan::default_eu();
        let d = dir();
        let mut states = ChuteStates::default();
        let id = |n| S10Id::from_parts("UA", n, "CN").to_string();
        let fr1 = plan
            .routes()
            .iter()
            .find(|r| r.id == "FR-1")
            .unwrap()
            .chutes
            .clone();

        let r = decide(&plan, &d, &states, &req(&[&id(1)], Read::Good, 0));
        assert_eq!(
            (r.reason, r.count, &r.chutes[..2]),
            (Reason::Route, 2, &fr1[..])
        );
        assert_eq!(
            decide(&plan, &d, &states, &req(&[&id(1)], Read::Good, 3)).reason,
            Reason::Reject
        );
        assert_eq!(
            decide(&plan, &d, &states, &req(&[], Read::NoRead, 0)).chutes[0],
            plan.special().no_read
        );
        assert_eq!(
            decide(&plan, &d, &states, &req(&[&id(9)], Read::Good, 0)).reason,
            Reason::NoData
        );
        assert_eq!(
            decide(&plan, &d, &states, &req(&["SKU-123"], Read::Good, 0)).reason,
            Reason::NoData
        );
        // Several barcodes: a seller's label beside the tracking id is fine; two parcels are not.
        assert_eq!(
            decide(
                &plan,
                &d,
                &states,
                &req(&["SKU-123", &id(1)], Read::Multiple, 0)
            )
            .reason,
            Reason::Route
        );
        assert_eq!(
            decide(
                &plan,
                &d,
                &states,
                &req(&[&id(1), &id(1)], Read::Multiple, 0)
            )
            .reason,
            Reason::Route
        );
        assert_eq!(
            decide(
                &plan,
                &d,
                &states,
                &req(&[&id(1), &id(3)], Read::Multiple, 0)
            )
            .reason,
            Reason::MultipleParcels
        );
        let held = decide(&plan, &d, &states, &req(&[&id(2)], Read::Good, 0));
        assert_eq!(
            (held.reason, held.chutes[0]),
            (Reason::Hold, plan.special().hold)
        );
        assert_eq!(
            decide(&plan, &d, &states, &req(&[&id(4)], Read::Good, 0)).reason,
            Reason::Exception
        );
        // Full or closed chutes are skipped; all blocked means go round.
        states.set_blocked(fr1[0], true);
        let r = decide(&plan, &d, &states, &req(&[&id(1)], Read::Good, 0));
        assert_eq!((r.count, r.chutes[0]), (1, fr1[1]));
        states.set_blocked(fr1[1], true);
        let r = decide(&plan, &d, &states, &req(&[&id(1)], Read::Good, 0));
        assert_eq!((r.count, r.reason), (0, Reason::AllFull));
        states.set_blocked(fr1[0], false);
        assert_eq!(
            decide(&plan, &d, &states, &req(&[&id(1)], Read::Good, 0)).chutes[0],
            fr1[0]
        );
    }
}
