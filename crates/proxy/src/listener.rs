//! A listener: its socket, the accept loop, and one connection task per client (served by the
//! [`crate::h1`] engine).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::routing::ListenerRoutes;

/// A running listener.
pub(crate) struct ListenerTask {
    pub(crate) arn: String,
    pub(crate) routes: Arc<ArcSwap<ListenerRoutes>>,
    pub(crate) stop: CancellationToken,
    /// The listening socket, shared so that a protocol change can hand it to the next task.
    pub(crate) socket: Arc<TcpListener>,
}

impl ListenerTask {
    /// Starts accepting on `socket`; connections are tracked by `tracker`.
    pub(crate) fn start(socket: Arc<TcpListener>, routes: ListenerRoutes, tracker: TaskTracker, node_stop: &CancellationToken) -> ListenerTask {
        let arn = routes.listener_arn.clone();
        let routes = Arc::new(ArcSwap::from_pointee(routes));
        let stop = node_stop.child_token();
        let r = routes.clone();
        let s = stop.clone();
        let t = tracker.clone();
        let l = socket.clone();
        tracker.spawn(async move { accept_loop(l, r, s, t).await });
        ListenerTask { arn, routes, stop, socket }
    }
}

async fn accept_loop(socket: Arc<TcpListener>, routes: Arc<ArcSwap<ListenerRoutes>>, stop: CancellationToken, tracker: TaskTracker) {
    let s = stop.clone();
    accept_each(socket, stop, tracker, move |stream, peer| serve_connection(stream, peer, routes.clone(), s.clone())).await;
}

/// Accepts connections on `socket` until `stop`, each served by its own task `serve(stream,
/// peer)` under `tracker`; `TCP_NODELAY` is set, and accept errors (EMFILE and friends) back
/// off for 20 ms instead of spinning.
pub(crate) async fn accept_each<F, Fut>(socket: Arc<TcpListener>, stop: CancellationToken, tracker: TaskTracker, serve: F)
where
    F: Fn(TcpStream, SocketAddr) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
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
        tracker.spawn(serve(stream, peer));
    }
}

/// Serves one accepted connection: TLS first on HTTPS listeners, then HTTP.
pub(crate) async fn serve_connection(stream: TcpStream, peer: SocketAddr, routes: Arc<ArcSwap<ListenerRoutes>>, stop: CancellationToken) {
    // The configuration is read per connection: a swapped certificate reaches the next handshake.
    let tls = routes.load().tls.clone();
    match tls {
        // Boxed: a TLS connection's future is several KiB, and unboxed it would size every plain
        // HTTP connection's task too (1.5 KiB per idle connection became 5.1 KiB).
        Some(config) => Box::pin(crate::tls_listener::serve(stream, peer, config, routes, stop)).await,
        None => crate::h1::conn::serve(stream, peer, routes, stop).await,
    }
}
