//! The WebRTC-server tutorial's Auto Scaling, end to end with the real aws CLI: a launch
//! template whose user data starts a web server on the instance's own address (naming itself
//! from the metadata endpoint), a group of 1–3 instances attached to an ALB's target group, and
//! a target-tracking policy on CPU at 50 %. Load scales it out to healthy targets, the end of
//! the load scales it in with draining and no failed request, an instance killed from outside
//! is replaced, and `kill -9` of elbow keeps everything.

use std::collections::BTreeSet;
use std::time::Duration;

use testkit::autoscaling::{backend_user_data, desired_capacity, healthy_targets};
use testkit::{Elbow, ElbowOptions, HttpClient, default_network, eventually, free_port};

fn user_data(port: u16) -> String {
    backend_user_data(port)
}

fn group_instances(elbow: &Elbow) -> Vec<(String, String)> {
    testkit::autoscaling::group_instances(elbow, "web-asg")
}

fn desired(elbow: &Elbow) -> u64 {
    desired_capacity(elbow, "web-asg")
}

async fn wait_healthy(elbow: &Elbow, tg: &str, n: usize, within: Duration) -> BTreeSet<String> {
    eventually(within, &format!("{n} healthy instance targets"), || {
        let h = healthy_targets(elbow, tg);
        async move { (h.len() == n).then_some(h) }
    })
    .await
}

/// Bounded load through the load balancer: `n` requests, returns (answers per instance, failures).
async fn traffic(http: &HttpClient, url: &str, n: usize) -> (std::collections::BTreeMap<String, usize>, Vec<String>) {
    let mut seen = std::collections::BTreeMap::new();
    let mut failures = Vec::new();
    for _ in 0..n {
        match http.get(url).await {
            Ok(r) if r.status == 200 => *seen.entry(r.body.trim().to_string()).or_insert(0) += 1,
            Ok(r) => failures.push(format!("{} {}", r.status, r.body.trim())),
            Err(e) => failures.push(e),
        }
    }
    (seen, failures)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_webrtc_tutorial_scales_on_cpu_replaces_killed_instances_and_survives_a_restart() {
    let mut elbow = Elbow::start_with(ElbowOptions { args: vec!["--autoscaling-period-seconds".into(), "2".into()], ..Default::default() });
    let (vpc, subnets) = default_network(&elbow);
    let port = free_port("127.100.0.1");
    let listener_port = free_port("127.0.0.1");

    // Target group of instances, health check every 5 s, a short deregistration delay.
    let tg = elbow
        .aws(&[
            "elbv2", "create-target-group", "--name", "web-tg", "--protocol", "HTTP", "--port", &port.to_string(), "--vpc-id", &vpc, "--target-type", "instance", "--health-check-path", "/status",
            "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2", "--unhealthy-threshold-count", "2",
        ])
        .unwrap()["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    elbow.aws(&["elbv2", "modify-target-group-attributes", "--target-group-arn", &tg, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=3"]).unwrap();
    let mut lb_args = vec!["elbv2", "create-load-balancer", "--name", "web-alb", "--subnets"];
    lb_args.extend(subnets.iter().map(String::as_str));
    let lb = elbow.aws(&lb_args).unwrap()["LoadBalancers"][0]["LoadBalancerArn"].as_str().unwrap().to_string();
    elbow.aws(&["elbv2", "create-listener", "--load-balancer-arn", &lb, "--protocol", "HTTP", "--port", &listener_port.to_string(), "--default-actions", &format!("Type=forward,TargetGroupArn={tg}")]).unwrap();

    // The tutorial's launch template, group and CPU policy.
    let data = serde_json::json!({"ImageId": "ami-0elbow0000000001", "InstanceType": "t2.micro", "UserData": user_data(port)}).to_string();
    elbow.aws(&["ec2", "create-launch-template", "--launch-template-name", "web", "--launch-template-data", &data]).unwrap();
    elbow
        .aws(&[
            "autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "web-asg", "--launch-template", "LaunchTemplateName=web,Version=$Latest", "--min-size", "1", "--max-size", "3",
            "--desired-capacity", "1", "--vpc-zone-identifier", &subnets.join(","), "--target-group-arns", &tg, "--health-check-type", "ELB", "--health-check-grace-period", "20",
        ])
        .unwrap();
    elbow
        .aws(&[
            "autoscaling", "put-scaling-policy", "--auto-scaling-group-name", "web-asg", "--policy-name", "cpu50", "--policy-type", "TargetTrackingScaling", "--estimated-instance-warmup", "10",
            "--target-tracking-configuration", r#"{"PredefinedMetricSpecification":{"PredefinedMetricType":"ASGAverageCPUUtilization"},"TargetValue":50.0}"#,
        ])
        .unwrap();

    // Bad input changes nothing.
    let e = elbow.aws(&["autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "web-asg", "--min-size", "4"]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");
    let e = elbow.aws(&["autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "bad", "--launch-template", "LaunchTemplateName=nope", "--min-size", "1", "--max-size", "1", "--vpc-zone-identifier", &subnets[0]]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");

    // One instance comes up as a healthy target and serves through the load balancer.
    let first = wait_healthy(&elbow, &tg, 1, Duration::from_secs(60)).await;
    let url = format!("http://127.0.0.1:{listener_port}/");
    let http = HttpClient::new();
    let (seen, failures) = traffic(&http, &url, 5).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), first, "the instance names itself from the metadata endpoint");

    // CPU load on the instance (two busy threads on a one-vCPU t2.micro, so a shared machine
    // still shows it above 50 %): target tracking scales out to healthy targets that get traffic.
    let burn = http.get(&format!("http://127.0.0.1:{listener_port}/burn?seconds=40&threads=2")).await.unwrap();
    assert_eq!(burn.status, 200);
    eventually(Duration::from_secs(60), "scale-out raises the desired capacity", || async { (desired(&elbow) >= 2).then_some(()) }).await;
    let grown = wait_healthy(&elbow, &tg, desired(&elbow) as usize, Duration::from_secs(90)).await;
    assert!(grown.len() >= 2 && grown.is_superset(&first), "{grown:?}");
    let (seen, failures) = traffic(&http, &url, 20).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert!(seen.len() >= 2, "new instances receive traffic: {seen:?}");
    let activities = elbow.aws(&["autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "web-asg"]).unwrap();
    let causes: Vec<String> = activities["Activities"].as_array().unwrap().iter().map(|a| a["Cause"].as_str().unwrap_or_default().to_string()).collect();
    assert!(causes.iter().any(|c| c.contains("TargetTracking-web-asg-AlarmHigh") && c.contains("triggered policy cpu50")), "{causes:?}");

    // The load ends: scale-in back to one, draining first; traffic meanwhile never fails.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(150);
    let mut failures = Vec::new();
    while healthy_targets(&elbow, &tg).len() > 1 || group_instances(&elbow).len() > 1 {
        assert!(tokio::time::Instant::now() < deadline, "scale-in within 150 s: {:?}", group_instances(&elbow));
        failures.extend(traffic(&http, &url, 10).await.1);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(failures, Vec::<String>::new(), "no request failed during scale-in");
    assert_eq!(desired(&elbow), 1);

    // An instance killed from outside is replaced by a new healthy target.
    let (victim, _) = group_instances(&elbow).into_iter().next().unwrap();
    let pid = std::fs::read_to_string(elbow.data_dir.join("instances").join(&victim).join("init.pid")).unwrap();
    let pgid = pid.split_whitespace().next().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-9", "--", &format!("-{pgid}")]).status().unwrap().success());
    let replaced = eventually(Duration::from_secs(120), "a replacement is a healthy target", || {
        let h = healthy_targets(&elbow, &tg);
        let victim = victim.clone();
        async move { (h.len() == 1 && !h.contains(&victim)).then_some(h) }
    })
    .await;
    let state = elbow.aws(&["ec2", "describe-instances", "--instance-ids", &victim]).unwrap();
    assert_eq!(state["Reservations"][0]["Instances"][0]["State"]["Name"], "terminated");

    // kill -9 and restart: the group, its instance and its target are all still there.
    elbow.restart();
    let after = wait_healthy(&elbow, &tg, 1, Duration::from_secs(60)).await;
    let why = || {
        let id = replaced.iter().next().unwrap().clone();
        let i = elbow.aws(&["ec2", "describe-instances", "--instance-ids", &id]).unwrap();
        let a = elbow.aws(&["autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "web-asg"]).unwrap();
        format!("{}\n{}", i["Reservations"][0]["Instances"][0]["StateReason"], a["Activities"])
    };
    assert_eq!(after, replaced, "the running instance was adopted, not replaced: {}", why());
    // The killed instance leaves the group once its termination is recorded.
    let only = vec![(replaced.iter().next().unwrap().clone(), "InService".to_string())];
    eventually(Duration::from_secs(30), "the group holds just the replacement", || {
        let now = group_instances(&elbow);
        let only = only.clone();
        async move { (now == only).then_some(()) }
    })
    .await;
    let (_, failures) = traffic(&http, &url, 5).await;
    assert!(failures.is_empty(), "{failures:?}");

    // Deleting the group terminates its instances.
    elbow.aws(&["autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "web-asg", "--force-delete"]).unwrap();
    eventually(Duration::from_secs(60), "the forced delete terminates the instances", || async {
        let d = elbow.aws(&["ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=pending,running,shutting-down"]).unwrap();
        d["Reservations"].as_array().is_some_and(|r| r.is_empty()).then_some(())
    })
    .await;
}
