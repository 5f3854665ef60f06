//! elbow-bench-tlsload: `--conns` client threads, each sending one HTTP/1.1 request per new
//! TCP connection with a full TLS handshake, for `--seconds`; prints one JSON line with
//! requests, errors, req/s (= handshakes/s), p50/p99 and what was negotiated.
//!
//! Why not wrk or h2load: both reuse one OpenSSL `SSL` object per connection slot across
//! reconnects (wrk: `SSL_shutdown` + `SSL_clear`; h2load 1.52: kept after a clean
//! `SSL_shutdown`), so the session of the previous connection, with its TLS 1.3 ticket, is
//! offered again and every proxy resumes it: they measure resumed handshakes. And
//! `openssl s_time -new`, which does make full handshakes, spends about as much CPU per
//! handshake as the proxies do (OpenSSL 3.0's per-handshake overhead), so on a 2-core machine
//! it measures itself. This client (rustls, aws-lc-rs) disables resumption, offers X25519
//! only (as OpenSSL 3.0 clients send an X25519 key share), ALPN http/1.1, verifies the
//! handshake signature but not the certificate chain, and counts every handshake that was not
//! a full one as an error.
//!
//! Usage: elbow-bench-tlsload --addr 127.0.0.1:8443 [--sni bench.example] [--conns 64]
//!        [--seconds 3] [--path /]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, HandshakeKind, SignatureScheme};

#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(&self, _: &CertificateDer<'_>, _: &[CertificateDer<'_>], _: &ServerName<'_>, _: &[u8], _: UnixTime) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

struct Args {
    addr: SocketAddr,
    sni: String,
    conns: usize,
    seconds: f64,
    path: String,
}

fn args() -> Args {
    let mut a = Args { addr: "127.0.0.1:8443".parse().unwrap(), sni: "bench.example".into(), conns: 64, seconds: 3.0, path: "/".into() };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| die(&format!("{k} needs a value")));
        match k.as_str() {
            "--addr" => a.addr = v.parse().unwrap_or_else(|_| die("bad --addr")),
            "--sni" => a.sni = v,
            "--conns" => a.conns = v.parse().unwrap_or_else(|_| die("bad --conns")),
            "--seconds" => a.seconds = v.parse().unwrap_or_else(|_| die("bad --seconds")),
            "--path" => a.path = v,
            _ => die(&format!("unknown argument {k}")),
        }
    }
    a
}

fn die(msg: &str) -> ! {
    eprintln!("elbow-bench-tlsload: {msg}");
    std::process::exit(2)
}

/// What one connection negotiated, as `TLSv1_3 TLS13_AES_128_GCM_SHA256 X25519 http/1.1`.
fn facts(c: &rustls::ClientConnection) -> String {
    format!(
        "{:?} {:?} {:?} {}",
        c.protocol_version().unwrap_or(rustls::ProtocolVersion::Unknown(0)),
        c.negotiated_cipher_suite().map(|s| s.suite()).unwrap_or(rustls::CipherSuite::Unknown(0)),
        c.negotiated_key_exchange_group().map(|g| g.name()).unwrap_or(rustls::NamedGroup::Unknown(0)),
        c.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_else(|| "-".into()),
    )
}

/// One request on a new connection. Ok(facts) on a full handshake and a 200 response.
fn one(addr: SocketAddr, name: &ServerName<'static>, cfg: &Arc<ClientConfig>, req: &[u8]) -> Result<String, String> {
    let tcp = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true).ok();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let conn = rustls::ClientConnection::new(cfg.clone(), name.clone()).map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(req).map_err(|e| format!("handshake/write: {e}"))?;
    if tls.conn.handshake_kind() != Some(HandshakeKind::Full) {
        return Err(format!("handshake {:?}", tls.conn.handshake_kind()));
    }
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(len) = complete(&buf) {
            if !(buf.starts_with(b"HTTP/1.1 200") || buf.starts_with(b"HTTP/1.0 200")) {
                return Err(format!("status {:?}", String::from_utf8_lossy(&buf[..buf.len().min(12)])));
            }
            let _ = len;
            break;
        }
        match tls.read(&mut chunk) {
            Ok(0) => return Err("closed before the response ended".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    let f = facts(&tls.conn);
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(f)
}

/// The length of a complete response with Content-Length in `buf`, if there is one.
fn complete(buf: &[u8]) -> Option<usize> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let len = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case("content-length")).map(|(_, v)| v.trim().parse::<usize>().ok()))
        .flatten()
        .unwrap_or(0);
    (buf.len() >= end + len).then_some(end + len)
}

fn main() {
    let a = args();
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    provider.kx_groups = vec![rustls::crypto::aws_lc_rs::kx_group::X25519];
    let provider = Arc::new(provider);
    let mut cfg = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    cfg.resumption = rustls::client::Resumption::disabled();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let cfg = Arc::new(cfg);
    let name = ServerName::try_from(a.sni.clone()).unwrap_or_else(|_| die("bad --sni"));
    let req: Arc<[u8]> = format!("GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", a.path, a.sni).into_bytes().into();

    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(a.seconds);
    let workers: Vec<_> = (0..a.conns)
        .map(|_| {
            let (cfg, name, req) = (cfg.clone(), name.clone(), req.clone());
            std::thread::spawn(move || {
                let (mut lat, mut errors, mut seen, mut last_error) = (Vec::new(), 0u64, None, None);
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match one(a.addr, &name, &cfg, &req) {
                        Ok(f) => {
                            lat.push(t.elapsed().as_micros() as u32);
                            seen.get_or_insert(f);
                        }
                        Err(e) => {
                            errors += 1;
                            last_error = Some(e);
                        }
                    }
                }
                (lat, errors, seen, last_error)
            })
        })
        .collect();
    let (mut lat, mut errors, mut negotiated, mut last_error) = (Vec::new(), 0, None, None);
    for w in workers {
        let (l, e, s, le) = w.join().expect("worker panicked");
        lat.extend(l);
        errors += e;
        negotiated = negotiated.or(s);
        last_error = last_error.or(le);
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let pct = |p: f64| if lat.is_empty() { 0.0 } else { lat[((lat.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0 };
    let quote = |s: Option<String>| s.map_or("null".to_string(), |s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")));
    println!(
        "{{\"requests\": {}, \"errors\": {}, \"seconds\": {:.3}, \"rps\": {:.2}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"negotiated\": {}, \"last_error\": {}}}",
        lat.len(),
        errors,
        secs,
        lat.len() as f64 / secs,
        pct(0.5),
        pct(0.99),
        quote(negotiated),
        quote(last_error)
    );
}
