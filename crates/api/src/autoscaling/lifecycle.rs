//! PutLifecycleHook, DescribeLifecycleHooks, DeleteLifecycleHook, CompleteLifecycleAction,
//! RecordLifecycleActionHeartbeat, DescribeLifecycleHookTypes, EnterStandby, ExitStandby,
//! AttachInstances, DetachInstances.

use model::AutoScalingCommand;
use model::autoscaling::{AutoScalingGroup, LifecycleActionResult, LifecycleHook, LifecycleTransition, ScalingActivity};
use model::autoscaling_command::{AttachedInstance, PutLifecycleHook};

use super::{group_name, render, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::{Xml, timestamp};
use crate::{Api, Request, ids};

fn hook_name(p: &Params) -> Result<String, ApiError> {
    p.string("LifecycleHookName", 1, 255)?.ok_or_else(|| p.constraint("LifecycleHookName", None, "Member must not be null"))
}

/// One hook's members from `p` (PutLifecycleHook, or a `LifecycleHookSpecification`).
pub(crate) fn hook_input(p: &Params, group: &str) -> Result<PutLifecycleHook, ApiError> {
    Ok(PutLifecycleHook {
        group: group.to_string(),
        name: hook_name(p)?,
        transition: p.enumeration("LifecycleTransition", LifecycleTransition::parse, LifecycleTransition::ALL)?,
        notification_target_arn: p.string("NotificationTargetARN", 0, 1600)?.filter(|s| !s.is_empty()),
        role_arn: p.string("RoleARN", 1, 1600)?,
        notification_metadata: p.string("NotificationMetadata", 1, 1023)?,
        heartbeat_timeout: match p.int("HeartbeatTimeout", i64::MIN, i64::MAX)? {
            None => None,
            Some(t) if (30..=7200).contains(&t) => Some(t as u32),
            Some(t) => return Err(ApiError::validation(format!("Heartbeat timeout must be between 30 and 7200 seconds; {t} is not valid"))),
        },
        default_result: p.enumeration("DefaultResult", LifecycleActionResult::parse, LifecycleActionResult::ALL)?,
    })
}

pub(crate) async fn put_hook(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let hook = hook_input(p, &group)?;
    submit(api, req, AutoScalingCommand::PutLifecycleHook(Box::new(hook))).await?;
    Ok(())
}

fn hook(x: &mut Xml, h: &LifecycleHook) {
    x.text("LifecycleHookName", &h.name)
        .text("AutoScalingGroupName", &h.group)
        .text("LifecycleTransition", h.transition.as_str())
        .opt("NotificationTargetARN", h.notification_target_arn.as_deref())
        .opt("RoleARN", h.role_arn.as_deref())
        .opt("NotificationMetadata", h.notification_metadata.as_deref())
        .text("HeartbeatTimeout", h.heartbeat_timeout.to_string())
        .text("GlobalTimeout", h.global_timeout().to_string())
        .text("DefaultResult", h.default_result.as_str());
}

pub(crate) fn describe_hooks(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let names = p.list("LifecycleHookNames")?.filter(|v| !v.is_empty());
    let snap = api.state.current();
    let region = snap.region(&req.region);
    if !region.autoscaling.groups.contains_key(&group) {
        return Err(ApiError::validation(format!("AutoScalingGroup name not found - AutoScalingGroup '{group}' not found")));
    }
    let hooks: Vec<&LifecycleHook> = region.autoscaling.hooks_of(&group).filter(|h| names.as_ref().is_none_or(|n| n.contains(&h.name))).collect();
    x.list("LifecycleHooks", "member", hooks, hook);
    Ok(())
}

pub(crate) async fn delete_hook(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let name = hook_name(p)?;
    submit(api, req, AutoScalingCommand::DeleteLifecycleHook { group, name }).await?;
    Ok(())
}

pub(crate) async fn complete_action(api: &Api, req: &Request, heartbeat: bool) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let hook = hook_name(p)?;
    let instance_id = p.string("InstanceId", 1, 19)?;
    let token = p.string("LifecycleActionToken", 36, 36)?;
    let op = if heartbeat {
        AutoScalingCommand::RecordLifecycleActionHeartbeat { group, hook, instance_id, token, now: state::now_millis() }
    } else {
        let result = p
            .enumeration("LifecycleActionResult", LifecycleActionResult::parse, LifecycleActionResult::ALL)?
            .ok_or_else(|| p.constraint("LifecycleActionResult", None, "Member must not be null"))?;
        AutoScalingCommand::CompleteLifecycleAction { group, hook, instance_id, token, result }
    };
    submit(api, req, op).await?;
    Ok(())
}

pub(crate) fn hook_types(x: &mut Xml) {
    x.strings("LifecycleHookTypes", "member", LifecycleTransition::ALL);
}

fn instance_ids(p: &Params, required: bool) -> Result<Vec<String>, ApiError> {
    let ids = p.list("InstanceIds")?.unwrap_or_default();
    if required && ids.is_empty() {
        return Err(p.constraint("InstanceIds", None, "Member must not be null"));
    }
    if ids.len() > 20 {
        return Err(ApiError::validation("The number of instance IDs must be at most 20."));
    }
    Ok(ids)
}

fn activity_of(g: &AutoScalingGroup, id: &str, az: &str, description: String, cause: String, now: u64) -> ScalingActivity {
    ScalingActivity {
        activity_id: ids::uuid_v4(),
        group: g.name.clone(),
        description: format!("{description}: {id}"),
        cause,
        start_time: now,
        end_time: Some(now),
        status_code: "Successful".to_string(),
        status_message: None,
        progress: 100,
        details: format!("{{\"Subnet ID\":\"\",\"Availability Zone\":\"{az}\"}}"),
    }
}

fn activities_result(x: &mut Xml, acts: &[ScalingActivity], arn: &str) {
    x.list("Activities", "member", acts, |x, a| render::activity(x, a, Some(arn)));
}

/// EnterStandby, ExitStandby, DetachInstances: instance ids of a group, one activity each.
pub(crate) async fn standby(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let action = req.action.as_str();
    let ids = instance_ids(p, action != "DetachInstances")?;
    let decrement = if action == "ExitStandby" {
        false
    } else {
        p.bool("ShouldDecrementDesiredCapacity")?.ok_or_else(|| p.constraint("ShouldDecrementDesiredCapacity", None, "Member must not be null"))?
    };
    let now = state::now_millis();
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let g = region.autoscaling.groups.get(&group).ok_or_else(|| ApiError::validation(format!("AutoScalingGroup name not found - AutoScalingGroup '{group}' not found")))?;
    let at = timestamp(now);
    let d = g.desired_capacity as usize;
    let n = ids.len();
    let acts: Vec<ScalingActivity> = ids
        .iter()
        .map(|id| {
            let az = g.instance(id).map(|i| i.availability_zone.clone()).unwrap_or_default();
            let (description, cause) = match (action, decrement) {
                ("EnterStandby", true) => (
                    "Moving EC2 instance to Standby",
                    format!("At {at} instance {id} was moved to standby in response to a user request, shrinking the capacity from {d} to {}.", d.saturating_sub(n)),
                ),
                ("EnterStandby", false) => ("Moving EC2 instance to Standby", format!("At {at} instance {id} was moved to standby in response to a user request.")),
                ("ExitStandby", _) => (
                    "Moving EC2 instance out of Standby",
                    format!("At {at} instance {id} was moved out of standby in response to a user request, increasing the capacity from {d} to {}.", d + n),
                ),
                (_, true) => (
                    "Detaching EC2 instance",
                    format!("At {at} instance {id} was detached in response to a user request, shrinking the capacity from {d} to {}.", d.saturating_sub(n)),
                ),
                (_, false) => ("Detaching EC2 instance", format!("At {at} instance {id} was detached in response to a user request.")),
            };
            activity_of(g, id, &az, description.to_string(), cause, now)
        })
        .collect();
    let arn = g.arn.clone();
    drop(region);
    let op = match action {
        "EnterStandby" => AutoScalingCommand::EnterStandby { group, instance_ids: ids, should_decrement_desired_capacity: decrement, activities: acts.clone() },
        "ExitStandby" => AutoScalingCommand::ExitStandby { group, instance_ids: ids, activities: acts.clone() },
        _ => AutoScalingCommand::DetachInstances { group, instance_ids: ids, should_decrement_desired_capacity: decrement, activities: acts.clone() },
    };
    submit(api, req, op).await?;
    activities_result(x, &acts, &arn);
    Ok(())
}

pub(crate) async fn attach(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let ids = instance_ids(p, false)?;
    if ids.is_empty() {
        return Ok(());
    }
    let now = state::now_millis();
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let g = region.autoscaling.groups.get(&group).ok_or_else(|| ApiError::validation(format!("AutoScalingGroup name not found - AutoScalingGroup '{group}' not found")))?;
    let at = timestamp(now);
    let total = g.desired_capacity as usize + ids.len();
    let acts: Vec<ScalingActivity> = ids
        .iter()
        .map(|id| {
            let az = region.ec2.instances.get(id).map(|i| i.availability_zone.clone()).unwrap_or_default();
            let cause = format!("At {at} an instance was added in response to user request. Keeping the capacity at the new {total}.");
            activity_of(g, id, &az, "Attaching an existing EC2 instance".to_string(), cause, now)
        })
        .collect();
    drop(region);
    let instances = ids.into_iter().map(|instance_id| AttachedInstance { instance_id }).collect();
    submit(api, req, AutoScalingCommand::AttachInstances { group, instances, activities: acts, now }).await?;
    Ok(())
}
