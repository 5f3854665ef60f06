//! ACM commands applied to one region (ACM API reference: `ImportCertificate`,
//! `RequestCertificate`, `DeleteCertificate`, `AddTagsToCertificate`,
//! `RemoveTagsFromCertificate`; ACM User Guide, "Reimport a certificate").

use crate::certificate::{AcmCertificate, AcmCertificateType, StoredCertificate};
use crate::command::{ACM_IDEMPOTENCY_WINDOW_MS, AcmCommand, RequestCertificate, TagKeyValue};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::ids::Millis;
use crate::snapshot::RegionState;
use crate::tags;

/// ACM's default quota of certificates per region ("ACM certificates": 2,500; ACM User Guide,
/// "Quotas").
pub const CERTIFICATES_PER_REGION: usize = 2500;

pub(crate) fn apply(r: &mut RegionState, op: &AcmCommand) -> Result<(), ModelError> {
    match op {
        AcmCommand::ImportCertificate { arn, reimport: false, certificate, tags, now } => import(r, arn, certificate, tags, *now),
        AcmCommand::ImportCertificate { arn, reimport: true, certificate, tags, now } => reimport(r, arn, certificate, tags, *now),
        AcmCommand::RequestCertificate(c) => request(r, c),
        AcmCommand::RenewCertificate { arn, expected_serial, certificate, now } => {
            let c = r.acm_certificates.get_mut(arn).ok_or_else(|| not_found(arn))?;
            if c.kind != AcmCertificateType::AmazonIssued {
                return Err(ModelError::invalid("CertificateArn", format!("Certificate {arn} is of type {} and is not renewed by ACM", c.kind.as_str())));
            }
            if c.certificate.facts.serial == *expected_serial {
                c.certificate = certificate.clone();
                c.imported_or_issued_at = *now;
            }
            Ok(())
        }
        AcmCommand::DeleteCertificate { arn } => {
            get(r, arn)?;
            let users = r.load_balancers_using_certificate(arn);
            if !users.is_empty() {
                return Err(ModelError::InUse { kind: ResourceKind::Certificate, message: format!("Certificate {arn} in account is in use by {}", users.join(", ")) });
            }
            r.acm_certificates.remove(arn);
            Ok(())
        }
        AcmCommand::AddTagsToCertificate { arn, tags: new } => {
            let c = r.acm_certificates.get_mut(arn).ok_or_else(|| not_found(arn))?;
            tags::merge(&mut c.tags, new, arn)
        }
        AcmCommand::RemoveTagsFromCertificate { arn, tags } => remove_tags(r, arn, tags),
    }
}

fn not_found(arn: &str) -> ModelError {
    ModelError::not_found(ResourceKind::Certificate, arn)
}

fn get<'a>(r: &'a RegionState, arn: &str) -> Result<&'a AcmCertificate, ModelError> {
    r.acm_certificates.get(arn).ok_or_else(|| not_found(arn))
}

fn check_quota(r: &RegionState) -> Result<(), ModelError> {
    if r.acm_certificates.len() >= CERTIFICATES_PER_REGION {
        return Err(ModelError::TooMany {
            quota: Quota::AcmCertificates,
            message: format!("Error: you have reached your limit of {CERTIFICATES_PER_REGION} certificates in the last year."),
        });
    }
    Ok(())
}

fn import(r: &mut RegionState, arn: &str, certificate: &StoredCertificate, tags: &[(String, String)], now: Millis) -> Result<(), ModelError> {
    if r.acm_certificates.contains_key(arn) {
        return Err(ModelError::Duplicate { kind: ResourceKind::Certificate, message: format!("Certificate {arn} already exists") });
    }
    check_quota(r)?;
    let c = AcmCertificate {
        arn: arn.to_string(),
        kind: AcmCertificateType::Imported,
        created_at: now,
        imported_or_issued_at: now,
        requested_names: Vec::new(),
        requested_key_algorithm: None,
        validation_method: None,
        idempotency_token: None,
        certificate: certificate.clone(),
        tags: tags::initial(tags, arn)?,
    };
    r.acm_certificates.insert(c.arn.clone(), c);
    Ok(())
}

/// New material for an imported certificate, keeping its ARN, creation time, tags and the
/// listeners that use it. As ACM: tags cannot be given, the key type and size cannot change,
/// and only imported certificates can be re-imported.
fn reimport(r: &mut RegionState, arn: &str, certificate: &StoredCertificate, tags: &[(String, String)], now: Millis) -> Result<(), ModelError> {
    let c = get(r, arn)?;
    if c.kind != AcmCertificateType::Imported {
        return Err(ModelError::invalid("CertificateArn", format!("Certificate {arn} is of type {} and cannot be re-imported; only imported certificates can", c.kind.as_str())));
    }
    if !tags.is_empty() {
        return Err(ModelError::invalid("Tags", "Tags cannot be applied when re-importing a certificate"));
    }
    let (was, is) = (&c.certificate.facts.key_algorithm, &certificate.facts.key_algorithm);
    if was != is {
        return Err(ModelError::invalid("PrivateKey", format!("The key algorithm of a re-imported certificate must not change: {arn} has {was}, the new certificate {is}")));
    }
    let c = r.acm_certificates.get_mut(arn).unwrap();
    c.certificate = certificate.clone();
    c.imported_or_issued_at = now;
    Ok(())
}

fn request(r: &mut RegionState, c: &RequestCertificate) -> Result<(), ModelError> {
    if let Some(token) = &c.idempotency_token
        && idempotent_request(r, token, &c.names, c.now).is_some()
    {
        return Ok(());
    }
    if r.acm_certificates.contains_key(&c.arn) {
        return Err(ModelError::Duplicate { kind: ResourceKind::Certificate, message: format!("Certificate {} already exists", c.arn) });
    }
    if c.names.is_empty() {
        return Err(ModelError::invalid("DomainName", "A domain name must be specified"));
    }
    check_quota(r)?;
    let cert = AcmCertificate {
        arn: c.arn.clone(),
        kind: AcmCertificateType::AmazonIssued,
        created_at: c.now,
        imported_or_issued_at: c.now,
        requested_names: c.names.clone(),
        requested_key_algorithm: Some(c.key_algorithm.clone()),
        validation_method: Some(c.validation_method.clone()),
        idempotency_token: c.idempotency_token.clone(),
        certificate: c.certificate.clone(),
        tags: tags::initial(&c.tags, &c.arn)?,
    };
    r.acm_certificates.insert(cert.arn.clone(), cert);
    Ok(())
}

/// The certificate a repeated `RequestCertificate` (same idempotency token and names within
/// the hour) returns, if any.
pub fn idempotent_request<'a>(r: &'a RegionState, token: &str, names: &[String], now: Millis) -> Option<&'a AcmCertificate> {
    r.acm_certificates.values().find(|x| {
        x.kind == AcmCertificateType::AmazonIssued && x.idempotency_token.as_deref() == Some(token) && x.requested_names == names && now.saturating_sub(x.created_at) < ACM_IDEMPOTENCY_WINDOW_MS
    })
}

fn remove_tags(r: &mut RegionState, arn: &str, tags: &[TagKeyValue]) -> Result<(), ModelError> {
    let c = r.acm_certificates.get_mut(arn).ok_or_else(|| not_found(arn))?;
    for t in tags {
        let matches = match (&t.value, c.tags.get(&t.key)) {
            (None, Some(_)) => true,
            (Some(v), Some(have)) => v == have,
            _ => false,
        };
        if matches {
            c.tags.remove(&t.key);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
