//! The EC2 networking records load balancers are placed in: VPCs, subnets, security groups,
//! internet gateways and route tables (EC2 API reference data types `Vpc`, `Subnet`,
//! `SecurityGroup`, `SecurityGroupRule`, `InternetGateway`, `RouteTable`). elbow keeps them as
//! records: they validate `--subnets` and `--security-groups` as AWS does, and route nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{self, Millis};

/// CIDR of every region's default VPC (`172.31.0.0/16`, as on AWS).
pub const DEFAULT_VPC_CIDR: &str = "172.31.0.0/16";

/// Number of availability zones per region unless configured otherwise.
pub const DEFAULT_ZONE_COUNT: usize = 2;

/// A VPC (`Vpc`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vpc {
    /// `vpc-` + 17 hex digits.
    pub id: String,
    /// Primary IPv4 CIDR, e.g. `10.0.0.0/16`.
    pub cidr_block: String,
    /// True for the region's default VPC.
    pub is_default: bool,
    /// `default` or `dedicated`.
    pub instance_tenancy: String,
    /// Id of its main route table.
    pub main_route_table_id: String,
    /// Id of its `default` security group.
    pub default_security_group_id: String,
    /// `enableDnsSupport` (ModifyVpcAttribute); on unless turned off, as on EC2.
    #[serde(default = "yes")]
    pub enable_dns_support: bool,
    /// `enableDnsHostnames` as set by ModifyVpcAttribute; `None` until then, meaning EC2's
    /// default (see [`Vpc::dns_hostnames`]). An `Option` rather than a default, because the
    /// default depends on `is_default` and records stored before this field existed lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_dns_hostnames: Option<bool>,
    /// `enableNetworkAddressUsageMetrics` (ModifyVpcAttribute); off unless turned on.
    #[serde(default)]
    pub enable_network_address_usage_metrics: bool,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Vpc {
    /// `enableDnsHostnames`: as last set, else EC2's default (on for a default VPC only;
    /// Amazon VPC User Guide, "DNS attributes for your VPC").
    pub fn dns_hostnames(&self) -> bool {
        self.enable_dns_hostnames.unwrap_or(self.is_default)
    }
}

fn yes() -> bool {
    true
}

fn ip_name() -> String {
    "ip-name".into()
}

/// One attribute of ModifyVpcAttribute (EC2 API reference, ModifyVpcAttribute: one attribute
/// per request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VpcAttribute {
    /// `EnableDnsSupport.Value`.
    EnableDnsSupport(bool),
    /// `EnableDnsHostnames.Value`.
    EnableDnsHostnames(bool),
    /// `EnableNetworkAddressUsageMetrics.Value`.
    EnableNetworkAddressUsageMetrics(bool),
}

/// One attribute of ModifySubnetAttribute that elbow stores (EC2 API reference,
/// ModifySubnetAttribute: one attribute per request). The IPv6, DNS64 and Outposts attributes
/// are not here: elbow's subnets are IPv4-only and not on Outposts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubnetAttribute {
    /// `MapPublicIpOnLaunch.Value`.
    MapPublicIpOnLaunch(bool),
    /// `PrivateDnsHostnameTypeOnLaunch`: `ip-name` or `resource-name`.
    PrivateDnsHostnameTypeOnLaunch(String),
    /// `EnableResourceNameDnsARecordOnLaunch.Value`.
    EnableResourceNameDnsARecordOnLaunch(bool),
}

/// A subnet (`Subnet`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// `subnet-` + 17 hex digits.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// IPv4 CIDR inside the VPC's.
    pub cidr_block: String,
    /// Zone name, e.g. `us-east-1a`.
    pub availability_zone: String,
    /// Zone id, e.g. `use1-az1`.
    pub availability_zone_id: String,
    /// True for the default VPC's per-zone subnets.
    pub default_for_az: bool,
    /// Whether instances get public IPs (`mapPublicIpOnLaunch`, set by ModifySubnetAttribute).
    pub map_public_ip_on_launch: bool,
    /// `privateDnsNameOptionsOnLaunch.hostnameType`: `ip-name` (EC2's default) or
    /// `resource-name`.
    #[serde(default = "ip_name")]
    pub hostname_type: String,
    /// `privateDnsNameOptionsOnLaunch.enableResourceNameDnsARecord`; off by default.
    #[serde(default)]
    pub enable_resource_name_dns_a_record: bool,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One security group rule (`SecurityGroupRule`): a single source or destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroupRule {
    /// `sgr-` + 17 hex digits.
    pub id: String,
    /// `tcp`, `udp`, `icmp`, a protocol number, or `-1` for all.
    pub ip_protocol: String,
    /// First port (or ICMP type); `None` (-1) for all.
    pub from_port: Option<i32>,
    /// Last port (or ICMP code); `None` (-1) for all.
    pub to_port: Option<i32>,
    /// IPv4 source/destination CIDR.
    pub cidr_ipv4: Option<String>,
    /// IPv6 source/destination CIDR.
    pub cidr_ipv6: Option<String>,
    /// Source/destination security group id.
    pub referenced_group_id: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

impl SecurityGroupRule {
    /// True if both rules allow the same traffic (ids and descriptions aside), which EC2 reports
    /// as `InvalidPermission.Duplicate`.
    pub fn same_permission(&self, other: &SecurityGroupRule) -> bool {
        self.ip_protocol == other.ip_protocol
            && self.from_port == other.from_port
            && self.to_port == other.to_port
            && self.cidr_ipv4 == other.cidr_ipv4
            && self.cidr_ipv6 == other.cidr_ipv6
            && self.referenced_group_id == other.referenced_group_id
    }
}

/// A security group (`SecurityGroup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// `sg-` + 17 hex digits.
    pub id: String,
    /// Unique per VPC; `default` for the VPC's default group.
    pub name: String,
    /// Free text, up to 255 characters.
    pub description: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Inbound rules.
    #[serde(default)]
    pub ingress: Vec<SecurityGroupRule>,
    /// Outbound rules.
    #[serde(default)]
    pub egress: Vec<SecurityGroupRule>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An internet gateway (`InternetGateway`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternetGateway {
    /// `igw-` + 17 hex digits.
    pub id: String,
    /// The VPC it is attached to, if any (EC2 allows one).
    pub attached_vpc_id: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A route of a route table (`Route`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Destination IPv4 CIDR.
    pub destination_cidr_block: String,
    /// `local` for the VPC route, or an `igw-…` id.
    pub gateway_id: String,
    /// `CreateRouteTable` (the local route) or `CreateRoute`.
    pub origin: String,
}

/// A route table association (`RouteTableAssociation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTableAssociation {
    /// `rtbassoc-` + 17 hex digits.
    pub id: String,
    /// The associated subnet, if any.
    pub subnet_id: Option<String>,
    /// The associated gateway (edge association), if any.
    pub gateway_id: Option<String>,
    /// True for the VPC's main association.
    pub main: bool,
}

/// A route table (`RouteTable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTable {
    /// `rtb-` + 17 hex digits.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Routes, the `local` one first.
    pub routes: Vec<Route>,
    /// Associations.
    #[serde(default)]
    pub associations: Vec<RouteTableAssociation>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The EC2 networking records of one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Ec2State {
    /// Availability zone names, e.g. `us-east-1a`, `us-east-1b`.
    pub zones: Vec<String>,
    /// VPCs by id.
    #[serde(default)]
    pub vpcs: BTreeMap<String, Vpc>,
    /// Subnets by id.
    #[serde(default)]
    pub subnets: BTreeMap<String, Subnet>,
    /// Security groups by id.
    #[serde(default)]
    pub security_groups: BTreeMap<String, SecurityGroup>,
    /// Internet gateways by id.
    #[serde(default)]
    pub internet_gateways: BTreeMap<String, InternetGateway>,
    /// Route tables by id.
    #[serde(default)]
    pub route_tables: BTreeMap<String, RouteTable>,
    /// Creation times of records, for stable ordering (id → time).
    #[serde(default)]
    pub created: BTreeMap<String, Millis>,
    /// Instances by id (see [`crate::instance`]).
    #[serde(default)]
    pub instances: BTreeMap<String, crate::instance::Instance>,
    /// Launch templates by id.
    #[serde(default)]
    pub launch_templates: BTreeMap<String, crate::instance::LaunchTemplate>,
    /// Images captured with `CreateImage`, by id.
    #[serde(default)]
    pub images: BTreeMap<String, crate::instance::RegisteredImage>,
}

/// The `/20` subnet of the default VPC for zone index `i` (`172.31.0.0/20`, `172.31.16.0/20`, …).
pub fn default_subnet_cidr(i: usize) -> String {
    format!("172.31.{}.0/20", i * 16)
}

impl Ec2State {
    /// The records every region starts with, as on a new AWS account: `zone_count` zones, a
    /// default VPC with one default subnet per zone, its default security group, main route table
    /// and an attached internet gateway. Ids derive from the region name, so every node computes
    /// the same ones without storing them.
    pub fn new_default(region: &str, zone_count: usize) -> Ec2State {
        let zones = ids::zone_names(region, zone_count);
        let sid = |kind: &str, prefix: &str| format!("{prefix}-{}", ids::stable_hex_id(&format!("{region}/{kind}"), 17));
        let parts = DefaultVpcIds {
            vpc_id: sid("default-vpc", "vpc"),
            security_group_id: sid("default-sg", "sg"),
            rule_ids: (sid("default-sg-in", "sgr"), sid("default-sg-out", "sgr")),
            route_table_id: sid("default-rtb", "rtb"),
            association_id: sid("default-rtbassoc", "rtbassoc"),
            internet_gateway_id: sid("default-igw", "igw"),
        };
        let mut s = Ec2State { zones, ..Default::default() };
        s.insert_default_vpc(region, &parts, |zone| sid(&format!("default-subnet-{zone}"), "subnet"));
        s
    }

    /// Inserts a default VPC made of `parts` as EC2 makes one (Amazon VPC User Guide, "Default
    /// VPCs"): `172.31.0.0/16`, DNS support and hostnames on, a `/20` default subnet per zone
    /// of `self.zones` with public IPs on launch (ids from `subnet_id(zone)`), its `default`
    /// security group, a main route table with a `0.0.0.0/0` route to an attached internet
    /// gateway. Used for a region's initial default VPC and by CreateDefaultVpc. Overwrites
    /// records with the same ids; the caller checks they are new.
    pub fn insert_default_vpc(&mut self, region: &str, parts: &DefaultVpcIds, subnet_id: impl Fn(&str) -> String) {
        let vpc_id = &parts.vpc_id;
        self.vpcs.insert(
            vpc_id.clone(),
            Vpc {
                id: vpc_id.clone(),
                cidr_block: DEFAULT_VPC_CIDR.into(),
                is_default: true,
                instance_tenancy: "default".into(),
                main_route_table_id: parts.route_table_id.clone(),
                default_security_group_id: parts.security_group_id.clone(),
                enable_dns_support: true,
                enable_dns_hostnames: None,
                enable_network_address_usage_metrics: false,
                tags: BTreeMap::new(),
            },
        );
        for (i, zone) in self.zones.iter().enumerate() {
            let id = subnet_id(zone);
            self.subnets.insert(
                id.clone(),
                Subnet {
                    id,
                    vpc_id: vpc_id.clone(),
                    cidr_block: default_subnet_cidr(i),
                    availability_zone: zone.clone(),
                    availability_zone_id: ids::zone_id(region, i),
                    default_for_az: true,
                    map_public_ip_on_launch: true,
                    hostname_type: ip_name(),
                    enable_resource_name_dns_a_record: false,
                    tags: BTreeMap::new(),
                },
            );
        }
        let sg = &parts.security_group_id;
        self.security_groups.insert(sg.clone(), default_security_group(sg, vpc_id, &parts.rule_ids.0, &parts.rule_ids.1));
        let igw_id = &parts.internet_gateway_id;
        self.internet_gateways.insert(igw_id.clone(), InternetGateway { id: igw_id.clone(), attached_vpc_id: Some(vpc_id.clone()), tags: BTreeMap::new() });
        let mut rtb = main_route_table(&parts.route_table_id, vpc_id, DEFAULT_VPC_CIDR, &parts.association_id);
        rtb.routes.push(Route { destination_cidr_block: "0.0.0.0/0".into(), gateway_id: igw_id.clone(), origin: "CreateRoute".into() });
        self.route_tables.insert(parts.route_table_id.clone(), rtb);
    }

    /// The region's default VPC, if it still exists.
    pub fn default_vpc(&self) -> Option<&Vpc> {
        self.vpcs.values().find(|v| v.is_default)
    }
}

/// The ids of the records a default VPC is made of (see [`Ec2State::insert_default_vpc`]);
/// its subnets' ids are derived per zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultVpcIds {
    /// `vpc-…`.
    pub vpc_id: String,
    /// `sg-…` of its `default` security group.
    pub security_group_id: String,
    /// `sgr-…` ids of that group's inbound and outbound rules.
    pub rule_ids: (String, String),
    /// `rtb-…` of its main route table.
    pub route_table_id: String,
    /// `rtbassoc-…` of the main association.
    pub association_id: String,
    /// `igw-…` of its attached internet gateway.
    pub internet_gateway_id: String,
}

/// A VPC's `default` security group: inbound from itself, outbound to anywhere (EC2 defaults).
pub fn default_security_group(id: &str, vpc_id: &str, ingress_rule_id: &str, egress_rule_id: &str) -> SecurityGroup {
    SecurityGroup {
        id: id.into(),
        name: "default".into(),
        description: "default VPC security group".into(),
        vpc_id: vpc_id.into(),
        ingress: vec![SecurityGroupRule {
            id: ingress_rule_id.into(),
            ip_protocol: "-1".into(),
            from_port: None,
            to_port: None,
            cidr_ipv4: None,
            cidr_ipv6: None,
            referenced_group_id: Some(id.into()),
            description: None,
        }],
        egress: vec![allow_all_egress(egress_rule_id)],
        tags: BTreeMap::new(),
    }
}

/// The outbound rule every new security group gets: all protocols to `0.0.0.0/0`.
pub fn allow_all_egress(rule_id: &str) -> SecurityGroupRule {
    SecurityGroupRule {
        id: rule_id.into(),
        ip_protocol: "-1".into(),
        from_port: None,
        to_port: None,
        cidr_ipv4: Some("0.0.0.0/0".into()),
        cidr_ipv6: None,
        referenced_group_id: None,
        description: None,
    }
}

/// A VPC's main route table with its `local` route.
pub fn main_route_table(id: &str, vpc_id: &str, vpc_cidr: &str, association_id: &str) -> RouteTable {
    RouteTable {
        id: id.into(),
        vpc_id: vpc_id.into(),
        routes: vec![Route { destination_cidr_block: vpc_cidr.into(), gateway_id: "local".into(), origin: "CreateRouteTable".into() }],
        associations: vec![RouteTableAssociation { id: association_id.into(), subnet_id: None, gateway_id: None, main: true }],
        tags: BTreeMap::new(),
    }
}

/// An IPv4 CIDR block as (network address, prefix length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr4 {
    /// Network address as a big-endian integer.
    pub addr: u32,
    /// Prefix length 0–32.
    pub prefix: u8,
}

impl Cidr4 {
    /// Parses `a.b.c.d/n`; `None` if malformed or if host bits are set.
    pub fn parse(s: &str) -> Option<Cidr4> {
        let (ip, len) = s.split_once('/')?;
        let ip: std::net::Ipv4Addr = ip.parse().ok()?;
        let prefix: u8 = len.parse().ok()?;
        if prefix > 32 {
            return None;
        }
        let addr = u32::from(ip);
        let c = Cidr4 { addr, prefix };
        (addr & !c.mask() == 0).then_some(c)
    }

    /// The netmask as an integer.
    pub fn mask(self) -> u32 {
        if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) }
    }

    /// True if `other` lies entirely inside `self`.
    pub fn contains(self, other: Cidr4) -> bool {
        other.prefix >= self.prefix && (other.addr & self.mask()) == self.addr
    }

    /// True if the two blocks share any address.
    pub fn overlaps(self, other: Cidr4) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// Number of addresses.
    pub fn size(self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_region_is_deterministic_and_complete() {
        let a = Ec2State::new_default("us-east-1", 2);
        assert_eq!(a, Ec2State::new_default("us-east-1", 2));
        assert_ne!(a, Ec2State::new_default("eu-west-1", 2));
        let vpc = a.default_vpc().unwrap();
        assert_eq!(a.subnets.len(), 2);
        assert!(a.subnets.values().all(|s| s.vpc_id == vpc.id && s.default_for_az));
        assert!(a.security_groups.contains_key(&vpc.default_security_group_id));
        assert!(a.route_tables.contains_key(&vpc.main_route_table_id));
    }

    #[test]
    fn records_stored_before_the_attributes_existed_read_as_ec2_defaults() {
        let vpc = |default: bool| {
            format!(r#"{{"id":"vpc-1","cidr_block":"10.0.0.0/16","is_default":{default},"instance_tenancy":"default","main_route_table_id":"rtb-1","default_security_group_id":"sg-1"}}"#)
        };
        let v: Vpc = serde_json::from_str(&vpc(false)).unwrap();
        assert!(v.enable_dns_support && !v.dns_hostnames() && !v.enable_network_address_usage_metrics);
        let v: Vpc = serde_json::from_str(&vpc(true)).unwrap();
        assert!(v.dns_hostnames());
        let s: Subnet = serde_json::from_str(
            r#"{"id":"subnet-1","vpc_id":"vpc-1","cidr_block":"10.0.0.0/24","availability_zone":"us-east-1a","availability_zone_id":"use1-az1","default_for_az":false,"map_public_ip_on_launch":true}"#,
        )
        .unwrap();
        assert_eq!((s.hostname_type.as_str(), s.enable_resource_name_dns_a_record, s.map_public_ip_on_launch), ("ip-name", false, true));
        // And they survive a round trip.
        let mut v = v;
        v.enable_dns_hostnames = Some(false);
        let back: Vpc = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn cidr_math() {
        let vpc = Cidr4::parse("10.0.0.0/16").unwrap();
        let sub = Cidr4::parse("10.0.1.0/24").unwrap();
        assert!(vpc.contains(sub));
        assert!(!sub.contains(vpc));
        assert!(vpc.overlaps(sub));
        assert!(Cidr4::parse("10.0.0.1/16").is_none());
        assert!(!Cidr4::parse("10.1.0.0/24").unwrap().overlaps(sub));
        assert_eq!(sub.size(), 256);
    }
}
