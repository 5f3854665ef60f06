//! Listener rules: CreateRule, ModifyRule, DeleteRule, SetRulePriorities (ELBv2 API reference
//! pages of each action; `RuleCondition` and its `…ConditionConfig` shapes; ALB guide, "Listener
//! rules" and "Quotas for your Application Load Balancers").
//!
//! Only non-default rules live in [`RegionState::rules`]; a listener's default rule is its
//! `default_actions`, addressed by `rule_arn(listener.arn, listener.default_rule_id)`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::apply_elbv2::check_actions;
use crate::command::CreateRule;
use crate::error::{ModelError, Quota, ResourceKind};
use crate::listener::{Action, Listener, Rule, RuleCondition};
use crate::load_balancer::{LoadBalancer, LoadBalancerType};
use crate::snapshot::RegionState;
use crate::tags;

/// Non-default rules one load balancer may have (`TooManyRules` beyond). AWS's default quota
/// `rules-per-application-load-balancer` is 100 and AWS raises it on request; elbow's is
/// 1,000, ten times the default, so one listener can carry 1,000 rules.
pub(crate) const RULES_PER_LOAD_BALANCER: usize = 1000;
/// `condition-values-per-alb-rule`: condition values of one rule, all conditions together.
pub(crate) const CONDITION_VALUES_PER_RULE: usize = 5;
/// `condition-wildcards-per-alb-rule`: `*` and `?` in one rule's condition values.
pub(crate) const CONDITION_WILDCARDS_PER_RULE: usize = 5;
/// `RulePriority`: 1–50000.
const MAX_PRIORITY: u32 = 50_000;

/// The condition fields of an Application Load Balancer rule (`RuleCondition.Field`).
const FIELDS: [&str; 6] = ["path-pattern", "host-header", "http-header", "http-request-method", "query-string", "source-ip"];
/// Fields a rule may use at most once; `http-header` and `query-string` may repeat.
const ONCE_PER_RULE: [&str; 4] = ["host-header", "path-pattern", "http-request-method", "source-ip"];

/// The listener whose default rule has this ARN (`…:listener-rule/…/<listener-id>/<rule-id>`).
pub(crate) fn default_rule_listener<'a>(r: &'a RegionState, arn: &str) -> Option<&'a Listener> {
    let (prefix, id) = arn.rsplit_once('/')?;
    r.listeners.get(&prefix.replacen(":listener-rule/", ":listener/", 1)).filter(|l| l.default_rule_id == id)
}

/// The listener of a rule and its load balancer, which must be an ALB with an HTTP or HTTPS
/// listener: rules on other listeners are `UnsupportedProtocol` (modeled for CreateRule).
fn rule_listener<'a>(r: &'a RegionState, listener_arn: &str) -> Result<(&'a Listener, &'a LoadBalancer), ModelError> {
    let l = r.listeners.get(listener_arn).ok_or_else(|| ModelError::not_found(ResourceKind::Listener, listener_arn))?;
    let lb = r.load_balancers.get(&l.load_balancer_arn).ok_or_else(|| ModelError::not_found(ResourceKind::LoadBalancer, &l.load_balancer_arn))?;
    if lb.kind != LoadBalancerType::Application || !l.protocol.is_http() {
        return Err(ModelError::UnsupportedProtocol(format!(
            "Listener '{listener_arn}' ({} listener of a load balancer of type '{}') cannot have rules: elbow supports rules on HTTP and HTTPS listeners of Application Load Balancers",
            l.protocol, lb.kind
        )));
    }
    Ok((l, lb))
}

fn check_priority(p: u32) -> Result<(), ModelError> {
    if !(1..=MAX_PRIORITY).contains(&p) {
        return Err(ModelError::invalid("Priority", format!("Priority {p} must be from 1 to {MAX_PRIORITY}")));
    }
    Ok(())
}

fn priority_in_use(detail: String) -> ModelError {
    ModelError::PriorityInUse(format!("The specified priority is in use. {detail}"))
}

/// Number of `*` and `?` in `s`; with `escapes`, `\*` and `\?` are literals (query strings).
fn wildcards(s: &str, escapes: bool) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if escapes => escaped = true,
            '*' | '?' => n += 1,
            _ => {}
        }
    }
    n
}

fn bad(field: &str, message: String) -> ModelError {
    ModelError::invalid(format!("Conditions.{field}"), message)
}

/// `HostHeaderConditionConfig.Values`: ≤128 characters of `A-Z a-z 0-9 - . * ?`, at least one
/// `.`, only letters after the final `.`.
fn check_host(v: &str) -> Result<(), ModelError> {
    let chars_ok = v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*' | b'?'));
    let tld_ok = v.rsplit_once('.').is_some_and(|(_, tld)| !tld.is_empty() && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    if v.is_empty() || v.len() > 128 || !chars_ok || !tld_ok {
        return Err(bad(
            "HostHeaderConfig.Values",
            format!("Host header value '{v}' must be 1 to 128 characters of A-Z, a-z, 0-9, '-', '.', '*' and '?', contain at least one '.', and have only letters after the final '.'"),
        ));
    }
    Ok(())
}

/// `PathPatternConditionConfig.Values`: ≤128 characters of `A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ?`
/// (legacy `Values` documentation); a request path starts with `/`, so must a pattern (or with a
/// wildcard).
fn check_path(v: &str) -> Result<(), ModelError> {
    let chars_ok = v.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.$/~\"'@:+&*?".contains(&b));
    if v.is_empty() || v.len() > 128 || !chars_ok || !(v.starts_with('/') || v.starts_with('*') || v.starts_with('?')) {
        return Err(bad(
            "PathPatternConfig.Values",
            format!("Path pattern '{v}' must be 1 to 128 characters of A-Z, a-z, 0-9 and _-.$/~\"'@:+&*?, starting with '/' or a wildcard"),
        ));
    }
    Ok(())
}

/// `HttpHeaderConditionConfig.HttpHeaderName`: an RFC 7230 token of ≤40 characters, no
/// wildcards, not `Host`.
fn check_header_name(name: &str) -> Result<(), ModelError> {
    let token = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'+-.^_`|~".contains(&b));
    if name.is_empty() || name.len() > 40 || !token {
        return Err(bad("HttpHeaderConfig.HttpHeaderName", format!("HTTP header name '{name}' must be 1 to 40 characters of an RFC 7230 token, without wildcards")));
    }
    if name.eq_ignore_ascii_case("host") {
        return Err(bad("HttpHeaderConfig.HttpHeaderName", "An http-header condition cannot match the Host header; use a host-header condition".into()));
    }
    Ok(())
}

/// A compared string of an http-header or query-string condition: 1 to 128 characters.
fn check_string(field: &str, what: &str, v: &str) -> Result<(), ModelError> {
    if v.is_empty() || v.chars().count() > 128 {
        return Err(bad(field, format!("{what} '{v}' must be 1 to 128 characters")));
    }
    Ok(())
}

/// `HttpRequestMethodConditionConfig.Values`: `A-Z`, `-`, `_`, ≤40 characters.
fn check_method(v: &str) -> Result<(), ModelError> {
    if v.is_empty() || v.len() > 40 || !v.bytes().all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_') {
        return Err(bad("HttpRequestMethodConfig.Values", format!("HTTP request method '{v}' must be 1 to 40 characters of A-Z, '-' and '_'")));
    }
    Ok(())
}

/// `SourceIpConditionConfig.Values`: an IPv4 or IPv6 CIDR block.
fn check_cidr(v: &str) -> Result<(), ModelError> {
    let ok = v.split_once('/').is_some_and(|(ip, len)| match (ip.parse::<IpAddr>(), len.parse::<u8>()) {
        (Ok(IpAddr::V4(_)), Ok(n)) => n <= 32 && !len.starts_with('+'),
        (Ok(IpAddr::V6(_)), Ok(n)) => n <= 128 && !len.starts_with('+'),
        _ => false,
    });
    if !ok {
        return Err(bad("SourceIpConfig.Values", format!("Source IP '{v}' must be an IPv4 or IPv6 CIDR block such as 192.0.2.0/24 or 2001:db8::/32")));
    }
    Ok(())
}

/// Checks one condition, returning (condition values, wildcards) it contributes to the quotas.
fn check_condition(c: &RuleCondition) -> Result<(usize, usize), ModelError> {
    let f = c.field.as_str();
    let stray = |what: &str, owner: &str| bad("Field", format!("{what} can only be specified for '{owner}' conditions, not for '{f}'"));
    if f != "http-header" && c.http_header.is_some() {
        return Err(stray("HttpHeaderConfig", "http-header"));
    }
    if f != "query-string" && !c.query_string.is_empty() {
        return Err(stray("QueryStringConfig", "query-string"));
    }
    if matches!(f, "http-header" | "query-string") && !c.values.is_empty() {
        return Err(bad("Values", format!("Values cannot be specified for '{f}' conditions; use {}", if f == "http-header" { "HttpHeaderConfig" } else { "QueryStringConfig" })));
    }
    let empty = || bad("Field", format!("A '{f}' condition must have at least one value"));
    let (values, wild) = match f {
        "host-header" | "path-pattern" | "http-request-method" | "source-ip" => {
            for v in &c.values {
                match f {
                    "host-header" => check_host(v)?,
                    "path-pattern" => check_path(v)?,
                    "http-request-method" => check_method(v)?,
                    _ => check_cidr(v)?,
                }
            }
            let wild = if matches!(f, "host-header" | "path-pattern") { c.values.iter().map(|v| wildcards(v, false)).sum() } else { 0 };
            (c.values.len(), wild)
        }
        "http-header" => {
            let h = c.http_header.as_ref().ok_or_else(|| bad("HttpHeaderConfig", "An 'http-header' condition needs HttpHeaderConfig".into()))?;
            check_header_name(&h.name)?;
            for v in &h.values {
                check_string("HttpHeaderConfig.Values", "HTTP header value", v)?;
            }
            (h.values.len(), h.values.iter().map(|v| wildcards(v, false)).sum())
        }
        "query-string" => {
            let mut wild = 0;
            for q in &c.query_string {
                if let Some(k) = &q.key {
                    check_string("QueryStringConfig.Values.Key", "Query string key", k)?;
                    wild += wildcards(k, true);
                }
                check_string("QueryStringConfig.Values.Value", "Query string value", &q.value)?;
                wild += wildcards(&q.value, true);
            }
            (c.query_string.len(), wild)
        }
        other => return Err(bad("Field", format!("Condition field '{other}' must be one of '[{}]'", FIELDS.join(",")))),
    };
    if values == 0 {
        return Err(empty());
    }
    Ok((values, wild))
}

/// Checks a rule's conditions as ALB does: known fields, at most one each of host-header,
/// path-pattern, http-request-method and source-ip, every condition with a value, and the
/// per-rule quotas of 5 condition values and 5 wildcards (`ValidationError` "A rule can only
/// have '5' condition values", as AWS answers).
pub(crate) fn check_conditions(conditions: &[RuleCondition]) -> Result<(), ModelError> {
    if conditions.is_empty() {
        return Err(ModelError::invalid("Conditions", "A rule must have at least one condition"));
    }
    let (mut values, mut wild) = (0, 0);
    for (i, c) in conditions.iter().enumerate() {
        let (v, w) = check_condition(c)?;
        if ONCE_PER_RULE.contains(&c.field.as_str()) && conditions[..i].iter().any(|p| p.field == c.field) {
            return Err(ModelError::invalid("Conditions", format!("A rule can only have one '{}' condition", c.field)));
        }
        values += v;
        wild += w;
    }
    if values > CONDITION_VALUES_PER_RULE {
        return Err(ModelError::invalid("Conditions", format!("A rule can only have '{CONDITION_VALUES_PER_RULE}' condition values; this one has {values}")));
    }
    if wild > CONDITION_WILDCARDS_PER_RULE {
        return Err(ModelError::invalid("Conditions", format!("A rule can only have '{CONDITION_WILDCARDS_PER_RULE}' wildcards in its condition values; this one has {wild}")));
    }
    Ok(())
}

/// Non-default rules of every listener of a load balancer.
fn rules_of_load_balancer(r: &RegionState, lb_arn: &str) -> usize {
    r.rules.values().filter(|x| r.listeners.get(&x.listener_arn).is_some_and(|l| l.load_balancer_arn == lb_arn)).count()
}

/// `CreateRule`: errors `ListenerNotFound`, `UnsupportedProtocol` (not an ALB HTTP/HTTPS
/// listener), `ValidationError` (priority, conditions, actions, tags), the action errors of
/// [`check_actions`], `PriorityInUse`, `TooManyRules`.
pub(crate) fn create_rule(r: &mut RegionState, c: &CreateRule) -> Result<(), ModelError> {
    let (l, lb) = rule_listener(r, &c.listener_arn)?;
    check_priority(c.priority)?;
    check_conditions(&c.conditions)?;
    let actions = check_actions(r, lb, l.protocol, &c.actions, "Actions")?;
    tags::validate(&c.tags)?;
    if let Some(other) = r.rules.values().find(|x| x.listener_arn == c.listener_arn && x.priority == c.priority) {
        return Err(priority_in_use(format!("Priority {} of listener '{}' belongs to rule '{}'", c.priority, c.listener_arn, other.arn)));
    }
    if rules_of_load_balancer(r, &lb.arn) >= RULES_PER_LOAD_BALANCER {
        return Err(ModelError::TooMany {
            quota: Quota::Rules,
            message: format!("Load balancer '{}' already has {RULES_PER_LOAD_BALANCER} rules, elbow's quota of rules per load balancer (default rules not counted)", lb.name),
        });
    }
    if r.rules.contains_key(&c.arn) || default_rule_listener(r, &c.arn).is_some() {
        return Err(ModelError::InvalidConfiguration(format!("A rule with ARN '{}' already exists", c.arn)));
    }
    let rule = Rule {
        arn: c.arn.clone(),
        listener_arn: c.listener_arn.clone(),
        priority: c.priority,
        conditions: c.conditions.clone(),
        actions,
        tags: tags::initial(&c.tags, &c.arn)?,
    };
    r.rules.insert(rule.arn.clone(), rule);
    Ok(())
}

/// `ModifyRule`: the given lists replace the rule's. The default rule takes actions only (they
/// become the listener's default actions); conditions on it are `OperationNotPermitted`.
pub(crate) fn modify_rule(r: &mut RegionState, arn: &str, conditions: Option<&[RuleCondition]>, actions: Option<&[Action]>) -> Result<(), ModelError> {
    if let Some(rule) = r.rules.get(arn) {
        let (l, lb) = rule_listener(r, &rule.listener_arn)?;
        if let Some(c) = conditions {
            check_conditions(c)?;
        }
        let actions = actions.map(|a| check_actions(r, lb, l.protocol, a, "Actions")).transpose()?;
        if let Some(rule) = r.rules.get_mut(arn) {
            if let Some(c) = conditions {
                rule.conditions = c.to_vec();
            }
            if let Some(a) = actions {
                rule.actions = a;
            }
        }
        return Ok(());
    }
    let l = default_rule_listener(r, arn).ok_or_else(|| ModelError::not_found(ResourceKind::Rule, arn))?;
    if conditions.is_some() {
        return Err(ModelError::NotPermitted(format!("Rule '{arn}' is the default rule of its listener: only its actions can be modified, it has no conditions")));
    }
    let Some(a) = actions else { return Ok(()) };
    let (l, lb) = rule_listener(r, &l.arn)?;
    let checked = check_actions(r, lb, l.protocol, a, "Actions")?;
    let listener_arn = l.arn.clone();
    if let Some(l) = r.listeners.get_mut(&listener_arn) {
        l.default_actions = checked;
    }
    Ok(())
}

/// `DeleteRule`: `RuleNotFound`, or `OperationNotPermitted` for a default rule.
pub(crate) fn delete_rule(r: &mut RegionState, arn: &str) -> Result<(), ModelError> {
    if r.rules.remove(arn).is_some() {
        return Ok(());
    }
    if default_rule_listener(r, arn).is_some() {
        return Err(ModelError::NotPermitted(format!("Rule '{arn}' is the default rule of its listener and cannot be deleted")));
    }
    Err(ModelError::not_found(ResourceKind::Rule, arn))
}

/// `SetRulePriorities`, all or nothing: `RuleNotFound`, `OperationNotPermitted` (default rule),
/// `PriorityInUse` when two rules of a listener would share a priority, counting both the rules
/// named and those left as they are.
pub(crate) fn set_rule_priorities(r: &mut RegionState, priorities: &[(String, u32)]) -> Result<(), ModelError> {
    if priorities.is_empty() {
        return Err(ModelError::invalid("RulePriorities", "At least one rule priority must be specified"));
    }
    let mut wanted: BTreeMap<&str, u32> = BTreeMap::new();
    for (arn, p) in priorities {
        check_priority(*p)?;
        if !r.rules.contains_key(arn) {
            if default_rule_listener(r, arn).is_some() {
                return Err(ModelError::NotPermitted(format!("Rule '{arn}' is the default rule of its listener; its priority cannot be set")));
            }
            return Err(ModelError::not_found(ResourceKind::Rule, arn));
        }
        if wanted.insert(arn, *p).is_some() {
            return Err(ModelError::invalid("RulePriorities", format!("Rule '{arn}' is specified more than once")));
        }
    }
    // Every listener touched must end with distinct priorities: new ones for the rules named,
    // current ones for the others. Conflicts within the request show up the same way.
    let mut listeners: Vec<&str> = wanted.keys().filter_map(|a| r.rules.get(*a)).map(|x| x.listener_arn.as_str()).collect();
    listeners.sort_unstable();
    listeners.dedup();
    for listener in listeners {
        let mut taken: BTreeMap<u32, &str> = BTreeMap::new();
        for rule in r.rules.values().filter(|x| x.listener_arn == listener) {
            let p = wanted.get(rule.arn.as_str()).copied().unwrap_or(rule.priority);
            if let Some(other) = taken.insert(p, &rule.arn) {
                return Err(priority_in_use(format!("Rules '{other}' and '{}' of listener '{listener}' would both have priority {p}", rule.arn)));
            }
        }
    }
    let wanted: Vec<(String, u32)> = wanted.into_iter().map(|(a, p)| (a.to_string(), p)).collect();
    for (arn, p) in wanted {
        if let Some(rule) = r.rules.get_mut(&arn) {
            rule.priority = p;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
