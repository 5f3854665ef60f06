//! HTTP/2 on the client side of a listener (hyper's server), and requests expressed as `http`
//! types: routed by the same rules, balanced by the same groups, sent to HTTP/1.1 targets with
//! elbow's own codec or to HTTP/2 targets (`ProtocolVersion` HTTP2/GRPC) over a multiplexed
//! connection (hyper's client).
//!
//! On a plaintext HTTP listener a client may start HTTP/2 with prior knowledge (h2c); ALB
//! answers that with 505, elbow serves it, so gRPC clients can use plaintext listeners too.

mod body;
mod coalesce;
mod facts;
pub(crate) mod headers;
mod pipeline;
pub(crate) mod to_h1;
pub(crate) mod to_h2;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use arc_swap::ArcSwap;
use bytes::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;

pub use body::ChannelBody;
pub use pipeline::handle;

use crate::routing::ListenerRoutes;

/// Errors carried by proxied bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type of requests and responses on the HTTP/2 paths.
pub type ProxyBody = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

/// Most concurrent streams per client connection (ALB: up to 128).
pub const MAX_CONCURRENT_STREAMS: u32 = 128;

/// Serves an HTTP/2 client connection (`tls`: its TLS facts on HTTPS listeners) until it closes or `stop` is cancelled (then open streams
/// finish and the client gets GOAWAY).
pub async fn serve<I>(io: I, peer: SocketAddr, tls: Option<crate::tls_listener::TlsFacts>, routes: Arc<ArcSwap<ListenerRoutes>>, stop: CancellationToken)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        if let Some(t) = tls {
            req.extensions_mut().insert(t);
        }
        let r = routes.load_full();
        // Boxed: hyper moves each stream's task while spawning it, and the pipeline's future is
        // several KiB; a box makes those moves a pointer's.
        let f = Box::pin(pipeline::handle(req, r, peer));
        async move { Ok::<_, Infallible>(f.await) }
    });
    let mut b = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    b.timer(TokioTimer::new()).max_concurrent_streams(MAX_CONCURRENT_STREAMS);
    let conn = b.serve_connection(TokioIo::new(coalesce::CoalescedWrites::new(io)), svc);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::trace!(%peer, error = %e, "HTTP/2 client connection ended");
            }
        }
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
