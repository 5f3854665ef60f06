//! ELBv2 commands applied to one region (semantics from the ELBv2 API reference pages of each
//! action and the ALB user guide).

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::attributes;
use crate::certificate::IamState;
use crate::command::{CreateListener, CreateLoadBalancer, CreateTargetGroup, Elbv2Command, HealthCheckInput, ModifyListener, TargetInput};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::instance::InstanceState;
use crate::listener::{Action, ActionType, Listener};
use crate::load_balancer::{LoadBalancer, LoadBalancerType, LoadBalancerZone};
use crate::snapshot::RegionState;
use crate::tags;
use crate::target_group::{
    Draining, HealthCheck, HealthCheckPort, Matcher, Protocol, ProtocolVersion, RegisteredTarget, TargetGroup, TargetGroupIpAddressType, TargetType,
};

/// AWS default quotas (`DescribeAccountLimits`).
pub mod limits {
    /// `application-load-balancers` (and `network-load-balancers`) per region.
    pub const LOAD_BALANCERS: usize = 50;
    /// `target-groups` per region.
    pub const TARGET_GROUPS: usize = 3000;
    /// `targets-per-target-group`.
    pub const TARGETS_PER_TARGET_GROUP: usize = 1000;
    /// `listeners-per-application-load-balancer`.
    pub const LISTENERS_PER_LOAD_BALANCER: usize = 50;
    /// `target-groups-per-action-on-application-load-balancer`.
    pub const TARGET_GROUPS_PER_ACTION: usize = 5;
    /// Most attributes one Modify…Attributes call may carry (`Attributes` max 20 in the model).
    pub const ATTRIBUTES_PER_CALL: usize = 20;
}

/// The security policy AWS gives HTTPS/TLS listeners created without `SslPolicy`.
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-2016-08";

pub(crate) fn apply(r: &mut RegionState, iam: &IamState, op: &Elbv2Command) -> Result<(), ModelError> {
    match op {
        Elbv2Command::CreateLoadBalancer(c) => create_load_balancer(r, c),
        Elbv2Command::DeleteLoadBalancer { arn } => delete_load_balancer(r, arn),
        Elbv2Command::ModifyLoadBalancerAttributes { arn, attributes } => {
            let lb = r.load_balancers.get_mut(arn).ok_or_else(|| ModelError::not_found(ResourceKind::LoadBalancer, arn))?;
            let defs = attributes::load_balancer_defs(lb.kind, lb.scheme);
            for (k, v) in attributes {
                attributes::validate(&defs, "Load balancer", k, v)?;
                if lb.kind == LoadBalancerType::Application && k == "load_balancing.cross_zone.enabled" && v == "false" {
                    return Err(ModelError::InvalidConfiguration(
                        "Cross-zone load balancing is always enabled on Application Load Balancers; 'load_balancing.cross_zone.enabled' cannot be 'false'".into(),
                    ));
                }
            }
            // Cross-key and current-value rules, before anything changes (the call is atomic).
            attributes::check_load_balancer_change(&defs, &lb.attributes, attributes)?;
            for (k, v) in attributes {
                lb.attributes.insert(k.clone(), v.clone());
            }
            Ok(())
        }
        Elbv2Command::SetSecurityGroups { arn, security_groups } => {
            let lb = r.load_balancers.get(arn).ok_or_else(|| ModelError::not_found(ResourceKind::LoadBalancer, arn))?;
            if lb.kind == LoadBalancerType::Application && security_groups.is_empty() {
                return Err(ModelError::invalid("SecurityGroups", "An Application Load Balancer needs at least one security group"));
            }
            check_security_groups(r, &lb.vpc_id, security_groups)?;
            r.load_balancers.get_mut(arn).unwrap().security_groups = security_groups.clone();
            Ok(())
        }
        Elbv2Command::SetSubnets { arn, subnets } => {
            let lb = r.load_balancers.get(arn).ok_or_else(|| ModelError::not_found(ResourceKind::LoadBalancer, arn))?;
            let (vpc, zones) = resolve_subnets(r, lb.kind, subnets)?;
            if vpc != lb.vpc_id {
                return Err(ModelError::InvalidConfiguration(format!("Subnets must be in the load balancer's VPC '{}'", lb.vpc_id)));
            }
            r.load_balancers.get_mut(arn).unwrap().availability_zones = zones;
            Ok(())
        }
        Elbv2Command::SetIpAddressType { arn, ip_address_type } => {
            let lb = r.load_balancers.get_mut(arn).ok_or_else(|| ModelError::not_found(ResourceKind::LoadBalancer, arn))?;
            lb.ip_address_type = *ip_address_type;
            Ok(())
        }
        Elbv2Command::CreateTargetGroup(c) => create_target_group(r, c),
        Elbv2Command::ModifyTargetGroup { arn, health_check } => {
            let tg = r.target_groups.get(arn).ok_or_else(|| ModelError::not_found(ResourceKind::TargetGroup, arn))?;
            let hc = merge_health_check(tg.protocol, tg.protocol_version, tg.target_type, Some(&tg.health_check), health_check)?;
            r.target_groups.get_mut(arn).unwrap().health_check = hc;
            Ok(())
        }
        Elbv2Command::DeleteTargetGroup { arn } => {
            if !r.target_groups.contains_key(arn) {
                return Ok(());
            }
            if r.target_group_in_use(arn) {
                return Err(ModelError::InUse {
                    kind: ResourceKind::TargetGroup,
                    message: format!("Target group '{arn}' is currently in use by a listener or a rule"),
                });
            }
            r.target_groups.remove(arn);
            Ok(())
        }
        Elbv2Command::ModifyTargetGroupAttributes { arn, attributes } => modify_target_group_attributes(r, arn, attributes),
        Elbv2Command::RegisterTargets { target_group_arn, targets, now } => register_targets(r, target_group_arn, targets, *now),
        Elbv2Command::DeregisterTargets { target_group_arn, targets, now } => deregister_targets(r, target_group_arn, targets, *now),
        Elbv2Command::CreateListener(c) => create_listener(r, iam, c),
        Elbv2Command::ModifyListener(c) => modify_listener(r, iam, c),
        Elbv2Command::AddListenerCertificates { listener_arn, certificates } => crate::apply_listener_certificates::add(r, iam, listener_arn, certificates),
        Elbv2Command::RemoveListenerCertificates { listener_arn, certificates } => crate::apply_listener_certificates::remove(r, listener_arn, certificates),
        Elbv2Command::DeleteListener { arn } => {
            if r.listeners.remove(arn).is_none() {
                return Err(ModelError::not_found(ResourceKind::Listener, arn));
            }
            r.rules.retain(|_, rule| &rule.listener_arn != arn);
            Ok(())
        }
        Elbv2Command::ModifyListenerAttributes { arn, attributes } => {
            let l = r.listeners.get_mut(arn).ok_or_else(|| ModelError::not_found(ResourceKind::Listener, arn))?;
            let defs = attributes::listener_defs(l.protocol);
            for (k, v) in attributes {
                attributes::validate(&defs, "Listener", k, v)?;
            }
            for (k, v) in attributes {
                l.attributes.insert(k.clone(), v.clone());
            }
            Ok(())
        }
        Elbv2Command::CreateRule(c) => crate::apply_rules::create_rule(r, c),
        Elbv2Command::ModifyRule { arn, conditions, actions } => crate::apply_rules::modify_rule(r, arn, conditions.as_deref(), actions.as_deref()),
        Elbv2Command::DeleteRule { arn } => crate::apply_rules::delete_rule(r, arn),
        Elbv2Command::SetRulePriorities { priorities } => crate::apply_rules::set_rule_priorities(r, priorities),
        Elbv2Command::AddTags { arns, tags: new } => {
            for arn in arns {
                tags::merge(tags_of(r, arn)?, new, arn)?;
            }
            Ok(())
        }
        Elbv2Command::RemoveTags { arns, keys } => {
            for arn in arns {
                let t = tags_of(r, arn)?;
                for k in keys {
                    t.remove(k);
                }
            }
            Ok(())
        }
    }
}

/// The kind of ELBv2 resource an ARN names, from its resource path.
pub fn resource_kind_of_arn(arn: &str) -> ResourceKind {
    let resource = crate::ids::Arn::parse(arn).map(|a| a.resource).unwrap_or("");
    if resource.starts_with("loadbalancer/") {
        ResourceKind::LoadBalancer
    } else if resource.starts_with("targetgroup/") {
        ResourceKind::TargetGroup
    } else if resource.starts_with("listener/") {
        ResourceKind::Listener
    } else if resource.starts_with("listener-rule/") {
        ResourceKind::Rule
    } else {
        ResourceKind::Resource
    }
}

fn tags_of<'a>(r: &'a mut RegionState, arn: &str) -> Result<&'a mut BTreeMap<String, String>, ModelError> {
    let kind = resource_kind_of_arn(arn);
    let found = match kind {
        ResourceKind::LoadBalancer => r.load_balancers.get_mut(arn).map(|x| &mut x.tags),
        ResourceKind::TargetGroup => r.target_groups.get_mut(arn).map(|x| &mut x.tags),
        ResourceKind::Listener => r.listeners.get_mut(arn).map(|x| &mut x.tags),
        ResourceKind::Rule => r.rules.get_mut(arn).map(|x| &mut x.tags),
        _ => None,
    };
    found.ok_or_else(|| ModelError::not_found(if kind == ResourceKind::Resource { ResourceKind::LoadBalancer } else { kind }, arn))
}

/// Resolves subnet ids to (VPC, zones) for a load balancer of `kind`.
fn resolve_subnets(r: &RegionState, kind: LoadBalancerType, subnets: &[String]) -> Result<(String, Vec<LoadBalancerZone>), ModelError> {
    if subnets.is_empty() {
        return Err(ModelError::invalid("Subnets", "At least one subnet must be specified"));
    }
    let mut vpc: Option<&str> = None;
    let mut zones: Vec<LoadBalancerZone> = Vec::new();
    for id in subnets {
        let s = r.ec2.subnets.get(id).ok_or_else(|| ModelError::not_found(ResourceKind::Subnet, id))?;
        match vpc {
            None => vpc = Some(&s.vpc_id),
            Some(v) if v != s.vpc_id => {
                return Err(ModelError::InvalidConfiguration(format!("Subnets '{}' and '{}' are in different VPCs", subnets[0], id)));
            }
            _ => {}
        }
        if zones.iter().any(|z| z.zone_name == s.availability_zone) {
            return Err(ModelError::InvalidConfiguration(format!(
                "A load balancer cannot be attached to multiple subnets in the same Availability Zone ('{}')",
                s.availability_zone
            )));
        }
        zones.push(LoadBalancerZone { zone_name: s.availability_zone.clone(), subnet_id: s.id.clone() });
    }
    if kind == LoadBalancerType::Application && zones.len() < 2 {
        return Err(ModelError::invalid("Subnets", "At least two subnets in two different Availability Zones must be specified"));
    }
    Ok((vpc.unwrap_or_default().to_string(), zones))
}

fn check_security_groups(r: &RegionState, vpc_id: &str, groups: &[String]) -> Result<(), ModelError> {
    for g in groups {
        match r.ec2.security_groups.get(g) {
            Some(sg) if sg.vpc_id == vpc_id => {}
            Some(_) => return Err(ModelError::InvalidSecurityGroup(format!("Security group '{g}' does not belong to VPC '{vpc_id}'"))),
            None => return Err(ModelError::InvalidSecurityGroup(format!("One or more security groups are invalid: '{g}' does not exist"))),
        }
    }
    Ok(())
}

fn create_load_balancer(r: &mut RegionState, c: &CreateLoadBalancer) -> Result<(), ModelError> {
    if !crate::ids::is_valid_elb_name(&c.name) {
        return Err(ModelError::invalid(
            "Name",
            format!("Load balancer name '{}' must be 1 to 32 alphanumeric characters or hyphens, and must not begin or end with a hyphen", c.name),
        ));
    }
    if c.name.starts_with("internal-") {
        return Err(ModelError::invalid("Name", format!("Load balancer name '{}' must not begin with 'internal-'", c.name)));
    }
    if c.kind == LoadBalancerType::Gateway {
        return Err(ModelError::invalid("Type", "elbow does not run Gateway Load Balancers (GENEVE); use 'application' or 'network'"));
    }
    let (vpc_id, zones) = resolve_subnets(r, c.kind, &c.subnets)?;
    let security_groups = match &c.security_groups {
        Some(g) => {
            check_security_groups(r, &vpc_id, g)?;
            g.clone()
        }
        None if c.kind == LoadBalancerType::Application => {
            vec![r.ec2.vpcs.get(&vpc_id).map(|v| v.default_security_group_id.clone()).unwrap_or_default()]
        }
        None => Vec::new(),
    };
    tags::validate(&c.tags)?;
    if let Some(existing) = r.load_balancers.values().find(|lb| lb.name == c.name) {
        let same = existing.kind == c.kind
            && existing.scheme == c.scheme
            && existing.ip_address_type == c.ip_address_type
            && existing.availability_zones == zones
            && existing.security_groups == security_groups;
        return if same {
            Ok(())
        } else {
            Err(ModelError::Duplicate { kind: ResourceKind::LoadBalancer, message: format!("A load balancer with the name '{}' already exists", c.name) })
        };
    }
    if r.load_balancers.values().filter(|lb| lb.kind == c.kind).count() >= limits::LOAD_BALANCERS {
        return Err(ModelError::TooMany { quota: Quota::LoadBalancers, message: format!("The quota of {} load balancers per region is reached", limits::LOAD_BALANCERS) });
    }
    let lb = LoadBalancer {
        arn: c.arn.clone(),
        name: c.name.clone(),
        id: c.id.clone(),
        dns_name: c.dns_name.clone(),
        canonical_hosted_zone_id: c.canonical_hosted_zone_id.clone(),
        created_time: c.now,
        scheme: c.scheme,
        kind: c.kind,
        ip_address_type: c.ip_address_type,
        vpc_id,
        availability_zones: zones,
        security_groups,
        attributes: BTreeMap::new(),
        tags: tags::initial(&c.tags, &c.arn)?,
    };
    r.load_balancers.insert(lb.arn.clone(), lb);
    Ok(())
}

fn delete_load_balancer(r: &mut RegionState, arn: &str) -> Result<(), ModelError> {
    let Some(lb) = r.load_balancers.get(arn) else { return Ok(()) };
    if attributes::load_balancer_attribute(lb, "deletion_protection.enabled").as_deref() == Some("true") {
        return Err(ModelError::NotPermitted(format!("Load balancer '{arn}' cannot be deleted because deletion protection is enabled")));
    }
    let listeners: Vec<String> = r.listeners.values().filter(|l| l.load_balancer_arn == arn).map(|l| l.arn.clone()).collect();
    for l in &listeners {
        r.listeners.remove(l);
    }
    r.rules.retain(|_, rule| !listeners.contains(&rule.listener_arn));
    r.load_balancers.remove(arn);
    Ok(())
}

/// The health-check defaults of a target group (CreateTargetGroup reference and ALB/NLB guides).
fn default_health_check(protocol: Option<Protocol>, version: Option<ProtocolVersion>, target_type: TargetType) -> HealthCheck {
    let alb = matches!(protocol, Some(Protocol::Http | Protocol::Https));
    let hc_protocol = match protocol {
        Some(Protocol::Http | Protocol::Https) => protocol.unwrap(),
        Some(Protocol::Geneve) => Protocol::Tcp,
        None => Protocol::Http,
        Some(_) => Protocol::Tcp,
    };
    let lambda = target_type == TargetType::Lambda;
    HealthCheck {
        enabled: !lambda,
        protocol: hc_protocol,
        port: if protocol == Some(Protocol::Geneve) { HealthCheckPort::Port(80) } else { HealthCheckPort::TrafficPort },
        path: hc_protocol.is_http().then(|| if version == Some(ProtocolVersion::Grpc) { "/AWS.ALB/healthcheck".to_string() } else { "/".to_string() }),
        interval_seconds: if lambda { 35 } else if protocol == Some(Protocol::Geneve) { 10 } else { 30 },
        timeout_seconds: if lambda { 30 } else if alb || protocol == Some(Protocol::Geneve) { 5 } else { 10 },
        healthy_threshold: 5,
        unhealthy_threshold: if lambda { 5 } else { 2 },
        // Lambda groups serve ALBs: their matcher default is the ALB one, 200.
        matcher: hc_protocol.is_http().then(|| default_matcher(alb || lambda, version)),
    }
}

fn default_matcher(alb: bool, version: Option<ProtocolVersion>) -> Matcher {
    if version == Some(ProtocolVersion::Grpc) {
        Matcher { http_code: None, grpc_code: Some("12".into()) }
    } else {
        Matcher { http_code: Some(if alb { "200" } else { "200-399" }.into()), grpc_code: None }
    }
}

/// Parses an HTTP matcher (`200`, `200,202`, `200-299`) into inclusive ranges, each code within
/// `lo..=hi`.
pub fn parse_code_matcher(s: &str, lo: u16, hi: u16) -> Option<Vec<(u16, u16)>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?),
            None => {
                let n = part.parse::<u16>().ok()?;
                (n, n)
            }
        };
        if a > b || a < lo || b > hi {
            return None;
        }
        out.push((a, b));
    }
    (!out.is_empty()).then_some(out)
}

fn merge_health_check(
    protocol: Option<Protocol>,
    version: Option<ProtocolVersion>,
    target_type: TargetType,
    current: Option<&HealthCheck>,
    input: &HealthCheckInput,
) -> Result<HealthCheck, ModelError> {
    let mut hc = current.cloned().unwrap_or_else(|| default_health_check(protocol, version, target_type));
    let alb = matches!(protocol, Some(Protocol::Http | Protocol::Https));
    if let Some(p) = input.protocol {
        let ok = if alb { p.is_http() } else { matches!(p, Protocol::Http | Protocol::Https | Protocol::Tcp) };
        if !ok {
            return Err(ModelError::invalid(
                "HealthCheckProtocol",
                format!("Health check protocol '{p}' is not supported for target groups with protocol '{}'", protocol.map(|p| p.as_str()).unwrap_or("none")),
            ));
        }
        if p != hc.protocol {
            // Switching between TCP and HTTP(S) brings that protocol's path and matcher defaults.
            if p.is_http() && hc.path.is_none() {
                hc.path = Some("/".into());
            }
            if p.is_http() && hc.matcher.is_none() {
                hc.matcher = Some(default_matcher(alb, version));
            }
            if !p.is_http() {
                hc.path = None;
                hc.matcher = None;
            }
        }
        hc.protocol = p;
    }
    if let Some(e) = input.enabled {
        if !e && matches!(target_type, TargetType::Instance | TargetType::Ip | TargetType::Alb) {
            return Err(ModelError::InvalidConfiguration(format!("Health checks cannot be disabled for target groups with target type '{target_type}'")));
        }
        hc.enabled = e;
    }
    if let Some(p) = input.port {
        hc.port = p;
    }
    if let Some(path) = &input.path {
        if !hc.protocol.is_http() {
            return Err(ModelError::invalid("HealthCheckPath", format!("A health check path cannot be set for health check protocol '{}'", hc.protocol)));
        }
        if !path.starts_with('/') {
            return Err(ModelError::invalid("HealthCheckPath", format!("Health check path '{path}' must begin with '/'")));
        }
        hc.path = Some(path.clone());
    }
    if let Some(v) = input.interval_seconds {
        hc.interval_seconds = v;
    }
    if let Some(v) = input.timeout_seconds {
        hc.timeout_seconds = v;
    }
    if let Some(v) = input.healthy_threshold {
        hc.healthy_threshold = v;
    }
    if let Some(v) = input.unhealthy_threshold {
        hc.unhealthy_threshold = v;
    }
    if let Some(m) = &input.matcher {
        if !hc.protocol.is_http() {
            return Err(ModelError::invalid("Matcher", format!("A matcher cannot be set for health check protocol '{}'", hc.protocol)));
        }
        if let Some(code) = &m.http_code {
            let (lo, hi) = if alb { (200, 499) } else { (200, 599) };
            if parse_code_matcher(code, lo, hi).is_none() {
                return Err(ModelError::invalid("Matcher.HttpCode", format!("Matcher HttpCode '{code}' must be codes from {lo} to {hi} such as '200', '200,202' or '200-299'")));
            }
        }
        if let Some(code) = &m.grpc_code {
            if version != Some(ProtocolVersion::Grpc) {
                return Err(ModelError::invalid("Matcher.GrpcCode", "A GrpcCode matcher needs a target group with protocol version 'GRPC'"));
            }
            if parse_code_matcher(code, 0, 99).is_none() {
                return Err(ModelError::invalid("Matcher.GrpcCode", format!("Matcher GrpcCode '{code}' must be codes from 0 to 99 such as '12' or '0-99'")));
            }
        }
        if m.http_code.is_none() && m.grpc_code.is_none() {
            return Err(ModelError::invalid("Matcher", "A matcher needs HttpCode or GrpcCode"));
        }
        hc.matcher = Some(m.clone());
    }
    if hc.timeout_seconds >= hc.interval_seconds {
        return Err(ModelError::InvalidConfiguration(format!(
            "Health check timeout ({} seconds) must be smaller than the interval ({} seconds)",
            hc.timeout_seconds, hc.interval_seconds
        )));
    }
    Ok(hc)
}

fn create_target_group(r: &mut RegionState, c: &CreateTargetGroup) -> Result<(), ModelError> {
    if !crate::ids::is_valid_elb_name(&c.name) {
        return Err(ModelError::invalid(
            "Name",
            format!("Target group name '{}' must be 1 to 32 alphanumeric characters or hyphens, and must not begin or end with a hyphen", c.name),
        ));
    }
    let target_type = c.target_type.unwrap_or(TargetType::Instance);
    if target_type != TargetType::Lambda {
        if c.protocol.is_none() {
            return Err(ModelError::invalid("Protocol", format!("A protocol must be specified for target groups with target type '{target_type}'")));
        }
        if c.port.is_none() {
            return Err(ModelError::invalid("Port", format!("A port must be specified for target groups with target type '{target_type}'")));
        }
        match &c.vpc_id {
            None => return Err(ModelError::invalid("VpcId", format!("A VPC ID must be specified for target groups with target type '{target_type}'"))),
            Some(v) if !r.ec2.vpcs.contains_key(v) => return Err(ModelError::invalid("VpcId", format!("The VPC ID '{v}' is not found"))),
            _ => {}
        }
    } else if c.protocol.is_some() || c.port.is_some() || c.vpc_id.is_some() {
        return Err(ModelError::invalid("TargetType", "Protocol, port and VPC ID cannot be specified for target groups with target type 'lambda'"));
    }
    if let Some(p) = c.protocol {
        if matches!(p, Protocol::Quic | Protocol::TcpQuic) {
            return Err(ModelError::UnsupportedProtocol(format!("elbow does not support target group protocol '{p}'")));
        }
        if target_type == TargetType::Alb && p != Protocol::Tcp {
            return Err(ModelError::invalid("Protocol", "Target groups with target type 'alb' must use protocol 'TCP'"));
        }
    }
    let version = match (c.protocol, c.protocol_version) {
        (Some(Protocol::Http | Protocol::Https), v) => Some(v.unwrap_or(ProtocolVersion::Http1)),
        (_, Some(v)) => {
            return Err(ModelError::invalid("ProtocolVersion", format!("Protocol version '{v}' can only be used with protocols HTTP and HTTPS")));
        }
        _ => None,
    };
    let health_check = merge_health_check(c.protocol, version, target_type, None, &c.health_check)?;
    tags::validate(&c.tags)?;
    let ip_address_type = c.ip_address_type.unwrap_or(TargetGroupIpAddressType::Ipv4);
    if let Some(existing) = r.target_groups.values().find(|tg| tg.name == c.name) {
        let same = existing.protocol == c.protocol
            && existing.port == c.port
            && existing.vpc_id == c.vpc_id
            && existing.target_type == target_type
            && existing.protocol_version == version
            && existing.health_check == health_check;
        return if same {
            Ok(())
        } else {
            Err(ModelError::Duplicate { kind: ResourceKind::TargetGroup, message: format!("A target group with the name '{}' already exists", c.name) })
        };
    }
    if r.target_groups.len() >= limits::TARGET_GROUPS {
        return Err(ModelError::TooMany { quota: Quota::TargetGroups, message: format!("The quota of {} target groups per region is reached", limits::TARGET_GROUPS) });
    }
    let tg = TargetGroup {
        arn: c.arn.clone(),
        name: c.name.clone(),
        id: c.id.clone(),
        protocol: c.protocol,
        protocol_version: version,
        port: c.port,
        vpc_id: c.vpc_id.clone(),
        target_type,
        ip_address_type,
        health_check,
        attributes: BTreeMap::new(),
        tags: tags::initial(&c.tags, &c.arn)?,
        targets: Vec::new(),
        created_time: c.now,
    };
    r.target_groups.insert(tg.arn.clone(), tg);
    Ok(())
}

fn modify_target_group_attributes(r: &mut RegionState, arn: &str, attrs: &[(String, String)]) -> Result<(), ModelError> {
    let tg = r.target_groups.get_mut(arn).ok_or_else(|| ModelError::not_found(ResourceKind::TargetGroup, arn))?;
    let defs = attributes::target_group_defs(tg);
    for (k, v) in attrs {
        attributes::validate(&defs, "Target group", k, v)?;
        if k == "stickiness.app_cookie.cookie_name" {
            let upper = v.to_ascii_uppercase();
            if upper.starts_with("AWSALB") {
                return Err(ModelError::invalid(format!("Attributes[{k}]"), format!("App cookie name '{v}' must not begin with the reserved prefixes AWSALB, AWSALBAPP or AWSALBTG")));
            }
        }
    }
    let mut merged = tg.attributes.clone();
    for (k, v) in attrs {
        merged.insert(k.clone(), v.clone());
    }
    let eff = |k: &str| attributes::effective(&defs, &merged, k).unwrap_or_default();
    if eff("load_balancing.algorithm.type") == "least_outstanding_requests" && eff("slow_start.duration_seconds") != "0" {
        return Err(ModelError::InvalidConfiguration("Slow start cannot be combined with the least_outstanding_requests algorithm".into()));
    }
    if eff("load_balancing.algorithm.anomaly_mitigation") == "on" && eff("load_balancing.algorithm.type") != "weighted_random" {
        return Err(ModelError::InvalidConfiguration("Anomaly mitigation needs the weighted_random algorithm".into()));
    }
    if eff("stickiness.enabled") == "true" && eff("stickiness.type") == "app_cookie" && eff("stickiness.app_cookie.cookie_name").is_empty() {
        return Err(ModelError::invalid("Attributes[stickiness.app_cookie.cookie_name]", "Stickiness type 'app_cookie' needs 'stickiness.app_cookie.cookie_name'"));
    }
    attributes::check_target_group_change(&defs, &tg.attributes, attrs)?;
    if eff(attributes::ELBOW_HASH_KEY) == "http_header" {
        let name = eff(attributes::ELBOW_HASH_HEADER);
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
            return Err(ModelError::invalid(
                format!("Attributes[{}]", attributes::ELBOW_HASH_HEADER),
                format!("Hash key 'http_header' needs '{}' set to a header name (an RFC 9110 token), not '{name}'", attributes::ELBOW_HASH_HEADER),
            ));
        }
    }
    tg.attributes = merged;
    Ok(())
}

fn register_targets(r: &mut RegionState, arn: &str, targets: &[TargetInput], now: u64) -> Result<(), ModelError> {
    let zones = r.ec2.zones.clone();
    let instances = &r.ec2.instances;
    let tg = r.target_groups.get_mut(arn).ok_or_else(|| ModelError::not_found(ResourceKind::TargetGroup, arn))?;
    for t in targets {
        match tg.target_type {
            TargetType::Ip => {
                let ip: IpAddr = t.id.parse().map_err(|_| ModelError::InvalidTarget(format!("The IP address '{}' is not a valid IP address", t.id)))?;
                let want_v6 = tg.ip_address_type == TargetGroupIpAddressType::Ipv6;
                if ip.is_ipv6() != want_v6 {
                    return Err(ModelError::InvalidTarget(format!("The IP address '{}' does not match the target group's IP address type '{}'", t.id, tg.ip_address_type)));
                }
            }
            TargetType::Instance => match instances.get(&t.id) {
                None => return Err(ModelError::InvalidTarget(format!("The following targets are not valid instances in this region: '{}'", t.id))),
                Some(i) if matches!(i.state, InstanceState::ShuttingDown | InstanceState::Terminated) => {
                    return Err(ModelError::InvalidTarget(format!("The following targets are not in a running state and cannot be registered: '{}'", t.id)));
                }
                Some(i) if tg.vpc_id.as_ref().is_some_and(|v| *v != i.vpc_id) => {
                    return Err(ModelError::InvalidTarget(format!("The following targets are not in the target group's VPC '{}': '{}'", tg.vpc_id.as_deref().unwrap_or(""), t.id)));
                }
                Some(_) => {}
            },
            other => return Err(ModelError::invalid("Targets.Id", format!("elbow does not support targets of type '{other}'"))),
        }
        if let Some(z) = &t.availability_zone
            && z != "all" && !zones.contains(z) {
                return Err(ModelError::invalid("Targets.AvailabilityZone", format!("Availability Zone '{z}' is not one of this region's zones {zones:?} or 'all'")));
            }
    }
    for t in targets {
        let port = t.port.or(tg.port).ok_or_else(|| ModelError::invalid("Targets.Port", format!("A port must be specified for target '{}'", t.id)))?;
        match tg.targets.iter_mut().find(|x| x.id == t.id && x.port == port) {
            Some(existing) => {
                if existing.draining.is_some() {
                    existing.draining = None;
                    existing.registered_at = now;
                }
                if t.availability_zone.is_some() {
                    existing.availability_zone = t.availability_zone.clone();
                }
            }
            None => {
                if tg.targets.len() >= limits::TARGETS_PER_TARGET_GROUP {
                    return Err(ModelError::TooMany {
                        quota: Quota::Targets,
                        message: format!("The quota of {} targets per target group is reached", limits::TARGETS_PER_TARGET_GROUP),
                    });
                }
                tg.targets.push(RegisteredTarget { id: t.id.clone(), port, availability_zone: t.availability_zone.clone(), registered_at: now, draining: None });
            }
        }
    }
    Ok(())
}

fn deregister_targets(r: &mut RegionState, arn: &str, targets: &[TargetInput], now: u64) -> Result<(), ModelError> {
    let tg = r.target_groups.get_mut(arn).ok_or_else(|| ModelError::not_found(ResourceKind::TargetGroup, arn))?;
    let delay_s: u64 = tg.attribute("deregistration_delay.timeout_seconds").and_then(|v| v.parse().ok()).unwrap_or(300);
    for t in targets {
        let port = t.port.or(tg.port);
        for x in tg.targets.iter_mut().filter(|x| x.id == t.id && port.is_none_or(|p| p == x.port)) {
            if x.draining.is_none() {
                x.draining = Some(Draining { since: now, until: now + delay_s * 1000 });
            }
        }
    }
    // A zero delay ends draining at once.
    tg.targets.retain(|x| x.draining.is_none_or(|d| d.until > now));
    Ok(())
}

/// Checks actions of a listener or rule (ELBv2 `Action` reference; ALB guide "Rule action
/// types"), returning them sorted by `Order`.
pub(crate) fn check_actions(r: &RegionState, lb: &LoadBalancer, protocol: Protocol, actions: &[Action], field: &str) -> Result<Vec<Action>, ModelError> {
    if actions.is_empty() {
        return Err(ModelError::invalid(field, "At least one action must be specified"));
    }
    if actions.len() > 1 && actions.iter().any(|a| a.order.is_none()) {
        return Err(ModelError::invalid(field, "An order must be specified for each action when there is more than one action"));
    }
    let mut sorted = actions.to_vec();
    sorted.sort_by_key(|a| a.order.unwrap_or(1));
    for w in sorted.windows(2) {
        if w[0].order == w[1].order {
            return Err(ModelError::InvalidAction(format!("Action order {} is used more than once", w[0].order.unwrap_or(1))));
        }
    }
    let terminal = |a: &Action| matches!(a.kind, ActionType::Forward | ActionType::Redirect | ActionType::FixedResponse);
    let n_terminal = sorted.iter().filter(|a| terminal(a)).count();
    if n_terminal != 1 || !terminal(sorted.last().unwrap()) {
        return Err(ModelError::InvalidAction("Exactly one forward, redirect or fixed-response action must be specified, and it must be the last action".into()));
    }
    for a in &mut sorted {
        match a.kind {
            ActionType::Forward => {
                let weighted = a.forward.as_ref().map(|f| f.target_groups.clone()).unwrap_or_default();
                if a.target_group_arn.is_none() && weighted.is_empty() {
                    return Err(ModelError::invalid(field, "A forward action needs TargetGroupArn or ForwardConfig.TargetGroups"));
                }
                if let (Some(single), false) = (&a.target_group_arn, weighted.is_empty())
                    && (weighted.len() != 1 || &weighted[0].target_group_arn != single) {
                        return Err(ModelError::InvalidAction("TargetGroupArn and ForwardConfig must name the same single target group when both are given".into()));
                    }
                if weighted.len() > limits::TARGET_GROUPS_PER_ACTION {
                    return Err(ModelError::invalid(field, format!("A forward action can have at most {} target groups", limits::TARGET_GROUPS_PER_ACTION)));
                }
                for (i, w) in weighted.iter().enumerate() {
                    if weighted[..i].iter().any(|x| x.target_group_arn == w.target_group_arn) {
                        return Err(ModelError::InvalidAction(format!("Target group '{}' is listed more than once in ForwardConfig", w.target_group_arn)));
                    }
                    if w.weight.is_some_and(|x| x > 999) {
                        return Err(ModelError::invalid(field, "ForwardConfig target group weights must be from 0 to 999"));
                    }
                }
                if let Some(s) = a.forward.as_ref().and_then(|f| f.stickiness.as_ref())
                    && s.enabled == Some(true) && s.duration_seconds.is_none_or(|d| !(1..=604_800).contains(&d)) {
                        return Err(ModelError::invalid(field, "TargetGroupStickinessConfig.DurationSeconds must be from 1 to 604800 when stickiness is enabled"));
                    }
                for tg_arn in a.target_group_arns() {
                    let tg = r.target_groups.get(tg_arn).ok_or_else(|| ModelError::not_found(ResourceKind::TargetGroup, tg_arn))?;
                    let fits = match lb.kind {
                        LoadBalancerType::Application => matches!(tg.protocol, Some(Protocol::Http | Protocol::Https)) || tg.target_type == TargetType::Lambda,
                        _ => !matches!(tg.protocol, Some(Protocol::Http | Protocol::Https)),
                    };
                    if !fits {
                        return Err(ModelError::IncompatibleProtocols(format!(
                            "Target group '{tg_arn}' with protocol '{}' cannot be used with a {protocol} listener of a load balancer of type '{}'",
                            tg.protocol.map(|p| p.as_str()).unwrap_or("none"),
                            lb.kind
                        )));
                    }
                    let others: Vec<String> = r.load_balancers_of_target_group(tg_arn).into_iter().filter(|x| x != &lb.arn).collect();
                    if !others.is_empty() {
                        return Err(ModelError::TooMany {
                            quota: Quota::TargetGroupAssociation,
                            message: format!("Target group '{tg_arn}' is already associated with load balancer '{}' and cannot be associated with more than one load balancer", others[0]),
                        });
                    }
                }
            }
            ActionType::Redirect => {
                let c = a.redirect.as_ref().ok_or_else(|| ModelError::invalid(field, "A redirect action needs RedirectConfig"))?;
                let unchanged = |v: &Option<String>, token: &str| v.as_deref().is_none_or(|x| x == token);
                if unchanged(&c.protocol, "#{protocol}")
                    && unchanged(&c.port, "#{port}")
                    && unchanged(&c.host, "#{host}")
                    && unchanged(&c.path, "/#{path}")
                    && unchanged(&c.query, "#{query}")
                {
                    return Err(ModelError::InvalidAction("A redirect must change at least one of protocol, port, host, path or query, or it would loop".into()));
                }
                if let Some(p) = &c.protocol {
                    if !matches!(p.as_str(), "HTTP" | "HTTPS" | "#{protocol}") {
                        return Err(ModelError::invalid(field, format!("Redirect protocol '{p}' must be HTTP, HTTPS or #{{protocol}}")));
                    }
                    if protocol == Protocol::Https && p == "HTTP" {
                        return Err(ModelError::InvalidAction("A redirect from HTTPS to HTTP is not allowed".into()));
                    }
                }
                if let Some(p) = &c.port
                    && p != "#{port}" && p.parse::<u16>().map_or(true, |n| n == 0) {
                        return Err(ModelError::invalid(field, format!("Redirect port '{p}' must be 1 to 65535 or #{{port}}")));
                    }
                if let Some(p) = &c.path
                    && (!p.starts_with('/') || p.len() > 128) {
                        return Err(ModelError::invalid(field, format!("Redirect path '{p}' must start with '/' and be at most 128 characters")));
                    }
                if c.host.as_ref().is_some_and(|h| h.is_empty() || h.len() > 128) || c.query.as_ref().is_some_and(|q| q.len() > 128 || q.starts_with('?')) {
                    return Err(ModelError::invalid(field, "Redirect host must be 1 to 128 characters and query at most 128 characters without a leading '?'"));
                }
            }
            ActionType::FixedResponse => {
                let c = a.fixed_response.as_ref().ok_or_else(|| ModelError::invalid(field, "A fixed-response action needs FixedResponseConfig"))?;
                let b = c.status_code.as_bytes();
                if b.len() != 3 || !matches!(b[0], b'2' | b'4' | b'5') || !b[1].is_ascii_digit() || !b[2].is_ascii_digit() {
                    return Err(ModelError::invalid(field, format!("Fixed response status code '{}' must be a 2XX, 4XX or 5XX code", c.status_code)));
                }
                if let Some(ct) = &c.content_type
                    && !matches!(ct.as_str(), "text/plain" | "text/css" | "text/html" | "application/javascript" | "application/json") {
                        return Err(ModelError::invalid(
                            field,
                            format!("Fixed response content type '{ct}' must be text/plain, text/css, text/html, application/javascript or application/json"),
                        ));
                    }
                if c.message_body.as_ref().is_some_and(|m| m.len() > 1024) {
                    return Err(ModelError::invalid(field, "Fixed response message body must be at most 1024 characters"));
                }
            }
            ActionType::AuthenticateOidc | ActionType::AuthenticateCognito | ActionType::JwtValidation => {
                if protocol != Protocol::Https {
                    return Err(ModelError::InvalidAction(format!("Action type '{}' is supported only on HTTPS listeners", a.kind)));
                }
                return Err(ModelError::InvalidAction(format!("elbow does not implement '{}' actions", a.kind)));
            }
        }
    }
    Ok(sorted)
}

/// Another listener on this node uses `port`: one node binds every listener on one address.
fn port_taken_elsewhere(r: &RegionState, port: u16, except: Option<&str>) -> Option<String> {
    r.listeners.values().find(|l| l.port == port && Some(l.arn.as_str()) != except).map(|l| l.load_balancer_arn.clone())
}

fn check_listener_protocol(lb: &LoadBalancer, protocol: Protocol, certificates: &[String], resolves: impl Fn(&str) -> bool) -> Result<(), ModelError> {
    let ok = match lb.kind {
        LoadBalancerType::Application => protocol.is_http(),
        LoadBalancerType::Network => matches!(protocol, Protocol::Tcp | Protocol::Tls | Protocol::Udp | Protocol::TcpUdp),
        LoadBalancerType::Gateway => protocol == Protocol::Geneve,
    };
    if !ok {
        return Err(ModelError::UnsupportedProtocol(format!("Protocol '{protocol}' is not supported for load balancers of type '{}'", lb.kind)));
    }
    let tls = matches!(protocol, Protocol::Https | Protocol::Tls);
    if tls && certificates.len() != 1 {
        return Err(ModelError::invalid("Certificates", format!("You must provide a list containing exactly one certificate if the listener protocol is {protocol}.")));
    }
    if !tls && !certificates.is_empty() {
        return Err(ModelError::invalid("Certificates", format!("Certificates cannot be specified for listeners with protocol '{protocol}'")));
    }
    if tls && !resolves(&certificates[0]) {
        return Err(ModelError::not_found(ResourceKind::Certificate, &certificates[0]));
    }
    Ok(())
}

fn create_listener(r: &mut RegionState, iam: &IamState, c: &CreateListener) -> Result<(), ModelError> {
    let lb = r.load_balancers.get(&c.load_balancer_arn).ok_or_else(|| ModelError::not_found(ResourceKind::LoadBalancer, &c.load_balancer_arn))?;
    let protocol = c.protocol.ok_or_else(|| ModelError::invalid("Protocol", "A listener protocol must be specified"))?;
    let port = c.port.ok_or_else(|| ModelError::invalid("Port", "A listener port must be specified"))?;
    crate::ssl_policy::check(c.ssl_policy.as_deref())?;
    check_listener_protocol(lb, protocol, &c.certificates, |a| crate::certificate::resolve(iam, r, a).is_some())?;
    let actions = check_actions(r, lb, protocol, &c.default_actions, "DefaultActions")?;
    tags::validate(&c.tags)?;
    let ssl_policy = matches!(protocol, Protocol::Https | Protocol::Tls).then(|| c.ssl_policy.clone().unwrap_or_else(|| DEFAULT_SSL_POLICY.to_string()));
    if let Some(existing) = r.listeners.values().find(|l| l.load_balancer_arn == c.load_balancer_arn && l.port == port) {
        let same = existing.protocol == protocol
            && existing.default_actions == actions
            && existing.ssl_policy == ssl_policy
            && existing.certificate_arn.as_ref() == c.certificates.first();
        return if same {
            Ok(())
        } else {
            Err(ModelError::Duplicate { kind: ResourceKind::Listener, message: format!("A listener with port {port} already exists on load balancer '{}'", lb.name) })
        };
    }
    if let Some(other) = port_taken_elsewhere(r, port, None) {
        return Err(ModelError::Duplicate {
            kind: ResourceKind::Listener,
            message: format!("Port {port} is already used by a listener of load balancer '{other}': one elbow node serves every listener on one address, so listener ports must differ"),
        });
    }
    if r.listeners.values().filter(|l| l.load_balancer_arn == c.load_balancer_arn).count() >= limits::LISTENERS_PER_LOAD_BALANCER {
        return Err(ModelError::TooMany { quota: Quota::Listeners, message: format!("The quota of {} listeners per load balancer is reached", limits::LISTENERS_PER_LOAD_BALANCER) });
    }
    let l = Listener {
        arn: c.arn.clone(),
        id: c.id.clone(),
        load_balancer_arn: c.load_balancer_arn.clone(),
        port,
        protocol,
        ssl_policy,
        certificate_arn: c.certificates.first().cloned(),
        sni_certificate_arns: Vec::new(),
        default_actions: actions,
        alpn_policy: c.alpn_policy.clone(),
        default_rule_id: c.default_rule_id.clone(),
        attributes: BTreeMap::new(),
        tags: tags::initial(&c.tags, &c.arn)?,
        created_time: c.now,
    };
    r.listeners.insert(l.arn.clone(), l);
    Ok(())
}

fn modify_listener(r: &mut RegionState, iam: &IamState, c: &ModifyListener) -> Result<(), ModelError> {
    let current = r.listeners.get(&c.arn).ok_or_else(|| ModelError::not_found(ResourceKind::Listener, &c.arn))?.clone();
    let lb = r.load_balancers.get(&current.load_balancer_arn).ok_or_else(|| ModelError::not_found(ResourceKind::LoadBalancer, &current.load_balancer_arn))?;
    let protocol = c.protocol.unwrap_or(current.protocol);
    let tls = matches!(protocol, Protocol::Https | Protocol::Tls);
    let certificates = match (&c.certificates, tls) {
        (Some(cs), _) => cs.clone(),
        (None, true) => current.certificate_arn.iter().cloned().collect(),
        (None, false) => Vec::new(),
    };
    crate::ssl_policy::check(c.ssl_policy.as_deref())?;
    check_listener_protocol(lb, protocol, &certificates, |a| crate::certificate::resolve(iam, r, a).is_some())?;
    let port = c.port.unwrap_or(current.port);
    if port != current.port {
        if r.listeners.values().any(|l| l.load_balancer_arn == current.load_balancer_arn && l.port == port) {
            return Err(ModelError::Duplicate { kind: ResourceKind::Listener, message: format!("A listener with port {port} already exists on load balancer '{}'", lb.name) });
        }
        if let Some(other) = port_taken_elsewhere(r, port, Some(&c.arn)) {
            return Err(ModelError::Duplicate { kind: ResourceKind::Listener, message: format!("Port {port} is already used by a listener of load balancer '{other}'") });
        }
    }
    let actions = match &c.default_actions {
        Some(a) => check_actions(r, lb, protocol, a, "DefaultActions")?,
        None => current.default_actions.clone(),
    };
    let ssl_policy = tls.then(|| c.ssl_policy.clone().or(current.ssl_policy.clone()).unwrap_or_else(|| DEFAULT_SSL_POLICY.to_string()));
    let l = r.listeners.get_mut(&c.arn).unwrap();
    l.port = port;
    l.protocol = protocol;
    l.ssl_policy = ssl_policy;
    l.certificate_arn = certificates.first().cloned();
    if !tls {
        l.sni_certificate_arns.clear();
    }
    l.default_actions = actions;
    if let Some(a) = &c.alpn_policy {
        l.alpn_policy = a.clone();
    }
    if current.protocol != protocol {
        // Attributes of the old protocol do not apply to the new one.
        let defs = attributes::listener_defs(protocol);
        l.attributes.retain(|k, _| defs.iter().any(|d| d.key == k));
    }
    Ok(())
}
