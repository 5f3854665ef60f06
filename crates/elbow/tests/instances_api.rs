//! EC2 launch templates, instances and images through the real `aws` CLI, and instance
//! targets in ELBv2. The instances have no user data; the supervisor runs them as idle process
//! groups, so their state may be `pending` or already `running` (tests/autoscaling.rs follows
//! them to `running`).

use serde_json::Value;
use testkit::Elbow;

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

fn instances(out: &Value) -> Vec<Value> {
    out["Reservations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["Instances"].as_array().unwrap().clone())
        .collect()
}

#[test]
fn launch_templates_instances_and_instance_targets() {
    let elbow = Elbow::start();
    // "#!/bin/sh\necho hello"
    let user_data = "IyEvYmluL3NoCmVjaG8gaGVsbG8=";
    let data = format!(
        r#"{{"ImageId":"ami-0elbow0000000001","InstanceType":"t3.micro","UserData":"{user_data}","TagSpecifications":[{{"ResourceType":"instance","Tags":[{{"Key":"Name","Value":"web"}}]}}]}}"#
    );
    let lt = elbow
        .aws(&[
            "ec2",
            "create-launch-template",
            "--launch-template-name",
            "web",
            "--launch-template-data",
            &data,
        ])
        .unwrap();
    assert_eq!(lt["LaunchTemplate"]["LaunchTemplateName"], "web");
    assert_eq!(lt["LaunchTemplate"]["LatestVersionNumber"], 1);
    let lt_id = s(&lt["LaunchTemplate"]["LaunchTemplateId"]);
    assert!(lt_id.starts_with("lt-") && lt_id.len() == 20, "{lt_id}");

    let v2 = elbow
        .aws(&[
            "ec2",
            "create-launch-template-version",
            "--launch-template-name",
            "web",
            "--source-version",
            "1",
            "--version-description",
            "small",
            "--launch-template-data",
            r#"{"InstanceType":"t3.small"}"#,
        ])
        .unwrap();
    assert_eq!(v2["LaunchTemplateVersion"]["VersionNumber"], 2);
    assert_eq!(
        v2["LaunchTemplateVersion"]["LaunchTemplateData"]["ImageId"],
        "ami-0elbow0000000001"
    );
    let latest = elbow
        .aws(&[
            "ec2",
            "describe-launch-template-versions",
            "--launch-template-id",
            &lt_id,
            "--versions",
            "$Latest",
        ])
        .unwrap();
    let v = &latest["LaunchTemplateVersions"][0];
    assert_eq!(
        (v["VersionNumber"].clone(), v["DefaultVersion"].clone()),
        (Value::from(2), Value::from(false))
    );
    assert_eq!(v["LaunchTemplateData"]["InstanceType"], "t3.small");
    assert_eq!(v["LaunchTemplateData"]["UserData"], user_data);
    let default = elbow
        .aws(&[
            "ec2",
            "describe-launch-template-versions",
            "--launch-template-name",
            "web",
            "--versions",
            "$Default",
        ])
        .unwrap();
    assert_eq!(
        default["LaunchTemplateVersions"][0]["LaunchTemplateData"]["InstanceType"],
        "t3.micro"
    );
    let all = elbow.aws(&["ec2", "describe-launch-templates"]).unwrap();
    assert_eq!(all["LaunchTemplates"].as_array().unwrap().len(), 1);

    // Bad input gets EC2's error and changes nothing.
    let e = elbow
        .aws(&[
            "ec2",
            "run-instances",
            "--launch-template",
            "LaunchTemplateName=nope",
            "--count",
            "1",
        ])
        .unwrap_err();
    assert_eq!(e.code, "InvalidLaunchTemplateName.NotFoundException");
    let e = elbow
        .aws(&[
            "ec2",
            "run-instances",
            "--image-id",
            "ami-bad!",
            "--count",
            "1",
        ])
        .unwrap_err();
    assert_eq!(e.code, "InvalidAMIID.Malformed");
    let e = elbow
        .aws(&[
            "ec2",
            "run-instances",
            "--image-id",
            "ami-12345678",
            "--count",
            "3:2",
        ])
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
    let e = elbow
        .aws(&[
            "ec2",
            "describe-launch-template-versions",
            "--launch-template-name",
            "nope",
        ])
        .unwrap_err();
    assert_eq!(e.code, "InvalidLaunchTemplateName.NotFoundException");
    assert!(instances(&elbow.aws(&["ec2", "describe-instances"]).unwrap()).is_empty());

    let run = elbow
        .aws(&[
            "ec2",
            "run-instances",
            "--launch-template",
            "LaunchTemplateName=web",
            "--count",
            "2",
        ])
        .unwrap();
    let launched = run["Instances"].as_array().unwrap();
    assert_eq!(launched.len(), 2);
    assert!(s(&run["ReservationId"]).starts_with("r-"));
    for (n, i) in launched.iter().enumerate() {
        assert_eq!(
            i["State"],
            serde_json::json!({"Code": 0, "Name": "pending"})
        );
        assert_eq!(i["InstanceType"], "t3.micro");
        assert_eq!(i["ImageId"], "ami-0elbow0000000001");
        assert_eq!(i["PrivateIpAddress"], format!("127.100.0.{}", n + 1));
        assert_eq!(i["AmiLaunchIndex"], n);
        assert!(
            i["Tags"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!({"Key": "Name", "Value": "web"})),
            "{i}"
        );
    }
    let ids: Vec<String> = launched.iter().map(|i| s(&i["InstanceId"])).collect();

    let filtered = elbow
        .aws(&[
            "ec2",
            "describe-instances",
            "--filters",
            "Name=instance-state-name,Values=pending,running",
            "Name=tag:Name,Values=web",
        ])
        .unwrap();
    assert_eq!(instances(&filtered).len(), 2);
    let one = elbow
        .aws(&[
            "ec2",
            "describe-instances",
            "--filters",
            "Name=private-ip-address,Values=127.100.0.2",
        ])
        .unwrap();
    assert_eq!(
        instances(&one)
            .iter()
            .map(|i| s(&i["InstanceId"]))
            .collect::<Vec<_>>(),
        vec![ids[1].clone()]
    );
    let by_id = elbow
        .aws(&["ec2", "describe-instances", "--instance-ids", &ids[0]])
        .unwrap();
    assert_eq!(instances(&by_id)[0]["InstanceId"], ids[0].as_str());
    let e = elbow
        .aws(&[
            "ec2",
            "describe-instances",
            "--instance-ids",
            "i-0123456789abcdef0",
        ])
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "InvalidInstanceID.NotFound",
            "The instance ID 'i-0123456789abcdef0' does not exist"
        )
    );
    // The CLI follows pagination tokens.
    let paged = elbow
        .aws(&["ec2", "describe-instances", "--page-size", "5"])
        .unwrap();
    assert_eq!(instances(&paged).len(), 2);
    let status = elbow
        .aws(&["ec2", "describe-instance-status", "--include-all-instances"])
        .unwrap();
    assert_eq!(status["InstanceStatuses"].as_array().unwrap().len(), 2);
    let attr = elbow
        .aws(&[
            "ec2",
            "describe-instance-attribute",
            "--instance-id",
            &ids[0],
            "--attribute",
            "userData",
        ])
        .unwrap();
    assert_eq!(attr["UserData"]["Value"], user_data);
    let images = elbow
        .aws(&[
            "ec2",
            "describe-images",
            "--image-ids",
            "ami-0elbow0000000001",
        ])
        .unwrap();
    assert_eq!(images["Images"][0]["Name"], "elbow-local-linux");
    elbow
        .aws(&["ec2", "get-console-output", "--instance-id", &ids[0]])
        .unwrap();
    elbow
        .aws(&[
            "ec2",
            "create-tags",
            "--resources",
            &ids[0],
            "--tags",
            "Key=role,Value=a",
        ])
        .unwrap();
    let tagged = elbow
        .aws(&[
            "ec2",
            "describe-instances",
            "--filters",
            "Name=tag:role,Values=a",
        ])
        .unwrap();
    assert_eq!(instances(&tagged).len(), 1);

    // --user-data is base64-encoded by the CLI; the instance reports it as sent.
    let plain = elbow
        .aws(&[
            "ec2",
            "run-instances",
            "--image-id",
            "ami-0elbow0000000001",
            "--user-data",
            "echo hi",
            "--count",
            "1",
        ])
        .unwrap();
    assert_eq!(plain["Instances"][0]["InstanceType"], "m1.small");
    assert_eq!(plain["Instances"][0]["PrivateIpAddress"], "127.100.0.3");
    let plain_id = s(&plain["Instances"][0]["InstanceId"]);
    let attr = elbow
        .aws(&[
            "ec2",
            "describe-instance-attribute",
            "--instance-id",
            &plain_id,
            "--attribute",
            "userData",
        ])
        .unwrap();
    assert_eq!(attr["UserData"]["Value"], "ZWNobyBoaQ==");

    // Instance targets.
    let (vpc, _) = testkit::default_network(&elbow);
    let tg = elbow
        .aws(&[
            "elbv2",
            "create-target-group",
            "--name",
            "inst",
            "--protocol",
            "HTTP",
            "--port",
            "8080",
            "--vpc-id",
            &vpc,
            "--target-type",
            "instance",
        ])
        .unwrap();
    let tg_arn = s(&tg["TargetGroups"][0]["TargetGroupArn"]);
    let e = elbow
        .aws(&[
            "elbv2",
            "register-targets",
            "--target-group-arn",
            &tg_arn,
            "--targets",
            "Id=i-0123456789abcdef0",
        ])
        .unwrap_err();
    assert_eq!(e.code, "InvalidTarget");
    elbow
        .aws(&[
            "elbv2",
            "register-targets",
            "--target-group-arn",
            &tg_arn,
            "--targets",
            &format!("Id={}", ids[0]),
            &format!("Id={},Port=9000", ids[1]),
        ])
        .unwrap();
    let health = elbow
        .aws(&[
            "elbv2",
            "describe-target-health",
            "--target-group-arn",
            &tg_arn,
        ])
        .unwrap();
    let rows = health["TargetHealthDescriptions"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .any(|r| r["Target"]["Id"] == ids[0].as_str() && r["Target"]["Port"] == 8080),
        "{health}"
    );
    assert!(
        rows.iter()
            .any(|r| r["Target"]["Id"] == ids[1].as_str() && r["Target"]["Port"] == 9000),
        "{health}"
    );

    let term = elbow
        .aws(&["ec2", "terminate-instances", "--instance-ids", &ids[0]])
        .unwrap();
    let change = &term["TerminatingInstances"][0];
    assert_eq!(change["CurrentState"]["Name"], "shutting-down");
    // The supervisor may already have launched it.
    assert!(["pending", "running"].contains(&change["PreviousState"]["Name"].as_str().unwrap_or_default()), "{change}");
    let health = elbow
        .aws(&[
            "elbv2",
            "describe-target-health",
            "--target-group-arn",
            &tg_arn,
            "--targets",
            &format!("Id={}", ids[0]),
        ])
        .unwrap();
    let h = &health["TargetHealthDescriptions"][0]["TargetHealth"];
    assert_eq!(
        (h["State"].clone(), h["Reason"].clone()),
        (Value::from("unused"), Value::from("Target.InvalidState"))
    );
    let e = elbow
        .aws(&[
            "elbv2",
            "register-targets",
            "--target-group-arn",
            &tg_arn,
            "--targets",
            &format!("Id={},Port=9001", ids[0]),
        ])
        .unwrap_err();
    assert_eq!(e.code, "InvalidTarget");
    let shutting = elbow
        .aws(&[
            "ec2",
            "describe-instances",
            "--filters",
            "Name=instance-state-name,Values=shutting-down,terminated",
        ])
        .unwrap();
    // shutting-down until the supervisor has stopped its processes, then terminated.
    assert_eq!(instances(&shutting).len(), 1);

    // The state survives a restart.
    let mut elbow = elbow;
    elbow.restart();
    let after = elbow.aws(&["ec2", "describe-instances"]).unwrap();
    assert_eq!(instances(&after).len(), 3);
    let lt = elbow
        .aws(&[
            "ec2",
            "delete-launch-template",
            "--launch-template-name",
            "web",
        ])
        .unwrap();
    assert_eq!(lt["LaunchTemplate"]["LaunchTemplateId"], lt_id.as_str());
}
