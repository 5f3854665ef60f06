//! One request expressed as `http` types: rules, the action, and for `forward` the same choice
//! of target group and target as the HTTP/1.1 path, then HTTP/1.1 or HTTP/2 to the target by the
//! group's `ProtocolVersion`. gRPC requests get elbow-generated errors as gRPC statuses.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;

use super::facts::H2Facts;
use super::headers::{rewrite_request, strip_hop_by_hop};
use super::to_h1::Failure;
use super::{ProxyBody, to_h1, to_h2};
use crate::choose::{CookiePlan, choose_group, cookie_lines, epoch_secs, hash_of, sticky_target};
use crate::routing::{ForwardRoute, ListenerRoutes, RouteAction, TargetProtocol};

fn full(b: impl Into<Bytes>) -> ProxyBody {
    Full::new(b.into()).map_err(|never| match never {}).boxed_unsync()
}

fn is_grpc(req: &Request<Incoming>) -> bool {
    req.headers().get(http::header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"))
}

/// The gRPC status for an HTTP status elbow generates (gRPC's "HTTP to gRPC status mapping").
fn grpc_status(status: u16) -> u8 {
    match status {
        400 | 463 => 13,
        401 => 16,
        403 => 7,
        404 | 464 => 12,
        408 | 504 => 4,
        _ => 14,
    }
}

/// An error as ALB generates it, or as a gRPC status (trailers-only response) for gRPC requests.
pub fn error(status: u16, grpc: bool, server: bool) -> Response<ProxyBody> {
    if grpc {
        let mut r = Response::new(full(Bytes::new()));
        let h = r.headers_mut();
        h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        h.insert("grpc-status", HeaderValue::from(u16::from(grpc_status(status))));
        if let Ok(v) = HeaderValue::from_str(&format!("elbow: {status} {}", crate::h1::rewrite::reason_phrase(status))) {
            h.insert("grpc-message", v);
        }
        return r;
    }
    let reason = crate::h1::rewrite::reason_phrase(status);
    let body = format!("<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n");
    let mut r = Response::new(full(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let h = r.headers_mut();
    h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    if server {
        h.insert(http::header::SERVER, HeaderValue::from_static("awselb/2.0"));
    }
    r
}

/// Handles one request from an HTTP/2 client.
pub async fn handle(req: Request<Incoming>, r: Arc<ListenerRoutes>, peer: SocketAddr) -> Response<ProxyBody> {
    let grpc = is_grpc(&req);
    let (parts, body) = req.into_parts();
    let action = {
        let facts = H2Facts::new(&parts, peer.ip());
        r.rules.route(&facts).unwrap_or(&r.default_action).clone()
    };
    match &action {
        RouteAction::FixedResponse(f) => {
            let status: u16 = f.status_code.parse().unwrap_or(200);
            let mut resp = Response::new(full(f.message_body.clone().unwrap_or_default()));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let ct = f.content_type.as_deref().unwrap_or("text/plain; charset=utf-8");
            resp.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap_or(HeaderValue::from_static("text/plain")));
            resp
        }
        RouteAction::Redirect(c) => {
            let location = redirect_location(&parts, &r, c);
            let mut resp = Response::new(full(Bytes::new()));
            *resp.status_mut() = match c.status_code {
                model::listener::RedirectStatusCode::Http301 => StatusCode::MOVED_PERMANENTLY,
                model::listener::RedirectStatusCode::Http302 => StatusCode::FOUND,
            };
            if let Ok(v) = HeaderValue::from_str(&location) {
                resp.headers_mut().insert(http::header::LOCATION, v);
            }
            resp
        }
        RouteAction::Forward(fwd) => forward(parts, body, &r, fwd, peer, grpc).await,
    }
}

fn redirect_location(parts: &http::request::Parts, r: &ListenerRoutes, c: &model::listener::RedirectConfig) -> String {
    // Reuse the HTTP/1.1 builder on a synthetic head: same templates, same rules.
    let host = H2Facts::new(parts, std::net::Ipv4Addr::UNSPECIFIED.into()).authority().unwrap_or("").to_string();
    let head = format!("GET {} HTTP/1.1\r\nHost: {host}\r\n\r\n", parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    match crate::h1::head::parse_request(head.as_bytes()) {
        Ok(Some(h)) => String::from_utf8_lossy(&crate::h1::redirect_location(head.as_bytes(), &h, r, c)).into_owned(),
        _ => format!("{}://{host}/", r.scheme),
    }
}

async fn forward(mut parts: http::request::Parts, body: Incoming, r: &ListenerRoutes, fwd: &ForwardRoute, peer: SocketAddr, grpc: bool) -> Response<ProxyBody> {
    let now = epoch_secs();
    let (group, sticky, hash) = {
        let facts = H2Facts::new(&parts, peer.ip());
        let group = choose_group(fwd, &facts, &r.cookie_key, now).clone();
        let sticky = sticky_target(&group, &facts, &r.cookie_key, now).cloned();
        let hash = hash_of(&group, &facts, peer);
        (group, sticky, hash)
    };
    let to_http2 = matches!(group.protocol, TargetProtocol::Http2 { .. });
    if grpc && !to_http2 {
        // ALB: a gRPC request to an HTTP/1.1 target group is 464.
        return error(464, grpc, r.server_header);
    }
    let Some(mut target) = sticky.or_else(|| group.balancer.pick(hash, None).cloned()) else {
        return error(503, grpc, r.server_header);
    };
    target.health.count_request();
    let authority = match rewrite_request(&mut parts, r, peer, to_http2) {
        Ok(a) => a,
        Err(status) => return error(status, grpc, r.server_header),
    };
    let retryable = group.retry && http_body::Body::is_end_stream(&body) && crate::h1::head::Method::from_http(&parts.method).is_idempotent();
    let mut body = Some(body.map_err(Into::into).boxed_unsync());
    let idle = r.idle_timeout;
    let mut retried = false;
    let response = loop {
        let in_flight = target.begin_request();
        let attempt = if to_http2 {
            to_h2::send(&target.extra, parts.clone(), &authority, body.take().unwrap_or_else(|| full(Bytes::new())), idle).await
        } else {
            match target.extra.checkout().await {
                Ok(up) => to_h1::send(target.clone(), up, &parts, &authority, body.take().unwrap_or_else(|| full(Bytes::new())), idle).await.map_err(|f| (f, false)),
                Err(crate::upstream::ConnectError::Timeout) => Err((Failure::Timeout, true)),
                Err(crate::upstream::ConnectError::Failed(_)) => Err((Failure::Broken, true)),
            }
        };
        drop(in_flight);
        match attempt {
            Ok(resp) => break resp,
            Err((failure, before_sending)) => {
                target.report_failure(group.passive_failures);
                // Retry elsewhere when nothing was sent, or the request is safe to repeat and
                // the client has not already waited the idle timeout for this answer.
                let waited = matches!(failure, Failure::Timeout) && !before_sending;
                if (before_sending || (retryable && !waited)) && !retried
                    && let Some(other) = group.balancer.pick(hash, Some(&target)).cloned() {
                        retried = true;
                        target = other;
                        continue;
                    }
                let status = match failure {
                    Failure::Timeout => 504,
                    Failure::Broken => 502,
                };
                return error(status, grpc, r.server_header);
            }
        }
    };
    target.report_success();
    let (mut rparts, rbody) = response.into_parts();
    strip_hop_by_hop(&mut rparts.headers, false);
    let plan = CookiePlan { target: group.stickiness.as_ref().map(|_| (group.id, target.addr)), ..CookiePlan::new(&group, fwd) };
    let sets_app = plan.app_cookie.as_deref().is_some_and(|n| rparts.headers.get_all(http::header::SET_COOKIE).iter().any(|v| crate::sticky::sets_cookie(v.as_bytes(), n)));
    let lines = cookie_lines(&plan, &r.cookie_key, sets_app, now);
    for line in lines.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let value = line.strip_prefix(b"Set-Cookie: ").unwrap_or(line).trim_ascii_end();
        if let Ok(v) = HeaderValue::from_bytes(value) {
            rparts.headers.append(http::header::SET_COOKIE, v);
        }
    }
    Response::from_parts(rparts, rbody)
}
