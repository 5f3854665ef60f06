//! A request expressed as `http` types, sent to an HTTP/1.1 target with elbow's codec: the head
//! serialised, the body streamed (chunked unless its length is known), the response head
//! parsed, and the response body relayed through a channel so the client side can stream it.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use balancer::Target;
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Empty};
use tokio::io::AsyncWriteExt;

use super::{BoxError, ChannelBody, ProxyBody};
use crate::h1::body::BodyState;
use crate::h1::buf::CHUNK;
use crate::h1::conn::{NoResponse, read_response_head};
use crate::h1::head::{Framing, Method, name_is};
use crate::upstream::{Upstream, UpstreamConn};

/// Why the exchange failed, and the status to answer.
#[derive(Debug)]
pub enum Failure {
    /// Nothing came back in time (504).
    Timeout,
    /// The target refused, reset, or answered garbage (502).
    Broken,
}

fn hop(name: &[u8]) -> bool {
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"].iter().any(|h| name_is(name, h.as_bytes()))
}

/// Sends the request on `up` and returns the response with a streaming body.
pub async fn send<B>(target: Arc<Target<Upstream>>, mut up: UpstreamConn, parts: &Parts, authority: &str, mut body: B, idle: Duration) -> Result<Response<ProxyBody>, Failure>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let method = Method::from_http(&parts.method);
    let mut out = Vec::with_capacity(512);
    let pq = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    for part in [parts.method.as_str(), " ", pq, " HTTP/1.1\r\nHost: ", authority, "\r\n"] {
        out.extend_from_slice(part.as_bytes());
    }
    for (name, value) in &parts.headers {
        if name == http::header::HOST || name == http::header::CONTENT_LENGTH {
            continue;
        }
        out.extend_from_slice(super::headers::h1_spelling(name).as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let chunked = if body.is_end_stream() {
        if matches!(method, Method::Post | Method::Put | Method::Patch) {
            out.extend_from_slice(b"Content-Length: 0\r\n");
        }
        false
    } else if let Some(n) = body.size_hint().exact() {
        let _ = write!(out, "Content-Length: {n}\r\n");
        false
    } else {
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
        true
    };
    out.extend_from_slice(b"\r\n");
    up.io.write_all(&out).await.map_err(|_| Failure::Broken)?;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return Err(Failure::Broken) };
        if let Ok(data) = frame.into_data() {
            if data.is_empty() {
                continue;
            }
            if chunked {
                up.io.write_all(format!("{:x}\r\n", data.len()).as_bytes()).await.map_err(|_| Failure::Broken)?;
            }
            up.io.write_all(&data).await.map_err(|_| Failure::Broken)?;
            if chunked {
                up.io.write_all(b"\r\n").await.map_err(|_| Failure::Broken)?;
            }
        }
    }
    if chunked {
        up.io.write_all(b"0\r\n\r\n").await.map_err(|_| Failure::Broken)?;
    }
    let head = match read_response_head(&mut up, method, idle).await {
        Ok(h) => h,
        Err(NoResponse::Timeout) => return Err(Failure::Timeout),
        Err(_) => return Err(Failure::Broken),
    };
    let mut resp = Response::builder().status(StatusCode::from_u16(head.status).map_err(|_| Failure::Broken)?);
    {
        let raw = up.buf.unread();
        let headers = resp.headers_mut().ok_or(Failure::Broken)?;
        for f in &head.fields {
            let name = f.name.of(raw);
            if hop(name) || (head.framing == Framing::Chunked && name_is(name, b"content-length")) {
                continue;
            }
            if let (Ok(n), Ok(v)) = (http::HeaderName::from_bytes(name), HeaderValue::from_bytes(f.value.of(raw))) {
                headers.append(n, v);
            }
        }
    }
    let keep = !head.connection.close && (!head.http10 || head.connection.keep_alive) && head.framing != Framing::Close;
    up.buf.consume(head.len);
    let mut state = BodyState::new(head.framing);
    if state.is_done() {
        if keep {
            target.extra.checkin(up);
        }
        return resp.body(Empty::<Bytes>::new().map_err(|never| match never {}).boxed_unsync()).map_err(|_| Failure::Broken);
    }
    let (tx, rx) = ChannelBody::new();
    tokio::spawn(async move {
        let mut chunk = Vec::with_capacity(CHUNK);
        loop {
            chunk.clear();
            if state.take_available(&mut up.buf, &mut chunk, true).is_err() {
                let _ = tx.send(Err("malformed chunked body from the target".into())).await;
                return;
            }
            if !chunk.is_empty() && tx.send(Ok(Bytes::copy_from_slice(&chunk))).await.is_err() {
                return;
            }
            if state.is_done() {
                break;
            }
            match tokio::time::timeout(idle, up.buf.fill(&mut up.io, CHUNK)).await {
                Ok(Ok(0)) if matches!(state, BodyState::UntilClose) => break,
                Ok(Ok(n)) if n > 0 => {}
                _ => {
                    let _ = tx.send(Err("the target's body ended early".into())).await;
                    return;
                }
            }
        }
        if keep {
            target.extra.checkin(up);
        }
    });
    resp.body(rx.boxed_unsync()).map_err(|_| Failure::Broken)
}
