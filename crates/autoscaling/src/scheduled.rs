//! Scheduled actions: at each due time (a one-shot action's `StartTime`, or a `Recurrence`
//! match within [`StartTime`, `EndTime`]) the group's min/max/desired are set, the desired
//! capacity clamped into the new bounds, with an activity in Auto Scaling's words. Suspending
//! the `ScheduledActions` process holds them (a recurrence missed meanwhile is not replayed;
//! a one-shot action whose time passed runs on resume).

use model::autoscaling::{AutoScalingState, ScheduledAction};
use model::autoscaling_command::AutoScalingCommand;
use model::Millis;

use crate::launch::{activity_record, iso};

/// The runs due at `now` in a region.
pub fn due(a: &AutoScalingState, now: Millis) -> Vec<AutoScalingCommand> {
    let mut out = Vec::new();
    for s in a.scheduled_actions.values() {
        let Some(g) = a.groups.get(&s.group) else { continue };
        if g.is_suspended("ScheduledActions") || g.is_deleting() {
            continue;
        }
        let Some(at) = s.due(now) else { continue };
        out.push(AutoScalingCommand::RunScheduledAction { arn: s.arn.clone(), at, now, activity: activity(s, g, now) });
    }
    out
}

fn activity(s: &ScheduledAction, g: &model::autoscaling::AutoScalingGroup, now: Millis) -> Option<model::autoscaling::ScalingActivity> {
    match s.sizes_for(g) {
        Ok((min, max, desired)) => (desired != g.desired_capacity).then(|| {
            let cause = format!(
                "At {} a scheduled action update of AutoScalingGroup constraints to min: {min}, max: {max}, desired: {desired} changing the desired capacity from {} to {desired}.",
                iso(now),
                g.desired_capacity
            );
            activity_record(&g.name, now, format!("Setting the desired capacity from {} to {desired}", g.desired_capacity), cause)
        }),
        Err(message) => {
            let mut a = activity_record(
                &g.name,
                now,
                format!("Executing scheduled action {}", s.name),
                format!("At {} the scheduled action {} could not be applied.", iso(now), s.name),
            );
            a.status_code = "Failed".into();
            a.status_message = Some(message);
            Some(a)
        }
    }
}
