//! Write coalescing for HTTP/2 client connections.
//!
//! An HTTP/2 connection flushes each time it is woken. Responses of different streams arrive
//! from different target connections, each waking the connection on its own, so without help
//! every response would be sealed into its own TLS record and sent with its own syscall.
//! [`CoalescedWrites`] holds written bytes and, on the first flush after new bytes, lets the
//! runtime run every other ready task (and poll the I/O driver) before it sends: the responses
//! of all streams that became ready in that turn go out in one write, as HAProxy's event loop
//! does naturally.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes held before a write goes through without waiting for a flush (one TLS record's worth
/// of plaintext is 16 KiB; a few records per write keeps the syscall count low).
const HOLD_LIMIT: usize = 64 * 1024;

/// Capacity the hold buffer keeps between flushes; a larger one is freed so an idle connection
/// does not keep a burst's memory.
const KEEP_CAPACITY: usize = 16 * 1024;

/// An I/O object whose writes are held until a flush, and whose flushes wait one scheduler turn
/// so writes from other tasks made ready in the same turn share one send.
pub(crate) struct CoalescedWrites<I> {
    io: I,
    held: Vec<u8>,
    /// Bytes of `held` already written to `io`.
    sent: usize,
    /// The current flush has already yielded once.
    yielded: bool,
}

impl<I> CoalescedWrites<I> {
    pub(crate) fn new(io: I) -> Self {
        Self { io, held: Vec::new(), sent: 0, yielded: false }
    }
}

impl<I: AsyncWrite + Unpin> CoalescedWrites<I> {
    /// Writes every held byte to `io`; `Pending` leaves the rest held.
    fn poll_send_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.held.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.held[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.sent = 0;
        if self.held.capacity() > KEEP_CAPACITY {
            self.held = Vec::new();
        } else {
            self.held.clear();
        }
        Poll::Ready(Ok(()))
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for CoalescedWrites<I> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for CoalescedWrites<I> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.held.len() >= HOLD_LIMIT {
            ready!(this.poll_send_held(cx))?;
        }
        let n = buf.len().min(HOLD_LIMIT - this.held.len());
        this.held.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.held.len() > this.sent && !this.yielded {
            // `yield_now` defers the wake-up until the runtime has run its other ready tasks
            // and polled the I/O driver; waking ourselves would run us next instead.
            let yielded = std::pin::pin!(tokio::task::yield_now()).poll(cx);
            if yielded.is_pending() {
                this.yielded = true;
                return Poll::Pending;
            }
        }
        ready!(this.poll_send_held(cx))?;
        this.yielded = false;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_held(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}
