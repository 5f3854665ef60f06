use crate::autoscaling::{Double, GroupTag, HealthStatus, LaunchTemplateSpec, LifecycleState, PolicyType, PredefinedMetricType, ScalingActivity, TargetTracking};
use crate::autoscaling_command::{AutoScalingCommand as C, CreateAutoScalingGroup, CreateLaunchConfiguration, GroupSettings, PutScalingPolicy, ResourceTag};
use crate::command::{Command, CreateTargetGroup, Elbv2Command};
use crate::error::ModelError;
use crate::snapshot::Snapshot;
use crate::target_group::{Protocol, TargetType};

const R: &str = "us-east-1";

fn run(s: &Snapshot, op: C) -> Result<Snapshot, ModelError> {
    s.apply(&Command::AutoScaling { region: R.into(), op })
}

fn ok(s: &Snapshot, op: C) -> Snapshot {
    run(s, op).unwrap()
}

fn err(s: &Snapshot, op: C) -> ModelError {
    run(s, op).unwrap_err()
}

fn message(e: &ModelError) -> String {
    e.to_string()
}

fn lc(name: &str) -> C {
    C::CreateLaunchConfiguration(Box::new(CreateLaunchConfiguration {
        name: name.into(),
        arn: format!("arn:aws:autoscaling:us-east-1:123456789012:launchConfiguration:u:launchConfigurationName/{name}"),
        image_id: "ami-1".into(),
        instance_type: "t3.micro".into(),
        key_name: None,
        security_groups: vec![],
        user_data: None,
        instance_monitoring: None,
        iam_instance_profile: None,
        associate_public_ip_address: None,
        ebs_optimized: None,
        now: 1,
    }))
}

fn zone(s: &Snapshot) -> String {
    s.region(R).ec2.zones[0].clone()
}

fn group(s: &Snapshot, name: &str, min: u32, max: u32, desired: Option<u32>, tgs: Vec<String>) -> C {
    C::CreateAutoScalingGroup(Box::new(CreateAutoScalingGroup {
        name: name.into(),
        arn: format!("arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:u:autoScalingGroupName/{name}"),
        settings: GroupSettings {
            launch_configuration_name: Some("lc".into()),
            min_size: Some(min),
            max_size: Some(max),
            desired_capacity: desired,
            availability_zones: Some(vec![zone(s)]),
            ..Default::default()
        },
        target_group_arns: tgs,
        load_balancer_names: vec![],
        tags: vec![GroupTag { key: "env".into(), value: "dev".into(), propagate_at_launch: true }],
        now: 10,
    }))
}

fn target_group(s: &Snapshot, name: &str, kind: TargetType) -> (Snapshot, String) {
    let arn = format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{name}/0123456789abcdef");
    let vpc = s.region(R).ec2.default_vpc().unwrap().id.clone();
    let cmd = Command::Elbv2 {
        region: R.into(),
        op: Elbv2Command::CreateTargetGroup(CreateTargetGroup {
            arn: arn.clone(),
            id: "0123456789abcdef".into(),
            name: name.into(),
            protocol: Some(Protocol::Http),
            protocol_version: None,
            port: Some(80),
            vpc_id: Some(vpc),
            target_type: Some(kind),
            ip_address_type: None,
            health_check: Default::default(),
            tags: vec![],
            now: 1,
        }),
    };
    (s.apply(&cmd).unwrap(), arn)
}

fn base() -> Snapshot {
    ok(&Snapshot::empty(), lc("lc"))
}

fn launch(s: &Snapshot, g: &str, id: &str) -> Snapshot {
    let az = zone(s);
    ok(s, C::RecordInstanceLaunch { group: g.into(), instance_id: id.into(), availability_zone: az, instance_type: Some("t3.micro".into()), now: 100 })
}

#[test]
fn launch_configurations_are_unique_and_in_use_ones_stay() {
    let s = base();
    let e = err(&s, lc("lc"));
    assert!(matches!(e, ModelError::Duplicate { .. }), "{e:?}");
    assert!(message(&e).contains("already exists"));
    let s = ok(&s, group(&s, "g", 1, 3, None, vec![]));
    let e = err(&s, C::DeleteLaunchConfiguration { name: "lc".into() });
    assert!(matches!(e, ModelError::InUse { .. }), "{e:?}");
    let s = ok(&s, C::DeleteAutoScalingGroup { group: "g".into(), force_delete: false });
    let s = ok(&s, C::DeleteLaunchConfiguration { name: "lc".into() });
    assert!(s.region(R).autoscaling.launch_configurations.is_empty());
    let e = err(&s, C::DeleteLaunchConfiguration { name: "lc".into() });
    assert!(matches!(e, ModelError::Invalid { .. }));
}

#[test]
fn group_defaults_and_validation() {
    let s = base();
    let s2 = ok(&s, group(&s, "g", 1, 3, None, vec![]));
    let g = &s2.region(R).autoscaling.groups["g"];
    assert_eq!((g.min_size, g.max_size, g.desired_capacity, g.default_cooldown), (1, 3, 1, 300));
    assert_eq!(g.health_check_type, "EC2");
    assert_eq!(g.termination_policies, vec!["Default"]);
    assert!(matches!(err(&s2, group(&s, "g", 1, 3, None, vec![])), ModelError::Duplicate { .. }));
    let e = err(&s, group(&s, "h", 1, 3, Some(5), vec![]));
    assert_eq!(message(&e), "Desired capacity:5 must be between the specified min size:1 and max size:3");
    let e = err(&s, group(&s, "h", 4, 3, None, vec![]));
    assert_eq!(message(&e), "Max bound, 3, must be greater than or equal to min bound, 4");
    // Unknown launch configuration.
    let mut c = group(&s, "h", 1, 3, None, vec![]);
    if let C::CreateAutoScalingGroup(b) = &mut c {
        b.settings.launch_configuration_name = Some("nope".into());
    }
    assert!(message(&err(&s, c)).contains("Launch configuration nope not found"));
    // Unknown launch template.
    let mut c = group(&s, "h", 1, 3, None, vec![]);
    if let C::CreateAutoScalingGroup(b) = &mut c {
        b.settings.launch_configuration_name = None;
        b.settings.launch_template = Some(LaunchTemplateSpec { id: None, name: Some("lt".into()), version: "$Default".into() });
    }
    assert!(message(&err(&s, c)).contains("does not exist"));
    // Unknown subnet.
    let mut c = group(&s, "h", 1, 3, None, vec![]);
    if let C::CreateAutoScalingGroup(b) = &mut c {
        b.settings.availability_zones = None;
        b.settings.vpc_zone_identifier = Some(vec!["subnet-nope".into()]);
    }
    assert_eq!(message(&err(&s, c)), "The subnet ID 'subnet-nope' does not exist");
}

#[test]
fn subnets_give_the_zones() {
    let s = base();
    let subnets: Vec<String> = s.region(R).ec2.subnets.keys().cloned().collect();
    let mut c = group(&s, "g", 0, 2, None, vec![]);
    if let C::CreateAutoScalingGroup(b) = &mut c {
        b.settings.availability_zones = None;
        b.settings.vpc_zone_identifier = Some(subnets.clone());
    }
    let s = ok(&s, c);
    let g = &s.region(R).autoscaling.groups["g"];
    assert_eq!(g.vpc_zone_identifier, subnets);
    assert_eq!(g.availability_zones.len(), subnets.len());
}

#[test]
fn target_groups_must_exist_and_take_instances() {
    let s = base();
    let (s, tg) = target_group(&s, "tg", TargetType::Instance);
    let (s, ip) = target_group(&s, "ip", TargetType::Ip);
    assert!(message(&err(&s, group(&s, "g", 1, 3, None, vec![ip.clone()]))).contains("target type 'ip'"));
    assert!(message(&err(&s, group(&s, "g", 1, 3, None, vec![format!("{tg}x")]))).contains("not found"));
    let s = ok(&s, group(&s, "g", 1, 3, None, vec![tg.clone()]));
    assert!(err(&s, C::AttachLoadBalancerTargetGroups { group: "g".into(), target_group_arns: vec![ip] }).to_string().contains("ip"));
    let s = ok(&s, C::DetachLoadBalancerTargetGroups { group: "g".into(), target_group_arns: vec![tg.clone()] });
    assert!(s.region(R).autoscaling.groups["g"].target_group_arns.is_empty());
    let s = ok(&s, C::AttachLoadBalancerTargetGroups { group: "g".into(), target_group_arns: vec![tg.clone(), tg] });
    assert_eq!(s.region(R).autoscaling.groups["g"].target_group_arns.len(), 1);
}

#[test]
fn update_moves_desired_with_min_and_max_and_refuses_bad_bounds() {
    let s = base();
    let s = ok(&s, group(&s, "g", 1, 5, Some(2), vec![]));
    let upd = |min: Option<u32>, max: Option<u32>, desired: Option<u32>| C::UpdateAutoScalingGroup {
        group: "g".into(),
        settings: Box::new(GroupSettings { min_size: min, max_size: max, desired_capacity: desired, ..Default::default() }),
    };
    let s2 = ok(&s, upd(Some(3), None, None));
    assert_eq!(s2.region(R).autoscaling.groups["g"].desired_capacity, 3);
    let s2 = ok(&s, upd(None, Some(1), Some(1)));
    assert_eq!(s2.region(R).autoscaling.groups["g"].max_size, 1);
    let s3 = ok(&s, upd(Some(0), Some(1), None));
    assert_eq!(s3.region(R).autoscaling.groups["g"].desired_capacity, 1);
    let e = err(&s, upd(Some(6), None, None));
    assert_eq!(message(&e), "Max bound, 5, must be greater than or equal to min bound, 6");
    let e = err(&s, C::UpdateAutoScalingGroup { group: "nope".into(), settings: Box::default() });
    assert_eq!(message(&e), "AutoScalingGroup name not found - null");
}

#[test]
fn set_desired_capacity_checks_range_and_cooldown() {
    let s = base();
    let s = ok(&s, group(&s, "g", 1, 3, None, vec![]));
    let set = |d: u32, honor: bool, now: u64| C::SetDesiredCapacity { group: "g".into(), desired_capacity: d, honor_cooldown: honor, now };
    assert_eq!(message(&err(&s, set(4, false, 0))), "Desired capacity:4 must be between the specified min size:1 and max size:3");
    let s = ok(&s, set(2, false, 1_000));
    assert_eq!(s.region(R).autoscaling.groups["g"].desired_capacity, 2);
    assert!(matches!(err(&s, set(3, true, 2_000)), ModelError::NotPermitted(_)));
    let s = ok(&s, set(3, true, 1_000 + 300_000));
    assert_eq!(s.region(R).autoscaling.groups["g"].desired_capacity, 3);
    assert!(message(&err(&s, C::SetDesiredCapacity { group: "x".into(), desired_capacity: 1, honor_cooldown: false, now: 0 })).contains("AutoScalingGroup name not found"));
}

#[test]
fn delete_with_instances_needs_force_and_waits_for_the_controller() {
    let s = base();
    let s = ok(&s, group(&s, "g", 1, 3, None, vec![]));
    let s = launch(&s, "g", "i-1");
    let e = err(&s, C::DeleteAutoScalingGroup { group: "g".into(), force_delete: false });
    assert!(matches!(e, ModelError::InUse { .. }));
    assert!(message(&e).starts_with("You cannot delete an AutoScalingGroup while there are instances"));
    let s = ok(&s, C::DeleteAutoScalingGroup { group: "g".into(), force_delete: true });
    let g = &s.region(R).autoscaling.groups["g"];
    assert!(g.is_deleting());
    assert_eq!(g.desired_capacity, 0);
    assert_eq!(g.instances[0].lifecycle_state, LifecycleState::Terminating);
    let s = ok(&s, C::RemoveInstance { group: "g".into(), instance_id: "i-1".into() });
    assert!(s.region(R).autoscaling.groups.is_empty());
}

#[test]
fn controller_housekeeping() {
    let s = base();
    let s = ok(&s, group(&s, "g", 1, 3, Some(2), vec![]));
    let s = launch(&s, "g", "i-1");
    let i = &s.region(R).autoscaling.groups["g"].instances[0];
    assert_eq!((i.lifecycle_state, i.health_status), (LifecycleState::Pending, HealthStatus::Healthy));
    assert_eq!(i.launch_configuration_name.as_deref(), Some("lc"));
    assert!(err(&s, C::RecordInstanceLaunch { group: "g".into(), instance_id: "i-1".into(), availability_zone: zone(&s), instance_type: None, now: 1 }).to_string().contains("already part"));
    let s = ok(&s, C::SetInstanceLifecycle { group: "g".into(), instance_id: "i-1".into(), lifecycle_state: Some(LifecycleState::InService), health_status: None });
    assert_eq!(s.region(R).autoscaling.groups["g"].instances[0].lifecycle_state, LifecycleState::InService);
    let s = ok(&s, C::SetInstanceHealth { instance_id: "i-1".into(), health_status: HealthStatus::Unhealthy, should_respect_grace_period: false, now: 200 });
    assert_eq!(s.region(R).autoscaling.groups["g"].instances[0].health_status, HealthStatus::Unhealthy);
    let s = ok(&s, C::SetInstanceProtection { group: "g".into(), instance_ids: vec!["i-1".into()], protected_from_scale_in: true });
    assert!(s.region(R).autoscaling.groups["g"].instances[0].protected_from_scale_in);
    let act = |id: &str, status: &str| ScalingActivity {
        activity_id: id.into(),
        group: "g".into(),
        description: "Launching a new EC2 instance: i-1".into(),
        cause: "c".into(),
        start_time: 1,
        end_time: None,
        status_code: status.into(),
        status_message: None,
        progress: 0,
        details: "{}".into(),
    };
    let mut s = ok(&s, C::RecordActivity(act("a", "InProgress")));
    s = ok(&s, C::RecordActivity(act("a", "Successful")));
    assert_eq!(s.region(R).autoscaling.activities["g"].len(), 1);
    assert_eq!(s.region(R).autoscaling.activities["g"][0].status_code, "Successful");
    for n in 0..120 {
        s = ok(&s, C::RecordActivity(act(&format!("x{n}"), "Successful")));
    }
    let acts = &s.region(R).autoscaling.activities["g"];
    assert_eq!(acts.len(), 100);
    assert_eq!(acts.last().unwrap().activity_id, "x119");
    let s = ok(&s, C::SetDesiredByPolicy { group: "g".into(), policy: "p".into(), desired_capacity: 9, now: 5, activity: None });
    assert_eq!(s.region(R).autoscaling.groups["g"].desired_capacity, 3);
}

#[test]
fn terminate_instance_marks_it_and_decrements() {
    let s = base();
    let s = ok(&s, group(&s, "g", 1, 3, Some(2), vec![]));
    let s = launch(&s, "g", "i-1");
    let activity = ScalingActivity {
        activity_id: "a1".into(),
        group: String::new(),
        description: "Terminating EC2 instance: i-1".into(),
        cause: "c".into(),
        start_time: 1,
        end_time: None,
        status_code: "InProgress".into(),
        status_message: None,
        progress: 0,
        details: "{}".into(),
    };
    let t = |d: bool| C::TerminateInstanceInAutoScalingGroup { instance_id: "i-1".into(), should_decrement_desired_capacity: d, activity: activity.clone() };
    let s2 = ok(&s, t(true));
    let g = &s2.region(R).autoscaling.groups["g"];
    assert_eq!(g.desired_capacity, 1);
    assert_eq!(g.instances[0].lifecycle_state, LifecycleState::Terminating);
    assert_eq!(s2.region(R).autoscaling.activities["g"][0].group, "g");
    // At min size a decrement is refused.
    assert!(message(&err(&s2, t(true))).contains("desiredSize equals minSize (1)"));
    assert!(message(&err(&s, C::TerminateInstanceInAutoScalingGroup { instance_id: "i-9".into(), should_decrement_desired_capacity: false, activity })).contains("i-9"));
}

fn policy(group: &str, name: &str, kind: PolicyType) -> PutScalingPolicy {
    PutScalingPolicy {
        group: group.into(),
        name: name.into(),
        arn: format!("arn:aws:autoscaling:us-east-1:1:scalingPolicy:u:autoScalingGroupName/{group}:policyName/{name}"),
        policy_type: kind,
        adjustment_type: None,
        scaling_adjustment: None,
        min_adjustment_magnitude: None,
        cooldown: None,
        step_adjustments: vec![],
        metric_aggregation_type: None,
        estimated_instance_warmup: None,
        target_tracking: None,
        enabled: None,
        alarms: vec![],
    }
}

#[test]
fn policies_target_tracking_simple_and_execute() {
    let s = base();
    let s = ok(&s, group(&s, "g", 1, 4, None, vec![]));
    let mut tt = policy("g", "cpu", PolicyType::TargetTrackingScaling);
    assert!(message(&err(&s, C::PutScalingPolicy(Box::new(tt.clone())))).contains("TargetTrackingConfiguration is required"));
    tt.target_tracking = Some(TargetTracking {
        predefined_metric_type: Some(PredefinedMetricType::AsgAverageCpuUtilization),
        resource_label: None,
        customized_metric_name: None,
        target_value: Double(50.0),
        disable_scale_in: false,
    });
    let s = ok(&s, C::PutScalingPolicy(Box::new(tt.clone())));
    let arn = s.region(R).autoscaling.policy("g", "cpu").unwrap().arn.clone();
    // Put again: same ARN, updated value.
    tt.arn = "other".into();
    tt.target_tracking.as_mut().unwrap().target_value = Double(60.0);
    let s = ok(&s, C::PutScalingPolicy(Box::new(tt)));
    let r = s.region(R);
    let p = r.autoscaling.policy("g", "cpu").unwrap();
    assert_eq!(p.arn, arn);
    assert_eq!(p.target_tracking.as_ref().unwrap().target_value, Double(60.0));
    // ALBRequestCountPerTarget needs an attached target group.
    let mut alb = policy("g", "req", PolicyType::TargetTrackingScaling);
    alb.target_tracking = Some(TargetTracking {
        predefined_metric_type: Some(PredefinedMetricType::AlbRequestCountPerTarget),
        resource_label: Some("app/lb/1/targetgroup/tg/2".into()),
        customized_metric_name: None,
        target_value: Double(1000.0),
        disable_scale_in: false,
    });
    assert!(message(&err(&s, C::PutScalingPolicy(Box::new(alb)))).contains("not attached"));
    assert!(message(&err(&s, C::ExecutePolicy { group: Some("g".into()), policy: "cpu".into(), honor_cooldown: false, metric_value: None, breach_threshold: None, activity_id: "a".into(), now: 1 })).contains("simple and step"));

    let mut simple = policy("g", "up", PolicyType::SimpleScaling);
    simple.adjustment_type = Some(crate::autoscaling::AdjustmentType::ChangeInCapacity);
    simple.scaling_adjustment = Some(2);
    let s = ok(&s, C::PutScalingPolicy(Box::new(simple)));
    let s = ok(&s, C::ExecutePolicy { group: Some("g".into()), policy: "up".into(), honor_cooldown: false, metric_value: None, breach_threshold: None, activity_id: "a".into(), now: 1 });
    assert_eq!(s.region(R).autoscaling.groups["g"].desired_capacity, 3);
    assert!(s.region(R).autoscaling.activities["g"][0].cause.contains("from 1 to 3"));
    // Clamped at max.
    let s = ok(&s, C::ExecutePolicy { group: Some("g".into()), policy: "up".into(), honor_cooldown: false, metric_value: None, breach_threshold: None, activity_id: "b".into(), now: 2 });
    assert_eq!(s.region(R).autoscaling.groups["g"].desired_capacity, 4);
    assert!(matches!(err(&s, C::ExecutePolicy { group: Some("g".into()), policy: "up".into(), honor_cooldown: true, metric_value: None, breach_threshold: None, activity_id: "c".into(), now: 3 }), ModelError::NotPermitted(_)));
    let s = ok(&s, C::DeletePolicy { group: Some("g".into()), policy: "up".into() });
    assert!(s.region(R).autoscaling.policy("g", "up").is_none());
    assert!(err(&s, C::DeletePolicy { group: Some("g".into()), policy: "up".into() }).to_string().contains("No scaling policy found"));
    // Deleting the group deletes its policies.
    let s = ok(&s, C::DeleteAutoScalingGroup { group: "g".into(), force_delete: false });
    assert!(s.region(R).autoscaling.policies.is_empty());
}

#[test]
fn percent_change_rounds_like_aws() {
    use crate::autoscaling::AdjustmentType::*;
    assert_eq!(super::adjusted_capacity(4, PercentChangeInCapacity, 10, None), 5);
    assert_eq!(super::adjusted_capacity(10, PercentChangeInCapacity, 25, None), 12);
    assert_eq!(super::adjusted_capacity(10, PercentChangeInCapacity, -25, None), 8);
    assert_eq!(super::adjusted_capacity(10, PercentChangeInCapacity, 10, Some(3)), 13);
    assert_eq!(super::adjusted_capacity(3, ExactCapacity, 7, None), 7);
}

#[test]
fn processes_tags_and_metrics() {
    let s = base();
    let s = ok(&s, group(&s, "g", 1, 3, None, vec![]));
    let s = ok(&s, C::SuspendProcesses { group: "g".into(), processes: vec!["Launch".into()] });
    assert!(s.region(R).autoscaling.groups["g"].is_suspended("Launch"));
    assert!(err(&s, C::SuspendProcesses { group: "g".into(), processes: vec!["Nope".into()] }).to_string().contains("Nope"));
    let s2 = ok(&s, C::SuspendProcesses { group: "g".into(), processes: vec![] });
    assert_eq!(s2.region(R).autoscaling.groups["g"].suspended_processes.len(), crate::autoscaling::SCALING_PROCESSES.len());
    let s2 = ok(&s2, C::ResumeProcesses { group: "g".into(), processes: vec![] });
    assert!(s2.region(R).autoscaling.groups["g"].suspended_processes.is_empty());
    let tag = |k: &str, v: &str| ResourceTag { group: "g".into(), tag: GroupTag { key: k.into(), value: v.into(), propagate_at_launch: false } };
    let s = ok(&s, C::CreateOrUpdateTags { tags: vec![tag("env", "prod"), tag("a", "b")] });
    let tags = &s.region(R).autoscaling.groups["g"].tags;
    assert_eq!(tags.iter().map(|t| (t.key.as_str(), t.value.as_str())).collect::<Vec<_>>(), vec![("a", "b"), ("env", "prod")]);
    let s = ok(&s, C::DeleteTags { tags: vec![tag("a", "")] });
    assert_eq!(s.region(R).autoscaling.groups["g"].tags.len(), 1);
    let s = ok(&s, C::EnableMetricsCollection { group: "g".into(), metrics: vec![], granularity: "1Minute".into() });
    assert_eq!(s.region(R).autoscaling.groups["g"].enabled_metrics.len(), crate::autoscaling::GROUP_METRICS.len());
    let s = ok(&s, C::DisableMetricsCollection { group: "g".into(), metrics: vec!["GroupMinSize".into()] });
    assert_eq!(s.region(R).autoscaling.groups["g"].enabled_metrics.len(), crate::autoscaling::GROUP_METRICS.len() - 1);
}

#[test]
fn old_region_state_loads_without_autoscaling() {
    let s = base();
    let mut v = serde_json::to_value(&s).unwrap();
    v["regions"][R].as_object_mut().unwrap().remove("autoscaling");
    let back: Snapshot = serde_json::from_value(v).unwrap();
    assert!(back.region(R).autoscaling.launch_configurations.is_empty());
}
