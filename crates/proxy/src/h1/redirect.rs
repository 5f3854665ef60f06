//! The `Location` of a `redirect` action: each part of `RedirectConfig` with `#{protocol}`,
//! `#{host}`, `#{port}`, `#{path}` and `#{query}` replaced by the request's values (ELBv2 API
//! reference, `RedirectActionConfig`); the default port of the scheme is left out.

use model::listener::RedirectConfig;

use super::head::RequestHead;
use super::rewrite::{split_absolute, strip_port};
use crate::routing::ListenerRoutes;

/// Builds the `Location` value for a request whose head is at the start of `buf`.
pub fn location(buf: &[u8], head: &RequestHead, routes: &ListenerRoutes, c: &RedirectConfig) -> Vec<u8> {
    let target = head.target.of(buf);
    let (authority, origin) = match split_absolute(target) {
        Some((a, o)) => (Some(a), o),
        None => (None, target),
    };
    let host_full = authority.or(head.host.map(|h| h.of(buf))).unwrap_or_default();
    let host = String::from_utf8_lossy(strip_port(host_full)).into_owned();
    let origin = String::from_utf8_lossy(origin);
    let (path, query) = origin.split_once('?').unwrap_or((&origin, ""));
    let port = routes.port.to_string();
    let expand = |template: &str| {
        template
            .replace("#{protocol}", routes.scheme)
            .replace("#{host}", &host)
            .replace("#{port}", &port)
            .replace("#{path}", path.strip_prefix('/').unwrap_or(path))
            .replace("#{query}", query)
    };
    let protocol = expand(c.protocol.as_deref().unwrap_or("#{protocol}")).to_ascii_lowercase();
    let to_host = expand(c.host.as_deref().unwrap_or("#{host}"));
    let to_port = expand(c.port.as_deref().unwrap_or("#{port}"));
    let to_path = expand(c.path.as_deref().unwrap_or("/#{path}"));
    let to_query = expand(c.query.as_deref().unwrap_or("#{query}"));
    let default_port = if protocol == "https" { "443" } else { "80" };
    let mut location = format!("{protocol}://{to_host}");
    if to_port != default_port {
        location.push(':');
        location.push_str(&to_port);
    }
    location.push_str(&to_path);
    if !to_query.is_empty() {
        location.push('?');
        location.push_str(&to_query);
    }
    // Header values cannot carry control characters.
    location.retain(|ch| !ch.is_control());
    location.into_bytes()
}
