//! Auto Scaling commands (Amazon EC2 Auto Scaling API reference, 2011-01-01). Missing resources
//! are `ValidationError`s in Auto Scaling, so most refusals here are [`ModelError::Invalid`]
//! carrying AWS's message; the api maps `Duplicate` to `AlreadyExists`, `InUse` to
//! `ResourceInUse`, `TooMany` to `LimitExceeded` and `NotPermitted` to
//! `ScalingActivityInProgress`.

use crate::autoscaling::{
    ACTIVITIES_PER_GROUP, AdjustmentType, AutoScalingGroup, AutoScalingState, EnabledMetric, GROUP_METRICS, GroupInstance, GroupTag, HealthStatus,
    LaunchConfiguration, LaunchTemplateSpec, LifecycleState, MAX_GROUPS, MAX_LAUNCH_CONFIGURATIONS, MAX_POLICIES_PER_GROUP, MAX_TAGS_PER_GROUP, PolicyType,
    STATUS_DELETE_IN_PROGRESS, SCALING_PROCESSES, ScalingActivity, ScalingPolicy, SuspendedProcess, TERMINATION_POLICIES,
};
use crate::autoscaling_command::{AutoScalingCommand, CreateAutoScalingGroup, CreateLaunchConfiguration, GroupSettings, PutScalingPolicy, ResourceTag};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::ids::Millis;
use crate::snapshot::RegionState;
use crate::target_group::TargetType;

pub(crate) fn apply(r: &mut RegionState, op: &AutoScalingCommand) -> Result<(), ModelError> {
    use AutoScalingCommand as C;
    match op {
        C::CreateLaunchConfiguration(c) => create_launch_configuration(&mut r.autoscaling, c),
        C::DeleteLaunchConfiguration { name } => delete_launch_configuration(&mut r.autoscaling, name),
        C::CreateAutoScalingGroup(c) => create_group(r, c),
        C::UpdateAutoScalingGroup { group, settings } => update_group(r, group, settings),
        C::DeleteAutoScalingGroup { group, force_delete } => delete_group(&mut r.autoscaling, group, *force_delete),
        C::SetDesiredCapacity { group, desired_capacity, honor_cooldown, now } => {
            let g = group_mut(&mut r.autoscaling, group)?;
            if *honor_cooldown {
                check_cooldown(g, g.default_cooldown, *now)?;
            }
            check_sizes(g.min_size, g.max_size, *desired_capacity)?;
            if g.desired_capacity != *desired_capacity {
                g.desired_capacity = *desired_capacity;
                g.last_scaling_at = Some(*now);
            }
            Ok(())
        }
        C::AttachLoadBalancerTargetGroups { group, target_group_arns } => {
            check_target_groups(r, target_group_arns)?;
            let g = group_mut(&mut r.autoscaling, group)?;
            for a in target_group_arns {
                if !g.target_group_arns.contains(a) {
                    g.target_group_arns.push(a.clone());
                }
            }
            Ok(())
        }
        C::DetachLoadBalancerTargetGroups { group, target_group_arns } => {
            let g = group_mut(&mut r.autoscaling, group)?;
            g.target_group_arns.retain(|a| !target_group_arns.contains(a));
            Ok(())
        }
        C::AttachLoadBalancers { group, names } => {
            check_load_balancer_names(r, names)?;
            let g = group_mut(&mut r.autoscaling, group)?;
            for n in names {
                if !g.load_balancer_names.contains(n) {
                    g.load_balancer_names.push(n.clone());
                }
            }
            Ok(())
        }
        C::DetachLoadBalancers { group, names } => {
            let g = group_mut(&mut r.autoscaling, group)?;
            g.load_balancer_names.retain(|n| !names.contains(n));
            Ok(())
        }
        C::TerminateInstanceInAutoScalingGroup { instance_id, should_decrement_desired_capacity, activity } => {
            terminate_instance(&mut r.autoscaling, instance_id, *should_decrement_desired_capacity, activity)
        }
        C::SetInstanceHealth { instance_id, health_status, should_respect_grace_period, now } => {
            let g = group_of_instance_mut(&mut r.autoscaling, instance_id)?;
            let grace_ms = Millis::from(g.health_check_grace_period) * 1000;
            let i = g.instances.iter_mut().find(|i| i.instance_id == *instance_id).ok_or_else(|| instance_invalid(instance_id))?;
            if *should_respect_grace_period && *health_status == HealthStatus::Unhealthy && now.saturating_sub(i.launched_at) < grace_ms {
                return Ok(());
            }
            i.health_status = *health_status;
            Ok(())
        }
        C::SetInstanceProtection { group, instance_ids, protected_from_scale_in } => {
            let g = group_mut(&mut r.autoscaling, group)?;
            for id in instance_ids {
                if g.instance(id).is_none() {
                    return Err(ModelError::invalid("InstanceIds", format!("The instance {id} is not part of Auto Scaling group {group}.")));
                }
            }
            for i in g.instances.iter_mut().filter(|i| instance_ids.contains(&i.instance_id)) {
                i.protected_from_scale_in = *protected_from_scale_in;
            }
            Ok(())
        }
        C::PutScalingPolicy(p) => put_policy(r, p),
        C::DeletePolicy { group, policy } => {
            let arn = find_policy(&r.autoscaling, group.as_deref(), policy)?.arn.clone();
            r.autoscaling.policies.remove(&arn);
            Ok(())
        }
        C::PutScheduledUpdateGroupAction(a) => crate::apply_scheduled_actions::put(&mut r.autoscaling, a),
        C::DeleteScheduledAction { group, name } => crate::apply_scheduled_actions::delete(&mut r.autoscaling, group, name),
        C::RunScheduledAction { arn, at, now, activity } => crate::apply_scheduled_actions::run(&mut r.autoscaling, arn, *at, *now, activity.as_ref()),
        C::ExecutePolicy { group, policy, honor_cooldown, metric_value, breach_threshold, activity_id, now } => execute_policy(
            &mut r.autoscaling,
            group.as_deref(),
            policy,
            *honor_cooldown,
            metric_value.map(|d| d.0),
            breach_threshold.map(|d| d.0),
            activity_id,
            *now,
        ),
        C::SuspendProcesses { group, processes } => {
            check_processes(processes)?;
            let g = group_mut(&mut r.autoscaling, group)?;
            let all: Vec<String> = if processes.is_empty() { SCALING_PROCESSES.iter().map(|s| s.to_string()).collect() } else { processes.clone() };
            for p in all {
                if !g.is_suspended(&p) {
                    g.suspended_processes.push(SuspendedProcess { process_name: p, suspension_reason: "User suspended at".to_string() });
                }
            }
            Ok(())
        }
        C::ResumeProcesses { group, processes } => {
            check_processes(processes)?;
            let g = group_mut(&mut r.autoscaling, group)?;
            g.suspended_processes.retain(|s| !processes.is_empty() && !processes.contains(&s.process_name));
            Ok(())
        }
        C::CreateOrUpdateTags { tags } => {
            for t in tags {
                let g = group_mut(&mut r.autoscaling, &t.group)?;
                upsert_tags(g, std::slice::from_ref(&t.tag))?;
            }
            Ok(())
        }
        C::DeleteTags { tags } => {
            for ResourceTag { group, tag } in tags {
                let g = group_mut(&mut r.autoscaling, group)?;
                g.tags.retain(|t| t.key != tag.key);
            }
            Ok(())
        }
        C::EnableMetricsCollection { group, metrics, granularity } => {
            if granularity != "1Minute" {
                return Err(ModelError::invalid("Granularity", format!("Invalid granularity '{granularity}'; the only valid value is 1Minute.")));
            }
            check_metrics(metrics)?;
            let g = group_mut(&mut r.autoscaling, group)?;
            let all: Vec<String> = if metrics.is_empty() { GROUP_METRICS.iter().map(|s| s.to_string()).collect() } else { metrics.clone() };
            for m in all {
                if !g.enabled_metrics.iter().any(|e| e.metric == m) {
                    g.enabled_metrics.push(EnabledMetric { metric: m, granularity: granularity.clone() });
                }
            }
            Ok(())
        }
        C::DisableMetricsCollection { group, metrics } => {
            check_metrics(metrics)?;
            let g = group_mut(&mut r.autoscaling, group)?;
            g.enabled_metrics.retain(|e| !metrics.is_empty() && !metrics.contains(&e.metric));
            Ok(())
        }
        C::RecordInstanceLaunch { group, instance_id, availability_zone, instance_type, now } => {
            if let Some(other) = r.autoscaling.group_of_instance(instance_id) {
                return Err(ModelError::invalid("InstanceId", format!("Instance {instance_id} is already part of Auto Scaling group {}", other.name)));
            }
            let g = group_mut(&mut r.autoscaling, group)?;
            g.instances.push(GroupInstance {
                instance_id: instance_id.clone(),
                instance_type: instance_type.clone(),
                availability_zone: availability_zone.clone(),
                lifecycle_state: LifecycleState::Pending,
                health_status: HealthStatus::Healthy,
                protected_from_scale_in: g.new_instances_protected_from_scale_in,
                launch_configuration_name: g.launch_configuration_name.clone(),
                launch_template: g.launch_template.clone(),
                launched_at: *now,
                lifecycle_action: None,
            });
            Ok(())
        }
        C::SetInstanceLifecycle { group, instance_id, lifecycle_state, health_status } => {
            let g = group_mut(&mut r.autoscaling, group)?;
            let i = g.instances.iter_mut().find(|i| i.instance_id == *instance_id).ok_or_else(|| instance_invalid(instance_id))?;
            if let Some(l) = lifecycle_state {
                i.lifecycle_state = *l;
                // A lifecycle action lasts through its Wait and Proceed states only.
                if !matches!(l, LifecycleState::PendingWait | LifecycleState::PendingProceed | LifecycleState::TerminatingWait | LifecycleState::TerminatingProceed) {
                    i.lifecycle_action = None;
                }
            }
            if let Some(h) = health_status {
                i.health_status = *h;
            }
            Ok(())
        }
        C::RemoveInstance { group, instance_id } => {
            let a = &mut r.autoscaling;
            if let Some(g) = a.groups.get_mut(group) {
                g.instances.retain(|i| i.instance_id != *instance_id);
                if g.is_deleting() && g.instances.is_empty() {
                    remove_group(a, group);
                }
            }
            Ok(())
        }
        C::RecordActivity(act) => {
            record_activity(&mut r.autoscaling, act.clone());
            Ok(())
        }
        C::PutLifecycleHook(p) => lifecycle::put_hook(&mut r.autoscaling, p),
        C::DeleteLifecycleHook { group, name } => lifecycle::delete_hook(&mut r.autoscaling, group, name),
        C::CompleteLifecycleAction { group, hook, instance_id, token, result } => {
            lifecycle::complete(&mut r.autoscaling, group, hook, instance_id.as_deref(), token.as_deref(), *result)
        }
        C::RecordLifecycleActionHeartbeat { group, hook, instance_id, token, now } => {
            lifecycle::heartbeat(&mut r.autoscaling, group, hook, instance_id.as_deref(), token.as_deref(), *now)
        }
        C::BeginLifecycleAction { group, instance_id, transition, token, now } => lifecycle::begin(&mut r.autoscaling, group, instance_id, *transition, token, *now),
        C::EnterStandby { group, instance_ids, should_decrement_desired_capacity, activities } => {
            lifecycle::enter_standby(&mut r.autoscaling, group, instance_ids, *should_decrement_desired_capacity, activities)
        }
        C::ExitStandby { group, instance_ids, activities } => lifecycle::exit_standby(&mut r.autoscaling, group, instance_ids, activities),
        C::AttachInstances { group, instances, activities, now } => lifecycle::attach(r, group, instances, activities, *now),
        C::DetachInstances { group, instance_ids, should_decrement_desired_capacity, activities } => {
            lifecycle::detach(&mut r.autoscaling, group, instance_ids, *should_decrement_desired_capacity, activities)
        }
        C::SetDesiredByPolicy { group, policy: _, desired_capacity, now, activity } => {
            let g = group_mut(&mut r.autoscaling, group)?;
            let d = (*desired_capacity).clamp(g.min_size, g.max_size);
            if d != g.desired_capacity {
                g.desired_capacity = d;
                g.last_scaling_at = Some(*now);
            }
            if let Some(act) = activity {
                record_activity(&mut r.autoscaling, act.clone());
            }
            Ok(())
        }
    }
}

// ---- errors with AWS's texts ----

fn group_not_found(name: &str) -> ModelError {
    ModelError::invalid("AutoScalingGroupName", format!("AutoScalingGroup name not found - AutoScalingGroup '{name}' not found"))
}

fn instance_invalid(id: &str) -> ModelError {
    ModelError::invalid("InstanceId", format!("Instance Id not found - No managed instance found for instance ID: {id}"))
}

fn group_mut<'a>(a: &'a mut AutoScalingState, name: &str) -> Result<&'a mut AutoScalingGroup, ModelError> {
    a.groups.get_mut(name).ok_or_else(|| group_not_found(name))
}

fn group_of_instance_mut<'a>(a: &'a mut AutoScalingState, instance_id: &str) -> Result<&'a mut AutoScalingGroup, ModelError> {
    a.groups.values_mut().find(|g| g.instance(instance_id).is_some()).ok_or_else(|| instance_invalid(instance_id))
}

/// `min ≤ desired ≤ max`, with AWS's messages.
pub(crate) fn check_sizes(min: u32, max: u32, desired: u32) -> Result<(), ModelError> {
    if min > max {
        return Err(ModelError::invalid("MinSize", format!("Max bound, {max}, must be greater than or equal to min bound, {min}")));
    }
    if desired < min || desired > max {
        return Err(ModelError::invalid(
            "DesiredCapacity",
            format!("Desired capacity:{desired} must be between the specified min size:{min} and max size:{max}"),
        ));
    }
    Ok(())
}

fn check_cooldown(g: &AutoScalingGroup, cooldown_s: u32, now: Millis) -> Result<(), ModelError> {
    if let Some(at) = g.last_scaling_at
        && now < at + Millis::from(cooldown_s) * 1000
    {
        return Err(ModelError::NotPermitted(format!("Scaling activity in progress or cooldown period not expired for group {}", g.name)));
    }
    Ok(())
}

fn check_processes(processes: &[String]) -> Result<(), ModelError> {
    for p in processes {
        if !SCALING_PROCESSES.contains(&p.as_str()) {
            return Err(ModelError::invalid("ScalingProcesses", format!("Process '{p}' is not a valid scaling process; valid ones are {}", SCALING_PROCESSES.join(", "))));
        }
    }
    Ok(())
}

fn check_metrics(metrics: &[String]) -> Result<(), ModelError> {
    for m in metrics {
        if !GROUP_METRICS.contains(&m.as_str()) {
            return Err(ModelError::invalid("Metrics", format!("Invalid metric '{m}'")));
        }
    }
    Ok(())
}

/// Target groups of a group must exist in the region and take instance targets.
/// `LoadBalancerNames` must name classic load balancers of the region (`ValidationError`, as
/// Auto Scaling answers for a missing one).
fn check_load_balancer_names(r: &RegionState, names: &[String]) -> Result<(), ModelError> {
    for n in names {
        if !r.classic_load_balancers.contains_key(n) {
            return Err(ModelError::invalid("LoadBalancerNames", format!("Provided Load Balancers may not be valid. Please ensure they exist and try again. Load balancer {n} not found")));
        }
    }
    Ok(())
}

fn check_target_groups(r: &RegionState, arns: &[String]) -> Result<(), ModelError> {
    for a in arns {
        match r.target_groups.get(a) {
            None => return Err(ModelError::invalid("TargetGroupARNs", format!("Provided Target Groups may not be valid. Please ensure they exist and try again. Target group {a} not found"))),
            Some(tg) if tg.target_type != TargetType::Instance => {
                return Err(ModelError::invalid(
                    "TargetGroupARNs",
                    format!("Target group {a} has target type '{}'; Auto Scaling groups can only use target groups of target type 'instance'", tg.target_type),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The launch template must exist in the region's EC2 state (`Ec2State::launch_templates`) with
/// the version named; returns the specification with both id and name filled in, as
/// DescribeAutoScalingGroups reports them.
fn check_launch_template(r: &RegionState, spec: &LaunchTemplateSpec) -> Result<LaunchTemplateSpec, ModelError> {
    use crate::instance::LaunchTemplateRef;
    let lookup = match (&spec.id, &spec.name) {
        (Some(id), None) => LaunchTemplateRef::Id(id.clone()),
        (None, Some(name)) => LaunchTemplateRef::Name(name.clone()),
        (None, None) => return Err(ModelError::invalid("LaunchTemplate", "Valid requests must contain either launchTemplateId or LaunchTemplateName")),
        (Some(_), Some(_)) => {
            return Err(ModelError::invalid("LaunchTemplate", "Valid requests must contain either launchTemplateId or LaunchTemplateName, not both"));
        }
    };
    let v = spec.version.as_str();
    if !(v == "$Latest" || v == "$Default" || v.parse::<u64>().is_ok_and(|n| n >= 1)) {
        return Err(ModelError::invalid("LaunchTemplate.Version", format!("The launch template version '{v}' is not valid; use a version number, $Latest or $Default")));
    }
    let lt = r.ec2.launch_template(&lookup).ok_or_else(|| {
        let which = match &lookup {
            LaunchTemplateRef::Id(id) => format!("template ID {id}"),
            LaunchTemplateRef::Name(n) => format!("template name {n}"),
        };
        ModelError::invalid("LaunchTemplate", format!("You must use a valid fully-formed launch template. The specified launch template, with {which}, does not exist."))
    })?;
    if lt.version(Some(v)).is_none() {
        return Err(ModelError::invalid("LaunchTemplate.Version", "You must use a valid fully-formed launch template. The specified launch template version does not exist."));
    }
    Ok(LaunchTemplateSpec { id: Some(lt.id.clone()), name: Some(lt.name.clone()), version: spec.version.clone() })
}

fn check_health_check_type(t: &str) -> Result<(), ModelError> {
    if t.is_empty() || !t.split(',').all(|p| matches!(p.trim(), "EC2" | "ELB" | "EBS" | "VPC_LATTICE")) {
        return Err(ModelError::invalid("HealthCheckType", format!("Invalid health check type '{t}'; valid values are EC2, ELB, EBS and VPC_LATTICE")));
    }
    Ok(())
}

fn check_termination_policies(ps: &[String]) -> Result<(), ModelError> {
    for p in ps {
        if !TERMINATION_POLICIES.contains(&p.as_str()) && !p.starts_with("arn:aws:lambda:") {
            return Err(ModelError::invalid("TerminationPolicies", format!("Termination policy '{p}' is not valid")));
        }
    }
    Ok(())
}

// ---- launch configurations ----

fn create_launch_configuration(a: &mut AutoScalingState, c: &CreateLaunchConfiguration) -> Result<(), ModelError> {
    if a.launch_configurations.contains_key(&c.name) {
        return Err(ModelError::Duplicate {
            kind: ResourceKind::LaunchConfiguration,
            message: format!("Launch Configuration by this name already exists - A launch configuration already exists with the name {}", c.name),
        });
    }
    if a.launch_configurations.len() >= MAX_LAUNCH_CONFIGURATIONS {
        return Err(ModelError::TooMany {
            quota: Quota::LaunchConfigurations,
            message: format!("Max number of launch configurations reached ({MAX_LAUNCH_CONFIGURATIONS})"),
        });
    }
    a.launch_configurations.insert(
        c.name.clone(),
        LaunchConfiguration {
            name: c.name.clone(),
            arn: c.arn.clone(),
            image_id: c.image_id.clone(),
            instance_type: c.instance_type.clone(),
            key_name: c.key_name.clone(),
            security_groups: c.security_groups.clone(),
            user_data: c.user_data.clone(),
            instance_monitoring: c.instance_monitoring.unwrap_or(true),
            iam_instance_profile: c.iam_instance_profile.clone(),
            associate_public_ip_address: c.associate_public_ip_address,
            ebs_optimized: c.ebs_optimized.unwrap_or(false),
            created_time: c.now,
        },
    );
    Ok(())
}

fn delete_launch_configuration(a: &mut AutoScalingState, name: &str) -> Result<(), ModelError> {
    if !a.launch_configurations.contains_key(name) {
        return Err(ModelError::invalid("LaunchConfigurationName", format!("Launch configuration name not found - Launch configuration {name} not found")));
    }
    if let Some(g) = a.groups.values().find(|g| g.launch_configuration_name.as_deref() == Some(name)) {
        return Err(ModelError::InUse {
            kind: ResourceKind::LaunchConfiguration,
            message: format!("Cannot delete launch configuration {name} because it is attached to AutoScalingGroup {}", g.name),
        });
    }
    a.launch_configurations.remove(name);
    Ok(())
}

// ---- groups ----

/// What [`check_settings`] resolved: the launch template with id and name, and the
/// (availability zones, subnets) when given.
struct Resolved {
    launch_template: Option<LaunchTemplateSpec>,
    placement: Option<(Vec<String>, Vec<String>)>,
}

/// Resolves the launch source and zones of `s` against the region.
fn check_settings(r: &RegionState, s: &GroupSettings) -> Result<Resolved, ModelError> {
    if s.launch_template.is_some() && s.launch_configuration_name.is_some() {
        return Err(ModelError::invalid(
            "LaunchConfigurationName",
            "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter, not more than one.",
        ));
    }
    if let Some(lc) = &s.launch_configuration_name
        && !r.autoscaling.launch_configurations.contains_key(lc)
    {
        return Err(ModelError::invalid("LaunchConfigurationName", format!("Launch configuration name not found - Launch configuration {lc} not found")));
    }
    let launch_template = match &s.launch_template {
        Some(lt) => Some(check_launch_template(r, lt)?),
        None => None,
    };
    if let Some(t) = &s.health_check_type {
        check_health_check_type(t)?;
    }
    if let Some(ps) = &s.termination_policies {
        check_termination_policies(ps)?;
    }
    if let Some(w) = s.default_instance_warmup
        && w < -1
    {
        return Err(ModelError::invalid("DefaultInstanceWarmup", format!("DefaultInstanceWarmup {w} must be -1 or greater")));
    }
    let subnets = s.vpc_zone_identifier.as_ref().filter(|v| !v.is_empty());
    if let Some(subnets) = subnets {
        let mut zones: Vec<String> = Vec::new();
        for id in subnets {
            let sn = r.ec2.subnets.get(id).ok_or_else(|| ModelError::invalid("VPCZoneIdentifier", format!("The subnet ID '{id}' does not exist")))?;
            if !zones.contains(&sn.availability_zone) {
                zones.push(sn.availability_zone.clone());
            }
        }
        let vpcs: std::collections::BTreeSet<&str> = subnets.iter().filter_map(|id| r.ec2.subnets.get(id)).map(|s| s.vpc_id.as_str()).collect();
        if vpcs.len() > 1 {
            return Err(ModelError::invalid("VPCZoneIdentifier", "The subnets of VPCZoneIdentifier must all be in the same VPC"));
        }
        if let Some(azs) = &s.availability_zones
            && let Some(z) = azs.iter().find(|z| !zones.contains(z))
        {
            return Err(ModelError::invalid("AvailabilityZones", format!("The availability zone {z} has no subnet in VPCZoneIdentifier")));
        }
        return Ok(Resolved { launch_template, placement: Some((zones, subnets.clone())) });
    }
    if let Some(azs) = s.availability_zones.as_ref().filter(|v| !v.is_empty()) {
        if let Some(z) = azs.iter().find(|z| !r.ec2.zones.contains(z)) {
            return Err(ModelError::invalid("AvailabilityZones", format!("Invalid Availability Zone {z}")));
        }
        return Ok(Resolved { launch_template, placement: Some((azs.clone(), Vec::new())) });
    }
    Ok(Resolved { launch_template, placement: None })
}

fn create_group(r: &mut RegionState, c: &CreateAutoScalingGroup) -> Result<(), ModelError> {
    if r.autoscaling.groups.contains_key(&c.name) {
        return Err(ModelError::Duplicate {
            kind: ResourceKind::AutoScalingGroup,
            message: format!("AutoScalingGroup by this name already exists - A group with the name {} already exists", c.name),
        });
    }
    if r.autoscaling.groups.len() >= MAX_GROUPS {
        return Err(ModelError::TooMany { quota: Quota::AutoScalingGroups, message: format!("Max number of Auto Scaling groups reached ({MAX_GROUPS})") });
    }
    let s = &c.settings;
    if s.launch_template.is_none() && s.launch_configuration_name.is_none() {
        return Err(ModelError::invalid(
            "LaunchConfigurationName",
            "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.",
        ));
    }
    let (min, max) = (s.min_size.unwrap_or(0), s.max_size.unwrap_or(0));
    let desired = s.desired_capacity.unwrap_or(min);
    check_sizes(min, max, desired)?;
    let resolved = check_settings(r, s)?;
    let (zones, subnets) = resolved.placement.ok_or_else(|| ModelError::invalid("AvailabilityZones", "At least one Availability Zone or VPC Subnet is required."))?;
    check_target_groups(r, &c.target_group_arns)?;
    check_load_balancer_names(r, &c.load_balancer_names)?;
    let mut g = AutoScalingGroup {
        name: c.name.clone(),
        arn: c.arn.clone(),
        launch_template: resolved.launch_template,
        launch_configuration_name: s.launch_configuration_name.clone(),
        min_size: min,
        max_size: max,
        desired_capacity: desired,
        default_cooldown: s.default_cooldown.unwrap_or(crate::autoscaling::DEFAULT_COOLDOWN),
        availability_zones: zones,
        vpc_zone_identifier: subnets,
        target_group_arns: dedup(&c.target_group_arns),
        load_balancer_names: dedup(&c.load_balancer_names),
        health_check_type: s.health_check_type.clone().unwrap_or_else(|| "EC2".to_string()),
        health_check_grace_period: s.health_check_grace_period.unwrap_or(crate::autoscaling::DEFAULT_HEALTH_CHECK_GRACE_PERIOD),
        default_instance_warmup: s.default_instance_warmup.filter(|w| *w >= 0).map(|w| w as u32),
        instances: Vec::new(),
        suspended_processes: Vec::new(),
        enabled_metrics: Vec::new(),
        tags: Vec::new(),
        termination_policies: s.termination_policies.clone().filter(|v| !v.is_empty()).unwrap_or_else(|| vec!["Default".to_string()]),
        new_instances_protected_from_scale_in: s.new_instances_protected_from_scale_in.unwrap_or(false),
        max_instance_lifetime: s.max_instance_lifetime.filter(|n| *n > 0),
        capacity_rebalance: s.capacity_rebalance.unwrap_or(false),
        status: None,
        created_time: c.now,
        last_scaling_at: None,
    };
    upsert_tags(&mut g, &c.tags)?;
    r.autoscaling.groups.insert(c.name.clone(), g);
    Ok(())
}

fn dedup(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

fn update_group(r: &mut RegionState, name: &str, s: &GroupSettings) -> Result<(), ModelError> {
    if !r.autoscaling.groups.contains_key(name) {
        return Err(ModelError::invalid("AutoScalingGroupName", "AutoScalingGroup name not found - null"));
    }
    let Resolved { launch_template, placement } = check_settings(r, s)?;
    let g = group_mut(&mut r.autoscaling, name)?;
    if g.is_deleting() {
        return Err(ModelError::NotPermitted(format!("The Auto Scaling group {name} is being deleted.")));
    }
    let min = s.min_size.unwrap_or(g.min_size);
    let max = s.max_size.unwrap_or(g.max_size);
    // A new MinSize above the current desired capacity raises it; a new MaxSize below lowers it.
    let desired = s.desired_capacity.unwrap_or_else(|| {
        let mut d = g.desired_capacity;
        if s.min_size.is_some() && d < min {
            d = min;
        }
        if s.max_size.is_some() && d > max {
            d = max;
        }
        d
    });
    check_sizes(min, max, desired)?;
    if launch_template.is_some() {
        g.launch_template = launch_template;
        g.launch_configuration_name = None;
    }
    if s.launch_configuration_name.is_some() {
        g.launch_configuration_name = s.launch_configuration_name.clone();
        g.launch_template = None;
    }
    g.min_size = min;
    g.max_size = max;
    g.desired_capacity = desired;
    if let Some(v) = s.default_cooldown {
        g.default_cooldown = v;
    }
    if let Some((zones, subnets)) = placement {
        g.availability_zones = zones;
        g.vpc_zone_identifier = subnets;
    }
    if let Some(v) = &s.health_check_type {
        g.health_check_type = v.clone();
    }
    if let Some(v) = s.health_check_grace_period {
        g.health_check_grace_period = v;
    }
    if let Some(w) = s.default_instance_warmup {
        g.default_instance_warmup = (w >= 0).then_some(w as u32);
    }
    if let Some(v) = &s.termination_policies {
        g.termination_policies = if v.is_empty() { vec!["Default".to_string()] } else { v.clone() };
    }
    if let Some(v) = s.new_instances_protected_from_scale_in {
        g.new_instances_protected_from_scale_in = v;
    }
    if let Some(v) = s.max_instance_lifetime {
        g.max_instance_lifetime = (v > 0).then_some(v);
    }
    if let Some(v) = s.capacity_rebalance {
        g.capacity_rebalance = v;
    }
    Ok(())
}

fn remove_group(a: &mut AutoScalingState, name: &str) {
    a.groups.remove(name);
    a.lifecycle_hooks.retain(|_, h| h.group != name);
    a.scheduled_actions.retain(|_, s| s.group != name);
    a.policies.retain(|_, p| p.group != name);
}

fn delete_group(a: &mut AutoScalingState, name: &str, force: bool) -> Result<(), ModelError> {
    let g = group_mut(a, name)?;
    if g.instances.is_empty() {
        remove_group(a, name);
        return Ok(());
    }
    if !force {
        return Err(ModelError::InUse {
            kind: ResourceKind::AutoScalingGroup,
            message: "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.".to_string(),
        });
    }
    g.status = Some(STATUS_DELETE_IN_PROGRESS.to_string());
    g.min_size = 0;
    g.max_size = 0;
    g.desired_capacity = 0;
    for i in g.instances.iter_mut() {
        if !matches!(i.lifecycle_state, LifecycleState::Terminating | LifecycleState::Terminated) {
            i.lifecycle_state = LifecycleState::Terminating;
            i.lifecycle_action = None;
        }
    }
    a.policies.retain(|_, p| p.group != name);
    Ok(())
}

fn upsert_tags(g: &mut AutoScalingGroup, tags: &[GroupTag]) -> Result<(), ModelError> {
    for t in tags {
        if t.key.is_empty() || t.key.chars().count() > 128 {
            return Err(ModelError::invalid("Tags.Key", format!("Tag key '{}' must be 1 to 128 characters", t.key)));
        }
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(ModelError::invalid("Tags.Key", format!("Tag keys starting with 'aws:' are reserved for internal use: {}", t.key)));
        }
        if t.value.chars().count() > 256 {
            return Err(ModelError::invalid("Tags.Value", format!("The value of tag '{}' must be at most 256 characters", t.key)));
        }
        match g.tags.iter_mut().find(|x| x.key == t.key) {
            Some(x) => *x = t.clone(),
            None => {
                if g.tags.len() >= MAX_TAGS_PER_GROUP {
                    return Err(ModelError::TooMany { quota: Quota::Tags, message: format!("The number of tags for group {} would exceed {MAX_TAGS_PER_GROUP}", g.name) });
                }
                g.tags.push(t.clone());
            }
        }
    }
    g.tags.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(())
}

fn terminate_instance(a: &mut AutoScalingState, instance_id: &str, decrement: bool, activity: &ScalingActivity) -> Result<(), ModelError> {
    let g = group_of_instance_mut(a, instance_id)?;
    if decrement {
        if g.desired_capacity <= g.min_size {
            return Err(ModelError::invalid(
                "ShouldDecrementDesiredCapacity",
                format!(
                    "Currently, desiredSize equals minSize ({}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
                    g.min_size
                ),
            ));
        }
        g.desired_capacity -= 1;
    }
    let group = g.name.clone();
    if let Some(i) = g.instances.iter_mut().find(|i| i.instance_id == instance_id) {
        i.lifecycle_state = LifecycleState::Terminating;
        i.lifecycle_action = None;
    }
    record_activity(a, ScalingActivity { group, ..activity.clone() });
    Ok(())
}

pub(crate) fn record_activity(a: &mut AutoScalingState, act: ScalingActivity) {
    let list = a.activities.entry(act.group.clone()).or_default();
    match list.iter_mut().find(|x| x.activity_id == act.activity_id) {
        Some(x) => *x = act,
        None => list.push(act),
    }
    if list.len() > ACTIVITIES_PER_GROUP {
        let extra = list.len() - ACTIVITIES_PER_GROUP;
        list.drain(..extra);
    }
}

// ---- policies ----

fn find_policy<'a>(a: &'a AutoScalingState, group: Option<&str>, policy: &str) -> Result<&'a ScalingPolicy, ModelError> {
    let found = if policy.starts_with("arn:") {
        a.policies.get(policy)
    } else {
        match group {
            Some(g) => a.policy(g, policy),
            None => None,
        }
    };
    found.ok_or_else(|| ModelError::invalid("PolicyName", format!("No scaling policy found for service namespace: ec2, resource ID: {}, policy name: {policy}", group.unwrap_or("null"))))
}

fn put_policy(r: &mut RegionState, p: &PutScalingPolicy) -> Result<(), ModelError> {
    let a = &r.autoscaling;
    let g = a.groups.get(&p.group).ok_or_else(|| group_not_found(&p.group))?;
    match p.policy_type {
        PolicyType::TargetTrackingScaling => {
            let tt = p.target_tracking.as_ref().ok_or_else(|| {
                ModelError::invalid("TargetTrackingConfiguration", "TargetTrackingConfiguration is required for policy type TargetTrackingScaling")
            })?;
            if tt.predefined_metric_type.is_none() && tt.customized_metric_name.is_none() {
                return Err(ModelError::invalid("TargetTrackingConfiguration", "Either PredefinedMetricSpecification or CustomizedMetricSpecification is required"));
            }
            if tt.predefined_metric_type == Some(crate::autoscaling::PredefinedMetricType::AlbRequestCountPerTarget) {
                let label = tt.resource_label.as_deref().ok_or_else(|| {
                    ModelError::invalid("ResourceLabel", "ResourceLabel is required for predefined metric type ALBRequestCountPerTarget")
                })?;
                let tg_part = label.split_once("/targetgroup/").map(|(_, t)| t).ok_or_else(|| {
                    ModelError::invalid("ResourceLabel", format!("Invalid ResourceLabel '{label}'; expected app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>"))
                })?;
                let suffix = format!(":targetgroup/{tg_part}");
                if !g.target_group_arns.iter().any(|arn| arn.ends_with(&suffix)) {
                    return Err(ModelError::invalid("ResourceLabel", format!("The target group targetgroup/{tg_part} is not attached to the Auto Scaling group {}", p.group)));
                }
            }
            if p.adjustment_type.is_some() || p.scaling_adjustment.is_some() || !p.step_adjustments.is_empty() || p.cooldown.is_some() {
                return Err(ModelError::invalid("PolicyType", "AdjustmentType, ScalingAdjustment, StepAdjustments and Cooldown are not supported for policy type TargetTrackingScaling"));
            }
        }
        PolicyType::SimpleScaling => {
            if p.target_tracking.is_some() || !p.step_adjustments.is_empty() {
                return Err(ModelError::invalid("PolicyType", "TargetTrackingConfiguration and StepAdjustments are not supported for policy type SimpleScaling"));
            }
            if p.scaling_adjustment.is_none() {
                return Err(ModelError::invalid("ScalingAdjustment", "ScalingAdjustment is required for policy type SimpleScaling"));
            }
            if p.adjustment_type.is_none() {
                return Err(ModelError::invalid("AdjustmentType", "AdjustmentType is required for policy type SimpleScaling"));
            }
        }
        PolicyType::StepScaling => {
            if p.target_tracking.is_some() || p.scaling_adjustment.is_some() {
                return Err(ModelError::invalid("PolicyType", "TargetTrackingConfiguration and ScalingAdjustment are not supported for policy type StepScaling"));
            }
            if p.step_adjustments.is_empty() {
                return Err(ModelError::invalid("StepAdjustments", "StepAdjustments is required for policy type StepScaling"));
            }
            if p.adjustment_type.is_none() {
                return Err(ModelError::invalid("AdjustmentType", "AdjustmentType is required for policy type StepScaling"));
            }
        }
        PolicyType::PredictiveScaling => {}
    }
    if p.min_adjustment_magnitude.is_some() && p.adjustment_type != Some(AdjustmentType::PercentChangeInCapacity) {
        return Err(ModelError::invalid("MinAdjustmentMagnitude", "MinAdjustmentMagnitude is only supported with AdjustmentType PercentChangeInCapacity"));
    }
    let existing = a.policy(&p.group, &p.name).cloned();
    if existing.is_none() && a.policies_of(&p.group).count() >= MAX_POLICIES_PER_GROUP {
        return Err(ModelError::TooMany { quota: Quota::ScalingPolicies, message: format!("Max number of scaling policies reached for group {} ({MAX_POLICIES_PER_GROUP})", p.group) });
    }
    let (arn, alarms) = match &existing {
        // An update keeps the ARN and, for the same policy type, the alarms.
        Some(e) if e.policy_type == p.policy_type => (e.arn.clone(), e.alarms.clone()),
        Some(e) => (e.arn.clone(), p.alarms.clone()),
        None => (p.arn.clone(), p.alarms.clone()),
    };
    let alarms = if p.policy_type == PolicyType::TargetTrackingScaling { alarms } else { Vec::new() };
    r.autoscaling.policies.insert(
        arn.clone(),
        ScalingPolicy {
            name: p.name.clone(),
            arn,
            group: p.group.clone(),
            policy_type: p.policy_type,
            adjustment_type: p.adjustment_type,
            scaling_adjustment: p.scaling_adjustment,
            min_adjustment_magnitude: p.min_adjustment_magnitude,
            cooldown: p.cooldown,
            step_adjustments: p.step_adjustments.clone(),
            metric_aggregation_type: if p.policy_type == PolicyType::StepScaling {
                Some(p.metric_aggregation_type.clone().unwrap_or_else(|| "Average".to_string()))
            } else {
                None
            },
            estimated_instance_warmup: p.estimated_instance_warmup,
            target_tracking: p.target_tracking.clone(),
            enabled: p.enabled.unwrap_or(true),
            alarms,
        },
    );
    Ok(())
}

/// The desired capacity a Simple or Step policy's adjustment leads to (before clamping).
pub fn adjusted_capacity(current: u32, adjustment_type: AdjustmentType, adjustment: i32, min_magnitude: Option<i32>) -> i64 {
    let cur = i64::from(current);
    match adjustment_type {
        AdjustmentType::ChangeInCapacity => cur + i64::from(adjustment),
        AdjustmentType::ExactCapacity => i64::from(adjustment),
        AdjustmentType::PercentChangeInCapacity => {
            // AWS: values between 0 and 1 round to 1 (or -1), others round towards zero.
            let raw = cur as f64 * f64::from(adjustment) / 100.0;
            let mut change = if raw > 0.0 && raw < 1.0 {
                1
            } else if raw < 0.0 && raw > -1.0 {
                -1
            } else {
                raw.trunc() as i64
            };
            if let Some(m) = min_magnitude {
                let m = i64::from(m);
                if change.abs() < m && change != 0 {
                    change = change.signum() * m;
                }
            }
            cur + change
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn execute_policy(
    a: &mut AutoScalingState,
    group: Option<&str>,
    policy: &str,
    honor_cooldown: bool,
    metric_value: Option<f64>,
    breach_threshold: Option<f64>,
    activity_id: &str,
    now: Millis,
) -> Result<(), ModelError> {
    let p = find_policy(a, group, policy)?.clone();
    let g = group_mut(a, &p.group)?;
    let adjustment_type = p.adjustment_type.unwrap_or(AdjustmentType::ChangeInCapacity);
    let adjustment = match p.policy_type {
        PolicyType::SimpleScaling => {
            if honor_cooldown {
                check_cooldown(g, p.cooldown.unwrap_or(g.default_cooldown), now)?;
            }
            p.scaling_adjustment.unwrap_or(0)
        }
        PolicyType::StepScaling => {
            let (Some(m), Some(b)) = (metric_value, breach_threshold) else {
                return Err(ModelError::invalid("MetricValue", "MetricValue and BreachThreshold are required when executing a step scaling policy"));
            };
            let d = m - b;
            let step = p
                .step_adjustments
                .iter()
                .find(|s| s.lower_bound.is_none_or(|l| d >= l.0) && s.upper_bound.is_none_or(|u| d < u.0))
                .ok_or_else(|| ModelError::invalid("MetricValue", format!("No step adjustment covers metric value {m} with breach threshold {b}")))?;
            step.scaling_adjustment
        }
        _ => {
            return Err(ModelError::invalid("PolicyName", format!("ExecutePolicy is supported only for simple and step scaling policies; {} is {}", p.name, p.policy_type)));
        }
    };
    let from = g.desired_capacity;
    let to = adjusted_capacity(from, adjustment_type, adjustment, p.min_adjustment_magnitude).clamp(i64::from(g.min_size), i64::from(g.max_size)) as u32;
    g.desired_capacity = to;
    g.last_scaling_at = Some(now);
    let group_name = g.name.clone();
    record_activity(
        a,
        ScalingActivity {
            activity_id: activity_id.to_string(),
            group: group_name.clone(),
            description: format!("Executing policy {} on group {group_name}", p.name),
            cause: format!("A user request executed policy {} changing the desired capacity from {from} to {to}.", p.name),
            start_time: now,
            end_time: Some(now),
            status_code: "Successful".to_string(),
            status_message: None,
            progress: 100,
            details: "{}".to_string(),
        },
    );
    Ok(())
}

mod lifecycle;

#[cfg(test)]
mod tests;
