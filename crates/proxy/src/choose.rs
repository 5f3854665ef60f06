//! Choosing where a request goes, shared by the HTTP/1.1 and HTTP/2 front ends: the target group
//! of a (weighted) forward, the target (stickiness cookie, consistent hash, or the group's
//! algorithm), and the stickiness cookies the response must carry.

use std::net::SocketAddr;
use std::sync::Arc;

use balancer::Target;

use crate::routing::{ForwardRoute, HashOn, Stickiness, TargetGroupRoute};
use crate::sticky::{self, AWSALB, AWSALBAPP, AWSALBCORS, AWSALBTG, AWSALBTGCORS, AWSELB, Binding};
use crate::upstream::Upstream;

/// The parts of a request that choosing a target reads.
pub(crate) trait RequestCookies {
    /// The value of cookie `name`.
    fn cookie(&self, name: &str) -> Option<&[u8]>;
    /// The first value of header `name` (lower-case).
    fn header(&self, name: &[u8]) -> Option<&[u8]>;
}

pub(crate) fn epoch_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Picks the target group: the one a valid `AWSALBTG` cookie names, else by weight.
pub(crate) fn choose_group<'a>(fwd: &'a ForwardRoute, facts: &dyn RequestCookies, key: &sticky::CookieKey, now: u64) -> &'a Arc<TargetGroupRoute> {
    if fwd.groups.len() == 1 {
        return &fwd.groups[0].0;
    }
    if let Some(window) = fwd.group_stickiness {
        let cookie = facts.cookie(AWSALBTG).or_else(|| facts.cookie(AWSALBTGCORS));
        if let Some((Binding::Group { group }, issued)) = cookie.and_then(|c| key.open(c))
            && now.saturating_sub(issued) <= window.as_secs()
                && let Some((g, _)) = fwd.groups.iter().find(|(g, w)| g.id == group && *w > 0) {
                    return g;
                }
    }
    if fwd.total_weight == 0 {
        return &fwd.groups[0].0;
    }
    let mut r = (balancer::random() % u64::from(fwd.total_weight)) as u32;
    for (g, w) in &fwd.groups {
        if r < *w {
            return g;
        }
        r -= w;
    }
    &fwd.groups[0].0
}

/// The target a valid stickiness cookie names, if it is still routable.
pub(crate) fn sticky_target<'a>(group: &'a TargetGroupRoute, facts: &dyn RequestCookies, key: &sticky::CookieKey, now: u64) -> Option<&'a Arc<Target<Upstream>>> {
    let (cookie, window) = match group.stickiness.as_ref()? {
        Stickiness::LbCookie { duration, classic: true } | Stickiness::AppCookie { duration, classic: true, .. } => (facts.cookie(AWSELB)?, *duration),
        Stickiness::LbCookie { duration, classic: false } => (facts.cookie(AWSALB).or_else(|| facts.cookie(AWSALBCORS))?, *duration),
        Stickiness::AppCookie { duration, .. } => (facts.cookie(AWSALBAPP)?, *duration),
    };
    let (Binding::Target { group: g, addr }, issued) = key.open(cookie)? else { return None };
    if g != group.id || now.saturating_sub(issued) > window.as_secs() {
        return None;
    }
    // A sticky target that is draining, gone or unhealthy is replaced (and the cookie re-issued).
    group.balancer.find(addr).filter(|t| group.balancer.is_routable(t))
}

pub(crate) fn hash_of(group: &TargetGroupRoute, facts: &dyn RequestCookies, peer: SocketAddr) -> Option<u64> {
    match &group.hash {
        HashOn::None => None,
        HashOn::SourceIp => Some(match peer.ip() {
            std::net::IpAddr::V4(v4) => balancer::hash_key(&v4.octets()),
            std::net::IpAddr::V6(v6) => balancer::hash_key(&v6.octets()),
        }),
        HashOn::Header(name) => facts.header(name).map(balancer::hash_key),
    }
}

/// What the response must carry for stickiness.
pub(crate) struct CookiePlan {
    /// The target chosen, when the group is sticky.
    pub target: Option<(u64, SocketAddr)>,
    /// `lb_cookie` stickiness: `AWSALB`/`AWSALBCORS` on every response.
    pub lb_cookie: bool,
    /// `app_cookie` stickiness: `AWSALBAPP-0` when the response sets this cookie.
    pub app_cookie: Option<String>,
    /// Target-group stickiness: `AWSALBTG`/`AWSALBTGCORS` naming this group.
    pub group: Option<u64>,
    /// A Classic Load Balancer's stickiness: the target cookie is `AWSELB`.
    pub classic: bool,
}

impl CookiePlan {
    /// The plan for a request `fwd` sends to `group`; the target is filled in once chosen.
    pub(crate) fn new(group: &TargetGroupRoute, fwd: &ForwardRoute) -> CookiePlan {
        CookiePlan {
            target: None,
            lb_cookie: matches!(group.stickiness, Some(Stickiness::LbCookie { .. })),
            app_cookie: match &group.stickiness {
                Some(Stickiness::AppCookie { name, .. }) => Some(name.clone()),
                _ => None,
            },
            group: (fwd.groups.len() > 1 && fwd.group_stickiness.is_some()).then_some(group.id),
            classic: matches!(group.stickiness, Some(Stickiness::LbCookie { classic: true, .. } | Stickiness::AppCookie { classic: true, .. })),
        }
    }
}

pub(crate) fn cookie_lines(plan: &CookiePlan, key: &sticky::CookieKey, response_sets_app_cookie: bool, now: u64) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some((group, addr)) = plan.target {
        let value = key.seal(Binding::Target { group, addr }, now);
        if plan.classic && (plan.lb_cookie || response_sets_app_cookie) {
            sticky::write_set_cookie(&mut out, AWSELB, &value, false);
        } else if plan.lb_cookie {
            sticky::write_set_cookie(&mut out, AWSALB, &value, false);
            sticky::write_set_cookie(&mut out, AWSALBCORS, &value, true);
        } else if plan.app_cookie.is_some() && response_sets_app_cookie {
            sticky::write_set_cookie(&mut out, AWSALBAPP, &value, false);
        }
    }
    if let Some(group) = plan.group {
        let value = key.seal(Binding::Group { group }, now);
        sticky::write_set_cookie(&mut out, AWSALBTG, &value, false);
        sticky::write_set_cookie(&mut out, AWSALBTGCORS, &value, true);
    }
    out
}

