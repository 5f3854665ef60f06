//! What listener rules see of an HTTP/1.1 request head.

use std::net::IpAddr;

use super::head::{RequestHead, name_is};
use super::rewrite::{split_absolute, strip_port};
use crate::rules::RequestFacts;

/// A request head in its read buffer, viewed as rules see it.
pub struct H1Facts<'a> {
    buf: &'a [u8],
    head: &'a RequestHead,
    ip: IpAddr,
    host: Option<&'a [u8]>,
    path: &'a [u8],
    query: &'a [u8],
}

impl<'a> H1Facts<'a> {
    /// The facts of `head`, whose bytes start `buf`, from client `ip`.
    pub fn new(buf: &'a [u8], head: &'a RequestHead, ip: IpAddr) -> H1Facts<'a> {
        let target = head.target.of(buf);
        let (authority, origin) = match split_absolute(target) {
            Some((a, o)) => (Some(a), o),
            None => (None, target),
        };
        let host = authority.or(head.host.map(|h| h.of(buf))).map(strip_port);
        let (path, query) = match origin.iter().position(|b| *b == b'?') {
            Some(i) => (&origin[..i], &origin[i + 1..]),
            None => (origin, &origin[origin.len()..]),
        };
        H1Facts { buf, head, ip, host, path, query }
    }

    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &[u8]) -> Option<&'a [u8]> {
        self.head.fields.iter().find(|f| name_is(f.name.of(self.buf), name)).map(|f| f.value.of(self.buf))
    }

    /// The value of cookie `cookie` in any `Cookie` field.
    pub fn cookie(&self, cookie: &str) -> Option<&'a [u8]> {
        self.head
            .fields
            .iter()
            .filter(|f| name_is(f.name.of(self.buf), b"cookie"))
            .find_map(|f| crate::sticky::find_cookie(f.value.of(self.buf), cookie))
    }
}

impl crate::choose::RequestCookies for H1Facts<'_> {
    fn cookie(&self, name: &str) -> Option<&[u8]> {
        H1Facts::cookie(self, name)
    }

    fn header(&self, name: &[u8]) -> Option<&[u8]> {
        H1Facts::header(self, name)
    }
}

impl RequestFacts for H1Facts<'_> {
    fn method(&self) -> &[u8] {
        self.head.method_span.of(self.buf)
    }

    fn host(&self) -> Option<&[u8]> {
        self.host
    }

    fn path(&self) -> &[u8] {
        self.path
    }

    fn query(&self) -> &[u8] {
        self.query
    }

    fn any_header(&self, name: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.head.fields.iter().filter(|fl| name_is(fl.name.of(self.buf), name)).any(|fl| f(fl.value.of(self.buf)))
    }

    fn source_ip(&self) -> IpAddr {
        self.ip
    }
}
