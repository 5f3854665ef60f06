//! Traffic through a real `elbow serve` to real backends: spread, forwarded headers, and ALB's
//! error semantics (502/503/504), plus live changes under load.

use std::time::{Duration, Instant};

use testkit::elbv2::types::{Action, ActionTypeEnum, FixedResponseActionConfig, RedirectActionConfig, RedirectActionStatusCodeEnum, TargetDescription, TargetGroupAttribute};
use testkit::{Backend, Elbow, HttpClient, simple_alb, wait_all_healthy};

#[tokio::test(flavor = "multi_thread")]
async fn round_robin_spreads_requests_evenly_across_two_targets() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "spread", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let http = HttpClient::new();
    let (mut na, mut nb) = (0, 0);
    for _ in 0..200 {
        let r = http.get(&alb.url("/")).await.unwrap();
        assert_eq!(r.status, 200);
        match r.body.trim() {
            "a" => na += 1,
            "b" => nb += 1,
            other => panic!("unexpected body {other}"),
        }
    }
    assert_eq!((na, nb), (100, 100), "round robin over two healthy targets alternates");
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_headers_are_set_as_alb_sets_them() {
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let alb = simple_alb(&elbow, "headers", &[a.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    let http = HttpClient::new();
    let r = http
        .get_with(&alb.url("/echo?x=1"), &[("host", "example.com"), ("x-forwarded-for", "203.0.113.9"), ("x-forwarded-proto", "https"), ("x-forwarded-port", "1")])
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let h = &v["headers"];
    assert_eq!(h["x-forwarded-for"], "203.0.113.9, 127.0.0.1", "the client address is appended");
    assert_eq!(h["x-forwarded-proto"], "http", "a spoofed X-Forwarded-Proto is overwritten");
    assert_eq!(h["x-forwarded-port"], alb.port.to_string());
    assert_eq!(h["host"], format!("example.com:{}", alb.port), "on a non-default port ALB appends the listener port to Host");
    let trace = h["x-amzn-trace-id"].as_str().unwrap();
    assert!(trace.starts_with("Root=1-") && trace.len() == 5 + 2 + 8 + 1 + 24, "{trace}");
    assert_eq!(v["path"], "/echo");
    assert_eq!(v["query"], "x=1");

    // routing.http.xff_header_processing.mode=remove drops the header.
    elbow
        .elbv2()
        .modify_load_balancer_attributes()
        .load_balancer_arn(&alb.lb_arn)
        .attributes(testkit::elbv2::types::LoadBalancerAttribute::builder().key("routing.http.xff_header_processing.mode").value("remove").build())
        .send()
        .await
        .unwrap();
    let r = testkit::eventually(Duration::from_secs(5), "xff removed", || async {
        let r = http.get_with(&alb.url("/echo"), &[("x-forwarded-for", "203.0.113.9")]).await.ok()?;
        let v: serde_json::Value = serde_json::from_str(&r.body).ok()?;
        v["headers"]["x-forwarded-for"].is_null().then_some(v)
    })
    .await;
    assert!(r["headers"]["x-forwarded-proto"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_group_without_targets_answers_503() {
    let elbow = Elbow::start();
    let alb = simple_alb(&elbow, "empty", &[]).await;
    let r = HttpClient::new().get(&alb.url("/")).await.unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.headers["server"], "awselb/2.0");
    assert!(r.body.contains("503 Service Temporarily Unavailable") || r.body.contains("503 Service Unavailable"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusing_or_resetting_target_answers_502() {
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let closed = format!("127.0.0.4:{}", testkit::free_port("127.0.0.4")).parse().unwrap();
    // Only the closed port registered: fail-open routes to it, and the connect is refused.
    let alb = simple_alb(&elbow, "refused", &[closed]).await;
    let http = HttpClient::new();
    assert_eq!(http.get(&alb.url("/")).await.unwrap().status, 502);
    // A target that resets the connection instead of answering.
    let alb2 = simple_alb(&elbow, "reset", &[a.addr]).await;
    wait_all_healthy(&elbow, &alb2.tg_arn, 1).await;
    assert_eq!(http.get(&alb2.url("/reset")).await.unwrap().status, 502);
    // The listener keeps serving.
    assert_eq!(http.get(&alb2.url("/")).await.unwrap().status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_target_answers_504_after_the_idle_timeout() {
    let elbow = Elbow::start();
    // Two targets: a GET that timed out is not tried again on the other, which would make the
    // client wait twice the idle timeout.
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "silent", &[a.addr, b.addr]).await;
    elbow
        .elbv2()
        .modify_load_balancer_attributes()
        .load_balancer_arn(&alb.lb_arn)
        .attributes(testkit::elbv2::types::LoadBalancerAttribute::builder().key("idle_timeout.timeout_seconds").value("2").build())
        .send()
        .await
        .unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    // New connections to the target pick up the 2 s idle timeout.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let r = HttpClient::new().get(&alb.url("/sleep?ms=6000")).await.unwrap();
    let took = started.elapsed();
    assert_eq!(r.status, 504);
    assert!(took >= Duration::from_millis(1900) && took < Duration::from_millis(3900), "504 after one 2 s idle timeout, not a retry's second, took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn fixed_response_and_redirect_default_actions() {
    let elbow = Elbow::start();
    let alb = simple_alb(&elbow, "fixed", &[]).await;
    let c = elbow.elbv2();
    c.modify_listener()
        .listener_arn(&alb.listener_arn)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .fixed_response_config(FixedResponseActionConfig::builder().status_code("418").content_type("application/json").message_body("{\"ok\":false}").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let http = HttpClient::new();
    let r = testkit::eventually(Duration::from_secs(5), "fixed response", || async { http.get(&alb.url("/x")).await.ok().filter(|r| r.status == 418) }).await;
    assert_eq!(r.body, "{\"ok\":false}");
    assert_eq!(r.headers["content-type"], "application/json");

    c.modify_listener()
        .listener_arn(&alb.listener_arn)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(RedirectActionConfig::builder().protocol("HTTPS").port("443").status_code(RedirectActionStatusCodeEnum::Http301).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let r = testkit::eventually(Duration::from_secs(5), "redirect", || async { http.get_with(&alb.url("/a/b?q=1"), &[("host", "shop.example.com")]).await.ok().filter(|r| r.status == 301) }).await;
    assert_eq!(r.headers["location"], "https://shop.example.com/a/b?q=1");
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_take_effect_live_without_dropping_requests() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let c3 = Backend::start("127.0.0.5", a.addr.port(), "c");
    let alb = simple_alb(&elbow, "live", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let url = alb.url("/");
    // A bounded load: 8 workers, 6 seconds.
    let load = tokio::spawn(async move {
        let http = HttpClient::new();
        let deadline = Instant::now() + Duration::from_secs(6);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let http = http.clone();
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let (mut ok, mut bad, mut seen_c) = (0u32, Vec::new(), 0u32);
                while Instant::now() < deadline {
                    match http.get(&url).await {
                        Ok(r) if r.status == 200 => {
                            ok += 1;
                            if r.body.trim() == "c" {
                                seen_c += 1;
                            }
                        }
                        Ok(r) => bad.push(r.status.to_string()),
                        Err(e) => bad.push(e),
                    }
                }
                (ok, bad, seen_c)
            }));
        }
        let mut total = (0, Vec::new(), 0);
        for t in tasks {
            let (ok, bad, c) = t.await.unwrap();
            total.0 += ok;
            total.1.extend(bad);
            total.2 += c;
        }
        total
    });
    let client = elbow.elbv2();
    tokio::time::sleep(Duration::from_millis(500)).await;
    client
        .register_targets()
        .target_group_arn(&alb.tg_arn)
        .targets(TargetDescription::builder().id("127.0.0.5").port(i32::from(c3.addr.port())).build())
        .send()
        .await
        .unwrap();
    for i in 0..5 {
        client
            .modify_target_group_attributes()
            .target_group_arn(&alb.tg_arn)
            .attributes(TargetGroupAttribute::builder().key("deregistration_delay.timeout_seconds").value((30 + i).to_string()).build())
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (ok, bad, seen_c) = load.await.unwrap();
    assert!(bad.is_empty(), "{} failed requests during live changes: {:?}", bad.len(), &bad[..bad.len().min(5)]);
    assert!(ok > 100, "the load ran ({ok} requests)");
    assert!(seen_c > 0, "the target registered under load received traffic once healthy");
}

#[tokio::test(flavor = "multi_thread")]
async fn https_targets_with_self_signed_certificates_are_checked_and_served() {
    let elbow = Elbow::start();
    let a = Backend::start_tls("127.0.0.2", 0, "a");
    let c = elbow.elbv2();
    let (vpc, subnets) = testkit::default_network(&elbow);
    let tg = c
        .create_target_group()
        .name("tls-targets")
        .protocol(testkit::elbv2::types::ProtocolEnum::Https)
        .port(i32::from(a.addr.port()))
        .vpc_id(vpc)
        .target_type(testkit::elbv2::types::TargetTypeEnum::Ip)
        .health_check_path("/status")
        .health_check_interval_seconds(5)
        .health_check_timeout_seconds(2)
        .send()
        .await
        .unwrap();
    let tg = &tg.target_groups()[0];
    assert_eq!(tg.health_check_protocol().map(|p| p.as_str()), Some("HTTPS"), "an HTTPS group's checks speak HTTPS");
    let tg_arn = tg.target_group_arn().unwrap().to_string();
    c.register_targets().target_group_arn(&tg_arn).targets(TargetDescription::builder().id("127.0.0.2").build()).send().await.unwrap();
    let lb = c.create_load_balancer().name("tls-targets").set_subnets(Some(subnets)).send().await.unwrap();
    let port = testkit::free_port("127.0.0.1");
    c.create_listener()
        .load_balancer_arn(lb.load_balancers()[0].load_balancer_arn().unwrap())
        .protocol(testkit::elbv2::types::ProtocolEnum::Http)
        .port(i32::from(port))
        .default_actions(Action::builder().r#type(ActionTypeEnum::Forward).target_group_arn(&tg_arn).build())
        .send()
        .await
        .unwrap();
    // The HTTPS health check passes against a self-signed certificate, as on ALB.
    wait_all_healthy(&elbow, &tg_arn, 1).await;
    let r = HttpClient::new().get(&format!("http://127.0.0.1:{port}/echo")).await.unwrap();
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["backend"], "a");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_400_and_the_listener_keeps_serving() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let alb = simple_alb(&elbow, "malformed", &[a.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    let bad: [&[u8]; 4] = [b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", b"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", b"GET / HTTP/2.0\r\n\r\n"];
    for req in bad {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", alb.port)).await.unwrap();
        s.write_all(req).await.unwrap();
        let mut buf = vec![0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await.unwrap().unwrap();
        let head = String::from_utf8_lossy(&buf[..n]).to_string();
        assert!(head.starts_with("HTTP/1.1 400"), "{:?} got {head:?}", String::from_utf8_lossy(req));
    }
    let r = HttpClient::new().get(&alb.url("/")).await.unwrap();
    assert_eq!((r.status, r.body.trim()), (200, "a"));
}
