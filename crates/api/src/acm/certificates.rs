//! The ACM actions on certificates and their tags.

use model::certificate::AcmCertificate;
use model::command::{RequestCertificate, TagKeyValue};
use model::{AcmCommand, RegionState};
use serde_json::{Value, json};

use super::{Members, blob, certificate_arn, check_arn, constraint, enumeration, render, string, strings, submit, tag_pairs, tags};
use crate::certificates::parse_and_seal;
use crate::error::ApiError;
use crate::service::Service;
use crate::{Api, Request, ids};

/// ACM's key algorithms (`KeyAlgorithm`).
const KEY_ALGORITHMS: &[&str] = &["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"];
/// `CertificateStatus`.
const STATUSES: &[&str] = &["PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"];

fn not_found(arn: &str) -> ApiError {
    ApiError::from_model(model::ModelError::not_found(model::ResourceKind::Certificate, arn), Service::Acm)
}

/// The certificate `arn` of the request's region.
fn find<'a>(region: &'a RegionState, arn: &str) -> Result<&'a AcmCertificate, ApiError> {
    region.acm_certificates.get(arn).ok_or_else(|| not_found(arn))
}

pub(crate) async fn import(api: &Api, req: &Request, m: &Members) -> Result<Value, ApiError> {
    let body = blob(m, "Certificate", 32_768, false)?.ok_or_else(|| constraint("Certificate", None, "Member must not be null"))?;
    let key = blob(m, "PrivateKey", 5_120, true)?.ok_or_else(|| constraint("PrivateKey", None, "Member must not be null"))?;
    let chain = blob(m, "CertificateChain", 2_097_152, false)?;
    let tag_list = tag_pairs(tags(m, "Tags")?);
    let existing = match string(m, "CertificateArn", 20, 2048)? {
        Some(arn) => {
            check_arn(api, &arn)?;
            find(&api.state.current().region(&req.region), &arn)?;
            Some(arn)
        }
        None => None,
    };
    let certificate = parse_and_seal(api, Service::Acm, &body, &key, chain.as_deref())?;
    drop(key);
    let reimport = existing.is_some();
    let arn = existing.unwrap_or_else(|| format!("arn:aws:acm:{}:{}:certificate/{}", req.region, api.config.account_id, ids::uuid_v4()));
    submit(api, req, AcmCommand::ImportCertificate { arn: arn.clone(), reimport, certificate, tags: tag_list, now: state::now_millis() }).await?;
    Ok(json!({ "CertificateArn": arn }))
}

/// True if `d` is a domain name as the model's `DomainNameString` pattern allows: an optional
/// `*.` and then at least two labels of letters, digits and inner hyphens.
fn is_domain_name(d: &str) -> bool {
    let rest = d.strip_prefix("*.").unwrap_or(d);
    let labels: Vec<&str> = rest.split('.').collect();
    (1..=253).contains(&d.len())
        && labels.len() >= 2
        && labels.iter().all(|l| (1..=63).contains(&l.len()) && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

pub(crate) async fn request(api: &Api, req: &Request, m: &Members) -> Result<Value, ApiError> {
    let domain = string(m, "DomainName", 1, 253)?.ok_or_else(|| constraint("DomainName", None, "Member must not be null"))?;
    let sans = strings(m, "SubjectAlternativeNames")?.unwrap_or_default();
    if sans.len() > 100 {
        return Err(constraint("SubjectAlternativeNames", None, "Member must have length less than or equal to 100"));
    }
    for d in std::iter::once(&domain).chain(&sans) {
        if !is_domain_name(d) {
            return Err(ApiError::new("InvalidDomainValidationOptionsException", format!("The domain name '{d}' is not valid: it needs at least two labels of letters, digits and hyphens, optionally after '*.'")));
        }
    }
    let validation_method = enumeration(m, "ValidationMethod", &["EMAIL", "DNS", "HTTP"])?.unwrap_or_else(|| "EMAIL".to_string());
    let key_algorithm = enumeration(m, "KeyAlgorithm", KEY_ALGORITHMS)?.unwrap_or_else(|| "RSA_2048".to_string());
    let token = string(m, "IdempotencyToken", 1, 32)?;
    if let Some(t) = &token
        && !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(constraint("IdempotencyToken", Some(t), "Member must satisfy regular expression pattern: \\w+"));
    }
    if m.get("CertificateAuthorityArn").is_some_and(|v| !v.is_null()) {
        return Err(ApiError::new("InvalidParameterException", "elbow issues certificates from its own local certificate authority; CertificateAuthorityArn (AWS Private CA) is not supported"));
    }
    let tag_list = tag_pairs(tags(m, "Tags")?);
    let mut names = vec![domain.clone()];
    for s in &sans {
        if !names.contains(s) {
            names.push(s.clone());
        }
    }
    let now = state::now_millis();
    if let Some(t) = &token
        && let Some(c) = model::acm_idempotent_request(&api.state.current().region(&req.region), t, &names, now)
    {
        return Ok(json!({ "CertificateArn": c.arn }));
    }
    let issuer = api
        .certificates
        .issuer
        .clone()
        .ok_or_else(|| ApiError::new("InvalidParameterException", "This elbow node has no local certificate authority, so RequestCertificate is not available; import a certificate instead"))?;
    let (d, s, k) = (domain.clone(), names[1..].to_vec(), key_algorithm.clone());
    let issued = tokio::task::spawn_blocking(move || issuer.issue(&d, &s, &k, std::time::SystemTime::now()))
        .await
        .map_err(|_| ApiError::internal("the certificate authority failed"))?
        .map_err(|e| ApiError::new("InvalidParameterException", e))?;
    let certificate = parse_and_seal(api, Service::Acm, &issued.body_pem, &issued.private_key_pem, Some(&issued.chain_pem))?;
    drop(issued);
    let arn = format!("arn:aws:acm:{}:{}:certificate/{}", req.region, api.config.account_id, ids::uuid_v4());
    let snap = submit(
        api,
        req,
        AcmCommand::RequestCertificate(RequestCertificate {
            arn: arn.clone(),
            names: names.clone(),
            key_algorithm,
            validation_method,
            idempotency_token: token.clone(),
            certificate,
            tags: tag_list,
            now,
        }),
    )
    .await?;
    let region = snap.region(&req.region);
    // A concurrent request with the same token may have won; it names the certificate then.
    let arn = match (&token, region.acm_certificates.contains_key(&arn)) {
        (Some(t), false) => model::acm_idempotent_request(&region, t, &names, now).map(|c| c.arn.clone()).unwrap_or(arn),
        _ => arn,
    };
    Ok(json!({ "CertificateArn": arn }))
}

pub(crate) fn describe(api: &Api, req: &Request, m: &Members) -> Result<Value, ApiError> {
    let arn = certificate_arn(api, m)?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let c = find(&region, &arn)?;
    Ok(json!({ "Certificate": render::detail(c, &region, state::now_millis()) }))
}

pub(crate) fn list(api: &Api, req: &Request, m: &Members) -> Result<Value, ApiError> {
    let statuses = strings(m, "CertificateStatuses")?;
    if let Some(bad) = statuses.iter().flatten().find(|s| !STATUSES.contains(&s.as_str())) {
        return Err(constraint("CertificateStatuses", Some(bad), &format!("Member must satisfy enum value set: [{}]", STATUSES.join(", "))));
    }
    let key_types = match m.get("Includes") {
        Some(Value::Object(inc)) => strings(inc, "keyTypes")?,
        _ => None,
    };
    if let Some(bad) = key_types.iter().flatten().find(|s| !KEY_ALGORITHMS.contains(&s.as_str())) {
        return Err(constraint("Includes.keyTypes", Some(bad), &format!("Member must satisfy enum value set: [{}]", KEY_ALGORITHMS.join(", "))));
    }
    let max = match m.get("MaxItems") {
        None | Some(Value::Null) => 1000,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=1000).contains(&n) => n as usize,
            _ => return Err(constraint("MaxItems", Some(&v.to_string()), "Member must have value between 1 and 1000")),
        },
    };
    let descending = enumeration(m, "SortOrder", &["ASCENDING", "DESCENDING"])?.as_deref() == Some("DESCENDING");
    enumeration(m, "SortBy", &["CREATED_AT"])?;
    let now = state::now_millis();
    let snap = api.state.current();
    let region = snap.region(&req.region);
    // Without Includes.keyTypes ACM lists only RSA_1024 and RSA_2048 certificates (model doc).
    let wanted_keys: Vec<String> = key_types.unwrap_or_else(|| vec!["RSA_1024".into(), "RSA_2048".into()]);
    let mut all: Vec<&AcmCertificate> = region
        .acm_certificates
        .values()
        .filter(|c| statuses.as_ref().is_none_or(|s| s.iter().any(|x| x == render::status(c, now))))
        .filter(|c| wanted_keys.contains(&c.certificate.facts.key_algorithm))
        .collect();
    all.sort_by(|a, b| (a.created_at, &a.arn).cmp(&(b.created_at, &b.arn)));
    if descending {
        all.reverse();
    }
    // The token is the index of the next certificate.
    let start = match string(m, "NextToken", 1, 10_000)? {
        Some(t) => t.parse::<usize>().ok().filter(|&n| n <= all.len()).ok_or_else(|| ApiError::new("InvalidArgsException", format!("NextToken '{t}' is not valid")))?,
        None => 0,
    };
    let end = (start + max).min(all.len());
    let page: Vec<Value> = all[start..end].iter().map(|c| render::summary(c, &region, now)).collect();
    let mut out = json!({ "CertificateSummaryList": page });
    if end < all.len() {
        out["NextToken"] = json!(end.to_string());
    }
    Ok(out)
}

pub(crate) fn get(api: &Api, req: &Request, m: &Members) -> Result<Value, ApiError> {
    let arn = certificate_arn(api, m)?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let c = find(&region, &arn)?;
    let mut out = json!({ "Certificate": c.certificate.body_pem });
    if let Some(chain) = &c.certificate.chain_pem {
        out["CertificateChain"] = json!(chain);
    }
    Ok(out)
}

pub(crate) async fn delete(api: &Api, req: &Request, m: &Members) -> Result<Value, ApiError> {
    let arn = certificate_arn(api, m)?;
    submit(api, req, AcmCommand::DeleteCertificate { arn }).await?;
    Ok(json!({}))
}

pub(crate) async fn add_tags(api: &Api, req: &Request, m: &Members) -> Result<Value, ApiError> {
    let arn = certificate_arn(api, m)?;
    let t = tags(m, "Tags")?.ok_or_else(|| constraint("Tags", None, "Member must not be null"))?;
    submit(api, req, AcmCommand::AddTagsToCertificate { arn, tags: tag_pairs(Some(t)) }).await?;
    Ok(json!({}))
}

pub(crate) fn list_tags(api: &Api, req: &Request, m: &Members) -> Result<Value, ApiError> {
    let arn = certificate_arn(api, m)?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    Ok(json!({ "Tags": render::tags(find(&region, &arn)?) }))
}

pub(crate) async fn remove_tags(api: &Api, req: &Request, m: &Members) -> Result<Value, ApiError> {
    let arn = certificate_arn(api, m)?;
    let t = tags(m, "Tags")?.ok_or_else(|| constraint("Tags", None, "Member must not be null"))?;
    let tags = t.into_iter().map(|(key, value)| TagKeyValue { key, value }).collect();
    submit(api, req, AcmCommand::RemoveTagsFromCertificate { arn, tags }).await?;
    Ok(json!({}))
}
