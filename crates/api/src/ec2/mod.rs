//! EC2 (2016-11-15) networking subset: VPCs, subnets, availability zones, security groups,
//! tags, internet gateways and route tables, on EC2's own protocol.

use crate::error::ApiError;
use crate::{Api, Request};

pub(crate) async fn dispatch(_api: &Api, req: &Request) -> Result<String, ApiError> {
    Err(ApiError::new("InvalidAction", format!("The action '{}' is not valid for EC2, or elbow does not implement it yet", req.action)))
}
