//! # api — AWS's wire protocols on one endpoint
//!
//! Control plane. Decodes requests as AWS clients send them (query/XML for ELBv2, classic ELB,
//! Auto Scaling, IAM and CloudFormation; EC2's own query dialect; JSON 1.1 for ACM), turns each
//! mutating action into a [`model::Command`] for [`state::State::submit`], and renders results
//! and errors exactly as the AWS service models describe, so the real `aws` CLI, boto3 and the
//! AWS SDKs work against elbow with `--endpoint-url`.
//!
//! Depends on `model`, `state` and `store`; never on the data plane. Target health arrives as
//! the shared [`model::HealthTable`].

#![forbid(unsafe_code)]

mod ec2;
mod elbv2;
pub mod error;
mod extensions;
mod ids;
pub mod params;
mod server;
pub mod service;
pub mod sigv4;
pub mod xml;

use std::sync::Arc;

use model::HealthTable;
use state::State;

pub use error::ApiError;
pub use server::serve;
pub use service::Service;

/// Settings of the API that are not state.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The 12-digit account id in every ARN (default `123456789012`).
    pub account_id: String,
    /// Region used when a request carries no SigV4 credential scope.
    pub default_region: String,
    /// DNS suffix of load balancer names: `<name>-<digits>.<region>.<suffix>`
    /// (default `elb.localhost`, which resolves to loopback).
    pub dns_suffix: String,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig { account_id: "123456789012".into(), default_region: "us-east-1".into(), dns_suffix: "elb.localhost".into() }
    }
}

/// Everything a request handler needs.
pub struct Api {
    state: State,
    health: Arc<HealthTable>,
    config: ApiConfig,
}

impl Api {
    /// The API over `state`, reading target health from `health`.
    pub fn new(state: State, health: Arc<HealthTable>, config: ApiConfig) -> Arc<Api> {
        Arc::new(Api { state, health, config })
    }
}

/// One decoded AWS request.
#[derive(Debug)]
pub struct Request {
    /// The service addressed.
    pub service: Service,
    /// `Action` (query) or the operation of `X-Amz-Target` (JSON).
    pub action: String,
    /// Decoded parameters (query and EC2 protocols).
    pub params: params::Params,
    /// JSON body (JSON protocol).
    pub json: Option<bytes::Bytes>,
    /// Region from the SigV4 scope, or the default.
    pub region: String,
    /// The id echoed in the response and logs.
    pub request_id: String,
}
