//! Golden tests of the ACM actions against a real `State`: the JSON of each output shape, ACM's
//! error codes, re-import, tags, RequestCertificate from the local CA, and no private key in
//! any answer.

use serde_json::{Value, json};

use crate::test_support::*;

async fn import(e: &Env, cert: &str, key: &str) -> String {
    let out = acm(e, "ImportCertificate", json!({ "Certificate": b64(cert), "PrivateKey": b64(key) })).await.unwrap();
    out["CertificateArn"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn import_describe_get_list_reimport_delete() {
    let e = env().await;
    let (cert, key) = self_signed("www.example.test", "RSA_2048");
    let arn = import(&e, &cert, &key).await;
    let id = arn.strip_prefix("arn:aws:acm:us-east-1:123456789012:certificate/").unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4", "a UUID v4: {id}");

    let d = acm(&e, "DescribeCertificate", json!({ "CertificateArn": arn })).await.unwrap();
    let c = &d["Certificate"];
    assert_eq!(c["CertificateArn"], json!(arn));
    assert_eq!(c["DomainName"], json!("www.example.test"));
    assert_eq!(c["SubjectAlternativeNames"], json!(["www.example.test"]));
    assert_eq!((c["Type"].as_str(), c["Status"].as_str(), c["KeyAlgorithm"].as_str()), (Some("IMPORTED"), Some("ISSUED"), Some("RSA_2048")));
    assert_eq!(c["Subject"], json!("CN=www.example.test"));
    assert_eq!(c["RenewalEligibility"], json!("INELIGIBLE"));
    assert_eq!(c["InUseBy"], json!([]));
    assert!(c["CreatedAt"].is_f64() && c["ImportedAt"].is_f64() && c["NotBefore"].is_f64() && c["NotAfter"].is_f64(), "{c}");
    assert!(c.get("IssuedAt").is_none());
    assert!(c["Serial"].as_str().unwrap().contains(':'));

    let got = acm(&e, "GetCertificate", json!({ "CertificateArn": arn })).await.unwrap();
    assert_eq!(got["Certificate"].as_str().unwrap().replace("\n", ""), cert.replace("\n", ""));
    assert!(got.get("CertificateChain").is_none());
    for v in [&d, &got] {
        assert_no_key(&v.to_string(), &key);
    }

    let list = acm(&e, "ListCertificates", json!({})).await.unwrap();
    let summaries = list["CertificateSummaryList"].as_array().unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0]["CertificateArn"], json!(arn));
    assert_eq!(summaries[0]["InUse"], json!(false));
    // ACM lists RSA_1024/RSA_2048 unless asked for other key types.
    let (ec, ec_key) = self_signed("ec.example.test", "EC_prime256v1");
    let ec_arn = import(&e, &ec, &ec_key).await;
    assert_eq!(acm(&e, "ListCertificates", json!({})).await.unwrap()["CertificateSummaryList"].as_array().unwrap().len(), 1);
    let ec_list = acm(&e, "ListCertificates", json!({ "Includes": { "keyTypes": ["EC_prime256v1"] } })).await.unwrap();
    assert_eq!(ec_list["CertificateSummaryList"][0]["CertificateArn"], json!(ec_arn));
    let both = acm(&e, "ListCertificates", json!({ "Includes": { "keyTypes": ["EC_prime256v1", "RSA_2048"] }, "MaxItems": 1 })).await.unwrap();
    assert_eq!(both["CertificateSummaryList"].as_array().unwrap().len(), 1);
    let next = both["NextToken"].as_str().unwrap().to_string();
    let rest = acm(&e, "ListCertificates", json!({ "Includes": { "keyTypes": ["EC_prime256v1", "RSA_2048"] }, "MaxItems": 1, "NextToken": next })).await.unwrap();
    assert_eq!(rest["CertificateSummaryList"].as_array().unwrap().len(), 1);
    assert!(rest.get("NextToken").is_none());
    let expired_only = acm(&e, "ListCertificates", json!({ "CertificateStatuses": ["EXPIRED"] })).await.unwrap();
    assert_eq!(expired_only["CertificateSummaryList"], json!([]));

    // Re-import: same ARN, new material, same key type; the creation time stays.
    let (renewed, renewed_key) = self_signed("renewed.example.test", "RSA_2048");
    let chain_body = self_signed("unrelated.example.test", "EC_prime256v1").0;
    let bad_chain = acm(&e, "ImportCertificate", json!({ "CertificateArn": arn, "Certificate": b64(&renewed), "PrivateKey": b64(&renewed_key), "CertificateChain": b64(&chain_body) })).await.unwrap_err();
    assert_eq!(bad_chain.code, "ValidationException", "a chain that did not sign the leaf: {bad_chain:?}");
    let again = acm(&e, "ImportCertificate", json!({ "CertificateArn": arn, "Certificate": b64(&renewed), "PrivateKey": b64(&renewed_key) })).await.unwrap();
    assert_eq!(again["CertificateArn"], json!(arn));
    let d2 = acm(&e, "DescribeCertificate", json!({ "CertificateArn": arn })).await.unwrap();
    assert_eq!(d2["Certificate"]["DomainName"], json!("renewed.example.test"));
    assert_eq!(d2["Certificate"]["CreatedAt"], c["CreatedAt"]);
    let other_key_type = acm(&e, "ImportCertificate", json!({ "CertificateArn": arn, "Certificate": b64(&ec), "PrivateKey": b64(&ec_key) })).await.unwrap_err();
    assert_eq!(other_key_type.code, "ValidationException");

    assert_eq!(acm(&e, "DeleteCertificate", json!({ "CertificateArn": arn })).await.unwrap(), json!({}));
    let gone = acm(&e, "DescribeCertificate", json!({ "CertificateArn": arn })).await.unwrap_err();
    assert_eq!((gone.status, gone.code.as_ref()), (400, "ResourceNotFoundException"));
    let (_, body) = gone.render(crate::service::Service::Acm, "rid");
    assert_eq!(body, format!("{{\"__type\":\"ResourceNotFoundException\",\"message\":\"Could not find certificate {arn}.\"}}"));
}

#[tokio::test]
async fn refusals_are_validation_exceptions_and_store_nothing() {
    let e = env().await;
    let (cert, key) = self_signed("www.example.test", "RSA_2048");
    let (_, other_key) = self_signed("other.example.test", "RSA_2048");
    let (old, old_key) = expired("old.example.test");
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "Certificate": b64(&cert), "PrivateKey": b64(&other_key) }), "ValidationException"),
        (json!({ "Certificate": b64(&cert[..cert.len() / 2]), "PrivateKey": b64(&key) }), "ValidationException"),
        (json!({ "Certificate": b64("garbage"), "PrivateKey": b64(&key) }), "ValidationException"),
        (json!({ "Certificate": b64(&old), "PrivateKey": b64(&old_key) }), "ValidationException"),
        (json!({ "Certificate": "%%% not base64", "PrivateKey": b64(&key) }), "SerializationException"),
        (json!({ "PrivateKey": b64(&key) }), "ValidationException"),
        (json!({ "Certificate": b64(&cert), "PrivateKey": b64(&"k".repeat(5121)) }), "ValidationException"),
        (json!({ "Certificate": b64(&cert), "PrivateKey": b64(&key), "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000" }), "ResourceNotFoundException"),
        (json!({ "Certificate": b64(&cert), "PrivateKey": b64(&key), "CertificateArn": "not-an-arn-but-long-enough" }), "ValidationException"),
    ];
    for (body, code) in cases {
        let err = acm(&e, "ImportCertificate", body.clone()).await.unwrap_err();
        assert_eq!((err.status, err.code.as_ref()), (400, code), "{body}: {err:?}");
        assert_no_key(&err.message, &key);
        assert_no_key(&err.message, &other_key);
        assert!(!err.message.contains("kkkk"), "{}", err.message);
    }
    let all_types = json!({ "Includes": { "keyTypes": ["RSA_2048", "EC_prime256v1", "RSA_1024"] } });
    assert_eq!(acm(&e, "ListCertificates", all_types).await.unwrap()["CertificateSummaryList"], json!([]));
    let other_account = acm(&e, "DescribeCertificate", json!({ "CertificateArn": "arn:aws:acm:us-east-1:999999999999:certificate/00000000-0000-4000-8000-000000000000" })).await.unwrap_err();
    assert_eq!(other_account.code, "InvalidArnException");
    let no_arn = acm(&e, "GetCertificate", json!({})).await.unwrap_err();
    assert_eq!(no_arn.message, "1 validation error detected: Value null at 'certificateArn' failed to satisfy constraint: Member must not be null");
    let unknown = acm(&e, "ExportCertificate", json!({})).await.unwrap_err();
    assert_eq!(unknown.code, "UnknownOperationException");
}

#[tokio::test]
async fn tags_are_added_listed_and_removed() {
    let e = env().await;
    let (cert, key) = self_signed("www.example.test", "EC_prime256v1");
    let arn = acm(&e, "ImportCertificate", json!({ "Certificate": b64(&cert), "PrivateKey": b64(&key), "Tags": [{ "Key": "team", "Value": "edge" }] })).await.unwrap()["CertificateArn"]
        .as_str()
        .unwrap()
        .to_string();
    acm(&e, "AddTagsToCertificate", json!({ "CertificateArn": arn, "Tags": [{ "Key": "env", "Value": "dev" }, { "Key": "flag" }] })).await.unwrap();
    let tags = acm(&e, "ListTagsForCertificate", json!({ "CertificateArn": arn })).await.unwrap();
    assert_eq!(tags, json!({ "Tags": [{ "Key": "env", "Value": "dev" }, { "Key": "flag", "Value": "" }, { "Key": "team", "Value": "edge" }] }));
    acm(&e, "RemoveTagsFromCertificate", json!({ "CertificateArn": arn, "Tags": [{ "Key": "env", "Value": "prod" }, { "Key": "team" }] })).await.unwrap();
    let tags = acm(&e, "ListTagsForCertificate", json!({ "CertificateArn": arn })).await.unwrap();
    assert_eq!(tags, json!({ "Tags": [{ "Key": "env", "Value": "dev" }, { "Key": "flag", "Value": "" }] }));
    let reserved = acm(&e, "AddTagsToCertificate", json!({ "CertificateArn": arn, "Tags": [{ "Key": "aws:x", "Value": "1" }] })).await.unwrap_err();
    assert_eq!(reserved.code, "InvalidTagException");
    let many: Vec<Value> = (0..51).map(|i| json!({ "Key": format!("k{i}") })).collect();
    let too_many = acm(&e, "AddTagsToCertificate", json!({ "CertificateArn": arn, "Tags": many })).await.unwrap_err();
    assert_eq!(too_many.code, "TooManyTagsException");
    let reimport_tags = acm(&e, "ImportCertificate", json!({ "CertificateArn": arn, "Certificate": b64(&cert), "PrivateKey": b64(&key), "Tags": [{ "Key": "a" }] })).await.unwrap_err();
    assert_eq!(reimport_tags.code, "ValidationException");
}

#[tokio::test]
async fn request_certificate_issues_from_the_local_ca_at_once() {
    let e = env().await;
    let req = json!({ "DomainName": "www.example.test", "SubjectAlternativeNames": ["*.example.test"], "ValidationMethod": "DNS", "KeyAlgorithm": "EC_prime256v1", "IdempotencyToken": "tok1" });
    let arn = acm(&e, "RequestCertificate", req.clone()).await.unwrap()["CertificateArn"].as_str().unwrap().to_string();
    assert_eq!(acm(&e, "RequestCertificate", req).await.unwrap()["CertificateArn"], json!(arn), "the same token within the hour");
    let d = acm(&e, "DescribeCertificate", json!({ "CertificateArn": arn })).await.unwrap();
    let c = &d["Certificate"];
    assert_eq!((c["Type"].as_str(), c["Status"].as_str(), c["KeyAlgorithm"].as_str()), (Some("AMAZON_ISSUED"), Some("ISSUED"), Some("EC_prime256v1")));
    assert_eq!(c["SubjectAlternativeNames"], json!(["www.example.test", "*.example.test"]));
    let dvo = c["DomainValidationOptions"].as_array().unwrap();
    assert_eq!(dvo.len(), 2);
    assert_eq!((dvo[0]["DomainName"].as_str(), dvo[0]["ValidationStatus"].as_str(), dvo[0]["ValidationMethod"].as_str()), (Some("www.example.test"), Some("SUCCESS"), Some("DNS")));
    assert_eq!(dvo[0]["ResourceRecord"]["Type"], json!("CNAME"));
    assert!(c["IssuedAt"].is_f64() && c.get("ImportedAt").is_none());
    assert!(c["Issuer"].as_str().unwrap().contains("elbow local CA"), "{c}");
    let got = acm(&e, "GetCertificate", json!({ "CertificateArn": arn })).await.unwrap();
    assert!(got["CertificateChain"].as_str().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(!got.to_string().contains("PRIVATE KEY"));
    // An issued certificate cannot be re-imported.
    let (cert, key) = self_signed("www.example.test", "EC_prime256v1");
    let err = acm(&e, "ImportCertificate", json!({ "CertificateArn": arn, "Certificate": b64(&cert), "PrivateKey": b64(&key) })).await.unwrap_err();
    assert_eq!(err.code, "ValidationException");
    let bad = acm(&e, "RequestCertificate", json!({ "DomainName": "localhost" })).await.unwrap_err();
    assert_eq!(bad.code, "InvalidDomainValidationOptionsException");
}
