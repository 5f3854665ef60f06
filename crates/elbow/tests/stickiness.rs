//! Sticky sessions as ALB names them: `lb_cookie` (`AWSALB`/`AWSALBCORS`), `app_cookie`
//! (`AWSALBAPP-0`) and target-group stickiness (`AWSALBTG`), decided per request, sealed so a
//! client cannot pick a target, and re-issued when the sticky target is gone.

use std::time::Duration;

use testkit::{Backend, Elbow, HttpClient, HttpResponse, eventually, simple_alb, wait_all_healthy};

fn set_cookies(r: &HttpResponse) -> Vec<String> {
    r.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
}

fn cookie_value(r: &HttpResponse, name: &str) -> Option<String> {
    set_cookies(r).iter().find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap().to_string()))
}

fn attrs(elbow: &Elbow, tg: &str, pairs: &[(&str, &str)]) {
    let args: Vec<String> = pairs.iter().map(|(k, v)| format!("Key={k},Value={v}")).collect();
    let mut cmd = vec!["elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes"];
    cmd.extend(args.iter().map(String::as_str));
    elbow.aws(&cmd).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn lb_cookie_keeps_a_client_on_one_target_and_moves_it_when_the_target_dies() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "lbcookie", &[a.addr, b.addr]).await;
    // As the tutorial does: stickiness on, load balancer generated cookie.
    attrs(&elbow, &alb.tg_arn, &[("stickiness.enabled", "true"), ("stickiness.type", "lb_cookie"), ("stickiness.lb_cookie.duration_seconds", "300")]);
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let http = HttpClient::new();
    let first = eventually(Duration::from_secs(5), "stickiness cookies", || async {
        let r = http.get(&alb.url("/")).await.ok()?;
        cookie_value(&r, "AWSALB").map(|_| r)
    })
    .await;
    let cookies = set_cookies(&first);
    assert!(cookies.iter().any(|c| c.starts_with("AWSALB=") && c.contains("; Expires=") && c.contains("; Path=/") && !c.contains("Secure")), "{cookies:?}");
    assert!(cookies.iter().any(|c| c.starts_with("AWSALBCORS=") && c.ends_with("; Path=/; SameSite=None; Secure")), "{cookies:?}");
    let sticky = first.body.trim().to_string();
    let mut cookie = format!("AWSALB={}", cookie_value(&first, "AWSALB").unwrap());
    for _ in 0..20 {
        let r = http.get_with(&alb.url("/"), &[("cookie", &cookie)]).await.unwrap();
        assert_eq!(r.body.trim(), sticky, "the cookie keeps the client on its target");
        cookie = format!("AWSALB={}", cookie_value(&r, "AWSALB").expect("the cookie is re-issued on every response"));
    }
    // Without the cookie, round robin spreads.
    let mut bodies = std::collections::HashSet::new();
    for _ in 0..4 {
        bodies.insert(http.get(&alb.url("/")).await.unwrap().body.trim().to_string());
    }
    assert_eq!(bodies.len(), 2);
    // The sticky target dies: the client moves to the other one and gets a new cookie for it.
    let (mut dead, alive) = if sticky == "a" { (a, b) } else { (b, a) };
    dead.kill9();
    let r = eventually(Duration::from_secs(30), "moved to the live target", || async {
        let r = http.get_with(&alb.url("/"), &[("cookie", &cookie)]).await.ok()?;
        (r.status == 200 && r.body.trim() == alive.name).then_some(r)
    })
    .await;
    let moved = format!("AWSALB={}", cookie_value(&r, "AWSALB").unwrap());
    for _ in 0..5 {
        assert_eq!(http.get_with(&alb.url("/"), &[("cookie", &moved)]).await.unwrap().body.trim(), alive.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_or_foreign_cookie_picks_nothing() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "forged", &[a.addr, b.addr]).await;
    attrs(&elbow, &alb.tg_arn, &[("stickiness.enabled", "true")]);
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let http = HttpClient::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..6 {
        let forged = format!("AWSALB=AAAA{i}BBBBCCCCDDDDEEEEFFFFGGGGHHHHIIIIJJJJKKKKLLLLMMMM");
        let r = http.get_with(&alb.url("/"), &[("cookie", &forged)]).await.unwrap();
        assert_eq!(r.status, 200);
        assert!(cookie_value(&r, "AWSALB").is_some(), "a fresh cookie replaces the forged one");
        seen.insert(r.body.trim().to_string());
    }
    assert_eq!(seen.len(), 2, "forged cookies do not pin a target");
}

#[tokio::test(flavor = "multi_thread")]
async fn app_cookie_stickiness_follows_the_applications_cookie() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "appcookie", &[a.addr, b.addr]).await;
    attrs(&elbow, &alb.tg_arn, &[("stickiness.enabled", "true"), ("stickiness.type", "app_cookie"), ("stickiness.app_cookie.cookie_name", "SESSION")]);
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let http = HttpClient::new();
    let plain = http.get(&alb.url("/")).await.unwrap();
    assert!(cookie_value(&plain, "AWSALBAPP-0").is_none(), "no application cookie, no AWSALBAPP-0");
    let r = eventually(Duration::from_secs(5), "AWSALBAPP-0", || async {
        let r = http.get(&alb.url("/setcookie?name=SESSION")).await.ok()?;
        cookie_value(&r, "AWSALBAPP-0").map(|_| r)
    })
    .await;
    let owner = r.body.trim().to_string();
    let cookie = format!("SESSION={owner}; AWSALBAPP-0={}", cookie_value(&r, "AWSALBAPP-0").unwrap());
    for _ in 0..10 {
        assert_eq!(http.get_with(&alb.url("/"), &[("cookie", &cookie)]).await.unwrap().body.trim(), owner);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn target_group_stickiness_keeps_a_client_on_its_group() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "tgstick", &[a.addr]).await;
    let (vpc, _) = testkit::default_network(&elbow);
    let tg_b = elbow
        .aws(&["elbv2", "create-target-group", "--name", "tgstick-b", "--protocol", "HTTP", "--port", &b.addr.port().to_string(), "--vpc-id", &vpc, "--target-type", "ip", "--health-check-path", "/status", "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2"])
        .unwrap()["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    elbow.aws(&["elbv2", "register-targets", "--target-group-arn", &tg_b, "--targets", "Id=127.0.0.3"]).unwrap();
    elbow
        .aws(&[
            "elbv2", "modify-listener", "--listener-arn", &alb.listener_arn, "--default-actions",
            &format!(r#"[{{"Type":"forward","ForwardConfig":{{"TargetGroups":[{{"TargetGroupArn":"{}","Weight":50}},{{"TargetGroupArn":"{tg_b}","Weight":50}}],"TargetGroupStickinessConfig":{{"Enabled":true,"DurationSeconds":600}}}}}}]"#, alb.tg_arn),
        ])
        .unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    wait_all_healthy(&elbow, &tg_b, 1).await;
    let http = HttpClient::new();
    let r = eventually(Duration::from_secs(5), "AWSALBTG", || async {
        let r = http.get(&alb.url("/")).await.ok()?;
        cookie_value(&r, "AWSALBTG").map(|_| r)
    })
    .await;
    assert!(set_cookies(&r).iter().any(|c| c.starts_with("AWSALBTGCORS=") && c.contains("SameSite=None; Secure")));
    let group = r.body.trim().to_string();
    let cookie = format!("AWSALBTG={}", cookie_value(&r, "AWSALBTG").unwrap());
    for _ in 0..20 {
        assert_eq!(http.get_with(&alb.url("/"), &[("cookie", &cookie)]).await.unwrap().body.trim(), group);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn consistent_hashing_on_a_header_keeps_each_key_on_one_target() {
    let elbow = Elbow::start();
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "hash", &[a.addr, b.addr]).await;
    // The extension refuses a header hash without a header name, naming the field.
    let mut cmd = vec!["elbv2", "modify-target-group-attributes", "--target-group-arn", &alb.tg_arn, "--attributes", "Key=elbow.load_balancing.hash_key,Value=http_header"];
    let e = elbow.aws(&cmd).unwrap_err();
    assert_eq!(e.code, "ValidationError");
    assert!(e.message.contains("elbow.load_balancing.hash_header_name"), "{e:?}");
    cmd.push("Key=elbow.load_balancing.hash_header_name,Value=X-User");
    elbow.aws(&cmd).unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let http = HttpClient::new();
    let mut per_target = std::collections::HashMap::new();
    for user in 0..40 {
        let key = format!("user-{user}");
        let first = http.get_with(&alb.url("/"), &[("x-user", &key)]).await.unwrap().body.trim().to_string();
        for _ in 0..4 {
            let again = http.get_with(&alb.url("/"), &[("x-user", &key)]).await.unwrap().body.trim().to_string();
            assert_eq!(again, first, "{key} stays on its target");
        }
        *per_target.entry(first).or_insert(0) += 1;
    }
    assert_eq!(per_target.len(), 2, "keys spread over both targets: {per_target:?}");
    assert!(per_target.values().all(|&n| n >= 8), "neither target gets almost nothing: {per_target:?}");
}
