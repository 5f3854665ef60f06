//! Tests of target selection.

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

fn all_healthy(targets: &[Arc<Target<()>>]) {
    for t in targets {
        set(t, TargetHealthState::Healthy);
    }
}

fn index(targets: &[Arc<Target<()>>], t: &Arc<Target<()>>) -> usize {
    targets.iter().position(|x| Arc::ptr_eq(x, t)).unwrap()
}

fn settings(algorithm: Algorithm) -> Settings {
    Settings { algorithm, ..Default::default() }
}

#[test]
fn round_robin_spreads_evenly_over_healthy_targets() {
    let (table, targets) = setup(3);
    all_healthy(&targets);
    set(&targets[1], TargetHealthState::Unhealthy);
    let b = TargetGroupBalancer::new(targets.clone(), Settings::default(), table.version());
    let mut counts = [0; 3];
    for _ in 0..1000 {
        counts[index(&targets, b.pick(None, None).unwrap())] += 1;
    }
    assert_eq!(counts, [500, 0, 500]);
}

#[test]
fn health_flips_are_seen_without_rebuilding() {
    let (table, targets) = setup(2);
    set(&targets[0], TargetHealthState::Healthy);
    let b = TargetGroupBalancer::new(targets.clone(), Settings::default(), table.version());
    assert!((0..10).all(|_| Arc::ptr_eq(b.pick(None, None).unwrap(), &targets[0])));
    set(&targets[1], TargetHealthState::Healthy);
    set(&targets[0], TargetHealthState::Unhealthy);
    assert!((0..10).all(|_| Arc::ptr_eq(b.pick(None, None).unwrap(), &targets[1])));
}

#[test]
fn fails_open_when_none_is_healthy_and_none_without_targets() {
    let (table, targets) = setup(2);
    let b = TargetGroupBalancer::new(targets.clone(), Settings::default(), table.version());
    let picks: Vec<_> = (0..4).map(|_| b.pick(None, None).unwrap().addr).collect();
    assert!(picks.contains(&targets[0].addr) && picks.contains(&targets[1].addr));
    let empty: TargetGroupBalancer<()> = TargetGroupBalancer::new(vec![], Settings::default(), table.version());
    assert!(empty.pick(None, None).is_none());
}

#[test]
fn minimum_healthy_count_fails_open_below_it() {
    let (table, targets) = setup(3);
    set(&targets[0], TargetHealthState::Healthy);
    let s = Settings { minimum: MinimumHealthy { count: 2, percentage: None }, ..Default::default() };
    let b = TargetGroupBalancer::new(targets.clone(), s, table.version());
    let distinct: std::collections::HashSet<_> = (0..9).map(|_| b.pick(None, None).unwrap().addr).collect();
    assert_eq!(distinct.len(), 3);
}

#[test]
fn least_outstanding_prefers_the_idle_target() {
    let (table, targets) = setup(3);
    all_healthy(&targets);
    let b = TargetGroupBalancer::new(targets.clone(), settings(Algorithm::LeastOutstandingRequests), table.version());
    let _busy0 = targets[0].begin_request();
    let _busy2a = targets[2].begin_request();
    let _busy2b = targets[2].begin_request();
    for _ in 0..10 {
        assert_eq!(index(&targets, b.pick(None, None).unwrap()), 1);
    }
    // With equal load the picks spread.
    let (table, targets) = setup(3);
    all_healthy(&targets);
    let b = TargetGroupBalancer::new(targets.clone(), settings(Algorithm::LeastOutstandingRequests), table.version());
    let distinct: std::collections::HashSet<_> = (0..9).map(|_| b.pick(None, None).unwrap().addr).collect();
    assert_eq!(distinct.len(), 3);
}

#[test]
fn weighted_random_is_roughly_uniform() {
    let (table, targets) = setup(4);
    all_healthy(&targets);
    let b = TargetGroupBalancer::new(targets.clone(), settings(Algorithm::WeightedRandom), table.version());
    let mut counts = [0u32; 4];
    for _ in 0..40_000 {
        counts[index(&targets, b.pick(None, None).unwrap())] += 1;
    }
    for c in counts {
        assert!((9_000..11_000).contains(&c), "{counts:?}");
    }
}

#[test]
fn retries_go_to_another_target_when_there_is_one() {
    let (table, targets) = setup(2);
    all_healthy(&targets);
    for alg in [Algorithm::RoundRobin, Algorithm::LeastOutstandingRequests, Algorithm::WeightedRandom] {
        let b = TargetGroupBalancer::new(targets.clone(), settings(alg), table.version());
        for _ in 0..20 {
            assert!(Arc::ptr_eq(b.pick(None, Some(&targets[0])).unwrap(), &targets[1]), "{alg:?}");
        }
    }
    let (table, one) = setup(1);
    all_healthy(&one);
    let b = TargetGroupBalancer::new(one.clone(), Settings::default(), table.version());
    assert!(b.pick(None, Some(&one[0])).is_none(), "no other target to retry on");
}

#[test]
fn consistent_hashing_is_sticky_and_moves_few_keys() {
    let (table, targets) = setup(5);
    all_healthy(&targets);
    let s = Settings { consistent_hash: true, ..Default::default() };
    let b = TargetGroupBalancer::new(targets.clone(), s, table.version());
    let keys: Vec<u64> = (0..2000).map(|i| hash_key(format!("10.0.{}.{}", i / 256, i % 256).as_bytes())).collect();
    let before: Vec<SocketAddr> = keys.iter().map(|k| b.pick(Some(*k), None).unwrap().addr).collect();
    let again: Vec<SocketAddr> = keys.iter().map(|k| b.pick(Some(*k), None).unwrap().addr).collect();
    assert_eq!(before, again, "the same key lands on the same target");
    let mut counts = std::collections::HashMap::new();
    for a in &before {
        *counts.entry(*a).or_insert(0) += 1;
    }
    assert!(counts.values().all(|c| (250..550).contains(c)), "roughly even: {counts:?}");
    set(&targets[4], TargetHealthState::Unhealthy);
    let after: Vec<SocketAddr> = keys.iter().map(|k| b.pick(Some(*k), None).unwrap().addr).collect();
    let moved = before.iter().zip(&after).filter(|(x, y)| x != y).count();
    let owned_by_removed = before.iter().filter(|a| **a == targets[4].addr).count();
    assert_eq!(moved, owned_by_removed, "only the removed target's keys move");
}

#[test]
fn slow_start_ramps_a_new_target_linearly() {
    let (table, targets) = setup(2);
    let window = Duration::from_millis(400);
    let s = Settings { slow_start: Some(window), ..Default::default() };
    let share_of_1 = |b: &TargetGroupBalancer<()>| {
        let picks = 4000;
        (0..picks).filter(|_| Arc::ptr_eq(b.pick(None, None).unwrap(), &targets[1])).count() as f64 / picks as f64
    };
    // A first batch does not ramp: both became healthy together.
    all_healthy(&targets);
    let b = TargetGroupBalancer::new(targets.clone(), s, table.version());
    assert!((0.45..0.55).contains(&share_of_1(&b)));
    // Target 1 comes back after target 0 has been healthy longer than the window.
    set(&targets[1], TargetHealthState::Unhealthy);
    std::thread::sleep(window + Duration::from_millis(50));
    set(&targets[1], TargetHealthState::Healthy);
    let b = TargetGroupBalancer::new(targets.clone(), s, table.version());
    let early = share_of_1(&b);
    assert!(early < 0.15, "just healthy: a small share, got {early}");
    std::thread::sleep(window / 2);
    let half = share_of_1(&b);
    assert!((0.2..0.45).contains(&half), "half way: about 1/3 (weights 0.5 vs 1), got {half}");
    std::thread::sleep(window);
    let done = share_of_1(&b);
    assert!((0.45..0.55).contains(&done), "after the window: an even share, got {done}");
}

#[test]
fn passive_failures_eject_until_a_check_passes() {
    let (table, targets) = setup(2);
    all_healthy(&targets);
    let b = TargetGroupBalancer::new(targets.clone(), Settings::default(), table.version());
    targets[1].report_failure(2);
    assert!(b.is_routable(&targets[1]), "one failure is below the threshold");
    targets[1].report_failure(2);
    assert!(!b.is_routable(&targets[1]), "two in a row eject");
    assert!((0..10).all(|_| Arc::ptr_eq(b.pick(None, None).unwrap(), &targets[0])));
    targets[1].health.check_passed();
    assert!(b.is_routable(&targets[1]));
}

#[test]
fn in_flight_guards_count() {
    let (_table, targets) = setup(1);
    let g = targets[0].begin_request();
    assert_eq!(targets[0].outstanding(), 1);
    drop(g);
    assert_eq!(targets[0].outstanding(), 0);
}
