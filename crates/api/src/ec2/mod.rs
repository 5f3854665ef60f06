//! EC2 (2016-11-15) subset: VPCs (and their DNS attributes), default VPCs, subnets (and their
//! attributes), availability zones, security groups and their rules, tags,
//! internet gateways, route tables, launch templates, instances and images, on EC2's own protocol (flattened `Name.N` lists in,
//! `<ActionResponse><requestId>` with lowerCamel elements and `<item>` lists out, errors as
//! `<Response><Errors>`). Element names follow the `locationName`s of botocore's `ec2` model.
//!
//! This module holds the dispatch and what every action shares: parameter decoding with EC2's
//! error codes, `DryRun`, `TagSpecification`, `MaxResults`/`NextToken` pagination and `tagSet`.

mod filters;
mod gateways;
mod images;
mod instances;
mod launch_templates;
mod route_tables;
mod rules;
mod security_groups;
mod subnets;
mod tags;
mod vpcs;
mod zones;

use std::collections::BTreeMap;
use std::sync::Arc;

use model::ec2::Ec2State;
use model::{Command, Ec2Command, ModelError, ResourceKind, Snapshot};

use crate::error::ApiError;
use crate::params::Params;
use crate::server::ec2_response;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

/// Runs one EC2 action and returns the whole response document (`ec2_response`).
///
/// Errors: `InvalidAction` for an action outside the networking subset; otherwise the
/// action's own errors (see each handler).
pub(crate) async fn dispatch(api: &Api, req: &Request) -> Result<String, ApiError> {
    let mut x = Xml::new();
    match req.action.as_str() {
        "CreateVpc" => vpcs::create(api, req, &mut x).await?,
        "DescribeVpcs" => vpcs::describe(api, req, &mut x)?,
        "DescribeVpcAttribute" => vpcs::describe_attribute(api, req, &mut x)?,
        "ModifyVpcAttribute" => vpcs::modify_attribute(api, req, &mut x).await?,
        "CreateDefaultVpc" => vpcs::create_default(api, req, &mut x).await?,
        "DeleteVpc" => vpcs::delete(api, req, &mut x).await?,
        "CreateSubnet" => subnets::create(api, req, &mut x).await?,
        "DescribeSubnets" => subnets::describe(api, req, &mut x)?,
        "DeleteSubnet" => subnets::delete(api, req, &mut x).await?,
        "ModifySubnetAttribute" => subnets::modify_attribute(api, req, &mut x).await?,
        "DescribeAvailabilityZones" => zones::describe(api, req, &mut x)?,
        "CreateSecurityGroup" => security_groups::create(api, req, &mut x).await?,
        "DescribeSecurityGroups" => security_groups::describe(api, req, &mut x)?,
        "DeleteSecurityGroup" => security_groups::delete(api, req, &mut x).await?,
        "AuthorizeSecurityGroupIngress" => rules::authorize(api, req, false, &mut x).await?,
        "AuthorizeSecurityGroupEgress" => rules::authorize(api, req, true, &mut x).await?,
        "RevokeSecurityGroupIngress" => rules::revoke(api, req, false, &mut x).await?,
        "RevokeSecurityGroupEgress" => rules::revoke(api, req, true, &mut x).await?,
        "DescribeSecurityGroupRules" => rules::describe(api, req, &mut x)?,
        "CreateTags" => tags::create(api, req, &mut x).await?,
        "DeleteTags" => tags::delete(api, req, &mut x).await?,
        "DescribeTags" => tags::describe(api, req, &mut x)?,
        "CreateInternetGateway" => gateways::create(api, req, &mut x).await?,
        "AttachInternetGateway" => gateways::attach(api, req, &mut x).await?,
        "DetachInternetGateway" => gateways::detach(api, req, &mut x).await?,
        "DeleteInternetGateway" => gateways::delete(api, req, &mut x).await?,
        "DescribeInternetGateways" => gateways::describe(api, req, &mut x)?,
        "CreateRouteTable" => route_tables::create(api, req, &mut x).await?,
        "DeleteRouteTable" => route_tables::delete(api, req, &mut x).await?,
        "AssociateRouteTable" => route_tables::associate(api, req, &mut x).await?,
        "DisassociateRouteTable" => route_tables::disassociate(api, req, &mut x).await?,
        "ReplaceRouteTableAssociation" => route_tables::replace_association(api, req, &mut x).await?,
        "CreateRoute" => route_tables::create_route(api, req, &mut x).await?,
        "ReplaceRoute" => route_tables::replace_route(api, req, &mut x).await?,
        "DeleteRoute" => route_tables::delete_route(api, req, &mut x).await?,
        "DescribeRouteTables" => route_tables::describe(api, req, &mut x)?,
        "CreateLaunchTemplate" => launch_templates::create(api, req, &mut x).await?,
        "CreateLaunchTemplateVersion" => launch_templates::create_version(api, req, &mut x).await?,
        "ModifyLaunchTemplate" => launch_templates::modify(api, req, &mut x).await?,
        "DeleteLaunchTemplate" => launch_templates::delete(api, req, &mut x).await?,
        "DescribeLaunchTemplates" => launch_templates::describe(api, req, &mut x)?,
        "DescribeLaunchTemplateVersions" => launch_templates::describe_versions(api, req, &mut x)?,
        "RunInstances" => instances::run(api, req, &mut x).await?,
        "DescribeInstances" => instances::describe(api, req, &mut x)?,
        "DescribeInstanceStatus" => instances::describe_status(api, req, &mut x)?,
        "StopInstances" | "StartInstances" | "TerminateInstances" => instances::change_state(api, req, &mut x).await?,
        "DescribeInstanceAttribute" => instances::describe_attribute(api, req, &mut x)?,
        "ModifyInstanceAttribute" => instances::modify_attribute(api, req, &mut x).await?,
        "DescribeImages" => instances::describe_images(api, req, &mut x)?,
        "CreateImage" => images::create(api, req, &mut x).await?,
        "DeregisterImage" => images::deregister(api, req, &mut x).await?,
        "GetConsoleOutput" => instances::console_output(api, req, &mut x)?,
        other => {
            return Err(ApiError::new("InvalidAction", format!("The action '{other}' is not valid for EC2, or elbow does not implement it yet")));
        }
    }
    Ok(ec2_response(&req.action, &req.request_id, x.as_str()))
}

/// Submits an EC2 command in the request's region and returns the committed snapshot.
///
/// With `DryRun=true` nothing is submitted: the command is tried against the current snapshot
/// and the answer is its error, or HTTP 412 `DryRunOperation` if it would have succeeded.
pub(crate) async fn submit(api: &Api, req: &Request, op: Ec2Command) -> Result<Arc<Snapshot>, ApiError> {
    let cmd = Command::Ec2 { region: req.region.clone(), op };
    if boolean(&req.params, "DryRun")?.unwrap_or(false) {
        api.state.current().apply(&cmd).map_err(model_error)?;
        return Err(dry_run_error());
    }
    api.state.submit(cmd).await.map_err(|e| match e {
        state::SubmitError::Model(m) => model_error(m),
        other => other.into(),
    })
}

fn dry_run_error() -> ApiError {
    ApiError { status: 412, code: "DryRunOperation".into(), message: "Request would have succeeded, but DryRun flag is set.".into() }
}

/// For read-only actions: HTTP 412 `DryRunOperation` when `DryRun=true` (call after validating).
pub(crate) fn check_dry_run(p: &Params) -> Result<(), ApiError> {
    if boolean(p, "DryRun")?.unwrap_or(false) { Err(dry_run_error()) } else { Ok(()) }
}

/// Maps a model error to EC2's code and AWS's wording ("The vpc ID 'vpc-1' does not exist").
/// Other messages pass verbatim: the EC2 model writes them as EC2 does, some starting in
/// lower case ("resource sg-… has a dependent object"), which the shared mapping would
/// capitalise.
pub(crate) fn model_error(e: ModelError) -> ApiError {
    match e {
        ModelError::NotFound { kind, id } => not_found(kind, &[id.as_str()]),
        other => {
            let message = other.to_string();
            ApiError { message, ..ApiError::from_model(other, Service::Ec2) }
        }
    }
}

/// The `…NotFound` error for one or more ids of `kind`, worded as EC2 words it.
pub(crate) fn not_found(kind: ResourceKind, ids: &[&str]) -> ApiError {
    let (code, noun) = match kind {
        ResourceKind::Vpc => ("InvalidVpcID.NotFound", "vpc ID"),
        ResourceKind::Subnet => ("InvalidSubnetID.NotFound", "subnet ID"),
        ResourceKind::SecurityGroup => ("InvalidGroup.NotFound", "security group"),
        ResourceKind::InternetGateway => ("InvalidInternetGatewayID.NotFound", "internetGateway ID"),
        ResourceKind::RouteTable => ("InvalidRouteTableID.NotFound", "routeTable ID"),
        ResourceKind::RouteTableAssociation => ("InvalidAssociationID.NotFound", "association ID"),
        ResourceKind::AvailabilityZone => {
            return ApiError::new("InvalidParameterValue", format!("Invalid availability zone: [{}]", ids.join(", ")));
        }
        other => return ApiError::from_model(ModelError::not_found(other, ids.join(", ")), Service::Ec2),
    };
    let message = match ids {
        [one] => format!("The {noun} '{one}' does not exist"),
        many => format!("The {noun}s '{}' do not exist", many.join(", ")),
    };
    ApiError::new(code, message)
}

/// `InvalidParameterValue` with `message`.
pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterValue", message)
}

/// `MissingParameter` for `key`.
pub(crate) fn missing(key: &str) -> ApiError {
    ApiError::new("MissingParameter", format!("The request must contain the parameter {key}"))
}

/// EC2 reports malformed parameters as `InvalidParameterValue`, never `ValidationError`.
fn ec2_code(mut e: ApiError) -> ApiError {
    if e.code == "ValidationError" {
        e.code = "InvalidParameterValue".into();
    }
    e
}

/// A required non-empty string. Errors: `MissingParameter`.
pub(crate) fn required<'a>(p: &'a Params, key: &str) -> Result<&'a str, ApiError> {
    p.get(key).filter(|v| !v.is_empty()).ok_or_else(|| missing(key))
}

/// An optional integer. Errors: `InvalidParameterValue` naming the value and parameter.
pub(crate) fn int(p: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    match p.get(key) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| invalid(format!("Invalid value '{v}' for {key}: not an integer"))),
    }
}

/// An optional boolean (`true`/`false`). Errors: `InvalidParameterValue`.
pub(crate) fn boolean(p: &Params, key: &str) -> Result<Option<bool>, ApiError> {
    match p.get(key) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(invalid(format!("Invalid value '{v}' for {key}: must be true or false"))),
    }
}

/// A flattened string list `Key.1`, `Key.2`, … (empty if absent).
pub(crate) fn list(p: &Params, key: &str) -> Result<Vec<String>, ApiError> {
    Ok(p.list(key).map_err(ec2_code)?.unwrap_or_default())
}

/// A flattened structure list `Key.1.Member`, … (empty if absent).
pub(crate) fn structs(p: &Params, key: &str) -> Result<Vec<Params>, ApiError> {
    Ok(p.structs(key).map_err(ec2_code)?.unwrap_or_default())
}

/// Refuses a parameter elbow does not model, rather than silently ignoring it.
pub(crate) fn unsupported(p: &Params, keys: &[&str]) -> Result<(), ApiError> {
    match keys.iter().find(|k| p.has(k)) {
        Some(k) => Err(invalid(format!("elbow does not support the parameter {k} (only IPv4 networking without IPAM, prefix lists or other gateway types)"))),
        None => Ok(()),
    }
}

/// `Tag.N.Key` / `Tag.N.Value` pairs of `p` (a request or one `TagSpecification`).
pub(crate) fn tag_list(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    structs(p, "Tag")?.iter().map(|t| Ok((required(t, "Key")?.to_string(), t.get("Value").unwrap_or("").to_string()))).collect()
}

/// Tags of `TagSpecification.N` for a new resource of `resource_type` (`vpc`, `subnet`, …).
///
/// Errors: `InvalidParameterValue` if a specification names another resource type.
pub(crate) fn tag_specifications(p: &Params, resource_type: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for spec in structs(p, "TagSpecification")? {
        match spec.get("ResourceType") {
            Some(t) if t == resource_type => out.extend(tag_list(&spec)?),
            Some(t) => return Err(invalid(format!("'{t}' is not a valid taggable resource type for this operation."))),
            None => return Err(missing("TagSpecification.N.ResourceType")),
        }
    }
    Ok(out)
}

/// `<tagSet>` of a resource.
pub(crate) fn tag_set(x: &mut Xml, tags: &BTreeMap<String, String>) {
    x.list("tagSet", "item", tags, |x, (k, v)| {
        x.text("key", k).text("value", v);
    });
}

/// `<return>true</return>`, the answer of actions without other output.
pub(crate) fn ok(x: &mut Xml) {
    x.text("return", "true");
}

/// Sorts `items` by creation time, then id (the default resources, created at 0, come first).
pub(crate) fn sort_by_creation<T>(e: &Ec2State, items: &mut [T], id: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| {
        let ka = (e.created.get(id(a)).copied().unwrap_or(0), id(a));
        let kb = (e.created.get(id(b)).copied().unwrap_or(0), id(b));
        ka.cmp(&kb)
    });
}

/// Looks up each id of `ids`; every unknown one goes into one `…NotFound` error.
pub(crate) fn by_ids<'a, T>(ids: &[String], kind: ResourceKind, get: impl Fn(&str) -> Option<&'a T>) -> Result<Vec<&'a T>, ApiError> {
    let mut found = Vec::new();
    let mut missing_ids: Vec<&str> = Vec::new();
    for id in ids {
        match get(id) {
            Some(t) => found.push(t),
            None => missing_ids.push(id),
        }
    }
    if !missing_ids.is_empty() {
        return Err(not_found(kind, &missing_ids));
    }
    Ok(found)
}

/// `MaxResults` (within `min..=max`) / `NextToken` pagination. The token is the index of the
/// next item; a page is never empty while items remain, so every token advances.
///
/// Errors: `InvalidParameterValue` for a bad `MaxResults`, `InvalidPaginationToken` for a
/// token this listing did not issue.
pub(crate) fn paginate<T>(items: Vec<T>, p: &Params, min: i64, max: i64) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = match int(p, "MaxResults")? {
        None => usize::MAX,
        Some(n) if (min..=max).contains(&n) => n as usize,
        Some(n) => return Err(invalid(format!("Value ( {n} ) for parameter maxResults is invalid. Parameter must be between {min} and {max}."))),
    };
    let start = match p.get("NextToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|&n| n <= items.len())
            .ok_or_else(|| ApiError::new("InvalidPaginationToken", format!("The pagination token '{t}' is not valid or is expired.")))?,
    };
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items.into_iter().skip(start).take(end - start).collect(), next))
}

/// The `ownerId` of every resource: the configured account.
pub(crate) fn owner(api: &Api) -> &str {
    &api.config.account_id
}


#[cfg(test)]
mod tests;
#[cfg(test)]
mod instance_tests;
