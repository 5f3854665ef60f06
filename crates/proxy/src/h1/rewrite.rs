//! Writing heads for the other side, copying the fields we keep byte for byte: the request to
//! the target with ALB's forwarded headers (ALB guide, "HTTP headers and Application Load
//! Balancers"), and the response to the client without hop-by-hop fields (RFC 9110 §7.6.1).

use std::cell::RefCell;
use std::io::Write as _;
use std::net::SocketAddr;

use super::head::{Field, Framing, RequestHead, ResponseHead, name_is};
use crate::tls_listener::TlsFacts;
use crate::routing::{ListenerRoutes, XffMode};

/// Most `X-Forwarded-For` entries accepted; more is ALB's 463.
pub const MAX_XFF_ENTRIES: usize = 30;

/// Fields that never cross the proxy.
fn hop_by_hop(name: &[u8]) -> bool {
    match name.len() {
        2 => name_is(name, b"te"),
        7 => name_is(name, b"trailer") || name_is(name, b"upgrade"),
        10 => name_is(name, b"connection") || name_is(name, b"keep-alive"),
        16 => name_is(name, b"proxy-connection"),
        17 => name_is(name, b"transfer-encoding"),
        _ => false,
    }
}

/// True if `name` is listed in a `Connection` field of the message (then it is hop-by-hop too).
fn listed_in_connection(buf: &[u8], fields: &[Field], name: &[u8]) -> bool {
    fields.iter().filter(|f| name_is(f.name.of(buf), b"connection")).any(|f| {
        f.value.of(buf).split(|b| *b == b',').any(|t| {
            let t = t.trim_ascii();
            t.len() == name.len() && t.eq_ignore_ascii_case(name)
        })
    })
}

/// `host` without a `:port` suffix (IPv6 literals keep their brackets).
pub fn strip_port(host: &[u8]) -> &[u8] {
    if host.first() == Some(&b'[') {
        return match host.iter().position(|b| *b == b']') {
            Some(i) => &host[..=i],
            None => host,
        };
    }
    match host.iter().rposition(|b| *b == b':') {
        Some(i) if host[i + 1..].iter().all(u8::is_ascii_digit) => &host[..i],
        _ => host,
    }
}

/// Splits an absolute-form target (`http://host:port/path?q`) into authority and origin form.
pub fn split_absolute(target: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = if target.len() > 7 && target[..7].eq_ignore_ascii_case(b"http://") {
        &target[7..]
    } else if target.len() > 8 && target[..8].eq_ignore_ascii_case(b"https://") {
        &target[8..]
    } else {
        return None;
    };
    let end = rest.iter().position(|b| *b == b'/' || *b == b'?').unwrap_or(rest.len());
    let path = &rest[end..];
    Some((&rest[..end], if path.is_empty() { b"/" } else { path }))
}

thread_local! {
    static RNG: std::cell::Cell<u64> = std::cell::Cell::new(rand::random::<u64>() | 1);
    static DATE: RefCell<(u64, Vec<u8>)> = const { RefCell::new((0, Vec::new())) };
}

/// xorshift64*: trace ids need uniqueness, not secrecy.
fn next_random() -> u64 {
    RNG.with(|r| {
        let mut x = r.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

fn epoch_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Appends `Date: <IMF-fixdate>\r\n`, formatted at most once a second per thread.
pub fn write_date(out: &mut Vec<u8>) {
    let now = epoch_secs();
    DATE.with(|d| {
        let mut d = d.borrow_mut();
        if d.0 != now || d.1.is_empty() {
            d.0 = now;
            d.1 = httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(now)).into_bytes();
        }
        out.extend_from_slice(b"Date: ");
        out.extend_from_slice(&d.1);
        out.extend_from_slice(b"\r\n");
    });
}

fn write_trace_id(out: &mut Vec<u8>) {
    let secs = epoch_secs() as u32;
    let _ = write!(out, "1-{secs:08x}-{:016x}{:08x}", next_random(), next_random() as u32);
}

fn write_client_address(out: &mut Vec<u8>, peer: SocketAddr, with_port: bool) {
    let _ = match (with_port, peer) {
        (false, p) => write!(out, "{}", p.ip()),
        (true, SocketAddr::V4(a)) => write!(out, "{a}"),
        (true, SocketAddr::V6(a)) => write!(out, "[{}]:{}", a.ip(), a.port()),
    };
}

/// Writes the request head for the target into `out`: origin-form target, HTTP/1.1, the
/// client's fields minus hop-by-hop ones, `Host` (with ALB's port rule unless preserved),
/// `X-Forwarded-For`/`-Proto`/`-Port`, `X-Amzn-Trace-Id`, and the body framing.
///
/// Errors: `Err(463)` when `X-Forwarded-For` already has [`MAX_XFF_ENTRIES`] entries.
pub fn request_head(out: &mut Vec<u8>, buf: &[u8], head: &RequestHead, routes: &ListenerRoutes, peer: SocketAddr, upgrade: Option<&[u8]>, tls: Option<TlsFacts>) -> Result<(), u16> {
    let tls = tls.filter(|_| routes.tls_headers);
    let target = head.target.of(buf);
    let (authority, origin) = match split_absolute(target) {
        Some((a, p)) => (Some(a), p),
        None => (None, target),
    };
    out.extend_from_slice(head.method_span.of(buf));
    out.push(b' ');
    out.extend_from_slice(origin);
    out.extend_from_slice(b" HTTP/1.1\r\n");

    let extra_hops = head.connection.others;
    let mut xff_entries = 0usize;
    let mut xff_seen = false;
    let mut trace: Option<&[u8]> = None;
    for f in &head.fields {
        let name = f.name.of(buf);
        let value = f.value.of(buf);
        if hop_by_hop(name) || (extra_hops && listed_in_connection(buf, &head.fields, name)) {
            continue;
        }
        match name.len() {
            4 if name_is(name, b"host") => continue,
            6 if name_is(name, b"expect") => continue,
            14 if name_is(name, b"content-length") => continue,
            15 if name_is(name, b"x-forwarded-for") => {
                xff_seen = true;
                xff_entries += value.split(|b| *b == b',').count();
                // Append re-emits every entry below, in one field; Remove drops them.
                if routes.xff != XffMode::Preserve {
                    continue;
                }
            }
            16 if name_is(name, b"x-forwarded-port") => continue,
            // Set by elbow on TLS listeners that enable them; a client's own are dropped.
            18 if tls.is_some() && name_is(name, b"x-amzn-tls-version") => continue,
            23 if tls.is_some() && name_is(name, b"x-amzn-tls-cipher-suite") => continue,
            17 if name_is(name, b"x-forwarded-proto") => continue,
            15 if name_is(name, b"x-amzn-trace-id") => {
                trace = Some(value);
                continue;
            }
            _ => {}
        }
        if routes.drop_invalid_headers && !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-') {
            continue;
        }
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }

    // Host: the absolute-form authority wins (RFC 9112 §3.2.2).
    if let Some(host) = authority.or(head.host.map(|h| h.of(buf))) {
        out.extend_from_slice(b"Host: ");
        if routes.preserve_host {
            out.extend_from_slice(host);
        } else {
            out.extend_from_slice(strip_port(host));
            let default = if routes.scheme == "https" { 443 } else { 80 };
            if routes.port != default {
                let _ = write!(out, ":{}", routes.port);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    if routes.xff == XffMode::Append {
        if xff_entries >= MAX_XFF_ENTRIES {
            return Err(463);
        }
        out.extend_from_slice(b"X-Forwarded-For: ");
        if xff_seen {
            let mut first = true;
            for f in head.fields.iter().filter(|f| name_is(f.name.of(buf), b"x-forwarded-for")) {
                if !first {
                    out.extend_from_slice(b", ");
                }
                out.extend_from_slice(f.value.of(buf));
                first = false;
            }
            out.extend_from_slice(b", ");
        }
        write_client_address(out, peer, routes.xff_client_port);
        out.extend_from_slice(b"\r\n");
    }
    if let Some(t) = tls {
        let _ = write!(out, "x-amzn-tls-version: {}\r\nx-amzn-tls-cipher-suite: {}\r\n", t.version, t.cipher);
    }
    out.extend_from_slice(b"X-Forwarded-Proto: ");
    out.extend_from_slice(routes.scheme.as_bytes());
    let _ = write!(out, "\r\nX-Forwarded-Port: {}\r\nX-Amzn-Trace-Id: ", routes.port);
    match trace.filter(|t| t.windows(5).any(|w| w == b"Root=")) {
        // An existing Root keeps its fields; Self is set in front (ALB guide, "Request tracing").
        Some(t) => {
            out.extend_from_slice(b"Self=");
            write_trace_id(out);
            for part in t.split(|b| *b == b';').map(|p| p.trim_ascii()).filter(|p| !p.is_empty() && !p.starts_with(b"Self=")) {
                out.push(b';');
                out.extend_from_slice(part);
            }
        }
        None => {
            out.extend_from_slice(b"Root=");
            write_trace_id(out);
        }
    }
    out.extend_from_slice(b"\r\n");
    if let Some(protocol) = upgrade {
        // An upgrade (WebSocket) keeps its hop-by-hop pair on the way to the target.
        out.extend_from_slice(b"Connection: Upgrade\r\nUpgrade: ");
        out.extend_from_slice(protocol);
        out.extend_from_slice(b"\r\n");
    }
    match head.framing {
        Framing::Chunked => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        Framing::Length(n) => {
            let _ = write!(out, "Content-Length: {n}\r\n");
        }
        Framing::None | Framing::Close => {}
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// What the client connection does after this response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponsePlan {
    /// Keep the client connection open afterwards.
    pub keep_alive: bool,
    /// Send only the payload of a chunked body (an HTTP/1.0 client cannot take chunks).
    pub dechunk: bool,
}

/// Writes the response head for the client into `out`: HTTP/1.1 status line with the target's
/// reason phrase, its fields minus hop-by-hop ones, `extra` (complete header lines, e.g.
/// stickiness cookies), a `Date` if it had none, and the `Connection` field the plan needs; a
/// `101 Switching Protocols` keeps its `Connection: Upgrade` and `Upgrade`.
pub fn response_head(out: &mut Vec<u8>, buf: &[u8], head: &ResponseHead, client_http10: bool, mut keep_alive: bool, extra: &[u8]) -> ResponsePlan {
    let dechunk = client_http10 && head.framing == Framing::Chunked;
    if head.framing == Framing::Close || dechunk {
        keep_alive = false;
    }
    let _ = write!(out, "HTTP/1.1 {} ", head.status);
    out.extend_from_slice(head.reason.of(buf));
    out.extend_from_slice(b"\r\n");
    let extra_hops = head.connection.others;
    let mut has_date = false;
    for f in &head.fields {
        let name = f.name.of(buf);
        if name_is(name, b"transfer-encoding") {
            if head.framing == Framing::Chunked && !dechunk {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
            }
            continue;
        }
        if hop_by_hop(name) || (extra_hops && listed_in_connection(buf, &head.fields, name)) {
            continue;
        }
        if head.framing == Framing::Chunked && name.len() == 14 && name_is(name, b"content-length") {
            // A length next to chunked framing is dropped (RFC 9112 §6.3).
            continue;
        }
        has_date |= name.len() == 4 && name_is(name, b"date");
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(f.value.of(buf));
        out.extend_from_slice(b"\r\n");
    }
    if !has_date {
        write_date(out);
    }
    out.extend_from_slice(extra);
    if head.status == 101 {
        out.extend_from_slice(b"Connection: Upgrade\r\n");
        if let Some(f) = head.fields.iter().find(|f| name_is(f.name.of(buf), b"upgrade")) {
            out.extend_from_slice(b"Upgrade: ");
            out.extend_from_slice(f.value.of(buf));
            out.extend_from_slice(b"\r\n");
        }
    } else if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if client_http10 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
    ResponsePlan { keep_alive, dechunk }
}

/// Writes a response elbow generates (error page, fixed response, redirect).
#[allow(clippy::too_many_arguments)]
pub fn generated(out: &mut Vec<u8>, status: u16, reason: &str, content_type: Option<&str>, body: &[u8], location: Option<&[u8]>, server: bool, keep_alive: bool) {
    let _ = write!(out, "HTTP/1.1 {status} {reason}\r\n");
    if server {
        out.extend_from_slice(b"Server: awselb/2.0\r\n");
    }
    write_date(out);
    if let Some(ct) = content_type {
        let _ = write!(out, "Content-Type: {ct}\r\n");
    }
    if let Some(l) = location {
        out.extend_from_slice(b"Location: ");
        out.extend_from_slice(l);
        out.extend_from_slice(b"\r\n");
    }
    let _ = write!(out, "Content-Length: {}\r\n", body.len());
    out.extend_from_slice(if keep_alive { b"Connection: keep-alive\r\n\r\n" } else { b"Connection: close\r\n\r\n" });
    out.extend_from_slice(body);
}

/// ALB's error page for `status`.
pub fn error_page(out: &mut Vec<u8>, status: u16, server: bool, keep_alive: bool) {
    let reason = reason_phrase(status);
    let body = format!("<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n");
    generated(out, status, reason, Some("text/html"), body.as_bytes(), None, server, keep_alive);
}

/// Reason phrases of the statuses elbow generates (RFC 9110 §15; ALB's 460/463/464).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        460 => "Client Closed Request",
        463 => "Too Many X-Forwarded-For Addresses",
        464 => "Incompatible Protocol Versions",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version Not Supported",
        s => http::StatusCode::from_u16(s).ok().and_then(|c| c.canonical_reason()).unwrap_or("Unknown"),
    }
}

#[cfg(test)]
mod tests;
