//! Describe/Modify of load balancer, target group and listener attributes. Describe returns
//! every applicable key with its effective value, as AWS does.

use model::{Elbv2Command, ModelError, ResourceKind, attributes};

use super::{decode_attributes, submit};
use crate::error::ApiError;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

fn write(x: &mut Xml, pairs: Vec<(String, String)>) {
    x.list("Attributes", "member", pairs, |x, (k, v)| {
        x.text("Key", k).text("Value", v);
    });
}

fn not_found(kind: ResourceKind, arn: &str) -> ApiError {
    ApiError::from_model(ModelError::not_found(kind, arn), Service::Elbv2)
}

fn lb_attrs(snap: &model::Snapshot, region: &str, arn: &str) -> Result<Vec<(String, String)>, ApiError> {
    let r = snap.region(region);
    let lb = r.load_balancers.get(arn).ok_or_else(|| not_found(ResourceKind::LoadBalancer, arn))?;
    Ok(attributes::describe(&attributes::load_balancer_defs(lb.kind, lb.scheme), &lb.attributes))
}

fn tg_attrs(snap: &model::Snapshot, region: &str, arn: &str) -> Result<Vec<(String, String)>, ApiError> {
    let r = snap.region(region);
    let tg = r.target_groups.get(arn).ok_or_else(|| not_found(ResourceKind::TargetGroup, arn))?;
    Ok(attributes::describe(&attributes::target_group_defs(tg), &tg.attributes))
}

fn listener_attrs(snap: &model::Snapshot, region: &str, arn: &str) -> Result<Vec<(String, String)>, ApiError> {
    let r = snap.region(region);
    let l = r.listeners.get(arn).ok_or_else(|| not_found(ResourceKind::Listener, arn))?;
    Ok(attributes::describe(&attributes::listener_defs(l.protocol), &l.attributes))
}

pub(crate) fn describe_load_balancer(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let arn = req.params.required("LoadBalancerArn")?;
    write(x, lb_attrs(&api.state.current(), &req.region, arn)?);
    Ok(())
}

pub(crate) async fn modify_load_balancer(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let arn = req.params.required("LoadBalancerArn")?.to_string();
    let attributes = decode_attributes(&req.params)?;
    let snap = submit(api, req, Elbv2Command::ModifyLoadBalancerAttributes { arn: arn.clone(), attributes }).await?;
    write(x, lb_attrs(&snap, &req.region, &arn)?);
    Ok(())
}

pub(crate) fn describe_target_group(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let arn = req.params.required("TargetGroupArn")?;
    write(x, tg_attrs(&api.state.current(), &req.region, arn)?);
    Ok(())
}

pub(crate) async fn modify_target_group(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let arn = req.params.required("TargetGroupArn")?.to_string();
    let attributes = decode_attributes(&req.params)?;
    let snap = submit(api, req, Elbv2Command::ModifyTargetGroupAttributes { arn: arn.clone(), attributes }).await?;
    write(x, tg_attrs(&snap, &req.region, &arn)?);
    Ok(())
}

pub(crate) fn describe_listener(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let arn = req.params.required("ListenerArn")?;
    write(x, listener_attrs(&api.state.current(), &req.region, arn)?);
    Ok(())
}

pub(crate) async fn modify_listener(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let arn = req.params.required("ListenerArn")?.to_string();
    let attributes = decode_attributes(&req.params)?;
    let snap = submit(api, req, Elbv2Command::ModifyListenerAttributes { arn: arn.clone(), attributes }).await?;
    write(x, listener_attrs(&snap, &req.region, &arn)?);
    Ok(())
}
