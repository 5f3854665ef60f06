//! Tests of EC2 commands against the model.
use super::*;
use crate::command::Command;
use crate::snapshot::Snapshot;

const R: &str = "us-east-1";

fn run(s: &Snapshot, op: Ec2Command) -> Result<Snapshot, ModelError> {
    s.apply(&Command::Ec2 { region: R.into(), op })
}

fn code(e: &ModelError) -> &'static str {
    match e {
        ModelError::Ec2 { code, .. } => code,
        ModelError::NotFound { .. } => "NotFound",
        ModelError::InUse { .. } => "DependencyViolation",
        ModelError::Duplicate { .. } => "Duplicate",
        ModelError::Invalid { .. } => "InvalidParameterValue",
        _ => "other",
    }
}

fn create_vpc(id: &str, cidr: &str) -> Ec2Command {
    Ec2Command::CreateVpc {
        vpc_id: id.into(),
        cidr_block: cidr.into(),
        instance_tenancy: "default".into(),
        main_route_table_id: format!("rtb-{id}"),
        main_association_id: format!("rtbassoc-{id}"),
        default_security_group_id: format!("sg-{id}"),
        default_rule_ids: (format!("sgr-in-{id}"), format!("sgr-out-{id}")),
        tags: vec![("Name".into(), "my vpc (test)".into())],
        now: 5,
    }
}

fn subnet(id: &str, vpc: &str, cidr: &str, zone: Option<&str>) -> Ec2Command {
    Ec2Command::CreateSubnet { subnet_id: id.into(), vpc_id: vpc.into(), cidr_block: cidr.into(), availability_zone: zone.map(Into::into), tags: vec![], now: 6 }
}

fn sg(id: &str, name: &str, vpc: Option<&str>) -> Ec2Command {
    Ec2Command::CreateSecurityGroup {
        group_id: id.into(),
        name: name.into(),
        description: "d".into(),
        vpc_id: vpc.map(Into::into),
        egress_rule_id: format!("sgr-e-{id}"),
        tags: vec![],
        now: 7,
    }
}

fn tcp(id: &str, port: i32, cidr: &str) -> SecurityGroupRule {
    SecurityGroupRule {
        id: id.into(),
        ip_protocol: "tcp".into(),
        from_port: Some(port),
        to_port: Some(port),
        cidr_ipv4: Some(cidr.into()),
        cidr_ipv6: None,
        referenced_group_id: None,
        description: None,
    }
}

#[test]
fn vpc_lifecycle_with_dependencies() {
    let s = run(&Snapshot::empty(), create_vpc("vpc-1", "10.0.0.0/16")).unwrap();
    let r = s.region(R);
    let vpc = &r.ec2.vpcs["vpc-1"];
    assert!(!vpc.is_default);
    assert_eq!(vpc.tags["Name"], "my vpc (test)");
    assert_eq!(r.ec2.route_tables["rtb-vpc-1"].routes[0].gateway_id, "local");
    assert_eq!(r.ec2.security_groups["sg-vpc-1"].name, "default");
    assert_eq!(code(&run(&s, create_vpc("vpc-2", "10.0.0.0/8")).unwrap_err()), "InvalidVpc.Range");
    assert_eq!(code(&run(&s, create_vpc("vpc-2", "10.0.0.0/29")).unwrap_err()), "InvalidVpc.Range");
    assert_eq!(code(&run(&s, create_vpc("vpc-2", "10.0.0.1/16")).unwrap_err()), "InvalidParameterValue");

    // A subnet, a group, a gateway and a route table each block the delete.
    let with_subnet = run(&s, subnet("subnet-1", "vpc-1", "10.0.1.0/24", None)).unwrap();
    assert_eq!(code(&run(&with_subnet, Ec2Command::DeleteVpc { vpc_id: "vpc-1".into() }).unwrap_err()), "DependencyViolation");
    let with_sg = run(&s, sg("sg-web", "web", Some("vpc-1"))).unwrap();
    assert_eq!(code(&run(&with_sg, Ec2Command::DeleteVpc { vpc_id: "vpc-1".into() }).unwrap_err()), "DependencyViolation");
    let igw = run(&s, Ec2Command::CreateInternetGateway { internet_gateway_id: "igw-1".into(), tags: vec![], now: 1 }).unwrap();
    let attached = run(&igw, Ec2Command::AttachInternetGateway { internet_gateway_id: "igw-1".into(), vpc_id: "vpc-1".into() }).unwrap();
    assert_eq!(code(&run(&attached, Ec2Command::DeleteVpc { vpc_id: "vpc-1".into() }).unwrap_err()), "DependencyViolation");
    let rt = run(&s, Ec2Command::CreateRouteTable { route_table_id: "rtb-2".into(), vpc_id: "vpc-1".into(), tags: vec![], now: 1 }).unwrap();
    assert_eq!(code(&run(&rt, Ec2Command::DeleteVpc { vpc_id: "vpc-1".into() }).unwrap_err()), "DependencyViolation");

    // Empty: delete takes the default group and main route table with it.
    let gone = run(&s, Ec2Command::DeleteVpc { vpc_id: "vpc-1".into() }).unwrap();
    let r = gone.region(R);
    assert!(!r.ec2.vpcs.contains_key("vpc-1"));
    assert!(!r.ec2.security_groups.contains_key("sg-vpc-1"));
    assert!(!r.ec2.route_tables.contains_key("rtb-vpc-1"));
    assert_eq!(code(&run(&gone, Ec2Command::DeleteVpc { vpc_id: "vpc-1".into() }).unwrap_err()), "NotFound");
}

#[test]
fn subnet_range_conflict_and_zone() {
    let s = run(&Snapshot::empty(), create_vpc("vpc-1", "10.0.0.0/16")).unwrap();
    let a = run(&s, subnet("subnet-1", "vpc-1", "10.0.1.0/24", None)).unwrap();
    let sub = &a.region(R).ec2.subnets["subnet-1"];
    assert_eq!((sub.availability_zone.as_str(), sub.availability_zone_id.as_str()), ("us-east-1a", "use1-az1"));
    let e = run(&a, subnet("subnet-2", "vpc-1", "10.1.0.0/24", None)).unwrap_err();
    assert_eq!((code(&e), e.to_string().as_str()), ("InvalidSubnet.Range", "The CIDR '10.1.0.0/24' is invalid."));
    assert_eq!(code(&run(&a, subnet("subnet-2", "vpc-1", "10.0.0.0/29", None)).unwrap_err()), "InvalidSubnet.Range");
    let e = run(&a, subnet("subnet-2", "vpc-1", "10.0.1.128/25", None)).unwrap_err();
    assert_eq!((code(&e), e.to_string().as_str()), ("InvalidSubnet.Conflict", "The CIDR '10.0.1.128/25' conflicts with another subnet"));
    let e = run(&a, subnet("subnet-2", "vpc-1", "10.0.2.0/24", Some("us-east-1z"))).unwrap_err();
    assert!(e.to_string().contains("us-east-1a, us-east-1b"), "{e}");
    assert_eq!(code(&run(&a, subnet("subnet-2", "vpc-nope", "10.0.2.0/24", None)).unwrap_err()), "NotFound");
    let b = run(&a, subnet("subnet-2", "vpc-1", "10.0.2.0/24", Some("us-east-1b"))).unwrap();
    assert_eq!(b.region(R).ec2.subnets["subnet-2"].availability_zone_id, "use1-az2");
    // The same CIDR in another VPC is fine.
    let c = run(&b, create_vpc("vpc-2", "10.0.0.0/16")).unwrap();
    run(&c, subnet("subnet-3", "vpc-2", "10.0.1.0/24", None)).unwrap();
    // Deleting drops its explicit association.
    let d = run(&b, Ec2Command::AssociateRouteTable { route_table_id: "rtb-vpc-1".into(), association_id: "rtbassoc-x".into(), subnet_id: Some("subnet-1".into()), gateway_id: None }).unwrap();
    let d = run(&d, Ec2Command::DeleteSubnet { subnet_id: "subnet-1".into() }).unwrap();
    assert_eq!(d.region(R).ec2.route_tables["rtb-vpc-1"].associations.len(), 1);
}

#[test]
fn security_groups_names_rules_and_deletion() {
    let s = run(&Snapshot::empty(), sg("sg-web", "web", None)).unwrap();
    let default_vpc = s.region(R).ec2.default_vpc().unwrap().clone();
    assert_eq!(s.region(R).ec2.security_groups["sg-web"].vpc_id, default_vpc.id);
    let e = run(&s, sg("sg-2", "web", None)).unwrap_err();
    assert_eq!(e.to_string(), format!("The security group 'web' already exists for VPC '{}'", default_vpc.id));
    assert_eq!(code(&run(&s, sg("sg-2", "sg-x", None)).unwrap_err()), "InvalidParameterValue");
    assert_eq!(code(&run(&s, sg("sg-2", "default", None)).unwrap_err()), "InvalidGroup.Reserved");
    // Names are unique regardless of case, and limited to EC2's character set.
    assert_eq!(code(&run(&s, sg("sg-2", "WEB", None)).unwrap_err()), "Duplicate");
    let e = run(&s, sg("sg-2", "café", None)).unwrap_err();
    assert_eq!(e.to_string(), "Value (café) for parameter GroupName is invalid. Character sets beyond ASCII are not supported.");
    assert_eq!(code(&run(&s, sg("sg-2", "bob's", None)).unwrap_err()), "InvalidParameterValue");
    assert!(run(&s, sg("sg-2", "web tier (prod) #1: a/b@c.d [x]+=&;{}!$*", None)).is_ok());
    assert_eq!(code(&run(&s, sg("sg-2", "x", Some("vpc-nope"))).unwrap_err()), "NotFound");

    let auth = |s: &Snapshot, rules: Vec<SecurityGroupRule>| {
        run(s, Ec2Command::AuthorizeSecurityGroupRules { group_id: None, group_name: Some("web".into()), egress: false, rules })
    };
    let s = auth(&s, vec![tcp("sgr-1", 22, "0.0.0.0/0"), tcp("sgr-2", 80, "0.0.0.0/0")]).unwrap();
    assert_eq!(s.region(R).ec2.security_groups["sg-web"].ingress.len(), 2);
    let e = auth(&s, vec![tcp("sgr-3", 22, "0.0.0.0/0")]).unwrap_err();
    assert_eq!(code(&e), "InvalidPermission.Duplicate");
    assert!(e.to_string().contains("peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW"), "{e}");
    assert_eq!(code(&auth(&s, vec![tcp("sgr-3", 443, "10.0.0.0/8"), tcp("sgr-4", 443, "10.0.0.0/8")]).unwrap_err()), "InvalidPermission.Duplicate");
    let mut from_group = tcp("sgr-5", 8080, "x");
    from_group.cidr_ipv4 = None;
    from_group.referenced_group_id = Some("sg-nope".into());
    assert_eq!(code(&auth(&s, vec![from_group.clone()]).unwrap_err()), "NotFound");

    let revoke = |s: &Snapshot, rules: Vec<SecurityGroupRule>, rule_ids: Vec<String>| {
        run(s, Ec2Command::RevokeSecurityGroupRules { group_id: Some("sg-web".into()), group_name: None, egress: false, rules, rule_ids })
    };
    // In the default VPC an unknown permission is no error (EC2 reports it back instead); in
    // any other VPC it is `InvalidPermission.NotFound`, and nothing is revoked.
    let same = revoke(&s, vec![tcp("x", 23, "0.0.0.0/0")], vec![]).unwrap();
    assert_eq!(same.region(R).ec2.security_groups["sg-web"].ingress.len(), 2);
    let v = run(&s, create_vpc("vpc-5", "10.5.0.0/16")).unwrap();
    let v = run(&v, Ec2Command::AuthorizeSecurityGroupRules { group_id: Some("sg-vpc-5".into()), group_name: None, egress: false, rules: vec![tcp("sgr-v", 22, "0.0.0.0/0")] }).unwrap();
    let revoke_v = |rules| run(&v, Ec2Command::RevokeSecurityGroupRules { group_id: Some("sg-vpc-5".into()), group_name: None, egress: false, rules, rule_ids: vec![] });
    assert_eq!(code(&revoke_v(vec![tcp("x", 22, "0.0.0.0/0"), tcp("x", 23, "0.0.0.0/0")]).unwrap_err()), "InvalidPermission.NotFound");
    assert!(revoke_v(vec![tcp("x", 22, "0.0.0.0/0")]).is_ok());
    let s = revoke(&s, vec![tcp("x", 22, "0.0.0.0/0")], vec![]).unwrap();
    let s = revoke(&s, vec![], vec!["sgr-2".into()]).unwrap();
    assert!(s.region(R).ec2.security_groups["sg-web"].ingress.is_empty());

    // A group referenced by another group's rule cannot be deleted; the default never.
    let s2 = run(&s, sg("sg-app", "app", None)).unwrap();
    from_group.referenced_group_id = Some("sg-web".into());
    let s2 = run(&s2, Ec2Command::AuthorizeSecurityGroupRules { group_id: Some("sg-app".into()), group_name: None, egress: false, rules: vec![from_group] }).unwrap();
    let del = |s: &Snapshot, id: &str| run(s, Ec2Command::DeleteSecurityGroup { group_id: Some(id.into()), group_name: None });
    assert_eq!(code(&del(&s2, "sg-web").unwrap_err()), "DependencyViolation");
    // Groups of another VPC cannot be referenced (no peering).
    let other = run(&s2, create_vpc("vpc-9", "10.9.0.0/16")).unwrap();
    let mut cross = tcp("sgr-x", 9000, "x");
    cross.cidr_ipv4 = None;
    cross.referenced_group_id = Some("sg-web".into());
    let e = run(&other, Ec2Command::AuthorizeSecurityGroupRules { group_id: Some("sg-vpc-9".into()), group_name: None, egress: false, rules: vec![cross] }).unwrap_err();
    assert_eq!((code(&e), e.to_string().as_str()), ("InvalidGroup.NotFound", "You have specified two resources that belong to different networks."));
    assert_eq!(code(&del(&s2, &default_vpc.default_security_group_id).unwrap_err()), "CannotDelete");
    let s3 = del(&s2, "sg-app").unwrap();
    let s3 = run(&s3, Ec2Command::DeleteSecurityGroup { group_id: None, group_name: Some("web".into()) }).unwrap();
    assert_eq!(s3.region(R).ec2.security_groups.len(), 1);
    assert_eq!(code(&del(&s3, "sg-web").unwrap_err()), "NotFound");
}

#[test]
fn internet_gateway_attach_rules() {
    let s = run(&Snapshot::empty(), create_vpc("vpc-1", "10.0.0.0/16")).unwrap();
    let s = run(&s, Ec2Command::CreateInternetGateway { internet_gateway_id: "igw-1".into(), tags: vec![], now: 1 }).unwrap();
    let s = run(&s, Ec2Command::CreateInternetGateway { internet_gateway_id: "igw-2".into(), tags: vec![], now: 1 }).unwrap();
    let attach = |s: &Snapshot, igw: &str, vpc: &str| run(s, Ec2Command::AttachInternetGateway { internet_gateway_id: igw.into(), vpc_id: vpc.into() });
    let detach = |s: &Snapshot, igw: &str, vpc: &str| run(s, Ec2Command::DetachInternetGateway { internet_gateway_id: igw.into(), vpc_id: vpc.into() });
    assert_eq!(code(&detach(&s, "igw-1", "vpc-1").unwrap_err()), "Gateway.NotAttached");
    let a = attach(&s, "igw-1", "vpc-1").unwrap();
    assert_eq!(code(&attach(&a, "igw-1", "vpc-1").unwrap_err()), "Resource.AlreadyAssociated");
    assert_eq!(code(&attach(&a, "igw-2", "vpc-1").unwrap_err()), "Resource.AlreadyAssociated");
    assert_eq!(code(&attach(&a, "igw-nope", "vpc-1").unwrap_err()), "NotFound");
    assert_eq!(code(&run(&a, Ec2Command::DeleteInternetGateway { internet_gateway_id: "igw-1".into() }).unwrap_err()), "DependencyViolation");

    // Routes need an attached gateway; destinations are unique; local routes stay.
    let route = |s: &Snapshot, gw: &str, dest: &str| {
        run(s, Ec2Command::CreateRoute { route_table_id: "rtb-vpc-1".into(), destination_cidr_block: dest.into(), gateway_id: gw.into() })
    };
    assert_eq!(code(&route(&a, "igw-nope", "0.0.0.0/0").unwrap_err()), "InvalidGatewayID.NotFound");
    assert_eq!(code(&route(&a, "igw-2", "0.0.0.0/0").unwrap_err()), "InvalidParameterValue");
    let b = route(&a, "igw-1", "0.0.0.0/0").unwrap();
    assert_eq!(code(&route(&b, "igw-1", "0.0.0.0/0").unwrap_err()), "RouteAlreadyExists");
    // Inside the VPC's block only interfaces and instances may be targets; the block itself
    // is the local route. Wider or disjoint destinations are fine.
    assert_eq!(code(&route(&b, "igw-1", "10.0.1.0/24").unwrap_err()), "InvalidParameterValue");
    assert_eq!(code(&route(&b, "igw-1", "10.0.0.0/16").unwrap_err()), "RouteAlreadyExists");
    assert!(route(&b, "igw-1", "10.0.0.0/8").is_ok());
    let del = |s: &Snapshot, dest: &str| run(s, Ec2Command::DeleteRoute { route_table_id: "rtb-vpc-1".into(), destination_cidr_block: dest.into() });
    assert_eq!(code(&del(&b, "10.0.0.0/16").unwrap_err()), "InvalidParameterValue");
    assert_eq!(code(&del(&b, "1.0.0.0/8").unwrap_err()), "InvalidRoute.NotFound");
    assert_eq!(del(&b, "0.0.0.0/0").unwrap().region(R).ec2.route_tables["rtb-vpc-1"].routes.len(), 1);

    let d = detach(&b, "igw-1", "vpc-1").unwrap();
    assert_eq!(d.region(R).ec2.internet_gateways["igw-1"].attached_vpc_id, None);
    let d = run(&d, Ec2Command::DeleteInternetGateway { internet_gateway_id: "igw-1".into() }).unwrap();
    assert!(!d.region(R).ec2.internet_gateways.contains_key("igw-1"));
}

#[test]
fn route_table_associations() {
    let s = run(&Snapshot::empty(), create_vpc("vpc-1", "10.0.0.0/16")).unwrap();
    let s = run(&s, subnet("subnet-1", "vpc-1", "10.0.1.0/24", None)).unwrap();
    let s = run(&s, Ec2Command::CreateRouteTable { route_table_id: "rtb-2".into(), vpc_id: "vpc-1".into(), tags: vec![], now: 1 }).unwrap();
    let assoc = |s: &Snapshot, rtb: &str, id: &str, subnet: &str| {
        run(s, Ec2Command::AssociateRouteTable { route_table_id: rtb.into(), association_id: id.into(), subnet_id: Some(subnet.into()), gateway_id: None })
    };
    let a = assoc(&s, "rtb-2", "rtbassoc-1", "subnet-1").unwrap();
    assert_eq!(code(&assoc(&a, "rtb-vpc-1", "rtbassoc-2", "subnet-1").unwrap_err()), "Resource.AlreadyAssociated");
    let default_subnet = a.region(R).ec2.subnets.values().find(|s| s.default_for_az).unwrap().id.clone();
    assert_eq!(code(&assoc(&a, "rtb-2", "rtbassoc-2", &default_subnet).unwrap_err()), "InvalidParameterValue");
    assert_eq!(code(&run(&a, Ec2Command::DeleteRouteTable { route_table_id: "rtb-2".into() }).unwrap_err()), "DependencyViolation");
    assert_eq!(code(&run(&a, Ec2Command::DeleteRouteTable { route_table_id: "rtb-vpc-1".into() }).unwrap_err()), "DependencyViolation");
    let main = "rtbassoc-vpc-1".to_string();
    assert_eq!(code(&run(&a, Ec2Command::DisassociateRouteTable { association_id: main }).unwrap_err()), "InvalidParameterValue");
    let b = run(&a, Ec2Command::DisassociateRouteTable { association_id: "rtbassoc-1".into() }).unwrap();
    assert_eq!(code(&run(&b, Ec2Command::DisassociateRouteTable { association_id: "rtbassoc-1".into() }).unwrap_err()), "NotFound");
    let c = run(&b, Ec2Command::DeleteRouteTable { route_table_id: "rtb-2".into() }).unwrap();
    assert!(!c.region(R).ec2.route_tables.contains_key("rtb-2"));
}

#[test]
fn tags_create_and_delete() {
    let s = run(&Snapshot::empty(), create_vpc("vpc-1", "10.0.0.0/16")).unwrap();
    let tag = |k: &str, v: &str| (k.to_string(), v.to_string());
    let s = run(&s, Ec2Command::CreateTags { resource_ids: vec!["vpc-1".into(), "sg-vpc-1".into()], tags: vec![tag("a", "1"), tag("b", "2"), tag("c", "")] }).unwrap();
    assert_eq!(s.region(R).ec2.security_groups["sg-vpc-1"].tags.len(), 3);
    assert_eq!(code(&run(&s, Ec2Command::CreateTags { resource_ids: vec!["vpc-nope".into()], tags: vec![tag("a", "1")] }).unwrap_err()), "NotFound");
    assert_eq!(code(&run(&s, Ec2Command::CreateTags { resource_ids: vec!["eni-1".into()], tags: vec![tag("a", "1")] }).unwrap_err()), "InvalidID");
    assert_eq!(code(&run(&s, Ec2Command::CreateTags { resource_ids: vec!["i-1".into()], tags: vec![tag("a", "1")] }).unwrap_err()), "InvalidInstanceID.NotFound");
    assert!(run(&s, Ec2Command::CreateTags { resource_ids: vec!["vpc-1".into()], tags: vec![tag("aws:x", "1")] }).is_err());
    let many: Vec<(String, String)> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    assert!(matches!(run(&s, Ec2Command::CreateTags { resource_ids: vec!["vpc-1".into()], tags: many }).unwrap_err(), ModelError::TooMany { .. }));

    let del = |s: &Snapshot, tags: Vec<TagKeyValue>| run(s, Ec2Command::DeleteTags { resource_ids: vec!["vpc-1".into()], tags });
    let kv = |k: &str, v: Option<&str>| TagKeyValue { key: k.into(), value: v.map(Into::into) };
    let d = del(&s, vec![kv("a", Some("other")), kv("b", Some("2")), kv("c", None)]).unwrap();
    let t = &d.region(R).ec2.vpcs["vpc-1"].tags;
    assert_eq!(t.keys().collect::<Vec<_>>(), vec!["Name", "a"]);
    assert!(del(&d, vec![]).unwrap().region(R).ec2.vpcs["vpc-1"].tags.is_empty());
}

#[test]
fn load_balancers_hold_their_subnets_groups_and_vpc() {
    use crate::command::{CreateLoadBalancer, Elbv2Command};
    use crate::load_balancer::{IpAddressType, LoadBalancerType, Scheme};
    let s = run(&Snapshot::empty(), sg("sg-web", "web", None)).unwrap();
    let r = s.region(R);
    let subnets: Vec<String> = r.ec2.subnets.keys().cloned().collect();
    let vpc = r.ec2.default_vpc().unwrap().id.clone();
    let lb = CreateLoadBalancer {
        arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/0123456789abcdef".into(),
        id: "0123456789abcdef".into(),
        name: "a".into(),
        dns_name: "a.example".into(),
        canonical_hosted_zone_id: "Z".into(),
        subnets: subnets.clone(),
        security_groups: Some(vec!["sg-web".into()]),
        scheme: Scheme::InternetFacing,
        kind: LoadBalancerType::Application,
        ip_address_type: IpAddressType::Ipv4,
        tags: vec![],
        now: 1,
    };
    let s = s.apply(&Command::Elbv2 { region: R.into(), op: Elbv2Command::CreateLoadBalancer(lb) }).unwrap();
    assert_eq!(code(&run(&s, Ec2Command::DeleteSubnet { subnet_id: subnets[0].clone() }).unwrap_err()), "DependencyViolation");
    assert_eq!(code(&run(&s, Ec2Command::DeleteSecurityGroup { group_id: Some("sg-web".into()), group_name: None }).unwrap_err()), "DependencyViolation");
    assert_eq!(code(&run(&s, Ec2Command::DeleteVpc { vpc_id: vpc }).unwrap_err()), "DependencyViolation");
}

#[test]
fn vpc_and_subnet_attributes_are_stored() {
    let s = run(&Snapshot::empty(), create_vpc("vpc-1", "10.0.0.0/16")).unwrap();
    let vpc = &s.region(R).ec2.vpcs["vpc-1"];
    assert!(vpc.enable_dns_support && !vpc.dns_hostnames() && !vpc.enable_network_address_usage_metrics);
    let modify = |s: &Snapshot, vpc: &str, attribute| run(s, Ec2Command::ModifyVpcAttribute { vpc_id: vpc.into(), attribute });
    let s = modify(&s, "vpc-1", VpcAttribute::EnableDnsHostnames(true)).unwrap();
    let s = modify(&s, "vpc-1", VpcAttribute::EnableDnsSupport(false)).unwrap();
    let s = modify(&s, "vpc-1", VpcAttribute::EnableNetworkAddressUsageMetrics(true)).unwrap();
    let vpc = &s.region(R).ec2.vpcs["vpc-1"];
    assert!(!vpc.enable_dns_support && vpc.dns_hostnames() && vpc.enable_network_address_usage_metrics);
    // The default VPC has hostnames on until turned off.
    let default_vpc = s.region(R).ec2.default_vpc().unwrap().id.clone();
    assert!(s.region(R).ec2.vpcs[&default_vpc].dns_hostnames());
    let off = modify(&s, &default_vpc, VpcAttribute::EnableDnsHostnames(false)).unwrap();
    assert!(!off.region(R).ec2.vpcs[&default_vpc].dns_hostnames());
    assert_eq!(code(&modify(&s, "vpc-nope", VpcAttribute::EnableDnsSupport(true)).unwrap_err()), "NotFound");

    let s = run(&s, subnet("subnet-1", "vpc-1", "10.0.1.0/24", None)).unwrap();
    assert!(!s.region(R).ec2.subnets["subnet-1"].map_public_ip_on_launch);
    let modify = |s: &Snapshot, id: &str, attribute| run(s, Ec2Command::ModifySubnetAttribute { subnet_id: id.into(), attribute });
    let s = modify(&s, "subnet-1", SubnetAttribute::MapPublicIpOnLaunch(true)).unwrap();
    let s = modify(&s, "subnet-1", SubnetAttribute::PrivateDnsHostnameTypeOnLaunch("resource-name".into())).unwrap();
    let s = modify(&s, "subnet-1", SubnetAttribute::EnableResourceNameDnsARecordOnLaunch(true)).unwrap();
    let sub = &s.region(R).ec2.subnets["subnet-1"];
    assert!(sub.map_public_ip_on_launch && sub.enable_resource_name_dns_a_record);
    assert_eq!(sub.hostname_type, "resource-name");
    assert_eq!(code(&modify(&s, "subnet-1", SubnetAttribute::PrivateDnsHostnameTypeOnLaunch("fqdn".into())).unwrap_err()), "InvalidParameterValue");
    assert_eq!(code(&modify(&s, "subnet-nope", SubnetAttribute::MapPublicIpOnLaunch(true)).unwrap_err()), "NotFound");
    let s = modify(&s, "subnet-1", SubnetAttribute::MapPublicIpOnLaunch(false)).unwrap();
    assert!(!s.region(R).ec2.subnets["subnet-1"].map_public_ip_on_launch);
}

#[test]
fn replace_route_targets_and_errors() {
    let s = run(&Snapshot::empty(), create_vpc("vpc-1", "10.0.0.0/16")).unwrap();
    let s = run(&s, Ec2Command::CreateInternetGateway { internet_gateway_id: "igw-1".into(), tags: vec![], now: 1 }).unwrap();
    let s = run(&s, Ec2Command::CreateInternetGateway { internet_gateway_id: "igw-2".into(), tags: vec![], now: 1 }).unwrap();
    let s = run(&s, Ec2Command::AttachInternetGateway { internet_gateway_id: "igw-1".into(), vpc_id: "vpc-1".into() }).unwrap();
    let s = run(&s, Ec2Command::CreateRoute { route_table_id: "rtb-vpc-1".into(), destination_cidr_block: "0.0.0.0/0".into(), gateway_id: "igw-1".into() }).unwrap();
    let replace = |s: &Snapshot, rtb: &str, dest: &str, gw: &str| {
        run(s, Ec2Command::ReplaceRoute { route_table_id: rtb.into(), destination_cidr_block: dest.into(), gateway_id: gw.into() })
    };
    assert_eq!(code(&replace(&s, "rtb-vpc-1", "1.0.0.0/8", "igw-1").unwrap_err()), "InvalidRoute.NotFound");
    assert_eq!(code(&replace(&s, "rtb-nope", "0.0.0.0/0", "igw-1").unwrap_err()), "NotFound");
    assert_eq!(code(&replace(&s, "rtb-vpc-1", "0.0.0.0/0", "igw-nope").unwrap_err()), "InvalidGatewayID.NotFound");
    // igw-2 is not attached to the table's VPC.
    assert_eq!(code(&replace(&s, "rtb-vpc-1", "0.0.0.0/0", "igw-2").unwrap_err()), "InvalidParameterValue");
    assert_eq!(code(&replace(&s, "rtb-vpc-1", "0.0.0.0/0/1", "igw-1").unwrap_err()), "InvalidParameterValue");
    // The local route takes no gateway; `local` resets only the local route.
    assert_eq!(code(&replace(&s, "rtb-vpc-1", "10.0.0.0/16", "igw-1").unwrap_err()), "InvalidParameterValue");
    assert_eq!(code(&replace(&s, "rtb-vpc-1", "0.0.0.0/0", "local").unwrap_err()), "InvalidParameterValue");
    assert_eq!(replace(&s, "rtb-vpc-1", "10.0.0.0/16", "local").unwrap().region(R), s.region(R));

    // Moving the gateway to igw-2: the route follows, keeping its place and origin.
    let s = run(&s, Ec2Command::DetachInternetGateway { internet_gateway_id: "igw-1".into(), vpc_id: "vpc-1".into() }).unwrap();
    let s = run(&s, Ec2Command::AttachInternetGateway { internet_gateway_id: "igw-2".into(), vpc_id: "vpc-1".into() }).unwrap();
    let s = replace(&s, "rtb-vpc-1", "0.0.0.0/0", "igw-2").unwrap();
    let routes = &s.region(R).ec2.route_tables["rtb-vpc-1"].routes;
    assert_eq!((routes.len(), routes[1].gateway_id.as_str(), routes[1].origin.as_str()), (2, "igw-2", "CreateRoute"));
}

#[test]
fn replace_route_table_associations() {
    let s = run(&Snapshot::empty(), create_vpc("vpc-1", "10.0.0.0/16")).unwrap();
    let s = run(&s, subnet("subnet-1", "vpc-1", "10.0.1.0/24", None)).unwrap();
    let s = run(&s, Ec2Command::CreateRouteTable { route_table_id: "rtb-2".into(), vpc_id: "vpc-1".into(), tags: vec![], now: 1 }).unwrap();
    let s = run(&s, Ec2Command::CreateRouteTable { route_table_id: "rtb-3".into(), vpc_id: "vpc-1".into(), tags: vec![], now: 1 }).unwrap();
    let s = run(&s, Ec2Command::AssociateRouteTable { route_table_id: "rtb-2".into(), association_id: "rtbassoc-1".into(), subnet_id: Some("subnet-1".into()), gateway_id: None }).unwrap();
    let replace = |s: &Snapshot, assoc: &str, rtb: &str, new: &str| {
        run(s, Ec2Command::ReplaceRouteTableAssociation { association_id: assoc.into(), route_table_id: rtb.into(), new_association_id: new.into() })
    };
    assert_eq!(code(&replace(&s, "rtbassoc-nope", "rtb-3", "rtbassoc-2").unwrap_err()), "NotFound");
    assert_eq!(code(&replace(&s, "rtbassoc-1", "rtb-nope", "rtbassoc-2").unwrap_err()), "NotFound");
    let default_main = s.region(R).ec2.default_vpc().unwrap().main_route_table_id.clone();
    assert_eq!(code(&replace(&s, "rtbassoc-1", &default_main, "rtbassoc-2").unwrap_err()), "InvalidParameterValue");

    let a = replace(&s, "rtbassoc-1", "rtb-3", "rtbassoc-2").unwrap();
    let e = &a.region(R).ec2;
    assert!(e.route_tables["rtb-2"].associations.is_empty());
    let moved = &e.route_tables["rtb-3"].associations;
    assert_eq!((moved.len(), moved[0].id.as_str(), moved[0].subnet_id.as_deref(), moved[0].main), (1, "rtbassoc-2", Some("subnet-1"), false));
    assert_eq!(code(&replace(&a, "rtbassoc-1", "rtb-3", "rtbassoc-3").unwrap_err()), "NotFound");

    // The main association makes rtb-2 the main table; the old main one can then go.
    let b = replace(&a, "rtbassoc-vpc-1", "rtb-2", "rtbassoc-main").unwrap();
    let e = &b.region(R).ec2;
    assert_eq!(e.vpcs["vpc-1"].main_route_table_id, "rtb-2");
    assert!(e.route_tables["rtb-2"].associations.iter().any(|x| x.main && x.id == "rtbassoc-main"));
    let c = run(&b, Ec2Command::DeleteRouteTable { route_table_id: "rtb-vpc-1".into() }).unwrap();
    assert_eq!(code(&run(&c, Ec2Command::DeleteRouteTable { route_table_id: "rtb-2".into() }).unwrap_err()), "DependencyViolation");
    // DeleteVpc takes the new main table with it.
    let c = run(&c, Ec2Command::DisassociateRouteTable { association_id: "rtbassoc-2".into() }).unwrap();
    let c = run(&c, Ec2Command::DeleteRouteTable { route_table_id: "rtb-3".into() }).unwrap();
    let c = run(&c, Ec2Command::DeleteSubnet { subnet_id: "subnet-1".into() }).unwrap();
    let c = run(&c, Ec2Command::DeleteVpc { vpc_id: "vpc-1".into() }).unwrap();
    assert!(!c.region(R).ec2.route_tables.contains_key("rtb-2"));
}

fn default_vpc_ids(n: u32) -> DefaultVpcIds {
    DefaultVpcIds {
        vpc_id: format!("vpc-new{n}"),
        security_group_id: format!("sg-new{n}"),
        rule_ids: (format!("sgr-in{n}"), format!("sgr-out{n}")),
        route_table_id: format!("rtb-new{n}"),
        association_id: format!("rtbassoc-new{n}"),
        internet_gateway_id: format!("igw-new{n}"),
    }
}

#[test]
fn create_default_vpc_only_without_one() {
    let s = Snapshot::empty();
    let e = run(&s, Ec2Command::CreateDefaultVpc { ids: default_vpc_ids(1), now: 9 }).unwrap_err();
    assert_eq!((code(&e), e.to_string().as_str()), ("DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region."));

    // Take the initial default VPC apart, as a user must before DeleteVpc.
    let r = s.region(R).into_owned();
    let old = r.ec2.default_vpc().unwrap().clone();
    let igw = r.ec2.internet_gateways.keys().next().unwrap().clone();
    let mut s = s;
    for id in r.ec2.subnets.keys() {
        s = run(&s, Ec2Command::DeleteSubnet { subnet_id: id.clone() }).unwrap();
    }
    s = run(&s, Ec2Command::DetachInternetGateway { internet_gateway_id: igw.clone(), vpc_id: old.id.clone() }).unwrap();
    s = run(&s, Ec2Command::DeleteVpc { vpc_id: old.id.clone() }).unwrap();
    assert!(s.region(R).ec2.default_vpc().is_none());

    let s = run(&s, Ec2Command::CreateDefaultVpc { ids: default_vpc_ids(1), now: 9 }).unwrap();
    let e = &s.region(R).ec2;
    let vpc = e.default_vpc().unwrap();
    assert_eq!((vpc.id.as_str(), vpc.cidr_block.as_str(), vpc.dns_hostnames(), vpc.enable_dns_support), ("vpc-new1", "172.31.0.0/16", true, true));
    // The same shape as the initial one: a /20 default subnet per zone, public IPs on launch.
    let subnets: Vec<_> = e.subnets.values().filter(|x| x.vpc_id == "vpc-new1").collect();
    assert_eq!(subnets.len(), e.zones.len());
    let initial = crate::ec2::Ec2State::new_default(R, e.zones.len());
    let shape = |v: Vec<&Subnet>| {
        let mut v: Vec<_> = v.into_iter().map(|x| (x.availability_zone.clone(), x.availability_zone_id.clone(), x.cidr_block.clone(), x.default_for_az, x.map_public_ip_on_launch)).collect();
        v.sort();
        v
    };
    assert_eq!(shape(subnets.clone()), shape(initial.subnets.values().collect()));
    assert!(subnets.iter().all(|x| x.id == default_subnet_id("vpc-new1", &x.availability_zone)));
    assert_eq!(e.security_groups["sg-new1"].name, "default");
    assert_eq!(e.internet_gateways["igw-new1"].attached_vpc_id.as_deref(), Some("vpc-new1"));
    let rt = &e.route_tables["rtb-new1"];
    assert_eq!(rt.routes.iter().map(|x| (x.destination_cidr_block.as_str(), x.gateway_id.as_str())).collect::<Vec<_>>(), vec![("172.31.0.0/16", "local"), ("0.0.0.0/0", "igw-new1")]);
    assert!(rt.associations[0].main);
    assert_eq!(e.created["vpc-new1"], 9);
    // The old gateway, still there, is untouched; a second default VPC is refused.
    assert_eq!(e.internet_gateways[&igw].attached_vpc_id, None);
    assert_eq!(code(&run(&s, Ec2Command::CreateDefaultVpc { ids: default_vpc_ids(2), now: 10 }).unwrap_err()), "DefaultVpcAlreadyExists");
    // Security groups without a VPC go to the new default VPC.
    let g = run(&s, sg("sg-web", "web", None)).unwrap();
    assert_eq!(g.region(R).ec2.security_groups["sg-web"].vpc_id, "vpc-new1");
}
