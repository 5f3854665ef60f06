//! Lifecycle hooks, standby and detaching, end to end with the real aws CLI: a launch hook
//! (given at CreateAutoScalingGroup) holds the group's instance in `Pending:Wait`, across a
//! restart of elbow, until `complete-lifecycle-action CONTINUE`; then it is InService and a
//! healthy target. `enter-standby` deregisters it, `exit-standby` brings it back (through the
//! launch hook again), `detach-instances` leaves it running outside the group, `attach-instances`
//! brings it back, ABANDON terminates it, and a terminate hook holds the next instance, drained
//! but running, in `Terminating:Wait`.

use std::time::Duration;

use testkit::autoscaling::{backend_user_data, desired_capacity, target_health};
use testkit::{Elbow, ElbowOptions, default_network, eventually, free_port};

fn user_data(port: u16) -> String {
    backend_user_data(port)
}

fn group_instances(elbow: &Elbow) -> Vec<(String, String)> {
    testkit::autoscaling::group_instances(elbow, "hooked")
}

fn desired(elbow: &Elbow) -> u64 {
    desired_capacity(elbow, "hooked")
}

fn targets(elbow: &Elbow, tg: &str) -> Vec<(String, String)> {
    target_health(elbow, tg)
}

async fn wait_state(elbow: &Elbow, id: &str, state: &str, within: u64) {
    eventually(Duration::from_secs(within), &format!("{id} is {state}"), || {
        let now = group_instances(elbow);
        let ok = now.iter().any(|(i, s)| i == id && s == state);
        async move { ok.then_some(()) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_launch_hook_holds_the_instance_and_standby_and_detach_take_it_out() {
    let mut elbow = Elbow::start_with(ElbowOptions { args: vec!["--autoscaling-period-seconds".into(), "2".into()], ..Default::default() });
    let (vpc, subnets) = default_network(&elbow);
    let port = free_port("127.100.0.1");
    let listener_port = free_port("127.0.0.1");
    let tg = elbow
        .aws(&[
            "elbv2", "create-target-group", "--name", "hooked-tg", "--protocol", "HTTP", "--port", &port.to_string(), "--vpc-id", &vpc, "--target-type", "instance", "--health-check-path", "/status",
            "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2",
        ])
        .unwrap()["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    elbow.aws(&["elbv2", "modify-target-group-attributes", "--target-group-arn", &tg, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=2"]).unwrap();
    let mut lb_args = vec!["elbv2", "create-load-balancer", "--name", "hooked-alb", "--subnets"];
    lb_args.extend(subnets.iter().map(String::as_str));
    let lb = elbow.aws(&lb_args).unwrap()["LoadBalancers"][0]["LoadBalancerArn"].as_str().unwrap().to_string();
    elbow.aws(&["elbv2", "create-listener", "--load-balancer-arn", &lb, "--protocol", "HTTP", "--port", &listener_port.to_string(), "--default-actions", &format!("Type=forward,TargetGroupArn={tg}")]).unwrap();
    let data = serde_json::json!({"ImageId": "ami-0elbow0000000001", "InstanceType": "t2.micro", "UserData": user_data(port)}).to_string();
    elbow.aws(&["ec2", "create-launch-template", "--launch-template-name", "hooked", "--launch-template-data", &data]).unwrap();
    let hooks = r#"[{"LifecycleHookName":"wait-launch","LifecycleTransition":"autoscaling:EC2_INSTANCE_LAUNCHING","HeartbeatTimeout":300,"DefaultResult":"ABANDON"}]"#;
    elbow
        .aws(&[
            "autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "hooked", "--launch-template", "LaunchTemplateName=hooked,Version=$Latest", "--min-size", "0", "--max-size", "2",
            "--desired-capacity", "1", "--vpc-zone-identifier", &subnets.join(","), "--target-group-arns", &tg, "--lifecycle-hook-specification-list", hooks,
        ])
        .unwrap();
    let described = elbow.aws(&["autoscaling", "describe-lifecycle-hooks", "--auto-scaling-group-name", "hooked"]).unwrap();
    let h = &described["LifecycleHooks"][0];
    assert_eq!((h["LifecycleHookName"].as_str(), h["HeartbeatTimeout"].as_u64(), h["GlobalTimeout"].as_u64(), h["DefaultResult"].as_str()), (Some("wait-launch"), Some(300), Some(30000), Some("ABANDON")));
    let e = elbow.aws(&["autoscaling", "put-lifecycle-hook", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "x", "--lifecycle-transition", "autoscaling:EC2_INSTANCE_TERMINATING", "--heartbeat-timeout", "5"]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");

    // The running instance waits in Pending:Wait, unregistered, and stays there across a restart.
    let id = eventually(Duration::from_secs(60), "the instance waits in Pending:Wait", || {
        let now = group_instances(&elbow);
        async move { now.into_iter().find(|(_, s)| s == "Pending:Wait").map(|(i, _)| i) }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(group_instances(&elbow), vec![(id.clone(), "Pending:Wait".to_string())]);
    assert!(targets(&elbow, &tg).is_empty(), "not registered while waiting");
    elbow.restart();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(group_instances(&elbow), vec![(id.clone(), "Pending:Wait".to_string())], "the wait survives a restart");

    elbow.aws(&["autoscaling", "record-lifecycle-action-heartbeat", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "wait-launch", "--instance-id", &id]).unwrap();
    let e = elbow
        .aws(&["autoscaling", "complete-lifecycle-action", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "wait-launch", "--lifecycle-action-result", "CONTINUE", "--lifecycle-action-token", "00000000-0000-4000-a000-000000000000"])
        .unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");
    elbow.aws(&["autoscaling", "complete-lifecycle-action", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "wait-launch", "--lifecycle-action-result", "CONTINUE", "--instance-id", &id]).unwrap();
    wait_state(&elbow, &id, "InService", 30).await;
    let healthy = |elbow: &Elbow| targets(elbow, &tg).iter().any(|(t, s)| *t == id && s == "healthy");
    eventually(Duration::from_secs(60), "the instance is a healthy target", || {
        let ok = healthy(&elbow);
        async move { ok.then_some(()) }
    })
    .await;

    // Standby: deregistered, not replaced (desired capacity decremented).
    let r = elbow.aws(&["autoscaling", "enter-standby", "--auto-scaling-group-name", "hooked", "--instance-ids", &id, "--should-decrement-desired-capacity"]).unwrap();
    assert_eq!(r["Activities"][0]["Description"].as_str(), Some(format!("Moving EC2 instance to Standby: {id}").as_str()), "{r}");
    wait_state(&elbow, &id, "Standby", 30).await;
    assert!(targets(&elbow, &tg).iter().all(|(t, _)| *t != id), "deregistered in standby");
    assert_eq!(desired(&elbow), 0);
    assert_eq!(group_instances(&elbow).len(), 1, "no replacement for a standby instance");
    let e = elbow.aws(&["autoscaling", "enter-standby", "--auto-scaling-group-name", "hooked", "--instance-ids", &id, "--should-decrement-desired-capacity"]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");

    // Back from standby: through the launch hook again, then registered.
    let r = elbow.aws(&["autoscaling", "exit-standby", "--auto-scaling-group-name", "hooked", "--instance-ids", &id]).unwrap();
    assert_eq!(r["Activities"][0]["Description"].as_str(), Some(format!("Moving EC2 instance out of Standby: {id}").as_str()), "{r}");
    assert_eq!(desired(&elbow), 1);
    wait_state(&elbow, &id, "Pending:Wait", 30).await;
    elbow.aws(&["autoscaling", "complete-lifecycle-action", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "wait-launch", "--lifecycle-action-result", "CONTINUE", "--instance-id", &id]).unwrap();
    wait_state(&elbow, &id, "InService", 30).await;
    eventually(Duration::from_secs(60), "a healthy target again", || {
        let ok = healthy(&elbow);
        async move { ok.then_some(()) }
    })
    .await;

    // Detach: out of the group and the target group, still running.
    let r = elbow.aws(&["autoscaling", "detach-instances", "--auto-scaling-group-name", "hooked", "--instance-ids", &id, "--should-decrement-desired-capacity"]).unwrap();
    assert_eq!(r["Activities"][0]["Description"].as_str(), Some(format!("Detaching EC2 instance: {id}").as_str()), "{r}");
    eventually(Duration::from_secs(30), "the group is empty", || {
        let empty = group_instances(&elbow).is_empty();
        async move { empty.then_some(()) }
    })
    .await;
    assert!(targets(&elbow, &tg).iter().all(|(t, _)| *t != id), "deregistered when detached");
    assert_eq!(desired(&elbow), 0);
    let i = elbow.aws(&["ec2", "describe-instances", "--instance-ids", &id]).unwrap();
    assert_eq!(i["Reservations"][0]["Instances"][0]["State"]["Name"], "running");
    let acts = elbow.aws(&["autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "hooked"]).unwrap();
    let descriptions: Vec<String> = acts["Activities"].as_array().unwrap().iter().map(|a| a["Description"].as_str().unwrap_or_default().to_string()).collect();
    assert!(descriptions.contains(&format!("Detaching EC2 instance: {id}")), "{descriptions:?}");

    // Attach it back: desired capacity rises, it goes through the hook to InService.
    let e = elbow.aws(&["autoscaling", "attach-instances", "--auto-scaling-group-name", "hooked", "--instance-ids", "i-0123456789abcdef0"]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");
    elbow.aws(&["autoscaling", "attach-instances", "--auto-scaling-group-name", "hooked", "--instance-ids", &id]).unwrap();
    assert_eq!(desired(&elbow), 1);
    wait_state(&elbow, &id, "Pending:Wait", 30).await;
    let acts = elbow.aws(&["autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "hooked"]).unwrap();
    assert_eq!(acts["Activities"][0]["Description"].as_str(), Some(format!("Attaching an existing EC2 instance: {id}").as_str()));

    // Abandoned at the hook: terminated.
    elbow.aws(&["autoscaling", "complete-lifecycle-action", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "wait-launch", "--lifecycle-action-result", "ABANDON", "--instance-id", &id]).unwrap();
    eventually(Duration::from_secs(60), "the abandoned instance is terminated", || {
        let i = elbow.aws(&["ec2", "describe-instances", "--instance-ids", &id]).unwrap();
        let done = i["Reservations"][0]["Instances"][0]["State"]["Name"] == "terminated";
        async move { done.then_some(()) }
    })
    .await;

    // Its replacement passes the launch hook; a terminate hook then holds it, drained but
    // running, in Terminating:Wait until completed.
    let next = eventually(Duration::from_secs(60), "a replacement waits in Pending:Wait", || {
        let now = group_instances(&elbow);
        let id = id.clone();
        async move { now.into_iter().find(|(i, s)| *i != id && s == "Pending:Wait").map(|(i, _)| i) }
    })
    .await;
    elbow
        .aws(&[
            "autoscaling", "put-lifecycle-hook", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "wait-terminate", "--lifecycle-transition", "autoscaling:EC2_INSTANCE_TERMINATING",
            "--heartbeat-timeout", "300", "--default-result", "CONTINUE",
        ])
        .unwrap();
    elbow.aws(&["autoscaling", "complete-lifecycle-action", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "wait-launch", "--lifecycle-action-result", "CONTINUE", "--instance-id", &next]).unwrap();
    wait_state(&elbow, &next, "InService", 30).await;
    elbow.aws(&["autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "hooked", "--desired-capacity", "0"]).unwrap();
    wait_state(&elbow, &next, "Terminating:Wait", 60).await;
    assert!(targets(&elbow, &tg).iter().all(|(t, _)| *t != next), "deregistered before the terminate hook");
    let i = elbow.aws(&["ec2", "describe-instances", "--instance-ids", &next]).unwrap();
    assert_eq!(i["Reservations"][0]["Instances"][0]["State"]["Name"], "running");
    elbow.aws(&["autoscaling", "complete-lifecycle-action", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "wait-terminate", "--lifecycle-action-result", "CONTINUE", "--instance-id", &next]).unwrap();
    eventually(Duration::from_secs(60), "terminated after the terminate hook", || {
        let i = elbow.aws(&["ec2", "describe-instances", "--instance-ids", &next]).unwrap();
        let done = i["Reservations"][0]["Instances"][0]["State"]["Name"] == "terminated" && group_instances(&elbow).is_empty();
        async move { done.then_some(()) }
    })
    .await;
    elbow.aws(&["autoscaling", "delete-lifecycle-hook", "--auto-scaling-group-name", "hooked", "--lifecycle-hook-name", "wait-terminate"]).unwrap();
    let left = elbow.aws(&["autoscaling", "describe-lifecycle-hooks", "--auto-scaling-group-name", "hooked"]).unwrap();
    assert_eq!(left["LifecycleHooks"].as_array().map(Vec::len), Some(1));
    elbow.aws(&["autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "hooked"]).unwrap();
}
