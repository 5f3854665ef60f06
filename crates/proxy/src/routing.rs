//! What a listener does with a request, compiled from a snapshot: the settings of its load
//! balancer that the data plane honours, and its actions with target groups resolved to
//! balancers. A listener swaps its [`ListenerRoutes`] atomically; requests in flight keep the
//! one they loaded.

use std::sync::Arc;
use std::time::Duration;

use balancer::TargetGroupBalancer;
use model::listener::{FixedResponseConfig, RedirectConfig};

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

/// A target group as the data plane uses it.
#[derive(Debug)]
pub struct TargetGroupRoute {
    /// Its ARN.
    pub arn: String,
    /// The routable targets.
    pub balancer: TargetGroupBalancer<Upstream>,
}

/// A compiled action.
#[derive(Debug, Clone)]
pub enum RouteAction {
    /// Forward to a target group.
    Forward(Arc<TargetGroupRoute>),
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
    /// The default rule's terminal action.
    pub default_action: RouteAction,
}
