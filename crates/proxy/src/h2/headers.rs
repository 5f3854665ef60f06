//! Header rewriting for requests and responses expressed as `http` types: the same forwarded
//! headers as the HTTP/1.1 path (`crate::h1::rewrite`), and no hop-by-hop fields across.

use std::net::SocketAddr;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::request::Parts;

use crate::h1::rewrite::{MAX_XFF_ENTRIES, strip_port};
use crate::routing::{ListenerRoutes, XffMode};

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_AMZN_TLS_VERSION: HeaderName = HeaderName::from_static("x-amzn-tls-version");
static X_AMZN_TLS_CIPHER_SUITE: HeaderName = HeaderName::from_static("x-amzn-tls-cipher-suite");
static X_FORWARDED_PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
static X_AMZN_TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");
static KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
static PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// How the HTTP/1.1 path spells the fields elbow adds: HTTP/2 names are lower case, and some
/// applications match these case-sensitively, so an HTTP/2 request reaches an HTTP/1.1 target
/// with the same spelling as an HTTP/1.1 one.
pub fn h1_spelling(name: &HeaderName) -> &str {
    match name.as_str() {
        "x-forwarded-for" => "X-Forwarded-For",
        "x-forwarded-proto" => "X-Forwarded-Proto",
        "x-forwarded-port" => "X-Forwarded-Port",
        "x-amzn-trace-id" => "X-Amzn-Trace-Id",
        other => other,
    }
}

/// Removes hop-by-hop fields (RFC 9110 §7.6.1) and those `Connection` names. `te: trailers` is
/// kept when `keep_te_trailers` (gRPC to an HTTP/2 target needs it).
pub fn strip_hop_by_hop(h: &mut HeaderMap, keep_te_trailers: bool) {
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
    // Named constants, not strings: a string is parsed into a name on every call.
    for n in [&header::CONNECTION, &KEEP_ALIVE, &PROXY_CONNECTION, &header::TRANSFER_ENCODING, &header::UPGRADE, &header::TRAILER] {
        h.remove(n);
    }
    let te_trailers = h.get(header::TE).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"trailers"));
    if !(keep_te_trailers && te_trailers) {
        h.remove(header::TE);
    }
}

fn trace_id() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("1-{:08x}-{:016x}{:08x}", secs as u32, balancer::random(), balancer::random() as u32)
}

/// Rewrites a request for a target: `Host`/`:authority` by ALB's port rule, `X-Forwarded-For`
/// by mode, `X-Forwarded-Proto`/`-Port`, `X-Amzn-Trace-Id`. Returns the authority to use.
///
/// Errors: `Err(463)` when `X-Forwarded-For` already has too many entries.
pub fn rewrite_request(parts: &mut Parts, r: &ListenerRoutes, peer: SocketAddr, to_http2: bool) -> Result<String, u16> {
    let h = &mut parts.headers;
    strip_hop_by_hop(h, to_http2);
    if r.drop_invalid_headers {
        let bad: Vec<HeaderName> = h.keys().filter(|k| !k.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')).cloned().collect();
        for k in bad {
            h.remove(k);
        }
    }
    let given = parts.uri.authority().map(|a| a.as_str().to_string()).or_else(|| h.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_string)).unwrap_or_default();
    let authority = if r.preserve_host {
        given
    } else {
        let bare = String::from_utf8_lossy(strip_port(given.as_bytes())).into_owned();
        let default = if r.scheme == "https" { 443 } else { 80 };
        if r.port == default { bare } else { format!("{bare}:{}", r.port) }
    };
    match r.xff {
        XffMode::Remove => {
            h.remove(&X_FORWARDED_FOR);
        }
        XffMode::Preserve => {}
        XffMode::Append => {
            let existing: Vec<String> = h.get_all(&X_FORWARDED_FOR).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
            let joined = existing.join(", ");
            if !existing.is_empty() && joined.split(',').count() >= MAX_XFF_ENTRIES {
                return Err(463);
            }
            let client = match (r.xff_client_port, peer) {
                (false, p) => p.ip().to_string(),
                (true, SocketAddr::V4(a)) => a.to_string(),
                (true, SocketAddr::V6(a)) => format!("[{}]:{}", a.ip(), a.port()),
            };
            let value = if existing.is_empty() { client } else { format!("{joined}, {client}") };
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(&X_FORWARDED_FOR, v);
            }
        }
    }
    h.insert(&X_FORWARDED_PROTO, HeaderValue::from_static(r.scheme));
    if r.tls_headers
        && let Some(t) = parts.extensions.get::<crate::tls_listener::TlsFacts>().copied()
    {
        let h = &mut parts.headers;
        h.insert(&X_AMZN_TLS_VERSION, HeaderValue::from_static(t.version));
        h.insert(&X_AMZN_TLS_CIPHER_SUITE, HeaderValue::from_static(t.cipher));
    }
    let h = &mut parts.headers;
    h.insert(&X_FORWARDED_PORT, HeaderValue::from(r.port));
    let trace = match h.get(&X_AMZN_TRACE_ID).and_then(|v| v.to_str().ok()) {
        Some(existing) if existing.contains("Root=") => {
            let rest: Vec<&str> = existing.split(';').map(str::trim).filter(|f| !f.starts_with("Self=") && !f.is_empty()).collect();
            format!("Self={};{}", trace_id(), rest.join(";"))
        }
        _ => format!("Root={}", trace_id()),
    };
    if let Ok(v) = HeaderValue::from_str(&trace) {
        h.insert(&X_AMZN_TRACE_ID, v);
    }
    if to_http2 {
        // HTTP/2 carries the authority as `:authority`; a Host field would duplicate it.
        h.remove(header::HOST);
    } else if let Ok(v) = HeaderValue::from_str(&authority) {
        h.insert(header::HOST, v);
    }
    Ok(authority)
}
