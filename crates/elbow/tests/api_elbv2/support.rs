//! Helpers shared by the ELBv2 API tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};
use testkit::elbv2::Client;
use testkit::elbv2::error::{ProvideErrorMetadata, SdkError};
use testkit::elbv2::types::{
    Action, ActionTypeEnum, ListenerAttribute, LoadBalancer, LoadBalancerAttribute,
    ProtocolEnum, Tag, TargetDescription, TargetGroup, TargetGroupAttribute, TargetTypeEnum,
};
use testkit::{Elbow, curl, default_network};

// Helpers

/// An AWS error as the SDK reports it.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
}

/// The error of a call that must fail.
pub(crate) fn failure<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(r: Result<T, SdkError<E>>) -> Failure {
    match r {
        Ok(v) => panic!("expected an AWS error, the call succeeded: {v:?}"),
        Err(e) => {
            let status = e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
            let code = e.code().unwrap_or_default().to_string();
            let message = e.message().unwrap_or_default().to_string();
            assert!(!code.is_empty(), "the error has no AWS code (not a service error?): {e:?}");
            Failure { status, code, message }
        }
    }
}

/// Asserts `f` is a 400 with `code`.
#[track_caller]
pub(crate) fn assert_code(f: &Failure, code: &str) {
    assert_eq!((f.status, f.code.as_str()), (400, code), "{f:?}");
}

pub(crate) const BOGUS_LB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/nope/0123456789abcdef";
pub(crate) const BOGUS_TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef";
pub(crate) const BOGUS_LISTENER: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/nope/0123456789abcdef/fedcba9876543210";

pub(crate) fn tg_attr(k: &str, v: &str) -> TargetGroupAttribute {
    TargetGroupAttribute::builder().key(k).value(v).build()
}

pub(crate) fn lb_attr(k: &str, v: &str) -> LoadBalancerAttribute {
    LoadBalancerAttribute::builder().key(k).value(v).build()
}

pub(crate) fn listener_attr(k: &str, v: &str) -> ListenerAttribute {
    ListenerAttribute::builder().key(k).value(v).build()
}

pub(crate) fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

pub(crate) fn forward(tg: &str) -> Action {
    Action::builder().r#type(ActionTypeEnum::Forward).target_group_arn(tg).build()
}

pub(crate) fn ip_target(ip: &str, port: i32) -> TargetDescription {
    TargetDescription::builder().id(ip).port(port).build()
}

/// Key → value of an attribute list.
pub(crate) fn attr_map<'a>(pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.unwrap_or_default().to_string(), v.unwrap_or_default().to_string())).collect()
}

pub(crate) fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub(crate) async fn lb_attributes(c: &Client, arn: &str) -> BTreeMap<String, String> {
    let out = c.describe_load_balancer_attributes().load_balancer_arn(arn).send().await.expect("describe load balancer attributes");
    attr_map(out.attributes().iter().map(|a| (a.key(), a.value())))
}

pub(crate) async fn tg_attributes(c: &Client, arn: &str) -> BTreeMap<String, String> {
    let out = c.describe_target_group_attributes().target_group_arn(arn).send().await.expect("describe target group attributes");
    attr_map(out.attributes().iter().map(|a| (a.key(), a.value())))
}

pub(crate) async fn listener_attributes(c: &Client, arn: &str) -> BTreeMap<String, String> {
    let out = c.describe_listener_attributes().listener_arn(arn).send().await.expect("describe listener attributes");
    attr_map(out.attributes().iter().map(|a| (a.key(), a.value())))
}

/// A target group with `ip` targets on HTTP `port` in the default VPC (AWS defaults otherwise).
pub(crate) async fn create_ip_tg(c: &Client, vpc: &str, name: &str, port: i32) -> TargetGroup {
    let out = c
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Http)
        .port(port)
        .vpc_id(vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create target group {name}: {e:?}"));
    out.target_groups()[0].clone()
}

/// An internet-facing ALB across the default VPC's subnets.
pub(crate) async fn create_alb(c: &Client, subnets: &[String], name: &str) -> LoadBalancer {
    let out = c
        .create_load_balancer()
        .name(name)
        .set_subnets(Some(subnets.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create load balancer {name}: {e:?}"));
    out.load_balancers()[0].clone()
}

/// An HTTP listener on a free port forwarding to `tg`; returns its ARN.
pub(crate) async fn create_http_listener(c: &Client, lb: &str, tg: &str) -> String {
    let port = testkit::free_port("127.0.0.1");
    let out = c
        .create_listener()
        .load_balancer_arn(lb)
        .protocol(ProtocolEnum::Http)
        .port(i32::from(port))
        .default_actions(forward(tg))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create listener: {e:?}"));
    out.listeners()[0].listener_arn().expect("listener arn").to_string()
}

/// A small but complete configuration to check "nothing changed" against: an ALB with a
/// listener forwarding to a target group, a second (unused) target group with two registered
/// targets, tags on all three kinds, and one changed attribute on each.
pub(crate) struct Fixture {
    pub(crate) vpc: String,
    pub(crate) subnets: Vec<String>,
    pub(crate) lb: String,
    pub(crate) tg: String,
    pub(crate) spare_tg: String,
    pub(crate) listener: String,
}

pub(crate) async fn fixture(elbow: &Elbow) -> Fixture {
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(elbow);
    let tg = create_ip_tg(&c, &vpc, "fx-tg", 8080).await.target_group_arn().unwrap().to_string();
    let spare_tg = create_ip_tg(&c, &vpc, "fx-spare", 8080).await.target_group_arn().unwrap().to_string();
    c.register_targets().target_group_arn(&spare_tg).targets(ip_target("127.0.0.2", 8080)).targets(ip_target("127.0.0.3", 8081)).send().await.unwrap();
    let lb = create_alb(&c, &subnets, "fx-lb").await.load_balancer_arn().unwrap().to_string();
    let listener = create_http_listener(&c, &lb, &tg).await;
    c.add_tags().resource_arns(&lb).resource_arns(&tg).resource_arns(&listener).tags(tag("team", "edge")).send().await.unwrap();
    c.modify_load_balancer_attributes().load_balancer_arn(&lb).attributes(lb_attr("idle_timeout.timeout_seconds", "90")).send().await.unwrap();
    c.modify_target_group_attributes().target_group_arn(&tg).attributes(tg_attr("deregistration_delay.timeout_seconds", "10")).send().await.unwrap();
    c.modify_listener_attributes().listener_arn(&listener).attributes(listener_attr("routing.http.response.server.enabled", "false")).send().await.unwrap();
    Fixture { vpc, subnets, lb, tg, spare_tg, listener }
}

/// Everything a client can read about ELBv2 in us-east-1, normalised (no request ids), so two
/// readings can be compared: load balancers, target groups, listeners per load balancer, target
/// health per target group, every attribute, every tag.
pub(crate) async fn world(c: &Client) -> String {
    let mut out = String::new();
    let mut arns: Vec<String> = Vec::new();
    let lbs = c.describe_load_balancers().send().await.expect("describe load balancers");
    writeln!(out, "load balancers: {:?}", lbs.load_balancers()).unwrap();
    for lb in lbs.load_balancers() {
        let arn = lb.load_balancer_arn().unwrap();
        arns.push(arn.to_string());
        writeln!(out, "attributes of {arn}: {:?}", lb_attributes(c, arn).await).unwrap();
        let ls = c.describe_listeners().load_balancer_arn(arn).send().await.expect("describe listeners");
        writeln!(out, "listeners of {arn}: {:?}", ls.listeners()).unwrap();
        for l in ls.listeners() {
            let la = l.listener_arn().unwrap();
            arns.push(la.to_string());
            writeln!(out, "attributes of {la}: {:?}", listener_attributes(c, la).await).unwrap();
        }
    }
    let tgs = c.describe_target_groups().send().await.expect("describe target groups");
    writeln!(out, "target groups: {:?}", tgs.target_groups()).unwrap();
    for tg in tgs.target_groups() {
        let arn = tg.target_group_arn().unwrap();
        arns.push(arn.to_string());
        writeln!(out, "attributes of {arn}: {:?}", tg_attributes(c, arn).await).unwrap();
        let h = c.describe_target_health().target_group_arn(arn).send().await.expect("describe target health");
        writeln!(out, "health of {arn}: {:?}", h.target_health_descriptions()).unwrap();
    }
    for chunk in arns.chunks(20) {
        let t = c.describe_tags().set_resource_arns(Some(chunk.to_vec())).send().await.expect("describe tags");
        writeln!(out, "tags: {:?}", t.tag_descriptions()).unwrap();
    }
    out
}

/// Runs curl with `args` plus `-i` and returns (status, lower-cased header block, body).
pub(crate) fn curl_i(args: &[&str]) -> (u16, String, String) {
    let mut all = vec!["-i"];
    all.extend_from_slice(args);
    let out = curl(&all);
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no HTTP response from curl {args:?}: {out:?}"));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status line: {head}"));
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// POSTs a query-protocol form body to elbow without any signature.
pub(crate) fn post(elbow: &Elbow, form: &str) -> (u16, String, String) {
    curl_i(&["-H", "Content-Type: application/x-www-form-urlencoded; charset=utf-8", "--data", form, &elbow.endpoint])
}

/// The text of the first `<tag>…</tag>` in `xml`.
pub(crate) fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}
