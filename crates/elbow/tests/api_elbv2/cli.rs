//! The CLI as the tutorials type it, and the waiters.

use std::collections::BTreeMap;
use testkit::{Elbow, default_network};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_tutorial_cli_commands_work_as_typed() {
    let elbow = Elbow::start();
    let (vpc, subnets) = default_network(&elbow);
    let tg = elbow
        .aws(&["elbv2", "create-target-group", "--name", "tg", "--protocol", "HTTP", "--port", "8080", "--vpc-id", &vpc, "--health-check-path", "/no-auth/status", "--target-type", "ip"])
        .unwrap();
    let t = &tg["TargetGroups"][0];
    assert_eq!(t["HealthCheckPath"], "/no-auth/status");
    assert_eq!(t["TargetType"], "ip");
    assert_eq!(t["Port"], 8080);
    assert_eq!(t["LoadBalancerArns"], serde_json::json!([]));
    let tg_arn = t["TargetGroupArn"].as_str().unwrap().to_string();

    let out = elbow.aws(&["elbv2", "register-targets", "--target-group-arn", &tg_arn, "--targets", "Id=127.0.0.2", "Id=127.0.0.3,Port=8081"]).unwrap();
    assert!(out.is_null() || out == serde_json::json!({}), "RegisterTargets has an empty result: {out}");

    let out = elbow
        .aws(&["elbv2", "modify-target-group-attributes", "--target-group-arn", &tg_arn, "--attributes", "Key=stickiness.enabled,Value=true", "Key=stickiness.type,Value=lb_cookie"])
        .unwrap();
    let attrs: BTreeMap<String, String> =
        out["Attributes"].as_array().unwrap().iter().map(|a| (a["Key"].as_str().unwrap().to_string(), a["Value"].as_str().unwrap().to_string())).collect();
    assert_eq!(attrs["stickiness.enabled"], "true");
    assert_eq!(attrs["stickiness.type"], "lb_cookie");
    assert_eq!(attrs["stickiness.lb_cookie.duration_seconds"], "86400");

    let mut args = vec!["elbv2", "create-load-balancer", "--name", "tutorial-lb", "--subnets"];
    args.extend(subnets.iter().map(String::as_str));
    let lb = elbow.aws(&args).unwrap();
    let lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"].as_str().unwrap().to_string();
    assert_eq!(lb["LoadBalancers"][0]["State"]["Code"], "active");

    let port = testkit::free_port("127.0.0.1").to_string();
    let l = elbow
        .aws(&["elbv2", "create-listener", "--load-balancer-arn", &lb_arn, "--protocol", "HTTP", "--port", &port, "--default-actions", &format!("Type=forward,TargetGroupArn={tg_arn}")])
        .unwrap();
    let action = &l["Listeners"][0]["DefaultActions"][0];
    assert_eq!(action["Type"], "forward");
    assert_eq!(action["TargetGroupArn"], tg_arn.as_str());
    assert_eq!(action["ForwardConfig"]["TargetGroups"][0]["Weight"], 1);

    let h = elbow.aws(&["elbv2", "describe-target-health", "--target-group-arn", &tg_arn]).unwrap();
    let rows: Vec<(String, i64, String, String)> = h["TargetHealthDescriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["Target"]["Id"].as_str().unwrap().to_string(),
                d["Target"]["Port"].as_i64().unwrap(),
                d["HealthCheckPort"].as_str().unwrap().to_string(),
                d["TargetHealth"]["State"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // In use by a listener now, checked every 30 s: the first checks are still in progress.
    assert_eq!(
        rows,
        vec![("127.0.0.2".into(), 8080, "8080".into(), "initial".into()), ("127.0.0.3".into(), 8081, "8081".into(), "initial".into())],
        "{h}"
    );
    let tgs = elbow.aws(&["elbv2", "describe-target-groups", "--load-balancer-arn", &lb_arn]).unwrap();
    assert_eq!(tgs["TargetGroups"][0]["LoadBalancerArns"], serde_json::json!([lb_arn]));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_waiters_return_on_their_first_poll() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    // Waiters poll every 15 s until the state is reached: one request means the first poll saw it.
    let first_poll = |args: &[&str]| testkit::aws_cli_requests(&elbow.endpoint, args);
    assert_eq!(first_poll(&["elbv2", "wait", "load-balancer-available", "--load-balancer-arns", &fx.lb]), (true, 1));

    elbow.aws(&["elbv2", "modify-target-group-attributes", "--target-group-arn", &fx.spare_tg, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=0"]).unwrap();
    elbow.aws(&["elbv2", "deregister-targets", "--target-group-arn", &fx.spare_tg, "--targets", "Id=127.0.0.2,Port=8080"]).unwrap();
    // AWS reports a target named explicitly but not registered as unused/Target.NotRegistered.
    let h = c.describe_target_health().target_group_arn(&fx.spare_tg).targets(ip_target("127.0.0.2", 8080)).send().await.unwrap();
    let th = h.target_health_descriptions()[0].target_health().unwrap();
    assert_eq!((th.state().unwrap().as_str(), th.reason().unwrap().as_str()), ("unused", "Target.NotRegistered"));
    assert_eq!(first_poll(&["elbv2", "wait", "target-deregistered", "--target-group-arn", &fx.spare_tg, "--targets", "Id=127.0.0.2,Port=8080"]), (true, 1));

    // load-balancers-deleted: the first poll after DeleteLoadBalancer sees LoadBalancerNotFound.
    c.delete_load_balancer().load_balancer_arn(&fx.lb).send().await.unwrap();
    assert_eq!(first_poll(&["elbv2", "wait", "load-balancers-deleted", "--load-balancer-arns", &fx.lb]), (true, 1));
}
