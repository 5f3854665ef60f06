//! A WebSocket (or any `Upgrade`) connection after the target's `101 Switching Protocols`: bytes
//! relayed both ways unchanged until either side closes, or neither sends anything for the idle
//! timeout (ALB: "the idle timeout applies to WebSocket connections", counting both
//! directions). Draining a target shuts its socket down, which ends the tunnel.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use super::buf::{Buf, CHUNK};
use super::conn::ClientIo;
use crate::upstream::UpstreamConn;

/// Relays until both directions are closed or the connection idles out.
pub async fn relay<C: ClientIo>(client: &mut C, client_buf: &mut Buf, up: &mut UpstreamConn, idle: Duration) {
    // Bytes that arrived with the heads go first.
    if !client_buf.is_empty() {
        if up.io.write_all(client_buf.unread()).await.is_err() {
            return;
        }
        client_buf.consume(client_buf.len());
    }
    if !up.buf.is_empty() {
        if client.write_all(up.buf.unread()).await.is_err() {
            return;
        }
        up.buf.consume(up.buf.len());
    }
    let (mut client_open, mut target_open) = (true, true);
    let mut deadline = Instant::now() + idle;
    while client_open || target_open {
        tokio::select! {
            r = client_buf.fill(client, CHUNK), if client_open => match r {
                Ok(0) | Err(_) => {
                    client_open = false;
                    let _ = up.io.shutdown().await;
                }
                Ok(_) => {
                    if up.io.write_all(client_buf.unread()).await.is_err() {
                        return;
                    }
                    client_buf.consume(client_buf.len());
                    deadline = Instant::now() + idle;
                }
            },
            r = up.buf.fill(&mut up.io, CHUNK), if target_open => match r {
                Ok(0) | Err(_) => {
                    target_open = false;
                    let _ = client.shutdown().await;
                }
                Ok(_) => {
                    if client.write_all(up.buf.unread()).await.is_err() {
                        return;
                    }
                    up.buf.consume(up.buf.len());
                    deadline = Instant::now() + idle;
                }
            },
            _ = tokio::time::sleep_until(deadline) => return,
        }
    }
}
