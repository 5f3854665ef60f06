//! Tests of rule matching.

use std::net::IpAddr;
use std::sync::Arc;

use model::listener::{FixedResponseConfig, HttpHeaderCondition, QueryStringPair};
use model::{Rule, RuleCondition};

use super::*;

struct Req {
    method: &'static str,
    host: Option<&'static str>,
    path: String,
    query: String,
    headers: Vec<(&'static str, &'static str)>,
    ip: IpAddr,
}

impl Req {
    fn get(host: &'static str, path: &str) -> Req {
        Req { method: "GET", host: Some(host), path: path.into(), query: String::new(), headers: vec![], ip: "192.0.2.10".parse().unwrap() }
    }
}

impl RequestFacts for Req {
    fn method(&self) -> &[u8] {
        self.method.as_bytes()
    }
    fn host(&self) -> Option<&[u8]> {
        self.host.map(str::as_bytes)
    }
    fn path(&self) -> &[u8] {
        self.path.as_bytes()
    }
    fn query(&self) -> &[u8] {
        self.query.as_bytes()
    }
    fn any_header(&self, name: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.headers.iter().filter(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name)).any(|(_, v)| f(v.as_bytes()))
    }
    fn source_ip(&self) -> IpAddr {
        self.ip
    }
}

fn cond(field: &str, values: &[&str]) -> RuleCondition {
    RuleCondition { field: field.into(), values: values.iter().map(|v| v.to_string()).collect(), http_header: None, query_string: vec![] }
}

fn rule(priority: u32, conditions: Vec<RuleCondition>) -> Rule {
    Rule { arn: format!("r{priority}"), listener_arn: "l".into(), priority, conditions, actions: vec![], tags: Default::default() }
}

fn action(code: u32) -> RouteAction {
    RouteAction::FixedResponse(Arc::new(FixedResponseConfig { message_body: None, status_code: code.to_string(), content_type: None }))
}

fn code(a: Option<&RouteAction>) -> Option<String> {
    match a {
        Some(RouteAction::FixedResponse(f)) => Some(f.status_code.clone()),
        _ => None,
    }
}

fn set(rules: &[Rule]) -> RuleSet {
    RuleSet::new(rules.iter().map(|r| (r, action(r.priority))).collect())
}

#[test]
fn wildcards_match_as_alb_documents() {
    let p = Pattern::new("/api/*/v?", false, false);
    assert!(p.matches(b"/api/users/v1"));
    assert!(p.matches(b"/api//v2"));
    assert!(!p.matches(b"/api/users/v10"));
    assert!(!p.matches(b"/API/users/v1"), "paths are case-sensitive");
    let h = Pattern::new("*.Example.com", true, false);
    assert!(h.matches(b"shop.example.COM"));
    assert!(!h.matches(b"example.com"));
    assert!(Pattern::new("*", false, false).matches(b""));
    assert!(Pattern::new("a*b*c", false, false).matches(b"aXbYbZc"));
    assert!(!Pattern::new("a*b*c", false, false).matches(b"aXbYbZ"));
    let q = Pattern::new("5\\*", true, true);
    assert!(q.matches(b"5*") && !q.matches(b"55"));
}

#[test]
fn conditions_and_across_or_within_priority_first() {
    let mut header = cond("http-header", &[]);
    header.http_header = Some(HttpHeaderCondition { name: "X-Env".into(), values: vec!["dev".into(), "qa*".into()] });
    let mut query = cond("query-string", &[]);
    query.query_string = vec![QueryStringPair { key: Some("version".into()), value: "v2".into() }, QueryStringPair { key: None, value: "beta".into() }];
    let rules = vec![
        rule(5, vec![cond("path-pattern", &["/api/*"]), cond("http-request-method", &["POST"])]),
        rule(10, vec![cond("host-header", &["api.example.com"])]),
        rule(20, vec![header]),
        rule(30, vec![query]),
        rule(40, vec![cond("source-ip", &["10.0.0.0/8", "2001:db8::/32"])]),
        rule(50, vec![cond("path-pattern", &["/api/*"])]),
    ];
    let s = set(&rules);
    let mut r = Req::get("www.example.com", "/api/x");
    assert_eq!(code(s.route(&r)).as_deref(), Some("50"), "method differs: rule 5 does not match");
    r.method = "POST";
    assert_eq!(code(s.route(&r)).as_deref(), Some("5"));
    let r = Req::get("API.example.com", "/api/x");
    assert_eq!(code(s.route(&r)).as_deref(), Some("10"), "host is case-insensitive and priority 10 beats 50");
    let mut r = Req::get("www.example.com", "/x");
    r.headers = vec![("x-env", "QA-7")];
    assert_eq!(code(s.route(&r)).as_deref(), Some("20"));
    let mut r = Req::get("www.example.com", "/x");
    r.query = "a=1&VERSION=V2".into();
    assert_eq!(code(s.route(&r)).as_deref(), Some("30"), "query keys and values are case-insensitive");
    r.query = "x=beta".into();
    assert_eq!(code(s.route(&r)).as_deref(), Some("30"), "a pair without key matches any key");
    let mut r = Req::get("www.example.com", "/x");
    r.ip = "10.1.2.3".parse().unwrap();
    assert_eq!(code(s.route(&r)).as_deref(), Some("40"));
    r.ip = "2001:db8::1".parse().unwrap();
    assert_eq!(code(s.route(&r)).as_deref(), Some("40"));
    let r = Req::get("www.example.com", "/nothing");
    assert_eq!(code(s.route(&r)), None, "no rule: the default action applies");
}

/// The index must never change the answer: compare with a scan over random rules and requests.
#[test]
fn indexed_routing_equals_a_priority_scan() {
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut rnd = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let hosts = ["a.example.com", "b.example.com", "*.example.com", "c.example.?om", "*"];
    let paths = ["/", "/api/*", "/api/v1/*", "/img/*.png", "*/admin", "/a?c", "/static/*"];
    for _round in 0..50 {
        let mut rules = Vec::new();
        for p in 1..=40u32 {
            let mut cs = Vec::new();
            if rnd(2) == 0 {
                cs.push(cond("host-header", &[hosts[rnd(hosts.len() as u64) as usize]]));
            }
            if rnd(2) == 0 || cs.is_empty() {
                cs.push(cond("path-pattern", &[paths[rnd(paths.len() as u64) as usize], paths[rnd(paths.len() as u64) as usize]]));
            }
            rules.push(rule(p, cs));
        }
        let s = set(&rules);
        let linear = |r: &Req| rules.iter().find(|rule| rule.conditions.iter().filter_map(Condition::compile).all(|c| c.matches(r))).map(|rule| rule.priority.to_string());
        for _ in 0..200 {
            let host = ["a.example.com", "B.EXAMPLE.COM", "c.example.com", "other.org"][rnd(4) as usize];
            let path = ["/", "/api/v1/users", "/api/x", "/img/a.png", "/x/admin", "/abc", "/static/", "/nope"][rnd(8) as usize];
            let r = Req::get(host, path);
            assert_eq!(code(s.route(&r)), linear(&r), "{host} {path}");
        }
    }
}

#[test]
fn a_thousand_rules_evaluate_few_candidates() {
    let rules: Vec<Rule> = (1..=1000u32).map(|i| rule(i, vec![cond("path-pattern", &[&format!("/svc-{i}/*")])])).collect();
    let s = set(&rules);
    assert_eq!(code(s.route(&Req::get("h.example.com", "/svc-777/x"))).as_deref(), Some("777"));
    assert_eq!(code(s.route(&Req::get("h.example.com", "/svc-1/x"))).as_deref(), Some("1"));
    assert_eq!(code(s.route(&Req::get("h.example.com", "/other"))), None);
    let hosts: Vec<Rule> = (1..=1000u32).map(|i| rule(i, vec![cond("host-header", &[&format!("h{i}.example.com")])])).collect();
    let s = set(&hosts);
    assert!(s.rest.is_empty() && s.by_host.len() == 1000);
    assert_eq!(code(s.route(&Req::get("H999.example.com", "/"))).as_deref(), Some("999"));
}
