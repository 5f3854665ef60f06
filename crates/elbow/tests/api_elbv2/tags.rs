//! Tags.

use std::collections::BTreeMap;
use testkit::elbv2::types::ProtocolEnum;
use testkit::Elbow;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn tags_are_added_described_and_removed_on_load_balancers_target_groups_and_listeners() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let arns = [fx.lb.clone(), fx.tg.clone(), fx.listener.clone()];
    c.add_tags().set_resource_arns(Some(arns.to_vec())).tags(tag("env", "prod")).tags(tag("owner", "ops@example.com")).send().await.unwrap();
    // AddTags overwrites an existing key's value.
    c.add_tags().resource_arns(&fx.tg).tags(tag("env", "staging")).send().await.unwrap();
    let d = c.describe_tags().set_resource_arns(Some(arns.to_vec())).send().await.unwrap();
    let got: Vec<(String, BTreeMap<String, String>)> = d
        .tag_descriptions()
        .iter()
        .map(|t| (t.resource_arn().unwrap().to_string(), attr_map(t.tags().iter().map(|t| (t.key(), t.value())))))
        .collect();
    let want = |env: &str| expected(&[("team", "edge"), ("env", env), ("owner", "ops@example.com")]);
    assert_eq!(got, vec![(fx.lb.clone(), want("prod")), (fx.tg.clone(), want("staging")), (fx.listener.clone(), want("prod"))], "in request order");

    c.remove_tags().set_resource_arns(Some(arns.to_vec())).tag_keys("env").tag_keys("not-there").send().await.unwrap();
    let d = c.describe_tags().set_resource_arns(Some(arns.to_vec())).send().await.unwrap();
    for t in d.tag_descriptions() {
        assert_eq!(attr_map(t.tags().iter().map(|t| (t.key(), t.value()))), expected(&[("team", "edge"), ("owner", "ops@example.com")]), "{:?}", t.resource_arn());
    }
    // Tags given at creation time.
    let tg = c
        .create_target_group()
        .name("born-tagged")
        .protocol(ProtocolEnum::Http)
        .port(80)
        .vpc_id(&fx.vpc)
        .tags(tag("Name", "born tagged"))
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let d = c.describe_tags().resource_arns(&tg).send().await.unwrap();
    assert_eq!(d.tag_descriptions()[0].tags(), [tag("Name", "born tagged")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_tags_of_an_unknown_arn_is_the_matching_not_found() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let trust_store = "arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/ts/0123456789abcdef";
    for (arn, code) in [
        (BOGUS_LB, "LoadBalancerNotFound"),
        (BOGUS_TG, "TargetGroupNotFound"),
        (BOGUS_LISTENER, "ListenerNotFound"),
        (trust_store, "TrustStoreNotFound"),
        ("not-an-arn", "ValidationError"),
    ] {
        assert_code(&failure(c.describe_tags().resource_arns(&fx.lb).resource_arns(arn).send().await), code);
        assert_code(&failure(c.add_tags().resource_arns(&fx.lb).resource_arns(arn).tags(tag("k", "v")).send().await), code);
        assert_code(&failure(c.remove_tags().resource_arns(&fx.lb).resource_arns(arn).tag_keys("team").send().await), code);
    }
    assert_eq!(world(&c).await, before, "the known ARN in the same call was not touched");
}
