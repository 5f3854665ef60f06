//! Relaying a message body from one peer to the other as its framing says: a known length,
//! chunks (relayed as they are, or as bare payload for an HTTP/1.0 client), or until the
//! connection closes. Bytes already read travel with the head in one write.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::buf::{Buf, CHUNK};
use super::chunked::{ChunkError, ChunkedDecoder};
use super::head::Framing;

/// Why a relay stopped early.
#[derive(Debug)]
pub enum RelayError {
    /// The sending peer closed, reset, or broke the framing.
    Source(io::Error),
    /// The sending peer was silent for the idle timeout.
    Timeout,
    /// The receiving peer closed or reset.
    Sink(io::Error),
    /// Malformed chunked framing.
    Chunk(ChunkError),
}

/// Where a body stands.
#[derive(Debug, Clone)]
pub enum BodyState {
    /// Nothing (more) to relay.
    Done,
    /// This many bytes still to come.
    Length(u64),
    /// Chunks, tracked.
    Chunked(ChunkedDecoder),
    /// Everything until the peer closes.
    UntilClose,
}

impl BodyState {
    /// The state at the start of a body with `framing`.
    pub fn new(framing: Framing) -> BodyState {
        match framing {
            Framing::None | Framing::Length(0) => BodyState::Done,
            Framing::Length(n) => BodyState::Length(n),
            Framing::Chunked => BodyState::Chunked(ChunkedDecoder::new()),
            Framing::Close => BodyState::UntilClose,
        }
    }

    /// True once the whole body has been relayed.
    pub fn is_done(&self) -> bool {
        matches!(self, BodyState::Done)
    }

    /// Consumes the body bytes at the front of `buf` (not beyond the body's end), appending them
    /// to `out` (only chunk payloads when `dechunk`).
    pub fn take_available(&mut self, buf: &mut Buf, out: &mut Vec<u8>, dechunk: bool) -> Result<(), ChunkError> {
        let data = buf.unread();
        let used = match self {
            BodyState::Done => 0,
            BodyState::Length(left) => {
                let n = (*left).min(data.len() as u64) as usize;
                out.extend_from_slice(&data[..n]);
                *left -= n as u64;
                if *left == 0 {
                    *self = BodyState::Done;
                }
                n
            }
            BodyState::Chunked(d) => {
                let n = if dechunk { d.feed(data, |r| out.extend_from_slice(&data[r]))? } else { d.feed(data, |_| {})? };
                if !dechunk {
                    out.extend_from_slice(&data[..n]);
                }
                if d.is_done() {
                    *self = BodyState::Done;
                }
                n
            }
            BodyState::UntilClose => {
                out.extend_from_slice(data);
                data.len()
            }
        };
        buf.consume(used);
        Ok(())
    }

    /// Relays the rest of the body from `src` (whose unread bytes are in `buf`) to `dst`.
    /// `scratch` is an empty buffer to use for chunk payloads.
    pub async fn relay<R, W>(&mut self, src: &mut R, buf: &mut Buf, dst: &mut W, dechunk: bool, idle: Duration, scratch: &mut Vec<u8>) -> Result<(), RelayError>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        loop {
            if self.is_done() {
                return Ok(());
            }
            if buf.is_empty() {
                match tokio::time::timeout(idle, buf.fill(src, CHUNK)).await {
                    Err(_) => return Err(RelayError::Timeout),
                    Ok(Err(e)) => return Err(RelayError::Source(e)),
                    Ok(Ok(0)) => {
                        return match self {
                            BodyState::UntilClose => {
                                *self = BodyState::Done;
                                Ok(())
                            }
                            _ => Err(RelayError::Source(io::Error::new(io::ErrorKind::UnexpectedEof, "body ended early"))),
                        };
                    }
                    Ok(Ok(_)) => {}
                }
            }
            let pass_through = !dechunk || !matches!(self, BodyState::Chunked(_));
            if pass_through {
                // Write straight from the read buffer.
                let data = buf.unread();
                let n = match self {
                    BodyState::Length(left) => (*left).min(data.len() as u64) as usize,
                    BodyState::Chunked(d) => d.feed(data, |_| {}).map_err(RelayError::Chunk)?,
                    _ => data.len(),
                };
                dst.write_all(&data[..n]).await.map_err(RelayError::Sink)?;
                buf.consume(n);
                match self {
                    BodyState::Length(left) => {
                        *left -= n as u64;
                        if *left == 0 {
                            *self = BodyState::Done;
                        }
                    }
                    BodyState::Chunked(d) if d.is_done() => *self = BodyState::Done,
                    _ => {}
                }
            } else {
                scratch.clear();
                self.take_available(buf, scratch, true).map_err(RelayError::Chunk)?;
                if !scratch.is_empty() {
                    dst.write_all(scratch).await.map_err(RelayError::Sink)?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn relay_all(framing: Framing, input: &[u8], dechunk: bool, prefetch: usize) -> (Vec<u8>, Vec<u8>, Result<(), String>) {
        let (mut src, mut feeder) = tokio::io::duplex(64);
        let input = input.to_vec();
        let (head, rest) = input.split_at(prefetch.min(input.len()));
        let rest = rest.to_vec();
        tokio::spawn(async move {
            for piece in rest.chunks(7) {
                feeder.write_all(piece).await.unwrap();
            }
        });
        let mut buf = Buf::new();
        let mut pre: &[u8] = head;
        while buf.len() < head.len() {
            buf.fill(&mut pre, 1 << 20).await.unwrap();
        }
        let mut out = Vec::new();
        let mut state = BodyState::new(framing);
        state.take_available(&mut buf, &mut out, dechunk).unwrap();
        let mut sink = Vec::new();
        let r = state.relay(&mut src, &mut buf, &mut sink, dechunk, Duration::from_secs(2), &mut Vec::new()).await.map_err(|e| format!("{e:?}"));
        out.extend_from_slice(&sink);
        (out, buf.unread().to_vec(), r)
    }

    #[tokio::test]
    async fn lengths_stop_at_the_end_and_leave_the_next_request() {
        let (out, rest, r) = relay_all(Framing::Length(5), b"helloGET /", false, 3).await;
        r.unwrap();
        assert_eq!(out, b"hello");
        assert!(rest.is_empty() || rest == b"GET /" || b"GET /".starts_with(&rest));
    }

    #[tokio::test]
    async fn chunks_pass_through_or_dechunk() {
        let body = b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        for pre in [0, 4, body.len()] {
            let (out, _, r) = relay_all(Framing::Chunked, body, false, pre).await;
            r.unwrap();
            assert_eq!(out, body, "prefetch {pre}");
            let (out, _, r) = relay_all(Framing::Chunked, body, true, pre).await;
            r.unwrap();
            assert_eq!(out, b"abcde", "prefetch {pre}");
        }
    }

    #[tokio::test]
    async fn a_short_body_is_a_source_error_and_close_delimited_ends_at_eof() {
        let (_, _, r) = relay_all(Framing::Length(10), b"abc", false, 0).await;
        assert!(r.unwrap_err().contains("Source"));
        let (out, _, r) = relay_all(Framing::Close, b"everything", false, 2).await;
        r.unwrap();
        assert_eq!(out, b"everything");
    }

    #[tokio::test]
    async fn bad_chunks_are_refused() {
        let (_, _, r) = relay_all(Framing::Chunked, b"zz\r\n", false, 0).await;
        assert!(r.unwrap_err().contains("Chunk"));
    }
}
