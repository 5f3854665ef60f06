//! The node's lifecycle and settings: environment variables and a config file, graceful
//! shutdown on SIGTERM that finishes in-flight requests and exits 0.

use std::time::{Duration, Instant};

use testkit::{Backend, Elbow, ElbowOptions, HttpClient, curl, free_port, simple_alb, wait_all_healthy};

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_in_flight_requests_and_exits_zero() {
    let mut elbow = Elbow::start();
    let a = Backend::start("127.0.0.2", 0, "a");
    let alb = simple_alb(&elbow, "term", &[a.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 1).await;
    let url = alb.url("/sleep?ms=1500");
    let slow = tokio::spawn(async move { HttpClient::new().get(&url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let status = tokio::task::spawn_blocking(move || {
        let s = elbow.sigterm(Duration::from_secs(15));
        (s, elbow)
    })
    .await
    .unwrap();
    let r = slow.await.unwrap().expect("the in-flight request completes");
    assert_eq!((r.status, r.body.trim()), (200, "a"));
    assert!(status.0.expect("exited within the grace period").success(), "exit status 0");
    assert!(started.elapsed() >= Duration::from_millis(1000), "it waited for the request");
    assert!(HttpClient::new().get(&alb.url("/")).await.is_err(), "no longer accepting");
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_come_from_environment_and_config_file() {
    let dir = tempfile_dir();
    let api_port = free_port("127.0.0.1");
    let cfg = dir.join("elbow.toml");
    std::fs::write(&cfg, "region = \"eu-central-1\"\ndns_suffix = \"lb.test\"\naccount_id = \"111122223333\"\n").unwrap();
    let elbow = Elbow::start_with(ElbowOptions {
        env: vec![("ELBOW_CONFIG".into(), cfg.display().to_string()), ("ELBOW_API_ADDR".into(), format!("127.0.0.1:{api_port}"))],
        ..Default::default()
    });
    assert_eq!(elbow.api_port, api_port, "ELBOW_API_ADDR sets the API address");
    // A request without a SigV4 scope lands in the configured default region.
    let body = curl(&["-X", "POST", "-d", "Action=DescribeAccountLimits&Version=2015-12-01", &elbow.endpoint]);
    assert!(body.contains("<DescribeAccountLimitsResponse"), "{body}");
    let out = curl(&["-X", "POST", "-d", "Action=CreateTargetGroup&Version=2015-12-01&Name=t&TargetType=lambda", &elbow.endpoint]);
    assert!(out.contains("arn:aws:elasticloadbalancing:eu-central-1:111122223333:targetgroup/t/"), "{out}");
}

#[test]
fn a_bad_config_file_is_a_clear_error() {
    let dir = tempfile_dir();
    let cfg = dir.join("elbow.toml");
    std::fs::write(&cfg, "api_adr = \"127.0.0.1:1\"\n").unwrap();
    let out = std::process::Command::new(testkit::bin("elbow")).args(["serve", "--config"]).arg(&cfg).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid config file") && err.contains("api_adr"), "{err}");
}

#[test]
fn an_api_port_in_use_is_a_clear_error() {
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = squatter.local_addr().unwrap();
    let dir = tempfile_dir();
    let out = std::process::Command::new(testkit::bin("elbow")).args(["serve", "--api-addr", &addr.to_string(), "--data-dir"]).arg(&dir).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on --api-addr {addr}")), "{err}");
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("elbow-test-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

#[test]
fn logs_can_be_json_lines() {
    let dir = tempfile_dir();
    let mut child = std::process::Command::new(testkit::bin("elbow"))
        .args(["serve", "--api-addr", "127.0.0.1:0", "--log-format", "json", "--data-dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    // Every line up to "elbow ready" (other tasks may log first) is one JSON object.
    let lines = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = Vec::new();
        for l in std::io::BufReader::new(stderr).lines().take(20).map_while(Result::ok) {
            let ready = l.contains("elbow ready");
            seen.push(l);
            if ready {
                break;
            }
        }
        seen
    });
    let lines = lines.join().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let parsed: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    let ready = parsed.iter().find(|v| v["fields"]["message"] == "elbow ready").unwrap_or_else(|| panic!("no 'elbow ready' line: {lines:?}"));
    assert_eq!(ready["level"], "INFO");
}
