//! Policies: CreateLBCookieStickinessPolicy, CreateAppCookieStickinessPolicy,
//! CreateLoadBalancerPolicy, DeleteLoadBalancerPolicy, SetLoadBalancerPoliciesOfListener,
//! SetLoadBalancerPoliciesForBackendServer, DescribeLoadBalancerPolicies,
//! DescribeLoadBalancerPolicyTypes (ELB API reference 2012-06-01).

use model::classic::ClassicPolicy;
use model::classic_policy_types as types;
use model::{ClassicCommand, ModelError, ResourceKind};

use super::{lb_name, render, required_list, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

fn policy_name(p: &Params) -> Result<String, ApiError> {
    Ok(p.required("PolicyName")?.to_string())
}

async fn create_policy(api: &Api, req: &Request, type_name: &str, attributes: Vec<(String, String)>) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let policy = ClassicPolicy { name: policy_name(p)?, type_name: type_name.to_string(), attributes };
    submit(api, req, ClassicCommand::CreatePolicy { name, policy }).await?;
    Ok(())
}

/// `CreateLBCookieStickinessPolicy`: `CookieExpirationPeriod` in seconds (absent: the browser
/// session).
pub(crate) async fn create_lb_cookie(api: &Api, req: &Request) -> Result<(), ApiError> {
    let period = req.params.int("CookieExpirationPeriod", 0, i64::MAX)?;
    let attributes = period.map(|n| vec![("CookieExpirationPeriod".to_string(), n.to_string())]).unwrap_or_default();
    create_policy(api, req, types::LB_COOKIE, attributes).await
}

/// `CreateAppCookieStickinessPolicy`: stickiness follows the application's `CookieName`.
pub(crate) async fn create_app_cookie(api: &Api, req: &Request) -> Result<(), ApiError> {
    let cookie = req.params.required("CookieName")?.to_string();
    create_policy(api, req, types::APP_COOKIE, vec![("CookieName".into(), cookie)]).await
}

/// `CreateLoadBalancerPolicy`: `PolicyTypeName` and `PolicyAttributes.member.N.{AttributeName,
/// AttributeValue}`.
pub(crate) async fn create(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let type_name = p.required("PolicyTypeName")?.to_string();
    let attributes = p
        .structs("PolicyAttributes")?
        .unwrap_or_default()
        .iter()
        .map(|a| Ok((a.required("AttributeName")?.to_string(), a.get("AttributeValue").unwrap_or("").to_string())))
        .collect::<Result<Vec<_>, ApiError>>()?;
    create_policy(api, req, &type_name, attributes).await
}

/// `DeleteLoadBalancerPolicy`: refused while a listener or back end uses the policy.
pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    submit(api, req, ClassicCommand::DeletePolicy { name: lb_name(p)?, policy_name: policy_name(p)? }).await?;
    Ok(())
}

/// `SetLoadBalancerPoliciesOfListener`: replaces the listener's policies (`PolicyNames=` clears).
pub(crate) async fn set_of_listener(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let port = p.u32("LoadBalancerPort", 1, 65535)?.ok_or_else(|| p.constraint("LoadBalancerPort", None, "Member must not be null"))? as u16;
    submit(api, req, ClassicCommand::SetPoliciesOfListener { name: lb_name(p)?, port, policy_names: required_list(p, "PolicyNames")? }).await?;
    Ok(())
}

/// `SetLoadBalancerPoliciesForBackendServer`: replaces an instance port's policies.
pub(crate) async fn set_for_backend_server(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let instance_port = p.u32("InstancePort", 1, 65535)?.ok_or_else(|| p.constraint("InstancePort", None, "Member must not be null"))? as u16;
    submit(api, req, ClassicCommand::SetPoliciesForBackendServer { name: lb_name(p)?, instance_port, policy_names: required_list(p, "PolicyNames")? }).await?;
    Ok(())
}

/// `DescribeLoadBalancerPolicies`: the load balancer's policies, or without `LoadBalancerName`
/// AWS's predefined sample policies; `PolicyNames` filters (each must exist).
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let wanted = p.list("PolicyNames")?.unwrap_or_default();
    let policies: Vec<ClassicPolicy> = match p.get("LoadBalancerName") {
        Some(name) => super::find(&api.state.current(), req, name)?.policies,
        None => types::predefined_policies(),
    };
    let chosen: Vec<&ClassicPolicy> = if wanted.is_empty() {
        policies.iter().collect()
    } else {
        let mut out = Vec::new();
        for w in &wanted {
            let found = policies.iter().find(|x| &x.name == w).ok_or_else(|| ApiError::from_model(ModelError::not_found(ResourceKind::Policy, w), Service::Elb))?;
            out.push(found);
        }
        out
    };
    x.list("PolicyDescriptions", "member", chosen, render::policy);
    Ok(())
}

/// `DescribeLoadBalancerPolicyTypes`: every type, or those of `PolicyTypeNames`.
pub(crate) fn describe_types(req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let wanted = req.params.list("PolicyTypeNames")?.unwrap_or_default();
    let chosen: Vec<&types::PolicyType> = if wanted.is_empty() {
        types::all().iter().collect()
    } else {
        wanted
            .iter()
            .map(|w| types::find(w).ok_or_else(|| ApiError::from_model(ModelError::not_found(ResourceKind::PolicyType, w), Service::Elb)))
            .collect::<Result<_, _>>()?
    };
    x.list("PolicyTypeDescriptions", "member", chosen, |x, t| {
        x.text("PolicyTypeName", t.name).text("Description", t.description).list("PolicyAttributeTypeDescriptions", "member", t.attributes, |x, a| {
            x.text("AttributeName", a.name)
                .text("AttributeType", a.attribute_type)
                .text("Description", a.description)
                .opt("DefaultValue", a.default_value)
                .text("Cardinality", a.cardinality);
        });
    });
    Ok(())
}
