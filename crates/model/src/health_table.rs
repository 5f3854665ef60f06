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
}

fn state_code(s: TargetHealthState) -> u8 {
    s as u8
}

impl TargetHealthCell {
    fn new(version: Arc<AtomicU64>) -> TargetHealthCell {
        let h = TargetHealth::registering();
        TargetHealthCell { state: AtomicU8::new(state_code(h.state)), detail: Mutex::new(h), version }
    }

    /// True if the last verdict is `healthy`. One relaxed atomic load: the proxy calls this per
    /// request.
    #[inline]
    pub fn is_healthy(&self) -> bool {
        self.state.load(Ordering::Relaxed) == TargetHealthState::Healthy as u8
    }

    /// The full verdict.
    pub fn get(&self) -> TargetHealth {
        self.detail.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Records a verdict.
    pub fn set(&self, h: TargetHealth) {
        let mut d = self.detail.lock().unwrap_or_else(|e| e.into_inner());
        let was_healthy = d.state == TargetHealthState::Healthy;
        self.state.store(state_code(h.state), Ordering::Release);
        if was_healthy != (h.state == TargetHealthState::Healthy) {
            self.version.fetch_add(1, Ordering::Release);
        }
        *d = h;
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

    /// The verdict for `key`, if a cell exists.
    pub fn get(&self, key: &TargetKey) -> Option<TargetHealth> {
        self.cells.read().unwrap_or_else(|e| e.into_inner()).get(key).map(|c| c.get())
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
