//! The consecutive-threshold state machine of one target (ALB guide, "Health checks for your
//! target groups"): a new target needs one passing check; afterwards `UnhealthyThresholdCount`
//! consecutive failures make it unhealthy and `HealthyThresholdCount` consecutive successes make
//! it healthy again.

use model::{TargetHealth, TargetHealthReason, TargetHealthState};

/// The outcome of one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeResult {
    /// Connected (TCP) or got a matching status code (HTTP/HTTPS).
    Pass,
    /// Got an HTTP status the matcher does not accept.
    CodeMismatch(u16),
    /// No answer within `HealthCheckTimeoutSeconds`.
    Timeout,
    /// Connection refused or reset, TLS failure, or a malformed response.
    Failed(String),
}

impl ProbeResult {
    fn health(&self) -> TargetHealth {
        let (reason, description) = match self {
            ProbeResult::Pass => return TargetHealth { state: TargetHealthState::Healthy, reason: None, description: None },
            ProbeResult::CodeMismatch(c) => (TargetHealthReason::ResponseCodeMismatch, format!("Health checks failed with these codes: [{c}]")),
            ProbeResult::Timeout => (TargetHealthReason::Timeout, "Request timed out".to_string()),
            ProbeResult::Failed(_) => (TargetHealthReason::FailedHealthChecks, "Health checks failed".to_string()),
        };
        TargetHealth { state: TargetHealthState::Unhealthy, reason: Some(reason), description: Some(description) }
    }
}

/// Where a target stands between verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthStateMachine {
    verdict: TargetHealth,
    successes: u32,
    failures: u32,
}

impl HealthStateMachine {
    /// Starts from a known verdict (a fresh registration starts `initial`).
    pub fn new(verdict: TargetHealth) -> HealthStateMachine {
        HealthStateMachine { verdict, successes: 0, failures: 0 }
    }

    /// The current verdict.
    pub fn verdict(&self) -> &TargetHealth {
        &self.verdict
    }

    /// Feeds one probe result; returns the new verdict if it changed (state, reason or
    /// description).
    pub fn observe(&mut self, r: &ProbeResult, healthy_threshold: u32, unhealthy_threshold: u32) -> Option<TargetHealth> {
        let pass = *r == ProbeResult::Pass;
        if pass {
            self.successes += 1;
            self.failures = 0;
        } else {
            self.failures += 1;
            self.successes = 0;
        }
        let next = match self.verdict.state {
            TargetHealthState::Initial if pass => Some(r.health()),
            TargetHealthState::Unhealthy if pass && self.successes >= healthy_threshold => Some(r.health()),
            TargetHealthState::Unhealthy if !pass => Some(r.health()),
            TargetHealthState::Healthy | TargetHealthState::Initial if !pass && self.failures >= unhealthy_threshold => Some(r.health()),
            _ => None,
        };
        match next {
            Some(n) if n != self.verdict => {
                self.verdict = n.clone();
                Some(n)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn initial() -> HealthStateMachine {
        HealthStateMachine::new(TargetHealth { state: TargetHealthState::Initial, reason: Some(TargetHealthReason::InitialHealthChecking), description: None })
    }

    #[test]
    fn a_new_target_needs_one_pass() {
        let mut m = initial();
        assert_eq!(m.observe(&ProbeResult::Pass, 5, 2).unwrap().state, TargetHealthState::Healthy);
    }

    #[test]
    fn a_new_target_goes_unhealthy_after_the_unhealthy_threshold() {
        let mut m = initial();
        assert!(m.observe(&ProbeResult::Timeout, 5, 2).is_none());
        let v = m.observe(&ProbeResult::Timeout, 5, 2).unwrap();
        assert_eq!((v.state, v.reason), (TargetHealthState::Unhealthy, Some(TargetHealthReason::Timeout)));
    }

    #[test]
    fn thresholds_need_consecutive_results() {
        let mut m = initial();
        m.observe(&ProbeResult::Pass, 3, 2);
        assert!(m.observe(&ProbeResult::Failed("x".into()), 3, 2).is_none());
        assert!(m.observe(&ProbeResult::Pass, 3, 2).is_none(), "a pass resets the failure streak");
        assert!(m.observe(&ProbeResult::CodeMismatch(500), 3, 2).is_none());
        let v = m.observe(&ProbeResult::CodeMismatch(404), 3, 2).unwrap();
        assert_eq!(v.reason, Some(TargetHealthReason::ResponseCodeMismatch));
        assert_eq!(v.description.as_deref(), Some("Health checks failed with these codes: [404]"));
        assert!(m.observe(&ProbeResult::Pass, 3, 2).is_none());
        assert!(m.observe(&ProbeResult::Pass, 3, 2).is_none());
        assert_eq!(m.observe(&ProbeResult::Pass, 3, 2).unwrap().state, TargetHealthState::Healthy);
    }

    #[test]
    fn an_unhealthy_target_reports_the_latest_reason() {
        let mut m = initial();
        m.observe(&ProbeResult::Timeout, 5, 2);
        m.observe(&ProbeResult::Timeout, 5, 2);
        let v = m.observe(&ProbeResult::Failed("refused".into()), 5, 2).unwrap();
        assert_eq!(v.reason, Some(TargetHealthReason::FailedHealthChecks));
        assert!(m.observe(&ProbeResult::Failed("refused".into()), 5, 2).is_none(), "no change, no event");
    }
}
