//! CreateRule, DescribeRules, ModifyRule, DeleteRule, SetRulePriorities (ELBv2 API reference),
//! and the decoding of `RuleCondition` lists.
//!
//! A condition arrives in one of two spellings: the legacy `Values` (host-header and
//! path-pattern only, e.g. `Conditions.member.1.Values.member.1=/api/*` from the CLI shorthand
//! `Field=path-pattern,Values='/api/*'`) or the field's own `…Config`
//! (`Conditions.member.1.PathPatternConfig.Values.member.1=/api/*`, what Terraform and the CLI's
//! JSON form send). Both become one [`RuleCondition`]; the model checks the values.

use model::command::CreateRule;
use model::listener::{HttpHeaderCondition, QueryStringPair};
use model::{Action, Elbv2Command, Listener, ModelError, RegionState, ResourceKind, RuleCondition};

use super::listeners::decode_actions;
use super::{decode_tags, paginate, render, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Each condition field and the `…Config` member that carries its values.
const CONFIGS: [(&str, &str); 6] = [
    ("host-header", "HostHeaderConfig"),
    ("path-pattern", "PathPatternConfig"),
    ("http-header", "HttpHeaderConfig"),
    ("query-string", "QueryStringConfig"),
    ("http-request-method", "HttpRequestMethodConfig"),
    ("source-ip", "SourceIpConfig"),
];

/// A rule as DescribeRules shows it; `priority` `None` is a listener's default rule.
struct View<'a> {
    arn: String,
    priority: Option<u32>,
    conditions: &'a [RuleCondition],
    actions: &'a [Action],
}

fn view_rule(x: &mut Xml, v: &View<'_>) {
    render::rule(x, &v.arn, v.priority, v.conditions, v.actions);
}

fn default_view(l: &Listener) -> View<'_> {
    View { arn: model::ids::rule_arn(&l.arn, &l.default_rule_id), priority: None, conditions: &[], actions: &l.default_actions }
}

/// The rule `arn` names: a stored rule, or the default rule of a listener.
fn find<'a>(region: &'a RegionState, arn: &str) -> Option<View<'a>> {
    if let Some(r) = region.rules.get(arn) {
        return Some(View { arn: r.arn.clone(), priority: Some(r.priority), conditions: &r.conditions, actions: &r.actions });
    }
    let (prefix, id) = arn.rsplit_once('/')?;
    region.listeners.get(&prefix.replacen(":listener-rule/", ":listener/", 1)).filter(|l| l.default_rule_id == id).map(default_view)
}

fn rule_not_found(arn: &str) -> ApiError {
    ApiError::from_model(ModelError::not_found(ResourceKind::Rule, arn), Service::Elbv2)
}

/// A list `key` with at least one member is present (`Key=` is how clients send an empty list).
fn non_empty(p: &Params, key: &str) -> Result<bool, ApiError> {
    Ok(p.list(key)?.is_some_and(|l| !l.is_empty()))
}

/// Decodes `Conditions.member.N`; `None` when absent.
///
/// Errors: `ValidationError` for a missing `Field`, a `…Config` or legacy `Values` on a field
/// they do not belong to, both spellings at once, `RegexValues`, `SourceIpConfig.IpAddressType`
/// (NLB only), or a query-string pair without `Value`.
fn decode_conditions(p: &Params) -> Result<Option<Vec<RuleCondition>>, ApiError> {
    let Some(list) = p.structs("Conditions")? else { return Ok(None) };
    let mut out = Vec::with_capacity(list.len());
    for c in &list {
        let field = c.string("Field", 1, 64)?.ok_or_else(|| c.constraint("Field", None, "Member must not be null"))?;
        let mut regex = non_empty(c, "RegexValues")?;
        for (_, cfg) in CONFIGS {
            regex |= non_empty(c, &format!("{cfg}.RegexValues"))?;
        }
        if regex {
            return Err(ApiError::validation("elbow does not support RegexValues yet; use Values with the '*' and '?' wildcards"));
        }
        let known = CONFIGS.iter().any(|(f, _)| *f == field);
        for (f, cfg) in CONFIGS {
            if c.has(cfg) && (f != field) && known {
                return Err(ApiError::validation(format!("{cfg} can only be specified when Field is '{f}', not '{field}'")));
            }
        }
        let legacy = c.list("Values")?;
        if legacy.is_some() && known && !matches!(field.as_str(), "host-header" | "path-pattern") {
            let cfg = CONFIGS.iter().find(|(f, _)| *f == field).map_or("", |(_, cfg)| cfg);
            return Err(ApiError::validation(format!("Values can only be specified for host-header and path-pattern conditions; use {cfg} for '{field}'")));
        }
        let config_values = |cfg: &str| -> Result<Option<Vec<String>>, ApiError> { c.sub(cfg).list("Values") };
        let mut cond = RuleCondition { field: field.clone(), values: Vec::new(), http_header: None, query_string: Vec::new() };
        match field.as_str() {
            "host-header" | "path-pattern" => {
                let cfg = if field == "host-header" { "HostHeaderConfig" } else { "PathPatternConfig" };
                cond.values = match (legacy, c.has(cfg)) {
                    (Some(_), true) => return Err(ApiError::validation(format!("Specify either Values or {cfg} for a '{field}' condition, not both"))),
                    (Some(v), false) => v,
                    (None, _) => config_values(cfg)?.unwrap_or_default(),
                };
            }
            "http-request-method" => cond.values = config_values("HttpRequestMethodConfig")?.unwrap_or_default(),
            "source-ip" => {
                if c.has("SourceIpConfig.IpAddressType") {
                    return Err(ApiError::validation("SourceIpConfig.IpAddressType applies to Network Load Balancer rules; give CIDR blocks in SourceIpConfig.Values"));
                }
                cond.values = config_values("SourceIpConfig")?.unwrap_or_default();
            }
            "http-header" if c.has("HttpHeaderConfig") => {
                let h = c.sub("HttpHeaderConfig");
                cond.http_header = Some(HttpHeaderCondition { name: h.get("HttpHeaderName").unwrap_or_default().to_string(), values: h.list("Values")?.unwrap_or_default() });
            }
            "query-string" => {
                let pairs = c.sub("QueryStringConfig").structs("Values")?.unwrap_or_default();
                for q in &pairs {
                    let value = q.required("Value")?.to_string();
                    cond.query_string.push(QueryStringPair { key: q.get("Key").map(str::to_string), value });
                }
            }
            // An unknown field keeps its legacy values; the model names the allowed fields.
            _ => cond.values = legacy.unwrap_or_default(),
        }
        out.push(cond);
    }
    Ok(Some(out))
}

/// `Transforms` (host-header and URL rewrites) are not implemented: refused rather than ignored.
fn refuse_transforms(p: &Params) -> Result<(), ApiError> {
    if non_empty(p, "Transforms")? {
        return Err(ApiError::validation("elbow does not support Transforms yet"));
    }
    // `ResetTransforms` removes transforms, and a rule in elbow has none: accepted.
    p.bool("ResetTransforms")?;
    Ok(())
}

/// `CreateRule`: the new rule in `Rules`.
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let listener_arn = p.required("ListenerArn")?.to_string();
    let conditions = decode_conditions(p)?.ok_or_else(|| p.constraint("Conditions", None, "Member must not be null"))?;
    let priority = p.u32("Priority", 1, 50_000)?.ok_or_else(|| p.constraint("Priority", None, "Member must not be null"))?;
    let actions = decode_actions(p, "Actions")?.ok_or_else(|| p.constraint("Actions", None, "Member must not be null"))?;
    refuse_transforms(p)?;
    let arn = model::ids::rule_arn(&listener_arn, &ids::hex(16));
    let snap = submit(api, req, Elbv2Command::CreateRule(CreateRule { arn: arn.clone(), listener_arn, priority, conditions, actions, tags: decode_tags(p)? })).await?;
    let region = snap.region(&req.region);
    let v = find(&region, &arn).ok_or_else(|| ApiError::internal("rule vanished after create"))?;
    x.list("Rules", "member", [v], |x, v| view_rule(x, &v));
    Ok(())
}

/// `DescribeRules` by `ListenerArn` (ascending priority, the default rule last) or `RuleArns`
/// (request order), paginated.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let listener = p.get("ListenerArn");
    let arns = p.list("RuleArns")?.filter(|a| !a.is_empty());
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let views: Vec<View<'_>> = match (listener, arns) {
        (Some(_), Some(_)) => return Err(ApiError::validation("Specify either a listener ARN or rule ARNs, not both")),
        (None, None) => return Err(ApiError::validation("You must specify either a listener ARN or rule ARNs")),
        (Some(l), None) => {
            let l = region.listeners.get(l).ok_or_else(|| ApiError::from_model(ModelError::not_found(ResourceKind::Listener, l), Service::Elbv2))?;
            let mut v: Vec<View<'_>> = region
                .rules_of(&l.arn)
                .into_iter()
                .map(|r| View { arn: r.arn.clone(), priority: Some(r.priority), conditions: &r.conditions, actions: &r.actions })
                .collect();
            v.push(default_view(l));
            v
        }
        (None, Some(arns)) => {
            let mut v: Vec<View<'_>> = Vec::with_capacity(arns.len());
            for a in &arns {
                let found = find(&region, a).ok_or_else(|| rule_not_found(a))?;
                if !v.iter().any(|x| x.arn == found.arn) {
                    v.push(found);
                }
            }
            v
        }
    };
    let (page, next) = paginate(views, p)?;
    x.list("Rules", "member", page, |x, v| view_rule(x, &v)).opt("NextMarker", next);
    Ok(())
}

/// `ModifyRule`: the rule after the change.
pub(crate) async fn modify(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("RuleArn")?.to_string();
    let conditions = decode_conditions(p)?;
    let actions = decode_actions(p, "Actions")?;
    refuse_transforms(p)?;
    let snap = submit(api, req, Elbv2Command::ModifyRule { arn: arn.clone(), conditions, actions }).await?;
    let region = snap.region(&req.region);
    let v = find(&region, &arn).ok_or_else(|| rule_not_found(&arn))?;
    x.list("Rules", "member", [v], |x, v| view_rule(x, &v));
    Ok(())
}

/// `DeleteRule`.
pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let arn = req.params.required("RuleArn")?.to_string();
    submit(api, req, Elbv2Command::DeleteRule { arn }).await?;
    Ok(())
}

/// `SetRulePriorities`: the rules named, in request order, with their new priorities.
pub(crate) async fn set_priorities(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let list = p.structs("RulePriorities")?.ok_or_else(|| p.constraint("RulePriorities", None, "Member must not be null"))?;
    let priorities = list
        .iter()
        .map(|r| {
            let arn = r.required("RuleArn")?.to_string();
            let priority = r.u32("Priority", 1, 50_000)?.ok_or_else(|| r.constraint("Priority", None, "Member must not be null"))?;
            Ok((arn, priority))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let snap = submit(api, req, Elbv2Command::SetRulePriorities { priorities: priorities.clone() }).await?;
    let region = snap.region(&req.region);
    let views = priorities.iter().map(|(arn, _)| find(&region, arn).ok_or_else(|| rule_not_found(arn))).collect::<Result<Vec<_>, ApiError>>()?;
    x.list("Rules", "member", views, |x, v| view_rule(x, &v));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ListStyle;

    fn conditions(form: &str) -> Result<Vec<RuleCondition>, ApiError> {
        decode_conditions(&Params::from_form(form.as_bytes(), ListStyle::Member)).map(Option::unwrap_or_default)
    }

    #[test]
    fn both_spellings_fold_into_one_condition() {
        let c = conditions(
            "Conditions.member.1.Field=path-pattern&Conditions.member.1.PathPatternConfig.Values.member.1=%2Fapi%2F*\
             &Conditions.member.2.Field=host-header&Conditions.member.2.Values.member.1=a.example.com\
             &Conditions.member.3.Field=http-header&Conditions.member.3.HttpHeaderConfig.HttpHeaderName=X-Env&Conditions.member.3.HttpHeaderConfig.Values.member.1=dev\
             &Conditions.member.4.Field=query-string&Conditions.member.4.QueryStringConfig.Values.member.1.Key=v&Conditions.member.4.QueryStringConfig.Values.member.1.Value=2\
             &Conditions.member.5.Field=http-request-method&Conditions.member.5.HttpRequestMethodConfig.Values.member.1=GET\
             &Conditions.member.6.Field=source-ip&Conditions.member.6.SourceIpConfig.Values.member.1=10.0.0.0%2F8",
        )
        .unwrap();
        assert_eq!(c[0].values, vec!["/api/*"]);
        assert_eq!(c[1].values, vec!["a.example.com"]);
        assert_eq!(c[2].http_header, Some(HttpHeaderCondition { name: "X-Env".into(), values: vec!["dev".into()] }));
        assert_eq!(c[3].query_string, vec![QueryStringPair { key: Some("v".into()), value: "2".into() }]);
        assert_eq!((c[4].values.clone(), c[5].values.clone()), (vec!["GET".to_string()], vec!["10.0.0.0/8".to_string()]));
    }

    #[test]
    fn misplaced_or_unsupported_members_are_validation_errors() {
        for (form, want) in [
            ("Conditions.member.1.Values.member.1=%2Fa", "conditions.member.1.field"),
            ("Conditions.member.1.Field=path-pattern&Conditions.member.1.HostHeaderConfig.Values.member.1=a.b", "HostHeaderConfig can only"),
            ("Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=%2Fa&Conditions.member.1.PathPatternConfig.Values.member.1=%2Fb", "not both"),
            ("Conditions.member.1.Field=http-request-method&Conditions.member.1.Values.member.1=GET", "use HttpRequestMethodConfig"),
            ("Conditions.member.1.Field=path-pattern&Conditions.member.1.PathPatternConfig.RegexValues.member.1=%5E%2Fa", "RegexValues"),
            ("Conditions.member.1.Field=host-header&Conditions.member.1.RegexValues.member.1=x", "RegexValues"),
            ("Conditions.member.1.Field=source-ip&Conditions.member.1.SourceIpConfig.IpAddressType=ipv4", "Network Load Balancer"),
            ("Conditions.member.1.Field=query-string&Conditions.member.1.QueryStringConfig.Values.member.1.Key=k", "values.member.1.value"),
        ] {
            let e = conditions(form).unwrap_err();
            assert_eq!(e.code, "ValidationError");
            assert!(e.message.contains(want), "{form}: {}", e.message);
        }
        // An unknown field passes to the model, which names the allowed ones.
        assert_eq!(conditions("Conditions.member.1.Field=cookie&Conditions.member.1.Values.member.1=x").unwrap()[0].values, vec!["x"]);
        // Empty lists are "none".
        assert!(conditions("Conditions.member.1.Field=host-header&Conditions.member.1.RegexValues=&Conditions.member.1.Values.member.1=a.b").is_ok());
    }
}
