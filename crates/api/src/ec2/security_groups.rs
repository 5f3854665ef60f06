//! CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup (EC2 API reference pages
//! of the same names; output shapes `SecurityGroup` and `IpPermission`).

use model::ec2::{SecurityGroup, SecurityGroupRule};
use model::{Ec2Command, ResourceKind};

use super::filters::{self, one};
use super::{check_dry_run, list, missing, not_found, owner, paginate, required, sort_by_creation, submit, tag_set, tag_specifications};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Filter names of DescribeSecurityGroups (EC2 API reference, DescribeSecurityGroups
/// "Filters"). `…prefix-list-id` matches nothing: elbow's rules have no prefix lists.
const FILTERS: &[&str] = &[
    "group-id",
    "group-name",
    "description",
    "vpc-id",
    "owner-id",
    "ip-permission.cidr",
    "ip-permission.ipv6-cidr",
    "ip-permission.from-port",
    "ip-permission.to-port",
    "ip-permission.protocol",
    "ip-permission.group-id",
    "ip-permission.group-name",
    "ip-permission.user-id",
    "ip-permission.prefix-list-id",
    "egress.ip-permission.cidr",
    "egress.ip-permission.ipv6-cidr",
    "egress.ip-permission.from-port",
    "egress.ip-permission.to-port",
    "egress.ip-permission.protocol",
    "egress.ip-permission.group-id",
    "egress.ip-permission.group-name",
    "egress.ip-permission.user-id",
    "egress.ip-permission.prefix-list-id",
];

/// `arn:aws:ec2:<region>:<account>:security-group/<id>`.
fn arn(api: &Api, region: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{}:security-group/{id}", owner(api))
}

/// The `IpPermission` items of a rule list: rules sharing protocol and ports become one item,
/// in first-seen order. Ports are omitted for all-traffic rules, as EC2 does.
pub(crate) fn permissions(x: &mut Xml, api: &Api, tag: &str, rules: &[SecurityGroupRule]) {
    let mut keys: Vec<(&str, Option<i32>, Option<i32>)> = Vec::new();
    for r in rules {
        let k = (r.ip_protocol.as_str(), r.from_port, r.to_port);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    x.list(tag, "item", keys, |x, (proto, from, to)| {
        let same: Vec<&SecurityGroupRule> = rules.iter().filter(|r| r.ip_protocol == proto && r.from_port == from && r.to_port == to).collect();
        x.text("ipProtocol", proto).opt("fromPort", from.map(|p| p.to_string())).opt("toPort", to.map(|p| p.to_string()));
        x.list("groups", "item", same.iter().filter_map(|r| r.referenced_group_id.as_ref().map(|g| (g, r))), |x, (g, r)| {
            x.opt("description", r.description.as_deref()).text("userId", owner(api)).text("groupId", g);
        });
        x.list("ipRanges", "item", same.iter().filter_map(|r| r.cidr_ipv4.as_ref().map(|c| (c, r))), |x, (c, r)| {
            x.opt("description", r.description.as_deref()).text("cidrIp", c);
        });
        x.list("ipv6Ranges", "item", same.iter().filter_map(|r| r.cidr_ipv6.as_ref().map(|c| (c, r))), |x, (c, r)| {
            x.opt("description", r.description.as_deref()).text("cidrIpv6", c);
        });
        x.list("prefixListIds", "item", std::iter::empty::<()>(), |_, _| {});
    });
}

/// One `SecurityGroup` element body.
fn render(x: &mut Xml, api: &Api, region: &str, g: &SecurityGroup) {
    x.text("ownerId", owner(api)).text("groupId", &g.id).text("groupName", &g.name).text("groupDescription", &g.description).text("vpcId", &g.vpc_id);
    permissions(x, api, "ipPermissions", &g.ingress);
    permissions(x, api, "ipPermissionsEgress", &g.egress);
    tag_set(x, &g.tags);
    x.text("securityGroupArn", arn(api, region, &g.id));
}

/// `CreateSecurityGroup`: `GroupName`, `GroupDescription`, `VpcId` (default VPC when absent),
/// `TagSpecification.N` (`security-group`). Output `groupId`, `tagSet` (when tagged),
/// `securityGroupArn`. The group starts with one outbound allow-all rule.
///
/// Errors: `MissingParameter`; `InvalidVpcID.NotFound`; `InvalidGroup.Duplicate` (name taken
/// in the VPC, ignoring case); `InvalidGroup.Reserved` (`default`); `InvalidParameterValue` for
/// `sg-*` names, or a name or description over 255 characters or outside EC2's character set
/// (a-z, A-Z, 0-9, spaces and `._-:/()#,@[]+=&;{}!$*`); `VPCIdNotSpecified` without a default
/// VPC.
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = required(p, "GroupName")?.to_string();
    let description = required(p, "GroupDescription")?.to_string();
    let group_id = ids::ec2("sg");
    let op = Ec2Command::CreateSecurityGroup {
        group_id: group_id.clone(),
        name,
        description,
        vpc_id: p.get("VpcId").filter(|v| !v.is_empty()).map(str::to_string),
        egress_rule_id: ids::ec2("sgr"),
        tags: tag_specifications(p, "security-group")?,
        now: state::now_millis(),
    };
    let snap = submit(api, req, op).await?;
    let r = snap.region(&req.region);
    let g = r.ec2.security_groups.get(&group_id).ok_or_else(|| ApiError::internal("security group vanished after create"))?;
    x.text("return", "true").text("groupId", &g.id);
    if !g.tags.is_empty() {
        tag_set(x, &g.tags);
    }
    x.text("securityGroupArn", arn(api, &req.region, &g.id));
    Ok(())
}

/// `DescribeSecurityGroups`: `GroupId.N`, `GroupName.N` (default VPC), `Filter.N` (see
/// `FILTERS` and the tag filters), `MaxResults` (5–1000), `NextToken`. Output
/// `securityGroupInfo`, `nextToken`.
///
/// Errors: `InvalidGroup.NotFound` for an unknown id or name; `VPCIdNotSpecified` for a name
/// when the region has no default VPC; `InvalidParameterValue`.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let ids = list(p, "GroupId")?;
    let names = list(p, "GroupName")?;
    let filters = filters::decode(p, FILTERS)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let mut groups: Vec<&SecurityGroup> = Vec::new();
    if ids.is_empty() && names.is_empty() {
        groups.extend(r.ec2.security_groups.values());
    } else {
        groups.extend(super::by_ids(&ids, ResourceKind::SecurityGroup, |id| r.ec2.security_groups.get(id))?);
        // Names resolve in the default VPC only; without one EC2 refuses them outright.
        let default_vpc = match (r.ec2.default_vpc(), names.is_empty()) {
            (Some(v), _) => v.id.clone(),
            (None, true) => String::new(),
            (None, false) => return Err(ApiError::new("VPCIdNotSpecified", "No default VPC for this user")),
        };
        for n in &names {
            let g = r.ec2.security_groups.values().find(|g| g.vpc_id == default_vpc && &g.name == n);
            groups.push(g.ok_or_else(|| ApiError::new("InvalidGroup.NotFound", format!("The security group '{n}' does not exist in default VPC '{default_vpc}'")))?);
        }
    }
    sort_by_creation(&r.ec2, &mut groups, |g| &g.id);
    groups.dedup_by(|a, b| a.id == b.id);
    filters::retain(&mut groups, &filters, |g| Some(&g.tags), |g, name| {
        let (rules, field) = match name.strip_prefix("egress.ip-permission.") {
            Some(f) => (&g.egress, f),
            None => (&g.ingress, name.strip_prefix("ip-permission.").unwrap_or("")),
        };
        let port = |p: Option<i32>| p.unwrap_or(-1).to_string();
        match (name, field) {
            ("group-id", _) => one(&g.id),
            ("group-name", _) => one(&g.name),
            ("description", _) => one(&g.description),
            ("vpc-id", _) => one(&g.vpc_id),
            ("owner-id", _) => one(owner(api)),
            (_, "cidr") => rules.iter().filter_map(|r| r.cidr_ipv4.clone()).collect(),
            (_, "ipv6-cidr") => rules.iter().filter_map(|r| r.cidr_ipv6.clone()).collect(),
            (_, "from-port") => rules.iter().map(|r| port(r.from_port)).collect(),
            (_, "to-port") => rules.iter().map(|r| port(r.to_port)).collect(),
            (_, "protocol") => rules.iter().map(|r| r.ip_protocol.clone()).collect(),
            (_, "group-id") => rules.iter().filter_map(|r| r.referenced_group_id.clone()).collect(),
            (_, "group-name") => rules
                .iter()
                .filter_map(|rule| rule.referenced_group_id.as_ref())
                .filter_map(|id| r.ec2.security_groups.get(id).map(|other| other.name.clone()))
                .collect(),
            // The account of a referenced group: always this one.
            (_, "user-id") => rules.iter().filter(|rule| rule.referenced_group_id.is_some()).map(|_| owner(api).to_string()).collect(),
            _ => vec![],
        }
    });
    let (page, next) = paginate(groups, p, 5, 1000)?;
    check_dry_run(p)?;
    x.list("securityGroupInfo", "item", page, |x, g| render(x, api, &req.region, g)).opt("nextToken", next);
    Ok(())
}

/// `DeleteSecurityGroup`: `GroupId`, or `GroupName` (default VPC). Output `return`, `groupId`.
///
/// Errors: `InvalidGroup.NotFound`; `CannotDelete` for a VPC's default group;
/// `DependencyViolation` while a load balancer or another group's rule uses it.
pub(crate) async fn delete(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let group_id = p.get("GroupId").filter(|v| !v.is_empty()).map(str::to_string);
    let group_name = p.get("GroupName").filter(|v| !v.is_empty()).map(str::to_string);
    if group_id.is_none() && group_name.is_none() {
        return Err(missing("GroupId"));
    }
    // Resolve the id now for the response; the model resolves again under the writer.
    let resolved = {
        let snap = api.state.current();
        let r = snap.region(&req.region);
        match &group_id {
            Some(id) => r.ec2.security_groups.get(id).map(|g| g.id.clone()).ok_or_else(|| not_found(ResourceKind::SecurityGroup, &[id]))?,
            None => super::rules::target(p, &r)?.id.clone(),
        }
    };
    submit(api, req, Ec2Command::DeleteSecurityGroup { group_id: Some(resolved.clone()), group_name: None }).await?;
    x.text("return", "true").text("groupId", resolved);
    Ok(())
}
