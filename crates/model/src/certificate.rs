//! Server certificates: IAM server certificates (account-wide) and ACM certificates (per
//! region), as the listeners of HTTPS load balancers reference them by ARN.
//!
//! The private key is kept only sealed ([`StoredCertificate::sealed_private_key`]): encrypted by
//! the node under a key that lives outside the store, so the snapshot (and the store file, and
//! etcd) never holds it in the clear. The model never sees the plaintext.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{Arn, Millis};
use crate::snapshot::RegionState;

/// What elbow read from a certificate when it was uploaded or imported, reported by
/// `GetServerCertificate` (IAM) and `DescribeCertificate` (ACM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CertificateFacts {
    /// Subject distinguished name, RFC 4514 form, e.g. `CN=example.com,O=Example`.
    pub subject: String,
    /// Issuer distinguished name, RFC 4514 form.
    pub issuer: String,
    /// ACM's `DomainName`: the subject's common name, else the first DNS SAN.
    pub domain_name: String,
    /// DNS names of the subjectAltName extension (ACM's `SubjectAlternativeNames` lists
    /// `domain_name` first, then these).
    pub subject_alternative_names: Vec<String>,
    /// Serial number as ACM prints it: lower-case hex bytes joined by `:`.
    pub serial: String,
    /// Start of validity, Unix milliseconds.
    pub not_before: Millis,
    /// End of validity, Unix milliseconds.
    pub not_after: Millis,
    /// ACM's `KeyAlgorithm`: `RSA_1024`, `RSA_2048`, `RSA_3072`, `RSA_4096`,
    /// `EC_prime256v1`, `EC_secp384r1`, `EC_secp521r1`.
    pub key_algorithm: String,
    /// ACM's `SignatureAlgorithm`, e.g. `SHA256WITHRSA`, `SHA256WITHECDSA`.
    pub signature_algorithm: String,
}

/// The certificate material shared by IAM and ACM records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCertificate {
    /// The leaf certificate, PEM (one `CERTIFICATE` block).
    pub body_pem: String,
    /// The intermediate chain, PEM, leaf's issuer first; `None` when none was given.
    pub chain_pem: Option<String>,
    /// The private key, sealed by the node (see `tls::sealing`); never the PEM itself.
    pub sealed_private_key: String,
    /// Parsed facts.
    pub facts: CertificateFacts,
}

/// An IAM server certificate (`UploadServerCertificate`), IAM API reference
/// "ServerCertificateMetadata".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerCertificate {
    /// `ServerCertificateName`: 1–128 of `[\w+=,.@-]`, unique in the account.
    pub name: String,
    /// `ServerCertificateId`: `ASCA` + 17 upper-case alphanumerics.
    pub id: String,
    /// `Path`, `/` by default; begins and ends with `/`.
    pub path: String,
    /// `arn:aws:iam::<account>:server-certificate<path><name>`.
    pub arn: String,
    /// `UploadDate`.
    pub upload_date: Millis,
    /// The certificate.
    pub certificate: StoredCertificate,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// How an ACM certificate came to be (`Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AcmCertificateType {
    /// `IMPORTED` (`ImportCertificate`).
    Imported,
    /// `AMAZON_ISSUED` (`RequestCertificate`): issued by elbow's local certificate authority.
    AmazonIssued,
}

impl AcmCertificateType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AcmCertificateType::Imported => "IMPORTED",
            AcmCertificateType::AmazonIssued => "AMAZON_ISSUED",
        }
    }
}

/// An ACM certificate, ACM API reference "CertificateDetail".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcmCertificate {
    /// `arn:aws:acm:<region>:<account>:certificate/<uuid>`.
    pub arn: String,
    /// `Type`.
    pub kind: AcmCertificateType,
    /// `CreatedAt`.
    pub created_at: Millis,
    /// `ImportedAt` (imported) or `IssuedAt` (issued); changes on re-import and renewal.
    pub imported_or_issued_at: Millis,
    /// For `AMAZON_ISSUED`: the names requested (`DomainName`, `SubjectAlternativeNames`).
    #[serde(default)]
    pub requested_names: Vec<String>,
    /// For `AMAZON_ISSUED`: the key algorithm requested (`KeyAlgorithm`, default `RSA_2048`).
    #[serde(default)]
    pub requested_key_algorithm: Option<String>,
    /// For `AMAZON_ISSUED`: `ValidationMethod` as requested (`DNS` by default).
    #[serde(default)]
    pub validation_method: Option<String>,
    /// For `AMAZON_ISSUED`: the `IdempotencyToken` of the request, so a repeat within an hour
    /// returns the same certificate.
    #[serde(default)]
    pub idempotency_token: Option<String>,
    /// The certificate now served.
    pub certificate: StoredCertificate,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// IAM, account-wide: today only server certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IamState {
    /// Server certificates by `ServerCertificateName`.
    #[serde(default)]
    pub server_certificates: BTreeMap<String, ServerCertificate>,
}

impl IamState {
    /// The server certificate named `name`. IAM names are unique regardless of case, and a
    /// lookup with another case finds the certificate.
    pub fn server_certificate(&self, name: &str) -> Option<&ServerCertificate> {
        self.server_certificates.get(name).or_else(|| self.server_certificates.values().find(|c| c.name.eq_ignore_ascii_case(name)))
    }

    /// The server certificate whose ARN is `arn`.
    pub fn server_certificate_by_arn(&self, arn: &str) -> Option<&ServerCertificate> {
        self.server_certificates.values().find(|c| c.arn == arn)
    }
}

/// The certificate a listener's `CertificateArn` names, as a listener of `region` sees it: an
/// IAM server certificate (`arn:aws:iam::<account>:server-certificate/…`, any region), or an
/// ACM certificate of the same region (`arn:aws:acm:<region>:…`). `None` if the ARN names
/// neither.
pub fn resolve<'a>(iam: &'a IamState, region: &'a RegionState, arn: &str) -> Option<&'a StoredCertificate> {
    let parsed = Arn::parse(arn)?;
    match parsed.service {
        "iam" if parsed.resource.starts_with("server-certificate/") => iam.server_certificate_by_arn(arn).map(|c| &c.certificate),
        "acm" if parsed.region == region.name => region.acm_certificates.get(arn).map(|c| &c.certificate),
        _ => None,
    }
}

/// `ServerCertificateName`: 1–128 characters of `[\w+=,.@-]` (IAM API reference).
pub fn is_valid_server_certificate_name(name: &str) -> bool {
    (1..=128).contains(&name.chars().count()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// An IAM `Path`: `/`, or `/` + printable ASCII + `/`, at most 512 characters.
pub fn is_valid_iam_path(path: &str) -> bool {
    path == "/" || (path.len() >= 2 && path.len() <= 512 && path.starts_with('/') && path.ends_with('/') && path.bytes().all(|b| (0x21..=0x7e).contains(&b)))
}

/// `arn:aws:iam::<account>:server-certificate<path><name>`.
pub fn server_certificate_arn(account: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:server-certificate{path}{name}")
}

/// Builders shared by the certificate tests of `apply_iam`, `apply_acm` and
/// `apply_listener_certificates`: facts are made up, no PEM is parsed.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::command::{AcmCommand, Command, CreateListener, CreateLoadBalancer, CreateTargetGroup, Elbv2Command, HealthCheckInput, IamCommand, UploadServerCertificate};
    use crate::listener::{Action, ActionType};
    use crate::load_balancer::{IpAddressType, LoadBalancerType, Scheme};
    use crate::snapshot::Snapshot;
    use crate::target_group::{Protocol, TargetType};

    pub(crate) const R: &str = "us-east-1";
    pub(crate) const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/0123456789abcdef";
    pub(crate) const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/0123456789abcdef";

    /// A listener ARN of `LB` with id `id` (16 hex digits).
    pub(crate) fn listener_arn(id: &str) -> String {
        crate::ids::listener_arn(LB, id)
    }

    /// Material for `domain` with a key of `key_algorithm`.
    pub(crate) fn stored(domain: &str, key_algorithm: &str) -> StoredCertificate {
        StoredCertificate {
            body_pem: format!("-----BEGIN CERTIFICATE-----\n{domain}\n-----END CERTIFICATE-----\n"),
            chain_pem: None,
            sealed_private_key: "sealed".into(),
            facts: CertificateFacts {
                subject: format!("CN={domain}"),
                issuer: format!("CN={domain}"),
                domain_name: domain.into(),
                subject_alternative_names: vec![],
                serial: "01".into(),
                not_before: 0,
                not_after: 4_000_000_000_000,
                key_algorithm: key_algorithm.into(),
                signature_algorithm: "SHA256WITHRSA".into(),
            },
        }
    }

    pub(crate) fn iam_arn(name: &str) -> String {
        server_certificate_arn("123456789012", "/", name)
    }

    pub(crate) fn upload(name: &str) -> Command {
        Command::Iam {
            op: IamCommand::UploadServerCertificate(Box::new(UploadServerCertificate {
                name: name.into(),
                id: format!("ASCA{:0>17}", name.len()),
                path: "/".into(),
                arn: iam_arn(name),
                certificate: stored(&format!("{name}.example.com"), "RSA_2048"),
                tags: vec![],
                now: 10,
            })),
        }
    }

    pub(crate) fn acm_arn(region: &str, n: u32) -> String {
        format!("arn:aws:acm:{region}:123456789012:certificate/00000000-0000-4000-8000-{n:012}")
    }

    pub(crate) fn import(region: &str, n: u32) -> Command {
        Command::Acm {
            region: region.into(),
            op: AcmCommand::ImportCertificate { arn: acm_arn(region, n), reimport: false, certificate: stored("imported.example.com", "RSA_2048"), tags: vec![], now: 20 },
        }
    }

    pub(crate) fn elbv2(s: &Snapshot, op: Elbv2Command) -> Result<Snapshot, crate::ModelError> {
        s.apply(&Command::Elbv2 { region: R.into(), op })
    }

    /// An ALB `LB` in the default VPC of `R` and an HTTP target group `TG`.
    pub(crate) fn alb() -> Snapshot {
        let s = Snapshot::empty();
        let r = s.region(R);
        let subnets: Vec<String> = r.ec2.subnets.keys().cloned().collect();
        let vpc = r.ec2.default_vpc().map(|v| v.id.clone());
        let s = elbv2(
            &s,
            Elbv2Command::CreateTargetGroup(CreateTargetGroup {
                arn: TG.into(),
                id: "0123456789abcdef".into(),
                name: "t".into(),
                protocol: Some(Protocol::Http),
                protocol_version: None,
                port: Some(80),
                vpc_id: vpc,
                target_type: Some(TargetType::Ip),
                ip_address_type: None,
                health_check: HealthCheckInput::default(),
                tags: vec![],
                now: 1,
            }),
        )
        .unwrap();
        elbv2(
            &s,
            Elbv2Command::CreateLoadBalancer(CreateLoadBalancer {
                arn: LB.into(),
                id: "0123456789abcdef".into(),
                name: "a".into(),
                dns_name: "a.example".into(),
                canonical_hosted_zone_id: "Z".into(),
                subnets,
                security_groups: None,
                scheme: Scheme::InternetFacing,
                kind: LoadBalancerType::Application,
                ip_address_type: IpAddressType::Ipv4,
                tags: vec![],
                now: 1,
            }),
        )
        .unwrap()
    }

    /// `CreateListener` of an HTTPS listener `listener_arn(id)` on `port` with `certificate`.
    pub(crate) fn https_listener(id: &str, port: u16, certificate: &str) -> Elbv2Command {
        Elbv2Command::CreateListener(CreateListener {
            arn: listener_arn(id),
            id: id.into(),
            default_rule_id: format!("{id}-d"),
            load_balancer_arn: LB.into(),
            protocol: Some(Protocol::Https),
            port: Some(port),
            ssl_policy: None,
            certificates: vec![certificate.into()],
            default_actions: vec![Action { kind: ActionType::Forward, order: None, target_group_arn: Some(TG.into()), forward: None, redirect: None, fixed_response: None }],
            alpn_policy: vec![],
            tags: vec![],
            now: 1,
        })
    }
}
