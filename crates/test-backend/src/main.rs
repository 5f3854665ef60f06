//! `elbow-test-backend`: an HTTP/1.1 server on one thread, for tests and benchmarks.
//!
//! Usage: `elbow-test-backend --listen 127.0.0.2:0 [--name a] [--health-listen 127.0.0.2:0] [--tls]`.
//! With `--reset-all` the main listener closes every connection without answering (the health
//! listener still answers). With `--tls` both listeners speak HTTPS with a fresh self-signed certificate, like the
//! targets of the tutorials that run self-signed certificates.
//! Prints `listening <addr>` (and `health <addr>`) on stdout once bound, then serves:
//!
//! - `GET /` (and any path not below): `200`, body `<name>\n`, header `x-backend: <name>`;
//! - `/burn?seconds=N&threads=T`: burns T cores (default 1, at most 8) for N seconds (at most
//!   300) on other threads;
//! - `/echo`: a JSON object with the request's method, path, query, headers and body length;
//! - `/status`, `/health`, `/no-auth/status`, `/?action=stat`: `200 OK` unless switched with
//!   `POST /control/health?code=N` (which also applies to the health listener);
//! - `/sleep?ms=N`: answers after N milliseconds;
//! - `/reset`: closes the connection without answering;
//! - `/stats`: JSON `{"name":…,"requests":N}`, N counting requests on the main listener;
//! - `/setcookie?name=N`: sets cookie `N=<name>` (for application-cookie stickiness);
//! - `/ws`: a WebSocket that echoes every message, prefixed with `<name>:`.

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
    reset_all: bool,
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
    if !health_only {
        s.requests.fetch_add(1, Ordering::Relaxed);
    }
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let is_health = matches!(path.as_str(), "/status" | "/health" | "/no-auth/status") || query == "action=stat" || health_only;
    if s.reset_all && !health_only {
        return Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "--reset-all"));
    }
    if is_health {
        let code = s.health_code.load(Ordering::Relaxed);
        return Ok(text(StatusCode::from_u16(code).unwrap_or(StatusCode::OK), "OK\n"));
    }
    let mut r = match path.as_str() {
        "/echo" => {
            let method = req.method().to_string();
            let req_version = req.version();
            let headers: serde_json::Map<String, serde_json::Value> = req
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), serde_json::Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned())))
                .collect();
            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            let version = format!("{:?}", req_version);
            let v = serde_json::json!({"backend": s.name, "method": method, "path": path, "query": query, "headers": headers, "body_len": body.len(), "version": version});
            text(StatusCode::OK, v.to_string())
        }
        "/sleep" => {
            let ms: u64 = query_param(&query, "ms").and_then(|v| v.parse().ok()).unwrap_or(1000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            text(StatusCode::OK, format!("{}\n", s.name))
        }
        "/burn" => {
            // Burns one core for `seconds` (at most 300) on its own thread, answering at once,
            // so an Auto Scaling test can raise an instance's CPU for a bounded time.
            let secs: u64 = query_param(&query, "seconds").and_then(|v| v.parse().ok()).unwrap_or(10).min(300);
            let threads: u64 = query_param(&query, "threads").and_then(|v| v.parse().ok()).unwrap_or(1).clamp(1, 8);
            for _ in 0..threads {
                std::thread::spawn(move || {
                    let until = std::time::Instant::now() + Duration::from_secs(secs);
                    let mut x = 0u64;
                    while std::time::Instant::now() < until {
                        for i in 0..100_000u64 {
                            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
                        }
                    }
                });
            }
            text(StatusCode::OK, format!("{} burning {threads} thread(s) for {secs}s\n", s.name))
        }
        "/reset" => return Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "asked to reset")),
        "/ws" => return Ok(websocket(req, s.name.clone())),
        "/setcookie" => {
            let cookie = query_param(&query, "name").unwrap_or("SESSION");
            let mut r = text(StatusCode::OK, format!("{}\n", s.name));
            if let Ok(v) = http::HeaderValue::from_str(&format!("{cookie}={}; Path=/", s.name)) {
                r.headers_mut().insert(http::header::SET_COOKIE, v);
            }
            r
        }
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

/// Answers a WebSocket handshake (RFC 6455 §4.2.2) and echoes messages until the peer closes.
fn websocket(mut req: Request<Incoming>, name: String) -> Response<Full<Bytes>> {
    let Some(key) = req.headers().get("sec-websocket-key").cloned() else {
        return text(StatusCode::BAD_REQUEST, "not a websocket request\n");
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::task::spawn_local(async move {
        use futures_util::{SinkExt, StreamExt};
        let Ok(upgraded) = upgrade.await else { return };
        let mut ws = tokio_tungstenite::WebSocketStream::from_raw_socket(TokioIo::new(upgraded), tokio_tungstenite::tungstenite::protocol::Role::Server, None).await;
        while let Some(Ok(msg)) = ws.next().await {
            let reply = match msg {
                tokio_tungstenite::tungstenite::Message::Text(t) => tokio_tungstenite::tungstenite::Message::text(format!("{name}:{}", t.as_str())),
                tokio_tungstenite::tungstenite::Message::Binary(b) => tokio_tungstenite::tungstenite::Message::binary(b),
                tokio_tungstenite::tungstenite::Message::Close(_) => break,
                _ => continue,
            };
            if ws.send(reply).await.is_err() {
                break;
            }
        }
    });
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert(http::header::CONNECTION, http::HeaderValue::from_static("Upgrade"));
    h.insert(http::header::UPGRADE, http::HeaderValue::from_static("websocket"));
    if let Ok(v) = http::HeaderValue::from_str(&accept) {
        h.insert("sec-websocket-accept", v);
    }
    r
}

async fn serve(listener: TcpListener, s: Rc<Shared>, health_only: bool, tls: Option<tokio_rustls::TlsAcceptor>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let s = s.clone();
        let tls = tls.clone();
        tokio::task::spawn_local(async move {
            let svc = hyper::service::service_fn(move |req| handle(req, s.clone(), health_only));
            // HTTP/1.1, or HTTP/2 with prior knowledge (h2c) for HTTP2 target groups.
            let b = hyper_util::server::conn::auto::Builder::new(LocalExec);
            match tls {
                None => {
                    let _ = b.serve_connection_with_upgrades(TokioIo::new(stream), svc).await;
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

/// Runs HTTP/2 stream tasks on the current thread (the service holds `Rc`s).
#[derive(Clone, Copy)]
struct LocalExec;

impl<F: std::future::Future + 'static> hyper::rt::Executor<F> for LocalExec {
    fn execute(&self, fut: F) {
        tokio::task::spawn_local(fut);
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
    let reset_all = args.iter().any(|a| a == "--reset-all");
    let tls = args.iter().any(|a| a == "--tls").then(|| self_signed(&listen.ip().to_string()));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let s = Rc::new(Shared { name, reset_all, health_code: AtomicU16::new(200), requests: AtomicU64::new(0) });
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
