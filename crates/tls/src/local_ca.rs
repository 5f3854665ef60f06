//! elbow's local certificate authority, which issues the certificates of ACM
//! `RequestCertificate` (`Type` `AMAZON_ISSUED`).
//!
//! AWS issues those from Amazon's public CAs after validating the domain; elbow has no public
//! CA, so it issues them at once (no DNS or e-mail validation) from a root of its own. Clients
//! trust them after trusting that root (`root_pem`, also stored as `<dir>/ca.pem`).
//!
//! Files, in the directory given to [`LocalCa::load_or_create`]:
//! - `ca.key`: the root's private key, PKCS#8 PEM, mode 0600;
//! - `ca.pem`: the root certificate, PEM, mode 0644.
//!
//! The root: subject `CN=elbow local CA <hostname>,O=elbow` (a random suffix when the hostname
//! is unknown), ECDSA P-256, valid 10 years from the start of the day it was made (UTC),
//! `CA:TRUE, pathlen:0`, keyUsage keyCertSign, cRLSign, digitalSignature.
//!
//! Issued certificates follow ACM's (ACM user guide, "ACM certificate characteristics"):
//! valid 395 days (13 months) from the start of the day of issue (UTC), the domain name as
//! subject CN, the domain name and the additional names as DNS subjectAltNames (wildcards
//! allowed), `CA:FALSE`, extendedKeyUsage serverAuth, key `RSA_2048` (the default),
//! `EC_prime256v1` or `EC_secp384r1`.

use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::SystemTime;

use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::CertificateDer;

use crate::certificate::{CertificateError, parse_x509, pem_blocks, pem_encode};
use crate::self_signed::{generate_key, leaf_params, random_serial};

/// Key algorithms [`LocalCa::issue`] accepts: those of ACM `RequestCertificate`.
pub const ISSUE_KEY_ALGORITHMS: &[&str] = &["RSA_2048", "EC_prime256v1", "EC_secp384r1"];

/// Validity of issued certificates, days (ACM: 13 months).
pub const ISSUED_VALIDITY_DAYS: i64 = 395;

/// Validity of the root, days (10 years).
pub const ROOT_VALIDITY_DAYS: i64 = 3650;

/// elbow's local certificate authority: the root certificate and its key.
///
/// `Debug` shows the root, never the key.
pub struct LocalCa {
    key: KeyPair,
    root_pem: String,
    root_der: CertificateDer<'static>,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCa").field("root_pem", &self.root_pem).field("key", &"<redacted>").finish()
    }
}

/// A certificate issued by the [`LocalCa`]. `Debug` leaves the private key out.
#[derive(Clone)]
pub struct IssuedCertificate {
    /// The leaf certificate, one PEM block.
    pub body_pem: String,
    /// The chain: the local CA's root certificate, one PEM block.
    pub chain_pem: String,
    /// The leaf's new private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Seal it before
    /// storing.
    pub private_key_pem: String,
}

impl std::fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCertificate")
            .field("body_pem", &self.body_pem)
            .field("chain_pem", &self.chain_pem)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}

impl LocalCa {
    /// Loads the CA from `dir/ca.key` and `dir/ca.pem`, or creates it: `dir` (mode 0700 for
    /// directories it creates), a new P-256 key in `ca.key` (0600) and a new root in `ca.pem`
    /// (0644). If only `ca.key` exists (a crash between the two writes), a new root is made
    /// for that key.
    ///
    /// Errors: IO errors; `InvalidData` when `ca.pem` exists without `ca.key`, when either does
    /// not parse, or when they do not belong together (elbow never overwrites them).
    pub fn load_or_create(dir: &Path) -> io::Result<LocalCa> {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        let key_path = dir.join("ca.key");
        let pem_path = dir.join("ca.pem");
        let key_text = read_optional(&key_path)?;
        let pem_text = read_optional(&pem_path)?;
        let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidData, m);

        let key = match key_text {
            Some(text) => KeyPair::from_pem(&text).map_err(|e| invalid(format!("{} is not a private key elbow can use: {e}", key_path.display())))?,
            None => {
                if pem_text.is_some() {
                    return Err(invalid(format!(
                        "{} exists but {} does not; restore the key, or move both away to create a new CA",
                        pem_path.display(),
                        key_path.display()
                    )));
                }
                let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| io::Error::other(format!("generating the CA key: {e}")))?;
                write_new_file(&key_path, key.serialize_pem().replace("\r\n", "\n").as_bytes(), 0o600)?;
                key
            }
        };

        let root_der = match pem_text {
            Some(text) => {
                let blocks = pem_blocks(&text).map_err(|e| invalid(format!("{}: {e}", pem_path.display())))?;
                let der = match blocks.into_iter().find(|b| b.label == "CERTIFICATE") {
                    Some(b) => b.der,
                    None => return Err(invalid(format!("{} holds no certificate", pem_path.display()))),
                };
                let cert = parse_x509(&der).map_err(|e| invalid(format!("{}: {e}", pem_path.display())))?;
                if cert.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
                    return Err(invalid(format!("{} and {} do not belong together", pem_path.display(), key_path.display())));
                }
                der
            }
            None => {
                let params = root_params(&ca_name(), SystemTime::now());
                let cert = params.self_signed(&key).map_err(|e| io::Error::other(format!("creating the CA certificate: {e}")))?;
                let der = cert.der().to_vec();
                write_new_file(&pem_path, pem_encode("CERTIFICATE", &der).as_bytes(), 0o644)?;
                der
            }
        };
        let root_pem = pem_encode("CERTIFICATE", &root_der);
        Ok(LocalCa { key, root_pem, root_der: CertificateDer::from(root_der) })
    }

    /// The root certificate, one PEM block: what clients must trust, and the chain of every
    /// issued certificate.
    pub fn root_pem(&self) -> &str {
        &self.root_pem
    }

    /// Issues a certificate as ACM `RequestCertificate` would (see the module documentation),
    /// with a new key, valid from the start of `now`'s day (UTC) for 395 days.
    ///
    /// - `domain_name`: the subject CN (when at most 64 characters) and first DNS SAN.
    /// - `sans`: further DNS names (ACM's `SubjectAlternativeNames`; may repeat `domain_name`,
    ///   duplicates are dropped); wildcards allowed.
    /// - `key_algorithm`: one of [`ISSUE_KEY_ALGORITHMS`] (`RSA-2048` spelling accepted too).
    ///
    /// Errors: `UnsupportedKey` for another key algorithm; `MalformedCertificate` for a name
    /// that is empty or not ASCII.
    pub fn issue(&self, domain_name: &str, sans: &[String], key_algorithm: &str, now: SystemTime) -> Result<IssuedCertificate, CertificateError> {
        let key = generate_key(key_algorithm, ISSUE_KEY_ALGORITHMS)?;
        let mut names = Vec::with_capacity(1 + sans.len());
        names.push(domain_name.to_string());
        names.extend(sans.iter().cloned());
        let not_before = start_of_day(now);
        let params = leaf_params(&names, not_before, not_before + time::Duration::days(ISSUED_VALIDITY_DAYS), &key)?;
        let issuer = Issuer::from_ca_cert_der(&self.root_der, &self.key).map_err(|e| CertificateError::MalformedCertificate(format!("The local CA's certificate cannot be used: {e}")))?;
        let cert = params.signed_by(&key, &issuer).map_err(|e| CertificateError::MalformedCertificate(format!("Unable to issue the certificate: {e}")))?;
        Ok(IssuedCertificate {
            body_pem: pem_encode("CERTIFICATE", cert.der()),
            chain_pem: self.root_pem.clone(),
            private_key_pem: key.serialize_pem().replace("\r\n", "\n"),
        })
    }
}

/// The root's parameters: CA, path length 0, 10 years from the start of `now`'s day.
fn root_params(name: &str, now: SystemTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    // DER order O, CN: RFC 4514 text `CN=…,O=elbow`.
    dn.push(DnType::OrganizationName, "elbow");
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.not_before = start_of_day(now);
    params.not_after = params.not_before + time::Duration::days(ROOT_VALIDITY_DAYS);
    params.serial_number = Some(random_serial());
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params
}

/// `elbow local CA <hostname>`, or a random suffix when the hostname is unknown.
fn ca_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    // Keep the CN within X.509's 64 characters.
    let host: String = host.chars().filter(|c| c.is_ascii_graphic()).take(40).collect();
    if host.is_empty() || host == "localhost" {
        let mut suffix = [0u8; 4];
        aws_lc_rs::rand::fill(&mut suffix).expect("the system random number generator failed");
        format!("elbow local CA {}", suffix.iter().map(|b| format!("{b:02x}")).collect::<String>())
    } else {
        format!("elbow local CA {host}")
    }
}

/// The start (00:00:00 UTC) of `now`'s day.
fn start_of_day(now: SystemTime) -> time::OffsetDateTime {
    time::OffsetDateTime::from(now).replace_time(time::Time::MIDNIGHT)
}

/// The file's text, or `None` if it does not exist.
fn read_optional(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes a new file atomically: a temporary file created with `mode`, synced, renamed into
/// place, then the directory synced.
fn write_new_file(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    match std::fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(&tmp)?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Some(Ok(dir)) = path.parent().map(std::fs::File::open) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;
    use std::time::Duration;

    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::{ServerName, UnixTime};

    use super::*;
    use crate::certificate::{certified_key, parse_certificate};

    use crate::test_temp_dir as temp_dir;

    fn der_of(pem: &str) -> CertificateDer<'static> {
        CertificateDer::from(pem_blocks(pem).unwrap().remove(0).der)
    }

    fn verify(root_pem: &str, leaf_pem: &str, host: &str, at: SystemTime) -> Result<(), rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(der_of(root_pem)).unwrap();
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), crate::provider()).build().unwrap();
        let at = UnixTime::since_unix_epoch(at.duration_since(SystemTime::UNIX_EPOCH).unwrap());
        verifier
            .verify_server_cert(&der_of(leaf_pem), &[], &ServerName::try_from(host.to_string()).unwrap(), &[], at)
            .map(|_| ())
    }

    #[test]
    fn issued_certificates_verify_against_the_root_and_parse() {
        let dir = temp_dir("ca");
        let ca = LocalCa::load_or_create(&dir.join("ca")).unwrap();
        let now = SystemTime::now();
        for alg in ["EC_prime256v1", "EC_secp384r1", "RSA_2048"] {
            let issued = ca.issue("www.example.test", &["*.api.example.test".to_string(), "www.example.test".to_string()], alg, now).unwrap();
            assert_eq!(issued.chain_pem, ca.root_pem());
            verify(ca.root_pem(), &issued.body_pem, "www.example.test", now).unwrap();
            verify(ca.root_pem(), &issued.body_pem, "v1.api.example.test", now).unwrap();
            assert!(verify(ca.root_pem(), &issued.body_pem, "other.example.test", now).is_err());
            // 395 days later it has expired.
            assert!(verify(ca.root_pem(), &issued.body_pem, "www.example.test", now + Duration::from_secs(396 * 86_400)).is_err());

            let parsed = parse_certificate(&issued.body_pem, Some(&issued.private_key_pem), Some(&issued.chain_pem), now).unwrap();
            assert_eq!(parsed.facts.key_algorithm, alg);
            assert_eq!(parsed.facts.signature_algorithm, "SHA256WITHECDSA");
            assert_eq!(parsed.facts.domain_name, "www.example.test");
            assert_eq!(parsed.facts.subject, "CN=www.example.test");
            assert!(parsed.facts.issuer.starts_with("CN=elbow local CA "), "{}", parsed.facts.issuer);
            assert!(parsed.facts.issuer.ends_with(",O=elbow"), "{}", parsed.facts.issuer);
            assert_eq!(parsed.facts.subject_alternative_names, vec!["www.example.test".to_string(), "*.api.example.test".to_string()]);
            assert_eq!(parsed.facts.not_after - parsed.facts.not_before, 395 * 86_400_000);
            assert_eq!(parsed.facts.not_before % 86_400_000, 0);
            assert_eq!(parsed.chain_pem.as_deref(), Some(ca.root_pem()));
            certified_key(&parsed.body_pem, parsed.chain_pem.as_deref(), issued.private_key_pem.as_bytes()).unwrap();
            assert!(!format!("{issued:?}").contains("PRIVATE"));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_modes_and_reload() {
        let dir = temp_dir("ca-files").join("nested");
        let ca = LocalCa::load_or_create(&dir).unwrap();
        assert_eq!(std::fs::metadata(dir.join("ca.key")).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(dir.join("ca.pem")).unwrap().permissions().mode() & 0o777 & !0o022, 0o644 & !0o022);
        assert_eq!(std::fs::read_to_string(dir.join("ca.pem")).unwrap(), ca.root_pem());
        assert!(!format!("{ca:?}").contains("PRIVATE"));

        // Reloading gives the same root, and certificates issued before still verify.
        let issued = ca.issue("a.example.test", &[], "EC_prime256v1", SystemTime::now()).unwrap();
        let again = LocalCa::load_or_create(&dir).unwrap();
        assert_eq!(again.root_pem(), ca.root_pem());
        let issued2 = again.issue("b.example.test", &[], "EC_prime256v1", SystemTime::now()).unwrap();
        verify(ca.root_pem(), &issued.body_pem, "a.example.test", SystemTime::now()).unwrap();
        verify(ca.root_pem(), &issued2.body_pem, "b.example.test", SystemTime::now()).unwrap();

        // The root itself: a CA, P-256, ten years.
        let root = der_of(ca.root_pem());
        let cert = parse_x509(&root).unwrap();
        assert!(cert.is_ca());
        let validity = cert.validity();
        assert_eq!(validity.not_after.timestamp() - validity.not_before.timestamp(), ROOT_VALIDITY_DAYS * 86_400);

        // A lost ca.pem is re-made for the same key; a lost ca.key is an error.
        std::fs::remove_file(dir.join("ca.pem")).unwrap();
        let remade = LocalCa::load_or_create(&dir).unwrap();
        assert_eq!(parse_x509(&der_of(remade.root_pem())).unwrap().public_key().raw, cert.public_key().raw);
        std::fs::remove_file(dir.join("ca.key")).unwrap();
        assert_eq!(LocalCa::load_or_create(&dir).unwrap_err().kind(), io::ErrorKind::InvalidData);
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn mismatched_files_are_refused() {
        let a = temp_dir("ca-a");
        let b = temp_dir("ca-b");
        LocalCa::load_or_create(&a).unwrap();
        LocalCa::load_or_create(&b).unwrap();
        std::fs::copy(b.join("ca.pem"), a.join("ca.pem")).unwrap();
        let err = LocalCa::load_or_create(&a).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("do not belong together"), "{err}");
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }

    #[test]
    fn unsupported_key_algorithms_are_refused() {
        let dir = temp_dir("ca-alg");
        let ca = LocalCa::load_or_create(&dir).unwrap();
        for alg in ["RSA_4096", "EC_secp521r1", "RSA_1024", "ED25519"] {
            assert!(matches!(ca.issue("a.example.test", &[], alg, SystemTime::now()), Err(CertificateError::UnsupportedKey(_))), "{alg}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
