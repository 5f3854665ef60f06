//! A request sent to an HTTP/2 target (`ProtocolVersion` HTTP2 or GRPC) on the target's shared,
//! multiplexed connection: h2c for HTTP target groups, h2 over TLS for HTTPS ones.

use std::time::Duration;

use http::request::Parts;
use http::{Request, Response, Uri};
use http_body_util::BodyExt;

use super::ProxyBody;
use super::to_h1::Failure;
use crate::upstream::{ConnectError, Upstream};

/// Sends the request and returns the response (its body and trailers streamed).
pub async fn send(upstream: &Upstream, mut parts: Parts, authority: &str, body: ProxyBody, idle: Duration) -> Result<Response<ProxyBody>, (Failure, bool)> {
    let mut sender = match upstream.checkout_h2().await {
        Ok(s) => s,
        Err(ConnectError::Timeout) => return Err((Failure::Timeout, true)),
        Err(ConnectError::Failed(_)) => return Err((Failure::Broken, true)),
    };
    let scheme = if upstream.is_tls() { "https" } else { "http" };
    let pq = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    parts.uri = format!("{scheme}://{authority}{pq}").parse::<Uri>().map_err(|_| (Failure::Broken, false))?;
    parts.version = http::Version::HTTP_2;
    let req = Request::from_parts(parts, body);
    match tokio::time::timeout(idle, sender.send_request(req)).await {
        Err(_) => Err((Failure::Timeout, false)),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "HTTP/2 request to target failed");
            Err((Failure::Broken, false))
        }
        Ok(Ok(resp)) => Ok(resp.map(|b| b.map_err(Into::into).boxed_unsync())),
    }
}
