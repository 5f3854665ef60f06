//! The server side of HTTPS listeners: which certificate a handshake gets (SNI), which
//! protocol versions and cipher suites the listener's security policy allows, and ALPN.
//!
//! Certificate selection follows the ALB guide ("SSL certificates for your Application Load
//! Balancer", "Certificate list"): a client's SNI name is matched against each certificate's
//! names, an exact name before a wildcard (`*.example.com` covers one label); among several
//! matches the best one the client supports wins (ECDSA before RSA, then the longest
//! validity); no SNI, or no match, gets the listener's default certificate.

use std::collections::HashMap;
use std::sync::Arc;

use rustls::server::{ClientHello, ProducesTickets, ResolvesServerCert, StoresServerSessions};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, SignatureAlgorithm};

/// One certificate of a listener, ready to serve.
#[derive(Debug, Clone)]
pub struct ListenerCertificate {
    /// Leaf + chain and signing key.
    pub key: Arc<CertifiedKey>,
    /// DNS names it covers (subject CN and subjectAltNames), any case, `*.` for wildcards.
    pub names: Vec<String>,
    /// End of validity, Unix milliseconds (a later one wins a tie).
    pub not_after: u64,
}

/// Picks a certificate per handshake by SNI.
#[derive(Debug)]
pub struct SniResolver {
    default: Arc<CertifiedKey>,
    certs: Vec<ListenerCertificate>,
    /// Lower-case exact name → indexes into `certs`.
    exact: HashMap<String, Vec<usize>>,
    /// Lower-case parent domain of a wildcard (`example.com` for `*.example.com`) → indexes.
    wildcard: HashMap<String, Vec<usize>>,
}

impl SniResolver {
    /// A resolver serving `default` to clients without SNI or without a matching name, and the
    /// best of `default` and `sni` to the others.
    pub fn new(default: ListenerCertificate, sni: Vec<ListenerCertificate>) -> SniResolver {
        let default_key = default.key.clone();
        let mut certs = vec![default];
        certs.extend(sni);
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut wildcard: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in certs.iter().enumerate() {
            for n in &c.names {
                let n = n.trim_end_matches('.').to_ascii_lowercase();
                let (map, key) = match n.strip_prefix("*.") {
                    Some(parent) => (&mut wildcard, parent.to_string()),
                    None => (&mut exact, n),
                };
                let v = map.entry(key).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        SniResolver { default: default_key, certs, exact, wildcard }
    }

    /// The certificate for a client that sent `server_name` and supports `schemes`.
    pub fn choose(&self, server_name: Option<&str>, schemes: &[rustls::SignatureScheme]) -> Arc<CertifiedKey> {
        let Some(name) = server_name.map(|n| n.trim_end_matches('.').to_ascii_lowercase()) else {
            return self.default.clone();
        };
        let exact = self.exact.get(&name);
        let wild = name.split_once('.').and_then(|(_, parent)| self.wildcard.get(parent));
        for candidates in [exact, wild].into_iter().flatten() {
            let best = candidates
                .iter()
                .map(|&i| &self.certs[i])
                .filter(|c| c.key.key.choose_scheme(schemes).is_some())
                .max_by_key(|c| (c.key.key.algorithm() == SignatureAlgorithm::ECDSA, c.not_after));
            if let Some(c) = best {
                return c.key.clone();
            }
        }
        self.default.clone()
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.choose(hello.server_name(), hello.signature_schemes()))
    }
}

/// What a listener's security policy lets rustls offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySuites {
    /// TLS 1.2 allowed.
    pub tls12: bool,
    /// TLS 1.3 allowed.
    pub tls13: bool,
    /// Cipher suites in preference order, as rustls names them (`TLS13_AES_128_GCM_SHA256`,
    /// `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`); names rustls lacks are ignored. Empty means
    /// every suite rustls has.
    pub suites: Vec<String>,
}

impl Default for PolicySuites {
    fn default() -> Self {
        PolicySuites { tls12: true, tls13: true, suites: Vec::new() }
    }
}

/// Session resumption state shared by every configuration of a node, so that a certificate
/// swap (a new [`ServerConfig`]) does not end resumption.
#[derive(Debug, Clone)]
pub struct SessionState {
    /// TLS 1.2 session ids and TLS 1.3 stateful tickets.
    pub storage: Arc<dyn StoresServerSessions>,
    /// Stateless tickets.
    pub ticketer: Arc<dyn ProducesTickets>,
}

impl SessionState {
    /// An in-memory cache of 10,000 sessions and a rotating ticket key.
    ///
    /// Errors: the ticketer cannot be made (no randomness).
    pub fn new() -> Result<SessionState, rustls::Error> {
        Ok(SessionState { storage: rustls::server::ServerSessionMemoryCache::new(10_000), ticketer: rustls::crypto::aws_lc_rs::Ticketer::new()? })
    }
}

/// A listener's server configuration: certificates chosen by `resolver`, the versions and
/// suites of `policy`, ALPN `h2` (when `http2`) and `http/1.1`.
///
/// Errors: the policy leaves no protocol version or no suite rustls can offer.
pub fn listener_server_config(resolver: Arc<SniResolver>, policy: &PolicySuites, http2: bool, sessions: &SessionState) -> Result<Arc<ServerConfig>, rustls::Error> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    if !policy.suites.is_empty() {
        let order = |s: &rustls::SupportedCipherSuite| policy.suites.iter().position(|n| *n == format!("{:?}", s.suite()));
        provider.cipher_suites.retain(|s| order(s).is_some());
        provider.cipher_suites.sort_by_key(|s| order(s));
    }
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
    if policy.tls13 {
        versions.push(&rustls::version::TLS13);
    }
    if policy.tls12 {
        versions.push(&rustls::version::TLS12);
    }
    let mut cfg = ServerConfig::builder_with_provider(Arc::new(provider)).with_protocol_versions(&versions)?.with_no_client_auth().with_cert_resolver(resolver);
    cfg.alpn_protocols = if http2 { vec![b"h2".to_vec(), b"http/1.1".to_vec()] } else { vec![b"http/1.1".to_vec()] };
    cfg.session_storage = sessions.storage.clone();
    cfg.ticketer = sessions.ticketer.clone();
    // The server's preference order, as ALB (and the policies' "priority").
    cfg.ignore_client_order = true;
    Ok(Arc::new(cfg))
}

/// The names ALB uses in `x-amzn-tls-version` (`TLSv1.2`, `TLSv1.3`).
pub fn version_name(v: rustls::ProtocolVersion) -> &'static str {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
        _ => "unknown",
    }
}

/// The OpenSSL name ALB uses in `x-amzn-tls-cipher-suite` (e.g. `ECDHE-RSA-AES128-GCM-SHA256`,
/// `TLS_AES_128_GCM_SHA256`).
pub fn cipher_name(s: rustls::CipherSuite) -> &'static str {
    use rustls::CipherSuite as C;
    match s {
        C::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        C::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        C::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-ECDSA-CHACHA20-POLY1305",
        C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests;
