//! elbow's own read-only endpoints under `/_elbow/` on the API address (no AWS equivalent):
//!
//! - `GET /_elbow/targets`: every registered target of every region as JSON — target group ARN,
//!   id, port, health state and reason, `websockets` (WebSocket connections open to it now),
//!   `connections` (TCP/TLS/UDP-flow connections of layer-4 listeners open to it now) and
//!   `requests` (requests routed to it since it was registered). Classic load balancers' instances
//!   appear under their listeners' instance target groups (`<lb-arn>/listener/<port>/instances`).

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use model::TargetKey;

use crate::Api;

pub(crate) fn handle(api: &Api, path: &str, request_id: &str) -> Response<Full<Bytes>> {
    let body = match path {
        "/_elbow/targets" => targets(api),
        _ => {
            let mut r = Response::new(Full::new(Bytes::from_static(b"{\"error\":\"not found\"}")));
            *r.status_mut() = StatusCode::NOT_FOUND;
            return r;
        }
    };
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-RequestId", v);
    }
    r
}

fn targets(api: &Api) -> serde_json::Value {
    let snap = api.state.current();
    let mut out = Vec::new();
    for (region, r) in &snap.regions {
        let r = model::classic::expand(r);
        for tg in r.target_groups.values() {
            for t in &tg.targets {
                let key = TargetKey { target_group_arn: tg.arn.clone(), id: t.id.clone(), port: t.port };
                let cell = api.health.existing(&key);
                let health = cell.as_ref().map(|c| c.get());
                out.push(serde_json::json!({
                    "region": region,
                    "target_group_arn": tg.arn,
                    "id": t.id,
                    "port": t.port,
                    "draining": t.draining.is_some(),
                    "state": health.as_ref().map(|h| h.state.as_str()),
                    "reason": health.as_ref().and_then(|h| h.reason.map(|r| r.as_str())),
                    "websockets": cell.as_ref().map(|c| c.websockets()).unwrap_or(0),
                    "requests": cell.as_ref().map(|c| c.requests()).unwrap_or(0),
                    "connections": cell.as_ref().map(|c| c.connections()).unwrap_or(0),
                }));
            }
        }
    }
    serde_json::json!({ "targets": out })
}
