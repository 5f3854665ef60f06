//! The Auto Scaling commands: one per mutating Auto Scaling action (ids, ARNs and times chosen by
//! the api), plus the housekeeping the Auto Scaling controller submits as it launches,
//! terminates and health-checks instances.

use serde::{Deserialize, Serialize};

use crate::autoscaling::{
    AdjustmentType, Double, GroupTag, HealthStatus, LaunchTemplateSpec, LifecycleState, PolicyAlarm, PolicyType, ScalingActivity, StepAdjustment,
    TargetTracking,
};
use crate::ids::Millis;
pub use crate::autoscaling::{LifecycleActionResult, LifecycleTransition};

/// `CreateLaunchConfiguration` with the ARN and time chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateLaunchConfiguration {
    /// `LaunchConfigurationName`.
    pub name: String,
    /// New ARN.
    pub arn: String,
    /// `ImageId`.
    pub image_id: String,
    /// `InstanceType`.
    pub instance_type: String,
    /// `KeyName`.
    pub key_name: Option<String>,
    /// `SecurityGroups`.
    pub security_groups: Vec<String>,
    /// `UserData`.
    pub user_data: Option<String>,
    /// `InstanceMonitoring.Enabled`.
    pub instance_monitoring: Option<bool>,
    /// `IamInstanceProfile`.
    pub iam_instance_profile: Option<String>,
    /// `AssociatePublicIpAddress`.
    pub associate_public_ip_address: Option<bool>,
    /// `EbsOptimized`.
    pub ebs_optimized: Option<bool>,
    /// Creation time.
    pub now: Millis,
}

/// The group members shared by `CreateAutoScalingGroup` and `UpdateAutoScalingGroup`
/// (`None` = absent: a default on create, unchanged on update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GroupSettings {
    /// `LaunchTemplate`.
    pub launch_template: Option<LaunchTemplateSpec>,
    /// `LaunchConfigurationName`.
    pub launch_configuration_name: Option<String>,
    /// `MinSize`.
    pub min_size: Option<u32>,
    /// `MaxSize`.
    pub max_size: Option<u32>,
    /// `DesiredCapacity`.
    pub desired_capacity: Option<u32>,
    /// `DefaultCooldown`.
    pub default_cooldown: Option<u32>,
    /// `AvailabilityZones`.
    pub availability_zones: Option<Vec<String>>,
    /// `VPCZoneIdentifier`, split at commas.
    pub vpc_zone_identifier: Option<Vec<String>>,
    /// `HealthCheckType`.
    pub health_check_type: Option<String>,
    /// `HealthCheckGracePeriod`.
    pub health_check_grace_period: Option<u32>,
    /// `DefaultInstanceWarmup` (`-1` on update clears it, as AWS).
    pub default_instance_warmup: Option<i32>,
    /// `TerminationPolicies`.
    pub termination_policies: Option<Vec<String>>,
    /// `NewInstancesProtectedFromScaleIn`.
    pub new_instances_protected_from_scale_in: Option<bool>,
    /// `MaxInstanceLifetime`.
    pub max_instance_lifetime: Option<u32>,
    /// `CapacityRebalance`.
    pub capacity_rebalance: Option<bool>,
}

/// `CreateAutoScalingGroup` with the ARN and time chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAutoScalingGroup {
    /// `AutoScalingGroupName`.
    pub name: String,
    /// New ARN.
    pub arn: String,
    /// Everything else settable later with UpdateAutoScalingGroup.
    pub settings: GroupSettings,
    /// `TargetGroupARNs`.
    pub target_group_arns: Vec<String>,
    /// `LoadBalancerNames`.
    pub load_balancer_names: Vec<String>,
    /// `Tags` (`ResourceId`/`ResourceType` ignored: the new group).
    pub tags: Vec<GroupTag>,
    /// Creation time.
    pub now: Millis,
}

/// `PutScalingPolicy` with the ARN and alarm names chosen (used only if the policy is new; an
/// existing policy keeps its ARN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutScalingPolicy {
    /// `AutoScalingGroupName`.
    pub group: String,
    /// `PolicyName`.
    pub name: String,
    /// New ARN.
    pub arn: String,
    /// `PolicyType` (`SimpleScaling` when absent).
    pub policy_type: PolicyType,
    /// `AdjustmentType`.
    pub adjustment_type: Option<AdjustmentType>,
    /// `ScalingAdjustment`.
    pub scaling_adjustment: Option<i32>,
    /// `MinAdjustmentMagnitude` (or the legacy `MinAdjustmentStep`).
    pub min_adjustment_magnitude: Option<i32>,
    /// `Cooldown`.
    pub cooldown: Option<u32>,
    /// `StepAdjustments`.
    pub step_adjustments: Vec<StepAdjustment>,
    /// `MetricAggregationType`.
    pub metric_aggregation_type: Option<String>,
    /// `EstimatedInstanceWarmup`.
    pub estimated_instance_warmup: Option<u32>,
    /// `TargetTrackingConfiguration`.
    pub target_tracking: Option<TargetTracking>,
    /// `Enabled`.
    pub enabled: Option<bool>,
    /// Alarms for a new target-tracking policy (AlarmHigh, AlarmLow).
    pub alarms: Vec<PolicyAlarm>,
}

/// A tag of `CreateOrUpdateTags`/`DeleteTags`: `ResourceId` names the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceTag {
    /// `ResourceId`: the group name.
    pub group: String,
    /// The tag (`value`/`propagate_at_launch` ignored by DeleteTags).
    pub tag: GroupTag,
}

/// `PutLifecycleHook` (also each `LifecycleHookSpecificationList` member of
/// CreateAutoScalingGroup, submitted after the group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutLifecycleHook {
    /// `AutoScalingGroupName`.
    pub group: String,
    /// `LifecycleHookName`.
    pub name: String,
    /// `LifecycleTransition` (required when the hook is new).
    pub transition: Option<LifecycleTransition>,
    /// `NotificationTargetARN`.
    pub notification_target_arn: Option<String>,
    /// `RoleARN`.
    pub role_arn: Option<String>,
    /// `NotificationMetadata`.
    pub notification_metadata: Option<String>,
    /// `HeartbeatTimeout` (default 3600).
    pub heartbeat_timeout: Option<u32>,
    /// `DefaultResult` (default ABANDON).
    pub default_result: Option<LifecycleActionResult>,
}

/// An EC2 instance of `AttachInstances`, with what the group records of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedInstance {
    /// `InstanceId`.
    pub instance_id: String,
}

/// The Auto Scaling actions that change state, and the controller's housekeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AutoScalingCommand {
    /// `CreateLaunchConfiguration`.
    CreateLaunchConfiguration(Box<CreateLaunchConfiguration>),
    /// `DeleteLaunchConfiguration` (refused while a group uses it).
    DeleteLaunchConfiguration {
        /// `LaunchConfigurationName`.
        name: String,
    },
    /// `CreateAutoScalingGroup`.
    CreateAutoScalingGroup(Box<CreateAutoScalingGroup>),
    /// `UpdateAutoScalingGroup`: absent members keep their values.
    UpdateAutoScalingGroup {
        /// `AutoScalingGroupName`.
        group: String,
        /// Members to change.
        settings: Box<GroupSettings>,
    },
    /// `DeleteAutoScalingGroup`: gone at once without instances; with `ForceDelete` and
    /// instances, capacity 0 and `Status` "Delete in progress" until the controller has removed
    /// the last instance ([`AutoScalingCommand::RemoveInstance`] then deletes the group).
    DeleteAutoScalingGroup {
        /// `AutoScalingGroupName`.
        group: String,
        /// `ForceDelete`.
        force_delete: bool,
    },
    /// `SetDesiredCapacity`.
    SetDesiredCapacity {
        /// `AutoScalingGroupName`.
        group: String,
        /// `DesiredCapacity`.
        desired_capacity: u32,
        /// `HonorCooldown`: refuse while the group's cooldown runs.
        honor_cooldown: bool,
        /// Request time.
        now: Millis,
    },
    /// `AttachLoadBalancerTargetGroups` (each must exist and have target type `instance`).
    AttachLoadBalancerTargetGroups {
        /// `AutoScalingGroupName`.
        group: String,
        /// `TargetGroupARNs`.
        target_group_arns: Vec<String>,
    },
    /// `DetachLoadBalancerTargetGroups`.
    DetachLoadBalancerTargetGroups {
        /// `AutoScalingGroupName`.
        group: String,
        /// `TargetGroupARNs`.
        target_group_arns: Vec<String>,
    },
    /// `AttachLoadBalancers` (classic load balancer names; not validated yet).
    AttachLoadBalancers {
        /// `AutoScalingGroupName`.
        group: String,
        /// `LoadBalancerNames`.
        names: Vec<String>,
    },
    /// `DetachLoadBalancers`.
    DetachLoadBalancers {
        /// `AutoScalingGroupName`.
        group: String,
        /// `LoadBalancerNames`.
        names: Vec<String>,
    },
    /// `TerminateInstanceInAutoScalingGroup`: the instance becomes `Terminating` (the
    /// controller terminates it and submits `RemoveInstance`), the desired capacity drops by one
    /// if asked, and `activity` (InProgress) is recorded.
    TerminateInstanceInAutoScalingGroup {
        /// `InstanceId`.
        instance_id: String,
        /// `ShouldDecrementDesiredCapacity`.
        should_decrement_desired_capacity: bool,
        /// The activity to record (id, time and texts chosen by the api; group filled in).
        activity: ScalingActivity,
    },
    /// `SetInstanceHealth`.
    SetInstanceHealth {
        /// `InstanceId`.
        instance_id: String,
        /// `HealthStatus`.
        health_status: HealthStatus,
        /// `ShouldRespectGracePeriod`: ignore `Unhealthy` during the grace period.
        should_respect_grace_period: bool,
        /// Request time.
        now: Millis,
    },
    /// `SetInstanceProtection`.
    SetInstanceProtection {
        /// `AutoScalingGroupName`.
        group: String,
        /// `InstanceIds`.
        instance_ids: Vec<String>,
        /// `ProtectedFromScaleIn`.
        protected_from_scale_in: bool,
    },
    /// `PutScalingPolicy` (creates, or replaces the policy of that name).
    PutScalingPolicy(Box<PutScalingPolicy>),
    /// `DeletePolicy`.
    DeletePolicy {
        /// `AutoScalingGroupName` (optional when `policy` is an ARN).
        group: Option<String>,
        /// `PolicyName`: name or ARN.
        policy: String,
    },
    /// `ExecutePolicy` (Simple/Step): changes the desired capacity now and records `activity`.
    ExecutePolicy {
        /// `AutoScalingGroupName`.
        group: Option<String>,
        /// `PolicyName`: name or ARN.
        policy: String,
        /// `HonorCooldown`.
        honor_cooldown: bool,
        /// `MetricValue` (Step).
        metric_value: Option<Double>,
        /// `BreachThreshold` (Step).
        breach_threshold: Option<Double>,
        /// Id for the recorded activity.
        activity_id: String,
        /// Request time.
        now: Millis,
    },
    /// `SuspendProcesses` (empty = all).
    SuspendProcesses {
        /// `AutoScalingGroupName`.
        group: String,
        /// `ScalingProcesses`.
        processes: Vec<String>,
    },
    /// `ResumeProcesses` (empty = all).
    ResumeProcesses {
        /// `AutoScalingGroupName`.
        group: String,
        /// `ScalingProcesses`.
        processes: Vec<String>,
    },
    /// `CreateOrUpdateTags`.
    CreateOrUpdateTags {
        /// `Tags`.
        tags: Vec<ResourceTag>,
    },
    /// `DeleteTags`.
    DeleteTags {
        /// `Tags`.
        tags: Vec<ResourceTag>,
    },
    /// `EnableMetricsCollection` (empty = all metrics).
    EnableMetricsCollection {
        /// `AutoScalingGroupName`.
        group: String,
        /// `Metrics`.
        metrics: Vec<String>,
        /// `Granularity` (`1Minute`).
        granularity: String,
    },
    /// `DisableMetricsCollection` (empty = all).
    DisableMetricsCollection {
        /// `AutoScalingGroupName`.
        group: String,
        /// `Metrics`.
        metrics: Vec<String>,
    },
    /// Controller: an instance was launched for `group`; it joins as `Pending`/`Healthy`, with
    /// the group's launch source and scale-in protection.
    RecordInstanceLaunch {
        /// Group name.
        group: String,
        /// EC2 instance id.
        instance_id: String,
        /// Its zone.
        availability_zone: String,
        /// Its instance type.
        instance_type: Option<String>,
        /// Launch time.
        now: Millis,
    },
    /// Controller: an instance changed state (`None` = unchanged).
    SetInstanceLifecycle {
        /// Group name.
        group: String,
        /// EC2 instance id.
        instance_id: String,
        /// New `LifecycleState`.
        lifecycle_state: Option<LifecycleState>,
        /// New `HealthStatus`.
        health_status: Option<HealthStatus>,
    },
    /// Controller: the instance is gone (terminated or detached). Removing the last instance of
    /// a group being force-deleted deletes the group. Succeeds if already absent.
    RemoveInstance {
        /// Group name.
        group: String,
        /// EC2 instance id.
        instance_id: String,
    },
    /// Controller: insert an activity, or replace the one with the same `activity_id`.
    RecordActivity(ScalingActivity),
    /// Controller: a scaling policy (target tracking) decided a new desired capacity; clamped to
    /// [min, max]. Records `activity` if given.
    SetDesiredByPolicy {
        /// Group name.
        group: String,
        /// Policy name.
        policy: String,
        /// The new desired capacity (before clamping).
        desired_capacity: u32,
        /// Decision time (starts the cooldown).
        now: Millis,
        /// Activity to record with it.
        activity: Option<ScalingActivity>,
    },
    /// `PutLifecycleHook`: creates, or updates the members given.
    PutLifecycleHook(Box<PutLifecycleHook>),
    /// `DeleteLifecycleHook` (an instance waiting only on it proceeds with `ABANDON`, as AWS).
    DeleteLifecycleHook {
        /// `AutoScalingGroupName`.
        group: String,
        /// `LifecycleHookName`.
        name: String,
    },
    /// `CompleteLifecycleAction` (also the controller when a heartbeat timeout passes): the
    /// waiting instance goes `Pending:Proceed`/`Terminating:Proceed` with the result.
    CompleteLifecycleAction {
        /// `AutoScalingGroupName`.
        group: String,
        /// `LifecycleHookName`.
        hook: String,
        /// `InstanceId`.
        instance_id: Option<String>,
        /// `LifecycleActionToken`.
        token: Option<String>,
        /// `LifecycleActionResult`.
        result: LifecycleActionResult,
    },
    /// `RecordLifecycleActionHeartbeat`: the deadline moves to now + `HeartbeatTimeout`
    /// (never past the global timeout).
    RecordLifecycleActionHeartbeat {
        /// `AutoScalingGroupName`.
        group: String,
        /// `LifecycleHookName`.
        hook: String,
        /// `InstanceId`.
        instance_id: Option<String>,
        /// `LifecycleActionToken`.
        token: Option<String>,
        /// Request time.
        now: Millis,
    },
    /// Controller: the instance starts waiting in its group's hooks for `transition`
    /// (`Pending:Wait` or `Terminating:Wait`), with this token, from `now`.
    BeginLifecycleAction {
        /// Group name.
        group: String,
        /// EC2 instance id.
        instance_id: String,
        /// Which hooks.
        transition: LifecycleTransition,
        /// `LifecycleActionToken`.
        token: String,
        /// Start of the wait.
        now: Millis,
    },
    /// `EnterStandby`: `InService` instances go `EnteringStandby` (the controller deregisters
    /// them, then `Standby`); desired capacity drops by their number if asked.
    EnterStandby {
        /// `AutoScalingGroupName`.
        group: String,
        /// `InstanceIds`.
        instance_ids: Vec<String>,
        /// `ShouldDecrementDesiredCapacity`.
        should_decrement_desired_capacity: bool,
        /// One activity per instance (group filled in by the api).
        activities: Vec<ScalingActivity>,
    },
    /// `ExitStandby`: `Standby` instances go `Pending` (registered again, then `InService`);
    /// desired capacity rises by their number (refused beyond the maximum).
    ExitStandby {
        /// `AutoScalingGroupName`.
        group: String,
        /// `InstanceIds`.
        instance_ids: Vec<String>,
        /// One activity per instance.
        activities: Vec<ScalingActivity>,
    },
    /// `AttachInstances`: running EC2 instances of the region join as `Pending`; desired
    /// capacity rises by their number (refused beyond the maximum).
    AttachInstances {
        /// `AutoScalingGroupName`.
        group: String,
        /// `InstanceIds`.
        instances: Vec<AttachedInstance>,
        /// One activity per instance.
        activities: Vec<ScalingActivity>,
        /// Request time.
        now: Millis,
    },
    /// `DetachInstances`: instances go `Detaching` (the controller deregisters and drains
    /// them, then removes them from the group and leaves them running).
    DetachInstances {
        /// `AutoScalingGroupName`.
        group: String,
        /// `InstanceIds`.
        instance_ids: Vec<String>,
        /// `ShouldDecrementDesiredCapacity`.
        should_decrement_desired_capacity: bool,
        /// One activity per instance.
        activities: Vec<ScalingActivity>,
    },
    /// `PutScheduledUpdateGroupAction` (one member of the batch form too): creates the action,
    /// or updates the one of that name (absent members keep their values; the ARN is kept).
    PutScheduledUpdateGroupAction(Box<crate::autoscaling::ScheduledAction>),
    /// `DeleteScheduledAction`.
    DeleteScheduledAction {
        /// `AutoScalingGroupName`.
        group: String,
        /// `ScheduledActionName`.
        name: String,
    },
    /// Controller: a scheduled action's time `at` came; sets the group's sizes (clamped as
    /// [`crate::autoscaling::ScheduledAction::sizes_for`]), records `activity`, marks the run;
    /// a one-shot action is then deleted, as on AWS.
    RunScheduledAction {
        /// The action's ARN.
        arn: String,
        /// The scheduled time run.
        at: Millis,
        /// Run time (starts the cooldown when the desired capacity changes).
        now: Millis,
        /// Activity to record with it.
        activity: Option<ScalingActivity>,
    },
}
