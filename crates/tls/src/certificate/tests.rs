//! Tests of certificate parsing and validation, with certificates made by rcgen at test time
//! (and one RSA-1024 certificate made by OpenSSL, which rcgen cannot make).

use std::time::{Duration, SystemTime};

use aws_lc_rs::encoding::AsDer;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, RsaKeySize, SanType, SerialNumber, SignatureAlgorithm};

use super::*;

/// 2020-01-01T00:00:00Z.
const Y2020: u64 = 1_577_836_800;
/// 2040-01-01T00:00:00Z.
const Y2040: u64 = 2_208_988_800;

fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

/// A time inside the test certificates' validity.
fn now() -> SystemTime {
    at(1_700_000_000)
}

fn key(alg: &'static SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(alg).unwrap()
}

fn rsa(size: RsaKeySize) -> KeyPair {
    KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size).unwrap()
}

fn params(cn: &str, sans: &[&str]) -> CertificateParams {
    let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2040, 1, 1);
    p
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = params(cn, &[]);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    p
}

/// A certificate authority for tests: its parameters, key and certificate.
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

impl Ca {
    fn root(cn: &str, key: KeyPair) -> Ca {
        let params = ca_params(cn);
        let pem = params.self_signed(&key).unwrap().pem();
        Ca { params, key, pem }
    }

    fn intermediate(&self, cn: &str, key: KeyPair) -> Ca {
        let params = ca_params(cn);
        let issuer = Issuer::from_params(&self.params, &self.key);
        let pem = params.signed_by(&key, &issuer).unwrap().pem();
        Ca { params, key, pem }
    }

    fn leaf(&self, params: &CertificateParams, key: &KeyPair) -> String {
        let issuer = Issuer::from_params(&self.params, &self.key);
        params.signed_by(key, &issuer).unwrap().pem()
    }
}

/// A self-signed EC P-256 leaf for `www.example.test`: (certificate PEM, key PEM).
fn self_signed_ec() -> (String, String) {
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let cert = params("www.example.test", &["www.example.test"]).self_signed(&k).unwrap();
    (cert.pem(), k.serialize_pem())
}

fn assert_malformed_certificate(result: Result<ParsedCertificate, CertificateError>, needle: &str) {
    match result {
        Err(MalformedCertificate(m)) => {
            assert!(m.starts_with(CERT_PARSE) || m.contains(needle), "{m}");
            assert!(m.contains(needle), "message {m:?} does not say {needle:?}");
        }
        other => panic!("expected MalformedCertificate containing {needle:?}, got {other:?}"),
    }
}

// ----- facts -----

#[test]
fn facts_of_an_ec_certificate() {
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let mut p = params("ignored", &["www.example.test", "example.test", "10.0.0.1", "*.example.test"]);
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CountryName, "US");
    p.distinguished_name.push(DnType::OrganizationName, "Example, Inc.");
    p.distinguished_name.push(DnType::CommonName, "www.example.test");
    p.serial_number = Some(SerialNumber::from_slice(&[0x0f, 0xac, 0xb0, 0xa3]));
    let cert = p.self_signed(&k).unwrap();
    let key_pem = format!("\n  {}  \n", k.serialize_pem());

    let parsed = parse_certificate(&cert.pem(), Some(&key_pem), None, now()).unwrap();
    let f = &parsed.facts;
    assert_eq!(f.subject, "CN=www.example.test,O=Example\\, Inc.,C=US");
    assert_eq!(f.issuer, f.subject);
    assert_eq!(f.domain_name, "www.example.test");
    assert_eq!(f.subject_alternative_names, vec!["www.example.test", "example.test", "*.example.test"]);
    assert_eq!(f.serial, "0f:ac:b0:a3");
    assert_eq!(f.not_before, Y2020 * 1000);
    assert_eq!(f.not_after, Y2040 * 1000);
    assert_eq!(f.key_algorithm, "EC_prime256v1");
    assert_eq!(f.signature_algorithm, "SHA256WITHECDSA");
    assert_eq!(parsed.body_pem, cert.pem().replace("\r\n", "\n"));
    assert!(parsed.body_pem.ends_with("-----END CERTIFICATE-----\n"));
    assert_eq!(parsed.chain_pem, None);
    assert_eq!(parsed.private_key_pem.as_deref(), Some(k.serialize_pem().trim()));
    assert!(!format!("{parsed:?}").contains("PRIVATE KEY"));
}

#[test]
fn serial_without_sign_octet_and_domain_from_san() {
    let k = key(&rcgen::PKCS_ECDSA_P384_SHA384);
    let mut p = params("x", &["first.example.test", "second.example.test"]);
    // No CN: the domain name is the first DNS name. An issuer is still needed, so an O.
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::OrganizationName, "Org");
    p.serial_number = Some(SerialNumber::from_slice(&[0x80, 0x01]));
    let cert = p.self_signed(&k).unwrap();
    let parsed = parse_certificate(&cert.pem(), Some(&k.serialize_pem()), None, now()).unwrap();
    assert_eq!(parsed.facts.serial, "80:01");
    assert_eq!(parsed.facts.domain_name, "first.example.test");
    assert_eq!(parsed.facts.subject, "O=Org");
    assert_eq!(parsed.facts.key_algorithm, "EC_secp384r1");
    assert_eq!(parsed.facts.signature_algorithm, "SHA384WITHECDSA");
}

#[test]
fn rfc4514_escaping() {
    assert_eq!(escape_rfc4514("a,b+c"), "a\\,b\\+c");
    assert_eq!(escape_rfc4514("#x"), "\\#x");
    assert_eq!(escape_rfc4514(" x "), "\\ x\\ ");
    assert_eq!(escape_rfc4514("q\"<>;\\"), "q\\\"\\<\\>\\;\\\\");
    assert_eq!(escape_rfc4514("mid#dle"), "mid#dle");
}

#[test]
fn crlf_and_text_around_the_blocks_are_accepted() {
    let (cert, key) = self_signed_ec();
    let body = format!("Bag Attributes\r\n    friendlyName: x\r\n{}", cert.replace('\n', "\r\n"));
    let key = key.replace('\n', "\r\n");
    let parsed = parse_certificate(&body, Some(&key), Some("  \n"), now()).unwrap();
    assert!(!parsed.body_pem.contains('\r'));
    assert_eq!(parsed.chain_pem, None);
}

// ----- body -----

#[test]
fn garbage_body() {
    assert_malformed_certificate(parse_certificate("garbage", None, None, now()), "No \"-----BEGIN CERTIFICATE-----\" block");
    assert_malformed_certificate(parse_certificate("", None, None, now()), "No \"-----BEGIN CERTIFICATE-----\" block");
    let garbage_block = "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n";
    assert_malformed_certificate(parse_certificate(garbage_block, None, None, now()), "not a valid X.509 certificate");
    let not_base64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    assert_malformed_certificate(parse_certificate(not_base64, None, None, now()), "base64");
}

#[test]
fn der_without_pem_armour() {
    let (cert, _) = self_signed_ec();
    let der = pem_blocks(&cert).unwrap().remove(0).der;
    assert_malformed_certificate(parse_certificate(&BASE64.encode(der), None, None, now()), "No \"-----BEGIN CERTIFICATE-----\" block");
}

#[test]
fn truncated_pem() {
    let (cert, key) = self_signed_ec();
    // Cut before the END line.
    let cut = &cert[..cert.find("-----END").unwrap() - 10];
    assert_malformed_certificate(parse_certificate(cut, Some(&key), None, now()), "no END line");
    // Lines missing from the middle: the base64 or the DER no longer holds together.
    let lines: Vec<&str> = cert.lines().collect();
    let mut shorter = lines.clone();
    shorter.remove(3);
    let shorter = shorter.join("\n");
    match parse_certificate(&shorter, Some(&key), None, now()) {
        Err(MalformedCertificate(m)) => assert!(m.starts_with(CERT_PARSE), "{m}"),
        other => panic!("{other:?}"),
    }
    // Base64 cut mid-quantum.
    let mut odd = lines.clone();
    let last_data = odd.len() - 2;
    let trimmed = &odd[last_data][..odd[last_data].len() - 1];
    odd[last_data] = trimmed;
    assert_malformed_certificate(parse_certificate(&odd.join("\n"), Some(&key), None, now()), "base64");
}

#[test]
fn key_or_two_certificates_in_the_body() {
    let (cert, key) = self_signed_ec();
    assert_malformed_certificate(parse_certificate(&key, None, None, now()), "\"PRIVATE KEY\" PEM block");
    assert_malformed_certificate(parse_certificate(&format!("{cert}{key}"), None, None, now()), "\"PRIVATE KEY\" PEM block");
    let (other, _) = self_signed_ec();
    assert_malformed_certificate(parse_certificate(&format!("{cert}{other}"), None, None, now()), "holds 2 certificates");
}

#[test]
fn unsupported_certificate_keys() {
    let k = key(&rcgen::PKCS_ED25519);
    let cert = params("ed.example.test", &["ed.example.test"]).self_signed(&k).unwrap();
    match parse_certificate(&cert.pem(), Some(&k.serialize_pem()), None, now()) {
        Err(UnsupportedKey(m)) => assert!(m.contains("Ed25519"), "{m}"),
        other => panic!("{other:?}"),
    }
}

// ----- private key -----

/// The key's DER inside its PKCS#8 wrapper (PKCS#1 for RSA).
fn pkcs8_inner(pkcs8: &[u8]) -> Vec<u8> {
    let (seq, _) = expect(pkcs8, SEQUENCE).unwrap();
    let (_, rest) = expect(seq, INTEGER).unwrap();
    let (_, rest) = expect(rest, SEQUENCE).unwrap();
    expect(rest, OCTET_STRING).unwrap().0.to_vec()
}

#[test]
fn private_key_formats() {
    // EC: PKCS#8, SEC1 with the curve, SEC1 after an EC PARAMETERS block.
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let cert = params("ec.example.test", &["ec.example.test"]).self_signed(&k).unwrap().pem();
    parse_certificate(&cert, Some(&k.serialize_pem()), None, now()).unwrap();
    let sec1 = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(&aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING, k.serialized_der())
        .unwrap()
        .private_key()
        .as_der()
        .unwrap();
    let sec1_pem = pem_encode("EC PRIVATE KEY", sec1.as_ref());
    parse_certificate(&cert, Some(&sec1_pem), None, now()).unwrap();
    let with_params = format!("{}{sec1_pem}", pem_encode("EC PARAMETERS", &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]));
    parse_certificate(&cert, Some(&with_params), None, now()).unwrap();

    // RSA: PKCS#8 and PKCS#1.
    let k = rsa(RsaKeySize::_2048);
    let cert = params("rsa.example.test", &["rsa.example.test"]).self_signed(&k).unwrap().pem();
    let parsed = parse_certificate(&cert, Some(&k.serialize_pem()), None, now()).unwrap();
    assert_eq!(parsed.facts.key_algorithm, "RSA_2048");
    assert_eq!(parsed.facts.signature_algorithm, "SHA256WITHRSA");
    let pkcs1 = pem_encode("RSA PRIVATE KEY", &pkcs8_inner(k.serialized_der()));
    let parsed = parse_certificate(&cert, Some(&pkcs1), None, now()).unwrap();
    assert_eq!(parsed.private_key_pem.as_deref(), Some(pkcs1.trim()));
    certified_key(&parsed.body_pem, None, pkcs1.as_bytes()).unwrap();
}

#[test]
fn malformed_private_keys() {
    let (cert, key) = self_signed_ec();
    let malformed = |key: &str, needle: &str| match parse_certificate(&cert, Some(key), None, now()) {
        Err(MalformedPrivateKey(m)) => assert!(m.contains(needle), "{m:?} does not say {needle:?}"),
        other => panic!("expected MalformedPrivateKey for {needle:?}, got {other:?}"),
    };
    malformed("garbage", "No \"-----BEGIN PRIVATE KEY-----\" block");
    malformed(&cert, "\"CERTIFICATE\" PEM block");
    malformed(&format!("{key}{key}"), "holds 2 private keys");
    malformed("-----BEGIN PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END PRIVATE KEY-----\n", "does not parse");
    malformed("-----BEGIN ENCRYPTED PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted");
    let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nZ2FyYmFnZQ==\n-----END RSA PRIVATE KEY-----\n";
    malformed(legacy, "encrypted");
    malformed(&key[..key.len() - 30], "no END line");
}

#[test]
fn mismatched_keys() {
    let (cert, _) = self_signed_ec();
    let mismatch = |key: &str| match parse_certificate(&cert, Some(key), None, now()) {
        Err(KeyPairMismatch(m)) => assert!(m.starts_with(KEY_MISMATCH), "{m}"),
        other => panic!("expected KeyPairMismatch, got {other:?}"),
    };
    // Another P-256 key, a P-384 key, an RSA key, an Ed25519 key.
    mismatch(&key(&rcgen::PKCS_ECDSA_P256_SHA256).serialize_pem());
    mismatch(&key(&rcgen::PKCS_ECDSA_P384_SHA384).serialize_pem());
    let rsa_key = rsa(RsaKeySize::_2048);
    mismatch(&rsa_key.serialize_pem());
    mismatch(&key(&rcgen::PKCS_ED25519).serialize_pem());

    // An RSA certificate with another RSA key (PKCS#8 and PKCS#1).
    let rsa_cert = params("rsa.example.test", &["rsa.example.test"]).self_signed(&rsa_key).unwrap().pem();
    let other = rsa(RsaKeySize::_2048);
    for key in [other.serialize_pem(), pem_encode("RSA PRIVATE KEY", &pkcs8_inner(other.serialized_der()))] {
        match parse_certificate(&rsa_cert, Some(&key), None, now()) {
            Err(KeyPairMismatch(_)) => {}
            r => panic!("{r:?}"),
        }
        match certified_key(&rsa_cert, None, key.as_bytes()) {
            Err(KeyPairMismatch(_)) => {}
            r => panic!("{:?}", r.map(|_| ())),
        }
    }
}

// ----- chain -----

#[test]
fn chain_in_order_is_accepted_and_re_encoded() {
    let root = Ca::root("Test Root", key(&rcgen::PKCS_ECDSA_P384_SHA384));
    let intermediate = root.intermediate("Test Intermediate", rsa(RsaKeySize::_2048));
    let leaf_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let leaf = intermediate.leaf(&params("www.example.test", &["www.example.test"]), &leaf_key);

    // Intermediate then root; intermediate only; sloppy whitespace between blocks.
    let full = format!("{}\n\n{}", intermediate.pem, root.pem);
    let parsed = parse_certificate(&leaf, Some(&leaf_key.serialize_pem()), Some(&full), now()).unwrap();
    assert_eq!(parsed.chain_pem.as_deref(), Some(format!("{}{}", intermediate.pem, root.pem).replace("\r\n", "\n").as_str()));
    assert_eq!(parsed.facts.issuer, "CN=Test Intermediate");
    assert_eq!(parsed.facts.signature_algorithm, "SHA256WITHRSA");
    parse_certificate(&leaf, Some(&leaf_key.serialize_pem()), Some(&intermediate.pem), now()).unwrap();

    // The data plane's key serves leaf + chain.
    let ck = certified_key(&parsed.body_pem, parsed.chain_pem.as_deref(), leaf_key.serialize_pem().as_bytes()).unwrap();
    assert_eq!(ck.cert.len(), 3);
    assert_eq!(ck.cert[1].as_ref(), pem_blocks(&intermediate.pem).unwrap()[0].der.as_slice());
}

#[test]
fn chain_out_of_order_is_refused_with_the_index() {
    let root = Ca::root("Test Root", key(&rcgen::PKCS_ECDSA_P256_SHA256));
    let intermediate = root.intermediate("Test Intermediate", key(&rcgen::PKCS_ECDSA_P256_SHA256));
    let leaf_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let leaf = intermediate.leaf(&params("www.example.test", &["www.example.test"]), &leaf_key);
    let key_pem = leaf_key.serialize_pem();
    let refused = |chain: String, index: usize| match parse_certificate(&leaf, Some(&key_pem), Some(&chain), now()) {
        Err(MalformedChain(m)) => assert_eq!(m, format!("{CHAIN_ORDER} {index}")),
        other => panic!("expected MalformedChain at {index}, got {other:?}"),
    };
    // Root first.
    refused(format!("{}{}", root.pem, intermediate.pem), 0);
    // The leaf itself in the chain.
    refused(format!("{leaf}{}{}", intermediate.pem, root.pem), 0);
    // An unrelated certificate after the intermediate.
    let stranger = Ca::root("Someone Else", key(&rcgen::PKCS_ECDSA_P256_SHA256));
    refused(format!("{}{}", intermediate.pem, stranger.pem), 1);
    // A certificate with the right name but another key: the signature does not verify.
    let impostor = Ca::root("Test Root", key(&rcgen::PKCS_ECDSA_P256_SHA256)).intermediate("Test Intermediate", key(&rcgen::PKCS_ECDSA_P256_SHA256));
    refused(impostor.pem.clone(), 0);
    refused(format!("{}{}", intermediate.pem, Ca::root("Test Root", key(&rcgen::PKCS_ECDSA_P256_SHA256)).pem), 1);
}

#[test]
fn malformed_chain_pem() {
    let (cert, key) = self_signed_ec();
    let malformed = |chain: &str, needle: &str| match parse_certificate(&cert, Some(&key), Some(chain), now()) {
        Err(MalformedChain(m)) => {
            assert!(m.starts_with(CHAIN_PARSE), "{m}");
            assert!(m.contains(needle), "{m:?} does not say {needle:?}");
        }
        other => panic!("expected MalformedChain, got {other:?}"),
    };
    malformed("garbage", "No \"-----BEGIN CERTIFICATE-----\" block");
    malformed(&key, "\"PRIVATE KEY\" PEM block");
    malformed("-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n", "Certificate 0 of the chain");
    malformed(&cert[..cert.len() - 20], "no END line");
}

#[test]
fn p521_and_sha512_chains() {
    let root = Ca::root("P-521 Root", key(&rcgen::PKCS_ECDSA_P521_SHA512));
    let leaf_key = key(&rcgen::PKCS_ECDSA_P521_SHA512);
    let leaf = root.leaf(&params("p521.example.test", &["p521.example.test"]), &leaf_key);
    let parsed = parse_certificate(&leaf, Some(&leaf_key.serialize_pem()), Some(&root.pem), now()).unwrap();
    assert_eq!(parsed.facts.key_algorithm, "EC_secp521r1");
    assert_eq!(parsed.facts.signature_algorithm, "SHA512WITHECDSA");
    certified_key(&parsed.body_pem, parsed.chain_pem.as_deref(), leaf_key.serialize_pem().as_bytes()).unwrap();
}

// ----- validity -----

#[test]
fn expired_and_not_yet_valid() {
    let (cert, key) = self_signed_ec();
    match parse_certificate(&cert, Some(&key), None, at(Y2040 + 1)) {
        Err(Expired(m)) => {
            assert!(m.contains("has expired"), "{m}");
            assert!(m.contains("2040-01-01T00:00:00Z"), "{m}");
            assert!(m.contains("2020-01-01T00:00:00Z"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    match parse_certificate(&cert, Some(&key), None, at(Y2020 - 1)) {
        Err(Expired(m)) => {
            assert!(m.contains("not yet valid"), "{m}");
            assert!(m.contains("2019-12-31T23:59:59Z"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    // The bounds themselves are inside.
    parse_certificate(&cert, Some(&key), None, at(Y2020)).unwrap();
    parse_certificate(&cert, Some(&key), None, at(Y2040)).unwrap();
    // Key checks come first: a mismatched key on an expired certificate is a mismatch.
    let other = self::key(&rcgen::PKCS_ECDSA_P256_SHA256).serialize_pem();
    assert!(matches!(parse_certificate(&cert, Some(&other), None, at(Y2040 + 1)), Err(KeyPairMismatch(_))));
}

// ----- RSA 1024 -----

/// `openssl req -x509 -newkey rsa:1024 -nodes -sha256 -days 36500
/// -subj "/C=US/O=Example, Inc./CN=legacy.example.test"
/// -addext "subjectAltName=DNS:legacy.example.test"`, valid 2026-11-22 to 2126-10-29.
const RSA1024_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIChDCCAe2gAwIBAgIURQ2hsVy4Lu1sWaUwrkzNw44+BAcwDQYJKoZIhvcNAQEL
BQAwQzELMAkGA1UEBhMCVVMxFjAUBgNVBAoMDUV4YW1wbGUsIEluYy4xHDAaBgNV
BAMME2xlZ2FjeS5leGFtcGxlLnRlc3QwIBcNMjYxMTIyMTc1NTA3WhgPMjEyNjEw
MjkxNzU1MDdaMEMxCzAJBgNVBAYTAlVTMRYwFAYDVQQKDA1FeGFtcGxlLCBJbmMu
MRwwGgYDVQQDDBNsZWdhY3kuZXhhbXBsZS50ZXN0MIGfMA0GCSqGSIb3DQEBAQUA
A4GNADCBiQKBgQDj38k99ket/dGl7VgSn7pQ7XBhUuT3INt5wksNQuQV8cqMDt5Q
p/JzU/hjcYluOpdSxZ/3gECbYE/DvpWmuoXEyeE9InQhLwXigLKASZybg6x9kSb7
rAUtsufUhTcIoVJ3rYokWfdimfEyD7xRQVzJLqGWtej3Ohi38Z2lJ0sC+QIDAQAB
o3MwcTAdBgNVHQ4EFgQUIfnIgguwNlt7HKSWddq4dvhbahYwHwYDVR0jBBgwFoAU
IfnIgguwNlt7HKSWddq4dvhbahYwDwYDVR0TAQH/BAUwAwEB/zAeBgNVHREEFzAV
ghNsZWdhY3kuZXhhbXBsZS50ZXN0MA0GCSqGSIb3DQEBCwUAA4GBABoKA96TPZq7
kBxi7oJ7vwNcfSL7juJCrV6JZUa73lttXSt2BEj6cPuk6BhTAp+a6byfJ4SQod5z
5fEW0wS3y9GESTTqisKRRdjUAbDITbS+0do7q2FeRYO0/3YzAk1oNAguk709BaDc
OZZ2o3VnV2b+2Zhkl/7vekKSlzC+DScP
-----END CERTIFICATE-----
";

/// The key of [`RSA1024_CERT`] (a throwaway test key).
const RSA1024_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAOPfyT32R6390aXt
WBKfulDtcGFS5Pcg23nCSw1C5BXxyowO3lCn8nNT+GNxiW46l1LFn/eAQJtgT8O+
laa6hcTJ4T0idCEvBeKAsoBJnJuDrH2RJvusBS2y59SFNwihUnetiiRZ92KZ8TIP
vFFBXMkuoZa16Pc6GLfxnaUnSwL5AgMBAAECgYEAgJ9QeCkLTKp4K7BMhjaidAuR
411m4Bcryw5gTpvzIm/YZDYARoaF05MSIQ91A0MPJylloc5CqXEzlMl+rx2ZYum9
riYnQwMqCIbEeby1gHY3Ch8eNV6/vYHmgGrskbpHsaiuhALtMBbYN/5mduKgi50q
q3/9Bpl+5OKtfpKF+gECQQD5/ulDRglcdNpa0igU1+fzIa7kAARhDiziZdLWQUYA
SMFvSDAMg8rCYR/qPCa1HZQ/UBapFaNHzESypyvbeL8XAkEA6Vjce2C+D9Gdgz1Z
+DTGv/318RSqP4ZPMpV6efFauFYH2Jv/edg5CDmZ9ld+MbtX8Lbdpq0xPnDHm9iR
p+oYbwJBAM7r7F0vii4J1nZX/q8J6kX2+lBjpzxCRGp8B2AqFOvFTL50TLj/GQN8
6rKxaQR+YCdrfeYkL8sMy0voTMfTEK8CQG1Jhwnpx1pVTDY5N7f9z8//u35LtWjH
GLSSOah/F4QaFtamSULht+RYRfmQBLR6D7fXjXwQxW1/GJ2vEpjYFNUCQGxwG2ch
EM/OfzpctvVBaq0yVy/xIl8JxznqKoMU/0SmWYEMfAeCD5hLGkWHsAllfBRxsn+d
2f4DpMKq6+6yUe0=
-----END PRIVATE KEY-----
";

#[test]
fn rsa_1024_is_imported_but_not_served() {
    let when = at(1_800_000_000); // 2027
    let parsed = parse_certificate(RSA1024_CERT, Some(RSA1024_KEY), None, when).unwrap();
    assert_eq!(parsed.facts.key_algorithm, "RSA_1024");
    assert_eq!(parsed.facts.subject, "CN=legacy.example.test,O=Example\\, Inc.,C=US");
    assert_eq!(parsed.facts.serial, "45:0d:a1:b1:5c:b8:2e:ed:6c:59:a5:30:ae:4c:cd:c3:8e:3e:04:07");
    assert_eq!(parsed.facts.signature_algorithm, "SHA256WITHRSA");
    // PKCS#1 form of the same key.
    let pkcs1 = pem_encode("RSA PRIVATE KEY", &pkcs8_inner(&pem_blocks(RSA1024_KEY).unwrap()[0].der));
    parse_certificate(RSA1024_CERT, Some(&pkcs1), None, when).unwrap();
    // Another key does not match.
    let other = rsa(RsaKeySize::_2048).serialize_pem();
    assert!(matches!(parse_certificate(RSA1024_CERT, Some(&other), None, when), Err(KeyPairMismatch(_))));
    // The data plane cannot sign with it.
    match certified_key(RSA1024_CERT, None, RSA1024_KEY.as_bytes()) {
        Err(UnsupportedKey(m)) => assert!(m.contains("RSA_1024"), "{m}"),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

// ----- certified_key -----

#[test]
fn certified_key_checks() {
    let (cert, key) = self_signed_ec();
    let ck = certified_key(&cert, None, key.as_bytes()).unwrap();
    assert_eq!(ck.cert.len(), 1);
    ck.keys_match().unwrap();
    assert!(matches!(certified_key("garbage", None, key.as_bytes()), Err(MalformedCertificate(_))));
    assert!(matches!(certified_key(&cert, Some("garbage"), key.as_bytes()), Err(MalformedChain(_))));
    assert!(matches!(certified_key(&cert, None, b"\xff\xfe"), Err(MalformedPrivateKey(_))));
    let other = self::key(&rcgen::PKCS_ECDSA_P256_SHA256).serialize_pem();
    assert!(matches!(certified_key(&cert, None, other.as_bytes()), Err(KeyPairMismatch(_))));
}

#[test]
fn ip_only_certificate() {
    let k = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let mut p = params("x", &["192.0.2.7"]);
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::OrganizationName, "Org");
    assert!(matches!(p.subject_alt_names[0], SanType::IpAddress(_)));
    let cert = p.self_signed(&k).unwrap();
    let parsed = parse_certificate(&cert.pem(), Some(&k.serialize_pem()), None, now()).unwrap();
    assert_eq!(parsed.facts.domain_name, "192.0.2.7");
    assert!(parsed.facts.subject_alternative_names.is_empty());
}
