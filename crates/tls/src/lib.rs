//! # tls — TLS for the data plane
//!
//! Data plane. It holds:
//!
//! - the client side used towards targets (this file). Like ALB, elbow does not verify target
//!   certificates ("the load balancer does not validate the certificates of targets", ALB
//!   guide, "HTTPS to targets"), so targets with self-signed certificates work;
//! - [`certificate`]: server certificates — parsing and validation as IAM
//!   `UploadServerCertificate` and ACM `ImportCertificate` do ([`certificate::parse_certificate`],
//!   which also reads the facts `GetServerCertificate` / `DescribeCertificate` report), and the
//!   [`rustls::sign::CertifiedKey`] an HTTPS listener serves ([`certificate::certified_key`]);
//! - [`listener_config`]: the server side of HTTPS listeners (SNI certificate selection,
//!   security policies, ALPN);
//! - [`sealing`]: AES-256-GCM sealing of private keys at rest under a node key kept outside the
//!   store ([`sealing::KeySealer`]);
//! - [`local_ca`]: elbow's local certificate authority, which issues the certificates of ACM
//!   `RequestCertificate` ([`local_ca::LocalCa`]);
//! - [`self_signed`]: self-signed certificates for `elbow certificate self-signed`.
//!
//! Cryptography is aws-lc-rs throughout ([`provider`]). Nothing here logs key material.
//!
//! Depends on `model` at most; never on the control plane.

#![forbid(unsafe_code)]

pub mod certificate;
pub mod listener_config;
pub mod local_ca;
pub mod sealing;
pub mod self_signed;

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// Accepts any server certificate, but still checks handshake signatures with the presented key
/// so the session is bound to it.
#[derive(Debug)]
struct AcceptAnyTargetCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyTargetCertificate {
    fn verify_server_cert(&self, _: &CertificateDer<'_>, _: &[CertificateDer<'_>], _: &ServerName<'_>, _: &[u8], _: UnixTime) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The crypto provider elbow uses everywhere (aws-lc-rs).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Client configuration for connections to targets: TLS 1.2 and 1.3, no certificate
/// verification, the given ALPN protocols (e.g. `[b"h2"]` for HTTP/2 targets; empty for
/// HTTP/1.1).
pub fn target_client_config(alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let provider = provider();
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .expect("aws-lc-rs supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyTargetCertificate(provider)))
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(cfg)
}

/// A fresh directory under the system temp dir, for tests that write key files.
#[cfg(test)]
pub(crate) fn test_temp_dir(name: &str) -> std::path::PathBuf {
    let mut suffix = [0u8; 8];
    aws_lc_rs::rand::fill(&mut suffix).unwrap();
    let dir = std::env::temp_dir().join(format!("elbow-tls-{name}-{}", suffix.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
