//! An API call that returned success is on disk: `kill -9` and restart restore every load
//! balancer, listener (its port bound again), target group, target, attribute and tag.

use std::time::Duration;

use testkit::elbv2::types::{LoadBalancerAttribute, Tag, TargetGroupAttribute};
use testkit::{Backend, Elbow, HttpClient, eventually, simple_alb, wait_all_healthy};

/// Everything the ELBv2 API shows, normalised to JSON through the real CLI.
fn describe_everything(elbow: &Elbow) -> serde_json::Value {
    let lbs = elbow.aws(&["elbv2", "describe-load-balancers"]).unwrap();
    let tgs = elbow.aws(&["elbv2", "describe-target-groups"]).unwrap();
    let mut out = serde_json::json!({"lbs": lbs, "tgs": tgs, "listeners": [], "lb_attrs": [], "tg_attrs": [], "health": [], "tags": []});
    for lb in lbs["LoadBalancers"].as_array().unwrap() {
        let arn = lb["LoadBalancerArn"].as_str().unwrap();
        let ls = elbow.aws(&["elbv2", "describe-listeners", "--load-balancer-arn", arn]).unwrap();
        for l in ls["Listeners"].as_array().unwrap() {
            let la = elbow.aws(&["elbv2", "describe-listener-attributes", "--listener-arn", l["ListenerArn"].as_str().unwrap()]).unwrap();
            out["listener_attrs"] = la;
        }
        out["listeners"].as_array_mut().unwrap().push(ls);
        out["lb_attrs"].as_array_mut().unwrap().push(elbow.aws(&["elbv2", "describe-load-balancer-attributes", "--load-balancer-arn", arn]).unwrap());
        out["tags"].as_array_mut().unwrap().push(elbow.aws(&["elbv2", "describe-tags", "--resource-arns", arn]).unwrap());
    }
    for tg in tgs["TargetGroups"].as_array().unwrap() {
        let arn = tg["TargetGroupArn"].as_str().unwrap();
        out["tg_attrs"].as_array_mut().unwrap().push(elbow.aws(&["elbv2", "describe-target-group-attributes", "--target-group-arn", arn]).unwrap());
        out["tags"].as_array_mut().unwrap().push(elbow.aws(&["elbv2", "describe-tags", "--resource-arns", arn]).unwrap());
        // Registrations (states depend on live checks; the registered set must survive).
        let h = elbow.aws(&["elbv2", "describe-target-health", "--target-group-arn", arn]).unwrap();
        let targets: Vec<serde_json::Value> = h["TargetHealthDescriptions"].as_array().unwrap().iter().map(|d| d["Target"].clone()).collect();
        out["health"].as_array_mut().unwrap().push(serde_json::Value::Array(targets));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn kill9_and_restart_restore_configuration_and_traffic() {
    let mut elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "durable", &[a.addr, b.addr]).await;
    let c = elbow.elbv2();
    c.modify_load_balancer_attributes()
        .load_balancer_arn(&alb.lb_arn)
        .attributes(LoadBalancerAttribute::builder().key("idle_timeout.timeout_seconds").value("123").build())
        .send()
        .await
        .unwrap();
    c.modify_target_group_attributes()
        .target_group_arn(&alb.tg_arn)
        .attributes(TargetGroupAttribute::builder().key("deregistration_delay.timeout_seconds").value("17").build())
        .send()
        .await
        .unwrap();
    c.add_tags().resource_arns(&alb.lb_arn).resource_arns(&alb.tg_arn).tags(Tag::builder().key("team").value("edge").build()).send().await.unwrap();
    elbow.aws(&["ec2", "create-security-group", "--group-name", "web", "--description", "web servers"]).unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let before = describe_everything(&elbow);
    let sgs_before = elbow.aws(&["ec2", "describe-security-groups"]).unwrap();

    elbow.kill9();
    // The listener's port is closed while the node is down…
    assert!(HttpClient::new().get(&alb.url("/")).await.is_err());
    elbow.restart();

    // …and bound again, with the same configuration, before the node reports ready.
    let after = describe_everything(&elbow);
    assert_eq!(before, after, "configuration after kill -9 and restart differs");
    assert_eq!(sgs_before, elbow.aws(&["ec2", "describe-security-groups"]).unwrap());
    let http = HttpClient::new();
    let r = eventually(Duration::from_secs(15), "traffic after restart", || async { http.get(&alb.url("/")).await.ok().filter(|r| r.status == 200) }).await;
    assert!(r.body.trim() == "a" || r.body.trim() == "b");
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_acknowledged_write_survives_a_crash_at_any_moment() {
    // Writes race with kill -9: whatever the API acknowledged must be there after restart.
    let mut elbow = Elbow::start();
    let (vpc, _) = testkit::default_network(&elbow);
    let endpoint = elbow.endpoint.clone();
    let writer = tokio::spawn(async move {
        let conf = testkit::elbv2::Config::builder()
            .endpoint_url(&endpoint)
            .region(testkit::elbv2::config::Region::new("us-east-1"))
            .credentials_provider(testkit::elbv2::config::Credentials::new("t", "t", None, None, "t"))
            .http_client(testkit::http_client())
            .build();
        let c = testkit::elbv2::Client::from_conf(conf);
        let mut acked = Vec::new();
        for i in 0..500 {
            let r = c
                .create_target_group()
                .name(format!("crash-{i}"))
                .protocol(testkit::elbv2::types::ProtocolEnum::Http)
                .port(80)
                .vpc_id(&vpc)
                .target_type(testkit::elbv2::types::TargetTypeEnum::Ip)
                .send()
                .await;
            match r {
                Ok(_) => acked.push(format!("crash-{i}")),
                Err(_) => break,
            }
        }
        acked
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    elbow.kill9();
    let acked = writer.await.unwrap();
    assert!(!acked.is_empty(), "some writes were acknowledged before the crash");
    elbow.restart();
    let names: Vec<String> = elbow.aws(&["elbv2", "describe-target-groups"]).unwrap()["TargetGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["TargetGroupName"].as_str().unwrap().to_string())
        .collect();
    for n in &acked {
        assert!(names.contains(n), "acknowledged target group {n} lost in the crash ({} acked, {} stored)", acked.len(), names.len());
    }
}
