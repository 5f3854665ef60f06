//! Request hygiene through a real elbow: the guardian's published test cases sent over real
//! sockets in each `routing.http.desync_mitigation_mode`, the Ambiguous tier's close after the
//! response, a slowloris client cut off by the request-head timeout while others are served,
//! ALB's header-size limits, and the `X-Forwarded-For` limit.

use std::time::{Duration, Instant};

use proxy::h1::desync::{self, Action, Mode, corpus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use testkit::{Backend, Elbow, HttpClient, simple_alb, wait_all_healthy};

/// Requests the backend has seen on its main listener, counting this `/stats` call: two calls
/// with nothing between differ by one.
async fn seen(b: &Backend) -> u64 {
    let r = HttpClient::new().get(&format!("http://{}/stats", b.addr)).await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v["requests"].as_u64().unwrap()
}

/// Sends `raw`, half-closes, and reads everything elbow answers (5 s at most).
async fn exchange(port: u16, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(raw).await.unwrap();
    let _ = s.shutdown().await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await.expect("elbow answers or closes within 5 s");
    String::from_utf8_lossy(&out).into_owned()
}

/// The head plus the body its framing (as elbow reads it) announces, so a forwarded request is
/// complete and the target has counted it before elbow answers.
fn with_body(mut raw: Vec<u8>) -> Vec<u8> {
    use proxy::h1::head::{Framing, parse_request};
    match parse_request(&raw).ok().flatten().map(|h| h.framing) {
        Some(Framing::Length(n)) if n <= 1 << 20 => raw.extend(std::iter::repeat_n(b'x', n as usize)),
        Some(Framing::Chunked) => raw.extend_from_slice(b"0\r\n\r\n"),
        _ => {}
    }
    raw
}

fn status(answer: &str) -> Option<u16> {
    answer.strip_prefix("HTTP/1.1 ").and_then(|r| r.get(..3)).and_then(|c| c.parse().ok())
}

/// An ALB whose target is a backend with its own health-check listener, so the backend's
/// request count is client traffic only.
async fn hygiene_alb(elbow: &Elbow, name: &str) -> (Backend, testkit::Alb) {
    let a = Backend::start_full("127.0.0.2", 0, "a", Some(0));
    let alb = simple_alb(elbow, name, &[a.addr]).await;
    let hp = a.health_addr.unwrap().port().to_string();
    elbow.aws(&["elbv2", "modify-target-group", "--target-group-arn", &alb.tg_arn, "--health-check-port", &hp]).unwrap();
    wait_all_healthy(elbow, &alb.tg_arn, 1).await;
    (a, alb)
}

fn set_lb_attribute(elbow: &Elbow, alb: &testkit::Alb, key: &str, value: &str) {
    elbow.aws(&["elbv2", "modify-load-balancer-attributes", "--load-balancer-arn", &alb.lb_arn, "--attributes", &format!("Key={key},Value={value}")]).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_guardians_published_cases_are_handled_as_each_mode_says() {
    let elbow = Elbow::start();
    let (a, alb) = hygiene_alb(&elbow, "desync").await;
    let cases = corpus::corpus();
    assert_eq!(cases.len(), 159);
    let mut forwarded_per_mode = Vec::new();
    for mode in [Mode::Monitor, Mode::Defensive, Mode::Strictest] {
        set_lb_attribute(&elbow, &alb, "routing.http.desync_mitigation_mode", mode.as_str());
        // The listener picks the new mode up within a moment; a compliant request shows nothing.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut forwarded = std::collections::BTreeSet::new();
        for (i, case) in cases.iter().enumerate() {
            let raw = with_body(case.raw(true));
            let verdict = desync::classify(&raw);
            let before = seen(&a).await;
            let answer = exchange(alb.port, &raw).await;
            let reached = seen(&a).await > before + 1;
            let what = format!("{mode:?} {}: {:?} ({:?} {}): {:?}", case.file, case.name, verdict.tier, verdict.reason, answer.lines().next());
            if desync::action(mode, verdict.tier) == Action::Reject {
                assert!(!reached, "{what}: refused requests never reach a target");
                // ALB answers 501 for a transfer coding it does not implement, before any mode.
                let unsupported = matches!(proxy::h1::head::parse_request(&raw), Err(proxy::h1::head::HeadError::UnsupportedTransferEncoding));
                assert_eq!(status(&answer), Some(if unsupported { 501 } else { 400 }), "{what}: refused");
            }
            if reached {
                forwarded.insert(i);
            }
        }
        forwarded_per_mode.push(forwarded);
        // The listener still serves ordinary traffic.
        let r = HttpClient::new().get(&alb.url("/")).await.unwrap();
        assert_eq!((r.status, r.body.trim()), (200, "a"), "{mode:?}");
    }
    let [monitor, defensive, strictest] = &forwarded_per_mode[..] else { unreachable!() };
    eprintln!("forwarded: monitor {}, defensive {}, strictest {}", monitor.len(), defensive.len(), strictest.len());
    assert!(strictest.is_subset(defensive) && defensive.is_subset(monitor), "each stricter mode forwards a subset");
    assert!(strictest.len() < defensive.len() && defensive.len() < monitor.len(), "and each forwards fewer");
    // Every Compliant case elbow can parse is forwarded even in strictest mode.
    for (i, case) in cases.iter().enumerate() {
        let raw = case.raw(true);
        if desync::classify(&raw).tier == desync::Tier::Compliant && matches!(proxy::h1::head::parse_request(&raw), Ok(Some(_))) {
            assert!(strictest.contains(&i), "compliant {}: {:?} is forwarded in strictest mode", case.file, case.name);
        }
    }
}

/// Sends `raw` and reads until elbow closes (5 s at most), without half-closing first.
async fn send_and_read_to_close(port: u16, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await.expect("elbow closes the connection").unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_request_is_forwarded_then_its_connection_closed_in_defensive_mode() {
    let elbow = Elbow::start();
    let (a, alb) = hygiene_alb(&elbow, "ambig").await;
    // Both Transfer-Encoding and Content-Length (Ambiguous, BothTeClPresent), with a second
    // request pipelined behind it: a smuggling attempt if a target read the body by length.
    let raw = b"POST / HTTP/1.1\r\nHost: a.example.com\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a.example.com\r\n\r\n";
    let before = seen(&a).await;
    let answer = send_and_read_to_close(alb.port, raw).await;
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "one response, then close: {answer}");
    assert_eq!(status(&answer), Some(200));
    assert!(answer.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{answer}");
    assert_eq!(seen(&a).await, before + 2, "the target saw the POST only, not the pipelined request");

    set_lb_attribute(&elbow, &alb, "routing.http.desync_mitigation_mode", "strictest");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let answer = send_and_read_to_close(alb.port, raw).await;
    assert_eq!(status(&answer), Some(400), "strictest refuses Ambiguous requests: {answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn slowloris_clients_are_cut_off_by_the_header_timeout_while_others_are_served() {
    let elbow = Elbow::start();
    let (_a, alb) = hygiene_alb(&elbow, "slowloris").await;
    set_lb_attribute(&elbow, &alb, "elbow.routing.http.request_header_timeout_seconds", "2");
    tokio::time::sleep(Duration::from_millis(300)).await;
    // 50 clients trickle a header byte every 200 ms, which never trips the 60 s idle timeout.
    let port = alb.port;
    let mut trickles = Vec::new();
    for _ in 0..50 {
        trickles.push(tokio::spawn(async move {
            let started = Instant::now();
            let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let head = b"GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Slow: ";
            s.write_all(head).await.unwrap();
            let mut answer = Vec::new();
            // Trickle for up to 10 s; elbow must cut the connection off long before.
            for _ in 0..50 {
                if s.write_all(b"a").await.is_err() {
                    break;
                }
                let mut b = [0u8; 256];
                match tokio::time::timeout(Duration::from_millis(200), s.read(&mut b)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    Ok(Ok(n)) => answer.extend_from_slice(&b[..n]),
                    Err(_) => {}
                }
            }
            (started.elapsed(), String::from_utf8_lossy(&answer).into_owned())
        }));
    }
    // Meanwhile ordinary clients are served without a single error.
    let http = HttpClient::new();
    for _ in 0..100 {
        let r = http.get(&alb.url("/")).await.expect("an ordinary request");
        assert_eq!((r.status, r.body.trim()), (200, "a"));
    }
    for t in trickles {
        let (took, answer) = t.await.unwrap();
        assert!(took >= Duration::from_millis(1500) && took < Duration::from_secs(6), "cut off after {took:?}, near the 2 s header timeout");
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "answered 408 or closed: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn albs_header_limits_answer_400_and_too_many_forwarded_addresses_463() {
    let elbow = Elbow::start();
    let (a, alb) = hygiene_alb(&elbow, "limits").await;
    let long = |n: usize| "a".repeat(n);
    let cases: Vec<(String, Vec<u8>, u16)> = vec![
        ("request line of 17 KiB".into(), format!("GET /{} HTTP/1.1\r\nHost: a.example.com\r\n\r\n", long(17 * 1024)).into_bytes(), 400),
        ("request line of 15 KiB".into(), format!("GET /{} HTTP/1.1\r\nHost: a.example.com\r\n\r\n", long(15 * 1024)).into_bytes(), 200),
        ("one header of 17 KiB".into(), format!("GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Big: {}\r\n\r\n", long(17 * 1024)).into_bytes(), 400),
        ("one header of 15 KiB".into(), format!("GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Big: {}\r\n\r\n", long(15 * 1024)).into_bytes(), 200),
        (
            "a 70 KiB head of 14 KiB headers".into(),
            format!("GET / HTTP/1.1\r\nHost: a.example.com\r\n{}\r\n", (0..5).map(|i| format!("X-H{i}: {}\r\n", long(14 * 1024))).collect::<String>()).into_bytes(),
            400,
        ),
        (
            "30 X-Forwarded-For addresses".into(),
            format!("GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Forwarded-For: {}\r\n\r\n", (0..30).map(|i| format!("10.0.0.{i}")).collect::<Vec<_>>().join(", ")).into_bytes(),
            463,
        ),
        (
            "29 X-Forwarded-For addresses".into(),
            format!("GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Forwarded-For: {}\r\n\r\n", (0..29).map(|i| format!("10.0.0.{i}")).collect::<Vec<_>>().join(", ")).into_bytes(),
            200,
        ),
    ];
    for (what, raw, want) in cases {
        let before = seen(&a).await;
        let answer = exchange(alb.port, &raw).await;
        assert_eq!(status(&answer), Some(want), "{what}: {:?}", answer.lines().next());
        assert_eq!(seen(&a).await > before + 1, want == 200, "{what}: only accepted requests reach the target");
    }
}
