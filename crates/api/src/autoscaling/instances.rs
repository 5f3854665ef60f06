//! DescribeAutoScalingInstances, DescribeScalingActivities, TerminateInstanceInAutoScalingGroup,
//! SetInstanceHealth, SetInstanceProtection.

use model::AutoScalingCommand;
use model::autoscaling::{HealthStatus, ScalingActivity};

use super::{error, group_name, paginate, render, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::{Xml, timestamp};
use crate::{Api, Request, ids};

fn instance_id(p: &Params) -> Result<String, ApiError> {
    p.string("InstanceId", 1, 19)?.ok_or_else(|| p.constraint("InstanceId", None, "Member must not be null"))
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let ids = p.list("InstanceIds")?.filter(|v| !v.is_empty());
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let mut all: Vec<_> = region
        .autoscaling
        .groups
        .values()
        .flat_map(|g| g.instances.iter().map(move |i| (g, i)))
        .filter(|(_, i)| ids.as_ref().is_none_or(|ids| ids.contains(&i.instance_id)))
        .collect();
    all.sort_by(|a, b| a.1.instance_id.cmp(&b.1.instance_id));
    let (page, next) = paginate(all, p, 50, 50)?;
    x.list("AutoScalingInstances", "member", page, |x, (g, i)| render::instance_details(x, g, i)).opt("NextToken", next);
    Ok(())
}

pub(crate) fn describe_activities(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let ids = p.list("ActivityIds")?.filter(|v| !v.is_empty());
    let group = p.string("AutoScalingGroupName", 1, 255)?;
    let include_deleted = p.bool("IncludeDeletedGroups")?.unwrap_or(false);
    let filters = super::groups::decode_filters(p)?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let a = &region.autoscaling;
    let mut all: Vec<&ScalingActivity> = a
        .activities
        .iter()
        .filter(|(g, _)| group.as_ref().is_none_or(|n| n == *g))
        .filter(|(g, _)| include_deleted || a.groups.contains_key(*g))
        .flat_map(|(_, v)| v.iter())
        .filter(|act| ids.as_ref().is_none_or(|ids| ids.contains(&act.activity_id)))
        .filter(|act| filters.iter().all(|(name, values)| name != "StatusCode" || values.contains(&act.status_code)))
        .collect();
    // Newest first.
    all.sort_by(|x, y| y.start_time.cmp(&x.start_time).then_with(|| y.activity_id.cmp(&x.activity_id)));
    let (page, next) = paginate(all, p, 100, 100)?;
    x.list("Activities", "member", page, |x, act| render::activity(x, act, a.groups.get(&act.group).map(|g| g.arn.as_str()))).opt("NextToken", next);
    Ok(())
}

pub(crate) async fn terminate(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let id = instance_id(p)?;
    let decrement = p.bool("ShouldDecrementDesiredCapacity")?.ok_or_else(|| p.constraint("ShouldDecrementDesiredCapacity", None, "Member must not be null"))?;
    let now = state::now_millis();
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let g = region
        .autoscaling
        .group_of_instance(&id)
        .ok_or_else(|| ApiError::validation(format!("Instance Id not found - No managed instance found for instance ID: {id}")))?;
    let az = g.instance(&id).map(|i| i.availability_zone.clone()).unwrap_or_default();
    let cause = if decrement {
        format!(
            "At {} instance {id} was taken out of service in response to a user request, shrinking the capacity from {} to {}.",
            timestamp(now),
            g.desired_capacity,
            g.desired_capacity.saturating_sub(1)
        )
    } else {
        format!("At {} instance {id} was taken out of service in response to a user request.", timestamp(now))
    };
    let activity = ScalingActivity {
        activity_id: ids::uuid_v4(),
        group: g.name.clone(),
        description: format!("Terminating EC2 instance: {id}"),
        cause,
        start_time: now,
        end_time: None,
        status_code: "InProgress".to_string(),
        status_message: None,
        progress: 0,
        details: format!("{{\"Availability Zone\":\"{az}\"}}"),
    };
    let arn = g.arn.clone();
    drop(region);
    submit(
        api,
        req,
        AutoScalingCommand::TerminateInstanceInAutoScalingGroup { instance_id: id, should_decrement_desired_capacity: decrement, activity: activity.clone() },
    )
    .await?;
    x.elem("Activity", |x| render::activity(x, &activity, Some(&arn)));
    Ok(())
}

pub(crate) async fn set_health(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let instance_id = instance_id(p)?;
    let health_status = p.enumeration("HealthStatus", HealthStatus::parse, HealthStatus::ALL)?.ok_or_else(|| p.constraint("HealthStatus", None, "Member must not be null"))?;
    let should_respect_grace_period = p.bool("ShouldRespectGracePeriod")?.unwrap_or(true);
    submit(api, req, AutoScalingCommand::SetInstanceHealth { instance_id, health_status, should_respect_grace_period, now: state::now_millis() }).await?;
    Ok(())
}

pub(crate) async fn set_protection(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let instance_ids = p.list("InstanceIds")?.ok_or_else(|| p.constraint("InstanceIds", None, "Member must not be null"))?;
    if instance_ids.len() > 50 {
        return Err(error(model::ModelError::TooMany { quota: model::Quota::AutoScalingGroups, message: "You can set instance protection for at most 50 instances at a time".into() }));
    }
    let protected_from_scale_in = p.bool("ProtectedFromScaleIn")?.ok_or_else(|| p.constraint("ProtectedFromScaleIn", None, "Member must not be null"))?;
    submit(api, req, AutoScalingCommand::SetInstanceProtection { group, instance_ids, protected_from_scale_in }).await?;
    Ok(())
}
