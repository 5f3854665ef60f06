//! Connections to one target: connect (10 s timeout, as ALB), optional TLS, HTTP/1.1
//! handshake, and a pool of idle keep-alive connections. Draining closes idle connections at
//! once and every connection when the deregistration delay ends.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::idle::IdleIo;

/// ALB's connect timeout to targets (a miss is a 504).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most idle connections kept per target.
const MAX_IDLE: usize = 512;

/// Why a connection to a target could not be had.
#[derive(Debug)]
pub enum ConnectError {
    /// No TCP connection within [`CONNECT_TIMEOUT`].
    Timeout,
    /// Refused, unreachable, reset, TLS or handshake failure.
    Failed(io::Error),
}

/// The per-target state of the proxy: its connection pool.
#[derive(Debug)]
pub struct Upstream {
    addr: SocketAddr,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// Milliseconds; new connections use the current value.
    idle_timeout_ms: AtomicU64,
    idle: Mutex<Vec<SendRequest<Incoming>>>,
    closing: CancellationToken,
}

impl Upstream {
    /// Connections to `addr`, over TLS when `tls` is set, closed after `idle_timeout` without
    /// traffic.
    pub fn new(addr: SocketAddr, tls: Option<Arc<rustls::ClientConfig>>, idle_timeout: Duration) -> Upstream {
        Upstream { addr, tls, idle_timeout_ms: AtomicU64::new(idle_timeout.as_millis() as u64), idle: Mutex::new(Vec::new()), closing: CancellationToken::new() }
    }

    /// Changes the idle timeout of connections opened from now on
    /// (`idle_timeout.timeout_seconds` of the load balancer changed).
    pub fn set_idle_timeout(&self, t: Duration) {
        self.idle_timeout_ms.store(t.as_millis() as u64, Ordering::Relaxed);
    }

    /// A ready connection: an idle pooled one, else a new one.
    pub async fn checkout(&self) -> Result<SendRequest<Incoming>, ConnectError> {
        loop {
            let Some(mut s) = self.idle.lock().pop() else { break };
            if s.is_closed() {
                continue;
            }
            if s.is_ready() || s.ready().await.is_ok() {
                return Ok(s);
            }
        }
        self.connect().await
    }

    /// Returns a connection whose response has been fully read.
    pub fn checkin(&self, s: SendRequest<Incoming>) {
        if s.is_closed() || self.closing.is_cancelled() {
            return;
        }
        let mut idle = self.idle.lock();
        if idle.len() < MAX_IDLE {
            idle.push(s);
        }
    }

    /// Drops idle connections (deregistration: no new requests go here).
    pub fn close_idle(&self) {
        self.idle.lock().clear();
    }

    /// Closes every connection, in flight or idle (the deregistration delay ended).
    pub fn close_all(&self) {
        self.closing.cancel();
        self.close_idle();
    }

    async fn connect(&self) -> Result<SendRequest<Incoming>, ConnectError> {
        let tcp = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(self.addr)).await {
            Err(_) => return Err(ConnectError::Timeout),
            Ok(Err(e)) => return Err(ConnectError::Failed(e)),
            Ok(Ok(s)) => s,
        };
        let _ = tcp.set_nodelay(true);
        let io = IdleIo::new(tcp, Duration::from_millis(self.idle_timeout_ms.load(Ordering::Relaxed)));
        let closing = self.closing.clone();
        match &self.tls {
            None => handshake(io, closing).await,
            Some(cfg) => {
                let name = rustls::pki_types::ServerName::IpAddress(self.addr.ip().into());
                let tls = tokio::time::timeout(CONNECT_TIMEOUT, tokio_rustls::TlsConnector::from(cfg.clone()).connect(name, io))
                    .await
                    .map_err(|_| ConnectError::Failed(io::Error::new(io::ErrorKind::TimedOut, "TLS handshake with the target timed out")))?
                    .map_err(ConnectError::Failed)?;
                handshake(tls, closing).await
            }
        }
    }
}

async fn handshake<I>(io: I, closing: CancellationToken) -> Result<SendRequest<Incoming>, ConnectError>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::Builder::new()
        .handshake::<_, Incoming>(TokioIo::new(io))
        .await
        .map_err(|e| ConnectError::Failed(io::Error::other(e)))?;
    tokio::spawn(async move {
        tokio::select! {
            r = conn => if let Err(e) = r { tracing::trace!(error = %e, "target connection ended") },
            _ = closing.cancelled() => {}
        }
    });
    Ok(sender)
}
