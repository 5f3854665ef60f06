//! Lifecycle hooks and actions, standby, AttachInstances/DetachInstances.

use super::{group_mut, group_not_found, record_activity};
use crate::autoscaling::{
    AutoScalingGroup, AutoScalingState, DEFAULT_HEARTBEAT_TIMEOUT, GroupInstance, HealthStatus, LifecycleAction, LifecycleActionResult, LifecycleHook,
    LifecycleState, LifecycleTransition, MAX_LIFECYCLE_HOOKS_PER_GROUP, ScalingActivity, hook_key,
};
use crate::autoscaling_command::{AttachedInstance, PutLifecycleHook};
use crate::error::{ModelError, Quota};
use crate::ids::Millis;
use crate::instance::InstanceState;
use crate::snapshot::RegionState;

pub(super) fn put_hook(a: &mut AutoScalingState, p: &PutLifecycleHook) -> Result<(), ModelError> {
    if !a.groups.contains_key(&p.group) {
        return Err(group_not_found(&p.group));
    }
    if let Some(t) = p.heartbeat_timeout
        && !(30..=7200).contains(&t)
    {
        return Err(ModelError::invalid("HeartbeatTimeout", format!("Heartbeat timeout must be between 30 and 7200 seconds; {t} is not valid")));
    }
    let key = hook_key(&p.group, &p.name);
    let hook = match a.lifecycle_hooks.get(&key) {
        Some(h) => LifecycleHook {
            transition: p.transition.unwrap_or(h.transition),
            notification_target_arn: p.notification_target_arn.clone().or_else(|| h.notification_target_arn.clone()),
            role_arn: p.role_arn.clone().or_else(|| h.role_arn.clone()),
            notification_metadata: p.notification_metadata.clone().or_else(|| h.notification_metadata.clone()),
            heartbeat_timeout: p.heartbeat_timeout.unwrap_or(h.heartbeat_timeout),
            default_result: p.default_result.unwrap_or(h.default_result),
            ..h.clone()
        },
        None => {
            if a.hooks_of(&p.group).count() >= MAX_LIFECYCLE_HOOKS_PER_GROUP {
                return Err(ModelError::TooMany {
                    quota: Quota::ScalingPolicies,
                    message: format!("Max number of lifecycle hooks reached for group {} ({MAX_LIFECYCLE_HOOKS_PER_GROUP})", p.group),
                });
            }
            let transition = p.transition.ok_or_else(|| ModelError::invalid("LifecycleTransition", "A lifecycle transition must be specified when creating a lifecycle hook"))?;
            LifecycleHook {
                name: p.name.clone(),
                group: p.group.clone(),
                transition,
                notification_target_arn: p.notification_target_arn.clone(),
                role_arn: p.role_arn.clone(),
                notification_metadata: p.notification_metadata.clone(),
                heartbeat_timeout: p.heartbeat_timeout.unwrap_or(DEFAULT_HEARTBEAT_TIMEOUT),
                default_result: p.default_result.unwrap_or(LifecycleActionResult::Abandon),
            }
        }
    };
    a.lifecycle_hooks.insert(key, hook);
    Ok(())
}

fn hook_not_found(group: &str, name: &str) -> ModelError {
    ModelError::invalid("LifecycleHookName", format!("No Lifecycle Hook found for name: {name} and group: {group}"))
}

pub(super) fn delete_hook(a: &mut AutoScalingState, group: &str, name: &str) -> Result<(), ModelError> {
    if !a.groups.contains_key(group) {
        return Err(group_not_found(group));
    }
    let hook = a.lifecycle_hooks.remove(&hook_key(group, name)).ok_or_else(|| hook_not_found(group, name))?;
    // Outstanding actions with no hook left end: ABANDON when launching, CONTINUE when terminating.
    if a.hooks_for(group, hook.transition).next().is_none()
        && let Some(g) = a.groups.get_mut(group)
    {
        for i in g.instances.iter_mut() {
            if let Some(act) = i.lifecycle_action.as_mut().filter(|x| x.transition == hook.transition && x.result.is_none()) {
                let (result, state) = match hook.transition {
                    LifecycleTransition::Launching => (LifecycleActionResult::Abandon, LifecycleState::PendingProceed),
                    LifecycleTransition::Terminating => (LifecycleActionResult::Continue, LifecycleState::TerminatingProceed),
                };
                act.result = Some(result);
                i.lifecycle_state = state;
            }
        }
    }
    Ok(())
}

/// The instance waiting in a lifecycle action of `group` named by id or token.
fn waiting<'a>(g: &'a mut AutoScalingGroup, instance_id: Option<&str>, token: Option<&str>) -> Result<&'a mut GroupInstance, ModelError> {
    if instance_id.is_none() && token.is_none() {
        return Err(ModelError::invalid("LifecycleActionToken", "Either an instance ID or a lifecycle action token must be specified"));
    }
    let found = g.instances.iter_mut().find(|i| {
        instance_id.is_none_or(|id| i.instance_id == id)
            && i.lifecycle_action.as_ref().is_some_and(|a| a.result.is_none() && token.is_none_or(|t| a.token == t))
            && matches!(i.lifecycle_state, LifecycleState::PendingWait | LifecycleState::TerminatingWait)
    });
    found.ok_or_else(|| match (token, instance_id) {
        (Some(t), _) => ModelError::invalid("LifecycleActionToken", format!("No active Lifecycle Action found with token {t}")),
        (None, Some(id)) => ModelError::invalid("InstanceId", format!("No active Lifecycle Action found with instance ID {id}")),
        (None, None) => unreachable!(),
    })
}

fn check_hook(a: &AutoScalingState, group: &str, hook: &str) -> Result<LifecycleTransition, ModelError> {
    if !a.groups.contains_key(group) {
        return Err(group_not_found(group));
    }
    a.lifecycle_hooks.get(&hook_key(group, hook)).map(|h| h.transition).ok_or_else(|| hook_not_found(group, hook))
}

pub(super) fn complete(a: &mut AutoScalingState, group: &str, hook: &str, instance_id: Option<&str>, token: Option<&str>, result: LifecycleActionResult) -> Result<(), ModelError> {
    let transition = check_hook(a, group, hook)?;
    let g = group_mut(a, group)?;
    let i = waiting(g, instance_id, token)?;
    let act = i.lifecycle_action.as_mut().expect("waiting has an action");
    if act.transition != transition {
        return Err(ModelError::invalid("LifecycleHookName", format!("No active Lifecycle Action found for hook {hook} on instance {}", i.instance_id)));
    }
    act.result = Some(result);
    i.lifecycle_state = match transition {
        LifecycleTransition::Launching => LifecycleState::PendingProceed,
        LifecycleTransition::Terminating => LifecycleState::TerminatingProceed,
    };
    Ok(())
}

pub(super) fn heartbeat(a: &mut AutoScalingState, group: &str, hook: &str, instance_id: Option<&str>, token: Option<&str>, now: Millis) -> Result<(), ModelError> {
    let transition = check_hook(a, group, hook)?;
    let timeout = a.lifecycle_hooks[&hook_key(group, hook)].heartbeat_timeout;
    let g = group_mut(a, group)?;
    let i = waiting(g, instance_id, token)?;
    let act = i.lifecycle_action.as_mut().expect("waiting has an action");
    if act.transition != transition {
        return Err(ModelError::invalid("LifecycleHookName", format!("No active Lifecycle Action found for hook {hook} on instance {}", i.instance_id)));
    }
    act.deadline = (now + Millis::from(timeout) * 1000).min(act.global_deadline).max(act.deadline);
    Ok(())
}

pub(super) fn begin(a: &mut AutoScalingState, group: &str, instance_id: &str, transition: LifecycleTransition, token: &str, now: Millis) -> Result<(), ModelError> {
    let hooks: Vec<&LifecycleHook> = a.hooks_for(group, transition).collect();
    let Some(heartbeat) = hooks.iter().map(|h| h.heartbeat_timeout).max() else {
        return Err(ModelError::invalid("LifecycleTransition", format!("Group {group} has no lifecycle hook for {transition}")));
    };
    let global = hooks.iter().map(|h| h.global_timeout()).max().unwrap_or(heartbeat);
    let g = group_mut(a, group)?;
    let i = g.instances.iter_mut().find(|i| i.instance_id == instance_id).ok_or_else(|| super::instance_invalid(instance_id))?;
    i.lifecycle_state = match transition {
        LifecycleTransition::Launching => LifecycleState::PendingWait,
        LifecycleTransition::Terminating => LifecycleState::TerminatingWait,
    };
    i.lifecycle_action = Some(LifecycleAction {
        token: token.to_string(),
        transition,
        deadline: now + Millis::from(heartbeat) * 1000,
        global_deadline: now + Millis::from(global) * 1000,
        result: None,
    });
    Ok(())
}

fn sizes_error(g: &AutoScalingGroup, what: &str, n: usize) -> ModelError {
    ModelError::invalid(
        "DesiredCapacity",
        format!(
            "AutoScalingGroup {} has min-size={}, max-size={}, and desired-size={}. To {what} {n} instance(s), please update the AutoScalingGroup sizes appropriately.",
            g.name, g.min_size, g.max_size, g.desired_capacity
        ),
    )
}

fn check_members(g: &AutoScalingGroup, ids: &[String], want: Option<(LifecycleState, &str)>) -> Result<(), ModelError> {
    if ids.is_empty() {
        return Err(ModelError::invalid("InstanceIds", "At least one instance ID must be specified"));
    }
    for id in ids {
        let i = g.instance(id).ok_or_else(|| ModelError::invalid("InstanceIds", format!("The instance {id} is not part of Auto Scaling group {}.", g.name)))?;
        if let Some((state, word)) = want
            && i.lifecycle_state != state
        {
            return Err(ModelError::invalid("InstanceIds", format!("The instance {id} is not in {word}.")));
        }
    }
    Ok(())
}

fn record_all(a: &mut AutoScalingState, group: &str, activities: &[ScalingActivity]) {
    for act in activities {
        record_activity(a, ScalingActivity { group: group.to_string(), ..act.clone() });
    }
}

pub(super) fn enter_standby(a: &mut AutoScalingState, group: &str, ids: &[String], decrement: bool, activities: &[ScalingActivity]) -> Result<(), ModelError> {
    let g = group_mut(a, group)?;
    check_members(g, ids, Some((LifecycleState::InService, "InService")))?;
    let n = ids.len() as u32;
    if decrement {
        if g.desired_capacity < g.min_size + n {
            return Err(sizes_error(g, "place into standby", ids.len()));
        }
        g.desired_capacity -= n;
    }
    for i in g.instances.iter_mut().filter(|i| ids.contains(&i.instance_id)) {
        i.lifecycle_state = LifecycleState::EnteringStandby;
    }
    record_all(a, group, activities);
    Ok(())
}

pub(super) fn exit_standby(a: &mut AutoScalingState, group: &str, ids: &[String], activities: &[ScalingActivity]) -> Result<(), ModelError> {
    let g = group_mut(a, group)?;
    check_members(g, ids, Some((LifecycleState::Standby, "Standby")))?;
    let n = ids.len() as u32;
    if g.desired_capacity + n > g.max_size {
        return Err(sizes_error(g, "move out of standby", ids.len()));
    }
    g.desired_capacity += n;
    for i in g.instances.iter_mut().filter(|i| ids.contains(&i.instance_id)) {
        i.lifecycle_state = LifecycleState::Pending;
        i.lifecycle_action = None;
    }
    record_all(a, group, activities);
    Ok(())
}

pub(super) fn attach(r: &mut RegionState, group: &str, instances: &[AttachedInstance], activities: &[ScalingActivity], now: Millis) -> Result<(), ModelError> {
    let g = r.autoscaling.groups.get(group).ok_or_else(|| group_not_found(group))?;
    if instances.is_empty() {
        return Err(ModelError::invalid("InstanceIds", "At least one instance ID must be specified"));
    }
    let mut members = Vec::new();
    for AttachedInstance { instance_id: id } in instances {
        let e = r.ec2.instances.get(id).ok_or_else(|| ModelError::invalid("InstanceIds", format!("Invalid Instance ID(s): [{id}] specified")))?;
        if e.state != InstanceState::Running {
            return Err(ModelError::invalid("InstanceIds", format!("Instance {id} is not in correct state. Expected state: running, actual state: {}", e.state.as_str())));
        }
        if let Some(other) = r.autoscaling.group_of_instance(id) {
            return Err(ModelError::invalid("InstanceIds", format!("The instance {id} is already part of the Auto Scaling group {}.", other.name)));
        }
        if !g.availability_zones.contains(&e.availability_zone) {
            return Err(ModelError::invalid(
                "InstanceIds",
                format!("The instance {id} is in availability zone {}, which is not one of the Auto Scaling group's availability zones ({}).", e.availability_zone, g.availability_zones.join(", ")),
            ));
        }
        if members.iter().any(|m: &GroupInstance| m.instance_id == *id) {
            continue;
        }
        members.push(GroupInstance {
            instance_id: id.clone(),
            instance_type: Some(e.instance_type.clone()),
            availability_zone: e.availability_zone.clone(),
            lifecycle_state: LifecycleState::Pending,
            health_status: HealthStatus::Healthy,
            protected_from_scale_in: g.new_instances_protected_from_scale_in,
            launch_configuration_name: None,
            launch_template: None,
            launched_at: now,
            lifecycle_action: None,
        });
    }
    let n = members.len() as u32;
    if g.desired_capacity + n > g.max_size {
        return Err(sizes_error(g, "attach", members.len()));
    }
    let g = group_mut(&mut r.autoscaling, group)?;
    g.desired_capacity += n;
    g.instances.extend(members);
    record_all(&mut r.autoscaling, group, activities);
    Ok(())
}

pub(super) fn detach(a: &mut AutoScalingState, group: &str, ids: &[String], decrement: bool, activities: &[ScalingActivity]) -> Result<(), ModelError> {
    let g = group_mut(a, group)?;
    check_members(g, ids, None)?;
    for id in ids {
        let state = g.instance(id).map(|i| i.lifecycle_state);
        if !matches!(state, Some(LifecycleState::InService | LifecycleState::Standby | LifecycleState::Pending)) {
            return Err(ModelError::invalid("InstanceIds", format!("The instance {id} is not in InService, Standby or Pending.")));
        }
    }
    // Only instances counted toward capacity lower it.
    let counted = ids.iter().filter(|id| g.instance(id).is_some_and(|i| i.lifecycle_state != LifecycleState::Standby)).count() as u32;
    if decrement {
        if g.desired_capacity < g.min_size + counted {
            return Err(sizes_error(g, "detach", ids.len()));
        }
        g.desired_capacity -= counted;
    }
    for i in g.instances.iter_mut().filter(|i| ids.contains(&i.instance_id)) {
        i.lifecycle_state = LifecycleState::Detaching;
        i.lifecycle_action = None;
    }
    record_all(a, group, activities);
    Ok(())
}

#[cfg(test)]
mod tests;
