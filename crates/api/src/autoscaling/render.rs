//! XML of Auto Scaling output shapes (`AutoScalingGroup`, `Instance`, `LaunchConfiguration`,
//! `ScalingPolicy`, `Activity`), member order as in the service model.

use model::autoscaling::{AutoScalingGroup, GroupInstance, GroupTag, LaunchConfiguration, LaunchTemplateSpec, ScalingActivity, ScalingPolicy};

use crate::xml::{Xml, timestamp};

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

pub(crate) fn launch_template(x: &mut Xml, lt: &LaunchTemplateSpec) {
    x.elem("LaunchTemplate", |x| {
        x.opt("LaunchTemplateId", lt.id.as_deref()).opt("LaunchTemplateName", lt.name.as_deref()).text("Version", &lt.version);
    });
}

pub(crate) fn tag(x: &mut Xml, group: &str, t: &GroupTag) {
    x.text("ResourceId", group)
        .text("ResourceType", "auto-scaling-group")
        .text("Key", &t.key)
        .text("Value", &t.value)
        .text("PropagateAtLaunch", bool_str(t.propagate_at_launch));
}

fn instance(x: &mut Xml, i: &GroupInstance) {
    x.text("InstanceId", &i.instance_id)
        .opt("InstanceType", i.instance_type.as_deref())
        .text("AvailabilityZone", &i.availability_zone)
        .text("LifecycleState", i.lifecycle_state.as_str())
        .text("HealthStatus", i.health_status.as_str())
        .opt("LaunchConfigurationName", i.launch_configuration_name.as_deref());
    if let Some(lt) = &i.launch_template {
        launch_template(x, lt);
    }
    x.text("ProtectedFromScaleIn", bool_str(i.protected_from_scale_in));
}

/// `AutoScalingInstanceDetails`.
pub(crate) fn instance_details(x: &mut Xml, g: &AutoScalingGroup, i: &GroupInstance) {
    x.text("InstanceId", &i.instance_id)
        .opt("InstanceType", i.instance_type.as_deref())
        .text("AutoScalingGroupName", &g.name)
        .text("AvailabilityZone", &i.availability_zone)
        .text("LifecycleState", i.lifecycle_state.as_str())
        .text("HealthStatus", i.health_status.as_str())
        .opt("LaunchConfigurationName", i.launch_configuration_name.as_deref());
    if let Some(lt) = &i.launch_template {
        launch_template(x, lt);
    }
    x.text("ProtectedFromScaleIn", bool_str(i.protected_from_scale_in));
}

pub(crate) fn group(x: &mut Xml, g: &AutoScalingGroup, include_instances: bool) {
    x.text("AutoScalingGroupName", &g.name).text("AutoScalingGroupARN", &g.arn).opt("LaunchConfigurationName", g.launch_configuration_name.as_deref());
    if let Some(lt) = &g.launch_template {
        launch_template(x, lt);
    }
    x.text("MinSize", g.min_size.to_string())
        .text("MaxSize", g.max_size.to_string())
        .text("DesiredCapacity", g.desired_capacity.to_string())
        .text("DefaultCooldown", g.default_cooldown.to_string())
        .strings("AvailabilityZones", "member", &g.availability_zones)
        .strings("LoadBalancerNames", "member", &g.load_balancer_names)
        .strings("TargetGroupARNs", "member", &g.target_group_arns)
        .text("HealthCheckType", &g.health_check_type)
        .text("HealthCheckGracePeriod", g.health_check_grace_period.to_string());
    let instances: &[GroupInstance] = if include_instances { &g.instances } else { &[] };
    x.list("Instances", "member", instances, instance)
        .text("CreatedTime", timestamp(g.created_time))
        .list("SuspendedProcesses", "member", &g.suspended_processes, |x, s| {
            x.text("ProcessName", &s.process_name).text("SuspensionReason", &s.suspension_reason);
        })
        .text("VPCZoneIdentifier", g.vpc_zone_identifier.join(","))
        .list("EnabledMetrics", "member", &g.enabled_metrics, |x, m| {
            x.text("Metric", &m.metric).text("Granularity", &m.granularity);
        })
        .opt("Status", g.status.as_deref())
        .list("Tags", "member", &g.tags, |x, t| tag(x, &g.name, t))
        .strings("TerminationPolicies", "member", &g.termination_policies)
        .text("NewInstancesProtectedFromScaleIn", bool_str(g.new_instances_protected_from_scale_in))
        .text("ServiceLinkedRoleARN", format!("arn:aws:iam::{}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", account_of(&g.arn)))
        .opt("MaxInstanceLifetime", g.max_instance_lifetime.map(|n| n.to_string()))
        .text("CapacityRebalance", bool_str(g.capacity_rebalance))
        .opt("DefaultInstanceWarmup", g.default_instance_warmup.map(|n| n.to_string()))
        .list("TrafficSources", "member", g.target_group_arns.iter().map(|a| (a.as_str(), "elbv2")).chain(g.load_balancer_names.iter().map(|n| (n.as_str(), "elb"))), |x, (id, kind)| {
            x.text("Identifier", id).text("Type", kind);
        });
}

/// The account of an ARN (fifth field).
fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or("")
}

pub(crate) fn launch_configuration(x: &mut Xml, lc: &LaunchConfiguration) {
    x.text("LaunchConfigurationName", &lc.name)
        .text("LaunchConfigurationARN", &lc.arn)
        .text("ImageId", &lc.image_id)
        .opt("KeyName", lc.key_name.as_deref())
        .strings("SecurityGroups", "member", &lc.security_groups)
        .strings("ClassicLinkVPCSecurityGroups", "member", Vec::<String>::new())
        .text("UserData", lc.user_data.as_deref().unwrap_or(""))
        .text("InstanceType", &lc.instance_type)
        .text("KernelId", "")
        .text("RamdiskId", "")
        .strings("BlockDeviceMappings", "member", Vec::<String>::new())
        .elem("InstanceMonitoring", |x| {
            x.text("Enabled", bool_str(lc.instance_monitoring));
        })
        .opt("IamInstanceProfile", lc.iam_instance_profile.as_deref())
        .text("CreatedTime", timestamp(lc.created_time))
        .text("EbsOptimized", bool_str(lc.ebs_optimized))
        .opt("AssociatePublicIpAddress", lc.associate_public_ip_address.map(bool_str));
}

pub(crate) fn policy(x: &mut Xml, p: &ScalingPolicy) {
    x.text("AutoScalingGroupName", &p.group)
        .text("PolicyName", &p.name)
        .text("PolicyARN", &p.arn)
        .text("PolicyType", p.policy_type.as_str())
        .opt("AdjustmentType", p.adjustment_type.map(|a| a.as_str()))
        .opt("MinAdjustmentStep", p.min_adjustment_magnitude.map(|n| n.to_string()))
        .opt("MinAdjustmentMagnitude", p.min_adjustment_magnitude.map(|n| n.to_string()))
        .opt("ScalingAdjustment", p.scaling_adjustment.map(|n| n.to_string()))
        .opt("Cooldown", p.cooldown.map(|n| n.to_string()))
        .list("StepAdjustments", "member", &p.step_adjustments, |x, s| {
            x.opt("MetricIntervalLowerBound", s.lower_bound.map(|d| d.to_string()))
                .opt("MetricIntervalUpperBound", s.upper_bound.map(|d| d.to_string()))
                .text("ScalingAdjustment", s.scaling_adjustment.to_string());
        })
        .opt("MetricAggregationType", p.metric_aggregation_type.as_deref())
        .opt("EstimatedInstanceWarmup", p.estimated_instance_warmup.map(|n| n.to_string()))
        .list("Alarms", "member", &p.alarms, |x, a| {
            x.text("AlarmName", &a.name).text("AlarmARN", &a.arn);
        });
    if let Some(tt) = &p.target_tracking {
        x.elem("TargetTrackingConfiguration", |x| {
            if let Some(m) = tt.predefined_metric_type {
                x.elem("PredefinedMetricSpecification", |x| {
                    x.text("PredefinedMetricType", m.as_str()).opt("ResourceLabel", tt.resource_label.as_deref());
                });
            }
            if let Some(name) = &tt.customized_metric_name {
                x.elem("CustomizedMetricSpecification", |x| {
                    x.text("MetricName", name);
                });
            }
            x.text("TargetValue", tt.target_value.to_string()).text("DisableScaleIn", bool_str(tt.disable_scale_in));
        });
    }
    x.text("Enabled", bool_str(p.enabled));
}

pub(crate) fn activity(x: &mut Xml, a: &ScalingActivity, group_arn: Option<&str>) {
    x.text("ActivityId", &a.activity_id)
        .text("AutoScalingGroupName", &a.group)
        .text("Description", &a.description)
        .text("Cause", &a.cause)
        .text("StartTime", timestamp(a.start_time))
        .opt("EndTime", a.end_time.map(timestamp))
        .text("StatusCode", &a.status_code)
        .opt("StatusMessage", a.status_message.as_deref())
        .text("Progress", a.progress.to_string())
        .text("Details", &a.details)
        .opt("AutoScalingGroupARN", group_arn);
}
