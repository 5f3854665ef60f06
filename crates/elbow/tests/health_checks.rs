//! Active health checks against real backends: AWS's states and reason codes, detection within
//! interval × unhealthy threshold + timeout, recovery, checks on another port, fail-open.

use std::time::{Duration, Instant};

use testkit::elbv2::types::TargetDescription;
use testkit::{Backend, Elbow, HttpClient, curl, eventually, simple_alb, target_states, wait_all_healthy};

async fn state_of(elbow: &Elbow, tg: &str, id: &str) -> (String, String) {
    target_states(elbow, tg).await.into_iter().find(|(i, _, _)| i == id).map(|(_, s, r)| (s, r)).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_target_leaves_rotation_within_the_detection_window_and_comes_back() {
    let elbow = Elbow::start();
    let (a, mut b) = Backend::pair();
    let alb = simple_alb(&elbow, "kill", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    b.kill9();
    let killed = Instant::now();
    // interval 5 s × unhealthy threshold 2 + timeout 2 s, plus one interval of phase.
    let window = Duration::from_secs(5 * 2 + 2 + 5);
    let (state, reason) = eventually(window + Duration::from_secs(2), "b unhealthy", || async {
        let s = state_of(&elbow, &alb.tg_arn, "127.0.0.3").await;
        (s.0 == "unhealthy").then_some(s)
    })
    .await;
    assert!(killed.elapsed() <= window, "detected after {:?}", killed.elapsed());
    assert_eq!((state.as_str(), reason.as_str()), ("unhealthy", "Target.FailedHealthChecks"));
    let http = HttpClient::new();
    for _ in 0..20 {
        let r = http.get(&alb.url("/")).await.unwrap();
        assert_eq!((r.status, r.body.trim()), (200, "a"), "only the healthy target gets traffic");
    }
    b.restart();
    let back = Instant::now();
    eventually(Duration::from_secs(20), "b healthy again", || async { (state_of(&elbow, &alb.tg_arn, "127.0.0.3").await.0 == "healthy").then_some(()) }).await;
    assert!(back.elapsed() <= Duration::from_secs(2 * 5 + 5), "healthy threshold 2 × interval 5 s (+ phase), took {:?}", back.elapsed());
    let bodies: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(http.get(&alb.url("/")).await.unwrap().body.trim().to_string());
        }
        v
    };
    assert!(bodies.iter().any(|x| x == "b"), "b is back in rotation: {bodies:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_status_code_is_a_response_code_mismatch_with_the_code() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "mismatch", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    curl(&[&format!("http://{}/control/health?code=404", b.addr), "-X", "POST"]);
    let r = elbow.elbv2();
    let d = eventually(Duration::from_secs(20), "b unhealthy with a code", || async {
        let out = r.describe_target_health().target_group_arn(&alb.tg_arn).send().await.ok()?;
        out.target_health_descriptions()
            .iter()
            .find(|d| d.target().and_then(|t| t.id()) == Some("127.0.0.3"))
            .and_then(|d| d.target_health().cloned())
            .filter(|h| h.state().map(|s| s.as_str()) == Some("unhealthy"))
    })
    .await;
    assert_eq!(d.reason().map(|r| r.as_str()), Some("Target.ResponseCodeMismatch"));
    assert_eq!(d.description(), Some("Health checks failed with these codes: [404]"));
    // A matcher that accepts 404 makes it healthy again after HealthyThresholdCount passes.
    r.modify_target_group()
        .target_group_arn(&alb.tg_arn)
        .matcher(testkit::elbv2::types::Matcher::builder().http_code("200,404").build())
        .send()
        .await
        .unwrap();
    eventually(Duration::from_secs(20), "b healthy with matcher 200,404", || async { (state_of(&elbow, &alb.tg_arn, "127.0.0.3").await.0 == "healthy").then_some(()) }).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_target_times_out() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "hung", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    b.signal("-STOP");
    let (s, reason) = eventually(Duration::from_secs(20), "b unhealthy", || async {
        let s = state_of(&elbow, &alb.tg_arn, "127.0.0.3").await;
        (s.0 == "unhealthy").then_some(s)
    })
    .await;
    b.signal("-CONT");
    assert_eq!((s.as_str(), reason.as_str()), ("unhealthy", "Target.Timeout"));
}

#[tokio::test(flavor = "multi_thread")]
async fn health_checks_can_use_a_port_other_than_the_traffic_port() {
    let elbow = Elbow::start();
    // Traffic on one port, health on another, as the WebRTC tutorial's 8080/8081.
    let a = Backend::start_full("127.0.0.2", 0, "a", Some(0));
    let health_port = a.health_addr.unwrap().port();
    let alb = simple_alb(&elbow, "hcport", &[a.addr]).await;
    let c = elbow.elbv2();
    let out = c
        .modify_target_group()
        .target_group_arn(&alb.tg_arn)
        .health_check_port(health_port.to_string())
        .health_check_path("/?action=stat")
        .send()
        .await
        .unwrap();
    assert_eq!(out.target_groups()[0].health_check_port(), Some(health_port.to_string().as_str()));
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    let d = c.describe_target_health().target_group_arn(&alb.tg_arn).send().await.unwrap();
    assert_eq!(d.target_health_descriptions()[0].health_check_port(), Some(health_port.to_string().as_str()));
    // Pointing the check at a closed port proves the checker uses the configured port.
    let closed = testkit::free_port("127.0.0.2");
    c.modify_target_group().target_group_arn(&alb.tg_arn).health_check_port(closed.to_string()).send().await.unwrap();
    eventually(Duration::from_secs(20), "unhealthy on a closed health port", || async { (state_of(&elbow, &alb.tg_arn, "127.0.0.2").await.0 == "unhealthy").then_some(()) }).await;
    // Traffic still flows to the traffic port (fail-open: the only target is unhealthy).
    assert_eq!(HttpClient::new().get(&alb.url("/")).await.unwrap().body.trim(), "a");
}

#[tokio::test(flavor = "multi_thread")]
async fn states_follow_registration_and_use_as_aws_reports_them() {
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let c = elbow.elbv2();
    let (vpc, _) = testkit::default_network(&elbow);
    let tg = c
        .create_target_group()
        .name("unused-tg")
        .protocol(testkit::elbv2::types::ProtocolEnum::Http)
        .port(i32::from(a.addr.port()))
        .vpc_id(vpc)
        .target_type(testkit::elbv2::types::TargetTypeEnum::Ip)
        .send()
        .await
        .unwrap();
    let arn = tg.target_groups()[0].target_group_arn().unwrap().to_string();
    c.register_targets().target_group_arn(&arn).targets(TargetDescription::builder().id("127.0.0.2").build()).send().await.unwrap();
    // Not used by any listener: unused / Target.NotInUse.
    assert_eq!(state_of(&elbow, &arn, "127.0.0.2").await, ("unused".to_string(), "Target.NotInUse".to_string()));
    // A target that is not registered, named explicitly: unused / Target.NotRegistered.
    let d = c.describe_target_health().target_group_arn(&arn).targets(TargetDescription::builder().id("127.0.0.9").build()).send().await.unwrap();
    let h = d.target_health_descriptions()[0].target_health().unwrap();
    assert_eq!((h.state().unwrap().as_str(), h.reason().unwrap().as_str()), ("unused", "Target.NotRegistered"));
}

#[tokio::test(flavor = "multi_thread")]
async fn when_every_target_is_unhealthy_traffic_fails_open_to_all() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "failopen", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    for t in [&a, &b] {
        curl(&[&format!("http://{}/control/health?code=500", t.addr), "-X", "POST"]);
    }
    eventually(Duration::from_secs(20), "both unhealthy", || async {
        let s = target_states(&elbow, &alb.tg_arn).await;
        s.iter().all(|(_, st, _)| st == "unhealthy").then_some(())
    })
    .await;
    let http = HttpClient::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10 {
        let r = http.get(&alb.url("/")).await.unwrap();
        assert_eq!(r.status, 200);
        seen.insert(r.body.trim().to_string());
    }
    assert_eq!(seen.len(), 2, "ALB fails open to every target when none is healthy");
}
