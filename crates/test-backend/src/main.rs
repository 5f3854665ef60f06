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
//! - `/status`, `/health`, `/no-auth/status`: `200 OK` unless switched with
//!   `POST /control/health?code=N` (which also applies to the health listener);
//! - `/?action=stat` (the WebRTC server's statistics page, also a health check): the same
//!   status, body JSON `{"name":…,"websockets":N}`, N the WebSocket connections open now;
//! - `/sleep?ms=N`: answers after N milliseconds;
//! - `/reset`: closes the connection without answering;
//! - `/stats`: JSON `{"name":…,"requests":N}`, N counting requests on the main listener;
//! - `/setcookie?name=N`: sets cookie `N=<name>` (for application-cookie stickiness);
//! - `/ws`: a WebSocket that echoes every message, prefixed with `<name>:`.
//!
//! Layer-4 modes, next to the HTTP listener (which then serves health checks):
//!
//! - `--tcp-echo IP:PORT` (prints `tcp-echo <addr>`): a line echo. Each line comes back as
//!   sent, except `whoami`, answered with `<name>` (or `<name> <client-ip>:<client-port>` with
//!   `--proxy-protocol`); a partial last line is echoed at the end of stream. It honours
//!   half-close: after the client's end of stream it still writes `bye <bytes-received>\n`, then
//!   closes.
//! - `--udp-echo IP:PORT` (prints `udp-echo <addr>`): answers each datagram with
//!   `<name> <datagram>` (with `--proxy-protocol`, `<name> <client-ip>:<client-port> <datagram>`
//!   after removing the header each datagram carries).
//! - `--proxy-protocol`: both echoes expect a PROXY protocol header first (version 2, or for TCP
//!   version 1 as Classic Load Balancers send), parsed with the third-party `ppp` crate; a
//!   connection without one is closed.

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
    /// WebSocket connections open now (the WebRTC server's statistics page shows them).
    websockets: AtomicU64,
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
        let code = StatusCode::from_u16(s.health_code.load(Ordering::Relaxed)).unwrap_or(StatusCode::OK);
        if query == "action=stat" {
            return Ok(text(code, serde_json::json!({"name": s.name, "websockets": s.websockets.load(Ordering::Relaxed)}).to_string()));
        }
        return Ok(text(code, "OK\n"));
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
        "/ws" => return Ok(websocket(req, s.clone())),
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
fn websocket(mut req: Request<Incoming>, s: Rc<Shared>) -> Response<Full<Bytes>> {
    let Some(key) = req.headers().get("sec-websocket-key").cloned() else {
        return text(StatusCode::BAD_REQUEST, "not a websocket request\n");
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::task::spawn_local(async move {
        use futures_util::{SinkExt, StreamExt};
        let Ok(upgraded) = upgrade.await else { return };
        let name = &s.name;
        s.websockets.fetch_add(1, Ordering::Relaxed);
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
        s.websockets.fetch_sub(1, Ordering::Relaxed);
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

/// The client address a PROXY protocol header (version 1 text or version 2 binary) names, and
/// the header's length. `Ok(None)` while more bytes are needed.
fn parse_proxy_header(bytes: &[u8]) -> Result<Option<(SocketAddr, usize)>, String> {
    if bytes.starts_with(b"PROXY ") {
        let Some(end) = bytes.windows(2).position(|w| w == b"\r\n") else { return Ok(None) };
        let text = std::str::from_utf8(&bytes[..end + 2]).map_err(|e| e.to_string())?;
        let h = ppp::v1::Header::try_from(text).map_err(|e| e.to_string())?;
        let client = match h.addresses {
            ppp::v1::Addresses::Tcp4(a) => SocketAddr::new(a.source_address.into(), a.source_port),
            ppp::v1::Addresses::Tcp6(a) => SocketAddr::new(a.source_address.into(), a.source_port),
            other => return Err(format!("unsupported addresses {other:?}")),
        };
        return Ok(Some((client, end + 2)));
    }
    if bytes.len() < 6 && b"PROXY ".starts_with(bytes) {
        return Ok(None);
    }
    match ppp::v2::Header::try_from(bytes) {
        Ok(h) => {
            let client = match h.addresses {
                ppp::v2::Addresses::IPv4(a) => SocketAddr::new(a.source_address.into(), a.source_port),
                ppp::v2::Addresses::IPv6(a) => SocketAddr::new(a.source_address.into(), a.source_port),
                other => return Err(format!("unsupported addresses {other:?}")),
            };
            Ok(Some((client, h.len())))
        }
        Err(ppp::v2::ParseError::Incomplete(_) | ppp::v2::ParseError::Partial(_, _)) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// One TCP echo connection (see the module documentation).
async fn tcp_echo(mut stream: tokio::net::TcpStream, peer: SocketAddr, name: Rc<String>, proxy_protocol: bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let mut client = peer;
    if proxy_protocol {
        loop {
            match parse_proxy_header(&buf) {
                Ok(Some((addr, len))) => {
                    client = addr;
                    buf.drain(..len);
                    break;
                }
                Ok(None) => {}
                Err(e) => {
                    eprintln!("tcp-echo: bad PROXY header from {peer}: {e}");
                    return;
                }
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }
    let mut received = buf.len() as u64;
    loop {
        while let Some(i) = buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=i).collect();
            let reply = if &line[..line.len() - 1] == b"whoami" {
                if proxy_protocol { format!("{name} {client}\n").into_bytes() } else { format!("{name}\n").into_bytes() }
            } else {
                line
            };
            if stream.write_all(&reply).await.is_err() {
                return;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => {
                received += n as u64;
                buf.extend_from_slice(&chunk[..n]);
            }
            Err(_) => return,
        }
    }
    // The client half-closed: answer after its end of stream, then close.
    let _ = stream.write_all(&buf).await;
    let _ = stream.write_all(format!("bye {received}\n").as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The UDP echo (see the module documentation).
async fn udp_echo(socket: tokio::net::UdpSocket, name: Rc<String>, proxy_protocol: bool) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let Ok((n, peer)) = socket.recv_from(&mut buf).await else { continue };
        let mut reply = format!("{name} ").into_bytes();
        let mut payload = &buf[..n];
        if proxy_protocol {
            match parse_proxy_header(payload) {
                Ok(Some((client, len))) => {
                    reply.extend_from_slice(format!("{client} ").as_bytes());
                    payload = &payload[len..];
                }
                _ => continue,
            }
        }
        reply.extend_from_slice(payload);
        let _ = socket.send_to(&reply, peer).await;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let listen: SocketAddr = arg(&args, "--listen").unwrap_or_else(|| "127.0.0.1:0".into()).parse().expect("--listen IP:PORT");
    let health_listen: Option<SocketAddr> = arg(&args, "--health-listen").map(|a| a.parse().expect("--health-listen IP:PORT"));
    let name = arg(&args, "--name").unwrap_or_else(|| listen.ip().to_string());
    let reset_all = args.iter().any(|a| a == "--reset-all");
    let tls = args.iter().any(|a| a == "--tls").then(|| self_signed(&listen.ip().to_string()));
    let tcp_echo_addr: Option<SocketAddr> = arg(&args, "--tcp-echo").map(|a| a.parse().expect("--tcp-echo IP:PORT"));
    let udp_echo_addr: Option<SocketAddr> = arg(&args, "--udp-echo").map(|a| a.parse().expect("--udp-echo IP:PORT"));
    let proxy_protocol = args.iter().any(|a| a == "--proxy-protocol");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let echo_name = Rc::new(name.clone());
        let s = Rc::new(Shared { name, reset_all, health_code: AtomicU16::new(200), requests: AtomicU64::new(0), websockets: AtomicU64::new(0) });
        let main = TcpListener::bind(listen).await.expect("bind --listen");
        println!("listening {}", main.local_addr().expect("addr"));
        if let Some(h) = health_listen {
            let hl = TcpListener::bind(h).await.expect("bind --health-listen");
            println!("health {}", hl.local_addr().expect("addr"));
            tokio::task::spawn_local(serve(hl, s.clone(), true, tls.clone()));
        }
        if let Some(a) = tcp_echo_addr {
            let l = TcpListener::bind(a).await.expect("bind --tcp-echo");
            println!("tcp-echo {}", l.local_addr().expect("addr"));
            let name = echo_name.clone();
            tokio::task::spawn_local(async move {
                loop {
                    let Ok((stream, peer)) = l.accept().await else { continue };
                    let _ = stream.set_nodelay(true);
                    tokio::task::spawn_local(tcp_echo(stream, peer, name.clone(), proxy_protocol));
                }
            });
        }
        if let Some(a) = udp_echo_addr {
            let u = tokio::net::UdpSocket::bind(a).await.expect("bind --udp-echo");
            println!("udp-echo {}", u.local_addr().expect("addr"));
            tokio::task::spawn_local(udp_echo(u, echo_name.clone(), proxy_protocol));
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        serve(main, s, false, tls).await;
    });
}
