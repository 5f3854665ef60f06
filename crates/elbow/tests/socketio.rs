//! The socket.io cluster tutorial through elbow: two real python-socketio nodes keep their
//! sessions in memory; a real python-socketio client connects 20 times with long-polling then
//! the WebSocket upgrade. With `lb_cookie` stickiness every session stays on its node across
//! the polling requests and the upgrade (ALB's users report that it does not); with stickiness
//! off the same test fails with "Session ID unknown", which shows the test can fail.

use std::net::SocketAddr;

use testkit::{Elbow, PythonServer, python_json, simple_alb, wait_all_healthy};

/// Two socket.io nodes on 127.0.0.2 and 127.0.0.3 sharing one port, like two instances.
fn cluster() -> (PythonServer, PythonServer) {
    for _ in 0..20 {
        let a = PythonServer::start("socketio_cluster.py", "127.0.0.2", "a");
        if std::net::TcpListener::bind(("127.0.0.3", a.addr.port())).is_ok() {
            let b = PythonServer::start_on("socketio_cluster.py", SocketAddr::new("127.0.0.3".parse().unwrap(), a.addr.port()), "b");
            return (a, b);
        }
    }
    panic!("no common free port on 127.0.0.2 and 127.0.0.3");
}

async fn sessions(listen: u16, n: u32) -> serde_json::Value {
    let url = format!("http://127.0.0.1:{listen}");
    tokio::task::spawn_blocking(move || python_json("socketio_cluster.py", &["connect", &url, &n.to_string()], 120)).await.unwrap()
}

/// Requests a node refused because it did not hold the session ("Session ID unknown").
async fn unknown_sessions(node: &PythonServer) -> u64 {
    let r = testkit::HttpClient::new().get(&format!("http://{}/stats", node.addr)).await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v["unknown_session"].as_u64().unwrap()
}

async fn cluster_alb(elbow: &Elbow, name: &str, a: &PythonServer, b: &PythonServer, sticky: bool) -> testkit::Alb {
    let alb = simple_alb(elbow, name, &[a.addr, b.addr]).await;
    let mut args = vec!["elbv2", "modify-target-group-attributes", "--target-group-arn", &alb.tg_arn, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=0"];
    if sticky {
        // As the stickiness tutorial types it.
        args.extend(["Key=stickiness.enabled,Value=true", "Key=stickiness.type,Value=lb_cookie", "Key=stickiness.lb_cookie.duration_seconds,Value=86400"]);
    }
    elbow.aws(&args).unwrap();
    elbow.aws(&["elbv2", "modify-target-group", "--target-group-arn", &alb.tg_arn, "--health-check-path", "/health"]).unwrap();
    wait_all_healthy(elbow, &alb.tg_arn, 2).await;
    alb
}

#[tokio::test(flavor = "multi_thread")]
async fn socketio_long_polling_then_upgrade_holds_with_lb_cookie_stickiness() {
    let elbow = Elbow::start();
    let (a, b) = cluster();
    let alb = cluster_alb(&elbow, "sio", &a, &b, true).await;
    let out = sessions(alb.port, 20).await;
    assert_eq!(out["failures"].as_array().unwrap().len(), 0, "no session lost its node: {out}");
    assert_eq!(unknown_sessions(&a).await + unknown_sessions(&b).await, 0, "no request reached a node without its session");
    assert_eq!(out["ok"], 20, "{out}");
    assert_eq!(out["transports"]["websocket"], 20, "every session upgraded to WebSocket: {out}");
    // Each new client has no cookie yet, so round robin spreads sessions over both nodes.
    assert!(out["nodes"]["a"].as_u64().unwrap_or(0) > 0 && out["nodes"]["b"].as_u64().unwrap_or(0) > 0, "both nodes serve sessions: {out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_stickiness_socketio_sessions_break() {
    let elbow = Elbow::start();
    let (a, b) = cluster();
    let alb = cluster_alb(&elbow, "siooff", &a, &b, false).await;
    let out = sessions(alb.port, 3).await;
    let failures = out["failures"].as_array().unwrap();
    assert!(!failures.is_empty(), "round robin sends a session's requests to the other node: {out}");
    assert!(unknown_sessions(&a).await + unknown_sessions(&b).await > 0, "the nodes saw requests for sessions they do not hold");
}
