//! AuthorizeSecurityGroupIngress/Egress, RevokeSecurityGroupIngress/Egress and
//! DescribeSecurityGroupRules (EC2 API reference pages of the same names): decoding of `IpPermissions.N` (and the legacy flat
//! `IpProtocol`/`FromPort`/`ToPort`/`CidrIp`/`SourceSecurityGroupName` form) into one
//! [`SecurityGroupRule`] per source, and the `SecurityGroupRule` output shape.

use model::ec2::{Cidr4, SecurityGroup, SecurityGroupRule};
use model::{Ec2Command, RegionState, ResourceKind};

use super::{int, invalid, list, not_found, owner, structs, submit, tag_set};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// The canonical protocol name EC2 stores: `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all) or
/// another protocol number 0–255.
///
/// Errors: `InvalidParameterValue` for anything else.
pub(crate) fn protocol(raw: &str) -> Result<String, ApiError> {
    let l = raw.trim().to_ascii_lowercase();
    Ok(match l.as_str() {
        "tcp" | "6" => "tcp".into(),
        "udp" | "17" => "udp".into(),
        "icmp" | "1" => "icmp".into(),
        "icmpv6" | "58" => "icmpv6".into(),
        "-1" | "all" => "-1".into(),
        n if n.parse::<u8>().is_ok() => n.to_string(),
        _ => return Err(invalid(format!("Invalid value '{raw}' for IP protocol. Unknown protocol."))),
    })
}

/// The (from, to) ports of a permission: required for TCP/UDP (0–65535, from ≤ to), ICMP
/// type/code default -1, none for other protocols (EC2 ignores ports there). TCP/UDP -1/-1
/// means all ports.
fn ports(proto: &str, from: Option<i64>, to: Option<i64>) -> Result<(Option<i32>, Option<i32>), ApiError> {
    match proto {
        "tcp" | "udp" => {
            let (Some(f), Some(t)) = (from, to) else {
                return Err(invalid(format!("Invalid value for portRange. Must specify both from and to ports with protocol {proto}.")));
            };
            if f == -1 && t == -1 {
                // `aws ec2 authorize-security-group-ingress --port all` sends -1/-1: every port.
                return Ok((Some(0), Some(65535)));
            }
            if !(0..=65535).contains(&f) || !(0..=65535).contains(&t) || f > t {
                return Err(invalid(format!("Invalid value '{f}-{t}' for portRange. Ports must be 0 to 65535 and FromPort must not exceed ToPort.")));
            }
            Ok((Some(f as i32), Some(t as i32)))
        }
        "icmp" | "icmpv6" => {
            let f = from.unwrap_or(-1);
            let t = to.unwrap_or(-1);
            if !(-1..=255).contains(&f) || !(-1..=255).contains(&t) {
                return Err(invalid(format!("Invalid value '{f}/{t}' for ICMP type/code. Both must be -1 to 255.")));
            }
            Ok((Some(f as i32), Some(t as i32)))
        }
        _ => Ok((None, None)),
    }
}

/// A rule's `Description`: up to 255 characters of a-z, A-Z, 0-9, spaces and
/// `._-:/()#,@[]+=;{}!$*` (EC2 API reference, `IpRange.Description`; no `&`, unlike group
/// descriptions).
///
/// Errors: `InvalidParameterValue`.
fn description(p: &Params) -> Result<Option<String>, ApiError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=;{}!$*".contains(c);
    match p.get("Description") {
        Some(d) if d.chars().count() > 255 || !d.chars().all(allowed) => Err(invalid(
            "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=;{}!$*",
        )),
        d => Ok(d.map(str::to_string)),
    }
}

fn cidr4(c: &str) -> Result<String, ApiError> {
    Cidr4::parse(c.trim()).map(|_| c.trim().to_string()).ok_or_else(|| invalid(format!("CIDR block {c} is malformed")))
}

fn cidr6(c: &str) -> Result<String, ApiError> {
    let ok = c.split_once('/').is_some_and(|(a, n)| a.parse::<std::net::Ipv6Addr>().is_ok() && n.parse::<u8>().is_ok_and(|n| n <= 128));
    if ok { Ok(c.trim().to_ascii_lowercase()) } else { Err(invalid(format!("CIDR block {c} is malformed"))) }
}

/// The id of the group a `Groups.N` entry or `SourceSecurityGroupName` names: `GroupId`, or
/// `GroupName`, which EC2 looks up in the default VPC whatever the target group's VPC (so a
/// group of another VPC must be named by id).
///
/// Errors: `InvalidGroup.NotFound` for a name not in the default VPC, or "two resources that
/// belong to different networks" when the named group is not in the target's VPC;
/// `MissingParameter` when neither is given.
fn source_group(r: &RegionState, target: &SecurityGroup, id: Option<&str>, name: Option<&str>) -> Result<String, ApiError> {
    match (id, name) {
        (Some(id), _) => Ok(id.to_string()),
        (None, Some(name)) => {
            let vpc = r.ec2.default_vpc().map(|v| v.id.as_str()).unwrap_or_default();
            let g = r
                .ec2
                .security_groups
                .values()
                .find(|g| g.vpc_id == vpc && g.name == name)
                .ok_or_else(|| ApiError::new("InvalidGroup.NotFound", format!("The security group '{name}' does not exist in default VPC '{vpc}'")))?;
            if g.vpc_id != target.vpc_id {
                return Err(ApiError::new("InvalidGroup.NotFound", "You have specified two resources that belong to different networks."));
            }
            Ok(g.id.clone())
        }
        (None, None) => Err(super::missing("IpPermissions.N.Groups.N.GroupId")),
    }
}

/// Decodes every permission of the request into rules (ids fresh; `ids` = false leaves them
/// empty, for Revoke).
pub(crate) fn decode(p: &Params, r: &RegionState, target: &SecurityGroup, with_ids: bool) -> Result<Vec<SecurityGroupRule>, ApiError> {
    let new_id = || if with_ids { ids::ec2("sgr") } else { String::new() };
    let mut out = Vec::new();
    for perm in structs(p, "IpPermissions")? {
        let proto = protocol(super::required(&perm, "IpProtocol")?)?;
        let (from_port, to_port) = ports(&proto, int(&perm, "FromPort")?, int(&perm, "ToPort")?)?;
        if perm.has("PrefixListIds") {
            return Err(invalid("elbow does not support prefix lists (PrefixListIds)"));
        }
        let base = SecurityGroupRule {
            id: String::new(),
            ip_protocol: proto,
            from_port,
            to_port,
            cidr_ipv4: None,
            cidr_ipv6: None,
            referenced_group_id: None,
            description: None,
        };
        let before = out.len();
        for range in structs(&perm, "IpRanges")? {
            let cidr = cidr4(super::required(&range, "CidrIp")?)?;
            out.push(SecurityGroupRule { id: new_id(), cidr_ipv4: Some(cidr), description: description(&range)?, ..base.clone() });
        }
        for range in structs(&perm, "Ipv6Ranges")? {
            let cidr = cidr6(super::required(&range, "CidrIpv6")?)?;
            out.push(SecurityGroupRule { id: new_id(), cidr_ipv6: Some(cidr), description: description(&range)?, ..base.clone() });
        }
        for pair in structs(&perm, "Groups")? {
            let gid = source_group(r, target, pair.get("GroupId"), pair.get("GroupName"))?;
            out.push(SecurityGroupRule { id: new_id(), referenced_group_id: Some(gid), description: description(&pair)?, ..base.clone() });
        }
        if out.len() == before {
            return Err(invalid("Each IpPermission needs at least one of IpRanges, Ipv6Ranges or Groups"));
        }
    }
    // The legacy flat form (one permission from top-level members).
    let flat_source = p.get("CidrIp").is_some() || p.get("SourceSecurityGroupName").is_some();
    if flat_source || p.get("IpProtocol").is_some() {
        let proto = protocol(p.get("IpProtocol").unwrap_or("-1"))?;
        let (from_port, to_port) = ports(&proto, int(p, "FromPort")?, int(p, "ToPort")?)?;
        let mut rule = SecurityGroupRule {
            id: new_id(),
            ip_protocol: proto,
            from_port,
            to_port,
            cidr_ipv4: None,
            cidr_ipv6: None,
            referenced_group_id: None,
            description: None,
        };
        match (p.get("CidrIp"), p.get("SourceSecurityGroupName")) {
            (Some(c), _) => rule.cidr_ipv4 = Some(cidr4(c)?),
            (None, Some(name)) => rule.referenced_group_id = Some(source_group(r, target, None, Some(name))?),
            (None, None) => return Err(super::missing("CidrIp")),
        }
        out.push(rule);
    }
    Ok(out)
}

/// The target group of the request (`GroupId`, or `GroupName` in the default VPC).
///
/// Errors: `InvalidGroup.NotFound`; `MissingParameter` when neither is given.
pub(crate) fn target<'a>(p: &Params, r: &'a RegionState) -> Result<&'a SecurityGroup, ApiError> {
    if let Some(id) = p.get("GroupId") {
        return r.ec2.security_groups.get(id).ok_or_else(|| not_found(ResourceKind::SecurityGroup, &[id]));
    }
    let name = p.get("GroupName").ok_or_else(|| super::missing("GroupId"))?;
    let vpc = r.ec2.default_vpc().ok_or_else(|| ApiError::new("VPCIdNotSpecified", "No default VPC for this user"))?;
    r.ec2
        .security_groups
        .values()
        .find(|g| g.vpc_id == vpc.id && g.name == name)
        .ok_or_else(|| ApiError::new("InvalidGroup.NotFound", format!("The security group '{name}' does not exist in default VPC '{}'", vpc.id)))
}

/// The `…Egress` actions take `GroupId` only (EC2 API reference: `GroupId` is required there;
/// `GroupName` exists only for ingress, for default-VPC compatibility).
///
/// Errors: `MissingParameter` for an egress request without `GroupId`.
fn egress_group_id(p: &Params, egress: bool) -> Result<(), ApiError> {
    if egress {
        super::required(p, "GroupId")?;
    }
    Ok(())
}

/// One `SecurityGroupRule` element body (`fromPort`/`toPort` -1 when the rule has none).
pub(crate) fn render_rule(x: &mut Xml, api: &Api, region: &str, group_id: &str, egress: bool, rule: &SecurityGroupRule) {
    x.text("securityGroupRuleId", &rule.id)
        .text("groupId", group_id)
        .text("groupOwnerId", owner(api))
        .text("isEgress", egress.to_string())
        .text("ipProtocol", &rule.ip_protocol)
        .text("fromPort", rule.from_port.unwrap_or(-1).to_string())
        .text("toPort", rule.to_port.unwrap_or(-1).to_string())
        .opt("cidrIpv4", rule.cidr_ipv4.as_deref())
        .opt("cidrIpv6", rule.cidr_ipv6.as_deref());
    if let Some(g) = &rule.referenced_group_id {
        x.elem("referencedGroupInfo", |x| {
            x.text("groupId", g).text("userId", owner(api));
        });
    }
    x.opt("description", rule.description.as_deref());
    tag_set(x, &Default::default());
    x.text("securityGroupRuleArn", format!("arn:aws:ec2:{region}:{}:security-group-rule/{}", owner(api), rule.id));
}

/// `AuthorizeSecurityGroupIngress` / `…Egress`: `GroupId` (or `GroupName`, ingress only),
/// `IpPermissions.N` or the legacy flat members. Output `return`, `securityGroupRuleSet`.
///
/// Errors: `MissingParameter` (egress without `GroupId`); `InvalidGroup.NotFound`, also for a
/// source group of another VPC; `InvalidPermission.Duplicate`; `InvalidParameterValue` for a
/// bad protocol, port range, CIDR or description; `RulesPerSecurityGroupLimitExceeded`.
pub(crate) async fn authorize(api: &Api, req: &Request, egress: bool, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    egress_group_id(p, egress)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let group = target(p, &r)?;
    let rules = decode(p, &r, group, true)?;
    let group_id = group.id.clone();
    submit(api, req, Ec2Command::AuthorizeSecurityGroupRules { group_id: Some(group_id.clone()), group_name: None, egress, rules: rules.clone() }).await?;
    x.text("return", "true").list("securityGroupRuleSet", "item", &rules, |x, rule| render_rule(x, api, &req.region, &group_id, egress, rule));
    Ok(())
}

/// `RevokeSecurityGroupIngress` / `…Egress`: the permissions as for Authorize, or
/// `SecurityGroupRuleId.N`. Output `return`, `revokedSecurityGroupRuleSet`, and for a group of
/// the default VPC `unknownIpPermissionSet`: the permissions it does not have, which there are
/// no error (EC2 API reference, RevokeSecurityGroupIngress).
///
/// Errors: `InvalidGroup.NotFound`; `InvalidPermission.NotFound` for a permission a group of a
/// non-default VPC does not have (nothing is revoked); `InvalidSecurityGroupRuleId.NotFound`.
pub(crate) async fn revoke(api: &Api, req: &Request, egress: bool, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    egress_group_id(p, egress)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let group = target(p, &r)?;
    let rules = decode(p, &r, group, false)?;
    let rule_ids = list(p, "SecurityGroupRuleId")?;
    let existing = if egress { &group.egress } else { &group.ingress };
    let revoked: Vec<SecurityGroupRule> =
        existing.iter().filter(|e| rules.iter().any(|rule| e.same_permission(rule)) || rule_ids.contains(&e.id)).cloned().collect();
    let unknown: Vec<SecurityGroupRule> = rules.iter().filter(|rule| !existing.iter().any(|e| e.same_permission(rule))).cloned().collect();
    let group_id = group.id.clone();
    submit(api, req, Ec2Command::RevokeSecurityGroupRules { group_id: Some(group_id.clone()), group_name: None, egress, rules, rule_ids }).await?;
    x.text("return", "true");
    // Reached with unknown permissions only for a default-VPC group (others fail above).
    if !unknown.is_empty() {
        super::security_groups::permissions(x, api, "unknownIpPermissionSet", &unknown);
    }
    x.list("revokedSecurityGroupRuleSet", "item", &revoked, |x, rule| {
        x.text("securityGroupRuleId", &rule.id)
            .text("groupId", &group_id)
            .text("isEgress", egress.to_string())
            .text("ipProtocol", &rule.ip_protocol)
            .text("fromPort", rule.from_port.unwrap_or(-1).to_string())
            .text("toPort", rule.to_port.unwrap_or(-1).to_string())
            .opt("cidrIpv4", rule.cidr_ipv4.as_deref())
            .opt("cidrIpv6", rule.cidr_ipv6.as_deref())
            .opt("referencedGroupId", rule.referenced_group_id.as_deref())
            .opt("description", rule.description.as_deref());
    });
    Ok(())
}

/// Filter names of DescribeSecurityGroupRules (EC2 API reference, DescribeSecurityGroupRules
/// "Filters"), besides the tag filters (rules carry no tags in elbow, so those match nothing).
const RULE_FILTERS: &[&str] = &["group-id", "security-group-rule-id"];

/// `DescribeSecurityGroupRules`: `SecurityGroupRuleId.N`, `Filter.N` (`group-id`,
/// `security-group-rule-id`, tag filters), `MaxResults` (5–1000), `NextToken`. Output
/// `securityGroupRuleSet` (shape `SecurityGroupRule`: one source per rule, inbound then outbound
/// per group, groups in creation order), `nextToken`.
///
/// Errors: `InvalidSecurityGroupRuleId.NotFound` for an unknown id; `InvalidParameterValue`
/// for an unknown filter or bad `MaxResults`.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let wanted = list(p, "SecurityGroupRuleId")?;
    let filters = super::filters::decode(p, RULE_FILTERS)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let mut groups: Vec<&SecurityGroup> = r.ec2.security_groups.values().collect();
    super::sort_by_creation(&r.ec2, &mut groups, |g| &g.id);
    let mut rows: Vec<(&SecurityGroup, bool, &SecurityGroupRule)> = groups
        .into_iter()
        .flat_map(|g| g.ingress.iter().map(move |rule| (g, false, rule)).chain(g.egress.iter().map(move |rule| (g, true, rule))))
        .collect();
    if !wanted.is_empty() {
        let unknown: Vec<&str> = wanted.iter().filter(|id| !rows.iter().any(|(_, _, rule)| &rule.id == *id)).map(String::as_str).collect();
        if !unknown.is_empty() {
            let noun = if unknown.len() == 1 { "rule ID" } else { "rule IDs" };
            return Err(ApiError::new("InvalidSecurityGroupRuleId.NotFound", format!("The security group {noun} '{}' does not exist", unknown.join(", "))));
        }
        rows.retain(|(_, _, rule)| wanted.contains(&rule.id));
    }
    super::filters::retain(&mut rows, &filters, |_| None, |(g, _, rule), name| match name {
        "group-id" => super::filters::one(&g.id),
        "security-group-rule-id" => super::filters::one(&rule.id),
        _ => vec![],
    });
    let (page, next) = super::paginate(rows, p, 5, 1000)?;
    super::check_dry_run(p)?;
    x.list("securityGroupRuleSet", "item", page, |x, (g, egress, rule)| render_rule(x, api, &req.region, &g.id, egress, rule)).opt("nextToken", next);
    Ok(())
}
