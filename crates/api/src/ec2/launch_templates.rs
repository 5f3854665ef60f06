//! CreateLaunchTemplate, CreateLaunchTemplateVersion, ModifyLaunchTemplate,
//! DescribeLaunchTemplates, DescribeLaunchTemplateVersions, DeleteLaunchTemplate (EC2 API
//! reference pages of the same names; output shapes `LaunchTemplate`, `LaunchTemplateVersion`,
//! `ResponseLaunchTemplateData`).

use std::collections::BTreeMap;

use model::Ec2Command;
use model::instance::{
    CreateLaunchTemplate, LaunchTemplate, LaunchTemplateData, LaunchTemplateRef,
    LaunchTemplateVersion,
};

use super::filters::{self, flag, one};
use super::{
    check_dry_run, invalid, list, missing, owner, paginate, required, structs, submit, tag_list,
    tag_set,
};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::{Xml, timestamp};
use crate::{Api, Request, ids};

/// Members of `LaunchTemplateData` elbow keeps as typed fields; the rest go to `other`.
const TYPED: &[&str] = &[
    "ImageId",
    "InstanceType",
    "UserData",
    "KeyName",
    "SecurityGroupId",
    "SecurityGroup",
    "TagSpecification",
];

/// Decodes `LaunchTemplateData.*` (`RequestLaunchTemplateData` flattened as the EC2 protocol
/// sends it). `None` if no member was sent.
pub(crate) fn decode_data(p: &Params, key: &str) -> Result<Option<LaunchTemplateData>, ApiError> {
    let d = p.sub(key);
    if d.pairs().next().is_none() {
        return Ok(None);
    }
    let mut tag_specifications = Vec::new();
    for spec in structs(&d, "TagSpecification")? {
        let t = spec
            .get("ResourceType")
            .ok_or_else(|| missing(&format!("{key}.TagSpecification.N.ResourceType")))?;
        tag_specifications.push((t.to_string(), tag_list(&spec)?));
    }
    let other = d
        .pairs()
        .filter(|(k, _)| {
            !TYPED
                .iter()
                .any(|t| k == t || k.starts_with(&format!("{t}.")))
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ok(Some(LaunchTemplateData {
        image_id: d.get("ImageId").map(str::to_string),
        instance_type: d.get("InstanceType").map(str::to_string),
        user_data: d.get("UserData").map(str::to_string),
        key_name: d.get("KeyName").map(str::to_string),
        security_group_ids: list(&d, "SecurityGroupId")?,
        security_groups: list(&d, "SecurityGroup")?,
        tag_specifications,
        other,
    }))
}

/// `LaunchTemplateId` or `LaunchTemplateName` (exactly one).
///
/// Errors: `MissingParameter` without either, `InvalidParameterCombination` with both.
pub(crate) fn template_ref(p: &Params) -> Result<LaunchTemplateRef, ApiError> {
    match (
        p.get("LaunchTemplateId").filter(|s| !s.is_empty()),
        p.get("LaunchTemplateName").filter(|s| !s.is_empty()),
    ) {
        (Some(_), Some(_)) => Err(ApiError::new(
            "InvalidParameterCombination",
            "Only one of LaunchTemplateId and LaunchTemplateName may be specified",
        )),
        (Some(id), None) => Ok(LaunchTemplateRef::Id(id.to_string())),
        (None, Some(n)) => Ok(LaunchTemplateRef::Name(n.to_string())),
        (None, None) => Err(missing("LaunchTemplateId or LaunchTemplateName")),
    }
}

fn created_by(api: &Api) -> String {
    format!("arn:aws:iam::{}:root", owner(api))
}

/// One `LaunchTemplate` element body.
fn render(x: &mut Xml, api: &Api, t: &LaunchTemplate) {
    x.text("launchTemplateId", &t.id)
        .text("launchTemplateName", &t.name)
        .text("createTime", timestamp(t.created))
        .text("createdBy", created_by(api))
        .text("defaultVersionNumber", t.default_version.to_string())
        .text("latestVersionNumber", t.latest_version.to_string());
    tag_set(x, &t.tags);
}

/// `ResponseLaunchTemplateData` body.
pub(crate) fn render_data(x: &mut Xml, d: &LaunchTemplateData) {
    x.opt("imageId", d.image_id.as_deref())
        .opt("instanceType", d.instance_type.as_deref())
        .opt("keyName", d.key_name.as_deref())
        .opt("userData", d.user_data.as_deref());
    if !d.security_group_ids.is_empty() {
        x.strings("securityGroupIdSet", "item", &d.security_group_ids);
    }
    if !d.security_groups.is_empty() {
        x.strings("securityGroupSet", "item", &d.security_groups);
    }
    if !d.tag_specifications.is_empty() {
        x.list(
            "tagSpecificationSet",
            "item",
            &d.tag_specifications,
            |x, (t, tags)| {
                let tags: BTreeMap<String, String> = tags.iter().cloned().collect();
                x.text("resourceType", t);
                tag_set(x, &tags);
            },
        );
    }
}

/// One `LaunchTemplateVersion` element body.
fn render_version(x: &mut Xml, api: &Api, t: &LaunchTemplate, v: &LaunchTemplateVersion) {
    x.text("launchTemplateId", &t.id)
        .text("launchTemplateName", &t.name)
        .text("versionNumber", v.number.to_string())
        .opt("versionDescription", v.description.as_deref())
        .text("createTime", timestamp(v.created))
        .text("createdBy", created_by(api))
        .text(
            "defaultVersion",
            (v.number == t.default_version).to_string(),
        )
        .elem("launchTemplateData", |x| render_data(x, &v.data));
}

fn not_found(r: &LaunchTemplateRef) -> ApiError {
    match r {
        LaunchTemplateRef::Id(id) => ApiError::new(
            "InvalidLaunchTemplateId.NotFound",
            format!("The specified launch template, with template ID {id}, does not exist."),
        ),
        LaunchTemplateRef::Name(n) => ApiError::new(
            "InvalidLaunchTemplateName.NotFoundException",
            format!("The specified launch template, with template name {n}, does not exist."),
        ),
    }
}

fn version_description(p: &Params) -> Result<Option<String>, ApiError> {
    match p.get("VersionDescription") {
        Some(d) if d.chars().count() > 255 => {
            Err(invalid("VersionDescription must be at most 255 characters"))
        }
        d => Ok(d.map(str::to_string)),
    }
}

/// `CreateLaunchTemplate`: `LaunchTemplateName`, `LaunchTemplateData.*`, `VersionDescription`,
/// `TagSpecification.N` (`launch-template`). Output `launchTemplate`.
///
/// Errors: `MissingParameter`; `InvalidLaunchTemplateName.AlreadyExistsException`,
/// `InvalidLaunchTemplateName.MalformedException`, `InvalidAMIID.Malformed`.
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = required(p, "LaunchTemplateName")?.to_string();
    let data =
        decode_data(p, "LaunchTemplateData")?.ok_or_else(|| missing("LaunchTemplateData"))?;
    let id = ids::ec2("lt");
    let op = Ec2Command::CreateLaunchTemplate(CreateLaunchTemplate {
        id: id.clone(),
        name,
        description: version_description(p)?,
        data,
        tags: super::tag_specifications(p, "launch-template")?,
        now: state::now_millis(),
    });
    let snap = submit(api, req, op).await?;
    let r = snap.region(&req.region);
    let t = r
        .ec2
        .launch_templates
        .get(&id)
        .ok_or_else(|| ApiError::internal("launch template vanished after create"))?;
    x.elem("launchTemplate", |x| render(x, api, t));
    Ok(())
}

/// `CreateLaunchTemplateVersion`: `LaunchTemplateId`|`LaunchTemplateName`, `SourceVersion`,
/// `VersionDescription`, `LaunchTemplateData.*`. Output `launchTemplateVersion`.
///
/// Errors: the template's `…NotFound`; `InvalidLaunchTemplateId.VersionNotFound` for a bad
/// `SourceVersion`.
pub(crate) async fn create_version(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let template = template_ref(p)?;
    let data =
        decode_data(p, "LaunchTemplateData")?.ok_or_else(|| missing("LaunchTemplateData"))?;
    let op = Ec2Command::CreateLaunchTemplateVersion {
        template: template.clone(),
        source_version: p.get("SourceVersion").map(str::to_string),
        description: version_description(p)?,
        data,
        now: state::now_millis(),
    };
    let snap = submit(api, req, op).await?;
    let r = snap.region(&req.region);
    let t = r
        .ec2
        .launch_template(&template)
        .ok_or_else(|| ApiError::internal("launch template vanished"))?;
    let v = t
        .version(Some("$Latest"))
        .ok_or_else(|| ApiError::internal("launch template version vanished"))?;
    x.elem("launchTemplateVersion", |x| render_version(x, api, t, v));
    Ok(())
}

/// `ModifyLaunchTemplate`: `LaunchTemplateId`|`LaunchTemplateName`, `SetDefaultVersion`
/// (member `DefaultVersion`). Output `launchTemplate`.
pub(crate) async fn modify(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let template = template_ref(p)?;
    let default_version = p
        .get("SetDefaultVersion")
        .or(p.get("DefaultVersion"))
        .map(str::to_string);
    let snap = submit(
        api,
        req,
        Ec2Command::ModifyLaunchTemplate {
            template: template.clone(),
            default_version,
        },
    )
    .await?;
    let r = snap.region(&req.region);
    let t = r
        .ec2
        .launch_template(&template)
        .ok_or_else(|| ApiError::internal("launch template vanished"))?;
    x.elem("launchTemplate", |x| render(x, api, t));
    Ok(())
}

/// `DeleteLaunchTemplate`: `LaunchTemplateId`|`LaunchTemplateName`. Output `launchTemplate`
/// (as it was).
pub(crate) async fn delete(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let template = template_ref(&req.params)?;
    let before = api.state.current();
    let old = before
        .region(&req.region)
        .ec2
        .launch_template(&template)
        .cloned()
        .ok_or_else(|| not_found(&template))?;
    submit(
        api,
        req,
        Ec2Command::DeleteLaunchTemplate {
            template: LaunchTemplateRef::Id(old.id.clone()),
        },
    )
    .await?;
    x.elem("launchTemplate", |x| render(x, api, &old));
    Ok(())
}

/// Filter names of DescribeLaunchTemplates.
const FILTERS: &[&str] = &["create-time", "launch-template-name"];

/// `DescribeLaunchTemplates`: `LaunchTemplateId.N`, `LaunchTemplateName.N`, `Filter.N`,
/// `MaxResults` (1–200), `NextToken`. Output `launchTemplates`, `nextToken`.
///
/// Errors: `InvalidLaunchTemplateId.NotFound` / `InvalidLaunchTemplateName.NotFoundException`
/// for a named template that does not exist.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let ids_wanted = list(p, "LaunchTemplateId")?;
    let names_wanted = list(p, "LaunchTemplateName")?;
    let filters = filters::decode(p, FILTERS)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let e = &r.ec2;
    for id in &ids_wanted {
        if !e.launch_templates.contains_key(id) {
            return Err(not_found(&LaunchTemplateRef::Id(id.clone())));
        }
    }
    for n in &names_wanted {
        if !e.launch_templates.values().any(|t| &t.name == n) {
            return Err(ApiError::new(
                "InvalidLaunchTemplateName.NotFoundException",
                "At least one of the launch templates specified in the request does not exist.",
            ));
        }
    }
    let mut out: Vec<&LaunchTemplate> = e
        .launch_templates
        .values()
        .filter(|t| {
            (ids_wanted.is_empty() && names_wanted.is_empty())
                || ids_wanted.contains(&t.id)
                || names_wanted.contains(&t.name)
        })
        .collect();
    out.sort_by_key(|t| (t.created, t.id.clone()));
    filters::retain(
        &mut out,
        &filters,
        |t| Some(&t.tags),
        |t, name| match name {
            "create-time" => one(timestamp(t.created)),
            "launch-template-name" => one(&t.name),
            _ => vec![],
        },
    );
    let (page, next) = paginate(out, p, 1, 200)?;
    check_dry_run(p)?;
    x.list("launchTemplates", "item", page, |x, t| render(x, api, t))
        .opt("nextToken", next);
    Ok(())
}

/// Filter names of DescribeLaunchTemplateVersions elbow evaluates.
const VERSION_FILTERS: &[&str] = &["image-id", "instance-type", "is-default-version"];

/// `DescribeLaunchTemplateVersions`: `LaunchTemplateId`|`LaunchTemplateName`,
/// `LaunchTemplateVersion.N` (numbers, `$Latest`, `$Default`), `MinVersion`, `MaxVersion`,
/// `Filter.N`, `MaxResults` (1–200), `NextToken`. Output `launchTemplateVersionSet`.
///
/// Errors: the template's `…NotFound`; `InvalidLaunchTemplateId.VersionNotFound`.
pub(crate) fn describe_versions(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let template = template_ref(p)?;
    let wanted = list(p, "LaunchTemplateVersion")?;
    let filters = filters::decode(p, VERSION_FILTERS)?;
    let bound = |k: &str| -> Result<Option<u64>, ApiError> {
        p.get(k)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    invalid(format!("Invalid value '{v}' for {k}: not a version number"))
                })
            })
            .transpose()
    };
    let (min, max) = (bound("MinVersion")?, bound("MaxVersion")?);
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let t = r
        .ec2
        .launch_template(&template)
        .ok_or_else(|| not_found(&template))?;
    let mut out: Vec<&LaunchTemplateVersion> = Vec::new();
    if wanted.is_empty() {
        out.extend(
            t.versions
                .iter()
                .filter(|v| min.is_none_or(|m| v.number >= m) && max.is_none_or(|m| v.number <= m)),
        );
    } else {
        for w in &wanted {
            let v = t.version(Some(w)).ok_or_else(|| {
                ApiError::new(
                    "InvalidLaunchTemplateId.VersionNotFound",
                    format!(
                        "Could not find launch template version {w} for launch template {}.",
                        t.id
                    ),
                )
            })?;
            if !out.iter().any(|o| o.number == v.number) {
                out.push(v);
            }
        }
    }
    filters::retain(
        &mut out,
        &filters,
        |_| None,
        |v, name| match name {
            "image-id" => v.data.image_id.clone().into_iter().collect(),
            "instance-type" => v.data.instance_type.clone().into_iter().collect(),
            "is-default-version" => flag(v.number == t.default_version),
            _ => vec![],
        },
    );
    // Newest first, as EC2 lists them.
    out.sort_by_key(|v| std::cmp::Reverse(v.number));
    let (page, next) = paginate(out, p, 1, 200)?;
    check_dry_run(p)?;
    x.list("launchTemplateVersionSet", "item", page, |x, v| {
        render_version(x, api, t, v)
    })
    .opt("nextToken", next);
    Ok(())
}
