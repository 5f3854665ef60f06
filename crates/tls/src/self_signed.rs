//! Self-signed certificates for `elbow certificate self-signed`: a quick certificate and key to
//! upload with `aws iam upload-server-certificate` or `aws acm import-certificate` when testing
//! HTTPS listeners.
//!
//! Also the key generation and name handling shared with [`crate::local_ca`].

use std::net::IpAddr;
use std::time::SystemTime;

use rcgen::{CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, RsaKeySize, SanType, SerialNumber};

use crate::certificate::CertificateError;

/// Key algorithms [`self_signed`] generates, by ACM's `KeyAlgorithm` names.
pub const SELF_SIGNED_KEY_ALGORITHMS: &[&str] = &["RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"];

/// A self-signed server certificate for `names`, with a new key of `key_algorithm`, valid from
/// `now` for `days` days. Returns `(certificate PEM, private key PEM)`; the key is PKCS#8
/// (`-----BEGIN PRIVATE KEY-----`).
///
/// - `names`: at least one; the first is the subject's common name (when it fits the 64
///   characters X.509 allows; otherwise the subject is `O=elbow self-signed`), and every name is a subjectAltName — a DNS name, or an IP
///   address SAN when it parses as an IPv4/IPv6 address. Wildcards (`*.example.com`) are
///   accepted. Duplicates are dropped.
/// - `key_algorithm`: one of [`SELF_SIGNED_KEY_ALGORITHMS`] (ACM's names; `RSA-2048` spelling
///   accepted too). RSA keys sign with SHA-256, P-256 with SHA-256, P-384 with SHA-384, P-521
///   with SHA-512.
/// - `days`: at least 1.
///
/// The certificate is X.509 v3 with `CA:FALSE`, keyUsage digitalSignature (and
/// keyEncipherment for RSA), extendedKeyUsage serverAuth, and a random 128-bit serial, so
/// `tls::certificate::parse_certificate` accepts it.
///
/// Errors: `UnsupportedKey` for another algorithm; `MalformedCertificate` for no names, a name
/// that is not ASCII or is empty, or `days == 0`.
pub fn self_signed(names: &[String], key_algorithm: &str, days: u32, now: SystemTime) -> Result<(String, String), CertificateError> {
    if days == 0 {
        return Err(CertificateError::MalformedCertificate("The validity must be at least one day.".into()));
    }
    let key = generate_key(key_algorithm, SELF_SIGNED_KEY_ALGORITHMS)?;
    let not_before = time::OffsetDateTime::from(now).replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::from(now));
    let mut params = leaf_params(names, not_before, not_before + time::Duration::days(i64::from(days)), &key)?;
    if params.distinguished_name.iter().next().is_none() {
        // No common name (the first name is too long for one): a self-signed certificate's
        // issuer is its subject, and ACM refuses an empty issuer.
        params.distinguished_name.push(DnType::OrganizationName, "elbow self-signed");
    }
    let cert = params.self_signed(&key).map_err(|e| CertificateError::MalformedCertificate(format!("Unable to create the certificate: {e}")))?;
    Ok((cert.pem().replace("\r\n", "\n"), key.serialize_pem().replace("\r\n", "\n")))
}

/// A new key pair for an ACM key algorithm name in `allowed`.
pub(crate) fn generate_key(key_algorithm: &str, allowed: &[&str]) -> Result<KeyPair, CertificateError> {
    let name = key_algorithm.replace('-', "_");
    if !allowed.contains(&name.as_str()) {
        return Err(CertificateError::UnsupportedKey(format!("Key algorithm \"{key_algorithm}\" is not supported here; use one of: {}.", allowed.join(", "))));
    }
    let generated = match name.as_str() {
        "RSA_2048" => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048),
        "RSA_3072" => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_3072),
        "RSA_4096" => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096),
        "EC_prime256v1" => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        "EC_secp384r1" => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
        "EC_secp521r1" => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512),
        _ => return Err(CertificateError::UnsupportedKey(format!("Key algorithm \"{key_algorithm}\" is not supported."))),
    };
    generated.map_err(|e| CertificateError::UnsupportedKey(format!("Unable to generate a {name} key: {e}")))
}

/// A random positive 128-bit serial number.
pub(crate) fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system random number generator failed");
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

/// Parameters of a server (leaf) certificate for `names` (first = CN), with the usages a TLS
/// server certificate needs.
pub(crate) fn leaf_params(names: &[String], not_before: time::OffsetDateTime, not_after: time::OffsetDateTime, key: &KeyPair) -> Result<CertificateParams, CertificateError> {
    let bad = |m: String| CertificateError::MalformedCertificate(m);
    let Some(first) = names.first() else {
        return Err(bad("At least one domain name is needed.".into()));
    };
    let mut sans = Vec::with_capacity(names.len());
    let mut seen: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            return Err(bad("A domain name must not be empty.".into()));
        }
        let lower = name.to_ascii_lowercase();
        if seen.contains(&lower) {
            continue;
        }
        seen.push(lower);
        let san = match name.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => {
                if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*' | b'_')) {
                    return Err(bad(format!("\"{name}\" is not a valid domain name (use letters, digits, '-', '.', a leading \"*.\", and punycode for international names).")));
                }
                SanType::DnsName(name.try_into().map_err(|e| bad(format!("\"{name}\" is not a valid domain name: {e}")))?)
            }
        };
        sans.push(san);
    }
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    let first = first.trim();
    if first.len() <= 64 {
        dn.push(DnType::CommonName, first);
    }
    params.distinguished_name = dn;
    params.subject_alt_names = sans;
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(random_serial());
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = if key.algorithm() == &rcgen::PKCS_RSA_SHA256 {
        vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment]
    } else {
        vec![KeyUsagePurpose::DigitalSignature]
    };
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::certificate::{CertificateError, certified_key, parse_certificate};

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_algorithm_is_accepted_by_parse_certificate() {
        let now = SystemTime::now();
        for alg in SELF_SIGNED_KEY_ALGORITHMS {
            // RSA 3072/4096 generation is slow; one RSA size is enough for the round trip.
            if *alg == "RSA_3072" || *alg == "RSA_4096" {
                continue;
            }
            let (cert, key) = self_signed(&names(&["www.example.test", "*.example.test", "127.0.0.1", "::1"]), alg, 30, now).unwrap();
            assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{alg}");
            assert!(!cert.contains('\r'));
            let parsed = parse_certificate(&cert, Some(&key), None, now + Duration::from_secs(1)).unwrap();
            assert_eq!(parsed.facts.key_algorithm, *alg);
            assert_eq!(parsed.facts.domain_name, "www.example.test");
            assert_eq!(parsed.facts.subject, "CN=www.example.test");
            assert_eq!(parsed.facts.issuer, "CN=www.example.test");
            assert_eq!(parsed.facts.subject_alternative_names, names(&["www.example.test", "*.example.test"]));
            let day_ms = 86_400_000;
            assert_eq!(parsed.facts.not_after - parsed.facts.not_before, 30 * day_ms);
            certified_key(&parsed.body_pem, None, key.as_bytes()).unwrap();
        }
    }

    #[test]
    fn expected_signature_algorithms() {
        let now = SystemTime::now();
        for (alg, sig) in [("EC_prime256v1", "SHA256WITHECDSA"), ("EC_secp384r1", "SHA384WITHECDSA"), ("EC_secp521r1", "SHA512WITHECDSA"), ("RSA-2048", "SHA256WITHRSA")] {
            let (cert, key) = self_signed(&names(&["a.example.test"]), alg, 1, now).unwrap();
            let parsed = parse_certificate(&cert, Some(&key), None, now).unwrap();
            assert_eq!(parsed.facts.signature_algorithm, sig, "{alg}");
        }
    }

    #[test]
    fn refusals() {
        let now = SystemTime::now();
        assert!(matches!(self_signed(&[], "EC_prime256v1", 1, now), Err(CertificateError::MalformedCertificate(_))));
        assert!(matches!(self_signed(&names(&["a.test"]), "RSA_1024", 1, now), Err(CertificateError::UnsupportedKey(_))));
        assert!(matches!(self_signed(&names(&["a.test"]), "EC_prime256v1", 0, now), Err(CertificateError::MalformedCertificate(_))));
        assert!(matches!(self_signed(&names(&["bücher.test"]), "EC_prime256v1", 1, now), Err(CertificateError::MalformedCertificate(_))));
    }

    #[test]
    fn long_first_name_is_san_only() {
        let long = format!("{}.example.test", "a".repeat(60));
        let now = SystemTime::now();
        let (cert, key) = self_signed(&names(&[&long]), "EC_prime256v1", 1, now).unwrap();
        let parsed = parse_certificate(&cert, Some(&key), None, now).unwrap();
        assert_eq!(parsed.facts.domain_name, long);
        assert_eq!(parsed.facts.subject, "O=elbow self-signed");
    }
}
