//! The predefined ELB security policies (`SslPolicy` of HTTPS and TLS listeners) as static data,
//! what `DescribeSSLPolicies` reports, and the subset of each that rustls can offer.
//!
//! Sources, in order of authority:
//! - the "Security policies" pages of the Application and Network Load Balancer guides
//!   (`describe-ssl-policies.html`): the "Protocols by policy" and "Ciphers by policy" tables of
//!   the TLS, FIPS and FS policies;
//! - botocore's `elbv2` model (`DescribeSSLPolicies`, its example output for
//!   `ELBSecurityPolicy-2015-05`) and the AWS CLI's `describe-ssl-policies` examples (the order in
//!   which the API lists the policies, and that `ELBSecurityPolicy-2015-05` and
//!   `ELBSecurityPolicy-TLS-1-0-2015-04` are still offered to Application Load Balancers);
//! - the older ALB guide (`create-https-listener.md`, awsdocs repository) for
//!   `ELBSecurityPolicy-TLS-1-0-2015-04` (the default's ciphers plus `DES-CBC3-SHA`) and
//!   `ELBSecurityPolicy-2015-05` ("identical to `ELBSecurityPolicy-2016-08`").
//!
//! Cipher order is the priority order the API reports (priority 1 first). Where the current
//! guide's "Ciphers by policy" table for the non-FIPS policies lists `ECDHE-ECDSA-AES256-SHA`
//! before `ECDHE-RSA-AES256-SHA`, elbow follows the API's own output (botocore's example), the
//! FIPS and FS tables of the same page, and s2n-tls's `elb_security_policy_*` definitions, which
//! all put `ECDHE-RSA-AES256-SHA` first.
//!
//! Protocols are listed lowest first (`TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`), as in botocore's
//! example output. TLS 1.0 is spelled `TLSv1`, as the API spells it.
//!
//! The post-quantum policies (`…-PQ-2025-09`) add hybrid ML-KEM key exchange groups
//! (SecP256r1MLKEM768, SecP384r1MLKEM1024, X25519MLKEM768) to the policy they are named after;
//! their protocols and ciphers are that policy's. Key exchange groups are not part of the API's
//! `SslPolicy` shape, so they do not appear here.

use crate::error::{ModelError, ResourceKind};

/// One predefined security policy, as `DescribeSSLPolicies` reports it (botocore shape
/// `SslPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SslPolicy {
    /// `Name`, e.g. `ELBSecurityPolicy-TLS13-1-2-2021-06`.
    pub name: &'static str,
    /// `SslProtocols`: the TLS versions the policy allows, lowest first, spelled as the API
    /// spells them: `TLSv1` (TLS 1.0), `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    pub protocols: &'static [&'static str],
    /// `Ciphers`: OpenSSL names as AWS lists them (TLS 1.3 suites by their IANA names, e.g.
    /// `TLS_AES_128_GCM_SHA256`), in priority order: the first has `Priority` 1.
    pub ciphers: &'static [&'static str],
    /// `SupportedLoadBalancerTypes`: `application` and/or `network`.
    pub load_balancer_types: &'static [&'static str],
}

/// The policy a listener gets when `CreateListener` names none (API, CLI, CloudFormation, CDK;
/// the console's default differs).
pub const DEFAULT: &str = "ELBSecurityPolicy-2016-08";

/// The three TLS 1.3 suites of the non-FIPS TLS 1.3 policies.
const TLS13: [&str; 3] = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

/// The TLS 1.3 suites of the FIPS policies (no ChaCha20-Poly1305).
const TLS13_FIPS: [&str; 2] = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"];

/// `ELBSecurityPolicy-2016-08`: ECDHE with AES-GCM and AES-CBC, then RSA key exchange.
const CIPHERS_2016_08: [&str; 18] = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES128-SHA",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
    "AES256-SHA",
];

/// `ELBSecurityPolicy-TLS-1-2-2017-01`: the default without the SHA-1 (`…-SHA`) suites.
const CIPHERS_TLS_1_2_2017_01: [&str; 12] = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
];

/// `ELBSecurityPolicy-FS-2018-06`: the default's ECDHE suites only (forward secrecy).
const CIPHERS_FS: [&str; 12] = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
];

/// `ELBSecurityPolicy-FS-1-2-Res-2019-08`: ECDHE without SHA-1.
const CIPHERS_FS_RES_2019: [&str; 8] = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
];

/// `ELBSecurityPolicy-FS-1-2-Res-2020-10`: ECDHE with AES-GCM only.
const CIPHERS_FS_RES_2020: [&str; 4] = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"];

/// `ELBSecurityPolicy-TLS-1-0-2015-04`: the default plus 3DES, for legacy clients.
const CIPHERS_2015_04: [&str; 19] = concat(&CIPHERS_2016_08, &["DES-CBC3-SHA"]);

const TLS13_1_2: [&str; 11] = concat(&TLS13, &CIPHERS_FS_RES_2019);
const TLS13_1_2_RES: [&str; 7] = concat(&TLS13, &CIPHERS_FS_RES_2020);
const TLS13_EXT2: [&str; 21] = concat(&TLS13, &CIPHERS_2016_08);
const TLS13_EXT1: [&str; 15] = concat(&TLS13, &CIPHERS_TLS_1_2_2017_01);
const FIPS_1_2: [&str; 10] = concat(&TLS13_FIPS, &CIPHERS_FS_RES_2019);
const FIPS_1_2_RES: [&str; 6] = concat(&TLS13_FIPS, &CIPHERS_FS_RES_2020);
const FIPS_EXT2: [&str; 20] = concat(&TLS13_FIPS, &CIPHERS_2016_08);
const FIPS_EXT1: [&str; 14] = concat(&TLS13_FIPS, &CIPHERS_TLS_1_2_2017_01);
const FIPS_EXT0: [&str; 14] = concat(&TLS13_FIPS, &CIPHERS_FS);

/// `a` followed by `b`; `N` must be their total length (checked when the constant is built).
const fn concat<const N: usize>(a: &[&'static str], b: &[&'static str]) -> [&'static str; N] {
    assert!(a.len() + b.len() == N, "concat: N is not the total length");
    let mut out = [""; N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < b.len() {
        out[i + j] = b[j];
        j += 1;
    }
    out
}

const P10_12: &[&str] = &["TLSv1", "TLSv1.1", "TLSv1.2"];
const P11_12: &[&str] = &["TLSv1.1", "TLSv1.2"];
const P12: &[&str] = &["TLSv1.2"];
const P10_13: &[&str] = &["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
const P11_13: &[&str] = &["TLSv1.1", "TLSv1.2", "TLSv1.3"];
const P12_13: &[&str] = &["TLSv1.2", "TLSv1.3"];
const P13: &[&str] = &["TLSv1.3"];

/// Every predefined policy supports both Application and Network Load Balancers (the ALB and NLB
/// guides list the same policies; Gateway Load Balancers have no TLS listeners).
const ALB_NLB: &[&str] = &["application", "network"];

const fn policy(name: &'static str, protocols: &'static [&'static str], ciphers: &'static [&'static str]) -> SslPolicy {
    SslPolicy { name, protocols, ciphers, load_balancer_types: ALB_NLB }
}

/// All policies, in the order `DescribeSSLPolicies` lists them: first the eighteen of the AWS
/// CLI's example (in its order), then the FIPS policies and the post-quantum ones as the guides
/// list them.
static POLICIES: [SslPolicy; 39] = [
    policy("ELBSecurityPolicy-2016-08", P10_12, &CIPHERS_2016_08),
    policy("ELBSecurityPolicy-TLS13-1-2-2021-06", P12_13, &TLS13_1_2),
    policy("ELBSecurityPolicy-TLS13-1-2-Res-2021-06", P12_13, &TLS13_1_2_RES),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", P12_13, &TLS13_EXT1),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", P12_13, &TLS13_EXT2),
    policy("ELBSecurityPolicy-TLS13-1-1-2021-06", P11_13, &TLS13_EXT2),
    policy("ELBSecurityPolicy-TLS13-1-0-2021-06", P10_13, &TLS13_EXT2),
    policy("ELBSecurityPolicy-TLS13-1-3-2021-06", P13, &TLS13),
    policy("ELBSecurityPolicy-TLS-1-2-2017-01", P12, &CIPHERS_TLS_1_2_2017_01),
    policy("ELBSecurityPolicy-TLS-1-1-2017-01", P11_12, &CIPHERS_2016_08),
    policy("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", P12, &CIPHERS_2016_08),
    policy("ELBSecurityPolicy-FS-2018-06", P10_12, &CIPHERS_FS),
    policy("ELBSecurityPolicy-2015-05", P10_12, &CIPHERS_2016_08),
    policy("ELBSecurityPolicy-TLS-1-0-2015-04", P10_12, &CIPHERS_2015_04),
    policy("ELBSecurityPolicy-FS-1-2-Res-2019-08", P12, &CIPHERS_FS_RES_2019),
    policy("ELBSecurityPolicy-FS-1-1-2019-08", P11_12, &CIPHERS_FS),
    policy("ELBSecurityPolicy-FS-1-2-2019-08", P12, &CIPHERS_FS),
    policy("ELBSecurityPolicy-FS-1-2-Res-2020-10", P12, &CIPHERS_FS_RES_2020),
    // FIPS 140-3 (AWS-LC FIPS module), 2023-04.
    policy("ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", P13, &TLS13_FIPS),
    policy("ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", P12_13, &FIPS_1_2),
    policy("ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04", P12_13, &FIPS_1_2_RES),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04", P12_13, &FIPS_EXT2),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04", P12_13, &FIPS_EXT1),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", P12_13, &FIPS_EXT0),
    policy("ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04", P11_13, &FIPS_EXT2),
    policy("ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", P10_13, &FIPS_EXT2),
    // Hybrid post-quantum key exchange, 2025-09: each is the policy of the same name without PQ.
    policy("ELBSecurityPolicy-TLS13-1-3-PQ-2025-09", P13, &TLS13),
    policy("ELBSecurityPolicy-TLS13-1-2-PQ-2025-09", P12_13, &TLS13_1_2),
    policy("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", P12_13, &TLS13_1_2_RES),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09", P12_13, &TLS13_EXT1),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09", P12_13, &TLS13_EXT2),
    policy("ELBSecurityPolicy-TLS13-1-0-PQ-2025-09", P10_13, &TLS13_EXT2),
    policy("ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09", P13, &TLS13_FIPS),
    policy("ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09", P12_13, &FIPS_1_2),
    policy("ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09", P12_13, &FIPS_1_2_RES),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09", P12_13, &FIPS_EXT0),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09", P12_13, &FIPS_EXT1),
    policy("ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09", P12_13, &FIPS_EXT2),
    policy("ELBSecurityPolicy-TLS13-1-0-FIPS-PQ-2025-09", P10_13, &FIPS_EXT2),
];

/// Every predefined policy, in the order `DescribeSSLPolicies` lists them.
pub fn all() -> &'static [SslPolicy] {
    &POLICIES
}

/// The policy named `name` (exact, case-sensitive, as AWS matches it), if AWS offers it.
pub fn find(name: &str) -> Option<&'static SslPolicy> {
    POLICIES.iter().find(|p| p.name == name)
}

/// Refuses a policy name that [`find`] does not know: `NotFound` of kind
/// [`ResourceKind::SslPolicy`], which the API reports as `SSLPolicyNotFound` (HTTP 400,
/// "SSL policy 'X' not found"). `None` (no `SslPolicy` parameter) is fine: the default applies.
pub fn check(name: Option<&str>) -> Result<(), ModelError> {
    match name {
        Some(n) if find(n).is_none() => Err(ModelError::not_found(ResourceKind::SslPolicy, n)),
        _ => Ok(()),
    }
}

/// OpenSSL cipher name (as AWS lists it) → (IANA name, the name rustls gives the suite if it
/// implements it). rustls spells TLS 1.3 suites `TLS13_…` where IANA says `TLS_…`.
const CIPHER_NAMES: [(&str, &str, Option<&str>); 22] = [
    ("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", Some("TLS13_AES_128_GCM_SHA256")),
    ("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", Some("TLS13_AES_256_GCM_SHA384")),
    ("TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", Some("TLS13_CHACHA20_POLY1305_SHA256")),
    ("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")),
    ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")),
    ("ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", None),
    ("ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", None),
    ("ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", None),
    ("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", None),
    ("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", Some("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")),
    ("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", Some("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")),
    ("ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", None),
    ("ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", None),
    ("ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", None),
    ("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", None),
    ("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256", None),
    ("AES128-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256", None),
    ("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA", None),
    ("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384", None),
    ("AES256-SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256", None),
    ("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", None),
    ("DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", None),
];

/// The IANA (RFC 8446 / RFC 5289 / RFC 5246) name of a cipher as AWS lists it, e.g.
/// `ECDHE-RSA-AES128-GCM-SHA256` → `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`; `None` for a name
/// no policy uses. The "Policies by cipher" tables of the security-policy guides give the same
/// pairs.
pub fn iana_name(openssl: &str) -> Option<&'static str> {
    CIPHER_NAMES.iter().find(|(o, _, _)| *o == openssl).map(|(_, iana, _)| *iana)
}

/// TLS versions and cipher suites of a policy as IANA names rustls knows (e.g.
/// "TLS13_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"); suites rustls lacks
/// (CBC, AES-SHA1, RSA key exchange) are dropped.
///
/// Returns `(tls12, tls13, suites)`: `tls12` is true when the policy allows TLS 1.2 and at least
/// one of its TLS 1.2 suites survives (true for every predefined policy that lists `TLSv1.2`);
/// `tls13` likewise for TLS 1.3. `suites` keeps the policy's priority order, TLS 1.3 suites first
/// as the policies list them, and uses rustls's spelling (`TLS13_…` for TLS 1.3 suites).
///
/// What rustls cannot offer, so a listener serves less than AWS would:
/// - TLS 1.0 and TLS 1.1 (`TLSv1`, `TLSv1.1`): rustls implements TLS 1.2 and 1.3 only;
/// - every CBC suite: `ECDHE-*-AES128-SHA256`, `ECDHE-*-AES256-SHA384`, and the SHA-1 ones
///   `ECDHE-*-AES128-SHA`, `ECDHE-*-AES256-SHA`;
/// - every suite without ECDHE (RSA key transport): `AES128-GCM-SHA256`, `AES256-GCM-SHA384`,
///   `AES128-SHA256`, `AES256-SHA256`, `AES128-SHA`, `AES256-SHA`, and `DES-CBC3-SHA`.
///
/// What survives is the ECDHE AES-GCM suites (TLS 1.2) and the TLS 1.3 suites, so, e.g.,
/// `ELBSecurityPolicy-2016-08` becomes TLS 1.2 only with four suites. The post-quantum
/// policies' hybrid ML-KEM groups are key exchange groups, not suites, and are not covered here.
pub fn rustls_suites(policy: &SslPolicy) -> (bool, bool, Vec<&'static str>) {
    let suites: Vec<&'static str> = policy.ciphers.iter().filter_map(|c| CIPHER_NAMES.iter().find(|(o, _, _)| o == c).and_then(|(_, _, r)| *r)).collect();
    let has = |proto: &str| policy.protocols.contains(&proto);
    let tls13 = has("TLSv1.3") && suites.iter().any(|s| s.starts_with("TLS13_"));
    let tls12 = has("TLSv1.2") && suites.iter().any(|s| !s.starts_with("TLS13_"));
    let suites = suites.into_iter().filter(|s| if s.starts_with("TLS13_") { tls13 } else { tls12 }).collect();
    (tls12, tls13, suites)
}

#[cfg(test)]
mod tests;
