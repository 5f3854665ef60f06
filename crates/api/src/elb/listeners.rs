//! CreateLoadBalancerListeners, DeleteLoadBalancerListeners,
//! SetLoadBalancerListenerSSLCertificate (ELB API reference 2012-06-01).

use model::ClassicCommand;

use super::{decode_listeners, lb_name, required_list, submit};
use crate::error::ApiError;
use crate::{Api, Request};

/// `CreateLoadBalancerListeners`: a listener identical to an existing one is a no-op; another
/// on a used port is `DuplicateListener`.
pub(crate) async fn create(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let listeners = decode_listeners(p)?;
    submit(api, req, ClassicCommand::CreateLoadBalancerListeners { name, listeners }).await?;
    Ok(())
}

/// `DeleteLoadBalancerListeners` by `LoadBalancerPorts` (ports without a listener are ignored).
pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let ports = required_list(p, "LoadBalancerPorts")?
        .iter()
        .map(|s| s.parse::<u16>().ok().filter(|n| *n > 0).ok_or_else(|| p.constraint("LoadBalancerPorts", Some(s), "Member must be a port from 1 to 65535")))
        .collect::<Result<Vec<u16>, ApiError>>()?;
    submit(api, req, ClassicCommand::DeleteLoadBalancerListeners { name, ports }).await?;
    Ok(())
}

/// `SetLoadBalancerListenerSSLCertificate`: the certificate of an HTTPS or SSL listener.
pub(crate) async fn set_ssl_certificate(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let name = lb_name(p)?;
    let port = p.u32("LoadBalancerPort", 1, 65535)?.ok_or_else(|| p.constraint("LoadBalancerPort", None, "Member must not be null"))? as u16;
    let certificate_id = p.required("SSLCertificateId")?.to_string();
    submit(api, req, ClassicCommand::SetListenerSslCertificate { name, port, certificate_id }).await?;
    Ok(())
}
