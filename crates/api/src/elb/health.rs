//! ConfigureHealthCheck and DescribeInstanceHealth (ELB API reference 2012-06-01; states,
//! reason codes and descriptions as the `InstanceState` data type documents them).

use model::classic::{ClassicHealthCheck, ClassicLoadBalancer};
use model::instance::InstanceState;
use model::{ClassicCommand, RegionState, TargetHealthState, TargetKey};

use super::{lb_name, not_found, render, submit};
use crate::error::ApiError;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

/// `ConfigureHealthCheck`: every member of `HealthCheck` is required; echoes the check.
pub(crate) async fn configure(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let h = p.sub("HealthCheck");
    if !p.has("HealthCheck") {
        return Err(p.constraint("HealthCheck", None, "Member must not be null"));
    }
    let target = h.string("Target", 1, 1024)?.ok_or_else(|| h.constraint("Target", None, "Member must not be null"))?;
    let req_u32 = |key: &str, lo: u32, hi: u32| -> Result<u32, ApiError> { h.u32(key, lo, hi)?.ok_or_else(|| h.constraint(key, None, "Member must not be null")) };
    let health_check = ClassicHealthCheck {
        target,
        interval: req_u32("Interval", 5, 300)?,
        timeout: req_u32("Timeout", 2, 60)?,
        unhealthy_threshold: req_u32("UnhealthyThreshold", 2, 10)?,
        healthy_threshold: req_u32("HealthyThreshold", 2, 10)?,
    };
    // Target syntax and Timeout < Interval, with the field named, before anything is submitted.
    model::check_classic_health_check(&health_check).map_err(|e| ApiError::from_model(e, Service::Elb))?;
    let snap = submit(api, req, ClassicCommand::ConfigureHealthCheck { name: name.clone(), health_check }).await?;
    let lb = super::find(&snap, req, &name)?;
    x.elem("HealthCheck", |x| render::health_check(x, &lb.health_check));
    Ok(())
}

const REGISTERING: &str = "Instance registration is still in progress.";
const FAILED: &str = "Instance has failed at least the UnhealthyThreshold number of health checks consecutively.";

/// (`State`, `ReasonCode`, `Description`) of one registered instance.
fn instance_state(api: &Api, region: &RegionState, lb: &ClassicLoadBalancer, id: &str) -> (&'static str, &'static str, &'static str) {
    let out = ("OutOfService", "Instance", "");
    let Some(i) = region.ec2.instances.get(id) else { return (out.0, out.1, "Instance is in terminated state.") };
    match i.state {
        InstanceState::Pending => return (out.0, out.1, "Instance is in pending state."),
        InstanceState::Stopping | InstanceState::Stopped => return (out.0, out.1, "Instance is in stopped state."),
        InstanceState::ShuttingDown | InstanceState::Terminated => return (out.0, out.1, "Instance is in terminated state."),
        InstanceState::Running => {}
    }
    if lb.instances.iter().any(|r| r.instance_id == id && r.draining.is_some()) {
        return ("OutOfService", "ELB", "Instance deregistration currently in progress.");
    }
    if !lb.attributes.cross_zone && !lb.availability_zones.contains(&i.availability_zone) {
        return ("OutOfService", "ELB", "Instance is in the EC2 Availability Zone for which LoadBalancer is not configured to route traffic to.");
    }
    // One health check per load balancer: its verdicts live under the first listener's group.
    let Some(l) = lb.listeners.first() else { return ("OutOfService", "ELB", REGISTERING) };
    let key = TargetKey { target_group_arn: model::classic::target_group_arn(lb, l.load_balancer_port), id: id.to_string(), port: l.instance_port };
    match api.health.get(&key).map(|h| h.state) {
        Some(TargetHealthState::Healthy) => ("InService", "N/A", "N/A"),
        Some(TargetHealthState::Unhealthy | TargetHealthState::UnhealthyDraining) => ("OutOfService", "Instance", FAILED),
        _ => ("OutOfService", "ELB", REGISTERING),
    }
}

/// `DescribeInstanceHealth`: every registered instance, or those of `Instances` (each must be
/// registered, else `InvalidInstance`).
pub(crate) fn describe_instance_health(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let asked: Option<Vec<String>> = match p.structs("Instances")? {
        None => None,
        Some(list) => Some(list.iter().map(|i| Ok(i.required("InstanceId")?.to_string())).collect::<Result<_, ApiError>>()?),
    };
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let lb = region.classic_load_balancers.get(&name).ok_or_else(|| not_found(&name))?;
    let ids: Vec<String> = match asked {
        Some(ids) if !ids.is_empty() => {
            if let Some(missing) = ids.iter().find(|id| !lb.instances.iter().any(|i| &i.instance_id == *id)) {
                return Err(ApiError::new("InvalidInstance", format!("Could not find EC2 instance {missing} registered with load balancer '{name}'")));
            }
            ids
        }
        _ => lb.instances.iter().map(|i| i.instance_id.clone()).collect(),
    };
    x.list("InstanceStates", "member", ids, |x, id| {
        let (state, reason, description) = instance_state(api, &region, lb, &id);
        x.text("InstanceId", &id).text("State", state).text("ReasonCode", reason).text("Description", description);
    });
    Ok(())
}
