//! Golden tests of the launch-template, instance and image handlers against a real `State`.

use crate::Request;
use crate::error::ApiError;
use crate::params::{ListStyle, Params};
use crate::service::Service;
use crate::test_support::{Env, all, env, first, query};

async fn call(e: &Env, action: &str, pairs: &[(&str, &str)]) -> Result<String, ApiError> {
    let req = Request {
        service: Service::Ec2,
        action: action.to_string(),
        params: Params::from_pairs(pairs.iter().copied(), ListStyle::Flat),
        json: None,
        region: "us-east-1".into(),
        request_id: "req-1".into(),
    };
    super::dispatch(&e.api, &req).await
}

fn err(r: Result<String, ApiError>) -> (String, String) {
    let e = r.unwrap_err();
    (e.code.to_string(), e.message)
}

const USER_DATA: &str = "IyEvYmluL3NoCmVjaG8gaGk="; // "#!/bin/sh\necho hi"

async fn web_template(e: &Env) -> String {
    let out = call(
        e,
        "CreateLaunchTemplate",
        &[
            ("LaunchTemplateName", "web"),
            ("LaunchTemplateData.ImageId", "ami-0elbow0000000001"),
            ("LaunchTemplateData.InstanceType", "t3.micro"),
            ("LaunchTemplateData.UserData", USER_DATA),
            (
                "LaunchTemplateData.TagSpecification.1.ResourceType",
                "instance",
            ),
            ("LaunchTemplateData.TagSpecification.1.Tag.1.Key", "Name"),
            ("LaunchTemplateData.TagSpecification.1.Tag.1.Value", "web"),
            ("LaunchTemplateData.Monitoring.Enabled", "true"),
        ],
    )
    .await
    .unwrap();
    assert!(out.contains("<CreateLaunchTemplateResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId><launchTemplate><launchTemplateId>lt-"), "{out}");
    assert_eq!(first(&out, "defaultVersionNumber"), "1");
    assert_eq!(first(&out, "createdBy"), "arn:aws:iam::123456789012:root");
    first(&out, "launchTemplateId")
}

#[tokio::test]
async fn launch_templates_and_versions() {
    let e = env().await;
    let id = web_template(&e).await;
    let (code, _) = err(call(
        &e,
        "CreateLaunchTemplate",
        &[
            ("LaunchTemplateName", "web"),
            ("LaunchTemplateData.ImageId", "ami-12345678"),
        ],
    )
    .await);
    assert_eq!(code, "InvalidLaunchTemplateName.AlreadyExistsException");
    let (code, _) = err(call(
        &e,
        "CreateLaunchTemplate",
        &[("LaunchTemplateName", "other")],
    )
    .await);
    assert_eq!(code, "MissingParameter");

    let v2 = call(
        &e,
        "CreateLaunchTemplateVersion",
        &[
            ("LaunchTemplateName", "web"),
            ("SourceVersion", "$Latest"),
            ("VersionDescription", "large"),
            ("LaunchTemplateData.InstanceType", "t3.large"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(first(&v2, "versionNumber"), "2");
    assert_eq!(first(&v2, "defaultVersion"), "false");
    assert_eq!(first(&v2, "instanceType"), "t3.large");
    assert_eq!(first(&v2, "imageId"), "ami-0elbow0000000001");
    assert_eq!(first(&v2, "userData"), USER_DATA);

    let versions = call(
        &e,
        "DescribeLaunchTemplateVersions",
        &[("LaunchTemplateId", id.as_str())],
    )
    .await
    .unwrap();
    assert_eq!(all(&versions, "versionNumber"), vec!["2", "1"]);
    assert!(versions.contains("<tagSpecificationSet><item><resourceType>instance</resourceType><tagSet><item><key>Name</key><value>web</value></item></tagSet></item></tagSpecificationSet>"), "{versions}");
    let default = call(
        &e,
        "DescribeLaunchTemplateVersions",
        &[
            ("LaunchTemplateName", "web"),
            ("LaunchTemplateVersion.1", "$Default"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(all(&default, "versionNumber"), vec!["1"]);
    let (code, _) = err(call(
        &e,
        "DescribeLaunchTemplateVersions",
        &[
            ("LaunchTemplateName", "web"),
            ("LaunchTemplateVersion.1", "9"),
        ],
    )
    .await);
    assert_eq!(code, "InvalidLaunchTemplateId.VersionNotFound");

    let m = call(
        &e,
        "ModifyLaunchTemplate",
        &[("LaunchTemplateName", "web"), ("SetDefaultVersion", "2")],
    )
    .await
    .unwrap();
    assert_eq!(first(&m, "defaultVersionNumber"), "2");
    assert_eq!(first(&m, "latestVersionNumber"), "2");

    let d = call(
        &e,
        "DescribeLaunchTemplates",
        &[("LaunchTemplateName.1", "web")],
    )
    .await
    .unwrap();
    assert_eq!(all(&d, "launchTemplateName"), vec!["web"]);
    let (code, _) = err(call(
        &e,
        "DescribeLaunchTemplates",
        &[("LaunchTemplateName.1", "nope")],
    )
    .await);
    assert_eq!(code, "InvalidLaunchTemplateName.NotFoundException");
    let (code, msg) = err(call(
        &e,
        "DescribeLaunchTemplates",
        &[("LaunchTemplateId.1", "lt-0123456789abcdef0")],
    )
    .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidLaunchTemplateId.NotFound",
            "The specified launch template, with template ID lt-0123456789abcdef0, does not exist."
        )
    );

    let del = call(
        &e,
        "DeleteLaunchTemplate",
        &[("LaunchTemplateId", id.as_str())],
    )
    .await
    .unwrap();
    assert_eq!(first(&del, "launchTemplateName"), "web");
    let d = call(&e, "DescribeLaunchTemplates", &[]).await.unwrap();
    assert!(d.contains("<launchTemplates/>"), "{d}");
}

#[tokio::test]
async fn run_describe_and_terminate() {
    let e = env().await;
    web_template(&e).await;
    // Bad input changes nothing.
    let (code, _) = err(call(
        &e,
        "RunInstances",
        &[
            ("LaunchTemplate.LaunchTemplateName", "nope"),
            ("MinCount", "1"),
            ("MaxCount", "1"),
        ],
    )
    .await);
    assert_eq!(code, "InvalidLaunchTemplateName.NotFoundException");
    let (code, msg) = err(call(
        &e,
        "RunInstances",
        &[("ImageId", "ami-xyz"), ("MinCount", "1"), ("MaxCount", "1")],
    )
    .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidAMIID.Malformed",
            "Invalid id: \"ami-xyz\" (expecting \"ami-...\")"
        )
    );
    let (code, _) = err(call(
        &e,
        "RunInstances",
        &[
            ("ImageId", "ami-12345678"),
            ("MinCount", "3"),
            ("MaxCount", "2"),
        ],
    )
    .await);
    assert_eq!(code, "InvalidParameterValue");
    let (code, _) = err(call(&e, "RunInstances", &[("MinCount", "1"), ("MaxCount", "1")]).await);
    assert_eq!(code, "MissingParameter");
    let none = call(&e, "DescribeInstances", &[]).await.unwrap();
    assert!(none.contains("<reservationSet/>"), "{none}");

    let run = call(
        &e,
        "RunInstances",
        &[
            ("LaunchTemplate.LaunchTemplateName", "web"),
            ("MinCount", "2"),
            ("MaxCount", "2"),
            ("TagSpecification.1.ResourceType", "instance"),
            ("TagSpecification.1.Tag.1.Key", "env"),
            ("TagSpecification.1.Tag.1.Value", "test"),
        ],
    )
    .await
    .unwrap();
    assert!(run.contains("<RunInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId><reservationId>r-"), "{run}");
    let ids = all(&run, "instanceId");
    assert_eq!(ids.len(), 2);
    assert!(
        run.contains("<instanceState><code>0</code><name>pending</name></instanceState>"),
        "{run}"
    );
    assert_eq!(all(&run, "privateIpAddress")[0], "127.100.0.1");
    assert!(
        run.contains("<privateIpAddress>127.100.0.2</privateIpAddress>"),
        "{run}"
    );
    assert_eq!(first(&run, "instanceType"), "t3.micro");
    assert!(
        run.contains("<key>aws:ec2launchtemplate:version</key><value>1</value>"),
        "{run}"
    );
    assert!(run.contains("<key>Name</key><value>web</value>"), "{run}");
    assert!(
        run.contains("<stateReason><code>pending</code><message>pending</message></stateReason>"),
        "{run}"
    );

    // Filters and pagination.
    let f = |name: &'static str, value: &'static str| {
        [("Filter.1.Name", name), ("Filter.1.Value.1", value)]
    };
    let by_state = call(
        &e,
        "DescribeInstances",
        &f("instance-state-name", "pending"),
    )
    .await
    .unwrap();
    assert_eq!(all(&by_state, "reservationId").len(), 1);
    assert_eq!(by_state.matches("<instanceId>").count(), 2);
    let by_ip = call(
        &e,
        "DescribeInstances",
        &f("private-ip-address", "127.100.0.2"),
    )
    .await
    .unwrap();
    assert_eq!(all(&by_ip, "instanceId"), vec![ids[1].clone()]);
    let by_tag = call(&e, "DescribeInstances", &f("tag:env", "test"))
        .await
        .unwrap();
    assert_eq!(by_tag.matches("<instanceId>").count(), 2);
    let running = call(
        &e,
        "DescribeInstances",
        &f("instance-state-name", "running"),
    )
    .await
    .unwrap();
    assert!(running.contains("<reservationSet/>"), "{running}");
    let (code, _) = err(call(
        &e,
        "DescribeInstances",
        &[("InstanceId.1", "i-0123456789abcdef0")],
    )
    .await);
    assert_eq!(code, "InvalidInstanceID.NotFound");
    let (code, _) = err(call(&e, "DescribeInstances", &[("InstanceId.1", "web")]).await);
    assert_eq!(code, "InvalidInstanceID.Malformed");
    let page = call(&e, "DescribeInstances", &[("MaxResults", "5")])
        .await
        .unwrap();
    assert!(!page.contains("<nextToken>"), "{page}");

    // Status: nothing running unless all are asked for.
    let status = call(&e, "DescribeInstanceStatus", &[]).await.unwrap();
    assert!(status.contains("<instanceStatusSet/>"), "{status}");
    let status = call(
        &e,
        "DescribeInstanceStatus",
        &[("IncludeAllInstances", "true")],
    )
    .await
    .unwrap();
    assert_eq!(status.matches("<instanceId>").count(), 2);

    // Attributes.
    let a = call(
        &e,
        "DescribeInstanceAttribute",
        &[("InstanceId", ids[0].as_str()), ("Attribute", "userData")],
    )
    .await
    .unwrap();
    assert!(
        a.contains(&format!("<userData><value>{USER_DATA}</value></userData>")),
        "{a}"
    );
    let (code, _) = err(call(
        &e,
        "ModifyInstanceAttribute",
        &[
            ("InstanceId", ids[0].as_str()),
            ("InstanceType.Value", "t3.large"),
        ],
    )
    .await);
    assert_eq!(code, "IncorrectInstanceState");

    // Console output: empty without a console directory.
    let c = call(&e, "GetConsoleOutput", &[("InstanceId", ids[0].as_str())])
        .await
        .unwrap();
    assert_eq!(first(&c, "instanceId"), ids[0]);
    assert!(!c.contains("<output>"), "{c}");

    let t = call(
        &e,
        "TerminateInstances",
        &[("InstanceId.1", ids[0].as_str())],
    )
    .await
    .unwrap();
    assert!(t.contains("<currentState><code>32</code><name>shutting-down</name></currentState><previousState><code>0</code><name>pending</name></previousState>"), "{t}");
    let (code, _) = err(call(&e, "StartInstances", &[("InstanceId.1", ids[0].as_str())]).await);
    assert_eq!(code, "IncorrectInstanceState");
    let d = call(
        &e,
        "DescribeInstances",
        &[("InstanceId.1", ids[0].as_str())],
    )
    .await
    .unwrap();
    assert!(d.contains("<reason>User initiated ("), "{d}");
    assert!(
        d.contains("<code>Client.UserInitiatedShutdown</code>"),
        "{d}"
    );
}

#[tokio::test]
async fn images() {
    let e = env().await;
    let all_images = call(&e, "DescribeImages", &[]).await.unwrap();
    assert_eq!(all(&all_images, "imageId"), vec!["ami-0elbow0000000001"]);
    assert_eq!(first(&all_images, "name"), "elbow-local-linux");
    let any = call(&e, "DescribeImages", &[("ImageId.1", "ami-12345678")])
        .await
        .unwrap();
    assert_eq!(all(&any, "imageId"), vec!["ami-12345678"]);
    let (code, _) = err(call(&e, "DescribeImages", &[("ImageId.1", "ami-!")]).await);
    assert_eq!(code, "InvalidAMIID.Malformed");
}

#[tokio::test]
async fn instance_targets_and_their_health() {
    let e = env().await;
    let run = call(
        &e,
        "RunInstances",
        &[
            ("ImageId", "ami-0elbow0000000001"),
            ("MinCount", "1"),
            ("MaxCount", "1"),
        ],
    )
    .await
    .unwrap();
    let id = first(&run, "instanceId");
    let vpc = first(&run, "vpcId");
    let tg = query(
        &e,
        Service::Elbv2,
        "CreateTargetGroup",
        &[
            ("Name", "web"),
            ("Protocol", "HTTP"),
            ("Port", "80"),
            ("VpcId", vpc.as_str()),
        ],
    )
    .await
    .unwrap();
    let arn = first(&tg, "TargetGroupArn");
    let (code, _) = {
        let e2 = query(
            &e,
            Service::Elbv2,
            "RegisterTargets",
            &[
                ("TargetGroupArn", arn.as_str()),
                ("Targets.member.1.Id", "i-0123456789abcdef0"),
            ],
        )
        .await
        .unwrap_err();
        (e2.code.to_string(), e2.message)
    };
    assert_eq!(code, "InvalidTarget");
    query(
        &e,
        Service::Elbv2,
        "RegisterTargets",
        &[
            ("TargetGroupArn", arn.as_str()),
            ("Targets.member.1.Id", id.as_str()),
        ],
    )
    .await
    .unwrap();
    let h = query(
        &e,
        Service::Elbv2,
        "DescribeTargetHealth",
        &[("TargetGroupArn", arn.as_str())],
    )
    .await
    .unwrap();
    assert_eq!(first(&h, "Id"), id);
    assert_eq!(first(&h, "Port"), "80");
    assert_eq!(first(&h, "Reason"), "Target.NotInUse");
    call(&e, "TerminateInstances", &[("InstanceId.1", id.as_str())])
        .await
        .unwrap();
    let h = query(
        &e,
        Service::Elbv2,
        "DescribeTargetHealth",
        &[("TargetGroupArn", arn.as_str())],
    )
    .await
    .unwrap();
    assert_eq!(first(&h, "State"), "unused");
    assert_eq!(first(&h, "Reason"), "Target.InvalidState");
    assert_eq!(
        first(&h, "Description"),
        "Target is in the terminated state"
    );
}
