//! Idempotent creates.

use testkit::elbv2::types::{
    LoadBalancerSchemeEnum,
    ProtocolEnum, TargetTypeEnum,
};
use testkit::{Elbow, default_network};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn identical_creates_return_the_existing_resource() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(&elbow);
    let tg1 = create_ip_tg(&c, &vpc, "same-tg", 8080).await;
    let tg2 = create_ip_tg(&c, &vpc, "same-tg", 8080).await;
    assert_eq!(tg1.target_group_arn(), tg2.target_group_arn());
    let lb1 = create_alb(&c, &subnets, "same-lb").await;
    let lb2 = create_alb(&c, &subnets, "same-lb").await;
    assert_eq!(lb1.load_balancer_arn(), lb2.load_balancer_arn());
    assert_eq!(lb1.dns_name(), lb2.dns_name());
    let lb = lb1.load_balancer_arn().unwrap();
    let tg = tg1.target_group_arn().unwrap();
    let port = i32::from(testkit::free_port("127.0.0.1"));
    let l1 = c.create_listener().load_balancer_arn(lb).protocol(ProtocolEnum::Http).port(port).default_actions(forward(tg)).send().await.unwrap();
    let l2 = c.create_listener().load_balancer_arn(lb).protocol(ProtocolEnum::Http).port(port).default_actions(forward(tg)).send().await.unwrap();
    assert_eq!(l1.listeners()[0].listener_arn(), l2.listeners()[0].listener_arn());
    assert_eq!(c.describe_target_groups().send().await.unwrap().target_groups().len(), 1);
    assert_eq!(c.describe_load_balancers().send().await.unwrap().load_balancers().len(), 1);
    assert_eq!(c.describe_listeners().load_balancer_arn(lb).send().await.unwrap().listeners().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn creates_with_other_settings_under_a_taken_name_or_port_are_duplicates() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;

    let e = failure(c.create_target_group().name("fx-tg").protocol(ProtocolEnum::Http).port(9090).vpc_id(&fx.vpc).target_type(TargetTypeEnum::Ip).send().await);
    assert_code(&e, "DuplicateTargetGroupName");

    let e = failure(c.create_load_balancer().name("fx-lb").set_subnets(Some(fx.subnets.clone())).scheme(LoadBalancerSchemeEnum::Internal).send().await);
    assert_code(&e, "DuplicateLoadBalancerName");

    let port = c.describe_listeners().listener_arns(&fx.listener).send().await.unwrap().listeners()[0].port().unwrap();
    let e = failure(c.create_listener().load_balancer_arn(&fx.lb).protocol(ProtocolEnum::Http).port(port).default_actions(forward(&fx.spare_tg)).send().await);
    assert_code(&e, "DuplicateListener");

    assert_eq!(world(&c).await, before, "a refused create changes nothing");
}
