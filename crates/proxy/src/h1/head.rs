//! HTTP/1.x message heads parsed in place (httparse), kept as byte offsets into the read
//! buffer, with what the proxy needs decided once: body framing (RFC 9112 §6.3), `Connection`
//! options, `Host`, `Expect`. Limits follow ALB: request line and each header at most 16 KiB,
//! the request head 64 KiB, the response head 32 KiB.

/// Most header fields in a head.
pub const MAX_FIELDS: usize = 128;
/// Largest request head (ALB: 64 KiB).
pub const MAX_REQUEST_HEAD: usize = 64 * 1024;
/// Largest response head (ALB: 32 KiB, else 502).
pub const MAX_RESPONSE_HEAD: usize = 32 * 1024;
/// Longest request line or single header line (ALB: 16 KiB).
pub const MAX_LINE: usize = 16 * 1024;

/// A byte range in the buffer the head was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The bytes of this span in `buf`.
    #[inline]
    pub fn of<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.start as usize..self.end as usize]
    }

    fn within(base: &[u8], part: &[u8]) -> Span {
        let start = part.as_ptr() as usize - base.as_ptr() as usize;
        Span { start: start as u32, end: (start + part.len()) as u32 }
    }
}

/// One header field: name and value spans (the value without surrounding whitespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Field {
    /// Field name.
    pub name: Span,
    /// Field value.
    pub value: Span,
}

/// How a message body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    None,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the connection closes (responses only).
    Close,
}

/// Request methods the proxy treats specially; the rest are forwarded as spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD: the response has no body whatever its headers say.
    Head,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
    /// OPTIONS.
    Options,
    /// PATCH.
    Patch,
    /// CONNECT: not proxied (405).
    Connect,
    /// TRACE: refused as ALB does (405).
    Trace,
    /// Any other token.
    Other,
}

impl Method {
    /// The method of an `http` request.
    pub fn from_http(m: &http::Method) -> Method {
        Method::parse(m.as_str())
    }

    fn parse(s: &str) -> Method {
        match s {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            "PATCH" => Method::Patch,
            "CONNECT" => Method::Connect,
            "TRACE" => Method::Trace,
            _ => Method::Other,
        }
    }

    /// Safe to repeat (RFC 9110 §9.2.2).
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Head | Method::Put | Method::Delete | Method::Options)
    }
}

/// `Connection` options of a message (RFC 9110 §7.6.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionOptions {
    /// `close`.
    pub close: bool,
    /// `keep-alive`.
    pub keep_alive: bool,
    /// `upgrade`.
    pub upgrade: bool,
    /// Other tokens: header names that are hop-by-hop for this message.
    pub others: bool,
}

/// Why a request head was refused, and the status ALB answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadError {
    /// Malformed request line or header, or conflicting framing: 400.
    Malformed(&'static str),
    /// A line or the whole head is larger than allowed: 400 (ALB).
    TooLarge,
    /// A transfer coding other than `chunked`: 501 (ALB).
    UnsupportedTransferEncoding,
}

/// A parsed request head.
#[derive(Debug, Clone)]
pub struct RequestHead {
    /// Bytes of the head, CRLFCRLF included.
    pub len: usize,
    /// The method.
    pub method: Method,
    /// The method as sent.
    pub method_span: Span,
    /// The request target as sent (origin, absolute, authority or asterisk form).
    pub target: Span,
    /// HTTP/1.0 rather than 1.1.
    pub http10: bool,
    /// Every header field in order.
    pub fields: Vec<Field>,
    /// The `Host` value, if any.
    pub host: Option<Span>,
    /// How many `Host` fields there were.
    pub host_count: u8,
    /// The request body's framing.
    pub framing: Framing,
    /// Both `Content-Length` and `Transfer-Encoding` were sent (RFC 9112 §6.1: the connection
    /// must be closed after the response).
    pub ambiguous_length: bool,
    /// `Connection` options.
    pub connection: ConnectionOptions,
    /// `Expect: 100-continue`.
    pub expect_continue: bool,
}

/// A parsed response head.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// Bytes of the head, CRLFCRLF included.
    pub len: usize,
    /// Status code.
    pub status: u16,
    /// Reason phrase as sent.
    pub reason: Span,
    /// HTTP/1.0 rather than 1.1.
    pub http10: bool,
    /// Every header field in order.
    pub fields: Vec<Field>,
    /// The response body's framing.
    pub framing: Framing,
    /// `Connection` options.
    pub connection: ConnectionOptions,
}

/// Case-insensitive comparison of a field name with a lower-case name.
#[inline]
pub fn name_is(name: &[u8], lower: &[u8]) -> bool {
    name.len() == lower.len() && name.iter().zip(lower).all(|(a, b)| a.to_ascii_lowercase() == *b)
}

fn tokens(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    v.split(|b| *b == b',').map(|t| t.trim_ascii()).filter(|t| !t.is_empty())
}

fn connection_options(v: &[u8], c: &mut ConnectionOptions) {
    for t in tokens(v) {
        if t.eq_ignore_ascii_case(b"close") {
            c.close = true;
        } else if t.eq_ignore_ascii_case(b"keep-alive") {
            c.keep_alive = true;
        } else if t.eq_ignore_ascii_case(b"upgrade") {
            c.upgrade = true;
        } else {
            c.others = true;
        }
    }
}

/// Parses a `Content-Length` value: digits only, a list of equal values allowed (RFC 9110 §8.6).
fn content_length(v: &[u8], seen: Option<u64>) -> Result<u64, ()> {
    let mut out = seen;
    for t in v.split(|b| *b == b',') {
        let t = t.trim_ascii();
        if t.is_empty() || t.len() > 19 || !t.iter().all(u8::is_ascii_digit) {
            return Err(());
        }
        let n: u64 = std::str::from_utf8(t).map_err(|_| ())?.parse().map_err(|_| ())?;
        match out {
            Some(m) if m != n => return Err(()),
            _ => out = Some(n),
        }
    }
    out.ok_or(())
}

fn line_limits(buf: &[u8]) -> Result<(), HeadError> {
    // Each CRLF-terminated line at most MAX_LINE.
    let mut last = 0;
    for (i, b) in buf.iter().enumerate() {
        if *b == b'\n' {
            if i - last > MAX_LINE {
                return Err(HeadError::TooLarge);
            }
            last = i + 1;
            if i >= 3 && &buf[i - 3..=i] == b"\r\n\r\n" {
                return Ok(());
            }
        }
    }
    if buf.len() - last > MAX_LINE { Err(HeadError::TooLarge) } else { Ok(()) }
}

/// Parses a request head at the start of `buf`. `Ok(None)`: incomplete, read more.
///
/// Errors: [`HeadError`] with the status to answer.
pub fn parse_request(buf: &[u8]) -> Result<Option<RequestHead>, HeadError> {
    let mut raw = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut req = httparse::Request::new(&mut raw);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            line_limits(buf)?;
            return if buf.len() >= MAX_REQUEST_HEAD { Err(HeadError::TooLarge) } else { Ok(None) };
        }
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
        Err(_) => return Err(HeadError::Malformed("malformed request head")),
    };
    if len > MAX_REQUEST_HEAD {
        return Err(HeadError::TooLarge);
    }
    line_limits(&buf[..len])?;
    let method_str = req.method.unwrap_or("");
    let target = req.path.unwrap_or("");
    let http10 = req.version == Some(0);
    let mut head = RequestHead {
        len,
        method: Method::parse(method_str),
        method_span: Span::within(buf, method_str.as_bytes()),
        target: Span::within(buf, target.as_bytes()),
        http10,
        fields: Vec::with_capacity(req.headers.len()),
        host: None,
        host_count: 0,
        framing: Framing::None,
        ambiguous_length: false,
        connection: ConnectionOptions::default(),
        expect_continue: false,
    };
    let mut length: Option<u64> = None;
    // Requests must say exactly `Transfer-Encoding: chunked`, once: list forms (`,chunked`,
    // `identity, chunked`) and split fields are how requests are smuggled past lenient parsers.
    let mut te: Option<bool> = None;
    for h in req.headers.iter() {
        let name = h.name.as_bytes();
        let value = h.value.trim_ascii();
        let f = Field { name: Span::within(buf, name), value: Span::within(buf, value) };
        head.fields.push(f);
        match name.len() {
            4 if name_is(name, b"host") => {
                head.host_count = head.host_count.saturating_add(1);
                if head.host.is_none() {
                    head.host = Some(f.value);
                }
            }
            6 if name_is(name, b"expect") => head.expect_continue |= value.eq_ignore_ascii_case(b"100-continue"),
            10 if name_is(name, b"connection") => connection_options(value, &mut head.connection),
            14 if name_is(name, b"content-length") => {
                length = Some(content_length(value, length).map_err(|_| HeadError::Malformed("invalid Content-Length"))?);
            }
            17 if name_is(name, b"transfer-encoding") => {
                if te.is_some() {
                    return Err(HeadError::Malformed("more than one Transfer-Encoding field"));
                }
                te = Some(value.eq_ignore_ascii_case(b"chunked"));
            }
            _ => {}
        }
    }
    if let Some(chunked) = te {
        if http10 {
            return Err(HeadError::Malformed("Transfer-Encoding in an HTTP/1.0 request"));
        }
        if !chunked {
            return Err(HeadError::UnsupportedTransferEncoding);
        }
        head.framing = Framing::Chunked;
        head.ambiguous_length = length.is_some();
    } else if let Some(n) = length {
        head.framing = if n == 0 { Framing::None } else { Framing::Length(n) };
    }
    Ok(Some(head))
}

/// Parses a response head at the start of `buf`, for a request with method `method`.
/// `Ok(None)`: incomplete, read more.
///
/// Errors: a description of why the response is malformed (the proxy answers 502).
pub fn parse_response(buf: &[u8], method: Method) -> Result<Option<ResponseHead>, &'static str> {
    let mut raw = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut resp = httparse::Response::new(&mut raw);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return if buf.len() >= MAX_RESPONSE_HEAD { Err("response head too large") } else { Ok(None) },
        Err(_) => return Err("malformed response head"),
    };
    if len > MAX_RESPONSE_HEAD {
        return Err("response head too large");
    }
    let status = resp.code.unwrap_or(0);
    // RFC 9110 §15: status codes are 100–599; httparse takes any three digits.
    if !(100..=599).contains(&status) {
        return Err("status code outside 100-599");
    }
    let reason = resp.reason.unwrap_or("");
    let mut head = ResponseHead {
        len,
        status,
        reason: Span::within(buf, reason.as_bytes()),
        http10: resp.version == Some(0),
        fields: Vec::with_capacity(resp.headers.len()),
        framing: Framing::Close,
        connection: ConnectionOptions::default(),
    };
    let mut length: Option<u64> = None;
    let mut chunked_last = None;
    for h in resp.headers.iter() {
        let name = h.name.as_bytes();
        let value = h.value.trim_ascii();
        head.fields.push(Field { name: Span::within(buf, name), value: Span::within(buf, value) });
        match name.len() {
            10 if name_is(name, b"connection") => connection_options(value, &mut head.connection),
            14 if name_is(name, b"content-length") => length = Some(content_length(value, length).map_err(|_| "invalid Content-Length in response")?),
            17 if name_is(name, b"transfer-encoding") => {
                if let Some(t) = tokens(value).last() {
                    chunked_last = Some(t.eq_ignore_ascii_case(b"chunked"));
                }
            }
            _ => {}
        }
    }
    // RFC 9112 §6.3, in order.
    head.framing = if method == Method::Head || (100..200).contains(&status) || status == 204 || status == 304 {
        Framing::None
    } else if let Some(chunked) = chunked_last {
        if chunked { Framing::Chunked } else { Framing::Close }
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    Ok(Some(head))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> Result<Option<RequestHead>, HeadError> {
        parse_request(s.as_bytes())
    }

    #[test]
    fn request_heads_parse_with_spans_and_framing() {
        let s = "POST /a?b=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nConnection: keep-alive, X-Hop\r\n\r\nhello";
        let h = req(s).unwrap().unwrap();
        assert_eq!(h.len, s.len() - 5);
        assert_eq!(h.method, Method::Post);
        assert_eq!(h.target.of(s.as_bytes()), b"/a?b=1");
        assert_eq!(h.host.unwrap().of(s.as_bytes()), b"example.com");
        assert_eq!(h.framing, Framing::Length(5));
        assert!(h.connection.keep_alive && h.connection.others && !h.connection.close);
        assert_eq!(h.fields.len(), 3);
    }

    #[test]
    fn incomplete_heads_ask_for_more() {
        assert!(req("GET / HTTP/1.1\r\nHost: a\r\n").unwrap().is_none());
        assert!(req("GET / HT").unwrap().is_none());
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let chunked = req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap().unwrap();
        assert_eq!(chunked.framing, Framing::Chunked);
        let both = req("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap().unwrap();
        assert_eq!(both.framing, Framing::Chunked);
        assert!(both.ambiguous_length);
        assert_eq!(req("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n").unwrap().unwrap().framing, Framing::Length(3));
        assert_eq!(req("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").unwrap().unwrap().framing, Framing::None);
    }

    #[test]
    fn ambiguous_or_invalid_framing_is_refused() {
        for bad in [
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 3 4\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
            "GET /\x01 HTTP/1.1\r\n\r\n",
        ] {
            assert!(matches!(req(bad), Err(HeadError::Malformed(_))), "{bad:?} -> {:?}", req(bad));
        }
        for te in ["gzip", "chunked, gzip", "gzip, chunked", "identity, chunked", ",chunked", "chunked,"] {
            let s = format!("POST / HTTP/1.1\r\nTransfer-Encoding: {te}\r\n\r\n");
            assert_eq!(req(&s).unwrap_err(), HeadError::UnsupportedTransferEncoding, "{te}");
        }
        let split = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(matches!(req(split), Err(HeadError::Malformed(_))));
    }

    #[test]
    fn bare_lf_heads_are_read_and_forwarded_lines_are_crlf() {
        // RFC 9112 §2.2 lets a recipient accept a bare LF; elbow re-emits every line with CRLF,
        // so the target never sees the ambiguity.
        let h = req("GET / HTTP/1.1\nHost: a\n\n").unwrap().unwrap();
        assert_eq!(h.host.unwrap().of(b"GET / HTTP/1.1\nHost: a\n\n"), b"a");
    }

    #[test]
    fn oversized_heads_are_refused() {
        let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_LINE + 1));
        assert_eq!(req(&long_line).unwrap_err(), HeadError::TooLarge);
        let partial_line = format!("GET /{}", "a".repeat(MAX_LINE + 1));
        assert_eq!(req(&partial_line).unwrap_err(), HeadError::TooLarge);
        let many: String = (0..MAX_FIELDS + 1).map(|i| format!("X-{i}: v\r\n")).collect();
        assert_eq!(req(&format!("GET / HTTP/1.1\r\n{many}\r\n")).unwrap_err(), HeadError::TooLarge);
    }

    #[test]
    fn status_codes_outside_rfc_9110_are_malformed() {
        for line in ["HTTP/1.1 999 Weird\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n", "HTTP/1.1 600 High\r\n\r\n"] {
            assert!(parse_response(line.as_bytes(), Method::Get).is_err(), "{line}");
        }
        assert!(parse_response(b"HTTP/1.1 599 Edge\r\n\r\n", Method::Get).unwrap().is_some());
    }

    #[test]
    fn response_framing_depends_on_status_and_method() {
        let r = |s: &str, m| parse_response(s.as_bytes(), m).unwrap().unwrap().framing;
        assert_eq!(r("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", Method::Get), Framing::Length(3));
        assert_eq!(r("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", Method::Head), Framing::None);
        assert_eq!(r("HTTP/1.1 204 No Content\r\n\r\n", Method::Get), Framing::None);
        assert_eq!(r("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", Method::Get), Framing::None);
        assert_eq!(r("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", Method::Get), Framing::Chunked);
        assert_eq!(r("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", Method::Get), Framing::Close);
        assert_eq!(r("HTTP/1.0 200 OK\r\n\r\n", Method::Get), Framing::Close);
        let h = parse_response(b"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n", Method::Get).unwrap().unwrap();
        assert_eq!((h.status, h.reason.of(b"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n")), (404, &b"Not Found"[..]));
        assert!(h.connection.close);
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", Method::Get).is_err());
        assert!(parse_response(b"SSH-2.0-OpenSSH\r\n\r\n", Method::Get).is_err());
    }
}
