//! Listener lifecycle: ports bound before the API says yes, moved and released live.

use std::time::Duration;

use testkit::elbv2::types::{Action, ActionTypeEnum, ProtocolEnum};
use testkit::{Backend, Elbow, HttpClient, eventually, free_port, simple_alb, wait_all_healthy};

#[tokio::test(flavor = "multi_thread")]
async fn a_port_already_taken_is_a_clear_error_and_creates_nothing() {
    let elbow = Elbow::start();
    let alb = simple_alb(&elbow, "taken", &[]).await;
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    let err = elbow
        .aws(&[
            "elbv2",
            "create-listener",
            "--load-balancer-arn",
            &alb.lb_arn,
            "--protocol",
            "HTTP",
            "--port",
            &port.to_string(),
            "--default-actions",
            &format!("Type=forward,TargetGroupArn={}", alb.tg_arn),
        ])
        .unwrap_err();
    assert_eq!(err.code, "InvalidConfigurationRequest");
    assert!(err.message.contains(&port.to_string()) && err.message.contains("in use"), "{}", err.message);
    let listeners = elbow.aws(&["elbv2", "describe-listeners", "--load-balancer-arn", &alb.lb_arn]).unwrap();
    let ports: Vec<u64> = listeners["Listeners"].as_array().unwrap().iter().map(|l| l["Port"].as_u64().unwrap()).collect();
    assert_eq!(ports, vec![u64::from(alb.port)], "no half-created listener");
    // Once the port is free, the same call works.
    drop(squatter);
    elbow
        .aws(&["elbv2", "create-listener", "--load-balancer-arn", &alb.lb_arn, "--protocol", "HTTP", "--port", &port.to_string(), "--default-actions", &format!("Type=forward,TargetGroupArn={}", alb.tg_arn)])
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn two_load_balancers_cannot_share_a_port_on_one_node() {
    let elbow = Elbow::start();
    let first = simple_alb(&elbow, "first", &[]).await;
    let second = simple_alb(&elbow, "second", &[]).await;
    let c = elbow.elbv2();
    let err = c
        .create_listener()
        .load_balancer_arn(&second.lb_arn)
        .protocol(ProtocolEnum::Http)
        .port(i32::from(first.port))
        .default_actions(Action::builder().r#type(ActionTypeEnum::Forward).target_group_arn(&second.tg_arn).build())
        .send()
        .await
        .unwrap_err();
    let e = err.into_service_error();
    assert!(e.is_duplicate_listener_exception(), "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn port_changes_and_deletes_apply_live() {
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let alb = simple_alb(&elbow, "move", &[a.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    let http = HttpClient::new();
    assert_eq!(http.get(&alb.url("/")).await.unwrap().status, 200);
    let new_port = free_port("127.0.0.1");
    elbow.elbv2().modify_listener().listener_arn(&alb.listener_arn).port(i32::from(new_port)).send().await.unwrap();
    let new_url = format!("http://127.0.0.1:{new_port}/");
    eventually(Duration::from_secs(5), "new port serves", || async { http.get(&new_url).await.ok().filter(|r| r.status == 200) }).await;
    eventually(Duration::from_secs(5), "old port released", || async { std::net::TcpListener::bind(("127.0.0.1", alb.port)).ok().map(|_| ()) }).await;
    elbow.elbv2().delete_listener().listener_arn(&alb.listener_arn).send().await.unwrap();
    eventually(Duration::from_secs(5), "deleted listener's port released", || async { std::net::TcpListener::bind(("127.0.0.1", new_port)).ok().map(|_| ()) }).await;
}
