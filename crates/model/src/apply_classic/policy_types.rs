//! The classic load balancer's policy types (`DescribeLoadBalancerPolicyTypes`) and AWS's
//! predefined SSL negotiation policies (`DescribeLoadBalancerPolicies` without a load
//! balancer), from the ELB API reference and the Classic Load Balancer guide ("Predefined SSL
//! security policies for Classic Load Balancers").

use crate::classic::ClassicPolicy;

/// `PolicyAttributeTypeDescription`: one attribute a policy type takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyAttributeType {
    /// `AttributeName`.
    pub name: &'static str,
    /// `AttributeType`: `Boolean`, `Long`, `String` or `PolicyName`.
    pub attribute_type: &'static str,
    /// `Description`.
    pub description: &'static str,
    /// `DefaultValue`, if any.
    pub default_value: Option<&'static str>,
    /// `Cardinality`: `ONE`, `ZERO_OR_ONE`, `ZERO_OR_MORE` or `ONE_OR_MORE`.
    pub cardinality: &'static str,
}

/// `PolicyTypeDescription`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyType {
    /// `PolicyTypeName`.
    pub name: &'static str,
    /// `Description`.
    pub description: &'static str,
    /// `PolicyAttributeTypeDescriptions`; for `SSLNegotiationPolicyType` cipher names are also
    /// accepted (see [`accepts_attribute`]).
    pub attributes: &'static [PolicyAttributeType],
}

/// `ProxyProtocolPolicyType`.
pub const PROXY_PROTOCOL: &str = "ProxyProtocolPolicyType";
/// `AppCookieStickinessPolicyType`.
pub const APP_COOKIE: &str = "AppCookieStickinessPolicyType";
/// `LBCookieStickinessPolicyType`.
pub const LB_COOKIE: &str = "LBCookieStickinessPolicyType";
/// `SSLNegotiationPolicyType`.
pub const SSL_NEGOTIATION: &str = "SSLNegotiationPolicyType";
/// `BackendServerAuthenticationPolicyType`.
pub const BACKEND_AUTHENTICATION: &str = "BackendServerAuthenticationPolicyType";
/// `PublicKeyPolicyType`.
pub const PUBLIC_KEY: &str = "PublicKeyPolicyType";

const fn attr(name: &'static str, attribute_type: &'static str, description: &'static str, default_value: Option<&'static str>, cardinality: &'static str) -> PolicyAttributeType {
    PolicyAttributeType { name, attribute_type, description, default_value, cardinality }
}

const TYPES: [PolicyType; 6] = [
    PolicyType {
        name: SSL_NEGOTIATION,
        description: "Listener policy that defines the ciphers and protocols that will be accepted by the load balancer. This policy can be associated only with HTTPS/SSL listeners.",
        attributes: &[
            attr("Reference-Security-Policy", "String", "Name of a predefined security policy (ELBSecurityPolicy-*) whose protocols and ciphers to use.", None, "ZERO_OR_ONE"),
            attr("Protocol-SSLv2", "Boolean", "Enable SSLv2 protocol.", Some("false"), "ZERO_OR_ONE"),
            attr("Protocol-SSLv3", "Boolean", "Enable SSLv3 protocol.", Some("false"), "ZERO_OR_ONE"),
            attr("Protocol-TLSv1", "Boolean", "Enable TLSv1 protocol.", Some("true"), "ZERO_OR_ONE"),
            attr("Protocol-TLSv1.1", "Boolean", "Enable TLSv1.1 protocol.", Some("true"), "ZERO_OR_ONE"),
            attr("Protocol-TLSv1.2", "Boolean", "Enable TLSv1.2 protocol.", Some("true"), "ZERO_OR_ONE"),
            attr("Server-Defined-Cipher-Order", "Boolean", "Use the server's cipher order instead of the client's.", Some("false"), "ZERO_OR_ONE"),
        ],
    },
    PolicyType {
        name: PROXY_PROTOCOL,
        description: "Policy that controls whether to include the IP address and port of the originating request for TCP messages. This policy operates on TCP listeners only.",
        attributes: &[attr("ProxyProtocol", "Boolean", "Enable Proxy Protocol.", None, "ONE")],
    },
    PolicyType {
        name: APP_COOKIE,
        description: "Stickiness policy with session lifetimes controlled by the lifetime of the application-generated cookie. This policy can be associated only with HTTP/HTTPS listeners.",
        attributes: &[attr("CookieName", "String", "Name of the application cookie used for stickiness.", None, "ONE")],
    },
    PolicyType {
        name: LB_COOKIE,
        description: "Stickiness policy with session lifetimes controlled by the browser (user-agent) or a specified expiration period. This policy can be associated only with HTTP/HTTPS listeners.",
        attributes: &[attr("CookieExpirationPeriod", "Long", "The time period, in seconds, after which the cookie should be considered stale. Not specifying this parameter indicates that the stickiness session will last for the duration of the browser session.", None, "ZERO_OR_ONE")],
    },
    PolicyType {
        name: BACKEND_AUTHENTICATION,
        description: "Policy that controls authentication to back-end server(s) and contains one or more policies, such as an instance of a PublicKeyPolicyType. This policy can be associated only with back-end servers that are using HTTPS/SSL.",
        attributes: &[attr("PublicKeyPolicyName", "PolicyName", "A list of public key policies to use for authentication.", None, "ONE_OR_MORE")],
    },
    PolicyType {
        name: PUBLIC_KEY,
        description: "Policy containing a list of public keys to accept when authenticating the back-end server(s). This policy cannot be applied directly to back-end servers or listeners but must be part of a BackendServerAuthenticationPolicyType.",
        attributes: &[attr("PublicKey", "String", "A public key in PEM format (without the BEGIN and END lines).", None, "ONE")],
    },
];

/// Every policy type, in the order `DescribeLoadBalancerPolicyTypes` lists them.
pub fn all() -> &'static [PolicyType] {
    &TYPES
}

/// The policy type named `name` (exact, as AWS matches it).
pub fn find(name: &str) -> Option<&'static PolicyType> {
    TYPES.iter().find(|t| t.name == name)
}

/// True if policies of type `t` may carry an attribute called `name`: the type's own
/// attributes, and for SSL negotiation any OpenSSL cipher name AWS knows.
pub fn accepts_attribute(t: &PolicyType, name: &str) -> bool {
    t.attributes.iter().any(|a| a.name == name) || (t.name == SSL_NEGOTIATION && is_cipher_name(name))
}

fn is_cipher_name(name: &str) -> bool {
    crate::ssl_policy::all().iter().any(|p| p.ciphers.contains(&name)) || crate::ssl_policy::iana_name(name).is_some()
}

/// The predefined SSL policies a classic load balancer can name (Classic Load Balancer guide).
const PREDEFINED: [&str; 6] = [
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-TLS-1-0-2015-04",
];

/// The predefined `SSLNegotiationPolicyType` policies with their protocol and cipher
/// attributes (`Protocol-…`, `Server-Defined-Cipher-Order`, one `true` per cipher), as
/// `DescribeLoadBalancerPolicies` lists them without a load balancer.
pub fn predefined_policies() -> Vec<ClassicPolicy> {
    PREDEFINED.iter().filter_map(|n| predefined_policy(n)).collect()
}

/// The predefined policy `name`, if AWS offers it to classic load balancers.
pub fn predefined_policy(name: &str) -> Option<ClassicPolicy> {
    if !PREDEFINED.contains(&name) {
        return None;
    }
    let p = crate::ssl_policy::find(name)?;
    let mut attributes: Vec<(String, String)> = Vec::new();
    for proto in ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"] {
        attributes.push((format!("Protocol-{proto}"), p.protocols.contains(&proto).to_string()));
    }
    attributes.push(("Server-Defined-Cipher-Order".into(), "true".into()));
    for c in p.ciphers.iter().filter(|c| !c.starts_with("TLS_")) {
        attributes.push(((*c).to_string(), "true".into()));
    }
    Some(ClassicPolicy { name: name.to_string(), type_name: SSL_NEGOTIATION.into(), attributes })
}

/// The policy a new HTTPS or SSL listener gets when its load balancer has none of that name:
/// [`crate::ssl_policy::DEFAULT`] with its `Reference-Security-Policy`.
pub fn default_ssl_negotiation_policy() -> ClassicPolicy {
    let mut p = predefined_policy(crate::ssl_policy::DEFAULT).unwrap_or_else(|| ClassicPolicy { name: crate::ssl_policy::DEFAULT.into(), type_name: SSL_NEGOTIATION.into(), attributes: Vec::new() });
    p.attributes.insert(0, ("Reference-Security-Policy".into(), crate::ssl_policy::DEFAULT.into()));
    p
}
