//! DescribeSSLPolicies through the real `aws` CLI, and `SslPolicy` validation on listeners.

use testkit::Elbow;
use testkit::elbv2::types::{Certificate, ProtocolEnum};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn describe_ssl_policies_reports_protocols_ciphers_and_types_as_aws_does() {
    let elbow = Elbow::start();

    let out = elbow.aws(&["elbv2", "describe-ssl-policies", "--names", "ELBSecurityPolicy-TLS13-1-2-2021-06"]).unwrap();
    let policies = out["SslPolicies"].as_array().unwrap();
    assert_eq!(policies.len(), 1, "{out}");
    let p = &policies[0];
    assert_eq!(p["Name"], "ELBSecurityPolicy-TLS13-1-2-2021-06");
    assert_eq!(p["SslProtocols"], serde_json::json!(["TLSv1.2", "TLSv1.3"]));
    assert_eq!(p["SupportedLoadBalancerTypes"], serde_json::json!(["application", "network"]));
    let ciphers: Vec<(String, i64)> = p["Ciphers"].as_array().unwrap().iter().map(|c| (c["Name"].as_str().unwrap().to_string(), c["Priority"].as_i64().unwrap())).collect();
    // The AWS CLI's own example ("To display the ciphers for a policy"), priority 1 first.
    let want = [
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
    ];
    let want: Vec<(String, i64)> = want.iter().enumerate().map(|(i, n)| (n.to_string(), i as i64 + 1)).collect();
    assert_eq!(ciphers, want);

    // Every policy, fetched page by page (a PageSize in --cli-input-json keeps the CLI's
    // auto-pagination on, so it follows NextMarker); the first eighteen in the order of the
    // CLI's example for `--load-balancer-type application`.
    let names = elbow
        .aws(&["elbv2", "describe-ssl-policies", "--cli-input-json", r#"{"PageSize": 7, "LoadBalancerType": "application"}"#, "--query", "SslPolicies[*].Name"])
        .unwrap();
    let names: Vec<&str> = names.as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(names.len(), model::ssl_policy::all().len(), "{names:?}");
    assert_eq!(
        names[..18],
        [
            "ELBSecurityPolicy-2016-08",
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
            "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
            "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
            "ELBSecurityPolicy-TLS13-1-1-2021-06",
            "ELBSecurityPolicy-TLS13-1-0-2021-06",
            "ELBSecurityPolicy-TLS13-1-3-2021-06",
            "ELBSecurityPolicy-TLS-1-2-2017-01",
            "ELBSecurityPolicy-TLS-1-1-2017-01",
            "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
            "ELBSecurityPolicy-FS-2018-06",
            "ELBSecurityPolicy-2015-05",
            "ELBSecurityPolicy-TLS-1-0-2015-04",
            "ELBSecurityPolicy-FS-1-2-Res-2019-08",
            "ELBSecurityPolicy-FS-1-1-2019-08",
            "ELBSecurityPolicy-FS-1-2-2019-08",
            "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        ]
    );

    let e = elbow.aws(&["elbv2", "describe-ssl-policies", "--names", "ELBSecurityPolicy-2016-08", "Nope"]).unwrap_err();
    assert_eq!(e.code, "SSLPolicyNotFound", "{e:?}");
    assert!(e.message.contains("'Nope'"), "{e:?}");
    // The SDK sees the same code with HTTP 400.
    assert_code(&failure(elbow.elbv2().describe_ssl_policies().names("Nope").send().await), "SSLPolicyNotFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_ssl_policy_on_a_listener_is_ssl_policy_not_found() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let port = testkit::free_port("127.0.0.1").to_string();

    // The policy is checked before the certificate, so a certificate elbow does not hold does
    // not hide the bad policy.
    let cert = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
    let e = elbow
        .aws(&[
            "elbv2",
            "create-listener",
            "--load-balancer-arn",
            &fx.lb,
            "--protocol",
            "HTTPS",
            "--port",
            &port,
            "--ssl-policy",
            "Nope",
            "--certificates",
            &format!("CertificateArn={cert}"),
            "--default-actions",
            &format!("Type=forward,TargetGroupArn={}", fx.spare_tg),
        ])
        .unwrap_err();
    assert_eq!(e.code, "SSLPolicyNotFound", "{e:?}");
    assert!(e.message.trim_end().ends_with("SSL policy 'Nope' not found"), "{e:?}");

    let e = elbow.aws(&["elbv2", "modify-listener", "--listener-arn", &fx.listener, "--protocol", "HTTPS", "--ssl-policy", "Nope", "--certificates", &format!("CertificateArn={cert}")]).unwrap_err();
    assert_eq!(e.code, "SSLPolicyNotFound", "{e:?}");

    let f = failure(
        c.create_listener()
            .load_balancer_arn(&fx.lb)
            .protocol(ProtocolEnum::Https)
            .port(port.parse().unwrap())
            .ssl_policy("ELBSecurityPolicy-2016-08x")
            .certificates(Certificate::builder().certificate_arn(cert).build())
            .default_actions(forward(&fx.spare_tg))
            .send()
            .await,
    );
    assert_code(&f, "SSLPolicyNotFound");
    assert_eq!(world(&c).await, before, "nothing changed");
}
