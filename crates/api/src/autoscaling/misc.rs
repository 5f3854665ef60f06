//! Suspend/ResumeProcesses, CreateOrUpdateTags/DeleteTags/DescribeTags,
//! Enable/DisableMetricsCollection, DescribeAccountLimits and the fixed type lists.

use model::AutoScalingCommand;
use model::autoscaling::{GROUP_METRICS, MAX_GROUPS, MAX_LAUNCH_CONFIGURATIONS, SCALING_PROCESSES, TERMINATION_POLICIES};
use model::autoscaling_command::ResourceTag;

use super::groups::{decode_filters, decode_tags};
use super::{group_name, paginate, render, submit};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request};

pub(crate) async fn processes(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let processes = p.list("ScalingProcesses")?.unwrap_or_default();
    let op = if req.action == "SuspendProcesses" {
        AutoScalingCommand::SuspendProcesses { group, processes }
    } else {
        AutoScalingCommand::ResumeProcesses { group, processes }
    };
    submit(api, req, op).await?;
    Ok(())
}

pub(crate) async fn change_tags(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let list = decode_tags(p)?;
    if !p.has("Tags") {
        return Err(p.constraint("Tags", None, "Member must not be null"));
    }
    let tags = list
        .into_iter()
        .map(|(id, tag)| {
            let group = id.ok_or_else(|| ApiError::validation("1 validation error detected: Value null at 'tags.member.resourceId' failed to satisfy constraint: Member must not be null"))?;
            Ok(ResourceTag { group, tag })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let op = if req.action == "CreateOrUpdateTags" { AutoScalingCommand::CreateOrUpdateTags { tags } } else { AutoScalingCommand::DeleteTags { tags } };
    submit(api, req, op).await?;
    Ok(())
}

pub(crate) fn describe_tags(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let filters = decode_filters(p)?;
    for (n, _) in &filters {
        if !matches!(n.as_str(), "auto-scaling-group" | "key" | "value" | "propagate-at-launch") {
            return Err(ApiError::validation(format!("Filter type {n} is not correct. Allowed Filter types are: auto-scaling-group key value propagate-at-launch")));
        }
    }
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let all: Vec<_> = region
        .autoscaling
        .groups
        .values()
        .flat_map(|g| g.tags.iter().map(move |t| (g.name.as_str(), t)))
        .filter(|(g, t)| {
            filters.iter().all(|(n, vals)| match n.as_str() {
                "auto-scaling-group" => vals.iter().any(|v| v == g),
                "key" => vals.contains(&t.key),
                "value" => vals.contains(&t.value),
                _ => vals.iter().any(|v| v == if t.propagate_at_launch { "true" } else { "false" }),
            })
        })
        .collect();
    let (page, next) = paginate(all, p, 100, 100)?;
    x.list("Tags", "member", page, |x, (g, t)| render::tag(x, g, t)).opt("NextToken", next);
    Ok(())
}

pub(crate) async fn metrics(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let metrics = p.list("Metrics")?.unwrap_or_default();
    let op = if req.action == "EnableMetricsCollection" {
        let granularity = p.required("Granularity")?.to_string();
        AutoScalingCommand::EnableMetricsCollection { group, metrics, granularity }
    } else {
        AutoScalingCommand::DisableMetricsCollection { group, metrics }
    };
    submit(api, req, op).await?;
    Ok(())
}

pub(crate) fn account_limits(api: &Api, req: &Request, x: &mut Xml) {
    let snap = api.state.current();
    let region = snap.region(&req.region);
    x.text("MaxNumberOfAutoScalingGroups", MAX_GROUPS.to_string())
        .text("MaxNumberOfLaunchConfigurations", MAX_LAUNCH_CONFIGURATIONS.to_string())
        .text("NumberOfAutoScalingGroups", region.autoscaling.groups.len().to_string())
        .text("NumberOfLaunchConfigurations", region.autoscaling.launch_configurations.len().to_string());
}

pub(crate) fn process_types(x: &mut Xml) {
    x.list("Processes", "member", SCALING_PROCESSES, |x, p| {
        x.text("ProcessName", p);
    });
}

pub(crate) fn notification_types(x: &mut Xml) {
    x.strings(
        "AutoScalingNotificationTypes",
        "member",
        [
            "autoscaling:EC2_INSTANCE_LAUNCH",
            "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
            "autoscaling:EC2_INSTANCE_TERMINATE",
            "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
            "autoscaling:TEST_NOTIFICATION",
        ],
    );
}

pub(crate) fn metric_collection_types(x: &mut Xml) {
    x.list("Metrics", "member", GROUP_METRICS, |x, m| {
        x.text("Metric", m);
    })
    .list("Granularities", "member", ["1Minute"], |x, g| {
        x.text("Granularity", g);
    });
}

pub(crate) fn adjustment_types(x: &mut Xml) {
    x.list("AdjustmentTypes", "member", model::autoscaling::AdjustmentType::ALL, |x, a| {
        x.text("AdjustmentType", a);
    });
}

pub(crate) fn termination_policy_types(x: &mut Xml) {
    x.strings("TerminationPolicyTypes", "member", TERMINATION_POLICIES);
}
