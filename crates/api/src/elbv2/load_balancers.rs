//! CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer, SetSecurityGroups,
//! SetSubnets, SetIpAddressType, DescribeCapacityReservation.

use model::command::CreateLoadBalancer;
use model::{Elbv2Command, IpAddressType, LoadBalancer, LoadBalancerType, ModelError, ResourceKind, Scheme};

use super::{decode_tags, paginate, render, submit};
use crate::error::ApiError;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Route 53 hosted zone id AWS reports for load balancers in us-east-1 (ALB / NLB).
fn hosted_zone_id(kind: LoadBalancerType) -> &'static str {
    match kind {
        LoadBalancerType::Network => "Z26RNL4JYFTOTI",
        _ => "Z35SXDOTRQ7X7K",
    }
}

fn not_found(arn: &str) -> ApiError {
    ApiError::from_model(ModelError::not_found(ResourceKind::LoadBalancer, arn), Service::Elbv2)
}

pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = p.required("Name")?.to_string();
    let mut subnets = p.list("Subnets")?.unwrap_or_default();
    for m in p.structs("SubnetMappings")?.unwrap_or_default() {
        subnets.push(m.required("SubnetId")?.to_string());
    }
    let security_groups = p.list("SecurityGroups")?;
    let scheme = p.enumeration("Scheme", Scheme::parse, Scheme::ALL)?.unwrap_or(Scheme::InternetFacing);
    let kind = p.enumeration("Type", LoadBalancerType::parse, LoadBalancerType::ALL)?.unwrap_or(LoadBalancerType::Application);
    let ip_address_type = p.enumeration("IpAddressType", IpAddressType::parse, IpAddressType::ALL)?.unwrap_or(IpAddressType::Ipv4);
    let tags = decode_tags(p)?;
    let id = ids::hex(16);
    let arn = model::ids::load_balancer_arn(&req.region, &api.config.account_id, kind.arn_prefix(), &name, &id);
    let prefix = if scheme == Scheme::Internal { "internal-" } else { "" };
    let dns_name = format!("{prefix}{}-{}.{}.{}", name.to_ascii_lowercase(), ids::digits(10), req.region, api.config.dns_suffix);
    let snap = submit(
        api,
        req,
        Elbv2Command::CreateLoadBalancer(CreateLoadBalancer {
            arn,
            id,
            name: name.clone(),
            dns_name,
            canonical_hosted_zone_id: hosted_zone_id(kind).to_string(),
            subnets,
            security_groups,
            scheme,
            kind,
            ip_address_type,
            tags,
            now: state::now_millis(),
        }),
    )
    .await?;
    let region = snap.region(&req.region);
    let lb = region.load_balancers.values().find(|lb| lb.name == name).ok_or_else(|| ApiError::internal("load balancer vanished after create"))?;
    x.list("LoadBalancers", "member", [lb], render::load_balancer);
    Ok(())
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arns = p.list("LoadBalancerArns")?;
    let names = p.list("Names")?;
    if arns.as_ref().is_some_and(|a| a.len() > 20) {
        return Err(p.constraint("LoadBalancerArns", None, "Member must have length less than or equal to 20"));
    }
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let mut lbs: Vec<&LoadBalancer> = match (&arns, &names) {
        (Some(_), Some(_)) => return Err(ApiError::validation("Specify either LoadBalancerArns or Names, not both")),
        (Some(arns), None) => {
            let missing: Vec<&String> = arns.iter().filter(|a| !region.load_balancers.contains_key(*a)).collect();
            if !missing.is_empty() {
                return Err(ApiError::new("LoadBalancerNotFound", format!("One or more load balancers not found: {}", join(&missing))));
            }
            arns.iter().filter_map(|a| region.load_balancers.get(a)).collect()
        }
        (None, Some(names)) => {
            let missing: Vec<&String> = names.iter().filter(|n| !region.load_balancers.values().any(|lb| &lb.name == *n)).collect();
            if !missing.is_empty() {
                return Err(ApiError::new("LoadBalancerNotFound", format!("One or more load balancers not found: {}", join(&missing))));
            }
            names.iter().filter_map(|n| region.load_balancers.values().find(|lb| &lb.name == n)).collect()
        }
        (None, None) => {
            let mut v: Vec<&LoadBalancer> = region.load_balancers.values().collect();
            v.sort_by_key(|lb| (lb.created_time, lb.name.clone()));
            v
        }
    };
    // A load balancer named twice (by ARN or name) is listed once, wherever the repeats are.
    let mut seen = std::collections::HashSet::new();
    lbs.retain(|lb| seen.insert(lb.arn.clone()));
    let (page, next) = paginate(lbs, p)?;
    x.list("LoadBalancers", "member", page, render::load_balancer).opt("NextMarker", next);
    Ok(())
}

fn join(v: &[&String]) -> String {
    v.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
}

pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let arn = req.params.required("LoadBalancerArn")?.to_string();
    submit(api, req, Elbv2Command::DeleteLoadBalancer { arn }).await?;
    Ok(())
}

pub(crate) async fn set_security_groups(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("LoadBalancerArn")?.to_string();
    let groups = p.list("SecurityGroups")?.ok_or_else(|| p.constraint("SecurityGroups", None, "Member must not be null"))?;
    let snap = submit(api, req, Elbv2Command::SetSecurityGroups { arn: arn.clone(), security_groups: groups }).await?;
    let lb = snap.region(&req.region).load_balancers.get(&arn).cloned().ok_or_else(|| not_found(&arn))?;
    x.strings("SecurityGroupIds", "member", &lb.security_groups);
    Ok(())
}

pub(crate) async fn set_subnets(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("LoadBalancerArn")?.to_string();
    let mut subnets = p.list("Subnets")?.unwrap_or_default();
    for m in p.structs("SubnetMappings")?.unwrap_or_default() {
        subnets.push(m.required("SubnetId")?.to_string());
    }
    let snap = submit(api, req, Elbv2Command::SetSubnets { arn: arn.clone(), subnets }).await?;
    let lb = snap.region(&req.region).load_balancers.get(&arn).cloned().ok_or_else(|| not_found(&arn))?;
    x.list("AvailabilityZones", "member", &lb.availability_zones, |x, z| {
        x.text("ZoneName", &z.zone_name).text("SubnetId", &z.subnet_id).strings("LoadBalancerAddresses", "member", Vec::<String>::new());
    })
    .text("IpAddressType", lb.ip_address_type.as_str());
    Ok(())
}

pub(crate) async fn set_ip_address_type(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("LoadBalancerArn")?.to_string();
    let t = p.enumeration("IpAddressType", IpAddressType::parse, IpAddressType::ALL)?.ok_or_else(|| p.constraint("IpAddressType", None, "Member must not be null"))?;
    submit(api, req, Elbv2Command::SetIpAddressType { arn, ip_address_type: t }).await?;
    x.text("IpAddressType", t.as_str());
    Ok(())
}

/// A truthful stub: elbow has no capacity units to reserve, so there are no reservations.
pub(crate) fn describe_capacity_reservation(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let arn = req.params.required("LoadBalancerArn")?;
    if !api.state.current().region(&req.region).load_balancers.contains_key(arn) {
        return Err(not_found(arn));
    }
    x.strings("CapacityReservationState", "member", Vec::<String>::new());
    Ok(())
}
