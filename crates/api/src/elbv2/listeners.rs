//! CreateListener, DescribeListeners, ModifyListener, DeleteListener, and the decoding of
//! `Action` lists shared with rules.

use model::command::{CreateListener, ModifyListener};
use model::listener::{FixedResponseConfig, ForwardConfig, RedirectConfig, RedirectStatusCode, TargetGroupStickiness, WeightedTargetGroup};
use model::{Action, ActionType, Elbv2Command, Listener, ModelError, Protocol, ResourceKind};

use super::{decode_tags, paginate, render, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Decodes `<key>.member.N` actions; `None` when absent.
pub(crate) fn decode_actions(p: &Params, key: &str) -> Result<Option<Vec<Action>>, ApiError> {
    let Some(list) = p.structs(key)? else { return Ok(None) };
    list.iter()
        .map(|a| {
            let kind = a.enumeration("Type", ActionType::parse, ActionType::ALL)?.ok_or_else(|| a.constraint("Type", None, "Member must not be null"))?;
            let forward = if a.has("ForwardConfig") {
                let f = a.sub("ForwardConfig");
                let target_groups = f
                    .structs("TargetGroups")?
                    .unwrap_or_default()
                    .iter()
                    .map(|t| Ok(WeightedTargetGroup { target_group_arn: t.required("TargetGroupArn")?.to_string(), weight: t.u32("Weight", 0, 999)? }))
                    .collect::<Result<Vec<_>, ApiError>>()?;
                let stickiness = if f.has("TargetGroupStickinessConfig") {
                    let s = f.sub("TargetGroupStickinessConfig");
                    Some(TargetGroupStickiness { enabled: s.bool("Enabled")?, duration_seconds: s.u32("DurationSeconds", 1, 604_800)? })
                } else {
                    None
                };
                Some(ForwardConfig { target_groups, stickiness })
            } else {
                None
            };
            let redirect = if a.has("RedirectConfig") {
                let r = a.sub("RedirectConfig");
                Some(RedirectConfig {
                    protocol: r.get("Protocol").map(str::to_string),
                    port: r.get("Port").map(str::to_string),
                    host: r.get("Host").map(str::to_string),
                    path: r.get("Path").map(str::to_string),
                    query: r.get("Query").map(str::to_string),
                    status_code: r.enumeration("StatusCode", RedirectStatusCode::parse, RedirectStatusCode::ALL)?.ok_or_else(|| r.constraint("StatusCode", None, "Member must not be null"))?,
                })
            } else {
                None
            };
            let fixed_response = if a.has("FixedResponseConfig") {
                let f = a.sub("FixedResponseConfig");
                Some(FixedResponseConfig {
                    message_body: f.string("MessageBody", 0, 1024)?,
                    status_code: f.required("StatusCode")?.to_string(),
                    content_type: f.string("ContentType", 0, 32)?,
                })
            } else {
                None
            };
            Ok(Action { kind, order: a.u32("Order", 1, 50_000)?, target_group_arn: a.get("TargetGroupArn").map(str::to_string), forward, redirect, fixed_response })
        })
        .collect::<Result<Vec<_>, ApiError>>()
        .map(Some)
}

fn decode_certificates(p: &Params) -> Result<Option<Vec<String>>, ApiError> {
    Ok(match p.structs("Certificates")? {
        None => None,
        Some(list) => Some(list.iter().map(|c| Ok(c.required("CertificateArn")?.to_string())).collect::<Result<Vec<_>, ApiError>>()?),
    })
}

/// `MutualAuthentication` of CreateListener/ModifyListener. elbow terminates TLS without client
/// certificates and keeps no trust stores, so only `Mode` `off` (AWS's default) is accepted;
/// anything else is refused rather than silently ignored (API reference
/// `MutualAuthenticationAttributes`; ALB guide, "Mutual authentication with TLS").
///
/// Errors: `ValidationError` naming `MutualAuthentication.Mode` for a value other than `off`,
/// `passthrough` or `verify`, or for `verify` without `TrustStoreArn`; `TrustStoreNotFound`
/// for `verify` with a trust store (elbow has none); `InvalidConfigurationRequest` for
/// `passthrough`, which elbow does not implement.
fn check_mutual_authentication(p: &Params) -> Result<(), ApiError> {
    if !p.has("MutualAuthentication") {
        return Ok(());
    }
    let m = p.sub("MutualAuthentication");
    m.bool("IgnoreClientCertificateExpiry")?;
    match m.get("Mode").unwrap_or("off") {
        "off" => Ok(()),
        "verify" => match m.get("TrustStoreArn") {
            None => Err(m.constraint("TrustStoreArn", None, "Member must not be null when Mode is 'verify'")),
            Some(arn) => Err(ApiError::new("TrustStoreNotFound", format!("Trust store '{arn}' not found"))),
        },
        "passthrough" => Err(ApiError::new(
            "InvalidConfigurationRequest",
            "Mutual authentication mode 'passthrough' is not supported by elbow; use 'off'",
        )),
        other => Err(m.constraint("Mode", Some(other), "Member must satisfy enum value set: [off, passthrough, verify]")),
    }
}

fn listener_not_found(arn: &str) -> ApiError {
    ApiError::from_model(ModelError::not_found(ResourceKind::Listener, arn), Service::Elbv2)
}

pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let lb_arn = p.required("LoadBalancerArn")?.to_string();
    let default_actions = decode_actions(p, "DefaultActions")?.ok_or_else(|| p.constraint("DefaultActions", None, "Member must not be null"))?;
    let port = p.u32("Port", 1, 65535)?.map(|n| n as u16);
    check_mutual_authentication(p)?;
    let id = ids::hex(16);
    let arn = model::ids::listener_arn(&lb_arn, &id);
    let snap = submit(
        api,
        req,
        Elbv2Command::CreateListener(CreateListener {
            arn,
            id,
            default_rule_id: ids::hex(16),
            load_balancer_arn: lb_arn.clone(),
            protocol: p.enumeration("Protocol", Protocol::parse, Protocol::ALL)?,
            port,
            ssl_policy: p.get("SslPolicy").map(str::to_string),
            certificates: decode_certificates(p)?.unwrap_or_default(),
            default_actions,
            alpn_policy: p.list("AlpnPolicy")?.unwrap_or_default(),
            tags: decode_tags(p)?,
            now: state::now_millis(),
        }),
    )
    .await?;
    let region = snap.region(&req.region);
    let l = region
        .listeners
        .values()
        .find(|l| l.load_balancer_arn == lb_arn && Some(l.port) == port)
        .ok_or_else(|| ApiError::internal("listener vanished after create"))?;
    x.list("Listeners", "member", [l], render::listener);
    Ok(())
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let lb = p.get("LoadBalancerArn");
    let arns = p.list("ListenerArns")?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let mut listeners: Vec<&Listener> = match (lb, &arns) {
        (Some(_), Some(_)) => return Err(ApiError::validation("Specify either LoadBalancerArn or ListenerArns, not both")),
        (None, None) => return Err(ApiError::validation("You must specify either listener ARNs or a load balancer ARN")),
        (Some(lb), None) => {
            if !region.load_balancers.contains_key(lb) {
                return Err(ApiError::from_model(ModelError::not_found(ResourceKind::LoadBalancer, lb), Service::Elbv2));
            }
            region.listeners_of(lb).collect()
        }
        (None, Some(arns)) => {
            if let Some(missing) = arns.iter().find(|a| !region.listeners.contains_key(*a)) {
                return Err(listener_not_found(missing));
            }
            arns.iter().filter_map(|a| region.listeners.get(a)).collect()
        }
    };
    let mut seen = std::collections::HashSet::new();
    listeners.retain(|l| seen.insert(l.arn.clone()));
    let (page, next) = paginate(listeners, p)?;
    x.list("Listeners", "member", page, render::listener).opt("NextMarker", next);
    Ok(())
}

pub(crate) async fn modify(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("ListenerArn")?.to_string();
    check_mutual_authentication(p)?;
    let snap = submit(
        api,
        req,
        Elbv2Command::ModifyListener(ModifyListener {
            arn: arn.clone(),
            port: p.u32("Port", 1, 65535)?.map(|n| n as u16),
            protocol: p.enumeration("Protocol", Protocol::parse, Protocol::ALL)?,
            ssl_policy: p.get("SslPolicy").map(str::to_string),
            certificates: decode_certificates(p)?,
            default_actions: decode_actions(p, "DefaultActions")?,
            alpn_policy: p.list("AlpnPolicy")?,
        }),
    )
    .await?;
    let region = snap.region(&req.region);
    let l = region.listeners.get(&arn).ok_or_else(|| listener_not_found(&arn))?;
    x.list("Listeners", "member", [l], render::listener);
    Ok(())
}

pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let arn = req.params.required("ListenerArn")?.to_string();
    submit(api, req, Elbv2Command::DeleteListener { arn }).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ListStyle;

    fn check(form: &str) -> Result<(), ApiError> {
        check_mutual_authentication(&Params::from_form(form.as_bytes(), ListStyle::Member))
    }

    #[test]
    fn only_mutual_authentication_off_is_accepted() {
        assert!(check("").is_ok());
        assert!(check("MutualAuthentication.Mode=off").is_ok());
        let e = check("MutualAuthentication.Mode=verify&MutualAuthentication.TrustStoreArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Atruststore%2Fts%2F0123456789abcdef").unwrap_err();
        assert_eq!(e.code, "TrustStoreNotFound");
        assert!(e.message.contains("truststore/ts"), "{}", e.message);
        let e = check("MutualAuthentication.Mode=verify").unwrap_err();
        assert_eq!(e.code, "ValidationError");
        assert!(e.message.contains("trustStoreArn"), "{}", e.message);
        assert_eq!(check("MutualAuthentication.Mode=passthrough").unwrap_err().code, "InvalidConfigurationRequest");
        let e = check("MutualAuthentication.Mode=strict").unwrap_err();
        assert_eq!(e.code, "ValidationError");
        assert!(e.message.contains("mode"), "{}", e.message);
    }
}
