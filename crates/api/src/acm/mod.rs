//! ACM (2015-12-08) on the JSON 1.1 protocol (`X-Amz-Target: CertificateManager.<Op>`):
//! `ImportCertificate`, `RequestCertificate`, `DescribeCertificate`, `ListCertificates`,
//! `GetCertificate`, `DeleteCertificate` and the tag actions, shaped as in botocore's `acm`
//! model. Certificates are per region; blobs (`Certificate`, `PrivateKey`,
//! `CertificateChain`) arrive base64-encoded; timestamps leave as epoch seconds.
//!
//! This module holds the dispatch and the decoding every action shares (members, ARNs, tags,
//! blobs) with ACM's error codes; `certificates.rs` the actions on certificates, `render.rs`
//! the output shapes.

mod certificates;
mod render;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use base64::Engine as _;
use model::{AcmCommand, Command, Snapshot};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::service::Service;
use crate::{Api, Request};

/// A JSON object of request members.
pub(crate) type Members = Map<String, Value>;

/// Runs one ACM action and returns the JSON response body.
///
/// Errors: `SerializationException` for a body that is not a JSON object;
/// `UnknownOperationException` for an action elbow does not implement; otherwise the action's
/// own (ACM API reference).
pub(crate) async fn dispatch(api: &Api, req: &Request) -> Result<String, ApiError> {
    let raw = req.json.as_deref().unwrap_or(b"{}");
    let body: Value = if raw.iter().all(u8::is_ascii_whitespace) { Value::Object(Map::new()) } else { serde_json::from_slice(raw).map_err(|e| ApiError::new("SerializationException", format!("The request body is not valid JSON: {e}")))? };
    let Value::Object(m) = body else {
        return Err(ApiError::new("SerializationException", "The request body must be a JSON object"));
    };
    let out = match req.action.as_str() {
        "ImportCertificate" => certificates::import(api, req, &m).await?,
        "RequestCertificate" => certificates::request(api, req, &m).await?,
        "DescribeCertificate" => certificates::describe(api, req, &m)?,
        "ListCertificates" => certificates::list(api, req, &m)?,
        "GetCertificate" => certificates::get(api, req, &m)?,
        "DeleteCertificate" => certificates::delete(api, req, &m).await?,
        "AddTagsToCertificate" => certificates::add_tags(api, req, &m).await?,
        "ListTagsForCertificate" => certificates::list_tags(api, req, &m)?,
        "RemoveTagsFromCertificate" => certificates::remove_tags(api, req, &m).await?,
        other => {
            return Err(ApiError::new("UnknownOperationException", format!("The operation '{other}' is not valid for ACM, or elbow does not implement it yet")));
        }
    };
    Ok(out.to_string())
}

/// Submits an ACM command in the request's region, mapping model errors to ACM's codes.
pub(crate) async fn submit(api: &Api, req: &Request, op: AcmCommand) -> Result<Arc<Snapshot>, ApiError> {
    api.state.submit(Command::Acm { region: req.region.clone(), op }).await.map_err(|e| match e {
        state::SubmitError::Model(m) => ApiError::from_model(m, Service::Acm),
        other => other.into(),
    })
}

/// AWS's lowerCamel member path in validation messages.
fn camel(key: &str) -> String {
    let mut c = key.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

/// `ValidationException` "1 validation error detected: …" for member `key`.
pub(crate) fn constraint(key: &str, value: Option<&str>, constraint: &str) -> ApiError {
    let v = value.map_or_else(|| "null".to_string(), |v| format!("'{v}'"));
    ApiError::new("ValidationException", format!("1 validation error detected: Value {v} at '{}' failed to satisfy constraint: {constraint}", camel(key)))
}

fn wrong_type(key: &str, what: &str) -> ApiError {
    ApiError::new("SerializationException", format!("Member '{key}' must be {what}"))
}

/// An optional string member with a length range.
pub(crate) fn string(m: &Members, key: &str, min: usize, max: usize) -> Result<Option<String>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            if n < min {
                return Err(constraint(key, Some(s), &format!("Member must have length greater than or equal to {min}")));
            }
            if n > max {
                return Err(constraint(key, Some(s), &format!("Member must have length less than or equal to {max}")));
            }
            Ok(Some(s.clone()))
        }
        Some(_) => Err(wrong_type(key, "a string")),
    }
}

/// An optional enum member.
pub(crate) fn enumeration(m: &Members, key: &str, all: &[&str]) -> Result<Option<String>, ApiError> {
    match string(m, key, 0, usize::MAX)? {
        None => Ok(None),
        Some(v) if all.contains(&v.as_str()) => Ok(Some(v)),
        Some(v) => Err(constraint(key, Some(&v), &format!("Member must satisfy enum value set: [{}]", all.join(", ")))),
    }
}

/// An optional list of strings.
pub(crate) fn strings(m: &Members, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(|| wrong_type(key, "a list of strings"))).collect::<Result<Vec<_>, _>>().map(Some),
        Some(_) => Err(wrong_type(key, "a list")),
    }
}

/// An optional blob member (base64 on the wire) decoded to text, with a byte-length range. A
/// `sensitive` member (the private key) is never quoted back.
pub(crate) fn blob(m: &Members, key: &str, max: usize, sensitive: bool) -> Result<Option<String>, ApiError> {
    let Some(v) = m.get(key).filter(|v| !v.is_null()) else { return Ok(None) };
    let Some(s) = v.as_str() else { return Err(wrong_type(key, "a base64-encoded blob")) };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|_| ApiError::new("SerializationException", format!("Member '{key}' is not valid base64")))?;
    let shown = |n: usize| if sensitive { "***".to_string() } else { format!("<{n} bytes>") };
    if bytes.is_empty() {
        return Err(constraint(key, Some(&shown(0)), "Member must have length greater than or equal to 1"));
    }
    if bytes.len() > max {
        return Err(constraint(key, Some(&shown(bytes.len())), &format!("Member must have length less than or equal to {max}")));
    }
    String::from_utf8(bytes).map(Some).map_err(|_| ApiError::new("ValidationException", format!("The {} is not PEM-encoded text", noun(key))))
}

fn noun(key: &str) -> &'static str {
    match key {
        "PrivateKey" => "private key",
        "CertificateChain" => "certificate chain",
        _ => "certificate",
    }
}

fn arn_chars(s: &str, slash: bool) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) || (slash && c == '/'))
}

/// True if `s` matches the model's `Arn` pattern
/// `arn:[\w+=/,.@-]+:acm:[\w+=/,.@-]*:[0-9]+:[\w+=,.@-]+(/[\w+=,.@-]+)*`.
fn matches_arn_pattern(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && arn_chars(parts[1], true)
        && parts[2] == "acm"
        && arn_chars(parts[3], true)
        && !parts[4].is_empty()
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].split('/').all(|seg| !seg.is_empty() && arn_chars(seg, false))
}

/// The required `CertificateArn`, checked: `ValidationException` when absent or not shaped
/// like an ACM ARN; `InvalidArnException` when it is not a certificate of this account.
pub(crate) fn certificate_arn(api: &Api, m: &Members) -> Result<String, ApiError> {
    let arn = string(m, "CertificateArn", 20, 2048)?.ok_or_else(|| constraint("CertificateArn", None, "Member must not be null"))?;
    check_arn(api, &arn)?;
    Ok(arn)
}

/// Checks an ACM certificate ARN (see [`certificate_arn`]).
pub(crate) fn check_arn(api: &Api, arn: &str) -> Result<(), ApiError> {
    if !matches_arn_pattern(arn) {
        return Err(constraint(
            "CertificateArn",
            Some(arn),
            "Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:acm:[\\w+=/,.@-]*:[0-9]+:[\\w+=,.@-]+(/[\\w+=,.@-]+)*",
        ));
    }
    let parsed = model::ids::Arn::parse(arn);
    if parsed.as_ref().is_none_or(|a| a.account != api.config.account_id || !a.resource.starts_with("certificate/")) {
        return Err(ApiError::new("InvalidArnException", format!("The ARN {arn} is not a certificate ARN of account {}.", api.config.account_id)));
    }
    Ok(())
}

/// One `Tag` of a request: `Key` and the optional `Value`.
pub(crate) type TagInput = (String, Option<String>);

/// `Tags` ([{Key, Value?}]); `None` when absent. At most 50 (`TooManyTagsException`).
pub(crate) fn tags(m: &Members, key: &str) -> Result<Option<Vec<TagInput>>, ApiError> {
    let list = match m.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(wrong_type(key, "a list of tags")),
    };
    if list.is_empty() {
        return Err(constraint(key, Some("[]"), "Member must have length greater than or equal to 1"));
    }
    if list.len() > model::tags::MAX_TAGS {
        return Err(ApiError::new("TooManyTagsException", format!("A certificate can have at most {} tags; {} were given", model::tags::MAX_TAGS, list.len())));
    }
    list.iter()
        .map(|t| {
            let Value::Object(t) = t else { return Err(wrong_type(key, "a list of tags")) };
            let k = string(t, "Key", 1, 128)?.ok_or_else(|| constraint("tags.member.key", None, "Member must not be null"))?;
            let v = string(t, "Value", 0, 256)?;
            Ok((k, v))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Tags that must carry values (import, request, add): a missing value is empty.
pub(crate) fn tag_pairs(tags: Option<Vec<TagInput>>) -> Vec<(String, String)> {
    tags.unwrap_or_default().into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect()
}
