//! Listener rules and actions through real traffic, configured with the real aws CLI as a user
//! types it: every condition type, priorities, weighted forwards, fixed responses, redirects,
//! and a listener with 1,000 rules.

use std::time::Duration;

use testkit::{Alb, Backend, Elbow, HttpClient, eventually, simple_alb, wait_all_healthy};

/// A second target group `<name>-b` on the same VPC, with backend `b` registered.
fn second_group(elbow: &Elbow, name: &str, b: &Backend) -> String {
    let (vpc, _) = testkit::default_network(elbow);
    let port = b.addr.port().to_string();
    let tg = elbow
        .aws(&[
            "elbv2", "create-target-group", "--name", &format!("{name}-b"), "--protocol", "HTTP", "--port", &port, "--vpc-id", &vpc, "--target-type", "ip",
            "--health-check-path", "/status", "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2",
        ])
        .unwrap();
    let arn = tg["TargetGroups"][0]["TargetGroupArn"].as_str().unwrap().to_string();
    elbow.aws(&["elbv2", "register-targets", "--target-group-arn", &arn, "--targets", &format!("Id={}", b.addr.ip())]).unwrap();
    arn
}

fn create_rule(elbow: &Elbow, alb: &Alb, priority: u32, conditions: &str, actions: &str) -> String {
    let dir = std::env::temp_dir().join(format!("elbow-rule-{}-{priority}-{}", std::process::id(), alb.port));
    std::fs::write(&dir, conditions).unwrap();
    let out = elbow
        .aws(&[
            "elbv2", "create-rule", "--listener-arn", &alb.listener_arn, "--priority", &priority.to_string(),
            "--conditions", &format!("file://{}", dir.display()), "--actions", actions,
        ])
        .unwrap_or_else(|e| panic!("create-rule {priority}: {e:?}"));
    let _ = std::fs::remove_file(&dir);
    out["Rules"][0]["RuleArn"].as_str().unwrap().to_string()
}

async fn body(http: &HttpClient, url: &str, headers: &[(&str, &str)]) -> String {
    let r = http.get_with(url, headers).await.unwrap();
    format!("{} {}", r.status, r.body.trim())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_condition_type_routes_to_its_target_group() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "conds", &[a.addr]).await;
    let tg_b = second_group(&elbow, "conds", &b);
    // The default action answers 404 so that only rules reach targets.
    elbow
        .aws(&["elbv2", "modify-listener", "--listener-arn", &alb.listener_arn, "--default-actions", "Type=fixed-response,FixedResponseConfig={StatusCode=404,ContentType=text/plain,MessageBody=no rule}"])
        .unwrap();
    let to_a = format!("Type=forward,TargetGroupArn={}", alb.tg_arn);
    let to_b = format!("Type=forward,TargetGroupArn={tg_b}");
    // The tutorial's shorthand form.
    elbow
        .aws(&["elbv2", "create-rule", "--listener-arn", &alb.listener_arn, "--priority", "10", "--conditions", "Field=path-pattern,Values=/api/*", "--actions", &to_a])
        .unwrap();
    create_rule(&elbow, &alb, 20, r#"[{"Field":"host-header","HostHeaderConfig":{"Values":["*.shop.example.com"]}}]"#, &to_b);
    create_rule(&elbow, &alb, 30, r#"[{"Field":"http-header","HttpHeaderConfig":{"HttpHeaderName":"X-Env","Values":["dev","qa-*"]}}]"#, &to_a);
    create_rule(&elbow, &alb, 40, r#"[{"Field":"http-request-method","HttpRequestMethodConfig":{"Values":["DELETE"]}}]"#, &to_b);
    create_rule(&elbow, &alb, 50, r#"[{"Field":"query-string","QueryStringConfig":{"Values":[{"Key":"version","Value":"v2"}]}}]"#, &to_b);
    create_rule(
        &elbow,
        &alb,
        60,
        r#"[{"Field":"source-ip","SourceIpConfig":{"Values":["127.0.0.0/8"]}},{"Field":"path-pattern","PathPatternConfig":{"Values":["/from-loopback"]}}]"#,
        &to_b,
    );
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    wait_all_healthy(&elbow, &tg_b, 1).await;
    let http = HttpClient::new();
    let u = |p: &str| alb.url(p);
    assert_eq!(body(&http, &u("/api/users"), &[]).await, "200 a", "path-pattern");
    assert_eq!(body(&http, &u("/x"), &[("host", "www.shop.example.com")]).await, "200 b", "host-header wildcard");
    assert_eq!(body(&http, &u("/x"), &[("x-env", "QA-3")]).await, "200 a", "http-header, case-insensitive wildcard");
    assert_eq!(body(&http, &u("/x?version=v2"), &[]).await, "200 b", "query-string");
    assert_eq!(body(&http, &u("/from-loopback"), &[]).await, "200 b", "source-ip AND path-pattern");
    assert_eq!(body(&http, &u("/nothing"), &[]).await, "404 no rule", "no rule: default action");
    let del = http.inner().request(http::Request::delete(u("/x")).body(http_body_util::Full::new(bytes::Bytes::new())).unwrap()).await.unwrap();
    assert_eq!(del.status(), 200, "http-request-method");
    assert_eq!(del.headers()["x-backend"], "b");
    // Lower priority wins: /api/ with the host of rule 20 still goes to rule 10's group.
    assert_eq!(body(&http, &u("/api/x"), &[("host", "www.shop.example.com")]).await, "200 a");
}

#[tokio::test(flavor = "multi_thread")]
async fn set_rule_priorities_and_modify_rule_apply_live() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "prio", &[a.addr]).await;
    let tg_b = second_group(&elbow, "prio", &b);
    let r1 = create_rule(&elbow, &alb, 1, r#"[{"Field":"path-pattern","Values":["/p/*"]}]"#, &format!("Type=forward,TargetGroupArn={}", alb.tg_arn));
    let r2 = create_rule(&elbow, &alb, 2, r#"[{"Field":"path-pattern","Values":["/p/*"]}]"#, &format!("Type=forward,TargetGroupArn={tg_b}"));
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    wait_all_healthy(&elbow, &tg_b, 1).await;
    let http = HttpClient::new();
    assert_eq!(body(&http, &alb.url("/p/1"), &[]).await, "200 a");
    elbow
        .aws(&["elbv2", "set-rule-priorities", "--rule-priorities", &format!("RuleArn={r1},Priority=3"), &format!("RuleArn={r2},Priority=1")])
        .unwrap();
    eventually(Duration::from_secs(5), "rule 2 first", || async { (body(&http, &alb.url("/p/1"), &[]).await == "200 b").then_some(()) }).await;
    elbow
        .aws(&["elbv2", "modify-rule", "--rule-arn", &r2, "--actions", "Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_302}"])
        .unwrap();
    let r = eventually(Duration::from_secs(5), "redirect rule", || async { http.get_with(&alb.url("/p/1?q=2"), &[("host", "ex.com")]).await.ok().filter(|r| r.status == 302) }).await;
    assert_eq!(r.headers["location"], "https://ex.com/p/1?q=2");
    elbow.aws(&["elbv2", "delete-rule", "--rule-arn", &r2]).unwrap();
    eventually(Duration::from_secs(5), "back to rule 1", || async { (body(&http, &alb.url("/p/1"), &[]).await == "200 a").then_some(()) }).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_weighted_forward_splits_traffic_within_5_percent_of_its_weights() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "weights", &[a.addr]).await;
    let tg_b = second_group(&elbow, "weights", &b);
    elbow
        .aws(&[
            "elbv2", "modify-listener", "--listener-arn", &alb.listener_arn, "--default-actions",
            &format!(r#"[{{"Type":"forward","ForwardConfig":{{"TargetGroups":[{{"TargetGroupArn":"{}","Weight":80}},{{"TargetGroupArn":"{tg_b}","Weight":20}}]}}}}]"#, alb.tg_arn),
        ])
        .unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    wait_all_healthy(&elbow, &tg_b, 1).await;
    let http = HttpClient::new();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let http = http.clone();
        let url = alb.url("/");
        tasks.push(tokio::spawn(async move {
            let mut n_a = 0u32;
            for _ in 0..1000 {
                if http.get(&url).await.unwrap().body.trim() == "a" {
                    n_a += 1;
                }
            }
            n_a
        }));
    }
    let mut n_a = 0;
    for t in tasks {
        n_a += t.await.unwrap();
    }
    assert!((7500..=8500).contains(&n_a), "80/20 weights: {n_a} of 10,000 went to the 80 group");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listener_with_1000_rules_routes_each_request_to_its_rule() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "many", &[a.addr]).await;
    let tg_b = second_group(&elbow, "many", &b);
    let c = elbow.elbv2();
    let mut tasks = Vec::new();
    for chunk in 0..10u32 {
        let c = c.clone();
        let (listener, tg_a, tg_b) = (alb.listener_arn.clone(), alb.tg_arn.clone(), tg_b.clone());
        tasks.push(tokio::spawn(async move {
            for i in (chunk * 100 + 1)..=(chunk * 100 + 100) {
                let tg = if i % 2 == 0 { &tg_a } else { &tg_b };
                c.create_rule()
                    .listener_arn(&listener)
                    .priority(i as i32)
                    .conditions(
                        testkit::elbv2::types::RuleCondition::builder()
                            .field("path-pattern")
                            .path_pattern_config(testkit::elbv2::types::PathPatternConditionConfig::builder().values(format!("/svc-{i}/*")).build())
                            .build(),
                    )
                    .actions(testkit::elbv2::types::Action::builder().r#type(testkit::elbv2::types::ActionTypeEnum::Forward).target_group_arn(tg).build())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("rule {i}: {e:?}"));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    wait_all_healthy(&elbow, &tg_b, 1).await;
    let http = HttpClient::new();
    for i in [1u32, 2, 499, 500, 777, 998, 999, 1000] {
        let want = if i % 2 == 0 { "200 a" } else { "200 b" };
        let got = eventually(Duration::from_secs(5), "rule routes", || async {
            let got = body(&http, &alb.url(&format!("/svc-{i}/x")), &[]).await;
            (got == want).then_some(got)
        })
        .await;
        assert_eq!(got, want, "/svc-{i}/");
    }
}
