//! CreateSubnet, DescribeSubnets, DeleteSubnet, ModifySubnetAttribute (EC2 API reference
//! pages of the same names; output shape `Subnet`).

use model::ec2::{Cidr4, Subnet, SubnetAttribute};
use model::{Ec2Command, ResourceKind};

use super::filters::{self, flag, one};
use super::{by_ids, check_dry_run, invalid, list, ok, owner, paginate, required, sort_by_creation, submit, tag_set, tag_specifications, unsupported};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Filter names of DescribeSubnets (EC2 API reference, DescribeSubnets "Filters"; camelCase
/// spellings are EC2's legacy aliases). Filters on what elbow's subnets never have (IPv6
/// blocks, outposts, customer-owned pools) are accepted and match nothing.
const FILTERS: &[&str] = &[
    "subnet-id",
    "vpc-id",
    "availability-zone",
    "availabilityZone",
    "availability-zone-id",
    "available-ip-address-count",
    "cidr",
    "cidr-block",
    "cidrBlock",
    "default-for-az",
    "defaultForAz",
    "map-public-ip-on-launch",
    "owner-id",
    "state",
    "subnet-arn",
    "customer-owned-ipv4-pool",
    "enable-dns64",
    "enable-lni-at-device-index",
    "ipv6-cidr-block-association.ipv6-cidr-block",
    "ipv6-cidr-block-association.association-id",
    "ipv6-cidr-block-association.state",
    "ipv6-native",
    "map-customer-owned-ip-on-launch",
    "outpost-arn",
    "private-dns-name-options-on-launch.hostname-type",
    "private-dns-name-options-on-launch.enable-resource-name-dns-a-record",
    "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record",
];

/// `arn:aws:ec2:<region>:<account>:subnet/<id>`.
fn arn(api: &Api, region: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{}:subnet/{id}", owner(api))
}

/// Free addresses AWS reports: the block's size minus the 5 it reserves.
fn available_ips(cidr: &str) -> u64 {
    Cidr4::parse(cidr).map_or(0, |c| c.size().saturating_sub(5))
}

/// One `Subnet` element body.
fn render(x: &mut Xml, api: &Api, region: &str, s: &Subnet) {
    x.text("subnetId", &s.id)
        .text("subnetArn", arn(api, region, &s.id))
        .text("state", "available")
        .text("vpcId", &s.vpc_id)
        .text("cidrBlock", &s.cidr_block)
        .text("availableIpAddressCount", available_ips(&s.cidr_block).to_string())
        .text("availabilityZone", &s.availability_zone)
        .text("availabilityZoneId", &s.availability_zone_id)
        .text("defaultForAz", s.default_for_az.to_string())
        .text("mapPublicIpOnLaunch", s.map_public_ip_on_launch.to_string())
        .text("mapCustomerOwnedIpOnLaunch", "false")
        .text("assignIpv6AddressOnCreation", "false")
        .text("ipv6Native", "false")
        .text("enableDns64", "false")
        .text("ownerId", owner(api))
        .list("ipv6CidrBlockAssociationSet", "item", std::iter::empty::<()>(), |_, _| {})
        .elem("privateDnsNameOptionsOnLaunch", |x| {
            x.text("hostnameType", &s.hostname_type)
                .text("enableResourceNameDnsARecord", s.enable_resource_name_dns_a_record.to_string())
                .text("enableResourceNameDnsAAAARecord", "false");
        })
        .elem("blockPublicAccessStates", |x| {
            x.text("internetGatewayBlockMode", "off");
        });
    tag_set(x, &s.tags);
}

/// `CreateSubnet`: `VpcId`, `CidrBlock`, `AvailabilityZone` or `AvailabilityZoneId` (default:
/// the region's first zone), `TagSpecification.N` (`subnet`). Output `subnet`.
///
/// Errors: `MissingParameter`; `InvalidVpcID.NotFound`; `InvalidSubnet.Range` (not /16–/28 or
/// outside the VPC); `InvalidSubnet.Conflict` (overlaps a subnet of the VPC);
/// `InvalidParameterValue` for an unknown zone (listing the valid ones) or malformed CIDR;
/// `InvalidParameterCombination` when both zone parameters are given.
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    unsupported(p, &["Ipv6CidrBlock", "OutpostArn", "Ipv4IpamPoolId", "Ipv6IpamPoolId", "Ipv4NetmaskLength", "Ipv6NetmaskLength"])?;
    if super::boolean(p, "Ipv6Native")?.unwrap_or(false) {
        return Err(invalid("elbow does not support IPv6-only subnets (Ipv6Native)"));
    }
    let vpc_id = required(p, "VpcId")?.to_string();
    let cidr_block = required(p, "CidrBlock")?.to_string();
    let availability_zone = match (p.get("AvailabilityZone"), p.get("AvailabilityZoneId")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new("InvalidParameterCombination", "Only one of AvailabilityZone and AvailabilityZoneId may be specified"));
        }
        (Some(z), None) => Some(z.to_string()),
        (None, Some(zid)) => {
            let snap = api.state.current();
            let zones = snap.region(&req.region).ec2.zones.clone();
            let index = (0..zones.len()).find(|&i| model::ids::zone_id(&req.region, i) == zid);
            let name = index.and_then(|i| zones.get(i)).ok_or_else(|| {
                invalid(format!("Value ({zid}) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zone ids: {}.", 
                    (0..zones.len()).map(|i| model::ids::zone_id(&req.region, i)).collect::<Vec<_>>().join(", ")))
            })?;
            Some(name.clone())
        }
        (None, None) => None,
    };
    let subnet_id = ids::ec2("subnet");
    let op = Ec2Command::CreateSubnet {
        subnet_id: subnet_id.clone(),
        vpc_id,
        cidr_block,
        availability_zone,
        tags: tag_specifications(p, "subnet")?,
        now: state::now_millis(),
    };
    let snap = submit(api, req, op).await?;
    let r = snap.region(&req.region);
    let s = r.ec2.subnets.get(&subnet_id).ok_or_else(|| ApiError::internal("subnet vanished after create"))?;
    x.elem("subnet", |x| render(x, api, &req.region, s));
    Ok(())
}

/// `DescribeSubnets`: `SubnetId.N`, `Filter.N` (see `FILTERS` and the tag filters),
/// `MaxResults` (5–1000), `NextToken`. Output `subnetSet`, `nextToken`.
///
/// Errors: `InvalidSubnetID.NotFound`; `InvalidParameterValue` for an unknown filter.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let wanted = list(p, "SubnetId")?;
    let filters = filters::decode(p, FILTERS)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let mut subnets: Vec<&Subnet> = if wanted.is_empty() {
        r.ec2.subnets.values().collect()
    } else {
        by_ids(&wanted, ResourceKind::Subnet, |id| r.ec2.subnets.get(id))?
    };
    sort_by_creation(&r.ec2, &mut subnets, |s| &s.id);
    subnets.dedup_by(|a, b| a.id == b.id);
    filters::retain(&mut subnets, &filters, |s| Some(&s.tags), |s, name| match name {
        "subnet-id" => one(&s.id),
        "vpc-id" => one(&s.vpc_id),
        "availability-zone" | "availabilityZone" => one(&s.availability_zone),
        "availability-zone-id" => one(&s.availability_zone_id),
        "available-ip-address-count" => one(available_ips(&s.cidr_block).to_string()),
        "cidr" | "cidr-block" | "cidrBlock" => one(&s.cidr_block),
        "default-for-az" | "defaultForAz" => flag(s.default_for_az),
        "map-public-ip-on-launch" => flag(s.map_public_ip_on_launch),
        "owner-id" => one(owner(api)),
        "state" => one("available"),
        "subnet-arn" => one(arn(api, &req.region, &s.id)),
        // Constant attributes, as `render` reports them.
        "enable-dns64" | "ipv6-native" | "map-customer-owned-ip-on-launch" => flag(false),
        "private-dns-name-options-on-launch.hostname-type" => one(&s.hostname_type),
        "private-dns-name-options-on-launch.enable-resource-name-dns-a-record" => flag(s.enable_resource_name_dns_a_record),
        "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record" => flag(false),
        // IPv6 blocks, outposts, customer-owned pools, LNI: elbow's subnets have none.
        _ => vec![],
    });
    let (page, next) = paginate(subnets, p, 5, 1000)?;
    check_dry_run(p)?;
    x.list("subnetSet", "item", page, |x, s| render(x, api, &req.region, s)).opt("nextToken", next);
    Ok(())
}

/// `DeleteSubnet`: `SubnetId`. Output `return`.
///
/// Errors: `InvalidSubnetID.NotFound`; `DependencyViolation` while a load balancer or an
/// instance that is not terminated uses it. Its explicit route table association goes with it.
pub(crate) async fn delete(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let subnet_id = required(&req.params, "SubnetId")?.to_string();
    submit(api, req, Ec2Command::DeleteSubnet { subnet_id }).await?;
    ok(x);
    Ok(())
}

/// `ModifySubnetAttribute`: `SubnetId` and one attribute (EC2 API reference,
/// ModifySubnetAttribute: "You can only modify one attribute at a time"). Stored, and shown by
/// DescribeSubnets and its filters: `MapPublicIpOnLaunch.Value` (`mapPublicIpOnLaunch`),
/// `PrivateDnsHostnameTypeOnLaunch` (`ip-name`|`resource-name`) and
/// `EnableResourceNameDnsARecordOnLaunch.Value` (`privateDnsNameOptionsOnLaunch`). Attributes
/// that need IPv6 or an Outpost (`AssignIpv6AddressOnCreation`, `EnableDns64`,
/// `EnableResourceNameDnsAAAARecordOnLaunch`, `MapCustomerOwnedIpOnLaunch`) are accepted as
/// `false`, which they always are here, and refused as `true`; `CustomerOwnedIpv4Pool` and the
/// LNI parameters are refused. Output `return`.
///
/// Errors: `MissingParameter` without `SubnetId`; `InvalidParameterCombination` with no
/// attribute or several; `InvalidParameterValue` for a bad value or an unsupported attribute;
/// `InvalidSubnetID.NotFound`.
pub(crate) async fn modify_attribute(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    unsupported(p, &["CustomerOwnedIpv4Pool", "EnableLniAtDeviceIndex", "DisableLniAtDeviceIndex"])?;
    let subnet_id = required(p, "SubnetId")?.to_string();
    let flag_of = |key: &str| -> Result<Option<bool>, ApiError> {
        match super::boolean(p, &format!("{key}.Value"))? {
            None if p.has(key) => Err(super::missing(&format!("{key}.Value"))),
            v => Ok(v),
        }
    };
    let mut stored: Vec<(&str, SubnetAttribute)> = Vec::new();
    let mut constant: Vec<&str> = Vec::new();
    if let Some(v) = flag_of("MapPublicIpOnLaunch")? {
        stored.push(("mapPublicIpOnLaunch", SubnetAttribute::MapPublicIpOnLaunch(v)));
    }
    if let Some(v) = flag_of("EnableResourceNameDnsARecordOnLaunch")? {
        stored.push(("enableResourceNameDnsARecordOnLaunch", SubnetAttribute::EnableResourceNameDnsARecordOnLaunch(v)));
    }
    if let Some(t) = p.get("PrivateDnsHostnameTypeOnLaunch") {
        stored.push(("privateDnsHostnameTypeOnLaunch", SubnetAttribute::PrivateDnsHostnameTypeOnLaunch(t.to_string())));
    }
    // Always false on elbow's IPv4-only, non-Outpost subnets: `false` is a no-op, `true` cannot be.
    for (key, name, why) in [
        ("AssignIpv6AddressOnCreation", "assignIpv6AddressOnCreation", "the subnet has no IPv6 CIDR block (elbow models IPv4 only)"),
        ("EnableDns64", "enableDns64", "DNS64 needs IPv6, which elbow does not model"),
        ("EnableResourceNameDnsAAAARecordOnLaunch", "enableResourceNameDnsAAAARecordOnLaunch", "the subnet has no IPv6 CIDR block (elbow models IPv4 only)"),
        ("MapCustomerOwnedIpOnLaunch", "mapCustomerOwnedIpOnLaunch", "the subnet is not on an Outpost (elbow has no customer-owned IP pools)"),
    ] {
        match flag_of(key)? {
            Some(true) => return Err(invalid(format!("Invalid value 'true' for {name}: {why}"))),
            Some(false) => constant.push(name),
            None => {}
        }
    }
    if stored.len() + constant.len() > 1 {
        let names: Vec<&str> = stored.iter().map(|(n, _)| *n).chain(constant.iter().copied()).collect();
        return Err(ApiError::new("InvalidParameterCombination", format!("Fields for multiple attribute types specified: {}", names.join(", "))));
    }
    match stored.pop() {
        Some((_, attribute)) => {
            submit(api, req, Ec2Command::ModifySubnetAttribute { subnet_id, attribute }).await?;
        }
        None if constant.is_empty() => return Err(ApiError::new("InvalidParameterCombination", "No attributes specified.")),
        None => {
            // Nothing to store, but the subnet must exist, as for any other attribute.
            let snap = api.state.current();
            if !snap.region(&req.region).ec2.subnets.contains_key(&subnet_id) {
                return Err(super::not_found(ResourceKind::Subnet, &[subnet_id.as_str()]));
            }
            check_dry_run(p)?;
        }
    }
    ok(x);
    Ok(())
}
