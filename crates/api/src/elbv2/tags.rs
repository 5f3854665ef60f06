//! AddTags, RemoveTags, DescribeTags, DescribeAccountLimits.

use model::{Elbv2Command, ModelError, ResourceKind, resource_kind_of_arn};

use super::{decode_tags, paginate, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

fn arns(p: &Params) -> Result<Vec<String>, ApiError> {
    let a = p.list("ResourceArns")?.ok_or_else(|| p.constraint("ResourceArns", None, "Member must not be null"))?;
    if a.len() > 20 {
        return Err(p.constraint("ResourceArns", None, "Member must have length less than or equal to 20"));
    }
    for arn in &a {
        check_taggable(arn)?;
    }
    Ok(a)
}

/// An ARN that names none of the kinds elbow keeps: a trust store (modeled `TrustStoreNotFound`;
/// elbow has none), or no ELBv2 resource at all (`ValidationError`).
fn check_taggable(arn: &str) -> Result<(), ApiError> {
    if resource_kind_of_arn(arn) != ResourceKind::Resource {
        return Ok(());
    }
    let resource = model::ids::Arn::parse(arn).filter(|a| a.service == "elasticloadbalancing").map(|a| a.resource).unwrap_or("");
    if resource.starts_with("truststore/") {
        return Err(ApiError::new("TrustStoreNotFound", format!("Trust store '{arn}' not found")));
    }
    Err(ApiError::validation(format!("'{arn}' is not the ARN of a load balancer, target group, listener, rule or trust store")))
}

pub(crate) async fn add(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let arns = arns(p)?;
    let tags = decode_tags(p)?;
    if tags.is_empty() {
        return Err(p.constraint("Tags", None, "Member must have length greater than or equal to 1"));
    }
    submit(api, req, Elbv2Command::AddTags { arns, tags }).await?;
    Ok(())
}

pub(crate) async fn remove(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let arns = arns(p)?;
    let keys = p.list("TagKeys")?.ok_or_else(|| p.constraint("TagKeys", None, "Member must not be null"))?;
    submit(api, req, Elbv2Command::RemoveTags { arns, keys }).await?;
    Ok(())
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let arns = arns(&req.params)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let mut rows = Vec::new();
    for arn in &arns {
        let tags = r
            .load_balancers
            .get(arn)
            .map(|x| &x.tags)
            .or_else(|| r.target_groups.get(arn).map(|x| &x.tags))
            .or_else(|| r.listeners.get(arn).map(|x| &x.tags))
            .or_else(|| r.rules.get(arn).map(|x| &x.tags))
            .ok_or_else(|| ApiError::from_model(ModelError::not_found(resource_kind_of_arn(arn), arn.clone()), Service::Elbv2))?;
        rows.push((arn.clone(), tags.clone()));
    }
    x.list("TagDescriptions", "member", rows, |x, (arn, tags)| {
        x.text("ResourceArn", arn).list("Tags", "member", tags, |x, (k, v)| {
            x.text("Key", k).text("Value", v);
        });
    });
    Ok(())
}

/// Quotas as AWS names them (`DescribeAccountLimits`); elbow enforces the ones it has.
pub(crate) fn describe_account_limits(p: &Params, x: &mut Xml) -> Result<(), ApiError> {
    let limits: Vec<(&str, String)> = vec![
        ("application-load-balancers", model::limits::LOAD_BALANCERS.to_string()),
        ("network-load-balancers", model::limits::LOAD_BALANCERS.to_string()),
        // elbow runs no Gateway Load Balancers.
        ("gateway-load-balancers", "0".into()),
        ("gateway-load-balancers-per-vpc", "0".into()),
        ("target-groups", model::limits::TARGET_GROUPS.to_string()),
        ("targets-per-application-load-balancer", "1000".into()),
        ("targets-per-network-load-balancer", "3000".into()),
        ("targets-per-availability-zone-per-network-load-balancer", "500".into()),
        ("targets-per-availability-zone-per-gateway-load-balancer", "0".into()),
        ("targets-per-target-group", model::limits::TARGETS_PER_TARGET_GROUP.to_string()),
        ("target-id-registrations-per-application-load-balancer", "1000".into()),
        ("listeners-per-application-load-balancer", model::limits::LISTENERS_PER_LOAD_BALANCER.to_string()),
        ("listeners-per-network-load-balancer", model::limits::LISTENERS_PER_LOAD_BALANCER.to_string()),
        // AWS's default is 100 and can be raised; elbow allows 1,000 (model `apply_rules`).
        ("rules-per-application-load-balancer", "1000".into()),
        ("condition-values-per-alb-rule", "5".into()),
        ("condition-wildcards-per-alb-rule", "5".into()),
        ("target-groups-per-application-load-balancer", "100".into()),
        ("target-groups-per-action-on-application-load-balancer", model::limits::TARGET_GROUPS_PER_ACTION.to_string()),
        ("target-groups-per-action-on-network-load-balancer", "1".into()),
        ("certificates-per-application-load-balancer", "25".into()),
        ("certificates-per-network-load-balancer", "25".into()),
        ("network-load-balancer-enis-per-vpc", "1200".into()),
        ("geneve-target-groups", "100".into()),
    ];
    let (page, next) = paginate(limits, p)?;
    x.list("Limits", "member", page, |x, (n, m)| {
        x.text("Name", n).text("Max", m);
    })
    .opt("NextMarker", next);
    Ok(())
}
