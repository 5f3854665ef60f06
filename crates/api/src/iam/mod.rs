//! IAM (2010-05-08) server certificates on the query protocol: `UploadServerCertificate`,
//! `GetServerCertificate`, `ListServerCertificates`, `UpdateServerCertificate`,
//! `DeleteServerCertificate`, shaped as in botocore's `iam` model. IAM is global: requests are
//! signed for some region (the CLI's configured one), which is ignored.
//!
//! This module holds the dispatch and what the actions share: submitting with IAM's error codes
//! and statuses, name/path validation with AWS's messages, and the `ServerCertificateMetadata`
//! XML.

mod server_certificates;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use model::certificate::{ServerCertificate, is_valid_iam_path, is_valid_server_certificate_name};
use model::{Command, IamCommand, Snapshot};

use crate::error::ApiError;
use crate::params::Params;
use crate::service::Service;
use crate::xml::{Xml, timestamp};
use crate::{Api, Request};

/// Runs one IAM action and returns the whole response document.
///
/// Errors: `InvalidAction` for an action elbow does not implement; otherwise the action's own.
pub(crate) async fn dispatch(api: &Api, req: &Request) -> Result<String, ApiError> {
    let mut x = Xml::new();
    let has_result = match req.action.as_str() {
        "UploadServerCertificate" => server_certificates::upload(api, req, &mut x).await.map(|_| true)?,
        "GetServerCertificate" => server_certificates::get(api, req, &mut x).map(|_| true)?,
        "ListServerCertificates" => server_certificates::list(api, req, &mut x).map(|_| true)?,
        "UpdateServerCertificate" => server_certificates::update(api, req).await.map(|_| false)?,
        "DeleteServerCertificate" => server_certificates::delete(api, req).await.map(|_| false)?,
        other => {
            return Err(ApiError::new(
                "InvalidAction",
                format!("The action '{other}' is not valid for IAM, or elbow does not implement it (elbow serves IAM server certificates only)"),
            ));
        }
    };
    Ok(if has_result { crate::server::query_response(Service::Iam, &req.action, &req.request_id, x.as_str()) } else { no_result_response(&req.action, &req.request_id) })
}

/// The response of an action without an output shape: `ResponseMetadata` only.
fn no_result_response(action: &str, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{}\"><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>",
        Service::Iam.xml_namespace()
    )
}

/// Submits an IAM command, mapping model errors to IAM's codes and statuses.
pub(crate) async fn submit(api: &Api, op: IamCommand) -> Result<Arc<Snapshot>, ApiError> {
    api.state.submit(Command::Iam { op }).await.map_err(|e| match e {
        state::SubmitError::Model(m) => ApiError::from_model(m, Service::Iam),
        other => other.into(),
    })
}

/// A `ServerCertificateName` member (required unless `optional`), checked against the model's
/// pattern `[\w+=,.@-]+` and length 1–128.
pub(crate) fn name(p: &Params, key: &str, optional: bool) -> Result<Option<String>, ApiError> {
    let Some(v) = p.get(key) else {
        return if optional { Ok(None) } else { Err(p.constraint(key, None, "Member must not be null")) };
    };
    if v.chars().count() > 128 {
        return Err(p.constraint(key, Some(v), "Member must have length less than or equal to 128"));
    }
    if !is_valid_server_certificate_name(v) {
        return Err(p.constraint(key, Some(v), "Member must satisfy regular expression pattern: [\\w+=,.@-]+"));
    }
    Ok(Some(v.to_string()))
}

/// A `Path` member: `/`, or slash-delimited printable ASCII, at most 512 characters.
pub(crate) fn path(p: &Params, key: &str) -> Result<Option<String>, ApiError> {
    let Some(v) = p.get(key) else { return Ok(None) };
    if !is_valid_iam_path(v) {
        return Err(p.constraint(key, Some(v), "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"));
    }
    Ok(Some(v.to_string()))
}

/// `ServerCertificateMetadata`, members in the model's order.
pub(crate) fn metadata(x: &mut Xml, c: &ServerCertificate) {
    x.text("Path", &c.path)
        .text("ServerCertificateName", &c.name)
        .text("ServerCertificateId", &c.id)
        .text("Arn", &c.arn)
        .text("UploadDate", timestamp(c.upload_date))
        .text("Expiration", timestamp(c.certificate.facts.not_after));
}

/// `Tags` (`Key`, `Value`), omitted when there are none.
pub(crate) fn tags<'a>(x: &mut Xml, tags: impl IntoIterator<Item = (&'a String, &'a String)>) {
    let tags: Vec<_> = tags.into_iter().collect();
    if !tags.is_empty() {
        x.list("Tags", "member", tags, |x, (k, v)| {
            x.text("Key", k).text("Value", v);
        });
    }
}
