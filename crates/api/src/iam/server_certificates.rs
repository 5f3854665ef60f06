//! The five server-certificate actions.

use model::IamCommand;
use model::certificate::{ServerCertificate, server_certificate_arn};
use model::command::UploadServerCertificate;

use super::{metadata, name, path, submit, tags};
use crate::certificates::parse_and_seal;
use crate::error::ApiError;
use crate::params::Params;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// A PEM member with the model's length limits. A `sensitive` member (the private key) is
/// never quoted back.
fn pem<'a>(p: &'a Params, key: &str, max: usize, sensitive: bool) -> Result<Option<&'a str>, ApiError> {
    let Some(v) = p.get(key) else { return Ok(None) };
    let n = v.chars().count();
    if n == 0 || n > max {
        let constraint = if n == 0 { "Member must have length greater than or equal to 1".to_string() } else { format!("Member must have length less than or equal to {max}") };
        return Err(if sensitive { p.constraint(key, Some("***"), &constraint) } else { p.constraint(key, Some(&format!("<{n} characters>")), &constraint) });
    }
    Ok(Some(v))
}

/// `Tags.member.N.Key/Value` (both required in IAM), at most 50.
fn decode_tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    let Some(list) = p.structs("Tags")? else { return Ok(Vec::new()) };
    if list.len() > model::tags::MAX_TAGS {
        return Err(p.constraint("Tags", Some(&format!("<{} tags>", list.len())), "Member must have length less than or equal to 50"));
    }
    list.iter().map(|t| Ok((t.required("Key")?.to_string(), t.required("Value")?.to_string()))).collect()
}

fn no_such_entity(name: &str) -> ApiError {
    ApiError::from_model(model::ModelError::not_found(model::ResourceKind::Certificate, name), Service::Iam)
}

pub(crate) async fn upload(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = name(p, "ServerCertificateName", false)?.unwrap_or_default();
    let path = path(p, "Path")?.unwrap_or_else(|| "/".to_string());
    let body = pem(p, "CertificateBody", 16_384, false)?.ok_or_else(|| p.constraint("CertificateBody", None, "Member must not be null"))?;
    let key = pem(p, "PrivateKey", 16_384, true)?.ok_or_else(|| p.constraint("PrivateKey", None, "Member must not be null"))?;
    let chain = pem(p, "CertificateChain", 2_097_152, false)?;
    let tag_list = decode_tags(p)?;
    if api.state.current().iam.server_certificate(&name).is_some() {
        return Err(ApiError::from_model(
            model::ModelError::Duplicate { kind: model::ResourceKind::Certificate, message: format!("The Server Certificate with name {name} already exists.") },
            Service::Iam,
        ));
    }
    let certificate = parse_and_seal(api, Service::Iam, body, key, chain)?;
    let arn = server_certificate_arn(&api.config.account_id, &path, &name);
    let snap = submit(
        api,
        IamCommand::UploadServerCertificate(Box::new(UploadServerCertificate {
            name: name.clone(),
            id: format!("ASCA{}", ids::upper_alnum(17)),
            path,
            arn,
            certificate,
            tags: tag_list,
            now: state::now_millis(),
        })),
    )
    .await?;
    let c = snap.iam.server_certificate(&name).ok_or_else(|| ApiError::internal("server certificate vanished after upload"))?;
    x.elem("ServerCertificateMetadata", |x| metadata(x, c));
    tags(x, &c.tags);
    Ok(())
}

pub(crate) fn get(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let name = name(&req.params, "ServerCertificateName", false)?.unwrap_or_default();
    let snap = api.state.current();
    let c = snap.iam.server_certificate(&name).ok_or_else(|| no_such_entity(&name))?;
    x.elem("ServerCertificate", |x| {
        x.elem("ServerCertificateMetadata", |x| metadata(x, c)).text("CertificateBody", &c.certificate.body_pem).opt("CertificateChain", c.certificate.chain_pem.as_deref());
        tags(x, &c.tags);
    });
    Ok(())
}

pub(crate) fn list(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let prefix = p.string("PathPrefix", 1, 512)?.unwrap_or_else(|| "/".to_string());
    if !prefix.starts_with('/') {
        return Err(p.constraint("PathPrefix", Some(&prefix), "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*"));
    }
    let max = p.u32("MaxItems", 1, 1000)?.unwrap_or(100) as usize;
    let marker = p.string("Marker", 1, 320)?;
    let snap = api.state.current();
    let mut all: Vec<&ServerCertificate> = snap.iam.server_certificates.values().filter(|c| c.path.starts_with(&prefix)).collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    // The marker is the name of the first certificate of the next page.
    let start = match &marker {
        Some(m) => all.iter().position(|c| c.name.as_str() >= m.as_str()).unwrap_or(all.len()),
        None => 0,
    };
    let page: Vec<&ServerCertificate> = all[start..].iter().take(max).copied().collect();
    let next = all.get(start + page.len()).map(|c| c.name.clone());
    x.list("ServerCertificateMetadataList", "member", page, metadata).text("IsTruncated", if next.is_some() { "true" } else { "false" }).opt("Marker", next);
    Ok(())
}

pub(crate) async fn update(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let name = name(p, "ServerCertificateName", false)?.unwrap_or_default();
    let new_name = super::name(p, "NewServerCertificateName", true)?;
    let new_path = path(p, "NewPath")?;
    submit(api, IamCommand::UpdateServerCertificate { name, new_name, new_path }).await?;
    Ok(())
}

pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let name = name(&req.params, "ServerCertificateName", false)?.unwrap_or_default();
    submit(api, IamCommand::DeleteServerCertificate { name }).await?;
    Ok(())
}
