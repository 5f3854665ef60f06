//! Tests of instance and launch-template commands against the model.
use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::command::{Command, Elbv2Command, TargetInput};
use crate::instance::{LaunchTemplateSpec, NewInstance, choose_private_ips};
use crate::snapshot::Snapshot;

const R: &str = "us-east-1";

fn ec2(s: &Snapshot, op: Ec2Command) -> Result<Snapshot, ModelError> {
    s.apply(&Command::Ec2 {
        region: R.into(),
        op,
    })
}

fn code(e: &ModelError) -> &'static str {
    match e {
        ModelError::Ec2 { code, .. } => code,
        ModelError::NotFound { .. } => "NotFound",
        ModelError::Invalid { .. } => "InvalidParameterValue",
        ModelError::InvalidTarget(_) => "InvalidTarget",
        _ => "other",
    }
}

fn data(image: &str) -> LaunchTemplateData {
    LaunchTemplateData {
        image_id: Some(image.into()),
        instance_type: Some("t3.micro".into()),
        user_data: Some("ZWNobyBoaQ==".into()),
        tag_specifications: vec![("instance".into(), vec![("Name".into(), "web".into())])],
        ..Default::default()
    }
}

fn template(s: &Snapshot, id: &str, name: &str) -> Snapshot {
    ec2(
        s,
        Ec2Command::CreateLaunchTemplate(CreateLaunchTemplate {
            id: id.into(),
            name: name.into(),
            description: None,
            data: data("ami-12345678"),
            tags: vec![],
            now: 10,
        }),
    )
    .unwrap()
}

fn run_cmd(s: &Snapshot, ids: &[&str], lt: Option<&str>, image: Option<&str>) -> RunInstances {
    let subnet = s
        .region(R)
        .ec2
        .default_instance_subnet()
        .unwrap()
        .to_string();
    let ips = choose_private_ips(s, R, &subnet, ids.len()).unwrap();
    RunInstances {
        reservation_id: "r-1".into(),
        instances: ids
            .iter()
            .zip(ips)
            .map(|(id, ip)| NewInstance {
                id: (*id).into(),
                subnet_id: subnet.clone(),
                private_ip: ip,
            })
            .collect(),
        image_id: image.map(Into::into),
        instance_type: None,
        user_data: None,
        key_name: None,
        security_group_ids: vec![],
        security_groups: vec![],
        tags: vec![("env".into(), "test".into())],
        launch_template: lt.map(|n| LaunchTemplateSpec {
            template: LaunchTemplateRef::Name(n.into()),
            version: None,
        }),
        now: 100,
    }
}

#[test]
fn launch_template_versions() {
    let s = template(&Snapshot::empty(), "lt-1", "web");
    let dup = ec2(
        &s,
        Ec2Command::CreateLaunchTemplate(CreateLaunchTemplate {
            id: "lt-2".into(),
            name: "web".into(),
            description: None,
            data: data("ami-12345678"),
            tags: vec![],
            now: 11,
        }),
    );
    assert_eq!(
        code(&dup.unwrap_err()),
        "InvalidLaunchTemplateName.AlreadyExistsException"
    );
    let bad = ec2(
        &s,
        Ec2Command::CreateLaunchTemplate(CreateLaunchTemplate {
            id: "lt-2".into(),
            name: "x2".into(),
            description: None,
            data: data("ami-12345678"),
            tags: vec![],
            now: 11,
        }),
    );
    assert_eq!(
        code(&bad.unwrap_err()),
        "InvalidLaunchTemplateName.MalformedException"
    );
    let bad_ami = ec2(
        &s,
        Ec2Command::CreateLaunchTemplate(CreateLaunchTemplate {
            id: "lt-2".into(),
            name: "other".into(),
            description: None,
            data: data("ami-x"),
            tags: vec![],
            now: 11,
        }),
    );
    assert_eq!(code(&bad_ami.unwrap_err()), "InvalidAMIID.Malformed");

    // Version 2 from version 1 with a new instance type: the rest is inherited.
    let over = LaunchTemplateData {
        instance_type: Some("t3.large".into()),
        ..Default::default()
    };
    let s = ec2(
        &s,
        Ec2Command::CreateLaunchTemplateVersion {
            template: LaunchTemplateRef::Id("lt-1".into()),
            source_version: Some("1".into()),
            description: Some("bigger".into()),
            data: over,
            now: 20,
        },
    )
    .unwrap();
    let t = &s.region(R).ec2.launch_templates["lt-1"];
    assert_eq!((t.default_version, t.latest_version), (1, 2));
    let v2 = t.version(Some("$Latest")).unwrap();
    assert_eq!(v2.data.instance_type.as_deref(), Some("t3.large"));
    assert_eq!(v2.data.image_id.as_deref(), Some("ami-12345678"));
    assert_eq!(v2.description.as_deref(), Some("bigger"));

    let missing = ec2(
        &s,
        Ec2Command::ModifyLaunchTemplate {
            template: LaunchTemplateRef::Name("web".into()),
            default_version: Some("7".into()),
        },
    );
    assert_eq!(
        code(&missing.unwrap_err()),
        "InvalidLaunchTemplateId.VersionNotFound"
    );
    let s = ec2(
        &s,
        Ec2Command::ModifyLaunchTemplate {
            template: LaunchTemplateRef::Name("web".into()),
            default_version: Some("2".into()),
        },
    )
    .unwrap();
    assert_eq!(s.region(R).ec2.launch_templates["lt-1"].default_version, 2);

    let gone = ec2(
        &s,
        Ec2Command::DeleteLaunchTemplate {
            template: LaunchTemplateRef::Name("nope".into()),
        },
    );
    assert_eq!(
        code(&gone.unwrap_err()),
        "InvalidLaunchTemplateName.NotFoundException"
    );
    let gone = ec2(
        &s,
        Ec2Command::DeleteLaunchTemplate {
            template: LaunchTemplateRef::Id("lt-9".into()),
        },
    );
    assert_eq!(code(&gone.unwrap_err()), "InvalidLaunchTemplateId.NotFound");
    let s = ec2(
        &s,
        Ec2Command::DeleteLaunchTemplate {
            template: LaunchTemplateRef::Id("lt-1".into()),
        },
    )
    .unwrap();
    assert!(s.region(R).ec2.launch_templates.is_empty());
}

#[test]
fn run_instances_from_a_template() {
    let s = template(&Snapshot::empty(), "lt-1", "web");
    let s = ec2(
        &s,
        Ec2Command::RunInstances(run_cmd(&s, &["i-1", "i-2"], Some("web"), None)),
    )
    .unwrap();
    let r = s.region(R);
    let a = &r.ec2.instances["i-1"];
    let b = &r.ec2.instances["i-2"];
    assert_eq!(a.state, InstanceState::Pending);
    assert_eq!(a.state_reason, Some(StateReason::pending()));
    assert_eq!(a.image_id, "ami-12345678");
    assert_eq!(a.instance_type, "t3.micro");
    assert_eq!(a.user_data.as_deref(), Some("ZWNobyBoaQ=="));
    assert_eq!(a.tags.get("Name").map(String::as_str), Some("web"));
    assert_eq!(a.tags.get("env").map(String::as_str), Some("test"));
    assert_eq!(
        a.launch_template,
        Some(InstanceLaunchTemplate {
            id: "lt-1".into(),
            version: 1
        })
    );
    assert_eq!(a.private_ip, Ipv4Addr::new(127, 100, 0, 1));
    assert_eq!(b.private_ip, Ipv4Addr::new(127, 100, 0, 2));
    assert_eq!((a.ami_launch_index, b.ami_launch_index), (0, 1));
    let vpc = r.ec2.default_vpc().unwrap();
    assert_eq!(
        a.security_group_ids,
        vec![vpc.default_security_group_id.clone()]
    );
    assert_eq!(
        r.target_ip("i-1"),
        Some(IpAddr::V4(Ipv4Addr::new(127, 100, 0, 1)))
    );
    assert_eq!(r.target_ip("10.0.0.1"), Some("10.0.0.1".parse().unwrap()));
    assert_eq!(r.target_ip("i-nope"), None);
    // The next addresses skip the used ones; the other default subnet has its own block.
    assert_eq!(
        choose_private_ips(&s, R, &a.subnet_id, 1).unwrap(),
        vec![Ipv4Addr::new(127, 100, 0, 3)]
    );
    let other = r.ec2.subnets_in_creation_order()[1].to_string();
    assert_eq!(
        choose_private_ips(&s, R, &other, 1).unwrap(),
        vec![Ipv4Addr::new(127, 101, 0, 1)]
    );

    // Errors change nothing.
    let e = ec2(
        &s,
        Ec2Command::RunInstances(run_cmd(&s, &["i-3"], Some("nope"), None)),
    )
    .unwrap_err();
    assert_eq!(code(&e), "InvalidLaunchTemplateName.NotFoundException");
    let e = ec2(
        &s,
        Ec2Command::RunInstances(run_cmd(&s, &["i-3"], None, Some("ami-bad"))),
    )
    .unwrap_err();
    assert_eq!(code(&e), "InvalidAMIID.Malformed");
    let e = ec2(
        &s,
        Ec2Command::RunInstances(run_cmd(&s, &["i-3"], None, None)),
    )
    .unwrap_err();
    assert_eq!(code(&e), "MissingParameter");
    let mut clash = run_cmd(&s, &["i-3"], None, Some("ami-12345678"));
    clash.instances[0].private_ip = Ipv4Addr::new(127, 100, 0, 1);
    assert_eq!(
        code(&ec2(&s, Ec2Command::RunInstances(clash)).unwrap_err()),
        "InvalidIPAddress.InUse"
    );
    // Without a template: the default instance type.
    let s2 = ec2(
        &s,
        Ec2Command::RunInstances(run_cmd(&s, &["i-3"], None, Some("ami-0elbow0000000001"))),
    )
    .unwrap();
    assert_eq!(s2.region(R).ec2.instances["i-3"].instance_type, "m1.small");
}

#[test]
fn lifecycle_and_housekeeping() {
    let s = ec2(
        &Snapshot::empty(),
        Ec2Command::RunInstances(run_cmd(
            &Snapshot::empty(),
            &["i-1", "i-2"],
            None,
            Some("ami-12345678"),
        )),
    )
    .unwrap();
    let set = |s: &Snapshot, id: &str, state: InstanceState, now: Millis| {
        ec2(
            s,
            Ec2Command::SetInstanceState {
                id: id.into(),
                state,
                reason: None,
                now,
            },
        )
    };
    let s = set(&s, "i-1", InstanceState::Running, 200).unwrap();
    assert_eq!(s.region(R).ec2.instances["i-1"].state_reason, None);

    let s = ec2(
        &s,
        Ec2Command::StopInstances {
            instance_ids: vec!["i-1".into()],
            now: 300,
        },
    )
    .unwrap();
    let i = &s.region(R).ec2.instances["i-1"];
    assert_eq!(i.state, InstanceState::Stopping);
    assert_eq!(
        i.state_transition_reason,
        "User initiated (1970-01-01 00:00:00 GMT)"
    );
    assert_eq!(s.region(R).target_ip("i-1"), None);
    // Only stopped instances change attributes.
    let e = ec2(
        &s,
        Ec2Command::ModifyInstanceAttribute {
            instance_id: "i-1".into(),
            instance_type: Some("t3.large".into()),
            user_data: None,
        },
    )
    .unwrap_err();
    assert_eq!(code(&e), "IncorrectInstanceState");
    let s = set(&s, "i-1", InstanceState::Stopped, 400).unwrap();
    let s = ec2(
        &s,
        Ec2Command::ModifyInstanceAttribute {
            instance_id: "i-1".into(),
            instance_type: Some("t3.large".into()),
            user_data: None,
        },
    )
    .unwrap();
    assert_eq!(s.region(R).ec2.instances["i-1"].instance_type, "t3.large");
    let s = ec2(
        &s,
        Ec2Command::StartInstances {
            instance_ids: vec!["i-1".into()],
            now: 500,
        },
    )
    .unwrap();
    assert_eq!(
        s.region(R).ec2.instances["i-1"].state,
        InstanceState::Pending
    );

    let e = ec2(
        &s,
        Ec2Command::TerminateInstances {
            instance_ids: vec!["i-1".into(), "i-x".into(), "i-y".into()],
            now: 600,
        },
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "The instance IDs 'i-x, i-y' do not exist");
    assert_eq!(
        s.region(R).ec2.instances["i-1"].state,
        InstanceState::Pending
    );
    let s = ec2(
        &s,
        Ec2Command::TerminateInstances {
            instance_ids: vec!["i-1".into(), "i-2".into()],
            now: 600,
        },
    )
    .unwrap();
    assert!(
        s.region(R)
            .ec2
            .instances
            .values()
            .all(|i| i.state == InstanceState::ShuttingDown)
    );
    let e = ec2(
        &s,
        Ec2Command::StartInstances {
            instance_ids: vec!["i-1".into()],
            now: 650,
        },
    )
    .unwrap_err();
    assert_eq!(code(&e), "IncorrectInstanceState");
    let s = ec2(
        &s,
        Ec2Command::SetInstanceState {
            id: "i-1".into(),
            state: InstanceState::Terminated,
            reason: None,
            now: 700,
        },
    )
    .unwrap();
    let i = &s.region(R).ec2.instances["i-1"];
    assert_eq!(
        (i.state, i.terminated_at),
        (InstanceState::Terminated, Some(700))
    );
    assert_eq!(i.state_reason, Some(StateReason::user_shutdown()));
    assert_eq!(
        code(&set(&s, "i-1", InstanceState::Running, 800).unwrap_err()),
        "IncorrectInstanceState"
    );
    // A terminated instance's address is free again.
    let subnet = i.subnet_id.clone();
    assert_eq!(
        choose_private_ips(&s, R, &subnet, 1).unwrap(),
        vec![Ipv4Addr::new(127, 100, 0, 1)]
    );
    // An hour later the next housekeeping step drops it.
    let s = ec2(
        &s,
        Ec2Command::SetInstanceState {
            id: "i-2".into(),
            state: InstanceState::Terminated,
            reason: Some(StateReason::internal_error()),
            now: 700 + TERMINATED_VISIBLE_MS,
        },
    )
    .unwrap();
    assert!(!s.region(R).ec2.instances.contains_key("i-1"));
    assert_eq!(
        s.region(R).ec2.instances["i-2"].state_reason,
        Some(StateReason::internal_error())
    );
}

#[test]
fn instance_targets() {
    let s = ec2(
        &Snapshot::empty(),
        Ec2Command::RunInstances(run_cmd(
            &Snapshot::empty(),
            &["i-1"],
            None,
            Some("ami-12345678"),
        )),
    )
    .unwrap();
    let vpc = s.region(R).ec2.default_vpc().unwrap().id.clone();
    let tg = crate::command::CreateTargetGroup {
        arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef"
            .into(),
        id: "0123456789abcdef".into(),
        name: "tg".into(),
        protocol: Some(crate::target_group::Protocol::Http),
        protocol_version: None,
        port: Some(80),
        vpc_id: Some(vpc),
        target_type: Some(crate::target_group::TargetType::Instance),
        ip_address_type: None,
        health_check: Default::default(),
        tags: vec![],
        now: 1,
    };
    let arn = tg.arn.clone();
    let elb = |s: &Snapshot, op: Elbv2Command| {
        s.apply(&Command::Elbv2 {
            region: R.into(),
            op,
        })
    };
    let s = elb(&s, Elbv2Command::CreateTargetGroup(tg)).unwrap();
    let reg = |id: &str| Elbv2Command::RegisterTargets {
        target_group_arn: arn.clone(),
        targets: vec![TargetInput {
            id: id.into(),
            port: None,
            availability_zone: None,
        }],
        now: 2,
    };
    assert_eq!(code(&elb(&s, reg("i-nope")).unwrap_err()), "InvalidTarget");
    let s = elb(&s, reg("i-1")).unwrap();
    assert_eq!(s.region(R).target_groups[&arn].targets[0].port, 80);
    let t = ec2(
        &s,
        Ec2Command::TerminateInstances {
            instance_ids: vec!["i-1".into()],
            now: 3,
        },
    )
    .unwrap();
    assert_eq!(code(&elb(&t, reg("i-1")).unwrap_err()), "InvalidTarget");
}

#[test]
fn old_store_files_load() {
    // An `Ec2State` written before instances existed.
    let json = r#"{"zones":["us-east-1a"],"vpcs":{},"subnets":{}}"#;
    let e: crate::ec2::Ec2State = serde_json::from_str(json).unwrap();
    assert!(e.instances.is_empty() && e.launch_templates.is_empty());
}

#[test]
fn images_of_instances() {
    let s = ec2(&Snapshot::empty(), Ec2Command::RunInstances(run_cmd(&Snapshot::empty(), &["i-1"], None, Some("ami-12345678")))).unwrap();
    let img = |id: &str, name: &str, from: &str| {
        Ec2Command::CreateImage(crate::instance::RegisteredImage { id: id.into(), name: name.into(), description: None, source_instance_id: from.into(), created_at: 5 })
    };
    let s = ec2(&s, img("ami-00000000000000001", "web", "i-1")).unwrap();
    assert_eq!(s.region(R).ec2.images["ami-00000000000000001"].source_instance_id, "i-1");
    assert_eq!(code(&ec2(&s, img("ami-00000000000000002", "web", "i-1")).unwrap_err()), "InvalidAMIName.Duplicate");
    assert_eq!(code(&ec2(&s, img("ami-00000000000000002", "other", "i-9")).unwrap_err()), "InvalidInstanceID.NotFound");
    let gone = ec2(&s, Ec2Command::TerminateInstances { instance_ids: vec!["i-1".into()], now: 6 }).unwrap();
    assert_eq!(code(&ec2(&gone, img("ami-00000000000000002", "other", "i-1")).unwrap_err()), "IncorrectInstanceState");
    let s = ec2(&s, Ec2Command::DeregisterImage { image_id: "ami-00000000000000001".into() }).unwrap();
    assert!(s.region(R).ec2.images.is_empty());
    assert_eq!(code(&ec2(&s, Ec2Command::DeregisterImage { image_id: "ami-00000000000000001".into() }).unwrap_err()), "InvalidAMIID.NotFound");
}
