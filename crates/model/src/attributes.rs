//! Attribute keys of load balancers, target groups and listeners: which apply to which
//! resource, their AWS ranges and defaults (API reference: `LoadBalancerAttribute`,
//! `TargetGroupAttribute`, `ListenerAttribute`; ALB and NLB user guides).
//!
//! Resources store only the values a client set; `Describe…Attributes` shows every applicable
//! key with its effective value, as AWS does.

use std::collections::BTreeMap;

use crate::error::ModelError;
use crate::load_balancer::{LoadBalancer, LoadBalancerType, Scheme};
use crate::target_group::{Protocol, TargetGroup, TargetType};

/// What values an attribute accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRule {
    /// `true` or `false`.
    Bool,
    /// A decimal integer in `min..=max`.
    Int {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// `0` (off) or an integer in `min..=max` (slow start: 0 or 30–900).
    ZeroOrInt {
        /// Smallest non-zero value.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// `off` or an integer in `min..=max`.
    OffOrInt {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// One of these exact strings.
    OneOf(&'static [&'static str]),
    /// Free text up to this many characters.
    Text(usize),
    /// An HTTP header name (`[A-Za-z0-9-]`, 1–40 characters).
    HeaderName,
    /// Exactly this value: the key is shown and may be sent, but this resource cannot change it.
    Fixed {
        /// The only accepted value (also the default).
        value: &'static str,
        /// Why, for the error message.
        reason: &'static str,
    },
}

/// One attribute key as it applies to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDef {
    /// The key, e.g. `idle_timeout.timeout_seconds`.
    pub key: &'static str,
    /// Accepted values.
    pub rule: ValueRule,
    /// AWS's default for this resource.
    pub default: String,
}

fn def(key: &'static str, rule: ValueRule, default: impl Into<String>) -> AttributeDef {
    AttributeDef { key, rule, default: default.into() }
}

const BOOL: ValueRule = ValueRule::Bool;

/// Attribute keys of a load balancer of this type and scheme, in AWS's Describe order.
pub fn load_balancer_defs(kind: LoadBalancerType, scheme: Scheme) -> Vec<AttributeDef> {
    let mut d = vec![def("deletion_protection.enabled", BOOL, "false")];
    match kind {
        LoadBalancerType::Application => {
            d.extend([
                def("access_logs.s3.enabled", BOOL, "false"),
                def("access_logs.s3.bucket", ValueRule::Text(255), ""),
                def("access_logs.s3.prefix", ValueRule::Text(1024), ""),
                def("idle_timeout.timeout_seconds", ValueRule::Int { min: 1, max: 4000 }, "60"),
                def("client_keep_alive.seconds", ValueRule::Int { min: 60, max: 604_800 }, "3600"),
                def("connection_logs.s3.enabled", BOOL, "false"),
                def("connection_logs.s3.bucket", ValueRule::Text(255), ""),
                def("connection_logs.s3.prefix", ValueRule::Text(1024), ""),
                def("health_check_logs.s3.enabled", BOOL, "false"),
                def("health_check_logs.s3.bucket", ValueRule::Text(255), ""),
                def("health_check_logs.s3.prefix", ValueRule::Text(1024), ""),
                def("routing.http.desync_mitigation_mode", ValueRule::OneOf(&["monitor", "defensive", "strictest"]), "defensive"),
                def("routing.http.drop_invalid_header_fields.enabled", BOOL, "false"),
                def("routing.http.preserve_host_header.enabled", BOOL, "false"),
                def("routing.http.x_amzn_tls_version_and_cipher_suite.enabled", BOOL, "false"),
                def("routing.http.xff_client_port.enabled", BOOL, "false"),
                def("routing.http.xff_header_processing.mode", ValueRule::OneOf(&["append", "preserve", "remove"]), "append"),
                def("routing.http2.enabled", BOOL, "true"),
                def("waf.fail_open.enabled", BOOL, "false"),
                def("load_balancing.cross_zone.enabled", BOOL, "true"),
                def("zonal_shift.config.enabled", BOOL, "false"),
                def("ipv6.deny_all_igw_traffic", BOOL, if scheme == Scheme::Internal { "true" } else { "false" }),
                // elbow extension: a request head must arrive whole within this (slowloris).
                def(ELBOW_HEADER_TIMEOUT, ValueRule::Int { min: 1, max: 4000 }, "60"),
            ]);
        }
        LoadBalancerType::Network => {
            d.extend([
                def("access_logs.s3.enabled", BOOL, "false"),
                def("access_logs.s3.bucket", ValueRule::Text(255), ""),
                def("access_logs.s3.prefix", ValueRule::Text(1024), ""),
                def("load_balancing.cross_zone.enabled", BOOL, "false"),
                def("zonal_shift.config.enabled", BOOL, "false"),
                def("ipv6.deny_all_igw_traffic", BOOL, if scheme == Scheme::Internal { "true" } else { "false" }),
                def(
                    "dns_record.client_routing_policy",
                    ValueRule::OneOf(&["availability_zone_affinity", "partial_availability_zone_affinity", "any_availability_zone"]),
                    "any_availability_zone",
                ),
                def("secondary_ips.auto_assigned.per_subnet", ValueRule::Int { min: 0, max: 7 }, "0"),
            ]);
        }
        LoadBalancerType::Gateway => {
            d.push(def("load_balancing.cross_zone.enabled", BOOL, "false"));
        }
    }
    d
}

/// Attribute keys of this target group, in AWS's Describe order (API reference
/// `TargetGroupAttribute`; ALB and NLB guides, "Edit target group attributes"): `lambda` groups
/// have only `lambda.multi_value_headers.enabled`; HTTP/HTTPS groups the ALB keys (plus elbow's
/// `elbow.*` keys); GENEVE groups the GWLB keys; other protocols the NLB keys, whose defaults
/// depend on protocol and target type (`preserve_client_ip.enabled` off only for `ip` TCP/TLS
/// groups and fixed on for UDP/TCP_UDP; `deregistration_delay.connection_termination.enabled`
/// on for UDP/TCP_UDP).
pub fn target_group_defs(tg: &TargetGroup) -> Vec<AttributeDef> {
    let count_max = 1_000_000;
    let health = [
        def("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", ValueRule::Int { min: 1, max: count_max }, "1"),
        def("target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", ValueRule::OffOrInt { min: 1, max: 100 }, "off"),
        def("target_group_health.dns_failover.minimum_healthy_targets.count", ValueRule::OffOrInt { min: 1, max: count_max }, "1"),
        def("target_group_health.dns_failover.minimum_healthy_targets.percentage", ValueRule::OffOrInt { min: 1, max: 100 }, "off"),
    ];
    let cross_zone = def("load_balancing.cross_zone.enabled", ValueRule::OneOf(&["true", "false", "use_load_balancer_configuration"]), "use_load_balancer_configuration");
    let dereg = def("deregistration_delay.timeout_seconds", ValueRule::Int { min: 0, max: 3600 }, "300");
    if tg.target_type == TargetType::Lambda {
        return vec![def("lambda.multi_value_headers.enabled", BOOL, "false")];
    }
    match tg.protocol {
        Some(Protocol::Http | Protocol::Https) => {
            let mut d = vec![
                def("stickiness.enabled", BOOL, "false"),
                dereg,
                def("stickiness.type", ValueRule::OneOf(&["lb_cookie", "app_cookie"]), "lb_cookie"),
                def("stickiness.lb_cookie.duration_seconds", ValueRule::Int { min: 1, max: 604_800 }, "86400"),
                def("stickiness.app_cookie.cookie_name", ValueRule::Text(255), ""),
                def("stickiness.app_cookie.duration_seconds", ValueRule::Int { min: 1, max: 604_800 }, "86400"),
                def("slow_start.duration_seconds", ValueRule::ZeroOrInt { min: 30, max: 900 }, "0"),
                def("load_balancing.algorithm.type", ValueRule::OneOf(&["round_robin", "least_outstanding_requests", "weighted_random"]), "round_robin"),
                def("load_balancing.algorithm.anomaly_mitigation", ValueRule::OneOf(&["on", "off"]), "off"),
                cross_zone,
            ];
            d.extend(health);
            d.extend(elbow_target_group_defs());
            d
        }
        Some(Protocol::Geneve) => vec![
            dereg,
            def("stickiness.enabled", BOOL, "false"),
            def("stickiness.type", ValueRule::OneOf(&["source_ip_dest_ip", "source_ip_dest_ip_proto"]), "source_ip_dest_ip_proto"),
            def("target_failover.on_deregistration", ValueRule::OneOf(&["rebalance", "no_rebalance"]), "no_rebalance"),
            def("target_failover.on_unhealthy", ValueRule::OneOf(&["rebalance", "no_rebalance"]), "no_rebalance"),
            def("send_tcp_reset.on_unhealthy.enabled", BOOL, "false"),
            def("send_tcp_reset.on_deregistration.enabled", BOOL, "false"),
        ],
        proto => {
            let udp = matches!(proto, Some(Protocol::Udp | Protocol::TcpUdp));
            let preserve_default = !(tg.target_type == TargetType::Ip && matches!(proto, Some(Protocol::Tcp | Protocol::Tls)));
            let mut d = vec![
                dereg,
                def("deregistration_delay.connection_termination.enabled", BOOL, if udp { "true" } else { "false" }),
                def("stickiness.enabled", BOOL, "false"),
                def("stickiness.type", ValueRule::OneOf(&["source_ip"]), "source_ip"),
                def("proxy_protocol_v2.enabled", BOOL, "false"),
                if udp {
                    // NLB guide, "Client IP preservation": enabled, and cannot be disabled, for
                    // UDP and TCP_UDP target groups.
                    def(
                        "preserve_client_ip.enabled",
                        ValueRule::Fixed { value: "true", reason: "client IP preservation cannot be disabled for UDP and TCP_UDP target groups" },
                        "true",
                    )
                } else {
                    def("preserve_client_ip.enabled", BOOL, if preserve_default { "true" } else { "false" })
                },
                cross_zone,
                def("target_health_state.unhealthy.connection_termination.enabled", BOOL, "true"),
                def("target_health_state.unhealthy.draining_interval_seconds", ValueRule::Int { min: 0, max: 360_000 }, "0"),
            ];
            d.extend(health);
            d
        }
    }
}

/// Attribute keys of a listener with this protocol, in AWS's Describe order (API reference
/// `ListenerAttribute`; ALB guide "HTTP header modification"; NLB guide "Update the TCP idle
/// timeout"): HTTP/HTTPS get the response-header keys (HTTPS also the mTLS/TLS header names),
/// TCP gets `tcp.idle_timeout.seconds` (60–6000 s, default 350), GENEVE also
/// `send_tcp_reset.on_idle_timeout.enabled`; TLS, UDP, TCP_UDP, QUIC and TCP_QUIC have none.
pub fn listener_defs(protocol: Protocol) -> Vec<AttributeDef> {
    match protocol {
        Protocol::Http | Protocol::Https => {
            let mut d = vec![def("routing.http.response.server.enabled", BOOL, "true")];
            d.push(def("routing.http.response.strict_transport_security.header_value", ValueRule::Text(1024), ""));
            d.push(def("routing.http.response.access_control_allow_origin.header_value", ValueRule::Text(1024), ""));
            d.push(def("routing.http.response.access_control_allow_methods.header_value", ValueRule::Text(1024), ""));
            d.push(def("routing.http.response.access_control_allow_headers.header_value", ValueRule::Text(1024), ""));
            d.push(def("routing.http.response.access_control_allow_credentials.header_value", ValueRule::Text(1024), ""));
            d.push(def("routing.http.response.access_control_expose_headers.header_value", ValueRule::Text(1024), ""));
            d.push(def("routing.http.response.access_control_max_age.header_value", ValueRule::Text(1024), ""));
            d.push(def("routing.http.response.content_security_policy.header_value", ValueRule::Text(1024), ""));
            d.push(def("routing.http.response.x_content_type_options.header_value", ValueRule::Text(1024), ""));
            d.push(def("routing.http.response.x_frame_options.header_value", ValueRule::Text(1024), ""));
            if protocol == Protocol::Https {
                d.push(def("routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name", ValueRule::HeaderName, "X-Amzn-Mtls-Clientcert-Serial-Number"));
                d.push(def("routing.http.request.x_amzn_mtls_clientcert_issuer.header_name", ValueRule::HeaderName, "X-Amzn-Mtls-Clientcert-Issuer"));
                d.push(def("routing.http.request.x_amzn_mtls_clientcert_subject.header_name", ValueRule::HeaderName, "X-Amzn-Mtls-Clientcert-Subject"));
                d.push(def("routing.http.request.x_amzn_mtls_clientcert_validity.header_name", ValueRule::HeaderName, "X-Amzn-Mtls-Clientcert-Validity"));
                d.push(def("routing.http.request.x_amzn_mtls_clientcert_leaf.header_name", ValueRule::HeaderName, "X-Amzn-Mtls-Clientcert-Leaf"));
                d.push(def("routing.http.request.x_amzn_mtls_clientcert.header_name", ValueRule::HeaderName, "X-Amzn-Mtls-Clientcert"));
                d.push(def("routing.http.request.x_amzn_tls_version.header_name", ValueRule::HeaderName, "X-Amzn-Tls-Version"));
                d.push(def("routing.http.request.x_amzn_tls_cipher_suite.header_name", ValueRule::HeaderName, "X-Amzn-Tls-Cipher-Suite"));
            }
            d
        }
        // Only TCP listeners have a modifiable idle timeout: a TLS listener's is fixed at 350 s
        // and UDP flows time out after 120 s (NLB guide, "Update the TCP idle timeout": "If the
        // listener uses a protocol other than TCP, this tab is not present").
        Protocol::Tcp => vec![def("tcp.idle_timeout.seconds", ValueRule::Int { min: 60, max: 6000 }, "350")],
        Protocol::Geneve => vec![
            def("tcp.idle_timeout.seconds", ValueRule::Int { min: 60, max: 6000 }, "350"),
            def("send_tcp_reset.on_idle_timeout.enabled", BOOL, "false"),
        ],
        Protocol::Tls | Protocol::TcpUdp | Protocol::TcpQuic | Protocol::Udp | Protocol::Quic => Vec::new(),
    }
}

/// Prefix of elbow's own attribute keys. AWS clients send any `^[a-zA-Z0-9._]+$` key, so these
/// travel through the same API calls; AWS itself would refuse them.
pub const ELBOW_PREFIX: &str = "elbow.";

/// Load balancer: seconds a request head may take to arrive (slowloris protection; ALB has only
/// its idle timeout).
pub const ELBOW_HEADER_TIMEOUT: &str = "elbow.routing.http.request_header_timeout_seconds";

/// Target group: consistent hashing key, `none` (use `load_balancing.algorithm.type`),
/// `source_ip` or `http_header` (as HAProxy `balance source`/`hdr`, Envoy `ring_hash`).
pub const ELBOW_HASH_KEY: &str = "elbow.load_balancing.hash_key";
/// Target group: the header hashed when the hash key is `http_header`.
pub const ELBOW_HASH_HEADER: &str = "elbow.load_balancing.hash_header_name";
/// Target group: retry idempotent requests once on another target when the connection fails or
/// closes before any response byte (ALB never retries).
pub const ELBOW_RETRY_ENABLED: &str = "elbow.retry.enabled";
/// Target group: seconds to wait for a response head before an idempotent request is retried
/// on another target (0 = wait for the idle timeout, as ALB).
pub const ELBOW_RETRY_TIMEOUT: &str = "elbow.retry.per_try_timeout_seconds";
/// Target group: failed requests in a row that take a target out of rotation until an active
/// health check passes (0 = off).
pub const ELBOW_PASSIVE_FAILURES: &str = "elbow.passive_health.consecutive_failures";

fn elbow_target_group_defs() -> [AttributeDef; 5] {
    [
        def(ELBOW_HASH_KEY, ValueRule::OneOf(&["none", "source_ip", "http_header"]), "none"),
        def(ELBOW_HASH_HEADER, ValueRule::Text(40), ""),
        def(ELBOW_RETRY_ENABLED, BOOL, "true"),
        def(ELBOW_RETRY_TIMEOUT, ValueRule::Int { min: 0, max: 4000 }, "0"),
        def(ELBOW_PASSIVE_FAILURES, ValueRule::Int { min: 0, max: 100 }, "2"),
    ]
}

/// The effective value of `key`: the set value, else the default; `None` if `key` does not
/// apply.
pub fn effective(defs: &[AttributeDef], set: &BTreeMap<String, String>, key: &str) -> Option<String> {
    let d = defs.iter().find(|d| d.key == key)?;
    Some(set.get(key).cloned().unwrap_or_else(|| d.default.clone()))
}

/// Every applicable key with its effective value, in definition order (what
/// `Describe…Attributes` returns).
pub fn describe(defs: &[AttributeDef], set: &BTreeMap<String, String>) -> Vec<(String, String)> {
    defs.iter()
        .map(|d| (d.key.to_string(), set.get(d.key).cloned().unwrap_or_else(|| d.default.clone())))
        .collect()
}

/// Checks one `key=value` against `defs`. `owner` names the resource kind in messages
/// ("Load balancer", "Target group", "Listener").
///
/// Errors: `ValidationError` naming the key when it is unknown or does not apply, or naming the
/// value and its allowed range when the value is out of range.
pub fn validate(defs: &[AttributeDef], owner: &str, key: &str, value: &str) -> Result<(), ModelError> {
    let field = format!("Attributes[{key}]");
    let Some(d) = defs.iter().find(|d| d.key == key) else {
        return Err(ModelError::invalid(field, format!("{owner} attribute key '{key}' is not recognized")));
    };
    let bad = |expect: String| {
        ModelError::invalid(field.clone(), format!("{owner} attribute '{key}' has an invalid value '{value}': {expect}"))
    };
    let int = |v: &str| v.parse::<i64>().ok();
    match d.rule {
        ValueRule::Bool => {
            if value != "true" && value != "false" {
                return Err(bad("must be 'true' or 'false'".into()));
            }
        }
        ValueRule::Int { min, max } => match int(value) {
            Some(n) if (min..=max).contains(&n) => {}
            _ => return Err(bad(format!("must be an integer from {min} to {max}"))),
        },
        ValueRule::ZeroOrInt { min, max } => match int(value) {
            Some(0) => {}
            Some(n) if (min..=max).contains(&n) => {}
            _ => return Err(bad(format!("must be 0 (off) or an integer from {min} to {max}"))),
        },
        ValueRule::OffOrInt { min, max } => {
            if value != "off" {
                match int(value) {
                    Some(n) if (min..=max).contains(&n) => {}
                    _ => return Err(bad(format!("must be 'off' or an integer from {min} to {max}"))),
                }
            }
        }
        ValueRule::OneOf(options) => {
            if !options.contains(&value) {
                return Err(bad(format!("must be one of [{}]", options.join(", "))));
            }
        }
        ValueRule::Text(max) => {
            if value.chars().count() > max {
                return Err(bad(format!("must be at most {max} characters")));
            }
        }
        ValueRule::Fixed { value: only, reason } => {
            if value != only {
                return Err(bad(format!("must be '{only}' ({reason})")));
            }
        }
        ValueRule::HeaderName => {
            if value.is_empty() || value.len() > 40 || !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(bad("must be a header name of 1 to 40 characters [A-Za-z0-9-]".into()));
            }
        }
    }
    Ok(())
}

/// The S3 log kinds of a load balancer (API reference `LoadBalancerAttribute`): each
/// `<kind>.s3.bucket` "is required if" `<kind>.s3.enabled` is true. NLBs have only `access_logs`.
const S3_LOGS: [&str; 3] = ["access_logs", "connection_logs", "health_check_logs"];

/// NLB: secondary IPs per subnet (API reference `LoadBalancerAttribute`: "After you set this
/// value, you can't decrease it").
pub const SECONDARY_IPS: &str = "secondary_ips.auto_assigned.per_subnet";
/// NLB target group: terminate connections to unhealthy targets.
pub const UNHEALTHY_TERMINATION: &str = "target_health_state.unhealthy.connection_termination.enabled";
/// NLB target group: how long an unhealthy target keeps its connections (`unhealthy.draining`).
pub const UNHEALTHY_DRAINING: &str = "target_health_state.unhealthy.draining_interval_seconds";

/// The attributes `changes` would leave: `current` with each change applied in order (the last
/// value of a key sent twice wins).
fn merge(current: &BTreeMap<String, String>, changes: &[(String, String)]) -> BTreeMap<String, String> {
    let mut merged = current.clone();
    for (k, v) in changes {
        merged.insert(k.clone(), v.clone());
    }
    merged
}

/// Rules of `ModifyLoadBalancerAttributes` that span several keys or depend on the current
/// value, checked on the state the call would leave before anything is applied. Each key of
/// `changes` must already have passed [`validate`]. A rule runs only when the call sets one of
/// its keys, so a state stored before the rule existed does not block unrelated changes.
///
/// * `<kind>.s3.enabled=true` needs a non-empty `<kind>.s3.bucket` (API reference
///   `LoadBalancerAttribute`; AWS answers `ValidationError: The value of
///   'access_logs.s3.bucket' cannot be empty`). elbow stores no logs (it has no S3), but keeps
///   and returns the configuration, so it refuses what AWS refuses.
/// * `secondary_ips.auto_assigned.per_subnet` may not decrease (API reference
///   `LoadBalancerAttribute`) — `InvalidConfigurationRequest`.
pub fn check_load_balancer_change(defs: &[AttributeDef], current: &BTreeMap<String, String>, changes: &[(String, String)]) -> Result<(), ModelError> {
    let merged = merge(current, changes);
    let touched = |k: &str| changes.iter().any(|(c, _)| c == k);
    let eff = |set: &BTreeMap<String, String>, k: &str| effective(defs, set, k);
    for kind in S3_LOGS {
        let (enabled, bucket) = (format!("{kind}.s3.enabled"), format!("{kind}.s3.bucket"));
        if !(touched(&enabled) || touched(&bucket)) {
            continue;
        }
        if eff(&merged, &enabled).as_deref() == Some("true") && eff(&merged, &bucket).is_some_and(|b| b.is_empty()) {
            // AWS's own wording (terraform-aws-modules/terraform-aws-alb#7).
            return Err(ModelError::invalid(format!("Attributes[{bucket}]"), format!("The value of '{bucket}' cannot be empty")));
        }
    }
    if touched(SECONDARY_IPS) {
        let n = |set: &BTreeMap<String, String>| eff(set, SECONDARY_IPS).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        let (old, new) = (n(current), n(&merged));
        if new < old {
            // The load balancer's nodes keep the addresses they were given.
            return Err(ModelError::InvalidConfiguration(format!(
                "The value of '{SECONDARY_IPS}' cannot be decreased from {old} to {new}: after you set this value, you can only increase it"
            )));
        }
    }
    Ok(())
}

/// Rules of `ModifyTargetGroupAttributes` that span several keys, checked on the state the call
/// would leave before anything is applied (as [`check_load_balancer_change`]; the ALB rules —
/// slow start, anomaly mitigation, app cookie name — are checked in `apply_elbv2`).
///
/// * `target_health_state.unhealthy.draining_interval_seconds` "can only be configured when
///   `target_health_state.unhealthy.connection_termination.enabled` is `false`" (API reference
///   `TargetGroupAttribute`); AWS refuses turning termination back on while an interval is set
///   with `InvalidConfigurationRequest: You cannot have b…` (issue #4648 of
///   kubernetes-sigs/aws-load-balancer-controller; the rest of AWS's message is not known).
///   elbow always accepts an interval of 0 (the default), so termination can be turned back on
///   by sending both keys in one call; whether AWS accepts that is not confirmed.
/// * GENEVE groups: `target_failover.on_deregistration` and `target_failover.on_unhealthy`
///   "can't be set independently. The value you set for both attributes must be the same" (API
///   reference `TargetGroupAttribute`).
pub fn check_target_group_change(defs: &[AttributeDef], current: &BTreeMap<String, String>, changes: &[(String, String)]) -> Result<(), ModelError> {
    let merged = merge(current, changes);
    let touched = |k: &str| changes.iter().any(|(c, _)| c == k);
    let eff = |k: &str| effective(defs, &merged, k);
    if (touched(UNHEALTHY_TERMINATION) || touched(UNHEALTHY_DRAINING))
        && let (Some(termination), Some(interval)) = (eff(UNHEALTHY_TERMINATION), eff(UNHEALTHY_DRAINING))
        && termination == "true"
        && interval != "0"
    {
        // Name the key this call got wrong: the interval if it set one, else the termination.
        let message = if changes.iter().any(|(k, v)| k == UNHEALTHY_DRAINING && v != "0") {
            format!("You cannot set '{UNHEALTHY_DRAINING}' to {interval} while '{UNHEALTHY_TERMINATION}' is 'true': the draining interval can only be configured when unhealthy connection termination is disabled")
        } else {
            format!("You cannot set '{UNHEALTHY_TERMINATION}' to 'true' while '{UNHEALTHY_DRAINING}' is {interval}: set '{UNHEALTHY_DRAINING}' to 0 in the same call")
        };
        return Err(ModelError::InvalidConfiguration(message));
    }
    let (dereg, unhealthy) = ("target_failover.on_deregistration", "target_failover.on_unhealthy");
    if (touched(dereg) || touched(unhealthy))
        && let (Some(a), Some(b)) = (eff(dereg), eff(unhealthy))
        && a != b
    {
        let bad = if touched(dereg) { dereg } else { unhealthy };
        return Err(ModelError::InvalidConfiguration(format!(
            "'{bad}' cannot be set independently: '{dereg}' ('{a}') and '{unhealthy}' ('{b}') must have the same value"
        )));
    }
    Ok(())
}

/// The effective value of a load-balancer attribute.
pub fn load_balancer_attribute(lb: &LoadBalancer, key: &str) -> Option<String> {
    effective(&load_balancer_defs(lb.kind, lb.scheme), &lb.attributes, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alb_defaults_match_aws() {
        let defs = load_balancer_defs(LoadBalancerType::Application, Scheme::InternetFacing);
        let set = BTreeMap::new();
        assert_eq!(effective(&defs, &set, "idle_timeout.timeout_seconds").as_deref(), Some("60"));
        assert_eq!(effective(&defs, &set, "routing.http.desync_mitigation_mode").as_deref(), Some("defensive"));
        assert_eq!(effective(&defs, &set, "tcp.idle_timeout.seconds"), None);
        let internal = load_balancer_defs(LoadBalancerType::Application, Scheme::Internal);
        assert_eq!(effective(&internal, &set, "ipv6.deny_all_igw_traffic").as_deref(), Some("true"));
    }

    #[test]
    fn ranges_are_enforced_with_the_key_named() {
        let defs = load_balancer_defs(LoadBalancerType::Application, Scheme::InternetFacing);
        assert!(validate(&defs, "Load balancer", "idle_timeout.timeout_seconds", "4000").is_ok());
        let e = validate(&defs, "Load balancer", "idle_timeout.timeout_seconds", "4001").unwrap_err();
        assert!(e.to_string().contains("idle_timeout.timeout_seconds"), "{e}");
        assert!(e.to_string().contains("1 to 4000"), "{e}");
        let e = validate(&defs, "Load balancer", "nope.key", "1").unwrap_err();
        assert_eq!(e.to_string(), "Load balancer attribute key 'nope.key' is not recognized");
        assert!(validate(&defs, "Load balancer", "routing.http2.enabled", "yes").is_err());
    }

    #[test]
    fn only_tcp_and_geneve_listeners_have_a_tcp_idle_timeout() {
        let keys = |p: Protocol| listener_defs(p).into_iter().map(|d| d.key).collect::<Vec<_>>();
        assert_eq!(keys(Protocol::Tcp), ["tcp.idle_timeout.seconds"]);
        assert_eq!(keys(Protocol::Geneve), ["tcp.idle_timeout.seconds", "send_tcp_reset.on_idle_timeout.enabled"]);
        for p in [Protocol::Tls, Protocol::Udp, Protocol::TcpUdp] {
            assert!(keys(p).is_empty(), "{p:?}: {:?}", keys(p));
        }
        let tcp = listener_defs(Protocol::Tcp);
        assert!(validate(&tcp, "Listener", "tcp.idle_timeout.seconds", "6000").is_ok());
        assert!(validate(&tcp, "Listener", "tcp.idle_timeout.seconds", "59").is_err());
        let e = validate(&listener_defs(Protocol::Tls), "Listener", "tcp.idle_timeout.seconds", "120").unwrap_err();
        assert!(e.to_string().contains("tcp.idle_timeout.seconds"), "{e}");
    }

    fn target_group(protocol: Protocol, target_type: TargetType) -> TargetGroup {
        use crate::target_group::{HealthCheck, HealthCheckPort, TargetGroupIpAddressType};
        TargetGroup {
            arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/0123456789abcdef".into(),
            name: "t".into(),
            id: "0123456789abcdef".into(),
            protocol: Some(protocol),
            protocol_version: None,
            port: Some(53),
            vpc_id: Some("vpc-1".into()),
            target_type,
            ip_address_type: TargetGroupIpAddressType::Ipv4,
            health_check: HealthCheck {
                enabled: true,
                protocol: Protocol::Tcp,
                port: HealthCheckPort::TrafficPort,
                path: None,
                interval_seconds: 30,
                timeout_seconds: 10,
                healthy_threshold: 5,
                unhealthy_threshold: 2,
                matcher: None,
            },
            attributes: BTreeMap::new(),
            tags: BTreeMap::new(),
            targets: Vec::new(),
            created_time: 0,
        }
    }

    #[test]
    fn nlb_target_group_defaults_follow_protocol_and_target_type() {
        let set = BTreeMap::new();
        let eff = |tg: &TargetGroup, k: &str| effective(&target_group_defs(tg), &set, k);
        let ip_tcp = target_group(Protocol::Tcp, TargetType::Ip);
        assert_eq!(eff(&ip_tcp, "preserve_client_ip.enabled").as_deref(), Some("false"));
        assert_eq!(eff(&ip_tcp, "deregistration_delay.connection_termination.enabled").as_deref(), Some("false"));
        assert_eq!(eff(&ip_tcp, "stickiness.type").as_deref(), Some("source_ip"));
        assert_eq!(eff(&ip_tcp, "slow_start.duration_seconds"), None, "an ALB-only key");
        let instance_tcp = target_group(Protocol::Tcp, TargetType::Instance);
        assert_eq!(eff(&instance_tcp, "preserve_client_ip.enabled").as_deref(), Some("true"));
        let udp = target_group(Protocol::Udp, TargetType::Ip);
        assert_eq!(eff(&udp, "preserve_client_ip.enabled").as_deref(), Some("true"));
        assert_eq!(eff(&udp, "deregistration_delay.connection_termination.enabled").as_deref(), Some("true"));
        let defs = target_group_defs(&udp);
        assert!(validate(&defs, "Target group", "preserve_client_ip.enabled", "true").is_ok());
        let e = validate(&defs, "Target group", "preserve_client_ip.enabled", "false").unwrap_err();
        assert!(e.to_string().contains("preserve_client_ip.enabled") && e.to_string().contains("UDP"), "{e}");
        // TCP groups may turn it off.
        assert!(validate(&target_group_defs(&instance_tcp), "Target group", "preserve_client_ip.enabled", "false").is_ok());
        let http = target_group(Protocol::Http, TargetType::Instance);
        assert_eq!(eff(&http, "stickiness.type").as_deref(), Some("lb_cookie"));
        assert_eq!(eff(&http, "preserve_client_ip.enabled"), None, "an NLB-only key");
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn s3_logs_cannot_be_enabled_without_a_bucket() {
        let alb = load_balancer_defs(LoadBalancerType::Application, Scheme::InternetFacing);
        let none = BTreeMap::new();
        for kind in ["access_logs", "connection_logs", "health_check_logs"] {
            let e = check_load_balancer_change(&alb, &none, &kv(&[(&format!("{kind}.s3.enabled"), "true")])).unwrap_err();
            assert_eq!(e, ModelError::invalid(format!("Attributes[{kind}.s3.bucket]"), format!("The value of '{kind}.s3.bucket' cannot be empty")));
            // With a bucket in the same call it is accepted (elbow stores and returns it).
            let ok = kv(&[(&format!("{kind}.s3.enabled"), "true"), (&format!("{kind}.s3.bucket"), "logs")]);
            assert!(check_load_balancer_change(&alb, &none, &ok).is_ok(), "{kind}");
        }
        // A bucket set earlier counts; clearing it while enabled does not.
        let with_bucket: BTreeMap<String, String> = kv(&[("access_logs.s3.bucket", "logs")]).into_iter().collect();
        assert!(check_load_balancer_change(&alb, &with_bucket, &kv(&[("access_logs.s3.enabled", "true")])).is_ok());
        let enabled: BTreeMap<String, String> = kv(&[("access_logs.s3.enabled", "true"), ("access_logs.s3.bucket", "logs")]).into_iter().collect();
        let e = check_load_balancer_change(&alb, &enabled, &kv(&[("access_logs.s3.bucket", "")])).unwrap_err();
        assert!(e.to_string().contains("'access_logs.s3.bucket'"), "{e}");
        // Disabling and clearing together is fine, and so is an unrelated key.
        assert!(check_load_balancer_change(&alb, &enabled, &kv(&[("access_logs.s3.enabled", "false"), ("access_logs.s3.bucket", "")])).is_ok());
        assert!(check_load_balancer_change(&alb, &none, &kv(&[("access_logs.s3.enabled", "false")])).is_ok());
        // NLBs have access logs only, under the same rule.
        let nlb = load_balancer_defs(LoadBalancerType::Network, Scheme::Internal);
        assert!(check_load_balancer_change(&nlb, &none, &kv(&[("access_logs.s3.enabled", "true")])).is_err());
    }

    #[test]
    fn secondary_ips_per_subnet_only_increase() {
        let nlb = load_balancer_defs(LoadBalancerType::Network, Scheme::InternetFacing);
        let none = BTreeMap::new();
        assert!(check_load_balancer_change(&nlb, &none, &kv(&[(SECONDARY_IPS, "2")])).is_ok());
        let two: BTreeMap<String, String> = kv(&[(SECONDARY_IPS, "2")]).into_iter().collect();
        assert!(check_load_balancer_change(&nlb, &two, &kv(&[(SECONDARY_IPS, "2")])).is_ok(), "same value");
        assert!(check_load_balancer_change(&nlb, &two, &kv(&[(SECONDARY_IPS, "7")])).is_ok());
        let e = check_load_balancer_change(&nlb, &two, &kv(&[(SECONDARY_IPS, "1")])).unwrap_err();
        assert!(matches!(e, ModelError::InvalidConfiguration(_)), "{e:?}");
        assert!(e.to_string().contains(SECONDARY_IPS) && e.to_string().contains("from 2 to 1"), "{e}");
    }

    #[test]
    fn unhealthy_draining_interval_needs_termination_off() {
        let defs = target_group_defs(&target_group(Protocol::Tcp, TargetType::Ip));
        let none = BTreeMap::new();
        // Termination is on by default.
        let e = check_target_group_change(&defs, &none, &kv(&[(UNHEALTHY_DRAINING, "30")])).unwrap_err();
        assert!(matches!(e, ModelError::InvalidConfiguration(_)), "{e:?}");
        assert!(e.to_string().starts_with(&format!("You cannot set '{UNHEALTHY_DRAINING}' to 30")), "{e}");
        let both = kv(&[(UNHEALTHY_TERMINATION, "false"), (UNHEALTHY_DRAINING, "30")]);
        assert!(check_target_group_change(&defs, &none, &both).is_ok());
        assert!(check_target_group_change(&defs, &none, &kv(&[(UNHEALTHY_DRAINING, "0")])).is_ok(), "0 is the default");
        // Turning termination back on while an interval is set is refused, naming termination;
        // sending the interval 0 with it is the way back.
        let draining: BTreeMap<String, String> = both.into_iter().collect();
        let e = check_target_group_change(&defs, &draining, &kv(&[(UNHEALTHY_TERMINATION, "true")])).unwrap_err();
        assert!(e.to_string().starts_with(&format!("You cannot set '{UNHEALTHY_TERMINATION}' to 'true'")), "{e}");
        assert!(check_target_group_change(&defs, &draining, &kv(&[(UNHEALTHY_TERMINATION, "true"), (UNHEALTHY_DRAINING, "0")])).is_ok());
        assert!(check_target_group_change(&defs, &draining, &kv(&[(UNHEALTHY_DRAINING, "60")])).is_ok());
    }

    #[test]
    fn geneve_target_failover_values_must_match() {
        let defs = target_group_defs(&target_group(Protocol::Geneve, TargetType::Ip));
        let none = BTreeMap::new();
        let e = check_target_group_change(&defs, &none, &kv(&[("target_failover.on_unhealthy", "rebalance")])).unwrap_err();
        assert!(matches!(e, ModelError::InvalidConfiguration(_)), "{e:?}");
        assert!(e.to_string().starts_with("'target_failover.on_unhealthy' cannot be set independently"), "{e}");
        let both = kv(&[("target_failover.on_deregistration", "rebalance"), ("target_failover.on_unhealthy", "rebalance")]);
        assert!(check_target_group_change(&defs, &none, &both).is_ok());
    }

    #[test]
    fn a_refused_modify_changes_nothing() {
        use crate::certificate::testing::{LB, R, TG, alb, elbv2};
        use crate::command::Elbv2Command;
        let s = alb();
        let modify = |s: &crate::snapshot::Snapshot, pairs: &[(&str, &str)]| {
            elbv2(s, Elbv2Command::ModifyLoadBalancerAttributes { arn: LB.into(), attributes: kv(pairs) })
        };
        let e = modify(&s, &[("deletion_protection.enabled", "true"), ("access_logs.s3.enabled", "true")]).unwrap_err();
        assert!(matches!(&e, ModelError::Invalid { field, .. } if field == "Attributes[access_logs.s3.bucket]"), "{e:?}");
        assert!(s.region(R).load_balancers[LB].attributes.is_empty());
        let s = modify(&s, &[("access_logs.s3.enabled", "true"), ("access_logs.s3.bucket", "logs"), ("access_logs.s3.prefix", "p")]).unwrap();
        let lb = &s.region(R).load_balancers[LB];
        assert_eq!(load_balancer_attribute(lb, "access_logs.s3.bucket").as_deref(), Some("logs"));
        // The ALB rules already checked in `apply_elbv2` still hold alongside the new ones.
        let e = elbv2(&s, Elbv2Command::ModifyTargetGroupAttributes { arn: TG.into(), attributes: kv(&[("load_balancing.algorithm.anomaly_mitigation", "on")]) }).unwrap_err();
        assert!(matches!(e, ModelError::InvalidConfiguration(_)), "{e:?}");
    }

    #[test]
    fn slow_start_accepts_zero_or_30_to_900() {
        let r = ValueRule::ZeroOrInt { min: 30, max: 900 };
        let defs = vec![def("slow_start.duration_seconds", r, "0")];
        for ok in ["0", "30", "900"] {
            assert!(validate(&defs, "Target group", "slow_start.duration_seconds", ok).is_ok(), "{ok}");
        }
        for bad in ["1", "29", "901", "x"] {
            assert!(validate(&defs, "Target group", "slow_start.duration_seconds", bad).is_err(), "{bad}");
        }
    }
}
