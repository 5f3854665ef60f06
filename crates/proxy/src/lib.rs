//! # proxy — the data plane
//!
//! Data plane. [`Proxy::run`] follows configuration snapshots: it binds each listener's port on
//! the node's listen address, compiles each listener's routes (actions with target groups
//! resolved to [`balancer::TargetGroupBalancer`]s), swaps them in atomically, and keeps
//! per-target state (connection pools, in-flight counts) across snapshots for targets that did
//! not change. Deregistered targets stop receiving requests at once, finish what is in flight,
//! and are cut off when their deregistration delay ends.
//!
//! Depends on `model`, `balancer` and `tls`; never on the control plane.

#![forbid(unsafe_code)]

mod choose;
pub mod h1;
pub mod h2;
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
use model::{HealthTable, LoadBalancerType, Millis, Protocol, Snapshot, TargetGroup, TargetKey, attributes};
use parking_lot::Mutex;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

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

/// A socket bound ahead of the commit that creates its listener.
struct Prebound {
    socket: std::net::TcpListener,
    at: std::time::Instant,
}

/// The data plane of one node.
pub struct Proxy {
    config: ProxyConfig,
    health: Arc<HealthTable>,
    prebound: Mutex<HashMap<u16, Prebound>>,
    bound: Mutex<Vec<u16>>,
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
            bound: Mutex::new(Vec::new()),
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

    /// Binds `port` on the listen address now, so that a listener is only committed once its
    /// port is known to be free; [`Proxy::run`] takes the socket over.
    ///
    /// Errors: the bind error (address in use, permission denied for ports below 1024, …).
    pub fn prebind(&self, port: u16) -> io::Result<()> {
        if self.bound.lock().contains(&port) || self.prebound.lock().contains_key(&port) {
            return Ok(());
        }
        let socket = bind(SocketAddr::new(self.config.listen_addr, port))?;
        self.prebound.lock().insert(port, Prebound { socket, at: std::time::Instant::now() });
        Ok(())
    }

    /// Ports whose listeners are bound and serving.
    pub fn bound_ports(&self) -> Vec<u16> {
        self.bound.lock().clone()
    }

    fn take_socket(&self, port: u16) -> io::Result<tokio::net::TcpListener> {
        let std = match self.prebound.lock().remove(&port) {
            Some(p) => p.socket,
            None => bind(SocketAddr::new(self.config.listen_addr, port))?,
        };
        tokio::net::TcpListener::from_std(std)
    }

    /// Applies every snapshot published on `snapshots` until `shutdown`; then stops accepting,
    /// lets in-flight requests finish for at most `grace`, and returns.
    pub async fn run(self: Arc<Self>, mut snapshots: watch::Receiver<Arc<Snapshot>>, shutdown: CancellationToken, grace: Duration) {
        let mut listeners: HashMap<u16, ListenerTask> = HashMap::new();
        let mut targets: HashMap<(TargetKey, Millis), TargetRuntime> = HashMap::new();
        let tls = tls::target_client_config(&[]);
        let tls_h2 = tls::target_client_config(&[b"h2"]);
        loop {
            let snap = snapshots.borrow_and_update().clone();
            let unbound = self.apply(&snap, &mut listeners, &mut targets, (&tls, &tls_h2), &shutdown);
            self.applied.send_replace(snap.revision);
            // Drop prebound sockets nobody claimed (their command failed after the bind).
            self.prebound.lock().retain(|_, p| p.at.elapsed() < Duration::from_secs(30));
            let retry = if unbound { Duration::from_secs(2) } else { Duration::from_secs(3600) };
            tokio::select! {
                r = snapshots.changed() => if r.is_err() { break },
                _ = tokio::time::sleep(retry) => {}
                _ = shutdown.cancelled() => break,
            }
        }
        for l in listeners.values() {
            l.stop.cancel();
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
        listeners: &mut HashMap<u16, ListenerTask>,
        targets: &mut HashMap<(TargetKey, Millis), TargetRuntime>,
        tls: (&Arc<rustls::ClientConfig>, &Arc<rustls::ClientConfig>),
        node_stop: &CancellationToken,
    ) -> bool {
        let now = now_millis();
        let version = self.health.version();
        let mut seen: std::collections::HashSet<(TargetKey, Millis)> = std::collections::HashSet::new();
        let mut groups: HashMap<String, Arc<TargetGroupRoute>> = HashMap::new();
        let mut desired: HashMap<u16, ListenerRoutes> = HashMap::new();
        let mut used_keys: std::collections::HashSet<String> = std::collections::HashSet::new();

        for region in snap.regions.values() {
            for l in region.listeners.values() {
                let Some(lb) = region.load_balancers.get(&l.load_balancer_arn) else { continue };
                if lb.kind != LoadBalancerType::Application || !matches!(l.protocol, Protocol::Http | Protocol::Https) {
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
                    ListenerRoutes {
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
                    },
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
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(until - now)).await;
                        upstream.extra.close_all();
                    });
                }
                _ => rt.target.extra.close_all(),
            }
            false
        });

        // Listeners: stop the removed, start the new, swap routes of the rest.
        listeners.retain(|port, l| {
            let keep = desired.contains_key(port);
            if !keep {
                tracing::info!(port, listener = %l.arn, "listener stopped");
                l.stop.cancel();
                self.bound.lock().retain(|p| p != port);
            }
            keep
        });
        let mut unbound = false;
        for (port, routes) in desired {
            match listeners.get_mut(&port) {
                Some(l) => {
                    l.arn = routes.listener_arn.clone();
                    l.routes.store(Arc::new(routes));
                }
                None => match self.take_socket(port) {
                    Ok(socket) => {
                        tracing::info!(port, listener = %routes.listener_arn, addr = %SocketAddr::new(self.config.listen_addr, port), "listener bound");
                        listeners.insert(port, ListenerTask::start(socket, routes, self.tracker.clone(), node_stop));
                        self.bound.lock().push(port);
                    }
                    Err(e) => {
                        tracing::error!(port, listener = %routes.listener_arn, error = %e, "cannot bind listener port; retrying");
                        unbound = true;
                    }
                },
            }
        }
        unbound
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
        // HTTP/2 over TLS is negotiated with ALPN `h2`.
        let h2 = matches!(tg.protocol_version, Some(model::ProtocolVersion::Http2 | model::ProtocolVersion::Grpc));
        let tls = (tg.protocol == Some(Protocol::Https)).then(|| if h2 { tls.1.clone() } else { tls.0.clone() });
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
            });
            // A proxy a snapshot ahead of the checker may hold a cell the checker later
            // replaced: follow the table's cell.
            if !Arc::ptr_eq(&rt.target.health, &cell) {
                rt.target = Arc::new(Target::new(rt.target.key.clone(), rt.target.addr, cell, Upstream::new(rt.target.addr, tls.clone(), idle_timeout)));
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
        let stickiness = (attr("stickiness.enabled") == "true").then(|| match attr("stickiness.type").as_str() {
            "app_cookie" => Stickiness::AppCookie { name: attr("stickiness.app_cookie.cookie_name"), duration: secs("stickiness.app_cookie.duration_seconds") },
            _ => Stickiness::LbCookie { duration: secs("stickiness.lb_cookie.duration_seconds") },
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
        }
    }
}
