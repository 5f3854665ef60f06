//! The parts of AWS Signature Version 4 elbow reads: the credential scope
//! (`Credential=<key>/<date>/<region>/<service>/aws4_request`), which carries the region.
//! Signatures are not verified: any credentials are accepted.

/// The region of a request, from its `Authorization` header or presigned `X-Amz-Credential`.
pub fn region_from_authorization(authorization: &str) -> Option<&str> {
    let cred = authorization.split("Credential=").nth(1)?;
    region_from_credential(cred.split([',', ' ']).next()?)
}

/// The region inside a credential scope `<key>/<date>/<region>/<service>/aws4_request`.
pub fn region_from_credential(credential: &str) -> Option<&str> {
    let mut parts = credential.split('/');
    let _key = parts.next()?;
    let _date = parts.next()?;
    let region = parts.next()?;
    let _service = parts.next()?;
    (!region.is_empty() && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')).then_some(region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_the_credential_scope() {
        let h = "AWS4-HMAC-SHA256 Credential=test/20261122/eu-west-1/elasticloadbalancing/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=bd08";
        assert_eq!(region_from_authorization(h), Some("eu-west-1"));
        assert_eq!(region_from_authorization("Basic abc"), None);
        assert_eq!(region_from_credential("k/d/../s/aws4_request"), None);
    }
}
