//! Tests of the classic load balancer commands.
use crate::certificate::testing::{iam_arn, upload};
use crate::classic::{ClassicHealthCheck, ClassicPolicy, ClassicProtocol};
use crate::classic_command::{ClassicAttributesInput, ClassicCommand, ClassicListenerInput, CreateClassicLoadBalancer};
use crate::command::{Command, Ec2Command};
use crate::error::{ModelError, ResourceKind};
use crate::instance::{Instance, InstanceState};
use crate::snapshot::Snapshot;

const R: &str = "us-east-1";

fn classic(s: &Snapshot, op: ClassicCommand) -> Result<Snapshot, ModelError> {
    s.apply(&Command::Classic { region: R.into(), op })
}

fn listener(protocol: ClassicProtocol, port: u16, instance_port: u16, cert: Option<&str>) -> ClassicListenerInput {
    ClassicListenerInput { protocol, load_balancer_port: port, instance_protocol: None, instance_port, ssl_certificate_id: cert.map(Into::into) }
}

fn create(name: &str, listeners: Vec<ClassicListenerInput>) -> ClassicCommand {
    ClassicCommand::CreateLoadBalancer(Box::new(CreateClassicLoadBalancer {
        name: name.into(),
        arn: format!("arn:aws:elasticloadbalancing:{R}:123456789012:loadbalancer/{name}"),
        dns_name: format!("{name}-1.{R}.elb.localhost"),
        canonical_hosted_zone_name_id: "Z35SXDOTRQ7X7K".into(),
        listeners,
        availability_zones: vec!["us-east-1a".into()],
        subnets: vec![],
        security_groups: None,
        scheme: "internet-facing".into(),
        tags: vec![("env".into(), "dev".into())],
        now: 5,
    }))
}

/// A snapshot with classic load balancer `web` (HTTP 80 → 8080) and a running instance `i-1`.
fn web() -> Snapshot {
    let mut s = classic(&Snapshot::empty(), create("web", vec![listener(ClassicProtocol::Http, 80, 8080, None)])).unwrap();
    let r = s.regions.get_mut(R).unwrap();
    let subnet = r.ec2.subnets.values().find(|x| x.availability_zone == "us-east-1a").unwrap().clone();
    for (id, state) in [("i-1", InstanceState::Running), ("i-2", InstanceState::Running), ("i-dead", InstanceState::Terminated)] {
        r.ec2.instances.insert(
            id.into(),
            Instance {
                id: id.into(),
                reservation_id: "r-1".into(),
                ami_launch_index: 0,
                image_id: "ami-1".into(),
                instance_type: "t3.micro".into(),
                state,
                state_reason: None,
                state_transition_reason: String::new(),
                private_ip: "127.100.0.1".parse().unwrap(),
                subnet_id: subnet.id.clone(),
                vpc_id: subnet.vpc_id.clone(),
                availability_zone: subnet.availability_zone.clone(),
                launch_time: 1,
                user_data: None,
                key_name: None,
                tags: Default::default(),
                launch_template: None,
                security_group_ids: vec![],
                terminated_at: None,
            },
        );
    }
    s
}

#[test]
fn create_places_the_load_balancer_in_the_default_vpc_with_aws_defaults() {
    let s = web();
    let r = s.region(R);
    let lb = &r.classic_load_balancers["web"];
    let vpc = r.ec2.default_vpc().unwrap();
    assert_eq!(lb.vpc_id.as_deref(), Some(vpc.id.as_str()));
    assert_eq!(lb.availability_zones, vec!["us-east-1a"]);
    assert_eq!(lb.subnets.len(), 1);
    assert_eq!(lb.security_groups, vec![vpc.default_security_group_id.clone()]);
    assert_eq!(lb.health_check, ClassicHealthCheck::default_for(8080));
    assert_eq!(lb.listeners[0].instance_protocol, ClassicProtocol::Http);
    assert_eq!(lb.tags["env"], "dev");
    // Identical re-create is a no-op; a different one is a duplicate name.
    assert_eq!(classic(&s, create("web", vec![listener(ClassicProtocol::Http, 80, 8080, None)])).unwrap().region(R).classic_load_balancers, r.classic_load_balancers);
    assert!(matches!(
        classic(&s, create("web", vec![listener(ClassicProtocol::Tcp, 81, 8080, None)])).unwrap_err(),
        ModelError::Duplicate { kind: ResourceKind::LoadBalancer, .. }
    ));
}

#[test]
fn listener_rules_follow_aws() {
    let s = web();
    // Mixed layers.
    let mut bad = listener(ClassicProtocol::Http, 81, 8080, None);
    bad.instance_protocol = Some(ClassicProtocol::Tcp);
    assert!(matches!(classic(&s, ClassicCommand::CreateLoadBalancerListeners { name: "web".into(), listeners: vec![bad] }).unwrap_err(), ModelError::InvalidConfiguration(_)));
    // HTTPS without a certificate, and with one that does not resolve.
    assert!(matches!(
        classic(&s, ClassicCommand::CreateLoadBalancerListeners { name: "web".into(), listeners: vec![listener(ClassicProtocol::Https, 443, 8080, None)] }).unwrap_err(),
        ModelError::Invalid { .. }
    ));
    assert!(matches!(
        classic(&s, ClassicCommand::CreateLoadBalancerListeners { name: "web".into(), listeners: vec![listener(ClassicProtocol::Https, 443, 8080, Some(&iam_arn("nope")))] }).unwrap_err(),
        ModelError::NotFound { kind: ResourceKind::Certificate, .. }
    ));
    // Same port, other settings.
    assert!(matches!(
        classic(&s, ClassicCommand::CreateLoadBalancerListeners { name: "web".into(), listeners: vec![listener(ClassicProtocol::Http, 80, 9090, None)] }).unwrap_err(),
        ModelError::Duplicate { kind: ResourceKind::Listener, .. }
    ));
    // With a certificate: the default SSL negotiation policy is attached.
    let s = s.apply(&upload("c1")).unwrap();
    let s = classic(&s, ClassicCommand::CreateLoadBalancerListeners { name: "web".into(), listeners: vec![listener(ClassicProtocol::Https, 443, 8080, Some(&iam_arn("c1")))] }).unwrap();
    let lb = &s.region(R).classic_load_balancers["web"];
    assert_eq!(lb.listeners.iter().map(|l| l.load_balancer_port).collect::<Vec<_>>(), vec![80, 443]);
    assert_eq!(lb.listeners[1].policy_names, vec!["ELBSecurityPolicy-2016-08"]);
    assert_eq!(lb.policy("ELBSecurityPolicy-2016-08").unwrap().attribute("Reference-Security-Policy"), Some("ELBSecurityPolicy-2016-08"));
    // The certificate is now in use.
    assert_eq!(s.region(R).load_balancers_using_certificate(&iam_arn("c1")), vec![lb.arn.clone()]);
    // Another load balancer cannot take port 80 on this node.
    assert!(matches!(classic(&s, create("other", vec![listener(ClassicProtocol::Http, 80, 8080, None)])).unwrap_err(), ModelError::Duplicate { kind: ResourceKind::Listener, .. }));
}

#[test]
fn health_check_is_validated() {
    let s = web();
    let hc_for = |name: &str, target: &str, interval, timeout| ClassicCommand::ConfigureHealthCheck {
        name: name.into(),
        health_check: ClassicHealthCheck { target: target.into(), interval, timeout, unhealthy_threshold: 2, healthy_threshold: 3 },
    };
    let hc = |target: &str, interval, timeout| hc_for("web", target, interval, timeout);
    let s2 = classic(&s, hc("HTTP:8080/health", 10, 5)).unwrap();
    assert_eq!(s2.region(R).classic_load_balancers["web"].health_check.target, "HTTP:8080/health");
    for (t, i, to) in [("HTTP:8080", 10, 5), ("FTP:21", 10, 5), ("TCP:0", 10, 5), ("TCP:80", 10, 10), ("TCP:80", 400, 5)] {
        assert!(matches!(classic(&s, hc(t, i, to)).unwrap_err(), ModelError::Invalid { .. }), "{t} {i} {to}");
    }
    // Deleting a missing load balancer succeeds; configuring one is LoadBalancerNotFound.
    assert!(classic(&s, ClassicCommand::DeleteLoadBalancer { name: "nope".into() }).is_ok());
    assert!(matches!(classic(&s, hc_for("nope", "TCP:80", 10, 5)).unwrap_err(), ModelError::NotFound { kind: ResourceKind::LoadBalancer, .. }));
}

#[test]
fn instances_register_and_drain() {
    let s = web();
    let reg = |ids: &[&str]| ClassicCommand::RegisterInstances { name: "web".into(), instance_ids: ids.iter().map(|x| x.to_string()).collect(), now: 10 };
    let dereg = |ids: &[&str]| ClassicCommand::DeregisterInstances { name: "web".into(), instance_ids: ids.iter().map(|x| x.to_string()).collect(), now: 20 };
    assert!(matches!(classic(&s, reg(&["i-nope"])).unwrap_err(), ModelError::InvalidTarget(_)));
    assert!(matches!(classic(&s, reg(&["i-dead"])).unwrap_err(), ModelError::InvalidTarget(_)));
    let s = classic(&s, reg(&["i-1", "i-2"])).unwrap();
    assert_eq!(s.region(R).classic_load_balancers["web"].instances.len(), 2);
    // Draining disabled: gone at once.
    let s1 = classic(&s, dereg(&["i-1"])).unwrap();
    assert_eq!(s1.region(R).classic_load_balancers["web"].instances.iter().map(|i| i.instance_id.as_str()).collect::<Vec<_>>(), vec!["i-2"]);
    assert!(matches!(classic(&s1, dereg(&["i-1"])).unwrap_err(), ModelError::InvalidTarget(_)));
    // Draining enabled (10 s): held until the deadline, then expired.
    let attrs = ClassicAttributesInput { connection_draining: Some(true), connection_draining_timeout: Some(10), ..Default::default() };
    let s2 = classic(&s, ClassicCommand::ModifyAttributes { name: "web".into(), attributes: attrs }).unwrap();
    let s2 = classic(&s2, dereg(&["i-1"])).unwrap();
    let i1 = s2.region(R).classic_load_balancers["web"].instances.iter().find(|i| i.instance_id == "i-1").cloned().unwrap();
    assert_eq!(i1.draining.map(|d| (d.since, d.until)), Some((20, 10_020)));
    assert_eq!(s2.next_drain_deadline(), Some(10_020));
    let s3 = s2.apply(&Command::ExpireDrainingTargets { now: 10_019 }).unwrap();
    assert_eq!(s3.region(R).classic_load_balancers["web"].instances.len(), 2);
    let s4 = s2.apply(&Command::ExpireDrainingTargets { now: 10_020 }).unwrap();
    assert_eq!(s4.region(R).classic_load_balancers["web"].instances.len(), 1);
    // Registering a draining instance again takes it back.
    let s5 = classic(&s2, reg(&["i-1"])).unwrap();
    assert!(s5.region(R).classic_load_balancers["web"].instances.iter().all(|i| i.draining.is_none()));
}

#[test]
fn policies_follow_their_types() {
    let s = web();
    let policy = |name: &str, t: &str, attrs: &[(&str, &str)]| ClassicCommand::CreatePolicy {
        name: "web".into(),
        policy: ClassicPolicy { name: name.into(), type_name: t.into(), attributes: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() },
    };
    let s = classic(&s, policy("lb", "LBCookieStickinessPolicyType", &[("CookieExpirationPeriod", "60")])).unwrap();
    let s = classic(&s, policy("app", "AppCookieStickinessPolicyType", &[("CookieName", "SESSION")])).unwrap();
    let s = classic(&s, policy("pp", "ProxyProtocolPolicyType", &[("ProxyProtocol", "true")])).unwrap();
    assert!(matches!(classic(&s, policy("lb", "LBCookieStickinessPolicyType", &[])).unwrap_err(), ModelError::Duplicate { kind: ResourceKind::Policy, .. }));
    assert!(matches!(classic(&s, policy("x", "NopeType", &[])).unwrap_err(), ModelError::NotFound { kind: ResourceKind::PolicyType, .. }));
    assert!(matches!(classic(&s, policy("x", "AppCookieStickinessPolicyType", &[])).unwrap_err(), ModelError::InvalidConfiguration(_)));
    assert!(matches!(classic(&s, policy("x", "SSLNegotiationPolicyType", &[("Reference-Security-Policy", "Nope")])).unwrap_err(), ModelError::InvalidConfiguration(_)));
    let set = |port: u16, names: &[&str]| ClassicCommand::SetPoliciesOfListener { name: "web".into(), port, policy_names: names.iter().map(|x| x.to_string()).collect() };
    let s2 = classic(&s, set(80, &["lb"])).unwrap();
    assert_eq!(s2.region(R).classic_load_balancers["web"].listeners[0].policy_names, vec!["lb"]);
    assert!(matches!(classic(&s, set(80, &["nope"])).unwrap_err(), ModelError::NotFound { kind: ResourceKind::Policy, .. }));
    assert!(matches!(classic(&s, set(81, &["lb"])).unwrap_err(), ModelError::NotFound { kind: ResourceKind::Listener, .. }));
    assert!(matches!(classic(&s, set(80, &["pp"])).unwrap_err(), ModelError::InvalidConfiguration(_)));
    assert!(matches!(classic(&s, set(80, &["lb", "app"])).unwrap_err(), ModelError::InvalidConfiguration(_)));
    // In use: not deletable; cleared: deletable.
    assert!(matches!(classic(&s2, ClassicCommand::DeletePolicy { name: "web".into(), policy_name: "lb".into() }).unwrap_err(), ModelError::InvalidConfiguration(_)));
    let s3 = classic(&s2, set(80, &[])).unwrap();
    let s3 = classic(&s3, ClassicCommand::DeletePolicy { name: "web".into(), policy_name: "lb".into() }).unwrap();
    assert!(s3.region(R).classic_load_balancers["web"].policy("lb").is_none());
    let s4 = classic(&s, ClassicCommand::SetPoliciesForBackendServer { name: "web".into(), instance_port: 8080, policy_names: vec!["pp".into()] }).unwrap();
    assert_eq!(s4.region(R).classic_load_balancers["web"].backend_server_policies[&8080], vec!["pp"]);
}

#[test]
fn attributes_tags_and_zones() {
    let s = web();
    let bad = ClassicAttributesInput { idle_timeout: Some(0), ..Default::default() };
    assert!(matches!(classic(&s, ClassicCommand::ModifyAttributes { name: "web".into(), attributes: bad }).unwrap_err(), ModelError::Invalid { .. }));
    let unknown = ClassicAttributesInput { additional: vec![("nope".into(), "x".into())], ..Default::default() };
    assert!(matches!(classic(&s, ClassicCommand::ModifyAttributes { name: "web".into(), attributes: unknown }).unwrap_err(), ModelError::NotFound { kind: ResourceKind::LoadBalancerAttribute, .. }));
    let s = classic(&s, ClassicCommand::AddTags { names: vec!["web".into()], tags: vec![("a".into(), "1".into())] }).unwrap();
    let s = classic(&s, ClassicCommand::RemoveTags { names: vec!["web".into()], keys: vec!["env".into()] }).unwrap();
    assert_eq!(s.region(R).classic_load_balancers["web"].tags.keys().collect::<Vec<_>>(), vec!["a"]);
    assert!(matches!(
        classic(&s, ClassicCommand::AddTags { names: vec!["web".into()], tags: vec![("k".into(), "1".into()), ("k".into(), "2".into())] }).unwrap_err(),
        ModelError::DuplicateTagKeys(_)
    ));
    let s = classic(&s, ClassicCommand::EnableAvailabilityZones { name: "web".into(), zones: vec!["us-east-1b".into()] }).unwrap();
    assert_eq!(s.region(R).classic_load_balancers["web"].availability_zones, vec!["us-east-1a", "us-east-1b"]);
    assert_eq!(s.region(R).classic_load_balancers["web"].subnets.len(), 2);
    let s = classic(&s, ClassicCommand::DisableAvailabilityZones { name: "web".into(), zones: vec!["us-east-1a".into()] }).unwrap();
    assert_eq!(s.region(R).classic_load_balancers["web"].availability_zones, vec!["us-east-1b"]);
    assert!(matches!(classic(&s, ClassicCommand::DisableAvailabilityZones { name: "web".into(), zones: vec!["us-east-1b".into()] }).unwrap_err(), ModelError::InvalidConfiguration(_)));
    assert!(matches!(
        classic(&s, ClassicCommand::ApplySecurityGroups { name: "web".into(), security_groups: vec!["sg-nope".into()] }).unwrap_err(),
        ModelError::InvalidSecurityGroup(_)
    ));
    assert!(matches!(classic(&s, ClassicCommand::AttachToSubnets { name: "web".into(), subnets: vec!["subnet-nope".into()] }).unwrap_err(), ModelError::NotFound { kind: ResourceKind::Subnet, .. }));
    // A subnet in use by a classic load balancer cannot be deleted from under it.
    let used = s.region(R).classic_load_balancers["web"].subnets[0].clone();
    assert!(s.apply(&Command::Ec2 { region: R.into(), op: Ec2Command::DeleteSubnet { subnet_id: used } }).is_err());
}
