//! CreateVpc, CreateDefaultVpc, DescribeVpcs, DeleteVpc, DescribeVpcAttribute,
//! ModifyVpcAttribute (EC2 API reference pages of the same names; output shape `Vpc`).

use model::ResourceKind;
use model::ec2::{DefaultVpcIds, Vpc, VpcAttribute};
use model::{Ec2Command, ids::stable_hex_id};

use super::filters::{self, flag, one};
use super::{by_ids, check_dry_run, list, ok, owner, paginate, required, sort_by_creation, submit, tag_set, tag_specifications, unsupported};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Filter names of DescribeVpcs (EC2 API reference, DescribeVpcs "Filters"; the `isDefault`
/// spelling is what older tools send). The IPv6 ones are accepted and match nothing: elbow's
/// VPCs have no IPv6 blocks.
const FILTERS: &[&str] = &[
    "vpc-id",
    "cidr",
    "cidr-block",
    "cidr-block-association.cidr-block",
    "cidr-block-association.association-id",
    "cidr-block-association.state",
    "dhcp-options-id",
    "is-default",
    "isDefault",
    "owner-id",
    "state",
    "instance-tenancy",
    "ipv6-cidr-block-association.ipv6-cidr-block",
    "ipv6-cidr-block-association.ipv6-pool",
    "ipv6-cidr-block-association.association-id",
    "ipv6-cidr-block-association.state",
];

/// The DHCP options set every VPC of `region` reports (elbow has one, with a stable id).
fn dhcp_options_id(region: &str) -> String {
    format!("dopt-{}", stable_hex_id(&format!("{region}/default-dopt"), 17))
}

/// The id of a VPC's primary CIDR association.
fn cidr_association_id(vpc_id: &str) -> String {
    format!("vpc-cidr-assoc-{}", stable_hex_id(&format!("{vpc_id}/cidr"), 17))
}

/// One `Vpc` element body.
fn render(x: &mut Xml, api: &Api, region: &str, v: &Vpc) {
    x.text("vpcId", &v.id)
        .text("ownerId", owner(api))
        .text("state", "available")
        .text("cidrBlock", &v.cidr_block)
        .list("cidrBlockAssociationSet", "item", [v], |x, v| {
            x.text("associationId", cidr_association_id(&v.id)).text("cidrBlock", &v.cidr_block).elem("cidrBlockState", |x| {
                x.text("state", "associated");
            });
        })
        .text("dhcpOptionsId", dhcp_options_id(region))
        .text("instanceTenancy", &v.instance_tenancy)
        .text("isDefault", v.is_default.to_string())
        .elem("blockPublicAccessStates", |x| {
            x.text("internetGatewayBlockMode", "off");
        });
    tag_set(x, &v.tags);
}

/// `CreateVpc`: `CidrBlock` (/16–/28), `InstanceTenancy`, `TagSpecification.N` (`vpc`). Also
/// creates the VPC's main route table and `default` security group. Output `vpc`.
///
/// Errors: `MissingParameter` without `CidrBlock`; `InvalidVpc.Range`; `InvalidParameterValue`
/// for a malformed CIDR, tenancy, tag, or an IPv6/IPAM option elbow does not model.
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    unsupported(p, &["Ipv6Pool", "Ipv6CidrBlock", "Ipv4IpamPoolId", "Ipv6IpamPoolId", "Ipv4NetmaskLength", "Ipv6NetmaskLength"])?;
    if super::boolean(p, "AmazonProvidedIpv6CidrBlock")?.unwrap_or(false) {
        return Err(super::invalid("elbow does not support IPv6 CIDR blocks (AmazonProvidedIpv6CidrBlock)"));
    }
    let cidr_block = p.get("CidrBlock").filter(|c| !c.is_empty()).ok_or_else(|| {
        ApiError::new("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
    })?;
    let vpc_id = ids::ec2("vpc");
    let op = Ec2Command::CreateVpc {
        vpc_id: vpc_id.clone(),
        cidr_block: cidr_block.to_string(),
        instance_tenancy: p.get("InstanceTenancy").unwrap_or("default").to_string(),
        main_route_table_id: ids::ec2("rtb"),
        main_association_id: ids::ec2("rtbassoc"),
        default_security_group_id: ids::ec2("sg"),
        default_rule_ids: (ids::ec2("sgr"), ids::ec2("sgr")),
        tags: tag_specifications(p, "vpc")?,
        now: state::now_millis(),
    };
    let snap = submit(api, req, op).await?;
    let r = snap.region(&req.region);
    let vpc = r.ec2.vpcs.get(&vpc_id).ok_or_else(|| ApiError::internal("VPC vanished after create"))?;
    x.elem("vpc", |x| render(x, api, &req.region, vpc));
    Ok(())
}

/// `DescribeVpcs`: `VpcId.N`, `Filter.N` (see `FILTERS` and the tag filters), `MaxResults`
/// (5–1000), `NextToken`. Output `vpcSet`, `nextToken`.
///
/// Errors: `InvalidVpcID.NotFound` for an unknown id; `InvalidParameterValue` for an unknown
/// filter or bad `MaxResults`.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let wanted = list(p, "VpcId")?;
    let filters = filters::decode(p, FILTERS)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let mut vpcs: Vec<&Vpc> = if wanted.is_empty() {
        r.ec2.vpcs.values().collect()
    } else {
        by_ids(&wanted, ResourceKind::Vpc, |id| r.ec2.vpcs.get(id))?
    };
    sort_by_creation(&r.ec2, &mut vpcs, |v| &v.id);
    vpcs.dedup_by(|a, b| a.id == b.id);
    let dopt = dhcp_options_id(&req.region);
    filters::retain(&mut vpcs, &filters, |v| Some(&v.tags), |v, name| match name {
        "vpc-id" => one(&v.id),
        "cidr" | "cidr-block" | "cidr-block-association.cidr-block" => one(&v.cidr_block),
        "cidr-block-association.association-id" => one(cidr_association_id(&v.id)),
        "cidr-block-association.state" => one("associated"),
        "dhcp-options-id" => one(&dopt),
        "is-default" | "isDefault" => flag(v.is_default),
        "owner-id" => one(owner(api)),
        "state" => one("available"),
        "instance-tenancy" => one(&v.instance_tenancy),
        // `ipv6-cidr-block-association.*`: no IPv6 blocks.
        _ => vec![],
    });
    let (page, next) = paginate(vpcs, p, 5, 1000)?;
    check_dry_run(p)?;
    x.list("vpcSet", "item", page, |x, v| render(x, api, &req.region, v)).opt("nextToken", next);
    Ok(())
}

/// `DeleteVpc`: `VpcId`. Output `return`.
///
/// Errors: `InvalidVpcID.NotFound`; `DependencyViolation` while subnets, non-default security
/// groups, an attached internet gateway, non-main route tables, load balancers or target
/// groups use it.
pub(crate) async fn delete(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let vpc_id = required(&req.params, "VpcId")?.to_string();
    submit(api, req, Ec2Command::DeleteVpc { vpc_id }).await?;
    ok(x);
    Ok(())
}

/// The attributes of DescribeVpcAttribute and ModifyVpcAttribute, as `Attribute` names them
/// (EC2 API reference, `VpcAttributeName`).
const ATTRIBUTES: [&str; 3] = ["enableDnsSupport", "enableDnsHostnames", "enableNetworkAddressUsageMetrics"];

/// `DescribeVpcAttribute`: `VpcId`, `Attribute` (`enableDnsSupport`, `enableDnsHostnames`,
/// `enableNetworkAddressUsageMetrics`). Output `vpcId` and the one attribute as
/// `<name><value>bool</value></name>`: the value ModifyVpcAttribute stored, else EC2's default
/// (DNS support on; DNS hostnames on for the default VPC only; address usage metrics off).
///
/// Errors: `MissingParameter`; `InvalidVpcID.NotFound`; `InvalidParameterValue` for another
/// attribute name.
pub(crate) fn describe_attribute(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let vpc_id = required(p, "VpcId")?;
    let attribute = required(p, "Attribute")?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let vpc = r.ec2.vpcs.get(vpc_id).ok_or_else(|| super::not_found(ResourceKind::Vpc, &[vpc_id]))?;
    let value = match attribute {
        "enableDnsSupport" => vpc.enable_dns_support,
        "enableDnsHostnames" => vpc.dns_hostnames(),
        "enableNetworkAddressUsageMetrics" => vpc.enable_network_address_usage_metrics,
        other => {
            return Err(super::invalid(format!("Value ({other}) for parameter attribute is invalid. Valid values are: {}", ATTRIBUTES.join(", "))));
        }
    };
    check_dry_run(p)?;
    x.text("vpcId", &vpc.id).elem(attribute, |x| {
        x.text("value", value.to_string());
    });
    Ok(())
}

/// `ModifyVpcAttribute`: `VpcId` and exactly one of `EnableDnsSupport.Value`,
/// `EnableDnsHostnames.Value`, `EnableNetworkAddressUsageMetrics.Value` (EC2 API reference,
/// ModifyVpcAttribute: "You cannot modify the DNS resolution and DNS hostnames attributes in
/// the same request"). The value is stored and reported by DescribeVpcAttribute; elbow runs no
/// DNS, so it changes nothing else. Output `return`.
///
/// Errors: `MissingParameter` without `VpcId`; `InvalidParameterCombination` with no attribute
/// ("No attributes specified.") or several ("Fields for multiple attribute types specified:
/// …", EC2's wording); `InvalidParameterValue` for a value other than true/false;
/// `InvalidVpcID.NotFound`.
pub(crate) async fn modify_attribute(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let vpc_id = required(p, "VpcId")?.to_string();
    let mut given = Vec::new();
    for name in ATTRIBUTES {
        // `EnableDnsSupport.Value`: the wire name is the capitalised attribute name.
        let key = format!("{}{}.Value", name[..1].to_ascii_uppercase(), &name[1..]);
        if let Some(v) = super::boolean(p, &key)? {
            given.push((name, v));
        } else if p.has(&key[..key.len() - ".Value".len()]) {
            return Err(super::missing(&key));
        }
    }
    let attribute = match given.as_slice() {
        [] => return Err(ApiError::new("InvalidParameterCombination", "No attributes specified.")),
        [("enableDnsSupport", v)] => VpcAttribute::EnableDnsSupport(*v),
        [("enableDnsHostnames", v)] => VpcAttribute::EnableDnsHostnames(*v),
        [(_, v)] => VpcAttribute::EnableNetworkAddressUsageMetrics(*v),
        many => {
            let names: Vec<&str> = many.iter().map(|(n, _)| *n).collect();
            return Err(ApiError::new("InvalidParameterCombination", format!("Fields for multiple attribute types specified: {}", names.join(", "))));
        }
    };
    submit(api, req, Ec2Command::ModifyVpcAttribute { vpc_id, attribute }).await?;
    ok(x);
    Ok(())
}

/// `CreateDefaultVpc`: no parameters but `DryRun`. Makes a default VPC as the region's initial
/// one is made: `172.31.0.0/16`, a `/20` default subnet in every availability zone, a
/// `default` security group, a main route table routing `0.0.0.0/0` to a new attached
/// internet gateway. Output `vpc`.
///
/// Errors: `DefaultVpcAlreadyExists` while the region has a default VPC.
pub(crate) async fn create_default(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let parts = DefaultVpcIds {
        vpc_id: ids::ec2("vpc"),
        security_group_id: ids::ec2("sg"),
        rule_ids: (ids::ec2("sgr"), ids::ec2("sgr")),
        route_table_id: ids::ec2("rtb"),
        association_id: ids::ec2("rtbassoc"),
        internet_gateway_id: ids::ec2("igw"),
    };
    let vpc_id = parts.vpc_id.clone();
    let snap = submit(api, req, Ec2Command::CreateDefaultVpc { ids: parts, now: state::now_millis() }).await?;
    let r = snap.region(&req.region);
    let vpc = r.ec2.vpcs.get(&vpc_id).ok_or_else(|| ApiError::internal("default VPC vanished after create"))?;
    x.elem("vpc", |x| render(x, api, &req.region, vpc));
    Ok(())
}
