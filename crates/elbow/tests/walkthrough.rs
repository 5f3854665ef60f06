//! The README's walkthrough, run as written with the real aws CLI, curl and Python's
//! http.server: the blocks between `<!-- walkthrough:start -->` and `<!-- walkthrough:end -->`
//! become one bash script. Only ports and scratch directories are substituted, so tests can run
//! in parallel.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::{Elbow, free_port, workspace_root};

/// The ```bash blocks of the walkthrough section, minus those marked `walkthrough:skip`.
fn walkthrough_script() -> String {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let section = readme.split("<!-- walkthrough:start -->").nth(1).unwrap().split("<!-- walkthrough:end -->").next().unwrap();
    let mut script = String::new();
    let mut skip_next = false;
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "<!-- walkthrough:skip -->" {
            skip_next = true;
        } else if line.trim() == "```bash" {
            let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
            if !skip_next {
                script.push_str(&block.join("\n"));
                script.push('\n');
            }
            skip_next = false;
        }
    }
    script
}

fn common_backend_port() -> u16 {
    loop {
        let p = free_port("127.0.0.2");
        if std::net::TcpListener::bind(("127.0.0.3", p)).is_ok() {
            return p;
        }
    }
}

#[test]
fn the_readme_walkthrough_works_with_the_real_aws_cli() {
    let elbow = Elbow::start();
    let scratch = std::env::temp_dir().join(format!("elbow-walkthrough-{}", std::process::id()));
    let listener_port = free_port("127.0.0.1");
    let backend_port = common_backend_port();
    let script = walkthrough_script()
        .replace("127.0.0.1:4750", &format!("127.0.0.1:{}", elbow.api_port))
        .replace("8000", &listener_port.to_string())
        .replace("8443", &free_port("127.0.0.1").to_string())
        .replace("8080", &backend_port.to_string())
        .replace("/tmp/web-", &format!("{}/web-", scratch.display()));
    assert!(script.contains("aws elbv2 create-load-balancer"), "the walkthrough was found:\n{script}");
    let venv_bin = workspace_root().join(".venv/bin");
    let path = format!("{}:{}", venv_bin.display(), std::env::var("PATH").unwrap_or_default());
    // Its own process group, so the servers it starts in the background are stopped with it.
    let child = Command::new("setsid")
        .args(["bash", "-c", &format!("set -euo pipefail\n{script}")])
        .env("PATH", path)
        .env("AWS_PAGER", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pgid = child.id();
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx.recv_timeout(Duration::from_secs(240));
    let _ = Command::new("kill").args(["-9", "--", &format!("-{pgid}")]).status();
    let _ = std::fs::remove_dir_all(&scratch);
    let out = out.expect("the walkthrough finished within 4 minutes").unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the walkthrough failed after {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", started.elapsed());
    let hellos: Vec<&str> = stdout.lines().filter(|l| l.starts_with("hello from ")).collect();
    assert_eq!(hellos.len(), 14, "three rounds of four requests over HTTP, one of two over HTTPS:\n{stdout}");
    assert_eq!(hellos[..4].iter().filter(|l| l.ends_with('a')).count(), 2, "traffic spread over both servers: {hellos:?}");
    assert!(hellos[4..8].iter().all(|l| *l == "hello from a"), "only the live server answers: {hellos:?}");
    assert!(hellos[8..12].contains(&"hello from b"), "the restarted server is back: {hellos:?}");
    assert!(stdout.contains("\"CertificateArn\": \"arn:aws:iam::123456789012:server-certificate/web-cert-2\""), "modify-listener shows the new certificate:\n{stdout}");
    assert!(stdout.lines().any(|l| l.contains("subject:") && l.contains("CN=web-2")), "new handshakes get the new certificate:\n{stdout}");
    assert!(stdout.contains("127.0.0.3\tunhealthy\tTarget.FailedHealthChecks"), "describe-target-health says why:\n{stdout}");
    assert!(stdout.contains("127.0.0.2\thealthy"), "{stdout}");
}
