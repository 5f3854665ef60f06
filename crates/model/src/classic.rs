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

/// A target-group attribute only [`expand`] sets (the API refuses unknown `elbow.` keys): the
/// group's stickiness cookie is ELB's `AWSELB` rather than ALB's `AWSALB`/`AWSALBAPP-0`.
pub const CLASSIC_COOKIE_ATTRIBUTE: &str = "elbow.stickiness.classic_cookie";

/// A target-group attribute only [`expand`] sets: the back-end port has a
/// `ProxyProtocolPolicyType` policy with `ProxyProtocol=true`, so TCP and SSL listeners send
/// the PROXY protocol version 1 line, as Classic Load Balancers do.
pub const PROXY_PROTOCOL_V1_ATTRIBUTE: &str = "elbow.proxy_protocol.v1";

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
    let mut out = region.clone();
    for lb in region.classic_load_balancers.values() {
        out.load_balancers.insert(lb.arn.clone(), as_load_balancer(lb));
        for l in &lb.listeners {
            let tg = as_target_group(lb, l);
            let listener = as_listener(lb, l, &tg.arn);
            out.listeners.insert(listener.arn.clone(), listener);
            out.target_groups.insert(tg.arn.clone(), tg);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A stable 16-hex-digit id for a synthetic object, from its ARN.
fn synthetic_id(arn: &str) -> String {
    // FNV-1a: stable across builds and platforms, unlike the std hasher.
    let h = arn.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{h:016x}")
}

fn as_load_balancer(lb: &ClassicLoadBalancer) -> crate::LoadBalancer {
    let mut attributes = BTreeMap::new();
    attributes.insert("idle_timeout.timeout_seconds".to_string(), lb.attributes.idle_timeout.to_string());
    if let Some(mode) = lb.attributes.additional.get("elb.http.desyncmitigationmode") {
        attributes.insert("routing.http.desync_mitigation_mode".to_string(), mode.clone());
    }
    crate::LoadBalancer {
        arn: lb.arn.clone(),
        name: lb.name.clone(),
        id: synthetic_id(&lb.arn),
        dns_name: lb.dns_name.clone(),
        canonical_hosted_zone_id: lb.canonical_hosted_zone_name_id.clone(),
        created_time: lb.created_time,
        scheme: crate::Scheme::parse(&lb.scheme).unwrap_or(crate::Scheme::InternetFacing),
        // HTTP and HTTPS listeners take the application path; TCP and SSL ones are served
        // by listener protocol, whatever the type.
        kind: crate::LoadBalancerType::Application,
        ip_address_type: crate::IpAddressType::Ipv4,
        vpc_id: lb.vpc_id.clone().unwrap_or_default(),
        availability_zones: Vec::new(),
        security_groups: lb.security_groups.clone(),
        attributes,
        tags: lb.tags.clone(),
    }
}

fn elbv2_protocol(p: ClassicProtocol) -> crate::Protocol {
    match p {
        ClassicProtocol::Http => crate::Protocol::Http,
        ClassicProtocol::Https => crate::Protocol::Https,
        ClassicProtocol::Tcp => crate::Protocol::Tcp,
        ClassicProtocol::Ssl => crate::Protocol::Tls,
    }
}

/// The ELB security policy a listener's `SSLNegotiationPolicyType` policy refers to.
fn ssl_policy(lb: &ClassicLoadBalancer, l: &ClassicListener) -> String {
    l.policy_names
        .iter()
        .filter_map(|n| lb.policy(n))
        .filter(|p| p.type_name == "SSLNegotiationPolicyType")
        .find_map(|p| p.attribute("Reference-Security-Policy").map(str::to_string))
        .unwrap_or_else(|| crate::DEFAULT_SSL_POLICY.to_string())
}

fn as_listener(lb: &ClassicLoadBalancer, l: &ClassicListener, tg_arn: &str) -> crate::Listener {
    let arn = format!("{}/listener/{}", lb.arn, l.load_balancer_port);
    let protocol = elbv2_protocol(l.protocol);
    let mut attributes = BTreeMap::new();
    if !l.protocol.is_http() {
        // The classic idle timeout also bounds TCP and SSL connections.
        attributes.insert("tcp.idle_timeout.seconds".to_string(), lb.attributes.idle_timeout.to_string());
    }
    crate::Listener {
        id: synthetic_id(&arn),
        arn,
        load_balancer_arn: lb.arn.clone(),
        port: l.load_balancer_port,
        protocol,
        ssl_policy: l.protocol.is_tls().then(|| ssl_policy(lb, l)),
        certificate_arn: l.ssl_certificate_id.clone().filter(|_| l.protocol.is_tls()),
        sni_certificate_arns: Vec::new(),
        default_actions: vec![crate::Action {
            kind: crate::ActionType::Forward,
            order: Some(1),
            target_group_arn: Some(tg_arn.to_string()),
            forward: None,
            redirect: None,
            fixed_response: None,
        }],
        alpn_policy: Vec::new(),
        default_rule_id: String::new(),
        attributes,
        tags: BTreeMap::new(),
        created_time: lb.created_time,
    }
}

/// The classic health check as an ELBv2 one. `SSL:` checks become `TLS` (a handshake, the one
/// health-check protocol ELBv2 has no name for); a `Target` that does not parse checks the
/// instance port.
fn health_check(hc: &ClassicHealthCheck, instance_port: u16) -> crate::HealthCheck {
    let t = HealthCheckTarget::parse(&hc.target).unwrap_or(HealthCheckTarget { protocol: ClassicProtocol::Tcp, port: instance_port, path: None });
    let protocol = match t.protocol {
        ClassicProtocol::Http => crate::Protocol::Http,
        ClassicProtocol::Https => crate::Protocol::Https,
        ClassicProtocol::Tcp => crate::Protocol::Tcp,
        ClassicProtocol::Ssl => crate::Protocol::Tls,
    };
    crate::HealthCheck {
        enabled: true,
        protocol,
        port: crate::HealthCheckPort::Port(t.port),
        path: t.path,
        interval_seconds: hc.interval,
        timeout_seconds: hc.timeout,
        healthy_threshold: hc.healthy_threshold,
        unhealthy_threshold: hc.unhealthy_threshold,
        // Classic checks pass on 200 only.
        matcher: t.protocol.is_http().then(|| crate::Matcher { http_code: Some("200".into()), grpc_code: None }),
    }
}

fn as_target_group(lb: &ClassicLoadBalancer, l: &ClassicListener) -> crate::TargetGroup {
    let arn = target_group_arn(lb, l.load_balancer_port);
    let mut attributes = BTreeMap::new();
    let a = &lb.attributes;
    let delay = if a.connection_draining { a.connection_draining_timeout } else { 0 };
    attributes.insert("deregistration_delay.timeout_seconds".to_string(), delay.to_string());
    // Classic draining ends with the connections closed, for TCP listeners too; an instance
    // that fails its checks keeps the connections it has (only new ones go elsewhere).
    attributes.insert("deregistration_delay.connection_termination.enabled".to_string(), "true".to_string());
    if !l.protocol.is_http() {
        attributes.insert("target_health_state.unhealthy.connection_termination.enabled".to_string(), "false".to_string());
    }
    let proxy_protocol = lb
        .backend_server_policies
        .get(&l.instance_port)
        .into_iter()
        .flatten()
        .filter_map(|n| lb.policy(n))
        .any(|p| p.type_name == "ProxyProtocolPolicyType" && p.attribute("ProxyProtocol").is_some_and(|v| v.eq_ignore_ascii_case("true")));
    if proxy_protocol && !l.protocol.is_http() {
        attributes.insert(PROXY_PROTOCOL_V1_ATTRIBUTE.to_string(), "true".to_string());
    }
    for p in l.policy_names.iter().filter_map(|n| lb.policy(n)) {
        match p.type_name.as_str() {
            "LBCookieStickinessPolicyType" => {
                // Without CookieExpirationPeriod the cookie lives as long as the browser
                // session; the longest lb_cookie duration stands in for that.
                let secs = p.attribute("CookieExpirationPeriod").and_then(|v| v.parse::<u64>().ok()).filter(|s| *s > 0).unwrap_or(604_800).min(604_800);
                attributes.insert("stickiness.enabled".into(), "true".into());
                attributes.insert(CLASSIC_COOKIE_ATTRIBUTE.into(), "true".into());
                attributes.insert("stickiness.type".into(), "lb_cookie".into());
                attributes.insert("stickiness.lb_cookie.duration_seconds".into(), secs.to_string());
            }
            "AppCookieStickinessPolicyType" => {
                if let Some(name) = p.attribute("CookieName") {
                    attributes.insert("stickiness.enabled".into(), "true".into());
                    attributes.insert(CLASSIC_COOKIE_ATTRIBUTE.into(), "true".into());
                    attributes.insert("stickiness.type".into(), "app_cookie".into());
                    attributes.insert("stickiness.app_cookie.cookie_name".into(), name.to_string());
                    attributes.insert("stickiness.app_cookie.duration_seconds".into(), "604800".into());
                }
            }
            _ => {}
        }
    }
    crate::TargetGroup {
        id: synthetic_id(&arn),
        name: format!("{}-{}", lb.name, l.load_balancer_port),
        arn,
        protocol: Some(elbv2_protocol(l.instance_protocol)),
        protocol_version: l.instance_protocol.is_http().then_some(crate::ProtocolVersion::Http1),
        port: Some(l.instance_port),
        vpc_id: lb.vpc_id.clone(),
        target_type: crate::TargetType::Instance,
        ip_address_type: crate::target_group::TargetGroupIpAddressType::Ipv4,
        health_check: health_check(&lb.health_check, l.instance_port),
        attributes,
        tags: BTreeMap::new(),
        targets: lb
            .instances
            .iter()
            .map(|i| crate::RegisteredTarget { id: i.instance_id.clone(), port: l.instance_port, availability_zone: None, registered_at: i.registered_at, draining: i.draining })
            .collect(),
        created_time: lb.created_time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webrtc() -> ClassicLoadBalancer {
        ClassicLoadBalancer {
            name: "webrtc".into(),
            arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/webrtc".into(),
            dns_name: "webrtc-1.us-east-1.elb.localhost".into(),
            canonical_hosted_zone_name_id: "Z35SXDOTRQ7X7K".into(),
            created_time: 1,
            scheme: "internet-facing".into(),
            vpc_id: Some("vpc-1".into()),
            subnets: vec![],
            availability_zones: vec![],
            security_groups: vec![],
            listeners: vec![ClassicListener { protocol: ClassicProtocol::Tcp, load_balancer_port: 8080, instance_protocol: ClassicProtocol::Tcp, instance_port: 8080, ssl_certificate_id: None, policy_names: vec![] }],
            health_check: ClassicHealthCheck { target: "HTTP:8081/?action=stat".into(), interval: 10, timeout: 5, unhealthy_threshold: 2, healthy_threshold: 3 },
            instances: vec![ClassicInstance { instance_id: "i-1".into(), registered_at: 5, draining: None }],
            policies: vec![],
            backend_server_policies: BTreeMap::new(),
            attributes: ClassicAttributes { connection_draining: true, connection_draining_timeout: 20, idle_timeout: 120, ..Default::default() },
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn health_check_targets_parse_as_elb_documents_them() {
        assert_eq!(HealthCheckTarget::parse("HTTP:8081/?action=stat").unwrap(), HealthCheckTarget { protocol: ClassicProtocol::Http, port: 8081, path: Some("/?action=stat".into()) });
        assert_eq!(HealthCheckTarget::parse("tcp:80").unwrap().protocol, ClassicProtocol::Tcp);
        assert_eq!(HealthCheckTarget::parse("SSL:443").unwrap().port, 443);
        for bad in ["HTTP:80", "TCP:80/x", "FTP:21", "HTTP:0/", "HTTP:99999/", "80", "HTTP:/x"] {
            assert!(HealthCheckTarget::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn without_classic_load_balancers_the_region_is_borrowed() {
        let r = crate::RegionState::new("us-east-1");
        assert!(matches!(expand(&r), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn a_tcp_listener_becomes_a_listener_and_an_instance_target_group() {
        let mut r = crate::RegionState::new("us-east-1");
        let lb = webrtc();
        r.classic_load_balancers.insert(lb.name.clone(), lb.clone());
        let x = expand(&r);
        let l = x.listeners.values().find(|l| l.load_balancer_arn == lb.arn).unwrap();
        assert_eq!((l.port, l.protocol), (8080, crate::Protocol::Tcp));
        assert_eq!(l.attributes.get("tcp.idle_timeout.seconds").map(String::as_str), Some("120"));
        let tg = &x.target_groups[&target_group_arn(&lb, 8080)];
        assert_eq!(l.default_actions[0].target_group_arn.as_deref(), Some(tg.arn.as_str()));
        assert!(x.target_group_in_use(&tg.arn));
        assert_eq!(tg.health_check.port, crate::HealthCheckPort::Port(8081));
        assert_eq!(tg.health_check.protocol, crate::Protocol::Http);
        assert_eq!(tg.health_check.path.as_deref(), Some("/?action=stat"));
        assert_eq!((tg.health_check.interval_seconds, tg.health_check.healthy_threshold), (10, 3));
        assert_eq!(tg.attribute("deregistration_delay.timeout_seconds").as_deref(), Some("20"));
        assert_eq!(tg.targets.iter().map(|t| (t.id.as_str(), t.port)).collect::<Vec<_>>(), vec![("i-1", 8080)]);
    }

    #[test]
    fn stickiness_and_ssl_policies_map_to_elbv2_settings() {
        let mut lb = webrtc();
        lb.listeners = vec![ClassicListener { protocol: ClassicProtocol::Https, load_balancer_port: 443, instance_protocol: ClassicProtocol::Http, instance_port: 80, ssl_certificate_id: Some("arn:cert".into()), policy_names: vec!["sticky".into(), "tls".into()] }];
        lb.policies = vec![
            ClassicPolicy { name: "sticky".into(), type_name: "LBCookieStickinessPolicyType".into(), attributes: vec![("CookieExpirationPeriod".into(), "60".into())] },
            ClassicPolicy { name: "tls".into(), type_name: "SSLNegotiationPolicyType".into(), attributes: vec![("Reference-Security-Policy".into(), "ELBSecurityPolicy-TLS-1-2-2017-01".into())] },
        ];
        let mut r = crate::RegionState::new("us-east-1");
        r.classic_load_balancers.insert(lb.name.clone(), lb.clone());
        let x = expand(&r);
        let l = x.listeners.values().find(|l| l.port == 443).unwrap();
        assert_eq!(l.protocol, crate::Protocol::Https);
        assert_eq!(l.certificate_arn.as_deref(), Some("arn:cert"));
        assert_eq!(l.ssl_policy.as_deref(), Some("ELBSecurityPolicy-TLS-1-2-2017-01"));
        let tg = &x.target_groups[&target_group_arn(&lb, 443)];
        assert_eq!(tg.protocol, Some(crate::Protocol::Http));
        assert_eq!(tg.attribute("stickiness.type").as_deref(), Some("lb_cookie"));
        assert_eq!(tg.attribute("stickiness.lb_cookie.duration_seconds").as_deref(), Some("60"));
    }
}
