//! ACM output shapes as JSON: `CertificateDetail`, `CertificateSummary`, `Tag`. Timestamps are
//! epoch seconds (JSON numbers), as ACM sends them.

use model::certificate::{AcmCertificate, AcmCertificateType};
use model::{Millis, RegionState};
use serde_json::{Map, Value, json};

/// Epoch seconds as a JSON number (`1735689600.0`).
pub(crate) fn seconds(ms: Millis) -> Value {
    json!(ms as f64 / 1000.0)
}

/// `ISSUED`, or `EXPIRED` once `NotAfter` has passed.
pub(crate) fn status(c: &AcmCertificate, now: Millis) -> &'static str {
    if now > c.certificate.facts.not_after { "EXPIRED" } else { "ISSUED" }
}

/// `DomainName` first, then the other DNS names of the certificate (ACM's
/// `SubjectAlternativeNames`).
pub(crate) fn names(c: &AcmCertificate) -> Vec<String> {
    let f = &c.certificate.facts;
    let mut out: Vec<String> = Vec::new();
    for n in std::iter::once(&f.domain_name).chain(&f.subject_alternative_names) {
        if !n.is_empty() && !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}

fn time_member(c: &AcmCertificate) -> &'static str {
    match c.kind {
        AcmCertificateType::Imported => "ImportedAt",
        AcmCertificateType::AmazonIssued => "IssuedAt",
    }
}

/// The DNS record that would validate `name` for `arn` (stable, so describes agree).
fn resource_record(arn: &str, name: &str) -> Value {
    let a = model::ids::stable_hex_id(&format!("{arn}/{name}/name"), 32);
    let b = model::ids::stable_hex_id(&format!("{arn}/{name}/value"), 32);
    let base = name.trim_start_matches("*.");
    json!({ "Name": format!("_{a}.{base}."), "Type": "CNAME", "Value": format!("_{b}.acm-validations.aws.") })
}

/// `CertificateDetail` (DescribeCertificate).
pub(crate) fn detail(c: &AcmCertificate, region: &RegionState, now: Millis) -> Value {
    let f = &c.certificate.facts;
    let in_use = region.load_balancers_using_certificate(&c.arn);
    let mut d = Map::new();
    d.insert("CertificateArn".into(), json!(c.arn));
    if !f.domain_name.is_empty() {
        d.insert("DomainName".into(), json!(f.domain_name));
    }
    d.insert("SubjectAlternativeNames".into(), json!(names(c)));
    if c.kind == AcmCertificateType::AmazonIssued {
        let method = c.validation_method.clone().unwrap_or_else(|| "DNS".into());
        let options: Vec<Value> = c
            .requested_names
            .iter()
            .map(|n| {
                let mut o = json!({ "DomainName": n, "ValidationDomain": n, "ValidationStatus": "SUCCESS", "ValidationMethod": method });
                if method == "DNS" {
                    o["ResourceRecord"] = resource_record(&c.arn, n);
                }
                o
            })
            .collect();
        d.insert("DomainValidationOptions".into(), json!(options));
    }
    d.insert("Serial".into(), json!(f.serial));
    d.insert("Subject".into(), json!(f.subject));
    d.insert("Issuer".into(), json!(f.issuer));
    d.insert("CreatedAt".into(), seconds(c.created_at));
    d.insert(time_member(c).into(), seconds(c.imported_or_issued_at));
    d.insert("Status".into(), json!(status(c, now)));
    d.insert("NotBefore".into(), seconds(f.not_before));
    d.insert("NotAfter".into(), seconds(f.not_after));
    d.insert("KeyAlgorithm".into(), json!(f.key_algorithm));
    d.insert("SignatureAlgorithm".into(), json!(f.signature_algorithm));
    d.insert("InUseBy".into(), json!(in_use));
    d.insert("Type".into(), json!(c.kind.as_str()));
    d.insert("RenewalEligibility".into(), json!(renewal_eligibility(c, !in_use.is_empty())));
    if c.kind == AcmCertificateType::AmazonIssued {
        d.insert("Options".into(), json!({ "CertificateTransparencyLoggingPreference": "ENABLED" }));
    }
    Value::Object(d)
}

/// Imported certificates are never renewed by ACM; issued ones are while in use.
fn renewal_eligibility(c: &AcmCertificate, in_use: bool) -> &'static str {
    if c.kind == AcmCertificateType::AmazonIssued && in_use { "ELIGIBLE" } else { "INELIGIBLE" }
}

/// `CertificateSummary` (ListCertificates).
pub(crate) fn summary(c: &AcmCertificate, region: &RegionState, now: Millis) -> Value {
    let f = &c.certificate.facts;
    let in_use = !region.load_balancers_using_certificate(&c.arn).is_empty();
    let names = names(c);
    let mut s = Map::new();
    s.insert("CertificateArn".into(), json!(c.arn));
    if !f.domain_name.is_empty() {
        s.insert("DomainName".into(), json!(f.domain_name));
    }
    s.insert("SubjectAlternativeNameSummaries".into(), json!(names));
    s.insert("HasAdditionalSubjectAlternativeNames".into(), json!(false));
    s.insert("Status".into(), json!(status(c, now)));
    s.insert("Type".into(), json!(c.kind.as_str()));
    s.insert("KeyAlgorithm".into(), json!(f.key_algorithm));
    s.insert("KeyUsages".into(), json!([]));
    s.insert("ExtendedKeyUsages".into(), json!([]));
    s.insert("InUse".into(), json!(in_use));
    s.insert("RenewalEligibility".into(), json!(renewal_eligibility(c, in_use)));
    s.insert("NotBefore".into(), seconds(f.not_before));
    s.insert("NotAfter".into(), seconds(f.not_after));
    s.insert("CreatedAt".into(), seconds(c.created_at));
    s.insert(time_member(c).into(), seconds(c.imported_or_issued_at));
    Value::Object(s)
}

/// `Tags` ([{Key, Value}]).
pub(crate) fn tags(c: &AcmCertificate) -> Value {
    Value::Array(c.tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect())
}
