//! Errors: AWS codes, HTTP 400, nothing changed.

use testkit::elbv2::types::{
    Certificate,
    ProtocolEnum, Tag, TargetDescription,
};
use testkit::Elbow;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn unknown_load_balancer_arns_are_load_balancer_not_found_on_every_operation() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let lnf = "LoadBalancerNotFound";
    assert_code(&failure(c.describe_load_balancers().load_balancer_arns(BOGUS_LB).send().await), lnf);
    assert_code(&failure(c.describe_load_balancers().load_balancer_arns(&fx.lb).load_balancer_arns(BOGUS_LB).send().await), lnf);
    assert_code(&failure(c.describe_load_balancers().names("nope").send().await), lnf);
    assert_code(&failure(c.describe_load_balancer_attributes().load_balancer_arn(BOGUS_LB).send().await), lnf);
    assert_code(&failure(c.modify_load_balancer_attributes().load_balancer_arn(BOGUS_LB).attributes(lb_attr("idle_timeout.timeout_seconds", "30")).send().await), lnf);
    assert_code(&failure(c.describe_listeners().load_balancer_arn(BOGUS_LB).send().await), lnf);
    assert_code(&failure(c.create_listener().load_balancer_arn(BOGUS_LB).protocol(ProtocolEnum::Http).port(8081).default_actions(forward(&fx.tg)).send().await), lnf);
    assert_code(&failure(c.describe_target_groups().load_balancer_arn(BOGUS_LB).send().await), lnf);
    assert_code(&failure(c.set_security_groups().load_balancer_arn(BOGUS_LB).security_groups("sg-1").send().await), lnf);
    assert_code(&failure(c.set_subnets().load_balancer_arn(BOGUS_LB).set_subnets(Some(fx.subnets.clone())).send().await), lnf);
    assert_code(&failure(c.set_ip_address_type().load_balancer_arn(BOGUS_LB).ip_address_type(testkit::elbv2::types::IpAddressType::Ipv4).send().await), lnf);
    assert_code(&failure(c.describe_capacity_reservation().load_balancer_arn(BOGUS_LB).send().await), lnf);
    assert_code(&failure(c.add_tags().resource_arns(BOGUS_LB).tags(tag("a", "b")).send().await), lnf);
    assert_code(&failure(c.remove_tags().resource_arns(BOGUS_LB).tag_keys("a").send().await), lnf);
    assert_code(&failure(c.describe_tags().resource_arns(BOGUS_LB).send().await), lnf);
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_target_group_arns_are_target_group_not_found_on_every_operation() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let tnf = "TargetGroupNotFound";
    assert_code(&failure(c.describe_target_groups().target_group_arns(BOGUS_TG).send().await), tnf);
    assert_code(&failure(c.describe_target_groups().target_group_arns(&fx.tg).target_group_arns(BOGUS_TG).send().await), tnf);
    assert_code(&failure(c.describe_target_groups().names("nope").send().await), tnf);
    assert_code(&failure(c.modify_target_group().target_group_arn(BOGUS_TG).health_check_path("/x").send().await), tnf);
    assert_code(&failure(c.describe_target_group_attributes().target_group_arn(BOGUS_TG).send().await), tnf);
    assert_code(&failure(c.modify_target_group_attributes().target_group_arn(BOGUS_TG).attributes(tg_attr("stickiness.enabled", "true")).send().await), tnf);
    assert_code(&failure(c.register_targets().target_group_arn(BOGUS_TG).targets(ip_target("127.0.0.2", 80)).send().await), tnf);
    assert_code(&failure(c.deregister_targets().target_group_arn(BOGUS_TG).targets(ip_target("127.0.0.2", 80)).send().await), tnf);
    assert_code(&failure(c.describe_target_health().target_group_arn(BOGUS_TG).send().await), tnf);
    assert_code(&failure(c.modify_listener().listener_arn(&fx.listener).default_actions(forward(BOGUS_TG)).send().await), tnf);
    assert_code(&failure(c.create_listener().load_balancer_arn(&fx.lb).protocol(ProtocolEnum::Http).port(1).default_actions(forward(BOGUS_TG)).send().await), tnf);
    assert_code(&failure(c.add_tags().resource_arns(BOGUS_TG).tags(tag("a", "b")).send().await), tnf);
    assert_code(&failure(c.remove_tags().resource_arns(BOGUS_TG).tag_keys("a").send().await), tnf);
    assert_code(&failure(c.describe_tags().resource_arns(BOGUS_TG).send().await), tnf);
    assert_eq!(world(&c).await, before);
    // DeleteTargetGroup models no TargetGroupNotFound: deleting an unknown group succeeds.
    c.delete_target_group().target_group_arn(BOGUS_TG).send().await.expect("deleting an unknown target group succeeds");
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_listener_arns_are_listener_not_found_on_every_operation() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let nf = "ListenerNotFound";
    assert_code(&failure(c.describe_listeners().listener_arns(BOGUS_LISTENER).send().await), nf);
    assert_code(&failure(c.describe_listeners().listener_arns(&fx.listener).listener_arns(BOGUS_LISTENER).send().await), nf);
    assert_code(&failure(c.modify_listener().listener_arn(BOGUS_LISTENER).port(8082).send().await), nf);
    assert_code(&failure(c.delete_listener().listener_arn(BOGUS_LISTENER).send().await), nf);
    assert_code(&failure(c.describe_listener_attributes().listener_arn(BOGUS_LISTENER).send().await), nf);
    assert_code(&failure(c.modify_listener_attributes().listener_arn(BOGUS_LISTENER).attributes(listener_attr("routing.http.response.server.enabled", "true")).send().await), nf);
    assert_code(&failure(c.add_tags().resource_arns(BOGUS_LISTENER).tags(tag("a", "b")).send().await), nf);
    assert_code(&failure(c.remove_tags().resource_arns(BOGUS_LISTENER).tag_keys("a").send().await), nf);
    assert_code(&failure(c.describe_tags().resource_arns(BOGUS_LISTENER).send().await), nf);
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_group_used_by_a_listener_cannot_be_deleted() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let e = failure(c.delete_target_group().target_group_arn(&fx.tg).send().await);
    assert_code(&e, "ResourceInUse");
    assert!(e.message.contains(&fx.tg), "{}", e.message);
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn deletion_protection_makes_delete_load_balancer_not_permitted() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    c.modify_load_balancer_attributes().load_balancer_arn(&fx.lb).attributes(lb_attr("deletion_protection.enabled", "true")).send().await.unwrap();
    let before = world(&c).await;
    let e = failure(c.delete_load_balancer().load_balancer_arn(&fx.lb).send().await);
    assert_code(&e, "OperationNotPermitted");
    assert_eq!(world(&c).await, before, "neither the load balancer nor its listener is gone");
    c.modify_load_balancer_attributes().load_balancer_arn(&fx.lb).attributes(lb_attr("deletion_protection.enabled", "false")).send().await.unwrap();
    c.delete_load_balancer().load_balancer_arn(&fx.lb).send().await.expect("deletable once protection is off");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_names_vpcs_and_parameter_combinations_are_validation_errors() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    for name in ["-lead", "trail-", "under_score", "internal-lb", &"x".repeat(33)] {
        let e = failure(c.create_load_balancer().name(name).set_subnets(Some(fx.subnets.clone())).send().await);
        assert_code(&e, "ValidationError");
    }
    for name in ["-lead", "under_score", &"x".repeat(33)] {
        let e = failure(c.create_target_group().name(name).protocol(ProtocolEnum::Http).port(80).vpc_id(&fx.vpc).send().await);
        assert_code(&e, "ValidationError");
    }
    assert_code(&failure(c.create_target_group().name("novpc").protocol(ProtocolEnum::Http).port(80).vpc_id("vpc-0000000000000000f").send().await), "ValidationError");
    assert_code(&failure(c.create_target_group().name("noport").protocol(ProtocolEnum::Http).vpc_id(&fx.vpc).send().await), "ValidationError");
    assert_code(&failure(c.describe_listeners().send().await), "ValidationError");
    assert_code(&failure(c.describe_listeners().load_balancer_arn(&fx.lb).listener_arns(&fx.listener).send().await), "ValidationError");
    assert_code(&failure(c.describe_load_balancers().load_balancer_arns(&fx.lb).names("fx-lb").send().await), "ValidationError");
    assert_code(&failure(c.describe_target_groups().load_balancer_arn(&fx.lb).names("fx-tg").send().await), "ValidationError");
    assert_code(&failure(c.describe_target_groups().page_size(401).send().await), "ValidationError");
    assert_code(&failure(c.describe_target_groups().page_size(0).send().await), "ValidationError");
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn listener_creation_errors_have_awss_codes() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let port = i32::from(testkit::free_port("127.0.0.1"));

    let e = failure(c.create_listener().load_balancer_arn(&fx.lb).port(port).default_actions(forward(&fx.spare_tg)).send().await);
    assert_code(&e, "ValidationError");
    assert!(e.message.contains("protocol"), "{}", e.message);
    let e = failure(c.create_listener().load_balancer_arn(&fx.lb).protocol(ProtocolEnum::Http).default_actions(forward(&fx.spare_tg)).send().await);
    assert_code(&e, "ValidationError");
    assert!(e.message.contains("port"), "{}", e.message);

    let cert = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
    let e = failure(
        c.create_listener()
            .load_balancer_arn(&fx.lb)
            .protocol(ProtocolEnum::Https)
            .port(port)
            .certificates(Certificate::builder().certificate_arn(cert).build())
            .default_actions(forward(&fx.spare_tg))
            .send()
            .await,
    );
    assert_code(&e, "CertificateNotFound");

    let e = failure(c.create_listener().load_balancer_arn(&fx.lb).protocol(ProtocolEnum::Tcp).port(port).default_actions(forward(&fx.spare_tg)).send().await);
    assert_code(&e, "UnsupportedProtocol");
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn load_balancer_network_errors_have_awss_codes() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;

    let e = failure(c.create_load_balancer().name("net-err").subnets("subnet-0000000000000000f").subnets(&fx.subnets[1]).send().await);
    assert_code(&e, "SubnetNotFound");
    let e = failure(c.create_load_balancer().name("net-err").subnets(&fx.subnets[0]).send().await);
    assert_code(&e, "ValidationError");
    assert!(e.message.contains("two"), "an ALB needs two Availability Zones: {}", e.message);
    let e = failure(c.create_load_balancer().name("net-err").set_subnets(Some(fx.subnets.clone())).security_groups("sg-0000000000000000f").send().await);
    assert_code(&e, "InvalidSecurityGroup");
    let e = failure(c.set_security_groups().load_balancer_arn(&fx.lb).security_groups("sg-0000000000000000f").send().await);
    assert_code(&e, "InvalidSecurityGroup");
    let e = failure(c.set_subnets().load_balancer_arn(&fx.lb).subnets(&fx.subnets[0]).subnets("subnet-0000000000000000f").send().await);
    assert_code(&e, "SubnetNotFound");
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_health_check_timeout_not_below_the_interval_is_an_invalid_configuration() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let e = failure(
        c.create_target_group()
            .name("hc-bad")
            .protocol(ProtocolEnum::Http)
            .port(80)
            .vpc_id(&fx.vpc)
            .health_check_interval_seconds(10)
            .health_check_timeout_seconds(10)
            .send()
            .await,
    );
    assert_code(&e, "InvalidConfigurationRequest");
    let e = failure(c.modify_target_group().target_group_arn(&fx.tg).health_check_timeout_seconds(30).send().await);
    assert_code(&e, "InvalidConfigurationRequest");
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interval_of_4_seconds_is_refused_with_awss_exact_validation_message() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let form = format!("Action=CreateTargetGroup&Version=2015-12-01&Name=hc4&Protocol=HTTP&Port=80&VpcId={}&HealthCheckIntervalSeconds=4", fx.vpc);
    let (status, _, body) = post(&elbow, &form);
    assert_eq!(status, 400, "{body}");
    assert_eq!(xml_text(&body, "Code"), Some("ValidationError"), "{body}");
    assert_eq!(
        xml_text(&body, "Message"),
        Some("1 validation error detected: Value &apos;4&apos; at &apos;healthCheckIntervalSeconds&apos; failed to satisfy constraint: Member must have value greater than or equal to 5"),
        "{body}"
    );
    // The same through ModifyTargetGroup.
    let form = format!("Action=ModifyTargetGroup&Version=2015-12-01&TargetGroupArn={}&HealthCheckIntervalSeconds=4", fx.tg);
    let (status, _, body) = post(&elbow, &form);
    assert_eq!((status, xml_text(&body, "Code")), (400, Some("ValidationError")), "{body}");
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_an_unknown_instance_id_into_an_instance_group_is_an_invalid_target() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    c.create_target_group().name("inst").protocol(ProtocolEnum::Http).port(80).vpc_id(&fx.vpc).send().await.unwrap();
    let inst = c.describe_target_groups().names("inst").send().await.unwrap().target_groups()[0].target_group_arn().unwrap().to_string();
    let before = world(&c).await;
    let e = failure(c.register_targets().target_group_arn(&inst).targets(TargetDescription::builder().id("i-0123456789abcdef0").build()).send().await);
    assert_code(&e, "InvalidTarget");
    assert!(e.message.contains("i-0123456789abcdef0"), "{}", e.message);
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_a_non_ip_into_an_ip_group_is_an_invalid_target() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    for bad in ["i-0123456789abcdef0", "web-1.example.com", "127.0.0.300"] {
        // With a valid target in the same call: all or nothing.
        let e = failure(
            c.register_targets().target_group_arn(&fx.spare_tg).targets(ip_target("127.0.0.9", 80)).targets(TargetDescription::builder().id(bad).build()).send().await,
        );
        assert_code(&e, "InvalidTarget");
        assert!(e.message.contains(bad), "{}", e.message);
    }
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_or_repeated_tag_keys_are_refused() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    for bad in ["semi;colon", "", "aws:reserved", &"k".repeat(129)] {
        let e = failure(c.add_tags().resource_arns(&fx.lb).tags(tag(bad, "v")).send().await);
        assert_code(&e, "ValidationError");
    }
    let e = failure(c.add_tags().resource_arns(&fx.tg).tags(tag("dup", "1")).tags(tag("dup", "2")).send().await);
    assert_code(&e, "DuplicateTagKeys");
    let e = failure(c.create_target_group().name("dup-tags").protocol(ProtocolEnum::Http).port(80).vpc_id(&fx.vpc).tags(tag("k", "1")).tags(tag("k", "2")).send().await);
    assert_code(&e, "DuplicateTagKeys");
    let e = failure(c.create_load_balancer().name("dup-tags").set_subnets(Some(fx.subnets.clone())).tags(tag("k", "1")).tags(tag("k", "2")).send().await);
    assert_code(&e, "DuplicateTagKeys");
    // One good and one unknown ARN: nothing is tagged.
    let e = failure(c.add_tags().resource_arns(&fx.lb).resource_arns(BOGUS_TG).tags(tag("new", "x")).send().await);
    assert_code(&e, "TargetGroupNotFound");
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn more_than_50_tags_are_too_many() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let tags: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    assert_code(&failure(c.add_tags().resource_arns(&fx.spare_tg).set_tags(Some(tags.clone())).send().await), "TooManyTags");
    let e = failure(c.create_target_group().name("many-tags").protocol(ProtocolEnum::Http).port(80).vpc_id(&fx.vpc).set_tags(Some(tags.clone())).send().await);
    assert_code(&e, "TooManyTags");
    // The fixture's LB has one tag: 49 new ones fit, 50 do not.
    assert_code(&failure(c.add_tags().resource_arns(&fx.lb).set_tags(Some(tags[..50].to_vec())).send().await), "TooManyTags");
    assert_eq!(world(&c).await, before);
    c.add_tags().resource_arns(&fx.lb).set_tags(Some(tags[..49].to_vec())).send().await.expect("50 tags in all are allowed");
}
