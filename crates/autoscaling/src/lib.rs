//! # autoscaling — the Auto Scaling controller
//!
//! Control plane. A reconcile loop that keeps each Auto Scaling group at its desired capacity,
//! launches and terminates instances (local processes, see the `instances` crate), registers
//! them into the group's target groups once they run and drains them before they stop, and
//! evaluates scaling policies. Every change it makes is a `Command` submitted to `state`, so it
//! is stored, replicated and visible in the API like a user's call.
//!
//! Depends on `model` and `state`; never on the data plane.

#![forbid(unsafe_code)]

pub mod placement;
pub mod target_tracking;
pub mod controller;
pub mod instance_runtime;
pub mod launch;
pub mod scheduled;

/// Now, Unix milliseconds.
pub fn now_millis() -> model::Millis {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as model::Millis).unwrap_or(0)
}
