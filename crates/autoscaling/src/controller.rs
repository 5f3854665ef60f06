//! The group controller: keeps every Auto Scaling group at its desired capacity, balanced over
//! its zones; moves instances through their lifecycle (`Pending` → `InService` once the EC2
//! instance runs and is registered in the group's target groups; `Terminating` → deregistered,
//! drained for the target groups' deregistration delay, terminated, removed); replaces
//! instances that fail their EC2 or (with `HealthCheckType` `ELB`, after the grace period)
//! target-group health checks; and evaluates target-tracking policies each period. Each
//! decision is a scaling activity with a cause in Auto Scaling's wording.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use model::autoscaling::{AutoScalingGroup, GroupInstance, HealthStatus, LifecycleActionResult, LifecycleState, LifecycleTransition, PredefinedMetricType};
use model::command::TargetInput;
use model::AutoScalingCommand;
use model::instance::InstanceState;
use model::{ClassicCommand, Command, Elbv2Command, HealthTable, Millis, RegionState, Snapshot, TargetHealthState, TargetKey};
use tokio_util::sync::CancellationToken;

use crate::placement::{self, Member};
use crate::target_tracking::{self, AlarmState, Evaluation};

/// Timing of the controller.
#[derive(Debug, Clone, Copy)]
pub struct ControllerConfig {
    /// How often groups are reconciled.
    pub reconcile_every: Duration,
    /// The metric period of target tracking (AWS: 60 s).
    pub evaluation_period: Duration,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig { reconcile_every: Duration::from_secs(2), evaluation_period: Duration::from_secs(60) }
    }
}

/// Runs the controller until `shutdown`.
pub async fn run(state: state::State, supervisor: Arc<instances::Supervisor>, health: Arc<HealthTable>, config: ControllerConfig, shutdown: CancellationToken) {
    let mut alarms: HashMap<String, AlarmState> = HashMap::new();
    let mut counters: HashMap<String, RequestSample> = HashMap::new();
    let mut next_evaluation = tokio::time::Instant::now() + config.evaluation_period;
    loop {
        let snap = state.current();
        let now = crate::now_millis();
        for (region, r) in &snap.regions {
            for g in r.autoscaling.groups.values() {
                for cmd in reconcile(&snap, r, g, &health, now) {
                    submit(&state, region, cmd).await;
                }
            }
        }
        {
            let snap = state.current();
            for (region, r) in &snap.regions {
                for op in crate::scheduled::due(&r.autoscaling, now) {
                    submit(&state, region, Step::AutoScaling(op)).await;
                }
            }
        }
        if tokio::time::Instant::now() >= next_evaluation {
            next_evaluation += config.evaluation_period;
            let snap = state.current();
            for (region, r) in &snap.regions {
                let sources = MetricSources { supervisor: &supervisor, health: &health, counters: &mut counters };
                for cmd in evaluate_policies(r, sources, &mut alarms, now) {
                    submit(&state, region, cmd).await;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(config.reconcile_every) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

/// A command for the controller to submit in a region.
#[derive(Debug, Clone)]
pub enum Step {
    /// An Auto Scaling housekeeping command.
    AutoScaling(AutoScalingCommand),
    /// An ELBv2 command (register or deregister targets).
    Elbv2(Elbv2Command),
    /// A classic ELB command (register or deregister instances of `LoadBalancerNames`).
    Classic(ClassicCommand),
    /// Launch instances for a group: the EC2 command is built with fresh ids at submit time.
    Launch {
        /// Group name.
        group: String,
        /// Subnet to launch in.
        subnet_id: String,
        /// Capacity before and after, for the activity's cause.
        from: u32,
        /// Capacity after.
        to: u32,
    },
    /// `TerminateInstances` of one instance.
    Terminate(String),
}

async fn submit(state: &state::State, region: &str, step: Step) {
    let cmd = match step {
        Step::AutoScaling(op) => Command::AutoScaling { region: region.to_string(), op },
        Step::Elbv2(op) => Command::Elbv2 { region: region.to_string(), op },
        Step::Classic(op) => Command::Classic { region: region.to_string(), op },
        Step::Terminate(id) => Command::Ec2 { region: region.to_string(), op: model::Ec2Command::TerminateInstances { instance_ids: vec![id], now: crate::now_millis() } },
        Step::Launch { group, subnet_id, from, to } => match crate::launch::launch_command(&state.current(), region, &group, &subnet_id, from, to) {
            Ok(cmds) => {
                for c in cmds {
                    if let Err(e) = state.submit(c).await {
                        tracing::warn!(group, error = %e, "Auto Scaling launch not stored");
                        return;
                    }
                }
                return;
            }
            Err(e) => {
                tracing::warn!(group, error = %e, "Auto Scaling cannot launch");
                return;
            }
        },
    };
    if let Err(e) = state.submit(cmd).await {
        tracing::debug!(region, error = %e, "Auto Scaling step not stored");
    }
}

use crate::launch::iso;

/// What one group needs now, given the snapshot and target health.
pub fn reconcile(snap: &Snapshot, r: &RegionState, g: &AutoScalingGroup, health: &HealthTable, now: Millis) -> Vec<Step> {
    let _ = snap;
    let mut steps = Vec::new();
    let suspended = |p: &str| g.is_suspended(p);
    let mut active: Vec<&GroupInstance> = Vec::new();
    for m in &g.instances {
        let ec2 = r.ec2.instances.get(&m.instance_id);
        let ec2_state = ec2.map(|i| i.state);
        match m.lifecycle_state {
            LifecycleState::Pending => match ec2_state {
                // A launch lifecycle hook holds the running instance in Pending:Wait.
                Some(InstanceState::Running) if r.autoscaling.hooks_for(&g.name, LifecycleTransition::Launching).next().is_some() => {
                    steps.push(Step::AutoScaling(AutoScalingCommand::BeginLifecycleAction {
                        group: g.name.clone(),
                        instance_id: m.instance_id.clone(),
                        transition: LifecycleTransition::Launching,
                        token: crate::launch::uuid(),
                        now,
                    }));
                    active.push(m);
                }
                Some(InstanceState::Running) => {
                    if !suspended("AddToLoadBalancer") {
                        for tg in &g.target_group_arns {
                            if !registered(r, tg, &m.instance_id) {
                                steps.push(Step::Elbv2(Elbv2Command::RegisterTargets { target_group_arn: tg.clone(), targets: vec![target(&m.instance_id)], now }));
                            }
                        }
                        steps.extend(classic_register(r, g, &m.instance_id, now));
                    }
                    steps.push(set_lifecycle(g, m, LifecycleState::InService, HealthStatus::Healthy));
                    active.push(m);
                }
                Some(InstanceState::Pending) => active.push(m),
                _ => steps.push(Step::AutoScaling(AutoScalingCommand::RemoveInstance { group: g.name.clone(), instance_id: m.instance_id.clone() })),
            },
            LifecycleState::InService => {
                let ec2_failed = !matches!(ec2_state, Some(InstanceState::Running | InstanceState::Pending));
                let elb_failed = g.health_check_type == "ELB"
                    && now.saturating_sub(m.launched_at) >= u64::from(g.health_check_grace_period) * 1000
                    && (g.target_group_arns.iter().any(|tg| target_unhealthy(r, health, tg, &m.instance_id))
                        || g.load_balancer_names.iter().any(|lb| classic_unhealthy(r, health, lb, &m.instance_id)));
                if (ec2_failed || elb_failed || m.health_status == HealthStatus::Unhealthy) && !suspended("ReplaceUnhealthy") && !suspended("HealthCheck") {
                    let why = if ec2_failed {
                        "an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped"
                    } else if elb_failed {
                        "an instance was taken out of service in response to an ELB system health check failure"
                    } else {
                        "an instance was taken out of service in response to a user health-check"
                    };
                    steps.push(set_lifecycle(g, m, LifecycleState::Terminating, HealthStatus::Unhealthy));
                    steps.push(activity(g, now, format!("Terminating EC2 instance: {}", m.instance_id), format!("At {} {why}.", iso(now))));
                } else {
                    active.push(m);
                }
            }
            LifecycleState::Terminating | LifecycleState::TerminatingProceed => steps.extend(terminating(r, g, m, ec2_state, now)),
            LifecycleState::PendingWait | LifecycleState::TerminatingWait => {
                let launching = m.lifecycle_state == LifecycleState::PendingWait;
                if launching && !matches!(ec2_state, Some(InstanceState::Running | InstanceState::Pending)) {
                    steps.push(Step::AutoScaling(AutoScalingCommand::RemoveInstance { group: g.name.clone(), instance_id: m.instance_id.clone() }));
                    continue;
                }
                if launching {
                    active.push(m);
                }
                steps.extend(lifecycle_timeout(r, g, m, now));
            }
            LifecycleState::PendingProceed => {
                let result = m.lifecycle_action.as_ref().and_then(|a| a.result).unwrap_or(LifecycleActionResult::Continue);
                if result == LifecycleActionResult::Continue && matches!(ec2_state, Some(InstanceState::Running)) {
                    if !suspended("AddToLoadBalancer") {
                        for tg in &g.target_group_arns {
                            if !registered(r, tg, &m.instance_id) {
                                steps.push(Step::Elbv2(Elbv2Command::RegisterTargets { target_group_arn: tg.clone(), targets: vec![target(&m.instance_id)], now }));
                            }
                        }
                        steps.extend(classic_register(r, g, &m.instance_id, now));
                    }
                    steps.push(set_lifecycle(g, m, LifecycleState::InService, HealthStatus::Healthy));
                    active.push(m);
                } else {
                    steps.push(set_lifecycle(g, m, LifecycleState::Terminating, HealthStatus::Unhealthy));
                    steps.push(activity(
                        g,
                        now,
                        format!("Terminating EC2 instance: {}", m.instance_id),
                        format!("At {} an instance was taken out of service in response to a launch lifecycle action result of ABANDON.", iso(now)),
                    ));
                }
            }
            LifecycleState::EnteringStandby => {
                let (deregister, draining) = deregistering(r, g, m, now);
                steps.extend(deregister);
                if !draining {
                    steps.push(set_lifecycle(g, m, LifecycleState::Standby, m.health_status));
                }
            }
            LifecycleState::Detaching => {
                let (deregister, draining) = deregistering(r, g, m, now);
                steps.extend(deregister);
                if !draining {
                    steps.push(Step::AutoScaling(AutoScalingCommand::RemoveInstance { group: g.name.clone(), instance_id: m.instance_id.clone() }));
                }
            }
            _ => {}
        }
    }

    // Capacity.
    let desired = g.desired_capacity as usize;
    if active.len() < desired && !suspended("Launch") {
        let members: Vec<Member<'_>> = active.iter().map(|m| member(m)).collect();
        let subnets: Vec<(String, String)> = g.vpc_zone_identifier.iter().filter_map(|s| r.ec2.subnets.get(s).map(|x| (s.clone(), x.availability_zone.clone()))).collect();
        if let Some(subnet) = placement::subnet_for_launch(&subnets, &members) {
            steps.push(Step::Launch { group: g.name.clone(), subnet_id: subnet.to_string(), from: active.len() as u32, to: active.len() as u32 + 1 });
        }
    } else if active.len() > desired && !suspended("Terminate") {
        let members: Vec<Member<'_>> = active.iter().filter(|m| m.lifecycle_state == LifecycleState::InService).map(|m| member(m)).collect();
        if let Some(id) = placement::to_terminate(&members)
            && let Some(m) = g.instances.iter().find(|m| m.instance_id == id)
        {
            steps.push(set_lifecycle(g, m, LifecycleState::Terminating, m.health_status));
            steps.push(activity(
                g,
                now,
                format!("Terminating EC2 instance: {id}"),
                format!(
                    "At {} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from {} to {}. At {} instance {id} was selected for termination.",
                    iso(now),
                    active.len(),
                    desired,
                    iso(now)
                ),
            ));
        }
    }
    steps
}

/// Deregister, wait out the deregistration delay, terminate, forget.
fn terminating(r: &RegionState, g: &AutoScalingGroup, m: &GroupInstance, ec2_state: Option<InstanceState>, now: Millis) -> Vec<Step> {
    let (mut steps, draining) = deregistering(r, g, m, now);
    // A forced delete does not wait for draining ("without waiting for all instances to be
    // terminated", DeleteAutoScalingGroup); anything else waits out the deregistration delay.
    if draining && !g.is_deleting() {
        return steps;
    }
    // A terminate lifecycle hook holds the drained instance in Terminating:Wait.
    if m.lifecycle_state == LifecycleState::Terminating
        && !g.is_deleting()
        && matches!(ec2_state, Some(InstanceState::Pending | InstanceState::Running | InstanceState::Stopped | InstanceState::Stopping))
        && r.autoscaling.hooks_for(&g.name, LifecycleTransition::Terminating).next().is_some()
    {
        steps.push(Step::AutoScaling(AutoScalingCommand::BeginLifecycleAction {
            group: g.name.clone(),
            instance_id: m.instance_id.clone(),
            transition: LifecycleTransition::Terminating,
            token: crate::launch::uuid(),
            now,
        }));
        return steps;
    }
    match ec2_state {
        Some(InstanceState::Pending | InstanceState::Running | InstanceState::Stopped | InstanceState::Stopping) => steps.push(Step::Terminate(m.instance_id.clone())),
        Some(InstanceState::ShuttingDown) => {}
        _ => steps.push(Step::AutoScaling(AutoScalingCommand::RemoveInstance { group: g.name.clone(), instance_id: m.instance_id.clone() })),
    }
    steps
}

/// Deregisters `m` from the group's target groups and classic load balancers: the steps, and
/// whether it is still registered or draining with one of them.
fn deregistering(r: &RegionState, g: &AutoScalingGroup, m: &GroupInstance, now: Millis) -> (Vec<Step>, bool) {
    let mut steps = Vec::new();
    let mut draining = false;
    for tg_arn in &g.target_group_arns {
        let Some(tg) = r.target_groups.get(tg_arn) else { continue };
        for t in tg.targets.iter().filter(|t| t.id == m.instance_id) {
            if t.draining.is_none() {
                steps.push(Step::Elbv2(Elbv2Command::DeregisterTargets { target_group_arn: tg_arn.clone(), targets: vec![TargetInput { id: t.id.clone(), port: Some(t.port), availability_zone: None }], now }));
            }
            draining = true;
        }
    }
    let (classic, classic_draining) = classic_deregister(r, g, m, now);
    steps.extend(classic);
    (steps, draining || classic_draining)
}

/// A lifecycle action past its heartbeat timeout ends with the hooks' `DefaultResult`.
fn lifecycle_timeout(r: &RegionState, g: &AutoScalingGroup, m: &GroupInstance, now: Millis) -> Vec<Step> {
    let Some(a) = &m.lifecycle_action else { return Vec::new() };
    if a.result.is_some() || now < a.deadline.min(a.global_deadline) {
        return Vec::new();
    }
    // The hook waited on longest decides.
    let Some(hook) = r.autoscaling.hooks_for(&g.name, a.transition).max_by_key(|h| h.heartbeat_timeout) else { return Vec::new() };
    vec![Step::AutoScaling(AutoScalingCommand::CompleteLifecycleAction {
        group: g.name.clone(),
        hook: hook.name.clone(),
        instance_id: Some(m.instance_id.clone()),
        token: Some(a.token.clone()),
        result: hook.default_result,
    })]
}

fn registered(r: &RegionState, tg: &str, id: &str) -> bool {
    r.target_groups.get(tg).is_some_and(|t| t.targets.iter().any(|x| x.id == id && x.draining.is_none()))
}

/// Registers `id` with each classic load balancer of the group it is not registered with.
fn classic_register(r: &RegionState, g: &AutoScalingGroup, id: &str, now: Millis) -> Vec<Step> {
    g.load_balancer_names
        .iter()
        .filter(|n| r.classic_load_balancers.get(*n).is_some_and(|lb| !lb.instances.iter().any(|i| i.instance_id == id && i.draining.is_none())))
        .map(|n| Step::Classic(ClassicCommand::RegisterInstances { name: n.clone(), instance_ids: vec![id.to_string()], now }))
        .collect()
}

/// Deregisters `m` from the group's classic load balancers: the steps, and whether it is still
/// registered or draining (connection draining) with one of them.
fn classic_deregister(r: &RegionState, g: &AutoScalingGroup, m: &GroupInstance, now: Millis) -> (Vec<Step>, bool) {
    let mut steps = Vec::new();
    let mut draining = false;
    for n in &g.load_balancer_names {
        let Some(lb) = r.classic_load_balancers.get(n) else { continue };
        for i in lb.instances.iter().filter(|i| i.instance_id == m.instance_id) {
            if i.draining.is_none() {
                steps.push(Step::Classic(ClassicCommand::DeregisterInstances { name: n.clone(), instance_ids: vec![i.instance_id.clone()], now }));
            }
            draining = true;
        }
    }
    (steps, draining)
}

/// The classic load balancer's health check finds `id` unhealthy (its verdicts live under the
/// first listener's target group, as `DescribeInstanceHealth` reads them).
fn classic_unhealthy(r: &RegionState, health: &HealthTable, name: &str, id: &str) -> bool {
    let Some(lb) = r.classic_load_balancers.get(name) else { return false };
    let Some(l) = lb.listeners.first() else { return false };
    if !lb.instances.iter().any(|i| i.instance_id == id && i.draining.is_none()) {
        return false;
    }
    let key = TargetKey { target_group_arn: model::classic::target_group_arn(lb, l.load_balancer_port), id: id.to_string(), port: l.instance_port };
    health.get(&key).is_some_and(|h| h.state == TargetHealthState::Unhealthy)
}

fn target(id: &str) -> TargetInput {
    TargetInput { id: id.to_string(), port: None, availability_zone: None }
}

fn target_unhealthy(r: &RegionState, health: &HealthTable, tg_arn: &str, id: &str) -> bool {
    let Some(tg) = r.target_groups.get(tg_arn) else { return false };
    tg.targets.iter().filter(|t| t.id == id && t.draining.is_none()).any(|t| {
        let key = TargetKey { target_group_arn: tg_arn.to_string(), id: t.id.clone(), port: t.port };
        health.get(&key).is_some_and(|h| h.state == TargetHealthState::Unhealthy)
    })
}

fn member(m: &GroupInstance) -> Member<'_> {
    let version = m.launch_template.as_ref().and_then(|t| t.version.parse().ok());
    Member { id: &m.instance_id, zone: &m.availability_zone, protected: m.protected_from_scale_in, version, launched_at: m.launched_at }
}

fn set_lifecycle(g: &AutoScalingGroup, m: &GroupInstance, lifecycle: LifecycleState, health: HealthStatus) -> Step {
    Step::AutoScaling(AutoScalingCommand::SetInstanceLifecycle { group: g.name.clone(), instance_id: m.instance_id.clone(), lifecycle_state: Some(lifecycle), health_status: Some(health) })
}

/// A completed scaling activity.
pub fn activity(g: &AutoScalingGroup, now: Millis, description: String, cause: String) -> Step {
    Step::AutoScaling(AutoScalingCommand::RecordActivity(crate::launch::activity_record(&g.name, now, description, cause)))
}

/// The previous reading of a target group's request counter, for `ALBRequestCountPerTarget`.
#[derive(Debug, Clone, Copy)]
pub struct RequestSample {
    /// The counter's value (requests since the cells were created).
    pub requests: u64,
    /// When it was read (ms since the epoch).
    pub at: Millis,
}

/// Where target tracking reads its metrics: the supervisor for instance CPU, the health table
/// for the data plane's request counts.
pub struct MetricSources<'a> {
    /// Per-instance CPU.
    pub supervisor: &'a instances::Supervisor,
    /// Per-target request counters.
    pub health: &'a HealthTable,
    /// The last request-counter reading per policy ARN.
    pub counters: &'a mut HashMap<String, RequestSample>,
}

/// `ALBRequestCountPerTarget`: requests per minute routed to the target group named by the
/// policy's `ResourceLabel` (`app/<lb>/<id>/targetgroup/<name>/<id>`), divided by the
/// group's in-service instances. `None` on the first reading (there is no interval yet).
fn request_count_per_target(r: &RegionState, sources: &mut MetricSources<'_>, policy_arn: &str, label: Option<&str>, instances: usize, now: Millis) -> Option<f64> {
    let suffix = label?.split_once("/targetgroup/").map(|(_, t)| format!(":targetgroup/{t}"))?;
    let tg_arn = r.target_groups.keys().find(|arn| arn.ends_with(&suffix))?;
    let requests = sources.health.group_requests(tg_arn);
    let previous = sources.counters.insert(policy_arn.to_string(), RequestSample { requests, at: now })?;
    let elapsed_ms = now.saturating_sub(previous.at);
    if elapsed_ms == 0 || instances == 0 {
        return None;
    }
    // A counter that went backwards (cells recreated after a deregistration) restarts the interval.
    let delta = requests.checked_sub(previous.requests)?;
    Some(delta as f64 * 60_000.0 / elapsed_ms as f64 / instances as f64)
}

/// Target-tracking policies: one evaluation period for every group of the region.
fn evaluate_policies(r: &RegionState, mut sources: MetricSources<'_>, alarms: &mut HashMap<String, AlarmState>, now: Millis) -> Vec<Step> {
    let mut steps = Vec::new();
    for p in r.autoscaling.policies.values() {
        let Some(tt) = &p.target_tracking else { continue };
        let Some(g) = r.autoscaling.groups.get(&p.group) else { continue };
        if g.is_suspended("AlarmNotification") || !p.enabled {
            continue;
        }
        let warmup_ms = u64::from(p.estimated_instance_warmup.or(g.default_instance_warmup).unwrap_or(g.default_cooldown)) * 1000;
        let in_service: Vec<&GroupInstance> = g.instances.iter().filter(|m| m.lifecycle_state == LifecycleState::InService).collect();
        // Instances still warming up do not count towards the metric; when every instance is
        // (a group just created), all of them do, or the policy could never act.
        let mut warmed: Vec<&GroupInstance> = in_service.iter().copied().filter(|m| now.saturating_sub(m.launched_at) >= warmup_ms).collect();
        if warmed.is_empty() {
            warmed = in_service.clone();
        }
        let (metric, capacity) = match tt.predefined_metric_type {
            Some(PredefinedMetricType::AsgAverageCpuUtilization | PredefinedMetricType::AsgAverageCpuUtilizationHighResolution) => {
                let v: Vec<f64> = warmed.iter().filter_map(|m| sources.supervisor.cpu_utilization(&m.instance_id)).collect();
                ((!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64), warmed.len())
            }
            // Every in-service instance receives requests, warming up or not, so the count is
            // shared among all of them.
            Some(PredefinedMetricType::AlbRequestCountPerTarget) => {
                (request_count_per_target(r, &mut sources, &p.arn, tt.resource_label.as_deref(), in_service.len(), now), in_service.len())
            }
            // Network bytes per instance have no data source yet: no data, no scaling.
            _ => (None, warmed.len()),
        };
        let e = Evaluation { capacity: capacity as u32, desired: g.desired_capacity, metric, target: tt.target_value.0, min: g.min_size, max: g.max_size, disable_scale_in: tt.disable_scale_in };
        if let Some(d) = target_tracking::evaluate(alarms.entry(p.arn.clone()).or_default(), e) {
            let alarm = if d.desired > g.desired_capacity { "AlarmHigh" } else { "AlarmLow" };
            let cause = format!(
                "At {} a monitor alarm TargetTracking-{}-{alarm} in state ALARM triggered policy {} changing the desired capacity from {} to {} ({}).",
                iso(now),
                g.name,
                p.name,
                g.desired_capacity,
                d.desired,
                d.cause
            );
            let record = crate::launch::activity_record(&g.name, now, format!("Setting the desired capacity from {} to {}", g.desired_capacity, d.desired), cause);
            steps.push(Step::AutoScaling(AutoScalingCommand::SetDesiredByPolicy { group: g.name.clone(), policy: p.name.clone(), desired_capacity: d.desired, now, activity: Some(record) }));
        }
    }
    steps
}
