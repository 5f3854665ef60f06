//! CreateAutoScalingGroup, UpdateAutoScalingGroup, DescribeAutoScalingGroups,
//! DeleteAutoScalingGroup, SetDesiredCapacity, and the load balancers and target groups of a group.

use model::AutoScalingCommand;
use model::autoscaling::{AutoScalingGroup, GroupTag, LaunchTemplateSpec};
use model::autoscaling_command::{CreateAutoScalingGroup, GroupSettings};

use super::{group_name, paginate, render, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::Xml;
use crate::{Api, Request, ids};

const MAX_SIZE: i64 = i32::MAX as i64;

fn launch_template_of(p: &Params, key: &str) -> Result<Option<LaunchTemplateSpec>, ApiError> {
    if !p.has(key) {
        return Ok(None);
    }
    let s = p.sub(key);
    Ok(Some(LaunchTemplateSpec {
        id: s.string("LaunchTemplateId", 1, 255)?,
        name: s.string("LaunchTemplateName", 3, 128)?,
        version: s.string("Version", 1, 255)?.unwrap_or_else(|| "$Default".to_string()),
    }))
}

/// The members shared by Create and Update.
fn settings(p: &Params) -> Result<GroupSettings, ApiError> {
    if p.get("InstanceId").is_some() {
        return Err(ApiError::validation("elbow does not support creating an Auto Scaling group from an instance (InstanceId); use LaunchTemplate or LaunchConfigurationName"));
    }
    let mut launch_template = launch_template_of(p, "LaunchTemplate")?;
    if p.has("MixedInstancesPolicy") {
        if launch_template.is_some() {
            return Err(ApiError::validation("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter, not more than one."));
        }
        // Only the policy's launch template is honoured (no overrides or instance distribution).
        launch_template = launch_template_of(&p.sub("MixedInstancesPolicy.LaunchTemplate"), "LaunchTemplateSpecification")?;
    }
    let vpc_zone_identifier = p.string("VPCZoneIdentifier", 0, 5000)?.map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect());
    Ok(GroupSettings {
        launch_template,
        launch_configuration_name: p.string("LaunchConfigurationName", 1, 255)?,
        min_size: p.int("MinSize", 0, MAX_SIZE)?.map(|n| n as u32),
        max_size: p.int("MaxSize", 0, MAX_SIZE)?.map(|n| n as u32),
        desired_capacity: p.int("DesiredCapacity", 0, MAX_SIZE)?.map(|n| n as u32),
        default_cooldown: p.int("DefaultCooldown", 0, MAX_SIZE)?.map(|n| n as u32),
        availability_zones: p.list("AvailabilityZones")?,
        vpc_zone_identifier,
        health_check_type: p.string("HealthCheckType", 1, 32)?,
        health_check_grace_period: p.int("HealthCheckGracePeriod", 0, MAX_SIZE)?.map(|n| n as u32),
        default_instance_warmup: p.int("DefaultInstanceWarmup", i64::from(i32::MIN), MAX_SIZE)?.map(|n| n as i32),
        termination_policies: p.list("TerminationPolicies")?,
        new_instances_protected_from_scale_in: p.bool("NewInstancesProtectedFromScaleIn")?,
        max_instance_lifetime: p.int("MaxInstanceLifetime", 0, MAX_SIZE)?.map(|n| n as u32),
        capacity_rebalance: p.bool("CapacityRebalance")?,
    })
}

/// `Tags.member.N.{ResourceId,ResourceType,Key,Value,PropagateAtLaunch}`.
pub(crate) fn decode_tags(p: &Params) -> Result<Vec<(Option<String>, GroupTag)>, ApiError> {
    let Some(list) = p.structs("Tags")? else { return Ok(Vec::new()) };
    list.iter()
        .map(|t| {
            if let Some(rt) = t.get("ResourceType")
                && rt != "auto-scaling-group"
            {
                return Err(t.constraint("ResourceType", Some(rt), "Member must be auto-scaling-group"));
            }
            let key = t.string("Key", 1, 128)?.ok_or_else(|| t.constraint("Key", None, "Member must not be null"))?;
            let tag = GroupTag { key, value: t.string("Value", 0, 256)?.unwrap_or_default(), propagate_at_launch: t.bool("PropagateAtLaunch")?.unwrap_or(false) };
            Ok((t.get("ResourceId").map(str::to_string), tag))
        })
        .collect()
}

pub(crate) async fn create(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let name = group_name(p)?;
    let s = settings(p)?;
    if s.min_size.is_none() {
        return Err(p.constraint("MinSize", None, "Member must not be null"));
    }
    if s.max_size.is_none() {
        return Err(p.constraint("MaxSize", None, "Member must not be null"));
    }
    let arn = model::autoscaling::group_arn(&req.region, &api.config.account_id, &ids::uuid_v4(), &name);
    let tags = decode_tags(p)?.into_iter().map(|(_, t)| t).collect();
    let mut hooks = Vec::new();
    for h in p.structs("LifecycleHookSpecificationList")?.unwrap_or_default() {
        let hook = super::lifecycle::hook_input(&h, &name)?;
        if hook.transition.is_none() {
            return Err(h.constraint("LifecycleTransition", None, "Member must not be null"));
        }
        hooks.push(hook);
    }
    let group = name.clone();
    submit(
        api,
        req,
        AutoScalingCommand::CreateAutoScalingGroup(Box::new(CreateAutoScalingGroup {
            name,
            arn,
            settings: s,
            target_group_arns: p.list("TargetGroupARNs")?.unwrap_or_default(),
            load_balancer_names: p.list("LoadBalancerNames")?.unwrap_or_default(),
            tags,
            now: state::now_millis(),
        })),
    )
    .await?;
    // The group's hooks, right after it (before the controller's first launch runs).
    for hook in hooks {
        debug_assert_eq!(hook.group, group);
        submit(api, req, AutoScalingCommand::PutLifecycleHook(Box::new(hook))).await?;
    }
    Ok(())
}

pub(crate) async fn update(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let settings = Box::new(settings(p)?);
    submit(api, req, AutoScalingCommand::UpdateAutoScalingGroup { group, settings }).await?;
    Ok(())
}

/// True if the group passes every `Filters.member.N` (`tag-key`, `tag-value`, `tag:<key>`).
fn matches_filters(g: &AutoScalingGroup, filters: &[(String, Vec<String>)]) -> bool {
    filters.iter().all(|(name, values)| match name.as_str() {
        "tag-key" => g.tags.iter().any(|t| values.contains(&t.key)),
        "tag-value" => g.tags.iter().any(|t| values.contains(&t.value)),
        n => match n.strip_prefix("tag:") {
            Some(k) => g.tags.iter().any(|t| t.key == k && values.contains(&t.value)),
            None => false,
        },
    })
}

pub(crate) fn decode_filters(p: &Params) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let Some(list) = p.structs("Filters")? else { return Ok(Vec::new()) };
    list.iter().map(|f| Ok((f.required("Name")?.to_string(), f.list("Values")?.unwrap_or_default()))).collect()
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let names = p.list("AutoScalingGroupNames")?.filter(|v| !v.is_empty());
    let filters = decode_filters(p)?;
    for (n, _) in &filters {
        if !(n == "tag-key" || n == "tag-value" || n.starts_with("tag:")) {
            return Err(ApiError::validation(format!("Filter type {n} is not correct. Allowed Filter types are: tag-key tag-value tag:<key>")));
        }
    }
    let include_instances = p.bool("IncludeInstances")?.unwrap_or(true);
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let mut all: Vec<&AutoScalingGroup> = region
        .autoscaling
        .groups
        .values()
        .filter(|g| names.as_ref().is_none_or(|n| n.contains(&g.name)))
        .filter(|g| matches_filters(g, &filters))
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let (page, next) = paginate(all, p, 100, 50)?;
    x.list("AutoScalingGroups", "member", page, |x, g| render::group(x, g, include_instances)).opt("NextToken", next);
    Ok(())
}

pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let force_delete = p.bool("ForceDelete")?.unwrap_or(false);
    submit(api, req, AutoScalingCommand::DeleteAutoScalingGroup { group, force_delete }).await?;
    Ok(())
}

pub(crate) async fn set_desired_capacity(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let desired_capacity = p.int("DesiredCapacity", 0, MAX_SIZE)?.ok_or_else(|| p.constraint("DesiredCapacity", None, "Member must not be null"))? as u32;
    let honor_cooldown = p.bool("HonorCooldown")?.unwrap_or(false);
    submit(api, req, AutoScalingCommand::SetDesiredCapacity { group, desired_capacity, honor_cooldown, now: state::now_millis() }).await?;
    Ok(())
}

pub(crate) async fn attach_target_groups(api: &Api, req: &Request, attach: bool) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let target_group_arns = p.list("TargetGroupARNs")?.ok_or_else(|| p.constraint("TargetGroupARNs", None, "Member must not be null"))?;
    let op = if attach {
        AutoScalingCommand::AttachLoadBalancerTargetGroups { group, target_group_arns }
    } else {
        AutoScalingCommand::DetachLoadBalancerTargetGroups { group, target_group_arns }
    };
    submit(api, req, op).await?;
    Ok(())
}

pub(crate) async fn attach_load_balancers(api: &Api, req: &Request, attach: bool) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let names = p.list("LoadBalancerNames")?.ok_or_else(|| p.constraint("LoadBalancerNames", None, "Member must not be null"))?;
    let op = if attach { AutoScalingCommand::AttachLoadBalancers { group, names } } else { AutoScalingCommand::DetachLoadBalancers { group, names } };
    submit(api, req, op).await?;
    Ok(())
}

fn existing_group<'a>(region: &'a model::RegionState, name: &str) -> Result<&'a AutoScalingGroup, ApiError> {
    region.autoscaling.groups.get(name).ok_or_else(|| ApiError::validation(format!("AutoScalingGroup name not found - AutoScalingGroup '{name}' not found")))
}

/// `InService` once the group has an instance in service, `Added` before.
fn attachment_state(g: &AutoScalingGroup) -> &'static str {
    if g.instances.iter().any(|i| i.lifecycle_state == model::autoscaling::LifecycleState::InService) { "InService" } else { "Added" }
}

pub(crate) fn describe_target_groups(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = group_name(p)?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let g = existing_group(&region, &name)?;
    let state = attachment_state(g);
    let (page, next) = paginate(g.target_group_arns.iter().collect(), p, 100, 100)?;
    x.list("LoadBalancerTargetGroups", "member", page, |x, a| {
        x.text("LoadBalancerTargetGroupARN", a).text("State", state);
    })
    .opt("NextToken", next);
    Ok(())
}

pub(crate) fn describe_load_balancers(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = group_name(p)?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let g = existing_group(&region, &name)?;
    let state = attachment_state(g);
    let (page, next) = paginate(g.load_balancer_names.iter().collect(), p, 100, 100)?;
    x.list("LoadBalancers", "member", page, |x, n| {
        x.text("LoadBalancerName", n).text("State", state);
    })
    .opt("NextToken", next);
    Ok(())
}
