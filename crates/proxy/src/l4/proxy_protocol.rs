//! The PROXY protocol header that NLB target groups with `proxy_protocol_v2.enabled` receive
//! before the first byte of every connection (and, for UDP, before every datagram): the
//! client's and the listener's addresses in HAProxy's binary format
//! (<https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt>, section 2.2); and the text
//! version 1 (section 2.1) that Classic Load Balancers send to back ends with a
//! `ProxyProtocolPolicyType` policy.
//!
//! Written on the stack: no allocation per connection.

use std::net::{IpAddr, SocketAddr};

/// The 12-byte signature that opens every version 2 header.
pub const SIGNATURE: [u8; 12] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

/// The longest header written: version 1's longest line (`PROXY TCP6` with two full IPv6
/// addresses and ports, 104 bytes with the CRLF, section 2.1); version 2 takes at most 16 + 36.
pub const MAX_LEN: usize = 104;

/// Version 2, command `PROXY` (the connection was relayed on behalf of another node).
const VERSION_2_PROXY: u8 = 0x21;

/// The transport of the relayed connection (the low nibble of the 14th byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `SOCK_STREAM`: TCP (TCP and TLS listeners).
    Stream,
    /// `SOCK_DGRAM`: UDP.
    Datagram,
}

/// One encoded header, at most [`MAX_LEN`] bytes.
#[derive(Clone, Copy)]
pub struct ProxyHeader {
    bytes: [u8; MAX_LEN],
    len: u8,
}

impl std::fmt::Debug for ProxyHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyHeader").field("len", &self.len).finish()
    }
}

impl ProxyHeader {
    /// The header of a connection from `client` to the listener address `listener`:
    /// `AF_INET` when both are IPv4, else `AF_INET6` (an IPv4 address then appears
    /// IPv4-mapped, `::ffff:a.b.c.d`, since one header carries one family).
    pub fn v2(client: SocketAddr, listener: SocketAddr, transport: Transport) -> ProxyHeader {
        let mut bytes = [0u8; MAX_LEN];
        bytes[..12].copy_from_slice(&SIGNATURE);
        bytes[12] = VERSION_2_PROXY;
        let proto = match transport {
            Transport::Stream => 0x1,
            Transport::Datagram => 0x2,
        };
        let len = match (client.ip(), listener.ip()) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                bytes[13] = 0x10 | proto;
                bytes[14..16].copy_from_slice(&12u16.to_be_bytes());
                bytes[16..20].copy_from_slice(&src.octets());
                bytes[20..24].copy_from_slice(&dst.octets());
                bytes[24..26].copy_from_slice(&client.port().to_be_bytes());
                bytes[26..28].copy_from_slice(&listener.port().to_be_bytes());
                28
            }
            (src, dst) => {
                let v6 = |ip: IpAddr| match ip {
                    IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                    IpAddr::V6(v6) => v6,
                };
                bytes[13] = 0x20 | proto;
                bytes[14..16].copy_from_slice(&36u16.to_be_bytes());
                bytes[16..32].copy_from_slice(&v6(src).octets());
                bytes[32..48].copy_from_slice(&v6(dst).octets());
                bytes[48..50].copy_from_slice(&client.port().to_be_bytes());
                bytes[50..52].copy_from_slice(&listener.port().to_be_bytes());
                52
            }
        };
        ProxyHeader { bytes, len }
    }

    /// The version 1 line of a TCP connection from `client` to the listener address `listener`:
    /// `PROXY TCP4 <src> <dst> <sport> <dport>\r\n` when both are IPv4, else `TCP6` with
    /// IPv4 addresses IPv4-mapped.
    pub fn v1(client: SocketAddr, listener: SocketAddr) -> ProxyHeader {
        use std::io::Write;
        let mut bytes = [0u8; MAX_LEN];
        let mut w = std::io::Cursor::new(&mut bytes[..]);
        // Writes into a buffer sized for the longest line cannot fail.
        let _ = match (client.ip(), listener.ip()) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => write!(w, "PROXY TCP4 {src} {dst} {} {}\r\n", client.port(), listener.port()),
            (src, dst) => {
                let v6 = |ip: IpAddr| match ip {
                    IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                    IpAddr::V6(v6) => v6,
                };
                write!(w, "PROXY TCP6 {} {} {} {}\r\n", v6(src), v6(dst), client.port(), listener.port())
            }
        };
        let len = w.position() as u8;
        ProxyHeader { bytes, len }
    }

    /// The encoded header.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_stream_matches_the_specification_byte_for_byte() {
        let h = ProxyHeader::v2("192.0.2.7:51234".parse().unwrap(), "10.0.0.1:443".parse().unwrap(), Transport::Stream);
        let mut want = SIGNATURE.to_vec();
        want.extend([0x21, 0x11, 0, 12, 192, 0, 2, 7, 10, 0, 0, 1]);
        want.extend(51234u16.to_be_bytes());
        want.extend(443u16.to_be_bytes());
        assert_eq!(h.as_bytes(), &want[..]);
    }

    #[test]
    fn version_1_lines_match_the_specification_and_parse() {
        let h = ProxyHeader::v1("192.0.2.7:51234".parse().unwrap(), "10.0.0.1:443".parse().unwrap());
        assert_eq!(h.as_bytes(), b"PROXY TCP4 192.0.2.7 10.0.0.1 51234 443\r\n");
        let longest = ProxyHeader::v1("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535".parse().unwrap(), "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535".parse().unwrap());
        assert_eq!(longest.as_bytes().len(), MAX_LEN);
        for (client, listener) in [("127.0.0.9:40000", "127.0.0.1:8080"), ("[2001:db8::1]:1234", "[::1]:80"), ("127.0.0.9:7", "[::1]:80")] {
            let (client, listener): (SocketAddr, SocketAddr) = (client.parse().unwrap(), listener.parse().unwrap());
            let h = ProxyHeader::v1(client, listener);
            let text = std::str::from_utf8(h.as_bytes()).unwrap();
            let parsed = ppp::v1::Header::try_from(text).unwrap();
            let (src, dst) = match parsed.addresses {
                ppp::v1::Addresses::Tcp4(a) => (SocketAddr::new(a.source_address.into(), a.source_port), SocketAddr::new(a.destination_address.into(), a.destination_port)),
                ppp::v1::Addresses::Tcp6(a) => (SocketAddr::new(a.source_address.into(), a.source_port), SocketAddr::new(a.destination_address.into(), a.destination_port)),
                other => panic!("unexpected addresses {other:?}"),
            };
            let canon = |a: SocketAddr| SocketAddr::new(a.ip().to_canonical(), a.port());
            assert_eq!((canon(src), canon(dst)), (canon(client), canon(listener)));
        }
    }

    #[test]
    fn a_third_party_parser_reads_what_we_write() {
        for (client, listener, transport) in [
            ("127.0.0.9:40000", "127.0.0.1:8080", Transport::Stream),
            ("127.0.0.9:40000", "127.0.0.1:53", Transport::Datagram),
            ("[2001:db8::1]:1234", "[::1]:80", Transport::Stream),
            ("127.0.0.9:7", "[::1]:80", Transport::Datagram),
        ] {
            let (client, listener): (SocketAddr, SocketAddr) = (client.parse().unwrap(), listener.parse().unwrap());
            let h = ProxyHeader::v2(client, listener, transport);
            let mut wire = h.as_bytes().to_vec();
            wire.extend_from_slice(b"payload");
            let parsed = ppp::v2::Header::try_from(&wire[..]).unwrap();
            assert_eq!(parsed.len(), h.as_bytes().len(), "the header length covers exactly what we wrote");
            assert_eq!(parsed.command, ppp::v2::Command::Proxy);
            let want_proto = match transport {
                Transport::Stream => ppp::v2::Protocol::Stream,
                Transport::Datagram => ppp::v2::Protocol::Datagram,
            };
            assert_eq!(parsed.protocol, want_proto);
            let (src, dst) = match parsed.addresses {
                ppp::v2::Addresses::IPv4(a) => (SocketAddr::new(a.source_address.into(), a.source_port), SocketAddr::new(a.destination_address.into(), a.destination_port)),
                ppp::v2::Addresses::IPv6(a) => (SocketAddr::new(a.source_address.into(), a.source_port), SocketAddr::new(a.destination_address.into(), a.destination_port)),
                other => panic!("unexpected addresses {other:?}"),
            };
            let canon = |a: SocketAddr| SocketAddr::new(a.ip().to_canonical(), a.port());
            assert_eq!((canon(src), canon(dst)), (canon(client), canon(listener)));
        }
    }
}
