//! RunInstances, DescribeInstances, DescribeInstanceStatus, StopInstances, StartInstances,
//! TerminateInstances, DescribeInstanceAttribute, ModifyInstanceAttribute, DescribeImages,
//! GetConsoleOutput (EC2 API reference pages of the same names; output shapes `Reservation`,
//! `Instance`, `InstanceStateChange`, `InstanceStatus`, `InstanceAttribute`, `Image`). See
//! `model::instance` for images, addresses and the lifecycle.

use std::collections::BTreeMap;

use base64::Engine as _;
use model::instance::{
    self, Instance, InstanceState, LaunchTemplateSpec, NewInstance, RunInstances,
};
use model::{Ec2Command, ResourceKind};

use super::filters::{self, one};
use super::launch_templates::template_ref;
use super::{
    check_dry_run, int, invalid, list, missing, owner, paginate, required, structs, submit,
    tag_list, tag_set,
};
use crate::error::ApiError;
use crate::xml::{Xml, timestamp};
use crate::{Api, Request, ids};

/// Most instances one RunInstances launches (elbow's instance quota per request).
const MAX_LAUNCH: i64 = 100;

fn instance_state(x: &mut Xml, tag: &str, s: InstanceState) {
    x.elem(tag, |x| {
        x.text("code", s.code().to_string())
            .text("name", s.as_str());
    });
}

/// `ip-127-100-0-1.ec2.internal` (us-east-1) or `ip-….<region>.compute.internal`.
fn private_dns(region: &str, i: &Instance) -> String {
    let ip = i.private_ip.to_string().replace('.', "-");
    if region == "us-east-1" {
        format!("ip-{ip}.ec2.internal")
    } else {
        format!("ip-{ip}.{region}.compute.internal")
    }
}

/// Tags as EC2 reports them: the instance's, plus `aws:ec2launchtemplate:id`/`version` for an
/// instance launched from a template.
fn reported_tags(i: &Instance) -> BTreeMap<String, String> {
    let mut t = i.tags.clone();
    if let Some(lt) = &i.launch_template {
        t.insert("aws:ec2launchtemplate:id".into(), lt.id.clone());
        t.insert(
            "aws:ec2launchtemplate:version".into(),
            lt.version.to_string(),
        );
    }
    t
}

/// One `Instance` element body.
fn render(x: &mut Xml, api: &Api, region: &str, r: &model::RegionState, i: &Instance) {
    let alive = i.state != InstanceState::Terminated;
    x.text("instanceId", &i.id).text("imageId", &i.image_id);
    instance_state(x, "instanceState", i.state);
    x.text(
        "privateDnsName",
        if alive {
            private_dns(region, i)
        } else {
            String::new()
        },
    )
    .text("dnsName", "")
    .text("reason", &i.state_transition_reason)
    .opt("keyName", i.key_name.as_deref())
    .text("amiLaunchIndex", i.ami_launch_index.to_string())
    .list("productCodes", "item", std::iter::empty::<()>(), |_, _| {})
    .text("instanceType", &i.instance_type)
    .text("launchTime", timestamp(i.launch_time))
    .elem("placement", |x| {
        x.text("availabilityZone", &i.availability_zone)
            .text("groupName", "")
            .text("tenancy", "default");
    })
    .elem("monitoring", |x| {
        x.text("state", "disabled");
    });
    if alive {
        x.text("subnetId", &i.subnet_id)
            .text("vpcId", &i.vpc_id)
            .text("privateIpAddress", i.private_ip.to_string());
    }
    x.text("sourceDestCheck", "true")
        .list("groupSet", "item", &i.security_group_ids, |x, g| {
            x.text("groupId", g).opt(
                "groupName",
                r.ec2.security_groups.get(g).map(|s| s.name.as_str()),
            );
        });
    if let Some(s) = &i.state_reason {
        x.elem("stateReason", |x| {
            x.text("code", &s.code).text("message", &s.message);
        });
    }
    x.text("architecture", "x86_64")
        .text("rootDeviceType", "ebs")
        .text("rootDeviceName", "/dev/xvda")
        .list(
            "blockDeviceMapping",
            "item",
            std::iter::empty::<()>(),
            |_, _| {},
        )
        .text("virtualizationType", "hvm")
        .text("hypervisor", "xen")
        .text("ebsOptimized", "false")
        .text("enaSupport", "true")
        .text("platformDetails", "Linux/UNIX")
        .text("usageOperation", "RunInstances")
        .text("bootMode", "uefi-preferred");
    if alive {
        x.list("networkInterfaceSet", "item", [()], |x, ()| {
            x.text("subnetId", &i.subnet_id)
                .text("vpcId", &i.vpc_id)
                .text("ownerId", owner(api))
                .text("status", "in-use")
                .text("privateIpAddress", i.private_ip.to_string())
                .text("privateDnsName", private_dns(region, i))
                .text("sourceDestCheck", "true")
                .list("groupSet", "item", &i.security_group_ids, |x, g| {
                    x.text("groupId", g).opt(
                        "groupName",
                        r.ec2.security_groups.get(g).map(|s| s.name.as_str()),
                    );
                })
                .text("interfaceType", "interface");
        });
    }
    tag_set(x, &reported_tags(i));
}

/// `InvalidInstanceID.Malformed` unless every id looks like `i-` + hex.
fn check_ids(ids: &[String]) -> Result<(), ApiError> {
    for id in ids {
        let ok = id.strip_prefix("i-").is_some_and(|h| {
            !h.is_empty() && h.len() <= 17 && h.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !ok {
            return Err(ApiError::new(
                "InvalidInstanceID.Malformed",
                format!("Invalid id: \"{id}\""),
            ));
        }
    }
    Ok(())
}

/// The instances named by `ids`. Errors: `InvalidInstanceID.Malformed`/`.NotFound`.
fn by_ids<'a>(r: &'a model::RegionState, ids: &[String]) -> Result<Vec<&'a Instance>, ApiError> {
    check_ids(ids)?;
    let missing_ids: Vec<&str> = ids
        .iter()
        .filter(|id| !r.ec2.instances.contains_key(id.as_str()))
        .map(String::as_str)
        .collect();
    if !missing_ids.is_empty() {
        return Err(match missing_ids.as_slice() {
            [one] => ApiError::new(
                "InvalidInstanceID.NotFound",
                format!("The instance ID '{one}' does not exist"),
            ),
            many => ApiError::new(
                "InvalidInstanceID.NotFound",
                format!("The instance IDs '{}' do not exist", many.join(", ")),
            ),
        });
    }
    let mut out: Vec<&Instance> = ids
        .iter()
        .filter_map(|id| r.ec2.instances.get(id))
        .collect();
    out.dedup_by(|a, b| a.id == b.id);
    Ok(out)
}

/// All instances in launch order.
fn all_sorted(r: &model::RegionState) -> Vec<&Instance> {
    let mut v: Vec<&Instance> = r.ec2.instances.values().collect();
    v.sort_by(|a, b| {
        (a.launch_time, &a.reservation_id, a.ami_launch_index).cmp(&(
            b.launch_time,
            &b.reservation_id,
            b.ami_launch_index,
        ))
    });
    v
}

/// `InvalidAMIID.Malformed` unless `id` is a well-formed image id.
fn check_image(id: &str) -> Result<(), ApiError> {
    if instance::is_valid_image_id(id) {
        Ok(())
    } else {
        Err(ApiError::new(
            "InvalidAMIID.Malformed",
            format!("Invalid id: \"{id}\" (expecting \"ami-...\")"),
        ))
    }
}

/// `RunInstances`: `ImageId`, `InstanceType`, `MinCount`, `MaxCount`, `UserData` (base64),
/// `KeyName`, `SubnetId` (or `NetworkInterface.1.SubnetId`; default: the default VPC's subnet
/// in `Placement.AvailabilityZone` or the first zone), `SecurityGroupId.N`, `SecurityGroup.N`,
/// `LaunchTemplate.{LaunchTemplateId|LaunchTemplateName,Version}`, `TagSpecification.N`
/// (`instance`; other resource types are accepted and ignored). Output: the `Reservation`.
///
/// Errors: `MissingParameter`; `InvalidParameterValue` (counts, user data not base64);
/// `InvalidAMIID.Malformed`; `InvalidSubnetID.NotFound`; `InvalidGroup.NotFound`; the launch
/// template's `…NotFound`/`VersionNotFound`; `InstanceLimitExceeded` above 100 instances.
pub(crate) async fn run(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let min = int(p, "MinCount")?.ok_or_else(|| missing("MinCount"))?;
    let max = int(p, "MaxCount")?.ok_or_else(|| missing("MaxCount"))?;
    if min < 1 {
        return Err(invalid(format!(
            "Value ({min}) for parameter minCount is invalid. Expected a value greater than or equal to 1."
        )));
    }
    if max < min {
        return Err(invalid(format!(
            "Value ({max}) for parameter maxCount is invalid. Expected a value greater than or equal to minCount ({min})."
        )));
    }
    if min > MAX_LAUNCH {
        return Err(ApiError::new(
            "InstanceLimitExceeded",
            format!(
                "You have requested more instances ({min}) than your current instance limit of {MAX_LAUNCH} allows for the specified instance type."
            ),
        ));
    }
    let count = max.min(MAX_LAUNCH) as usize;
    let image_id = p
        .get("ImageId")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(i) = &image_id {
        check_image(i)?;
    }
    let user_data = p.get("UserData").map(str::to_string);
    if let Some(u) = &user_data
        && base64::engine::general_purpose::STANDARD
            .decode(u.trim())
            .is_err()
    {
        return Err(invalid("Invalid BASE64 encoding of user data."));
    }
    let lt = p.sub("LaunchTemplate");
    let launch_template = if lt.pairs().next().is_some() {
        Some(LaunchTemplateSpec {
            template: template_ref(&lt)?,
            version: lt.get("Version").map(str::to_string),
        })
    } else {
        None
    };
    let nic = structs(p, "NetworkInterface")?.into_iter().next();
    let mut security_group_ids = list(p, "SecurityGroupId")?;
    if let Some(n) = &nic {
        security_group_ids.extend(list(n, "SecurityGroupId")?);
    }
    let mut tags = Vec::new();
    for spec in structs(p, "TagSpecification")? {
        match spec.get("ResourceType") {
            Some("instance") => tags.extend(tag_list(&spec)?),
            Some(_) => {}
            None => return Err(missing("TagSpecification.N.ResourceType")),
        }
    }
    let subnet_param = p
        .get("SubnetId")
        .or(nic.as_ref().and_then(|n| n.get("SubnetId")))
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let zone = p
        .get("Placement.AvailabilityZone")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let reservation_id = ids::ec2("r");
    let instance_ids: Vec<String> = (0..count).map(|_| ids::ec2("i")).collect();
    // Addresses are chosen from the current snapshot; a concurrent launch may take one first,
    // which apply refuses (`InvalidIPAddress.InUse`): choose again.
    let mut attempt = 0;
    let snap = loop {
        let current = api.state.current();
        let r = current.region(&req.region);
        let subnet_id = match (&subnet_param, &zone) {
            (Some(s), _) => {
                if !r.ec2.subnets.contains_key(s) {
                    return Err(super::not_found(ResourceKind::Subnet, &[s.as_str()]));
                }
                s.clone()
            }
            (None, Some(z)) => {
                let vpc = r
                    .ec2
                    .default_vpc()
                    .map(|v| v.id.clone())
                    .unwrap_or_default();
                r.ec2
                    .subnets
                    .values()
                    .find(|s| s.vpc_id == vpc && &s.availability_zone == z)
                    .map(|s| s.id.clone())
                    .ok_or_else(|| invalid(format!("Invalid availability zone: [{z}]")))?
            }
            (None, None) => r
                .ec2
                .default_instance_subnet()
                .map(str::to_string)
                .ok_or_else(|| {
                    ApiError::new("VPCIdNotSpecified", "No default VPC for this user")
                })?,
        };
        let ips = instance::choose_private_ips(&current, &req.region, &subnet_id, count)
            .ok_or_else(|| {
                ApiError::new(
                    "InsufficientFreeAddressesInSubnet",
                    format!(
                        "The specified subnet {subnet_id} does not have enough free addresses."
                    ),
                )
            })?;
        let op = Ec2Command::RunInstances(RunInstances {
            reservation_id: reservation_id.clone(),
            instances: instance_ids
                .iter()
                .zip(ips)
                .map(|(id, ip)| NewInstance {
                    id: id.clone(),
                    subnet_id: subnet_id.clone(),
                    private_ip: ip,
                })
                .collect(),
            image_id: image_id.clone(),
            instance_type: p
                .get("InstanceType")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            user_data: user_data.clone(),
            key_name: p.get("KeyName").map(str::to_string),
            security_group_ids: security_group_ids.clone(),
            security_groups: list(p, "SecurityGroup")?,
            tags: tags.clone(),
            launch_template: launch_template.clone(),
            now: state::now_millis(),
        });
        match submit(api, req, op).await {
            Err(e) if e.code == "InvalidIPAddress.InUse" && attempt < 3 => attempt += 1,
            other => break other?,
        }
    };
    let r = snap.region(&req.region);
    let launched: Vec<&Instance> = instance_ids
        .iter()
        .filter_map(|id| r.ec2.instances.get(id))
        .collect();
    x.text("reservationId", &reservation_id)
        .text("ownerId", owner(api))
        .list("groupSet", "item", std::iter::empty::<()>(), |_, _| {})
        .list("instancesSet", "item", launched, |x, i| {
            render(x, api, &req.region, &r, i)
        });
    Ok(())
}

/// Filter names of DescribeInstances.
const FILTERS: &[&str] = &[
    "instance-id",
    "instance-state-name",
    "instance-state-code",
    "instance-type",
    "image-id",
    "subnet-id",
    "vpc-id",
    "availability-zone",
    "private-ip-address",
    "network-interface.addresses.private-ip-address",
    "private-dns-name",
    "reservation-id",
    "key-name",
    "launch-time",
    "owner-id",
    "instance.group-id",
    "group-id",
];

fn field(api: &Api, region: &str, i: &Instance, name: &str) -> Vec<String> {
    match name {
        "instance-id" => one(&i.id),
        "instance-state-name" => one(i.state.as_str()),
        "instance-state-code" => one(i.state.code().to_string()),
        "instance-type" => one(&i.instance_type),
        "image-id" => one(&i.image_id),
        "subnet-id" => one(&i.subnet_id),
        "vpc-id" => one(&i.vpc_id),
        "availability-zone" => one(&i.availability_zone),
        "private-ip-address" | "network-interface.addresses.private-ip-address" => {
            one(i.private_ip.to_string())
        }
        "private-dns-name" => one(private_dns(region, i)),
        "reservation-id" => one(&i.reservation_id),
        "key-name" => i.key_name.clone().into_iter().collect(),
        "launch-time" => one(timestamp(i.launch_time)),
        "owner-id" => one(owner(api)),
        "instance.group-id" | "group-id" => i.security_group_ids.clone(),
        _ => vec![],
    }
}

/// `DescribeInstances`: `InstanceId.N`, `Filter.N` (see `FILTERS`, the tag filters),
/// `MaxResults` (5–1000, not with `InstanceId`), `NextToken`. Output `reservationSet` (one
/// item per reservation of the page), `nextToken`.
///
/// Errors: `InvalidInstanceID.NotFound`/`.Malformed`; `InvalidParameterValue`;
/// `InvalidParameterCombination` for `MaxResults` with `InstanceId`.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let wanted = list(p, "InstanceId")?;
    if !wanted.is_empty() && p.has("MaxResults") {
        return Err(ApiError::new(
            "InvalidParameterCombination",
            "The parameter instancesSet cannot be used with the parameter maxResults",
        ));
    }
    let filters = filters::decode(p, FILTERS)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let mut items = if wanted.is_empty() {
        all_sorted(&r)
    } else {
        by_ids(&r, &wanted)?
    };
    filters::retain(
        &mut items,
        &filters,
        |i| Some(&i.tags),
        |i, name| field(api, &req.region, i, name),
    );
    let (page, next) = paginate(items, p, 5, 1000)?;
    check_dry_run(p)?;
    // Consecutive instances of one reservation share an item.
    let mut groups: Vec<(String, Vec<&Instance>)> = Vec::new();
    for i in page {
        match groups.iter_mut().find(|(id, _)| *id == i.reservation_id) {
            Some((_, v)) => v.push(i),
            None => groups.push((i.reservation_id.clone(), vec![i])),
        }
    }
    x.list("reservationSet", "item", groups, |x, (rid, instances)| {
        x.text("reservationId", &rid)
            .text("ownerId", owner(api))
            .list("groupSet", "item", std::iter::empty::<()>(), |_, _| {})
            .list("instancesSet", "item", instances, |x, i| {
                render(x, api, &req.region, &r, i)
            });
    })
    .opt("nextToken", next);
    Ok(())
}

/// Filter names of DescribeInstanceStatus.
const STATUS_FILTERS: &[&str] = &[
    "availability-zone",
    "instance-state-name",
    "instance-state-code",
    "instance-status.status",
    "system-status.status",
];

fn status_of(s: InstanceState) -> (&'static str, &'static str) {
    match s {
        InstanceState::Running => ("ok", "passed"),
        InstanceState::Pending => ("initializing", "initializing"),
        _ => ("not-applicable", "not-applicable"),
    }
}

/// `DescribeInstanceStatus`: `InstanceId.N`, `IncludeAllInstances` (default: running
/// instances only), `Filter.N`, `MaxResults` (5–1000), `NextToken`. Output `instanceStatusSet`.
/// Instance and system status are `ok` while running (elbow has no hardware to fail).
pub(crate) fn describe_status(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let wanted = list(p, "InstanceId")?;
    let all = super::boolean(p, "IncludeAllInstances")?.unwrap_or(false);
    let filters = filters::decode(p, STATUS_FILTERS)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let mut items = if wanted.is_empty() {
        all_sorted(&r)
    } else {
        by_ids(&r, &wanted)?
    };
    items.retain(|i| all || i.state == InstanceState::Running);
    filters::retain(
        &mut items,
        &filters,
        |_| None,
        |i, name| match name {
            "availability-zone" => one(&i.availability_zone),
            "instance-state-name" => one(i.state.as_str()),
            "instance-state-code" => one(i.state.code().to_string()),
            "instance-status.status" | "system-status.status" => one(status_of(i.state).0),
            _ => vec![],
        },
    );
    let (page, next) = paginate(items, p, 5, 1000)?;
    check_dry_run(p)?;
    x.list("instanceStatusSet", "item", page, |x, i| {
        let (status, detail) = status_of(i.state);
        x.text("instanceId", &i.id)
            .text("availabilityZone", &i.availability_zone);
        instance_state(x, "instanceState", i.state);
        for tag in ["systemStatus", "instanceStatus"] {
            x.elem(tag, |x| {
                x.text("status", status)
                    .list("details", "item", [()], |x, ()| {
                        x.text("name", "reachability").text("status", detail);
                    });
            });
        }
    })
    .opt("nextToken", next);
    Ok(())
}

/// `StopInstances`, `StartInstances`, `TerminateInstances`: `InstanceId.N`. Output
/// `instancesSet` of `InstanceStateChange` (`currentState`, `previousState`).
///
/// Errors: `MissingParameter`; `InvalidInstanceID.NotFound`/`.Malformed`;
/// `IncorrectInstanceState`.
pub(crate) async fn change_state(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let instance_ids = list(p, "InstanceId")?;
    if instance_ids.is_empty() {
        return Err(missing("InstanceId"));
    }
    let before = {
        let current = api.state.current();
        let r = current.region(&req.region);
        by_ids(&r, &instance_ids)?
            .into_iter()
            .map(|i| (i.id.clone(), i.state))
            .collect::<Vec<_>>()
    };
    let now = state::now_millis();
    let op = match req.action.as_str() {
        "StopInstances" => Ec2Command::StopInstances { instance_ids, now },
        "StartInstances" => Ec2Command::StartInstances { instance_ids, now },
        _ => Ec2Command::TerminateInstances { instance_ids, now },
    };
    let snap = submit(api, req, op).await?;
    let r = snap.region(&req.region);
    x.list("instancesSet", "item", before, |x, (id, prev)| {
        let cur = r
            .ec2
            .instances
            .get(&id)
            .map_or(InstanceState::Terminated, |i| i.state);
        x.text("instanceId", &id);
        instance_state(x, "currentState", cur);
        instance_state(x, "previousState", prev);
    });
    Ok(())
}

/// `DescribeInstanceAttribute`: `InstanceId`, `Attribute` (`instanceType`, `userData`,
/// `groupSet`, `disableApiTermination`, `disableApiStop`, `instanceInitiatedShutdownBehavior`,
/// `rootDeviceName`, `sourceDestCheck`, `ebsOptimized`, `enaSupport`).
pub(crate) fn describe_attribute(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let id = required(p, "InstanceId")?.to_string();
    let attribute = required(p, "Attribute")?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let i = by_ids(&r, std::slice::from_ref(&id))?[0];
    check_dry_run(p)?;
    x.text("instanceId", &i.id);
    let value = |x: &mut Xml, tag: &str, v: &str| {
        x.elem(tag, |x| {
            x.text("value", v);
        });
    };
    match attribute {
        "instanceType" => value(x, "instanceType", &i.instance_type),
        "userData" => match &i.user_data {
            Some(u) => value(x, "userData", u),
            None => {
                x.elem("userData", |_| {});
            }
        },
        "groupSet" => {
            x.list("groupSet", "item", &i.security_group_ids, |x, g| {
                x.text("groupId", g).opt(
                    "groupName",
                    r.ec2.security_groups.get(g).map(|s| s.name.as_str()),
                );
            });
        }
        "disableApiTermination" => value(x, "disableApiTermination", "false"),
        "disableApiStop" => value(x, "disableApiStop", "false"),
        "instanceInitiatedShutdownBehavior" => {
            value(x, "instanceInitiatedShutdownBehavior", "stop")
        }
        "rootDeviceName" => value(x, "rootDeviceName", "/dev/xvda"),
        "sourceDestCheck" => value(x, "sourceDestCheck", "true"),
        "ebsOptimized" => value(x, "ebsOptimized", "false"),
        "enaSupport" => value(x, "enaSupport", "true"),
        other => {
            return Err(invalid(format!(
                "Value ({other}) for parameter attribute is invalid. elbow reports instanceType, userData, groupSet, disableApiTermination, disableApiStop, instanceInitiatedShutdownBehavior, rootDeviceName, sourceDestCheck, ebsOptimized and enaSupport."
            )));
        }
    }
    Ok(())
}

/// `ModifyInstanceAttribute`: `InstanceId` and `InstanceType.Value`, `UserData.Value`, or
/// `Attribute` (`instanceType`|`userData`) with `Value`. Only while the instance is stopped,
/// as on EC2. Output `return`.
///
/// Errors: `IncorrectInstanceState`; `InvalidParameterValue` for other attributes.
pub(crate) async fn modify_attribute(
    api: &Api,
    req: &Request,
    x: &mut Xml,
) -> Result<(), ApiError> {
    let p = &req.params;
    let instance_id = required(p, "InstanceId")?.to_string();
    check_ids(std::slice::from_ref(&instance_id))?;
    let mut instance_type = p.get("InstanceType.Value").map(str::to_string);
    let mut user_data = p.get("UserData.Value").map(str::to_string);
    match p.get("Attribute") {
        None => {}
        Some("instanceType") => instance_type = Some(required(p, "Value")?.to_string()),
        Some("userData") => user_data = Some(p.get("Value").unwrap_or("").to_string()),
        Some(a) => {
            return Err(invalid(format!(
                "elbow cannot modify the attribute '{a}' (only instanceType and userData)"
            )));
        }
    }
    if instance_type.is_none() && user_data.is_none() {
        return Err(missing("InstanceType.Value or UserData.Value"));
    }
    submit(
        api,
        req,
        Ec2Command::ModifyInstanceAttribute {
            instance_id,
            instance_type,
            user_data,
        },
    )
    .await?;
    super::ok(x);
    Ok(())
}

/// Filter names of DescribeImages.
const IMAGE_FILTERS: &[&str] = &[
    "image-id",
    "name",
    "state",
    "architecture",
    "owner-alias",
    "is-public",
    "image-type",
];

/// `DescribeImages`: `ImageId.N`, `Owner.N` (`self`: images made by CreateImage; `amazon`:
/// elbow's catalogue), `Filter.N`. Output `imagesSet`. Lists elbow's catalogue and the images
/// made by CreateImage; any other well-formed image id asked for by `ImageId` is described as
/// the plain image (see `model::instance`).
///
/// Errors: `InvalidAMIID.Malformed`.
pub(crate) fn describe_images(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    /// (id, name, description, made by CreateImage, creation time).
    type Row = (String, String, String, bool, Option<u64>);
    let p = &req.params;
    let wanted = list(p, "ImageId")?;
    for id in &wanted {
        check_image(id)?;
    }
    let owners = list(p, "Owner")?;
    let filters = filters::decode(p, IMAGE_FILTERS)?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let base = instance::IMAGES[0];
    let catalogue = |i: &instance::Image| -> Row { (i.id.to_string(), i.name.to_string(), i.description.to_string(), false, None) };
    let registered = |i: &instance::RegisteredImage| -> Row { (i.id.clone(), i.name.clone(), i.description.clone().unwrap_or_default(), true, Some(i.created_at)) };
    let mut images: Vec<Row> = if wanted.is_empty() {
        instance::IMAGES.iter().map(catalogue).chain(region.ec2.images.values().map(registered)).collect()
    } else {
        wanted
            .iter()
            .map(|id| match region.ec2.images.get(id) {
                Some(i) => registered(i),
                None => {
                    let known = instance::IMAGES.iter().find(|i| i.id == id).copied().unwrap_or(base);
                    (id.clone(), known.name.to_string(), known.description.to_string(), false, None)
                }
            })
            .collect()
    };
    images.dedup_by(|a, b| a.0 == b.0);
    let account = owner(api).to_string();
    if !owners.is_empty() {
        images.retain(|(_, _, _, own, _)| owners.iter().any(|o| if *own { o == "self" || *o == account } else { o == "amazon" }));
    }
    filters::retain(
        &mut images,
        &filters,
        |_| None,
        |(id, name, _, own, _), f| match f {
            "image-id" => one(id),
            "name" => one(name),
            "state" => one("available"),
            "architecture" => one("x86_64"),
            "owner-alias" => if *own { vec![] } else { one("amazon") },
            "is-public" => one(if *own { "false" } else { "true" }),
            "image-type" => one("machine"),
            _ => vec![],
        },
    );
    check_dry_run(p)?;
    x.list("imagesSet", "item", images, |x, (id, name, description, own, created)| {
        x.text("imageId", &id)
            .text("imageLocation", if own { format!("{account}/{name}") } else { format!("amazon/{name}") })
            .text("imageState", "available")
            .text("imageOwnerId", owner(api))
            .text("creationDate", created.map(timestamp).unwrap_or_else(|| "2024-01-01T00:00:00.000Z".into()))
            .text("isPublic", if own { "false" } else { "true" })
            .text("architecture", "x86_64")
            .text("imageType", "machine");
        if !own {
            x.text("imageOwnerAlias", "amazon");
        }
        x.text("name", &name)
            .text("description", &description)
            .text("rootDeviceType", "ebs")
            .text("rootDeviceName", "/dev/xvda")
            .text("virtualizationType", "hvm")
            .text("hypervisor", "xen")
            .text("platformDetails", "Linux/UNIX")
            .text("usageOperation", "RunInstances");
    });
    Ok(())
}

/// EC2 returns at most the last 64 KiB of console output.
const CONSOLE_MAX: usize = 64 * 1024;

/// `GetConsoleOutput`: `InstanceId`, `Latest`. Output `instanceId`, `timestamp`, `output`
/// (base64): the tail of `<console_dir>/<id>/console.log` when the api knows the directory,
/// otherwise empty.
pub(crate) fn console_output(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let id = required(p, "InstanceId")?.to_string();
    let snap = api.state.current();
    let r = snap.region(&req.region);
    by_ids(&r, std::slice::from_ref(&id))?;
    check_dry_run(p)?;
    let bytes = api
        .config
        .console_dir
        .as_ref()
        .and_then(|d| std::fs::read(d.join(&id).join("console.log")).ok())
        .unwrap_or_default();
    let tail = &bytes[bytes.len().saturating_sub(CONSOLE_MAX)..];
    x.text("instanceId", &id)
        .text("timestamp", timestamp(state::now_millis()));
    if !tail.is_empty() {
        x.text(
            "output",
            base64::engine::general_purpose::STANDARD.encode(tail),
        );
    }
    Ok(())
}
