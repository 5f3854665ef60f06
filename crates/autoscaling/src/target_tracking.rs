//! Target tracking as Auto Scaling documents it ("Target tracking scaling policies"): the
//! policy keeps a metric near its target value by changing the desired capacity in proportion,
//! `ceil(capacity × metric / target)`; it scales out quickly (the high alarm wants 3
//! consecutive periods above the target) and in conservatively (the low alarm wants 15
//! consecutive periods below 90 % of the target), never below the group's minimum or above its
//! maximum, and not at all in when `DisableScaleIn` is set.

/// Consecutive evaluation periods above the target before scaling out (AWS: 3 × 1 minute).
pub const SCALE_OUT_PERIODS: u32 = 3;
/// Consecutive evaluation periods below the low threshold before scaling in (AWS: 15 × 1 minute).
pub const SCALE_IN_PERIODS: u32 = 15;
/// The low alarm's threshold as a fraction of the target value.
pub const SCALE_IN_THRESHOLD: f64 = 0.9;

/// A policy's alarm state between evaluations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlarmState {
    /// Consecutive periods above the target.
    pub high: u32,
    /// Consecutive periods below the low threshold.
    pub low: u32,
}

/// One evaluation's inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Instances the metric was averaged over (in service, past their warm-up).
    pub capacity: u32,
    /// The group's current desired capacity.
    pub desired: u32,
    /// The metric's value this period (e.g. average CPU percent), `None` without data.
    pub metric: Option<f64>,
    /// `TargetValue`.
    pub target: f64,
    /// `MinSize`, `MaxSize`.
    pub min: u32,
    /// `MaxSize`.
    pub max: u32,
    /// `DisableScaleIn`.
    pub disable_scale_in: bool,
}

/// A decision: the new desired capacity and AWS's wording of the cause.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// New desired capacity.
    pub desired: u32,
    /// Why, in the words of a scaling activity's cause.
    pub cause: String,
}

/// Evaluates one period: updates `alarm` and returns a change of desired capacity, if any.
pub fn evaluate(alarm: &mut AlarmState, e: Evaluation) -> Option<Decision> {
    let Some(metric) = e.metric.filter(|m| m.is_finite() && *m >= 0.0) else {
        // Missing data breaches neither alarm (AWS: "missing data is treated as not breaching").
        *alarm = AlarmState::default();
        return None;
    };
    if e.target <= 0.0 || e.capacity == 0 {
        return None;
    }
    let proportional = ((f64::from(e.capacity) * metric / e.target) - 1e-9).ceil().max(0.0) as u32;
    if metric > e.target {
        alarm.high += 1;
        alarm.low = 0;
        if alarm.high >= SCALE_OUT_PERIODS {
            let want = proportional.clamp(e.min, e.max);
            if want > e.desired {
                *alarm = AlarmState::default();
                return Some(Decision { desired: want, cause: format!("metric {metric:.1} is above the target value {:.1} for {SCALE_OUT_PERIODS} consecutive periods", e.target) });
            }
        }
    } else if metric < e.target * SCALE_IN_THRESHOLD {
        alarm.low += 1;
        alarm.high = 0;
        if alarm.low >= SCALE_IN_PERIODS && !e.disable_scale_in {
            let want = proportional.max(1).clamp(e.min, e.max);
            if want < e.desired {
                *alarm = AlarmState::default();
                return Some(Decision { desired: want, cause: format!("metric {metric:.1} is below {:.1} (90% of the target value {:.1}) for {SCALE_IN_PERIODS} consecutive periods", e.target * SCALE_IN_THRESHOLD, e.target) });
            }
        }
    } else {
        *alarm = AlarmState::default();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(capacity: u32, metric: f64) -> Evaluation {
        Evaluation { capacity, desired: capacity, metric: Some(metric), target: 50.0, min: 1, max: 3, disable_scale_in: false }
    }

    #[test]
    fn scales_out_proportionally_after_three_high_periods() {
        let mut a = AlarmState::default();
        assert_eq!(evaluate(&mut a, eval(1, 95.0)), None);
        assert_eq!(evaluate(&mut a, eval(1, 95.0)), None);
        let d = evaluate(&mut a, eval(1, 95.0)).expect("third period scales out");
        assert_eq!(d.desired, 2, "ceil(1 × 95 / 50)");
        assert_eq!(a, AlarmState::default());
        // Never above the maximum.
        let mut a = AlarmState { high: 2, low: 0 };
        assert_eq!(evaluate(&mut a, eval(2, 100.0)).map(|d| d.desired), Some(3));
    }

    #[test]
    fn a_period_at_the_target_resets_the_count() {
        let mut a = AlarmState::default();
        evaluate(&mut a, eval(1, 95.0));
        evaluate(&mut a, eval(1, 95.0));
        assert_eq!(evaluate(&mut a, eval(1, 48.0)), None);
        assert_eq!(a, AlarmState::default());
        assert_eq!(evaluate(&mut a, eval(1, 95.0)), None, "counting starts again");
    }

    #[test]
    fn scales_in_slowly_never_below_min_and_not_when_disabled() {
        let mut a = AlarmState::default();
        for _ in 0..SCALE_IN_PERIODS - 1 {
            assert_eq!(evaluate(&mut a, eval(3, 5.0)), None);
        }
        assert_eq!(evaluate(&mut a, eval(3, 5.0)).map(|d| d.desired), Some(1), "ceil(3 × 5 / 50) = 1, the minimum");
        let mut a = AlarmState { high: 0, low: SCALE_IN_PERIODS - 1 };
        assert_eq!(evaluate(&mut a, Evaluation { disable_scale_in: true, ..eval(3, 5.0) }), None);
        // 47 is below the target but above 90 % of it: no scale-in.
        let mut a = AlarmState { high: 0, low: SCALE_IN_PERIODS - 1 };
        assert_eq!(evaluate(&mut a, eval(3, 47.0)), None);
    }

    #[test]
    fn missing_data_breaches_nothing() {
        let mut a = AlarmState { high: 2, low: 0 };
        assert_eq!(evaluate(&mut a, Evaluation { metric: None, ..eval(1, 0.0) }), None);
        assert_eq!(a, AlarmState::default());
    }
}
