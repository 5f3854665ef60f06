//! ELBv2 load balancers (API reference: `LoadBalancer` data type).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::Millis;
use crate::aws_enum;

aws_enum! {
    /// `LoadBalancerTypeEnum`.
    pub enum LoadBalancerType {
        /// Application Load Balancer (HTTP/HTTPS listeners).
        Application = "application",
        /// Network Load Balancer (TCP/TLS/UDP listeners).
        Network = "network",
        /// Gateway Load Balancer (GENEVE).
        Gateway = "gateway",
    }
}

impl LoadBalancerType {
    /// The ARN path segment: `app`, `net` or `gwy`.
    pub fn arn_prefix(self) -> &'static str {
        match self {
            LoadBalancerType::Application => "app",
            LoadBalancerType::Network => "net",
            LoadBalancerType::Gateway => "gwy",
        }
    }
}

aws_enum! {
    /// `LoadBalancerSchemeEnum`.
    pub enum Scheme {
        /// Reachable from the internet (the default).
        InternetFacing = "internet-facing",
        /// Reachable only inside the VPC.
        Internal = "internal",
    }
}

aws_enum! {
    /// `IpAddressType` of a load balancer.
    pub enum IpAddressType {
        /// IPv4 only (the default).
        Ipv4 = "ipv4",
        /// IPv4 and IPv6.
        Dualstack = "dualstack",
        /// IPv6 public, IPv4 private.
        DualstackWithoutPublicIpv4 = "dualstack-without-public-ipv4",
    }
}

/// One enabled zone of a load balancer: the `AvailabilityZone` data type (zone name + subnet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancerZone {
    /// E.g. `us-east-1a`.
    pub zone_name: String,
    /// The subnet in that zone.
    pub subnet_id: String,
}

/// An ELBv2 load balancer as stored. Attributes hold only values set through
/// `ModifyLoadBalancerAttributes`; defaults come from [`crate::attributes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancer {
    /// `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>`.
    pub arn: String,
    /// 1–32 characters, `[A-Za-z0-9-]`.
    pub name: String,
    /// 16 hex digits, the last ARN component.
    pub id: String,
    /// The DNS name clients use (`<name>-<digits>.<region>.elb.localhost` by default).
    pub dns_name: String,
    /// Route 53 hosted zone id AWS would report for this region and type.
    pub canonical_hosted_zone_id: String,
    /// Creation time.
    pub created_time: Millis,
    /// `internet-facing` or `internal`.
    pub scheme: Scheme,
    /// `application`, `network` or `gateway`.
    #[serde(rename = "type")]
    pub kind: LoadBalancerType,
    /// `ipv4`, `dualstack` or `dualstack-without-public-ipv4`.
    pub ip_address_type: IpAddressType,
    /// The VPC of its subnets.
    pub vpc_id: String,
    /// One entry per enabled zone, in the order given.
    pub availability_zones: Vec<LoadBalancerZone>,
    /// Security group ids (ALB: at least the VPC's default group).
    pub security_groups: Vec<String>,
    /// Attribute values explicitly set (key → value).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Tags (key → value).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}
