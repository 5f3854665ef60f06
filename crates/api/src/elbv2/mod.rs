//! ELBv2 (2015-12-01): decoding of each action's parameters, the command it becomes, and its
//! XML result, as in the botocore `elbv2` service model.

mod attributes;
mod listener_certificates;
mod listeners;
mod load_balancers;
mod render;
mod rules;
mod ssl_policies;
mod tags;
mod target_groups;
mod targets;

use std::sync::Arc;

use model::{Command, Elbv2Command, Snapshot};

use crate::error::ApiError;
use crate::params::Params;
use crate::server::query_response;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

pub(crate) async fn dispatch(api: &Api, req: &Request) -> Result<String, ApiError> {
    let p = &req.params;
    let mut x = Xml::new();
    match req.action.as_str() {
        "CreateLoadBalancer" => load_balancers::create(api, req, &mut x).await?,
        "DescribeLoadBalancers" => load_balancers::describe(api, req, &mut x)?,
        "DeleteLoadBalancer" => load_balancers::delete(api, req).await?,
        "SetSecurityGroups" => load_balancers::set_security_groups(api, req, &mut x).await?,
        "SetSubnets" => load_balancers::set_subnets(api, req, &mut x).await?,
        "SetIpAddressType" => load_balancers::set_ip_address_type(api, req, &mut x).await?,
        "DescribeLoadBalancerAttributes" => attributes::describe_load_balancer(api, req, &mut x)?,
        "ModifyLoadBalancerAttributes" => attributes::modify_load_balancer(api, req, &mut x).await?,
        "DescribeCapacityReservation" => load_balancers::describe_capacity_reservation(api, req, &mut x)?,
        "CreateTargetGroup" => target_groups::create(api, req, &mut x).await?,
        "DescribeTargetGroups" => target_groups::describe(api, req, &mut x)?,
        "ModifyTargetGroup" => target_groups::modify(api, req, &mut x).await?,
        "DeleteTargetGroup" => target_groups::delete(api, req).await?,
        "DescribeTargetGroupAttributes" => attributes::describe_target_group(api, req, &mut x)?,
        "ModifyTargetGroupAttributes" => attributes::modify_target_group(api, req, &mut x).await?,
        "RegisterTargets" => targets::register(api, req).await?,
        "DeregisterTargets" => targets::deregister(api, req).await?,
        "DescribeTargetHealth" => targets::describe_health(api, req, &mut x)?,
        "CreateListener" => listeners::create(api, req, &mut x).await?,
        "DescribeListeners" => listeners::describe(api, req, &mut x)?,
        "ModifyListener" => listeners::modify(api, req, &mut x).await?,
        "DeleteListener" => listeners::delete(api, req).await?,
        "DescribeListenerAttributes" => attributes::describe_listener(api, req, &mut x)?,
        "ModifyListenerAttributes" => attributes::modify_listener(api, req, &mut x).await?,
        "AddListenerCertificates" => listener_certificates::add(api, req, &mut x).await?,
        "RemoveListenerCertificates" => listener_certificates::remove(api, req).await?,
        "DescribeListenerCertificates" => listener_certificates::describe(api, req, &mut x)?,
        "CreateRule" => rules::create(api, req, &mut x).await?,
        "DescribeRules" => rules::describe(api, req, &mut x)?,
        "ModifyRule" => rules::modify(api, req, &mut x).await?,
        "DeleteRule" => rules::delete(api, req).await?,
        "SetRulePriorities" => rules::set_priorities(api, req, &mut x).await?,
        "AddTags" => tags::add(api, req).await?,
        "RemoveTags" => tags::remove(api, req).await?,
        "DescribeTags" => tags::describe(api, req, &mut x)?,
        "DescribeAccountLimits" => tags::describe_account_limits(p, &mut x)?,
        "DescribeSSLPolicies" => ssl_policies::describe(p, &mut x)?,
        other => {
            return Err(ApiError::new(
                "InvalidAction",
                format!("The action '{other}' is not valid for Elastic Load Balancing v2, or elbow does not implement it yet"),
            ));
        }
    }
    Ok(query_response(Service::Elbv2, &req.action, &req.request_id, x.as_str()))
}

/// Submits an ELBv2 command in the request's region.
pub(crate) async fn submit(api: &Api, req: &Request, op: Elbv2Command) -> Result<Arc<Snapshot>, ApiError> {
    api.state.submit(Command::Elbv2 { region: req.region.clone(), op }).await.map_err(|e| match e {
        state::SubmitError::Model(m) => ApiError::from_model(m, Service::Elbv2),
        other => other.into(),
    })
}

/// `Marker`/`PageSize` pagination: the marker is the index of the next item.
pub(crate) fn paginate<T>(items: Vec<T>, p: &Params) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = p.u32("PageSize", 1, 400)?.unwrap_or(400) as usize;
    let start = match p.get("Marker") {
        None => 0,
        Some(m) => m.parse::<usize>().ok().filter(|&n| n <= items.len()).ok_or_else(|| ApiError::validation(format!("Marker '{m}' is not valid")))?,
    };
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items.into_iter().skip(start).take(end - start).collect(), next))
}

/// `Tags.member.N.Key/Value`.
pub(crate) fn decode_tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    let Some(list) = p.structs("Tags")? else { return Ok(Vec::new()) };
    list.iter().map(|t| Ok((t.required("Key")?.to_string(), t.get("Value").unwrap_or("").to_string()))).collect()
}

/// `Attributes.member.N.Key/Value`, at most 20 (the model's limit).
pub(crate) fn decode_attributes(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    let list = p.structs("Attributes")?.ok_or_else(|| p.constraint("Attributes", None, "Member must not be null"))?;
    if list.len() > model::limits::ATTRIBUTES_PER_CALL {
        let keys: Vec<&str> = list.iter().filter_map(|a| a.get("Key")).collect();
        return Err(p.constraint("Attributes", Some(&format!("[{}]", keys.join(", "))), "Member must have length less than or equal to 20"));
    }
    list.iter()
        .map(|a| {
            let key = a.string("Key", 0, 256)?.ok_or_else(|| a.constraint("Key", None, "Member must not be null"))?;
            if !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_') {
                return Err(a.constraint("Key", Some(&key), "Member must satisfy regular expression pattern: ^[a-zA-Z0-9._]+$"));
            }
            let value = a.string("Value", 0, 1024)?.unwrap_or_default();
            Ok((key, value))
        })
        .collect()
}
