//! AddListenerCertificates, RemoveListenerCertificates, DescribeListenerCertificates: the
//! certificate list (SNI) of HTTPS and TLS listeners. A `CertificateArn` is an IAM server
//! certificate's or an ACM certificate's of the same region.

use model::{Elbv2Command, ModelError, ResourceKind};

use super::{paginate, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request};

/// `Certificates.member.N.CertificateArn`, required and not empty.
fn certificates(p: &Params) -> Result<Vec<String>, ApiError> {
    let list = p.structs("Certificates")?.ok_or_else(|| p.constraint("Certificates", None, "Member must not be null"))?;
    list.iter().map(|c| Ok(c.required("CertificateArn")?.to_string())).collect()
}

/// `Certificates` output: `CertificateArn` and `IsDefault`.
fn render(x: &mut Xml, certs: &[(String, bool)]) {
    x.list("Certificates", "member", certs, |x, (arn, default)| {
        x.text("CertificateArn", arn).text("IsDefault", if *default { "true" } else { "false" });
    });
}

pub(crate) async fn add(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let listener_arn = p.required("ListenerArn")?.to_string();
    let certs = certificates(p)?;
    submit(api, req, Elbv2Command::AddListenerCertificates { listener_arn, certificates: certs.clone() }).await?;
    let added: Vec<(String, bool)> = certs.into_iter().map(|c| (c, false)).collect();
    render(x, &added);
    Ok(())
}

pub(crate) async fn remove(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let listener_arn = p.required("ListenerArn")?.to_string();
    let certificates = certificates(p)?;
    submit(api, req, Elbv2Command::RemoveListenerCertificates { listener_arn, certificates }).await?;
    Ok(())
}

/// The certificate list, then the default certificate with `IsDefault` true (a default that is
/// also in the list appears twice, as on AWS).
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("ListenerArn")?;
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let l = region.listeners.get(arn).ok_or_else(|| ApiError::from_model(ModelError::not_found(ResourceKind::Listener, arn), Service::Elbv2))?;
    let mut all: Vec<(String, bool)> = l.sni_certificate_arns.iter().map(|c| (c.clone(), false)).collect();
    all.extend(l.certificate_arn.iter().map(|c| (c.clone(), true)));
    let (page, next) = paginate(all, p)?;
    render(x, &page);
    x.opt("NextMarker", next);
    Ok(())
}
