//! Listener rules: CreateRule, DescribeRules, ModifyRule, DeleteRule, SetRulePriorities through
//! the CLI (as the tutorials type it, and its JSON `file://` form) and the SDK; every field of
//! `Rule`; the validation of conditions with AWS's codes and nothing changed; 1,000 rules on one
//! listener.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;
use testkit::Elbow;
use testkit::elbv2::Client;
use testkit::elbv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, HostHeaderConditionConfig, HttpHeaderConditionConfig, HttpRequestMethodConditionConfig,
    PathPatternConditionConfig, QueryStringConditionConfig, QueryStringKeyValuePair, Rule, RuleCondition, RulePriorityPair, SourceIpConditionConfig,
};

use crate::support::*;

fn strings(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

/// `path-pattern` in the `PathPatternConfig` form.
fn path(v: &[&str]) -> RuleCondition {
    RuleCondition::builder().field("path-pattern").path_pattern_config(PathPatternConditionConfig::builder().set_values(strings(v)).build()).build()
}

/// `host-header` in the `HostHeaderConfig` form.
fn host(v: &[&str]) -> RuleCondition {
    RuleCondition::builder().field("host-header").host_header_config(HostHeaderConditionConfig::builder().set_values(strings(v)).build()).build()
}

/// A condition with the legacy `Values` (any field, to test refusals).
fn legacy(field: &str, v: &[&str]) -> RuleCondition {
    RuleCondition::builder().field(field).set_values(strings(v)).build()
}

fn header(name: &str, v: &[&str]) -> RuleCondition {
    RuleCondition::builder()
        .field("http-header")
        .http_header_config(HttpHeaderConditionConfig::builder().http_header_name(name).set_values(strings(v)).build())
        .build()
}

fn method(v: &[&str]) -> RuleCondition {
    RuleCondition::builder().field("http-request-method").http_request_method_config(HttpRequestMethodConditionConfig::builder().set_values(strings(v)).build()).build()
}

fn source_ip(v: &[&str]) -> RuleCondition {
    RuleCondition::builder().field("source-ip").source_ip_config(SourceIpConditionConfig::builder().set_values(strings(v)).build()).build()
}

fn query(key: Option<&str>, value: &str) -> RuleCondition {
    let pair = QueryStringKeyValuePair::builder().set_key(key.map(str::to_string)).value(value).build();
    RuleCondition::builder().field("query-string").query_string_config(QueryStringConditionConfig::builder().values(pair).build()).build()
}

fn fixed(status: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(FixedResponseActionConfig::builder().status_code(status).content_type("text/plain").message_body("hi").build())
        .build()
}

async fn create_rule(c: &Client, listener: &str, priority: i32, conditions: Vec<RuleCondition>, action: Action) -> Rule {
    let out = c
        .create_rule()
        .listener_arn(listener)
        .priority(priority)
        .set_conditions(Some(conditions))
        .actions(action)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create rule {priority}: {e:?}"));
    assert_eq!(out.rules().len(), 1, "{out:?}");
    out.rules()[0].clone()
}

/// (priority, ARN) of a listener's rules as DescribeRules lists them.
async fn priorities(c: &Client, listener: &str) -> Vec<(String, String)> {
    let out = c.describe_rules().listener_arn(listener).send().await.expect("describe rules");
    out.rules().iter().map(|r| (r.priority().unwrap_or_default().to_string(), r.rule_arn().unwrap_or_default().to_string())).collect()
}

/// [`world`] plus every listener's rules and the rules' tags.
async fn rules_world(c: &Client) -> String {
    let mut out = world(c).await;
    let lbs = c.describe_load_balancers().send().await.expect("describe load balancers");
    for lb in lbs.load_balancers() {
        let ls = c.describe_listeners().load_balancer_arn(lb.load_balancer_arn().unwrap()).send().await.expect("describe listeners");
        for l in ls.listeners() {
            let rules = c.describe_rules().listener_arn(l.listener_arn().unwrap()).send().await.expect("describe rules");
            writeln!(out, "rules: {:?}", rules.rules()).unwrap();
            let arns: Vec<String> = rules.rules().iter().filter(|r| r.is_default() == Some(false)).map(|r| r.rule_arn().unwrap().to_string()).collect();
            for chunk in arns.chunks(20) {
                let t = c.describe_tags().set_resource_arns(Some(chunk.to_vec())).send().await.expect("describe tags");
                writeln!(out, "rule tags: {:?}", t.tag_descriptions()).unwrap();
            }
        }
    }
    out
}

/// A JSON file for the CLI's `file://` arguments, removed on drop.
struct JsonFile(std::path::PathBuf);

impl JsonFile {
    fn new(name: &str, json: &serde_json::Value) -> JsonFile {
        let p = std::env::temp_dir().join(format!("elbow-rules-{}-{name}.json", std::process::id()));
        std::fs::write(&p, json.to_string()).expect("write JSON file");
        JsonFile(p)
    }

    fn arg(&self) -> String {
        format!("file://{}", self.0.display())
    }
}

impl Drop for JsonFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_creates_rules_as_the_tutorials_type_them_and_from_json_files() {
    let elbow = Elbow::start();
    let fx = fixture(&elbow).await;
    let forward_spare = format!("Type=forward,TargetGroupArn={}", fx.spare_tg);
    // api-surface §10.5, as typed (the shell removes the quotes around '/api/*').
    let out = elbow.aws(&["elbv2", "create-rule", "--listener-arn", &fx.listener, "--priority", "10", "--conditions", "Field=path-pattern,Values=/api/*", "--actions", &forward_spare]).unwrap();
    let r = &out["Rules"][0];
    assert_eq!(r["Priority"], "10");
    assert_eq!(r["IsDefault"], false);
    let listener_id = fx.listener.rsplit('/').next().unwrap();
    let arn = r["RuleArn"].as_str().unwrap();
    assert!(arn.starts_with(&fx.listener.replace(":listener/", ":listener-rule/")) && arn.split('/').nth_back(1) == Some(listener_id), "{arn}");
    assert_eq!(arn.rsplit('/').next().unwrap().len(), 16, "{arn}");
    // AWS shows a path-pattern condition in both spellings.
    assert_eq!(r["Conditions"], serde_json::json!([{"Field": "path-pattern", "Values": ["/api/*"], "PathPatternConfig": {"Values": ["/api/*"]}}]));
    assert_eq!(r["Actions"][0]["Type"], "forward");
    assert_eq!(r["Actions"][0]["TargetGroupArn"], fx.spare_tg.as_str());
    assert_eq!(r["Actions"][0]["ForwardConfig"]["TargetGroups"], serde_json::json!([{"TargetGroupArn": fx.spare_tg, "Weight": 1}]));

    // The JSON form with every condition type (5 values: the per-rule quota), and a JSON action.
    let conditions = serde_json::json!([
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["*.example.com"]}},
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/v2/*"]}},
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["dev"]}},
        {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}},
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]}}
    ]);
    let actions = serde_json::json!([{"Type": "fixed-response", "FixedResponseConfig": {"MessageBody": "Hello world", "StatusCode": "200", "ContentType": "text/plain"}}]);
    let (cf, af) = (JsonFile::new("conditions", &conditions), JsonFile::new("actions", &actions));
    let out = elbow.aws(&["elbv2", "create-rule", "--listener-arn", &fx.listener, "--priority", "20", "--conditions", &cf.arg(), "--actions", &af.arg()]).unwrap();
    let want = serde_json::json!([
        {"Field": "host-header", "Values": ["*.example.com"], "HostHeaderConfig": {"Values": ["*.example.com"]}},
        {"Field": "path-pattern", "Values": ["/v2/*"], "PathPatternConfig": {"Values": ["/v2/*"]}},
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["dev"]}},
        {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}},
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]}}
    ]);
    assert_eq!(out["Rules"][0]["Conditions"], want);
    assert_eq!(out["Rules"][0]["Actions"], actions);
    let sip = JsonFile::new("source-ip", &serde_json::json!([
        {"Field": "source-ip", "SourceIpConfig": {"Values": ["192.0.2.0/24", "2001:db8::/32"]}},
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Value": "x*"}]}}
    ]));
    let out = elbow.aws(&["elbv2", "create-rule", "--listener-arn", &fx.listener, "--priority", "30", "--conditions", &sip.arg(), "--actions", &forward_spare]).unwrap();
    assert_eq!(
        out["Rules"][0]["Conditions"],
        serde_json::json!([
            {"Field": "source-ip", "SourceIpConfig": {"Values": ["192.0.2.0/24", "2001:db8::/32"]}},
            {"Field": "query-string", "QueryStringConfig": {"Values": [{"Value": "x*"}]}}
        ])
    );

    // describe-rules: by priority, the default rule last.
    let all = elbow.aws(&["elbv2", "describe-rules", "--listener-arn", &fx.listener]).unwrap();
    let rules = all["Rules"].as_array().unwrap();
    assert_eq!(rules.iter().map(|r| r["Priority"].as_str().unwrap()).collect::<Vec<_>>(), ["10", "20", "30", "default"]);
    let d = &rules[3];
    assert_eq!((&d["IsDefault"], &d["Conditions"]), (&serde_json::json!(true), &serde_json::json!([])));
    assert_eq!(d["Actions"][0]["TargetGroupArn"], fx.tg.as_str());
    assert_eq!(rules[1]["Conditions"], want);

    // A tutorial-style error: the same priority again.
    let e = elbow.aws(&["elbv2", "create-rule", "--listener-arn", &fx.listener, "--priority", "10", "--conditions", "Field=path-pattern,Values=/x", "--actions", &forward_spare]).unwrap_err();
    assert_eq!((e.code.as_str(), e.message.contains("The specified priority is in use.")), ("PriorityInUse", true), "{e:?}");
    // set-rule-priorities and delete-rule as the CLI examples type them.
    let first = rules[0]["RuleArn"].as_str().unwrap();
    let out = elbow.aws(&["elbv2", "set-rule-priorities", "--rule-priorities", &format!("RuleArn={first},Priority=5")]).unwrap();
    assert_eq!((out["Rules"][0]["RuleArn"].as_str(), &out["Rules"][0]["Priority"]), (Some(first), &serde_json::json!("5")));
    assert_eq!(elbow.aws(&["elbv2", "delete-rule", "--rule-arn", first]).unwrap(), serde_json::Value::Null);
    let e = elbow.aws(&["elbv2", "delete-rule", "--rule-arn", d["RuleArn"].as_str().unwrap()]).unwrap_err();
    assert_eq!(e.code, "OperationNotPermitted", "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_rules_returns_every_field_by_listener_or_by_arn_with_pages() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let r20 = c
        .create_rule()
        .listener_arn(&fx.listener)
        .priority(20)
        .conditions(legacy("host-header", &["api.example.com"]))
        .conditions(header("User-Agent", &["*Mobile*"]))
        .actions(forward(&fx.spare_tg))
        .tags(tag("team", "edge"))
        .send()
        .await
        .unwrap()
        .rules()[0]
        .clone();
    let r5 = create_rule(&c, &fx.listener, 5, vec![method(&["POST", "PUT"]), source_ip(&["10.0.0.0/8"]), query(None, "debug")], fixed("503")).await;
    let host_both = RuleCondition::builder()
        .field("host-header")
        .values("api.example.com")
        .host_header_config(HostHeaderConditionConfig::builder().values("api.example.com").build())
        .build();
    assert_eq!(r20.priority(), Some("20"));
    assert_eq!(r20.is_default(), Some(false));
    assert_eq!(r20.conditions(), [host_both, header("User-Agent", &["*Mobile*"])]);
    assert_eq!(r20.actions()[0].target_group_arn(), Some(fx.spare_tg.as_str()));
    assert!(r20.transforms().is_empty());
    assert_eq!(r5.conditions(), [method(&["POST", "PUT"]), source_ip(&["10.0.0.0/8"]), query(None, "debug")]);
    let fr = r5.actions()[0].fixed_response_config().unwrap();
    assert_eq!((r5.actions()[0].r#type(), fr.status_code(), fr.content_type(), fr.message_body()), (Some(&ActionTypeEnum::FixedResponse), Some("503"), Some("text/plain"), Some("hi")));

    // By listener: ascending priority, the default rule last; the same as by ARN.
    let by_listener = c.describe_rules().listener_arn(&fx.listener).send().await.unwrap();
    let rules = by_listener.rules();
    assert_eq!(rules.iter().map(|r| r.priority().unwrap()).collect::<Vec<_>>(), ["5", "20", "default"]);
    assert_eq!((&rules[0], &rules[1]), (&r5, &r20));
    let d = &rules[2];
    assert_eq!((d.is_default(), d.conditions().len(), d.actions()[0].target_group_arn()), (Some(true), 0, Some(fx.tg.as_str())));
    let by_arn = c.describe_rules().rule_arns(d.rule_arn().unwrap()).rule_arns(r20.rule_arn().unwrap()).rule_arns(d.rule_arn().unwrap()).send().await.unwrap();
    assert_eq!(by_arn.rules(), [d.clone(), r20.clone()], "request order, duplicates once");
    let tags = c.describe_tags().resource_arns(r20.rule_arn().unwrap()).send().await.unwrap();
    assert_eq!(tags.tag_descriptions()[0].tags(), [tag("team", "edge")]);

    // Pages.
    let p1 = c.describe_rules().listener_arn(&fx.listener).page_size(2).send().await.unwrap();
    assert_eq!(p1.rules().len(), 2);
    let p2 = c.describe_rules().listener_arn(&fx.listener).page_size(2).marker(p1.next_marker().unwrap()).send().await.unwrap();
    assert_eq!((p2.rules(), p2.next_marker()), (&rules[2..], None));

    // One of ListenerArn and RuleArns, known ones.
    let before = rules_world(&c).await;
    assert_code(&failure(c.describe_rules().send().await), "ValidationError");
    assert_code(&failure(c.describe_rules().listener_arn(&fx.listener).rule_arns(r5.rule_arn().unwrap()).send().await), "ValidationError");
    assert_code(&failure(c.describe_rules().listener_arn(BOGUS_LISTENER).send().await), "ListenerNotFound");
    let bogus_rule = format!("{}0", r5.rule_arn().unwrap());
    assert_code(&failure(c.describe_rules().rule_arns(r5.rule_arn().unwrap()).rule_arns(&bogus_rule).send().await), "RuleNotFound");
    assert_code(&failure(c.modify_rule().rule_arn(&bogus_rule).conditions(path(&["/x"])).send().await), "RuleNotFound");
    assert_code(&failure(c.delete_rule().rule_arn(&bogus_rule).send().await), "RuleNotFound");
    assert_code(&failure(c.set_rule_priorities().rule_priorities(RulePriorityPair::builder().rule_arn(&bogus_rule).priority(7).build()).send().await), "RuleNotFound");
    assert_code(&failure(c.create_rule().listener_arn(BOGUS_LISTENER).priority(1).conditions(path(&["/x"])).actions(forward(&fx.tg)).send().await), "ListenerNotFound");
    assert_eq!(rules_world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_rules_are_refused_with_awss_codes_and_nothing_changes() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let r1 = create_rule(&c, &fx.listener, 1, vec![path(&["/one"])], forward(&fx.spare_tg)).await;
    let before = rules_world(&c).await;
    let create = |priority: i32, conditions: Vec<RuleCondition>| c.create_rule().listener_arn(&fx.listener).priority(priority).set_conditions(Some(conditions)).actions(fixed("200")).send();
    let cases: Vec<(Vec<RuleCondition>, &str)> = vec![
        (vec![legacy("cookie", &["x"])], "Condition field 'cookie' must be one of"),
        (vec![], "at least one condition"),
        (vec![path(&[])], "at least one value"),
        (vec![path(&["/a"]), path(&["/b"])], "only have one 'path-pattern'"),
        (vec![host(&["a.example.com"]), host(&["b.example.com"])], "only have one 'host-header'"),
        (vec![method(&["GET"]), method(&["POST"])], "only have one 'http-request-method'"),
        (vec![source_ip(&["10.0.0.0/8"]), source_ip(&["10.1.0.0/16"])], "only have one 'source-ip'"),
        (vec![path(&["/1", "/2", "/3"]), host(&["a.example.com", "b.example.com", "c.example.com"])], "A rule can only have '5' condition values"),
        (vec![path(&["/*/*/*/*"]), host(&["*.*.example.com"])], "'5' wildcards"),
        (vec![host(&["no-dot"])], "at least one '.'"),
        (vec![host(&[&format!("{}.example.com", "a".repeat(120))])], "1 to 128"),
        (vec![host(&["bad_char.example.com"])], "A-Z, a-z, 0-9"),
        (vec![path(&[&format!("/{}", "a".repeat(128))])], "1 to 128"),
        (vec![path(&["no-slash"])], "starting with '/'"),
        (vec![header("Host", &["x"])], "Host header"),
        (vec![header(&"X".repeat(41), &["x"])], "1 to 40"),
        (vec![header("X-A", &[&"v".repeat(129)])], "1 to 128"),
        (vec![method(&["get"])], "A-Z, '-' and '_'"),
        (vec![method(&[&"A".repeat(41)])], "1 to 40"),
        (vec![source_ip(&["10.0.0.1"])], "CIDR"),
        (vec![source_ip(&["fe80::/129"])], "CIDR"),
        (vec![query(Some("k"), "")], "Query string value"),
        (vec![legacy("http-header", &["x"])], "Values can only be specified for host-header and path-pattern"),
        (vec![RuleCondition::builder().field("path-pattern").regex_values("^/a$").build()], "RegexValues"),
        (vec![RuleCondition::builder().field("path-pattern").values("/a").path_pattern_config(PathPatternConditionConfig::builder().values("/b").build()).build()], "not both"),
    ];
    for (conditions, want) in cases {
        let f = failure(create(2, conditions.clone()).await);
        assert_code(&f, "ValidationError");
        assert!(f.message.contains(want), "{conditions:?}: {f:?}");
        let f = failure(c.modify_rule().rule_arn(r1.rule_arn().unwrap()).set_conditions(Some(conditions.clone())).send().await);
        assert_code(&f, "ValidationError");
        assert!(f.message.contains(want), "ModifyRule {conditions:?}: {f:?}");
    }
    // Priority: in use, out of range; actions as for default actions.
    assert_code(&failure(create(1, vec![path(&["/x"])]).await), "PriorityInUse");
    assert_code(&failure(create(0, vec![path(&["/x"])]).await), "ValidationError");
    assert_code(&failure(create(50_001, vec![path(&["/x"])]).await), "ValidationError");
    assert_code(&failure(c.create_rule().listener_arn(&fx.listener).priority(3).conditions(path(&["/x"])).actions(forward(BOGUS_TG)).send().await), "TargetGroupNotFound");
    let no_actions = c.create_rule().listener_arn(&fx.listener).priority(3).conditions(path(&["/x"])).set_actions(Some(vec![])).send().await;
    assert_code(&failure(no_actions), "ValidationError");
    let tags = c.create_rule().listener_arn(&fx.listener).priority(3).conditions(path(&["/x"])).actions(fixed("200")).tags(tag("k", "1")).tags(tag("k", "2")).send().await;
    assert_code(&failure(tags), "DuplicateTagKeys");
    assert_eq!(rules_world(&c).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn set_rule_priorities_swaps_atomically_and_refuses_conflicts_without_changing_anything() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let a = create_rule(&c, &fx.listener, 1, vec![path(&["/a"])], fixed("200")).await.rule_arn().unwrap().to_string();
    let b = create_rule(&c, &fx.listener, 2, vec![path(&["/b"])], fixed("201")).await.rule_arn().unwrap().to_string();
    let x = create_rule(&c, &fx.listener, 3, vec![path(&["/c"])], fixed("202")).await.rule_arn().unwrap().to_string();
    let pair = |arn: &str, p: i32| RulePriorityPair::builder().rule_arn(arn).priority(p).build();
    let out = c.set_rule_priorities().rule_priorities(pair(&a, 2)).rule_priorities(pair(&b, 1)).send().await.expect("a swap is no conflict");
    assert_eq!(out.rules().iter().map(|r| (r.rule_arn().unwrap(), r.priority().unwrap())).collect::<Vec<_>>(), [(a.as_str(), "2"), (b.as_str(), "1")]);
    let d = priorities(&c, &fx.listener).await;
    assert_eq!(d.iter().map(|(p, arn)| (p.as_str(), arn.as_str())).collect::<Vec<_>>()[..3], [("1", b.as_str()), ("2", a.as_str()), ("3", x.as_str())]);

    let before = rules_world(&c).await;
    let default = &d[3].1;
    let set = |pairs: Vec<RulePriorityPair>| c.set_rule_priorities().set_rule_priorities(Some(pairs)).send();
    assert_code(&failure(set(vec![pair(&a, 3)]).await), "PriorityInUse");
    assert_code(&failure(set(vec![pair(&a, 10), pair(&b, 10)]).await), "PriorityInUse");
    assert_code(&failure(set(vec![pair(&a, 10), pair(&b, 3)]).await), "PriorityInUse");
    assert_code(&failure(set(vec![pair(&a, 10), pair(default, 11)]).await), "OperationNotPermitted");
    assert_code(&failure(set(vec![pair(&a, 10), pair(&format!("{a}0"), 11)]).await), "RuleNotFound");
    assert_code(&failure(set(vec![pair(&a, 50_001)]).await), "ValidationError");
    assert_code(&failure(set(vec![]).await), "ValidationError");
    assert_eq!(rules_world(&c).await, before);
    // A rotation of all three in one call works.
    set(vec![pair(&a, 3), pair(&b, 2), pair(&x, 1)]).await.expect("rotation");
    assert_eq!(priorities(&c, &fx.listener).await.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["1", "2", "3", "default"]);
    assert_eq!(priorities(&c, &fx.listener).await[0].1, x);
}

#[tokio::test(flavor = "multi_thread")]
async fn modify_rule_replaces_lists_and_the_default_rule_takes_actions_only() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let r = create_rule(&c, &fx.listener, 7, vec![path(&["/a", "/b"]), header("X-A", &["1"])], forward(&fx.spare_tg)).await;
    let arn = r.rule_arn().unwrap();
    // Conditions only: actions and priority stay; the condition list is replaced, not merged.
    let out = c.modify_rule().rule_arn(arn).conditions(host(&["*.example.org"])).send().await.unwrap();
    let m = &out.rules()[0];
    let want_host = RuleCondition::builder().field("host-header").values("*.example.org").host_header_config(HostHeaderConditionConfig::builder().values("*.example.org").build()).build();
    assert_eq!((m.conditions(), m.actions(), m.priority()), ([want_host.clone()].as_slice(), r.actions(), Some("7")));
    // Actions only.
    let out = c.modify_rule().rule_arn(arn).actions(fixed("418")).send().await.unwrap();
    assert_eq!(out.rules()[0].conditions(), [want_host]);
    assert_eq!(out.rules()[0].actions()[0].fixed_response_config().and_then(|f| f.status_code()), Some("418"));
    assert_eq!(c.describe_rules().rule_arns(arn).send().await.unwrap().rules(), out.rules());

    // The default rule.
    let default = priorities(&c, &fx.listener).await.pop().unwrap().1;
    let before = rules_world(&c).await;
    assert_code(&failure(c.modify_rule().rule_arn(&default).conditions(path(&["/x"])).send().await), "OperationNotPermitted");
    assert_code(&failure(c.delete_rule().rule_arn(&default).send().await), "OperationNotPermitted");
    assert_eq!(rules_world(&c).await, before);
    let out = c.modify_rule().rule_arn(&default).actions(fixed("404")).send().await.expect("the default rule's actions can change");
    let d = &out.rules()[0];
    assert_eq!((d.rule_arn(), d.priority(), d.is_default()), (Some(default.as_str()), Some("default"), Some(true)));
    let l = c.describe_listeners().listener_arns(&fx.listener).send().await.unwrap();
    assert_eq!(l.listeners()[0].default_actions(), d.actions(), "the default rule's actions are the listener's default actions");
    assert_eq!(d.actions()[0].fixed_response_config().and_then(|f| f.status_code()), Some("404"));

    // DeleteRule, then the rule is gone; deleting the listener removes the remaining rules.
    c.delete_rule().rule_arn(arn).send().await.unwrap();
    assert_code(&failure(c.describe_rules().rule_arns(arn).send().await), "RuleNotFound");
    let other = create_rule(&c, &fx.listener, 8, vec![path(&["/z"])], fixed("200")).await;
    c.delete_listener().listener_arn(&fx.listener).send().await.unwrap();
    assert_code(&failure(c.describe_rules().rule_arns(other.rule_arn().unwrap()).send().await), "RuleNotFound");
    assert_code(&failure(c.describe_rules().rule_arns(&default).send().await), "RuleNotFound");
    assert_code(&failure(c.describe_rules().listener_arn(&fx.listener).send().await), "ListenerNotFound");
    assert_code(&failure(c.describe_tags().resource_arns(other.rule_arn().unwrap()).send().await), "RuleNotFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_listener_holds_1000_rules_and_the_1001st_is_too_many() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let limits = c.describe_account_limits().send().await.unwrap();
    let max = limits.limits().iter().find(|l| l.name() == Some("rules-per-application-load-balancer")).and_then(|l| l.max());
    assert_eq!(max, Some("1000"));
    let started = Instant::now();
    // 8 requests in flight at a time: the writer commits one at a time anyway.
    let next = Arc::new(std::sync::atomic::AtomicI32::new(1));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (c, next, listener) = (c.clone(), next.clone(), fx.listener.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let p = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if p > 1000 {
                    return;
                }
                let cond = path(&[&format!("/r{p}/*")]);
                c.create_rule().listener_arn(&listener).priority(p).conditions(cond).actions(fixed("200")).send().await.unwrap_or_else(|e| panic!("rule {p}: {e:?}"));
            }
        }));
    }
    for t in tasks {
        t.await.expect("creator task");
    }
    eprintln!("1,000 CreateRule calls took {:?}", started.elapsed());
    let f = failure(c.create_rule().listener_arn(&fx.listener).priority(1001).conditions(path(&["/extra"])).actions(fixed("200")).send().await);
    assert_code(&f, "TooManyRules");
    // All of them, in order, through the SDK's paginator (400 per page).
    let pages: Vec<_> = c.describe_rules().listener_arn(&fx.listener).into_paginator().send().collect::<Result<Vec<_>, _>>().await.unwrap();
    let all: Vec<String> = pages.iter().flat_map(|p| p.rules().iter().map(|r| r.priority().unwrap().to_string())).collect();
    let want: Vec<String> = (1..=1000).map(|p| p.to_string()).chain(["default".to_string()]).collect();
    assert_eq!(pages.len(), 3);
    assert_eq!(all, want);
}
