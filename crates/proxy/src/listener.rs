//! A listener: its socket, the accept loop, and one HTTP/1.1 connection task per client.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::forward;
use crate::routing::ListenerRoutes;

/// Largest request header block, as ALB (64 KiB).
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Most header fields in one request.
const MAX_HEADERS: usize = 256;

/// A running listener.
pub(crate) struct ListenerTask {
    pub(crate) arn: String,
    pub(crate) routes: Arc<ArcSwap<ListenerRoutes>>,
    pub(crate) stop: CancellationToken,
}

impl ListenerTask {
    /// Starts accepting on `socket`; connections are tracked by `tracker`.
    pub(crate) fn start(socket: TcpListener, routes: ListenerRoutes, tracker: TaskTracker, node_stop: &CancellationToken) -> ListenerTask {
        let arn = routes.listener_arn.clone();
        let routes = Arc::new(ArcSwap::from_pointee(routes));
        let stop = node_stop.child_token();
        let r = routes.clone();
        let s = stop.clone();
        let t = tracker.clone();
        tracker.spawn(async move { accept_loop(socket, r, s, t).await });
        ListenerTask { arn, routes, stop }
    }
}

async fn accept_loop(socket: TcpListener, routes: Arc<ArcSwap<ListenerRoutes>>, stop: CancellationToken, tracker: TaskTracker) {
    loop {
        let (stream, peer) = tokio::select! {
            r = socket.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = stop.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        tracker.spawn(serve_connection(stream, peer, routes.clone(), stop.clone()));
    }
}

async fn serve_connection(stream: TcpStream, peer: SocketAddr, routes: Arc<ArcSwap<ListenerRoutes>>, stop: CancellationToken) {
    let idle = routes.load().idle_timeout;
    let r = routes.clone();
    let svc = hyper::service::service_fn(move |req| {
        let routes = r.load_full();
        async move { Ok::<_, Infallible>(forward::handle(req, routes, peer).await) }
    });
    let mut b = hyper::server::conn::http1::Builder::new();
    // hyper starts this timer whenever it waits for a request head, including between
    // keep-alive requests, which makes it ALB's client idle timeout.
    b.timer(TokioTimer::new()).header_read_timeout(idle).max_header_size(MAX_HEADER_BYTES).max_headers(MAX_HEADERS);
    let conn = b.serve_connection(TokioIo::new(stream), svc).with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::trace!(%peer, error = %e, "client connection ended");
            }
        }
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
