//! TCP and TLS listeners: accept, terminate TLS when the listener is TLS, pick a target, connect
//! (once more to another target if the first refuses), send the PROXY protocol v2 header when the
//! group asks for it, connect with TLS to TLS target groups, then relay bytes both ways
//! ([`super::bidirectional`]) until both sides close, the connection idles for
//! `tcp.idle_timeout.seconds`, or the target's deregistration delay ends with connection
//! termination on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::bidirectional::{self, Outcome};
use super::proxy_protocol::{ProxyHeader, Transport};
use super::{Counted, L4Routes};

pub(crate) async fn accept_loop(socket: Arc<TcpListener>, routes: Arc<ArcSwap<L4Routes>>, stop: CancellationToken, tracker: TaskTracker) {
    crate::listener::accept_each(socket, stop, tracker, move |stream, peer| serve(stream, peer, routes.clone())).await;
}

/// Closes with a reset, as a client of NLB sees a target that refused.
fn reset(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

async fn serve(stream: TcpStream, peer: SocketAddr, routes: Arc<ArcSwap<L4Routes>>) {
    // Read per connection: a changed target group or certificate reaches the next connection.
    let r = routes.load_full();
    match r.tls.clone() {
        None => forward(stream, peer, &r).await,
        // Boxed: the handshake's state would otherwise enlarge every plain TCP connection's task.
        Some(config) => Box::pin(serve_tls(stream, peer, &r, config)).await,
    }
}

/// Terminates TLS (at most [`crate::tls_listener::HANDSHAKE_TIMEOUT`]), then relays the plaintext.
async fn serve_tls(stream: TcpStream, peer: SocketAddr, r: &L4Routes, config: Arc<rustls::ServerConfig>) {
    if let Some(tls) = crate::tls_listener::handshake(stream, peer, config).await {
        forward(tls, peer, r).await;
    }
}

/// A client connection: plain TCP, or TLS terminated here.
trait ClientStream: AsyncRead + AsyncWrite + Unpin {
    /// The TCP socket underneath.
    fn tcp(&self) -> &TcpStream;
}

impl ClientStream for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl ClientStream for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

/// Connects to a target of the listener's default action and relays `client` to it.
async fn forward<C: ClientStream>(mut client: C, peer: SocketAddr, r: &L4Routes) {
    let mut failed = None;
    let mut chosen = None;
    // A refused connection is tried once more on another target.
    for _ in 0..2 {
        let Some((group, target)) = super::pick(&r.forward, peer.ip(), failed.as_ref()) else { break };
        match super::connect(target).await {
            Ok(s) => {
                chosen = Some((group.clone(), target.clone(), s));
                break;
            }
            Err(e) => {
                tracing::debug!(target = %target.addr, error = %e, "cannot connect to target");
                failed = Some(target.clone());
            }
        }
    }
    let Some((group, target, mut upstream)) = chosen else {
        reset(client.tcp());
        return;
    };
    let counted = Counted::new(target);
    // Before the handshake, so a cut during it also ends the connection.
    let cut = counted.target().extra.l4_cut();
    if group.proxy_protocol_v2 || group.proxy_protocol_v1 {
        // The listener address the client reached (the node may listen on a wildcard address).
        let local = client.tcp().local_addr().unwrap_or_else(|_| SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), r.port));
        let header = if group.proxy_protocol_v2 { ProxyHeader::v2(peer, local, Transport::Stream) } else { ProxyHeader::v1(peer, local) };
        if upstream.write_all(header.as_bytes()).await.is_err() {
            reset(client.tcp());
            return;
        }
    }
    let outcome = match &group.target_tls {
        None => bidirectional::relay(&mut client, &mut upstream, r.idle_timeout, &cut).await.0,
        Some(config) => {
            let name = rustls::pki_types::ServerName::IpAddress(counted.target().addr.ip().into());
            let connect = tokio_rustls::TlsConnector::from(config.clone()).connect(name, upstream);
            let mut tls = match tokio::time::timeout(crate::upstream::CONNECT_TIMEOUT, connect).await {
                Ok(Ok(s)) => s,
                _ => {
                    tracing::debug!(target = %counted.target().addr, "TLS handshake with the target failed");
                    reset(client.tcp());
                    return;
                }
            };
            bidirectional::relay(&mut client, &mut tls, r.idle_timeout, &cut).await.0
        }
    };
    match outcome {
        Outcome::Closed => {}
        Outcome::IdleTimeout => tracing::debug!(%peer, target = %counted.target().addr, "connection idle timeout"),
        Outcome::Cut => {
            tracing::debug!(%peer, target = %counted.target().addr, "connection closed at the end of the deregistration delay");
            reset(client.tcp());
        }
        Outcome::Failed(kind) => {
            tracing::debug!(%peer, target = %counted.target().addr, ?kind, "relay failed");
            reset(client.tcp());
        }
    }
}
