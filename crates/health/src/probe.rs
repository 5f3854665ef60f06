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
        ProbeKind::Http { path, matcher } => http_get(stream, addr, path, matcher).await,
        ProbeKind::Https { path, matcher } => {
            let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
            match tokio_rustls::TlsConnector::from(tls.clone()).connect(name, stream).await {
                Ok(s) => http_get(s, addr, path, matcher).await,
                Err(e) => ProbeResult::Failed(format!("TLS: {e}")),
            }
        }
    }
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
