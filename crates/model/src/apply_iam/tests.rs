//! Tests of the IAM server-certificate commands.
use crate::certificate::testing::*;
use crate::command::{Command, IamCommand, UploadServerCertificate};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::snapshot::Snapshot;

fn iam(s: &Snapshot, op: IamCommand) -> Result<Snapshot, ModelError> {
    s.apply(&Command::Iam { op })
}

fn update(name: &str, new_name: Option<&str>, new_path: Option<&str>) -> IamCommand {
    IamCommand::UpdateServerCertificate { name: name.into(), new_name: new_name.map(Into::into), new_path: new_path.map(Into::into) }
}

fn delete(name: &str) -> IamCommand {
    IamCommand::DeleteServerCertificate { name: name.into() }
}

#[test]
fn upload_stores_the_certificate_account_wide() {
    let s = Snapshot::empty().apply(&upload("web")).unwrap();
    let c = s.iam.server_certificate("web").unwrap();
    assert_eq!(c.arn, "arn:aws:iam::123456789012:server-certificate/web");
    assert_eq!((c.path.as_str(), c.upload_date), ("/", 10));
    assert_eq!(c.certificate.sealed_private_key, "sealed");
    assert!(s.regions.is_empty(), "IAM touches no region");
    assert_eq!(s.revision, 1);
    // Names are unique whatever their case, and found whatever the case.
    assert_eq!(s.iam.server_certificate("WEB").unwrap().name, "web");
    match s.apply(&upload("WEB")).unwrap_err() {
        ModelError::Duplicate { kind: ResourceKind::Certificate, message } => assert_eq!(message, "The Server Certificate with name WEB already exists."),
        e => panic!("{e:?}"),
    }
}

#[test]
fn upload_checks_name_path_tags_and_quota() {
    let mut bad = upload("a b");
    assert!(matches!(Snapshot::empty().apply(&bad).unwrap_err(), ModelError::Invalid { field, .. } if field == "ServerCertificateName"));
    if let Command::Iam { op: IamCommand::UploadServerCertificate(u) } = &mut bad {
        let UploadServerCertificate { name, path, .. } = u.as_mut();
        *name = "ok".into();
        *path = "no-slashes".into();
    }
    assert!(matches!(Snapshot::empty().apply(&bad).unwrap_err(), ModelError::Invalid { field, .. } if field == "Path"));
    let mut s = Snapshot::empty();
    for i in 0..crate::SERVER_CERTIFICATES_PER_ACCOUNT {
        s = s.apply(&upload(&format!("c{i}"))).unwrap();
    }
    assert!(matches!(s.apply(&upload("one-more")).unwrap_err(), ModelError::TooMany { quota: Quota::ServerCertificates, .. }));
}

#[test]
fn update_renames_and_moves_changing_the_arn() {
    let s = Snapshot::empty().apply(&upload("old")).unwrap().apply(&upload("other")).unwrap();
    let s2 = iam(&s, update("old", Some("new"), Some("/prod/"))).unwrap();
    assert!(s2.iam.server_certificate("old").is_none());
    let c = s2.iam.server_certificate("new").unwrap();
    assert_eq!(c.arn, "arn:aws:iam::123456789012:server-certificate/prod/new");
    assert_eq!(c.path, "/prod/");
    assert_eq!(c.id, s.iam.server_certificate("old").unwrap().id, "the id stays");
    assert!(matches!(iam(&s, update("old", Some("other"), None)).unwrap_err(), ModelError::Duplicate { .. }));
    assert!(matches!(iam(&s, update("nope", Some("x"), None)).unwrap_err(), ModelError::NotFound { kind: ResourceKind::Certificate, .. }));
    assert!(matches!(iam(&s, update("old", None, Some("bad"))).unwrap_err(), ModelError::Invalid { .. }));
    // Nothing to change is fine.
    iam(&s, update("old", None, None)).unwrap();
}

#[test]
fn a_certificate_in_use_is_neither_deleted_nor_renamed() {
    let s = alb().apply(&upload("web")).unwrap();
    let s = elbv2(&s, https_listener("1111111111111111", 8443, &iam_arn("web"))).unwrap();
    match iam(&s, delete("web")).unwrap_err() {
        ModelError::InUse { kind: ResourceKind::Certificate, message } => assert!(message.contains(LB) && message.contains("Please remove it first"), "{message}"),
        e => panic!("{e:?}"),
    }
    assert!(matches!(iam(&s, update("web", Some("web2"), None)).unwrap_err(), ModelError::InUse { .. }));
    // Once the listener is gone, both work.
    let s = elbv2(&s, crate::Elbv2Command::DeleteListener { arn: listener_arn("1111111111111111") }).unwrap();
    let s = iam(&s, update("web", Some("web2"), None)).unwrap();
    let s = iam(&s, delete("web2")).unwrap();
    assert!(s.iam.server_certificates.is_empty());
    assert!(matches!(iam(&s, delete("web2")).unwrap_err(), ModelError::NotFound { .. }));
}

#[test]
fn an_sni_certificate_counts_as_in_use_too() {
    let s = alb().apply(&upload("default")).unwrap().apply(&upload("sni")).unwrap();
    let s = elbv2(&s, https_listener("1111111111111111", 8443, &iam_arn("default"))).unwrap();
    let s = elbv2(&s, crate::Elbv2Command::AddListenerCertificates { listener_arn: listener_arn("1111111111111111"), certificates: vec![iam_arn("sni")] }).unwrap();
    assert!(matches!(iam(&s, delete("sni")).unwrap_err(), ModelError::InUse { .. }));
}

#[test]
fn old_snapshots_without_iam_still_load() {
    let s: Snapshot = serde_json::from_str(r#"{"revision":7,"regions":{}}"#).unwrap();
    assert!(s.iam.server_certificates.is_empty());
    assert_eq!(s.revision, 7);
}
