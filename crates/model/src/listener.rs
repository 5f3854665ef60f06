//! ELBv2 listeners, their rules, conditions and actions (API reference: `Listener`, `Rule`,
//! `RuleCondition`, `Action`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws_enum;
use crate::ids::Millis;
use crate::target_group::Protocol;

aws_enum! {
    /// `ActionTypeEnum`.
    pub enum ActionType {
        /// Send to one or more target groups.
        Forward = "forward",
        /// OpenID Connect authentication (HTTPS listeners).
        AuthenticateOidc = "authenticate-oidc",
        /// Amazon Cognito authentication (HTTPS listeners).
        AuthenticateCognito = "authenticate-cognito",
        /// Answer with a redirect.
        Redirect = "redirect",
        /// Answer with a fixed status, content type and body.
        FixedResponse = "fixed-response",
        /// Validate a JWT bearer token.
        JwtValidation = "jwt-validation",
    }
}

aws_enum! {
    /// `RedirectActionStatusCodeEnum`.
    pub enum RedirectStatusCode {
        /// Moved Permanently.
        Http301 = "HTTP_301",
        /// Found.
        Http302 = "HTTP_302",
    }
}

/// One target group of a weighted `forward` (`TargetGroupTuple`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedTargetGroup {
    /// The target group.
    pub target_group_arn: String,
    /// Relative weight 0–999 (AWS's default when omitted is 1).
    pub weight: Option<u32>,
}

/// `TargetGroupStickinessConfig` of a weighted forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TargetGroupStickiness {
    /// Whether requests stick to the target group first chosen.
    pub enabled: Option<bool>,
    /// 1–604800 seconds.
    pub duration_seconds: Option<u32>,
}

/// `ForwardConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ForwardConfig {
    /// Up to 5 target groups with weights.
    pub target_groups: Vec<WeightedTargetGroup>,
    /// Target-group stickiness (cookie `AWSALBTG`).
    pub stickiness: Option<TargetGroupStickiness>,
}

/// `RedirectConfig`: each part may use `#{protocol}`, `#{host}`, `#{port}`, `#{path}`, `#{query}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectConfig {
    /// `HTTP`, `HTTPS` or `#{protocol}`.
    pub protocol: Option<String>,
    /// 1–65535 or `#{port}`.
    pub port: Option<String>,
    /// Host name, 1–128 characters.
    pub host: Option<String>,
    /// Absolute path starting with `/`, 1–128 characters.
    pub path: Option<String>,
    /// Query without the leading `?`, 0–128 characters.
    pub query: Option<String>,
    /// `HTTP_301` or `HTTP_302`.
    pub status_code: RedirectStatusCode,
}

/// `FixedResponseConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedResponseConfig {
    /// Up to 1024 bytes.
    pub message_body: Option<String>,
    /// `2XX`, `4XX` or `5XX` as three digits.
    pub status_code: String,
    /// `text/plain`, `text/css`, `text/html`, `application/javascript` or `application/json`.
    pub content_type: Option<String>,
}

/// A listener or rule action (`Action`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// What the action does.
    #[serde(rename = "type")]
    pub kind: ActionType,
    /// 1–50000; order among the actions of one rule.
    pub order: Option<u32>,
    /// Single target group of a `forward` (also mirrored into `forward`).
    pub target_group_arn: Option<String>,
    /// `forward` details.
    pub forward: Option<ForwardConfig>,
    /// `redirect` details.
    pub redirect: Option<RedirectConfig>,
    /// `fixed-response` details.
    pub fixed_response: Option<FixedResponseConfig>,
}

impl Action {
    /// Every target group this action can send to.
    pub fn target_group_arns(&self) -> impl Iterator<Item = &str> {
        let single = self.target_group_arn.as_deref();
        let weighted = self
            .forward
            .iter()
            .flat_map(|f| f.target_groups.iter().map(|t| t.target_group_arn.as_str()))
            .filter(move |a| Some(*a) != single);
        single.into_iter().chain(weighted)
    }
}

/// `HttpHeaderConditionConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpHeaderCondition {
    /// Header name, case-insensitive, not `Host`.
    pub name: String,
    /// Values with `*` and `?` wildcards, case-insensitive.
    pub values: Vec<String>,
}

/// One `QueryStringKeyValuePair`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryStringPair {
    /// Optional key; absent matches any key.
    pub key: Option<String>,
    /// Value with wildcards.
    pub value: String,
}

/// A rule condition (`RuleCondition`), normalised: the legacy `Values` of `host-header` and
/// `path-pattern` are folded into `values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCondition {
    /// `host-header`, `path-pattern`, `http-header`, `http-request-method`, `query-string` or
    /// `source-ip`.
    pub field: String,
    /// Values of host-header, path-pattern, http-request-method and source-ip conditions.
    #[serde(default)]
    pub values: Vec<String>,
    /// For `http-header`.
    pub http_header: Option<HttpHeaderCondition>,
    /// For `query-string`.
    #[serde(default)]
    pub query_string: Vec<QueryStringPair>,
}

/// A listener as stored. The default rule's actions are `default_actions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    /// `…:listener/app/<lb-name>/<lb-id>/<id>`.
    pub arn: String,
    /// 16 hex digits.
    pub id: String,
    /// The load balancer it belongs to.
    pub load_balancer_arn: String,
    /// 1–65535; unique per elbow node's listen address.
    pub port: u16,
    /// HTTP or HTTPS (ALB); TCP, TLS, UDP, TCP_UDP (NLB).
    pub protocol: Protocol,
    /// Security policy name for HTTPS/TLS listeners.
    pub ssl_policy: Option<String>,
    /// Default certificate ARN for HTTPS/TLS listeners.
    pub certificate_arn: Option<String>,
    /// Extra certificates for SNI (`AddListenerCertificates`).
    #[serde(default)]
    pub sni_certificate_arns: Vec<String>,
    /// The default rule's actions.
    pub default_actions: Vec<Action>,
    /// ALPN policy names for TLS listeners.
    #[serde(default)]
    pub alpn_policy: Vec<String>,
    /// ARN id of the default rule.
    pub default_rule_id: String,
    /// Attribute values explicitly set.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Creation time.
    #[serde(default)]
    pub created_time: Millis,
}

/// A non-default listener rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// `…:listener-rule/app/<lb-name>/<lb-id>/<listener-id>/<id>`.
    pub arn: String,
    /// The listener it belongs to.
    pub listener_arn: String,
    /// 1–50000, unique per listener; lower is evaluated first.
    pub priority: u32,
    /// Conditions, all of which must match.
    pub conditions: Vec<RuleCondition>,
    /// Actions, the last one terminal.
    pub actions: Vec<Action>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}
