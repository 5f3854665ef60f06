//! # elbow — a self-hosted Elastic Load Balancer
//!
//! The binary: command line, configuration, logging, and the wiring of the control plane
//! (`store` → `state` → `api`) to the data plane (`proxy`, `health`). It is the only crate that
//! sees both planes; they exchange `Arc<Snapshot>` and the `HealthTable` only.

#![forbid(unsafe_code)]

mod acm_renewal;
mod certificate_cmd;
mod config;
mod listener_ports;

use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::config::{LogFormat, ServeArgs, Settings};

#[derive(Parser)]
#[command(name = "elbow", version, about = "A self-hosted Elastic Load Balancer driven by AWS's own APIs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a node: the AWS API endpoint, the load balancers' listeners and health checks.
    Serve(ServeArgs),
    /// Make a self-signed certificate, or export the local certificate authority's root.
    #[command(subcommand)]
    Certificate(certificate_cmd::CertificateCommand),
}

fn init_logging(s: &Settings) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&s.log_level).with_context(|| format!("invalid --log-level '{}'", s.log_level))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match s.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Human => builder.init(),
    }
    Ok(())
}

/// mimalloc: the proxy path allocates and frees small blocks per request (HTTP/2 streams, header
/// maps); glibc's malloc spent about 9 % of the CPU of an HTTP/2 benchmark on them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Certificate(c) => certificate_cmd::run(c),
        Command::Serve(args) => {
            let settings = args.resolve()?;
            init_logging(&settings)?;
            // One descriptor per client and target connection: raise the soft limit to the hard
            // one, as HAProxy and nginx do, instead of failing at the usual 1024.
            match rlimit::increase_nofile_limit(u64::MAX) {
                Ok(n) => tracing::debug!(limit = n, "open file limit"),
                Err(e) => tracing::warn!(error = %e, "cannot raise the open file limit"),
            }
            let mut rt = tokio::runtime::Builder::new_multi_thread();
            rt.enable_all();
            if let Some(n) = settings.worker_threads {
                rt.worker_threads(n.max(1));
            }
            rt.build()?.block_on(serve(settings))
        }
    }
}

async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}

/// The secret that seals stickiness cookies: 32 random bytes in `<data-dir>/cookie.key`
/// (mode 0600), created on first start, so cookies stay valid across restarts.
fn cookie_secret(data_dir: &std::path::Path) -> anyhow::Result<[u8; 32]> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = data_dir.join("cookie.key");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() == 32 => Ok(bytes.try_into().unwrap_or([0; 32])),
        Ok(_) => anyhow::bail!("{} is not a 32-byte key; delete it to make a new one (sticky clients then pick new targets)", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret: [u8; 32] = rand::random();
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).with_context(|| format!("cannot create {}", path.display()))?;
            f.write_all(&secret)?;
            f.sync_all()?;
            Ok(secret)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

async fn serve(s: Settings) -> anyhow::Result<()> {
    let store = Arc::new(store::EmbeddedStore::open(&s.data_dir).context("cannot open the embedded store")?);
    let cookie_secret = cookie_secret(&s.data_dir)?;
    let store_path = store.path().to_path_buf();
    let health = Arc::new(model::HealthTable::new());
    // Certificates' private keys are stored sealed under <data-dir>/certificate.key (the API
    // seals them, the proxy opens them); ACM RequestCertificate issues from the local CA in
    // <data-dir>/ca.key and ca.pem.
    let key_path = s.data_dir.join("certificate.key");
    let sealer = Arc::new(tls::sealing::KeySealer::load_or_create(&key_path).with_context(|| format!("cannot read or create {}", key_path.display()))?);
    let proxy = proxy::Proxy::new(proxy::ProxyConfig { listen_addr: s.listen_addr, cookie_secret, key_sealer: sealer.clone() }, health.clone());
    let hook = Arc::new(listener_ports::ListenerPorts { proxy: proxy.clone(), listen_addr: s.listen_addr });
    let state = state::State::start(store, Some(hook)).await.context("cannot load the stored configuration")?;
    let api_listener = tokio::net::TcpListener::bind(s.api_addr).await.with_context(|| format!("cannot listen on --api-addr {}", s.api_addr))?;
    let api_addr = api_listener.local_addr()?;
    let local_ca = Arc::new(tls::local_ca::LocalCa::load_or_create(&s.data_dir).context("cannot load or create the local certificate authority (ca.key, ca.pem)")?);
    let api = api::Api::with_certificates(
        state.clone(),
        health.clone(),
        api::ApiConfig {
            account_id: s.account_id.clone(),
            default_region: s.region.clone(),
            dns_suffix: s.dns_suffix.clone(),
            console_dir: Some(s.data_dir.join("instances")),
            images_dir: Some(s.data_dir.join("images")),
        },
        api::CertificateServices { sealer: sealer.clone(), issuer: Some(local_ca.clone()) },
    );

    let shutdown = CancellationToken::new();
    let revision = state.current().revision;
    let data_plane = tokio::spawn(proxy.clone().run(state.watch(), shutdown.clone(), s.shutdown_grace));
    let checks = tokio::spawn(health::run(state.watch(), health.clone(), shutdown.clone()));
    let renewals = tokio::spawn(acm_renewal::run(state.clone(), local_ca, sealer, s.acm_renewal_window, shutdown.clone()));
    // EC2 instances are local process groups under <data-dir>/instances; Auto Scaling keeps
    // groups at their desired capacity. Instances outlive elbow and are adopted on start.
    let supervisor = Arc::new(instances::Supervisor::new(s.data_dir.join("instances"), s.imds_port));
    let instance_runtime = tokio::spawn(autoscaling::instance_runtime::run(state.clone(), supervisor.clone(), s.account_id.clone(), shutdown.clone()));
    let controller = tokio::spawn(autoscaling::controller::run(
        state.clone(),
        supervisor,
        health.clone(),
        autoscaling::controller::ControllerConfig { evaluation_period: s.autoscaling_period, ..Default::default() },
        shutdown.clone(),
    ));
    // Listeners restored from the store are bound before the node says it is ready.
    proxy.wait_applied(revision).await;
    let api_task = tokio::spawn(api::serve(api, api_listener, shutdown.clone(), s.shutdown_grace));

    tracing::info!(api = %api_addr, data = %store_path.display(), listen = %s.listen_addr, revision, "elbow ready");
    {
        // A closed stdout (`elbow serve | head -1`) must not stop the node.
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "elbow {} is serving the AWS API at http://{api_addr} (state: {})", env!("CARGO_PKG_VERSION"), store_path.display());
        let _ = writeln!(out, "Load balancer listeners bind on {}. Any AWS credentials are accepted; the region comes from the request (default {}).", s.listen_addr, s.region);
        let _ = writeln!(out, "Try:  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws elbv2 describe-load-balancers --region {} --endpoint-url http://{api_addr}", s.region);
    }

    let sig = shutdown_signal().await;
    tracing::info!(signal = sig, grace_s = s.shutdown_grace.as_secs(), "shutting down: no new connections, finishing in-flight requests");
    shutdown.cancel();
    let _ = tokio::join!(api_task, data_plane, checks, renewals, instance_runtime, controller);
    tracing::info!("stopped");
    Ok(())
}
