//! Beyond ALB: an idempotent request that fails before any response byte is retried once on
//! another target, and failing targets leave rotation at once (passive health). A killed or a
//! frozen target costs no client a failed GET; a deregistration under load costs none either.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use testkit::elbv2::types::{TargetDescription, TargetGroupAttribute};
use testkit::{Backend, Elbow, HttpClient, simple_alb, wait_all_healthy};

/// GETs from 8 workers until `stop`, at most 20 s; returns (ok, failures).
fn load(url: String, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<(u32, Vec<String>)> {
    tokio::spawn(async move {
        let http = HttpClient::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (http, url, stop) = (http.clone(), url.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let (mut ok, mut bad) = (0u32, Vec::new());
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    match http.get(&url).await {
                        Ok(r) if r.status == 200 => ok += 1,
                        Ok(r) => bad.push(format!("{} {}", r.status, r.body.trim())),
                        Err(e) => bad.push(e),
                    }
                }
                (ok, bad)
            }));
        }
        let mut total = (0, Vec::new());
        for t in tasks {
            let (ok, bad) = t.await.unwrap();
            total.0 += ok;
            total.1.extend(bad);
        }
        total
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_a_target_under_get_load_costs_no_failed_request() {
    let elbow = Elbow::start();
    let (a, mut b) = Backend::pair();
    let alb = simple_alb(&elbow, "kill", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let stop = Arc::new(AtomicBool::new(false));
    let running = load(alb.url("/sleep?ms=5"), stop.clone());
    tokio::time::sleep(Duration::from_secs(1)).await;
    b.kill9();
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let (ok, bad) = running.await.unwrap();
    assert!(ok > 200, "the load ran: {ok}");
    assert!(bad.is_empty(), "{} failed GETs after killing a target: {:?}", bad.len(), &bad[..bad.len().min(5)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_frozen_target_costs_no_failed_request_with_a_per_try_timeout() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "frozen", &[a.addr, b.addr]).await;
    elbow
        .elbv2()
        .modify_target_group_attributes()
        .target_group_arn(&alb.tg_arn)
        .attributes(TargetGroupAttribute::builder().key("elbow.retry.per_try_timeout_seconds").value("1").build())
        .send()
        .await
        .unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let stop = Arc::new(AtomicBool::new(false));
    let running = load(alb.url("/"), stop.clone());
    tokio::time::sleep(Duration::from_secs(1)).await;
    b.signal("-STOP");
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, Ordering::Relaxed);
    let (ok, bad) = running.await.unwrap();
    b.signal("-CONT");
    assert!(ok > 200, "the load ran: {ok}");
    assert!(bad.is_empty(), "{} failed GETs with a frozen target: {:?}", bad.len(), &bad[..bad.len().min(5)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn gets_are_retried_and_posts_are_not() {
    let elbow = Elbow::start();
    // Both pass health checks on a separate port; b resets every request on its traffic port.
    let health = testkit::free_port("127.0.0.2");
    let a = Backend::start_full("127.0.0.2", 0, "a", Some(health));
    let b = Backend::start_resetting("127.0.0.3", a.addr.port(), "b", health);
    let alb = simple_alb(&elbow, "posts", &[a.addr, b.addr]).await;
    let c = elbow.elbv2();
    c.modify_target_group()
        .target_group_arn(&alb.tg_arn)
        .health_check_port(health.to_string())
        .send()
        .await
        .unwrap();
    // Passive ejection off: b stays in rotation, so every other request meets it.
    c.modify_target_group_attributes()
        .target_group_arn(&alb.tg_arn)
        .attributes(TargetGroupAttribute::builder().key("elbow.passive_health.consecutive_failures").value("0").build())
        .send()
        .await
        .unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let http = HttpClient::new();
    let mut post_statuses = Vec::new();
    for _ in 0..6 {
        let req = http::Request::post(alb.url("/")).body(http_body_util::Full::new(bytes::Bytes::from_static(b"x"))).unwrap();
        post_statuses.push(http.inner().request(req).await.unwrap().status().as_u16());
    }
    assert_eq!(post_statuses.iter().filter(|s| **s == 502).count(), 3, "POSTs meeting the resetting target get 502, never a second try: {post_statuses:?}");
    for _ in 0..10 {
        let r = http.get(&alb.url("/")).await.unwrap();
        assert_eq!((r.status, r.body.trim()), (200, "a"), "GETs meeting the resetting target are retried on the other");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deregistering_a_target_under_load_costs_no_failed_request() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "dereg", &[a.addr, b.addr]).await;
    elbow
        .elbv2()
        .modify_target_group_attributes()
        .target_group_arn(&alb.tg_arn)
        .attributes(TargetGroupAttribute::builder().key("deregistration_delay.timeout_seconds").value("2").build())
        .send()
        .await
        .unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let stop = Arc::new(AtomicBool::new(false));
    let running = load(alb.url("/sleep?ms=20"), stop.clone());
    tokio::time::sleep(Duration::from_secs(1)).await;
    elbow.elbv2().deregister_targets().target_group_arn(&alb.tg_arn).targets(TargetDescription::builder().id("127.0.0.3").build()).send().await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let (ok, bad) = running.await.unwrap();
    assert!(ok > 100, "the load ran: {ok}");
    assert!(bad.is_empty(), "{} failed requests during deregistration: {:?}", bad.len(), &bad[..bad.len().min(5)]);
}
