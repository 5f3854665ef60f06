//! Tracking `Transfer-Encoding: chunked` framing (RFC 9112 §7.1) on bytes that are relayed
//! unchanged, so the proxy knows where a message ends, and can hand out only the payload when a
//! peer cannot take chunks (an HTTP/1.0 client).
//!
//! Strict, as a proxy in front of unknown parsers must be (request smuggling hides in lenient
//! chunk parsing): hex sizes only, no leading `+`/`-`/`0x`/spaces, at most 16 hex digits, CRLF
//! line endings only (no bare LF), chunk extensions and trailer lines bounded in length.

use std::ops::Range;

/// Longest chunk-size line (size + extensions), and longest trailer line, in bytes.
pub const MAX_LINE: usize = 4096;

/// Why chunked framing was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkError {
    /// A character other than a hex digit in the chunk size, or no digit.
    BadSize,
    /// The chunk size does not fit in 64 bits.
    SizeOverflow,
    /// A line ended without CR LF, or a chunk's data was not followed by CR LF.
    BadLineEnding,
    /// A size or trailer line longer than [`MAX_LINE`].
    LineTooLong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a chunk size; `digits` so far.
    Size { digits: u8 },
    /// Inside chunk extensions (`;name=value`) up to CR.
    Extension,
    /// Saw CR after the size line; expect LF.
    SizeLf,
    /// Inside chunk data.
    Data,
    /// After chunk data; expect CR.
    DataCr,
    /// After chunk data and CR; expect LF.
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    /// Inside a trailer line.
    Trailer,
    /// Saw CR ending a trailer line; expect LF.
    TrailerLf,
    /// Saw CR of the final empty line; expect LF.
    EndLf,
    /// The message is complete.
    Done,
}

/// A chunked-framing tracker fed with the bytes of one message body.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    /// Size of the current chunk, then bytes of it still to come.
    remaining: u64,
    /// Length of the current size or trailer line.
    line: usize,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        ChunkedDecoder::new()
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl ChunkedDecoder {
    /// A tracker at the start of a body.
    pub fn new() -> ChunkedDecoder {
        ChunkedDecoder { state: State::Size { digits: 0 }, remaining: 0, line: 0 }
    }

    /// True once the last chunk and trailers have been seen.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Feeds `input`. Returns how many bytes belong to the body (all of `input` unless the body
    /// ends inside it); `payload` is called with the ranges of `input` that are chunk data.
    ///
    /// Errors: [`ChunkError`] at the first byte that breaks the framing.
    pub fn feed(&mut self, input: &[u8], mut payload: impl FnMut(Range<usize>)) -> Result<usize, ChunkError> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                State::Size { digits } => {
                    if let Some(v) = hex(b) {
                        if digits >= 16 {
                            return Err(ChunkError::SizeOverflow);
                        }
                        self.remaining = (self.remaining << 4) | u64::from(v);
                        self.state = State::Size { digits: digits + 1 };
                    } else if digits == 0 {
                        return Err(ChunkError::BadSize);
                    } else if b == b';' {
                        self.state = State::Extension;
                    } else if b == b'\r' {
                        self.state = State::SizeLf;
                    } else {
                        return Err(ChunkError::BadSize);
                    }
                    self.line += 1;
                    i += 1;
                }
                State::Extension => {
                    // Extensions are passed through; only their length and line ending matter.
                    if b == b'\r' {
                        self.state = State::SizeLf;
                    } else if b == b'\n' {
                        return Err(ChunkError::BadLineEnding);
                    }
                    self.line += 1;
                    i += 1;
                }
                State::SizeLf => {
                    if b != b'\n' {
                        return Err(ChunkError::BadLineEnding);
                    }
                    i += 1;
                    self.line = 0;
                    self.state = if self.remaining == 0 { State::TrailerStart } else { State::Data };
                }
                State::Data => {
                    let n = (input.len() - i).min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                    payload(i..i + n);
                    i += n;
                    self.remaining -= n as u64;
                    if self.remaining == 0 {
                        self.state = State::DataCr;
                    }
                }
                State::DataCr => {
                    if b != b'\r' {
                        return Err(ChunkError::BadLineEnding);
                    }
                    self.state = State::DataLf;
                    i += 1;
                }
                State::DataLf => {
                    if b != b'\n' {
                        return Err(ChunkError::BadLineEnding);
                    }
                    self.state = State::Size { digits: 0 };
                    self.line = 0;
                    i += 1;
                }
                State::TrailerStart => {
                    if b == b'\r' {
                        self.state = State::EndLf;
                    } else if b == b'\n' {
                        return Err(ChunkError::BadLineEnding);
                    } else {
                        self.state = State::Trailer;
                        self.line = 1;
                    }
                    i += 1;
                }
                State::Trailer => {
                    if b == b'\r' {
                        self.state = State::TrailerLf;
                    } else if b == b'\n' {
                        return Err(ChunkError::BadLineEnding);
                    }
                    self.line += 1;
                    i += 1;
                }
                State::TrailerLf => {
                    if b != b'\n' {
                        return Err(ChunkError::BadLineEnding);
                    }
                    self.state = State::TrailerStart;
                    self.line = 0;
                    i += 1;
                }
                State::EndLf => {
                    if b != b'\n' {
                        return Err(ChunkError::BadLineEnding);
                    }
                    self.state = State::Done;
                    return Ok(i + 1);
                }
                State::Done => return Ok(i),
            }
            if self.line > MAX_LINE {
                return Err(ChunkError::LineTooLong);
            }
        }
        Ok(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes; returns (body length, payload).
    fn run(input: &[u8], step: usize) -> Result<(usize, Vec<u8>), ChunkError> {
        let mut d = ChunkedDecoder::new();
        let mut payload = Vec::new();
        let mut used = 0;
        for piece in input.chunks(step) {
            let n = d.feed(piece, |r| payload.extend_from_slice(&piece[r]))?;
            used += n;
            if d.is_done() {
                return Ok((used, payload));
            }
        }
        Ok((usize::MAX, payload))
    }

    #[test]
    fn decodes_chunks_extensions_and_trailers_in_any_split() {
        let body = b"5\r\nhello\r\n6;name=v\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nGET /next";
        let end = body.len() - b"GET /next".len();
        for step in 1..body.len() {
            let (n, payload) = run(body, step).unwrap();
            assert_eq!(n, end, "step {step}");
            assert_eq!(payload, b"hello world");
        }
    }

    #[test]
    fn the_empty_body_is_a_zero_chunk() {
        assert_eq!(run(b"0\r\n\r\n", 64).unwrap(), (5, vec![]));
        assert_eq!(run(b"000\r\n\r\nrest", 64).unwrap().0, 7);
    }

    #[test]
    fn lenient_framings_are_refused() {
        for (bad, why) in [
            (&b"+5\r\nhello\r\n0\r\n\r\n"[..], ChunkError::BadSize),
            (b"-5\r\n", ChunkError::BadSize),
            (b" 5\r\n", ChunkError::BadSize),
            (b"0x5\r\nhello\r\n", ChunkError::BadSize),
            (b"\r\n", ChunkError::BadSize),
            (b"5\nhello\r\n", ChunkError::BadSize),
            (b"5\r\nhelloXX", ChunkError::BadLineEnding),
            (b"5;a\nhello", ChunkError::BadLineEnding),
            (b"0\r\n\n", ChunkError::BadLineEnding),
            (b"0\r\nX: 1\n\r\n", ChunkError::BadLineEnding),
            (b"10000000000000000\r\n", ChunkError::SizeOverflow),
        ] {
            assert_eq!(run(bad, 1).unwrap_err(), why, "{:?}", String::from_utf8_lossy(bad));
            assert_eq!(run(bad, 64).unwrap_err(), why, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn long_extensions_and_trailers_are_refused() {
        let mut ext = b"5;".to_vec();
        ext.extend(std::iter::repeat_n(b'a', MAX_LINE + 1));
        assert_eq!(run(&ext, 100).unwrap_err(), ChunkError::LineTooLong);
        let mut trailer = b"0\r\nX: ".to_vec();
        trailer.extend(std::iter::repeat_n(b'a', MAX_LINE + 1));
        assert_eq!(run(&trailer, 100).unwrap_err(), ChunkError::LineTooLong);
    }

    #[test]
    fn sixteen_hex_digits_fit() {
        let mut d = ChunkedDecoder::new();
        assert!(d.feed(b"ffffffffffffffff\r\nabc", |_| {}).is_ok());
        assert!(!d.is_done());
    }
}
