//! Helpers for Auto Scaling tests: the tutorial's user data, and the group and target views
//! read back with the real aws CLI.

use std::collections::BTreeSet;

use crate::{Elbow, bin};

/// Base64 user data that starts the test backend on the instance's own address and `port`,
/// named by its instance id, both read from the metadata endpoint with IMDSv2 as an EC2 script
/// would read them.
pub fn backend_user_data(port: u16) -> String {
    use base64::Engine;
    let script = format!(
        "#!/bin/sh\nIMDS=${{AWS_EC2_METADATA_SERVICE_ENDPOINT%/}}\nTOKEN=$(curl -s -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' $IMDS/latest/api/token)\nID=$(curl -s -H \"X-aws-ec2-metadata-token: $TOKEN\" $IMDS/latest/meta-data/instance-id)\necho \"starting web server for $ID\"\nexec {} --listen \"$(curl -s -H \"X-aws-ec2-metadata-token: $TOKEN\" $IMDS/latest/meta-data/local-ipv4):{port}\" --name \"$ID\"\n",
        bin("elbow-test-backend").display()
    );
    base64::engine::general_purpose::STANDARD.encode(script)
}

/// (instance id, lifecycle state) of each instance of `group`, from `describe-auto-scaling-groups`.
pub fn group_instances(elbow: &Elbow, group: &str) -> Vec<(String, String)> {
    let d = elbow.aws(&["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", group]).unwrap();
    d["AutoScalingGroups"][0]["Instances"].as_array().cloned().unwrap_or_default().iter().map(|i| (i["InstanceId"].as_str().unwrap_or_default().to_string(), i["LifecycleState"].as_str().unwrap_or_default().to_string())).collect()
}

/// `DesiredCapacity` of `group`; `u64::MAX` if the group is missing.
pub fn desired_capacity(elbow: &Elbow, group: &str) -> u64 {
    elbow.aws(&["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", group]).unwrap()["AutoScalingGroups"][0]["DesiredCapacity"].as_u64().unwrap_or(u64::MAX)
}

/// (target id, state) of every target of `tg`, from `describe-target-health`.
pub fn target_health(elbow: &Elbow, tg: &str) -> Vec<(String, String)> {
    let h = elbow.aws(&["elbv2", "describe-target-health", "--target-group-arn", tg]).unwrap();
    h["TargetHealthDescriptions"].as_array().cloned().unwrap_or_default().iter().map(|d| (d["Target"]["Id"].as_str().unwrap_or_default().to_string(), d["TargetHealth"]["State"].as_str().unwrap_or_default().to_string())).collect()
}

/// Ids of the targets of `tg` that are healthy.
pub fn healthy_targets(elbow: &Elbow, tg: &str) -> BTreeSet<String> {
    target_health(elbow, tg).into_iter().filter(|(_, s)| s == "healthy").map(|(id, _)| id).collect()
}
