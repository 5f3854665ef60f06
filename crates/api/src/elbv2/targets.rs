//! RegisterTargets, DeregisterTargets, DescribeTargetHealth (states and reason codes as in the
//! ALB guide, "Target health status").

use model::command::TargetInput;
use model::instance::InstanceState;
use model::{Elbv2Command, ModelError, ResourceKind, TargetHealth, TargetHealthReason, TargetHealthState, TargetKey};

use super::submit;
use crate::error::ApiError;
use crate::params::Params;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

fn decode_targets(p: &Params) -> Result<Vec<TargetInput>, ApiError> {
    let list = p.structs("Targets")?.ok_or_else(|| p.constraint("Targets", None, "Member must not be null"))?;
    list.iter()
        .map(|t| {
            Ok(TargetInput {
                id: t.required("Id")?.to_string(),
                port: t.u32("Port", 1, 65535)?.map(|n| n as u16),
                availability_zone: t.get("AvailabilityZone").map(str::to_string),
            })
        })
        .collect()
}

pub(crate) async fn register(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let target_group_arn = p.required("TargetGroupArn")?.to_string();
    let targets = decode_targets(p)?;
    submit(api, req, Elbv2Command::RegisterTargets { target_group_arn, targets, now: state::now_millis() }).await?;
    Ok(())
}

pub(crate) async fn deregister(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let target_group_arn = p.required("TargetGroupArn")?.to_string();
    let targets = decode_targets(p)?;
    submit(api, req, Elbv2Command::DeregisterTargets { target_group_arn, targets, now: state::now_millis() }).await?;
    Ok(())
}

fn health(state: TargetHealthState, reason: TargetHealthReason, description: &str) -> TargetHealth {
    TargetHealth { state, reason: Some(reason), description: Some(description.to_string()) }
}

/// `Include.member.N` of DescribeTargetHealth: whether `AnomalyDetection` is asked for
/// (`AnomalyDetection` or `All`, the model's `DescribeTargetHealthInputIncludeEnum`).
///
/// Errors: `ValidationError` naming `include.member.N` for any other value.
fn include_anomaly_detection(p: &Params) -> Result<bool, ApiError> {
    let mut anomaly = false;
    for (i, v) in p.list("Include")?.unwrap_or_default().iter().enumerate() {
        match v.as_str() {
            "AnomalyDetection" | "All" => anomaly = true,
            _ => return Err(p.constraint(&format!("Include.member.{}", i + 1), Some(v), "Member must satisfy enum value set: [AnomalyDetection, All]")),
        }
    }
    Ok(anomaly)
}

/// DescribeTargetHealth: one `TargetHealthDescription` per registered target (or per asked
/// target), members in the model's order: `Target`, `HealthCheckPort`, `TargetHealth`,
/// `AnomalyDetection` (only with `Include` `AnomalyDetection`/`All`, and only for HTTP/HTTPS
/// groups, where ALB runs anomaly detection), `AdministrativeOverride` (always; elbow has no
/// zonal shift, so `no_override`). elbow detects no anomalies, so `Result` is `normal` and
/// `MitigationInEffect` `no` (ALB guide, "Automatic target weights"; API reference
/// `TargetHealthDescription`).
///
/// Errors: `TargetGroupNotFound`; `ValidationError` for a bad `Include` or `Targets` member.
pub(crate) fn describe_health(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("TargetGroupArn")?;
    let include_anomaly = include_anomaly_detection(p)?;
    let asked = match p.structs("Targets")? {
        Some(_) => Some(decode_targets(p)?),
        None => None,
    };
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let tg = region.target_groups.get(arn).ok_or_else(|| ApiError::from_model(ModelError::not_found(ResourceKind::TargetGroup, arn), Service::Elbv2))?;
    let in_use = region.target_group_in_use(arn);
    let hc = &tg.health_check;
    let alb_group = matches!(tg.protocol, Some(model::Protocol::Http | model::Protocol::Https));
    // (id, port, availability zone, registration) for each target to report.
    let rows: Vec<(String, u16, Option<String>, Option<&model::RegisteredTarget>)> = match &asked {
        None => tg.targets.iter().map(|t| (t.id.clone(), t.port, t.availability_zone.clone(), Some(t))).collect(),
        Some(asked) => asked
            .iter()
            .map(|a| {
                let port = a.port.or(tg.port).unwrap_or(0);
                let reg = tg.target(&a.id, port);
                (a.id.clone(), port, reg.and_then(|r| r.availability_zone.clone()).or(a.availability_zone.clone()), reg)
            })
            .collect(),
    };
    x.list("TargetHealthDescriptions", "member", rows, |x, (id, port, az, reg)| {
        let h = match reg {
            None => health(TargetHealthState::Unused, TargetHealthReason::NotRegistered, "Target is not registered to the target group"),
            Some(r) if r.draining.is_some() => health(TargetHealthState::Draining, TargetHealthReason::DeregistrationInProgress, "Target deregistration is in progress"),
            // An instance target whose instance is stopped or terminated (or gone).
            Some(_) if id.starts_with("i-") && region.target_ip(&id).is_none() => {
                let stopped = region.ec2.instances.get(&id).is_some_and(|i| matches!(i.state, InstanceState::Stopping | InstanceState::Stopped));
                let what = if stopped { "Target is in the stopped state" } else { "Target is in the terminated state" };
                health(TargetHealthState::Unused, TargetHealthReason::InvalidState, what)
            }
            Some(_) if !in_use => health(TargetHealthState::Unused, TargetHealthReason::NotInUse, "Target group is not configured to receive traffic from the load balancer"),
            Some(_) if !hc.enabled => health(TargetHealthState::Unavailable, TargetHealthReason::HealthCheckDisabled, "Health checks disabled"),
            Some(_) => api
                .health
                .get(&TargetKey { target_group_arn: arn.to_string(), id: id.clone(), port })
                .unwrap_or_else(TargetHealth::registering),
        };
        x.elem("Target", |x| {
            x.text("Id", &id).text("Port", port.to_string()).opt("AvailabilityZone", az.as_deref());
        })
        .text("HealthCheckPort", hc.port.resolve(port).to_string())
        .elem("TargetHealth", |x| {
            x.text("State", h.state.as_str()).opt("Reason", h.reason.map(|r| r.as_str())).opt("Description", h.description.as_deref());
        });
        if include_anomaly && alb_group {
            x.elem("AnomalyDetection", |x| {
                x.text("Result", "normal").text("MitigationInEffect", "no");
            });
        }
        x.elem("AdministrativeOverride", |x| {
            x.text("State", "no_override").text("Reason", "AdministrativeOverride.NoOverride").text("Description", "No override is currently active on target");
        });
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ListStyle;

    fn include(form: &str) -> Result<bool, ApiError> {
        include_anomaly_detection(&Params::from_form(form.as_bytes(), ListStyle::Member))
    }

    #[test]
    fn include_takes_the_models_enum() {
        assert!(!include("").unwrap());
        assert!(include("Include.member.1=AnomalyDetection").unwrap());
        assert!(include("Include.member.1=All").unwrap());
        let e = include("Include.member.1=All&Include.member.2=Everything").unwrap_err();
        assert_eq!(e.code, "ValidationError");
        assert!(e.message.contains("Everything") && e.message.contains("include.member.2"), "{}", e.message);
    }
}
