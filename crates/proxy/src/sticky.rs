//! Stickiness cookies as ALB names them (ALB guide, "Sticky sessions for your Application Load
//! Balancer"): `AWSALB`/`AWSALBCORS` for duration-based stickiness, `AWSALBAPP-0` for
//! application-based stickiness, `AWSALBTG`/`AWSALBTGCORS` for target-group stickiness of a
//! weighted forward. Values are sealed with AES-256-GCM under the node's key, so a client can
//! neither read which target it is bound to nor forge a cookie that picks one.

use std::net::{IpAddr, SocketAddr};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Cookie names.
pub const AWSALB: &str = "AWSALB";
/// The `SameSite=None; Secure` copy of [`AWSALB`] for cross-origin requests.
pub const AWSALBCORS: &str = "AWSALBCORS";
/// Application-based stickiness.
pub const AWSALBAPP: &str = "AWSALBAPP-0";
/// Classic Load Balancer stickiness, duration-based and application-controlled alike.
pub const AWSELB: &str = "AWSELB";
/// Target-group stickiness of a weighted forward.
pub const AWSALBTG: &str = "AWSALBTG";
/// The `SameSite=None; Secure` copy of [`AWSALBTG`].
pub const AWSALBTGCORS: &str = "AWSALBTGCORS";

/// ALB's cookies expire after 7 days; the stickiness duration is enforced from the issue time
/// sealed inside.
pub const COOKIE_LIFETIME_SECS: u64 = 7 * 24 * 3600;

/// What a cookie binds a client to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// A target of a target group (`AWSALB`, `AWSALBAPP-0`).
    Target {
        /// The target group's id (its ARN's 16 hex digits).
        group: u64,
        /// The target.
        addr: SocketAddr,
    },
    /// A target group of a weighted forward (`AWSALBTG`).
    Group {
        /// The target group's id.
        group: u64,
    },
}

/// The node's cookie key.
pub struct CookieKey(LessSafeKey);

impl std::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieKey(…)")
    }
}

impl CookieKey {
    /// A key from 32 secret bytes.
    pub fn new(secret: &[u8; 32]) -> CookieKey {
        CookieKey(LessSafeKey::new(UnboundKey::new(&AES_256_GCM, secret).expect("32 bytes is an AES-256 key")))
    }

    /// Seals `binding`, issued at `issued` (seconds since the epoch), as a cookie value.
    pub fn seal(&self, binding: Binding, issued: u64) -> String {
        let mut plain = Vec::with_capacity(40);
        match binding {
            Binding::Target { group, addr } => {
                plain.push(1u8);
                plain.extend_from_slice(&group.to_be_bytes());
                let ip = match addr.ip() {
                    IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                    IpAddr::V6(v6) => v6,
                };
                plain.extend_from_slice(&ip.octets());
                plain.extend_from_slice(&addr.port().to_be_bytes());
            }
            Binding::Group { group } => {
                plain.push(2u8);
                plain.extend_from_slice(&group.to_be_bytes());
            }
        }
        plain.extend_from_slice(&issued.to_be_bytes());
        let mut nonce = [0u8; NONCE_LEN];
        let a: u64 = rand::random();
        let b: u32 = rand::random();
        nonce[..8].copy_from_slice(&a.to_le_bytes());
        nonce[8..].copy_from_slice(&b.to_le_bytes());
        let mut sealed = plain;
        if self.0.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut sealed).is_err() {
            return String::new();
        }
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// Opens a cookie value: the binding and when it was issued, or `None` if the value was not
    /// sealed by this key (forged, truncated, from another node).
    pub fn open(&self, value: &[u8]) -> Option<(Binding, u64)> {
        let raw = URL_SAFE_NO_PAD.decode(value).ok()?;
        if raw.len() < NONCE_LEN + 1 {
            return None;
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self.0.open_in_place(nonce, Aad::empty(), &mut buf).ok()?;
        let u64_at = |i: usize| plain.get(i..i + 8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes);
        match plain.first()? {
            1 if plain.len() == 1 + 8 + 16 + 2 + 8 => {
                let group = u64_at(1)?;
                let octets: [u8; 16] = plain[9..25].try_into().ok()?;
                let v6 = std::net::Ipv6Addr::from(octets);
                let ip = v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6));
                let port = u16::from_be_bytes([plain[25], plain[26]]);
                Some((Binding::Target { group, addr: SocketAddr::new(ip, port) }, u64_at(27)?))
            }
            2 if plain.len() == 1 + 8 + 8 => Some((Binding::Group { group: u64_at(1)? }, u64_at(9)?)),
            _ => None,
        }
    }
}

/// The id of a target group from its ARN (the trailing 16 hex digits).
pub fn group_id(arn: &str) -> u64 {
    u64::from_str_radix(model::ids::arn_id(arn), 16).unwrap_or_else(|_| balancer::hash_key(arn.as_bytes()))
}

/// The value of cookie `name` in a `Cookie` field value (`a=1; b=2`).
pub fn find_cookie<'a>(header: &'a [u8], name: &str) -> Option<&'a [u8]> {
    header.split(|b| *b == b';').find_map(|pair| {
        let pair = pair.trim_ascii();
        let eq = pair.iter().position(|b| *b == b'=')?;
        (&pair[..eq] == name.as_bytes()).then(|| pair[eq + 1..].trim_ascii())
    })
}

/// True if a `Set-Cookie` field value sets cookie `name`.
pub fn sets_cookie(set_cookie: &[u8], name: &str) -> bool {
    let n = name.as_bytes();
    set_cookie.len() > n.len() && set_cookie.starts_with(n) && set_cookie[n.len()] == b'='
}

/// Appends the `Set-Cookie` field of a stickiness cookie (7 days, `Path=/`, and the CORS
/// variant's `SameSite=None; Secure`).
pub fn write_set_cookie(out: &mut Vec<u8>, name: &str, value: &str, cors: bool) {
    let expires = std::time::SystemTime::now() + std::time::Duration::from_secs(COOKIE_LIFETIME_SECS);
    out.extend_from_slice(b"Set-Cookie: ");
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"; Expires=");
    out.extend_from_slice(httpdate::fmt_http_date(expires).as_bytes());
    out.extend_from_slice(b"; Path=/");
    if cors {
        out.extend_from_slice(b"; SameSite=None; Secure");
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_round_trip_and_resist_forgery() {
        let k = CookieKey::new(&[7u8; 32]);
        let b = Binding::Target { group: 0x50dc6c495c0c9188, addr: "127.0.0.2:8080".parse().unwrap() };
        let v = k.seal(b, 1_700_000_000);
        assert_eq!(k.open(v.as_bytes()), Some((b, 1_700_000_000)));
        assert_ne!(k.seal(b, 1_700_000_000), v, "a fresh nonce every time");
        let g = Binding::Group { group: 42 };
        assert_eq!(k.open(k.seal(g, 5).as_bytes()), Some((g, 5)));
        // Another key, a flipped byte, garbage: refused.
        assert_eq!(CookieKey::new(&[8u8; 32]).open(v.as_bytes()), None);
        let mut raw = URL_SAFE_NO_PAD.decode(&v).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert_eq!(k.open(URL_SAFE_NO_PAD.encode(raw).as_bytes()), None);
        assert_eq!(k.open(b"not-base64!!"), None);
        assert_eq!(k.open(b""), None);
    }

    #[test]
    fn cookie_headers_parse() {
        assert_eq!(find_cookie(b"a=1; AWSALB=xyz; b=2", AWSALB), Some(&b"xyz"[..]));
        assert_eq!(find_cookie(b"AWSALBCORS=q", AWSALB), None);
        assert!(sets_cookie(b"SESSION=abc; Path=/", "SESSION"));
        assert!(!sets_cookie(b"SESSIONX=abc", "SESSION"));
        let mut out = Vec::new();
        write_set_cookie(&mut out, AWSALBCORS, "v", true);
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("Set-Cookie: AWSALBCORS=v; Expires=") && s.ends_with("; Path=/; SameSite=None; Secure\r\n"), "{s}");
    }
}
