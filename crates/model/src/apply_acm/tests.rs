//! Tests of the ACM commands.
use crate::certificate::AcmCertificateType;
use crate::certificate::testing::*;
use crate::command::{AcmCommand, Command, RequestCertificate, TagKeyValue};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::snapshot::Snapshot;

fn acm(s: &Snapshot, op: AcmCommand) -> Result<Snapshot, ModelError> {
    s.apply(&Command::Acm { region: R.into(), op })
}

fn reimport(n: u32, domain: &str, key: &str, now: u64) -> AcmCommand {
    AcmCommand::ImportCertificate { arn: acm_arn(R, n), reimport: true, certificate: stored(domain, key), tags: vec![], now }
}

fn request(n: u32, token: Option<&str>, now: u64) -> AcmCommand {
    AcmCommand::RequestCertificate(RequestCertificate {
        arn: acm_arn(R, n),
        names: vec!["www.example.com".into(), "example.com".into()],
        key_algorithm: "RSA_2048".into(),
        validation_method: "DNS".into(),
        idempotency_token: token.map(Into::into),
        certificate: stored("www.example.com", "RSA_2048"),
        tags: vec![("team".into(), "edge".into())],
        now,
    })
}

#[test]
fn import_stores_per_region() {
    let s = Snapshot::empty().apply(&import(R, 1)).unwrap();
    let c = &s.region(R).acm_certificates[&acm_arn(R, 1)];
    assert_eq!((c.kind, c.created_at, c.imported_or_issued_at), (AcmCertificateType::Imported, 20, 20));
    assert!(s.region("eu-west-1").acm_certificates.is_empty());
}

#[test]
fn reimport_replaces_the_material_and_keeps_the_rest() {
    let s = Snapshot::empty().apply(&import(R, 1)).unwrap();
    let s = acm(&s, AcmCommand::AddTagsToCertificate { arn: acm_arn(R, 1), tags: vec![("k".into(), "v".into())] }).unwrap();
    let s2 = acm(&s, reimport(1, "renewed.example.com", "RSA_2048", 99)).unwrap();
    let c = &s2.region(R).acm_certificates[&acm_arn(R, 1)];
    assert_eq!(c.certificate.facts.domain_name, "renewed.example.com");
    assert_eq!((c.created_at, c.imported_or_issued_at), (20, 99));
    assert_eq!(c.tags.get("k").map(String::as_str), Some("v"));
    // The key type cannot change; tags cannot come with a re-import; the ARN must exist.
    assert!(matches!(acm(&s, reimport(1, "x.example.com", "EC_prime256v1", 99)).unwrap_err(), ModelError::Invalid { .. }));
    let with_tags = AcmCommand::ImportCertificate { arn: acm_arn(R, 1), reimport: true, certificate: stored("x", "RSA_2048"), tags: vec![("a".into(), "b".into())], now: 1 };
    assert!(matches!(acm(&s, with_tags).unwrap_err(), ModelError::Invalid { field, .. } if field == "Tags"));
    assert!(matches!(acm(&s, reimport(2, "x", "RSA_2048", 1)).unwrap_err(), ModelError::NotFound { kind: ResourceKind::Certificate, .. }));
}

#[test]
fn requested_certificates_are_issued_and_idempotent_within_the_hour() {
    let s = acm(&Snapshot::empty(), request(1, Some("tok"), 1_000)).unwrap();
    let c = &s.region(R).acm_certificates[&acm_arn(R, 1)];
    assert_eq!(c.kind, AcmCertificateType::AmazonIssued);
    assert_eq!(c.requested_names, vec!["www.example.com", "example.com"]);
    assert_eq!(c.validation_method.as_deref(), Some("DNS"));
    // Same token within the hour: the same certificate, nothing new.
    let again = acm(&s, request(2, Some("tok"), 1_000 + 59 * 60 * 1000)).unwrap();
    assert_eq!(again.region(R).acm_certificates.len(), 1);
    assert!(crate::acm_idempotent_request(&again.region(R), "tok", &c.requested_names, 2_000).is_some());
    // After the hour, or without a token: a new one.
    let later = acm(&s, request(2, Some("tok"), 1_000 + 61 * 60 * 1000)).unwrap();
    assert_eq!(later.region(R).acm_certificates.len(), 2);
    assert_eq!(acm(&s, request(3, None, 2_000)).unwrap().region(R).acm_certificates.len(), 2);
    // An issued certificate cannot be re-imported.
    assert!(matches!(acm(&s, reimport(1, "x", "RSA_2048", 5)).unwrap_err(), ModelError::Invalid { field, .. } if field == "CertificateArn"));
}

#[test]
fn delete_refuses_a_certificate_in_use() {
    let s = alb().apply(&import(R, 1)).unwrap();
    let s = elbv2(&s, https_listener("1111111111111111", 8443, &acm_arn(R, 1))).unwrap();
    assert_eq!(s.region(R).load_balancers_using_certificate(&acm_arn(R, 1)), vec![LB.to_string()]);
    match acm(&s, AcmCommand::DeleteCertificate { arn: acm_arn(R, 1) }).unwrap_err() {
        ModelError::InUse { kind: ResourceKind::Certificate, message } => assert!(message.contains(LB), "{message}"),
        e => panic!("{e:?}"),
    }
    let s = elbv2(&s, crate::Elbv2Command::DeleteLoadBalancer { arn: LB.into() }).unwrap();
    let s = acm(&s, AcmCommand::DeleteCertificate { arn: acm_arn(R, 1) }).unwrap();
    assert!(s.region(R).acm_certificates.is_empty());
    assert!(matches!(acm(&s, AcmCommand::DeleteCertificate { arn: acm_arn(R, 1) }).unwrap_err(), ModelError::NotFound { .. }));
}

#[test]
fn tags_add_and_remove_by_key_or_key_and_value() {
    let s = Snapshot::empty().apply(&import(R, 1)).unwrap();
    let s = acm(&s, AcmCommand::AddTagsToCertificate { arn: acm_arn(R, 1), tags: vec![("a".into(), "1".into()), ("b".into(), "2".into()), ("c".into(), "3".into())] }).unwrap();
    let s = acm(
        &s,
        AcmCommand::RemoveTagsFromCertificate {
            arn: acm_arn(R, 1),
            tags: vec![TagKeyValue { key: "a".into(), value: None }, TagKeyValue { key: "b".into(), value: Some("wrong".into()) }, TagKeyValue { key: "c".into(), value: Some("3".into()) }],
        },
    )
    .unwrap();
    let tags: Vec<String> = s.region(R).acm_certificates[&acm_arn(R, 1)].tags.keys().cloned().collect();
    assert_eq!(tags, vec!["b"]);
    let many: Vec<(String, String)> = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
    assert!(matches!(acm(&s, AcmCommand::AddTagsToCertificate { arn: acm_arn(R, 1), tags: many }).unwrap_err(), ModelError::TooMany { quota: Quota::Tags, .. }));
    assert!(matches!(acm(&s, AcmCommand::AddTagsToCertificate { arn: acm_arn(R, 9), tags: vec![] }).unwrap_err(), ModelError::NotFound { .. }));
}

#[test]
fn renewal_replaces_issued_material_once_and_never_imported() {
    let s = acm(&Snapshot::empty(), request(1, None, 10)).unwrap();
    let arn = acm_arn(R, 1);
    let old_serial = s.region(R).acm_certificates[&arn].certificate.facts.serial.clone();
    let mut renewed = stored("www.example.com", "RSA_2048");
    renewed.facts.serial = "02".into();
    let renew = |serial: &str, now| AcmCommand::RenewCertificate { arn: arn.clone(), expected_serial: serial.into(), certificate: renewed.clone(), now };
    let s = acm(&s, renew(&old_serial, 500)).unwrap();
    let c = &s.region(R).acm_certificates[&arn];
    assert_eq!((c.certificate.facts.serial.as_str(), c.imported_or_issued_at, c.created_at), ("02", 500, 10));
    // A second renewal decided on the old material (another node) changes nothing.
    let again = acm(&s, renew(&old_serial, 900)).unwrap();
    assert_eq!(again.region(R).acm_certificates[&arn].imported_or_issued_at, 500);
    // Imported certificates are renewed by re-importing, not by ACM.
    let s = s.apply(&import(R, 2)).unwrap();
    let e = acm(&s, AcmCommand::RenewCertificate { arn: acm_arn(R, 2), expected_serial: String::new(), certificate: renewed.clone(), now: 1 }).unwrap_err();
    assert!(matches!(e, ModelError::Invalid { .. }), "{e:?}");
}
