//! The two Classic Load Balancer tutorials, typed as they are typed, with the real aws CLI:
//!
//! - The WebRTC server's WebSockets on a TCP listener (8080 in the tutorial), with the health
//!   check `HTTP:8081/?action=stat` on another port than the traffic, cross-zone balancing on,
//!   two instances; a real WebSocket client exchanges messages through it; the stats page of
//!   each instance shows the spread; an instance whose health endpoint fails goes
//!   `OutOfService` with AWS's reason and gets no new connections.
//! - Replacing a listener's certificate from the command line: a certificate uploaded to IAM
//!   with its intermediate chain on an HTTPS listener, `set-load-balancer-listener-ssl-certificate`
//!   to a second one; new handshakes see the new certificate while an open connection keeps
//!   working.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use testkit::{Elbow, HttpClient, bin, default_network, eventually, free_port};
use tokio_tungstenite::tungstenite::Message;

/// User data of a WebRTC-server stand-in: WebSockets on `ws_port`, its stats page
/// (`/?action=stat`, also the health check) on `stat_port`, named by the instance id.
fn user_data(ws_port: u16, stat_port: u16) -> String {
    format!("#!/bin/sh\nexec {} --listen \"$ELBOW_PRIVATE_IP:{ws_port}\" --health-listen \"$ELBOW_PRIVATE_IP:{stat_port}\" --name \"$ELBOW_INSTANCE_ID\"\n", bin("elbow-test-backend").display())
}

fn instance_health(elbow: &Elbow, lb: &str) -> BTreeMap<String, (String, String, String)> {
    let h = elbow.aws(&["elb", "describe-instance-health", "--load-balancer-name", lb]).unwrap();
    h["InstanceStates"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap_or_default().to_string();
            (f("InstanceId"), (f("State"), f("ReasonCode"), f("Description")))
        })
        .collect()
}

/// Opens a WebSocket through the load balancer and returns it with the name of the instance
/// that answered its first message.
async fn open_ws(url: &str) -> (tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>, String) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("the WebSocket upgrade goes through the TCP listener");
    ws.send(Message::text("hello")).await.unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a reply").unwrap().unwrap();
    let text = reply.into_text().unwrap().to_string();
    let name = text.strip_suffix(":hello").unwrap_or_else(|| panic!("echo reply {text:?}")).to_string();
    (ws, name)
}

#[tokio::test(flavor = "multi_thread")]
async fn webrtc_websockets_over_a_classic_tcp_listener_with_the_health_check_on_another_port() {
    let elbow = Elbow::start();
    let (_, subnets) = default_network(&elbow);
    let ws_port = free_port("127.100.0.1");
    let stat_port = free_port("127.100.0.1");
    let lb_port = free_port("127.0.0.1");

    // Two instances of the server, one per zone.
    let mut ids = Vec::new();
    for subnet in &subnets[..2] {
        let r = elbow.aws(&["ec2", "run-instances", "--image-id", "ami-0elbow0000000001", "--instance-type", "t2.micro", "--subnet-id", subnet, "--user-data", &user_data(ws_port, stat_port)]).unwrap();
        ids.push(r["Instances"][0]["InstanceId"].as_str().unwrap().to_string());
    }

    // The tutorial's load balancer: TCP 8080 for ws://, the health check on the stats port.
    let listener = format!("Protocol=TCP,LoadBalancerPort={lb_port},InstanceProtocol=TCP,InstancePort={ws_port}");
    let created = elbow.aws(&["elb", "create-load-balancer", "--load-balancer-name", "webrtc", "--listeners", &listener, "--subnets", &subnets[0], &subnets[1]]).unwrap();
    assert!(created["DNSName"].as_str().unwrap().starts_with("webrtc-"), "{created}");
    let bad = elbow.aws(&["elb", "configure-health-check", "--load-balancer-name", "webrtc", "--health-check", "Target=HTTP:8081,Interval=5,Timeout=2,UnhealthyThreshold=2,HealthyThreshold=2"]).unwrap_err();
    assert_eq!(bad.code, "ValidationError", "an HTTP target without a path is refused: {bad:?}");
    let hc = format!("Target=HTTP:{stat_port}/?action=stat,Interval=5,Timeout=2,UnhealthyThreshold=2,HealthyThreshold=2");
    let configured = elbow.aws(&["elb", "configure-health-check", "--load-balancer-name", "webrtc", "--health-check", &hc]).unwrap();
    assert_eq!(configured["HealthCheck"]["Target"], format!("HTTP:{stat_port}/?action=stat"));
    elbow.aws(&["elb", "modify-load-balancer-attributes", "--load-balancer-name", "webrtc", "--load-balancer-attributes", "CrossZoneLoadBalancing={Enabled=true}"]).unwrap();
    let mut register = vec!["elb", "register-instances-with-load-balancer", "--load-balancer-name", "webrtc", "--instances"];
    register.extend(ids.iter().map(String::as_str));
    elbow.aws(&register).unwrap();

    eventually(Duration::from_secs(60), "both instances InService", || {
        let h = instance_health(&elbow, "webrtc");
        async move { (h.len() == 2 && h.values().all(|(s, _, _)| s == "InService")).then_some(()) }
    })
    .await;

    // Real WebSocket clients through the TCP listener: bytes pass untouched, messages echo.
    let url = format!("ws://127.0.0.1:{lb_port}/ws");
    let mut open = Vec::new();
    let mut spread: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..6 {
        let (ws, name) = open_ws(&url).await;
        *spread.entry(name).or_default() += 1;
        open.push(ws);
    }
    assert_eq!(spread.keys().cloned().collect::<Vec<_>>(), { let mut v = ids.clone(); v.sort(); v }, "connections spread over both instances: {spread:?}");

    // Each instance's stats page shows the WebSocket connections it holds.
    let http = HttpClient::new();
    for id in &ids {
        let ip = elbow.aws(&["ec2", "describe-instances", "--instance-ids", id]).unwrap()["Reservations"][0]["Instances"][0]["PrivateIpAddress"].as_str().unwrap().to_string();
        let stat = http.get(&format!("http://{ip}:{stat_port}/?action=stat")).await.unwrap();
        let v: Value = serde_json::from_str(&stat.body).unwrap_or_else(|_| panic!("stats page {:?}", stat.body));
        assert_eq!(v["websockets"].as_u64(), Some(spread[id] as u64), "stats of {id}: {v}");
    }

    // elbow counts the same spread: open connections per instance of the TCP listener.
    let targets: Value = serde_json::from_str(&http.get(&format!("{}/_elbow/targets", elbow.endpoint)).await.unwrap().body).unwrap();
    let counted: BTreeMap<String, usize> = targets["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["target_group_arn"].as_str().is_some_and(|a| a.contains(":loadbalancer/webrtc/")))
        .map(|t| (t["id"].as_str().unwrap().to_string(), t["connections"].as_u64().unwrap() as usize))
        .collect();
    assert_eq!(counted, spread, "{targets}");

    // The first instance's health endpoint fails: OutOfService with the reason, no new
    // connections to it, while its open connection keeps working.
    let (sick, well) = (&ids[0], &ids[1]);
    let sick_ip = elbow.aws(&["ec2", "describe-instances", "--instance-ids", sick]).unwrap()["Reservations"][0]["Instances"][0]["PrivateIpAddress"].as_str().unwrap().to_string();
    let flip = http.get(&format!("http://{sick_ip}:{ws_port}/control/health?code=503")).await.unwrap();
    assert_eq!(flip.status, 200);
    let state = eventually(Duration::from_secs(60), "the failing instance OutOfService", || {
        let h = instance_health(&elbow, "webrtc");
        let sick = sick.clone();
        async move { h.get(&sick).filter(|(s, _, _)| s == "OutOfService").cloned() }
    })
    .await;
    assert_eq!(state, ("OutOfService".to_string(), "Instance".to_string(), "Instance has failed at least the UnhealthyThreshold number of health checks consecutively.".to_string()));
    for _ in 0..4 {
        let (ws, name) = open_ws(&url).await;
        assert_eq!(&name, well, "a new connection goes to the healthy instance");
        open.push(ws);
    }
    for ws in open.iter_mut() {
        ws.send(Message::text("still")).await.unwrap();
        let reply = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a reply").unwrap().unwrap();
        assert!(reply.into_text().unwrap().ends_with(":still"));
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl").args(args).current_dir(dir).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A root CA, an intermediate and two leaves (`stage` and `www`) signed by the intermediate,
/// as a vendor sells them.
fn pki(dir: &Path) {
    openssl(dir, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.crt", "-days", "30", "-subj", "/CN=Test Root CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(dir, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key", "-out", "int.csr", "-subj", "/CN=Test Intermediate CA"]);
    std::fs::write(dir.join("int.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n").unwrap();
    openssl(dir, &["x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial", "-out", "int.crt", "-days", "30", "-extfile", "int.ext"]);
    for name in ["stage.mysite.test", "www.mysite.test"] {
        openssl(dir, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", &format!("{name}.key"), "-out", &format!("{name}.csr"), "-subj", &format!("/CN={name}")]);
        std::fs::write(dir.join(format!("{name}.ext")), format!("subjectAltName=DNS:{name}\nextendedKeyUsage=serverAuth\n")).unwrap();
        openssl(dir, &["x509", "-req", "-in", &format!("{name}.csr"), "-CA", "int.crt", "-CAkey", "int.key", "-CAcreateserial", "-out", &format!("{name}.crt"), "-days", "30", "-extfile", &format!("{name}.ext")]);
    }
}

/// The subject CN and the issuer CN of the certificate `port` presents, and the number of
/// certificates in the chain, read with `openssl s_client -showcerts`.
fn presented(port: u16, sni: &str) -> (String, usize) {
    let out = std::process::Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", sni, "-showcerts"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl s_client");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let subject = text.lines().find(|l| l.trim_start().starts_with("0 s:")).unwrap_or_default().to_string();
    (subject, text.matches("-----BEGIN CERTIFICATE-----").count())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_certificate_swap_on_a_classic_https_listener() {
    let elbow = Elbow::start();
    let (_, subnets) = default_network(&elbow);
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let file = |n: &str| format!("file://{}", dir.path().join(n).display());

    // A backend instance behind the HTTPS listener (HTTP to the instance, as the tutorial).
    let port = free_port("127.100.0.1");
    let ud = format!("#!/bin/sh\nexec {} --listen \"$ELBOW_PRIVATE_IP:{port}\" --name \"$ELBOW_INSTANCE_ID\"\n", bin("elbow-test-backend").display());
    let id = elbow.aws(&["ec2", "run-instances", "--image-id", "ami-0elbow0000000001", "--subnet-id", &subnets[0], "--user-data", &ud]).unwrap()["Instances"][0]["InstanceId"].as_str().unwrap().to_string();

    // Upload both certificates with the vendor's intermediate, then list them.
    let mut arns = BTreeMap::new();
    for name in ["stage.mysite.test", "www.mysite.test"] {
        let up = elbow
            .aws(&["iam", "upload-server-certificate", "--server-certificate-name", name, "--certificate-body", &file(&format!("{name}.crt")), "--private-key", &file(&format!("{name}.key")), "--certificate-chain", &file("int.crt")])
            .unwrap();
        arns.insert(name, up["ServerCertificateMetadata"]["Arn"].as_str().unwrap().to_string());
    }
    let listed = elbow.aws(&["iam", "list-server-certificates"]).unwrap();
    assert_eq!(listed["ServerCertificateMetadataList"].as_array().unwrap().len(), 2);

    let lb_port = free_port("127.0.0.1");
    let listener = format!("Protocol=HTTPS,LoadBalancerPort={lb_port},InstanceProtocol=HTTP,InstancePort={port},SSLCertificateId={}", arns["www.mysite.test"]);
    elbow.aws(&["elb", "create-load-balancer", "--load-balancer-name", "mysite-stage", "--listeners", &listener, "--subnets", &subnets[0]]).unwrap();
    elbow.aws(&["elb", "configure-health-check", "--load-balancer-name", "mysite-stage", "--health-check", &format!("Target=HTTP:{port}/status,Interval=5,Timeout=2,UnhealthyThreshold=2,HealthyThreshold=2")]).unwrap();
    elbow.aws(&["elb", "register-instances-with-load-balancer", "--load-balancer-name", "mysite-stage", "--instances", &id]).unwrap();
    eventually(Duration::from_secs(60), "the instance InService", || {
        let h = instance_health(&elbow, "mysite-stage");
        async move { h.values().all(|(s, _, _)| s == "InService").then_some(()).filter(|_| !h.is_empty()) }
    })
    .await;

    let (subject, chain) = presented(lb_port, "stage.mysite.test");
    assert!(subject.contains("www.mysite.test"), "{subject}");
    assert_eq!(chain, 2, "the leaf and the intermediate are served");

    // A connection opened before the swap (to the name the old certificate holds), kept alive
    // across it, trusting only the vendor's root: the intermediate comes from the listener.
    let ca = dir.path().join("root.crt");
    let client = reqwest_like_client(&ca);
    let url = format!("https://www.mysite.test:{lb_port}/");
    let before = client.get(&url).await;
    assert_eq!(before.0, 200, "{}", before.1);

    // The tutorial's step 7, with today's CLI.
    elbow.aws(&["elb", "set-load-balancer-listener-ssl-certificate", "--load-balancer-name", "mysite-stage", "--load-balancer-port", &lb_port.to_string(), "--ssl-certificate-id", &arns["stage.mysite.test"]]).unwrap();
    let bad = elbow.aws(&["elb", "set-load-balancer-listener-ssl-certificate", "--load-balancer-name", "mysite-stage", "--load-balancer-port", &lb_port.to_string(), "--ssl-certificate-id", "arn:aws:iam::123456789012:server-certificate/nope"]).unwrap_err();
    assert_eq!(bad.code, "CertificateNotFound", "{bad:?}");

    eventually(Duration::from_secs(10), "new handshakes see the new certificate", || {
        let (subject, _) = presented(lb_port, "stage.mysite.test");
        async move { subject.contains("stage.mysite.test").then_some(()) }
    })
    .await;
    let described = elbow.aws(&["elb", "describe-load-balancers", "--load-balancer-names", "mysite-stage"]).unwrap();
    assert_eq!(described["LoadBalancerDescriptions"][0]["ListenerDescriptions"][0]["Listener"]["SSLCertificateId"], arns["stage.mysite.test"].as_str());
    // The connection opened before the swap still serves requests.
    let after = client.get(&url).await;
    assert_eq!(after.0, 200, "{}", after.1);
    assert_eq!(client.connections_opened(), 1, "both requests went over the connection opened before the swap");
}

/// An HTTPS client that trusts only `ca`, resolves every name to 127.0.0.1 and keeps one
/// connection alive, counting the connections it opens.
struct KeepAliveClient {
    config: std::sync::Arc<rustls::ClientConfig>,
    conn: tokio::sync::Mutex<Option<hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>>>>,
    opened: std::sync::atomic::AtomicUsize,
}

fn reqwest_like_client(ca: &Path) -> KeepAliveClient {
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(ca).unwrap();
    for c in rustls_pemfile_certs(&pem) {
        roots.add(c).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions().unwrap().with_root_certificates(roots).with_no_client_auth();
    KeepAliveClient { config: std::sync::Arc::new(config), conn: tokio::sync::Mutex::new(None), opened: Default::default() }
}

fn rustls_pemfile_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem).map(|c| c.unwrap()).collect()
}

impl KeepAliveClient {
    async fn get(&self, url: &str) -> (u16, String) {
        use http_body_util::BodyExt;
        let uri: http::Uri = url.parse().unwrap();
        let host = uri.host().unwrap().to_string();
        let port = uri.port_u16().unwrap();
        let mut guard = self.conn.lock().await;
        if guard.is_none() {
            let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let name = rustls::pki_types::ServerName::try_from(host.clone()).unwrap();
            let tls = tokio_rustls::TlsConnector::from(self.config.clone()).connect(name, tcp).await.expect("TLS handshake");
            let (send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls)).await.unwrap();
            tokio::spawn(conn);
            self.opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            *guard = Some(send);
        }
        let send = guard.as_mut().unwrap();
        let req = http::Request::get(uri.path()).header("host", &host).body(http_body_util::Empty::new()).unwrap();
        let resp = send.send_request(req).await.expect("request over the kept-alive connection");
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).to_string())
    }

    fn connections_opened(&self) -> usize {
        self.opened.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn classic_lb_cookie_stickiness_on_an_http_listener_uses_awselb() {
    let elbow = Elbow::start();
    let (_, subnets) = default_network(&elbow);
    let port = free_port("127.100.0.1");
    let ud = format!("#!/bin/sh\nexec {} --listen \"$ELBOW_PRIVATE_IP:{port}\" --name \"$ELBOW_INSTANCE_ID\"\n", bin("elbow-test-backend").display());
    let r = elbow.aws(&["ec2", "run-instances", "--image-id", "ami-0elbow0000000001", "--count", "2", "--subnet-id", &subnets[0], "--user-data", &ud]).unwrap();
    let ids: Vec<String> = r["Instances"].as_array().unwrap().iter().map(|i| i["InstanceId"].as_str().unwrap().to_string()).collect();
    let lb_port = free_port("127.0.0.1");
    elbow.aws(&["elb", "create-load-balancer", "--load-balancer-name", "sticky", "--listeners", &format!("Protocol=HTTP,LoadBalancerPort={lb_port},InstanceProtocol=HTTP,InstancePort={port}"), "--subnets", &subnets[0]]).unwrap();
    elbow.aws(&["elb", "configure-health-check", "--load-balancer-name", "sticky", "--health-check", &format!("Target=HTTP:{port}/status,Interval=5,Timeout=2,UnhealthyThreshold=2,HealthyThreshold=2")]).unwrap();
    elbow.aws(&["elb", "register-instances-with-load-balancer", "--load-balancer-name", "sticky", "--instances", &ids[0], &ids[1]]).unwrap();
    eventually(Duration::from_secs(60), "both instances InService", || {
        let h = instance_health(&elbow, "sticky");
        async move { (h.len() == 2 && h.values().all(|(s, _, _)| s == "InService")).then_some(()) }
    })
    .await;

    // Without a policy, requests spread over both instances.
    let http = HttpClient::new();
    let url = format!("http://127.0.0.1:{lb_port}/");
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..10 {
        seen.insert(http.get(&url).await.unwrap().body.trim().to_string());
    }
    assert_eq!(seen.len(), 2, "{seen:?}");

    // The tutorial's step 2.8: stickiness on the HTTP port.
    let bad = elbow.aws(&["elb", "set-load-balancer-policies-of-listener", "--load-balancer-name", "sticky", "--load-balancer-port", &lb_port.to_string(), "--policy-names", "nope"]).unwrap_err();
    assert_eq!(bad.code, "PolicyNotFound", "{bad:?}");
    elbow.aws(&["elb", "create-lb-cookie-stickiness-policy", "--load-balancer-name", "sticky", "--policy-name", "sticky-1h", "--cookie-expiration-period", "3600"]).unwrap();
    elbow.aws(&["elb", "set-load-balancer-policies-of-listener", "--load-balancer-name", "sticky", "--load-balancer-port", &lb_port.to_string(), "--policy-names", "sticky-1h"]).unwrap();
    let first = eventually(Duration::from_secs(10), "an AWSELB cookie", || {
        let http = &http;
        let url = url.clone();
        async move {
            let r = http.get(&url).await.ok()?;
            let cookie = r.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|v| v.starts_with("AWSELB="))?.to_string();
            Some((r.body.trim().to_string(), cookie.split(';').next().unwrap().to_string()))
        }
    })
    .await;
    let (instance, cookie) = first;
    for _ in 0..10 {
        let r = http.get_with(&url, &[("cookie", &cookie)]).await.unwrap();
        assert_eq!(r.body.trim(), instance, "the AWSELB cookie keeps the client on one instance");
        assert!(r.headers.get_all("set-cookie").iter().all(|v| !v.to_str().unwrap_or_default().starts_with("AWSALB")), "a classic load balancer sets no ALB cookies");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_protocol_policy_sends_version_1_to_the_back_end_port() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let elbow = Elbow::start();
    let (_, subnets) = default_network(&elbow);
    let (http_port, tcp_port) = (free_port("127.100.0.1"), free_port("127.100.0.1"));
    let ud = format!(
        "#!/bin/sh\nexec {} --listen \"$ELBOW_PRIVATE_IP:{http_port}\" --tcp-echo \"$ELBOW_PRIVATE_IP:{tcp_port}\" --proxy-protocol --name \"$ELBOW_INSTANCE_ID\"\n",
        bin("elbow-test-backend").display()
    );
    let id = elbow.aws(&["ec2", "run-instances", "--image-id", "ami-0elbow0000000001", "--subnet-id", &subnets[0], "--user-data", &ud]).unwrap()["Instances"][0]["InstanceId"].as_str().unwrap().to_string();
    let lb_port = free_port("127.0.0.1");
    elbow.aws(&["elb", "create-load-balancer", "--load-balancer-name", "pp", "--listeners", &format!("Protocol=TCP,LoadBalancerPort={lb_port},InstanceProtocol=TCP,InstancePort={tcp_port}"), "--subnets", &subnets[0]]).unwrap();
    elbow.aws(&["elb", "configure-health-check", "--load-balancer-name", "pp", "--health-check", &format!("Target=HTTP:{http_port}/status,Interval=5,Timeout=2,UnhealthyThreshold=2,HealthyThreshold=2")]).unwrap();
    elbow
        .aws(&["elb", "create-load-balancer-policy", "--load-balancer-name", "pp", "--policy-name", "EnableProxyProtocol", "--policy-type-name", "ProxyProtocolPolicyType", "--policy-attributes", "AttributeName=ProxyProtocol,AttributeValue=true"])
        .unwrap();
    elbow.aws(&["elb", "set-load-balancer-policies-for-backend-server", "--load-balancer-name", "pp", "--instance-port", &tcp_port.to_string(), "--policy-names", "EnableProxyProtocol"]).unwrap();
    elbow.aws(&["elb", "register-instances-with-load-balancer", "--load-balancer-name", "pp", "--instances", &id]).unwrap();
    eventually(Duration::from_secs(60), "the instance InService", || {
        let h = instance_health(&elbow, "pp");
        async move { h.values().all(|(s, _, _)| s == "InService").then_some(()).filter(|_| !h.is_empty()) }
    })
    .await;

    // The back end parses the version 1 line (with the ppp crate) and reports the client.
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", lb_port)).await.unwrap();
    let me = stream.local_addr().unwrap();
    let (read, mut write) = stream.into_split();
    write.write_all(b"whoami\n").await.unwrap();
    let mut line = String::new();
    tokio::time::timeout(Duration::from_secs(10), tokio::io::BufReader::new(read).read_line(&mut line)).await.expect("a reply").unwrap();
    assert_eq!(line.trim(), format!("{id} {me}"), "the instance learns the client's address from the PROXY line");
}
