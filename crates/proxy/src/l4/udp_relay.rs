//! UDP listeners (and the UDP half of TCP_UDP): one socket on the listener's port receives every
//! client's datagrams; a flow table keyed by the client's address gives each client a socket
//! connected to the target chosen for its first datagram, and a task that sends the target's
//! replies back from the listener socket, so the client sees answers from the address it wrote
//! to. A flow ends after [`super::UDP_IDLE_TIMEOUT`] (120 s, NLB's UDP idle timeout) without a
//! datagram either way, when its listener stops, or when its target's deregistration delay ends
//! with connection termination on (the default for UDP target groups).
//!
//! The table belongs to the receive task alone, so a datagram costs one hash lookup and no lock;
//! datagrams are read into one per-thread buffer (allocated once per worker thread, borrowed
//! only between awaits), never a per-datagram or per-flow one. Sends never wait: a datagram that
//! meets a full socket buffer is dropped, as on any UDP path.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::net::UdpSocket;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::proxy_protocol::{MAX_LEN as HEAD, ProxyHeader, Transport};
use super::{Counted, L4Routes, UDP_IDLE_TIMEOUT};

/// The largest UDP payload (65,535 minus the IPv4 and UDP headers).
const MAX_DATAGRAM: usize = 65_507;
/// Datagrams handled per wake-up before yielding to other tasks.
const BATCH: usize = 64;
/// How often closed flows are swept from the table.
const SWEEP: Duration = Duration::from_secs(10);

thread_local! {
    /// Room for a PROXY header in front of the largest datagram, so a header is never copied
    /// behind the payload.
    static DATAGRAM: std::cell::RefCell<Box<[u8]>> = std::cell::RefCell::new(vec![0u8; HEAD + MAX_DATAGRAM].into_boxed_slice());
}

/// Milliseconds since the first call: a clock that fits an atomic.
fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// One client's flow toward its target.
struct Flow {
    /// Connected to the target.
    socket: UdpSocket,
    /// Last datagram either way ([`now_ms`]).
    last_ms: AtomicU64,
    /// Set by the flow's task when it ends; the receive task then opens a new flow.
    closed: AtomicBool,
    /// PROXY protocol v2 header sent before every datagram, if the group asks for it.
    header: Option<ProxyHeader>,
}

pub(crate) async fn receive_loop(listener: Arc<UdpSocket>, routes: Arc<ArcSwap<L4Routes>>, stop: CancellationToken, tracker: TaskTracker) {
    let mut flows: HashMap<SocketAddr, Arc<Flow>> = HashMap::new();
    let local = listener.local_addr().ok();
    let mut sweep = tokio::time::interval(SWEEP);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            r = listener.readable() => if let Err(e) = r {
                tracing::warn!(error = %e, "UDP listener socket failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            },
            _ = sweep.tick() => {
                flows.retain(|_, f| !f.closed.load(Ordering::Relaxed));
                continue;
            }
            _ = stop.cancelled() => break,
        }
        let r = routes.load();
        DATAGRAM.with(|buf| receive_batch(&mut buf.borrow_mut(), &listener, &mut flows, &r, local, &stop, &tracker));
    }
}

/// Reads up to [`BATCH`] datagrams and sends each into its flow, opening flows as needed.
fn receive_batch(buf: &mut [u8], listener: &Arc<UdpSocket>, flows: &mut HashMap<SocketAddr, Arc<Flow>>, routes: &L4Routes, local: Option<SocketAddr>, stop: &CancellationToken, tracker: &TaskTracker) {
    let now = now_ms();
    for _ in 0..BATCH {
        let (n, client) = match listener.try_recv_from(&mut buf[HEAD..]) {
            Ok(x) => x,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => {
                tracing::debug!(error = %e, "UDP receive failed");
                continue;
            }
        };
        if let Some(f) = flows.get(&client)
            && !f.closed.load(Ordering::Relaxed)
        {
            f.send(buf, n, now);
            continue;
        }
        let Some(f) = open_flow(listener, client, routes, local, stop, tracker) else { continue };
        f.send(buf, n, now);
        flows.insert(client, f);
    }
}

impl Flow {
    /// Sends the payload at `buf[HEAD..HEAD + n]` to the target, behind the PROXY header if any.
    #[inline]
    fn send(&self, buf: &mut [u8], n: usize, now: u64) {
        self.last_ms.store(now, Ordering::Relaxed);
        let start = match &self.header {
            None => HEAD,
            Some(h) => {
                let h = h.as_bytes();
                buf[HEAD - h.len()..HEAD].copy_from_slice(h);
                HEAD - h.len()
            }
        };
        // A full buffer or an ICMP error from the target: the datagram is lost, as on UDP. The
        // send is a plain non-blocking system call: tokio's `try_send` would refuse until the
        // reactor has seen the new socket writable, losing a flow's first datagram.
        let _ = socket2::SockRef::from(&self.socket).send(&buf[start..HEAD + n]);
    }
}

/// Picks a target for a new client and starts the flow's reply task. `None` (the datagram is
/// dropped) if no target is routable or no socket can be had.
fn open_flow(listener: &Arc<UdpSocket>, client: SocketAddr, routes: &L4Routes, local: Option<SocketAddr>, stop: &CancellationToken, tracker: &TaskTracker) -> Option<Arc<Flow>> {
    let (group, target) = super::pick(&routes.forward, client.ip(), None)?;
    let socket = match connected_socket(target.addr) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(target = %target.addr, error = %e, "cannot open a UDP flow to the target");
            return None;
        }
    };
    let header = group.proxy_protocol_v2.then(|| ProxyHeader::v2(client, local.unwrap_or_else(|| SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), routes.port)), Transport::Datagram));
    let flow = Arc::new(Flow { socket, last_ms: AtomicU64::new(now_ms()), closed: AtomicBool::new(false), header });
    let counted = Counted::new(target.clone());
    tracker.spawn(reply_loop(flow.clone(), listener.clone(), client, counted, stop.clone()));
    Some(flow)
}

fn connected_socket(target: SocketAddr) -> io::Result<UdpSocket> {
    let any: SocketAddr = if target.is_ipv4() { (std::net::Ipv4Addr::UNSPECIFIED, 0).into() } else { (std::net::Ipv6Addr::UNSPECIFIED, 0).into() };
    let s = std::net::UdpSocket::bind(any)?;
    s.set_nonblocking(true)?;
    s.connect(target)?;
    UdpSocket::from_std(s)
}

/// Sends the target's replies to `client` until the flow idles out or is cut.
async fn reply_loop(flow: Arc<Flow>, listener: Arc<UdpSocket>, client: SocketAddr, counted: Counted, stop: CancellationToken) {
    let client = socket2::SockAddr::from(client);
    let cut = counted.target().extra.l4_cut();
    let mut cut = pin!(cut.cancelled_owned());
    let mut stopped = pin!(stop.cancelled());
    let mut idle = pin!(tokio::time::sleep(UDP_IDLE_TIMEOUT));
    loop {
        tokio::select! {
            r = flow.socket.readable() => {
                if r.is_err() {
                    break;
                }
                DATAGRAM.with(|buf| relay_replies(&mut buf.borrow_mut(), &flow, &listener, &client));
            }
            _ = &mut idle => {
                // Re-armed only when it fires, from the last datagram either way.
                let quiet = Duration::from_millis(now_ms().saturating_sub(flow.last_ms.load(Ordering::Relaxed)));
                if quiet >= UDP_IDLE_TIMEOUT {
                    break;
                }
                idle.as_mut().reset(Instant::now() + (UDP_IDLE_TIMEOUT - quiet));
            }
            _ = &mut cut => break,
            _ = &mut stopped => break,
        }
    }
    flow.closed.store(true, Ordering::Relaxed);
    drop(counted);
}

/// Forwards up to [`BATCH`] replies of the target to the client.
fn relay_replies(buf: &mut [u8], flow: &Flow, listener: &UdpSocket, client: &socket2::SockAddr) {
    let mut any = false;
    for _ in 0..BATCH {
        match flow.socket.try_recv(buf) {
            Ok(n) => {
                any = true;
                // As in `Flow::send`: a plain non-blocking send, lost if the buffer is full.
                let _ = socket2::SockRef::from(listener).send_to(&buf[..n], client);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            // ICMP port unreachable from the target, reported on the next receive: keep the flow.
            Err(_) => {}
        }
    }
    if any {
        flow.last_ms.store(now_ms(), Ordering::Relaxed);
    }
}
