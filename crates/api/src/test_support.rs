//! Shared by the api crate's golden tests: an `Api` over a real `State` and embedded store in
//! a temporary directory, requests as the server decodes them, and certificates made at test
//! time with the `tls` crate.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use model::HealthTable;

use crate::error::ApiError;
use crate::params::{ListStyle, Params};
use crate::service::Service;
use crate::{Api, ApiConfig, CertificateServices, Request};

pub(crate) struct Env {
    pub(crate) api: Arc<Api>,
    dir: PathBuf,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An API with a fresh store, an ephemeral sealer and the local CA of a temporary directory.
pub(crate) async fn env() -> Env {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!("elbow-cert-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    let store = store::EmbeddedStore::open(&dir).unwrap();
    let state = state::State::start(Arc::new(store), None).await.unwrap();
    let ca = tls::local_ca::LocalCa::load_or_create(&dir.join("ca")).unwrap();
    let certificates = CertificateServices { issuer: Some(Arc::new(ca)), ..CertificateServices::ephemeral() };
    Env { api: Api::with_certificates(state, Arc::new(HealthTable::new()), ApiConfig::default(), certificates), dir }
}

fn request(service: Service, action: &str, params: Params, json: Option<String>) -> Request {
    Request { service, action: action.into(), params, json: json.map(bytes::Bytes::from), region: "us-east-1".into(), request_id: "req-1".into() }
}

/// A query-protocol call (IAM, ELBv2) through the service's dispatch, as the server makes it.
pub(crate) async fn query(e: &Env, service: Service, action: &str, pairs: &[(&str, &str)]) -> Result<String, ApiError> {
    let req = request(service, action, Params::from_pairs(pairs.iter().copied(), ListStyle::Member), None);
    match service {
        Service::Iam => crate::iam::dispatch(&e.api, &req).await,
        Service::Elbv2 => crate::elbv2::dispatch(&e.api, &req).await,
        Service::AutoScaling => crate::autoscaling::dispatch(&e.api, &req).await,
        other => panic!("no query dispatch for {other:?}"),
    }
}

/// An ACM call with a JSON body.
pub(crate) async fn acm(e: &Env, action: &str, body: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let req = request(Service::Acm, action, Params::default(), Some(body.to_string()));
    crate::acm::dispatch(&e.api, &req).await.map(|s| serde_json::from_str(&s).unwrap_or_else(|err| panic!("{action} answered non-JSON ({err}): {s}")))
}

/// A self-signed certificate and key (PEM) for `name`, valid for a day from now.
pub(crate) fn self_signed(name: &str, key_algorithm: &str) -> (String, String) {
    tls::self_signed::self_signed(&[name.to_string()], key_algorithm, 1, SystemTime::now() - Duration::from_secs(60)).unwrap()
}

/// One that expired yesterday.
pub(crate) fn expired(name: &str) -> (String, String) {
    tls::self_signed::self_signed(&[name.to_string()], "EC_prime256v1", 1, SystemTime::now() - Duration::from_secs(3 * 86_400)).unwrap()
}

/// The text of every `<tag>` in `xml`, in order.
pub(crate) fn all(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(j) = rest.find(&close) else { break };
        out.push(rest[..j].to_string());
        rest = &rest[j..];
    }
    out
}

pub(crate) fn first(xml: &str, tag: &str) -> String {
    all(xml, tag).into_iter().next().unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
}

/// The base64 of a PEM, as botocore sends ACM blobs.
pub(crate) fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// The base64 lines of a PEM private key: what must never appear in an answer.
pub(crate) fn key_material(key_pem: &str) -> Vec<String> {
    key_pem.lines().filter(|l| !l.starts_with("-----") && l.len() > 16).map(str::to_string).collect()
}

#[track_caller]
pub(crate) fn assert_no_key(answer: &str, key_pem: &str) {
    for line in key_material(key_pem) {
        assert!(!answer.contains(&line), "the private key appears in an answer: {answer}");
    }
    assert!(!answer.contains("PRIVATE KEY-----"), "{answer}");
}
