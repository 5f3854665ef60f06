//! CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup.

use model::command::{CreateTargetGroup, HealthCheckInput};
use model::target_group::TargetGroupIpAddressType;
use model::{Elbv2Command, HealthCheckPort, Matcher, ModelError, Protocol, ProtocolVersion, ResourceKind, TargetGroup, TargetType};

use super::{decode_tags, paginate, render, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request, ids};

fn health_check_input(p: &Params) -> Result<HealthCheckInput, ApiError> {
    let port = match p.get("HealthCheckPort") {
        None => None,
        Some(v) => Some(HealthCheckPort::parse(v).ok_or_else(|| p.constraint("HealthCheckPort", Some(v), "Member must be 'traffic-port' or a port from 1 to 65535"))?),
    };
    let matcher = if p.has("Matcher") {
        let m = p.sub("Matcher");
        Some(Matcher { http_code: m.get("HttpCode").map(str::to_string), grpc_code: m.get("GrpcCode").map(str::to_string) })
    } else {
        None
    };
    Ok(HealthCheckInput {
        enabled: p.bool("HealthCheckEnabled")?,
        protocol: p.enumeration("HealthCheckProtocol", Protocol::parse, Protocol::ALL)?,
        port,
        path: p.string("HealthCheckPath", 1, 1024)?,
        interval_seconds: p.u32("HealthCheckIntervalSeconds", 5, 300)?,
        timeout_seconds: p.u32("HealthCheckTimeoutSeconds", 2, 120)?,
        healthy_threshold: p.u32("HealthyThresholdCount", 2, 10)?,
        unhealthy_threshold: p.u32("UnhealthyThresholdCount", 2, 10)?,
        matcher,
    })
}

fn render_one(x: &mut Xml, tg: &TargetGroup, region: &model::RegionState) {
    x.list("TargetGroups", "member", [tg], |x, tg| render::target_group(x, tg, region));
}

pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = p.required("Name")?.to_string();
    let protocol_version = match p.get("ProtocolVersion") {
        None => None,
        Some(v) => Some(ProtocolVersion::parse(&v.to_ascii_uppercase()).ok_or_else(|| p.constraint("ProtocolVersion", Some(v), "Member must be HTTP1, HTTP2 or GRPC"))?),
    };
    let id = ids::hex(16);
    let arn = model::ids::target_group_arn(&req.region, &api.config.account_id, &name, &id);
    let snap = submit(
        api,
        req,
        Elbv2Command::CreateTargetGroup(CreateTargetGroup {
            arn,
            id,
            name: name.clone(),
            protocol: p.enumeration("Protocol", Protocol::parse, Protocol::ALL)?,
            protocol_version,
            port: p.u32("Port", 1, 65535)?.map(|n| n as u16),
            vpc_id: p.get("VpcId").map(str::to_string),
            target_type: p.enumeration("TargetType", TargetType::parse, TargetType::ALL)?,
            ip_address_type: p.enumeration("IpAddressType", TargetGroupIpAddressType::parse, TargetGroupIpAddressType::ALL)?,
            health_check: health_check_input(p)?,
            tags: decode_tags(p)?,
            now: state::now_millis(),
        }),
    )
    .await?;
    let region = snap.region(&req.region);
    let tg = region.target_groups.values().find(|t| t.name == name).ok_or_else(|| ApiError::internal("target group vanished after create"))?;
    render_one(x, tg, &region);
    Ok(())
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let lb = p.get("LoadBalancerArn");
    let arns = p.list("TargetGroupArns")?;
    let names = p.list("Names")?;
    if [lb.is_some(), arns.is_some(), names.is_some()].iter().filter(|b| **b).count() > 1 {
        return Err(ApiError::validation("Specify at most one of LoadBalancerArn, TargetGroupArns and Names"));
    }
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let missing_err = |missing: Vec<&String>| {
        ApiError::new("TargetGroupNotFound", format!("One or more target groups not found: {}", missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ")))
    };
    let mut tgs: Vec<&TargetGroup> = if let Some(lb) = lb {
        if !region.load_balancers.contains_key(lb) {
            return Err(ApiError::from_model(ModelError::not_found(ResourceKind::LoadBalancer, lb), Service::Elbv2));
        }
        let mut v: Vec<&TargetGroup> = region.target_groups.values().filter(|tg| region.load_balancers_of_target_group(&tg.arn).iter().any(|a| a == lb)).collect();
        v.sort_by_key(|tg| (tg.created_time, tg.name.clone()));
        v
    } else if let Some(arns) = &arns {
        let missing: Vec<&String> = arns.iter().filter(|a| !region.target_groups.contains_key(*a)).collect();
        if !missing.is_empty() {
            return Err(missing_err(missing));
        }
        arns.iter().filter_map(|a| region.target_groups.get(a)).collect()
    } else if let Some(names) = &names {
        let missing: Vec<&String> = names.iter().filter(|n| !region.target_groups.values().any(|t| &t.name == *n)).collect();
        if !missing.is_empty() {
            return Err(missing_err(missing));
        }
        names.iter().filter_map(|n| region.target_groups.values().find(|t| &t.name == n)).collect()
    } else {
        let mut v: Vec<&TargetGroup> = region.target_groups.values().collect();
        v.sort_by_key(|tg| (tg.created_time, tg.name.clone()));
        v
    };
    // A target group named twice (by ARN or name) is listed once, as load balancers are.
    let mut seen = std::collections::HashSet::new();
    tgs.retain(|tg| seen.insert(tg.arn.clone()));
    let (page, next) = paginate(tgs, p)?;
    x.list("TargetGroups", "member", page, |x, tg| render::target_group(x, tg, &region)).opt("NextMarker", next);
    Ok(())
}

pub(crate) async fn modify(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("TargetGroupArn")?.to_string();
    let snap = submit(api, req, Elbv2Command::ModifyTargetGroup { arn: arn.clone(), health_check: health_check_input(p)? }).await?;
    let region = snap.region(&req.region);
    let tg = region.target_groups.get(&arn).ok_or_else(|| ApiError::internal("target group vanished after modify"))?;
    render_one(x, tg, &region);
    Ok(())
}

pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let arn = req.params.required("TargetGroupArn")?.to_string();
    submit(api, req, Elbv2Command::DeleteTargetGroup { arn }).await?;
    Ok(())
}
