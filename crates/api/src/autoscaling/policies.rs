//! PutScalingPolicy, DescribePolicies, DeletePolicy, ExecutePolicy.

use model::AutoScalingCommand;
use model::autoscaling::{AdjustmentType, Double, PolicyAlarm, PolicyType, PredefinedMetricType, ScalingPolicy, StepAdjustment, TargetTracking};
use model::autoscaling_command::PutScalingPolicy;

use super::{double, group_name, paginate, render, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::Xml;
use crate::{Api, Request, ids};

fn policy_name(p: &Params) -> Result<String, ApiError> {
    p.string("PolicyName", 1, 1600)?.ok_or_else(|| p.constraint("PolicyName", None, "Member must not be null"))
}

fn target_tracking(p: &Params) -> Result<Option<TargetTracking>, ApiError> {
    if !p.has("TargetTrackingConfiguration") {
        return Ok(None);
    }
    let t = p.sub("TargetTrackingConfiguration");
    let predefined = if t.has("PredefinedMetricSpecification") {
        let m = t.sub("PredefinedMetricSpecification");
        let kind = m
            .enumeration("PredefinedMetricType", PredefinedMetricType::parse, PredefinedMetricType::ALL)?
            .ok_or_else(|| m.constraint("PredefinedMetricType", None, "Member must not be null"))?;
        Some((kind, m.string("ResourceLabel", 1, 1023)?))
    } else {
        None
    };
    let customized = if t.has("CustomizedMetricSpecification") {
        let c = t.sub("CustomizedMetricSpecification");
        Some(c.get("MetricName").map(str::to_string).unwrap_or_else(|| "metrics".to_string()))
    } else {
        None
    };
    if predefined.is_some() && customized.is_some() {
        return Err(ApiError::validation("Only one of PredefinedMetricSpecification or CustomizedMetricSpecification may be given"));
    }
    let target_value = double(&t, "TargetValue")?.ok_or_else(|| t.constraint("TargetValue", None, "Member must not be null"))?;
    Ok(Some(TargetTracking {
        predefined_metric_type: predefined.as_ref().map(|(k, _)| *k),
        resource_label: predefined.and_then(|(_, l)| l),
        customized_metric_name: customized,
        target_value: Double(target_value),
        disable_scale_in: t.bool("DisableScaleIn")?.unwrap_or(false),
    }))
}

fn step_adjustments(p: &Params) -> Result<Vec<StepAdjustment>, ApiError> {
    let Some(list) = p.structs("StepAdjustments")? else { return Ok(Vec::new()) };
    list.iter()
        .map(|s| {
            Ok(StepAdjustment {
                lower_bound: double(s, "MetricIntervalLowerBound")?.map(Double),
                upper_bound: double(s, "MetricIntervalUpperBound")?.map(Double),
                scaling_adjustment: s
                    .int("ScalingAdjustment", i64::from(i32::MIN), i64::from(i32::MAX))?
                    .ok_or_else(|| s.constraint("ScalingAdjustment", None, "Member must not be null"))? as i32,
            })
        })
        .collect()
}

fn alarm(region: &str, account: &str, group: &str, high: bool) -> PolicyAlarm {
    let name = format!("TargetTracking-{group}-Alarm{}-{}", if high { "High" } else { "Low" }, ids::uuid_v4());
    PolicyAlarm { arn: format!("arn:aws:cloudwatch:{region}:{account}:alarm:{name}"), name }
}

pub(crate) async fn put(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let name = p.string("PolicyName", 1, 255)?.ok_or_else(|| p.constraint("PolicyName", None, "Member must not be null"))?;
    let policy_type = p.enumeration("PolicyType", PolicyType::parse, PolicyType::ALL)?.unwrap_or(PolicyType::SimpleScaling);
    let target_tracking = target_tracking(p)?;
    let alarms = if policy_type == PolicyType::TargetTrackingScaling {
        vec![alarm(&req.region, &api.config.account_id, &group, true), alarm(&req.region, &api.config.account_id, &group, false)]
    } else {
        Vec::new()
    };
    let min_adjustment_magnitude = p.int("MinAdjustmentMagnitude", 0, i64::from(i32::MAX))?.or(p.int("MinAdjustmentStep", 0, i64::from(i32::MAX))?).map(|n| n as i32);
    let cmd = PutScalingPolicy {
        arn: model::autoscaling::policy_arn(&req.region, &api.config.account_id, &ids::uuid_v4(), &group, &name),
        group: group.clone(),
        name: name.clone(),
        policy_type,
        adjustment_type: p.enumeration("AdjustmentType", AdjustmentType::parse, AdjustmentType::ALL)?,
        scaling_adjustment: p.int("ScalingAdjustment", i64::from(i32::MIN), i64::from(i32::MAX))?.map(|n| n as i32),
        min_adjustment_magnitude,
        cooldown: p.int("Cooldown", 0, i64::from(i32::MAX))?.map(|n| n as u32),
        step_adjustments: step_adjustments(p)?,
        metric_aggregation_type: match p.get("MetricAggregationType") {
            None => None,
            Some(v @ ("Average" | "Minimum" | "Maximum")) => Some(v.to_string()),
            Some(v) => return Err(p.constraint("MetricAggregationType", Some(v), "Member must satisfy enum value set: [Average, Minimum, Maximum]")),
        },
        estimated_instance_warmup: p.int("EstimatedInstanceWarmup", 0, i64::from(i32::MAX))?.map(|n| n as u32),
        target_tracking,
        enabled: p.bool("Enabled")?,
        alarms,
    };
    let snap = submit(api, req, AutoScalingCommand::PutScalingPolicy(Box::new(cmd))).await?;
    let region = snap.region(&req.region);
    let pol = region.autoscaling.policy(&group, &name).ok_or_else(|| ApiError::internal("scaling policy vanished after PutScalingPolicy"))?;
    x.text("PolicyARN", &pol.arn).list("Alarms", "member", &pol.alarms, |x, a| {
        x.text("AlarmName", &a.name).text("AlarmARN", &a.arn);
    });
    Ok(())
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let group = p.string("AutoScalingGroupName", 1, 255)?;
    let names = p.list("PolicyNames")?.filter(|v| !v.is_empty());
    let types = p.list("PolicyTypes")?.filter(|v| !v.is_empty());
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let mut all: Vec<&ScalingPolicy> = region
        .autoscaling
        .policies
        .values()
        .filter(|pol| group.as_ref().is_none_or(|g| *g == pol.group))
        .filter(|pol| names.as_ref().is_none_or(|n| n.contains(&pol.name) || n.contains(&pol.arn)))
        .filter(|pol| types.as_ref().is_none_or(|t| t.iter().any(|t| t == pol.policy_type.as_str())))
        .collect();
    all.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    let (page, next) = paginate(all, p, 50, 50)?;
    x.list("ScalingPolicies", "member", page, render::policy).opt("NextToken", next);
    Ok(())
}

pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let policy = policy_name(p)?;
    let group = p.string("AutoScalingGroupName", 1, 255)?;
    submit(api, req, AutoScalingCommand::DeletePolicy { group, policy }).await?;
    Ok(())
}

pub(crate) async fn execute(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let policy = policy_name(p)?;
    let group = p.string("AutoScalingGroupName", 1, 255)?;
    submit(
        api,
        req,
        AutoScalingCommand::ExecutePolicy {
            group,
            policy,
            honor_cooldown: p.bool("HonorCooldown")?.unwrap_or(false),
            metric_value: double(p, "MetricValue")?.map(Double),
            breach_threshold: double(p, "BreachThreshold")?.map(Double),
            activity_id: ids::uuid_v4(),
            now: state::now_millis(),
        },
    )
    .await?;
    Ok(())
}
