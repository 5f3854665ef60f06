//! Network Load Balancers end to end: a real `elbow serve` configured with the real aws CLI
//! (`create-load-balancer --type network`, TCP/TLS/UDP listeners, TCP/TLS/UDP target groups and
//! their attributes) in front of real `elbow-test-backend` echo processes: connections spread
//! over targets, half-close relayed, TLS terminated (rustls client), TLS toward targets, PROXY
//! protocol v2 parsed by a third-party parser in the target, UDP round trips, source-IP
//! stickiness, unhealthy targets skipped, draining with and without connection termination,
//! and a port clash refused with nothing stored.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};

use testkit::{Elbow, eventually, wait_all_healthy};

/// An `elbow-test-backend` with its HTTP listener (health checks, `/control/health`) and its
/// TCP and/or UDP echo, killed on drop.
struct Echo {
    child: Child,
    http: SocketAddr,
    tcp: Option<SocketAddr>,
    udp: Option<SocketAddr>,
}

impl Drop for Echo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a backend named `name` on `ip`: HTTP on `http_port`, a TCP echo on `tcp` and a UDP
/// echo on `udp` (ports; 0 = any), plus `extra` flags.
fn echo(ip: &str, name: &str, http_port: u16, tcp: Option<u16>, udp: Option<u16>, extra: &[&str]) -> Echo {
    let mut cmd = Command::new(testkit::bin("elbow-test-backend"));
    cmd.args(["--listen", &format!("{ip}:{http_port}"), "--name", name]).args(extra).stdout(Stdio::piped()).stderr(Stdio::inherit());
    if let Some(p) = tcp {
        cmd.args(["--tcp-echo", &format!("{ip}:{p}")]);
    }
    if let Some(p) = udp {
        cmd.args(["--udp-echo", &format!("{ip}:{p}")]);
    }
    let mut child = cmd.spawn().expect("spawn elbow-test-backend");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut http, mut tcp_addr, mut udp_addr) = (None, None, None);
    while http.is_none() || (tcp.is_some() && tcp_addr.is_none()) || (udp.is_some() && udp_addr.is_none()) {
        let mut line = String::new();
        assert!(out.read_line(&mut line).expect("backend stdout") > 0, "backend exited early");
        let (what, addr) = line.trim().split_once(' ').expect("'<what> <addr>'");
        let addr: SocketAddr = addr.parse().expect("address");
        match what {
            "listening" => http = Some(addr),
            "tcp-echo" => tcp_addr = Some(addr),
            "udp-echo" => udp_addr = Some(addr),
            _ => {}
        }
    }
    // Keep the pipe open so the backend's later prints do not fail.
    std::thread::spawn(move || for _ in out.lines() {});
    Echo { child, http: http.expect("http"), tcp: tcp_addr, udp: udp_addr }
}

/// A port free for TCP on every one of `ips` (targets on several loopback addresses share the
/// health-check port of their group).
fn common_port(ips: &[&str]) -> u16 {
    for _ in 0..50 {
        let p = testkit::free_port(ips[0]);
        if ips.iter().all(|ip| TcpListener::bind((*ip, p)).is_ok() && std::net::UdpSocket::bind((*ip, p)).is_ok()) {
            return p;
        }
    }
    panic!("no port free on all of {ips:?}");
}

/// A UDP port free on 127.0.0.1 a moment ago.
fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn s(v: &serde_json::Value, path: &[&str]) -> String {
    let mut v = v;
    for p in path {
        v = match p.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[*p],
        };
    }
    v.as_str().unwrap_or_else(|| panic!("{path:?} in {v}")).to_string()
}

/// `create-load-balancer --type network` over the default subnets; returns its ARN.
fn nlb(elbow: &Elbow, name: &str) -> String {
    let (_, subnets) = testkit::default_network(elbow);
    let mut args = vec!["elbv2", "create-load-balancer", "--name", name, "--type", "network", "--subnets"];
    args.extend(subnets.iter().map(String::as_str));
    s(&elbow.aws(&args).expect("create-load-balancer"), &["LoadBalancers", "0", "LoadBalancerArn"])
}

/// An IP target group of `protocol` with fast health checks (5 s, thresholds 2) and `extra`
/// arguments; returns its ARN.
fn target_group(elbow: &Elbow, name: &str, protocol: &str, extra: &[&str]) -> String {
    let (vpc, _) = testkit::default_network(elbow);
    let mut args = vec![
        "elbv2", "create-target-group", "--name", name, "--protocol", protocol, "--port", "7", "--vpc-id", &vpc, "--target-type", "ip",
        "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2", "--unhealthy-threshold-count", "2",
    ];
    args.extend(extra);
    s(&elbow.aws(&args).expect("create-target-group"), &["TargetGroups", "0", "TargetGroupArn"])
}

fn register(elbow: &Elbow, tg: &str, targets: &[SocketAddr]) {
    let specs: Vec<String> = targets.iter().map(|t| format!("Id={},Port={}", t.ip(), t.port())).collect();
    let mut args = vec!["elbv2", "register-targets", "--target-group-arn", tg, "--targets"];
    args.extend(specs.iter().map(String::as_str));
    elbow.aws(&args).expect("register-targets");
}

fn set_tg_attributes(elbow: &Elbow, tg: &str, kv: &[(&str, &str)]) {
    let specs: Vec<String> = kv.iter().map(|(k, v)| format!("Key={k},Value={v}")).collect();
    let mut args = vec!["elbv2", "modify-target-group-attributes", "--target-group-arn", tg, "--attributes"];
    args.extend(specs.iter().map(String::as_str));
    elbow.aws(&args).expect("modify-target-group-attributes");
}

/// A listener of `protocol` on `port` forwarding to `tg`; returns its ARN.
fn listener(elbow: &Elbow, lb: &str, protocol: &str, port: u16, tg: &str, extra: &[&str]) -> String {
    let (port, action) = (port.to_string(), format!("Type=forward,TargetGroupArn={tg}"));
    let mut args = vec!["elbv2", "create-listener", "--load-balancer-arn", lb, "--protocol", protocol, "--port", &port, "--default-actions", &action];
    args.extend(extra);
    s(&elbow.aws(&args).expect("create-listener"), &["Listeners", "0", "ListenerArn"])
}

/// Connects to the listener (retrying while it is being bound) from `source` if given.
async fn connect(port: u16, source: Option<&str>) -> TcpStream {
    eventually(Duration::from_secs(10), "the listener accepts connections", || async {
        let sock = TcpSocket::new_v4().ok()?;
        if let Some(ip) = source {
            sock.bind(format!("{ip}:0").parse().ok()?).ok()?;
        }
        sock.connect(([127, 0, 0, 1], port).into()).await.ok()
    })
    .await
}

/// Sends `line` and reads one line back.
async fn ask<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, line: &str) -> Option<String> {
    s.write_all(format!("{line}\n").as_bytes()).await.ok()?;
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut byte)).await {
            Ok(Ok(1)) if byte[0] == b'\n' => return String::from_utf8(out).ok(),
            Ok(Ok(1)) => out.push(byte[0]),
            _ => return None,
        }
    }
}

/// One new connection's answer to `whoami` (retried until a target answers).
async fn whoami(port: u16, source: Option<&str>) -> String {
    eventually(Duration::from_secs(15), "a target answers whoami through the listener", || async {
        let mut c = connect(port, source).await;
        ask(&mut c, "whoami").await
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn tcp_listener_spreads_connections_and_relays_half_close() {
    let elbow = Elbow::start();
    let a = echo("127.0.0.2", "a", 0, Some(0), None, &[]);
    let b = echo("127.0.0.3", "b", 0, Some(0), None, &[]);
    let lb = nlb(&elbow, "tcp-nlb");
    // TCP groups are checked with TCP on the traffic port by default.
    let tg = target_group(&elbow, "tcp-tg", "TCP", &[]);
    let hc = elbow.aws(&["elbv2", "describe-target-groups", "--target-group-arns", &tg]).unwrap();
    assert_eq!(s(&hc, &["TargetGroups", "0", "HealthCheckProtocol"]), "TCP");
    register(&elbow, &tg, &[a.tcp.unwrap(), b.tcp.unwrap()]);
    let port = testkit::free_port("127.0.0.1");
    listener(&elbow, &lb, "TCP", port, &tg, &[]);
    wait_all_healthy(&elbow, &tg, 2).await;

    let (mut na, mut nb) = (0, 0);
    for _ in 0..20 {
        match whoami(port, None).await.as_str() {
            "a" => na += 1,
            "b" => nb += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(na + nb, 20);
    assert!(na > 0 && nb > 0, "connections spread over both targets (a={na}, b={nb})");

    // Half-close: the client's end of stream reaches the target, whose answer after it still
    // comes back.
    let mut c = connect(port, None).await;
    c.write_all(b"hello\npartial").await.unwrap();
    c.shutdown().await.unwrap();
    let mut all = String::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_string(&mut all)).await.expect("the relay ends").unwrap();
    assert_eq!(all, "hello\npartialbye 13\n");

    // A large transfer both ways.
    let mut c = connect(port, None).await;
    let payload: Vec<u8> = (0..1_000_000u32).map(|i| b'a' + (i % 26) as u8).chain(std::iter::once(b'\n')).collect();
    let (mut r, mut w) = c.split();
    let send = async {
        w.write_all(&payload).await.unwrap();
        w.shutdown().await.unwrap();
    };
    let mut back = Vec::new();
    let recv = r.read_to_end(&mut back);
    let (_, n) = tokio::join!(send, recv);
    n.unwrap();
    let mut want = payload.clone();
    want.extend_from_slice(b"bye 1000001\n");
    assert!(back == want, "1 MB echoed intact ({} bytes back)", back.len());
}

/// A self-signed server certificate for `cn` made with the openssl command line.
fn self_signed(dir: &Path, cn: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "nlb.key", "-out", "nlb.crt", "-days", "30", "-subj", &format!("/CN={cn}"), "-addext", &format!("subjectAltName=DNS:{cn}")])
        // Not a CA: the client trusts this very certificate as its anchor (webpki refuses a CA
        // certificate as a server's).
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .output()
        .expect("openssl is installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (dir.join("nlb.crt"), dir.join("nlb.key"))
}

/// A rustls client that trusts only `ca` and offers `alpn`.
fn tls_client(ca: &Path, alpn: &[&[u8]]) -> tokio_rustls::TlsConnector {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_listener_terminates_tls_and_tls_groups_get_tls() {
    let elbow = Elbow::start();
    let dir = tempfile::tempdir().unwrap();
    let (crt, key) = self_signed(dir.path(), "nlb.example.test");
    let cert = elbow
        .aws(&["acm", "import-certificate", "--certificate", &format!("fileb://{}", crt.display()), "--private-key", &format!("fileb://{}", key.display())])
        .expect("import-certificate");
    let cert_arn = s(&cert, &["CertificateArn"]);
    let a = echo("127.0.0.2", "a", 0, Some(0), None, &[]);
    let lb = nlb(&elbow, "tls-nlb");
    let tg = target_group(&elbow, "plain-tg", "TCP", &[]);
    register(&elbow, &tg, &[a.tcp.unwrap()]);
    let port = testkit::free_port("127.0.0.1");
    let cert_spec = format!("CertificateArn={cert_arn}");
    listener(&elbow, &lb, "TLS", port, &tg, &["--certificates", &cert_spec, "--alpn-policy", "HTTP2Preferred"]);
    wait_all_healthy(&elbow, &tg, 1).await;

    // The client verifies the imported certificate; the target sees plaintext.
    let connector = tls_client(&crt, &[b"http/1.1", b"h2"]);
    let mut c = eventually(Duration::from_secs(10), "a TLS handshake with the listener", || async {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        connector.connect(rustls::pki_types::ServerName::try_from("nlb.example.test").unwrap(), tcp).await.ok()
    })
    .await;
    assert_eq!(c.get_ref().1.alpn_protocol(), Some(&b"h2"[..]), "HTTP2Preferred picks h2 when the client offers it");
    assert_eq!(ask(&mut c, "whoami").await.as_deref(), Some("a"));
    c.write_all(b"tail").await.unwrap();
    c.shutdown().await.unwrap();
    let mut rest = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), c.read_to_string(&mut rest)).await.expect("the relay ends");
    assert_eq!(rest, "tailbye 11\n", "half-close through TLS termination");

    // HTTP1Only: a client offering both protocols gets http/1.1.
    elbow.aws(&["elbv2", "modify-listener", "--listener-arn", &s(&elbow.aws(&["elbv2", "describe-listeners", "--load-balancer-arn", &lb]).unwrap(), &["Listeners", "0", "ListenerArn"]), "--alpn-policy", "HTTP1Only"]).expect("modify-listener");
    eventually(Duration::from_secs(10), "the new ALPN policy is served", || async {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        let c = connector.connect(rustls::pki_types::ServerName::try_from("nlb.example.test").unwrap(), tcp).await.ok()?;
        (c.get_ref().1.alpn_protocol() == Some(&b"http/1.1"[..])).then_some(())
    })
    .await;

    // A TLS target group: elbow speaks TLS to the target (the backend's HTTPS listener, with a
    // self-signed certificate nobody verifies), the client speaks plain TCP to a TCP listener.
    let https = echo("127.0.0.3", "secure", 0, None, None, &["--tls"]);
    let tls_tg = target_group(&elbow, "tls-tg", "TLS", &[]);
    register(&elbow, &tls_tg, &[https.http]);
    let port2 = testkit::free_port("127.0.0.1");
    listener(&elbow, &lb, "TCP", port2, &tls_tg, &[]);
    wait_all_healthy(&elbow, &tls_tg, 1).await;
    let body = eventually(Duration::from_secs(10), "an HTTP answer through TLS to the target", || async {
        let mut c = TcpStream::connect(("127.0.0.1", port2)).await.ok()?;
        c.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await.ok()?;
        let mut out = String::new();
        tokio::time::timeout(Duration::from_secs(10), c.read_to_string(&mut out)).await.ok()?.ok()?;
        (!out.is_empty()).then_some(out)
    })
    .await;
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.ends_with("secure\n"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_protocol_v2_shows_the_target_the_real_client() {
    let elbow = Elbow::start();
    let a = echo("127.0.0.2", "a", 0, Some(0), None, &["--proxy-protocol"]);
    let lb = nlb(&elbow, "pp-nlb");
    let tg = target_group(&elbow, "pp-tg", "TCP", &[]);
    set_tg_attributes(&elbow, &tg, &[("proxy_protocol_v2.enabled", "true")]);
    let attrs = elbow.aws(&["elbv2", "describe-target-group-attributes", "--target-group-arn", &tg]).unwrap();
    assert!(attrs["Attributes"].as_array().unwrap().iter().any(|a| a["Key"] == "proxy_protocol_v2.enabled" && a["Value"] == "true"));
    register(&elbow, &tg, &[a.tcp.unwrap()]);
    let port = testkit::free_port("127.0.0.1");
    listener(&elbow, &lb, "TCP", port, &tg, &[]);
    wait_all_healthy(&elbow, &tg, 1).await;
    let (answer, client) = eventually(Duration::from_secs(15), "whoami through PROXY protocol", || async {
        let mut c = connect(port, Some("127.0.0.9")).await;
        let local = c.local_addr().ok()?;
        Some((ask(&mut c, "whoami").await?, local))
    })
    .await;
    assert_eq!(answer, format!("a {client}"), "the target parsed the PROXY v2 header naming the client, not elbow");
}

/// Sends `msg` from `sock` to `port` and waits for one answer.
async fn udp_ask(sock: &UdpSocket, port: u16, msg: &str) -> Option<String> {
    sock.send_to(msg.as_bytes(), ("127.0.0.1", port)).await.ok()?;
    let mut buf = [0u8; 2048];
    let (n, from) = tokio::time::timeout(Duration::from_secs(2), sock.recv_from(&mut buf)).await.ok()?.ok()?;
    assert_eq!(from, SocketAddr::from(([127, 0, 0, 1], port)), "replies come from the listener's address");
    String::from_utf8(buf[..n].to_vec()).ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn udp_and_tcp_udp_listeners_round_trip() {
    let elbow = Elbow::start();
    let p = common_port(&["127.0.0.2"]);
    // One backend with TCP and UDP echoes on the same port (a TCP_UDP target); UDP groups are
    // health checked over TCP on the traffic port.
    let a = echo("127.0.0.2", "a", 0, Some(p), Some(p), &[]);
    let lb = nlb(&elbow, "udp-nlb");
    let tg = target_group(&elbow, "udp-tg", "UDP", &["--health-check-protocol", "TCP"]);
    register(&elbow, &tg, &[a.udp.unwrap()]);
    let port = free_udp_port();
    listener(&elbow, &lb, "UDP", port, &tg, &[]);
    wait_all_healthy(&elbow, &tg, 1).await;
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let first = eventually(Duration::from_secs(10), "a UDP answer", || udp_ask(&client, port, "ping")).await;
    assert_eq!(first, "a ping");
    // The same flow carries further datagrams both ways.
    for i in 0..20 {
        let m = format!("datagram {i}");
        assert_eq!(eventually(Duration::from_secs(10), "a UDP answer", || udp_ask(&client, port, &m)).await, format!("a {m}"));
    }

    // TCP_UDP: one listener port, both protocols.
    let both_tg = target_group(&elbow, "both-tg", "TCP_UDP", &[]);
    register(&elbow, &both_tg, &[SocketAddr::from(([127, 0, 0, 2], p))]);
    let both = common_port(&["127.0.0.1"]);
    listener(&elbow, &lb, "TCP_UDP", both, &both_tg, &[]);
    wait_all_healthy(&elbow, &both_tg, 1).await;
    assert_eq!(whoami(both, None).await, "a");
    assert_eq!(eventually(Duration::from_secs(10), "a UDP answer on the TCP_UDP port", || udp_ask(&client, both, "hi")).await, "a hi");
}

#[tokio::test(flavor = "multi_thread")]
async fn source_ip_stickiness_and_unhealthy_targets() {
    let elbow = Elbow::start();
    let http = common_port(&["127.0.0.2", "127.0.0.3"]);
    let a = echo("127.0.0.2", "a", http, Some(0), None, &[]);
    let b = echo("127.0.0.3", "b", http, Some(0), None, &[]);
    let lb = nlb(&elbow, "sticky-nlb");
    // HTTP health checks on the backends' HTTP port, so a check can fail while the echo lives.
    let hport = http.to_string();
    let tg = target_group(&elbow, "sticky-tg", "TCP", &["--health-check-protocol", "HTTP", "--health-check-port", &hport, "--health-check-path", "/status"]);
    register(&elbow, &tg, &[a.tcp.unwrap(), b.tcp.unwrap()]);
    let port = testkit::free_port("127.0.0.1");
    listener(&elbow, &lb, "TCP", port, &tg, &[]);
    wait_all_healthy(&elbow, &tg, 2).await;

    // Without stickiness both targets serve one client address.
    let mut names = std::collections::HashSet::new();
    for _ in 0..10 {
        names.insert(whoami(port, Some("127.0.0.7")).await);
    }
    assert_eq!(names.len(), 2, "round robin without stickiness: {names:?}");

    set_tg_attributes(&elbow, &tg, &[("stickiness.enabled", "true"), ("stickiness.type", "source_ip")]);
    // Once the change is applied, every connection of one source IP reaches one target.
    for ip in ["127.0.0.7", "127.0.0.8", "127.0.0.9"] {
        eventually(Duration::from_secs(10), "source_ip stickiness", || async {
            let mut seen = std::collections::HashSet::new();
            for _ in 0..8 {
                seen.insert(whoami(port, Some(ip)).await);
            }
            (seen.len() == 1).then_some(())
        })
        .await;
    }

    // b fails its health checks: no new connection goes to it, and the one it had is closed
    // (target_health_state.unhealthy.connection_termination.enabled, true by default).
    set_tg_attributes(&elbow, &tg, &[("stickiness.enabled", "false")]);
    let mut to_b = connection_to(port, "b").await;
    set_health(&b, 500);
    wait_state(&elbow, &tg, "127.0.0.3", "unhealthy").await;
    for _ in 0..10 {
        assert_eq!(whoami(port, None).await, "a", "an unhealthy target gets no new connections");
    }
    assert!(closed(&mut to_b).await, "the unhealthy target's connection is closed");

    // With the attribute off, a connection survives its target turning unhealthy.
    set_health(&b, 200);
    wait_state(&elbow, &tg, "127.0.0.3", "healthy").await;
    set_tg_attributes(&elbow, &tg, &[("target_health_state.unhealthy.connection_termination.enabled", "false")]);
    let mut to_b = connection_to(port, "b").await;
    set_health(&b, 500);
    wait_state(&elbow, &tg, "127.0.0.3", "unhealthy").await;
    // Past the proxy's one-second look at unhealthy targets.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(ask(&mut to_b, "whoami").await.as_deref(), Some("b"), "the connection outlives its target's health");
}

/// A new connection through the listener that reached the target named `name`.
async fn connection_to(port: u16, name: &str) -> TcpStream {
    eventually(Duration::from_secs(15), &format!("a connection to {name}"), || async {
        let mut c = connect(port, None).await;
        (ask(&mut c, "whoami").await.as_deref() == Some(name)).then_some(c)
    })
    .await
}

/// Makes `echo`'s health endpoint answer `code`.
fn set_health(echo: &Echo, code: u16) {
    testkit::curl(&["-s", "-X", "POST", &format!("http://{}/control/health?code={code}", echo.http)]);
}

async fn wait_state(elbow: &Elbow, tg: &str, id: &str, state: &str) {
    eventually(Duration::from_secs(30), &format!("{id} {state}"), || async {
        let st = testkit::target_states(elbow, tg).await;
        st.iter().any(|(i, s, _)| i == id && s == state).then_some(())
    })
    .await;
}

/// Reads until end of stream or error; true if the connection was closed by the other side.
async fn closed(c: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    matches!(tokio::time::timeout(Duration::from_secs(60), c.read(&mut buf)).await, Ok(Ok(0) | Err(_)))
}

#[tokio::test(flavor = "multi_thread")]
async fn deregistration_closes_connections_only_with_connection_termination() {
    let elbow = Elbow::start();
    let a = echo("127.0.0.2", "a", 0, Some(0), None, &[]);
    let b = echo("127.0.0.3", "b", 0, Some(0), None, &[]);
    let lb = nlb(&elbow, "drain-nlb");
    let cut_tg = target_group(&elbow, "cut-tg", "TCP", &[]);
    // A delay long enough for the checks made while draining to come before its end, even on a
    // loaded machine (each aws CLI call takes a second or more).
    set_tg_attributes(&elbow, &cut_tg, &[("deregistration_delay.timeout_seconds", "10"), ("deregistration_delay.connection_termination.enabled", "true")]);
    let keep_tg = target_group(&elbow, "keep-tg", "TCP", &[]);
    set_tg_attributes(&elbow, &keep_tg, &[("deregistration_delay.timeout_seconds", "10")]);
    register(&elbow, &cut_tg, &[a.tcp.unwrap()]);
    register(&elbow, &keep_tg, &[b.tcp.unwrap()]);
    let (cut_port, keep_port) = (testkit::free_port("127.0.0.1"), testkit::free_port("127.0.0.1"));
    listener(&elbow, &lb, "TCP", cut_port, &cut_tg, &[]);
    listener(&elbow, &lb, "TCP", keep_port, &keep_tg, &[]);
    wait_all_healthy(&elbow, &cut_tg, 1).await;
    wait_all_healthy(&elbow, &keep_tg, 1).await;

    let mut to_a = connect(cut_port, None).await;
    assert_eq!(ask(&mut to_a, "whoami").await.as_deref(), Some("a"));
    let mut to_b = connect(keep_port, None).await;
    assert_eq!(ask(&mut to_b, "whoami").await.as_deref(), Some("b"));

    for (tg, t) in [(&cut_tg, a.tcp.unwrap()), (&keep_tg, b.tcp.unwrap())] {
        let spec = format!("Id={},Port={}", t.ip(), t.port());
        elbow.aws(&["elbv2", "deregister-targets", "--target-group-arn", tg, "--targets", &spec]).expect("deregister-targets");
    }
    // While draining, open connections keep flowing.
    assert_eq!(ask(&mut to_a, "still there").await.as_deref(), Some("still there"));
    assert_eq!(ask(&mut to_b, "still there").await.as_deref(), Some("still there"));
    // A new connection finds no target.
    let mut fresh = connect(cut_port, None).await;
    assert!(closed(&mut fresh).await, "no registered target: the new connection is closed");

    // The delay ends: the connection to the group with connection termination is closed...
    assert!(closed(&mut to_a).await, "connection termination closes the connection when the delay ends");
    // ...the other survives the end of its delay.
    for tg in [&cut_tg, &keep_tg] {
        eventually(Duration::from_secs(30), "the target is drained", || async { testkit::target_states(&elbow, tg).await.is_empty().then_some(()) }).await;
    }
    assert_eq!(ask(&mut to_b, "after the delay").await.as_deref(), Some("after the delay"), "without connection termination the connection lives on");
    to_b.shutdown().await.unwrap();
    let mut rest = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), to_b.read_to_string(&mut rest)).await;
    assert!(rest.starts_with("bye "), "{rest:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listener_port_in_use_is_refused_and_nothing_is_stored() {
    let elbow = Elbow::start();
    let lb = nlb(&elbow, "clash-nlb");
    let tg = target_group(&elbow, "clash-tg", "TCP", &[]);
    let udp_tg = target_group(&elbow, "clash-udp-tg", "UDP", &["--health-check-protocol", "TCP"]);
    let count = || elbow.aws(&["elbv2", "describe-listeners", "--load-balancer-arn", &lb]).unwrap()["Listeners"].as_array().unwrap().len();

    // TCP held by another program.
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let (port_s, action) = (port.to_string(), format!("Type=forward,TargetGroupArn={tg}"));
    let e = elbow.aws(&["elbv2", "create-listener", "--load-balancer-arn", &lb, "--protocol", "TCP", "--port", &port_s, "--default-actions", &action]).unwrap_err();
    assert_eq!(e.code, "InvalidConfigurationRequest", "{e:?}");
    assert!(e.message.contains(&port_s), "{}", e.message);
    assert_eq!(count(), 0);

    // UDP held by another program: a UDP listener is refused, and so is TCP_UDP.
    let held_udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let uport = held_udp.local_addr().unwrap().port().to_string();
    let udp_action = format!("Type=forward,TargetGroupArn={udp_tg}");
    let e = elbow.aws(&["elbv2", "create-listener", "--load-balancer-arn", &lb, "--protocol", "UDP", "--port", &uport, "--default-actions", &udp_action]).unwrap_err();
    assert_eq!(e.code, "InvalidConfigurationRequest", "{e:?}");
    assert_eq!(count(), 0);
    let both_tg = target_group(&elbow, "clash-both-tg", "TCP_UDP", &[]);
    let both_action = format!("Type=forward,TargetGroupArn={both_tg}");
    let e = elbow.aws(&["elbv2", "create-listener", "--load-balancer-arn", &lb, "--protocol", "TCP_UDP", "--port", &uport, "--default-actions", &both_action]).unwrap_err();
    assert_eq!(e.code, "InvalidConfigurationRequest", "TCP_UDP needs the UDP port too: {e:?}");
    assert_eq!(count(), 0, "nothing stored");
    drop(held_udp);
    // Once the port is free, the same call succeeds and the port serves UDP.
    listener(&elbow, &lb, "UDP", uport.parse().unwrap(), &udp_tg, &[]);
    assert_eq!(count(), 1);
    drop(held);
}
