//! EC2 networking commands applied to one region (semantics from the EC2 API reference pages
//! of each action: CreateVpc, CreateSubnet, CreateSecurityGroup, AuthorizeSecurityGroupIngress,
//! AttachInternetGateway, CreateRoute, ReplaceRoute, ReplaceRouteTableAssociation,
//! ModifyVpcAttribute, ModifySubnetAttribute, CreateDefaultVpc, …, and the EC2 "Error codes"
//! page for the failures).
//!
//! Every failure leaves the region untouched: `Snapshot::apply` works on a copy.

use std::collections::BTreeMap;

use crate::command::{Ec2Command, TagKeyValue};
use crate::ec2::{self, Cidr4, DefaultVpcIds, InternetGateway, Route, RouteTable, RouteTableAssociation, SecurityGroup, SecurityGroupRule, Subnet, SubnetAttribute, Vpc, VpcAttribute};
use crate::error::{ModelError, Quota, ResourceKind};
use crate::ids::{self, Millis};
use crate::snapshot::RegionState;

/// Most inbound (or outbound) rules one security group may have (EC2 default quota).
const MAX_RULES_PER_DIRECTION: usize = 60;

fn ec2_err(code: &'static str, message: impl Into<String>) -> ModelError {
    ModelError::Ec2 { code, message: message.into() }
}

fn has_dependencies(kind: ResourceKind, noun: &str, id: &str) -> ModelError {
    ModelError::InUse { kind, message: format!("The {noun} '{id}' has dependencies and cannot be deleted.") }
}

fn invalid_cidr(field: &str, cidr: &str) -> ModelError {
    ModelError::invalid(field, format!("Value ({cidr}) for parameter {field} is invalid. This is not a valid CIDR block."))
}

fn fresh(exists: bool, id: &str) -> Result<(), ModelError> {
    if exists {
        return Err(ModelError::InvalidConfiguration(format!("The id '{id}' is already in use; retry the request")));
    }
    Ok(())
}

pub(crate) fn apply(r: &mut RegionState, op: &Ec2Command) -> Result<(), ModelError> {
    if let Some(done) = crate::apply_instances::apply(r, op) {
        return done;
    }
    match op {
        Ec2Command::CreateVpc {
            vpc_id,
            cidr_block,
            instance_tenancy,
            main_route_table_id,
            main_association_id,
            default_security_group_id,
            default_rule_ids,
            tags,
            now,
        } => {
            fresh(r.ec2.vpcs.contains_key(vpc_id) || r.ec2.route_tables.contains_key(main_route_table_id), vpc_id)?;
            fresh(r.ec2.security_groups.contains_key(default_security_group_id), default_security_group_id)?;
            let cidr = Cidr4::parse(cidr_block).ok_or_else(|| invalid_cidr("cidrBlock", cidr_block))?;
            if !(16..=28).contains(&cidr.prefix) {
                return Err(ec2_err("InvalidVpc.Range", format!("The CIDR '{cidr_block}' is invalid.")));
            }
            if !matches!(instance_tenancy.as_str(), "default" | "dedicated") {
                return Err(ModelError::invalid(
                    "instanceTenancy",
                    format!("Value ({instance_tenancy}) for parameter instanceTenancy is invalid. Valid values are: default, dedicated"),
                ));
            }
            let tags = initial_tags(tags)?;
            r.ec2.vpcs.insert(
                vpc_id.clone(),
                Vpc {
                    id: vpc_id.clone(),
                    cidr_block: cidr_block.clone(),
                    is_default: false,
                    instance_tenancy: instance_tenancy.clone(),
                    main_route_table_id: main_route_table_id.clone(),
                    default_security_group_id: default_security_group_id.clone(),
                    enable_dns_support: true,
                    enable_dns_hostnames: None,
                    enable_network_address_usage_metrics: false,
                    tags,
                },
            );
            let rtb = ec2::main_route_table(main_route_table_id, vpc_id, cidr_block, main_association_id);
            r.ec2.route_tables.insert(main_route_table_id.clone(), rtb);
            let sg = ec2::default_security_group(default_security_group_id, vpc_id, &default_rule_ids.0, &default_rule_ids.1);
            r.ec2.security_groups.insert(default_security_group_id.clone(), sg);
            created(r, [vpc_id, main_route_table_id, default_security_group_id], *now);
            Ok(())
        }
        Ec2Command::DeleteVpc { vpc_id } => delete_vpc(r, vpc_id),
        Ec2Command::CreateSubnet { subnet_id, vpc_id, cidr_block, availability_zone, tags, now } => {
            create_subnet(r, subnet_id, vpc_id, cidr_block, availability_zone.as_deref(), tags, *now)
        }
        Ec2Command::DeleteSubnet { subnet_id } => {
            if !r.ec2.subnets.contains_key(subnet_id) {
                return Err(ModelError::not_found(ResourceKind::Subnet, subnet_id));
            }
            if r.load_balancers.values().any(|lb| lb.availability_zones.iter().any(|z| &z.subnet_id == subnet_id))
                || r.classic_load_balancers.values().any(|lb| lb.subnets.contains(subnet_id))
                || r.ec2.instances.values().any(|i| &i.subnet_id == subnet_id && i.state != crate::instance::InstanceState::Terminated)
            {
                return Err(has_dependencies(ResourceKind::Subnet, "subnet", subnet_id));
            }
            // EC2 drops the subnet's explicit route table association with it.
            for rt in r.ec2.route_tables.values_mut() {
                rt.associations.retain(|a| a.subnet_id.as_deref() != Some(subnet_id.as_str()));
            }
            r.ec2.subnets.remove(subnet_id);
            r.ec2.created.remove(subnet_id);
            Ok(())
        }
        Ec2Command::CreateSecurityGroup { group_id, name, description, vpc_id, egress_rule_id, tags, now } => {
            fresh(r.ec2.security_groups.contains_key(group_id), group_id)?;
            let vpc_id = match vpc_id {
                Some(v) => r.ec2.vpcs.get(v).map(|v| v.id.clone()).ok_or_else(|| ModelError::not_found(ResourceKind::Vpc, v))?,
                None => r.ec2.default_vpc().map(|v| v.id.clone()).ok_or_else(|| ec2_err("VPCIdNotSpecified", "No default VPC for this user"))?,
            };
            if name.is_empty() || name.chars().count() > 255 {
                return Err(ModelError::invalid("GroupName", format!("Invalid value '{name}' for GroupName: must be 1 to 255 characters")));
            }
            if name.to_ascii_lowercase().starts_with("sg-") {
                return Err(ModelError::invalid("GroupName", "Group names may not be in the format sg-*."));
            }
            if description.chars().count() > 255 {
                return Err(ModelError::invalid("GroupDescription", "Invalid value for GroupDescription: must be at most 255 characters"));
            }
            for (field, value) in [("GroupName", name), ("GroupDescription", description)] {
                check_group_text(field, value)?;
            }
            if name == "default" {
                return Err(ec2_err("InvalidGroup.Reserved", "The security group name 'default' is reserved and cannot be used for a new group."));
            }
            // Names are unique per VPC regardless of case (CreateSecurityGroup, `GroupName`).
            if r.ec2.security_groups.values().any(|g| g.vpc_id == vpc_id && g.name.eq_ignore_ascii_case(name)) {
                return Err(ModelError::Duplicate {
                    kind: ResourceKind::SecurityGroup,
                    message: format!("The security group '{name}' already exists for VPC '{vpc_id}'"),
                });
            }
            let tags = initial_tags(tags)?;
            let sg = SecurityGroup {
                id: group_id.clone(),
                name: name.clone(),
                description: description.clone(),
                vpc_id,
                ingress: Vec::new(),
                egress: vec![ec2::allow_all_egress(egress_rule_id)],
                tags,
            };
            r.ec2.security_groups.insert(group_id.clone(), sg);
            created(r, [group_id], *now);
            Ok(())
        }
        Ec2Command::DeleteSecurityGroup { group_id, group_name } => {
            let id = resolve_group(r, group_id.as_deref(), group_name.as_deref())?;
            delete_security_group(r, &id)
        }
        Ec2Command::AuthorizeSecurityGroupRules { group_id, group_name, egress, rules } => {
            let id = resolve_group(r, group_id.as_deref(), group_name.as_deref())?;
            authorize(r, &id, *egress, rules)
        }
        Ec2Command::RevokeSecurityGroupRules { group_id, group_name, egress, rules, rule_ids } => {
            let id = resolve_group(r, group_id.as_deref(), group_name.as_deref())?;
            revoke(r, &id, *egress, rules, rule_ids)
        }
        Ec2Command::CreateTags { resource_ids, tags } => {
            validate_tags(tags)?;
            for id in resource_ids {
                let existing = tags_of(r, id)?;
                let added = tags.iter().filter(|(k, _)| !existing.contains_key(k)).count();
                if existing.len() + added > crate::tags::MAX_TAGS {
                    return Err(ModelError::TooMany { quota: Quota::Tags, message: format!("The maximum number of Tags for a resource has been reached ('{id}').") });
                }
                for (k, v) in tags {
                    existing.insert(k.clone(), v.clone());
                }
            }
            Ok(())
        }
        Ec2Command::DeleteTags { resource_ids, tags } => {
            for id in resource_ids {
                let existing = tags_of(r, id)?;
                if tags.is_empty() {
                    existing.clear();
                }
                for TagKeyValue { key, value } in tags {
                    if value.is_none() || existing.get(key) == value.as_ref() {
                        existing.remove(key);
                    }
                }
            }
            Ok(())
        }
        Ec2Command::CreateInternetGateway { internet_gateway_id, tags, now } => {
            fresh(r.ec2.internet_gateways.contains_key(internet_gateway_id), internet_gateway_id)?;
            let tags = initial_tags(tags)?;
            r.ec2.internet_gateways.insert(internet_gateway_id.clone(), InternetGateway { id: internet_gateway_id.clone(), attached_vpc_id: None, tags });
            created(r, [internet_gateway_id], *now);
            Ok(())
        }
        Ec2Command::AttachInternetGateway { internet_gateway_id, vpc_id } => {
            let igw = gateway(r, internet_gateway_id)?;
            if !r.ec2.vpcs.contains_key(vpc_id) {
                return Err(ModelError::not_found(ResourceKind::Vpc, vpc_id));
            }
            if let Some(v) = &igw.attached_vpc_id {
                return Err(ec2_err("Resource.AlreadyAssociated", format!("resource {internet_gateway_id} is already attached to network {v}")));
            }
            if let Some(other) = r.ec2.internet_gateways.values().find(|g| g.attached_vpc_id.as_ref() == Some(vpc_id)) {
                return Err(ec2_err("Resource.AlreadyAssociated", format!("resource {vpc_id} is already attached to internet gateway {}", other.id)));
            }
            if let Some(g) = r.ec2.internet_gateways.get_mut(internet_gateway_id) {
                g.attached_vpc_id = Some(vpc_id.clone());
            }
            Ok(())
        }
        Ec2Command::DetachInternetGateway { internet_gateway_id, vpc_id } => {
            let igw = gateway(r, internet_gateway_id)?;
            if !r.ec2.vpcs.contains_key(vpc_id) {
                return Err(ModelError::not_found(ResourceKind::Vpc, vpc_id));
            }
            if igw.attached_vpc_id.as_ref() != Some(vpc_id) {
                return Err(ec2_err("Gateway.NotAttached", format!("resource {internet_gateway_id} is not attached to network {vpc_id}")));
            }
            if r.ec2.route_tables.values().any(|rt| rt.associations.iter().any(|a| a.gateway_id.as_ref() == Some(internet_gateway_id))) {
                return Err(has_dependencies(ResourceKind::InternetGateway, "internetGateway", internet_gateway_id));
            }
            if let Some(g) = r.ec2.internet_gateways.get_mut(internet_gateway_id) {
                g.attached_vpc_id = None;
            }
            Ok(())
        }
        Ec2Command::DeleteInternetGateway { internet_gateway_id } => {
            let igw = gateway(r, internet_gateway_id)?;
            if igw.attached_vpc_id.is_some() {
                return Err(has_dependencies(ResourceKind::InternetGateway, "internetGateway", internet_gateway_id));
            }
            r.ec2.internet_gateways.remove(internet_gateway_id);
            r.ec2.created.remove(internet_gateway_id);
            Ok(())
        }
        Ec2Command::CreateRouteTable { route_table_id, vpc_id, tags, now } => {
            fresh(r.ec2.route_tables.contains_key(route_table_id), route_table_id)?;
            let vpc = r.ec2.vpcs.get(vpc_id).ok_or_else(|| ModelError::not_found(ResourceKind::Vpc, vpc_id))?;
            let routes = vec![Route { destination_cidr_block: vpc.cidr_block.clone(), gateway_id: "local".into(), origin: "CreateRouteTable".into() }];
            let tags = initial_tags(tags)?;
            let rt = RouteTable { id: route_table_id.clone(), vpc_id: vpc_id.clone(), routes, associations: Vec::new(), tags };
            r.ec2.route_tables.insert(route_table_id.clone(), rt);
            created(r, [route_table_id], *now);
            Ok(())
        }
        Ec2Command::DeleteRouteTable { route_table_id } => {
            let rt = route_table(r, route_table_id)?;
            if !rt.associations.is_empty() {
                return Err(has_dependencies(ResourceKind::RouteTable, "routeTable", route_table_id));
            }
            r.ec2.route_tables.remove(route_table_id);
            r.ec2.created.remove(route_table_id);
            Ok(())
        }
        Ec2Command::AssociateRouteTable { route_table_id, association_id, subnet_id, gateway_id } => {
            associate(r, route_table_id, association_id, subnet_id.as_deref(), gateway_id.as_deref())
        }
        Ec2Command::DisassociateRouteTable { association_id } => {
            let rt = r
                .ec2
                .route_tables
                .values_mut()
                .find(|rt| rt.associations.iter().any(|a| &a.id == association_id))
                .ok_or_else(|| ModelError::not_found(ResourceKind::RouteTableAssociation, association_id))?;
            if rt.associations.iter().any(|a| &a.id == association_id && a.main) {
                return Err(ModelError::invalid("associationId", format!("cannot disassociate the main route table association {association_id}")));
            }
            rt.associations.retain(|a| &a.id != association_id);
            Ok(())
        }
        Ec2Command::CreateRoute { route_table_id, destination_cidr_block, gateway_id } => {
            let vpc_id = route_table(r, route_table_id)?.vpc_id.clone();
            let destination = Cidr4::parse(destination_cidr_block).ok_or_else(|| invalid_cidr("destinationCidrBlock", destination_cidr_block))?;
            // A destination inside the VPC's block (but not the block itself, which is the
            // local route and so `RouteAlreadyExists` below) may only target an interface or
            // an instance, never a gateway (EC2 "more specific routing").
            let vpc_block = r.ec2.vpcs.get(&vpc_id).and_then(|v| Cidr4::parse(&v.cidr_block));
            if vpc_block.is_some_and(|v| v.contains(destination) && v != destination) {
                return Err(ModelError::invalid("gatewayId", "Route target is not supported. This route only supports interface and instance targets."));
            }
            route_target(r, route_table_id, &vpc_id, gateway_id)?;
            let rt = r.ec2.route_tables.get_mut(route_table_id).ok_or_else(|| ModelError::not_found(ResourceKind::RouteTable, route_table_id))?;
            if rt.routes.iter().any(|x| &x.destination_cidr_block == destination_cidr_block) {
                return Err(ec2_err("RouteAlreadyExists", format!("The route identified by {destination_cidr_block} already exists.")));
            }
            rt.routes.push(Route { destination_cidr_block: destination_cidr_block.clone(), gateway_id: gateway_id.clone(), origin: "CreateRoute".into() });
            Ok(())
        }
        Ec2Command::DeleteRoute { route_table_id, destination_cidr_block } => {
            let rt = r.ec2.route_tables.get_mut(route_table_id).ok_or_else(|| ModelError::not_found(ResourceKind::RouteTable, route_table_id))?;
            let Some(pos) = rt.routes.iter().position(|x| &x.destination_cidr_block == destination_cidr_block) else {
                return Err(ec2_err(
                    "InvalidRoute.NotFound",
                    format!("There is no route defined for '{destination_cidr_block}' in the route table. Use a different destination"),
                ));
            };
            if rt.routes[pos].gateway_id == "local" {
                return Err(ModelError::invalid("destinationCidrBlock", format!("cannot remove local route {destination_cidr_block} in route table {route_table_id}")));
            }
            rt.routes.remove(pos);
            Ok(())
        }
        Ec2Command::ReplaceRoute { route_table_id, destination_cidr_block, gateway_id } => replace_route(r, route_table_id, destination_cidr_block, gateway_id),
        Ec2Command::ReplaceRouteTableAssociation { association_id, route_table_id, new_association_id } => {
            replace_association(r, association_id, route_table_id, new_association_id)
        }
        Ec2Command::ModifyVpcAttribute { vpc_id, attribute } => {
            let vpc = r.ec2.vpcs.get_mut(vpc_id).ok_or_else(|| ModelError::not_found(ResourceKind::Vpc, vpc_id))?;
            match attribute {
                VpcAttribute::EnableDnsSupport(v) => vpc.enable_dns_support = *v,
                VpcAttribute::EnableDnsHostnames(v) => vpc.enable_dns_hostnames = Some(*v),
                VpcAttribute::EnableNetworkAddressUsageMetrics(v) => vpc.enable_network_address_usage_metrics = *v,
            }
            Ok(())
        }
        Ec2Command::ModifySubnetAttribute { subnet_id, attribute } => {
            let subnet = r.ec2.subnets.get_mut(subnet_id).ok_or_else(|| ModelError::not_found(ResourceKind::Subnet, subnet_id))?;
            match attribute {
                SubnetAttribute::MapPublicIpOnLaunch(v) => subnet.map_public_ip_on_launch = *v,
                SubnetAttribute::EnableResourceNameDnsARecordOnLaunch(v) => subnet.enable_resource_name_dns_a_record = *v,
                SubnetAttribute::PrivateDnsHostnameTypeOnLaunch(t) => {
                    if !matches!(t.as_str(), "ip-name" | "resource-name") {
                        return Err(ModelError::invalid(
                            "PrivateDnsHostnameTypeOnLaunch",
                            format!("Value ({t}) for parameter privateDnsHostnameTypeOnLaunch is invalid. Valid values are: ip-name, resource-name"),
                        ));
                    }
                    subnet.hostname_type = t.clone();
                }
            }
            Ok(())
        }
        Ec2Command::CreateDefaultVpc { ids, now } => create_default_vpc(r, ids, *now),
        // Instances and launch templates: handled by `apply_instances` above.
        _ => Ok(()),
    }
}

fn created<'a>(r: &mut RegionState, ids: impl IntoIterator<Item = &'a String>, now: Millis) {
    for id in ids {
        r.ec2.created.insert(id.clone(), now);
    }
}

fn gateway<'a>(r: &'a RegionState, id: &str) -> Result<&'a InternetGateway, ModelError> {
    r.ec2.internet_gateways.get(id).ok_or_else(|| ModelError::not_found(ResourceKind::InternetGateway, id))
}

fn route_table<'a>(r: &'a RegionState, id: &str) -> Result<&'a RouteTable, ModelError> {
    r.ec2.route_tables.get(id).ok_or_else(|| ModelError::not_found(ResourceKind::RouteTable, id))
}

/// EC2 tag rules (CreateTags / TagSpecification): key 1–128 characters not starting `aws:`,
/// value up to 256, a key once per request. EC2 allows any characters (unlike ELBv2).
fn validate_tags(tags: &[(String, String)]) -> Result<(), ModelError> {
    for (i, (k, v)) in tags.iter().enumerate() {
        if tags[..i].iter().any(|(k2, _)| k2 == k) {
            return Err(ModelError::invalid("Tag.Key", format!("Duplicate tag key '{k}' specified.")));
        }
        if k.is_empty() || k.chars().count() > 128 {
            return Err(ModelError::invalid("Tag.Key", format!("Tag key '{k}' must be 1 to 128 characters long.")));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(ModelError::invalid("Tag.Key", format!("Tag keys starting with 'aws:' are reserved for internal use ('{k}').")));
        }
        if v.chars().count() > 256 {
            return Err(ModelError::invalid("Tag.Value", format!("The value of tag '{k}' exceeds the maximum length of 256 characters.")));
        }
    }
    Ok(())
}

fn initial_tags(tags: &[(String, String)]) -> Result<BTreeMap<String, String>, ModelError> {
    validate_tags(tags)?;
    if tags.len() > crate::tags::MAX_TAGS {
        return Err(ModelError::TooMany { quota: Quota::Tags, message: "The maximum number of Tags for a resource has been reached.".into() });
    }
    Ok(tags.iter().cloned().collect())
}

/// The tags of the resource with EC2 id `id`, chosen by its prefix.
fn tags_of<'a>(r: &'a mut RegionState, id: &str) -> Result<&'a mut BTreeMap<String, String>, ModelError> {
    let e = &mut r.ec2;
    let (prefix, _) = id.split_once('-').unwrap_or((id, ""));
    let found = match prefix {
        "vpc" => e.vpcs.get_mut(id).map(|x| &mut x.tags).ok_or(ResourceKind::Vpc),
        "subnet" => e.subnets.get_mut(id).map(|x| &mut x.tags).ok_or(ResourceKind::Subnet),
        "sg" => e.security_groups.get_mut(id).map(|x| &mut x.tags).ok_or(ResourceKind::SecurityGroup),
        "igw" => e.internet_gateways.get_mut(id).map(|x| &mut x.tags).ok_or(ResourceKind::InternetGateway),
        "rtb" => e.route_tables.get_mut(id).map(|x| &mut x.tags).ok_or(ResourceKind::RouteTable),
        "i" => return e.instances.get_mut(id).map(|x| &mut x.tags).ok_or_else(|| crate::apply_instances::instances_not_found(&[id])),
        "lt" => {
            return e.launch_templates.get_mut(id).map(|x| &mut x.tags).ok_or_else(|| crate::apply_instances::template_not_found(&crate::instance::LaunchTemplateRef::Id(id.into())));
        }
        _ => return Err(ec2_err("InvalidID", format!("The ID '{id}' is not valid"))),
    };
    found.map_err(|kind| ModelError::not_found(kind, id))
}

fn delete_vpc(r: &mut RegionState, vpc_id: &str) -> Result<(), ModelError> {
    let vpc = r.ec2.vpcs.get(vpc_id).ok_or_else(|| ModelError::not_found(ResourceKind::Vpc, vpc_id))?.clone();
    let e = &r.ec2;
    let busy = e.subnets.values().any(|s| s.vpc_id == vpc_id)
        || e.security_groups.values().any(|g| g.vpc_id == vpc_id && g.id != vpc.default_security_group_id)
        || e.internet_gateways.values().any(|g| g.attached_vpc_id.as_deref() == Some(vpc_id))
        || e.route_tables.values().any(|t| t.vpc_id == vpc_id && t.id != vpc.main_route_table_id)
        || r.load_balancers.values().any(|lb| lb.vpc_id == vpc_id)
        || r.classic_load_balancers.values().any(|lb| lb.vpc_id.as_deref() == Some(vpc_id))
        || r.target_groups.values().any(|tg| tg.vpc_id.as_deref() == Some(vpc_id));
    if busy {
        return Err(has_dependencies(ResourceKind::Vpc, "vpc", vpc_id));
    }
    r.ec2.vpcs.remove(vpc_id);
    r.ec2.security_groups.remove(&vpc.default_security_group_id);
    r.ec2.route_tables.remove(&vpc.main_route_table_id);
    for id in [vpc_id, &vpc.default_security_group_id, &vpc.main_route_table_id] {
        r.ec2.created.remove(id);
    }
    Ok(())
}

fn create_subnet(r: &mut RegionState, id: &str, vpc_id: &str, cidr_block: &str, zone: Option<&str>, tags: &[(String, String)], now: Millis) -> Result<(), ModelError> {
    fresh(r.ec2.subnets.contains_key(id), id)?;
    let vpc = r.ec2.vpcs.get(vpc_id).ok_or_else(|| ModelError::not_found(ResourceKind::Vpc, vpc_id))?;
    let cidr = Cidr4::parse(cidr_block).ok_or_else(|| invalid_cidr("cidrBlock", cidr_block))?;
    let in_vpc = Cidr4::parse(&vpc.cidr_block).is_some_and(|v| v.contains(cidr));
    if !(16..=28).contains(&cidr.prefix) || !in_vpc {
        return Err(ec2_err("InvalidSubnet.Range", format!("The CIDR '{cidr_block}' is invalid.")));
    }
    let conflict = r.ec2.subnets.values().filter(|s| s.vpc_id == vpc_id).any(|s| Cidr4::parse(&s.cidr_block).is_some_and(|c| c.overlaps(cidr)));
    if conflict {
        return Err(ec2_err("InvalidSubnet.Conflict", format!("The CIDR '{cidr_block}' conflicts with another subnet")));
    }
    let zones = &r.ec2.zones;
    let index = match zone {
        None if !zones.is_empty() => 0,
        z => zones.iter().position(|n| Some(n.as_str()) == z).ok_or_else(|| {
            ModelError::invalid(
                "availabilityZone",
                format!(
                    "Value ({}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
                    z.unwrap_or(""),
                    zones.join(", ")
                ),
            )
        })?,
    };
    let tags = initial_tags(tags)?;
    let subnet = Subnet {
        id: id.to_string(),
        vpc_id: vpc_id.to_string(),
        cidr_block: cidr_block.to_string(),
        availability_zone: zones[index].clone(),
        availability_zone_id: ids::zone_id(&r.name, index),
        default_for_az: false,
        map_public_ip_on_launch: false,
        hostname_type: "ip-name".into(),
        enable_resource_name_dns_a_record: false,
        tags,
    };
    r.ec2.subnets.insert(id.to_string(), subnet);
    r.ec2.created.insert(id.to_string(), now);
    Ok(())
}

/// The id of the group named by id, or by name in the default VPC (EC2 `GroupName` semantics).
fn resolve_group(r: &RegionState, id: Option<&str>, name: Option<&str>) -> Result<String, ModelError> {
    if let Some(id) = id {
        return r.ec2.security_groups.get(id).map(|g| g.id.clone()).ok_or_else(|| ModelError::not_found(ResourceKind::SecurityGroup, id));
    }
    let Some(name) = name else {
        return Err(ec2_err("MissingParameter", "The request must contain the parameter groupName or groupId"));
    };
    let vpc = r.ec2.default_vpc().ok_or_else(|| ec2_err("VPCIdNotSpecified", "No default VPC for this user"))?;
    r.ec2
        .security_groups
        .values()
        .find(|g| g.vpc_id == vpc.id && g.name == name)
        .map(|g| g.id.clone())
        .ok_or_else(|| ec2_err("InvalidGroup.NotFound", format!("The security group '{name}' does not exist in default VPC '{}'", vpc.id)))
}

fn delete_security_group(r: &mut RegionState, id: &str) -> Result<(), ModelError> {
    let Some(g) = r.ec2.security_groups.get(id) else { return Err(ModelError::not_found(ResourceKind::SecurityGroup, id)) };
    if r.ec2.vpcs.get(&g.vpc_id).is_some_and(|v| v.default_security_group_id == id) {
        return Err(ec2_err("CannotDelete", format!("the specified group: \"{id}\" name: \"{}\" cannot be deleted by a user", g.name)));
    }
    let referenced = r.ec2.security_groups.values().filter(|o| o.id != id).any(|o| {
        o.ingress.iter().chain(o.egress.iter()).any(|rule| rule.referenced_group_id.as_deref() == Some(id))
    });
    let instances = r.ec2.instances.values().any(|i| i.state != crate::instance::InstanceState::Terminated && i.security_group_ids.iter().any(|s| s == id));
    let load_balancers = r.load_balancers.values().any(|lb| lb.security_groups.iter().any(|s| s == id)) || r.classic_load_balancers.values().any(|lb| lb.security_groups.iter().any(|s| s == id));
    if referenced || instances || load_balancers {
        return Err(ModelError::InUse { kind: ResourceKind::SecurityGroup, message: format!("resource {id} has a dependent object") });
    }
    r.ec2.security_groups.remove(id);
    r.ec2.created.remove(id);
    Ok(())
}

/// The characters CreateSecurityGroup allows in a VPC group's name and description (EC2 API
/// reference: "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*").
///
/// Errors: `InvalidParameterValue`, worded as EC2 words it for non-ASCII text.
fn check_group_text(field: &str, value: &str) -> Result<(), ModelError> {
    if !value.is_ascii() {
        return Err(ModelError::invalid(field, format!("Value ({value}) for parameter {field} is invalid. Character sets beyond ASCII are not supported.")));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(c);
    if let Some(c) = value.chars().find(|c| !allowed(*c)) {
        return Err(ModelError::invalid(
            field,
            format!("Value ({value}) for parameter {field} is invalid. The character '{c}' is not allowed; valid characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{{}}!$*"),
        ));
    }
    Ok(())
}

/// AWS's description of a rule in `InvalidPermission.*` messages.
fn describe_rule(rule: &SecurityGroupRule) -> String {
    let peer = rule.cidr_ipv4.as_deref().or(rule.cidr_ipv6.as_deref()).or(rule.referenced_group_id.as_deref()).unwrap_or("");
    let proto = if rule.ip_protocol == "-1" { "ALL".to_string() } else { rule.ip_protocol.to_ascii_uppercase() };
    let port = |p: Option<i32>| p.map_or_else(|| "-1".to_string(), |p| p.to_string());
    format!("peer: {peer}, {proto}, from port: {}, to port: {}, ALLOW", port(rule.from_port), port(rule.to_port))
}

fn authorize(r: &mut RegionState, group_id: &str, egress: bool, rules: &[SecurityGroupRule]) -> Result<(), ModelError> {
    if rules.is_empty() {
        return Err(ec2_err("MissingParameter", "No IP permissions were specified"));
    }
    if let Some(g) = rules.iter().filter_map(|rule| rule.referenced_group_id.as_ref()).find(|g| !r.ec2.security_groups.contains_key(*g)) {
        return Err(ModelError::not_found(ResourceKind::SecurityGroup, g));
    }
    // A rule may name a group of its own VPC only: elbow has no VPC peering, which is what
    // lets EC2 reference groups across VPCs.
    let vpc_of = |id: &str| r.ec2.security_groups.get(id).map(|g| g.vpc_id.as_str());
    if rules.iter().filter_map(|rule| rule.referenced_group_id.as_deref()).any(|g| vpc_of(g) != vpc_of(group_id)) {
        return Err(ec2_err("InvalidGroup.NotFound", "You have specified two resources that belong to different networks."));
    }
    let all_ids: Vec<&str> = r.ec2.security_groups.values().flat_map(|g| g.ingress.iter().chain(g.egress.iter())).map(|x| x.id.as_str()).collect();
    for rule in rules {
        fresh(all_ids.contains(&rule.id.as_str()), &rule.id)?;
    }
    let g = r.ec2.security_groups.get_mut(group_id).ok_or_else(|| ModelError::not_found(ResourceKind::SecurityGroup, group_id))?;
    let list = if egress { &mut g.egress } else { &mut g.ingress };
    for (i, rule) in rules.iter().enumerate() {
        if list.iter().chain(rules[..i].iter()).any(|x| x.same_permission(rule)) {
            return Err(ec2_err("InvalidPermission.Duplicate", format!("the specified rule \"{}\" already exists", describe_rule(rule))));
        }
    }
    if list.len() + rules.len() > MAX_RULES_PER_DIRECTION {
        return Err(ec2_err(
            "RulesPerSecurityGroupLimitExceeded",
            format!("The maximum number of rules per security group ({MAX_RULES_PER_DIRECTION}) has been reached."),
        ));
    }
    list.extend(rules.iter().cloned());
    Ok(())
}

/// RevokeSecurityGroupIngress/Egress. A permission the group lacks is `InvalidPermission.NotFound`
/// (nothing revoked) in a non-default VPC; in the default VPC EC2 returns no error and revokes
/// the ones that match (the API reports the others as `unknownIpPermissionSet`).
fn revoke(r: &mut RegionState, group_id: &str, egress: bool, rules: &[SecurityGroupRule], rule_ids: &[String]) -> Result<(), ModelError> {
    let default_vpc = r.ec2.default_vpc().map(|v| v.id.clone());
    let g = r.ec2.security_groups.get_mut(group_id).ok_or_else(|| ModelError::not_found(ResourceKind::SecurityGroup, group_id))?;
    let lenient = default_vpc.as_ref() == Some(&g.vpc_id);
    let list = if egress { &mut g.egress } else { &mut g.ingress };
    if rules.is_empty() && rule_ids.is_empty() {
        return Err(ec2_err("MissingParameter", "No IP permissions or security group rule ids were specified"));
    }
    for rule in rules {
        if !lenient && !list.iter().any(|x| x.same_permission(rule)) {
            return Err(ec2_err(
                "InvalidPermission.NotFound",
                format!("The specified rule \"{}\" does not exist in this security group.", describe_rule(rule)),
            ));
        }
    }
    for id in rule_ids {
        if !list.iter().any(|x| &x.id == id) {
            return Err(ec2_err("InvalidSecurityGroupRuleId.NotFound", format!("The security group rule ID '{id}' does not exist")));
        }
    }
    list.retain(|x| !rules.iter().any(|rule| x.same_permission(rule)) && !rule_ids.contains(&x.id));
    Ok(())
}

fn associate(r: &mut RegionState, rtb_id: &str, assoc_id: &str, subnet_id: Option<&str>, gateway_id: Option<&str>) -> Result<(), ModelError> {
    let vpc_id = route_table(r, rtb_id)?.vpc_id.clone();
    let conflict = |a: &RouteTableAssociation| (subnet_id.is_some() && a.subnet_id.as_deref() == subnet_id) || (gateway_id.is_some() && a.gateway_id.as_deref() == gateway_id);
    match (subnet_id, gateway_id) {
        (Some(s), None) => {
            let subnet = r.ec2.subnets.get(s).ok_or_else(|| ModelError::not_found(ResourceKind::Subnet, s))?;
            if subnet.vpc_id != vpc_id {
                return Err(ModelError::invalid("subnetId", format!("Route table {rtb_id} and subnet {s} belong to different networks")));
            }
        }
        (None, Some(g)) => {
            let igw = gateway(r, g)?;
            if igw.attached_vpc_id.as_ref() != Some(&vpc_id) {
                return Err(ModelError::invalid("gatewayId", format!("Route table {rtb_id} and gateway {g} belong to different networks")));
            }
        }
        _ => return Err(ModelError::InvalidConfiguration("Exactly one of SubnetId and GatewayId must be specified".into())),
    }
    if let Some(t) = r.ec2.route_tables.values().find(|t| t.associations.iter().any(conflict)) {
        let what = subnet_id.or(gateway_id).unwrap_or_default();
        return Err(ec2_err("Resource.AlreadyAssociated", format!("the specified association for route table {rtb_id} conflicts with an existing association: {what} is associated with {}", t.id)));
    }
    let taken = r.ec2.route_tables.values().any(|t| t.associations.iter().any(|a| a.id == assoc_id));
    fresh(taken, assoc_id)?;
    let rt = r.ec2.route_tables.get_mut(rtb_id).ok_or_else(|| ModelError::not_found(ResourceKind::RouteTable, rtb_id))?;
    rt.associations.push(RouteTableAssociation {
        id: assoc_id.to_string(),
        subnet_id: subnet_id.map(str::to_string),
        gateway_id: gateway_id.map(str::to_string),
        main: false,
    });
    Ok(())
}

/// The internet gateway a route of `rtb_id` (in `vpc_id`) may target: it must exist and be
/// attached to the table's VPC (CreateRoute, ReplaceRoute).
///
/// Errors: `InvalidGatewayID.NotFound`; `InvalidParameterValue` for a gateway of another VPC.
fn route_target(r: &RegionState, rtb_id: &str, vpc_id: &str, gateway_id: &str) -> Result<(), ModelError> {
    let igw = r.ec2.internet_gateways.get(gateway_id).ok_or_else(|| ec2_err("InvalidGatewayID.NotFound", format!("The gateway ID '{gateway_id}' does not exist")))?;
    if igw.attached_vpc_id.as_deref() != Some(vpc_id) {
        return Err(ModelError::invalid("gatewayId", format!("route table {rtb_id} and network gateway {gateway_id} belong to different networks")));
    }
    Ok(())
}

/// ReplaceRoute (EC2 API reference, ReplaceRoute): the route to `destination` gets the target
/// `gateway_id`; `local` resets the local route to its default target, a no-op here since
/// elbow's local routes never have another one (EC2 lets them target interfaces, NAT gateways
/// and Gateway Load Balancer endpoints only, none of which elbow models).
///
/// Errors: `InvalidRouteTableID.NotFound`; `InvalidRoute.NotFound` when the table has no route
/// to `destination`; `InvalidGatewayID.NotFound`; `InvalidParameterValue` for a malformed CIDR,
/// a gateway of another VPC, a gateway for the local route, or `local` for another route.
fn replace_route(r: &mut RegionState, rtb_id: &str, destination: &str, gateway_id: &str) -> Result<(), ModelError> {
    let rt = route_table(r, rtb_id)?;
    Cidr4::parse(destination).ok_or_else(|| invalid_cidr("destinationCidrBlock", destination))?;
    let Some(pos) = rt.routes.iter().position(|x| x.destination_cidr_block == destination) else {
        return Err(ec2_err("InvalidRoute.NotFound", format!("There is no route defined for '{destination}' in the route table. Use a different destination")));
    };
    let is_local = rt.routes[pos].gateway_id == "local";
    match (is_local, gateway_id == "local") {
        (true, true) => return Ok(()),
        (false, true) => return Err(ModelError::invalid("localTarget", format!("The route {destination} in route table {rtb_id} is not a local route; only a local route can be reset to target local"))),
        (true, false) => {
            return Err(ModelError::invalid("gatewayId", "Route target is not supported. The local route only supports network interface, NAT gateway and Gateway Load Balancer endpoint targets."));
        }
        (false, false) => {}
    }
    let vpc_id = rt.vpc_id.clone();
    route_target(r, rtb_id, &vpc_id, gateway_id)?;
    if let Some(rt) = r.ec2.route_tables.get_mut(rtb_id) {
        rt.routes[pos].gateway_id = gateway_id.to_string();
    }
    Ok(())
}

/// ReplaceRouteTableAssociation (EC2 API reference of that name): the subnet, gateway or main
/// association `assoc_id` moves to table `rtb_id` under the id `new_id`. Moving the main
/// association makes `rtb_id` the VPC's main route table (so DeleteVpc deletes it, and the old
/// one becomes an ordinary table).
///
/// Errors: `InvalidAssociationID.NotFound`; `InvalidRouteTableID.NotFound`;
/// `InvalidParameterValue` when the table is in another VPC than the association's.
fn replace_association(r: &mut RegionState, assoc_id: &str, rtb_id: &str, new_id: &str) -> Result<(), ModelError> {
    let (old_rtb, old_vpc, assoc) = r
        .ec2
        .route_tables
        .values()
        .find_map(|t| t.associations.iter().find(|a| a.id == assoc_id).map(|a| (t.id.clone(), t.vpc_id.clone(), a.clone())))
        .ok_or_else(|| ModelError::not_found(ResourceKind::RouteTableAssociation, assoc_id))?;
    let new_vpc = route_table(r, rtb_id)?.vpc_id.clone();
    if new_vpc != old_vpc {
        return Err(ModelError::invalid("routeTableId", format!("Route table {rtb_id} and association {assoc_id} belong to different networks")));
    }
    let taken = r.ec2.route_tables.values().any(|t| t.associations.iter().any(|a| a.id == new_id));
    fresh(taken, new_id)?;
    if let Some(t) = r.ec2.route_tables.get_mut(&old_rtb) {
        t.associations.retain(|a| a.id != assoc_id);
    }
    if let Some(t) = r.ec2.route_tables.get_mut(rtb_id) {
        t.associations.push(RouteTableAssociation { id: new_id.to_string(), ..assoc.clone() });
    }
    if assoc.main
        && let Some(v) = r.ec2.vpcs.get_mut(&new_vpc)
    {
        v.main_route_table_id = rtb_id.to_string();
    }
    Ok(())
}

/// The id of the default subnet CreateDefaultVpc makes in `zone`: derived from the new VPC's
/// id, so the command need not carry one id per zone.
pub(crate) fn default_subnet_id(vpc_id: &str, zone: &str) -> String {
    format!("subnet-{}", ids::stable_hex_id(&format!("{vpc_id}/default-subnet-{zone}"), 17))
}

/// CreateDefaultVpc (EC2 API reference of that name): a default VPC made as a region's initial
/// one is ([`ec2::Ec2State::insert_default_vpc`]), with a default subnet in every zone.
///
/// Errors: `DefaultVpcAlreadyExists` while the region has a default VPC.
fn create_default_vpc(r: &mut RegionState, parts: &DefaultVpcIds, now: Millis) -> Result<(), ModelError> {
    if r.ec2.default_vpc().is_some() {
        return Err(ec2_err("DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region."));
    }
    let e = &r.ec2;
    fresh(e.vpcs.contains_key(&parts.vpc_id), &parts.vpc_id)?;
    fresh(e.security_groups.contains_key(&parts.security_group_id), &parts.security_group_id)?;
    fresh(e.route_tables.contains_key(&parts.route_table_id), &parts.route_table_id)?;
    fresh(e.internet_gateways.contains_key(&parts.internet_gateway_id), &parts.internet_gateway_id)?;
    let subnet_ids: Vec<String> = e.zones.iter().map(|z| default_subnet_id(&parts.vpc_id, z)).collect();
    for id in &subnet_ids {
        fresh(e.subnets.contains_key(id), id)?;
    }
    let region = r.name.clone();
    r.ec2.insert_default_vpc(&region, parts, |zone| default_subnet_id(&parts.vpc_id, zone));
    created(r, [&parts.vpc_id, &parts.security_group_id, &parts.route_table_id, &parts.internet_gateway_id], now);
    created(r, &subnet_ids, now);
    Ok(())
}

#[cfg(test)]
mod tests;
