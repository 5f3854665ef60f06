//! Relaying bytes both ways between a client and a target, as NLB does for TCP and (after
//! termination) TLS listeners: each direction is copied independently, an end of stream from one
//! side shuts only the write side toward the other (half-close) while the other direction keeps
//! flowing, and the whole relay ends when both directions have ended, either side fails, the
//! connection idles out, or `cut` is cancelled (deregistration with connection termination).
//!
//! Buffers exist only while bytes are in flight: a direction takes a 16 KiB buffer from a
//! per-thread pool for a read and gives it back as soon as its bytes are written, so an idle
//! relay holds no buffer and a busy one allocates nothing after warm-up. The idle timer is one
//! `Sleep` per relay, re-armed only when it fires (not per read).

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Size of one relay buffer (and of each read).
pub const CHUNK: usize = 16 * 1024;
/// Buffers kept per thread for reuse.
const POOL: usize = 128;

thread_local! {
    static FREE: RefCell<Vec<Box<[u8]>>> = const { RefCell::new(Vec::new()) };
}

fn take() -> Box<[u8]> {
    FREE.with(|f| f.borrow_mut().pop()).unwrap_or_else(|| vec![0u8; CHUNK].into_boxed_slice())
}

fn give(b: Box<[u8]>) {
    FREE.with(|f| {
        let mut f = f.borrow_mut();
        if f.len() < POOL {
            f.push(b);
        }
    });
}

/// How a relay ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Both sides sent their end of stream and every byte was delivered.
    Closed,
    /// Neither side sent anything for the idle timeout.
    IdleTimeout,
    /// `cut` was cancelled.
    Cut,
    /// A read or write failed (reset, broken pipe, TLS error).
    Failed(io::ErrorKind),
}

/// One direction: bytes read from one side and not yet written to the other.
struct Half {
    buf: Option<Box<[u8]>>,
    pos: usize,
    end: usize,
    read_eof: bool,
    done: bool,
    /// Bytes written to the destination.
    moved: u64,
}

impl Half {
    fn new() -> Half {
        Half { buf: None, pos: 0, end: 0, read_eof: false, done: false, moved: 0 }
    }

    fn release(&mut self) {
        if let Some(b) = self.buf.take() {
            give(b);
        }
        self.pos = 0;
        self.end = 0;
    }

    /// Moves bytes from `r` to `w` until one of them would block. Ready(Ok) once the direction
    /// is finished (end of stream relayed and `w` shut down).
    fn poll_copy<R, W>(&mut self, cx: &mut Context<'_>, mut r: Pin<&mut R>, mut w: Pin<&mut W>, progress: &mut bool) -> Poll<io::Result<()>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            if self.pos < self.end {
                let Some(buf) = self.buf.as_ref() else { return Poll::Ready(Err(io::ErrorKind::Other.into())) };
                match w.as_mut().poll_write(cx, &buf[self.pos..self.end]) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Poll::Ready(Ok(n)) => {
                        self.pos += n;
                        self.moved += n as u64;
                        *progress = true;
                        continue;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            if self.buf.is_some() {
                // Everything read is written: TLS writers may still hold records; push them out
                // before waiting on the source again.
                std::task::ready!(w.as_mut().poll_flush(cx))?;
                self.release();
            }
            if self.read_eof {
                std::task::ready!(w.as_mut().poll_shutdown(cx))?;
                self.done = true;
                return Poll::Ready(Ok(()));
            }
            let mut buf = take();
            let mut rb = ReadBuf::new(&mut buf);
            match r.as_mut().poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) => {
                    let n = rb.filled().len();
                    if n == 0 {
                        give(buf);
                        self.read_eof = true;
                    } else {
                        self.buf = Some(buf);
                        self.pos = 0;
                        self.end = n;
                        *progress = true;
                    }
                }
                // A TLS peer that closes without close_notify: an end of stream all the same.
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    give(buf);
                    self.read_eof = true;
                }
                Poll::Ready(Err(e)) => {
                    give(buf);
                    return Poll::Ready(Err(e));
                }
                Poll::Pending => {
                    give(buf);
                    return Poll::Pending;
                }
            }
        }
    }
}

impl Drop for Half {
    fn drop(&mut self) {
        self.release();
    }
}

/// Byte counts of a finished relay.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// Bytes from `a` to `b`.
    pub a_to_b: u64,
    /// Bytes from `b` to `a`.
    pub b_to_a: u64,
}

/// Relays between `a` and `b` until both directions end (half-close honoured), `idle` passes
/// without a byte either way, a side fails, or `cut` is cancelled.
pub async fn relay<A, B>(a: &mut A, b: &mut B, idle: Duration, cut: &CancellationToken) -> (Outcome, Moved)
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut ab = Half::new();
    let mut ba = Half::new();
    let mut last = Instant::now();
    let mut sleep = pin!(tokio::time::sleep_until(last + idle));
    let mut cancelled = pin!(cut.cancelled());
    let outcome = poll_fn(|cx| {
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Outcome::Cut);
        }
        let mut progress = false;
        if !ab.done
            && let Poll::Ready(Err(e)) = ab.poll_copy(cx, Pin::new(&mut *a), Pin::new(&mut *b), &mut progress)
        {
            return Poll::Ready(Outcome::Failed(e.kind()));
        }
        if !ba.done
            && let Poll::Ready(Err(e)) = ba.poll_copy(cx, Pin::new(&mut *b), Pin::new(&mut *a), &mut progress)
        {
            return Poll::Ready(Outcome::Failed(e.kind()));
        }
        if ab.done && ba.done {
            return Poll::Ready(Outcome::Closed);
        }
        if progress {
            last = Instant::now();
        }
        // The timer is re-armed only when it fires, so busy relays do not touch it per read.
        while sleep.as_mut().poll(cx).is_ready() {
            let deadline = last + idle;
            if deadline <= Instant::now() {
                return Poll::Ready(Outcome::IdleTimeout);
            }
            sleep.as_mut().reset(deadline);
        }
        Poll::Pending
    })
    .await;
    (outcome, Moved { a_to_b: ab.moved, b_to_a: ba.moved })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn half_close_keeps_the_other_direction_open() {
        let (mut client, mut a) = tokio::io::duplex(64);
        let (mut b, mut target) = tokio::io::duplex(64);
        let cut = CancellationToken::new();
        let relay = tokio::spawn(async move { relay(&mut a, &mut b, Duration::from_secs(30), &cut).await });
        client.write_all(b"hello").await.unwrap();
        client.shutdown().await.unwrap();
        let mut got = Vec::new();
        target.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"hello", "the client's end of stream reaches the target");
        // The target can still answer after the client's half-close.
        let writer = tokio::spawn(async move {
            target.write_all(&[7u8; 100_000]).await.unwrap();
            target.shutdown().await.unwrap();
        });
        let mut back = Vec::new();
        client.read_to_end(&mut back).await.unwrap();
        writer.await.unwrap();
        assert_eq!(back.len(), 100_000);
        let (outcome, moved) = relay.await.unwrap();
        assert_eq!(outcome, Outcome::Closed);
        assert_eq!(moved, Moved { a_to_b: 5, b_to_a: 100_000 });
    }

    #[tokio::test]
    async fn silence_ends_the_relay_and_traffic_postpones_it() {
        let (mut client, mut a) = tokio::io::duplex(64);
        let (mut b, mut target) = tokio::io::duplex(64);
        let cut = CancellationToken::new();
        let relay = tokio::spawn(async move { relay(&mut a, &mut b, Duration::from_millis(600), &cut).await });
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            assert!(!relay.is_finished(), "traffic keeps the relay open");
            client.write_all(b"x").await.unwrap();
            let mut one = [0u8; 1];
            target.read_exact(&mut one).await.unwrap();
        }
        let (outcome, _) = relay.await.unwrap();
        assert_eq!(outcome, Outcome::IdleTimeout);
    }

    #[tokio::test]
    async fn cancelling_cuts_the_relay() {
        let (_client, mut a) = tokio::io::duplex(64);
        let (mut b, _target) = tokio::io::duplex(64);
        let cut = CancellationToken::new();
        let c = cut.clone();
        let relay = tokio::spawn(async move { relay(&mut a, &mut b, Duration::from_secs(30), &c).await });
        cut.cancel();
        assert_eq!(relay.await.unwrap().0, Outcome::Cut);
    }
}
