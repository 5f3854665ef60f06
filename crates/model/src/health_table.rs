//! The health of every target as the data plane's checks see it: written by the `health`
//! crate, read by the proxy (one atomic load per pick) and by `DescribeTargetHealth`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::aws_enum;

aws_enum! {
    /// `TargetHealthStateEnum`.
    pub enum TargetHealthState {
        /// Registration or the first checks are in progress.
        Initial = "initial",
        /// Passing checks; receives traffic.
        Healthy = "healthy",
        /// Failing checks.
        Unhealthy = "unhealthy",
        /// NLB: unhealthy and draining.
        UnhealthyDraining = "unhealthy.draining",
        /// Not registered, or its target group receives no traffic.
        Unused = "unused",
        /// Deregistration in progress.
        Draining = "draining",
        /// Health checks are disabled.
        Unavailable = "unavailable",
    }
}

aws_enum! {
    /// `TargetHealthReasonEnum`.
    pub enum TargetHealthReason {
        /// The target is being registered.
        RegistrationInProgress = "Elb.RegistrationInProgress",
        /// The first health checks are running.
        InitialHealthChecking = "Elb.InitialHealthChecking",
        /// The check got an HTTP code the matcher does not accept.
        ResponseCodeMismatch = "Target.ResponseCodeMismatch",
        /// The check got no response within the timeout.
        Timeout = "Target.Timeout",
        /// The connection failed or the response was malformed.
        FailedHealthChecks = "Target.FailedHealthChecks",
        /// The target is not registered.
        NotRegistered = "Target.NotRegistered",
        /// The target group is not used by any listener rule.
        NotInUse = "Target.NotInUse",
        /// Deregistration in progress.
        DeregistrationInProgress = "Target.DeregistrationInProgress",
        /// The instance is stopped or terminated.
        InvalidState = "Target.InvalidState",
        /// The IP address cannot be used.
        IpUnusable = "Target.IpUnusable",
        /// Health checks are disabled.
        HealthCheckDisabled = "Target.HealthCheckDisabled",
        /// Internal error of the load balancer.
        InternalError = "Elb.InternalError",
    }
}

/// `TargetHealth`: state, reason code and description, as `DescribeTargetHealth` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    /// The state.
    pub state: TargetHealthState,
    /// Why, unless healthy.
    pub reason: Option<TargetHealthReason>,
    /// Human-readable detail, e.g. "Health checks failed with these codes: [404]".
    pub description: Option<String>,
}

impl TargetHealth {
    /// `initial` / `Elb.RegistrationInProgress`: registered, no check scheduled yet.
    pub fn registering() -> TargetHealth {
        TargetHealth {
            state: TargetHealthState::Initial,
            reason: Some(TargetHealthReason::RegistrationInProgress),
            description: Some("Target registration is in progress".into()),
        }
    }
}

/// Identifies one registration: a target group, a target id and the traffic port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetKey {
    /// The target group's ARN.
    pub target_group_arn: String,
    /// IP address or instance id.
    pub id: String,
    /// Traffic port.
    pub port: u16,
}

/// The health of one registration, shared between checker, proxy and API.
#[derive(Debug)]
pub struct TargetHealthCell {
    state: AtomicU8,
    detail: Mutex<TargetHealth>,
    /// The table's version, bumped whenever a cell's healthy bit flips.
    version: Arc<AtomicU64>,
    /// When the target last became healthy (ms since the epoch), for slow start.
    healthy_since: AtomicU64,
    /// Failed requests took it out of rotation until an active check passes (elbow's passive
    /// health check, `elbow.passive_health.consecutive_failures`).
    ejected: std::sync::atomic::AtomicBool,
    /// WebSocket connections open to this target.
    websockets: AtomicU64,
    /// Layer-4 connections (TCP/TLS relays, UDP flows) open to this target.
    connections: AtomicU64,
    /// Requests routed to this target since the cell was created (CloudWatch's
    /// `RequestCount` per target; Auto Scaling's `ALBRequestCountPerTarget` reads it).
    requests: AtomicU64,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn state_code(s: TargetHealthState) -> u8 {
    s as u8
}

impl TargetHealthCell {
    fn new(version: Arc<AtomicU64>) -> TargetHealthCell {
        let h = TargetHealth::registering();
        TargetHealthCell {
            state: AtomicU8::new(state_code(h.state)),
            detail: Mutex::new(h),
            version,
            healthy_since: AtomicU64::new(0),
            ejected: std::sync::atomic::AtomicBool::new(false),
            websockets: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }

    /// True if the last verdict is `healthy` and failed requests have not ejected the target.
    /// Two relaxed atomic loads: the proxy calls this per request.
    #[inline]
    pub fn is_healthy(&self) -> bool {
        self.state.load(Ordering::Relaxed) == TargetHealthState::Healthy as u8 && !self.ejected.load(Ordering::Relaxed)
    }

    /// When the target last became healthy (ms since the epoch; 0 if never).
    pub fn healthy_since(&self) -> u64 {
        self.healthy_since.load(Ordering::Relaxed)
    }

    /// The full verdict, as `DescribeTargetHealth` shows it (a passive ejection shows as
    /// `unhealthy`/`Target.FailedHealthChecks`).
    pub fn get(&self) -> TargetHealth {
        let d = self.detail.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if self.ejected.load(Ordering::Relaxed) && d.state == TargetHealthState::Healthy {
            return TargetHealth {
                state: TargetHealthState::Unhealthy,
                reason: Some(TargetHealthReason::FailedHealthChecks),
                description: Some("Requests to the target failed repeatedly; it is out of rotation until a health check passes (elbow passive health check)".into()),
            };
        }
        d
    }

    /// Records a verdict of the active checks. A passing check lifts a passive ejection.
    pub fn set(&self, h: TargetHealth) {
        let mut d = self.detail.lock().unwrap_or_else(|e| e.into_inner());
        let was = self.is_healthy();
        if h.state == TargetHealthState::Healthy {
            if d.state != TargetHealthState::Healthy {
                self.healthy_since.store(now_ms(), Ordering::Relaxed);
            }
            self.ejected.store(false, Ordering::Relaxed);
        }
        self.state.store(state_code(h.state), Ordering::Release);
        *d = h;
        if was != self.is_healthy() {
            self.version.fetch_add(1, Ordering::Release);
        }
    }

    /// Takes the target out of rotation after failed requests, until an active check passes.
    pub fn eject(&self) {
        if !self.ejected.swap(true, Ordering::Relaxed) {
            self.version.fetch_add(1, Ordering::Release);
        }
    }

    /// A health check passed: lifts a passive ejection (verdicts that do not change are not
    /// `set`, so the checker reports every pass).
    pub fn check_passed(&self) {
        if self.ejected.swap(false, Ordering::Relaxed) {
            self.version.fetch_add(1, Ordering::Release);
        }
    }

    /// True while a passive ejection holds.
    pub fn is_ejected(&self) -> bool {
        self.ejected.load(Ordering::Relaxed)
    }

    /// Counts a WebSocket connection opened (+1) or closed (-1).
    pub fn websocket(&self, opened: bool) {
        if opened {
            self.websockets.fetch_add(1, Ordering::Relaxed);
        } else {
            self.websockets.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// WebSocket connections open to the target now.
    pub fn websockets(&self) -> u64 {
        self.websockets.load(Ordering::Relaxed)
    }

    /// Counts a layer-4 connection (a TCP/TLS relay or a UDP flow of an NLB listener) opened
    /// (+1) or closed (-1), like CloudWatch's `ActiveFlowCount` per target.
    pub fn connection(&self, opened: bool) {
        if opened {
            self.connections.fetch_add(1, Ordering::Relaxed);
        } else {
            self.connections.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Layer-4 connections open to the target now.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Counts one request routed to the target (once per client request, not per retry).
    #[inline]
    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests routed to the target since its registration was first seen.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

/// Health of every registration, keyed by [`TargetKey`].
#[derive(Debug, Default)]
pub struct HealthTable {
    cells: RwLock<HashMap<TargetKey, Arc<TargetHealthCell>>>,
    version: Arc<AtomicU64>,
}

impl HealthTable {
    /// An empty table.
    pub fn new() -> HealthTable {
        HealthTable::default()
    }

    /// The cell of `key`, created as `initial`/`Elb.RegistrationInProgress` if absent.
    pub fn cell(&self, key: &TargetKey) -> Arc<TargetHealthCell> {
        if let Some(c) = self.cells.read().unwrap_or_else(|e| e.into_inner()).get(key) {
            return c.clone();
        }
        let version = self.version.clone();
        self.cells.write().unwrap_or_else(|e| e.into_inner()).entry(key.clone()).or_insert_with(|| Arc::new(TargetHealthCell::new(version))).clone()
    }

    /// A counter that changes whenever any target's healthy bit flips, so balancers can cache
    /// their healthy sets and recompute only on change.
    pub fn version(&self) -> Arc<AtomicU64> {
        self.version.clone()
    }

    /// The cell of `key`, if one exists.
    pub fn existing(&self, key: &TargetKey) -> Option<Arc<TargetHealthCell>> {
        self.cells.read().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    /// The verdict for `key`, if a cell exists.
    pub fn get(&self, key: &TargetKey) -> Option<TargetHealth> {
        self.cells.read().unwrap_or_else(|e| e.into_inner()).get(key).map(|c| c.get())
    }

    /// Requests routed to the targets of `target_group_arn`, summed over its cells: a
    /// monotonic counter while registrations stay, so a caller takes differences.
    pub fn group_requests(&self, target_group_arn: &str) -> u64 {
        self.cells.read().unwrap_or_else(|e| e.into_inner()).iter().filter(|(k, _)| k.target_group_arn == target_group_arn).map(|(_, c)| c.requests()).sum()
    }

    /// Drops cells for which `keep` is false.
    pub fn retain(&self, mut keep: impl FnMut(&TargetKey) -> bool) {
        self.cells.write().unwrap_or_else(|e| e.into_inner()).retain(|k, _| keep(k));
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True if there are no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_shared_and_start_registering() {
        let t = HealthTable::new();
        let k = TargetKey { target_group_arn: "tg".into(), id: "127.0.0.2".into(), port: 80 };
        let a = t.cell(&k);
        let b = t.cell(&k);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!a.is_healthy());
        assert_eq!(a.get().reason, Some(TargetHealthReason::RegistrationInProgress));
        b.set(TargetHealth { state: TargetHealthState::Healthy, reason: None, description: None });
        assert!(a.is_healthy());
        t.retain(|_| false);
        assert!(t.get(&k).is_none());
    }
}
