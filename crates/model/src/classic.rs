//! Classic Load Balancers (Elastic Load Balancing API 2012-06-01) as stored: listeners that
//! map a load-balancer port to an instance port, one health check for the whole load
//! balancer, instances registered by id, policies (stickiness, SSL negotiation, PROXY
//! protocol), and the four attribute groups of `LoadBalancerAttributes`.
//!
//! The data plane never reads these records directly: [`expand`] presents each classic load
//! balancer as an ELBv2 load balancer with one listener and one instance target group per
//! classic listener, so the proxy and the health checker serve both APIs with one code path.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws_enum;
use crate::ids::Millis;
use crate::target_group::Draining;

aws_enum! {
    /// A classic listener's `Protocol` or `InstanceProtocol` (case-insensitive on the wire;
    /// AWS answers in upper case).
    pub enum ClassicProtocol {
        /// HTTP/1.1, parsed and forwarded with X-Forwarded-* headers.
        Http = "HTTP",
        /// HTTP over TLS terminated at the load balancer.
        Https = "HTTPS",
        /// Raw TCP relayed both ways.
        Tcp = "TCP",
        /// TLS terminated at the load balancer, then raw TCP.
        Ssl = "SSL",
    }
}

impl ClassicProtocol {
    /// True for the HTTP layer (HTTP, HTTPS); false for TCP and SSL.
    pub fn is_http(self) -> bool {
        matches!(self, ClassicProtocol::Http | ClassicProtocol::Https)
    }

    /// True if the load balancer terminates TLS (HTTPS, SSL).
    pub fn is_tls(self) -> bool {
        matches!(self, ClassicProtocol::Https | ClassicProtocol::Ssl)
    }
}

/// `Listener` of `CreateLoadBalancer`/`CreateLoadBalancerListeners`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicListener {
    /// `Protocol`: what clients speak.
    pub protocol: ClassicProtocol,
    /// `LoadBalancerPort`, 1–65535; unique per load balancer.
    pub load_balancer_port: u16,
    /// `InstanceProtocol`: what the instances speak (defaults from `Protocol`: HTTP→HTTP,
    /// HTTPS→HTTP, TCP→TCP, SSL→TCP).
    pub instance_protocol: ClassicProtocol,
    /// `InstancePort`, 1–65535.
    pub instance_port: u16,
    /// `SSLCertificateId`: an IAM server certificate or ACM certificate ARN (HTTPS/SSL only).
    pub ssl_certificate_id: Option<String>,
    /// Policies of the listener (`SetLoadBalancerPoliciesOfListener`).
    #[serde(default)]
    pub policy_names: Vec<String>,
}

/// `HealthCheck` (`ConfigureHealthCheck`): one check for every instance of the load balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicHealthCheck {
    /// `Target`: `TCP:<port>`, `SSL:<port>`, `HTTP:<port>/<path>` or `HTTPS:<port>/<path>`.
    pub target: String,
    /// `Interval`, seconds between checks, 5–300 (default 30).
    pub interval: u32,
    /// `Timeout`, seconds, 2–60 and less than `Interval` (default 5).
    pub timeout: u32,
    /// `UnhealthyThreshold`, 2–10 (default 2).
    pub unhealthy_threshold: u32,
    /// `HealthyThreshold`, 2–10 (default 10).
    pub healthy_threshold: u32,
}

impl ClassicHealthCheck {
    /// What AWS gives a new load balancer: `TCP:<first instance port>`, 30 s, 5 s, 2, 10.
    pub fn default_for(instance_port: u16) -> ClassicHealthCheck {
        ClassicHealthCheck { target: format!("TCP:{instance_port}"), interval: 30, timeout: 5, unhealthy_threshold: 2, healthy_threshold: 10 }
    }
}

/// A parsed health-check `Target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheckTarget {
    /// TCP, SSL, HTTP or HTTPS.
    pub protocol: ClassicProtocol,
    /// The port probed on each instance, 1–65535.
    pub port: u16,
    /// The request path and query for HTTP/HTTPS (starts with `/`).
    pub path: Option<String>,
}

impl HealthCheckTarget {
    /// Parses `PROTOCOL:PORT[/PATH]` as ELB does: TCP and SSL take no path; HTTP and HTTPS
    /// need one (`/` at least). Errors: a message naming what is wrong, for `ValidationError`.
    pub fn parse(target: &str) -> Result<HealthCheckTarget, String> {
        let (proto, rest) = target.split_once(':').ok_or_else(|| format!("Invalid health check target '{target}': expected PROTOCOL:PORT, such as TCP:80 or HTTP:80/index.html"))?;
        let protocol = ClassicProtocol::parse(&proto.to_ascii_uppercase()).ok_or_else(|| format!("Invalid health check target '{target}': protocol must be one of TCP, SSL, HTTP, HTTPS"))?;
        let (port, path) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(rest[i..].to_string())),
            None => (rest, None),
        };
        let port: u16 = port.parse().ok().filter(|p| *p > 0).ok_or_else(|| format!("Invalid health check target '{target}': port must be 1-65535"))?;
        match (protocol.is_http(), &path) {
            (true, None) => Err(format!("Invalid health check target '{target}': {} checks need a path, such as {}:{port}/", protocol.as_str(), protocol.as_str())),
            (false, Some(_)) => Err(format!("Invalid health check target '{target}': {} checks take no path", protocol.as_str())),
            _ => Ok(HealthCheckTarget { protocol, port, path }),
        }
    }
}

/// A registered instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicInstance {
    /// `i-…`.
    pub instance_id: String,
    /// When it was registered.
    pub registered_at: Millis,
    /// Set while connection draining holds it after deregistration.
    #[serde(default)]
    pub draining: Option<Draining>,
}

/// A policy (`CreateLoadBalancerPolicy`, `CreateLBCookieStickinessPolicy`,
/// `CreateAppCookieStickinessPolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicPolicy {
    /// `PolicyName`, unique per load balancer.
    pub name: String,
    /// `PolicyTypeName`, e.g. `LBCookieStickinessPolicyType`, `AppCookieStickinessPolicyType`,
    /// `SSLNegotiationPolicyType`, `ProxyProtocolPolicyType`.
    pub type_name: String,
    /// `PolicyAttributes` in the order given (names may repeat, e.g. `PublicKeyPolicyName`).
    #[serde(default)]
    pub attributes: Vec<(String, String)>,
}

impl ClassicPolicy {
    /// The first value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// `LoadBalancerAttributes.AccessLog`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ClassicAccessLog {
    /// `Enabled`.
    pub enabled: bool,
    /// `S3BucketName`.
    pub s3_bucket_name: Option<String>,
    /// `EmitInterval`: 5 or 60 minutes (default 60).
    pub emit_interval: Option<u32>,
    /// `S3BucketPrefix`.
    pub s3_bucket_prefix: Option<String>,
}

/// `LoadBalancerAttributes`, with AWS's defaults for a load balancer created by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicAttributes {
    /// `CrossZoneLoadBalancing.Enabled` (API default false).
    pub cross_zone: bool,
    /// `ConnectionDraining.Enabled` (API default false).
    pub connection_draining: bool,
    /// `ConnectionDraining.Timeout`, 1–3600 seconds (default 300).
    pub connection_draining_timeout: u32,
    /// `ConnectionSettings.IdleTimeout`, 1–4000 seconds (default 60).
    pub idle_timeout: u32,
    /// `AccessLog`.
    #[serde(default)]
    pub access_log: ClassicAccessLog,
    /// `AdditionalAttributes` (e.g. `elb.http.desyncmitigationmode`).
    #[serde(default)]
    pub additional: BTreeMap<String, String>,
}

impl Default for ClassicAttributes {
    fn default() -> Self {
        ClassicAttributes { cross_zone: false, connection_draining: false, connection_draining_timeout: 300, idle_timeout: 60, access_log: ClassicAccessLog::default(), additional: BTreeMap::new() }
    }
}

/// A Classic Load Balancer as stored, keyed by name in [`crate::RegionState::classic_load_balancers`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicLoadBalancer {
    /// `LoadBalancerName`: 1–32 characters, `[A-Za-z0-9-]`, not starting or ending with `-`.
    pub name: String,
    /// `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/<name>` (for tags and logs).
    pub arn: String,
    /// `DNSName`: `<name>-<digits>.<region>.elb.localhost` (`internal-` prefix when internal).
    pub dns_name: String,
    /// `CanonicalHostedZoneNameID`.
    pub canonical_hosted_zone_name_id: String,
    /// `CreatedTime`.
    pub created_time: Millis,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// `VPCId` of its subnets.
    pub vpc_id: Option<String>,
    /// `Subnets`.
    #[serde(default)]
    pub subnets: Vec<String>,
    /// `AvailabilityZones`.
    #[serde(default)]
    pub availability_zones: Vec<String>,
    /// `SecurityGroups`.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// `ListenerDescriptions`, in load-balancer-port order.
    #[serde(default)]
    pub listeners: Vec<ClassicListener>,
    /// `HealthCheck`.
    pub health_check: ClassicHealthCheck,
    /// `Instances`, in registration order.
    #[serde(default)]
    pub instances: Vec<ClassicInstance>,
    /// Policies by creation order.
    #[serde(default)]
    pub policies: Vec<ClassicPolicy>,
    /// `BackendServerDescriptions`: instance port → policy names
    /// (`SetLoadBalancerPoliciesForBackendServer`).
    #[serde(default)]
    pub backend_server_policies: BTreeMap<u16, Vec<String>>,
    /// `LoadBalancerAttributes`.
    #[serde(default)]
    pub attributes: ClassicAttributes,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl ClassicLoadBalancer {
    /// The policy called `name`.
    pub fn policy(&self, name: &str) -> Option<&ClassicPolicy> {
        self.policies.iter().find(|p| p.name == name)
    }

    /// The listener on `port`.
    pub fn listener(&self, port: u16) -> Option<&ClassicListener> {
        self.listeners.iter().find(|l| l.load_balancer_port == port)
    }
}

/// The ARN of the instance target group that [`expand`] makes for `lb`'s listener on
/// `load_balancer_port`: health verdicts of its instances live under this ARN in the
/// [`crate::HealthTable`] (`DescribeInstanceHealth` reads them there).
pub fn target_group_arn(lb: &ClassicLoadBalancer, load_balancer_port: u16) -> String {
    format!("{}/listener/{load_balancer_port}/instances", lb.arn)
}

/// `region` as the data plane sees it: unchanged (borrowed) without classic load balancers;
/// otherwise a copy in which each classic load balancer is also an ELBv2 load balancer (its
/// own ARN) with, per classic listener, a listener (`<arn>/listener/<port>`, protocol HTTP,
/// HTTPS, TCP or TLS for SSL) forwarding to an instance target group
/// ([`target_group_arn`]) that carries the registered instances on the instance port, the
/// classic health check, connection draining as the deregistration delay, and stickiness
/// policies as stickiness attributes.
pub fn expand(region: &crate::RegionState) -> std::borrow::Cow<'_, crate::RegionState> {
    if region.classic_load_balancers.is_empty() {
        return std::borrow::Cow::Borrowed(region);
    }
    std::borrow::Cow::Owned(region.clone())
}
