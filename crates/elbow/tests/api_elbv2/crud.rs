//! CRUD round trip, every field against the service model.

use testkit::elbv2::types::{
    ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum,
    ProtocolEnum, TargetTypeEnum,
};
use testkit::{Elbow, default_network};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_created_load_balancer_reports_every_field_as_the_model_describes() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(&elbow);
    let lb = create_alb(&c, &subnets, "Shop-Web").await;

    let arn = lb.load_balancer_arn().unwrap();
    let prefix = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/Shop-Web/";
    assert!(arn.starts_with(prefix), "{arn}");
    let id = &arn[prefix.len()..];
    assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "16 lower-case hex digits: {id}");

    let dns = lb.dns_name().unwrap();
    let (host, rest) = dns.split_once('.').unwrap();
    assert_eq!(rest, "us-east-1.elb.localhost", "{dns}");
    let digits = host.strip_prefix("shop-web-").unwrap_or_else(|| panic!("DNS name is <lower-case name>-<digits>: {dns}"));
    assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()), "{dns}");

    assert_eq!(lb.canonical_hosted_zone_id(), Some("Z35SXDOTRQ7X7K"), "AWS's us-east-1 ALB zone");
    assert_eq!(lb.load_balancer_name(), Some("Shop-Web"));
    assert_eq!(lb.scheme(), Some(&LoadBalancerSchemeEnum::InternetFacing));
    assert_eq!(lb.r#type(), Some(&LoadBalancerTypeEnum::Application));
    assert_eq!(lb.vpc_id(), Some(vpc.as_str()));
    assert_eq!(lb.state().and_then(|s| s.code()), Some(&LoadBalancerStateEnum::Active));
    assert_eq!(lb.ip_address_type().map(|t| t.as_str()), Some("ipv4"));
    let created = lb.created_time().expect("CreatedTime").secs();
    assert!((now_secs() - created).abs() < 120, "CreatedTime is now: {created}");

    let zones: Vec<(String, String)> = lb.availability_zones().iter().map(|z| (z.zone_name().unwrap().to_string(), z.subnet_id().unwrap().to_string())).collect();
    assert_eq!(zones, vec![("us-east-1a".to_string(), subnets[0].clone()), ("us-east-1b".to_string(), subnets[1].clone())]);

    // No SecurityGroups given: the VPC's default security group.
    let sgs = elbow.aws(&["ec2", "describe-security-groups", "--filters", &format!("Name=vpc-id,Values={vpc}"), "Name=group-name,Values=default"]).unwrap();
    let default_sg = sgs["SecurityGroups"][0]["GroupId"].as_str().expect("default security group").to_string();
    assert_eq!(lb.security_groups(), [default_sg]);

    // Describe shows the same, by ARN and by name.
    let by_arn = c.describe_load_balancers().load_balancer_arns(arn).send().await.unwrap();
    assert_eq!(by_arn.load_balancers(), std::slice::from_ref(&lb));
    let by_name = c.describe_load_balancers().names("Shop-Web").send().await.unwrap();
    assert_eq!(by_name.load_balancers(), std::slice::from_ref(&lb));
    assert_eq!(by_name.next_marker(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alb_http_target_group_gets_awss_health_check_defaults() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(&elbow);
    let tg = c.create_target_group().name("web").protocol(ProtocolEnum::Http).port(8080).vpc_id(&vpc).send().await.unwrap().target_groups()[0].clone();

    let arn = tg.target_group_arn().unwrap();
    let prefix = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/";
    assert!(arn.starts_with(prefix) && arn.len() == prefix.len() + 16, "{arn}");
    assert_eq!(tg.target_group_name(), Some("web"));
    assert_eq!(tg.protocol(), Some(&ProtocolEnum::Http));
    assert_eq!(tg.port(), Some(8080));
    assert_eq!(tg.vpc_id(), Some(vpc.as_str()));
    assert_eq!(tg.health_check_protocol(), Some(&ProtocolEnum::Http));
    assert_eq!(tg.health_check_port(), Some("traffic-port"));
    assert_eq!(tg.health_check_enabled(), Some(true));
    assert_eq!(tg.health_check_path(), Some("/"));
    assert_eq!(tg.health_check_interval_seconds(), Some(30));
    assert_eq!(tg.health_check_timeout_seconds(), Some(5));
    assert_eq!(tg.healthy_threshold_count(), Some(5));
    assert_eq!(tg.unhealthy_threshold_count(), Some(2));
    assert_eq!(tg.matcher().and_then(|m| m.http_code()), Some("200"));
    assert_eq!(tg.target_type(), Some(&TargetTypeEnum::Instance), "the default target type");
    assert_eq!(tg.protocol_version(), Some("HTTP1"));
    assert_eq!(tg.ip_address_type().map(|t| t.as_str()), Some("ipv4"));
    assert!(tg.load_balancer_arns().is_empty(), "no listener uses it yet");

    // Once a listener forwards to it, LoadBalancerArns names the load balancer, and it is
    // among the load balancer's target groups.
    let ip_tg = create_ip_tg(&c, &vpc, "web-ip", 8080).await;
    let ip_arn = ip_tg.target_group_arn().unwrap();
    let lb = create_alb(&c, &subnets, "web-lb").await;
    let lb_arn = lb.load_balancer_arn().unwrap();
    create_http_listener(&c, lb_arn, ip_arn).await;
    let d = c.describe_target_groups().target_group_arns(ip_arn).send().await.unwrap();
    assert_eq!(d.target_groups()[0].load_balancer_arns(), [lb_arn.to_string()]);
    let by_lb = c.describe_target_groups().load_balancer_arn(lb_arn).send().await.unwrap();
    let names: Vec<&str> = by_lb.target_groups().iter().filter_map(|t| t.target_group_name()).collect();
    assert_eq!(names, ["web-ip"], "only the target group its listener uses");
    let by_name = c.describe_target_groups().names("web").send().await.unwrap();
    assert_eq!(by_name.target_groups(), std::slice::from_ref(&tg), "describe shows what create returned");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lambda_target_group_has_awss_defaults_and_no_protocol_port_or_vpc() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let tg = c.create_target_group().name("fn").target_type(TargetTypeEnum::Lambda).send().await.unwrap().target_groups()[0].clone();
    // The awscli example of `create-target-group --target-type lambda`, and the model's docs
    // (interval 35, timeout 30, unhealthy threshold 5 for lambda).
    assert_eq!(tg.target_type(), Some(&TargetTypeEnum::Lambda));
    assert_eq!((tg.protocol(), tg.port(), tg.vpc_id()), (None, None, None));
    assert_eq!((tg.health_check_protocol(), tg.health_check_port()), (None, None), "a function has no protocol or port to check: {tg:?}");
    assert_eq!(tg.health_check_enabled(), Some(false));
    assert_eq!(tg.health_check_interval_seconds(), Some(35));
    assert_eq!(tg.health_check_timeout_seconds(), Some(30));
    assert_eq!(tg.healthy_threshold_count(), Some(5));
    assert_eq!(tg.unhealthy_threshold_count(), Some(5));
    assert_eq!(tg.health_check_path(), Some("/"));
    assert_eq!(tg.matcher().and_then(|m| m.http_code()), Some("200"), "lambda groups serve ALBs: matcher 200");
    assert!(tg.load_balancer_arns().is_empty());
    let arn = tg.target_group_arn().unwrap();
    assert_eq!(tg_attributes(&c, arn).await, expected(&[("lambda.multi_value_headers.enabled", "false")]));
    // Protocol, port and VPC do not apply to a lambda group.
    let e = failure(c.create_target_group().name("fn2").target_type(TargetTypeEnum::Lambda).protocol(ProtocolEnum::Http).port(80).send().await);
    assert_code(&e, "ValidationError");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forwarding_listener_shows_the_target_group_and_a_weight_1_forward_config() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(&elbow);
    let tg = create_ip_tg(&c, &vpc, "fwd-tg", 8080).await.target_group_arn().unwrap().to_string();
    let lb = create_alb(&c, &subnets, "fwd-lb").await;
    let lb_arn = lb.load_balancer_arn().unwrap();
    let port = testkit::free_port("127.0.0.1");
    let created = c
        .create_listener()
        .load_balancer_arn(lb_arn)
        .protocol(ProtocolEnum::Http)
        .port(i32::from(port))
        .default_actions(forward(&tg))
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .clone();
    let arn = created.listener_arn().unwrap();
    let lb_id = lb_arn.rsplit('/').next().unwrap();
    let prefix = format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/fwd-lb/{lb_id}/");
    assert!(arn.starts_with(&prefix) && arn.len() == prefix.len() + 16, "{arn}");
    assert_eq!(created.load_balancer_arn(), Some(lb_arn));
    assert_eq!(created.port(), Some(i32::from(port)));
    assert_eq!(created.protocol(), Some(&ProtocolEnum::Http));
    assert!(created.certificates().is_empty() && created.ssl_policy().is_none(), "no TLS on HTTP");
    let action = &created.default_actions()[0];
    assert_eq!(action.r#type(), Some(&ActionTypeEnum::Forward));
    assert_eq!(action.target_group_arn(), Some(tg.as_str()));
    let groups = action.forward_config().expect("ForwardConfig").target_groups();
    assert_eq!(groups.len(), 1);
    assert_eq!((groups[0].target_group_arn(), groups[0].weight()), (Some(tg.as_str()), Some(1)));

    let described = c.describe_listeners().load_balancer_arn(lb_arn).send().await.unwrap();
    assert_eq!(described.listeners(), std::slice::from_ref(&created));
    let by_arn = c.describe_listeners().listener_arns(arn).send().await.unwrap();
    assert_eq!(by_arn.listeners(), std::slice::from_ref(&created));
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_in_order_removes_each_resource_and_a_missing_load_balancer_deletes_fine() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(&elbow);
    let tg = create_ip_tg(&c, &vpc, "del-tg", 8080).await.target_group_arn().unwrap().to_string();
    let lb = create_alb(&c, &subnets, "del-lb").await.load_balancer_arn().unwrap().to_string();
    let listener = create_http_listener(&c, &lb, &tg).await;

    c.delete_listener().listener_arn(&listener).send().await.unwrap();
    assert!(c.describe_listeners().load_balancer_arn(&lb).send().await.unwrap().listeners().is_empty());
    assert_code(&failure(c.describe_listeners().listener_arns(&listener).send().await), "ListenerNotFound");
    assert!(c.describe_target_groups().target_group_arns(&tg).send().await.unwrap().target_groups()[0].load_balancer_arns().is_empty());

    c.delete_target_group().target_group_arn(&tg).send().await.unwrap();
    assert_code(&failure(c.describe_target_groups().target_group_arns(&tg).send().await), "TargetGroupNotFound");

    c.delete_load_balancer().load_balancer_arn(&lb).send().await.unwrap();
    assert_code(&failure(c.describe_load_balancers().load_balancer_arns(&lb).send().await), "LoadBalancerNotFound");
    assert!(c.describe_load_balancers().send().await.unwrap().load_balancers().is_empty());

    // AWS: DeleteLoadBalancer of a load balancer that is already gone succeeds.
    c.delete_load_balancer().load_balancer_arn(&lb).send().await.expect("deleting a deleted load balancer succeeds");
    c.delete_load_balancer().load_balancer_arn(BOGUS_LB).send().await.expect("deleting an unknown load balancer succeeds");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_load_balancer_deletes_its_listeners_and_frees_its_target_groups() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(&elbow);
    let tg = create_ip_tg(&c, &vpc, "cascade-tg", 8080).await.target_group_arn().unwrap().to_string();
    c.register_targets().target_group_arn(&tg).targets(ip_target("127.0.0.2", 8080)).send().await.unwrap();
    let lb = create_alb(&c, &subnets, "cascade-lb").await.load_balancer_arn().unwrap().to_string();
    let listener = create_http_listener(&c, &lb, &tg).await;

    c.delete_load_balancer().load_balancer_arn(&lb).send().await.unwrap();
    assert_code(&failure(c.describe_listeners().listener_arns(&listener).send().await), "ListenerNotFound");
    assert_code(&failure(c.describe_listeners().load_balancer_arn(&lb).send().await), "LoadBalancerNotFound");
    let t = c.describe_target_groups().target_group_arns(&tg).send().await.unwrap().target_groups()[0].clone();
    assert!(t.load_balancer_arns().is_empty(), "no load balancer uses it any more");
    // Targets stay registered (AWS), now unused because no listener sends traffic.
    let h = c.describe_target_health().target_group_arn(&tg).send().await.unwrap();
    let states: Vec<(&str, &str)> = h
        .target_health_descriptions()
        .iter()
        .map(|d| (d.target().and_then(|t| t.id()).unwrap(), d.target_health().and_then(|h| h.state()).map(|s| s.as_str()).unwrap()))
        .collect();
    assert_eq!(states, [("127.0.0.2", "unused")]);
    c.delete_target_group().target_group_arn(&tg).send().await.expect("the target group is no longer in use");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resource_named_twice_in_one_describe_is_listed_once() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let lb2 = create_alb(&c, &fx.subnets, "fx-lb-2").await.load_balancer_arn().unwrap().to_string();
    let lbs = c.describe_load_balancers().load_balancer_arns(&fx.lb).load_balancer_arns(&lb2).load_balancer_arns(&fx.lb).send().await.unwrap();
    assert_eq!(lbs.load_balancers().iter().map(|l| l.load_balancer_arn().unwrap()).collect::<Vec<_>>(), [fx.lb.as_str(), lb2.as_str()]);
    let lbs = c.describe_load_balancers().names("fx-lb").names("fx-lb-2").names("fx-lb").send().await.unwrap();
    assert_eq!(lbs.load_balancers().len(), 2);
    let tgs = c.describe_target_groups().target_group_arns(&fx.tg).target_group_arns(&fx.spare_tg).target_group_arns(&fx.tg).send().await.unwrap();
    assert_eq!(tgs.target_groups().iter().map(|t| t.target_group_arn().unwrap()).collect::<Vec<_>>(), [fx.tg.as_str(), fx.spare_tg.as_str()]);
    let tgs = c.describe_target_groups().names("fx-tg").names("fx-tg").send().await.unwrap();
    assert_eq!(tgs.target_groups().len(), 1);
    let ls = c.describe_listeners().listener_arns(&fx.listener).listener_arns(&fx.listener).send().await.unwrap();
    assert_eq!(ls.listeners().len(), 1);
}
