//! What IAM `UploadServerCertificate` and ACM `ImportCertificate`/`RequestCertificate` share:
//! PEM is parsed and validated by `tls::certificate::parse_certificate`, and the private key is
//! sealed by the node's `KeySealer` before anything is submitted, so commands, snapshots and the
//! store hold only the sealed key and the facts. Nothing here logs or echoes a key.

use model::certificate::StoredCertificate;
use tls::certificate::CertificateError;

use crate::Api;
use crate::error::ApiError;
use crate::service::Service;

/// Parses `body` (one certificate), `key` and the optional `chain`, checks them as IAM and ACM
/// do (key matches, chain in order, valid now), and returns them with the key sealed.
///
/// Errors: IAM `MalformedCertificate` / `KeyPairMismatch`, ACM `ValidationException`, each
/// naming the problem but never quoting the key.
pub(crate) fn parse_and_seal(api: &Api, service: Service, body: &str, key: &str, chain: Option<&str>) -> Result<StoredCertificate, ApiError> {
    let parsed = tls::certificate::parse_certificate(body, Some(key), chain, std::time::SystemTime::now()).map_err(|e| certificate_error(service, e))?;
    // IAM stores X.509 version 1 certificates (what `openssl x509 -req -signkey` makes, as the
    // tutorials type it); ACM's import requires version 3 ("Prerequisites for importing").
    if service == Service::Acm && parsed.x509_version != 3 {
        return Err(ApiError::new("ValidationException", format!("The certificate must be an X.509 version 3 certificate; this one is version {}.", parsed.x509_version)));
    }
    let Some(private_key_pem) = parsed.private_key_pem else {
        return Err(ApiError::internal("the certificate parser returned no private key"));
    };
    let sealed_private_key = api.certificates.sealer.seal(private_key_pem.as_bytes());
    drop(private_key_pem);
    Ok(StoredCertificate { body_pem: parsed.body_pem, chain_pem: parsed.chain_pem, sealed_private_key, facts: parsed.facts })
}

/// The error a refused certificate gets from `service`.
pub(crate) fn certificate_error(service: Service, e: CertificateError) -> ApiError {
    let message = e.to_string();
    match service {
        Service::Iam => match e {
            CertificateError::KeyPairMismatch(_) => ApiError::new("KeyPairMismatch", message),
            _ => ApiError::new("MalformedCertificate", message),
        },
        _ => ApiError::new("ValidationException", message),
    }
}
