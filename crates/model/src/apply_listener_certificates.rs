//! `AddListenerCertificates` and `RemoveListenerCertificates`: the certificate list (SNI) of an
//! HTTPS or TLS listener, next to its default certificate (ELBv2 API reference of both actions;
//! ALB guide, "SSL certificates", "Certificate list").

use crate::certificate::{self, IamState};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::snapshot::RegionState;
use crate::target_group::Protocol;

/// "Certificates per Application Load Balancer (excluding default certificates)": 25 (ALB
/// guide, "Quotas"; `DescribeAccountLimits` `certificates-per-application-load-balancer`).
pub const CERTIFICATES_PER_LOAD_BALANCER: usize = 25;

/// Certificates in the lists of all listeners of `load_balancer_arn`, not counting a listener's
/// own default certificate.
fn listed_certificates(r: &RegionState, load_balancer_arn: &str) -> usize {
    r.listeners_of(load_balancer_arn).map(|l| l.sni_certificate_arns.iter().filter(|a| l.certificate_arn.as_ref() != Some(*a)).count()).sum()
}

/// Adds certificates to a listener's list; one already listed is not added again.
///
/// Errors: `ListenerNotFound`; `CertificateNotFound` for an ARN naming neither an IAM server
/// certificate nor an ACM certificate of this region; `InvalidConfigurationRequest` for a
/// listener that is not HTTPS or TLS; `TooManyCertificates` beyond 25 per load balancer.
pub(crate) fn add(r: &mut RegionState, iam: &IamState, listener_arn: &str, certificates: &[String]) -> Result<(), ModelError> {
    let l = r.listeners.get(listener_arn).ok_or_else(|| ModelError::not_found(ResourceKind::Listener, listener_arn))?;
    if certificates.is_empty() {
        return Err(ModelError::invalid("Certificates", "At least one certificate must be specified"));
    }
    if !matches!(l.protocol, Protocol::Https | Protocol::Tls) {
        return Err(ModelError::InvalidConfiguration(format!(
            "Certificates can be added only to HTTPS and TLS listeners; listener '{listener_arn}' uses {}",
            l.protocol
        )));
    }
    for c in certificates {
        if certificate::resolve(iam, r, c).is_none() {
            return Err(ModelError::not_found(ResourceKind::Certificate, c));
        }
    }
    let lb = l.load_balancer_arn.clone();
    let mut list = l.sni_certificate_arns.clone();
    let default = l.certificate_arn.clone();
    let mut added = 0;
    for c in certificates {
        if !list.contains(c) {
            list.push(c.clone());
            if default.as_ref() != Some(c) {
                added += 1;
            }
        }
    }
    if listed_certificates(r, &lb) + added > CERTIFICATES_PER_LOAD_BALANCER {
        return Err(ModelError::TooMany {
            quota: Quota::Certificates,
            message: format!("A load balancer can have at most {CERTIFICATES_PER_LOAD_BALANCER} certificates besides its listeners' default certificates"),
        });
    }
    r.listeners.get_mut(listener_arn).unwrap().sni_certificate_arns = list;
    Ok(())
}

/// Removes certificates from a listener's list; one not listed is ignored.
///
/// Errors: `ListenerNotFound`; `OperationNotPermitted` for the listener's default certificate
/// (change it with `ModifyListener`).
pub(crate) fn remove(r: &mut RegionState, listener_arn: &str, certificates: &[String]) -> Result<(), ModelError> {
    let l = r.listeners.get_mut(listener_arn).ok_or_else(|| ModelError::not_found(ResourceKind::Listener, listener_arn))?;
    if certificates.is_empty() {
        return Err(ModelError::invalid("Certificates", "At least one certificate must be specified"));
    }
    if let Some(d) = certificates.iter().find(|c| l.certificate_arn.as_ref() == Some(*c)) {
        return Err(ModelError::NotPermitted(format!("Certificate '{d}' is the default certificate of listener '{listener_arn}' and cannot be removed; use ModifyListener to change it")));
    }
    l.sni_certificate_arns.retain(|a| !certificates.contains(a));
    Ok(())
}

#[cfg(test)]
mod tests;
