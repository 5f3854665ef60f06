//! AddTags, RemoveTags, DescribeTags and DescribeAccountLimits (ELB API reference 2012-06-01).

use model::ClassicCommand;

use super::{not_found, submit};
use crate::elbv2::{decode_tags, paginate};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::Xml;
use crate::{Api, Request};

/// `LoadBalancerNames.member.N`: 1 to 20 names.
fn names(p: &Params) -> Result<Vec<String>, ApiError> {
    let n = p.list("LoadBalancerNames")?.ok_or_else(|| p.constraint("LoadBalancerNames", None, "Member must not be null"))?;
    if n.is_empty() {
        return Err(p.constraint("LoadBalancerNames", Some("[]"), "Member must have length greater than or equal to 1"));
    }
    if n.len() > 20 {
        return Err(p.constraint("LoadBalancerNames", None, "Member must have length less than or equal to 20"));
    }
    Ok(n)
}

/// `AddTags`: adds or overwrites; at most 50 tags per load balancer.
pub(crate) async fn add(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let names = names(p)?;
    let tags = decode_tags(p)?;
    if tags.is_empty() {
        return Err(p.constraint("Tags", Some("[]"), "Member must have length greater than or equal to 1"));
    }
    submit(api, req, ClassicCommand::AddTags { names, tags }).await?;
    Ok(())
}

/// `RemoveTags`: `Tags.member.N.Key`.
pub(crate) async fn remove(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let names = names(p)?;
    let keys = p
        .structs("Tags")?
        .ok_or_else(|| p.constraint("Tags", None, "Member must not be null"))?
        .iter()
        .map(|t| Ok(t.required("Key")?.to_string()))
        .collect::<Result<Vec<_>, ApiError>>()?;
    submit(api, req, ClassicCommand::RemoveTags { names, keys }).await?;
    Ok(())
}

/// `DescribeTags`: `TagDescriptions[{LoadBalancerName, Tags}]`.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let names = names(&req.params)?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let mut rows = Vec::new();
    for n in &names {
        let lb = region.classic_load_balancers.get(n).ok_or_else(|| not_found(n))?;
        rows.push((n.clone(), lb.tags.clone()));
    }
    x.list("TagDescriptions", "member", rows, |x, (n, tags)| {
        x.text("LoadBalancerName", n).list("Tags", "member", tags, |x, (k, v)| {
            x.text("Key", k).text("Value", v);
        });
    });
    Ok(())
}

/// `DescribeAccountLimits`: the classic quotas elbow enforces.
pub(crate) fn describe_account_limits(p: &Params, x: &mut Xml) -> Result<(), ApiError> {
    let limits = vec![
        ("classic-load-balancers", model::classic_limits::LOAD_BALANCERS),
        ("classic-listeners", model::classic_limits::LISTENERS),
        ("classic-registered-instances", model::classic_limits::REGISTERED_INSTANCES),
    ];
    let (page, next) = paginate(limits, p)?;
    x.list("Limits", "member", page, |x, (n, m)| {
        x.text("Name", n).text("Max", m.to_string());
    })
    .opt("NextMarker", next);
    Ok(())
}
