//! CreateLoadBalancer, DeleteLoadBalancer, DescribeLoadBalancers (ELB API reference 2012-06-01).

use model::ClassicCommand;
use model::classic::ClassicLoadBalancer;
use model::classic_command::CreateClassicLoadBalancer;

use super::{decode_listeners, lb_name, not_found, render, submit};
use crate::elbv2::{decode_tags, paginate};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Route 53 hosted zone id AWS reports for classic load balancers in us-east-1.
const HOSTED_ZONE_ID: &str = "Z35SXDOTRQ7X7K";

/// `CreateLoadBalancer` → `DNSName` (the existing one for an identical repeat).
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let listeners = decode_listeners(p)?;
    let scheme = match p.get("Scheme") {
        None | Some("") => "internet-facing".to_string(),
        Some(s) => s.to_string(),
    };
    let prefix = if scheme == "internal" { "internal-" } else { "" };
    let dns_name = format!("{prefix}{}-{}.{}.{}", name.to_ascii_lowercase(), ids::digits(10), req.region, api.config.dns_suffix);
    let arn = format!("arn:aws:elasticloadbalancing:{}:{}:loadbalancer/{name}", req.region, api.config.account_id);
    let snap = submit(
        api,
        req,
        ClassicCommand::CreateLoadBalancer(Box::new(CreateClassicLoadBalancer {
            name: name.clone(),
            arn,
            dns_name,
            canonical_hosted_zone_name_id: HOSTED_ZONE_ID.into(),
            listeners,
            availability_zones: p.list("AvailabilityZones")?.unwrap_or_default(),
            subnets: p.list("Subnets")?.unwrap_or_default(),
            security_groups: p.list("SecurityGroups")?,
            scheme,
            tags: decode_tags(p)?,
            now: state::now_millis(),
        })),
    )
    .await?;
    let lb = super::find(&snap, req, &name)?;
    x.text("DNSName", &lb.dns_name);
    Ok(())
}

/// `DeleteLoadBalancer`: succeeds for a missing load balancer, as on AWS.
pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let name = lb_name(&req.params)?;
    submit(api, req, ClassicCommand::DeleteLoadBalancer { name }).await?;
    Ok(())
}

/// `DescribeLoadBalancers`: all, or those of `LoadBalancerNames` (each must exist), paged by
/// `Marker`/`PageSize` (1–400).
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let names = p.list("LoadBalancerNames")?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let lbs: Vec<&ClassicLoadBalancer> = match &names {
        Some(names) if !names.is_empty() => {
            let mut out: Vec<&ClassicLoadBalancer> = Vec::new();
            for n in names {
                let lb = region.classic_load_balancers.get(n).ok_or_else(|| not_found(n))?;
                if !out.iter().any(|o| o.name == lb.name) {
                    out.push(lb);
                }
            }
            out
        }
        _ => {
            let mut v: Vec<&ClassicLoadBalancer> = region.classic_load_balancers.values().collect();
            v.sort_by(|a, b| (a.created_time, &a.name).cmp(&(b.created_time, &b.name)));
            v
        }
    };
    let (page, next) = paginate(lbs, p)?;
    x.list("LoadBalancerDescriptions", "member", page, |x, lb| render::load_balancer(x, lb, &region, &api.config.account_id)).opt("NextMarker", next);
    Ok(())
}
