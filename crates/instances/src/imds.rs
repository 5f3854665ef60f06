//! The instance metadata service of one instance: IMDSv2 tokens and IMDSv1 reads over
//! HTTP/1.1, on `<private_ip>:<imds_port>`. See the crate documentation for what is served.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use rand::RngCore as _;

use crate::LaunchSpec;

/// Request header carrying the wanted token lifetime on `PUT /latest/api/token`.
pub const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
/// Request header carrying an IMDSv2 token.
pub const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
/// Longest token lifetime EC2 grants (6 hours).
pub const MAX_TOKEN_TTL_SECONDS: u64 = 21_600;
/// Tokens kept per instance at most; the oldest expiring ones go first beyond it.
const MAX_TOKENS: usize = 4096;

/// What one instance's metadata service answers from.
pub(crate) struct Metadata {
    leaves: Vec<(String, Bytes)>,
    tokens: Mutex<HashMap<String, Instant>>,
}

impl Metadata {
    pub(crate) fn new(spec: &LaunchSpec, launched_at_unix_ms: u64) -> Metadata {
        let hostname = local_hostname(spec.private_ip, &spec.region);
        let mut leaves: Vec<(String, Bytes)> = Vec::new();
        let mut md = |k: &str, v: String| leaves.push((format!("meta-data/{k}"), Bytes::from(v)));
        md("ami-id", spec.image_id.clone());
        md("ami-launch-index", "0".into());
        md("hostname", hostname.clone());
        md("instance-id", spec.instance_id.clone());
        md("instance-life-cycle", "on-demand".into());
        md("instance-type", spec.instance_type.clone());
        md("local-hostname", hostname);
        md("local-ipv4", spec.private_ip.to_string());
        md(
            "placement/availability-zone",
            spec.availability_zone.clone(),
        );
        md("placement/region", spec.region.clone());
        md("services/domain", "amazonaws.com".into());
        md("services/partition", "aws".into());
        for (k, v) in &spec.tags {
            // Keys IMDS cannot express as a path segment are left out, as EC2 refuses to
            // enable tags in metadata for them.
            if !k.is_empty() && !k.contains('/') && k != "." && k != ".." {
                md(&format!("tags/instance/{k}"), v.clone());
            }
        }
        let document = serde_json::json!({
            "accountId": spec.account_id,
            "architecture": std::env::consts::ARCH,
            "availabilityZone": spec.availability_zone,
            "billingProducts": null,
            "devpayProductCodes": null,
            "marketplaceProductCodes": null,
            "imageId": spec.image_id,
            "instanceId": spec.instance_id,
            "instanceType": spec.instance_type,
            "kernelId": null,
            "pendingTime": iso8601(launched_at_unix_ms / 1000),
            "privateIp": spec.private_ip.to_string(),
            "ramdiskId": null,
            "region": spec.region,
            "version": "2017-09-30",
        });
        leaves.push((
            "dynamic/instance-identity/document".into(),
            Bytes::from(serde_json::to_string_pretty(&document).unwrap_or_default()),
        ));
        if let Some(ud) = spec.user_data.as_ref().filter(|u| !u.is_empty()) {
            leaves.push(("user-data".into(), Bytes::from(ud.clone())));
        }
        Metadata {
            leaves,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Looks up a path below `/latest/`: a leaf's value, or a directory's listing (entries
    /// one per line, sub-directories with a trailing `/`).
    fn lookup(&self, rel: &str) -> Option<Bytes> {
        let rel = rel.trim_end_matches('/');
        if let Some((_, v)) = self.leaves.iter().find(|(k, _)| k == rel) {
            return Some(v.clone());
        }
        let prefix = if rel.is_empty() {
            String::new()
        } else {
            format!("{rel}/")
        };
        let mut entries = BTreeSet::new();
        for (k, _) in &self.leaves {
            if let Some(rest) = k.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((dir, _)) => entries.insert(format!("{dir}/")),
                    None => entries.insert(rest.to_string()),
                };
            }
        }
        if entries.is_empty() {
            return None;
        }
        Some(Bytes::from(
            entries.into_iter().collect::<Vec<_>>().join("\n"),
        ))
    }

    fn issue_token(&self, ttl: u64) -> String {
        let mut raw = [0u8; 40];
        rand::rng().fill_bytes(&mut raw);
        let token = base64::engine::general_purpose::STANDARD.encode(raw);
        let now = Instant::now();
        let mut tokens = self.tokens.lock();
        tokens.retain(|_, exp| *exp > now);
        let oldest = (tokens.len() >= MAX_TOKENS)
            .then(|| {
                tokens
                    .iter()
                    .min_by_key(|(_, e)| **e)
                    .map(|(k, _)| k.clone())
            })
            .flatten();
        if let Some(oldest) = oldest {
            tokens.remove(&oldest);
        }
        tokens.insert(token.clone(), now + Duration::from_secs(ttl));
        token
    }

    /// Remaining lifetime of a valid token.
    fn check_token(&self, token: &str) -> Option<Duration> {
        let exp = *self.tokens.lock().get(token)?;
        exp.checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Answers one request.
    pub(crate) fn respond<B>(&self, req: &Request<B>) -> Response<Full<Bytes>> {
        let path = req.uri().path();
        if path == "/latest/api/token" || path == "/latest/api/token/" {
            if req.method() != Method::PUT {
                return error(StatusCode::METHOD_NOT_ALLOWED);
            }
            // EC2 refuses token requests that went through a proxy.
            if req.headers().contains_key("x-forwarded-for") {
                return error(StatusCode::FORBIDDEN);
            }
            let ttl = req
                .headers()
                .get(TOKEN_TTL_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|t| (1..=MAX_TOKEN_TTL_SECONDS).contains(t));
            let Some(ttl) = ttl else {
                return error(StatusCode::BAD_REQUEST);
            };
            let token = self.issue_token(ttl);
            return Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "text/plain")
                .header(TOKEN_TTL_HEADER, ttl.to_string())
                .header(header::SERVER, "EC2ws")
                .body(Full::new(Bytes::from(token)))
                .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR));
        }
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return error(StatusCode::METHOD_NOT_ALLOWED);
        }
        // HttpTokens=optional: no token is IMDSv1; a token, if sent, must be valid.
        let mut remaining = None;
        if let Some(t) = req.headers().get(TOKEN_HEADER) {
            match t.to_str().ok().and_then(|t| self.check_token(t)) {
                Some(d) => remaining = Some(d),
                None => return error(StatusCode::UNAUTHORIZED),
            }
        }
        let body = match path {
            "/" => Some(Bytes::from_static(b"latest")),
            _ => path.strip_prefix("/latest").and_then(|rest| {
                if rest.is_empty() {
                    self.lookup("")
                } else {
                    rest.strip_prefix('/').and_then(|rel| self.lookup(rel))
                }
            }),
        };
        let Some(body) = body else {
            return error(StatusCode::NOT_FOUND);
        };
        let mut b = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/plain")
            .header(header::SERVER, "EC2ws");
        if let Some(d) = remaining {
            b = b.header(TOKEN_TTL_HEADER, d.as_secs().max(1).to_string());
        }
        let body = if req.method() == Method::HEAD {
            Bytes::new()
        } else {
            body
        };
        b.body(Full::new(body))
            .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR))
    }
}

/// EC2's error page: a small XHTML document with the status in its title.
fn error(status: StatusCode) -> Response<Full<Bytes>> {
    let title = format!(
        "{} - {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let page = format!(
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n\
         <!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\
         \t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n \
         <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n </body>\n</html>\n"
    );
    let mut r = Response::new(Full::new(Bytes::from(page)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html"),
    );
    r.headers_mut()
        .insert(header::SERVER, http::HeaderValue::from_static("EC2ws"));
    r
}

/// EC2's private DNS name for an address: `ip-a-b-c-d.ec2.internal` in us-east-1,
/// `ip-a-b-c-d.<region>.compute.internal` elsewhere.
pub fn local_hostname(ip: Ipv4Addr, region: &str) -> String {
    let [a, b, c, d] = ip.octets();
    if region == "us-east-1" {
        format!("ip-{a}-{b}-{c}-{d}.ec2.internal")
    } else {
        format!("ip-{a}-{b}-{c}-{d}.{region}.compute.internal")
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch.
fn iso8601(secs: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(secs as i64).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&f).unwrap_or_default()
}

/// Serves the metadata on a bound listener until the task running it is aborted
/// (connections in progress are aborted with it).
pub(crate) async fn serve(listener: tokio::net::TcpListener, md: Arc<Metadata>) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::debug!(error = %e, "imds accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let md = md.clone();
            while conns.try_join_next().is_some() {}
            conns.spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let md = md.clone();
                    async move { Ok::<_, Infallible>(md.respond(&req)) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc);
                // A client that holds a connection open forever is cut after a while.
                let _ = tokio::time::timeout(Duration::from_secs(300), conn).await;
            });
        }
    }
}

/// Binds `ip:port` (port 0: an ephemeral port) as a non-blocking std listener.
pub(crate) fn bind(ip: Ipv4Addr, port: u16) -> std::io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind((ip, port))?;
    l.set_nonblocking(true)?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> LaunchSpec {
        LaunchSpec {
            instance_id: "i-0123456789abcdef0".into(),
            private_ip: Ipv4Addr::new(127, 77, 1, 2),
            availability_zone: "eu-west-1a".into(),
            instance_type: "t3.micro".into(),
            region: "eu-west-1".into(),
            user_data: Some(b"#!/bin/sh\necho hi\n".to_vec()),
            vcpus: 2,
            tags: vec![("Name".into(), "web".into())],
            image_id: "ami-12345678".into(),
            account_id: "123456789012".into(),
            seed_dir: None,
        }
    }

    fn get(
        md: &Metadata,
        method: Method,
        path: &str,
        hdrs: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut b = Request::builder().method(method).uri(path);
        for (k, v) in hdrs {
            b = b.header(*k, *v);
        }
        let r = md.respond(&b.body(()).unwrap());
        let status = r.status();
        let body = futures_body(r);
        (status, body)
    }

    fn futures_body(r: Response<Full<Bytes>>) -> String {
        use http_body_util::BodyExt as _;
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let b = rt.block_on(r.into_body().collect()).unwrap().to_bytes();
        String::from_utf8_lossy(&b).into_owned()
    }

    #[test]
    fn tree_and_tokens() {
        let md = Metadata::new(&spec(), 0);
        let (s, b) = get(&md, Method::GET, "/latest/meta-data/", &[]);
        assert_eq!(s, StatusCode::OK);
        assert!(b.lines().any(|l| l == "placement/"), "{b}");
        assert!(b.lines().any(|l| l == "instance-id"), "{b}");
        assert_eq!(
            get(&md, Method::GET, "/latest/meta-data/placement", &[]).1,
            "availability-zone\nregion"
        );
        assert_eq!(
            get(
                &md,
                Method::GET,
                "/latest/meta-data/tags/instance/Name",
                &[]
            )
            .1,
            "web"
        );
        assert_eq!(
            get(&md, Method::GET, "/latest/meta-data/local-hostname", &[]).1,
            "ip-127-77-1-2.eu-west-1.compute.internal"
        );
        assert_eq!(
            get(&md, Method::GET, "/latest/meta-data/nope", &[]).0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get(&md, Method::GET, "/latest/user-data", &[]).1,
            "#!/bin/sh\necho hi\n"
        );
        let doc: serde_json::Value = serde_json::from_str(
            &get(
                &md,
                Method::GET,
                "/latest/dynamic/instance-identity/document",
                &[],
            )
            .1,
        )
        .unwrap();
        assert_eq!(doc["instanceId"], "i-0123456789abcdef0");
        assert_eq!(doc["pendingTime"], "1970-01-01T00:00:00Z");
        assert_eq!(
            get(&md, Method::PUT, "/latest/api/token", &[]).0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            get(
                &md,
                Method::PUT,
                "/latest/api/token",
                &[(TOKEN_TTL_HEADER, "0")]
            )
            .0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            get(
                &md,
                Method::PUT,
                "/latest/api/token",
                &[(TOKEN_TTL_HEADER, "21601")]
            )
            .0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            get(
                &md,
                Method::PUT,
                "/latest/api/token",
                &[(TOKEN_TTL_HEADER, "60"), ("x-forwarded-for", "1.2.3.4")]
            )
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            get(&md, Method::GET, "/latest/api/token", &[]).0,
            StatusCode::METHOD_NOT_ALLOWED
        );
        let (s, tok) = get(
            &md,
            Method::PUT,
            "/latest/api/token",
            &[(TOKEN_TTL_HEADER, "60")],
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            get(
                &md,
                Method::GET,
                "/latest/meta-data/instance-id",
                &[(TOKEN_HEADER, &tok)]
            )
            .1,
            "i-0123456789abcdef0"
        );
        assert_eq!(
            get(
                &md,
                Method::GET,
                "/latest/meta-data/instance-id",
                &[(TOKEN_HEADER, "bogus")]
            )
            .0,
            StatusCode::UNAUTHORIZED
        );
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
