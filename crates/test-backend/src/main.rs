//! `elbow-test-backend`: an HTTP/1.1 server on one thread, for tests and benchmarks.
//!
//! Usage: `elbow-test-backend --listen 127.0.0.2:0 [--name a] [--health-listen 127.0.0.2:0] [--tls]`.
//! With `--tls` both listeners speak HTTPS with a fresh self-signed certificate, like the
//! targets of the tutorials that run self-signed certificates.
//! Prints `listening <addr>` (and `health <addr>`) on stdout once bound, then serves:
//!
//! - `GET /` (and any path not below): `200`, body `<name>\n`, header `x-backend: <name>`;
//! - `/echo`: a JSON object with the request's method, path, query, headers and body length;
//! - `/status`, `/health`, `/no-auth/status`, `/?action=stat`: `200 OK` unless switched with
//!   `POST /control/health?code=N` (which also applies to the health listener);
//! - `/sleep?ms=N`: answers after N milliseconds;
//! - `/reset`: closes the connection without answering;
//! - `/stats`: JSON `{"name":…,"requests":N}`.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

struct Shared {
    name: String,
    health_code: AtomicU16,
    requests: AtomicU64,
}

fn arg(args: &[String], flag: &str) -> Option<String> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned()
}

fn query_param<'a>(q: &'a str, key: &str) -> Option<&'a str> {
    q.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == key).map(|(_, v)| v)
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r
}

async fn handle(req: Request<Incoming>, s: Rc<Shared>, health_only: bool) -> Result<Response<Full<Bytes>>, std::io::Error> {
    s.requests.fetch_add(1, Ordering::Relaxed);
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let is_health = matches!(path.as_str(), "/status" | "/health" | "/no-auth/status") || query == "action=stat" || health_only;
    if is_health {
        let code = s.health_code.load(Ordering::Relaxed);
        return Ok(text(StatusCode::from_u16(code).unwrap_or(StatusCode::OK), "OK\n"));
    }
    let mut r = match path.as_str() {
        "/echo" => {
            let method = req.method().to_string();
            let headers: serde_json::Map<String, serde_json::Value> = req
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), serde_json::Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned())))
                .collect();
            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            let v = serde_json::json!({"backend": s.name, "method": method, "path": path, "query": query, "headers": headers, "body_len": body.len()});
            text(StatusCode::OK, v.to_string())
        }
        "/sleep" => {
            let ms: u64 = query_param(&query, "ms").and_then(|v| v.parse().ok()).unwrap_or(1000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            text(StatusCode::OK, format!("{}\n", s.name))
        }
        "/reset" => return Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "asked to reset")),
        "/stats" => text(StatusCode::OK, serde_json::json!({"name": s.name, "requests": s.requests.load(Ordering::Relaxed)}).to_string()),
        "/control/health" => {
            let code: u16 = query_param(&query, "code").and_then(|v| v.parse().ok()).unwrap_or(200);
            s.health_code.store(code, Ordering::Relaxed);
            text(StatusCode::OK, "set\n")
        }
        _ => text(StatusCode::OK, format!("{}\n", s.name)),
    };
    if let Ok(v) = http::HeaderValue::from_str(&s.name) {
        r.headers_mut().insert("x-backend", v);
    }
    Ok(r)
}

async fn serve(listener: TcpListener, s: Rc<Shared>, health_only: bool, tls: Option<tokio_rustls::TlsAcceptor>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let s = s.clone();
        let tls = tls.clone();
        tokio::task::spawn_local(async move {
            let svc = hyper::service::service_fn(move |req| handle(req, s.clone(), health_only));
            let b = hyper::server::conn::http1::Builder::new();
            match tls {
                None => {
                    let _ = b.serve_connection(TokioIo::new(stream), svc).await;
                }
                Some(acceptor) => {
                    if let Ok(tls_stream) = acceptor.accept(stream).await {
                        let _ = b.serve_connection(TokioIo::new(tls_stream), svc).await;
                    }
                }
            }
        });
    }
}

/// A TLS acceptor with a new self-signed certificate for `name`.
fn self_signed(name: &str) -> tokio_rustls::TlsAcceptor {
    let key = rcgen::generate_simple_self_signed(vec![name.to_string()]).expect("self-signed certificate");
    let cert = key.cert.der().clone();
    let pkey = rustls::pki_types::PrivateKeyDer::try_from(key.signing_key.serialize_der()).expect("key");
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], pkey)
        .expect("server config");
    tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(cfg))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let listen: SocketAddr = arg(&args, "--listen").unwrap_or_else(|| "127.0.0.1:0".into()).parse().expect("--listen IP:PORT");
    let health_listen: Option<SocketAddr> = arg(&args, "--health-listen").map(|a| a.parse().expect("--health-listen IP:PORT"));
    let name = arg(&args, "--name").unwrap_or_else(|| listen.ip().to_string());
    let tls = args.iter().any(|a| a == "--tls").then(|| self_signed(&listen.ip().to_string()));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let s = Rc::new(Shared { name, health_code: AtomicU16::new(200), requests: AtomicU64::new(0) });
        let main = TcpListener::bind(listen).await.expect("bind --listen");
        println!("listening {}", main.local_addr().expect("addr"));
        if let Some(h) = health_listen {
            let hl = TcpListener::bind(h).await.expect("bind --health-listen");
            println!("health {}", hl.local_addr().expect("addr"));
            tokio::task::spawn_local(serve(hl, s.clone(), true, tls.clone()));
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        serve(main, s, false, tls).await;
    });
}
