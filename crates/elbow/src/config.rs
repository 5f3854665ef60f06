//! Settings of `elbow serve`: command line, then `ELBOW_*` environment variables (both through
//! clap), then the optional TOML file, then defaults.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

/// The API's default address: loopback, port 4750.
pub const DEFAULT_API_ADDR: &str = "127.0.0.1:4750";

/// Parses `HOST:PORT` where HOST is an IP address or a name (`localhost:4750`), resolved once
/// at start to its first address.
///
/// Errors: a message naming the value when it has no port or the name does not resolve.
pub fn parse_host_port(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse() {
        return Ok(a);
    }
    if s.rsplit_once(':').is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err()) {
        return Err(format!("'{s}' is not HOST:PORT"));
    }
    use std::net::ToSocketAddrs as _;
    s.to_socket_addrs().map_err(|e| format!("cannot resolve '{s}': {e}"))?.next().ok_or_else(|| format!("'{s}' resolves to no address"))
}

fn host_port_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    let s = String::deserialize(d)?;
    parse_host_port(&s).map(Some).map_err(serde::de::Error::custom)
}

/// `elbow serve` flags. Every flag has an `ELBOW_*` environment variable.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address of the AWS-compatible API (every service on one endpoint), HOST:PORT [default: 127.0.0.1:4750].
    #[arg(long, env = "ELBOW_API_ADDR", value_parser = parse_host_port)]
    pub api_addr: Option<SocketAddr>,
    /// Directory of the embedded store [default: $XDG_DATA_HOME/elbow, else ~/.local/share/elbow, else ./elbow-data].
    #[arg(long, env = "ELBOW_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address load-balancer listeners bind on; each listener binds <addr>:<listener port> [default: 0.0.0.0].
    #[arg(long, env = "ELBOW_LISTEN_ADDR")]
    pub listen_addr: Option<IpAddr>,
    /// TOML file with any of these settings (snake_case keys, e.g. `api_addr = "127.0.0.1:4750"`).
    #[arg(long, env = "ELBOW_CONFIG")]
    pub config: Option<PathBuf>,
    /// `human` or `json` [default: human].
    #[arg(long, env = "ELBOW_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. `info` or `proxy=debug,info` [default: info].
    #[arg(long, env = "ELBOW_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// Region of requests that carry no SigV4 credential scope [default: us-east-1].
    #[arg(long, env = "ELBOW_REGION")]
    pub region: Option<String>,
    /// Account id used in ARNs [default: 123456789012].
    #[arg(long, env = "ELBOW_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// DNS suffix of load balancer DNS names [default: elb.localhost].
    #[arg(long, env = "ELBOW_DNS_SUFFIX")]
    pub dns_suffix: Option<String>,
    /// Threads of the async runtime [default: number of cores].
    #[arg(long, env = "ELBOW_WORKER_THREADS")]
    pub worker_threads: Option<usize>,
    /// Seconds in-flight requests may take to finish on SIGTERM/SIGINT [default: 10].
    #[arg(long, env = "ELBOW_SHUTDOWN_GRACE")]
    pub shutdown_grace: Option<u64>,
    /// Days before expiry that ACM certificates issued by `RequestCertificate` are renewed
    /// [default: 60, as ACM's managed renewal].
    #[arg(long, env = "ELBOW_ACM_RENEWAL_WINDOW_DAYS")]
    pub acm_renewal_window_days: Option<u64>,
    /// Port of each instance's metadata endpoint on the instance's own address (0: any free
    /// port; instances find it in AWS_EC2_METADATA_SERVICE_ENDPOINT) [default: 0].
    #[arg(long, env = "ELBOW_IMDS_PORT")]
    pub imds_port: Option<u16>,
    /// Seconds per metric period of target-tracking scaling policies [default: 60, as AWS].
    #[arg(long, env = "ELBOW_AUTOSCALING_PERIOD_SECONDS")]
    pub autoscaling_period_seconds: Option<u64>,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default, deserialize_with = "host_port_option")]
    api_addr: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    listen_addr: Option<IpAddr>,
    log_format: Option<LogFormat>,
    log_level: Option<String>,
    region: Option<String>,
    account_id: Option<String>,
    dns_suffix: Option<String>,
    worker_threads: Option<usize>,
    shutdown_grace: Option<u64>,
    acm_renewal_window_days: Option<u64>,
    imds_port: Option<u16>,
    autoscaling_period_seconds: Option<u64>,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// API address.
    pub api_addr: SocketAddr,
    /// Embedded store directory.
    pub data_dir: PathBuf,
    /// Listener bind address.
    pub listen_addr: IpAddr,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter.
    pub log_level: String,
    /// Default region.
    pub region: String,
    /// Account id.
    pub account_id: String,
    /// DNS suffix.
    pub dns_suffix: String,
    /// Runtime threads (`None`: one per core).
    pub worker_threads: Option<usize>,
    /// Shutdown grace period.
    pub shutdown_grace: Duration,
    /// How long before expiry issued ACM certificates are renewed.
    pub acm_renewal_window: Duration,
    /// Port of the instances' metadata endpoints (0: ephemeral).
    pub imds_port: u16,
    /// Target-tracking metric period.
    pub autoscaling_period: Duration,
}

/// `$XDG_DATA_HOME/elbow`, else `~/.local/share/elbow`, else `./elbow-data` (no `HOME`, as
/// under some service managers). A relative `XDG_DATA_HOME` is ignored, as the XDG Base
/// Directory specification says.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| Path::new(v).is_absolute()) {
        return Path::new(&x).join("elbow");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return Path::new(&h).join(".local/share/elbow");
    }
    PathBuf::from("elbow-data")
}

impl ServeArgs {
    /// Merges flags/environment with the config file and defaults.
    ///
    /// Errors: the config file cannot be read or has unknown keys or bad values.
    pub fn resolve(&self) -> anyhow::Result<Settings> {
        let file = match &self.config {
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| format!("cannot read config file {}", p.display()))?;
                toml::from_str::<FileConfig>(&text).with_context(|| format!("invalid config file {}", p.display()))?
            }
            None => FileConfig::default(),
        };
        Ok(Settings {
            api_addr: self.api_addr.or(file.api_addr).unwrap_or_else(|| DEFAULT_API_ADDR.parse().expect("valid default")),
            data_dir: self.data_dir.clone().or(file.data_dir).unwrap_or_else(default_data_dir),
            listen_addr: self.listen_addr.or(file.listen_addr).unwrap_or(IpAddr::from([0, 0, 0, 0])),
            log_format: self.log_format.or(file.log_format).unwrap_or(LogFormat::Human),
            log_level: self.log_level.clone().or(file.log_level).unwrap_or_else(|| "info".into()),
            region: self.region.clone().or(file.region).unwrap_or_else(|| "us-east-1".into()),
            account_id: self.account_id.clone().or(file.account_id).unwrap_or_else(|| "123456789012".into()),
            dns_suffix: self.dns_suffix.clone().or(file.dns_suffix).unwrap_or_else(|| "elb.localhost".into()),
            worker_threads: self.worker_threads.or(file.worker_threads),
            shutdown_grace: Duration::from_secs(self.shutdown_grace.or(file.shutdown_grace).unwrap_or(10)),
            acm_renewal_window: Duration::from_secs(86_400 * self.acm_renewal_window_days.or(file.acm_renewal_window_days).unwrap_or(60)),
            imds_port: self.imds_port.or(file.imds_port).unwrap_or(0),
            autoscaling_period: Duration::from_secs(self.autoscaling_period_seconds.or(file.autoscaling_period_seconds).unwrap_or(60).max(1)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_host_port;

    #[test]
    fn api_addresses_take_ips_and_names() {
        assert_eq!(parse_host_port("127.0.0.1:4750").unwrap(), "127.0.0.1:4750".parse().unwrap());
        assert!(parse_host_port("localhost:4750").unwrap().ip().is_loopback());
        assert_eq!(parse_host_port("localhost:4750").unwrap().port(), 4750);
        for bad in ["localhost", "bogus", ":4750", "localhost:99999"] {
            let e = parse_host_port(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }
}
