//! # testkit — real parts for end-to-end tests
//!
//! Starts a real `elbow serve` process on free ports with a temporary data directory, real
//! HTTP backends (`elbow-test-backend` processes) on distinct loopback addresses, and drives
//! elbow with clients nobody here wrote: the AWS SDK for Rust, the `aws` CLI (from the
//! project's `.venv`), curl, and hyper's client. Every wait has a deadline.

#![forbid(unsafe_code)]

pub mod autoscaling;

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use aws_sdk_elasticloadbalancingv2 as elbv2;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// A binary built by cargo next to the running test (`target/<profile>/<name>`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(|d| if d.ends_with("deps") { d.parent() } else { Some(d) }).expect("target dir");
    let p = dir.join(name);
    assert!(p.exists(), "{} is not built; run ./scripts/test, or `cargo build --workspace --bins` before the tests", p.display());
    p
}

/// A port that was free on `ip` a moment ago.
pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip.parse::<IpAddr>().expect("ip"), 0)).expect("bind port 0").local_addr().expect("addr").port()
}

/// Polls `f` every 100 ms until it returns `Some`, or panics with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn read_line_with_prefix(child: &mut Child, prefix: &str, timeout: Duration) -> (String, BufReader<std::process::ChildStdout>) {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let wanted = prefix.to_string();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(None);
                    return;
                }
                Ok(_) if line.contains(&wanted) => {
                    let _ = tx.send(Some((line.clone(), r)));
                    return;
                }
                Ok(_) => {}
            }
        }
    });
    match rx.recv_timeout(timeout) {
        Ok(Some(x)) => x,
        _ => panic!("process did not print '{prefix}' within {timeout:?}"),
    }
}

/// Options of an elbow node under test.
#[derive(Debug, Clone, Default)]
pub struct ElbowOptions {
    /// Extra `elbow serve` arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Reuse this data directory (a restart).
    pub data_dir: Option<PathBuf>,
    /// Use this API port (a restart on the same endpoint).
    pub api_port: Option<u16>,
    /// Append elbow's log output (stderr) to this file instead of the test's stderr, e.g. to
    /// check what it logs; kept across [`Elbow::restart`].
    pub log_file: Option<PathBuf>,
}

/// A running `elbow serve`, killed on drop.
pub struct Elbow {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// The API port.
    pub api_port: u16,
    /// Its data directory.
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    _stdout: Option<BufReader<std::process::ChildStdout>>,
    options: ElbowOptions,
    network: std::sync::OnceLock<(String, Vec<String>)>,
}

impl Elbow {
    /// Starts a node with a fresh data directory, listeners on 127.0.0.1.
    pub fn start() -> Elbow {
        Elbow::start_with(ElbowOptions::default())
    }

    /// Starts a node with options.
    pub fn start_with(options: ElbowOptions) -> Elbow {
        let (tmp, data_dir) = match &options.data_dir {
            Some(d) => (None, d.clone()),
            None => {
                let t = tempfile::tempdir().expect("tempdir");
                let p = t.path().to_path_buf();
                (Some(t), p)
            }
        };
        let api_addr = format!("127.0.0.1:{}", options.api_port.unwrap_or(0));
        let mut cmd = Command::new(bin("elbow"));
        cmd.arg("serve");
        // An ELBOW_API_ADDR in the options is the address under test; otherwise any free port.
        if !options.env.iter().any(|(k, _)| k == "ELBOW_API_ADDR") {
            cmd.args(["--api-addr", &api_addr]);
        }
        cmd.args(["--listen-addr", "127.0.0.1", "--data-dir"])
            .arg(&data_dir)
            .args(["--log-level", "info"])
            .args(&options.args)
            .stdout(Stdio::piped())
            .stderr(match &options.log_file {
                Some(p) => Stdio::from(std::fs::OpenOptions::new().create(true).append(true).open(p).expect("open the log file")),
                None => Stdio::inherit(),
            });
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn elbow");
        let (line, rest) = read_line_with_prefix(&mut child, "serving the AWS API at ", Duration::from_secs(20));
        let endpoint = line.split("serving the AWS API at ").nth(1).and_then(|s| s.split_whitespace().next()).expect("endpoint in banner").to_string();
        let api_port = endpoint.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
        Elbow { child: Some(child), endpoint, api_port, data_dir, _tmp: tmp, _stdout: Some(rest), options, network: std::sync::OnceLock::new() }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// SIGKILL, as a crash.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit status.
    pub fn sigterm(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(s)) = c.try_wait() {
                return Some(s);
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts again on the same data directory and API port (after [`Elbow::kill9`]).
    pub fn restart(&mut self) {
        self.kill9();
        let mut o = self.options.clone();
        o.data_dir = Some(self.data_dir.clone());
        o.api_port = Some(self.api_port);
        let mut n = Elbow::start_with(o);
        self.child = n.child.take();
        self._stdout = n._stdout.take();
        self.endpoint = n.endpoint.clone();
    }

    /// An AWS SDK client for ELBv2 against this node, region `us-east-1`.
    pub fn elbv2(&self) -> elbv2::Client {
        self.elbv2_in("us-east-1")
    }

    /// An AWS SDK client for ELBv2 against this node in `region`.
    pub fn elbv2_in(&self, region: &str) -> elbv2::Client {
        let conf = elbv2::Config::builder()
            .endpoint_url(&self.endpoint)
            .region(elbv2::config::Region::new(region.to_string()))
            .credentials_provider(elbv2::config::Credentials::new("test", "test", None, None, "testkit"))
            .http_client(http_client())
            .build();
        elbv2::Client::from_conf(conf)
    }

    /// Runs the real `aws` CLI against this node (JSON output, region us-east-1). Returns the
    /// parsed output, or the AWS error code and message the CLI printed.
    pub fn aws(&self, args: &[&str]) -> Result<serde_json::Value, AwsError> {
        aws_cli(&self.endpoint, args)
    }
}

impl Drop for Elbow {
    fn drop(&mut self) {
        // A handle whose process was handed over (by `restart`) owns nothing.
        if self.child.is_none() {
            return;
        }
        self.kill9();
        // EC2 instances are process groups that outlive elbow by design: end the test's.
        if let Ok(dirs) = std::fs::read_dir(self.data_dir.join("instances")) {
            for d in dirs.flatten() {
                let Ok(pid) = std::fs::read_to_string(d.path().join("init.pid")) else { continue };
                if let Some(pgid) = pid.split_whitespace().next().filter(|p| p.parse::<u32>().is_ok_and(|n| n > 1)) {
                    let _ = Command::new("kill").args(["-9", "--", &format!("-{pgid}")]).stderr(Stdio::null()).status();
                }
            }
        }
    }
}

/// The plain-HTTP client the SDK uses in tests (no TLS: elbow's endpoint is `http://`).
pub fn http_client() -> impl elbv2::config::HttpClient {
    aws_smithy_http_client::Builder::new().build_http()
}

/// An error as the `aws` CLI reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The AWS error code, e.g. `TargetGroupNotFound` (empty if the CLI failed otherwise).
    pub code: String,
    /// The message, or the CLI's whole stderr.
    pub message: String,
}

/// The `aws` CLI of the project's virtualenv (`.venv/bin/aws`), or `$ELBOW_TEST_AWS`.
pub fn aws_cli_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ELBOW_TEST_AWS") {
        return PathBuf::from(p);
    }
    let p = workspace_root().join(".venv/bin/aws");
    assert!(p.exists(), "the aws CLI is not installed in {}; run ./scripts/test, which installs it", p.display());
    p
}

/// Runs the `aws` CLI with `--debug` and returns how many HTTP requests it sent (botocore's
/// "Sending http request" log lines), and whether it succeeded. For waiters: one request
/// means the first poll already saw the awaited state.
pub fn aws_cli_requests(endpoint: &str, args: &[&str]) -> (bool, usize) {
    let out = Command::new(aws_cli_path())
        .args(args)
        .args(["--endpoint-url", endpoint, "--output", "json", "--debug"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_PAGER", "")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .expect("run aws CLI");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).matches("Sending http request").count())
}

/// Runs the `aws` CLI with `--endpoint-url endpoint`.
pub fn aws_cli(endpoint: &str, args: &[&str]) -> Result<serde_json::Value, AwsError> {
    let out = Command::new(aws_cli_path())
        .args(args)
        .args(["--endpoint-url", endpoint, "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_PAGER", "")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_RETRY_MODE", "standard")
        .output()
        .expect("run aws CLI");
    if out.status.success() {
        let s = String::from_utf8_lossy(&out.stdout);
        if s.trim().is_empty() {
            return Ok(serde_json::Value::Null);
        }
        return Ok(serde_json::from_str(&s).unwrap_or_else(|e| panic!("aws {args:?} printed non-JSON ({e}): {s}")));
    }
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    // "An error occurred (Code) when calling the Op operation: message"
    let code = err.split("An error occurred (").nth(1).and_then(|s| s.split(')').next()).unwrap_or("").to_string();
    // "… operation: message", or "… operation (reached max retries: 0): message" (404s).
    let message = err
        .split_once(" operation")
        .and_then(|(_, rest)| rest.strip_prefix(": ").or_else(|| rest.split_once("): ").map(|(_, m)| m)))
        .map(|s| s.trim().to_string())
        .unwrap_or(err.clone());
    Err(AwsError { code, message })
}

/// A running `elbow-test-backend`, killed on drop.
pub struct Backend {
    child: Option<Child>,
    /// Where it serves.
    pub addr: SocketAddr,
    /// Its separate health-check listener, if started with one.
    pub health_addr: Option<SocketAddr>,
    /// The name it answers with.
    pub name: String,
    tls: bool,
    _stdout: Option<BufReader<std::process::ChildStdout>>,
}

impl Backend {
    /// Starts a backend on `ip:port` (port 0 = any) answering with `name`.
    pub fn start(ip: &str, port: u16, name: &str) -> Backend {
        Backend::start_full(ip, port, name, None)
    }

    /// Also serves health checks on `ip:health_port` (0 = any).
    pub fn start_full(ip: &str, port: u16, name: &str, health_port: Option<u16>) -> Backend {
        Backend::spawn(ip, port, name, health_port, false)
    }

    /// Serves HTTPS with a self-signed certificate.
    pub fn start_tls(ip: &str, port: u16, name: &str) -> Backend {
        Backend::spawn(ip, port, name, None, true)
    }

    /// Resets every connection on its traffic port while its health listener on `health_port`
    /// answers: a target that passes checks and fails requests.
    pub fn start_resetting(ip: &str, port: u16, name: &str, health_port: u16) -> Backend {
        Backend::spawn_with(ip, port, name, Some(health_port), false, &["--reset-all"])
    }

    fn spawn(ip: &str, port: u16, name: &str, health_port: Option<u16>, tls: bool) -> Backend {
        Backend::spawn_with(ip, port, name, health_port, tls, &[])
    }

    fn spawn_with(ip: &str, port: u16, name: &str, health_port: Option<u16>, tls: bool, extra: &[&str]) -> Backend {
        let mut cmd = Command::new(bin("elbow-test-backend"));
        cmd.args(["--listen", &format!("{ip}:{port}"), "--name", name]).args(extra).stdout(Stdio::piped()).stderr(Stdio::inherit());
        if tls {
            cmd.arg("--tls");
        }
        if let Some(h) = health_port {
            cmd.args(["--health-listen", &format!("{ip}:{h}")]);
        }
        let mut child = cmd.spawn().expect("spawn backend");
        let (line, mut rest) = read_line_with_prefix(&mut child, "listening ", Duration::from_secs(10));
        let addr: SocketAddr = line.trim().trim_start_matches("listening ").parse().expect("backend addr");
        let health_addr = health_port.map(|_| {
            let mut l = String::new();
            rest.read_line(&mut l).expect("health line");
            l.trim().trim_start_matches("health ").parse().expect("health addr")
        });
        Backend { child: Some(child), addr, health_addr, name: name.to_string(), tls, _stdout: Some(rest) }
    }

    /// Starts two backends on distinct loopback addresses on the same port, like two instances
    /// serving the same port: `127.0.0.2:P` ("a") and `127.0.0.3:P` ("b").
    pub fn pair() -> (Backend, Backend) {
        for _ in 0..20 {
            let a = Backend::start("127.0.0.2", 0, "a");
            if TcpListener::bind(("127.0.0.3", a.addr.port())).is_ok() {
                let b = Backend::start("127.0.0.3", a.addr.port(), "b");
                return (a, b);
            }
        }
        panic!("no common free port on 127.0.0.2 and 127.0.0.3");
    }

    /// SIGKILL.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGSTOP (a hung process) or SIGCONT.
    pub fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill").args([sig, &c.id().to_string()]).status();
        }
    }

    /// Starts again on the same address.
    pub fn restart(&mut self) {
        self.kill9();
        let n = Backend::spawn(&self.addr.ip().to_string(), self.addr.port(), &self.name.clone(), self.health_addr.map(|a| a.port()), self.tls);
        *self = n;
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The project's virtualenv Python (`.venv/bin/python`), where `./scripts/test` installs the
/// real third-party clients and servers (grpcio, python-socketio) from `tests/requirements.txt`.
pub fn venv_python() -> PathBuf {
    let p = workspace_root().join(".venv/bin/python");
    assert!(p.exists(), "{} is missing; ./scripts/test installs the venv", p.display());
    p
}

/// A server from `tests/python/<script>` run as `script serve IP PORT NAME`, killed on drop.
pub struct PythonServer {
    child: Child,
    /// Where it serves.
    pub addr: SocketAddr,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl PythonServer {
    /// Starts it on `ip` and a free port and waits (10 s at most) for its `ready` line.
    pub fn start(script: &str, ip: &str, name: &str) -> PythonServer {
        let port = free_port(ip);
        PythonServer::start_on(script, SocketAddr::new(ip.parse().expect("ip"), port), name)
    }

    /// Starts it on `addr`.
    pub fn start_on(script: &str, addr: SocketAddr, name: &str) -> PythonServer {
        let mut child = Command::new(venv_python())
            .arg(workspace_root().join("tests/python").join(script))
            .args(["serve", &addr.ip().to_string(), &addr.port().to_string(), name])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn python server");
        let (_, rest) = read_line_with_prefix(&mut child, "ready", Duration::from_secs(20));
        PythonServer { child, addr, _stdout: rest }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `tests/python/<script> args...` (bounded by `timeout_secs` with coreutils `timeout`)
/// and parses the JSON it prints last.
pub fn python_json(script: &str, args: &[&str], timeout_secs: u32) -> serde_json::Value {
    let out = Command::new("timeout")
        .arg(timeout_secs.to_string())
        .arg(venv_python())
        .arg(workspace_root().join("tests/python").join(script))
        .args(args)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| {
        panic!("{script} {args:?} printed no JSON ({e}); status {}, stdout {stdout}, stderr {}", out.status, String::from_utf8_lossy(&out.stderr))
    })
}

/// A plain HTTP/1.1 response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body as text.
    pub body: String,
}

/// An HTTP client (hyper's pooled client) for traffic through elbow.
#[derive(Clone)]
pub struct HttpClient {
    inner: hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, http_body_util::Full<bytes::Bytes>>,
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient::new()
    }
}

impl HttpClient {
    /// A keep-alive client.
    pub fn new() -> HttpClient {
        let inner = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        HttpClient { inner }
    }

    /// `GET url` with extra headers, bounded by 30 s.
    pub async fn get_with(&self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, String> {
        let mut b = http::Request::get(url);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = b.body(http_body_util::Full::new(bytes::Bytes::new())).map_err(|e| e.to_string())?;
        let fut = async {
            let resp = self.inner.request(req).await.map_err(|e| format!("{e:?}"))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = http_body_util::BodyExt::collect(resp.into_body()).await.map_err(|e| e.to_string())?.to_bytes();
            Ok(HttpResponse { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
        };
        tokio::time::timeout(Duration::from_secs(30), fut).await.map_err(|_| "timed out".to_string())?
    }

    /// The underlying hyper client, for requests other than GET.
    pub fn inner(&self) -> &hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, http_body_util::Full<bytes::Bytes>> {
        &self.inner
    }

    /// `GET url`.
    pub async fn get(&self, url: &str) -> Result<HttpResponse, String> {
        self.get_with(url, &[]).await
    }
}

/// Runs `curl` with `args`, returning stdout (`-s` is added).
pub fn curl(args: &[&str]) -> String {
    let out = Command::new("curl").arg("-s").args(args).output().expect("curl is installed (./scripts/test installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Everything a test needs for one ALB: the ids the default VPC gives, created through the SDK.
pub struct Alb {
    /// Load balancer ARN.
    pub lb_arn: String,
    /// Target group ARN.
    pub tg_arn: String,
    /// Listener ARN.
    pub listener_arn: String,
    /// Listener port on 127.0.0.1.
    pub port: u16,
}

impl Alb {
    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// Default VPC id and subnet ids of us-east-1, read once per node with the aws CLI's EC2 calls.
pub fn default_network(elbow: &Elbow) -> (String, Vec<String>) {
    elbow.network.get_or_init(|| query_default_network(elbow)).clone()
}

fn query_default_network(elbow: &Elbow) -> (String, Vec<String>) {
    let vpcs = elbow.aws(&["ec2", "describe-vpcs", "--filters", "Name=isDefault,Values=true"]).expect("describe-vpcs");
    let vpc = vpcs["Vpcs"][0]["VpcId"].as_str().expect("default VPC").to_string();
    let subnets = elbow.aws(&["ec2", "describe-subnets", "--filters", &format!("Name=vpc-id,Values={vpc}")]).expect("describe-subnets");
    let ids = subnets["Subnets"].as_array().expect("subnets").iter().map(|s| s["SubnetId"].as_str().unwrap_or_default().to_string()).collect();
    (vpc, ids)
}

/// Creates a target group (ip targets, HTTP, `port`, health check `/status` every 5 s, timeout
/// 2 s, thresholds 2/2), registers `targets`, a load balancer and an HTTP listener on a free
/// port forwarding to the group.
pub async fn simple_alb(elbow: &Elbow, name: &str, targets: &[SocketAddr]) -> Alb {
    let c = elbow.elbv2();
    let (vpc, subnets) = default_network(elbow);
    let port = targets.first().map(|t| t.port()).unwrap_or(80);
    let tg = c
        .create_target_group()
        .name(format!("{name}-tg"))
        .protocol(elbv2::types::ProtocolEnum::Http)
        .port(i32::from(port))
        .vpc_id(&vpc)
        .target_type(elbv2::types::TargetTypeEnum::Ip)
        .health_check_path("/status")
        .health_check_interval_seconds(5)
        .health_check_timeout_seconds(2)
        .healthy_threshold_count(2)
        .unhealthy_threshold_count(2)
        .send()
        .await
        .expect("create target group");
    let tg_arn = tg.target_groups()[0].target_group_arn().expect("arn").to_string();
    if !targets.is_empty() {
        let mut r = c.register_targets().target_group_arn(&tg_arn);
        for t in targets {
            r = r.targets(elbv2::types::TargetDescription::builder().id(t.ip().to_string()).port(i32::from(t.port())).build());
        }
        r.send().await.expect("register targets");
    }
    let lb = c.create_load_balancer().name(format!("{name}-lb")).set_subnets(Some(subnets)).send().await.expect("create load balancer");
    let lb_arn = lb.load_balancers()[0].load_balancer_arn().expect("arn").to_string();
    let listen_port = free_port("127.0.0.1");
    let l = c
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(elbv2::types::ProtocolEnum::Http)
        .port(i32::from(listen_port))
        .default_actions(elbv2::types::Action::builder().r#type(elbv2::types::ActionTypeEnum::Forward).target_group_arn(&tg_arn).build())
        .send()
        .await
        .expect("create listener");
    let listener_arn = l.listeners()[0].listener_arn().expect("arn").to_string();
    Alb { lb_arn, tg_arn, listener_arn, port: listen_port }
}

/// States of the targets of `tg_arn`, as `(id, state, reason)`.
pub async fn target_states(elbow: &Elbow, tg_arn: &str) -> Vec<(String, String, String)> {
    let r = elbow.elbv2().describe_target_health().target_group_arn(tg_arn).send().await.expect("describe target health");
    r.target_health_descriptions()
        .iter()
        .map(|d| {
            let id = d.target().and_then(|t| t.id()).unwrap_or_default().to_string();
            let h = d.target_health();
            let state = h.and_then(|h| h.state()).map(|s| s.as_str().to_string()).unwrap_or_default();
            let reason = h.and_then(|h| h.reason()).map(|s| s.as_str().to_string()).unwrap_or_default();
            (id, state, reason)
        })
        .collect()
}

/// Waits until every target of `tg_arn` is `healthy`.
pub async fn wait_all_healthy(elbow: &Elbow, tg_arn: &str, n: usize) {
    eventually(Duration::from_secs(30), "all targets healthy", || async {
        let s = target_states(elbow, tg_arn).await;
        (s.len() == n && s.iter().all(|(_, st, _)| st == "healthy")).then_some(())
    })
    .await
}
