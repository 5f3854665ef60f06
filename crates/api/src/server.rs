//! The HTTP endpoint: reads a request, decides the service, dispatches, renders.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;
use crate::params::{ListStyle, Params};
use crate::service::Service;
use crate::{Api, Request, ids, sigv4};

/// Largest request body accepted (CloudFormation templates are at most 51,200 bytes).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// Serves the API on `listener` until `shutdown` is cancelled, then lets in-flight requests
/// finish (at most `grace`).
pub async fn serve(api: Arc<Api>, listener: TcpListener, shutdown: CancellationToken, grace: Duration) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let builder = {
        let mut b = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        b.http1().timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(30));
        b
    };
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "API accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let api = api.clone();
        let svc = hyper::service::service_fn(move |req| {
            let api = api.clone();
            async move { Ok::<_, Infallible>(handle(&api, req).await) }
        });
        let conn = builder.serve_connection(TokioIo::new(stream), svc).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "API connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("API requests still running after the shutdown grace period");
    }
}

fn respond(status: u16, content_type: &str, body: String, request_id: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(http::header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("text/xml")));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-RequestId", v);
    }
    r
}

/// Handles one HTTP request: never panics, never answers a client error with a 5xx.
pub async fn handle(api: &Api, req: http::Request<Incoming>) -> Response<Full<Bytes>> {
    let request_id = ids::request_id();
    if req.uri().path().starts_with("/_elbow/") {
        return crate::extensions::handle(api, req.uri().path(), &request_id);
    }
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let err = ApiError::new("RequestEntityTooLarge", format!("The request body could not be read or exceeds {MAX_BODY} bytes: {e}"));
            let (ct, b) = err.render(Service::Elbv2, &request_id);
            return respond(err.status, ct, b, &request_id);
        }
    };
    // The SigV4 scope is in the Authorization header, or in X-Amz-Credential of a presigned URL.
    let region = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(sigv4::region_from_authorization)
        .map(str::to_string)
        .or_else(|| {
            let q = parts.uri.query()?;
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "X-Amz-Credential")
                .and_then(|(_, v)| sigv4::region_from_credential(&v).map(str::to_string))
        });
    let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).map(str::to_string);

    let decoded: Result<Request, (Service, ApiError)> = (|| {
        if let Some(t) = target {
            let (prefix, op) = t.split_once('.').unwrap_or((t.as_str(), ""));
            return match prefix {
                "CertificateManager" => Ok(Request {
                    service: Service::Acm,
                    action: op.to_string(),
                    params: Params::default(),
                    json: Some(body.clone()),
                    region: region.clone().unwrap_or_else(|| api.config.default_region.clone()),
                    request_id: request_id.clone(),
                }),
                _ => Err((Service::Acm, ApiError::new("UnknownOperationException", format!("elbow does not serve the JSON target '{t}'")))),
            };
        }
        let raw: &[u8] = if parts.method == Method::GET { parts.uri.query().unwrap_or("").as_bytes() } else { &body };
        let probe = Params::from_form(raw, ListStyle::Member);
        let version = probe.get("Version").unwrap_or("");
        let service = Service::from_version(version).ok_or_else(|| {
            let msg = if version.is_empty() {
                "The request has no Version parameter; elbow serves ELBv2 (2015-12-01), classic ELB (2012-06-01), Auto Scaling (2011-01-01), IAM (2010-05-08), CloudFormation (2010-05-15) and EC2 (2016-11-15)".to_string()
            } else {
                format!("Version '{version}' is not an API version elbow serves")
            };
            (Service::Elbv2, ApiError::new("InvalidAction", msg))
        })?;
        let params = if service == Service::Ec2 { Params::from_form(raw, ListStyle::Flat) } else { probe };
        let action = params.get("Action").ok_or_else(|| (service, ApiError::new("MissingAction", "The request must contain the parameter Action")))?.to_string();
        Ok(Request {
            service,
            action,
            params,
            json: None,
            region: region.clone().unwrap_or_else(|| api.config.default_region.clone()),
            request_id: request_id.clone(),
        })
    })();

    let req = match decoded {
        Ok(r) => r,
        Err((service, err)) => {
            let (ct, b) = err.render(service, &request_id);
            return respond(err.status, ct, b, &request_id);
        }
    };
    let started = std::time::Instant::now();
    let result = dispatch(api, &req).await;
    match result {
        Ok((ct, b)) => {
            tracing::debug!(service = req.service.name(), action = %req.action, region = %req.region, request_id = %req.request_id, ms = started.elapsed().as_millis() as u64, "API request");
            respond(200, ct, b, &request_id)
        }
        Err(err) => {
            tracing::info!(service = req.service.name(), action = %req.action, code = %err.code, message = %err.message, request_id = %req.request_id, "API request refused");
            let (ct, b) = err.render(req.service, &request_id);
            respond(err.status, ct, b, &request_id)
        }
    }
}

async fn dispatch(api: &Api, req: &Request) -> Result<(&'static str, String), ApiError> {
    match req.service {
        Service::Elbv2 => crate::elbv2::dispatch(api, req).await.map(|b| ("text/xml", b)),
        Service::Elb => crate::elb::dispatch(api, req).await.map(|b| ("text/xml", b)),
        Service::Ec2 => crate::ec2::dispatch(api, req).await.map(|b| ("text/xml", b)),
        Service::Iam => crate::iam::dispatch(api, req).await.map(|b| ("text/xml", b)),
        Service::Acm => crate::acm::dispatch(api, req).await.map(|b| ("application/x-amz-json-1.1", b)),
        Service::AutoScaling => crate::autoscaling::dispatch(api, req).await.map(|b| ("text/xml", b)),
        other => Err(ApiError::new("InvalidAction", format!("elbow does not implement the {} API yet (action '{}')", other.name(), req.action))),
    }
}

/// Wraps a query-protocol result body: `<ActionResponse><ActionResult>…</ActionResult>…`.
pub(crate) fn query_response(service: Service, action: &str, request_id: &str, result: &str) -> String {
    let ns = service.xml_namespace();
    if result.is_empty() {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{ns}\"><{action}Result/><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
        )
    } else {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{ns}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
        )
    }
}

/// Wraps an EC2-protocol result body: `<ActionResponse><requestId>…</requestId>…`.
pub(crate) fn ec2_response(action: &str, request_id: &str, result: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{}\"><requestId>{request_id}</requestId>{result}</{action}Response>",
        Service::Ec2.xml_namespace()
    )
}
