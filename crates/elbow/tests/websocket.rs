//! WebSocket through elbow: the upgrade is relayed, messages flow both ways, open connections
//! are counted per target, the idle timeout counts both directions, and deregistration closes
//! an established WebSocket when the deregistration delay ends.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use testkit::elbv2::types::{LoadBalancerAttribute, TargetDescription, TargetGroupAttribute};
use testkit::{Backend, Elbow, HttpClient, eventually, simple_alb, wait_all_healthy};
use tokio_tungstenite::tungstenite::Message;

async fn websockets_open(elbow: &Elbow, id: &str) -> u64 {
    let r = HttpClient::new().get(&format!("{}/_elbow/targets", elbow.endpoint)).await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v["targets"].as_array().unwrap().iter().filter(|t| t["id"] == id).map(|t| t["websockets"].as_u64().unwrap()).sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn websockets_are_relayed_counted_and_closed_when_the_delay_ends() {
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let alb = simple_alb(&elbow, "ws", &[a.addr]).await;
    let c = elbow.elbv2();
    c.modify_target_group_attributes()
        .target_group_arn(&alb.tg_arn)
        .attributes(TargetGroupAttribute::builder().key("deregistration_delay.timeout_seconds").value("3").build())
        .send()
        .await
        .unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    let url = format!("ws://127.0.0.1:{}/ws", alb.port);
    let (mut ws, resp) = tokio_tungstenite::connect_async(&url).await.expect("the upgrade goes through");
    assert_eq!(resp.status(), 101);
    for i in 0..5 {
        ws.send(Message::text(format!("hello {i}"))).await.unwrap();
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap();
        assert_eq!(m.into_text().unwrap().as_str(), format!("a:hello {i}"));
    }
    let big = vec![7u8; 100_000];
    ws.send(Message::binary(big.clone())).await.unwrap();
    let m = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(m.into_data().as_ref(), &big[..], "large binary frames pass untouched");
    assert_eq!(websockets_open(&elbow, "127.0.0.2").await, 1, "one WebSocket open to the target");

    // Deregistration: the WebSocket stays up during the delay, then is closed.
    c.deregister_targets().target_group_arn(&alb.tg_arn).targets(TargetDescription::builder().id("127.0.0.2").build()).send().await.unwrap();
    let deregistered = Instant::now();
    ws.send(Message::text("still there")).await.unwrap();
    let m = tokio::time::timeout(Duration::from_secs(2), ws.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(m.into_text().unwrap().as_str(), "a:still there", "open during the deregistration delay");
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "closed when the delay ended");
    let after = deregistered.elapsed();
    assert!(after >= Duration::from_millis(2500) && after < Duration::from_secs(6), "closed at the 3 s delay, after {after:?}");
    eventually(Duration::from_secs(5), "count back to 0", || async { (websockets_open(&elbow, "127.0.0.2").await == 0).then_some(()) }).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_idle_timeout_counts_traffic_in_both_directions() {
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let alb = simple_alb(&elbow, "wsidle", &[a.addr]).await;
    elbow
        .elbv2()
        .modify_load_balancer_attributes()
        .load_balancer_arn(&alb.lb_arn)
        .attributes(LoadBalancerAttribute::builder().key("idle_timeout.timeout_seconds").value("2").build())
        .send()
        .await
        .unwrap();
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let url = format!("ws://127.0.0.1:{}/ws", alb.port);
    // A chatty connection outlives the idle timeout…
    let (mut busy, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(4) {
        busy.send(Message::text("ping")).await.unwrap();
        tokio::time::timeout(Duration::from_secs(2), busy.next()).await.expect("echo within the idle timeout").unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    // …a silent one does not.
    let (mut quiet, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let opened = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(6), async {
        loop {
            match quiet.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "an idle WebSocket is closed");
    assert!(opened.elapsed() >= Duration::from_millis(1800), "not before the idle timeout: {:?}", opened.elapsed());
}
