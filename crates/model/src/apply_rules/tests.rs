//! Tests of the rule commands against the model.
use super::*;
use crate::command::{Command, CreateListener, Elbv2Command};
use crate::listener::{ActionType, HttpHeaderCondition, QueryStringPair};
use crate::snapshot::Snapshot;
use crate::target_group::Protocol;

const R: &str = "us-east-1";
const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/0123456789abcdef";
const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/0123456789abcdef";
const L: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/0123456789abcdef/1111111111111111";

fn run(s: &Snapshot, op: Elbv2Command) -> Result<Snapshot, ModelError> {
    s.apply(&Command::Elbv2 { region: R.into(), op })
}

fn forward() -> Action {
    Action { kind: ActionType::Forward, order: None, target_group_arn: Some(TG.into()), forward: None, redirect: None, fixed_response: None }
}

fn cond(field: &str, values: &[&str]) -> RuleCondition {
    RuleCondition { field: field.into(), values: values.iter().map(|v| v.to_string()).collect(), http_header: None, query_string: vec![] }
}

fn header(name: &str, values: &[&str]) -> RuleCondition {
    RuleCondition { http_header: Some(HttpHeaderCondition { name: name.into(), values: values.iter().map(|v| v.to_string()).collect() }), ..cond("http-header", &[]) }
}

fn query(pairs: &[(Option<&str>, &str)]) -> RuleCondition {
    RuleCondition { query_string: pairs.iter().map(|(k, v)| QueryStringPair { key: k.map(Into::into), value: v.to_string() }).collect(), ..cond("query-string", &[]) }
}

fn rule_arn(id: &str) -> String {
    crate::ids::rule_arn(L, id)
}

fn create(id: &str, priority: u32, conditions: Vec<RuleCondition>) -> Elbv2Command {
    Elbv2Command::CreateRule(CreateRule { arn: rule_arn(id), listener_arn: L.into(), priority, conditions, actions: vec![forward()], tags: vec![] })
}

/// An ALB in the default VPC with an HTTP listener (default rule id `d`) forwarding to a group.
fn world() -> Snapshot {
    // The load balancer and target group of the certificate tests' fixture (same ARNs).
    let s = crate::certificate::testing::alb();
    run(
        &s,
        Elbv2Command::CreateListener(CreateListener {
            arn: L.into(),
            id: "1111111111111111".into(),
            default_rule_id: "d".into(),
            load_balancer_arn: LB.into(),
            protocol: Some(Protocol::Http),
            port: Some(8080),
            ssl_policy: None,
            certificates: vec![],
            default_actions: vec![forward()],
            alpn_policy: vec![],
            tags: vec![],
            now: 1,
        }),
    )
    .unwrap()
}

fn invalid(e: ModelError) -> String {
    match e {
        ModelError::Invalid { message, .. } => message,
        other => panic!("expected ValidationError, got {other:?}"),
    }
}

#[test]
fn every_condition_type_is_accepted() {
    let all = vec![
        cond("host-header", &["*.example.com"]),
        cond("path-pattern", &["/api/*"]),
        header("X-Env", &["dev"]),
        cond("http-request-method", &["GET"]),
        query(&[(Some("v"), "2")]),
    ];
    check_conditions(&all).unwrap();
    check_conditions(&[cond("source-ip", &["192.0.2.0/24", "2001:db8::/32"]), header("a", &["1"]), header("b", &["2"]), query(&[(None, "x")])]).unwrap();
    check_conditions(&[cond("path-pattern", &["*"])]).unwrap();
    check_conditions(&[cond("http-request-method", &["CUSTOM_VERB-X"])]).unwrap();
}

#[test]
fn bad_conditions_are_validation_errors_naming_the_problem() {
    let cases: Vec<(Vec<RuleCondition>, &str)> = vec![
        (vec![], "at least one condition"),
        (vec![cond("cookie", &["x"])], "Condition field 'cookie' must be one of"),
        (vec![cond("path-pattern", &[])], "at least one value"),
        (vec![cond("path-pattern", &["/a"]), cond("path-pattern", &["/b"])], "only have one 'path-pattern'"),
        (vec![cond("source-ip", &["10.0.0.0/8"]), cond("source-ip", &["10.1.0.0/16"])], "only have one 'source-ip'"),
        (vec![cond("host-header", &["localhost"])], "at least one '.'"),
        (vec![cond("host-header", &["example.c0m"])], "only letters after the final"),
        (vec![cond("host-header", &["a_b.example.com"])], "A-Z, a-z, 0-9"),
        (vec![cond("host-header", &[&format!("{}.com", "a".repeat(125))])], "1 to 128"),
        (vec![cond("path-pattern", &["api/*"])], "starting with '/'"),
        (vec![cond("path-pattern", &["/a b"])], "1 to 128 characters of"),
        (vec![header("Host", &["x"])], "cannot match the Host header"),
        (vec![header("X-*", &["x"])], "RFC 7230 token"),
        (vec![header(&"h".repeat(41), &["x"])], "1 to 40"),
        (vec![header("X-A", &[])], "at least one value"),
        (vec![header("X-A", &[""])], "1 to 128"),
        (vec![cond("http-request-method", &["get"])], "A-Z, '-' and '_'"),
        (vec![cond("source-ip", &["10.0.0.1"])], "CIDR"),
        (vec![cond("source-ip", &["10.0.0.0/33"])], "CIDR"),
        (vec![query(&[(Some(""), "x")])], "Query string key"),
        (vec![query(&[(None, "")])], "Query string value"),
        (vec![cond("query-string", &["x"])], "use QueryStringConfig"),
        (vec![RuleCondition { http_header: Some(HttpHeaderCondition { name: "a".into(), values: vec!["b".into()] }), ..cond("path-pattern", &["/x"]) }], "HttpHeaderConfig can only"),
        (vec![cond("path-pattern", &["/1", "/2", "/3"]), cond("host-header", &["a.example.com", "b.example.com", "c.example.com"])], "only have '5' condition values"),
        (vec![cond("path-pattern", &["/*/*/*"]), cond("host-header", &["*.*.example.com", "?.example.com"])], "'5' wildcards"),
    ];
    for (conds, want) in cases {
        let msg = invalid(check_conditions(&conds).unwrap_err());
        assert!(msg.contains(want), "{conds:?}: {msg}");
    }
}

#[test]
fn escaped_query_wildcards_are_literals() {
    assert_eq!(wildcards(r"a\*b\?c*", true), 1);
    assert_eq!(wildcards(r"a\*b", false), 1);
    // Five real wildcards plus escaped ones are within the quota.
    check_conditions(&[query(&[(Some(r"k\*"), "*?*"), (None, r"\?\?**")])]).unwrap();
}

#[test]
fn create_describe_priorities_and_the_default_rule() {
    let s = world();
    let s = run(&s, create("r1", 10, vec![cond("path-pattern", &["/a"])])).unwrap();
    let e = run(&s, create("r2", 10, vec![cond("path-pattern", &["/b"])])).unwrap_err();
    assert!(matches!(&e, ModelError::PriorityInUse(m) if m.starts_with("The specified priority is in use.")), "{e:?}");
    let s = run(&s, create("r2", 20, vec![cond("path-pattern", &["/b"])])).unwrap();
    let r = s.region(R);
    assert_eq!(r.rules_of(L).iter().map(|x| (x.arn.clone(), x.priority)).collect::<Vec<_>>(), vec![(rule_arn("r1"), 10), (rule_arn("r2"), 20)]);
    assert_eq!(default_rule_listener(&r, &rule_arn("d")).map(|l| l.arn.as_str()), Some(L));
    assert!(default_rule_listener(&r, &rule_arn("r1")).is_none());

    // Unknown listener, bad priority.
    let mut c = create("r3", 30, vec![cond("path-pattern", &["/c"])]);
    if let Elbv2Command::CreateRule(x) = &mut c {
        x.listener_arn = format!("{L}0");
    }
    assert!(matches!(run(&s, c), Err(ModelError::NotFound { kind: ResourceKind::Listener, .. })));
    assert!(matches!(run(&s, create("r3", 50_001, vec![cond("path-pattern", &["/c"])])), Err(ModelError::Invalid { .. })));

    // The default rule: never deleted, never given conditions or priorities; actions change the
    // listener's default actions.
    let d = rule_arn("d");
    assert!(matches!(run(&s, Elbv2Command::DeleteRule { arn: d.clone() }), Err(ModelError::NotPermitted(_))));
    assert!(matches!(run(&s, Elbv2Command::ModifyRule { arn: d.clone(), conditions: Some(vec![]), actions: None }), Err(ModelError::NotPermitted(_))));
    assert!(matches!(run(&s, Elbv2Command::SetRulePriorities { priorities: vec![(d.clone(), 5)] }), Err(ModelError::NotPermitted(_))));
    let fixed = Action {
        kind: ActionType::FixedResponse,
        fixed_response: Some(crate::listener::FixedResponseConfig { message_body: None, status_code: "404".into(), content_type: None }),
        target_group_arn: None,
        ..forward()
    };
    let s2 = run(&s, Elbv2Command::ModifyRule { arn: d, conditions: None, actions: Some(vec![fixed.clone()]) }).unwrap();
    assert_eq!(s2.region(R).listeners[L].default_actions, vec![fixed.clone()]);

    // ModifyRule replaces lists wholesale; unknown rules are RuleNotFound.
    let s3 = run(&s2, Elbv2Command::ModifyRule { arn: rule_arn("r1"), conditions: Some(vec![cond("host-header", &["x.example.com"])]), actions: Some(vec![fixed.clone()]) }).unwrap();
    let r1 = &s3.region(R).rules[&rule_arn("r1")];
    assert_eq!((r1.conditions.clone(), r1.actions.clone(), r1.priority), (vec![cond("host-header", &["x.example.com"])], vec![fixed], 10));
    assert!(matches!(run(&s3, Elbv2Command::DeleteRule { arn: rule_arn("zz") }), Err(ModelError::NotFound { kind: ResourceKind::Rule, .. })));
    let s4 = run(&s3, Elbv2Command::DeleteRule { arn: rule_arn("r1") }).unwrap();
    assert_eq!(s4.region(R).rules.len(), 1);
    // Deleting the listener deletes its rules.
    let s5 = run(&s4, Elbv2Command::DeleteListener { arn: L.into() }).unwrap();
    assert!(s5.region(R).rules.is_empty());
}

#[test]
fn set_rule_priorities_is_all_or_nothing() {
    let mut s = world();
    for (id, p) in [("a", 1), ("b", 2), ("c", 3)] {
        s = run(&s, create(id, p, vec![cond("path-pattern", &[&format!("/{id}")])])).unwrap();
    }
    let prio = |s: &Snapshot| s.region(R).rules_of(L).iter().map(|x| (crate::ids::arn_id(&x.arn).to_string(), x.priority)).collect::<Vec<_>>();
    // A swap within one request is fine.
    let swapped = run(&s, Elbv2Command::SetRulePriorities { priorities: vec![(rule_arn("a"), 2), (rule_arn("b"), 1)] }).unwrap();
    assert_eq!(prio(&swapped), vec![("b".into(), 1), ("a".into(), 2), ("c".into(), 3)]);
    // Conflicts with an existing rule, within the request, unknown and repeated ARNs.
    for bad in [
        vec![(rule_arn("a"), 3)],
        vec![(rule_arn("a"), 7), (rule_arn("b"), 7)],
        vec![(rule_arn("a"), 9), (rule_arn("nope"), 8)],
        vec![(rule_arn("a"), 9), (rule_arn("a"), 8)],
        vec![],
    ] {
        assert!(run(&s, Elbv2Command::SetRulePriorities { priorities: bad.clone() }).is_err(), "{bad:?}");
    }
    assert!(matches!(run(&s, Elbv2Command::SetRulePriorities { priorities: vec![(rule_arn("a"), 3)] }), Err(ModelError::PriorityInUse(_))));
    assert!(matches!(run(&s, Elbv2Command::SetRulePriorities { priorities: vec![(rule_arn("x"), 3)] }), Err(ModelError::NotFound { kind: ResourceKind::Rule, .. })));
}

#[test]
fn a_load_balancer_holds_at_most_1000_rules() {
    let mut s = world();
    let mut r = s.region(R).into_owned();
    for i in 1..=RULES_PER_LOAD_BALANCER as u32 {
        let arn = rule_arn(&format!("{i:016x}"));
        r.rules.insert(arn.clone(), Rule { arn, listener_arn: L.into(), priority: i, conditions: vec![cond("path-pattern", &["/x"])], actions: vec![forward()], tags: Default::default() });
    }
    s.regions.insert(R.into(), r);
    let e = run(&s, create("extra", 2000, vec![cond("path-pattern", &["/y"])])).unwrap_err();
    assert!(matches!(e, ModelError::TooMany { quota: Quota::Rules, .. }), "{e:?}");
    let s = run(&s, Elbv2Command::DeleteRule { arn: rule_arn(&format!("{:016x}", 1)) }).unwrap();
    run(&s, create("extra", 2000, vec![cond("path-pattern", &["/y"])])).unwrap();
}
