//! Launching an instance for a group: the EC2 `RunInstances` command from the group's launch
//! template (or launch configuration), with an id and a loopback address chosen here as the API
//! would, plus the group's bookkeeping (`RecordInstanceLaunch`) and the scaling activity.

use model::autoscaling::{AutoScalingGroup, ScalingActivity};
use model::autoscaling_command::AutoScalingCommand;
use model::instance::{LaunchTemplateRef, LaunchTemplateSpec, NewInstance, RunInstances};
use model::{Command, Ec2Command, Millis, Snapshot};

fn hex(n: usize) -> String {
    (0..n).map(|_| char::from_digit(rand::random_range(0..16u32), 16).unwrap_or('0')).collect()
}

pub(crate) fn uuid() -> String {
    let h = hex(32);
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// `2026-11-22T18:00:00Z`, as activity causes print times.
pub fn iso(ms: Millis) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A finished (`Successful`) activity of `group`.
pub fn activity_record(group: &str, now: Millis, description: String, cause: String) -> ScalingActivity {
    ScalingActivity {
        activity_id: uuid(),
        group: group.to_string(),
        description,
        cause,
        start_time: now,
        end_time: Some(now),
        status_code: "Successful".into(),
        status_message: None,
        progress: 100,
        details: String::new(),
    }
}

/// The commands that launch one instance of `group` in `subnet_id`: `RunInstances`, then the
/// group's `RecordInstanceLaunch` and the activity. `from`/`to` are the capacities for the cause.
///
/// Errors: the group or its launch source is gone, or the subnet's address block is full.
pub fn launch_command(snap: &Snapshot, region: &str, group: &str, subnet_id: &str, from: u32, to: u32) -> Result<Vec<Command>, String> {
    let r = snap.region(region);
    let g: &AutoScalingGroup = r.autoscaling.groups.get(group).ok_or_else(|| format!("group {group} is gone"))?;
    let ip = model::instance::choose_private_ips(snap, region, subnet_id, 1).and_then(|v| v.into_iter().next()).ok_or_else(|| format!("no free address in {subnet_id}"))?;
    let id = format!("i-{}", hex(17));
    let now = crate::now_millis();
    let tags: Vec<(String, String)> = std::iter::once(("aws:autoscaling:groupName".to_string(), g.name.clone()))
        .chain(g.tags.iter().filter(|t| t.propagate_at_launch).map(|t| (t.key.clone(), t.value.clone())))
        .collect();
    let mut run = RunInstances {
        reservation_id: format!("r-{}", hex(17)),
        instances: vec![NewInstance { id: id.clone(), subnet_id: subnet_id.to_string(), private_ip: ip }],
        image_id: None,
        instance_type: None,
        user_data: None,
        key_name: None,
        security_group_ids: vec![],
        security_groups: vec![],
        tags,
        launch_template: None,
        now,
    };
    let mut instance_type = None;
    if let Some(lt) = &g.launch_template {
        let template = match (&lt.id, &lt.name) {
            (Some(id), _) => LaunchTemplateRef::Id(id.clone()),
            (None, Some(name)) => LaunchTemplateRef::Name(name.clone()),
            (None, None) => return Err(format!("group {group} names no launch template")),
        };
        instance_type = r.ec2.launch_template(&template).and_then(|t| t.version(Some(&lt.version))).and_then(|v| v.data.instance_type.clone());
        run.launch_template = Some(LaunchTemplateSpec { template, version: Some(lt.version.clone()) });
    } else if let Some(name) = &g.launch_configuration_name {
        let lc = r.autoscaling.launch_configurations.get(name).ok_or_else(|| format!("launch configuration {name} is gone"))?;
        run.image_id = Some(lc.image_id.clone());
        run.instance_type = Some(lc.instance_type.clone());
        run.user_data = lc.user_data.clone();
        run.key_name = lc.key_name.clone();
        instance_type = Some(lc.instance_type.clone());
    }
    let zone = r.ec2.subnets.get(subnet_id).map(|s| s.availability_zone.clone()).unwrap_or_default();
    let activity = activity_record(
        group,
        now,
        format!("Launching a new EC2 instance: {id}"),
        format!("At {} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from {from} to {to}.", iso(now)),
    );
    Ok(vec![
        Command::Ec2 { region: region.to_string(), op: Ec2Command::RunInstances(run) },
        Command::AutoScaling { region: region.to_string(), op: AutoScalingCommand::RecordInstanceLaunch { group: group.to_string(), instance_id: id, availability_zone: zone, instance_type, now } },
        Command::AutoScaling { region: region.to_string(), op: AutoScalingCommand::RecordActivity(activity) },
    ])
}
