//! The Auto Scaling API end to end with the real `aws` CLI against a real `elbow serve`: launch
//! configurations, a group attached to a target group of type `instance`, a target-tracking
//! policy as in the AWS tutorial, refusals that change nothing, processes, tags and deletion.
//! No instances are launched here (that is the controller's job): the group records capacity.

use serde_json::Value;
use testkit::{Elbow, default_network};

fn group(elbow: &Elbow, name: &str) -> Value {
    let out = elbow.aws(&["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", name]).expect("describe-auto-scaling-groups");
    out["AutoScalingGroups"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_scaling_groups_policies_and_refusals_with_the_aws_cli() {
    let elbow = Elbow::start();
    let (vpc, subnets) = default_network(&elbow);

    elbow
        .aws(&["autoscaling", "create-launch-configuration", "--launch-configuration-name", "web-lc", "--image-id", "ami-0abcdef1234567890", "--instance-type", "t3.micro"])
        .expect("create-launch-configuration");
    let e = elbow
        .aws(&["autoscaling", "create-launch-configuration", "--launch-configuration-name", "web-lc", "--image-id", "ami-0abcdef1234567890", "--instance-type", "t3.micro"])
        .unwrap_err();
    assert_eq!(e.code, "AlreadyExists", "{e:?}");
    let lcs = elbow.aws(&["autoscaling", "describe-launch-configurations"]).unwrap();
    assert_eq!(lcs["LaunchConfigurations"][0]["LaunchConfigurationName"], "web-lc");
    assert_eq!(lcs["LaunchConfigurations"][0]["InstanceType"], "t3.micro");
    assert!(lcs["LaunchConfigurations"][0]["LaunchConfigurationARN"].as_str().unwrap().contains(":launchConfiguration:"));

    let tg = elbow
        .aws(&["elbv2", "create-target-group", "--name", "web-tg", "--protocol", "HTTP", "--port", "80", "--vpc-id", &vpc, "--target-type", "instance"])
        .unwrap();
    let tg_arn = tg["TargetGroups"][0]["TargetGroupArn"].as_str().unwrap().to_string();
    let ip_tg = elbow.aws(&["elbv2", "create-target-group", "--name", "ip-tg", "--protocol", "HTTP", "--port", "80", "--vpc-id", &vpc, "--target-type", "ip"]).unwrap();
    let ip_tg_arn = ip_tg["TargetGroups"][0]["TargetGroupArn"].as_str().unwrap().to_string();

    let zone_ids = subnets.join(",");
    let e = elbow
        .aws(&[
            "autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "bad", "--launch-configuration-name", "web-lc", "--min-size", "1", "--max-size", "3",
            "--vpc-zone-identifier", &zone_ids, "--target-group-arns", &ip_tg_arn,
        ])
        .unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");

    elbow
        .aws(&[
            "autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "web-asg", "--launch-configuration-name", "web-lc", "--min-size", "1", "--max-size", "3",
            "--vpc-zone-identifier", &zone_ids, "--target-group-arns", &tg_arn, "--health-check-type", "ELB", "--health-check-grace-period", "60",
            "--tags", "Key=Name,Value=web,PropagateAtLaunch=true",
        ])
        .expect("create-auto-scaling-group");
    let g = group(&elbow, "web-asg");
    assert_eq!(g["MinSize"], 1);
    assert_eq!(g["MaxSize"], 3);
    assert_eq!(g["DesiredCapacity"], 1);
    assert_eq!(g["DefaultCooldown"], 300);
    assert_eq!(g["HealthCheckType"], "ELB");
    assert_eq!(g["HealthCheckGracePeriod"], 60);
    assert_eq!(g["TargetGroupARNs"][0], tg_arn.as_str());
    assert_eq!(g["VPCZoneIdentifier"], zone_ids.as_str());
    assert_eq!(g["AvailabilityZones"].as_array().unwrap().len(), subnets.len());
    // The controller launches the desired instance at once (tests/autoscaling.rs follows it).
    assert!(g["Instances"].as_array().unwrap().iter().all(|i| i["LaunchConfigurationName"] == "web-lc"), "{}", g["Instances"]);
    assert_eq!(g["Tags"][0]["Key"], "Name");
    assert_eq!(g["Tags"][0]["PropagateAtLaunch"], true);
    assert!(g["AutoScalingGroupARN"].as_str().unwrap().ends_with(":autoScalingGroupName/web-asg"));
    let e = elbow
        .aws(&["autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "web-asg", "--launch-configuration-name", "web-lc", "--min-size", "1", "--max-size", "3", "--vpc-zone-identifier", &zone_ids])
        .unwrap_err();
    assert_eq!(e.code, "AlreadyExists", "{e:?}");
    let tgs = elbow.aws(&["autoscaling", "describe-load-balancer-target-groups", "--auto-scaling-group-name", "web-asg"]).unwrap();
    assert_eq!(tgs["LoadBalancerTargetGroups"][0]["LoadBalancerTargetGroupARN"], tg_arn.as_str());

    // The tutorial's target-tracking policy.
    let put = elbow
        .aws(&[
            "autoscaling", "put-scaling-policy", "--auto-scaling-group-name", "web-asg", "--policy-name", "cpu50", "--policy-type", "TargetTrackingScaling",
            "--target-tracking-configuration", r#"{"PredefinedMetricSpecification":{"PredefinedMetricType":"ASGAverageCPUUtilization"},"TargetValue":50.0}"#,
        ])
        .expect("put-scaling-policy");
    let policy_arn = put["PolicyARN"].as_str().unwrap().to_string();
    assert!(policy_arn.ends_with(":autoScalingGroupName/web-asg:policyName/cpu50"), "{policy_arn}");
    let alarms = put["Alarms"].as_array().unwrap();
    assert_eq!(alarms.len(), 2);
    assert!(alarms[0]["AlarmName"].as_str().unwrap().starts_with("TargetTracking-web-asg-AlarmHigh-"));
    let pols = elbow.aws(&["autoscaling", "describe-policies", "--auto-scaling-group-name", "web-asg"]).unwrap();
    let p = &pols["ScalingPolicies"][0];
    assert_eq!(p["PolicyName"], "cpu50");
    assert_eq!(p["PolicyARN"], policy_arn.as_str());
    assert_eq!(p["PolicyType"], "TargetTrackingScaling");
    assert_eq!(p["TargetTrackingConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"], "ASGAverageCPUUtilization");
    assert_eq!(p["TargetTrackingConfiguration"]["TargetValue"], 50.0);
    assert_eq!(p["TargetTrackingConfiguration"]["DisableScaleIn"], false);
    assert_eq!(p["Enabled"], true);

    // Refusals change nothing.
    let e = elbow.aws(&["autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "web-asg", "--min-size", "5"]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");
    assert!(e.message.contains("min bound, 5"), "{e:?}");
    let e = elbow.aws(&["autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "web-asg", "--desired-capacity", "4"]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");
    assert_eq!(e.message, "Desired capacity:4 must be between the specified min size:1 and max size:3");
    let e = elbow.aws(&["autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "nope", "--desired-capacity", "1"]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");
    let g = group(&elbow, "web-asg");
    assert_eq!((g["MinSize"].as_u64(), g["MaxSize"].as_u64(), g["DesiredCapacity"].as_u64()), (Some(1), Some(3), Some(1)));

    elbow.aws(&["autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "web-asg", "--desired-capacity", "2"]).expect("set-desired-capacity");
    elbow.aws(&["autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "web-asg", "--max-size", "4", "--default-cooldown", "120"]).expect("update");
    let g = group(&elbow, "web-asg");
    assert_eq!((g["DesiredCapacity"].as_u64(), g["MaxSize"].as_u64(), g["DefaultCooldown"].as_u64()), (Some(2), Some(4), Some(120)));

    // Processes.
    elbow.aws(&["autoscaling", "suspend-processes", "--auto-scaling-group-name", "web-asg", "--scaling-processes", "Launch", "Terminate"]).expect("suspend");
    let g = group(&elbow, "web-asg");
    let names: Vec<&str> = g["SuspendedProcesses"].as_array().unwrap().iter().map(|p| p["ProcessName"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Launch", "Terminate"]);
    elbow.aws(&["autoscaling", "resume-processes", "--auto-scaling-group-name", "web-asg"]).expect("resume");
    assert_eq!(group(&elbow, "web-asg")["SuspendedProcesses"], Value::Array(vec![]));

    // Tags.
    elbow
        .aws(&["autoscaling", "create-or-update-tags", "--tags", "ResourceId=web-asg,ResourceType=auto-scaling-group,Key=env,Value=dev,PropagateAtLaunch=false"])
        .expect("create-or-update-tags");
    let tags = elbow.aws(&["autoscaling", "describe-tags", "--filters", "Name=auto-scaling-group,Values=web-asg"]).unwrap();
    let keys: Vec<&str> = tags["Tags"].as_array().unwrap().iter().map(|t| t["Key"].as_str().unwrap()).collect();
    assert_eq!(keys, vec!["Name", "env"]);
    let by_tag = elbow.aws(&["autoscaling", "describe-auto-scaling-groups", "--filters", "Name=tag:env,Values=dev"]).unwrap();
    assert_eq!(by_tag["AutoScalingGroups"].as_array().unwrap().len(), 1);
    elbow.aws(&["autoscaling", "delete-tags", "--tags", "ResourceId=web-asg,ResourceType=auto-scaling-group,Key=env"]).expect("delete-tags");
    let tags = elbow.aws(&["autoscaling", "describe-tags"]).unwrap();
    assert_eq!(tags["Tags"].as_array().unwrap().len(), 1);

    // Metrics, limits, instances, activities.
    elbow.aws(&["autoscaling", "enable-metrics-collection", "--auto-scaling-group-name", "web-asg", "--granularity", "1Minute"]).expect("enable-metrics");
    assert!(!group(&elbow, "web-asg")["EnabledMetrics"].as_array().unwrap().is_empty());
    let limits = elbow.aws(&["autoscaling", "describe-account-limits"]).unwrap();
    assert_eq!(limits["NumberOfAutoScalingGroups"], 1);
    assert_eq!(limits["MaxNumberOfAutoScalingGroups"], 500);
    // The controller's launches are listed as AWS lists them.
    let inst = elbow.aws(&["autoscaling", "describe-auto-scaling-instances"]).unwrap();
    assert!(inst["AutoScalingInstances"].as_array().unwrap().iter().all(|i| i["AutoScalingGroupName"] == "web-asg" && i["LaunchConfigurationName"] == "web-lc"), "{inst}");
    let acts = elbow.aws(&["autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "web-asg"]).unwrap();
    assert!(acts["Activities"].as_array().unwrap().iter().all(|a| a["Description"].as_str().unwrap_or_default().starts_with("Launching a new EC2 instance")), "{acts}");

    // The launch configuration is in use; delete the policy and the group, then it.
    let e = elbow.aws(&["autoscaling", "delete-launch-configuration", "--launch-configuration-name", "web-lc"]).unwrap_err();
    assert_eq!(e.code, "ResourceInUse", "{e:?}");
    elbow.aws(&["autoscaling", "delete-policy", "--auto-scaling-group-name", "web-asg", "--policy-name", "cpu50"]).expect("delete-policy");
    let pols = elbow.aws(&["autoscaling", "describe-policies"]).unwrap();
    assert_eq!(pols["ScalingPolicies"], Value::Array(vec![]));
    // A group with instances is deleted only with --force-delete, which terminates them first.
    testkit::eventually(std::time::Duration::from_secs(30), "the controller launched an instance", || async { (!group(&elbow, "web-asg")["Instances"].as_array().unwrap().is_empty()).then_some(()) }).await;
    let e = elbow.aws(&["autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "web-asg"]).unwrap_err();
    assert_eq!(e.code, "ResourceInUse", "{e:?}");
    elbow.aws(&["autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "web-asg", "--force-delete"]).expect("delete-auto-scaling-group");
    testkit::eventually(std::time::Duration::from_secs(60), "the group is gone", || async {
        let all = elbow.aws(&["autoscaling", "describe-auto-scaling-groups"]).unwrap();
        (all["AutoScalingGroups"] == Value::Array(vec![])).then_some(())
    })
    .await;
    elbow.aws(&["autoscaling", "delete-launch-configuration", "--launch-configuration-name", "web-lc"]).expect("delete-launch-configuration");
    let e = elbow.aws(&["autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "web-asg"]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");
}
