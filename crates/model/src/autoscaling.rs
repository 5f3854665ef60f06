//! Amazon EC2 Auto Scaling (2011-01-01) records: launch configurations, Auto Scaling groups with
//! their instances, scaling policies and scaling activities (botocore `autoscaling` model shapes
//! `LaunchConfiguration`, `AutoScalingGroup`, `Instance`, `ScalingPolicy`, `Activity`).
//!
//! The api writes groups, configurations and policies; the Auto Scaling controller (the reconcile
//! loop that launches and terminates instances) reads them and reports instances and activities
//! back with the housekeeping commands of [`crate::command::AutoScalingCommand`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws_enum;
use crate::ids::Millis;

/// Default `DefaultCooldown` of a group, seconds.
pub const DEFAULT_COOLDOWN: u32 = 300;
/// Default `HealthCheckGracePeriod`, seconds (API default; the console proposes 300).
pub const DEFAULT_HEALTH_CHECK_GRACE_PERIOD: u32 = 0;
/// Scaling activities kept per group (oldest dropped first).
pub const ACTIVITIES_PER_GROUP: usize = 100;
/// `MaxNumberOfAutoScalingGroups` (DescribeAccountLimits default).
pub const MAX_GROUPS: usize = 500;
/// `MaxNumberOfLaunchConfigurations` (DescribeAccountLimits default).
pub const MAX_LAUNCH_CONFIGURATIONS: usize = 200;
/// Scaling policies per group (Auto Scaling quotas).
pub const MAX_POLICIES_PER_GROUP: usize = 50;
/// Tags per group.
pub const MAX_TAGS_PER_GROUP: usize = 50;
/// Status of a group being deleted with `ForceDelete` while instances remain.
pub const STATUS_DELETE_IN_PROGRESS: &str = "Delete in progress";

/// The scaling processes (`DescribeScalingProcessTypes`).
pub const SCALING_PROCESSES: &[&str] = &[
    "Launch",
    "Terminate",
    "AddToLoadBalancer",
    "AlarmNotification",
    "AZRebalance",
    "HealthCheck",
    "InstanceRefresh",
    "ReplaceUnhealthy",
    "ScheduledActions",
];

/// The group metrics of `EnableMetricsCollection` (`DescribeMetricCollectionTypes`).
pub const GROUP_METRICS: &[&str] = &[
    "GroupMinSize",
    "GroupMaxSize",
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupStandbyInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
    "GroupInServiceCapacity",
    "GroupPendingCapacity",
    "GroupStandbyCapacity",
    "GroupTerminatingCapacity",
    "GroupTotalCapacity",
    "WarmPoolDesiredCapacity",
    "WarmPoolWarmedCapacity",
    "WarmPoolPendingCapacity",
    "WarmPoolTerminatingCapacity",
    "WarmPoolTotalCapacity",
    "GroupAndWarmPoolDesiredCapacity",
    "GroupAndWarmPoolTotalCapacity",
];

/// The termination policies (`DescribeTerminationPolicyTypes`).
pub const TERMINATION_POLICIES: &[&str] =
    &["ClosestToNextInstanceHour", "Default", "NewestInstance", "OldestInstance", "OldestLaunchConfiguration", "OldestLaunchTemplate", "AllocationStrategy"];

/// A double that compares by bits, so records holding one stay `Eq`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Double(pub f64);

impl PartialEq for Double {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Double {}

impl std::fmt::Display for Double {
    /// AWS's spelling: `50.0`, `0.5`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_finite() && self.0.fract() == 0.0 && self.0.abs() < 1e15 { write!(f, "{:.1}", self.0) } else { write!(f, "{}", self.0) }
    }
}

aws_enum! {
    /// `LifecycleState` of an instance in a group.
    pub enum LifecycleState {
        /// Launched, not yet in service.
        Pending = "Pending",
        /// Waiting in a launch lifecycle hook.
        PendingWait = "Pending:Wait",
        /// Launch lifecycle hook completed.
        PendingProceed = "Pending:Proceed",
        /// Launching a quarantined instance.
        Quarantined = "Quarantined",
        /// Running and counted.
        InService = "InService",
        /// Being terminated (by a scale-in, a replacement or TerminateInstanceInAutoScalingGroup).
        Terminating = "Terminating",
        /// Waiting in a termination lifecycle hook.
        TerminatingWait = "Terminating:Wait",
        /// Termination lifecycle hook completed.
        TerminatingProceed = "Terminating:Proceed",
        /// Terminated (about to leave the group).
        Terminated = "Terminated",
        /// Being detached.
        Detaching = "Detaching",
        /// Detached.
        Detached = "Detached",
        /// Entering standby.
        EnteringStandby = "EnteringStandby",
        /// In standby: not counted, not replaced.
        Standby = "Standby",
    }
}

aws_enum! {
    /// `HealthStatus` of an instance in a group.
    pub enum HealthStatus {
        /// Healthy.
        Healthy = "Healthy",
        /// Unhealthy: the controller replaces it.
        Unhealthy = "Unhealthy",
    }
}

aws_enum! {
    /// `PolicyType` of a scaling policy.
    pub enum PolicyType {
        /// One adjustment per alarm (the default).
        SimpleScaling = "SimpleScaling",
        /// Adjustments by the size of the alarm breach.
        StepScaling = "StepScaling",
        /// Keeps a metric at a target value.
        TargetTrackingScaling = "TargetTrackingScaling",
        /// Forecast-based (stored, not acted on).
        PredictiveScaling = "PredictiveScaling",
    }
}

aws_enum! {
    /// `AdjustmentType` of Simple/Step scaling.
    pub enum AdjustmentType {
        /// Add `ScalingAdjustment` instances.
        ChangeInCapacity = "ChangeInCapacity",
        /// Set capacity to `ScalingAdjustment`.
        ExactCapacity = "ExactCapacity",
        /// Add `ScalingAdjustment` percent.
        PercentChangeInCapacity = "PercentChangeInCapacity",
    }
}

aws_enum! {
    /// `PredefinedMetricType` of target tracking.
    pub enum PredefinedMetricType {
        /// Average CPU utilisation of the group's instances, percent.
        AsgAverageCpuUtilization = "ASGAverageCPUUtilization",
        /// The same at high resolution.
        AsgAverageCpuUtilizationHighResolution = "ASGAverageCPUUtilizationHighResolution",
        /// Average bytes in per instance.
        AsgAverageNetworkIn = "ASGAverageNetworkIn",
        /// Average bytes out per instance.
        AsgAverageNetworkOut = "ASGAverageNetworkOut",
        /// Requests per target of an ALB target group (`ResourceLabel` names it).
        AlbRequestCountPerTarget = "ALBRequestCountPerTarget",
    }
}

/// A launch configuration (`LaunchConfiguration`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchConfiguration {
    /// `LaunchConfigurationName`.
    pub name: String,
    /// `arn:aws:autoscaling:<region>:<acct>:launchConfiguration:<uuid>:launchConfigurationName/<name>`.
    pub arn: String,
    /// `ImageId`.
    pub image_id: String,
    /// `InstanceType`.
    pub instance_type: String,
    /// `KeyName`.
    pub key_name: Option<String>,
    /// `SecurityGroups` (ids or names).
    pub security_groups: Vec<String>,
    /// `UserData` as sent (base64 text).
    pub user_data: Option<String>,
    /// `InstanceMonitoring.Enabled` (default true).
    pub instance_monitoring: bool,
    /// `IamInstanceProfile`.
    pub iam_instance_profile: Option<String>,
    /// `AssociatePublicIpAddress`.
    pub associate_public_ip_address: Option<bool>,
    /// `EbsOptimized` (default false).
    pub ebs_optimized: bool,
    /// `CreatedTime`.
    pub created_time: Millis,
}

/// `LaunchTemplateSpecification`: which launch template (an EC2 record) and version a group uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplateSpec {
    /// `LaunchTemplateId` (`lt-…`).
    pub id: Option<String>,
    /// `LaunchTemplateName`.
    pub name: Option<String>,
    /// `Version`: a number, `$Latest` or `$Default` (the default).
    pub version: String,
}

/// One instance of a group (`Instance`, `AutoScalingInstanceDetails`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInstance {
    /// `InstanceId`.
    pub instance_id: String,
    /// `InstanceType`.
    pub instance_type: Option<String>,
    /// `AvailabilityZone`.
    pub availability_zone: String,
    /// `LifecycleState`.
    pub lifecycle_state: LifecycleState,
    /// `HealthStatus`.
    pub health_status: HealthStatus,
    /// `ProtectedFromScaleIn`.
    pub protected_from_scale_in: bool,
    /// `LaunchConfigurationName` it was launched from.
    pub launch_configuration_name: Option<String>,
    /// `LaunchTemplate` it was launched from.
    pub launch_template: Option<LaunchTemplateSpec>,
    /// Launch time (orders `OldestInstance`/`NewestInstance` and the grace period).
    pub launched_at: Millis,
    /// The lifecycle action the instance waits in (`Pending:Wait`/`Terminating:Wait`) or has
    /// just completed (`Pending:Proceed`/`Terminating:Proceed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_action: Option<LifecycleAction>,
}

/// A lifecycle action in progress on an instance: survives restarts with the deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleAction {
    /// `LifecycleActionToken` (UUID).
    pub token: String,
    /// `LifecycleTransition` waited on.
    pub transition: LifecycleTransition,
    /// When the heartbeat timeout passes (the hooks' `DefaultResult` then applies).
    pub deadline: Millis,
    /// When the global timeout passes (100 × heartbeat timeout, at most 48 h).
    pub global_deadline: Millis,
    /// `CONTINUE`/`ABANDON` once completed (by the user or by a timeout).
    pub result: Option<LifecycleActionResult>,
}

aws_enum! {
    /// `LifecycleTransition` of a lifecycle hook.
    pub enum LifecycleTransition {
        /// Launching (and returning from standby).
        Launching = "autoscaling:EC2_INSTANCE_LAUNCHING",
        /// Terminating.
        Terminating = "autoscaling:EC2_INSTANCE_TERMINATING",
    }
}

aws_enum! {
    /// `DefaultResult`/`LifecycleActionResult`.
    pub enum LifecycleActionResult {
        /// Go on (put in service, or terminate).
        Continue = "CONTINUE",
        /// Launch: terminate the instance; terminate: terminate it too (no further hooks).
        Abandon = "ABANDON",
    }
}

/// Default `HeartbeatTimeout` of a lifecycle hook, seconds.
pub const DEFAULT_HEARTBEAT_TIMEOUT: u32 = 3600;
/// Lifecycle hooks per group (Auto Scaling quotas).
pub const MAX_LIFECYCLE_HOOKS_PER_GROUP: usize = 50;
/// Longest wait of a lifecycle action, seconds (`GlobalTimeout` cap).
pub const MAX_GLOBAL_TIMEOUT: u32 = 172_800;

/// A lifecycle hook (`LifecycleHook`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleHook {
    /// `LifecycleHookName`.
    pub name: String,
    /// `AutoScalingGroupName`.
    pub group: String,
    /// `LifecycleTransition`.
    pub transition: LifecycleTransition,
    /// `NotificationTargetARN` (stored; no notification is sent).
    pub notification_target_arn: Option<String>,
    /// `RoleARN`.
    pub role_arn: Option<String>,
    /// `NotificationMetadata`.
    pub notification_metadata: Option<String>,
    /// `HeartbeatTimeout`, seconds (30–7200).
    pub heartbeat_timeout: u32,
    /// `DefaultResult`.
    pub default_result: LifecycleActionResult,
}

impl LifecycleHook {
    /// `GlobalTimeout`: 100 × `HeartbeatTimeout`, at most 48 hours.
    pub fn global_timeout(&self) -> u32 {
        (self.heartbeat_timeout.saturating_mul(100)).min(MAX_GLOBAL_TIMEOUT)
    }
}

/// A group tag (`TagDescription`; `ResourceType` is always `auto-scaling-group`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
    /// `PropagateAtLaunch`: also tag instances launched by the group.
    pub propagate_at_launch: bool,
}

/// `SuspendedProcess`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuspendedProcess {
    /// `ProcessName`, one of [`SCALING_PROCESSES`].
    pub process_name: String,
    /// `SuspensionReason`.
    pub suspension_reason: String,
}

/// `EnabledMetric`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnabledMetric {
    /// `Metric`, one of [`GROUP_METRICS`].
    pub metric: String,
    /// `Granularity`: `1Minute`.
    pub granularity: String,
}

/// An Auto Scaling group (`AutoScalingGroup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoScalingGroup {
    /// `AutoScalingGroupName`.
    pub name: String,
    /// `arn:aws:autoscaling:<region>:<acct>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`.
    pub arn: String,
    /// `LaunchTemplate` (exclusive with `launch_configuration_name`).
    pub launch_template: Option<LaunchTemplateSpec>,
    /// `LaunchConfigurationName`.
    pub launch_configuration_name: Option<String>,
    /// `MinSize`.
    pub min_size: u32,
    /// `MaxSize`.
    pub max_size: u32,
    /// `DesiredCapacity`: the controller keeps this many instances `InService`.
    pub desired_capacity: u32,
    /// `DefaultCooldown`, seconds.
    pub default_cooldown: u32,
    /// `AvailabilityZones` (from the subnets when `VPCZoneIdentifier` is given).
    pub availability_zones: Vec<String>,
    /// `VPCZoneIdentifier` as subnet ids (empty: launch in the zones' default subnets).
    pub vpc_zone_identifier: Vec<String>,
    /// `TargetGroupARNs`: instances are registered there as they launch.
    pub target_group_arns: Vec<String>,
    /// `LoadBalancerNames` (classic load balancers).
    pub load_balancer_names: Vec<String>,
    /// `HealthCheckType`: `EC2`, `ELB`, … (comma-separated as AWS accepts).
    pub health_check_type: String,
    /// `HealthCheckGracePeriod`, seconds.
    pub health_check_grace_period: u32,
    /// `DefaultInstanceWarmup`, seconds.
    pub default_instance_warmup: Option<u32>,
    /// Instances in the group.
    pub instances: Vec<GroupInstance>,
    /// `SuspendedProcesses`.
    pub suspended_processes: Vec<SuspendedProcess>,
    /// `EnabledMetrics`.
    pub enabled_metrics: Vec<EnabledMetric>,
    /// `Tags`, by key order.
    pub tags: Vec<GroupTag>,
    /// `TerminationPolicies` (default `["Default"]`).
    pub termination_policies: Vec<String>,
    /// `NewInstancesProtectedFromScaleIn`.
    pub new_instances_protected_from_scale_in: bool,
    /// `MaxInstanceLifetime`, seconds.
    pub max_instance_lifetime: Option<u32>,
    /// `CapacityRebalance`.
    pub capacity_rebalance: bool,
    /// `Status`: `Some("Delete in progress")` while a forced delete waits for the instances.
    pub status: Option<String>,
    /// `CreatedTime`.
    pub created_time: Millis,
    /// When the desired capacity was last changed by a scaling action (`HonorCooldown`).
    pub last_scaling_at: Option<Millis>,
}

impl AutoScalingGroup {
    /// The instance with this id.
    pub fn instance(&self, id: &str) -> Option<&GroupInstance> {
        self.instances.iter().find(|i| i.instance_id == id)
    }

    /// True if the scaling process `name` is suspended.
    pub fn is_suspended(&self, name: &str) -> bool {
        self.suspended_processes.iter().any(|p| p.process_name == name)
    }

    /// True while a forced delete waits for the instances to go.
    pub fn is_deleting(&self) -> bool {
        self.status.as_deref() == Some(STATUS_DELETE_IN_PROGRESS)
    }
}

/// `TargetTrackingConfiguration` with a predefined metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetTracking {
    /// `PredefinedMetricSpecification.PredefinedMetricType`; `None` with a customized metric.
    pub predefined_metric_type: Option<PredefinedMetricType>,
    /// `PredefinedMetricSpecification.ResourceLabel`
    /// (`app/<lb>/<lb-id>/targetgroup/<tg>/<tg-id>` for `ALBRequestCountPerTarget`).
    pub resource_label: Option<String>,
    /// `CustomizedMetricSpecification` given (stored as its metric name only; not acted on).
    pub customized_metric_name: Option<String>,
    /// `TargetValue`.
    pub target_value: Double,
    /// `DisableScaleIn`.
    pub disable_scale_in: bool,
}

/// `StepAdjustment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepAdjustment {
    /// `MetricIntervalLowerBound` (relative to the breach threshold; `None` = −∞).
    pub lower_bound: Option<Double>,
    /// `MetricIntervalUpperBound` (`None` = +∞).
    pub upper_bound: Option<Double>,
    /// `ScalingAdjustment`.
    pub scaling_adjustment: i32,
}

/// A CloudWatch alarm of a policy (`Alarm`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyAlarm {
    /// `AlarmName`, e.g. `TargetTracking-<group>-AlarmHigh-<uuid>`.
    pub name: String,
    /// `AlarmARN`.
    pub arn: String,
}

/// A scaling policy (`ScalingPolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalingPolicy {
    /// `PolicyName` (unique within its group).
    pub name: String,
    /// `…:scalingPolicy:<uuid>:autoScalingGroupName/<group>:policyName/<name>`.
    pub arn: String,
    /// `AutoScalingGroupName`.
    pub group: String,
    /// `PolicyType`.
    pub policy_type: PolicyType,
    /// `AdjustmentType` (Simple/Step).
    pub adjustment_type: Option<AdjustmentType>,
    /// `ScalingAdjustment` (Simple).
    pub scaling_adjustment: Option<i32>,
    /// `MinAdjustmentMagnitude` (with `PercentChangeInCapacity`).
    pub min_adjustment_magnitude: Option<i32>,
    /// `Cooldown`, seconds (Simple).
    pub cooldown: Option<u32>,
    /// `StepAdjustments` (Step).
    pub step_adjustments: Vec<StepAdjustment>,
    /// `MetricAggregationType` (Step: `Average` default, `Minimum`, `Maximum`).
    pub metric_aggregation_type: Option<String>,
    /// `EstimatedInstanceWarmup`, seconds (Step/TargetTracking).
    pub estimated_instance_warmup: Option<u32>,
    /// `TargetTrackingConfiguration`.
    pub target_tracking: Option<TargetTracking>,
    /// `Enabled` (default true).
    pub enabled: bool,
    /// `Alarms` (target tracking: AlarmHigh and AlarmLow).
    pub alarms: Vec<PolicyAlarm>,
}

/// A scaling activity (`Activity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalingActivity {
    /// `ActivityId` (UUID).
    pub activity_id: String,
    /// `AutoScalingGroupName`.
    pub group: String,
    /// `Description`, e.g. "Launching a new EC2 instance: i-…".
    pub description: String,
    /// `Cause`.
    pub cause: String,
    /// `StartTime`.
    pub start_time: Millis,
    /// `EndTime`.
    pub end_time: Option<Millis>,
    /// `StatusCode`: `InProgress`, `Successful`, `Failed`, `Cancelled`, `PreInService`, ….
    pub status_code: String,
    /// `StatusMessage`.
    pub status_message: Option<String>,
    /// `Progress`, 0–100.
    pub progress: u32,
    /// `Details` (JSON text).
    pub details: String,
}

/// Auto Scaling in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AutoScalingState {
    /// Launch configurations by name.
    #[serde(default)]
    pub launch_configurations: BTreeMap<String, LaunchConfiguration>,
    /// Groups by name.
    #[serde(default)]
    pub groups: BTreeMap<String, AutoScalingGroup>,
    /// Scaling policies by ARN.
    #[serde(default)]
    pub policies: BTreeMap<String, ScalingPolicy>,
    /// Activities by group name, oldest first, at most [`ACTIVITIES_PER_GROUP`] each (kept after
    /// the group is deleted, for `IncludeDeletedGroups`).
    #[serde(default)]
    pub activities: BTreeMap<String, Vec<ScalingActivity>>,
    /// Lifecycle hooks by `<group>/<hook name>`.
    #[serde(default)]
    pub lifecycle_hooks: BTreeMap<String, LifecycleHook>,
    /// Scheduled actions by ARN.
    #[serde(default)]
    pub scheduled_actions: BTreeMap<String, ScheduledAction>,
}

impl AutoScalingState {
    /// Lifecycle hooks of a group, by name.
    pub fn hooks_of<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a LifecycleHook> + 'a {
        self.lifecycle_hooks.values().filter(move |h| h.group == group)
    }

    /// The hooks of `group` on `transition`.
    pub fn hooks_for<'a>(&'a self, group: &'a str, transition: LifecycleTransition) -> impl Iterator<Item = &'a LifecycleHook> + 'a {
        self.hooks_of(group).filter(move |h| h.transition == transition)
    }

    /// The policy `name` of `group`.
    pub fn policy(&self, group: &str, name: &str) -> Option<&ScalingPolicy> {
        self.policies.values().find(|p| p.group == group && p.name == name)
    }

    /// Policies of a group.
    pub fn policies_of<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a ScalingPolicy> + 'a {
        self.policies.values().filter(move |p| p.group == group)
    }

    /// The group holding `instance_id`.
    pub fn group_of_instance(&self, instance_id: &str) -> Option<&AutoScalingGroup> {
        self.groups.values().find(|g| g.instance(instance_id).is_some())
    }
}

/// `arn:aws:autoscaling:<region>:<acct>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`.
pub fn group_arn(region: &str, account: &str, uuid: &str, name: &str) -> String {
    format!("arn:aws:autoscaling:{region}:{account}:autoScalingGroup:{uuid}:autoScalingGroupName/{name}")
}

/// `arn:aws:autoscaling:<region>:<acct>:launchConfiguration:<uuid>:launchConfigurationName/<name>`.
pub fn launch_configuration_arn(region: &str, account: &str, uuid: &str, name: &str) -> String {
    format!("arn:aws:autoscaling:{region}:{account}:launchConfiguration:{uuid}:launchConfigurationName/{name}")
}

/// `arn:aws:autoscaling:<region>:<acct>:scalingPolicy:<uuid>:autoScalingGroupName/<g>:policyName/<p>`.
pub fn policy_arn(region: &str, account: &str, uuid: &str, group: &str, name: &str) -> String {
    format!("arn:aws:autoscaling:{region}:{account}:scalingPolicy:{uuid}:autoScalingGroupName/{group}:policyName/{name}")
}

/// Key of a lifecycle hook in [`AutoScalingState::lifecycle_hooks`].
pub fn hook_key(group: &str, name: &str) -> String {
    format!("{group}/{name}")
}

/// Scheduled actions per group (Auto Scaling quotas).
pub const MAX_SCHEDULED_ACTIONS_PER_GROUP: usize = 125;

/// A scheduled action (`ScheduledUpdateGroupAction`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledAction {
    /// `ScheduledActionName` (unique within its group).
    pub name: String,
    /// `…:scheduledUpdateGroupAction:<uuid>:autoScalingGroupName/<group>:scheduledActionName/<name>`.
    pub arn: String,
    /// `AutoScalingGroupName`.
    pub group: String,
    /// `StartTime` (or the legacy `Time`): a one-shot action runs then; a recurring one not before.
    pub start_time: Option<Millis>,
    /// `EndTime`: a recurring action stops after it.
    pub end_time: Option<Millis>,
    /// `Recurrence`: 5-field cron ([`crate::cron::Cron`]).
    pub recurrence: Option<String>,
    /// `MinSize` to set.
    pub min_size: Option<u32>,
    /// `MaxSize` to set.
    pub max_size: Option<u32>,
    /// `DesiredCapacity` to set.
    pub desired_capacity: Option<u32>,
    /// `TimeZone` of the recurrence (UTC when absent).
    pub time_zone: Option<String>,
    /// When the action was put (a recurrence starts after it).
    pub created_at: Millis,
    /// When a recurring action last ran (the later of its scheduled time and the run time:
    /// matches missed before it are not replayed).
    pub last_run: Option<Millis>,
}

impl ScheduledAction {
    /// The next scheduled time strictly after `after` (and after the last run), if any: the
    /// start time of a one-shot action, else the next recurrence match within
    /// [`StartTime`, `EndTime`].
    pub fn next_run(&self, after: Millis) -> Option<Millis> {
        let after = after.max(self.last_run.unwrap_or(0));
        match &self.recurrence {
            None => self.start_time.filter(|&t| self.last_run.is_none() && t > after),
            Some(r) => {
                let cron = crate::cron::Cron::parse(r).ok()?;
                let offset = crate::cron::time_zone_offset_minutes(self.time_zone.as_deref().unwrap_or("UTC")).unwrap_or(0);
                let from = match self.start_time {
                    Some(s) if s > after => s.saturating_sub(1),
                    _ => after,
                };
                let t = cron.next_after(from, offset)?;
                if self.end_time.is_some_and(|e| t > e) { None } else { Some(t) }
            }
        }
    }

    /// The run due at `now`, if any: its scheduled time (a one-shot action whose start time has
    /// passed; a recurrence match passed since the last run, or since the action was put).
    pub fn due(&self, now: Millis) -> Option<Millis> {
        match &self.recurrence {
            None => self.start_time.filter(|&t| self.last_run.is_none() && t <= now),
            Some(_) => {
                let since = self.last_run.unwrap_or(self.created_at);
                self.next_run(since).filter(|&t| t <= now)
            }
        }
    }

    /// The group's (min, max, desired) after this action: given values replace the group's, the
    /// desired capacity is then clamped into [min, max] (as AWS does). `Err` with AWS's message
    /// when min would exceed max.
    pub fn sizes_for(&self, g: &AutoScalingGroup) -> Result<(u32, u32, u32), String> {
        let min = self.min_size.unwrap_or(g.min_size);
        let max = self.max_size.unwrap_or(g.max_size);
        if min > max {
            return Err(format!("Max bound, {max}, must be greater than or equal to min bound, {min}"));
        }
        let desired = self.desired_capacity.unwrap_or(g.desired_capacity).clamp(min, max);
        Ok((min, max, desired))
    }
}

/// `arn:aws:autoscaling:<region>:<acct>:scheduledUpdateGroupAction:<uuid>:autoScalingGroupName/<g>:scheduledActionName/<n>`.
pub fn scheduled_action_arn(region: &str, account: &str, uuid: &str, group: &str, name: &str) -> String {
    format!("arn:aws:autoscaling:{region}:{account}:scheduledUpdateGroupAction:{uuid}:autoScalingGroupName/{group}:scheduledActionName/{name}")
}
