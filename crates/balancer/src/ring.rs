//! A consistent-hash ring (ketama style, as HAProxy's `hash-type consistent` and Envoy's
//! `ring_hash`): each target owns many points, a key goes to the first point at or after its
//! hash, so adding or removing one target moves only that target's share of keys.

use std::net::SocketAddr;

/// Points per target: enough for an even spread (±10 % over a few targets).
const POINTS: u32 = 160;

/// Sorted ring points: (hash, target index).
#[derive(Debug, Clone)]
pub struct Ring {
    points: Vec<(u64, u32)>,
}

impl Ring {
    /// A ring over `(index, address)` pairs; a target's points depend only on its address.
    pub fn new(targets: impl Iterator<Item = (u32, SocketAddr)>) -> Ring {
        let mut points = Vec::new();
        for (i, addr) in targets {
            let name = addr.to_string();
            for p in 0..POINTS {
                points.push((crate::hash_key(format!("{name}#{p}").as_bytes()), i));
            }
        }
        points.sort_unstable();
        Ring { points }
    }

    /// The target owning `hash`, skipping `skip`.
    pub fn lookup(&self, hash: u64, skip: Option<u32>) -> Option<u32> {
        if self.points.is_empty() {
            return None;
        }
        let start = self.points.partition_point(|(h, _)| *h < hash);
        let n = self.points.len();
        (0..n).map(|k| self.points[(start + k) % n].1).find(|&i| Some(i) != skip)
    }
}
