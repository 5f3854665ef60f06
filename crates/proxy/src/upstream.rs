//! Connections to one target: connect (10 s timeout, as ALB), optional TLS, and a pool of idle
//! keep-alive connections. Draining closes idle connections at once and every connection when the
//! deregistration delay ends: each live connection is registered by a duplicate of its socket, so
//! the drain timer can shut it down under the task that is using it.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::h1::buf::Buf;

/// ALB's connect timeout to targets (a miss is a 504).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most idle connections kept per target.
const MAX_IDLE: usize = 512;

/// Why a connection to a target could not be had.
#[derive(Debug)]
pub enum ConnectError {
    /// No TCP connection within [`CONNECT_TIMEOUT`].
    Timeout,
    /// Refused, unreachable, reset, or a TLS failure.
    Failed(io::Error),
}

/// The transport to a target.
pub enum UpstreamIo {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP (HTTPS target groups).
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for UpstreamIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpstreamIo::Plain(s) => Pin::new(s).poll_read(cx, buf),
            UpstreamIo::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for UpstreamIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            UpstreamIo::Plain(s) => Pin::new(s).poll_write(cx, data),
            UpstreamIo::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, data),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpstreamIo::Plain(s) => Pin::new(s).poll_flush(cx),
            UpstreamIo::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpstreamIo::Plain(s) => Pin::new(s).poll_shutdown(cx),
            UpstreamIo::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

type Registry = Arc<Mutex<HashMap<u64, socket2::Socket>>>;

/// Removes a connection from its target's registry when it is dropped.
struct Registered {
    id: u64,
    registry: Registry,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

/// One HTTP/1.1 connection to a target and the bytes read from it.
pub struct UpstreamConn {
    /// The transport.
    pub io: UpstreamIo,
    /// Bytes read from the target and not yet relayed.
    pub buf: Buf,
    /// True if it served a request before (a failure before any byte of the answer may then be
    /// the target closing an idle connection, and is retried once).
    pub reused: bool,
    _registered: Registered,
}

impl AsyncRead for UpstreamConn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for UpstreamConn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

impl UpstreamConn {
    /// True if the target has not closed the connection nor sent anything unasked. Costs no
    /// system call while the socket has no pending event.
    fn alive(&mut self) -> bool {
        let mut byte = [0u8; 1];
        let mut rb = ReadBuf::new(&mut byte);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        matches!(Pin::new(&mut self.io).poll_read(&mut cx, &mut rb), Poll::Pending)
    }
}

struct Idle {
    conn: UpstreamConn,
    since: Instant,
}

/// The per-target state of the proxy: its connection pool.
pub struct Upstream {
    addr: SocketAddr,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// Milliseconds; idle pooled connections older than this are not reused.
    idle_timeout_ms: AtomicU64,
    idle: Mutex<Vec<Idle>>,
    closing: AtomicBool,
    next_id: AtomicU64,
    live: Registry,
    /// Cancelled to close the layer-4 relays and UDP flows to this target (end of the
    /// deregistration delay with `deregistration_delay.connection_termination.enabled`).
    /// Replaced (after cancelling) when the target turns unhealthy, so later connections are
    /// not cut with the earlier ones.
    l4_cut: Mutex<tokio_util::sync::CancellationToken>,
    /// The multiplexed HTTP/2 connection, for `HTTP2`/`GRPC` target groups.
    h2: tokio::sync::Mutex<Option<hyper::client::conn::http2::SendRequest<crate::h2::ProxyBody>>>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream").field("addr", &self.addr).finish()
    }
}

impl Upstream {
    /// Connections to `addr`, over TLS when `tls` is set, not reused after `idle_timeout`
    /// without traffic.
    pub fn new(addr: SocketAddr, tls: Option<Arc<rustls::ClientConfig>>, idle_timeout: Duration) -> Upstream {
        Upstream {
            addr,
            tls,
            idle_timeout_ms: AtomicU64::new(idle_timeout.as_millis() as u64),
            idle: Mutex::new(Vec::new()),
            closing: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            live: Arc::new(Mutex::new(HashMap::new())),
            l4_cut: Mutex::new(tokio_util::sync::CancellationToken::new()),
            h2: tokio::sync::Mutex::new(None),
        }
    }

    /// A sender on the target's HTTP/2 connection (h2c, or h2 over TLS with ALPN), opened on
    /// first use and shared by every request while it stays open.
    pub async fn checkout_h2(&self) -> Result<hyper::client::conn::http2::SendRequest<crate::h2::ProxyBody>, ConnectError> {
        let mut slot = self.h2.lock().await;
        if let Some(s) = slot.as_ref()
            && !s.is_closed() && !self.closing.load(Ordering::Relaxed) {
                return Ok(s.clone());
            }
        let conn = self.connect().await?;
        let (sender, connection) = hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .timer(hyper_util::rt::TokioTimer::new())
            .handshake(hyper_util::rt::TokioIo::new(conn))
            .await
            .map_err(|e| ConnectError::Failed(io::Error::other(e)))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "HTTP/2 connection to target ended");
            }
        });
        *slot = Some(sender.clone());
        Ok(sender)
    }

    /// True for HTTPS targets.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The load balancer's idle timeout (`idle_timeout.timeout_seconds`).
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms.load(Ordering::Relaxed))
    }

    /// Changes the idle timeout (the load balancer's attribute changed).
    pub fn set_idle_timeout(&self, t: Duration) {
        self.idle_timeout_ms.store(t.as_millis() as u64, Ordering::Relaxed);
    }

    /// A connection: an idle pooled one that is still open, else a new one.
    pub async fn checkout(&self) -> Result<UpstreamConn, ConnectError> {
        let max_idle = self.idle_timeout();
        loop {
            let Some(mut i) = self.idle.lock().pop() else { break };
            if i.since.elapsed() < max_idle && i.conn.alive() {
                return Ok(i.conn);
            }
        }
        self.connect().await
    }

    /// Returns a connection whose response was read to the end.
    pub fn checkin(&self, mut conn: UpstreamConn) {
        if self.closing.load(Ordering::Relaxed) || !conn.buf.is_empty() {
            return;
        }
        conn.buf.release();
        conn.reused = true;
        let mut idle = self.idle.lock();
        if idle.len() < MAX_IDLE {
            idle.push(Idle { conn, since: Instant::now() });
        }
    }

    /// Drops idle connections (deregistration: no new requests go here).
    pub fn close_idle(&self) {
        self.idle.lock().clear();
        if let Ok(mut h2) = self.h2.try_lock() {
            *h2 = None;
        }
    }

    /// Closes every connection, in flight or idle (the deregistration delay ended).
    pub fn close_all(&self) {
        self.closing.store(true, Ordering::Relaxed);
        self.close_idle();
        for s in self.live.lock().values() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    /// The token every layer-4 relay and UDP flow to this target watches.
    pub fn l4_cut(&self) -> tokio_util::sync::CancellationToken {
        self.l4_cut.lock().clone()
    }

    /// Watches `previous`'s layer-4 token instead of a fresh one, so relays opened before a
    /// target's runtime was rebuilt are still closed when its draining ends.
    pub fn share_l4_cut(&mut self, previous: &Upstream) {
        *self.l4_cut.get_mut() = previous.l4_cut();
    }

    /// Closes every layer-4 relay and UDP flow to this target.
    pub fn close_l4(&self) {
        self.l4_cut.lock().cancel();
    }

    /// Closes the layer-4 relays and UDP flows open to this target now, leaving connections
    /// made later alone (the target turned unhealthy:
    /// `target_health_state.unhealthy.connection_termination.enabled`).
    pub fn cut_open_l4(&self) {
        std::mem::take(&mut *self.l4_cut.lock()).cancel();
    }

    async fn connect(&self) -> Result<UpstreamConn, ConnectError> {
        let tcp = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(self.addr)).await {
            Err(_) => return Err(ConnectError::Timeout),
            Ok(Err(e)) => return Err(ConnectError::Failed(e)),
            Ok(Ok(s)) => s,
        };
        let _ = tcp.set_nodelay(true);
        let dup = socket2::SockRef::from(&tcp).try_clone().map_err(ConnectError::Failed)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.live.lock().insert(id, dup);
        let registered = Registered { id, registry: self.live.clone() };
        let io = match &self.tls {
            None => UpstreamIo::Plain(tcp),
            Some(cfg) => {
                let name = rustls::pki_types::ServerName::IpAddress(self.addr.ip().into());
                let tls = tokio::time::timeout(CONNECT_TIMEOUT, tokio_rustls::TlsConnector::from(cfg.clone()).connect(name, tcp))
                    .await
                    .map_err(|_| ConnectError::Failed(io::Error::new(io::ErrorKind::TimedOut, "TLS handshake with the target timed out")))?
                    .map_err(ConnectError::Failed)?;
                UpstreamIo::Tls(Box::new(tls))
            }
        };
        Ok(UpstreamConn { io, buf: Buf::new(), reused: false, _registered: registered })
    }
}
