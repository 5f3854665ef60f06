//! What listener rules (and target choice) see of a request expressed as `http` types.

use std::net::IpAddr;

use http::request::Parts;

use crate::choose::RequestCookies;
use crate::h1::rewrite::strip_port;
use crate::rules::RequestFacts;

/// A request head viewed as rules see it.
pub struct H2Facts<'a> {
    parts: &'a Parts,
    ip: IpAddr,
}

impl<'a> H2Facts<'a> {
    /// The facts of `parts` from client `ip`.
    pub fn new(parts: &'a Parts, ip: IpAddr) -> H2Facts<'a> {
        H2Facts { parts, ip }
    }

    /// `:authority` (or `Host`), with its port.
    pub fn authority(&self) -> Option<&'a str> {
        self.parts.uri.authority().map(|a| a.as_str()).or_else(|| self.parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()))
    }
}

impl RequestFacts for H2Facts<'_> {
    fn method(&self) -> &[u8] {
        self.parts.method.as_str().as_bytes()
    }

    fn host(&self) -> Option<&[u8]> {
        self.authority().map(|a| strip_port(a.as_bytes()))
    }

    fn path(&self) -> &[u8] {
        self.parts.uri.path().as_bytes()
    }

    fn query(&self) -> &[u8] {
        self.parts.uri.query().unwrap_or("").as_bytes()
    }

    fn any_header(&self, name: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let Ok(name) = http::HeaderName::from_bytes(name) else { return false };
        self.parts.headers.get_all(name).iter().any(|v| f(v.as_bytes()))
    }

    fn source_ip(&self) -> IpAddr {
        self.ip
    }
}

impl RequestCookies for H2Facts<'_> {
    fn cookie(&self, name: &str) -> Option<&[u8]> {
        // HTTP/2 clients may split cookies over several fields (RFC 9113 §8.2.3).
        self.parts.headers.get_all(http::header::COOKIE).iter().find_map(|v| crate::sticky::find_cookie(v.as_bytes(), name))
    }

    fn header(&self, name: &[u8]) -> Option<&[u8]> {
        let name = http::HeaderName::from_bytes(name).ok()?;
        self.parts.headers.get(name).map(|v| v.as_bytes())
    }
}
