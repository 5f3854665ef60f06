//! TLS termination on HTTPS listeners: the handshake (bounded by [`HANDSHAKE_TIMEOUT`]), then
//! HTTP/2 when the client negotiated ALPN `h2`, HTTP/1.1 otherwise, over the decrypted stream.
//!
//! Each handshake uses the listener's [`rustls::ServerConfig`] as loaded at accept time, so a
//! certificate swap reaches the next handshake at once while open connections keep theirs.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

use crate::h1::conn::ClientIo;
use crate::routing::ListenerRoutes;

/// The longest a client may take to complete a TLS handshake: 10 seconds, ALB's connection
/// establishment timeout.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a TLS connection negotiated, for the `x-amzn-tls-version` and
/// `x-amzn-tls-cipher-suite` request headers (ALB attribute
/// `routing.http.x_amzn_tls_version_and_cipher_suite.enabled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsFacts {
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: &'static str,
    /// OpenSSL name of the cipher suite, e.g. `ECDHE-RSA-AES128-GCM-SHA256`.
    pub cipher: &'static str,
}

/// A decrypted client connection as the HTTP/1.1 engine reads it.
///
/// rustls may hold decrypted bytes the socket no longer signals (several records read at
/// once), so the wrapper remembers after every read whether plaintext is pending, and
/// [`ClientIo::wait_readable`] returns at once when it is.
struct TlsClient {
    inner: TlsStream<TcpStream>,
    pending: bool,
    facts: TlsFacts,
}

impl TlsClient {
    fn new(mut inner: TlsStream<TcpStream>) -> TlsClient {
        let conn = inner.get_ref().1;
        let facts = TlsFacts {
            version: conn.protocol_version().map_or("unknown", tls::listener_config::version_name),
            cipher: conn.negotiated_cipher_suite().map_or("unknown", |s| tls::listener_config::cipher_name(s.suite())),
        };
        let pending = plaintext_pending(&mut inner);
        TlsClient { inner, pending, facts }
    }
}

/// True if rustls has decrypted bytes ready (or an error to report) without reading the socket.
fn plaintext_pending(s: &mut TlsStream<TcpStream>) -> bool {
    match s.get_mut().1.process_new_packets() {
        Ok(state) => state.plaintext_bytes_to_read() > 0 || state.peer_has_closed(),
        Err(_) => true,
    }
}

impl AsyncRead for TlsClient {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if r.is_ready() {
            this.pending = plaintext_pending(&mut this.inner);
        }
        r
    }
}

impl AsyncWrite for TlsClient {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl ClientIo for TlsClient {
    fn wait_readable(&self) -> impl Future<Output = io::Result<()>> + Send {
        let pending = self.pending;
        let socket = self.inner.get_ref().0;
        async move { if pending { Ok(()) } else { socket.readable().await } }
    }

    fn tls_facts(&self) -> Option<TlsFacts> {
        Some(self.facts)
    }
}

/// The server side of a TLS handshake on `stream`, bounded by [`HANDSHAKE_TIMEOUT`]; `None`
/// (logged at debug) if it fails or times out. HTTPS and TLS listeners share it.
pub(crate) async fn handshake(stream: TcpStream, peer: SocketAddr, config: Arc<rustls::ServerConfig>) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    let accept = tokio_rustls::TlsAcceptor::from(config).accept(stream);
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
        Ok(Ok(s)) => Some(s),
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "TLS handshake timed out");
            None
        }
    }
}

/// Serves one connection of an HTTPS listener: handshake with `config`, then HTTP/2 or
/// HTTP/1.1 by ALPN. A failed or slow handshake just closes the connection.
pub(crate) async fn serve(stream: TcpStream, peer: SocketAddr, config: Arc<rustls::ServerConfig>, routes: Arc<ArcSwap<ListenerRoutes>>, stop: CancellationToken) {
    let tls = tokio::select! {
        r = handshake(stream, peer, config) => match r {
            Some(s) => s,
            None => return,
        },
        _ = stop.cancelled() => return,
    };
    let client = TlsClient::new(tls);
    if client.inner.get_ref().1.alpn_protocol() == Some(b"h2") {
        let facts = client.facts;
        return Box::pin(crate::h2::serve(client.inner, peer, Some(facts), routes, stop)).await;
    }
    crate::h1::conn::serve(client, peer, routes, stop).await;
}
