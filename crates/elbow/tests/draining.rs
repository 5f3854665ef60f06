//! Deregistration: the target gets no new request once `DeregisterTargets` returns, requests in
//! flight finish, the state is `draining` until the deregistration delay ends, and a request
//! still running then is cut off (502), as on ALB.

use std::time::{Duration, Instant};

use testkit::elbv2::types::{TargetDescription, TargetGroupAttribute};
use testkit::{Backend, Elbow, HttpClient, eventually, simple_alb, target_states, wait_all_healthy};

async fn set_delay(elbow: &Elbow, tg: &str, seconds: u32) {
    elbow
        .elbv2()
        .modify_target_group_attributes()
        .target_group_arn(tg)
        .attributes(TargetGroupAttribute::builder().key("deregistration_delay.timeout_seconds").value(seconds.to_string()).build())
        .send()
        .await
        .unwrap();
}

async fn requests_seen(b: &Backend) -> u64 {
    let r = HttpClient::new().get(&format!("http://{}/stats", b.addr)).await.unwrap();
    serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["requests"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn deregistered_targets_finish_in_flight_requests_get_no_new_ones_and_drain() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "drain", &[a.addr, b.addr]).await;
    set_delay(&elbow, &alb.tg_arn, 4).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let http = HttpClient::new();
    // Two slow requests: round robin puts one on each target.
    let slow: Vec<_> = (0..2)
        .map(|_| {
            let http = http.clone();
            let url = alb.url("/sleep?ms=1500");
            tokio::spawn(async move { http.get(&url).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    elbow
        .elbv2()
        .deregister_targets()
        .target_group_arn(&alb.tg_arn)
        .targets(TargetDescription::builder().id("127.0.0.2").port(i32::from(a.addr.port())).build())
        .send()
        .await
        .unwrap();
    let seen_at_deregistration = requests_seen(&a).await - 1; // minus the /stats call itself
    for _ in 0..20 {
        let r = http.get(&alb.url("/")).await.unwrap();
        assert_eq!((r.status, r.body.trim()), (200, "b"), "no new request reaches a deregistered target");
    }
    let bodies: Vec<String> = futures_join(slow).await;
    assert_eq!(bodies.len(), 2);
    assert!(bodies.contains(&"a".to_string()) && bodies.contains(&"b".to_string()), "the in-flight request on a finished: {bodies:?}");
    assert_eq!(requests_seen(&a).await - 2, seen_at_deregistration, "a saw no request after DeregisterTargets returned");
    let states = target_states(&elbow, &alb.tg_arn).await;
    assert!(states.contains(&("127.0.0.2".into(), "draining".into(), "Target.DeregistrationInProgress".into())), "{states:?}");
    // After the 4 s delay the target is gone; named explicitly it is unused/NotRegistered, which
    // is what the CLI's target-deregistered waiter waits for.
    let started = Instant::now();
    eventually(Duration::from_secs(10), "a gone after the delay", || async {
        let s = target_states(&elbow, &alb.tg_arn).await;
        (s.len() == 1 && s[0].0 == "127.0.0.3").then_some(())
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(6));
    let out = elbow
        .aws(&["elbv2", "wait", "target-deregistered", "--target-group-arn", &alb.tg_arn, "--targets", &format!("Id=127.0.0.2,Port={}", a.addr.port())])
        .expect("the target-deregistered waiter succeeds");
    assert!(out.is_null());
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<Result<testkit::HttpResponse, String>>>) -> Vec<String> {
    let mut out = Vec::new();
    for h in handles {
        let r = h.await.unwrap().unwrap();
        assert_eq!(r.status, 200);
        out.push(r.body.trim().to_string());
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_outliving_the_deregistration_delay_is_cut_off_with_502() {
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let alb = simple_alb(&elbow, "cutoff", &[a.addr]).await;
    set_delay(&elbow, &alb.tg_arn, 1).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    let http = HttpClient::new();
    let url = alb.url("/sleep?ms=5000");
    let slow = tokio::spawn(async move { http.get(&url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    elbow.elbv2().deregister_targets().target_group_arn(&alb.tg_arn).targets(TargetDescription::builder().id("127.0.0.2").build()).send().await.unwrap();
    let r = slow.await.unwrap().unwrap();
    assert_eq!(r.status, 502, "ALB answers 502 when the delay ends with the request in flight");
    assert!(started.elapsed() < Duration::from_secs(3), "cut off at the 1 s delay, took {:?}", started.elapsed());
    // With no registered target left, the group answers 503.
    assert_eq!(HttpClient::new().get(&alb.url("/")).await.unwrap().status, 503);
}
