//! One health check: TCP connect, or an HTTP(S) `GET` whose status must match the matcher.
//! As ALB does, each check uses a new connection that is closed afterwards, and sends
//! `User-Agent: ELB-HealthChecker/2.0`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::state_machine::ProbeResult;

/// What one check does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeKind {
    /// Connect only.
    Tcp,
    /// Connect and complete a TLS handshake (a Classic Load Balancer's `SSL:<port>` check; the
    /// certificate is not verified).
    Tls,
    /// `GET path` over plain HTTP/1.1.
    Http {
        /// Request path, e.g. `/no-auth/status`.
        path: String,
        /// Accepted codes as inclusive ranges.
        matcher: Vec<(u16, u16)>,
    },
    /// `GET path` over TLS (the target's certificate is not verified, as on ALB).
    Https {
        /// Request path.
        path: String,
        /// Accepted codes as inclusive ranges.
        matcher: Vec<(u16, u16)>,
    },
    /// A gRPC call of `path` (default `/AWS.ALB/healthcheck`) over HTTP/2 — h2c, or h2 over TLS
    /// when `tls` — judged by its `grpc-status` (ALB guide, "Health checks for gRPC").
    Grpc {
        /// `/package.service/method`.
        path: String,
        /// Accepted gRPC status codes as inclusive ranges (default 12, UNIMPLEMENTED: the
        /// server is up even if it has no such method).
        matcher: Vec<(u16, u16)>,
        /// Over TLS (HTTPS target groups).
        tls: bool,
    },
}

/// Runs one check against `addr`, bounded by `timeout` as a whole.
pub async fn probe(addr: SocketAddr, kind: &ProbeKind, timeout: Duration, tls: &Arc<rustls::ClientConfig>) -> ProbeResult {
    match tokio::time::timeout(timeout, probe_inner(addr, kind, tls)).await {
        Ok(r) => r,
        Err(_) => ProbeResult::Timeout,
    }
}

async fn probe_inner(addr: SocketAddr, kind: &ProbeKind, tls: &Arc<rustls::ClientConfig>) -> ProbeResult {
    let stream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => return ProbeResult::Failed(format!("connect: {e}")),
    };
    let _ = stream.set_nodelay(true);
    match kind {
        ProbeKind::Tcp => ProbeResult::Pass,
        ProbeKind::Tls => {
            let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
            match tokio_rustls::TlsConnector::from(tls.clone()).connect(name, stream).await {
                Ok(_) => ProbeResult::Pass,
                Err(e) => ProbeResult::Failed(format!("TLS: {e}")),
            }
        }
        ProbeKind::Http { path, matcher } => http_get(stream, addr, path, matcher).await,
        ProbeKind::Https { path, matcher } => {
            let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
            match tokio_rustls::TlsConnector::from(tls.clone()).connect(name, stream).await {
                Ok(s) => http_get(s, addr, path, matcher).await,
                Err(e) => ProbeResult::Failed(format!("TLS: {e}")),
            }
        }
        ProbeKind::Grpc { path, matcher, tls: false } => grpc_call(stream, addr, path, matcher).await,
        ProbeKind::Grpc { path, matcher, tls: true } => {
            let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
            let mut cfg = (**tls).clone();
            cfg.alpn_protocols = vec![b"h2".to_vec()];
            match tokio_rustls::TlsConnector::from(std::sync::Arc::new(cfg)).connect(name, stream).await {
                Ok(s) => grpc_call(s, addr, path, matcher).await,
                Err(e) => ProbeResult::Failed(format!("TLS: {e}")),
            }
        }
    }
}

/// Calls `path` with an empty message and reads the gRPC status from the headers
/// (trailers-only answer) or the trailers.
async fn grpc_call<S>(io: S, addr: SocketAddr, path: &str, matcher: &[(u16, u16)]) -> ProbeResult
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    use http_body_util::BodyExt;
    let handshake = hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
        .handshake::<_, http_body_util::Full<Bytes>>(TokioIo::new(io))
        .await;
    let (mut sender, conn) = match handshake {
        Ok(x) => x,
        Err(e) => return ProbeResult::Failed(format!("HTTP/2 handshake: {e}")),
    };
    let conn = tokio::spawn(conn);
    // An empty gRPC message: not compressed, length 0 (gRPC over HTTP/2, "Length-Prefixed-Message").
    let req = http::Request::post(format!("http://{addr}{path}"))
        .header(http::header::CONTENT_TYPE, "application/grpc")
        .header(http::header::TE, "trailers")
        .header(http::header::USER_AGENT, "ELB-HealthChecker/2.0")
        .body(http_body_util::Full::new(Bytes::from_static(&[0, 0, 0, 0, 0])));
    let Ok(req) = req else { return ProbeResult::Failed("bad health check path".into()) };
    let result = match sender.send_request(req).await {
        Err(e) => ProbeResult::Failed(format!("response: {e}")),
        Ok(resp) => {
            let status_of = |h: &http::HeaderMap| h.get("grpc-status").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u16>().ok());
            let mut code = status_of(resp.headers());
            if code.is_none() {
                let mut body = resp.into_body();
                while let Some(frame) = body.frame().await {
                    match frame {
                        Ok(f) => {
                            if let Some(t) = f.trailers_ref() {
                                code = status_of(t);
                            }
                        }
                        Err(_) => break,
                    }
                }
            }
            match code {
                Some(c) if matcher.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) => ProbeResult::Pass,
                Some(c) => ProbeResult::CodeMismatch(c),
                None => ProbeResult::Failed("no grpc-status in the answer".into()),
            }
        }
    };
    conn.abort();
    result
}

async fn http_get<S>(io: S, addr: SocketAddr, path: &str, matcher: &[(u16, u16)]) -> ProbeResult
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, conn) = match hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(io)).await {
        Ok(x) => x,
        Err(e) => return ProbeResult::Failed(format!("handshake: {e}")),
    };
    let conn = tokio::spawn(conn);
    let req = http::Request::get(path)
        .header(http::header::HOST, addr.to_string())
        .header(http::header::USER_AGENT, "ELB-HealthChecker/2.0")
        .header(http::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new());
    let req = match req {
        Ok(r) => r,
        Err(e) => return ProbeResult::Failed(format!("request: {e}")),
    };
    let result = match sender.send_request(req).await {
        Ok(resp) => {
            let code = resp.status().as_u16();
            if matcher.iter().any(|&(lo, hi)| (lo..=hi).contains(&code)) { ProbeResult::Pass } else { ProbeResult::CodeMismatch(code) }
        }
        Err(e) => ProbeResult::Failed(format!("response: {e}")),
    };
    // The check's connection is not reused.
    conn.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A server that answers every connection with `response` (or nothing if `None`).
    async fn server(response: Option<&'static str>) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else { return };
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let _ = s.read(&mut buf).await;
                    match response {
                        Some(r) => {
                            let _ = s.write_all(r.as_bytes()).await;
                        }
                        None => tokio::time::sleep(Duration::from_secs(10)).await,
                    }
                });
            }
        });
        addr
    }

    fn http(path: &str, matcher: &[(u16, u16)]) -> ProbeKind {
        ProbeKind::Http { path: path.into(), matcher: matcher.to_vec() }
    }

    #[tokio::test]
    async fn probes_classify_real_responses() {
        let tls = tls::target_client_config(&[]);
        let t = Duration::from_millis(500);
        let ok = server(Some("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")).await;
        let not_found = server(Some("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")).await;
        let garbage = server(Some("SSH-2.0-OpenSSH\r\n")).await;
        let silent = server(None).await;
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        assert_eq!(probe(ok, &http("/", &[(200, 200)]), t, &tls).await, ProbeResult::Pass);
        assert_eq!(probe(not_found, &http("/", &[(200, 299)]), t, &tls).await, ProbeResult::CodeMismatch(404));
        assert_eq!(probe(not_found, &http("/", &[(200, 200), (404, 404)]), t, &tls).await, ProbeResult::Pass);
        assert!(matches!(probe(garbage, &http("/", &[(200, 200)]), t, &tls).await, ProbeResult::Failed(_)));
        assert_eq!(probe(silent, &http("/", &[(200, 200)]), t, &tls).await, ProbeResult::Timeout);
        assert!(matches!(probe(closed, &http("/", &[(200, 200)]), t, &tls).await, ProbeResult::Failed(_)));
        // TCP checks only connect.
        assert_eq!(probe(silent, &ProbeKind::Tcp, t, &tls).await, ProbeResult::Pass);
        assert!(matches!(probe(closed, &ProbeKind::Tcp, t, &tls).await, ProbeResult::Failed(_)));
        // A TLS check passes on a handshake and fails against a server that does not speak TLS.
        let (cert, key) = tls::self_signed::self_signed(&["target.test".to_string()], "RSA_2048", 1, std::time::SystemTime::now()).unwrap();
        let certified = tls::certificate::certified_key(&cert, None, key.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tls_addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = acceptor.accept(s).await;
                });
            }
        });
        assert_eq!(probe(tls_addr, &ProbeKind::Tls, t, &tls).await, ProbeResult::Pass);
        assert!(matches!(probe(ok, &ProbeKind::Tls, t, &tls).await, ProbeResult::Failed(_)));
        // An HTTPS check against a plain-HTTP server fails its handshake.
        assert!(matches!(probe(ok, &ProbeKind::Https { path: "/".into(), matcher: vec![(200, 200)] }, t, &tls).await, ProbeResult::Failed(_)));
    }
}
