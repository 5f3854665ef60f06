//! Real processes, real sockets: each test uses its own temporary root and random loopback
//! addresses (127.77.x.y), and bounded waits.
#![allow(missing_docs)]

use std::future::Future;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use instances::{LaunchSpec, Supervisor, vcpus_of};
use rand::Rng as _;

struct TempRoot(PathBuf);

impl TempRoot {
    fn new() -> TempRoot {
        let p = std::env::temp_dir().join(format!(
            "elbow-instances-{}-{:x}",
            std::process::id(),
            rand::rng().random::<u64>()
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempRoot(p)
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn random_ip() -> Ipv4Addr {
    let mut r = rand::rng();
    Ipv4Addr::new(127, 77, r.random_range(0..=255), r.random_range(1..=254))
}

fn random_id() -> String {
    format!(
        "i-{:017x}",
        rand::rng().random::<u64>() & 0x0fff_ffff_ffff_ffff
    )
}

fn spec(user_data: &str) -> LaunchSpec {
    LaunchSpec {
        instance_id: random_id(),
        private_ip: random_ip(),
        availability_zone: "eu-west-1b".into(),
        instance_type: "t2.micro".into(),
        region: "eu-west-1".into(),
        user_data: Some(user_data.as_bytes().to_vec()),
        vcpus: vcpus_of("t2.micro"),
        tags: vec![("Name".into(), "web-1".into())],
        image_id: "ami-0abcdef1234567890".into(),
        account_id: "123456789012".into(),
        seed_dir: None,
    }
}

async fn wait_for<F: Future<Output = bool>>(
    what: &str,
    timeout: Duration,
    mut cond: impl FnMut() -> F,
) {
    let deadline = Instant::now() + timeout;
    while !cond().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The pid written by the user data into `<dir>/<file>`, once it is there.
async fn read_pid(dir: &std::path::Path, file: &str) -> i32 {
    let path = dir.join(file);
    wait_for(file, Duration::from_secs(10), || {
        let ok = std::fs::read_to_string(&path).is_ok_and(|s| s.ends_with('\n'));
        async move { ok }
    })
    .await;
    std::fs::read_to_string(&path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Gone, or a zombie nobody reaped yet.
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(s) => s[s.rfind(')').unwrap() + 2..].starts_with('Z'),
    }
}

fn pgid_of(pid: i32) -> i32 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    s[s.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .nth(2)
        .unwrap()
        .parse()
        .unwrap()
}

async fn curl(args: &[&str]) -> String {
    let out = tokio::process::Command::new("curl")
        .args(["-s", "--max-time", "5"])
        .args(args)
        .output()
        .await
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn kill(args: &[&str]) {
    let st = tokio::process::Command::new("kill")
        .args(args)
        .status()
        .await
        .unwrap();
    assert!(st.success(), "kill {args:?}");
}

const SHELL_USER_DATA: &str = r#"#!/bin/sh
echo "hello from $ELBOW_INSTANCE_ID"
env > env.txt
curl -s --max-time 5 "${AWS_EC2_METADATA_SERVICE_ENDPOINT}latest/meta-data/instance-id" > imds.txt
sleep 300 &
echo $! > workload.pid
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_env_imds_terminate() {
    let root = TempRoot::new();
    let sup = Supervisor::new(root.0.clone(), 0);
    let s = spec(SHELL_USER_DATA);
    let id = s.instance_id.clone();
    let ip = s.private_ip;
    sup.launch(s.clone()).await.unwrap();
    let dir = sup.instance_dir(&id);
    let init = sup.init_pid(&id).unwrap();
    assert!(sup.is_alive(&id));
    let workload = read_pid(&dir, "workload.pid").await;
    assert_eq!(
        pgid_of(workload),
        init,
        "workload is in the instance's process group"
    );

    // Idempotent.
    sup.launch(s.clone()).await.unwrap();
    assert_eq!(sup.init_pid(&id), Some(init));

    let console = sup.console_output(&id);
    assert!(console.contains(&format!("hello from {id}")), "{console}");
    let port = sup.imds_addr(&id).unwrap().port();
    let env = std::fs::read_to_string(dir.join("env.txt")).unwrap();
    for want in [
        format!("ELBOW_INSTANCE_ID={id}"),
        format!("ELBOW_PRIVATE_IP={ip}"),
        "ELBOW_AVAILABILITY_ZONE=eu-west-1b".to_string(),
        "ELBOW_INSTANCE_TYPE=t2.micro".to_string(),
        "ELBOW_REGION=eu-west-1".to_string(),
        format!("AWS_EC2_METADATA_SERVICE_ENDPOINT=http://{ip}:{port}/"),
        "AWS_DEFAULT_REGION=eu-west-1".to_string(),
        format!("HOME={}", dir.display()),
    ] {
        assert!(env.lines().any(|l| l == want), "{want} missing from\n{env}");
    }
    assert!(env.lines().any(|l| l.starts_with("PATH=")));
    assert!(
        !env.lines().any(|l| l.starts_with("CARGO")),
        "elbow's environment leaked:\n{env}"
    );
    // The user data read its own metadata (IMDSv1) through the advertised endpoint.
    wait_for("imds.txt", Duration::from_secs(10), || {
        let ok = std::fs::read_to_string(dir.join("imds.txt")).is_ok_and(|s| s == id);
        async move { ok }
    })
    .await;

    // IMDSv2 from outside, with curl.
    let base = format!("http://{ip}:{port}");
    let token = curl(&[
        "-X",
        "PUT",
        "-H",
        "X-aws-ec2-metadata-token-ttl-seconds: 60",
        &format!("{base}/latest/api/token"),
    ])
    .await;
    assert!(token.len() > 20, "token {token:?}");
    let th = format!("X-aws-ec2-metadata-token: {token}");
    assert_eq!(
        curl(&["-H", &th, &format!("{base}/latest/meta-data/instance-id")]).await,
        id
    );
    assert_eq!(
        curl(&["-H", &th, &format!("{base}/latest/meta-data/local-ipv4")]).await,
        ip.to_string()
    );
    assert_eq!(
        curl(&[
            "-H",
            &th,
            &format!("{base}/latest/meta-data/placement/availability-zone")
        ])
        .await,
        "eu-west-1b"
    );
    assert_eq!(
        curl(&["-H", &th, &format!("{base}/latest/user-data")]).await,
        SHELL_USER_DATA
    );
    let doc: serde_json::Value = serde_json::from_str(
        &curl(&[
            "-H",
            &th,
            &format!("{base}/latest/dynamic/instance-identity/document"),
        ])
        .await,
    )
    .unwrap();
    assert_eq!(doc["instanceId"], id.as_str());
    assert_eq!(doc["privateIp"], ip.to_string());
    assert_eq!(doc["accountId"], "123456789012");
    let code = |extra: Vec<String>| async move {
        let mut args = vec![
            "-o".to_string(),
            "/dev/null".into(),
            "-w".into(),
            "%{http_code}".into(),
        ];
        args.extend(extra);
        curl(&args.iter().map(String::as_str).collect::<Vec<_>>()).await
    };
    assert_eq!(
        code(vec![
            "-H".into(),
            "X-aws-ec2-metadata-token: wrong".into(),
            format!("{base}/latest/meta-data/instance-id")
        ])
        .await,
        "401"
    );
    assert_eq!(
        code(vec![
            "-X".into(),
            "PUT".into(),
            format!("{base}/latest/api/token")
        ])
        .await,
        "400"
    );
    assert_eq!(
        code(vec![format!("{base}/latest/meta-data/nothing-here")]).await,
        "404"
    );

    // Terminate: the whole group goes within the grace, the directory stays.
    let t0 = Instant::now();
    sup.terminate(&id, Duration::from_secs(5)).await.unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "sleep dies on SIGTERM: {:?}",
        t0.elapsed()
    );
    assert!(gone(workload), "workload {workload} survived");
    assert!(gone(init));
    assert!(!sup.is_alive(&id));
    assert!(dir.join("console.log").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("state")).unwrap().trim(),
        "terminated"
    );
    assert!(sup.console_output(&id).contains("hello from"));
    // Metadata listener closed.
    assert_eq!(
        code(vec![format!("{base}/latest/meta-data/instance-id")]).await,
        "000"
    );
    // Idempotent, and an id is never reused.
    sup.terminate(&id, Duration::from_secs(1)).await.unwrap();
    assert!(sup.launch(s).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_user_data() {
    let root = TempRoot::new();
    let sup = Supervisor::new(root.0.clone(), 0);
    let s = spec(
        "#!/usr/bin/env python3\nimport os\nprint('py says', os.environ['ELBOW_INSTANCE_ID'], flush=True)\n\
         open('py.txt', 'w').write(os.environ['ELBOW_PRIVATE_IP'] + '\\n')\n",
    );
    let id = s.instance_id.clone();
    sup.launch(s.clone()).await.unwrap();
    wait_for("python output", Duration::from_secs(15), || {
        let ok = sup.console_output(&id).contains("user data exited");
        async move { ok }
    })
    .await;
    let console = sup.console_output(&id);
    assert!(console.contains(&format!("py says {id}")), "{console}");
    assert!(console.contains("exit status: 0"), "{console}");
    let ip = std::fs::read_to_string(sup.instance_dir(&id).join("py.txt")).unwrap();
    assert_eq!(ip.trim(), s.private_ip.to_string());
    // The instance outlives its user data.
    assert!(sup.is_alive(&id));
    sup.terminate(&id, Duration::from_secs(2)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_shell_user_data_and_failure() {
    let root = TempRoot::new();
    let sup = Supervisor::new(root.0.clone(), 0);
    let s = spec("echo plain shell $ELBOW_REGION\nexit 3\n");
    let id = s.instance_id.clone();
    sup.launch(s).await.unwrap();
    wait_for("user data exit", Duration::from_secs(10), || {
        let ok = sup.console_output(&id).contains("user data exited");
        async move { ok }
    })
    .await;
    let console = sup.console_output(&id);
    assert!(console.contains("plain shell eu-west-1"), "{console}");
    assert!(console.contains("exit status: 3"), "{console}");
    assert!(
        sup.is_alive(&id),
        "a failing script does not stop the instance"
    );
    sup.terminate(&id, Duration::from_secs(2)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_workload_or_group_from_outside() {
    let root = TempRoot::new();
    let sup = Supervisor::new(root.0.clone(), 0);
    let s = spec("#!/bin/sh\nsleep 300 &\necho $! > workload.pid\n");
    let id = s.instance_id.clone();
    sup.launch(s).await.unwrap();
    let dir = sup.instance_dir(&id);
    let workload = read_pid(&dir, "workload.pid").await;
    let init = sup.init_pid(&id).unwrap();

    kill(&["-9", &workload.to_string()]).await;
    wait_for("workload gone", Duration::from_secs(5), || {
        let ok = gone(workload);
        async move { ok }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        sup.is_alive(&id),
        "killing the workload leaves the instance running"
    );

    kill(&["-9", "--", &format!("-{init}")]).await;
    wait_for("instance dead", Duration::from_secs(5), || {
        let ok = !sup.is_alive(&id);
        async move { ok }
    })
    .await;
    assert!(sup.cpu_utilization(&id).is_none());
    // Terminating a dead instance just marks it.
    sup.terminate(&id, Duration::from_secs(1)).await.unwrap();
    assert!(
        sup.terminate("i-doesnotexist", Duration::from_secs(1))
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_escalates_to_sigkill() {
    let root = TempRoot::new();
    let sup = Supervisor::new(root.0.clone(), 0);
    // A workload that ignores SIGTERM (and says so once it does).
    let s = spec(
        "#!/bin/sh\nsh -c 'trap \"\" TERM; echo $$ > workload.pid; while :; do sleep 1; done' &\n",
    );
    let id = s.instance_id.clone();
    sup.launch(s).await.unwrap();
    let workload = read_pid(&sup.instance_dir(&id), "workload.pid").await;
    let t0 = Instant::now();
    sup.terminate(&id, Duration::from_millis(500))
        .await
        .unwrap();
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert!(gone(workload));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_utilization_busy_and_idle() {
    let root = TempRoot::new();
    let sup = Supervisor::new(root.0.clone(), 0);
    let mut busy = spec("#!/bin/sh\nsh -c 'while :; do :; done' &\necho $! > workload.pid\n");
    busy.vcpus = 1;
    let mut idle = spec("#!/bin/sh\nsleep 300 &\necho $! > workload.pid\n");
    idle.vcpus = 1;
    let (b, i) = (busy.instance_id.clone(), idle.instance_id.clone());
    sup.launch(busy).await.unwrap();
    sup.launch(idle).await.unwrap();
    read_pid(&sup.instance_dir(&b), "workload.pid").await;
    read_pid(&sup.instance_dir(&i), "workload.pid").await;
    sup.cpu_utilization(&b).unwrap();
    sup.cpu_utilization(&i).unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (ub, ui) = (
        sup.cpu_utilization(&b).unwrap(),
        sup.cpu_utilization(&i).unwrap(),
    );
    // The machine is shared: "high" is generous.
    assert!(ub > 30.0, "busy instance: {ub}%");
    assert!(ui < 5.0, "idle instance: {ui}%");
    // Within a second, the last value is returned.
    assert_eq!(sup.cpu_utilization(&b), Some(ub));
    sup.terminate(&b, Duration::from_secs(2)).await.unwrap();
    sup.terminate(&i, Duration::from_secs(2)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopt_after_restart() {
    let root = TempRoot::new();
    let port = 20_000 + rand::rng().random_range(0..20_000u16);
    let sup = Supervisor::new(root.0.clone(), port);
    let live = spec("#!/bin/sh\necho up\nsleep 300 &\necho $! > workload.pid\n");
    let dead = spec("#!/bin/sh\nsleep 300 &\necho $! > workload.pid\n");
    let stopped = spec("#!/bin/sh\necho boot-once\nsleep 300 &\necho $! > workload.pid\n");
    let (l, d, st) = (
        live.instance_id.clone(),
        dead.instance_id.clone(),
        stopped.instance_id.clone(),
    );
    let ip = live.private_ip;
    for s in [live.clone(), dead, stopped] {
        sup.launch(s).await.unwrap();
    }
    let workload = read_pid(&sup.instance_dir(&l), "workload.pid").await;
    read_pid(&sup.instance_dir(&st), "workload.pid").await;
    let dead_init = sup.init_pid(&d).unwrap();
    sup.stop(&st, Duration::from_secs(2)).await.unwrap();
    assert!(!sup.is_alive(&st));
    drop(sup);

    // elbow is down; one instance dies meanwhile.
    kill(&["-9", "--", &format!("-{dead_init}")]).await;
    wait_for("dead instance gone", Duration::from_secs(5), || {
        let ok = gone(dead_init);
        async move { ok }
    })
    .await;
    assert!(!gone(workload), "dropping the supervisor kills nothing");

    let sup = Supervisor::new(root.0.clone(), port);
    assert!(!sup.is_alive(&l));
    let mut want = vec![(l.clone(), true), (d.clone(), false)];
    want.sort();
    assert_eq!(sup.adopt(), want);
    assert!(sup.is_alive(&l));
    assert!(!sup.is_alive(&d));
    // Its metadata is served again (the old listener may take a moment to close).
    let url = format!("http://{ip}:{port}/latest/meta-data/instance-id");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if curl(&[&url]).await == l {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "metadata not served after adoption"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sup.cpu_utilization(&l).is_some());
    // Launching the adopted id again is a no-op.
    sup.launch(live).await.unwrap();

    // Start the stopped one: alive again, same directory, user data not re-run.
    sup.start(&st).await.unwrap();
    assert!(sup.is_alive(&st));
    assert_eq!(sup.console_output(&st).matches("boot-once").count(), 1);

    sup.terminate(&l, Duration::from_secs(2)).await.unwrap();
    sup.terminate(&st, Duration::from_secs(2)).await.unwrap();
    assert!(gone(workload));
    // Terminated instances are no longer reported.
    assert_eq!(sup.adopt(), vec![(d, false)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taken_metadata_address_fails_launch_cleanly() {
    let root = TempRoot::new();
    let s = spec("#!/bin/sh\necho never\n");
    let taken = std::net::TcpListener::bind((s.private_ip, 0)).unwrap();
    let sup = Supervisor::new(root.0.clone(), taken.local_addr().unwrap().port());
    assert!(sup.launch(s.clone()).await.is_err());
    assert!(!sup.instance_dir(&s.instance_id).exists());
    assert!(!sup.is_alive(&s.instance_id));
}
