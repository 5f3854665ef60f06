//! HTTP/2 and gRPC through elbow with real clients and servers: grpcio (Python) calls through
//! an h2c listener to grpcio servers in a `GRPC` target group checked with ALB's default gRPC
//! health check, curl speaking HTTP/2 to HTTP/1.1 targets, and HTTP/1.1 clients reaching
//! `HTTP2` (h2c) targets.

use testkit::{Backend, Elbow, PythonServer, curl, python_json, wait_all_healthy};

/// A load balancer with an HTTP listener forwarding to a new target group created with the aws
/// CLI as `extra` says; returns (target group ARN, listener port).
fn alb_with_group(elbow: &Elbow, name: &str, port: u16, targets: &[String], extra: &[&str]) -> (String, u16) {
    let (vpc, subnets) = testkit::default_network(elbow);
    let port_s = port.to_string();
    let mut args = vec!["elbv2", "create-target-group", "--name", name, "--protocol", "HTTP", "--port", &port_s, "--vpc-id", &vpc, "--target-type", "ip"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2"]);
    let tg = elbow.aws(&args).expect("create-target-group");
    let tg_arn = tg["TargetGroups"][0]["TargetGroupArn"].as_str().unwrap().to_string();
    let mut reg = vec!["elbv2", "register-targets", "--target-group-arn", &tg_arn, "--targets"];
    reg.extend(targets.iter().map(String::as_str));
    elbow.aws(&reg).expect("register-targets");
    let mut create = vec!["elbv2", "create-load-balancer", "--name", name, "--subnets"];
    create.extend(subnets.iter().map(String::as_str));
    let lb = elbow.aws(&create).expect("create-load-balancer");
    let lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"].as_str().unwrap().to_string();
    let listen = testkit::free_port("127.0.0.1");
    elbow
        .aws(&[
            "elbv2", "create-listener", "--load-balancer-arn", &lb_arn, "--protocol", "HTTP", "--port", &listen.to_string(),
            "--default-actions", &format!("Type=forward,TargetGroupArn={tg_arn}"),
        ])
        .expect("create-listener");
    (tg_arn, listen)
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_calls_flow_to_grpc_targets_checked_with_the_grpc_code_matcher() {
    let elbow = Elbow::start();
    let a = PythonServer::start("grpc_echo.py", "127.0.0.2", "a");
    let b = PythonServer::start_on("grpc_echo.py", std::net::SocketAddr::new("127.0.0.3".parse().unwrap(), a.addr.port()), "b");
    let targets = vec![format!("Id={}", a.addr.ip()), format!("Id={}", b.addr.ip())];
    let (tg_arn, listen) = alb_with_group(&elbow, "grpc", a.addr.port(), &targets, &["--protocol-version", "GRPC"]);

    // ALB's gRPC defaults: path /AWS.ALB/healthcheck, healthy when the status is 12 (UNIMPLEMENTED).
    let d = elbow.aws(&["elbv2", "describe-target-groups", "--target-group-arns", &tg_arn]).unwrap();
    let g = &d["TargetGroups"][0];
    assert_eq!(g["ProtocolVersion"], "GRPC");
    assert_eq!(g["HealthCheckPath"], "/AWS.ALB/healthcheck");
    assert_eq!(g["Matcher"]["GrpcCode"], "12");
    wait_all_healthy(&elbow, &tg_arn, 2).await;

    let target = format!("127.0.0.1:{listen}");
    let out = tokio::task::spawn_blocking(move || python_json("grpc_echo.py", &["call", &target, "20"], 60)).await.unwrap();
    assert_eq!(out["errors"].as_array().unwrap().len(), 0, "no failed calls: {out}");
    let replies: Vec<&str> = out["replies"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(replies.len(), 20);
    for (i, r) in replies.iter().enumerate() {
        assert!(r.ends_with(&format!(":hello {i}")), "reply {i} is the echo: {r}");
    }
    assert!(replies.iter().any(|r| r.starts_with("a:")) && replies.iter().any(|r| r.starts_with("b:")), "both targets serve: {replies:?}");
    assert_eq!(out["missing"], "UNIMPLEMENTED", "the target's own gRPC status passes through");

    // With no target left, elbow's own error reaches a gRPC client as a gRPC status.
    elbow.aws(&["elbv2", "modify-target-group-attributes", "--target-group-arn", &tg_arn, "--attributes", "Key=deregistration_delay.timeout_seconds,Value=0"]).unwrap();
    let mut dereg = vec!["elbv2", "deregister-targets", "--target-group-arn", &tg_arn, "--targets"];
    dereg.extend(targets.iter().map(String::as_str));
    elbow.aws(&dereg).unwrap();
    let target = format!("127.0.0.1:{listen}");
    let out = tokio::task::spawn_blocking(move || python_json("grpc_echo.py", &["call", &target, "1"], 60)).await.unwrap();
    let errors: Vec<&str> = out["errors"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(errors[0].starts_with("UNAVAILABLE"), "a 503 becomes grpc-status 14 UNAVAILABLE: {errors:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn http2_clients_reach_http1_targets() {
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let (tg_arn, listen) = alb_with_group(&elbow, "h2front", a.addr.port(), &[format!("Id={}", a.addr.ip())], &["--health-check-path", "/status"]);
    wait_all_healthy(&elbow, &tg_arn, 1).await;
    let url = format!("http://127.0.0.1:{listen}/echo?x=1");
    let out = curl(&["--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", "-d", "payload", &url]);
    let (body, tail) = out.rsplit_once('\n').expect("curl output");
    assert_eq!(tail, "2 200", "curl spoke HTTP/2 to elbow: {out}");
    let v: serde_json::Value = serde_json::from_str(body).expect("echo JSON");
    assert_eq!(v["version"], "HTTP/1.1", "the target saw HTTP/1.1: {v}");
    assert_eq!(v["method"], "POST");
    assert_eq!(v["body_len"], 7, "the request body crossed the translation");
    assert_eq!(v["query"], "x=1");
    assert_eq!(v["headers"]["host"], format!("127.0.0.1:{listen}"), "`:authority` becomes Host");
    assert_eq!(v["headers"]["x-forwarded-proto"], "http");
}

#[tokio::test(flavor = "multi_thread")]
async fn http1_clients_reach_http2_targets() {
    let elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let (tg_arn, listen) =
        alb_with_group(&elbow, "h2back", a.addr.port(), &[format!("Id={}", a.addr.ip())], &["--protocol-version", "HTTP2", "--health-check-path", "/status"]);
    wait_all_healthy(&elbow, &tg_arn, 1).await;
    let url = format!("http://127.0.0.1:{listen}/echo");
    for _ in 0..3 {
        let out = curl(&["--http1.1", "-w", "\n%{http_version} %{http_code}", "-d", "payload", &url]);
        let (body, tail) = out.rsplit_once('\n').expect("curl output");
        assert_eq!(tail, "1.1 200", "{out}");
        let v: serde_json::Value = serde_json::from_str(body).expect("echo JSON");
        assert_eq!(v["version"], "HTTP/2.0", "the target saw HTTP/2: {v}");
        assert_eq!(v["body_len"], 7);
        assert_eq!(v["headers"]["x-forwarded-for"], "127.0.0.1");
    }
}
