//! HTTPS listeners end to end, as the tutorials drive them: certificates made with the
//! `openssl` command line, uploaded with the real aws CLI (`iam upload-server-certificate`,
//! `acm import-certificate`), served to `openssl s_client`, curl and h2load; SNI among several
//! certificates; a certificate swap under load.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use testkit::{Alb, Backend, Elbow, eventually, simple_alb, wait_all_healthy};

/// Runs `openssl` with `args` in `dir`; panics with its stderr on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl is installed (./scripts/test installs it)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A self-signed RSA certificate for `cn` (also its only DNS SAN): `<stem>.crt`, `<stem>.key`.
fn self_signed(dir: &Path, stem: &str, cn: &str) -> (PathBuf, PathBuf) {
    let (crt, key) = (format!("{stem}.crt"), format!("{stem}.key"));
    openssl(dir, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &crt, "-days", "30", "-subj", &format!("/CN={cn}"), "-addext", &format!("subjectAltName=DNS:{cn}")]);
    (dir.join(crt), dir.join(key))
}

/// A root CA, an intermediate CA and a leaf for `cn` signed by the intermediate:
/// (root.crt, leaf.crt, leaf.key, intermediate.crt).
fn chain(dir: &Path, cn: &str) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    std::fs::write(dir.join("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n").unwrap();
    std::fs::write(dir.join("leaf.ext"), format!("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{cn}\n")).unwrap();
    openssl(dir, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.crt", "-days", "30", "-subj", "/CN=Test Root CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(dir, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key", "-out", "int.csr", "-subj", "/CN=Test Intermediate CA"]);
    openssl(dir, &["x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial", "-out", "int.crt", "-days", "30", "-extfile", "ca.ext"]);
    openssl(dir, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", &format!("/CN={cn}")]);
    openssl(dir, &["x509", "-req", "-in", "leaf.csr", "-CA", "int.crt", "-CAkey", "int.key", "-CAcreateserial", "-out", "leaf.crt", "-days", "30", "-extfile", "leaf.ext"]);
    (dir.join("root.crt"), dir.join("leaf.crt"), dir.join("leaf.key"), dir.join("int.crt"))
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn fileb_url(p: &Path) -> String {
    format!("fileb://{}", p.display())
}

/// `aws iam upload-server-certificate` as the tutorial types it; returns the ARN.
fn upload_to_iam(elbow: &Elbow, name: &str, crt: &Path, key: &Path, chain: Option<&Path>) -> String {
    let (body, key) = (file_url(crt), file_url(key));
    let mut args = vec!["iam", "upload-server-certificate", "--server-certificate-name", name, "--certificate-body", &body, "--private-key", &key];
    let chain = chain.map(file_url);
    if let Some(c) = &chain {
        args.extend(["--certificate-chain", c]);
    }
    let out = elbow.aws(&args).expect("upload-server-certificate");
    out["ServerCertificateMetadata"]["Arn"].as_str().expect("Arn").to_string()
}

/// `aws acm import-certificate`; returns the ARN (re-imports into `arn` when given).
fn import_to_acm(elbow: &Elbow, crt: &Path, key: &Path, chain: Option<&Path>, arn: Option<&str>) -> String {
    let (body, key) = (fileb_url(crt), fileb_url(key));
    let mut args = vec!["acm", "import-certificate", "--certificate", &body, "--private-key", &key];
    let chain = chain.map(fileb_url);
    if let Some(c) = &chain {
        args.extend(["--certificate-chain", c]);
    }
    if let Some(a) = arn {
        args.extend(["--certificate-arn", a]);
    }
    let out = elbow.aws(&args).expect("import-certificate");
    out["CertificateArn"].as_str().expect("CertificateArn").to_string()
}

/// An HTTPS listener on a free port of `alb`'s load balancer, forwarding to its target group.
fn https_listener(elbow: &Elbow, alb: &Alb, cert_arn: &str, extra: &[&str]) -> (String, u16) {
    let port = testkit::free_port("127.0.0.1");
    let (port_s, cert, action) = (port.to_string(), format!("CertificateArn={cert_arn}"), format!("Type=forward,TargetGroupArn={}", alb.tg_arn));
    let mut args = vec!["elbv2", "create-listener", "--load-balancer-arn", &alb.lb_arn, "--protocol", "HTTPS", "--port", &port_s, "--certificates", &cert, "--default-actions", &action];
    args.extend(extra);
    let out = elbow.aws(&args).expect("create-listener HTTPS");
    (out["Listeners"][0]["ListenerArn"].as_str().expect("ListenerArn").to_string(), port)
}

/// `openssl s_client` with SNI `name` (none if empty): (subjects of the served chain, certificate count).
fn s_client(port: u16, name: &str) -> (Vec<String>, usize) {
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec!["s_client", "-connect", &connect, "-showcerts"];
    if name.is_empty() {
        args.push("-noservername");
    } else {
        args.extend(["-servername", name]);
    }
    let out = Command::new("openssl").args(&args).stdin(std::process::Stdio::null()).output().expect("openssl s_client");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let subjects = text.lines().filter_map(|l| l.trim_start().strip_prefix("0 s:").or_else(|| l.trim_start().strip_prefix("1 s:")).or_else(|| l.trim_start().strip_prefix("2 s:"))).map(str::to_string).collect();
    (subjects, text.matches("-----BEGIN CERTIFICATE-----").count())
}

async fn wait_https(port: u16) {
    eventually(Duration::from_secs(20), "HTTPS listener answers", || async move {
        let body = testkit::curl(&["-k", "--max-time", "5", &format!("https://127.0.0.1:{port}/")]);
        (!body.is_empty()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn openssl_self_signed_certificate_uploaded_to_iam_serves_https() {
    let elbow = Elbow::start();
    let dir = tempfile::tempdir().unwrap();
    // The tutorial's commands, as typed (with the subject given instead of prompted): they make
    // an X.509 version 1 certificate, which IAM accepts.
    let d = dir.path();
    openssl(d, &["genrsa", "-out", "private.pem", "2048"]);
    openssl(d, &["rsa", "-in", "private.pem", "-outform", "PEM", "-pubout", "-out", "public.pem"]);
    openssl(d, &["req", "-new", "-key", "private.pem", "-out", "certificate.csr", "-subj", "/CN=www.example.com"]);
    openssl(d, &["x509", "-req", "-days", "365", "-in", "certificate.csr", "-signkey", "private.pem", "-out", "certificate.crt"]);
    let (crt, key) = (d.join("certificate.crt"), d.join("private.pem"));
    let arn = upload_to_iam(&elbow, "my-server-cert", &crt, &key, None);
    assert_eq!(arn, "arn:aws:iam::123456789012:server-certificate/my-server-cert");
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "tls", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let (_, port) = https_listener(&elbow, &alb, &arn, &[]);
    wait_https(port).await;

    // A self-signed certificate: the tutorial's client skips verification (`curl -k`).
    let url = format!("https://www.example.com:{port}/echo");
    let resolve = format!("www.example.com:{port}:127.0.0.1");
    let body = testkit::curl(&["--fail", "-k", "--resolve", &resolve, &url]);
    let echo: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(echo["headers"]["x-forwarded-proto"], "https");
    assert_eq!(echo["headers"]["x-forwarded-port"], port.to_string());
    assert!(echo["headers"].get("x-amzn-tls-version").is_none(), "TLS headers are off by default");
    let (subjects, _) = s_client(port, "www.example.com");
    assert!(subjects.first().is_some_and(|s| s.contains("CN") && s.contains("www.example.com")), "{subjects:?}");

    // The attribute adds the negotiated version and suite, with OpenSSL's names.
    elbow.aws(&["elbv2", "modify-load-balancer-attributes", "--load-balancer-arn", &alb.lb_arn, "--attributes", "Key=routing.http.x_amzn_tls_version_and_cipher_suite.enabled,Value=true"]).unwrap();
    let echo = eventually(Duration::from_secs(10), "TLS headers reach the target", || {
        let (url, resolve) = (url.clone(), resolve.clone());
        async move {
            let body = testkit::curl(&["--fail", "-k", "--tlsv1.2", "--tls-max", "1.2", "--resolve", &resolve, &url]);
            let v: serde_json::Value = serde_json::from_str(&body).ok()?;
            v["headers"].get("x-amzn-tls-version").is_some().then_some(v)
        }
    })
    .await;
    assert_eq!(echo["headers"]["x-amzn-tls-version"], "TLSv1.2");
    assert_eq!(echo["headers"]["x-amzn-tls-cipher-suite"], "ECDHE-RSA-AES128-GCM-SHA256", "{echo}");
}

#[tokio::test(flavor = "multi_thread")]
async fn acm_import_with_a_chain_serves_the_full_chain() {
    let elbow = Elbow::start();
    let dir = tempfile::tempdir().unwrap();
    let (root, leaf, key, intermediate) = chain(dir.path(), "app.example.com");
    let arn = import_to_acm(&elbow, &leaf, &key, Some(&intermediate), None);
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "chain", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let (_, port) = https_listener(&elbow, &alb, &arn, &["--ssl-policy", "ELBSecurityPolicy-TLS13-1-2-2021-06"]);
    wait_https(port).await;
    let (subjects, count) = s_client(port, "app.example.com");
    assert_eq!(count, 2, "leaf and intermediate are served: {subjects:?}");
    assert!(subjects[1].contains("Test Intermediate CA"), "{subjects:?}");
    // A client that trusts only the root verifies the chain.
    let body = testkit::curl(&["--fail", "--cacert", root.to_str().unwrap(), "--resolve", &format!("app.example.com:{port}:127.0.0.1"), &format!("https://app.example.com:{port}/")]);
    assert!(["a", "b"].contains(&body.trim()), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sni_chooses_among_three_certificates() {
    let elbow = Elbow::start();
    let dir = tempfile::tempdir().unwrap();
    let (d_crt, d_key) = self_signed(dir.path(), "default", "default.example.net");
    let (w_crt, w_key) = self_signed(dir.path(), "wild", "*.example.com");
    let (e_crt, e_key) = self_signed(dir.path(), "exact", "shop.example.com");
    let default = upload_to_iam(&elbow, "default", &d_crt, &d_key, None);
    let wild = import_to_acm(&elbow, &w_crt, &w_key, None, None);
    let exact = upload_to_iam(&elbow, "exact", &e_crt, &e_key, None);
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "sni", &[a.addr, b.addr]).await;
    let (listener, port) = https_listener(&elbow, &alb, &default, &[]);
    elbow.aws(&["elbv2", "add-listener-certificates", "--listener-arn", &listener, "--certificates", &format!("CertificateArn={wild}"), &format!("CertificateArn={exact}")]).unwrap();
    wait_https(port).await;
    let cn = |name: &str| {
        let (subjects, _) = s_client(port, name);
        subjects.first().cloned().unwrap_or_default()
    };
    eventually(Duration::from_secs(10), "SNI certificates are served", || async { cn("shop.example.com").contains("shop.example.com").then_some(()) }).await;
    assert!(cn("api.example.com").contains("*.example.com"), "wildcard for another name");
    assert!(cn("SHOP.EXAMPLE.COM").contains("shop.example.com"), "names compare without case");
    assert!(cn("a.b.example.com").contains("default.example.net"), "a wildcard covers one label");
    assert!(cn("unknown.test").contains("default.example.net"), "no match: default");
    assert!(cn("").contains("default.example.net"), "no SNI: default");
}

/// A TLS client that records the certificate each connection was served.
fn client_config() -> Arc<rustls::ClientConfig> {
    tls::target_client_config(&[])
}

/// Opens a TLS connection and an HTTP/1.1 session on it; returns the sender and the leaf.
async fn open(port: u16, name: &str) -> Result<(hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>>, Vec<u8>), String> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| e.to_string())?;
    let sni = rustls::pki_types::ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?;
    let tls = tokio_rustls::TlsConnector::from(client_config()).connect(sni, tcp).await.map_err(|e| e.to_string())?;
    let leaf = tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.to_vec()).unwrap_or_default();
    let (send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok((send, leaf))
}

async fn get(send: &mut hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>>, name: &str) -> Result<u16, String> {
    let req = http::Request::get("/").header("host", name).body(http_body_util::Empty::new()).unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(10), send.send_request(req)).await.map_err(|_| "timeout".to_string())?.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    http_body_util::BodyExt::collect(resp.into_body()).await.map_err(|e| e.to_string())?;
    Ok(status)
}

fn pem_der(path: &Path) -> Vec<u8> {
    use base64::Engine;
    let pem = std::fs::read_to_string(path).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
}

/// Failure messages collected from load workers.
#[derive(Default)]
struct Failures(std::sync::Mutex<Vec<String>>);

impl Failures {
    fn push(&self, s: String) {
        self.0.lock().unwrap().push(s);
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_swap_under_load_fails_no_request_and_keeps_open_connections() {
    let elbow = Elbow::start();
    let dir = tempfile::tempdir().unwrap();
    let (old_crt, old_key) = self_signed(dir.path(), "old", "swap.example.com");
    let (new_crt, new_key) = self_signed(dir.path(), "new", "swap.example.com");
    let (old_der, new_der) = (pem_der(&old_crt), pem_der(&new_crt));
    let old = upload_to_iam(&elbow, "old", &old_crt, &old_key, None);
    let new = import_to_acm(&elbow, &new_crt, &new_key, None, None);
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "swap", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let (listener, port) = https_listener(&elbow, &alb, &old, &[]);
    wait_https(port).await;

    // A keep-alive connection opened before the swap.
    let (mut before, leaf) = open(port, "swap.example.com").await.unwrap();
    assert_eq!(leaf, old_der);
    assert_eq!(get(&mut before, "swap.example.com").await, Ok(200));

    // Bounded load: 4 workers, each a new connection per request, until 400 requests or 60 s.
    let done = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Failures::default());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (done, failures) = (done.clone(), failures.clone());
        workers.push(tokio::spawn(async move {
            while done.load(Ordering::Relaxed) < 400 && tokio::time::Instant::now() < deadline {
                let r = async {
                    let (mut s, _) = open(port, "swap.example.com").await?;
                    get(&mut s, "swap.example.com").await
                }
                .await;
                if r != Ok(200) {
                    failures.push(format!("{r:?}"));
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    eventually(Duration::from_secs(30), "load is running", || async { (done.load(Ordering::Relaxed) >= 50).then_some(()) }).await;
    // The tutorial's command: replace the listener's certificate from the CLI.
    elbow.aws(&["elbv2", "modify-listener", "--listener-arn", &listener, "--certificates", &format!("CertificateArn={new}")]).unwrap();
    eventually(Duration::from_secs(10), "new handshakes see the new certificate", || {
        let new_der = new_der.clone();
        async move { open(port, "swap.example.com").await.ok().filter(|(_, leaf)| *leaf == new_der).map(|_| ()) }
    })
    .await;
    for w in workers {
        w.await.unwrap();
    }
    assert!(done.load(Ordering::Relaxed) >= 100, "the load ran across the swap");
    assert_eq!(failures.take(), Vec::<String>::new(), "no request failed during the swap");
    // The connection from before the swap still works, on the old certificate.
    assert_eq!(get(&mut before, "swap.example.com").await, Ok(200));

    // Re-importing the ACM certificate in place changes what new handshakes see, too.
    let (third_crt, third_key) = self_signed(dir.path(), "third", "swap.example.com");
    let third_der = pem_der(&third_crt);
    assert_eq!(import_to_acm(&elbow, &third_crt, &third_key, None, Some(&new)), new);
    eventually(Duration::from_secs(10), "re-imported certificate is served", || {
        let third_der = third_der.clone();
        async move { open(port, "swap.example.com").await.ok().filter(|(_, leaf)| *leaf == third_der).map(|_| ()) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http2_over_tls_with_curl_and_h2load() {
    let elbow = Elbow::start();
    let dir = tempfile::tempdir().unwrap();
    let (crt, key) = self_signed(dir.path(), "h2", "h2.example.com");
    let arn = upload_to_iam(&elbow, "h2", &crt, &key, None);
    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "h2tls", &[a.addr, b.addr]).await;
    wait_all_healthy(&elbow, &alb.tg_arn, 2).await;
    let (_, port) = https_listener(&elbow, &alb, &arn, &[]);
    wait_https(port).await;
    let url = format!("https://127.0.0.1:{port}/echo");
    let out = testkit::curl(&["-k", "--http2", "-w", "\n%{http_version}", &url]);
    let (body, version) = out.rsplit_once('\n').unwrap();
    assert_eq!(version, "2", "ALPN h2 negotiated: {out}");
    let echo: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(echo["headers"]["x-forwarded-proto"], "https");
    let h2load = Command::new("h2load").args(["-n", "200", "-c", "4", "-m", "8", &format!("https://127.0.0.1:{port}/")]).output().expect("h2load is installed (./scripts/test installs nghttp2-client)");
    let text = String::from_utf8_lossy(&h2load.stdout);
    assert!(text.contains("200 succeeded, 0 failed"), "{text}");
    assert!(text.contains("Application protocol: h2"), "{text}");

    // With routing.http2.enabled=false ALPN offers only http/1.1.
    elbow.aws(&["elbv2", "modify-load-balancer-attributes", "--load-balancer-arn", &alb.lb_arn, "--attributes", "Key=routing.http2.enabled,Value=false"]).unwrap();
    eventually(Duration::from_secs(10), "HTTP/2 turned off", || {
        let url = url.clone();
        async move { testkit::curl(&["-k", "--http2", "-o", "/dev/null", "-w", "%{http_version}", &url]).eq("1.1").then_some(()) }
    })
    .await;
}

/// The serial of the leaf an HTTPS listener serves for `name`, upper-case hex without `:`.
fn served_serial(port: u16, name: &str) -> String {
    let connect = format!("127.0.0.1:{port}");
    let s_client = Command::new("openssl").args(["s_client", "-connect", &connect, "-servername", name]).stdin(std::process::Stdio::null()).output().expect("openssl s_client");
    let mut x509 = Command::new("openssl").args(["x509", "-noout", "-serial"]).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().unwrap();
    {
        use std::io::Write;
        x509.stdin.take().unwrap().write_all(&s_client.stdout).unwrap();
    }
    let out = String::from_utf8_lossy(&x509.wait_with_output().unwrap().stdout).trim().to_string();
    out.trim_start_matches("serial=").trim_start_matches('0').to_ascii_uppercase()
}

fn normalise_serial(acm: &str) -> String {
    acm.replace(':', "").trim_start_matches('0').to_ascii_uppercase()
}

#[tokio::test(flavor = "multi_thread")]
async fn requested_certificate_is_trusted_through_the_exported_root_and_renewed() {
    // A renewal window longer than the certificate's life: renewed at the next start.
    let mut elbow = Elbow::start_with(testkit::ElbowOptions { args: vec!["--acm-renewal-window-days".into(), "400".into()], ..Default::default() });
    let req = elbow.aws(&["acm", "request-certificate", "--domain-name", "app.example.test", "--validation-method", "DNS"]).unwrap();
    let arn = req["CertificateArn"].as_str().unwrap().to_string();
    let describe = |elbow: &Elbow| elbow.aws(&["acm", "describe-certificate", "--certificate-arn", &arn]).unwrap()["Certificate"].clone();
    let first = describe(&elbow);
    assert_eq!((first["Status"].as_str(), first["Type"].as_str()), (Some("ISSUED"), Some("AMAZON_ISSUED")));

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("elbow-ca.pem");
    let export = Command::new(testkit::bin("elbow")).args(["certificate", "export-ca", "--data-dir"]).arg(&elbow.data_dir).output().unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    std::fs::write(&root, &export.stdout).unwrap();

    let (a, b) = Backend::pair();
    let alb = simple_alb(&elbow, "issued", &[a.addr, b.addr]).await;
    let (_, port) = https_listener(&elbow, &alb, &arn, &[]);
    wait_https(port).await;
    let verified = |port: u16| testkit::curl(&["--fail", "--cacert", root.to_str().unwrap(), "--resolve", &format!("app.example.test:{port}:127.0.0.1"), &format!("https://app.example.test:{port}/")]);
    assert!(["a", "b"].contains(&verified(port).trim()), "a client trusting the exported root verifies the issued certificate");
    assert_eq!(served_serial(port, "app.example.test"), normalise_serial(first["Serial"].as_str().unwrap()));

    elbow.restart();
    let renewed = eventually(Duration::from_secs(20), "the certificate is renewed", || {
        let d = describe(&elbow);
        let first = first["Serial"].clone();
        async move { (d["Serial"] != first).then_some(d) }
    })
    .await;
    assert_eq!(renewed["CertificateArn"], first["CertificateArn"], "renewal keeps the ARN");
    eventually(Duration::from_secs(20), "the listener serves the renewed certificate", || {
        let want = normalise_serial(renewed["Serial"].as_str().unwrap());
        async move { (served_serial(port, "app.example.test") == want).then_some(()) }
    })
    .await;
    assert!(["a", "b"].contains(&verified(port).trim()), "the renewed certificate verifies too");
}
