//! Golden tests of the classic ELB actions through the api's dispatch.

use crate::error::ApiError;
use crate::params::{ListStyle, Params};
use crate::service::Service;
use crate::test_support::{Env, all, env, first};
use crate::Request;

async fn elb(e: &Env, action: &str, pairs: &[(&str, &str)]) -> Result<String, ApiError> {
    let req = Request {
        service: Service::Elb,
        action: action.into(),
        params: Params::from_pairs(pairs.iter().copied(), ListStyle::Member),
        json: None,
        region: "us-east-1".into(),
        request_id: "req-1".into(),
    };
    super::dispatch(&e.api, &req).await
}

async fn create_web(e: &Env) -> String {
    elb(
        e,
        "CreateLoadBalancer",
        &[
            ("LoadBalancerName", "web"),
            ("Listeners.member.1.Protocol", "http"),
            ("Listeners.member.1.LoadBalancerPort", "18080"),
            ("Listeners.member.1.InstancePort", "8080"),
            ("AvailabilityZones.member.1", "us-east-1a"),
        ],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn create_and_describe_render_the_model_shapes() {
    let e = env().await;
    let body = create_web(&e).await;
    assert!(body.contains("<CreateLoadBalancerResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/\"><CreateLoadBalancerResult><DNSName>web-"), "{body}");
    assert!(first(&body, "DNSName").ends_with(".us-east-1.elb.localhost"), "{body}");
    let d = elb(&e, "DescribeLoadBalancers", &[("LoadBalancerNames.member.1", "web")]).await.unwrap();
    assert_eq!(first(&d, "LoadBalancerName"), "web");
    assert_eq!(all(&d, "Protocol"), vec!["HTTP"]);
    assert_eq!(all(&d, "InstanceProtocol"), vec!["HTTP"]);
    assert_eq!(first(&d, "Target"), "TCP:8080");
    assert_eq!(first(&d, "Scheme"), "internet-facing");
    assert!(d.contains("<Instances/>"), "{d}");
    assert!(d.contains("<Policies><AppCookieStickinessPolicies/><LBCookieStickinessPolicies/><OtherPolicies/></Policies>"), "{d}");
    assert_eq!(first(&d, "GroupName"), "default");
    let missing = elb(&e, "DescribeLoadBalancers", &[("LoadBalancerNames.member.1", "nope")]).await.unwrap_err();
    assert_eq!((missing.code.as_ref(), missing.status), ("LoadBalancerNotFound", 400));
    assert_eq!(missing.message, "There is no ACTIVE Load Balancer named 'nope'");
}

#[tokio::test]
async fn errors_carry_classic_codes_and_statuses() {
    let e = env().await;
    create_web(&e).await;
    let bad = elb(
        &e,
        "ConfigureHealthCheck",
        &[
            ("LoadBalancerName", "web"),
            ("HealthCheck.Target", "HTTP:8080"),
            ("HealthCheck.Interval", "10"),
            ("HealthCheck.Timeout", "5"),
            ("HealthCheck.UnhealthyThreshold", "2"),
            ("HealthCheck.HealthyThreshold", "3"),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(bad.code, "ValidationError");
    assert!(bad.message.contains("HTTP:8080"), "{}", bad.message);
    let mixed = elb(
        &e,
        "CreateLoadBalancerListeners",
        &[
            ("LoadBalancerName", "web"),
            ("Listeners.member.1.Protocol", "TCP"),
            ("Listeners.member.1.LoadBalancerPort", "18081"),
            ("Listeners.member.1.InstanceProtocol", "HTTP"),
            ("Listeners.member.1.InstancePort", "8080"),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!((mixed.code.as_ref(), mixed.status), ("InvalidConfigurationRequest", 409));
    let policy = elb(&e, "SetLoadBalancerPoliciesOfListener", &[("LoadBalancerName", "web"), ("LoadBalancerPort", "18080"), ("PolicyNames.member.1", "nope")]).await.unwrap_err();
    assert_eq!(policy.code, "PolicyNotFound");
    let inst = elb(&e, "RegisterInstancesWithLoadBalancer", &[("LoadBalancerName", "web"), ("Instances.member.1.InstanceId", "i-0123456789abcdef0")]).await.unwrap_err();
    assert_eq!(inst.code, "InvalidInstance");
    // Clearing with an empty list is accepted.
    elb(&e, "SetLoadBalancerPoliciesOfListener", &[("LoadBalancerName", "web"), ("LoadBalancerPort", "18080"), ("PolicyNames", "")]).await.unwrap();
}

#[tokio::test]
async fn policies_types_and_attributes_render() {
    let e = env().await;
    create_web(&e).await;
    elb(&e, "CreateLBCookieStickinessPolicy", &[("LoadBalancerName", "web"), ("PolicyName", "sticky"), ("CookieExpirationPeriod", "60")]).await.unwrap();
    let d = elb(&e, "DescribeLoadBalancers", &[]).await.unwrap();
    assert!(d.contains("<LBCookieStickinessPolicies><member><PolicyName>sticky</PolicyName><CookieExpirationPeriod>60</CookieExpirationPeriod></member></LBCookieStickinessPolicies>"), "{d}");
    let samples = elb(&e, "DescribeLoadBalancerPolicies", &[]).await.unwrap();
    let names = all(&samples, "PolicyName");
    assert!(names.contains(&"ELBSecurityPolicy-2016-08".to_string()) && names.contains(&"ELBSecurityPolicy-TLS-1-2-2017-01".to_string()), "{names:?}");
    let types = elb(&e, "DescribeLoadBalancerPolicyTypes", &[]).await.unwrap();
    assert_eq!(all(&types, "PolicyTypeName").len(), 6);
    let unknown = elb(&e, "DescribeLoadBalancerPolicyTypes", &[("PolicyTypeNames.member.1", "Nope")]).await.unwrap_err();
    assert_eq!(unknown.code, "PolicyTypeNotFound");
    let m = elb(
        &e,
        "ModifyLoadBalancerAttributes",
        &[("LoadBalancerName", "web"), ("LoadBalancerAttributes.ConnectionDraining.Enabled", "true"), ("LoadBalancerAttributes.ConnectionDraining.Timeout", "30")],
    )
    .await
    .unwrap();
    assert!(m.contains("<LoadBalancerName>web</LoadBalancerName><LoadBalancerAttributes><ConnectionDraining><Enabled>true</Enabled><Timeout>30</Timeout></ConnectionDraining></LoadBalancerAttributes>"), "{m}");
    let a = elb(&e, "DescribeLoadBalancerAttributes", &[("LoadBalancerName", "web")]).await.unwrap();
    assert!(a.contains("<AdditionalAttributes><member><Key>elb.http.desyncmitigationmode</Key><Value>defensive</Value></member></AdditionalAttributes>"), "{a}");
    let bad = elb(&e, "ModifyLoadBalancerAttributes", &[("LoadBalancerName", "web"), ("LoadBalancerAttributes.AdditionalAttributes.member.1.Key", "nope"), ("LoadBalancerAttributes.AdditionalAttributes.member.1.Value", "x")]).await.unwrap_err();
    assert_eq!(bad.code, "LoadBalancerAttributeNotFound");
}
