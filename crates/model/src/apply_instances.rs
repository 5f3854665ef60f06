//! Instance and launch-template commands applied to one region (semantics from the EC2 API
//! reference pages RunInstances, StopInstances, StartInstances, TerminateInstances,
//! ModifyInstanceAttribute, CreateLaunchTemplate, CreateLaunchTemplateVersion,
//! ModifyLaunchTemplate, DeleteLaunchTemplate, and the EC2 "Error codes" page). See
//! [`crate::instance`] for the lifecycle and addressing.
//!
//! Every failure leaves the region untouched: `Snapshot::apply` works on a copy.

use std::collections::BTreeMap;

use crate::command::Ec2Command;
use crate::error::ModelError;
use crate::ids::Millis;
use crate::instance::{
    self, CreateLaunchTemplate, Instance, InstanceLaunchTemplate, InstanceState, LaunchTemplate,
    LaunchTemplateData, LaunchTemplateRef, LaunchTemplateVersion, RunInstances, StateReason,
    TERMINATED_VISIBLE_MS,
};
use crate::snapshot::RegionState;

/// Most versions one launch template may have (EC2 quota).
const MAX_VERSIONS: usize = 10_000;

fn ec2_err(code: &'static str, message: impl Into<String>) -> ModelError {
    ModelError::Ec2 {
        code,
        message: message.into(),
    }
}

/// `InvalidInstanceID.NotFound` for the ids, worded as EC2 words it.
pub(crate) fn instances_not_found(ids: &[&str]) -> ModelError {
    match ids {
        [one] => ec2_err(
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{one}' does not exist"),
        ),
        many => ec2_err(
            "InvalidInstanceID.NotFound",
            format!("The instance IDs '{}' do not exist", many.join(", ")),
        ),
    }
}

/// `InvalidLaunchTemplateId.NotFound` / `InvalidLaunchTemplateName.NotFoundException`.
pub(crate) fn template_not_found(r: &LaunchTemplateRef) -> ModelError {
    match r {
        LaunchTemplateRef::Id(id) => ec2_err(
            "InvalidLaunchTemplateId.NotFound",
            format!("The specified launch template, with template ID {id}, does not exist."),
        ),
        LaunchTemplateRef::Name(n) => ec2_err(
            "InvalidLaunchTemplateName.NotFoundException",
            format!("The specified launch template, with template name {n}, does not exist."),
        ),
    }
}

fn version_not_found(t: &LaunchTemplate, v: &str) -> ModelError {
    ec2_err(
        "InvalidLaunchTemplateId.VersionNotFound",
        format!(
            "Could not find launch template version {v} for launch template {}.",
            t.id
        ),
    )
}

/// Launch template names: 3–128 characters of `[A-Za-z0-9().\-/_]`.
pub fn is_valid_template_name(n: &str) -> bool {
    (3..=128).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"().-/_".contains(&b))
}

fn check_data(d: &LaunchTemplateData) -> Result<(), ModelError> {
    if let Some(i) = &d.image_id
        && !instance::is_valid_image_id(i)
    {
        return Err(malformed_ami(i));
    }
    if let Some(t) = &d.instance_type
        && !instance::is_valid_instance_type(t)
    {
        return Err(ModelError::invalid(
            "InstanceType",
            format!("Invalid value '{t}' for InstanceType."),
        ));
    }
    Ok(())
}

fn malformed_ami(id: &str) -> ModelError {
    ec2_err(
        "InvalidAMIID.Malformed",
        format!("Invalid id: \"{id}\" (expecting \"ami-...\")"),
    )
}

fn template_mut<'a>(
    r: &'a mut RegionState,
    t: &LaunchTemplateRef,
) -> Result<&'a mut LaunchTemplate, ModelError> {
    let id = r
        .ec2
        .launch_template(t)
        .map(|x| x.id.clone())
        .ok_or_else(|| template_not_found(t))?;
    r.ec2
        .launch_templates
        .get_mut(&id)
        .ok_or_else(|| template_not_found(t))
}

/// Applies the instance and launch-template commands; `None` for any other command.
pub(crate) fn apply(r: &mut RegionState, op: &Ec2Command) -> Option<Result<(), ModelError>> {
    Some(match op {
        Ec2Command::CreateLaunchTemplate(c) => create_template(r, c),
        Ec2Command::CreateLaunchTemplateVersion {
            template,
            source_version,
            description,
            data,
            now,
        } => (|| {
            check_data(data)?;
            let t = template_mut(r, template)?;
            let base = match source_version {
                Some(v) => t
                    .version(Some(v))
                    .ok_or_else(|| version_not_found(t, v))?
                    .data
                    .overlay(data),
                None => data.clone(),
            };
            if t.versions.len() >= MAX_VERSIONS {
                return Err(ec2_err(
                    "LaunchTemplateVersionLimitExceeded",
                    "The launch template has too many versions.",
                ));
            }
            t.latest_version += 1;
            t.versions.push(LaunchTemplateVersion {
                number: t.latest_version,
                description: description.clone(),
                data: base,
                created: *now,
            });
            Ok(())
        })(),
        Ec2Command::ModifyLaunchTemplate {
            template,
            default_version,
        } => (|| {
            let t = template_mut(r, template)?;
            if let Some(v) = default_version {
                let n = t
                    .version(Some(v))
                    .ok_or_else(|| version_not_found(t, v))?
                    .number;
                t.default_version = n;
            }
            Ok(())
        })(),
        Ec2Command::DeleteLaunchTemplate { template } => (|| {
            let id = template_mut(r, template)?.id.clone();
            r.ec2.launch_templates.remove(&id);
            r.ec2.created.remove(&id);
            Ok(())
        })(),
        Ec2Command::RunInstances(c) => run(r, c),
        Ec2Command::StopInstances { instance_ids, now } => {
            transition(r, instance_ids, *now, |i, now| match i.state {
                InstanceState::Running | InstanceState::Pending => {
                    i.state = InstanceState::Stopping;
                    i.state_reason = Some(StateReason::user_shutdown());
                    i.state_transition_reason =
                        format!("User initiated ({} GMT)", instance::gmt(now));
                    Ok(())
                }
                InstanceState::Stopping | InstanceState::Stopped => Ok(()),
                _ => Err(incorrect_state(&i.id, "stopped")),
            })
        }
        Ec2Command::StartInstances { instance_ids, now } => {
            transition(r, instance_ids, *now, |i, _| match i.state {
                InstanceState::Stopped => {
                    i.state = InstanceState::Pending;
                    i.state_reason = Some(StateReason::pending());
                    i.state_transition_reason = String::new();
                    Ok(())
                }
                InstanceState::Pending | InstanceState::Running => Ok(()),
                _ => Err(incorrect_state(&i.id, "started")),
            })
        }
        Ec2Command::TerminateInstances { instance_ids, now } => {
            transition(r, instance_ids, *now, |i, now| {
                match i.state {
                    InstanceState::Terminated | InstanceState::ShuttingDown => return Ok(()),
                    // Nothing runs: no shutdown to wait for.
                    InstanceState::Stopped => {
                        i.state = InstanceState::Terminated;
                        i.terminated_at = Some(now);
                    }
                    _ => i.state = InstanceState::ShuttingDown,
                }
                i.state_reason = Some(StateReason::user_shutdown());
                i.state_transition_reason = format!("User initiated ({} GMT)", instance::gmt(now));
                Ok(())
            })
        }
        Ec2Command::ModifyInstanceAttribute {
            instance_id,
            instance_type,
            user_data,
        } => (|| {
            let i = r
                .ec2
                .instances
                .get_mut(instance_id)
                .ok_or_else(|| instances_not_found(&[instance_id]))?;
            if i.state != InstanceState::Stopped {
                return Err(ec2_err(
                    "IncorrectInstanceState",
                    format!("The instance '{instance_id}' is not in the 'stopped' state."),
                ));
            }
            if let Some(t) = instance_type {
                if !instance::is_valid_instance_type(t) {
                    return Err(ModelError::invalid(
                        "InstanceType",
                        format!("Invalid value '{t}' for InstanceType."),
                    ));
                }
                i.instance_type = t.clone();
            }
            if let Some(u) = user_data {
                i.user_data = (!u.is_empty()).then(|| u.clone());
            }
            Ok(())
        })(),
        Ec2Command::SetInstanceState {
            id,
            state,
            reason,
            now,
        } => (|| {
            let i = r
                .ec2
                .instances
                .get_mut(id)
                .ok_or_else(|| instances_not_found(&[id]))?;
            if i.state == InstanceState::Terminated && *state != InstanceState::Terminated {
                return Err(incorrect_state(id, "changed"));
            }
            if i.state != InstanceState::Terminated && *state == InstanceState::Terminated {
                i.terminated_at = Some(*now);
            }
            i.state = *state;
            if reason.is_some() || *state == InstanceState::Running {
                i.state_reason = reason.clone();
            }
            if *state == InstanceState::Running {
                i.state_transition_reason = String::new();
            }
            forget_terminated(r, *now);
            Ok(())
        })(),
        Ec2Command::CreateImage(img) => create_image(r, img),
        Ec2Command::DeregisterImage { image_id } => {
            if r.ec2.images.remove(image_id).is_none() {
                return Some(Err(ec2_err("InvalidAMIID.NotFound", format!("The image id '[{image_id}]' does not exist"))));
            }
            Ok(())
        }
        _ => return None,
    })
}

fn incorrect_state(id: &str, verb: &str) -> ModelError {
    ec2_err(
        "IncorrectInstanceState",
        format!("The instance '{id}' is not in a state from which it can be {verb}."),
    )
}

/// Drops instances terminated at least [`TERMINATED_VISIBLE_MS`] before `now`.
fn forget_terminated(r: &mut RegionState, now: Millis) {
    let gone: Vec<String> = r
        .ec2
        .instances
        .values()
        .filter(|i| {
            i.terminated_at
                .is_some_and(|t| t.saturating_add(TERMINATED_VISIBLE_MS) <= now)
        })
        .map(|i| i.id.clone())
        .collect();
    for id in gone {
        r.ec2.instances.remove(&id);
        r.ec2.created.remove(&id);
    }
}

/// Changes each instance with `f`, all or nothing; unknown ids fail together.
fn transition(
    r: &mut RegionState,
    ids: &[String],
    now: Millis,
    f: impl Fn(&mut Instance, Millis) -> Result<(), ModelError>,
) -> Result<(), ModelError> {
    let missing: Vec<&str> = ids
        .iter()
        .filter(|id| !r.ec2.instances.contains_key(id.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(instances_not_found(&missing));
    }
    for id in ids {
        if let Some(i) = r.ec2.instances.get_mut(id) {
            f(i, now)?;
        }
    }
    forget_terminated(r, now);
    Ok(())
}

fn create_template(r: &mut RegionState, c: &CreateLaunchTemplate) -> Result<(), ModelError> {
    if r.ec2.launch_templates.contains_key(&c.id) {
        return Err(ModelError::InvalidConfiguration(format!(
            "The id '{}' is already in use; retry the request",
            c.id
        )));
    }
    if !is_valid_template_name(&c.name) {
        return Err(ec2_err(
            "InvalidLaunchTemplateName.MalformedException",
            format!(
                "The launch template name '{}' is not valid: use 3 to 128 characters of letters, digits and ( ) . - / _",
                c.name
            ),
        ));
    }
    if r.ec2.launch_templates.values().any(|t| t.name == c.name) {
        return Err(ec2_err(
            "InvalidLaunchTemplateName.AlreadyExistsException",
            format!("Launch template name already in use: {}", c.name),
        ));
    }
    check_data(&c.data)?;
    let mut tags = BTreeMap::new();
    for (k, v) in &c.tags {
        tags.insert(k.clone(), v.clone());
    }
    r.ec2.launch_templates.insert(
        c.id.clone(),
        LaunchTemplate {
            id: c.id.clone(),
            name: c.name.clone(),
            created: c.now,
            default_version: 1,
            latest_version: 1,
            versions: vec![LaunchTemplateVersion {
                number: 1,
                description: c.description.clone(),
                data: c.data.clone(),
                created: c.now,
            }],
            tags,
        },
    );
    r.ec2.created.insert(c.id.clone(), c.now);
    Ok(())
}

fn run(r: &mut RegionState, c: &RunInstances) -> Result<(), ModelError> {
    if c.instances.is_empty() {
        return Err(ModelError::invalid(
            "MinCount",
            "Value (0) for parameter minCount is invalid. Expected a value greater than or equal to 1.",
        ));
    }
    // The template's data, overridden by the request's members.
    let (data, launch_template) = match &c.launch_template {
        Some(spec) => {
            let t = r
                .ec2
                .launch_template(&spec.template)
                .ok_or_else(|| template_not_found(&spec.template))?;
            let v = t.version(spec.version.as_deref()).ok_or_else(|| {
                version_not_found(t, spec.version.as_deref().unwrap_or("$Default"))
            })?;
            (
                v.data.clone(),
                Some(InstanceLaunchTemplate {
                    id: t.id.clone(),
                    version: v.number,
                }),
            )
        }
        None => (LaunchTemplateData::default(), None),
    };
    let request = LaunchTemplateData {
        image_id: c.image_id.clone(),
        instance_type: c.instance_type.clone(),
        user_data: c.user_data.clone(),
        key_name: c.key_name.clone(),
        security_group_ids: c.security_group_ids.clone(),
        security_groups: c.security_groups.clone(),
        tag_specifications: Vec::new(),
        other: BTreeMap::new(),
    };
    let data = data.overlay(&request);
    check_data(&data)?;
    let image_id = data.image_id.clone().ok_or_else(|| {
        ec2_err(
            "MissingParameter",
            "The request must contain the parameter ImageId",
        )
    })?;
    let instance_type = data
        .instance_type
        .clone()
        .unwrap_or_else(|| instance::DEFAULT_INSTANCE_TYPE.to_string());
    let mut tags: BTreeMap<String, String> = data.tags_for("instance").into_iter().collect();
    tags.extend(c.tags.iter().cloned());
    for n in &c.instances {
        if r.ec2.instances.contains_key(&n.id) {
            return Err(ModelError::InvalidConfiguration(format!(
                "The id '{}' is already in use; retry the request",
                n.id
            )));
        }
        let taken = r
            .ec2
            .instances
            .values()
            .any(|i| i.state != InstanceState::Terminated && i.private_ip == n.private_ip)
            || c.instances
                .iter()
                .filter(|m| m.private_ip == n.private_ip)
                .count()
                > 1;
        if taken {
            return Err(ec2_err(
                "InvalidIPAddress.InUse",
                format!("Address {} is in use.", n.private_ip),
            ));
        }
    }
    let mut new = Vec::with_capacity(c.instances.len());
    for (index, n) in c.instances.iter().enumerate() {
        let s = r.ec2.subnets.get(&n.subnet_id).ok_or_else(|| {
            ModelError::not_found(crate::error::ResourceKind::Subnet, &n.subnet_id)
        })?;
        let mut groups = Vec::new();
        for g in &data.security_group_ids {
            let sg = r.ec2.security_groups.get(g).ok_or_else(|| {
                ModelError::not_found(crate::error::ResourceKind::SecurityGroup, g)
            })?;
            if sg.vpc_id != s.vpc_id {
                return Err(ModelError::invalid(
                    "SecurityGroupId",
                    format!(
                        "Security group {g} and subnet {} belong to different networks.",
                        s.id
                    ),
                ));
            }
            groups.push(g.clone());
        }
        for name in &data.security_groups {
            let sg = r
                .ec2
                .security_groups
                .values()
                .find(|g| &g.name == name && g.vpc_id == s.vpc_id)
                .ok_or_else(|| {
                    ModelError::not_found(crate::error::ResourceKind::SecurityGroup, name)
                })?;
            groups.push(sg.id.clone());
        }
        if groups.is_empty()
            && let Some(v) = r.ec2.vpcs.get(&s.vpc_id)
        {
            groups.push(v.default_security_group_id.clone());
        }
        groups.dedup();
        new.push(Instance {
            id: n.id.clone(),
            reservation_id: c.reservation_id.clone(),
            ami_launch_index: index as u32,
            image_id: image_id.clone(),
            instance_type: instance_type.clone(),
            state: InstanceState::Pending,
            state_reason: Some(StateReason::pending()),
            state_transition_reason: String::new(),
            private_ip: n.private_ip,
            subnet_id: s.id.clone(),
            vpc_id: s.vpc_id.clone(),
            availability_zone: s.availability_zone.clone(),
            launch_time: c.now,
            user_data: data.user_data.clone().filter(|u| !u.is_empty()),
            key_name: data.key_name.clone(),
            tags: tags.clone(),
            launch_template: launch_template.clone(),
            security_group_ids: groups,
            terminated_at: None,
        });
    }
    for i in new {
        r.ec2.created.insert(i.id.clone(), c.now);
        r.ec2.instances.insert(i.id.clone(), i);
    }
    forget_terminated(r, c.now);
    Ok(())
}


/// `CreateImage`: `InvalidInstanceID.NotFound`,
/// `IncorrectInstanceState` for a terminated instance, `InvalidAMIName.Duplicate`.
fn create_image(r: &mut RegionState, img: &crate::instance::RegisteredImage) -> Result<(), ModelError> {
    let i = r
        .ec2
        .instances
        .get(&img.source_instance_id)
        .ok_or_else(|| ec2_err("InvalidInstanceID.NotFound", format!("The instance ID '{}' does not exist", img.source_instance_id)))?;
    if matches!(i.state, InstanceState::ShuttingDown | InstanceState::Terminated) {
        return Err(incorrect_state(&i.id, "imaged"));
    }
    if let Some(other) = r.ec2.images.values().find(|x| x.name == img.name) {
        return Err(ec2_err("InvalidAMIName.Duplicate", format!("AMI name {} is already in use by AMI {}", img.name, other.id)));
    }
    r.ec2.images.insert(img.id.clone(), img.clone());
    Ok(())
}

#[cfg(test)]
mod tests;
