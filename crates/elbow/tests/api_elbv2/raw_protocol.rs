//! The raw query protocol (curl).

use testkit::{Elbow, default_network};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_required_parameter_is_a_400_validation_error_in_awss_xml() {
    let elbow = Elbow::start();
    let (status, head, body) = post(&elbow, "Action=CreateTargetGroup&Version=2015-12-01");
    assert_eq!(status, 400, "{body}");
    assert!(head.contains("content-type: text/xml"), "{head}");
    assert!(body.contains("<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"), "{body}");
    assert!(body.contains("<Error><Type>Sender</Type><Code>ValidationError</Code>"), "{body}");
    assert!(body.contains("Value null at &apos;name&apos;"), "{body}");
    let rid = xml_text(&body, "RequestId").expect("RequestId in the error");
    assert!(head.contains(&format!("x-amzn-requestid: {}", rid.to_ascii_lowercase())), "header and body carry the same request id: {head}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_list_is_a_400_validation_error() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    for form in [
        format!("Action=RegisterTargets&Version=2015-12-01&TargetGroupArn={}&Targets.member.x.Id=127.0.0.9", fx.spare_tg),
        format!("Action=RegisterTargets&Version=2015-12-01&TargetGroupArn={}&Targets.member.2.Id=127.0.0.9", fx.spare_tg),
        format!("Action=RegisterTargets&Version=2015-12-01&TargetGroupArn={}&Targets.member.0.Id=127.0.0.9", fx.spare_tg),
    ] {
        let (status, _, body) = post(&elbow, &form);
        assert_eq!((status, xml_text(&body, "Code")), (400, Some("ValidationError")), "{form}: {body}");
    }
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_action_is_invalid_action_and_a_missing_version_is_refused() {
    let elbow = Elbow::start();
    let (status, _, body) = post(&elbow, "Action=FlyToTheMoon&Version=2015-12-01");
    assert_eq!((status, xml_text(&body, "Code")), (400, Some("InvalidAction")), "{body}");
    assert!(body.contains("FlyToTheMoon"), "{body}");
    let (status, _, body) = post(&elbow, "Action=DescribeLoadBalancers");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<ErrorResponse"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_get_with_a_query_string_works_like_a_post() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let url = format!("{}/?Action=DescribeTargetGroups&Version=2015-12-01&Names.member.1=fx-spare", elbow.endpoint);
    let (status, head, body) = curl_i(&[&url]);
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("content-type: text/xml"), "{head}");
    assert!(body.contains("<DescribeTargetGroupsResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DescribeTargetGroupsResult>"), "{body}");
    assert_eq!(xml_text(&body, "TargetGroupArn"), Some(fx.spare_tg.as_str()));
    // A GET that changes state, as old query-API clients send it.
    let url = format!("{}/?Action=AddTags&Version=2015-12-01&ResourceArns.member.1={}&Tags.member.1.Key=via&Tags.member.1.Value=get", elbow.endpoint, fx.spare_tg);
    let (status, _, body) = curl_i(&[&url]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<AddTagsResponse") && body.contains("<AddTagsResult/>"), "{body}");
    let t = c.describe_tags().resource_arns(&fx.spare_tg).send().await.unwrap();
    assert_eq!(t.tag_descriptions()[0].tags(), [tag("via", "get")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_carry_a_request_id_header_and_text_xml() {
    let elbow = Elbow::start();
    let (status, head, body) = post(&elbow, "Action=DescribeLoadBalancers&Version=2015-12-01");
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("content-type: text/xml"), "{head}");
    let rid = xml_text(&body, "RequestId").expect("ResponseMetadata/RequestId");
    assert!(head.contains(&format!("x-amzn-requestid: {}", rid.to_ascii_lowercase())), "{head}");
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{body}");
    assert!(body.contains("<DescribeLoadBalancersResult><LoadBalancers/></DescribeLoadBalancersResult>"), "an empty list is an empty element: {body}");
    // Two requests, two ids.
    let (_, _, body2) = post(&elbow, "Action=DescribeLoadBalancers&Version=2015-12-01");
    assert_ne!(xml_text(&body2, "RequestId"), Some(rid));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_without_authorization_lands_in_the_default_region() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, _) = default_network(&elbow);
    let (status, _, body) = post(&elbow, &format!("Action=CreateTargetGroup&Version=2015-12-01&Name=unsigned&Protocol=HTTP&Port=80&VpcId={vpc}"));
    assert_eq!(status, 200, "{body}");
    let arn = xml_text(&body, "TargetGroupArn").unwrap();
    assert!(arn.starts_with("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/unsigned/"), "{arn}");
    let d = c.describe_target_groups().names("unsigned").send().await.expect("visible to a us-east-1 client");
    assert_eq!(d.target_groups()[0].target_group_arn(), Some(arn));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_presigned_get_takes_its_region_from_x_amz_credential() {
    let elbow = Elbow::start();
    let url = format!(
        "{}/?Action=CreateTargetGroup&Version=2015-12-01&Name=presigned&TargetType=lambda&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261122%2Feu-west-1%2Felasticloadbalancing%2Faws4_request",
        elbow.endpoint
    );
    let (status, _, body) = curl_i(&[&url]);
    assert_eq!(status, 200, "{body}");
    assert!(xml_text(&body, "TargetGroupArn").is_some_and(|a| a.starts_with("arn:aws:elasticloadbalancing:eu-west-1:")), "{body}");
}
