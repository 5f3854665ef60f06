//! CreateTags, DeleteTags, DescribeTags (EC2 API reference pages of the same names; output
//! shape `TagDescription`) over the resources elbow keeps: VPCs, subnets, security groups,
//! internet gateways, route tables, instances and launch templates.

use std::collections::BTreeMap;
use std::rc::Rc;

use model::command::TagKeyValue;
use model::{Ec2Command, RegionState};

use super::filters::{self, one};
use super::{check_dry_run, invalid, list, missing, ok, paginate, required, structs, submit, tag_list};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request};

/// Filter names of DescribeTags (besides `tag:<key>`, `tag-key`, `tag-value`).
const FILTERS: &[&str] = &["resource-id", "resource-type", "key", "value"];

/// `ResourceId.N`, at least one.
fn resource_ids(req: &Request) -> Result<Vec<String>, ApiError> {
    let ids = list(&req.params, "ResourceId")?;
    if ids.is_empty() {
        return Err(missing("ResourceId.1"));
    }
    Ok(ids)
}

/// `CreateTags`: `ResourceId.N`, `Tag.N.Key`/`Tag.N.Value` (value defaults to empty). Adds or
/// overwrites. Output `return`.
///
/// Errors: `MissingParameter`; `Invalid…ID.NotFound` for an unknown resource, `InvalidID` for
/// an id of a kind elbow does not keep; `InvalidParameterValue` for bad keys;
/// `TagLimitExceeded` past 50 tags.
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let resource_ids = resource_ids(req)?;
    let tags = tag_list(&req.params)?;
    if tags.is_empty() {
        return Err(missing("Tag.1.Key"));
    }
    submit(api, req, Ec2Command::CreateTags { resource_ids, tags }).await?;
    ok(x);
    Ok(())
}

/// `DeleteTags`: `ResourceId.N`, `Tag.N.Key` with optional `Tag.N.Value` (delete only if the
/// value matches; `Value=` matches the empty value). No `Tag.N` deletes every tag. Output
/// `return`.
///
/// Errors: as CreateTags.
pub(crate) async fn delete(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let resource_ids = resource_ids(req)?;
    let tags = structs(&req.params, "Tag")?
        .iter()
        .map(|t| Ok(TagKeyValue { key: required(t, "Key")?.to_string(), value: t.get("Value").map(str::to_string) }))
        .collect::<Result<Vec<_>, ApiError>>()?;
    submit(api, req, Ec2Command::DeleteTags { resource_ids, tags }).await?;
    ok(x);
    Ok(())
}

/// One tag of one resource; `tags` are all of that resource's, for the `tag:` filters.
struct Row<'a> {
    id: &'a str,
    kind: &'static str,
    tags: Rc<BTreeMap<String, String>>,
    key: String,
    value: String,
}

fn rows(r: &RegionState) -> Vec<Row<'_>> {
    let e = &r.ec2;
    let mut resources: Vec<(&str, &'static str, BTreeMap<String, String>)> = Vec::new();
    resources.extend(e.vpcs.values().map(|v| (v.id.as_str(), "vpc", v.tags.clone())));
    resources.extend(e.subnets.values().map(|v| (v.id.as_str(), "subnet", v.tags.clone())));
    resources.extend(e.security_groups.values().map(|v| (v.id.as_str(), "security-group", v.tags.clone())));
    resources.extend(e.internet_gateways.values().map(|v| (v.id.as_str(), "internet-gateway", v.tags.clone())));
    resources.extend(e.route_tables.values().map(|v| (v.id.as_str(), "route-table", v.tags.clone())));
    // CreateTags also tags instances and launch templates (`i-…`, `lt-…`), so they list too;
    // an instance launched from a template also carries EC2's `aws:ec2launchtemplate:*` tags,
    // as DescribeInstances reports them.
    resources.extend(e.instances.values().map(|i| {
        let mut tags = i.tags.clone();
        if let Some(lt) = &i.launch_template {
            tags.insert("aws:ec2launchtemplate:id".into(), lt.id.clone());
            tags.insert("aws:ec2launchtemplate:version".into(), lt.version.to_string());
        }
        (i.id.as_str(), "instance", tags)
    }));
    resources.extend(e.launch_templates.values().map(|v| (v.id.as_str(), "launch-template", v.tags.clone())));
    let mut out: Vec<Row<'_>> = Vec::new();
    for (id, kind, tags) in resources {
        let tags = Rc::new(tags);
        out.extend(tags.iter().map(|(k, v)| Row { id, kind, tags: Rc::clone(&tags), key: k.clone(), value: v.clone() }));
    }
    out.sort_by(|a, b| (a.id, &a.key).cmp(&(b.id, &b.key)));
    out
}

/// `DescribeTags`: `Filter.N` (`resource-id`, `resource-type`, `key`, `value`, `tag:<key>`),
/// `MaxResults` (5–1000), `NextToken`. Output `tagSet` of
/// `{resourceId, resourceType, key, value}`, `nextToken`.
///
/// Errors: `InvalidParameterValue` for an unknown filter or resource type.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let filters = filters::decode(p, FILTERS)?;
    for f in filters.iter().filter(|f| f.name == "resource-type") {
        // Accept every EC2 resource type; elbow simply has none of most of them.
        if let Some(v) = f.values.iter().find(|v| v.is_empty()) {
            return Err(invalid(format!("The filter value '{v}' is invalid for resource-type")));
        }
    }
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let mut rows = rows(&r);
    filters::retain(&mut rows, &filters, |row| Some(&*row.tags), |row, name| match name {
        "resource-id" => one(row.id),
        "resource-type" => one(row.kind),
        "key" => one(&row.key),
        "value" => one(&row.value),
        _ => vec![],
    });
    let (page, next) = paginate(rows, p, 5, 1000)?;
    check_dry_run(p)?;
    x.list("tagSet", "item", page, |x, row| {
        x.text("resourceId", row.id).text("resourceType", row.kind).text("key", &row.key).text("value", &row.value);
    })
    .opt("nextToken", next);
    Ok(())
}
