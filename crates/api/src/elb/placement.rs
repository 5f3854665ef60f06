//! Where a classic load balancer lives: EnableAvailabilityZonesForLoadBalancer,
//! DisableAvailabilityZonesForLoadBalancer, AttachLoadBalancerToSubnets,
//! DetachLoadBalancerFromSubnets, ApplySecurityGroupsToLoadBalancer (ELB API reference
//! 2012-06-01); each answers the resulting list.

use model::ClassicCommand;

use super::{lb_name, required_list, submit};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request};

/// `EnableAvailabilityZonesForLoadBalancer` → `AvailabilityZones`.
pub(crate) async fn enable_zones(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let snap = submit(api, req, ClassicCommand::EnableAvailabilityZones { name: name.clone(), zones: required_list(p, "AvailabilityZones")? }).await?;
    x.strings("AvailabilityZones", "member", super::find(&snap, req, &name)?.availability_zones);
    Ok(())
}

/// `DisableAvailabilityZonesForLoadBalancer` → `AvailabilityZones`.
pub(crate) async fn disable_zones(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let snap = submit(api, req, ClassicCommand::DisableAvailabilityZones { name: name.clone(), zones: required_list(p, "AvailabilityZones")? }).await?;
    x.strings("AvailabilityZones", "member", super::find(&snap, req, &name)?.availability_zones);
    Ok(())
}

/// `AttachLoadBalancerToSubnets` → `Subnets`.
pub(crate) async fn attach_subnets(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let snap = submit(api, req, ClassicCommand::AttachToSubnets { name: name.clone(), subnets: required_list(p, "Subnets")? }).await?;
    x.strings("Subnets", "member", super::find(&snap, req, &name)?.subnets);
    Ok(())
}

/// `DetachLoadBalancerFromSubnets` → `Subnets`.
pub(crate) async fn detach_subnets(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let snap = submit(api, req, ClassicCommand::DetachFromSubnets { name: name.clone(), subnets: required_list(p, "Subnets")? }).await?;
    x.strings("Subnets", "member", super::find(&snap, req, &name)?.subnets);
    Ok(())
}

/// `ApplySecurityGroupsToLoadBalancer` → `SecurityGroups`.
pub(crate) async fn apply_security_groups(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let snap = submit(api, req, ClassicCommand::ApplySecurityGroups { name: name.clone(), security_groups: required_list(p, "SecurityGroups")? }).await?;
    x.strings("SecurityGroups", "member", super::find(&snap, req, &name)?.security_groups);
    Ok(())
}
