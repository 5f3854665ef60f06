//! DescribeAvailabilityZones (EC2 API reference; output shape `AvailabilityZone`): the zones
//! elbow offers in the region (`Ec2State::zones`), all `available`.

use model::ResourceKind;

use super::filters::{self, one};
use super::{check_dry_run, list, not_found};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request};

/// Filter names of DescribeAvailabilityZones (EC2 API reference, DescribeAvailabilityZones
/// "Filters"). `message` and the `parent-zone-*` ones match nothing: elbow's zones have no
/// messages and no parent (they are not Local or Wavelength Zones).
const FILTERS: &[&str] = &[
    "zone-name",
    "zone-id",
    "state",
    "region-name",
    "zone-type",
    "group-name",
    "group-long-name",
    "network-border-group",
    "opt-in-status",
    "message",
    "parent-zone-id",
    "parent-zone-name",
];

/// One zone as rendered: (name, id).
struct Zone {
    name: String,
    id: String,
}

/// `DescribeAvailabilityZones`: `ZoneName.N`, `ZoneId.N`, `Filter.N`, `AllAvailabilityZones`
/// (elbow has no opt-in zones, so it changes nothing). Output `availabilityZoneInfo`.
///
/// Errors: `InvalidParameterValue` "Invalid availability zone: [x]" for an unknown name or id,
/// or an unknown filter.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let names = list(p, "ZoneName")?;
    let zone_ids = list(p, "ZoneId")?;
    let filters = filters::decode(p, FILTERS)?;
    super::boolean(p, "AllAvailabilityZones")?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let all: Vec<Zone> = r.ec2.zones.iter().enumerate().map(|(i, n)| Zone { name: n.clone(), id: model::ids::zone_id(&req.region, i) }).collect();
    let unknown: Vec<&str> = names
        .iter()
        .filter(|n| !all.iter().any(|z| &z.name == *n))
        .chain(zone_ids.iter().filter(|i| !all.iter().any(|z| &z.id == *i)))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(not_found(ResourceKind::AvailabilityZone, &unknown));
    }
    let mut zones: Vec<&Zone> =
        all.iter().filter(|z| (names.is_empty() && zone_ids.is_empty()) || names.contains(&z.name) || zone_ids.contains(&z.id)).collect();
    let region = req.region.as_str();
    filters::retain(&mut zones, &filters, |_| None, |z, name| match name {
        "zone-name" => one(&z.name),
        "zone-id" => one(&z.id),
        "state" => one("available"),
        "region-name" | "group-name" | "network-border-group" => one(region),
        "group-long-name" => one(region),
        "zone-type" => one("availability-zone"),
        "opt-in-status" => one("opt-in-not-required"),
        _ => vec![],
    });
    check_dry_run(p)?;
    x.list("availabilityZoneInfo", "item", zones, |x, z| {
        x.text("zoneName", &z.name)
            .text("zoneState", "available")
            .text("regionName", region)
            .text("zoneId", &z.id)
            .text("zoneType", "availability-zone")
            .text("groupName", region)
            .text("networkBorderGroup", region)
            .text("optInStatus", "opt-in-not-required")
            .list("messageSet", "item", std::iter::empty::<()>(), |_, _| {});
    });
    Ok(())
}
