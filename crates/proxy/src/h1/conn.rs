//! One client connection: read a request head, act on it (forward it to a target, or answer
//! with a fixed response, a redirect or an error), relay the bodies, and go idle holding no
//! buffer until the next request. One task drives both the client and the target connection.
//!
//! ALB's semantics: 400 for malformed requests, 405 for TRACE/CONNECT, 463 for too many
//! `X-Forwarded-For` entries, 501 for transfer codings other than chunked, 503 when the target
//! group has no registered target, 502 when a target refuses, resets, or answers malformed,
//! 504 when it does not connect within 10 s or stays silent past the idle timeout.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::body::BodyState;
use super::buf::Buf;
use super::head::{Framing, HeadError, MAX_REQUEST_HEAD, MAX_RESPONSE_HEAD, Method, RequestHead, ResponseHead, parse_request, parse_response};
use super::rewrite;
use crate::routing::{ListenerRoutes, RouteAction};
use crate::upstream::UpstreamConn;

/// A client transport the engine can wait on without holding a read buffer.
pub trait ClientIo: AsyncRead + AsyncWrite + Unpin + Send {
    /// Resolves when bytes (or end of stream) can be read. May wake spuriously.
    fn wait_readable(&self) -> impl Future<Output = io::Result<()>> + Send;

    /// Resolves when the first byte of the connection (or its end) has arrived, without
    /// spurious wake-ups.
    fn wait_first_byte(&self) -> impl Future<Output = io::Result<()>> + Send {
        self.wait_readable()
    }

    /// True if the connection opens with the HTTP/2 preface (`PRI * HTTP/2.0`, RFC 9113 §3.4).
    fn starts_with_h2_preface(&self) -> impl Future<Output = bool> + Send {
        std::future::ready(false)
    }

    /// The negotiated TLS version and cipher suite, on HTTPS listeners.
    fn tls_facts(&self) -> Option<crate::tls_listener::TlsFacts> {
        None
    }
}

impl ClientIo for TcpStream {
    fn wait_readable(&self) -> impl Future<Output = io::Result<()>> + Send {
        self.readable()
    }

    /// tokio reports a newly accepted socket readable before any byte arrives; `peek` waits
    /// through that, so a connection that never sends holds no read buffer.
    async fn wait_first_byte(&self) -> io::Result<()> {
        let mut byte = [0u8; 1];
        self.peek(&mut byte).await.map(|_| ())
    }

    async fn starts_with_h2_preface(&self) -> bool {
        let mut pri = [0u8; 3];
        matches!(self.peek(&mut pri).await, Ok(3)) && &pri == b"PRI"
    }
}

/// Serves one client connection until it closes, idles out, or `stop` is cancelled (then the
/// request in flight finishes first).
pub async fn serve<C: ClientIo + 'static>(mut io: C, peer: SocketAddr, routes: Arc<ArcSwap<ListenerRoutes>>, stop: CancellationToken) {
    let started = Instant::now();
    let mut buf = Buf::new();
    let mut first = true;
    loop {
        if buf.is_empty() {
            buf.release();
            let idle_timeout = routes.load().idle_timeout;
            let ready = tokio::select! {
                biased;
                _ = stop.cancelled() => return,
                res = tokio::time::timeout(idle_timeout, async {
                    if first { io.wait_first_byte().await } else { io.wait_readable().await }
                }) => res,
            };
            if !matches!(ready, Ok(Ok(()))) {
                return;
            }
            // HTTP/2 with prior knowledge (h2c): hand the connection to the HTTP/2 server,
            // boxed so that HTTP/1.1 connections do not carry its state.
            if first && io.starts_with_h2_preface().await {
                return Box::pin(crate::h2::serve(io, peer, None, routes, stop)).await;
            }
            first = false;
        }
        // Loaded once the request is there: a kept-alive connection idle across a configuration
        // change (a new rule, a stickiness policy) serves its next request with the new routes.
        let r = routes.load_full();
        // The request's work is boxed, so an idle connection's task holds only this loop's
        // small state, not the deepest await point of request handling.
        let keep = Box::pin(request(&mut io, &mut buf, &r, peer, &stop, started)).await;
        if !keep {
            let _ = tokio::time::timeout(Duration::from_secs(1), io.shutdown()).await;
            return;
        }
    }
}

/// Reads one request and answers it. Returns whether the connection stays open.
async fn request<C: ClientIo>(io: &mut C, buf: &mut Buf, r: &ListenerRoutes, peer: SocketAddr, stop: &CancellationToken, started: Instant) -> bool {
    let head = match read_head(io, buf, r.header_timeout.min(r.idle_timeout)).await {
        Ok(Some(h)) => h,
        Ok(None) => return false,
        Err(status) => return respond_error(io, status, r, false).await,
    };
    // Request smuggling defence (`routing.http.desync_mitigation_mode`, ALB's classification).
    let verdict = super::desync::classify(&buf.unread()[..head.len]);
    let mut head = head;
    match super::desync::action(r.desync, verdict.tier) {
        super::desync::Action::Forward => {}
        super::desync::Action::Reject => {
            tracing::debug!(%peer, tier = verdict.tier.as_str(), reason = verdict.reason, "request refused by desync mitigation");
            return respond_error(io, 400, r, false).await;
        }
        // Forwarded, but neither connection is reused afterwards.
        super::desync::Action::ForwardThenClose => head.ambiguous_length = true,
    }
    // ALB closes client connections that reach `client_keep_alive.seconds`.
    let may_keep = !stop.is_cancelled() && started.elapsed() < r.client_keep_alive;
    handle(io, buf, head, r, peer, may_keep).await && !stop.is_cancelled()
}

/// Reads until a whole request head is buffered. `Ok(None)`: the client closed (or went
/// silent) before sending one. `Err(status)`: answer that status and close.
async fn read_head<C: ClientIo>(io: &mut C, buf: &mut Buf, timeout: Duration) -> Result<Option<RequestHead>, u16> {
    // The whole head must arrive within the timeout, however slowly it trickles.
    let deadline = Instant::now() + timeout;
    loop {
        if !buf.is_empty() {
            match parse_request(buf.unread()) {
                Ok(Some(h)) => return Ok(Some(h)),
                Ok(None) => {}
                Err(HeadError::UnsupportedTransferEncoding) => return Err(501),
                Err(HeadError::Malformed(_) | HeadError::TooLarge) => return Err(400),
            }
        }
        match tokio::time::timeout_at(deadline, buf.fill(io, MAX_REQUEST_HEAD + 1)).await {
            Err(_) => return if buf.is_empty() { Ok(None) } else { Err(408) },
            Ok(Err(_)) | Ok(Ok(0)) => return Ok(None),
            Ok(Ok(_)) => {}
        }
    }
}

pub(super) async fn write_out<C: ClientIo>(io: &mut C, out: &[u8]) -> bool {
    io.write_all(out).await.is_ok()
}

pub(super) async fn respond_error<C: ClientIo>(io: &mut C, status: u16, r: &ListenerRoutes, keep: bool) -> bool {
    let mut out = Vec::with_capacity(512);
    rewrite::error_page(&mut out, status, r.server_header, keep);
    write_out(io, &out).await && keep
}

/// Reads and drops a request body the answer does not need. False if the client broke off.
async fn discard_body<C: ClientIo>(io: &mut C, buf: &mut Buf, framing: Framing, idle: Duration) -> bool {
    let mut state = BodyState::new(framing);
    let mut sink = tokio::io::sink();
    let mut scratch = Vec::new();
    state.take_available(buf, &mut scratch, false).is_ok() && state.relay(io, buf, &mut sink, false, idle, &mut scratch).await.is_ok()
}

async fn handle<C: ClientIo>(io: &mut C, buf: &mut Buf, head: RequestHead, r: &ListenerRoutes, peer: SocketAddr, may_keep: bool) -> bool {
    let wants_keep = if head.http10 { head.connection.keep_alive } else { !head.connection.close };
    let keep = may_keep && wants_keep && !head.ambiguous_length;
    if matches!(head.method, Method::Trace | Method::Connect) {
        return respond_error(io, 405, r, false).await;
    }
    let has_authority = rewrite::split_absolute(head.target.of(buf.unread())).is_some();
    if head.host_count > 1 || (!head.http10 && head.host.is_none() && !has_authority) {
        return respond_error(io, 400, r, false).await;
    }
    let action = {
        let facts = super::facts::H1Facts::new(buf.unread(), &head, peer.ip());
        r.rules.route(&facts).unwrap_or(&r.default_action).clone()
    };
    match &action {
        RouteAction::Forward(fwd) => super::forward::forward(io, buf, &head, r, fwd, peer, keep).await,
        RouteAction::FixedResponse(f) => {
            let status: u16 = f.status_code.parse().unwrap_or(200);
            let mut out = Vec::with_capacity(256);
            let ct = f.content_type.as_deref().unwrap_or("text/plain; charset=utf-8");
            let body = f.message_body.as_deref().unwrap_or("").as_bytes();
            buf.consume(head.len);
            let keep = discard_body(io, buf, head.framing, r.idle_timeout).await && keep;
            rewrite::generated(&mut out, status, rewrite::reason_phrase(status), Some(ct), body, None, r.server_header, keep);
            write_out(io, &out).await && keep
        }
        RouteAction::Redirect(c) => {
            let location = super::redirect::location(buf.unread(), &head, r, c);
            let status = match c.status_code {
                model::listener::RedirectStatusCode::Http301 => 301,
                model::listener::RedirectStatusCode::Http302 => 302,
            };
            buf.consume(head.len);
            let keep = discard_body(io, buf, head.framing, r.idle_timeout).await && keep;
            let mut out = Vec::with_capacity(256);
            rewrite::generated(&mut out, status, rewrite::reason_phrase(status), None, b"", Some(&location), r.server_header, keep);
            write_out(io, &out).await && keep
        }
    }
}

/// Why no response head came from the target.
pub(crate) enum NoResponse {
    /// Silent past the idle timeout: 504.
    Timeout,
    /// Closed or reset before any byte: 502, or one retry on a reused connection.
    ClosedEarly,
    /// Garbage or a truncated head: 502.
    Malformed,
}

pub(crate) async fn read_response_head(up: &mut UpstreamConn, method: Method, idle: Duration) -> Result<ResponseHead, NoResponse> {
    loop {
        if !up.buf.is_empty() {
            match parse_response(up.buf.unread(), method) {
                // Interim responses other than 101 are not relayed: elbow answered 100-continue.
                Ok(Some(h)) if (100..200).contains(&h.status) && h.status != 101 => {
                    up.buf.consume(h.len);
                    continue;
                }
                Ok(Some(h)) => return Ok(h),
                Ok(None) => {}
                Err(_) => return Err(NoResponse::Malformed),
            }
        }
        let had = !up.buf.is_empty();
        match tokio::time::timeout(idle, up.buf.fill(&mut up.io, MAX_RESPONSE_HEAD + 1)).await {
            Err(_) => return Err(NoResponse::Timeout),
            Ok(Err(_)) | Ok(Ok(0)) => return Err(if had { NoResponse::Malformed } else { NoResponse::ClosedEarly }),
            Ok(Ok(_)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    /// An idle connection costs its task's future: it must stay far below hyper's 8 KiB
    /// buffer (bench/: idle connection memory ≤ 2 KiB).
    #[test]
    fn an_idle_connection_task_stays_small() {
        let routes = std::sync::Arc::new(arc_swap::ArcSwap::from_pointee(crate::routing::ListenerRoutes {
            listener_arn: String::new(),
            port: 80,
            scheme: "http",
            idle_timeout: std::time::Duration::from_secs(1),
            client_keep_alive: std::time::Duration::from_secs(1),
            header_timeout: std::time::Duration::from_secs(1),
            desync: crate::routing::DesyncMode::Defensive,
            cookie_key: std::sync::Arc::new(crate::sticky::CookieKey::new(&[0; 32])),
            rules: crate::rules::RuleSet::default(),
            xff: crate::routing::XffMode::Append,
            xff_client_port: false,
            preserve_host: false,
            drop_invalid_headers: false,
            server_header: true,
            tls: None,
            tls_headers: false,
            default_action: crate::routing::RouteAction::FixedResponse(std::sync::Arc::new(model::listener::FixedResponseConfig { message_body: None, status_code: "200".into(), content_type: None })),
        }));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let s = tokio::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
            let f = super::serve(s, "127.0.0.1:1".parse().unwrap(), routes.clone(), tokio_util::sync::CancellationToken::new());
            let size = std::mem::size_of_val(&f);
            assert!(size <= 768, "the connection future grew to {size} bytes: box what a request needs across awaits");
            drop(f);
            // What the accept loop spawns: a TLS branch held inline would size every plain
            // connection's task to the TLS handshake's state.
            let s = tokio::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
            let f = crate::listener::serve_connection(s, "127.0.0.1:1".parse().unwrap(), routes, tokio_util::sync::CancellationToken::new());
            let size = std::mem::size_of_val(&f);
            assert!(size <= 1024, "the spawned connection future grew to {size} bytes: box the TLS branch");
        });
    }
}

