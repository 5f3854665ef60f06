//! Classic Load Balancer commands applied to one region (semantics from the Elastic Load
//! Balancing API reference, version 2012-06-01, page of each action, and the Classic Load
//! Balancer guide).

use std::collections::BTreeMap;

use crate::certificate::IamState;
use crate::classic::{ClassicAttributes, ClassicHealthCheck, ClassicInstance, ClassicListener, ClassicLoadBalancer, ClassicPolicy, ClassicProtocol, HealthCheckTarget};
use crate::classic_command::{ClassicAttributesInput, ClassicCommand, ClassicListenerInput, CreateClassicLoadBalancer};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::instance::InstanceState;
use crate::snapshot::RegionState;
use crate::tags;
use crate::target_group::Draining;

pub mod policy_types;

/// AWS default quotas for classic load balancers (`DescribeAccountLimits`).
pub mod limits {
    /// `classic-load-balancers` per region.
    pub const LOAD_BALANCERS: usize = 20;
    /// `classic-listeners` per load balancer.
    pub const LISTENERS: usize = 100;
    /// `classic-registered-instances` per load balancer.
    pub const REGISTERED_INSTANCES: usize = 1000;
}

/// `elb.http.desyncmitigationmode`, the one documented `AdditionalAttributes` key.
pub const DESYNC_MITIGATION_MODE: &str = "elb.http.desyncmitigationmode";

pub(crate) fn apply(r: &mut RegionState, iam: &IamState, op: &ClassicCommand) -> Result<(), ModelError> {
    match op {
        ClassicCommand::CreateLoadBalancer(c) => create_load_balancer(r, iam, c),
        ClassicCommand::DeleteLoadBalancer { name } => {
            r.classic_load_balancers.remove(name);
            Ok(())
        }
        ClassicCommand::CreateLoadBalancerListeners { name, listeners } => create_listeners(r, iam, name, listeners),
        ClassicCommand::DeleteLoadBalancerListeners { name, ports } => {
            let lb = lb_mut(r, name)?;
            lb.listeners.retain(|l| !ports.contains(&l.load_balancer_port));
            Ok(())
        }
        ClassicCommand::ConfigureHealthCheck { name, health_check } => {
            check_health_check(health_check)?;
            lb_mut(r, name)?.health_check = health_check.clone();
            Ok(())
        }
        ClassicCommand::RegisterInstances { name, instance_ids, now } => register_instances(r, name, instance_ids, *now),
        ClassicCommand::DeregisterInstances { name, instance_ids, now } => deregister_instances(r, name, instance_ids, *now),
        ClassicCommand::SetListenerSslCertificate { name, port, certificate_id } => {
            let resolves = crate::certificate::resolve(iam, r, certificate_id).is_some();
            let lb = lb_mut(r, name)?;
            let l = lb.listeners.iter_mut().find(|l| l.load_balancer_port == *port).ok_or_else(|| listener_not_found(name, *port))?;
            if !l.protocol.is_tls() {
                return Err(ModelError::InvalidConfiguration(format!(
                    "The listener on port {port} of load balancer '{name}' uses protocol {}; only HTTPS and SSL listeners have a certificate",
                    l.protocol
                )));
            }
            if !resolves {
                return Err(ModelError::not_found(ResourceKind::Certificate, certificate_id));
            }
            l.ssl_certificate_id = Some(certificate_id.clone());
            Ok(())
        }
        ClassicCommand::CreatePolicy { name, policy } => create_policy(r, name, policy),
        ClassicCommand::DeletePolicy { name, policy_name } => {
            let lb = lb_mut(r, name)?;
            if lb.policy(policy_name).is_none() {
                return Ok(());
            }
            let used = lb.listeners.iter().any(|l| l.policy_names.contains(policy_name))
                || lb.backend_server_policies.values().any(|v| v.contains(policy_name))
                || lb.policies.iter().any(|p| p.type_name == policy_types::BACKEND_AUTHENTICATION && p.attributes.iter().any(|(_, v)| v == policy_name));
            if used {
                return Err(ModelError::InvalidConfiguration(format!("Policy '{policy_name}' of load balancer '{name}' is in use and cannot be deleted")));
            }
            lb.policies.retain(|p| &p.name != policy_name);
            Ok(())
        }
        ClassicCommand::SetPoliciesOfListener { name, port, policy_names } => set_policies_of_listener(r, name, *port, policy_names),
        ClassicCommand::SetPoliciesForBackendServer { name, instance_port, policy_names } => {
            let lb = lb_mut(r, name)?;
            for n in policy_names {
                let p = lb.policy(n).ok_or_else(|| policy_not_found(name, n))?;
                if p.type_name != policy_types::PROXY_PROTOCOL && p.type_name != policy_types::BACKEND_AUTHENTICATION {
                    return Err(ModelError::InvalidConfiguration(format!(
                        "Policy '{n}' of type {} cannot be set for a back-end server; only {} and {} policies can",
                        p.type_name,
                        policy_types::PROXY_PROTOCOL,
                        policy_types::BACKEND_AUTHENTICATION
                    )));
                }
            }
            check_repeats(policy_names)?;
            if policy_names.is_empty() {
                lb.backend_server_policies.remove(instance_port);
            } else {
                lb.backend_server_policies.insert(*instance_port, policy_names.clone());
            }
            Ok(())
        }
        ClassicCommand::ModifyAttributes { name, attributes } => {
            let lb = lb_mut(r, name)?;
            lb.attributes = merge_attributes(&lb.attributes, attributes)?;
            Ok(())
        }
        ClassicCommand::AddTags { names, tags: new } => {
            tags::validate(new)?;
            for n in names {
                tags::merge(&mut lb_mut(r, n)?.tags, new, n)?;
            }
            Ok(())
        }
        ClassicCommand::RemoveTags { names, keys } => {
            for n in names {
                let lb = lb_mut(r, n)?;
                for k in keys {
                    lb.tags.remove(k);
                }
            }
            Ok(())
        }
        ClassicCommand::EnableAvailabilityZones { name, zones } => enable_zones(r, name, zones),
        ClassicCommand::DisableAvailabilityZones { name, zones } => {
            let lb = r.classic_load_balancers.get(name).ok_or_else(|| not_found(name))?;
            let keep: Vec<String> = lb.availability_zones.iter().filter(|z| !zones.contains(z)).cloned().collect();
            if keep.is_empty() {
                return Err(ModelError::InvalidConfiguration(format!("Load balancer '{name}' must keep at least one Availability Zone")));
            }
            let subnets = r_subnets_in(&r.ec2, &lb.subnets, &keep);
            let lb = lb_mut(r, name)?;
            lb.availability_zones = keep;
            lb.subnets = subnets;
            Ok(())
        }
        ClassicCommand::AttachToSubnets { name, subnets } => attach_subnets(r, name, subnets),
        ClassicCommand::DetachFromSubnets { name, subnets } => {
            let lb = r.classic_load_balancers.get(name).ok_or_else(|| not_found(name))?;
            let keep: Vec<String> = lb.subnets.iter().filter(|s| !subnets.contains(s)).cloned().collect();
            if keep.is_empty() && !lb.subnets.is_empty() {
                return Err(ModelError::InvalidConfiguration(format!("Load balancer '{name}' must keep at least one subnet")));
            }
            let zones: Vec<String> = keep.iter().filter_map(|s| r.ec2.subnets.get(s).map(|x| x.availability_zone.clone())).collect();
            let lb = lb_mut(r, name)?;
            lb.subnets = keep;
            lb.availability_zones = sorted(zones);
            Ok(())
        }
        ClassicCommand::ApplySecurityGroups { name, security_groups } => {
            let vpc = lb_mut(r, name)?.vpc_id.clone();
            if security_groups.is_empty() {
                return Err(ModelError::invalid("SecurityGroups", "At least one security group must be specified"));
            }
            check_security_groups(r, vpc.as_deref(), security_groups)?;
            lb_mut(r, name)?.security_groups = security_groups.clone();
            Ok(())
        }
    }
}

/// Housekeeping of [`crate::Command::ExpireDrainingTargets`]: drops classic instances whose
/// connection draining ended at or before `now`.
pub(crate) fn expire_draining(r: &mut RegionState, now: crate::ids::Millis) {
    for lb in r.classic_load_balancers.values_mut() {
        lb.instances.retain(|i| i.draining.is_none_or(|d| d.until > now));
    }
}

fn not_found(name: &str) -> ModelError {
    ModelError::not_found(ResourceKind::LoadBalancer, name)
}

fn listener_not_found(name: &str, port: u16) -> ModelError {
    ModelError::not_found(ResourceKind::Listener, format!("{name}:{port}"))
}

fn policy_not_found(name: &str, policy: &str) -> ModelError {
    ModelError::not_found(ResourceKind::Policy, format!("{policy}' of load balancer '{name}"))
}

fn lb_mut<'a>(r: &'a mut RegionState, name: &str) -> Result<&'a mut ClassicLoadBalancer, ModelError> {
    r.classic_load_balancers.get_mut(name).ok_or_else(|| not_found(name))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// The subnets of `current` that lie in one of `zones`.
fn r_subnets_in(ec2: &crate::ec2::Ec2State, current: &[String], zones: &[String]) -> Vec<String> {
    current.iter().filter(|s| ec2.subnets.get(*s).is_some_and(|x| zones.contains(&x.availability_zone))).cloned().collect()
}

fn check_repeats(names: &[String]) -> Result<(), ModelError> {
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(ModelError::InvalidConfiguration(format!("Policy '{n}' is listed more than once")));
        }
    }
    Ok(())
}

/// A listener as stored: the instance protocol defaulted and the pairing rules of the
/// `Listener` data type checked (HTTP layer to HTTP layer, TCP layer to TCP layer; HTTPS and
/// SSL need a certificate that resolves).
fn listener_from(iam: &IamState, r: &RegionState, l: &ClassicListenerInput) -> Result<ClassicListener, ModelError> {
    if l.load_balancer_port == 0 || l.instance_port == 0 {
        return Err(ModelError::invalid("Listeners", "LoadBalancerPort and InstancePort must be 1-65535"));
    }
    let instance_protocol = l.instance_protocol.unwrap_or(match l.protocol {
        ClassicProtocol::Http | ClassicProtocol::Https => ClassicProtocol::Http,
        ClassicProtocol::Tcp | ClassicProtocol::Ssl => ClassicProtocol::Tcp,
    });
    if l.protocol.is_http() != instance_protocol.is_http() {
        return Err(ModelError::InvalidConfiguration(format!(
            "Listener on port {} cannot pair front-end protocol {} with instance protocol {}: HTTP and HTTPS pair with HTTP or HTTPS, TCP and SSL with TCP or SSL",
            l.load_balancer_port, l.protocol, instance_protocol
        )));
    }
    let certificate = match (&l.ssl_certificate_id, l.protocol.is_tls()) {
        (None, true) => {
            return Err(ModelError::invalid("Listeners.SSLCertificateId", format!("Listener on port {} with protocol {} needs an SSLCertificateId", l.load_balancer_port, l.protocol)));
        }
        (Some(c), true) => {
            if crate::certificate::resolve(iam, r, c).is_none() {
                return Err(ModelError::not_found(ResourceKind::Certificate, c));
            }
            Some(c.clone())
        }
        (Some(_), false) => {
            return Err(ModelError::invalid("Listeners.SSLCertificateId", format!("Listener on port {} with protocol {} takes no SSLCertificateId", l.load_balancer_port, l.protocol)));
        }
        (None, false) => None,
    };
    Ok(ClassicListener {
        protocol: l.protocol,
        load_balancer_port: l.load_balancer_port,
        instance_protocol,
        instance_port: l.instance_port,
        ssl_certificate_id: certificate,
        policy_names: Vec::new(),
    })
}

/// Two listeners are the same if everything but their policies matches.
fn same_listener(a: &ClassicListener, b: &ClassicListener) -> bool {
    a.protocol == b.protocol && a.load_balancer_port == b.load_balancer_port && a.instance_protocol == b.instance_protocol && a.instance_port == b.instance_port && a.ssl_certificate_id == b.ssl_certificate_id
}

fn duplicate_listener(name: &str, port: u16) -> ModelError {
    ModelError::Duplicate {
        kind: ResourceKind::Listener,
        message: format!("A listener already exists for {name} with LoadBalancerPort {port}, but with a different InstancePort, Protocol, or SSLCertificateId"),
    }
}

/// Adds `new` to `existing` (sorted by port), checking duplicates, the shared instance port
/// rule and the node-wide port rule. HTTPS/SSL listeners get the default SSL negotiation
/// policy, created on the load balancer when missing.
fn add_listeners(r: &RegionState, iam: &IamState, lb: &mut ClassicLoadBalancer, new: &[ClassicListenerInput]) -> Result<(), ModelError> {
    for input in new {
        let l = listener_from(iam, r, input)?;
        if let Some(existing) = lb.listener(l.load_balancer_port) {
            if same_listener(existing, &l) {
                continue;
            }
            return Err(duplicate_listener(&lb.name, l.load_balancer_port));
        }
        // Listeners sharing an instance port must agree on a secure or plain back end.
        if let Some(other) = lb.listeners.iter().find(|o| o.instance_port == l.instance_port && o.instance_protocol.is_tls() != l.instance_protocol.is_tls()) {
            return Err(ModelError::InvalidConfiguration(format!(
                "Listeners on ports {} and {} share instance port {} but use instance protocols {} and {}; both must be secure (HTTPS, SSL) or both plain (HTTP, TCP)",
                other.load_balancer_port, l.load_balancer_port, l.instance_port, other.instance_protocol, l.instance_protocol
            )));
        }
        // One elbow node serves every listener on one address.
        if let Some(other) = port_user(r, l.load_balancer_port, &lb.name) {
            return Err(ModelError::Duplicate {
                kind: ResourceKind::Listener,
                message: format!(
                    "Port {} is already used by a listener of load balancer '{other}': one elbow node serves every listener on one address, so listener ports must differ",
                    l.load_balancer_port
                ),
            });
        }
        if lb.listeners.len() >= limits::LISTENERS {
            return Err(ModelError::TooMany { quota: Quota::Listeners, message: format!("The quota of {} listeners per load balancer is reached", limits::LISTENERS) });
        }
        let mut l = l;
        if l.protocol.is_tls() {
            let default = policy_types::default_ssl_negotiation_policy();
            if lb.policy(&default.name).is_none() {
                lb.policies.push(default.clone());
            }
            l.policy_names = vec![default.name];
        }
        lb.listeners.push(l);
        lb.listeners.sort_by_key(|l| l.load_balancer_port);
    }
    Ok(())
}

/// The load balancer (ELBv2 ARN or other classic name) with a listener on `port`, other than
/// the classic load balancer `except`.
fn port_user(r: &RegionState, port: u16, except: &str) -> Option<String> {
    if let Some(l) = r.listeners.values().find(|l| l.port == port) {
        return Some(l.load_balancer_arn.clone());
    }
    r.classic_load_balancers.values().find(|lb| lb.name != except && lb.listener(port).is_some()).map(|lb| lb.name.clone())
}

fn check_security_groups(r: &RegionState, vpc_id: Option<&str>, groups: &[String]) -> Result<(), ModelError> {
    for g in groups {
        match r.ec2.security_groups.get(g) {
            Some(sg) if Some(sg.vpc_id.as_str()) == vpc_id => {}
            Some(_) => return Err(ModelError::InvalidSecurityGroup(format!("Security group '{g}' does not belong to the load balancer's VPC '{}'", vpc_id.unwrap_or("")))),
            None => return Err(ModelError::InvalidSecurityGroup(format!("One or more security groups are invalid: '{g}' does not exist"))),
        }
    }
    Ok(())
}

/// Subnets → (VPC, zones), one subnet per zone, all in one VPC.
fn resolve_subnets(r: &RegionState, subnets: &[String]) -> Result<(String, Vec<String>), ModelError> {
    let mut vpc: Option<&str> = None;
    let mut zones: Vec<String> = Vec::new();
    for id in subnets {
        let s = r.ec2.subnets.get(id).ok_or_else(|| ModelError::not_found(ResourceKind::Subnet, id))?;
        match vpc {
            None => vpc = Some(&s.vpc_id),
            Some(v) if v != s.vpc_id => return Err(ModelError::InvalidConfiguration(format!("Subnets '{}' and '{id}' are in different VPCs", subnets[0]))),
            _ => {}
        }
        if zones.contains(&s.availability_zone) {
            return Err(ModelError::InvalidConfiguration(format!("A load balancer cannot be attached to multiple subnets in the same Availability Zone ('{}')", s.availability_zone)));
        }
        zones.push(s.availability_zone.clone());
    }
    Ok((vpc.unwrap_or_default().to_string(), zones))
}

/// The default VPC's default subnet of each zone, for `AvailabilityZones`.
fn default_subnets(r: &RegionState, zones: &[String]) -> Result<(String, Vec<String>), ModelError> {
    let vpc = r.ec2.default_vpc().ok_or_else(|| ModelError::InvalidConfiguration("The region has no default VPC; specify Subnets instead of AvailabilityZones".into()))?;
    let mut subnets = Vec::new();
    for z in zones {
        let s = default_subnet_of_zone(r, &vpc.id, z)?.ok_or_else(|| ModelError::InvalidConfiguration(format!("The default VPC has no default subnet in Availability Zone '{z}'")))?;
        if !subnets.contains(&s.id) {
            subnets.push(s.id.clone());
        }
    }
    Ok((vpc.id.clone(), subnets))
}

/// The default subnet of zone `z` in `vpc_id`, if it has one. Errors: `ValidationError` when
/// `z` is not a zone of the region.
fn default_subnet_of_zone<'a>(r: &'a RegionState, vpc_id: &str, z: &str) -> Result<Option<&'a crate::ec2::Subnet>, ModelError> {
    if !r.ec2.zones.iter().any(|x| x == z) {
        return Err(ModelError::invalid("AvailabilityZones", format!("Availability Zone '{z}' is not one of this region's zones {:?}", r.ec2.zones)));
    }
    Ok(r.ec2.subnets.values().find(|s| s.vpc_id == vpc_id && s.default_for_az && s.availability_zone == z))
}

fn vpc_has_internet_gateway(r: &RegionState, vpc_id: &str) -> bool {
    r.ec2.internet_gateways.values().any(|g| g.attached_vpc_id.as_deref() == Some(vpc_id))
}

fn create_load_balancer(r: &mut RegionState, iam: &IamState, c: &CreateClassicLoadBalancer) -> Result<(), ModelError> {
    if !crate::ids::is_valid_elb_name(&c.name) {
        return Err(ModelError::invalid(
            "LoadBalancerName",
            format!("Load balancer name '{}' must be 1 to 32 alphanumeric characters or hyphens, and must not begin or end with a hyphen", c.name),
        ));
    }
    if c.listeners.is_empty() {
        return Err(ModelError::invalid("Listeners", "Listeners cannot be empty"));
    }
    if c.scheme != "internet-facing" && c.scheme != "internal" {
        return Err(ModelError::invalid("Scheme", format!("Scheme '{}' must be 'internet-facing' or 'internal'", c.scheme)));
    }
    let (vpc_id, subnets) = match (c.subnets.is_empty(), c.availability_zones.is_empty()) {
        (false, _) => (resolve_subnets(r, &c.subnets)?.0, c.subnets.clone()),
        (true, false) => default_subnets(r, &c.availability_zones)?,
        (true, true) => return Err(ModelError::invalid("Subnets", "Either AvailabilityZones or Subnets must be specified")),
    };
    if !c.subnets.is_empty() && !c.availability_zones.is_empty() {
        // Both given: the zones must be those of the subnets.
        let (_, zones) = resolve_subnets(r, &c.subnets)?;
        if sorted(zones) != sorted(c.availability_zones.clone()) {
            return Err(ModelError::InvalidConfiguration("AvailabilityZones and Subnets name different zones; specify one of them".into()));
        }
    }
    let (_, zones) = resolve_subnets(r, &subnets)?;
    if c.scheme == "internet-facing" && !vpc_has_internet_gateway(r, &vpc_id) {
        return Err(ModelError::InvalidSubnet(format!("VPC {vpc_id} has no internet gateway")));
    }
    let security_groups = match &c.security_groups {
        Some(g) if !g.is_empty() => {
            check_security_groups(r, Some(&vpc_id), g)?;
            g.clone()
        }
        _ => r.ec2.vpcs.get(&vpc_id).map(|v| vec![v.default_security_group_id.clone()]).unwrap_or_default(),
    };
    tags::validate(&c.tags)?;
    let mut lb = ClassicLoadBalancer {
        name: c.name.clone(),
        arn: c.arn.clone(),
        dns_name: c.dns_name.clone(),
        canonical_hosted_zone_name_id: c.canonical_hosted_zone_name_id.clone(),
        created_time: c.now,
        scheme: c.scheme.clone(),
        vpc_id: Some(vpc_id),
        subnets,
        availability_zones: sorted(zones),
        security_groups,
        listeners: Vec::new(),
        health_check: ClassicHealthCheck::default_for(c.listeners[0].instance_port),
        instances: Vec::new(),
        policies: Vec::new(),
        backend_server_policies: BTreeMap::new(),
        attributes: ClassicAttributes::default(),
        tags: tags::initial(&c.tags, &c.name)?,
    };
    add_listeners(r, iam, &mut lb, &c.listeners)?;
    if let Some(existing) = r.classic_load_balancers.get(&c.name) {
        // A repeated identical request is answered with the existing load balancer (AWS).
        let same = existing.scheme == lb.scheme
            && sorted(existing.subnets.clone()) == sorted(lb.subnets.clone())
            && existing.security_groups == lb.security_groups
            && existing.listeners.len() == lb.listeners.len()
            && existing.listeners.iter().zip(&lb.listeners).all(|(a, b)| same_listener(a, b));
        return if same {
            Ok(())
        } else {
            Err(ModelError::Duplicate { kind: ResourceKind::LoadBalancer, message: format!("The specified load balancer name already exists for this account: {}", c.name) })
        };
    }
    if r.classic_load_balancers.len() >= limits::LOAD_BALANCERS {
        return Err(ModelError::TooMany { quota: Quota::LoadBalancers, message: format!("The quota of {} classic load balancers per region is reached", limits::LOAD_BALANCERS) });
    }
    r.classic_load_balancers.insert(lb.name.clone(), lb);
    Ok(())
}

fn create_listeners(r: &mut RegionState, iam: &IamState, name: &str, listeners: &[ClassicListenerInput]) -> Result<(), ModelError> {
    if listeners.is_empty() {
        return Err(ModelError::invalid("Listeners", "Listeners cannot be empty"));
    }
    let mut lb = r.classic_load_balancers.get(name).ok_or_else(|| not_found(name))?.clone();
    add_listeners(r, iam, &mut lb, listeners)?;
    r.classic_load_balancers.insert(name.to_string(), lb);
    Ok(())
}

/// The `HealthCheck` rules of `ConfigureHealthCheck`: a well-formed `Target`, the ranges of
/// each member, and `Timeout` below `Interval`.
pub fn check_health_check(hc: &ClassicHealthCheck) -> Result<(), ModelError> {
    HealthCheckTarget::parse(&hc.target).map_err(|m| ModelError::invalid("HealthCheck.Target", m))?;
    let range = |field: &str, v: u32, lo: u32, hi: u32| {
        if (lo..=hi).contains(&v) { Ok(()) } else { Err(ModelError::invalid(format!("HealthCheck.{field}"), format!("HealthCheck {field} {v} must be from {lo} to {hi}"))) }
    };
    range("Interval", hc.interval, 5, 300)?;
    range("Timeout", hc.timeout, 2, 60)?;
    range("UnhealthyThreshold", hc.unhealthy_threshold, 2, 10)?;
    range("HealthyThreshold", hc.healthy_threshold, 2, 10)?;
    if hc.timeout >= hc.interval {
        return Err(ModelError::invalid("HealthCheck.Timeout", format!("HealthCheck Timeout ({} seconds) must be less than Interval ({} seconds)", hc.timeout, hc.interval)));
    }
    Ok(())
}

fn register_instances(r: &mut RegionState, name: &str, ids: &[String], now: u64) -> Result<(), ModelError> {
    let lb = r.classic_load_balancers.get(name).ok_or_else(|| not_found(name))?;
    for id in ids {
        match r.ec2.instances.get(id) {
            None => return Err(ModelError::InvalidTarget(format!("The requested instance '{id}' is not a valid instance in this region"))),
            Some(i) if matches!(i.state, InstanceState::ShuttingDown | InstanceState::Terminated) => {
                return Err(ModelError::InvalidTarget(format!("The requested instance '{id}' is {} and cannot be registered", i.state.as_str())));
            }
            Some(i) if lb.vpc_id.as_ref().is_some_and(|v| *v != i.vpc_id) => {
                return Err(ModelError::InvalidTarget(format!("The requested instance '{id}' is not in the load balancer's VPC '{}'", lb.vpc_id.as_deref().unwrap_or(""))));
            }
            Some(_) => {}
        }
    }
    let lb = lb_mut(r, name)?;
    for id in ids {
        match lb.instances.iter_mut().find(|i| &i.instance_id == id) {
            Some(existing) => {
                if existing.draining.is_some() {
                    existing.draining = None;
                    existing.registered_at = now;
                }
            }
            None => {
                if lb.instances.len() >= limits::REGISTERED_INSTANCES {
                    return Err(ModelError::TooMany {
                        quota: Quota::Targets,
                        message: format!("The quota of {} registered instances per load balancer is reached", limits::REGISTERED_INSTANCES),
                    });
                }
                lb.instances.push(ClassicInstance { instance_id: id.clone(), registered_at: now, draining: None });
            }
        }
    }
    Ok(())
}

fn deregister_instances(r: &mut RegionState, name: &str, ids: &[String], now: u64) -> Result<(), ModelError> {
    let lb = lb_mut(r, name)?;
    for id in ids {
        if !lb.instances.iter().any(|i| &i.instance_id == id && i.draining.is_none()) {
            return Err(ModelError::InvalidTarget(format!("The requested instance '{id}' is not registered with load balancer '{name}'")));
        }
    }
    let draining = lb.attributes.connection_draining;
    let until = now + u64::from(lb.attributes.connection_draining_timeout) * 1000;
    for i in lb.instances.iter_mut().filter(|i| ids.contains(&i.instance_id)) {
        i.draining = Some(Draining { since: now, until });
    }
    if !draining {
        lb.instances.retain(|i| !ids.contains(&i.instance_id));
    }
    Ok(())
}

fn create_policy(r: &mut RegionState, name: &str, policy: &ClassicPolicy) -> Result<(), ModelError> {
    let lb = r.classic_load_balancers.get(name).ok_or_else(|| not_found(name))?;
    if policy.name.is_empty() {
        return Err(ModelError::invalid("PolicyName", "PolicyName must not be empty"));
    }
    let t = policy_types::find(&policy.type_name).ok_or_else(|| ModelError::not_found(ResourceKind::PolicyType, &policy.type_name))?;
    if lb.policy(&policy.name).is_some() {
        return Err(ModelError::Duplicate { kind: ResourceKind::Policy, message: format!("Policy '{}' already exists for load balancer '{name}'", policy.name) });
    }
    for (k, v) in &policy.attributes {
        if !policy_types::accepts_attribute(t, k) {
            return Err(ModelError::InvalidConfiguration(format!("Attribute '{k}' is not valid for policy type {}", t.name)));
        }
        let kind = t.attributes.iter().find(|a| a.name == k).map(|a| a.attribute_type).unwrap_or("Boolean");
        let ok = match kind {
            "Boolean" => v == "true" || v == "false",
            "Long" => v.parse::<u64>().is_ok(),
            _ => !v.is_empty(),
        };
        if !ok {
            return Err(ModelError::InvalidConfiguration(format!("Value '{v}' of attribute '{k}' must be a {}", kind.to_ascii_lowercase())));
        }
    }
    for a in t.attributes {
        let n = policy.attributes.iter().filter(|(k, _)| k == a.name).count();
        if n == 0 && matches!(a.cardinality, "ONE" | "ONE_OR_MORE") {
            return Err(ModelError::InvalidConfiguration(format!("Policy type {} requires attribute '{}'", t.name, a.name)));
        }
        if n > 1 && matches!(a.cardinality, "ONE" | "ZERO_OR_ONE") {
            return Err(ModelError::InvalidConfiguration(format!("Attribute '{}' may be given only once", a.name)));
        }
    }
    if t.name == policy_types::APP_COOKIE
        && let Some(c) = policy.attribute("CookieName")
        && (c.eq_ignore_ascii_case("AWSELB") || !c.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)))
    {
        return Err(ModelError::InvalidConfiguration(format!("CookieName '{c}' must be a cookie name (an RFC 6265 token) other than AWSELB")));
    }
    if t.name == policy_types::SSL_NEGOTIATION
        && let Some(reference) = policy.attribute("Reference-Security-Policy")
        && policy_types::predefined_policy(reference).is_none()
    {
        return Err(ModelError::InvalidConfiguration(format!("Reference-Security-Policy '{reference}' is not a predefined security policy")));
    }
    if t.name == policy_types::BACKEND_AUTHENTICATION {
        for (_, key_policy) in &policy.attributes {
            match lb.policy(key_policy) {
                Some(p) if p.type_name == policy_types::PUBLIC_KEY => {}
                Some(_) => return Err(ModelError::InvalidConfiguration(format!("Policy '{key_policy}' is not a {}", policy_types::PUBLIC_KEY))),
                None => return Err(policy_not_found(name, key_policy)),
            }
        }
    }
    lb_mut(r, name)?.policies.push(policy.clone());
    Ok(())
}

fn set_policies_of_listener(r: &mut RegionState, name: &str, port: u16, policy_names: &[String]) -> Result<(), ModelError> {
    let lb = lb_mut(r, name)?;
    let l = lb.listener(port).ok_or_else(|| listener_not_found(name, port))?;
    let (mut stickiness, mut negotiation) = (0, 0);
    for n in policy_names {
        let p = lb.policy(n).ok_or_else(|| policy_not_found(name, n))?;
        match p.type_name.as_str() {
            policy_types::LB_COOKIE | policy_types::APP_COOKIE => {
                if !l.protocol.is_http() {
                    return Err(ModelError::InvalidConfiguration(format!("Stickiness policy '{n}' can be set only on HTTP and HTTPS listeners, not on the {} listener on port {port}", l.protocol)));
                }
                stickiness += 1;
            }
            policy_types::SSL_NEGOTIATION => {
                if !l.protocol.is_tls() {
                    return Err(ModelError::InvalidConfiguration(format!("SSL negotiation policy '{n}' can be set only on HTTPS and SSL listeners, not on the {} listener on port {port}", l.protocol)));
                }
                negotiation += 1;
            }
            policy_types::PROXY_PROTOCOL | policy_types::BACKEND_AUTHENTICATION => {
                return Err(ModelError::InvalidConfiguration(format!("Policy '{n}' of type {} applies to back-end servers; use SetLoadBalancerPoliciesForBackendServer", p.type_name)));
            }
            other => return Err(ModelError::InvalidConfiguration(format!("Policy '{n}' of type {other} cannot be set on a listener"))),
        }
    }
    if stickiness > 1 || negotiation > 1 {
        return Err(ModelError::InvalidConfiguration("A listener takes at most one stickiness policy and one SSL negotiation policy".into()));
    }
    check_repeats(policy_names)?;
    if let Some(l) = lb.listeners.iter_mut().find(|l| l.load_balancer_port == port) {
        l.policy_names = policy_names.to_vec();
    }
    Ok(())
}

/// `current` with `input` applied, checking AWS's ranges (`ConnectionDraining.Timeout`
/// 1–3600, `ConnectionSettings.IdleTimeout` 1–4000, `AccessLog.EmitInterval` 5 or 60, a bucket
/// for an enabled access log, the known `AdditionalAttributes`).
pub fn merge_attributes(current: &ClassicAttributes, input: &ClassicAttributesInput) -> Result<ClassicAttributes, ModelError> {
    let mut a = current.clone();
    if let Some(v) = input.cross_zone {
        a.cross_zone = v;
    }
    if let Some(v) = input.connection_draining {
        a.connection_draining = v;
    }
    if let Some(t) = input.connection_draining_timeout {
        if !(1..=3600).contains(&t) {
            return Err(ModelError::invalid("LoadBalancerAttributes.ConnectionDraining.Timeout", format!("ConnectionDraining Timeout {t} must be from 1 to 3600 seconds")));
        }
        a.connection_draining_timeout = t;
    }
    if let Some(t) = input.idle_timeout {
        if !(1..=4000).contains(&t) {
            return Err(ModelError::invalid("LoadBalancerAttributes.ConnectionSettings.IdleTimeout", format!("ConnectionSettings IdleTimeout {t} must be from 1 to 4000 seconds")));
        }
        a.idle_timeout = t;
    }
    if let Some(log) = &input.access_log {
        if let Some(i) = log.emit_interval
            && i != 5 && i != 60 {
                return Err(ModelError::invalid("LoadBalancerAttributes.AccessLog.EmitInterval", format!("AccessLog EmitInterval {i} must be 5 or 60 minutes")));
            }
        if log.enabled && log.s3_bucket_name.as_deref().is_none_or(str::is_empty) {
            return Err(ModelError::InvalidConfiguration("An enabled AccessLog needs an S3BucketName".into()));
        }
        a.access_log = log.clone();
    }
    for (k, v) in &input.additional {
        match k.as_str() {
            DESYNC_MITIGATION_MODE => {
                if !matches!(v.as_str(), "monitor" | "defensive" | "strictest") {
                    return Err(ModelError::invalid("LoadBalancerAttributes.AdditionalAttributes", format!("Value '{v}' of {k} must be monitor, defensive or strictest")));
                }
                a.additional.insert(k.clone(), v.clone());
            }
            _ => return Err(ModelError::not_found(ResourceKind::LoadBalancerAttribute, k)),
        }
    }
    Ok(a)
}

fn enable_zones(r: &mut RegionState, name: &str, zones: &[String]) -> Result<(), ModelError> {
    let lb = r.classic_load_balancers.get(name).ok_or_else(|| not_found(name))?;
    let vpc_id = lb.vpc_id.clone().unwrap_or_default();
    let mut subnets = lb.subnets.clone();
    let mut all_zones = lb.availability_zones.clone();
    for z in zones {
        if all_zones.contains(z) {
            continue;
        }
        // In a VPC a zone is entered through a subnet: the default subnet of the default VPC.
        let s = default_subnet_of_zone(r, &vpc_id, z)?.ok_or_else(|| ModelError::InvalidConfiguration(format!("Load balancer '{name}' is in VPC '{vpc_id}', which has no default subnet in '{z}'; use AttachLoadBalancerToSubnets")))?;
        subnets.push(s.id.clone());
        all_zones.push(z.clone());
    }
    let lb = lb_mut(r, name)?;
    lb.subnets = subnets;
    lb.availability_zones = sorted(all_zones);
    Ok(())
}

fn attach_subnets(r: &mut RegionState, name: &str, new: &[String]) -> Result<(), ModelError> {
    let lb = r.classic_load_balancers.get(name).ok_or_else(|| not_found(name))?;
    let mut subnets = lb.subnets.clone();
    for s in new {
        if !subnets.contains(s) {
            subnets.push(s.clone());
        }
    }
    let (vpc, zones) = resolve_subnets(r, &subnets)?;
    if lb.vpc_id.as_deref().is_some_and(|v| v != vpc) {
        return Err(ModelError::InvalidConfiguration(format!("Subnets must be in the load balancer's VPC '{}'", lb.vpc_id.as_deref().unwrap_or(""))));
    }
    let lb = lb_mut(r, name)?;
    lb.subnets = subnets;
    lb.availability_zones = sorted(zones);
    Ok(())
}

#[cfg(test)]
mod tests;
