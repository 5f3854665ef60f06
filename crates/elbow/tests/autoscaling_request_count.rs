//! Target tracking on `ALBRequestCountPerTarget`, with the real aws CLI: the data plane counts
//! the requests it routes to each target, and a group whose policy tracks 300 requests per
//! target per minute scales out when a client sends several times that through the ALB.

use std::time::Duration;

use testkit::autoscaling::{backend_user_data, desired_capacity, healthy_targets};
use testkit::{Elbow, ElbowOptions, HttpClient, default_network, eventually, free_port};

#[tokio::test(flavor = "multi_thread")]
async fn request_count_per_target_scales_the_group_out() {
    let elbow = Elbow::start_with(ElbowOptions { args: vec!["--autoscaling-period-seconds".into(), "2".into()], ..Default::default() });
    let (vpc, subnets) = default_network(&elbow);
    let port = free_port("127.100.0.1");
    let listener_port = free_port("127.0.0.1");
    let tg = elbow
        .aws(&[
            "elbv2", "create-target-group", "--name", "rc-tg", "--protocol", "HTTP", "--port", &port.to_string(), "--vpc-id", &vpc, "--target-type", "instance", "--health-check-path", "/status",
            "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2",
        ])
        .unwrap()["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    let mut lb_args = vec!["elbv2", "create-load-balancer", "--name", "rc-alb", "--subnets"];
    lb_args.extend(subnets.iter().map(String::as_str));
    let lb = elbow.aws(&lb_args).unwrap()["LoadBalancers"][0]["LoadBalancerArn"].as_str().unwrap().to_string();
    elbow.aws(&["elbv2", "create-listener", "--load-balancer-arn", &lb, "--protocol", "HTTP", "--port", &listener_port.to_string(), "--default-actions", &format!("Type=forward,TargetGroupArn={tg}")]).unwrap();
    let data = serde_json::json!({"ImageId": "ami-0elbow0000000001", "InstanceType": "t2.micro", "UserData": backend_user_data(port)}).to_string();
    elbow.aws(&["ec2", "create-launch-template", "--launch-template-name", "rc-web", "--launch-template-data", &data]).unwrap();
    elbow
        .aws(&[
            "autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "rc-asg", "--launch-template", "LaunchTemplateName=rc-web", "--min-size", "1", "--max-size", "3", "--desired-capacity", "1",
            "--vpc-zone-identifier", &subnets.join(","), "--target-group-arns", &tg,
        ])
        .unwrap();

    // The policy names the target group by its ResourceLabel, as the console builds it:
    // app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>.
    let lb_part = lb.split(":loadbalancer/").nth(1).unwrap();
    let tg_part = tg.split(':').next_back().unwrap();
    let label = format!("{lb_part}/{tg_part}");
    let bad = elbow
        .aws(&[
            "autoscaling", "put-scaling-policy", "--auto-scaling-group-name", "rc-asg", "--policy-name", "rc", "--policy-type", "TargetTrackingScaling", "--target-tracking-configuration",
            r#"{"PredefinedMetricSpecification":{"PredefinedMetricType":"ALBRequestCountPerTarget"},"TargetValue":300.0}"#,
        ])
        .unwrap_err();
    assert_eq!(bad.code, "ValidationError", "a request-count policy without ResourceLabel is refused: {bad:?}");
    let config = serde_json::json!({"PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": label}, "TargetValue": 300.0}).to_string();
    elbow.aws(&["autoscaling", "put-scaling-policy", "--auto-scaling-group-name", "rc-asg", "--policy-name", "rc", "--policy-type", "TargetTrackingScaling", "--target-tracking-configuration", &config]).unwrap();

    eventually(Duration::from_secs(60), "the first instance is a healthy target", || {
        let n = healthy_targets(&elbow, &tg).len();
        async move { (n == 1).then_some(()) }
    })
    .await;
    assert_eq!(desired_capacity(&elbow, "rc-asg"), 1, "no traffic, no scale-out");

    // About 20 requests a second (1,200 a minute against a target of 300) for at most 60 s.
    let http = HttpClient::new();
    let url = format!("http://127.0.0.1:{listener_port}/");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut sent = 0;
    while desired_capacity(&elbow, "rc-asg") < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no scale-out within 60 s after {sent} requests");
        for _ in 0..10 {
            let r = http.get(&url).await.unwrap();
            assert_eq!(r.status, 200);
            sent += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let activities = elbow.aws(&["autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "rc-asg"]).unwrap();
    let causes: Vec<String> = activities["Activities"].as_array().unwrap().iter().map(|a| a["Cause"].as_str().unwrap_or_default().to_string()).collect();
    assert!(causes.iter().any(|c| c.contains("TargetTracking-rc-asg-AlarmHigh") && c.contains("triggered policy rc")), "{causes:?}");
}
