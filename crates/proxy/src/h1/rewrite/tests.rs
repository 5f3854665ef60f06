//! Tests of the head rewriting.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::h1::head::{Method, parse_request, parse_response};
use crate::routing::{ListenerRoutes, RouteAction};

fn routes(port: u16, xff: XffMode) -> ListenerRoutes {
    ListenerRoutes {
        listener_arn: "l".into(),
        port,
        scheme: "http",
        idle_timeout: Duration::from_secs(60),
        client_keep_alive: Duration::from_secs(3600),
        header_timeout: Duration::from_secs(60),
        desync: crate::routing::DesyncMode::Defensive,
        cookie_key: Arc::new(crate::sticky::CookieKey::new(&[0; 32])),
        rules: crate::rules::RuleSet::default(),
        xff,
        xff_client_port: false,
        preserve_host: false,
        drop_invalid_headers: false,
        server_header: true,
        tls: None,
        tls_headers: false,
        default_action: RouteAction::FixedResponse(Arc::new(model::listener::FixedResponseConfig { message_body: None, status_code: "200".into(), content_type: None })),
    }
}

fn upstream_head(req: &str, r: &ListenerRoutes) -> Result<String, u16> {
    let head = parse_request(req.as_bytes()).unwrap().unwrap();
    let mut out = Vec::new();
    request_head(&mut out, req.as_bytes(), &head, r, "192.0.2.7:5555".parse().unwrap(), None, None)?;
    Ok(String::from_utf8(out).unwrap())
}

fn field<'a>(head: &'a str, name: &str) -> Vec<&'a str> {
    head.split("\r\n").filter_map(|l| l.split_once(": ")).filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v).collect()
}

#[test]
fn forwarded_fields_are_set_and_hop_by_hop_ones_dropped() {
    let h = upstream_head(
        "GET http://shop.example.com:9/a?b HTTP/1.1\r\nHost: ignored\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\nX-Forwarded-For: 203.0.113.1\r\nX-Forwarded-Proto: https\r\nUpgrade: h2c\r\nAccept: */*\r\n\r\n",
        &routes(8080, XffMode::Append),
    )
    .unwrap();
    assert!(h.starts_with("GET /a?b HTTP/1.1\r\n"), "{h}");
    assert_eq!(field(&h, "host"), ["shop.example.com:8080"], "absolute-form authority, listener port");
    assert_eq!(field(&h, "x-forwarded-for"), ["203.0.113.1, 192.0.2.7"]);
    assert_eq!(field(&h, "x-forwarded-proto"), ["http"]);
    assert_eq!(field(&h, "x-forwarded-port"), ["8080"]);
    assert_eq!(field(&h, "accept"), ["*/*"]);
    for gone in ["connection", "x-secret", "keep-alive", "upgrade"] {
        assert!(field(&h, gone).is_empty(), "{gone} in {h}");
    }
    let trace = field(&h, "x-amzn-trace-id")[0];
    assert!(trace.starts_with("Root=1-") && trace.len() == 5 + 2 + 8 + 1 + 24, "{trace}");
    assert!(h.ends_with("\r\n\r\n"));
}

#[test]
fn host_port_follows_alb_on_default_ports() {
    let h = upstream_head("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", &routes(80, XffMode::Append)).unwrap();
    assert_eq!(field(&h, "host"), ["example.com"]);
    let mut r = routes(80, XffMode::Append);
    r.preserve_host = true;
    let h = upstream_head("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", &r).unwrap();
    assert_eq!(field(&h, "host"), ["example.com:8080"]);
}

#[test]
fn xff_modes_and_the_30_entry_limit() {
    let req = "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\n\r\n";
    assert_eq!(field(&upstream_head(req, &routes(80, XffMode::Append)).unwrap(), "x-forwarded-for"), ["1.1.1.1, 2.2.2.2, 192.0.2.7"]);
    assert_eq!(field(&upstream_head(req, &routes(80, XffMode::Preserve)).unwrap(), "x-forwarded-for"), ["1.1.1.1", "2.2.2.2"]);
    assert!(field(&upstream_head(req, &routes(80, XffMode::Remove)).unwrap(), "x-forwarded-for").is_empty());
    let many: Vec<String> = (0..30).map(|i| format!("10.0.0.{i}")).collect();
    let req = format!("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: {}\r\n\r\n", many.join(", "));
    assert_eq!(upstream_head(&req, &routes(80, XffMode::Append)), Err(463));
    let req = format!("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: {}\r\n\r\n", many[..29].join(", "));
    assert!(upstream_head(&req, &routes(80, XffMode::Append)).is_ok());
}

#[test]
fn trace_ids_keep_root_and_custom_fields() {
    let h = upstream_head("GET / HTTP/1.1\r\nHost: a\r\nX-Amzn-Trace-Id: Root=1-abc;Self=1-old;CalledFrom=app\r\n\r\n", &routes(80, XffMode::Append)).unwrap();
    let t = field(&h, "x-amzn-trace-id")[0];
    assert!(t.starts_with("Self=1-") && t.ends_with(";Root=1-abc;CalledFrom=app") && !t.contains("old"), "{t}");
}

#[test]
fn framing_is_restated() {
    let h = upstream_head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", &routes(80, XffMode::Append)).unwrap();
    assert_eq!(field(&h, "content-length"), ["5"]);
    let h = upstream_head("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", &routes(80, XffMode::Append)).unwrap();
    assert_eq!(field(&h, "transfer-encoding"), ["chunked"]);
    assert!(field(&h, "content-length").is_empty(), "the length next to chunked is dropped");
    let h = upstream_head("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", &routes(80, XffMode::Append)).unwrap();
    assert!(field(&h, "expect").is_empty(), "elbow answers 100-continue itself");
}

fn client_head(resp: &str, http10: bool, keep: bool) -> (String, ResponsePlan) {
    let head = parse_response(resp.as_bytes(), Method::Get).unwrap().unwrap();
    let mut out = Vec::new();
    let plan = response_head(&mut out, resp.as_bytes(), &head, http10, keep, b"");
    (String::from_utf8(out).unwrap(), plan)
}

#[test]
fn responses_lose_hop_by_hop_fields_and_gain_date_and_connection() {
    let (h, plan) = client_head("HTTP/1.0 200 Fine\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\nServer: app\r\n\r\n", false, true);
    assert!(h.starts_with("HTTP/1.1 200 Fine\r\n"), "{h}");
    assert!(field(&h, "keep-alive").is_empty() && field(&h, "connection").is_empty());
    assert_eq!(field(&h, "server"), ["app"]);
    assert_eq!(field(&h, "date").len(), 1);
    assert!(plan.keep_alive);
    let (h, plan) = client_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, true);
    assert!(plan.dechunk && !plan.keep_alive);
    assert!(field(&h, "transfer-encoding").is_empty() && field(&h, "connection") == ["close"]);
    let (_, plan) = client_head("HTTP/1.1 200 OK\r\n\r\n", false, true);
    assert!(!plan.keep_alive, "a close-delimited body ends the client connection");
}

#[test]
fn ports_and_absolute_forms_split() {
    assert_eq!(strip_port(b"example.com:80"), b"example.com");
    assert_eq!(strip_port(b"[::1]:80"), b"[::1]");
    assert_eq!(strip_port(b"example.com"), b"example.com");
    assert_eq!(split_absolute(b"http://h:1/p?q"), Some((&b"h:1"[..], &b"/p?q"[..])));
    assert_eq!(split_absolute(b"http://h"), Some((&b"h"[..], &b"/"[..])));
    assert_eq!(split_absolute(b"/p"), None);
}
