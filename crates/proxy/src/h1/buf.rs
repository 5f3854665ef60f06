//! Read buffers that exist only while bytes are in flight: an idle connection holds none, and
//! buffers come from (and go back to) a small per-thread pool, so a keep-alive request costs no
//! allocation. This is what keeps an idle connection at a few hundred bytes instead of hyper's
//! 8 KiB read buffer.

use std::cell::RefCell;
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Size of a pooled buffer, and of each read.
pub const CHUNK: usize = 16 * 1024;
/// Buffers kept per thread for reuse.
const POOL: usize = 64;

thread_local! {
    static FREE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

fn take() -> Vec<u8> {
    FREE.with(|f| f.borrow_mut().pop()).unwrap_or_else(|| Vec::with_capacity(CHUNK))
}

fn give(mut v: Vec<u8>) {
    if v.capacity() != CHUNK {
        return;
    }
    v.clear();
    FREE.with(|f| {
        let mut f = f.borrow_mut();
        if f.len() < POOL {
            f.push(v);
        }
    });
}

/// Bytes read from a peer and not yet consumed.
#[derive(Debug, Default)]
pub struct Buf {
    data: Vec<u8>,
    pos: usize,
}

impl Buf {
    /// An empty buffer that owns no memory.
    pub const fn new() -> Buf {
        Buf { data: Vec::new(), pos: 0 }
    }

    /// The unread bytes.
    #[inline]
    pub fn unread(&self) -> &[u8] {
        &self.data[self.pos..]
    }

    /// Number of unread bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.data.len() - self.pos
    }

    /// True if nothing is unread.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Marks `n` bytes as read.
    #[inline]
    pub fn consume(&mut self, n: usize) {
        self.pos += n;
        debug_assert!(self.pos <= self.data.len());
        if self.pos >= self.data.len() {
            self.data.clear();
            self.pos = 0;
        }
    }

    /// Gives the memory back when nothing is unread (an idle connection keeps no buffer).
    pub fn release(&mut self) {
        if self.is_empty() && self.data.capacity() > 0 {
            give(std::mem::take(&mut self.data));
            self.pos = 0;
        }
    }

    /// Reads once from `r`, keeping at most `limit` unread bytes. Returns the bytes read; 0 means
    /// end of stream (or that `limit` is reached, which callers check first).
    pub async fn fill<R: AsyncRead + Unpin>(&mut self, r: &mut R, limit: usize) -> io::Result<usize> {
        if self.data.capacity() == 0 {
            self.data = take();
        }
        if self.pos > 0 && self.data.len() == self.data.capacity() {
            // Move the unread tail to the front instead of growing.
            self.data.drain(..self.pos);
            self.pos = 0;
        }
        let unread = self.len();
        if unread >= limit {
            return Ok(0);
        }
        let spare = self.data.capacity() - self.data.len();
        if spare == 0 {
            let want = (self.data.capacity() * 2).min(limit + self.pos).max(self.data.len() + 1);
            self.data.reserve(want - self.data.len());
        }
        let room = (limit - unread).min(self.data.capacity() - self.data.len());
        let mut limited = (&mut *r).take(room as u64);
        limited.read_buf(&mut self.data).await
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        if self.data.capacity() > 0 {
            give(std::mem::take(&mut self.data));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_consumes_and_releases() {
        let mut src: &[u8] = b"hello world";
        let mut b = Buf::new();
        assert_eq!(b.data.capacity(), 0, "no memory before the first read");
        assert_eq!(b.fill(&mut src, 64).await.unwrap(), 11);
        assert_eq!(b.unread(), b"hello world");
        b.consume(6);
        assert_eq!(b.unread(), b"world");
        b.release();
        assert!(b.data.capacity() > 0, "unread bytes keep the buffer");
        b.consume(5);
        b.release();
        assert_eq!(b.data.capacity(), 0);
    }

    #[tokio::test]
    async fn limits_are_respected_and_large_heads_grow_the_buffer() {
        let big = vec![b'x'; 40_000];
        let mut src: &[u8] = &big;
        let mut b = Buf::new();
        let mut total = 0;
        loop {
            let n = b.fill(&mut src, 35_000).await.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, 35_000);
        assert_eq!(b.len(), 35_000);
    }
}
