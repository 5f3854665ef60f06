//! Server certificates: parsing and validation for IAM `UploadServerCertificate` and ACM
//! `ImportCertificate`, and loading a stored certificate into the key rustls serves.
//!
//! [`parse_certificate`] checks what both services check before they store a certificate
//! (IAM API reference "UploadServerCertificate"; ACM user guide "Prerequisites for importing
//! ACM certificates"):
//!
//! - the body is exactly one PEM `CERTIFICATE` that parses as an X.509 certificate with a
//!   non-empty issuer (version 1 too, as IAM accepts; ACM's import wants version 3, see
//!   [`ParsedCertificate::x509_version`]);
//! - the private key is one unencrypted PEM private key (PKCS#8 `PRIVATE KEY`, PKCS#1
//!   `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`) whose public half is the certificate's;
//! - the key is one ACM accepts: RSA 1024, 2048, 3072 or 4096 bits, or ECDSA on P-256, P-384 or
//!   P-521;
//! - the chain, if any, is PEM certificates in order: the first issued (and signed) the body,
//!   each next one issued the one before;
//! - the current time is within the certificate's `NotBefore`..`NotAfter`.
//!
//! Error messages start with AWS's own wording where it is known (e.g. "Unable to parse
//! certificate. Please ensure the certificate is in PEM format.") and then say what exactly is
//! wrong.
//!
//! [`certified_key`] turns the stored PEM (leaf, chain, opened private key) into the
//! [`rustls::sign::CertifiedKey`] the HTTPS listeners serve, with the aws-lc-rs provider.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use model::certificate::CertificateFacts;
use model::ids::Millis;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use rustls::sign::{CertifiedKey, SigningKey};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AlgorithmIdentifier, AttributeTypeAndValue, SubjectPublicKeyInfo, X509Name};

#[cfg(test)]
mod tests;

/// A certificate that passed validation.
///
/// `Debug` leaves the private key out.
#[derive(Clone)]
pub struct ParsedCertificate {
    /// What was read from the leaf.
    pub facts: CertificateFacts,
    /// The leaf, re-encoded as one PEM block (`\n` line ends, 64 base64 characters a line,
    /// ending in a newline).
    pub body_pem: String,
    /// The chain, re-encoded as PEM blocks (issuer of the leaf first); `None` if none given
    /// (or only whitespace).
    pub chain_pem: Option<String>,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1 as given), trimmed of surrounding
    /// whitespace. Seal it before storing. `None` when no key was given.
    pub private_key_pem: Option<String>,
    /// The leaf's X.509 version: 1, 2 or 3 (ACM imports only version 3).
    pub x509_version: u32,
}

impl std::fmt::Debug for ParsedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedCertificate")
            .field("facts", &self.facts)
            .field("body_pem", &self.body_pem)
            .field("chain_pem", &self.chain_pem)
            .field("private_key_pem", &self.private_key_pem.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why a certificate was refused.
///
/// The API layer maps these to IAM's `MalformedCertificate` / `KeyPairMismatch` and ACM's
/// `ValidationException`; each carries a message for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The certificate body is not one PEM certificate that parses.
    #[error("{0}")]
    MalformedCertificate(String),
    /// The private key does not parse, is encrypted, or is of a type not accepted.
    #[error("{0}")]
    MalformedPrivateKey(String),
    /// The private key is not the certificate's.
    #[error("{0}")]
    KeyPairMismatch(String),
    /// The chain does not parse, or is not in order (each certificate signed by the next).
    #[error("{0}")]
    MalformedChain(String),
    /// The key type or size is one AWS does not accept (or, for [`certified_key`], one the
    /// data plane cannot sign with).
    #[error("{0}")]
    UnsupportedKey(String),
    /// Outside its validity period.
    #[error("{0}")]
    Expired(String),
}

use CertificateError::*;

/// IAM's message for a body that does not parse.
const CERT_PARSE: &str = "Unable to parse certificate. Please ensure the certificate is in PEM format.";
/// The same for the chain.
const CHAIN_PARSE: &str = "Unable to parse certificate chain. Please ensure the certificate chain is in PEM format.";
/// IAM's message for a chain out of order; the index follows.
const CHAIN_ORDER: &str = "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is:";
/// The message for a private key that does not parse.
const KEY_PARSE: &str = "Unable to parse private key. Please ensure the private key is an unencrypted PEM private key (PKCS#8 \"PRIVATE KEY\", PKCS#1 \"RSA PRIVATE KEY\" or SEC1 \"EC PRIVATE KEY\").";
/// The message for a key that is not the certificate's.
const KEY_MISMATCH: &str = "The private key did not match the public key in the certificate.";

/// Parses and validates a certificate as IAM `UploadServerCertificate` and ACM
/// `ImportCertificate` do (see the module documentation for the checks), at time `now`.
///
/// - `body`: the PEM certificate (`CertificateBody` / `Certificate`).
/// - `private_key`: the PEM private key (`PrivateKey`); `None` skips the key checks.
/// - `chain`: the PEM chain (`CertificateChain`), leaf's issuer first; `None` or blank for none.
///
/// Errors, in the order the checks run: [`CertificateError::MalformedCertificate`] (body),
/// `UnsupportedKey` (the certificate's key type or size), `MalformedChain` (a chain certificate
/// does not parse), `MalformedPrivateKey` (does not parse, or is encrypted), `KeyPairMismatch`,
/// `MalformedChain` (out of order), `Expired` (`now` before `NotBefore` or after `NotAfter`).
pub fn parse_certificate(body: &str, private_key: Option<&str>, chain: Option<&str>, now: SystemTime) -> Result<ParsedCertificate, CertificateError> {
    let leaf_der = read_body(body)?;
    let leaf = parse_x509(&leaf_der).map_err(|e| MalformedCertificate(format!("{CERT_PARSE} {e}")))?;
    // Version 1 certificates (what `openssl x509 -req -signkey` makes without an extension
    // file, as the tutorials do) are accepted here, as IAM accepts them; ACM's import refuses
    // them, which its caller checks with `x509_version`.
    let x509_version = leaf.version().0 + 1;
    if leaf.issuer().iter_attributes().next().is_none() {
        return Err(MalformedCertificate("The certificate's Issuer field must not be empty.".into()));
    }

    let cert_key = certificate_key(&leaf)?;

    let chain_ders = match chain {
        Some(c) if !c.trim().is_empty() => read_chain(c)?,
        _ => Vec::new(),
    };
    let mut chain_certs = Vec::with_capacity(chain_ders.len());
    for (i, der) in chain_ders.iter().enumerate() {
        let cert = parse_x509(der).map_err(|e| MalformedChain(format!("{CHAIN_PARSE} Certificate {i} of the chain: {e}")))?;
        chain_certs.push(cert);
    }

    let private_key_pem = match private_key {
        Some(pem) => {
            let key = read_private_key(pem)?;
            match_private_key(&cert_key, &key)?;
            Some(pem.trim().to_string())
        }
        None => None,
    };

    check_chain(&leaf, &chain_certs)?;
    check_validity(&leaf, now)?;

    let facts = facts(&leaf, &cert_key)?;
    let body_pem = pem_encode("CERTIFICATE", &leaf_der);
    let chain_pem = if chain_ders.is_empty() { None } else { Some(chain_ders.iter().map(|d| pem_encode("CERTIFICATE", d)).collect::<String>()) };
    Ok(ParsedCertificate { facts, body_pem, chain_pem, private_key_pem, x509_version })
}

/// The key the data plane serves for a stored certificate: the leaf and the chain (as stored,
/// leaf's issuer first) as the certificate list sent to clients, and the opened private key
/// loaded with the aws-lc-rs provider.
///
/// `private_key_pem` is the PEM key as [`crate::sealing::KeySealer::open`] returns it.
///
/// Errors: `MalformedCertificate` / `MalformedChain` / `MalformedPrivateKey` when the PEM does
/// not parse; `KeyPairMismatch`; `UnsupportedKey` for a key aws-lc-rs cannot sign with — notably
/// RSA keys under 2048 bits (`RSA_1024`), which ACM imports but elbow cannot serve.
pub fn certified_key(body_pem: &str, chain_pem: Option<&str>, private_key_pem: &[u8]) -> Result<Arc<CertifiedKey>, CertificateError> {
    let leaf_der = read_body(body_pem)?;
    let chain_ders = match chain_pem {
        Some(c) if !c.trim().is_empty() => read_chain(c)?,
        _ => Vec::new(),
    };
    let key_text = std::str::from_utf8(private_key_pem).map_err(|_| MalformedPrivateKey(format!("{KEY_PARSE} The private key is not text.")))?;
    let key = read_private_key(key_text)?;
    let signing_key = {
        let leaf = parse_x509(&leaf_der).map_err(|e| MalformedCertificate(format!("{CERT_PARSE} {e}")))?;
        let cert_key = certificate_key(&leaf)?;
        match match_private_key(&cert_key, &key)? {
            Some(k) => k,
            None => {
                return Err(UnsupportedKey(format!(
                    "The certificate's key ({}) cannot be served: elbow's TLS library signs only with RSA keys of 2048 bits or more and ECDSA keys on P-256, P-384 or P-521.",
                    cert_key.acm_name
                )));
            }
        }
    };
    let mut certs = Vec::with_capacity(1 + chain_ders.len());
    certs.push(CertificateDer::from(leaf_der));
    certs.extend(chain_ders.into_iter().map(CertificateDer::from));
    Ok(Arc::new(CertifiedKey::new(certs, signing_key)))
}

// ---------------------------------------------------------------------------------------------
// PEM

/// One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, …), its decoded content, and whether
/// an RFC 1421 `Proc-Type: 4,ENCRYPTED` header marked it encrypted.
pub(crate) struct PemBlock {
    pub(crate) label: String,
    pub(crate) der: Vec<u8>,
    pub(crate) encrypted: bool,
}

/// All PEM blocks in `text` (RFC 7468, lax: text outside blocks is ignored, `\r\n` accepted,
/// RFC 1421 headers skipped). Errors say which block is broken and how.
pub(crate) fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, String> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) else {
            continue;
        };
        let label = label.to_string();
        let mut b64 = String::new();
        let mut encrypted = false;
        let mut ended = false;
        for line in lines.by_ref() {
            if let Some(rest) = line.strip_prefix("-----END ") {
                let end = rest.strip_suffix("-----").unwrap_or(rest);
                if end != label {
                    return Err(format!("The PEM block \"{label}\" ends with an END line for \"{end}\"."));
                }
                ended = true;
                break;
            }
            if line.starts_with("-----BEGIN ") {
                return Err(format!("The PEM block \"{label}\" has no END line before the next BEGIN line (is it truncated?)."));
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.trim().eq_ignore_ascii_case("Proc-Type") && value.contains("ENCRYPTED") {
                    encrypted = true;
                }
                continue;
            }
            b64.extend(line.chars().filter(|c| !c.is_ascii_whitespace()));
        }
        if !ended {
            return Err(format!("The PEM block \"{label}\" has no END line (is it truncated?)."));
        }
        let der = BASE64
            .decode(b64.as_bytes())
            .map_err(|e| format!("The base64 content of the PEM block \"{label}\" is not valid ({e}); is it truncated?"))?;
        if der.is_empty() {
            return Err(format!("The PEM block \"{label}\" is empty."));
        }
        blocks.push(PemBlock { label, der, encrypted });
    }
    Ok(blocks)
}

/// One PEM block: `-----BEGIN {label}-----`, base64 in lines of 64, `-----END {label}-----`,
/// every line ending in `\n`.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = BASE64.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 32);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// The DER of the one `CERTIFICATE` block of a certificate body.
fn read_body(body: &str) -> Result<Vec<u8>, CertificateError> {
    let blocks = pem_blocks(body).map_err(|e| MalformedCertificate(format!("{CERT_PARSE} {e}")))?;
    let mut certs = Vec::new();
    for block in blocks {
        if block.label != "CERTIFICATE" {
            return Err(MalformedCertificate(format!(
                "{CERT_PARSE} The certificate body holds a \"{}\" PEM block; it must hold only the certificate.",
                block.label
            )));
        }
        certs.push(block.der);
    }
    match certs.len() {
        0 => Err(MalformedCertificate(format!("{CERT_PARSE} No \"-----BEGIN CERTIFICATE-----\" block was found."))),
        1 => Ok(certs.pop().expect("one")),
        n => Err(MalformedCertificate(format!(
            "{CERT_PARSE} The certificate body holds {n} certificates; it must hold only the server certificate (put the intermediates in the certificate chain)."
        ))),
    }
}

/// The DER of each `CERTIFICATE` block of a chain, in order (at least one).
fn read_chain(chain: &str) -> Result<Vec<Vec<u8>>, CertificateError> {
    let blocks = pem_blocks(chain).map_err(|e| MalformedChain(format!("{CHAIN_PARSE} {e}")))?;
    let mut certs = Vec::new();
    for block in blocks {
        if block.label != "CERTIFICATE" {
            return Err(MalformedChain(format!(
                "{CHAIN_PARSE} The certificate chain holds a \"{}\" PEM block; it must hold only certificates.",
                block.label
            )));
        }
        certs.push(block.der);
    }
    if certs.is_empty() {
        return Err(MalformedChain(format!("{CHAIN_PARSE} No \"-----BEGIN CERTIFICATE-----\" block was found.")));
    }
    Ok(certs)
}

/// The one private key of a PEM text.
pub(crate) fn read_private_key(pem: &str) -> Result<PrivateKeyDer<'static>, CertificateError> {
    let encrypted = || MalformedPrivateKey(format!("{KEY_PARSE} The private key is encrypted; provide it unencrypted (e.g. `openssl pkey -in key.pem -out plain.pem`)."));
    let blocks = pem_blocks(pem).map_err(|e| MalformedPrivateKey(format!("{KEY_PARSE} {e}")))?;
    let mut keys = Vec::new();
    for block in blocks {
        match block.label.as_str() {
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" if block.encrypted => return Err(encrypted()),
            "ENCRYPTED PRIVATE KEY" => return Err(encrypted()),
            "PRIVATE KEY" => keys.push(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(block.der))),
            "RSA PRIVATE KEY" => keys.push(PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(block.der))),
            "EC PRIVATE KEY" => keys.push(PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(block.der))),
            // `openssl ecparam -genkey` writes the curve before the key.
            "EC PARAMETERS" => {}
            other => {
                return Err(MalformedPrivateKey(format!("{KEY_PARSE} The private key holds a \"{other}\" PEM block; it must hold only the private key.")));
            }
        }
    }
    match keys.len() {
        0 => Err(MalformedPrivateKey(format!("{KEY_PARSE} No \"-----BEGIN PRIVATE KEY-----\" block was found."))),
        1 => Ok(keys.pop().expect("one")),
        n => Err(MalformedPrivateKey(format!("{KEY_PARSE} The private key field holds {n} private keys; it must hold one."))),
    }
}

/// Parses one DER certificate, refusing trailing bytes.
pub(crate) fn parse_x509(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err("The certificate has trailing data after its DER encoding.".into()),
        Err(e) => Err(format!("The certificate is not a valid X.509 certificate ({e}).")),
    }
}

// ---------------------------------------------------------------------------------------------
// DER odds and ends

/// Encoded object identifiers (the content octets of the OID).
mod oid {
    pub const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    pub const MD5_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04];
    pub const SHA1_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
    pub const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    pub const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    pub const SHA384_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
    pub const SHA512_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
    pub const SHA224_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e];
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    pub const ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
    pub const ECDSA_SHA224: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01];
    pub const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    pub const ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
    pub const ECDSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
    pub const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    pub const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    pub const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    pub const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    pub const ED448: &[u8] = &[0x2b, 0x65, 0x71];
    pub const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    pub const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
    pub const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
}

/// One DER TLV with a one-byte tag: `(tag, content, rest)`.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len0, rest) = rest.split_first()?;
    let (len, rest) = if len0 < 0x80 {
        (usize::from(len0), rest)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The content of a TLV with tag `tag`, and what follows it.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = tlv(input)?;
    (t == tag).then_some((content, rest))
}

/// A DER INTEGER's content without its leading zero octets (the magnitude of a positive one).
fn magnitude(int: &[u8]) -> &[u8] {
    let first = int.iter().position(|&b| b != 0).unwrap_or(int.len());
    &int[first..]
}

/// Bit length of a big-endian unsigned integer.
fn bit_len(int: &[u8]) -> usize {
    let m = magnitude(int);
    match m.first() {
        Some(&b) => m.len() * 8 - b.leading_zeros() as usize,
        None => 0,
    }
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;

// ---------------------------------------------------------------------------------------------
// Keys

/// The certificate's public key, as far as matching and naming need it.
pub(crate) struct CertKey<'a> {
    /// ACM's `KeyAlgorithm` name, e.g. `RSA_2048`, `EC_prime256v1`.
    pub(crate) acm_name: String,
    kind: CertKeyKind<'a>,
}

enum CertKeyKind<'a> {
    Rsa { modulus: &'a [u8], exponent: &'a [u8] },
    Ec { curve: &'static [u8], point: &'a [u8] },
}

/// The ACM name of an EC curve.
fn curve_name(curve: &[u8]) -> Option<(&'static [u8], &'static str)> {
    [(oid::P256, "EC_prime256v1"), (oid::P384, "EC_secp384r1"), (oid::P521, "EC_secp521r1")]
        .into_iter()
        .find(|(c, _)| *c == curve)
}

/// Reads the certificate's public key; refuses types and sizes ACM does not import.
pub(crate) fn certificate_key<'a>(cert: &'a X509Certificate<'a>) -> Result<CertKey<'a>, CertificateError> {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.as_bytes();
    let unsupported = |what: String| {
        UnsupportedKey(format!(
            "The certificate's public key is {what}; supported keys are RSA 1024, 2048, 3072 or 4096 bits and ECDSA P-256 (prime256v1), P-384 (secp384r1) or P-521 (secp521r1)."
        ))
    };
    if alg == oid::RSA_ENCRYPTION {
        let (seq, _) = expect(&spki.subject_public_key.data, SEQUENCE).ok_or_else(|| MalformedCertificate(format!("{CERT_PARSE} The certificate's RSA public key does not parse.")))?;
        let (modulus, rest) = expect(seq, INTEGER).ok_or_else(|| MalformedCertificate(format!("{CERT_PARSE} The certificate's RSA public key does not parse.")))?;
        let (exponent, _) = expect(rest, INTEGER).ok_or_else(|| MalformedCertificate(format!("{CERT_PARSE} The certificate's RSA public key does not parse.")))?;
        let bits = bit_len(modulus);
        if ![1024, 2048, 3072, 4096].contains(&bits) {
            return Err(unsupported(format!("RSA of {bits} bits")));
        }
        return Ok(CertKey { acm_name: format!("RSA_{bits}"), kind: CertKeyKind::Rsa { modulus: magnitude(modulus), exponent: magnitude(exponent) } });
    }
    if alg == oid::EC_PUBLIC_KEY {
        let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok());
        let known = curve.as_ref().and_then(|c| curve_name(c.as_bytes()));
        return match known {
            Some((curve, name)) => Ok(CertKey { acm_name: name.to_string(), kind: CertKeyKind::Ec { curve, point: &spki.subject_public_key.data } }),
            None => Err(unsupported(format!("ECDSA on curve {}", curve.map(|c| c.to_id_string()).unwrap_or_else(|| "(unnamed)".into())))),
        };
    }
    let what = if alg == oid::ED25519 {
        "Ed25519".to_string()
    } else if alg == oid::ED448 {
        "Ed448".to_string()
    } else {
        format!("of type {}", spki.algorithm.algorithm.to_id_string())
    };
    Err(unsupported(what))
}

/// What a private key's DER says about its public half.
enum KeyFacts {
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    /// The curve OID if the key names one.
    Ec { curve: Option<Vec<u8>> },
    /// Another type (named for messages).
    Other(String),
}

/// Reads the type and public parameters of a private key without loading it.
fn inspect_private_key(key: &PrivateKeyDer<'_>) -> Option<KeyFacts> {
    match key {
        PrivateKeyDer::Pkcs1(k) => rsa_private_key(k.secret_pkcs1_der()),
        PrivateKeyDer::Sec1(k) => ec_private_key(k.secret_sec1_der(), None),
        PrivateKeyDer::Pkcs8(k) => {
            let (seq, _) = expect(k.secret_pkcs8_der(), SEQUENCE)?;
            let (_version, rest) = expect(seq, INTEGER)?;
            let (alg, rest) = expect(rest, SEQUENCE)?;
            let (alg_oid, params) = expect(alg, OID)?;
            let (inner, _) = expect(rest, OCTET_STRING)?;
            if alg_oid == oid::RSA_ENCRYPTION {
                rsa_private_key(inner)
            } else if alg_oid == oid::EC_PUBLIC_KEY {
                let curve = expect(params, OID).map(|(c, _)| c.to_vec());
                ec_private_key(inner, curve)
            } else if alg_oid == oid::ED25519 {
                Some(KeyFacts::Other("Ed25519".into()))
            } else if alg_oid == oid::RSASSA_PSS {
                Some(KeyFacts::Other("RSASSA-PSS".into()))
            } else {
                Some(KeyFacts::Other("of an unknown type".into()))
            }
        }
        _ => None,
    }
}

/// PKCS#1 `RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, … }`.
fn rsa_private_key(der: &[u8]) -> Option<KeyFacts> {
    let (seq, _) = expect(der, SEQUENCE)?;
    let (_version, rest) = expect(seq, INTEGER)?;
    let (modulus, rest) = expect(rest, INTEGER)?;
    let (exponent, _) = expect(rest, INTEGER)?;
    Some(KeyFacts::Rsa { modulus: magnitude(modulus).to_vec(), exponent: magnitude(exponent).to_vec() })
}

/// SEC1 `ECPrivateKey ::= SEQUENCE { version, privateKey, [0] parameters OPTIONAL, [1] publicKey OPTIONAL }`.
fn ec_private_key(der: &[u8], outer_curve: Option<Vec<u8>>) -> Option<KeyFacts> {
    let (seq, _) = expect(der, SEQUENCE)?;
    let (_version, rest) = expect(seq, INTEGER)?;
    let (_private, mut rest) = expect(rest, OCTET_STRING)?;
    let mut curve = outer_curve;
    while let Some((tag, content, next)) = tlv(rest) {
        if tag == 0xa0 && curve.is_none() {
            curve = expect(content, OID).map(|(c, _)| c.to_vec());
        }
        rest = next;
    }
    Some(KeyFacts::Ec { curve })
}

/// Checks that `key` is the private half of the certificate's key. Returns the key loaded for
/// signing (aws-lc-rs), or `None` for an RSA key aws-lc-rs does not sign with (under 2048 bits)
/// that otherwise matches.
fn match_private_key(cert_key: &CertKey<'_>, key: &PrivateKeyDer<'_>) -> Result<Option<Arc<dyn SigningKey>>, CertificateError> {
    let facts = inspect_private_key(key).ok_or_else(|| MalformedPrivateKey(format!("{KEY_PARSE} The key's DER encoding does not parse.")))?;
    let mismatch = || KeyPairMismatch(KEY_MISMATCH.to_string());
    let load = || rustls::crypto::aws_lc_rs::default_provider().key_provider.load_private_key(key.clone_key());
    match (&cert_key.kind, facts) {
        (CertKeyKind::Rsa { modulus, exponent }, KeyFacts::Rsa { modulus: m, exponent: e }) => {
            if *modulus != m.as_slice() || *exponent != e.as_slice() {
                return Err(mismatch());
            }
            if bit_len(modulus) < 2048 {
                return Ok(None);
            }
            load().map(Some).map_err(|e| MalformedPrivateKey(format!("{KEY_PARSE} The RSA private key is not valid ({e}).")))
        }
        (CertKeyKind::Ec { curve, point }, KeyFacts::Ec { curve: key_curve }) => {
            if key_curve.as_deref().is_some_and(|c| c != *curve) {
                return Err(mismatch());
            }
            let signing = load().map_err(|e| MalformedPrivateKey(format!("{KEY_PARSE} The EC private key is not valid ({e}).")))?;
            let spki = signing.public_key().ok_or_else(mismatch)?;
            let (_, parsed) = SubjectPublicKeyInfo::from_der(spki.as_ref()).map_err(|_| mismatch())?;
            if parsed.subject_public_key.data.as_ref() != *point {
                return Err(mismatch());
            }
            Ok(Some(signing))
        }
        (_, KeyFacts::Other(what)) => Err(KeyPairMismatch(format!("{KEY_MISMATCH} The private key is {what}; the certificate's key is {}.", cert_key.acm_name))),
        _ => Err(mismatch()),
    }
}

// ---------------------------------------------------------------------------------------------
// Chain and validity

/// Checks that `chain[0]` issued `leaf` and `chain[i + 1]` issued `chain[i]`: the issuer name
/// is the next certificate's subject and the signature verifies with its key.
fn check_chain(leaf: &X509Certificate<'_>, chain: &[X509Certificate<'_>]) -> Result<(), CertificateError> {
    let mut child = leaf;
    for (i, issuer) in chain.iter().enumerate() {
        if !names_match(child.issuer(), issuer.subject()) || verify_signed_by(child, issuer).is_err() {
            return Err(MalformedChain(format!("{CHAIN_ORDER} {i}")));
        }
        child = issuer;
    }
    Ok(())
}

/// Name equality: the same DER, or (for encodings that differ only in string types or case)
/// the same RFC 4514 text ignoring ASCII case.
fn names_match(a: &X509Name<'_>, b: &X509Name<'_>) -> bool {
    a.as_raw() == b.as_raw() || rfc4514(a).eq_ignore_ascii_case(&rfc4514(b))
}

/// Verifies `child`'s signature with `issuer`'s public key (aws-lc-rs).
pub(crate) fn verify_signed_by(child: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> Result<(), String> {
    let spki = issuer.public_key();
    let alg = verification_algorithm(&child.signature_algorithm, spki)?;
    let key = aws_lc_rs::signature::UnparsedPublicKey::new(alg, spki.subject_public_key.data.as_ref());
    key.verify(child.tbs_certificate.as_ref(), &child.signature_value.data).map_err(|_| "the signature does not verify".to_string())
}

/// The aws-lc-rs verification algorithm for a certificate signature algorithm and the signer's
/// key.
fn verification_algorithm(sig: &AlgorithmIdentifier<'_>, signer: &SubjectPublicKeyInfo<'_>) -> Result<&'static dyn aws_lc_rs::signature::VerificationAlgorithm, String> {
    use aws_lc_rs::signature as s;
    let sig_oid = sig.algorithm.as_bytes();
    let unsupported = || format!("signature algorithm {} is not supported", sig.algorithm.to_id_string());
    if sig_oid == oid::SHA1_WITH_RSA {
        return Ok(&s::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY);
    }
    if sig_oid == oid::SHA256_WITH_RSA {
        return Ok(&s::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY);
    }
    if sig_oid == oid::SHA384_WITH_RSA {
        return Ok(&s::RSA_PKCS1_2048_8192_SHA384);
    }
    if sig_oid == oid::SHA512_WITH_RSA {
        return Ok(&s::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY);
    }
    if sig_oid == oid::RSASSA_PSS {
        let hash = pss_hash(sig).ok_or_else(unsupported)?;
        return match hash {
            256 => Ok(&s::RSA_PSS_2048_8192_SHA256),
            384 => Ok(&s::RSA_PSS_2048_8192_SHA384),
            512 => Ok(&s::RSA_PSS_2048_8192_SHA512),
            _ => Err(unsupported()),
        };
    }
    if sig_oid == oid::ED25519 {
        return Ok(&s::ED25519);
    }
    let hash = if sig_oid == oid::ECDSA_SHA256 {
        256
    } else if sig_oid == oid::ECDSA_SHA384 {
        384
    } else if sig_oid == oid::ECDSA_SHA512 {
        512
    } else {
        return Err(unsupported());
    };
    let curve = signer.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).ok_or_else(unsupported)?;
    let curve = curve.as_bytes();
    let alg: &'static dyn s::VerificationAlgorithm = match (curve, hash) {
        (c, 256) if c == oid::P256 => &s::ECDSA_P256_SHA256_ASN1,
        (c, 384) if c == oid::P256 => &s::ECDSA_P256_SHA384_ASN1,
        (c, 512) if c == oid::P256 => &s::ECDSA_P256_SHA512_ASN1,
        (c, 256) if c == oid::P384 => &s::ECDSA_P384_SHA256_ASN1,
        (c, 384) if c == oid::P384 => &s::ECDSA_P384_SHA384_ASN1,
        (c, 512) if c == oid::P384 => &s::ECDSA_P384_SHA512_ASN1,
        (c, 256) if c == oid::P521 => &s::ECDSA_P521_SHA256_ASN1,
        (c, 384) if c == oid::P521 => &s::ECDSA_P521_SHA384_ASN1,
        (c, 512) if c == oid::P521 => &s::ECDSA_P521_SHA512_ASN1,
        _ => return Err(unsupported()),
    };
    Ok(alg)
}

/// The SHA-2 size of an RSASSA-PSS signature's hash (SHA-1 when absent, per RFC 4055).
fn pss_hash(sig: &AlgorithmIdentifier<'_>) -> Option<u32> {
    let params = x509_parser::signature_algorithm::RsaSsaPssParams::try_from(sig.parameters.as_ref()?).ok()?;
    let hash = params.hash_algorithm_oid().as_bytes();
    [(oid::SHA256, 256), (oid::SHA384, 384), (oid::SHA512, 512)].into_iter().find(|(o, _)| *o == hash).map(|(_, n)| n)
}

/// Milliseconds since the Unix epoch (negative before it).
fn unix_millis(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i128,
        Err(e) => -(e.duration().as_millis() as i128),
    }
}

/// RFC 3339 UTC text of a Unix time in seconds.
pub(crate) fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| format!("{secs} (Unix seconds)"))
}

/// `Expired` unless `not_before <= now <= not_after`.
fn check_validity(cert: &X509Certificate<'_>, now: SystemTime) -> Result<(), CertificateError> {
    let nb = cert.validity().not_before.timestamp();
    let na = cert.validity().not_after.timestamp();
    let now_ms = unix_millis(now);
    let now_text = rfc3339((now_ms.div_euclid(1000)) as i64);
    if now_ms < i128::from(nb) * 1000 {
        return Err(Expired(format!(
            "The certificate is not yet valid: its validity starts at {} (NotBefore) and ends at {} (NotAfter); the time now is {now_text}.",
            rfc3339(nb),
            rfc3339(na)
        )));
    }
    if now_ms > i128::from(na) * 1000 {
        return Err(Expired(format!(
            "The certificate has expired: its validity started at {} (NotBefore) and ended at {} (NotAfter); the time now is {now_text}.",
            rfc3339(nb),
            rfc3339(na)
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Facts

/// What `GetServerCertificate` and `DescribeCertificate` report, read from the leaf.
fn facts(cert: &X509Certificate<'_>, key: &CertKey<'_>) -> Result<CertificateFacts, CertificateError> {
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    let san = cert
        .subject_alternative_name()
        .map_err(|e| MalformedCertificate(format!("{CERT_PARSE} The subjectAltName extension does not parse ({e}).")))?;
    if let Some(san) = san {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => dns.push(d.to_string()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_text(bytes) {
                        ips.push(ip);
                    }
                }
                _ => {}
            }
        }
    }
    let common_name = cert.subject().iter_common_name().find_map(attr_string);
    let domain_name = common_name.or_else(|| dns.first().cloned()).or_else(|| ips.first().cloned()).unwrap_or_default();
    let millis = |secs: i64| -> Millis { (secs.max(0) as u64).saturating_mul(1000) };
    Ok(CertificateFacts {
        subject: rfc4514(cert.subject()),
        issuer: rfc4514(cert.issuer()),
        domain_name,
        subject_alternative_names: dns,
        serial: serial_text(cert.raw_serial()),
        not_before: millis(cert.validity().not_before.timestamp()),
        not_after: millis(cert.validity().not_after.timestamp()),
        key_algorithm: key.acm_name.clone(),
        signature_algorithm: signature_algorithm_name(&cert.signature_algorithm),
    })
}

/// An IP address SAN as text.
fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?).to_string()),
        16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).to_string()),
        _ => None,
    }
}

/// The serial as ACM prints it: lower-case hex octets joined by `:` (without the sign octet DER
/// adds to keep a positive integer positive), e.g. `0f:ac:b0:a3`.
fn serial_text(raw: &[u8]) -> String {
    let raw = if raw.len() > 1 && raw[0] == 0 && raw[1] & 0x80 != 0 { &raw[1..] } else { raw };
    raw.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// ACM's `SignatureAlgorithm` name (Java's algorithm name, upper case), e.g. `SHA256WITHRSA`,
/// `SHA384WITHECDSA`; the dotted OID for anything else.
fn signature_algorithm_name(sig: &AlgorithmIdentifier<'_>) -> String {
    let o = sig.algorithm.as_bytes();
    let known = [
        (oid::MD5_WITH_RSA, "MD5WITHRSA"),
        (oid::SHA1_WITH_RSA, "SHA1WITHRSA"),
        (oid::SHA224_WITH_RSA, "SHA224WITHRSA"),
        (oid::SHA256_WITH_RSA, "SHA256WITHRSA"),
        (oid::SHA384_WITH_RSA, "SHA384WITHRSA"),
        (oid::SHA512_WITH_RSA, "SHA512WITHRSA"),
        (oid::ECDSA_SHA1, "SHA1WITHECDSA"),
        (oid::ECDSA_SHA224, "SHA224WITHECDSA"),
        (oid::ECDSA_SHA256, "SHA256WITHECDSA"),
        (oid::ECDSA_SHA384, "SHA384WITHECDSA"),
        (oid::ECDSA_SHA512, "SHA512WITHECDSA"),
        (oid::ED25519, "ED25519"),
    ];
    if let Some((_, name)) = known.iter().find(|(k, _)| *k == o) {
        return (*name).to_string();
    }
    if o == oid::RSASSA_PSS {
        return match pss_hash(sig) {
            Some(n) => format!("SHA{n}WITHRSAANDMGF1"),
            None => "RSASSA-PSS".to_string(),
        };
    }
    sig.algorithm.to_id_string()
}

/// A distinguished name in RFC 4514 form: RDNs last-to-first joined by `,`, multi-valued RDNs
/// joined by `+`, RFC 4514's short names (`CN`, `L`, `ST`, `O`, `OU`, `C`, `STREET`, `DC`,
/// `UID`) with escaped string values, other attributes as `dotted.oid=#hex-of-DER`.
pub(crate) fn rfc4514(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name.iter_rdn().map(|rdn| rdn.iter().map(attribute_text).collect::<Vec<_>>().join("+")).collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// One `type=value` of RFC 4514.
fn attribute_text(attr: &AttributeTypeAndValue<'_>) -> String {
    const DC: &[u8] = &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19];
    const UID: &[u8] = &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01];
    let t = attr.attr_type().as_bytes();
    let short = match t {
        [0x55, 0x04, 0x03] => Some("CN"),
        [0x55, 0x04, 0x06] => Some("C"),
        [0x55, 0x04, 0x07] => Some("L"),
        [0x55, 0x04, 0x08] => Some("ST"),
        [0x55, 0x04, 0x09] => Some("STREET"),
        [0x55, 0x04, 0x0a] => Some("O"),
        [0x55, 0x04, 0x0b] => Some("OU"),
        _ if t == DC => Some("DC"),
        _ if t == UID => Some("UID"),
        _ => None,
    };
    match (short, attr_string(attr)) {
        (Some(name), Some(value)) => format!("{name}={}", escape_rfc4514(&value)),
        (Some(name), None) => format!("{name}=#{}", hex(&value_der(attr))),
        (None, _) => format!("{}=#{}", attr.attr_type().to_id_string(), hex(&value_der(attr))),
    }
}

/// The text of a string-typed attribute value (UTF8, Printable, IA5, Numeric, Visible,
/// Teletex as Latin-1, BMP, Universal).
fn attr_string(attr: &AttributeTypeAndValue<'_>) -> Option<String> {
    let value = attr.attr_value();
    let data = value.data;
    match value.tag().0 {
        12 | 18 | 19 | 22 | 26 => std::str::from_utf8(data).ok().map(str::to_string),
        20 => Some(data.iter().map(|&b| char::from(b)).collect()),
        30 => {
            if data.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = data.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).ok()
        }
        28 => {
            if data.len() % 4 != 0 {
                return None;
            }
            data.chunks(4).map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))).collect()
        }
        _ => None,
    }
}

/// The DER of an attribute value (tag, length, content), for the `#hex` form.
fn value_der(attr: &AttributeTypeAndValue<'_>) -> Vec<u8> {
    let value = attr.attr_value();
    let header = &value.header;
    let tag = header.tag().0;
    let first = ((header.class() as u8) << 6) | (u8::from(header.is_constructed()) << 5) | if tag < 31 { tag as u8 } else { 31 };
    let mut out = vec![first];
    if tag >= 31 {
        let mut bytes = Vec::new();
        let mut t = tag;
        bytes.push((t & 0x7f) as u8);
        t >>= 7;
        while t > 0 {
            bytes.push(0x80 | (t & 0x7f) as u8);
            t >>= 7;
        }
        out.extend(bytes.into_iter().rev());
    }
    let len = value.data.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|&b| b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(value.data);
    out
}

/// RFC 4514 section 2.4 escaping of a string value.
fn escape_rfc4514(value: &str) -> String {
    let count = value.chars().count();
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i + 1 == count => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
