//! An HTTP/1.1 request to an HTTP/2 target group (`ProtocolVersion` HTTP2). ALB answers 464
//! here; elbow translates instead: the request body (at most [`MAX_BODY`] bytes) is read, the
//! request goes out on the target's HTTP/2 connection, and the response comes back as HTTP/1.1,
//! chunked unless its length is known, with trailers as chunked trailers.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use balancer::Target;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tokio::io::AsyncWriteExt;

use super::body::BodyState;
use super::buf::Buf;
use super::conn::{ClientIo, respond_error, write_out};
use super::head::{Framing, Method, RequestHead, name_is};
use super::rewrite::{reason_phrase, write_date};
use crate::choose::{CookiePlan, cookie_lines, epoch_secs};
use crate::h2::to_h1::Failure;
use crate::routing::ListenerRoutes;
use crate::upstream::Upstream;

/// Largest request body translated to HTTP/2 (it is read before the request is sent).
pub const MAX_BODY: usize = 1024 * 1024;

fn hop(name: &[u8]) -> bool {
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "content-length", "expect"].iter().any(|h| name_is(name, h.as_bytes()))
}

/// Forwards one request to `target` over HTTP/2; returns whether the client connection stays open.
#[allow(clippy::too_many_arguments)]
pub async fn to_http2<C: ClientIo>(io: &mut C, buf: &mut Buf, head: &RequestHead, r: &ListenerRoutes, target: Arc<Target<Upstream>>, peer: SocketAddr, keep: bool, plan: CookiePlan, passive_failures: u32) -> bool {
    let raw = buf.unread();
    let mut b = http::Request::builder().method(head.method_span.of(raw)).uri(head.target.of(raw));
    for f in &head.fields {
        let name = f.name.of(raw);
        if !hop(name) {
            b = b.header(name, f.value.of(raw));
        }
    }
    let Ok((mut parts, ())) = b.body(()).map(|r| r.into_parts()) else {
        return respond_error(io, 400, r, false).await;
    };
    buf.consume(head.len);
    let mut body = Vec::new();
    let mut state = BodyState::new(head.framing);
    if head.expect_continue && !state.is_done() && buf.is_empty() && !write_out(io, b"HTTP/1.1 100 Continue\r\n\r\n").await {
        return false;
    }
    if matches!(head.framing, Framing::Length(n) if n as usize > MAX_BODY) {
        return respond_error(io, 413, r, false).await;
    }
    if state.take_available(buf, &mut body, true).is_err() {
        return respond_error(io, 400, r, false).await;
    }
    if !state.is_done() {
        let mut scratch = Vec::new();
        if state.relay(io, buf, &mut body, true, r.idle_timeout, &mut scratch).await.is_err() {
            return false;
        }
    }
    if body.len() > MAX_BODY {
        return respond_error(io, 413, r, false).await;
    }
    if let Some(t) = io.tls_facts() {
        parts.extensions.insert(t);
    }
    let authority = match crate::h2::headers::rewrite_request(&mut parts, r, peer, true) {
        Ok(a) => a,
        Err(status) => return respond_error(io, status, r, false).await,
    };
    let in_flight = target.begin_request();
    let full = Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed_unsync();
    let resp = match crate::h2::to_h2::send(&target.extra, parts, &authority, full, r.idle_timeout).await {
        Ok(resp) => resp,
        Err((failure, _)) => {
            target.report_failure(passive_failures);
            return respond_error(io, if matches!(failure, Failure::Timeout) { 504 } else { 502 }, r, keep).await;
        }
    };
    target.report_success();
    let (rparts, mut rbody) = resp.into_parts();
    let known_length = rparts.headers.get(http::header::CONTENT_LENGTH).is_some();
    let bodiless = head.method == Method::Head || rparts.status == 204 || rparts.status == 304;
    let chunked = !known_length && !bodiless && !head.http10;
    let keep = keep && (known_length || chunked || bodiless);
    let mut out = Vec::with_capacity(512);
    let status = rparts.status.as_u16();
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", rparts.status.canonical_reason().unwrap_or_else(|| reason_phrase(status)));
    for (name, value) in &rparts.headers {
        if hop(name.as_str().as_bytes()) && name != http::header::CONTENT_LENGTH {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !rparts.headers.contains_key(http::header::DATE) {
        write_date(&mut out);
    }
    let sets_app = plan.app_cookie.as_deref().is_some_and(|n| rparts.headers.get_all(http::header::SET_COOKIE).iter().any(|v| crate::sticky::sets_cookie(v.as_bytes(), n)));
    out.extend_from_slice(&cookie_lines(&plan, &r.cookie_key, sets_app, epoch_secs()));
    if chunked {
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
    }
    out.extend_from_slice(if keep { b"\r\n" as &[u8] } else { b"Connection: close\r\n\r\n" });
    if !write_out(io, &out).await {
        return false;
    }
    if bodiless {
        drop(in_flight);
        return keep;
    }
    while let Some(frame) = rbody.frame().await {
        let Ok(frame) = frame else { return false };
        match frame.into_data() {
            Ok(data) if !data.is_empty() => {
                let ok = if chunked {
                    io.write_all(format!("{:x}\r\n", data.len()).as_bytes()).await.is_ok() && io.write_all(&data).await.is_ok() && io.write_all(b"\r\n").await.is_ok()
                } else {
                    io.write_all(&data).await.is_ok()
                };
                if !ok {
                    return false;
                }
            }
            Ok(_) => {}
            Err(frame) => {
                if let (Ok(trailers), true) = (frame.into_trailers(), chunked) {
                    // HTTP/1.1 carries trailers after the last chunk (RFC 9112 §7.1.2).
                    let mut t = b"0\r\n".to_vec();
                    for (name, value) in &trailers {
                        t.extend_from_slice(name.as_str().as_bytes());
                        t.extend_from_slice(b": ");
                        t.extend_from_slice(value.as_bytes());
                        t.extend_from_slice(b"\r\n");
                    }
                    t.extend_from_slice(b"\r\n");
                    drop(in_flight);
                    return write_out(io, &t).await && keep;
                }
            }
        }
    }
    drop(in_flight);
    if chunked && !write_out(io, b"0\r\n\r\n").await {
        return false;
    }
    keep
}
