//! IAM server-certificate commands (IAM API reference: `UploadServerCertificate`,
//! `UpdateServerCertificate`, `DeleteServerCertificate`). IAM is account-wide: a server
//! certificate may be used by listeners of every region, so deleting or renaming one checks
//! them all.

use crate::certificate::{ServerCertificate, is_valid_iam_path, is_valid_server_certificate_name, server_certificate_arn};
use crate::command::{IamCommand, UploadServerCertificate};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::ids::Arn;
use crate::snapshot::Snapshot;
use crate::tags;

/// "Server certificates stored in an AWS account": 20 (IAM User Guide, "IAM and AWS STS
/// quotas").
pub const SERVER_CERTIFICATES_PER_ACCOUNT: usize = 20;

pub(crate) fn apply(s: &mut Snapshot, op: &IamCommand) -> Result<(), ModelError> {
    match op {
        IamCommand::UploadServerCertificate(c) => upload(s, c),
        IamCommand::UpdateServerCertificate { name, new_name, new_path } => update(s, name, new_name.as_deref(), new_path.as_deref()),
        IamCommand::DeleteServerCertificate { name } => delete(s, name),
    }
}

fn not_found(name: &str) -> ModelError {
    ModelError::not_found(ResourceKind::Certificate, name)
}

fn already_exists(name: &str) -> ModelError {
    ModelError::Duplicate { kind: ResourceKind::Certificate, message: format!("The Server Certificate with name {name} already exists.") }
}

fn check_name_and_path(name: &str, path: &str) -> Result<(), ModelError> {
    if !is_valid_server_certificate_name(name) {
        return Err(ModelError::invalid("ServerCertificateName", format!("The specified value for serverCertificateName '{name}' is invalid. It must be 1 to 128 characters of letters, digits and _+=,.@-")));
    }
    if !is_valid_iam_path(path) {
        return Err(ModelError::invalid("Path", format!("The specified value for path '{path}' is invalid. It must begin and end with / and contain only printable ASCII characters")));
    }
    Ok(())
}

/// The listeners (of any region) that use `arn`: ELBv2 listener ARNs, and classic listeners
/// as `<load-balancer-arn> listener <port>`.
fn listeners_using(s: &Snapshot, arn: &str) -> Vec<String> {
    s.regions
        .values()
        .flat_map(|r| {
            let classic = r.classic_load_balancers.values().flat_map(|lb| {
                lb.listeners.iter().filter(|l| l.ssl_certificate_id.as_deref() == Some(arn)).map(|l| format!("{} listener {}", lb.arn, l.load_balancer_port))
            });
            r.listeners_using_certificate(arn).map(|l| l.arn.clone()).chain(classic).collect::<Vec<_>>()
        })
        .collect()
}

/// The load balancers (of any region) with a listener using `arn`.
fn load_balancers_using(s: &Snapshot, arn: &str) -> Vec<String> {
    let mut v: Vec<String> = s.regions.values().flat_map(|r| r.load_balancers_using_certificate(arn)).collect();
    v.dedup();
    v
}

fn upload(s: &mut Snapshot, c: &UploadServerCertificate) -> Result<(), ModelError> {
    check_name_and_path(&c.name, &c.path)?;
    if s.iam.server_certificate(&c.name).is_some() {
        return Err(already_exists(&c.name));
    }
    if s.iam.server_certificates.len() >= SERVER_CERTIFICATES_PER_ACCOUNT {
        return Err(ModelError::TooMany {
            quota: Quota::ServerCertificates,
            message: format!("Cannot exceed quota for ServerCertificatesPerAccount: {SERVER_CERTIFICATES_PER_ACCOUNT}"),
        });
    }
    let cert = ServerCertificate {
        name: c.name.clone(),
        id: c.id.clone(),
        path: c.path.clone(),
        arn: c.arn.clone(),
        upload_date: c.now,
        certificate: c.certificate.clone(),
        tags: tags::initial(&c.tags, &c.arn)?,
    };
    s.iam.server_certificates.insert(cert.name.clone(), cert);
    Ok(())
}

/// Renames and/or moves a certificate; its ARN changes with either.
///
/// elbow refuses (`DeleteConflict`) to change the ARN of a certificate that listeners use:
/// they name it by ARN, and rewriting their configuration behind the user's back, or leaving
/// them pointing at an ARN that no longer exists, would both surprise. Move the listeners to
/// the new ARN's certificate first, or rename before use.
fn update(s: &mut Snapshot, name: &str, new_name: Option<&str>, new_path: Option<&str>) -> Result<(), ModelError> {
    let current = s.iam.server_certificate(name).ok_or_else(|| not_found(name))?.clone();
    let target_name = new_name.unwrap_or(&current.name).to_string();
    let target_path = new_path.unwrap_or(&current.path).to_string();
    check_name_and_path(&target_name, &target_path)?;
    if let Some(other) = s.iam.server_certificate(&target_name)
        && other.name != current.name
    {
        return Err(already_exists(&target_name));
    }
    let account = Arn::parse(&current.arn).map(|a| a.account.to_string()).unwrap_or_default();
    let arn = server_certificate_arn(&account, &target_path, &target_name);
    if arn == current.arn && target_name == current.name {
        return Ok(());
    }
    let users = listeners_using(s, &current.arn);
    if arn != current.arn && !users.is_empty() {
        return Err(ModelError::InUse {
            kind: ResourceKind::Certificate,
            message: format!(
                "Certificate: {} is currently in use by {}. elbow does not change the ARN of a certificate in use; move the listeners to another certificate first.",
                current.id,
                users.join(", ")
            ),
        });
    }
    let mut updated = current.clone();
    updated.name = target_name.clone();
    updated.path = target_path;
    updated.arn = arn;
    s.iam.server_certificates.remove(&current.name);
    s.iam.server_certificates.insert(target_name, updated);
    Ok(())
}

fn delete(s: &mut Snapshot, name: &str) -> Result<(), ModelError> {
    let c = s.iam.server_certificate(name).ok_or_else(|| not_found(name))?;
    let users = load_balancers_using(s, &c.arn);
    if !users.is_empty() {
        return Err(ModelError::InUse {
            kind: ResourceKind::Certificate,
            message: format!("Certificate: {} is currently in use by {}. Please remove it first before deleting it from IAM.", c.id, users.join(", ")),
        });
    }
    let key = c.name.clone();
    s.iam.server_certificates.remove(&key);
    Ok(())
}

#[cfg(test)]
mod tests;
