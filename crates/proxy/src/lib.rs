//! # proxy — the data plane
//!
//! Data plane. [`Proxy::run`] follows configuration snapshots: it binds each listener's port on
//! the node's listen address, compiles each listener's routes (actions with target groups
//! resolved to [`balancer::TargetGroupBalancer`]s), swaps them in atomically, and keeps
//! per-target state (connection pools, in-flight counts) across snapshots for targets that did
//! not change. Deregistered targets stop receiving requests at once, finish what is in flight,
//! and are cut off when their deregistration delay ends.
//!
//! Listeners are served by the listener protocol: HTTP and HTTPS by the HTTP engines ([`h1`],
//! [`h2`]), TCP, TLS, UDP and TCP_UDP by the layer-4 relays ([`l4`]), whatever the load
//! balancer's type (Classic Load Balancers arrive as ELBv2 listeners through
//! `model::classic::expand`).
//!
//! Depends on `model`, `balancer` and `tls`; never on the control plane.

#![forbid(unsafe_code)]

mod choose;
pub mod h1;
pub mod h2;
pub mod l4;
pub mod rules;
pub mod sticky;
mod listener;
pub mod routing;
mod tls_listener;
mod upstream;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use balancer::{MinimumHealthy, Target, TargetGroupBalancer};
use model::{HealthTable, Millis, Protocol, Snapshot, TargetGroup, TargetKey, attributes};
use parking_lot::Mutex;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::l4::{L4ListenerTask, L4Routes, Sockets, Transports};
use crate::listener::ListenerTask;
use crate::routing::{DesyncMode, ForwardRoute, HashOn, ListenerRoutes, RouteAction, Stickiness, TargetGroupRoute, TargetProtocol, XffMode};
use crate::rules::RuleSet;
pub use crate::upstream::Upstream;

/// Node-wide data-plane settings.
#[derive(Clone)]
pub struct ProxyConfig {
    /// The address every listener binds (`--listen-addr`).
    pub listen_addr: IpAddr,
    /// Secret of stickiness cookies (32 bytes, kept in the data directory).
    pub cookie_secret: [u8; 32],
    /// Opens the sealed private keys of certificates (HTTPS listeners).
    pub key_sealer: Arc<tls::sealing::KeySealer>,
}

impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of logs.
        f.debug_struct("ProxyConfig").field("listen_addr", &self.listen_addr).finish_non_exhaustive()
    }
}

/// Sockets bound ahead of the commit that creates (or changes the protocol of) their listener.
struct Prebound {
    tcp: Option<std::net::TcpListener>,
    udp: Option<std::net::UdpSocket>,
    at: std::time::Instant,
}

/// A running listener, served by the HTTP engines or the layer-4 relays.
enum Running {
    Http(ListenerTask),
    L4(L4ListenerTask),
}

impl Running {
    fn stop(&self) -> &CancellationToken {
        match self {
            Running::Http(l) => &l.stop,
            Running::L4(l) => &l.stop,
        }
    }

    fn arn(&self) -> &str {
        match self {
            Running::Http(l) => &l.arn,
            Running::L4(l) => &l.arn,
        }
    }

    fn sockets(&self) -> Sockets {
        match self {
            Running::Http(l) => Sockets { tcp: Some(l.socket.clone()), udp: None },
            Running::L4(l) => l.sockets.clone(),
        }
    }
}

/// What a snapshot asks a port to serve.
enum Desired {
    Http(ListenerRoutes),
    L4(L4Routes),
}

impl Desired {
    fn transports(&self) -> Transports {
        match self {
            Desired::Http(_) => Transports { tcp: true, udp: false },
            Desired::L4(r) => Transports::of(r.protocol),
        }
    }

    fn arn(&self) -> &str {
        match self {
            Desired::Http(r) => &r.listener_arn,
            Desired::L4(r) => &r.listener_arn,
        }
    }
}

/// The ALPN protocols of a TLS listener's `AlpnPolicy` (NLB user guide, "ALPN policies"),
/// in the server's order of preference; `None` and unknown names offer none.
fn alpn_protocols(policy: &[String]) -> Vec<Vec<u8>> {
    let (h1, h2) = (b"http/1.1".to_vec(), b"h2".to_vec());
    match policy.first().map(String::as_str) {
        Some("HTTP1Only") => vec![h1],
        Some("HTTP2Only") => vec![h2],
        Some("HTTP2Optional") => vec![h1, h2],
        Some("HTTP2Preferred") => vec![h2, h1],
        _ => Vec::new(),
    }
}

/// The data plane of one node.
pub struct Proxy {
    config: ProxyConfig,
    health: Arc<HealthTable>,
    prebound: Mutex<HashMap<u16, Prebound>>,
    /// Ports whose listeners are serving, and the sockets they hold.
    bound: Mutex<HashMap<u16, Transports>>,
    tracker: TaskTracker,
    applied: watch::Sender<u64>,
    cookie_key: Arc<sticky::CookieKey>,
    /// TLS session resumption shared by every HTTPS listener configuration.
    sessions: tls::listener_config::SessionState,
    /// Opened certificates by sealed key (unique per upload or import), so a snapshot that
    /// does not change a certificate does not open its key again.
    certified_keys: Mutex<HashMap<String, Arc<rustls::sign::CertifiedKey>>>,
}

/// The runtime of one registration, kept across snapshots while it does not change.
struct TargetRuntime {
    target: Arc<Target<Upstream>>,
    /// When draining ends, once deregistered.
    drain_until: Option<Millis>,
    /// Layer-4 groups: close open connections when draining ends
    /// (`deregistration_delay.connection_termination.enabled`).
    l4_terminate: bool,
    /// Layer-4 groups: close open connections when the target turns unhealthy
    /// (`target_health_state.unhealthy.connection_termination.enabled`).
    unhealthy_terminate: bool,
    /// The target was unhealthy at the last look, so its connections were already cut.
    was_unhealthy: bool,
}

/// How often layer-4 targets are looked at for a turn to unhealthy.
const UNHEALTHY_CHECK_EVERY: Duration = Duration::from_secs(1);

/// Cuts the open layer-4 connections of targets that turned unhealthy since the last call, in
/// groups with `target_health_state.unhealthy.connection_termination.enabled` (NLB's default).
fn cut_unhealthy(targets: &mut HashMap<(TargetKey, Millis), TargetRuntime>) {
    for rt in targets.values_mut() {
        let unhealthy = rt.unhealthy_terminate && rt.target.health.get().state == model::TargetHealthState::Unhealthy;
        if unhealthy && !rt.was_unhealthy {
            tracing::info!(target_group = %rt.target.key.target_group_arn, target = %rt.target.key.id, "target unhealthy: closing its connections");
            rt.target.extra.cut_open_l4();
        }
        rt.was_unhealthy = unhealthy;
    }
}

fn now_millis() -> Millis {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as Millis).unwrap_or(0)
}

/// A listening socket as elbow makes them: `SO_REUSEADDR` so a restarted node can bind again at
/// once, non-blocking, a deep backlog.
fn bind(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(4096)?;
    Ok(socket.into())
}

impl Proxy {
    /// A data plane that reads target health from `health`.
    ///
    /// Panics if the system has no randomness for TLS session tickets.
    pub fn new(config: ProxyConfig, health: Arc<HealthTable>) -> Arc<Proxy> {
        Arc::new(Proxy {
            sessions: tls::listener_config::SessionState::new().expect("TLS session ticket keys need system randomness"),
            certified_keys: Mutex::new(HashMap::new()),
            cookie_key: Arc::new(sticky::CookieKey::new(&config.cookie_secret)),
            config,
            health,
            prebound: Mutex::new(HashMap::new()),
            bound: Mutex::new(HashMap::new()),
            tracker: TaskTracker::new(),
            applied: watch::channel(0).0,
        })
    }

    /// Waits until the data plane has applied a snapshot of at least `revision` (its listeners
    /// are bound, or failed to bind and are being retried).
    pub async fn wait_applied(&self, revision: u64) {
        let mut rx = self.applied.subscribe();
        let _ = rx.wait_for(|r| *r >= revision).await;
    }

    /// Binds `port` on the listen address now with the socket types a listener of `protocol`
    /// needs (TCP for HTTP, HTTPS, TCP and TLS; UDP for UDP; both for TCP_UDP), so that a
    /// listener is only committed once its port is known to be free; [`Proxy::run`] takes the
    /// sockets over. Sockets this node already holds for the port are not bound again.
    ///
    /// Errors: the bind error (address in use, permission denied for ports below 1024, …).
    pub fn prebind(&self, port: u16, protocol: Protocol) -> io::Result<()> {
        let need = Transports::of(protocol);
        let serving = self.bound.lock().get(&port).copied().unwrap_or_default();
        let mut prebound = self.prebound.lock();
        let held = prebound.get(&port).map(|p| Transports { tcp: p.tcp.is_some(), udp: p.udp.is_some() }).unwrap_or_default();
        let have = serving.union(held);
        if !need.exceeds(have) {
            return Ok(());
        }
        let addr = SocketAddr::new(self.config.listen_addr, port);
        let tcp = if need.tcp && !have.tcp { Some(bind(addr)?) } else { None };
        let udp = if need.udp && !have.udp { Some(l4::bind_udp(addr)?) } else { None };
        let entry = prebound.entry(port).or_insert(Prebound { tcp: None, udp: None, at: std::time::Instant::now() });
        entry.at = std::time::Instant::now();
        if tcp.is_some() {
            entry.tcp = tcp;
        }
        if udp.is_some() {
            entry.udp = udp;
        }
        Ok(())
    }

    /// Ports whose listeners are bound and serving.
    pub fn bound_ports(&self) -> Vec<u16> {
        self.bound.lock().keys().copied().collect()
    }

    fn take_tcp(&self, port: u16) -> io::Result<Arc<tokio::net::TcpListener>> {
        let pre = self.prebound.lock().get_mut(&port).and_then(|p| p.tcp.take());
        let std = match pre {
            Some(s) => s,
            None => bind(SocketAddr::new(self.config.listen_addr, port))?,
        };
        Ok(Arc::new(tokio::net::TcpListener::from_std(std)?))
    }

    fn take_udp(&self, port: u16) -> io::Result<Arc<tokio::net::UdpSocket>> {
        let pre = self.prebound.lock().get_mut(&port).and_then(|p| p.udp.take());
        let std = match pre {
            Some(s) => s,
            None => l4::bind_udp(SocketAddr::new(self.config.listen_addr, port))?,
        };
        Ok(Arc::new(tokio::net::UdpSocket::from_std(std)?))
    }

    /// Applies every snapshot published on `snapshots` until `shutdown`; then stops accepting,
    /// lets in-flight requests finish for at most `grace`, and returns.
    pub async fn run(self: Arc<Self>, mut snapshots: watch::Receiver<Arc<Snapshot>>, shutdown: CancellationToken, grace: Duration) {
        let mut listeners: HashMap<u16, Running> = HashMap::new();
        let mut targets: HashMap<(TargetKey, Millis), TargetRuntime> = HashMap::new();
        let tls = tls::target_client_config(&[]);
        let tls_h2 = tls::target_client_config(&[b"h2"]);
        let mut unhealthy_check = tokio::time::interval(UNHEALTHY_CHECK_EVERY);
        unhealthy_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        'snapshots: loop {
            let snap = snapshots.borrow_and_update().clone();
            let unbound = self.apply(&snap, &mut listeners, &mut targets, (&tls, &tls_h2), &shutdown);
            self.applied.send_replace(snap.revision);
            // Drop prebound sockets nobody claimed (their command failed after the bind).
            self.prebound.lock().retain(|_, p| (p.tcp.is_some() || p.udp.is_some()) && p.at.elapsed() < Duration::from_secs(30));
            let retry = tokio::time::Instant::now() + if unbound { Duration::from_secs(2) } else { Duration::from_secs(3600) };
            loop {
                tokio::select! {
                    r = snapshots.changed() => if r.is_err() { break 'snapshots } else { break },
                    _ = tokio::time::sleep_until(retry) => break,
                    _ = unhealthy_check.tick() => cut_unhealthy(&mut targets),
                    _ = shutdown.cancelled() => break 'snapshots,
                }
            }
        }
        for l in listeners.values() {
            l.stop().cancel();
        }
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait()).await.is_err() {
            tracing::warn!(grace_s = grace.as_secs(), "connections still open after the shutdown grace period");
        }
    }

    /// Brings listeners and targets in line with `snap`. Returns true if some listener could not
    /// bind its port (retried later).
    fn apply(
        &self,
        snap: &Snapshot,
        listeners: &mut HashMap<u16, Running>,
        targets: &mut HashMap<(TargetKey, Millis), TargetRuntime>,
        tls: (&Arc<rustls::ClientConfig>, &Arc<rustls::ClientConfig>),
        node_stop: &CancellationToken,
    ) -> bool {
        let now = now_millis();
        let version = self.health.version();
        let mut seen: std::collections::HashSet<(TargetKey, Millis)> = std::collections::HashSet::new();
        let mut groups: HashMap<String, Arc<TargetGroupRoute>> = HashMap::new();
        let mut desired: HashMap<u16, Desired> = HashMap::new();
        let mut used_keys: std::collections::HashSet<String> = std::collections::HashSet::new();

        for region in snap.regions.values() {
            // Classic Load Balancers appear here as ELBv2 load balancers, listeners and groups.
            let region = model::classic::expand(region);
            let region: &model::RegionState = &region;
            for l in region.listeners.values() {
                let Some(lb) = region.load_balancers.get(&l.load_balancer_arn) else { continue };
                // The listener protocol decides how a port is served, whatever the load balancer's type.
                if l4::is_layer4(l.protocol) {
                    if let Some(routes) = self.l4_routes(snap, region, l, &mut groups, tls, targets, &mut seen, &version, now, &mut used_keys) {
                        desired.insert(l.port, Desired::L4(routes));
                    }
                    continue;
                }
                if !l.protocol.is_http() {
                    continue;
                }
                let attr = |k: &str| attributes::load_balancer_attribute(lb, k).unwrap_or_default();
                let tls_config = match l.protocol {
                    Protocol::Https => match self.listener_tls(snap, region, l, attr("routing.http2.enabled") != "false", &mut used_keys) {
                        Ok(c) => Some(c),
                        Err(e) => {
                            tracing::error!(listener = %l.arn, error = %e, "HTTPS listener not served: its TLS configuration cannot be built");
                            continue;
                        }
                    },
                    _ => None,
                };
                let idle_timeout = Duration::from_secs(attr("idle_timeout.timeout_seconds").parse().unwrap_or(60));
                let mut compile = |actions: &[model::Action]| -> Option<RouteAction> {
                    let action = actions.last()?;
                    match action.kind {
                        model::ActionType::Forward => {
                            let f = self.forward_route(action, region, &mut groups, idle_timeout, tls, targets, &mut seen, &version, now)?;
                            Some(RouteAction::Forward(Arc::new(f)))
                        }
                        model::ActionType::FixedResponse => action.fixed_response.as_ref().map(|f| RouteAction::FixedResponse(Arc::new(f.clone()))),
                        model::ActionType::Redirect => action.redirect.as_ref().map(|r| RouteAction::Redirect(Arc::new(r.clone()))),
                        _ => None,
                    }
                };
                let Some(default_action) = compile(&l.default_actions) else { continue };
                let compiled: Vec<(&model::Rule, RouteAction)> = region.rules_of(&l.arn).into_iter().filter_map(|r| compile(&r.actions).map(|a| (r, a))).collect();
                let xff = match attr("routing.http.xff_header_processing.mode").as_str() {
                    "preserve" => XffMode::Preserve,
                    "remove" => XffMode::Remove,
                    _ => XffMode::Append,
                };
                let lattr = |k: &str| attributes::effective(&attributes::listener_defs(l.protocol), &l.attributes, k).unwrap_or_default();
                desired.insert(
                    l.port,
                    Desired::Http(ListenerRoutes {
                        listener_arn: l.arn.clone(),
                        port: l.port,
                        scheme: if tls_config.is_some() { "https" } else { "http" },
                        idle_timeout,
                        client_keep_alive: Duration::from_secs(attr("client_keep_alive.seconds").parse().unwrap_or(3600)),
                        header_timeout: Duration::from_secs(attr(attributes::ELBOW_HEADER_TIMEOUT).parse().unwrap_or(60)),
                        desync: DesyncMode::parse(&attr("routing.http.desync_mitigation_mode")).unwrap_or_default(),
                        xff,
                        xff_client_port: attr("routing.http.xff_client_port.enabled") == "true",
                        preserve_host: attr("routing.http.preserve_host_header.enabled") == "true",
                        drop_invalid_headers: attr("routing.http.drop_invalid_header_fields.enabled") == "true",
                        server_header: lattr("routing.http.response.server.enabled") != "false",
                        tls: tls_config,
                        tls_headers: attr("routing.http.x_amzn_tls_version_and_cipher_suite.enabled") == "true",
                        cookie_key: self.cookie_key.clone(),
                        rules: RuleSet::new(compiled),
                        default_action,
                    }),
                );
            }
        }

        self.certified_keys.lock().retain(|k, _| used_keys.contains(k));

        // Targets no longer registered at all: cut off now, or when their drain would have ended.
        targets.retain(|k, rt| {
            if seen.contains(k) {
                return true;
            }
            match rt.drain_until {
                Some(until) if until > now => {
                    let upstream = rt.target.clone();
                    let terminate = rt.l4_terminate;
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(until - now)).await;
                        upstream.extra.close_all();
                        if terminate {
                            upstream.extra.close_l4();
                        }
                    });
                }
                _ => {
                    rt.target.extra.close_all();
                    // NLB: without connection termination, open connections outlive the delay.
                    if rt.l4_terminate {
                        rt.target.extra.close_l4();
                    }
                }
            }
            false
        });

        // Listeners: stop the removed, start the new, swap routes of the rest.
        listeners.retain(|port, l| {
            let keep = desired.contains_key(port);
            if !keep {
                tracing::info!(port, listener = %l.arn(), "listener stopped");
                l.stop().cancel();
                self.bound.lock().remove(port);
            }
            keep
        });
        let mut unbound = false;
        for (port, want) in desired {
            let need = want.transports();
            // Same kind and sockets: swap the routes in place.
            let want = match (listeners.get_mut(&port), want) {
                (Some(Running::Http(l)), Desired::Http(routes)) => {
                    l.arn = routes.listener_arn.clone();
                    l.routes.store(Arc::new(routes));
                    continue;
                }
                (Some(Running::L4(l)), Desired::L4(routes)) if l.sockets.transports() == need => {
                    l.arn = routes.listener_arn.clone();
                    l.routes.store(Arc::new(routes));
                    continue;
                }
                (_, want) => want,
            };
            // A new listener, or one whose protocol changed: keep the sockets it already holds,
            // take (or bind) the others, then restart it.
            let have = listeners.get(&port).map(Running::sockets).unwrap_or_default();
            let tcp = match (need.tcp, have.tcp) {
                (false, _) => Ok(None),
                (true, Some(s)) => Ok(Some(s)),
                (true, None) => self.take_tcp(port).map(Some),
            };
            let udp = match (need.udp, have.udp) {
                (false, _) => Ok(None),
                (true, Some(s)) => Ok(Some(s)),
                (true, None) => self.take_udp(port).map(Some),
            };
            let (tcp, udp) = match (tcp, udp) {
                (Ok(t), Ok(u)) => (t, u),
                (Err(e), _) | (_, Err(e)) => {
                    tracing::error!(port, listener = %want.arn(), error = %e, "cannot bind listener port; retrying");
                    unbound = true;
                    continue;
                }
            };
            if let Some(old) = listeners.remove(&port) {
                old.stop().cancel();
            }
            tracing::info!(port, listener = %want.arn(), addr = %SocketAddr::new(self.config.listen_addr, port), tcp = need.tcp, udp = need.udp, "listener bound");
            let running = match want {
                Desired::Http(routes) => match tcp {
                    Some(socket) => Running::Http(ListenerTask::start(socket, routes, self.tracker.clone(), node_stop)),
                    None => continue,
                },
                Desired::L4(routes) => Running::L4(L4ListenerTask::start(Sockets { tcp, udp }, routes, self.tracker.clone(), node_stop)),
            };
            listeners.insert(port, running);
            self.bound.lock().insert(port, need);
        }
        unbound
    }

    /// The routes of a TCP, TLS, UDP or TCP_UDP listener: its default forward action (one or
    /// several weighted target groups), `tcp.idle_timeout.seconds`, and for TLS listeners the
    /// server configuration built as for HTTPS listeners but with ALPN from `AlpnPolicy`.
    /// `None` (logged) if the listener cannot be served.
    #[allow(clippy::too_many_arguments)]
    fn l4_routes(
        &self,
        snap: &Snapshot,
        region: &model::RegionState,
        l: &model::Listener,
        groups: &mut HashMap<String, Arc<TargetGroupRoute>>,
        tls: (&Arc<rustls::ClientConfig>, &Arc<rustls::ClientConfig>),
        targets: &mut HashMap<(TargetKey, Millis), TargetRuntime>,
        seen: &mut std::collections::HashSet<(TargetKey, Millis)>,
        version: &Arc<std::sync::atomic::AtomicU64>,
        now: Millis,
        used_keys: &mut std::collections::HashSet<String>,
    ) -> Option<L4Routes> {
        let tls_config = match l.protocol {
            Protocol::Tls => match self.listener_tls(snap, region, l, false, used_keys) {
                Ok(c) => {
                    let mut c = (*c).clone();
                    c.alpn_protocols = alpn_protocols(&l.alpn_policy);
                    Some(Arc::new(c))
                }
                Err(e) => {
                    tracing::error!(listener = %l.arn, error = %e, "TLS listener not served: its TLS configuration cannot be built");
                    return None;
                }
            },
            _ => None,
        };
        // Read as stored, not through the listener's keys: ELBv2 TCP listeners have the key, and
        // classic TCP and SSL listeners carry the classic idle timeout (1–4000 s) in it.
        let idle_timeout = l
            .attributes
            .get("tcp.idle_timeout.seconds")
            .and_then(|v| v.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(l4::DEFAULT_TCP_IDLE_TIMEOUT);
        let action = l.default_actions.last()?;
        if action.kind != model::ActionType::Forward {
            tracing::warn!(listener = %l.arn, "layer-4 listener not served: its default action is not a forward");
            return None;
        }
        let forward = self.forward_route(action, region, groups, idle_timeout, tls, targets, seen, version, now)?;
        Some(L4Routes { listener_arn: l.arn.clone(), port: l.port, protocol: l.protocol, tls: tls_config, idle_timeout, forward: Arc::new(forward) })
    }

    /// The TLS configuration of an HTTPS listener: its default and SNI certificates (keys
    /// opened once and cached), its security policy, ALPN `h2` when `http2`.
    ///
    /// Errors: a certificate ARN that does not resolve, a key that cannot be opened or loaded,
    /// a policy rustls cannot serve.
    fn listener_tls(&self, snap: &Snapshot, region: &model::RegionState, l: &model::Listener, http2: bool, used: &mut std::collections::HashSet<String>) -> Result<Arc<rustls::ServerConfig>, String> {
        let mut load = |arn: &str| -> Result<tls::listener_config::ListenerCertificate, String> {
            let c = snap.certificate(&region.name, arn).ok_or_else(|| format!("certificate {arn} not found"))?;
            used.insert(c.sealed_private_key.clone());
            let cached = self.certified_keys.lock().get(&c.sealed_private_key).cloned();
            let key = match cached {
                Some(k) => k,
                None => {
                    let pem = self.config.key_sealer.open(&c.sealed_private_key).map_err(|e| format!("certificate {arn}: {e}"))?;
                    let k = tls::certificate::certified_key(&c.body_pem, c.chain_pem.as_deref(), &pem).map_err(|e| format!("certificate {arn}: {e}"))?;
                    self.certified_keys.lock().insert(c.sealed_private_key.clone(), k.clone());
                    k
                }
            };
            let mut names = vec![c.facts.domain_name.clone()];
            names.extend(c.facts.subject_alternative_names.iter().cloned());
            Ok(tls::listener_config::ListenerCertificate { key, names, not_after: c.facts.not_after })
        };
        let default_arn = l.certificate_arn.as_deref().ok_or("no default certificate")?;
        let default = load(default_arn)?;
        let sni = l.sni_certificate_arns.iter().filter(|a| a.as_str() != default_arn).map(|a| load(a)).collect::<Result<Vec<_>, _>>()?;
        let resolver = Arc::new(tls::listener_config::SniResolver::new(default, sni));
        let policy = l.ssl_policy.as_deref().and_then(model::ssl_policy::find).map(|p| {
            let (tls12, tls13, suites) = model::ssl_policy::rustls_suites(p);
            tls::listener_config::PolicySuites { tls12, tls13, suites: suites.into_iter().map(str::to_string).collect() }
        });
        tls::listener_config::listener_server_config(resolver, &policy.unwrap_or_default(), http2, &self.sessions).map_err(|e| format!("security policy {:?}: {e}", l.ssl_policy))
    }

    #[allow(clippy::too_many_arguments)]
    fn forward_route(
        &self,
        action: &model::Action,
        region: &model::RegionState,
        groups: &mut HashMap<String, Arc<TargetGroupRoute>>,
        idle_timeout: Duration,
        tls: (&Arc<rustls::ClientConfig>, &Arc<rustls::ClientConfig>),
        targets: &mut HashMap<(TargetKey, Millis), TargetRuntime>,
        seen: &mut std::collections::HashSet<(TargetKey, Millis)>,
        version: &Arc<std::sync::atomic::AtomicU64>,
        now: Millis,
    ) -> Option<ForwardRoute> {
        let weighted: Vec<(String, u32)> = match &action.forward {
            Some(f) if !f.target_groups.is_empty() => f.target_groups.iter().map(|t| (t.target_group_arn.clone(), t.weight.unwrap_or(1))).collect(),
            _ => vec![(action.target_group_arn.clone()?, 1)],
        };
        let mut out = Vec::with_capacity(weighted.len());
        for (arn, weight) in weighted {
            let tg = region.target_groups.get(&arn)?;
            let g = groups.entry(arn).or_insert_with(|| Arc::new(self.target_group_route(region, tg, idle_timeout, tls, targets, seen, version, now))).clone();
            out.push((g, weight));
        }
        let group_stickiness = action
            .forward
            .as_ref()
            .and_then(|f| f.stickiness.as_ref())
            .filter(|s| s.enabled == Some(true))
            .map(|s| Duration::from_secs(u64::from(s.duration_seconds.unwrap_or(3600))));
        let total_weight = out.iter().map(|(_, w)| *w).sum();
        Some(ForwardRoute { groups: out, total_weight, group_stickiness })
    }

    #[allow(clippy::too_many_arguments)]
    fn target_group_route(
        &self,
        region: &model::RegionState,
        tg: &TargetGroup,
        idle_timeout: Duration,
        tls: (&Arc<rustls::ClientConfig>, &Arc<rustls::ClientConfig>),
        targets: &mut HashMap<(TargetKey, Millis), TargetRuntime>,
        seen: &mut std::collections::HashSet<(TargetKey, Millis)>,
        version: &Arc<std::sync::atomic::AtomicU64>,
        now: Millis,
    ) -> TargetGroupRoute {
        let mut routable = Vec::new();
        let tls_plain = tls.0;
        // HTTP/2 over TLS is negotiated with ALPN `h2`.
        let h2 = matches!(tg.protocol_version, Some(model::ProtocolVersion::Http2 | model::ProtocolVersion::Grpc));
        let tls = (tg.protocol == Some(Protocol::Https)).then(|| if h2 { tls.1.clone() } else { tls.0.clone() });
        let layer4 = matches!(tg.protocol, Some(Protocol::Tcp | Protocol::Tls | Protocol::Udp | Protocol::TcpUdp));
        let l4_terminate = layer4 && tg.attribute("deregistration_delay.connection_termination.enabled").as_deref() == Some("true");
        let unhealthy_terminate = layer4 && tg.attribute("target_health_state.unhealthy.connection_termination.enabled").as_deref() == Some("true");
        // TLS target groups: TLS toward targets, without ALPN or certificate verification.
        let target_tls = (tg.protocol == Some(Protocol::Tls)).then(|| tls_plain.clone());
        for t in &tg.targets {
            // An IP target's address, or an instance target's private IP while it is
            // pending or running.
            let Some(ip) = region.target_ip(&t.id) else { continue };
            let key = TargetKey { target_group_arn: tg.arn.clone(), id: t.id.clone(), port: t.port };
            let map_key = (key.clone(), t.registered_at);
            seen.insert(map_key.clone());
            let cell = self.health.cell(&key);
            let rt = targets.entry(map_key).or_insert_with(|| TargetRuntime {
                target: Arc::new(Target::new(key, SocketAddr::new(ip, t.port), cell.clone(), Upstream::new(SocketAddr::new(ip, t.port), tls.clone(), idle_timeout))),
                drain_until: None,
                l4_terminate: false,
                unhealthy_terminate: false,
                was_unhealthy: false,
            });
            rt.l4_terminate = l4_terminate;
            rt.unhealthy_terminate = unhealthy_terminate;
            // A proxy a snapshot ahead of the checker may hold a cell the checker later
            // replaced: follow the table's cell.
            if !Arc::ptr_eq(&rt.target.health, &cell) {
                let mut upstream = Upstream::new(rt.target.addr, tls.clone(), idle_timeout);
                upstream.share_l4_cut(&rt.target.extra);
                rt.target = Arc::new(Target::new(rt.target.key.clone(), rt.target.addr, cell, upstream));
            }
            rt.target.extra.set_idle_timeout(idle_timeout);
            match t.draining {
                Some(d) => {
                    if rt.drain_until.is_none() {
                        rt.drain_until = Some(d.until);
                        rt.target.extra.close_idle();
                        let upstream = rt.target.clone();
                        let wait = Duration::from_millis(d.until.saturating_sub(now));
                        tokio::spawn(async move {
                            tokio::time::sleep(wait).await;
                            upstream.extra.close_all();
                            if l4_terminate {
                                upstream.extra.close_l4();
                            }
                        });
                        tracing::info!(target_group = %tg.arn, target = %t.id, port = t.port, drain_s = wait.as_secs(), "target draining");
                    }
                }
                None => routable.push(rt.target.clone()),
            }
        }
        let attr = |k: &str| tg.attribute(k).unwrap_or_default();
        let secs = |k: &str| Duration::from_secs(attr(k).parse().unwrap_or(0));
        let hash = match attr(attributes::ELBOW_HASH_KEY).as_str() {
            // NLB `stickiness.type=source_ip`: the same client IP reaches the same target.
            _ if layer4 => {
                if attr("stickiness.enabled") == "true" && attr("stickiness.type") == "source_ip" { HashOn::SourceIp } else { HashOn::None }
            }
            "source_ip" => HashOn::SourceIp,
            "http_header" if !attr(attributes::ELBOW_HASH_HEADER).is_empty() => HashOn::Header(attr(attributes::ELBOW_HASH_HEADER).to_ascii_lowercase().into_bytes()),
            _ => HashOn::None,
        };
        let settings = balancer::Settings {
            algorithm: balancer::Algorithm::parse(&attr("load_balancing.algorithm.type")),
            minimum: MinimumHealthy {
                count: attr("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count").parse().unwrap_or(1),
                percentage: attr("target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage").parse().ok(),
            },
            slow_start: Some(secs("slow_start.duration_seconds")).filter(|d| !d.is_zero()),
            consistent_hash: hash != HashOn::None,
        };
        // Set only by classic::expand, so read raw (it has no definition among the attributes).
        let classic = tg.attributes.get(model::classic::CLASSIC_COOKIE_ATTRIBUTE).is_some_and(|v| v == "true");
        let stickiness = (!layer4 && attr("stickiness.enabled") == "true").then(|| match attr("stickiness.type").as_str() {
            "app_cookie" => Stickiness::AppCookie { name: attr("stickiness.app_cookie.cookie_name"), duration: secs("stickiness.app_cookie.duration_seconds"), classic },
            _ => Stickiness::LbCookie { duration: secs("stickiness.lb_cookie.duration_seconds"), classic },
        });
        let protocol = match tg.protocol_version {
            Some(model::ProtocolVersion::Http2) => TargetProtocol::Http2 { grpc: false },
            Some(model::ProtocolVersion::Grpc) => TargetProtocol::Http2 { grpc: true },
            _ => TargetProtocol::Http1,
        };
        TargetGroupRoute {
            arn: tg.arn.clone(),
            id: sticky::group_id(&tg.arn),
            balancer: TargetGroupBalancer::new(routable, settings, version.clone()),
            stickiness,
            hash,
            retry: attr(attributes::ELBOW_RETRY_ENABLED) != "false",
            per_try_timeout: Some(secs(attributes::ELBOW_RETRY_TIMEOUT)).filter(|d| !d.is_zero()),
            passive_failures: attr(attributes::ELBOW_PASSIVE_FAILURES).parse().unwrap_or(2),
            protocol,
            proxy_protocol_v2: layer4 && attr("proxy_protocol_v2.enabled") == "true",
            proxy_protocol_v1: layer4 && tg.attributes.get(model::classic::PROXY_PROTOCOL_V1_ATTRIBUTE).is_some_and(|v| v == "true"),
            target_tls,
        }
    }
}
