//! What a listener does with a request, compiled from a snapshot: the settings of its load
//! balancer that the data plane honours, its rules, and their actions with target groups
//! resolved to balancers. A listener swaps its [`ListenerRoutes`] atomically; requests in flight
//! keep the one they loaded.

use std::sync::Arc;
use std::time::Duration;

use balancer::TargetGroupBalancer;
use model::listener::{FixedResponseConfig, RedirectConfig};

pub use crate::h1::desync::Mode as DesyncMode;
use crate::rules::RuleSet;
use crate::upstream::Upstream;

/// How `X-Forwarded-For` is handled (`routing.http.xff_header_processing.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XffMode {
    /// Append the client address (default).
    Append,
    /// Forward the header unchanged.
    Preserve,
    /// Remove the header.
    Remove,
}

/// Target stickiness of a target group (`stickiness.type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stickiness {
    /// `lb_cookie`: cookies `AWSALB`/`AWSALBCORS`, valid for `duration` after the last request.
    LbCookie {
        /// `stickiness.lb_cookie.duration_seconds`.
        duration: Duration,
        /// A Classic Load Balancer's policy: the cookie is `AWSELB`, without a CORS copy.
        classic: bool,
    },
    /// `app_cookie`: cookie `AWSALBAPP-0`, issued when the target sets cookie `name`.
    AppCookie {
        /// `stickiness.app_cookie.cookie_name`.
        name: String,
        /// `stickiness.app_cookie.duration_seconds`.
        duration: Duration,
        /// A Classic Load Balancer's policy: the cookie is `AWSELB`.
        classic: bool,
    },
}

/// What consistent hashing hashes (`elbow.load_balancing.hash_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashOn {
    /// No hashing: the group's algorithm picks.
    None,
    /// The client's address.
    SourceIp,
    /// The first value of this header (lower-case name); requests without it use the algorithm.
    Header(Vec<u8>),
}

/// How requests reach targets of this group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetProtocol {
    /// HTTP/1.1 (`ProtocolVersion` HTTP1).
    Http1,
    /// HTTP/2 (`ProtocolVersion` HTTP2 or GRPC): cleartext h2c, or h2 over TLS for HTTPS groups.
    Http2 {
        /// `GRPC`: elbow-generated errors carry `grpc-status`.
        grpc: bool,
    },
}

/// A target group as the data plane uses it.
#[derive(Debug)]
pub struct TargetGroupRoute {
    /// Its ARN.
    pub arn: String,
    /// Its id (the ARN's 16 hex digits), sealed in stickiness cookies.
    pub id: u64,
    /// The routable targets and how to pick one.
    pub balancer: TargetGroupBalancer<Upstream>,
    /// Target stickiness, if enabled.
    pub stickiness: Option<Stickiness>,
    /// Consistent hashing key (elbow extension).
    pub hash: HashOn,
    /// Retry idempotent requests once on another target (elbow extension).
    pub retry: bool,
    /// Wait at most this for a response head before retrying an idempotent request.
    pub per_try_timeout: Option<Duration>,
    /// Failed requests in a row that eject a target (0 = off).
    pub passive_failures: u32,
    /// Protocol to targets.
    pub protocol: TargetProtocol,
    /// Layer-4 groups: `proxy_protocol_v2.enabled` (a PROXY protocol v2 header before the
    /// first byte to the target).
    pub proxy_protocol_v2: bool,
    /// Layer-4 groups of Classic Load Balancers whose back-end port has a
    /// `ProxyProtocolPolicyType` policy: the PROXY protocol version 1 line before the first byte.
    pub proxy_protocol_v1: bool,
    /// TLS target groups: the client configuration toward targets (no certificate
    /// verification, as NLB).
    pub target_tls: Option<Arc<rustls::ClientConfig>>,
}

/// A `forward` action: one target group, or several with weights.
#[derive(Debug)]
pub struct ForwardRoute {
    /// Target groups and their weights (0–999).
    pub groups: Vec<(Arc<TargetGroupRoute>, u32)>,
    /// Sum of the weights.
    pub total_weight: u32,
    /// `TargetGroupStickinessConfig`: stick to the group first chosen for this long.
    pub group_stickiness: Option<Duration>,
}

/// A compiled terminal action.
#[derive(Debug, Clone)]
pub enum RouteAction {
    /// Forward to a target group (possibly weighted across several).
    Forward(Arc<ForwardRoute>),
    /// Answer with a fixed response.
    FixedResponse(Arc<FixedResponseConfig>),
    /// Answer with a redirect.
    Redirect(Arc<RedirectConfig>),
}

/// Everything one listener needs per request.
#[derive(Debug)]
pub struct ListenerRoutes {
    /// The listener's ARN.
    pub listener_arn: String,
    /// Its port (`X-Forwarded-Port`, Host normalisation).
    pub port: u16,
    /// `http` or `https` (`X-Forwarded-Proto`).
    pub scheme: &'static str,
    /// `idle_timeout.timeout_seconds`.
    pub idle_timeout: Duration,
    /// `client_keep_alive.seconds`: the longest a client connection is kept.
    pub client_keep_alive: Duration,
    /// `elbow.routing.http.request_header_timeout_seconds`: a request head must arrive whole
    /// within this.
    pub header_timeout: Duration,
    /// `routing.http.desync_mitigation_mode`.
    pub desync: DesyncMode,
    /// `routing.http.xff_header_processing.mode`.
    pub xff: XffMode,
    /// `routing.http.xff_client_port.enabled`.
    pub xff_client_port: bool,
    /// `routing.http.preserve_host_header.enabled`.
    pub preserve_host: bool,
    /// `routing.http.drop_invalid_header_fields.enabled`.
    pub drop_invalid_headers: bool,
    /// Listener `routing.http.response.server.enabled`.
    pub server_header: bool,
    /// HTTPS listeners: the TLS configuration the next handshake uses (certificates by SNI,
    /// security policy, ALPN).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// `routing.http.x_amzn_tls_version_and_cipher_suite.enabled`.
    pub tls_headers: bool,
    /// The node's key for stickiness cookies.
    pub cookie_key: Arc<crate::sticky::CookieKey>,
    /// The listener's rules, by priority.
    pub rules: RuleSet,
    /// The default rule's terminal action.
    pub default_action: RouteAction,
}
