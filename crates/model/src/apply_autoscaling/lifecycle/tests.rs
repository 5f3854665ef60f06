use crate::autoscaling::{LifecycleActionResult, LifecycleState, LifecycleTransition, ScalingActivity};
use crate::autoscaling_command::{AttachedInstance, AutoScalingCommand as C, CreateAutoScalingGroup, CreateLaunchConfiguration, GroupSettings, PutLifecycleHook};
use crate::command::Command;
use crate::error::ModelError;
use crate::snapshot::Snapshot;

const R: &str = "us-east-1";

fn run(s: &Snapshot, op: C) -> Result<Snapshot, ModelError> {
    s.apply(&Command::AutoScaling { region: R.into(), op })
}

fn ok(s: &Snapshot, op: C) -> Snapshot {
    run(s, op).unwrap()
}

fn err(s: &Snapshot, op: C) -> String {
    run(s, op).unwrap_err().to_string()
}

fn state(s: &Snapshot, id: &str) -> LifecycleState {
    s.region(R).autoscaling.groups["g"].instance(id).unwrap().lifecycle_state
}

/// A group g (min 1, max 3, desired 2) with InService instances i-1 and i-2.
fn base() -> Snapshot {
    let s = Snapshot::default();
    let s = ok(
        &s,
        C::CreateLaunchConfiguration(Box::new(CreateLaunchConfiguration {
            name: "lc".into(),
            arn: "arn:lc".into(),
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
        })),
    );
    let zone = s.region(R).ec2.zones[0].clone();
    let mut s = ok(
        &s,
        C::CreateAutoScalingGroup(Box::new(CreateAutoScalingGroup {
            name: "g".into(),
            arn: "arn:g".into(),
            settings: GroupSettings {
                launch_configuration_name: Some("lc".into()),
                min_size: Some(1),
                max_size: Some(3),
                desired_capacity: Some(2),
                availability_zones: Some(vec![zone.clone()]),
                ..Default::default()
            },
            target_group_arns: vec![],
            load_balancer_names: vec![],
            tags: vec![],
            now: 10,
        })),
    );
    for id in ["i-1", "i-2"] {
        s = ok(&s, C::RecordInstanceLaunch { group: "g".into(), instance_id: id.into(), availability_zone: zone.clone(), instance_type: None, now: 20 });
        s = ok(&s, C::SetInstanceLifecycle { group: "g".into(), instance_id: id.into(), lifecycle_state: Some(LifecycleState::InService), health_status: None });
    }
    s
}

fn hook(name: &str, transition: Option<LifecycleTransition>) -> C {
    C::PutLifecycleHook(Box::new(PutLifecycleHook {
        group: "g".into(),
        name: name.into(),
        transition,
        notification_target_arn: None,
        role_arn: None,
        notification_metadata: None,
        heartbeat_timeout: None,
        default_result: None,
    }))
}

fn act(id: &str) -> ScalingActivity {
    ScalingActivity {
        activity_id: format!("a-{id}"),
        group: String::new(),
        description: format!("Moving EC2 instance to Standby: {id}"),
        cause: "user".into(),
        start_time: 1,
        end_time: Some(1),
        status_code: "Successful".into(),
        status_message: None,
        progress: 100,
        details: "{}".into(),
    }
}

#[test]
fn hooks_have_defaults_and_need_a_transition() {
    let s = base();
    assert!(err(&s, hook("h", None)).contains("lifecycle transition"));
    let s = ok(&s, hook("h", Some(LifecycleTransition::Launching)));
    let h = &s.region(R).autoscaling.lifecycle_hooks["g/h"];
    assert_eq!((h.heartbeat_timeout, h.default_result, h.global_timeout()), (3600, LifecycleActionResult::Abandon, 172_800));
    // An update keeps what it does not name.
    let s = ok(&s, C::PutLifecycleHook(Box::new(PutLifecycleHook { heartbeat_timeout: Some(60), ..match hook("h", None) { C::PutLifecycleHook(p) => *p, _ => unreachable!() } })));
    let h = &s.region(R).autoscaling.lifecycle_hooks["g/h"];
    assert_eq!((h.heartbeat_timeout, h.transition, h.global_timeout()), (60, LifecycleTransition::Launching, 6000));
    assert!(err(&s, C::DeleteLifecycleHook { group: "g".into(), name: "nope".into() }).contains("No Lifecycle Hook found for name: nope and group: g"));
    let s = ok(&s, C::DeleteLifecycleHook { group: "g".into(), name: "h".into() });
    assert!(s.region(R).autoscaling.lifecycle_hooks.is_empty());
}

#[test]
fn a_lifecycle_action_waits_until_completed_by_token_or_instance() {
    let s = ok(&base(), hook("h", Some(LifecycleTransition::Launching)));
    let s = ok(&s, C::SetInstanceLifecycle { group: "g".into(), instance_id: "i-1".into(), lifecycle_state: Some(LifecycleState::Pending), health_status: None });
    let s = ok(&s, C::BeginLifecycleAction { group: "g".into(), instance_id: "i-1".into(), transition: LifecycleTransition::Launching, token: "t".repeat(36), now: 1000 });
    assert_eq!(state(&s, "i-1"), LifecycleState::PendingWait);
    let a = s.region(R).autoscaling.groups["g"].instance("i-1").unwrap().lifecycle_action.clone().unwrap();
    assert_eq!((a.deadline, a.global_deadline, a.result), (1000 + 3_600_000, 1000 + 172_800_000, None));
    // Heartbeat moves the deadline.
    let s = ok(&s, C::RecordLifecycleActionHeartbeat { group: "g".into(), hook: "h".into(), instance_id: Some("i-1".into()), token: None, now: 5000 });
    assert_eq!(s.region(R).autoscaling.groups["g"].instance("i-1").unwrap().lifecycle_action.as_ref().unwrap().deadline, 5000 + 3_600_000);
    let complete = |id: Option<&str>, token: Option<String>| C::CompleteLifecycleAction { group: "g".into(), hook: "h".into(), instance_id: id.map(Into::into), token, result: LifecycleActionResult::Continue };
    assert!(err(&s, complete(None, Some("x".repeat(36)))).contains("No active Lifecycle Action found with token"));
    assert!(err(&s, complete(Some("i-2"), None)).contains("No active Lifecycle Action found with instance ID i-2"));
    let done = ok(&s, complete(None, Some("t".repeat(36))));
    assert_eq!(state(&done, "i-1"), LifecycleState::PendingProceed);
    assert_eq!(done.region(R).autoscaling.groups["g"].instance("i-1").unwrap().lifecycle_action.as_ref().unwrap().result, Some(LifecycleActionResult::Continue));
    // Completing twice is refused; the controller's InService clears the action.
    assert!(err(&done, complete(Some("i-1"), None)).contains("No active Lifecycle Action"));
    let s2 = ok(&done, C::SetInstanceLifecycle { group: "g".into(), instance_id: "i-1".into(), lifecycle_state: Some(LifecycleState::InService), health_status: None });
    assert!(s2.region(R).autoscaling.groups["g"].instance("i-1").unwrap().lifecycle_action.is_none());
    // Deleting the only hook abandons an outstanding launch action.
    let gone = ok(&s, C::DeleteLifecycleHook { group: "g".into(), name: "h".into() });
    assert_eq!(state(&gone, "i-1"), LifecycleState::PendingProceed);
    assert_eq!(gone.region(R).autoscaling.groups["g"].instance("i-1").unwrap().lifecycle_action.as_ref().unwrap().result, Some(LifecycleActionResult::Abandon));
    // The wait survives a restart (serde).
    let json = serde_json::to_string(&s).unwrap();
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn standby_takes_instances_out_and_back() {
    let s = base();
    assert!(err(&s, C::EnterStandby { group: "g".into(), instance_ids: vec!["i-9".into()], should_decrement_desired_capacity: false, activities: vec![] }).contains("The instance i-9 is not part of Auto Scaling group g."));
    let s = ok(&s, C::EnterStandby { group: "g".into(), instance_ids: vec!["i-1".into()], should_decrement_desired_capacity: true, activities: vec![act("i-1")] });
    assert_eq!(state(&s, "i-1"), LifecycleState::EnteringStandby);
    assert_eq!(s.region(R).autoscaling.groups["g"].desired_capacity, 1);
    assert_eq!(s.region(R).autoscaling.activities["g"].last().unwrap().group, "g");
    // Below the minimum is refused.
    let e = err(&s, C::EnterStandby { group: "g".into(), instance_ids: vec!["i-2".into()], should_decrement_desired_capacity: true, activities: vec![] });
    assert!(e.contains("has min-size=1, max-size=3, and desired-size=1"), "{e}");
    assert!(err(&s, C::ExitStandby { group: "g".into(), instance_ids: vec!["i-1".into()], activities: vec![] }).contains("is not in Standby"));
    let s = ok(&s, C::SetInstanceLifecycle { group: "g".into(), instance_id: "i-1".into(), lifecycle_state: Some(LifecycleState::Standby), health_status: None });
    let s = ok(&s, C::ExitStandby { group: "g".into(), instance_ids: vec!["i-1".into()], activities: vec![] });
    assert_eq!(state(&s, "i-1"), LifecycleState::Pending);
    assert_eq!(s.region(R).autoscaling.groups["g"].desired_capacity, 2);
}

#[test]
fn detach_and_attach_check_sizes_and_instances() {
    let s = base();
    let s = ok(&s, C::DetachInstances { group: "g".into(), instance_ids: vec!["i-1".into()], should_decrement_desired_capacity: true, activities: vec![] });
    assert_eq!(state(&s, "i-1"), LifecycleState::Detaching);
    assert_eq!(s.region(R).autoscaling.groups["g"].desired_capacity, 1);
    let e = err(&s, C::DetachInstances { group: "g".into(), instance_ids: vec!["i-2".into()], should_decrement_desired_capacity: true, activities: vec![] });
    assert!(e.contains("To detach 1 instance(s)"), "{e}");
    let e = err(&s, C::AttachInstances { group: "g".into(), instances: vec![AttachedInstance { instance_id: "i-404".into() }], activities: vec![], now: 1 });
    assert!(e.contains("Invalid Instance ID(s): [i-404]"), "{e}");
}
