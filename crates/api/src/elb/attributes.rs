//! ModifyLoadBalancerAttributes and DescribeLoadBalancerAttributes (ELB API reference
//! 2012-06-01, `LoadBalancerAttributes` data type).

use model::ClassicCommand;
use model::classic::ClassicAccessLog;
use model::classic_command::ClassicAttributesInput;

use super::{lb_name, render, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::Xml;
use crate::{Api, Request};

fn required_bool(p: &Params, key: &str) -> Result<bool, ApiError> {
    p.bool(key)?.ok_or_else(|| p.constraint(key, None, "Member must not be null"))
}

/// `LoadBalancerAttributes.*`: each present structure needs its `Enabled` (or `IdleTimeout`).
fn decode(p: &Params) -> Result<ClassicAttributesInput, ApiError> {
    if !p.has("LoadBalancerAttributes") {
        return Err(p.constraint("LoadBalancerAttributes", None, "Member must not be null"));
    }
    let a = p.sub("LoadBalancerAttributes");
    let mut out = ClassicAttributesInput::default();
    if a.has("CrossZoneLoadBalancing") {
        out.cross_zone = Some(required_bool(&a.sub("CrossZoneLoadBalancing"), "Enabled")?);
    }
    if a.has("ConnectionDraining") {
        let d = a.sub("ConnectionDraining");
        out.connection_draining = Some(required_bool(&d, "Enabled")?);
        out.connection_draining_timeout = d.u32("Timeout", 0, u32::MAX)?;
    }
    if a.has("ConnectionSettings") {
        let c = a.sub("ConnectionSettings");
        out.idle_timeout = Some(c.u32("IdleTimeout", 0, u32::MAX)?.ok_or_else(|| c.constraint("IdleTimeout", None, "Member must not be null"))?);
    }
    if a.has("AccessLog") {
        let l = a.sub("AccessLog");
        out.access_log = Some(ClassicAccessLog {
            enabled: required_bool(&l, "Enabled")?,
            s3_bucket_name: l.get("S3BucketName").filter(|s| !s.is_empty()).map(str::to_string),
            emit_interval: l.u32("EmitInterval", 0, u32::MAX)?,
            s3_bucket_prefix: l.get("S3BucketPrefix").filter(|s| !s.is_empty()).map(str::to_string),
        });
    }
    for e in a.structs("AdditionalAttributes")?.unwrap_or_default() {
        let key = e.string("Key", 1, 256)?.ok_or_else(|| e.constraint("Key", None, "Member must not be null"))?;
        out.additional.push((key, e.get("Value").unwrap_or("").to_string()));
    }
    Ok(out)
}

/// `ModifyLoadBalancerAttributes`: echoes `LoadBalancerName` and the attribute groups set.
pub(crate) async fn modify(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let input = decode(p)?;
    let snap = submit(api, req, ClassicCommand::ModifyAttributes { name: name.clone(), attributes: input.clone() }).await?;
    let a = super::find(&snap, req, &name)?.attributes;
    x.text("LoadBalancerName", &name).elem("LoadBalancerAttributes", |x| {
        if input.cross_zone.is_some() {
            x.elem("CrossZoneLoadBalancing", |x| {
                x.text("Enabled", a.cross_zone.to_string());
            });
        }
        if input.access_log.is_some() {
            render::access_log(x, &a);
        }
        if input.connection_draining.is_some() {
            render::connection_draining(x, &a);
        }
        if input.idle_timeout.is_some() {
            render::connection_settings(x, &a);
        }
        if !input.additional.is_empty() {
            x.list("AdditionalAttributes", "member", &input.additional, |x, (k, _)| {
                x.text("Key", k).text("Value", a.additional.get(k).map(String::as_str).unwrap_or(""));
            });
        }
    });
    Ok(())
}

/// `DescribeLoadBalancerAttributes`.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let name = lb_name(&req.params)?;
    let lb = super::find(&api.state.current(), req, &name)?;
    x.elem("LoadBalancerAttributes", |x| render::attributes(x, &lb.attributes));
    Ok(())
}
