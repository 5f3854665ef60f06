//! # instances — EC2 instances as supervised local process groups
//!
//! A library that knows nothing of the model or the API: the binary glues it to configuration
//! snapshots (launch/terminate what the snapshot says) and reports states back
//! ([`Supervisor::is_alive`]). Linux only (it reads `/proc`).
//!
//! ## An instance
//!
//! * **Disk**: `<root>/<instance-id>/`, created at launch. It holds `spec.json` (the
//!   [`LaunchSpec`] without its user data, plus the launch time and the metadata port),
//!   `user-data` (the script, if any), `console.log`, `init.pid` (`<pid> <start-time>`, the
//!   start time from `/proc/<pid>/stat` guarding against pid reuse) and, once stopped or
//!   terminated, `state` (`stopped` / `terminated`). Nothing is ever deleted: a terminated
//!   instance's directory stays for inspection, like EC2 keeps a terminated instance visible
//!   for a while. Instance ids must be usable as one path component.
//! * **Life**: an init process (`sleep infinity`) started in a new process group
//!   (`process_group(0)`), so the group id is its pid. The instance lives exactly as long as
//!   that init process ([`Supervisor::is_alive`]: the recorded pid exists, is not a zombie,
//!   still leads its own group, and has the recorded start time). Killing the whole group from
//!   outside (`kill -9 -<pgid>`) therefore ends the instance; killing only the workload does
//!   not (the instance keeps running, its health checks fail — as on EC2 when a server
//!   crashes).
//! * **User data**, as cloud-init runs it: once, at launch (not on [`Supervisor::start`], as
//!   EC2's default "per-instance" frequency), not awaited, in the instance's process group
//!   (`process_group(init_pid)`), with the working directory as `cwd`, stdin `/dev/null`,
//!   stdout and stderr appended to `console.log`. Data starting with `#!` is written to
//!   `user-data` with mode 755 and executed as a file (any interpreter: `#!/bin/bash`,
//!   `#!/usr/bin/env python3`, …); anything else is run by `/bin/sh user-data`. Decoding
//!   base64 is the caller's job; gzip-compressed user data, MIME multi-part archives and
//!   `#cloud-config` are **not supported** (they would be run as shell and fail; the failure
//!   shows in the console). Empty user data counts as none. Its exit status is appended to the
//!   console as `[elbow] user data exited with …`; a failing script does not stop the
//!   instance, as with cloud-init.
//! * **Environment** of the init and the user data: cleared (elbow's own settings and
//!   credentials must not leak), then `PATH`, `LANG`, `LC_ALL` and `TZ` inherited when set,
//!   and `HOME` = the working directory, `ELBOW_INSTANCE_ID`, `ELBOW_PRIVATE_IP`,
//!   `ELBOW_AVAILABILITY_ZONE`, `ELBOW_INSTANCE_TYPE`, `ELBOW_REGION`,
//!   `AWS_EC2_METADATA_SERVICE_ENDPOINT=http://<private_ip>:<imds_port>/` (which the AWS SDKs
//!   and CLI honour) and `AWS_DEFAULT_REGION` / `AWS_REGION`. A workload is expected to bind
//!   `$ELBOW_PRIVATE_IP`.
//! * **Console** ([`Supervisor::console_output`]): the last 64 KiB of `console.log`, read as
//!   lossy UTF-8; available after termination too. elbow adds a few `[elbow] …` lines (launch,
//!   start, user-data exit) as boot messages.
//!
//! ## Stop, start, terminate
//!
//! [`Supervisor::terminate`] and [`Supervisor::stop`] first write the `state` marker, stop
//! the metadata listener, then send SIGTERM to the whole process group, wait up to `grace`
//! for every live member to exit, and send SIGKILL to the group if any remains (then wait up
//! to 5 s more; an error if something survives even that, e.g. a process in uninterruptible
//! sleep). Both are idempotent. [`Supervisor::start`] boots a stopped instance again: a new
//! init process and metadata listener, the directory as it was, user data **not** re-run
//! (EC2's default). Launching an id whose directory exists and whose init is alive adopts it
//! (idempotence across restarts); launching an id that exists but is dead, stopped or
//! terminated is `AlreadyExists` (EC2 never reuses an id).
//!
//! ## Adoption
//!
//! Instances outlive elbow: dropping the [`Supervisor`] stops the metadata listeners but never
//! signals a process. [`Supervisor::adopt`] scans `root`: every directory with a `spec.json`
//! and no `state` marker whose `init.pid` is alive (same checks as `is_alive`) is registered
//! again and gets its metadata listener back (on the port recorded at launch, retrying for a
//! few seconds while the previous listener closes) → `(id, true)`; a dead one → `(id, false)`
//! (the glue reports it terminated). Directories marked `stopped`/`terminated` are not
//! reported; if one still has live processes (elbow died during a terminate), the group is
//! killed with SIGKILL to finish the job.
//!
//! ## Instance metadata (IMDS)
//!
//! One HTTP/1.1 server per instance on `<private_ip>:<imds_port>`, so the address a process
//! dials is the instance's identity and instances cannot read each other's metadata by
//! accident. (On EC2 it is `169.254.169.254:80` for every instance; here the endpoint comes
//! from `AWS_EC2_METADATA_SERVICE_ENDPOINT`.) `imds_port` 0 gives each instance an
//! ephemeral port, recorded in `spec.json` and the environment. Behaviour, as EC2 with
//! `HttpTokens=optional`, `HttpEndpoint=enabled`, `InstanceMetadataTags=enabled`:
//!
//! * `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds: 1..=21600` → 200, a
//!   random token as body and the TTL echoed in the same header. Missing or out-of-range TTL →
//!   400; with an `X-Forwarded-For` header → 403; another method on that path → 405.
//! * `GET` (or `HEAD`) with `X-aws-ec2-metadata-token`: valid and unexpired → served, with the
//!   remaining TTL in `X-aws-ec2-metadata-token-ttl-seconds`; otherwise 401. Without the
//!   header: served (IMDSv1). Other methods → 405. Unknown paths → 404. Errors carry EC2's
//!   small XHTML error page.
//! * Paths: `/` → `latest`; `/latest/` (listing); `/latest/meta-data/` (listing; directories
//!   end with `/`): `ami-id`, `ami-launch-index` (0), `hostname`, `instance-id`,
//!   `instance-life-cycle` (on-demand), `instance-type`, `local-hostname` (and `hostname`:
//!   `ip-a-b-c-d.ec2.internal` in us-east-1, `ip-a-b-c-d.<region>.compute.internal`
//!   elsewhere), `local-ipv4`, `placement/availability-zone`, `placement/region`,
//!   `services/domain`, `services/partition`, `tags/instance/<key>`; `/latest/user-data` (404
//!   without user data); `/latest/dynamic/instance-identity/document` (JSON: `accountId`,
//!   `architecture`, `availabilityZone`, `imageId`, `instanceId`, `instanceType`,
//!   `pendingTime`, `privateIp`, `region`, `version`, and EC2's null fields).
//! * Tokens live in memory per instance (at most 4096, expired ones pruned): a restart of
//!   elbow invalidates them, which SDKs handle by fetching a new one after a 401.
//! * Not served: IAM role credentials (`iam/`), network interfaces (`mac`, `network/`),
//!   public addresses, `block-device-mapping/`, `events/`, `spot/`, signatures (`pkcs7`,
//!   `signature`, `rsa2048`), the hop limit (loopback has no hops), IPv6.
//!
//! ## CPU utilisation
//!
//! [`Supervisor::cpu_utilization`] samples on demand and keeps the previous sample: it sums
//! `utime + stime + cutime + cstime` (`/proc/<pid>/stat`) of every live process whose process
//! group is the instance's, and returns the ticks used since the previous sample over the wall
//! time elapsed, over `vcpus`, in percent (clamped to 0..=100, since nothing confines the
//! group to its vCPUs). Calls less than a second apart return the last value. The first call
//! measures since launch (or adoption). Clock ticks per second come from
//! `sysconf(_SC_CLK_TCK)` (100 on Linux). Gaps: no cgroups, so CPU of a process that left the
//! group (`setsid`, `setpgid`) is not counted, CPU of a process that exited and was reaped by
//! a parent outside the group is lost, and an interval in which a busy process exits can
//! under-count; no CPU or memory limits are enforced.
//!
//! ## Other gaps
//!
//! No network isolation (an instance can bind any address), no filesystem isolation (the
//! "disk" is just the working directory), no instance store/EBS semantics, no reboot, no
//! `#cloud-config`, and no `per-boot` scripts.

#![forbid(unsafe_code)]

mod imds;
mod procfs;

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

pub use imds::{MAX_TOKEN_TTL_SECONDS, TOKEN_HEADER, TOKEN_TTL_HEADER, local_hostname};

/// Bytes of console output [`Supervisor::console_output`] returns at most (EC2: 64 KiB).
pub const CONSOLE_OUTPUT_LIMIT: u64 = 64 * 1024;

/// How long [`Supervisor::terminate`] and [`Supervisor::stop`] wait after SIGKILL.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// What an instance is launched from. `user_data` is not stored in `spec.json` but in the
/// `user-data` file next to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchSpec {
    /// `i-…`; must be usable as a directory name.
    pub instance_id: String,
    /// The instance's own address, a loopback one (127.x.y.z); its metadata service listens
    /// there, and its workload is expected to bind it.
    pub private_ip: Ipv4Addr,
    /// `us-east-1a`, …
    pub availability_zone: String,
    /// `t3.micro`, …
    pub instance_type: String,
    /// `us-east-1`, …
    pub region: String,
    /// Decoded user data: a `#!` script, or plain shell run by `/bin/sh`.
    #[serde(skip)]
    pub user_data: Option<Vec<u8>>,
    /// vCPUs of the instance type (see [`vcpus_of`]): the denominator of CPU utilisation.
    pub vcpus: u32,
    /// The instance's tags, served under `meta-data/tags/instance/`.
    pub tags: Vec<(String, String)>,
    /// `ami-…`, served as `meta-data/ami-id` and `imageId`.
    #[serde(default)]
    pub image_id: String,
    /// The owning account, served as `accountId` in the identity document.
    #[serde(default)]
    pub account_id: String,
    /// A directory copied into the instance's working directory before the user data runs
    /// (an image's disk, see [`copy_disk`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_dir: Option<PathBuf>,
}

/// The supervisor's own files in an instance's working directory, not part of its "disk".
pub const SUPERVISOR_FILES: &[&str] = &["spec.json", "user-data", "console.log", "init.pid", "state"];

/// Copies an instance's disk: every file and directory under `from` into `to` (created if
/// needed), recursively, keeping permissions and symbolic links, except the supervisor's own
/// files ([`SUPERVISOR_FILES`]) at the top level.
pub fn copy_disk(from: &Path, to: &Path) -> io::Result<()> {
    fn copy(from: &Path, to: &Path, top: bool) -> io::Result<()> {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            let name = entry.file_name();
            if top && name.to_str().is_some_and(|n| SUPERVISOR_FILES.contains(&n)) {
                continue;
            }
            let (src, dst) = (entry.path(), to.join(&name));
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                std::os::unix::fs::symlink(fs::read_link(&src)?, &dst)?;
            } else if kind.is_dir() {
                copy(&src, &dst, false)?;
                fs::set_permissions(&dst, fs::metadata(&src)?.permissions())?;
            } else if kind.is_file() {
                fs::copy(&src, &dst)?;
            }
        }
        Ok(())
    }
    copy(from, to, true)
}

/// `spec.json`.
#[derive(Serialize, Deserialize)]
struct Record {
    #[serde(flatten)]
    spec: LaunchSpec,
    launched_at_unix_ms: u64,
    imds_port: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Init {
    pid: i32,
    start_time: u64,
}

impl Init {
    fn alive(&self) -> bool {
        procfs::stat(self.pid)
            .is_some_and(|s| s.is_live() && s.pgid == self.pid && s.start_time == self.start_time)
    }

    fn parse(text: &str) -> Option<Init> {
        let mut it = text.split_ascii_whitespace();
        Some(Init {
            pid: it.next()?.parse().ok()?,
            start_time: it.next()?.parse().ok()?,
        })
    }
}

struct CpuState {
    ticks: u64,
    at: Instant,
    value: Option<f64>,
}

/// A registered, running instance.
struct Running {
    spec: Arc<LaunchSpec>,
    init: Init,
    imds_addr: SocketAddr,
    imds: JoinHandle<()>,
    cpu: Mutex<CpuState>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.imds.abort();
    }
}

/// Launches, watches and ends instances under one root directory.
///
/// Must be used inside a Tokio runtime (launch, start and adopt spawn tasks). Dropping it
/// closes the metadata listeners and leaves the processes running, for [`Supervisor::adopt`].
pub struct Supervisor {
    root: PathBuf,
    imds_port: u16,
    instances: Mutex<HashMap<String, Arc<Running>>>,
    launch_lock: tokio::sync::Mutex<()>,
}

impl Supervisor {
    /// A supervisor keeping instances under `root` (`<data-dir>/instances`), serving their
    /// metadata on `imds_port` of each one's private IP (0: an ephemeral port per instance).
    pub fn new(root: PathBuf, imds_port: u16) -> Supervisor {
        Supervisor {
            root,
            imds_port,
            instances: Mutex::new(HashMap::new()),
            launch_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Where images' disks are kept: `images/` next to `root` (`<data-dir>/images/<ami-id>/`).
    pub fn image_dir(&self, image_id: &str) -> PathBuf {
        self.root.parent().unwrap_or(&self.root).join("images").join(image_id)
    }

    /// The instance's working directory, `<root>/<id>`.
    pub fn instance_dir(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }

    /// Launches an instance: directory, metadata listener, init process, user data.
    /// Idempotent: an instance already running under this id (registered, or found alive on
    /// disk and adopted) is left as it is. An id that exists but is not running is
    /// `AlreadyExists`; a taken metadata address fails the launch and leaves nothing behind.
    pub async fn launch(&self, spec: LaunchSpec) -> io::Result<()> {
        let _g = self.launch_lock.lock().await;
        let id = spec.instance_id.clone();
        check_id(&id)?;
        if let Some(r) = self.get(&id) {
            if r.init.alive() {
                return Ok(());
            }
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("instance {id} exists and is not running"),
            ));
        }
        let dir = self.instance_dir(&id);
        if dir.exists() {
            if self.adopt_one(&id) == Some(true) {
                return Ok(());
            }
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("instance {id} exists and is not running"),
            ));
        }
        fs::create_dir_all(&self.root)?;
        let listener = imds::bind(spec.private_ip, self.imds_port)?;
        let imds_port = listener.local_addr()?.port();
        fs::create_dir(&dir)?;
        let launched_at_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let record = Record {
            spec,
            launched_at_unix_ms,
            imds_port,
        };
        let result = async {
            if let Some(seed) = &record.spec.seed_dir {
                copy_disk(seed, &dir)?;
            }
            write_atomic(&dir.join("spec.json"), &serde_json::to_vec_pretty(&record)?)?;
            if let Some(ud) = record.spec.user_data.as_ref().filter(|u| !u.is_empty()) {
                let mode = if ud.starts_with(b"#!") { 0o755 } else { 0o644 };
                let mut f = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(dir.join("user-data"))?;
                f.write_all(ud)?;
                f.sync_all()?;
            }
            self.boot(&dir, &record, listener, true).await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(instance = %id, error = %e, "launch failed");
            let _ = fs::remove_dir_all(&dir);
            return Err(e);
        }
        Ok(())
    }

    /// Starts a stopped instance again: new init process and metadata listener, same
    /// directory, user data not re-run. A running instance is left as it is.
    pub async fn start(&self, id: &str) -> io::Result<()> {
        let _g = self.launch_lock.lock().await;
        check_id(id)?;
        if self.get(id).is_some_and(|r| r.init.alive()) {
            return Ok(());
        }
        let dir = self.instance_dir(id);
        let record = read_record(&dir)?;
        match fs::read_to_string(dir.join("state")) {
            Ok(s) if s.trim() == "terminated" => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("instance {id} is terminated"),
                ));
            }
            _ => {}
        }
        if let Some(true) = self.adopt_one(id) {
            return Ok(());
        }
        self.instances.lock().remove(id);
        let listener = imds::bind(record.spec.private_ip, record.imds_port)?;
        let _ = fs::remove_file(dir.join("state"));
        self.boot(&dir, &record, listener, false).await
    }

    /// Starts the init process (and the user data if `user_data`), registers the instance
    /// and serves its metadata.
    async fn boot(
        &self,
        dir: &Path,
        record: &Record,
        listener: std::net::TcpListener,
        user_data: bool,
    ) -> io::Result<()> {
        let spec = &record.spec;
        let env = environment(spec, dir, record.imds_port);
        let console_path = dir.join("console.log");
        let mut console = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&console_path)?;
        writeln!(
            console,
            "[elbow] {} {} ({}, {}) at {}",
            if user_data { "launching" } else { "starting" },
            spec.instance_id,
            spec.instance_type,
            spec.private_ip,
            unix_now()
        )?;

        let mut init = tokio::process::Command::new("sleep");
        init.arg("infinity")
            .current_dir(dir)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(console.try_clone()?)
            .stderr(console.try_clone()?)
            .process_group(0)
            .kill_on_drop(false);
        let mut child = init.spawn()?;
        let pid = child
            .id()
            .and_then(|p| i32::try_from(p).ok())
            .ok_or_else(|| io::Error::other("init exited at once"))?;
        // Reap the init whenever it ends, so it never lingers as a zombie.
        tokio::spawn(async move {
            let _ = child.wait().await;
        });
        let start_time = procfs::stat(pid)
            .map(|s| s.start_time)
            .ok_or_else(|| io::Error::other("init exited at once"))?;
        let init_rec = Init { pid, start_time };
        if let Err(e) = write_atomic(
            &dir.join("init.pid"),
            format!("{pid} {start_time}\n").as_bytes(),
        ) {
            kill_group(pid, rustix::process::Signal::KILL);
            return Err(e);
        }

        let spec_arc = Arc::new(spec.clone());
        let imds_addr = listener.local_addr()?;
        let md = Arc::new(imds::Metadata::new(spec, record.launched_at_unix_ms));
        let imds = tokio::spawn(async move {
            match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => imds::serve(l, md).await,
                Err(e) => tracing::warn!(error = %e, "imds listener"),
            }
        });
        let running = Arc::new(Running {
            spec: spec_arc,
            init: init_rec,
            imds_addr,
            imds,
            cpu: Mutex::new(CpuState {
                ticks: 0,
                at: Instant::now(),
                value: None,
            }),
        });
        self.instances
            .lock()
            .insert(spec.instance_id.clone(), running);

        if user_data && dir.join("user-data").exists() {
            run_user_data(dir, spec, &env, pid, console);
        }
        Ok(())
    }

    fn get(&self, id: &str) -> Option<Arc<Running>> {
        self.instances.lock().get(id).cloned()
    }

    /// Terminates: marks the directory `terminated`, closes the metadata listener, SIGTERM to
    /// the whole process group, SIGKILL after `grace`. Removes nothing. Idempotent; an
    /// unknown id is `NotFound`.
    pub async fn terminate(&self, id: &str, grace: Duration) -> io::Result<()> {
        self.shut_down(id, grace, "terminated").await
    }

    /// Stops: as [`Supervisor::terminate`] but marked `stopped`, for a later
    /// [`Supervisor::start`].
    pub async fn stop(&self, id: &str, grace: Duration) -> io::Result<()> {
        self.shut_down(id, grace, "stopped").await
    }

    async fn shut_down(&self, id: &str, grace: Duration, mark: &str) -> io::Result<()> {
        check_id(id)?;
        let dir = self.instance_dir(id);
        let registered = self.instances.lock().remove(id);
        if registered.is_none() && !dir.join("spec.json").exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no instance {id}"),
            ));
        }
        // A terminated instance stays terminated even if asked to stop.
        let already_terminated =
            fs::read_to_string(dir.join("state")).is_ok_and(|s| s.trim() == "terminated");
        if !already_terminated {
            write_atomic(&dir.join("state"), format!("{mark}\n").as_bytes())?;
        }
        let pgid = match &registered {
            Some(r) => Some(r.init.pid),
            None => fs::read_to_string(dir.join("init.pid"))
                .ok()
                .and_then(|t| Init::parse(&t))
                .map(|i| i.pid),
        };
        drop(registered); // closes the metadata listener
        let Some(pgid) = pgid else { return Ok(()) };
        end_group(pgid, grace).await?;
        if let Ok(mut c) = fs::OpenOptions::new()
            .append(true)
            .open(dir.join("console.log"))
        {
            let _ = writeln!(c, "[elbow] {id} {mark} at {}", unix_now());
        }
        Ok(())
    }

    /// Whether the instance's init process (the leader of its process group) still runs.
    /// `false` for unknown (or not yet adopted) ids.
    pub fn is_alive(&self, id: &str) -> bool {
        self.get(id).is_some_and(|r| r.init.alive())
    }

    /// The pid of the instance's init process, which is also its process group id.
    pub fn init_pid(&self, id: &str) -> Option<i32> {
        self.get(id).map(|r| r.init.pid)
    }

    /// Where the instance's metadata service listens.
    pub fn imds_addr(&self, id: &str) -> Option<SocketAddr> {
        self.get(id).map(|r| r.imds_addr)
    }

    /// The ids of the registered instances (alive or not).
    pub fn instance_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.instances.lock().keys().cloned().collect();
        v.sort();
        v
    }

    /// After a restart of elbow: registers every instance under `root` whose init process is
    /// alive (→ `(id, true)`, metadata served again) and reports the dead ones (`(id, false)`).
    /// Stopped and terminated instances are not reported. Sorted by id.
    pub fn adopt(&self) -> Vec<(String, bool)> {
        let Ok(dir) = fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut ids: Vec<String> = dir
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        ids.sort();
        ids.into_iter()
            .filter_map(|id| Some((id.clone(), self.adopt_one(&id)?)))
            .collect()
    }

    /// `None`: not an instance, or stopped/terminated.
    fn adopt_one(&self, id: &str) -> Option<bool> {
        if check_id(id).is_err() {
            return None;
        }
        if let Some(r) = self.get(id) {
            return Some(r.init.alive());
        }
        let dir = self.instance_dir(id);
        let record = read_record(&dir).ok()?;
        let init = fs::read_to_string(dir.join("init.pid"))
            .ok()
            .and_then(|t| Init::parse(&t));
        if fs::read_to_string(dir.join("state")).is_ok_and(|s| !s.trim().is_empty()) {
            // Interrupted stop/terminate: finish it.
            if let Some(i) = init.filter(|i| !procfs::group_members(i.pid).is_empty()) {
                kill_group(i.pid, rustix::process::Signal::KILL);
            }
            return None;
        }
        let Some(init) = init.filter(Init::alive) else {
            return Some(false);
        };
        let mut spec = record.spec;
        spec.user_data = fs::read(dir.join("user-data")).ok();
        let md = Arc::new(imds::Metadata::new(&spec, record.launched_at_unix_ms));
        let ip = spec.private_ip;
        let addr = SocketAddr::from((ip, record.imds_port));
        // The previous supervisor's listener may still be closing: retry for a while.
        let imds = tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match imds::bind(ip, addr.port()).and_then(tokio::net::TcpListener::from_std) {
                    Ok(l) => return imds::serve(l, md).await,
                    Err(e) if Instant::now() < deadline => {
                        tracing::debug!(error = %e, %addr, "imds rebind, retrying");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, %addr, "cannot serve instance metadata");
                        return;
                    }
                }
            }
        });
        let ticks = group_ticks(init.pid);
        let running = Arc::new(Running {
            spec: Arc::new(spec),
            init,
            imds_addr: addr,
            imds,
            cpu: Mutex::new(CpuState {
                ticks,
                at: Instant::now(),
                value: None,
            }),
        });
        self.instances.lock().insert(id.to_string(), running);
        Some(true)
    }

    /// CPU utilisation of the instance's process group in percent of its vCPUs since the
    /// previous sample (see the crate documentation). `None` if the instance is not running.
    pub fn cpu_utilization(&self, id: &str) -> Option<f64> {
        let r = self.get(id)?;
        if !r.init.alive() {
            return None;
        }
        let ticks = group_ticks(r.init.pid);
        let now = Instant::now();
        let mut c = r.cpu.lock();
        let elapsed = now.saturating_duration_since(c.at);
        if elapsed < Duration::from_secs(1) {
            if let Some(v) = c.value {
                return Some(v);
            }
            if elapsed.is_zero() {
                return Some(0.0);
            }
        }
        let used = ticks.saturating_sub(c.ticks) as f64 / procfs::clock_ticks_per_second() as f64;
        let pct = (used / elapsed.as_secs_f64() / f64::from(r.spec.vcpus.max(1)) * 100.0)
            .clamp(0.0, 100.0);
        *c = CpuState {
            ticks,
            at: now,
            value: Some(pct),
        };
        Some(pct)
    }

    /// The last 64 KiB of the instance's console (stdout and stderr of the user data and
    /// everything it started), lossy UTF-8. Empty for an unknown instance.
    pub fn console_output(&self, id: &str) -> String {
        if check_id(id).is_err() {
            return String::new();
        }
        let Ok(mut f) = fs::File::open(self.instance_dir(id).join("console.log")) else {
            return String::new();
        };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len > CONSOLE_OUTPUT_LIMIT
            && f.seek(SeekFrom::Start(len - CONSOLE_OUTPUT_LIMIT)).is_err()
        {
            return String::new();
        }
        let mut buf = Vec::new();
        let _ = f.take(CONSOLE_OUTPUT_LIMIT).read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }
}

/// vCPUs of an instance type: a table of common types, else by size (`large` 2, `xlarge` 4,
/// `Nxlarge` 4·N, `metal` 96), else 1.
pub fn vcpus_of(instance_type: &str) -> u32 {
    let (family, size) = instance_type.split_once('.').unwrap_or((instance_type, ""));
    match (family, size) {
        ("t2", "nano" | "micro" | "small") => 1,
        ("t2", "medium" | "large") => 2,
        ("t3" | "t3a" | "t4g", "nano" | "micro" | "small" | "medium" | "large") => 2,
        ("m1", "small" | "medium") => 1,
        ("m1", "large") => 2,
        ("m1", "xlarge") => 4,
        ("m3", "medium") => 1,
        ("c1", "medium") => 2,
        ("c1", "xlarge") => 8,
        (_, "nano" | "micro" | "small" | "medium") => 1,
        (_, "large") => 2,
        (_, "xlarge") => 4,
        (_, "metal") => 96,
        (_, s) => s
            .strip_suffix("xlarge")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| *n > 0)
            .map_or(1, |n| n.saturating_mul(4)),
    }
}

fn check_id(id: &str) -> io::Result<()> {
    if id.is_empty() || id == "." || id == ".." || id.contains(['/', '\0']) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad instance id {id:?}"),
        ));
    }
    Ok(())
}

fn read_record(dir: &Path) -> io::Result<Record> {
    let bytes = fs::read(dir.join("spec.json"))?;
    serde_json::from_slice(&bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn environment(spec: &LaunchSpec, dir: &Path, imds_port: u16) -> Vec<(String, OsString)> {
    let mut env: Vec<(String, OsString)> = ["PATH", "LANG", "LC_ALL", "TZ"]
        .iter()
        .filter_map(|k| Some((k.to_string(), std::env::var_os(k)?)))
        .collect();
    if !env.iter().any(|(k, _)| k == "PATH") {
        env.push(("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()));
    }
    let s = |k: &str, v: String| (k.to_string(), OsString::from(v));
    env.push(("HOME".into(), dir.as_os_str().to_owned()));
    env.push(s("ELBOW_INSTANCE_ID", spec.instance_id.clone()));
    env.push(s("ELBOW_PRIVATE_IP", spec.private_ip.to_string()));
    env.push(s("ELBOW_AVAILABILITY_ZONE", spec.availability_zone.clone()));
    env.push(s("ELBOW_INSTANCE_TYPE", spec.instance_type.clone()));
    env.push(s("ELBOW_REGION", spec.region.clone()));
    env.push(s(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        format!("http://{}:{imds_port}/", spec.private_ip),
    ));
    env.push(s("AWS_DEFAULT_REGION", spec.region.clone()));
    env.push(s("AWS_REGION", spec.region.clone()));
    env
}

/// Starts the user data into the instance's process group, not awaited; its exit status goes
/// to the console.
fn run_user_data(
    dir: &Path,
    spec: &LaunchSpec,
    env: &[(String, OsString)],
    pgid: i32,
    console: fs::File,
) {
    let script = dir.join("user-data");
    let is_file = spec
        .user_data
        .as_ref()
        .is_some_and(|u| u.starts_with(b"#!"));
    let mut tries = 0;
    let child = loop {
        let result = (|| {
            let mut cmd = if is_file {
                tokio::process::Command::new(&script)
            } else {
                let mut c = tokio::process::Command::new("/bin/sh");
                c.arg(&script);
                c
            };
            cmd.current_dir(dir)
                .env_clear()
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(console.try_clone()?)
                .stderr(console.try_clone()?)
                .process_group(pgid)
                .kill_on_drop(false);
            cmd.spawn()
        })();
        match result {
            // ETXTBSY: another thread forked while the script's write descriptor was open.
            Err(e) if e.raw_os_error() == Some(26) && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            other => break other,
        }
    };
    let mut console = console;
    match child {
        Ok(mut child) => {
            tokio::spawn(async move {
                let msg = match child.wait().await {
                    Ok(status) => format!("[elbow] user data exited with {status}"),
                    Err(e) => format!("[elbow] user data: {e}"),
                };
                let _ = writeln!(console, "{msg}");
            });
        }
        Err(e) => {
            let _ = writeln!(console, "[elbow] user data failed to start: {e}");
        }
    }
}

fn group_ticks(pgid: i32) -> u64 {
    procfs::group_members(pgid)
        .iter()
        .map(|(_, s)| s.ticks)
        .sum()
}

fn kill_group(pgid: i32, sig: rustix::process::Signal) {
    let Some(pid) = rustix::process::Pid::from_raw(pgid) else {
        return;
    };
    match rustix::process::kill_process_group(pid, sig) {
        Ok(()) | Err(rustix::io::Errno::SRCH) => {}
        Err(e) => tracing::warn!(pgid, error = %e, "kill process group"),
    }
}

/// SIGTERM to the group, SIGKILL after `grace`, until no live member remains.
async fn end_group(pgid: i32, grace: Duration) -> io::Result<()> {
    if procfs::group_members(pgid).is_empty() {
        return Ok(());
    }
    kill_group(pgid, rustix::process::Signal::TERM);
    let poll = Duration::from_millis(25);
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if procfs::group_members(pgid).is_empty() {
            return Ok(());
        }
        tokio::time::sleep(poll).await;
    }
    let deadline = Instant::now() + KILL_WAIT;
    loop {
        let members = procfs::group_members(pgid);
        if members.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(io::Error::other(format!(
                "process group {pgid}: {} process(es) survive SIGKILL",
                members.len()
            )));
        }
        kill_group(pgid, rustix::process::Signal::KILL);
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_disk_copies_files_and_directories_but_not_the_supervisors() {
        let base = std::env::temp_dir().join(format!("elbow-copy-disk-{}", std::process::id()));
        let (from, to) = (base.join("from"), base.join("to"));
        fs::create_dir_all(from.join("app/data")).unwrap();
        fs::write(from.join("app/data/x.txt"), "x").unwrap();
        fs::write(from.join("top.txt"), "t").unwrap();
        std::os::unix::fs::symlink("top.txt", from.join("link")).unwrap();
        for f in SUPERVISOR_FILES {
            fs::write(from.join(f), "internal").unwrap();
        }
        copy_disk(&from, &to).unwrap();
        assert_eq!(fs::read_to_string(to.join("app/data/x.txt")).unwrap(), "x");
        assert_eq!(fs::read_to_string(to.join("top.txt")).unwrap(), "t");
        assert_eq!(fs::read_link(to.join("link")).unwrap(), PathBuf::from("top.txt"));
        for f in SUPERVISOR_FILES {
            assert!(!to.join(f).exists(), "{f}");
        }
        let _ = fs::remove_dir_all(&base);
    }

    #[test]
    fn vcpus() {
        assert_eq!(vcpus_of("t2.micro"), 1);
        assert_eq!(vcpus_of("t3.micro"), 2);
        assert_eq!(vcpus_of("t3a.2xlarge"), 8);
        assert_eq!(vcpus_of("m5.large"), 2);
        assert_eq!(vcpus_of("c5.4xlarge"), 16);
        assert_eq!(vcpus_of("r5.xlarge"), 4);
        assert_eq!(vcpus_of("m1.small"), 1);
        assert_eq!(vcpus_of("weird"), 1);
    }

    #[test]
    fn ids() {
        assert!(check_id("i-0abc").is_ok());
        assert!(check_id("../x").is_err());
        assert!(check_id("").is_err());
    }
}
