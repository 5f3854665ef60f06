use std::collections::HashSet;

use super::*;

const TLS13_SUITES: [&str; 3] = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

fn ciphers(name: &str) -> &'static [&'static str] {
    find(name).unwrap_or_else(|| panic!("{name} is missing")).ciphers
}

#[test]
fn the_default_exists_and_is_the_one_apply_uses() {
    let p = find(DEFAULT).unwrap();
    assert_eq!(DEFAULT, crate::DEFAULT_SSL_POLICY);
    assert_eq!(all()[0].name, DEFAULT, "DescribeSSLPolicies lists the default first");
    assert_eq!(p.protocols, ["TLSv1", "TLSv1.1", "TLSv1.2"]);
    assert_eq!(p.ciphers.len(), 18);
    assert_eq!(p.ciphers[0], "ECDHE-ECDSA-AES128-GCM-SHA256");
    assert_eq!(p.ciphers[17], "AES256-SHA");
}

#[test]
fn names_are_unique_well_formed_and_every_field_is_filled() {
    let mut seen = HashSet::new();
    for p in all() {
        assert!(seen.insert(p.name), "{} twice", p.name);
        assert!(p.name.starts_with("ELBSecurityPolicy-"), "{}", p.name);
        assert!(!p.protocols.is_empty() && !p.ciphers.is_empty(), "{}", p.name);
        assert_eq!(p.load_balancer_types, ["application", "network"], "{}", p.name);
        let unique: HashSet<_> = p.ciphers.iter().collect();
        assert_eq!(unique.len(), p.ciphers.len(), "{} lists a cipher twice", p.name);
        for c in p.ciphers {
            assert!(iana_name(c).is_some(), "{}: {c} has no IANA name", p.name);
        }
        for v in p.protocols {
            assert!(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"].contains(v), "{}: {v}", p.name);
        }
        let mut sorted = p.protocols.to_vec();
        sorted.sort_by_key(|v| ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"].iter().position(|x| x == v));
        assert_eq!(sorted, p.protocols, "{}: protocols lowest first", p.name);
    }
}

#[test]
fn the_policies_the_brief_and_the_cli_example_name_are_all_there() {
    for name in [
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        "ELBSecurityPolicy-TLS13-1-0-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS-1-0-2015-04",
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-FS-2018-06",
        "ELBSecurityPolicy-FS-1-1-2019-08",
        "ELBSecurityPolicy-FS-1-2-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        "ELBSecurityPolicy-2015-05",
        "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    ] {
        assert!(find(name).is_some(), "{name}");
    }
    // AWS matches names exactly; there is no TLS 1.1 PQ policy.
    assert!(find("elbsecuritypolicy-2016-08").is_none());
    assert!(find("ELBSecurityPolicy-TLS13-1-1-PQ-2025-09").is_none());
    assert!(find("").is_none());
    assert_eq!(all().len(), 39);
}

#[test]
fn every_tls13_policy_lists_tls13_and_its_suites_first() {
    for p in all().iter().filter(|p| p.name.contains("TLS13")) {
        assert!(p.protocols.contains(&"TLSv1.3"), "{}", p.name);
        let want: &[&str] = if p.name.contains("FIPS") { &TLS13_SUITES[..2] } else { &TLS13_SUITES };
        assert_eq!(&p.ciphers[..want.len()], want, "{}", p.name);
        assert!(!p.ciphers[want.len()..].iter().any(|c| c.starts_with("TLS_")), "{}: TLS 1.3 suites come first", p.name);
    }
    for p in all().iter().filter(|p| !p.name.contains("TLS13")) {
        assert!(!p.protocols.contains(&"TLSv1.3"), "{}", p.name);
        assert!(!p.ciphers.iter().any(|c| c.starts_with("TLS_")), "{}", p.name);
    }
}

#[test]
fn fips_policies_have_no_chacha20_and_tls13_only_policies_no_tls12_suites() {
    for p in all().iter().filter(|p| p.name.contains("FIPS")) {
        assert!(!p.ciphers.contains(&"TLS_CHACHA20_POLY1305_SHA256"), "{}", p.name);
    }
    for p in all().iter().filter(|p| p.name.contains("TLS13-1-3")) {
        assert_eq!(p.protocols, ["TLSv1.3"], "{}", p.name);
        assert!(p.ciphers.iter().all(|c| c.starts_with("TLS_")), "{}", p.name);
    }
}

#[test]
fn the_minimum_version_in_the_name_is_the_lowest_protocol() {
    for p in all() {
        let n = p.name;
        let lowest = if n.contains("-1-0-") || n.contains("-2016-08") || n.contains("-2015-05") || n == "ELBSecurityPolicy-FS-2018-06" {
            "TLSv1"
        } else if n.contains("-1-1-") {
            "TLSv1.1"
        } else if n.contains("-1-3-") {
            "TLSv1.3"
        } else {
            "TLSv1.2"
        };
        assert_eq!(p.protocols[0], lowest, "{n}");
    }
}

#[test]
fn tables_match_the_guides() {
    // ALB guide, "Ciphers by policy".
    assert_eq!(
        ciphers("ELBSecurityPolicy-TLS13-1-2-2021-06"),
        [
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES128-SHA256",
            "ECDHE-RSA-AES128-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-AES256-SHA384",
            "ECDHE-RSA-AES256-SHA384",
        ]
    );
    assert_eq!(
        ciphers("ELBSecurityPolicy-TLS13-1-2-Res-2021-06")[3..],
        ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"]
    );
    assert_eq!(ciphers("ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06")[3..], ciphers("ELBSecurityPolicy-TLS-1-2-2017-01")[..]);
    assert_eq!(ciphers("ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06")[3..], ciphers(DEFAULT)[..]);
    assert_eq!(ciphers("ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04")[2..], ciphers("ELBSecurityPolicy-FS-1-2-2019-08")[..]);
    assert_eq!(ciphers("ELBSecurityPolicy-FS-1-2-Res-2020-10"), ciphers("ELBSecurityPolicy-TLS13-1-2-Res-2021-06")[3..].to_vec());
    // FS policies: the default's ECDHE suites, no RSA key exchange.
    for name in ["ELBSecurityPolicy-FS-2018-06", "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-FS-1-2-2019-08"] {
        assert_eq!(ciphers(name), &ciphers(DEFAULT)[..12], "{name}");
    }
    // 2015-05 is identical to 2016-08; TLS-1-0-2015-04 adds 3DES last.
    assert_eq!(find("ELBSecurityPolicy-2015-05").unwrap().ciphers, ciphers(DEFAULT));
    assert_eq!(ciphers("ELBSecurityPolicy-TLS-1-0-2015-04").last(), Some(&"DES-CBC3-SHA"));
    // The API's order (botocore's example output, s2n-tls): RSA before ECDSA for AES256-SHA.
    let d = ciphers(DEFAULT);
    assert_eq!((d[10], d[11]), ("ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA"));
}

#[test]
fn post_quantum_policies_equal_the_policy_they_extend() {
    let pq: Vec<_> = all().iter().filter(|p| p.name.contains("-PQ-")).collect();
    assert_eq!(pq.len(), 13);
    for p in pq {
        let base = if p.name.contains("FIPS") { p.name.replace("-PQ-2025-09", "-2023-04") } else { p.name.replace("-PQ-2025-09", "-2021-06") };
        let b = find(&base).unwrap_or_else(|| panic!("{}: no {base}", p.name));
        assert_eq!((p.protocols, p.ciphers), (b.protocols, b.ciphers), "{}", p.name);
    }
}

#[test]
fn check_refuses_unknown_names_as_ssl_policy_not_found() {
    assert_eq!(check(None), Ok(()));
    assert_eq!(check(Some("ELBSecurityPolicy-TLS13-1-2-2021-06")), Ok(()));
    let e = check(Some("Nope")).unwrap_err();
    assert_eq!(e, ModelError::NotFound { kind: ResourceKind::SslPolicy, id: "Nope".into() });
    assert_eq!(e.to_string(), "SSL policy 'Nope' not found");
}

#[test]
fn rustls_gets_the_ecdhe_gcm_and_tls13_suites_in_priority_order() {
    let (tls12, tls13, suites) = rustls_suites(find("ELBSecurityPolicy-TLS13-1-2-2021-06").unwrap());
    assert!(tls12 && tls13);
    assert_eq!(
        suites,
        [
            "TLS13_AES_128_GCM_SHA256",
            "TLS13_AES_256_GCM_SHA384",
            "TLS13_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        ]
    );
    // The default: TLS 1.0/1.1, CBC and RSA key exchange dropped.
    let (tls12, tls13, suites) = rustls_suites(find(DEFAULT).unwrap());
    assert!(tls12 && !tls13);
    assert_eq!(
        suites,
        ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
    );
    let (tls12, tls13, suites) = rustls_suites(find("ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04").unwrap());
    assert!(!tls12 && tls13);
    assert_eq!(suites, ["TLS13_AES_128_GCM_SHA256", "TLS13_AES_256_GCM_SHA384"]);
}

#[test]
fn every_policy_keeps_something_rustls_can_serve() {
    for p in all() {
        let (tls12, tls13, suites) = rustls_suites(p);
        assert_eq!(tls12, p.protocols.contains(&"TLSv1.2"), "{}", p.name);
        assert_eq!(tls13, p.protocols.contains(&"TLSv1.3"), "{}", p.name);
        assert!(!suites.is_empty(), "{}", p.name);
        assert!(suites.iter().all(|s| s.contains("GCM") || s.contains("CHACHA20")), "{}: {suites:?}", p.name);
        assert!(suites.iter().all(|s| s.starts_with("TLS13_") || s.starts_with("TLS_ECDHE_")), "{}: {suites:?}", p.name);
    }
}

#[test]
fn iana_names_follow_the_policies_by_cipher_tables() {
    assert_eq!(iana_name("ECDHE-RSA-AES128-GCM-SHA256"), Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    assert_eq!(iana_name("ECDHE-ECDSA-AES256-SHA384"), Some("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"));
    assert_eq!(iana_name("AES128-SHA"), Some("TLS_RSA_WITH_AES_128_CBC_SHA"));
    assert_eq!(iana_name("TLS_AES_256_GCM_SHA384"), Some("TLS_AES_256_GCM_SHA384"));
    assert_eq!(iana_name("RC4-SHA"), None);
}
