//! End-to-end tests of the EC2 handlers against a real `State` over an embedded store in a
//! temporary directory: decoding, filters, pagination, dry runs, errors and rendering.
//!
//! With `ELBOW_EC2_XML_DUMP=<dir>` set, `dump_responses_for_botocore` writes one response per
//! operation there, for checking with botocore's own parser.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use model::HealthTable;

use crate::error::ApiError;
use crate::params::{ListStyle, Params};
use crate::service::Service;
use crate::test_support::all;
use crate::{Api, ApiConfig, Request};

struct Env {
    api: Arc<Api>,
    dir: PathBuf,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn env() -> Env {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!("elbow-ec2-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    let store = store::EmbeddedStore::open(&dir).unwrap();
    let state = state::State::start(Arc::new(store), None).await.unwrap();
    Env { api: Api::new(state, Arc::new(HealthTable::new()), ApiConfig::default()), dir }
}

async fn call(e: &Env, action: &str, pairs: &[(&str, &str)]) -> Result<String, ApiError> {
    let req = Request {
        service: Service::Ec2,
        action: action.to_string(),
        params: Params::from_pairs(pairs.iter().copied(), ListStyle::Flat),
        json: None,
        region: "us-east-1".into(),
        request_id: "req-1".into(),
    };
    super::dispatch(&e.api, &req).await
}


fn first(xml: &str, tag: &str) -> String {
    all(xml, tag).into_iter().next().unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
}

#[tokio::test]
async fn default_networking_exists() {
    let e = env().await;
    let vpcs = call(&e, "DescribeVpcs", &[]).await.unwrap();
    assert!(vpcs.starts_with("<?xml"), "{vpcs}");
    assert!(vpcs.contains("<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId><vpcSet><item>"), "{vpcs}");
    assert_eq!(all(&vpcs, "isDefault"), vec!["true"]);
    assert_eq!(first(&vpcs, "cidrBlock"), "172.31.0.0/16");
    assert_eq!(first(&vpcs, "ownerId"), "123456789012");
    let subnets = call(&e, "DescribeSubnets", &[("Filter.1.Name", "default-for-az"), ("Filter.1.Value.1", "true")]).await.unwrap();
    assert_eq!(all(&subnets, "availabilityZone"), vec!["us-east-1a", "us-east-1b"]);
    assert_eq!(first(&subnets, "availableIpAddressCount"), "4091");
    assert!(first(&subnets, "subnetArn").starts_with("arn:aws:ec2:us-east-1:123456789012:subnet/subnet-"));
    let zones = call(&e, "DescribeAvailabilityZones", &[]).await.unwrap();
    assert_eq!(all(&zones, "zoneId"), vec!["use1-az1", "use1-az2"]);
    let z = call(&e, "DescribeAvailabilityZones", &[("ZoneName.1", "us-east-1z")]).await.unwrap_err();
    assert_eq!((z.code.as_ref(), z.message.as_str()), ("InvalidParameterValue", "Invalid availability zone: [us-east-1z]"));
    let sgs = call(&e, "DescribeSecurityGroups", &[("GroupName.1", "default")]).await.unwrap();
    assert_eq!(all(&sgs, "groupName"), vec!["default"]);
    // The default group: all traffic from itself in (no ports), all out.
    assert!(sgs.contains("<ipPermissions><item><ipProtocol>-1</ipProtocol><groups><item><userId>123456789012</userId><groupId>sg-"), "{sgs}");
    assert!(sgs.contains("<ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>"), "{sgs}");
    let rts = call(&e, "DescribeRouteTables", &[("Filter.1.Name", "association.main"), ("Filter.1.Value.1", "true")]).await.unwrap();
    assert_eq!(all(&rts, "gatewayId").len(), 2);
    assert_eq!(all(&rts, "state"), vec!["associated", "active", "active"]);
    let igws = call(&e, "DescribeInternetGateways", &[("Filter.1.Name", "attachment.vpc-id"), ("Filter.1.Value.1", "vpc-*")]).await.unwrap();
    assert_eq!(all(&igws, "state"), vec!["available"]);
}

#[tokio::test]
async fn vpc_subnet_lifecycle_with_tags_and_filters() {
    let e = env().await;
    let out = call(
        &e,
        "CreateVpc",
        &[("CidrBlock", "10.0.0.0/16"), ("TagSpecification.1.ResourceType", "vpc"), ("TagSpecification.1.Tag.1.Key", "Name"), ("TagSpecification.1.Tag.1.Value", "demo")],
    )
    .await
    .unwrap();
    let vpc = first(&out, "vpcId");
    assert!(vpc.starts_with("vpc-") && vpc.len() == 21, "{vpc}");
    assert!(out.contains("<tagSet><item><key>Name</key><value>demo</value></item></tagSet>"), "{out}");
    assert_eq!(first(&out, "isDefault"), "false");

    let bad = call(&e, "CreateVpc", &[("CidrBlock", "10.0.0.0/8")]).await.unwrap_err();
    assert_eq!((bad.code.as_ref(), bad.message.as_str()), ("InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid."));
    let wrong_type = call(&e, "CreateVpc", &[("CidrBlock", "10.0.0.0/16"), ("TagSpecification.1.ResourceType", "subnet"), ("TagSpecification.1.Tag.1.Key", "a")]).await;
    assert_eq!(wrong_type.unwrap_err().code, "InvalidParameterValue");

    let by_tag = call(&e, "DescribeVpcs", &[("Filter.1.Name", "tag:Name"), ("Filter.1.Value.1", "de*")]).await.unwrap();
    assert_eq!(all(&by_tag, "vpcId"), vec![vpc.clone()]);
    let nf = call(&e, "DescribeVpcs", &[("VpcId.1", "vpc-nope")]).await.unwrap_err();
    assert_eq!((nf.code.as_ref(), nf.message.as_str()), ("InvalidVpcID.NotFound", "The vpc ID 'vpc-nope' does not exist"));
    let unknown = call(&e, "DescribeVpcs", &[("Filter.1.Name", "colour"), ("Filter.1.Value.1", "x")]).await.unwrap_err();
    assert_eq!(unknown.message, "The filter 'colour' is invalid");

    let s1 = call(&e, "CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", "10.0.1.0/24"), ("AvailabilityZone", "us-east-1b")]).await.unwrap();
    assert_eq!(first(&s1, "availabilityZoneId"), "use1-az2");
    assert_eq!(first(&s1, "availableIpAddressCount"), "251");
    let subnet = first(&s1, "subnetId");
    let s2 = call(&e, "CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", "10.0.2.0/24"), ("AvailabilityZoneId", "use1-az1")]).await.unwrap();
    assert_eq!(first(&s2, "availabilityZone"), "us-east-1a");
    let conflict = call(&e, "CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", "10.0.1.0/25")]).await.unwrap_err();
    assert_eq!((conflict.code.as_ref(), conflict.message.as_str()), ("InvalidSubnet.Conflict", "The CIDR '10.0.1.0/25' conflicts with another subnet"));
    let range = call(&e, "CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", "10.1.0.0/24")]).await.unwrap_err();
    assert_eq!(range.code, "InvalidSubnet.Range");
    let zone = call(&e, "CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", "10.0.3.0/24"), ("AvailabilityZone", "eu-west-1a")]).await.unwrap_err();
    assert!(zone.message.contains("us-east-1a, us-east-1b"), "{}", zone.message);
    let missing = call(&e, "CreateSubnet", &[("VpcId", &vpc)]).await.unwrap_err();
    assert_eq!((missing.code.as_ref(), missing.message.as_str()), ("MissingParameter", "The request must contain the parameter CidrBlock"));

    let mine = call(&e, "DescribeSubnets", &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc), ("Filter.2.Name", "cidr-block"), ("Filter.2.Value.1", "10.0.1.*")]).await.unwrap();
    assert_eq!(all(&mine, "subnetId"), vec![subnet.clone()]);

    // Tags on existing resources, then DescribeTags.
    call(&e, "CreateTags", &[("ResourceId.1", &vpc), ("ResourceId.2", &subnet), ("Tag.1.Key", "env"), ("Tag.1.Value", "dev")]).await.unwrap();
    let tags = call(&e, "DescribeTags", &[("Filter.1.Name", "key"), ("Filter.1.Value.1", "env")]).await.unwrap();
    assert_eq!(all(&tags, "resourceType"), {
        let mut v = vec!["subnet".to_string(), "vpc".to_string()];
        v.sort_by_key(|t| if t == "vpc" { vpc.clone() } else { subnet.clone() });
        v
    });
    call(&e, "DeleteTags", &[("ResourceId.1", &vpc), ("Tag.1.Key", "env"), ("Tag.1.Value", "prod")]).await.unwrap();
    let still = call(&e, "DescribeTags", &[("Filter.1.Name", "resource-id"), ("Filter.1.Value.1", &vpc)]).await.unwrap();
    assert_eq!(all(&still, "key"), vec!["Name", "env"]);
    call(&e, "DeleteTags", &[("ResourceId.1", &vpc)]).await.unwrap();
    let none = call(&e, "DescribeTags", &[("Filter.1.Name", "resource-id"), ("Filter.1.Value.1", &vpc)]).await.unwrap();
    assert!(none.contains("<tagSet/>"), "{none}");
    let bad_tag = call(&e, "CreateTags", &[("ResourceId.1", "vpc-nope"), ("Tag.1.Key", "a")]).await.unwrap_err();
    assert_eq!(bad_tag.code, "InvalidVpcID.NotFound");

    // Dependencies, then teardown.
    let dep = call(&e, "DeleteVpc", &[("VpcId", &vpc)]).await.unwrap_err();
    assert_eq!((dep.code.as_ref(), dep.message.as_str()), ("DependencyViolation", format!("The vpc '{vpc}' has dependencies and cannot be deleted.").as_str()));
    call(&e, "DeleteSubnet", &[("SubnetId", &subnet)]).await.unwrap();
    call(&e, "DeleteSubnet", &[("SubnetId", &first(&s2, "subnetId"))]).await.unwrap();
    let del = call(&e, "DeleteVpc", &[("VpcId", &vpc)]).await.unwrap();
    assert!(del.contains("<return>true</return>"), "{del}");
    assert_eq!(call(&e, "DeleteSubnet", &[("SubnetId", &subnet)]).await.unwrap_err().code, "InvalidSubnetID.NotFound");
}

#[tokio::test]
async fn security_group_rules_decode_render_and_revoke() {
    let e = env().await;
    let out = call(&e, "CreateSecurityGroup", &[("GroupName", "web"), ("GroupDescription", "web sg")]).await.unwrap();
    let sg = first(&out, "groupId");
    assert!(first(&out, "securityGroupArn").ends_with(&format!(":security-group/{sg}")));
    let dup = call(&e, "CreateSecurityGroup", &[("GroupName", "web"), ("GroupDescription", "x")]).await.unwrap_err();
    assert_eq!(dup.code, "InvalidGroup.Duplicate");
    assert!(dup.message.starts_with("The security group 'web' already exists for VPC 'vpc-"), "{}", dup.message);

    let auth = call(
        &e,
        "AuthorizeSecurityGroupIngress",
        &[
            ("GroupId", &sg),
            ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", "80"),
            ("IpPermissions.1.ToPort", "80"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
            ("IpPermissions.1.IpRanges.1.Description", "world"),
            ("IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "::/0"),
            ("IpPermissions.2.IpProtocol", "-1"),
            ("IpPermissions.2.Groups.1.GroupId", &sg),
        ],
    )
    .await
    .unwrap();
    assert_eq!(first(&auth, "return"), "true");
    assert_eq!(all(&auth, "securityGroupRuleId").len(), 3);
    assert_eq!(all(&auth, "fromPort"), vec!["80", "80", "-1"]);
    assert_eq!(all(&auth, "isEgress"), vec!["false"; 3]);
    // The legacy flat form, by name.
    let legacy = call(&e, "AuthorizeSecurityGroupIngress", &[("GroupName", "web"), ("IpProtocol", "tcp"), ("FromPort", "22"), ("ToPort", "22"), ("CidrIp", "10.0.0.0/8")]).await.unwrap();
    assert_eq!(first(&legacy, "cidrIpv4"), "10.0.0.0/8");
    let dup = call(&e, "AuthorizeSecurityGroupIngress", &[("GroupName", "web"), ("IpProtocol", "tcp"), ("FromPort", "22"), ("ToPort", "22"), ("CidrIp", "10.0.0.0/8")]).await.unwrap_err();
    assert_eq!(dup.code, "InvalidPermission.Duplicate");
    let bad_port = call(&e, "AuthorizeSecurityGroupIngress", &[("GroupId", &sg), ("IpProtocol", "tcp"), ("FromPort", "90"), ("ToPort", "80"), ("CidrIp", "1.2.3.4/32")]).await.unwrap_err();
    assert_eq!(bad_port.code, "InvalidParameterValue");
    let bad_cidr = call(&e, "AuthorizeSecurityGroupIngress", &[("GroupId", &sg), ("IpProtocol", "tcp"), ("FromPort", "1"), ("ToPort", "2"), ("CidrIp", "1.2.3.4/33")]).await.unwrap_err();
    assert_eq!(bad_cidr.message, "CIDR block 1.2.3.4/33 is malformed");
    let bad_proto = call(&e, "AuthorizeSecurityGroupIngress", &[("GroupId", &sg), ("IpProtocol", "tcpx"), ("CidrIp", "1.2.3.4/32")]).await.unwrap_err();
    assert_eq!(bad_proto.code, "InvalidParameterValue");
    let no_group = call(&e, "AuthorizeSecurityGroupIngress", &[("GroupId", "sg-nope"), ("IpProtocol", "-1"), ("CidrIp", "1.2.3.4/32")]).await.unwrap_err();
    assert_eq!((no_group.code.as_ref(), no_group.message.as_str()), ("InvalidGroup.NotFound", "The security group 'sg-nope' does not exist"));

    let desc = call(&e, "DescribeSecurityGroups", &[("GroupId.1", &sg)]).await.unwrap();
    // Rules with the same protocol and ports share one permission item.
    assert!(
        desc.contains("<item><ipProtocol>tcp</ipProtocol><fromPort>80</fromPort><toPort>80</toPort><groups/><ipRanges><item><description>world</description><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges><prefixListIds/></item>"),
        "{desc}"
    );
    let filtered = call(&e, "DescribeSecurityGroups", &[("Filter.1.Name", "ip-permission.from-port"), ("Filter.1.Value.1", "22")]).await.unwrap();
    assert_eq!(all(&filtered, "groupId").first(), Some(&sg));

    let revoked = call(&e, "RevokeSecurityGroupIngress", &[("GroupId", &sg), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "22"), ("IpPermissions.1.ToPort", "22"), ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8")]).await.unwrap();
    assert_eq!(first(&revoked, "cidrIpv4"), "10.0.0.0/8");
    // In the default VPC a permission the group lacks is reported back, not an error.
    let again = call(&e, "RevokeSecurityGroupIngress", &[("GroupId", &sg), ("IpProtocol", "tcp"), ("FromPort", "22"), ("ToPort", "22"), ("CidrIp", "10.0.0.0/8")]).await.unwrap();
    assert!(again.contains("<return>true</return><unknownIpPermissionSet><item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><groups/><ipRanges><item><cidrIp>10.0.0.0/8</cidrIp></item></ipRanges>"), "{again}");
    assert!(again.contains("<revokedSecurityGroupRuleSet/>"), "{again}");
    let egress = call(&e, "RevokeSecurityGroupEgress", &[("GroupId", &sg), ("IpPermissions.1.IpProtocol", "-1"), ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0")]).await.unwrap();
    assert_eq!(first(&egress, "isEgress"), "true");
    call(&e, "AuthorizeSecurityGroupEgress", &[("GroupId", &sg), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "-1"), ("IpPermissions.1.ToPort", "-1"), ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0")]).await.unwrap();
    let desc = call(&e, "DescribeSecurityGroups", &[("GroupId.1", &sg)]).await.unwrap();
    assert!(desc.contains("<ipPermissionsEgress><item><ipProtocol>tcp</ipProtocol><fromPort>0</fromPort><toPort>65535</toPort>"), "{desc}");

    // A rule referencing the group itself does not keep it alive.
    let dep = call(&e, "DeleteSecurityGroup", &[("GroupId", &sg)]).await;
    assert!(dep.is_ok(), "a self-reference does not block deletion: {dep:?}");
    let default_id = {
        let d = call(&e, "DescribeSecurityGroups", &[("GroupName.1", "default")]).await.unwrap();
        first(&d, "groupId")
    };
    let cannot = call(&e, "DeleteSecurityGroup", &[("GroupName", "default")]).await.unwrap_err();
    assert_eq!(cannot.code, "CannotDelete");
    assert!(cannot.message.contains(&default_id), "{}", cannot.message);
    let reserved = call(&e, "CreateSecurityGroup", &[("GroupName", "sg-1"), ("GroupDescription", "x")]).await.unwrap_err();
    assert_eq!(reserved.code, "InvalidParameterValue");
}

#[tokio::test]
async fn gateways_and_route_tables() {
    let e = env().await;
    let vpc = first(&call(&e, "CreateVpc", &[("CidrBlock", "10.1.0.0/16")]).await.unwrap(), "vpcId");
    let igw_out = call(&e, "CreateInternetGateway", &[]).await.unwrap();
    assert!(igw_out.contains("<internetGateway><attachmentSet/><internetGatewayId>igw-"), "{igw_out}");
    let igw = first(&igw_out, "internetGatewayId");
    let not_attached = call(&e, "DetachInternetGateway", &[("InternetGatewayId", &igw), ("VpcId", &vpc)]).await.unwrap_err();
    assert_eq!(not_attached.code, "Gateway.NotAttached");
    call(&e, "AttachInternetGateway", &[("InternetGatewayId", &igw), ("VpcId", &vpc)]).await.unwrap();
    let twice = call(&e, "AttachInternetGateway", &[("InternetGatewayId", &igw), ("VpcId", &vpc)]).await.unwrap_err();
    assert_eq!(twice.code, "Resource.AlreadyAssociated");
    assert_eq!(call(&e, "DeleteInternetGateway", &[("InternetGatewayId", &igw)]).await.unwrap_err().code, "DependencyViolation");
    let nf = call(&e, "DescribeInternetGateways", &[("InternetGatewayId.1", "igw-nope")]).await.unwrap_err();
    assert_eq!((nf.code.as_ref(), nf.message.as_str()), ("InvalidInternetGatewayID.NotFound", "The internetGateway ID 'igw-nope' does not exist"));

    let rt_out = call(&e, "CreateRouteTable", &[("VpcId", &vpc)]).await.unwrap();
    let rtb = first(&rt_out, "routeTableId");
    assert!(rt_out.contains("<routeSet><item><destinationCidrBlock>10.1.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><origin>CreateRouteTable</origin><state>active</state></item></routeSet>"), "{rt_out}");
    assert_eq!(call(&e, "CreateRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", "igw-nope")]).await.unwrap_err().code, "InvalidGatewayID.NotFound");
    call(&e, "CreateRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", &igw)]).await.unwrap();
    assert_eq!(call(&e, "CreateRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", &igw)]).await.unwrap_err().code, "RouteAlreadyExists");
    let subnet = first(&call(&e, "CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", "10.1.0.0/24")]).await.unwrap(), "subnetId");
    let assoc_out = call(&e, "AssociateRouteTable", &[("RouteTableId", &rtb), ("SubnetId", &subnet)]).await.unwrap();
    let assoc = first(&assoc_out, "associationId");
    assert!(assoc.starts_with("rtbassoc-"));
    let main = call(&e, "DescribeRouteTables", &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc), ("Filter.2.Name", "association.main"), ("Filter.2.Value.1", "true")]).await.unwrap();
    let main_rtb = first(&main, "routeTableId");
    let again = call(&e, "AssociateRouteTable", &[("RouteTableId", &main_rtb), ("SubnetId", &subnet)]).await.unwrap_err();
    assert_eq!(again.code, "Resource.AlreadyAssociated");
    let by_subnet = call(&e, "DescribeRouteTables", &[("Filter.1.Name", "association.subnet-id"), ("Filter.1.Value.1", &subnet)]).await.unwrap();
    assert_eq!(all(&by_subnet, "routeTableId"), vec![rtb.clone(), rtb.clone()]);
    assert_eq!(call(&e, "DeleteRouteTable", &[("RouteTableId", &rtb)]).await.unwrap_err().code, "DependencyViolation");
    assert_eq!(call(&e, "DeleteRouteTable", &[("RouteTableId", &main_rtb)]).await.unwrap_err().code, "DependencyViolation");

    // Detaching leaves the route as a blackhole.
    call(&e, "DetachInternetGateway", &[("InternetGatewayId", &igw), ("VpcId", &vpc)]).await.unwrap();
    let rts = call(&e, "DescribeRouteTables", &[("RouteTableId.1", &rtb)]).await.unwrap();
    assert!(rts.contains("<origin>CreateRoute</origin><state>blackhole</state>"), "{rts}");
    call(&e, "DeleteRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0")]).await.unwrap();
    assert_eq!(call(&e, "DeleteRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "10.1.0.0/16")]).await.unwrap_err().code, "InvalidParameterValue");
    call(&e, "DisassociateRouteTable", &[("AssociationId", &assoc)]).await.unwrap();
    assert_eq!(call(&e, "DisassociateRouteTable", &[("AssociationId", &assoc)]).await.unwrap_err().code, "InvalidAssociationID.NotFound");
    call(&e, "DeleteRouteTable", &[("RouteTableId", &rtb)]).await.unwrap();
    call(&e, "DeleteInternetGateway", &[("InternetGatewayId", &igw)]).await.unwrap();
    call(&e, "DeleteSubnet", &[("SubnetId", &subnet)]).await.unwrap();
    call(&e, "DeleteVpc", &[("VpcId", &vpc)]).await.unwrap();
}

#[tokio::test]
async fn audit_filters_rules_attributes_and_wording() {
    let e = env().await;
    let default_vpc = first(&call(&e, "DescribeVpcs", &[("Filter.1.Name", "isDefault"), ("Filter.1.Value.1", "true")]).await.unwrap(), "vpcId");
    // Every filter name of the EC2 API reference is accepted; constant attributes match.
    let subnets = call(&e, "DescribeSubnets", &[("Filter.1.Name", "ipv6-native"), ("Filter.1.Value.1", "false"), ("Filter.2.Name", "vpc-id"), ("Filter.2.Value.1", &default_vpc)]).await.unwrap();
    assert_eq!(all(&subnets, "subnetId").len(), 2);
    let none = call(&e, "DescribeSubnets", &[("Filter.1.Name", "outpost-arn"), ("Filter.1.Value.1", "*")]).await.unwrap();
    assert!(none.contains("<subnetSet/>"), "{none}");
    let none = call(&e, "DescribeVpcs", &[("Filter.1.Name", "ipv6-cidr-block-association.state"), ("Filter.1.Value.1", "*")]).await.unwrap();
    assert!(none.contains("<vpcSet/>"), "{none}");
    let none = call(&e, "DescribeRouteTables", &[("Filter.1.Name", "route.nat-gateway-id"), ("Filter.1.Value.1", "*")]).await.unwrap();
    assert!(none.contains("<routeTableSet/>"), "{none}");
    call(&e, "DescribeAvailabilityZones", &[("Filter.1.Name", "parent-zone-name"), ("Filter.1.Value.1", "*")]).await.unwrap();

    let web = first(&call(&e, "CreateSecurityGroup", &[("GroupName", "web"), ("GroupDescription", "web")]).await.unwrap(), "groupId");
    let db = first(&call(&e, "CreateSecurityGroup", &[("GroupName", "db"), ("GroupDescription", "db")]).await.unwrap(), "groupId");
    call(&e, "AuthorizeSecurityGroupIngress", &[("GroupId", &db), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "5432"), ("IpPermissions.1.ToPort", "5432"), ("IpPermissions.1.Groups.1.GroupId", &web)]).await.unwrap();
    let by_source = call(&e, "DescribeSecurityGroups", &[("Filter.1.Name", "ip-permission.group-name"), ("Filter.1.Value.1", "web")]).await.unwrap();
    assert_eq!(all(&by_source, "groupName"), vec!["db"]);
    let by_user = call(&e, "DescribeSecurityGroups", &[("Filter.1.Name", "ip-permission.user-id"), ("Filter.1.Value.1", "123456789012"), ("Filter.2.Name", "group-id"), ("Filter.2.Value.1", &db)]).await.unwrap();
    assert_eq!(all(&by_source, "groupId"), all(&by_user, "groupId"));

    // Messages EC2 writes in lower case stay so.
    let dep = call(&e, "DeleteSecurityGroup", &[("GroupId", &web)]).await.unwrap_err();
    assert_eq!((dep.code.as_ref(), dep.message), ("DependencyViolation", format!("resource {web} has a dependent object")));
    let dup = call(&e, "AuthorizeSecurityGroupIngress", &[("GroupId", &db), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "5432"), ("IpPermissions.1.ToPort", "5432"), ("IpPermissions.1.Groups.1.GroupId", &web)]).await.unwrap_err();
    assert!(dup.message.starts_with("the specified rule \"peer: sg-"), "{}", dup.message);

    // DescribeSecurityGroupRules: one source per rule, inbound then outbound.
    let rules = call(&e, "DescribeSecurityGroupRules", &[("Filter.1.Name", "group-id"), ("Filter.1.Value.1", &db)]).await.unwrap();
    assert_eq!(all(&rules, "isEgress"), vec!["false", "true"]);
    assert_eq!(all(&rules, "fromPort"), vec!["5432", "-1"]);
    assert!(rules.contains(&format!("<referencedGroupInfo><groupId>{web}</groupId>")), "{rules}");
    let rule_id = first(&rules, "securityGroupRuleId");
    let one = call(&e, "DescribeSecurityGroupRules", &[("SecurityGroupRuleId.1", &rule_id)]).await.unwrap();
    assert_eq!(all(&one, "securityGroupRuleId"), vec![rule_id]);
    let nf = call(&e, "DescribeSecurityGroupRules", &[("SecurityGroupRuleId.1", "sgr-nope")]).await.unwrap_err();
    assert_eq!((nf.code.as_ref(), nf.message.as_str()), ("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID 'sgr-nope' does not exist"));

    let bad_text = call(&e, "AuthorizeSecurityGroupIngress", &[("GroupId", &web), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "1"), ("IpPermissions.1.ToPort", "1"), ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8"), ("IpPermissions.1.IpRanges.1.Description", "bob's")]).await.unwrap_err();
    assert_eq!(bad_text.code, "InvalidParameterValue");

    // The egress actions take GroupId only.
    let by_name = call(&e, "AuthorizeSecurityGroupEgress", &[("GroupName", "web"), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "1"), ("IpPermissions.1.ToPort", "1"), ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8")]).await.unwrap_err();
    assert_eq!(by_name.code, "MissingParameter");

    // DescribeVpcAttribute reports EC2's defaults.
    let vpc = first(&call(&e, "CreateVpc", &[("CidrBlock", "10.4.0.0/16")]).await.unwrap(), "vpcId");
    let hostnames = call(&e, "DescribeVpcAttribute", &[("VpcId", &vpc), ("Attribute", "enableDnsHostnames")]).await.unwrap();
    assert!(hostnames.contains(&format!("<vpcId>{vpc}</vpcId><enableDnsHostnames><value>false</value></enableDnsHostnames>")), "{hostnames}");
    let support = call(&e, "DescribeVpcAttribute", &[("VpcId", &default_vpc), ("Attribute", "enableDnsHostnames")]).await.unwrap();
    assert!(support.contains("<value>true</value>"), "{support}");
    assert_eq!(call(&e, "DescribeVpcAttribute", &[("VpcId", &vpc), ("Attribute", "colour")]).await.unwrap_err().code, "InvalidParameterValue");
    assert_eq!(call(&e, "DescribeVpcAttribute", &[("VpcId", "vpc-nope"), ("Attribute", "enableDnsSupport")]).await.unwrap_err().code, "InvalidVpcID.NotFound");

    // Source groups by name are looked up in the default VPC, as on EC2; across VPCs only ids
    // name groups, and a rule cannot reference a group of another VPC at all.
    let app = first(&call(&e, "CreateSecurityGroup", &[("GroupName", "app"), ("GroupDescription", "app"), ("VpcId", &vpc)]).await.unwrap(), "groupId");
    let own = [("GroupId", app.as_str()), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "1"), ("IpPermissions.1.ToPort", "1")];
    let by_name = call(&e, "AuthorizeSecurityGroupIngress", &[&own[..], &[("IpPermissions.1.Groups.1.GroupName", "app")]].concat()).await.unwrap_err();
    assert_eq!((by_name.code.as_ref(), by_name.message), ("InvalidGroup.NotFound", format!("The security group 'app' does not exist in default VPC '{default_vpc}'")));
    let across = call(&e, "AuthorizeSecurityGroupIngress", &[&own[..], &[("IpPermissions.1.Groups.1.GroupName", "web")]].concat()).await.unwrap_err();
    assert_eq!((across.code.as_ref(), across.message.as_str()), ("InvalidGroup.NotFound", "You have specified two resources that belong to different networks."));
    let across = call(&e, "AuthorizeSecurityGroupIngress", &[&own[..], &[("IpPermissions.1.Groups.1.GroupId", web.as_str())]].concat()).await.unwrap_err();
    assert_eq!(across.code, "InvalidGroup.NotFound");
    call(&e, "AuthorizeSecurityGroupIngress", &[&own[..], &[("IpPermissions.1.Groups.1.GroupId", app.as_str())]].concat()).await.unwrap();
    let lacking = call(&e, "RevokeSecurityGroupIngress", &[&own[..], &[("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8")]].concat()).await.unwrap_err();
    assert_eq!(lacking.code, "InvalidPermission.NotFound");
    call(&e, "DeleteSecurityGroup", &[("GroupId", &app)]).await.unwrap();

    // A gateway route may not be more specific than the VPC's own block.
    let igw = first(&call(&e, "CreateInternetGateway", &[]).await.unwrap(), "internetGatewayId");
    call(&e, "AttachInternetGateway", &[("InternetGatewayId", &igw), ("VpcId", &vpc)]).await.unwrap();
    let rtb = first(&call(&e, "CreateRouteTable", &[("VpcId", &vpc)]).await.unwrap(), "routeTableId");
    let inner = call(&e, "CreateRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "10.4.1.0/24"), ("GatewayId", &igw)]).await.unwrap_err();
    assert_eq!(inner.code, "InvalidParameterValue");
    let local = call(&e, "CreateRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "10.4.0.0/16"), ("GatewayId", &igw)]).await.unwrap_err();
    assert_eq!(local.code, "RouteAlreadyExists");

    // DescribeTags lists launch templates too (CreateTags accepts their ids).
    let lt = call(&e, "CreateLaunchTemplate", &[("LaunchTemplateName", "web"), ("LaunchTemplateData.ImageId", "ami-0elbow0000000001")]).await.unwrap();
    let lt_id = first(&lt, "launchTemplateId");
    call(&e, "CreateTags", &[("ResourceId.1", &lt_id), ("Tag.1.Key", "team"), ("Tag.1.Value", "web")]).await.unwrap();
    let tags = call(&e, "DescribeTags", &[("Filter.1.Name", "resource-type"), ("Filter.1.Value.1", "launch-template")]).await.unwrap();
    assert_eq!(all(&tags, "resourceId"), vec![lt_id]);
}

#[tokio::test]
async fn modify_attributes_reflect_in_describes() {
    let e = env().await;
    let vpc = first(&call(&e, "CreateVpc", &[("CidrBlock", "10.7.0.0/16")]).await.unwrap(), "vpcId");
    let attr = |name: &'static str| {
        let vpc = vpc.clone();
        let e = &e;
        async move { first(&call(e, "DescribeVpcAttribute", &[("VpcId", &vpc), ("Attribute", name)]).await.unwrap(), "value") }
    };
    assert_eq!(attr("enableDnsHostnames").await, "false");
    let out = call(&e, "ModifyVpcAttribute", &[("VpcId", &vpc), ("EnableDnsHostnames.Value", "true")]).await.unwrap();
    assert!(out.contains("<ModifyVpcAttributeResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId><return>true</return>"), "{out}");
    assert_eq!(attr("enableDnsHostnames").await, "true");
    call(&e, "ModifyVpcAttribute", &[("VpcId", &vpc), ("EnableDnsSupport.Value", "false")]).await.unwrap();
    assert_eq!(attr("enableDnsSupport").await, "false");
    call(&e, "ModifyVpcAttribute", &[("VpcId", &vpc), ("EnableNetworkAddressUsageMetrics.Value", "true")]).await.unwrap();
    assert_eq!(attr("enableNetworkAddressUsageMetrics").await, "true");
    let both = call(&e, "ModifyVpcAttribute", &[("VpcId", &vpc), ("EnableDnsSupport.Value", "true"), ("EnableDnsHostnames.Value", "true")]).await.unwrap_err();
    assert_eq!((both.code.as_ref(), both.message.as_str()), ("InvalidParameterCombination", "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames"));
    let none = call(&e, "ModifyVpcAttribute", &[("VpcId", &vpc)]).await.unwrap_err();
    assert_eq!((none.code.as_ref(), none.message.as_str()), ("InvalidParameterCombination", "No attributes specified."));
    assert_eq!(call(&e, "ModifyVpcAttribute", &[("VpcId", "vpc-nope"), ("EnableDnsSupport.Value", "true")]).await.unwrap_err().code, "InvalidVpcID.NotFound");
    assert_eq!(call(&e, "ModifyVpcAttribute", &[("VpcId", &vpc), ("EnableDnsSupport.Value", "yes")]).await.unwrap_err().code, "InvalidParameterValue");
    assert_eq!(call(&e, "ModifyVpcAttribute", &[("EnableDnsSupport.Value", "true")]).await.unwrap_err().code, "MissingParameter");
    let dry = call(&e, "ModifyVpcAttribute", &[("VpcId", &vpc), ("EnableDnsSupport.Value", "true"), ("DryRun", "true")]).await.unwrap_err();
    assert_eq!(dry.code, "DryRunOperation");
    assert_eq!(attr("enableDnsSupport").await, "false", "a dry run changes nothing");

    // ModifySubnetAttribute, as in "Create a VPC with public and private subnets".
    let subnet = first(&call(&e, "CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", "10.7.1.0/24")]).await.unwrap(), "subnetId");
    let public = |v: &'static str| {
        let e = &e;
        async move { call(e, "DescribeSubnets", &[("Filter.1.Name", "map-public-ip-on-launch"), ("Filter.1.Value.1", v), ("Filter.2.Name", "cidr-block"), ("Filter.2.Value.1", "10.7.1.0/24")]).await.unwrap() }
    };
    assert_eq!(all(&public("true").await, "subnetId").len(), 0);
    call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet), ("MapPublicIpOnLaunch.Value", "true")]).await.unwrap();
    let described = public("true").await;
    assert_eq!(all(&described, "subnetId"), vec![subnet.clone()]);
    assert_eq!(first(&described, "mapPublicIpOnLaunch"), "true");
    call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet), ("PrivateDnsHostnameTypeOnLaunch", "resource-name")]).await.unwrap();
    call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet), ("EnableResourceNameDnsARecordOnLaunch.Value", "true")]).await.unwrap();
    let d = call(&e, "DescribeSubnets", &[("Filter.1.Name", "private-dns-name-options-on-launch.hostname-type"), ("Filter.1.Value.1", "resource-name")]).await.unwrap();
    assert!(d.contains("<privateDnsNameOptionsOnLaunch><hostnameType>resource-name</hostnameType><enableResourceNameDnsARecord>true</enableResourceNameDnsARecord>"), "{d}");
    let bad_type = call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet), ("PrivateDnsHostnameTypeOnLaunch", "fqdn")]).await.unwrap_err();
    assert_eq!(bad_type.code, "InvalidParameterValue");
    // IPv6 / Outposts attributes: false is what they are, true cannot be.
    call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet), ("AssignIpv6AddressOnCreation.Value", "false")]).await.unwrap();
    let v6 = call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet), ("AssignIpv6AddressOnCreation.Value", "true")]).await.unwrap_err();
    assert_eq!(v6.code, "InvalidParameterValue");
    assert!(v6.message.contains("assignIpv6AddressOnCreation"), "{}", v6.message);
    assert_eq!(call(&e, "ModifySubnetAttribute", &[("SubnetId", "subnet-nope"), ("EnableDns64.Value", "false")]).await.unwrap_err().code, "InvalidSubnetID.NotFound");
    assert_eq!(call(&e, "ModifySubnetAttribute", &[("SubnetId", "subnet-nope"), ("MapPublicIpOnLaunch.Value", "true")]).await.unwrap_err().code, "InvalidSubnetID.NotFound");
    assert_eq!(call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet), ("CustomerOwnedIpv4Pool", "coip-1")]).await.unwrap_err().code, "InvalidParameterValue");
    let two = call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet), ("MapPublicIpOnLaunch.Value", "true"), ("EnableDns64.Value", "false")]).await.unwrap_err();
    assert_eq!((two.code.as_ref(), two.message.as_str()), ("InvalidParameterCombination", "Fields for multiple attribute types specified: mapPublicIpOnLaunch, enableDns64"));
    assert_eq!(call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet)]).await.unwrap_err().code, "InvalidParameterCombination");
    call(&e, "ModifySubnetAttribute", &[("SubnetId", &subnet), ("MapPublicIpOnLaunch.Value", "false")]).await.unwrap();
    assert_eq!(all(&public("false").await, "subnetId"), vec![subnet]);
}

#[tokio::test]
async fn replace_route_and_association() {
    let e = env().await;
    let vpc = first(&call(&e, "CreateVpc", &[("CidrBlock", "10.8.0.0/16")]).await.unwrap(), "vpcId");
    let igw1 = first(&call(&e, "CreateInternetGateway", &[]).await.unwrap(), "internetGatewayId");
    let igw2 = first(&call(&e, "CreateInternetGateway", &[]).await.unwrap(), "internetGatewayId");
    call(&e, "AttachInternetGateway", &[("InternetGatewayId", &igw1), ("VpcId", &vpc)]).await.unwrap();
    let rtb = first(&call(&e, "CreateRouteTable", &[("VpcId", &vpc)]).await.unwrap(), "routeTableId");
    call(&e, "CreateRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", &igw1)]).await.unwrap();

    let nf = call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "192.168.0.0/16"), ("GatewayId", &igw1)]).await.unwrap_err();
    assert_eq!((nf.code.as_ref(), nf.message.as_str()), ("InvalidRoute.NotFound", "There is no route defined for '192.168.0.0/16' in the route table. Use a different destination"));
    let other = call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", &igw2)]).await.unwrap_err();
    assert_eq!(other.code, "InvalidParameterValue");
    assert_eq!(call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", "igw-nope")]).await.unwrap_err().code, "InvalidGatewayID.NotFound");
    assert_eq!(call(&e, "ReplaceRoute", &[("RouteTableId", "rtb-nope"), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", &igw1)]).await.unwrap_err().code, "InvalidRouteTableID.NotFound");
    assert_eq!(call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("NatGatewayId", "nat-1")]).await.unwrap_err().code, "InvalidParameterValue");
    assert_eq!(call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0")]).await.unwrap_err().code, "MissingParameter");
    let both = call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "10.8.0.0/16"), ("GatewayId", &igw1), ("LocalTarget", "true")]).await.unwrap_err();
    assert_eq!(both.code, "InvalidParameterCombination");
    call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "10.8.0.0/16"), ("LocalTarget", "true")]).await.unwrap();
    assert_eq!(call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "10.8.0.0/16"), ("GatewayId", &igw1)]).await.unwrap_err().code, "InvalidParameterValue");

    call(&e, "DetachInternetGateway", &[("InternetGatewayId", &igw1), ("VpcId", &vpc)]).await.unwrap();
    call(&e, "AttachInternetGateway", &[("InternetGatewayId", &igw2), ("VpcId", &vpc)]).await.unwrap();
    let out = call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", &igw2)]).await.unwrap();
    assert!(out.contains("<return>true</return>"), "{out}");
    let rts = call(&e, "DescribeRouteTables", &[("RouteTableId.1", &rtb)]).await.unwrap();
    assert!(rts.contains(&format!("<destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><gatewayId>{igw2}</gatewayId><origin>CreateRoute</origin><state>active</state>")), "{rts}");

    // Associations: a subnet moves between tables, then the main association moves.
    let subnet = first(&call(&e, "CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", "10.8.1.0/24")]).await.unwrap(), "subnetId");
    let main = call(&e, "DescribeRouteTables", &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc), ("Filter.2.Name", "association.main"), ("Filter.2.Value.1", "true")]).await.unwrap();
    let (main_rtb, main_assoc) = (first(&main, "routeTableId"), first(&main, "routeTableAssociationId"));
    let assoc = first(&call(&e, "AssociateRouteTable", &[("RouteTableId", &main_rtb), ("SubnetId", &subnet)]).await.unwrap(), "associationId");
    let out = call(&e, "ReplaceRouteTableAssociation", &[("AssociationId", &assoc), ("RouteTableId", &rtb)]).await.unwrap();
    let new_assoc = first(&out, "newAssociationId");
    assert!(new_assoc.starts_with("rtbassoc-") && new_assoc != assoc, "{out}");
    assert!(out.contains("<associationState><state>associated</state></associationState>"), "{out}");
    let by_subnet = call(&e, "DescribeRouteTables", &[("Filter.1.Name", "association.subnet-id"), ("Filter.1.Value.1", &subnet)]).await.unwrap();
    assert_eq!(first(&by_subnet, "routeTableId"), rtb);
    let gone = call(&e, "ReplaceRouteTableAssociation", &[("AssociationId", &assoc), ("RouteTableId", &rtb)]).await.unwrap_err();
    assert_eq!((gone.code.as_ref(), gone.message.as_str()), ("InvalidAssociationID.NotFound", format!("The association ID '{assoc}' does not exist").as_str()));
    assert_eq!(call(&e, "ReplaceRouteTableAssociation", &[("AssociationId", &new_assoc), ("RouteTableId", "rtb-nope")]).await.unwrap_err().code, "InvalidRouteTableID.NotFound");
    let default_main = first(&call(&e, "DescribeRouteTables", &[("Filter.1.Name", "association.main"), ("Filter.1.Value.1", "true")]).await.unwrap(), "routeTableId");
    assert_ne!(default_main, main_rtb);
    assert_eq!(call(&e, "ReplaceRouteTableAssociation", &[("AssociationId", &new_assoc), ("RouteTableId", &default_main)]).await.unwrap_err().code, "InvalidParameterValue");
    assert_eq!(call(&e, "ReplaceRouteTableAssociation", &[("AssociationId", &new_assoc)]).await.unwrap_err().code, "MissingParameter");
    call(&e, "ReplaceRouteTableAssociation", &[("AssociationId", &main_assoc), ("RouteTableId", &rtb)]).await.unwrap();
    let main = call(&e, "DescribeRouteTables", &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc), ("Filter.2.Name", "association.main"), ("Filter.2.Value.1", "true")]).await.unwrap();
    assert_eq!(first(&main, "routeTableId"), rtb);
    // The former main table is now an ordinary one.
    call(&e, "DeleteRouteTable", &[("RouteTableId", &main_rtb)]).await.unwrap();
}

#[tokio::test]
async fn create_default_vpc_after_deleting_it() {
    let e = env().await;
    let exists = call(&e, "CreateDefaultVpc", &[]).await.unwrap_err();
    assert_eq!(exists.code, "DefaultVpcAlreadyExists");
    let vpcs = call(&e, "DescribeVpcs", &[]).await.unwrap();
    let old = first(&vpcs, "vpcId");
    for s in all(&call(&e, "DescribeSubnets", &[]).await.unwrap(), "subnetId") {
        call(&e, "DeleteSubnet", &[("SubnetId", &s)]).await.unwrap();
    }
    let igw = first(&call(&e, "DescribeInternetGateways", &[]).await.unwrap(), "internetGatewayId");
    call(&e, "DetachInternetGateway", &[("InternetGatewayId", &igw), ("VpcId", &old)]).await.unwrap();
    call(&e, "DeleteInternetGateway", &[("InternetGatewayId", &igw)]).await.unwrap();
    call(&e, "DeleteVpc", &[("VpcId", &old)]).await.unwrap();
    assert_eq!(call(&e, "CreateDefaultVpc", &[("DryRun", "true")]).await.unwrap_err().code, "DryRunOperation");
    assert!(call(&e, "DescribeVpcs", &[]).await.unwrap().contains("<vpcSet/>"));

    let out = call(&e, "CreateDefaultVpc", &[]).await.unwrap();
    assert!(out.contains("<CreateDefaultVpcResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId><vpc><vpcId>vpc-"), "{out}");
    let vpc = first(&out, "vpcId");
    assert_ne!(vpc, old);
    assert_eq!((first(&out, "cidrBlock"), first(&out, "isDefault")), ("172.31.0.0/16".to_string(), "true".to_string()));
    let subnets = call(&e, "DescribeSubnets", &[("Filter.1.Name", "default-for-az"), ("Filter.1.Value.1", "true")]).await.unwrap();
    // Listed by creation time, then id: the zones' order is the ids'.
    let mut zones: Vec<(String, String)> = all(&subnets, "availabilityZone").into_iter().zip(all(&subnets, "cidrBlock")).collect();
    zones.sort();
    assert_eq!(zones, vec![("us-east-1a".to_string(), "172.31.0.0/20".to_string()), ("us-east-1b".to_string(), "172.31.16.0/20".to_string())]);
    assert_eq!(all(&subnets, "mapPublicIpOnLaunch"), vec!["true", "true"]);
    assert_eq!(all(&subnets, "vpcId"), vec![vpc.clone(), vpc.clone()]);
    let rts = call(&e, "DescribeRouteTables", &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc)]).await.unwrap();
    assert_eq!(all(&rts, "destinationCidrBlock"), vec!["172.31.0.0/16", "0.0.0.0/0"]);
    assert_eq!(all(&rts, "state"), vec!["associated", "active", "active"]);
    let host = call(&e, "DescribeVpcAttribute", &[("VpcId", &vpc), ("Attribute", "enableDnsHostnames")]).await.unwrap();
    assert_eq!(first(&host, "value"), "true");
    // Groups by name find the new default VPC.
    call(&e, "CreateSecurityGroup", &[("GroupName", "web"), ("GroupDescription", "web")]).await.unwrap();
    let sgs = call(&e, "DescribeSecurityGroups", &[("GroupName.1", "web")]).await.unwrap();
    assert_eq!(first(&sgs, "vpcId"), vpc);
    assert_eq!(call(&e, "CreateDefaultVpc", &[]).await.unwrap_err().code, "DefaultVpcAlreadyExists");
}

#[tokio::test]
async fn dry_run_and_pagination() {
    let e = env().await;
    let dry = call(&e, "CreateVpc", &[("CidrBlock", "10.0.0.0/16"), ("DryRun", "true")]).await.unwrap_err();
    assert_eq!((dry.status, dry.code.as_ref(), dry.message.as_str()), (412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."));
    // A dry run of a request that would fail reports that failure instead.
    let dry_bad = call(&e, "CreateVpc", &[("CidrBlock", "10.0.0.0/8"), ("DryRun", "true")]).await.unwrap_err();
    assert_eq!(dry_bad.code, "InvalidVpc.Range");
    let vpcs = call(&e, "DescribeVpcs", &[]).await.unwrap();
    assert_eq!(all(&vpcs, "vpcId").len(), 1, "a dry run changes nothing");
    assert_eq!(call(&e, "DescribeVpcs", &[("DryRun", "true")]).await.unwrap_err().status, 412);

    for i in 0..6 {
        let cidr = format!("10.{i}.0.0/16");
        call(&e, "CreateVpc", &[("CidrBlock", cidr.as_str())]).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut params = vec![("MaxResults", "5")];
        if let Some(t) = &token {
            params.push(("NextToken", t.as_str()));
        }
        let page = call(&e, "DescribeVpcs", &params).await.unwrap();
        let ids = all(&page, "vpcId");
        assert!(!ids.is_empty() && ids.len() <= 5);
        seen.extend(ids);
        token = all(&page, "nextToken").into_iter().next();
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 7);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 7);
    assert_eq!(call(&e, "DescribeVpcs", &[("MaxResults", "1")]).await.unwrap_err().code, "InvalidParameterValue");
    assert_eq!(call(&e, "DescribeVpcs", &[("NextToken", "zzz")]).await.unwrap_err().code, "InvalidPaginationToken");
    assert_eq!(call(&e, "DescribeWidgets", &[]).await.unwrap_err().code, "InvalidAction");
}

/// Writes responses for `scripts`-free checking with botocore (see the module docs).
#[tokio::test]
async fn dump_responses_for_botocore() {
    let Ok(dir) = std::env::var("ELBOW_EC2_XML_DUMP") else { return };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let e = env().await;
    let save = |name: &str, body: &str| std::fs::write(dir.join(format!("{name}.xml")), body).unwrap();
    let vpc_out = call(&e, "CreateVpc", &[("CidrBlock", "10.0.0.0/16"), ("TagSpecification.1.ResourceType", "vpc"), ("TagSpecification.1.Tag.1.Key", "Name"), ("TagSpecification.1.Tag.1.Value", "demo")]).await.unwrap();
    save("CreateVpc", &vpc_out);
    let vpc = first(&vpc_out, "vpcId");
    save("CreateSubnet", &call(&e, "CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", "10.0.1.0/24")]).await.unwrap());
    let sg_out = call(&e, "CreateSecurityGroup", &[("GroupName", "web"), ("GroupDescription", "web sg"), ("VpcId", &vpc), ("TagSpecification.1.ResourceType", "security-group"), ("TagSpecification.1.Tag.1.Key", "tier"), ("TagSpecification.1.Tag.1.Value", "web")]).await.unwrap();
    save("CreateSecurityGroup", &sg_out);
    let sg = first(&sg_out, "groupId");
    let auth = call(
        &e,
        "AuthorizeSecurityGroupIngress",
        &[
            ("GroupId", &sg),
            ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", "80"),
            ("IpPermissions.1.ToPort", "80"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
            ("IpPermissions.1.IpRanges.1.Description", "http"),
            ("IpPermissions.2.IpProtocol", "-1"),
            ("IpPermissions.2.Groups.1.GroupId", &sg),
        ],
    )
    .await
    .unwrap();
    save("AuthorizeSecurityGroupIngress", &auth);
    save("RevokeSecurityGroupIngress", &call(&e, "RevokeSecurityGroupIngress", &[("GroupId", &sg), ("IpPermissions.1.IpProtocol", "-1"), ("IpPermissions.1.Groups.1.GroupId", &sg)]).await.unwrap());
    save("DescribeSecurityGroups", &call(&e, "DescribeSecurityGroups", &[("GroupId.1", &sg)]).await.unwrap());
    save("DescribeVpcs", &call(&e, "DescribeVpcs", &[]).await.unwrap());
    save("DescribeSubnets", &call(&e, "DescribeSubnets", &[]).await.unwrap());
    save("DescribeAvailabilityZones", &call(&e, "DescribeAvailabilityZones", &[]).await.unwrap());
    let igw_out = call(&e, "CreateInternetGateway", &[("TagSpecification.1.ResourceType", "internet-gateway"), ("TagSpecification.1.Tag.1.Key", "Name"), ("TagSpecification.1.Tag.1.Value", "gw")]).await.unwrap();
    save("CreateInternetGateway", &igw_out);
    let igw = first(&igw_out, "internetGatewayId");
    save("AttachInternetGateway", &call(&e, "AttachInternetGateway", &[("InternetGatewayId", &igw), ("VpcId", &vpc)]).await.unwrap());
    save("DescribeInternetGateways", &call(&e, "DescribeInternetGateways", &[]).await.unwrap());
    let rt_out = call(&e, "CreateRouteTable", &[("VpcId", &vpc)]).await.unwrap();
    save("CreateRouteTable", &rt_out);
    let rtb = first(&rt_out, "routeTableId");
    save("CreateRoute", &call(&e, "CreateRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", &igw)]).await.unwrap());
    let subnets = call(&e, "DescribeSubnets", &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc)]).await.unwrap();
    save("AssociateRouteTable", &call(&e, "AssociateRouteTable", &[("RouteTableId", &rtb), ("SubnetId", &first(&subnets, "subnetId"))]).await.unwrap());
    save("DescribeRouteTables", &call(&e, "DescribeRouteTables", &[]).await.unwrap());
    save("DescribeTags", &call(&e, "DescribeTags", &[]).await.unwrap());
    save("DescribeSecurityGroupRules", &call(&e, "DescribeSecurityGroupRules", &[("Filter.1.Name", "group-id"), ("Filter.1.Value.1", &sg)]).await.unwrap());
    save("DescribeVpcAttribute", &call(&e, "DescribeVpcAttribute", &[("VpcId", &vpc), ("Attribute", "enableDnsSupport")]).await.unwrap());
    save("ModifyVpcAttribute", &call(&e, "ModifyVpcAttribute", &[("VpcId", &vpc), ("EnableDnsHostnames.Value", "true")]).await.unwrap());
    save("ModifySubnetAttribute", &call(&e, "ModifySubnetAttribute", &[("SubnetId", &first(&subnets, "subnetId")), ("MapPublicIpOnLaunch.Value", "true")]).await.unwrap());
    save("ReplaceRoute", &call(&e, "ReplaceRoute", &[("RouteTableId", &rtb), ("DestinationCidrBlock", "0.0.0.0/0"), ("GatewayId", &igw)]).await.unwrap());
    let assoc = first(&call(&e, "DescribeRouteTables", &[("RouteTableId.1", &rtb)]).await.unwrap(), "routeTableAssociationId");
    let main_rtb = first(&call(&e, "DescribeRouteTables", &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc), ("Filter.2.Name", "association.main"), ("Filter.2.Value.1", "true")]).await.unwrap(), "routeTableId");
    save("ReplaceRouteTableAssociation", &call(&e, "ReplaceRouteTableAssociation", &[("AssociationId", &assoc), ("RouteTableId", &main_rtb)]).await.unwrap());
    save("CreateDefaultVpcError", &call(&e, "CreateDefaultVpc", &[]).await.unwrap_err().render(Service::Ec2, "req-dvpc").1);
    save("DeleteSecurityGroup", &call(&e, "DeleteSecurityGroup", &[("GroupId", &sg)]).await.unwrap());
    save("DescribeVpcsPage", &call(&e, "DescribeVpcs", &[("MaxResults", "5")]).await.unwrap());
    let err = call(&e, "DescribeVpcs", &[("VpcId.1", "vpc-nope")]).await.unwrap_err();
    save("Error", &err.render(Service::Ec2, "req-err").1);
    let dry = call(&e, "CreateVpc", &[("CidrBlock", "10.9.0.0/16"), ("DryRun", "true")]).await.unwrap_err();
    save("DryRun", &dry.render(Service::Ec2, "req-dry").1);
}
