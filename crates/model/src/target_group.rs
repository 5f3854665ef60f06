//! ELBv2 target groups, their health-check settings and registered targets
//! (API reference: `TargetGroup`, `TargetDescription`, `Matcher`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws_enum;
use crate::ids::Millis;

aws_enum! {
    /// `ProtocolEnum`, shared by listeners, target groups and health checks.
    pub enum Protocol {
        /// HTTP/1.1 (and HTTP/2 where negotiated).
        Http = "HTTP",
        /// HTTP over TLS.
        Https = "HTTPS",
        /// Raw TCP.
        Tcp = "TCP",
        /// TCP over TLS.
        Tls = "TLS",
        /// UDP datagrams.
        Udp = "UDP",
        /// TCP and UDP on one port.
        TcpUdp = "TCP_UDP",
        /// Gateway Load Balancer encapsulation.
        Geneve = "GENEVE",
        /// QUIC.
        Quic = "QUIC",
        /// TCP and QUIC on one port.
        TcpQuic = "TCP_QUIC",
    }
}

impl Protocol {
    /// HTTP or HTTPS: the protocols of Application Load Balancers.
    pub fn is_http(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Https)
    }
}

aws_enum! {
    /// `ProtocolVersion` of an HTTP/HTTPS target group (a free string in the model, these
    /// three values in the ALB guide).
    pub enum ProtocolVersion {
        /// HTTP/1.1 to targets (the default).
        Http1 = "HTTP1",
        /// HTTP/2 to targets.
        Http2 = "HTTP2",
        /// gRPC (HTTP/2) to targets.
        Grpc = "GRPC",
    }
}

aws_enum! {
    /// `TargetTypeEnum`.
    pub enum TargetType {
        /// Targets are EC2 instance ids (the default).
        Instance = "instance",
        /// Targets are IP addresses.
        Ip = "ip",
        /// Targets are Lambda functions.
        Lambda = "lambda",
        /// The target is an Application Load Balancer.
        Alb = "alb",
    }
}

aws_enum! {
    /// `TargetGroupIpAddressTypeEnum`.
    pub enum TargetGroupIpAddressType {
        /// IPv4 targets (the default).
        Ipv4 = "ipv4",
        /// IPv6 targets.
        Ipv6 = "ipv6",
    }
}

/// `HealthCheckPort`: the literal `traffic-port` or a port number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HealthCheckPort {
    /// Check the port each target receives traffic on.
    TrafficPort,
    /// Check this fixed port on every target (1–65535).
    Port(u16),
}

impl HealthCheckPort {
    /// Parses the wire form (`traffic-port` or 1–65535).
    pub fn parse(s: &str) -> Option<Self> {
        if s == "traffic-port" {
            return Some(HealthCheckPort::TrafficPort);
        }
        match s.parse::<u16>() {
            Ok(p) if p > 0 => Some(HealthCheckPort::Port(p)),
            _ => None,
        }
    }

    /// The wire form.
    pub fn to_wire(self) -> String {
        match self {
            HealthCheckPort::TrafficPort => "traffic-port".to_string(),
            HealthCheckPort::Port(p) => p.to_string(),
        }
    }

    /// The port to probe for a target that receives traffic on `traffic_port`.
    pub fn resolve(self, traffic_port: u16) -> u16 {
        match self {
            HealthCheckPort::TrafficPort => traffic_port,
            HealthCheckPort::Port(p) => p,
        }
    }
}

/// `Matcher`: the HTTP codes (`200`, `200,202`, `200-299`) or gRPC codes that mean healthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Matcher {
    /// HTTP status codes, for HTTP/HTTPS health checks.
    pub http_code: Option<String>,
    /// gRPC status codes, for `GRPC` target groups.
    pub grpc_code: Option<String>,
}

/// A target group's health-check settings (CreateTargetGroup `HealthCheck*` members).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// Whether checks run (always true for `instance`/`ip`/`alb` targets).
    pub enabled: bool,
    /// HTTP, HTTPS or TCP.
    pub protocol: Protocol,
    /// `traffic-port` or a fixed port.
    pub port: HealthCheckPort,
    /// Request path for HTTP/HTTPS checks, 1–1024 characters.
    pub path: Option<String>,
    /// Seconds between checks of one target, 5–300.
    pub interval_seconds: u32,
    /// Seconds without a response that fail a check, 2–120.
    pub timeout_seconds: u32,
    /// Consecutive successes that make an unhealthy target healthy, 2–10.
    pub healthy_threshold: u32,
    /// Consecutive failures that make a target unhealthy, 2–10.
    pub unhealthy_threshold: u32,
    /// Success codes; `None` for TCP checks.
    pub matcher: Option<Matcher>,
}

/// While a deregistered target drains (`draining`, `Target.DeregistrationInProgress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draining {
    /// When `DeregisterTargets` took effect.
    pub since: Millis,
    /// `since + deregistration_delay.timeout_seconds`: connections still open are closed then
    /// and the target disappears from the group.
    pub until: Millis,
}

/// A registered target: `TargetDescription` plus elbow's bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredTarget {
    /// An IP address (`ip` targets) or instance id (`instance` targets).
    pub id: String,
    /// The port traffic is sent to (the target group's port unless overridden).
    pub port: u16,
    /// `AvailabilityZone` as registered (`all` for IPs outside the VPC), if given.
    pub availability_zone: Option<String>,
    /// When it was (last) registered.
    pub registered_at: Millis,
    /// Set while deregistration is in progress.
    pub draining: Option<Draining>,
}

/// An ELBv2 target group as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroup {
    /// `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`.
    pub arn: String,
    /// 1–32 characters, `[A-Za-z0-9-]`.
    pub name: String,
    /// 16 hex digits.
    pub id: String,
    /// Protocol to targets (absent for `lambda`).
    pub protocol: Option<Protocol>,
    /// HTTP1, HTTP2 or GRPC for HTTP/HTTPS groups.
    pub protocol_version: Option<ProtocolVersion>,
    /// Default port of targets (absent for `lambda`).
    pub port: Option<u16>,
    /// VPC of the targets (absent for `lambda`).
    pub vpc_id: Option<String>,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: TargetType,
    /// `ipv4` or `ipv6`.
    pub ip_address_type: TargetGroupIpAddressType,
    /// Health-check settings.
    pub health_check: HealthCheck,
    /// Attribute values explicitly set (key → value).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Registered (and draining) targets in registration order.
    #[serde(default)]
    pub targets: Vec<RegisteredTarget>,
    /// Creation time (orders DescribeTargetGroups like AWS).
    #[serde(default)]
    pub created_time: Millis,
}

impl TargetGroup {
    /// The target with this id and port, if registered or draining.
    pub fn target(&self, id: &str, port: u16) -> Option<&RegisteredTarget> {
        self.targets.iter().find(|t| t.id == id && t.port == port)
    }

    /// The effective value of a target-group attribute (set value or AWS default).
    pub fn attribute(&self, key: &str) -> Option<String> {
        crate::attributes::effective(&crate::attributes::target_group_defs(self), &self.attributes, key)
    }
}
