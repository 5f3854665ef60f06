//! Auto Scaling (2011-01-01, query protocol): decoding of each action's parameters, the command
//! it becomes, and its XML result, as in the botocore `autoscaling` service model. Missing
//! resources are `ValidationError`s, as on AWS (the model has no NotFound fault).

mod groups;
mod instances;
mod launch_configurations;
mod lifecycle;
mod misc;
mod policies;
mod render;
mod scheduled;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use model::{AutoScalingCommand, Command, ModelError, Snapshot};

use crate::error::ApiError;
use crate::params::Params;
use crate::server::query_response;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

pub(crate) async fn dispatch(api: &Api, req: &Request) -> Result<String, ApiError> {
    let mut x = Xml::new();
    let mut has_result = true;
    match req.action.as_str() {
        "CreateLaunchConfiguration" => {
            launch_configurations::create(api, req).await?;
            has_result = false;
        }
        "DescribeLaunchConfigurations" => launch_configurations::describe(api, req, &mut x)?,
        "DeleteLaunchConfiguration" => {
            launch_configurations::delete(api, req).await?;
            has_result = false;
        }
        "CreateAutoScalingGroup" => {
            groups::create(api, req).await?;
            has_result = false;
        }
        "UpdateAutoScalingGroup" => {
            groups::update(api, req).await?;
            has_result = false;
        }
        "DescribeAutoScalingGroups" => groups::describe(api, req, &mut x)?,
        "DeleteAutoScalingGroup" => {
            groups::delete(api, req).await?;
            has_result = false;
        }
        "SetDesiredCapacity" => {
            groups::set_desired_capacity(api, req).await?;
            has_result = false;
        }
        "AttachLoadBalancerTargetGroups" => groups::attach_target_groups(api, req, true).await?,
        "DetachLoadBalancerTargetGroups" => groups::attach_target_groups(api, req, false).await?,
        "DescribeLoadBalancerTargetGroups" => groups::describe_target_groups(api, req, &mut x)?,
        "AttachLoadBalancers" => groups::attach_load_balancers(api, req, true).await?,
        "DetachLoadBalancers" => groups::attach_load_balancers(api, req, false).await?,
        "DescribeLoadBalancers" => groups::describe_load_balancers(api, req, &mut x)?,
        "DescribeAutoScalingInstances" => instances::describe(api, req, &mut x)?,
        "DescribeScalingActivities" => instances::describe_activities(api, req, &mut x)?,
        "TerminateInstanceInAutoScalingGroup" => instances::terminate(api, req, &mut x).await?,
        "SetInstanceHealth" => {
            instances::set_health(api, req).await?;
            has_result = false;
        }
        "SetInstanceProtection" => instances::set_protection(api, req).await?,
        "PutScalingPolicy" => policies::put(api, req, &mut x).await?,
        "DescribePolicies" => policies::describe(api, req, &mut x)?,
        "DeletePolicy" => {
            policies::delete(api, req).await?;
            has_result = false;
        }
        "ExecutePolicy" => {
            policies::execute(api, req).await?;
            has_result = false;
        }
        "SuspendProcesses" | "ResumeProcesses" => {
            misc::processes(api, req).await?;
            has_result = false;
        }
        "CreateOrUpdateTags" | "DeleteTags" => {
            misc::change_tags(api, req).await?;
            has_result = false;
        }
        "DescribeTags" => misc::describe_tags(api, req, &mut x)?,
        "EnableMetricsCollection" | "DisableMetricsCollection" => {
            misc::metrics(api, req).await?;
            has_result = false;
        }
        "PutScheduledUpdateGroupAction" => {
            scheduled::put(api, req).await?;
            has_result = false;
        }
        "BatchPutScheduledUpdateGroupAction" => scheduled::batch_put(api, req, &mut x).await?,
        "DescribeScheduledActions" => scheduled::describe(api, req, &mut x)?,
        "DeleteScheduledAction" => {
            scheduled::delete(api, req).await?;
            has_result = false;
        }
        "BatchDeleteScheduledAction" => scheduled::batch_delete(api, req, &mut x).await?,
        "DescribeAccountLimits" => misc::account_limits(api, req, &mut x),
        "DescribeScalingProcessTypes" => misc::process_types(&mut x),
        "DescribeAutoScalingNotificationTypes" => misc::notification_types(&mut x),
        "DescribeMetricCollectionTypes" => misc::metric_collection_types(&mut x),
        "DescribeAdjustmentTypes" => misc::adjustment_types(&mut x),
        "DescribeTerminationPolicyTypes" => misc::termination_policy_types(&mut x),
        "PutLifecycleHook" => lifecycle::put_hook(api, req).await?,
        "DescribeLifecycleHooks" => lifecycle::describe_hooks(api, req, &mut x)?,
        "DeleteLifecycleHook" => lifecycle::delete_hook(api, req).await?,
        "CompleteLifecycleAction" => lifecycle::complete_action(api, req, false).await?,
        "RecordLifecycleActionHeartbeat" => lifecycle::complete_action(api, req, true).await?,
        "DescribeLifecycleHookTypes" => lifecycle::hook_types(&mut x),
        "EnterStandby" | "ExitStandby" | "DetachInstances" => lifecycle::standby(api, req, &mut x).await?,
        "AttachInstances" => {
            lifecycle::attach(api, req).await?;
            has_result = false;
        }
        other => {
            return Err(ApiError::new("InvalidAction", format!("The action '{other}' is not valid for Auto Scaling, or elbow does not implement it yet")));
        }
    }
    if has_result {
        Ok(query_response(Service::AutoScaling, &req.action, &req.request_id, x.as_str()))
    } else {
        Ok(no_output(&req.action, &req.request_id))
    }
}

/// The answer of an action without an output shape: no `<ActionResult>` element.
fn no_output(action: &str, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{}\"><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>",
        Service::AutoScaling.xml_namespace()
    )
}

/// Auto Scaling's error code for a model error.
pub(crate) fn error(e: ModelError) -> ApiError {
    let code = match &e {
        ModelError::Duplicate { .. } => "AlreadyExists",
        ModelError::InUse { .. } => "ResourceInUse",
        ModelError::TooMany { .. } => "LimitExceeded",
        ModelError::NotPermitted(_) => "ScalingActivityInProgress",
        _ => "ValidationError",
    };
    let message = match e {
        ModelError::Invalid { message, .. } => message,
        other => other.to_string(),
    };
    ApiError::new(code, message)
}

/// Submits an Auto Scaling command in the request's region.
pub(crate) async fn submit(api: &Api, req: &Request, op: AutoScalingCommand) -> Result<Arc<Snapshot>, ApiError> {
    api.state.submit(Command::AutoScaling { region: req.region.clone(), op }).await.map_err(|e| match e {
        state::SubmitError::Model(m) => error(m),
        other => other.into(),
    })
}

/// `NextToken`/`MaxRecords` pagination: the token is the index of the next item.
pub(crate) fn paginate<T>(items: Vec<T>, p: &Params, max: u32, default: u32) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = p.u32("MaxRecords", 1, max)?.unwrap_or(default) as usize;
    let start = match p.get("NextToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t.parse::<usize>().ok().filter(|&n| n <= items.len()).ok_or_else(|| ApiError::new("InvalidNextToken", format!("The token '{t}' is invalid.")))?,
    };
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items.into_iter().skip(start).take(end - start).collect(), next))
}

/// A required group name (1–255 characters).
pub(crate) fn group_name(p: &Params) -> Result<String, ApiError> {
    let n = p.string("AutoScalingGroupName", 1, 255)?.ok_or_else(|| p.constraint("AutoScalingGroupName", None, "Member must not be null"))?;
    Ok(n)
}

/// An optional double (`TargetValue=50.0`).
pub(crate) fn double(p: &Params, key: &str) -> Result<Option<f64>, ApiError> {
    match p.get(key) {
        None => Ok(None),
        Some(v) => v.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(Some).ok_or_else(|| p.constraint(key, Some(v), "Member must be a number")),
    }
}
