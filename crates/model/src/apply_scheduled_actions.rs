//! Scheduled actions (`PutScheduledUpdateGroupAction`, `DeleteScheduledAction`) and their runs
//! by the Auto Scaling controller.

use crate::apply_autoscaling::record_activity;
use crate::autoscaling::{AutoScalingState, MAX_SCHEDULED_ACTIONS_PER_GROUP, ScalingActivity, ScheduledAction};
use crate::cron::{Cron, time_zone_offset_minutes};
use crate::error::{ModelError, Quota};
use crate::ids::Millis;

fn group_not_found(name: &str) -> ModelError {
    ModelError::invalid("AutoScalingGroupName", format!("AutoScalingGroup name not found - AutoScalingGroup '{name}' not found"))
}

/// Checks the members of an action as it will be stored.
fn check(a: &ScheduledAction, now: Millis) -> Result<(), ModelError> {
    if let Some(r) = &a.recurrence {
        Cron::parse(r).map_err(|e| ModelError::invalid("Recurrence", format!("Given recurrence string is invalid: {r} ({e})")))?;
    }
    if let Some(tz) = &a.time_zone
        && time_zone_offset_minutes(tz).is_none()
    {
        return Err(ModelError::invalid(
            "TimeZone",
            format!("Invalid time zone: {tz}. elbow supports UTC and the fixed offsets Etc/GMT+N and Etc/GMT-N"),
        ));
    }
    if a.min_size.is_none() && a.max_size.is_none() && a.desired_capacity.is_none() {
        return Err(ModelError::invalid("MinSize", "At least one of MinSize, MaxSize or DesiredCapacity must be specified"));
    }
    if let (Some(min), Some(max)) = (a.min_size, a.max_size)
        && min > max
    {
        return Err(ModelError::invalid("MinSize", format!("Max bound, {max}, must be greater than or equal to min bound, {min}")));
    }
    if let Some(d) = a.desired_capacity
        && (a.min_size.is_some_and(|m| d < m) || a.max_size.is_some_and(|m| d > m))
    {
        return Err(ModelError::invalid(
            "DesiredCapacity",
            format!(
                "Desired capacity:{d} must be between the specified min size:{} and max size:{}",
                a.min_size.map_or("-".into(), |v| v.to_string()),
                a.max_size.map_or("-".into(), |v| v.to_string())
            ),
        ));
    }
    if let (Some(s), Some(e)) = (a.start_time, a.end_time)
        && e <= s
    {
        return Err(ModelError::invalid("EndTime", "Given end time is before the start time"));
    }
    if a.end_time.is_some_and(|e| e < now) {
        return Err(ModelError::invalid("EndTime", "Given end time is in the past"));
    }
    if a.recurrence.is_none() {
        match a.start_time {
            None => return Err(ModelError::invalid("StartTime", "Either a start time or a recurrence must be given")),
            Some(s) if s < now => return Err(ModelError::invalid("StartTime", "Given start time is in the past")),
            Some(_) => {}
        }
    }
    Ok(())
}

pub(crate) fn put(st: &mut AutoScalingState, a: &ScheduledAction) -> Result<(), ModelError> {
    if !st.groups.contains_key(&a.group) {
        return Err(group_not_found(&a.group));
    }
    let existing = st.scheduled_actions.values().find(|x| x.group == a.group && x.name == a.name).cloned();
    let merged = match &existing {
        Some(old) => ScheduledAction {
            name: old.name.clone(),
            arn: old.arn.clone(),
            group: old.group.clone(),
            start_time: a.start_time.or(old.start_time),
            end_time: a.end_time.or(old.end_time),
            recurrence: a.recurrence.clone().or_else(|| old.recurrence.clone()),
            min_size: a.min_size.or(old.min_size),
            max_size: a.max_size.or(old.max_size),
            desired_capacity: a.desired_capacity.or(old.desired_capacity),
            time_zone: a.time_zone.clone().or_else(|| old.time_zone.clone()),
            created_at: a.created_at,
            last_run: None,
        },
        None => {
            if st.scheduled_actions.values().filter(|x| x.group == a.group).count() >= MAX_SCHEDULED_ACTIONS_PER_GROUP {
                return Err(ModelError::TooMany {
                    quota: Quota::ScheduledActions,
                    message: format!("Max number of scheduled actions reached for group {} ({MAX_SCHEDULED_ACTIONS_PER_GROUP})", a.group),
                });
            }
            ScheduledAction { last_run: None, ..a.clone() }
        }
    };
    check(&merged, a.created_at)?;
    st.scheduled_actions.insert(merged.arn.clone(), merged);
    Ok(())
}

pub(crate) fn delete(st: &mut AutoScalingState, group: &str, name: &str) -> Result<(), ModelError> {
    if !st.groups.contains_key(group) {
        return Err(group_not_found(group));
    }
    let arn = st
        .scheduled_actions
        .values()
        .find(|x| x.group == group && x.name == name)
        .map(|x| x.arn.clone())
        .ok_or_else(|| ModelError::invalid("ScheduledActionName", format!("Scheduled Update Group Action name not found - Could not find scheduled action {name} for group {group}")))?;
    st.scheduled_actions.remove(&arn);
    Ok(())
}

pub(crate) fn run(st: &mut AutoScalingState, arn: &str, at: Millis, now: Millis, activity: Option<&ScalingActivity>) -> Result<(), ModelError> {
    let Some(a) = st.scheduled_actions.get(arn).cloned() else { return Ok(()) };
    let Some(g) = st.groups.get_mut(&a.group) else { return Ok(()) };
    if a.last_run.is_some_and(|l| l >= at) {
        return Ok(());
    }
    let result = a.sizes_for(g);
    if let Ok((min, max, desired)) = result {
        g.min_size = min;
        g.max_size = max;
        if g.desired_capacity != desired {
            g.desired_capacity = desired;
            g.last_scaling_at = Some(now);
        }
    }
    if let Some(act) = activity {
        record_activity(st, act.clone());
    }
    if a.recurrence.is_none() {
        st.scheduled_actions.remove(arn);
    } else if let Some(x) = st.scheduled_actions.get_mut(arn) {
        // Matches missed meanwhile (elbow down, process suspended) are not replayed.
        x.last_run = Some(at.max(now));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::autoscaling::{ScheduledAction, scheduled_action_arn};
    use crate::autoscaling_command::{AutoScalingCommand as C, CreateAutoScalingGroup, CreateLaunchConfiguration, GroupSettings};
    use crate::command::Command;
    use crate::error::ModelError;
    use crate::snapshot::Snapshot;

    const R: &str = "us-east-1";
    const NOW: u64 = 1_795_376_040_000; // 2026-11-22T19:34:00Z

    fn run(s: &Snapshot, op: C) -> Result<Snapshot, ModelError> {
        s.apply(&Command::AutoScaling { region: R.into(), op })
    }

    fn base() -> Snapshot {
        let s = run(
            &Snapshot::empty(),
            C::CreateLaunchConfiguration(Box::new(CreateLaunchConfiguration {
                name: "lc".into(),
                arn: "arn:lc".into(),
                image_id: "ami-1".into(),
                instance_type: "t3.micro".into(),
                key_name: None,
                security_groups: vec![],
                user_data: None,
                instance_monitoring: None,
                iam_instance_profile: None,
                associate_public_ip_address: None,
                ebs_optimized: None,
                now: 1,
            })),
        )
        .unwrap();
        let zone = s.region(R).ec2.zones[0].clone();
        run(
            &s,
            C::CreateAutoScalingGroup(Box::new(CreateAutoScalingGroup {
                name: "g".into(),
                arn: "arn:g".into(),
                settings: GroupSettings {
                    launch_configuration_name: Some("lc".into()),
                    min_size: Some(1),
                    max_size: Some(3),
                    desired_capacity: Some(1),
                    availability_zones: Some(vec![zone]),
                    ..Default::default()
                },
                target_group_arns: vec![],
                load_balancer_names: vec![],
                tags: vec![],
                now: 1,
            })),
        )
        .unwrap()
    }

    fn action(name: &str) -> ScheduledAction {
        ScheduledAction {
            name: name.into(),
            arn: scheduled_action_arn(R, "123456789012", "u", "g", name),
            group: "g".into(),
            start_time: Some(NOW + 5_000),
            end_time: None,
            recurrence: None,
            min_size: None,
            max_size: None,
            desired_capacity: Some(2),
            time_zone: None,
            created_at: NOW,
            last_run: None,
        }
    }

    fn put(s: &Snapshot, a: ScheduledAction) -> Result<Snapshot, ModelError> {
        run(s, C::PutScheduledUpdateGroupAction(Box::new(a)))
    }

    #[test]
    fn one_shot_runs_once_then_goes() {
        let a = action("up");
        let s = put(&base(), a.clone()).unwrap();
        let stored = s.region(R).autoscaling.scheduled_actions.get(&a.arn).unwrap().clone();
        assert_eq!(stored.due(NOW + 4_999), None);
        assert_eq!(stored.due(NOW + 6_000), Some(NOW + 5_000));
        assert_eq!(stored.sizes_for(&s.region(R).autoscaling.groups["g"]), Ok((1, 3, 2)));
        let s = run(&s, C::RunScheduledAction { arn: a.arn.clone(), at: NOW + 5_000, now: NOW + 6_000, activity: None }).unwrap();
        let g = &s.region(R).autoscaling.groups["g"];
        assert_eq!((g.min_size, g.max_size, g.desired_capacity), (1, 3, 2));
        assert!(s.region(R).autoscaling.scheduled_actions.is_empty(), "a one-shot action is deleted once run");
    }

    #[test]
    fn desired_is_clamped_into_the_new_bounds() {
        let s = base();
        let g = &s.region(R).autoscaling.groups["g"];
        let a = ScheduledAction { desired_capacity: None, min_size: Some(2), ..action("a") };
        assert_eq!(a.sizes_for(g), Ok((2, 3, 2)));
        let a = ScheduledAction { desired_capacity: Some(9), ..action("a") };
        assert_eq!(a.sizes_for(g), Ok((1, 3, 3)));
        let a = ScheduledAction { desired_capacity: None, min_size: Some(5), ..action("a") };
        assert!(a.sizes_for(g).is_err());
    }

    #[test]
    fn recurring_runs_each_match_within_the_window() {
        let a = ScheduledAction { start_time: None, end_time: Some(NOW + 3 * 60_000), recurrence: Some("* * * * *".into()), ..action("r") };
        let s = put(&base(), a.clone()).unwrap();
        let stored = s.region(R).autoscaling.scheduled_actions[&a.arn].clone();
        assert_eq!(stored.due(NOW + 59_999), None);
        assert_eq!(stored.due(NOW + 61_000), Some(NOW + 60_000));
        let s = run(&s, C::RunScheduledAction { arn: a.arn.clone(), at: NOW + 60_000, now: NOW + 61_000, activity: None }).unwrap();
        let stored = s.region(R).autoscaling.scheduled_actions[&a.arn].clone();
        assert_eq!(stored.due(NOW + 61_000), None);
        assert_eq!(stored.due(NOW + 120_000), Some(NOW + 120_000));
        // Late by two matches: one run, then nothing until the next match.
        let s = run(&s, C::RunScheduledAction { arn: a.arn.clone(), at: NOW + 120_000, now: NOW + 150_000, activity: None }).unwrap();
        let stored = s.region(R).autoscaling.scheduled_actions[&a.arn].clone();
        assert_eq!(stored.due(NOW + 179_000), None);
        assert_eq!(stored.next_run(NOW + 180_000), None, "EndTime ends the recurrence");
    }

    #[test]
    fn validation() {
        let s = base();
        let e = |a: ScheduledAction| put(&s, a).unwrap_err().to_string();
        assert!(e(ScheduledAction { group: "nope".into(), ..action("a") }).contains("AutoScalingGroup name not found"));
        assert!(e(ScheduledAction { start_time: Some(NOW - 1), ..action("a") }).contains("start time is in the past"));
        assert!(e(ScheduledAction { desired_capacity: None, ..action("a") }).contains("At least one of"));
        assert!(e(ScheduledAction { recurrence: Some("* * *".into()), ..action("a") }).contains("recurrence string is invalid"));
        assert!(e(ScheduledAction { recurrence: Some("0 9 * * *".into()), time_zone: Some("Europe/Paris".into()), ..action("a") }).contains("Invalid time zone"));
        assert!(e(ScheduledAction { min_size: Some(3), max_size: Some(2), ..action("a") }).contains("Max bound"));
        assert!(e(ScheduledAction { end_time: Some(NOW + 1_000), ..action("a") }).contains("end time"));
        // Update keeps absent members and the ARN.
        let s = put(&s, action("a")).unwrap();
        let s = put(&s, ScheduledAction { arn: "other".into(), desired_capacity: None, max_size: Some(3), ..action("a") }).unwrap();
        let reg = s.region(R);
        let list: Vec<_> = reg.autoscaling.scheduled_actions.values().collect();
        assert_eq!(list.len(), 1);
        let want = action("a").arn;
        assert_eq!((list[0].desired_capacity, list[0].max_size, list[0].arn.as_str()), (Some(2), Some(3), want.as_str()));
        // Delete; and deleting the group deletes its actions.
        let s2 = run(&s, C::DeleteScheduledAction { group: "g".into(), name: "a".into() }).unwrap();
        assert!(s2.region(R).autoscaling.scheduled_actions.is_empty());
        assert!(run(&s2, C::DeleteScheduledAction { group: "g".into(), name: "a".into() }).unwrap_err().to_string().contains("not found"));
        let s3 = run(&s, C::DeleteAutoScalingGroup { group: "g".into(), force_delete: false }).unwrap();
        assert!(s3.region(R).autoscaling.scheduled_actions.is_empty());
    }
}
