//! # balancer — choosing a target
//!
//! Data plane. A [`TargetGroupBalancer`] holds one target group's routable targets and picks
//! one per request: round robin over the healthy ones, failing open to all of them when fewer
//! than the target group's minimum are healthy (ALB guide, "Unhealthy state routing"). Health
//! is read with one atomic load per candidate; the healthy subset is cached and recomputed only
//! when the [`model::HealthTable`] version moves. No locks on the request path.
//!
//! Depends on `model` only.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use arc_swap::ArcSwap;
use model::{TargetHealthCell, TargetKey};

/// One registered target as the data plane sees it. `T` is the proxy's per-target state
/// (its connection pool).
#[derive(Debug)]
pub struct Target<T> {
    /// Target group, id and traffic port.
    pub key: TargetKey,
    /// Where traffic goes.
    pub addr: SocketAddr,
    /// Health verdicts from the checker.
    pub health: Arc<TargetHealthCell>,
    outstanding: AtomicUsize,
    /// Caller's per-target state.
    pub extra: T,
}

impl<T> Target<T> {
    /// A target with no requests in flight.
    pub fn new(key: TargetKey, addr: SocketAddr, health: Arc<TargetHealthCell>, extra: T) -> Target<T> {
        Target { key, addr, health, outstanding: AtomicUsize::new(0), extra }
    }

    /// Requests currently in flight to this target.
    pub fn outstanding(&self) -> usize {
        self.outstanding.load(Ordering::Relaxed)
    }

    /// Counts a request as in flight until the guard drops.
    pub fn begin_request(self: &Arc<Self>) -> InFlight<T> {
        self.outstanding.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }
}

/// Counts one in-flight request (see [`Target::begin_request`]).
#[derive(Debug)]
pub struct InFlight<T>(Arc<Target<T>>);

impl<T> InFlight<T> {
    /// The target.
    pub fn target(&self) -> &Arc<Target<T>> {
        &self.0
    }
}

impl<T> Drop for InFlight<T> {
    fn drop(&mut self) {
        self.0.outstanding.fetch_sub(1, Ordering::Relaxed);
    }
}

/// When to stop trusting health checks and route to every target
/// (`target_group_health.unhealthy_state_routing.minimum_healthy_targets.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinimumHealthy {
    /// `.count`: at least this many healthy targets (default 1).
    pub count: usize,
    /// `.percentage`: at least this percent of targets healthy (`None` = off).
    pub percentage: Option<u8>,
}

impl Default for MinimumHealthy {
    fn default() -> Self {
        MinimumHealthy { count: 1, percentage: None }
    }
}

struct HealthyView {
    version: u64,
    /// Indices of healthy targets, or of all targets when failing open.
    routable: Vec<u32>,
}

/// The routable targets of one target group and the rotation over them.
pub struct TargetGroupBalancer<T> {
    targets: Vec<Arc<Target<T>>>,
    next: AtomicUsize,
    minimum: MinimumHealthy,
    health_version: Arc<AtomicU64>,
    view: ArcSwap<HealthyView>,
}

impl<T> std::fmt::Debug for TargetGroupBalancer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetGroupBalancer").field("targets", &self.targets.len()).finish()
    }
}

impl<T> TargetGroupBalancer<T> {
    /// A balancer over `targets` (registered, not draining), in registration order.
    /// `health_version` is [`model::HealthTable::version`].
    pub fn new(targets: Vec<Arc<Target<T>>>, minimum: MinimumHealthy, health_version: Arc<AtomicU64>) -> TargetGroupBalancer<T> {
        let b = TargetGroupBalancer { targets, next: AtomicUsize::new(0), minimum, health_version, view: ArcSwap::from_pointee(HealthyView { version: u64::MAX, routable: Vec::new() }) };
        b.refresh(b.health_version.load(Ordering::Acquire));
        b
    }

    /// The targets, in registration order.
    pub fn targets(&self) -> &[Arc<Target<T>>] {
        &self.targets
    }

    fn refresh(&self, version: u64) -> Arc<HealthyView> {
        let healthy: Vec<u32> = self.targets.iter().enumerate().filter(|(_, t)| t.health.is_healthy()).map(|(i, _)| i as u32).collect();
        let n = self.targets.len();
        let enough_count = healthy.len() >= self.minimum.count.min(n.max(1));
        let enough_pct = self.minimum.percentage.is_none_or(|p| healthy.len() * 100 >= usize::from(p) * n);
        let routable = if !healthy.is_empty() && enough_count && enough_pct {
            healthy
        } else {
            // Fail open: ALB routes to every target when too few are healthy.
            (0..n as u32).collect()
        };
        let v = Arc::new(HealthyView { version, routable });
        self.view.store(v.clone());
        v
    }

    /// Picks the next target, or `None` if the group has no routable registrations
    /// (the caller answers 503).
    pub fn pick(&self) -> Option<&Arc<Target<T>>> {
        if self.targets.is_empty() {
            return None;
        }
        let version = self.health_version.load(Ordering::Acquire);
        let mut view = self.view.load_full();
        if view.version != version {
            view = self.refresh(version);
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % view.routable.len().max(1);
        view.routable.get(i).and_then(|&idx| self.targets.get(idx as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{HealthTable, TargetHealth, TargetHealthState};

    fn setup(n: usize) -> (HealthTable, Vec<Arc<Target<()>>>) {
        let table = HealthTable::new();
        let targets = (0..n)
            .map(|i| {
                let key = TargetKey { target_group_arn: "tg".into(), id: format!("127.0.0.{}", i + 2), port: 80 };
                let cell = table.cell(&key);
                Arc::new(Target::new(key, format!("127.0.0.{}:80", i + 2).parse().unwrap(), cell, ()))
            })
            .collect();
        (table, targets)
    }

    fn set(t: &Target<()>, s: TargetHealthState) {
        t.health.set(TargetHealth { state: s, reason: None, description: None });
    }

    #[test]
    fn round_robin_spreads_evenly_over_healthy_targets() {
        let (table, targets) = setup(3);
        for t in &targets {
            set(t, TargetHealthState::Healthy);
        }
        set(&targets[1], TargetHealthState::Unhealthy);
        let b = TargetGroupBalancer::new(targets.clone(), MinimumHealthy::default(), table.version());
        let mut counts = [0; 3];
        for _ in 0..1000 {
            let t = b.pick().unwrap();
            counts[targets.iter().position(|x| Arc::ptr_eq(x, t)).unwrap()] += 1;
        }
        assert_eq!(counts, [500, 0, 500]);
    }

    #[test]
    fn health_flips_are_seen_without_rebuilding() {
        let (table, targets) = setup(2);
        set(&targets[0], TargetHealthState::Healthy);
        let b = TargetGroupBalancer::new(targets.clone(), MinimumHealthy::default(), table.version());
        assert!((0..10).all(|_| Arc::ptr_eq(b.pick().unwrap(), &targets[0])));
        set(&targets[1], TargetHealthState::Healthy);
        set(&targets[0], TargetHealthState::Unhealthy);
        assert!((0..10).all(|_| Arc::ptr_eq(b.pick().unwrap(), &targets[1])));
    }

    #[test]
    fn fails_open_when_none_is_healthy_and_none_without_targets() {
        let (table, targets) = setup(2);
        let b = TargetGroupBalancer::new(targets.clone(), MinimumHealthy::default(), table.version());
        let picks: Vec<_> = (0..4).map(|_| b.pick().unwrap().addr).collect();
        assert!(picks.contains(&targets[0].addr) && picks.contains(&targets[1].addr));
        let empty: TargetGroupBalancer<()> = TargetGroupBalancer::new(vec![], MinimumHealthy::default(), table.version());
        assert!(empty.pick().is_none());
    }

    #[test]
    fn minimum_healthy_count_fails_open_below_it() {
        let (table, targets) = setup(3);
        set(&targets[0], TargetHealthState::Healthy);
        let b = TargetGroupBalancer::new(targets.clone(), MinimumHealthy { count: 2, percentage: None }, table.version());
        let distinct: std::collections::HashSet<_> = (0..9).map(|_| b.pick().unwrap().addr).collect();
        assert_eq!(distinct.len(), 3);
    }

    #[test]
    fn in_flight_guards_count() {
        let (_table, targets) = setup(1);
        let g = targets[0].begin_request();
        assert_eq!(targets[0].outstanding(), 1);
        drop(g);
        assert_eq!(targets[0].outstanding(), 0);
    }
}
