//! `ApiError`: every failure an AWS client sees, rendered in its service's protocol
//! (query `<ErrorResponse>`, EC2 `<Response><Errors>`, JSON `__type`), and the mapping of
//! [`model::ModelError`] to each service's error codes (ELBv2 and EC2 API references).

use std::borrow::Cow;

use model::{ModelError, Quota, ResourceKind};

use crate::service::{Protocol, Service};

/// An error as a client sees it: HTTP status, AWS error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status (400 for client errors; 5xx only for elbow's own faults).
    pub status: u16,
    /// The AWS error code, e.g. `TargetGroupNotFound`.
    pub code: Cow<'static, str>,
    /// A message that names the bad field or resource.
    pub message: String,
}

impl ApiError {
    /// A client error with status 400.
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> ApiError {
        ApiError { status: 400, code: code.into(), message: message.into() }
    }

    /// `ValidationError` (400).
    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new("ValidationError", message)
    }

    /// `InternalFailure` (500): elbow's own fault, never the client's.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError { status: 500, code: "InternalFailure".into(), message: message.into() }
    }

    /// `ServiceUnavailable` (503): the store cannot commit right now; SDKs retry it.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError { status: 503, code: "ServiceUnavailable".into(), message: message.into() }
    }

    /// Renders the error body for `service`, returning (content type, body).
    pub fn render(&self, service: Service, request_id: &str) -> (&'static str, String) {
        let msg = quick_xml::escape::escape(self.message.as_str()).into_owned();
        match service.protocol() {
            Protocol::Ec2 => (
                "text/xml",
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{msg}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>",
                    self.code
                ),
            ),
            Protocol::Json => {
                let body = format!("{{\"__type\":{},\"message\":{}}}", json_string(&self.code), json_string(&self.message));
                ("application/x-amz-json-1.1", body)
            }
            Protocol::Query => {
                let kind = if self.status >= 500 { "Receiver" } else { "Sender" };
                (
                    "text/xml",
                    format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{msg}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
                        service.xml_namespace(),
                        self.code
                    ),
                )
            }
        }
    }

    /// Maps a semantic error to this service's code.
    pub fn from_model(e: ModelError, service: Service) -> ApiError {
        let message = capitalise(&e.to_string());
        match service {
            Service::Ec2 => ApiError::new(ec2_code(&e), message),
            Service::Iam => iam_error(e),
            Service::Acm => acm_error(e),
            Service::Elb => classic_error(e),
            _ => ApiError::new(elbv2_code(&e), message),
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// ELBv2 error code of a model error (ELBv2 API reference, "Errors" of each action).
fn elbv2_code(e: &ModelError) -> &'static str {
    match e {
        ModelError::NotFound { kind, .. } => match kind {
            ResourceKind::LoadBalancer => "LoadBalancerNotFound",
            ResourceKind::TargetGroup => "TargetGroupNotFound",
            ResourceKind::Listener => "ListenerNotFound",
            ResourceKind::Rule => "RuleNotFound",
            ResourceKind::Certificate => "CertificateNotFound",
            ResourceKind::SslPolicy => "SSLPolicyNotFound",
            ResourceKind::Subnet => "SubnetNotFound",
            ResourceKind::SecurityGroup => "InvalidSecurityGroup",
            ResourceKind::Target => "InvalidTarget",
            _ => "ValidationError",
        },
        ModelError::Duplicate { kind, .. } => match kind {
            ResourceKind::LoadBalancer => "DuplicateLoadBalancerName",
            ResourceKind::TargetGroup => "DuplicateTargetGroupName",
            ResourceKind::Listener => "DuplicateListener",
            _ => "ValidationError",
        },
        ModelError::Invalid { .. } => "ValidationError",
        ModelError::InvalidConfiguration(_) => "InvalidConfigurationRequest",
        ModelError::InUse { .. } => "ResourceInUse",
        ModelError::NotPermitted(_) => "OperationNotPermitted",
        ModelError::TooMany { quota, .. } => match quota {
            Quota::LoadBalancers => "TooManyLoadBalancers",
            Quota::TargetGroups => "TooManyTargetGroups",
            Quota::Listeners => "TooManyListeners",
            Quota::Targets => "TooManyTargets",
            Quota::Tags => "TooManyTags",
            Quota::Rules => "TooManyRules",
            Quota::Actions => "TooManyActions",
            Quota::Certificates => "TooManyCertificates",
            Quota::UniqueTargetGroupsPerLoadBalancer => "TooManyUniqueTargetGroupsPerLoadBalancer",
            Quota::TargetGroupAssociation => "TargetGroupAssociationLimit",
            Quota::ServerCertificates | Quota::AcmCertificates => "TooManyCertificates",
            Quota::AutoScalingGroups | Quota::LaunchConfigurations | Quota::ScalingPolicies | Quota::ScheduledActions => "LimitExceeded",
        },
        ModelError::InvalidTarget(_) => "InvalidTarget",
        ModelError::InvalidSubnet(_) => "InvalidSubnet",
        ModelError::InvalidSecurityGroup(_) => "InvalidSecurityGroup",
        ModelError::UnsupportedProtocol(_) => "UnsupportedProtocol",
        ModelError::IncompatibleProtocols(_) => "IncompatibleProtocols",
        ModelError::InvalidAction(_) => "InvalidLoadBalancerAction",
        ModelError::DuplicateTagKeys(_) => "DuplicateTagKeys",
        ModelError::PriorityInUse(_) => "PriorityInUse",
        ModelError::Ec2 { code, .. } => code,
    }
}

/// Classic ELB error of a model error (ELB API reference 2012-06-01, "Errors" of each action;
/// `InvalidConfigurationRequest` is HTTP 409 in the botocore model).
fn classic_error(e: ModelError) -> ApiError {
    let message = match &e {
        ModelError::NotFound { kind: ResourceKind::LoadBalancer, id } => format!("There is no ACTIVE Load Balancer named '{id}'"),
        ModelError::NotFound { kind: ResourceKind::Listener, id } => {
            let (lb, port) = id.rsplit_once(':').unwrap_or((id.as_str(), ""));
            format!("There is no listener on port {port} of load balancer '{lb}'")
        }
        ModelError::NotFound { kind: ResourceKind::Certificate, id } => format!("Supplied certificate was not found: {id}"),
        other => capitalise(&other.to_string()),
    };
    let code: &'static str = match &e {
        ModelError::NotFound { kind, .. } => match kind {
            ResourceKind::LoadBalancer => "LoadBalancerNotFound",
            ResourceKind::Listener => "ListenerNotFound",
            ResourceKind::Certificate => "CertificateNotFound",
            ResourceKind::Subnet => "SubnetNotFound",
            ResourceKind::SecurityGroup => "InvalidSecurityGroup",
            ResourceKind::Policy => "PolicyNotFound",
            ResourceKind::PolicyType => "PolicyTypeNotFound",
            ResourceKind::LoadBalancerAttribute => "LoadBalancerAttributeNotFound",
            ResourceKind::Target => "InvalidInstance",
            _ => "ValidationError",
        },
        ModelError::Duplicate { kind, .. } => match kind {
            ResourceKind::LoadBalancer => "DuplicateLoadBalancerName",
            ResourceKind::Listener => "DuplicateListener",
            ResourceKind::Policy => "DuplicatePolicyName",
            _ => "ValidationError",
        },
        ModelError::InvalidConfiguration(_) | ModelError::InUse { .. } => "InvalidConfigurationRequest",
        ModelError::NotPermitted(_) => "OperationNotPermitted",
        ModelError::TooMany { quota, .. } => match quota {
            Quota::LoadBalancers => "TooManyLoadBalancers",
            Quota::Tags => "TooManyTags",
            _ => "InvalidConfigurationRequest",
        },
        ModelError::InvalidTarget(_) => "InvalidInstance",
        ModelError::InvalidSubnet(_) => "InvalidSubnet",
        ModelError::InvalidSecurityGroup(_) => "InvalidSecurityGroup",
        ModelError::UnsupportedProtocol(_) => "UnsupportedProtocol",
        ModelError::DuplicateTagKeys(_) => "DuplicateTagKeys",
        _ => "ValidationError",
    };
    let status = if code == "InvalidConfigurationRequest" { 409 } else { 400 };
    ApiError { status, code: code.into(), message }
}

/// IAM error of a model error, with IAM's HTTP status (IAM API reference, "Errors" of the
/// server-certificate actions; statuses from the botocore model: `NoSuchEntity` 404,
/// `EntityAlreadyExists`, `DeleteConflict` and `LimitExceeded` 409).
fn iam_error(e: ModelError) -> ApiError {
    let (status, code, message) = match e {
        ModelError::NotFound { id, .. } => (404, "NoSuchEntity", format!("The Server Certificate with name {id} cannot be found.")),
        ModelError::Duplicate { message, .. } => (409, "EntityAlreadyExists", message),
        ModelError::InUse { message, .. } => (409, "DeleteConflict", message),
        ModelError::TooMany { message, .. } => (409, "LimitExceeded", message),
        ModelError::Invalid { field, message } if field == "Tags.Key" || field == "Tags.Value" => (400, "InvalidInput", message),
        ModelError::DuplicateTagKeys(m) => (400, "InvalidInput", m),
        other => (400, "ValidationError", capitalise(&other.to_string())),
    };
    ApiError { status, code: code.into(), message }
}

/// ACM error of a model error (ACM API reference, "Errors" of each action). ACM answers every
/// client error with HTTP 400.
fn acm_error(e: ModelError) -> ApiError {
    let (code, message) = match e {
        ModelError::NotFound { id, .. } => ("ResourceNotFoundException", format!("Could not find certificate {id}.")),
        ModelError::InUse { message, .. } => ("ResourceInUseException", message),
        ModelError::TooMany { quota: Quota::Tags, message } => ("TooManyTagsException", message),
        ModelError::TooMany { message, .. } => ("LimitExceededException", message),
        ModelError::Invalid { field, message } if field == "Tags.Key" || field == "Tags.Value" => ("InvalidTagException", message),
        ModelError::DuplicateTagKeys(m) => ("InvalidParameterException", m),
        ModelError::Duplicate { message, .. } => ("ConflictException", message),
        other => ("ValidationException", capitalise(&other.to_string())),
    };
    ApiError::new(code, message)
}

/// EC2 error code of a model error (EC2 API reference, "Error codes").
fn ec2_code(e: &ModelError) -> &'static str {
    match e {
        ModelError::NotFound { kind, .. } => match kind {
            ResourceKind::Vpc => "InvalidVpcID.NotFound",
            ResourceKind::Subnet => "InvalidSubnetID.NotFound",
            ResourceKind::SecurityGroup => "InvalidGroup.NotFound",
            ResourceKind::InternetGateway => "InvalidInternetGatewayID.NotFound",
            ResourceKind::RouteTable => "InvalidRouteTableID.NotFound",
            ResourceKind::RouteTableAssociation => "InvalidAssociationID.NotFound",
            ResourceKind::AvailabilityZone => "InvalidParameterValue",
            _ => "InvalidID",
        },
        ModelError::Duplicate { kind: ResourceKind::SecurityGroup, .. } => "InvalidGroup.Duplicate",
        ModelError::Duplicate { .. } => "InvalidParameterValue",
        ModelError::InUse { .. } => "DependencyViolation",
        ModelError::Invalid { .. } => "InvalidParameterValue",
        ModelError::InvalidConfiguration(_) => "InvalidParameterCombination",
        ModelError::NotPermitted(_) => "OperationNotPermitted",
        ModelError::TooMany { quota: Quota::Tags, .. } => "TagLimitExceeded",
        ModelError::TooMany { .. } => "ResourceLimitExceeded",
        ModelError::DuplicateTagKeys(_) => "InvalidParameterValue",
        ModelError::Ec2 { code, .. } => code,
        _ => "InvalidParameterValue",
    }
}

impl From<state::SubmitError> for ApiError {
    fn from(e: state::SubmitError) -> ApiError {
        match e {
            // Model errors need the service; callers map them with `from_model`. This path is
            // only reached for non-model errors.
            state::SubmitError::Model(m) => ApiError::from_model(m, Service::Elbv2),
            state::SubmitError::Store(store::StoreError::Conflict { .. }) => ApiError::unavailable("The configuration changed concurrently; retry the request"),
            state::SubmitError::Store(e) => ApiError::unavailable(format!("The configuration could not be stored: {e}")),
            state::SubmitError::Stopped => ApiError::unavailable("elbow is shutting down"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_errors_render_as_error_response() {
        let e = ApiError::from_model(ModelError::not_found(ResourceKind::TargetGroup, "arn:x"), Service::Elbv2);
        assert_eq!(e.code, "TargetGroupNotFound");
        let (ct, body) = e.render(Service::Elbv2, "rid");
        assert_eq!(ct, "text/xml");
        assert!(body.contains("<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type><Code>TargetGroupNotFound</Code>"), "{body}");
        assert!(body.contains("Target group &apos;arn:x&apos; not found"), "{body}");
    }

    #[test]
    fn ec2_errors_use_ec2_codes_and_shape() {
        let e = ApiError::from_model(ModelError::not_found(ResourceKind::Vpc, "vpc-1"), Service::Ec2);
        let (_, body) = e.render(Service::Ec2, "rid");
        assert!(body.contains("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>"), "{body}");
        assert!(body.contains("<RequestID>rid</RequestID>"), "{body}");
    }

    #[test]
    fn json_errors_escape() {
        let e = ApiError::new("ResourceNotFoundException", "a \"b\"\n");
        let (_, body) = e.render(Service::Acm, "rid");
        assert_eq!(body, r#"{"__type":"ResourceNotFoundException","message":"a \"b\"\n"}"#);
    }
}
