//! # balancer — choosing a target
//!
//! Data plane. A [`TargetGroupBalancer`] holds one target group's routable targets and picks
//! one per request with the group's algorithm (`load_balancing.algorithm.type`): round robin,
//! least outstanding requests, or weighted random; slow start ramps a newly healthy target's
//! share linearly (`slow_start.duration_seconds`); elbow adds consistent hashing on a key the
//! caller supplies (client address or a header, `elbow.load_balancing.hash_key`). Targets that
//! are not healthy are skipped unless too few are healthy, then all are used (ALB's fail-open,
//! "Unhealthy state routing"). Health is read with atomics; the routable subset is cached and
//! recomputed only when the [`model::HealthTable`] version moves. No locks on the request path.
//!
//! Depends on `model` only.

#![forbid(unsafe_code)]

mod ring;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use model::{TargetHealthCell, TargetKey};

pub use ring::Ring;

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
    failures: AtomicU32,
    /// Caller's per-target state.
    pub extra: T,
}

impl<T> Target<T> {
    /// A target with no requests in flight.
    pub fn new(key: TargetKey, addr: SocketAddr, health: Arc<TargetHealthCell>, extra: T) -> Target<T> {
        Target { key, addr, health, outstanding: AtomicUsize::new(0), failures: AtomicU32::new(0), extra }
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

    /// A request to the target failed (connect refused or timed out, reset or closed before a
    /// response, silent past the per-try timeout). After `threshold` in a row (0 = never) the
    /// target leaves rotation until an active health check passes.
    pub fn report_failure(&self, threshold: u32) {
        let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if threshold > 0 && n >= threshold {
            self.health.eject();
        }
    }

    /// A request to the target got a response.
    #[inline]
    pub fn report_success(&self) {
        if self.failures.load(Ordering::Relaxed) != 0 {
            self.failures.store(0, Ordering::Relaxed);
        }
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

/// `load_balancing.algorithm.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// Each routable target in turn (the default).
    #[default]
    RoundRobin,
    /// The routable target with the fewest requests in flight.
    LeastOutstandingRequests,
    /// A uniformly random routable target.
    WeightedRandom,
}

impl Algorithm {
    /// Parses the attribute value.
    pub fn parse(s: &str) -> Algorithm {
        match s {
            "least_outstanding_requests" => Algorithm::LeastOutstandingRequests,
            "weighted_random" => Algorithm::WeightedRandom,
            _ => Algorithm::RoundRobin,
        }
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

/// A target group's selection settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settings {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Fail-open thresholds.
    pub minimum: MinimumHealthy,
    /// `slow_start.duration_seconds` (`None` = off).
    pub slow_start: Option<Duration>,
    /// Pick by consistent hashing of the caller's key (elbow extension).
    pub consistent_hash: bool,
}

struct View {
    version: u64,
    /// Indices of routable targets (healthy ones, or all when failing open).
    routable: Vec<u32>,
    /// `routable` as a mask over all targets.
    mask: Vec<bool>,
    /// (index, became healthy at, ms) of targets in slow start, if any.
    slow_start: Vec<(u32, u64)>,
    /// Consistent-hash ring over `routable`.
    ring: Option<Ring>,
}

/// The routable targets of one target group and the rotation over them.
pub struct TargetGroupBalancer<T> {
    targets: Vec<Arc<Target<T>>>,
    by_addr: HashMap<SocketAddr, u32>,
    next: AtomicUsize,
    settings: Settings,
    health_version: Arc<AtomicU64>,
    view: ArcSwap<View>,
}

impl<T> std::fmt::Debug for TargetGroupBalancer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetGroupBalancer").field("targets", &self.targets.len()).field("settings", &self.settings).finish()
    }
}

thread_local! {
    static RNG: std::cell::Cell<u64> = std::cell::Cell::new({
        use std::hash::{BuildHasher, Hasher};
        std::collections::hash_map::RandomState::new().build_hasher().finish() | 1
    });
}

/// A fast thread-local random number (xorshift64*): for spreading load, not secrets.
pub fn random() -> u64 {
    RNG.with(|r| {
        let mut x = r.get() | 1;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl<T> TargetGroupBalancer<T> {
    /// A balancer over `targets` (registered, not draining), in registration order.
    /// `health_version` is [`model::HealthTable::version`].
    pub fn new(targets: Vec<Arc<Target<T>>>, settings: Settings, health_version: Arc<AtomicU64>) -> TargetGroupBalancer<T> {
        let by_addr = targets.iter().enumerate().map(|(i, t)| (t.addr, i as u32)).collect();
        let empty = View { version: u64::MAX, routable: Vec::new(), mask: Vec::new(), slow_start: Vec::new(), ring: None };
        let b = TargetGroupBalancer { targets, by_addr, next: AtomicUsize::new(0), settings, health_version, view: ArcSwap::from_pointee(empty) };
        b.refresh(b.health_version.load(Ordering::Acquire));
        b
    }

    /// The targets, in registration order.
    pub fn targets(&self) -> &[Arc<Target<T>>] {
        &self.targets
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    fn refresh(&self, version: u64) -> Arc<View> {
        let n = self.targets.len();
        let healthy: Vec<u32> = self.targets.iter().enumerate().filter(|(_, t)| t.health.is_healthy()).map(|(i, _)| i as u32).collect();
        let enough_count = healthy.len() >= self.settings.minimum.count.min(n.max(1));
        let enough_pct = self.settings.minimum.percentage.is_none_or(|p| healthy.len() * 100 >= usize::from(p) * n);
        let failing_open = healthy.is_empty() || !enough_count || !enough_pct;
        // Fail open: ALB routes to every target when too few are healthy.
        let routable: Vec<u32> = if failing_open { (0..n as u32).collect() } else { healthy };
        let mut mask = vec![false; n];
        for &i in &routable {
            mask[i as usize] = true;
        }
        let mut slow_start = Vec::new();
        if let (Some(d), false) = (self.settings.slow_start, failing_open) {
            let now = now_ms();
            let window = d.as_millis() as u64;
            let ramping: Vec<(u32, u64)> = routable
                .iter()
                .map(|&i| (i, self.targets[i as usize].health.healthy_since()))
                .filter(|(_, since)| *since > 0 && now.saturating_sub(*since) < window)
                .collect();
            // A target enters slow start only if some healthy target is out of it (ALB guide:
            // a first batch of targets does not ramp).
            if ramping.len() < routable.len() {
                slow_start = ramping;
            }
        }
        let ring = self.settings.consistent_hash.then(|| Ring::new(routable.iter().map(|&i| (i, self.targets[i as usize].addr))));
        let v = Arc::new(View { version, routable, mask, slow_start, ring });
        self.view.store(v.clone());
        v
    }

    fn current(&self) -> Arc<View> {
        let version = self.health_version.load(Ordering::Acquire);
        let view = self.view.load_full();
        if view.version != version || (!view.slow_start.is_empty() && self.slow_start_over(&view)) { self.refresh(version) } else { view }
    }

    fn slow_start_over(&self, view: &View) -> bool {
        let Some(d) = self.settings.slow_start else { return false };
        let now = now_ms();
        view.slow_start.iter().any(|(_, since)| now.saturating_sub(*since) >= d.as_millis() as u64)
    }

    /// True if `t` would be picked from now (healthy, or all are being used because too few are).
    pub fn is_routable(&self, t: &Target<T>) -> bool {
        match self.by_addr.get(&t.addr) {
            Some(&i) => self.current().mask.get(i as usize).copied().unwrap_or(false),
            None => false,
        }
    }

    /// The registered target at `addr`, if any.
    pub fn find(&self, addr: SocketAddr) -> Option<&Arc<Target<T>>> {
        self.by_addr.get(&addr).and_then(|&i| self.targets.get(i as usize))
    }

    /// Picks a target, or `None` if the group has no routable registrations (the caller answers
    /// 503). `hash` is the request's key when consistent hashing is on; `exclude` is a target
    /// that just failed (a retry goes elsewhere when another target is routable).
    pub fn pick(&self, hash: Option<u64>, exclude: Option<&Arc<Target<T>>>) -> Option<&Arc<Target<T>>> {
        if self.targets.is_empty() {
            return None;
        }
        let view = self.current();
        let n = view.routable.len();
        if n == 0 {
            return None;
        }
        let skip = exclude.and_then(|e| self.by_addr.get(&e.addr).copied());
        let candidates = if skip.is_some_and(|s| view.mask.get(s as usize) == Some(&true)) { n - 1 } else { n };
        if candidates == 0 {
            return None;
        }
        let idx = if let (Some(h), Some(ring)) = (hash, view.ring.as_ref()) {
            ring.lookup(h, skip)
        } else if !view.slow_start.is_empty() {
            self.pick_slow_start(&view, skip)
        } else {
            match self.settings.algorithm {
                Algorithm::RoundRobin => self.pick_round_robin(&view, skip),
                Algorithm::LeastOutstandingRequests => self.pick_least_outstanding(&view, skip),
                Algorithm::WeightedRandom => self.pick_random(&view, skip),
            }
        };
        idx.and_then(|i| self.targets.get(i as usize))
    }

    fn pick_round_robin(&self, view: &View, skip: Option<u32>) -> Option<u32> {
        let n = view.routable.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n).map(|k| view.routable[(start + k) % n]).find(|&i| Some(i) != skip)
    }

    fn pick_random(&self, view: &View, skip: Option<u32>) -> Option<u32> {
        let n = view.routable.len();
        let start = (random() % n as u64) as usize;
        (0..n).map(|k| view.routable[(start + k) % n]).find(|&i| Some(i) != skip)
    }

    fn pick_least_outstanding(&self, view: &View, skip: Option<u32>) -> Option<u32> {
        let n = view.routable.len();
        // Start the scan at a rotating offset so ties spread evenly.
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let mut best: Option<(usize, u32)> = None;
        for k in 0..n {
            let i = view.routable[(start + k) % n];
            if Some(i) == skip {
                continue;
            }
            let o = self.targets[i as usize].outstanding();
            if best.is_none_or(|(b, _)| o < b) {
                best = Some((o, i));
                if o == 0 {
                    break;
                }
            }
        }
        best.map(|(_, i)| i)
    }

    /// Weighted random where a target in slow start weighs the fraction of its window elapsed
    /// (ALB guide, "Slow start mode": the share rises linearly).
    fn pick_slow_start(&self, view: &View, skip: Option<u32>) -> Option<u32> {
        let Some(d) = self.settings.slow_start else { return self.pick_round_robin(view, skip) };
        let window = d.as_millis().max(1) as u64;
        let now = now_ms();
        const SCALE: u64 = 1000;
        let weight = |i: u32| -> u64 {
            if Some(i) == skip {
                return 0;
            }
            match view.slow_start.iter().find(|(j, _)| *j == i) {
                Some((_, since)) => (now.saturating_sub(*since) * SCALE / window).clamp(1, SCALE),
                None => SCALE,
            }
        };
        let total: u64 = view.routable.iter().map(|&i| weight(i)).sum();
        if total == 0 {
            return None;
        }
        let mut r = random() % total;
        for &i in &view.routable {
            let w = weight(i);
            if r < w {
                return Some(i);
            }
            r -= w;
        }
        view.routable.last().copied()
    }
}

/// FNV-1a of `bytes`, for hash keys (client address, a header value).
pub fn hash_key(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Finalise (splitmix64) so nearby keys spread over the ring.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests;
