//! RegisterInstancesWithLoadBalancer and DeregisterInstancesFromLoadBalancer (ELB API
//! reference 2012-06-01): both answer the instances registered afterwards.

use model::ClassicCommand;

use super::{lb_name, render, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::Xml;
use crate::{Api, Request};

/// `Instances.member.N.InstanceId`, at least one.
fn instance_ids(p: &Params) -> Result<Vec<String>, ApiError> {
    let list = p.structs("Instances")?.ok_or_else(|| p.constraint("Instances", None, "Member must not be null"))?;
    if list.is_empty() {
        return Err(p.constraint("Instances", Some("[]"), "Member must have length greater than or equal to 1"));
    }
    list.iter().map(|i| Ok(i.required("InstanceId")?.to_string())).collect()
}

/// `RegisterInstancesWithLoadBalancer`: unknown or terminated instances are `InvalidInstance`.
pub(crate) async fn register(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let instance_ids = instance_ids(p)?;
    let snap = submit(api, req, ClassicCommand::RegisterInstances { name: name.clone(), instance_ids, now: state::now_millis() }).await?;
    render::instances(x, &super::find(&snap, req, &name)?);
    Ok(())
}

/// `DeregisterInstancesFromLoadBalancer`: with connection draining the instances drain (and no
/// longer appear) until the timeout; unregistered instances are `InvalidInstance`.
pub(crate) async fn deregister(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let instance_ids = instance_ids(p)?;
    let snap = submit(api, req, ClassicCommand::DeregisterInstances { name: name.clone(), instance_ids, now: state::now_millis() }).await?;
    render::instances(x, &super::find(&snap, req, &name)?);
    Ok(())
}
