//! The certificate control plane end to end, driven by the real `aws` CLI against a real
//! `elbow serve`, with certificates made by the `openssl` command line at test time: IAM server
//! certificates, ACM certificates (import, re-import, tags), listener certificates and the
//! conflicts of deleting a certificate in use, refusals that store nothing, a restart that keeps
//! everything, and a private key that never shows in an answer, the log or the store file.
//!
//! (HTTPS traffic itself is `https.rs`.)

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use testkit::{AwsError, Elbow, ElbowOptions, default_network};

/// Runs `openssl` with `args` in `dir`; panics with its stderr on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl is installed (./scripts/test installs it)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Certificates and keys made with openssl in a temporary directory.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        Pki { dir: tempfile::tempdir().expect("tempdir") }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        std::fs::write(self.path(name), text).unwrap();
        self.path(name)
    }

    /// A self-signed RSA 2048 certificate for `cn` (also its DNS SAN): `<stem>.crt`, `<stem>.key`.
    fn self_signed(&self, stem: &str, cn: &str) -> (PathBuf, PathBuf) {
        let (crt, key) = (format!("{stem}.crt"), format!("{stem}.key"));
        openssl(self.dir.path(), &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &crt, "-days", "30", "-subj", &format!("/CN={cn}"), "-addext", &format!("subjectAltName=DNS:{cn}")]);
        (self.path(&crt), self.path(&key))
    }

    /// An X.509 version 1 certificate made as the tutorials type it (`openssl x509 -req
    /// -signkey`, no extensions): `<stem>.crt`, `<stem>.key`.
    fn version1(&self, stem: &str, cn: &str) -> (PathBuf, PathBuf) {
        let (crt, key, csr) = (format!("{stem}.crt"), format!("{stem}.key"), format!("{stem}.csr"));
        openssl(self.dir.path(), &["genrsa", "-out", &key, "2048"]);
        openssl(self.dir.path(), &["req", "-new", "-key", &key, "-out", &csr, "-subj", &format!("/CN={cn}")]);
        openssl(self.dir.path(), &["x509", "-req", "-days", "365", "-in", &csr, "-signkey", &key, "-out", &crt]);
        (self.path(&crt), self.path(&key))
    }

    /// A root CA, an intermediate and a leaf for `cn` signed by the intermediate: (leaf.crt,
    /// leaf.key, chain.pem = intermediate then root).
    fn chain(&self, cn: &str) -> (PathBuf, PathBuf, PathBuf) {
        let d = self.dir.path();
        self.write("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
        self.write("leaf.ext", &format!("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{cn},DNS:www.{cn}\n"));
        openssl(d, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.crt", "-days", "30", "-subj", "/CN=Test Root CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        openssl(d, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key", "-out", "int.csr", "-subj", "/CN=Test Intermediate CA"]);
        openssl(d, &["x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial", "-out", "int.crt", "-days", "30", "-extfile", "ca.ext"]);
        openssl(d, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", &format!("/CN={cn}")]);
        openssl(d, &["x509", "-req", "-in", "leaf.csr", "-CA", "int.crt", "-CAkey", "int.key", "-CAcreateserial", "-out", "leaf.crt", "-days", "30", "-extfile", "leaf.ext"]);
        let chain = format!("{}{}", self.read("int.crt"), self.read("root.crt"));
        (self.path("leaf.crt"), self.path("leaf.key"), self.write("chain.pem", &chain))
    }

    /// A certificate (X.509 v3, its own key) valid only on 1–2 January 2020: `expired.crt`,
    /// `expired.key`. `openssl req` cannot backdate, `openssl ca` can.
    fn expired(&self, cn: &str) -> (PathBuf, PathBuf) {
        let d = self.dir.path();
        std::fs::create_dir_all(d.join("oldca")).unwrap();
        self.write("oldca/index.txt", "");
        self.write("oldca/serial", "01\n");
        self.write(
            "oldca/ca.cnf",
            &format!("[ca]\ndefault_ca = old\n[old]\ndir = .\ndatabase = ./index.txt\nserial = ./serial\nnew_certs_dir = .\ndefault_md = sha256\npolicy = any\nx509_extensions = ext\n[any]\ncommonName = supplied\n[ext]\nbasicConstraints = CA:FALSE\nsubjectAltName = DNS:{cn}\n"),
        );
        let old = d.join("oldca");
        openssl(&old, &["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "../expired.key", "-out", "expired.csr", "-subj", &format!("/CN={cn}")]);
        openssl(&old, &["ca", "-config", "ca.cnf", "-selfsign", "-keyfile", "../expired.key", "-in", "expired.csr", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-batch", "-notext", "-out", "../expired.crt"]);
        (self.path("expired.crt"), self.path("expired.key"))
    }

    /// Half of `crt`: a PEM block cut short.
    fn truncated(&self, crt: &Path) -> PathBuf {
        let text = std::fs::read_to_string(crt).unwrap();
        self.write("truncated.crt", &text[..text.len() / 2])
    }
}

fn file(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn fileb(p: &Path) -> String {
    format!("fileb://{}", p.display())
}

/// The base64 lines of a PEM private key: none may ever leave elbow.
fn key_lines(key: &Path) -> Vec<String> {
    std::fs::read_to_string(key).unwrap().lines().filter(|l| !l.starts_with("-----") && l.len() >= 32).map(str::to_string).collect()
}

/// Asserts that no line of any of `keys` appears in `text` (`what` names the text).
#[track_caller]
fn assert_no_key(text: &str, keys: &[&Path], what: &str) {
    for k in keys {
        for line in key_lines(k) {
            assert!(!text.contains(&line), "a line of private key {} appears in {what}", k.display());
        }
    }
    assert!(!text.contains("PRIVATE KEY-----"), "a PEM private key appears in {what}");
}

/// Every answer a test read, to check for keys at the end.
#[derive(Default)]
struct Answers(String);

impl Answers {
    /// Runs the CLI, keeps its answer (or error), returns the answer.
    fn aws(&mut self, elbow: &Elbow, args: &[&str]) -> Result<Value, AwsError> {
        let r = elbow.aws(args);
        match &r {
            Ok(v) => self.0.push_str(&v.to_string()),
            Err(e) => self.0.push_str(&format!("{e:?}")),
        }
        self.0.push('\n');
        r
    }

    fn ok(&mut self, elbow: &Elbow, args: &[&str]) -> Value {
        self.aws(elbow, args).unwrap_or_else(|e| panic!("aws {args:?}: {e:?}"))
    }

    #[track_caller]
    fn fails(&mut self, elbow: &Elbow, args: &[&str], code: &str) -> AwsError {
        match self.aws(elbow, args) {
            Ok(v) => panic!("aws {args:?} succeeded, expected {code}: {v}"),
            Err(e) => {
                assert_eq!(e.code, code, "aws {args:?}: {e:?}");
                e
            }
        }
    }
}

/// PEM text compared without line-end differences.
fn same_pem(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim().to_string();
    norm(a) == norm(b)
}

fn names(list: &Value) -> Vec<String> {
    list["ServerCertificateMetadataList"].as_array().expect("ServerCertificateMetadataList").iter().map(|m| m["ServerCertificateName"].as_str().unwrap().to_string()).collect()
}

#[test]
fn iam_server_certificates_upload_get_list_update_delete_and_refusals() {
    let elbow = Elbow::start();
    let pki = Pki::new();
    let mut a = Answers::default();
    let (crt, key) = pki.self_signed("web", "web.example.test");
    let (_, other_key) = pki.self_signed("other", "other.example.test");
    let (leaf, leaf_key, chain) = pki.chain("chain.example.test");
    let (old, old_key) = pki.expired("old.example.test");

    // The tutorial's command, plus a path and tags.
    let up = a.ok(
        &elbow,
        &["iam", "upload-server-certificate", "--server-certificate-name", "my-cert", "--certificate-body", &file(&crt), "--private-key", &file(&key), "--path", "/web/", "--tags", "Key=team,Value=edge"],
    );
    let m = &up["ServerCertificateMetadata"];
    assert_eq!(m["ServerCertificateName"], "my-cert");
    assert_eq!(m["Path"], "/web/");
    assert_eq!(m["Arn"], "arn:aws:iam::123456789012:server-certificate/web/my-cert");
    let id = m["ServerCertificateId"].as_str().unwrap();
    assert!(id.starts_with("ASCA") && id.len() == 21, "{id}");
    assert!(m["UploadDate"].is_string() && m["Expiration"].is_string(), "{m}");
    assert_eq!(up["Tags"], serde_json::json!([{ "Key": "team", "Value": "edge" }]));

    let got = a.ok(&elbow, &["iam", "get-server-certificate", "--server-certificate-name", "my-cert"]);
    let sc = &got["ServerCertificate"];
    assert!(same_pem(sc["CertificateBody"].as_str().unwrap(), &pki.read("web.crt")), "{sc}");
    assert!(sc.get("CertificateChain").is_none());
    assert_eq!(sc["ServerCertificateMetadata"]["ServerCertificateId"], id);

    // With a chain: CA → intermediate → leaf.
    a.ok(&elbow, &["iam", "upload-server-certificate", "--server-certificate-name", "chained", "--certificate-body", &file(&leaf), "--private-key", &file(&leaf_key), "--certificate-chain", &file(&chain)]);
    let got = a.ok(&elbow, &["iam", "get-server-certificate", "--server-certificate-name", "chained"]);
    assert!(same_pem(got["ServerCertificate"]["CertificateChain"].as_str().unwrap(), &pki.read("chain.pem")), "{got}");

    assert_eq!(names(&a.ok(&elbow, &["iam", "list-server-certificates"])), vec!["chained", "my-cert"]);
    assert_eq!(names(&a.ok(&elbow, &["iam", "list-server-certificates", "--path-prefix", "/web/"])), vec!["my-cert"]);
    // The CLI follows the markers of a one-item page size to the end.
    assert_eq!(names(&a.ok(&elbow, &["iam", "list-server-certificates", "--page-size", "1"])), vec!["chained", "my-cert"]);

    // Refusals, with IAM's codes, and nothing stored.
    let truncated = pki.truncated(&crt);
    let garbage = pki.write("garbage.crt", "this is not a certificate\n");
    let upload = |name: &str, body: &Path, k: &Path| -> Vec<String> {
        vec!["iam".into(), "upload-server-certificate".into(), "--server-certificate-name".into(), name.into(), "--certificate-body".into(), file(body), "--private-key".into(), file(k)]
    };
    for (name, body, k, code) in [
        ("mismatch", &crt, &other_key, "KeyPairMismatch"),
        ("truncated", &truncated, &key, "MalformedCertificate"),
        ("garbage", &garbage, &key, "MalformedCertificate"),
        ("expired", &old, &old_key, "MalformedCertificate"),
        ("bad name!", &crt, &key, "ValidationError"),
        ("MY-CERT", &crt, &key, "EntityAlreadyExists"),
    ] {
        let args = upload(name, body, k);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let e = a.fails(&elbow, &args, code);
        assert!(!e.message.is_empty(), "{name}: {e:?}");
    }
    assert_eq!(names(&a.ok(&elbow, &["iam", "list-server-certificates"])), vec!["chained", "my-cert"], "refused uploads store nothing");

    // Rename and move: the ARN follows.
    assert_eq!(
        a.ok(&elbow, &["iam", "update-server-certificate", "--server-certificate-name", "my-cert", "--new-server-certificate-name", "my-cert-2", "--new-path", "/"]),
        Value::Null
    );
    let got = a.ok(&elbow, &["iam", "get-server-certificate", "--server-certificate-name", "my-cert-2"]);
    assert_eq!(got["ServerCertificate"]["ServerCertificateMetadata"]["Arn"], "arn:aws:iam::123456789012:server-certificate/my-cert-2");
    a.fails(&elbow, &["iam", "update-server-certificate", "--server-certificate-name", "my-cert-2", "--new-server-certificate-name", "chained"], "EntityAlreadyExists");

    a.ok(&elbow, &["iam", "delete-server-certificate", "--server-certificate-name", "my-cert-2"]);
    a.ok(&elbow, &["iam", "delete-server-certificate", "--server-certificate-name", "chained"]);
    assert!(names(&a.ok(&elbow, &["iam", "list-server-certificates"])).is_empty());
    let e = a.fails(&elbow, &["iam", "get-server-certificate", "--server-certificate-name", "my-cert-2"], "NoSuchEntity");
    assert_eq!(e.message, "The Server Certificate with name my-cert-2 cannot be found.");
    a.fails(&elbow, &["iam", "delete-server-certificate", "--server-certificate-name", "my-cert-2"], "NoSuchEntity");

    assert_no_key(&a.0, &[&key, &other_key, &leaf_key, &old_key], "the CLI's answers");
}

fn acm_arns(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list["CertificateSummaryList"].as_array().expect("CertificateSummaryList").iter().map(|c| c["CertificateArn"].as_str().unwrap().to_string()).collect();
    v.sort();
    v
}

#[test]
fn acm_import_describe_reimport_get_list_tags_delete_and_refusals() {
    let elbow = Elbow::start();
    let pki = Pki::new();
    let mut a = Answers::default();
    let (leaf, leaf_key, chain) = pki.chain("shop.example.test");
    let (crt, key) = pki.self_signed("renewed", "shop.example.test");
    let (_, other_key) = pki.self_signed("other", "other.example.test");
    let (old, old_key) = pki.expired("old.example.test");

    let arn = a.ok(&elbow, &["acm", "import-certificate", "--certificate", &fileb(&leaf), "--private-key", &fileb(&leaf_key), "--certificate-chain", &fileb(&chain), "--tags", "Key=team,Value=edge"])["CertificateArn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(arn.starts_with("arn:aws:acm:us-east-1:123456789012:certificate/"), "{arn}");

    let d = a.ok(&elbow, &["acm", "describe-certificate", "--certificate-arn", &arn]);
    let c = &d["Certificate"];
    assert_eq!(c["CertificateArn"], arn.as_str());
    assert_eq!(c["DomainName"], "shop.example.test");
    assert_eq!(c["SubjectAlternativeNames"], serde_json::json!(["shop.example.test", "www.shop.example.test"]));
    assert_eq!((c["Type"].as_str(), c["Status"].as_str(), c["KeyAlgorithm"].as_str()), (Some("IMPORTED"), Some("ISSUED"), Some("RSA_2048")));
    assert_eq!(c["Issuer"], "CN=Test Intermediate CA");
    assert_eq!(c["Subject"], "CN=shop.example.test");
    assert_eq!(c["InUseBy"], serde_json::json!([]));
    assert_eq!(c["RenewalEligibility"], "INELIGIBLE");
    assert!(c["SignatureAlgorithm"].as_str().unwrap().contains("RSA"), "{c}");
    for t in ["CreatedAt", "ImportedAt", "NotBefore", "NotAfter"] {
        assert!(c[t].is_string() || c[t].is_number(), "{t}: {c}");
    }
    let first_serial = c["Serial"].as_str().unwrap().to_string();

    let got = a.ok(&elbow, &["acm", "get-certificate", "--certificate-arn", &arn]);
    assert!(same_pem(got["Certificate"].as_str().unwrap(), &pki.read("leaf.crt")), "{got}");
    assert!(same_pem(got["CertificateChain"].as_str().unwrap(), &pki.read("chain.pem")), "{got}");

    // Re-import: the same ARN, new material (here a self-signed one for the same name).
    let again = a.ok(&elbow, &["acm", "import-certificate", "--certificate-arn", &arn, "--certificate", &fileb(&crt), "--private-key", &fileb(&key)]);
    assert_eq!(again["CertificateArn"], arn.as_str());
    let d = a.ok(&elbow, &["acm", "describe-certificate", "--certificate-arn", &arn]);
    assert_ne!(d["Certificate"]["Serial"].as_str().unwrap(), first_serial);
    assert_eq!(d["Certificate"]["Issuer"], "CN=shop.example.test");
    let got = a.ok(&elbow, &["acm", "get-certificate", "--certificate-arn", &arn]);
    assert!(same_pem(got["Certificate"].as_str().unwrap(), &pki.read("renewed.crt")));
    assert!(got.get("CertificateChain").is_none(), "the re-import had no chain: {got}");

    assert_eq!(acm_arns(&a.ok(&elbow, &["acm", "list-certificates"])), vec![arn.clone()]);
    let listed = a.ok(&elbow, &["acm", "list-certificates", "--certificate-statuses", "ISSUED"]);
    assert_eq!(listed["CertificateSummaryList"][0]["DomainName"], "shop.example.test");

    // Tags.
    a.ok(&elbow, &["acm", "add-tags-to-certificate", "--certificate-arn", &arn, "--tags", "Key=env,Value=dev", "Key=owner,Value=me"]);
    a.ok(&elbow, &["acm", "remove-tags-from-certificate", "--certificate-arn", &arn, "--tags", "Key=owner"]);
    let tags = a.ok(&elbow, &["acm", "list-tags-for-certificate", "--certificate-arn", &arn]);
    assert_eq!(tags["Tags"], serde_json::json!([{ "Key": "env", "Value": "dev" }, { "Key": "team", "Value": "edge" }]));

    // Refusals: ACM's ValidationException naming the problem, and nothing stored.
    let truncated = pki.truncated(&crt);
    let garbage = pki.write("garbage.crt", "this is not a certificate\n");
    // ACM imports only X.509 version 3 (IAM takes version 1, see tests/https.rs).
    let (v1, v1_key) = pki.version1("v1", "v1.example.test");
    for (what, body, k) in [("mismatched key", &crt, &other_key), ("truncated", &truncated, &key), ("garbage", &garbage, &key), ("expired", &old, &old_key), ("version 1", &v1, &v1_key)] {
        let e = a.fails(&elbow, &["acm", "import-certificate", "--certificate", &fileb(body), "--private-key", &fileb(k)], "ValidationException");
        assert!(!e.message.is_empty(), "{what}: {e:?}");
    }
    // A failed re-import leaves the certificate as it was.
    a.fails(&elbow, &["acm", "import-certificate", "--certificate-arn", &arn, "--certificate", &fileb(&old), "--private-key", &fileb(&old_key)], "ValidationException");
    assert_eq!(a.ok(&elbow, &["acm", "describe-certificate", "--certificate-arn", &arn])["Certificate"]["Issuer"], "CN=shop.example.test");
    let all_keys = ["--includes", "keyTypes=RSA_1024,RSA_2048,RSA_3072,RSA_4096,EC_prime256v1,EC_secp384r1,EC_secp521r1"];
    let mut args = vec!["acm", "list-certificates"];
    args.extend(all_keys);
    assert_eq!(acm_arns(&a.ok(&elbow, &args)), vec![arn.clone()], "refused imports store nothing");

    let bogus = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";
    a.fails(&elbow, &["acm", "describe-certificate", "--certificate-arn", bogus], "ResourceNotFoundException");
    a.fails(&elbow, &["acm", "get-certificate", "--certificate-arn", "arn:aws:acm:us-east-1:123456789012:nonsense"], "InvalidArnException");

    // RequestCertificate: issued at once by the node's local CA; the CLI's waiter returns at once.
    let request = ["acm", "request-certificate", "--domain-name", "app.example.test", "--subject-alternative-names", "www.app.example.test", "--validation-method", "DNS", "--idempotency-token", "tok1"];
    let issued = a.ok(&elbow, &request)["CertificateArn"].as_str().unwrap().to_string();
    assert_eq!(a.ok(&elbow, &request)["CertificateArn"], issued.as_str(), "the same idempotency token within the hour");
    assert_eq!(a.ok(&elbow, &["acm", "wait", "certificate-validated", "--certificate-arn", &issued]), Value::Null);
    let d = a.ok(&elbow, &["acm", "describe-certificate", "--certificate-arn", &issued]);
    let c = &d["Certificate"];
    assert_eq!((c["Type"].as_str(), c["Status"].as_str()), (Some("AMAZON_ISSUED"), Some("ISSUED")), "{c}");
    assert_eq!(c["SubjectAlternativeNames"], serde_json::json!(["app.example.test", "www.app.example.test"]));
    assert_eq!(c["DomainValidationOptions"][1]["ValidationStatus"], "SUCCESS");
    let got = a.ok(&elbow, &["acm", "get-certificate", "--certificate-arn", &issued]);
    assert!(got["CertificateChain"].as_str().unwrap().contains("BEGIN CERTIFICATE"), "{got}");
    a.ok(&elbow, &["acm", "delete-certificate", "--certificate-arn", &issued]);

    a.ok(&elbow, &["acm", "delete-certificate", "--certificate-arn", &arn]);
    a.fails(&elbow, &["acm", "describe-certificate", "--certificate-arn", &arn], "ResourceNotFoundException");
    assert!(acm_arns(&a.ok(&elbow, &["acm", "list-certificates"])).is_empty());

    assert_no_key(&a.0, &[&leaf_key, &key, &other_key, &old_key], "the CLI's answers");
}

#[test]
fn listener_certificates_block_deletes_survive_a_restart_and_no_key_leaks() {
    let pki = Pki::new();
    let log = pki.path("elbow.log");
    let mut elbow = Elbow::start_with(ElbowOptions { log_file: Some(log.clone()), ..ElbowOptions::default() });
    let mut a = Answers::default();
    let (crt, key) = pki.self_signed("web", "web.example.test");
    let (leaf, leaf_key, chain) = pki.chain("sni.example.test");

    let iam_arn = a.ok(&elbow, &["iam", "upload-server-certificate", "--server-certificate-name", "my-cert", "--certificate-body", &file(&crt), "--private-key", &file(&key)])["ServerCertificateMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_string();
    let acm_arn = a.ok(&elbow, &["acm", "import-certificate", "--certificate", &fileb(&leaf), "--private-key", &fileb(&leaf_key), "--certificate-chain", &fileb(&chain)])["CertificateArn"]
        .as_str()
        .unwrap()
        .to_string();

    let (vpc, subnets) = default_network(&elbow);
    let tg = a.ok(&elbow, &["elbv2", "create-target-group", "--name", "tg", "--protocol", "HTTP", "--port", "80", "--vpc-id", &vpc, "--target-type", "ip"])["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    let mut args = vec!["elbv2", "create-load-balancer", "--name", "web", "--subnets"];
    args.extend(subnets.iter().map(String::as_str));
    let lb = a.ok(&elbow, &args)["LoadBalancers"][0]["LoadBalancerArn"].as_str().unwrap().to_string();
    let port = testkit::free_port("127.0.0.1").to_string();
    let (cert_arg, action) = (format!("CertificateArn={iam_arn}"), format!("Type=forward,TargetGroupArn={tg}"));
    // A certificate ARN that names nothing is CertificateNotFound.
    let missing = "CertificateArn=arn:aws:iam::123456789012:server-certificate/nope";
    a.fails(&elbow, &["elbv2", "create-listener", "--load-balancer-arn", &lb, "--protocol", "HTTPS", "--port", &port, "--certificates", missing, "--default-actions", &action], "CertificateNotFound");
    let listener = a.ok(&elbow, &["elbv2", "create-listener", "--load-balancer-arn", &lb, "--protocol", "HTTPS", "--port", &port, "--certificates", &cert_arg, "--default-actions", &action])["Listeners"][0]
        .clone();
    assert_eq!(listener["Certificates"], serde_json::json!([{ "CertificateArn": iam_arn }]));
    let listener = listener["ListenerArn"].as_str().unwrap().to_string();

    let added = a.ok(&elbow, &["elbv2", "add-listener-certificates", "--listener-arn", &listener, "--certificates", &format!("CertificateArn={acm_arn}")]);
    assert_eq!(added["Certificates"], serde_json::json!([{ "CertificateArn": acm_arn, "IsDefault": false }]));
    let expected = serde_json::json!([{ "CertificateArn": acm_arn, "IsDefault": false }, { "CertificateArn": iam_arn, "IsDefault": true }]);
    assert_eq!(a.ok(&elbow, &["elbv2", "describe-listener-certificates", "--listener-arn", &listener])["Certificates"], expected);

    // In use: neither can be deleted, nor the IAM one renamed; the default cannot be removed.
    let e = a.fails(&elbow, &["iam", "delete-server-certificate", "--server-certificate-name", "my-cert"], "DeleteConflict");
    assert!(e.message.contains(&lb), "{e:?}");
    a.fails(&elbow, &["iam", "update-server-certificate", "--server-certificate-name", "my-cert", "--new-server-certificate-name", "renamed"], "DeleteConflict");
    a.fails(&elbow, &["acm", "delete-certificate", "--certificate-arn", &acm_arn], "ResourceInUseException");
    assert_eq!(a.ok(&elbow, &["acm", "describe-certificate", "--certificate-arn", &acm_arn])["Certificate"]["InUseBy"], serde_json::json!([lb]));
    a.fails(&elbow, &["elbv2", "remove-listener-certificates", "--listener-arn", &listener, "--certificates", &cert_arg], "OperationNotPermitted");

    // A restart keeps certificates, their bodies and the listener's list.
    let before = (
        a.ok(&elbow, &["iam", "get-server-certificate", "--server-certificate-name", "my-cert"]),
        a.ok(&elbow, &["acm", "describe-certificate", "--certificate-arn", &acm_arn]),
        a.ok(&elbow, &["acm", "get-certificate", "--certificate-arn", &acm_arn]),
    );
    elbow.restart();
    let after = (
        a.ok(&elbow, &["iam", "get-server-certificate", "--server-certificate-name", "my-cert"]),
        a.ok(&elbow, &["acm", "describe-certificate", "--certificate-arn", &acm_arn]),
        a.ok(&elbow, &["acm", "get-certificate", "--certificate-arn", &acm_arn]),
    );
    assert_eq!(before, after, "certificates after a restart");
    assert_eq!(a.ok(&elbow, &["elbv2", "describe-listener-certificates", "--listener-arn", &listener])["Certificates"], expected);
    // The store holds the keys sealed only (the data directory also holds the sealing key and
    // the local CA's own key, which are no certificate's).
    for entry in std::fs::read_dir(&elbow.data_dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            for line in key_lines(&key).into_iter().chain(key_lines(&leaf_key)) {
                assert!(!text.contains(&line), "a certificate's private key is in the clear in {}", p.display());
            }
        }
    }

    // Out of use, both go.
    a.ok(&elbow, &["elbv2", "remove-listener-certificates", "--listener-arn", &listener, "--certificates", &format!("CertificateArn={acm_arn}")]);
    assert_eq!(
        a.ok(&elbow, &["elbv2", "describe-listener-certificates", "--listener-arn", &listener])["Certificates"],
        serde_json::json!([{ "CertificateArn": iam_arn, "IsDefault": true }])
    );
    a.ok(&elbow, &["acm", "delete-certificate", "--certificate-arn", &acm_arn]);
    a.ok(&elbow, &["elbv2", "delete-listener", "--listener-arn", &listener]);
    a.ok(&elbow, &["iam", "delete-server-certificate", "--server-certificate-name", "my-cert"]);

    // No key in any answer or in elbow's log.
    assert_no_key(&a.0, &[&key, &leaf_key], "the CLI's answers");
    elbow.kill9();
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(logged.contains("elbow ready"), "the log was captured: {logged}");
    assert_no_key(&logged, &[&key, &leaf_key], "elbow's log");
}
