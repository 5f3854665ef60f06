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

pub mod h1;
mod listener;
pub mod routing;
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
use crate::routing::{ListenerRoutes, RouteAction, TargetGroupRoute, XffMode};
pub use crate::upstream::Upstream;

/// Node-wide data-plane settings.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The address every listener binds (`--listen-addr`).
    pub listen_addr: IpAddr,
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
}

/// The runtime of one registration, kept across snapshots while it does not change.
struct TargetRuntime {
    target: Arc<Target<Upstream>>,
    /// The registration it belongs to.
    registered_at: Millis,
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
    pub fn new(config: ProxyConfig, health: Arc<HealthTable>) -> Arc<Proxy> {
        Arc::new(Proxy {
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
        loop {
            let snap = snapshots.borrow_and_update().clone();
            let unbound = self.apply(&snap, &mut listeners, &mut targets, &tls, &shutdown);
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
        tls: &Arc<rustls::ClientConfig>,
        node_stop: &CancellationToken,
    ) -> bool {
        let now = now_millis();
        let version = self.health.version();
        let mut seen: std::collections::HashSet<(TargetKey, Millis)> = std::collections::HashSet::new();
        let mut groups: HashMap<String, Arc<TargetGroupRoute>> = HashMap::new();
        let mut desired: HashMap<u16, ListenerRoutes> = HashMap::new();

        for region in snap.regions.values() {
            for l in region.listeners.values() {
                let Some(lb) = region.load_balancers.get(&l.load_balancer_arn) else { continue };
                if lb.kind != LoadBalancerType::Application || l.protocol != Protocol::Http {
                    continue;
                }
                let attr = |k: &str| attributes::load_balancer_attribute(lb, k).unwrap_or_default();
                let idle_timeout = Duration::from_secs(attr("idle_timeout.timeout_seconds").parse().unwrap_or(60));
                let Some(action) = l.default_actions.last() else { continue };
                let route = match action.kind {
                    model::ActionType::Forward => {
                        let Some(tg_arn) = action.target_group_arns().next() else { continue };
                        let Some(tg) = region.target_groups.get(tg_arn) else { continue };
                        let g = groups
                            .entry(tg.arn.clone())
                            .or_insert_with(|| Arc::new(self.target_group_route(tg, idle_timeout, tls, targets, &mut seen, &version, now)))
                            .clone();
                        RouteAction::Forward(g)
                    }
                    model::ActionType::FixedResponse => match &action.fixed_response {
                        Some(f) => RouteAction::FixedResponse(Arc::new(f.clone())),
                        None => continue,
                    },
                    model::ActionType::Redirect => match &action.redirect {
                        Some(r) => RouteAction::Redirect(Arc::new(r.clone())),
                        None => continue,
                    },
                    _ => continue,
                };
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
                        scheme: "http",
                        idle_timeout,
                        client_keep_alive: Duration::from_secs(attr("client_keep_alive.seconds").parse().unwrap_or(3600)),
                        xff,
                        xff_client_port: attr("routing.http.xff_client_port.enabled") == "true",
                        preserve_host: attr("routing.http.preserve_host_header.enabled") == "true",
                        drop_invalid_headers: attr("routing.http.drop_invalid_header_fields.enabled") == "true",
                        server_header: lattr("routing.http.response.server.enabled") != "false",
                        default_action: route,
                    },
                );
            }
        }

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

    #[allow(clippy::too_many_arguments)]
    fn target_group_route(
        &self,
        tg: &TargetGroup,
        idle_timeout: Duration,
        tls: &Arc<rustls::ClientConfig>,
        targets: &mut HashMap<(TargetKey, Millis), TargetRuntime>,
        seen: &mut std::collections::HashSet<(TargetKey, Millis)>,
        version: &Arc<std::sync::atomic::AtomicU64>,
        now: Millis,
    ) -> TargetGroupRoute {
        let mut routable = Vec::new();
        let tls = (tg.protocol == Some(Protocol::Https)).then(|| tls.clone());
        for t in &tg.targets {
            let Ok(ip) = t.id.parse::<IpAddr>() else { continue };
            let key = TargetKey { target_group_arn: tg.arn.clone(), id: t.id.clone(), port: t.port };
            let map_key = (key.clone(), t.registered_at);
            seen.insert(map_key.clone());
            let cell = self.health.cell(&key);
            let rt = targets.entry(map_key).or_insert_with(|| TargetRuntime {
                target: Arc::new(Target::new(key, SocketAddr::new(ip, t.port), cell.clone(), Upstream::new(SocketAddr::new(ip, t.port), tls.clone(), idle_timeout))),
                registered_at: t.registered_at,
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
            debug_assert_eq!(rt.registered_at, t.registered_at);
        }
        let attr = |k: &str| tg.attribute(k).unwrap_or_default();
        let minimum = MinimumHealthy {
            count: attr("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count").parse().unwrap_or(1),
            percentage: attr("target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage").parse().ok(),
        };
        TargetGroupRoute { arn: tg.arn.clone(), balancer: TargetGroupBalancer::new(routable, minimum, version.clone()) }
    }
}
