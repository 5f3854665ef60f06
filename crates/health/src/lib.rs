//! # health — active health checks
//!
//! Data plane. [`run`] follows configuration snapshots and keeps one probe task per
//! registration of every target group that some listener uses (targets of unused groups are
//! `unused`/`Target.NotInUse` and draining ones are not checked, as on ALB). Each task probes
//! every `HealthCheckIntervalSeconds`, feeds the [`HealthStateMachine`] and writes verdicts into
//! the shared [`HealthTable`], which the proxy reads per request and `DescribeTargetHealth`
//! reports.
//!
//! Depends on `model` and `tls`; never on the control plane.

#![forbid(unsafe_code)]

mod probe;
mod state_machine;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use model::{HealthTable, Millis, Protocol, Snapshot, TargetHealth, TargetHealthReason, TargetHealthState, TargetKey};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use probe::{ProbeKind, probe};
pub use state_machine::{HealthStateMachine, ProbeResult};

/// Everything one registration's checks need; a change restarts its probe task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSpec {
    /// Target IP and health-check port.
    pub addr: SocketAddr,
    /// TCP, HTTP or HTTPS check.
    pub kind: ProbeKind,
    /// `HealthCheckIntervalSeconds`.
    pub interval: Duration,
    /// `HealthCheckTimeoutSeconds`.
    pub timeout: Duration,
    /// `HealthyThresholdCount`.
    pub healthy_threshold: u32,
    /// `UnhealthyThresholdCount`.
    pub unhealthy_threshold: u32,
    /// When the target was registered: a new registration starts over at `initial`.
    pub registered_at: Millis,
}

/// The probes the snapshot asks for, by registration (Classic Load Balancers' instances
/// included, through their ELBv2 presentation).
///
/// Network Load Balancer groups (TCP, TLS, UDP, TCP_UDP) are checked with TCP (a connection
/// that opens passes), HTTP or HTTPS as their `HealthCheckProtocol` says; a UDP group cannot be
/// checked over UDP (NLB user guide, "Health checks for Network Load Balancer target groups"),
/// so any other protocol is checked with TCP. An HTTP check without a matcher accepts AWS's
/// default: 200 for ALB groups, 200–399 for NLB groups.
pub fn desired_probes(snapshot: &Snapshot) -> HashMap<TargetKey, ProbeSpec> {
    let mut out = HashMap::new();
    for region in snapshot.regions.values() {
        let region = model::classic::expand(region);
        let region: &model::RegionState = &region;
        for tg in region.target_groups.values() {
            let hc = &tg.health_check;
            if !hc.enabled || !region.target_group_in_use(&tg.arn) {
                continue;
            }
            let layer4 = matches!(tg.protocol, Some(Protocol::Tcp | Protocol::Tls | Protocol::Udp | Protocol::TcpUdp));
            let default_codes = if layer4 { (200, 399) } else { (200, 200) };
            let matcher = hc.matcher.as_ref().and_then(|m| m.http_code.as_deref()).and_then(|c| model::parse_code_matcher(c, 100, 599)).unwrap_or_else(|| vec![default_codes]);
            let path = hc.path.clone().unwrap_or_else(|| "/".into());
            let kind = match hc.protocol {
                _ if tg.protocol_version == Some(model::ProtocolVersion::Grpc) && hc.protocol.is_http() => {
                    let codes = hc.matcher.as_ref().and_then(|m| m.grpc_code.as_deref()).and_then(|c| model::parse_code_matcher(c, 0, 99)).unwrap_or_else(|| vec![(12, 12)]);
                    ProbeKind::Grpc { path, matcher: codes, tls: hc.protocol == Protocol::Https }
                }
                Protocol::Http => ProbeKind::Http { path, matcher },
                Protocol::Https => ProbeKind::Https { path, matcher },
                // Only classic `SSL:` checks carry TLS (ELBv2 health checks are HTTP, HTTPS or TCP).
                Protocol::Tls => ProbeKind::Tls,
                _ => ProbeKind::Tcp,
            };
            for t in tg.targets.iter().filter(|t| t.draining.is_none()) {
                // IP targets, and instance targets whose instance is pending or running.
                let Some(ip) = region.target_ip(&t.id) else { continue };
                out.insert(
                    TargetKey { target_group_arn: tg.arn.clone(), id: t.id.clone(), port: t.port },
                    ProbeSpec {
                        addr: SocketAddr::new(ip, hc.port.resolve(t.port)),
                        kind: kind.clone(),
                        interval: Duration::from_secs(u64::from(hc.interval_seconds)),
                        timeout: Duration::from_secs(u64::from(hc.timeout_seconds)),
                        healthy_threshold: hc.healthy_threshold,
                        unhealthy_threshold: hc.unhealthy_threshold,
                        registered_at: t.registered_at,
                    },
                );
            }
        }
    }
    out
}

struct Running {
    spec: ProbeSpec,
    task: JoinHandle<()>,
}

/// How long a cell outlives its registration, so a proxy that is a snapshot ahead or behind
/// never holds a cell the checker dropped.
const CELL_GRACE: Duration = Duration::from_secs(60);

/// Runs health checks for every snapshot published on `snapshots` until `shutdown`.
pub async fn run(mut snapshots: watch::Receiver<Arc<Snapshot>>, table: Arc<HealthTable>, shutdown: CancellationToken) {
    let tls = tls::target_client_config(&[]);
    let mut running: HashMap<TargetKey, Running> = HashMap::new();
    let mut gone: HashMap<TargetKey, tokio::time::Instant> = HashMap::new();
    loop {
        let snap = snapshots.borrow_and_update().clone();
        let desired = desired_probes(&snap);
        let mut reregistered: Vec<TargetKey> = Vec::new();
        running.retain(|k, r| {
            let keep = desired.get(k) == Some(&r.spec);
            if !keep {
                r.task.abort();
                match desired.get(k) {
                    None => {
                        gone.insert(k.clone(), tokio::time::Instant::now());
                    }
                    Some(d) if d.registered_at != r.spec.registered_at => reregistered.push(k.clone()),
                    Some(_) => {}
                }
            }
            keep
        });
        for (k, spec) in desired {
            if running.contains_key(&k) {
                continue;
            }
            let cell = table.cell(&k);
            if gone.remove(&k).is_some() || reregistered.contains(&k) {
                // Registered again: its old verdict no longer counts.
                cell.set(TargetHealth::registering());
            }
            let task = tokio::spawn(probe_loop(k.clone(), spec.clone(), cell, tls.clone(), shutdown.clone()));
            running.insert(k, Running { spec, task });
        }
        let now = tokio::time::Instant::now();
        let expired: Vec<TargetKey> = gone.iter().filter(|(_, t)| now.duration_since(**t) >= CELL_GRACE).map(|(k, _)| k.clone()).collect();
        for k in &expired {
            gone.remove(k);
        }
        if !expired.is_empty() {
            table.retain(|k| !expired.contains(k));
        }
        tokio::select! {
            r = snapshots.changed() => if r.is_err() { break },
            _ = tokio::time::sleep(CELL_GRACE) => {}
            _ = shutdown.cancelled() => break,
        }
    }
    for r in running.values() {
        r.task.abort();
    }
}

async fn probe_loop(key: TargetKey, spec: ProbeSpec, cell: Arc<model::TargetHealthCell>, tls: Arc<rustls::ClientConfig>, shutdown: CancellationToken) {
    let mut current = cell.get();
    // A fresh registration (or one re-registered after draining) starts over at `initial`.
    let fresh = current.state == TargetHealthState::Initial || current.reason == Some(TargetHealthReason::RegistrationInProgress);
    if fresh {
        current = TargetHealth { state: TargetHealthState::Initial, reason: Some(TargetHealthReason::InitialHealthChecking), description: Some("Initial health checks in progress".into()) };
        cell.set(current.clone());
    }
    let mut machine = HealthStateMachine::new(current);
    // Spread the first checks of many targets over up to one second.
    let jitter = Duration::from_millis(rand::random::<u64>() % 1000).min(spec.interval / 2);
    tokio::time::sleep(jitter).await;
    let mut ticks = tokio::time::interval(spec.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        let result = probe(spec.addr, &spec.kind, spec.timeout, &tls).await;
        if result == ProbeResult::Pass {
            cell.check_passed();
        }
        if let ProbeResult::Failed(detail) = &result {
            tracing::debug!(target_group = %key.target_group_arn, target = %key.id, port = key.port, %detail, "health check failed");
        }
        let before = machine.verdict().state;
        if let Some(v) = machine.observe(&result, spec.healthy_threshold, spec.unhealthy_threshold) {
            if v.state != before {
                tracing::info!(
                    target_group = %key.target_group_arn, target = %key.id, port = key.port,
                    from = before.as_str(), to = v.state.as_str(), reason = v.reason.map(|r| r.as_str()).unwrap_or(""),
                    "target health changed"
                );
            }
            cell.set(v);
        }
    }
}
