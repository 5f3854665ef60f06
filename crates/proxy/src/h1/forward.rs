//! A `forward` action for one HTTP/1.1 request: choose the target group (weighted, or the one a
//! target-group stickiness cookie names), choose the target (stickiness cookie, consistent hash,
//! or the group's algorithm), send the request, and relay the response with ALB's error
//! semantics. Beyond ALB: an idempotent request whose connection fails, or closes before any
//! response byte, or stays silent past the per-try timeout, is retried once on another target,
//! and repeated failures take a target out of rotation until a health check passes.

use std::net::SocketAddr;

use balancer::InFlight;
use tokio::io::AsyncWriteExt;

use super::body::{BodyState, RelayError};
use super::buf::Buf;
use super::conn::{ClientIo, NoResponse, read_response_head, respond_error, write_out};
use super::facts::H1Facts;
use super::head::{Framing, Method, RequestHead};
use super::rewrite;
use crate::choose::{CookiePlan, choose_group, cookie_lines, epoch_secs, hash_of, sticky_target};
use crate::routing::{ForwardRoute, ListenerRoutes};
use crate::sticky;
use crate::upstream::{ConnectError, Upstream};

/// Forwards one request; returns whether the client connection stays open.
#[allow(clippy::too_many_arguments)]
pub async fn forward<C: ClientIo>(io: &mut C, buf: &mut Buf, head: &RequestHead, r: &ListenerRoutes, fwd: &ForwardRoute, peer: SocketAddr, keep: bool) -> bool {
    let idle = r.idle_timeout;
    let has_body = head.framing != Framing::None;
    let now = epoch_secs();
    let facts = H1Facts::new(buf.unread(), head, peer.ip());
    let group = choose_group(fwd, &facts, &r.cookie_key, now).clone();
    let sticky = sticky_target(&group, &facts, &r.cookie_key, now).cloned();
    let hash = hash_of(&group, &facts, peer);
    let upgrade = if head.connection.upgrade { facts.header(b"upgrade").map(<[u8]>::to_vec) } else { None };
    let Some(mut target) = sticky.or_else(|| group.balancer.pick(hash, None).cloned()) else {
        return respond_error(io, 503, r, keep && !has_body).await;
    };
    target.health.count_request();
    let mut plan = CookiePlan::new(&group, fwd);
    if let crate::routing::TargetProtocol::Http2 { grpc } = group.protocol {
        if grpc {
            // ALB: an HTTP/1.1 request to a gRPC target group is 464.
            return respond_error(io, 464, r, keep && !has_body).await;
        }
        plan.target = group.stickiness.is_some().then_some((group.id, target.addr));
        return super::bridge::to_http2(io, buf, head, r, target, peer, keep, plan, group.passive_failures).await;
    }

    let mut out = Vec::with_capacity(head.len + 512);
    if let Err(status) = rewrite::request_head(&mut out, buf.unread(), head, r, peer, upgrade.as_deref(), io.tls_facts()) {
        return respond_error(io, status, r, false).await;
    }
    buf.consume(head.len);
    let mut req_body = BodyState::new(head.framing);
    if head.expect_continue && !req_body.is_done() && buf.is_empty() && !write_out(io, b"HTTP/1.1 100 Continue\r\n\r\n").await {
        return false;
    }
    if req_body.take_available(buf, &mut out, false).is_err() {
        return respond_error(io, 400, r, false).await;
    }
    // The whole request is in `out` unless its body is still arriving; only then can it be sent
    // again: on a new connection to the same target when a reused one turns out closed, and to
    // another target when the request is idempotent and bodiless.
    let whole_request_buffered = req_body.is_done();
    let retryable = group.retry && head.framing == Framing::None && head.method.is_idempotent() && upgrade.is_none();
    let head_timeout = match group.per_try_timeout {
        Some(t) if retryable && t < idle => t,
        _ => idle,
    };
    let mut scratch = Vec::new();
    let mut fresh_retry_used = false;
    let mut other_retry_used = false;
    let (mut up, response, in_flight) = loop {
        let in_flight: InFlight<Upstream> = target.begin_request();
        // A failure of this target: count it, and retry elsewhere once when that is safe.
        macro_rules! target_failed {
            ($status:expr) => {{
                target.report_failure(group.passive_failures);
                if retryable && !other_retry_used {
                    if let Some(other) = group.balancer.pick(hash, Some(&target)).cloned() {
                        other_retry_used = true;
                        tracing::debug!(from = %target.addr, to = %other.addr, "retrying on another target");
                        target = other;
                        continue;
                    }
                }
                return respond_error(io, $status, r, keep && !has_body && whole_request_buffered).await;
            }};
        }
        let mut up = match target.extra.checkout().await {
            Ok(c) => c,
            Err(ConnectError::Timeout) => target_failed!(504),
            Err(ConnectError::Failed(e)) => {
                tracing::debug!(target = %target.addr, error = %e, "connection to target failed");
                target_failed!(502)
            }
        };
        let reused = up.reused;
        if up.io.write_all(&out).await.is_err() {
            if reused && whole_request_buffered && !fresh_retry_used {
                fresh_retry_used = true;
                continue;
            }
            target_failed!(502)
        }
        if !req_body.is_done() {
            match req_body.relay(io, buf, &mut up.io, false, idle, &mut scratch).await {
                Ok(()) => {}
                Err(RelayError::Sink(_)) => {
                    target.report_failure(group.passive_failures);
                    return respond_error(io, 502, r, false).await;
                }
                Err(RelayError::Chunk(_)) => return respond_error(io, 400, r, false).await,
                // The client ended its side mid-body: ALB logs and answers 400 (a half-closed
                // client still reads it).
                Err(RelayError::Source(_)) => return respond_error(io, 400, r, false).await,
                // Silent mid-body for the idle timeout: nothing to answer.
                Err(RelayError::Timeout) => return false,
            }
        }
        match read_response_head(&mut up, head.method, head_timeout).await {
            Ok(h) => break (up, h, in_flight),
            // Closed without a byte after the request was sent: the target may have processed
            // it, so only idempotent methods go again (as Go's HTTP client decides).
            Err(NoResponse::ClosedEarly) if reused && whole_request_buffered && !fresh_retry_used && head.method.is_idempotent() => {
                fresh_retry_used = true;
                continue;
            }
            // Only a per-try timeout goes to another target: after the idle timeout the client
            // has waited as long as ALB would let it, and gets its 504 now.
            Err(NoResponse::Timeout) if head_timeout < idle => target_failed!(504),
            Err(NoResponse::Timeout) => {
                target.report_failure(group.passive_failures);
                return respond_error(io, 504, r, keep && !has_body && whole_request_buffered).await;
            }
            Err(NoResponse::ClosedEarly) => target_failed!(502),
            Err(NoResponse::Malformed) => {
                target.report_failure(group.passive_failures);
                return respond_error(io, 502, r, false).await;
            }
        }
    };
    target.report_success();
    plan.target = (group.stickiness.is_some()).then_some((group.id, target.addr));
    let sets_app_cookie = plan.app_cookie.as_deref().is_some_and(|name| {
        response.fields.iter().any(|f| super::head::name_is(f.name.of(up.buf.unread()), b"set-cookie") && sticky::sets_cookie(f.value.of(up.buf.unread()), name))
    });
    let extra = cookie_lines(&plan, &r.cookie_key, sets_app_cookie, now);
    let switching = response.status == 101 && upgrade.is_some();
    out.clear();
    let resp_plan = rewrite::response_head(&mut out, up.buf.unread(), &response, head.http10, keep, &extra);
    up.buf.consume(response.len);
    if switching {
        if !write_out(io, &out).await {
            return false;
        }
        target.health.websocket(true);
        super::tunnel::relay(io, buf, &mut up, idle).await;
        target.health.websocket(false);
        drop(in_flight);
        return false;
    }
    let mut resp_body = BodyState::new(response.framing);
    if resp_body.take_available(&mut up.buf, &mut out, resp_plan.dechunk).is_err() {
        return respond_error(io, 502, r, false).await;
    }
    if !write_out(io, &out).await {
        return false;
    }
    if !resp_body.is_done() {
        // Past the head nothing can be taken back: a failure now ends the client connection.
        if resp_body.relay(&mut up.io, &mut up.buf, io, resp_plan.dechunk, idle, &mut scratch).await.is_err() {
            return false;
        }
    }
    drop(in_flight);
    let target_keeps = !response.connection.close && (!response.http10 || response.connection.keep_alive) && response.framing != Framing::Close;
    if target_keeps && !head.ambiguous_length {
        target.extra.checkin(up);
    }
    resp_plan.keep_alive && head.method != Method::Connect
}
