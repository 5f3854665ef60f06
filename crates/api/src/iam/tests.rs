//! Golden tests of the IAM server-certificate actions against a real `State`: the XML of each
//! output shape, IAM's error codes and statuses, nothing stored after a refusal, and no private
//! key in any answer. The listener-certificate actions of ELBv2 are checked here too, since
//! they need a certificate.

use crate::service::Service;
use crate::test_support::*;

async fn upload(e: &Env, name: &str, cert: &str, key: &str, extra: &[(&str, &str)]) -> Result<String, crate::ApiError> {
    let mut pairs = vec![("ServerCertificateName", name), ("CertificateBody", cert), ("PrivateKey", key)];
    pairs.extend_from_slice(extra);
    query(e, Service::Iam, "UploadServerCertificate", &pairs).await
}

#[tokio::test]
async fn upload_get_list_update_delete() {
    let e = env().await;
    let (cert, key) = self_signed("www.example.test", "EC_prime256v1");
    let out = upload(&e, "web", &cert, &key, &[("Path", "/prod/"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "edge")]).await.unwrap();
    assert!(
        out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<UploadServerCertificateResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><UploadServerCertificateResult><ServerCertificateMetadata><Path>/prod/</Path><ServerCertificateName>web</ServerCertificateName><ServerCertificateId>ASCA"),
        "{out}"
    );
    assert!(out.contains("<Arn>arn:aws:iam::123456789012:server-certificate/prod/web</Arn><UploadDate>"), "{out}");
    assert!(out.contains("</ServerCertificateMetadata><Tags><member><Key>team</Key><Value>edge</Value></member></Tags></UploadServerCertificateResult><ResponseMetadata><RequestId>req-1</RequestId>"), "{out}");
    let id = first(&out, "ServerCertificateId");
    assert_eq!(id.len(), 21);
    assert!(id[4..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{id}");
    assert_no_key(&out, &key);

    let got = query(&e, Service::Iam, "GetServerCertificate", &[("ServerCertificateName", "web")]).await.unwrap();
    assert!(got.contains("<GetServerCertificateResult><ServerCertificate><ServerCertificateMetadata><Path>/prod/</Path>"), "{got}");
    assert_eq!(first(&got, "CertificateBody").replace("\n", ""), cert.replace("\n", ""));
    assert!(!got.contains("<CertificateChain>"), "no chain was given: {got}");
    assert_no_key(&got, &key);
    // Expiration is the certificate's notAfter, a day after it was made.
    let exp = first(&got, "Expiration");
    assert!(exp.ends_with('Z') && exp.len() == 24, "{exp}");

    let (cert2, key2) = self_signed("api.example.test", "EC_prime256v1");
    upload(&e, "api", &cert2, &key2, &[]).await.unwrap();
    let page = query(&e, Service::Iam, "ListServerCertificates", &[("MaxItems", "1")]).await.unwrap();
    assert_eq!(all(&page, "ServerCertificateName"), vec!["api"]);
    assert_eq!((first(&page, "IsTruncated"), first(&page, "Marker")), ("true".into(), "web".into()));
    let rest = query(&e, Service::Iam, "ListServerCertificates", &[("MaxItems", "1"), ("Marker", "web")]).await.unwrap();
    assert_eq!(all(&rest, "ServerCertificateName"), vec!["web"]);
    assert_eq!(first(&rest, "IsTruncated"), "false");
    let prod = query(&e, Service::Iam, "ListServerCertificates", &[("PathPrefix", "/prod")]).await.unwrap();
    assert_eq!(all(&prod, "ServerCertificateName"), vec!["web"]);

    let upd = query(&e, Service::Iam, "UpdateServerCertificate", &[("ServerCertificateName", "web"), ("NewServerCertificateName", "web2"), ("NewPath", "/")]).await.unwrap();
    assert_eq!(
        upd,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<UpdateServerCertificateResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></UpdateServerCertificateResponse>"
    );
    let got = query(&e, Service::Iam, "GetServerCertificate", &[("ServerCertificateName", "web2")]).await.unwrap();
    assert_eq!(first(&got, "Arn"), "arn:aws:iam::123456789012:server-certificate/web2");
    assert_eq!(first(&got, "ServerCertificateId"), id);

    query(&e, Service::Iam, "DeleteServerCertificate", &[("ServerCertificateName", "web2")]).await.unwrap();
    let err = query(&e, Service::Iam, "GetServerCertificate", &[("ServerCertificateName", "web2")]).await.unwrap_err();
    assert_eq!((err.status, err.code.as_ref(), err.message.as_str()), (404, "NoSuchEntity", "The Server Certificate with name web2 cannot be found."));
    let (_, body) = err.render(Service::Iam, "rid");
    assert!(body.contains("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"), "{body}");
}

#[tokio::test]
async fn refusals_use_iam_codes_and_store_nothing() {
    let e = env().await;
    let (cert, key) = self_signed("www.example.test", "EC_prime256v1");
    let (_, other_key) = self_signed("other.example.test", "EC_prime256v1");
    let (old, old_key) = expired("old.example.test");
    let truncated = &cert[..cert.len() / 2];
    let cases: Vec<(&str, &str, &str, u16, &str)> = vec![
        ("bad name!", &cert, &key, 400, "ValidationError"),
        ("mismatch", &cert, &other_key, 400, "KeyPairMismatch"),
        ("truncated", truncated, &key, 400, "MalformedCertificate"),
        ("garbage", "not a certificate", &key, 400, "MalformedCertificate"),
        ("garbage-key", &cert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 400, "MalformedCertificate"),
        ("expired", &old, &old_key, 400, "MalformedCertificate"),
    ];
    for (name, body, k, status, code) in cases {
        let err = upload(&e, name, body, k, &[]).await.unwrap_err();
        assert_eq!((err.status, err.code.as_ref()), (status, code), "{name}: {err:?}");
        assert_no_key(&err.message, k);
        assert_no_key(&err.message, &key);
    }
    let list = query(&e, Service::Iam, "ListServerCertificates", &[]).await.unwrap();
    assert!(list.contains("<ServerCertificateMetadataList/><IsTruncated>false</IsTruncated>"), "{list}");

    upload(&e, "web", &cert, &key, &[]).await.unwrap();
    let dup = upload(&e, "WEB", &cert, &key, &[]).await.unwrap_err();
    assert_eq!((dup.status, dup.code.as_ref(), dup.message.as_str()), (409, "EntityAlreadyExists", "The Server Certificate with name WEB already exists."));
    let missing = query(&e, Service::Iam, "DeleteServerCertificate", &[("ServerCertificateName", "nope")]).await.unwrap_err();
    assert_eq!((missing.status, missing.code.as_ref()), (404, "NoSuchEntity"));
    let bad_path = upload(&e, "p", &cert, &key, &[("Path", "prod")]).await.unwrap_err();
    assert_eq!(bad_path.code, "ValidationError");
    let long_key = "k".repeat(16_385);
    let too_long = upload(&e, "big", &cert, &long_key, &[]).await.unwrap_err();
    assert_eq!(too_long.code, "ValidationError");
    assert!(!too_long.message.contains("kkkk"), "the key is never quoted: {}", too_long.message);
    let unknown = query(&e, Service::Iam, "CreateUser", &[]).await.unwrap_err();
    assert_eq!(unknown.code, "InvalidAction");
}

/// An ALB in the default VPC with a target group; returns (load balancer ARN, target group ARN).
async fn alb(e: &Env) -> (String, String) {
    let snap = e.api.state.current();
    let r = snap.region("us-east-1");
    let vpc = r.ec2.default_vpc().unwrap().id.clone();
    let subnets: Vec<String> = r.ec2.subnets.keys().cloned().collect();
    let tg = query(e, Service::Elbv2, "CreateTargetGroup", &[("Name", "tg"), ("Protocol", "HTTP"), ("Port", "80"), ("VpcId", &vpc), ("TargetType", "ip")]).await.unwrap();
    let lb = query(e, Service::Elbv2, "CreateLoadBalancer", &[("Name", "lb"), ("Subnets.member.1", &subnets[0]), ("Subnets.member.2", &subnets[1])]).await.unwrap();
    (first(&lb, "LoadBalancerArn"), first(&tg, "TargetGroupArn"))
}

#[tokio::test]
async fn listener_certificates_and_delete_conflict() {
    let e = env().await;
    let (cert, key) = self_signed("www.example.test", "EC_prime256v1");
    let up = upload(&e, "web", &cert, &key, &[]).await.unwrap();
    let iam_arn = first(&up, "Arn");
    let (c2, k2) = self_signed("sni.example.test", "RSA_2048");
    let acm_arn = acm(&e, "ImportCertificate", serde_json::json!({ "Certificate": b64(&c2), "PrivateKey": b64(&k2) })).await.unwrap()["CertificateArn"].as_str().unwrap().to_string();
    let (lb, tg) = alb(&e).await;
    let created = query(
        &e,
        Service::Elbv2,
        "CreateListener",
        &[
            ("LoadBalancerArn", &lb),
            ("Protocol", "HTTPS"),
            ("Port", "18443"),
            ("Certificates.member.1.CertificateArn", &iam_arn),
            ("DefaultActions.member.1.Type", "forward"),
            ("DefaultActions.member.1.TargetGroupArn", &tg),
        ],
    )
    .await
    .unwrap();
    assert!(created.contains(&format!("<Certificates><member><CertificateArn>{iam_arn}</CertificateArn></member></Certificates>")), "{created}");
    let listener = first(&created, "ListenerArn");

    let added = query(&e, Service::Elbv2, "AddListenerCertificates", &[("ListenerArn", &listener), ("Certificates.member.1.CertificateArn", &acm_arn)]).await.unwrap();
    assert!(
        added.contains(&format!("<AddListenerCertificatesResult><Certificates><member><CertificateArn>{acm_arn}</CertificateArn><IsDefault>false</IsDefault></member></Certificates></AddListenerCertificatesResult>")),
        "{added}"
    );
    let described = query(&e, Service::Elbv2, "DescribeListenerCertificates", &[("ListenerArn", &listener)]).await.unwrap();
    assert!(
        described.contains(&format!(
            "<DescribeListenerCertificatesResult><Certificates><member><CertificateArn>{acm_arn}</CertificateArn><IsDefault>false</IsDefault></member><member><CertificateArn>{iam_arn}</CertificateArn><IsDefault>true</IsDefault></member></Certificates></DescribeListenerCertificatesResult>"
        )),
        "{described}"
    );
    let conflict = query(&e, Service::Iam, "DeleteServerCertificate", &[("ServerCertificateName", "web")]).await.unwrap_err();
    assert_eq!((conflict.status, conflict.code.as_ref()), (409, "DeleteConflict"));
    assert!(conflict.message.contains(&lb), "{}", conflict.message);
    let in_use = acm(&e, "DeleteCertificate", serde_json::json!({ "CertificateArn": acm_arn })).await.unwrap_err();
    assert_eq!((in_use.status, in_use.code.as_ref()), (400, "ResourceInUseException"));
    let detail = acm(&e, "DescribeCertificate", serde_json::json!({ "CertificateArn": acm_arn })).await.unwrap();
    assert_eq!(detail["Certificate"]["InUseBy"], serde_json::json!([lb]));
    let not_default = query(&e, Service::Elbv2, "RemoveListenerCertificates", &[("ListenerArn", &listener), ("Certificates.member.1.CertificateArn", &iam_arn)]).await.unwrap_err();
    assert_eq!(not_default.code, "OperationNotPermitted");
    query(&e, Service::Elbv2, "RemoveListenerCertificates", &[("ListenerArn", &listener), ("Certificates.member.1.CertificateArn", &acm_arn)]).await.unwrap();
    acm(&e, "DeleteCertificate", serde_json::json!({ "CertificateArn": acm_arn })).await.unwrap();
    let missing = query(&e, Service::Elbv2, "AddListenerCertificates", &[("ListenerArn", &listener), ("Certificates.member.1.CertificateArn", &acm_arn)]).await.unwrap_err();
    assert_eq!(missing.code, "CertificateNotFound");
}
