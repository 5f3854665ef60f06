//! Attributes.

use std::time::{Duration, Instant};
use testkit::{Elbow, default_network};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn describe_attributes_lists_every_key_with_awss_defaults() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(&elbow);
    let lb = create_alb(&c, &subnets, "attrs-lb").await.load_balancer_arn().unwrap().to_string();
    let tg = create_ip_tg(&c, &vpc, "attrs-tg", 8080).await.target_group_arn().unwrap().to_string();
    let listener = create_http_listener(&c, &lb, &tg).await;

    let alb_defaults = expected(&[
        ("deletion_protection.enabled", "false"),
        ("load_balancing.cross_zone.enabled", "true"),
        ("access_logs.s3.enabled", "false"),
        ("access_logs.s3.bucket", ""),
        ("access_logs.s3.prefix", ""),
        ("ipv6.deny_all_igw_traffic", "false"),
        ("zonal_shift.config.enabled", "false"),
        ("idle_timeout.timeout_seconds", "60"),
        ("client_keep_alive.seconds", "3600"),
        ("connection_logs.s3.enabled", "false"),
        ("connection_logs.s3.bucket", ""),
        ("connection_logs.s3.prefix", ""),
        ("health_check_logs.s3.enabled", "false"),
        ("health_check_logs.s3.bucket", ""),
        ("health_check_logs.s3.prefix", ""),
        ("routing.http.desync_mitigation_mode", "defensive"),
        ("routing.http.drop_invalid_header_fields.enabled", "false"),
        ("routing.http.preserve_host_header.enabled", "false"),
        ("routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false"),
        ("routing.http.xff_client_port.enabled", "false"),
        ("routing.http.xff_header_processing.mode", "append"),
        ("routing.http2.enabled", "true"),
        ("waf.fail_open.enabled", "false"),
        // elbow's extension (documented in the README), listed so users can find it.
        ("elbow.routing.http.request_header_timeout_seconds", "60"),
    ]);
    assert_eq!(lb_attributes(&c, &lb).await, alb_defaults);

    let tg_defaults = expected(&[
        ("deregistration_delay.timeout_seconds", "300"),
        ("stickiness.enabled", "false"),
        ("stickiness.type", "lb_cookie"),
        ("stickiness.lb_cookie.duration_seconds", "86400"),
        ("stickiness.app_cookie.cookie_name", ""),
        ("stickiness.app_cookie.duration_seconds", "86400"),
        ("load_balancing.algorithm.type", "round_robin"),
        ("load_balancing.algorithm.anomaly_mitigation", "off"),
        ("slow_start.duration_seconds", "0"),
        ("load_balancing.cross_zone.enabled", "use_load_balancer_configuration"),
        ("target_group_health.dns_failover.minimum_healthy_targets.count", "1"),
        ("target_group_health.dns_failover.minimum_healthy_targets.percentage", "off"),
        ("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1"),
        ("target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "off"),
        ("elbow.load_balancing.hash_key", "none"),
        ("elbow.load_balancing.hash_header_name", ""),
        ("elbow.retry.enabled", "true"),
        ("elbow.retry.per_try_timeout_seconds", "0"),
        ("elbow.passive_health.consecutive_failures", "2"),
    ]);
    assert_eq!(tg_attributes(&c, &tg).await, tg_defaults);

    // An HTTP listener of an ALB: the ALB response-header keys, the Server header on; no
    // NLB/GWLB TCP keys and no mTLS header names (those need HTTPS).
    let l = listener_attributes(&c, &listener).await;
    assert_eq!(l.get("routing.http.response.server.enabled").map(String::as_str), Some("true"), "{l:?}");
    for (k, v) in &l {
        assert!(k.starts_with("routing.http.response."), "{k} does not apply to an HTTP listener");
        if k.ends_with(".header_value") {
            assert_eq!(v, "", "{k} is unset by default");
        }
    }
    assert!(l.contains_key("routing.http.response.strict_transport_security.header_value"), "{l:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn modify_attributes_returns_the_full_list_and_describe_agrees() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(&elbow);
    let lb = create_alb(&c, &subnets, "mod-lb").await.load_balancer_arn().unwrap().to_string();
    let tg = create_ip_tg(&c, &vpc, "mod-tg", 8080).await.target_group_arn().unwrap().to_string();
    let listener = create_http_listener(&c, &lb, &tg).await;

    let out = c
        .modify_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .attributes(lb_attr("idle_timeout.timeout_seconds", "120"))
        .attributes(lb_attr("routing.http.desync_mitigation_mode", "strictest"))
        .send()
        .await
        .unwrap();
    let returned = attr_map(out.attributes().iter().map(|a| (a.key(), a.value())));
    assert_eq!(returned.len(), 24, "every key, not just the changed ones: {returned:?}");
    assert_eq!(returned["idle_timeout.timeout_seconds"], "120");
    assert_eq!(returned["routing.http.desync_mitigation_mode"], "strictest");
    assert_eq!(returned["routing.http2.enabled"], "true");
    assert_eq!(lb_attributes(&c, &lb).await, returned);

    let out = c
        .modify_target_group_attributes()
        .target_group_arn(&tg)
        .attributes(tg_attr("stickiness.enabled", "true"))
        .attributes(tg_attr("stickiness.lb_cookie.duration_seconds", "604800"))
        .attributes(tg_attr("deregistration_delay.timeout_seconds", "0"))
        .send()
        .await
        .unwrap();
    let returned = attr_map(out.attributes().iter().map(|a| (a.key(), a.value())));
    assert_eq!(returned.len(), 19, "{returned:?}");
    assert_eq!(returned["stickiness.enabled"], "true");
    assert_eq!(returned["stickiness.lb_cookie.duration_seconds"], "604800");
    assert_eq!(returned["deregistration_delay.timeout_seconds"], "0");
    assert_eq!(returned["load_balancing.algorithm.type"], "round_robin");
    assert_eq!(tg_attributes(&c, &tg).await, returned);

    let out = c.modify_listener_attributes().listener_arn(&listener).attributes(listener_attr("routing.http.response.server.enabled", "false")).send().await.unwrap();
    let returned = attr_map(out.attributes().iter().map(|a| (a.key(), a.value())));
    assert_eq!(returned["routing.http.response.server.enabled"], "false");
    assert!(returned.len() > 1, "the full list: {returned:?}");
    assert_eq!(listener_attributes(&c, &listener).await, returned);
}

#[tokio::test(flavor = "multi_thread")]
async fn out_of_range_values_and_unknown_keys_are_validation_errors_naming_the_key_and_change_nothing() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;

    for (k, v) in [("idle_timeout.timeout_seconds", "0"), ("idle_timeout.timeout_seconds", "4001"), ("no.such.key", "1"), ("routing.http2.enabled", "yes")] {
        // A valid change alongside: all or nothing.
        let e = failure(
            c.modify_load_balancer_attributes().load_balancer_arn(&fx.lb).attributes(lb_attr("deletion_protection.enabled", "true")).attributes(lb_attr(k, v)).send().await,
        );
        assert_code(&e, "ValidationError");
        assert!(e.message.contains(k), "the message names the key {k}: {}", e.message);
    }
    for (k, v) in [
        ("deregistration_delay.timeout_seconds", "3601"),
        ("slow_start.duration_seconds", "10"),
        ("stickiness.lb_cookie.duration_seconds", "0"),
        ("stickiness.type", "source_ip"),
        ("idle_timeout.timeout_seconds", "60"),
    ] {
        let e = failure(c.modify_target_group_attributes().target_group_arn(&fx.tg).attributes(tg_attr("stickiness.enabled", "true")).attributes(tg_attr(k, v)).send().await);
        assert_code(&e, "ValidationError");
        assert!(e.message.contains(k), "the message names the key {k}: {}", e.message);
    }
    for (k, v) in [("tcp.idle_timeout.seconds", "120"), ("routing.http.response.server.enabled", "maybe")] {
        let e = failure(c.modify_listener_attributes().listener_arn(&fx.listener).attributes(listener_attr(k, v)).send().await);
        assert_code(&e, "ValidationError");
        assert!(e.message.contains(k), "the message names the key {k}: {}", e.message);
    }
    assert_eq!(world(&c).await, before, "refused modifications change nothing");
    // The boundaries themselves are fine.
    c.modify_load_balancer_attributes().load_balancer_arn(&fx.lb).attributes(lb_attr("idle_timeout.timeout_seconds", "4000")).send().await.unwrap();
    c.modify_load_balancer_attributes().load_balancer_arn(&fx.lb).attributes(lb_attr("idle_timeout.timeout_seconds", "1")).send().await.unwrap();
    c.modify_target_group_attributes().target_group_arn(&fx.tg).attributes(tg_attr("deregistration_delay.timeout_seconds", "3600")).send().await.unwrap();
    c.modify_target_group_attributes().target_group_arn(&fx.tg).attributes(tg_attr("slow_start.duration_seconds", "30")).send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_start_with_least_outstanding_requests_is_an_invalid_configuration() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let e = failure(
        c.modify_target_group_attributes()
            .target_group_arn(&fx.tg)
            .attributes(tg_attr("slow_start.duration_seconds", "60"))
            .attributes(tg_attr("load_balancing.algorithm.type", "least_outstanding_requests"))
            .send()
            .await,
    );
    assert_code(&e, "InvalidConfigurationRequest");
    // Also when the two arrive in separate calls.
    c.modify_target_group_attributes().target_group_arn(&fx.tg).attributes(tg_attr("slow_start.duration_seconds", "60")).send().await.unwrap();
    let e = failure(c.modify_target_group_attributes().target_group_arn(&fx.tg).attributes(tg_attr("load_balancing.algorithm.type", "least_outstanding_requests")).send().await);
    assert_code(&e, "InvalidConfigurationRequest");
    c.modify_target_group_attributes().target_group_arn(&fx.tg).attributes(tg_attr("slow_start.duration_seconds", "0")).send().await.unwrap();
    assert_eq!(world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn more_than_20_attributes_in_one_call_is_a_validation_error() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let before = world(&c).await;
    let mut m = c.modify_load_balancer_attributes().load_balancer_arn(&fx.lb);
    for _ in 0..21 {
        m = m.attributes(lb_attr("routing.http2.enabled", "false"));
    }
    let e = failure(m.send().await);
    assert_code(&e, "ValidationError");
    assert!(e.message.contains("attributes") || e.message.contains("Attributes"), "{}", e.message);
    let mut m = c.modify_target_group_attributes().target_group_arn(&fx.tg);
    for _ in 0..21 {
        m = m.attributes(tg_attr("stickiness.enabled", "true"));
    }
    assert_code(&failure(m.send().await), "ValidationError");
    assert_eq!(world(&c).await, before);
    // Exactly 20 is allowed.
    let mut m = c.modify_load_balancer_attributes().load_balancer_arn(&fx.lb);
    for _ in 0..20 {
        m = m.attributes(lb_attr("routing.http2.enabled", "false"));
    }
    m.send().await.expect("20 attributes are within the model's limit");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deregistered_target_drains_for_the_deregistration_delay_then_leaves() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let states = |out: &testkit::elbv2::operation::describe_target_health::DescribeTargetHealthOutput| -> Vec<(String, String, String)> {
        out.target_health_descriptions()
            .iter()
            .map(|d| {
                let h = d.target_health().unwrap();
                (d.target().and_then(|t| t.id()).unwrap().to_string(), h.state().unwrap().as_str().to_string(), h.reason().map(|r| r.as_str().to_string()).unwrap_or_default())
            })
            .collect()
    };
    c.modify_target_group_attributes().target_group_arn(&fx.spare_tg).attributes(tg_attr("deregistration_delay.timeout_seconds", "1")).send().await.unwrap();
    c.deregister_targets().target_group_arn(&fx.spare_tg).targets(ip_target("127.0.0.2", 8080)).send().await.unwrap();
    let deregistered = Instant::now();
    let now = states(&c.describe_target_health().target_group_arn(&fx.spare_tg).send().await.unwrap());
    assert!(now.contains(&("127.0.0.2".into(), "draining".into(), "Target.DeregistrationInProgress".into())), "{now:?}");
    testkit::eventually(Duration::from_secs(5), "the drained target leaves the group", || async {
        let s = states(&c.describe_target_health().target_group_arn(&fx.spare_tg).send().await.ok()?);
        (!s.iter().any(|(id, _, _)| id == "127.0.0.2")).then_some(())
    })
    .await;
    assert!(deregistered.elapsed() >= Duration::from_millis(900), "left after {:?}, before the 1 s delay", deregistered.elapsed());
    let asked = states(&c.describe_target_health().target_group_arn(&fx.spare_tg).targets(ip_target("127.0.0.2", 8080)).send().await.unwrap());
    assert_eq!(asked, [("127.0.0.2".to_string(), "unused".to_string(), "Target.NotRegistered".to_string())]);
    // Deregistering a target that is not registered succeeds (model doc) and changes nothing.
    let before = world(&c).await;
    c.deregister_targets().target_group_arn(&fx.spare_tg).targets(ip_target("127.0.0.77", 8080)).send().await.expect("deregistering an absent target succeeds");
    assert_eq!(world(&c).await, before);
}
