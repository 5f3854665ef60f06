use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::*;

/// A self-signed ECDSA P-256 certificate for `names`, valid until `not_after`.
fn cert(names: &[&str], not_after: u64) -> ListenerCertificate {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    let c = params.self_signed(&key).unwrap();
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&der).unwrap();
    ListenerCertificate {
        key: Arc::new(CertifiedKey::new(vec![CertificateDer::from(c.der().to_vec())], signing)),
        names: names.iter().map(|n| n.to_string()).collect(),
        not_after,
    }
}

const ECDSA: &[SignatureScheme] = &[SignatureScheme::ECDSA_NISTP256_SHA256, SignatureScheme::RSA_PSS_SHA256];

#[test]
fn exact_name_beats_wildcard_and_default_catches_the_rest() {
    let default = cert(&["default.example"], 1);
    let wild = cert(&["*.example.com"], 1);
    let exact = cert(&["www.example.com"], 1);
    let r = SniResolver::new(default.clone(), vec![wild.clone(), exact.clone()]);
    assert!(Arc::ptr_eq(&r.choose(Some("www.example.com"), ECDSA), &exact.key));
    assert!(Arc::ptr_eq(&r.choose(Some("WWW.Example.COM."), ECDSA), &exact.key), "names compare without case and trailing dot");
    assert!(Arc::ptr_eq(&r.choose(Some("api.example.com"), ECDSA), &wild.key));
    // A wildcard covers exactly one label.
    assert!(Arc::ptr_eq(&r.choose(Some("a.b.example.com"), ECDSA), &default.key));
    assert!(Arc::ptr_eq(&r.choose(Some("example.com"), ECDSA), &default.key));
    assert!(Arc::ptr_eq(&r.choose(None, ECDSA), &default.key));
    assert!(Arc::ptr_eq(&r.choose(Some("other.test"), ECDSA), &default.key));
}

#[test]
fn among_matches_the_longest_valid_supported_certificate_wins() {
    let default = cert(&["default.example"], 1);
    let short = cert(&["app.example.com"], 100);
    let long = cert(&["app.example.com"], 200);
    let r = SniResolver::new(default.clone(), vec![short, long.clone()]);
    assert!(Arc::ptr_eq(&r.choose(Some("app.example.com"), ECDSA), &long.key));
    // A client that cannot verify ECDSA gets no ECDSA match, so the default.
    assert!(Arc::ptr_eq(&r.choose(Some("app.example.com"), &[SignatureScheme::RSA_PSS_SHA256]), &default.key));
}

#[test]
fn policy_restricts_versions_and_suites() {
    let r = Arc::new(SniResolver::new(cert(&["a.example"], 1), vec![]));
    let s = SessionState::new().unwrap();
    let only12 = PolicySuites { tls12: true, tls13: false, suites: vec!["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384".into(), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into(), "NOT_A_SUITE".into()] };
    let cfg = listener_server_config(r.clone(), &only12, true, &s).unwrap();
    let names: Vec<String> = cfg.crypto_provider().cipher_suites.iter().map(|c| format!("{:?}", c.suite())).collect();
    assert_eq!(names, ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]);
    assert_eq!(cfg.alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    let h1 = listener_server_config(r, &PolicySuites::default(), false, &s).unwrap();
    assert_eq!(h1.alpn_protocols, [b"http/1.1".to_vec()]);
}
