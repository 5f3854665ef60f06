//! # api — AWS's wire protocols on one endpoint
//!
//! Control plane. Decodes requests as AWS clients send them (query/XML for ELBv2, classic ELB,
//! Auto Scaling, IAM and CloudFormation; EC2's own query dialect; JSON 1.1 for ACM), turns each
//! mutating action into a [`model::Command`] for [`state::State::submit`], and renders results
//! and errors exactly as the AWS service models describe, so the real `aws` CLI, boto3 and the
//! AWS SDKs work against elbow with `--endpoint-url`.
//!
//! Depends on `model`, `state` and `store`, and on `tls` for its pure certificate functions
//! (parsing and validating PEM, sealing private keys, issuing from the local certificate
//! authority); never on the rest of the data plane. Target health arrives as the shared
//! [`model::HealthTable`].

#![forbid(unsafe_code)]

mod acm;
mod autoscaling;
mod certificates;
mod ec2;
mod elb;
mod elbv2;
pub mod error;
mod extensions;
mod iam;
mod ids;
pub mod params;
mod server;
pub mod service;
pub mod sigv4;
#[cfg(test)]
mod test_support;
pub mod xml;

use std::sync::Arc;

use model::HealthTable;
use state::State;

pub use error::ApiError;
pub use server::serve;
pub use service::Service;

/// Settings of the API that are not state.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The 12-digit account id in every ARN (default `123456789012`).
    pub account_id: String,
    /// Region used when a request carries no SigV4 credential scope.
    pub default_region: String,
    /// DNS suffix of load balancer names: `<name>-<digits>.<region>.<suffix>`
    /// (default `elb.localhost`, which resolves to loopback).
    pub dns_suffix: String,
    /// Where the instance supervisor writes `<id>/console.log` (EC2 `GetConsoleOutput`);
    /// `None` answers with empty output.
    pub console_dir: Option<std::path::PathBuf>,
    /// Where `CreateImage` keeps images' disks (`<images_dir>/<ami-id>/`, a copy of the
    /// instance's directory under `console_dir`); `None` refuses `CreateImage`.
    pub images_dir: Option<std::path::PathBuf>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig { account_id: "123456789012".into(), default_region: "us-east-1".into(), dns_suffix: "elb.localhost".into(), console_dir: None, images_dir: None }
    }
}

/// A certificate issued for ACM `RequestCertificate`, PEM.
pub struct IssuedMaterial {
    /// The leaf.
    pub body_pem: String,
    /// The issuing chain, leaf's issuer first.
    pub chain_pem: String,
    /// The private key (sealed by the api before it is stored).
    pub private_key_pem: String,
}

/// The node's certificate authority for ACM `RequestCertificate` (`AMAZON_ISSUED` certificates
/// are issued at once by it instead of after domain validation).
pub trait CertificateIssuer: Send + Sync {
    /// Issues a certificate for `domain` (and `sans`) with a new key of ACM `key_algorithm`
    /// (`RSA_2048`, `EC_prime256v1`, …). The error is a message for the client.
    fn issue(&self, domain: &str, sans: &[String], key_algorithm: &str, now: std::time::SystemTime) -> Result<IssuedMaterial, String>;
}

impl CertificateIssuer for tls::local_ca::LocalCa {
    fn issue(&self, domain: &str, sans: &[String], key_algorithm: &str, now: std::time::SystemTime) -> Result<IssuedMaterial, String> {
        let c = tls::local_ca::LocalCa::issue(self, domain, sans, key_algorithm, now).map_err(|e| e.to_string())?;
        Ok(IssuedMaterial { body_pem: c.body_pem, chain_pem: c.chain_pem, private_key_pem: c.private_key_pem })
    }
}

/// What the certificate APIs (IAM server certificates, ACM) need besides the state.
pub struct CertificateServices {
    /// Seals private keys before they enter a command; built by the binary from
    /// `<data-dir>/certificate.key`, so sealed keys open again after a restart.
    pub sealer: Arc<tls::sealing::KeySealer>,
    /// Issues `RequestCertificate` certificates; `None` refuses that action.
    pub issuer: Option<Arc<dyn CertificateIssuer>>,
}

impl CertificateServices {
    /// A sealer with a random key that lives as long as the process, and no issuer: for
    /// tests. Keys sealed by it cannot be opened by another process.
    pub fn ephemeral() -> CertificateServices {
        CertificateServices { sealer: Arc::new(tls::sealing::KeySealer::from_key(rand::random())), issuer: None }
    }
}

/// Everything a request handler needs.
pub struct Api {
    state: State,
    health: Arc<HealthTable>,
    config: ApiConfig,
    certificates: CertificateServices,
}

impl Api {
    /// The API over `state`, reading target health from `health`, with
    /// [`CertificateServices::ephemeral`] (tests; the binary uses [`Api::with_certificates`]).
    pub fn new(state: State, health: Arc<HealthTable>, config: ApiConfig) -> Arc<Api> {
        Api::with_certificates(state, health, config, CertificateServices::ephemeral())
    }

    /// The API with the node's key sealer and certificate authority.
    pub fn with_certificates(state: State, health: Arc<HealthTable>, config: ApiConfig, certificates: CertificateServices) -> Arc<Api> {
        Arc::new(Api { state, health, config, certificates })
    }
}

/// One decoded AWS request.
#[derive(Debug)]
pub struct Request {
    /// The service addressed.
    pub service: Service,
    /// `Action` (query) or the operation of `X-Amz-Target` (JSON).
    pub action: String,
    /// Decoded parameters (query and EC2 protocols).
    pub params: params::Params,
    /// JSON body (JSON protocol).
    pub json: Option<bytes::Bytes>,
    /// Region from the SigV4 scope, or the default.
    pub region: String,
    /// The id echoed in the response and logs.
    pub request_id: String,
}
