//! Classic Elastic Load Balancing (API version 2012-06-01): decoding of each action's
//! parameters, the [`model::ClassicCommand`] it becomes, and its XML result, as in the botocore
//! `elb` service model (namespace `http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/`).

mod attributes;
mod health;
mod instances;
mod listeners;
mod load_balancers;
mod placement;
mod policies;
mod render;
mod tags;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use model::classic::{ClassicLoadBalancer, ClassicProtocol};
use model::classic_command::ClassicListenerInput;
use model::{ClassicCommand, Command, ModelError, ResourceKind, Snapshot};

use crate::error::ApiError;
use crate::params::Params;
use crate::server::query_response;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

/// Handles one classic ELB action, answering the `<ActionResponse>` document.
pub(crate) async fn dispatch(api: &Api, req: &Request) -> Result<String, ApiError> {
    let mut x = Xml::new();
    match req.action.as_str() {
        "CreateLoadBalancer" => load_balancers::create(api, req, &mut x).await?,
        "DeleteLoadBalancer" => load_balancers::delete(api, req).await?,
        "DescribeLoadBalancers" => load_balancers::describe(api, req, &mut x)?,
        "CreateLoadBalancerListeners" => listeners::create(api, req).await?,
        "DeleteLoadBalancerListeners" => listeners::delete(api, req).await?,
        "SetLoadBalancerListenerSSLCertificate" => listeners::set_ssl_certificate(api, req).await?,
        "ConfigureHealthCheck" => health::configure(api, req, &mut x).await?,
        "DescribeInstanceHealth" => health::describe_instance_health(api, req, &mut x)?,
        "RegisterInstancesWithLoadBalancer" => instances::register(api, req, &mut x).await?,
        "DeregisterInstancesFromLoadBalancer" => instances::deregister(api, req, &mut x).await?,
        "CreateLBCookieStickinessPolicy" => policies::create_lb_cookie(api, req).await?,
        "CreateAppCookieStickinessPolicy" => policies::create_app_cookie(api, req).await?,
        "CreateLoadBalancerPolicy" => policies::create(api, req).await?,
        "DeleteLoadBalancerPolicy" => policies::delete(api, req).await?,
        "SetLoadBalancerPoliciesOfListener" => policies::set_of_listener(api, req).await?,
        "SetLoadBalancerPoliciesForBackendServer" => policies::set_for_backend_server(api, req).await?,
        "DescribeLoadBalancerPolicies" => policies::describe(api, req, &mut x)?,
        "DescribeLoadBalancerPolicyTypes" => policies::describe_types(req, &mut x)?,
        "ModifyLoadBalancerAttributes" => attributes::modify(api, req, &mut x).await?,
        "DescribeLoadBalancerAttributes" => attributes::describe(api, req, &mut x)?,
        "AddTags" => tags::add(api, req).await?,
        "RemoveTags" => tags::remove(api, req).await?,
        "DescribeTags" => tags::describe(api, req, &mut x)?,
        "DescribeAccountLimits" => tags::describe_account_limits(&req.params, &mut x)?,
        "EnableAvailabilityZonesForLoadBalancer" => placement::enable_zones(api, req, &mut x).await?,
        "DisableAvailabilityZonesForLoadBalancer" => placement::disable_zones(api, req, &mut x).await?,
        "AttachLoadBalancerToSubnets" => placement::attach_subnets(api, req, &mut x).await?,
        "DetachLoadBalancerFromSubnets" => placement::detach_subnets(api, req, &mut x).await?,
        "ApplySecurityGroupsToLoadBalancer" => placement::apply_security_groups(api, req, &mut x).await?,
        other => {
            return Err(ApiError::new(
                "InvalidAction",
                format!("The action '{other}' is not valid for Elastic Load Balancing (classic), or elbow does not implement it yet"),
            ));
        }
    }
    Ok(query_response(Service::Elb, &req.action, &req.request_id, x.as_str()))
}

/// Submits a classic ELB command in the request's region, mapping model errors to classic codes.
pub(crate) async fn submit(api: &Api, req: &Request, op: ClassicCommand) -> Result<Arc<Snapshot>, ApiError> {
    api.state.submit(Command::Classic { region: req.region.clone(), op }).await.map_err(|e| match e {
        state::SubmitError::Model(m) => ApiError::from_model(m, Service::Elb),
        other => other.into(),
    })
}

/// `LoadBalancerNotFound` for `name`.
pub(crate) fn not_found(name: &str) -> ApiError {
    ApiError::from_model(ModelError::not_found(ResourceKind::LoadBalancer, name), Service::Elb)
}

/// The required `LoadBalancerName`.
pub(crate) fn lb_name(p: &Params) -> Result<String, ApiError> {
    Ok(p.required("LoadBalancerName")?.to_string())
}

/// The load balancer `name` of `snap` in the request's region, cloned.
pub(crate) fn find(snap: &Snapshot, req: &Request, name: &str) -> Result<ClassicLoadBalancer, ApiError> {
    snap.region(&req.region).classic_load_balancers.get(name).cloned().ok_or_else(|| not_found(name))
}

/// A required list parameter (`Key.member.N`).
pub(crate) fn required_list(p: &Params, key: &str) -> Result<Vec<String>, ApiError> {
    p.list(key)?.ok_or_else(|| p.constraint(key, None, "Member must not be null"))
}

fn decode_protocol(p: &Params, key: &str) -> Result<Option<ClassicProtocol>, ApiError> {
    match p.get(key) {
        None => Ok(None),
        // AWS accepts any case and answers in upper case.
        Some(v) => ClassicProtocol::parse(&v.to_ascii_uppercase())
            .map(Some)
            .ok_or_else(|| p.constraint(key, Some(v), &format!("Member must satisfy enum value set: [{}]", ClassicProtocol::ALL.join(", ")))),
    }
}

/// `Listeners.member.N.{Protocol, LoadBalancerPort, InstanceProtocol, InstancePort,
/// SSLCertificateId}`.
pub(crate) fn decode_listeners(p: &Params) -> Result<Vec<ClassicListenerInput>, ApiError> {
    let list = p.structs("Listeners")?.ok_or_else(|| p.constraint("Listeners", None, "Member must not be null"))?;
    list.iter()
        .map(|l| {
            let protocol = decode_protocol(l, "Protocol")?.ok_or_else(|| l.constraint("Protocol", None, "Member must not be null"))?;
            let load_balancer_port = l.u32("LoadBalancerPort", 1, 65535)?.ok_or_else(|| l.constraint("LoadBalancerPort", None, "Member must not be null"))? as u16;
            let instance_port = l.u32("InstancePort", 1, 65535)?.ok_or_else(|| l.constraint("InstancePort", None, "Member must not be null"))? as u16;
            Ok(ClassicListenerInput {
                protocol,
                load_balancer_port,
                instance_protocol: decode_protocol(l, "InstanceProtocol")?,
                instance_port,
                ssl_certificate_id: l.get("SSLCertificateId").filter(|s| !s.is_empty()).map(str::to_string),
            })
        })
        .collect()
}
