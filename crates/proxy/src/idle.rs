//! An IO wrapper that fails with `TimedOut` when no byte has moved in either direction for the
//! idle timeout (ALB's `idle_timeout.timeout_seconds` applies to target connections too).
//! The clock is read only when bytes move; the timer is re-armed only when it fires.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

pin_project! {
    /// `T` with an inactivity deadline.
    pub struct IdleIo<T> {
        #[pin]
        inner: T,
        timeout: Duration,
        last: Instant,
        // Boxed so that `IdleIo<T>` is `Unpin` whenever `T` is (TLS streams need it).
        sleep: Pin<Box<Sleep>>,
    }
}

impl<T> IdleIo<T> {
    /// Wraps `inner`; the deadline is `timeout` after the last byte moved.
    pub fn new(inner: T, timeout: Duration) -> IdleIo<T> {
        let now = Instant::now();
        IdleIo { inner, timeout, last: now, sleep: Box::pin(tokio::time::sleep_until(now + timeout)) }
    }
}

fn check<T>(this: &mut Pin<Box<Sleep>>, last: Instant, timeout: Duration, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
    if this.as_mut().poll(cx).is_ready() {
        let deadline = last + timeout;
        if Instant::now() >= deadline {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout")));
        }
        this.as_mut().reset(deadline);
        let _ = this.as_mut().poll(cx);
    }
    Poll::Pending
}

use std::future::Future;

impl<T: AsyncRead> AsyncRead for IdleIo<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        match this.inner.poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                *this.last = Instant::now();
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => check(this.sleep, *this.last, *this.timeout, cx),
        }
    }
}

impl<T: AsyncWrite> AsyncWrite for IdleIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.project();
        match this.inner.poll_write(cx, data) {
            Poll::Ready(Ok(n)) => {
                *this.last = Instant::now();
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => check(this.sleep, *this.last, *this.timeout, cx),
        }
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let this = self.project();
        match this.inner.poll_write_vectored(cx, bufs) {
            Poll::Ready(Ok(n)) => {
                *this.last = Instant::now();
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => check(this.sleep, *this.last, *this.timeout, cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

/// True if `err` or one of its sources is an idle timeout of an [`IdleIo`].
pub fn is_idle_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::TimedOut {
                return true;
            }
        cur = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn silence_times_out_and_traffic_does_not() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut io = IdleIo::new(a, Duration::from_millis(200));
        let writer = tokio::spawn(async move {
            for _ in 0..4 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                b.write_all(b"x").await.unwrap();
            }
            // Then silence, keeping the pipe open.
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(b);
        });
        let mut buf = [0u8; 1];
        for _ in 0..4 {
            io.read_exact(&mut buf).await.unwrap();
        }
        let started = std::time::Instant::now();
        let e = io.read(&mut buf).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(is_idle_timeout(&e));
        writer.abort();
    }
}
