//! EC2 instances and launch templates as records (EC2 API reference data types `Instance`,
//! `InstanceState`, `StateReason`, `LaunchTemplate`, `LaunchTemplateVersion`,
//! `ResponseLaunchTemplateData`). The model keeps what the API reports; running an instance
//! (its processes) is the job of the instance supervisor, which reports state changes back
//! with [`crate::Ec2Command::SetInstanceState`].
//!
//! **Images.** elbow has one kind of image: "run the user data with `/bin/sh` on this machine".
//! Any well-formed image id (`ami-` + 8 or 17 hex digits, [`is_valid_image_id`]) is accepted
//! and means that plain image; [`IMAGES`] is the small catalogue `DescribeImages` lists.
//!
//! **Private IPs.** Instances live on loopback, so every instance can bind the same port as it
//! would on EC2. Subnet number `k` of a region (its index among the region's subnets sorted by
//! creation time, then id; the default subnets come first) maps to `127.(100+k).0.0/16`; a new
//! instance gets the lowest free `127.(100+k).x.y` with `y` in `1..=254` that no non-terminated
//! instance of *any* region uses ([`choose_private_ips`]). The api chooses the addresses, so
//! `apply` stays deterministic; `apply` re-checks that no non-terminated instance of the same
//! region holds one.
//!
//! **Lifecycle.** `RunInstances` creates instances `pending`; the supervisor reports `running`
//! once launched. `StopInstances` → `stopping` (→ `stopped` by the supervisor),
//! `StartInstances` → `pending`, `TerminateInstances` → `shutting-down` (→ `terminated` by the
//! supervisor; a stopped instance terminates at once). Terminated instances stay visible for
//! [`TERMINATED_VISIBLE_MS`] (an hour, as on EC2) and are dropped by the next instance command
//! that carries a time.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::ec2::Ec2State;
use crate::ids::Millis;
use crate::snapshot::Snapshot;

/// How long a terminated instance stays visible in `DescribeInstances`.
pub const TERMINATED_VISIBLE_MS: Millis = 60 * 60 * 1000;

/// Instance type of `RunInstances` without `InstanceType` (the EC2 API reference's default).
pub const DEFAULT_INSTANCE_TYPE: &str = "m1.small";

/// One entry of elbow's image catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Image {
    /// `ami-…`.
    pub id: &'static str,
    /// `Name`.
    pub name: &'static str,
    /// `Description`.
    pub description: &'static str,
}

/// The images `DescribeImages` lists. Every image runs the instance's user data with
/// `/bin/sh` on the elbow host.
pub const IMAGES: &[Image] = &[Image {
    id: "ami-0elbow0000000001",
    name: "elbow-local-linux",
    description: "elbow local image: runs the user data with /bin/sh on the elbow host",
}];

/// An image captured from an instance with `CreateImage`: its "disk" (the instance's working
/// directory) is kept by the api under `<data-dir>/images/<ami-id>/`, and instances launched from
/// it start with a copy of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegisteredImage {
    /// `ami-…` (17 hex digits).
    pub id: String,
    /// `Name` (unique per account and region).
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// The instance it was captured from.
    pub source_instance_id: String,
    /// `CreationDate`.
    pub created_at: Millis,
}

/// True for `ami-` followed by 8 to 17 characters of `[0-9a-z]`. EC2's own ids are 8 or 17
/// hex digits; the looser check lets elbow's catalogue use readable ids such as
/// `ami-0elbow0000000001`.
pub fn is_valid_image_id(id: &str) -> bool {
    id.strip_prefix("ami-").is_some_and(|h| {
        (8..=17).contains(&h.len())
            && h.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    })
}

/// True for an instance type shaped `family.size` (e.g. `t3.micro`, `m5d.24xlarge`).
pub fn is_valid_instance_type(t: &str) -> bool {
    match t.split_once('.') {
        Some((f, s)) => {
            !f.is_empty()
                && !s.is_empty()
                && t.len() <= 64
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        }
        None => false,
    }
}

/// `InstanceState.Name`, with EC2's codes (`InstanceState.Code`, low byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstanceState {
    /// `pending` (0).
    Pending,
    /// `running` (16).
    Running,
    /// `shutting-down` (32).
    ShuttingDown,
    /// `terminated` (48).
    Terminated,
    /// `stopping` (64).
    Stopping,
    /// `stopped` (80).
    Stopped,
}

impl InstanceState {
    /// Every state.
    pub const ALL: [InstanceState; 6] = [
        InstanceState::Pending,
        InstanceState::Running,
        InstanceState::ShuttingDown,
        InstanceState::Terminated,
        InstanceState::Stopping,
        InstanceState::Stopped,
    ];

    /// EC2's numeric code.
    pub fn code(self) -> u16 {
        match self {
            InstanceState::Pending => 0,
            InstanceState::Running => 16,
            InstanceState::ShuttingDown => 32,
            InstanceState::Terminated => 48,
            InstanceState::Stopping => 64,
            InstanceState::Stopped => 80,
        }
    }

    /// EC2's name (`shutting-down`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::ShuttingDown => "shutting-down",
            InstanceState::Terminated => "terminated",
            InstanceState::Stopping => "stopping",
            InstanceState::Stopped => "stopped",
        }
    }

    /// Parses EC2's name.
    pub fn parse(s: &str) -> Option<InstanceState> {
        InstanceState::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl std::fmt::Display for InstanceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `StateReason`: why the instance last changed state, e.g. `Client.UserInitiatedShutdown`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateReason {
    /// `Code`, e.g. `pending`, `Client.UserInitiatedShutdown`, `Server.InternalError`.
    pub code: String,
    /// `Message`.
    pub message: String,
}

impl StateReason {
    /// A reason from its parts.
    pub fn new(code: &str, message: &str) -> StateReason {
        StateReason {
            code: code.into(),
            message: message.into(),
        }
    }

    /// `pending`, as EC2 reports a launching instance.
    pub fn pending() -> StateReason {
        StateReason::new("pending", "pending")
    }

    /// `Client.UserInitiatedShutdown`.
    pub fn user_shutdown() -> StateReason {
        StateReason::new(
            "Client.UserInitiatedShutdown",
            "Client.UserInitiatedShutdown: User initiated shutdown",
        )
    }

    /// `Server.InternalError` (the instance's processes died or could not start).
    pub fn internal_error() -> StateReason {
        StateReason::new(
            "Server.InternalError",
            "Server.InternalError: Internal error on launch",
        )
    }
}

/// Which launch template (and version number) an instance was launched from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceLaunchTemplate {
    /// `lt-…`.
    pub id: String,
    /// The resolved version number.
    pub version: u64,
}

/// An EC2 instance (`Instance`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// `i-` + 17 hex digits.
    pub id: String,
    /// `r-` + 17 hex digits, shared by the instances of one `RunInstances`.
    pub reservation_id: String,
    /// Index within its reservation (`AmiLaunchIndex`).
    pub ami_launch_index: u32,
    /// `ami-…`.
    pub image_id: String,
    /// e.g. `t3.micro`.
    pub instance_type: String,
    /// Lifecycle state.
    pub state: InstanceState,
    /// `StateReason`.
    pub state_reason: Option<StateReason>,
    /// `StateTransitionReason` (`reason` on the wire), e.g. `User initiated (2024-01-01 00:00:00 GMT)`.
    #[serde(default)]
    pub state_transition_reason: String,
    /// Loopback address, see the module doc.
    pub private_ip: Ipv4Addr,
    /// Its subnet.
    pub subnet_id: String,
    /// The subnet's VPC.
    pub vpc_id: String,
    /// The subnet's zone.
    pub availability_zone: String,
    /// `LaunchTime`.
    pub launch_time: Millis,
    /// Base64 user data as sent.
    pub user_data: Option<String>,
    /// `KeyName`.
    #[serde(default)]
    pub key_name: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Launch template and version it came from.
    pub launch_template: Option<InstanceLaunchTemplate>,
    /// Security group ids.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// When it became `terminated`.
    pub terminated_at: Option<Millis>,
}

/// The launch parameters a launch template version holds (`RequestLaunchTemplateData` /
/// `ResponseLaunchTemplateData`, the members elbow models).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LaunchTemplateData {
    /// `ImageId`.
    pub image_id: Option<String>,
    /// `InstanceType`.
    pub instance_type: Option<String>,
    /// `UserData`, base64 as sent.
    pub user_data: Option<String>,
    /// `KeyName`.
    pub key_name: Option<String>,
    /// `SecurityGroupIds`.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// `SecurityGroups` (names).
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// `TagSpecifications`: (resource type, tags).
    #[serde(default)]
    pub tag_specifications: Vec<(String, Vec<(String, String)>)>,
    /// Other scalar members as sent (`Member.Sub` path → value), stored and reported back
    /// verbatim where elbow knows the element name, otherwise only stored.
    #[serde(default)]
    pub other: BTreeMap<String, String>,
}

impl LaunchTemplateData {
    /// `self` with the members `over` sets replacing them (`CreateLaunchTemplateVersion` with
    /// `SourceVersion`: "parameters you specify override the source version's").
    pub fn overlay(&self, over: &LaunchTemplateData) -> LaunchTemplateData {
        let pick = |a: &Option<String>, b: &Option<String>| b.clone().or_else(|| a.clone());
        let mut other = self.other.clone();
        other.extend(over.other.clone());
        LaunchTemplateData {
            image_id: pick(&self.image_id, &over.image_id),
            instance_type: pick(&self.instance_type, &over.instance_type),
            user_data: pick(&self.user_data, &over.user_data),
            key_name: pick(&self.key_name, &over.key_name),
            security_group_ids: if over.security_group_ids.is_empty() {
                self.security_group_ids.clone()
            } else {
                over.security_group_ids.clone()
            },
            security_groups: if over.security_groups.is_empty() {
                self.security_groups.clone()
            } else {
                over.security_groups.clone()
            },
            tag_specifications: if over.tag_specifications.is_empty() {
                self.tag_specifications.clone()
            } else {
                over.tag_specifications.clone()
            },
            other,
        }
    }

    /// Tags the template gives to new resources of `resource_type` (`instance`).
    pub fn tags_for(&self, resource_type: &str) -> Vec<(String, String)> {
        self.tag_specifications
            .iter()
            .filter(|(t, _)| t == resource_type)
            .flat_map(|(_, tags)| tags.iter().cloned())
            .collect()
    }
}

/// One version of a launch template (`LaunchTemplateVersion`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplateVersion {
    /// `VersionNumber`, from 1.
    pub number: u64,
    /// `VersionDescription`.
    pub description: Option<String>,
    /// `LaunchTemplateData`.
    pub data: LaunchTemplateData,
    /// `CreateTime`.
    pub created: Millis,
}

/// A launch template (`LaunchTemplate`) with its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplate {
    /// `lt-` + 17 hex digits.
    pub id: String,
    /// `LaunchTemplateName`, unique per region.
    pub name: String,
    /// `CreateTime`.
    pub created: Millis,
    /// `DefaultVersionNumber`.
    pub default_version: u64,
    /// `LatestVersionNumber`.
    pub latest_version: u64,
    /// Versions by ascending number (deleted numbers are never reused).
    pub versions: Vec<LaunchTemplateVersion>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl LaunchTemplate {
    /// The version `spec` names: `$Latest`, `$Default`, a number, or the default when `None`.
    pub fn version(&self, spec: Option<&str>) -> Option<&LaunchTemplateVersion> {
        let n = match spec.unwrap_or("$Default") {
            "$Latest" => self.latest_version,
            "$Default" => self.default_version,
            s => s.parse().ok()?,
        };
        self.versions.iter().find(|v| v.number == n)
    }
}

/// How a request names a launch template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LaunchTemplateRef {
    /// `LaunchTemplateId`.
    Id(String),
    /// `LaunchTemplateName`.
    Name(String),
}

impl Ec2State {
    /// The launch template `r` names.
    pub fn launch_template(&self, r: &LaunchTemplateRef) -> Option<&LaunchTemplate> {
        match r {
            LaunchTemplateRef::Id(id) => self.launch_templates.get(id),
            LaunchTemplateRef::Name(n) => self.launch_templates.values().find(|t| &t.name == n),
        }
    }

    /// Subnet ids of the region in address-block order (creation time, then id).
    pub fn subnets_in_creation_order(&self) -> Vec<&str> {
        let mut v: Vec<(Millis, &str)> = self
            .subnets
            .keys()
            .map(|id| (self.created.get(id).copied().unwrap_or(0), id.as_str()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, id)| id).collect()
    }

    /// The second octet of the loopback block of `subnet_id` (`100 + k`), see the module doc.
    pub fn instance_ip_block(&self, subnet_id: &str) -> Option<u8> {
        let k = self
            .subnets_in_creation_order()
            .iter()
            .position(|s| *s == subnet_id)?;
        u8::try_from(100 + k).ok()
    }

    /// The region's default subnet for new instances without `SubnetId`: the default VPC's
    /// subnet in the first zone (or any of its subnets).
    pub fn default_instance_subnet(&self) -> Option<&str> {
        let vpc = self.default_vpc()?;
        let mut subnets: Vec<_> = self
            .subnets
            .values()
            .filter(|s| s.vpc_id == vpc.id)
            .collect();
        subnets.sort_by_key(|s| {
            (
                self.zones
                    .iter()
                    .position(|z| *z == s.availability_zone)
                    .unwrap_or(usize::MAX),
                !s.default_for_az,
                s.id.clone(),
            )
        });
        subnets.first().map(|s| s.id.as_str())
    }
}

impl crate::snapshot::RegionState {
    /// The address traffic and health checks for target `target_id` go to: the address of an
    /// `ip` target, the private IP of an instance target whose instance is `pending` or
    /// `running`; `None` otherwise (unknown, stopped or terminated instances get no traffic).
    pub fn target_ip(&self, target_id: &str) -> Option<std::net::IpAddr> {
        if let Ok(ip) = target_id.parse() {
            return Some(ip);
        }
        let i = self.ec2.instances.get(target_id)?;
        matches!(i.state, InstanceState::Pending | InstanceState::Running)
            .then_some(std::net::IpAddr::V4(i.private_ip))
    }
}

/// `count` free private addresses for new instances in `subnet_id` of `region`, lowest first
/// (see the module doc); `None` if the subnet is unknown or its block is full.
pub fn choose_private_ips(
    snapshot: &Snapshot,
    region: &str,
    subnet_id: &str,
    count: usize,
) -> Option<Vec<Ipv4Addr>> {
    let r = snapshot.region(region);
    let block = r.ec2.instance_ip_block(subnet_id)?;
    let used: std::collections::HashSet<Ipv4Addr> = snapshot
        .regions
        .values()
        .flat_map(|r| r.ec2.instances.values())
        .filter(|i| i.state != InstanceState::Terminated)
        .map(|i| i.private_ip)
        .collect();
    let mut out = Vec::with_capacity(count);
    for x in 0..=255u8 {
        for y in 1..=254u8 {
            if out.len() == count {
                return Some(out);
            }
            let ip = Ipv4Addr::new(127, block, x, y);
            if !used.contains(&ip) {
                out.push(ip);
            }
        }
    }
    (out.len() == count).then_some(out)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of epoch milliseconds, for `StateTransitionReason`.
pub fn gmt(ms: Millis) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `CreateLaunchTemplate` with the id and time chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateLaunchTemplate {
    /// `lt-` + 17 hex digits.
    pub id: String,
    /// `LaunchTemplateName`.
    pub name: String,
    /// `VersionDescription` of version 1.
    pub description: Option<String>,
    /// `LaunchTemplateData` of version 1.
    pub data: LaunchTemplateData,
    /// `TagSpecification` tags for `launch-template`.
    pub tags: Vec<(String, String)>,
    /// Creation time.
    pub now: Millis,
}

/// `LaunchTemplate` of `RunInstances`: a template and a version (`$Default` when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplateSpec {
    /// `LaunchTemplateId` or `LaunchTemplateName`.
    pub template: LaunchTemplateRef,
    /// `Version`: `$Latest`, `$Default` or a number.
    pub version: Option<String>,
}

/// One instance of a `RunInstances`, with what the api chose for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInstance {
    /// `i-` + 17 hex digits.
    pub id: String,
    /// The subnet it goes into.
    pub subnet_id: String,
    /// Its address ([`choose_private_ips`]).
    pub private_ip: Ipv4Addr,
}

/// `RunInstances` with ids, addresses and time chosen. Explicit members override the launch
/// template's; the model resolves the template and checks the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInstances {
    /// `r-` + 17 hex digits.
    pub reservation_id: String,
    /// The instances (`MaxCount` of them, as elbow always has the capacity).
    pub instances: Vec<NewInstance>,
    /// `ImageId`.
    pub image_id: Option<String>,
    /// `InstanceType`.
    pub instance_type: Option<String>,
    /// `UserData` (base64).
    pub user_data: Option<String>,
    /// `KeyName`.
    pub key_name: Option<String>,
    /// `SecurityGroupId.N`.
    pub security_group_ids: Vec<String>,
    /// `SecurityGroup.N` (names, in the subnet's VPC).
    pub security_groups: Vec<String>,
    /// `TagSpecification` tags for `instance`.
    pub tags: Vec<(String, String)>,
    /// `LaunchTemplate`.
    pub launch_template: Option<LaunchTemplateSpec>,
    /// Launch time.
    pub now: Millis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_types() {
        assert!(is_valid_image_id("ami-12345678"));
        assert!(is_valid_image_id("ami-0elbow0000000001"));
        assert!(is_valid_image_id(IMAGES[0].id));
        assert!(!is_valid_image_id("ami-1"));
        assert!(!is_valid_image_id("img-12345678"));
        assert!(is_valid_instance_type("t3.micro"));
        assert!(!is_valid_instance_type("big"));
        assert_eq!(
            InstanceState::parse("shutting-down"),
            Some(InstanceState::ShuttingDown)
        );
        assert_eq!(InstanceState::Stopped.code(), 80);
    }

    #[test]
    fn gmt_formats_dates() {
        assert_eq!(gmt(0), "1970-01-01 00:00:00");
        assert_eq!(gmt(1_704_067_200_000 + 3_661_000), "2024-01-01 01:01:01");
    }
}
