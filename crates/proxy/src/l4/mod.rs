//! Layer-4 listeners: what Network Load Balancers serve (listener protocols TCP, TLS, UDP and
//! TCP_UDP), and what Classic Load Balancers' TCP/SSL listeners become once presented as ELBv2
//! listeners. The listener protocol alone decides: a TCP or TLS listener relays a byte stream
//! ([`tcp_relay`]), a UDP listener relays datagrams by flow ([`udp_relay`]), TCP_UDP does both
//! on one port. The default action forwards to one target group, or to several by weight.
//!
//! Per target group: healthy targets only (fail-open as ALB when too few are healthy),
//! `stickiness.type=source_ip` (a consistent hash of the client's IP), `proxy_protocol_v2.enabled`
//! ([`proxy_protocol`]), TLS toward TLS target groups (no certificate verification, as NLB), and
//! on deregistration `deregistration_delay.connection_termination.enabled` (NLB user guide,
//! "Deregistration delay"): open connections keep flowing, and are closed when the delay ends
//! only if that attribute is `true`.

pub mod bidirectional;
pub mod proxy_protocol;
pub(crate) mod tcp_relay;
pub(crate) mod udp_relay;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use balancer::Target;
use model::Protocol;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::routing::{ForwardRoute, HashOn, TargetGroupRoute};
use crate::upstream::{CONNECT_TIMEOUT, Upstream};

/// NLB's idle timeout for UDP flows: 120 seconds, not configurable (NLB user guide,
/// "Connection idle timeout").
pub const UDP_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// NLB's default TCP idle timeout (`tcp.idle_timeout.seconds`, 60–6000).
pub const DEFAULT_TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(350);

/// Everything one layer-4 listener needs per connection or flow.
#[derive(Debug)]
pub struct L4Routes {
    /// The listener's ARN.
    pub listener_arn: String,
    /// Its port.
    pub port: u16,
    /// TCP, TLS, UDP or TCP_UDP.
    pub protocol: Protocol,
    /// TLS listeners: the configuration of the next handshake (certificates by SNI, security
    /// policy, ALPN from the listener's `AlpnPolicy`).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// `tcp.idle_timeout.seconds` (TCP and TLS connections).
    pub idle_timeout: Duration,
    /// The default action: target groups and their weights.
    pub forward: Arc<ForwardRoute>,
}

/// The sockets a listener protocol needs on its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transports {
    /// A TCP listening socket (HTTP, HTTPS, TCP, TLS, TCP_UDP).
    pub tcp: bool,
    /// A UDP socket (UDP, TCP_UDP).
    pub udp: bool,
}

impl Transports {
    /// What `protocol` binds: UDP alone for UDP, both for TCP_UDP, TCP otherwise.
    pub fn of(protocol: Protocol) -> Transports {
        match protocol {
            Protocol::Udp => Transports { tcp: false, udp: true },
            Protocol::TcpUdp => Transports { tcp: true, udp: true },
            _ => Transports { tcp: true, udp: false },
        }
    }

    /// True if `self` needs a socket `other` does not have.
    pub fn exceeds(self, other: Transports) -> bool {
        (self.tcp && !other.tcp) || (self.udp && !other.udp)
    }

    /// Both sets.
    pub fn union(self, other: Transports) -> Transports {
        Transports { tcp: self.tcp || other.tcp, udp: self.udp || other.udp }
    }
}

/// True for the listener protocols served here rather than by the HTTP engines.
pub fn is_layer4(protocol: Protocol) -> bool {
    matches!(protocol, Protocol::Tcp | Protocol::Tls | Protocol::Udp | Protocol::TcpUdp)
}

/// The sockets of a running listener, shared so that a protocol change can hand them over.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sockets {
    pub(crate) tcp: Option<Arc<TcpListener>>,
    pub(crate) udp: Option<Arc<UdpSocket>>,
}

impl Sockets {
    pub(crate) fn transports(&self) -> Transports {
        Transports { tcp: self.tcp.is_some(), udp: self.udp.is_some() }
    }
}

/// A running layer-4 listener.
pub(crate) struct L4ListenerTask {
    pub(crate) arn: String,
    pub(crate) routes: Arc<ArcSwap<L4Routes>>,
    pub(crate) stop: CancellationToken,
    pub(crate) sockets: Sockets,
}

impl L4ListenerTask {
    /// Starts serving on `sockets` (TCP accept loop and/or UDP receive loop); connections and
    /// flows are tracked by `tracker`.
    pub(crate) fn start(sockets: Sockets, routes: L4Routes, tracker: TaskTracker, node_stop: &CancellationToken) -> L4ListenerTask {
        let arn = routes.listener_arn.clone();
        let routes = Arc::new(ArcSwap::from_pointee(routes));
        let stop = node_stop.child_token();
        if let Some(tcp) = &sockets.tcp {
            tracker.spawn(tcp_relay::accept_loop(tcp.clone(), routes.clone(), stop.clone(), tracker.clone()));
        }
        if let Some(udp) = &sockets.udp {
            tracker.spawn(udp_relay::receive_loop(udp.clone(), routes.clone(), stop.clone(), tracker.clone()));
        }
        L4ListenerTask { arn, routes, stop, sockets }
    }
}

/// The hash of a client IP for `source_ip` stickiness.
fn ip_hash(ip: IpAddr) -> u64 {
    match ip.to_canonical() {
        IpAddr::V4(v4) => balancer::hash_key(&v4.octets()),
        IpAddr::V6(v6) => balancer::hash_key(&v6.octets()),
    }
}

/// Chooses a target group (by weight; with `source_ip` stickiness, by the client's IP so a
/// client stays on one group) and a routable target in it. `exclude` is a target that just
/// refused a connection.
pub(crate) fn pick<'a>(fwd: &'a ForwardRoute, client: IpAddr, exclude: Option<&Arc<Target<Upstream>>>) -> Option<(&'a Arc<TargetGroupRoute>, &'a Arc<Target<Upstream>>)> {
    let first = &fwd.groups.first()?.0;
    let hash = (first.hash == HashOn::SourceIp).then(|| ip_hash(client));
    let group = if fwd.groups.len() == 1 || fwd.total_weight == 0 {
        first
    } else {
        let mut r = (hash.unwrap_or_else(balancer::random) % u64::from(fwd.total_weight)) as u32;
        let mut chosen = first;
        for (g, w) in &fwd.groups {
            if r < *w {
                chosen = g;
                break;
            }
            r -= w;
        }
        chosen
    };
    let hash = (group.hash == HashOn::SourceIp).then(|| hash.unwrap_or_else(|| ip_hash(client)));
    let target = group.balancer.pick(hash, exclude)?;
    Some((group, target))
}

/// Opens a TCP connection to `target` within NLB's connect timeout (10 s).
pub(crate) async fn connect(target: &Target<Upstream>) -> io::Result<TcpStream> {
    let s = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(target.addr)).await {
        Ok(r) => r?,
        Err(_) => return Err(io::ErrorKind::TimedOut.into()),
    };
    let _ = s.set_nodelay(true);
    Ok(s)
}

/// Counts one open connection or flow on its target's health cell for as long as it lives
/// (the per-target figure a stats page reads).
pub(crate) struct Counted(Arc<Target<Upstream>>);

impl Counted {
    pub(crate) fn new(target: Arc<Target<Upstream>>) -> Counted {
        target.health.connection(true);
        Counted(target)
    }

    pub(crate) fn target(&self) -> &Arc<Target<Upstream>> {
        &self.0
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.health.connection(false);
    }
}

/// Binds a UDP socket for a listener on `addr`: no `SO_REUSEADDR` (on Linux it would let a
/// second UDP socket share the port, hiding a clash), non-blocking, a large receive buffer.
pub(crate) fn bind_udp(addr: SocketAddr) -> io::Result<std::net::UdpSocket> {
    let socket = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    socket.set_nonblocking(true)?;
    // Best effort: bursts of datagrams queue here while the receive loop catches up.
    let _ = socket.set_recv_buffer_size(4 << 20);
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests;
