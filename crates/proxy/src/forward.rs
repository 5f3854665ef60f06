//! One request through a listener: the listener's action, and for `forward` the rewriting of
//! forwarded headers as ALB does (ALB guide, "HTTP headers and Application Load Balancers"),
//! the exchange with a target, and ALB's error semantics: 503 when the target group has no
//! registered targets, 502 when a target refuses, resets or answers malformed, 504 when it does
//! not connect within 10 s or stays silent past the idle timeout.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Uri};
use hyper::body::Incoming;

use crate::idle::is_idle_timeout;
use crate::response::{PoolReturnHandle, ProxyBody, error_response};
use crate::routing::{ListenerRoutes, RouteAction, TargetGroupRoute, XffMode};
use crate::upstream::ConnectError;

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
static X_AMZN_TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");
static KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
static PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// Most `X-Forwarded-For` entries accepted; more is ALB's 463.
const MAX_XFF_ENTRIES: usize = 30;

/// Handles one request for `routes`, from client `peer`.
pub async fn handle(req: Request<Incoming>, routes: Arc<ListenerRoutes>, peer: SocketAddr) -> Response<ProxyBody> {
    let mut resp = match &routes.default_action {
        RouteAction::Forward(tg) => forward(req, &routes, tg, peer).await,
        RouteAction::FixedResponse(f) => {
            let mut r = Response::new(ProxyBody::full(f.message_body.clone().unwrap_or_default()));
            *r.status_mut() = f.status_code.parse::<u16>().ok().and_then(|c| StatusCode::from_u16(c).ok()).unwrap_or(StatusCode::OK);
            let ct = f.content_type.as_deref().unwrap_or("text/plain; charset=utf-8");
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap_or(HeaderValue::from_static("text/plain")));
            r
        }
        RouteAction::Redirect(c) => redirect(&req, &routes, c),
    };
    if !routes.server_header {
        resp.headers_mut().remove(header::SERVER);
    }
    resp
}

fn redirect(req: &Request<Incoming>, routes: &ListenerRoutes, c: &model::listener::RedirectConfig) -> Response<ProxyBody> {
    let host_full = request_host(req).unwrap_or_default();
    let host = strip_port(&host_full);
    let path = req.uri().path();
    let query = req.uri().query().unwrap_or("");
    let port = routes.port.to_string();
    let expand = |template: &str| {
        template
            .replace("#{protocol}", routes.scheme)
            .replace("#{host}", host)
            .replace("#{port}", &port)
            .replace("#{path}", path.strip_prefix('/').unwrap_or(path))
            .replace("#{query}", query)
    };
    let protocol = expand(c.protocol.as_deref().unwrap_or("#{protocol}")).to_ascii_lowercase();
    let to_host = expand(c.host.as_deref().unwrap_or("#{host}"));
    let to_port = expand(c.port.as_deref().unwrap_or("#{port}"));
    let to_path = expand(c.path.as_deref().unwrap_or("/#{path}"));
    let to_query = expand(c.query.as_deref().unwrap_or("#{query}"));
    let default_port = if protocol == "https" { "443" } else { "80" };
    let mut location = format!("{protocol}://{to_host}");
    if to_port != default_port {
        let _ = write!(location, ":{to_port}");
    }
    location.push_str(&to_path);
    if !to_query.is_empty() {
        let _ = write!(location, "?{to_query}");
    }
    let status = match c.status_code {
        model::listener::RedirectStatusCode::Http301 => StatusCode::MOVED_PERMANENTLY,
        model::listener::RedirectStatusCode::Http302 => StatusCode::FOUND,
    };
    let mut r = Response::new(ProxyBody::full(""));
    *r.status_mut() = status;
    r.headers_mut().insert(header::SERVER, HeaderValue::from_static("awselb/2.0"));
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => error_response(StatusCode::BAD_REQUEST),
    }
}

fn request_host(req: &Request<Incoming>) -> Option<String> {
    // An absolute-form request target's authority wins over Host (RFC 9112 §3.2.2).
    if let Some(a) = req.uri().authority() {
        return Some(a.as_str().to_string());
    }
    req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string)
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map(|i| &host[..=i]).unwrap_or(host);
    }
    host.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map(|(h, _)| h).unwrap_or(host)
}

/// Removes hop-by-hop fields (RFC 9110 §7.6.1), including those the Connection field names.
fn strip_hop_by_hop(h: &mut HeaderMap) {
    let named: Vec<HeaderName> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for n in named {
        h.remove(n);
    }
    h.remove(header::CONNECTION);
    h.remove(&KEEP_ALIVE);
    h.remove(&PROXY_CONNECTION);
    h.remove(header::TE);
    h.remove(header::TRAILER);
    h.remove(header::TRANSFER_ENCODING);
    h.remove(header::UPGRADE);
}

fn trace_id() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let a: u64 = rand::random();
    let b: u32 = rand::random();
    format!("1-{:08x}-{:016x}{:08x}", secs as u32, a, b)
}

/// `X-Amzn-Trace-Id`: a new `Root` when absent; otherwise `Self=` is set in front and the
/// other fields are kept (ALB guide, "Request tracing").
fn update_trace_id(h: &mut HeaderMap) {
    let id = trace_id();
    let value = match h.get(&X_AMZN_TRACE_ID).and_then(|v| v.to_str().ok()) {
        Some(existing) if existing.contains("Root=") => {
            let rest: Vec<&str> = existing.split(';').map(str::trim).filter(|f| !f.starts_with("Self=") && !f.is_empty()).collect();
            format!("Self={id};{}", rest.join(";"))
        }
        _ => format!("Root={id}"),
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        h.insert(&X_AMZN_TRACE_ID, v);
    }
}

/// Rewrites a request's headers for the target. Returns the status to answer instead when the
/// request must be refused (463: too many `X-Forwarded-For` entries).
fn rewrite_request_headers(h: &mut HeaderMap, host: Option<String>, routes: &ListenerRoutes, peer: SocketAddr) -> Result<(), StatusCode> {
    strip_hop_by_hop(h);
    if routes.drop_invalid_headers {
        let bad: Vec<HeaderName> = h.keys().filter(|k| !k.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')).cloned().collect();
        for k in bad {
            h.remove(k);
        }
    }
    // Host: kept, with the port normalised to the listener's unless preservation is on.
    if let Some(host) = host {
        let value = if routes.preserve_host {
            host
        } else {
            let bare = strip_port(&host);
            let default = if routes.scheme == "https" { 443 } else { 80 };
            if routes.port == default { bare.to_string() } else { format!("{bare}:{}", routes.port) }
        };
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(header::HOST, v);
        }
    }
    match routes.xff {
        XffMode::Remove => {
            h.remove(&X_FORWARDED_FOR);
        }
        XffMode::Preserve => {}
        XffMode::Append => {
            let client = match (routes.xff_client_port, peer) {
                (false, p) => p.ip().to_string(),
                (true, SocketAddr::V4(a)) => a.to_string(),
                (true, SocketAddr::V6(a)) => format!("[{}]:{}", a.ip(), a.port()),
            };
            let existing: Vec<String> = h.get_all(&X_FORWARDED_FOR).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
            let value = if existing.is_empty() {
                client
            } else {
                let joined = existing.join(", ");
                if joined.split(',').count() >= MAX_XFF_ENTRIES {
                    return Err(StatusCode::from_u16(463).unwrap_or(StatusCode::BAD_REQUEST));
                }
                format!("{joined}, {client}")
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(&X_FORWARDED_FOR, v);
            }
        }
    }
    h.insert(&X_FORWARDED_PROTO, HeaderValue::from_static(routes.scheme));
    h.insert(&X_FORWARDED_PORT, HeaderValue::from(routes.port));
    update_trace_id(h);
    Ok(())
}

async fn forward(req: Request<Incoming>, routes: &ListenerRoutes, tg: &Arc<TargetGroupRoute>, peer: SocketAddr) -> Response<ProxyBody> {
    let Some(target) = tg.balancer.pick() else {
        return error_response(StatusCode::SERVICE_UNAVAILABLE);
    };
    let in_flight = target.begin_request();
    let host = request_host(&req);
    let (mut parts, body) = req.into_parts();
    if let Err(status) = rewrite_request_headers(&mut parts.headers, host, routes, peer) {
        return error_response(status);
    }
    // Targets get origin-form request targets (RFC 9112 §3.2.1).
    let pq = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    parts.uri = pq.parse::<Uri>().unwrap_or_else(|_| Uri::from_static("/"));
    parts.version = http::Version::HTTP_11;
    let upstream_req = Request::from_parts(parts, body);

    let mut sender = match target.extra.checkout().await {
        Ok(s) => s,
        Err(ConnectError::Timeout) => return error_response(StatusCode::GATEWAY_TIMEOUT),
        Err(ConnectError::Failed(e)) => {
            tracing::debug!(target = %target.addr, error = %e, "connection to target failed");
            return error_response(StatusCode::BAD_GATEWAY);
        }
    };
    match sender.send_request(upstream_req).await {
        Ok(resp) => {
            let (mut parts, body) = resp.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            // The client's connection speaks HTTP/1.1 whatever the target spoke.
            parts.version = http::Version::HTTP_11;
            let pool = Some(PoolReturnHandle::new(sender, target.clone()));
            Response::from_parts(parts, ProxyBody::Upstream { body, pool, _in_flight: in_flight })
        }
        Err(e) => {
            let status = if is_idle_timeout(&e) { StatusCode::GATEWAY_TIMEOUT } else { StatusCode::BAD_GATEWAY };
            tracing::debug!(target = %target.addr, error = %e, status = status.as_u16(), "target did not answer");
            error_response(status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_stripped_from_hosts() {
        assert_eq!(strip_port("example.com:8080"), "example.com");
        assert_eq!(strip_port("example.com"), "example.com");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
    }

    #[test]
    fn trace_ids_have_aws_shape() {
        let mut h = HeaderMap::new();
        update_trace_id(&mut h);
        let v = h.get("x-amzn-trace-id").unwrap().to_str().unwrap().to_string();
        assert!(v.starts_with("Root=1-") && v.len() == "Root=1-".len() + 8 + 1 + 24, "{v}");
        h.insert("x-amzn-trace-id", HeaderValue::from_static("Root=1-abc;Self=1-old;CalledFrom=app"));
        update_trace_id(&mut h);
        let v = h.get("x-amzn-trace-id").unwrap().to_str().unwrap();
        assert!(v.starts_with("Self=1-") && v.ends_with(";Root=1-abc;CalledFrom=app") && !v.contains("old"), "{v}");
    }

    #[test]
    fn connection_named_headers_are_hop_by_hop() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("close, x-secret"));
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h);
        assert!(h.get("x-secret").is_none() && h.get(header::CONNECTION).is_none() && h.get("x-kept").is_some());
    }
}
