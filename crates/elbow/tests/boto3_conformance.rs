//! boto3 against elbow: `tests/python/elbv2_conformance.py` calls every ELBv2 operation elbow
//! implements and checks each raw XML response against botocore's service model (element names,
//! list items, scalar types, enum values, request ids), what botocore parsed against what was
//! sent, and errors against boto3's modeled exceptions.

use std::process::Command;

use testkit::{Elbow, free_port, workspace_root};

/// The ELBv2 operations elbow serves; the script must exercise each of them.
const IMPLEMENTED: &[&str] = &[
    "AddListenerCertificates",
    "AddTags",
    "CreateListener",
    "CreateLoadBalancer",
    "CreateRule",
    "CreateTargetGroup",
    "DeleteListener",
    "DeleteLoadBalancer",
    "DeleteRule",
    "DeleteTargetGroup",
    "DeregisterTargets",
    "DescribeAccountLimits",
    "DescribeCapacityReservation",
    "DescribeListenerAttributes",
    "DescribeListenerCertificates",
    "DescribeListeners",
    "DescribeLoadBalancerAttributes",
    "DescribeLoadBalancers",
    "DescribeRules",
    "DescribeSSLPolicies",
    "DescribeTags",
    "DescribeTargetGroupAttributes",
    "DescribeTargetGroups",
    "DescribeTargetHealth",
    "ModifyListener",
    "ModifyListenerAttributes",
    "ModifyLoadBalancerAttributes",
    "ModifyRule",
    "ModifyTargetGroup",
    "ModifyTargetGroupAttributes",
    "RegisterTargets",
    "RemoveListenerCertificates",
    "RemoveTags",
    "SetIpAddressType",
    "SetRulePriorities",
    "SetSecurityGroups",
    "SetSubnets",
];

#[test]
fn every_implemented_elbv2_operation_parses_in_boto3_as_the_model_promises() {
    let elbow = Elbow::start();
    let root = workspace_root();
    let python = root.join(".venv/bin/python");
    assert!(python.exists(), "{} is missing; ./scripts/test installs the venv", python.display());
    let port = free_port("127.0.0.1");
    // `timeout` bounds the script (it makes ~130 calls, a few seconds).
    let out = Command::new("timeout")
        .arg("120")
        .arg(&python)
        .arg(root.join("tests/python/elbv2_conformance.py"))
        .arg(&elbow.endpoint)
        .arg(port.to_string())
        .arg(free_port("127.0.0.1").to_string())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("run the conformance script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("no JSON report ({e}); exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status));
    let problems: Vec<&str> = report["problems"].as_array().expect("problems").iter().filter_map(|p| p.as_str()).collect();
    assert!(problems.is_empty(), "{} conformance problems:\n{}\nstderr:\n{stderr}", problems.len(), problems.join("\n"));
    assert!(out.status.success(), "exit {:?}\nstderr:\n{stderr}", out.status);
    let called: Vec<&str> = report["operations"].as_array().expect("operations").iter().filter_map(|p| p.as_str()).collect();
    let missing: Vec<&&str> = IMPLEMENTED.iter().filter(|op| !called.contains(op)).collect();
    assert!(missing.is_empty(), "operations the script did not exercise: {missing:?}");
}
