//! Tests of listener certificates: resolution of IAM and ACM ARNs, the certificate list, and
//! the invariant that every listener's certificates exist.
use crate::certificate::testing::*;
use crate::command::{Elbv2Command, ModifyListener};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::snapshot::Snapshot;

const L1: &str = "1111111111111111";

fn add(certs: &[String]) -> Elbv2Command {
    Elbv2Command::AddListenerCertificates { listener_arn: listener_arn(L1), certificates: certs.to_vec() }
}

fn remove(certs: &[String]) -> Elbv2Command {
    Elbv2Command::RemoveListenerCertificates { listener_arn: listener_arn(L1), certificates: certs.to_vec() }
}

/// The ALB with IAM certificate `web`, ACM certificates 1 and 2, and an HTTPS listener whose
/// default certificate is `web`.
fn world() -> Snapshot {
    let s = alb().apply(&upload("web")).unwrap().apply(&import(R, 1)).unwrap().apply(&import(R, 2)).unwrap();
    elbv2(&s, https_listener(L1, 8443, &iam_arn("web"))).unwrap()
}

fn sni(s: &Snapshot) -> Vec<String> {
    s.region(R).listeners[&listener_arn(L1)].sni_certificate_arns.clone()
}

#[test]
fn listener_certificate_arns_resolve_to_iam_and_same_region_acm_only() {
    let s = alb().apply(&upload("web")).unwrap().apply(&import(R, 1)).unwrap().apply(&import("eu-west-1", 1)).unwrap();
    elbv2(&s, https_listener(L1, 8443, &iam_arn("web"))).unwrap();
    elbv2(&s, https_listener(L1, 8443, &acm_arn(R, 1))).unwrap();
    for missing in [iam_arn("nope"), acm_arn(R, 7), acm_arn("eu-west-1", 1), "arn:aws:s3:::bucket".to_string(), "garbage".to_string()] {
        match elbv2(&s, https_listener(L1, 8443, &missing)).unwrap_err() {
            ModelError::NotFound { kind: ResourceKind::Certificate, id } => assert_eq!(id, missing),
            e => panic!("{missing}: {e:?}"),
        }
    }
    assert_eq!(s.certificate(R, &iam_arn("web")).unwrap().facts.domain_name, "web.example.com");
    assert!(s.certificate(R, &acm_arn("eu-west-1", 1)).is_none());
}

#[test]
fn modify_listener_checks_the_new_certificate() {
    let s = world();
    let modify = |c: &str| Elbv2Command::ModifyListener(ModifyListener {
        arn: listener_arn(L1),
        port: None,
        protocol: None,
        ssl_policy: None,
        certificates: Some(vec![c.to_string()]),
        default_actions: None,
        alpn_policy: None,
    });
    let s2 = elbv2(&s, modify(&acm_arn(R, 1))).unwrap();
    assert_eq!(s2.region(R).listeners[&listener_arn(L1)].certificate_arn.as_deref(), Some(acm_arn(R, 1).as_str()));
    assert!(matches!(elbv2(&s, modify(&acm_arn(R, 9))).unwrap_err(), ModelError::NotFound { kind: ResourceKind::Certificate, .. }));
}

#[test]
fn add_and_remove_maintain_the_certificate_list() {
    let s = world();
    let s = elbv2(&s, add(&[acm_arn(R, 1), acm_arn(R, 2)])).unwrap();
    assert_eq!(sni(&s), vec![acm_arn(R, 1), acm_arn(R, 2)]);
    // Adding again changes nothing.
    let s = elbv2(&s, add(&[acm_arn(R, 1)])).unwrap();
    assert_eq!(sni(&s).len(), 2);
    let s = elbv2(&s, remove(&[acm_arn(R, 1)])).unwrap();
    assert_eq!(sni(&s), vec![acm_arn(R, 2)]);
    // Removing one not listed is fine; removing the default is not.
    let s = elbv2(&s, remove(&[acm_arn(R, 1)])).unwrap();
    assert!(matches!(elbv2(&s, remove(&[iam_arn("web")])).unwrap_err(), ModelError::NotPermitted(_)));
    assert!(matches!(elbv2(&s, add(&[acm_arn(R, 9)])).unwrap_err(), ModelError::NotFound { kind: ResourceKind::Certificate, .. }));
    let other = Elbv2Command::AddListenerCertificates { listener_arn: listener_arn("2222222222222222"), certificates: vec![acm_arn(R, 1)] };
    assert!(matches!(elbv2(&s, other).unwrap_err(), ModelError::NotFound { kind: ResourceKind::Listener, .. }));
}

#[test]
fn at_most_25_listed_certificates_per_load_balancer() {
    let mut s = world();
    for i in 0..30 {
        s = s.apply(&upload(&format!("sni{i}"))).unwrap_or(s);
    }
    let names: Vec<String> = s.iam.server_certificates.keys().filter(|n| n.starts_with("sni")).cloned().collect();
    assert!(names.len() >= 19, "the IAM quota of 20 allows 19 besides 'web'");
    let mut arns: Vec<String> = names.iter().map(|n| iam_arn(n)).collect();
    arns.extend((1..=2).map(|n| acm_arn(R, n)));
    for n in 3..=10 {
        s = s.apply(&import(R, n)).unwrap();
        arns.push(acm_arn(R, n));
    }
    // The default certificate does not count, even when listed.
    let mut listed = arns[..25].to_vec();
    listed.push(iam_arn("web"));
    let full = elbv2(&s, add(&listed)).unwrap();
    assert_eq!(sni(&full).len(), 26);
    match elbv2(&full, add(&arns[25..26])).unwrap_err() {
        ModelError::TooMany { quota: Quota::Certificates, .. } => {}
        e => panic!("{e:?}"),
    }
}

#[test]
fn only_https_and_tls_listeners_take_certificates() {
    let s = alb().apply(&import(R, 1)).unwrap();
    let mut http = https_listener(L1, 8080, "x");
    if let Elbv2Command::CreateListener(c) = &mut http {
        c.protocol = Some(crate::Protocol::Http);
        c.certificates.clear();
    }
    let s = elbv2(&s, http).unwrap();
    assert!(matches!(elbv2(&s, add(&[acm_arn(R, 1)])).unwrap_err(), ModelError::InvalidConfiguration(_)));
}

#[test]
fn invariants_refuse_a_listener_whose_certificate_is_gone() {
    let mut s = world();
    s.iam.server_certificates.clear();
    match s.check_invariants().unwrap_err() {
        ModelError::InvalidConfiguration(m) => assert!(m.contains("missing certificate"), "{m}"),
        e => panic!("{e:?}"),
    }
}
